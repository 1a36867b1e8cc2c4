/*
 * ode_draft.c — the syntax of the pre-OASIS WS-BPEL 2.0 draft
 * (namespace http://schemas.xmlsoap.org/ws/2004/03/business-process/),
 * rewritten into the standard form under --ode, element by element, once
 * ode_dialect.c has mapped the draft's namespaces to the OASIS ones.
 *
 * Apache ODE compiled processes of that namespace with its own draft
 * parser (BpelCompiler20Draft, BpelObjectFactory's "2.0 draft" mappings,
 * the draft schema it shipped: wsbpel_main-draft-Apr-29-2006.xsd). What
 * that draft, and the earlier drafts such processes were written
 * against, spell differently from WS-BPEL 2.0, each with a warning that
 * names the standard form:
 *
 *  - <switch><case>…<otherwise>…: <if>, <elseif>, <else> (ODE read
 *    <switch> and <case> as its <if>); a condition="…" attribute of
 *    <case> or <while> becomes a <condition> element;
 *  - <terminate/>: <exit/>;
 *  - <compensate scope="S"/>: <compensateScope target="S"/> (ODE read the
 *    draft's <compensate> as compensateScope);
 *  - <extensibleAssign>: <extensionAssignOperation>;
 *  - <toPart>/<fromPart> directly in an invoke, receive, reply, onMessage
 *    or onEvent: wrapped in <toParts>/<fromParts>;
 *  - <branches countCompletedBranchesOnly>: successfulBranchesOnly;
 *  - <scope variableAccessSerializable>: isolated;
 *  - <process abstractProcess="no">: dropped (WS-BPEL 2.0 says it by the
 *    namespace); "yes" is an error: an abstract process does not run;
 *  - <from expression="…">: the expression as the text of <from>; a
 *    query="…" attribute of <from>/<to> and of a WSDL propertyAlias: a
 *    <query> element;
 *  - <service-ref> of the draft's process namespace: the serviceref one;
 *  - links as BPEL4WS 1.1 (and drafts before <sources>/<targets>) wrote
 *    them: <target linkName>/<source linkName> directly in the activity,
 *    joinCondition="…" on it, transitionCondition="…" on <source>:
 *    <targets><joinCondition>…<target/>…</targets><sources><source>
 *    <transitionCondition>…</source>…</sources>, first children of the
 *    activity. ODE's draft parser read only the wrapped form in this
 *    namespace (its attribute forms were for the 2003/03 one): bpelc
 *    takes both.
 * What is still wrong after the rewrite is reported by the usual checks,
 * at the line of the draft's element; what cannot be rewritten (a
 * <switch> without a <case>, a <case> without a condition) is an error
 * here, as are a link without linkName, an empty or second
 * join/transition condition and a joinCondition with no incoming link.
 *
 * Not here: the namespaces themselves, <if><then> and the dialect shared
 * with the OASIS namespace (ode_dialect.c).
 */
#include "ode.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "diag.h"
#include "model.h"
#include "model_parse.h"

