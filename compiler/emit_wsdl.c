/*
 * emit_wsdl.c — the WSDL a compiled service serves to its clients
 * (GET PATH?wsdl, and PATH?wsdl=N / PATH?xsd=N for what it imports): for
 * each WSDL that defines a served port, that document and the documents
 * it imports, rewritten for a client and emitted as C text (see
 * emit_int.h). Not here: the service's address, which only the running
 * service knows; the text leaves a gap for it that runtime/http.c fills
 * per request ("http://host:port" as the client reached the service).
 *
 * What a client gets: no comments, no processing instructions; of the
 * services, only the ports this process serves, each soap:address
 * (soap12:address, http:address) location the service's own address and
 * that port's path; no partner's service or address; of the messages,
 * port types and bindings, those the served ports use; no BPEL
 * extensions (partnerLinkType, property, propertyAlias); every
 * wsdl:import and xsd:import/include location pointing back at the
 * service (PATH?wsdl=N, PATH?xsd=N). An imported WSDL that holds nothing
 * the served ports need (no definition they use, no schema) is left out
 * with its import. Schemas are kept whole.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "arena.h"
#include "emit_int.h"
#include "model.h"

/* Namespaces of BPEL's WSDL extensions (2.0 and BPEL4WS 1.1): of no use
 * to a client, and they name the partners' roles. */
static const char *const bpel_ns[] = {
	"http://docs.oasis-open.org/wsbpel/2.0/plnktype",
	"http://docs.oasis-open.org/wsbpel/2.0/varprop",
	"http://schemas.xmlsoap.org/ws/2003/05/partner-link/",
	"http://schemas.xmlsoap.org/ws/2004/03/partner-link/",
	"http://schemas.xmlsoap.org/ws/2003/03/business-process/",
	"http://schemas.xmlsoap.org/ws/2004/03/business-process/",
};

/* One document of a served set. */
struct wdoc {
	xmlDocPtr src; /* as loaded (the loader owns it) */
	bool is_wsdl;
	bool kept;
	int n; /* N of ?wsdl=N or ?xsd=N; 0: the service's own WSDL */
};

/* The documents served for one WSDL with served ports. */
struct emit_wset {
	struct wsdl_doc *svc;
	const char *path;     /* the path import locations name */
	struct ir_vec docs;   /* struct wdoc *, [0] the service's WSDL */
	struct ir_vec ports;  /* const struct wsdl_port * served from it */
	struct ir_vec keys;   /* const char *: definitions the ports use */
	struct ir_vec pieces; /* per kept doc: struct ir_vec * of char * */
	int nkept;
};

/* The gap for the address: a text the documents do not contain
 * (checked after serializing, longer if need be). */
struct gap {
	const char *mark;
	int used;
};

static bool is_ns(xmlNodePtr n, const char *ns, const char *local)
{
	/* n->name may be NULL in a copy that ran out of memory. */
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       (!local ||
		(n->name && strcmp((const char *)n->name, local) == 0));
}

static const char *key(struct arena *a, char kind, const char *ns,
		       const char *local)
{
	return arena_printf(a, "%c{%s}%s", kind, ns ? ns : "",
			    local ? local : "");
}

static bool has_key(const struct emit_wset *s, const char *k)
{
	for (int i = 0; i < s->keys.n; i++)
		if (strcmp(s->keys.items[i], k) == 0)
			return true;
	return false;
}

static void add_key(struct arena *a, struct emit_wset *s, const char *k)
{
	if (!has_key(s, k))
		ir_vec_push(a, &s->keys, (void *)k);
}

static struct wsdl_doc *doc_of_service(const struct model *m,
				       const struct wsdl_service *svc)
{
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		for (struct wsdl_service *s = w->services; s; s = s->next)
			if (s == svc)
				return w;
	return NULL;
}

/* The definitions a served port uses, as keys: its binding, port type
 * and the messages of its operations. */
