/*
 * resolve.c — binding names to declarations (see resolve.h).
 *
 * Fills the resolved pointers of model.h: WSDL-internal references
 * (parts, operations, bindings, ports, roles, properties, aliases), the
 * kinds of XSD types and elements, and every name the process uses
 * (variables, partner links and their roles/ports, operations, correlation
 * sets, message exchanges, links, properties, compensateScope targets),
 * with lexical scoping. It reports every name that does not resolve and
 * nothing else: the static-analysis rules live in check_*.c and judge
 * these bindings (check_bind.c); they do not look names up again.
 */
#include "resolve.h"

#include <string.h>

#include <libxml/tree.h>

#include "arena.h"
#include "diag.h"

struct rs {
	struct model *m;
	struct diag *dg;
	struct arena *a;
};

/* ---- global definitions ------------------------------------------------- */

static bool rs_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b || (!a && b && !*b) || (!b && a && !*a);
	return strcmp(a, b) == 0;
}

static bool rs_qn_eq(struct qname a, struct qname b)
{
	return a.local && b.local && strcmp(a.local, b.local) == 0 &&
	       rs_str_eq(a.ns, b.ns);
}

struct wsdl_message *resolve_message(const struct model *m, struct qname q)
{
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		for (struct wsdl_message *x = w->messages; x; x = x->next)
			if (rs_qn_eq(x->name, q))
				return x;
	return NULL;
}

struct wsdl_port_type *resolve_port_type(const struct model *m, struct qname q)
{
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		for (struct wsdl_port_type *x = w->port_types; x; x = x->next)
			if (rs_qn_eq(x->name, q))
				return x;
	return NULL;
}

static struct wsdl_binding *resolve_binding(const struct model *m,
					    struct qname q)
{
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		for (struct wsdl_binding *x = w->bindings; x; x = x->next)
			if (rs_qn_eq(x->name, q))
				return x;
	return NULL;
}

struct plnk_type *resolve_plnk_type(const struct model *m, struct qname q)
{
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		for (struct plnk_type *x = w->plinks; x; x = x->next)
			if (rs_qn_eq(x->name, q))
				return x;
	return NULL;
}

struct vprop_property *resolve_property(const struct model *m, struct qname q)
{
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		for (struct vprop_property *x = w->properties; x; x = x->next)
			if (rs_qn_eq(x->name, q))
				return x;
	return NULL;
}

struct xsd_element *resolve_element(const struct model *m, struct qname q)
{
	for (struct xsd_schema *s = m->schemas; s; s = s->next)
		for (struct xsd_element *x = s->elements; x; x = x->next)
			if (rs_qn_eq(x->name, q))
				return x;
	return NULL;
}

struct xsd_type *resolve_type(const struct model *m, struct qname q)
{
	for (struct xsd_schema *s = m->schemas; s; s = s->next)
		for (struct xsd_type *x = s->types; x; x = x->next)
			if (rs_qn_eq(x->name, q))
				return x;
	return NULL;
}

struct wsdl_operation *resolve_operation(const struct wsdl_port_type *pt,
					 const char *name)
{
	if (!pt || !name)
		return NULL;
	for (struct wsdl_operation *op = pt->operations; op; op = op->next)
		if (op->name && strcmp(op->name, name) == 0)
			return op;
	return NULL;
}

static const char *const rs_numeric[] = { "decimal",
					  "float",
					  "double",
					  "integer",
					  "nonPositiveInteger",
					  "negativeInteger",
					  "long",
					  "int",
					  "short",
					  "byte",
					  "nonNegativeInteger",
					  "unsignedLong",
					  "unsignedInt",
					  "unsignedShort",
					  "unsignedByte",
					  "positiveInteger",
					  NULL };
static const char *const rs_string[] = { "string",
					 "normalizedString",
					 "token",
					 "language",
					 "Name",
					 "NCName",
					 "ID",
					 "IDREF",
					 "IDREFS",
					 "ENTITY",
					 "ENTITIES",
					 "NMTOKEN",
					 "NMTOKENS",
					 "QName",
					 "NOTATION",
					 "anyURI",
					 "base64Binary",
					 "hexBinary",
					 "duration",
					 "dateTime",
					 "date",
					 "time",
					 "gYear",
					 "gYearMonth",
					 "gMonth",
					 "gMonthDay",
					 "gDay",
					 "anySimpleType",
					 NULL };

bool resolve_builtin(struct qname q, enum xsd_kind *kind)
{
	if (!q.local || !q.ns || strcmp(q.ns, NS_XSD) != 0)
		return false;
	enum xsd_kind k;
	bool found = true;
	if (strcmp(q.local, "boolean") == 0) {
		k = XSD_BOOLEAN;
	} else if (strcmp(q.local, "anyType") == 0) {
		k = XSD_COMPLEX;
	} else {
		found = false;
		for (const char *const *p = rs_numeric; *p && !found; p++)
			if (strcmp(*p, q.local) == 0)
				found = true, k = XSD_NUMBER;
		for (const char *const *p = rs_string; *p && !found; p++)
			if (strcmp(*p, q.local) == 0)
				found = true, k = XSD_STRING;
	}
	if (found && kind)
		*kind = k;
	return found;
}

/* ---- scoped lookups ----------------------------------------------------- */

