#!/usr/bin/env python3
"""Drives bench/search.sh: mixed queries against `nsx serve` and SQLite FTS5 in one run.

NSX latency is the server's own time per search (`took_us` in the API response, the same
figure as the Server-Timing header), with the client round trip reported beside it. FTS5
latency is execute + fetch of a bm25-ranked MATCH over the same titles (official,
alternate, short, reported) in an in-memory database, timed in this process.
"""
import argparse
import csv
import http.client
import json
import random
import re
import sqlite3
import statistics
import time
import urllib.parse

STOP = {"and", "the", "for", "with", "from", "that", "this", "into", "using", "such", "other",
        "their", "as", "or", "of", "to", "in", "on", "by", "a", "an", "all", "may", "be", "are"}


def read_tsv(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    return rows[1:]


def pct(values, p):
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(len(s) * p))]


def typo(rng, text):
    words = text.split()
    idx = [i for i, w in enumerate(words) if len(w) >= 5]
    if not idx:
        return text
    i = rng.choice(idx)
    w = list(words[i])
    k = rng.randrange(1, len(w) - 1)
    op = rng.choice(["drop", "swap", "sub", "dup"])
    if op == "drop":
        del w[k]
    elif op == "swap":
        w[k], w[k + 1 if k + 1 < len(w) else k - 1] = w[k + 1 if k + 1 < len(w) else k - 1], w[k]
    elif op == "sub":
        w[k] = rng.choice("aeiourstnl")
    else:
        w.insert(k, w[k])
    words[i] = "".join(w)
    return " ".join(words)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--onet", required=True)
    ap.add_argument("--cip", required=True)
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    rng = random.Random(a.seed)

    evals = []
    with open(a.eval, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            q, want = line.rstrip("\n").split("\t")[:2]
            evals.append((q, set(want.split(","))))

    occ = read_tsv(f"{a.onet}/Occupation Data.txt")
    titles = [(r[0], r[1]) for r in occ]
    for r in read_tsv(f"{a.onet}/Alternate Titles.txt"):
        titles.append((r[0], r[1]))
        if len(r) > 2 and r[2] and r[2] != "n/a":
            titles.append((r[0], r[2]))
    for r in read_tsv(f"{a.onet}/Sample of Reported Titles.txt"):
        titles.append((r[0], r[1]))
    codes = [r[0] for r in occ]
    cips = []
    with open(a.cip, encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            c = (r.get("CIP2020Code") or "").strip().strip('="')
            if c and not c.startswith("99"):
                cips.append(c)
    words = []
    for r in read_tsv(f"{a.onet}/Task Statements.txt")[:4000]:
        words += [w for w in re.findall(r"[a-z]{5,}", r[2].lower()) if w not in STOP]
    for r in read_tsv(f"{a.onet}/Technology Skills.txt")[:4000]:
        words += [w for w in re.findall(r"[a-z]{4,}", r[1].lower()) if w not in STOP]

    # The mixed workload.
    queries = []
    for i in range(a.queries):
        r = rng.random()
        if r < 0.40:
            queries.append(("title", evals[i % len(evals)][0]))
        elif r < 0.55:
            queries.append(("typo", typo(rng, rng.choice(evals)[0])))
        elif r < 0.65:
            queries.append(("code", rng.choice(codes)))
        elif r < 0.70:
            queries.append(("code", rng.choice(codes)[:7]))
        elif r < 0.73:
            queries.append(("code", rng.choice(codes)[:7].replace("-", "")))
        elif r < 0.80:
            queries.append(("code", "CIP " + rng.choice(cips)))
        elif r < 0.92:
            queries.append(("keyword", rng.choice(words)))
        else:
            queries.append(("keyword", rng.choice(words) + " " + rng.choice(words)))

    # SQLite FTS5 over the same titles.
    fts = sqlite3.connect(":memory:")
    fts.execute("CREATE VIRTUAL TABLE t USING fts5(code, title, tokenize='porter unicode61')")
    fts.executemany("INSERT INTO t (code, title) VALUES (?, ?)", titles)
    fts.commit()

    def fts_search(q):
        toks = re.findall(r"[0-9A-Za-z]+", q.lower())
        if not toks:
            return []
        match = " OR ".join('"%s"' % t for t in toks)
        return fts.execute(
            "SELECT code FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 60", (match,)
        ).fetchall()

    u = urllib.parse.urlparse(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def nsx_search(q):
        path = "/api/v1/search?" + urllib.parse.urlencode({"q": q, "limit": 20})
        conn.request("GET", path)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            return None
        return json.loads(body)

    # Warm both.
    for _, q in queries[:50]:
        nsx_search(q)
        fts_search(q)

    server_us, client_us, fts_us = [], [], []
    by_kind = {}
    for kind, q in queries:
        t0 = time.perf_counter_ns()
        v = nsx_search(q)
        t1 = time.perf_counter_ns()
        if v is None:
            continue
        client_us.append((t1 - t0) / 1000)
        server_us.append(v["took_us"])
        by_kind.setdefault(kind, []).append(v["took_us"])
        t0 = time.perf_counter_ns()
        fts_search(q)
        fts_us.append((time.perf_counter_ns() - t0) / 1000)

    # Top-3 accuracy on the eval titles.
    nsx_ok = fts_ok = 0
    for q, want in evals:
        v = nsx_search(q) or {"results": []}
        if any(r["code"] in want for r in v["results"][:3]):
            nsx_ok += 1
        seen = []
        for (c,) in fts_search(q):
            if c not in seen:
                seen.append(c)
        if any(c in want for c in seen[:3]):
            fts_ok += 1

    def row(name, xs):
        return "%-34s p50 %8.0f us   p99 %8.0f us   mean %8.0f us   (n=%d)" % (
            name, pct(xs, 0.5), pct(xs, 0.99), statistics.mean(xs) if xs else float("nan"), len(xs))

    print("queries: %d mixed (%s)" % (len(queries), ", ".join(
        "%s %d" % (k, len(v)) for k, v in sorted(by_kind.items()))))
    print(row("nsx search, server time", server_us))
    print(row("nsx search, client round trip", client_us))
    print(row("sqlite FTS5 MATCH bm25 (in-process)", fts_us))
    for k, v in sorted(by_kind.items()):
        print(row("  nsx server, %s" % k, v))
    print("target: nsx server p99 < 10000 us -> %s" % ("met" if pct(server_us, 0.99) < 10000 else "NOT met"))
    print("top-3 accuracy on %d eval titles: nsx %.1f%%, FTS5 %.1f%%" % (
        len(evals), 100.0 * nsx_ok / len(evals), 100.0 * fts_ok / len(evals)))


if __name__ == "__main__":
    main()
