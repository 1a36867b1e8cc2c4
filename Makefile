# bpelc — the only entry point of the build.
#
#   make            build/bpelc and build/libbpelrt.a
#   make check      unit tests, end-to-end tests, the same under ASan+UBSan,
#                   the fuzz stage, then the conformance corpus against its
#                   list of expected failures (tests/conformance/expected.txt)
#   make demo       install missing packages, build, compile the loan approval
#                   sample and its partners, run them, call them
#   make unit | e2e | bpel-tests | asan-check | conformance
#                   one stage of `make check`
#   make crash-test ROUNDS=1000   SIGKILL services, restart, lose nothing
#   make ops                       the operations side (tests/ops)
#   make cluster-test             three nodes on one PostgreSQL store,
#                                 nodes and the database killed; fencing
#                                 and races for a key (tests/cluster/fence.py)
#   make format | format-check                    clang-format on every C file
#                                                 (.clang-format)
#   make install PREFIX=/usr/local
#
# Variants build into their own tree: `make BUILD=build/asan SAN=1` is the
# sanitizer build that `make check` runs; `make BUILD=build/debug DEBUG=1`
# is an -O0 build whose broken invariants abort (BRT_DEBUG). E2E_FLAGS passes options to the
# end-to-end runner (e.g. E2E_FLAGS="--only hostile -v").

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
PYTHON  ?= python3
SHARED  ?= ../shared
VERSION := 0.1.0
JOBS    ?= 2
E2E_FLAGS ?=
OPS_FLAGS ?=
CONFORMANCE_TIMEOUT ?= 10
# Wall-clock cap of the whole corpus run, so CI (90 min, 2 cores) stays safe.
CONFORMANCE_MAX ?= 1800
ASAN_BUILD ?= build/asan

