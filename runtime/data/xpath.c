/*
 * xpath.c — XPath 1.0 evaluation with BPEL variables and functions.
 *
 * Expressions were compiled once by data.c; here they run on the one
 * reusable xmlXPathContext of the runtime. `$name` is resolved through the
 * expression's refs to a variable slot and shaped as semantics.md §4 says
 * (element → node-set of the element, complex type → the wrapper element,
 * simple type → an atomic number/boolean/string). The functions
 * bpel:getVariableProperty and bpel:doXslTransform are registered in
 * BRT_NS_BPEL. Not here: <copy> (copy.c), message values (message.c).
 *
 * Evaluation may nest (getVariableProperty evaluates an alias query while
 * its caller's expression runs), so every evaluation saves and restores
 * the context fields it sets.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>
#include <libxslt/transform.h>
#include <libxslt/documents.h>
#include <libxslt/security.h>
#include <libxslt/variables.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "data.h"
#include "internal.h"

/* What one evaluation hands to callbacks through xp->userData. */
struct evalstate {
	struct brt_dctx *d;
	char msg[160]; /* libxml2's message for the first error */
	bool seen;
	char gen[160]; /* its first generic message (names the function) */
};

/* libxml2 reports some evaluation errors only through its generic error
 * channel, which prints to stderr outside the log format ("function nosuch
 * not found"). While an expression runs that channel writes into the
 * evaluation's state instead, and the text becomes part of the fault's
 * reason, which the service logs. */
static void eval_generic_cb(void *arg, const char *fmt, ...)
{
	struct evalstate *es = arg;
	if (es == NULL || es->gen[0] != '\0')
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(es->gen, sizeof es->gen, fmt, ap);
	va_end(ap);
	size_t n = strlen(es->gen);
	while (n > 0 && (es->gen[n - 1] == '\n' || es->gen[n - 1] == ' '))
		es->gen[--n] = '\0';
}

const char *brt__xpath_error_text(const xmlError *e)
{
	if (e->message != NULL)
		return e->message;
	/* libxml2 hands XPath errors to a context's handler with the code
	 * only; its own texts for them */
	switch (e->code) {
	case XML_XPATH_NUMBER_ERROR:
		return "invalid number";
	case XML_XPATH_UNFINISHED_LITERAL_ERROR:
		return "unfinished string literal";
	case XML_XPATH_START_LITERAL_ERROR:
		return "expected a string literal";
	case XML_XPATH_VARIABLE_REF_ERROR:
		return "invalid variable reference";
	case XML_XPATH_UNDEF_VARIABLE_ERROR:
		return "undefined variable";
	case XML_XPATH_INVALID_PREDICATE_ERROR:
		return "invalid predicate";
	case XML_XPATH_EXPR_ERROR:
		return "invalid expression";
	case XML_XPATH_UNCLOSED_ERROR:
		return "missing ')' or ']'";
	case XML_XPATH_UNKNOWN_FUNC_ERROR:
		return "unregistered function";
	case XML_XPATH_INVALID_OPERAND:
		return "invalid operand";
	case XML_XPATH_INVALID_TYPE:
		return "invalid type";
	case XML_XPATH_INVALID_ARITY:
		return "invalid number of arguments";
	case XML_XPATH_UNDEF_PREFIX_ERROR:
		return "undefined namespace prefix";
	case XML_XPATH_INVALID_CHAR_ERROR:
		return "invalid character";
	default:
		return "XPath error";
	}
}

static void eval_err_cb(void *arg, xmlErrorPtr e)
{
	struct evalstate *es = arg;
	if (es == NULL || es->seen || e == NULL)
		return;
	es->seen = true;
	snprintf(es->msg, sizeof es->msg, "%s", brt__xpath_error_text(e));
	size_t n = strlen(es->msg);
	while (n > 0 && (es->msg[n - 1] == '\n' || es->msg[n - 1] == ' '))
		es->msg[--n] = '\0';
}

