/*
 * ode.c — `bpelc --ode DIR [-o OUTDIR]`: an Apache ODE deployment unit
 * compiled as it is (see ode.h, docs/migrating-from-ode.md).
 *
 * DIR/deploy.xml (namespace http://www.apache.org/ode/schemas/dd/2007/03)
 * names each process by QName; the .bpel holding it is found among DIR's
 * files (ODE's own rule: any .bpel of the unit). Each is compiled by
 * driver_run into OUTDIR/<process name>, with ODE's dialect on (m->ode)
 * and deploy.xml's <provide>/<invoke> bindings: the service and port
 * named there are the WSDL port the partner link uses, instead of
 * bpelc's choice by port type. ODE's other settings are mapped where
 * bpelc has an equivalent and reported as ignored otherwise.
 * Not here: the dialect (ode_dialect.c), option parsing (main.c).
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "ode.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>

#include "arena.h"
#include "diag.h"
#include "driver.h"
#include "model.h"

#define NS_ODE_DD "http://www.apache.org/ode/schemas/dd/2007/03"

/* ---- the rules ODE did not enforce ------------------------------------------- */

void ode_rules(struct diag *dg)
{
	/* SA00011/12: <import namespace> and the document's
	 * targetNamespace; SA00020: a propertyAlias with messageType but no
	 * part; SA00046: correlations without a pattern on a request-response
	 * invoke; SA00056: an activity before the receive that creates the
	 * instance; SA00057: start activities that share a correlation set
	 * without initiate="join" on all of them (PickReceiveGenerator takes
	 * any initiate value). ODE compiled all of them. */
	static const char *const rules[] = { "SA00011", "SA00012", "SA00020",
					     "SA00046", "SA00056", "SA00057",
					     NULL };
	for (int i = 0; rules[i]; i++)
		diag_set_rule(dg, rules[i], DIAG_RULE_WARNING);
}

/* ---- run-time differences the compiler can see ---------------------------------- */

struct seen_set {
	const char *name;
	struct seen_set *next;
};

static void ode_corr_walk(struct model *m, struct diag *dg, xmlNodePtr n,
			  struct seen_set **seen)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (n->ns && !strcmp((const char *)n->ns->href, NS_BPEL) &&
		    !strcmp((const char *)n->name, "correlation")) {
			xmlChar *set = xmlGetNoNsProp(n, BAD_CAST "set");
			xmlChar *init = xmlGetNoNsProp(n, BAD_CAST "initiate");
			if (set && init && !strcmp((const char *)init, "yes")) {
				struct seen_set *x = *seen;
				while (x && strcmp(x->name, (const char *)set))
					x = x->next;
				long line = xmlGetLineNo(n);
				struct loc l = { m->process->path,
						 line > 0 && line < INT_MAX
							 ? (int)line
							 : 0,
						 0 };
				if (x)
					diag_warning(
						dg, &l, NULL,
						"correlation set '%s' is "
						"initiated again here; as on "
						"Apache ODE, initiate=\"yes\" on "
						"an initiated set is ignored "
						"(the standard raises "
						"bpel:correlationViolation)",
						(const char *)set);
				else {
					x = ARENA_NEW(m->arena,
						      struct seen_set);
					x->name = arena_strdup(
						m->arena, (const char *)set);
					x->next = *seen;
					*seen = x;
				}
			}
			xmlFree(set);
			xmlFree(init);
		}
		ode_corr_walk(m, dg, n->children, seen);
	}
}

void ode_check(struct model *m, struct diag *dg)
{
	if (!m->process->doc)
		return;
	struct seen_set *seen = NULL;
	ode_corr_walk(m, dg, xmlDocGetRootElement(m->process->doc)->children,
		      &seen);
}

/* ---- partner link bindings ----------------------------------------------------- */

