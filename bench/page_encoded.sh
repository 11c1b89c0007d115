#!/usr/bin/env bash
# Requests per second for one page as browsers fetch it (compressed), from a warm release
# server, against nginx serving the same page pre-compressed from files (`gzip_static`, and
# `brotli_static` when nginx has the module), in the same run. The servers take turns for
# ROUNDS rounds (default 3): NSX and nginx with `Accept-Encoding: gzip, br` (what browsers
# send), then NSX and nginx with `Accept-Encoding: gzip` only. Medians are compared.
# The database must already hold the data (see BENCHMARKS.md).
#
#   [ROUNDS=3] [NO_BUILD=1] [NSX_BIN=path] [CEILING=1] [BASE_BIN=path [BASE_DB=url]] bench/page_encoded.sh DATABASE_URL PATH [DURATION]
#   bench/page_encoded.sh sqlite:///tmp/nsx-full.db /frameworks/17-3024.00 10s
#
# nginx serves NSX's own compressed bytes (fetched from NSX before timing), so both
# servers send bodies of the same length; before anything is timed, every server is checked
# to answer 200 with the expected Content-Encoding and bytes that decompress to the page.
# CEILING=1 adds bench/ceiling, a bare hyper server sending the same brotli bytes from memory
# for every request (no routing, no negotiation, one header), as the ceiling of the stack.
# BASE_BIN=path adds a second NSX binary (say, the previous commit's) in the same rounds,
# served from BASE_DB (default: the same database; give it a copy), checked like the others.
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?database URL}
PAGE=${2:?path, e.g. /frameworks/17-3024.00}
DURATION=${3:-30s}
ROUNDS=${ROUNDS:-3}
for tool in wrk nginx curl gzip brotli bc; do
  command -v "$tool" >/dev/null || { echo "$tool not found (apt-get install wrk nginx-light curl gzip brotli bc)"; exit 1; }
done
# NO_BUILD=1: use the binary already built; NSX_BIN: time that binary instead.
[ -n "${NO_BUILD:-}${NSX_BIN:-}" ] || cargo build --release -q -p nsx
BIN=${NSX_BIN:-target/release/nsx}
work=$(mktemp -d)
chmod 755 "$work"   # nginx's workers run as an unprivileged user and must read the files
NSX_PORT=18191
NGINX_PORT=18192
CEILING_PORT=18193
BASE_PORT=18194
cleanup() {
  [ -n "${nsx_pid:-}" ] && kill "$nsx_pid" 2>/dev/null || true
  [ -n "${base_pid:-}" ] && kill "$base_pid" 2>/dev/null || true
  [ -n "${ceiling_pid:-}" ] && kill "$ceiling_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

NSX_LOG=warn "$BIN" --database-url "$DB" serve --no-bootstrap --listen "127.0.0.1:$NSX_PORT" 2>"$work/nsx.log" &
nsx_pid=$!
for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$NSX_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$NSX_PORT/readyz" >/dev/null || { echo "NSX did not start; see below" >&2; cat "$work/nsx.log" >&2; exit 1; }
NSX_URL="http://127.0.0.1:$NSX_PORT$PAGE"
curl -fs "$NSX_URL" -o "$work/page.html"
# NSX makes its brotli copy in the background once the page is cached: wait for it.
wait_for_brotli() { # URL WHO
  local enc=
  for _ in $(seq 1 100); do
    enc=$(curl -fs -H 'Accept-Encoding: gzip, br' -D - -o /dev/null "$1" | tr -d '\r' |
      awk -F': ' 'tolower($1) == "content-encoding" {print $2}')
    [ "$enc" = br ] && return 0
    sleep 0.2
  done
  echo "$2 never answered with its brotli copy" >&2
  exit 1
}
wait_for_brotli "$NSX_URL" NSX
if [ -n "${BASE_BIN:-}" ]; then
  NSX_LOG=warn "$BASE_BIN" --database-url "${BASE_DB:-$DB}" serve --no-bootstrap --listen "127.0.0.1:$BASE_PORT" 2>"$work/base.log" &
  base_pid=$!
  BASE_URL="http://127.0.0.1:$BASE_PORT$PAGE"
  for _ in $(seq 1 600); do curl -fs "http://127.0.0.1:$BASE_PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fs "$BASE_URL" -o /dev/null || { echo "the baseline NSX did not start; see below" >&2; cat "$work/base.log" >&2; exit 1; }
  wait_for_brotli "$BASE_URL" "the baseline NSX"
fi
mkdir -p "$work/www"
cp "$work/page.html" "$work/www/page.html"
curl -fs -H 'Accept-Encoding: gzip' "$NSX_URL" -o "$work/www/page.html.gz"
curl -fs -H 'Accept-Encoding: br' "$NSX_URL" -o "$work/www/page.html.br"

# nginx as deployed for static pages (sendfile on), answering from the pre-compressed files.
brotli_module=/usr/lib/nginx/modules/ngx_http_brotli_static_module.so
if [ -f "$brotli_module" ]; then
  load="load_module $brotli_module;"
  brotli_static="brotli_static on;"
  NGINX_BR=br
else
  load=""
  brotli_static=""
  NGINX_BR=gzip   # no brotli module: browsers get the gzip file
  echo "this nginx has no brotli module: nginx answers 'gzip, br' with its gzip file" >&2
fi
cat > "$work/nginx.conf" <<CONF
$load
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  keepalive_requests 100000;
  gzip_static on;
  gzip_vary on;
  $brotli_static
  server {
    listen 127.0.0.1:$NGINX_PORT;
    root $work/www;
    location / { default_type text/html; }
  }
}
CONF
nginx -c "$work/nginx.conf"
NGINX_URL="http://127.0.0.1:$NGINX_PORT/page.html"
for _ in $(seq 1 50); do curl -fs "$NGINX_URL" -o /dev/null && break; sleep 0.1; done

