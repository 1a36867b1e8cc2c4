/*
 * xpath_ode.c — Apache ODE's XPath extensions, for processes compiled with
 * `bpelc --ode` (brt_process.ode): ODE's functions in its namespace
 * (http://www.apache.org/ode/type/extension), under their names and the
 * older camel-case ones ODE still took; xdt:dayTimeDuration and
 * xdt:yearMonthDuration of the 2003/11 XPath data types draft; BPEL4WS
 * 1.1's getVariableData in the BPEL namespaces; and the variables
 * $ode:pid, $ode:processQName and $ode:currentEventDateTime. Semantics
 * follow ODE's runtime (its JaxpFunctionResolver): the node functions
 * never change their arguments, they return a changed copy of the parent
 * (or target) element; a wrong argument raises ODE's own fault
 * ({ODE}splitInvalidSource, …) or the standard one ODE raised.
 *
 * The copies live in scratch documents of the prepared data, freed after
 * the step that made them (brt__data_scratch_release): an XPath value never
 * outlives its step, and libxml2 would free a value tree that a location
 * step is still reading.
 *
 * Not here: the compiler's side (which names exist, arity, --ode), the
 * standard BPEL functions (xpath.c). XPath 1.0 has no duration type: the
 * duration constructors check the lexical form and return it as a string.
 */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/uri.h>
#include <libxml/xpathInternals.h>

#include "data.h"
#include "internal.h"

#define NS_ODE "http://www.apache.org/ode/type/extension"
#define NS_XDT "http://www.w3.org/2003/11/xpath-datatypes"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define NS_BPEL_DRAFT "http://schemas.xmlsoap.org/ws/2004/03/business-process/"

/* "{ns}local": brt__std_fault raises it in that namespace. */
#define ODE_FAULT(local) "{" NS_ODE "}" local

/* ---- arguments -------------------------------------------------------- */

/* Raise fault (a standard local name or ODE_FAULT) and stop the call. */
#define FAIL(ctxt, d, fault, ...)                         \
	do {                                              \
		brt__dx_fault((d), (fault), __VA_ARGS__); \
		xmlXPathErr((ctxt), XPATH_EXPR_ERROR);    \
		return;                                   \
	} while (0)

/* ODE's Helper.extractString: a string as it is; one element or text
 * node gives its text, trimmed. NULL (not one node) otherwise. */
static xmlChar *arg_string(xmlXPathObjectPtr o)
{
	if (o == NULL)
		return NULL;
	if (o->type != XPATH_NODESET && o->type != XPATH_XSLT_TREE)
		return brt__xpath_string(o);
	if (o->nodesetval == NULL || o->nodesetval->nodeNr != 1)
		return NULL;
	xmlNodePtr n = o->nodesetval->nodeTab[0];
	if (n->type == XML_DOCUMENT_NODE)
		n = xmlDocGetRootElement((xmlDocPtr)n);
	if (n == NULL ||
	    (n->type != XML_ELEMENT_NODE && n->type != XML_TEXT_NODE &&
	     n->type != XML_CDATA_SECTION_NODE &&
	     n->type != XML_ATTRIBUTE_NODE))
		return NULL;
	xmlChar *t = xmlNodeGetContent(n);
	if (t == NULL)
		return xmlStrdup(BAD_CAST "");
	size_t len = strlen((char *)t), b = 0;
	while (b < len && t[b] <= ' ')
		b++;
	while (len > b && t[len - 1] <= ' ')
		len--;
	xmlChar *r = xmlStrndup(t + b, (int)(len - b));
	xmlFree(t);
	return r;
}

/* The element an argument selects: one node, an element (a document
 * stands for its root). `last`: of several nodes take the last, else the
 * first (insert-after and insert-before take sequences). */
static xmlNodePtr arg_elem(xmlXPathObjectPtr o, bool single, bool last)
{
	if (o == NULL ||
	    (o->type != XPATH_NODESET && o->type != XPATH_XSLT_TREE) ||
	    o->nodesetval == NULL || o->nodesetval->nodeNr == 0)
		return NULL;
	int n = o->nodesetval->nodeNr;
	if (single && n != 1)
		return NULL;
	xmlNodePtr e = o->nodesetval->nodeTab[last ? n - 1 : 0];
	if (e->type == XML_DOCUMENT_NODE)
		e = xmlDocGetRootElement((xmlDocPtr)e);
	return e != NULL && e->type == XML_ELEMENT_NODE ? e : NULL;
}

/* Pop nargs arguments into a[] (first argument first). */
static void pop_args(xmlXPathParserContextPtr ctxt, int nargs,
		     xmlXPathObjectPtr *a)
{
	for (int i = nargs - 1; i >= 0; i--)
		a[i] = valuePop(ctxt);
}

static void free_args(xmlXPathObjectPtr *a, int nargs)
{
	for (int i = 0; i < nargs; i++)
		xmlXPathFreeObject(a[i]);
}

/* ---- results ---------------------------------------------------------- */

/* A new element result: root of a fresh scratch document, which the
 * prepared data frees after the step. NULL when out of memory. */
static xmlDocPtr scratch_doc(struct brt_dctx *d)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	if (doc == NULL)
		return NULL;
	if (brt__data_scratch_add(d->prep, doc) < 0) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* A deep copy of e as the root of a scratch document, with the
 * namespaces it uses from its ancestors declared on it. */
static xmlNodePtr copy_to_scratch(struct brt_dctx *d, xmlNodePtr e)
{
	xmlDocPtr doc = scratch_doc(d);
	if (doc == NULL)
		return NULL;
	xmlNodePtr c = xmlDocCopyNode(e, doc, 1);
	if (c == NULL)
		return NULL;
	xmlDocSetRootElement(doc, c);
	xmlReconciliateNs(doc, c);
	return c;
}

