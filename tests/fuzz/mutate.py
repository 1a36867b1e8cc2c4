#!/usr/bin/env python3
"""mutate.py — a mutation fuzzer for the compiler (Python 3 standard
library only).

It takes valid processes (seeds: every .bpel under the seed folders, with
the WSDL/XSD/XSLT files beside it), applies a few random mutations to the
process or to one of its imports — delete, duplicate, move or rename an
element; delete an attribute or give it a hostile value; swap namespace
URIs; truncate the file; flip bytes — and runs bpelc on the result. Every
mutant must end with exit status 0, 1 or 2 within the time limit and
without a sanitizer report; anything else (a signal, another status, a
hang, AddressSanitizer/UBSan output) is a finding, saved with the command
that reproduces it.

  python3 tests/fuzz/mutate.py --bpelc build/asan/bpelc --seconds 300
  python3 tests/fuzz/mutate.py --bpelc build/asan/bpelc --iterations 200 --seed 1
  python3 tests/fuzz/mutate.py ... --corpus /path/to/conformance   # more seeds

Every mutant runs `bpelc --check`; with --emit (a probability, default 1)
one that checks clean also runs `--emit-c`, and with --compile (default
0) the whole compilation, where exit 3 (the generated C did not compile)
is a finding too. The run is deterministic for a given --seed, seed set and
--iterations (with --jobs 1 or more: mutant i depends only on seed and i).
Without --seed each run draws a new one, so repeated runs (make check's
asan-fuzz stage) cover new mutants; the seed is printed first, with the
command line that replays the run.
Exit status: 0 no findings, 1 findings (listed, kept under --out), 2 usage.
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.dom import minidom

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SEEDS = ["samples", "tests/e2e", "tests/golden", "tests/check/good"]
EXTS = (".bpel", ".wsdl", ".xsd", ".xsl", ".xslt")
SANITIZER = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error:|"
                       r"UndefinedBehaviorSanitizer")
PLACEHOLDERS = (("ENDPOINT_URL", "http://127.0.0.1:1/TestInterfaceService"),
                ("PARTNER_IP_AND_PORT", "127.0.0.1:2"))

HOSTILE_VALUES = [
    "", " ", "x", "0", "-1", "99999999999999999999", "1e309", "NaN",
    "yes", "no", "true", "#", "a:b", "nosuch:thing", ":", "a:", ":b",
    "$", "$nosuch", "$x.y/z[", "(((((", "')", "concat(", "../../etc/passwd",
    "http://127.0.0.1:1/x", "urn:x", "\u00e9\u4e2d\U0001f600",
    "x" * 5000, "{urn:x}y", "PT1S", "P-1D", "2024-13-45T99:99:99",
    "bpel:getVariableProperty('a','b')", "doXslTransform('nosuch.xsl', $a)",
    "1 div 0", "//*", "$a/b[position() = last() + 1]",
]


def find_seeds(dirs):
    seeds = []
    for d in dirs:
        d = Path(d)
        if not d.is_absolute():
            d = ROOT / d
        if not d.exists():
            continue
        for p in sorted(d.rglob("*.bpel")):
            if "/build/" in str(p):
                continue
            seeds.append(p)
    return seeds


# ---- mutations ---------------------------------------------------------------

def elements(doc):
    out = []
    stack = [doc.documentElement]
    while stack:
        n = stack.pop()
        out.append(n)
        stack.extend(c for c in reversed(n.childNodes)
                     if c.nodeType == c.ELEMENT_NODE)
    return out


def m_delete_element(rng, doc):
    els = elements(doc)[1:]
    if not els:
        return False
    e = rng.choice(els)
    e.parentNode.removeChild(e)
    return "delete <%s>" % e.tagName


def m_duplicate_element(rng, doc):
    els = elements(doc)[1:]
    if not els:
        return False
    e = rng.choice(els)
    e.parentNode.insertBefore(e.cloneNode(True), e.nextSibling)
    return "duplicate <%s>" % e.tagName


def m_move_element(rng, doc):
    els = elements(doc)
    if len(els) < 3:
        return False
    e = rng.choice(els[1:])
    target = rng.choice(els)
    # not into itself or its own subtree
    t = target
    while t is not None:
        if t is e:
            return False
        t = t.parentNode
    e.parentNode.removeChild(e)
    kids = [c for c in target.childNodes]
    ref = rng.choice(kids) if kids and rng.random() < 0.7 else None
    target.insertBefore(e, ref)
    return "move <%s> into <%s>" % (e.tagName, target.tagName)


def m_rename_element(rng, doc):
    els = elements(doc)
    if len(els) < 2:
        return False
    e = rng.choice(els[1:])
    other = rng.choice(els).tagName
    e.tagName = e.nodeName = other
    return "rename <%s>" % other


def attrs(doc):
    out = []
    for e in elements(doc):
        for i in range(e.attributes.length):
            out.append((e, e.attributes.item(i).name))
    return out


def m_delete_attribute(rng, doc):
    a = attrs(doc)
    if not a:
        return False
    e, name = rng.choice(a)
    e.removeAttribute(name)
    return "delete @%s" % name


def m_attribute_value(rng, doc):
    a = attrs(doc)
    if not a:
        return False
    e, name = rng.choice(a)
    if rng.random() < 0.5:
        v = rng.choice(HOSTILE_VALUES)
    else:  # a value from elsewhere in the document: plausible, but wrong
        oe, on = rng.choice(a)
        v = oe.getAttribute(on)
    e.setAttribute(name, v)
    return "@%s = %r" % (name, v[:40])


def m_add_attribute(rng, doc):
    els = elements(doc)
    a = attrs(doc)
    if not a:
        return False
    e = rng.choice(els)
    _, name = rng.choice(a)
    e.setAttribute(name, rng.choice(HOSTILE_VALUES))
    return "add @%s to <%s>" % (name, e.tagName)


def m_swap_namespaces(rng, doc):
    decls = [(e, n) for e, n in attrs(doc) if n.startswith("xmlns")]
    if len(decls) < 2:
        return False
    (e1, n1), (e2, n2) = rng.sample(decls, 2)
    v1, v2 = e1.getAttribute(n1), e2.getAttribute(n2)
    e1.setAttribute(n1, v2)
    e2.setAttribute(n2, v1)
    return "swap %s <-> %s" % (n1, n2)


def m_text(rng, doc):
    texts = []
    for e in elements(doc):
        for c in e.childNodes:
            if c.nodeType in (c.TEXT_NODE, c.CDATA_SECTION_NODE) and \
                    c.data.strip():
                texts.append(c)
    if not texts:
        return False
    t = rng.choice(texts)
    t.data = rng.choice(HOSTILE_VALUES)
    return "text = %r" % t.data[:40]


def m_deep_nest(rng, doc):
    els = elements(doc)[1:]
    if not els:
        return False
    e = rng.choice(els)
    for _ in range(rng.choice((50, 300))):
        w = e.cloneNode(False)
        e.parentNode.replaceChild(w, e)
        w.appendChild(e)
    return "nest <%s> deeply" % e.tagName


def m_same_name_value(rng, doc):
    """An attribute takes the value another attribute of the same name has
    elsewhere (variable="a" -> variable="b"): plausible, so it often gets
    past the checks into lowering and emitting."""
    a = attrs(doc)
    if not a:
        return False
    e, name = rng.choice(a)
    others = [oe.getAttribute(on) for oe, on in a
              if on == name and oe.getAttribute(on) != e.getAttribute(name)]
    if not others:
        return False
    v = rng.choice(others)
    e.setAttribute(name, v)
    return "@%s = %r (from elsewhere)" % (name, v[:40])


def m_import_location(rng, doc):
    """An import/include points somewhere hostile: an endless device, a
    directory, the file itself (a cycle), the network, nowhere."""
    a = [(e, n) for e, n in attrs(doc) if n in ("location", "schemaLocation")]
    if not a:
        return False
    e, name = rng.choice(a)
    v = rng.choice(["/dev/zero", "/dev/urandom", "/dev/null", ".", "/etc",
                    "/proc/self/mem", "nonexistent.wsdl", "",
                    "http://127.0.0.1:1/x.wsdl", "file:///etc/passwd",
                    e.ownerDocument.documentElement.tagName])
    if rng.random() < 0.4:  # another import's target: cycles, wrong kinds
        oe, on = rng.choice(a)
        v = oe.getAttribute(on)
    e.setAttribute(name, v)
    return "@%s = %r" % (name, v)


XPATH_TOKENS = ["$", "/", "//", "[", "]", "(", ")", "'", ",", ".", "..", "@",
                "*", " and ", " or ", " = ", " != ", " div ", "-", "+",
                "text()", "node()", "last()", "1", "0", ":", "::"]


def m_expression(rng, doc):
    """Small token-level edits of an expression or query (the text of
    condition, from, to, query, for, until...)."""
    texts = []
    for e in elements(doc):
        for c in e.childNodes:
            if c.nodeType == c.TEXT_NODE and c.data.strip() and \
                    any(ch in c.data for ch in "$/()'"):
                texts.append(c)
    if not texts:
        return False
    t = rng.choice(texts)
    d = t.data
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(len(d) + 1)
        k = rng.randrange(3)
        if k == 0 and d:
            d = d[:i] + d[i + 1:]
        elif k == 1:
            d = d[:i] + rng.choice(XPATH_TOKENS) + d[i:]
        else:
            j = min(len(d), i + rng.randrange(1, 12))
            d = d[:i] + d[i:j] * 2 + d[j:]
    t.data = d
    return "expression %r" % d[:60]


DOM_MUTATIONS = [m_same_name_value, m_same_name_value, m_expression,
                 m_expression, m_import_location, m_delete_element, m_delete_element, m_duplicate_element,
                 m_move_element, m_rename_element, m_delete_attribute,
                 m_delete_attribute, m_attribute_value, m_attribute_value,
                 m_add_attribute, m_swap_namespaces, m_text, m_deep_nest]


def byte_mutation(rng, data):
    k = rng.randrange(4)
    if k == 0 and data:
        cut = rng.randrange(len(data))
        return data[:cut], "truncate at %d" % cut
    if k == 1 and data:
        b = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            i = rng.randrange(len(b))
            b[i] = rng.randrange(256)
        return bytes(b), "flip bytes"
    if k == 2 and data:
        i = rng.randrange(len(data))
        j = min(len(data), i + rng.randrange(1, 200))
        return data[:i] + data[i:j] * rng.randrange(2, 5) + data[j:], \
            "repeat bytes %d..%d" % (i, j)
    i = rng.randrange(len(data) + 1)
    junk = rng.choice([b"<", b">", b"&", b"]]>", b"<!--", b"<?x?>",
                       b"<!DOCTYPE x>", b"\x00", b"\xff\xfe", b"&lol;"])
    return data[:i] + junk + data[i:], "insert %r" % junk


def mutate_file(rng, path):
    data = path.read_bytes()
    if rng.random() < 0.2:
        out, what = byte_mutation(rng, data)
        path.write_bytes(out)
        return what
    try:
        doc = minidom.parseString(data)
    except Exception:
        out, what = byte_mutation(rng, data)
        path.write_bytes(out)
        return what
    whats = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        for _attempt in range(5):
            w = rng.choice(DOM_MUTATIONS)(rng, doc)
            if w:
                whats.append(w)
                break
    try:
        path.write_bytes(doc.toxml(encoding="UTF-8"))
    except RecursionError:  # nested too deeply for minidom itself
        out, what = byte_mutation(rng, data)
        path.write_bytes(out)
        return what
    return "; ".join(whats) or "no-op"


# ---- running -----------------------------------------------------------------

def prepare(seed, work):
    """Copy the seed's folder (the files a process may import) to work."""
    for f in seed.parent.iterdir():
        if f.is_file() and f.suffix in EXTS:
            data = f.read_bytes()
            for a, b in PLACEHOLDERS:
                data = data.replace(a.encode(), b.encode())
            (work / f.name).write_bytes(data)
    return work / seed.name