static xmlXPathObjectPtr nodeset(xmlNodePtr n)
{
	return xmlXPathNewNodeSet(n);
}

/* A simple value as XPath sees it: kind picks number, boolean or string. */
static xmlXPathObjectPtr typed_value(xmlNodePtr n, enum brt_xsd_kind kind)
{
	if (kind == BRT_XSD_COMPLEX)
		return nodeset(n);
	xmlChar *text = xmlNodeGetContent(n);
	xmlXPathObjectPtr o = NULL;
	switch (kind) {
	case BRT_XSD_NUMBER:
		o = xmlXPathNewFloat(brt__xsd_number(text));
		break;
	case BRT_XSD_BOOLEAN: {
		xmlChar *t = brt__data_normalize(text);
		o = xmlXPathNewBoolean(t != NULL &&
				       (xmlStrEqual(t, BAD_CAST "true") ||
					xmlStrEqual(t, BAD_CAST "1")));
		xmlFree(t);
		break;
	}
	default:
		o = xmlXPathNewString(text != NULL ? text : BAD_CAST "");
		break;
	}
	xmlFree(text);
	return o;
}

/* The XPath value of variable var (part: -1 or a part index). */
static xmlXPathObjectPtr var_value(struct brt_dctx *d, int var, int part)
{
	const struct brt_variable *v = &d->proc->vars[var];
	xmlNodePtr root;
	xmlDocPtr *slot = brt__dx_value(d, var, "read", &root);
	if (slot == NULL)
		return NULL;
	if (v->kind == BRT_VAR_ELEMENT)
		return nodeset(root);
	if (v->kind == BRT_VAR_TYPE)
		return typed_value(root, v->xsd);
	if (part < 0 || v->message == NULL || part >= v->message->nparts)
		return nodeset(root);
	const struct brt_part *pt = &v->message->parts[part];
	xmlNodePtr val = brt__dx_part(d, var, part, *slot);
	if (val == NULL)
		return NULL;
	if (pt->element.local != NULL)
		return nodeset(val);
	return typed_value(val, pt->kind);
}

/* A joinCondition's `$link`: the link's status as a boolean. */
static xmlXPathObjectPtr link_value(struct brt_dctx *d,
				    const struct brt_expr *e, int link)
{
	int st = d->link != NULL ? d->link(d->arg, link) : -1;
	if (st < 0) {
		brt__dx_fault(d, "subLanguageExecutionFault",
			      "%s:%d: link %d has no status", e->file, e->line,
			      link);
		return NULL;
	}
	return xmlXPathNewBoolean(st);
}

static xmlXPathObjectPtr var_lookup(void *arg, const xmlChar *name,
				    const xmlChar *ns_uri)
{
	struct brt_dctx *d = arg;
	if (d == NULL || d->expr < 0)
		return NULL;
	const struct brt_expr *e = &d->proc->exprs[d->expr];
	if (ns_uri == NULL) {
		for (int i = 0; i < e->nrefs; i++) {
			if (!xmlStrEqual(BAD_CAST e->refs[i].name, name))
				continue;
			if (e->refs[i].is_link)
				return link_value(d, e, e->refs[i].var);
			return var_value(d, e->refs[i].var, e->refs[i].part);
		}
	} else if (d->proc->ode && xmlStrEqual(ns_uri, BAD_CAST brt__ode_ns)) {
		xmlXPathObjectPtr o = brt__xpath_ode_var(d, name);
		if (o != NULL)
			return o;
	}
	brt__dx_fault(d, "subLanguageExecutionFault",
		      "%s:%d: unknown variable $%s", e->file, e->line,
		      (const char *)name);
	return NULL;
}

/* ---- aliases and properties ------------------------------------------------ */

