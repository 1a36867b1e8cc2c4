/*
 * check_bind.c — the check stage's window on resolve's bindings: from an
 * element of the process document to the model object parsed from it
 * (activity, from/to, fromPart/toPart, correlation, source/target), and
 * from there to
 * the declaration resolve.c bound its name to.
 *
 * BPEL's scoping is implemented once, in resolve.c; the rules ask here
 * and never search scopes themselves. The index (element → object) is
 * built once per check run by walking the model the way resolve_model
 * does. A name resolve left unbound (undeclared, or in a malformed
 * from/to it binds quietly) comes back NULL, and the rule that needs it
 * is skipped: reporting unknown names is resolve's job.
 */
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "check_int.h"

enum bind_kind { BK_ACT, BK_FROM, BK_TO, BK_PART, BK_CORR, BK_LINK };

struct bind_slot {
	xmlNodePtr node; /* NULL: empty */
	enum bind_kind kind;
	void *obj;
};

struct chk_binds {
	struct bind_slot *slot;
	size_t cap; /* a power of two, at least twice the entries */
	size_t n;
};

/* The model walk below visits every object twice: once to count, once to
 * insert (`b->slot` NULL while counting). */
static void add(struct chk_binds *b, xmlNodePtr node, enum bind_kind kind,
		void *obj)
{
	if (!node)
		return;
	if (!b->slot) {
		b->n++;
		return;
	}
	size_t h = ((size_t)(uintptr_t)node >> 4) * 0x9E3779B97F4A7C15u;
	for (size_t i = h & (b->cap - 1);; i = (i + 1) & (b->cap - 1)) {
		struct bind_slot *s = &b->slot[i];
		if (!s->node) {
			*s = (struct bind_slot){ node, kind, obj };
			return;
		}
		if (s->node == node)
			return; /* one object per element; the first wins */
	}
}

static void *find(struct chk *c, xmlNodePtr node, enum bind_kind kind)
{
	struct chk_binds *b = c->binds;
	if (!node || !b || !b->cap)
		return NULL;
	size_t h = ((size_t)(uintptr_t)node >> 4) * 0x9E3779B97F4A7C15u;
	for (size_t i = h & (b->cap - 1);; i = (i + 1) & (b->cap - 1)) {
		struct bind_slot *s = &b->slot[i];
		if (!s->node)
			return NULL;
		if (s->node == node)
			return s->kind == kind ? s->obj : NULL;
	}
}

static void walk_act(struct chk_binds *b, struct bpel_activity *a);

static void walk_list(struct chk_binds *b, struct bpel_activity *a)
{
	for (; a; a = a->next)
		walk_act(b, a);
}

static void walk_catches(struct chk_binds *b, struct bpel_catch *k)
{
	for (; k; k = k->next)
		walk_list(b, k->activity);
}

static void walk_alarms(struct chk_binds *b, struct bpel_alarm *al)
{
	for (; al; al = al->next)
		walk_list(b, al->activity);
}

static void walk_scope(struct chk_binds *b, struct bpel_scope *s)
{
	for (struct bpel_variable *v = s->variables; v; v = v->next)
		if (v->init)
			add(b, v->init->node, BK_FROM, v->init);
	walk_catches(b, s->catches);
	walk_list(b, s->catch_all);
	walk_list(b, s->compensation_handler);
	walk_list(b, s->termination_handler);
	walk_list(b, s->on_events);
	walk_alarms(b, s->on_alarms);
	if (s->body)
		walk_act(b, s->body);
}

static void walk_act(struct chk_binds *b, struct bpel_activity *a)
{
	add(b, a->node, BK_ACT, a);
	for (struct bpel_copy *cp = a->copies; cp; cp = cp->next) {
		add(b, cp->from.node, BK_FROM, &cp->from);
		add(b, cp->to.node, BK_TO, &cp->to);
	}
	for (struct bpel_part_map *p = a->from_parts; p; p = p->next)
		add(b, p->node, BK_PART, p);
	for (struct bpel_part_map *p = a->to_parts; p; p = p->next)
		add(b, p->node, BK_PART, p);
	for (struct bpel_correlation *k = a->correlations; k; k = k->next)
		add(b, k->node, BK_CORR, k);
	for (struct bpel_link_ref *r = a->targets; r; r = r->next)
		add(b, r->node, BK_LINK, r);
	for (struct bpel_link_ref *r = a->sources; r; r = r->next)
		add(b, r->node, BK_LINK, r);
	if (a->kind == BPEL_ACT_SCOPE && a->scope) {
		walk_scope(b, a->scope);
		return;
	}
	walk_catches(b, a->catches);
	walk_list(b, a->catch_all);
	walk_list(b, a->compensation_handler);
	if (a->body)
		walk_act(b, a->body);
	walk_list(b, a->children);
	walk_list(b, a->on_messages);
	walk_alarms(b, a->on_alarms);
}