static void dr_report(struct load_file *f, xmlNodePtr n, bool error,
		      const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void dr_report(struct load_file *f, xmlNodePtr n, bool error,
		      const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct loc l = load_loc(f, n);
	if (error)
		diag_error(f->dg, &l, NULL, "WS-BPEL 2.0 draft: %s", msg);
	else
		diag_warning(f->dg, &l, NULL, "Apache ODE dialect: %s", msg);
}

static bool in_ns(xmlNodePtr n, const char *ns, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       (!local || strcmp((const char *)n->name, local) == 0);
}

static bool is_bpel(xmlNodePtr n, const char *local)
{
	return in_ns(n, NS_BPEL, local);
}

/* A new element {n's namespace}local holding text (may be NULL), at the
 * line of n (diagnostics about it point there). */
static xmlNodePtr new_elem(xmlNodePtr n, const char *local, const xmlChar *text)
{
	xmlNodePtr e = xmlNewDocNode(n->doc, n->ns, BAD_CAST local, NULL);
	if (!e)
		return NULL;
	e->line = n->line;
	if (text) {
		/* a text node: the value as it is, no entity parsing */
		xmlNodePtr t = xmlNewDocText(n->doc, text);
		if (t)
			xmlAddChild(e, t);
	}
	return e;
}

/* The first element child of n, NULL if none. */
static xmlNodePtr first_elem(xmlNodePtr n)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

/* Attribute `attr` of n (a BPEL4WS 1.1 / early draft expression) becomes
 * the first child element `elem` holding its text. */
static void attr_to_child(struct load_file *f, xmlNodePtr n, const char *attr,
			  const char *elem)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
	if (!v)
		return;
	dr_report(f, n, false,
		  "%s=\"…\" on <%s> is the draft's; WS-BPEL 2.0 writes it as "
		  "a <%s> element",
		  attr, (const char *)n->name, elem);
	xmlNodePtr e = new_elem(n, elem, v);
	xmlFree(v);
	if (!e)
		return;
	xmlNodePtr first = first_elem(n);
	/* <targets>/<sources> of an activity stay first */
	while (first &&
	       (is_bpel(first, "targets") || is_bpel(first, "sources") ||
		is_bpel(first, "documentation"))) {
		xmlNodePtr x = first->next;
		while (x && x->type != XML_ELEMENT_NODE)
			x = x->next;
		first = x;
	}
	if (first)
		xmlAddPrevSibling(first, e);
	else
		xmlAddChild(n, e);
	xmlUnsetNsProp(n, NULL, BAD_CAST attr);
}

static void rename_elem(struct load_file *f, xmlNodePtr n, const char *to,
			const char *why)
{
	dr_report(f, n, false, "<%s> is the draft's%s; WS-BPEL 2.0 writes <%s>",
		  (const char *)n->name, why, to);
	xmlNodeSetName(n, BAD_CAST to);
}

static void rename_attr(struct load_file *f, xmlNodePtr n, const char *from,
			const char *to)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST from);
	if (!v)
		return;
	dr_report(f, n, false,
		  "<%s %s> is the draft's; WS-BPEL 2.0 writes <%s %s>",
		  (const char *)n->name, from, (const char *)n->name, to);
	xmlSetProp(n, BAD_CAST to, v);
	xmlUnsetNsProp(n, NULL, BAD_CAST from);
	xmlFree(v);
}

/* <switch> <case condition?>…</case>+ <otherwise>…</otherwise>? */
static void dr_switch(struct load_file *f, xmlNodePtr sw)
{
	dr_report(f, sw, false,
		  "<switch> is the draft's; WS-BPEL 2.0 writes <if> "
		  "<condition/> activity <elseif>… <else>…");
	int ncase = 0;
	for (xmlNodePtr c = sw->children; c;) {
		xmlNodePtr next = c->next;
		if (is_bpel(c, "case")) {
			xmlChar *v = xmlGetNoNsProp(c, BAD_CAST "condition");
			if (v) {
				xmlNodePtr e = new_elem(c, "condition", v);
				xmlNodePtr first = c->children;
				if (e && first)
					xmlAddPrevSibling(first, e);
				else if (e)
					xmlAddChild(c, e);
				xmlUnsetNsProp(c, NULL, BAD_CAST "condition");
				xmlFree(v);
			}
			bool has_cond = false;
			for (xmlNodePtr k = c->children; k; k = k->next)
				has_cond |= is_bpel(k, "condition");
			if (!has_cond)
				dr_report(f, c, true,
					  "<case> has no condition (a "
					  "<condition> element or a condition "
					  "attribute)");
			if (ncase++ == 0) {
				/* the first case's condition and activity go
				 * directly into <if> */
				for (xmlNodePtr k = c->children; k;) {
					xmlNodePtr kn = k->next;
					xmlUnlinkNode(k);
					xmlAddPrevSibling(c, k);
					k = kn;
				}
				xmlUnlinkNode(c);
				xmlFreeNode(c);
			} else {
				xmlNodeSetName(c, BAD_CAST "elseif");
			}
		} else if (is_bpel(c, "otherwise")) {
			xmlNodeSetName(c, BAD_CAST "else");
		}
		c = next;
	}
	if (ncase == 0)
		dr_report(f, sw, true,
			  "<switch> has no <case>: there is no condition for "
			  "the <if> it stands for");
	xmlNodeSetName(sw, BAD_CAST "if");
}

