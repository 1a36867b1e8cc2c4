/*
 * check_props.c — WSDL property extensions (vprop:): SA00019 (a property
 * has exactly one of type or element), SA00020 (an alias uses one of the
 * three attribute sets), SA00022 (two aliases of one property for the
 * same message type, type or element), SA00029 (an alias query names a
 * BPEL variable or calls a bpel: function).
 *
 * Reported in the WSDL file that holds the definition. Whether a property
 * used by the process has an alias (SA00021) is in check_corr.c.
 */
#include <string.h>

#include "check_int.h"

static void property(struct chk *c, struct chk_def *p)
{
	bool t = chk_attr(p->node, "type"), e = chk_attr(p->node, "element");
	if (t == e)
		chk_err(c, p->node, "SA00019",
			"vprop:property '%s' must have exactly one of type or element",
			p->local);
}

static void alias(struct chk *c, struct chk_def *a)
{
	xmlNodePtr n = a->node;
	bool mt = chk_attr(n, "messageType"), part = chk_attr(n, "part"),
	     t = chk_attr(n, "type"), el = chk_attr(n, "element");
	const char *pname =
		chk_attr(n, "propertyName") ? chk_attr(n, "propertyName") : "";
	bool ok = (mt && part && !t && !el) || (!mt && !part && t && !el) ||
		  (!mt && !part && !t && el);
	if (!ok)
		chk_err(c, n, "SA00020",
			"vprop:propertyAlias for '%s' must use exactly one of messageType with part, type, or element",
			pname);
	/* SA00022: an earlier alias of the same property for the same type. */
	static const char *const keys[] = { "messageType", "type", "element" };
	for (struct chk_def *b = c->defs[CD_ALIAS]; b && b != a; b = b->next) {
		if (!chk_qn_eq(chk_qattr(c, b->node, "propertyName"),
			       chk_qattr(c, n, "propertyName")))
			continue;
		for (int i = 0; i < 3; i++)
			if (chk_attr(n, keys[i]) &&
			    chk_qn_eq(chk_qattr(c, b->node, keys[i]),
				      chk_qattr(c, n, keys[i]))) {
				chk_err(c, n, "SA00022",
					"a second vprop:propertyAlias for property '%s' and the same %s %s",
					pname, keys[i], chk_attr(n, keys[i]));
				goto query;
			}
	}
query:;
	xmlNodePtr q = chk_wsdl_child(n, NS_VPROP, "query");
	if (!q)
		return;
	const char *text = chk_text(c, q);
	/* A '$' outside string literals is a variable reference. */
	char quote = 0;
	for (const char *s = text; *s; s++) {
		if (quote) {
			if (*s == quote)
				quote = 0;
		} else if (*s == '\'' || *s == '"') {
			quote = *s;
		} else if (*s == '$') {
			chk_err(c, q, "SA00029",
				"the query of a vprop:propertyAlias must not refer to a variable");
			return;
		} else if (*s == ':' && s[1] != ':' &&
			   (s == text || s[-1] != ':')) {
			/* prefix:function( with the prefix bound to BPEL */
			const char *b = s;
			while (b > text &&
			       (b[-1] == '_' || b[-1] == '-' || b[-1] == '.' ||
				(b[-1] >= 'a' && b[-1] <= 'z') ||
				(b[-1] >= 'A' && b[-1] <= 'Z') ||
				(b[-1] >= '0' && b[-1] <= '9')))
				b--;
			const char *e = s + 1;
			while (*e && *e != '(' && *e != ' ' && *e != '/' &&
			       *e != '[' && *e != ')')
				e++;
			if (*e != '(' || b == s)
				continue;
			char prefix[64];
			size_t len = (size_t)(s - b) < sizeof(prefix) - 1
					     ? (size_t)(s - b)
					     : sizeof(prefix) - 1;
			memcpy(prefix, b, len);
			prefix[len] = '\0';
			xmlNsPtr ns =
				xmlSearchNs(q->doc, q, (const xmlChar *)prefix);
			if (ns &&
			    strcmp((const char *)ns->href, NS_BPEL) == 0) {
				chk_err(c, q, "SA00029",
					"the query of a vprop:propertyAlias must not call BPEL function %s:…",
					prefix);
				return;
			}
		}
	}
}

void check_props(struct chk *c)
{
	for (struct chk_def *p = c->defs[CD_PROPERTY]; p; p = p->next)
		property(c, p);
	for (struct chk_def *a = c->defs[CD_ALIAS]; a; a = a->next)
		alias(c, a);
}
