/*
 * unread.h — which variables nothing ever reads (unread.c).
 */
#ifndef BPELC_UNREAD_H
#define BPELC_UNREAD_H

#include <stdbool.h>

#include <libxml/tree.h>

struct arena;
struct unread;

/* Scan the process document once. Allocated in `a`. */
struct unread *unread_scan(struct arena *a, xmlDocPtr process_doc);
/* True when a variable named `name` is never read anywhere in the
 * process: only declared, and written by <receive>/<onMessage>. */
bool unread_is(const struct unread *u, const char *name);

#endif /* BPELC_UNREAD_H */
