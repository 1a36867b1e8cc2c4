#!/bin/sh
# demo.sh BUILD — the loan approval sample, end to end, on loopback only.
#
# Compiles samples/loan-approval/loan-approval.bpel and its two partners
# (partners/assessor.bpel, partners/approver.bpel) with BUILD/bpelc, starts
# the partners and the loan process on free 127.0.0.1 ports (--listen,
# --partner), sends two loan requests (one decided on the assessor's
# rating, one by the approver), prints each SOAP response, stops every
# service with SIGTERM and exits 0 only if both answers were right and
# every service exited 0.
#
# `make demo` runs it after building; it does not build anything itself.
set -eu

BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
BPELC="$BUILD/bpelc"
SAMPLE="$ROOT/samples/loan-approval"
PY=${PYTHON:-python3}

if [ ! -x "$BPELC" ]; then
	echo "demo: $BPELC not found; run 'make' first" >&2
	exit 2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/bpelc-demo.XXXXXX")
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

step() { printf '\n== %s\n' "$*"; }

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT PID NAME: until something accepts on 127.0.0.1:PORT
wait_port() {
	"$PY" - "$1" <<'PYEOF' && return 0
import socket, sys, time
end = time.monotonic() + 20
while time.monotonic() < end:
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)
PYEOF
	echo "demo: $3 did not start; its log:" >&2
	cat "$TMP/$3.log" >&2
	return 1
}

# start NAME ARGS...: run $TMP/NAME in the background, log to $TMP/NAME.log
start() {
	name=$1
	shift
	echo "\$ $name $*"
	"$TMP/$name" "$@" >"$TMP/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "PID_$name=$!"
}

# post URL SOAPACTION FILE: print the HTTP status and the SOAP response
post() {
	"$PY" - "$@" <<'PYEOF'
import sys, urllib.request, urllib.error, xml.dom.minidom
url, action, path = sys.argv[1:4]
req = urllib.request.Request(url, data=open(path, "rb").read(), headers={
    "Content-Type": "text/xml; charset=utf-8", "SOAPAction": '"%s"' % action})
try:
    with urllib.request.urlopen(req, timeout=30) as r:
        status, body = r.status, r.read()
except urllib.error.HTTPError as e:
    status, body = e.code, e.read()
except OSError as e:
    print("HTTP error: %s" % e)
    sys.exit(1)
text = body.decode("utf-8", "replace")
try:
    text = xml.dom.minidom.parseString(body).toprettyxml(indent="  ")
    text = "\n".join(l for l in text.splitlines() if l.strip())
except Exception:
    pass
print("HTTP %d" % status)
print(text)
PYEOF
}

step "compiling the loan approval process and its partners with $BPELC"
for pair in assessor:partners/assessor approver:partners/approver \
	loan:loan-approval; do
	name=${pair%%:*}
	src=${pair#*:}
	echo "\$ bpelc -o $name samples/loan-approval/$src.bpel"
	"$BPELC" -o "$TMP/$name" "$SAMPLE/$src.bpel"
done

step "starting the services on 127.0.0.1"
PA=$(free_port)
PB=$(free_port)
PL=$(free_port)
start assessor --listen "127.0.0.1:$PA"
wait_port "$PA" "$PID_assessor" assessor
start approver --listen "127.0.0.1:$PB"
wait_port "$PB" "$PID_approver" approver
start loan --listen "127.0.0.1:$PL" \
	--partner "assessor=http://127.0.0.1:$PA/assessor" \
	--partner "approver=http://127.0.0.1:$PB/approver"
wait_port "$PL" "$PID_loan" loan

# calls NAME: how many requests the partner NAME has logged so far
# (informational: its log has one "request N: POST /path" line per call)
calls() { grep -c 'request [0-9]*: POST' "$TMP/$1.log" || true; }

ok=0
ask() { # ask WHAT FILE EXPECTED-ACCEPT
	step "$1"
	sed -n '/<lns:creditInformation>/,/<\/lns:creditInformation>/p' "$SAMPLE/$2"
	echo "-> POST http://127.0.0.1:$PL/loan"
	a0=$(calls assessor)
	b0=$(calls approver)
	out=$(post "http://127.0.0.1:$PL/loan" request "$SAMPLE/$2") || true
	echo "$out"
	echo "-> partners called: assessor +$(($(calls assessor) - a0))," \
		"approver +$(($(calls approver) - b0))"
	if echo "$out" | grep -q '^HTTP 200' &&
		echo "$out" | grep -Eq "accept[^>]*>$3<"; then
		echo "-> right: accept = $3"
		ok=$((ok + 1))
	else
		echo "-> WRONG: expected accept = $3"
	fi
}
ask "1000 for Ada Lovelace: small amount, the assessor rates it low risk" \
	request-small.xml yes
ask "20000 for Grace Hopper: large amount, the approver decides" \
	request-large.xml yes

step "stopping the services (SIGTERM)"
status=0
for name in loan approver assessor; do
	eval "pid=\$PID_$name"
	kill -TERM "$pid" 2>/dev/null || true
	if wait "$pid"; then rc=0; else rc=$?; fi
	echo "$name exited with status $rc"
	if [ "$rc" != 0 ]; then
		status=1
		echo "--- $name log:"
		cat "$TMP/$name.log"
	fi
done
PIDS=""

if [ "$ok" = 2 ] && [ "$status" = 0 ]; then
	step "demo: both answers right"
	exit 0
fi
step "demo: FAILED ($ok of 2 answers right)"
for name in assessor approver loan; do
	echo "--- $name log (tail):"
	tail -n 20 "$TMP/$name.log"
done
exit 1
