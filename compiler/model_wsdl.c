/*
 * model_wsdl.c — the WSDL 1.1 part of the model (see model.h).
 *
 * Reads one <wsdl:definitions>: messages and parts, portTypes and their
 * operations (kind from the order of <input>/<output>), SOAP 1.1 bindings,
 * services and ports, and the BPEL extensions plnk:partnerLinkType,
 * vprop:property and vprop:propertyAlias. Inline schemas of <wsdl:types>
 * are modelled by model_xsd.c. Following <wsdl:import> is load.c's job;
 * binding QNames to declarations is resolve.c's.
 */
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "model_parse.h"

static void wsdl_parts(struct load_file *f, xmlNodePtr n,
		       struct wsdl_message *msg)
{
	struct wsdl_part **tail = &msg->parts;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (!load_is(c, NS_WSDL, "part"))
			continue;
		struct wsdl_part *p = ARENA_NEW(f->a, struct wsdl_part);
		p->name = load_attr(f, c, "name");
		load_qname_attr(f, c, "element", &p->element);
		load_qname_attr(f, c, "type", &p->type);
		p->loc = load_loc(f, c);
		*tail = p;
		tail = &p->next;
		msg->nparts++;
	}
}

/* <operation name> : (input, output?, fault*) | (output, input?, fault*) */
static struct wsdl_operation *wsdl_operation(struct load_file *f, xmlNodePtr n,
					     struct wsdl_port_type *pt)
{
	struct wsdl_operation *op = ARENA_NEW(f->a, struct wsdl_operation);
	op->name = load_attr(f, n, "name");
	op->port_type = pt;
	op->loc = load_loc(f, n);
	bool has_in = false, has_out = false, in_first = false;
	struct wsdl_fault **ftail = &op->faults;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (load_is(c, NS_WSDL, "input")) {
			if (!has_out)
				in_first = true;
			has_in = true;
			load_qname_attr(f, c, "message", &op->input_name);
		} else if (load_is(c, NS_WSDL, "output")) {
			has_out = true;
			load_qname_attr(f, c, "message", &op->output_name);
		} else if (load_is(c, NS_WSDL, "fault")) {
			struct wsdl_fault *fl =
				ARENA_NEW(f->a, struct wsdl_fault);
			fl->name = load_attr(f, c, "name");
			load_qname_attr(f, c, "message", &fl->message_name);
			fl->loc = load_loc(f, c);
			*ftail = fl;
			ftail = &fl->next;
		}
	}
	if (in_first)
		op->kind = has_out ? WSDL_REQUEST_RESPONSE : WSDL_ONE_WAY;
	else if (has_out)
		op->kind = has_in ? WSDL_SOLICIT_RESPONSE : WSDL_NOTIFICATION;
	else
		op->kind = WSDL_ONE_WAY; /* neither: nothing better to say */
	return op;
}

static enum wsdl_style wsdl_style(const char *s, enum wsdl_style dflt)
{
	if (!s)
		return dflt;
	return strcmp(s, "rpc") == 0 ? WSDL_RPC : WSDL_DOCUMENT;
}