static bool qname_eq(const struct brt_qname *a, const struct brt_qname *b)
{
	if (a->local == NULL || b->local == NULL)
		return false;
	if (strcmp(a->local, b->local) != 0)
		return false;
	const char *x = a->ns != NULL ? a->ns : "";
	const char *y = b->ns != NULL ? b->ns : "";
	return strcmp(x, y) == 0;
}

const struct brt_alias *brt__find_alias(const struct brt_process *p, int prop,
					const struct brt_message *m,
					const struct brt_qname *elem,
					const struct brt_qname *type, int *part)
{
	*part = -1;
	for (int i = 0; m != NULL && i < p->naliases; i++) {
		const struct brt_alias *a = &p->aliases[i];
		if (a->property != prop || a->message == NULL ||
		    !brt__data_same_message(a->message, m))
			continue;
		*part = brt__data_part_index(m, a->part);
		if (*part >= 0)
			return a;
	}
	/* Element and type aliases also apply to the parts of a message. */
	for (int i = 0; i < p->naliases; i++) {
		const struct brt_alias *a = &p->aliases[i];
		if (a->property != prop || a->message != NULL)
			continue;
		if (m == NULL) {
			if ((elem != NULL && qname_eq(&a->element, elem)) ||
			    (type != NULL && qname_eq(&a->type, type)))
				return a;
			continue;
		}
		for (int j = 0; j < m->nparts; j++) {
			if (qname_eq(&a->element, &m->parts[j].element) ||
			    qname_eq(&a->type, &m->parts[j].type)) {
				*part = j;
				return a;
			}
		}
	}
	return NULL;
}

int brt__dx_alias_apply(struct brt_dctx *d, const struct brt_alias *a,
			xmlNodePtr ctx, xmlNodePtr *node, xmlChar **str)
{
	*node = NULL;
	*str = NULL;
	if (a->query < 0) {
		*node = ctx;
		return 0;
	}
	xmlXPathObjectPtr r = brt__dx_eval(d, a->query, ctx);
	if (r == NULL)
		return BRT_EFAULT;
	int rc = 0;
	if (r->type == XPATH_NODESET || r->type == XPATH_XSLT_TREE) {
		int n = r->nodesetval != NULL ? r->nodesetval->nodeNr : 0;
		if (n == 1)
			*node = r->nodesetval->nodeTab[0];
		else
			rc = brt__dx_fault(d, "selectionFailure",
					   "property alias query '%s' selects "
					   "%d nodes, not one",
					   d->proc->exprs[a->query].text, n);
	} else {
		*str = brt__xpath_string(r);
	}
	xmlXPathFreeObject(r);
	return rc;
}

int brt__dx_var_property(struct brt_dctx *d, int var, int prop,
			 xmlNodePtr *node, xmlChar **str)
{
	*node = NULL;
	*str = NULL;
	const struct brt_variable *v = &d->proc->vars[var];
	const char *pname = d->proc->properties[prop].name.local;
	xmlNodePtr root;
	xmlDocPtr *slot = brt__dx_value(d, var, "read", &root);
	if (slot == NULL)
		return BRT_EFAULT;
	int part = -1;
	const struct brt_alias *a = NULL;
	xmlNodePtr ctx = root;
	if (v->kind == BRT_VAR_MESSAGE) {
		a = brt__find_alias(d->proc, prop, v->message, NULL, NULL,
				    &part);
		if (a != NULL) {
			ctx = brt__dx_part(d, var, part, *slot);
			if (ctx == NULL)
				return BRT_EFAULT;
		}
	} else {
		a = brt__find_alias(
			d->proc, prop, NULL,
			v->kind == BRT_VAR_ELEMENT ? &v->element : NULL,
			v->kind == BRT_VAR_TYPE ? &v->type : NULL, &part);
	}
	if (a == NULL)
		return brt__dx_fault(d, "selectionFailure",
				     "no property alias of '%s' for variable "
				     "'%s'",
				     pname, v->name);
	return brt__dx_alias_apply(d, a, ctx, node, str);
}

/* ---- BPEL functions ----------------------------------------------------------- */

