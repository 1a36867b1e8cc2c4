/*
 * lower.c — the driver of the lowering (see lower_int.h for the three
 * walks) and the helpers every activity uses: expressions with their
 * `$var` references, literals, variable/part/property indexes.
 * The per-activity work is in lower_{basic,struct,msg,pick,foreach,
 * scope,handlers,links}.c and the data tables in lower_data.c; this file
 * does not know what any activity means beyond where its children are.
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "arena.h"
#include "lower_int.h"
#include "resolve.h"
#include "xpath2.h"

/* What each kind lowers with. A kind without a `lower` is reported as not
 * supported yet (its runtime API does not exist): add a line here and the
 * two functions to support it. */
static const struct lower_kind kinds[BPEL_ACT__COUNT] = {
	[BPEL_ACT_EMPTY] = { NULL, lower_basic_empty },
	[BPEL_ACT_RECEIVE] = { lower_msg_receive_decl, lower_msg_receive },
	[BPEL_ACT_REPLY] = { lower_msg_reply_decl, lower_msg_reply },
	[BPEL_ACT_INVOKE] = { lower_msg_invoke_decl, lower_msg_invoke },
	[BPEL_ACT_ASSIGN] = { lower_basic_assign_decl, lower_basic_assign },
	[BPEL_ACT_VALIDATE] = { lower_data_validate_decl, lower_data_validate },
	[BPEL_ACT_EXTENSION] = { NULL, lower_data_extension },
	[BPEL_ACT_WAIT] = { lower_basic_wait_decl, lower_basic_wait },
	[BPEL_ACT_THROW] = { NULL, lower_basic_throw },
	[BPEL_ACT_RETHROW] = { NULL, lower_basic_rethrow },
	[BPEL_ACT_EXIT] = { NULL, lower_basic_exit },
	[BPEL_ACT_SEQUENCE] = { NULL, lower_struct_sequence },
	[BPEL_ACT_IF] = { lower_struct_cond_decl, lower_struct_if },
	[BPEL_ACT_ELSEIF] = { lower_struct_cond_decl, NULL },
	[BPEL_ACT_ELSE] = { NULL, NULL },
	[BPEL_ACT_WHILE] = { lower_struct_cond_decl, lower_struct_while },
	[BPEL_ACT_REPEAT_UNTIL] = { lower_struct_cond_decl,
				    lower_struct_repeat },
	[BPEL_ACT_FLOW] = { NULL, lower_struct_flow },
	[BPEL_ACT_FOREACH] = { lower_foreach_decl, lower_foreach },
	[BPEL_ACT_SCOPE] = { lower_scope_decl, lower_scope_scope },
	[BPEL_ACT_PICK] = { lower_pick_decl, lower_pick },
	[BPEL_ACT_COMPENSATE] = { NULL, lower_handlers_compensate },
	[BPEL_ACT_COMPENSATE_SCOPE] = { NULL, lower_handlers_compensate_scope },
	[BPEL_ACT_ON_EVENT] = { lower_handlers_event_decl, NULL },
};

/* <else>/<elseif> are parts of <if>, lowered by it. */
static bool is_part(enum bpel_act_kind k)
{
	return k == BPEL_ACT_ELSEIF || k == BPEL_ACT_ELSE ||
	       k == BPEL_ACT_ON_MESSAGE || k == BPEL_ACT_ON_EVENT;
}

typedef void walk_fn(struct lower *l, struct bpel_activity *a);

/* A scope's nested activities in document order: fault handlers,
 * compensation and termination handlers, event handlers, the body. */
static void scope_children(struct lower *l, struct bpel_scope *bs, bool all,
			   walk_fn *fn)
{
	(void)all;
	for (struct bpel_catch *c = bs->catches; c; c = c->next)
		if (c->activity)
			fn(l, c->activity);
	if (bs->catch_all)
		fn(l, bs->catch_all);
	if (bs->compensation_handler)
		fn(l, bs->compensation_handler);
	if (bs->termination_handler)
		fn(l, bs->termination_handler);
	for (struct bpel_activity *e = bs->on_events; e; e = e->next)
		fn(l, e);
	for (struct bpel_alarm *al = bs->on_alarms; al; al = al->next)
		if (al->activity)
			fn(l, al->activity);
	if (bs->body)
		fn(l, bs->body);
}

