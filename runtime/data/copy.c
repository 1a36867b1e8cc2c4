/*
 * copy.c — <assign> and its <copy> operations (semantics.md §4 "<copy>",
 * "Atomicity").
 *
 * A copy resolves its from-spec to one node, an atomic string or a whole
 * message, resolves its to-spec to one node (element, attribute, text) or
 * a whole message variable, then replaces: element → element keeps the
 * destination's name (replace-element-properties) unless
 * keepSrcElementName; anything else → element replaces the content by one
 * text node; → attribute/text sets the string value. Values are always
 * deep-copied into the destination's document: no node is shared between
 * variables.
 *
 * All or nothing: before the first copy, every variable document the
 * assign may write is snapshotted (deep copy); a fault restores them all.
 * Partner link copies: <from partnerLink> gives a service-ref made by
 * epr.c; <to partnerLink> parses one and sets the partnerRole URL when
 * the whole assign has succeeded. validate="yes" validates the changed
 * variables against their schemas (validate.c) before committing.
 * Apache ODE's assign extensions, set by the compiler under --ode only:
 * insertMissingToData (a to-spec `$v/a/b` that selects nothing gets its
 * missing elements made, as ODE's runtime did) and
 * ignoreUninitializedFromVariable (a copy that would fault with
 * uninitializedVariable does nothing); docs/migrating-from-ode.md.
 * Not here: evaluating expressions and queries (xpath.c), message values
 * of receive/reply/invoke (message.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlerror.h>
#include <libxml/xpathInternals.h>

#include "data.h"
#include "internal.h"

struct snap {
	xmlDocPtr *slot;
	xmlDocPtr old; /* deep copy taken before the first change */
};

/* A partnerLink write, applied only when the whole assign succeeds. */
struct plink_write {
	int plink;
	char *url;
};

struct assign_state {
	struct brt_dctx *d;
	struct snap *snaps;
	int nsnaps;
	int cap;
	struct plink_write *pws;
	int npws;
};

/* A resolved from-spec: exactly one of node, str, msg (or empty). */
struct src {
	xmlNodePtr node;       /* borrowed (variable, literal or obj) */
	xmlChar *str;	       /* owned atomic value */
	xmlXPathObjectPtr obj; /* owned; keeps value-tree nodes alive */
	xmlDocPtr msg;	       /* whole message variable, borrowed */
	const struct brt_message *mtype;
	bool empty;	 /* the spec selected zero nodes */
	xmlDocPtr owned; /* a made value (endpoint reference) */
};

/* A resolved to-spec: a node, or a whole message variable's slot. */
struct dst {
	xmlNodePtr node;
	xmlDocPtr *slot;
	const struct brt_message *mtype;
	const struct brt_qname *decl; /* declared name of node, if fixed */
	bool simple; /* node is the wrapper of a simple-typed value */
	int plink;   /* <to partnerLink>: its index + 1, 0: not one */
};

static void src_free(struct src *s)
{
	xmlFree(s->str);
	if (s->obj != NULL)
		xmlXPathFreeObject(s->obj);
	xmlFreeDoc(s->owned);
	memset(s, 0, sizeof *s);
}

/* ---- snapshots ------------------------------------------------------------- */

static int snapshot(struct assign_state *as, int var)
{
	xmlDocPtr *slot = brt__dx_slot(as->d, var);
	if (slot == NULL)
		return BRT_EFAULT;
	for (int i = 0; i < as->nsnaps; i++)
		if (as->snaps[i].slot == slot)
			return 0;
	if (as->nsnaps == as->cap) {
		int cap = as->cap > 0 ? 2 * as->cap : 8;
		struct snap *n = realloc(as->snaps, (size_t)cap * sizeof *n);
		if (n == NULL)
			return brt__dx_fault(as->d, "subLanguageExecutionFault",
					     "out of memory");
		as->snaps = n;
		as->cap = cap;
	}
	xmlDocPtr old = NULL;
	if (*slot != NULL && (old = xmlCopyDoc(*slot, 1)) == NULL)
		return brt__dx_fault(as->d, "subLanguageExecutionFault",
				     "out of memory");
	as->snaps[as->nsnaps].slot = slot;
	as->snaps[as->nsnaps].old = old;
	as->nsnaps++;
	return 0;
}

static int snapshot_refs(struct assign_state *as, int expr)
{
	if (expr < 0 || expr >= as->d->proc->nexprs)
		return 0;
	const struct brt_expr *e = &as->d->proc->exprs[expr];
	for (int i = 0; i < e->nrefs; i++)
		if (snapshot(as, e->refs[i].var) < 0)
			return BRT_EFAULT;
	return 0;
}

/* Every variable the assign may write, before anything changes. */
static int snapshot_all(struct assign_state *as, const struct brt_assign *a)
{
	for (int i = 0; i < a->ncopies; i++) {
		const struct brt_to *t = &a->copies[i].to;
		int rc = 0;
		switch (t->kind) {
		case BRT_TO_VAR:
		case BRT_TO_PROPERTY:
			rc = snapshot(as, t->var);
			if (rc == 0)
				rc = snapshot_refs(as, t->query);
			break;
		case BRT_TO_EXPR:
			rc = snapshot_refs(as, t->expr);
			break;
		case BRT_TO_PLINK:
			break;
		}
		if (rc < 0)
			return BRT_EFAULT;
	}
	return 0;
}

