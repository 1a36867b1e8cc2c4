/*
 * soap.c — SOAP 1.1 envelopes in and out: safe parsing, Body <-> message
 * value (document/literal and rpc/literal), Fault envelopes.
 *
 * Used by http.c (requests from clients) and invoke.c (calls to partners).
 * It does no I/O and keeps no state. Message values follow bpelrt.h: a
 * document whose root is <message> with one child per part, named after the
 * part. Fault envelopes follow faults.md "Our product's convention".
 *
 * Parsing refuses any document type declaration before the parser looks at
 * its internal subset, so entity expansion (billion laughs) and external
 * entities (XXE) never happen; network access is off as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include "internal.h"

#define SOAP11_NS "http://schemas.xmlsoap.org/soap/envelope/"

/* ---- helpers ------------------------------------------------------------- */

static bool ns_eq(const char *a, const char *b)
{
	if (!a)
		a = "";
	if (!b)
		b = "";
	return strcmp(a, b) == 0;
}

static const char *node_ns(const xmlNode *n)
{
	return n->ns && n->ns->href ? (const char *)n->ns->href : "";
}

static bool is_elem(const xmlNode *n, const char *ns, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, local) == 0 &&
	       ns_eq(node_ns(n), ns);
}

static xmlNodePtr first_elem(xmlNodePtr n)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static xmlNodePtr next_elem(xmlNodePtr n)
{
	return n ? first_elem(n->next) : NULL;
}

/* True when n has no non-whitespace text and no element children. */
static bool is_blank_text(const xmlNode *n)
{
	if (n->type != XML_TEXT_NODE && n->type != XML_CDATA_SECTION_NODE)
		return false;
	return xmlIsBlankNode((xmlNodePtr)n);
}

/*
 * Copy element `src` into `doc` and declare on the copy every namespace in
 * scope at `src` that the copy does not declare itself: QName-valued content
 * (xsi:type="tns:T", "tns:x" in text) keeps its meaning after the copy
 * leaves the envelope that declared the prefix.
 */
static bool declare_scope(xmlNsPtr *scope, xmlNodePtr src, xmlNodePtr cp)
{
	int n = 0;
	while (scope && scope[n])
		n++;
	if (n == 0)
		return true;
	bool *used = calloc((size_t)n, sizeof *used);
	if (!used || brt__data_prefixes_in_content(src, scope, used) < 0) {
		free(used);
		return false;
	}
	for (int i = 0; i < n; i++) {
		xmlNsPtr p = scope[i];
		/* Only prefixes that QName-valued content uses: the copy
		 * declares what its names need itself. */
		bool have = p->prefix == NULL || !used[i];
		for (xmlNsPtr d = cp->nsDef; d && !have; d = d->next)
			have = ns_eq((const char *)d->prefix,
				     (const char *)p->prefix);
		if (!have && !xmlNewNs(cp, p->href, p->prefix)) {
			free(used);
			return false;
		}
	}
	free(used);
	return true;
}

static xmlNodePtr copy_elem(xmlNodePtr src, xmlDocPtr doc)
{
	xmlNodePtr cp = xmlDocCopyNode(src, doc, 1);
	if (cp) {
		xmlNsPtr *scope = xmlGetNsList(src->doc, src);
		bool ok = declare_scope(scope, src, cp);
		xmlFree(scope);
		if (!ok) {
			xmlFreeNode(cp);
			return NULL;
		}
	}
	return cp;
}

/* What copy_elem then xmlAddChild(parent, copy) give, without the copy:
 * `el` moves out of its document (an envelope about to be freed) to the
 * end of parent's children. libxml2 re-points the namespaces it used from
 * the envelope's declarations and copies its names out of the parser's
 * dictionary, which goes with the envelope. */
static bool take_elem(xmlNodePtr el, xmlNodePtr parent)
{
	xmlDocPtr from = el->doc;
	/* The envelope's declarations stay readable until it is freed. */
	xmlNsPtr *scope = xmlGetNsList(from, el);
	xmlUnlinkNode(el);
	if (xmlDOMWrapAdoptNode(NULL, from, el, parent->doc, parent, 0) != 0) {
		/* Out of memory half-way: leave it in its own document. */
		xmlAddChild(xmlDocGetRootElement(from), el);
		xmlFree(scope);
		return false;
	}
	xmlAddChild(parent, el);
	bool ok = declare_scope(scope, el, el);
	xmlFree(scope);
	return ok;
}