static bool rs_name_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* The catch (of `owner`'s list) whose activity is `child`, with a fault
 * variable called `name`. */
static struct bpel_variable *rs_catch_var(struct bpel_catch *k,
					  const struct bpel_activity *child,
					  const char *name)
{
	if (!child)
		return NULL;
	for (; k; k = k->next)
		if (k->activity == child && k->variable &&
		    rs_name_eq(k->variable->name, name))
			return k->variable;
	return NULL;
}

static struct bpel_variable *rs_var_in(struct bpel_variable *v,
				       const char *name)
{
	for (; v; v = v->next)
		if (rs_name_eq(v->name, name))
			return v;
	return NULL;
}

struct bpel_variable *resolve_variable(const struct model *m,
				       const struct bpel_activity *a,
				       const char *name)
{
	if (!name || !m->process || !m->process->scope)
		return NULL;
	const struct bpel_activity *child = NULL, *cur = a;
	struct bpel_variable *v;
	for (; cur; child = cur, cur = cur->parent) {
		switch (cur->kind) {
		case BPEL_ACT_SCOPE:
			if (!cur->scope)
				break;
			if ((v = rs_catch_var(cur->scope->catches, child,
					      name)))
				return v;
			if ((v = rs_var_in(cur->scope->variables, name)))
				return v;
			break;
		case BPEL_ACT_INVOKE:
			if ((v = rs_catch_var(cur->catches, child, name)))
				return v;
			break;
		case BPEL_ACT_ON_EVENT:
			if (!child || child != cur->body)
				break;
			if (cur->variable &&
			    rs_name_eq(cur->variable->name, name))
				return cur->variable;
			for (struct bpel_part_map *p = cur->from_parts; p;
			     p = p->next)
				if (p->var && rs_name_eq(p->var->name, name))
					return p->var;
			break;
		case BPEL_ACT_FOREACH:
			if (child && child == cur->body && cur->counter &&
			    rs_name_eq(cur->counter->name, name))
				return cur->counter;
			break;
		default:
			break;
		}
	}
	if ((v = rs_catch_var(m->process->scope->catches, child, name)))
		return v;
	return rs_var_in(m->process->scope->variables, name);
}

/* The first activity whose scope is searched for scope-level
 * declarations: an onEvent looks in its own scope first (SA00084/88/89). */
static const struct bpel_activity *rs_scope_start(const struct bpel_activity *a)
{
	if (a && a->kind == BPEL_ACT_ON_EVENT && a->body &&
	    a->body->kind == BPEL_ACT_SCOPE)
		return a->body;
	return a;
}

struct bpel_scope *resolve_scope_of(const struct model *m,
				    const struct bpel_activity *a)
{
	for (; a; a = a->parent)
		if (a->kind == BPEL_ACT_SCOPE && a->scope)
			return a->scope;
	return m->process ? m->process->scope : NULL;
}

struct bpel_partner_link *resolve_partner_link(const struct model *m,
					       const struct bpel_activity *a,
					       const char *name)
{
	if (!name)
		return NULL;
	for (struct bpel_scope *s = resolve_scope_of(m, rs_scope_start(a)); s;
	     s = s->parent)
		for (struct bpel_partner_link *pl = s->partner_links; pl;
		     pl = pl->next)
			if (rs_name_eq(pl->name, name))
				return pl;
	return NULL;
}

struct bpel_corr_set *resolve_corr_set(const struct model *m,
				       const struct bpel_activity *a,
				       const char *name)
{
	if (!name)
		return NULL;
	for (struct bpel_scope *s = resolve_scope_of(m, rs_scope_start(a)); s;
	     s = s->parent)
		for (struct bpel_corr_set *cs = s->correlation_sets; cs;
		     cs = cs->next)
			if (rs_name_eq(cs->name, name))
				return cs;
	return NULL;
}

struct bpel_mex *resolve_mex(const struct model *m,
			     const struct bpel_activity *a, const char *name)
{
	if (!name)
		return NULL;
	for (struct bpel_scope *s = resolve_scope_of(m, rs_scope_start(a)); s;
	     s = s->parent)
		for (struct bpel_mex *x = s->message_exchanges; x; x = x->next)
			if (rs_name_eq(x->name, name))
				return x;
	return NULL;
}

/* ---- reporting helpers ---------------------------------------------------- */

/* A QName the way the user wrote it: the prefix bound to its namespace at
 * `node` when there is one, else {ns}local. */
static const char *rs_qn(struct rs *r, xmlNodePtr node, struct qname q)
{
	if (!q.local)
		return "";
	if (!q.ns)
		return q.local;
	if (node && node->doc) {
		xmlNsPtr ns = xmlSearchNsByHref(node->doc, node,
						(const xmlChar *)q.ns);
		if (ns && ns->prefix)
			return arena_printf(r->a, "%s:%s",
					    (const char *)ns->prefix, q.local);
		if (ns)
			return q.local;
	}
	return arena_printf(r->a, "{%s}%s", q.ns, q.local);
}

/* ---- WSDL and XSD --------------------------------------------------------- */

static enum xsd_kind rs_type_kind(struct rs *r, struct xsd_type *t, int depth)
{
	if (!t->is_simple)
		return XSD_COMPLEX;
	if (!t->base.local || depth > 32)
		return XSD_STRING; /* list, union, or a base we cannot follow */
	enum xsd_kind k;
	if (resolve_builtin(t->base, &k))
		return k == XSD_COMPLEX ? XSD_STRING : k;
	struct xsd_type *b = resolve_type(r->m, t->base);
	return b && b != t ? rs_type_kind(r, b, depth + 1) : XSD_STRING;
}

/* Kind of a value declared by @type (builtin or user type). Sets *ref to
 * the user type. Returns false when the type is unknown. */
static bool rs_typed(struct rs *r, struct qname type, struct xsd_type **ref,
		     enum xsd_kind *kind)
{
	*ref = NULL;
	if (resolve_builtin(type, kind))
		return true;
	struct xsd_type *t = resolve_type(r->m, type);
	if (!t)
		return false;
	*ref = t;
	*kind = t->kind;
	return true;
}

static void rs_schemas(struct rs *r)
{
	for (struct xsd_schema *s = r->m->schemas; s; s = s->next)
		for (struct xsd_type *t = s->types; t; t = t->next)
			t->kind = rs_type_kind(r, t, 0);
	for (struct xsd_schema *s = r->m->schemas; s; s = s->next) {
		for (struct xsd_element *e = s->elements; e; e = e->next) {
			if (e->type_name.local) {
				struct xsd_type *t = NULL;
				enum xsd_kind k = XSD_COMPLEX;
				/* A type from a namespace we did not load stays
				 * complex; the schema is the runtime's to validate. */
				if (rs_typed(r, e->type_name, &t, &k)) {
					e->type = t;
					e->kind = k;
				}
			} else if (e->type) {
				e->type->kind = rs_type_kind(r, e->type, 0);
				e->kind = e->type->kind;
			}
		}
	}
}

static void rs_wsdl(struct rs *r, struct wsdl_doc *w)
{
	for (struct wsdl_message *msg = w->messages; msg; msg = msg->next) {
		for (struct wsdl_part *p = msg->parts; p; p = p->next) {
			if (p->element.local) {
				p->element_ref =
					resolve_element(r->m, p->element);
				p->kind = p->element_ref ? p->element_ref->kind
							 : XSD_COMPLEX;
				if (!p->element_ref)
					diag_warning(
						r->dg, &p->loc, NULL,
						"element '%s' of part '%s' is not defined in an imported schema",
						rs_qn(r, NULL, p->element),
						p->name ? p->name : "");
			} else if (p->type.local) {
				if (!rs_typed(r, p->type, &p->type_ref,
					      &p->kind))
					diag_warning(
						r->dg, &p->loc, NULL,
						"type '%s' of part '%s' is not defined in an imported schema",
						rs_qn(r, NULL, p->type),
						p->name ? p->name : "");
			}
		}
	}
	for (struct wsdl_port_type *pt = w->port_types; pt; pt = pt->next) {
		for (struct wsdl_operation *op = pt->operations; op;
		     op = op->next) {
			if (op->input_name.local &&
			    !(op->input =
				      resolve_message(r->m, op->input_name)))
				diag_warning(
					r->dg, &op->loc, NULL,
					"input message '%s' of operation '%s' is not defined",
					rs_qn(r, NULL, op->input_name),
					op->name ? op->name : "");
			if (op->output_name.local &&
			    !(op->output =
				      resolve_message(r->m, op->output_name)))
				diag_warning(
					r->dg, &op->loc, NULL,
					"output message '%s' of operation '%s' is not defined",
					rs_qn(r, NULL, op->output_name),
					op->name ? op->name : "");
			for (struct wsdl_fault *f = op->faults; f; f = f->next)
				if (f->message_name.local &&
				    !(f->message = resolve_message(
					      r->m, f->message_name)))
					diag_warning(
						r->dg, &f->loc, NULL,
						"message '%s' of fault '%s' is not defined",
						rs_qn(r, NULL, f->message_name),
						f->name ? f->name : "");
		}
	}
	for (struct wsdl_binding *b = w->bindings; b; b = b->next)
		if (b->type.local &&
		    !(b->port_type = resolve_port_type(r->m, b->type)))
			diag_warning(
				r->dg, &b->loc, NULL,
				"portType '%s' of binding '%s' is not defined",
				rs_qn(r, NULL, b->type),
				b->name.local ? b->name.local : "");
	for (struct wsdl_service *s = w->services; s; s = s->next)
		for (struct wsdl_port *p = s->ports; p; p = p->next)
			if (p->binding_name.local &&
			    !(p->binding =
				      resolve_binding(r->m, p->binding_name)))
				diag_warning(
					r->dg, &p->loc, NULL,
					"binding '%s' of port '%s' is not defined",
					rs_qn(r, NULL, p->binding_name),
					p->name ? p->name : "");
	for (struct plnk_type *t = w->plinks; t; t = t->next)
		for (int i = 0; i < t->nroles; i++) {
			struct plnk_role *ro = &t->roles[i];
			if (ro->port_type_name.local &&
			    !(ro->port_type = resolve_port_type(
				      r->m, ro->port_type_name)))
				diag_warning(
					r->dg, &ro->loc, NULL,
					"portType '%s' of role '%s' is not defined",
					rs_qn(r, NULL, ro->port_type_name),
					ro->name ? ro->name : "");
		}
	for (struct vprop_property *p = w->properties; p; p = p->next) {
		p->kind = XSD_COMPLEX;
		if (p->type.local) {
			struct xsd_type *t;
			if (!rs_typed(r, p->type, &t, &p->kind))
				diag_warning(
					r->dg, &p->loc, NULL,
					"type '%s' of property '%s' is not defined",
					rs_qn(r, NULL, p->type),
					p->name.local ? p->name.local : "");
		} else if (p->element.local) {
			struct xsd_element *e =
				resolve_element(r->m, p->element);
			if (e)
				p->kind = e->kind;
			else
				diag_warning(
					r->dg, &p->loc, NULL,
					"element '%s' of property '%s' is not defined",
					rs_qn(r, NULL, p->element),
					p->name.local ? p->name.local : "");
		}
	}
	for (struct vprop_alias *al = w->aliases; al; al = al->next) {
		if (al->property_name.local &&
		    !(al->property = resolve_property(r->m, al->property_name)))
			diag_warning(
				r->dg, &al->loc, NULL,
				"property '%s' of a propertyAlias is not defined",
				rs_qn(r, al->query_node, al->property_name));
		if (al->message_name.local &&
		    !(al->message = resolve_message(r->m, al->message_name)))
			diag_warning(
				r->dg, &al->loc, NULL,
				"message '%s' of a propertyAlias is not defined",
				rs_qn(r, NULL, al->message_name));
	}
}

/* ---- process declarations ------------------------------------------------- */

/* messageType / type / element of a variable (also implicit ones). */
static void rs_var_type(struct rs *r, struct bpel_variable *v,
			const struct loc *at)
{
	xmlNodePtr n = v->node;
	/* Two or more of messageType/type/element is SA00025 (check's); bind
	 * what resolves but report nothing then. */
	int nforms =
		!!v->message_type.local + !!v->type.local + !!v->element.local;
	if (nforms > 1) {
		v->message = resolve_message(r->m, v->message_type);
		if (v->type.local)
			rs_typed(r, v->type, &v->type_ref, &v->kind);
		if ((v->element_ref = resolve_element(r->m, v->element)))
			v->kind = v->element_ref->kind;
		return;
	}
	if (v->message_type.local &&
	    !(v->message = resolve_message(r->m, v->message_type)))
		diag_error(
			r->dg, at, "SA00010",
			"messageType '%s' of variable '%s' is not defined in an imported document",
			rs_qn(r, n, v->message_type), v->name ? v->name : "");
	if (v->type.local) {
		if (!rs_typed(r, v->type, &v->type_ref, &v->kind))
			diag_error(
				r->dg, at, "SA00010",
				"type '%s' of variable '%s' is not defined in an imported schema",
				rs_qn(r, n, v->type), v->name ? v->name : "");
	}
	if (v->element.local) {
		v->element_ref = resolve_element(r->m, v->element);
		if (v->element_ref)
			v->kind = v->element_ref->kind;
		else
			diag_error(
				r->dg, at, "SA00010",
				"element '%s' of variable '%s' is not defined in an imported schema",
				rs_qn(r, n, v->element),
				v->name ? v->name : "");
	}
}

/* The first SOAP port (else any port) of any service whose binding
 * implements pt. */
static struct wsdl_port *rs_port_for(struct rs *r,
				     const struct wsdl_port_type *pt)
{
	struct wsdl_port *any = NULL;
	if (!pt)
		return NULL;
	for (struct wsdl_doc *w = r->m->wsdls; w; w = w->next)
		for (struct wsdl_service *s = w->services; s; s = s->next)
			for (struct wsdl_port *p = s->ports; p; p = p->next) {
				if (!p->binding || p->binding->port_type != pt)
					continue;
				if (p->binding->is_soap && p->address)
					return p;
				if (!any)
					any = p;
			}
	return any;
}

static struct plnk_role *rs_role(struct plnk_type *t, const char *name)
{
	for (int i = 0; t && i < t->nroles; i++)
		if (rs_name_eq(t->roles[i].name, name))
			return &t->roles[i];
	return NULL;
}

/* The namespace of a <partnerLinkType name=q.local> element in an
 * imported WSDL of q's namespace that is not WS-BPEL 2.0's (the 2004/03
 * draft's http://schemas.xmlsoap.org/ws/2004/03/partner-link/, BPEL4WS
 * 1.1's 2003/05 one): what the user wrote instead, for the message.
 * NULL when there is none. */
static const char *rs_plnk_elsewhere(struct rs *r, struct qname q)
{
	for (struct wsdl_doc *w = r->m->wsdls; w; w = w->next) {
		xmlNodePtr root = w->doc ? xmlDocGetRootElement(w->doc) : NULL;
		if (!root || !w->tns || !q.ns || strcmp(w->tns, q.ns) != 0)
			continue;
		for (xmlNodePtr c = root->children; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE || !c->ns ||
			    strcmp((const char *)c->name, "partnerLinkType") !=
				    0 ||
			    strcmp((const char *)c->ns->href, NS_PLNK) == 0)
				continue;
			xmlChar *name = xmlGetNoNsProp(c, BAD_CAST "name");
			bool hit = name &&
				   strcmp((const char *)name, q.local) == 0;
			xmlFree(name);
			if (hit)
				return (const char *)c->ns->href;
		}
	}
	return NULL;
}

