/*
 * names.c — the name set and name scanner of names.h. Linear lookups: the
 * sets hold the names of one process. Not here: deciding what counts as a
 * use (check_warn.c, unread.c).
 */
#include "names.h"

#include <string.h>

#include "arena.h"

void name_set_add(struct name_set *ns, const char *s, size_t len)
{
	if (ns->n == ns->cap) {
		int cap = ns->cap ? ns->cap * 2 : 64;
		const char **v = ARENA_ARRAY(ns->a, const char *, cap);
		if (ns->n)
			memcpy(v, ns->v, sizeof(*v) * (size_t)ns->n);
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n++] = arena_strndup(ns->a, s, len);
}

bool name_set_has(const struct name_set *ns, const char *s)
{
	for (int i = 0; i < ns->n; i++)
		if (strcmp(ns->v[i], s) == 0)
			return true;
	return false;
}

static bool name_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' ||
	       ch == '.' || ch >= 0x80;
}

void name_set_scan(struct name_set *ns, const char *text, bool refs_only)
{
	const char *p = text;
	while (p && *p) {
		while (*p && !name_char((unsigned char)*p))
			p++;
		const char *s = p;
		while (name_char((unsigned char)*p))
			p++;
		if (p == s)
			continue;
		if (refs_only && (s == text || (s[-1] != '$' && s[-1] != '\'' &&
						s[-1] != '"')))
			continue;
		name_set_add(ns, s, (size_t)(p - s));
		for (const char *q = s, *d; q < p; q = d + 1) {
			d = memchr(q, '.', (size_t)(p - q));
			if (!d)
				d = p;
			if (d > q && (q != s || d != p))
				name_set_add(ns, q, (size_t)(d - q));
		}
	}
}
