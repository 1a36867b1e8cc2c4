#!/usr/bin/env python3
"""upgrade.py PORT — the whole upgrade procedure of docs/runtime.md
("Upgrading a process with waiting instances"), on real builds and real
stores. PORT (the scenario's own service) is not used: the procedure
needs two builds and two stores, which this client makes itself.

1. The old build (timer.bpel) takes two instances ("a", "b") that wait
   in its store; SIGTERM keeps them there.
2. The new build (timer.bpel with a changed literal: another build id)
   started on the OLD store restores none of them, logs their count,
   refuses a message for one, and leaves every old row as it was (same
   ids, same bytes, not marked): never loaded, changed or deleted.
3. The new build on a NEW store and the old build with --drain on the
   old store run side by side on two ports; this client routes as the
   proxy of the docs would, by correlation key: a new instance ("c") to
   the new build, "a" and "b" to the old one. A message that would
   create an instance at the draining build is refused with a SOAP
   fault; one for an old instance sent to the new build by mistake is
   refused with "no instance takes it". The old build finishes "a" and
   "b" and exits with status 0 by itself after the last one; the new
   build finishes "c" with its own code.

Prints one line per step; exit 0 when all held, 1 otherwise. BPELC (the
compiler under test) comes from the environment, as the e2e runner
passes it to clients."""
import http.client
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
NS = "http://bpelc.example.org/tests/genflow"


def envelope(rid, n):
    return ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
            '<s:Body><g:req xmlns:g="%s"><g:id>%s</g:id><g:n>%d</g:n>'
            '</g:req></s:Body></s:Envelope>' % (NS, rid, n))


def post(port, action, rid, n=1, timeout=30):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request("POST", "/flow", body=envelope(rid, n).encode(),
                  headers={"Content-Type": "text/xml; charset=utf-8",
                           "SOAPAction": '"%s"' % action})
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    finally:
        c.close()


class Service:
    """One compiled build on one store, its log read line by line."""

    def __init__(self, exe, store, *args, **popen):
        self.p = subprocess.Popen(
            [exe, "--listen", "127.0.0.1:0"] +
            (["--store", store] if store else []) + list(args),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, **popen)
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)",
                      self.wait_line(r"listening on 127\.0\.0\.1:\d+"))
        self.port = int(m.group(1))
        self.wait_line(r"serving ")

    def _read(self):
        for raw in self.p.stderr:
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip())
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)  # end of the log
            self.cond.notify_all()

    def wait_line(self, regex, timeout=30):
        end = time.time() + timeout
        with self.cond:
            while True:
                for ln in self.lines:
                    if ln is not None and re.search(regex, ln):
                        return ln
                left = end - time.time()
                if left <= 0 or (self.lines and self.lines[-1] is None):
                    raise Check("no log line /%s/:\n%s" % (
                        regex, "\n".join(l for l in self.lines[-20:] if l)))
                self.cond.wait(left)

    def exit_status(self, timeout=30):
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        # Sanitizer builds (make asan-e2e): a report fails the procedure.
        with self.cond:
            while not self.lines or self.lines[-1] is not None:
                if not self.cond.wait(10):
                    break
            text = "\n".join(l for l in self.lines if l)
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if bad in text:
                raise Check("sanitizer report:\n" + text[-3000:])
        return rc

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
        rc = self.exit_status()
        if rc is None:
            self.p.kill()
            self.p.wait()
        return rc


