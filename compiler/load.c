/*
 * load.c — reading the process and its imports (see load.h).
 *
 * Reads each file's bytes itself (so WSDL text can be served as ?wsdl and
 * columns can be found), parses them with libxml2 without network, DTD
 * loading or entity expansion, and reports every parser error through a
 * structured handler as file:line diagnostics. Imports resolve relative to
 * the importing file; each file is loaded once (by realpath). The model
 * parsers (model_*.c) build the typed tree; this file only decides which
 * parser gets which document and checks the process's <import>s
 * (SA00011-SA00013). Name resolution is resolve.c's job.
 */
/* realpath() is XSI, not in plain POSIX.1-2008. */
#define _XOPEN_SOURCE 700

#include "load.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "arena.h"
#include "catalog.h"
#include "diag.h"
#include "model_parse.h"
#include "ode.h"
#include "strbuf.h"

#define NS_BPEL4WS_2003 \
	"http://schemas.xmlsoap.org/ws/2003/03/business-process/"
#define NS_BPEL4WS_2004 \
	"http://schemas.xmlsoap.org/ws/2004/03/business-process/"
#define NS_BPEL_ABSTRACT \
	"http://docs.oasis-open.org/wsbpel/2.0/process/abstract"

/* No network, no DTD loading or attribute defaulting, no entity
 * substitution; CDATA merged into text (expressions and literals read
 * the same either way); line numbers past 65535 kept. */
#define LOAD_XML_OPTIONS \
	(XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES)

struct loader {
	struct model *m;
	struct arena *a;
	struct diag *dg;
	struct load_file *files; /* every file read, for dedupe */
	const char *parsing;	 /* display path of the file being parsed */
	const struct load_options *opts;
	const char *process_path;
	struct catalog *cat;   /* read at the first absolute-URL import */
	const char *cat_names; /* the catalog files read, for messages */
};

/* ---- helpers for the parsers ------------------------------------------ */

static void load_lines(struct load_file *f)
{
	int n = 1;
	for (size_t i = 0; i < f->len; i++)
		if (f->text[i] == '\n')
			n++;
	f->line_off = ARENA_ARRAY(f->a, size_t, n);
	f->nlines = n;
	int k = 0;
	f->line_off[k++] = 0;
	for (size_t i = 0; i < f->len; i++)
		if (f->text[i] == '\n')
			f->line_off[k++] = i + 1;
}

/* libxml2 keeps lines but not columns, and its line is where the start
 * tag ends (after the attributes). The start tag is found by looking
 * backwards from the end of that line for "<qname"; that gives the line
 * and column of the '<'. When an element name occurs twice on one line
 * the last one wins; when nothing fits the line stays and the column is 1. */
static void load_position(struct load_file *f, xmlNodePtr n, struct loc *l)
{
	l->col = 1;
	if (!f->text || l->line <= 0 || n->type != XML_ELEMENT_NODE)
		return;
	if (!f->line_off)
		load_lines(f);
	if (l->line > f->nlines)
		return;
	int first = l->line > 200 ? l->line - 200 : 1;
	size_t lo = f->line_off[first - 1];
	size_t end = l->line < f->nlines ? f->line_off[l->line] : f->len;
	const char *prefix =
		n->ns && n->ns->prefix ? (const char *)n->ns->prefix : NULL;
	const char *local = (const char *)n->name;
	size_t plen = prefix ? strlen(prefix) : 0, llen = strlen(local);
	for (size_t i = end; i-- > lo;) {
		if (f->text[i] != '<')
			continue;
		size_t j = i + 1;
		if (prefix) {
			if (j + plen + 1 > f->len ||
			    memcmp(f->text + j, prefix, plen) != 0 ||
			    f->text[j + plen] != ':')
				continue;
			j += plen + 1;
		}
		if (j + llen > f->len || memcmp(f->text + j, local, llen) != 0)
			continue;
		j += llen;
		char c = j < f->len ? f->text[j] : '\0';
		if (!(c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		      c == '>' || c == '/'))
			continue;
		int line = l->line;
		while (line > first && f->line_off[line - 1] > i)
			line--;
		l->line = line;
		l->col = (int)(i - f->line_off[line - 1]) + 1;
		return;
	}
}

