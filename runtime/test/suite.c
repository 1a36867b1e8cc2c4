/*
 * suite.c — the suite file of `bpelc test` (docs/testing.md,
 * docs/testing.xsd): parsed with libxml2 (no network, no DTD, no
 * entities), then checked against the process's tables before any case
 * runs, so that a misspelt operation or part is "file:line: error: ..."
 * and exit status 2, never a case that fails for the wrong reason. Also
 * the helpers the run shares: message values from the suite's content,
 * QNames, durations, XPath conditions.
 *
 * Not here: running anything (run.c, mock.c).
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "testmode.h"

#define TNS "urn:bpelc:test"

int tm_line(xmlNodePtr n)
{
	return n ? (int)xmlGetLineNo(n) : 0;
}

char *tm_attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	if (!v)
		return NULL;
	char *r = strdup((const char *)v);
	xmlFree(v);
	return r;
}

static bool is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	       strcmp((const char *)n->ns->href, TNS) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static bool blank(xmlNodePtr n)
{
	return n->type == XML_COMMENT_NODE || n->type == XML_PI_NODE ||
	       (n->type == XML_TEXT_NODE && xmlIsBlankNode(n));
}

int tm_plink(const struct brt_process *p, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < p->nplinks; i++)
		if (strcmp(p->plinks[i].name, name) == 0)
			return i;
	return -1;
}

/* The process's tables list the operations it serves (myRole); those it
 * invokes are known by name only until a call is made, so `bpelc test`
 * checks them against the WSDL before it runs the suite (compiler side),
 * and here a partnerRole operation is never found. */
const struct brt_operation *tm_operation(const struct brt_process *p, int plink,
					 const char *name, bool my_role)
{
	if (plink < 0 || !name)
		return NULL;
	const struct brt_partner_link *pl = &p->plinks[plink];
	if (my_role) {
		for (int i = 0; i < pl->nmy_ops; i++)
			if (strcmp(pl->my_ops[i]->name, name) == 0)
				return pl->my_ops[i];
		return NULL;
	}
	return NULL;
}

bool tm_qname(xmlNodePtr holder, const char *text, char **ns, char **local)
{
	*ns = *local = NULL;
	if (!text || !*text)
		return false;
	const char *colon = strchr(text, ':');
	xmlNsPtr n;
	if (colon) {
		char prefix[128];
		size_t len = (size_t)(colon - text);
		if (len >= sizeof prefix || !colon[1])
			return false;
		memcpy(prefix, text, len);
		prefix[len] = 0;
		n = xmlSearchNs(holder->doc, holder, BAD_CAST prefix);
		if (!n)
			return false;
		*local = strdup(colon + 1);
	} else {
		n = NULL;
		*local = strdup(text);
	}
	*ns = strdup(n ? (const char *)n->href : "");
	return *ns && *local;
}

/* PnYnMnDTnHnMnS with days as the largest fixed unit; Y and M (months)
 * have no fixed length and are refused. */
double tm_duration(const char *text)
{
	if (!text)
		return -1;
	while (*text == ' ')
		text++;
	if (*text++ != 'P' || !*text)
		return -1;
	double total = 0;
	bool in_time = false, any = false;
	while (*text && *text != ' ') {
		if (*text == 'T') {
			if (in_time)
				return -1;
			in_time = true;
			text++;
			continue;
		}
		char *end;
		double v = strtod(text, &end);
		if (end == text || v < 0 || !isfinite(v))
			return -1;
		switch (*end) {
		case 'D':
			if (in_time)
				return -1;
			total += v * 86400;
			break;
		case 'W':
			if (in_time)
				return -1;
			total += v * 7 * 86400;
			break;
		case 'H':
			if (!in_time)
				return -1;
			total += v * 3600;
			break;
		case 'M':
			if (!in_time)
				return -1;
			total += v * 60;
			break;
		case 'S':
			if (!in_time)
				return -1;
			total += v;
			break;
		default:
			return -1;
		}
		any = true;
		text = end + 1;
	}
	return any ? total : -1;
}

