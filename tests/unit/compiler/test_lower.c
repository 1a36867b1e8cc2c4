/* test_lower.c — state graphs of small processes: sequences chain, loops
 * go back to their test, flow branches and handlers end at DONE, scopes
 * and invoke's implicit scope, tables in document order, pick, event,
 * compensation and termination handlers. Inputs are the
 * golden processes (tests/golden) and processes written on the fly. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "compile_kit.h"
#include "diag.h"
#include "ir.h"

/* A golden process (tests/golden), lowered without errors. */
static void golden(struct kit *x, const char *name)
{
	kit_run(x, kit_golden(name), KIT_LOWER);
	ck_assert_msg(diag_errors(x->dg) == 0, "%s: %s", name, x->out);
}

/* The first state lowered from the activity named `name`. */
static struct ir_state *state(struct kit *x, const char *name)
{
	for (int i = 0; i < x->ir->states.n; i++) {
		struct ir_state *st = IR_AT(x->ir->states, struct ir_state, i);
		if (st->act && st->act->name &&
		    strcmp(st->act->name, name) == 0)
			return st;
	}
	ck_abort_msg("no state for %s", name);
	return NULL;
}

START_TEST(lower_sequence_chains)
{
	struct kit x = { 0 };
	golden(&x, "sequence.bpel");
	struct ir_state *start = state(&x, "start");
	ck_assert_int_eq(x.ir->start_entry, start->id);
	ck_assert_int_eq(start->id, IR_S_FIRST);
	ck_assert_int_eq(start->kind, IR_RECEIVE);
	struct ir_state *prepare = ir_state_get(x.ir, start->next);
	ck_assert_int_eq(prepare->kind, IR_ASSIGN);
	struct ir_state *empty = ir_state_get(x.ir, prepare->next);
	ck_assert_int_eq(empty->kind, IR_EMPTY);
	struct ir_state *done = ir_state_get(x.ir, empty->next);
	ck_assert_ptr_eq(done, state(&x, "done"));
	ck_assert_int_eq(done->next, IR_S_DONE);
	/* states are numbered in document order */
	for (int i = 1; i < x.ir->states.n; i++)
		ck_assert_int_lt(
			IR_AT(x.ir->states, struct ir_state, i - 1)->loc.line,
			IR_AT(x.ir->states, struct ir_state, i)->loc.line);
	kit_free(&x);
}
END_TEST

START_TEST(lower_expression_refs)
{
	struct kit x = { 0 };
	golden(&x, "sequence.bpel");
	/* concat('item $x: ', $tmp/g:item, " and $y"): only $tmp */
	struct ir_expr *e = NULL;
	for (int i = 0; i < x.ir->exprs.n; i++)
		if (strstr(IR_AT(x.ir->exprs, struct ir_expr, i)->text,
			   "concat"))
			e = IR_AT(x.ir->exprs, struct ir_expr, i);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->nrefs, 1);
	ck_assert_str_eq(e->refs[0].name, "tmp");
	ck_assert_int_eq(e->refs[0].var, 2);
	ck_assert_int_eq(e->refs[0].part, -1);
	kit_free(&x);
}
END_TEST

START_TEST(lower_if_while_repeat)
{
	struct kit x = { 0 };
	golden(&x, "control.bpel");
	struct ir_state *choose = state(&x, "choose");
	ck_assert_int_eq(choose->kind, IR_BRANCH);
	ck_assert_int_eq(choose->nbranches, 2);
	ck_assert_int_eq(choose->branches[0].state, state(&x, "one")->id);
	ck_assert_int_eq(choose->branches[1].state, state(&x, "pause")->id);
	ck_assert_int_eq(choose->next, state(&x, "other")->id);
	struct ir_state *loop = state(&x, "loop");
	ck_assert_int_eq(loop->branches[0].state, state(&x, "inc")->id);
	ck_assert_int_eq(state(&x, "inc")->next, loop->id);
	ck_assert_int_eq(state(&x, "one")->next, loop->id);
	/* repeatUntil: body first, test after, false goes back to the body */
	struct ir_state *again = state(&x, "again");
	struct ir_state *dec = state(&x, "dec");
	ck_assert_int_eq(loop->next, dec->id);
	ck_assert_int_eq(dec->next, again->id);
	ck_assert_int_eq(again->next, dec->id);
	ck_assert_int_eq(again->branches[0].state, state(&x, "both")->id);
	kit_free(&x);
}
END_TEST