static void push_node(xmlXPathParserContextPtr ctxt, xmlNodePtr n)
{
	valuePush(ctxt, xmlXPathNewNodeSet(n));
}

/* The child of copy `pc` at the position `child` has under `parent`. */
static xmlNodePtr same_child(xmlNodePtr parent, xmlNodePtr child, xmlNodePtr pc)
{
	xmlNodePtr a = parent->children, b = pc->children;
	while (a != NULL && b != NULL && a != child) {
		a = a->next;
		b = b->next;
	}
	return a == child ? b : NULL;
}

/* Copies of the nodes of o, inserted into `into` before `ref` (NULL:
 * appended). Attributes and documents are skipped (ODE inserted nodes). */
static int insert_copies(xmlNodePtr into, xmlNodePtr ref, xmlXPathObjectPtr o)
{
	if (o->type != XPATH_NODESET && o->type != XPATH_XSLT_TREE) {
		xmlChar *s = brt__xpath_string(o);
		xmlNodePtr t = xmlNewDocText(into->doc, s);
		xmlFree(s);
		if (t == NULL)
			return -1;
		if (ref != NULL)
			xmlAddPrevSibling(ref, t);
		else
			xmlAddChild(into, t);
		return 0;
	}
	for (int i = 0; o->nodesetval != NULL && i < o->nodesetval->nodeNr;
	     i++) {
		xmlNodePtr n = o->nodesetval->nodeTab[i];
		if (n->type == XML_DOCUMENT_NODE)
			n = xmlDocGetRootElement((xmlDocPtr)n);
		if (n == NULL || n->type == XML_ATTRIBUTE_NODE ||
		    n->type == XML_NAMESPACE_DECL)
			continue;
		xmlNodePtr c = xmlDocCopyNode(n, into->doc, 1);
		if (c == NULL)
			return -1;
		if (ref != NULL)
			xmlAddPrevSibling(ref, c);
		else
			xmlAddChild(into, c);
	}
	xmlReconciliateNs(into->doc, into);
	return 0;
}

/* ---- split-to-elements ------------------------------------------------ */

/* Java's String.split(regex) on the separators processes use: a literal
 * unless it holds regex syntax, then a POSIX extended expression (with
 * \s, \d, \w and \| read as Java reads them). Trailing empty strings are
 * dropped, as Java drops them. Calls fn(piece) per piece; -1 when the
 * separator is not a valid expression. */
static int java_split(const char *s, const char *sep,
		      int (*fn)(void *arg, const char *p, size_t n), void *arg)
{
	bool is_re = strpbrk(sep, "\\[](){}.*+?^$|") != NULL;
	regex_t re;
	if (is_re) {
		char buf[512];
		size_t k = 0;
		for (const char *p = sep; *p && k + 16 < sizeof buf; p++) {
			if (*p == '\\' && p[1]) {
				const char *cls = p[1] == 's'	? "[[:space:]]"
						  : p[1] == 'd' ? "[0-9]"
						  : p[1] == 'w' ? "[[:alnum:]_]"
								: NULL;
				if (cls != NULL) {
					k += (size_t)snprintf(buf + k,
							      sizeof buf - k,
							      "%s", cls);
				} else {
					buf[k++] = '\\';
					buf[k++] = p[1];
				}
				p++;
			} else {
				buf[k++] = *p;
			}
		}
		buf[k] = '\0';
		if (regcomp(&re, buf, REG_EXTENDED) != 0)
			return -1;
	}
	/* Collect the pieces first: trailing empty ones are dropped. */
	size_t n = strlen(s), pos = 0, cap = 16, np = 0;
	size_t(*pieces)[2] = malloc(cap * sizeof *pieces);
	int rc = pieces == NULL ? -1 : 0;
	while (rc == 0) {
		size_t b, e;
		bool found;
		if (is_re) {
			regmatch_t m;
			found = pos <= n &&
				regexec(&re, s + pos, 1, &m,
					pos > 0 ? REG_NOTBOL : 0) == 0 &&
				m.rm_eo > m.rm_so;
			b = found ? pos + (size_t)m.rm_so : n;
			e = found ? pos + (size_t)m.rm_eo : n;
		} else {
			const char *f = *sep ? strstr(s + pos, sep) : NULL;
			found = f != NULL;
			b = found ? (size_t)(f - s) : n;
			e = found ? b + strlen(sep) : n;
		}
		if (np == cap) {
			void *p = realloc(pieces, 2 * cap * sizeof *pieces);
			if (p == NULL) {
				rc = -1;
				break;
			}
			pieces = p;
			cap *= 2;
		}
		pieces[np][0] = pos;
		pieces[np][1] = b - pos;
		np++;
		if (!found)
			break;
		pos = e;
	}
	while (rc == 0 && np > 1 && pieces[np - 1][1] == 0)
		np--;
	for (size_t i = 0; rc == 0 && i < np; i++)
		rc = fn(arg, s + pieces[i][0], pieces[i][1]);
	free(pieces);
	if (is_re)
		regfree(&re);
	return rc;
}

struct split {
	xmlNodePtr wrapper;
	xmlNsPtr ns;
	const xmlChar *local;
};

static int split_piece(void *arg, const char *p, size_t n)
{
	struct split *sp = arg;
	while (n > 0 && (unsigned char)*p <= ' ') {
		p++;
		n--;
	}
	while (n > 0 && (unsigned char)p[n - 1] <= ' ')
		n--;
	xmlChar *text = xmlStrndup(BAD_CAST p, (int)n);
	xmlNodePtr e = xmlNewChild(sp->wrapper, sp->ns, sp->local, NULL);
	if (e != NULL && text != NULL && n > 0)
		xmlNodeAddContent(e, text);
	xmlFree(text);
	return e != NULL && (text != NULL || n == 0) ? 0 : -1;
}

