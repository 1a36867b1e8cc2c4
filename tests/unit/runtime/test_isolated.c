/*
 * test_isolated.c — isolated scopes (semantics.md §8, §12.8): the
 * compensation and termination handlers of an isolated scope share its
 * isolation, so a handler that waits cannot interleave its accesses with
 * another isolated scope's; and an isolated scope's event handlers only
 * start once the scope holds the lock.
 *
 * Every handler and body below notes "x<" when it starts and "x>" when it
 * ends, with a <wait> in between: an interleaving shows in the trace.
 * The start message's payload chooses the case.
 */
#include "engine_kit.h"

enum {
	S_DISPATCH = BRT_S_FIRST,
	/* comp */
	S_C_A,
	S_P1_BODY,
	S_P1_THROW,
	S_P1_CATCH,
	S_I1_BODY,
	S_CH1,
	S_CH1_END,
	S_C_B,
	S_C_B2,
	S_I2_BODY,
	S_I2_END,
	/* term */
	S_T_A,
	S_I4_BODY,
	S_I4_END,
	S_T_B,
	S_Q_BODY,
	S_Q_I3,
	S_I3_BODY,
	S_TH3,
	S_TH3_END,
	S_Q_THROW,
	S_Q_THROW2,
	S_Q_CATCH,
	/* events */
	S_E_A,
	S_E_B,
	S_I5_BODY,
	S_EV5,
	S_END,
	NSTATES,
};

enum { SC_P, SC_P1, SC_I1, SC_I2, SC_I4, SC_Q, SC_I3, SC_I5, SC_EV5 };
enum { V_IN, V_EV };

enum { E_LONG, E_SHORT, E_MID };
static const struct brt_expr exprs[] = {
	{ .text = "'PT0.08S'", .file = "t.bpel", .line = 1 },
	{ .text = "'PT0.01S'", .file = "t.bpel", .line = 2 },
	{ .text = "'PT0.03S'", .file = "t.bpel", .line = 3 },
};

static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_IN,
					    .create_instance = true };
static const struct brt_receive r_ev = { .name = "ev",
					 .plink = 0,
					 .op = &kit_op_next,
					 .var = V_EV,
					 .mex_scope = SC_EV5 };
static const struct brt_receive *const starts[] = { &r_start };
static const struct brt_on_event i5_events[] = { { &r_ev, SC_EV5, S_EV5 } };

/* name, parent, catchAll, compensation handler, termination handler. */
#define SCOPE(n, par, ca, ch, th, ...)                                         \
	{                                                                      \
		.name = n, .parent = par, .catch_all = ca, .compensation = ch, \
		.termination = th, __VA_ARGS__                                 \
	}
static const struct brt_scope scopes[] = {
	SCOPE("process", -1, -1, -1, -1, .nvars = 1),
	SCOPE("P1", SC_P, S_P1_CATCH, -1, -1, .nvars = 0),
	SCOPE("I1", SC_P1, -1, S_CH1, -1, .isolated = true),
	SCOPE("I2", SC_P, -1, -1, -1, .isolated = true),
	SCOPE("I4", SC_P, -1, -1, -1, .isolated = true),
	SCOPE("Q", SC_P, S_Q_CATCH, -1, -1, .nvars = 0),
	SCOPE("I3", SC_Q, -1, -1, S_TH3, .isolated = true),
	SCOPE("I5", SC_P, -1, -1, -1, .isolated = true, .nevents = 1,
	      .events = i5_events),
	SCOPE("EV5", SC_I5, -1, -1, -1, .nvars = 1),
};
static const struct brt_variable vars[] = {
	{ .name = "in",
	  .scope = SC_P,
	  .slot = 0,
	  .kind = BRT_VAR_MESSAGE,
	  .message = &kit_msg,
	  .init = -1 },
	{ .name = "ev",
	  .scope = SC_EV5,
	  .slot = 0,
	  .kind = BRT_VAR_MESSAGE,
	  .message = &kit_msg,
	  .init = -1 },
};
static const struct brt_qname q_boom = { KIT_NS, "boom" };

static enum brt_step note_wait(brt_strand *s, const char *what, int next,
			       int expr)
{
	kit_note("%s", what);
	brt_strand_set_state(s, next);
	return brt_wait(s, expr, false);
}

static enum brt_step note_done(brt_strand *s, const char *what)
{
	kit_note("%s", what);
	brt_strand_set_state(s, BRT_S_DONE);
	return BRT_STEP_NEXT;
}

static enum brt_step dispatch(brt_strand *s)
{
	static const int comp[] = { S_C_A, S_C_B };
	static const int term[] = { S_T_A, S_T_B };
	static const int events[] = { S_E_A, S_E_B };
	const char *mode = kit_payload(s, V_IN);
	brt_strand_set_state(s, S_END);
	if (!strcmp(mode, "comp"))
		return brt_flow(s, 2, comp);
	if (!strcmp(mode, "term"))
		return brt_flow(s, 2, term);
	if (!strcmp(mode, "events"))
		return brt_flow(s, 2, events);
	return brt_strand_bad_state(s);
}