# Every server must answer 200 with the expected coding and bytes that decompress to the
# page, before anything is timed.
check() { # URL ACCEPT_ENCODING EXPECTED_CODING NAME
  local status enc
  status=$(curl -s -H "Accept-Encoding: $2" -D "$work/h.txt" -o "$work/body" -w '%{http_code}' "$1")
  enc=$(tr -d '\r' < "$work/h.txt" | awk -F': ' 'tolower($1) == "content-encoding" {print $2}')
  [ "$status" = 200 ] || { echo "$4 answered $status to '$2'" >&2; exit 1; }
  [ "$enc" = "$3" ] || { echo "$4 answered '$2' with coding '$enc', not '$3'" >&2; exit 1; }
  case "$3" in
    br) brotli -d -c "$work/body" > "$work/plain" ;;
    gzip) gzip -d -c < "$work/body" > "$work/plain" ;;
  esac
  cmp -s "$work/page.html" "$work/plain" || { echo "$4 ('$2') does not decompress to the page" >&2; exit 1; }
  wc -c < "$work/body"
}
nsx_br_bytes=$(check "$NSX_URL" 'gzip, br' br "NSX")
nsx_gz_bytes=$(check "$NSX_URL" gzip gzip "NSX")
nginx_br_bytes=$(check "$NGINX_URL" 'gzip, br' "$NGINX_BR" "nginx")
nginx_gz_bytes=$(check "$NGINX_URL" gzip gzip "nginx")
plain_bytes=$(wc -c < "$work/page.html")
[ -z "${base_pid:-}" ] || base_br_bytes=$(check "$BASE_URL" 'gzip, br' br "the baseline NSX")
if [ "${CEILING:-0}" = 1 ]; then
  (cd bench/ceiling && cargo build --release -q --target-dir target)
  bench/ceiling/target/release/nsx-ceiling "$work/www/page.html.br" "$CEILING_PORT" &
  ceiling_pid=$!
  CEILING_URL="http://127.0.0.1:$CEILING_PORT/"
  for _ in $(seq 1 50); do curl -fs "$CEILING_URL" -o /dev/null && break; sleep 0.1; done
  curl -fs "$CEILING_URL" -o "$work/ceiling.br" && cmp -s "$work/ceiling.br" "$work/www/page.html.br" ||
    { echo "the bare hyper server does not send NSX's brotli bytes" >&2; exit 1; }
fi

