#!/usr/bin/env python3
"""Crash harness for durable instances (issue 9): real compiled services,
SIGKILLed at random moments and at the runtime's named crash points,
restarted on the same store, and checked after every round.

    python3 tests/crash/crash.py --bpelc build/crash/bpelc --rounds 50

Each round starts every service (one per process of tests/crash/processes,
plus bench/probe, plus the receive-invoke-reply process again with
`--resend rec`), drives new instances through them (and resumes idle probe
instances parked in earlier rounds), kills every service once, checks the
store with `PRAGMA integrity_check`, restarts it on the same store, lets
every instance of the round finish, checks the invariants (README.md) and
stops the services with SIGTERM. A client that got a 200 or a 202 holds an
acknowledged message; every one of them must be consumed, which the
instance's final answer proves (it names the numbers of the messages it
took). The recording partner (a thread here, its calls also appended to
partner.jsonl) answers work and note calls, holding some answers so calls
are in flight when a service dies.

Python 3 standard library only. It does not test the store's format or
its unit behaviour (tests/unit does), nor power loss (only process death).
"""

import argparse
import http.client
import http.server
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
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
NS = "urn:bpelc:crash"
NS_PROBE = "urn:bench"
HOLD = 500000            # a partner call with n >= HOLD is held
POINTS = ("mid-commit", "commit-unflushed", "after-commit",
          "invoke-started")
FAULT_NS = "http://bpelc.dev/faults"
SANITIZER_RE = re.compile(
    r"ERROR: (Address|Leak|Memory|Thread)Sanitizer|: runtime error: ")
ENV = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<soapenv:Envelope xmlns:soapenv='
       '"http://schemas.xmlsoap.org/soap/envelope/">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')

now = time.monotonic


class HarnessError(Exception):
    """The harness itself could not run (compile error, a service that
    does not start): exit 2."""


class Unacked(Exception):
    """A message got no acknowledgement (the service died under it)."""

    def __init__(self, msg, op="", runs=0):
        super().__init__(msg)
        self.op = op
        self.runs = runs      # the service's run it was sent to


# --------------------------------------------------------------------------
# the recording partner
# --------------------------------------------------------------------------


class Stalls:
    """A thread that sleeps 10 ms at a time and notes every time it woke
    more than 100 ms late: then the driver (and its partner thread) did
    not run, and the machine was too busy to judge timing by."""

    def __init__(self):
        self.lock = threading.Lock()
        self.spans = []
        threading.Thread(target=self.watch, daemon=True).start()

    def watch(self):
        while True:
            t = now()
            time.sleep(0.01)
            if now() - t > 0.1:
                with self.lock:
                    self.spans.append((t, now()))

    def overlap(self, t0, t1):
        with self.lock:
            return sum(max(0.0, min(b, t1) - max(a, t0))
                       for a, b in self.spans)


class Partner:
    """work(id, n) answers "w<n>"; note(id, n) is only recorded. Every call
    is recorded (in memory and appended to a file) with the time it
    arrived and the time its answer started to be written; calls with
    n >= HOLD are held a random while first."""

    def __init__(self, path, hold_max):
        self.lock = threading.Lock()
        self.calls = []
        self.file = open(path, "a", encoding="utf-8")
        self.hold_max = hold_max
        partner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length")
                                           or 0))
                partner.serve(self, body)

            def log_message(self, *a):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 512

            def handle_error(self, request, client_address):
                pass    # a service killed under its call: expected

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def serve(self, h, body):
        text = body.decode("utf-8", "replace")
        op = (h.headers.get("SOAPAction") or "").strip('"')
        mid = re.search(r"<(?:\w+:)?id>([^<]*)<", text)
        mn = re.search(r"<(?:\w+:)?n>\s*(-?\d+)\s*<", text)
        rec = {"op": op, "id": mid.group(1) if mid else "",
               "n": int(mn.group(1)) if mn else 0, "t": now(),
               "svc": h.path.rsplit("/", 1)[-1],
               "answered": None}
        with self.lock:
            rec["seq"] = len(self.calls)
            self.calls.append(rec)
            self.file.write(json.dumps(rec) + "\n")
            self.file.flush()
        if rec["n"] >= HOLD:
            time.sleep(random.uniform(0.05, self.hold_max))
        if op == "work":
            out = (ENV % ('<ans xmlns="%s">w%d</ans>' % (NS, rec["n"]))
                   ).encode()
        else:
            out = b""
        with self.lock:
            # From here on the service may have its answer: a kill taken
            # under this lock before this point proves it never did.
            rec["answered"] = now()
        try:
            h.send_response(200 if op == "work" else 202)
            h.send_header("Content-Type", "text/xml; charset=utf-8")
            h.send_header("Content-Length", str(len(out)))
            h.end_headers()
            h.wfile.write(out)
            h.wfile.flush()
        except OSError:
            pass

    def count(self, iid, op, n):
        with self.lock:
            return sum(1 for c in self.calls
                       if c["id"] == iid and c["op"] == op and c["n"] == n)

    def first(self, iid, op, n):
        with self.lock:
            for c in self.calls:
                if c["id"] == iid and c["op"] == op and c["n"] == n:
                    return c
        return None

    def calls_of(self, iid):
        with self.lock:
            return sum(1 for c in self.calls if c["id"] == iid)

    def unanswered(self):
        """Calls whose answer has not started: call with the lock held."""
        return [c for c in self.calls if c["answered"] is None]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.file.close()


