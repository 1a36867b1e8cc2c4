/*
 * data.c — prepared data of a process (compiled XPath, parsed literals),
 * the data context that ties data operations to a strand, and small XML
 * helpers the other data files share.
 *
 * Everything here is done once at start-up (brt__data_prepare) and never
 * per message. XPath evaluation is in xpath.c, <assign> in copy.c, message
 * values in message.c, XSD validation in validate.c, endpoint references
 * in epr.c.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/hash.h>
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "data.h"
#include "internal.h"

/* Compile errors from libxml2 land here during brt__data_prepare_proc. */
struct compile_err {
	char msg[160];
	bool seen;
};

static void compile_err_cb(void *arg, xmlErrorPtr e)
{
	struct compile_err *ce = arg;
	if (ce == NULL || ce->seen || e == NULL)
		return;
	ce->seen = true;
	snprintf(ce->msg, sizeof ce->msg, "%s", brt__xpath_error_text(e));
	size_t n = strlen(ce->msg);
	while (n > 0 && (ce->msg[n - 1] == '\n' || ce->msg[n - 1] == ' '))
		ce->msg[--n] = '\0';
}

static int prepare_ns(struct brt_pexpr *pe, const struct brt_expr *e)
{
	int n = 0;
	for (int i = 0; i < e->nns; i++)
		if (e->ns[i].prefix != NULL && e->ns[i].prefix[0] != '\0')
			n++;
	if (n == 0)
		return 0;
	pe->nsbuf = calloc((size_t)n, sizeof *pe->nsbuf);
	pe->ns = calloc((size_t)n, sizeof *pe->ns);
	if (pe->nsbuf == NULL || pe->ns == NULL)
		return BRT_ENOMEM;
	for (int i = 0; i < e->nns; i++) {
		if (e->ns[i].prefix == NULL || e->ns[i].prefix[0] == '\0')
			continue;
		xmlNs *ns = &pe->nsbuf[pe->nns];
		ns->type = XML_NAMESPACE_DECL;
		/* The descriptor's strings are static and outlive us; xmlNs
		 * wants non-const pointers but nothing writes through them. */
		ns->href = (xmlChar *)(uintptr_t)e->ns[i].uri;
		ns->prefix = (xmlChar *)(uintptr_t)e->ns[i].prefix;
		pe->ns[pe->nns++] = ns;
	}
	return 0;
}

static int prepare_expr(struct brt_prepared *pp, int i, char *err,
			size_t errlen)
{
	const struct brt_expr *e = &pp->proc->exprs[i];
	struct brt_pexpr *pe = &pp->exprs[i];
	if (prepare_ns(pe, e) < 0) {
		snprintf(err, errlen, "out of memory");
		return BRT_ENOMEM;
	}
	const char *known =
		pp->proc->expr_errors != NULL ? pp->proc->expr_errors[i] : NULL;
	if (known != NULL) {
		/* The compiler knows it faults: nothing to compile. */
		pe->error = strdup(known);
		if (pe->error == NULL) {
			snprintf(err, errlen, "out of memory");
			return BRT_ENOMEM;
		}
		return 0;
	}
	struct compile_err ce = { .seen = false };
	xmlXPathContextPtr xp = pp->xp;
	/* Namespaces are set while compiling too: libxml2 may compile a
	 * simple path into a streaming pattern, which binds prefixes now. */
	xp->namespaces = pe->ns;
	xp->nsNr = pe->nns;
	xp->userData = &ce;
	xp->error = compile_err_cb;
	pe->comp = xmlXPathCtxtCompile(xp, (const xmlChar *)e->text);
	xp->namespaces = NULL;
	xp->nsNr = 0;
	xp->userData = NULL;
	xp->error = NULL;
	if (pe->comp == NULL) {
		/* Not fatal: the process may never evaluate it, and when it
		 * does that is bpel:subLanguageExecutionFault (semantics.md
		 * §4). The caller logs err. */
		char why[400];
		snprintf(why, sizeof why, "cannot compile XPath '%s': %s",
			 e->text, ce.seen ? ce.msg : "syntax error");
		pe->error = strdup(why);
		if (pe->error == NULL) {
			snprintf(err, errlen, "out of memory");
			return BRT_ENOMEM;
		}
		return 0;
	}
	return 0;
}

