#!/usr/bin/env python3
"""Level and durable-statement figures over a drafted database.

Usage: bench/levels.py /tmp/nsx-full.db [CODE]

Reads the newest version of every framework (SQLite) and prints:
  * the share of Advanced technical subjects that appear at no lower level (over all
    frameworks, and for CODE, default 17-3024.00);
  * the number of distinct durable statement stems (the first five words of the
    performance, normalized as `nsx lint` does) and the largest share of durable statements
    one stem opens; the same for closings (the last five words).
"""

import re
import sqlite3
import sys
from collections import Counter, defaultdict

STEM_WORDS = 5


def words(performance):
    out = []
    for w in performance.split():
        w = re.sub(r"^[^\w']+|[^\w']+$", "", w).lower()
        if w:
            out.append(w)
    return out


def main():
    db = sys.argv[1]
    code = sys.argv[2] if len(sys.argv) > 2 else "17-3024.00"
    con = sqlite3.connect(db)
    newest = """
        SELECT v.id, v.code FROM framework_versions v
        WHERE v.drafted_at = (SELECT MAX(drafted_at) FROM framework_versions w WHERE w.code = v.code)
    """
    versions = {vid: c for vid, c in con.execute(newest)}
    tech = defaultdict(lambda: defaultdict(set))
    durable = []
    for vid, section, level, subject, perf in con.execute(
        "SELECT version_id, section, level, subject, performance FROM statements"
    ):
        if vid not in versions:
            continue
        if section == "technical":
            tech[vid][level].add(subject.strip().lower())
        elif section == "durable":
            durable.append(perf)
    order = ["emerging", "developing", "proficient", "advanced"]
    unseen = total = 0
    for vid, levels in tech.items():
        lower = set().union(*(levels[l] for l in order[:3]))
        adv = levels["advanced"]
        n = len(adv - lower)
        unseen += n
        total += len(adv)
        if versions[vid] == code:
            print(f"{code}: {n} of {len(adv)} Advanced subjects appear at no lower level")
    print(f"frameworks: {len(tech)}")
    print(
        f"Advanced subjects not seen at lower levels: {unseen} of {total} = {100 * unseen / max(total, 1):.1f} %"
    )
    openings, closings = Counter(), Counter()
    for p in durable:
        w = words(p)
        if len(w) < STEM_WORDS * 2:
            continue
        openings[" ".join(w[:STEM_WORDS])] += 1
        closings[" ".join(w[-STEM_WORDS:])] += 1
    n = len(durable)
    print(f"durable statements: {n}")
    for name, c in (("opening", openings), ("closing", closings)):
        top, k = c.most_common(1)[0] if c else ("", 0)
        print(
            f"distinct durable {name} stems: {len(c)}; most used: {k} ({100 * k / max(n, 1):.2f} %) {top!r}"
        )


if __name__ == "__main__":
    main()
