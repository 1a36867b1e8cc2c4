/*
 * emit.c — renders the IR as one C file for libbpelrt.
 *
 * Two passes (re2c): the tables and step functions are first written into
 * an output tree of text chunks and `#line` markers, then rendered while
 * counting lines, so a marker that returns to the .c file knows its own
 * line number. Tables come in dependency order (messages, operations,
 * partner links, scopes, variables, expressions, literals, correlation,
 * descriptors), each in document order; then one static function per
 * step, the step switch, the exported `<proc>_process` and main().
 * The build id is a hash of the rendered text without the header and
 * without `#line` lines, so it does not depend on file names or
 * --no-line. This file knows the layout of bpelrt.h's tables; it does not
 * decide anything about the process (lower.c did).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "arena.h"
#include "emit.h"
#include "resolve.h"
#include "strbuf.h"

enum chunk_kind { CHUNK_TEXT, CHUNK_LINE_SRC, CHUNK_LINE_BACK };

struct chunk {
	enum chunk_kind kind;
	const char *text; /* CHUNK_TEXT */
	const char *file; /* CHUNK_LINE_SRC */
	int line;
};

struct emit_op {
	struct wsdl_operation *op;
	struct wsdl_binding *binding; /* NULL: no SOAP binding known */
};

struct emitter {
	struct ir_program *p;
	const struct emit_options *o;
	struct arena *a;
	const char *P; /* process identifier: step and table prefix */
	const char *U; /* its upper case: state constants */
	struct strbuf cur;
	struct ir_vec chunks;
	struct ir_vec msgs;   /* struct wsdl_message * */
	struct ir_vec ops;    /* struct emit_op * */
	struct ir_vec wsdls;  /* struct wsdl_doc * served as ?wsdl */
	struct ir_vec nslist; /* const char *: rendered brt_ns array bodies */
	int serial;           /* names of per-descriptor arrays */
	int nvalidates;       /* brt_validate entries (emit_data_tables) */
	bool has_expr_errors;
};

#define BUILD_ID_PLACEHOLDER "@BPELC_BUILD_ID@"

/* ---- output tree ------------------------------------------------------ */

static void flush(struct emitter *e)
{
	if (e->cur.len == 0)
		return;
	struct chunk *c = ARENA_NEW(e->a, struct chunk);
	c->kind = CHUNK_TEXT;
	c->text = arena_strdup(e->a, e->cur.buf);
	ir_vec_push(e->a, &e->chunks, c);
	strbuf_reset(&e->cur);
}

__attribute__((format(printf, 2, 3)))
static void out(struct emitter *e, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof small) {
		strbuf_add(&e->cur, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		arena_oom();
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	strbuf_add(&e->cur, big, (size_t)n);
	free(big);
}

static void line_src(struct emitter *e, const struct loc *loc)
{
	if (e->o->no_line || !loc || !loc->file || loc->line <= 0)
		return;
	flush(e);
	struct chunk *c = ARENA_NEW(e->a, struct chunk);
	c->kind = CHUNK_LINE_SRC;
	c->file = loc->file;
	c->line = loc->line;
	ir_vec_push(e->a, &e->chunks, c);
}

static void line_back(struct emitter *e)
{
	if (e->o->no_line)
		return;
	flush(e);
	struct chunk *c = ARENA_NEW(e->a, struct chunk);
	c->kind = CHUNK_LINE_BACK;
	ir_vec_push(e->a, &e->chunks, c);
}

static int count_lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void put_line_directive(struct strbuf *sb, int line, const char *file)
{
	strbuf_printf(sb, "#line %d \"", line);
	strbuf_c_escape(sb, file);
	strbuf_puts(sb, "\"\n");
}

/* Render the chunks; `first_line` is the number of the body's first
 * line in the whole file. */
static void render(struct emitter *e, struct strbuf *sb, int first_line)
{
	int line = first_line; /* number of the line about to be written */
	const char *out_name = e->o->out_name ? e->o->out_name : "out.c";
	for (int i = 0; i < e->chunks.n; i++) {
		const struct chunk *c = IR_AT(e->chunks, struct chunk, i);
		switch (c->kind) {
		case CHUNK_TEXT:
			strbuf_puts(sb, c->text);
			line += count_lines(c->text);
			break;
		case CHUNK_LINE_SRC:
			put_line_directive(sb, c->line, c->file);
			line++;
			break;
		case CHUNK_LINE_BACK:
			/* the line after this directive is line + 1 */
			put_line_directive(sb, line + 1, out_name);
			line++;
			break;
		}
	}
}

/* FNV-1a 64 over the text, skipping `#line` lines. */
static uint64_t build_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) + 1 : strlen(s);
		if (strncmp(s, "#line ", 6) != 0)
			for (size_t i = 0; i < len; i++) {
				h ^= (unsigned char)s[i];
				h *= 1099511628211ULL;
			}
		s += len;
	}
	return h;
}

/* ---- small renderers -------------------------------------------------- */

/* A C string literal, or NULL. */
static const char *cstr(struct emitter *e, const char *s)
{
	if (!s)
		return "NULL";
	struct strbuf sb = STRBUF_INIT;
	strbuf_putc(&sb, '"');
	strbuf_c_escape(&sb, s);
	strbuf_putc(&sb, '"');
	const char *r = arena_strdup(e->a, sb.buf);
	strbuf_free(&sb);
	return r;
}

/* Long text as adjacent literals, one source line each. */
static void out_text_lines(struct emitter *e, const char *s, const char *indent)
{
	if (!*s) {
		out(e, "%s\"\"", indent);
		return;
	}
	bool first = true;
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) + 1 : strlen(s);
		char *piece = arena_strndup(e->a, s, len);
		out(e, "%s%s", first ? "" : "\n", indent);
		out(e, "%s", cstr(e, piece));
		first = false;
		s += len;
	}
}

static const char *qname_init(struct emitter *e, struct qname q)
{
	if (!q.local)
		return "{ NULL, NULL }";
	return arena_printf(e->a, "{ %s, %s }", cstr(e, q.ns), cstr(e, q.local));
}

static const char *const xsd_kinds[] = { "BRT_XSD_COMPLEX", "BRT_XSD_STRING",
					 "BRT_XSD_NUMBER", "BRT_XSD_BOOLEAN" };

static const char *xsd_kind(enum xsd_kind k)
{
	return (unsigned)k < 4 ? xsd_kinds[k] : "BRT_XSD_COMPLEX";
}

static const char *bool_s(bool b)
{
	return b ? "true" : "false";
}

static const char *state_ref(struct emitter *e, int id)
{
	switch (id) {
	case IR_S_START:
		return arena_printf(e->a, "%s_S_START", e->U);
	case IR_S_DONE:
		return arena_printf(e->a, "%s_S_DONE", e->U);
	case IR_S_FAULTED:
		return arena_printf(e->a, "%s_S_FAULTED", e->U);
	default: {
		struct ir_state *st = ir_state_get(e->p, id);
		return arena_printf(e->a, "%s_S_%s", e->U,
				    emit_names_upper(e->a, st->cname));
	}
	}
}

/* Text safe inside a C comment. */
static const char *comment_safe(struct emitter *e, const char *s)
{
	char *r = arena_strdup(e->a, s ? s : "");
	for (char *p = r; *p; p++) {
		if (p[0] == '*' && p[1] == '/')
			p[1] = '_';
		if (p[0] == '/' && p[1] == '*')
			p[1] = '_';
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	}
	return r;
}

static const char *element_of(struct emitter *e, const struct bpel_activity *a)
{
	static const char *const el[] = {
#define ACT(kind, element) element,
#include "activities.def"
#undef ACT
	};
	if (a->name)
		return arena_printf(e->a, "<%s name=\"%s\">", el[a->kind],
				    comment_safe(e, a->name));
	return arena_printf(e->a, "<%s>", el[a->kind]);
}

/* ---- collection: messages and operations ------------------------------ */

static int msg_index(struct emitter *e, struct wsdl_message *m)
{
	if (!m)
		return -1;
	int i = ir_vec_find(&e->msgs, m);
	if (i >= 0)
		return i;
	ir_vec_push(e->a, &e->msgs, m);
	return e->msgs.n - 1;
}