struct loc load_loc(struct load_file *f, xmlNodePtr n)
{
	struct loc l = { f->path, 0, 0 };
	if (!n)
		return l;
	long line = xmlGetLineNo(n);
	l.line = line > 0 && line < INT_MAX ? (int)line : 0;
	if (l.line)
		load_position(f, n, &l);
	return l;
}

const char *load_attr(struct load_file *f, xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
	if (!v)
		return NULL;
	const char *s = arena_strdup(f->a, (const char *)v);
	xmlFree(v);
	return s;
}

struct qname load_qname(struct load_file *f, xmlNodePtr n, const char *value)
{
	struct qname q = { NULL, NULL };
	if (!value)
		return q;
	/* QName values are whitespace-collapsed by the schema. */
	while (*value == ' ' || *value == '\t' || *value == '\n' ||
	       *value == '\r')
		value++;
	size_t len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t' ||
			   value[len - 1] == '\n' || value[len - 1] == '\r'))
		len--;
	const char *colon = memchr(value, ':', len);
	char *prefix = NULL;
	if (colon) {
		prefix = arena_strndup(f->a, value, (size_t)(colon - value));
		q.local = arena_strndup(f->a, colon + 1,
					len - (size_t)(colon - value) - 1);
	} else {
		q.local = arena_strndup(f->a, value, len);
	}
	xmlNsPtr ns = xmlSearchNs(n->doc, n, (const xmlChar *)prefix);
	if (ns && ns->href) {
		q.ns = arena_strdup(f->a, (const char *)ns->href);
	} else if (prefix) {
		struct loc l = load_loc(f, n);
		diag_error(f->dg, &l, NULL,
			   "namespace prefix '%s' is not declared (in '%s')",
			   prefix, arena_strndup(f->a, value, len));
	}
	return q;
}

bool load_qname_attr(struct load_file *f, xmlNodePtr n, const char *name,
		     struct qname *q)
{
	q->ns = q->local = NULL;
	const char *v = load_attr(f, n, name);
	if (!v)
		return false;
	*q = load_qname(f, n, v);
	return true;
}

int load_yesno(struct load_file *f, xmlNodePtr n, const char *name)
{
	const char *v = load_attr(f, n, name);
	if (!v)
		return -1;
	if (strcmp(v, "yes") == 0)
		return 1;
	if (strcmp(v, "no") == 0)
		return 0;
	struct loc l = load_loc(f, n);
	diag_error(f->dg, &l, NULL,
		   "attribute '%s' must be \"yes\" or \"no\", not \"%s\"", name,
		   v);
	return -1;
}

const char *load_text(struct load_file *f, xmlNodePtr n)
{
	xmlChar *v = xmlNodeGetContent(n);
	if (!v)
		return arena_strdup(f->a, "");
	const char *s = (const char *)v;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
			   s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	const char *r = arena_strndup(f->a, s, len);
	xmlFree(v);
	return r;
}

bool load_is(xmlNodePtr n, const char *ns, const char *local)
{
	if (!n || n->type != XML_ELEMENT_NODE)
		return false;
	if (strcmp((const char *)n->name, local) != 0)
		return false;
	if (!ns)
		return !n->ns;
	return n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, ns) == 0;
}

