#!/usr/bin/env python3
"""Cluster test (issue 14): several nodes of one compiled process sharing
a real PostgreSQL server, nodes killed with SIGKILL, the database crashed
once, every acknowledged message accounted for.

    python3 tests/cluster/cluster.py --bpelc build/bpelc --seconds 60

It starts a throw-away PostgreSQL server itself (tests/cluster/pg.sh:
initdb in a temporary directory, Unix socket only, as the postgres user
when run as root), compiles the probe process of bench/ (a one-way
`start` creates an instance keyed by a number; a request-response
`finish` with the same number ends it and answers the number), and runs
--nodes nodes of it on --store postgresql://…, each with its own node id.

The driver keeps a ledger. It sends every message to a random live node:
`start` (a 202 is an acknowledged message) and `finish` (a 200 naming the
number proves the instance consumed its start); 60 % starts, but no more
than --max-open instances open at once (a takeover's time grows with
what the dead node held). A node that does not own
the instance forwards the message to the one that does, or takes the
instance over when its owner is dead; a 503 means nothing was accepted
and the driver tries again later; a 502 (the owner died under a
forwarded request) means the outcome is unknown, like a lost connection. Every few seconds it SIGKILLs a random node and starts a new one under a new node
id, so the dead node's instances must be taken over by the others; once,
in the middle, it crashes the database (pg_ctl stop -m immediate) and
starts it again. A node that exits on its own (a commit whose outcome it
cannot know) is restarted too and counted.

Must hold at the end: every acknowledged start was finished with its own
number (lost = 0); the database holds no instance (none was made twice
for one key, none was left behind); every kill was taken over (no
instance left owned by the dead node) within the node timeout plus a
margin. Exit 0 when all hold, 1 when one does not, 2 when the harness
could not run. Python 3 standard library only.
"""

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "lib"))
from ports import restartable_port  # noqa: E402
PROBE = ROOT / "bench" / "probe" / "probe.bpel"
ENV = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<soapenv:Envelope xmlns:soapenv='
       '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:bench">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')
now = time.monotonic


class HarnessError(Exception):
    pass


def free_port():
    try:
        return restartable_port()
    except OSError as e:
        raise HarnessError(str(e))