/* Copy the attributes and children of `src` onto `dst` (a type part's
 * value). Returns false on allocation failure. */
static bool copy_content(xmlNodePtr src, xmlNodePtr dst)
{
	for (xmlAttrPtr a = src->properties; a; a = a->next) {
		xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
		xmlNsPtr ns = NULL;
		if (a->ns)
			ns = xmlNewNs(dst, a->ns->href, a->ns->prefix);
		if (a->ns && !ns)
			ns = xmlSearchNsByHref(dst->doc, dst, a->ns->href);
		xmlAttrPtr na = xmlNewNsProp(dst, ns, a->name, v);
		xmlFree(v);
		if (!na)
			return false;
	}
	for (xmlNodePtr c = src->children; c; c = c->next) {
		xmlNodePtr cp = c->type == XML_ELEMENT_NODE
					? copy_elem(c, dst->doc)
					: xmlDocCopyNode(c, dst->doc, 1);
		if (!cp)
			return false;
		xmlAddChild(dst, cp);
	}
	brt__data_hoist_ns(dst);
	return true;
}

/* An unqualified child element (xmlNewChild would inherit the parent's
 * namespace), with `text` as literal text when not NULL. */
static xmlNodePtr new_child(xmlNodePtr parent, const char *name,
			    const char *text)
{
	xmlNodePtr n = xmlNewDocNode(parent->doc, NULL, BAD_CAST name, NULL);
	if (!n)
		return NULL;
	if (text)
		xmlNodeAddContent(n, BAD_CAST text);
	xmlAddChild(parent, n);
	return n;
}

static xmlDocPtr new_message_doc(xmlNodePtr *root)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		return NULL;
	*root = xmlNewDocNode(doc, NULL, BAD_CAST "message", NULL);
	if (!*root) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, *root);
	return doc;
}

static xmlNodePtr msg_part(xmlDocPtr msg, const char *name)
{
	xmlNodePtr root = msg ? xmlDocGetRootElement(msg) : NULL;
	for (xmlNodePtr c = root ? first_elem(root->children) : NULL; c;
	     c = next_elem(c))
		if (strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* ---- parsing ------------------------------------------------------------- */

/* SOAP 1.1 §4.1: an optional Header first, then one Body, then only
 * namespace-qualified elements; no text between them, none directly in
 * the Body. Requests and partner replies are held to the same rules.
 * NULL when the envelope has that shape, else why not. */
static const char *envelope_shape(xmlNodePtr root)
{
	enum { START, AFTER_HEADER, AFTER_BODY } at = START;
	xmlNodePtr body = NULL;
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE ||
		    c->type == XML_CDATA_SECTION_NODE) {
			if (!is_blank_text(c))
				return "text directly inside the SOAP Envelope";
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue; /* comments, processing instructions */
		if (!c->ns)
			return "an unqualified element directly inside the "
			       "SOAP Envelope";
		if (is_elem(c, SOAP11_NS, "Header")) {
			if (at != START)
				return "the SOAP Header is not the Envelope's "
				       "first element";
			at = AFTER_HEADER;
		} else if (is_elem(c, SOAP11_NS, "Body")) {
			if (at == AFTER_BODY)
				return "two SOAP Body elements";
			at = AFTER_BODY;
			body = c;
		} else if (at != AFTER_BODY)
			return "an element before the SOAP Body";
	}
	if (!body)
		return "SOAP envelope without Body";
	for (xmlNodePtr c = body->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE ||
		     c->type == XML_CDATA_SECTION_NODE) &&
		    !is_blank_text(c))
			return "text directly inside the SOAP Body";
	return NULL;
}

/*
 * What the SAX hooks below see while the parser runs, before any tree is
 * built: a DOCTYPE, and elements beyond the intake limits. The limits keep
 * every later step linear in the size of the input: libxml2 appends an
 * attribute by walking the element's list, and copies look prefixes up
 * through the declarations in scope, so both are bounded per element.
 */
