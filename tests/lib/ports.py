"""ports.py — ports for test services that restart on the same port.

A service that the crash or cluster harness kills and starts again keeps
its port (its partners and drivers know it). A port handed out by the
kernel (bind to port 0) lies in the ephemeral range, where the harness's
own outgoing connections take theirs: one of them may hold the port while
the service is down, and the restart fails with "cannot listen". So
these ports come from below that range."""

import random
import socket

_rng = random.Random()  # not a harness's seeded sequence
_given = set()


def ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def restartable_port():
    """A port free now, below the ephemeral range, not given before by
    this process. OSError when none is found."""
    top = min(ephemeral_low() - 1, 32000)
    for _ in range(1000):
        p = _rng.randint(min(20000, top // 2), top)
        if p in _given:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                continue
        _given.add(p)
        return p
    raise OSError("no free port below %d" % (top + 1))
