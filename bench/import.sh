#!/usr/bin/env bash
# Full O*NET import (the 30.1 release plus its 29.3 supplement) into a fresh SQLite
# database with the release build, timed against the sqlite3 shell's `.import` of the same
# files into bare tables (no types, no indexes, no checks) in the same run.
#
#   bench/import.sh [DATA_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=$(cd "${1:-../shared/data/onet}" && pwd)
RUNS=${2:-5}
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not found (apt-get install sqlite3)"; exit 1; }
[ -n "${NSX_BIN:-}" ] || cargo build --release -q -p nsx
BIN=${NSX_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/nsx}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The baseline script: every data file of the release and the supplement into its own table.
{
  echo ".mode tabs"
  i=0
  for f in "$DATA"/*.txt "$DATA"/supplement_*/*.txt; do
    [ "$(basename "$f")" = "Read Me.txt" ] && continue
    i=$((i + 1))
    echo ".import '$f' t$i"
  done
} > "$work/baseline.sql"

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

nsx_times=()
base_times=()
rows=""
for r in $(seq 1 "$RUNS"); do
  rm -f "$work"/nsx.db* "$work"/base.db*
  t0=$(now)
  out=$("$BIN" --database-url "sqlite://$work/nsx.db" import onet "$DATA" 2>/dev/null)
  t1=$(now)
  "$BIN" --database-url "sqlite://$work/nsx.db" search --rebuild-only >/dev/null 2>&1 || true
  t2=$(now)
  sqlite3 "$work/base.db" < "$work/baseline.sql"
  t3=$(now)
  nsx_times+=("$(echo "$t1 - $t0" | bc -l)")
  idx_times+=("$(echo "$t2 - $t1" | bc -l)")
  base_times+=("$(echo "$t3 - $t2" | bc -l)")
  rows=$(echo "$out" | head -n1)
done
nsx_med=$(printf '%s\n' "${nsx_times[@]}" | median)
idx_med=$(printf '%s\n' "${idx_times[@]}" | median)
base_med=$(printf '%s\n' "${base_times[@]}" | median)
total=$(echo "$nsx_med + $idx_med" | bc -l)
printf 'runs: %s (median reported)\n' "$RUNS"
printf 'nsx import onet (all tables, indexes, catalog): %.2f s   [%s]\n' "$nsx_med" "$rows"
printf 'search index build from the database:           %.2f s\n' "$idx_med"
printf 'nsx total:                                      %.2f s\n' "$total"
printf 'sqlite3 .import into bare tables:               %.2f s\n' "$base_med"
printf 'ratio nsx total / sqlite3 .import:              %.2fx\n' "$(echo "$total / $base_med" | bc -l)"