static void snapshots_end(struct assign_state *as, bool restore)
{
	for (int i = 0; i < as->nsnaps; i++) {
		struct snap *sn = &as->snaps[i];
		if (restore) {
			xmlFreeDoc(*sn->slot);
			*sn->slot = sn->old;
		} else {
			xmlFreeDoc(sn->old);
		}
	}
	free(as->snaps);
	as->snaps = NULL;
	as->nsnaps = as->cap = 0;
}

/* The node may be written: it lives in a variable this assign owns. */
static bool writable(struct assign_state *as, xmlNodePtr n)
{
	for (int i = 0; i < as->nsnaps; i++)
		if (*as->snaps[i].slot != NULL && n->doc == *as->snaps[i].slot)
			return true;
	return false;
}

/* ---- from-spec ------------------------------------------------------------------- */

/* One XPath result as a source: one node, an atomic value, or empty. */
static int src_from_result(struct brt_dctx *d, xmlXPathObjectPtr r,
			   const char *what, struct src *out)
{
	if (r->type != XPATH_NODESET && r->type != XPATH_XSLT_TREE) {
		out->str = brt__xpath_string(r);
		xmlXPathFreeObject(r);
		return 0;
	}
	int n = r->nodesetval != NULL ? r->nodesetval->nodeNr : 0;
	if (n == 0) {
		xmlXPathFreeObject(r);
		out->empty = true;
		return 0;
	}
	if (n > 1) {
		xmlXPathFreeObject(r);
		return brt__dx_fault(d, "selectionFailure",
				     "%s selects %d nodes, not one", what, n);
	}
	out->obj = r;
	out->node = r->nodesetval->nodeTab[0];
	if (out->node->type == XML_DOCUMENT_NODE)
		out->node = xmlDocGetRootElement((xmlDocPtr)out->node);
	if (out->node == NULL)
		out->empty = true;
	return 0;
}

/* The value node of variable var[.part] for reading; *simple tells that
 * it is a wrapper carrying a simple value. Message variables without a
 * part give the <message> root with *msg set. */
static int read_var(struct brt_dctx *d, int var, int part, xmlNodePtr *node,
		    bool *simple, xmlDocPtr *msg)
{
	const struct brt_variable *v = &d->proc->vars[var];
	*node = NULL;
	*simple = false;
	*msg = NULL;
	xmlNodePtr root;
	xmlDocPtr *slot = brt__dx_value(d, var, "read", &root);
	if (slot == NULL)
		return BRT_EFAULT;
	if (v->kind == BRT_VAR_ELEMENT) {
		*node = root;
	} else if (v->kind == BRT_VAR_TYPE) {
		*node = root;
		*simple = v->xsd != BRT_XSD_COMPLEX;
	} else if (part < 0) {
		*node = root;
		*msg = *slot;
	} else {
		const struct brt_part *pt = &v->message->parts[part];
		xmlNodePtr w = brt__dx_part(d, var, part, *slot);
		if (w == NULL)
			return BRT_EFAULT;
		*node = w;
		*simple = pt->element.local == NULL &&
			  pt->kind != BRT_XSD_COMPLEX;
	}
	return 0;
}

static const char *pending_url(struct assign_state *as, int plink)
{
	for (int i = as->npws - 1; i >= 0; i--)
		if (as->pws[i].plink == plink)
			return as->pws[i].url;
	return NULL;
}

/* <from partnerLink endpointReference>: a service-ref of its URL. */
static int from_plink(struct assign_state *as, const struct brt_from *f,
		      struct src *out)
{
	struct brt_dctx *d = as->d;
	char buf[512];
	const char *url = f->my_role ? NULL : pending_url(as, f->plink);
	if (url == NULL && d->plink_url != NULL)
		url = d->plink_url(d->arg, f->plink, f->my_role, buf,
				   sizeof buf);
	const char *name = f->plink >= 0 && f->plink < d->proc->nplinks
				   ? d->proc->plinks[f->plink].name
				   : "?";
	if (url == NULL || url[0] == '\0') {
		if (f->my_role)
			return brt__dx_fault(d, "selectionFailure",
					     "partnerLink '%s' has no myRole "
					     "address",
					     name);
		return brt__dx_fault(d, "uninitializedPartnerRole",
				     "partnerLink '%s' has no partnerRole "
				     "endpoint",
				     name);
	}
	out->owned = brt__epr_make(url);
	if (out->owned == NULL)
		return brt__dx_fault(d, "subLanguageExecutionFault",
				     "out of memory");
	out->node = xmlDocGetRootElement(out->owned);
	return 0;
}