static void each_child(struct lower *l, struct bpel_activity *a, bool all,
		       walk_fn *fn)
{
	switch (a->kind) {
	case BPEL_ACT_SCOPE:
		if (a->scope)
			scope_children(l, a->scope, all, fn);
		return;
	case BPEL_ACT_INVOKE:
		for (struct bpel_catch *c = a->catches; c; c = c->next)
			if (c->activity)
				fn(l, c->activity);
		if (a->catch_all)
			fn(l, a->catch_all);
		if (a->compensation_handler)
			fn(l, a->compensation_handler);
		return;
	case BPEL_ACT_PICK:
		for (struct bpel_activity *c = a->on_messages; c; c = c->next)
			fn(l, c);
		for (struct bpel_alarm *al = a->on_alarms; al; al = al->next)
			if (al->activity)
				fn(l, al->activity);
		return;
	case BPEL_ACT_IF:
		if (a->body)
			fn(l, a->body);
		for (struct bpel_activity *c = a->children; c; c = c->next)
			fn(l, c);
		return;
	default:
		if (!all && !is_part(a->kind) && !kinds[a->kind].lower)
			return;
		for (struct bpel_activity *c = a->children; c; c = c->next)
			fn(l, c);
		if (a->body)
			fn(l, a->body);
		return;
	}
}

static void number_walk(struct lower *l, struct bpel_activity *a)
{
	a->index = l->nacts++;
	each_child(l, a, true, number_walk);
}

static void unsupported(struct lower *l, const struct loc *loc,
			const char *what)
{
	diag_error(l->dg, loc, NULL, "%s is not supported yet", what);
}

static void decl_walk(struct lower *l, struct bpel_activity *a)
{
	const struct lower_kind *k = &kinds[a->kind];
	if (!k->lower && !is_part(a->kind)) {
		char what[64];
		snprintf(what, sizeof what, "<%s>",
			 model_element_name(a->kind));
		unsupported(l, &a->loc, what);
		return;
	}
	lower_links_decl(l, a);
	int saved = l->cur_scope;
	if (k->decl)
		k->decl(l, a);
	each_child(l, a, false, decl_walk);
	l->cur_scope = saved;
}

struct lower_info *lower_info(struct lower *l, const struct bpel_activity *a)
{
	return &l->info[a->index];
}

int lower_activity(struct lower *l, struct bpel_activity *a, int next)
{
	if (!a)
		return next;
	const struct lower_kind *k = &kinds[a->kind];
	if (!k->lower)
		return next; /* reported by the declare walk */
	return lower_links_wrap(l, a, next, k->lower);
}

struct ir_program *lower_process(struct model *m, struct diag *dg)
{
	struct lower lw = { 0 };
	struct lower *l = &lw;
	l->m = m;
	l->dg = dg;
	l->a = m->arena;
	l->p = ir_new(m->arena, m);
	l->p->name = m->process->name ? m->process->name : "process";
	l->cur_scope = -1;
	struct bpel_scope *ps = m->process->scope;

	scope_children(l, ps, true, number_walk);
	l->info = ARENA_ARRAY(l->a, struct lower_info, l->nacts ? l->nacts : 1);
	for (int i = 0; i < l->nacts; i++)
		l->info[i] = (struct lower_info){ -1, -1, -1, NULL };

	lower_scope_properties(l);
	lower_scope_declare(l, ps, NULL);
	scope_children(l, ps, false, decl_walk);

	lower_scope_handlers(l, 0);
	l->p->start_entry = lower_activity(l, ps->body, IR_S_DONE);
	lower_data_embed(l);
	ir_renumber(l->p);
	return l->p;
}

/* ---- helpers ---------------------------------------------------------- */

int lower_var(const struct bpel_variable *v)
{
	return v ? v->index : -1;
}

int lower_part(const struct bpel_variable *v, const char *part)
{
	if (!v || !part || !v->message)
		return -1;
	int i = 0;
	for (struct wsdl_part *pt = v->message->parts; pt; pt = pt->next, i++)
		if (pt->name && strcmp(pt->name, part) == 0)
			return i;
	return -1;
}

int lower_property(struct lower *l, const struct vprop_property *prop)
{
	return prop ? ir_vec_find(&l->p->properties, prop) : -1;
}

/* The variable `name` visible at ctx (NULL: process level), with the
 * resolver's scoping rules (catch fault variables included). */
struct bpel_variable *lower_find_var(struct lower *l, struct bpel_activity *ctx,
				     const char *name)
{
	return resolve_variable(l->m, ctx, name);
}

static bool is_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' ||
	       c >= 0x80;
}