/* An element literal is XML text starting with '<' (after blanks); any
 * other literal is plain text, kept as is. */
static int prepare_literal(struct brt_prepared *pp, int i, char *err,
			   size_t errlen)
{
	const char *t = pp->proc->literals[i];
	struct brt_plit *pl = &pp->lits[i];
	if (t == NULL)
		t = "";
	const char *p = t;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '<') {
		pl->text = xmlStrdup((const xmlChar *)t);
		if (pl->text == NULL) {
			snprintf(err, errlen, "out of memory");
			return BRT_ENOMEM;
		}
		return 0;
	}
	/* No network, no entity substitution, no DTD loading. */
	pl->doc = xmlReadMemory(t, (int)strlen(t), NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
					XML_PARSE_NOWARNING);
	if (pl->doc == NULL || xmlDocGetRootElement(pl->doc) == NULL) {
		snprintf(err, errlen, "%s: literal %d is not well-formed XML",
			 pp->proc->source != NULL ? pp->proc->source : "?", i);
		return BRT_EINVAL;
	}
	return 0;
}

int brt__data_prepare_proc(const struct brt_process *p,
			   struct brt_prepared **out, char *err, size_t errlen)
{
	*out = NULL;
	/* libxml2 grows the buffers of xmlNodeGetContent() and friends to
	 * the exact size by default: string() of a 1 MB element of many text
	 * nodes then reallocates once per node, and where realloc cannot
	 * grow in place (a fragmented heap, ASan) that copying is quadratic.
	 * Doubling keeps it linear. The setting is libxml2's process-wide
	 * default; set once, it stays. */
	xmlSetBufferAllocationScheme(XML_BUFFER_ALLOC_DOUBLEIT);
	struct brt_prepared *pp = calloc(1, sizeof *pp);
	if (pp == NULL) {
		snprintf(err, errlen, "out of memory");
		return BRT_ENOMEM;
	}
	pp->proc = p;
	pp->xp = xmlXPathNewContext(NULL);
	if (pp->xp == NULL || brt__xpath_setup(pp->xp, p) < 0)
		goto nomem;
	if (p->nexprs > 0) {
		pp->exprs = calloc((size_t)p->nexprs, sizeof *pp->exprs);
		if (pp->exprs == NULL)
			goto nomem;
		pp->nexprs = p->nexprs;
	}
	if (p->nliterals > 0) {
		pp->lits = calloc((size_t)p->nliterals, sizeof *pp->lits);
		if (pp->lits == NULL)
			goto nomem;
		pp->nliterals = p->nliterals;
	}
	for (int i = 0; i < pp->nexprs; i++) {
		int rc = prepare_expr(pp, i, err, errlen);
		if (rc < 0) {
			brt__data_prepared_free(pp);
			return rc;
		}
	}
	for (int i = 0; i < pp->nliterals; i++) {
		int rc = prepare_literal(pp, i, err, errlen);
		if (rc < 0) {
			brt__data_prepared_free(pp);
			return rc;
		}
	}
	if (brt__xsl_prepare(pp) < 0)
		goto nomem;
	int rc = brt__xsd_prepare(pp, err, errlen);
	if (rc < 0) {
		brt__data_prepared_free(pp);
		return rc;
	}
	*out = pp;
	return 0;
nomem:
	brt__data_prepared_free(pp);
	snprintf(err, errlen, "out of memory");
	return BRT_ENOMEM;
}