void chk_binds_build(struct chk *c)
{
	struct chk_binds *b = ARENA_NEW(c->a, struct chk_binds);
	c->binds = b;
	struct bpel_scope *root = c->m->process ? c->m->process->scope : NULL;
	if (!root)
		return;
	walk_scope(b, root);
	for (b->cap = 16; b->cap < 2 * b->n; b->cap *= 2)
		;
	b->slot = arena_alloc(c->a, b->cap * sizeof(*b->slot));
	memset(b->slot, 0, b->cap * sizeof(*b->slot));
	walk_scope(b, root);
}

struct bpel_activity *chk_act_of(struct chk *c, xmlNodePtr n)
{
	return find(c, n, BK_ACT);
}

/* Where the binding of n's variable attribute `attr` is kept. */
static struct bpel_variable **var_slot(struct chk *c, xmlNodePtr n,
				       const char *attr)
{
	struct bpel_activity *a;
	struct bpel_from *f;
	struct bpel_to *t;
	struct bpel_part_map *p;
	if ((f = find(c, n, BK_FROM)))
		return strcmp(attr, "variable") == 0 ? &f->var : NULL;
	if ((t = find(c, n, BK_TO)))
		return strcmp(attr, "variable") == 0 ? &t->var : NULL;
	if ((p = find(c, n, BK_PART)))
		return strcmp(attr, "toVariable") == 0 ||
				       strcmp(attr, "fromVariable") == 0
			       ? &p->var
			       : NULL;
	if (!(a = find(c, n, BK_ACT)))
		return NULL;
	if (a->kind == BPEL_ACT_INVOKE)
		return strcmp(attr, "inputVariable") == 0    ? &a->input_var
		       : strcmp(attr, "outputVariable") == 0 ? &a->output_var
							     : NULL;
	if (a->kind == BPEL_ACT_THROW)
		return strcmp(attr, "faultVariable") == 0 ? &a->variable : NULL;
	if (a->kind == BPEL_ACT_RECEIVE || a->kind == BPEL_ACT_REPLY ||
	    a->kind == BPEL_ACT_ON_MESSAGE || a->kind == BPEL_ACT_ON_EVENT)
		return strcmp(attr, "variable") == 0 ? &a->variable : NULL;
	return NULL;
}

bool chk_var_refers(struct chk *c, xmlNodePtr n, const char *attr)
{
	return chk_attr(n, attr) && var_slot(c, n, attr);
}

/* A model QName as the check stage writes one: no namespace is NULL. */
static struct chk_qn qn_of(struct qname q)
{
	struct chk_qn r = { q.ns && *q.ns ? q.ns : NULL, q.local };
	return r;
}

bool chk_var_ref(struct chk *c, xmlNodePtr n, const char *attr,
		 struct chk_var *out)
{
	struct bpel_variable **slot = chk_attr(n, attr) ? var_slot(c, n, attr)
							: NULL;
	struct bpel_variable *v = slot ? *slot : NULL;
	if (!v)
		return false;
	if (!out)
		return true;
	out->decl = v->node;
	out->kind = VK_UNKNOWN;
	out->q.ns = out->q.local = NULL;
	/* Precedence as written: a declaration with several is SA00025's. */
	if (v->message_type.local) {
		out->kind = VK_MESSAGE;
		out->q = qn_of(v->message_type);
	} else if (v->element.local) {
		out->kind = VK_ELEMENT;
		out->q = qn_of(v->element);
	} else if (v->type.local) {
		out->kind = VK_TYPE;
		out->q = qn_of(v->type);
	}
	return true;
}

struct bpel_partner_link *chk_plink_ref(struct chk *c, xmlNodePtr n)
{
	struct bpel_activity *a;
	struct bpel_from *f;
	struct bpel_to *t;
	if ((f = find(c, n, BK_FROM)))
		return f->plink;
	if ((t = find(c, n, BK_TO)))
		return t->plink;
	return (a = find(c, n, BK_ACT)) ? a->plink : NULL;
}

struct bpel_corr_set *chk_cset_ref(struct chk *c, xmlNodePtr correlation)
{
	struct bpel_correlation *k = find(c, correlation, BK_CORR);
	return k ? k->set : NULL;
}

struct bpel_mex *chk_mex_ref(struct chk *c, xmlNodePtr act)
{
	struct bpel_activity *a = find(c, act, BK_ACT);
	return a ? a->mex : NULL;
}

bool chk_msgref(struct chk *c, xmlNodePtr act, struct chk_msgref *r)
{
	memset(r, 0, sizeof(*r));
	struct bpel_partner_link *pl = chk_plink_ref(c, act);
	r->plink = pl ? pl->node : NULL;
	if (!r->plink)
		return false;
	bool my = !chk_is(act, "invoke");
	r->port_type = chk_plink_port_type(c, r->plink, my);
	r->op = chk_operation(r->port_type, chk_attr(act, "operation"));
	if (!r->op)
		return false;
	r->in = chk_op_message(c, r->op, "input");
	r->out = chk_op_message(c, r->op, "output");
	return true;
}

struct bpel_link *chk_link_ref(struct chk *c, xmlNodePtr ref)
{
	struct bpel_link_ref *r = find(c, ref, BK_LINK);
	return r ? r->link : NULL;
}
