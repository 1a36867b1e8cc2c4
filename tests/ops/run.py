#!/usr/bin/env python3
"""run.py --bpelc BPELC [-v] [-k PATTERN] — the operations side of a
compiled service (issue 13, docs/operations.md), against a real service
built from tests/ops/ops.bpel and a partner stub in this process:

  the admin listener (off unless asked, the token rule, the SOAP port
  serves none of its paths), /livez, /readyz and its transitions (SIGTERM
  with --shutdown-delay; a 60,000-instance store recovering: 503 with
  its progress, SOAP bound and READY=1 only after, SIGTERM and a failure
  during it), sd_notify over NOTIFY_SOCKET, /metrics values
  after a known scenario, the instance API (list, filters, detail,
  variables) and terminate/suspend/resume on waiting instances, JSON log
  lines parsed one by one, --log-level, W3C traceparent seen by the
  partner, and the console page in headless chromium (skipped with a
  message when chromium is not installed).

Python 3 standard library only; everything on 127.0.0.1. Exit status 0
when every test passed (skips included), 1 otherwise."""
import argparse
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = None
EXE = None
TMP = None

ENV = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')


def order(oid, delay="PT0S"):
    return ENV % ('<o:order xmlns:o="urn:ops"><o:id>%s</o:id>'
                  '<o:delay>%s</o:delay></o:order>' % (oid, delay))


# ---- the partner stub -------------------------------------------------------

class Checker:
    """The `check` partner: echoes the order; an id starting with "fault"
    answers a SOAP fault. Records the traceparent header of each call."""

    def __init__(self):
        self.traceparents = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.traceparents.append(self.headers.get("traceparent"))
                m = re.search(rb"<(?:\w+:)?order\b.*</(?:\w+:)?order>", body, re.S)
                if b">fault" in body:
                    status = 500
                    out = ENV % ('<soapenv:Fault><faultcode>soapenv:Server</faultcode>'
                                 '<faultstring>refused</faultstring></soapenv:Fault>')
                    out = out.encode()
                else:
                    status = 200
                    out = (ENV % m.group(0).decode()).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/xml; charset=utf-8")
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)

            def log_message(self, *a):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---- the service ------------------------------------------------------------

class Service:
    """The compiled process with `args`, its stderr collected line by
    line; soap_port and admin_port read from its log."""

    def __init__(self, args, env=None, checker=None, expect_start=True, store=None):
        self.checker = checker or Checker()
        self.own_checker = checker is None
        cmd = [EXE, "--listen", "127.0.0.1:0", "--store", store or "none",
               "--partner", "checker=http://127.0.0.1:%d/check" % self.checker.port] + args
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=e, cwd=TMP)
        self.lines = []
        self.cond = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.soap_port = self.admin_port = None
        if expect_start:
            self.wait_line(r"serving ")
            for ln in self.lines:
                msg = self.message(ln)
                m = re.search(r"^admin listening on .*:(\d+)", msg)
                if m:
                    self.admin_port = int(m.group(1))
                m = re.search(r"^listening on .*:(\d+)", msg)
                if m:
                    self.soap_port = int(m.group(1))

    def close(self):
        """After the process ended: its pipe and our stub go."""
        self.reader.join(10)
        self.proc.stderr.close()
        if self.own_checker:
            self.checker.close()
            self.own_checker = False

    def _read(self):
        for raw in self.proc.stderr:
            with self.cond:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    @staticmethod
    def message(line):
        if line.startswith("{"):
            try:
                return json.loads(line).get("message", "")
            except ValueError:
                return line
        return line.split(": ", 1)[1] if ": " in line else line

    def wait_line(self, regex, timeout=20):
        end = time.time() + timeout
        with self.cond:
            while True:
                for ln in self.lines:
                    if re.search(regex, self.message(ln)):
                        return ln
                left = end - time.time()
                if left <= 0 or (self.proc.poll() is not None and not left):
                    raise AssertionError("no log line /%s/ in:\n%s" % (regex, "\n".join(self.lines[-30:])))
                if self.proc.poll() is not None:
                    self.cond.wait(0.1)
                    if time.time() > end:
                        raise AssertionError("service exited without /%s/:\n%s" % (regex, "\n".join(self.lines[-30:])))
                else:
                    self.cond.wait(left)

    def soap(self, op, body, headers=None, timeout=20):
        return request(self.soap_port, "POST", "/ops", body,
                       dict({"SOAPAction": '"urn:ops:%s"' % op,
                             "Content-Type": "text/xml; charset=utf-8"}, **(headers or {})),
                       timeout=timeout)

    def admin(self, method, path, headers=None, timeout=20):
        return request(self.admin_port, method, path, None, headers, timeout=timeout)

    def stop(self, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
            raise AssertionError("service did not stop on SIGTERM")
        self.close()
        text = "\n".join(self.lines)
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if bad in text:
                raise AssertionError("sanitizer report:\n" + text[-4000:])
        return rc


def request(port, method, path, body=None, headers=None, timeout=20):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body.encode() if isinstance(body, str) else body,
                  headers=headers or {})
        r = c.getresponse()
        return r.status, r.read().decode("utf-8", "replace"), dict(r.getheaders())
    finally:
        c.close()


