#!/usr/bin/env python3
"""clients.py PORT TEST — hostile clients of the compiled clients.bpel.

Each TEST plays one kind of client no scenario request line can describe
and checks that the service stays correct for everybody else; it prints
what it saw and exits 0 when all was well, 1 otherwise. Run by the `client`
steps of clients.scenario (tests/e2e/README.md).

  slowloris   clients trickling their headers a byte at a time
  idle        hundreds of connections that send nothing (or half a request)
  bigheader   a 1 MB header line, and 10,000 small headers
  timeout     (with --client-timeout 1) idle and half-sent connections are
              closed, a reply slower than that timeout is still delivered
  pipelined   several requests in one write on one connection
  hangup      clients that hang up while their slow instance still runs
  concurrent  1,000 requests at once
"""
import asyncio
import re
import sys
import time

HOST = "127.0.0.1"
PORT = int(sys.argv[1])
NS = "urn:bpelc:e2e:clients"
ENV = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
       '<s:Body><%s xmlns="%s">%d</%s></s:Body></s:Envelope>')
problems = []


def request(n, op="echo", close=True, extra=""):
    el = "ping" if op == "echo" else "nap"
    body = (ENV % (el, NS, n, el)).encode()
    head = ("POST /svc HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: text/xml; "
            "charset=utf-8\r\nSOAPAction: \"%s\"\r\nContent-Length: %d\r\n%s%s"
            "\r\n" % (HOST, PORT, op, len(body), extra,
                      "Connection: close\r\n" if close else ""))
    return head.encode() + body


def answer_of(data):
    """(status, number or None) of the first response in data."""
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    v = re.search(rb"<([\w-]+:)?pong[^>]*>(-?\d+)<", data)
    return (int(m.group(1)) if m else None,
            int(v.group(2)) if v else None)


def bad(msg):
    problems.append(msg)
    print("PROBLEM:", msg)


async def read_all(reader, timeout):
    chunks = []
    try:
        while True:
            c = await asyncio.wait_for(reader.read(65536), timeout)
            if not c:
                break
            chunks.append(c)
    except (asyncio.TimeoutError, ConnectionError):
        pass
    return b"".join(chunks)


async def call(n, op="echo", timeout=20.0):
    """One request on its own connection: (status, value, seconds)."""
    t0 = time.monotonic()
    try:
        r, w = await asyncio.open_connection(HOST, PORT)
    except OSError as e:
        return None, str(e), time.monotonic() - t0
    try:
        w.write(request(n, op))
        await w.drain()
        data = await read_all(r, timeout)
    except ConnectionError as e:
        data = b""
    finally:
        w.close()
    st, v = answer_of(data)
    return st, v, time.monotonic() - t0


async def expect_served(n, limit, what):
    st, v, dt = await call(n)
    if st != 200 or v != n:
        bad("%s: echo %d answered %s %s" % (what, n, st, v))
    elif dt > limit:
        bad("%s: echo %d took %.1f s (limit %.1f s)" % (what, n, dt, limit))
    return dt


# ---- tests ------------------------------------------------------------------

async def slowloris():
    """40 clients send a whole valid request, one byte every 20 ms
    (several seconds each); meanwhile normal clients are served at once,
    and the slow ones get their answers in the end."""
    async def trickler(i):
        r, w = await asyncio.open_connection(HOST, PORT)
        data = request(1000 + i)
        try:
            for k in range(0, len(data), 4):
                w.write(data[k:k + 4])
                await w.drain()
                await asyncio.sleep(0.02)
            got = await read_all(r, 20)
        finally:
            w.close()
        st, v = answer_of(got)
        if st != 200 or v != 1000 + i:
            bad("slowloris client %d: answered %s %s" % (i, st, v))

    slow = [asyncio.create_task(trickler(i)) for i in range(40)]
    await asyncio.sleep(0.5)
    worst = 0.0
    for n in range(20):
        worst = max(worst, await expect_served(n, 2.0, "during slowloris"))
        await asyncio.sleep(0.05)
    await asyncio.gather(*slow)
    print("slowloris: 40 trickling clients answered; normal clients served "
          "within %.2f s" % worst)