struct intake {
	startElementNsSAX2Func start; /* libxml2's tree builder */
	endElementNsSAX2Func end;
	const char *refused; /* why the parser was stopped, or NULL */
	int depth;
	int inscope; /* namespace declarations on the open elements */
	int *nsdecl; /* per open element, BRT_SOAP_MAX_DEPTH of them */
};

static void stop(xmlParserCtxtPtr ctxt, const char *why)
{
	struct intake *in = ctxt->_private;
	if (!in->refused)
		in->refused = why;
	xmlStopParser(ctxt);
}

/* SAX hook: any <!DOCTYPE> stops the parser before its subset is read. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *eid,
			   const xmlChar *sid)
{
	(void)name;
	(void)eid;
	(void)sid;
	stop(ctx, "DOCTYPE and entity declarations are not allowed");
}

static void refuse_entity(void *ctx, const xmlChar *name, int type,
			  const xmlChar *pid, const xmlChar *sid,
			  xmlChar *content)
{
	(void)name;
	(void)type;
	(void)pid;
	(void)sid;
	(void)content;
	stop(ctx, "DOCTYPE and entity declarations are not allowed");
}

static void count_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
			const xmlChar *uri, int nb_namespaces,
			const xmlChar **namespaces, int nb_attributes,
			int nb_defaulted, const xmlChar **attributes)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct intake *in = ctxt->_private;
	if (in->refused)
		return;
	if (nb_attributes > BRT_SOAP_MAX_ATTRS) {
		stop(ctxt, "too many attributes on one element (limit " BRT_STR(
				   BRT_SOAP_MAX_ATTRS) ")");
		return;
	}
	if (nb_namespaces > BRT_SOAP_MAX_NS) {
		stop(ctxt, "too many namespace declarations on one element "
			   "(limit " BRT_STR(BRT_SOAP_MAX_NS) ")");
		return;
	}
	if (in->inscope + nb_namespaces > BRT_SOAP_MAX_NS_IN_SCOPE) {
		stop(ctxt,
		     "too many namespace declarations in scope (limit " BRT_STR(
			     BRT_SOAP_MAX_NS_IN_SCOPE) ")");
		return;
	}
	if (in->depth >= BRT_SOAP_MAX_DEPTH) {
		stop(ctxt, "elements nested too deep (limit " BRT_STR(
				   BRT_SOAP_MAX_DEPTH) ")");
		return;
	}
	in->nsdecl[in->depth++] = nb_namespaces;
	in->inscope += nb_namespaces;
	in->start(ctx, local, prefix, uri, nb_namespaces, namespaces,
		  nb_attributes, nb_defaulted, attributes);
}

static void count_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
		      const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct intake *in = ctxt->_private;
	if (in->refused)
		return;
	if (in->depth > 0)
		in->inscope -= in->nsdecl[--in->depth];
	in->end(ctx, local, prefix, uri);
}

static xmlDocPtr parse(const char *buf, size_t len, const char **why,
		       bool scanned)
{
	static const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (!buf || len == 0) {
		*why = "empty body";
		return NULL;
	}
	if (len > 0x7fffffff) {
		*why = "body too large";
		return NULL;
	}
	struct brt_prescan ps;
	brt__prescan_init(&ps);
	const char *crowded = scanned ? NULL : brt__prescan_feed(&ps, buf, len);
	if (crowded) {
		*why = crowded;
		return NULL;
	}
	int nsdecl[BRT_SOAP_MAX_DEPTH];
	struct intake in = { .nsdecl = nsdecl };
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt) {
		*why = "out of memory";
		return NULL;
	}
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->externalSubset = refuse_doctype;
	ctxt->sax->entityDecl = refuse_entity;
	in.start = ctxt->sax->startElementNs;
	in.end = ctxt->sax->endElementNs;
	ctxt->sax->startElementNs = count_start;
	ctxt->sax->endElementNs = count_end;
	ctxt->_private = &in;
	/* No NOENT (no substitution), no DTDLOAD/DTDATTR, no network. */
	xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
					  XML_PARSE_NONET | XML_PARSE_NOCDATA |
						  XML_PARSE_NOERROR |
						  XML_PARSE_NOWARNING);
	bool wf = ctxt->wellFormed;
	xmlFreeParserCtxt(ctxt);
	if (in.refused || (doc && (doc->intSubset || doc->extSubset))) {
		xmlFreeDoc(doc);
		*why = in.refused
			       ? in.refused
			       : "DOCTYPE and entity declarations are not allowed";
		return NULL;
	}
	if (!doc || !wf) {
		xmlFreeDoc(doc);
		*why = "malformed XML";
		return NULL;
	}
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root || strcmp((const char *)root->name, "Envelope") != 0) {
		xmlFreeDoc(doc);
		*why = "not a SOAP envelope";
		return NULL;
	}
	if (!ns_eq(node_ns(root), SOAP11_NS)) {
		xmlFreeDoc(doc);
		*why = "not a SOAP 1.1 envelope (wrong namespace)";
		return NULL;
	}
	const char *bad = envelope_shape(root);
	if (bad) {
		xmlFreeDoc(doc);
		*why = bad;
		return NULL;
	}
	return doc;
}