static const struct brt_part *find_part(const struct brt_message *m,
					const char *name)
{
	for (int i = 0; m && name && i < m->nparts; i++)
		if (strcmp(m->parts[i].name, name) == 0)
			return &m->parts[i];
	return NULL;
}

/* Copy the content of `from` (elements and text) under `to`. */
static bool copy_content(xmlNodePtr from, xmlNodePtr to, bool element,
			 const char **why)
{
	int nel = 0;
	for (xmlNodePtr c = from->children; c; c = c->next) {
		if (blank(c))
			continue;
		if (element && c->type != XML_ELEMENT_NODE) {
			*why = "an element part holds one element, no text";
			return false;
		}
		if (c->type == XML_ELEMENT_NODE && c->ns &&
		    strcmp((const char *)c->ns->href, TNS) == 0) {
			*why = "a test element where message content was "
			       "expected";
			return false;
		}
		nel += c->type == XML_ELEMENT_NODE;
		xmlNodePtr k = xmlDocCopyNode(c, to->doc, 1);
		if (!k || !xmlAddChild(to, k)) {
			xmlFreeNode(k);
			*why = "out of memory";
			return false;
		}
	}
	if (element && nel != 1) {
		*why = "an element part holds exactly one element";
		return false;
	}
	return true;
}

xmlDocPtr tm_message(xmlNodePtr holder, const struct brt_message *m,
		     const char **why)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root =
		doc ? xmlNewDocNode(doc, NULL, BAD_CAST "message", NULL) : NULL;
	if (!root) {
		xmlFreeDoc(doc);
		*why = "out of memory";
		return NULL;
	}
	xmlDocSetRootElement(doc, root);
	bool has_parts = false;
	for (xmlNodePtr c = holder->children; c; c = c->next)
		has_parts |= is(c, "part");
	if (has_parts) {
		for (xmlNodePtr c = holder->children; c; c = c->next) {
			if (blank(c))
				continue;
			if (!is(c, "part")) {
				*why = "with <part> elements, nothing else";
				goto bad;
			}
			char *name = tm_attr(c, "name");
			const struct brt_part *pt = find_part(m, name);
			if (!pt) {
				free(name);
				*why = "no such part in the message";
				goto bad;
			}
			xmlNodePtr w =
				xmlNewChild(root, NULL, BAD_CAST name, NULL);
			free(name);
			if (!w || !copy_content(c, w, pt->element.local, why))
				goto bad;
		}
	} else if (m && m->nparts == 1) {
		xmlNodePtr w = xmlNewChild(root, NULL,
					   BAD_CAST m->parts[0].name, NULL);
		if (!w ||
		    !copy_content(holder, w, m->parts[0].element.local, why))
			goto bad;
	} else if (m && m->nparts > 1) {
		*why = "a message of several parts needs <part name> elements";
		goto bad;
	}
	xmlReconciliateNs(doc, root);
	return doc;
bad:
	xmlFreeDoc(doc);
	return NULL;
}

/* $NAME for the root, $NAME.PART / $PART for each part of a message. */
static void bind(xmlXPathContextPtr ctx, xmlDocPtr msg,
		 const struct brt_message *m, const char *var)
{
	xmlNodePtr root = msg ? xmlDocGetRootElement(msg) : NULL;
	if (!root)
		return;
	if (var)
		xmlXPathRegisterVariable(ctx, BAD_CAST var,
					 xmlXPathNewNodeSet(root));
	if (!m)
		return;
	for (xmlNodePtr w = root->children; w; w = w->next) {
		if (w->type != XML_ELEMENT_NODE)
			continue;
		const struct brt_part *pt = find_part(m, (const char *)w->name);
		if (!pt)
			continue;
		xmlNodePtr v = w;
		if (pt->element.local)
			for (xmlNodePtr k = w->children; k; k = k->next)
				if (k->type == XML_ELEMENT_NODE) {
					v = k;
					break;
				}
		char name[256];
		if (var)
			snprintf(name, sizeof name, "%s.%s", var, pt->name);
		else
			snprintf(name, sizeof name, "%s", pt->name);
		xmlXPathRegisterVariable(ctx, BAD_CAST name,
					 xmlXPathNewNodeSet(v));
	}
}

