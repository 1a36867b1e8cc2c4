/*
 * emit.c — renders the IR as one C file for libbpelrt.
 *
 * Two passes (re2c): the tables and step functions are first written into
 * an output tree of text chunks and `#line` markers, then rendered while
 * counting lines, so a marker that returns to the .c file knows its own
 * line number. The tables (emit_tables.c) come in dependency order
 * (messages, operations, partner links, scopes, variables, expressions,
 * literals, correlation, descriptors), each in document order; then this
 * file writes one static function per step, the step switch, the
 * exported `<proc>_process` and main().
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
#include "emit_int.h"
#include "resolve.h"
#include "strbuf.h"

enum chunk_kind { CHUNK_TEXT, CHUNK_LINE_SRC, CHUNK_LINE_BACK };

struct chunk {
	enum chunk_kind kind;
	const char *text; /* CHUNK_TEXT */
	const char *file; /* CHUNK_LINE_SRC */
	int line;
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

void emit_out(struct emitter *e, const char *fmt, ...)
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

void emit_line_src(struct emitter *e, const struct loc *loc)
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

void emit_line_back(struct emitter *e)
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
 * line in the whole file. Text between a CHUNK_LINE_SRC and the next
 * CHUNK_LINE_BACK comes from the process: each of its non-blank lines gets
 * its own `#line`, so every one of them maps to that source line (a single
 * directive would map the lines after it to the lines after L, which
 * belong to other activities). CHUNK_LINE_BACK returns to this file, once,
 * when a directive was written. */
