"""The driver of bench/review_load.sh (see there for what is measured).

    review_load.py setup-csv BASE OUT.csv
    review_load.py accounts sqlite|postgres N OUT.sql TOKENS.txt
    review_load.py run BASE EDITOR_EMAIL EDITOR_PASSWORD TOKENS.txt SECONDS BACKEND CALL_OUT
"""

import csv
import hashlib
import http.client
import http.cookiejar
import io
import json
import random
import secrets
import sys
import threading
import time
import urllib.parse
import urllib.request

STATEMENTS = 100
SECTION = 10
DOMAIN = "review-load.test"
TYPES = ["employer", "educator", "association", "worker_learner", "government", "other"]
SECTORS = ["11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52", "54", "61", "62", "72", "92"]


def setup_csv(base, out):
    """A 100-statement framework CSV built from a drafted fixture framework's own rows."""
    with urllib.request.urlopen(f"{base}/api/v1/frameworks?limit=50") as r:
        listing = json.load(r)
    items = listing["items"]
    rows, header = [], None
    for f in items:
        code = f.get("code")
        try:
            with urllib.request.urlopen(f"{base}/exports/frameworks/{code}/csv") as r:
                text = r.read().decode()
        except Exception:
            continue
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        rows += [row for row in reader if row[header.index("section")] == "technical"]
        if len(rows) >= 40:
            break
    if not rows:
        sys.exit("no drafted framework to build the load framework from")
    subject = header.index("subject")
    out_rows = []
    for i in range(STATEMENTS):
        row = list(rows[i % len(rows)])
        row[header.index("item_id")] = ""
        row[header.index("order")] = ""
        row[subject] = f"{row[subject]} (part {i + 1})"
        row[header.index("statement")] = ""
        out_rows.append(row)
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(out_rows)


