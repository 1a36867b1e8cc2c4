# bpelc — the only entry point of the build.
#
#   make            build/bpelc and build/libbpelrt.a
#   make check      unit tests, end-to-end tests, the same under ASan+UBSan,
#                   then the conformance corpus (counts only) when ../shared exists
#   make demo       build, compile a sample, run it as a service, call it
#   make install PREFIX=/usr/local
#
# Variants build into their own tree: `make BUILD=build/asan SAN=1` is the
# sanitizer build that `make check` runs.

BUILD   ?= build
PREFIX  ?= /usr/local
CC      ?= cc
PYTHON  ?= python3
SHARED  ?= ../shared
VERSION := 0.1.0

PKGS      := libxml-2.0 libexslt libxslt libevent libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
CHECK_CFLAGS := $(shell pkg-config --cflags check)
CHECK_LIBS   := $(shell pkg-config --libs check)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2
OPT     ?= -O2 -g
SANFLAGS :=
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT      := -O1 -g
endif
# -D_POSIX_C_SOURCE for strdup/getopt/sigaction; c11 otherwise hides them.
BASE_CFLAGS := -std=c11 $(WARN) $(OPT) $(SANFLAGS) -D_POSIX_C_SOURCE=200809L
ALL_CFLAGS  := $(BASE_CFLAGS) -Iinclude $(PKG_CFLAGS) $(CFLAGS)

# What bpelc passes to $CC when it builds a service: the same warnings, the
# dependency flags, and the sanitizers when bpelc itself is a sanitizer build.
RT_CFLAGS := -std=c11 $(WARN) -O2 -g $(SANFLAGS) $(PKG_CFLAGS)
RT_LIBS   := $(SANFLAGS) $(PKG_LIBS) -lm

COMPILER_SRC := $(sort $(wildcard compiler/*.c))
RUNTIME_SRC  := $(sort $(wildcard runtime/*.c))
COMPILER_OBJ := $(COMPILER_SRC:%.c=$(BUILD)/%.o)
RUNTIME_OBJ  := $(RUNTIME_SRC:%.c=$(BUILD)/%.o)
# main.c holds only option parsing; unit tests link everything else.
COMPILER_LIB_OBJ := $(filter-out $(BUILD)/compiler/main.o,$(COMPILER_OBJ))

UNIT_C_SRC := $(sort $(wildcard tests/unit/compiler/test_*.c))
UNIT_R_SRC := $(sort $(wildcard tests/unit/runtime/test_*.c))
UNIT_C_OBJ := $(UNIT_C_SRC:%.c=$(BUILD)/%.o)
UNIT_R_OBJ := $(UNIT_R_SRC:%.c=$(BUILD)/%.o)

.PHONY: all check unit e2e asan-check conformance demo install clean bench \
        golden-update format format-check
all: $(BUILD)/bpelc $(BUILD)/libbpelrt.a

$(BUILD)/%.o: %.c $(wildcard include/*.h include/bpelrt/*.h compiler/*.h compiler/*.def runtime/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Icompiler -Iruntime -c -o $@ $<

$(BUILD)/compiler/driver.o: ALL_CFLAGS += \
	-DBPELC_VERSION='"$(VERSION)"' \
	-DBPELC_RT_CFLAGS='"$(RT_CFLAGS)"' \
	-DBPELC_RT_LIBS='"$(RT_LIBS)"'
$(BUILD)/compiler/main.o: ALL_CFLAGS += -DBPELC_VERSION='"$(VERSION)"'
$(BUILD)/runtime/main.o: ALL_CFLAGS += -DBRT_VERSION='"$(VERSION)"'

$(BUILD)/bpelc: $(COMPILER_OBJ)
	$(CC) $(SANFLAGS) -o $@ $^ $(shell pkg-config --libs libxml-2.0) $(LDFLAGS)

$(BUILD)/libbpelrt.a: $(RUNTIME_OBJ)
	@rm -f $@
	ar rcs $@ $^

# One registry per test binary, made from the file names: test_foo.c exports
# foo_suite(). Nobody edits a list by hand (libuv's test-list.h, generated).
$(BUILD)/tests/%_list.h: $(wildcard tests/unit/*/test_*.c) Makefile
	@mkdir -p $(dir $@)
	@for f in $(sort $(wildcard tests/unit/$*/test_*.c)); do \
	  n=$$(basename $$f .c); n=$${n#test_}; echo "SUITE($${n})"; done > $@.tmp
	@mv $@.tmp $@

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Icompiler -Iruntime -Itests/unit -c -o $@ $<

$(BUILD)/test_compiler: tests/unit/runner.c $(BUILD)/tests/compiler_list.h $(UNIT_C_OBJ) $(COMPILER_LIB_OBJ)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -DSUITE_LIST='"compiler_list.h"' \
	  -o $@ tests/unit/runner.c $(UNIT_C_OBJ) $(COMPILER_LIB_OBJ) $(CHECK_LIBS) $(PKG_LIBS) -lm

$(BUILD)/test_runtime: tests/unit/runner.c $(BUILD)/tests/runtime_list.h $(UNIT_R_OBJ) $(BUILD)/libbpelrt.a
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(BUILD)/tests -DSUITE_LIST='"runtime_list.h"' \
	  -o $@ tests/unit/runner.c $(UNIT_R_OBJ) $(BUILD)/libbpelrt.a $(CHECK_LIBS) $(PKG_LIBS) -lm

unit: all $(BUILD)/test_compiler $(BUILD)/test_runtime
	BPELC_TEST_DATA=tests/data $(BUILD)/test_compiler
	BPELC_TEST_DATA=tests/data $(BUILD)/test_runtime

e2e: all
	$(PYTHON) tests/e2e/run.py --bpelc $(BUILD)/bpelc

# The sanitizer pass of `make check`: its own tree, the same tests.
asan-check:
	$(MAKE) BUILD=build/asan SAN=1 unit e2e

conformance: all
	@if [ -f $(SHARED)/conformance/run.py ]; then \
	  $(PYTHON) $(SHARED)/conformance/run.py --bpelc $(BUILD)/bpelc --jobs 2 | tail -n 8; \
	else echo "conformance: $(SHARED)/conformance not found, skipped"; fi

check: unit e2e asan-check conformance

demo: all
	@sh samples/demo.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib \
	  $(DESTDIR)$(PREFIX)/include/bpelrt
	install -m 755 $(BUILD)/bpelc $(DESTDIR)$(PREFIX)/bin/bpelc
	install -m 644 $(BUILD)/libbpelrt.a $(DESTDIR)$(PREFIX)/lib/libbpelrt.a
	install -m 644 include/bpelrt.h $(DESTDIR)$(PREFIX)/include/bpelrt.h
	install -m 644 include/bpelrt/*.h $(DESTDIR)$(PREFIX)/include/bpelrt/

clean:
	rm -rf build

# Golden files of generated C (tests/golden/*.bpel -> *.c): the unit test
# compares; this rewrites them. Review the diff in the same commit.
golden-update: $(BUILD)/test_compiler
	BPELC_GOLDEN_UPDATE=1 BPELC_TEST_DATA=tests/data CK_RUN_SUITE=emit $(BUILD)/test_compiler
