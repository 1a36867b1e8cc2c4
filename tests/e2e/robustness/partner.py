#!/usr/bin/env python3
"""partner.py PORT — a partner that misbehaves on request.

The number N in the request (the content of the Body's element) picks what
the partner does; BEHAVIOURS below is the table, one row per misbehaviour,
with the answer the process under test (robust.bpel) must give for the
request-response operation (compute) and for the one-way one (notify).
Any N not in the table is answered correctly: compute echoes N, notify
gets 202 Accepted. gen_scenarios.py writes the scenario files from the same
table, so the two cannot drift apart.

Raw sockets (not http.server) because most rows are not valid HTTP. One
thread per connection; a connection that is held open is held until the
service gives up and closes it. Serves on 127.0.0.1 only, until SIGTERM.
"""
import re
import signal
import socket
import struct
import sys
import threading
import time

NS = "urn:bpelc:e2e:robust"
ENV = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')
FAULT = ENV % ('<soapenv:Fault><faultcode>soapenv:Server</faultcode>'
               '<faultstring>it went wrong</faultstring></soapenv:Fault>')
XML = "text/xml; charset=utf-8"
MB = 1 << 20


def answer(n):
    return ENV % ('<a xmlns="%s">%s</a>' % (NS, n))


# ---- building blocks: each takes the socket, N and the operation ----------

def send(sock, status, body=b"", ctype=XML, headers=(), reason=None,
         length=True):
    if isinstance(body, str):
        body = body.encode()
    head = "HTTP/1.1 %s %s\r\n" % (status, reason or "Whatever")
    if ctype:
        head += "Content-Type: %s\r\n" % ctype
    if length:
        head += "Content-Length: %d\r\n" % len(body)
    for h in headers:
        head += h + "\r\n"
    head += "Connection: close\r\n\r\n"
    sock.sendall(head.encode() + body)


def hold(sock):
    """Keep the connection open until the peer closes it."""
    sock.settimeout(None)
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


def correct(sock, n, op):
    if op == "notify":
        send(sock, 202, b"", ctype=None)
    else:
        send(sock, 200, answer(n))


def status(code, body=None, **kw):
    def act(sock, n, op):
        b = answer(n) if body is None else body
        send(sock, code, b, **kw)
    return act


def raw(data, then_hold=False):
    def act(sock, n, op):
        sock.sendall(data)
        if then_hold:
            hold(sock)
    return act


def huge_length(sock, n, op):
    """50 MB with a Content-Length: refused before (or while) reading."""
    head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            "Connection: close\r\n\r\n" % (XML, 50 * MB))
    sock.sendall(head.encode())
    stream_filler(sock, 50 * MB, chunked=False)


def huge_chunked(sock, n, op):
    """50 MB chunked (no length known in advance): refused while reading."""
    head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % XML)
    sock.sendall(head.encode())
    stream_filler(sock, 50 * MB, chunked=True)


def stream_filler(sock, total, chunked):
    start = ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/'
             'soap/envelope/"><soapenv:Body><a xmlns="%s">1' % NS).encode()
    block = b"0" * 65536
    sent = 0
    try:
        pieces = [start] + [block] * ((total - len(start)) // len(block))
        for p in pieces:
            if chunked:
                sock.sendall(b"%x\r\n%s\r\n" % (len(p), p))
            else:
                sock.sendall(p)
            sent += len(p)
        if chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the service gave up: that is the point


def chunked_ok(sock, n, op):
    body = answer(n).encode() if op == "compute" else b""
    head = ("HTTP/1.1 %d OK\r\nContent-Type: %s\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            % (200 if op == "compute" else 202, XML))
    out = head.encode()
    for i in range(0, len(body), 7):
        piece = body[i:i + 7]
        out += b"%x\r\n%s\r\n" % (len(piece), piece)
    out += b"0\r\n\r\n"
    sock.sendall(out)


def chunked_bad(sock, n, op):
    head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\n"
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" % XML)
    sock.sendall(head.encode() + b"zz\r\nnot a chunk size\r\n0\r\n\r\n")


def trickle(seconds):
    def act(sock, n, op):
        if op == "compute":
            data = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: "
                    "%d\r\nConnection: close\r\n\r\n%s"
                    % (XML, len(answer(n)), answer(n))).encode()
        else:
            data = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n" \
                   b"Connection: close\r\n\r\n"
        pause = seconds / len(data)
        try:
            for i in range(len(data)):
                sock.sendall(data[i:i + 1])
                time.sleep(pause)
        except OSError:
            pass
    return act


def close_mid(sock, n, op):
    body = answer(n).encode()
    head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            "\r\n" % (XML, len(body)))
    sock.sendall(head.encode() + body[:len(body) // 2])


def short_then_hold(sock, n, op):
    body = answer(n).encode()
    head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            "\r\n" % (XML, len(body) + 100))
    sock.sendall(head.encode() + body)
    hold(sock)


def reset(sock, n, op):
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                    struct.pack("ii", 1, 0))