xmlNodePtr load_elem(xmlNodePtr n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

/* ---- reading and parsing files ----------------------------------------- */

struct load_errctx {
	struct diag *dg;
	struct arena *a;
	const char *path;
};

/* One diagnostic per libxml2 error, at the file and line libxml2 gives.
 * Only a fatal error means the file is not well-formed; the others
 * (a namespace name that is not a valid URI, as NetBeans' unused
 * placeholder xmlns:ns="change this to valid namespace") leave a
 * well-formed document that xmllint accepts too: warnings. */
static void load_xml_error(void *data, xmlErrorPtr err)
{
	struct load_errctx *ec = data;
	if (!err)
		return;
	struct loc l = { ec->path, err->line > 0 ? err->line : 0,
			 err->int2 > 0 ? err->int2 : 0 };
	const char *msg = err->message ? err->message : "XML error";
	if (err->level != XML_ERR_FATAL)
		diag_warning(ec->dg, &l, NULL, "%s", msg);
	else
		diag_error(ec->dg, &l, NULL, "malformed XML: %s", msg);
}

/* Silences libxml2's generic (unstructured) messages. */
static void load_xml_generic(void *data, const char *msg, ...)
{
	(void)data;
	(void)msg;
}

/* The largest file read (a process, WSDL or schema is far smaller): an
 * import of a huge or endless file must not exhaust memory or hang. */
#define LOAD_MAX_FILE (64u << 20)

/* Reads a whole file into the arena. Returns NULL and sets errno. Only
 * regular files: an import naming /dev/zero, a FIFO or a directory would
 * otherwise read forever, block, or fail obscurely. */
static char *load_read(struct model *m, const char *path, size_t *len)
{
	struct arena *a = m->arena;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	struct stat st;
	int e = 0;
	if (fstat(fileno(fp), &st) != 0)
		e = errno;
	else if (S_ISDIR(st.st_mode))
		e = EISDIR;
	else if (!S_ISREG(st.st_mode))
		e = EINVAL; /* a device, FIFO or socket */
	else if ((unsigned long long)st.st_size > LOAD_MAX_FILE)
		e = EFBIG;
	if (e) {
		fclose(fp);
		errno = e;
		return NULL;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		fclose(fp);
		errno = ENOMEM;
		return NULL;
	}
	for (;;) {
		if (n == cap) {
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				fclose(fp);
				errno = ENOMEM;
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
		if (n > LOAD_MAX_FILE) { /* it grew while we read */
			free(buf);
			fclose(fp);
			errno = EFBIG;
			return NULL;
		}
	}
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	char *s = arena_strndup(a, buf, n);
	free(buf);
	*len = n;
	struct model_dep *d = ARENA_NEW(a, struct model_dep);
	d->path = arena_strdup(a, path);
	if (!m->deps_end)
		m->deps_end = &m->deps;
	*m->deps_end = d;
	m->deps_end = &d->next;
	return s;
}

char *load_read_file(struct model *m, const char *path, size_t *len)
{
	return load_read(m, path, len);
}

/* SAX hook: a document type declaration stops the parser before its
 * subset is read; the line is kept for the diagnostic. */
static void load_refuse_doctype(void *ctx, const xmlChar *name,
				const xmlChar *eid, const xmlChar *sid)
{
	(void)name;
	(void)eid;
	(void)sid;
	xmlParserCtxtPtr ctxt = ctx;
	int *line = ctxt->_private;
	*line = xmlSAX2GetLineNumber(ctx);
	xmlStopParser(ctxt);
}

static xmlDocPtr load_parse(struct loader *ld, struct load_file *f,
			    bool *doctype)
{
	struct load_errctx ec = { ld->dg, ld->a, f->path };
	if (f->len > INT_MAX) {
		struct loc l = { f->path, 0, 0 };
		diag_error(ld->dg, &l, NULL, "file is too large");
		return NULL;
	}
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt)
		arena_oom();
	int doctype_line = 0;
	ctxt->_private = &doctype_line;
	ctxt->sax->internalSubset = load_refuse_doctype;
	xmlSetStructuredErrorFunc(&ec, load_xml_error);
	xmlSetGenericErrorFunc(NULL, load_xml_generic);
	xmlDocPtr doc = xmlCtxtReadMemory(ctxt, f->text, (int)f->len, f->path,
					  NULL, LOAD_XML_OPTIONS);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlSetGenericErrorFunc(NULL, NULL);
	xmlFreeParserCtxt(ctxt);
	if (doctype_line > 0) {
		/* Entities and external DTDs are never read (XXE, billion
		 * laughs); a process has no use for them. */
		struct loc l = { f->path, doctype_line, 0 };
		diag_error(ld->dg, &l, NULL,
			   "a DOCTYPE is not allowed (no DTD, entity or "
			   "external subset is read)");
		xmlFreeDoc(doc);
		*doctype = true;
		return NULL;
	}
	return doc;
}

static enum load_kind load_kind_of(xmlNodePtr root)
{
	if (load_is(root, NS_WSDL, "definitions"))
		return LOAD_WSDL;
	if (load_is(root, NS_XSD, "schema"))
		return LOAD_XSD;
	if (load_is(root, NS_BPEL, "process"))
		return LOAD_BPEL;
	return LOAD_UNKNOWN;
}

static const char *load_kind_name(enum load_kind k)
{
	switch (k) {
	case LOAD_WSDL:
		return "a WSDL 1.1 document";
	case LOAD_XSD:
		return "an XML Schema";
	case LOAD_BPEL:
		return "a BPEL process";
	default:
		return "neither WSDL nor XML Schema";
	}
}

/* path with "." segments and "dir/.." pairs removed, lexically (the
 * path as the user reads it: "src/../wsdl/x.wsdl" is "wsdl/x.wsdl");
 * leading ".." of a relative path stay. */
static const char *load_normalize(struct arena *a, const char *path)
{
	size_t len = strlen(path);
	/* segment starts and lengths; at most one per two bytes plus one */
	const char **seg = ARENA_ARRAY(a, const char *, len / 2 + 2);
	size_t *seglen = ARENA_ARRAY(a, size_t, len / 2 + 2);
	int n = 0;
	bool abs = path[0] == '/';
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		const char *e = p;
		while (*e && *e != '/')
			e++;
		size_t sl = (size_t)(e - p);
		bool dotdot = sl == 2 && p[0] == '.' && p[1] == '.';
		if (sl == 0 || (sl == 1 && p[0] == '.')) {
			/* nothing */
		} else if (dotdot && n > 0 &&
			   !(seglen[n - 1] == 2 &&
			     !strncmp(seg[n - 1], "..", 2))) {
			n--;
		} else if (!(dotdot && abs)) { /* "/.." is "/" */
			seg[n] = p;
			seglen[n++] = sl;
		}
		p = e;
	}
	char *out = arena_alloc(a, len + 2), *o = out;
	if (abs)
		*o++ = '/';
	for (int i = 0; i < n; i++) {
		if (i > 0)
			*o++ = '/';
		memcpy(o, seg[i], seglen[i]);
		o += seglen[i];
	}
	if (o == out)
		*o++ = '.';
	*o = '\0';
	return out;
}

