/*
 * xpath2.h — expression-language knowledge beyond XPath 1.0 syntax
 * (xpath2.c): XPath-2.0-only constructs, and expressions that must fault
 * at run time.
 */
#ifndef BPELC_XPATH2_H
#define BPELC_XPATH2_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "model.h"

struct arena;
struct xpath_toks;

/* The XPath-2.0-only construct in `text` (element n gives the in-scope
 * prefixes), described in the arena; NULL when it is XPath 1.0 too. */
const char *xpath2_needs_xpath2(struct arena *a, xmlNodePtr n,
				const char *text);

/* Why evaluating `text` must raise bpel:subLanguageExecutionFault (empty;
 * for an expression, not a query, a location path with no context node),
 * in the arena; NULL when nothing is known to be wrong. */
const char *xpath2_runtime_error(struct arena *a, const char *text,
				 bool is_query);

/* The first token of ts that starts a location path where an expression
 * has no context node (an operand outside predicates, not a step hung
 * off an operand by '/'), or -1. The one rule behind both SA00027's
 * warning (check_xpath.c) and the run-time fault. */
int xpath2_bare_path(const struct xpath_toks *ts);

/* Is name (len bytes, no prefix) one of XPath 1.0's core functions? The
 * one list, for check_expr.c's unknown functions and the constructs
 * here. */
bool xpath2_is_core_function(const char *name, size_t len);

/* Only white space (or NULL). */
bool xpath2_blank(const char *text);

#endif