static void render(struct emitter *e, struct strbuf *sb, int first_line)
{
	int line = first_line; /* number of the line about to be written */
	const char *out_name = e->o->out_name ? e->o->out_name : "out.c";
	const struct chunk *src = NULL; /* the source mode, or NULL */
	bool away = false;		/* a source #line is in force */
	for (int i = 0; i < e->chunks.n; i++) {
		const struct chunk *c = IR_AT(e->chunks, struct chunk, i);
		switch (c->kind) {
		case CHUNK_TEXT:
			if (!src) {
				strbuf_puts(sb, c->text);
				line += count_lines(c->text);
				break;
			}
			for (const char *p = c->text; *p;) {
				const char *eol = strchr(p, '\n');
				size_t n = eol ? (size_t)(eol - p + 1)
					       : strlen(p);
				if (n > 1 || *p != '\n') {
					put_line_directive(sb, src->line,
							   src->file);
					line++;
					away = true;
				}
				strbuf_add(sb, p, n);
				line += eol != NULL;
				p += n;
			}
			break;
		case CHUNK_LINE_SRC:
			src = c;
			break;
		case CHUNK_LINE_BACK:
			src = NULL;
			if (!away)
				break;
			/* the line after this directive is line + 1 */
			put_line_directive(sb, line + 1, out_name);
			line++;
			away = false;
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
const char *emit_cstr(struct emitter *e, const char *s)
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
void emit_text_lines(struct emitter *e, const char *s, const char *indent)
{
	if (!*s) {
		emit_out(e, "%s\"\"", indent);
		return;
	}
	bool first = true;
	while (*s) {
		const char *eol = strchr(s, '\n');
		size_t len = eol ? (size_t)(eol - s) + 1 : strlen(s);
		char *piece = arena_strndup(e->a, s, len);
		emit_out(e, "%s%s", first ? "" : "\n", indent);
		emit_out(e, "%s", emit_cstr(e, piece));
		first = false;
		s += len;
	}
}

const char *emit_qname(struct emitter *e, struct qname q)
{
	if (!q.local)
		return "{ NULL, NULL }";
	return arena_printf(e->a, "{ %s, %s }", emit_cstr(e, q.ns),
			    emit_cstr(e, q.local));
}

static const char *const xsd_kinds[] = { "BRT_XSD_COMPLEX", "BRT_XSD_STRING",
					 "BRT_XSD_NUMBER", "BRT_XSD_BOOLEAN" };

const char *emit_xsd_kind(enum xsd_kind k)
{
	return (unsigned)k < 4 ? xsd_kinds[k] : "BRT_XSD_COMPLEX";
}

const char *emit_bool(bool b)
{
	return b ? "true" : "false";
}

const char *emit_state_ref(struct emitter *e, int id)
{
	switch (id) {
	case IR_S_START:
		return arena_printf(e->a, "%s__S_START", e->U);
	case IR_S_DONE:
		return arena_printf(e->a, "%s__S_DONE", e->U);
	case IR_S_FAULTED:
		return arena_printf(e->a, "%s__S_FAULTED", e->U);
	default: {
		struct ir_state *st = ir_state_get(e->p, id);
		return arena_printf(e->a, "%s_S_%s", e->U,
				    emit_names_upper(e->a, st->cname));
	}
	}
}

/* Text safe inside a C comment. */
const char *emit_comment_safe(struct emitter *e, const char *s)
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
	const char *el = model_element_name(a->kind);
	if (a->name)
		return arena_printf(e->a, "<%s name=\"%s\">", el,
				    emit_comment_safe(e, a->name));
	return arena_printf(e->a, "<%s>", el);
}

/* ---- states and steps ------------------------------------------------- */

static void emit_state_enum(struct emitter *e)
{
	struct ir_program *p = e->p;
	emit_out(e, "enum %s_state {\n", e->P);
	emit_out(e, "\t%s__S_START = BRT_S_START,\n", e->U);
	emit_out(e, "\t%s__S_DONE = BRT_S_DONE,\n", e->U);
	emit_out(e, "\t%s__S_FAULTED = BRT_S_FAULTED,\n", e->U);
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		emit_out(e, "\t%s%s, /* %s:%d %s%s */\n",
			 emit_state_ref(e, st->id),
			 i == 0 ? " = BRT_S_FIRST" : "",
			 emit_comment_safe(e, st->loc.file), st->loc.line,
			 element_of(e, st->act),
			 st->suffix ? arena_printf(e->a, " (%s)", st->suffix)
				    : "");
	}
	emit_out(e, "};\n\n");
}

static void emit_state_names(struct emitter *e)
{
	struct ir_program *p = e->p;
	emit_out(e, "static const char *const %s__state_names[] = {\n", e->P);
	emit_out(e, "\t\"START\",\n\t\"DONE\",\n\t\"FAULTED\",\n");
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		const char *name = arena_printf(
			e->a, "S_%s (%s:%d)", emit_names_upper(e->a, st->cname),
			st->loc.file ? st->loc.file : "?", st->loc.line);
		emit_out(e, "\t%s,\n", emit_cstr(e, name));
	}
	emit_out(e, "};\n\n");
}

/* The statements that follow come from the activity of st (or from the
 * expression `expr`): each of their lines maps to its line in the source.
 * Declarations and static tables stay in the generated file's lines. */
static void at_activity(struct emitter *e, const struct ir_state *st)
{
	emit_line_src(e, &st->loc);
}

static void at_expr(struct emitter *e, int expr)
{
	if (expr >= 0 && expr < e->p->exprs.n)
		emit_line_src(e,
			      &IR_AT(e->p->exprs, struct ir_expr, expr)->loc);
}

/* A C comment holding `what`, to follow a bare table index in a
 * generated call so the call reads without the table: an expression's
 * text (blanks folded, cut at 40 characters), an activity's or scope's
 * name. "" when there is none. */
static const char *note(struct emitter *e, const char *what)
{
	if (!what || !*what)
		return "";
	char buf[48];
	size_t n = 0;
	for (const char *p = what; *p && n < 40; p++) {
		bool blank = *p == ' ' || *p == '\t' || *p == '\n' ||
			     *p == '\r';
		if (blank && (n == 0 || buf[n - 1] == ' '))
			continue;
		buf[n++] = blank ? ' ' : *p;
	}
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	return arena_printf(e->a, " /* %s%s */", emit_comment_safe(e, buf),
			    strlen(what) > 40 ? "..." : "");
}