static void port_keys(struct arena *a, struct emit_wset *s,
		      const struct wsdl_port *p)
{
	add_key(a, s, key(a, 'b', p->binding_name.ns, p->binding_name.local));
	const struct wsdl_binding *b = p->binding;
	if (!b)
		return;
	add_key(a, s, key(a, 't', b->type.ns, b->type.local));
	for (const struct wsdl_operation *op =
		     b->port_type ? b->port_type->operations : NULL;
	     op; op = op->next) {
		if (op->input_name.local)
			add_key(a, s,
				key(a, 'm', op->input_name.ns,
				    op->input_name.local));
		if (op->output_name.local)
			add_key(a, s,
				key(a, 'm', op->output_name.ns,
				    op->output_name.local));
		for (const struct wsdl_fault *f = op->faults; f; f = f->next)
			add_key(a, s,
				key(a, 'm', f->message_name.ns,
				    f->message_name.local));
	}
}

static struct wdoc *find_doc(const struct emit_wset *s, xmlDocPtr d)
{
	for (int i = 0; i < s->docs.n; i++) {
		struct wdoc *w = s->docs.items[i];
		if (w->src == d)
			return w;
	}
	return NULL;
}

/* The document the loader read for an importing element, NULL if none. */
static xmlDocPtr import_target(const struct model *m, xmlNodePtr node)
{
	for (const struct model_import *im = m->imports; im; im = im->next)
		if (im->node == node)
			return im->target;
	return NULL;
}

static bool doc_is_wsdl(const struct model *m, xmlDocPtr d)
{
	for (const struct wsdl_doc *w = m->wsdls; w; w = w->next)
		if (w->doc == d)
			return true;
	return false;
}

/* Every document reachable from the service's WSDL by imports, in the
 * order they are first met (depth first: a stable numbering). */
static void gather(struct emitter *e, struct emit_wset *s, xmlDocPtr d)
{
	if (find_doc(s, d))
		return;
	struct wdoc *w = ARENA_NEW(e->a, struct wdoc);
	w->src = d;
	w->is_wsdl = doc_is_wsdl(e->p->m, d);
	ir_vec_push(e->a, &s->docs, w);
	for (const struct model_import *im = e->p->m->imports; im;
	     im = im->next)
		if (im->node->doc == d)
			gather(e, s, im->target);
}

/* A WSDL holds something the served ports need: a definition they use,
 * or a schema (what a message's part names may live there). */
static bool wsdl_needed(const struct emit_wset *s, struct arena *a, xmlDocPtr d)
{
	xmlNodePtr root = xmlDocGetRootElement(d);
	const char *tns = root ? (const char *)xmlGetProp(root, BAD_CAST
							  "targetNamespace")
			       : NULL;
	bool need = false;
	for (xmlNodePtr c = root ? root->children : NULL; c && !need;
	     c = c->next) {
		char kind = is_ns(c, NS_WSDL, "message")    ? 'm'
			    : is_ns(c, NS_WSDL, "portType") ? 't'
			    : is_ns(c, NS_WSDL, "binding")  ? 'b'
							    : 0;
		if (kind) {
			xmlChar *name = xmlGetProp(c, BAD_CAST "name");
			need = name && has_key(s, key(a, kind, tns,
						      (const char *)name));
			xmlFree(name);
		} else if (is_ns(c, NS_WSDL, "types")) {
			for (xmlNodePtr k = c->children; k && !need;
			     k = k->next)
				need = is_ns(k, NS_XSD, "schema");
		}
	}
	xmlFree((xmlChar *)tns);
	return need;
}

/* Which documents are served: the service's WSDL; a WSDL that is needed
 * or imports one that is kept; a schema that a kept document imports. */
static void decide(struct emitter *e, struct emit_wset *s)
{
	for (int i = 0; i < s->docs.n; i++) {
		struct wdoc *w = s->docs.items[i];
		w->kept = i == 0 ||
			  (w->is_wsdl && wsdl_needed(s, e->a, w->src));
	}
	for (bool changed = true; changed;) {
		changed = false;
		for (const struct model_import *im = e->p->m->imports; im;
		     im = im->next) {
			struct wdoc *from = find_doc(s, im->node->doc);
			struct wdoc *to = find_doc(s, im->target);
			if (!from || !to || from->kept == to->kept)
				continue;
			/* A kept document's schemas need what they import;
			 * a WSDL that imports a kept WSDL is the way to it. */
			if (from->kept && !to->is_wsdl) {
				to->kept = true;
				changed = true;
			} else if (!from->kept && to->kept && from->is_wsdl &&
				   to->is_wsdl) {
				from->kept = true;
				changed = true;
			}
		}
	}
	int nw = 0, nx = 0;
	for (int i = 0; i < s->docs.n; i++) {
		struct wdoc *w = s->docs.items[i];
		if (!w->kept)
			continue;
		w->n = i == 0 ? 0 : w->is_wsdl ? ++nw : ++nx;
		s->nkept++;
	}
}

