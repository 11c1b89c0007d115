#!/usr/bin/env bash
# `nsx draft --all` and `nsx lint` over the full data, two builds in the same run: a
# baseline binary (e.g. main's release build) and the binary under test, taking turns, each
# run on a fresh copy of one imported database. Afterwards every drafted statement and
# citation of both is dumped to a file and the files are compared: the drafts must be
# identical.
#
#   bench/draft.sh BASELINE_BIN TEST_BIN [RUNS] [DATA_ROOT]
#   bench/draft.sh /tmp/nsx-main target/release/nsx 3 ../shared/data
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=$(realpath "${1:?baseline nsx binary}")
TEST=$(realpath "${2:?nsx binary under test}")
RUNS=${3:-3}
DATA=$(cd "${4:-../shared/data}" && pwd)
command -v sqlite3 >/dev/null || { echo "sqlite3 shell not found (apt-get install sqlite3)"; exit 1; }
work=${WORK:-$(mktemp -d)}
mkdir -p "$work"
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
LABEL=v26.09

# One imported database, as BENCHMARKS.md builds it (without the draft).
U="sqlite://$work/imported.db"
"$TEST" --database-url "$U" import onet "$DATA/onet" >/dev/null 2>&1
"$TEST" --database-url "$U" import crosswalk "$DATA/onet_crosswalks" >/dev/null 2>&1
"$TEST" --database-url "$U" import cip "$DATA/cip_soc_crosswalk" >/dev/null 2>&1
"$TEST" --database-url "$U" import evidence "$DATA/anthropic_economic_index" >/dev/null 2>&1
sqlite3 "$work/imported.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null

# Every statement and citation of the drafted label, in a fixed order, ids included.
dump() { # DB OUT
  sqlite3 -separator $'\t' "$1" >"$2" <<SQL
SELECT v.code, v.title, v.job_zone, v.onet_release, v.context, v.url, v.evidence, v.gaps,
       v.source_keys, v.statement_count, v.status
  FROM framework_versions v WHERE v.label = '$LABEL' ORDER BY v.code;
SELECT v.code, hex(s.id), hex(s.item_id), s.section, s.domain, s.level, s.ord, s.subject,
       s.performance
  FROM statements s JOIN framework_versions v ON v.id = s.version_id
 WHERE v.label = '$LABEL' ORDER BY v.code, s.section, s.domain, s.level, s.ord;
SELECT v.code, hex(c.statement_id), c.ord, c.source, c.release, c.kind, c.task_id,
       c.element_id, c.scale, c.commodity_code, c.ref, c.cited_text, c.value
  FROM citations c JOIN framework_versions v ON v.id = c.version_id
 WHERE v.label = '$LABEL' ORDER BY v.code, hex(c.statement_id), c.ord;
SELECT source_key, release, name, publisher, url, licence, attribution FROM sources
 ORDER BY source_key, release;
SQL
}

echo "load before: $(uptime)"
for r in $(seq 1 "$RUNS"); do
  for who in baseline test; do
    bin=$BASE; [ "$who" = test ] && bin=$TEST
    rm -f "$work/$who.db"*
    cp "$work/imported.db" "$work/$who.db"
    /usr/bin/time -f "$who run $r: draft wall %e s, user %U s, sys %S s, maxrss %M KB" \
      "$bin" --database-url "sqlite://$work/$who.db" draft --all --version "$LABEL" >/dev/null 2>"$work/err.txt" ||
      { cat "$work/err.txt" >&2; exit 1; }
    tail -n1 "$work/err.txt"
  done
done
for who in baseline test; do
  bin=$BASE; [ "$who" = test ] && bin=$TEST
  /usr/bin/time -f "$who: lint wall %e s, user %U s" \
    "$bin" --database-url "sqlite://$work/$who.db" lint 2>"$work/err.txt" | tail -n1 || true
  tail -n1 "$work/err.txt"
done
echo "load after: $(uptime)"
dump "$work/baseline.db" "$work/baseline.tsv"
dump "$work/test.db" "$work/test.tsv"
printf 'dumped: %s lines (baseline), %s lines (test)\n' "$(wc -l < "$work/baseline.tsv")" "$(wc -l < "$work/test.tsv")"
if cmp -s "$work/baseline.tsv" "$work/test.tsv"; then
  echo "drafts identical"
else
  diff "$work/baseline.tsv" "$work/test.tsv" | head -20
  echo "DRAFTS DIFFER" >&2
  exit 1
fi
