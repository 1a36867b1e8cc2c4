#!/usr/bin/env python3
"""gdb_lines.py PORT — issue 11's #line test: compile lines.bpel at -O0
(cc-debug.sh), run the service under gdb with breakpoints on three lines
of the .bpel (a condition, an <empty>, an <assign>), send one request, and
check that each breakpoint has one location and stops in the step function
of the activity on that line (lines_choose for the condition of <if
name="choose">, lines_one, lines_inc). With one #line per step function
the lines after an activity's own would belong to it, and line 21 would
also stop in lines_choose. PORT (the case's service) is not used: gdb runs
its own copy on a free port. Without gdb: prints "skipped", exit 0 (exit 1
under CI=true). Needs BPELC (set by run.py)."""
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# (line in lines.bpel, step function that must stop there)
STOPS = [(20, "lines_choose"), (21, "lines_one"), (32, "lines_inc")]
REQUEST = ('<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.'
           'xmlsoap.org/soap/envelope/"><s:Body><g:order xmlns:g="urn:bpel'
           'c:golden"><g:id>1</g:id><g:item>x</g:item></g:order></s:Body>'
           '</s:Envelope>')


def fail(msg, out=""):
    print("gdb_lines: FAILED: %s\n%s" % (msg, out[-4000:]))
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def send(port):
    """One request once the service listens; the answer does not matter
    (gdb holds the service at the breakpoints, then kills it)."""
    for _ in range(1200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            c.connect()
            break
        except OSError:
            time.sleep(0.05)
    else:
        return
    try:
        c.request("POST", "/golden/service", REQUEST,
                  {"Content-Type": "text/xml", "SOAPAction": '"order"'})
        c.getresponse().read()
    except (OSError, http.client.HTTPException):
        pass


def main():
    if not shutil.which("gdb"):
        print("gdb_lines: gdb not installed: skipped")
        return 1 if os.environ.get("CI") == "true" else 0
    tmp = tempfile.mkdtemp(prefix="bpelc-gdb-")
    try:
        exe = os.path.join(tmp, "lines")
        env = dict(os.environ, CC=os.path.join(HERE, "cc-debug.sh"))
        p = subprocess.run([os.environ["BPELC"], "-o", exe, "lines.bpel"],
                           cwd=HERE, env=env, capture_output=True, text=True,
                           timeout=300)
        if p.returncode != 0:
            fail("bpelc exit %d" % p.returncode, p.stderr)
        port = free_port()
        cmds = ["set confirm off", "set pagination off"]
        cmds += ["break lines.bpel:%d" % line for line, _ in STOPS]
        cmds += ["run --listen 127.0.0.1:%d --store none" % port]
        for _ in STOPS:
            cmds += ["frame", "continue"]
        cmds += ["kill", "quit"]
        argv = ["gdb", "-nx", "-batch"]
        for c in cmds:
            argv += ["-ex", c]
        threading.Thread(target=send, args=(port,), daemon=True).start()
        # In tmp: the service keeps its store (NAME.db) in its folder.
        g = subprocess.Popen(argv + ["--args", exe], cwd=tmp,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
        try:
            out, _ = g.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            os.killpg(g.pid, signal.SIGKILL)
            out, _ = g.communicate()
            fail("gdb still running after 240 s", out)
        at = 0
        for n, (line, fn) in enumerate(STOPS, 1):
            one = "Breakpoint %d at " % n
            pos = out.find(one)
            if pos < 0 or "locations)" in out[pos:out.find("\n", pos)]:
                fail("breakpoint on lines.bpel:%d: not one location"
                     % line, out)
            hit = "Breakpoint %d, %s (" % (n, fn)
            pos = out.find(hit, at)
            where = "lines.bpel:%d" % line
            if pos < 0 or where not in out[pos:out.find("\n", pos)]:
                fail("line %d did not stop in %s at %s" % (line, fn, where),
                     out)
            at = pos + 1
            print("gdb_lines: lines.bpel:%d stops in %s" % (line, fn))
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
