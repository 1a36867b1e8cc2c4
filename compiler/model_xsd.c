/*
 * model_xsd.c — the XML Schema part of the model (see model.h).
 *
 * Records only what BPEL needs: global elements and named types of a
 * <xsd:schema>, whether a type is simple or complex, and the type or
 * restriction base each one names. An anonymous type inside a global
 * element becomes an unnamed struct xsd_type hung on element->type, so
 * resolve.c can work out every element's xsd_kind the same way. Kinds of
 * named references are resolve.c's job; validation is the runtime's
 * (libxml2 xmlSchema).
 */
#include <string.h>

#include "arena.h"
#include "model_parse.h"

/* <simpleType> : restriction base | list | union */
static void xsd_simple(struct load_file *f, xmlNodePtr n, struct xsd_type *t)
{
	t->is_simple = true;
	t->kind = XSD_STRING;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (load_is(c, NS_XSD, "restriction")) {
			if (!load_qname_attr(f, c, "base", &t->base)) {
				/* restriction of an inline simpleType */
				xmlNodePtr st = load_elem(c->children);
				while (st && !load_is(st, NS_XSD, "simpleType"))
					st = load_elem(st->next);
				if (st) {
					struct xsd_type inner = { 0 };
					xsd_simple(f, st, &inner);
					t->base = inner.base;
				}
			}
		}
		/* list and union values are strings in XPath 1.0 */
	}
}

static struct xsd_type *xsd_type_new(struct load_file *f, xmlNodePtr n,
				     const char *tns)
{
	struct xsd_type *t = ARENA_NEW(f->a, struct xsd_type);
	const char *name = load_attr(f, n, "name");
	if (name) {
		t->name.ns = tns;
		t->name.local = name;
	}
	t->loc = load_loc(f, n);
	t->node = n;
	if (load_is(n, NS_XSD, "simpleType")) {
		xsd_simple(f, n, t);
	} else {
		t->is_simple = false;
		t->kind = XSD_COMPLEX;
		/* complexContent/simpleContent extension or restriction base */
		for (xmlNodePtr c = load_elem(n->children); c;
		     c = load_elem(c->next)) {
			if (!load_is(c, NS_XSD, "complexContent") &&
			    !load_is(c, NS_XSD, "simpleContent"))
				continue;
			for (xmlNodePtr d = load_elem(c->children); d;
			     d = load_elem(d->next))
				if (load_is(d, NS_XSD, "extension") ||
				    load_is(d, NS_XSD, "restriction"))
					load_qname_attr(f, d, "base", &t->base);
		}
	}
	return t;
}

/* <element name type?> with an optional anonymous simpleType/complexType */
static struct xsd_element *xsd_element_new(struct load_file *f, xmlNodePtr n,
					   const char *tns)
{
	struct xsd_element *e = ARENA_NEW(f->a, struct xsd_element);
	e->name.ns = tns;
	e->name.local = load_attr(f, n, "name");
	e->loc = load_loc(f, n);
	e->node = n;
	e->kind = XSD_COMPLEX; /* no type at all: anyType */
	if (load_qname_attr(f, n, "type", &e->type_name))
		return e;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (load_is(c, NS_XSD, "simpleType") ||
		    load_is(c, NS_XSD, "complexType")) {
			e->type = xsd_type_new(f, c, tns);
			e->kind = e->type->is_simple ? XSD_STRING : XSD_COMPLEX;
			break;
		}
	}
	return e;
}

/* <schema targetNamespace?> : (element | complexType | simpleType | …)* */
struct xsd_schema *model_xsd_parse(struct load_file *f, xmlNodePtr schema)
{
	struct xsd_schema *s = ARENA_NEW(f->a, struct xsd_schema);
	s->tns = load_attr(f, schema, "targetNamespace");
	s->path = f->path;
	s->loc = load_loc(f, schema);
	s->node = schema;
	struct xsd_element **etail = &s->elements;
	struct xsd_type **ttail = &s->types;
	for (xmlNodePtr c = load_elem(schema->children); c;
	     c = load_elem(c->next)) {
		if (load_is(c, NS_XSD, "element")) {
			*etail = xsd_element_new(f, c, s->tns);
			etail = &(*etail)->next;
		} else if (load_is(c, NS_XSD, "simpleType") ||
			   load_is(c, NS_XSD, "complexType")) {
			*ttail = xsd_type_new(f, c, s->tns);
			ttail = &(*ttail)->next;
		}
	}
	struct xsd_schema **tail = &f->m->schemas;
	while (*tail)
		tail = &(*tail)->next;
	*tail = s;
	return s;
}
