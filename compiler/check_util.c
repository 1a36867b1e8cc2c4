/*
 * check_util.c — XML helpers for the check stage (see check_int.h):
 * attributes, element walking, QNames, and the WSDL definitions a partner
 * link's role leads to.
 *
 * Not here: which declaration a BPEL name denotes. resolve.c binds names
 * with BPEL's scoping and the rules read its binding (check_bind.c).
 * Nothing here reports a diagnostic: a look-up that fails returns NULL and
 * the caller decides whether that matters.
 */
#include <string.h>

#include "arena.h"
#include "check_int.h"

bool chk_is_ns(xmlNodePtr n, const char *ns, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, local) == 0;
}

bool chk_is(xmlNodePtr n, const char *local)
{
	return chk_is_ns(n, NS_BPEL, local);
}

bool chk_is_extension(xmlNodePtr n)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, NS_BPEL) != 0;
}

const char *chk_own_text(struct chk *c, xmlNodePtr n)
{
	size_t len = 0;
	for (xmlNodePtr t = n->children; t; t = t->next)
		if ((t->type == XML_TEXT_NODE ||
		     t->type == XML_CDATA_SECTION_NODE) &&
		    t->content)
			len += strlen((const char *)t->content);
	char *buf = arena_alloc(c->a, len + 1), *p = buf;
	for (xmlNodePtr t = n->children; t; t = t->next)
		if ((t->type == XML_TEXT_NODE ||
		     t->type == XML_CDATA_SECTION_NODE) &&
		    t->content) {
			size_t l = strlen((const char *)t->content);
			memcpy(p, t->content, l);
			p += l;
		}
	*p = '\0';
	return buf;
}

const char *chk_attr(xmlNodePtr n, const char *name)
{
	if (!n || n->type != XML_ELEMENT_NODE)
		return NULL;
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		if (a->ns || strcmp((const char *)a->name, name) != 0)
			continue;
		if (!a->children)
			return "";
		/* Attribute values are one text node unless they hold entity
		 * references, which BPEL attributes never need. */
		return a->children->content ? (const char *)a->children->content
					    : "";
	}
	return NULL;
}

bool chk_yes(xmlNodePtr n, const char *name)
{
	const char *v = chk_attr(n, name);
	return v && strcmp(v, "yes") == 0;
}