const char *lower_next_ref(const char *t, size_t *len)
{
	while (*t) {
		if (*t == '"' || *t == '\'') {
			const char *end = strchr(t + 1, *t);
			t = end ? end + 1 : t + strlen(t);
			continue;
		}
		if (*t++ != '$')
			continue;
		const char *b = t;
		while (is_name_char((unsigned char)*t) || *t == ':')
			t++;
		if (t > b) {
			*len = (size_t)(t - b);
			return b;
		}
	}
	return NULL;
}

/* `$name` references, skipping string literals; each name once. */
static void scan_refs(struct lower *l, struct ir_expr *x,
		      struct bpel_activity *ctx)
{
	struct ir_vec refs = { 0 };
	size_t len;
	for (const char *b = x->text; (b = lower_next_ref(b, &len)); b += len) {
		char *name = arena_strndup(l->a, b, len);
		if (strchr(name, ':'))
			continue; /* a prefixed XPath variable, not BPEL's */
		bool seen = false;
		for (int j = 0; j < refs.n; j++)
			if (strcmp(((struct ir_varref *)refs.items[j])->name,
				   name) == 0)
				seen = true;
		if (seen)
			continue;
		char *dot = strchr(name, '.');
		char *vname =
			dot ? arena_strndup(l->a, name, (size_t)(dot - name))
			    : name;
		struct bpel_variable *v = lower_find_var(l, ctx, vname);
		if (!v)
			continue; /* check reports unknown variables */
		struct ir_varref *r = ARENA_NEW(l->a, struct ir_varref);
		r->name = name;
		r->var = lower_var(v);
		r->part = dot ? lower_part(v, dot + 1) : -1;
		ir_vec_push(l->a, &refs, r);
	}
	x->nrefs = refs.n;
	x->refs = ARENA_ARRAY(l->a, struct ir_varref, refs.n ? refs.n : 1);
	for (int j = 0; j < refs.n; j++)
		x->refs[j] = *(struct ir_varref *)refs.items[j];
}

int lower_expr(struct lower *l, struct bpel_expr *e, struct bpel_activity *ctx)
{
	if (!e || !e->text)
		return -1;
	struct ir_expr *x = ARENA_NEW(l->a, struct ir_expr);
	x->text = e->text;
	x->loc = e->loc;
	x->node = e->node;
	/* Known to fault when evaluated (xpath2.c): the runtime raises
	 * subLanguageExecutionFault then; the process still compiles. */
	bool is_query = e->node && e->node->name &&
			strcmp((const char *)e->node->name, "query") == 0;
	x->error = xpath2_runtime_error(l->a, e->text, is_query);
	if (x->error && xpath2_blank(e->text)) /* SA00027 warns of paths */
		diag_warning(l->dg, &e->loc, NULL,
			     "%s; evaluating it will fault with "
			     "bpel:subLanguageExecutionFault",
			     x->error);
	scan_refs(l, x, ctx);
	ir_vec_push(l->a, &l->p->exprs, x);
	return l->p->exprs.n - 1;
}

/* <literal>: one element child (white space around it ignored) is
 * serialised with the namespace declarations it uses; anything else is
 * the literal's text. */
int lower_literal(struct lower *l, xmlNodePtr lit)
{
	xmlNodePtr elem = NULL;
	int nelem = 0;
	bool has_text = false;
	for (xmlNodePtr c = lit ? lit->children : NULL; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			elem = c;
			nelem++;
		} else if ((c->type == XML_TEXT_NODE ||
			    c->type == XML_CDATA_SECTION_NODE) &&
			   !xmlIsBlankNode(c)) {
			has_text = true;
		}
	}
	const char *text;
	if (nelem == 1 && !has_text) {
		xmlDocPtr d = xmlNewDoc((const xmlChar *)"1.0");
		xmlNodePtr copy = xmlDocCopyNode(elem, d, 1);
		xmlDocSetRootElement(d, copy);
		xmlBufferPtr buf = xmlBufferCreate();
		xmlNodeDump(buf, d, copy, 0, 0);
		text = arena_strdup(l->a, (const char *)xmlBufferContent(buf));
		xmlBufferFree(buf);
		xmlFreeDoc(d);
	} else {
		xmlChar *t = lit ? xmlNodeGetContent(lit) : NULL;
		text = arena_strdup(l->a, t ? (const char *)t : "");
		xmlFree(t);
	}
	ir_vec_push(l->a, &l->p->literals, (void *)text);
	return l->p->literals.n - 1;
}
