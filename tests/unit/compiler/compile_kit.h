/*
 * compile_kit.h — what the compiler's phase tests share (test_load,
 * test_model, test_resolve, test_lower*, test_xpath2): run the phases up
 * to a given one on a file, capturing the diagnostics as text; write
 * small files into a temporary directory; wrap an activity in a process
 * that imports tests/golden/golden.wsdl; find an activity by name.
 *
 * Not for the SA rule tests: they write their own WSDL and process from
 * table rows (check_fixture.h). Every function asserts (check framework)
 * instead of returning errors, so it may only be called inside a test.
 */
#ifndef COMPILE_KIT_H
#define COMPILE_KIT_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"
#include "ir.h"
#include "model.h"

enum { KIT_MAX_FILES = 16 };

/* One compilation. Zero it before use; kit_free releases everything it
 * holds, the files kit_write wrote included. */
struct kit {
	struct arena *a;
	struct diag *dg;
	FILE *f;   /* the diagnostics sink writes here ... */
	char *out; /* ... and this is the text, NUL-terminated after kit_run */
	size_t len;
	struct model *m;       /* NULL when loading failed */
	struct ir_program *ir; /* KIT_LOWER without errors before it, else NULL */
	char dir[64];	       /* kit_write's directory, "" until the first */
	char files[KIT_MAX_FILES][128];
	int nfiles;
};

/* How far kit_run goes; like the driver, it stops after a phase that
 * reported an error (load's, resolve's or check's). */
enum kit_phase { KIT_LOAD, KIT_RESOLVE, KIT_CHECK, KIT_LOWER };

/* Load the process at path and run the phases after load up to `last`.
 * From KIT_RESOLVE on, loading must have succeeded. Call once per kit. */
void kit_run(struct kit *k, const char *path, enum kit_phase last);

/* Write `text` to file `name` in the kit's temporary directory (made on
 * first use); returns its path, valid until kit_free. */
const char *kit_write(struct kit *k, const char *name, const char *text);

/* Copy file src into the kit's temporary directory as `name`; returns
 * the copy's path like kit_write. */
const char *kit_copy(struct kit *k, const char *name, const char *src);

/* Write p.bpel: process "p" (targetNamespace urn:p, the BPEL namespace as
 * default, prefixes bpel, xsd and g = urn:bpelc:golden; `attrs`, if not
 * NULL, added to <process>) importing the golden WSDL, with partner link
 * "client" (g:ServiceLT, myRole service), variables "in" (g:request) and
 * "out" (g:response), then `body`. Returns its path. */
const char *kit_process(struct kit *k, const char *attrs, const char *body);

/* kit_run(k, kit_process(k, attrs, body), last). */
void kit_inline(struct kit *k, const char *attrs, const char *body,
		enum kit_phase last);

void kit_free(struct kit *k);

/* $BPELC_TEST_DATA/compiler/rel (default tests/data). The result is a
 * static buffer, overwritten by the next call. */
const char *kit_data(const char *rel);

/* $BPELC_GOLDEN_DIR/name (default tests/golden), relative as given;
 * static buffer like kit_data. */
const char *kit_golden(const char *name);

/* The activity named `name` in the tree at root (root included; depth
 * first, the first found), looking into every child, branch and handler
 * (fault, compensation, termination, event); NULL when none. */
struct bpel_activity *kit_find(struct bpel_activity *root, const char *name);

#endif