def run(argv, cwd, timeout):
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    try:
        p = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=timeout,
                           stdin=subprocess.DEVNULL, env=env)
    except subprocess.TimeoutExpired:
        return None, ""
    return p.returncode, p.stderr.decode("utf-8", "replace")


def verdict(rc, err, ok_codes):
    if rc is None:
        return "hang"
    if rc < 0:
        return "signal %d" % -rc
    if SANITIZER.search(err):
        return "sanitizer report"
    if rc not in ok_codes:
        return "exit %d" % rc
    return None


def one(i, args, seeds):
    rng = random.Random("%d/%d" % (args.seed, i))
    seed = rng.choice(seeds)
    work = Path(tempfile.mkdtemp(prefix="bpelc-fuzz-"))
    try:
        bpel = prepare(seed, work)
        files = sorted(p for p in work.iterdir() if p.suffix in EXTS)
        targets = [bpel] * 3 + [p for p in files if p != bpel]
        whats = []
        for _ in range(rng.choice((1, 1, 2))):
            t = rng.choice(targets)
            whats.append("%s: %s" % (t.name, mutate_file(rng, t)))
        steps = [("check", [args.bpelc, "--check", bpel.name], (0, 1, 2))]
        if rng.random() < args.emit:
            steps.append(("emit", [args.bpelc, "--emit-c", "-o", "out.c",
                                   bpel.name], (0, 1, 2)))
        if rng.random() < args.compile:
            steps.append(("compile", [args.bpelc, "-o", "out", bpel.name],
                          (0, 1, 2)))
        ran = []
        for kind, argv, ok in steps:
            rc, err = run(argv, work, args.timeout)
            ran.append("%s:%s" % (kind, rc))
            bad = verdict(rc, err, ok)
            if bad:
                return (save(i, args, seed, work, whats, kind, argv, bad,
                             err), ran)
            if rc != 0:
                break  # an invalid mutant: nothing further to run
        return None, ran
    finally:
        shutil.rmtree(work, ignore_errors=True)