void ode_bind(struct model *m, struct diag *dg, const struct driver_binding *b,
	      int n)
{
	for (int i = 0; i < n; i++) {
		struct bpel_partner_link *pl = m->process->scope->partner_links;
		while (pl && (!pl->name || strcmp(pl->name, b[i].plink) != 0))
			pl = pl->next;
		if (!pl) {
			diag_error(dg, &b[i].loc, NULL,
				   "<%s partnerLink='%s'>: the process has no "
				   "such partner link",
				   b[i].provide ? "provide" : "invoke",
				   b[i].plink);
			continue;
		}
		struct wsdl_port *port = NULL;
		bool service = false;
		for (struct wsdl_doc *w = m->wsdls; w && !port; w = w->next)
			for (struct wsdl_service *s = w->services; s && !port;
			     s = s->next) {
				if (!s->name.local ||
				    strcmp(s->name.local, b[i].svc_local) !=
					    0 ||
				    strcmp(s->name.ns ? s->name.ns : "",
					   b[i].svc_ns ? b[i].svc_ns : "") != 0)
					continue;
				service = true;
				for (struct wsdl_port *p = s->ports; p && !port;
				     p = p->next)
					if (p->name &&
					    strcmp(p->name, b[i].port) == 0)
						port = p;
			}
		if (!port) {
			if (service)
				diag_error(dg, &b[i].loc, NULL,
					   "service {%s}%s has no port '%s'",
					   b[i].svc_ns ? b[i].svc_ns : "",
					   b[i].svc_local, b[i].port);
			else
				diag_error(dg, &b[i].loc, NULL,
					   "service {%s}%s is not defined in "
					   "the process's WSDL",
					   b[i].svc_ns ? b[i].svc_ns : "",
					   b[i].svc_local);
			continue;
		}
		struct wsdl_port_type *want =
			b[i].provide ? pl->my_port_type : pl->partner_port_type;
		if (!want) {
			diag_error(dg, &b[i].loc, NULL,
				   "partner link '%s' has no %s", b[i].plink,
				   b[i].provide ? "myRole" : "partnerRole");
			continue;
		}
		if (!port->binding || port->binding->port_type != want) {
			diag_error(dg, &b[i].loc, NULL,
				   "port '%s' does not implement portType '%s' "
				   "of partner link '%s'",
				   b[i].port,
				   want->name.local ? want->name.local : "",
				   b[i].plink);
			continue;
		}
		if (b[i].provide)
			pl->my_port = port;
		else
			pl->partner_port = port;
	}
}

/* ---- deploy.xml ------------------------------------------------------------------ */

struct unit {
	struct arena *a;
	struct diag *dg;
	const char *dir;
	const char *dd_path;
	/* every .bpel of the unit with its process QName */
	struct bpel_file {
		const char *path, *ns, *name;
		struct bpel_file *next;
	} * files;
};

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && strcmp(s + n - k, suf) == 0;
}

/* The process QName of a .bpel (root's targetNamespace and name). */
static void unit_scan_file(struct unit *u, const char *path)
{
	xmlDocPtr doc = xmlReadFile(path, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR |
					    XML_PARSE_NOWARNING);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!doc) {
		struct loc l = { arena_strdup(u->a, path), 0, 0 };
		diag_warning(u->dg, &l, NULL,
			     "not well-formed XML; not searched for the "
			     "processes of deploy.xml");
	}
	if (root && strcmp((const char *)root->name, "process") == 0) {
		struct bpel_file *f = ARENA_NEW(u->a, struct bpel_file);
		xmlChar *ns = xmlGetNoNsProp(root, BAD_CAST "targetNamespace");
		xmlChar *name = xmlGetNoNsProp(root, BAD_CAST "name");
		f->path = arena_strdup(u->a, path);
		f->ns = arena_strdup(u->a, ns ? (const char *)ns : "");
		f->name = arena_strdup(u->a, name ? (const char *)name : "");
		xmlFree(ns);
		xmlFree(name);
		f->next = u->files;
		u->files = f;
	}
	xmlFreeDoc(doc);
}

/* The .bpel files under dir (sorted, a few levels deep). */
static void unit_scan(struct unit *u, const char *dir, int depth)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return;
	for (int i = n;
	     i-- > 0;) { /* reverse: the list is built by prepending */
		const char *nm = names[i]->d_name;
		if (nm[0] != '.') {
			const char *p =
				strcmp(dir, ".") == 0
					? arena_strdup(u->a, nm)
					: arena_printf(u->a, "%s/%s", dir, nm);
			struct stat st;
			if (stat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
			    depth < 4)
				unit_scan(u, p, depth + 1);
			else if (S_ISREG(st.st_mode) && has_suffix(nm, ".bpel"))
				unit_scan_file(u, p);
		}
		free(names[i]);
	}
	free(names);
}