static const char *location(struct emitter *e, const struct emit_wset *s,
			    struct gap *g, const struct wdoc *w)
{
	g->used++;
	return arena_printf(e->a, "%s%s?%s=%d", g->mark, s->path,
			    w->is_wsdl ? "wsdl" : "xsd", w->n);
}

/* A served port of this set, by its service's and its own name. */
static const struct wsdl_port *served_port(const struct emit_wset *s,
					   const char *tns, xmlNodePtr svc,
					   xmlNodePtr port)
{
	xmlChar *sname = xmlGetProp(svc, BAD_CAST "name");
	xmlChar *pname = xmlGetProp(port, BAD_CAST "name");
	const struct wsdl_port *found = NULL;
	for (int i = 0; i < s->ports.n && sname && pname && !found; i++) {
		const struct wsdl_port *p = s->ports.items[i];
		const struct qname *q = &p->service->name;
		if (p->name && q->local &&
		    strcmp(p->name, (const char *)pname) == 0 &&
		    strcmp(q->local, (const char *)sname) == 0 &&
		    strcmp(q->ns ? q->ns : "", tns ? tns : "") == 0)
			found = p;
	}
	xmlFree(sname);
	xmlFree(pname);
	return found;
}

/* Removes n from the copy, with the indentation before it (the walk has
 * passed that node already). */
static void drop(xmlNodePtr n)
{
	xmlNodePtr prev = n->prev;
	if (prev && prev->type == XML_TEXT_NODE && xmlIsBlankNode(prev)) {
		xmlUnlinkNode(prev);
		xmlFreeNode(prev);
	}
	xmlUnlinkNode(n);
	xmlFreeNode(n);
}

/* The port's address element: its location is the service's. */
static void rewrite_port(struct emitter *e, struct gap *g, xmlNodePtr port,
			 const struct wsdl_port *p)
{
	for (xmlNodePtr c = port->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && c->name &&
		    strcmp((const char *)c->name, "address") == 0 &&
		    xmlHasProp(c, BAD_CAST "location")) {
			g->used++;
			const char *loc =
				arena_printf(e->a, "%s%s", g->mark,
					     emit_url_path(e, p->address));
			xmlSetProp(c, BAD_CAST "location", BAD_CAST loc);
		}
}

/* Lockstep walk: `o` in the loaded document, `k` its copy (same shape
 * until this walk removes nodes from the copy), at depth `depth` below
 * the document. */
static void walk(struct emitter *e, const struct emit_wset *s, struct gap *g,
		 const char *tns, bool wsdl, xmlNodePtr o, xmlNodePtr k,
		 int depth);

static void schema_import(struct emitter *e, const struct emit_wset *s,
			  struct gap *g, xmlNodePtr o, xmlNodePtr k)
{
	if (!xmlHasProp(k, BAD_CAST "schemaLocation"))
		return;
	struct wdoc *t = find_doc(s, import_target(e->p->m, o));
	if (t && t->kept) {
		xmlSetProp(k, BAD_CAST "schemaLocation",
			   BAD_CAST location(e, s, g, t));
	} else if (is_ns(k, NS_XSD, "import")) {
		/* A namespace defined elsewhere: the import stays valid. */
		xmlUnsetProp(k, BAD_CAST "schemaLocation");
	} else {
		drop(k);
	}
}