static const char *msg_ref(struct emitter *e, struct wsdl_message *m)
{
	int i = m ? ir_vec_find(&e->msgs, m) : -1;
	return i < 0 ? "NULL" : arena_printf(e->a, "&%s__msg_%d", e->P, i);
}

static int op_index(struct emitter *e, struct wsdl_operation *op,
		    struct wsdl_binding *b)
{
	if (!op)
		return -1;
	for (int i = 0; i < e->ops.n; i++) {
		struct emit_op *eo = IR_AT(e->ops, struct emit_op, i);
		if (eo->op == op && eo->binding == b)
			return i;
	}
	msg_index(e, op->input);
	msg_index(e, op->output);
	for (struct wsdl_fault *f = op->faults; f; f = f->next)
		msg_index(e, f->message);
	struct emit_op *eo = ARENA_NEW(e->a, struct emit_op);
	eo->op = op;
	eo->binding = b;
	ir_vec_push(e->a, &e->ops, eo);
	return e->ops.n - 1;
}

static struct wsdl_binding *my_binding(const struct bpel_partner_link *pl)
{
	return pl && pl->my_port ? pl->my_port->binding : NULL;
}

static struct wsdl_binding *partner_binding(const struct bpel_partner_link *pl)
{
	return pl && pl->partner_port ? pl->partner_port->binding : NULL;
}

static struct wsdl_message *catch_message(struct emitter *e,
					  const struct bpel_catch *c)
{
	if (c->variable && c->variable->message)
		return c->variable->message;
	if (c->fault_message_type.local)
		return resolve_message(e->p->m, c->fault_message_type);
	return NULL;
}

static void collect(struct emitter *e)
{
	struct ir_program *p = e->p;
	for (int i = 0; i < p->plinks.n; i++) {
		struct bpel_partner_link *pl =
			IR_AT(p->plinks, struct ir_plink, i)->pl;
		if (pl->my_port_type)
			for (struct wsdl_operation *op =
				     pl->my_port_type->operations;
			     op; op = op->next)
				op_index(e, op, my_binding(pl));
	}
	for (int i = 0; i < p->receives.n; i++) {
		struct bpel_activity *a =
			IR_AT(p->receives, struct ir_msg_act, i)->act;
		op_index(e, a->operation, my_binding(a->plink));
	}
	for (int i = 0; i < p->replies.n; i++) {
		struct bpel_activity *a =
			IR_AT(p->replies, struct ir_msg_act, i)->act;
		op_index(e, a->operation, my_binding(a->plink));
	}
	for (int i = 0; i < p->invokes.n; i++) {
		struct bpel_activity *a =
			IR_AT(p->invokes, struct ir_msg_act, i)->act;
		op_index(e, a->operation, partner_binding(a->plink));
	}
	for (int i = 0; i < p->vars.n; i++)
		msg_index(e, IR_AT(p->vars, struct ir_var, i)->v->message);
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		for (int j = 0; j < sc->ncatches; j++)
			msg_index(e, catch_message(e, sc->catches[j].c));
	}
	for (int i = 0; i < p->aliases.n; i++)
		msg_index(e, IR_AT(p->aliases, struct ir_alias, i)->al->message);
}

/* ---- tables ----------------------------------------------------------- */

static void emit_messages(struct emitter *e)
{
	for (int i = 0; i < e->msgs.n; i++) {
		struct wsdl_message *m = IR_AT(e->msgs, struct wsdl_message, i);
		out(e, "/* %s:%d <message name=\"%s\"> */\n",
		    comment_safe(e, m->loc.file), m->loc.line,
		    comment_safe(e, m->name.local));
		int nparts = 0;
		for (struct wsdl_part *pt = m->parts; pt; pt = pt->next)
			nparts++;
		if (nparts) {
			out(e, "static const struct brt_part %s__parts_%d[] = {\n",
			    e->P, i);
			for (struct wsdl_part *pt = m->parts; pt; pt = pt->next)
				out(e,
				    "\t{ .name = %s, .element = %s, .type = %s,"
				    " .kind = %s },\n",
				    cstr(e, pt->name), qname_init(e, pt->element),
				    qname_init(e, pt->type), xsd_kind(pt->kind));
			out(e, "};\n");
		}
		out(e, "static const struct brt_message %s__msg_%d = {\n", e->P, i);
		out(e, "\t.name = %s,\n", qname_init(e, m->name));
		out(e, "\t.nparts = %d,\n", nparts);
		if (nparts)
			out(e, "\t.parts = %s__parts_%d,\n", e->P, i);
		else
			out(e, "\t.parts = NULL,\n");
		out(e, "};\n\n");
	}
}

static const struct wsdl_binding_op *binding_op(const struct wsdl_binding *b,
						const char *name)
{
	for (const struct wsdl_binding_op *bo = b ? b->ops : NULL; bo;
	     bo = bo->next)
		if (bo->name && name && strcmp(bo->name, name) == 0)
			return bo;
	return NULL;
}

static void emit_operations(struct emitter *e)
{
	for (int i = 0; i < e->ops.n; i++) {
		struct emit_op *eo = IR_AT(e->ops, struct emit_op, i);
		struct wsdl_operation *op = eo->op;
		const struct wsdl_binding_op *bo = binding_op(eo->binding, op->name);
		enum wsdl_style style = bo ? bo->style
					   : eo->binding ? eo->binding->style
							 : WSDL_DOCUMENT;
		int nfaults = 0;
		for (struct wsdl_fault *f = op->faults; f; f = f->next)
			nfaults++;
		if (nfaults) {
			out(e, "static const struct brt_fault_decl %s__faults_%d[] = {\n",
			    e->P, i);
			for (struct wsdl_fault *f = op->faults; f; f = f->next)
				out(e, "\t{ .name = %s, .message = %s },\n",
				    cstr(e, f->name), msg_ref(e, f->message));
			out(e, "};\n");
		}
		out(e, "/* %s:%d <operation name=\"%s\"> */\n",
		    comment_safe(e, op->loc.file), op->loc.line,
		    comment_safe(e, op->name));
		out(e, "static const struct brt_operation %s__op_%d = {\n", e->P, i);
		out(e, "\t.name = %s,\n", cstr(e, op->name));
		out(e, "\t.ns = %s,\n",
		    cstr(e, op->port_type ? op->port_type->name.ns : NULL));
		out(e, "\t.soap_action = %s,\n",
		    cstr(e, bo && bo->soap_action ? bo->soap_action : ""));
		out(e, "\t.style = %s,\n",
		    style == WSDL_RPC ? "BRT_STYLE_RPC" : "BRT_STYLE_DOCUMENT");
		out(e, "\t.rpc_ns = %s,\n",
		    cstr(e, style == WSDL_RPC && bo ? bo->rpc_ns : NULL));
		out(e, "\t.input = %s,\n", msg_ref(e, op->input));
		out(e, "\t.output = %s,\n",
		    op->kind == WSDL_REQUEST_RESPONSE ? msg_ref(e, op->output)
						      : "NULL");
		out(e, "\t.nfaults = %d,\n", nfaults);
		if (nfaults)
			out(e, "\t.faults = %s__faults_%d,\n", e->P, i);
		else
			out(e, "\t.faults = NULL,\n");
		out(e, "};\n\n");
	}
}

static const char *op_ref(struct emitter *e, struct wsdl_operation *op,
			  struct wsdl_binding *b)
{
	for (int i = 0; op && i < e->ops.n; i++) {
		struct emit_op *eo = IR_AT(e->ops, struct emit_op, i);
		if (eo->op == op && eo->binding == b)
			return arena_printf(e->a, "&%s__op_%d", e->P, i);
	}
	return "NULL";
}

/* The path of an http(s) URL: "http://h:1/a/b?q" -> "/a/b". */
static const char *url_path(struct emitter *e, const char *url)
{
	const char *s = strstr(url, "://");
	s = s ? strchr(s + 3, '/') : NULL;
	if (!s)
		return "/";
	size_t len = strcspn(s, "?#");
	return arena_strndup(e->a, s, len);
}