static void rs_partner_link(struct rs *r, struct bpel_partner_link *pl)
{
	if (!pl->type_name.local)
		return; /* a missing attribute is the schema's business */
	pl->type = resolve_plnk_type(r->m, pl->type_name);
	if (!pl->type) {
		const char *other = rs_plnk_elsewhere(r, pl->type_name);
		diag_error(
			r->dg, &pl->loc, "SA00010",
			"partnerLinkType '%s' of partnerLink '%s' is not defined in an imported document%s%s%s%s%s",
			rs_qn(r, pl->node, pl->type_name),
			pl->name ? pl->name : "",
			other ? " (one of that name is defined in namespace '"
			      : "",
			other ? other : "",
			other ? "', not WS-BPEL 2.0's '" : "",
			other ? NS_PLNK : "", other ? "')" : "");
		return;
	}
	const char *names[2] = { pl->my_role, pl->partner_role };
	for (int i = 0; i < 2; i++) {
		if (!names[i])
			continue;
		struct plnk_role *ro = rs_role(pl->type, names[i]);
		if (!ro) {
			diag_error(
				r->dg, &pl->loc, NULL,
				"%s '%s' of partnerLink '%s' is not a role of partnerLinkType '%s'",
				i == 0 ? "myRole" : "partnerRole", names[i],
				pl->name ? pl->name : "",
				rs_qn(r, pl->node, pl->type_name));
			continue;
		}
		if (!ro->port_type && ro->port_type_name.local)
			diag_error(
				r->dg, &pl->loc, "SA00010",
				"portType '%s' of role '%s' is not defined in an imported document",
				rs_qn(r, pl->node, ro->port_type_name),
				names[i]);
		if (i == 0) {
			pl->my_port_type = ro->port_type;
			pl->my_port = rs_port_for(r, ro->port_type);
		} else {
			pl->partner_port_type = ro->port_type;
			pl->partner_port = rs_port_for(r, ro->port_type);
		}
	}
}