xmlDocPtr brt__soap_parse(const char *buf, size_t len, const char **why)
{
	return parse(buf, len, why, false);
}

xmlDocPtr brt__soap_parse_scanned(const char *buf, size_t len, const char **why)
{
	return parse(buf, len, why, true);
}

xmlNodePtr brt__soap_body_first(xmlDocPtr env, xmlNodePtr *body)
{
	xmlNodePtr root = env ? xmlDocGetRootElement(env) : NULL;
	if (body)
		*body = NULL;
	if (!root)
		return NULL;
	for (xmlNodePtr c = first_elem(root->children); c; c = next_elem(c)) {
		if (is_elem(c, SOAP11_NS, "Body")) {
			if (body)
				*body = c;
			return first_elem(c->children);
		}
	}
	return NULL;
}

/* ---- Body -> message ----------------------------------------------------- */

/* Put the value of part p, carried by element `el`, into message `root`;
 * `take`: move the element there rather than copy it. */
static bool add_part(xmlNodePtr root, const struct brt_part *p, xmlNodePtr el,
		     bool el_is_part_element, bool take)
{
	xmlNodePtr pn = new_child(root, p->name, NULL);
	if (!pn)
		return false;
	if (el_is_part_element && take)
		return take_elem(el, pn);
	if (el_is_part_element) {
		xmlNodePtr cp = copy_elem(el, root->doc);
		if (!cp)
			return false;
		xmlAddChild(pn, cp);
		return true;
	}
	return copy_content(el, pn);
}

static bool part_is_element(const struct brt_part *p)
{
	return p->element.local != NULL;
}

/* Document style (and fault details): the element children of `parent` are
 * the parts in order: element parts by their element, type parts as an
 * element named after the part. */
static xmlDocPtr doc_to_message(xmlNodePtr parent, const struct brt_message *m,
				bool take, const char **why)
{
	xmlNodePtr root;
	xmlDocPtr doc = new_message_doc(&root);
	if (!doc) {
		*why = "out of memory";
		return NULL;
	}
	xmlNodePtr c = parent ? first_elem(parent->children) : NULL;
	for (int i = 0; m && i < m->nparts; i++) {
		const struct brt_part *p = &m->parts[i];
		if (!c) {
			*why = "a message part is missing";
			goto fail;
		}
		if (part_is_element(p)) {
			if (!is_elem(c, p->element.ns, p->element.local)) {
				*why = "unexpected element where a part's "
				       "element belongs";
				goto fail;
			}
		} else if (strcmp((const char *)c->name, p->name) != 0) {
			*why = "unexpected element where a part belongs";
			goto fail;
		}
		xmlNodePtr next = next_elem(c); /* before c moves */
		if (!add_part(root, p, c, part_is_element(p), take)) {
			*why = "out of memory";
			goto fail;
		}
		c = next;
	}
	if (c) {
		*why = "more elements than the message has parts";
		goto fail;
	}
	return doc;
fail:
	xmlFreeDoc(doc);
	return NULL;
}

