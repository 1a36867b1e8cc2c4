#!/bin/sh
# run.sh — tests of `bpelc test` itself (docs/testing.md), run by
# `make bpel-tests` (a stage of `make check`):
#   - the sample suites (samples/*/tests/*.suite.xml) pass with --junit
#     and --min-coverage activity=100;
#   - the JUnit output validates against junit.xsd (xmllint);
#   - a case that waits three days of virtual time runs in under a second;
#   - coverage of counted.bpel equals the hand count in counted.lcov;
#   - loop coverage of loops.bpel (forEach sequential and parallel, while,
#     repeatUntil) equals the hand counts in loops.lcov (N=0 and N=3) and
#     loops-zero.lcov (N=0 only: each "one or more times" not taken, in
#     the text summary and Cobertura too);
#   - a failing suite fails (exit 1) saying expected, actual and the .bpel
#     line; a suite with a misspelt operation is refused with file:line
#     (exit 2); <advance> with no timer pending is a suite error (exit 2);
#   - --emit=dot and --coverage-dot render with Graphviz's dot; a loop
#     that ran but never ran its body is amber, naming the branch.
# Usage: sh tests/testing/run.sh BUILD_DIR
set -u
B=${1:-build}
BPELC=$B/bpelc
T=tests/testing
OUT=$(mktemp -d "${TMPDIR:-/tmp}/bpelc-testing-XXXXXX")
trap 'rm -rf "$OUT"' EXIT
fails=0
ok() { echo "  ok   $1"; }
no() { echo "  FAIL $1"; fails=$((fails + 1)); }

# 1. the samples, as CI would run them
if $BPELC test --jobs 2 --junit "$OUT/samples.xml" --coverage "$OUT/samples.lcov" \
     --coverage-xml "$OUT/samples-cobertura.xml" --min-coverage activity=100 \
     samples/*/tests/*.suite.xml > "$OUT/samples.txt" 2>&1; then
  ok "sample suites pass with activity coverage 100% ($(tail -n 1 "$OUT/samples.txt"))"
else
  cat "$OUT/samples.txt"; no "sample suites"
fi

# 2. JUnit against the schema (a failing run too: <failure> elements)
$BPELC test --junit "$OUT/failing.xml" $T/failing.suite.xml > /dev/null 2>&1
for j in samples failing; do
  if xmllint --noout --schema $T/junit.xsd "$OUT/$j.xml" 2> "$OUT/xmllint.txt"; then
    ok "JUnit XML of the $j run is valid"
  else
    cat "$OUT/xmllint.txt"; no "JUnit XML of the $j run"
  fi
done
grep -q '<failure message="the reply does not satisfy the assertion"' "$OUT/failing.xml" \
  && ok "JUnit has the failure" || no "JUnit failure element"

# the suites follow docs/testing.xsd (bad.suite.xml is wrong on purpose
# in what only the process can tell: the operation's name)
if xmllint --noout --schema docs/testing.xsd samples/*/tests/*.suite.xml \
     $T/*.suite.xml > "$OUT/xsd.txt" 2>&1; then
  ok "every suite validates against docs/testing.xsd"
else
  cat "$OUT/xsd.txt"; no "suites against docs/testing.xsd"
fi

# 3. three days in under a second
start=$(date +%s%N)
if $BPELC test $T/timer.suite.xml > "$OUT/timer.txt" 2>&1; then
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  # compile included; the case itself reports its own time in the JUnit
  $BPELC test --junit "$OUT/timer.xml" $T/timer.suite.xml > /dev/null 2>&1
  case_s=$(sed -n 's/.*<testcase name="the answer comes after three days[^"]*" classname="[^"]*" time="\([0-9.]*\)".*/\1/p' "$OUT/timer.xml")
  if [ -n "$case_s" ] && awk "BEGIN{exit !($case_s < 1.0)}"; then
    ok "three-day wait: case ${case_s} s (whole run with compile ${ms} ms)"
  else
    no "three-day wait took ${case_s:-?} s"
  fi
else
  cat "$OUT/timer.txt"; no "timer suite"
fi

# 4. hand-counted coverage
if $BPELC test --coverage "$OUT/counted.lcov" $T/counted.suite.xml > "$OUT/counted.txt" 2>&1 \
   && diff -u $T/counted.lcov "$OUT/counted.lcov"; then
  ok "coverage of counted.bpel equals the hand count"
else
  cat "$OUT/counted.txt"; no "hand-counted coverage"
fi

# 4a. loops: zero and one or more times (forEach, while), repeatUntil's
# condition false and true, hand-counted
if $BPELC test --coverage "$OUT/loops.lcov" --min-coverage activity=100,branch=100 \
     $T/loops.suite.xml > "$OUT/loops.txt" 2>&1 \
   && diff -u $T/loops.lcov "$OUT/loops.lcov"; then
  ok "loop coverage of loops.bpel (N=0, N=3) equals the hand count"
else
  cat "$OUT/loops.txt"; no "hand-counted loop coverage"
fi
$BPELC test --coverage "$OUT/loops-zero.lcov" --coverage-xml "$OUT/loops-zero.xml" \
  --min-coverage branch=100 $T/loops-zero.suite.xml > "$OUT/loops-zero.txt" 2>&1; st=$?
