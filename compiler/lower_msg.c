/*
 * lower_msg.c — the messaging activities: receive, reply, invoke. Each is
 * one step calling the runtime with a descriptor (partner link, variables,
 * correlations, fromParts/toParts bound to indexes). The operation and
 * its binding stay model pointers: emit makes the C tables. An invoke with
 * inline catch/catchAll gets an implicit scope step around it.
 * onMessage/onEvent are lower_pick.c's and lower_handlers.c's.
 */
#include "arena.h"
#include "lower_int.h"

static void lower_corr(struct lower *l, struct ir_msg_act *m,
		       struct bpel_correlation *list)
{
	for (struct bpel_correlation *c = list; c; c = c->next)
		m->ncorr++;
	m->corr = ARENA_ARRAY(l->a, struct ir_corr, m->ncorr ? m->ncorr : 1);
	int i = 0;
	for (struct bpel_correlation *c = list; c; c = c->next, i++) {
		m->corr[i].set = c->set ? c->set->index : -1;
		m->corr[i].initiate = c->initiate;
		m->corr[i].pattern = c->pattern;
	}
}

static struct ir_part_map *lower_parts(struct lower *l,
				       struct bpel_part_map *list, int *n)
{
	*n = 0;
	for (struct bpel_part_map *pm = list; pm; pm = pm->next)
		(*n)++;
	struct ir_part_map *out =
		ARENA_ARRAY(l->a, struct ir_part_map, *n ? *n : 1);
	int i = 0;
	for (struct bpel_part_map *pm = list; pm; pm = pm->next, i++) {
		out[i].part = pm->part;
		out[i].var = lower_var(pm->var);
	}
	return out;
}

static struct ir_msg_act *new_msg(struct lower *l, struct bpel_activity *a)
{
	struct ir_msg_act *m = ARENA_NEW(l->a, struct ir_msg_act);
	m->act = a;
	m->plink = a->plink ? a->plink->index : -1;
	m->var = -1;
	m->out_var = -1;
	lower_corr(l, m, a->correlations);
	m->parts = lower_parts(l, a->from_parts, &m->nparts);
	m->to_parts = lower_parts(l, a->to_parts, &m->nto);
	return m;
}

static int push(struct lower *l, struct ir_vec *v, struct ir_msg_act *m)
{
	ir_vec_push(l->a, v, m);
	return v->n - 1;
}

static int one_step(struct lower *l, enum ir_kind kind, struct bpel_activity *a,
		    int next)
{
	struct ir_state *st = ir_state_new(l->p, kind, a, 0);
	st->next = next;
	st->desc = lower_info(l, a)->desc;
	return st->id;
}

/* <receive partnerLink operation variable? createInstance? messageExchange?>
 *   <correlations/>? <fromParts/>? </receive> */
void lower_msg_receive_decl(struct lower *l, struct bpel_activity *a)
{
	struct ir_msg_act *m = new_msg(l, a);
	m->var = lower_var(a->variable);
	m->mex_scope = lower_pick_mex_scope(l, a);
	lower_info(l, a)->desc = push(l, &l->p->receives, m);
}

int lower_msg_receive(struct lower *l, struct bpel_activity *a, int next)
{
	return one_step(l, IR_RECEIVE, a, next);
}

/* <reply partnerLink operation variable? faultName? messageExchange?>
 *   <correlations/>? <toParts/>? </reply> */
void lower_msg_reply_decl(struct lower *l, struct bpel_activity *a)
{
	struct ir_msg_act *m = new_msg(l, a);
	m->var = lower_var(a->variable);
	m->mex_scope = lower_pick_mex_scope(l, a);
	lower_info(l, a)->desc = push(l, &l->p->replies, m);
}

int lower_msg_reply(struct lower *l, struct bpel_activity *a, int next)
{
	return one_step(l, IR_REPLY, a, next);
}

/* <invoke partnerLink operation inputVariable? outputVariable?>
 *   <correlations/>? <catch/>* <catchAll/>? <compensationHandler/>?
 *   <toParts/>? <fromParts/>? </invoke> */
void lower_msg_invoke_decl(struct lower *l, struct bpel_activity *a)
{
	struct ir_msg_act *m = new_msg(l, a);
	m->var = lower_var(a->input_var);
	m->out_var = lower_var(a->output_var);
	lower_info(l, a)->desc = push(l, &l->p->invokes, m);
	if (a->catches || a->catch_all || a->compensation_handler)
		lower_info(l, a)->scope = lower_scope_declare(l, NULL, a);
}

int lower_msg_invoke(struct lower *l, struct bpel_activity *a, int next)
{
	int isc = lower_info(l, a)->scope;
	if (isc < 0)
		return one_step(l, IR_INVOKE, a, next);
	/* The implicit scope: its step first (sub 0), the invoke inside. */
	struct ir_state *sc = ir_state_new(l->p, IR_SCOPE, a, 0);
	sc->desc = isc;
	sc->next = next;
	sc->suffix = "scope";
	ir_state_branches(l->p, sc, 1);
	struct ir_state *st = ir_state_new(l->p, IR_INVOKE, a, 1);
	st->desc = lower_info(l, a)->desc;
	st->next = IR_S_DONE;
	sc->branches[0].state = st->id;
	lower_scope_handlers(l, isc);
	return sc->id;
}