static enum brt_step step(brt_strand *s)
{
	static const int q_kids[] = { S_Q_I3, S_Q_THROW };
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_DISPATCH);
		return brt_receive(s, &r_start);
	case S_DISPATCH:
		return dispatch(s);
	/* comp: P1 { isolated I1 (compensation handler waits); throw }
	 * whose catch compensates I1, while isolated I2 starts 10 ms in. */
	case S_C_A:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_P1, S_P1_BODY);
	case S_P1_BODY:
		brt_strand_set_state(s, S_P1_THROW);
		return brt_scope(s, SC_I1, S_I1_BODY);
	case S_I1_BODY:
		return note_done(s, "b1");
	case S_P1_THROW:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_throw(s, &q_boom, -1);
	case S_P1_CATCH:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_compensate(s);
	case S_CH1:
		return note_wait(s, "c1<", S_CH1_END, E_LONG);
	case S_CH1_END:
		return note_done(s, "c1>");
	case S_C_B:
		brt_strand_set_state(s, S_C_B2);
		return brt_wait(s, E_SHORT, false);
	case S_C_B2:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_I2, S_I2_BODY);
	case S_I2_BODY:
		return note_wait(s, "b2<", S_I2_END, E_MID);
	case S_I2_END:
		return note_done(s, "b2>");
	/* term: isolated I4 holds the lock for 80 ms; isolated I3 waits for
	 * it in scope Q, whose other branch throws at 10 ms: I3 is
	 * terminated and its termination handler (which waits) runs. */
	case S_T_A:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_I4, S_I4_BODY);
	case S_I4_BODY:
		return note_wait(s, "b4<", S_I4_END, E_LONG);
	case S_I4_END:
		return note_done(s, "b4>");
	case S_T_B:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_Q, S_Q_BODY);
	case S_Q_BODY:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_flow(s, 2, q_kids);
	case S_Q_I3:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_I3, S_I3_BODY);
	case S_I3_BODY:
		return note_done(s, "b3");
	case S_TH3:
		return note_wait(s, "t<", S_TH3_END, E_MID);
	case S_TH3_END:
		return note_done(s, "t>");
	case S_Q_THROW:
		brt_strand_set_state(s, S_Q_THROW2);
		return brt_wait(s, E_SHORT, false);
	case S_Q_THROW2:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_throw(s, &q_boom, -1);
	case S_Q_CATCH:
		return note_done(s, "caught");
	/* events: isolated I4 holds the lock; isolated I5, whose body
	 * waits for it, has an onEvent: a message for it waits too. */
	case S_E_A:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_I4, S_I4_BODY);
	case S_E_B:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_I5, S_I5_BODY);
	case S_I5_BODY:
		return note_wait(s, "b5<", BRT_S_DONE, E_MID);
	case S_EV5:
		return note_done(s, "ev5");
	case S_END:
		return note_done(s, "end");
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "isolated",
	.qname = { KIT_NS, "isolated" },
	.build_id = "b",
	.nscopes = SC_EV5 + 1,
	.scopes = scopes,
	.nvars = 2,
	.vars = vars,
	.nplinks = 2,
	.plinks = kit_plinks,
	.nexprs = 3,
	.exprs = exprs,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.step = step,
};

/* I1's compensation handler runs under I1's isolation: I2, which starts
 * while the handler waits, runs only after it. */
START_TEST(isolated_compensation_handler_holds_lock)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "comp"), 0);
	kit_run_out(rt);
	ck_assert_str_eq(kit_trace, "b1 c1< c1> b2< b2> end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

/* I3 is terminated while it waits for the lock I4 holds: its termination
 * handler waits for the lock too, so it runs after I4, and Q's catch
 * after the handler. */
START_TEST(isolated_termination_handler_waits_for_lock)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "term"), 0);
	kit_run_out(rt);
	ck_assert_str_eq(kit_trace, "b4< b4> t< t> caught end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

/* I5's event handlers are enabled only when I5 gets the lock: the
 * message sent while I4 holds it waits until then. */
START_TEST(isolated_event_handlers_wait_for_lock)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "events"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "x"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "b4<");
	kit_run_out(rt);
	ck_assert_str_eq(kit_trace, "b4< b4> b5< ev5 end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

Suite *isolated_suite(void);
Suite *isolated_suite(void)
{
	Suite *s = suite_create("isolated");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, isolated_compensation_handler_holds_lock);
	tcase_add_test(tc, isolated_termination_handler_waits_for_lock);
	tcase_add_test(tc, isolated_event_handlers_wait_for_lock);
	suite_add_tcase(s, tc);
	return s;
}
