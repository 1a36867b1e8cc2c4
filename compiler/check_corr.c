/*
 * check_corr.c — correlation: SA00044 (duplicate correlation sets in one
 * <correlationSets>), SA00045 (properties of a set are simple-typed),
 * SA00046 (invoke correlation pattern vs. operation style), SA00021 (a
 * property used with a message has an alias for it), SA00088 (onEvent
 * correlation sets resolve from the associated scope).
 *
 * Start-activity correlation (SA00057) is in check_start.c.
 */
#include <string.h>

#include "arena.h"
#include "check_int.h"

/* Is QName q (a type) simple: an XSD builtin other than anyType, or a
 * user simpleType? */
static bool simple_type(struct chk *c, struct chk_qn q)
{
	if (!q.local)
		return false;
	if (q.ns && strcmp(q.ns, NS_XSD) == 0)
		return strcmp(q.local, "anyType") != 0;
	return chk_def_find(c, CD_SIMPLE_TYPE, q) != NULL;
}

static bool simple_property(struct chk *c, struct chk_def *p)
{
	if (chk_attr(p->node, "type"))
		return simple_type(c, chk_qattr(c, p->node, "type"));
	if (!chk_attr(p->node, "element"))
		return false;
	struct chk_def *e =
		chk_def_find(c, CD_ELEMENT, chk_qattr(c, p->node, "element"));
	if (!e)
		return true; /* unresolved: resolve's to report */
	if (chk_attr(e->node, "type"))
		return simple_type(c, chk_qattr(c, e->node, "type"));
	return chk_wsdl_child(e->node, NS_XSD, "simpleType") != NULL;
}

static void cset(struct chk *c, xmlNodePtr n)
{
	const char *name = chk_attr(n, "name");
	if (name)
		for (xmlNodePtr p = chk_elem_first(n->parent); p && p != n;
		     p = chk_elem_next(p))
			if (chk_is(p, "correlationSet") &&
			    chk_attr(p, "name") &&
			    strcmp(chk_attr(p, "name"), name) == 0) {
				chk_err(c, n, "SA00044",
					"correlationSet '%s' is declared twice in the same <correlationSets>",
					name);
				break;
			}
	const char *props = chk_attr(n, "properties");
	if (!props)
		return;
	char *list = arena_strdup(c->a, props);
	for (char *tok = list; *tok;) {
		while (*tok == ' ' || *tok == '\t' || *tok == '\n' ||
		       *tok == '\r')
			tok++;
		char *end = tok;
		while (*end && *end != ' ' && *end != '\t' && *end != '\n' &&
		       *end != '\r')
			end++;
		if (end == tok)
			break;
		char save = *end;
		*end = '\0';
		struct chk_def *p =
			chk_def_find(c, CD_PROPERTY, chk_qname(c, n, tok));
		if (p && !simple_property(c, p))
			chk_err(c, n, "SA00045",
				"property %s of correlationSet '%s' is not of a simple XSD type",
				tok, name ? name : "");
		*end = save;
		tok = end;
	}
}

/* Is there an alias of property prop for message msg (by messageType, or
 * by the element/type of its single part)? */
static bool has_alias(struct chk *c, struct chk_def *prop, struct chk_def *msg)
{
	struct chk_qn pq = { prop->ns, prop->local },
		      mq = { msg->ns, msg->local };
	for (struct chk_def *a = c->defs[CD_ALIAS]; a; a = a->next) {
		if (!chk_qn_eq(chk_qattr(c, a->node, "propertyName"), pq))
			continue;
		if (chk_qn_eq(chk_qattr(c, a->node, "messageType"), mq))
			return true;
		CHK_EACH(part, msg->node)
		{
			if (!chk_is_ns(part, NS_WSDL, "part"))
				continue;
			if (chk_attr(a->node, "element") &&
			    chk_qn_eq(chk_qattr(c, a->node, "element"),
				      chk_qattr(c, part, "element")))
				return true;
			if (chk_attr(a->node, "type") &&
			    chk_qn_eq(chk_qattr(c, a->node, "type"),
				      chk_qattr(c, part, "type")))
				return true;
		}
	}
	return false;
}

static void aliases(struct chk *c, xmlNodePtr cr, xmlNodePtr decl,
		    struct chk_def *msg)
{
	if (!msg || !decl)
		return;
	const char *props = chk_attr(decl, "properties");
	if (!props)
		return;
	char *list = arena_strdup(c->a, props);
	char *save = NULL;
	for (char *tok = strtok_r(list, " \t\r\n", &save); tok;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		struct chk_def *p =
			chk_def_find(c, CD_PROPERTY, chk_qname(c, decl, tok));
		if (p && !has_alias(c, p, msg))
			chk_err(c, cr, "SA00021",
				"property %s of correlation set '%s' has no propertyAlias for message %s",
				tok, chk_attr(decl, "name"), msg->local);
	}
}

static void correlation(struct chk *c, xmlNodePtr cr)
{
	xmlNodePtr act = cr->parent ? cr->parent->parent : NULL;
	if (!act)
		return;
	/* An onEvent's sets are bound from its associated scope outwards. */
	struct bpel_corr_set *set = chk_cset_ref(c, cr);
	xmlNodePtr decl = set ? set->node : NULL;
	if (!decl && chk_is(act, "onEvent") && chk_attr(cr, "set"))
		chk_err(c, cr, "SA00088",
			"correlation set '%s' of <onEvent> is not declared in its scope or an enclosing one",
			chk_attr(cr, "set"));
	struct chk_msgref r;
	if (!chk_msgref(c, act, &r))
		return;
	const char *pattern = chk_attr(cr, "pattern");
	if (chk_is(act, "invoke")) {
		enum wsdl_op_kind k = chk_op_kind(r.op);
		if (k == WSDL_REQUEST_RESPONSE && !pattern)
			chk_err(c, cr, "SA00046",
				"<correlation set='%s'> of a request-response <invoke> needs a pattern",
				chk_attr(cr, "set") ? chk_attr(cr, "set") : "");
		else if (k == WSDL_ONE_WAY && pattern)
			chk_err(c, cr, "SA00046",
				"<correlation set='%s'> of a one-way <invoke> must not have a pattern",
				chk_attr(cr, "set") ? chk_attr(cr, "set") : "");
		if (!pattern || strcmp(pattern, "request") == 0 ||
		    strcmp(pattern, "request-response") == 0)
			aliases(c, cr, decl, r.in);
		if (pattern && (strcmp(pattern, "response") == 0 ||
				strcmp(pattern, "request-response") == 0))
			aliases(c, cr, decl, r.out);
	} else if (chk_is(act, "reply")) {
		if (!chk_attr(act, "faultName"))
			aliases(c, cr, decl, r.out);
	} else {
		aliases(c, cr, decl, r.in);
	}
}

static void visit(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)ud;
	if (chk_is(n, "correlationSet") && chk_is(n->parent, "correlationSets"))
		cset(c, n);
	else if (chk_is(n, "correlation") && chk_is(n->parent, "correlations"))
		correlation(c, n);
}

void check_corr(struct chk *c)
{
	chk_walk(c, visit, NULL);
}