# --------------------------------------------------------------------------
# services
# --------------------------------------------------------------------------


def free_port():
    try:
        return restartable_port()
    except OSError as e:
        raise HarnessError(str(e))


def tail(text, n=20):
    lines = text.rstrip("\n").splitlines()
    return "\n".join(lines[-n:])


class Service:
    """One compiled process served on a fixed port and store, started and
    killed many times. `up` is set while it serves; senders wait on it, so
    only the requests really in flight at a kill go unanswered."""

    def __init__(self, h, key, exe, store_args, extra, uses_rec):
        self.h = h
        self.key = key
        self.exe = exe
        self.port = free_port()
        self.store = h.work / (key + ".db")
        self.argv = [str(exe), "--listen", "127.0.0.1:%d" % self.port]
        if uses_rec:
            self.argv += ["--partner",
                          "rec=http://127.0.0.1:%d/rec/%s" % (h.partner.port, key)]
        self.argv += store_args(self.store) + extra
        self.resend = "--resend" in extra
        self.uses_rec = uses_rec
        self.proc = None
        self.runs = 0
        self.up = threading.Event()
        self.ups = []        # monotonic times it began to serve
        self.starts = []     # monotonic times it was started
        self.deaths = []     # monotonic times it was killed / found dead
        self.surely_interrupted = set()   # (id, op, n)
        self.plan = None
        self.err_path = None

    def start(self, env_extra=None):
        self.runs += 1
        self.err_path = self.h.logs / ("%s.%d.log" % (self.key, self.runs))
        env = dict(os.environ)
        env.pop("BRT_CRASH_AT", None)
        if env_extra:
            env.update(env_extra)
        with open(self.err_path, "wb") as err:
            err.write(("# %s %s\n" % (
                " ".join("%s=%s" % kv for kv in (env_extra or {}).items()),
                " ".join(self.argv))).encode())
            err.flush()
            self.starts.append(now())
            self.proc = subprocess.Popen(
                self.argv, cwd=self.h.work, stdin=subprocess.DEVNULL,
                stdout=err, stderr=err, env=env, start_new_session=True)

    def wait_listening(self, timeout=30.0, may_die=False):
        """Wait until it accepts connections. may_die: it runs with a
        crash point, which it may reach before it listens; then return
        None (the round sees the death)."""
        deadline = now() + timeout
        while now() < deadline:
            if self.proc.poll() is not None:
                if may_die and self.proc.returncode == -signal.SIGKILL:
                    return None
                raise HarnessError("%s exited with status %s before it "
                                   "listened\n%s" % (
                                       self.key, self.proc.returncode,
                                       tail(self.log_text())))
            try:
                with socket.create_connection(("127.0.0.1", self.port), 0.5):
                    t = now()
                    self.ups.append(t)
                    self.up.set()
                    return t
            except OSError:
                time.sleep(0.01)
        raise HarnessError("%s did not listen within %.0f s\n%s"
                           % (self.key, timeout, tail(self.log_text())))

    def log_text(self):
        try:
            return self.err_path.read_text(encoding="utf-8",
                                           errors="replace")
        except OSError:
            return ""

    def sigkill(self):
        """Kill now; the partner's lock is held from the snapshot of
        unanswered calls to the kill, so a call in that snapshot surely
        never reached the service with its answer."""
        with self.h.partner.lock:
            self.up.clear()
            pending = self.h.partner.unanswered()
            self.proc.kill()
            t = now()
        self.proc.wait()
        self.died(t, pending)

    def died(self, t, pending):
        self.deaths.append(t)
        for c in pending:
            if c["svc"] == self.key:
                self.surely_interrupted.add((c["id"], c["op"], c["n"]))

    def poll_died(self):
        """The service ended by itself (a crash point): True once seen."""
        if self.proc.poll() is None:
            return False
        with self.h.partner.lock:
            self.up.clear()
            pending = self.h.partner.unanswered()
            t = now()
        self.died(t, pending)
        return True

    def stop(self, timeout=30.0):
        """SIGTERM: must exit 0."""
        self.up.clear()
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None

    def last_start_before(self, t):
        """A restored timer may fire before the driver sees the port
        open, so lateness counts from the process's start."""
        starts = [u for u in self.starts if u <= t]
        return starts[-1] if starts else 0.0

    def died_between(self, t0, t1):
        return any(t0 <= d <= t1 for d in self.deaths)


# --------------------------------------------------------------------------
# instances: one script per process, run in a thread
# --------------------------------------------------------------------------


