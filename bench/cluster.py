#!/usr/bin/env python3
"""The shared store against the embedded one (issue 14): `make bench` runs
it after bench/run.sh.

    python3 bench/cluster.py --build build [--n 4000] [--conns 8]

The probe process of bench/probe (a one-way `start` creates an instance
keyed by a number and writes it; a request-response `finish` ends it and
deletes it: two requests and two commits per instance) is run three ways:

  sqlite    one node on its SQLite file (the default store)
  pg x1     one node on PostgreSQL (a throw-away server, tests/cluster/pg.sh)
  pg x3     three nodes on that PostgreSQL server, each sent a third of the
            instances (a load balancer sticky by key; a request that lands
            on another node is forwarded, which costs a hop: see
            docs/scale-out.md)

For each: requests/s (starts and finishes, N of each, `loadgen` with CONNS
connections per node), CPU per request counting every process that does
the work (the nodes, and for PostgreSQL the database server's processes
too: SQLite does its work inside the node), and for PostgreSQL the commits
per second and rows written per commit (pg_stat_database). Loopback only.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid, children=False):
    try:
        f = Path("/proc/%d/stat" % pid).read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # fields after the command: state ppid ... utime(12) stime(13)
    # cutime(14) cstime(15), counted from `state` as 1
    t = int(f[11]) + int(f[12])
    if children:
        t += int(f[13]) + int(f[14])
    return t / TICK


def pg_cpu(datadir):
    """CPU seconds of the server: the postmaster (with its reaped
    children) and its live children."""
    try:
        pm = int((Path(datadir) / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0
    total = cpu_of(pm, children=True)
    for p in Path("/proc").iterdir():
        if not p.name.isdigit():
            continue
        try:
            f = (p / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(f[1]) == pm:
            total += cpu_of(int(p.name))
    return total


def psql(uri, sql):
    r = subprocess.run(["psql", "-XAtq", uri, "-c", sql],
                       capture_output=True, text=True)
    return r.stdout.strip()


def pg_stats(uri):
    row = psql(uri, "SELECT xact_commit, tup_inserted + tup_updated +"
               " tup_deleted FROM pg_stat_database"
               " WHERE datname = current_database()")
    c, t = row.split("|")
    return int(c), int(t)


def kv(line):
    return dict(p.split("=", 1) for p in line.split() if "=" in p)


class Bench:
    def __init__(self, a, work):
        self.a = a
        self.work = work
        # Below Linux's ephemeral range (32768-60999), where the
        # loadgen's own connections take their ports: a node's port
        # taken by one of them made a run fail to start a node.
        self.port = 20000 + os.getpid() % 12000
        self.procs = []

    def start_node(self, exe, store, extra=()):
        self.port += 1
        port = self.port
        log = open(self.work / ("node-%d.log" % port), "w")
        p = subprocess.Popen([str(exe), "--listen", "127.0.0.1:%d" % port,
                              "--store", store] + list(extra),
                             stdout=log, stderr=subprocess.STDOUT,
                             cwd=self.work)
        self.procs.append(p)
        r = subprocess.run([self.a.loadgen, "-r", "-W", "20", "-u",
                            "127.0.0.1:%d/" % port, "-p", str(p.pid)])
        if r.returncode != 0:
            log.flush()
            tail = (self.work / ("node-%d.log" % port)).read_text(
                errors="replace").splitlines()[-5:]
            raise SystemExit("bench: node on port %d did not start:\n  %s"
                             % (port, "\n  ".join(tail)))
        return p, port

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        self.procs = []

    def phase(self, ports, body, action, first, n, expect=None, status=None):
        """n requests split over the ports, all at once; returns (seconds,
        ok, errors)."""
        per = n // len(ports)
        runs = []
        for k, port in enumerate(ports):
            cmd = [self.a.loadgen, "-u", "127.0.0.1:%d/probe" % port,
                   "-b", str(body), "-a", action, "-c", str(self.a.conns),
                   "-n", str(per), "-i", str(first + k * per), "-t", "120"]
            if status:
                cmd += ["-s", str(status)]
            if expect:
                cmd += ["-e", expect]
            runs.append(subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                         text=True))
        t0 = time.monotonic()
        ok = err = 0
        for r in runs:
            out, _ = r.communicate()
            d = kv(out)
            ok += int(d.get("ok", 0))
            err += int(d.get("errors", 0))
        return time.monotonic() - t0, ok, err

    def run(self, name, exe, stores, pgdir=None, uri=None):
        nodes = [self.start_node(exe, s, x) for s, x in stores]
        ports = [port for _, port in nodes]
        n = self.a.n
        # warm-up: a few instances through every node
        self.phase(ports, HERE / "probe/start.xml", "urn:bench:start",
                   10_000_000, 30 * len(ports), status=202)
        self.phase(ports, HERE / "probe/finish.xml", "urn:bench:finish",
                   10_000_000, 30 * len(ports), expect="finishResponse")
        cpu0 = sum(cpu_of(p.pid) for p, _ in nodes)
        db0 = pg_cpu(pgdir / "data") if pgdir else 0.0
        st0 = pg_stats(uri) if uri else None
        s1, ok1, e1 = self.phase(ports, HERE / "probe/start.xml",
                                 "urn:bench:start", 1, n, status=202)
        s2, ok2, e2 = self.phase(ports, HERE / "probe/finish.xml",
                                 "urn:bench:finish", 1, n,
                                 expect="finishResponse")
        cpu = sum(cpu_of(p.pid) for p, _ in nodes) - cpu0
        db = (pg_cpu(pgdir / "data") - db0) if pgdir else 0.0
        st1 = pg_stats(uri) if uri else None
        self.stop_all()
        reqs = ok1 + ok2
        secs = s1 + s2
        line = ("bench: %-8s %6.0f req/s (start %.0f/s, finish %.0f/s),"
                " CPU %.1f us/request (nodes %.1f + database %.1f),"
                " errors %d" % (name, reqs / secs, ok1 / s1, ok2 / s2,
                                (cpu + db) * 1e6 / max(reqs, 1),
                                cpu * 1e6 / max(reqs, 1),
                                db * 1e6 / max(reqs, 1), e1 + e2))
        if st0 and st1:
            commits = st1[0] - st0[0]
            rows = st1[1] - st0[1]
            line += ("; %.0f commits/s, %.1f rows per commit"
                     % (commits / secs, rows / max(commits, 1)))
        print(line, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--n", type=int, default=4000)
    ap.add_argument("--conns", type=int, default=8)
    a = ap.parse_args()
    build = Path(a.build)
    a.loadgen = str(build / "bench" / "loadgen")
    work = Path(tempfile.mkdtemp(prefix="bpelc-bench-store."))
    pgdir = Path(tempfile.mkdtemp(prefix="bpelc-bench-pg."))
    b = Bench(a, work)
    try:
        if not Path(a.loadgen).exists():
            (build / "bench").mkdir(parents=True, exist_ok=True)
            pc = subprocess.run(["pkg-config", "--cflags", "--libs",
                                 "libevent"], capture_output=True,
                                text=True).stdout.split()
            subprocess.run(["cc", "-std=c11", "-O2",
                            "-D_POSIX_C_SOURCE=200809L", "-o", a.loadgen,
                            str(HERE / "loadgen.c")] + pc, check=True)
        exe = work / "probe"
        subprocess.run([str(build / "bpelc"), "-o", str(exe),
                        str(HERE / "probe" / "probe.bpel")], check=True)
        uri = subprocess.run(["sh", str(ROOT / "tests/cluster/pg.sh"),
                              "start", str(pgdir)], capture_output=True,
                             text=True, check=True).stdout.strip()
        print("bench: store: probe, %d instances (2 requests, 2 commits"
              " each), %d connections per node, %d CPUs"
              % (a.n, a.conns, os.cpu_count()), flush=True)
        b.run("sqlite", exe, [(str(work / "probe.db"), ())])

        def pg_nodes(k):
            return [(uri, ("--node-id", "b%d" % i, "--advertise",
                           "http://127.0.0.1:%d" % (b.port + i + 1)))
                    for i in range(k)]
        b.run("pg x1", exe, pg_nodes(1), pgdir, uri)
        psql(uri, "DELETE FROM bpelc_node")
        b.run("pg x3", exe, pg_nodes(3), pgdir, uri)
    finally:
        b.stop_all()
        subprocess.run(["sh", str(ROOT / "tests/cluster/pg.sh"), "teardown",
                        str(pgdir)])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