/* ode:split-to-elements($text, 'sep', 'localName', 'namespace'?): a
 * <wrapper> element holding one element per piece of $text. */
static void fn_split(xmlXPathParserContextPtr ctxt, int nargs)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs < 3 || nargs > 4)
		FAIL(ctxt, d, ODE_FAULT("splitInvalidSource"),
		     "split-to-elements takes 3 or 4 arguments, not %d", nargs);
	xmlXPathObjectPtr a[4];
	pop_args(ctxt, nargs, a);
	xmlChar *text = arg_string(a[0]);
	xmlChar *sep = brt__xpath_string(a[1]);
	xmlChar *local = brt__xpath_string(a[2]);
	xmlChar *ns = nargs == 4 ? brt__xpath_string(a[3]) : NULL;
	free_args(a, nargs);
	xmlDocPtr doc = NULL;
	struct split sp = { 0 };
	int rc = -1;
	if (text == NULL || sep == NULL || local == NULL ||
	    xmlValidateNCName(local, 0) != 0) {
		brt__dx_fault(d, ODE_FAULT("splitInvalidSource"),
			      "split-to-elements: the text must be a string "
			      "or one node, the name an NCName");
	} else if ((doc = scratch_doc(d)) == NULL ||
		   (sp.wrapper = xmlNewDocNode(doc, NULL, BAD_CAST "wrapper",
					       NULL)) == NULL) {
		brt__dx_fault(d, "subLanguageExecutionFault", "out of memory");
	} else {
		xmlDocSetRootElement(doc, sp.wrapper);
		if (ns != NULL && *ns)
			sp.ns = xmlNewNs(sp.wrapper, ns, NULL);
		sp.local = local;
		rc = java_split((char *)text, (char *)sep, split_piece, &sp);
		if (rc < 0)
			brt__dx_fault(d, ODE_FAULT("splitInvalidSource"),
				      "split-to-elements: separator '%s' is "
				      "not a valid expression",
				      (char *)sep);
	}
	xmlFree(text);
	xmlFree(sep);
	xmlFree(local);
	xmlFree(ns);
	if (rc < 0) {
		xmlXPathErr(ctxt, XPATH_EXPR_ERROR);
		return;
	}
	push_node(ctxt, sp.wrapper);
}

/* ---- URLs --------------------------------------------------------------- */

/* ode:combine-url($base, $relative): $relative resolved against $base
 * (RFC 2396, section 5), as java.net.URL(URL, String) does. */
static void fn_combine_url(xmlXPathParserContextPtr ctxt, int nargs)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs != 2)
		FAIL(ctxt, d, ODE_FAULT("combineUrlInvalidSource"),
		     "combine-url takes 2 arguments, not %d", nargs);
	xmlXPathObjectPtr a[2];
	pop_args(ctxt, 2, a);
	xmlChar *base = arg_string(a[0]);
	xmlChar *rel = arg_string(a[1]);
	free_args(a, 2);
	xmlURIPtr u = base != NULL ? xmlParseURI((char *)base) : NULL;
	xmlChar *r = NULL;
	if (u != NULL && u->scheme != NULL && rel != NULL)
		r = xmlBuildURI(rel, base);
	if (u != NULL)
		xmlFreeURI(u);
	if (r == NULL) {
		brt__dx_fault(d, ODE_FAULT("combineUrlInvalidSource"),
			      "combine-url: '%s' is not a well-formed URL",
			      base != NULL ? (char *)base : "");
		xmlFree(base);
		xmlFree(rel);
		xmlXPathErr(ctxt, XPATH_EXPR_ERROR);
		return;
	}
	xmlFree(base);
	xmlFree(rel);
	valuePush(ctxt, xmlXPathWrapString(r));
}

/* One name/value pair of a URI template. */
struct tvar {
	xmlChar *name, *value;
};

/* The value of `name` in vars: 1 found (*v may be NULL: no value), 0 not
 * there. */
static int tvar_get(const struct tvar *vars, int n, const char *name,
		    size_t len, const xmlChar **v)
{
	for (int i = n - 1; i >= 0; i--)
		if (strlen((char *)vars[i].name) == len &&
		    memcmp(vars[i].name, name, len) == 0) {
			*v = vars[i].value;
			return 1;
		}
	return 0;
}

/* Everything but RFC 2396's unreserved characters, percent-encoded
 * (what ODE's URITemplate does to values). */
static void template_escape(xmlBufferPtr out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c) || strchr("-_.!~*'()", c) != NULL) {
			xmlBufferAdd(out, (const xmlChar *)&s[i], 1);
		} else {
			char b[4];
			snprintf(b, sizeof b, "%%%02X", c);
			xmlBufferCCat(out, b);
		}
	}
}

/* URI Template (draft-gregorio-uritemplate-03) variable substitution:
 * {var} and {var=default}; other operations ({-join|…}) are refused.
 * `lazy` keeps an expansion whose variable is undefined and has no
 * default (expand-template). NULL when the template is not supported. */
