#!/usr/bin/env python3
"""work_stub.py PORT — the workPT partner of the gen-flow processes.
work(req id n) answers <log>w<n></log>; n < 0 answers the declared fault
`refused` (faultcode tns:refused, detail <problem>no<n></problem>);
n >= 1000 first sleeps n-1000 ms. Threaded, so calls overlap. Serves on
127.0.0.1 only, until SIGTERM."""
import http.server
import re
import signal
import socketserver
import sys
import time

NS = "http://bpelc.example.org/tests/genflow"
ENV = ('<?xml version="1.0" encoding="UTF-8"?>'
       '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != "/work":
            self.send_error(404)
            return
        m = re.search(rb"<(?:\w+:)?n>\s*(-?\d+)\s*<", body)
        n = int(m.group(1)) if m else 0
        if n >= 1000:
            time.sleep((n - 1000) / 1000.0)
        if n < 0:
            status = 500
            out = ENV % ('<soapenv:Fault xmlns:t="%s"><faultcode>t:refused'
                         '</faultcode><faultstring>refused</faultstring>'
                         '<detail><t:problem>no%d</t:problem></detail>'
                         '</soapenv:Fault>' % (NS, -n))
        else:
            status = 200
            out = ENV % ('<log xmlns="%s">w%d</log>' % (NS, n))
        out = out.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # hundreds of instances call at once


server = Server(("127.0.0.1", int(sys.argv[1])), Handler)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
server.serve_forever()
