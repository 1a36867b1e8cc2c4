#!/usr/bin/env python3
"""The verdict of a conformance corpus run (../shared/conformance/run.py
--json OUT) against tests/conformance/expected.txt.

Prints the feature tests and the static-analysis cases separately (they are
different measures: a feature test compiles and serves a process, an SA
case only has to be rejected), then fails (exit 1) on any failure that is
not listed, on a listed failure that now passes, on a listed id that no
longer exists, and on a run that did not finish. It does not run anything.

    verdict.py --json build/conformance.json [--expected FILE] [--status N]
               [--rerun build/conformance-rerun.json]
    verdict.py --json build/conformance.json --runner-races

run.py picks a free port for a test's partner mock and binds it again for
each case; on a busy machine another program's connection may take it in
between ("cannot start partner mock on port N: Address already in use").
That is the runner's race, not the product's: --runner-races prints a
--only regex of the tests that failed so (nothing when none did), the
Makefile runs those once more, and --rerun puts those results in place of
the first ones, saying so.
"""

import argparse
import json
import re
import sys
from pathlib import Path

RACE = re.compile(r"cannot start partner mock on port \d+: .*Address already in use")


def read_expected(path):
    """{test id: reason} from the checked-in list."""
    want = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        tid, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"{path}:{n}: '{tid}' has no reason")
        want[tid] = reason.strip()
    return want


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", type=Path, required=True)
    ap.add_argument("--expected", type=Path,
                    default=Path(__file__).with_name("expected.txt"))
    ap.add_argument("--status", type=int, default=0,
                    help="exit status of run.py (124: cut by timeout)")
    ap.add_argument("--runner-races", action="store_true",
                    help="print a --only regex of the tests the runner's "
                         "port race failed, and exit")
    ap.add_argument("--rerun", type=Path,
                    help="results of those tests run again")
    a = ap.parse_args()
    if a.runner_races:
        if a.json.exists():
            results = json.loads(a.json.read_text(encoding="utf-8"))["results"]
            ids = [r["id"] for r in results
                   if not r["passed"] and RACE.search(r.get("reason", ""))]
            if ids:
                print("^(" + "|".join(re.escape(i) for i in ids) + ")$")
        return 0
    want = read_expected(a.expected)
    if a.status != 0 or not a.json.exists():
        print(f"conformance: FAILED: the run did not finish (status {a.status})")
        return 1
    results = json.loads(a.json.read_text(encoding="utf-8"))["results"]
    if a.rerun and a.rerun.exists():
        again = {r["id"]: r for r in
                 json.loads(a.rerun.read_text(encoding="utf-8"))["results"]}
        results = [again.get(r["id"], r) for r in results]
        for tid, r in sorted(again.items()):
            print(f"conformance: run again after the runner's port race: "
                  f"{tid}: {'passed' if r['passed'] else 'failed'}")
    ids = {r["id"] for r in results}
    bad = []
    for kind, label in (("feature", "feature tests"),
                        ("sa", "static-analysis cases")):
        rs = [r for r in results if r["kind"] == kind]
        ok = sum(1 for r in rs if r["passed"])
        xf = sum(1 for r in rs if not r["passed"] and r["id"] in want)
        note = f" ({xf} expected failure{'s' if xf != 1 else ''})" if xf else ""
        print(f"conformance: {label}: {ok}/{len(rs)} passed{note}")
    for r in results:
        if not r["passed"] and r["id"] not in want:
            bad.append(f"unexpected failure: {r['id']} {r.get('reason', '')}")
        if r["passed"] and r["id"] in want:
            bad.append(f"passes now, remove it from {a.expected}: {r['id']}")
    for tid, reason in want.items():
        if tid not in ids:
            bad.append(f"listed in {a.expected} but not run: {tid}")
        elif any(r["id"] == tid and not r["passed"] for r in results):
            print(f"  expected failure: {tid}: {reason}")
    for line in bad:
        print(f"  {line}")
    if bad:
        print(f"conformance: FAILED ({len(bad)} unexpected)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
