"""The verdict on one schemathesis run of bench/probe/run.sh.

    verdict.py HAR JUNIT BACKEND WHO EXIT_STATUS

Prints a summary line (and the 5xx answers, failures and errors found) to stderr, and one
word to stdout: `failed` (a 5xx answer, a failed check, or a non-zero exit with nothing to
explain it), `errors` (only schemathesis errors: an operation the tool could not finish) or
`clean`.
"""

import json
import sys
import xml.etree.ElementTree as ET


def main():
    har, junit, backend, who, status = sys.argv[1:6]
    status = int(status)
    try:
        with open(har) as f:
            entries = json.load(f)["log"]["entries"]
    except (OSError, ValueError, KeyError):
        entries = []
    five = [e for e in entries if e["response"]["status"] >= 500]
    failures, errors = [], []
    try:
        for case in ET.parse(junit).getroot().iter("testcase"):
            for kind, into in (("failure", failures), ("error", errors)):
                for el in case.findall(kind):
                    lines = (el.get("message") or el.text or "").strip().splitlines()
                    into.append(f"{case.get('name')}: {lines[0] if lines else kind}")
    except (OSError, ET.ParseError):
        pass
    err = sys.stderr
    print(
        f"{backend:8} {who:9} requests={len(entries):6} 5xx={len(five)} "
        f"failures={len(failures)} errors={len(errors)} schemathesis_exit={status}",
        file=err,
    )
    for e in five[:5]:
        print("   ", e["response"]["status"], e["request"]["method"], e["request"]["url"], file=err)
    for f in failures[:10]:
        print("    failure:", f, file=err)
    for e in errors[:10]:
        print("    error:", e, file=err)
    if five or failures or (status != 0 and not errors):
        print("failed")
    elif errors:
        print("errors")
    else:
        print("clean")


if __name__ == "__main__":
    main()