void brt__data_prepared_free(struct brt_prepared *pp)
{
	if (pp == NULL)
		return;
	brt__xsl_free(pp);
	brt__xsd_free(pp);
	brt__data_scratch_release(pp);
	free(pp->scratch);
	for (int i = 0; i < pp->nexprs; i++) {
		free(pp->exprs[i].error);
		xmlXPathFreeCompExpr(pp->exprs[i].comp);
		free(pp->exprs[i].ns);
		free(pp->exprs[i].nsbuf);
	}
	free(pp->exprs);
	for (int i = 0; i < pp->nliterals; i++) {
		xmlFreeDoc(pp->lits[i].doc);
		xmlFree(pp->lits[i].text);
	}
	free(pp->lits);
	if (pp->xp != NULL)
		xmlXPathFreeContext(pp->xp);
	free(pp);
}

int brt__data_prepare(brt_runtime *rt)
{
	char err[512];
	int rc = brt__data_prepare_proc(rt->proc, &rt->prep, err, sizeof err);
	if (rc < 0) {
		brt__log(rt, "%s", err);
		return rc;
	}
	/* Expressions libxml2 cannot compile fault when evaluated; say so
	 * now (the compiler already warned about those it knew of). */
	for (int i = 0; i < rt->prep->nexprs; i++) {
		const struct brt_expr *e = &rt->proc->exprs[i];
		bool known = rt->proc->expr_errors != NULL &&
			     rt->proc->expr_errors[i] != NULL;
		if (!known && rt->prep->exprs[i].error != NULL)
			brt__log(rt,
				 "%s:%d: warning: %s; evaluating it faults "
				 "with bpel:subLanguageExecutionFault",
				 e->file != NULL ? e->file : "?", e->line,
				 rt->prep->exprs[i].error);
	}
	return 0;
}

void brt__data_free(brt_runtime *rt)
{
	brt__data_prepared_free(rt->prep);
	rt->prep = NULL;
}

/* ---- data context --------------------------------------------------------- */

static xmlDocPtr *strand_slot(void *arg, int var)
{
	return brt__var_slot(arg, var);
}

static int strand_link(void *arg, int link)
{
	return brt__link_status(arg, link);
}

void brt__dctx_strand(struct brt_dctx *d, brt_strand *s)
{
	memset(d, 0, sizeof *d);
	d->proc = brt__strand_proc(s);
	d->prep = brt__strand_runtime(s)->prep;
	d->slot = strand_slot;
	d->arg = s;
	d->expr = -1;
	d->instance_id = brt__instance_id(brt__strand_instance(s));
	d->link = strand_link;
	d->plink_url = brt__epr_strand_url;
	d->set_plink_url = brt__epr_strand_set;
}

int brt__data_scratch_add(struct brt_prepared *pp, xmlDocPtr doc)
{
	if (pp->nscratch == pp->cap_scratch) {
		int cap = pp->cap_scratch ? 2 * pp->cap_scratch : 8;
		xmlDocPtr *p = realloc(pp->scratch, (size_t)cap * sizeof *p);
		if (p == NULL)
			return -1;
		pp->scratch = p;
		pp->cap_scratch = cap;
	}
	pp->scratch[pp->nscratch++] = doc;
	return 0;
}

void brt__data_scratch_release(struct brt_prepared *pp)
{
	for (int i = 0; i < pp->nscratch; i++)
		xmlFreeDoc(pp->scratch[i]);
	pp->nscratch = 0;
}

void brt__data_step_done(brt_runtime *rt)
{
	if (rt->prep != NULL && rt->prep->nscratch > 0)
		brt__data_scratch_release(rt->prep);
}

int brt__dx_fault(struct brt_dctx *d, const char *local, const char *fmt, ...)
{
	if (d->fault != NULL)
		return BRT_EFAULT;
	d->fault = local;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->why, sizeof d->why, fmt, ap);
	va_end(ap);
	return BRT_EFAULT;
}