static void xpath_error(void *arg, const xmlError *e)
{
	char **err = arg;
	if (!*err && e && e->message) {
		*err = strdup(e->message);
		size_t n = strlen(*err);
		while (n > 0 && (*err)[n - 1] == '\n')
			(*err)[--n] = 0;
	}
}

static int eval_bool(xmlNodePtr holder, const char *expr, xmlDocPtr doc,
		     const struct brt_message *m, const char *var, bool *out,
		     char **err)
{
	xmlDocPtr empty = NULL;
	if (!doc)
		doc = empty = xmlNewDoc(BAD_CAST "1.0");
	xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
	*err = NULL;
	if (!ctx) {
		xmlFreeDoc(empty);
		*err = strdup("out of memory");
		return -1;
	}
	xmlNsPtr *nss = xmlGetNsList(holder->doc, holder);
	for (int i = 0; nss && nss[i]; i++)
		if (nss[i]->prefix)
			xmlXPathRegisterNs(ctx, nss[i]->prefix, nss[i]->href);
	xmlFree(nss);
	bind(ctx, doc == empty ? NULL : doc, m, var);
	ctx->node = xmlDocGetRootElement(doc);
	ctx->error = (xmlStructuredErrorFunc)xpath_error;
	ctx->userData = err;
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	int rc = 0;
	if (!o) {
		if (!*err)
			*err = strdup("the XPath expression cannot be "
				      "evaluated");
		rc = -1;
	} else {
		*out = xmlXPathCastToBoolean(o) != 0;
	}
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(empty);
	return rc;
}

int tm_xpath_bool(xmlNodePtr holder, const char *expr, xmlDocPtr msg,
		  const struct brt_message *m, bool *out, char **err)
{
	return eval_bool(holder, expr, msg, m, NULL, out, err);
}

int tm_xpath_var(xmlNodePtr holder, const char *expr, xmlDocPtr doc,
		 const struct brt_variable *v, bool *out, char **err)
{
	return eval_bool(holder, expr, doc,
			 v->kind == BRT_VAR_MESSAGE ? v->message : NULL,
			 v->name, out, err);
}

/* ---- checking ---------------------------------------------------------- */

struct chk {
	const struct brt_process *p;
	const char *file;
	int errors;
};

static void err(struct chk *k, xmlNodePtr n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void err(struct chk *k, xmlNodePtr n, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: error: ", k->file, tm_line(n));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	k->errors++;
}

/* Attributes of n must be among `allowed` (NULL-terminated), those in
 * `required` present. */
static void attrs(struct chk *k, xmlNodePtr n, const char *const *allowed,
		  const char *const *required)
{
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		bool ok = a->ns != NULL; /* foreign attributes are fine */
		for (int i = 0; allowed[i] && !ok; i++)
			ok = strcmp((const char *)a->name, allowed[i]) == 0;
		if (!ok)
			err(k, n, "<%s> has no attribute '%s'", n->name,
			    a->name);
	}
	for (int i = 0; required && required[i]; i++)
		if (!xmlHasProp(n, BAD_CAST required[i]))
			err(k, n, "<%s> needs the attribute '%s'", n->name,
			    required[i]);
}

static void check_xpath(struct chk *k, xmlNodePtr n, const char *attr)
{
	char *e = tm_attr(n, attr);
	if (!e)
		return;
	xmlXPathCompExprPtr c = xmlXPathCompile(BAD_CAST e);
	if (!c)
		err(k, n, "%s=\"%s\" is not an XPath 1.0 expression", attr, e);
	xmlXPathFreeCompExpr(c);
	free(e);
}

