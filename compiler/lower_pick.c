/*
 * lower_pick.c — <pick> (semantics.md §7): one PICK step whose descriptor
 * lists the onMessage receives (each a receive descriptor, so routing and
 * correlation treat them as IMAs) and the onAlarms, with the state each
 * branch continues at. Also the message exchange a receive or reply
 * belongs to (§2), which onMessage and onEvent share with receive.
 *
 * It does not decide which branch wins (the runtime, runtime/engine/pick.c) nor
 * lower event handlers (lower_handlers.c).
 */
#include "arena.h"
#include "lower_int.h"

/* onAlarm: (for | until)? repeatEvery? activity */
void lower_pick_alarm(struct lower *l, struct ir_alarm *ia,
		      struct bpel_alarm *al, struct bpel_activity *ctx)
{
	ia->expr = lower_expr(l, al->for_expr ? al->for_expr : al->until_expr,
			      ctx);
	ia->is_until = !al->for_expr && al->until_expr;
	ia->repeat = lower_expr(l, al->repeat_every, ctx);
	ia->state = IR_S_DONE;
	ia->loc = al->loc;
}

/* <pick createInstance?> <onMessage …>activity</onMessage>+
 *   <onAlarm> (for | until) activity </onAlarm>* </pick>
 * Each onMessage gets a receive descriptor (create_instance copied from
 * the pick by the model, so a start pick is listed in `starts`). */
void lower_pick_decl(struct lower *l, struct bpel_activity *a)
{
	struct ir_pick *pk = ARENA_NEW(l->a, struct ir_pick);
	pk->act = a;
	for (struct bpel_activity *m = a->on_messages; m; m = m->next)
		pk->nmsgs++;
	for (struct bpel_alarm *al = a->on_alarms; al; al = al->next)
		pk->nalarms++;
	pk->recv = ARENA_ARRAY(l->a, int, pk->nmsgs ? pk->nmsgs : 1);
	pk->state = ARENA_ARRAY(l->a, int, pk->nmsgs ? pk->nmsgs : 1);
	pk->alarms = ARENA_ARRAY(l->a, struct ir_alarm,
				 pk->nalarms ? pk->nalarms : 1);
	int i = 0;
	for (struct bpel_activity *m = a->on_messages; m; m = m->next, i++) {
		lower_msg_receive_decl(l, m);
		pk->recv[i] = lower_info(l, m)->desc;
		pk->state[i] = IR_S_DONE;
	}
	i = 0;
	for (struct bpel_alarm *al = a->on_alarms; al; al = al->next, i++)
		lower_pick_alarm(l, &pk->alarms[i], al, a);
	ir_vec_push(l->a, &l->p->picks, pk);
	lower_info(l, a)->desc = l->p->picks.n - 1;
}

int lower_pick(struct lower *l, struct bpel_activity *a, int next)
{
	int ip = lower_info(l, a)->desc;
	if (ip < 0)
		return next;
	struct ir_pick *pk = IR_AT(l->p->picks, struct ir_pick, ip);
	struct ir_state *st = ir_state_new(l->p, IR_PICK, a, 0);
	st->desc = ip;
	st->next = next;
	ir_state_branches(l->p, st, pk->nmsgs + pk->nalarms);
	int i = 0;
	for (struct bpel_activity *m = a->on_messages; m; m = m->next, i++) {
		pk->state[i] = lower_activity(l, m->body, next);
		st->branches[i].state = pk->state[i];
		ir_state_ref(l->p, &pk->state[i]);
	}
	int j = 0;
	for (struct bpel_alarm *al = a->on_alarms; al; al = al->next, j++) {
		pk->alarms[j].state = lower_activity(l, al->activity, next);
		st->branches[i + j].state = pk->alarms[j].state;
		ir_state_ref(l->p, &pk->alarms[j].state);
	}
	return st->id;
}

/* A scope that implicitly declares a default message exchange (§10.4.1):
 * an onEvent's associated scope and a parallel forEach's child scope. */
static bool declares_default_mex(const struct bpel_activity *sc)
{
	const struct bpel_activity *p = sc->parent;
	if (!p || p->body != sc)
		return false;
	return p->kind == BPEL_ACT_ON_EVENT ||
	       (p->kind == BPEL_ACT_FOREACH && p->parallel);
}

int lower_pick_mex_scope(struct lower *l, struct bpel_activity *a)
{
	if (a->mex && a->mex->scope)
		return a->mex->scope->index > 0 ? a->mex->scope->index : 0;
	if (a->message_exchange)
		return 0; /* unresolved: check reported it */
	/* The onEvent's own receive belongs to its associated scope. */
	const struct bpel_activity *c = a->kind == BPEL_ACT_ON_EVENT ? a->body
								     : a;
	for (; c; c = c->parent)
		if (c->kind == BPEL_ACT_SCOPE && declares_default_mex(c)) {
			int isc = lower_info(l, c)->scope;
			return isc > 0 ? isc : 0;
		}
	return 0;
}