xmlDocPtr *brt__dx_slot(struct brt_dctx *d, int var)
{
	xmlDocPtr *slot = NULL;
	if (var >= 0 && var < d->proc->nvars && d->slot != NULL)
		slot = d->slot(d->arg, var);
	if (slot == NULL) {
		brt__dx_fault(d, "subLanguageExecutionFault",
			      "variable %d is not in scope (compiler bug)",
			      var);
		return NULL;
	}
	/* A message of no parts has all its parts: it is never
	 * uninitialised (initialisation is tracked per part). */
	const struct brt_variable *v = &d->proc->vars[var];
	if (*slot == NULL && v->kind == BRT_VAR_MESSAGE && v->message != NULL &&
	    v->message->nparts == 0) {
		xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
		xmlNodePtr root =
			doc != NULL ? xmlNewDocNode(doc, NULL,
						    BAD_CAST "message", NULL)
				    : NULL;
		if (root == NULL) {
			xmlFreeDoc(doc);
			brt__dx_fault(d, "subLanguageExecutionFault",
				      "out of memory");
			return NULL;
		}
		xmlDocSetRootElement(doc, root);
		*slot = doc;
	}
	return slot;
}

xmlDocPtr *brt__dx_value(struct brt_dctx *d, int var, const char *verb,
			 xmlNodePtr *root)
{
	*root = NULL;
	xmlDocPtr *slot = brt__dx_slot(d, var);
	if (slot == NULL)
		return NULL;
	*root = *slot != NULL ? xmlDocGetRootElement(*slot) : NULL;
	if (*root == NULL) {
		brt__dx_fault(d, "uninitializedVariable",
			      "variable '%s' is %s before it has a value",
			      d->proc->vars[var].name, verb);
		return NULL;
	}
	return slot;
}

xmlNodePtr brt__dx_part(struct brt_dctx *d, int var, int part, xmlDocPtr msg)
{
	const struct brt_variable *v = &d->proc->vars[var];
	const struct brt_part *pt = &v->message->parts[part];
	xmlNodePtr w = brt__msg_part(msg, pt->name);
	if (w != NULL && pt->element.local != NULL)
		w = brt__data_first_elem(w);
	if (w == NULL)
		brt__dx_fault(d, "uninitializedVariable",
			      "part '%s' of variable '%s' is read before it "
			      "has a value",
			      pt->name, v->name);
	return w;
}

/* ---- XML helpers ------------------------------------------------------------ */

xmlNodePtr brt__data_first_elem(xmlNodePtr n)
{
	if (n == NULL)
		return NULL;
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return c;
	return NULL;
}

xmlNodePtr brt__msg_part(xmlDocPtr msg, const char *name)
{
	xmlNodePtr root = msg != NULL ? xmlDocGetRootElement(msg) : NULL;
	if (root == NULL)
		return NULL;
	for (xmlNodePtr c = root->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->ns == NULL &&
		    xmlStrEqual(c->name, (const xmlChar *)name))
			return c;
	return NULL;
}

static bool ns_empty(const char *ns)
{
	return ns == NULL || ns[0] == '\0';
}

xmlNodePtr brt__data_new_elem(xmlDocPtr doc, const struct brt_qname *q)
{
	xmlNodePtr n =
		xmlNewDocNode(doc, NULL, (const xmlChar *)q->local, NULL);
	if (n == NULL || ns_empty(q->ns))
		return n;
	/* A default-namespace declaration keeps the element's name
	 * prefix-free, as most partners write it. */
	xmlNsPtr ns = xmlNewNs(n, (const xmlChar *)q->ns, NULL);
	if (ns == NULL) {
		xmlFreeNode(n);
		return NULL;
	}
	xmlSetNs(n, ns);
	return n;
}

bool brt__data_elem_is(xmlNodePtr n, const struct brt_qname *q)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE || q->local == NULL)
		return false;
	if (!xmlStrEqual(n->name, (const xmlChar *)q->local))
		return false;
	const xmlChar *href = n->ns != NULL ? n->ns->href : NULL;
	if (ns_empty(q->ns))
		return href == NULL || href[0] == '\0';
	return xmlStrEqual(href, (const xmlChar *)q->ns);
}