/* One child of wsdl:definitions. Returns false when it was removed. */
static bool top_level(struct emitter *e, const struct emit_wset *s,
		      struct gap *g, const char *tns, xmlNodePtr o,
		      xmlNodePtr k)
{
	if (is_ns(k, NS_WSDL, "import")) {
		struct wdoc *t = find_doc(s, import_target(e->p->m, o));
		if (!t || !t->kept) {
			drop(k);
			return false;
		}
		xmlSetProp(k, BAD_CAST "location",
			   BAD_CAST location(e, s, g, t));
		return true;
	}
	char kind = is_ns(k, NS_WSDL, "message")    ? 'm'
		    : is_ns(k, NS_WSDL, "portType") ? 't'
		    : is_ns(k, NS_WSDL, "binding")  ? 'b'
						    : 0;
	if (kind) {
		xmlChar *name = xmlGetProp(k, BAD_CAST "name");
		bool keep = name && has_key(s, key(e->a, kind, tns,
						   (const char *)name));
		xmlFree(name);
		if (!keep)
			drop(k);
		return keep;
	}
	if (is_ns(k, NS_WSDL, "service")) {
		int nports = 0;
		for (xmlNodePtr c = k->children, next; c; c = next) {
			next = c->next;
			if (!is_ns(c, NS_WSDL, "port"))
				continue;
			const struct wsdl_port *p = served_port(s, tns, k, c);
			if (p) {
				rewrite_port(e, g, c, p);
				nports++;
			} else {
				drop(c);
			}
		}
		if (!nports)
			drop(k);
		return nports > 0;
	}
	for (size_t i = 0; i < sizeof bpel_ns / sizeof *bpel_ns; i++)
		if (is_ns(k, bpel_ns[i], NULL)) {
			drop(k);
			return false;
		}
	return true;
}

static void walk(struct emitter *e, const struct emit_wset *s, struct gap *g,
		 const char *tns, bool wsdl, xmlNodePtr o, xmlNodePtr k,
		 int depth)
{
	for (xmlNodePtr oc = o->children, kc = k->children, on, kn; oc && kc;
	     oc = on, kc = kn) {
		on = oc->next;
		kn = kc->next;
		if (kc->type == XML_COMMENT_NODE || kc->type == XML_PI_NODE) {
			drop(kc);
			continue;
		}
		if (kc->type != XML_ELEMENT_NODE)
			continue;
		if (wsdl && depth == 1 && !top_level(e, s, g, tns, oc, kc))
			continue;
		if (is_ns(k, NS_XSD, "schema") &&
		    (is_ns(kc, NS_XSD, "import") ||
		     is_ns(kc, NS_XSD, "include") ||
		     is_ns(kc, NS_XSD, "redefine"))) {
			schema_import(e, s, g, oc, kc);
			continue;
		}
		walk(e, s, g, tns, wsdl, oc, kc, depth + 1);
	}
}

/* The document rewritten and serialized, split at the address gaps.
 * NULL when the gap text occurs in the document itself: the caller tries
 * a longer one. */
static struct ir_vec *render(struct emitter *e, const struct emit_wset *s,
			     const struct wdoc *w, const char *mark)
{
	xmlDocPtr copy = xmlCopyDoc(w->src, 1);
	if (!copy)
		arena_oom();
	struct gap g = { mark, 0 };
	xmlNodePtr root = xmlDocGetRootElement(w->src);
	xmlChar *tns = root ? xmlGetProp(root, BAD_CAST "targetNamespace")
			    : NULL;
	walk(e, s, &g, (const char *)tns, w->is_wsdl, (xmlNodePtr)w->src,
	     (xmlNodePtr)copy, 0);
	xmlFree(tns);
	xmlChar *buf = NULL;
	int len = 0;
	xmlDocDumpMemoryEnc(copy, &buf, &len, "UTF-8");
	xmlFreeDoc(copy);
	if (!buf)
		arena_oom();
	struct ir_vec *pieces = ARENA_NEW(e->a, struct ir_vec);
	const char *t = (const char *)buf;
	size_t ml = strlen(mark);
	int found = 0;
	for (const char *p; (p = strstr(t, mark)) != NULL; t = p + ml) {
		ir_vec_push(e->a, pieces,
			    arena_strndup(e->a, t, (size_t)(p - t)));
		found++;
	}
	ir_vec_push(e->a, pieces, arena_strdup(e->a, t));
	xmlFree(buf);
	return found == g.used ? pieces : NULL;
}

static struct emit_wset *set_for(struct emitter *e, struct wsdl_doc *w)
{
	for (int i = 0; i < e->wsdls.n; i++) {
		struct emit_wset *s = e->wsdls.items[i];
		if (s->svc == w)
			return s;
	}
	struct emit_wset *s = ARENA_NEW(e->a, struct emit_wset);
	s->svc = w;
	ir_vec_push(e->a, &e->wsdls, s);
	return s;
}

