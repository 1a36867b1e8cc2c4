#!/bin/sh
# bench/check.sh — time `bpelc --check` over every static-analysis case of
# the conformance corpus and print the total (target: < 5 s).
#
#   sh bench/check.sh [BPELC] [SHARED]     (defaults: build/bpelc ../shared)
#
# Each case runs in its own directory, as the conformance runner does; the
# placeholders do not matter to --check. Exit 1 when a case is accepted.
BPELC=${1:-build/bpelc}
SHARED=${2:-../shared}
SA="$SHARED/conformance/sa"
[ -f "$SA/index.tsv" ] || { echo "bench/check.sh: $SA/index.tsv not found, skipped"; exit 0; }
case "$BPELC" in /*) ;; *) BPELC="$(pwd)/$BPELC" ;; esac
# A wrong path would make every case "rejected": refuse it instead.
[ -f "$BPELC" ] && [ -x "$BPELC" ] || { echo "bench/check.sh: $BPELC is not an executable bpelc" >&2; exit 2; }
start=$(date +%s.%N)
n=0
accepted=0
for bpel in $(tail -n +2 "$SA/index.tsv" | cut -f3); do
	n=$((n + 1))
	if (cd "$SA" && "$BPELC" --check "$bpel" >/dev/null 2>&1); then
		accepted=$((accepted + 1))
		echo "accepted: $bpel"
	fi
done
end=$(date +%s.%N)
echo "bpelc --check over $n SA cases: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s total, $accepted accepted"
[ "$accepted" -eq 0 ]
