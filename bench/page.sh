#!/usr/bin/env bash
# Requests per second for one page of a warm release-build server (keep-alive, 64
# connections, 30 s by default), against nginx serving the same bytes as a static file in the
# same run. The servers take turns for ROUNDS rounds (default 3) and the median of each is
# compared, so a change in machine speed during the run touches all of them alike.
# The database must already hold the data (see BENCHMARKS.md).
#
#   [ROUNDS=3] bench/page.sh DATABASE_URL PATH [DURATION] [EXTRA_WRK_ARGS...]
#   bench/page.sh sqlite:///tmp/nsx-full.db /occupations/17-3024.00
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?database URL}
PAGE=${2:?path, e.g. /occupations/17-3024.00}
DURATION=${3:-30s}
ROUNDS=${ROUNDS:-3}
shift $(( $# < 3 ? $# : 3 ))
command -v wrk >/dev/null || { echo "wrk not found (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || { echo "nginx not found (apt-get install nginx-light)"; exit 1; }
[ -n "${NO_BUILD:-}" ] || cargo build --release -q -p nsx   # NO_BUILD=1: use the binary already built
work=$(mktemp -d)
# nginx's workers run as an unprivileged user: the page must be readable to them (mktemp
# makes the folder private to its owner, and nginx would answer 403 to every request).
chmod 755 "$work"
NSX_PORT=18181
NGINX_PORT=18182
NGINX_COPY_PORT=18184
CEILING_PORT=18185
cleanup() {
  [ -n "${nsx_pid:-}" ] && kill "$nsx_pid" 2>/dev/null || true
  [ -n "${ceiling_pid:-}" ] && kill "$ceiling_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  [ -f "$work/nginx-copy.pid" ] && kill "$(cat "$work/nginx-copy.pid")" 2>/dev/null || true
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
# nginx as it is usually deployed (sendfile on: the kernel sends the file's pages without
# copying them through user space), and a second instance with sendfile off, which copies
# every response through a user-space buffer as NSX must.
nginx_conf() { # PORT SENDFILE PIDFILE
  cat <<CONF
worker_processes auto;
pid $3;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile $2;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$1;
    root $work/www;
    location / { default_type text/html; }
  }
}
CONF
}
nginx_conf "$NGINX_PORT" on "$work/nginx.pid" > "$work/nginx.conf"
nginx_conf "$NGINX_COPY_PORT" off "$work/nginx-copy.pid" > "$work/nginx-copy.conf"
nginx -c "$work/nginx.conf"
nginx -c "$work/nginx-copy.conf"
# Every server must answer with the page itself before anything is timed.
same_page() { # URL NAME
  curl -fs "$1" -o "$work/check.html" && cmp -s "$work/page.html" "$work/check.html" ||
    { echo "$2 does not serve the page at $1" >&2; exit 1; }
}
same_page "http://127.0.0.1:$NGINX_PORT/page.html" "nginx (sendfile on)"
same_page "http://127.0.0.1:$NGINX_COPY_PORT/page.html" "nginx (sendfile off)"
# CEILING=1 adds a bare hyper server (bench/ceiling) serving the same bytes from memory: the
# HTTP stack NSX is built on, with no routing, middleware or cache lookup.
if [ "${CEILING:-0}" = 1 ]; then
  (cd bench/ceiling && cargo build --release -q --target-dir target)
  bench/ceiling/target/release/nsx-ceiling "$work/page.html" "$CEILING_PORT" &
  ceiling_pid=$!
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$CEILING_PORT/" -o /dev/null && break; sleep 0.1; done
  same_page "http://127.0.0.1:$CEILING_PORT/" "the bare hyper server"
fi

# A run that got any error or non-2xx answer counts for nothing: the script stops.
run() {
  wrk -t2 -c64 -d"$DURATION" --latency "$@" | tee "$work/last.txt" >&2 || exit 1
  if grep -qE "Non-2xx|Socket errors" "$work/last.txt"; then
    echo "errors during the run above; no figure recorded" >&2
    exit 1
  fi
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/last.txt")
  [ -n "$rps" ] || { echo "wrk reported no rate" >&2; exit 1; }
  echo "$rps"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "page $PAGE: $bytes bytes; $ROUNDS round(s), each server in turn" >&2
nsx_all=(); nginx_all=(); copy_all=(); ceiling_all=()
for r in $(seq 1 "$ROUNDS"); do
  echo "--- round $r: NSX (release build, warm)" >&2
  nsx_all+=("$(run "$@" "http://127.0.0.1:$NSX_PORT$PAGE")")
  echo "--- round $r: nginx, the same bytes as a static file (sendfile on)" >&2
  nginx_all+=("$(run "$@" "http://127.0.0.1:$NGINX_PORT/page.html")")
  echo "--- round $r: nginx, the same file with sendfile off (copied through user space)" >&2
  copy_all+=("$(run "$@" "http://127.0.0.1:$NGINX_COPY_PORT/page.html")")
  if [ -n "${ceiling_pid:-}" ]; then
    echo "--- round $r: bare hyper server, the same bytes from memory" >&2
    ceiling_all+=("$(run "$@" "http://127.0.0.1:$CEILING_PORT/")")
  fi
done
nsx_rps=$(printf '%s\n' "${nsx_all[@]}" | median)
nginx_rps=$(printf '%s\n' "${nginx_all[@]}" | median)
copy_rps=$(printf '%s\n' "${copy_all[@]}" | median)
printf '\npage %s (%s bytes), median of %s round(s)\nNSX:                    %s req/s   [%s]\nnginx (sendfile on):    %s req/s   [%s]\nnginx (sendfile off):   %s req/s   [%s]\nratio NSX / nginx:                   %.2f\nratio NSX / nginx without sendfile:  %.2f\n' \
  "$PAGE" "$bytes" "$ROUNDS" "$nsx_rps" "${nsx_all[*]}" "$nginx_rps" "${nginx_all[*]}" "$copy_rps" "${copy_all[*]}" \
  "$(echo "$nsx_rps / $nginx_rps" | bc -l)" "$(echo "$nsx_rps / $copy_rps" | bc -l)"
if [ -n "${ceiling_pid:-}" ]; then
  ceiling_rps=$(printf '%s\n' "${ceiling_all[@]}" | median)
  printf 'bare hyper (ceiling):   %s req/s   [%s]\nratio NSX / bare hyper:              %.2f\n' \
    "$ceiling_rps" "${ceiling_all[*]}" "$(echo "$nsx_rps / $ceiling_rps" | bc -l)"
fi
