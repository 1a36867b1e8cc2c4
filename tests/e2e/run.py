#!/usr/bin/env python3
"""End-to-end test runner for bpelc (Python 3 standard library only).

Every folder with a `scenario` file (or `*.scenario` files) under
tests/e2e/ and samples/ is a test case: the runner compiles the case's
process with bpelc, starts it on a free loopback port with --listen, starts
the partners the scenario names first and wires them with --partner, plays
the scenario's requests, checks each answer, and finally sends SIGTERM and
expects exit status 0. Scenarios can also drive the compiler alone
(diagnostics, exit codes, deterministic output).

The scenario language is documented in tests/e2e/README.md.

This runner does not check BPEL semantics beyond what the scenarios say,
and it never talks to anything but 127.0.0.1.

    python3 tests/e2e/run.py --bpelc build/bpelc [--only REGEX] [--jobs N]
                             [--timeout S] [--keep] [--verbose] [DIR...]
"""

import argparse
import concurrent.futures
import http.client
import http.server
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NS_SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
COMPILE_TIMEOUT = 300   # s: bpelc + cc, generous for sanitizer builds
START_TIMEOUT = 20.0    # s until a service accepts connections
STOP_TIMEOUT = 20.0     # s between SIGTERM and exit
CLIENT_TIMEOUT = 300    # s: a `client` step (load under sanitizers is slow)
# Sanitizer reports that fail a test even if the exit status was 0.
# What the runtime logs where an invariant broke (runtime/internal.h).
BUG_RE = re.compile(r"\(bug\)")
SANITIZER_RE = re.compile(
    r"ERROR: (Address|Leak|Memory|Thread)Sanitizer|: runtime error: ")


class Failure(Exception):
    """A check in a scenario failed; the message says which and why."""


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(text, n=25):
    lines = text.rstrip("\n").splitlines()
    if len(lines) > n:
        lines = ["[... %d lines cut ...]" % (len(lines) - n)] + lines[-n:]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# scenario parsing
# --------------------------------------------------------------------------


class Step:
    """One line of a scenario (plus the `expect` line that follows it)."""

    def __init__(self, lineno, kind, args):
        self.lineno = lineno
        self.kind = kind
        self.args = args
        self.expect = None   # (status alternatives, [(negate, regex)])


def parse_expect(rest, lineno, where):
    """`expect STATUS [/re/ | !/re/ ...]`; for bpelc: `expect exit N|M ...`.
    Regexes are delimited by slashes; write \\/ for a slash inside."""
    rest = rest.strip()
    m = re.match(r"(exit\s+)?(\S+)", rest)
    if not m:
        raise Failure("%s:%d: expect needs a status" % (where, lineno))
    is_exit = bool(m.group(1))
    alts = m.group(2).split("|")
    pos = m.end()
    regexes = []
    while pos < len(rest):
        if rest[pos].isspace():
            pos += 1
            continue
        negate = False
        if rest.startswith("!/", pos):
            negate = True
            pos += 1
        if rest[pos] != "/":
            raise Failure("%s:%d: expected /regex/ at '%s'"
                          % (where, lineno, rest[pos:]))
        pos += 1
        buf = []
        while pos < len(rest) and rest[pos] != "/":
            if rest[pos] == "\\" and pos + 1 < len(rest) and rest[pos + 1] == "/":
                buf.append("/")
                pos += 2
                continue
            if rest[pos] == "\\" and pos + 1 < len(rest):
                buf.append(rest[pos:pos + 2])
                pos += 2
                continue
            buf.append(rest[pos])
            pos += 1
        if pos >= len(rest):
            raise Failure("%s:%d: unterminated /regex/" % (where, lineno))
        pos += 1
        try:
            regexes.append((negate, re.compile("".join(buf), re.S)))
        except re.error as e:
            raise Failure("%s:%d: bad regex: %s" % (where, lineno, e))
    return is_exit, alts, regexes