class Async:
    """A SOAP request sent from a thread; .result() waits for it."""

    def __init__(self, svc, op, body, timeout=60):
        self.out = None
        self.t = threading.Thread(target=self._run, args=(svc, op, body, timeout), daemon=True)
        self.t.start()

    def _run(self, svc, op, body, timeout):
        try:
            self.out = svc.soap(op, body, timeout=timeout)
        except Exception as e:  # noqa: BLE001 - reported by result()
            self.out = e

    def done(self):
        return not self.t.is_alive()

    def result(self, timeout=30):
        self.t.join(timeout)
        if self.t.is_alive():
            raise AssertionError("no answer within %d s" % timeout)
        if isinstance(self.out, Exception):
            raise self.out
        return self.out


def until(fn, timeout=10, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def metrics(svc):
    st, body, _ = svc.admin("GET", "/metrics")
    assert st == 200, st
    out = {}
    for ln in body.splitlines():
        if not ln or ln.startswith("#"):
            continue
        name, value = ln.rsplit(" ", 1)
        out[name] = float(value)
    return out, body


def instances(svc, query=""):
    st, body, _ = svc.admin("GET", "/admin/v1/instances" + query)
    assert st == 200, (st, body)
    return json.loads(body)


def find_id(svc, oid):
    for x in instances(svc)["instances"]:
        for c in x["correlation"]:
            if c["properties"].get("orderId") == oid:
                return x["id"]
    return None


def detail(svc, iid, q=""):
    st, body, _ = svc.admin("GET", "/admin/v1/instances/%d%s" % (iid, q))
    return st, (json.loads(body) if st == 200 else body)


def waits_in(svc, iid, activity):
    st, d = detail(svc, iid)
    return st == 200 and any(w["activity"] == activity for w in d["waits"])


# ---- tests ------------------------------------------------------------------

ADMIN = ["--admin-listen", "127.0.0.1:0"]
TP = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class AdminListener(unittest.TestCase):
    def test_off_unless_given_and_soap_port_serves_none(self):
        svc = Service(ADMIN)
        try:
            self.assertIsNotNone(svc.admin_port)
            for path in ("/livez", "/readyz", "/metrics", "/admin/", "/admin/v1/instances",
                         "/admin/v1/process"):
                st, _, _ = request(svc.soap_port, "GET", path)
                self.assertEqual(st, 404, path)
                st, _, _ = request(svc.soap_port, "POST", path, order("x"))
                self.assertEqual(st, 404, path)
        finally:
            self.assertEqual(svc.stop(), 0)
        svc = Service([])
        try:
            self.assertIsNone(svc.admin_port)
            self.assertFalse(any("admin" in Service.message(l) for l in svc.lines))
        finally:
            self.assertEqual(svc.stop(), 0)

    def test_out_of_descriptors_accepting_does_not_spin(self):
        """The admin listener out of descriptors (the service's soft limit
        cut to what it has open): accept() fails, and the listener pauses
        instead of trying again at once (which used to spin and write
        hundreds of thousands of libevent lines a second). One warning;
        probes answer again once descriptors are back."""
        import resource
        svc = Service(ADMIN)
        pid = svc.proc.pid
        socks = []
        try:
            nfd = len(os.listdir("/proc/%d/fd" % pid))
            old = resource.prlimit(pid, resource.RLIMIT_NOFILE)
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (nfd, old[1]))
            for _ in range(3):
                socks.append(socket.create_connection(("127.0.0.1", svc.admin_port)))

            def cpu():
                f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
                return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
            c0 = cpu()
            time.sleep(2)
            used = cpu() - c0
            resource.prlimit(pid, resource.RLIMIT_NOFILE, old)
            self.assertLess(used, 0.5, "the service spun: %.2f s of CPU in 2 s" % used)
            svc.wait_line(r"admin: cannot accept connections: .*; pausing")
            st, _, _ = until(lambda: svc.admin("GET", "/livez"), what="/livez again")
            self.assertEqual(st, 200)
            msgs = [Service.message(ln) for ln in svc.lines]
            self.assertEqual(sum("cannot accept" in m for m in msgs), 1, "\n".join(msgs[-20:]))
            self.assertFalse(any("Error from accept" in m for m in msgs))
        finally:
            for so in socks:
                so.close()
            self.assertEqual(svc.stop(), 0)

    def test_non_loopback_needs_a_token(self):
        svc = Service(["--admin-listen", "0.0.0.0:0"], expect_start=False)
        rc = svc.proc.wait(20)
        svc.close()
        self.assertEqual(rc, 1)
        self.assertTrue(any("not a loopback address" in l for l in svc.lines), svc.lines)

    def test_token_rule(self):
        tok = os.path.join(TMP, "token")
        with open(tok, "w") as f:
            f.write("s3cret-token-value\n")
        svc = Service(["--admin-listen", "0.0.0.0:0", "--admin-token-file", tok])
        try:
            for path in ("/livez", "/readyz", "/metrics", "/admin/v1/instances"):
                st, body, h = svc.admin("GET", path)
                self.assertEqual(st, 401, path)
                self.assertEqual(h.get("WWW-Authenticate"), "Bearer")
                st, _, _ = svc.admin("GET", path, {"Authorization": "Bearer s3cret-token-valuX"})
                self.assertEqual(st, 401, path)
                st, _, _ = svc.admin("GET", path, {"Authorization": "Bearer s3cret"})
                self.assertEqual(st, 401, path)
                st, _, _ = svc.admin("GET", path, {"Authorization": "Basic s3cret-token-value"})
                self.assertEqual(st, 401, path)
                st, _, _ = svc.admin("GET", path, {"Authorization": "Bearer s3cret-token-value"})
                self.assertEqual(st, 200, path)
            st, _, _ = svc.admin("POST", "/admin/v1/instances/1/terminate")
            self.assertEqual(st, 401)
            # The page itself is static and holds no data.
            st, body, _ = svc.admin("GET", "/admin/")
            self.assertEqual(st, 200)
            self.assertIn("<script>", body)
        finally:
            self.assertEqual(svc.stop(), 0)
        empty = os.path.join(TMP, "empty-token")
        open(empty, "w").close()
        svc = Service(["--admin-listen", "127.0.0.1:0", "--admin-token-file", empty],
                      expect_start=False)
        self.assertEqual(svc.proc.wait(20), 1)
        svc.close()

    def test_usage_errors(self):
        for args in (["--admin-listen", "nope"], ["--log-format", "xml"],
                     ["--log-level", "loud"], ["--shutdown-delay", "-1"], ["--admin-listen"]):
            p = subprocess.run([EXE] + args, stdin=subprocess.DEVNULL, capture_output=True, timeout=20)
            self.assertEqual(p.returncode, 2, args)
            self.assertIn(b"Try", p.stderr)