static int resolve_from(struct assign_state *as, const struct brt_from *f,
			struct src *out)
{
	struct brt_dctx *d = as->d;
	memset(out, 0, sizeof *out);
	const struct brt_process *p = d->proc;
	switch (f->kind) {
	case BRT_FROM_VAR: {
		xmlNodePtr n;
		bool simple;
		xmlDocPtr msg;
		if (read_var(d, f->var, f->part, &n, &simple, &msg) < 0)
			return BRT_EFAULT;
		if (f->query >= 0) {
			xmlXPathObjectPtr r = brt__dx_eval(d, f->query, n);
			if (r == NULL)
				return BRT_EFAULT;
			return src_from_result(d, r, "the from-spec query",
					       out);
		}
		if (msg != NULL) {
			out->msg = msg;
			out->mtype = p->vars[f->var].message;
		} else if (simple) {
			out->str = xmlNodeGetContent(n);
		} else {
			out->node = n;
		}
		return 0;
	}
	case BRT_FROM_EXPR: {
		xmlXPathObjectPtr r = brt__dx_eval(d, f->expr, NULL);
		if (r == NULL)
			return BRT_EFAULT;
		return src_from_result(d, r, "the from-spec expression", out);
	}
	case BRT_FROM_LITERAL:
		if (d->prep == NULL || f->literal < 0 ||
		    f->literal >= d->prep->nliterals)
			return brt__dx_fault(d, "subLanguageExecutionFault",
					     "literal %d does not exist",
					     f->literal);
		if (d->prep->lits[f->literal].doc != NULL)
			out->node = xmlDocGetRootElement(
				d->prep->lits[f->literal].doc);
		else
			out->str = xmlStrdup(d->prep->lits[f->literal].text);
		return 0;
	case BRT_FROM_PROPERTY:
		/* A property is simple-typed: its value is a string. */
		if (brt__dx_var_property(d, f->var, f->property, &out->node,
					 &out->str) < 0)
			return BRT_EFAULT;
		if (out->node != NULL) {
			out->str = xmlNodeGetContent(out->node);
			out->node = NULL;
		}
		return 0;
	case BRT_FROM_PLINK:
		return from_plink(as, f, out);
	}
	return brt__dx_fault(d, "subLanguageExecutionFault",
			     "unknown from-spec kind %d (compiler bug)",
			     (int)f->kind);
}

/* ---- to-spec -------------------------------------------------------------------------- */

/* Make the storage of var[.part] exist (writing initialises it). */
static xmlNodePtr init_var(struct brt_dctx *d, xmlDocPtr *slot,
			   const struct brt_variable *v, int part,
			   const struct brt_qname **decl)
{
	*decl = NULL;
	if (*slot == NULL || xmlDocGetRootElement(*slot) == NULL) {
		xmlDocPtr doc = *slot != NULL ? *slot
					      : xmlNewDoc(BAD_CAST "1.0");
		xmlNodePtr root = NULL;
		if (doc != NULL) {
			if (v->kind == BRT_VAR_ELEMENT) {
				root = brt__data_new_elem(doc, &v->element);
			} else {
				const char *nm = v->kind == BRT_VAR_MESSAGE
							 ? "message"
							 : v->name;
				root = xmlNewDocNode(doc, NULL, BAD_CAST nm,
						     NULL);
			}
		}
		if (root == NULL) {
			if (doc != *slot)
				xmlFreeDoc(doc);
			brt__dx_fault(d, "subLanguageExecutionFault",
				      "out of memory");
			return NULL;
		}
		xmlDocSetRootElement(doc, root);
		*slot = doc;
	}
	xmlNodePtr root = xmlDocGetRootElement(*slot);
	if (v->kind == BRT_VAR_ELEMENT) {
		*decl = &v->element;
		return root;
	}
	if (v->kind == BRT_VAR_TYPE || part < 0)
		return root;
	const struct brt_part *pt = &v->message->parts[part];
	xmlNodePtr w = brt__msg_part(*slot, pt->name);
	if (w == NULL)
		w = xmlNewChild(root, NULL, BAD_CAST pt->name, NULL);
	if (w == NULL || pt->element.local == NULL)
		goto out;
	*decl = &pt->element;
	xmlNodePtr e = brt__data_first_elem(w);
	if (e == NULL) {
		e = brt__data_new_elem(*slot, &pt->element);
		if (e != NULL)
			xmlAddChild(w, e);
	}
	w = e;
out:
	if (w == NULL)
		brt__dx_fault(d, "subLanguageExecutionFault", "out of memory");
	return w;
}

static int dst_from_result(struct assign_state *as, xmlXPathObjectPtr r,
			   const char *what, struct dst *out)
{
	struct brt_dctx *d = as->d;
	int n = 0;
	if (r->type == XPATH_NODESET && r->nodesetval != NULL)
		n = r->nodesetval->nodeNr;
	if (n != 1) {
		xmlXPathFreeObject(r);
		return brt__dx_fault(d, "selectionFailure",
				     "%s selects %d nodes, not one", what, n);
	}
	xmlNodePtr node = r->nodesetval->nodeTab[0];
	xmlXPathFreeObject(r);
	if (node->type != XML_ELEMENT_NODE &&
	    node->type != XML_ATTRIBUTE_NODE && node->type != XML_TEXT_NODE &&
	    node->type != XML_CDATA_SECTION_NODE)
		return brt__dx_fault(d, "selectionFailure",
				     "%s selects a node that cannot be "
				     "written",
				     what);
	if (!writable(as, node))
		return brt__dx_fault(d, "selectionFailure",
				     "%s selects a node outside the variables "
				     "this assign writes",
				     what);
	out->node = node;
	return 0;
}

/* variable[.part][query] as a destination. `create` false: only look,
 * never initialise (used for a copy that will be skipped). */
