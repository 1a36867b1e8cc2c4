#!/usr/bin/env python3
"""Fencing and races on a shared PostgreSQL store (issue 14): a node drops
exactly the instances it must not run, keeps serving the others, and a
message whose new instance lost a race reaches the winner.

    python3 tests/cluster/fence.py --bpelc build/bpelc --trials 20

It starts a throw-away PostgreSQL server itself (tests/cluster/pg.sh) and
runs four checks against nodes of real compiled services:

  fence    a node of tests/cluster/meet holds two instances, their `a`
           open; the test moves one to another owner ('ghost', alive for
           now, no address) at a new epoch behind the node's back (psql),
           as a takeover would. A second `a` for it makes the node write
           it: refused, so the node drops that instance alone; the second
           `a` (not taken) is handled again, cannot reach the owner and
           gets 503; the first `a` (taken before) gets 502. The node stays
           up and serves the other instance; once the ghost is dead the
           node takes the instance back for its `b`.
  takeover a slow node (SIGSTOP) whose instance the other node takes over
           after the node timeout; a `b` sent to the slow node is read
           when it resumes (SIGCONT): its write is refused, the instance
           dropped, and the `b` (not taken there) is handled again and
           forwarded to the new owner, which answers 202 and completes
           the instance; the `a` taken before the pause gets 502.
  unknown  the test locks an instance's row (psql), sends its `finish`
           (the node's commit waits for the lock) and terminates the
           node's database connection in the middle of that commit
           (pg_terminate_backend). The outcome is unknown: the client gets
           a 502, the node stays up, drops the instance, reloads it from
           the database once the connection is back (the delete was rolled
           back), and the next `finish` completes it; another instance is
           served meanwhile.
  race     two nodes of tests/cluster/meet (two start activities that
           join one instance per key) receive `a` and `b` for the same new
           key at the same moment, --trials times with fresh keys. Both
           make an instance; the second to commit loses the race, drops
           its instance (releasing nothing) and hands its message to the
           winner. Must hold: every `a` answered with its `b`'s token,
           every `b` acknowledged, one instance completed per key, none
           left in the database.

Exit 0 when all hold, 1 when one does not, 2 when the harness could not
run. Python 3 standard library only.
"""

import argparse
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from cluster import HarnessError, Node, psql_value, sh_pg

import http.client

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PROBE = ROOT / "bench" / "probe" / "probe.bpel"
MEET = HERE / "meet" / "meet.bpel"
ENV = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<soapenv:Envelope xmlns:soapenv='
       '"http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="%s">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')
now = time.monotonic


def post(port, path, ns, action, body, timeout=30.0):
    """(status, text) or (None, why) when the node could not be reached."""
    data = (ENV % (ns, body)).encode()
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        c.request("POST", path, data,
                  {"Content-Type": "text/xml; charset=utf-8",
                   "SOAPAction": '"%s"' % action})
        r = c.getresponse()
        text = r.read().decode("utf-8", "replace")
        c.close()
        return r.status, text
    except (OSError, http.client.HTTPException) as e:
        return None, str(e)


def start(port, k):
    return post(port, "/probe", "urn:bench", "urn:bench/start",
                "<tns:startRequest>%d</tns:startRequest>" % k)


def finish(port, k):
    return post(port, "/probe", "urn:bench", "urn:bench/finish",
                "<tns:finishRequest>%d</tns:finishRequest>" % k)


def probe_key(k):
    """The correlation key as the store writes it (correl.c)."""
    return "%d:%d|" % (len(str(k)), k)


def instance_of(uri, k):
    return psql_value(uri, "SELECT instance FROM bpelc_correlation"
                      " WHERE key = '%s'" % probe_key(k))


def finished_ok(st, text, k):
    return st == 200 and ">%d<" % k in text


def until(what, secs, step=0.1):
    end = now() + secs
    while now() < end:
        v = what()
        if v:
            return v
        time.sleep(step)
    return what()


class Checks:
    def __init__(self):
        self.bad = []

    def that(self, ok, what):
        print("fence: %s: %s" % ("ok" if ok else "FAIL", what))
        if not ok:
            self.bad.append(what)
        return ok


