/*
 * test_events.c — event handlers (semantics.md §10, §12.7): each onEvent
 * message starts its own handler instance with its own variable; messages
 * kept before the handlers were enabled are taken then; the process
 * completes only after running handler instances finish, and handlers are
 * disabled once the primary activity completes; onAlarm repeatEvery fires
 * again and again until then; a fault in a handler instance is a fault of
 * the scope and stops the primary activity.
 */
#include "engine_kit.h"

enum {
	S_MAIN = BRT_S_FIRST,
	S_END,
	S_EV,
	S_EV_HOLD,
	S_EV_DONE,
	S_TICK,
	S_CATCH,
	NSTATES,
};

enum { SC_P, SC_E };
enum { V_IN, V_EV };

static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_IN,
					    .create_instance = true };
static const struct brt_receive r_other = { .name = "other",
					    .plink = 0,
					    .op = &kit_op_other,
					    .var = -1 };
static const struct brt_receive r_ev = { .name = "ev",
					 .plink = 0,
					 .op = &kit_op_next,
					 .var = V_EV,
					 .mex_scope = SC_E };
static const struct brt_receive *const starts[] = { &r_start };
static const struct brt_expr exprs[] = {
	{ .text = "'PT0.05S'", .file = "t.bpel", .line = 1 },
	{ .text = "'PT0.02S'", .file = "t.bpel", .line = 2 },
};
static const struct brt_on_event events[] = { { &r_ev, SC_E, S_EV } };
static const struct brt_on_alarm ticks[] = {
	{ .expr = -1, .repeat = 1, .state = S_TICK }
};

static const struct brt_scope ev_scopes[] = {
	{ .name = "process",
	  .parent = -1,
	  .nvars = 1,
	  .catch_all = S_CATCH,
	  .compensation = -1,
	  .termination = -1,
	  .nevents = 1,
	  .events = events },
	{ .name = "E",
	  .parent = 0,
	  .nvars = 1,
	  .catch_all = -1,
	  .compensation = -1,
	  .termination = -1 },
};
static const struct brt_scope al_scopes[] = {
	{ .name = "process",
	  .parent = -1,
	  .nvars = 1,
	  .catch_all = S_CATCH,
	  .compensation = -1,
	  .termination = -1,
	  .nalarms = 1,
	  .alarms = ticks },
	{ .name = "E",
	  .parent = 0,
	  .nvars = 1,
	  .catch_all = -1,
	  .compensation = -1,
	  .termination = -1 },
};
static const struct brt_variable vars[] = {
	{ .name = "in",
	  .scope = SC_P,
	  .slot = 0,
	  .kind = BRT_VAR_MESSAGE,
	  .message = &kit_msg,
	  .init = -1 },
	{ .name = "ev",
	  .scope = SC_E,
	  .slot = 0,
	  .kind = BRT_VAR_MESSAGE,
	  .message = &kit_msg,
	  .init = -1 },
};
static const struct brt_qname q_boom = { KIT_NS, "boom" };
static int nticks;

static enum brt_step step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_MAIN);
		return brt_receive(s, &r_start);
	case S_MAIN:
		brt_strand_set_state(s, S_END);
		return brt_receive(s, &r_other);
	case S_END:
		kit_note("end");
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	case S_EV: {
		const char *v = kit_payload(s, V_EV);
		kit_note("ev:%s", v);
		if (!strcmp(v, "boom")) {
			brt_strand_set_state(s, BRT_S_DONE);
			return brt_throw(s, &q_boom, -1);
		}
		brt_strand_set_state(s, strcmp(v, "hold") ? BRT_S_DONE
							  : S_EV_HOLD);
		return BRT_STEP_NEXT;
	}
	case S_EV_HOLD:
		brt_strand_set_state(s, S_EV_DONE);
		return brt_wait(s, 0, false);
	case S_EV_DONE:
		kit_note("held:%s", kit_payload(s, V_EV));
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	case S_TICK:
		nticks++;
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	case S_CATCH:
		kit_note("caught");
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	default:
		return brt_strand_bad_state(s);
	}
}

