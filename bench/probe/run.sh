#!/usr/bin/env bash
# The API probe: schemathesis against the OpenAPI document of a running exchange, three
# times per backend (anonymously, with a user's token, with an administrator's token), on
# SQLite and on PostgreSQL. Fails on any 5xx answer and on any answer the document does not
# describe (status, content type, body schema).
#
# Usage: bench/probe/run.sh [sqlite|postgres|both]
#   NSX_BIN          the nsx binary to probe (default target/release/nsx; build it with
#                    `cargo build --release -p nsx`)
#   PROBE_EXAMPLES   test cases per operation and mode (default 25)
#   PROBE_PG_URL     PostgreSQL server for the postgres run
#                    (default postgres://postgres@127.0.0.1:5432/postgres)
#   SCHEMATHESIS     the schemathesis command (default: bench/probe/.venv, created with pip
#                    on first use)
# Prints one line per run: backend, identity, requests sent, 5xx answers, failed checks and
# schemathesis errors (an operation the tool could not finish, not a finding about the
# server: such a run is repeated once and fails only if it errors again).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)

WHICH=${1:-both}
NSX_BIN=${NSX_BIN:-$ROOT/target/release/nsx}
EXAMPLES=${PROBE_EXAMPLES:-25}
PG_URL=${PROBE_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}
FIXTURE=$ROOT/crates/nsx/tests/fixtures/onet-mini
CHECKS=not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance

if [ ! -x "$NSX_BIN" ]; then
  echo "no nsx binary at $NSX_BIN (cargo build --release -p nsx, or set NSX_BIN)" >&2
  exit 2
fi
if [ -z "${SCHEMATHESIS:-}" ]; then
  VENV=$ROOT/bench/probe/.venv
  if [ ! -x "$VENV/bin/schemathesis" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q -r "$ROOT/bench/probe/requirements.txt"
  fi
  SCHEMATHESIS=$VENV/bin/schemathesis
fi

WORK=$(mktemp -d)
SERVER_PID=""
PG_DB=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$PG_DB" ]; then psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts an exchange on a fresh database loaded with the test fixture, with a user and an
# administrator; sets BASE, USER_TOKEN and ADMIN_TOKEN.
start_exchange() {
  local backend=$1
  case $backend in
    sqlite) export NSX_DATABASE_URL="sqlite://$WORK/$backend.db" ;;
    postgres)
      PG_DB="nsx_probe_$(date +%s)_$$"
      psql -q "$PG_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
      export NSX_DATABASE_URL="${PG_URL%/*}/$PG_DB"
      ;;
  esac
  export NSX_DATA_DIR="$WORK/data-$backend" NSX_WORDNET=off NSX_LOG_FORMAT=text
  "$NSX_BIN" import onet "$FIXTURE" >/dev/null
  "$NSX_BIN" draft --all >/dev/null
  echo 'probe user password 1' | "$NSX_BIN" user add user@probe.example --name "Probe User" --role editor --password-stdin >/dev/null
  echo 'probe admin password 1' | "$NSX_BIN" user add admin@probe.example --name "Probe Admin" --role admin --password-stdin >/dev/null
  local port
  port=$(free_port)
  BASE="http://127.0.0.1:$port"
  NSX_LOG=${NSX_LOG:-warn} "$NSX_BIN" serve --no-bootstrap --listen "127.0.0.1:$port" >"$WORK/server-$backend.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "$BASE/readyz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  curl -sf "$BASE/readyz" >/dev/null
  USER_TOKEN=$(token user@probe.example 'probe user password 1')
  ADMIN_TOKEN=$(token admin@probe.example 'probe admin password 1')
}

# Signs in with a cookie jar and creates an API token; prints the secret.
token() {
  local jar="$WORK/jar-$1"
  rm -f "$jar"
  curl -sf -c "$jar" -b "$jar" -o /dev/null "$BASE/sign-in"
  curl -sf -c "$jar" -b "$jar" -o /dev/null --data-urlencode "email=$1" --data-urlencode "password=$2" "$BASE/sign-in"
  curl -sf -c "$jar" -b "$jar" -H 'content-type: application/json' \
    -d "{\"name\":\"probe\",\"password\":\"$2\"}" "$BASE/api/v1/tokens" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

stop_exchange() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
  if [ -n "$PG_DB" ]; then
    psql -q "$PG_URL" -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
    PG_DB=""
  fi
}

FAILED=0
# One schemathesis run; prints its line and sets RUN_RESULT to clean, errors (schemathesis
# could not finish some operation: an exception in the tool or the network, no finding about
# the server) or failed (a 5xx answer, or an answer the document does not describe).
probe_once() {
  local backend=$1 who=$2 header=$3 attempt=$4
  local har="$WORK/$backend-$who-$attempt.har" junit="$WORK/$backend-$who-$attempt.xml"
  local out="$WORK/$backend-$who-$attempt.txt"
  local args=(run "$BASE/api/openapi.json" --checks "$CHECKS" --max-examples "$EXAMPLES"
    --seed 1 --workers 2 --report har,junit --report-har-path "$har"
    --report-junit-path "$junit" --no-color)
  if [ -n "$header" ]; then args+=(--header "$header"); fi
  local status=0
  "$SCHEMATHESIS" "${args[@]}" >"$out" 2>&1 || status=$?
  RUN_RESULT=$(python3 "$ROOT/bench/probe/verdict.py" "$har" "$junit" "$backend" "$who" "$status")
  if [ "$RUN_RESULT" != clean ]; then
    # The report itself: schemathesis prints each error's traceback and each failure's
    # reproduction before its summary.
    sed -n '/ERRORS\|FAILURES/,$p' "$out" | head -n 200
  fi
}

# Probes one identity. A run that met only schemathesis errors is run once more, and fails
# if it errors again; a 5xx answer or a failed check fails at once.
probe() {
  local backend=$1 who=$2 header=$3
  probe_once "$backend" "$who" "$header" 1
  if [ "$RUN_RESULT" = errors ]; then
    echo "    (schemathesis errors only: probing $backend as $who once more)"
    probe_once "$backend" "$who" "$header" 2
  fi
  if [ "$RUN_RESULT" != clean ]; then FAILED=1; fi
}

run_backend() {
  local backend=$1
  start_exchange "$backend"
  probe "$backend" anonymous ""
  probe "$backend" user "Authorization: Bearer $USER_TOKEN"
  probe "$backend" admin "Authorization: Bearer $ADMIN_TOKEN"
  if grep -q "panicked" "$WORK/server-$backend.log"; then
    echo "the server panicked on $backend:" >&2
    grep -A3 "panicked" "$WORK/server-$backend.log" | head -20 >&2
    FAILED=1
  fi
  stop_exchange
}

case $WHICH in
  sqlite | postgres) run_backend "$WHICH" ;;
  both) run_backend sqlite; run_backend postgres ;;
  *) echo "usage: $0 [sqlite|postgres|both]" >&2; exit 2 ;;
esac
exit $FAILED