static void rs_scope_decls(struct rs *r, struct bpel_scope *s)
{
	for (struct bpel_partner_link *pl = s->partner_links; pl; pl = pl->next)
		rs_partner_link(r, pl);
	for (struct bpel_variable *v = s->variables; v; v = v->next)
		rs_var_type(r, v, &v->loc);
	for (struct bpel_corr_set *cs = s->correlation_sets; cs; cs = cs->next)
		for (struct bpel_property_ref *p = cs->properties; p;
		     p = p->next)
			if (p->name.local &&
			    !(p->property = resolve_property(r->m, p->name)))
				diag_error(
					r->dg, &cs->loc, "SA00010",
					"property '%s' of correlationSet '%s' is not defined in an imported document",
					rs_qn(r, cs->node, p->name),
					cs->name ? cs->name : "");
	for (struct bpel_catch *k = s->catches; k; k = k->next)
		if (k->variable)
			rs_var_type(r, k->variable, &k->loc);
}

/* ---- activities ------------------------------------------------------------ */

static struct bpel_variable *rs_need_var(struct rs *r,
					 const struct bpel_activity *ctx,
					 const char *name, const struct loc *at)
{
	if (!name)
		return NULL;
	struct bpel_variable *v = resolve_variable(r->m, ctx, name);
	if (!v)
		diag_error(r->dg, at, NULL, "variable '%s' is not declared",
			   name);
	return v;
}