async def idle():
    """600 connections that send nothing and 100 that send half a request
    and stop: others are served meanwhile; closing them all is fine."""
    held = []
    for i in range(700):
        try:
            r, w = await asyncio.open_connection(HOST, PORT)
        except OSError as e:
            bad("idle connection %d refused: %s" % (i, e))
            break
        if i >= 600:
            w.write(request(i)[:60])
            await w.drain()
        held.append(w)
    worst = 0.0
    for n in range(20):
        worst = max(worst, await expect_served(n, 2.0, "with idle clients"))
    for w in held:
        w.close()
    await asyncio.sleep(0.3)
    await expect_served(99, 2.0, "after idle clients left")
    print("idle: %d connections held; normal clients served within %.2f s"
          % (len(held), worst))


async def bigheader():
    """A 1 MB header line, and 10,000 small headers: refused (4xx or the
    connection closed), never a crash; others are served afterwards."""
    for what, extra in (("a 1 MB header", "X-Big: %s\r\n" % ("x" * (1 << 20))),
                        ("10,000 headers", "".join("X-H%d: v\r\n" % i
                                                  for i in range(10000)))):
        r, w = await asyncio.open_connection(HOST, PORT)
        try:
            w.write(request(5, extra=extra))
            await w.drain()
        except ConnectionError:
            pass
        got = await read_all(r, 10)
        w.close()
        st, v = answer_of(got)
        if st is not None and not (400 <= st < 500):
            bad("%s: answered %s (want 4xx or a closed connection)"
                % (what, st))
        print("bigheader: %s -> %s" % (what, st or "connection closed"))
        await expect_served(6, 2.0, "after " + what)


async def pipelined():
    """Three requests (echo 1, slow 2, echo 3) in one write on one
    keep-alive connection, then a fourth that closes: four answers in
    order."""
    r, w = await asyncio.open_connection(HOST, PORT)
    w.write(request(1, close=False) + request(2, "slow", close=False) +
            request(3, close=False) + request(4, close=True))
    await w.drain()
    got = await read_all(r, 20)
    w.close()
    statuses = [int(s) for s in re.findall(rb"HTTP/1\.[01] (\d{3})", got)]
    values = [int(v.group(2)) for v in
              re.finditer(rb"<([\w-]+:)?pong[^>]*>(-?\d+)<", got)]
    if statuses != [200] * 4 or values != [1, 2, 3, 4]:
        bad("pipelined: statuses %s values %s" % (statuses, values))
    print("pipelined: statuses %s values %s" % (statuses, values))
    await expect_served(7, 2.0, "after pipelining")


async def hangup():
    """30 clients send slow (1.5 s) and hang up at once, 10 more after
    half their body; the instances go on and reply into the void. Then
    the service still serves, and the open slow requests of others are
    answered."""
    keep = [asyncio.create_task(call(500 + i, "slow")) for i in range(5)]
    for i in range(30):
        r, w = await asyncio.open_connection(HOST, PORT)
        w.write(request(100 + i, "slow"))
        await w.drain()
        w.close()
    for i in range(10):
        r, w = await asyncio.open_connection(HOST, PORT)
        data = request(200 + i, "slow")
        w.write(data[:len(data) - 20])
        await w.drain()
        w.close()
    await asyncio.sleep(2.5)  # every slow instance has replied by now
    for i, t in enumerate(keep):
        st, v, dt = await t
        if st != 200 or v != 500 + i:
            bad("hangup: a patient slow client got %s %s" % (st, v))
    await expect_served(8, 2.0, "after the hang-ups")
    print("hangup: 40 clients hung up; 5 patient ones answered")


async def concurrent():
    """1,000 requests at once (half echo, half slow): each gets its own
    answer."""
    t0 = time.monotonic()
    tasks = [asyncio.create_task(call(i, "slow" if i % 2 else "echo", 120))
             for i in range(1000)]
    res = await asyncio.gather(*tasks)
    wrong = [(i, st, v) for i, (st, v, _) in enumerate(res)
             if st != 200 or v != i]
    if wrong:
        bad("concurrent: %d of 1000 wrong, e.g. %s" % (len(wrong), wrong[:5]))
    print("concurrent: 1000 requests answered in %.1f s, %d wrong"
          % (time.monotonic() - t0, len(wrong)))


