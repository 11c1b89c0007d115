#!/usr/bin/env bash
# Sign-in under a burst: N wrong passwords for one account sent at once, then the right one.
# Reports how many passwords the server actually checked (rows of `sign_in_attempts`, which
# every build writes once per checked password), the answers, and the server's peak RSS
# (VmHWM) during the burst, against a baseline measured in the same run: the same server
# after one sequential sign-in.
#
#   bench/sign_in_burst.sh sqlite [BINARY] [N]
#   bench/sign_in_burst.sh postgres://postgres@127.0.0.1:5432/postgres [BINARY] [N]
#
# BINARY defaults to target/release/nsx (built first); give another build's binary (e.g. one
# built from an older commit) to measure it the same way. With a PostgreSQL URL a fresh
# database is created on that server and dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${1:?sqlite or a postgres:// admin URL}
BIN=${2:-}
N=${3:-200}
if [ -z "$BIN" ]; then
  cargo build --release -q -p nsx
  BIN=target/release/nsx
fi
WORK=$(mktemp -d)
PORT=$((18300 + RANDOM % 500))
EMAIL=burst@example.org
PASSWORD='correct horse battery'
if [ "$TARGET" = sqlite ]; then
  DB="sqlite://$WORK/nsx.db"
  count() { sqlite3 "$WORK/nsx.db" "$1"; }
  cleanup_db() { :; }
else
  NAME="nsx_bench_$(date +%s)_$$"
  psql -q "$TARGET" -c "CREATE DATABASE $NAME"
  DB="${TARGET%/*}/$NAME"
  count() { psql -qtA "$DB" -c "$1"; }
  cleanup_db() { psql -q "$TARGET" -c "DROP DATABASE IF EXISTS $NAME WITH (FORCE)" >/dev/null; }
fi
export NSX_DATABASE_URL=$DB NSX_DATA_DIR=$WORK NSX_BOOTSTRAP=false NSX_JOBS__ENABLED=false
# The account lock is what is measured, so the per-address limit is set out of the way.
export NSX_SIGN_IN_PER_MINUTE=1000000 NSX_MAX_FAILED_SIGN_INS=10 NSX_PASSWORD_WAIT_MS=120000
printf '%s\n' "$PASSWORD" | "$BIN" user add "$EMAIL" --name "Burst Target" --password-stdin >/dev/null
NSX_LOG=warn "$BIN" serve --no-bootstrap --listen "127.0.0.1:$PORT" 2>"$WORK/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; cleanup_db; rm -rf "$WORK"' EXIT
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
kib() { awk "/$1/ {print \$2}" /proc/$pid/status; }
mib() { echo "scale=1; $1/1024" | bc; }

start_rss=$(kib VmRSS)
# Baseline: one sequential sign-in (one Argon2 check) on the same server.
curl -s -o /dev/null -w '' -X POST "http://127.0.0.1:$PORT/sign-in" \
  --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD"
one_peak=$(kib VmHWM)
count "DELETE FROM sign_in_attempts" >/dev/null

# The burst: N wrong passwords at once, then the right one.
python3 - "$PORT" "$EMAIL" "$N" "$PASSWORD" <<'EOF'
import sys, threading, urllib.request, urllib.parse, urllib.error, collections
port, email, n, right = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
url = f"http://127.0.0.1:{port}/sign-in"
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None
opener = urllib.request.build_opener(NoRedirect)
def post(pw):
    body = urllib.parse.urlencode({"email": email, "password": pw}).encode()
    try:
        return opener.open(urllib.request.Request(url, data=body), timeout=300).status
    except urllib.error.HTTPError as e:
        return e.code
    except Exception as e:
        return type(e).__name__
statuses = collections.Counter()
gate = threading.Barrier(n)
lock = threading.Lock()
def one():
    gate.wait()
    s = post("wrong password %d" % threading.get_ident())
    with lock:
        statuses[s] += 1
threads = [threading.Thread(target=one) for _ in range(n)]
for t in threads: t.start()
for t in threads: t.join()
print("burst answers:", dict(sorted(statuses.items(), key=lambda kv: str(kv[0]))))
print("then the right password:", post(right))
EOF
burst_peak=$(kib VmHWM)
checked=$(count "SELECT COUNT(*) FROM sign_in_attempts")
printf 'binary: %s\nbackend: %s\nwrong passwords sent at once: %s\nwrong passwords checked: %s (limit 10)\n' \
  "$BIN" "${TARGET%%:*}" "$N" "$checked"
printf 'RSS after start: %s MiB\npeak RSS after one sequential sign-in (baseline): %s MiB\npeak RSS after the burst: %s MiB\n' \
  "$(mib "$start_rss")" "$(mib "$one_peak")" "$(mib "$burst_peak")"