/* A from/to that mixes forms is SA00032 (check's): names in it are bound
 * when they resolve but not reported. */
static bool rs_from_is_mixed(const struct bpel_from *f)
{
	int n = !!f->literal + !!f->var_name + !!f->plink_name +
		(f->expr && f->expr->text[0]);
	return n > 1 ||
	       (f->plink_name && (f->part || f->query || f->property.local)) ||
	       (f->property.local && (f->part || f->query));
}

static bool rs_to_is_mixed(const struct bpel_to *t)
{
	int n = !!t->var_name + !!t->plink_name + (t->expr && t->expr->text[0]);
	return n > 1 ||
	       (t->plink_name && (t->part || t->query || t->property.local)) ||
	       (t->property.local && (t->part || t->query));
}

static void rs_from(struct rs *r, const struct bpel_activity *ctx,
		    struct bpel_from *f)
{
	bool quiet = rs_from_is_mixed(f);
	if (f->var_name)
		f->var = quiet ? resolve_variable(r->m, ctx, f->var_name)
			       : rs_need_var(r, ctx, f->var_name, &f->loc);
	if (f->plink_name &&
	    !(f->plink = resolve_partner_link(r->m, ctx, f->plink_name)) &&
	    !quiet)
		diag_error(r->dg, &f->loc, NULL,
			   "partnerLink '%s' is not declared", f->plink_name);
	if (f->property.local &&
	    !(f->property_ref = resolve_property(r->m, f->property)))
		diag_error(
			r->dg, &f->loc, "SA00010",
			"property '%s' is not defined in an imported document",
			rs_qn(r, f->node, f->property));
}

static void rs_to(struct rs *r, const struct bpel_activity *ctx,
		  struct bpel_to *t)
{
	bool quiet = rs_to_is_mixed(t);
	if (t->var_name)
		t->var = quiet ? resolve_variable(r->m, ctx, t->var_name)
			       : rs_need_var(r, ctx, t->var_name, &t->loc);
	if (t->plink_name &&
	    !(t->plink = resolve_partner_link(r->m, ctx, t->plink_name)) &&
	    !quiet)
		diag_error(r->dg, &t->loc, NULL,
			   "partnerLink '%s' is not declared", t->plink_name);
	if (t->property.local &&
	    !(t->property_ref = resolve_property(r->m, t->property)))
		diag_error(
			r->dg, &t->loc, "SA00010",
			"property '%s' is not defined in an imported document",
			rs_qn(r, t->node, t->property));
}