/* Text content of the child element `local` of n, trimmed; NULL. */
static const char *dd_child_text(struct unit *u, xmlNodePtr n,
				 const char *local, xmlNodePtr *at)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, local) == 0) {
			xmlChar *t = xmlNodeGetContent(c);
			const char *s = t ? (const char *)t : "";
			while (*s == ' ' || *s == '\t' || *s == '\n' ||
			       *s == '\r')
				s++;
			size_t len = strlen(s);
			while (len > 0 &&
			       (s[len - 1] == ' ' || s[len - 1] == '\t' ||
				s[len - 1] == '\n' || s[len - 1] == '\r'))
				len--;
			const char *r = arena_strndup(u->a, s, len);
			xmlFree(t);
			*at = c;
			return r;
		}
	return NULL;
}

static struct loc dd_loc(struct unit *u, xmlNodePtr n)
{
	long line = xmlGetLineNo(n);
	struct loc l = { u->dd_path, line > 0 && line < INT_MAX ? (int)line : 0,
			 0 };
	return l;
}

/* A QName attribute of a deploy.xml element: namespace and local part. */
static bool dd_qname(struct unit *u, xmlNodePtr n, const char *attr,
		     const char **ns, const char **local)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST attr);
	if (!v)
		return false;
	const char *s = (const char *)v;
	const char *colon = strchr(s, ':');
	char *prefix = colon ? arena_strndup(u->a, s, (size_t)(colon - s))
			     : NULL;
	*local = arena_strdup(u->a, colon ? colon + 1 : s);
	xmlNsPtr x = xmlSearchNs(n->doc, n, BAD_CAST prefix);
	*ns = x && x->href ? arena_strdup(u->a, (const char *)x->href) : NULL;
	bool ok = !prefix || x;
	if (!ok) {
		struct loc l = dd_loc(u, n);
		diag_error(u->dg, &l, NULL,
			   "namespace prefix '%s' of %s='%s' is not declared",
			   prefix, attr, s);
	}
	xmlFree(v);
	return ok;
}

/* ODE's yes/no settings: "true"/"false" (xsd:boolean). -1 when absent. */
static int dd_bool(struct unit *u, xmlNodePtr n, const char *local)
{
	xmlNodePtr at;
	const char *t = dd_child_text(u, n, local, &at);
	if (!t)
		return -1;
	return strcmp(t, "true") == 0 || strcmp(t, "1") == 0;
}

/* The settings of <process> bpelc has no equivalent for, warned once each. */
static void dd_settings(struct unit *u, xmlNodePtr p, const char *name)
{
	struct loc l = dd_loc(u, p);
	if (dd_bool(u, p, "active") == 0)
		diag_warning(u->dg, &l, NULL,
			     "process '%s' is deployed inactive (<active>false"
			     "</active>); ignored: a bpelc executable serves "
			     "while it runs, so start it when the process "
			     "should be active",
			     name);
	if (dd_bool(u, p, "retired") == 1)
		diag_warning(u->dg, &l, NULL,
			     "process '%s' is retired (<retired>true</retired>"
			     "); ignored: bpelc has no retired versions, do "
			     "not start this executable for new instances",
			     name);
	if (dd_bool(u, p, "in-memory") == 1)
		diag_warning(u->dg, &l, NULL,
			     "process '%s' keeps its instances in memory only "
			     "(<in-memory>true</in-memory>): start its "
			     "executable with --store none; by default a bpelc "
			     "service keeps them in its SQLite store",
			     name);
	static const char *const known[] = { "active",	"retired", "in-memory",
					     "provide", "invoke",  "property",
					     NULL };
	for (xmlNodePtr c = p->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		bool ok = false;
		for (int i = 0; known[i] && !ok; i++)
			ok = strcmp((const char *)c->name, known[i]) == 0;
		if (!ok) {
			struct loc cl = dd_loc(u, c);
			diag_warning(u->dg, &cl, NULL,
				     "<%s> of process '%s' is an ODE setting "
				     "bpelc does not have; ignored",
				     (const char *)c->name, name);
		}
	}
}