static void check_duration(struct chk *k, xmlNodePtr n, const char *attr)
{
	char *d = tm_attr(n, attr);
	if (d && tm_duration(d) < 0)
		err(k, n,
		    "%s=\"%s\" is not a duration (PnDTnHnMnS; no years or "
		    "months)",
		    attr, d);
	free(d);
}

static void check_message(struct chk *k, xmlNodePtr holder,
			  const struct brt_message *m, const char *what)
{
	const char *why = NULL;
	xmlDocPtr d = tm_message(holder, m, &why);
	if (!d)
		err(k, holder, "%s: %s", what, why ? why : "bad message");
	xmlFreeDoc(d);
}

static bool positive_int(const char *s)
{
	char *end;
	long v = s ? strtol(s, &end, 10) : 0;
	return s && *s && !*end && v > 0 && v < 1000000;
}

/* partnerLink + operation of n: the operation (NULL after an error). */
static const struct brt_operation *link_op(struct chk *k, xmlNodePtr n,
					   bool my_role, int *plink)
{
	char *pl = tm_attr(n, "partnerLink");
	char *opn = tm_attr(n, "operation");
	const struct brt_operation *op = NULL;
	*plink = tm_plink(k->p, pl);
	if (pl && *plink < 0)
		err(k, n, "the process has no partner link '%s'", pl);
	else if (pl && !my_role && !k->p->plinks[*plink].has_partner_role)
		err(k, n, "partner link '%s' has no partnerRole", pl);
	else if (pl && opn && my_role) {
		op = tm_operation(k->p, *plink, opn, my_role);
		if (!op)
			err(k, n, "partner link '%s' has no operation '%s' %s",
			    pl, opn,
			    my_role ? "the process serves (myRole)"
				    : "the process invokes (partnerRole)");
	}
	free(pl);
	free(opn);
	return op;
}

static void check_asserts(struct chk *k, xmlNodePtr n, bool with_call)
{
	static const char *const a_call[] = { "test", "call", NULL };
	static const char *const a_plain[] = { "test", NULL };
	static const char *const req[] = { "test", NULL };
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (!is(c, "assert"))
			continue;
		attrs(k, c, with_call ? a_call : a_plain, req);
		check_xpath(k, c, "test");
		char *call = tm_attr(c, "call");
		if (call && !positive_int(call))
			err(k, c, "call=\"%s\" is not a call number", call);
		free(call);
	}
}

static const struct brt_operation *send_op(struct chk *k, xmlNodePtr sends,
					   const char *of)
{
	/* The send an expectReply/expectFault refers to: `of`, or the
	 * last request-response send before it. */
	const struct brt_operation *op = NULL;
	for (xmlNodePtr c = sends; c; c = c->prev) {
		if (!is(c, "send"))
			continue;
		char *id = tm_attr(c, "id");
		bool match = of ? id && strcmp(id, of) == 0 : true;
		free(id);
		if (!match)
			continue;
		int pl;
		char *pln = tm_attr(c, "partnerLink");
		char *opn = tm_attr(c, "operation");
		pl = tm_plink(k->p, pln);
		op = tm_operation(k->p, pl, opn, true);
		free(pln);
		free(opn);
		if (of || (op && op->output))
			return op;
		op = NULL;
	}
	return op;
}

