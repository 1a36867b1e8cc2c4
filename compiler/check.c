/*
 * check.c — runs the static-analysis themes (check_*.c) in a fixed order
 * and formats their reports: each points at the file and line where the
 * offending element starts, with the column of its '<'.
 *
 * It does not implement rules itself. libxml2 records the line where a
 * start tag ends and no column, so the position is recovered from the
 * source text, which is read once per file and freed at the end.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check_int.h"
#include "xpath2.h"
#include "strbuf.h"

struct chk_src {
	const char *file;
	char *text; /* malloc'd, NULL when unreadable */
	size_t len;
	struct chk_src *next;
};

static struct chk_src *src_get(struct chk *c, const char *file)
{
	for (struct chk_src *s = c->srcs; s; s = s->next)
		if (strcmp(s->file, file) == 0)
			return s;
	struct chk_src *s = ARENA_NEW(c->a, struct chk_src);
	s->file = file;
	FILE *f = fopen(file, "rb");
	if (f) {
		struct strbuf sb = STRBUF_INIT;
		char buf[8192];
		size_t n;
		while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
			strbuf_add(&sb, buf, n);
		fclose(f);
		s->len = sb.len;
		s->text = strbuf_detach(&sb);
	}
	s->next = c->srcs;
	c->srcs = s;
	return s;
}

/* Start of line `line` (1-based) in s, or NULL. */
static const char *line_start(struct chk_src *s, int line)
{
	if (!s->text || line < 1)
		return NULL;
	const char *p = s->text, *end = s->text + s->len;
	for (int l = 1; l < line; l++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	return p;
}

/* Find "<qname" on the line libxml2 gave or up to 20 lines before it (a
 * start tag spread over lines is reported where it ends). */
static void locate(struct chk *c, xmlNodePtr n, struct loc *loc)
{
	struct chk_src *s = src_get(c, loc->file);
	char pat[256];
	if (n->ns && n->ns->prefix)
		snprintf(pat, sizeof(pat), "<%s:%s", n->ns->prefix, n->name);
	else
		snprintf(pat, sizeof(pat), "<%s", n->name);
	size_t plen = strlen(pat);
	for (int l = loc->line; l > 0 && l > loc->line - 20; l--) {
		const char *b = line_start(s, l);
		if (!b)
			return;
		const char *e = memchr(b, '\n', s->len - (size_t)(b - s->text));
		if (!e)
			e = s->text + s->len;
		for (const char *p = e; p >= b; p--) {
			if ((size_t)(e - p) >= plen &&
			    memcmp(p, pat, plen) == 0 &&
			    (p + plen == e || strchr(" \t\r\n/>", p[plen]))) {
				loc->line = l;
				loc->col = (int)(p - b) + 1;
				return;
			}
		}
	}
}

const char *chk_file_of(struct chk *c, xmlNodePtr n)
{
	if (!n || !n->doc)
		return c->file;
	if (n->doc == c->m->process->doc)
		return c->file;
	for (struct wsdl_doc *w = c->m->wsdls; w; w = w->next)
		if (w->doc == n->doc && w->path)
			return w->path;
	for (struct xsd_schema *s = c->m->schemas; s; s = s->next)
		if (s->node && s->node->doc == n->doc && s->path)
			return s->path;
	return n->doc->URL ? (const char *)n->doc->URL : c->file;
}

static void report(struct chk *c, bool is_err, xmlNodePtr n, const char *rule,
		   const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	struct loc loc = { chk_file_of(c, n), 0, 0 };
	if (n) {
		loc.line = (int)xmlGetLineNo(n);
		locate(c, n, &loc);
	}
	if (is_err)
		diag_error(c->dg, &loc, rule, "%s", msg);
	else
		diag_warning(c->dg, &loc, rule, "%s", msg);
}

void chk_err(struct chk *c, xmlNodePtr n, const char *rule, const char *fmt,
	     ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(c, true, n, rule, fmt, ap);
	va_end(ap);
}

void chk_warn(struct chk *c, xmlNodePtr n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(c, false, n, NULL, fmt, ap);
	va_end(ap);
}

void chk_warn_rule(struct chk *c, xmlNodePtr n, const char *rule,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(c, false, n, rule, fmt, ap);
	va_end(ap);
}

void check_model(struct model *m, struct diag *dg)
{
	if (!m || !m->process || !m->process->doc)
		return;
	struct chk c = { 0 };
	c.m = m;
	c.dg = dg;
	c.a = arena_new();
	c.root = xmlDocGetRootElement(m->process->doc);
	c.file = m->process->path ? m->process->path : "";
	if (!chk_is(c.root, "process")) {
		arena_free(c.a);
		return;
	}
	chk_index_build(&c);
	chk_binds_build(&c);
	/* ORDER: imports and definitions first, then the process top-down;
	 * the order only fixes the order of the output. */
	check_wsdl(&c);
	check_plink(&c);
	check_props(&c);
	check_vars(&c);
	check_xpath(&c);
	check_expr(&c);
	check_assign(&c);
	check_msg(&c);
	check_corr(&c);
	check_start(&c);
	check_links(&c);
	check_scope(&c);
	check_warn(&c);
	for (struct chk_src *s = c.srcs; s; s = s->next)
		free(s->text);
	arena_free(c.a);
}