def nothing(sock, n, op):
    pass


def huge_header(sock, n, op):
    body = answer(n).encode()
    head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
            "X-Big: %s\r\n\r\n" % (XML, len(body), "x" * (2 * MB)))
    try:
        sock.sendall(head.encode() + body)
    except OSError:
        pass


def env_with_header(hdr):
    return ('<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/'
            'envelope/"><soapenv:Header>%s</soapenv:Header><soapenv:Body>'
            '<a xmlns="%s">5</a></soapenv:Body></soapenv:Envelope>' % (hdr, NS))


BILLION = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
           '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
           '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">'
           '<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">'
           '<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">'
           '<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">'
           '<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">'
           '<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">'
           ']>' + ENV % ('<a xmlns="%s">&lol9;</a>' % NS))
XXE = ('<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM '
       '"file:///etc/hostname">]>' + ENV % ('<a xmlns="%s">&x;</a>' % NS))
SOAP12 = ('<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope">'
          '<env:Body><a xmlns="%s">5</a></env:Body></env:Envelope>' % NS)
HTML = "<html><body><h1>It works!</h1></body></html>"

# N: (what, behaviour, answer of run (compute), answer of runOneWay
# (notify)). The one-way rule: complete on 2xx unless the body is a SOAP
# envelope carrying a Fault or a mustUnderstand header, or the reply is
# broken, too large or too slow.
BEHAVIOURS = {
    1001: ("101 Switching Protocols", raw(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
        b"Connection: Upgrade\r\n\r\n" + answer(1001).encode()), -1, -1),
    1002: ("100 Continue, then the connection closes", raw(
        b"HTTP/1.1 100 Continue\r\n\r\n"), -1, -1),
    1003: ("100 Continue, then nothing more", raw(
        b"HTTP/1.1 100 Continue\r\n\r\n", then_hold=True), -1, -1),
    1004: ("204 No Content", status(204, b"", ctype=None), -1, 1),
    1005: ("301 with a Location (to a correct partner)", status(
        301, HTML, ctype="text/html",
        headers=("Location: /elsewhere",)), -1, -1),
    1006: ("302 without a Location", status(302, b"", ctype=None), -1, -1),
    1007: ("400 with a normal response", status(400), -1, -1),
    1008: ("401 with WWW-Authenticate", status(
        401, HTML, ctype="text/html",
        headers=('WWW-Authenticate: Basic realm="x"',)), -1, -1),
    1009: ("404 with an HTML page", status(404, HTML, ctype="text/html"),
           -1, -1),
    1010: ("405", status(405, b"", ctype=None, headers=("Allow: GET",)),
           -1, -1),
    1011: ("413", status(413, b"", ctype=None), -1, -1),
    1012: ("500 without a SOAP Fault", status(500, HTML, ctype="text/html"),
           -1, -1),
    1013: ("502 with an empty body", status(502, b"", ctype=None), -1, -1),
    1014: ("503 with Retry-After", status(
        503, b"", ctype=None, headers=("Retry-After: 1",)), -1, -1),
    1015: ("200 carrying a SOAP Fault", status(200, FAULT), -1, -1),
    1016: ("500 carrying a normal response", status(500), -1, -1),
    1017: ("200 with an empty body", status(200, b""), -1, 1),
    1018: ("200, truncated XML", status(200, answer(5)[:-30]), -1, 1),
    1019: ("200, not XML", status(200, "this is not XML at all",
                                   ctype="text/plain"), -1, 1),
    1020: ("200, an HTML page", status(200, HTML, ctype="text/html"), -1, 1),
    1021: ("200, a SOAP 1.2 envelope", status(
        200, SOAP12, ctype="application/soap+xml"), -1, 1),
    1022: ("200, XML that is not an envelope", status(
        200, '<a xmlns="%s">5</a>' % NS), -1, 1),
    1023: ("200, an envelope without Body", status(
        200, '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/'
        'soap/envelope/"><soapenv:Header/></soapenv:Envelope>'), -1, 1),
    1024: ("200, an empty Body", status(200, ENV % ""), -1, 1),
    1025: ("200, the wrong element in the Body", status(
        200, ENV % '<b xmlns="%s">5</b>' % NS), -1, 1),
    1026: ("200, the right element with non-integer content", status(
        200, ENV % '<a xmlns="%s">five</a>' % NS), -1, 1),
    1027: ("200, two elements in the Body", status(
        200, ENV % ('<a xmlns="%s">5</a><a xmlns="%s">6</a>' % (NS, NS))),
        -1, 1),
    1028: ("200, 50 MB with a Content-Length", huge_length, -1, -1),
    1029: ("200, 50 MB chunked", huge_chunked, -1, -1),
    1030: ("200, a DOCTYPE with billion laughs", status(200, BILLION), -1, 1),
    1031: ("200, an external entity (XXE)", status(200, XXE), -1, 1),
    1032: ("200, a correct envelope as image/png", status(
        200, None, ctype="image/png"), -1, 1),
    1033: ("a correct answer, chunked", chunked_ok, 1033, 1),
    1034: ("200, broken chunked encoding", chunked_bad, -1, -1),
    1035: ("a correct answer trickling in over 1 s", trickle(1.0), 1035, 1),
    1036: ("an answer trickling beyond --invoke-timeout", trickle(6.0),
           -1, -1),
    1037: ("the connection closes in the middle of the body", close_mid,
           -1, -1),
    1038: ("the connection is reset", reset, -1, -1),
    1039: ("no answer at all (--invoke-timeout)",
           lambda sock, n, op: hold(sock), -1, -1),
    1040: ("not HTTP", raw(b"SSH-2.0-OpenSSH_9.2\r\n"), -1, -1),
    1041: ("the connection closes without an answer", nothing, -1, -1),
    1042: ("a status line with no number", raw(
        b"HTTP/1.1 abc OK\r\nContent-Length: 0\r\n\r\n"), -1, -1),
    1043: ("a 2 MB header", huge_header, -1, -1),
    1044: ("Content-Length larger than the body, then nothing",
           short_then_hold, -1, -1),
    1045: ("Content-Encoding: gzip on a body that is not", status(
        200, None, headers=("Content-Encoding: gzip",)), -1, -1),
    1046: ("a Header entry with mustUnderstand=1", status(200, env_with_header(
        '<x:audit xmlns:x="urn:elsewhere" soapenv:mustUnderstand="1">y'
        '</x:audit>')), -1, -1),
    1047: ("a Header entry with mustUnderstand=0 (fine)", status(
        200, env_with_header('<x:audit xmlns:x="urn:elsewhere" '
                             'soapenv:mustUnderstand="0">y</x:audit>')),
        5, 1),
    1048: ("a 200 status line with no headers and no length", raw(
        b"HTTP/1.1 200 OK\r\n\r\n" + answer(1048).encode()), 1048, 1),
    1049: ("HTTP/1.0 and a correct answer", raw(
        b"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\n\r\n"
        + answer(1049).encode()), 1049, 1),
    1051: ("101 Switching Protocols on a connection kept open", raw(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n"
        b"Connection: Upgrade\r\n\r\n", then_hold=True), -1, -1),
    1052: ("201 Created with a normal response", status(201), -1, 1),
    1053: ("202 Accepted with a normal response", status(202), -1, 1),
    1054: ("206 Partial Content with a normal response", status(206), -1, 1),
    1050: ("200, UTF-8 bytes declared as UTF-16", status(
        200, answer(5).replace('encoding="UTF-8"', 'encoding="UTF-16"')),
        -1, 1),
    # Not SOAP 1.1 envelopes (§4.1), however close: the invoke faults.
    1055: ("200, text directly inside the Envelope", status(200, (
        ENV % '<a xmlns="%s">5</a>' % NS).replace(
            "<soapenv:Body>", "junk<soapenv:Body>")), -1, 1),
    1056: ("200, an unqualified element after the Body", status(200, (
        ENV % '<a xmlns="%s">5</a>' % NS).replace(
            "</soapenv:Body>", "</soapenv:Body><extra/>")), -1, 1),
    1057: ("200, text directly inside the Body", status(
        200, ENV % ('text<a xmlns="%s">5</a>' % NS)), -1, 1),
    1058: ("200, two Body elements", status(200, (
        ENV % '<a xmlns="%s">5</a>' % NS).replace(
            "</soapenv:Body>", "</soapenv:Body><soapenv:Body/>")), -1, 1),
    1059: ("200, 20,000 namespace declarations on the Envelope", status(
        200, (ENV % '<a xmlns="%s">5</a>' % NS).replace(
            "<soapenv:Envelope", "<soapenv:Envelope" + "".join(
                ' xmlns:p%d="urn:p%d"' % (i, i) for i in range(20000)))),
        -1, 1),
}


# ---- the server -------------------------------------------------------------

def read_request(sock):
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        c = sock.recv(65536)
        if not c:
            return None, None
        data += c
    head, _, body = data.partition(b"\r\n\r\n")
    m = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
    want = int(m.group(1)) if m else 0
    while len(body) < want:
        c = sock.recv(65536)
        if not c:
            break
        body += c
    return head, body


def serve(sock):
    try:
        head, body = read_request(sock)
        if head is None:
            return
        op = "notify" if re.search(rb'(?i)\r\nsoapaction:\s*"?notify', head) \
            else "compute"
        m = re.search(rb">\s*(-?\d+)\s*<", body)
        n = int(m.group(1)) if m else 0
        row = BEHAVIOURS.get(n)
        (row[1] if row else correct)(sock, n, op)
    except OSError:
        pass
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(sys.argv[1])))
    ls.listen(128)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


if __name__ == "__main__":
    main()