def accounts(backend, n, out_sql, out_tokens):
    """SQL that adds N verified reviewer accounts with one API token each."""
    new_id = "randomblob(16)" if backend == "sqlite" else "gen_random_uuid()"
    lines = ["BEGIN;"]
    tokens = []
    for i in range(n):
        email = f"reviewer{i:04d}@{DOMAIN}"
        secret = "nsx_" + secrets.token_urlsafe(32)
        h = hashlib.sha256(secret.encode()).hexdigest()
        tokens.append(f"{email} {secret}")
        # The password hash is copied from a demo reviewer's (a password nobody knows).
        lines.append(
            "INSERT INTO users (id, email, display_name, password_hash, disabled, created_at, updated_at, email_verified_at) "
            f"SELECT {new_id}, '{email}', 'Load Reviewer {i}', password_hash, FALSE, created_at, updated_at, updated_at "
            "FROM users WHERE email LIKE 'reviewer%@demo.nsx.test' LIMIT 1;"
        )
        lines.append(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at) "
            f"SELECT {new_id}, id, 'load', '{h}', '{secret[:12]}', created_at FROM users WHERE email = '{email}';"
        )
    lines.append("COMMIT;")
    with open(out_sql, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(out_tokens, "w") as f:
        f.write("\n".join(tokens) + "\n")


class Client:
    """One keep-alive HTTP connection (one browser tab)."""

    def __init__(self, base, token=None):
        u = urllib.parse.urlparse(base)
        self.host, self.port, self.token = u.hostname, u.port, token
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        h = {"accept": "application/json"}
        if self.token:
            h["authorization"] = f"Bearer {self.token}"
        if body is not None:
            h["content-type"] = "application/json"
            body = json.dumps(body)
        h.update(headers or {})
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                t = time.perf_counter()
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                return r.status, data, time.perf_counter() - t
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # A kept-alive connection the server closed while idle: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt:
                    raise


def editor_session(base, email, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/sign-in").read()
    data = urllib.parse.urlencode({"email": email, "password": password}).encode()
    opener.open(urllib.request.Request(f"{base}/sign-in", data=data, headers={"origin": base})).read()
    req = urllib.request.Request(
        f"{base}/api/v1/tokens",
        data=json.dumps({"name": "load", "password": password}).encode(),
        headers={"content-type": "application/json", "origin": base},
    )
    token = json.load(opener.open(req))["token"]
    return opener, token


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else float("nan")


def ms(x):
    return f"{x * 1000:.1f} ms"


def run(base, editor_email, editor_password, tokens_file, seconds, backend, call_out):
    opener, editor_token = editor_session(base, editor_email, editor_password)
    editor = Client(base, editor_token)
    s, body, _ = editor.request("GET", "/api/v1/frameworks/review-load-100/versions")
    versions = json.loads(body)
    draft = next(v for v in versions if v["status"] == "draft")
    now = time.time()
    iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    s, body, _ = editor.request("POST", "/api/v1/reviews", {
        "framework": "review-load-100",
        "version": draft["version"],
        "invitation": "Load test of a call for input.",
        "contact_name": "Load Editor",
        "contact_email": editor_email,
        "stakeholder_types": TYPES,
        "time_zone": "UTC",
        "opens_at": iso(now - 60),
        "closes_at": iso(now + 3600),
        "questions": [],
    })
    if s != 201:
        sys.exit(f"opening the call answered {s}: {body[:500]!r}")
    call = json.loads(body)["id"]
    with open(call_out, "w") as f:
        f.write(call)
    s, body, _ = editor.request("GET", f"/api/v1/reviews/{call}")
    statements = [st["id"] for st in json.loads(body)["statements"]]
    assert len(statements) == STATEMENTS, f"the call has {len(statements)} statements"
    reviewers = [line.split() for line in open(tokens_file) if line.strip()]
    n = len(reviewers)

    rng = random.Random(20261206)

    def answer(stance_shift):
        return {
            "stance": ["keep", "keep", "keep", "change", "remove"][(stance_shift) % 5],
            "importance": 1 + stance_shift % 5,
            "frequency": 1 + (stance_shift * 3) % 5,
        }

    # The plan: what each reviewer sends, when, and what must be stored at the end.
    plans = []
    for i, (email, token) in enumerate(reviewers):
        sections = [statements[k:k + SECTION] for k in range(0, STATEMENTS, SECTION)]
        at = sorted(rng.uniform(1, seconds) for _ in sections)
        sends = [(at[k], [{"statement_id": sid, **answer(i + j)} for j, sid in enumerate(sec)])
                 for k, sec in enumerate(sections)]
        expected = {item["statement_id"]: item for _, items in sends for item in items}
        if i % 5 == 0:  # comes back and changes the first section
            changed = [{"statement_id": sid, **answer(i + j + 1)} for j, sid in enumerate(sections[0])]
            sends.append((seconds + rng.uniform(0, 2), changed))
            expected.update({item["statement_id"]: item for item in changed})
        plans.append({
            "email": email, "token": token, "join_at": rng.uniform(0, 1),
            "sends": sends, "tabs": 2 if i % 10 == 0 else 1, "expected": expected,
            "type": TYPES[i % len(TYPES)], "sector": SECTORS[i % len(SECTORS)],
        })

    # Baseline: one reviewer alone on the idle server saves a section, sequentially.
    first = plans[0]
    c = Client(base, first["token"])
    s, body, _ = c.request("POST", f"/api/v1/reviews/{call}/participation", {
        "stakeholder_type": first["type"], "sector": first["sector"], "organization": "Load",
        "country": "US", "role": "Reviewer"})
    assert s in (200, 201), (s, body[:300])
    base_lat = []
    for _ in range(50):
        s, body, dt = c.request("PUT", f"/api/v1/reviews/{call}/responses", {"statements": first["sends"][0][1]})
        assert s == 200, (s, body[:300])
        base_lat.append(dt)
    s, body, _ = c.request("DELETE", f"/api/v1/reviews/{call}/participation")
    assert s in (200, 204), (s, body[:300])

    latencies, joins, errors, lock = [], [], [], threading.Lock()
    start = time.perf_counter() + 1.0

    def wait_until(t):
        d = start + t - time.perf_counter()
        if d > 0:
            time.sleep(d)

    def tab(plan, client, joined):
        for at, items in plan["sends"]:
            wait_until(at)
            s, body, dt = client.request("PUT", f"/api/v1/reviews/{call}/responses", {"statements": items})
            with lock:
                latencies.append(dt)
                if s != 200:
                    errors.append((plan["email"], s, body[:200]))

    def reviewer(plan):
        client = Client(base, plan["token"])
        wait_until(plan["join_at"])
        s, body, dt = client.request("POST", f"/api/v1/reviews/{call}/participation", {
            "stakeholder_type": plan["type"], "sector": plan["sector"], "organization": "Load",
            "country": "US", "role": "Reviewer"})
        with lock:
            joins.append(dt)
            if s not in (200, 201):
                errors.append((plan["email"], s, body[:200]))
                return
        if plan["tabs"] == 2:
            other = threading.Thread(target=tab, args=(plan, Client(base, plan["token"]), True))
            other.start()
            tab(plan, client, True)
            other.join()
        else:
            tab(plan, client, True)

    threads = [threading.Thread(target=reviewer, args=(p,)) for p in plans]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    requests_sent = len(latencies) + len(joins)

    # Check: every reviewer's stored answers are the last thing they sent.
    wrong = 0
    for plan in plans:
        c = Client(base, plan["token"])
        s, body, _ = c.request("GET", f"/api/v1/reviews/{call}/responses")
        mine = json.loads(body)
        got = {sid: r for sid, r in mine["responses"].items()}
        for sid, want in plan["expected"].items():
            g = got.get(sid)
            if not g or any(g.get(k) != want[k] for k in ("stance", "importance", "frequency")):
                wrong += 1
        wrong += len(set(got) - set(plan["expected"]))

    print(f"{backend}: {n} reviewers × {STATEMENTS} statements over {seconds} s "
          f"({sum(p['tabs'] == 2 for p in plans)} with two tabs, {sum(len(p['sends']) > 10 for p in plans)} changing a section)")
    print(f"  requests {requests_sent} in {elapsed:.1f} s = {requests_sent / elapsed:.0f}/s; "
          f"non-2xx {len(errors)}; answers not as last sent: {wrong}")
    print(f"  join (all {n} within the first second): p50 {ms(pct(joins, .5))}, p99 {ms(pct(joins, .99))}, max {ms(max(joins))}")
    print(f"  save a section under load: p50 {ms(pct(latencies, .5))}, p99 {ms(pct(latencies, .99))}, max {ms(max(latencies))}")
    print(f"  baseline, one reviewer alone: p50 {ms(pct(base_lat, .5))}, p99 {ms(pct(base_lat, .99))}")
    for e in errors[:5]:
        print("   ", e)

    # Results from the warm server, beside the call's own read.
    def timed(label, fn, runs=30):
        fn()
        t = []
        for _ in range(runs):
            t0 = time.perf_counter()
            fn()
            t.append(time.perf_counter() - t0)
        print(f"  {label:<34} p50 {ms(pct(t, .5))}, p99 {ms(pct(t, .99))} (n={runs})")

    def api_results():
        s, body, _ = editor.request("GET", f"/api/v1/reviews/{call}/results")
        assert s == 200, (s, body[:300])
        r = json.loads(body)
        total = sum(st["overall"]["respondents"] for st in r["statements"])
        assert total == n * STATEMENTS, f"results count {total}, expected {n * STATEMENTS}"

    def page_results():
        with opener.open(f"{base}/calls/{call}/results") as r:
            assert r.status == 200
            assert b"<svg" in r.read()

    def call_read():
        s, body, _ = editor.request("GET", f"/api/v1/reviews/{call}")
        assert s == 200

    timed("results API (GET …/results)", api_results)
    timed("results page (/calls/{id}/results)", page_results)
    timed("baseline: the call (GET …/{id})", call_read)
    if errors or wrong:
        sys.exit(1)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "setup-csv":
        setup_csv(sys.argv[2], sys.argv[3])
    elif cmd == "accounts":
        accounts(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif cmd == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]), sys.argv[7], sys.argv[8])
    else:
        sys.exit(__doc__)
