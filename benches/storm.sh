#!/usr/bin/env bash
# Cold-start storm (issue 17, DESIGN §4.3): a restart must not be a storm. The gateway is
# restarted `rounds` times; after each start, `clients` callers with distinct API tokens
# (distinct users of one group holding `_account_viewer`) send their first request at the
# same moment, while a warm client (its own token, served once) times its own requests one
# after another. Printed per round and as medians: when the last cold request was served,
# cold p50/p99/max, the warm client's p50/p99/max during the storm, and how many argon2
# verifications the gateway ran.
#
#   usage: benches/storm.sh [clients=300] [rounds=3]
#   SCOPEGATE_BIN=path   serve (and set up) with another build, e.g. an older release
#   UPGRADE_FROM=path    set up (users, tokens) with that older build, then serve with this
#                        one: round 1 is the first restart after an upgrade (argon2id rows
#                        verified once and re-stored as digests), later rounds are not
#   WORKERS=n            gateway workers (default 1, as in load.sh)
# Needs nginx (the backend, as in load.sh) and python3 (set-up through the admin API:
# benches/storm.py); the storm client is examples/cold_storm.rs.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-300}
rounds=${2:-3}
workers=${WORKERS:-1}
work=$(mktemp -d /tmp/scopegate-storm.XXXXXX)
gate_pid=
stop_all() {
  [ -n "$gate_pid" ] && kill "$gate_pid" 2>/dev/null || true
  nginx -p "$work/backend" -c "$work/backend/nginx.conf" -s stop 2>/dev/null || true
  # The access log of a run is hundreds of MB: keep the folder only when asked (KEEP_WORK=1).
  wait 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap stop_all EXIT

command -v nginx >/dev/null || { echo "needs nginx (apt-get install nginx-light)" >&2; exit 2; }
cargo build --release --quiet --example cold_storm
if [ -z "${SCOPEGATE_BIN:-}" ]; then
  cargo build --release --quiet --bin scopegate
  bin=target/release/scopegate
else
  bin=$SCOPEGATE_BIN
fi
setup_bin=${UPGRADE_FROM:-$bin}

backend=19201; gate=19203
mkdir -p "$work/backend/logs"
cat > "$work/backend/nginx.conf" <<NGINX
worker_processes 1;
pid $work/backend/nginx.pid;
error_log $work/backend/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$backend; location / { default_type application/json; return 200 '{"ok":true,"items":[1,2,3]}'; } }
}
NGINX
nginx -p "$work/backend" -c "$work/backend/nginx.conf"

cat > "$work/scopegate.toml" <<TOML
[server]
listen = "127.0.0.1:$gate"
workers = $workers
[database]
url = "sqlite://$work/sg.db"
[upstreams]
teams = "http://127.0.0.1:$backend"
insights = "http://127.0.0.1:$backend"
profiles = "http://127.0.0.1:$backend"
[gateway]
route_packs = ["default"]
TOML

start_gate() { # binary
  "$1" serve --config "$work/scopegate.toml" > "$work/scopegate.log" 2>&1 &
  gate_pid=$!
  for _ in $(seq 100); do curl -fs -o /dev/null "http://127.0.0.1:$gate/healthz" && return; sleep 0.05; done
  echo "scopegate did not start"; cat "$work/scopegate.log"; exit 1
}
stop_gate() { kill "$gate_pid"; wait "$gate_pid" 2>/dev/null || true; gate_pid=; }
metric() { curl -s "http://127.0.0.1:$gate/metrics" | awk -v m="$1" '$1==m {print $2}'; }

admin=$("$setup_bin" bootstrap --account bench --admin-email admin@bench.test --config "$work/scopegate.toml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
start_gate "$setup_bin"
t0=$(date +%s.%N)
python3 benches/storm.py "http://127.0.0.1:$gate" "$admin" "$clients" > "$work/tokens"
echo "setup with $setup_bin: $clients users and tokens in $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s"
stop_gate

path=/v1/integrations/github
results=()
for round in $(seq "$rounds"); do
  start_gate "$bin"
  line=$(target/release/examples/cold_storm "127.0.0.1:$gate" "$path" "$work/tokens")
  line=$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["argon2"]=int(sys.argv[2]); d["round"]=int(sys.argv[3]); print(json.dumps(d))' "$line" "$(metric scopegate_argon2_verifications_total)" "$round")
  echo "$line"
  results+=("$line")
  stop_gate
done
python3 - "${results[@]}" <<'PY'
import json, statistics, sys
rows = [json.loads(a) for a in sys.argv[1:]]
med = lambda k: statistics.median(r[k] for r in rows if r[k] is not None)
print(f"storm of {rows[0]['clients']} cold callers, {len(rows)} restarts (median): "
      f"all served in {med('all_served_ms'):.0f} ms, cold p50 {med('cold_p50_ms'):.1f} ms, "
      f"p99 {med('cold_p99_ms'):.1f} ms, max {med('cold_max_ms'):.1f} ms; warm client during "
      f"the storm p50 {med('warm_during_p50_ms'):.1f} ms, p99 {med('warm_during_p99_ms'):.1f} ms, "
      f"max {med('warm_during_max_ms'):.1f} ms (before it {med('warm_before_p50_ms'):.2f} ms); "
      f"argon2 runs per restart: {[r['argon2'] for r in rows]}")
PY