PKGS      := libxml-2.0 libexslt libxslt libevent libcurl libpq sqlite3
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
# libpq is opened with dlopen by the PostgreSQL store when a service uses
# it (runtime/store/pq_lazy.h): nothing links it.
LINK_PKGS  := $(filter-out libpq,$(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(LINK_PKGS)) -ldl
CHECK_CFLAGS := $(shell pkg-config --cflags check)
CHECK_LIBS   := $(shell pkg-config --libs check)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2
OPT     ?= -O2 -g
SANFLAGS :=
# BRT_DEBUG: a broken invariant (ALWAYS/NEVER, runtime/internal.h) aborts
# instead of faulting the instance. Sanitizer builds have it; DEBUG=1 gives
# it to a plain build.
DEBUGFLAGS :=
ifeq ($(DEBUG),1)
DEBUGFLAGS := -DBRT_DEBUG
OPT      := -O0 -g
endif
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
DEBUGFLAGS := -DBRT_DEBUG
OPT      := -O1 -g
# Every program run from this make (unit tests, bpelc, the services bpelc
# builds in e2e) inherits these: a leak or UB report is a failing test.
export ASAN_OPTIONS ?= detect_leaks=1
export UBSAN_OPTIONS ?= print_stacktrace=1:halt_on_error=1
endif
# The libFuzzer build (tests/fuzz/fuzz_*.c): clang, every object
# instrumented for coverage, ASan and UBSan; `make fuzz-long` and
# `make fuzz-check` make it in $(FUZZ_BUILD).
ifeq ($(SAN),fuzz)
CC       := clang
SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
DEBUGFLAGS := -DBRT_DEBUG
OPT      := -O1 -g
# clang's -Wformat=2 also flags the vsnprintf wrappers (gcc does not).
WARN     += -Wno-format-nonliteral
endif
# CRASH=1: the crash-test variant (runtime/crash.h): named crash points
# compiled into libbpelrt and the services bpelc builds, e.g.
# `make BUILD=build/crash CRASH=1`. Never in a normal build.
CRASHFLAGS :=
ifeq ($(CRASH),1)
CRASHFLAGS := -DBRT_CRASH_POINTS
endif
# -D_POSIX_C_SOURCE for strdup/getopt/sigaction; c11 otherwise hides them.
BASE_CFLAGS := -std=c11 $(WARN) $(OPT) $(SANFLAGS) $(CRASHFLAGS) $(DEBUGFLAGS) -D_POSIX_C_SOURCE=200809L
ALL_CFLAGS  := $(BASE_CFLAGS) -Iinclude $(PKG_CFLAGS) $(CFLAGS)

# What bpelc passes to $CC when it builds a service: the same warnings, the
# dependency flags, and the sanitizers (crash points) when bpelc itself is a
# sanitizer (crash-test) build.
RT_CFLAGS := -std=c11 $(WARN) -O2 -g $(SANFLAGS) $(CRASHFLAGS) $(PKG_CFLAGS)
RT_LIBS   := $(SANFLAGS) $(PKG_LIBS) -lm

# The runtime's folders follow its headers: engine/ (engine.h), data/
# (data.h), store/ (store.h: the instance store's backends), and the
# service plumbing at the top (internal.h).
RT_INC := -Iruntime -Iruntime/engine -Iruntime/data -Iruntime/store
COMPILER_SRC := $(sort $(wildcard compiler/*.c))
RUNTIME_SRC  := $(sort $(filter-out runtime/test/%,$(wildcard runtime/*.c runtime/*/*.c)))
# Test mode (runtime/test/, docs/testing.md): libbpelrt-test.a is the
# runtime without its HTTP server plus these files; `bpelc test` links it
# into the executables it builds, never into a service.
TESTRT_SRC   := $(sort $(wildcard runtime/test/*.c))
TESTRT_OBJ   := $(TESTRT_SRC:%.c=$(BUILD)/%.o)
COMPILER_OBJ := $(COMPILER_SRC:%.c=$(BUILD)/%.o)
# The admin console page is served from the binary: console.html becomes
# a C string at build time (tools/embed.sh), so the page is edited as HTML.
RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/console_html.o
# main.c holds only option parsing; unit tests link everything else.
COMPILER_LIB_OBJ := $(filter-out $(BUILD)/compiler/main.o,$(COMPILER_OBJ))

# A test binary links its test_*.c files and the fixtures they share
# (*_kit.c); the suite registry lists test_*.c only.
UNIT_C_SRC := $(sort $(wildcard tests/unit/compiler/test_*.c tests/unit/compiler/*_kit.c))
UNIT_R_SRC := $(sort $(wildcard tests/unit/runtime/test_*.c tests/unit/runtime/*_kit.c))
UNIT_C_OBJ := $(UNIT_C_SRC:%.c=$(BUILD)/%.o)
UNIT_R_OBJ := $(UNIT_R_SRC:%.c=$(BUILD)/%.o)
# Both test binaries: the failing allocator (tests/unit/failalloc.h) and
# the link-time wrapping that routes every allocation of the code under
# test through it.
UNIT_COMMON_OBJ := $(BUILD)/tests/unit/failalloc.o
UNIT_WRAP := -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=strndup,--wrap=free

.PHONY: bpel-tests all check unit e2e build-test asan-check asan-unit asan-e2e conformance demo \
        fuzz asan-fuzz crash-test crash-check ops asan-ops \
        cluster-test cluster-check \
        install clean bench golden-update format format-check deps
all: $(BUILD)/bpelc $(BUILD)/libbpelrt.a $(BUILD)/libbpelrt-test.a

$(BUILD)/%.o: %.c $(wildcard include/*.h include/bpelrt/*.h compiler/*.h compiler/*.def runtime/*.h runtime/*/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icompiler $(RT_INC) -c -o $@ $<

$(BUILD)/gen/console_html.c: runtime/admin/console.html tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh brt__console_html $< > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/console_html.o: $(BUILD)/gen/console_html.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/compiler/driver.o: ALL_CFLAGS += \
	-DBPELC_VERSION='"$(VERSION)"' \
	-DBPELC_RT_CFLAGS='"$(RT_CFLAGS)"' \
	-DBPELC_RT_LIBS='"$(RT_LIBS)"'
$(BUILD)/compiler/main.o: ALL_CFLAGS += -DBPELC_VERSION='"$(VERSION)"'
$(BUILD)/runtime/main.o: ALL_CFLAGS += -DBRT_VERSION='"$(VERSION)"'

$(BUILD)/bpelc: $(COMPILER_OBJ)
	$(CC) $(SANFLAGS) -o $@ $^ $(shell pkg-config --libs libxml-2.0) $(LDFLAGS)

# D: no timestamps, owners or modes in the archive (reproducible builds).
$(BUILD)/libbpelrt.a: $(RUNTIME_OBJ)
	@rm -f $@
	ar rcsD $@ $^

# pkg-config's description of the installed runtime, for programs that
# build generated C themselves (`bpelc --emit-c`, then cc). The library is
# static, so the libraries it uses are Requires, not Requires.private.
# Written by `make install`, for the PREFIX it installs into.
PC_LINES = 'prefix=$(PREFIX)' 'libdir=$${prefix}/lib' \
	'includedir=$${prefix}/include' '' 'Name: libbpelrt' \
	'Description: the runtime that processes compiled by bpelc link with' \
	'Version: $(VERSION)' 'Requires: $(LINK_PKGS)' \
	'Cflags: -I$${includedir}' 'Libs: -L$${libdir} -lbpelrt -lm -ldl'

$(BUILD)/libbpelrt-test.a: $(filter-out $(BUILD)/runtime/http.o,$(RUNTIME_OBJ)) $(TESTRT_OBJ)
	@rm -f $@
	ar rcs $@ $^

# One registry per test binary, made from the file names: test_foo.c exports
# foo_suite(). Nobody edits a list by hand (libuv's test-list.h, generated).
$(BUILD)/tests/%_list.h: $(wildcard tests/unit/*/test_*.c) Makefile
	@mkdir -p $(dir $@)
	@for f in $(sort $(wildcard tests/unit/$*/test_*.c)); do \
	  n=$$(basename $$f .c); n=$${n#test_}; echo "SUITE($${n})"; done > $@.tmp
	@mv $@.tmp $@

# -iquote, not -I: compiler/check.h (the static-analysis stage) must not
# shadow the check framework's <check.h>.
$(BUILD)/tests/unit/%.o: tests/unit/%.c $(wildcard include/*.h include/bpelrt/*.h compiler/*.h compiler/*.def runtime/*.h runtime/*/*.h tests/unit/*.h tests/unit/*/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -iquote compiler $(RT_INC:-I%=-iquote %) -iquote tests/unit -c -o $@ $<

# Runtime tests see runtime/ only: compiler/check.h would shadow <check.h>.
# (The headers are prerequisites too: a struct that grows must rebuild the
# tests' hand-written descriptors, or the runtime reads past them.)
$(BUILD)/tests/unit/runtime/%.o: tests/unit/runtime/%.c $(wildcard include/*.h include/bpelrt/*.h runtime/*.h tests/unit/*.h tests/unit/runtime/*.h runtime/*/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) $(RT_INC) -Itests/unit -c -o $@ $<

$(BUILD)/test_compiler: tests/unit/runner.c $(BUILD)/tests/compiler_list.h $(UNIT_C_OBJ) $(UNIT_COMMON_OBJ) $(COMPILER_LIB_OBJ)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -DSUITE_LIST='"compiler_list.h"' \
	  -o $@ tests/unit/runner.c $(UNIT_C_OBJ) $(UNIT_COMMON_OBJ) $(UNIT_WRAP) $(COMPILER_LIB_OBJ) $(CHECK_LIBS) $(PKG_LIBS) -lm

$(BUILD)/test_runtime: tests/unit/runner.c $(BUILD)/tests/runtime_list.h $(UNIT_R_OBJ) $(UNIT_COMMON_OBJ) $(BUILD)/libbpelrt.a
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -DSUITE_LIST='"runtime_list.h"' \
	  -o $@ tests/unit/runner.c $(UNIT_R_OBJ) $(UNIT_COMMON_OBJ) $(UNIT_WRAP) $(BUILD)/libbpelrt.a $(CHECK_LIBS) $(PKG_LIBS) -lm

# Both binaries always run, so one failing does not hide the other. Unit
# tests need no bpelc executable, only the objects they link. A test that
# cannot run here (tests/unit/skip.h) lists itself in $(BUILD)/skipped.log,
# printed at the end (and by `make check`); under CI=true it fails instead.
unit: $(BUILD)/test_compiler $(BUILD)/test_runtime
	@rc=0; rm -f $(BUILD)/skipped.log; \
	echo "unit: $(BUILD)/test_compiler"; \
	BPELC_SKIP_LOG=$(BUILD)/skipped.log BPELC_TEST_DATA=tests/data $(BUILD)/test_compiler || rc=1; \
	echo "unit: $(BUILD)/test_runtime"; \
	BPELC_SKIP_LOG=$(BUILD)/skipped.log BPELC_TEST_DATA=tests/data $(BUILD)/test_runtime || rc=1; \
	if [ -s $(BUILD)/skipped.log ]; then \
	  echo "unit: $$(wc -l < $(BUILD)/skipped.log) test(s) SKIPPED:"; \
	  sed 's/^/  SKIP /' $(BUILD)/skipped.log; fi; \
	exit $$rc

# tests/e2e/<case>/ and samples/<name>/: compile, serve, play the scenario.
e2e: all
	$(PYTHON) tests/e2e/run.py --bpelc $(BUILD)/bpelc --jobs $(JOBS) $(E2E_FLAGS)

# bpelc in a user's build (tests/toolchain/run.py): -MD files checked by make,
# SARIF/JSON validity, reproducible output, the installed libbpelrt.pc.
build-test: all
	$(PYTHON) tests/toolchain/run.py --bpelc $(BUILD)/bpelc --build $(BUILD)

# `bpelc test` on the samples' suites (--junit, --min-coverage
# activity=100) and the runner's own tests (tests/testing/run.sh,
# docs/testing.md).
bpel-tests: all
	sh tests/testing/run.sh $(BUILD)

# The operations side of a service (tests/ops/run.py): admin listener,
# probes, metrics, instance admin, JSON logs, traceparent, sd_notify, the
# console in headless chromium (skipped with a message without chromium).
ops: all
	$(PYTHON) tests/ops/run.py --bpelc $(BUILD)/bpelc $(OPS_FLAGS)
asan-ops:
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SAN=1 ops

# The sanitizer pass of `make check`: its own tree, the same tests. The
# sanitizer bpelc bakes SANFLAGS into RT_CFLAGS/RT_LIBS, so the services it
# builds in e2e are sanitizer builds too.
asan-unit:
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SAN=1 unit
asan-e2e:
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SAN=1 e2e
asan-check:
	@rc=0; $(MAKE) --no-print-directory asan-unit || rc=1; \
	$(MAKE) --no-print-directory asan-e2e || rc=1; exit $$rc

# The compiler on mutated processes and WSDLs (tests/fuzz/mutate.py): every
# mutant must exit 0/1/2 without a hang or a sanitizer report. `fuzz` runs
# for FUZZ_SECONDS; `asan-fuzz` (a stage of check) is a short run of 200
# mutants. Each run draws a new seed and prints it first, so every check
# covers new mutants; FUZZ_SEED=N replays a run exactly.
FUZZ_SEED ?=
FUZZ_SEED_FLAG = $(if $(FUZZ_SEED),--seed $(FUZZ_SEED))
FUZZ_SECONDS ?= 300
fuzz: all
	$(PYTHON) tests/fuzz/mutate.py --bpelc $(BUILD)/bpelc --jobs $(JOBS) \
	  --seconds $(FUZZ_SECONDS) $(FUZZ_SEED_FLAG) $(FUZZ_FLAGS)
asan-fuzz:
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SAN=1 all
	$(PYTHON) tests/fuzz/mutate.py --bpelc $(ASAN_BUILD)/bpelc \
	  --jobs $(JOBS) --iterations 200 $(FUZZ_SEED_FLAG) $(FUZZ_FLAGS)

# libFuzzer targets (tests/fuzz/README.md): the SOAP intake, partner-reply
# mapping, record restore, the compiler's front end and its XPath
# handling, each with a checked-in seed corpus (tests/fuzz/corpus/NAME).
# `fuzz-long` runs each for FUZZ_SECONDS, keeping what it learns in
# FUZZ_WORK; `fuzz-check` (a stage of check) replays the seeds, then
# fuzzes each target for FUZZ_CHECK_SECONDS (about a minute in all).
FUZZ_BUILD ?= build/fuzz
FUZZ_WORK ?= $(FUZZ_BUILD)/work
FUZZ_CHECK_SECONDS ?= 12
FUZZ_RT_TARGETS := soap reply restore
FUZZ_CC_TARGETS := compiler xpath
FUZZ_TARGETS := $(FUZZ_RT_TARGETS) $(FUZZ_CC_TARGETS)
FUZZ_OPTS ?= -rss_limit_mb=2048 -timeout=10 -max_len=262144
.PHONY: fuzz-build fuzz-targets fuzz-long fuzz-check
$(FUZZ_RT_TARGETS:%=$(BUILD)/fuzz_%): $(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_ops.h $(BUILD)/libbpelrt.a
	$(CC) $(ALL_CFLAGS) $(RT_INC) -fsanitize=fuzzer -o $@ $< $(BUILD)/libbpelrt.a $(PKG_LIBS) -lm
$(FUZZ_CC_TARGETS:%=$(BUILD)/fuzz_%): $(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(COMPILER_LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -Icompiler -DBPELC_VERSION='"$(VERSION)"' -fsanitize=fuzzer -o $@ $< $(COMPILER_LIB_OBJ) $(PKG_LIBS) -lm
fuzz-targets: $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)
fuzz-build:
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) SAN=fuzz fuzz-targets
fuzz-long: fuzz-build
	@rc=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_WORK)/$$t $(FUZZ_WORK)/crashes; \
	  echo "fuzz-long: $$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$t $(FUZZ_OPTS) -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(FUZZ_WORK)/crashes/$$t- -print_final_stats=1 \
	    $(FUZZ_WORK)/$$t tests/fuzz/corpus/$$t || rc=1; \
	done; exit $$rc
fuzz-check: fuzz-build
	@rc=0; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_WORK)/check-$$t $(FUZZ_WORK)/crashes; \
	  echo "fuzz-check: $$t: seeds, then $(FUZZ_CHECK_SECONDS) s"; \
	  $(FUZZ_BUILD)/fuzz_$$t $(FUZZ_OPTS) -runs=0 tests/fuzz/corpus/$$t \
	    >$(FUZZ_WORK)/check-$$t.log 2>&1 && \
	  $(FUZZ_BUILD)/fuzz_$$t $(FUZZ_OPTS) -max_total_time=$(FUZZ_CHECK_SECONDS) \
	    -seed=1 -artifact_prefix=$(FUZZ_WORK)/crashes/$$t- \
	    $(FUZZ_WORK)/check-$$t tests/fuzz/corpus/$$t \
	    >>$(FUZZ_WORK)/check-$$t.log 2>&1 \
	  || { rc=1; echo "fuzz-check: $$t FAILED"; tail -n 40 $(FUZZ_WORK)/check-$$t.log; }; \
	done; exit $$rc

# The crash harness (tests/crash/README.md): compiled services SIGKILLed at
# random moments and at the named crash points of a CRASH=1 build,
# restarted on the same store, every acknowledged message accounted for.
# `crash-test` runs ROUNDS rounds, then ROUNDS/20 (at least 5) with a
# sanitizer build; `crash-check` (a stage of check) runs 50 rounds, 5 under
# ASan+UBSan (random kills, restore and stop checked), and 3 rounds with
# `--store none` that must report lost messages (the harness sees losses).
CRASH_BUILD ?= build/crash
CRASH_ASAN_BUILD ?= build/crash-asan
ROUNDS ?= 1000
CRASH_FLAGS ?=
CRASH_PY := $(PYTHON) tests/crash/crash.py
crash-test:
	$(MAKE) --no-print-directory BUILD=$(CRASH_BUILD) CRASH=1 all
	$(CRASH_PY) --bpelc $(CRASH_BUILD)/bpelc --rounds $(ROUNDS) $(CRASH_FLAGS)
	$(MAKE) --no-print-directory BUILD=$(CRASH_ASAN_BUILD) CRASH=1 SAN=1 all
	ASAN_OPTIONS=detect_leaks=1 $(CRASH_PY) --bpelc $(CRASH_ASAN_BUILD)/bpelc \
	  --rounds $$(( $(ROUNDS) / 20 > 5 ? $(ROUNDS) / 20 : 5 )) $(CRASH_FLAGS)
crash-check:
	@$(MAKE) --no-print-directory BUILD=$(CRASH_BUILD) CRASH=1 all
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SAN=1 all
	@rc=0; \
	$(CRASH_PY) --bpelc $(CRASH_BUILD)/bpelc --rounds 50 $(CRASH_FLAGS) || rc=1; \
	ASAN_OPTIONS=detect_leaks=1 $(CRASH_PY) --bpelc $(ASAN_BUILD)/bpelc \
	  --rounds 5 $(CRASH_FLAGS) || rc=1; \
	$(CRASH_PY) --bpelc $(CRASH_BUILD)/bpelc --rounds 3 --store none \
	  --expect-loss --quiet || rc=1; \
	exit $$rc

# The cluster test (tests/cluster/cluster.py, docs/scale-out.md): three
# nodes of the probe on one real PostgreSQL server it starts itself
# (tests/cluster/pg.sh), SIGKILL of a random node every few seconds, one
# crash of the database, every acknowledged message accounted for; then
# tests/cluster/inbox.py: one-way messages kept in the database for the
# instance's owner (consumed once, in order, one node only polling) and
# timers of killed nodes' instances (fired once, never early, late by at
# most the node timeout and a margin).
# `cluster-test` runs CLUSTER_SECONDS (300) each; `cluster-check` (a
# stage of check) 40 s and 20 s.
CLUSTER_SECONDS ?= 300
CLUSTER_FLAGS ?=
# Then tests/cluster/fence.py: a fenced-out instance, a commit whose
# outcome is unknown, and FENCE_TRIALS races of two nodes for one new
# correlation key (200 in cluster-test, 10 in cluster-check).
FENCE_TRIALS ?= 200
cluster-test: all
	$(PYTHON) tests/cluster/cluster.py --bpelc $(BUILD)/bpelc \
	  --seconds $(CLUSTER_SECONDS) --node-timeout 3 --kill-every 5 -v \
	  $(CLUSTER_FLAGS)
	$(PYTHON) tests/cluster/fence.py --bpelc $(BUILD)/bpelc \
	  --trials $(FENCE_TRIALS)
	$(PYTHON) tests/cluster/inbox.py --bpelc $(BUILD)/bpelc \
	  --seconds $(CLUSTER_SECONDS) --node-timeout 3 --kill-every 5
cluster-check: all
	$(PYTHON) tests/cluster/cluster.py --bpelc $(BUILD)/bpelc \
	  --seconds 40 --node-timeout 2 --kill-every 4 $(CLUSTER_FLAGS)
	$(PYTHON) tests/cluster/fence.py --bpelc $(BUILD)/bpelc --trials 10
	$(PYTHON) tests/cluster/inbox.py --bpelc $(BUILD)/bpelc \
	  --seconds 20 --node-timeout 2 --kill-every 4

# The corpus run (../shared/conformance/run.py) judged against the
# checked-in list of expected failures (tests/conformance/expected.txt):
# any other failure, or a listed test that passes, fails the stage. It
# prints the feature tests and the static-analysis cases separately. Without
# ../shared the stage is skipped, visibly, and fails under CI=true.
conformance: all
	@if [ -f $(SHARED)/conformance/run.py ]; then \
	  echo "conformance: $(SHARED)/conformance (log: $(BUILD)/conformance.log)"; \
	  rm -f $(BUILD)/conformance.json; st=0; \
	  timeout $(CONFORMANCE_MAX) \
	  $(PYTHON) $(SHARED)/conformance/run.py --bpelc $(BUILD)/bpelc \
	    --jobs $(JOBS) --timeout $(CONFORMANCE_TIMEOUT) \
	    --json $(BUILD)/conformance.json > $(BUILD)/conformance.log 2>&1 || st=$$?; \
	  rm -f $(BUILD)/conformance-rerun.json; \
	  races=$$($(PYTHON) tests/conformance/verdict.py \
	    --json $(BUILD)/conformance.json --runner-races); \
	  if [ -n "$$races" ]; then \
	    $(PYTHON) $(SHARED)/conformance/run.py --bpelc $(BUILD)/bpelc \
	      --only "$$races" --timeout $(CONFORMANCE_TIMEOUT) \
	      --json $(BUILD)/conformance-rerun.json \
	      >> $(BUILD)/conformance.log 2>&1 || true; fi; \
	  $(PYTHON) tests/conformance/verdict.py --json $(BUILD)/conformance.json \
	    --rerun $(BUILD)/conformance-rerun.json --status $$st; \
	else echo "conformance: SKIPPED, $(SHARED)/conformance not found"; \
	  echo "conformance: $(SHARED)/conformance not found" >> $(BUILD)/skipped.log; \
	  test "$$CI" != true; fi

# Every stage runs even when an earlier one failed; the summary at the end
# says which failed. Builds inside a stage use -j$(JOBS); the stages
# themselves run one after another so their output stays readable.
# One stage per line, so that adding a stage touches one line.
CHECK_STAGES := format-check
CHECK_STAGES += unit
CHECK_STAGES += e2e
CHECK_STAGES += ops
CHECK_STAGES += build-test
CHECK_STAGES += bpel-tests
CHECK_STAGES += asan-unit
CHECK_STAGES += asan-e2e
CHECK_STAGES += asan-ops
CHECK_STAGES += asan-fuzz
CHECK_STAGES += fuzz-check
CHECK_STAGES += crash-check
CHECK_STAGES += cluster-check
CHECK_STAGES += conformance
check:
	@rc=0; passed=; failed=; \
	for t in $(CHECK_STAGES); do \
	  echo "==== check: $$t"; \
	  if $(MAKE) --no-print-directory -j$(JOBS) $$t; then \
	    passed="$$passed $$t"; else failed="$$failed $$t"; rc=1; fi; \
	done; \
	echo "==== check summary"; \
	for t in $$passed; do echo "  PASS $$t"; done; \
	for t in $$failed; do echo "  FAIL $$t"; done; \
	cat $(BUILD)/skipped.log $(ASAN_BUILD)/skipped.log 2>/dev/null \
	  | sed 's/^/  SKIP /'; \
	np=$$(echo $$passed | wc -w); nf=$$(echo $$failed | wc -w); \
	ns=$$(cat $(BUILD)/skipped.log $(ASAN_BUILD)/skipped.log 2>/dev/null | wc -l); \
	echo "check stages: $$np passed, $$nf failed; $$ns test(s) skipped"; \
	exit $$rc

# Installs what is missing (Debian), then builds in a sub-make: this
# Makefile reads pkg-config at parse time, before the packages exist on a
# fresh machine.
deps:
	@sh tools/install-deps.sh

demo:
	@sh tools/install-deps.sh
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@sh samples/demo.sh $(BUILD)

# Benchmarks (bench/run.sh, docs/performance.md): baseline vs compiled
# service, idle-instance memory, start-up and compile time; then the
# PostgreSQL store against SQLite (bench/cluster.py). About 3-6 min.
bench: all
	sh bench/run.sh $(BUILD)
	$(PYTHON) bench/cluster.py --build $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	  $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(BUILD)/bpelc $(DESTDIR)$(PREFIX)/bin/bpelc
	install -m 644 $(BUILD)/libbpelrt.a $(DESTDIR)$(PREFIX)/lib/libbpelrt.a
	install -m 644 include/bpelrt.h $(DESTDIR)$(PREFIX)/include/bpelrt.h
	printf '%s\n' $(PC_LINES) > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libbpelrt.pc
	$(if $(wildcard include/bpelrt/*.h),install -d $(DESTDIR)$(PREFIX)/include/bpelrt && \
	  install -m 644 $(wildcard include/bpelrt/*.h) $(DESTDIR)$(PREFIX)/include/bpelrt/)

clean:
	rm -rf build

# Golden files of generated C (tests/golden/*.bpel -> *.c): the unit test
# compares; this rewrites them. Review the diff in the same commit.
golden-update: $(BUILD)/test_compiler
	BPELC_GOLDEN_UPDATE=1 BPELC_TEST_DATA=tests/data CK_RUN_SUITE=emit $(BUILD)/test_compiler

# Formatting: .clang-format (kernel-like: tabs, 80 columns). Generated C
# (tests/golden/*.c) is never formatted. The whole tree is clang-format's
# output: `make format` rewrites every C file in FORMAT_DIRS, `make
# format-check` (a stage of `make check`) fails when any would change. A
# table that must keep its layout goes between /* clang-format off */ and
# /* clang-format on */.
FORMAT_DIRS := compiler runtime include tests/unit tests/fuzz bench
CLANG_FORMAT ?= clang-format
FORMAT_FILES = $(sort $(shell find $(FORMAT_DIRS) -name '*.[ch]'))
format:
	@$(CLANG_FORMAT) -i $(FORMAT_FILES)
format-check:
	@if ! command -v $(CLANG_FORMAT) >/dev/null 2>&1; then \
	  echo "format-check: FAILED: $(CLANG_FORMAT) is not installed (tools/install-deps.sh)"; \
	  exit 1; fi; \
	$(CLANG_FORMAT) --dry-run -Werror $(FORMAT_FILES) || \
	  { echo "format-check: run 'make format'"; exit 1; }; \
	echo "format-check: $(words $(FORMAT_FILES)) files are formatted"