/* XML_DOM_RECONNS_REMOVEREDUND: private to libxml2 2.9's tree.c. */
#define RECONNS_REMOVEREDUND 1

/* n's subtree declares prefix p (NULL: a default namespace). */
static bool declares_prefix(xmlNodePtr n, const xmlChar *p)
{
	if (n->type != XML_ELEMENT_NODE)
		return false;
	for (xmlNsPtr d = n->nsDef; d != NULL; d = d->next)
		if (xmlStrEqual(d->prefix, p))
			return true;
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (declares_prefix(c, p))
			return true;
	return false;
}

/* An attribute in n's subtree is in namespace `ns`. */
static bool attr_uses(xmlNodePtr n, xmlNsPtr ns)
{
	if (n->type != XML_ELEMENT_NODE)
		return false;
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
		if (a->ns == ns)
			return true;
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (attr_uses(c, ns))
			return true;
	return false;
}

static void remap_ns(xmlNodePtr n, xmlNsPtr from, xmlNsPtr to)
{
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (n->ns == from)
		n->ns = to;
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
		if (a->ns == from)
			a->ns = to;
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		remap_ns(c, from, to);
}

/* Child k declares d, whose namespace `in` (another prefix) already has
 * in scope at k's parent: use that one and drop d, unless QName content
 * needs d's prefix, or the subtree re-declares in's prefix (the names
 * would change namespace), or an attribute needs a prefix `in` lacks. */
static bool reuse_in_scope(xmlNodePtr k, xmlNsPtr d, xmlNsPtr in)
{
	if (in == NULL || xmlStrEqual(in->prefix, d->prefix) ||
	    (d->prefix != NULL && brt__data_prefix_in_content(k, d->prefix)) ||
	    declares_prefix(k, in->prefix) ||
	    (in->prefix == NULL && attr_uses(k, d)))
		return false;
	remap_ns(k, d, in);
	for (xmlNsPtr *pp = &k->nsDef; *pp != NULL; pp = &(*pp)->next)
		if (*pp == d) {
			*pp = d->next;
			d->next = NULL;
			xmlFreeNs(d);
			break;
		}
	return true;
}

void brt__data_hoist_ns(xmlNodePtr parent)
{
	if (parent == NULL || parent->type != XML_ELEMENT_NODE)
		return;
	for (xmlNodePtr k = parent->children; k != NULL; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		xmlNsPtr next;
		for (xmlNsPtr d = k->nsDef; d != NULL; d = next) {
			next = d->next;
			xmlNsPtr in =
				xmlSearchNsByHref(parent->doc, parent, d->href);
			if (in != NULL)
				reuse_in_scope(k, d, in);
			else if (d->prefix != NULL &&
				 xmlSearchNs(parent->doc, parent, d->prefix) ==
					 NULL)
				xmlNewNs(parent, d->href, d->prefix);
		}
	}
	for (xmlNodePtr k = parent->children; k != NULL; k = k->next)
		if (k->type == XML_ELEMENT_NODE)
			xmlDOMWrapReconcileNamespaces(NULL, k,
						      RECONNS_REMOVEREDUND);
}

/* True when `text` holds a blank-separated token "prefix:x". */
static bool has_prefixed_token(const xmlChar *text, const xmlChar *prefix)
{
	int n = xmlStrlen(prefix);
	for (const xmlChar *t = text; t != NULL && *t != '\0';) {
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++;
		if (xmlStrncmp(t, prefix, n) == 0 && t[n] == ':' &&
		    t[n + 1] != '\0' && t[n + 1] != ' ')
			return true;
		while (*t != '\0' && *t != ' ' && *t != '\t' && *t != '\n' &&
		       *t != '\r')
			t++;
	}
	return false;
}

