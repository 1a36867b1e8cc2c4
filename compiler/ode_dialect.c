/*
 * ode_dialect.c — Apache ODE's dialect of WS-BPEL, rewritten into the
 * standard form as each file is read, under --ode only (ode.h).
 *
 * ODE's compiler accepted deviations that real deployment units use. Each
 * one is turned into what WS-BPEL 2.0 writes, in the parsed document, with
 * a warning at its line that names the standard form, so everything after
 * the loader (model, checks, lowering) sees a standard process:
 *
 *  - the pre-OASIS draft namespaces (2004/03): the process namespace and,
 *    in WSDL, the draft's partner-link namespace and its properties (which
 *    the draft wrote in the process namespace), to the OASIS ones; the
 *    draft's syntax in such a file is ode_draft.c's;
 *  - <if><condition/><then>activity</then>…</if>: the activity directly
 *    in <if> (ODE took <then> in the OASIS namespace too);
 *  - true/false where yes/no is meant;
 *  - correlation patterns of BPEL4WS 1.1: out → request, in → response,
 *    out-in → request-response;
 *  - a query written as the text of a <to variable=…> (or <from
 *    variable=…>): moved into a <query>;
 *  - namespace names with stray spaces: trimmed.
 * ODE's assign extensions (insertMissingToData,
 * ignoreUninitializedFromVariable on <copy>) are not WS-BPEL: a warning
 * names each; the model reads them and lower_ode.c gives the copy ODE's
 * behaviour. The forms ODE did not read (on <assign>, qualified, a value
 * other than "yes") get a warning that they do nothing, as on ODE.
 *
 * The default mode never comes here: it rejects all of these. Not here:
 * deploy.xml (ode.c), ODE's run-time behaviour (runtime/data/xpath_ode.c).
 */
#include "ode.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "model_parse.h"

#define NS_DRAFT_BPEL "http://schemas.xmlsoap.org/ws/2004/03/business-process/"
#define NS_DRAFT_PLNK "http://schemas.xmlsoap.org/ws/2004/03/partner-link/"

struct od {
	struct load_file *f;
	bool is_bpel;
	bool warned_ns[3];
	bool draft; /* the file is written in the draft's namespaces */
};

static void od_warn(struct od *o, xmlNodePtr n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void od_warn(struct od *o, xmlNodePtr n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct loc l = load_loc(o->f, n);
	diag_warning(o->f->dg, &l, NULL, "Apache ODE dialect: %s", msg);
}

static bool is_bpel(xmlNodePtr n, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, NS_BPEL) == 0 &&
	       (!local || strcmp((const char *)n->name, local) == 0);
}

static void od_set_href(xmlNsPtr ns, const char *href)
{
	xmlFree((xmlChar *)ns->href);
	ns->href = xmlStrdup(BAD_CAST href);
}

/* Namespace declarations on n: the draft's made standard, stray spaces
 * trimmed. */
static void od_namespaces(struct od *o, xmlNodePtr n)
{
	for (xmlNsPtr ns = n->nsDef; ns; ns = ns->next) {
		if (!ns->href)
			continue;
		const char *h = (const char *)ns->href;
		size_t len = strlen(h);
		size_t b = 0;
		while (b < len && (h[b] == ' ' || h[b] == '\t' || h[b] == '\n'))
			b++;
		size_t e = len;
		while (e > b && (h[e - 1] == ' ' || h[e - 1] == '\t' ||
				 h[e - 1] == '\n'))
			e--;
		if (b > 0 || e < len) {
			char *t = arena_strndup(o->f->a, h + b, e - b);
			od_warn(o, n,
				"namespace name '%s' has stray spaces; it is read "
				"as '%s'",
				h, t);
			od_set_href(ns, t);
			h = (const char *)ns->href;
		}
		const char *to = NULL;
		int which = -1;
		if (strcmp(h, NS_DRAFT_BPEL) == 0) {
			to = o->is_bpel ? NS_BPEL : NS_VPROP;
			which = o->is_bpel ? 0 : 1;
		} else if (strcmp(h, NS_DRAFT_PLNK) == 0) {
			to = NS_PLNK;
			which = 2;
		}
		if (!to)
			continue;
		o->draft = true;
		if (!o->warned_ns[which])
			od_warn(o, n,
				"namespace '%s' is the pre-OASIS WS-BPEL 2.0 "
				"draft's; read as '%s', which WS-BPEL 2.0 uses",
				h, to);
		o->warned_ns[which] = true;
		od_set_href(ns, to);
	}
}