/* Consecutive <toPart>s (or <fromPart>s) of n, wrapped in one <toParts>
 * (<fromParts>) where the first was. */
static void dr_wrap_parts(struct load_file *f, xmlNodePtr n, const char *part,
			  const char *parts)
{
	xmlNodePtr wrap = NULL;
	for (xmlNodePtr c = n->children; c;) {
		xmlNodePtr next = c->next;
		if (is_bpel(c, part)) {
			if (!wrap) {
				dr_report(f, c, false,
					  "<%s> directly in <%s> is the "
					  "draft's; WS-BPEL 2.0 wraps them in "
					  "<%s>",
					  part, (const char *)n->name, parts);
				wrap = new_elem(c, parts, NULL);
				if (!wrap)
					return;
				xmlAddPrevSibling(c, wrap);
			}
			xmlUnlinkNode(c);
			xmlAddChild(wrap, c);
		} else if (c->type == XML_ELEMENT_NODE) {
			wrap = NULL;
		}
		c = next;
	}
}

/* The child of n named {NS_BPEL}local, NULL if none. */
static xmlNodePtr bpel_child(xmlNodePtr n, const char *local)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (is_bpel(c, local))
			return c;
	return NULL;
}

/* wrap (a <targets> or <sources> of activity n) where the standard
 * schema wants it: after n's <documentation>, <targets> before
 * <sources>, before everything else. */
static void place_first(xmlNodePtr n, xmlNodePtr wrap)
{
	xmlUnlinkNode(wrap);
	xmlNodePtr at = n->children;
	while (at &&
	       (at->type != XML_ELEMENT_NODE || is_bpel(at, "documentation") ||
		(is_bpel(wrap, "sources") && is_bpel(at, "targets"))))
		at = at->next;
	if (at)
		xmlAddPrevSibling(at, wrap);
	else
		xmlAddChild(n, wrap);
}

/* BPEL4WS 1.1's links, which processes written against the drafts
 * carry: <target linkName>/<source linkName> directly in the activity and
 * its joinCondition="…" attribute become <targets><joinCondition>…
 * <target/>…</targets><sources><source/>…</sources>, first children of
 * the activity. (A <source transitionCondition="…"> is dr_source's.) */
