/*
 * emit_dot.c — a Graphviz (DOT) picture of a process for `bpelc
 * --emit=dot` and `bpelc test --coverage-dot`: activities nested as they
 * are written (structured activities and handlers are clusters, the
 * others boxes labelled kind, name and line), the order of a sequence as
 * solid edges, flow links as dashed edges labelled with the link's name,
 * and the partner links as their own nodes joined to the activities that
 * talk to them. Deterministic: the same model gives the same text.
 *
 * Not here: what the colours mean (test_cover.c decides them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "emit_dot.h"
#include "strbuf.h"

struct dot {
	struct strbuf out;
	const struct emit_dot_cover *cov;
	int next_id;
	/* activity -> node id, for links and partner links */
	const struct bpel_activity **acts;
	int *ids;
	int n, cap;
	int depth;
};

static const char *kind_name(enum bpel_act_kind k)
{
	static const char *const names[] = {
#define ACT(kind, el) el,
#include "activities.def"
#undef ACT
	};
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

static void indent(struct dot *d)
{
	for (int i = 0; i < d->depth + 1; i++)
		strbuf_puts(&d->out, "  ");
}

/* A DOT string's content: quotes and backslashes escaped. */
static void quoted(struct dot *d, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_putc(&d->out, '\\');
		if (*s == '\n') {
			strbuf_puts(&d->out, "\\n");
			continue;
		}
		strbuf_putc(&d->out, *s);
	}
}

static void remember(struct dot *d, const struct bpel_activity *a, int id)
{
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->acts = realloc(d->acts, (size_t)d->cap * sizeof *d->acts);
		d->ids = realloc(d->ids, (size_t)d->cap * sizeof *d->ids);
		if (!d->acts || !d->ids)
			arena_oom();
	}
	d->acts[d->n] = a;
	d->ids[d->n++] = id;
}

static int id_of(const struct dot *d, const struct bpel_activity *a)
{
	for (int i = 0; i < d->n; i++)
		if (d->acts[i] == a)
			return d->ids[i];
	return -1;
}

static bool is_cluster(enum bpel_act_kind k)
{
	switch (k) {
	case BPEL_ACT_SEQUENCE:
	case BPEL_ACT_IF:
	case BPEL_ACT_ELSEIF:
	case BPEL_ACT_ELSE:
	case BPEL_ACT_WHILE:
	case BPEL_ACT_REPEAT_UNTIL:
	case BPEL_ACT_FOREACH:
	case BPEL_ACT_PICK:
	case BPEL_ACT_ON_MESSAGE:
	case BPEL_ACT_ON_EVENT:
	case BPEL_ACT_FLOW:
	case BPEL_ACT_SCOPE:
		return true;
	default:
		return false;
	}
}

static void label(struct dot *d, const char *kind, const char *name,
		  const struct loc *loc, const struct bpel_activity *a)
{
	strbuf_puts(&d->out, "label=\"");
	quoted(d, kind);
	if (name) {
		strbuf_puts(&d->out, "\\n");
		quoted(d, name);
	}
	strbuf_printf(&d->out, "\\nline %d", loc->line);
	const char *note = a && d->cov && d->cov->note
				   ? d->cov->note(a, d->cov->arg)
				   : NULL;
	if (note) {
		strbuf_puts(&d->out, "\\n");
		quoted(d, note);
	}
	strbuf_puts(&d->out, "\"");
	const char *color = a && d->cov && d->cov->color
				    ? d->cov->color(a, d->cov->arg)
				    : NULL;
	/* Node attributes are a list; a cluster's are statements. */
	if (color && is_cluster(a->kind))
		strbuf_printf(&d->out,
			      "; style=\"filled,rounded\"; fillcolor=\"%s\"",
			      color);
	else if (color)
		strbuf_printf(&d->out, ", style=\"filled\", fillcolor=\"%s\"",
			      color);
}

static int activity(struct dot *d, const struct bpel_activity *a);

/* A handler (catch, compensationHandler...): a cluster around its
 * activity. */