static const char *expr_note(struct emitter *e, int expr)
{
	if (expr < 0 || expr >= e->p->exprs.n)
		return "";
	return note(e, IR_AT(e->p->exprs, struct ir_expr, expr)->text);
}

static const char *act_note(struct emitter *e, const struct ir_state *st)
{
	return note(e, st->act ? st->act->name : NULL);
}

static void set_state(struct emitter *e, int id)
{
	emit_out(e, "\tbrt_strand_set_state(s, %s);\n", emit_state_ref(e, id));
}

/* `static const int name[] = { … };` for a non-empty list. */
static void int_array(struct emitter *e, const char *name, int n, const int *v)
{
	if (!n)
		return;
	emit_out(e, "\tstatic const int %s[] = {", name);
	for (int i = 0; i < n; i++)
		emit_out(e, "%s%d", i ? ", " : " ", v[i]);
	emit_out(e, " };\n");
}

/* LINKS_IN/OUT/KILL: the activity's link lists as static data of its
 * step (lower_links.c made them). */
static void emit_links_step(struct emitter *e, struct ir_state *st)
{
	const struct ir_links *lk = st->links;
	const char *name = emit_cstr(e, st->act ? st->act->name : NULL);
	if (st->kind == IR_LINKS_KILL) {
		int_array(e, "links", lk->nkill, lk->kill);
		at_activity(e, st);
		set_state(e, st->next);
		emit_out(e, "\treturn brt_links_kill(s, %d, %s);\n", lk->nkill,
			 lk->nkill ? "links" : "NULL");
		return;
	}
	if (st->kind == IR_LINKS_OUT) {
		emit_out(
			e,
			"\tstatic const struct brt_link_source sources[] = {\n");
		for (int i = 0; i < lk->nsources; i++)
			emit_out(e, "\t\t{ .link = %d, .expr = %d },\n",
				 lk->sources[i].link, lk->sources[i].expr);
		emit_out(e, "\t};\n");
		emit_out(e, "\tstatic const struct brt_links l = {\n");
		emit_out(e, "\t\t.name = %s,\n", name);
		emit_out(e, "\t\t.nsources = %d,\n\t\t.sources = sources,\n",
			 lk->nsources);
		emit_out(e, "\t};\n\n");
		at_activity(e, st);
		set_state(e, st->next);
		emit_out(e, "\treturn brt_links_fire(s, &l);\n");
		return;
	}
	int_array(e, "targets", lk->ntargets, lk->targets);
	int_array(e, "dead", lk->ndead, lk->dead);
	emit_out(e, "\tstatic const struct brt_links l = {\n");
	emit_out(e, "\t\t.name = %s,\n", name);
	emit_out(e, "\t\t.ntargets = %d,\n\t\t.targets = targets,\n",
		 lk->ntargets);
	emit_out(e, "\t\t.join = %d,\n", lk->join);
	emit_out(e, "\t\t.suppress = %s,\n", emit_bool(lk->suppress));
	emit_out(e, "\t\t.run = %s,\n", emit_state_ref(e, st->next));
	emit_out(e, "\t\t.skip = %s,\n",
		 emit_state_ref(e, st->branches[0].state));
	emit_out(e, "\t\t.ndead = %d,\n\t\t.dead = %s,\n", lk->ndead,
		 lk->ndead ? "dead" : "NULL");
	emit_out(e, "\t};\n\n");
	at_activity(e, st);
	emit_out(e, "\treturn brt_links_join(s, &l);\n");
}

/* FOREACH: its descriptor names the child scope and body through the
 * child's SCOPE step (lower_foreach.c). */