/* yes/no attributes of WS-BPEL that ODE also took as true/false. */
static void od_yes_no(struct od *o, xmlNodePtr n)
{
	static const char *const names[] = {
		"createInstance",
		"suppressJoinFailure",
		"exitOnStandardFault",
		"isolated",
		"initializePartnerRole",
		"validate",
		"keepSrcElementName",
		"ignoreMissingFromData",
		"parallel",
		"successfulBranchesOnly",
		"mustUnderstand",
		NULL,
	};
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		if (a->ns || !a->children || !a->children->content)
			continue;
		bool known = false;
		for (int i = 0; names[i] && !known; i++)
			known = strcmp((const char *)a->name, names[i]) == 0;
		const char *v = (const char *)a->children->content;
		const char *to = strcmp(v, "true") == 0	   ? "yes"
				 : strcmp(v, "false") == 0 ? "no"
							   : NULL;
		if (!known || !to)
			continue;
		od_warn(o, n, "%s=\"%s\" is written %s=\"%s\" in WS-BPEL 2.0",
			(const char *)a->name, v, (const char *)a->name, to);
		xmlNodeSetContent((xmlNodePtr)a, BAD_CAST to);
	}
}

/* BPEL4WS 1.1's correlation patterns. */
static void od_pattern(struct od *o, xmlNodePtr n)
{
	xmlChar *p = xmlGetNoNsProp(n, BAD_CAST "pattern");
	if (!p)
		return;
	const char *to = strcmp((const char *)p, "out") == 0  ? "request"
			 : strcmp((const char *)p, "in") == 0 ? "response"
			 : strcmp((const char *)p, "out-in") == 0
				 ? "request-response"
				 : NULL;
	if (to) {
		od_warn(o, n,
			"correlation pattern=\"%s\" is BPEL4WS 1.1's; WS-BPEL "
			"2.0 writes pattern=\"%s\"",
			(const char *)p, to);
		xmlSetProp(n, BAD_CAST "pattern", BAD_CAST to);
	}
	xmlFree(p);
}

/* <if><condition/><then>A</then>…: A moves into <if> where <then> was. */
static void od_then(struct od *o, xmlNodePtr then)
{
	od_warn(o, then,
		"<then> is not WS-BPEL 2.0: the activity of an <if> follows "
		"its <condition> directly");
	xmlNodePtr c = then->children;
	while (c) {
		xmlNodePtr next = c->next;
		xmlUnlinkNode(c);
		xmlAddPrevSibling(then, c);
		c = next;
	}
	xmlUnlinkNode(then);
	xmlFreeNode(then);
}