static struct wsdl_doc *service_doc(struct emitter *e,
				    const struct wsdl_service *svc)
{
	for (struct wsdl_doc *w = e->p->m->wsdls; w; w = w->next)
		for (struct wsdl_service *s = w->services; s; s = s->next)
			if (s == svc)
				return w;
	return NULL;
}

/* The other ports of my_port's service with the same binding and an
 * address (a service may offer one binding at several addresses): the
 * link is served at each. Fills out[] when not NULL; returns the count. */
static int alt_ports(const struct bpel_partner_link *pl,
		     const struct wsdl_port **out)
{
	const struct wsdl_port *mp = pl->my_role ? pl->my_port : NULL;
	int n = 0;
	if (!mp || !mp->service || !mp->address)
		return 0;
	for (const struct wsdl_port *p = mp->service->ports; p; p = p->next)
		if (p != mp && p->binding == mp->binding && p->address) {
			if (out)
				out[n] = p;
			n++;
		}
	return n;
}

static void emit_alt_ports(struct emitter *e,
			   const struct bpel_partner_link *pl, int i)
{
	int n = alt_ports(pl, NULL);
	if (!n)
		return;
	const struct wsdl_port **ports = arena_alloc(e->a, (size_t)n * sizeof *ports);
	alt_ports(pl, ports);
	out(e, "static const char *const %s__altpaths_%d[] = {", e->P, i);
	for (int k = 0; k < n; k++)
		out(e, " %s,", cstr(e, url_path(e, ports[k]->address)));
	out(e, " };\n");
	out(e, "static const char *const %s__altaddrs_%d[] = {", e->P, i);
	for (int k = 0; k < n; k++)
		out(e, " %s,", cstr(e, ports[k]->address));
	out(e, " };\n");
}

static void emit_plinks(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->plinks.n)
		return;
	/* WSDL texts served as ?wsdl, each once */
	for (int i = 0; i < p->plinks.n; i++) {
		struct bpel_partner_link *pl =
			IR_AT(p->plinks, struct ir_plink, i)->pl;
		struct wsdl_doc *w = pl->my_port ? service_doc(e, pl->my_port->service)
						 : NULL;
		if (!w || !w->text || ir_vec_find(&e->wsdls, w) >= 0)
			continue;
		ir_vec_push(e->a, &e->wsdls, w);
		out(e, "/* %s, served as ?wsdl */\n", comment_safe(e, w->path));
		out(e, "static const char %s__wsdl_%d[] =\n", e->P, e->wsdls.n - 1);
		out_text_lines(e, w->text, "\t");
		out(e, ";\n\n");
	}
	for (int i = 0; i < p->plinks.n; i++) {
		struct bpel_partner_link *pl =
			IR_AT(p->plinks, struct ir_plink, i)->pl;
		emit_alt_ports(e, pl, i);
		if (!pl->my_port_type || !pl->my_port_type->operations)
			continue;
		out(e, "static const struct brt_operation *const %s__myops_%d[] = {\n",
		    e->P, i);
		for (struct wsdl_operation *op = pl->my_port_type->operations; op;
		     op = op->next)
			out(e, "\t%s,\n", op_ref(e, op, my_binding(pl)));
		out(e, "};\n");
	}
	out(e, "static const struct brt_partner_link %s__plinks[] = {\n", e->P);
	for (int i = 0; i < p->plinks.n; i++) {
		struct ir_plink *ip = IR_AT(p->plinks, struct ir_plink, i);
		struct bpel_partner_link *pl = ip->pl;
		int nops = 0;
		if (pl->my_port_type)
			for (struct wsdl_operation *op = pl->my_port_type->operations;
			     op; op = op->next)
				nops++;
		const char *addr = pl->my_port ? pl->my_port->address : NULL;
		struct wsdl_doc *w = pl->my_port ? service_doc(e, pl->my_port->service)
						 : NULL;
		int iw = w ? ir_vec_find(&e->wsdls, w) : -1;
		out(e, "\t{ /* %s:%d */\n", comment_safe(e, pl->loc.file),
		    pl->loc.line);
		out(e, "\t\t.name = %s,\n", cstr(e, pl->name));
		out(e, "\t\t.scope = %d,\n", ip->scope);
		out(e, "\t\t.my_path = %s,\n",
		    addr && pl->my_role ? cstr(e, url_path(e, addr)) : "NULL");
		out(e, "\t\t.my_address = %s,\n",
		    pl->my_role ? cstr(e, addr) : "NULL");
		out(e, "\t\t.nmy_ops = %d,\n", nops);
		if (nops)
			out(e, "\t\t.my_ops = %s__myops_%d,\n", e->P, i);
		else
			out(e, "\t\t.my_ops = NULL,\n");
		if (iw >= 0)
			out(e, "\t\t.wsdl = %s__wsdl_%d,\n", e->P, iw);
		else
			out(e, "\t\t.wsdl = NULL,\n");
		out(e, "\t\t.partner_address = %s,\n",
		    cstr(e, pl->partner_port ? pl->partner_port->address : NULL));
		out(e, "\t\t.has_partner_role = %s,\n",
		    bool_s(pl->partner_role != NULL));
		out(e, "\t\t.initialize_partner_role = %s,\n",
		    bool_s(!pl->has_initialize_partner_role ||
			   pl->initialize_partner_role));
		int nalt = alt_ports(pl, NULL);
		if (nalt)
			out(e, "\t\t.nmy_alt = %d,\n\t\t.my_alt_paths = "
			    "%s__altpaths_%d,\n\t\t.my_alt_addresses = "
			    "%s__altaddrs_%d,\n", nalt, e->P, i, e->P, i);
		out(e, "\t},\n");
	}
	out(e, "};\n\n");
}

static void emit_alarm(struct emitter *e, const struct ir_alarm *a)
{
	out(e, "\t{ .expr = %d, .is_until = %s, .repeat = %d, .state = %s },\n",
	    a->expr, bool_s(a->is_until), a->repeat, state_ref(e, a->state));
}

/* Event handlers of each scope. onEvent descriptors point into the
 * receives table, defined later (emit_messaging): declare it first. */
static void emit_scope_handlers(struct emitter *e)
{
	struct ir_program *p = e->p;
	bool any = false;
	for (int i = 0; i < p->scopes.n; i++)
		any |= IR_AT(p->scopes, struct ir_scope, i)->nevents > 0;
	if (any)
		out(e, "static const struct brt_receive %s__receives[%d];\n\n",
		    e->P, p->receives.n);
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		if (sc->nevents) {
			out(e, "static const struct brt_on_event %s__events_%d[] = {\n",
			    e->P, i);
			for (int j = 0; j < sc->nevents; j++)
				out(e, "\t{ .recv = &%s__receives[%d], .scope = %d, "
				    ".state = %s },\n", e->P, sc->events[j].recv,
				    sc->events[j].scope,
				    state_ref(e, sc->events[j].state));
			out(e, "};\n");
		}
		if (sc->nalarms) {
			out(e, "static const struct brt_on_alarm %s__alarms_%d[] = {\n",
			    e->P, i);
			for (int j = 0; j < sc->nalarms; j++)
				emit_alarm(e, &sc->alarms[j]);
			out(e, "};\n");
		}
	}
}