static xmlChar *template_expand(const char *t, const struct tvar *vars, int n,
				bool lazy)
{
	xmlBufferPtr out = xmlBufferCreate();
	if (out == NULL)
		return NULL;
	const char *p = t;
	while (*p) {
		const char *open = strchr(p, '{');
		const char *close = open != NULL ? strchr(open, '}') : NULL;
		if (open == NULL || close == NULL || close == open + 1) {
			xmlBufferCCat(out, p);
			break;
		}
		xmlBufferAdd(out, (const xmlChar *)p, (int)(open - p));
		const char *in = open + 1;
		size_t inlen = (size_t)(close - in);
		if (memchr(in, '|', inlen) != NULL) {
			xmlBufferFree(out);
			return NULL; /* an operation: not supported */
		}
		/* One variable per expansion: the first of a list. */
		const char *comma = memchr(in, ',', inlen);
		size_t vlen = comma != NULL ? (size_t)(comma - in) : inlen;
		const char *eq = memchr(in, '=', vlen);
		size_t nlen = eq != NULL ? (size_t)(eq - in) : vlen;
		const xmlChar *v = NULL;
		int defined = tvar_get(vars, n, in, nlen, &v);
		if (defined && v != NULL)
			template_escape(out, (const char *)v,
					strlen((const char *)v));
		else if (eq != NULL)
			template_escape(out, eq + 1, vlen - nlen - 1);
		else if (!defined && lazy)
			xmlBufferAdd(out, (const xmlChar *)open,
				     (int)(close - open + 1));
		p = close + 1;
	}
	xmlChar *r = xmlStrdup(xmlBufferContent(out));
	xmlBufferFree(out);
	return r;
}

/* compose-url and expand-template: (template, element) whose children
 * are name/value pairs, or (template, name1, value1, …). */
static void compose(xmlXPathParserContextPtr ctxt, int nargs, bool lazy,
		    const char *fault)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs < 2 || (nargs > 2 && nargs % 2 == 0))
		FAIL(ctxt, d, fault,
		     "%s takes a template and an element or name/value "
		     "pairs, not %d arguments",
		     lazy ? "expand-template" : "compose-url", nargs);
	xmlXPathObjectPtr *a = calloc((size_t)nargs, sizeof *a);
	struct tvar *vars = calloc((size_t)nargs, sizeof *vars);
	if (a == NULL || vars == NULL) {
		free(a);
		free(vars);
		FAIL(ctxt, d, "subLanguageExecutionFault", "out of memory");
	}
	pop_args(ctxt, nargs, a);
	xmlChar *t = arg_string(a[0]);
	int nv = 0;
	bool ok = t != NULL;
	if (ok && nargs == 2) {
		xmlNodePtr e = arg_elem(a[1], false, false);
		ok = e != NULL;
		for (xmlNodePtr c = ok ? e->children : NULL; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			struct tvar *nv2 =
				realloc(vars, (size_t)(nv + 1) * sizeof *vars);
			if (nv2 == NULL) {
				ok = false;
				break;
			}
			vars = nv2;
			vars[nv].name = xmlStrdup(c->name);
			vars[nv].value = xmlNodeGetContent(c);
			nv++;
		}
	} else if (ok) {
		for (int i = 1; i + 1 < nargs && ok; i += 2, nv++) {
			vars[nv].name = arg_string(a[i]);
			vars[nv].value = arg_string(a[i + 1]);
			ok = vars[nv].name != NULL;
		}
	}
	free_args(a, nargs);
	free(a);
	xmlChar *r = ok ? template_expand((char *)t, vars, nv, lazy) : NULL;
	for (int i = 0; i < nv; i++) {
		xmlFree(vars[i].name);
		xmlFree(vars[i].value);
	}
	free(vars);
	xmlFree(t);
	if (r == NULL)
		FAIL(ctxt, d, fault,
		     "%s: a template with {var} or {var=default} and an "
		     "element of name/value children or name/value pairs "
		     "expected",
		     lazy ? "expand-template" : "compose-url");
	valuePush(ctxt, xmlXPathWrapString(r));
}

static void fn_compose_url(xmlXPathParserContextPtr ctxt, int nargs)
{
	compose(ctxt, nargs, false, ODE_FAULT("composeUrlInvalidSource"));
}

static void fn_expand_template(xmlXPathParserContextPtr ctxt, int nargs)
{
	compose(ctxt, nargs, true, ODE_FAULT("expandTemplateInvalidSource"));
}

/* ---- dom-to-string ------------------------------------------------------ */

/* ode:dom-to-string($element): the element serialised, the namespaces it
 * uses declared on it. */
static void fn_dom_to_string(xmlXPathParserContextPtr ctxt, int nargs)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs != 1)
		FAIL(ctxt, d, ODE_FAULT("domToStringInvalidSource"),
		     "dom-to-string takes 1 argument, not %d", nargs);
	xmlXPathObjectPtr a = valuePop(ctxt);
	xmlNodePtr e = arg_elem(a, true, false);
	xmlNodePtr c = e != NULL ? copy_to_scratch(d, e) : NULL;
	xmlXPathFreeObject(a);
	if (c == NULL)
		FAIL(ctxt, d, "xsltInvalidSource",
		     "dom-to-string must be passed a single element node");
	xmlBufferPtr buf = xmlBufferCreate();
	if (buf == NULL || xmlNodeDump(buf, c->doc, c, 0, 0) < 0) {
		xmlBufferFree(buf);
		FAIL(ctxt, d, "subLanguageExecutionFault", "out of memory");
	}
	valuePush(ctxt, xmlXPathNewString(xmlBufferContent(buf)));
	xmlBufferFree(buf);
}

/* ---- the node functions --------------------------------------------------- */

/* insert-before(($context,)? $children, $siblings) and insert-after: a
 * copy of the parent of $children with copies of $siblings before the
 * first (after the last) of them. */