/* <to variable="v" part="p">query</to>: the query into a <query>. */
static void od_text_query(struct od *o, xmlNodePtr n)
{
	if (!xmlHasProp(n, BAD_CAST "variable"))
		return;
	bool has_query = false;
	xmlNodePtr text = NULL;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (is_bpel(c, "query") || is_bpel(c, "literal"))
			has_query = true;
		if ((c->type == XML_TEXT_NODE ||
		     c->type == XML_CDATA_SECTION_NODE) &&
		    c->content) {
			const char *s = (const char *)c->content;
			while (*s == ' ' || *s == '\t' || *s == '\n' ||
			       *s == '\r')
				s++;
			if (*s)
				text = c;
		}
	}
	if (!text || has_query)
		return;
	xmlChar *q = xmlNodeGetContent(text);
	od_warn(o, n,
		"the query of <%s variable=…> is written as its text; "
		"WS-BPEL 2.0 puts it in a <query>",
		(const char *)n->name);
	xmlNodePtr qn = xmlNewChild(n, n->ns, BAD_CAST "query", NULL);
	/* a text node: the query as it is (xmlNodeSetContent would parse
	 * the '&' of an entity reference again) */
	xmlNodePtr qt = qn && q ? xmlNewDocText(n->doc, q) : NULL;
	if (qt)
		xmlAddChild(qn, qt);
	xmlFree(q);
	for (xmlNodePtr c = n->children; c;) {
		xmlNodePtr next = c->next;
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) {
			xmlUnlinkNode(c);
			xmlFreeNode(c);
		}
		c = next;
	}
}

/* ODE's assign extensions. ODE's Copy.java read them as unqualified
 * attributes of <copy>, on only for "yes"; every other form did nothing
 * on ODE and does nothing here, with a warning. */
static void od_copy_extensions(struct od *o, xmlNodePtr n)
{
	static const struct {
		const char *attr, *does;
	} ext[] = {
		{ "insertMissingToData",
		  "a to-spec $var/a/b that selects nothing gets its missing "
		  "elements created instead of faulting with "
		  "bpel:selectionFailure" },
		{ "ignoreUninitializedFromVariable",
		  "a copy whose from-spec reads an uninitialised variable "
		  "does nothing instead of faulting with "
		  "bpel:uninitializedVariable" },
	};
	bool is_copy = is_bpel(n, "copy");
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
			if (strcmp((const char *)a->name, ext[i].attr) != 0)
				continue;
			xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
			const char *val = v ? (const char *)v : "";
			if (!is_copy)
				od_warn(o, n,
					"%s on <%s> does nothing: ODE read it "
					"on <copy> only",
					ext[i].attr, (const char *)n->name);
			else if (a->ns)
				od_warn(o, n,
					"%s:%s does nothing: ODE read the "
					"unqualified attribute %s only",
					a->ns->prefix
						? (const char *)a->ns->prefix
						: "",
					ext[i].attr, ext[i].attr);
			else if (strcmp(val, "yes") == 0)
				od_warn(o, n,
					"%s=\"yes\" is ODE's assign extension, "
					"not WS-BPEL 2.0: as on ODE, %s",
					ext[i].attr, ext[i].does);
			else if (strcmp(val, "no") != 0)
				od_warn(o, n,
					"%s=\"%s\" does nothing: ODE applied "
					"the extension for \"yes\" only",
					ext[i].attr, val);
			xmlFree(v);
		}
	}
}

static void od_walk(struct od *o, xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		od_namespaces(o, n);
		if (o->draft)
			ode_draft_element(o->f, n, o->is_bpel);
		if (o->is_bpel) {
			od_yes_no(o, n);
			if (is_bpel(n, "correlation"))
				od_pattern(o, n);
			if (is_bpel(n, "copy") || is_bpel(n, "assign"))
				od_copy_extensions(o, n);
			if (is_bpel(n, "to") || is_bpel(n, "from"))
				od_text_query(o, n);
			if (is_bpel(n, "if")) {
				xmlNodePtr c = n->children;
				while (c) {
					xmlNodePtr next = c->next;
					/* its namespace is known only after
					 * od_namespaces on the <then> */
					if (c->type == XML_ELEMENT_NODE)
						od_namespaces(o, c);
					if (is_bpel(c, "then"))
						od_then(o, c);
					c = next;
				}
			}
		}
		od_walk(o, n->children);
	}
}

void ode_dialect(struct load_file *f, xmlDocPtr doc, bool is_process)
{
	struct od o = { f, is_process, { false, false, false }, false };
	od_walk(&o, xmlDocGetRootElement(doc));
}