def sh_pg(cmd, pgdir):
    r = subprocess.run(["sh", str(HERE / "pg.sh"), cmd, str(pgdir)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise HarnessError("pg.sh %s: %s" % (cmd, r.stderr.strip()))
    return r.stdout.strip()


def psql_value(uri, sql):
    """One value by psql (the test's own view of the database)."""
    r = subprocess.run(["psql", "-XAtq", uri, "-c", sql],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        return None
    return r.stdout.strip()


def post(port, action, body, timeout=10.0):
    """(status, text) or (None, why) when the node could not be reached."""
    data = (ENV % body).encode()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("POST", "/probe", data,
                  {"Content-Type": "text/xml; charset=utf-8",
                   "SOAPAction": '"%s"' % action})
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, text
    except (OSError, http.client.HTTPException) as e:
        return None, str(e)


class Node:
    def __init__(self, slot, exe, uri, timeout, workdir, extra=(),
                 env=None):
        self.extra = list(extra)  # more command-line options
        self.env = env            # the environment (None: this one)
        self.slot = slot
        self.exe = exe
        self.uri = uri
        self.timeout = timeout
        self.workdir = workdir
        self.port = free_port()
        self.incarnation = 0
        self.proc = None
        self.node_id = None
        self.log = None

    def start(self):
        self.incarnation += 1
        self.node_id = "n%d-%d" % (self.slot, self.incarnation)
        self.log = open(self.workdir / ("%s.log" % self.node_id), "w")
        self.proc = subprocess.Popen(
            [str(self.exe), "--listen", "127.0.0.1:%d" % self.port,
             "--store", self.uri, "--node-id", self.node_id,
             "--node-timeout", str(self.timeout),
             "--advertise", "http://127.0.0.1:%d" % self.port]
            + self.extra,
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.workdir,
            env=self.env)
        end = now() + 30
        while now() < end:
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         timeout=0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpelc", default="build/bpelc")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--node-timeout", type=int, default=3)
    ap.add_argument("--kill-every", type=float, default=4.0)
    ap.add_argument("--margin", type=float, default=3.0,
                    help="seconds a takeover may take beyond the timeout")
    ap.add_argument("--clients", type=int, default=4,
                    help="client threads sending at once")
    ap.add_argument("--max-open", type=int, default=2000,
                    help="acknowledged starts not yet finished, at most"
                    " (beyond it the clients send finishes)")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (logs, database)")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    rnd = random.Random(seed)
    work = Path(tempfile.mkdtemp(prefix="bpelc-cluster."))
    # Its own directory: the server's user must reach it (pg.sh), and
    # the work directory is private.
    pgdir = Path(tempfile.mkdtemp(prefix="bpelc-cluster-pg."))
    nodes = []
    ok = False
    start = time.time()
    try:
        ok = run(a, rnd, seed, work, pgdir, nodes)
    except HarnessError as e:
        print("cluster: harness error: %s" % e)
        for n in nodes:
            n.kill()
        sh_pg("teardown", pgdir)
        sys.exit(2)
    finally:
        for n in nodes:
            n.stop()
        if pgdir.exists():
            try:
                sh_pg("teardown", pgdir)
            except HarnessError:
                pass
        if a.keep or not ok:
            print("cluster: work directory kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


def run(a, rnd, seed, work, pgdir, nodes):
    uri = sh_pg("start", pgdir)
    exe = work / "probe"
    r = subprocess.run([a.bpelc, "-o", str(exe), str(PROBE)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise HarnessError("bpelc: %s" % r.stderr.strip())
    for i in range(a.nodes):
        n = Node(i, exe, uri, a.node_timeout, work)
        nodes.append(n)
        if not n.start():
            raise HarnessError("node %s did not start (%s)"
                               % (n.node_id, work))

    acked = {}       # key -> slot of the node that took its start
    maybe = set()    # start sent, no answer: may or may not exist
    finished = set()
    wrong = []       # finish answered with another number
    uncertain = set()  # a finish got no answer: it may have run
    statuses = {}    # answers to starts, by HTTP status (None: none)
    db_window = None  # (crash, back) times of the database
    kills = 0
    exits = 0        # nodes that exited on their own (restarted)
    takeovers = []   # seconds from a kill to no instance owned by it
    pending = []     # (node id, kill time, had instances)
    db_crashed = False
    t_start = now()
    t_end = now() + a.seconds
    t_kill = now() + a.kill_every
    t_db = now() + a.seconds / 2

    lock = threading.Lock()
    stop = threading.Event()
    counter = [0]

    def live():
        return [n for n in nodes if n.alive()]

    def finish(key, r):
        n = r.choice(live() or nodes)
        st, text = post(n.port, "urn:bench/finish",
                        "<tns:finishRequest>%d</tns:finishRequest>" % key)
        with lock:
            if st == 200:
                if ">%d<" % key not in text:
                    wrong.append((key, text[:200]))
                finished.add(key)
                return True
            if st is None or st == 502:
                uncertain.add(key)  # the answer may have been lost
            if st is not None and st not in (500, 502, 503):
                wrong.append((key, "status %s: %s" % (st, text[:200])))
        return False

    def client(cseed):
        # Each client its own random stream: which node, which action.
        r = random.Random(cseed)
        while not stop.is_set():
            with lock:
                open_keys = [k for k in acked if k not in finished]
            # Mostly starts, but the open instances stay bounded: a
            # takeover's time grows with what the dead node held.
            if open_keys and (r.random() < 0.4 or
                              len(open_keys) > a.max_open):
                finish(r.choice(open_keys), r)
                continue
            with lock:
                counter[0] += 1
                key = counter[0]
            n = r.choice(live() or nodes)
            st, _ = post(n.port, "urn:bench/start",
                         "<tns:startRequest>%d</tns:startRequest>" % key)
            with lock:
                statuses[st] = statuses.get(st, 0) + 1
                if st == 202:
                    acked[key] = n.slot
                else:
                    maybe.add(key)
            if st is None:
                time.sleep(0.01)  # a node just killed: not a busy loop

    def watch_takeovers():
        # Its own thread: the measurement must not wait for the traffic.
        while not watch_stop.is_set():
            with lock:
                todo = list(pending)
            for p in todo:
                left = psql_value(uri, "SELECT count(*) FROM bpelc_instance"
                                  " WHERE owner = '%s'" % p[0])
                if left == "0":
                    with lock:
                        if p[2] not in (None, "0"):
                            takeovers.append((now() - p[1], p[1], p[0]))
                        pending.remove(p)
            time.sleep(0.1)

    watch_stop = threading.Event()
    watcher = threading.Thread(target=watch_takeovers, daemon=True)
    watcher.start()
    clients = [threading.Thread(target=client, args=(rnd.random(),),
                                daemon=True) for _ in range(a.clients)]
    for c in clients:
        c.start()
    while now() < t_end:
        if now() >= t_kill:
            t_kill = now() + a.kill_every
            victim = rnd.choice(nodes)
            owned = psql_value(uri, "SELECT count(*) FROM bpelc_instance"
                               " WHERE owner = '%s'" % victim.node_id)
            victim.kill()
            kills += 1
            with lock:
                pending.append((victim.node_id, now(), owned))
            if not victim.start():
                raise HarnessError("node %s did not restart"
                                   % victim.node_id)
        # restart what died on its own
        for n in nodes:
            if not n.alive():
                exits += 1
                if not n.start():
                    raise HarnessError("node %s did not restart"
                                       % n.node_id)
        if not db_crashed and now() >= t_db:
            db_crashed = True
            t0 = now()
            sh_pg("crash", pgdir)
            time.sleep(1.0)
            sh_pg("start", pgdir)
            db_window = (t0, now())
        time.sleep(0.05)
    stop.set()
    for c in clients:
        c.join()

    # Drain: no more kills; every acknowledged instance must finish.
    deadline = now() + 3 * a.node_timeout + 30
    while now() < deadline:
        for n in nodes:
            if not n.alive():
                exits += 1
                n.start()
        open_keys = [k for k in acked if k not in finished]
        for k in open_keys:
            finish(k, rnd)
        if not [k for k in acked if k not in finished] and not pending:
            break
        time.sleep(0.2)
    watch_stop.set()
    watcher.join()
    # Starts that got no answer may have made an instance: end those too.
    for k in sorted(maybe):
        st, _ = (None, None)
        for n in nodes:
            st, _ = post(n.port, "urn:bench/finish",
                         "<tns:finishRequest>%d</tns:finishRequest>" % k)
            if st == 200:
                break
    left = psql_value(uri, "SELECT count(*) FROM bpelc_instance")
    # A finish whose answer was lost (its node killed after the commit)
    # may have ended the instance: then its key is gone from the store.
    unanswered = []
    for k in [k for k in acked if k not in finished and k in uncertain]:
        held = psql_value(uri, "SELECT count(*) FROM bpelc_correlation"
                          " WHERE key = '%d:%d|'" % (len(str(k)), k))
        if held == "0":
            unanswered.append(k)
            finished.add(k)
    lost = [k for k in acked if k not in finished]
    limit = a.node_timeout + a.margin
    # A kill shortly before or during the database's outage waits for it
    # too (and nobody is declared dead until a node timeout after it is
    # back): those takeovers are reported, not held to the limit.
    def near_outage(t_kill):
        return db_window and \
            db_window[0] - limit <= t_kill <= db_window[1] + limit
    normal = [d for d, t, _ in takeovers if not near_outage(t)]
    outage = [d for d, t, _ in takeovers if near_outage(t)]
    if a.verbose:
        for d, t, who in takeovers:
            print("cluster: kill of %s at +%.2f s: taken over in %.2f s%s"
                  % (who, t - t_start, d,
                     " (database outage)" if near_outage(t) else ""))
        if db_window:
            print("cluster: database down at +%.2f s, back at +%.2f s"
                  % (db_window[0] - t_start, db_window[1] - t_start))
    slow = [d for d in normal if d > limit]
    fenced = 0
    # Never two nodes running one instance: for each node, the time it
    # held an instance runs from its creation, takeover or recovery (the
    # node's start) to its completion or the node's end; two nodes' times
    # for one instance must not overlap (beyond the log's granularity).
    completed = {}   # instance id -> nodes that completed it
    held = {}        # instance id -> [(node, from, to)]
    stopped_fenced = set()  # nodes that stopped on a refused commit

    def secs(h, m_, sec):
        return int(h) * 3600 + int(m_) * 60 + float(sec)
    stamp = r"^(\d\d):(\d\d):(\d\d\.\d+) "
    for f in work.glob("n*.log"):
        text = f.read_text(errors="replace")
        fenced += text.count("owned by another node now")
        if "owned by another node now" in text or \
                "a commit failed" in text:
            stopped_fenced.add(f.stem)
        times = re.findall(stamp, text, re.M)
        if not times:
            continue
        first, end = secs(*times[0]), secs(*times[-1])
        got, done = {}, {}
        for m in re.finditer(stamp + r".*instance (\d+) (created by|taken "
                             r"over|reloaded|completed|dropped here)",
                             text, re.M):
            t, i = secs(m.group(1), m.group(2), m.group(3)), m.group(4)
            if m.group(5) == "dropped here":
                # not run here any more (fenced, unknown outcome, a
                # lost race): its span ends; a reload starts another
                done[i] = t
            elif m.group(5) == "completed":
                done[i] = t
                completed.setdefault(i, set()).add(f.stem)
            else:
                got.setdefault(i, t)
        for i in set(got) | set(done):
            held.setdefault(i, []).append(
                (f.stem, got.get(i, first), done.get(i, end)))
    # Two spans may overlap when the older holder was only slow (its
    # heartbeat late, e.g. reconnecting after the database restarted): it
    # is fenced out at its next write, releases nothing and stops. That
    # is the design; any other overlap means two nodes ran the instance.
    twice = {}
    fenced_overlap = set()
    for i, spans in held.items():
        for x in range(len(spans)):
            for y in range(x + 1, len(spans)):
                older, newer = sorted([spans[x], spans[y]],
                                      key=lambda sp: sp[1])
                if min(older[2], newer[2]) - newer[1] <= 0.5:
                    continue
                if older[0] in stopped_fenced:
                    fenced_overlap.add(i)
                else:
                    twice[i] = sorted([older[0], newer[0]])
    redone = sum(1 for ns in completed.values() if len(ns) > 1)

    print("cluster: seed %d, %d nodes, node timeout %d s, %.0f s"
          % (seed, a.nodes, a.node_timeout, a.seconds))
    print("cluster: kills %d, database crashes %d, node exits on their own"
          " %d (restarted)" % (kills, 1 if db_crashed else 0, exits))
    print("cluster: starts acknowledged %d, finished %d (%d of them with"
          " the answer lost in a kill), lost %d, starts without answer %d"
          % (len(acked), len(finished), len(unanswered), len(lost),
             len(maybe)))
    print("cluster: answers to starts: %s" % ", ".join(
        "%s %d" % (k if k else "none", v)
        for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
    if normal:
        print("cluster: takeovers %d: min %.2f s, median %.2f s, max %.2f s"
              " (limit %.1f s)" % (len(normal), min(normal),
                                   statistics.median(normal), max(normal),
                                   limit))
    if outage:
        print("cluster: takeovers across the database outage %d: max %.2f s"
              % (len(outage), max(outage)))
    print("cluster: instances completed %d; completed again after a"
          " takeover (the first run's end never committed) %d; held by a"
          " slow node that was then fenced out %d; run by two nodes %d;"
          " writes fenced out %d"
          % (len(completed), redone, len(fenced_overlap), len(twice),
             fenced))
    print("cluster: instances left in the database %s" % left)
    bad = []
    if lost:
        bad.append("lost acknowledged starts: %s" % lost[:20])
    if wrong:
        bad.append("finish answered the wrong number: %s" % wrong[:5])
    if twice:
        bad.append("instances run by two nodes: %s"
                   % list(twice.items())[:5])
    if left != "0":
        bad.append("%s instances left in the database" % left)
    if pending:
        bad.append("killed nodes whose instances were never taken over:"
                   " %s" % [p[0] for p in pending])
    if slow:
        bad.append("takeovers slower than %.1f s: %s" % (limit, slow))
    if not normal and kills:
        bad.append("no kill hit a node that owned instances")
    for b in bad:
        print("cluster: FAIL: %s" % b)
    if not bad:
        print("cluster: PASS")
    return not bad


if __name__ == "__main__":
    main()