static void dr_links(struct load_file *f, xmlNodePtr n)
{
	if (is_bpel(n, "sources") || is_bpel(n, "targets") ||
	    is_bpel(n, "literal"))
		return;
	xmlNodePtr wrap[2] = { bpel_child(n, "targets"),
			       bpel_child(n, "sources") };
	static const char *const one[2] = { "target", "source" };
	static const char *const many[2] = { "targets", "sources" };
	bool moved[2] = { false, false };
	for (xmlNodePtr c = n->children; c;) {
		xmlNodePtr next = c->next;
		for (int k = 0; k < 2; k++) {
			if (!is_bpel(c, one[k]))
				continue;
			if (!moved[k])
				dr_report(f, c, false,
					  "<%s linkName=…> directly in <%s> "
					  "is BPEL4WS 1.1's (and early "
					  "drafts'); WS-BPEL 2.0 wraps them "
					  "in <%s>, the activity's first "
					  "child",
					  one[k], (const char *)n->name,
					  many[k]);
			xmlChar *ln = xmlGetNoNsProp(c, BAD_CAST "linkName");
			if (!ln || !*ln)
				dr_report(f, c, true,
					  "<%s> in <%s> has no linkName",
					  one[k], (const char *)n->name);
			xmlFree(ln);
			if (!wrap[k]) {
				wrap[k] = new_elem(c, many[k], NULL);
				if (!wrap[k])
					return;
				xmlAddPrevSibling(c, wrap[k]);
			}
			xmlUnlinkNode(c);
			xmlAddChild(wrap[k], c);
			moved[k] = true;
		}
		c = next;
	}
	xmlChar *jc = xmlGetNoNsProp(n, BAD_CAST "joinCondition");
	if (jc) {
		dr_report(f, n, false,
			  "joinCondition=\"…\" on <%s> is BPEL4WS 1.1's (and "
			  "early drafts'); WS-BPEL 2.0 writes it as a "
			  "<joinCondition> element, the first child of "
			  "<targets>",
			  (const char *)n->name);
		xmlNodePtr first = wrap[0] ? first_elem(wrap[0]) : NULL;
		if (!wrap[0] || !first)
			dr_report(f, n, true,
				  "joinCondition=\"…\" on <%s>, which is the "
				  "target of no link",
				  (const char *)n->name);
		else if (!*jc || bpel_child(wrap[0], "joinCondition"))
			dr_report(f, n, true, "%s joinCondition on <%s>",
				  *jc ? "a second" : "an empty",
				  (const char *)n->name);
		else {
			xmlNodePtr e = new_elem(n, "joinCondition", jc);
			if (e)
				xmlAddPrevSibling(first, e);
		}
		xmlUnsetNsProp(n, NULL, BAD_CAST "joinCondition");
		xmlFree(jc);
		moved[0] = true;
	}
	for (int k = 0; k < 2; k++)
		if (moved[k])
			place_first(n, wrap[k]);
	/* <sources> after <targets> even when only <targets> moved */
	if (moved[0] && wrap[1])
		place_first(n, wrap[1]);
}

/* <source linkName transitionCondition="…">: a <transitionCondition>
 * element. */
static void dr_source(struct load_file *f, xmlNodePtr n)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST "transitionCondition");
	if (!v)
		return;
	dr_report(f, n, false,
		  "transitionCondition=\"…\" on <source> is BPEL4WS 1.1's "
		  "(and early drafts'); WS-BPEL 2.0 writes it as a "
		  "<transitionCondition> element in <source>");
	if (!*v || bpel_child(n, "transitionCondition")) {
		dr_report(f, n, true, "%s transitionCondition on <source>",
			  *v ? "a second" : "an empty");
	} else {
		xmlNodePtr e = new_elem(n, "transitionCondition", v);
		if (e)
			xmlAddChild(n, e);
	}
	xmlUnsetNsProp(n, NULL, BAD_CAST "transitionCondition");
	xmlFree(v);
}

