#!/usr/bin/env python3
"""assessor_stub.py PORT — a risk assessor for the loan approval process,
in Python: rates every request "high" unless the applicant's first name is
"Lucky", and answers anything that is not a POST to /assessor with 404.
Serves on 127.0.0.1 only, until SIGTERM."""
import http.server
import re
import signal
import sys

RISK = ('<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
        '<soapenv:Body><riskAssessment xmlns="http://bpelc.example.org/samples/loan">'
        '<level>%s</level></riskAssessment></soapenv:Body></soapenv:Envelope>')


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path != "/assessor":
            self.send_error(404)
            return
        lucky = re.search(rb"firstName>\s*Lucky\s*<", body)
        out = (RISK % ("low" if lucky else "high")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
server.serve_forever()