static void add_port(struct emitter *e, struct emit_wset *s,
		     const struct wsdl_port *p)
{
	if (ir_vec_find(&s->ports, p) >= 0)
		return;
	if (!s->path)
		s->path = emit_url_path(e, p->address);
	ir_vec_push(e->a, &s->ports, (void *)p);
	port_keys(e->a, s, p);
}

/* The served port of a link (and the other ports of its service with
 * the same binding, which it is served at too). */
static struct wsdl_doc *link_doc(struct emitter *e,
				 const struct bpel_partner_link *pl)
{
	const struct wsdl_port *mp = pl->my_role ? pl->my_port : NULL;
	if (!mp || !mp->address || !mp->service)
		return NULL;
	return doc_of_service(e->p->m, mp->service);
}

void emit_wsdl_sets(struct emitter *e)
{
	struct ir_program *p = e->p;
	for (int i = 0; i < p->plinks.n; i++) {
		struct bpel_partner_link *pl =
			IR_AT(p->plinks, struct ir_plink, i)->pl;
		struct wsdl_doc *w = link_doc(e, pl);
		if (!w || !w->doc)
			continue;
		struct emit_wset *s = set_for(e, w);
		add_port(e, s, pl->my_port);
		int n = emit_alt_ports_of(pl, NULL);
		const struct wsdl_port **alt =
			arena_alloc(e->a, (size_t)(n ? n : 1) * sizeof *alt);
		emit_alt_ports_of(pl, alt);
		for (int k = 0; k < n; k++)
			add_port(e, s, alt[k]);
	}
	for (int si = 0; si < e->wsdls.n; si++) {
		struct emit_wset *s = e->wsdls.items[si];
		gather(e, s, s->svc->doc);
		decide(e, s);
		/* Every document with the same gap text, found free in all. */
		const char *mark = "{{bpelc:address}}";
		for (int tries = 0;; tries++) {
			s->pieces.n = 0;
			bool ok = true;
			for (int i = 0; i < s->docs.n && ok; i++) {
				struct wdoc *w = s->docs.items[i];
				if (!w->kept)
					continue;
				struct ir_vec *pc = render(e, s, w, mark);
				ok = pc != NULL;
				if (ok)
					ir_vec_push(e->a, &s->pieces, pc);
			}
			if (ok)
				break;
			mark = arena_printf(e->a, "{%s:%d}", mark, tries);
		}
		emit_out(e,
			 "/* %s and its imports, served to clients as "
			 "?wsdl */\n",
			 emit_comment_safe(e, s->svc->path));
		for (int i = 0; i < s->pieces.n; i++) {
			struct ir_vec *pc = s->pieces.items[i];
			emit_out(
				e,
				"static const char *const %s__wsdl_%d_%d[] = {\n",
				e->P, si, i);
			for (int k = 0; k < pc->n; k++) {
				emit_text_lines(e, pc->items[k], "\t");
				emit_out(e, ",\n");
			}
			emit_out(e, "};\n");
		}
		emit_out(
			e,
			"static const struct brt_served_doc %s__wsdl_%d[] = {\n",
			e->P, si);
		for (int i = 0, k = 0; i < s->docs.n; i++) {
			struct wdoc *w = s->docs.items[i];
			if (!w->kept)
				continue;
			struct ir_vec *pc = s->pieces.items[k];
			const char *q =
				w->n == 0 ? "wsdl"
					  : arena_printf(e->a, "%s=%d",
							 w->is_wsdl ? "wsdl"
								    : "xsd",
							 w->n);
			emit_out(e, "\t{ \"%s\", %d, %s__wsdl_%d_%d },\n", q,
				 pc->n, e->P, si, k);
			k++;
		}
		emit_out(e, "};\n\n");
	}
}

int emit_wsdl_set_of(struct emitter *e, const struct bpel_partner_link *pl,
		     int *ndocs)
{
	struct wsdl_doc *w = link_doc(e, pl);
	for (int i = 0; w && i < e->wsdls.n; i++) {
		struct emit_wset *s = e->wsdls.items[i];
		if (s->svc == w) {
			*ndocs = s->nkept;
			return i;
		}
	}
	*ndocs = 0;
	return -1;
}
