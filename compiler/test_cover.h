/*
 * test_cover.h — coverage of a process by a `bpelc test` run, keyed to
 * the .bpel's lines: what to count is decided here from the model and
 * the IR; the counts come from the test executables' result files
 * (states run, state triples, link values; runtime/test/main.c).
 */
#ifndef BPELC_TEST_COVER_H
#define BPELC_TEST_COVER_H

#include <stdbool.h>
#include <stdio.h>

#include <libxml/tree.h>

#include "ir.h"

struct cover;

/* The items of one process (ir and its model must outlive the cover). */
struct cover *cover_new(const struct ir_program *ir, const char *suite);
void cover_free(struct cover *c);
/* Add the <coverage> element of one case's result. */
void cover_add(struct cover *c, xmlNodePtr coverage);
/* Counts: activities run / all, branches taken / all. */
void cover_counts(const struct cover *c, int *acts_hit, int *acts, int *br_hit,
		  int *brs);
/* The not-covered items as "file:line what" lines (at most max). */
void cover_print_missed(const struct cover *c, FILE *f, int max);
/* lcov tracefile records (one SF per process). */
void cover_write_lcov(const struct cover *c, FILE *f);
/* One Cobertura <class> per process under `classes`. */
void cover_cobertura_class(const struct cover *c, xmlNodePtr classes);
/* The picture of the process coloured by coverage. */
int cover_write_dot(const struct cover *c, const char *path);

#endif