static void check_case(struct chk *k, xmlNodePtr cs)
{
	for (xmlNodePtr s = cs->children; s; s = s->next) {
		if (blank(s))
			continue;
		int plink;
		if (is(s, "send")) {
			static const char *const al[] = { "partnerLink",
							  "operation", "id",
							  NULL };
			static const char *const rq[] = { "partnerLink",
							  "operation", NULL };
			attrs(k, s, al, rq);
			const struct brt_operation *op =
				link_op(k, s, true, &plink);
			if (op)
				check_message(k, s, op->input, "<send>");
		} else if (is(s, "expectReply") || is(s, "expectFault")) {
			bool fault = is(s, "expectFault");
			static const char *const al_r[] = { "of", NULL };
			static const char *const al_f[] = { "of", "name",
							    NULL };
			attrs(k, s, fault ? al_f : al_r, NULL);
			char *of = tm_attr(s, "of");
			const struct brt_operation *op = send_op(k, s, of);
			if (!op || !op->output)
				err(k, s,
				    of ? "no request-response <send id=\"%s\"> "
					 "before this"
				       : "no request-response <send> before "
					 "this%s",
				    of ? of : "");
			free(of);
			char *name = tm_attr(s, "name");
			char *ns = NULL, *local = NULL;
			if (name && !tm_qname(s, name, &ns, &local))
				err(k, s, "name=\"%s\" is not a QName in scope",
				    name);
			free(name);
			free(ns);
			free(local);
			check_asserts(k, s, false);
			for (xmlNodePtr c = s->children; c; c = c->next) {
				if (blank(c) || is(c, "assert"))
					continue;
				if (!is(c, "document") || fault)
					err(k, c, "<%s> cannot be here",
					    c->name);
				else if (op && op->output)
					check_message(k, c, op->output,
						      "<document>");
			}
		} else if (is(s, "expectCalls")) {
			static const char *const al[] = { "partnerLink",
							  "operation", "count",
							  NULL };
			static const char *const rq[] = { "partnerLink",
							  "operation", NULL };
			attrs(k, s, al, rq);
			link_op(k, s, false, &plink);
			char *n = tm_attr(s, "count");
			if (n && strcmp(n, "0") != 0 && !positive_int(n))
				err(k, s, "count=\"%s\" is not a number", n);
			free(n);
			check_asserts(k, s, true);
		} else if (is(s, "advance")) {
			static const char *const al[] = { "by", NULL };
			attrs(k, s, al, NULL);
			check_duration(k, s, "by");
		} else if (is(s, "expectEnd")) {
			static const char *const al[] = { "instance", "state",
							  "fault", NULL };
			static const char *const rq[] = { "state", NULL };
			attrs(k, s, al, rq);
			char *st = tm_attr(s, "state");
			if (st && strcmp(st, "completed") != 0 &&
			    strcmp(st, "faulted") != 0 &&
			    strcmp(st, "waiting") != 0 &&
			    strcmp(st, "exited") != 0)
				err(k, s,
				    "state=\"%s\": completed, faulted, exited "
				    "or waiting",
				    st);
			char *f = tm_attr(s, "fault");
			char *ns = NULL, *local = NULL;
			if (f && !tm_qname(s, f, &ns, &local))
				err(k, s,
				    "fault=\"%s\" is not a QName in scope", f);
			if (f && st && strcmp(st, "faulted") != 0)
				err(k, s, "fault= goes with state=\"faulted\"");
			free(st);
			free(f);
			free(ns);
			free(local);
			char *in = tm_attr(s, "instance");
			if (in && !positive_int(in))
				err(k, s, "instance=\"%s\" is not a number",
				    in);
			free(in);
		} else if (is(s, "expectVariable")) {
			static const char *const al[] = { "instance", "name",
							  "test", NULL };
			static const char *const rq[] = { "name", "test",
							  NULL };
			attrs(k, s, al, rq);
			char *name = tm_attr(s, "name");
			bool found = false;
			for (int i = 0; name && i < k->p->nvars; i++)
				found |= k->p->vars[i].scope == 0 &&
					 strcmp(k->p->vars[i].name, name) == 0;
			if (name && !found)
				err(k, s, "the process has no variable '%s'",
				    name);
			free(name);
			check_xpath(k, s, "test");
		} else {
			err(k, s, "<%s> cannot be in a <case>",
			    s->type == XML_ELEMENT_NODE ? (const char *)s->name
							: "text");
		}
	}
}