HTTP_KINDS = ("POST", "GET", "RAW")
# Steps whose expect line is `expect exit CODES`: the compiler, and a
# client program of the case's own run against the service.
EXIT_KINDS = ("bpelc", "client")
ACTION_KINDS = HTTP_KINDS + EXIT_KINDS


class Scenario:
    def __init__(self, path, name):
        self.path = path
        self.dir = path.parent
        self.name = name
        self.process = None
        self.ode = None  # (DIR, NAME): the process under test is NAME of
        #                  `bpelc --ode DIR` (an Apache ODE deployment unit)
        self.args = []
        self.partners = []    # (link, kind, file, urlpath, extra)
        self.steps = []
        self.xfail = None     # reason, when the case is known to fail
        self.parse()

    def parse(self):
        where = str(self.path.relative_to(ROOT)) if self.path.is_relative_to(ROOT) else str(self.path)
        lines = self.path.read_text(encoding="utf-8").splitlines()
        i = 0
        pending = None
        while i < len(lines):
            lineno = i + 1
            line = lines[i]
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1] + lines[i]
            i += 1
            s = line.strip()
            if not s or s.startswith("#"):
                continue
            word, _, rest = s.partition(" ")
            if word == "expect":
                if pending is None or pending.expect is not None:
                    raise Failure("%s:%d: expect without a request before it"
                                  % (where, lineno))
                is_exit, alts, regexes = parse_expect(rest, lineno, where)
                if is_exit != (pending.kind in EXIT_KINDS):
                    raise Failure("%s:%d: use 'expect exit N' after bpelc and "
                                  "'expect STATUS' after a request"
                                  % (where, lineno))
                pending.expect = (alts, regexes)
                continue
            if pending is not None and pending.expect is None:
                raise Failure("%s:%d: line %d has no expect line"
                              % (where, lineno, pending.lineno))
            pending = None
            try:
                args = shlex.split(rest)
            except ValueError as e:
                raise Failure("%s:%d: %s" % (where, lineno, e))
            if word == "process":
                self.process = args[0]
            elif word == "ode":
                if len(args) != 2:
                    raise Failure("%s:%d: ode DIR NAME" % (where, lineno))
                self.ode = (args[0], args[1])
            elif word == "xfail":
                self.xfail = " ".join(args) or "known failure"
            elif word == "args":
                self.args += args
            elif word == "partner":
                if len(args) < 4 or args[1] not in ("bpel", "stub", "canned"):
                    raise Failure("%s:%d: partner LINK bpel|stub|canned FILE "
                                  "PATH [STATUS]" % (where, lineno))
                self.partners.append((args[0], args[1], args[2], args[3],
                                      args[4:]))
            elif word in ACTION_KINDS:
                st = Step(lineno, word, args)
                self.steps.append(st)
                pending = st
            elif word in ("sleep", "deterministic", "join", "sigterm",
                          "kill", "restart", "exited"):
                self.steps.append(Step(lineno, word, args))
            else:
                raise Failure("%s:%d: unknown directive '%s'"
                              % (where, lineno, word))
        if pending is not None and pending.expect is None:
            raise Failure("%s:%d: no expect line" % (where, pending.lineno))

    def needs_service(self):
        return any(st.kind in HTTP_KINDS + ("client",) for st in self.steps)


def discover(dirs):
    """Each folder holding `scenario` is case <folder>; each `X.scenario`
    in it is case <folder>/X."""
    found = []
    for base in dirs:
        base = Path(base).resolve()
        if not base.is_dir():
            continue
        for d in sorted(p for p in base.iterdir() if p.is_dir()):
            prefix = ("samples/" if base.name == "samples" else "") + d.name
            found.extend(cases_in(d, prefix))
            # A folder with no scenario of its own groups cases one level
            # down (tests/e2e/gen-data/rpc/...), named group/case[/X].
            if not (d / "scenario").is_file() and not any(d.glob("*.scenario")):
                for sub in sorted(p for p in d.iterdir() if p.is_dir()):
                    found.extend(cases_in(sub, prefix + "/" + sub.name))
    return found


