#!/usr/bin/env python3
"""departed.py PORT — three clients send a request whose instance waits
for a note that never comes, then hang up. SIGTERM afterwards (the
scenario's next step) must not wait the grace period for them: nobody is
there to read the answer."""
import socket
import sys
import time

PORT = int(sys.argv[1])
BODY = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
        '<s:Body><g:req xmlns:g="http://bpelc.example.org/tests/genflow">'
        '<g:id>d%d</g:id><g:n>1</g:n></g:req></s:Body></s:Envelope>')
for i in range(3):
    body = (BODY % i).encode()
    s = socket.create_connection(("127.0.0.1", PORT))
    s.sendall(b"POST /flow HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
              b"SOAPAction: \"run\"\r\nContent-Length: %d\r\n\r\n"
              % len(body) + body)
    time.sleep(0.2)
    s.close()
time.sleep(0.5)
print("departed: 3 clients sent a request and hung up")