/* The part is in msg (or msg is unknown, so nobody can tell). */
static bool rs_part_ok(const struct wsdl_message *msg, const char *part)
{
	if (!msg)
		return true;
	for (const struct wsdl_part *p = msg->parts; p; p = p->next)
		if (rs_name_eq(p->name, part))
			return true;
	return false;
}

/* receive, reply, invoke, onMessage, onEvent */
static void rs_messaging(struct rs *r, struct bpel_activity *a)
{
	const char *what = model_element_name(a->kind);
	bool is_event = a->kind == BPEL_ACT_ON_EVENT;
	bool is_invoke = a->kind == BPEL_ACT_INVOKE;
	struct wsdl_port_type *pt = NULL;

	if (a->port_type_name.local &&
	    !(pt = resolve_port_type(r->m, a->port_type_name)))
		diag_error(
			r->dg, &a->loc, "SA00010",
			"portType '%s' is not defined in an imported document",
			rs_qn(r, a->node, a->port_type_name));
	if (!a->partner_link_name) {
		diag_error(r->dg, &a->loc, NULL,
			   "<%s> has no partnerLink attribute", what);
	} else if (!(a->plink = resolve_partner_link(r->m, a,
						     a->partner_link_name))) {
		diag_error(r->dg, &a->loc, is_event ? "SA00084" : "SA00010",
			   "partnerLink '%s' is not declared",
			   a->partner_link_name);
	} else if (a->plink->type) {
		/* A missing role is check's (SA00016, SA00084); the
		 * operation is then looked up in @portType if given. */
		struct wsdl_port_type *rpt =
			is_invoke ? a->plink->partner_port_type
				  : a->plink->my_port_type;
		if (rpt)
			pt = rpt; /* a differing @portType is SA00005, check's */
	}
	if (!a->operation_name) {
		diag_error(r->dg, &a->loc, NULL,
			   "<%s> has no operation attribute", what);
	} else if (pt &&
		   !(a->operation = resolve_operation(pt, a->operation_name))) {
		diag_error(r->dg, &a->loc, is_event ? "SA00084" : NULL,
			   "operation '%s' is not in portType '%s'",
			   a->operation_name, rs_qn(r, a->node, pt->name));
	}

	if (is_event) {
		if (a->variable)
			rs_var_type(r, a->variable, &a->loc);
		/* fromPart variables take the type of their part. */
		struct wsdl_message *in = a->operation ? a->operation->input
						       : NULL;
		for (struct bpel_part_map *p = a->from_parts; p; p = p->next) {
			if (!p->var || !in)
				continue;
			for (struct wsdl_part *wp = in->parts; wp;
			     wp = wp->next) {
				if (!rs_name_eq(wp->name, p->part))
					continue;
				p->var->element = wp->element;
				p->var->element_ref = wp->element_ref;
				p->var->type = wp->type;
				p->var->type_ref = wp->type_ref;
				p->var->kind = wp->kind;
			}
		}
	} else if (a->kind == BPEL_ACT_INVOKE) {
		a->input_var =
			rs_need_var(r, a, a->input_variable_name, &a->loc);
		a->output_var =
			rs_need_var(r, a, a->output_variable_name, &a->loc);
	} else {
		a->variable = rs_need_var(r, a, a->variable_name, &a->loc);
	}
	/* fromPart/toPart: a part missing from the message is check's
	 * (SA00053/54); its variable is then bound quietly. */
	struct wsdl_message *from_msg = NULL, *to_msg = NULL;
	if (a->operation) {
		from_msg = is_invoke ? a->operation->output
				     : a->operation->input;
		to_msg = is_invoke ? a->operation->input : a->operation->output;
	}
	if (!is_event)
		for (struct bpel_part_map *p = a->from_parts; p; p = p->next)
			p->var = rs_part_ok(from_msg, p->part)
					 ? rs_need_var(r, a, p->var_name,
						       &p->loc)
					 : resolve_variable(r->m, a,
							    p->var_name);
	for (struct bpel_part_map *p = a->to_parts; p; p = p->next)
		p->var = rs_part_ok(to_msg, p->part)
				 ? rs_need_var(r, a, p->var_name, &p->loc)
				 : resolve_variable(r->m, a, p->var_name);
	for (struct bpel_correlation *c = a->correlations; c; c = c->next)
		if (c->set_name &&
		    !(c->set = resolve_corr_set(r->m, a, c->set_name)))
			diag_error(r->dg, &c->loc, is_event ? "SA00088" : NULL,
				   "correlation set '%s' is not declared",
				   c->set_name);
	if (a->message_exchange &&
	    !(a->mex = resolve_mex(r->m, a, a->message_exchange)))
		diag_error(
			r->dg, &a->loc, is_event ? "SA00089" : "SA00061",
			"messageExchange '%s' is not declared in an enclosing scope%s",
			a->message_exchange, is_event ? " (SA00061)" : "");
}

/* The scope or invoke named `name` in the subtree of `a`, not looking
 * inside scopes (their names are what compensateScope can see). */
static struct bpel_activity *rs_find_target(struct bpel_activity *a,
					    const char *name, bool deep);

