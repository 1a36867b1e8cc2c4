#!/usr/bin/env python3
"""Inbox and timer test (issue 14): one-way messages for an instance
another node owns wait in the database for the owner, and timers of
instances whose owner died fire on another node, with nodes killed.

    python3 tests/cluster/inbox.py --bpelc build/bpelc --seconds 30

It starts a throw-away PostgreSQL server (tests/cluster/pg.sh), compiles
tests/cluster/seq/seq.bpel and runs --nodes nodes of it on one store. The
first node never LISTENs (BRT_TEST_NO_LISTEN=1: its notifications are
lost), so the instances it owns get their messages by polling only.

Sequences: each client thread starts an instance (`start` to a random
node), then sends it `add` 1, 2, 3, ... each to a random node and each
only after the one before was acknowledged (202), and at the end
`finish`, whose answer is the instance's log of the numbers it consumed.
Must hold: every acknowledged add is in the log exactly once, after every
add sent before it (an add whose answer was lost may be in it or not, and
is ordered only against the adds acknowledged before it was sent),
nothing is in the log twice or that was not sent.

Timers: a thread creates instances that wait --timer-delay seconds, then
call the driver's `fired` (an HTTP server in this script) with their key.
Must hold: every acknowledged timer fired exactly once, never before its
delay had passed since the request was sent, and at most the node
timeout plus --margin after its delay (after its acknowledgement).

Every --kill-every seconds a random node is SIGKILLed and started again
under a new node id; the others take its instances over (and the timers
that come due first). At the end the database holds no instance and no
kept message. Exit 0 when all hold, 1 when one does not, 2 when the
harness could not run. Python 3 standard library only.
"""

import argparse
import http.server
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cluster  # noqa: E402  (its Node, post, pg.sh and psql helpers)

HERE = Path(__file__).resolve().parent
SEQ = HERE / "seq" / "seq.bpel"
ENV = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<soapenv:Envelope xmlns:soapenv='
       '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:seq">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')
now = time.monotonic


def post(port, action, body, timeout=10.0):
    """(status, text) or (None, why)."""
    import http.client
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("POST", "/seq", (ENV % body).encode(),
                  {"Content-Type": "text/xml; charset=utf-8",
                   "SOAPAction": '"urn:seq:%s"' % action})
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, text
    except (OSError, http.client.HTTPException) as e:
        return None, str(e)