static void check_mock(struct chk *k, struct tm_suite *su, xmlNodePtr n)
{
	static const char *const al[] = { "partnerLink", "operation", NULL };
	int plink;
	attrs(k, n, al, al);
	const struct brt_operation *op = link_op(k, n, false, &plink);
	struct tm_mock *m = &su->mocks[su->nmocks++];
	m->node = n;
	m->plink = plink;
	m->op = op;
	m->opname = tm_attr(n, "operation");
	int na = 0;
	for (xmlNodePtr c = n->children; c; c = c->next)
		na += is(c, "answer");
	m->answers = calloc((size_t)na + 1, sizeof *m->answers);
	if (!m->answers) {
		err(k, n, "out of memory");
		return;
	}
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (blank(c))
			continue;
		if (!is(c, "answer")) {
			err(k, c, "<%s> cannot be in a <mock>", c->name);
			continue;
		}
		static const char *const aa[] = { "call", "when", "delay",
						  NULL };
		attrs(k, c, aa, NULL);
		struct tm_answer *a = &m->answers[m->nanswers++];
		a->node = c;
		a->line = tm_line(c);
		char *call = tm_attr(c, "call");
		if (call && !positive_int(call))
			err(k, c, "call=\"%s\" is not a call number", call);
		a->call = call ? atoi(call) : 0;
		free(call);
		check_xpath(k, c, "when");
		xmlChar *w = xmlGetProp(c, BAD_CAST "when");
		a->when = (const char *)w; /* freed with the suite */
		check_duration(k, c, "delay");
		char *d = tm_attr(c, "delay");
		a->delay = d ? tm_duration(d) : 0;
		free(d);
		for (xmlNodePtr r = c->children; r; r = r->next)
			a->ncallbacks += is(r, "callback");
		a->callbacks =
			calloc((size_t)a->ncallbacks + 1, sizeof *a->callbacks);
		a->ncallbacks = 0;
		for (xmlNodePtr r = c->children; r; r = r->next) {
			if (blank(r))
				continue;
			if (is(r, "reply")) {
				attrs(k, r, (const char *const[]){ NULL },
				      NULL);
				if (a->reply || a->fault)
					err(k, r,
					    "one <reply> or <fault> per "
					    "answer");
				a->reply = r;
				if (op && !op->output)
					err(k, r, "'%s' is one-way: no reply",
					    op->name);
				else if (op)
					check_message(k, r, op->output,
						      "<reply>");
			} else if (is(r, "fault")) {
				static const char *const fa[] = { "name",
								  NULL };
				attrs(k, r, fa, fa);
				if (a->reply || a->fault)
					err(k, r,
					    "one <reply> or <fault> per "
					    "answer");
				a->fault = r;
				char *name = tm_attr(r, "name");
				char *ns = NULL, *local = NULL;
				if (name && !tm_qname(r, name, &ns, &local))
					err(k, r,
					    "name=\"%s\" is not a QName in "
					    "scope",
					    name);
				for (int i = 0; op && local && i < op->nfaults;
				     i++)
					if (strcmp(op->faults[i].name, local) ==
						    0 &&
					    strcmp(op->ns ? op->ns : "", ns) ==
						    0)
						check_message(
							k, r,
							op->faults[i].message,
							"<fault>");
				free(name);
				free(ns);
				free(local);
			} else if (is(r, "callback")) {
				static const char *const ca[] = { "partnerLink",
								  "operation",
								  "delay",
								  NULL };
				static const char *const cr[] = { "partnerLink",
								  "operation",
								  NULL };
				attrs(k, r, ca, cr);
				check_duration(k, r, "delay");
				int cpl;
				const struct brt_operation *cop =
					link_op(k, r, true, &cpl);
				if (cop)
					check_message(k, r, cop->input,
						      "<callback>");
				if (a->callbacks)
					a->callbacks[a->ncallbacks++] = r;
			} else {
				err(k, r, "<%s> cannot be in an <answer>",
				    r->type == XML_ELEMENT_NODE
					    ? (const char *)r->name
					    : "text");
			}
		}
		if (op && op->output && !a->reply && !a->fault)
			err(k, c,
			    "'%s' is request-response: the answer needs "
			    "a <reply> or a <fault>",
			    op->name);
	}
}

