/*
 * emit.h — rendering the IR as one C file for libbpelrt (bpelrt.h).
 *
 * The output is deterministic: the same IR gives byte-identical text
 * (tables in document order, no dates, no absolute paths unless the input
 * path was given that way). It compiles warning-free with the project's
 * flags (every table static and referenced, every step function used by
 * the step switch).
 * Not here: deciding anything about the process (lower*.c made the IR),
 * compiling the C (driver.c).
 */
#ifndef BPELC_EMIT_H
#define BPELC_EMIT_H

#include <stdbool.h>

#include "ir.h"

struct emit_options {
	const char *version;  /* bpelc version for the header comment */
	const char *out_name; /* the .c file's name, for `#line` back into it */
	bool no_line;	      /* no #line directives (--no-line) */
};

/* Render p as C. Returns a new NUL-terminated string the caller frees with
 * free(). Sets the `cname` of every state (emit_names.c). Never fails
 * (allocation failure exits 2). */
char *emit_c(struct ir_program *p, const struct emit_options *o);

/* ---- emit_names.c ------------------------------------------------------ */

/* `s` made a C identifier (characters outside [A-Za-z0-9_] become '_', a
 * leading digit gets an 'x' before it); in the arena. */
const char *emit_names_ident(struct arena *a, const char *s);
/* Upper-case copy of a C identifier, in the arena. */
const char *emit_names_upper(struct arena *a, const char *s);
/* Give every state a unique C name part (from BPEL @name, else element +
 * document order number; clashes get _2, _3 in document order). */
void emit_names_states(struct ir_program *p);

#endif