/* The variable called `name` as seen by the expression being evaluated:
 * its refs first (the compiler binds the literal first argument of
 * getVariableProperty there when it can), else the one declaration of
 * that name whose storage the strand can reach, innermost first. */
int brt__dx_var_by_name(struct brt_dctx *d, const xmlChar *name)
{
	if (d->expr >= 0) {
		const struct brt_expr *e = &d->proc->exprs[d->expr];
		for (int i = 0; i < e->nrefs; i++)
			if (e->refs[i].part < 0 &&
			    xmlStrEqual(BAD_CAST e->refs[i].name, name))
				return e->refs[i].var;
	}
	int found = -1, nfound = 0;
	for (int i = 0; i < d->proc->nvars; i++)
		if (xmlStrEqual(BAD_CAST d->proc->vars[i].name, name)) {
			found = i;
			nfound++;
		}
	if (nfound <= 1)
		return found;
	for (int i = d->proc->nvars - 1; i >= 0; i--)
		if (xmlStrEqual(BAD_CAST d->proc->vars[i].name, name) &&
		    d->slot != NULL && d->slot(d->arg, i) != NULL)
			return i;
	return -1;
}

static int property_by_qname(struct brt_dctx *d, xmlXPathContextPtr xp,
			     const xmlChar *qn)
{
	const xmlChar *colon = xmlStrchr(qn, ':');
	const xmlChar *local = colon != NULL ? colon + 1 : qn;
	const xmlChar *uri = NULL;
	if (colon != NULL) {
		xmlChar *prefix = xmlStrndup(qn, (int)(colon - qn));
		uri = xmlXPathNsLookup(xp, prefix);
		xmlFree(prefix);
		if (uri == NULL)
			return -1;
	}
	for (int i = 0; i < d->proc->nproperties; i++) {
		const struct brt_qname *q = &d->proc->properties[i].name;
		const char *ns = q->ns != NULL ? q->ns : "";
		if (xmlStrEqual(BAD_CAST q->local, local) &&
		    xmlStrEqual(BAD_CAST ns, uri != NULL ? uri : BAD_CAST ""))
			return i;
	}
	return -1;
}

/* bpel:getVariableProperty('varName', 'ns:property') */
static void fn_get_variable_property(xmlXPathParserContextPtr ctxt, int nargs)
{
	if (nargs != 2)
		XP_ERROR(XPATH_INVALID_ARITY);
	struct evalstate *es = ctxt->context->userData;
	struct brt_dctx *d = es->d;
	xmlChar *pname = xmlXPathPopString(ctxt);
	xmlChar *vname = xmlXPathPopString(ctxt);
	int var = vname != NULL ? brt__dx_var_by_name(d, vname) : -1;
	int prop = pname != NULL ? property_by_qname(d, ctxt->context, pname)
				 : -1;
	xmlNodePtr node = NULL;
	xmlChar *str = NULL;
	int rc = 0;
	if (var < 0)
		rc = brt__dx_fault(d, "subLanguageExecutionFault",
				   "getVariableProperty: no variable '%s'",
				   vname != NULL ? (const char *)vname : "");
	else if (prop < 0)
		rc = brt__dx_fault(d, "subLanguageExecutionFault",
				   "getVariableProperty: no property '%s'",
				   pname != NULL ? (const char *)pname : "");
	else
		rc = brt__dx_var_property(d, var, prop, &node, &str);
	xmlFree(pname);
	xmlFree(vname);
	if (rc < 0) {
		xmlFree(str);
		XP_ERROR(XPATH_EXPR_ERROR);
	}
	if (node != NULL)
		valuePush(ctxt, xmlXPathNewNodeSet(node));
	else
		valuePush(ctxt, xmlXPathWrapString(str));
}

/* ---- bpel:doXslTransform ----------------------------------------------------- */

