#!/bin/sh
# bench/profile.sh BUILD [echo|baseline] [REQUESTS] — instruction profile of
# one echo server under the benchmark's request, with callgrind.
#
# Runs the server under valgrind --tool=callgrind, sends REQUESTS (20000)
# requests over 16 keep-alive connections, dumps the profile, stops the
# server and prints instructions per request and the top functions, self
# and inclusive. Needs valgrind; run `sh bench/run.sh BUILD` first (it
# builds the tools and the compiled echo service into BUILD/bench/).
# perf would do as well, but perf_event is often unavailable in VMs and
# containers; callgrind counts instructions, which is stable under noise.
set -u
BUILD=${1:-build}
WHICH=${2:-echo}
N=${3:-20000}
OUT=$BUILD/bench
SRC=$(dirname "$0")
PORT=$((40000 + $$ % 20000))
command -v valgrind >/dev/null 2>&1 || { echo "profile: needs valgrind"; exit 2; }
[ -x "$OUT/$WHICH" ] && [ -x "$OUT/loadgen" ] ||
	{ echo "profile: run sh bench/run.sh $BUILD first"; exit 2; }

CG=$OUT/callgrind.$WHICH
rm -f "$CG" "$CG".*
valgrind --tool=callgrind --callgrind-out-file="$CG" \
	"$OUT/$WHICH" --listen "127.0.0.1:$PORT" 2>"$OUT/profile.log" &
VPID=$!
"$OUT/loadgen" -u "127.0.0.1:$PORT/echo" -b "$SRC/echo/request.xml" \
	-a urn:bench:echo -e '>42</' -n "$N" -c 16 -W 30 || echo "profile: requests failed"
# callgrind_control talks to the tool by pid; dump, then stop the server
callgrind_control -d "$VPID" >/dev/null 2>&1 || callgrind_control -d >/dev/null
sleep 1
kill -TERM "$VPID" 2>/dev/null
sleep 2
kill -KILL "$VPID" 2>/dev/null
wait "$VPID" 2>/dev/null
F=$(ls -S "$CG".* "$CG" 2>/dev/null | head -n 1)
[ -s "$F" ] || { echo "profile: no profile written"; exit 1; }
total=$(callgrind_annotate "$F" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
echo "profile: $WHICH, $N requests: $total instructions, $((total / N)) per request"
echo "-- self"
callgrind_annotate --auto=no "$F" 2>/dev/null | sed -n '/file:function/,$p' |
	sed -n '3,22p' | sed 's/ \[.*//' | cut -c1-120
echo "-- inclusive (runtime and generated code)"
callgrind_annotate --inclusive=yes --auto=no "$F" 2>/dev/null |
	grep -E '(runtime/|bench/|bpelc-)[^ ]*:[^ ]+ \[' | head -n 30 |
	sed 's/ \[.*//' | cut -c1-120
echo "profile: full data in $F (callgrind_annotate, kcachegrind)"