async def timeout():
    """Run with --client-timeout 1: 50 connections that send nothing and
    50 that send half a request are closed by the service within a few
    seconds; a slow request (1.5 s, longer than the timeout) is still
    answered, and so is a client that pauses 0.5 s between pieces."""
    async def closed_within(w, r, limit):
        t0 = time.monotonic()
        try:
            while True:
                c = await asyncio.wait_for(r.read(4096), limit)
                if not c:
                    break
        except asyncio.TimeoutError:
            return None
        except ConnectionError:
            pass
        return time.monotonic() - t0

    conns = []
    for i in range(100):
        r, w = await asyncio.open_connection(HOST, PORT)
        if i >= 50:
            w.write(request(i)[:80])
            await w.drain()
        conns.append((r, w))
    slow = asyncio.create_task(call(77, "slow"))

    async def pauser():
        r, w = await asyncio.open_connection(HOST, PORT)
        data = request(88)
        for k in range(0, len(data), 100):
            w.write(data[k:k + 100])
            await w.drain()
            await asyncio.sleep(0.5)
        got = await read_all(r, 10)
        w.close()
        return answer_of(got)

    paused = asyncio.create_task(pauser())
    waits = await asyncio.gather(*(closed_within(w, r, 6) for r, w in conns))
    for r, w in conns:
        w.close()
    still = sum(1 for t in waits if t is None)
    if still:
        bad("timeout: %d of 100 idle connections still open after 6 s" % still)
    st, v, dt = await slow
    if st != 200 or v != 77:
        bad("timeout: the slow request got %s %s after %.1f s" % (st, v, dt))
    pst, pv = await paused
    if pst != 200 or pv != 88:
        bad("timeout: the pausing client got %s %s" % (pst, pv))
    print("timeout: idle connections closed after at most %.1f s; slow "
          "request answered after %.1f s; pausing client %s"
          % (max(t for t in waits if t is not None) if still < 100 else -1,
             dt, pst))


async def closed_after(r, limit):
    """Seconds until the service closes the connection, None if it is
    still open after `limit`."""
    t0 = time.monotonic()
    try:
        while True:
            c = await asyncio.wait_for(r.read(4096), limit)
            if not c:
                break
    except asyncio.TimeoutError:
        return None
    except ConnectionError:
        pass
    return time.monotonic() - t0


async def maxconn():
    """Run with --max-connections 50: 200 idle connections are opened one
    after another; the service closes the oldest idle ones to stay at 50,
    and a normal client is still served at once."""
    conns = []
    for i in range(200):
        r, w = await asyncio.open_connection(HOST, PORT)
        conns.append((r, w))
        await asyncio.sleep(0.005)
    await asyncio.sleep(0.5)
    await expect_served(5, 3.0, "at the connection limit")
    waits = await asyncio.gather(*(closed_after(r, 2) for r, w in conns))
    for r, w in conns:
        w.close()
    closed = sum(1 for t in waits if t is not None)
    first_open = next((i for i, t in enumerate(waits) if t is None), None)
    if closed < 150:
        bad("maxconn: only %d of 200 connections closed" % closed)
    if first_open is not None and first_open < 100:
        bad("maxconn: connection %d (an old one) kept open" % first_open)
    print("maxconn: %d of 200 idle connections closed, oldest first; "
          "a normal client served" % closed)


async def readtimeout():
    """Run with --read-timeout 2: a client that sends its request one byte
    every 0.2 s (each byte resets --client-timeout) is cut off after
    about 2 s; a client that is quick is served meanwhile."""
    r, w = await asyncio.open_connection(HOST, PORT)
    data = request(9)

    async def trickle():
        try:
            for k in range(len(data)):
                w.write(data[k:k + 1])
                await w.drain()
                await asyncio.sleep(0.2)
        except ConnectionError:
            pass

    t = asyncio.create_task(trickle())
    await expect_served(3, 2.0, "while a client trickles")
    waited = await closed_after(r, 8)
    t.cancel()
    w.close()
    if waited is None:
        bad("readtimeout: the trickling client still connected after 8 s")
    elif waited > 5:
        bad("readtimeout: cut off only after %.1f s" % waited)
    print("readtimeout: trickling client cut off after %s s" %
          ("%.1f" % waited if waited is not None else "never"))