/* Stylesheets come embedded in the process descriptor (bpelc read them
 * next to the .bpel) and are compiled once at start-up, so the service
 * never reads a file. One that does not compile is kept with sheet NULL:
 * using it is subLanguageExecutionFault; a URI that is not in the table
 * is xsltStylesheetNotFound. */
struct brt_xsl {
	const char *uri; /* the descriptor's */
	xsltStylesheetPtr sheet;
	bool found;    /* the compiler embedded its text */
	char why[160]; /* why sheet is NULL */
};

void brt__xsl_free(struct brt_prepared *pp)
{
	int n = pp->proc != NULL ? pp->proc->nstylesheets : 0;
	for (int i = 0; pp->xsl != NULL && i < n; i++)
		if (pp->xsl[i].sheet != NULL)
			xsltFreeStylesheet(pp->xsl[i].sheet);
	free(pp->xsl);
	pp->xsl = NULL;
}

/* Stylesheets may not reach files or the network (xsl:import, document()). */
static xsltSecurityPrefsPtr xsl_security(void)
{
	xsltSecurityPrefsPtr sec = xsltNewSecurityPrefs();
	if (sec == NULL)
		return NULL;
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_CREATE_DIRECTORY,
			     xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_NETWORK,
			     xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK,
			     xsltSecurityForbid);
	return sec;
}

/*
 * libxslt's document loader, for the whole process: xsl:import and
 * xsl:include are served from the modules bpelc embedded (brt_embed with
 * ns "xsl:import", keyed by the URI libxslt asks for); anything else, and
 * every document() at transform time, is refused. The loader has no
 * argument, so the table being compiled is found here; it is set only
 * while brt__xsl_prepare runs (one runtime compiles at a time).
 */
static const struct brt_process *xsl_loading;

static xmlDocPtr xsl_loader(const xmlChar *uri, xmlDictPtr dict, int options,
			    void *ctxt, xsltLoadType type)
{
	(void)options;
	(void)ctxt;
	const struct brt_process *p = xsl_loading;
	if (type != XSLT_LOAD_STYLESHEET || p == NULL || uri == NULL)
		return NULL;
	for (int i = 0; i < p->nstylesheets; i++) {
		const struct brt_embed *em = &p->stylesheets[i];
		if (em->text == NULL || strcmp(em->uri, (const char *)uri) != 0)
			continue;
		xmlParserCtxtPtr pc = xmlNewParserCtxt();
		if (pc == NULL)
			return NULL;
		/* The stylesheet's names come from its dictionary. */
		if (dict != NULL) {
			if (pc->dict != NULL)
				xmlDictFree(pc->dict);
			pc->dict = dict;
			xmlDictReference(dict);
		}
		xmlDocPtr doc = xmlCtxtReadMemory(
			pc, em->text, (int)strlen(em->text), em->uri, NULL,
			XML_PARSE_NONET | XML_PARSE_NOERROR |
				XML_PARSE_NOWARNING);
		xmlFreeParserCtxt(pc);
		return doc;
	}
	return NULL;
}

/* Parse-time read check: libxslt asks it before the loader for every
 * import and include; only modules bpelc embedded pass (and the loader
 * then serves them from memory). */
static int xsl_read_embedded(xsltSecurityPrefsPtr sec,
			     xsltTransformContextPtr tc, const char *value)
{
	(void)sec;
	(void)tc;
	const struct brt_process *p = xsl_loading;
	for (int i = 0; p != NULL && value != NULL && i < p->nstylesheets; i++)
		if (p->stylesheets[i].text != NULL &&
		    strcmp(p->stylesheets[i].uri, value) == 0)
			return 1;
	return 0;
}

