/*
 * lower_basic.c — the basic activities that are one step each: empty,
 * assign (and inline variable initialisers, which are assigns too), wait,
 * throw, rethrow, exit. Messaging activities are in lower_msg.c.
 */
#include <string.h>

#include "arena.h"
#include "lower_int.h"

static void copy_init(struct ir_copy *c)
{
	c->from_var = c->from_part = c->from_query = c->from_expr = -1;
	c->from_literal = c->from_plink = c->from_property = -1;
	c->to_var = c->to_part = c->to_query = c->to_expr = -1;
	c->to_plink = c->to_property = -1;
}

/* from-spec: variable [part] [query] | expression | literal |
 * partnerLink endpointReference | variable property */
static void lower_from(struct lower *l, struct ir_copy *c, struct bpel_from *f,
		       struct bpel_activity *ctx)
{
	c->from = f;
	switch (f->kind) {
	case BPEL_FROM_VAR:
		c->from_var = lower_var(f->var);
		c->from_part = lower_part(f->var, f->part);
		c->from_query = lower_expr(l, f->query, ctx);
		break;
	case BPEL_FROM_EXPR:
		c->from_expr = lower_expr(l, f->expr, ctx);
		break;
	case BPEL_FROM_LITERAL:
		c->from_literal = lower_literal(l, f->literal);
		break;
	case BPEL_FROM_PLINK:
		c->from_plink = f->plink ? f->plink->index : -1;
		break;
	case BPEL_FROM_PROPERTY:
		c->from_var = lower_var(f->var);
		c->from_property = lower_property(l, f->property_ref);
		break;
	case BPEL_FROM_EMPTY:
		break;
	}
}

/* to-spec: variable [part] [query] | expression | partnerLink |
 * variable property */
static void lower_to(struct lower *l, struct ir_copy *c, struct bpel_to *t,
		     struct bpel_activity *ctx)
{
	c->to_kind = t->kind;
	switch (t->kind) {
	case BPEL_TO_VAR:
		c->to_var = lower_var(t->var);
		c->to_part = lower_part(t->var, t->part);
		c->to_query = lower_expr(l, t->query, ctx);
		break;
	case BPEL_TO_EXPR:
		c->to_expr = lower_expr(l, t->expr, ctx);
		break;
	case BPEL_TO_PLINK:
		c->to_plink = t->plink ? t->plink->index : -1;
		break;
	case BPEL_TO_PROPERTY:
		c->to_var = lower_var(t->var);
		c->to_property = lower_property(l, t->property_ref);
		break;
	case BPEL_TO_EMPTY:
		break;
	}
}

static int push_assign(struct lower *l, struct ir_assign *as)
{
	ir_vec_push(l->a, &l->p->assigns, as);
	return l->p->assigns.n - 1;
}

/* <assign validate?> (<copy keepSrcElementName? ignoreMissingFromData?>
 *   from-spec to-spec </copy> | <extensionAssignOperation>)+ </assign> */
void lower_basic_assign_decl(struct lower *l, struct bpel_activity *a)
{
	struct ir_assign *as = ARENA_NEW(l->a, struct ir_assign);
	as->act = a;
	as->loc = a->loc;
	for (struct bpel_copy *c = a->copies; c; c = c->next)
		as->ncopies++;
	as->copies = ARENA_ARRAY(l->a, struct ir_copy,
				 as->ncopies ? as->ncopies : 1);
	int i = 0;
	for (struct bpel_copy *c = a->copies; c; c = c->next, i++) {
		struct ir_copy *ic = &as->copies[i];
		copy_init(ic);
		ic->c = c;
		ic->loc = c->loc;
		lower_from(l, ic, &c->from, a);
		lower_to(l, ic, &c->to, a);
		lower_ode_copy(l, ic, c, a);
	}
	lower_info(l, a)->desc = push_assign(l, as);
}

/* <variable name …> from-spec </variable>: an assign of one copy run when
 * the scope starts. */
int lower_basic_var_init(struct lower *l, struct bpel_variable *v)
{
	struct ir_assign *as = ARENA_NEW(l->a, struct ir_assign);
	as->init_of = v;
	as->loc = v->loc;
	as->ncopies = 1;
	as->copies = ARENA_NEW(l->a, struct ir_copy);
	copy_init(as->copies);
	as->copies->loc = v->init->loc;
	struct bpel_activity *ctx = v->scope ? v->scope->activity : NULL;
	lower_from(l, as->copies, v->init, ctx);
	as->copies->to_kind = BPEL_TO_VAR;
	as->copies->to_var = lower_var(v);
	return push_assign(l, as);
}

static struct ir_state *one_step(struct lower *l, enum ir_kind kind,
				 struct bpel_activity *a, int next)
{
	struct ir_state *st = ir_state_new(l->p, kind, a, 0);
	st->next = next;
	return st;
}

/* <empty/> */
int lower_basic_empty(struct lower *l, struct bpel_activity *a, int next)
{
	return one_step(l, IR_EMPTY, a, next)->id;
}

int lower_basic_assign(struct lower *l, struct bpel_activity *a, int next)
{
	struct ir_state *st = one_step(l, IR_ASSIGN, a, next);
	st->desc = lower_info(l, a)->desc;
	return st->id;
}

/* <wait> (<for>duration-expr</for> | <until>deadline-expr</until>) </wait> */
void lower_basic_wait_decl(struct lower *l, struct bpel_activity *a)
{
	lower_info(l, a)->expr =
		lower_expr(l, a->for_expr ? a->for_expr : a->until_expr, a);
}

int lower_basic_wait(struct lower *l, struct bpel_activity *a, int next)
{
	struct ir_state *st = one_step(l, IR_WAIT, a, next);
	st->expr = lower_info(l, a)->expr;
	st->is_until = !a->for_expr && a->until_expr;
	return st->id;
}

/* <throw faultName="QName" faultVariable="NCName"?/> */
int lower_basic_throw(struct lower *l, struct bpel_activity *a, int next)
{
	struct ir_state *st = one_step(l, IR_THROW, a, next);
	st->fault = a->fault_name;
	st->desc = lower_var(a->variable);
	return st->id;
}

/* <rethrow/> */
int lower_basic_rethrow(struct lower *l, struct bpel_activity *a, int next)
{
	return one_step(l, IR_RETHROW, a, next)->id;
}

/* <exit/> */
int lower_basic_exit(struct lower *l, struct bpel_activity *a, int next)
{
	return one_step(l, IR_EXIT, a, next)->id;
}