# A run that got any error or non-2xx answer counts for nothing: the script stops.
run() { # URL ACCEPT_ENCODING
  wrk -t2 -c64 -d"$DURATION" --latency -H "Accept-Encoding: $2" "$1" | tee "$work/last.txt" >&2 || exit 1
  if grep -qE "Non-2xx|Socket errors" "$work/last.txt"; then
    echo "errors during the run above; no figure recorded" >&2
    exit 1
  fi
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/last.txt")
  [ -n "$rps" ] || { echo "wrk reported no rate" >&2; exit 1; }
  echo "$rps"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "page $PAGE: $plain_bytes bytes, br $nsx_br_bytes, gzip $nsx_gz_bytes; $ROUNDS round(s), each server in turn" >&2
nsx_br=(); nginx_br=(); nsx_gz=(); nginx_gz=(); ceiling_br=(); base_br=()
for r in $(seq 1 "$ROUNDS"); do
  echo "--- round $r: NSX, Accept-Encoding: gzip, br" >&2
  nsx_br+=("$(run "$NSX_URL" 'gzip, br')")
  echo "--- round $r: nginx, Accept-Encoding: gzip, br ($NGINX_BR file)" >&2
  nginx_br+=("$(run "$NGINX_URL" 'gzip, br')")
  if [ -n "${base_pid:-}" ]; then
    echo "--- round $r: baseline NSX ($BASE_BIN), Accept-Encoding: gzip, br" >&2
    base_br+=("$(run "$BASE_URL" 'gzip, br')")
  fi
  if [ -n "${ceiling_pid:-}" ]; then
    echo "--- round $r: bare hyper, the brotli bytes from memory" >&2
    ceiling_br+=("$(run "$CEILING_URL" 'gzip, br')")
  fi
  echo "--- round $r: NSX, Accept-Encoding: gzip" >&2
  nsx_gz+=("$(run "$NSX_URL" gzip)")
  echo "--- round $r: nginx, Accept-Encoding: gzip (gzip_static)" >&2
  nginx_gz+=("$(run "$NGINX_URL" gzip)")
done
m() { printf '%s\n' "$@" | median; }
a=$(m "${nsx_br[@]}"); b=$(m "${nginx_br[@]}"); c=$(m "${nsx_gz[@]}"); d=$(m "${nginx_gz[@]}")
printf '\npage %s, median of %s round(s) of %s, wrk -t2 -c64\n' "$PAGE" "$ROUNDS" "$DURATION"
printf 'bytes: identity %s, br %s (nginx file %s), gzip %s (nginx file %s)\n' \
  "$plain_bytes" "$nsx_br_bytes" "$nginx_br_bytes" "$nsx_gz_bytes" "$nginx_gz_bytes"
printf 'NSX   gzip, br -> br:          %10s req/s   [%s]\n' "$a" "${nsx_br[*]}"
printf 'nginx gzip, br -> %-4s static: %10s req/s   [%s]\n' "$NGINX_BR" "$b" "${nginx_br[*]}"
printf 'NSX   gzip     -> gzip:        %10s req/s   [%s]\n' "$c" "${nsx_gz[*]}"
printf 'nginx gzip     -> gzip_static: %10s req/s   [%s]\n' "$d" "${nginx_gz[*]}"
printf 'ratio NSX-br / nginx-%s_static:   %.2f\n' "$NGINX_BR" "$(echo "$a / $b" | bc -l)"
printf 'ratio NSX-br / nginx-gzip_static: %.2f\n' "$(echo "$a / $d" | bc -l)"
printf 'ratio NSX-gzip / nginx-gzip_static: %.2f\n' "$(echo "$c / $d" | bc -l)"
if [ -n "${ceiling_pid:-}" ]; then
  e=$(m "${ceiling_br[@]}")
  printf 'bare hyper, br bytes (ceiling):  %10s req/s   [%s]\n' "$e" "${ceiling_br[*]}"
  printf 'ratio NSX-br / bare hyper:        %.2f\n' "$(echo "$a / $e" | bc -l)"
  printf 'ratio bare hyper / nginx-%s_static: %.2f\n' "$NGINX_BR" "$(echo "$e / $b" | bc -l)"
fi
if [ -n "${base_pid:-}" ]; then
  f=$(m "${base_br[@]}")
  printf 'baseline NSX gzip, br -> br (%s bytes): %10s req/s   [%s]\n' "$base_br_bytes" "$f" "${base_br[*]}"
  printf 'ratio baseline-br / nginx-%s_static: %.2f\n' "$NGINX_BR" "$(echo "$f / $b" | bc -l)"
  printf 'ratio NSX-br / baseline-br:         %.2f\n' "$(echo "$a / $f" | bc -l)"
fi
