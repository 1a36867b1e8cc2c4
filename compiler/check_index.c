/*
 * check_index.c — an index of every top-level definition in the WSDL and
 * XSD documents the loader read: messages, portTypes, partnerLinkTypes,
 * properties, propertyAliases, and schema elements, types, groups,
 * attribute groups and attributes, each with its QName, element and file.
 *
 * Built from the XML, not from the typed model, so that definitions the
 * model has no place for (a second definition of the same QName, a
 * schema group) are still seen: SA00014 is about exactly those. A document
 * the loader handed over twice is indexed once. It reports nothing.
 */
#include <string.h>

#include "arena.h"
#include "check_int.h"

const char *const chk_def_kind_names[CD__COUNT] = {
	"message",	 "portType",	   "partnerLinkType", "property",
	"propertyAlias", "element",	   "complexType",     "simpleType",
	"group",	 "attributeGroup", "attribute",
};

xmlNodePtr chk_wsdl_child(xmlNodePtr n, const char *ns, const char *local)
{
	CHK_EACH(ch, n)
	if (chk_is_ns(ch, ns, local))
		return ch;
	return NULL;
}

/* targetNamespace of the nearest definitions/schema ancestor. */
const char *chk_tns(xmlNodePtr n)
{
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
		if (chk_is_ns(n, NS_XSD, "schema") ||
		    chk_is_ns(n, NS_WSDL, "definitions")) {
			const char *t = chk_attr(n, "targetNamespace");
			return t && *t ? t : NULL;
		}
	}
	return NULL;
}

static void add_def(struct chk *c, enum chk_def_kind k, xmlNodePtr n,
		    const char *local, const char *file, bool direct)
{
	struct chk_def *d = ARENA_NEW(c->a, struct chk_def);
	d->kind = k;
	d->ns = chk_tns(n);
	d->local = local;
	d->node = n;
	d->file = file;
	d->direct = direct;
	/* Append: document order, so "the second definition" is the later one. */
	struct chk_def **pp = &c->defs[k];
	while (*pp)
		pp = &(*pp)->next;
	*pp = d;
}

static void index_schema(struct chk *c, xmlNodePtr s, const char *file)
{
	static const struct {
		const char *el;
		enum chk_def_kind k;
	} map[] = {
		{ "element", CD_ELEMENT },
		{ "complexType", CD_COMPLEX_TYPE },
		{ "simpleType", CD_SIMPLE_TYPE },
		{ "group", CD_GROUP },
		{ "attributeGroup", CD_ATTR_GROUP },
		{ "attribute", CD_ATTRIBUTE },
	};
	CHK_EACH(ch, s)
	{
		for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
			const char *name = chk_attr(ch, "name");
			if (chk_is_ns(ch, NS_XSD, map[i].el) && name)
				add_def(c, map[i].k, ch, name, file, false);
		}
	}
}

/* Was this document already indexed (the loader may list it twice)? */
static bool seen_doc(xmlDocPtr *seen, int *nseen, int cap, xmlDocPtr d)
{
	for (int i = 0; i < *nseen; i++)
		if (seen[i] == d)
			return true;
	if (*nseen < cap)
		seen[(*nseen)++] = d;
	return false;
}

static bool seen_node(xmlNodePtr *seen, int *nseen, int cap, xmlNodePtr n)
{
	for (int i = 0; i < *nseen; i++)
		if (seen[i] == n)
			return true;
	if (*nseen < cap)
		seen[(*nseen)++] = n;
	return false;
}

/* The WSDL documents the .bpel imports itself (SA00021 looks only there). */
static bool imported_directly(struct chk *c, const char *tns)
{
	CHK_EACH(im, c->root)
	if (chk_is(im, "import")) {
		const char *ns = chk_attr(im, "namespace");
		if ((!ns && !tns) || (ns && tns && strcmp(ns, tns) == 0))
			return true;
	}
	return false;
}

void chk_index_build(struct chk *c)
{
	enum { CAP = 256 };
	xmlDocPtr docs[CAP];
	int ndocs = 0;
	xmlNodePtr schemas[CAP];
	int nschemas = 0;
	for (struct wsdl_doc *w = c->m->wsdls; w; w = w->next) {
		if (!w->doc || seen_doc(docs, &ndocs, CAP, w->doc))
			continue;
		xmlNodePtr r = xmlDocGetRootElement(w->doc);
		if (!chk_is_ns(r, NS_WSDL, "definitions"))
			continue;
		bool direct =
			imported_directly(c, chk_attr(r, "targetNamespace"));
		CHK_EACH(ch, r)
		{
			const char *name = chk_attr(ch, "name");
			if (chk_is_ns(ch, NS_WSDL, "message") && name)
				add_def(c, CD_MESSAGE, ch, name, w->path,
					direct);
			else if (chk_is_ns(ch, NS_WSDL, "portType") && name)
				add_def(c, CD_PORT_TYPE, ch, name, w->path,
					direct);
			else if (chk_is_ns(ch, NS_PLNK, "partnerLinkType") &&
				 name)
				add_def(c, CD_PLNK, ch, name, w->path, direct);
			else if (chk_is_ns(ch, NS_VPROP, "property") && name)
				add_def(c, CD_PROPERTY, ch, name, w->path,
					direct);
			else if (chk_is_ns(ch, NS_VPROP, "propertyAlias"))
				add_def(c, CD_ALIAS, ch, "", w->path, direct);
			else if (chk_is_ns(ch, NS_WSDL, "types")) {
				CHK_EACH(s, ch)
				if (chk_is_ns(s, NS_XSD, "schema") &&
				    !seen_node(schemas, &nschemas, CAP, s))
					index_schema(c, s, w->path);
			}
		}
	}
	for (struct xsd_schema *s = c->m->schemas; s; s = s->next)
		if (s->node && !seen_node(schemas, &nschemas, CAP, s->node))
			index_schema(c, s->node, s->path);
	for (struct wsdl_doc *w = c->m->wsdls; w; w = w->next)
		for (struct xsd_schema *s = w->schemas; s; s = s->next)
			if (s->node &&
			    !seen_node(schemas, &nschemas, CAP, s->node))
				index_schema(c, s->node, s->path);
}

struct chk_def *chk_def_find(struct chk *c, enum chk_def_kind k,
			     struct chk_qn q)
{
	if (!q.local)
		return NULL;
	for (struct chk_def *d = c->defs[k]; d; d = d->next) {
		if (strcmp(d->local, q.local) != 0)
			continue;
		if ((!d->ns && !q.ns) ||
		    (d->ns && q.ns && strcmp(d->ns, q.ns) == 0))
			return d;
	}
	return NULL;
}