static struct bpel_activity *rs_find_in_list(struct bpel_activity *a,
					     const char *name, bool deep)
{
	for (; a; a = a->next) {
		struct bpel_activity *t = rs_find_target(a, name, deep);
		if (t)
			return t;
	}
	return NULL;
}

static struct bpel_activity *rs_find_in_scope(struct bpel_scope *s,
					      const char *name, bool deep)
{
	struct bpel_activity *t = NULL;
	if (!s)
		return NULL;
	if (!t)
		t = rs_find_in_list(s->body, name, deep);
	for (struct bpel_activity *e = s->on_events; e && !t; e = e->next)
		t = rs_find_target(e, name, deep);
	for (struct bpel_alarm *al = s->on_alarms; al && !t; al = al->next)
		t = rs_find_in_list(al->activity, name, deep);
	if (deep) {
		for (struct bpel_catch *k = s->catches; k && !t; k = k->next)
			t = rs_find_in_list(k->activity, name, deep);
		if (!t)
			t = rs_find_in_list(s->catch_all, name, deep);
		if (!t)
			t = rs_find_in_list(s->compensation_handler, name,
					    deep);
		if (!t)
			t = rs_find_in_list(s->termination_handler, name, deep);
	}
	return t;
}

static struct bpel_activity *rs_find_target(struct bpel_activity *a,
					    const char *name, bool deep)
{
	if (!a)
		return NULL;
	if ((a->kind == BPEL_ACT_SCOPE || a->kind == BPEL_ACT_INVOKE) &&
	    rs_name_eq(a->name, name))
		return a;
	if (a->kind == BPEL_ACT_SCOPE)
		return deep ? rs_find_in_scope(a->scope, name, deep) : NULL;
	struct bpel_activity *t = NULL;
	if (a->body)
		t = rs_find_target(a->body, name, deep);
	if (!t)
		t = rs_find_in_list(a->children, name, deep);
	if (!t)
		t = rs_find_in_list(a->on_messages, name, deep);
	for (struct bpel_alarm *al = a->on_alarms; al && !t; al = al->next)
		t = rs_find_in_list(al->activity, name, deep);
	return t;
}

static bool rs_in_list(const struct bpel_activity *list,
		       const struct bpel_activity *a)
{
	for (; list; list = list->next)
		if (list == a)
			return true;
	return false;
}

/* Is `child` (an activity directly under s) the activity of one of s's
 * fault, compensation or termination handlers? */
static bool rs_in_fct(const struct bpel_scope *s,
		      const struct bpel_activity *child)
{
	for (const struct bpel_catch *k = s->catches; k; k = k->next)
		if (rs_in_list(k->activity, child))
			return true;
	return rs_in_list(s->catch_all, child) ||
	       rs_in_list(s->compensation_handler, child) ||
	       rs_in_list(s->termination_handler, child);
}

/* The scope that owns the nearest fault, compensation or termination
 * handler holding `a` (where SA00077 looks for a compensateScope's
 * target); NULL when no handler holds it (SA00007) or the nearest is an
 * invoke's inline handler, whose implicit scope encloses no scope. */
static struct bpel_scope *rs_handler_owner(const struct model *m,
					   const struct bpel_activity *a)
{
	const struct bpel_activity *child = a, *cur = a->parent;
	for (; cur; child = cur, cur = cur->parent) {
		if (cur->kind == BPEL_ACT_SCOPE && cur->scope &&
		    rs_in_fct(cur->scope, child))
			return cur->scope;
		if (cur->kind == BPEL_ACT_INVOKE &&
		    (rs_in_list(cur->catch_all, child) ||
		     rs_in_list(cur->compensation_handler, child)))
			return NULL;
		for (const struct bpel_catch *k = cur->catches;
		     cur->kind == BPEL_ACT_INVOKE && k; k = k->next)
			if (rs_in_list(k->activity, child))
				return NULL;
	}
	return rs_in_fct(m->process->scope, child) ? m->process->scope : NULL;
}

static void rs_compensate_scope(struct rs *r, struct bpel_activity *a)
{
	if (!a->target)
		return;
	/* An immediately enclosed scope (or invoke) of the scope owning the
	 * handler; none there is check's SA00077, which names that scope.
	 * Outside any scope's handler (SA00007, or an invoke's inline one,
	 * which check lets pass) the nearest enclosing scope's, else
	 * anything of that name, so that lowering has a target. */
	struct bpel_scope *owner = rs_handler_owner(r->m, a);
	if (owner) {
		a->target_scope = rs_find_in_scope(owner, a->target, false);
	} else {
		a->target_scope = rs_find_in_scope(resolve_scope_of(r->m, a),
						   a->target, false);
		if (!a->target_scope)
			a->target_scope = rs_find_in_scope(r->m->process->scope,
							   a->target, true);
	}
	/* No scope of that name at all breaks SA00077 (the target must be an
	 * immediately enclosed scope) as surely as a wrong one does. */
	if (!a->target_scope &&
	    !rs_find_in_scope(r->m->process->scope, a->target, true))
		diag_error(
			r->dg, &a->loc, "SA00077",
			"compensateScope target '%s' is not the name of a scope or invoke",
			a->target);
}

/* source/target linkName -> the link of the nearest enclosing flow that
 * declares it. */