/* "dir/of/importer" + location, unless location is absolute; normalized. */
static const char *load_join(struct arena *a, const char *importer,
			     const char *location)
{
	if (location[0] == '/')
		return load_normalize(a, location);
	if (strncmp(location, "file://", 7) == 0)
		return load_normalize(a, location + 7);
	const char *slash = strrchr(importer, '/');
	if (!slash)
		return load_normalize(a, location);
	return load_normalize(a, arena_printf(a, "%.*s/%s",
					      (int)(slash - importer), importer,
					      location));
}

/* The catalogs, in order: --catalog FILEs, XML_CATALOG_FILES (space
 * separated, as libxml2 reads it), then the nearest catalog.xml beside
 * the process or in a parent folder (NetBeans and OpenESB projects keep
 * one at the project's root, the process under src/). */
static void load_catalogs(struct loader *ld, const struct loc *at)
{
	ld->cat = catalog_new(ld->m, ld->dg);
	struct strbuf names = STRBUF_INIT;
	for (int i = 0; ld->opts && i < ld->opts->ncatalogs; i++)
		if (catalog_add(ld->cat, ld->opts->catalogs[i], true, NULL))
			strbuf_printf(&names, "%s'%s'", names.len ? ", " : "",
				      ld->opts->catalogs[i]);
	const char *env = getenv("XML_CATALOG_FILES");
	for (const char *p = env ? env : ""; *p;) {
		while (*p == ' ' || *p == '\t')
			p++;
		const char *e = p;
		while (*e && *e != ' ' && *e != '\t')
			e++;
		if (e > p) {
			const char *one =
				arena_strndup(ld->a, p, (size_t)(e - p));
			if (catalog_add(ld->cat, one, false, at))
				strbuf_printf(&names, "%s'%s'",
					      names.len ? ", " : "", one);
		}
		p = e;
	}
	char dir[PATH_MAX];
	if (realpath(ld->process_path, dir)) {
		for (char *slash = strrchr(dir, '/'); slash;
		     slash = strrchr(dir, '/')) {
			*slash = '\0';
			const char *cand =
				arena_printf(ld->a, "%s/catalog.xml", dir);
			struct stat st;
			if (stat(cand, &st) == 0 && S_ISREG(st.st_mode)) {
				if (catalog_add(ld->cat, cand, false, at))
					strbuf_printf(&names, "%s'%s'",
						      names.len ? ", " : "",
						      cand);
				break;
			}
		}
	}
	ld->cat_names = arena_strdup(ld->a, names.len ? names.buf : "");
	strbuf_free(&names);
}

/* Where the file an import names is: a path relative to the importer, or
 * for an absolute URL the local copy an XML catalog maps it to. NULL
 * (reported at `at`) when a URL is not mapped: bpelc never fetches. */