xmlNodePtr chk_elem_first(xmlNodePtr n)
{
	if (!n)
		return NULL;
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

xmlNodePtr chk_elem_next(xmlNodePtr n)
{
	for (xmlNodePtr c = n->next; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

xmlNodePtr chk_child(xmlNodePtr n, const char *local)
{
	CHK_EACH(ch, n)
	if (chk_is(ch, local))
		return ch;
	return NULL;
}

static const char *const activity_names[] = { "empty",
					      "receive",
					      "reply",
					      "invoke",
					      "assign",
					      "validate",
					      "wait",
					      "throw",
					      "rethrow",
					      "exit",
					      "compensate",
					      "compensateScope",
					      "extensionActivity",
					      "sequence",
					      "if",
					      "while",
					      "repeatUntil",
					      "forEach",
					      "pick",
					      "flow",
					      "scope",
					      NULL };

bool chk_is_activity(xmlNodePtr n)
{
	if (!n || n->type != XML_ELEMENT_NODE || !n->ns ||
	    strcmp((const char *)n->ns->href, NS_BPEL) != 0)
		return false;
	for (int i = 0; activity_names[i]; i++)
		if (strcmp((const char *)n->name, activity_names[i]) == 0)
			return true;
	return false;
}

xmlNodePtr chk_activity_child(xmlNodePtr n)
{
	CHK_EACH(ch, n)
	if (chk_is_activity(ch))
		return ch;
	return NULL;
}

const char *chk_text(struct chk *c, xmlNodePtr n)
{
	xmlChar *t = xmlNodeGetContent(n);
	const char *s = arena_strdup(c->a, t ? (const char *)t : "");
	xmlFree(t);
	return s;
}

bool chk_is_blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

struct chk_qn chk_qname(struct chk *c, xmlNodePtr n, const char *value)
{
	struct chk_qn q = { NULL, NULL };
	if (!value)
		return q;
	while (*value == ' ' || *value == '\t' || *value == '\n')
		value++;
	size_t len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\n' ||
			   value[len - 1] == '\t'))
		len--;
	const char *colon = memchr(value, ':', len);
	char *prefix = NULL;
	const char *local = value;
	if (colon) {
		prefix = arena_strndup(c->a, value, (size_t)(colon - value));
		local = colon + 1;
		len -= (size_t)(colon - value) + 1;
	}
	xmlNsPtr ns = xmlSearchNs(n->doc, n, (const xmlChar *)prefix);
	if (prefix && !ns)
		return q; /* undeclared prefix: unresolvable */
	q.ns = ns && ns->href && *ns->href
		       ? arena_strdup(c->a, (const char *)ns->href)
		       : NULL;
	q.local = arena_strndup(c->a, local, len);
	return q;
}

struct chk_qn chk_qattr(struct chk *c, xmlNodePtr n, const char *name)
{
	return chk_qname(c, n, chk_attr(n, name));
}

static bool str_eq0(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool chk_qn_eq(struct chk_qn a, struct chk_qn b)
{
	return a.local && b.local && strcmp(a.local, b.local) == 0 &&
	       str_eq0(a.ns, b.ns);
}

const char *chk_qn_str(struct chk *c, struct chk_qn q)
{
	if (!q.local)
		return "?";
	if (!q.ns)
		return q.local;
	return arena_printf(c->a, "{%s}%s", q.ns, q.local);
}

bool chk_is_scope(xmlNodePtr n)
{
	return chk_is(n, "scope") || chk_is(n, "process");
}

xmlNodePtr chk_enclosing_scope(xmlNodePtr n)
{
	for (xmlNodePtr p = n ? n->parent : NULL;
	     p && p->type == XML_ELEMENT_NODE; p = p->parent)
		if (chk_is_scope(p))
			return p;
	return NULL;
}

bool chk_contains(xmlNodePtr a, xmlNodePtr n)
{
	for (; n; n = n->parent)
		if (n == a)
			return true;
	return false;
}

struct chk_def *chk_plink_port_type(struct chk *c, xmlNodePtr plink,
				    bool my_role)
{
	const char *role = chk_attr(plink, my_role ? "myRole" : "partnerRole");
	if (!role)
		return NULL;
	struct chk_def *t = chk_def_find(
		c, CD_PLNK, chk_qattr(c, plink, "partnerLinkType"));
	if (!t)
		return NULL;
	CHK_EACH(r, t->node)
	if (chk_is_ns(r, NS_PLNK, "role") && str_eq0(chk_attr(r, "name"), role))
		return chk_def_find(c, CD_PORT_TYPE,
				    chk_qattr(c, r, "portType"));
	return NULL;
}

xmlNodePtr chk_operation(struct chk_def *pt, const char *name)
{
	if (!pt || !name)
		return NULL;
	CHK_EACH(op, pt->node)
	if (chk_is_ns(op, NS_WSDL, "operation") &&
	    str_eq0(chk_attr(op, "name"), name))
		return op;
	return NULL;
}

struct chk_def *chk_op_message(struct chk *c, xmlNodePtr op, const char *dir)
{
	xmlNodePtr io = chk_wsdl_child(op, NS_WSDL, dir);
	if (!io)
		return NULL;
	return chk_def_find(c, CD_MESSAGE, chk_qattr(c, io, "message"));
}

enum wsdl_op_kind chk_op_kind(xmlNodePtr op)
{
	int first = 0; /* 1 input, 2 output */
	bool in = false, out = false;
	CHK_EACH(ch, op)
	{
		if (chk_is_ns(ch, NS_WSDL, "input")) {
			in = true;
			if (!first)
				first = 1;
		} else if (chk_is_ns(ch, NS_WSDL, "output")) {
			out = true;
			if (!first)
				first = 2;
		}
	}
	if (in && !out)
		return WSDL_ONE_WAY;
	if (out && !in)
		return WSDL_NOTIFICATION;
	return first == 1 ? WSDL_REQUEST_RESPONSE : WSDL_SOLICIT_RESPONSE;
}

int chk_message_nparts(xmlNodePtr msg)
{
	int n = 0;
	CHK_EACH(p, msg)
	if (chk_is_ns(p, NS_WSDL, "part"))
		n++;
	return n;
}

xmlNodePtr chk_message_part(xmlNodePtr msg, const char *name)
{
	CHK_EACH(p, msg)
	if (chk_is_ns(p, NS_WSDL, "part") && str_eq0(chk_attr(p, "name"), name))
		return p;
	return NULL;
}

static void walk(struct chk *c, xmlNodePtr n, chk_visit_fn fn, void *ud)
{
	fn(c, n, ud);
	CHK_EACH(ch, n)
	walk(c, ch, fn, ud);
}

void chk_walk(struct chk *c, chk_visit_fn fn, void *ud)
{
	walk(c, c->root, fn, ud);
}

/* Nearest ancestor that is a catch, catchAll, compensationHandler,
 * terminationHandler, onEvent or onAlarm (excl. n); NULL at the process. */
xmlNodePtr chk_handler_of(xmlNodePtr n)
{
	for (xmlNodePtr p = n ? n->parent : NULL;
	     p && p->type == XML_ELEMENT_NODE; p = p->parent)
		if (chk_is(p, "catch") || chk_is(p, "catchAll") ||
		    chk_is(p, "compensationHandler") ||
		    chk_is(p, "terminationHandler") || chk_is(p, "onEvent") ||
		    chk_is(p, "onAlarm"))
			return p;
	return NULL;
}

bool chk_is_expression_elem(xmlNodePtr n)
{
	static const char *const names[] = {
		"condition",
		"joinCondition",
		"transitionCondition",
		"for",
		"until",
		"repeatEvery",
		"startCounterValue",
		"finalCounterValue",
		"branches",
		NULL,
	};
	for (int i = 0; names[i]; i++)
		if (chk_is(n, names[i]))
			return true;
	return false;
}