START_TEST(lower_flow_branches_end_done)
{
	struct kit x = { 0 };
	golden(&x, "control.bpel");
	struct ir_state *both = state(&x, "both");
	ck_assert_int_eq(both->kind, IR_FLOW);
	ck_assert_int_eq(both->nbranches, 2);
	ck_assert_int_eq(both->branches[0].state, state(&x, "left")->id);
	ck_assert_int_eq(both->branches[1].state, state(&x, "later")->id);
	ck_assert_int_eq(state(&x, "left")->next, IR_S_DONE);
	ck_assert_int_eq(state(&x, "later")->next, IR_S_DONE);
	ck_assert(state(&x, "later")->is_until);
	ck_assert_int_eq(both->next, state(&x, "answer")->id);
	kit_free(&x);
}
END_TEST

START_TEST(lower_scopes_and_handlers)
{
	struct kit x = { 0 };
	golden(&x, "faults.bpel");
	ck_assert_int_eq(x.ir->scopes.n, 3);
	struct ir_scope *proc = IR_AT(x.ir->scopes, struct ir_scope, 0);
	struct ir_scope *work = IR_AT(x.ir->scopes, struct ir_scope, 1);
	struct ir_scope *ask = IR_AT(x.ir->scopes, struct ir_scope, 2);
	ck_assert_int_eq(proc->parent, -1);
	ck_assert_int_eq(proc->catch_all, state(&x, "stop")->id);
	ck_assert_int_eq(work->parent, 0);
	ck_assert_int_eq(work->ncatches, 1);
	ck_assert_int_eq(work->catches[0].state, state(&x, "refuse")->id);
	/* the fault variable takes a slot after the declared variable */
	ck_assert_int_eq(work->nvars, 2);
	ck_assert_int_ge(work->catches[0].variable, 0);
	ck_assert_int_eq(work->catch_all, state(&x, "again")->id);
	ck_assert_int_eq(state(&x, "refuse")->next, IR_S_DONE);
	/* invoke with an inline catch: an implicit scope step, then the call */
	ck_assert_str_eq(ask->name, "ask");
	ck_assert_int_eq(ask->parent, 1);
	struct ir_state *sc = state(&x, "ask");
	ck_assert_int_eq(sc->kind, IR_SCOPE);
	ck_assert_int_eq(sc->desc, 2);
	struct ir_state *call = ir_state_get(x.ir, sc->branches[0].state);
	ck_assert_int_eq(call->kind, IR_INVOKE);
	ck_assert_int_eq(call->next, IR_S_DONE);
	ck_assert_int_eq(ask->catches[0].state, state(&x, "fail")->id);
	ck_assert_int_eq(sc->next, state(&x, "done")->id);
	struct ir_state *work_st = state(&x, "work");
	ck_assert_int_eq(work_st->kind, IR_SCOPE);
	ck_assert_int_eq(work_st->branches[0].state, sc->id);
	ck_assert_int_eq(work_st->next, state(&x, "more")->id);
	kit_free(&x);
}
END_TEST

/* <pick>: one PICK step whose branches are its onMessage and onAlarm
 * activities, each continuing after the pick; every onMessage gets a
 * receive descriptor. */
START_TEST(lower_pick_branches)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<pick name=\"pk\">\n"
		"<onMessage partnerLink=\"client\" operation=\"notify\" variable=\"in\"><empty name=\"m\"/></onMessage>\n"
		"<onAlarm><for>'PT1S'</for><empty name=\"al\"/></onAlarm>\n"
		"</pick>\n"
		"<empty name=\"after\"/>\n"
		"</sequence>",
		KIT_LOWER);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	struct ir_state *pk = state(&x, "pk");
	ck_assert_int_eq(pk->kind, IR_PICK);
	ck_assert_int_eq(pk->nbranches, 2);
	ck_assert_int_eq(pk->branches[0].state, state(&x, "m")->id);
	ck_assert_int_eq(pk->branches[1].state, state(&x, "al")->id);
	ck_assert_int_eq(state(&x, "m")->next, state(&x, "after")->id);
	ck_assert_int_eq(x.ir->receives.n, 2);
	struct ir_pick *ip = IR_AT(x.ir->picks, struct ir_pick, pk->desc);
	ck_assert_int_eq(ip->nmsgs, 1);
	ck_assert_int_eq(ip->state[0], state(&x, "m")->id);
	ck_assert_int_eq(ip->nalarms, 1);
	ck_assert_int_eq(ip->alarms[0].state, state(&x, "al")->id);
	ck_assert_int_ge(ip->alarms[0].expr, 0);
	kit_free(&x);
}
END_TEST

/* The process's event handlers and a scope's compensation and
 * termination handlers are lowered to entry states ending at DONE; an
 * onEvent gets its own scope holding its variable and the default
 * message exchange of the receives inside it. */
