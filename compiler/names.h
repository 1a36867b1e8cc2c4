/*
 * names.h — a set of names and the one scanner that finds names in text,
 * shared by the checks that ask "is this name used anywhere"
 * (check_warn.c: unused declarations; unread.c: variables nothing reads).
 * By name only, no scoping: both err towards "used".
 */
#ifndef BPELC_NAMES_H
#define BPELC_NAMES_H

#include <stdbool.h>
#include <stddef.h>

struct arena;

/* Zero it and set `a`; the names are copied into the arena. */
struct name_set {
	const char **v;
	int n, cap;
	struct arena *a;
};

void name_set_add(struct name_set *ns, const char *s, size_t len);
bool name_set_has(const struct name_set *ns, const char *s);

/* Add the names in text: every run of name characters (NCName characters
 * and '.') and each dot-separated piece of it ("v.part" gives v.part, v
 * and part). With refs_only, only the runs right after a '$' or a quote
 * ($v, getVariableProperty('v', …)); otherwise every run (a list of names
 * in an attribute, every token of an expression). */
void name_set_scan(struct name_set *ns, const char *text, bool refs_only);

#endif /* BPELC_NAMES_H */
