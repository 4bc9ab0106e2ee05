#!/usr/bin/env bash
# Instructions per gateway request, counted by valgrind's callgrind: a deterministic
# measure for comparing builds on a machine too shared for throughput to tell a 5 %
# change from noise. One worker, SQLite, the nginx backend of load.sh, wrk -c4 for
# `seconds` after a warm-up; counters are zeroed after the warm-up and dumped at the end.
# Two caveats: callgrind runs SHA-256 in software (natively the CPU's SHA extensions make
# it far cheaper) and counts `rep movs/stos` per element, so memcpy/memset weigh more
# than they cost; both hit every build alike.
#
#   usage: benches/instructions.sh [target=scopegate|bare] [seconds=8]
#   SCOPEGATE_BIN=path counts another scopegate build.
# Needs valgrind, wrk and nginx (apt-get install valgrind wrk nginx-light).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-scopegate}
secs=${2:-8}
work=$(mktemp -d /tmp/scopegate-ir.XXXXXX)
backend=19601; gate=19603
pid=
stop_all() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  nginx -p "$work/backend" -c "$work/backend/nginx.conf" -s stop 2>/dev/null || true
}
trap stop_all EXIT
mkdir -p "$work/backend/logs"
cat > "$work/backend/nginx.conf" <<NGINX
worker_processes 1;
pid $work/backend/nginx.pid;
error_log $work/backend/error.log warn;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:$backend; location / { default_type application/json; return 200 '{"ok":true,"items":[1,2,3]}'; } } }
NGINX
nginx -p "$work/backend" -c "$work/backend/nginx.conf"
cat > "$work/sg.toml" <<TOML
[server]
listen = "127.0.0.1:$gate"
workers = 1
[database]
url = "sqlite://$work/sg.db"
[upstreams]
teams = "http://127.0.0.1:$backend"
insights = "http://127.0.0.1:$backend"
profiles = "http://127.0.0.1:$backend"
[gateway]
route_packs = ["default"]
TOML
hdr=()
if [ "$target" = bare ]; then
  cargo build --release --quiet --example bare_forwarder
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" target/release/examples/bare_forwarder \
    "127.0.0.1:$gate" "http://127.0.0.1:$backend" > "$work/run.log" 2>&1 &
else
  if [ -z "${SCOPEGATE_BIN:-}" ]; then cargo build --release --quiet --bin scopegate; bin=target/release/scopegate; else bin=$SCOPEGATE_BIN; fi
  token=$("$bin" bootstrap --account bench --admin-email a@bench.test --config "$work/sg.toml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.out" "$bin" serve --config "$work/sg.toml" > "$work/run.log" 2>&1 &
  hdr=(-H "x-api-key: $token")
fi
pid=$!
url="http://127.0.0.1:$gate/v1/integrations/github"
for _ in $(seq 100); do curl -fs -o /dev/null "${hdr[@]}" "$url" && break; sleep 0.3; done
wrk -t1 -c4 -d3s "${hdr[@]}" "$url" > /dev/null
callgrind_control -z "$pid" > /dev/null
n=$(wrk -t1 -c4 -d"${secs}s" "${hdr[@]}" "$url" | awk '/requests in/ {print $1}')
callgrind_control -d "$pid" > /dev/null
sleep 1
out=$(ls -t "$work"/cg.out* | head -1)
ir=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "$target: $n requests, $ir instructions, $((ir / n)) per request (profile: $out)"
trap - EXIT
stop_all
