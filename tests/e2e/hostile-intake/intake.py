#!/usr/bin/env python3
"""intake.py PORT TEST — requests built to cost the service time or memory
out of proportion to their size (namespace and attribute floods at the
largest body the service takes), sent while a normal client is served.

Each TEST sends its flood from one thread and, meanwhile, normal requests
from another; it checks the flood's answer (a SOAP fault naming the limit,
or a normal answer for a request within the limits) and that no normal
request waited more than a second or two. Prints what it saw; exit 0 when
all was well, 1 otherwise.

  nsflood     20,000 xmlns:pN declarations and 50,000 child elements
  attrflood   100,000 attributes on one element
  deep        declarations within the limits on every level (60 per
              element, 180 in scope) and 60,000 children using a prefix
  nesting     300 nested elements (beyond the depth limit)
"""
import http.client
import sys
import threading
import time

PORT = int(sys.argv[1])
TEST = sys.argv[2]
S = "http://schemas.xmlsoap.org/soap/envelope/"
G = "http://bpelc.example.org/tests/hostile"
MAX = 1 << 20  # the service's default --max-body
problems = []


def envelope(env_attrs, inner, name_attrs=""):
    return ('<s:Envelope xmlns:s="%s"%s><s:Body><g:name xmlns:g="%s"%s>%s'
            '</g:name></s:Body></s:Envelope>' % (S, env_attrs, G, name_attrs,
                                                  inner)).encode()


def post(body, timeout=60):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    t0 = time.monotonic()
    c.request("POST", "/guard", body, {"Content-Type": "text/xml"})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data.decode("utf-8", "replace"), time.monotonic() - t0


def flood_body():
    if TEST == "nsflood":
        decl = "".join(' xmlns:p%d="urn:p%d"' % (i, i) for i in range(20000))
        return envelope(decl, "<a>x</a>" * 50000), 500, "too many"
    if TEST == "attrflood":
        attrs = "".join(' a%d=""' % i for i in range(100000))
        return envelope("", "x", attrs), 500, "too many attributes"
    if TEST == "deep":
        def decl(level):
            return "".join(' xmlns:q%d_%d="urn:q%d"' % (level, i, i)
                           for i in range(60))
        body = ('<s:Envelope xmlns:s="%s"%s><s:Body%s><g:name xmlns:g="%s"%s>'
                '%s</g:name></s:Body></s:Envelope>'
                % (S, decl(0), decl(1), G, decl(2),
                   "<a>q0_1:x</a>" * 60000)).encode()
        return body, 200, "Hello, q0_1:x"
    if TEST == "nesting":
        return envelope("", "<a>" * 300 + "x" + "</a>" * 300), 500, \
            "nested too deep"
    raise SystemExit("unknown test " + TEST)


def main():
    body, want_status, want_text = flood_body()
    if len(body) > MAX:
        problems.append("flood of %d bytes is over --max-body" % len(body))
    normal = envelope("", "normal")
    post(normal)  # warm up
    done = threading.Event()
    worst = [0.0]

    def normals():
        while not done.is_set():
            st, data, dt = post(normal)
            worst[0] = max(worst[0], dt)
            if st != 200 or "Hello, normal" not in data:
                problems.append("normal request answered %d" % st)
            time.sleep(0.02)

    t = threading.Thread(target=normals)
    t.start()
    floods = []
    for _ in range(3):
        floods.append(post(body))
    done.set()
    t.join()
    for st, data, dt in floods:
        print("flood: %d bytes answered %d in %.2f s" % (len(body), st, dt))
        if st != want_status or want_text not in data:
            problems.append("flood answered %d: %s" % (st, data[:300]))
        if dt > 3:
            problems.append("flood took %.2f s" % dt)
    print("slowest normal request meanwhile: %.3f s" % worst[0])
    if worst[0] > 2:
        problems.append("a normal request waited %.2f s" % worst[0])
    for p in problems:
        print("PROBLEM:", p)
    sys.exit(1 if problems else 0)


main()
