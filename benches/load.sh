#!/usr/bin/env bash
# Whole-gateway load benchmark (DESIGN §6). The same load tool (wrk) against, in one run:
#   direct     the backend itself (nginx returning a small JSON document, its own process)
#   nginx      nginx as a plain reverse proxy in front of it (keep-alive upstream)
#   bare       the least an actix-web + awc forwarder does (examples/bare_forwarder.rs):
#              the ceiling for anything built on scopegate's HTTP stack
#   hyper      the least a hyper 1.x forwarder does (benches/hyper_forwarder, a package of
#              its own): what another Rust HTTP stack reaches on the same machine
#   scopegate  API token, RBAC check, identity and forwarding headers, metrics, access log
#   sg-nolog   the same with the access log line switched off (RUST_LOG)
#   sg-public  a public route: no credential, no RBAC (forwarding, headers, metrics, log)
# Every proxy gets one worker, and the backend runs in a process of its own, so that no
# proxy shares its worker with the backend. Targets are measured in turns (`rounds`
# times, interleaved, so that machine noise hits all of them alike); the median round of
# each is printed with the ratios, plus how many argon2 verifications and database grant
# loads scopegate did during the run (both must be 0).
#
#   usage: benches/load.sh [seconds=5] [connections=32] [rounds=3]
# Needs wrk and nginx (apt-get install wrk nginx-light); builds scopegate in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
conns=${2:-32}
rounds=${3:-3}
work=$(mktemp -d /tmp/scopegate-load.XXXXXX)
stop_all() {
  kill $(jobs -p) 2>/dev/null || true
  for n in backend proxy; do nginx -p "$work/$n" -c "$work/$n/nginx.conf" -s stop 2>/dev/null || true; done
}
trap stop_all EXIT

command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (apt-get install wrk nginx-light)" >&2; exit 2; }
cargo build --release --quiet --bin scopegate --example bare_forwarder
cargo build --release --quiet --manifest-path benches/hyper_forwarder/Cargo.toml --target-dir target
bin=target/release/scopegate

backend=19101; proxy=19102; gate=19103; bare=19104; nolog=19105; hyper=19106
nginx_conf() { # dir body
  mkdir -p "$work/$1/logs"
  cat > "$work/$1/nginx.conf" <<NGINX
worker_processes 1;
pid $work/$1/nginx.pid;
error_log $work/$1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  $2
}
NGINX
  nginx -p "$work/$1" -c "$work/$1/nginx.conf"
}
nginx_conf backend "server { listen 127.0.0.1:$backend; location / { default_type application/json; return 200 '{\"ok\":true,\"items\":[1,2,3]}'; } }"
nginx_conf proxy "upstream backend { server 127.0.0.1:$backend; keepalive 64; }
  server { listen 127.0.0.1:$proxy; location / { proxy_pass http://backend; proxy_http_version 1.1;
    proxy_set_header Connection \"\"; proxy_set_header X-Forwarded-For \$remote_addr; } }"
target/release/examples/bare_forwarder "127.0.0.1:$bare" "http://127.0.0.1:$backend" &
target/release/hyper_forwarder "127.0.0.1:$hyper" "127.0.0.1:$backend" &

config() { # port
  cat <<TOML
[server]
listen = "127.0.0.1:$1"
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
}
config $gate > "$work/scopegate.toml"
config $nolog > "$work/nolog.toml"
token=$("$bin" bootstrap --account bench --admin-email admin@bench.test --config "$work/scopegate.toml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
"$bin" serve --config "$work/scopegate.toml" > "$work/scopegate.log" 2>&1 &
RUST_LOG=info,scopegate::access=off "$bin" serve --config "$work/nolog.toml" > "$work/nolog.log" 2>&1 &
path=/v1/integrations/github
public=/v1/insights/status
for port in $gate $nolog $bare $hyper; do
  for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; curl -s -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break; sleep 0.2; done
done
curl -fs -H "x-api-key: $token" "http://127.0.0.1:$gate$path" >/dev/null || { echo "scopegate did not answer"; cat "$work/scopegate.log"; exit 1; }

run() { # name url [header]
  local out
  if [ -n "${3:-}" ]; then out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency -H "$3" "$2"); else out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency "$2"); fi
  printf '%s %s %s %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")"
}
metric() { curl -s "http://127.0.0.1:$gate/metrics" | awk -v m="$1" '$1==m {print $2}'; }
argon_before=$(metric scopegate_argon2_verifications_total)
loads_before=$(metric scopegate_policy_db_loads_total)
results=$( for _ in $(seq "$rounds"); do
  run direct "http://127.0.0.1:$backend$path"
  run nginx "http://127.0.0.1:$proxy$path"
  run bare "http://127.0.0.1:$bare$path"
  run hyper "http://127.0.0.1:$hyper$path"
  run scopegate "http://127.0.0.1:$gate$path" "x-api-key: $token"
  run sg-nolog "http://127.0.0.1:$nolog$path" "x-api-key: $token"
  run sg-public "http://127.0.0.1:$gate$public"
done )
argon_after=$(metric scopegate_argon2_verifications_total)
loads_after=$(metric scopegate_policy_db_loads_total)
python3 - "$results" <<PY
import sys, statistics
rows = {}
for line in sys.argv[1].strip().splitlines():
    name, rps, p50, p99 = line.split()
    rows.setdefault(name, []).append((float(rps), p50, p99))
def ms(v):
    return float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-2]) if v.endswith("ms") else float(v[:-1]) * 1000
print(f"wrk -t1 -c$conns -d${secs}s x $rounds rounds, one worker each, GET $path (public: $public)")
print(f"{'target':<10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}   req/s of each round")
median = {}
for name, runs in rows.items():
    rps = statistics.median(r[0] for r in runs)
    pick = min(runs, key=lambda r: abs(r[0] - rps))
    median[name] = (rps, ms(pick[1]), ms(pick[2]))
    print(f"{name:<10} {rps:>8.0f} {ms(pick[1]):>7.2f} {ms(pick[2]):>7.2f}   " + " ".join(f"{r[0]:.0f}" for r in runs))
n, b, h, s = median["nginx"], median["bare"], median["hyper"], median["scopegate"]
print(f"scopegate / nginx = {s[0]/n[0]:.2f}x (p99 {s[2]:.2f} vs {n[2]:.2f} ms)   "
      f"scopegate / bare = {s[0]/b[0]:.2f}x   bare / nginx = {b[0]/n[0]:.2f}x   "
      f"hyper / nginx = {h[0]/n[0]:.2f}x")
us = lambda name: 1e6 / median[name][0]
print(f"time per request at saturation: nginx {us('nginx'):.1f} us, bare {us('bare'):.1f} us, "
      f"hyper {us('hyper'):.1f} us, "
      f"scopegate {us('scopegate'):.1f} us (public route {us('sg-public'):.1f} us, "
      f"without access log {us('sg-nolog'):.1f} us)")
PY
echo "argon2 verifications during the run: $((argon_after - argon_before)); grant loads from the database: $((loads_after - loads_before))"
