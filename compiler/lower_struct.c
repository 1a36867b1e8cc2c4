/*
 * lower_struct.c — structured activities that are control flow only:
 * sequence, if, while, repeatUntil, flow. Not here: a flow's links
 * (lower_links.c), pick (lower_pick.c), forEach (lower_foreach.c), scope
 * and its handlers (lower_scope.c, lower_handlers.c).
 */
#include "arena.h"
#include "lower_int.h"

/* <sequence> activity+ </sequence>: the children chained, last first, so
 * each child continues at the entry of the one after it. */
int lower_struct_sequence(struct lower *l, struct bpel_activity *a, int next)
{
	int n = 0;
	for (struct bpel_activity *c = a->children; c; c = c->next)
		n++;
	if (n == 0)
		return next;
	struct bpel_activity **kids =
		ARENA_ARRAY(l->a, struct bpel_activity *, n);
	int i = 0;
	for (struct bpel_activity *c = a->children; c; c = c->next)
		kids[i++] = c;
	while (i-- > 0)
		next = lower_activity(l, kids[i], next);
	return next;
}

/* The <condition> of if, elseif, while and repeatUntil. */
void lower_struct_cond_decl(struct lower *l, struct bpel_activity *a)
{
	lower_info(l, a)->expr = lower_expr(l, a->condition, a);
}

/* <if> <condition/> activity <elseif> <condition/> activity </elseif>*
 *      <else> activity </else>? </if>
 * One step testing the conditions in order; no match: the else branch or
 * next. */
int lower_struct_if(struct lower *l, struct bpel_activity *a, int next)
{
	int n = 1;
	for (struct bpel_activity *c = a->children; c; c = c->next)
		if (c->kind == BPEL_ACT_ELSEIF)
			n++;
	struct ir_state *st = ir_state_new(l->p, IR_BRANCH, a, 0);
	ir_state_branches(l->p, st, n);
	st->branches[0].expr = lower_info(l, a)->expr;
	st->branches[0].state = lower_activity(l, a->body, next);
	st->next = next;
	int i = 1;
	for (struct bpel_activity *c = a->children; c; c = c->next) {
		if (c->kind == BPEL_ACT_ELSEIF) {
			st->branches[i].expr = lower_info(l, c)->expr;
			st->branches[i].state =
				lower_activity(l, c->body, next);
			i++;
		} else if (c->kind == BPEL_ACT_ELSE) {
			st->next = lower_activity(l, c->body, next);
		}
	}
	return st->id;
}

/* <while> <condition/> activity </while>: test, body, back to the test. */
int lower_struct_while(struct lower *l, struct bpel_activity *a, int next)
{
	struct ir_state *st = ir_state_new(l->p, IR_BRANCH, a, 0);
	ir_state_branches(l->p, st, 1);
	st->branches[0].expr = lower_info(l, a)->expr;
	st->branches[0].state = lower_activity(l, a->body, st->id);
	st->next = next;
	return st->id;
}

/* <repeatUntil> activity <condition/> </repeatUntil>: body, then the
 * test; true leaves the loop, false runs the body again. */
int lower_struct_repeat(struct lower *l, struct bpel_activity *a, int next)
{
	struct ir_state *st = ir_state_new(l->p, IR_BRANCH, a, 0);
	ir_state_branches(l->p, st, 1);
	st->branches[0].expr = lower_info(l, a)->expr;
	st->branches[0].state = next;
	int body = lower_activity(l, a->body, st->id);
	st->next = body;
	return body;
}

/* <flow> <links>? activity+ </flow>: one child strand per branch, each
 * ending at DONE; the flow resumes at next once all have ended. Its links
 * are lower_links.c's. */
int lower_struct_flow(struct lower *l, struct bpel_activity *a, int next)
{
	int n = 0;
	for (struct bpel_activity *c = a->children; c; c = c->next)
		n++;
	struct ir_state *st = ir_state_new(l->p, IR_FLOW, a, 0);
	st->next = next;
	lower_links_flow(l, a, st);
	ir_state_branches(l->p, st, n);
	int i = 0;
	for (struct bpel_activity *c = a->children; c; c = c->next, i++)
		st->branches[i].state = lower_activity(l, c, IR_S_DONE);
	return st->id;
}