static int resolve_to_var(struct assign_state *as, int var, int part, int query,
			  bool create, struct dst *out)
{
	struct brt_dctx *d = as->d;
	const struct brt_variable *v = &d->proc->vars[var];
	xmlDocPtr *slot = brt__dx_slot(d, var);
	if (slot == NULL)
		return BRT_EFAULT;
	if (v->kind == BRT_VAR_MESSAGE && part < 0 && query < 0) {
		out->slot = slot;
		out->mtype = v->message;
		return 0;
	}
	if (query < 0) {
		if (!create)
			return 0;
		out->node = init_var(d, slot, v, part, &out->decl);
		if (v->kind == BRT_VAR_TYPE)
			out->simple = v->xsd != BRT_XSD_COMPLEX;
		else if (v->kind == BRT_VAR_MESSAGE && part >= 0)
			out->simple =
				v->message->parts[part].element.local == NULL &&
				v->message->parts[part].kind != BRT_XSD_COMPLEX;
		return out->node != NULL ? 0 : -1;
	}
	/* A query needs something to select from. Writing initialises: an
	 * uninitialised variable or part first gets its skeleton (the
	 * declared element, or an empty part), as a copy without a query
	 * would; the query then selects in it (semantics-decisions.md). */
	xmlNodePtr ctx = NULL;
	bool simple;
	xmlDocPtr msg;
	if (create) {
		const struct brt_qname *decl;
		if (init_var(d, slot, v, part, &decl) == NULL)
			return BRT_EFAULT;
	}
	if (*slot != NULL && xmlDocGetRootElement(*slot) != NULL &&
	    read_var(d, var, part, &ctx, &simple, &msg) < 0) {
		d->fault = NULL; /* not a read: selectionFailure below */
		ctx = NULL;
	}
	if (ctx == NULL)
		return brt__dx_fault(d, "selectionFailure",
				     "the to-spec query runs on variable "
				     "'%s', which has no value there",
				     v->name);
	xmlXPathObjectPtr r = brt__dx_eval(d, query, ctx);
	if (r == NULL)
		return BRT_EFAULT;
	return dst_from_result(as, r, "the to-spec query", out);
}

/* The ref that is the whole of expression expr (`$v`, `$v.part`, blanks
 * and parentheses around it), NULL if it is more. */
static const struct brt_varref *whole_ref(struct brt_dctx *d, int expr)
{
	if (expr < 0 || expr >= d->proc->nexprs)
		return NULL;
	const struct brt_expr *e = &d->proc->exprs[expr];
	const char *t = e->text;
	int open = 0;
	while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == '(')
		open += *t++ == '(';
	if (*t++ != '$')
		return NULL;
	for (int i = 0; i < e->nrefs; i++) {
		const struct brt_varref *r = &e->refs[i];
		size_t n = strlen(r->name);
		if (r->var < 0 || r->var >= d->proc->nvars ||
		    strncmp(t, r->name, n) != 0)
			continue;
		const char *rest = t + n;
		int close = 0;
		while (*rest == ' ' || *rest == '\t' || *rest == '\n' ||
		       *rest == '\r' || *rest == ')')
			close += *rest++ == ')';
		if (*rest == '\0' && close == open)
			return r;
	}
	return NULL;
}

/* A to-spec expression that starts with `$v` or `$v.part` writes into
 * that variable: initialise it first, as <to variable part> would. Other
 * variables it mentions are only read. */
static int init_leading_ref(struct assign_state *as, int expr)
{
	struct brt_dctx *d = as->d;
	if (expr < 0 || expr >= d->proc->nexprs)
		return 0;
	const struct brt_expr *e = &d->proc->exprs[expr];
	const char *t = e->text;
	while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == '(')
		t++;
	if (*t++ != '$')
		return 0;
	const struct brt_varref *best = NULL;
	size_t bestlen = 0;
	for (int i = 0; i < e->nrefs; i++) {
		const struct brt_varref *r = &e->refs[i];
		size_t n = strlen(r->name);
		if (r->var < 0 || r->var >= d->proc->nvars ||
		    strncmp(t, r->name, n) != 0 || n <= bestlen)
			continue;
		char c = t[n];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')
			continue; /* a longer name */
		best = r;
		bestlen = n;
	}
	if (best == NULL)
		return 0;
	const struct brt_variable *v = &d->proc->vars[best->var];
	if (v->kind == BRT_VAR_MESSAGE && best->part < 0)
		return 0;
	xmlDocPtr *slot = brt__dx_slot(d, best->var);
	if (slot == NULL)
		return BRT_EFAULT;
	const struct brt_qname *decl;
	return init_var(d, slot, v, best->part, &decl) != NULL ? 0 : -1;
}

static xmlNsPtr ns_for(xmlDocPtr doc, xmlNodePtr el, const xmlChar *href,
		       const xmlChar *prefix, bool is_attr);
static void fix_default_ns(xmlDocPtr doc, xmlNodePtr n);

/* Element n is named {ns}local (ns NULL or "": no namespace). */
static bool named(xmlNodePtr n, const char *ns, const char *local)
{
	if (n->type != XML_ELEMENT_NODE ||
	    !xmlStrEqual(n->name, BAD_CAST local))
		return false;
	const xmlChar *h = n->ns != NULL ? n->ns->href : NULL;
	if (ns == NULL || ns[0] == '\0')
		return h == NULL || h[0] == '\0';
	return xmlStrEqual(h, BAD_CAST ns);
}

/* insertMissingToData (Apache ODE): make the leading steps of the
 * to-spec path exist, as ODE's runtime did before evaluating it. From
 * the node $var[.part] names, each step is a child element: exactly one
 * such child, go down into it; none, append a new (empty) one; several,
 * stop (the path is ambiguous). A last attribute step that is missing is
 * added empty. Only the variable this assign writes changes, so a fault
 * later in the assign undoes it with the rest. */
