#!/usr/bin/env bash
# p99 latency of GET /ims/case/v1p0/CFPackages/{id} for one framework against a running
# release server. Target: p99 under 10 ms.
#
#   cargo build --release -p nsx && ./target/release/nsx serve &   # with drafted frameworks
#   bench/case.sh [BASE_URL] [CODE]
#
# Needs wrk (https://github.com/wg/wrk) and curl.
set -euo pipefail
BASE="${1:-http://127.0.0.1:8080}"
CODE="${2:-17-3024.00}"
DURATION="${DURATION:-20s}"
CONNECTIONS="${CONNECTIONS:-16}"
THREADS="${THREADS:-2}"

# Find the newest version of the framework among the CASE documents.
ID=$(curl -fsS "$BASE/ims/case/v1p0/CFDocuments?limit=1000&sort=version&orderBy=desc" |
  python3 -c "import json,sys
docs=json.load(sys.stdin)['CFDocuments']
m=[d for d in docs if '$CODE' in d.get('subject',[])]
print(m[0]['identifier'] if m else '')")
if [ -z "$ID" ]; then
  echo "no CASE document for $CODE at $BASE (draft frameworks first: nsx draft --all)" >&2
  exit 1
fi
URL="$BASE/ims/case/v1p0/CFPackages/$ID"
echo "warming $URL"
curl -fsS -o /dev/null "$URL"
wrk --latency -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$URL" | tee /tmp/nsx-case-bench.txt
if grep -qE "Non-2xx|Socket errors" /tmp/nsx-case-bench.txt; then
  echo "errors during the run; no figure recorded" >&2
  exit 1
fi
P99=$(awk '/^ +99%/ {print $2}' /tmp/nsx-case-bench.txt)
echo "p99 = $P99 (target < 10ms)"
