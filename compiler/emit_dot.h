/*
 * emit_dot.h — `bpelc --emit=dot`: a Graphviz picture of a process, and
 * the same picture coloured by coverage for `bpelc test --coverage-dot`.
 */
#ifndef BPELC_EMIT_DOT_H
#define BPELC_EMIT_DOT_H

#include "model.h"

/* How to colour the picture: a fill colour per activity (NULL: none)
 * and a note added to its label (NULL: none). */
struct emit_dot_cover {
	const char *(*color)(const struct bpel_activity *a, void *arg);
	const char *(*note)(const struct bpel_activity *a, void *arg);
	void *arg;
};

/* The picture as DOT text (malloc'd). cov may be NULL. */
char *emit_dot(const struct model *m, const struct emit_dot_cover *cov);
/* Write it to `path` ("-": stdout): 0, or 2 after a message. */
int emit_dot_file(const struct model *m, const struct emit_dot_cover *cov,
		  const char *path);

#endif