class Instance:
    def __init__(self, h, svc, kind, iid):
        self.h = h
        self.svc = svc
        self.kind = kind
        self.id = iid
        self.acked = 0
        self.state = "new"      # new, parked, done, unknown, failed
        self.t_created = None
        self.park_until = None
        self.gen = None

    # -- sending --

    def envelope(self, op, n):
        if self.kind == "probe":
            el = "startRequest" if op == "start" else "finishRequest"
            return ENV % ('<%s xmlns="%s">%s</%s>'
                          % (el, NS_PROBE, self.id, el))
        return ENV % ('<req xmlns="%s"><id>%s</id><n>%d</n></req>'
                      % (NS, self.id, n))

    def send(self, op, n, oneway):
        """Send; return (status, body text). Unacked when the service died
        under the request; a definite answer that is not an
        acknowledgement is returned for the caller to judge."""
        svc = self.svc
        if not svc.up.wait(120):
            raise HarnessError("%s not up for 120 s" % svc.key)
        action = ("urn:bench:" + op) if self.kind == "probe" else op
        body = self.envelope(op, n).encode()
        path = "/probe" if self.kind == "probe" else "/crash"
        runs = svc.runs
        conn = http.client.HTTPConnection("127.0.0.1", svc.port,
                                          timeout=self.h.opts.timeout)
        try:
            conn.request("POST", path, body=body, headers={
                "Content-Type": "text/xml; charset=utf-8",
                "SOAPAction": '"%s"' % action})
            resp = conn.getresponse()
            data = resp.read().decode("utf-8", "replace")
            status = resp.status
        except (OSError, http.client.HTTPException) as e:
            if isinstance(e, socket.timeout):
                raise Violation("%s: %s(%d) to %s: no answer within %.0f s"
                                % (self.id, op, n, svc.key,
                                   self.h.opts.timeout), lost=self.acked)
            # Died under us (or was already dying when we sent)? A
            # service that stays up must not drop a connection.
            deadline = now() + 5.0
            while svc.runs == runs and svc.up.is_set() and \
                    svc.proc.poll() is None:
                if now() > deadline:
                    raise Violation("%s: %s(%d): the connection failed "
                                    "while %s ran on: %s"
                                    % (self.id, op, n, svc.key, e),
                                    lost=self.acked)
                time.sleep(0.01)
            self.h.bump("unacked", 1)
            raise Unacked("%s: %s lost with the service (run %d): %s"
                          % (self.id, op, runs, e), op, runs)
        finally:
            conn.close()
        want = 202 if oneway else 200
        if status == want:
            self.acked += 1
            self.h.bump("acked")
        return status, data

    def ack(self, op, n, oneway):
        """send() that must be acknowledged: a definite refusal of a
        message to an instance that exists is a lost instance."""
        status, data = self.send(op, n, oneway)
        if status != (202 if oneway else 200):
            if status == 503:
                raise Unacked("%s: %s answered 503 (stopping)"
                              % (self.id, op), op, self.svc.runs)
            m = re.search(r"<faultstring>([^<]*)<", data)
            raise Violation("%s: %s(%d) refused with %d (%s) after %d "
                            "acknowledged message(s): the instance is lost"
                            % (self.id, op, n, status,
                               m.group(1) if m else tail(data, 3),
                               self.acked), lost=self.acked)
        return data

    def poke(self, p):
        """A one-way poke (never the creating message) with a client's
        retry: unacknowledged, it is sent once more with the same number
        after the restart. Taken twice, the copy waits in the inbox and
        is dropped when the instance ends; not taken, the copy is; so the
        answer is the same either way, and a refusal means the instance
        is lost."""
        try:
            return self.ack("poke", p, True)
        except Unacked as u:
            self.wait_restarted(u.runs)
            self.h.bump("client retries")
            return self.ack("poke", p, True)

    def wait_restarted(self, runs):
        """Until the service that died under run `runs` serves again."""
        deadline = now() + 120
        while self.svc.runs == runs and now() < deadline:
            time.sleep(0.01)
        if not self.svc.up.wait(max(0.0, deadline - now())):
            raise HarnessError("%s not up again for 120 s" % self.svc.key)

    def create(self, op, n, oneway, wait_s):
        """ack() of the message that creates the instance. When it went
        unacknowledged (the service died under it) it may still have
        been taken: a call of this instance to the partner, seen within
        wait_s of the service being up again, proves the instance was
        committed (nothing leaves before its state), so it is driven on
        and must complete. Returns None then."""
        try:
            return self.ack(op, n, oneway)
        except Unacked as u:
            self.wait_restarted(u.runs)
            deadline = now() + wait_s
            while True:
                if self.h.partner.calls_of(self.id):
                    self.h.bump("known_by_call")
                    self.acked += 1
                    return None
                if now() >= deadline:
                    raise
                time.sleep(0.02)

    def ans(self, data):
        m = re.search(r"<(?:[\w-]+:)?(?:ans|finishResponse)[^>]*>([^<]*)<",
                      data)
        if not m:
            raise Violation("%s: an answer without a result:\n%s"
                            % (self.id, tail(data, 5)), lost=self.acked)
        return m.group(1)

    def expect(self, got, want):
        if got != want:
            raise Violation("%s: answered %r, want %r: an acknowledged "
                            "message was not consumed (or twice)"
                            % (self.id, got, want), lost=self.acked)


class Violation(Exception):
    def __init__(self, msg, lost=0):
        super().__init__(msg)
        self.lost = lost


def rnd_n(hold_p=0.0):
    n = random.randint(1, 99999)
    if random.random() < hold_p:
        n += HOLD
    return n


def pause(a=0.0, b=0.3):
    time.sleep(random.uniform(a, b))


