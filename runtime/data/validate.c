/*
 * validate.c — XML Schema validation of variables (semantics.md §4:
 * <validate variables>, <assign validate="yes">; failure is
 * bpel:invalidVariables).
 *
 * The compiler embeds the schemas the process uses (imported .xsd files
 * and WSDL inline schemas, brt_process.schemas). At start-up they are
 * compiled once, with libxml2, into one schema set: a small generated
 * "driver" schema (its own namespace) imports every embedded schema and
 * declares one element per type that a variable or message part is
 * declared with, so that a value of a *type* can be validated as the
 * content of that element (libxml2 validates elements, not types).
 * Imports between embedded schemas are served from the table by a
 * private entity loader that is installed only while the set compiles;
 * it never reads a file or the network.
 *
 * Element variables and element parts are validated against their global
 * element declaration; type variables and type parts through the driver's
 * element for their type. Not here: when to validate (copy.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include "data.h"
#include "internal.h"

#define NS_DRIVER "urn:bpelc:validate"
#define NS_XSD "http://www.w3.org/2001/XMLSchema"
#define DRIVER_URI "/bpelc-schemas/bpelc-driver.xsd"

struct brt_xsd {
	xmlSchemaPtr schema; /* NULL: did not compile (why) */
	int ntypes;
	struct brt_qname *types; /* driver element i is "t<i>" of types[i] */
	char why[300];
};

/* ---- the schema set ------------------------------------------------------ */

/* The embedded schemas while the set compiles: the loader's context. The
 * loader is a libxml2 global; it is set and restored around one call on
 * the loop's only thread, which is why this one static is tolerable. */
static const struct brt_process *loading;
static xmlExternalEntityLoader saved_loader;

static const struct brt_embed *find_schema(const struct brt_process *p,
					   const char *url)
{
	if (url == NULL)
		return NULL;
	for (int i = 0; i < p->nschemas; i++)
		if (strcmp(p->schemas[i].uri, url) == 0)
			return &p->schemas[i];
	/* A location that resolved differently: match the file name. */
	const char *base = strrchr(url, '/');
	base = base != NULL ? base + 1 : url;
	for (int i = 0; i < p->nschemas; i++) {
		const char *b = strrchr(p->schemas[i].uri, '/');
		b = b != NULL ? b + 1 : p->schemas[i].uri;
		if (strcmp(b, base) == 0)
			return &p->schemas[i];
	}
	return NULL;
}

static xmlParserInputPtr embedded_loader(const char *url, const char *id,
					 xmlParserCtxtPtr ctxt)
{
	(void)id;
	const struct brt_embed *em = loading != NULL ? find_schema(loading, url)
						     : NULL;
	if (em == NULL || em->text == NULL)
		return NULL; /* never the disk or the network */
	xmlParserInputPtr in = xmlNewStringInputStream(ctxt, BAD_CAST em->text);
	if (in != NULL && in->filename == NULL)
		in->filename = (char *)xmlStrdup(BAD_CAST em->uri);
	return in;
}

static bool qn_eq(const struct brt_qname *a, const struct brt_qname *b)
{
	const char *x = a->ns != NULL ? a->ns : "";
	const char *y = b->ns != NULL ? b->ns : "";
	return strcmp(a->local, b->local) == 0 && strcmp(x, y) == 0;
}

static int add_type(struct brt_xsd *x, const struct brt_qname *t)
{
	if (t->local == NULL)
		return 0;
	for (int i = 0; i < x->ntypes; i++)
		if (qn_eq(&x->types[i], t))
			return 0;
	struct brt_qname *n =
		realloc(x->types, (size_t)(x->ntypes + 1) * sizeof *n);
	if (n == NULL)
		return BRT_ENOMEM;
	x->types = n;
	x->types[x->ntypes++] = *t;
	return 0;
}

