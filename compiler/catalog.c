/*
 * catalog.c — OASIS XML catalogs read locally (see catalog.h).
 *
 * libxml2 has a catalog implementation, but it loads nextCatalog
 * references through its I/O layer, which may reach the network; bpelc
 * promises never to fetch. This file reads each catalog file with the
 * loader's own rules (a regular local file, XML_PARSE_NONET, no DTD) and
 * keeps the entries as a list per file; libxml2 is used only to parse and
 * to join URIs (xml:base, relative targets).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "catalog.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include "arena.h"
#include "load.h"
#include "model.h"

#define NS_CATALOG "urn:oasis:names:tc:entity:xmlns:xml:catalog"

enum cat_kind { CAT_EXACT, CAT_REWRITE, CAT_SUFFIX };

struct cat_entry {
	enum cat_kind kind;
	const char *match;  /* the id, start string or suffix */
	const char *target; /* resolved against the entry's base */
	struct cat_entry *next;
};

struct cat_file {
	const char *real;
	struct cat_entry *entries;
	struct cat_file *next; /* depth-first: nextCatalogs follow it */
};

struct catalog {
	struct model *m;
	struct arena *a;
	struct diag *dg;
	struct cat_file *files, **tail;
	int depth; /* nextCatalog nesting */
};

struct catalog *catalog_new(struct model *m, struct diag *dg)
{
	struct catalog *c = ARENA_NEW(m->arena, struct catalog);
	c->m = m;
	c->a = m->arena;
	c->dg = dg;
	c->tail = &c->files;
	return c;
}

bool catalog_is_url(const char *s)
{
	/* RFC 3986 scheme ":"; a single letter is a Windows drive. */
	const char *p = s;
	if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
		return false;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	       (*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.')
		p++;
	return *p == ':' && p - s > 1;
}

/* The attribute joined to the entry's base (xml:base, else the file). */
static const char *cat_target(struct catalog *c, xmlNodePtr n, const char *attr)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
	if (!v)
		return NULL;
	xmlChar *base = xmlNodeGetBase(n->doc, n);
	xmlChar *abs = base ? xmlBuildURI(v, base) : NULL;
	const char *r = arena_strdup(c->a, (const char *)(abs ? abs : v));
	xmlFree(abs);
	xmlFree(base);
	xmlFree(v);
	return r;
}

static const char *cat_attr(struct catalog *c, xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
	if (!v)
		return NULL;
	const char *r = arena_strdup(c->a, (const char *)v);
	xmlFree(v);
	return r;
}

static void cat_entries(struct catalog *c, struct cat_file *f, xmlNodePtr n,
			const char ***nexts, int *nnext, int *cap)
{
	static const struct {
		const char *name, *match, *target;
		enum cat_kind kind;
	} forms[] = {
		{ "system", "systemId", "uri", CAT_EXACT },
		{ "uri", "name", "uri", CAT_EXACT },
		{ "rewriteSystem", "systemIdStartString", "rewritePrefix",
		  CAT_REWRITE },
		{ "rewriteURI", "uriStartString", "rewritePrefix",
		  CAT_REWRITE },
		{ "systemSuffix", "systemIdSuffix", "uri", CAT_SUFFIX },
		{ "uriSuffix", "uriSuffix", "uri", CAT_SUFFIX },
	};
	struct cat_entry **tail = &f->entries;
	while (*tail)
		tail = &(*tail)->next;
	for (xmlNodePtr e = n->children; e; e = e->next) {
		if (e->type != XML_ELEMENT_NODE || !e->ns ||
		    strcmp((const char *)e->ns->href, NS_CATALOG) != 0)
			continue;
		const char *name = (const char *)e->name;
		if (strcmp(name, "group") == 0) {
			cat_entries(c, f, e, nexts, nnext, cap);
			while (*tail)
				tail = &(*tail)->next;
			continue;
		}
		if (strcmp(name, "nextCatalog") == 0) {
			const char *t = cat_target(c, e, "catalog");
			if (!t)
				continue;
			if (*nnext == *cap) {
				*cap = *cap ? *cap * 2 : 4;
				const char **grown =
					ARENA_ARRAY(c->a, const char *, *cap);
				if (*nnext)
					memcpy(grown, *nexts,
					       sizeof(*grown) * (size_t)*nnext);
				*nexts = grown;
			}
			(*nexts)[(*nnext)++] = t;
			continue;
		}
		for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
			if (strcmp(name, forms[i].name) != 0)
				continue;
			const char *m = cat_attr(c, e, forms[i].match);
			const char *t = cat_target(c, e, forms[i].target);
			if (!m || !t)
				break;
			struct cat_entry *x = ARENA_NEW(c->a, struct cat_entry);
			x->kind = forms[i].kind;
			x->match = m;
			x->target = t;
			*tail = x;
			tail = &x->next;
			break;
		}
	}
}

