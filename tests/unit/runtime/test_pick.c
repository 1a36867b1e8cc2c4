/*
 * test_pick.c — <pick> (semantics.md §7): the first event wins and the
 * others are withdrawn: a message, an alarm that fires later, a deadline
 * already past; a message kept before the pick was enabled wins over a
 * past deadline; an invalid duration is invalidExpressionValue.
 */
#include "engine_kit.h"

enum {
	S_FIRST_RECV = BRT_S_FIRST,
	S_PICK,
	S_MSG,
	S_ALARM,
	S_END,
	S_CATCH,
	NSTATES,
};

enum { V_IN, V_GOT };

static const struct brt_scope scopes[] = {
	{ .name = "process",
	  .parent = -1,
	  .nvars = 2,
	  .catch_all = S_CATCH,
	  .compensation = -1,
	  .termination = -1 },
};
static const struct brt_variable vars[] = {
	{ .name = "in",
	  .scope = 0,
	  .slot = 0,
	  .kind = BRT_VAR_MESSAGE,
	  .message = &kit_msg,
	  .init = -1 },
	{ .name = "got",
	  .scope = 0,
	  .slot = 1,
	  .kind = BRT_VAR_MESSAGE,
	  .message = &kit_msg,
	  .init = -1 },
};
static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_IN,
					    .create_instance = true };
static const struct brt_receive r_other = { .name = "other",
					    .plink = 0,
					    .op = &kit_op_other,
					    .var = -1 };
static const struct brt_receive r_next = { .name = "next",
					   .plink = 0,
					   .op = &kit_op_next,
					   .var = V_GOT };
static const struct brt_receive *const starts[] = { &r_start };
static const struct brt_expr exprs[] = {
	{ .text = "'PT10S'", .file = "t.bpel", .line = 1 },
	{ .text = "'PT0.05S'", .file = "t.bpel", .line = 2 },
	{ .text = "'2000-01-01T00:00:00Z'", .file = "t.bpel", .line = 3 },
	{ .text = "'soon'", .file = "t.bpel", .line = 4 },
};
enum { E_LONG, E_SHORT, E_PAST, E_BAD };

static const struct brt_on_message msgs[] = { { &r_next, S_MSG } };
static const struct brt_on_alarm alarms[][2] = {
	{ { .expr = E_LONG, .repeat = -1, .state = S_ALARM } },
	{ { .expr = E_SHORT, .repeat = -1, .state = S_ALARM },
	  { .expr = E_LONG, .repeat = -1, .state = S_CATCH } },
	{ { .expr = E_PAST, .is_until = true, .repeat = -1, .state = S_ALARM } },
	{ { .expr = E_BAD, .repeat = -1, .state = S_ALARM } },
};
static const struct brt_pick picks[] = {
	{ "long", 1, msgs, 1, alarms[0], "t.bpel", 5 },
	{ "short", 1, msgs, 2, alarms[1], "t.bpel", 6 },
	{ "past", 1, msgs, 1, alarms[2], "t.bpel", 7 },
	{ "bad", 1, msgs, 1, alarms[3], "t.bpel", 8 },
};

static const struct brt_pick *which;

static enum brt_step step(brt_strand *s)
{
	const char *mode;
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_FIRST_RECV);
		return brt_receive(s, &r_start);
	case S_FIRST_RECV:
		/* "queued-*": wait for `other` first, so `next` is kept. */
		mode = kit_payload(s, V_IN);
		which = &picks[0];
		for (size_t i = 0; i < sizeof picks / sizeof picks[0]; i++)
			if (strstr(mode, picks[i].name))
				which = &picks[i];
		brt_strand_set_state(s, S_PICK);
		if (strncmp(mode, "queued", 6) == 0)
			return brt_receive(s, &r_other);
		return BRT_STEP_NEXT;
	case S_PICK:
		return brt_pick(s, which);
	case S_MSG:
		kit_note("msg:%s", kit_payload(s, V_GOT));
		brt_strand_set_state(s, S_END);
		return BRT_STEP_NEXT;
	case S_ALARM:
		kit_note("alarm");
		brt_strand_set_state(s, S_END);
		return BRT_STEP_NEXT;
	case S_END:
		kit_note("end");
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

static const struct brt_process proc = {
	.name = "pick",
	.qname = { KIT_NS, "pick" },
	.build_id = "b",
	.nscopes = 1,
	.scopes = scopes,
	.nvars = 2,
	.vars = vars,
	.nplinks = 2,
	.plinks = kit_plinks,
	.nexprs = 4,
	.exprs = exprs,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.step = step,
};

START_TEST(pick_message_wins)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "long"), 0);
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(kit_waiting(in, BRT_W_PICK), 1);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "x"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "msg:x end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	/* The 10 s alarm was withdrawn with the pick. */
	ck_assert_int_eq(event_base_loop(rt->base, EVLOOP_NONBLOCK), 1);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(pick_alarm_wins)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "short"), 0);
	kit_run_out(rt);
	/* The earliest alarm, once; its IMA is gone: `next` is dropped. */
	ck_assert_str_eq(kit_trace, "alarm end");
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "late"), 0);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

/* A suspended instance's alarm does not fire; resumed, it does. */
START_TEST(pick_alarm_waits_for_resume)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "short"), 0);
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	ck_assert_ptr_nonnull(in);
	unsigned long id = brt__instance_id(in);
	ck_assert_int_eq(brt__instance_suspend(rt, id), 0);
	struct timeval tv = { 0, 400000 }; /* 8 times the alarm's 50 ms */
	event_base_loopexit(rt->base, &tv);
	event_base_dispatch(rt->base);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "");
	ck_assert_int_eq(kit_waiting(in, BRT_W_PICK), 1);
	ck_assert_int_eq(brt__instance_resume(rt, id), 0);
	kit_run_out(rt);
	ck_assert_str_eq(kit_trace, "alarm end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(pick_past_deadline_fires_at_once)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "past"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "alarm end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(pick_kept_message_beats_past_deadline)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "queued-past"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "early"), 0);
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "go"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "msg:early end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(pick_invalid_duration)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "bad"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

Suite *pick_suite(void);
Suite *pick_suite(void)
{
	Suite *s = suite_create("pick");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, pick_message_wins);
	tcase_add_test(tc, pick_alarm_wins);
	tcase_add_test(tc, pick_alarm_waits_for_resume);
	tcase_add_test(tc, pick_past_deadline_fires_at_once);
	tcase_add_test(tc, pick_kept_message_beats_past_deadline);
	tcase_add_test(tc, pick_invalid_duration);
	suite_add_tcase(s, tc);
	return s;
}