static void rs_link_refs(struct rs *r, struct bpel_activity *a,
			 struct bpel_link_ref *refs, bool is_source)
{
	for (struct bpel_link_ref *ref = refs; ref; ref = ref->next) {
		if (!ref->link_name)
			continue;
		for (struct bpel_activity *p = a->parent; p && !ref->link;
		     p = p->parent) {
			if (p->kind != BPEL_ACT_FLOW)
				continue;
			for (struct bpel_link *l = p->links; l; l = l->next)
				if (rs_name_eq(l->name, ref->link_name)) {
					ref->link = l;
					break;
				}
		}
		if (!ref->link) {
			diag_error(
				r->dg, &ref->loc, "SA00065",
				"link '%s' is not declared in an enclosing <flow>",
				ref->link_name);
			continue;
		}
		struct bpel_activity **end = is_source ? &ref->link->source
						       : &ref->link->target;
		if (!*end)
			*end = a; /* a second one is check's SA00066 */
	}
}

static void rs_activity(struct rs *r, struct bpel_activity *a, bool sjf,
			bool eosf);

static void rs_list(struct rs *r, struct bpel_activity *a, bool sjf, bool eosf)
{
	for (; a; a = a->next)
		rs_activity(r, a, sjf, eosf);
}

static void rs_catches(struct rs *r, struct bpel_catch *k, bool sjf, bool eosf)
{
	for (; k; k = k->next)
		rs_list(r, k->activity, sjf, eosf);
}

static void rs_alarms(struct rs *r, struct bpel_alarm *al, bool sjf, bool eosf)
{
	for (; al; al = al->next)
		rs_list(r, al->activity, sjf, eosf);
}

/* A scope's declarations, handlers and body; `eosf` is its effective
 * exitOnStandardFault. */
static void rs_scope(struct rs *r, struct bpel_scope *s, bool sjf, bool eosf)
{
	s->effective_exit_on_standard_fault = eosf;
	rs_scope_decls(r, s);
	for (struct bpel_variable *v = s->variables; v; v = v->next)
		if (v->init)
			rs_from(r, s->activity, v->init);
	rs_catches(r, s->catches, sjf, eosf);
	rs_list(r, s->catch_all, sjf, eosf);
	rs_list(r, s->compensation_handler, sjf, eosf);
	rs_list(r, s->termination_handler, sjf, eosf);
	rs_list(r, s->on_events, sjf, eosf);
	rs_alarms(r, s->on_alarms, sjf, eosf);
	if (s->body)
		rs_activity(r, s->body, sjf, eosf);
}

static void rs_activity(struct rs *r, struct bpel_activity *a, bool sjf,
			bool eosf)
{
	if (a->suppress_join_failure >= 0)
		sjf = a->suppress_join_failure == 1;
	a->effective_sjf = sjf;
	rs_link_refs(r, a, a->targets, false);
	rs_link_refs(r, a, a->sources, true);

	switch (a->kind) {
	case BPEL_ACT_RECEIVE:
	case BPEL_ACT_REPLY:
	case BPEL_ACT_INVOKE:
	case BPEL_ACT_ON_MESSAGE:
	case BPEL_ACT_ON_EVENT:
		rs_messaging(r, a);
		break;
	case BPEL_ACT_ASSIGN:
		for (struct bpel_copy *c = a->copies; c; c = c->next) {
			rs_from(r, a, &c->from);
			rs_to(r, a, &c->to);
		}
		break;
	case BPEL_ACT_THROW:
		a->variable =
			rs_need_var(r, a, a->fault_variable_name, &a->loc);
		break;
	case BPEL_ACT_VALIDATE:
		for (const char *p = a->validate_names; p && *p;) {
			while (*p == ' ' || *p == '\t' || *p == '\n' ||
			       *p == '\r')
				p++;
			const char *e = p;
			while (*e && *e != ' ' && *e != '\t' && *e != '\n' &&
			       *e != '\r')
				e++;
			if (e > p)
				rs_need_var(r, a,
					    arena_strndup(r->a, p,
							  (size_t)(e - p)),
					    &a->loc);
			p = e;
		}
		break;
	case BPEL_ACT_COMPENSATE_SCOPE:
		rs_compensate_scope(r, a);
		break;
	default:
		break;
	}

	if (a->kind == BPEL_ACT_SCOPE && a->scope) {
		bool scope_eosf = a->scope->exit_on_standard_fault >= 0
					  ? a->scope->exit_on_standard_fault ==
						    1
					  : eosf;
		rs_scope(r, a->scope, sjf, scope_eosf);
		return;
	}
	rs_catches(r, a->catches, sjf, eosf);
	rs_list(r, a->catch_all, sjf, eosf);
	rs_list(r, a->compensation_handler, sjf, eosf);
	if (a->body)
		rs_activity(r, a->body, sjf, eosf);
	rs_list(r, a->children, sjf, eosf);
	rs_list(r, a->on_messages, sjf, eosf);
	rs_alarms(r, a->on_alarms, sjf, eosf);
}

void resolve_model(struct model *m, struct diag *dg)
{
	struct rs r = { m, dg, m->arena };
	rs_schemas(&r);
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		rs_wsdl(&r, w);
	struct bpel_process *p = m->process;
	if (!p || !p->scope)
		return;
	rs_scope(&r, p->scope, p->suppress_join_failure,
		 p->exit_on_standard_fault);
}