/* Pick descriptors (after the receives they point into). */
static void emit_picks(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->picks.n)
		return;
	for (int i = 0; i < p->picks.n; i++) {
		struct ir_pick *pk = IR_AT(p->picks, struct ir_pick, i);
		out(e, "static const struct brt_on_message %s__pickmsgs_%d[] = {\n",
		    e->P, i);
		for (int j = 0; j < pk->nmsgs; j++)
			out(e, "\t{ .recv = &%s__receives[%d], .state = %s },\n",
			    e->P, pk->recv[j], state_ref(e, pk->state[j]));
		out(e, "};\n");
		if (pk->nalarms) {
			out(e, "static const struct brt_on_alarm %s__pickalarms_%d[] = {\n",
			    e->P, i);
			for (int j = 0; j < pk->nalarms; j++)
				emit_alarm(e, &pk->alarms[j]);
			out(e, "};\n");
		}
	}
	out(e, "static const struct brt_pick %s__picks[] = {\n", e->P);
	for (int i = 0; i < p->picks.n; i++) {
		struct ir_pick *pk = IR_AT(p->picks, struct ir_pick, i);
		out(e, "\t{ /* %d: %s:%d */\n", i, comment_safe(e, pk->act->loc.file),
		    pk->act->loc.line);
		out(e, "\t\t.name = %s,\n", cstr(e, pk->act->name));
		out(e, "\t\t.nmsgs = %d,\n\t\t.msgs = %s__pickmsgs_%d,\n",
		    pk->nmsgs, e->P, i);
		if (pk->nalarms)
			out(e, "\t\t.nalarms = %d,\n\t\t.alarms = %s__pickalarms_%d,\n",
			    pk->nalarms, e->P, i);
		else
			out(e, "\t\t.nalarms = 0,\n\t\t.alarms = NULL,\n");
		out(e, "\t\t.file = %s,\n", cstr(e, pk->act->loc.file));
		out(e, "\t\t.line = %d,\n", pk->act->loc.line);
		out(e, "\t},\n");
	}
	out(e, "};\n\n");
}

static void emit_scopes(struct emitter *e)
{
	struct ir_program *p = e->p;
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		if (!sc->ncatches)
			continue;
		out(e, "static const struct brt_catch %s__catches_%d[] = {\n",
		    e->P, i);
		for (int j = 0; j < sc->ncatches; j++) {
			struct ir_catch *ic = &sc->catches[j];
			out(e, "\t{ /* %s:%d */\n", comment_safe(e, ic->c->loc.file),
			    ic->c->loc.line);
			out(e, "\t\t.fault = %s,\n",
			    qname_init(e, ic->c->fault_name));
			out(e, "\t\t.variable = %d,\n", ic->variable);
			out(e, "\t\t.message = %s,\n",
			    msg_ref(e, catch_message(e, ic->c)));
			out(e, "\t\t.element = %s,\n",
			    qname_init(e, ic->c->fault_element));
			out(e, "\t\t.state = %s,\n", state_ref(e, ic->state));
			out(e, "\t},\n");
		}
		out(e, "};\n");
	}
	emit_scope_handlers(e);
	out(e, "static const struct brt_scope %s__scopes[] = {\n", e->P);
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		out(e, "\t{ /* %d: %s:%d */\n", i, comment_safe(e, sc->loc.file),
		    sc->loc.line);
		out(e, "\t\t.name = %s,\n", cstr(e, sc->name));
		out(e, "\t\t.parent = %d,\n", sc->parent);
		out(e, "\t\t.nvars = %d,\n", sc->nvars);
		out(e, "\t\t.ncatches = %d,\n", sc->ncatches);
		if (sc->ncatches)
			out(e, "\t\t.catches = %s__catches_%d,\n", e->P, i);
		else
			out(e, "\t\t.catches = NULL,\n");
		out(e, "\t\t.catch_all = %s,\n",
		    sc->catch_all >= 0 ? state_ref(e, sc->catch_all) : "-1");
		out(e, "\t\t.compensation = %s,\n",
		    sc->compensation >= 0 ? state_ref(e, sc->compensation) : "-1");
		out(e, "\t\t.termination = %s,\n",
		    sc->termination >= 0 ? state_ref(e, sc->termination) : "-1");
		out(e, "\t\t.exit_on_standard_fault = %s,\n",
		    bool_s(sc->exit_on_standard_fault));
		out(e, "\t\t.isolated = %s,\n", bool_s(sc->isolated));
		if (sc->nevents)
			out(e, "\t\t.nevents = %d,\n\t\t.events = %s__events_%d,\n",
			    sc->nevents, e->P, i);
		if (sc->nalarms)
			out(e, "\t\t.nalarms = %d,\n\t\t.alarms = %s__alarms_%d,\n",
			    sc->nalarms, e->P, i);
		out(e, "\t},\n");
	}
	out(e, "};\n\n");
}

static void emit_vars(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->vars.n)
		return;
	out(e, "static const struct brt_variable %s__vars[] = {\n", e->P);
	for (int i = 0; i < p->vars.n; i++) {
		struct ir_var *iv = IR_AT(p->vars, struct ir_var, i);
		struct bpel_variable *v = iv->v;
		const char *kind = v->message || v->message_type.local
					   ? "BRT_VAR_MESSAGE"
				   : v->element.local ? "BRT_VAR_ELEMENT"
						      : "BRT_VAR_TYPE";
		out(e, "\t{ /* %d: %s:%d */\n", i, comment_safe(e, v->loc.file),
		    v->loc.line);
		out(e, "\t\t.name = %s,\n", cstr(e, v->name));
		out(e, "\t\t.scope = %d,\n", iv->scope);
		out(e, "\t\t.slot = %d,\n", iv->slot);
		out(e, "\t\t.kind = %s,\n", kind);
		out(e, "\t\t.message = %s,\n", msg_ref(e, v->message));
		out(e, "\t\t.element = %s,\n", qname_init(e, v->element));
		out(e, "\t\t.type = %s,\n", qname_init(e, v->type));
		out(e, "\t\t.xsd = %s,\n", xsd_kind(v->kind));
		out(e, "\t\t.init = %d,\n", iv->init);
		out(e, "\t},\n");
	}
	out(e, "};\n\n");
}

/* The in-scope namespaces of an expression's element, as the body of a
 * brt_ns array; identical lists are shared. Returns the list index, -1
 * for none. */
static int ns_list(struct emitter *e, xmlNodePtr node, int *count)
{
	*count = 0;
	if (!node || !node->doc)
		return -1;
	xmlNsPtr *list = xmlGetNsList(node->doc, node);
	if (!list)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; list[i]; i++) {
		const char *prefix = (const char *)list[i]->prefix;
		strbuf_printf(&sb, "\t{ %s, %s },\n", cstr(e, prefix ? prefix : ""),
			      cstr(e, (const char *)list[i]->href));
		(*count)++;
	}
	xmlFree(list);
	if (*count == 0) {
		strbuf_free(&sb);
		return -1;
	}
	for (int i = 0; i < e->nslist.n; i++)
		if (strcmp(IR_AT(e->nslist, const char, i), sb.buf) == 0) {
			strbuf_free(&sb);
			return i;
		}
	ir_vec_push(e->a, &e->nslist, arena_strdup(e->a, sb.buf));
	strbuf_free(&sb);
	out(e, "static const struct brt_ns %s__ns_%d[] = {\n%s};\n", e->P,
	    e->nslist.n - 1, IR_AT(e->nslist, const char, e->nslist.n - 1));
	return e->nslist.n - 1;
}

static void emit_exprs(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->exprs.n)
		return;
	int *nsidx = ARENA_ARRAY(e->a, int, p->exprs.n);
	int *nscount = ARENA_ARRAY(e->a, int, p->exprs.n);
	for (int i = 0; i < p->exprs.n; i++) {
		struct ir_expr *x = IR_AT(p->exprs, struct ir_expr, i);
		nsidx[i] = ns_list(e, x->node, &nscount[i]);
		if (!x->nrefs)
			continue;
		out(e, "static const struct brt_varref %s__refs_%d[] = {\n", e->P, i);
		for (int j = 0; j < x->nrefs; j++)
			out(e, "\t{ .name = %s, .var = %d, .part = %d%s },\n",
			    cstr(e, x->refs[j].name), x->refs[j].var,
			    x->refs[j].part,
			    x->refs[j].is_link ? ", .is_link = true" : "");
		out(e, "};\n");
	}
	out(e, "static const struct brt_expr %s__exprs[] = {\n", e->P);
	for (int i = 0; i < p->exprs.n; i++) {
		struct ir_expr *x = IR_AT(p->exprs, struct ir_expr, i);
		out(e, "\t{ /* %d */\n", i);
		line_src(e, &x->loc);
		out(e, "\t\t.text = %s,\n", cstr(e, x->text));
		line_back(e);
		out(e, "\t\t.file = %s,\n", cstr(e, x->loc.file));
		out(e, "\t\t.line = %d,\n", x->loc.line);
		out(e, "\t\t.nns = %d,\n", nscount[i]);
		if (nsidx[i] >= 0)
			out(e, "\t\t.ns = %s__ns_%d,\n", e->P, nsidx[i]);
		else
			out(e, "\t\t.ns = NULL,\n");
		out(e, "\t\t.nrefs = %d,\n", x->nrefs);
		if (x->nrefs)
			out(e, "\t\t.refs = %s__refs_%d,\n", e->P, i);
		else
			out(e, "\t\t.refs = NULL,\n");
		out(e, "\t},\n");
	}
	out(e, "};\n\n");
}