/* <binding name type> : soap:binding?, operation* */
static struct wsdl_binding *wsdl_binding(struct load_file *f, xmlNodePtr n,
					 const char *tns)
{
	struct wsdl_binding *b = ARENA_NEW(f->a, struct wsdl_binding);
	b->name.ns = tns;
	b->name.local = load_attr(f, n, "name");
	load_qname_attr(f, n, "type", &b->type);
	b->loc = load_loc(f, n);
	b->style = WSDL_DOCUMENT;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (load_is(c, NS_SOAP, "binding")) {
			b->is_soap = true;
			b->style = wsdl_style(load_attr(f, c, "style"),
					      WSDL_DOCUMENT);
		}
	}
	struct wsdl_binding_op **tail = &b->ops;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (!load_is(c, NS_WSDL, "operation"))
			continue;
		struct wsdl_binding_op *bo =
			ARENA_NEW(f->a, struct wsdl_binding_op);
		bo->name = load_attr(f, c, "name");
		bo->soap_action = "";
		bo->style = b->style;
		bo->loc = load_loc(f, c);
		for (xmlNodePtr d = load_elem(c->children); d;
		     d = load_elem(d->next)) {
			if (load_is(d, NS_SOAP, "operation")) {
				const char *sa = load_attr(f, d, "soapAction");
				if (sa)
					bo->soap_action = sa;
				bo->style = wsdl_style(load_attr(f, d, "style"),
						       b->style);
			} else if (load_is(d, NS_WSDL, "input") ||
				   load_is(d, NS_WSDL, "output")) {
				for (xmlNodePtr e = load_elem(d->children); e;
				     e = load_elem(e->next))
					if (load_is(e, NS_SOAP, "body") &&
					    !bo->rpc_ns)
						bo->rpc_ns = load_attr(
							f, e, "namespace");
			}
		}
		*tail = bo;
		tail = &bo->next;
	}
	return b;
}

/* <service name> : port* ; <port name binding> : soap:address? */
static struct wsdl_service *wsdl_service(struct load_file *f, xmlNodePtr n,
					 const char *tns)
{
	struct wsdl_service *s = ARENA_NEW(f->a, struct wsdl_service);
	s->name.ns = tns;
	s->name.local = load_attr(f, n, "name");
	s->loc = load_loc(f, n);
	struct wsdl_port **tail = &s->ports;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (!load_is(c, NS_WSDL, "port"))
			continue;
		struct wsdl_port *p = ARENA_NEW(f->a, struct wsdl_port);
		p->name = load_attr(f, c, "name");
		load_qname_attr(f, c, "binding", &p->binding_name);
		p->service = s;
		p->loc = load_loc(f, c);
		for (xmlNodePtr d = load_elem(c->children); d;
		     d = load_elem(d->next))
			if (load_is(d, NS_SOAP, "address"))
				p->address = load_attr(f, d, "location");
		*tail = p;
		tail = &p->next;
	}
	return s;
}

/* <plnk:partnerLinkType name> : <plnk:role name portType>{1,2} */
static struct plnk_type *wsdl_plnk(struct load_file *f, xmlNodePtr n,
				   const char *tns)
{
	struct plnk_type *t = ARENA_NEW(f->a, struct plnk_type);
	t->name.ns = tns;
	t->name.local = load_attr(f, n, "name");
	t->loc = load_loc(f, n);
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (!load_is(c, NS_PLNK, "role"))
			continue;
		struct loc l = load_loc(f, c);
		if (t->nroles == 2) {
			diag_error(
				f->dg, &l, NULL,
				"partnerLinkType '%s' has more than two roles",
				t->name.local ? t->name.local : "");
			continue;
		}
		struct plnk_role *r = &t->roles[t->nroles++];
		r->name = load_attr(f, c, "name");
		load_qname_attr(f, c, "portType", &r->port_type_name);
		r->loc = l;
	}
	return t;
}

/* <vprop:propertyAlias propertyName messageType? part? type? element?> :
 *   <vprop:query queryLanguage?>? */
static struct vprop_alias *wsdl_alias(struct load_file *f, xmlNodePtr n)
{
	struct vprop_alias *al = ARENA_NEW(f->a, struct vprop_alias);
	load_qname_attr(f, n, "propertyName", &al->property_name);
	load_qname_attr(f, n, "messageType", &al->message_name);
	al->part = load_attr(f, n, "part");
	load_qname_attr(f, n, "type", &al->type);
	load_qname_attr(f, n, "element", &al->element);
	al->loc = load_loc(f, n);
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (!load_is(c, NS_VPROP, "query"))
			continue;
		al->query = load_text(f, c);
		al->query_lang = load_attr(f, c, "queryLanguage");
		if (!al->query_lang)
			al->query_lang = URN_XPATH1;
		al->query_node = c;
	}
	return al;
}

/* <definitions targetNamespace> : import*, types?, message*, portType*,
 *   binding*, service*, plnk:partnerLinkType*, vprop:property*,
 *   vprop:propertyAlias* (any order) */