# Each script is a function(instance) run in its own thread. It raises
# Unacked (the instance's fate is unknown from then on), Violation, or
# returns when the instance has completed and its answer proved what it
# consumed. It checks the partner calls of its invokes through
# `check_outcome(inst, op, n, ok)`.


def check_outcome(inst, op, n, ok):
    """One invoke of inst that the answer says completed (ok) or faulted
    with invokeInterrupted (not ok): the partner's record must agree."""
    h, svc = inst.h, inst.svc
    calls = h.partner.count(inst.id, op, n)
    h.bump("invokes", 1)
    if svc.resend:
        if not ok:
            raise Violation("%s: %s(%d) faulted invokeInterrupted although "
                            "its link is --resend" % (inst.id, op, n))
        if calls < 1:
            raise Violation("%s: %s(%d) completed but the partner never saw "
                            "it" % (inst.id, op, n))
        h.bump("resent", calls - 1)
        if (inst.id, op, n) in svc.surely_interrupted and calls < 2:
            raise Violation("%s: %s(%d) was in flight at a kill but was not "
                            "sent again (--resend)" % (inst.id, op, n))
        return
    if calls > 1:
        # (counted among the duplicates by check_partner_calls)
        raise Violation("%s: the partner got %s(%d) %d times (at most once "
                        "without --resend)" % (inst.id, op, n, calls))
    if ok:
        if calls != 1:
            raise Violation("%s: %s(%d) completed but the partner got it %d "
                            "times" % (inst.id, op, n, calls))
        if (inst.id, op, n) in svc.surely_interrupted:
            raise Violation("%s: %s(%d) was in flight at a kill, its answer "
                            "never reached the service, yet it completed "
                            "instead of faulting invokeInterrupted"
                            % (inst.id, op, n))
    else:
        h.bump("interrupted", 1)
        if not svc.died_between(inst.t_created, now()):
            raise Violation("%s: %s(%d) faulted invokeInterrupted without a "
                            "crash" % (inst.id, op, n))


def check_timer(inst, t_send, t_ack, ms, note_n, t_answer):
    """A timer of `ms` armed between t_send and t_ack: it fired (the
    note's arrival) never before t_send + ms and at most max-late after
    max(t_ack + ms, the service's last start before it fired)."""
    h = inst.h
    lo = t_send + ms / 1000.0
    if t_answer < lo:
        raise Violation("%s: answered %.3f s before its timer could fire"
                        % (inst.id, lo - t_answer))
    c = h.partner.first(inst.id, "note", note_n)
    if c is None:
        return
    if c["t"] < lo - 0.001:
        raise Violation("%s: timer of %d ms fired %.3f s early"
                        % (inst.id, ms, lo - c["t"]))
    ref = max(t_ack + ms / 1000.0, inst.svc.last_start_before(c["t"]))
    late = max(0.0, c["t"] - ref)
    h.bump("timers", 1)
    with h.vlock:
        if late > h.stats["max_late"]:
            h.stats["max_late"] = late
            h.worst_late = "%s (timer %d ms, acknowledged %.3f, " \
                "service started %.3f, fired %.3f)" % (
                    inst.id, ms, t_ack, inst.svc.last_start_before(c["t"]),
                    c["t"])
    if late > h.opts.max_late:
        # The partner's clock is the driver's: when the driver itself was
        # stalled (a starved machine), the note's arrival says nothing of
        # the timer. Lateness beyond what the stalls explain still fails.
        stalled = h.stalls.overlap(ref, c["t"])
        if late - stalled <= h.opts.max_late:
            h.bump("timers not judged")
            return
        raise Violation("%s: timer of %d ms fired %.3f s late (limit %.1f s)"
                        % (inst.id, ms, late, h.opts.max_late))


def script_probe(inst):
    inst.ack("start", 0, True)
    inst.park_until = inst.h.round + random.choice((0, 0, 1, 2, 3))
    yield "park"
    inst.expect(inst.ans(inst.ack("finish", 0, False)), str(inst.id))


def script_wait(inst):
    ms = random.randint(100, 700)
    t_send = now()
    inst.create("start", ms, True, ms / 1000.0 + 2.0)
    t_ack = now()
    deadline = t_ack + ms / 1000.0
    # Wait for the note; if a kill interrupted it there is none.
    while now() < deadline + 2.0 and \
            inst.h.partner.first(inst.id, "note", 1) is None:
        time.sleep(0.02)
    m = rnd_n()
    got = inst.ans(inst.ack("finish", m, False))
    t_ans = now()
    if got == "fired%d" % m:
        check_outcome(inst, "note", 1, True)
    elif got == "interrupted%d" % m:
        check_outcome(inst, "note", 1, False)
    else:
        inst.expect(got, "fired%d" % m)
    check_timer(inst, t_send, t_ack, ms, 1, t_ans)