static void emit_literals(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->literals.n)
		return;
	out(e, "static const char *const %s__literals[] = {\n", e->P);
	for (int i = 0; i < p->literals.n; i++) {
		out(e, "\t/* %d */\n", i);
		out_text_lines(e, IR_AT(p->literals, const char, i), "\t");
		out(e, ",\n");
	}
	out(e, "};\n\n");
}

static void emit_correlation(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (p->properties.n) {
		out(e, "static const struct brt_property %s__properties[] = {\n",
		    e->P);
		for (int i = 0; i < p->properties.n; i++) {
			struct vprop_property *pr =
				IR_AT(p->properties, struct vprop_property, i);
			out(e, "\t{ .name = %s, .kind = %s }, /* %d */\n",
			    qname_init(e, pr->name), xsd_kind(pr->kind), i);
		}
		out(e, "};\n\n");
	}
	if (p->aliases.n) {
		out(e, "static const struct brt_alias %s__aliases[] = {\n", e->P);
		for (int i = 0; i < p->aliases.n; i++) {
			struct ir_alias *ia = IR_AT(p->aliases, struct ir_alias, i);
			out(e, "\t{ /* %s:%d */\n", comment_safe(e, ia->al->loc.file),
			    ia->al->loc.line);
			out(e, "\t\t.property = %d,\n", ia->property);
			out(e, "\t\t.message = %s,\n", msg_ref(e, ia->al->message));
			out(e, "\t\t.part = %s,\n", cstr(e, ia->al->part));
			out(e, "\t\t.element = %s,\n", qname_init(e, ia->al->element));
			out(e, "\t\t.type = %s,\n", qname_init(e, ia->al->type));
			out(e, "\t\t.query = %d,\n", ia->query);
			out(e, "\t},\n");
		}
		out(e, "};\n\n");
	}
	if (!p->corrsets.n)
		return;
	for (int i = 0; i < p->corrsets.n; i++) {
		struct bpel_corr_set *cs = IR_AT(p->corrsets, struct ir_corrset, i)->cs;
		if (!cs->properties)
			continue;
		out(e, "static const int %s__csprops_%d[] = {", e->P, i);
		for (struct bpel_property_ref *r = cs->properties; r; r = r->next)
			out(e, " %d,", ir_vec_find(&p->properties, r->property));
		out(e, " };\n");
	}
	out(e, "static const struct brt_correlation_set %s__corrsets[] = {\n",
	    e->P);
	for (int i = 0; i < p->corrsets.n; i++) {
		struct ir_corrset *ic = IR_AT(p->corrsets, struct ir_corrset, i);
		int n = 0;
		for (struct bpel_property_ref *r = ic->cs->properties; r; r = r->next)
			n++;
		out(e, "\t{ .name = %s, .scope = %d, .nprops = %d, .props = ",
		    cstr(e, ic->cs->name), ic->scope, n);
		if (n)
			out(e, "%s__csprops_%d },\n", e->P, i);
		else
			out(e, "NULL },\n");
	}
	out(e, "};\n\n");
}

static const char *const from_kinds[] = {
	[BPEL_FROM_VAR] = "BRT_FROM_VAR",
	[BPEL_FROM_EXPR] = "BRT_FROM_EXPR",
	[BPEL_FROM_LITERAL] = "BRT_FROM_LITERAL",
	[BPEL_FROM_PLINK] = "BRT_FROM_PLINK",
	[BPEL_FROM_PROPERTY] = "BRT_FROM_PROPERTY",
	[BPEL_FROM_EMPTY] = "BRT_FROM_VAR",
};

static const char *const to_kinds[] = {
	[BPEL_TO_VAR] = "BRT_TO_VAR",
	[BPEL_TO_EXPR] = "BRT_TO_EXPR",
	[BPEL_TO_PLINK] = "BRT_TO_PLINK",
	[BPEL_TO_PROPERTY] = "BRT_TO_PROPERTY",
	[BPEL_TO_EMPTY] = "BRT_TO_VAR",
};

static void emit_assigns(struct emitter *e)
{
	struct ir_program *p = e->p;
	for (int i = 0; i < p->assigns.n; i++) {
		struct ir_assign *as = IR_AT(p->assigns, struct ir_assign, i);
		if (!as->ncopies)
			continue;
		out(e, "static const struct brt_copy %s__copies_%d[] = {\n", e->P, i);
		for (int j = 0; j < as->ncopies; j++) {
			struct ir_copy *c = &as->copies[j];
			enum bpel_from_kind fk = c->from ? c->from->kind
							 : BPEL_FROM_EMPTY;
			bool my_role = c->from && c->from->endpoint &&
				       strcmp(c->from->endpoint, "myRole") == 0;
			out(e, "\t{ /* %s:%d */\n", comment_safe(e, c->loc.file),
			    c->loc.line);
			out(e,
			    "\t\t.from = { .kind = %s, .var = %d, .part = %d, "
			    ".query = %d, .expr = %d, .literal = %d,\n"
			    "\t\t\t.plink = %d, .my_role = %s, .property = %d },\n",
			    from_kinds[fk], c->from_var, c->from_part,
			    c->from_query, c->from_expr, c->from_literal,
			    c->from_plink, bool_s(my_role), c->from_property);
			out(e,
			    "\t\t.to = { .kind = %s, .var = %d, .part = %d, "
			    ".query = %d, .expr = %d,\n"
			    "\t\t\t.plink = %d, .property = %d },\n",
			    to_kinds[c->to_kind], c->to_var, c->to_part,
			    c->to_query, c->to_expr, c->to_plink, c->to_property);
			out(e, "\t\t.keep_src_element_name = %s,\n",
			    bool_s(c->c && c->c->keep_src_element_name));
			out(e, "\t\t.ignore_missing_from_data = %s,\n",
			    bool_s(c->c && c->c->ignore_missing_from_data));
			out(e, "\t\t.line = %d,\n", c->loc.line);
			out(e, "\t},\n");
		}
		out(e, "};\n");
	}
	if (!p->assigns.n)
		return;
	out(e, "static const struct brt_assign %s__assigns[] = {\n", e->P);
	for (int i = 0; i < p->assigns.n; i++) {
		struct ir_assign *as = IR_AT(p->assigns, struct ir_assign, i);
		out(e, "\t{ /* %d */\n", i);
		out(e, "\t\t.name = %s,\n",
		    cstr(e, as->act ? as->act->name
				    : as->init_of ? as->init_of->name : NULL));
		out(e, "\t\t.ncopies = %d,\n", as->ncopies);
		if (as->ncopies)
			out(e, "\t\t.copies = %s__copies_%d,\n", e->P, i);
		else
			out(e, "\t\t.copies = NULL,\n");
		out(e, "\t\t.validate = %s,\n", bool_s(as->act && as->act->validate));
		out(e, "\t\t.file = %s,\n", cstr(e, as->loc.file));
		out(e, "\t\t.line = %d,\n", as->loc.line);
		out(e, "\t},\n");
	}
	out(e, "};\n\n");
}

/* <validate> variable lists and the expressions known to fault
 * (lower_data.c, xpath2.c); returns how many validates there are and
 * whether an error table was written. */
