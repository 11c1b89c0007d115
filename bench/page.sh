#!/usr/bin/env bash
# Requests per second for one page of a warm release-build server (keep-alive, 64
# connections, 30 s by default), against nginx serving the same bytes as a static file in the
# same run. The database must already hold the data (see bench/README.md).
#
#   bench/page.sh DATABASE_URL PATH [DURATION] [EXTRA_WRK_ARGS...]
#   bench/page.sh sqlite:///tmp/nsx-full.db /occupations/17-3024.00
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?database URL}
PAGE=${2:?path, e.g. /occupations/17-3024.00}
DURATION=${3:-30s}
shift $(( $# < 3 ? $# : 3 ))
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || { echo "nginx not found (apt-get install nginx-light)"; exit 1; }
cargo build --release -q -p nsx
work=$(mktemp -d)
NSX_PORT=18181
NGINX_PORT=18182
cleanup() {
  [ -n "${nsx_pid:-}" ] && kill "$nsx_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

NSX_LOG=warn target/release/nsx --database-url "$DB" serve --no-bootstrap --listen "127.0.0.1:$NSX_PORT" 2>"$work/nsx.log" &
nsx_pid=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$NSX_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$NSX_PORT$PAGE" -o "$work/page.html"
bytes=$(wc -c < "$work/page.html")

mkdir -p "$work/www"
cp "$work/page.html" "$work/www/page.html"
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $work/www;
    location / { default_type text/html; }
  }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.5

run() {
  wrk -t2 -c64 -d"$DURATION" --latency "$@" | tee "$work/last.txt" >&2
  awk '/Requests\/sec/ {print $2}' "$work/last.txt"
}
echo "page $PAGE: $bytes bytes" >&2
echo "--- NSX (release build, warm)" >&2
nsx_rps=$(run "$@" "http://127.0.0.1:$NSX_PORT$PAGE")
echo "--- nginx, the same bytes as a static file" >&2
nginx_rps=$(run "$@" "http://127.0.0.1:$NGINX_PORT/page.html")
printf '\npage %s (%s bytes)\nNSX:   %s req/s\nnginx: %s req/s\nratio: %.2f\n' \
  "$PAGE" "$bytes" "$nsx_rps" "$nginx_rps" "$(echo "$nsx_rps / $nginx_rps" | bc -l)"