static void emit_foreach_step(struct emitter *e, struct ir_state *st)
{
	const struct ir_foreach *fe = st->fe;
	struct ir_state *sc =
		st->nbranches ? ir_state_get(e->p, st->branches[0].state)
			      : NULL;
	if (!sc || sc->kind != IR_SCOPE || !sc->nbranches) {
		at_activity(e, st);
		set_state(e, st->next);
		emit_out(e, "\treturn BRT_STEP_NEXT; /* no child scope */\n");
		return;
	}
	emit_out(e, "\tstatic const struct brt_foreach f = {\n");
	emit_out(e, "\t\t.name = %s,\n",
		 emit_cstr(e, st->act ? st->act->name : NULL));
	emit_out(e, "\t\t.start = %d,\n\t\t.final = %d,\n\t\t.branches = %d,\n",
		 fe->start, fe->final, fe->branches);
	emit_out(e, "\t\t.successful_only = %s,\n",
		 emit_bool(fe->successful_only));
	emit_out(e, "\t\t.parallel = %s,\n", emit_bool(fe->parallel));
	emit_out(e, "\t\t.scope = %d,\n", sc->desc);
	emit_out(e, "\t\t.body = %s,\n",
		 emit_state_ref(e, sc->branches[0].state));
	emit_out(e, "\t\t.counter = %d,\n", fe->counter);
	emit_out(e, "\t\t.next = %s,\n", emit_state_ref(e, st->next));
	emit_out(e, "\t};\n\n");
	at_activity(e, st);
	emit_out(e, "\treturn brt_foreach(s, &f);\n");
}

static void emit_step_body(struct emitter *e, struct ir_state *st)
{
	/* Kinds that declare something first say where their statements
	 * start themselves. */
	switch (st->kind) {
	case IR_THROW:
	case IR_BRANCH:
	case IR_FLOW:
	case IR_LINKS_IN:
	case IR_LINKS_OUT:
	case IR_LINKS_KILL:
	case IR_FOREACH:
		break;
	default:
		at_activity(e, st);
		break;
	}
	switch (st->kind) {
	case IR_EMPTY:
		set_state(e, st->next);
		emit_out(e, "\treturn BRT_STEP_NEXT;\n");
		break;
	case IR_RECEIVE:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_receive(s, &%s__receives[%d]%s);\n",
			 e->P, st->desc, act_note(e, st));
		break;
	case IR_REPLY:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_reply(s, &%s__replies[%d]%s);\n",
			 e->P, st->desc, act_note(e, st));
		break;
	case IR_INVOKE:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_invoke(s, &%s__invokes[%d]%s);\n",
			 e->P, st->desc, act_note(e, st));
		break;
	case IR_ASSIGN:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_assign(s, &%s__assigns[%d]%s);\n",
			 e->P, st->desc, act_note(e, st));
		break;
	case IR_WAIT:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_wait(s, %d%s, %s);\n", st->expr,
			 expr_note(e, st->expr), emit_bool(st->is_until));
		break;
	case IR_THROW:
		emit_out(e, "\tstatic const struct brt_qname fault = %s;\n\n",
			 emit_qname(e, st->fault));
		at_activity(e, st);
		set_state(e, st->next);
		emit_out(e, "\treturn brt_throw(s, &fault, %d);\n", st->desc);
		break;
	case IR_RETHROW:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_rethrow(s);\n");
		break;
	case IR_EXIT:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_exit(s);\n");
		break;
	case IR_BRANCH: {
		bool any = false;
		for (int i = 0; i < st->nbranches; i++)
			any |= st->branches[i].expr >= 0;
		if (any)
			emit_out(e,
				 "\tbool c = false;\n\tenum brt_step r;\n\n");
		for (int i = 0; i < st->nbranches; i++) {
			struct ir_branch *b = &st->branches[i];
			if (b->expr < 0)
				continue;
			at_expr(e, b->expr);
			emit_out(e, "\tr = brt_eval_bool(s, %d%s, &c);\n",
				 b->expr, expr_note(e, b->expr));
			emit_out(e,
				 "\tif (r != BRT_STEP_NEXT)\n\t\treturn r;\n");
			at_activity(e, st);
			emit_out(e, "\tif (c) {\n\t");
			set_state(e, b->state);
			emit_out(e, "\t\treturn BRT_STEP_NEXT;\n\t}\n");
		}
		at_activity(e, st);
		set_state(e, st->next);
		emit_out(e, "\treturn BRT_STEP_NEXT;\n");
		break;
	}
	case IR_FLOW:
		if (st->nbranches) {
			emit_out(e, "\tstatic const int branches[] = {\n");
			for (int i = 0; i < st->nbranches; i++)
				emit_out(e, "\t\t%s,\n",
					 emit_state_ref(e,
							st->branches[i].state));
			emit_out(e, "\t};\n\n");
		}
		at_activity(e, st);
		set_state(e, st->next);
		if (st->links && st->links->nlinks)
			emit_out(
				e,
				"\treturn brt_flow_links(s, %d, %s, %d, %d);\n",
				st->nbranches,
				st->nbranches ? "branches" : "NULL",
				st->links->first, st->links->nlinks);
		else if (st->nbranches)
			emit_out(e, "\treturn brt_flow(s, %d, branches);\n",
				 st->nbranches);
		else
			emit_out(e, "\treturn BRT_STEP_NEXT;\n");
		break;
	case IR_SCOPE:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_scope(s, %d%s, %s);\n", st->desc,
			 act_note(e, st),
			 emit_state_ref(e, st->branches[0].state));
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
		emit_out(e, "\treturn brt_pick(s, &%s__picks[%d]%s);\n", e->P,
			 st->desc, act_note(e, st));
		break;
	case IR_COMPENSATE:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_compensate(s);\n");
		break;
	case IR_COMPENSATE_SCOPE:
		set_state(e, st->next);
		emit_out(e, "\treturn brt_compensate_scope(s, %d%s);\n",
			 st->desc, note(e, st->act ? st->act->target : NULL));
		break;
	case IR__COUNT:
		break;
	}
}