static int emit_data_tables(struct emitter *e, bool *has_errors)
{
	struct ir_program *p = e->p;
	int nval = 0;
	for (int i = 0; i < p->assigns.n; i++) {
		struct ir_assign *as = IR_AT(p->assigns, struct ir_assign, i);
		if (!as->nvalidate)
			continue;
		out(e, "static const int %s__validate_%d[] = {", e->P, i);
		for (int j = 0; j < as->nvalidate; j++)
			out(e, " %d,", as->validate_vars[j]);
		out(e, " };\n");
		nval++;
	}
	if (nval) {
		out(e, "static const struct brt_validate %s__validates[] = {\n",
		    e->P);
		for (int i = 0; i < p->assigns.n; i++) {
			struct ir_assign *as =
				IR_AT(p->assigns, struct ir_assign, i);
			if (as->nvalidate)
				out(e, "\t{ .assign = %d, .nvars = %d, "
				       ".vars = %s__validate_%d },\n",
				    i, as->nvalidate, e->P, i);
		}
		out(e, "};\n\n");
	}
	*has_errors = false;
	for (int i = 0; i < p->exprs.n; i++)
		*has_errors |= IR_AT(p->exprs, struct ir_expr, i)->error != NULL;
	if (*has_errors) {
		out(e, "static const char *const %s__expr_errors[] = {\n", e->P);
		for (int i = 0; i < p->exprs.n; i++) {
			struct ir_expr *x = IR_AT(p->exprs, struct ir_expr, i);
			out(e, "\t%s, /* %d */\n", cstr(e, x->error), i);
		}
		out(e, "};\n\n");
	}
	return nval;
}

/* Embedded schemas and stylesheets (lower_data.c). */
static void emit_embeds(struct emitter *e, const struct ir_vec *v,
			const char *name)
{
	if (!v->n)
		return;
	out(e, "static const struct brt_embed %s__%s[] = {\n", e->P, name);
	for (int i = 0; i < v->n; i++) {
		struct ir_embed *x = IR_AT(*v, struct ir_embed, i);
		out(e, "\t{ /* %d */\n\t\t.uri = %s,\n\t\t.ns = %s,\n", i,
		    cstr(e, x->uri), cstr(e, x->ns));
		if (x->text) {
			out(e, "\t\t.text =\n");
			out_text_lines(e, x->text, "\t\t");
			out(e, ",\n");
		} else {
			out(e, "\t\t.text = NULL,\n");
		}
		out(e, "\t},\n");
	}
	out(e, "};\n\n");
}

static const char *const initiates[] = { "BRT_INIT_NO", "BRT_INIT_YES",
					 "BRT_INIT_JOIN" };
static const char *const patterns[] = { "BRT_PAT_NONE", "BRT_PAT_REQUEST",
					"BRT_PAT_RESPONSE",
					"BRT_PAT_REQUEST_RESPONSE" };

/* Per-activity arrays of a messaging descriptor; returns their names
 * ("NULL" when empty) through the out parameters. */
static void emit_msg_arrays(struct emitter *e, const struct ir_msg_act *m,
			    const char **corr, const char **from,
			    const char **to)
{
	*corr = *from = *to = "NULL";
	if (m->ncorr) {
		int n = e->serial++;
		out(e, "static const struct brt_correlation %s__corr_%d[] = {\n",
		    e->P, n);
		for (int i = 0; i < m->ncorr; i++)
			out(e, "\t{ .set = %d, .initiate = %s, .pattern = %s },\n",
			    m->corr[i].set, initiates[m->corr[i].initiate],
			    patterns[m->corr[i].pattern]);
		out(e, "};\n");
		*corr = arena_printf(e->a, "%s__corr_%d", e->P, n);
	}
	const struct ir_part_map *lists[2] = { m->parts, m->to_parts };
	int counts[2] = { m->nparts, m->nto };
	const char **names[2] = { from, to };
	for (int k = 0; k < 2; k++) {
		if (!counts[k])
			continue;
		int n = e->serial++;
		out(e, "static const struct brt_part_map %s__partmap_%d[] = {\n",
		    e->P, n);
		for (int i = 0; i < counts[k]; i++)
			out(e, "\t{ .part = %s, .var = %d },\n",
			    cstr(e, lists[k][i].part), lists[k][i].var);
		out(e, "};\n");
		*names[k] = arena_printf(e->a, "%s__partmap_%d", e->P, n);
	}
}

static void emit_messaging(struct emitter *e)
{
	struct ir_program *p = e->p;
	struct ir_vec *lists[3] = { &p->receives, &p->replies, &p->invokes };
	const char *types[3] = { "brt_receive", "brt_reply", "brt_invoke" };
	const char *tables[3] = { "receives", "replies", "invokes" };
	for (int k = 0; k < 3; k++) {
		struct ir_vec *v = lists[k];
		if (!v->n)
			continue;
		const char **corr = ARENA_ARRAY(e->a, const char *, v->n);
		const char **from = ARENA_ARRAY(e->a, const char *, v->n);
		const char **to = ARENA_ARRAY(e->a, const char *, v->n);
		for (int i = 0; i < v->n; i++)
			emit_msg_arrays(e, IR_AT(*v, struct ir_msg_act, i), &corr[i],
					&from[i], &to[i]);
		out(e, "static const struct %s %s__%s[] = {\n", types[k], e->P,
		    tables[k]);
		for (int i = 0; i < v->n; i++) {
			struct ir_msg_act *m = IR_AT(*v, struct ir_msg_act, i);
			struct bpel_activity *a = m->act;
			struct wsdl_binding *b = k == 2 ? partner_binding(a->plink)
							: my_binding(a->plink);
			out(e, "\t{ /* %d: %s:%d */\n", i, comment_safe(e, a->loc.file),
			    a->loc.line);
			out(e, "\t\t.name = %s,\n", cstr(e, a->name));
			out(e, "\t\t.plink = %d,\n", m->plink);
			out(e, "\t\t.op = %s,\n", op_ref(e, a->operation, b));
			if (k == 2) {
				out(e, "\t\t.in_var = %d,\n", m->var);
				out(e, "\t\t.out_var = %d,\n", m->out_var);
			} else {
				out(e, "\t\t.var = %d,\n", m->var);
				out(e, "\t\t.mex = %s,\n", cstr(e, a->message_exchange));
			}
			if (k == 0)
				out(e, "\t\t.create_instance = %s,\n",
				    bool_s(a->create_instance));
			if (k < 2 && m->mex_scope > 0)
				out(e, "\t\t.mex_scope = %d,\n", m->mex_scope);
			if (k == 1)
				out(e, "\t\t.fault = %s,\n", qname_init(e, a->fault_name));
			out(e, "\t\t.ncorr = %d,\n", m->ncorr);
			out(e, "\t\t.corr = %s,\n", corr[i]);
			if (k == 0) {
				out(e, "\t\t.nparts = %d,\n", m->nparts);
				out(e, "\t\t.parts = %s,\n", from[i]);
			} else if (k == 1) {
				out(e, "\t\t.nparts = %d,\n", m->nto);
				out(e, "\t\t.parts = %s,\n", to[i]);
			} else {
				out(e, "\t\t.nto = %d,\n", m->nto);
				out(e, "\t\t.to_parts = %s,\n", to[i]);
				out(e, "\t\t.nfrom = %d,\n", m->nparts);
				out(e, "\t\t.from_parts = %s,\n", from[i]);
			}
			out(e, "\t\t.file = %s,\n", cstr(e, a->loc.file));
			out(e, "\t\t.line = %d,\n", a->loc.line);
			out(e, "\t},\n");
		}
		out(e, "};\n\n");
	}
	int nstarts = 0;
	for (int i = 0; i < p->receives.n; i++)
		if (IR_AT(p->receives, struct ir_msg_act, i)->act->create_instance)
			nstarts++;
	if (!nstarts)
		return;
	out(e, "static const struct brt_receive *const %s__starts[] = {\n", e->P);
	for (int i = 0; i < p->receives.n; i++)
		if (IR_AT(p->receives, struct ir_msg_act, i)->act->create_instance)
			out(e, "\t&%s__receives[%d],\n", e->P, i);
	out(e, "};\n\n");
}

/* ---- states and steps ------------------------------------------------- */