static void insert_sibling(xmlXPathParserContextPtr ctxt, int nargs, bool after)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	const char *fault = after ? ODE_FAULT("insertAfterInvalidSource")
				  : ODE_FAULT("insertBeforeInvalidSource");
	if (nargs < 2 || nargs > 3)
		FAIL(ctxt, d, fault, "insert-%s takes 2 or 3 arguments",
		     after ? "after" : "before");
	xmlXPathObjectPtr a[3];
	pop_args(ctxt, nargs, a);
	xmlXPathObjectPtr kids = a[nargs - 2], sibs = a[nargs - 1];
	xmlNodePtr target = arg_elem(kids, false, after);
	xmlNodePtr parent = target != NULL ? target->parent : NULL;
	xmlNodePtr pc = NULL, ref = NULL;
	int rc = -1;
	if (parent == NULL || parent->type != XML_ELEMENT_NODE) {
		brt__dx_fault(d, "selectionFailure",
			      "insert-%s must be passed element nodes that "
			      "have a parent element",
			      after ? "after" : "before");
	} else if ((pc = copy_to_scratch(d, parent)) != NULL) {
		ref = same_child(parent, target, pc);
		if (after && ref != NULL)
			ref = ref->next;
		rc = insert_copies(pc, ref, sibs);
		if (rc < 0)
			brt__dx_fault(d, "subLanguageExecutionFault",
				      "out of memory");
	} else {
		brt__dx_fault(d, "subLanguageExecutionFault", "out of memory");
	}
	free_args(a, nargs);
	if (rc < 0) {
		xmlXPathErr(ctxt, XPATH_EXPR_ERROR);
		return;
	}
	push_node(ctxt, pc);
}

static void fn_insert_before(xmlXPathParserContextPtr ctxt, int nargs)
{
	insert_sibling(ctxt, nargs, false);
}

static void fn_insert_after(xmlXPathParserContextPtr ctxt, int nargs)
{
	insert_sibling(ctxt, nargs, true);
}

/* insert-as-first-into($target, $children) and insert-as-last-into: a copy
 * of $target with copies of $children first (last) in it. */
static void insert_into(xmlXPathParserContextPtr ctxt, int nargs, bool last)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs != 2)
		FAIL(ctxt, d,
		     last ? ODE_FAULT("insertAsLastIntoInvalidSource")
			  : ODE_FAULT("insertAsFirstIntoInvalidSource"),
		     "insert-as-%s-into takes 2 arguments, not %d",
		     last ? "last" : "first", nargs);
	xmlXPathObjectPtr a[2];
	pop_args(ctxt, 2, a);
	xmlNodePtr target = arg_elem(a[0], true, false);
	xmlNodePtr tc = target != NULL ? copy_to_scratch(d, target) : NULL;
	int rc = -1;
	if (target == NULL)
		brt__dx_fault(d, "selectionFailure",
			      "insert-as-%s-into must be passed a single "
			      "element node",
			      last ? "last" : "first");
	else if (tc == NULL ||
		 (rc = insert_copies(tc, last ? NULL : tc->children, a[1])) < 0)
		brt__dx_fault(d, "subLanguageExecutionFault", "out of memory");
	free_args(a, 2);
	if (rc < 0) {
		xmlXPathErr(ctxt, XPATH_EXPR_ERROR);
		return;
	}
	push_node(ctxt, tc);
}

static void fn_insert_first(xmlXPathParserContextPtr ctxt, int nargs)
{
	insert_into(ctxt, nargs, false);
}

static void fn_insert_last(xmlXPathParserContextPtr ctxt, int nargs)
{
	insert_into(ctxt, nargs, true);
}

/* delete(($context,)? $children): a copy of the parent of $children (all
 * of one parent) without them. */
static void fn_delete(xmlXPathParserContextPtr ctxt, int nargs)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs < 1 || nargs > 2)
		FAIL(ctxt, d, ODE_FAULT("deleteInvalidSource"),
		     "delete takes 1 or 2 arguments, not %d", nargs);
	xmlXPathObjectPtr a[2];
	pop_args(ctxt, nargs, a);
	xmlXPathObjectPtr del = a[nargs - 1];
	xmlNodeSetPtr ns = del != NULL && (del->type == XPATH_NODESET ||
					   del->type == XPATH_XSLT_TREE)
				   ? del->nodesetval
				   : NULL;
	xmlNodePtr parent = NULL;
	bool ok = ns != NULL && ns->nodeNr > 0;
	for (int i = 0; ok && i < ns->nodeNr; i++) {
		xmlNodePtr n = ns->nodeTab[i];
		ok = n->type != XML_ATTRIBUTE_NODE &&
		     n->type != XML_NAMESPACE_DECL && n->parent != NULL &&
		     n->parent->type == XML_ELEMENT_NODE &&
		     (parent == NULL || n->parent == parent);
		parent = n->parent;
	}
	xmlNodePtr pc = NULL;
	int rc = -1;
	if (!ok) {
		brt__dx_fault(d, "selectionFailure",
			      "delete must be passed nodes that have the same "
			      "parent element");
	} else if ((pc = copy_to_scratch(d, parent)) == NULL) {
		brt__dx_fault(d, "subLanguageExecutionFault", "out of memory");
	} else {
		/* Find every copy first: removing shifts nothing then. */
		xmlNodePtr *gone = calloc((size_t)ns->nodeNr, sizeof *gone);
		if (gone != NULL) {
			for (int i = 0; i < ns->nodeNr; i++)
				gone[i] =
					same_child(parent, ns->nodeTab[i], pc);
			for (int i = 0; i < ns->nodeNr; i++)
				if (gone[i] != NULL) {
					xmlUnlinkNode(gone[i]);
					xmlFreeNode(gone[i]);
					for (int j = i + 1; j < ns->nodeNr; j++)
						if (gone[j] == gone[i])
							gone[j] = NULL;
				}
			free(gone);
			rc = 0;
		} else {
			brt__dx_fault(d, "subLanguageExecutionFault",
				      "out of memory");
		}
	}
	free_args(a, nargs);
	if (rc < 0) {
		xmlXPathErr(ctxt, XPATH_EXPR_ERROR);
		return;
	}
	push_node(ctxt, pc);
}

