#!/usr/bin/env python3
"""readonly.py PORT — a service started without --store in a working
directory it cannot write (a read-only checkout, a locked-down unit, a
test harness's folder). PORT (the scenario's own service) is not used.

1. Without --store: the service starts anyway, says at warning level
   that the default store cannot be kept there and that its instances
   live in memory only, serves a request, and stops cleanly; it left no
   file behind.
2. With --store naming a file in that folder: the user asked for a
   store, so the service refuses to start (exit 1) and says why.

The folder is made unwritable by mode 0555; as root (CI), the service
runs as nobody so that the mode holds. Exit 0 when all held."""
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from upgrade import Check, Service, compile_build, expect, post  # noqa: E402


def as_user():
    """Popen arguments that drop root, so that the folder's mode holds."""
    if os.geteuid() != 0:
        return {}
    nobody = pwd.getpwnam("nobody")
    return {"user": nobody.pw_uid, "group": nobody.pw_gid,
            "extra_groups": []}


def run(tmp):
    bpelc = os.environ["BPELC"]
    exe = os.path.join(tmp, "svc")
    compile_build(bpelc, "timer.bpel", exe)
    ro = os.path.join(tmp, "ro")
    os.mkdir(ro)
    os.chmod(tmp, 0o755)
    os.chmod(exe, 0o755)
    os.chmod(ro, 0o555)

    # 1. The default store cannot be made: memory only, said loudly.
    svc = Service(exe, None, cwd=ro, **as_user())
    line = svc.wait_line(r"instance store: the working directory is not "
                         r"writable")
    expect("svc.db cannot be kept there" in line and
           "in memory only" in line and "--store PATH" in line,
           "without --store in an unwritable folder it says so: %s"
           % line.split(": ", 1)[-1][:100])
    st, body = post(svc.port, "note", "a")
    expect(st == 202, "and serves a message (%d)" % st)
    expect(svc.stop() == 0, "and stops on SIGTERM with status 0")
    expect(any(re.search(r"1 instance waiting .* dropped", ln or "")
               for ln in svc.lines),
           "its waiting instance is counted as dropped at the stop")
    expect(os.listdir(ro) == [], "nothing was written in the folder")

    # 2. A store the user named must open.
    p = subprocess.run([exe, "--listen", "127.0.0.1:0", "--store",
                        os.path.join(ro, "named.db")], cwd=ro,
                       capture_output=True, text=True, timeout=30,
                       **as_user())
    expect(p.returncode == 1 and "cannot open" in p.stderr,
           "with --store in that folder it refuses to start (exit %d)"
           % p.returncode)


def main():
    tmp = tempfile.mkdtemp(prefix="bpelc-readonly-")
    try:
        run(tmp)
    except Check as e:
        print("FAIL:", e)
        return 1
    finally:
        for root, dirs, _ in os.walk(tmp):
            for d in dirs:
                os.chmod(os.path.join(root, d), 0o755)
        shutil.rmtree(tmp, ignore_errors=True)
    print("readonly: held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
