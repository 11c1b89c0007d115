#!/usr/bin/env bash
# Search quality on the full data, honestly measured (see docs/search.md, "Quality"):
#   - leave-one-out over a seeded sample of O*NET alternate and reported titles, each held out
#     of the index (and of everything the semantic layer learns) while it is asked for;
#   - the informal held-out titles in crates/nsx/tests/fixtures/search_informal.tsv;
#   - SQLite FTS5 bm25 over the same title documents, in the same run;
# top-1 / top-5 by 6-digit SOC, without and with the lexical database (Debian's
# wordnet-base at /usr/share/wordnet, when installed) and without and with word embeddings
# (the table NSX_BENCH_EMBEDDINGS names, default nsx-data/embeddings, when it exists; made
# by scripts/add-embeddings). Also the index build time and the memory each adds (peak RSS
# of `nsx search --rebuild-only`, every way).
#
#   bench/search_eval.sh [DATABASE_URL] [SAMPLE] [FOLDS]
#   bench/search_eval.sh sqlite:///tmp/nsx-full.db 2000 10
set -euo pipefail
cd "$(dirname "$0")/.."
DB=${1:-}
SAMPLE=${2:-2000}
FOLDS=${3:-10}
DATA=$(cd "${NSX_SHARED_DATA:-../shared/data}" && pwd)
if [ -z "${NSX_BIN:-}" ]; then
  cargo build --release -q -p nsx
  NSX_BIN=${CARGO_TARGET_DIR:-target}/release/nsx
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
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
INFORMAL=crates/nsx/tests/fixtures/search_informal.tsv
WORDNET=${NSX_BENCH_WORDNET:-/usr/share/wordnet}
EMBEDDINGS=${NSX_BENCH_EMBEDDINGS:-nsx-data/embeddings}
lexicons=(off)
[ -f "$WORDNET/index.noun" ] && lexicons+=("$WORDNET")
tables=(off)
[ -f "$EMBEDDINGS/vectors.safetensors" ] && tables+=("$EMBEDDINGS")
for emb in "${tables[@]}"; do
  for wn in "${lexicons[@]}"; do
    echo "== lexical database: $wn; word embeddings: $emb"
    NSX_WORDNET=$wn NSX_EMBEDDINGS=$emb NSX_LOG=warn \
      /usr/bin/time -f "peak RSS of search --rebuild-only: %M KiB" \
      "$NSX_BIN" --database-url "$DB" search --rebuild-only
    NSX_WORDNET=$wn NSX_EMBEDDINGS=$emb NSX_LOG=warn "$NSX_BIN" --database-url "$DB" search \
      --eval --sample "$SAMPLE" --folds "$FOLDS" --informal "$INFORMAL"
  done
done