/* The <provide>/<invoke> bindings of <process>, into b (arena). */
static int dd_bindings(struct unit *u, xmlNodePtr p,
		       struct driver_binding **out)
{
	int n = 0;
	for (xmlNodePtr c = p->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    (!strcmp((const char *)c->name, "provide") ||
		     !strcmp((const char *)c->name, "invoke")))
			n++;
	struct driver_binding *b =
		ARENA_ARRAY(u->a, struct driver_binding, n ? n : 1);
	int k = 0;
	for (xmlNodePtr c = p->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		bool provide = !strcmp((const char *)c->name, "provide");
		if (!provide && strcmp((const char *)c->name, "invoke") != 0)
			continue;
		struct loc l = dd_loc(u, c);
		xmlChar *pl = xmlGetNoNsProp(c, BAD_CAST "partnerLink");
		xmlNodePtr svc = NULL;
		for (xmlNodePtr s = c->children; s && !svc; s = s->next)
			if (s->type == XML_ELEMENT_NODE &&
			    !strcmp((const char *)s->name, "service"))
				svc = s;
		if (!pl || !svc) {
			diag_error(u->dg, &l, NULL,
				   "<%s> needs a partnerLink attribute and a "
				   "<service name port> child",
				   (const char *)c->name);
			xmlFree(pl);
			continue;
		}
		struct driver_binding *x = &b[k];
		x->plink = arena_strdup(u->a, (const char *)pl);
		xmlFree(pl);
		x->provide = provide;
		x->loc = dd_loc(u, svc);
		xmlChar *port = xmlGetNoNsProp(svc, BAD_CAST "port");
		x->port = arena_strdup(u->a, port ? (const char *)port : "");
		xmlFree(port);
		if (!dd_qname(u, svc, "name", &x->svc_ns, &x->svc_local)) {
			if (!x->svc_local)
				diag_error(u->dg, &x->loc, NULL,
					   "<service> needs a name attribute");
			continue;
		}
		k++;
	}
	*out = b;
	return k;
}

/* <property name="QName">content</property> of <process>: what
 * ode:process-property reads; its element serialised, or its text. */
static int dd_props(struct unit *u, xmlNodePtr p, struct model_prop **out)
{
	int n = 0;
	for (xmlNodePtr c = p->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)c->name, "property"))
			n++;
	struct model_prop *v = ARENA_ARRAY(u->a, struct model_prop, n ? n : 1);
	int k = 0;
	for (xmlNodePtr c = p->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)c->name, "property") != 0)
			continue;
		const char *ns = NULL, *local = NULL;
		if (!dd_qname(u, c, "name", &ns, &local) || !local)
			continue;
		xmlNodePtr el = NULL;
		for (xmlNodePtr d = c->children; d && !el; d = d->next)
			if (d->type == XML_ELEMENT_NODE)
				el = d;
		const char *xml;
		if (el) {
			xmlBufferPtr buf = xmlBufferCreate();
			if (!buf)
				arena_oom();
			/* its namespaces come along: reconciled into a copy */
			xmlNodePtr copy = xmlDocCopyNode(el, el->doc, 1);
			xmlReconciliateNs(el->doc, copy);
			xmlNodeDump(buf, el->doc, copy, 0, 0);
			xml = arena_strdup(u->a,
					   (const char *)xmlBufferContent(buf));
			xmlFreeNode(copy);
			xmlBufferFree(buf);
		} else {
			xmlChar *t = xmlNodeGetContent(c);
			xml = arena_strdup(u->a, t ? (const char *)t : "");
			xmlFree(t);
		}
		v[k].ns = ns;
		v[k].local = local;
		v[k].xml = xml;
		k++;
	}
	*out = v;
	return k;
}