class Check(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Check(what)
    print("ok:", what)


def compile_build(bpelc, src, exe):
    p = subprocess.run([bpelc, "-o", exe, src], cwd=HERE,
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise Check("bpelc %s: exit %d\n%s" % (src, p.returncode, p.stderr))
    out = subprocess.run([exe, "--version"], capture_output=True, text=True)
    m = re.search(r"\(build (\S+)\)", out.stdout)
    if not m:
        raise Check("%s --version: no build id in %r" % (exe, out.stdout))
    return m.group(1)


def rows(store):
    db = sqlite3.connect(store)
    try:
        return db.execute("SELECT id, build, format, corrupt, data FROM "
                          "bpelc_instance ORDER BY id").fetchall()
    finally:
        db.close()


def run(tmp):
    bpelc = os.environ["BPELC"]
    old_exe = os.path.join(tmp, "old")
    new_exe = os.path.join(tmp, "new")
    old_build = compile_build(bpelc, "timer.bpel", old_exe)
    # The new build: the same process with a change (its answer), its
    # import made absolute since the copy lives in the temporary folder.
    with open(os.path.join(HERE, "timer.bpel"), encoding="utf-8") as f:
        src = f.read()
    wsdl = os.path.normpath(os.path.join(HERE, "../gen-flow/common/flow.wsdl"))
    src = src.replace('location="../gen-flow/common/flow.wsdl"',
                      'location="%s"' % wsdl)
    src = src.replace("<tns:log>waited</tns:log>",
                      "<tns:log>waited (new build)</tns:log>")
    new_src = os.path.join(tmp, "timer-new.bpel")
    with open(new_src, "w", encoding="utf-8") as f:
        f.write(src)
    new_build = compile_build(bpelc, new_src, new_exe)
    expect(old_build != new_build,
           "the changed process has another build id (%s, %s)"
           % (old_build, new_build))
    old_store = os.path.join(tmp, "old.db")
    new_store = os.path.join(tmp, "new.db")

    # 1. Instances waiting in the old build's store.
    old = Service(old_exe, old_store)
    for rid in ("a", "b"):
        st, body = post(old.port, "note", rid)
        expect(st == 202, "old build takes instance %s (%d)" % (rid, st))
    expect(old.stop() == 0, "old build stops on SIGTERM")
    before = rows(old_store)
    expect(len(before) == 2 and all(r[1] == old_build for r in before),
           "two instances of the old build wait in its store")

    # 2. The new build on the old store leaves them alone.
    new = Service(new_exe, old_store)
    new.wait_line(r"0 instances restored in [0-9.]+ s; 2 of other builds "
                  r"left untouched")
    print("ok: the new build on the old store restores none, counts 2")
    st, body = post(new.port, "finish", "a", 0)
    expect(st == 500 and "no instance takes it" in body,
           "the new build refuses a message for an old instance (%d)" % st)
    expect(new.stop() == 0, "the new build stops on SIGTERM")
    after = [r for r in rows(old_store) if r[1] == old_build]
    expect(after == before,
           "the old rows are unchanged: not loaded, changed or deleted")

    # 3. Side by side: new build on a new store, old build draining.
    new = Service(new_exe, new_store)
    old = Service(old_exe, old_store, "--drain")
    old.wait_line(r"2 instances restored")
    st, body = post(new.port, "note", "c")
    expect(st == 202, "the new build takes a new instance (%d)" % st)
    st, body = post(old.port, "note", "d")
    expect(st == 500 and re.search(r"draining|not accepted", body),
           "the draining build refuses a new instance (%d)" % st)
    st, body = post(new.port, "finish", "a", 0)
    expect(st == 500 and "no instance takes it" in body,
           "a misrouted message for an old instance gets a fault (%d)" % st)
    st, body = post(old.port, "finish", "a", 0)
    expect(st == 200 and re.search(r">waited<", body),
           "the old build finishes a with its own code (%d)" % st)
    expect(old.exit_status(0.5) is None,
           "the old build still runs while b waits")
    st, body = post(old.port, "finish", "b", 0)
    expect(st == 200 and re.search(r">waited<", body),
           "the old build finishes b (%d)" % st)
    rc = old.exit_status(30)
    expect(rc == 0, "the old build exits 0 after its last instance (%s)"
           % rc)
    old.wait_line(r"drained: no instance left; exiting")
    expect(rows(old_store) == [], "the old store is empty: remove it")
    st, body = post(new.port, "finish", "c", 0)
    expect(st == 200 and "waited (new build)" in body,
           "the new build finishes c with the new code (%d)" % st)
    expect(new.stop() == 0, "the new build stops on SIGTERM")


def main():
    tmp = tempfile.mkdtemp(prefix="bpelc-upgrade-")
    try:
        run(tmp)
    except Check as e:
        print("FAIL:", e)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("upgrade: procedure held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