static xmlNodePtr child_named(xmlNodePtr parent, const char *local)
{
	for (xmlNodePtr c = first_elem(parent->children); c; c = next_elem(c))
		if (strcmp((const char *)c->name, local) == 0)
			return c;
	return NULL;
}

static xmlDocPtr rpc_to_message(xmlNodePtr body, const struct brt_operation *op,
				const struct brt_message *m, bool is_response,
				bool take, const char **why)
{
	char wname[512];
	snprintf(wname, sizeof wname, "%s%s", op->name,
		 is_response ? "Response" : "");
	xmlNodePtr w = first_elem(body->children);
	if (!w) {
		*why = "empty Body (rpc wrapper element missing)";
		return NULL;
	}
	/* Some peers name the response wrapper freely; accept any name for a
	 * response but insist on the namespace-qualified operation name for a
	 * request, which is how the operation was chosen. */
	if (!is_response ? !is_elem(w, op->rpc_ns, wname)
			 : !ns_eq(node_ns(w), op->rpc_ns) &&
				   !is_elem(w, op->rpc_ns, wname)) {
		*why = "rpc wrapper element does not name the operation";
		return NULL;
	}
	if (next_elem(w)) {
		*why = "more than one element in an rpc Body";
		return NULL;
	}
	xmlNodePtr root;
	xmlDocPtr doc = new_message_doc(&root);
	if (!doc) {
		*why = "out of memory";
		return NULL;
	}
	for (int i = 0; m && i < m->nparts; i++) {
		const struct brt_part *p = &m->parts[i];
		xmlNodePtr acc = child_named(w, p->name);
		if (!acc) {
			*why = "an rpc part accessor is missing";
			xmlFreeDoc(doc);
			return NULL;
		}
		bool ok;
		if (part_is_element(p)) {
			xmlNodePtr inner = first_elem(acc->children);
			if (inner &&
			    is_elem(inner, p->element.ns, p->element.local))
				ok = add_part(root, p, inner, true, take);
			else {
				/* The accessor carries the element's content:
				 * rebuild the element under its own name. */
				xmlNodePtr pn = new_child(
					root, (const char *)p->name, NULL);
				xmlNodePtr el = pn ? new_child(pn,
							       p->element.local,
							       NULL)
						   : NULL;
				ok = el != NULL;
				if (ok && p->element.ns && *p->element.ns) {
					xmlNsPtr ns = xmlNewNs(
						el, BAD_CAST p->element.ns,
						BAD_CAST "p");
					xmlSetNs(el, ns);
				}
				ok = ok && copy_content(acc, el);
			}
		} else
			ok = add_part(root, p, acc, false, take);
		if (!ok) {
			*why = "out of memory";
			xmlFreeDoc(doc);
			return NULL;
		}
	}
	return doc;
}

static xmlDocPtr to_message(xmlNodePtr body, const struct brt_operation *op,
			    const struct brt_message *m, bool is_response,
			    bool take, const char **why)
{
	static const char *dummy;
	if (!why)
		why = &dummy;
	*why = NULL;
	if (!body || !op) {
		*why = "no SOAP Body";
		return NULL;
	}
	if (op->style == BRT_STYLE_RPC)
		return rpc_to_message(body, op, m, is_response, take, why);
	return doc_to_message(body, m, take, why);
}

xmlDocPtr brt__soap_to_message(xmlNodePtr body, const struct brt_operation *op,
			       const struct brt_message *m, bool is_response,
			       const char **why)
{
	return to_message(body, op, m, is_response, false, why);
}

xmlDocPtr brt__soap_take_message(xmlNodePtr body,
				 const struct brt_operation *op,
				 const struct brt_message *m, bool is_response,
				 const char **why)
{
	return to_message(body, op, m, is_response, true, why);
}

/* ---- message -> Body ----------------------------------------------------- */

static xmlDocPtr new_envelope(xmlNodePtr *body)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		return NULL;
	xmlNodePtr env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
	if (!env) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, env);
	xmlNsPtr ns = xmlNewNs(env, BAD_CAST SOAP11_NS, BAD_CAST "soapenv");
	xmlSetNs(env, ns);
	*body = xmlNewChild(env, ns, BAD_CAST "Body", NULL);
	if (!ns || !*body) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* Append part p of `msg` under `parent`. Element parts: the element itself
 * (wrapped in an accessor named after the part when `accessor`); type
 * parts: an element named after the part with the value. Missing parts are
 * left out (the data layer has already faulted on uninitialised ones). */