def script_pick(inst):
    if random.random() < 0.5:
        inst.ack("start", 600000, True)      # the alarm never wins
        pause()
        p = rnd_n()
        inst.poke(p)
        pause()
        m = rnd_n()
        inst.expect(inst.ans(inst.ack("finish", m, False)), "p%d/%d" % (p, m))
        return
    ms = random.randint(100, 700)
    t_send = now()
    inst.create("start", ms, True, ms / 1000.0 + 2.0)
    t_ack = now()
    while now() < t_ack + ms / 1000.0 + 2.0 and \
            inst.h.partner.first(inst.id, "note", 2) is None:
        time.sleep(0.02)
    m = rnd_n()
    got = inst.ans(inst.ack("finish", m, False))
    t_ans = now()
    if got == "a/%d" % m:
        check_outcome(inst, "note", 2, True)
    elif got == "ai/%d" % m:
        check_outcome(inst, "note", 2, False)
    else:
        inst.expect(got, "a/%d" % m)
    check_timer(inst, t_send, t_ack, ms, 2, t_ans)


def script_flow(inst):
    s, p, c, m = rnd_n(), rnd_n(), rnd_n(), rnd_n()
    inst.ack("start", s, True)
    steps = [("poke", p), ("call", c)]
    random.shuffle(steps)
    for op, n in steps:
        pause()
        if op == "poke":
            inst.poke(p)
        else:
            inst.expect(inst.ans(inst.ack("call", c, False)), "c%d" % c)
    pause()
    inst.expect(inst.ans(inst.ack("finish", m, False)),
                "s%dp%dc%d/%d" % (s, p, c, m))


def script_rir(inst):
    n = rnd_n(0.5)
    data = inst.create("call", n, False, 2.0)
    if data is not None:
        got = inst.ans(data)
        if got not in ("w%d" % n, "x"):
            inst.expect(got, "w%d" % n)
    pause()
    m = rnd_n()
    got = inst.ans(inst.ack("finish", m, False))
    if got == "w%d/%d" % (n, m):
        check_outcome(inst, "work", n, True)
    elif got == "x/%d" % m:
        check_outcome(inst, "work", n, False)
    else:
        inst.expect(got, "w%d/%d" % (n, m))


def script_oneway(inst):
    n = rnd_n(0.5)
    inst.create("start", n, True, 2.0)
    pause(0.0, 0.6)
    m = rnd_n()
    got = inst.ans(inst.ack("finish", m, False))
    if got == "ok%d/%d" % (n, m):
        check_outcome(inst, "note", n, True)
    elif got == "x%d/%d" % (n, m):
        check_outcome(inst, "note", n, False)
    else:
        inst.expect(got, "ok%d/%d" % (n, m))


def script_comp(inst):
    s, p, m = rnd_n(), rnd_n(), rnd_n()
    inst.ack("start", s, True)
    pause()
    inst.poke(p)
    pause()
    inst.expect(inst.ans(inst.ack("finish", m, False)),
                "s%dq%du%d/%d" % (s, p, s, m))


def script_foreach(inst):
    n = random.randint(1, 9999) * 10
    if random.random() < 0.5:
        n += HOLD
    inst.create("start", n, True, 2.0)
    pause(0.0, 0.6)
    m = rnd_n()
    got = inst.ans(inst.ack("finish", m, False))
    body, _, tailm = got.rpartition("/")
    if tailm != str(m):
        inst.expect(got, "...;/%d" % m)
    entries = [e for e in body.split(";") if e]
    seen = {}
    for e in entries:
        k, _, r = e.partition("=")
        if k in seen or k not in ("1", "2", "3") or \
                r not in ("w%d" % (n + int(k)), "x"):
            inst.expect(got, "k=w<n+k>|x; for k = 1..3 once each")
        seen[k] = r
    if len(seen) != 3:
        inst.expect(got, "three branches")
    for k, r in sorted(seen.items()):
        check_outcome(inst, "work", n + int(k), r != "x")


def script_early(inst):
    s, c, p, m = rnd_n(), rnd_n(), rnd_n(), rnd_n()
    inst.ack("start", s, True)
    inst.poke(p)          # before its receive: waits
    pause()
    inst.expect(inst.ans(inst.ack("call", c, False)), "c%d" % c)
    pause()
    inst.expect(inst.ans(inst.ack("finish", m, False)),
                "s%dc%dp%d/%d" % (s, c, p, m))


def as_generator(script, inst):
    """Every script runs as a generator (only the probe's yields, to
    park), lazily: in its instance's thread."""
    r = script(inst)
    if r is not None:
        yield from r


# key: (process file relative to ROOT, script, new instances per round,
#       service options, uses the partner)
KINDS = {
    "probe": ("bench/probe/probe.bpel", script_probe, 8, [], False),
    "wait": ("tests/crash/processes/wait.bpel", script_wait, 3, [], True),
    "pick": ("tests/crash/processes/pick.bpel", script_pick, 3, [], True),
    "flow": ("tests/crash/processes/flow.bpel", script_flow, 3, [], False),
    "rir": ("tests/crash/processes/rir.bpel", script_rir, 4, [], True),
    "rir-resend": ("tests/crash/processes/rir.bpel", script_rir, 3,
                   ["--resend", "rec"], True),
    "oneway": ("tests/crash/processes/oneway.bpel", script_oneway, 3, [],
               True),
    "comp": ("tests/crash/processes/comp.bpel", script_comp, 3, [], False),
    "foreach": ("tests/crash/processes/foreach.bpel", script_foreach, 2, [],
                True),
    "early": ("tests/crash/processes/early.bpel", script_early, 3, [], False),
}