bool brt__data_prefix_in_content(xmlNodePtr n, const xmlChar *prefix)
{
	if (n == NULL || prefix == NULL)
		return false;
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
		return has_prefixed_token(n->content, prefix);
	if (n->type != XML_ELEMENT_NODE)
		return false;
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
		for (xmlNodePtr t = a->children; t != NULL; t = t->next)
			if (t->type == XML_TEXT_NODE &&
			    has_prefixed_token(t->content, prefix))
				return true;
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		if (brt__data_prefix_in_content(c, prefix))
			return true;
	return false;
}

/* One pass over n's subtree for brt__data_prefixes_in_content: every
 * "prefix:x" token of a text or attribute value marks the in-scope
 * declaration of that prefix (looked up in `idx`, prefix -> index + 1). */
static void mark_tokens(const xmlChar *text, xmlHashTablePtr idx, bool *used)
{
	for (const xmlChar *t = text; t != NULL && *t != '\0';) {
		while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r')
			t++;
		const xmlChar *start = t;
		const xmlChar *colon = NULL;
		while (*t != '\0' && *t != ' ' && *t != '\t' && *t != '\n' &&
		       *t != '\r') {
			if (*t == ':' && colon == NULL)
				colon = t;
			t++;
		}
		/* "p:x": a prefix, then at least one character. */
		if (colon == NULL || colon == start || colon + 1 == t)
			continue;
		xmlChar *prefix = xmlStrndup(start, (int)(colon - start));
		if (prefix == NULL)
			continue;
		uintptr_t i = (uintptr_t)xmlHashLookup(idx, prefix);
		if (i > 0)
			used[i - 1] = true;
		xmlFree(prefix);
	}
}

static void mark_subtree(xmlNodePtr n, xmlHashTablePtr idx, bool *used)
{
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		mark_tokens(n->content, idx, used);
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;
	for (xmlAttrPtr a = n->properties; a != NULL; a = a->next)
		for (xmlNodePtr t = a->children; t != NULL; t = t->next)
			if (t->type == XML_TEXT_NODE)
				mark_tokens(t->content, idx, used);
	for (xmlNodePtr c = n->children; c != NULL; c = c->next)
		mark_subtree(c, idx, used);
}

int brt__data_prefixes_in_content(xmlNodePtr n, xmlNsPtr *list, bool *used)
{
	int count = 0;
	for (int i = 0; list != NULL && list[i] != NULL; i++) {
		used[i] = false;
		count++;
	}
	if (n == NULL || count == 0)
		return 0;
	xmlHashTablePtr idx = xmlHashCreate(count);
	if (idx == NULL)
		return BRT_ENOMEM;
	for (int i = 0; i < count; i++)
		if (list[i]->prefix != NULL)
			xmlHashUpdateEntry(idx, list[i]->prefix,
					   (void *)(uintptr_t)(i + 1), NULL);
	mark_subtree(n, idx, used);
	xmlHashFree(idx, NULL);
	return 0;
}

xmlChar *brt__data_normalize(const xmlChar *s)
{
	size_t len = s != NULL ? (size_t)xmlStrlen(s) : 0;
	xmlChar *out = xmlMalloc(len + 1);
	if (out == NULL)
		return NULL;
	size_t n = 0;
	bool space = false;
	for (size_t i = 0; i < len; i++) {
		xmlChar c = s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = c;
	}
	out[n] = '\0';
	return out;
}

int brt__data_part_index(const struct brt_message *m, const char *name)
{
	if (m == NULL || name == NULL)
		return -1;
	for (int i = 0; i < m->nparts; i++)
		if (strcmp(m->parts[i].name, name) == 0)
			return i;
	return -1;
}

static bool str_eq(const char *a, const char *b)
{
	if (ns_empty(a) || ns_empty(b))
		return ns_empty(a) && ns_empty(b);
	return strcmp(a, b) == 0;
}

bool brt__data_same_message(const struct brt_message *a,
			    const struct brt_message *b)
{
	if (a == b)
		return true;
	if (a == NULL || b == NULL)
		return false;
	return str_eq(a->name.ns, b->name.ns) &&
	       str_eq(a->name.local, b->name.local);
}