async def replytimeout():
    """Run with --reply-timeout 1: a request whose reply comes after 1.5 s
    is answered with a SOAP fault (bpelc:replyTimeout) after about 1 s;
    the service goes on."""
    t0 = time.monotonic()
    r, w = await asyncio.open_connection(HOST, PORT)
    w.write(request(4, "slow"))
    await w.drain()
    data = await read_all(r, 10)
    w.close()
    dt = time.monotonic() - t0
    st, v = answer_of(data)
    if st != 500 or b"replyTimeout" not in data:
        bad("replytimeout: answered %s: %r" % (st, data[:300]))
    if dt > 1.45:
        bad("replytimeout: the fault came after %.2f s" % dt)
    await asyncio.sleep(1)  # the late reply is dropped
    await expect_served(6, 2.0, "after a reply timeout")
    print("replytimeout: answered %s after %.2f s" % (st, dt))


def service_pid():
    """The pid of the process listening on PORT (from /proc)."""
    import os
    inode = None
    with open("/proc/net/tcp") as f:
        for line in f.readlines()[1:]:
            parts = line.split()
            if parts[3] == "0A" and int(parts[1].split(":")[1], 16) == PORT:
                inode = parts[9]
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) == \
                        "socket:[%s]" % inode:
                    return int(pid)
        except OSError:
            continue
    return None


def cpu_seconds(pid):
    import os
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def emfile():
    """The service's descriptor limit is cut to 40 while it runs (so its
    --max-connections of 4,096 cannot be reached): 200 connections run it
    out of descriptors. Accepting must not spin (the service uses little
    CPU meanwhile) and a normal client is still served."""
    import resource
    pid = service_pid()
    if pid is None:
        bad("emfile: cannot find the service's pid")
        return
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (40, 40))
    cpu0 = cpu_seconds(pid)
    conns = []
    for i in range(200):
        r, w = await asyncio.open_connection(HOST, PORT)
        conns.append((r, w))
    await asyncio.sleep(2)
    used = cpu_seconds(pid) - cpu0
    dt = await expect_served(7, 5.0, "out of descriptors")
    for r, w in conns:
        w.close()
    if used > 1.0:
        bad("emfile: the service used %.2f s of CPU in 2 s (spinning)"
            % used)
    print("emfile: %.2f s of CPU while out of descriptors; a normal client "
          "served in %.2f s" % (used, dt))


async def framing():
    """Two Content-Length headers: 400 and the connection closed. A
    Content-Length of 10^12: 413 at once, not after draining the body. A
    client that half-closes after its request (shutdown(SHUT_WR)) still
    gets its answer, also for a slow one."""
    body = (ENV % ("ping", NS, 3, "ping")).encode()
    r, w = await asyncio.open_connection(HOST, PORT)
    w.write(b"POST /svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
            b"Content-Length: %d\r\nContent-Length: 5\r\n\r\n"
            % len(body) + body)
    await w.drain()
    data = await read_all(r, 5)
    w.close()
    st, _ = answer_of(data)
    if st != 400:
        bad("framing: two Content-Length headers answered %s" % st)
    t0 = time.monotonic()
    r, w = await asyncio.open_connection(HOST, PORT)
    w.write(b"POST /svc HTTP/1.1\r\nHost: x\r\nContent-Type: text/xml\r\n"
            b"Content-Length: 1000000000000\r\n\r\n<s:Envelope")
    await w.drain()
    data = await read_all(r, 5)
    w.close()
    st, _ = answer_of(data)
    dt = time.monotonic() - t0
    if st != 413 or dt > 2:
        bad("framing: Content-Length 10^12 answered %s after %.1f s"
            % (st, dt))
    for op, n in (("echo", 11), ("slow", 12)):
        r, w = await asyncio.open_connection(HOST, PORT)
        w.write(request(n, op))
        await w.drain()
        w.write_eof()
        data = await read_all(r, 10)
        w.close()
        st, v = answer_of(data)
        if st != 200 or v != n:
            bad("framing: half-closed %s client got %s %s" % (op, st, v))
    await expect_served(13, 2.0, "after the framing cases")
    print("framing: duplicate length 400, huge length 413 in %.2f s, "
          "half-closed clients answered" % dt)


TESTS = {f.__name__: f for f in (slowloris, idle, bigheader, pipelined,
                                 hangup, concurrent, timeout, maxconn,
                                 readtimeout, replytimeout, emfile, framing)}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in TESTS:
        print("usage: clients.py PORT {%s}" % ",".join(TESTS))
        return 2
    asyncio.run(TESTS[sys.argv[2]]())
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
