#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for tests and print its URL on stdout.
#   usage: eval "$(scripts/pg-test-cluster.sh start)"   # exports SCOPEGATE_TEST_DATABASE_URL
#          scripts/pg-test-cluster.sh stop
# Runs as root on Debian: installs the server from Debian's packages when missing, keeps its data
# under ${PGTEST_DIR:-/tmp/scopegate-pgtest}, listens on 127.0.0.1:${PGTEST_PORT:-55432} only.
set -euo pipefail
dir=${PGTEST_DIR:-/tmp/scopegate-pgtest}; port=${PGTEST_PORT:-55432}
bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
case "${1:-start}" in
start)
  if [ -z "$(bin)" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >&2
  fi
  b=$(bin)
  if ! runuser -u postgres -- "$b/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    rm -rf "$dir"; mkdir -p "$dir"; chown postgres "$dir"
    runuser -u postgres -- "$b/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >&2
    runuser -u postgres -- "$b/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
  fi
  runuser -u postgres -- "$b/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='scopegate_test'" | grep -q 1 ||
    runuser -u postgres -- "$b/createdb" -h 127.0.0.1 -p "$port" -U postgres scopegate_test >&2
  echo "export SCOPEGATE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/scopegate_test"
  ;;
stop)
  b=$(bin); [ -n "$b" ] && runuser -u postgres -- "$b/pg_ctl" -D "$dir/data" -m fast stop >&2 || true
  ;;
*) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