static void emit_steps(struct emitter *e)
{
	struct ir_program *p = e->p;
	emit_out(
		e,
		"/* A new instance's root strand: the process's activity. */\n");
	emit_out(e, "static enum brt_step %s__start(brt_strand *s)\n{\n", e->P);
	set_state(e, p->start_entry);
	emit_out(e, "\treturn BRT_STEP_NEXT;\n}\n\n");
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		emit_out(e, "/* %s:%d %s%s */\n",
			 emit_comment_safe(e, st->loc.file), st->loc.line,
			 element_of(e, st->act),
			 st->suffix ? arena_printf(e->a, " (%s)", st->suffix)
				    : "");
		emit_out(e, "static enum brt_step %s_%s(brt_strand *s)\n{\n",
			 e->P, st->cname);
		emit_step_body(e, st);
		emit_line_back(e);
		emit_out(e, "}\n\n");
	}
	emit_out(e, "static enum brt_step %s__step(brt_strand *s)\n{\n", e->P);
	emit_out(e, "\tswitch (brt_strand_state(s)) {\n");
	emit_out(e, "\tcase %s__S_START:\n\t\treturn %s__start(s);\n", e->U,
		 e->P);
	emit_out(e, "\tcase %s__S_DONE:\n\t\treturn BRT_STEP_END;\n", e->U);
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		emit_out(e, "\tcase %s:\n\t\treturn %s_%s(s);\n",
			 emit_state_ref(e, st->id), e->P, st->cname);
	}
	emit_out(e,
		 "\tdefault:\n\t\treturn brt_strand_bad_state(s);\n\t}\n}\n\n");
}