/* A name argument of rename: an element (its name) or a string
 * 'prefix:local' whose prefix is declared where `at` is. */
static bool name_arg(xmlXPathObjectPtr o, xmlNodePtr at, xmlChar **ns,
		     xmlChar **prefix, xmlChar **local)
{
	*ns = *prefix = *local = NULL;
	xmlNodePtr e = (o->type == XPATH_NODESET || o->type == XPATH_XSLT_TREE)
			       ? arg_elem(o, true, false)
			       : NULL;
	if (e != NULL) {
		*local = xmlStrdup(e->name);
		if (e->ns != NULL) {
			*ns = xmlStrdup(e->ns->href);
			*prefix = e->ns->prefix ? xmlStrdup(e->ns->prefix)
						: NULL;
		}
		return *local != NULL;
	}
	xmlChar *s = arg_string(o);
	if (s == NULL)
		return false;
	const xmlChar *colon = xmlStrchr(s, ':');
	*local = xmlStrdup(colon != NULL ? colon + 1 : s);
	if (colon != NULL)
		*prefix = xmlStrndup(s, (int)(colon - s));
	xmlNsPtr found = xmlSearchNs(at->doc, at, *prefix);
	if (found != NULL)
		*ns = xmlStrdup(found->href);
	xmlFree(s);
	return *local != NULL && xmlValidateNCName(*local, 0) == 0 &&
	       (*prefix == NULL || *ns != NULL);
}

/* rename($target, $name, $type?): a copy of the parent of $target in
 * which $target is named $name (its content kept), with xsi:type=$type
 * when given. */
static void fn_rename(xmlXPathParserContextPtr ctxt, int nargs)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs < 2 || nargs > 3)
		FAIL(ctxt, d, ODE_FAULT("renameInvalidSource"),
		     "rename takes 2 or 3 arguments, not %d", nargs);
	xmlXPathObjectPtr a[3];
	pop_args(ctxt, nargs, a);
	xmlNodePtr target = arg_elem(a[0], true, false);
	xmlNodePtr parent = target != NULL ? target->parent : NULL;
	xmlChar *ns = NULL, *pfx = NULL, *local = NULL;
	xmlChar *tns = NULL, *tpfx = NULL, *tlocal = NULL;
	xmlNodePtr pc = NULL;
	int rc = -1;
	if (parent == NULL || parent->type != XML_ELEMENT_NODE ||
	    !name_arg(a[1], target, &ns, &pfx, &local) ||
	    (nargs == 3 && !name_arg(a[2], target, &tns, &tpfx, &tlocal))) {
		brt__dx_fault(d, "selectionFailure",
			      "rename must be passed a single element node "
			      "with a parent and names whose prefixes are "
			      "declared");
	} else if ((pc = copy_to_scratch(d, parent)) != NULL) {
		xmlNodePtr t = same_child(parent, target, pc);
		xmlNsPtr n = ns != NULL ? xmlSearchNsByHref(pc->doc, t, ns)
					: NULL;
		if (ns != NULL && n == NULL)
			n = xmlNewNs(t, ns, pfx);
		xmlNodeSetName(t, local);
		xmlSetNs(t, n);
		rc = 0;
		if (nargs == 3) {
			xmlNsPtr xsi =
				xmlSearchNsByHref(pc->doc, t, BAD_CAST NS_XSI);
			if (xsi == NULL)
				xsi = xmlNewNs(t, BAD_CAST NS_XSI,
					       BAD_CAST "xsi");
			xmlNsPtr tn =
				tns != NULL ? xmlSearchNsByHref(pc->doc, t, tns)
					    : NULL;
			if (tns != NULL && tn == NULL)
				tn = xmlNewNs(t, tns, tpfx);
			xmlChar *v = tn != NULL && tn->prefix != NULL
					     ? xmlBuildQName(tlocal, tn->prefix,
							     NULL, 0)
					     : xmlStrdup(tlocal);
			if (xsi == NULL || v == NULL ||
			    xmlSetNsProp(t, xsi, BAD_CAST "type", v) == NULL)
				rc = -1;
			xmlFree(v);
		}
		if (rc < 0)
			brt__dx_fault(d, "subLanguageExecutionFault",
				      "out of memory");
	} else {
		brt__dx_fault(d, "subLanguageExecutionFault", "out of memory");
	}
	xmlFree(ns);
	xmlFree(pfx);
	xmlFree(local);
	xmlFree(tns);
	xmlFree(tpfx);
	xmlFree(tlocal);
	free_args(a, nargs);
	if (rc < 0) {
		xmlXPathErr(ctxt, XPATH_EXPR_ERROR);
		return;
	}
	push_node(ctxt, pc);
}

/* ---- process-property ------------------------------------------------------- */

/* ode:process-property($name): the content of deploy.xml's <property> of
 * that QName: its element, or its text; empty when there is none. */
