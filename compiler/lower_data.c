/*
 * lower_data.c — the data side of lowering:
 *  - <validate variables="a b"/>: an assign descriptor with no copies
 *    that validates the named variables (brt_assign does both);
 *  - <extensionActivity>: an extension bpelc does not know. One whose
 *    namespace is declared mustUnderstand="yes" is rejected by check
 *    (SA00009); any other is skipped like <empty/>, with a warning;
 *  - files the service needs at run time, embedded so the executable is
 *    self-contained: the XML schemas (imported .xsd files and WSDL inline
 *    schemas) when the process validates anything or awaits a partner's
 *    reply (which the runtime validates), and the stylesheets
 *    that bpel:doXslTransform names.
 * Not here: assign copies (lower_basic.c), emitting the tables (emit.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/uri.h>

#include "arena.h"
#include "load.h"
#include "lower_int.h"

/* <validate variables="NCName-list"/> */
void lower_data_validate_decl(struct lower *l, struct bpel_activity *a)
{
	struct ir_assign *as = ARENA_NEW(l->a, struct ir_assign);
	as->act = a;
	as->loc = a->loc;
	as->copies = ARENA_NEW(l->a, struct ir_copy);
	const char *s = a->validate_names ? a->validate_names : "";
	int n = 0;
	for (const char *p = s; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		n++;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' &&
		       *p != '\r')
			p++;
	}
	as->validate_vars = ARENA_ARRAY(l->a, int, n ? n : 1);
	for (const char *p = s; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			break;
		const char *b = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' &&
		       *p != '\r')
			p++;
		char *name = arena_strndup(l->a, b, (size_t)(p - b));
		struct bpel_variable *v = lower_find_var(l, a, name);
		if (!v) {
			diag_error(
				l->dg, &a->loc, NULL,
				"<validate>: no variable '%s' is visible here",
				name);
			continue;
		}
		as->validate_vars[as->nvalidate++] = lower_var(v);
	}
	ir_vec_push(l->a, &l->p->assigns, as);
	lower_info(l, a)->desc = l->p->assigns.n - 1;
}

int lower_data_validate(struct lower *l, struct bpel_activity *a, int next)
{
	struct ir_state *st = ir_state_new(l->p, IR_ASSIGN, a, 0);
	st->next = next;
	st->desc = lower_info(l, a)->desc;
	return st->id;
}

/* <extensionActivity>: runs as <empty/> (check_warn.c warns, naming
 * the element). */
int lower_data_extension(struct lower *l, struct bpel_activity *a, int next)
{
	struct ir_state *st = ir_state_new(l->p, IR_EMPTY, a, 0);
	st->next = next;
	return st->id;
}

/* ---- embedded files ---------------------------------------------------- */

/* Directory part of the process path, with its slash ("" if none). */
static const char *proc_dir(struct lower *l)
{
	const char *path = l->m->process->path ? l->m->process->path : "";
	const char *slash = strrchr(path, '/');
	return slash ? arena_strndup(l->a, path, (size_t)(slash - path) + 1)
		     : "";
}

/* A schema's private URI: its path relative to the process, under a
 * root that exists nowhere, so relative imports resolve among the
 * embedded schemas and never reach the disk. */
static const char *schema_uri(struct lower *l, const char *path, int n,
			      bool is_inline)
{
	const char *dir = proc_dir(l);
	size_t dlen = strlen(dir);
	const char *rel = path ? path : "schema.xsd";
	if (dlen && strncmp(rel, dir, dlen) == 0)
		rel = rel + dlen;
	else if (rel[0] == '/')
		rel = strrchr(rel, '/') + 1;
	if (is_inline)
		return arena_printf(l->a, "/bpelc-schemas/%s.schema%d.xsd", rel,
				    n);
	return arena_printf(l->a, "/bpelc-schemas/%s", rel);
}

/* The schema element as a document of its own, with every namespace in
 * scope declared (QName values in attributes need them). */