/* Swallows libxslt's messages while stylesheets compile. */
static void xsl_quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int brt__xsl_prepare(struct brt_prepared *pp)
{
	const struct brt_process *p = pp->proc;
	if (p->nstylesheets <= 0)
		return 0;
	pp->xsl = calloc((size_t)p->nstylesheets, sizeof *pp->xsl);
	if (pp->xsl == NULL)
		return BRT_ENOMEM;
	xsltSetGenericErrorFunc(NULL, xsl_quiet);
	/* At parse time too, nothing is read from a file or the network:
	 * the security prefs apply to the default loader, ours serves only
	 * embedded modules. */
	static xsltSecurityPrefsPtr parse_sec;
	if (parse_sec == NULL && (parse_sec = xsl_security()) != NULL) {
		xsltSetSecurityPrefs(parse_sec, XSLT_SECPREF_READ_FILE,
				     xsl_read_embedded);
		xsltSetDefaultSecurityPrefs(parse_sec);
	}
	xsltSetLoaderFunc(xsl_loader);
	xsl_loading = p;
	for (int i = 0; i < p->nstylesheets; i++) {
		const struct brt_embed *em = &p->stylesheets[i];
		struct brt_xsl *x = &pp->xsl[i];
		x->uri = em->uri;
		x->found = em->text != NULL && em->ns == NULL;
		if (!x->found)
			continue; /* missing, or a module of another one */
		xmlDocPtr doc = xmlReadMemory(
			em->text, (int)strlen(em->text), em->uri, NULL,
			XML_PARSE_NONET | XML_PARSE_NOERROR |
				XML_PARSE_NOWARNING);
		if (doc == NULL) {
			snprintf(x->why, sizeof x->why,
				 "stylesheet '%s' is not well-formed XML",
				 em->uri);
			continue;
		}
		x->sheet = xsltParseStylesheetDoc(doc); /* takes doc */
		if (x->sheet == NULL) {
			xmlFreeDoc(doc);
			snprintf(x->why, sizeof x->why,
				 "stylesheet '%s' does not compile", em->uri);
		}
	}
	xsl_loading = NULL;
	xsltSetGenericErrorFunc(NULL, NULL);
	return 0;
}

/* The stylesheet for uri: NULL with the fault recorded when it is
 * missing or broken. */
static xsltStylesheetPtr xsl_get(struct brt_dctx *d, const char *uri)
{
	struct brt_prepared *pp = d->prep;
	int n = pp->xsl != NULL ? d->proc->nstylesheets : 0;
	for (int i = 0; i < n; i++) {
		struct brt_xsl *x = &pp->xsl[i];
		if (strcmp(x->uri, uri) != 0 ||
		    d->proc->stylesheets[i].ns != NULL)
			continue;
		if (!x->found)
			break;
		if (x->sheet == NULL)
			brt__dx_fault(d, "subLanguageExecutionFault",
				      "doXslTransform: %s", x->why);
		return x->sheet;
	}
	brt__dx_fault(d, "xsltStylesheetNotFound",
		      "doXslTransform: no stylesheet '%s' (bpelc embeds the "
		      "ones it finds next to the process)",
		      uri);
	return NULL;
}

/* bpel:doXslTransform('style.xsl', node, ('name', value)*): the result's
 * document, handed to XPath as a value tree that owns it. */