static void fn_process_property(xmlXPathParserContextPtr ctxt, int nargs)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs != 1)
		FAIL(ctxt, d, ODE_FAULT("processPropertyInvalidSource"),
		     "process-property takes 1 argument, not %d", nargs);
	xmlXPathObjectPtr a = valuePop(ctxt);
	xmlChar *qn = arg_string(a);
	xmlXPathFreeObject(a);
	if (qn == NULL)
		FAIL(ctxt, d, "selectionFailure",
		     "process-property must be passed a QName");
	const xmlChar *colon = xmlStrchr(qn, ':');
	const xmlChar *local = colon != NULL ? colon + 1 : qn;
	const xmlChar *uri = NULL;
	if (colon != NULL) {
		xmlChar *prefix = xmlStrndup(qn, (int)(colon - qn));
		uri = xmlXPathNsLookup(ctxt->context, prefix);
		xmlFree(prefix);
	}
	const struct brt_process_prop *found = NULL;
	for (int i = 0; i < d->proc->nprocess_props && !found; i++) {
		const struct brt_qname *q = &d->proc->process_props[i].name;
		if (xmlStrEqual(BAD_CAST q->local, local) &&
		    xmlStrEqual(BAD_CAST(q->ns ? q->ns : ""),
				uri != NULL ? uri : BAD_CAST ""))
			found = &d->proc->process_props[i];
	}
	xmlFree(qn);
	if (found == NULL) {
		valuePush(ctxt, xmlXPathNewNodeSet(NULL));
		return;
	}
	const char *xml = found->xml != NULL ? found->xml : "";
	const char *p = xml;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '<') {
		valuePush(ctxt, xmlXPathNewString(BAD_CAST xml));
		return;
	}
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
				      XML_PARSE_NONET);
	if (doc == NULL || brt__data_scratch_add(d->prep, doc) < 0) {
		xmlFreeDoc(doc);
		FAIL(ctxt, d, "subLanguageExecutionFault",
		     "process property '%s' is not well-formed",
		     found->name.local);
	}
	push_node(ctxt, xmlDocGetRootElement(doc));
}

/* ---- xdt: durations ------------------------------------------------------- */

/* xs:duration's lexical form restricted to days and time (dayTime) or to
 * years and months (yearMonth). */
static bool duration_ok(const char *s, bool day_time)
{
	const char *p = s;
	if (*p == '-')
		p++;
	if (*p++ != 'P')
		return false;
	bool any = false, in_time = false;
	const char *order = day_time ? "DTHMS" : "YM";
	const char *at = order;
	while (*p) {
		if (*p == 'T' && day_time && !in_time) {
			in_time = true;
			at = strchr(order, 'T') + 1;
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			continue;
		}
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
		bool frac = false;
		if (*p == '.') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			while (isdigit((unsigned char)*p))
				p++;
			frac = true;
		}
		const char *u = strchr(at, *p);
		if (*p == '\0' || u == NULL || (frac && *p != 'S') ||
		    (*p == 'D' && in_time) ||
		    ((*p == 'H' || *p == 'S') && !in_time) ||
		    (*p == 'M' && day_time && !in_time))
			return false;
		at = u + 1;
		any = true;
		p++;
	}
	return any;
}

static void duration(xmlXPathParserContextPtr ctxt, int nargs, bool day_time)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	const char *name = day_time ? "dayTimeDuration" : "yearMonthDuration";
	if (nargs != 1)
		FAIL(ctxt, d,
		     day_time
			     ? ODE_FAULT("dayTimeDurationPropertyInvalidSource")
			     : ODE_FAULT(
				       "yearMonthDurationPropertyInvalidSource"),
		     "%s takes 1 argument, not %d", name, nargs);
	xmlXPathObjectPtr a = valuePop(ctxt);
	xmlChar *s = arg_string(a);
	xmlXPathFreeObject(a);
	if (s == NULL || !duration_ok((char *)s, day_time)) {
		brt__dx_fault(d, "invalidExpressionValue",
			      "%s: '%s' is not a valid value", name,
			      s != NULL ? (char *)s : "");
		xmlFree(s);
		xmlXPathErr(ctxt, XPATH_EXPR_ERROR);
		return;
	}
	valuePush(ctxt, xmlXPathWrapString(s));
}

static void fn_day_time_duration(xmlXPathParserContextPtr ctxt, int nargs)
{
	duration(ctxt, nargs, true);
}

static void fn_year_month_duration(xmlXPathParserContextPtr ctxt, int nargs)
{
	duration(ctxt, nargs, false);
}

/* ---- bpws:getVariableData ------------------------------------------------ */

/* getVariableData('var', 'part'?, 'locationPath'?): the variable (its
 * part), or the node the location path selects from it (BPEL4WS 1.1,
 * which ODE kept for migrated processes). The path is relative to the
 * part's (variable's) element, or absolute from a document whose root
 * that element is, and uses the expression's namespaces. */