/* A file: URI as a path (file:///a, file://localhost/a, file:/a); anything
 * else as it is. */
static const char *cat_path(struct catalog *c, const char *s)
{
	if (strncmp(s, "file:", 5) != 0)
		return s;
	const char *p = s + 5;
	if (strncmp(p, "//localhost/", 12) == 0)
		p += 11;
	else if (strncmp(p, "//", 2) == 0)
		p += 2;
	char *u = xmlURIUnescapeString(p, 0, NULL);
	const char *r = arena_strdup(c->a, u ? u : p);
	free(u);
	return r;
}

bool catalog_add(struct catalog *c, const char *path, bool required,
		 const struct loc *at)
{
	path = cat_path(c, path);
	char real[PATH_MAX];
	if (!realpath(path, real)) {
		if (required)
			diag_error(c->dg, at, NULL,
				   "cannot read XML catalog '%s': %s", path,
				   strerror(errno));
		return false;
	}
	for (struct cat_file *f = c->files; f; f = f->next)
		if (strcmp(f->real, real) == 0)
			return true;
	size_t len;
	char *text = load_read_file(c->m, path, &len);
	if (!text) {
		if (required)
			diag_error(c->dg, at, NULL,
				   "cannot read XML catalog '%s': %s", path,
				   strerror(errno));
		return false;
	}
	xmlDocPtr doc =
		len < INT_MAX
			? xmlReadMemory(text, (int)len, path, NULL,
					XML_PARSE_NONET | XML_PARSE_NOERROR |
						XML_PARSE_NOWARNING)
			: NULL;
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || !root->ns ||
	    strcmp((const char *)root->ns->href, NS_CATALOG) != 0 ||
	    strcmp((const char *)root->name, "catalog") != 0) {
		if (required)
			diag_error(
				c->dg, at, NULL,
				"'%s' is not an OASIS XML catalog (a <catalog> in namespace '%s')",
				path, NS_CATALOG);
		xmlFreeDoc(doc);
		return false;
	}
	struct cat_file *f = ARENA_NEW(c->a, struct cat_file);
	f->real = arena_strdup(c->a, real);
	*c->tail = f;
	c->tail = &f->next;
	const char **nexts = NULL;
	int nnext = 0, cap = 0;
	cat_entries(c, f, root, &nexts, &nnext, &cap);
	xmlFreeDoc(doc);
	/* nextCatalogs right after their file: the depth-first order */
	if (c->depth < 16) {
		c->depth++;
		for (int i = 0; i < nnext; i++)
			catalog_add(c, nexts[i], false, at);
		c->depth--;
	}
	return true;
}

static const char *cat_lookup(struct catalog *c, const char *uri)
{
	size_t ulen = strlen(uri);
	for (struct cat_file *f = c->files; f; f = f->next) {
		const struct cat_entry *best = NULL;
		for (enum cat_kind k = CAT_EXACT; k <= CAT_SUFFIX && !best;
		     k++) {
			size_t best_len = 0;
			for (const struct cat_entry *e = f->entries; e;
			     e = e->next) {
				if (e->kind != k)
					continue;
				size_t mlen = strlen(e->match);
				bool hit =
					k == CAT_EXACT
						? strcmp(uri, e->match) == 0
					: k == CAT_REWRITE
						? strncmp(uri, e->match,
							  mlen) == 0
						: mlen <= ulen &&
							  strcmp(uri + ulen -
									 mlen,
								 e->match) == 0;
				if (hit && (!best || mlen > best_len)) {
					best = e;
					best_len = mlen;
				}
				if (hit && k == CAT_EXACT)
					break;
			}
		}
		if (!best)
			continue;
		if (best->kind == CAT_REWRITE)
			return arena_printf(c->a, "%s%s", best->target,
					    uri + strlen(best->match));
		return best->target;
	}
	return NULL;
}

const char *catalog_resolve(struct catalog *c, const char *uri)
{
	const char *r = uri;
	for (int i = 0; i < 8; i++) {
		const char *t = cat_lookup(c, r);
		if (!t)
			return NULL; /* a URL no catalog maps to a file */
		if (!catalog_is_url(t) || strncmp(t, "file:", 5) == 0)
			return cat_path(c, t);
		r = t; /* mapped to another URL: look that up */
	}
	return NULL;
}