int tm_suite_load(struct tm_suite *su, const struct brt_process *p,
		  const char *file)
{
	memset(su, 0, sizeof *su);
	su->file = file;
	struct chk k = { p, file, 0 };
	su->doc = xmlReadFile(file, NULL, XML_PARSE_NONET);
	if (!su->doc) {
		const xmlError *e = xmlGetLastError();
		fprintf(stderr, "%s:%d: error: %s", file, e ? e->line : 0,
			e && e->message ? e->message : "cannot read\n");
		return 2;
	}
	xmlNodePtr root = xmlDocGetRootElement(su->doc);
	if (!is(root, "suite")) {
		err(&k, root,
		    "the root element must be <suite xmlns=\"" TNS "\">");
		return 2;
	}
	static const char *const sa[] = { "process", "name", "dialect", NULL };
	static const char *const sr[] = { "process", NULL };
	attrs(&k, root, sa, sr);
	int nm = 0, nc = 0;
	for (xmlNodePtr c = root->children; c; c = c->next) {
		nm += is(c, "mock");
		nc += is(c, "case");
	}
	su->mocks = calloc((size_t)nm + 1, sizeof *su->mocks);
	su->cases = calloc((size_t)nc + 1, sizeof *su->cases);
	if (!su->mocks || !su->cases) {
		err(&k, root, "out of memory");
		return 2;
	}
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (blank(c))
			continue;
		if (is(c, "mock")) {
			check_mock(&k, su, c);
		} else if (is(c, "case")) {
			static const char *const ca[] = { "name", NULL };
			attrs(&k, c, ca, ca);
			xmlChar *name = xmlGetProp(c, BAD_CAST "name");
			for (int i = 0; name && i < su->ncases; i++)
				if (strcmp(su->cases[i].name,
					   (const char *)name) == 0)
					err(&k, c,
					    "a case named '%s' is already at "
					    "line %d",
					    name, tm_line(su->cases[i].node));
			su->cases[su->ncases].name = name ? (const char *)name
							  : "";
			su->cases[su->ncases++].node = c;
			check_case(&k, c);
		} else {
			err(&k, c, "<%s> cannot be in a <suite>",
			    c->type == XML_ELEMENT_NODE ? (const char *)c->name
							: "text");
		}
	}
	for (int i = 0; i < su->nmocks; i++)
		for (int j = 0; j < i; j++)
			if (su->mocks[i].opname && su->mocks[j].opname &&
			    strcmp(su->mocks[i].opname, su->mocks[j].opname) ==
				    0 &&
			    su->mocks[i].plink == su->mocks[j].plink)
				err(&k, su->mocks[i].node,
				    "a mock of this operation is already at "
				    "line %d",
				    tm_line(su->mocks[j].node));
	if (su->ncases == 0)
		err(&k, root, "the suite has no <case>");
	return k.errors ? 2 : 0;
}

void tm_suite_free(struct tm_suite *su)
{
	for (int i = 0; i < su->nmocks; i++) {
		for (int j = 0; j < su->mocks[i].nanswers; j++) {
			xmlFree((xmlChar *)su->mocks[i].answers[j].when);
			free(su->mocks[i].answers[j].callbacks);
		}
		free(su->mocks[i].answers);
		free(su->mocks[i].opname);
	}
	for (int i = 0; i < su->ncases; i++)
		if (*su->cases[i].name)
			xmlFree((xmlChar *)su->cases[i].name);
	free(su->mocks);
	free(su->cases);
	xmlFreeDoc(su->doc);
	memset(su, 0, sizeof *su);
}