struct wsdl_doc *model_wsdl_parse(struct load_file *f, xmlNodePtr root)
{
	struct wsdl_doc *w = ARENA_NEW(f->a, struct wsdl_doc);
	w->path = f->path;
	w->tns = load_attr(f, root, "targetNamespace");
	w->doc = f->doc;
	w->text = f->text;
	w->loc = load_loc(f, root);
	const char *tns = w->tns;
	struct wsdl_message **mtail = &w->messages;
	struct wsdl_port_type **pttail = &w->port_types;
	struct wsdl_binding **btail = &w->bindings;
	struct wsdl_service **stail = &w->services;
	struct plnk_type **pltail = &w->plinks;
	struct vprop_property **prtail = &w->properties;
	struct vprop_alias **atail = &w->aliases;
	struct xsd_schema **sctail = &w->schemas;

	for (xmlNodePtr c = load_elem(root->children); c;
	     c = load_elem(c->next)) {
		if (load_is(c, NS_WSDL, "types")) {
			for (xmlNodePtr s = load_elem(c->children); s;
			     s = load_elem(s->next)) {
				if (!load_is(s, NS_XSD, "schema"))
					continue;
				/* The canonical schema goes on model->schemas (one
				 * `next` per struct); the WSDL's list gets a shallow
				 * copy sharing its elements and types. */
				struct xsd_schema *sc = model_xsd_parse(f, s);
				struct xsd_schema *cp =
					ARENA_NEW(f->a, struct xsd_schema);
				*cp = *sc;
				cp->next = NULL;
				*sctail = cp;
				sctail = &cp->next;
			}
		} else if (load_is(c, NS_WSDL, "message")) {
			struct wsdl_message *msg =
				ARENA_NEW(f->a, struct wsdl_message);
			msg->name.ns = tns;
			msg->name.local = load_attr(f, c, "name");
			msg->loc = load_loc(f, c);
			wsdl_parts(f, c, msg);
			*mtail = msg;
			mtail = &msg->next;
		} else if (load_is(c, NS_WSDL, "portType")) {
			struct wsdl_port_type *pt =
				ARENA_NEW(f->a, struct wsdl_port_type);
			pt->name.ns = tns;
			pt->name.local = load_attr(f, c, "name");
			pt->loc = load_loc(f, c);
			struct wsdl_operation **otail = &pt->operations;
			for (xmlNodePtr o = load_elem(c->children); o;
			     o = load_elem(o->next)) {
				if (!load_is(o, NS_WSDL, "operation"))
					continue;
				*otail = wsdl_operation(f, o, pt);
				otail = &(*otail)->next;
			}
			*pttail = pt;
			pttail = &pt->next;
		} else if (load_is(c, NS_WSDL, "binding")) {
			*btail = wsdl_binding(f, c, tns);
			btail = &(*btail)->next;
		} else if (load_is(c, NS_WSDL, "service")) {
			*stail = wsdl_service(f, c, tns);
			stail = &(*stail)->next;
		} else if (load_is(c, NS_PLNK, "partnerLinkType")) {
			*pltail = wsdl_plnk(f, c, tns);
			pltail = &(*pltail)->next;
		} else if (load_is(c, NS_VPROP, "property")) {
			struct vprop_property *p =
				ARENA_NEW(f->a, struct vprop_property);
			p->name.ns = tns;
			p->name.local = load_attr(f, c, "name");
			load_qname_attr(f, c, "type", &p->type);
			load_qname_attr(f, c, "element", &p->element);
			p->loc = load_loc(f, c);
			*prtail = p;
			prtail = &p->next;
		} else if (load_is(c, NS_VPROP, "propertyAlias")) {
			*atail = wsdl_alias(f, c);
			atail = &(*atail)->next;
		}
	}
	struct wsdl_doc **tail = &f->m->wsdls;
	while (*tail)
		tail = &(*tail)->next;
	*tail = w;
	return w;
}