START_TEST(lower_handlers_entries)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<eventHandlers>\n"
		"<onEvent partnerLink=\"client\" operation=\"notify\" variable=\"ev\" messageType=\"g:request\">\n"
		"<scope name=\"evs\"><empty name=\"evbody\"/></scope></onEvent>\n"
		"<onAlarm><repeatEvery>'PT1S'</repeatEvery><scope name=\"als\"><empty/></scope></onAlarm>\n"
		"</eventHandlers>\n"
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<scope name=\"s\">\n"
		"<compensationHandler><empty name=\"ch\"/></compensationHandler>\n"
		"<terminationHandler><empty name=\"th\"/></terminationHandler>\n"
		"<empty name=\"body\"/></scope>\n"
		"</sequence>",
		KIT_LOWER);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	struct ir_scope *ps = IR_AT(x.ir->scopes, struct ir_scope, 0);
	ck_assert_int_eq(ps->nevents, 1);
	ck_assert_int_eq(ps->events[0].state, state(&x, "evbody")->id);
	ck_assert_int_eq(state(&x, "evbody")->next, IR_S_DONE);
	struct ir_scope *evs =
		IR_AT(x.ir->scopes, struct ir_scope, ps->events[0].scope);
	ck_assert_str_eq(evs->name, "evs");
	ck_assert_int_eq(evs->nvars, 1); /* the onEvent's variable */
	struct ir_msg_act *er =
		IR_AT(x.ir->receives, struct ir_msg_act, ps->events[0].recv);
	ck_assert_int_eq(er->mex_scope, ps->events[0].scope);
	ck_assert_int_eq(ps->nalarms, 1);
	ck_assert_int_eq(ps->alarms[0].expr, -1);
	ck_assert_int_ge(ps->alarms[0].repeat, 0);
	ck_assert_int_eq(ps->alarms[0].state, state(&x, "als")->id);
	struct ir_state *s = state(&x, "s");
	struct ir_scope *sc = IR_AT(x.ir->scopes, struct ir_scope, s->desc);
	ck_assert_int_eq(sc->compensation, state(&x, "ch")->id);
	ck_assert_int_eq(sc->termination, state(&x, "th")->id);
	ck_assert_int_eq(state(&x, "ch")->next, IR_S_DONE);
	ck_assert_int_eq(ps->compensation, -1);
	kit_free(&x);
}
END_TEST

/* <compensate/> and <compensateScope target> in a fault handler. */
START_TEST(lower_compensate_steps)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<faultHandlers><catchAll><sequence>\n"
		"<compensateScope name=\"cs\" target=\"s\"/>\n"
		"<compensate name=\"c\"/>\n"
		"</sequence></catchAll></faultHandlers>\n"
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<scope name=\"s\"><compensationHandler><empty/></compensationHandler><empty/></scope>\n"
		"</sequence>",
		KIT_LOWER);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	struct ir_state *cs = state(&x, "cs");
	ck_assert_int_eq(cs->kind, IR_COMPENSATE_SCOPE);
	ck_assert_int_eq(cs->desc, state(&x, "s")->desc);
	ck_assert_int_eq(cs->next, state(&x, "c")->id);
	ck_assert_int_eq(state(&x, "c")->kind, IR_COMPENSATE);
	kit_free(&x);
}
END_TEST

START_TEST(lower_empty_sequence_continues)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<flow name=\"f\"><sequence/><empty name=\"e\"/></flow>\n"
		"</sequence>",
		KIT_LOWER);
	struct ir_state *f = state(&x, "f");
	/* an empty sequence has no step: its branch starts at DONE */
	ck_assert_int_eq(f->branches[0].state, IR_S_DONE);
	ck_assert_int_eq(f->branches[1].state, state(&x, "e")->id);
	ck_assert_int_eq(f->next, IR_S_DONE);
	kit_free(&x);
}
END_TEST

Suite *lower_suite(void);

Suite *lower_suite(void)
{
	Suite *s = suite_create("lower");
	TCase *tc = tcase_create("lower");
	tcase_add_test(tc, lower_sequence_chains);
	tcase_add_test(tc, lower_expression_refs);
	tcase_add_test(tc, lower_if_while_repeat);
	tcase_add_test(tc, lower_flow_branches_end_done);
	tcase_add_test(tc, lower_scopes_and_handlers);
	tcase_add_test(tc, lower_pick_branches);
	tcase_add_test(tc, lower_handlers_entries);
	tcase_add_test(tc, lower_compensate_steps);
	tcase_add_test(tc, lower_empty_sequence_continues);
	suite_add_tcase(s, tc);
	return s;
}