static const char *load_locate(struct loader *ld, const char *importer,
			       const char *location, const struct loc *at)
{
	if (!catalog_is_url(location) || strncmp(location, "file:", 5) == 0)
		return load_join(ld->a, importer, location);
	if (!ld->cat)
		load_catalogs(ld, at);
	const char *path = catalog_resolve(ld->cat, location);
	if (path)
		return load_normalize(ld->a, path);
	if (ld->cat_names[0])
		diag_error(
			ld->dg, at, NULL,
			"'%s' is a URL and bpelc never fetches imports; no XML catalog maps it to a local file (catalogs read: %s)",
			location, ld->cat_names);
	else
		diag_error(
			ld->dg, at, NULL,
			"'%s' is a URL and bpelc never fetches imports; map it to a local copy in an XML catalog: catalog.xml beside the process or in a parent folder, XML_CATALOG_FILES, or --catalog FILE (<system systemId=\"%s\" uri=\"LOCAL-COPY\"/>)",
			location, location);
	return NULL;
}

static void load_wsdl_imports(struct loader *ld, struct load_file *f);
static void load_xsd_imports(struct loader *ld, struct load_file *f,
			     xmlNodePtr schema);

/* Loads (once) the file at `path` and models it by its root element.
 * Returns NULL when it cannot be read or is not well-formed; the caller
 * reports that at `at` (the importing element). */
static struct load_file *load_file_get(struct loader *ld, const char *path,
				       const struct loc *at, const char *what)
{
	char real[PATH_MAX];
	if (!realpath(path, real)) {
		diag_error(ld->dg, at, NULL, "cannot read %s '%s': %s", what,
			   path, strerror(errno));
		return NULL;
	}
	for (struct load_file *f = ld->files; f; f = f->next)
		if (strcmp(f->real, real) == 0)
			return f->doc ? f : NULL;

	struct load_file *f = ARENA_NEW(ld->a, struct load_file);
	f->m = ld->m;
	f->a = ld->a;
	f->dg = ld->dg;
	f->path = arena_strdup(ld->a, path);
	f->real = arena_strdup(ld->a, real);
	f->next = ld->files;
	ld->files = f;
	f->text = load_read(ld->m, path, &f->len);
	if (!f->text) {
		diag_error(ld->dg, at, NULL, "cannot read %s '%s': %s", what,
			   path, strerror(errno));
		return NULL;
	}
	bool doctype = false;
	f->doc = load_parse(ld, f, &doctype);
	if (!f->doc) {
		if (!doctype)
			diag_error(ld->dg, at, NULL,
				   "%s '%s' is not well-formed XML", what,
				   path);
		return NULL;
	}
	if (ld->m->ode)
		ode_dialect(f, f->doc, false);
	xmlNodePtr root = xmlDocGetRootElement(f->doc);
	f->kind = load_kind_of(root);
	switch (f->kind) {
	case LOAD_WSDL:
		f->wsdl = model_wsdl_parse(f, root);
		f->tns = f->wsdl->tns;
		load_wsdl_imports(ld, f);
		break;
	case LOAD_XSD:
		f->schema = model_xsd_parse(f, root);
		f->tns = f->schema->tns;
		load_xsd_imports(ld, f, root);
		break;
	default: {
		/* Not something we model: say so, keep nothing. */
		diag_error(ld->dg, at, NULL,
			   "%s '%s' is %s (root element <%s>)", what, path,
			   load_kind_name(f->kind),
			   root ? (const char *)root->name : "");
		xmlFreeDoc(f->doc);
		f->doc = NULL;
		return NULL;
	}
	}
	return f;
}

/* The loaded document an import element names, for emit_wsdl.c. */
static void load_record_import(struct loader *ld, xmlNodePtr node,
			       const struct load_file *g)
{
	struct model_import *im = ARENA_NEW(ld->a, struct model_import);
	im->node = node;
	im->target = g->doc;
	/* In reading order: the served documents are numbered by it. */
	struct model_import **end = &ld->m->imports;
	while (*end)
		end = &(*end)->next;
	*end = im;
}

/* <xsd:import namespace? schemaLocation?/>, <xsd:include schemaLocation/>
 * inside a schema (a file or inline in wsdl:types). Imports without
 * schemaLocation name a namespace defined elsewhere; nothing to read. */