static bool put_part(xmlNodePtr parent, const struct brt_part *p, xmlDocPtr msg,
		     bool accessor)
{
	xmlNodePtr src = msg_part(msg, p->name);
	if (!src)
		return true;
	if (part_is_element(p)) {
		xmlNodePtr el = first_elem(src->children);
		if (!el)
			return true;
		xmlNodePtr at = parent;
		if (accessor) {
			at = new_child(parent, p->name, NULL);
			if (!at)
				return false;
		}
		xmlNodePtr cp = copy_elem(el, parent->doc);
		if (!cp)
			return false;
		xmlAddChild(at, cp);
		return true;
	}
	xmlNodePtr pn = new_child(parent, p->name, NULL);
	return pn && copy_content(src, pn);
}

xmlDocPtr brt__soap_from_message(const struct brt_operation *op,
				 const struct brt_message *m, xmlDocPtr msg,
				 bool is_response)
{
	xmlNodePtr body;
	xmlDocPtr env = new_envelope(&body);
	if (!env)
		return NULL;
	xmlNodePtr at = body;
	bool rpc = op && op->style == BRT_STYLE_RPC;
	if (rpc) {
		char wname[512];
		snprintf(wname, sizeof wname, "%s%s", op->name,
			 is_response ? "Response" : "");
		at = new_child(body, wname, NULL);
		if (!at)
			goto fail;
		if (op->rpc_ns && *op->rpc_ns) {
			xmlNsPtr ns =
				xmlNewNs(at, BAD_CAST op->rpc_ns, BAD_CAST "m");
			if (!ns)
				goto fail;
			xmlSetNs(at, ns);
		}
	}
	for (int i = 0; m && i < m->nparts; i++)
		if (!put_part(at, &m->parts[i], msg, rpc))
			goto fail;
	return env;
fail:
	xmlFreeDoc(env);
	return NULL;
}

/* ---- faults -------------------------------------------------------------- */

/* The detail of a fault: a message value gives its parts (an element
 * part's element, else the part element with its value); any other
 * document gives its root element. */
static bool put_detail(xmlNodePtr fault, xmlDocPtr data)
{
	xmlNodePtr root = data ? xmlDocGetRootElement(data) : NULL;
	if (!root)
		return true;
	xmlNodePtr detail = new_child(fault, "detail", NULL);
	if (!detail)
		return false;
	if (!(root->ns == NULL &&
	      strcmp((const char *)root->name, "message") == 0)) {
		xmlNodePtr cp = copy_elem(root, fault->doc);
		if (!cp)
			return false;
		xmlAddChild(detail, cp);
		return true;
	}
	for (xmlNodePtr p = first_elem(root->children); p; p = next_elem(p)) {
		xmlNodePtr el = first_elem(p->children);
		bool only_elem = el && !next_elem(el);
		for (xmlNodePtr c = p->children; only_elem && c; c = c->next)
			if (c->type != XML_ELEMENT_NODE && !is_blank_text(c) &&
			    c->type != XML_COMMENT_NODE)
				only_elem = false;
		xmlNodePtr cp = copy_elem(only_elem ? el : p, fault->doc);
		if (!cp)
			return false;
		xmlAddChild(detail, cp);
	}
	return true;
}