static void fn_do_xsl_transform(xmlXPathParserContextPtr ctxt, int nargs)
{
	if (nargs < 2 || nargs % 2 != 0)
		XP_ERROR(XPATH_INVALID_ARITY);
	struct evalstate *es = ctxt->context->userData;
	struct brt_dctx *d = es->d;
	int nparams = (nargs - 2) / 2;
	/* Arguments come off the stack last first. */
	xmlChar **pv = calloc((size_t)(2 * nparams + 1), sizeof *pv);
	if (pv == NULL)
		XP_ERROR(XPATH_MEMORY_ERROR);
	for (int i = nparams - 1; i >= 0; i--) {
		/* A parameter is passed as its string (numbers written
		 * the XPath way, not libxml2's 2.147483648e+09). */
		xmlXPathObjectPtr val = valuePop(ctxt);
		pv[2 * i + 1] = brt__xpath_string(val);
		xmlXPathFreeObject(val);
		pv[2 * i] = xmlXPathPopString(ctxt);
	}
	xmlXPathObjectPtr src = valuePop(ctxt);
	xmlChar *uri = xmlXPathPopString(ctxt);
	xmlNodePtr in = NULL;
	if (src != NULL &&
	    (src->type == XPATH_NODESET || src->type == XPATH_XSLT_TREE) &&
	    src->nodesetval != NULL && src->nodesetval->nodeNr == 1) {
		in = src->nodesetval->nodeTab[0];
		if (in->type == XML_DOCUMENT_NODE)
			in = xmlDocGetRootElement((xmlDocPtr)in);
		if (in != NULL && in->type != XML_ELEMENT_NODE)
			in = NULL;
	}
	xmlDocPtr out = NULL;
	xsltStylesheetPtr sheet = NULL;
	if (in == NULL) {
		brt__dx_fault(d, "xsltInvalidSource",
			      "doXslTransform: the source is not one element");
	} else if ((sheet = xsl_get(d, uri != NULL ? (const char *)uri : "")) ==
		   NULL) {
		/* fault recorded */
	} else {
		xmlDocPtr indoc = xmlNewDoc(BAD_CAST "1.0");
		xmlNodePtr copy = indoc != NULL ? xmlDocCopyNode(in, indoc, 1)
						: NULL;
		if (copy != NULL) {
			xmlDocSetRootElement(indoc, copy);
			xsltTransformContextPtr tc =
				xsltNewTransformContext(sheet, indoc);
			xsltSecurityPrefsPtr sec = xsl_security();
			if (tc != NULL && sec != NULL)
				xsltSetCtxtSecurityPrefs(sec, tc);
			if (tc != NULL && sec != NULL &&
			    xsltQuoteUserParams(tc, (const char **)pv) == 0)
				out = xsltApplyStylesheetUser(
					sheet, indoc, NULL, NULL, NULL, tc);
			if (tc != NULL)
				xsltFreeTransformContext(tc);
			xsltFreeSecurityPrefs(sec);
		}
		xmlFreeDoc(indoc);
		if (out == NULL || xmlDocGetRootElement(out) == NULL)
			brt__dx_fault(d, "subLanguageExecutionFault",
				      "doXslTransform: '%s' failed",
				      (const char *)uri);
	}
	for (int i = 0; i < 2 * nparams; i++)
		xmlFree(pv[i]);
	free(pv);
	xmlFree(uri);
	xmlXPathFreeObject(src);
	if (d->fault != NULL) {
		xmlFreeDoc(out);
		XP_ERROR(XPATH_EXPR_ERROR);
	}
	valuePush(ctxt, xmlXPathNewValueTree((xmlNodePtr)out));
}

struct brt_dctx *brt__xpath_dctx(xmlXPathParserContextPtr ctxt)
{
	struct evalstate *es = ctxt->context->userData;
	return es->d;
}

int brt__xpath_setup(xmlXPathContextPtr xp, const struct brt_process *p)
{
	if (p != NULL && p->ode && brt__xpath_ode_setup(xp) < 0)
		return BRT_ENOMEM;
	xmlXPathRegisterVariableLookup(xp, var_lookup, NULL);
	brt__xpath_number_setup(xp);
	if (xmlXPathRegisterFuncNS(xp, BAD_CAST "getVariableProperty",
				   BAD_CAST BRT_NS_BPEL,
				   fn_get_variable_property) != 0 ||
	    xmlXPathRegisterFuncNS(xp, BAD_CAST "doXslTransform",
				   BAD_CAST BRT_NS_BPEL,
				   fn_do_xsl_transform) != 0)
		return BRT_ENOMEM;
	return 0;
}

/* ---- evaluation ------------------------------------------------------------------- */