static int insert_missing(struct assign_state *as, const struct brt_copy *c)
{
	struct brt_dctx *d = as->d;
	xmlNodePtr n;
	bool simple;
	xmlDocPtr msg;
	if (read_var(d, c->insert_var, c->insert_part, &n, &simple, &msg) < 0 ||
	    n == NULL || n->type != XML_ELEMENT_NODE || simple ||
	    !writable(as, n)) {
		/* nothing to complete: the evaluation below says why */
		d->fault = NULL;
		d->why[0] = '\0';
		return 0;
	}
	for (int i = 0; i < c->ninsert; i++) {
		const struct brt_insert_step *st = &c->insert[i];
		bool has_ns = st->ns != NULL && st->ns[0] != '\0';
		if (st->attribute) {
			if (xmlHasNsProp(n, BAD_CAST st->local,
					 has_ns ? BAD_CAST st->ns : NULL))
				break;
			xmlNsPtr ns = has_ns ? ns_for(n->doc, n,
						      BAD_CAST st->ns,
						      BAD_CAST st->prefix, true)
					     : NULL;
			if ((has_ns && ns == NULL) ||
			    xmlSetNsProp(n, ns, BAD_CAST st->local,
					 BAD_CAST "") == NULL)
				return brt__dx_fault(
					d, "subLanguageExecutionFault",
					"out of memory");
			break;
		}
		xmlNodePtr found = NULL;
		int count = 0;
		for (xmlNodePtr k = n->children; k != NULL; k = k->next)
			if (named(k, st->ns, st->local)) {
				found = k;
				count++;
			}
		if (count > 1)
			break;
		if (found == NULL) {
			found = xmlNewDocNode(n->doc, NULL, BAD_CAST st->local,
					      NULL);
			if (found == NULL || xmlAddChild(n, found) == NULL) {
				xmlFreeNode(found);
				return brt__dx_fault(
					d, "subLanguageExecutionFault",
					"out of memory");
			}
			if (has_ns)
				xmlSetNs(found,
					 ns_for(n->doc, found, BAD_CAST st->ns,
						BAD_CAST st->prefix, false));
			else
				fix_default_ns(n->doc, found);
		}
		n = found;
	}
	return 0;
}

static bool selects_nothing(xmlXPathObjectPtr r)
{
	return r->type == XPATH_NODESET &&
	       (r->nodesetval == NULL || r->nodesetval->nodeNr == 0);
}

/* The to-spec of copy c; `create` false: only look, never initialise
 * (used for a copy that will be skipped). */
static int resolve_to(struct assign_state *as, const struct brt_copy *c,
		      bool create, struct dst *out)
{
	struct brt_dctx *d = as->d;
	const struct brt_to *t = &c->to;
	memset(out, 0, sizeof *out);
	switch (t->kind) {
	case BRT_TO_VAR:
		return resolve_to_var(as, t->var, t->part, t->query, create,
				      out);
	case BRT_TO_EXPR: {
		/* `$v` or `$v.part` alone is that variable (a simple-typed
		 * one is an atomic value in XPath, not a node to write). */
		const struct brt_varref *ref = whole_ref(d, t->expr);
		if (ref != NULL)
			return resolve_to_var(as, ref->var, ref->part, -1,
					      create, out);
		if (create && init_leading_ref(as, t->expr) < 0)
			return BRT_EFAULT;
		xmlXPathObjectPtr r = brt__dx_eval(d, t->expr, NULL);
		if (r == NULL)
			return BRT_EFAULT;
		if (create && c->ninsert > 0 && selects_nothing(r)) {
			xmlXPathFreeObject(r);
			if (insert_missing(as, c) < 0)
				return BRT_EFAULT;
			r = brt__dx_eval(d, t->expr, NULL);
			if (r == NULL)
				return BRT_EFAULT;
		}
		return dst_from_result(as, r, "the to-spec expression", out);
	}
	case BRT_TO_PROPERTY: {
		const struct brt_variable *v = &d->proc->vars[t->var];
		int part = -1;
		const struct brt_alias *a = brt__find_alias(
			d->proc, t->property,
			v->kind == BRT_VAR_MESSAGE ? v->message : NULL,
			v->kind == BRT_VAR_ELEMENT ? &v->element : NULL,
			v->kind == BRT_VAR_TYPE ? &v->type : NULL, &part);
		if (a == NULL)
			return brt__dx_fault(
				d, "selectionFailure",
				"no property alias of '%s' for "
				"variable '%s'",
				d->proc->properties[t->property].name.local,
				v->name);
		return resolve_to_var(as, t->var, part, a->query, create, out);
	}
	case BRT_TO_PLINK:
		if (t->plink < 0 || t->plink >= d->proc->nplinks)
			break;
		out->plink = t->plink + 1;
		return 0;
	}
	return brt__dx_fault(d, "subLanguageExecutionFault",
			     "unknown to-spec kind %d (compiler bug)",
			     (int)t->kind);
}

/* <to partnerLink>: the source must be an endpoint reference we can
 * use; the write waits for the end of the assign. */