class Probes(unittest.TestCase):
    def test_livez_readyz_and_drain(self):
        sock_path = os.path.join(TMP, "notify.sock")
        if os.path.exists(sock_path):
            os.unlink(sock_path)
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(sock_path)
        ns.settimeout(20)
        svc = Service(ADMIN + ["--shutdown-delay", "1.5"], env={"NOTIFY_SOCKET": sock_path})
        try:
            self.assertEqual(ns.recv(256), b"READY=1")
            st, body, _ = svc.admin("GET", "/livez")
            self.assertEqual((st, body), (200, "ok\n"))
            st, body, _ = svc.admin("GET", "/readyz")
            self.assertEqual(st, 200)
            self.assertEqual(json.loads(body), {"status": "ready"})
            st, body, _ = svc.admin("GET", "/readyz?verbose")
            self.assertEqual(json.loads(body)["checks"],
                             {"listeners": True, "store": True, "draining": False})
            svc.proc.send_signal(signal.SIGTERM)
            self.assertEqual(ns.recv(256), b"STOPPING=1")
            svc.wait_line(r"not ready; stopping in 1.5 s")
            st, body, h = svc.admin("GET", "/readyz")
            self.assertEqual(st, 503)
            r = json.loads(body)
            self.assertEqual(r["status"], "not ready")
            self.assertIn("stopping", r["reason"])
            self.assertEqual(h.get("Content-Type"), "application/json")
            # Still serving while the load balancer drains it.
            st, body, _ = svc.admin("GET", "/livez")
            self.assertEqual(st, 200)
            st, body, _ = svc.soap("start", order("drain-1"))
            self.assertEqual(st, 200, body)
            t0 = time.time()
            self.assertEqual(svc.proc.wait(20), 0)
            svc.wait_line(r"shutdown delay over")
            self.assertLess(time.time() - t0, 10)
        finally:
            ns.close()
            self.assertEqual(svc.stop(), 0)

    def test_methods_and_unknown_paths(self):
        svc = Service(ADMIN)
        try:
            self.assertEqual(svc.admin("POST", "/livez")[0], 405)
            self.assertEqual(svc.admin("GET", "/nope")[0], 404)
            self.assertEqual(svc.admin("GET", "/admin/v1/instances/abc")[0], 404)
            self.assertEqual(svc.admin("GET", "/admin/v1/instances/99")[0], 404)
            self.assertEqual(svc.admin("POST", "/admin/v1/instances/99/terminate")[0], 404)
            self.assertEqual(svc.admin("POST", "/admin/v1/instances/1/explode")[0], 404)
            self.assertEqual(svc.admin("GET", "/admin/v1/instances/1/terminate")[0], 405)
            self.assertEqual(svc.admin("GET", "/admin/v1/instances?color=red")[0], 400)
            self.assertEqual(svc.admin("GET", "/admin/v1/instances?status=sleepy")[0], 400)
            self.assertEqual(svc.admin("GET", "/admin/v1/instances?limit=x")[0], 400)
            self.assertEqual(svc.admin("GET", "/admin/v1/instances?started_after=yesterday")[0], 400)
            st, _, h = svc.admin("GET", "/admin")
            self.assertEqual((st, h.get("Location")), (301, "/admin/"))
        finally:
            self.assertEqual(svc.stop(), 0)


