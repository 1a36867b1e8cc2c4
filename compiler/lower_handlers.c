/*
 * lower_handlers.c — what a scope has besides its body and fault handlers
 * (semantics.md §9, §10): the compensation handler (also an invoke's
 * inline one), the termination handler, event handlers (onEvent with its
 * associated scope and implicit variables, onAlarm), and the activities
 * that call compensation handlers: <compensate/> and <compensateScope>.
 *
 * Each handler is lowered to its own entry state ending at DONE; the
 * runtime starts it in a new strand (runtime/engine/compensate.c, terminate.c,
 * events.c). A scope without a compensation or termination handler keeps
 * -1: the runtime's default handler compensates its children. It does
 * not decide which scope a <compensate/> compensates: at run time that is
 * the scope whose handler runs it.
 */
#include "arena.h"
#include "lower_int.h"

/* <compensate/> */
int lower_handlers_compensate(struct lower *l, struct bpel_activity *a,
			      int next)
{
	struct ir_state *st = ir_state_new(l->p, IR_COMPENSATE, a, 0);
	st->next = next;
	return st->id;
}

/* <compensateScope target="NCName"/>: the target's scope (a <scope>, or an
 * invoke's implicit one; -1 when the invoke has no handler: nothing to
 * compensate). */
int lower_handlers_compensate_scope(struct lower *l, struct bpel_activity *a,
				    int next)
{
	struct ir_state *st = ir_state_new(l->p, IR_COMPENSATE_SCOPE, a, 0);
	st->next = next;
	st->desc = a->target_scope ? lower_info(l, a->target_scope)->scope : -1;
	return st->id;
}

/* <onEvent partnerLink operation variable? messageType|element?
 *   messageExchange?> correlations? fromParts? <scope>…</scope>
 * Declares the associated scope here (before its body is walked) so the
 * implicit variables and the default message exchange belong to it. */
void lower_handlers_event_decl(struct lower *l, struct bpel_activity *a)
{
	struct bpel_activity *b = a->body;
	if (!b || b->kind != BPEL_ACT_SCOPE || !b->scope)
		return; /* reported by the model */
	/* lower_scope_declare declares the implicit variables too. */
	lower_info(l, b)->scope = lower_scope_declare(l, b->scope, b);
	lower_msg_receive_decl(l, a);
}

static int handler(struct lower *l, struct bpel_activity *h)
{
	return h ? lower_activity(l, h, IR_S_DONE) : -1;
}

void lower_handlers_scope(struct lower *l, int isc)
{
	struct ir_program *p = l->p;
	struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, isc);
	struct bpel_scope *bs = sc->bs;

	sc->compensation = handler(l, bs	? bs->compensation_handler
				      : sc->act ? sc->act->compensation_handler
						: NULL);
	if (sc->compensation >= 0)
		ir_state_ref(p, &sc->compensation);
	sc->termination = handler(l, bs ? bs->termination_handler : NULL);
	if (sc->termination >= 0)
		ir_state_ref(p, &sc->termination);
	if (!bs)
		return;

	for (struct bpel_activity *e = bs->on_events; e; e = e->next)
		sc->nevents++;
	sc->events = ARENA_ARRAY(l->a, struct ir_event,
				 sc->nevents ? sc->nevents : 1);
	int i = 0;
	for (struct bpel_activity *e = bs->on_events; e; e = e->next) {
		struct bpel_activity *b = e->body;
		if (!b || b->kind != BPEL_ACT_SCOPE || !b->scope ||
		    lower_info(l, b)->scope < 0)
			continue;
		struct ir_event *ev = &sc->events[i++];
		ev->recv = lower_info(l, e)->desc;
		ev->scope = lower_info(l, b)->scope;
		ev->state = lower_activity(l, b->scope->body, IR_S_DONE);
		ir_state_ref(p, &ev->state);
		lower_scope_handlers(l, ev->scope);
	}
	sc->nevents = i;

	for (struct bpel_alarm *al = bs->on_alarms; al; al = al->next)
		sc->nalarms++;
	sc->alarms = ARENA_ARRAY(l->a, struct ir_alarm,
				 sc->nalarms ? sc->nalarms : 1);
	i = 0;
	for (struct bpel_alarm *al = bs->on_alarms; al; al = al->next, i++) {
		struct ir_alarm *ia = &sc->alarms[i];
		lower_pick_alarm(l, ia, al, sc->act);
		ia->state = lower_activity(l, al->activity, IR_S_DONE);
		ir_state_ref(p, &ia->state);
	}
}