static void emit_process(struct emitter *e)
{
	struct ir_program *p = e->p;
	const struct bpel_process *bp = p->m->process;
	int nstarts = 0;
	for (int i = 0; i < p->receives.n; i++)
		if (IR_AT(p->receives, struct ir_msg_act, i)
			    ->act->create_instance)
			nstarts++;
#define TABLE(n, name)                                                        \
	do {                                                                  \
		emit_out(e, "\t.n" #name " = %d,\n", (n));                    \
		if (n)                                                        \
			emit_out(e, "\t." #name " = %s__" #name ",\n", e->P); \
		else                                                          \
			emit_out(e, "\t." #name " = NULL,\n");                \
	} while (0)
	const struct model *m = p->m;
	if (m->ode && m->node_props) {
		emit_out(e,
			 "static const struct brt_process_prop "
			 "%s__process_props[] = {\n",
			 e->P);
		for (int i = 0; i < m->node_props; i++) {
			struct qname q = { m->ode_props[i].ns,
					   m->ode_props[i].local };
			emit_out(e, "\t{ %s, %s },\n", emit_qname(e, q),
				 emit_cstr(e, m->ode_props[i].xml));
		}
		emit_out(e, "};\n\n");
	}
	emit_out(e, "const struct brt_process %s_process = {\n", e->P);
	emit_out(e, "\t.name = %s,\n", emit_cstr(e, p->name));
	emit_out(e, "\t.qname = { %s, %s },\n", emit_cstr(e, bp->tns),
		 emit_cstr(e, p->name));
	emit_out(e, "\t.build_id = \"" BUILD_ID_PLACEHOLDER "\",\n");
	emit_out(e, "\t.source = %s,\n", emit_cstr(e, bp->path));
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
	emit_out(e, "\t.nstates = %d,\n", IR_S_FIRST + p->states.n);
	emit_out(e, "\t.state_names = %s__state_names,\n", e->P);
	emit_out(e, "\t.step = %s__step,\n", e->P);
	if (p->schemas.n)
		emit_out(e, "\t.nschemas = %d,\n\t.schemas = %s__schemas,\n",
			 p->schemas.n, e->P);
	if (p->stylesheets.n)
		emit_out(e,
			 "\t.nstylesheets = %d,\n"
			 "\t.stylesheets = %s__stylesheets,\n",
			 p->stylesheets.n, e->P);
	if (e->nvalidates)
		emit_out(e,
			 "\t.nvalidates = %d,\n\t.validates = %s__validates,\n",
			 e->nvalidates, e->P);
	if (e->has_expr_errors)
		emit_out(e, "\t.expr_errors = %s__expr_errors,\n", e->P);
	if (e->has_unread)
		emit_out(e, "\t.vars_unread = %s__vars_unread,\n", e->P);
	if (e->nactivities)
		emit_out(e,
			 "\t.nactivities = %d,\n"
			 "\t.activities = %s__activities,\n"
			 "\t.state_activity = %s__state_activity,\n",
			 e->nactivities, e->P, e->P);
	/* bpelc --ode: Apache ODE's XPath extensions (ode.h) */
	if (m->ode)
		emit_out(e, "\t.ode = true,\n");
	if (m->ode && m->node_props)
		emit_out(e,
			 "\t.nprocess_props = %d,\n"
			 "\t.process_props = %s__process_props,\n",
			 m->node_props, e->P);
	/* Only a process that invokes links libcurl (bpelrt.h). */
	if (p->invokes.n)
		emit_out(e,
			 "\t.invoker = &brt_invoke_service,\n"
			 "\t.ninvokes = %d,\n\t.invokes = %s__invokes,\n",
			 p->invokes.n, e->P);
	emit_out(e, "};\n\n");
	emit_out(e, "int main(int argc, char **argv)\n{\n");
	emit_out(e, "\treturn brt_main(&%s_process, argc, argv);\n}\n", e->P);
}

/* The exported descriptor is declared before its definition so clang's
 * -Wmissing-variable-declarations stays quiet too. */
static void emit_prologue(struct emitter *e)
{
	emit_out(e, "#include <stdbool.h>\n#include <stddef.h>\n\n");
	emit_out(e, "#include <bpelrt.h>\n\n");
	emit_out(e, "extern const struct brt_process %s_process;\n\n", e->P);
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
	emit_tables_collect(e);

	emit_prologue(e);
	emit_state_enum(e);
	emit_tables_data(e);
	emit_tables_activities(e);
	emit_state_names(e);
	emit_tree(e);
	emit_steps(e);
	emit_process(e);
	flush(e);
	strbuf_free(&e->cur);

	struct strbuf head = STRBUF_INIT;
	const char *path = p->m->process->path ? p->m->process->path : "?";
	strbuf_printf(
		&head,
		"/*\n * Generated by bpelc %s from %s.\n"
		" * Do not edit: change the process and run bpelc again.\n"
		" */\n",
		o->version ? o->version : "?", emit_comment_safe(e, path));
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