class Metrics(unittest.TestCase):
    def test_values_after_a_known_scenario(self):
        svc = Service(ADMIN)
        try:
            m, text = metrics(svc)
            self.assertIn("# TYPE bpel_instance_duration_seconds histogram", text)
            self.assertEqual(m['bpel_build_info{process="ops",build="%s"}' % json.loads(
                svc.admin("GET", "/admin/v1/process")[1])["build"]], 1)
            self.assertEqual(m["bpel_instances_started_total"], 0)
            self.assertEqual(m["bpel_store_commit_seconds_count"], 0)
            # A: completes. B: the partner faults, so does the instance.
            self.assertEqual(svc.soap("start", order("A"))[0], 200)
            self.assertEqual(svc.soap("finish", order("A"))[0], 200)
            self.assertEqual(svc.soap("start", order("fault-B"))[0], 500)
            # C: terminated by the operator while it waits in a timer.
            self.assertEqual(svc.soap("start", order("C"))[0], 200)
            pending = Async(svc, "finish", order("C", "PT60S"))
            c = until(lambda: find_id(svc, "C"), what="instance C")
            until(lambda: waits_in(svc, c, "pause"), what="C in pause")
            m, _ = metrics(svc)
            self.assertEqual(m["bpel_timers_pending"], 1)
            self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/terminate" % c)[0], 200)
            st, body, _ = pending.result()
            self.assertEqual(st, 500)
            self.assertIn("exited", body)
            # Nobody takes this one.
            self.assertEqual(svc.soap("finish", order("nobody"))[0], 500)
            # D: waits for its finish.
            self.assertEqual(svc.soap("start", order("D"))[0], 200)
            until(lambda: find_id(svc, "D"), what="instance D")
            m, text = metrics(svc)
            want = {
                "bpel_instances_started_total": 4,
                'bpel_instances_finished_total{outcome="completed"}': 1,
                'bpel_instances_finished_total{outcome="faulted"}': 1,
                'bpel_instances_finished_total{outcome="terminated"}': 1,
                'bpel_instances_active{state="running"}': 0,
                'bpel_instances_active{state="waiting"}': 1,
                'bpel_instances_active{state="suspended"}': 0,
                "bpel_instance_duration_seconds_count": 3,
                'bpel_instance_duration_seconds_bucket{le="+Inf"}': 3,
                'bpel_soap_requests_total{operation="start",code="200"}': 3,
                'bpel_soap_requests_total{operation="start",code="500"}': 1,
                'bpel_soap_requests_total{operation="finish",code="200"}': 1,
                'bpel_soap_requests_total{operation="finish",code="500"}': 2,
                'bpel_invoke_duration_seconds_count{partner_link="checker",operation="check",outcome="ok"}': 3,
                'bpel_invoke_duration_seconds_count{partner_link="checker",operation="check",outcome="fault"}': 1,
                'bpel_correlation_unmatched_total{operation="finish"}': 1,
                'bpel_correlation_unmatched_total{operation="start"}': 0,
                "bpel_timers_pending": 0,
                "bpel_store_commit_seconds_count": 0,
            }
            for k, v in want.items():
                self.assertEqual(m.get(k), v, "%s in\n%s" % (k, text))
            # Buckets are cumulative and end at the count.
            b = [v for k, v in m.items() if k.startswith("bpel_instance_duration_seconds_bucket")]
            self.assertEqual(b, sorted(b))
        finally:
            self.assertEqual(svc.stop(), 0)