class Fired(http.server.BaseHTTPRequestHandler):
    """The driver's `fired` operation: records (key, time)."""
    seen = []
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        t = now()
        m = re.search(r"fired[^>]*>\s*(\d+)\s*<", body)
        if m:
            with Fired.lock:
                Fired.seen.append((int(m.group(1)), t))
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpelc", default="build/bpelc")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--nodes", type=int, default=3)
    ap.add_argument("--node-timeout", type=int, default=2)
    ap.add_argument("--kill-every", type=float, default=4.0)
    ap.add_argument("--clients", type=int, default=3,
                    help="threads sending sequences at once")
    ap.add_argument("--adds", type=int, default=12,
                    help="adds per sequence")
    ap.add_argument("--timer-delay", type=float, default=3.0)
    ap.add_argument("--timers-every", type=float, default=0.3,
                    help="seconds between two timer instances")
    ap.add_argument("--margin", type=float, default=3.0,
                    help="seconds a timer may fire late beyond the node "
                    "timeout")
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    seed = a.seed if a.seed is not None else random.randrange(1 << 30)
    work = Path(tempfile.mkdtemp(prefix="bpelc-inbox."))
    pgdir = Path(tempfile.mkdtemp(prefix="bpelc-inbox-pg."))
    nodes = []
    ok = False
    server = None
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Fired)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        ok = run(a, random.Random(seed), seed, work, pgdir, nodes,
                 server.server_address[1])
    except cluster.HarnessError as e:
        print("inbox: harness error: %s" % e)
        for n in nodes:
            n.kill()
        sys.exit(2)
    finally:
        for n in nodes:
            n.stop()
        if server:
            server.shutdown()
        try:
            cluster.sh_pg("teardown", pgdir)
        except cluster.HarnessError:
            pass
        if a.keep or not ok:
            print("inbox: work directory kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(0 if ok else 1)


def run(a, rnd, seed, work, pgdir, nodes, driver_port):
    uri = cluster.sh_pg("start", pgdir)
    exe = work / "seq"
    r = cluster.subprocess.run([a.bpelc, "-o", str(exe), str(SEQ)],
                               capture_output=True, text=True)
    if r.returncode != 0:
        raise cluster.HarnessError("bpelc: %s" % r.stderr.strip())
    extra = ["--partner",
             "driver=http://127.0.0.1:%d/driver" % driver_port, "-v"]
    for i in range(a.nodes):
        env = dict(os.environ)
        if i == 0:
            env["BRT_TEST_NO_LISTEN"] = "1"  # polling only
        n = cluster.Node(i, exe, uri, a.node_timeout, work, extra, env)
        nodes.append(n)
        if not n.start():
            raise cluster.HarnessError("node %s did not start" % n.node_id)

    lock = threading.Lock()
    stop = threading.Event()
    counter = [0]
    seqs = {}        # key -> {"acked": [n], "maybe": set(n), "log": [..]}
    unfinished = []  # keys whose finish never got a clear answer
    timers = {}      # key -> (sent, acked)
    timers_maybe = set()
    statuses = {}

    def live():
        return [n for n in nodes if n.alive()] or nodes

    def new_key():
        with lock:
            counter[0] += 1
            return counter[0]

    def send(r, action, body, retry_503=True):
        """Send to random nodes: (status, text); 503 is tried again."""
        for _ in range(200):
            st, text = post(r.choice(live()).port, action, body)
            with lock:
                statuses[(action, st)] = statuses.get((action, st), 0) + 1
            if st == 503 and retry_503:
                time.sleep(0.05)
                continue
            return st, text
        return None, "503 for too long"

    def sequence(r):
        key = new_key()
        st, _ = send(r, "start", "<tns:startRequest>%d</tns:startRequest>"
                     % key)
        if st != 202:
            return  # maybe made; no adds: the drain ends it
        rec = {"acked": [], "maybe": set(), "log": None}
        with lock:
            seqs[key] = rec
        for n in range(1, a.adds + 1):
            if stop.is_set():
                break
            st, _ = send(r, "add", "<tns:addRequest><tns:id>%d</tns:id>"
                         "<tns:n>%d</tns:n></tns:addRequest>" % (key, n))
            if st == 202:
                rec["acked"].append(n)
            else:
                rec["maybe"].add(n)  # the answer was lost: may be in
        finish(r, key, rec)

    def finish(r, key, rec):
        unknown = False  # an attempt whose answer was lost may have run
        for _ in range(100):
            st, text = send(r, "finish",
                            "<tns:finishRequest>%d</tns:finishRequest>"
                            % key)
            if st == 200:
                m = re.search(r"finishResponse[^>]*>(\d+):([^<]*)<", text)
                if m and int(m.group(1)) == key:
                    rec["log"] = [int(x) for x in m.group(2).split()]
                else:
                    rec["log"] = ["bad answer: %s" % text[:200]]
                return
            if st is None or st == 502:
                unknown = True
            elif st == 500 and not unknown:
                rec["log"] = ["finish refused: %s" % text[:300]]
                return
            elif st == 500:
                break
            time.sleep(0.1)
        with lock:
            unfinished.append(key)

    def client(cseed):
        r = random.Random(cseed)
        while not stop.is_set():
            sequence(r)

    def timer_thread(cseed):
        r = random.Random(cseed)
        while not stop.is_set():
            key = new_key()
            t0 = now()
            st, _ = send(r, "timer", "<tns:timerRequest><tns:id>%d</tns:id>"
                         "<tns:delay>PT%gS</tns:delay></tns:timerRequest>"
                         % (key, a.timer_delay))
            with lock:
                if st == 202:
                    timers[key] = (t0, now())
                else:
                    timers_maybe.add(key)
            stop.wait(a.timers_every)

    threads = [threading.Thread(target=client, args=(rnd.random(),),
                                daemon=True) for _ in range(a.clients)]
    threads.append(threading.Thread(target=timer_thread,
                                    args=(rnd.random(),), daemon=True))
    for t in threads:
        t.start()
    t_end = now() + a.seconds
    t_kill = now() + a.kill_every
    kills = 0
    exits = 0
    killed_timers = 0  # timer instances whose owner was killed
    while now() < t_end:
        if now() >= t_kill:
            t_kill = now() + a.kill_every
            victim = rnd.choice(nodes)
            owned = cluster.psql_value(
                uri, "SELECT count(*) FROM bpelc_instance"
                " WHERE owner = '%s' AND next_deadline > now()"
                % victim.node_id)
            victim.kill()
            kills += 1
            killed_timers += int(owned or 0)
            if not victim.start():
                raise cluster.HarnessError("node %s did not restart"
                                           % victim.node_id)
        for n in nodes:
            if not n.alive():
                exits += 1
                if not n.start():
                    raise cluster.HarnessError("node %s did not restart"
                                               % n.node_id)
        time.sleep(0.05)
    stop.set()
    for t in threads:
        t.join(timeout=120)
    # Every timer is due by now plus the takeover: wait for the last.
    t_wait = now() + a.timer_delay + a.node_timeout + a.margin + 2
    while now() < t_wait:
        with Fired.lock:
            got = {k for k, _ in Fired.seen}
        if all(k in got for k in timers):
            break
        time.sleep(0.2)
    time.sleep(0.5)
    # Sequences whose start got no answer may have made an instance.
    for k in range(1, counter[0] + 1):
        if k not in seqs and k not in timers and k not in timers_maybe:
            for n in nodes:
                st, _ = post(n.port, "finish",
                             "<tns:finishRequest>%d</tns:finishRequest>" % k)
                if st == 200:
                    break
    left = cluster.psql_value(uri, "SELECT count(*) FROM bpelc_instance")
    kept = cluster.psql_value(uri, "SELECT count(*) FROM bpelc_inbox")

    # The verdict.
    bad = []
    late_maybe = [0]  # unacknowledged adds consumed after a later one
    n_acked = sum(len(r["acked"]) for r in seqs.values())
    n_maybe = sum(len(r["maybe"]) for r in seqs.values())
    for key, rec in sorted(seqs.items()):
        log = rec["log"]
        if log is None:
            continue
        if any(not isinstance(x, int) for x in log):
            bad.append("key %d: %s" % (key, log))
            continue
        sent = set(rec["acked"]) | rec["maybe"]
        # Order: an add acknowledged before another was sent is consumed
        # before it. An add whose answer was lost is unordered against
        # the ones sent after it (its node may have died with its commit
        # on the way, as with a dropped connection to one service).
        acked = set(rec["acked"])
        out_of_order = any(log[j] in acked and log[i] > log[j]
                           for i in range(len(log))
                           for j in range(i + 1, len(log)))
        late_maybe[0] += sum(1 for i in range(len(log))
                             for j in range(i + 1, len(log))
                             if log[i] > log[j])
        if out_of_order or len(log) != len(set(log)):
            bad.append("key %d: consumed out of order or twice: %s"
                       " (answer lost: %s)"
                       % (key, log, sorted(rec["maybe"])))
        missing = [n for n in rec["acked"] if n not in log]
        if missing:
            bad.append("key %d: acknowledged adds lost: %s (log %s)"
                       % (key, missing, log))
        extra_ = [n for n in log if n not in sent]
        if extra_:
            bad.append("key %d: adds never sent in the log: %s"
                       % (key, extra_))
    checked = [k for k, r in seqs.items() if r["log"] is not None]
    with Fired.lock:
        fired = list(Fired.seen)
    by_key = {}
    for k, t in fired:
        by_key.setdefault(k, []).append(t)
    late_limit = a.node_timeout + a.margin
    early, late, twice, never = [], [], [], []
    delays = []
    for k, (t0, t1) in sorted(timers.items()):
        ts = by_key.get(k, [])
        if not ts:
            never.append(k)
            continue
        if len(ts) > 1:
            twice.append(k)
        t = ts[0]
        if t < t0 + a.timer_delay - 0.01:
            early.append((k, round(t - t0, 2)))
        if t > t1 + a.timer_delay + late_limit:
            late.append((k, round(t - t1 - a.timer_delay, 2)))
        delays.append(t - (t0 + a.timer_delay))
    strays = [k for k in by_key if k not in timers and k not in timers_maybe]
    twice += [k for k in by_key if k in timers_maybe and len(by_key[k]) > 1]
    polled = 0
    for f in work.glob("n0-*.log"):
        polled += f.read_text(errors="replace").count(
            "taken from its inbox in the database")
    taken = 0
    for f in work.glob("n*.log"):
        taken += f.read_text(errors="replace").count(
            "taken from its inbox in the database")

    print("inbox: seed %d, %d nodes, node timeout %d s, %.0f s"
          % (seed, a.nodes, a.node_timeout, a.seconds))
    print("inbox: kills %d, node exits on their own %d" % (kills, exits))
    print("inbox: sequences %d (%d with their log checked, %d without a"
          " clear finish); adds acknowledged %d, answer lost %d"
          % (len(seqs), len(checked), len(unfinished), n_acked, n_maybe))
    print("inbox: messages taken from inboxes in the database %d (by the"
          " node that only polls: %d); adds whose answer was lost consumed"
          " after a later one %d" % (taken, polled, late_maybe[0]))
    print("inbox: timers acknowledged %d, fired %d, twice %d, never %d,"
          " early %d, late %d; pending timers on killed nodes %d"
          % (len(timers), len(by_key), len(twice), len(never), len(early),
             len(late), killed_timers))
    if delays:
        print("inbox: timer lateness (from the earliest allowed): min"
              " %.2f s, max %.2f s (limit %.1f s after the acknowledgement)"
              % (min(delays), max(delays), late_limit))
    print("inbox: answers: %s" % ", ".join(
        "%s %s %d" % (k[0], k[1], v) for k, v in sorted(
            statuses.items(), key=lambda kv: (kv[0][0], str(kv[0][1])))))
    print("inbox: left in the database: %s instances, %s kept messages"
          % (left, kept))
    if never:
        bad.append("timers that never fired: %s" % never[:10])
    if twice:
        bad.append("timers that fired twice: %s" % twice[:10])
    if early:
        bad.append("timers that fired early: %s" % early[:10])
    if late:
        bad.append("timers that fired too late: %s" % late[:10])
    if strays:
        bad.append("fired for keys never sent: %s" % strays[:10])
    if left != "0" or kept != "0":
        bad.append("left in the database: %s instances, %s messages"
                   % (left, kept))
    if not checked:
        bad.append("no sequence was checked")
    if polled == 0:
        bad.append("the node without LISTEN took no message (polling)")
    if kills and killed_timers == 0:
        bad.append("no kill hit a node with pending timers")
    for b in bad:
        print("inbox: FAIL: %s" % b)
    if not bad:
        print("inbox: PASS")
    return not bad


if __name__ == "__main__":
    main()