static const char *schema_text(struct lower *l, xmlNodePtr schema)
{
	xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr copy = d ? xmlDocCopyNode(schema, d, 1) : NULL;
	if (!copy) {
		xmlFreeDoc(d);
		return NULL;
	}
	xmlDocSetRootElement(d, copy);
	xmlNsPtr *list = xmlGetNsList(schema->doc, schema);
	for (int i = 0; list && list[i]; i++) {
		bool declared = false;
		for (xmlNsPtr ns = copy->nsDef; ns; ns = ns->next)
			if ((ns->prefix == NULL) == (list[i]->prefix == NULL) &&
			    (!ns->prefix ||
			     xmlStrEqual(ns->prefix, list[i]->prefix)))
				declared = true;
		if (!declared)
			xmlNewNs(copy, list[i]->href, list[i]->prefix);
	}
	xmlFree(list);
	xmlBufferPtr buf = xmlBufferCreate();
	xmlNodeDump(buf, d, copy, 0, 0);
	const char *text =
		arena_strdup(l->a, (const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlFreeDoc(d);
	return text;
}

static bool process_validates(struct lower *l)
{
	for (int i = 0; i < l->p->assigns.n; i++) {
		struct ir_assign *as =
			IR_AT(l->p->assigns, struct ir_assign, i);
		if (as->nvalidate > 0 || (as->act && as->act->validate))
			return true;
	}
	return false;
}

static void embed_schemas(struct lower *l)
{
	int n = 0;
	for (struct xsd_schema *s = l->m->schemas; s; s = s->next, n++) {
		if (!s->node || !s->node->doc)
			continue;
		xmlNodePtr root = xmlDocGetRootElement(s->node->doc);
		const char *text = schema_text(l, s->node);
		if (!text)
			continue;
		bool dup = false;
		for (int i = 0; i < l->p->schemas.n && !dup; i++) {
			struct ir_embed *e =
				IR_AT(l->p->schemas, struct ir_embed, i);
			dup = strcmp(e->text, text) == 0;
		}
		if (dup)
			continue;
		struct ir_embed *e = ARENA_NEW(l->a, struct ir_embed);
		e->uri = schema_uri(l, s->path, n, root != s->node);
		e->ns = s->tns;
		e->text = text;
		ir_vec_push(l->a, &l->p->schemas, e);
	}
}

#define NS_XSLT "http://www.w3.org/1999/XSL/Transform"
#define XSL_MAX_DEPTH 32

static struct ir_embed *find_stylesheet(struct lower *l, const char *uri)
{
	for (int i = 0; i < l->p->stylesheets.n; i++) {
		struct ir_embed *e =
			IR_AT(l->p->stylesheets, struct ir_embed, i);
		if (strcmp(e->uri, uri) == 0)
			return e;
	}
	return NULL;
}

/*
 * The xsl:import and xsl:include tree of an embedded stylesheet, embedded
 * too, so the service never reads a stylesheet from disk or network
 * (docs/runtime.md). Each module is keyed by the URI libxslt will ask
 * for: its href resolved against the importing stylesheet's URI (as the
 * table names it); it is read from its href resolved against the
 * importer's file. Modules have ns "xsl:import" (not a stylesheet of
 * their own). An href that is a URL, or that cannot be read, is a
 * warning: the stylesheet then fails to compile at start-up and
 * doXslTransform faults.
 */
static void embed_modules(struct lower *l, struct ir_expr *x, const char *uri,
			  const char *path, const char *text, int depth)
{
	xmlDocPtr doc =
		text ? xmlReadMemory(text, (int)strlen(text), path, NULL,
				     XML_PARSE_NONET | XML_PARSE_NOERROR |
					     XML_PARSE_NOWARNING)
		     : NULL;
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !c->ns ||
		    !xmlStrEqual(c->ns->href, BAD_CAST NS_XSLT) ||
		    !(xmlStrEqual(c->name, BAD_CAST "import") ||
		      xmlStrEqual(c->name, BAD_CAST "include")))
			continue;
		xmlChar *href = xmlGetProp(c, BAD_CAST "href");
		xmlChar *key = href ? xmlBuildURI(href, BAD_CAST uri) : NULL;
		xmlChar *file = href ? xmlBuildURI(href, BAD_CAST path) : NULL;
		if (key && file && !find_stylesheet(l, (const char *)key)) {
			struct ir_embed *e = ARENA_NEW(l->a, struct ir_embed);
			e->uri = arena_strdup(l->a, (const char *)key);
			e->ns = "xsl:import";
			size_t len;
			bool url = strstr((const char *)href, "://") != NULL;
			e->text = url || depth >= XSL_MAX_DEPTH
					  ? NULL
					  : load_read_file(l->m,
							   (const char *)file,
							   &len);
			if (!e->text)
				diag_warning(l->dg, &x->loc, NULL,
					     "stylesheet '%s' imports '%s', "
					     "which cannot be embedded (%s); "
					     "bpel:doXslTransform will fault",
					     uri, (const char *)href,
					     url ? "a URL is never read"
					     : depth >= XSL_MAX_DEPTH
						     ? "imports nested too deep"
						     : strerror(errno));
			ir_vec_push(l->a, &l->p->stylesheets, e);
			if (e->text)
				embed_modules(l, x, e->uri,
					      arena_strdup(l->a,
							   (const char *)file),
					      e->text, depth + 1);
		}
		xmlFree(key);
		xmlFree(file);
		xmlFree(href);
	}
	xmlFreeDoc(doc);
}