xmlDocPtr brt__soap_fault_code(bool client, const char *fault_ns,
			       const char *fault_local, xmlDocPtr data,
			       const char *text)
{
	xmlNodePtr body;
	xmlDocPtr env = new_envelope(&body);
	if (!env)
		return NULL;
	xmlNodePtr fault = xmlNewChild(body, body->ns, BAD_CAST "Fault", NULL);
	if (!fault)
		goto fail;
	char fs[1024];
	if (!fault_local)
		fault_local = "fault";
	if (fault_ns && *fault_ns) {
		const char *prefix = strcmp(fault_ns, BRT_NS_BPEL) == 0 ? "bpel"
									: "f";
		if (!xmlNewNs(fault, BAD_CAST fault_ns, BAD_CAST prefix))
			goto fail;
		snprintf(fs, sizeof fs, "%s:%s", prefix, fault_local);
	} else
		snprintf(fs, sizeof fs, "%s", fault_local);
	if (!new_child(fault, "faultcode",
		       client ? "soapenv:Client" : "soapenv:Server"))
		goto fail;
	if (!new_child(fault, "faultstring", text ? text : fs))
		goto fail;
	if (!put_detail(fault, data))
		goto fail;
	return env;
fail:
	xmlFreeDoc(env);
	return NULL;
}

xmlDocPtr brt__soap_fault_soapcode(const char *code, const char *text)
{
	xmlNodePtr body;
	xmlDocPtr env = new_envelope(&body);
	if (!env)
		return NULL;
	char fc[128];
	snprintf(fc, sizeof fc, "soapenv:%s", code);
	xmlNodePtr fault = xmlNewChild(body, body->ns, BAD_CAST "Fault", NULL);
	if (!fault || !new_child(fault, "faultcode", fc) ||
	    !new_child(fault, "faultstring", text ? text : code)) {
		xmlFreeDoc(env);
		return NULL;
	}
	return env;
}

/* SOAP 1.1 §4.2.2/§4.2.3: an entry is for us when it names no actor or
 * the "next" actor; mustUnderstand is "1" (we also take "true"). We
 * implement no header block, so every such entry is not understood. */
xmlNodePtr brt__soap_must_understand(xmlDocPtr env)
{
	xmlNodePtr root = env ? xmlDocGetRootElement(env) : NULL;
	xmlNodePtr hdr = NULL;
	for (xmlNodePtr c = root ? first_elem(root->children) : NULL; c;
	     c = next_elem(c))
		if (is_elem(c, SOAP11_NS, "Header")) {
			hdr = c;
			break;
		}
	for (xmlNodePtr e = hdr ? first_elem(hdr->children) : NULL; e;
	     e = next_elem(e)) {
		xmlChar *mu = xmlGetNsProp(e, BAD_CAST "mustUnderstand",
					   BAD_CAST SOAP11_NS);
		bool must = mu && (xmlStrcmp(mu, BAD_CAST "1") == 0 ||
				   xmlStrcmp(mu, BAD_CAST "true") == 0);
		xmlFree(mu);
		if (!must)
			continue;
		xmlChar *actor =
			xmlGetNsProp(e, BAD_CAST "actor", BAD_CAST SOAP11_NS);
		bool ours = !actor || !*actor ||
			    xmlStrcmp(actor, BAD_CAST
				      "http://schemas.xmlsoap.org/soap/actor/"
				      "next") == 0;
		xmlFree(actor);
		if (ours)
			return e;
	}
	return NULL;
}

xmlDocPtr brt__soap_fault(const char *fault_ns, const char *fault_local,
			  xmlDocPtr data, const char *text)
{
	return brt__soap_fault_code(false, fault_ns, fault_local, data, text);
}

xmlNodePtr brt__soap_fault_elem(xmlNodePtr body)
{
	xmlNodePtr f = body ? first_elem(body->children) : NULL;
	return is_elem(f, SOAP11_NS, "Fault") ? f : NULL;
}

/* A fault's parts from a <detail> (document style), or NULL. */
xmlDocPtr brt__soap_detail_message(xmlNodePtr detail,
				   const struct brt_message *m)
{
	const char *why;
	return doc_to_message(detail, m, false, &why);
}

char *brt__soap_serialize(xmlDocPtr doc, size_t *len)
{
	xmlChar *buf = NULL;
	int n = 0;
	xmlDocDumpMemoryEnc(doc, &buf, &n, "UTF-8");
	if (!buf)
		return NULL;
	*len = (size_t)n;
	return (char *)buf;
}

xmlDocPtr brt__soap_elem_doc(xmlNodePtr el)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	if (!doc)
		return NULL;
	xmlNodePtr cp = copy_elem(el, doc);
	if (!cp) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, cp);
	return doc;
}