class Instances(unittest.TestCase):
    def setUp(self):
        self.svc = Service(ADMIN)

    def tearDown(self):
        self.assertEqual(self.svc.stop(), 0)

    def test_list_filters_and_detail(self):
        svc = self.svc
        t0 = time.time()
        for oid in ("L1", "L2", "L3"):
            self.assertEqual(svc.soap("start", order(oid))[0], 200)
        r = instances(svc)
        self.assertEqual((r["count"], r["live"]), (3, 3))
        x = r["instances"][0]
        self.assertEqual(x["status"], "waiting")
        self.assertEqual(x["correlation"], [{"set": "byOrder", "properties": {"orderId": "L1"}}])
        self.assertEqual(len(x["waits"]), 1)
        w = x["waits"][0]
        self.assertEqual((w["activity"], w["for"], w["operation"]), ("getFinish", "message", "finish"))
        with open(os.path.join(HERE, "ops.bpel")) as f:
            line = [i for i, l in enumerate(f, 1) if 'name="getFinish"' in l][0]
        self.assertEqual(w["line"], line)
        self.assertRegex(x["started"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        self.assertEqual(instances(svc, "?property.orderId=L2")["count"], 1)
        self.assertEqual(instances(svc, "?property.orderId=L2")["instances"][0]["correlation"][0]
                         ["properties"]["orderId"], "L2")
        self.assertEqual(instances(svc, "?property.orderId=none")["count"], 0)
        self.assertEqual(instances(svc, "?status=waiting")["count"], 3)
        self.assertEqual(instances(svc, "?status=running")["count"], 0)
        self.assertEqual(instances(svc, "?limit=2")["count"], 2)
        self.assertEqual(instances(svc, "?started_after=%d" % (t0 - 60))["count"], 3)
        self.assertEqual(instances(svc, "?started_before=%d" % (t0 - 60))["count"], 0)
        self.assertEqual(instances(svc, "?started_after=2999-01-01T00:00:00Z")["count"], 0)
        st, d = detail(svc, x["id"])
        self.assertEqual(st, 200)
        self.assertNotIn("variables", d)
        # Only a suspended instance resumes.
        self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/resume" % x["id"])[0], 409)
        st, d = detail(svc, x["id"], "?variables=1")
        vs = {v["name"]: v["value"] for v in d["variables"]}
        self.assertIn("<o:id>L1</o:id>", vs["order"])
        self.assertIsNone(vs["fin"])
        st, body, _ = svc.admin("GET", "/admin/v1/process")
        p = json.loads(body)
        names = [a["name"] for a in p["activities"]]
        self.assertEqual(p["activities"][0]["kind"], "sequence")
        self.assertEqual(p["activities"][w["index"]]["name"], "getFinish")
        self.assertEqual(p["activities"][names.index("pause")]["parent"], 0)

    def test_suspend_holds_messages(self):
        svc = self.svc
        self.assertEqual(svc.soap("start", order("S1"))[0], 200)
        iid = until(lambda: find_id(svc, "S1"))
        self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/suspend" % iid)[0], 200)
        self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/suspend" % iid)[0], 409)
        a = Async(svc, "finish", order("S1"))
        time.sleep(1.0)
        self.assertFalse(a.done(), "a suspended instance answered")
        st, d = detail(svc, iid, "?variables=1")
        self.assertEqual(d["status"], "suspended")
        self.assertIsNone({v["name"]: v["value"] for v in d["variables"]}["fin"],
                          "a suspended instance consumed a message")
        m, _ = metrics(svc)
        self.assertEqual(m['bpel_instances_active{state="suspended"}'], 1)
        self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/resume" % iid)[0], 200)
        st, body, _ = a.result()
        self.assertEqual(st, 200, body)
        until(lambda: detail(svc, iid)[0] == 404, what="S1 to end")

    def test_suspend_holds_timers(self):
        svc = self.svc
        self.assertEqual(svc.soap("start", order("S2"))[0], 200)
        iid = until(lambda: find_id(svc, "S2"))
        a = Async(svc, "finish", order("S2", "PT1S"))
        until(lambda: waits_in(svc, iid, "pause"), what="S2 in pause")
        self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/suspend" % iid)[0], 200)
        time.sleep(2.0)
        self.assertFalse(a.done(), "a suspended instance's timer fired")
        self.assertTrue(waits_in(svc, iid, "pause"))
        t0 = time.time()
        self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/resume" % iid)[0], 200)
        st, body, _ = a.result()
        self.assertEqual(st, 200, body)
        self.assertLess(time.time() - t0, 5)

    def test_terminate_waiting_instance(self):
        svc = self.svc
        self.assertEqual(svc.soap("start", order("T1"))[0], 200)
        self.assertEqual(svc.soap("start", order("T2"))[0], 200)
        t1 = until(lambda: find_id(svc, "T1"))
        t2 = until(lambda: find_id(svc, "T2"))
        st, body, _ = svc.admin("POST", "/admin/v1/instances/%d/terminate" % t1)
        self.assertEqual(st, 200)
        self.assertEqual(json.loads(body), {"id": t1, "done": "terminate"})
        self.assertEqual(detail(svc, t1)[0], 404)
        # Its correlation is gone with it: a finish for T1 finds no one.
        self.assertEqual(svc.soap("finish", order("T1"))[0], 500)
        # A suspended one can be terminated too; its open request learns.
        self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/suspend" % t2)[0], 200)
        a = Async(svc, "finish", order("T2"))
        time.sleep(0.3)
        self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/terminate" % t2)[0], 200)
        st, body, _ = a.result()
        self.assertEqual(st, 500)
        svc.wait_line(r"admin: instance %d: terminate" % t2)
        self.assertEqual(instances(svc)["live"], 0)


class Logs(unittest.TestCase):
    def test_json_lines_and_traceparent(self):
        svc = Service(ADMIN + ["--log-format", "json"])
        try:
            st, body, _ = svc.soap("start", order("J1"), headers={"traceparent": TP})
            self.assertEqual(st, 200, body)
            self.assertEqual(svc.soap("finish", order("J1"))[0], 200)
            svc.wait_line(r"instance \d+ completed")
            # The partner saw the trace, with our own parent id.
            tps = [t for t in svc.checker.traceparents if t]
            self.assertEqual(len(tps), 1, svc.checker.traceparents)
            self.assertRegex(tps[0], r"^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$")
            self.assertNotEqual(tps[0], TP)
            # A malformed traceparent is not carried.
            svc.soap("start", order("J2"), headers={"traceparent": "00-xyz"})
            self.assertEqual(svc.checker.traceparents[-1], None)
        finally:
            self.assertEqual(svc.stop(), 0)
        parsed = []
        for ln in svc.lines:
            obj = json.loads(ln)  # every line is one JSON object
            for k in ("time", "level", "message", "process"):
                self.assertIn(k, obj)
            self.assertRegex(obj["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertEqual(obj["process"], "ops")
            parsed.append(obj)
        req = [o for o in parsed if re.search(r"request \d+: POST /ops operation start", o["message"])]
        self.assertEqual(req[0]["operation"], "start")
        self.assertEqual(req[0]["partner_link"], "client")
        self.assertEqual(req[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        done = [o for o in parsed if re.search(r"instance \d+ completed", o["message"])]
        self.assertTrue(done[0]["instance"] >= 1)
        self.assertIn("activity", done[0])
        self.assertIn("line", done[0])
        traced = [o for o in parsed if o.get("trace_id")]
        self.assertTrue(any("instance" in o for o in traced),
                        "no instance line carries the trace")

    def test_libevent_warning_in_our_format(self):
        """A condition libevent itself logs about: out of descriptors when
        the listener's socket is made (evhttp's bind_socket warns
        "socket: Too many open files"). The service's descriptor limit is
        raised one at a time from a small number until a start fails there;
        the warning must come out as our line (text: stamp, process name,
        "libevent: ..."; JSON: an object with level warn), never in
        libevent's own "[warn] ..." format."""
        import resource

        def run(limit, fmt):
            def cut():
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
            p = subprocess.run([EXE, "--listen", "127.0.0.1:0", "--store", "none",
                                "--log-format", fmt, "--partner",
                                "checker=http://127.0.0.1:9/check"],
                               stdin=subprocess.DEVNULL, capture_output=True,
                               preexec_fn=cut, cwd=TMP, timeout=30)
            return p.returncode, p.stderr.decode("utf-8", "replace")

        found = None
        for limit in range(4, 64):
            rc, err = run(limit, "text")
            if "libevent: " in err:
                found = limit
                break
            self.assertNotIn("serving ", err,
                             "started at %d descriptors without a libevent "
                             "warning" % limit)
        self.assertIsNotNone(found, "no descriptor limit made libevent warn")
        self.assertEqual(rc, 1)
        self.assertNotIn("[warn]", err)
        line = next(ln for ln in err.splitlines() if "libevent: " in ln)
        self.assertRegex(line, r"^\d\d:\d\d:\d\d\.\d{3} ops: libevent: socket: "
                               r"Too many open files$")
        rc, err = run(found, "json")
        self.assertEqual(rc, 1)
        objs = [json.loads(ln) for ln in err.splitlines() if ln.startswith("{")]
        self.assertEqual(len(objs), len(err.splitlines()), err)
        ev = [o for o in objs if o["message"].startswith("libevent: ")]
        self.assertEqual(len(ev), 1, err)
        self.assertEqual(ev[0]["level"], "warn")
        self.assertEqual(ev[0]["message"], "libevent: socket: Too many open files")

    def test_levels(self):
        svc = Service(["--log-level", "warn"], expect_start=False)
        time.sleep(0.5)
        self.assertIsNone(svc.proc.poll())
        svc.stop()
        self.assertFalse(any("serving" in l for l in svc.lines), svc.lines)
        # Errors still show at the quietest level, marked as errors.
        busy = socket.socket()
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        p = subprocess.run([EXE, "--store", "none", "--log-level", "error", "--log-format", "json",
                            "--listen", "127.0.0.1:%d" % busy.getsockname()[1]],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=20, cwd=TMP)
        busy.close()
        self.assertEqual(p.returncode, 1)
        lines = [json.loads(l) for l in p.stderr.decode().splitlines()]
        self.assertTrue(lines)
        self.assertTrue(all(o["level"] == "error" for o in lines), lines)
        self.assertTrue(any("cannot listen" in o["message"] for o in lines), lines)
        svc = Service(["--log-level", "debug"])
        try:
            svc.soap("start", order("D1"))
            svc.wait_line(r"strand \d+ .* -> ")
        finally:
            self.assertEqual(svc.stop(), 0)


class Store(unittest.TestCase):
    def test_suspended_survives_a_restart_and_commits_are_timed(self):
        db = os.path.join(TMP, "ops-store.db")
        checker = Checker()
        try:
            svc = Service(ADMIN, checker=checker, store=db)
            self.assertEqual(svc.soap("start", order("R1"))[0], 200)
            self.assertEqual(svc.soap("start", order("R2"))[0], 200)
            r1 = until(lambda: find_id(svc, "R1"))
            r2 = until(lambda: find_id(svc, "R2"))
            started = detail(svc, r1)[1]["started"]
            self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/suspend" % r1)[0], 200)
            m, _ = metrics(svc)
            self.assertGreaterEqual(m["bpel_store_commit_seconds_count"], 2)
            self.assertEqual(m['bpel_store_commit_seconds_bucket{le="+Inf"}'],
                             m["bpel_store_commit_seconds_count"])
            self.assertEqual(svc.stop(), 0)
            svc = Service(ADMIN, checker=checker, store=db)
            st, body, _ = svc.admin("GET", "/readyz")
            self.assertEqual(st, 200, body)
            st, d = detail(svc, r1)
            self.assertEqual(st, 200)
            self.assertEqual(d["status"], "suspended")
            self.assertEqual(d["started"][:19], started[:19])
            self.assertEqual(detail(svc, r2)[1]["status"], "waiting")
            # Restored instances were not started again.
            m, _ = metrics(svc)
            self.assertEqual(m["bpel_instances_started_total"], 0)
            # Still suspended after the restart: the message waits.
            a = Async(svc, "finish", order("R1"))
            time.sleep(0.8)
            self.assertFalse(a.done())
            self.assertEqual(svc.admin("POST", "/admin/v1/instances/%d/resume" % r1)[0], 200)
            self.assertEqual(a.result()[0], 200)
            self.assertEqual(svc.soap("finish", order("R2"))[0], 200)
            self.assertEqual(svc.stop(), 0)
        finally:
            checker.close()


def clone_instances(db, oid, n):
    """Fill store `db`, which holds one waiting instance of order `oid`,
    with n more: copies of its record under new ids and order ids
    ("C000001"...), so that recovering the store takes a while (real
    records of this build, restored by the service like any other)."""
    import sqlite3
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT id, process, build, format, data FROM bpelc_instance").fetchall()
        base = [r for r in rows if oid.encode() in r[4]]
        assert len(base) == 1, rows
        iid, process, build, fmt, data = base[0]
        text = data.decode()
        head = '<instance build="%s" format="%d" process="%s" id="%d"' % (build, fmt, process, iid)
        assert head in text, text[:200]
        first = max(r[0] for r in rows) + 1
        def rec(k):
            new = text.replace(head, head.replace('id="%d"' % iid, 'id="%d"' % (first + k)), 1)
            return (first + k, process, build, fmt, new.replace(oid, "C%06d" % k).encode())
        con.executemany("INSERT INTO bpelc_instance (id, process, build, format, corrupt, data)"
                        " VALUES (?, ?, ?, ?, NULL, ?)", (rec(k) for k in range(n)))
        con.commit()
        return con.execute("SELECT count(*) FROM bpelc_instance").fetchone()[0]
    finally:
        con.close()


def admin_port_of(svc):
    ln = svc.wait_line(r"^admin listening on ")
    return int(re.search(r"admin listening on .*:(\d+)", Service.message(ln)).group(1))


class Recovery(unittest.TestCase):
    """Start-up recovers the store on the event loop: meanwhile /livez
    answers 200 and /readyz 503 with how far it got; the SOAP port is
    bound only after, and a message then finds its restored instance."""
    N = 60000  # ~1 s of recovery on a quiet machine, more on a busy one

    @classmethod
    def setUpClass(cls):
        cls.db = os.path.join(TMP, "recovery.db")
        cls.checker = Checker()
        svc = Service(ADMIN, checker=cls.checker, store=cls.db)
        try:
            st, body, _ = svc.soap("start", order("RECBASE"))
            assert st == 200, body
            until(lambda: find_id(svc, "RECBASE"))
        finally:
            assert svc.stop() == 0
        cls.total = clone_instances(cls.db, "RECBASE", cls.N)

    @classmethod
    def tearDownClass(cls):
        cls.checker.close()
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(cls.db + suffix):
                os.unlink(cls.db + suffix)

    def start(self, env=None):
        svc = Service(ADMIN, checker=self.checker, store=self.db, expect_start=False, env=env)
        svc.admin_port = admin_port_of(svc)
        return svc

    def serving(self, svc):
        return any(re.search(r"^serving ", Service.message(l)) for l in list(svc.lines))

    def test_probes_during_recovery_then_ready(self):
        sock_path = os.path.join(TMP, "notify-recovery.sock")
        if os.path.exists(sock_path):
            os.unlink(sock_path)
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(sock_path)
        ns.setblocking(False)
        svc = self.start({"NOTIFY_SOCKET": sock_path})
        try:
            ready, live, refused, notified = [], [], [], False
            while not self.serving(svc):
                self.assertIsNone(svc.proc.poll(), "\n".join(svc.lines[-20:]))
                try:
                    # systemd hears READY=1 only once /readyz says ready.
                    self.assertEqual(ns.recv(256), b"READY=1")
                    self.assertEqual(svc.admin("GET", "/readyz")[0], 200)
                    notified = True
                    svc.wait_line(r"^serving ")
                    break
                except BlockingIOError:
                    pass
                st, body, _ = svc.admin("GET", "/readyz")
                ready.append((st, json.loads(body)))
                live.append(svc.admin("GET", "/livez")[:2])
                if len(refused) < 1:
                    refused.append(svc.admin("POST", "/admin/v1/instances/1/suspend")[0])
            during = [r for st, r in ready if st == 503 and r.get("reason", "").startswith("recovering:")]
            self.assertTrue(during, "no probe answered during recovery (it took: %s)" %
                            svc.wait_line(r"restored in"))
            restored = []
            for r in during:
                self.assertEqual(r["status"], "not ready")
                if r["reason"] == "recovering: the store is being read":
                    continue  # before its first slice
                m = re.match(r"^recovering: (\d+) of (\d+) instances restored$", r["reason"])
                self.assertTrue(m, r)
                self.assertEqual(int(m.group(2)), self.total)
                restored.append(int(m.group(1)))
            self.assertTrue(restored, during)
            self.assertEqual(restored, sorted(restored))
            # Every probe answered: 200 or 503, never a hang.
            self.assertTrue(all(st in (200, 503) for st, _ in ready), ready)
            self.assertTrue(all(x == (200, "ok\n") for x in live), live)
            self.assertEqual(refused, [503])
            # Listening only after recovery, which says what it did.
            msgs = [Service.message(l) for l in svc.lines]
            done = [i for i, m in enumerate(msgs) if re.search(
                r"instance store .*: %d instances restored in [0-9.]+ s" % self.total, m)]
            bound = [i for i, m in enumerate(msgs) if re.match(r"listening on ", m)]
            self.assertTrue(done and bound and done[0] < bound[0], msgs[:10])
            for ln in svc.lines:
                m = re.search(r"^listening on .*:(\d+)", Service.message(ln))
                if m:
                    svc.soap_port = int(m.group(1))
            st, body, _ = svc.admin("GET", "/readyz")
            self.assertEqual((st, json.loads(body)), (200, {"status": "ready"}))
            if not notified:
                ns.settimeout(20)
                self.assertEqual(ns.recv(256), b"READY=1")
            # A message finds its restored instance.
            st, body, _ = svc.soap("finish", order("C%06d" % (self.N // 2)))
            self.assertEqual(st, 200, body)
            self.assertIn("C%06d" % (self.N // 2), body)
        finally:
            ns.close()
            self.assertEqual(svc.stop(60), 0)
        type(self).total -= 1

    def test_failure_during_recovery_exits_1(self):
        import sqlite3
        bad = os.path.join(TMP, "recovery-bad.db")
        shutil.copyfile(self.db, bad)
        con = sqlite3.connect(bad)
        try:
            try:
                leaves = [r[0] for r in con.execute(
                    "SELECT pageno FROM dbstat WHERE name = 'bpelc_instance'"
                    " AND pagetype = 'leaf' ORDER BY pageno")]
            except sqlite3.OperationalError:  # no dbstat: the middle page
                n = con.execute("PRAGMA page_count").fetchone()[0]
                leaves = [n // 2]
            size = con.execute("PRAGMA page_size").fetchone()[0]
        finally:
            con.close()
        # A leaf page in the middle of the table no longer parses: the
        # store opens, then recovery fails (in its first step, which
        # counts the records) on the loop, the admin listener up.
        with open(bad, "r+b") as f:
            f.seek((leaves[len(leaves) // 2] - 1) * size)
            f.write(b"\xff" * 16)
        svc = Service(ADMIN, checker=self.checker, store=bad, expect_start=False)
        try:
            rc = svc.proc.wait(120)
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            raise
        svc.close()
        self.assertEqual(rc, 1, "\n".join(svc.lines[-20:]))
        msgs = [Service.message(l) for l in svc.lines]
        failed = [i for i, m in enumerate(msgs)
                  if re.search(r"instance store .*: recovery failed: ", m)]
        up = [i for i, m in enumerate(msgs) if m.startswith("admin listening on ")]
        self.assertTrue(failed and up and up[0] < failed[0], msgs[-10:])
        self.assertFalse(any(re.match(r"listening on |serving ", m) for m in msgs))

    def test_sigterm_during_recovery(self):
        svc = self.start()
        until(lambda: svc.admin("GET", "/readyz")[0] == 503, what="503 while recovering")
        svc.proc.send_signal(signal.SIGTERM)
        try:
            rc = svc.proc.wait(60)
        except subprocess.TimeoutExpired:
            svc.proc.kill()
            raise
        svc.close()
        self.assertEqual(rc, 0, "\n".join(svc.lines[-20:]))
        msgs = [Service.message(l) for l in svc.lines]
        self.assertTrue(any(re.match(r"signal 15 during start-up: stopping \(recovering: \d+ of", m)
                            for m in msgs), msgs[:10])
        self.assertFalse(any(re.match(r"listening on |serving ", m) for m in msgs))
        import sqlite3
        con = sqlite3.connect(self.db)
        try:
            self.assertEqual(con.execute("SELECT count(*) FROM bpelc_instance").fetchone()[0],
                             self.total)
        finally:
            con.close()


class SystemdUnit(unittest.TestCase):
    def test_sample_unit_verifies(self):
        tool = shutil.which("systemd-analyze")
        if not tool:
            self.skipTest("no systemd-analyze: the sample unit is not checked")
        with open(os.path.join(HERE, "..", "..", "docs", "bpel-service.service")) as f:
            text = f.read()
        for opt in ("Type=notify", "DynamicUser=yes", "StateDirectory=", "ProtectSystem=strict"):
            self.assertIn(opt, text)
        unit = os.path.join(TMP, "bpel-service.service")
        with open(unit, "w") as f:
            f.write(text.replace("/usr/local/bin/loan", EXE))
        p = subprocess.run([tool, "verify", unit], capture_output=True, timeout=60)
        out = (p.stdout + p.stderr).decode()
        # Only what this machine lacks may be reported, never the unit.
        bad = [l for l in out.splitlines() if l.strip() and "bpel-service" in l]
        self.assertEqual(bad, [], out)


def find_browser():
    for b in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(b)
        if p:
            return p
    return None


class Console(unittest.TestCase):
    def test_console_in_headless_chromium(self):
        browser = find_browser()
        if not browser:
            self.skipTest("no chromium installed: the console page is not tested "
                          "(tools/install-deps.sh installs it)")
        svc = Service(ADMIN)
        try:
            for oid in ("W1", "W2"):
                self.assertEqual(svc.soap("start", order(oid))[0], 200)
            iid = until(lambda: find_id(svc, "W2"))
            profile = tempfile.mkdtemp(prefix="chromium-", dir=TMP)
            cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                   "--no-first-run", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync",
                   "--user-data-dir=" + profile, "--virtual-time-budget=15000", "--dump-dom",
                   "http://127.0.0.1:%d/admin/#instance=%d" % (svc.admin_port, iid)]
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
            dom = p.stdout.decode("utf-8", "replace")
            self.assertIn('data-loaded="1"', dom, p.stderr.decode()[-2000:])
            self.assertIn('id="proc">ops<', dom)
            # Both instances listed, the chosen one drawn.
            for oid in ("W1", "W2"):
                self.assertIn("orderId=" + oid, dom)
            self.assertRegex(dom, r'id="d-id">%d<' % iid)
            # The tree: nested lists, the waiting activity marked.
            self.assertRegex(dom, r'<li id="act-0"><span class="kind">sequence </span>'
                                  r'<span class="act">main \(line \d+\)</span><ul>')
            self.assertRegex(dom, r'<li id="act-\d+" class="waiting"><span class="kind">receive '
                                  r'</span><span class="act">getFinish \(line \d+\)</span>'
                                  r'<span class="mark">◀ waits: message</span>')
            self.assertEqual(len(re.findall(r'class="waiting"', dom)), 1)
        finally:
            self.assertEqual(svc.stop(), 0)


def main():
    global ARGS, EXE, TMP
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bpelc", required=True)
    ap.add_argument("-v", action="store_true")
    ap.add_argument("-k", action="append", default=[])
    ap.add_argument("--keep", action="store_true")
    ARGS = ap.parse_args()
    TMP = tempfile.mkdtemp(prefix="bpelc-ops-")
    EXE = os.path.join(TMP, "ops")
    p = subprocess.run([os.path.abspath(ARGS.bpelc), "-o", EXE, "ops.bpel"], cwd=HERE,
                       capture_output=True)
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode())
        print("ops: FAIL: cannot compile ops.bpel")
        return 1
    argv = [sys.argv[0]] + (["-v"] if ARGS.v else [])
    for k in ARGS.k:
        argv += ["-k", k]
    prog = unittest.main(argv=argv, exit=False)
    if not ARGS.keep:
        shutil.rmtree(TMP, ignore_errors=True)
    r = prog.result
    print("ops: %d run, %d failed, %d skipped" % (r.testsRun, len(r.failures) + len(r.errors),
                                                 len(r.skipped)))
    return 0 if r.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
