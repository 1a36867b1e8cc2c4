/*
 * test_compensate.c — compensation and termination (semantics.md §9,
 * §10): handlers run in reverse completion order with the scope's own
 * variables as they were at completion and enclosing ones live; a second
 * <compensate/> runs nothing; a scope in a loop installs one handler per
 * completion; the default fault handler compensates then rethrows; a
 * fault terminates a running sibling scope whose termination handler runs
 * first, and a fault in that handler is dropped; a fault in a
 * compensation handler comes out of <compensate/>; an isolated scope
 * waits for another to finish.
 *
 * The start message's payload chooses what the process does.
 */
#include "engine_kit.h"

enum {
	S_DISPATCH = BRT_S_FIRST,
	S_A_BODY,
	S_B,
	S_B_BODY,
	S_SET_PV,
	S_THROW,
	S_PCATCH,
	S_PCATCH2,
	S_PCATCH3,
	S_CH_A,
	S_CH_B,
	S_LOOP,
	S_L_BODY,
	S_CH_L,
	S_O_BODY,
	S_T,
	S_T_BODY,
	S_TH,
	S_TH_RECV,
	S_END,
	S_ISO,
	S_ISO_BODY,
	S_ISO_WAIT,
	S_ISO_DONE,
	NSTATES,
};

enum { SC_P, SC_A, SC_B, SC_L, SC_O, SC_T, SC_I };
enum { V_IN, V_PV, V_AV, V_LV };

static const struct brt_scope scopes[] = {
	{ .name = "process",
	  .parent = -1,
	  .nvars = 2,
	  .catch_all = S_PCATCH,
	  .compensation = -1,
	  .termination = -1 },
	{ .name = "A",
	  .parent = 0,
	  .nvars = 1,
	  .catch_all = -1,
	  .compensation = S_CH_A,
	  .termination = -1 },
	{ .name = "B",
	  .parent = 0,
	  .catch_all = -1,
	  .compensation = S_CH_B,
	  .termination = -1 },
	{ .name = "L",
	  .parent = 0,
	  .nvars = 1,
	  .catch_all = -1,
	  .compensation = S_CH_L,
	  .termination = -1 },
	{ .name = "O",
	  .parent = 0,
	  .catch_all = -1,
	  .compensation = -1,
	  .termination = -1 },
	{ .name = "T",
	  .parent = 0,
	  .catch_all = -1,
	  .compensation = -1,
	  .termination = S_TH },
	{ .name = "I",
	  .parent = 0,
	  .catch_all = -1,
	  .compensation = -1,
	  .termination = -1,
	  .isolated = true },
};

#define MV(n, sc, sl)                                                        \
	{                                                                    \
		.name = n, .scope = sc, .slot = sl, .kind = BRT_VAR_MESSAGE, \
		.message = &kit_msg, .init = -1                              \
	}
static const struct brt_variable vars[] = {
	MV("in", SC_P, 0),
	MV("pv", SC_P, 1),
	MV("av", SC_A, 0),
	MV("lv", SC_L, 0),
};

static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_IN,
					    .create_instance = true };
static const struct brt_receive r_next = { .name = "next",
					   .plink = 0,
					   .op = &kit_op_next,
					   .var = -1 };
static const struct brt_receive *const starts[] = { &r_start };
static const struct brt_expr exprs[] = {
	{ .text = "'PT10S'", .file = "t.bpel", .line = 1 },
};

static const struct brt_qname q_boom = { KIT_NS, "boom" };
static const struct brt_qname q_other = { KIT_NS, "other" };

static char mode[256];
static int loop_i;

static void set_var(brt_strand *s, int var, const char *text)
{
	xmlDocPtr *slot = brt__var_slot(s, var);
	ck_assert_ptr_nonnull(slot);
	if (*slot)
		xmlFreeDoc(*slot);
	*slot = kit_msg_new(text);
}