static int to_plink(struct assign_state *as, struct src *s, int plink)
{
	struct brt_dctx *d = as->d;
	char why[200];
	char *url = NULL;
	if (s->node == NULL || s->node->type != XML_ELEMENT_NODE ||
	    brt__epr_parse(s->node, &url, why, sizeof why) < 0) {
		if (s->node == NULL || s->node->type != XML_ELEMENT_NODE)
			snprintf(why, sizeof why,
				 "the value is not an endpoint reference "
				 "element");
		return brt__dx_fault(d, "unsupportedReference",
				     "partnerLink '%s': %s",
				     d->proc->plinks[plink].name, why);
	}
	struct plink_write *n =
		realloc(as->pws, (size_t)(as->npws + 1) * sizeof *n);
	if (n == NULL) {
		free(url);
		return brt__dx_fault(d, "subLanguageExecutionFault",
				     "out of memory");
	}
	as->pws = n;
	as->pws[as->npws].plink = plink;
	as->pws[as->npws].url = url;
	as->npws++;
	return 0;
}

/* ---- replacing ------------------------------------------------------------------------- */

/* A no-namespace element below an in-scope default namespace would change
 * namespace when serialised: undeclare the default there. */
static void fix_default_ns(xmlDocPtr doc, xmlNodePtr n)
{
	for (; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (n->ns == NULL) {
			xmlNsPtr def = xmlSearchNs(doc, n, NULL);
			if (def != NULL && def->href != NULL &&
			    def->href[0] != '\0')
				xmlNewNs(n, BAD_CAST "", NULL);
		}
		fix_default_ns(doc, n->children);
	}
}

/* A namespace for {href} usable on `el` (an attribute needs a prefix). */
static xmlNsPtr ns_for(xmlDocPtr doc, xmlNodePtr el, const xmlChar *href,
		       const xmlChar *prefix, bool is_attr)
{
	xmlNsPtr ns = xmlSearchNsByHref(doc, el, href);
	if (ns != NULL && (!is_attr || ns->prefix != NULL))
		return ns;
	char buf[32];
	const xmlChar *p = prefix;
	for (int i = 0;; i++) {
		if (p != NULL || !is_attr) {
			xmlNsPtr bound = xmlSearchNs(doc, el, p);
			if (bound == NULL)
				return xmlNewNs(el, href, p);
			if (xmlStrEqual(bound->href, href) &&
			    (!is_attr || bound->prefix != NULL))
				return bound;
			if (p == NULL && !is_attr && bound->href != NULL &&
			    bound->href[0] == '\0')
				return xmlNewNs(el, href, p);
		}
		snprintf(buf, sizeof buf, "ns%d", i);
		p = BAD_CAST buf;
		if (i > 1000)
			return NULL;
	}
}

struct attr_copy {
	xmlChar *name, *href, *prefix, *value;
};

static void clear_children(xmlNodePtr el)
{
	xmlNodePtr c = el->children;
	while (c != NULL) {
		xmlNodePtr next = c->next;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
		c = next;
	}
}

static void replace_content(xmlNodePtr el, const xmlChar *value)
{
	clear_children(el);
	xmlNodePtr t =
		xmlNewDocText(el->doc, value != NULL ? value : BAD_CAST "");
	if (t != NULL)
		xmlAddChild(el, t);
}

static int replace_element(struct brt_dctx *d, xmlNodePtr dst, xmlNodePtr src,
			   bool keep, const struct brt_qname *decl)
{
	if (keep && decl != NULL && !brt__data_elem_is(src, decl))
		return brt__dx_fault(
			d, "mismatchedAssignmentFailure",
			"keepSrcElementName: <%s> cannot replace the "
			"declared element <%s>",
			(const char *)src->name, decl->local);
	if (brt__copy_element_props(dst, src, keep) < 0)
		return brt__dx_fault(d, "subLanguageExecutionFault",
				     "out of memory");
	return 0;
}

