#!/usr/bin/env python3
"""tests/toolchain/run.py — bpelc inside a user's build (issue 12): make
dependency files checked by make itself, SARIF and JSON diagnostics that stay
one valid document whatever else happens, reproducible C and executables, and
the installed libbpelrt.pc used by pkg-config and a C compiler; and the
conformance verdict's handling of the runner's port race.

    python3 tests/toolchain/run.py --bpelc build/bpelc [--build build] [-v]

Each check prints PASS or FAIL with the reason; exit 1 if any failed. Uses
make, cc and pkg-config (all needed to build bpelc anyway). Python 3 standard
library only.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A process that imports a WSDL, which imports a WSDL whose schema imports
# an XSD, which imports another: every level must reach the dependency file.
IMPORTS = ROOT / "tests/e2e/gen-data/wsdl"
# A process with a doXslTransform stylesheet the compiler embeds.
XSL = ROOT / "tests/e2e/data"
BAD = ROOT / "tests/check/bad/SA00003-exit-on-standard-fault.bpel"

results = []
verbose = False


def check(name):
    def wrap(fn):
        def run(*a):
            try:
                fn(*a)
                results.append((name, None))
                print(f"PASS {name}")
            except AssertionError as e:
                results.append((name, str(e)))
                print(f"FAIL {name}: {e}")
        run.__name__ = fn.__name__
        return run
    return wrap


def sh(args, cwd=None, env=None, ok=(0,)):
    if verbose:
        print("  $", " ".join(str(a) for a in args), f"(in {cwd})")
    p = subprocess.run([str(a) for a in args], cwd=cwd, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=300)
    assert p.returncode in ok, (
        f"{' '.join(str(a) for a in args)}: exit {p.returncode}\n"
        f"{p.stdout[-2000:]}{p.stderr[-2000:]}")
    return p


@check("depfile: lists every file read, make rebuilds when an import changes")
def depfile(bpelc, tmp):
    work = tmp / "dep"
    shutil.copytree(IMPORTS, work)
    (work / "Makefile").write_text(
        "svc: wsdl.bpel\n"
        f"\t{bpelc} -MD -MP -o svc wsdl.bpel\n"
        "-include svc.d\n")
    sh(["make", "-s"], cwd=work)
    dep = (work / "svc.d").read_text()
    for f in ["wsdl.bpel", "outer.wsdl", "inner.wsdl", "types.xsd",
              "types-more.xsd"]:
        assert f in dep, f"svc.d lacks {f}:\n{dep}"
    # -MP: a phony rule per import, so deleting one does not stop make.
    assert "\ntypes.xsd:\n" in dep, f"no -MP rule for types.xsd:\n{dep}"
    q = sh(["make", "-q", "svc"], cwd=work, ok=(0, 1))
    assert q.returncode == 0, "make thinks svc is out of date right after building it"
    # Touch the XSD imported two levels down: the target must rebuild.
    t = time.time() + 2
    os.utime(work / "types-more.xsd", (t, t))
    q = sh(["make", "-q", "svc"], cwd=work, ok=(0, 1))
    assert q.returncode == 1, "touching types-more.xsd did not make svc out of date"
    before = (work / "svc").stat().st_mtime_ns
    time.sleep(0.01)
    sh(["make", "-s"], cwd=work)
    assert (work / "svc").stat().st_mtime_ns != before, "make did not rebuild svc"


@check("depfile: -MF, -MT, --check, and a stylesheet when compiling")
def depfile_options(bpelc, tmp):
    work = tmp / "dep2"
    shutil.copytree(XSL, work)
    bpel = next(work.glob("*.bpel")).name
    (work / "out").mkdir()
    sh([bpelc, "--check", "-MF", "out/deps.mk", "-MT", "my\\ target", bpel],
       cwd=work)
    dep = (work / "out/deps.mk").read_text()
    assert dep.startswith("my\\ target:"), f"-MT not used:\n{dep}"
    # Stylesheets are read when the C is made (they are embedded in it).
    sh([bpelc, "--emit-c", "-MD", "-o", "out/data.c", bpel], cwd=work)
    dep = (work / "out/data.d").read_text()
    assert dep.startswith("out/data.c:"), f"default target:\n{dep}"
    xsls = [p.name for p in work.glob("*.xsl")]
    assert xsls, "test data has no stylesheet"
    for x in xsls:
        if x in (work / bpel).read_text():
            assert x in dep, f"embedded stylesheet {x} missing:\n{dep}"
    # No dependency file when compilation fails (as gcc).
    shutil.copy(BAD, work / "bad.bpel")
    sh([bpelc, "--check", "-MD", "bad.bpel"], cwd=work, ok=(1,))
    assert not (work / "bad.d").exists(), "a failed compile wrote bad.d"


def sarif_valid(doc):
    """The SARIF 2.1.0 properties that are required, and the ones code
    scanning needs (ruleId on each result, a rule for each ruleId)."""
    assert doc.get("version") == "2.1.0", "version is not 2.1.0"
    assert isinstance(doc.get("runs"), list) and doc["runs"], "no runs"
    for run in doc["runs"]:
        drv = run["tool"]["driver"]
        assert drv.get("name") == "bpelc", "tool.driver.name"
        rules = drv.get("rules", [])
        ids = [r["id"] for r in rules]
        assert len(ids) == len(set(ids)), "duplicate rule ids"
        for r in rules:
            assert r["shortDescription"]["text"], f"rule {r['id']} has no text"
        for res in run.get("results", []):
            assert res["message"]["text"], "a result without message text"
            assert res.get("level") in ("error", "warning", "note", "none")
            rid = res["ruleId"]
            assert rid in ids, f"ruleId {rid} is not among the rules"
            if "ruleIndex" in res:
                assert ids[res["ruleIndex"]] == rid, "ruleIndex does not match"
            for loc in res.get("locations", []):
                pl = loc["physicalLocation"]
                assert pl["artifactLocation"]["uri"], "empty uri"
                reg = pl.get("region")
                if reg:
                    assert reg["startLine"] >= 1 and reg.get("startColumn", 1) >= 1


@check("sarif: rule codes with their text, file:line:col locations")
def sarif(bpelc, tmp):
    p = sh([bpelc, "--check", "--diagnostics=sarif", BAD.name],
           cwd=BAD.parent, ok=(1,))
    doc = json.loads(p.stderr)
    sarif_valid(doc)
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert sum(1 for r in rules if r["id"].startswith("SA")) == 94, \
        "not all 94 SA rules are listed"
    res = doc["runs"][0]["results"]
    sa = [r for r in res if r["ruleId"] == "SA00003"]
    assert sa and sa[0]["level"] == "error", f"no SA00003 error: {res}"
    reg = sa[0]["locations"][0]["physicalLocation"]["region"]
    want = re.search(r"expect: SA00003 line (\d+)", BAD.read_text())
    assert want and reg["startLine"] == int(want.group(1)), \
        f"SA00003 at line {reg['startLine']}, the file expects {want}"


@check("sarif/json: stderr stays one valid document on usage, I/O and cc errors")
def sarif_always_valid(bpelc, tmp):
    work = tmp / "valid"
    shutil.copytree(ROOT / "samples/echo", work)
    env = dict(os.environ, CC="false")
    cases = [
        ([bpelc, "--diagnostics=sarif", "--no-such-option", "x.bpel"], None, 2),
        ([bpelc, "--diagnostics=sarif", "--check", "missing.bpel"], None, 2),
        ([bpelc, "--diagnostics=sarif", "-o", "echo", "echo.bpel"], env, 3),
        ([bpelc, "--diagnostics=sarif", "-o", "echo", "echo.bpel"], None, 0),
    ]
    for args, e, code in cases:
        p = sh(args, cwd=work, env=e, ok=(code,))
        sarif_valid(json.loads(p.stderr))
    # A C compiler that prints: its lines arrive as results, not raw text.
    noisy = work / "noisy-cc"
    noisy.write_text("#!/bin/sh\necho 'cc: something odd' >&2\nexit 1\n")
    noisy.chmod(0o755)
    p = sh([bpelc, "--diagnostics=json", "-o", "echo", "echo.bpel"], cwd=work,
           env=dict(os.environ, CC=str(noisy)), ok=(3,))
    lines = [json.loads(l) for l in p.stderr.splitlines()]
    assert any("something odd" in l["message"] for l in lines), p.stderr
    p = sh([bpelc, "--diagnostics=sarif", "-o", "echo", "echo.bpel"], cwd=work,
           env=dict(os.environ, CC=str(noisy)), ok=(3,))
    doc = json.loads(p.stderr)
    assert any("something odd" in r["message"]["text"]
               for r in doc["runs"][0]["results"]), p.stderr


@check("reproducible: same inputs in two folders give the same C and executable")
def reproducible(bpelc, tmp):
    outs = []
    for d in ("one", "two/deeper"):
        work = tmp / "repro" / d
        shutil.copytree(ROOT / "samples/loan-approval", work)
        sh([bpelc, "--emit-c", "-o", "loan.c", "loan-approval.bpel"], cwd=work)
        sh([bpelc, "-o", "loan", "loan-approval.bpel"], cwd=work)
        outs.append(((work / "loan.c").read_bytes(), (work / "loan").read_bytes()))
        assert str(tmp).encode() not in outs[-1][1], \
            "the executable holds the build folder's absolute path"
        assert not re.search(rb"bpelc-[A-Za-z0-9]{6}/", outs[-1][1]), \
            "the executable holds bpelc's temporary path"
    assert outs[0][0] == outs[1][0], "generated C differs"
    assert outs[0][1] == outs[1][1], "executables differ"


@check("pkg-config: make install puts libbpelrt.pc; a program builds with it")
def pkgconfig(bpelc, tmp, build):
    prefix = tmp / "prefix"
    sh(["make", "-s", f"BUILD={build}", f"PREFIX={prefix}", "install"], cwd=ROOT)
    pc = prefix / "lib/pkgconfig/libbpelrt.pc"
    assert pc.exists(), "no lib/pkgconfig/libbpelrt.pc"
    env = dict(os.environ, PKG_CONFIG_PATH=str(pc.parent))
    flags = sh(["pkg-config", "--cflags", "--libs", "libbpelrt"], env=env).stdout.split()
    assert f"-I{prefix}/include" in flags and "-lbpelrt" in flags, flags
    work = tmp / "pc"
    shutil.copytree(ROOT / "samples/echo", work)
    sh([prefix / "bin/bpelc", "--emit-c", "-o", "echo.c", "echo.bpel"], cwd=work)
    sh(["cc", "-std=c11", "-o", "echo", "echo.c", *flags], cwd=work)
    v = sh([work / "echo", "--version"])
    assert "echo" in v.stdout, v.stdout


@check("conformance verdict: only the runner's port race is run again")
def verdict_races(bpelc, tmp):
    verdict = ROOT / "tests/conformance/verdict.py"
    race = ("case 'c': cannot start partner mock on port 4242: "
            "[Errno 98] Address already in use")

    def run_json(name, results):
        f = tmp / name
        f.write_text(json.dumps({"results": results}), encoding="utf-8")
        return f

    def res(tid, passed, reason=""):
        return {"id": tid, "kind": "feature", "passed": passed,
                "reason": reason}

    first = run_json("first.json", [
        res("feature/a/Race-1", False, race),
        res("feature/a/Real", False, "case 'c' step 1: expected 5, got 6"),
        res("feature/a/Fine", True)])
    expected = tmp / "expected.txt"
    expected.write_text("", encoding="utf-8")
    p = sh([sys.executable, verdict, "--json", first, "--runner-races"])
    only = p.stdout.strip()
    assert re.search(only, "feature/a/Race-1") and \
        not re.search(only, "feature/a/Real") and \
        not re.search(only, "feature/a/Fine"), (
        f"--runner-races: {only!r} must select the race only")
    again = run_json("again.json", [res("feature/a/Race-1", True)])
    p = sh([sys.executable, verdict, "--json", first, "--rerun", again,
            "--expected", expected], ok=(1,))
    assert "run again after the runner's port race: feature/a/Race-1: " \
        "passed" in p.stdout, p.stdout
    assert "unexpected failure: feature/a/Real" in p.stdout and \
        "Race-1" not in p.stdout.split("feature tests")[1], (
        "a real failure still fails the verdict, the race does not: "
        + p.stdout)
    clean = run_json("clean.json", [res("feature/a/Fine", True)])
    p = sh([sys.executable, verdict, "--json", clean, "--runner-races"])
    assert p.stdout == "", f"no race, no regex: {p.stdout!r}"


def main():
    global verbose
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpelc", required=True)
    ap.add_argument("--build", default="build")
    ap.add_argument("-v", action="store_true")
    a = ap.parse_args()
    verbose = a.v
    bpelc = Path(a.bpelc).resolve()
    if not bpelc.exists():
        print(f"build tests: no {bpelc}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bpelc-build-") as t:
        tmp = Path(t)
        depfile(bpelc, tmp)
        depfile_options(bpelc, tmp)
        sarif(bpelc, tmp)
        sarif_always_valid(bpelc, tmp)
        reproducible(bpelc, tmp)
        pkgconfig(bpelc, tmp, a.build)
        verdict_races(bpelc, tmp)
    failed = [n for n, e in results if e]
    print(f"build tests: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