int ode_run(const struct driver_options *o)
{
	struct unit u = { 0 };
	u.a = arena_new();
	u.dg = diag_new(stderr, o->diag_format);
	diag_set_werror(u.dg, o->werror);
	u.dir = o->ode_dir;
	u.dd_path = arena_printf(u.a, "%s/deploy.xml", o->ode_dir);
	int rc = 0;
	xmlResetLastError();
	xmlDocPtr dd = xmlReadFile(u.dd_path, NULL,
				   XML_PARSE_NONET | XML_PARSE_NOERROR |
					   XML_PARSE_NOWARNING);
	xmlNodePtr root = dd ? xmlDocGetRootElement(dd) : NULL;
	struct stat st;
	if (!root) {
		if (stat(u.dd_path, &st) != 0) {
			diag_tool(u.dg, "cannot read %s: %s", u.dd_path,
				  strerror(errno));
			rc = 2;
		} else {
			const xmlError *e = xmlGetLastError();
			struct loc l = { u.dd_path, e ? e->line : 0, 0 };
			diag_error(u.dg, &l, NULL, "malformed XML: %s",
				   e && e->message ? e->message
						   : "not well-formed");
			rc = 1;
		}
		goto done;
	}
	if (!root->ns || strcmp((const char *)root->ns->href, NS_ODE_DD) ||
	    strcmp((const char *)root->name, "deploy")) {
		struct loc l = dd_loc(&u, root);
		diag_error(u.dg, &l, NULL,
			   "not an ODE deployment descriptor: the root must "
			   "be <deploy> in namespace '%s'",
			   NS_ODE_DD);
		rc = 1;
		goto done;
	}
	const char *outdir = o->output ? o->output : ".";
	if (o->mode == DRIVER_COMPILE &&
	    (stat(outdir, &st) != 0 || !S_ISDIR(st.st_mode))) {
		diag_tool(u.dg, "output directory '%s' does not exist", outdir);
		rc = 2;
		goto done;
	}
	unit_scan(&u, u.dir, 0);
	int nproc = 0;
	for (xmlNodePtr p = root->children; p; p = p->next) {
		if (p->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)p->name, "process") != 0)
			continue;
		nproc++;
		struct loc l = dd_loc(&u, p);
		const char *ns = NULL, *name = NULL;
		if (!dd_qname(&u, p, "name", &ns, &name) || !name) {
			if (!name)
				diag_error(u.dg, &l, NULL,
					   "<process> needs a name attribute");
			rc = rc ? rc : 1;
			continue;
		}
		struct bpel_file *f = u.files;
		while (f && !(strcmp(f->name, name) == 0 &&
			      strcmp(f->ns, ns ? ns : "") == 0))
			f = f->next;
		if (!f) {
			diag_error(u.dg, &l, NULL,
				   "no .bpel in '%s' holds process {%s}%s",
				   u.dir, ns ? ns : "", name);
			rc = rc ? rc : 1;
			continue;
		}
		dd_settings(&u, p, name);
		struct driver_binding *b;
		int nb = dd_bindings(&u, p, &b);
		struct model_prop *props;
		int nprops = dd_props(&u, p, &props);
		if (diag_errors(u.dg) > 0) {
			rc = rc ? rc : 1;
			continue;
		}
		struct driver_options po = *o;
		po.ode_dir = NULL;
		po.ode = true;
		po.input = f->path;
		po.bindings = b;
		po.nbindings = nb;
		po.props = props;
		po.nprops = nprops;
		po.output = NULL;
		if (o->mode == DRIVER_COMPILE)
			po.output = arena_printf(u.a, "%s/%s", outdir, name);
		else if (o->mode == DRIVER_EMIT_C)
			po.output = arena_printf(u.a, "%s/%s.c", outdir, name);
		int r = driver_run(&po);
		if (r > rc)
			rc = r;
	}
	if (nproc == 0) {
		struct loc l = dd_loc(&u, root);
		diag_error(u.dg, &l, NULL, "deploy.xml names no <process>");
	}
	if (diag_errors(u.dg) > 0 && rc == 0)
		rc = 1;
done:
	xmlFreeDoc(dd);
	diag_free(u.dg);
	arena_free(u.a);
	return rc;
}