def save(i, args, seed, work, whats, kind, argv, bad, err):
    out = Path(args.out) / ("%05d" % i)
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(work, out)
    cmd = " ".join(["cd", str(out), "&&"] + argv)
    (out / "FINDING.txt").write_text(
        "seed: %s\nmutations: %s\nstep: %s\nverdict: %s\nrepro: %s\n\n%s"
        % (seed.relative_to(ROOT) if seed.is_relative_to(ROOT) else seed,
           " | ".join(whats), kind, bad, cmd, err[-6000:]))
    return "%05d %s (%s) %s: %s" % (i, bad, kind, seed.name, " | ".join(whats))


def main():
    sys.setrecursionlimit(5000)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpelc", required=True)
    ap.add_argument("--seed", type=int, default=None,
                    help="mutant stream (default: a fresh one, printed)")
    ap.add_argument("--iterations", type=int, default=0,
                    help="mutants to run (0: until --seconds)")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--timeout", type=float, default=30,
                    help="seconds one bpelc run may take (default 30)")
    ap.add_argument("--emit", type=float, default=1.0)
    ap.add_argument("--compile", type=float, default=0.0)
    ap.add_argument("--corpus", action="append", default=[],
                    help="more seed folders (e.g. the conformance corpus)")
    ap.add_argument("--out", default=str(Path(tempfile.gettempdir()) /
                                          "bpelc-fuzz-findings"))
    args = ap.parse_args()
    args.bpelc = str(Path(args.bpelc).resolve())
    if not os.access(args.bpelc, os.X_OK):
        print("mutate.py: no executable bpelc at %s" % args.bpelc)
        return 2
    seeds = find_seeds(DEFAULT_SEEDS + args.corpus)
    if not seeds:
        print("mutate.py: no seed processes")
        return 2
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2 ** 31)
    print("mutate.py: seed %d (the same arguments with --seed %d replay "
          "this run; make asan-fuzz FUZZ_SEED=%d)"
          % (args.seed, args.seed, args.seed), flush=True)
    t0 = time.monotonic()
    findings = []
    stats = {}
    done = 0
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        i = 0
        running = set()
        while True:
            stop = (args.iterations and i >= args.iterations) or \
                (not args.iterations and time.monotonic() - t0 > args.seconds)
            if not stop and len(running) < 2 * args.jobs:
                running.add(ex.submit(one, i, args, seeds))
                i += 1
                continue
            if not running:
                break
            fin = next(iter(running))
            r, ran = fin.result()
            running.discard(fin)
            done += 1
            for k in ran:
                stats[k] = stats.get(k, 0) + 1
            if r:
                findings.append(r)
                print("FINDING", r, flush=True)
    print("mutate.py: %d mutants of %d seeds in %.0f s, %d findings%s"
          % (done, len(seeds), time.monotonic() - t0, len(findings),
             " (kept in %s)" % args.out if findings else ""))
    print("mutate.py: step:exit counts: %s"
          % ", ".join("%s %d" % kv for kv in sorted(stats.items())))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
