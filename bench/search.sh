#!/usr/bin/env bash
# Search latency on the full data: 1,000 mixed queries (job titles from the eval file,
# typos of them, O*NET-SOC / SOC / CIP codes, keywords) against a warm release-build
# `nsx serve`, one at a time over a keep-alive connection. Reports the SERVER time of each
# search (the API's `took_us`, also sent as `Server-Timing`) and the client round trip, and
# in the same run the same queries as SQLite FTS5 MATCH (bm25) over the same titles
# (official, alternate, short and reported), plus top-3 accuracy of both on the eval file.
#
#   bench/search.sh [DATABASE_URL] [QUERIES]
#   bench/search.sh                               # imports ../shared/data into a temp SQLite
#   bench/search.sh sqlite:///tmp/nsx-full.db 1000
#
# Set NSX_BIN to use an existing binary instead of building one (e.g. a debug build
# for a dry run: NSX_BIN=target/debug/nsx bench/search.sh "" 20).
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-}
N=${2:-1000}
DATA=$(cd "${NSX_SHARED_DATA:-../shared/data}" && pwd)
command -v python3 >/dev/null || { echo "python3 not found"; exit 1; }
if [ -z "${NSX_BIN:-}" ]; then
  cargo build --release -q -p nsx
  NSX_BIN=${CARGO_TARGET_DIR:-target}/release/nsx
fi
work=$(mktemp -d)
PORT=${NSX_BENCH_PORT:-18191}
cleanup() {
  [ -n "${nsx_pid:-}" ] && kill "$nsx_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$DB" ]; then
  DB="sqlite://$work/nsx.db"
  echo "importing the full data into $DB ..."
  {
    "$NSX_BIN" --database-url "$DB" import onet "$DATA/onet"
    "$NSX_BIN" --database-url "$DB" import crosswalk "$DATA/onet_crosswalks"
    "$NSX_BIN" --database-url "$DB" import cip "$DATA/cip_soc_crosswalk/CIP2020_SOC2018_Crosswalk.csv" \
      "$DATA/cip_soc_crosswalk/CIPCode2020.csv"
  } >"$work/import.log" 2>&1 || { cat "$work/import.log"; exit 1; }
fi
case "$DB" in
  sqlite://*) SQLITE_FILE=${DB#sqlite://}; SQLITE_FILE=${SQLITE_FILE%%\?*} ;;
  *) SQLITE_FILE="" ;;
esac

"$NSX_BIN" --database-url "$DB" search --rebuild-only
NSX_LOG=warn "$NSX_BIN" --database-url "$DB" serve --no-bootstrap --listen "127.0.0.1:$PORT" 2>"$work/nsx.log" &
nsx_pid=$!
for _ in $(seq 1 300); do
  curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$nsx_pid" 2>/dev/null || { cat "$work/nsx.log"; exit 1; }
  sleep 0.2
done

python3 bench/search_driver.py \
  --url "http://127.0.0.1:$PORT" \
  --eval crates/nsx/tests/fixtures/search_eval.tsv \
  --onet "$DATA/onet" \
  --cip "$DATA/cip_soc_crosswalk/CIP2020_SOC2018_Crosswalk.csv" \
  --queries "$N"