int brt__copy_element_props(xmlNodePtr dst, xmlNodePtr src, bool keep)
{
	xmlDocPtr doc = dst->doc;
	/* Prefixes in scope at the source that QNames in its content use
	 * (xsi:type="k:T", <kind>k:rush</kind>); element and attribute
	 * names bring their own declarations with the copy. */
	xmlNsPtr *inscope = xmlGetNsList(src->doc, src);
	int ninscope = 0;
	while (inscope != NULL && inscope[ninscope] != NULL)
		ninscope++;
	bool *used = calloc((size_t)ninscope + 1, sizeof *used);
	if (used == NULL ||
	    brt__data_prefixes_in_content(src, inscope, used) < 0) {
		free(used);
		xmlFree(inscope);
		return -1;
	}
	for (int i = 0; i < ninscope; i++) {
		xmlNsPtr ns = inscope[i];
		if (ns->prefix != NULL && used[i] &&
		    xmlSearchNs(doc, dst, ns->prefix) == NULL)
			xmlNewNs(dst, ns->href, ns->prefix);
	}
	free(used);
	xmlFree(inscope);

	int nattrs = 0, nkids = 0;
	for (xmlAttrPtr a = src->properties; a != NULL; a = a->next)
		nattrs++;
	for (xmlNodePtr c = src->children; c != NULL; c = c->next)
		nkids++;
	struct attr_copy *attrs = calloc((size_t)nattrs + 1, sizeof *attrs);
	xmlNodePtr *kids = calloc((size_t)nkids + 1, sizeof *kids);
	xmlChar *name = xmlStrdup(src->name);
	xmlChar *href = src->ns != NULL ? xmlStrdup(src->ns->href) : NULL;
	xmlChar *prefix = src->ns != NULL && src->ns->prefix != NULL
				  ? xmlStrdup(src->ns->prefix)
				  : NULL;
	int rc = 0;
	if (attrs == NULL || kids == NULL || name == NULL) {
		rc = -1;
		goto out;
	}
	int i = 0;
	for (xmlAttrPtr a = src->properties; a != NULL; a = a->next, i++) {
		attrs[i].name = xmlStrdup(a->name);
		attrs[i].value = xmlNodeGetContent((xmlNodePtr)a);
		if (a->ns != NULL) {
			attrs[i].href = xmlStrdup(a->ns->href);
			if (a->ns->prefix != NULL)
				attrs[i].prefix = xmlStrdup(a->ns->prefix);
		}
	}
	i = 0;
	for (xmlNodePtr c = src->children; c != NULL; c = c->next)
		if ((kids[i] = xmlDocCopyNode(c, doc, 1)) != NULL)
			i++;

	/* From here on dst changes. */
	clear_children(dst);
	while (dst->properties != NULL)
		xmlRemoveProp(dst->properties);
	if (keep) {
		xmlNodeSetName(dst, name);
		if (href != NULL && href[0] != '\0')
			xmlSetNs(dst, ns_for(doc, dst, href, prefix, false));
		else
			xmlSetNs(dst, NULL);
		fix_default_ns(doc, dst);
	}
	for (i = 0; i < nattrs; i++) {
		xmlNsPtr ns = NULL;
		if (attrs[i].href != NULL)
			ns = ns_for(doc, dst, attrs[i].href, attrs[i].prefix,
				    true);
		xmlSetNsProp(dst, ns, attrs[i].name, attrs[i].value);
	}
	for (i = 0; kids[i] != NULL; i++) {
		xmlNodePtr k = kids[i];
		kids[i] = NULL;
		if (xmlAddChild(dst, k) == NULL)
			xmlFreeNode(k);
	}
	/* Each copy declared what it needs on itself: say it once on dst,
	 * and drop what dst already has in scope. */
	brt__data_hoist_ns(dst);
	fix_default_ns(doc, dst->children);
out:
	for (i = 0; attrs != NULL && i < nattrs; i++) {
		xmlFree(attrs[i].name);
		xmlFree(attrs[i].value);
		xmlFree(attrs[i].href);
		xmlFree(attrs[i].prefix);
	}
	for (i = 0; kids != NULL && kids[i] != NULL; i++)
		xmlFreeNode(kids[i]);
	free(attrs);
	free(kids);
	xmlFree(name);
	xmlFree(href);
	xmlFree(prefix);
	return rc;
}

static int apply(struct assign_state *as, const struct brt_copy *c,
		 struct src *s, struct dst *t)
{
	struct brt_dctx *d = as->d;
	if (t->plink > 0)
		return to_plink(as, s, t->plink - 1);
	if (t->slot != NULL || s->msg != NULL) {
		if (t->slot == NULL || s->msg == NULL ||
		    !brt__data_same_message(s->mtype, t->mtype))
			return brt__dx_fault(
				d, "mismatchedAssignmentFailure",
				"a whole message can only be copied to a "
				"message variable of the same type");
		xmlDocPtr copy = xmlCopyDoc(s->msg, 1);
		if (copy == NULL)
			return brt__dx_fault(d, "subLanguageExecutionFault",
					     "out of memory");
		xmlFreeDoc(*t->slot);
		*t->slot = copy;
		return 0;
	}
	xmlNodePtr dn = t->node;
	/* A simple-typed destination only ever takes a string value. */
	if (dn->type == XML_ELEMENT_NODE && !t->simple && s->node != NULL &&
	    s->node->type == XML_ELEMENT_NODE)
		return replace_element(d, dn, s->node, c->keep_src_element_name,
				       t->decl);
	xmlChar *val = s->str != NULL ? xmlStrdup(s->str)
				      : xmlNodeGetContent(s->node);
	if (dn->type == XML_ELEMENT_NODE) {
		replace_content(dn, val);
	} else if (dn->type == XML_ATTRIBUTE_NODE) {
		/* xmlSetNsProp stores the value as is (no entity parsing). */
		xmlAttrPtr a = (xmlAttrPtr)dn;
		xmlSetNsProp(a->parent, a->ns, a->name,
			     val != NULL ? val : BAD_CAST "");
	} else {
		/* Text-like nodes store the value as is. */
		xmlNodeSetContent(dn, val != NULL ? val : BAD_CAST "");
	}
	xmlFree(val);
	return 0;
}

static int to_var(const struct brt_dctx *d, const struct brt_to *t);

/* ignoreUninitializedFromVariable (Apache ODE): the fault just recorded
 * is uninitializedVariable, which this copy ignores; forget it. */
static bool ignore_uninit(struct brt_dctx *d, const struct brt_copy *c)
{
	if (!c->ignore_uninitialized_from_variable || d->fault == NULL ||
	    strcmp(d->fault, "uninitializedVariable") != 0)
		return false;
	d->fault = NULL;
	d->why[0] = '\0';
	return true;
}