static enum brt_step done(brt_strand *s)
{
	brt_strand_set_state(s, BRT_S_DONE);
	return BRT_STEP_NEXT;
}

static enum brt_step dispatch(brt_strand *s)
{
	static const int term[] = { S_T, S_TH_RECV };
	static const int iso[] = { S_ISO, S_ISO };
	snprintf(mode, sizeof mode, "%s", kit_payload(s, V_IN));
	loop_i = 0;
	if (!strcmp(mode, "loop")) {
		brt_strand_set_state(s, S_LOOP);
		return BRT_STEP_NEXT;
	}
	if (!strcmp(mode, "default")) {
		brt_strand_set_state(s, S_END);
		return brt_scope(s, SC_O, S_O_BODY);
	}
	if (!strcmp(mode, "term") || !strcmp(mode, "thfault")) {
		brt_strand_set_state(s, S_END);
		return brt_flow(s, 2, term);
	}
	if (!strcmp(mode, "iso")) {
		brt_strand_set_state(s, S_END);
		return brt_flow(s, 2, iso);
	}
	brt_strand_set_state(s, S_B);
	return brt_scope(s, SC_A, S_A_BODY);
}

static enum brt_step step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_DISPATCH);
		return brt_receive(s, &r_start);
	case S_DISPATCH:
		return dispatch(s);
	case S_A_BODY:
		kit_note("A");
		set_var(s, V_AV, "a1");
		return done(s);
	case S_B:
		brt_strand_set_state(s, S_SET_PV);
		return brt_scope(s, SC_B, S_B_BODY);
	case S_B_BODY:
		kit_note("B");
		return done(s);
	case S_SET_PV:
		set_var(s, V_PV, "later");
		brt_strand_set_state(s, S_THROW);
		return BRT_STEP_NEXT;
	case S_THROW:
		brt_strand_set_state(s, S_END);
		return brt_throw(s, &q_boom, -1);
	case S_PCATCH:
		kit_note("catch");
		brt_strand_set_state(s, S_PCATCH2);
		return brt_compensate(s);
	case S_PCATCH2:
		if (!strcmp(mode, "twice")) {
			brt_strand_set_state(s, S_PCATCH3);
			return brt_compensate(s);
		}
		/* fall through */
	case S_PCATCH3:
		kit_note("after");
		return done(s);
	case S_CH_A:
		kit_note("chA:%s", kit_payload(s, V_AV));
		kit_note("pv:%s", kit_payload(s, V_PV));
		if (!strcmp(mode, "compfault")) {
			brt_strand_set_state(s, BRT_S_DONE);
			return brt_throw(s, &q_other, -1);
		}
		return done(s);
	case S_CH_B:
		kit_note("chB");
		return done(s);
	case S_LOOP:
		if (loop_i < 3) {
			loop_i++;
			brt_strand_set_state(s, S_LOOP);
			return brt_scope(s, SC_L, S_L_BODY);
		}
		brt_strand_set_state(s, S_THROW);
		return BRT_STEP_NEXT;
	case S_L_BODY: {
		char v[8];
		snprintf(v, sizeof v, "%d", loop_i);
		kit_note("L%d", loop_i);
		set_var(s, V_LV, v);
		return done(s);
	}
	case S_CH_L:
		kit_note("chL:%s", kit_payload(s, V_LV));
		return done(s);
	case S_O_BODY:
		brt_strand_set_state(s, S_THROW);
		return brt_scope(s, SC_A, S_A_BODY);
	case S_T:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_T, S_T_BODY);
	case S_T_BODY:
		kit_note("T");
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_wait(s, 0, false);
	case S_TH:
		kit_note("th");
		if (!strcmp(mode, "thfault")) {
			brt_strand_set_state(s, BRT_S_DONE);
			return brt_throw(s, &q_other, -1);
		}
		return done(s);
	case S_TH_RECV:
		brt_strand_set_state(s, S_THROW);
		return brt_receive(s, &r_next);
	case S_END:
		kit_note("end");
		return done(s);
	case S_ISO:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_scope(s, SC_I, S_ISO_BODY);
	case S_ISO_BODY:
		kit_note("in");
		brt_strand_set_state(s, S_ISO_DONE);
		return brt_receive(s, &r_next);
	case S_ISO_DONE:
		kit_note("out");
		return done(s);
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "comp",
	.qname = { KIT_NS, "comp" },
	.build_id = "b",
	.nscopes = 7,
	.scopes = scopes,
	.nvars = 4,
	.vars = vars,
	.nplinks = 2,
	.plinks = kit_plinks,
	.nexprs = 1,
	.exprs = exprs,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.step = step,
};

