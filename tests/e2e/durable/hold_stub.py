#!/usr/bin/env python3
"""hold_stub.py PORT — the workPT partner of the durable cases. The first
call for an id is held (answered only after 30 s, so it is in flight when
the test kills the caller); every later call for that id is answered at
once with <log>w<n> call<k></log>, k counting the calls for that id."""
import http.server
import re
import signal
import socketserver
import sys
import threading
import time

NS = "http://bpelc.example.org/tests/genflow"
ENV = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')
calls = {}
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        m = re.search(rb"<(?:\w+:)?id>\s*([^<]*)<", body)
        key = m.group(1).decode() if m else ""
        m = re.search(rb"<(?:\w+:)?n>\s*(-?\d+)\s*<", body)
        n = int(m.group(1)) if m else 0
        with lock:
            calls[key] = calls.get(key, 0) + 1
            k = calls[key]
        if k == 1:
            time.sleep(30)
        out = (ENV % ('<log xmlns="%s">w%d call%d</log>' % (NS, n, k))).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
server.serve_forever()