static void load_xsd_imports(struct loader *ld, struct load_file *f,
			     xmlNodePtr schema)
{
	for (xmlNodePtr c = load_elem(schema->children); c;
	     c = load_elem(c->next)) {
		bool is_import = load_is(c, NS_XSD, "import");
		if (!is_import && !load_is(c, NS_XSD, "include") &&
		    !load_is(c, NS_XSD, "redefine"))
			continue;
		const char *loc = load_attr(f, c, "schemaLocation");
		if (!loc)
			continue;
		struct loc at = load_loc(f, c);
		const char *path = load_locate(ld, f->path, loc, &at);
		if (!path)
			continue;
		struct load_file *g =
			load_file_get(ld, path, &at, "imported schema");
		if (g && g->kind == LOAD_XSD)
			load_record_import(ld, c, g);
		if (g && g->kind != LOAD_XSD)
			diag_error(ld->dg, &at, NULL,
				   "'%s' is %s, not an XML Schema", path,
				   load_kind_name(g->kind));
	}
}

/* <wsdl:import namespace location/> and the schemas in <wsdl:types>. */
static void load_wsdl_imports(struct loader *ld, struct load_file *f)
{
	xmlNodePtr root = xmlDocGetRootElement(f->doc);
	for (xmlNodePtr c = load_elem(root->children); c;
	     c = load_elem(c->next)) {
		if (load_is(c, NS_WSDL, "types")) {
			for (xmlNodePtr s = load_elem(c->children); s;
			     s = load_elem(s->next))
				if (load_is(s, NS_XSD, "schema"))
					load_xsd_imports(ld, f, s);
			continue;
		}
		if (!load_is(c, NS_WSDL, "import"))
			continue;
		const char *loc = load_attr(f, c, "location");
		if (!loc)
			continue;
		const char *ns = load_attr(f, c, "namespace");
		struct loc at = load_loc(f, c);
		const char *path = load_locate(ld, f->path, loc, &at);
		if (!path)
			continue;
		struct load_file *g =
			load_file_get(ld, path, &at, "imported document");
		if (g)
			load_record_import(ld, c, g);
		if (g && ns && g->tns && strcmp(ns, g->tns) != 0)
			diag_warning(
				ld->dg, &at, NULL,
				"imported '%s' has targetNamespace '%s', not '%s'",
				path, g->tns, ns);
	}
}

/* The process's <import namespace? location? importType/>. */
static void load_process_imports(struct loader *ld, struct load_file *f)
{
	for (struct bpel_import *im = ld->m->process->imports; im;
	     im = im->next) {
		enum load_kind want = LOAD_UNKNOWN;
		if (im->import_type && strcmp(im->import_type, NS_WSDL) == 0)
			want = LOAD_WSDL;
		else if (im->import_type &&
			 strcmp(im->import_type, NS_XSD) == 0)
			want = LOAD_XSD;
		if (want == LOAD_UNKNOWN) {
			diag_warning(
				ld->dg, &im->loc, NULL,
				"importType '%s' is not supported; import ignored",
				im->import_type ? im->import_type : "");
			continue;
		}
		if (!im->location)
			continue;
		const char *path =
			load_locate(ld, f->path, im->location, &im->loc);
		if (!path)
			continue;
		struct load_file *g =
			load_file_get(ld, path, &im->loc, "imported document");
		if (!g)
			continue;
		if (g->kind != want)
			diag_error(
				ld->dg, &im->loc, "SA00013",
				"importType '%s' does not match '%s', which is %s",
				im->import_type, path, load_kind_name(g->kind));
		if (im->ns && (!g->tns || strcmp(im->ns, g->tns) != 0))
			diag_error(
				ld->dg, &im->loc, "SA00011",
				"import namespace '%s' differs from the targetNamespace '%s' of '%s'",
				im->ns, g->tns ? g->tns : "", path);
		else if (!im->ns && g->tns && g->tns[0])
			diag_error(
				ld->dg, &im->loc, "SA00012",
				"import of '%s' has no namespace attribute but the document's targetNamespace is '%s'",
				path, g->tns);
	}
}

struct model *load_process(struct arena *a, struct diag *dg, const char *path)
{
	return load_process_with(a, dg, path, NULL);
}