xmlXPathObjectPtr brt__dx_eval(struct brt_dctx *d, int expr, xmlNodePtr ctx)
{
	if (d->fault != NULL)
		return NULL;
	if (d->prep == NULL || expr < 0 || expr >= d->prep->nexprs) {
		brt__dx_fault(d, "subLanguageExecutionFault",
			      "expression %d does not exist (compiler bug)",
			      expr);
		return NULL;
	}
	const struct brt_expr *e = &d->proc->exprs[expr];
	struct brt_pexpr *pe = &d->prep->exprs[expr];
	xmlXPathContextPtr xp = d->prep->xp;
	if (pe->comp == NULL) {
		brt__dx_fault(d, "subLanguageExecutionFault", "%s:%d: %s",
			      e->file != NULL ? e->file : "?", e->line,
			      pe->error != NULL ? pe->error
						: "the expression did not "
						  "compile");
		return NULL;
	}

	/* Save what we set: this may run inside another evaluation. */
	xmlXPathContext saved = *xp;
	int saved_expr = d->expr;
	struct evalstate es = { .d = d, .seen = false };

	xp->node = ctx;
	xp->doc = ctx != NULL ? ctx->doc : NULL;
	xp->namespaces = pe->ns;
	xp->nsNr = pe->nns;
	xp->contextSize = 1;
	xp->proximityPosition = 1;
	xp->userData = &es;
	xp->error = eval_err_cb;
	xp->varLookupData = d;
	d->expr = expr;

	xmlGenericErrorFunc saved_gen = xmlGenericError;
	void *saved_gen_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(&es, eval_generic_cb);
	xmlXPathObjectPtr r = xmlXPathCompiledEval(pe->comp, xp);
	xmlSetGenericErrorFunc(saved_gen_ctx, saved_gen);

	d->expr = saved_expr;
	xp->node = saved.node;
	xp->doc = saved.doc;
	xp->namespaces = saved.namespaces;
	xp->nsNr = saved.nsNr;
	xp->contextSize = saved.contextSize;
	xp->proximityPosition = saved.proximityPosition;
	xp->userData = saved.userData;
	xp->error = saved.error;
	xp->varLookupData = saved.varLookupData;

	if (d->fault != NULL) {
		xmlXPathFreeObject(r);
		return NULL;
	}
	if (r == NULL)
		brt__dx_fault(d, "subLanguageExecutionFault",
			      "%s:%d: XPath '%s' failed: %s%s%s%s",
			      e->file != NULL ? e->file : "?", e->line, e->text,
			      es.seen ? es.msg : "evaluation error",
			      es.gen[0] != '\0' ? " (" : "", es.gen,
			      es.gen[0] != '\0' ? ")" : "");
	return r;
}

/* ---- strand-facing API -------------------------------------------------------------- */

xmlXPathObjectPtr brt__xpath_eval(brt_strand *s, int expr, xmlNodePtr ctx)
{
	struct brt_dctx d;
	brt__dctx_strand(&d, s);
	xmlXPathObjectPtr r = brt__dx_eval(&d, expr, ctx);
	if (r == NULL)
		brt__std_fault(s, d.fault, d.why);
	return r;
}

enum brt_step brt_eval_bool(brt_strand *s, int expr, bool *out)
{
	xmlXPathObjectPtr r = brt__xpath_eval(s, expr, NULL);
	if (r == NULL)
		return BRT_STEP_FAULT;
	*out = xmlXPathCastToBoolean(r) != 0;
	xmlXPathFreeObject(r);
	return BRT_STEP_NEXT;
}

char *brt__eval_string(brt_strand *s, int expr)
{
	xmlXPathObjectPtr r = brt__xpath_eval(s, expr, NULL);
	if (r == NULL)
		return NULL;
	xmlChar *x = brt__xpath_string(r);
	xmlXPathFreeObject(r);
	char *out = x != NULL ? strdup((const char *)x) : NULL;
	xmlFree(x);
	if (out == NULL)
		brt__std_fault(s, "subLanguageExecutionFault", "out of memory");
	return out;
}