static void handler(struct dot *d, const char *what, const char *name,
		    const struct loc *loc, const struct bpel_activity *body)
{
	if (!body)
		return;
	int id = d->next_id++;
	indent(d);
	strbuf_printf(&d->out, "subgraph cluster_h%d {\n", id);
	d->depth++;
	indent(d);
	strbuf_puts(&d->out, "style=\"dashed\"; ");
	label(d, what, name, loc, NULL);
	strbuf_puts(&d->out, ";\n");
	activity(d, body);
	d->depth--;
	indent(d);
	strbuf_puts(&d->out, "}\n");
}

static void scope_handlers(struct dot *d, const struct bpel_scope *sc)
{
	for (const struct bpel_catch *c = sc->catches; c; c = c->next)
		handler(d, "catch", c->fault_name.local, &c->loc, c->activity);
	handler(d, "catchAll", NULL, &sc->catch_all_loc, sc->catch_all);
	if (sc->compensation_handler)
		handler(d, "compensationHandler", NULL,
			&sc->compensation_handler->loc,
			sc->compensation_handler);
	if (sc->termination_handler)
		handler(d, "terminationHandler", NULL,
			&sc->termination_handler->loc, sc->termination_handler);
	for (const struct bpel_activity *e = sc->on_events; e; e = e->next)
		activity(d, e);
	for (const struct bpel_alarm *al = sc->on_alarms; al; al = al->next)
		handler(d, "onAlarm", NULL, &al->loc, al->activity);
}

/* Emit `a`; returns its node id (a cluster's id is its anchor's). */
static int activity(struct dot *d, const struct bpel_activity *a)
{
	int id = d->next_id++;
	remember(d, a, id);
	if (!is_cluster(a->kind)) {
		indent(d);
		strbuf_printf(&d->out, "a%d [shape=box, ", id);
		label(d, kind_name(a->kind), a->name, &a->loc, a);
		strbuf_puts(&d->out, "];\n");
		if (a->kind == BPEL_ACT_INVOKE) {
			for (const struct bpel_catch *c = a->catches; c;
			     c = c->next)
				handler(d, "catch", c->fault_name.local,
					&c->loc, c->activity);
			handler(d, "catchAll", NULL, &a->loc, a->catch_all);
			handler(d, "compensationHandler", NULL, &a->loc,
				a->compensation_handler);
		}
		return id;
	}
	indent(d);
	strbuf_printf(&d->out, "subgraph cluster_a%d {\n", id);
	d->depth++;
	indent(d);
	label(d, kind_name(a->kind), a->name, &a->loc, a);
	strbuf_puts(&d->out, ";\n");
	indent(d);
	strbuf_printf(&d->out, "a%d [shape=point, width=0.08];\n", id);
	int prev = id;
	const struct bpel_activity *body = a->kind == BPEL_ACT_SCOPE && a->scope
						   ? a->scope->body
						   : a->body;
	if (body) {
		int b = activity(d, body);
		indent(d);
		strbuf_printf(&d->out, "a%d -> a%d;\n", id, b);
	}
	for (const struct bpel_activity *c = a->children; c; c = c->next) {
		int cid = activity(d, c);
		/* A sequence runs its children in order; the others start
		 * them from the anchor. */
		indent(d);
		strbuf_printf(&d->out, "a%d -> a%d%s;\n",
			      a->kind == BPEL_ACT_SEQUENCE ? prev : id, cid,
			      a->kind == BPEL_ACT_SEQUENCE ? ""
			      : a->kind == BPEL_ACT_IF	   ? " [style=dotted]"
							   : "");
		prev = cid;
	}
	for (const struct bpel_activity *c = a->on_messages; c; c = c->next) {
		int cid = activity(d, c);
		indent(d);
		strbuf_printf(&d->out, "a%d -> a%d [style=dotted];\n", id, cid);
	}
	for (const struct bpel_alarm *al = a->on_alarms; al; al = al->next)
		handler(d, "onAlarm", NULL, &al->loc, al->activity);
	if (a->kind == BPEL_ACT_SCOPE && a->scope)
		scope_handlers(d, a->scope);
	d->depth--;
	indent(d);
	strbuf_puts(&d->out, "}\n");
	return id;
}