#define PROC(sc)                                                               \
	{                                                                      \
		.name = "events", .qname = { KIT_NS, "events" },               \
		.build_id = "b", .nscopes = 2, .scopes = sc, .nvars = 2,       \
		.vars = vars, .nplinks = 2, .plinks = kit_plinks, .nexprs = 2, \
		.exprs = exprs, .nstarts = 1, .starts = starts,                \
		.nstates = NSTATES, .step = step,                              \
	}
static const struct brt_process proc_ev = PROC(ev_scopes);
static const struct brt_process proc_al = PROC(al_scopes);

START_TEST(events_instances_and_completion)
{
	brt_runtime *rt = kit_rt(&proc_ev);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "s"), 0);
	/* Kept until the handlers are enabled (the instance's first turn). */
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "1"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "hold"), 0);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "2"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "ev:1 ev:hold ev:2");
	/* The primary activity completes; a handler instance still runs. */
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "go"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "ev:1 ev:hold ev:2 end");
	ck_assert_int_eq(brt__engine_count(rt), 1);
	/* Disabled: this one is not taken by the instance. */
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "late"), 0);
	kit_run_out(rt);
	ck_assert_str_eq(kit_trace, "ev:1 ev:hold ev:2 end held:hold");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(events_fault_in_handler_is_scope_fault)
{
	brt_runtime *rt = kit_rt(&proc_ev);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "s"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "hold"), 0);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "boom"), 0);
	kit_settle(rt);
	/* The primary receive and the holding instance were terminated. */
	ck_assert_str_eq(kit_trace, "ev:hold ev:boom caught");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert_int_eq(event_base_loop(rt->base, EVLOOP_NONBLOCK), 1);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(events_alarm_repeats_until_disabled)
{
	brt_runtime *rt = kit_rt(&proc_al);
	nticks = 0;
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "s"), 0);
	for (int i = 0; i < 200 && nticks < 3; i++) {
		kit_settle(rt);
		event_base_loop(rt->base, EVLOOP_ONCE);
	}
	kit_settle(rt);
	ck_assert_int_ge(nticks, 3);
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "go"), 0);
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	/* No timer is left behind. */
	ck_assert_int_eq(event_base_loop(rt->base, EVLOOP_NONBLOCK), 1);
	brt__runtime_free(rt);
}
END_TEST

/* Suspended, a repeatEvery alarm (every 20 ms) neither runs its handler
 * nor piles up firings; resumed, it ticks again. */
START_TEST(events_alarm_waits_while_suspended)
{
	brt_runtime *rt = kit_rt(&proc_al);
	nticks = 0;
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "s"), 0);
	kit_settle(rt);
	unsigned long id = brt__instance_id(brt__engine_first(rt));
	ck_assert_int_eq(brt__instance_suspend(rt, id), 0);
	int before = nticks;
	struct timeval tv = { 0, 300000 };
	event_base_loopexit(rt->base, &tv);
	event_base_dispatch(rt->base);
	kit_settle(rt);
	ck_assert_int_eq(nticks, before);
	/* No held handler strands queued up behind the suspension. */
	int nstrands = 0;
	for (brt_strand *s = brt__engine_first(rt)->strands_head; s;
	     s = s->next)
		nstrands++;
	ck_assert_int_le(nstrands, 3);
	ck_assert_int_eq(brt__instance_resume(rt, id), 0);
	for (int i = 0; i < 200 && nticks < before + 2; i++) {
		kit_settle(rt);
		event_base_loop(rt->base, EVLOOP_ONCE);
	}
	ck_assert_int_ge(nticks, before + 2);
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "go"), 0);
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(events_destroy_with_handlers)
{
	brt_runtime *rt = kit_rt(&proc_ev);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "s"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "hold"), 0);
	kit_settle(rt);
	brt__instance_destroy(brt__engine_first(rt));
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert_int_eq(event_base_loop(rt->base, EVLOOP_NONBLOCK), 1);
	brt__runtime_free(rt);
}
END_TEST

Suite *events_suite(void);
Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, events_instances_and_completion);
	tcase_add_test(tc, events_fault_in_handler_is_scope_fault);
	tcase_add_test(tc, events_alarm_repeats_until_disabled);
	tcase_add_test(tc, events_alarm_waits_while_suspended);
	tcase_add_test(tc, events_destroy_with_handlers);
	suite_add_tcase(s, tc);
	return s;
}
