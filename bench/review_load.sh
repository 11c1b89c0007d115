#!/usr/bin/env bash
# A call for input under load: REVIEWERS reviewers fill a 100-statement framework at once
# over SECONDS seconds through the JSON API, on SQLite or PostgreSQL; then every answer is
# checked (zero lost, zero duplicated) and the results are timed.
#
#   bench/review_load.sh sqlite   [BINARY] [REVIEWERS] [SECONDS]
#   bench/review_load.sh postgres [BINARY] [REVIEWERS] [SECONDS]
#
# BINARY defaults to target/release/nsx (built first). REVIEWERS defaults to 500, SECONDS to
# 60. The server runs with its default configuration, whose connection cap
# (`http.max_connections`, 512) is below the 551 connections the load opens (one per tab
# plus the editor's): set NSX_HTTP__MAX_CONNECTIONS to measure beside a larger cap.
# PROBE_PG_URL / BENCH_PG_URL names the PostgreSQL server (a fresh database is created
# and dropped).
#
# Set-up (not timed): the test fixture's O*NET release, `nsx demo` (a standards body and its
# editor), a 100-statement framework imported from a framework CSV by that editor, and a
# call opened on it through the API. The reviewer accounts are written straight into the
# database (verified e-mail, one API token each) because signing 500 people up is not what
# is measured.
#
# The load (timed): each reviewer joins the call, then saves the 100 statements in ten
# sections of ten at random moments over SECONDS seconds (PUT /api/v1/reviews/{id}/responses,
# what the response page's per-section forms do); one reviewer in ten has two tabs open and
# sends every section from both at once; one in five comes back at the end and changes its
# first section. Baseline in the same run: the same section saved by one reviewer alone on
# the idle server, sequentially.
#
# Afterwards: the number of stored responses must equal REVIEWERS × 100, and every reviewer's
# answers read back through the API must equal the last thing they sent. Then the results
# (API and page) are timed from the warm server, beside the call's own read
# (GET /api/v1/reviews/{id}) as the baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BACKEND=${1:?sqlite or postgres}
BIN=${2:-}
REVIEWERS=${3:-500}
SECONDS_=${4:-60}
PG_URL=${BENCH_PG_URL:-${PROBE_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
FIXTURE=$ROOT/crates/nsx/tests/fixtures/onet-mini
if [ -z "$BIN" ]; then
  cargo build --release -q -p nsx
  BIN=$ROOT/target/release/nsx
fi
WORK=$(mktemp -d)
PORT=$((18800 + RANDOM % 500))
BASE="http://127.0.0.1:$PORT"
PG_DB=""
case $BACKEND in
  sqlite)
    export NSX_DATABASE_URL="sqlite://$WORK/nsx.db"
    sql() { sqlite3 "$WORK/nsx.db" "$1"; }
    ;;
  postgres)
    PG_DB="nsx_review_load_$(date +%s)_$$"
    psql -q "$PG_URL" -c "CREATE DATABASE $PG_DB"
    export NSX_DATABASE_URL="${PG_URL%/*}/$PG_DB"
    sql() { psql -qtA "$NSX_DATABASE_URL" -c "$1"; }
    ;;
  *) echo "usage: $0 sqlite|postgres [BINARY] [REVIEWERS] [SECONDS]" >&2; exit 2 ;;
esac
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export NSX_DATA_DIR="$WORK/data" NSX_WORDNET=off NSX_LOG=warn
# Every reviewer shares the bench's one client address; the per-address limits are for
# sign-in and sign-up, which the load does not use, but keep them out of the way anyway.
export NSX_SIGN_IN_PER_MINUTE=1000000

"$BIN" import onet "$FIXTURE" >/dev/null 2>&1
"$BIN" draft --all >/dev/null 2>&1
"$BIN" demo >"$WORK/demo.txt" 2>&1
EDITOR_EMAIL=$(awk '/password:/ && /editor/ {for (i=1;i<=NF;i++) if ($i ~ /@/) {print $i; exit}}' "$WORK/demo.txt")
EDITOR_PASSWORD=$(awk '/password:/ && /editor/ {print $NF; exit}' "$WORK/demo.txt")
if [ -z "$EDITOR_EMAIL" ] || [ -z "$EDITOR_PASSWORD" ]; then
  echo "could not read the demo editor's sign-in from nsx demo:" >&2
  cat "$WORK/demo.txt" >&2
  exit 1
fi

"$BIN" serve --no-bootstrap --listen "127.0.0.1:$PORT" >"$WORK/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 150); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$BASE/readyz" >/dev/null

python3 "$ROOT/bench/review_load.py" setup-csv "$BASE" "$WORK/load.csv"
"$BIN" import framework-csv "$WORK/load.csv" --as "$EDITOR_EMAIL" --code review-load-100 \
  --title "Review load test (100 statements)" >/dev/null 2>&1

# Reviewer accounts and tokens, written straight into the database.
python3 "$ROOT/bench/review_load.py" accounts "$BACKEND" "$REVIEWERS" "$WORK/accounts.sql" "$WORK/tokens.txt"
case $BACKEND in
  sqlite) sqlite3 "$WORK/nsx.db" <"$WORK/accounts.sql" ;;
  postgres) psql -q "$NSX_DATABASE_URL" -f "$WORK/accounts.sql" >/dev/null ;;
esac

python3 "$ROOT/bench/review_load.py" run "$BASE" "$EDITOR_EMAIL" "$EDITOR_PASSWORD" \
  "$WORK/tokens.txt" "$SECONDS_" "$BACKEND" "$WORK/call.txt"

CALL=$(cat "$WORK/call.txt")
# Only the load reviewers' answers: the demo's own calls have responses of their own.
LOAD="FROM review_responses r JOIN users u ON u.id = r.user_id WHERE u.email LIKE '%@review-load.test'"
stored=$(sql "SELECT count(*) $LOAD")
distinct=$(sql "SELECT count(*) FROM (SELECT DISTINCT r.call_id, r.user_id, r.statement_id $LOAD) d")
expected=$((REVIEWERS * 100))
echo "stored responses: $stored (distinct reviewer×statement: $distinct; expected $expected)"
if [ "$stored" -ne "$expected" ] || [ "$distinct" -ne "$expected" ]; then
  echo "FAIL: lost or duplicated responses" >&2
  exit 1
fi
if grep -q "panicked" "$WORK/serve.log"; then
  echo "FAIL: the server panicked" >&2
  grep -A3 panicked "$WORK/serve.log" | head -20 >&2
  exit 1
fi
echo "call $CALL: ok"