static void links(struct dot *d, const struct bpel_activity *a)
{
	for (const struct bpel_link *l = a->links; l; l = l->next) {
		int s = id_of(d, l->source), t = id_of(d, l->target);
		if (s < 0 || t < 0)
			continue;
		indent(d);
		strbuf_printf(&d->out,
			      "a%d -> a%d [style=dashed, color=blue, "
			      "fontcolor=blue, label=\"",
			      s, t);
		quoted(d, l->name);
		strbuf_puts(&d->out, "\"];\n");
	}
}

/* Partner links and who talks to them. */
static void partners(struct dot *d, const struct bpel_scope *sc)
{
	for (const struct bpel_partner_link *pl = sc->partner_links; pl;
	     pl = pl->next) {
		indent(d);
		strbuf_puts(&d->out, "\"pl:");
		quoted(d, pl->name);
		strbuf_puts(&d->out, "\" [shape=cds, label=\"partnerLink\\n");
		quoted(d, pl->name);
		strbuf_puts(&d->out, "\"];\n");
	}
	for (int i = 0; i < d->n; i++) {
		const struct bpel_activity *a = d->acts[i];
		if (!a->partner_link_name)
			continue;
		bool in = a->kind == BPEL_ACT_RECEIVE ||
			  a->kind == BPEL_ACT_ON_MESSAGE ||
			  a->kind == BPEL_ACT_ON_EVENT;
		indent(d);
		if (in) {
			strbuf_puts(&d->out, "\"pl:");
			quoted(d, a->partner_link_name);
			strbuf_printf(&d->out, "\" -> a%d", d->ids[i]);
		} else {
			strbuf_printf(&d->out, "a%d -> \"pl:", d->ids[i]);
			quoted(d, a->partner_link_name);
			strbuf_puts(&d->out, "\"");
		}
		strbuf_puts(&d->out, " [style=dotted, color=gray40, "
				     "constraint=false, label=\"");
		quoted(d, a->operation_name);
		strbuf_puts(&d->out, "\"];\n");
	}
}

char *emit_dot(const struct model *m, const struct emit_dot_cover *cov)
{
	struct dot d;
	memset(&d, 0, sizeof d);
	d.out = (struct strbuf)STRBUF_INIT;
	d.cov = cov;
	const struct bpel_process *p = m->process;
	strbuf_puts(&d.out, "digraph \"");
	quoted(&d, p->name);
	strbuf_puts(&d.out, "\" {\n  compound=true;\n  rankdir=TB;\n"
			    "  node [fontname=\"Helvetica\", fontsize=10];\n"
			    "  edge [fontname=\"Helvetica\", fontsize=9];\n");
	strbuf_puts(&d.out, "  subgraph cluster_process {\n    ");
	label(&d, "process", p->name, &p->loc, NULL);
	strbuf_puts(&d.out, ";\n");
	d.depth = 1;
	if (p->scope && p->scope->body)
		activity(&d, p->scope->body);
	if (p->scope)
		scope_handlers(&d, p->scope);
	d.depth = 0;
	strbuf_puts(&d.out, "  }\n");
	for (int i = 0; i < d.n; i++)
		if (d.acts[i]->kind == BPEL_ACT_FLOW)
			links(&d, d.acts[i]);
	if (p->scope)
		partners(&d, p->scope);
	strbuf_puts(&d.out, "}\n");
	free(d.acts);
	free(d.ids);
	return strbuf_detach(&d.out);
}

int emit_dot_file(const struct model *m, const struct emit_dot_cover *cov,
		  const char *path)
{
	char *text = emit_dot(m, cov);
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bpelc: cannot write %s\n", path);
		free(text);
		return 2;
	}
	bool ok = fputs(text, f) >= 0;
	ok = (f == stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
	free(text);
	if (!ok) {
		fprintf(stderr, "bpelc: cannot write %s\n", path);
		return 2;
	}
	return 0;
}