static void dr_process_elem(struct load_file *f, xmlNodePtr n)
{
	dr_links(f, n);
	if (is_bpel(n, "source"))
		dr_source(f, n);
	if (is_bpel(n, "process")) {
		xmlChar *v = xmlGetNoNsProp(n, BAD_CAST "abstractProcess");
		if (v && strcmp((const char *)v, "yes") == 0)
			dr_report(
				f, n, true,
				"abstractProcess=\"yes\": an abstract process "
				"does not run; bpelc compiles executable "
				"processes only");
		else if (v) {
			dr_report(
				f, n, false,
				"abstractProcess=\"%s\" is the draft's; "
				"WS-BPEL 2.0 says it by the namespace: dropped",
				(const char *)v);
			xmlUnsetNsProp(n, NULL, BAD_CAST "abstractProcess");
		}
		xmlFree(v);
	} else if (is_bpel(n, "switch")) {
		dr_switch(f, n);
	} else if (is_bpel(n, "terminate")) {
		rename_elem(f, n, "exit", " (and BPEL4WS 1.1's)");
	} else if (is_bpel(n, "compensate") &&
		   xmlHasProp(n, BAD_CAST "scope")) {
		xmlChar *v = xmlGetNoNsProp(n, BAD_CAST "scope");
		dr_report(f, n, false,
			  "<compensate scope=\"%s\"> is the draft's (ODE read "
			  "it as compensateScope); WS-BPEL 2.0 writes "
			  "<compensateScope target=\"%s\">",
			  (const char *)v, (const char *)v);
		xmlNodeSetName(n, BAD_CAST "compensateScope");
		xmlSetProp(n, BAD_CAST "target", v);
		xmlUnsetNsProp(n, NULL, BAD_CAST "scope");
		xmlFree(v);
	} else if (is_bpel(n, "extensibleAssign")) {
		rename_elem(f, n, "extensionAssignOperation", "");
	} else if (is_bpel(n, "branches")) {
		rename_attr(f, n, "countCompletedBranchesOnly",
			    "successfulBranchesOnly");
	} else if (is_bpel(n, "scope")) {
		rename_attr(f, n, "variableAccessSerializable", "isolated");
	} else if (is_bpel(n, "while")) {
		attr_to_child(f, n, "condition", "condition");
	} else if (is_bpel(n, "service-ref")) {
		dr_report(f, n, false,
			  "<service-ref> in the draft's process namespace; "
			  "WS-BPEL 2.0 puts it in '%s'",
			  NS_SREF);
		xmlNsPtr ns = xmlNewNs(n, BAD_CAST NS_SREF, BAD_CAST "sref");
		if (ns)
			xmlSetNs(n, ns);
	}
	if (is_bpel(n, "invoke") || is_bpel(n, "reply")) {
		dr_wrap_parts(f, n, "toPart", "toParts");
	}
	if (is_bpel(n, "invoke") || is_bpel(n, "receive") ||
	    is_bpel(n, "onMessage") || is_bpel(n, "onEvent")) {
		dr_wrap_parts(f, n, "fromPart", "fromParts");
	}
	if (is_bpel(n, "from")) {
		xmlChar *v = xmlGetNoNsProp(n, BAD_CAST "expression");
		if (v) {
			dr_report(f, n, false,
				  "<from expression=\"…\"> is the draft's; "
				  "WS-BPEL 2.0 writes the expression as the "
				  "text of <from>");
			xmlNodePtr t = xmlNewDocText(n->doc, v);
			if (t)
				xmlAddChild(n, t);
			xmlUnsetNsProp(n, NULL, BAD_CAST "expression");
			xmlFree(v);
		}
	}
	if (is_bpel(n, "from") || is_bpel(n, "to")) {
		xmlChar *v = xmlGetNoNsProp(n, BAD_CAST "query");
		if (v) {
			dr_report(
				f, n, false,
				"<%s query=\"…\"> is the draft's; WS-BPEL 2.0 "
				"writes a <query> element",
				(const char *)n->name);
			xmlNodePtr q = new_elem(n, "query", v);
			if (q)
				xmlAddChild(n, q);
			xmlUnsetNsProp(n, NULL, BAD_CAST "query");
			xmlFree(v);
		}
	}
}

/* n lies in a <literal>: data, not syntax. */
static bool in_literal(xmlNodePtr n)
{
	for (xmlNodePtr p = n->parent; p && p->type == XML_ELEMENT_NODE;
	     p = p->parent)
		if (is_bpel(p, "literal"))
			return true;
	return false;
}

void ode_draft_element(struct load_file *f, xmlNodePtr n, bool is_process)
{
	if (is_process) {
		/* in a literal only the draft's service-ref is the draft's */
		if (!in_literal(n) || is_bpel(n, "service-ref"))
			dr_process_elem(f, n);
		return;
	}
	/* WSDL: a propertyAlias with BPEL4WS 1.1's query attribute */
	if (in_ns(n, NS_VPROP, "propertyAlias") &&
	    xmlHasProp(n, BAD_CAST "query")) {
		xmlChar *v = xmlGetNoNsProp(n, BAD_CAST "query");
		dr_report(f, n, false,
			  "<propertyAlias query=\"…\"> is the draft's; WS-BPEL "
			  "2.0 writes a <vprop:query> element");
		xmlNodePtr q = v ? new_elem(n, "query", v) : NULL;
		if (q)
			xmlAddChild(n, q);
		xmlUnsetNsProp(n, NULL, BAD_CAST "query");
		xmlFree(v);
	}
}
