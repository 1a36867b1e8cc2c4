/*
 * check_wsdl.c — the imported definitions and the languages a process
 * asks for: SA00001 (only one-way and request-response operations),
 * SA00002 (overloaded operation names), SA00014 (a component defined
 * twice across the imports, or xsd:redefine), SA00004 (unsupported query
 * or expression language), SA00009 (extensions we must understand).
 *
 * Import resolution and namespace mismatches (SA00010-SA00013) are
 * resolve's; this file only looks at what was loaded.
 */
#include <string.h>

#include "check_int.h"

static void port_type(struct chk *c, struct chk_def *pt)
{
	CHK_EACH(op, pt->node)
	{
		if (!chk_is_ns(op, NS_WSDL, "operation"))
			continue;
		const char *name = chk_attr(op, "name") ? chk_attr(op, "name")
							: "";
		enum wsdl_op_kind k = chk_op_kind(op);
		if (k == WSDL_NOTIFICATION || k == WSDL_SOLICIT_RESPONSE)
			chk_err(c, op, "SA00001",
				"operation '%s' of portType '%s' is a %s operation; only one-way and request-response are supported",
				name, pt->local,
				k == WSDL_NOTIFICATION ? "notification"
						       : "solicit-response");
		for (xmlNodePtr p = chk_elem_first(pt->node); p && p != op;
		     p = chk_elem_next(p))
			if (chk_is_ns(p, NS_WSDL, "operation") &&
			    chk_attr(p, "name") &&
			    strcmp(chk_attr(p, "name"), name) == 0) {
				chk_err(c, op, "SA00002",
					"operation '%s' is defined twice in portType '%s' (overloading)",
					name, pt->local);
				break;
			}
	}
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p ? p : "", '/');
	return s ? s + 1 : (p ? p : "");
}

/* The same definition seen twice because a file was loaded twice? */
static bool same_source(struct chk_def *a, struct chk_def *b)
{
	return xmlGetLineNo(a->node) == xmlGetLineNo(b->node) &&
	       strcmp(base_name(a->file), base_name(b->file)) == 0;
}

static bool clash_kind(enum chk_def_kind a, enum chk_def_kind b)
{
	if (a == b)
		return true;
	/* complex and simple types share one symbol space */
	return (a == CD_COMPLEX_TYPE || a == CD_SIMPLE_TYPE) &&
	       (b == CD_COMPLEX_TYPE || b == CD_SIMPLE_TYPE);
}

static void duplicates(struct chk *c)
{
	for (int k = 0; k < CD__COUNT; k++) {
		if (k == CD_ALIAS)
			continue; /* aliases have no name: SA00022 */
		for (struct chk_def *d = c->defs[k]; d; d = d->next) {
			struct chk_qn q = { d->ns, d->local };
			for (int k2 = 0; k2 <= k; k2++) {
				if (!clash_kind((enum chk_def_kind)k,
						(enum chk_def_kind)k2))
					continue;
				bool found = false;
				for (struct chk_def *e = c->defs[k2];
				     e && !found; e = e->next) {
					if (e == d || (k2 == k && e == d))
						break;
					struct chk_qn qe = { e->ns, e->local };
					if (chk_qn_eq(q, qe) &&
					    !same_source(d, e)) {
						chk_err(c, d->node, "SA00014",
							"%s %s is already defined in %s:%ld",
							chk_def_kind_names[k],
							chk_qn_str(c, q),
							e->file,
							xmlGetLineNo(e->node));
						found = true;
					}
				}
				if (found)
					break;
			}
		}
	}
}

static void redefine(struct chk *c, xmlNodePtr n)
{
	if (!n)
		return;
	if (chk_is_ns(n, NS_XSD, "redefine"))
		chk_err(c, n, "SA00014",
			"xsd:redefine changes imported definitions; it is not allowed");
	CHK_EACH(ch, n)
	redefine(c, ch);
}

static bool supported_language(const char *uri)
{
	/* XPath 2.0: accepted when the text is XPath 1.0 too (xpath2.c) */
	return strcmp(uri, URN_XPATH1) == 0 || strcmp(uri, URN_XPATH2) == 0;
}

static void languages(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)ud;
	static const char *const attrs[] = { "queryLanguage",
					     "expressionLanguage" };
	for (int i = 0; i < 2; i++) {
		const char *v = chk_attr(n, attrs[i]);
		if (v && n->ns &&
		    strcmp((const char *)n->ns->href, NS_BPEL) == 0 &&
		    !supported_language(v))
			chk_err(c, n, "SA00004",
				"%s '%s' is not supported (XPath 1.0 only: %s, or %s read as XPath 1.0)",
				attrs[i], v, URN_XPATH1, URN_XPATH2);
	}
	if (chk_is(n, "extension") && chk_is(n->parent, "extensions") &&
	    chk_yes(n, "mustUnderstand"))
		chk_err(c, n, "SA00009",
			"extension '%s' has mustUnderstand='yes', but bpelc supports no extensions",
			chk_attr(n, "namespace") ? chk_attr(n, "namespace")
						 : "");
}

void check_wsdl(struct chk *c)
{
	for (struct chk_def *pt = c->defs[CD_PORT_TYPE]; pt; pt = pt->next)
		port_type(c, pt);
	duplicates(c);
	xmlDocPtr seen[256];
	int nseen = 0;
	for (struct xsd_schema *s = c->m->schemas; s; s = s->next) {
		if (!s->node)
			continue;
		bool dup = false;
		for (int i = 0; i < nseen; i++)
			dup |= seen[i] == s->node->doc &&
			       s->node->doc != NULL &&
			       xmlDocGetRootElement(s->node->doc) == s->node;
		if (dup)
			continue;
		if (nseen < 256)
			seen[nseen++] = s->node->doc;
		redefine(c, s->node);
	}
	for (struct wsdl_doc *w = c->m->wsdls; w; w = w->next)
		if (w->doc) {
			xmlNodePtr types = chk_wsdl_child(
				xmlDocGetRootElement(w->doc), NS_WSDL, "types");
			bool in_schemas = false;
			for (struct xsd_schema *s = c->m->schemas; s && types;
			     s = s->next)
				if (s->node && s->node->parent == types)
					in_schemas = true;
			if (!in_schemas)
				redefine(c, types);
		}
	chk_walk(c, languages, NULL);
}