#define CASE(name, how, expect) KIT_CASE(name, proc, how, expect, 0)

/* B completed after A: B first. A's own variable as it completed, the
 * process variable as it is now. */
CASE(compensate_reverse_order_snapshot, "order",
     "A B catch chB chA:a1 pv:later after")
/* Each handler runs once. */
CASE(compensate_twice_runs_once, "twice", "A B catch chB chA:a1 pv:later after")
/* One handler instance per completed iteration, newest first. */
CASE(compensate_loop_instances, "loop",
     "L1 L2 L3 catch chL:3 chL:2 chL:1 after")
/* O has no fault handler: its default one compensates A, then rethrows;
 * O itself never completed, so the process has nothing to compensate. */
CASE(compensate_default_fault_handler, "default", "A chA:a1 pv:- catch after")
/* The fault in the compensation handler comes out of <compensate/> in
 * the process's fault handler: the instance ends faulted. */
CASE(compensate_fault_in_handler, "compfault", "A B catch chB chA:a1 pv:later")

/* A fault in one flow branch terminates the scope running in the other:
 * its termination handler runs before the fault handler; a fault inside
 * the termination handler goes nowhere. */
static void term_case(const char *how)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_str_eq(kit_start(rt, how), "T");
	brt_instance *in = brt__engine_first(rt);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(kit_waiting(in, BRT_W_TIMER), 1);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "go"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "T th catch after");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	/* The 10 s timer went with the terminated strand. */
	ck_assert_int_eq(event_base_loop(rt->base, EVLOOP_NONBLOCK), 1);
	brt__runtime_free(rt);
}

START_TEST(terminate_runs_handler_first)
{
	term_case("term");
}
END_TEST

START_TEST(terminate_handler_fault_not_propagated)
{
	term_case("thfault");
}
END_TEST

/* Two isolated scopes in a flow: the second starts only when the first
 * has completed, although the first waits for a message. */
START_TEST(isolated_scopes_serialise)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_str_eq(kit_start(rt, "iso"), "in");
	brt_instance *in = brt__engine_first(rt);
	ck_assert_int_eq(kit_waiting(in, BRT_W_LOCK), 1);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "1"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "in out in");
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "2"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "in out in out end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

/* Destroying an instance while a compensation handler waits, and while
 * a termination handler's scope holds a timer, leaves nothing behind. */
START_TEST(compensate_destroy_anywhere)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_str_eq(kit_start(rt, "term"), "T");
	brt__instance_destroy(brt__engine_first(rt));
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

Suite *compensate_suite(void);
Suite *compensate_suite(void)
{
	Suite *s = suite_create("compensate");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, compensate_reverse_order_snapshot);
	tcase_add_test(tc, compensate_twice_runs_once);
	tcase_add_test(tc, compensate_loop_instances);
	tcase_add_test(tc, compensate_default_fault_handler);
	tcase_add_test(tc, compensate_fault_in_handler);
	tcase_add_test(tc, terminate_runs_handler_first);
	tcase_add_test(tc, terminate_handler_fault_not_propagated);
	tcase_add_test(tc, isolated_scopes_serialise);
	tcase_add_test(tc, compensate_destroy_anywhere);
	suite_add_tcase(s, tc);
	return s;
}
