#!/usr/bin/env bash
# Whole-gateway load benchmark (DESIGN §6): the same load tool (wrk) against, in one run,
#   1. the backend directly (nginx returning a small JSON document),
#   2. nginx as a plain reverse proxy in front of it,
#   3. scopegate with an API token, an RBAC check, identity headers, metrics and its
#      access log line, forwarding to the same backend.
# Every server gets one worker. Prints req/s, p50 and p99 per target and the ratios.
#
#   usage: benches/load.sh [seconds=10] [connections=32]
# Needs wrk and nginx (apt-get install wrk nginx-light); builds scopegate in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
work=$(mktemp -d /tmp/scopegate-load.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null || true; nginx -p "$work" -c "$work/nginx.conf" -s stop 2>/dev/null || true' EXIT

command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (apt-get install wrk nginx-light)" >&2; exit 2; }
cargo build --release --quiet
bin=target/release/scopegate

backend=19101; proxy=19102; gate=19103
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  upstream backend { server 127.0.0.1:$backend; keepalive 64; }
  server {
    listen 127.0.0.1:$backend;
    location / { default_type application/json; return 200 '{"ok":true,"items":[1,2,3]}'; }
  }
  server {
    listen 127.0.0.1:$proxy;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
NGINX
mkdir -p "$work/logs"
nginx -p "$work" -c "$work/nginx.conf"

cat > "$work/scopegate.toml" <<TOML
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
token=$("$bin" bootstrap --account bench --admin-email admin@bench.test --config "$work/scopegate.toml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
"$bin" serve --config "$work/scopegate.toml" > "$work/scopegate.log" 2>&1 &
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$gate/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
path=/v1/integrations/github
curl -fs -H "x-api-key: $token" "http://127.0.0.1:$gate$path" >/dev/null || { echo "scopegate did not answer"; cat "$work/scopegate.log"; exit 1; }

run() { # name url [header]
  local out
  if [ -n "${3:-}" ]; then out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency -H "$3" "$2"); else out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency "$2"); fi
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '%s %s %s %s\n' "$1" "$rps" "$p50" "$p99"
}
argon_before=$(curl -s "http://127.0.0.1:$gate/metrics" | awk '/^scopegate_argon2_verifications_total/ {print $2}')
loads_before=$(curl -s "http://127.0.0.1:$gate/metrics" | awk '/^scopegate_policy_db_loads_total/ {print $2}')
results=$( {
  run direct "http://127.0.0.1:$backend$path"
  run nginx "http://127.0.0.1:$proxy$path"
  run scopegate "http://127.0.0.1:$gate$path" "x-api-key: $token"
} )
argon_after=$(curl -s "http://127.0.0.1:$gate/metrics" | awk '/^scopegate_argon2_verifications_total/ {print $2}')
loads_after=$(curl -s "http://127.0.0.1:$gate/metrics" | awk '/^scopegate_policy_db_loads_total/ {print $2}')
python3 - "$results" <<PY
import sys
rows = [l.split() for l in sys.argv[1].strip().splitlines()]
data = {r[0]: r[1:] for r in rows}
print(f"wrk -t1 -c$conns -d${secs}s, one worker each, GET $path")
print(f"{'target':<10} {'req/s':>10} {'p50':>9} {'p99':>9}")
for name, (rps, p50, p99) in data.items():
    print(f"{name:<10} {float(rps):>10.0f} {p50:>9} {p99:>9}")
s, n, d = (float(data[k][0]) for k in ("scopegate", "nginx", "direct"))
print(f"scopegate / nginx  = {s/n:.2f}x   scopegate / direct = {s/d:.2f}x   nginx / direct = {n/d:.2f}x")
PY
echo "argon2 verifications during the run: $((argon_after - argon_before)); grant loads from the database: $((loads_after - loads_before))"
