#!/usr/bin/env bash
# Peak resident memory (VmHWM) of `nsx serve` holding the full data: start the release build
# on a loaded database, request a spread of pages and API calls, then read the peak.
#
#   bench/memory.sh DATABASE_URL
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:?database URL}
cargo build --release -q -p nsx
PORT=18183
NSX_LOG=warn target/release/nsx --database-url "$DB" serve --no-bootstrap --listen "127.0.0.1:$PORT" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
after_start=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
codes=$(for off in $(seq 0 200 1200); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/occupations?limit=200&offset=$off" |
    python3 -c 'import json,sys; [print(o["code"]) for o in json.load(sys.stdin)["items"]]' || true
done)
n=0
for c in $codes; do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/occupations/$c" || true
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/frameworks/$c" || true
  n=$((n + 1))
done
for q in nurse "robot tech" welder "software developer" 17-3024 15.0403 mechatronics; do
  curl -fs -o /dev/null -G "http://127.0.0.1:$PORT/api/v1/search" --data-urlencode "q=$q" || true
done
peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
printf 'occupations visited: %s\nRSS after start: %.1f MiB\nRSS now: %.1f MiB\npeak RSS (VmHWM): %.1f MiB\n' \
  "$n" "$(echo "$after_start/1024" | bc -l)" "$(echo "$rss/1024" | bc -l)" "$(echo "$peak/1024" | bc -l)"