def cases_in(d, prefix):
    """The cases of folder d: `scenario` is case prefix, each `X.scenario`
    is case prefix/X."""
    found = []
    if (d / "scenario").is_file():
        found.append((prefix, d / "scenario"))
    for f in sorted(d.glob("*.scenario")):
        found.append((prefix + "/" + f.stem, f))
    return found


# --------------------------------------------------------------------------
# processes: compiled services, stubs
# --------------------------------------------------------------------------


class Service:
    """A child process with its output captured into files in tmp."""

    def __init__(self, name, argv, cwd, tmp):
        self.name = name
        self.argv = argv
        self.out_path = tmp / (name + ".stdout")
        self.err_path = tmp / (name + ".stderr")
        self.out = open(self.out_path, "wb")
        self.err = open(self.err_path, "wb")
        self.proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=self.out, stderr=self.err,
                                     start_new_session=True)

    def stderr(self):
        # The child writes to the file itself; we never buffer anything.
        try:
            return self.err_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def wait_port(self, port):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise Failure("%s exited with status %d before listening\n%s"
                              % (self.name, rc, tail(self.stderr())))
            try:
                with socket.create_connection(("127.0.0.1", port), 0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise Failure("%s did not listen on 127.0.0.1:%d within %.0f s\n%s"
                      % (self.name, port, START_TIMEOUT, tail(self.stderr())))

    def stop(self):
        """SIGTERM, then the exit status (None if it had to be killed)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        self.close()
        return rc

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except OSError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        self.close()

    def close(self):
        for f in (self.out, self.err):
            if not f.closed:
                f.close()


class CannedPartner:
    """A partner answering every POST with one file (status 200 unless
    given), in a thread of the runner."""

    def __init__(self, body, status):
        body_bytes = body
        code = status

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(n)
                self.send_response(code)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body_bytes)))
                self.end_headers()
                self.wfile.write(body_bytes)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------
# running one scenario
# --------------------------------------------------------------------------


def check_sanitizer(who, text):
    m = SANITIZER_RE.search(text)
    if m:
        raise Failure("%s: sanitizer report\n%s" % (who, tail(text, 40)))


def soap_padded(size):
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<soapenv:Envelope xmlns:soapenv="%s"><soapenv:Body><pad>'
            % NS_SOAP)
    foot = "</pad></soapenv:Body></soapenv:Envelope>\n"
    n = max(0, size - len(head) - len(foot))
    return (head + "a" * n + foot).encode("ascii")


def status_matches(alts, status):
    """alts: '200', '4xx', 'closed', 'rejected' (4xx, or 500 with a SOAP
    Fault, checked by the caller)."""
    for a in alts:
        if a == "closed" and status is None:
            return True
        if status is None:
            continue
        if a == "rejected" and 400 <= status <= 500:
            return True
        if re.fullmatch(a.replace("x", r"\d"), str(status)):
            return True
    return False


class Run:
    def __init__(self, sc, opts):
        self.sc = sc
        self.opts = opts
        self.tmp = Path(tempfile.mkdtemp(prefix="bpelc-e2e-"))
        self.services = []   # compiled services and stubs, in start order
        self.canned = []
        self.main = None
        self.port = None
        self.log = []
        self.pending = {}    # async=NAME -> (step, thread, answer box)

    # -- helpers --

    def note(self, msg):
        self.log.append(msg)

    def bpelc(self, args, timeout=COMPILE_TIMEOUT):
        argv = [self.opts.bpelc] + args
        self.note("$ " + " ".join(shlex.quote(a) for a in argv))
        try:
            p = subprocess.run(argv, cwd=self.sc.dir, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure("bpelc timed out after %d s: %s" % (timeout, args))
        err = p.stderr.decode("utf-8", "replace")
        check_sanitizer("bpelc " + " ".join(args), err)
        return p.returncode, p.stdout.decode("utf-8", "replace"), err

    def compile(self, bpel, name):
        out = self.tmp / name
        rc, _, err = self.bpelc(["-o", str(out), bpel])
        if rc != 0:
            raise Failure("bpelc -o %s %s: exit %d\n%s"
                          % (name, bpel, rc, tail(err)))
        if not out.is_file():
            raise Failure("bpelc exited 0 but wrote no %s" % out)
        return out

    def compile_ode(self, unit, name):
        out = self.tmp / "ode"
        out.mkdir(exist_ok=True)
        rc, _, err = self.bpelc(["--ode", unit, "-o", str(out)])
        if rc != 0:
            raise Failure("bpelc --ode %s: exit %d\n%s" % (unit, rc, tail(err)))
        exe = out / name
        if not exe.is_file():
            raise Failure("bpelc --ode %s wrote no %s" % (unit, name))
        return exe

    def start_service(self, name, exe, port, extra):
        # Each service its own instance store in the case's temporary
        # folder (the default, NAME.db in the case folder, would be shared
        # by cases that run at once), unless the scenario names one.
        store = [] if any(a.startswith("--store") for a in extra) else \
            ["--store", str(self.tmp / (name + ".db"))]
        argv = [str(exe), "--listen", "127.0.0.1:%d" % port] + store + extra
        self.note("$ " + " ".join(shlex.quote(a) for a in argv))
        svc = Service(name, argv, self.sc.dir, self.tmp)
        self.services.append(svc)
        svc.wait_port(port)
        return svc

    def start(self):
        """Partners first, then the process under test."""
        wiring = []
        for i, (link, kind, file, urlpath, extra) in enumerate(self.sc.partners):
            if kind == "canned":
                body = (self.sc.dir / file).read_bytes()
                status = int(extra[0]) if extra else 200
                cp = CannedPartner(body, status)
                self.canned.append(cp)
                port = cp.port
            elif kind == "bpel":
                exe = self.compile(file, "partner%d-%s" % (i, link))
                port = free_port()
                self.start_service("partner-" + link, exe, port, extra)
            else:
                port = free_port()
                argv = [sys.executable, file, str(port)] + extra
                svc = Service("stub-" + link, argv, self.sc.dir, self.tmp)
                self.services.append(svc)
                svc.wait_port(port)
            wiring += ["--partner",
                       "%s=http://127.0.0.1:%d%s" % (link, port, urlpath)]
        if self.sc.ode is not None:
            exe = self.compile_ode(*self.sc.ode)
            self.port = free_port()
            self.main = self.start_service("service", exe, self.port,
                                           wiring + self.sc.args)
            return
        bpel = self.sc.process
        if bpel is None:
            cands = sorted(p.name for p in self.sc.dir.glob("*.bpel"))
            if len(cands) != 1:
                raise Failure("scenario has no 'process' line and the folder "
                              "holds %d .bpel files" % len(cands))
            bpel = cands[0]
        exe = self.compile(bpel, "service")
        self.port = free_port()
        self.main_exe, self.main_args = exe, wiring + self.sc.args
        self.main = self.start_service("service", exe, self.port,
                                       self.main_args)

    def stop_all(self, check):
        """SIGTERM everything, the process under test first. With check,
        every compiled service must exit 0 with no sanitizer report."""
        problems = []
        order = ([self.main] if self.main else []) + \
            [s for s in self.services if s is not self.main]
        for svc in order:
            if check:
                rc = svc.stop()
                err = svc.stderr()
                if getattr(svc, "killed", False):
                    rc = 0  # the scenario's own SIGKILL
                if rc != 0 and not svc.name.startswith("stub-"):
                    problems.append("%s: SIGTERM -> exit status %s (want 0)\n%s"
                                    % (svc.name, "killed after timeout"
                                       if rc is None else rc, tail(err)))
                elif SANITIZER_RE.search(err):
                    problems.append("%s: sanitizer report\n%s"
                                    % (svc.name, tail(err, 40)))
                elif BUG_RE.search(err):
                    # A release runtime survives a broken invariant
                    # (ALWAYS/NEVER) but logs it: still a failing test.
                    problems.append("%s: logged a broken invariant\n%s"
                                    % (svc.name, tail(err, 40)))
            else:
                svc.kill()
        for cp in self.canned:
            cp.stop()
        self.canned = []
        if problems:
            raise Failure("\n".join(problems))

    # -- steps --

    def http(self, st):
        kind, args = st.kind, st.args
        if kind == "RAW":
            data = self.request_body(args, st)
            return self.raw(data)
        if not args:
            raise Failure("line %d: %s needs a path" % (st.lineno, kind))
        path = args[0]
        headers = {}
        body = None
        if kind == "POST":
            body = self.request_body(args[1:], st)
            headers["Content-Type"] = "text/xml; charset=utf-8"
        for a in args[1:]:
            if a.startswith("SOAPAction="):
                headers["SOAPAction"] = '"%s"' % a.split("=", 1)[1]
            elif a.startswith("header="):
                k, _, v = a[len("header="):].partition(":")
                headers[k.strip()] = v.strip()
        conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=self.opts.timeout)
        try:
            try:
                conn.request(kind, path, body=body, headers=headers)
            except (BrokenPipeError, ConnectionResetError) as e:
                # The server may answer (413) and close before it has read
                # all of a large body; its answer can still be read.
                self.note("sending: %s" % e)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, data
        except (ConnectionError, http.client.RemoteDisconnected) as e:
            self.note("connection closed: %s" % e)
            return None, b""
        except socket.timeout:
            raise Failure("line %d: no answer within %.0f s"
                          % (st.lineno, self.opts.timeout))
        finally:
            conn.close()

    def request_body(self, args, st):
        for a in args:
            if a.startswith("file="):
                return (self.sc.dir / a[5:]).read_bytes()
            if a.startswith("body="):
                return a[5:].encode("utf-8")
            if a.startswith("size="):
                return soap_padded(int(a[5:]))
        if st.kind == "RAW":
            raise Failure("line %d: RAW needs file= or body=" % st.lineno)
        return b""

    def raw(self, data):
        s = socket.create_connection(("127.0.0.1", self.port),
                                     self.opts.timeout)
        chunks = []
        try:
            s.sendall(data)
            while True:
                try:
                    c = s.recv(65536)
                except socket.timeout:
                    break
                except ConnectionError:
                    break
                if not c:
                    break
                chunks.append(c)
        finally:
            s.close()
        resp = b"".join(chunks)
        m = re.match(rb"HTTP/1\.[01] (\d{3})", resp)
        if not m:
            return None, resp
        return int(m.group(1)), resp.split(b"\r\n\r\n", 1)[-1]

    def check_expect(self, st, status, text):
        alts, regexes = st.expect
        if not status_matches(alts, status):
            raise Failure("line %d: %s %s: status %s, want %s\n%s"
                          % (st.lineno, st.kind, " ".join(st.args[:1]),
                             "none (connection closed)" if status is None
                             else status, "|".join(alts), tail(text, 15)))
        if "rejected" in alts and status == 500 and \
                not re.search(r"<([\w.-]+:)?Fault[\s>]", text):
            raise Failure("line %d: status 500 without a SOAP Fault\n%s"
                          % (st.lineno, tail(text, 15)))
        for negate, rx in regexes:
            if bool(rx.search(text)) == negate:
                raise Failure("line %d: answer %s /%s/\n%s"
                              % (st.lineno, "matches" if negate
                                 else "does not match", rx.pattern,
                                 tail(text, 15)))

    def step(self, st):
        if st.kind in HTTP_KINDS:
            if self.main is None:
                self.start()
            if self.main.proc.poll() is not None:
                raise Failure("line %d: the service has exited (status %s)\n%s"
                              % (st.lineno, self.main.proc.returncode,
                                 tail(self.main.stderr())))
            name = next((a[6:] for a in st.args if a.startswith("async=")),
                        None)
            if name is not None:
                # Sent from a thread; its expect is checked at `join NAME`
                # (or at the end of the scenario).
                if name in self.pending:
                    raise Failure("line %d: async=%s is already pending"
                                  % (st.lineno, name))
                box = {}
                t = threading.Thread(target=self.http_async,
                                     args=(st, box), daemon=True)
                t.start()
                self.pending[name] = (st, t, box)
                if "burst" not in st.args:
                    time.sleep(0.05)  # keep the sending order
                return
            status, body = self.http(st)
            self.finish_http(st, status, body)
        elif st.kind == "join":
            for name in st.args or sorted(self.pending):
                self.join(name, st.lineno)
        elif st.kind == "sigterm":
            # Stop the service now, with requests still open: it must
            # exit 0 within the limit; then the async requests are joined
            # (each must have had its answer).
            if self.main is None:
                raise Failure("line %d: sigterm before any request"
                              % st.lineno)
            limit = float(st.args[0]) if st.args else STOP_TIMEOUT
            t0 = time.monotonic()
            self.main.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.main.proc.wait(limit)
            except subprocess.TimeoutExpired:
                raise Failure("line %d: still running %.0f s after SIGTERM\n%s"
                              % (st.lineno, limit, tail(self.main.stderr())))
            self.note("line %d: SIGTERM -> exit %d after %.1f s"
                      % (st.lineno, rc, time.monotonic() - t0))
            if rc != 0:
                raise Failure("line %d: SIGTERM -> exit status %d (want 0)\n%s"
                              % (st.lineno, rc, tail(self.main.stderr())))
            for name in sorted(self.pending):
                self.join(name, st.lineno)
        elif st.kind == "kill":
            # SIGKILL, as a crash: nothing is flushed, no handler runs.
            if self.main is None:
                raise Failure("line %d: kill before any request" % st.lineno)
            self.main.kill()
            self.main.killed = True
            self.note("line %d: SIGKILL" % st.lineno)
        elif st.kind == "exited":
            # The service must exit by itself (e.g. --drain) with status 0
            # within SECONDS (default 20).
            limit = float(st.args[0]) if st.args else STOP_TIMEOUT
            try:
                rc = self.main.proc.wait(limit)
            except subprocess.TimeoutExpired:
                raise Failure("line %d: still running after %.0f s\n%s"
                              % (st.lineno, limit, tail(self.main.stderr())))
            if rc != 0:
                raise Failure("line %d: exit status %d (want 0)\n%s"
                              % (st.lineno, rc, tail(self.main.stderr())))
        elif st.kind == "restart":
            # The process under test again, same port, same store (after
            # kill or sigterm), with ARGs added.
            if self.main is None:
                raise Failure("line %d: restart before any request"
                              % st.lineno)
            if self.main.proc.poll() is None:
                raise Failure("line %d: restart while the service runs"
                              % st.lineno)
            self.restarts = getattr(self, "restarts", 0) + 1
            store = str(self.tmp / "service.db")
            extra = self.main_args
            if not any(a.startswith("--store") for a in extra):
                extra = extra + ["--store", store]
            self.main = self.start_service(
                "service-%d" % self.restarts, self.main_exe, self.port,
                extra + st.args)
        elif st.kind == "client":
            self.client(st)
        elif st.kind == "bpelc":
            args = [a.replace("{tmp}", str(self.tmp)) for a in st.args]
            rc, out, err = self.bpelc(args)
            alts, regexes = st.expect
            if rc < 0:
                raise Failure("line %d: bpelc died of signal %d\n%s"
                              % (st.lineno, -rc, tail(err)))
            if str(rc) not in alts:
                raise Failure("line %d: bpelc %s: exit %d, want %s\n%s"
                              % (st.lineno, " ".join(args), rc,
                                 "|".join(alts), tail(err)))
            # What bpelc printed: stdout (--version, --help, --dump-model)
            # then stderr (diagnostics).
            text = out + err
            for negate, rx in regexes:
                if bool(rx.search(text)) == negate:
                    raise Failure("line %d: output %s /%s/\n%s"
                                  % (st.lineno, "matches" if negate
                                     else "does not match", rx.pattern,
                                     tail(text)))
        elif st.kind == "deterministic":
            # The same output path both times: the generated C names its
            # own file in #line directives.
            outs = []
            out = self.tmp / "emit.c"
            for n in (1, 2):
                if out.exists():
                    out.unlink()
                rc, _, err = self.bpelc(["--emit-c", "-o", str(out),
                                         st.args[0]])
                if rc != 0:
                    raise Failure("line %d: bpelc --emit-c: exit %d\n%s"
                                  % (st.lineno, rc, tail(err)))
                outs.append(out.read_bytes())
            if outs[0] != outs[1]:
                raise Failure("line %d: --emit-c twice gave different bytes"
                              % st.lineno)
            if not outs[0]:
                raise Failure("line %d: --emit-c wrote nothing" % st.lineno)
        elif st.kind == "sleep":
            time.sleep(float(st.args[0]))

    def finish_http(self, st, status, body):
        text = body.decode("utf-8", "replace")
        self.note("line %d: %s %s -> %s" % (st.lineno, st.kind,
                                            " ".join(st.args[:1]), status))
        self.check_expect(st, status, text)

    def http_async(self, st, box):
        try:
            box["answer"] = self.http(st)
        except BaseException as e:  # checked by join()
            box["error"] = e

    def join(self, name, lineno):
        if name not in self.pending:
            raise Failure("line %d: no pending async=%s" % (lineno, name))
        st, t, box = self.pending.pop(name)
        t.join(self.opts.timeout + 5)
        if t.is_alive():
            raise Failure("line %d: async=%s: no answer" % (st.lineno, name))
        if "error" in box:
            raise box["error"]
        self.finish_http(st, *box["answer"])

    def client(self, st):
        """`client FILE.py ARG…`: python3 FILE.py PORT ARG… against the
        service (for clients no request line can describe: slow, idle,
        pipelined, vanishing, many at once). Its exit status and its
        output (stdout + stderr) are checked; the service must still be
        running afterwards."""
        if self.main is None:
            self.start()
        argv = [sys.executable, st.args[0], str(self.port)] + st.args[1:]
        self.note("$ " + " ".join(shlex.quote(a) for a in argv))
        try:
            # BPELC: the compiler under test, for clients that compile.
            p = subprocess.run(argv, cwd=self.sc.dir, stdin=subprocess.DEVNULL,
                               capture_output=True, timeout=CLIENT_TIMEOUT,
                               env=dict(os.environ, BPELC=self.opts.bpelc))
        except subprocess.TimeoutExpired:
            raise Failure("line %d: client %s still running after %d s"
                          % (st.lineno, st.args[0], CLIENT_TIMEOUT))
        out = (p.stdout + p.stderr).decode("utf-8", "replace")
        alts, regexes = st.expect
        if str(p.returncode) not in alts:
            raise Failure("line %d: client %s: exit %d, want %s\n%s"
                          % (st.lineno, " ".join(st.args), p.returncode,
                             "|".join(alts), tail(out)))
        for negate, rx in regexes:
            if bool(rx.search(out)) == negate:
                raise Failure("line %d: client output %s /%s/\n%s"
                              % (st.lineno, "matches" if negate
                                 else "does not match", rx.pattern,
                                 tail(out)))
        if self.main.proc.poll() is not None:
            raise Failure("line %d: the service exited (status %s) during "
                          "client %s\n%s"
                          % (st.lineno, self.main.proc.returncode,
                             st.args[0], tail(self.main.stderr())))

    def run(self):
        try:
            for st in self.sc.steps:
                self.step(st)
            for name in sorted(self.pending):
                self.join(name, 0)
            # the final check every service scenario has: SIGTERM -> 0
            self.stop_all(check=True)
        except BaseException:
            self.stop_all(check=False)
            raise
        finally:
            if not self.opts.keep:
                shutil.rmtree(self.tmp, ignore_errors=True)


def run_case(name, path, opts):
    """(name, ok, why, seconds, log, xfail reason or None)"""
    t0 = time.monotonic()
    r = None
    sc = None
    try:
        sc = Scenario(path, name)
        r = Run(sc, opts)
        r.run()
        return name, True, "", time.monotonic() - t0, r.log, sc.xfail
    except Failure as e:
        why = str(e)
    except Exception as e:   # a runner bug or a broken scenario file
        why = "%s: %s" % (type(e).__name__, e)
    return name, False, why, time.monotonic() - t0, r.log if r else [], \
        sc.xfail if sc else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpelc", required=True, help="path to bpelc")
    ap.add_argument("--only", help="run cases whose name matches REGEX")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--timeout", type=float, default=30.0,
                    help="seconds to wait for each answer (default 30)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary folders")
    ap.add_argument("--verbose", "-v", action="store_true",
                    help="print the commands and requests of every case")
    ap.add_argument("--list", action="store_true", help="list cases and stop")
    ap.add_argument("dirs", nargs="*",
                    default=[str(ROOT / "tests" / "e2e"), str(ROOT / "samples")])
    opts = ap.parse_args()
    opts.bpelc = str(Path(opts.bpelc).resolve())
    if not os.access(opts.bpelc, os.X_OK):
        print("e2e: %s is not an executable" % opts.bpelc, file=sys.stderr)
        return 2
    cases = discover(opts.dirs)
    if opts.only:
        cases = [c for c in cases if re.search(opts.only, c[0])]
    if opts.list:
        for name, path in cases:
            print(name)
        return 0
    if not cases:
        print("e2e: no test cases found", file=sys.stderr)
        return 2
    npass = nfail = 0
    failed = []
    xfailed = []
    with concurrent.futures.ThreadPoolExecutor(max(1, opts.jobs)) as ex:
        futs = [ex.submit(run_case, n, p, opts) for n, p in cases]
        for f in concurrent.futures.as_completed(futs):
            name, ok, why, secs, log, xfail = f.result()
            if ok and xfail:
                npass += 1
                print("XPASS %s (%.1fs): passes now; remove its 'xfail' line"
                      % (name, secs), flush=True)
            elif ok:
                npass += 1
                print("PASS %s (%.1fs)" % (name, secs), flush=True)
            elif xfail:
                xfailed.append(name)
                print("XFAIL %s (%.1fs): %s\n    failure: %s"
                      % (name, secs, xfail, why.splitlines()[0]), flush=True)
            else:
                nfail += 1
                failed.append(name)
                print("FAIL %s (%.1fs): %s" % (name, secs,
                                              why.replace("\n", "\n    ")),
                      flush=True)
            if opts.verbose or (not ok and log):
                for line in log[-12:] if not opts.verbose else log:
                    print("    | " + line)
    if xfailed:
        print("e2e expected failures (xfail, not counted): "
              + " ".join(sorted(xfailed)))
    if failed:
        print("e2e failed: " + " ".join(sorted(failed)))
    print("e2e: %d passed, %d failed" % (npass, nfail))
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main())