static void emit_state_enum(struct emitter *e)
{
	struct ir_program *p = e->p;
	out(e, "enum %s_state {\n", e->P);
	out(e, "\t%s_S_START = BRT_S_START,\n", e->U);
	out(e, "\t%s_S_DONE = BRT_S_DONE,\n", e->U);
	out(e, "\t%s_S_FAULTED = BRT_S_FAULTED,\n", e->U);
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		out(e, "\t%s%s, /* %s:%d %s%s */\n", state_ref(e, st->id),
		    i == 0 ? " = BRT_S_FIRST" : "", comment_safe(e, st->loc.file),
		    st->loc.line, element_of(e, st->act),
		    st->suffix ? arena_printf(e->a, " (%s)", st->suffix) : "");
	}
	out(e, "};\n\n");
}

static void emit_state_names(struct emitter *e)
{
	struct ir_program *p = e->p;
	out(e, "static const char *const %s__state_names[] = {\n", e->P);
	out(e, "\t\"START\",\n\t\"DONE\",\n\t\"FAULTED\",\n");
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		const char *name = arena_printf(e->a, "S_%s (%s:%d)",
						emit_names_upper(e->a, st->cname),
						st->loc.file ? st->loc.file : "?",
						st->loc.line);
		out(e, "\t%s,\n", cstr(e, name));
	}
	out(e, "};\n\n");
}

static void set_state(struct emitter *e, int id)
{
	out(e, "\tbrt_strand_set_state(s, %s);\n", state_ref(e, id));
}

/* `static const int name[] = { … };` for a non-empty list. */
static void int_array(struct emitter *e, const char *name, int n,
		      const int *v)
{
	if (!n)
		return;
	out(e, "\tstatic const int %s[] = {", name);
	for (int i = 0; i < n; i++)
		out(e, "%s%d", i ? ", " : " ", v[i]);
	out(e, " };\n");
}

/* LINKS_IN/OUT/KILL: the activity's link lists as static data of its
 * step (lower_links.c made them). */
static void emit_links_step(struct emitter *e, struct ir_state *st)
{
	const struct ir_links *lk = st->links;
	const char *name = cstr(e, st->act ? st->act->name : NULL);
	if (st->kind == IR_LINKS_KILL) {
		int_array(e, "links", lk->nkill, lk->kill);
		set_state(e, st->next);
		out(e, "\treturn brt_links_kill(s, %d, %s);\n", lk->nkill,
		    lk->nkill ? "links" : "NULL");
		return;
	}
	if (st->kind == IR_LINKS_OUT) {
		out(e, "\tstatic const struct brt_link_source sources[] = {\n");
		for (int i = 0; i < lk->nsources; i++)
			out(e, "\t\t{ .link = %d, .expr = %d },\n",
			    lk->sources[i].link, lk->sources[i].expr);
		out(e, "\t};\n");
		out(e, "\tstatic const struct brt_links l = {\n");
		out(e, "\t\t.name = %s,\n", name);
		out(e, "\t\t.nsources = %d,\n\t\t.sources = sources,\n",
		    lk->nsources);
		out(e, "\t};\n\n");
		set_state(e, st->next);
		out(e, "\treturn brt_links_fire(s, &l);\n");
		return;
	}
	int_array(e, "targets", lk->ntargets, lk->targets);
	int_array(e, "dead", lk->ndead, lk->dead);
	out(e, "\tstatic const struct brt_links l = {\n");
	out(e, "\t\t.name = %s,\n", name);
	out(e, "\t\t.ntargets = %d,\n\t\t.targets = targets,\n",
	    lk->ntargets);
	out(e, "\t\t.join = %d,\n", lk->join);
	out(e, "\t\t.suppress = %s,\n", bool_s(lk->suppress));
	out(e, "\t\t.run = %s,\n", state_ref(e, st->next));
	out(e, "\t\t.skip = %s,\n", state_ref(e, st->branches[0].state));
	out(e, "\t\t.ndead = %d,\n\t\t.dead = %s,\n", lk->ndead,
	    lk->ndead ? "dead" : "NULL");
	out(e, "\t};\n\n");
	out(e, "\treturn brt_links_join(s, &l);\n");
}

/* FOREACH: its descriptor names the child scope and body through the
 * child's SCOPE step (lower_foreach.c). */
static void emit_foreach_step(struct emitter *e, struct ir_state *st)
{
	const struct ir_foreach *fe = st->fe;
	struct ir_state *sc = st->nbranches
				      ? ir_state_get(e->p, st->branches[0].state)
				      : NULL;
	if (!sc || sc->kind != IR_SCOPE || !sc->nbranches) {
		set_state(e, st->next);
		out(e, "\treturn BRT_STEP_NEXT; /* no child scope */\n");
		return;
	}
	out(e, "\tstatic const struct brt_foreach f = {\n");
	out(e, "\t\t.name = %s,\n", cstr(e, st->act ? st->act->name : NULL));
	out(e, "\t\t.start = %d,\n\t\t.final = %d,\n\t\t.branches = %d,\n",
	    fe->start, fe->final, fe->branches);
	out(e, "\t\t.successful_only = %s,\n", bool_s(fe->successful_only));
	out(e, "\t\t.parallel = %s,\n", bool_s(fe->parallel));
	out(e, "\t\t.scope = %d,\n", sc->desc);
	out(e, "\t\t.body = %s,\n", state_ref(e, sc->branches[0].state));
	out(e, "\t\t.counter = %d,\n", fe->counter);
	out(e, "\t\t.next = %s,\n", state_ref(e, st->next));
	out(e, "\t};\n\n");
	out(e, "\treturn brt_foreach(s, &f);\n");
}

static void emit_step_body(struct emitter *e, struct ir_state *st)
{
	switch (st->kind) {
	case IR_EMPTY:
		set_state(e, st->next);
		out(e, "\treturn BRT_STEP_NEXT;\n");
		break;
	case IR_RECEIVE:
		set_state(e, st->next);
		out(e, "\treturn brt_receive(s, &%s__receives[%d]);\n", e->P, st->desc);
		break;
	case IR_REPLY:
		set_state(e, st->next);
		out(e, "\treturn brt_reply(s, &%s__replies[%d]);\n", e->P, st->desc);
		break;
	case IR_INVOKE:
		set_state(e, st->next);
		out(e, "\treturn brt_invoke(s, &%s__invokes[%d]);\n", e->P, st->desc);
		break;
	case IR_ASSIGN:
		set_state(e, st->next);
		out(e, "\treturn brt_assign(s, &%s__assigns[%d]);\n", e->P, st->desc);
		break;
	case IR_WAIT:
		set_state(e, st->next);
		out(e, "\treturn brt_wait(s, %d, %s);\n", st->expr, bool_s(st->is_until));
		break;
	case IR_THROW:
		out(e, "\tstatic const struct brt_qname fault = %s;\n\n",
		    qname_init(e, st->fault));
		set_state(e, st->next);
		out(e, "\treturn brt_throw(s, &fault, %d);\n", st->desc);
		break;
	case IR_RETHROW:
		set_state(e, st->next);
		out(e, "\treturn brt_rethrow(s);\n");
		break;
	case IR_EXIT:
		set_state(e, st->next);
		out(e, "\treturn brt_exit(s);\n");
		break;
	case IR_BRANCH: {
		bool any = false;
		for (int i = 0; i < st->nbranches; i++)
			any |= st->branches[i].expr >= 0;
		if (any)
			out(e, "\tbool c = false;\n\tenum brt_step r;\n\n");
		for (int i = 0; i < st->nbranches; i++) {
			struct ir_branch *b = &st->branches[i];
			if (b->expr < 0)
				continue;
			out(e, "\tr = brt_eval_bool(s, %d, &c);\n", b->expr);
			out(e, "\tif (r != BRT_STEP_NEXT)\n\t\treturn r;\n");
			out(e, "\tif (c) {\n\t");
			set_state(e, b->state);
			out(e, "\t\treturn BRT_STEP_NEXT;\n\t}\n");
		}
		set_state(e, st->next);
		out(e, "\treturn BRT_STEP_NEXT;\n");
		break;
	}
	case IR_FLOW:
		if (st->nbranches) {
			out(e, "\tstatic const int branches[] = {\n");
			for (int i = 0; i < st->nbranches; i++)
				out(e, "\t\t%s,\n", state_ref(e, st->branches[i].state));
			out(e, "\t};\n\n");
		}
		set_state(e, st->next);
		if (st->links && st->links->nlinks)
			out(e, "\treturn brt_flow_links(s, %d, %s, %d, %d);\n",
			    st->nbranches, st->nbranches ? "branches" : "NULL",
			    st->links->first, st->links->nlinks);
		else if (st->nbranches)
			out(e, "\treturn brt_flow(s, %d, branches);\n", st->nbranches);
		else
			out(e, "\treturn BRT_STEP_NEXT;\n");
		break;
	case IR_SCOPE:
		set_state(e, st->next);
		out(e, "\treturn brt_scope(s, %d, %s);\n", st->desc,
		    state_ref(e, st->branches[0].state));
		break;
	case IR_LINKS_IN:
	case IR_LINKS_OUT:
	case IR_LINKS_KILL:
		emit_links_step(e, st);
		break;
	case IR_FOREACH:
		emit_foreach_step(e, st);
		break;
	case IR_PICK:
		out(e, "\treturn brt_pick(s, &%s__picks[%d]);\n", e->P, st->desc);
		break;
	case IR_COMPENSATE:
		set_state(e, st->next);
		out(e, "\treturn brt_compensate(s);\n");
		break;
	case IR_COMPENSATE_SCOPE:
		set_state(e, st->next);
		out(e, "\treturn brt_compensate_scope(s, %d);\n", st->desc);
		break;
	case IR__COUNT:
		break;
	}
}