static void fn_get_variable_data(xmlXPathParserContextPtr ctxt, int nargs)
{
	struct brt_dctx *d = brt__xpath_dctx(ctxt);
	if (nargs < 1 || nargs > 3)
		FAIL(ctxt, d, "subLanguageExecutionFault",
		     "getVariableData takes 1 to 3 arguments, not %d", nargs);
	xmlChar *s[3] = { NULL, NULL, NULL };
	for (int i = nargs - 1; i >= 0; i--)
		s[i] = xmlXPathPopString(ctxt);
	int var = s[0] != NULL ? brt__dx_var_by_name(d, s[0]) : -1;
	const struct brt_variable *v = var >= 0 ? &d->proc->vars[var] : NULL;
	int part = -1;
	xmlNodePtr node = NULL;
	if (v == NULL) {
		brt__dx_fault(d, "subLanguageExecutionFault",
			      "getVariableData: no variable '%s'",
			      s[0] != NULL ? (char *)s[0] : "");
	} else if (nargs >= 2 && v->kind == BRT_VAR_MESSAGE &&
		   (part = brt__data_part_index(v->message, (char *)s[1])) <
			   0) {
		brt__dx_fault(d, "subLanguageExecutionFault",
			      "getVariableData: variable '%s' has no part "
			      "'%s'",
			      v->name, (char *)s[1]);
	} else {
		xmlNodePtr root;
		xmlDocPtr *slot = brt__dx_value(d, var, "read", &root);
		node = slot == NULL ? NULL
		       : part >= 0  ? brt__dx_part(d, var, part, *slot)
				    : root;
		/* A part's element is the node; a type part's wrapper
		 * carries its value as content, as in BPEL4WS 1.1. */
		if (node != NULL && part >= 0 &&
		    v->message->parts[part].element.local != NULL &&
		    node->type == XML_ELEMENT_NODE &&
		    !xmlStrEqual(
			    node->name,
			    BAD_CAST v->message->parts[part].element.local)) {
			xmlNodePtr c = node->children;
			while (c != NULL && c->type != XML_ELEMENT_NODE)
				c = c->next;
			if (c != NULL)
				node = c;
		}
	}
	xmlXPathObjectPtr r = NULL;
	if (node != NULL && nargs == 3) {
		/* BPEL4WS 1.1 paths are absolute ('/ns:order/ns:id') from
		 * the part's own document: query a copy rooted at it. */
		xmlNodePtr root = copy_to_scratch(d, node);
		xmlXPathContextPtr xp = ctxt->context;
		xmlXPathContext saved = *xp; /* a nested evaluation */
		xp->node = root;
		xp->doc = root != NULL ? root->doc : NULL;
		r = root != NULL ? xmlXPathEval(s[2], xp) : NULL;
		*xp = saved;
		if (r == NULL ||
		    (r->type == XPATH_NODESET &&
		     (r->nodesetval == NULL || r->nodesetval->nodeNr != 1))) {
			brt__dx_fault(d, "selectionFailure",
				      "getVariableData: '%s' selects %d nodes, "
				      "not one",
				      (char *)s[2],
				      r != NULL && r->nodesetval != NULL
					      ? r->nodesetval->nodeNr
					      : 0);
			xmlXPathFreeObject(r);
			r = NULL;
		}
	} else if (node != NULL) {
		r = xmlXPathNewNodeSet(node);
	}
	for (int i = 0; i < 3; i++)
		xmlFree(s[i]);
	if (r == NULL) {
		xmlXPathErr(ctxt, XPATH_EXPR_ERROR);
		return;
	}
	valuePush(ctxt, r);
}

/* ---- variables ------------------------------------------------------------ */

xmlXPathObjectPtr brt__xpath_ode_var(struct brt_dctx *d, const xmlChar *name)
{
	if (xmlStrEqual(name, BAD_CAST "pid"))
		return xmlXPathNewFloat((double)d->instance_id);
	if (xmlStrEqual(name, BAD_CAST "processQName")) {
		char buf[1024];
		const struct brt_qname *q = &d->proc->qname;
		snprintf(buf, sizeof buf, "{%s}%s", q->ns ? q->ns : "",
			 q->local ? q->local : "");
		return xmlXPathNewString(BAD_CAST buf);
	}
	if (xmlStrEqual(name, BAD_CAST "currentEventDateTime")) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		struct tm tm;
		gmtime_r(&ts.tv_sec, &tm);
		char buf[64];
		snprintf(buf, sizeof buf,
			 "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			 tm.tm_hour, tm.tm_min, tm.tm_sec,
			 ts.tv_nsec / 1000000);
		return xmlXPathNewString(BAD_CAST buf);
	}
	return NULL;
}

/* ---- registration ----------------------------------------------------------- */

static const struct {
	const char *ns, *name;
	xmlXPathFunction fn;
} ode_functions[] = {
	{ NS_ODE, "split-to-elements", fn_split },
	{ NS_ODE, "splitToElements", fn_split },
	{ NS_ODE, "combine-url", fn_combine_url },
	{ NS_ODE, "combineUrl", fn_combine_url },
	{ NS_ODE, "compose-url", fn_compose_url },
	{ NS_ODE, "composeUrl", fn_compose_url },
	{ NS_ODE, "expand-template", fn_expand_template },
	{ NS_ODE, "expandTemplate", fn_expand_template },
	{ NS_ODE, "dom-to-string", fn_dom_to_string },
	{ NS_ODE, "domToString", fn_dom_to_string },
	{ NS_ODE, "insert-before", fn_insert_before },
	{ NS_ODE, "insert-after", fn_insert_after },
	{ NS_ODE, "insert-as-first-into", fn_insert_first },
	{ NS_ODE, "insert-as-last-into", fn_insert_last },
	{ NS_ODE, "delete", fn_delete },
	{ NS_ODE, "rename", fn_rename },
	{ NS_ODE, "process-property", fn_process_property },
	{ NS_XDT, "dayTimeDuration", fn_day_time_duration },
	{ NS_XDT, "yearMonthDuration", fn_year_month_duration },
	{ BRT_NS_BPEL, "getVariableData", fn_get_variable_data },
	{ NS_BPEL_DRAFT, "getVariableData", fn_get_variable_data },
};

const char *const brt__ode_ns = NS_ODE;

int brt__xpath_ode_setup(xmlXPathContextPtr xp)
{
	for (size_t i = 0; i < sizeof ode_functions / sizeof *ode_functions;
	     i++)
		if (xmlXPathRegisterFuncNS(xp, BAD_CAST ode_functions[i].name,
					   BAD_CAST ode_functions[i].ns,
					   ode_functions[i].fn) != 0)
			return BRT_ENOMEM;
	return 0;
}
