#!/usr/bin/env python3
"""load.py: the orders conversation with N instances driven concurrently
(64 client threads, default N = 1000): all starts at once, then the push,
three add rounds, the late push and finish, each round sent concurrently
in a shuffled order. Checks every reply (id and running total), that the
service ends with no instance left (SIGTERM, exit 0).
The scenario files cover the same sequentially inside the e2e runner; this
one is for concurrency:  python3 load.py --bpelc build/bpelc [N]"""
import argparse
import concurrent.futures as cf
import http.client
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, op, oid, n):
    body = ("<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
            "<s:Body><o:order xmlns:o=\"http://bpelc.example.org/tests/orders\">"
            "<o:id>%s</o:id><o:n>%d</o:n></o:order></s:Body></s:Envelope>"
            % (oid, n))
    for attempt in range(5):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("POST", "/orders", body=body.encode(),
                      headers={"Content-Type": "text/xml; charset=utf-8",
                               "SOAPAction": '"%s"' % op})
            r = c.getresponse()
            data = r.read().decode()
            c.close()
            return r.status, data
        except (ConnectionResetError, ConnectionRefusedError):
            time.sleep(0.05 * (attempt + 1))
    raise RuntimeError("%s %s: connection failed" % (op, oid))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bpelc", required=True)
    ap.add_argument("n", nargs="?", type=int, default=1000)
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="correl-load-")
    exe = os.path.join(tmp, "orders")
    subprocess.run([os.path.abspath(a.bpelc), "-o", exe, "orders.bpel"],
                   cwd=HERE, check=True)
    port = free_port()
    log = open(os.path.join(tmp, "service.log"), "w")
    svc = subprocess.Popen([exe, "--listen", "127.0.0.1:%d" % port],
                           stderr=log)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    ids = ["order-%04d" % i for i in range(a.n)]
    total = {oid: i for i, oid in enumerate(ids)}
    rng = random.Random(7)
    bad = []
    t0 = time.monotonic()

    def round_(op, n_of, expect_sum):
        order = rng.sample(ids, len(ids))
        with cf.ThreadPoolExecutor(64) as ex:
            futs = {ex.submit(call, port, op, oid, n_of(oid)): oid
                    for oid in order}
            for f in cf.as_completed(futs):
                oid = futs[f]
                st, body = f.result()
                if expect_sum is None:
                    ok = st == 202
                else:
                    m = re.search(r":sum[^>]*>(-?\d+)<", body)
                    ok = (st == 200 and m and int(m.group(1)) == total[oid]
                          and re.search(r":id[^>]*>%s<" % oid, body))
                if not ok:
                    bad.append((op, oid, st, body[:200]))

    round_("start", lambda oid: total[oid], True)
    for oid in ids:
        total[oid] += 7
    round_("push", lambda oid: 7, None)
    time.sleep(1.2)
    for k in (1, 2, 3):
        for oid in ids:
            total[oid] += k
        round_("add", lambda oid, k=k: k, True)
    for oid in ids:
        total[oid] += 1
    round_("push", lambda oid: 1, None)
    round_("finish", lambda oid: 0, True)
    took = time.monotonic() - t0
    svc.send_signal(signal.SIGTERM)
    rc = svc.wait(30)
    log.close()
    text = open(os.path.join(tmp, "service.log")).read()
    left = len(re.findall(r"instance \d+ created", text)) - \
        len(re.findall(r"instance \d+ completed", text))
    print("load: %d instances, %d requests in %.1fs, %d bad, %d left, exit %d"
          % (a.n, 6 * a.n, took, len(bad), left, rc))
    for b in bad[:10]:
        print("  bad:", b)
    ok = not bad and rc == 0 and left == 0
    if ok:
        subprocess.run(["rm", "-rf", tmp])
    else:
        print("service log:", os.path.join(tmp, "service.log"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