static void emit_steps(struct emitter *e)
{
	struct ir_program *p = e->p;
	out(e, "/* A new instance's root strand: the process's activity. */\n");
	out(e, "static enum brt_step %s__start(brt_strand *s)\n{\n", e->P);
	set_state(e, p->start_entry);
	out(e, "\treturn BRT_STEP_NEXT;\n}\n\n");
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		out(e, "/* %s:%d %s%s */\n", comment_safe(e, st->loc.file),
		    st->loc.line, element_of(e, st->act),
		    st->suffix ? arena_printf(e->a, " (%s)", st->suffix) : "");
		line_src(e, &st->loc);
		out(e, "static enum brt_step %s_%s(brt_strand *s)\n{\n", e->P,
		    st->cname);
		emit_step_body(e, st);
		out(e, "}\n");
		line_back(e);
		out(e, "\n");
	}
	out(e, "static enum brt_step %s__step(brt_strand *s)\n{\n", e->P);
	out(e, "\tswitch (brt_strand_state(s)) {\n");
	out(e, "\tcase %s_S_START:\n\t\treturn %s__start(s);\n", e->U, e->P);
	out(e, "\tcase %s_S_DONE:\n\t\treturn BRT_STEP_END;\n", e->U);
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		out(e, "\tcase %s:\n\t\treturn %s_%s(s);\n", state_ref(e, st->id),
		    e->P, st->cname);
	}
	out(e, "\tdefault:\n\t\treturn brt_strand_bad_state(s);\n\t}\n}\n\n");
}

static void emit_process(struct emitter *e)
{
	struct ir_program *p = e->p;
	const struct bpel_process *bp = p->m->process;
	int nstarts = 0;
	for (int i = 0; i < p->receives.n; i++)
		if (IR_AT(p->receives, struct ir_msg_act, i)->act->create_instance)
			nstarts++;
#define TABLE(n, name)                                                       \
	do {                                                                 \
		out(e, "\t.n" #name " = %d,\n", (n));                        \
		if (n)                                                       \
			out(e, "\t." #name " = %s__" #name ",\n", e->P);     \
		else                                                         \
			out(e, "\t." #name " = NULL,\n");                    \
	} while (0)
	out(e, "const struct brt_process %s_process = {\n", e->P);
	out(e, "\t.name = %s,\n", cstr(e, p->name));
	out(e, "\t.qname = { %s, %s },\n", cstr(e, bp->tns), cstr(e, p->name));
	out(e, "\t.build_id = \"" BUILD_ID_PLACEHOLDER "\",\n");
	out(e, "\t.source = %s,\n", cstr(e, bp->path));
	TABLE(p->scopes.n, scopes);
	TABLE(p->vars.n, vars);
	TABLE(p->plinks.n, plinks);
	TABLE(p->exprs.n, exprs);
	TABLE(p->literals.n, literals);
	TABLE(p->properties.n, properties);
	TABLE(p->aliases.n, aliases);
	TABLE(p->corrsets.n, corrsets);
	TABLE(p->assigns.n, assigns);
	TABLE(nstarts, starts);
#undef TABLE
	out(e, "\t.nstates = %d,\n", IR_S_FIRST + p->states.n);
	out(e, "\t.state_names = %s__state_names,\n", e->P);
	out(e, "\t.step = %s__step,\n", e->P);
	if (p->schemas.n)
		out(e, "\t.nschemas = %d,\n\t.schemas = %s__schemas,\n",
		    p->schemas.n, e->P);
	if (p->stylesheets.n)
		out(e, "\t.nstylesheets = %d,\n"
		       "\t.stylesheets = %s__stylesheets,\n",
		    p->stylesheets.n, e->P);
	if (e->nvalidates)
		out(e, "\t.nvalidates = %d,\n\t.validates = %s__validates,\n",
		    e->nvalidates, e->P);
	if (e->has_expr_errors)
		out(e, "\t.expr_errors = %s__expr_errors,\n", e->P);
	out(e, "};\n\n");
	out(e, "int main(int argc, char **argv)\n{\n");
	out(e, "\treturn brt_main(&%s_process, argc, argv);\n}\n", e->P);
}

/* The exported descriptor is declared before its definition so clang's
 * -Wmissing-variable-declarations stays quiet too. */
static void emit_prologue(struct emitter *e)
{
	out(e, "#include <stdbool.h>\n#include <stddef.h>\n\n");
	out(e, "#include <bpelrt.h>\n\n");
	out(e, "extern const struct brt_process %s_process;\n\n", e->P);
}

char *emit_c(struct ir_program *p, const struct emit_options *o)
{
	struct emitter em = { 0 };
	struct emitter *e = &em;
	e->p = p;
	e->o = o;
	e->a = p->a;
	e->P = emit_names_ident(p->a, p->name);
	e->U = emit_names_upper(p->a, e->P);
	emit_names_states(p);
	collect(e);

	emit_prologue(e);
	emit_state_enum(e);
	emit_messages(e);
	emit_operations(e);
	emit_plinks(e);
	emit_scopes(e);
	emit_vars(e);
	emit_exprs(e);
	emit_literals(e);
	emit_correlation(e);
	emit_assigns(e);
	emit_embeds(e, &p->schemas, "schemas");
	emit_embeds(e, &p->stylesheets, "stylesheets");
	e->nvalidates = emit_data_tables(e, &e->has_expr_errors);
	emit_messaging(e);
	emit_picks(e);
	emit_state_names(e);
	emit_steps(e);
	emit_process(e);
	flush(e);
	strbuf_free(&e->cur);

	struct strbuf head = STRBUF_INIT;
	const char *path = p->m->process->path ? p->m->process->path : "?";
	strbuf_printf(&head,
		      "/*\n * Generated by bpelc %s from %s.\n"
		      " * Do not edit: change the process and run bpelc again.\n"
		      " */\n",
		      o->version ? o->version : "?", comment_safe(e, path));
	struct strbuf body = STRBUF_INIT;
	render(e, &body, count_lines(head.buf) + 1);

	char hex[17];
	snprintf(hex, sizeof hex, "%016llx",
		 (unsigned long long)build_hash(body.buf));
	char *ph = strstr(body.buf, BUILD_ID_PLACEHOLDER);
	strbuf_add(&head, body.buf, ph ? (size_t)(ph - body.buf) : body.len);
	if (ph) {
		strbuf_puts(&head, hex);
		strbuf_puts(&head, ph + strlen(BUILD_ID_PLACEHOLDER));
	}
	strbuf_free(&body);
	return strbuf_detach(&head);
}