static int one_copy(struct assign_state *as, const struct brt_copy *c)
{
	struct brt_dctx *d = as->d;
	struct src s;
	struct dst t;
	if (resolve_from(as, &c->from, &s) < 0) {
		src_free(&s);
		return ignore_uninit(d, c) ? 0 : BRT_EFAULT;
	}
	/* A copy ODE would skip leaves its destination as it was, also when
	 * the to-spec had started to initialise it: keep a copy to put back. */
	xmlDocPtr *keep_slot = NULL, kept = NULL;
	int tv = c->ignore_uninitialized_from_variable ? to_var(d, &c->to) : -1;
	if (tv >= 0 && (keep_slot = brt__dx_slot(d, tv)) != NULL &&
	    *keep_slot != NULL && (kept = xmlCopyDoc(*keep_slot, 1)) == NULL) {
		src_free(&s);
		return brt__dx_fault(d, "subLanguageExecutionFault",
				     "out of memory");
	}
	int rc;
	if (s.empty) {
		/* The to-spec must still select its node; nothing is
		 * created for a copy that does nothing. */
		rc = resolve_to(as, c, false, &t);
		if (rc == 0 && !c->ignore_missing_from_data)
			rc = brt__dx_fault(d, "selectionFailure",
					   "the from-spec selects no node");
	} else {
		rc = resolve_to(as, c, true, &t);
		if (rc == 0)
			rc = apply(as, c, &s, &t);
	}
	if (rc < 0 && keep_slot != NULL && ignore_uninit(d, c)) {
		xmlFreeDoc(*keep_slot);
		*keep_slot = kept;
		kept = NULL;
		rc = 0;
	}
	xmlFreeDoc(kept);
	src_free(&s);
	return rc;
}

/* The variable a to-spec writes (-1: none or a partner link). */
static int to_var(const struct brt_dctx *d, const struct brt_to *t)
{
	if (t->kind == BRT_TO_VAR || t->kind == BRT_TO_PROPERTY)
		return t->var;
	if (t->kind != BRT_TO_EXPR || t->expr < 0 || t->expr >= d->proc->nexprs)
		return -1;
	const struct brt_expr *e = &d->proc->exprs[t->expr];
	const char *x = e->text;
	while (*x == ' ' || *x == '\t' || *x == '\n' || *x == '\r' || *x == '(')
		x++;
	for (int i = 0; *x == '$' && i < e->nrefs; i++) {
		size_t n = strlen(e->refs[i].name);
		const char *dot = strchr(e->refs[i].name, '.');
		size_t vn = dot != NULL ? (size_t)(dot - e->refs[i].name) : n;
		if (strncmp(x + 1, e->refs[i].name, vn) == 0)
			return e->refs[i].var;
	}
	return -1;
}

/* validate="yes": every variable a copy wrote; <validate>: the listed
 * ones. A failure is invalidVariables and the caller rolls back. */
static int validate_vars(struct brt_dctx *d, const struct brt_assign *a)
{
	for (int i = 0; a->validate && i < a->ncopies; i++) {
		int v = to_var(d, &a->copies[i].to);
		bool seen = v < 0;
		for (int j = 0; j < i && !seen; j++)
			seen = to_var(d, &a->copies[j].to) == v;
		if (!seen && brt__dx_validate_var(d, v) < 0)
			return BRT_EFAULT;
	}
	const struct brt_process *p = d->proc;
	for (int i = 0; i < p->nvalidates; i++) {
		const struct brt_validate *v = &p->validates[i];
		if (v->assign < 0 || v->assign >= p->nassigns ||
		    &p->assigns[v->assign] != a)
			continue;
		for (int j = 0; j < v->nvars; j++)
			if (brt__dx_validate_var(d, v->vars[j]) < 0)
				return BRT_EFAULT;
	}
	return 0;
}

int brt__dx_assign(struct brt_dctx *d, const struct brt_assign *a)
{
	struct assign_state as = { .d = d };
	xmlResetLastError(); /* brt__error_xml_oom below */
	int rc = snapshot_all(&as, a);
	for (int i = 0; rc == 0 && i < a->ncopies; i++) {
		rc = one_copy(&as, &a->copies[i]);
		if (rc < 0 && a->file != NULL) {
			/* Prefix the copy's location to the reason. */
			char why[sizeof d->why + 128];
			snprintf(why, sizeof why, "%s:%d: %s", a->file,
				 a->copies[i].line, d->why);
			memcpy(d->why, why, sizeof d->why - 1);
			d->why[sizeof d->why - 1] = '\0';
		}
	}
	if (rc == 0)
		rc = validate_vars(d, a);
	/* A copy libxml2 made without all its memory is not a copy: undo. */
	if (rc == 0 && brt__error_xml_oom())
		rc = brt__dx_fault(d, "subLanguageExecutionFault",
				   "out of memory");
	snapshots_end(&as, rc < 0);
	/* Partner links change only when every copy succeeded. */
	for (int i = 0; i < as.npws; i++) {
		if (rc == 0 && (d->set_plink_url == NULL ||
				d->set_plink_url(d->arg, as.pws[i].plink,
						 as.pws[i].url) < 0))
			rc = brt__dx_fault(
				d, "subLanguageExecutionFault",
				"cannot set partnerLink '%s'",
				d->proc->plinks[as.pws[i].plink].name);
		free(as.pws[i].url);
	}
	free(as.pws);
	return rc;
}

enum brt_step brt_assign(brt_strand *s, const struct brt_assign *a)
{
	struct brt_dctx d;
	brt__dctx_strand(&d, s);
	if (brt__dx_assign(&d, a) < 0)
		return brt__std_fault(s, d.fault, d.why);
	return BRT_STEP_NEXT;
}