def compile_to(bpelc, src, exe):
    r = subprocess.run([bpelc, "-o", str(exe), str(src)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise HarnessError("bpelc %s: %s" % (src.name, r.stderr.strip()))


def log_of(node):
    node.log.flush()
    return (node.workdir / ("%s.log" % node.node_id)).read_text(
        errors="replace")


def meet_a(port, key, token, timeout=30.0):
    return post(port, "/meet", "urn:meet", "urn:meet:a",
                "<tns:aRequest><tns:key>%s</tns:key><tns:token>%s"
                "</tns:token></tns:aRequest>" % (key, token), timeout)


def meet_b(port, key, token):
    return post(port, "/meet", "urn:meet", "urn:meet:b",
                "<tns:bRequest><tns:key>%s</tns:key><tns:token>%s"
                "</tns:token></tns:bRequest>" % (key, token))


def meet_instance(uri, key):
    return psql_value(uri, "SELECT instance FROM bpelc_correlation"
                      " WHERE key LIKE '%%%s%%'" % key)


class Later:
    """A request sent from a thread; its answer read later."""

    def __init__(self, fn, *args):
        self.v = (None, "no answer")
        self.t = threading.Thread(target=self.run, args=(fn,) + args)
        self.t.start()

    def run(self, fn, *args):
        self.v = fn(*args)

    def get(self, secs=60):
        self.t.join(secs)
        return self.v


def fence(ck, node, uri, timeout):
    # Two instances of meet wait for their `b`, their `a` open.
    a1 = Later(meet_a, node.port, "f1", "A1")
    a2 = Later(meet_a, node.port, "f2", "A2")
    i1 = until(lambda: meet_instance(uri, "f1"), 20)
    i2 = until(lambda: meet_instance(uri, "f2"), 20)
    if not ck.that(bool(i1 and i2), "fence: two instances stored"):
        return
    # Another owner at a new epoch, as if a node that found this one
    # dead had claimed it: 'ghost', alive for now (a heartbeat) but with
    # no address, so nothing can be forwarded to it.
    # (Its heartbeat is ahead: alive for longer than the node's tries.)
    psql_value(uri, "INSERT INTO bpelc_node (node_id, process, build,"
               " heartbeat) VALUES ('ghost', 'meet', 'none',"
               " now() + make_interval(secs => %d))" % (3 * timeout))
    psql_value(uri, "UPDATE bpelc_instance SET owner = 'ghost',"
               " epoch = epoch + 1 WHERE id = %s" % i1)
    # A second `a` for f1 waits in the instance's inbox: a write of a
    # live instance, refused. Not taken, it is handled again: the owner
    # cannot be reached, so after a few tries it is refused, 503.
    st, text = meet_a(node.port, "f1", "A1bis")
    ck.that(st == 503, "fence: the message in the refused write, not"
            " taken, gets 503 (%s)" % st)
    st, text = a1.get()
    ck.that(st == 502, "fence: the instance's earlier request, taken in a"
            " committed pass, gets 502 (%s)" % st)
    ck.that(node.alive(), "fence: the node is still up")
    log = log_of(node)
    ck.that(re.search(r"instance %s dropped here" % i1, log) is not None,
            "fence: the node dropped instance %s from memory" % i1)
    ck.that(len(re.findall(r"instance \d+ dropped here", log)) == 1,
            "fence: it dropped nothing else")
    st, _ = meet_b(node.port, "f2", "B2")
    ck.that(st == 202, "fence: the other instance takes its b (%s)" % st)
    st, text = a2.get()
    ck.that(st == 200 and ">B2<" in text,
            "fence: and answers its a on the same node (%s)" % st)
    # The moved instance's owner dies (its heartbeat gets old, and the
    # database's start-up grace of two node timeouts is over): the node
    # takes the instance back.
    until(lambda: psql_value(
        uri, "SELECT now() - pg_postmaster_start_time()"
        " > make_interval(secs => %d) AND now() - (SELECT heartbeat FROM"
        " bpelc_node WHERE node_id = 'ghost') > make_interval(secs => %d)"
        % (2 * timeout + 1, timeout + 1)) == "t", 4 * timeout + 5)
    st, _ = meet_b(node.port, "f1", "B1")
    ck.that(st == 202, "fence: the moved instance is taken back for its"
            " b (%s)" % st)
    done = until(lambda: re.search(r"instance %s completed" % i1,
                                   log_of(node)), 20)
    ck.that(bool(done), "fence: and completes")
    left = until(lambda: psql_value(
        uri, "SELECT count(*) FROM bpelc_instance") == "0", 10)
    ck.that(bool(left), "fence: no instance left")


def takeover(ck, f1, f2, uri):
    """A slow node (SIGSTOP) whose instance another node took over, and
    a message for it that the slow node gets when it resumes."""
    a3 = Later(meet_a, f1.port, "t1", "A3")
    i3 = until(lambda: meet_instance(uri, "t1"), 20)
    if not ck.that(bool(i3), "takeover: instance stored"):
        return
    f1.proc.send_signal(signal.SIGSTOP)
    moved = until(lambda: psql_value(
        uri, "SELECT owner FROM bpelc_instance WHERE id = %s" % i3)
        == f2.node_id, 30)
    ck.that(moved, "takeover: the other node took the instance over")
    b3 = Later(meet_b, f1.port, "t1", "B3")
    time.sleep(0.5)
    f1.proc.send_signal(signal.SIGCONT)
    st, _ = b3.get()
    ck.that(st == 202, "takeover: the message the slow node got, not"
            " taken there, reaches the new owner: 202 (%s)" % st)
    st, _ = a3.get()
    ck.that(st == 502, "takeover: the request taken before the pause gets"
            " 502 (%s)" % st)
    ck.that(f1.alive(), "takeover: the slow node is still up")
    ck.that(bool(until(lambda: re.search(r"instance %s completed" % i3,
                                         log_of(f2)), 20)),
            "takeover: the new owner completed the instance")
    ck.that(re.search(r"instance %s completed" % i3, log_of(f1)) is None
            or re.search(r"store: instance %s is owned by another node"
                         % i3, log_of(f1)) is not None,
            "takeover: the slow node's completion was refused")
    left = until(lambda: psql_value(
        uri, "SELECT count(*) FROM bpelc_instance") == "0", 10)
    ck.that(bool(left), "takeover: no instance left")


def unknown(ck, node, uri):
    k3, k4 = 201, 202
    for k in (k3, k4):
        st, _ = start(node.port, k)
        if not ck.that(st == 202, "unknown: start %d acknowledged (%s)"
                       % (k, st)):
            return
    i3 = instance_of(uri, k3)
    # Hold the row: the node's delete of it waits in the server.
    locker = subprocess.Popen(["psql", "-XAtq", uri], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True)
    locker.stdin.write("BEGIN;\nSELECT 1 FROM bpelc_instance WHERE id = %s"
                       " FOR UPDATE;\nSELECT pg_sleep(60);\n" % i3)
    locker.stdin.flush()
    until(lambda: psql_value(uri, "SELECT count(*) FROM pg_stat_activity"
                             " WHERE query LIKE '%%pg_sleep(60)%%'"
                             " AND pid <> pg_backend_pid()") == "1", 20)
    answer = {}

    def send():
        answer["v"] = finish(node.port, k3)
    t = threading.Thread(target=send)
    t.start()
    waiting = until(lambda: psql_value(
        uri, "SELECT pid FROM pg_stat_activity WHERE wait_event_type ="
        " 'Lock' AND pid <> pg_backend_pid() LIMIT 1"), 20)
    if not ck.that(bool(waiting), "unknown: the node's commit waits"):
        locker.kill()
        t.join()
        return
    psql_value(uri, "SELECT pg_terminate_backend(%s)" % waiting)
    t.join(60)
    st, text = answer.get("v", (None, "no answer"))
    ck.that(st == 502, "unknown: the finish in the lost commit gets 502"
            " (%s)" % st)
    # The lock goes; the node reconnects and reads the instance back.
    psql_value(uri, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
               " WHERE query LIKE '%pg_sleep(60)%'"
               " AND pid <> pg_backend_pid()")
    locker.kill()
    locker.wait()
    ck.that(node.alive(), "unknown: the node is still up")
    st, text = finish(node.port, k4)
    ck.that(finished_ok(st, text, k4),
            "unknown: another instance finishes meanwhile (%s)" % st)
    reloaded = until(lambda: re.search(
        r"instance %s reloaded from the database" % i3, log_of(node)), 20)
    ck.that(bool(reloaded), "unknown: instance %s reloaded" % i3)
    log = log_of(node)
    ck.that("outcome is unknown" in log, "unknown: logged as unknown")

    def again():
        st_, text_ = finish(node.port, k3)
        return (st_, text_) if st_ != 503 else None
    got = until(again, 20, 0.2) or (None, "503 throughout")
    ck.that(finished_ok(got[0], got[1], k3),
            "unknown: the reloaded instance finishes (%s)" % got[0])
    left = until(lambda: psql_value(
        uri, "SELECT count(*) FROM bpelc_instance") == "0", 10)
    ck.that(bool(left), "unknown: no instance left")


def race(ck, nodes, uri, trials):
    a_ok = b_ok = 0
    wrong = []
    n1, n2 = nodes
    for i in range(trials):
        key = "k%d-%d" % (i, int(time.time() * 1000) % 100000)
        # Alternate which node gets which half.
        na, nb = (n1, n2) if i % 2 == 0 else (n2, n1)
        barrier = threading.Barrier(2)
        res = {}

        def send_a():
            barrier.wait()
            res["a"] = post(na.port, "/meet", "urn:meet", "urn:meet:a",
                            "<tns:aRequest><tns:key>%s</tns:key><tns:token>"
                            "A%d</tns:token></tns:aRequest>" % (key, i))

        def send_b():
            barrier.wait()
            res["b"] = post(nb.port, "/meet", "urn:meet", "urn:meet:b",
                            "<tns:bRequest><tns:key>%s</tns:key><tns:token>"
                            "B%d</tns:token></tns:bRequest>" % (key, i))
        ts = [threading.Thread(target=send_a), threading.Thread(target=send_b)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(90)
        sa, ta = res.get("a", (None, ""))
        sb, _ = res.get("b", (None, ""))
        if sa == 200 and ">B%d<" % i in ta:
            a_ok += 1
        else:
            wrong.append((key, "a", sa, ta[:160]))
        if sb == 202:
            b_ok += 1
        else:
            wrong.append((key, "b", sb))
    logs = [log_of(n) for n in nodes]
    raced = sum(t.count("took its correlation value first") for t in logs)
    again = sum(len(re.findall(r"request \d+: handled again", t))
                for t in logs)
    completed = sum(len(re.findall(r"instance \d+ completed", t))
                    for t in logs)
    left = until(lambda: psql_value(
        uri, "SELECT count(*) FROM bpelc_instance") == "0" and "0", 10) \
        or psql_value(uri, "SELECT count(*) FROM bpelc_instance")
    print("fence: race: %d trials, a answered with b's token %d, b"
          " acknowledged %d, races lost %d, messages handed to the winner"
          " %d, instances completed %d, left in the database %s"
          % (trials, a_ok, b_ok, raced, again, completed, left))
    ck.that(not wrong, "race: every message answered correctly %s"
            % (wrong[:3] if wrong else ""))
    ck.that(completed == trials, "race: one instance completed per key"
            " (%d for %d keys)" % (completed, trials))
    ck.that(left == "0", "race: no instance left (%s)" % left)
    ck.that(all(n.alive() for n in nodes), "race: both nodes still up")
    return raced


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpelc", default="build/bpelc")
    ap.add_argument("--trials", type=int, default=20,
                    help="race trials (two nodes, one new key each)")
    ap.add_argument("--min-races", type=int, default=1,
                    help="fail unless at least this many races were lost"
                    " (the race path was taken)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bpelc-fence."))
    pgdir = Path(tempfile.mkdtemp(prefix="bpelc-fence-pg."))
    nodes = []
    ck = Checks()
    try:
        uri = sh_pg("start", pgdir)
        probe = work / "probe"
        meet = work / "meet"
        compile_to(a.bpelc, PROBE, probe)
        compile_to(a.bpelc, MEET, meet)
        # The fence node's timeout is short: the owner it finds dead
        # must be dead soon after the database started.
        fn = Node(0, meet, uri, 2, work)
        pn = Node(3, probe, uri, 10, work)
        nodes.extend([fn, pn])
        if not fn.start() or not pn.start():
            raise HarnessError("a node did not start")
        fence(ck, fn, uri, 2)
        fn2 = Node(4, meet, uri, 2, work)
        nodes.append(fn2)
        if not fn2.start():
            raise HarnessError("a node did not start")
        takeover(ck, fn, fn2, uri)
        fn.stop()
        fn2.stop()
        unknown(ck, pn, uri)
        pn.stop()
        pair = [Node(i + 1, meet, uri, 10, work) for i in range(2)]
        nodes.extend(pair)
        for m in pair:
            if not m.start():
                raise HarnessError("a meet node did not start")
        raced = race(ck, pair, uri, a.trials)
        ck.that(raced >= a.min_races, "race: the race path was taken %d"
                " times (at least %d)" % (raced, a.min_races))
    except HarnessError as e:
        print("fence: harness error: %s" % e)
        for n in nodes:
            n.kill()
        sh_pg("teardown", pgdir)
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(2)
    finally:
        for n in nodes:
            n.stop()
        if pgdir.exists():
            try:
                sh_pg("teardown", pgdir)
            except HarnessError:
                pass
    if ck.bad or a.keep:
        print("fence: work directory kept: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("fence: %s" % ("PASS" if not ck.bad else "FAIL (%d)" % len(ck.bad)))
    sys.exit(1 if ck.bad else 0)


if __name__ == "__main__":
    main()