if [ $st -eq 1 ] && diff -u $T/loops-zero.lcov "$OUT/loops-zero.lcov" \
   && grep -q "not taken: $T/loops.bpel:26 forEach: body run one or more times" "$OUT/loops-zero.txt" \
   && grep -q "not taken: $T/loops.bpel:38 forEach: body run one or more times" "$OUT/loops-zero.txt" \
   && grep -q "not taken: $T/loops.bpel:47 while: body run one or more times" "$OUT/loops-zero.txt" \
   && ! grep -q "not taken: .*body run zero times" "$OUT/loops-zero.txt" \
   && grep -q '<line number="26" hits="1" branch="true" condition-coverage="50% (1/2)"/>' "$OUT/loops-zero.xml" \
   && grep -q '<line number="38" hits="1" branch="true" condition-coverage="50% (1/2)"/>' "$OUT/loops-zero.xml"; then
  ok "N=0 only: each loop's 'one or more times' not taken (lcov, text, Cobertura; exit 1)"
else
  cat "$OUT/loops-zero.txt"; no "zero-times-only loop coverage (status $st)"
fi

# 4b. every mock feature (delays, callbacks, call numbers, undeclared
# faults, explicit advance) with full activity and branch coverage, and
# the same results twice (determinism, cases in parallel)
for i in 1 2; do
  $BPELC test --jobs 2 --coverage "$OUT/feat$i.lcov" --junit "$OUT/feat$i.xml" \
    --min-coverage activity=100,branch=100 $T/features.suite.xml > "$OUT/feat$i.txt" 2>&1 \
    || { cat "$OUT/feat$i.txt"; no "features suite (run $i)"; }
  sed -e 's/ time="[0-9.]*"//' -e 's/[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]* //g' "$OUT/feat$i.xml" > "$OUT/feat$i.norm"
done
if cmp -s "$OUT/feat1.lcov" "$OUT/feat2.lcov" && cmp -s "$OUT/feat1.norm" "$OUT/feat2.norm"; then
  ok "features suite: 100% activities and branches, same results twice"
else
  diff "$OUT/feat1.norm" "$OUT/feat2.norm" | head -20; no "features suite determinism"
fi

# 4c. handlers: onEvent, onAlarm, compensation, termination and catch
# each count as a branch, all taken, every activity run
if $BPELC test --coverage "$OUT/h.lcov" --min-coverage activity=100,branch=100 \
     $T/handlers.suite.xml > "$OUT/h.txt" 2>&1 \
   && [ "$(grep -c '^BRDA:' "$OUT/h.lcov")" -eq 5 ]; then
  ok "handlers: 5 handler branches taken, every activity run"
else
  cat "$OUT/h.txt"; no "handlers suite"
fi

# 5. suites that must fail, with the right message and status
$BPELC test $T/failing.suite.xml > "$OUT/f.txt" 2>&1; st=$?
if [ $st -eq 1 ] && grep -q "expected: \$result = 'later'" "$OUT/f.txt" \
   && grep -q "actual:   .*done" "$OUT/f.txt" \
   && grep -q "at:       S_DONE (tests/testing/timer.bpel:23)" "$OUT/f.txt"; then
  ok "a failing case fails (1) with expected, actual and the .bpel line"
else
  cat "$OUT/f.txt"; no "failing suite (status $st)"
fi
$BPELC test $T/bad.suite.xml > "$OUT/b.txt" 2>&1; st=$?
if [ $st -eq 2 ] && grep -q "tests/testing/bad.suite.xml:5: error: partner link 'client' has no operation 'ordr'" "$OUT/b.txt"; then
  ok "a bad suite is refused (2) with file:line"
else
  cat "$OUT/b.txt"; no "bad suite (status $st)"
fi
$BPELC test $T/advance-no-timer.suite.xml > "$OUT/a.txt" 2>&1; st=$?
if [ $st -eq 2 ] && grep -q "advance-no-timer.suite.xml:10: advance after the end" "$OUT/a.txt" \
   && grep -q "<advance> with no timer pending" "$OUT/a.txt"; then
  ok "<advance> with no timer pending is a suite error (2)"
else
  cat "$OUT/a.txt"; no "advance with no timer (status $st)"
fi

# 6. pictures
if $BPELC --emit=dot -o "$OUT/loan.dot" samples/loan-approval/loan-approval.bpel \
   && dot -Tsvg "$OUT/loan.dot" > "$OUT/loan.svg" \
   && $BPELC test --coverage-dot "$OUT/cov.dot" $T/counted.suite.xml > /dev/null \
   && dot -Tsvg "$OUT/cov.dot" > "$OUT/cov.svg" \
   && grep -q 'NOT RUN' "$OUT/cov.dot"; then
  ok "--emit=dot and --coverage-dot render with dot"
else
  no "dot pictures"
fi
$BPELC test --coverage-dot "$OUT/loops-zero.dot" $T/loops-zero.suite.xml > /dev/null 2>&1
$BPELC test --coverage-dot "$OUT/loops.dot" $T/loops.suite.xml > /dev/null 2>&1
if grep -q 'label="forEach\\ninOrder\\nline 26\\nrun; not taken: forEach: body run one or more times"; style="filled,rounded"; fillcolor="#f9e2a6"' "$OUT/loops-zero.dot" \
   && grep -q 'label="forEach\\natOnce\\nline 38\\nrun; not taken: forEach: body run one or more times"' "$OUT/loops-zero.dot" \
   && grep -q 'label="scope\\noneAtOnce\\nline 41\\nNOT RUN"' "$OUT/loops-zero.dot" \
   && grep -q 'label="forEach\\natOnce\\nline 38\\nrun"; style="filled,rounded"; fillcolor="#c9f0c1"' "$OUT/loops.dot" \
   && ! grep -q '#f9e2a6' "$OUT/loops.dot" \
   && dot -Tsvg "$OUT/loops-zero.dot" > "$OUT/loops-zero.svg"; then
  ok "--coverage-dot: a loop whose body never ran is amber and names the branch"
else
  no "loop branches in --coverage-dot"
fi

[ $fails -eq 0 ] && echo "bpel-tests: all passed" || echo "bpel-tests: $fails failed"
[ $fails -eq 0 ]