struct model *load_process_with(struct arena *a, struct diag *dg,
				const char *path, const struct load_options *o)
{
	struct model *m = ARENA_NEW(a, struct model);
	m->arena = a;
	m->ode = o && o->ode;
	struct loader ld = { m, a, dg, NULL, NULL, o, path, NULL, NULL };
	struct load_file *f = ARENA_NEW(a, struct load_file);
	f->m = m;
	f->a = a;
	f->dg = dg;
	f->path = arena_strdup(a, path);
	f->kind = LOAD_BPEL;
	f->text = load_read(m, path, &f->len);
	if (!f->text) {
		struct loc l = { f->path, 0, 0 };
		diag_error(dg, &l, NULL, "cannot read '%s': %s", path,
			   strerror(errno));
		return NULL;
	}
	char real[PATH_MAX];
	f->real = arena_strdup(a, realpath(path, real) ? real : path);
	ld.files = f;

	/* Always a process and a root scope, so later phases need no NULL
	 * checks on a partial model. */
	m->process = ARENA_NEW(a, struct bpel_process);
	m->process->path = f->path;
	m->process->loc = (struct loc){ f->path, 1, 1 };
	m->process->scope = ARENA_NEW(a, struct bpel_scope);
	m->process->scope->exit_on_standard_fault = -1;
	m->process->scope->loc = m->process->loc;

	bool doctype = false;
	f->doc = load_parse(&ld, f, &doctype);
	if (!f->doc) {
		struct loc l = { f->path, 0, 0 };
		if (!doctype) /* else load_parse said why */
			diag_error(dg, &l, NULL, "'%s' is not well-formed XML",
				   path);
		return m;
	}
	if (m->ode)
		ode_dialect(f, f->doc, true);
	m->process->doc = f->doc;
	xmlNodePtr root = xmlDocGetRootElement(f->doc);
	struct loc rl = load_loc(f, root);
	if (!root) {
		diag_error(dg, &rl, NULL, "'%s' has no root element", path);
		return m;
	}
	const char *rns = root->ns && root->ns->href
				  ? (const char *)root->ns->href
				  : NULL;
	if (load_is(root, NS_BPEL, "process")) {
		model_bpel_parse(f, root);
		load_process_imports(&ld, f);
	} else if (rns && strcmp(rns, NS_BPEL4WS_2003) == 0) {
		diag_error(
			dg, &rl, NULL,
			"'%s' is a BPEL4WS 1.1 process (namespace '%s'), not WS-BPEL 2.0",
			path, rns);
	} else if (rns && strcmp(rns, NS_BPEL4WS_2004) == 0) {
		diag_error(
			dg, &rl, NULL,
			"'%s' is in the namespace of the pre-OASIS WS-BPEL 2.0 draft ('%s'), not WS-BPEL 2.0's ('%s'); bpelc --ode reads Apache ODE's dialect, which includes it",
			path, rns, NS_BPEL);
	} else if (rns && strcmp(rns, NS_BPEL_ABSTRACT) == 0) {
		diag_error(
			dg, &rl, NULL,
			"'%s' is an abstract process; only executable WS-BPEL 2.0 processes can be compiled",
			path);
	} else {
		diag_error(
			dg, &rl, NULL,
			"root element must be <process> in namespace '%s', found <%s>%s%s%s",
			NS_BPEL, (const char *)root->name,
			rns ? " in namespace '" : " in no namespace",
			rns ? rns : "", rns ? "'" : "");
	}
	return m;
}

void load_free(struct model *m)
{
	if (!m)
		return;
	size_t n = 1, k = 0;
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		n++;
	for (struct xsd_schema *s = m->schemas; s; s = s->next)
		n++;
	xmlDocPtr *docs = calloc(n, sizeof(*docs));
	if (!docs)
		arena_oom();
	if (m->process && m->process->doc)
		docs[k++] = m->process->doc;
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		if (w->doc)
			docs[k++] = w->doc;
	for (struct xsd_schema *s = m->schemas; s; s = s->next)
		if (s->node && s->node->doc)
			docs[k++] = s->node->doc;
	/* Inline schemas share their WSDL's document: free each doc once. */
	for (size_t i = 0; i < k; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = docs[j] == docs[i];
		if (!seen)
			xmlFreeDoc(docs[i]);
	}
	free(docs);
	if (m->process)
		m->process->doc = NULL;
	for (struct wsdl_doc *w = m->wsdls; w; w = w->next)
		w->doc = NULL;
}