/* bpel:doXslTransform('uri', …) in expression x: embed the stylesheet. */
static void embed_stylesheet_of(struct lower *l, struct ir_expr *x)
{
	for (const char *p = strstr(x->text, "doXslTransform"); p;
	     p = strstr(p + 1, "doXslTransform")) {
		const char *q = p + strlen("doXslTransform");
		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if (*q++ != '(')
			continue;
		while (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r')
			q++;
		if (*q != '\'' && *q != '"')
			continue; /* SA00039 */
		const char *end = strchr(q + 1, *q);
		if (!end)
			continue;
		const char *uri =
			arena_strndup(l->a, q + 1, (size_t)(end - q - 1));
		struct ir_embed *seen = find_stylesheet(l, uri);
		if (seen) {
			seen->ns = NULL; /* also a stylesheet of its own */
			continue;
		}
		const char *rel = strncmp(uri, "file:", 5) == 0 ? uri + 5 : uri;
		const char *path =
			rel[0] == '/'
				? rel
				: arena_printf(l->a, "%s%s", proc_dir(l), rel);
		struct ir_embed *e = ARENA_NEW(l->a, struct ir_embed);
		e->uri = uri;
		size_t len;
		e->text = strstr(uri, "://") ? NULL
					     : load_read_file(l->m, path, &len);
		if (!e->text)
			diag_warning(l->dg, &x->loc, NULL,
				     "stylesheet '%s' cannot be read (%s); "
				     "bpel:doXslTransform will fault with "
				     "bpel:xsltStylesheetNotFound",
				     uri,
				     strstr(uri, "://") ? "not a file"
							: strerror(errno));
		ir_vec_push(l->a, &l->p->stylesheets, e);
		if (e->text)
			embed_modules(l, x, uri, path, e->text, 1);
	}
}

/* A request-response invoke: the runtime validates its reply against the
 * output message's schema (docs/runtime.md, "Calling partners"), so a
 * partner answering nonsense in the right element is a fault, not data. */
static bool process_awaits_replies(struct lower *l)
{
	for (int i = 0; i < l->p->invokes.n; i++) {
		struct ir_msg_act *m =
			IR_AT(l->p->invokes, struct ir_msg_act, i);
		if (m->act && m->act->operation && m->act->operation->output)
			return true;
	}
	return false;
}

void lower_data_embed(struct lower *l)
{
	if (process_validates(l) || process_awaits_replies(l))
		embed_schemas(l);
	for (int i = 0; i < l->p->exprs.n; i++)
		embed_stylesheet_of(l, IR_AT(l->p->exprs, struct ir_expr, i));
}