# --------------------------------------------------------------------------
# the harness
# --------------------------------------------------------------------------


class Harness:
    def __init__(self, opts):
        self.opts = opts
        self.work = Path(tempfile.mkdtemp(prefix="bpelc-crash-",
                                          dir=opts.tmp))
        self.logs = self.work / "logs"
        self.logs.mkdir()
        self.partner = Partner(self.work / "partner.jsonl", opts.hold_max)
        self.stalls = Stalls()
        self.round = 0
        self.stats = {"acked": 0, "unacked": 0, "lost": 0, "duplicates": 0,
                      "resent": 0, "invokes": 0, "interrupted": 0,
                      "timers": 0, "max_late": 0.0, "completed": 0,
                      "unknown": 0, "known_by_call": 0, "instances": 0,
                      "restored": 0, "max_restore": 0.0,
                      "long downtimes": 0, "client retries": 0,
                      "timers not judged": 0}
        self.kills = {"random": 0}
        for p in POINTS:
            self.kills[p] = 0
        self.kills["point not reached"] = 0
        self.kills["during restart"] = 0
        self.violations = []
        self.vlock = threading.RLock()
        self.services = {}
        self.instances = []
        self.next_probe = 1
        self.worst_late = ""
        self.reported_dups = set()
        self.unknown_by = {}
        self.points = False

    def bump(self, key, n=1):
        with self.vlock:
            self.stats[key] += n

    def say(self, msg):
        print("crash: " + msg, flush=True)

    # -- set-up --

    def compile(self):
        exes = {}
        for key, (bpel, _, _, _, _) in KINDS.items():
            if bpel in exes:
                continue
            out = self.work / ("bin-" + Path(bpel).stem)
            p = subprocess.run([self.opts.bpelc, "-o", str(out),
                                str(ROOT / bpel)], capture_output=True,
                               stdin=subprocess.DEVNULL)
            err = p.stderr.decode("utf-8", "replace")
            if p.returncode != 0 or SANITIZER_RE.search(err):
                raise HarnessError("bpelc %s: exit %d\n%s"
                                   % (bpel, p.returncode, tail(err)))
            exes[bpel] = out
        return exes

    def store_args_for(self, exe):
        """What the harness passes to choose the store; None when the
        service has no store option at all."""
        p = subprocess.run([str(exe), "--help"], capture_output=True)
        text = (p.stdout + p.stderr).decode("utf-8", "replace")
        if "--store" not in text:
            return None
        if self.opts.store == "none":
            return lambda path: ["--store", "none"]
        return lambda path: ["--store", str(path), "--sync", self.opts.sync]

    def setup(self):
        exes = self.compile()
        any_exe = next(iter(exes.values()))
        store_args = self.store_args_for(any_exe)
        if store_args is None:
            self.say("the services have no --store option: running them "
                     "in memory (a kill loses instances)")
            store_args = lambda path: []  # noqa: E731
        self.durable = self.opts.store != "none" and \
            "--store" in subprocess.run(
                [str(any_exe), "--help"],
                capture_output=True).stdout.decode()
        # A service has the crash points when its executable reads
        # BRT_CRASH_AT (a CRASH=1 build that links the code with them).
        self.points = {bpel for bpel, exe in exes.items()
                       if b"BRT_CRASH_AT" in exe.read_bytes()}
        if not self.points:
            self.say("no crash points compiled in (make BUILD=build/crash "
                     "CRASH=1): random kills only")
        for key, (bpel, _, _, extra, uses_rec) in KINDS.items():
            if extra and not self.durable:
                continue      # --resend comes with the store
            self.services[key] = Service(self, key, exes[bpel], store_args,
                                         extra, uses_rec)
            self.services[key].points = bpel in self.points

    # -- one round --

    def plan(self, svc):
        if svc.points and random.random() < 0.6:
            # invoke-started only where the process calls a partner.
            point = random.choice(POINTS if svc.uses_rec else POINTS[:3])
            n = random.randint(1, 4)
            return ("point", point, n)
        return ("random", random.uniform(0.05, self.opts.window))

    def run_instance(self, inst, gen, delay):
        try:
            time.sleep(delay)
            for step in gen:
                if step == "park":
                    inst.state = "parked"
                    return
            inst.state = "done"
            self.bump("completed", 1)
        except Unacked as u:
            inst.state = "unknown"
            self.bump("unknown", 1)
            with self.vlock:
                k = "%s:%s" % (inst.svc.key, u.op)
                self.unknown_by[k] = self.unknown_by.get(k, 0) + 1
        except Violation as v:
            inst.state = "failed"
            with self.vlock:
                self.bump("lost", v.lost)
                self.violations.append("round %d: %s: %s"
                                       % (self.round, inst.svc.key, v))
        except HarnessError as e:
            inst.state = "failed"
            with self.vlock:
                self.violations.append("round %d: harness: %s"
                                       % (self.round, e))

    def launch(self, inst, gen, threads, delay=0.0):
        t = threading.Thread(target=self.run_instance,
                             args=(inst, gen, delay),
                             daemon=True)
        t.start()
        threads.append(t)

    def new_instances(self, threads):
        for key, (_, script, count, _, _) in KINDS.items():
            svc = self.services.get(key)
            if svc is None:
                continue
            for i in range(count):
                if key == "probe":
                    iid = self.next_probe
                    self.next_probe += 1
                else:
                    iid = "%s-%d-%d" % (key, self.round, i)
                inst = Instance(self, svc, key, iid)
                inst.t_created = now()
                inst.gen = as_generator(script, inst)
                self.instances.append(inst)
                self.bump("instances", 1)
                # Spread over the kill window, so kills find instances
                # in every state.
                self.launch(inst, inst.gen, threads,
                            random.uniform(0, self.opts.window * 0.8))

    def resume_parked(self, threads, everything=False):
        for inst in self.instances:
            if inst.state == "parked" and (everything or
                                           inst.park_until <= self.round):
                inst.state = "resumed"
                self.launch(inst, inst.gen, threads,
                            random.uniform(0, self.opts.window * 0.8))

    def integrity(self, svc):
        if not svc.store.exists():
            return
        try:
            con = sqlite3.connect("file:%s?mode=ro" % svc.store, uri=True,
                                  timeout=5)
            try:
                res = con.execute("PRAGMA integrity_check").fetchall()
            finally:
                con.close()
        except sqlite3.Error as e:
            res = [("cannot check: %s" % e,)]
        if res != [("ok",)]:
            self.fail_now("round %d: %s: PRAGMA integrity_check: %s"
                          % (self.round, svc.key, res))

    def check_partner_calls(self):
        """At most one call per invoke (id, operation, number) from every
        service without --resend, whatever became of its instance (the
        unknown ones included)."""
        seen = {}
        with self.partner.lock:
            for c in self.partner.calls:
                k = (c["svc"], c["id"], c["op"], c["n"])
                seen[k] = seen.get(k, 0) + 1
        for (key, iid, op, n), count in sorted(seen.items()):
            svc = self.services.get(key)
            if count > 1 and svc is not None and not svc.resend and \
                    (key, iid, op, n) not in self.reported_dups:
                self.reported_dups.add((key, iid, op, n))
                self.bump("duplicates", count - 1)
                self.fail_now("round %d: %s: %s: the partner got %s(%d) "
                              "%d times (at most once without --resend)"
                              % (self.round, key, iid, op, n, count))

    def restored(self, svc):
        """The service's own account of its recovery (runtime/main.c's
        start-up line), for the summary."""
        m = re.search(r"(\d+) instances? restored in ([\d.]+) s",
                      svc.log_text())
        if m:
            with self.vlock:
                self.stats["restored"] += int(m.group(1))
                self.stats["max_restore"] = max(self.stats["max_restore"],
                                                float(m.group(2)))

    def check_log(self, svc):
        text = svc.log_text()
        m = SANITIZER_RE.search(text)
        if m:
            self.fail_now("round %d: %s: sanitizer report in %s\n%s"
                          % (self.round, svc.key, svc.err_path,
                             tail(text[m.start():], 30)))

    def fail_now(self, msg):
        with self.vlock:
            self.violations.append(msg)

    def one_round(self, kill=True, final=False):
        self.round += 1
        svcs = list(self.services.values())
        plans = {}
        for svc in svcs:
            plans[svc.key] = self.plan(svc) if kill else None
            p = plans[svc.key]
            env = {"BRT_CRASH_AT": "%s:%d" % (p[1], p[2])} \
                if p and p[0] == "point" else None
            svc.start(env)
        for svc in svcs:
            svc.wait_listening(may_die=plans[svc.key] is not None and
                               plans[svc.key][0] == "point")
        threads = []
        t0 = now()
        if not final:
            self.new_instances(threads)
        self.resume_parked(threads, everything=final)
        pending = {s.key for s in svcs} if kill else set()
        give_up = t0 + self.opts.window + 1.0
        while pending:
            t = now()
            for svc in svcs:
                if svc.key not in pending:
                    continue
                p = plans[svc.key]
                killed = None
                if p[0] == "random" and t >= t0 + p[1]:
                    svc.sigkill()
                    killed = "random"
                elif p[0] == "point":
                    if svc.poll_died():
                        rc = svc.proc.returncode
                        if rc != -signal.SIGKILL:
                            self.fail_now("round %d: %s died with status %s "
                                          "at crash point %s, not SIGKILL\n%s"
                                          % (self.round, svc.key, rc, p[1],
                                             tail(svc.log_text())))
                        killed = p[1]
                    elif t >= give_up:
                        svc.sigkill()
                        killed = "point not reached"
                if killed:
                    self.kills[killed] += 1
                    pending.discard(svc.key)
                    self.check_log(svc)
                    self.integrity(svc)
                    if random.random() < 0.2:
                        # Down for a while: deadlines pass meanwhile and
                        # must fire at once after the restart.
                        time.sleep(random.uniform(0.2, 0.8))
                        self.bump("long downtimes")
                    svc.start()
                    if random.random() < 0.15:
                        # Killed again while it recovers (or just
                        # after): recovery must be repeatable.
                        time.sleep(random.uniform(0, 0.03))
                        svc.sigkill()
                        self.kills["during restart"] += 1
                        self.check_log(svc)
                        self.integrity(svc)
                        svc.start()
                    svc.wait_listening()
                    self.restored(svc)
            time.sleep(0.005)
        deadline = now() + self.opts.drain
        for t in threads:
            t.join(max(0.1, deadline - now()))
        alive = sum(1 for t in threads if t.is_alive())
        if alive:
            self.fail_now("round %d: %d instance(s) still running %.0f s "
                          "after the round began (a lost instance whose "
                          "next message waits?)" % (self.round, alive,
                                                    self.opts.drain))
        self.check_partner_calls()
        for svc in svcs:
            rc = svc.stop()
            if rc != 0:
                self.fail_now("round %d: %s: SIGTERM -> exit status %s "
                              "(want 0)\n%s" % (self.round, svc.key, rc,
                                                tail(svc.log_text())))
            self.check_log(svc)

    # -- summary --

    def summary(self):
        s = self.stats
        kills = sum(self.kills.values())
        by = ", ".join("%s %d" % (k, v) for k, v in self.kills.items() if v)
        print("crash summary: rounds %d, kills %d (%s)" % (
            self.round, kills, by or "none"))
        print("crash summary: instances %d (completed %d, unknown after an "
              "unacknowledged message %d), acknowledged messages %d, "
              "unacknowledged %d" % (s["instances"], s["completed"],
                                     s["unknown"], s["acked"], s["unacked"]))
        print("crash summary: lost %d, duplicates %d, partner invokes "
              "checked %d (interrupted %d, resent %d), instances known by "
              "their partner call although their first message went "
              "unacknowledged %d, pokes sent again %d" % (
                  s["lost"], s["duplicates"], s["invokes"], s["interrupted"],
                  s["resent"], s["known_by_call"], s["client retries"]))
        print("crash summary: timers checked %d, max lateness %.3f s "
              "(limit %.1f s; %d late ones not judged: the driver was "
              "stalled as long); restarts after a kill restored %d "
              "instances (slowest restore %.3f s), %d restarts after a "
              "downtime" % (s["timers"], s["max_late"], self.opts.max_late,
                            s["timers not judged"], s["restored"],
                            s["max_restore"], s["long downtimes"]))
        if self.unknown_by:
            print("crash summary: unknown instances by service:message "
                  "in flight: " + ", ".join(
                      "%s %d" % kv for kv in sorted(self.unknown_by.items())))
        if self.worst_late:
            print("crash summary: the latest timer: " + self.worst_late)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpelc", required=True)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--store", choices=("file", "none"), default="file",
                    help="none: run the services with --store none, which "
                    "must lose messages (checks that the harness fails)")
    ap.add_argument("--expect-loss", action="store_true",
                    help="succeed only if messages were lost (use with "
                    "--store none)")
    ap.add_argument("--sync", default="normal", choices=("normal", "full"))
    ap.add_argument("--window", type=float, default=1.0,
                    help="seconds of traffic in which a random kill falls")
    ap.add_argument("--drain", type=float, default=45.0,
                    help="seconds a round may take to finish its instances")
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for one answer")
    ap.add_argument("--hold-max", type=float, default=0.8,
                    help="longest time the partner holds an answer")
    ap.add_argument("--max-late", type=float, default=1.0)
    ap.add_argument("--no-kill", action="store_true",
                    help="kill nothing (checks the processes and the "
                    "checks themselves)")
    ap.add_argument("--quiet", action="store_true",
                    help="print at most 3 violations")
    ap.add_argument("--keep", action="store_true",
                    help="keep the store and logs even when all is well")
    ap.add_argument("--tmp", default=None, help="where the work folder goes")
    opts = ap.parse_args()
    opts.bpelc = str(Path(opts.bpelc).resolve())
    seed = opts.seed if opts.seed is not None else random.randrange(1 << 30)
    random.seed(seed)
    h = Harness(opts)
    h.say("seed %d, work folder %s" % (seed, h.work))
    rc = 0
    try:
        h.setup()
        for _ in range(opts.rounds):
            h.one_round(kill=not opts.no_kill)
            if h.violations and not opts.expect_loss:
                break
        if not h.violations:
            h.one_round(kill=False, final=True)   # finish parked ones
    except HarnessError as e:
        h.say("cannot run: %s" % e)
        rc = 2
    finally:
        for svc in h.services.values():
            if svc.proc and svc.proc.poll() is None:
                svc.proc.kill()
                svc.proc.wait()
        h.partner.stop()
    h.summary()
    if rc == 0:
        shown = 3 if opts.quiet else 20
        for v in h.violations[:shown]:
            print("VIOLATION " + v.replace("\n", "\n    "))
        if len(h.violations) > shown:
            print("... %d more violations" % (len(h.violations) - shown))
        if opts.expect_loss:
            if h.stats["lost"] > 0:
                h.say("lost %d acknowledged messages, as expected without "
                      "a store: the harness sees losses" % h.stats["lost"])
            else:
                h.say("FAILED: nothing lost although the services kept no "
                      "store: the harness does not see losses")
                rc = 1
        elif h.violations:
            rc = 1
    if rc != 0 or opts.keep:
        h.say("kept the stores, logs and partner record in %s" % h.work)
    else:
        shutil.rmtree(h.work, ignore_errors=True)
    h.say("PASSED" if rc == 0 else "FAILED (seed %d)" % seed)
    return rc


if __name__ == "__main__":
    sys.exit(main())