/* Every type a variable or a message part is declared with. */
static int collect_types(struct brt_xsd *x, const struct brt_process *p)
{
	for (int i = 0; i < p->nvars; i++) {
		const struct brt_variable *v = &p->vars[i];
		if (v->kind == BRT_VAR_TYPE && add_type(x, &v->type) < 0)
			return BRT_ENOMEM;
		for (int j = 0; v->kind == BRT_VAR_MESSAGE && v->message &&
				j < v->message->nparts;
		     j++)
			if (v->message->parts[j].element.local == NULL &&
			    add_type(x, &v->message->parts[j].type) < 0)
				return BRT_ENOMEM;
	}
	return 0;
}

static void put_escaped(FILE *f, const char *s)
{
	for (; s != NULL && *s; s++) {
		if (*s == '"')
			fputs("&quot;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else
			fputc(*s, f);
	}
}

/* The driver schema's text (free()), NULL when out of memory. */
static char *driver_text(const struct brt_process *p, const struct brt_xsd *x)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		return NULL;
	fprintf(f, "<xsd:schema xmlns:xsd=\"%s\" targetNamespace=\"%s\"",
		NS_XSD, NS_DRIVER);
	for (int i = 0; i < x->ntypes; i++) {
		if (x->types[i].ns == NULL || x->types[i].ns[0] == '\0')
			continue;
		fprintf(f, " xmlns:t%d=\"", i);
		put_escaped(f, x->types[i].ns);
		fputc('"', f);
	}
	fputs(">\n", f);
	/* One import per namespace: libxml2 skips a second import of a
	 * namespace, so other documents of it come in through their own
	 * imports/includes. */
	for (int i = 0; i < p->nschemas; i++) {
		const char *ns = p->schemas[i].ns;
		bool seen = false;
		for (int j = 0; j < i && !seen; j++) {
			const char *o = p->schemas[j].ns;
			seen = (ns == NULL || !*ns)
				       ? (o == NULL || !*o)
				       : (o != NULL && strcmp(o, ns) == 0);
		}
		if (seen || (ns != NULL && strcmp(ns, NS_XSD) == 0))
			continue;
		fputs("<xsd:import", f);
		if (ns != NULL && *ns) {
			fputs(" namespace=\"", f);
			put_escaped(f, ns);
			fputc('"', f);
		}
		fputs(" schemaLocation=\"", f);
		put_escaped(f, p->schemas[i].uri);
		fputs("\"/>\n", f);
	}
	for (int i = 0; i < x->ntypes; i++) {
		fprintf(f, "<xsd:element name=\"t%d\" type=\"", i);
		if (x->types[i].ns != NULL && x->types[i].ns[0] != '\0') {
			if (strcmp(x->types[i].ns, NS_XSD) == 0)
				fputs("xsd:", f);
			else
				fprintf(f, "t%d:", i);
		}
		put_escaped(f, x->types[i].local);
		fputs("\"/>\n", f);
	}
	fputs("</xsd:schema>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void parse_err(void *arg, xmlErrorPtr e)
{
	struct brt_xsd *x = arg;
	if (x->why[0] != '\0' || e == NULL || e->level < XML_ERR_ERROR)
		return;
	snprintf(x->why, sizeof x->why, "%s:%d: %s",
		 e->file != NULL ? e->file : "schema", e->line,
		 e->message != NULL ? e->message : "error");
	size_t n = strlen(x->why);
	while (n > 0 && (x->why[n - 1] == '\n' || x->why[n - 1] == ' '))
		x->why[--n] = '\0';
}

static bool process_validates(const struct brt_process *p)
{
	for (int i = 0; i < p->nassigns; i++)
		if (p->assigns[i].validate)
			return true;
	return p->nvalidates > 0;
}

int brt__xsd_prepare(struct brt_prepared *pp, char *err, size_t errlen)
{
	const struct brt_process *p = pp->proc;
	/* The compiler embeds schemas only when something will validate:
	 * a <validate>, an assign with validate="yes", or a partner's reply
	 * (brt__xsd_check_message). */
	if (!process_validates(p) && p->nschemas == 0)
		return 0;
	struct brt_xsd *x = calloc(1, sizeof *x);
	if (x == NULL || collect_types(x, p) < 0) {
		if (x != NULL)
			free(x->types);
		free(x);
		snprintf(err, errlen, "out of memory");
		return BRT_ENOMEM;
	}
	pp->xsd = x;
	char *text = driver_text(p, x);
	if (text == NULL) {
		snprintf(err, errlen, "out of memory");
		return BRT_ENOMEM;
	}
	loading = p;
	saved_loader = xmlGetExternalEntityLoader();
	xmlSetExternalEntityLoader(embedded_loader);
	xmlSchemaParserCtxtPtr pc =
		xmlSchemaNewMemParserCtxt(text, (int)strlen(text));
	if (pc != NULL) {
		xmlSchemaSetParserStructuredErrors(pc, parse_err, x);
		x->schema = xmlSchemaParse(pc);
		xmlSchemaFreeParserCtxt(pc);
	}
	xmlSetExternalEntityLoader(saved_loader);
	loading = NULL;
	free(text);
	if (x->schema == NULL && x->why[0] == '\0')
		snprintf(x->why, sizeof x->why, "the schemas do not compile");
	/* Not fatal: a process may run without ever validating; a
	 * validation then faults, naming this reason. */
	return 0;
}

void brt__xsd_free(struct brt_prepared *pp)
{
	struct brt_xsd *x = pp->xsd;
	if (x == NULL)
		return;
	if (x->schema != NULL)
		xmlSchemaFree(x->schema);
	free(x->types);
	free(x);
	pp->xsd = NULL;
}

/* ---- validating ---------------------------------------------------------- */

struct verr {
	char msg[200];
	bool seen;
	int code; /* libxml2's code of the first error */
};

static void valid_err(void *arg, xmlErrorPtr e)
{
	struct verr *ve = arg;
	if (ve->seen || e == NULL)
		return;
	ve->seen = true;
	ve->code = e->code;
	snprintf(ve->msg, sizeof ve->msg, "%s",
		 e->message != NULL ? e->message : "not valid");
	size_t n = strlen(ve->msg);
	while (n > 0 && (ve->msg[n - 1] == '\n' || ve->msg[n - 1] == ' '))
		ve->msg[--n] = '\0';
}

/* Validate element el (a subtree of its document). 0 valid, 1 not
 * (reason in ve), -1 out of memory. */
static int validate_elem(struct brt_xsd *x, xmlNodePtr el, struct verr *ve)
{
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(x->schema);
	if (vc == NULL)
		return -1;
	xmlSchemaSetValidStructuredErrors(vc, valid_err, ve);
	int rc = xmlSchemaValidateOneElement(vc, el);
	xmlSchemaFreeValidCtxt(vc);
	if (rc < 0)
		return -1;
	return rc == 0 ? 0 : 1;
}

/* A value of type t (held by wrapper/element n: its attributes and
 * children) validated as the driver's element for t. */
static int validate_typed(struct brt_xsd *x, const struct brt_qname *t,
			  xmlNodePtr n, struct verr *ve)
{
	int it = -1;
	for (int i = 0; i < x->ntypes && it < 0; i++)
		if (qn_eq(&x->types[i], t))
			it = i;
	if (it < 0) {
		snprintf(ve->msg, sizeof ve->msg, "type %s is not known",
			 t->local);
		return 1;
	}
	char name[32];
	snprintf(name, sizeof name, "t%d", it);
	const struct brt_qname q = { NS_DRIVER, name };
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr el = doc != NULL ? brt__data_new_elem(doc, &q) : NULL;
	int rc = -1;
	if (el != NULL) {
		xmlDocSetRootElement(doc, el);
		if (brt__copy_element_props(el, n, false) == 0)
			rc = validate_elem(x, el, ve);
	}
	xmlFreeDoc(doc);
	return rc;
}

int brt__dx_validate_var(struct brt_dctx *d, int var)
{
	const struct brt_variable *v = &d->proc->vars[var];
	struct brt_xsd *x = d->prep != NULL ? d->prep->xsd : NULL;
	if (x == NULL || x->schema == NULL)
		return brt__dx_fault(
			d, "invalidVariables",
			"variable '%s' cannot be validated: %s", v->name,
			x != NULL ? x->why : "no schemas were compiled");
	xmlNodePtr root;
	xmlDocPtr *slot = brt__dx_value(d, var, "validated", &root);
	if (slot == NULL)
		return BRT_EFAULT;
	struct verr ve = { .seen = false };
	int rc = 0;
	const char *part = NULL;
	if (v->kind == BRT_VAR_ELEMENT) {
		rc = validate_elem(x, root, &ve);
	} else if (v->kind == BRT_VAR_TYPE) {
		rc = validate_typed(x, &v->type, root, &ve);
	} else {
		for (int i = 0; rc == 0 && v->message && i < v->message->nparts;
		     i++) {
			const struct brt_part *pt = &v->message->parts[i];
			part = pt->name;
			xmlNodePtr w = brt__msg_part(*slot, pt->name);
			if (w == NULL) {
				snprintf(ve.msg, sizeof ve.msg,
					 "the part has no value");
				rc = 1;
			} else if (pt->element.local != NULL) {
				xmlNodePtr el = brt__data_first_elem(w);
				if (el == NULL ||
				    !brt__data_elem_is(el, &pt->element)) {
					snprintf(ve.msg, sizeof ve.msg,
						 "the part is not element %s",
						 pt->element.local);
					rc = 1;
				} else {
					rc = validate_elem(x, el, &ve);
				}
			} else {
				rc = validate_typed(x, &pt->type, w, &ve);
			}
		}
	}
	if (rc < 0)
		return brt__dx_fault(d, "subLanguageExecutionFault",
				     "out of memory");
	if (rc > 0)
		return brt__dx_fault(d, "invalidVariables",
				     "variable '%s'%s%s is not valid: %s",
				     v->name, part != NULL ? " part " : "",
				     part != NULL ? part : "", ve.msg);
	return 0;
}

int brt__xsd_check_message(const struct brt_prepared *pp,
			   const struct brt_message *m, xmlDocPtr msg,
			   char *why, size_t len)
{
	struct brt_xsd *x = pp != NULL ? pp->xsd : NULL;
	if (x == NULL || x->schema == NULL || m == NULL || msg == NULL)
		return 0;
	for (int i = 0; i < m->nparts; i++) {
		const struct brt_part *pt = &m->parts[i];
		xmlNodePtr w = brt__msg_part(msg, pt->name);
		if (w == NULL)
			continue; /* soap.c already refused a missing part */
		struct verr ve = { .seen = false };
		int rc;
		if (pt->element.local != NULL) {
			xmlNodePtr el = brt__data_first_elem(w);
			if (el == NULL)
				continue;
			rc = validate_elem(x, el, &ve);
			/* An element no schema of the set declares cannot be
			 * checked; that is not the partner's fault. */
			if (rc > 0 && ve.code == XML_SCHEMAV_CVC_ELT_1)
				rc = 0;
		} else {
			bool known = false;
			for (int t = 0; t < x->ntypes && !known; t++)
				known = qn_eq(&x->types[t], &pt->type);
			if (!known)
				continue;
			rc = validate_typed(x, &pt->type, w, &ve);
		}
		if (rc < 0)
			return -1;
		if (rc > 0) {
			snprintf(why, len, "part %s is not valid: %s", pt->name,
				 ve.msg);
			return 1;
		}
	}
	return 0;
}
