/*
 * test_foreach.c — <forEach> (semantics.md §6): sequential and parallel
 * child scope instances each with their own counter; the completion
 * condition (early completion, terminating parallel children; counting
 * only successful branches); invalidExpressionValue for a counter that is
 * not an xsd:unsignedInt, invalidBranchCondition for B > N,
 * completionConditionFailure; final < start runs nothing. In test mode
 * (rt->test) each run tells the hooks where it began, whether it ran its
 * body zero times or one or more, and each child it started (coverage).
 *
 * The start payload chooses the forEach descriptor; the child scope's
 * body notes "b<counter>", then (parallel) waits for a `next` message and
 * notes "e", or ("succ") throws, caught by the child's catchAll ("h");
 * a terminated child's termination handler notes "t<counter>".
 */
#include "engine_kit.h"

enum {
	S_FOREACH = BRT_S_FIRST,
	S_END,
	S_BODY,
	S_BODY_WAITED,
	S_BODY_THROW,
	S_H,
	S_CCF,
	S_IBC,
	S_IEV,
	S_TERM,
	NSTATES,
};

enum { E_ONE, E_TWO, E_THREE, E_FIVE, E_NEG, E_DEC, E_ZERO };

#define Q(ns, l)      \
	{             \
		ns, l \
	}
static const struct brt_catch pcatches[] = {
	{ Q(BRT_NS_BPEL, "completionConditionFailure"), -1, NULL, { 0 }, S_CCF },
	{ Q(BRT_NS_BPEL, "invalidBranchCondition"), -1, NULL, { 0 }, S_IBC },
	{ Q(BRT_NS_BPEL, "invalidExpressionValue"), -1, NULL, { 0 }, S_IEV },
};
static const struct brt_scope scopes[] = {
	{ .name = "process",
	  .parent = -1,
	  .nvars = 1,
	  .ncatches = 3,
	  .catches = pcatches,
	  .catch_all = -1,
	  .compensation = -1,
	  .termination = -1 },
	{ .name = "child",
	  .parent = 0,
	  .nvars = 1,
	  .catch_all = S_H,
	  .compensation = -1,
	  .termination = S_TERM },
};
enum { V_A, V_I };
static const struct brt_variable vars[] = {
	{ .name = "a",
	  .scope = 0,
	  .slot = 0,
	  .kind = BRT_VAR_MESSAGE,
	  .message = &kit_msg,
	  .init = -1 },
	{ .name = "i",
	  .scope = 1,
	  .slot = 0,
	  .kind = BRT_VAR_TYPE,
	  .type = { KIT_XSD, "unsignedInt" },
	  .xsd = BRT_XSD_NUMBER,
	  .init = -1 },
};
static const struct brt_expr exprs[] = {
	[E_ONE] = { "1", "t.bpel", 1, 0, NULL, 0, NULL },
	[E_TWO] = { "2", "t.bpel", 1, 0, NULL, 0, NULL },
	[E_THREE] = { "1 + 2", "t.bpel", 1, 0, NULL, 0, NULL },
	[E_FIVE] = { "5", "t.bpel", 1, 0, NULL, 0, NULL },
	[E_NEG] = { "-1", "t.bpel", 1, 0, NULL, 0, NULL },
	[E_DEC] = { "1.5", "t.bpel", 1, 0, NULL, 0, NULL },
	[E_ZERO] = { "0", "t.bpel", 1, 0, NULL, 0, NULL },
};
static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_A,
					    .create_instance = true };
/* Parallel children wait for different operations (no conflict). */
static const struct brt_receive r_next = { .name = "next",
					   .plink = 0,
					   .op = &kit_op_next,
					   .var = -1 };
static const struct brt_receive r_other = { .name = "other",
					    .plink = 0,
					    .op = &kit_op_other,
					    .var = -1 };
static const struct brt_receive *const starts[] = { &r_start };

#define FE(mode, s, f, b, succ, par)                                          \
	{                                                                     \
		mode,                                                         \
		{                                                             \
			.name = mode, .start = s, .final = f, .branches = b,  \
			.successful_only = succ, .parallel = par, .scope = 1, \
			.body = S_BODY, .counter = V_I, .next = S_END         \
		}                                                             \
	}
static const struct {
	const char *mode;
	struct brt_foreach f;
} cases[] = {
	FE("seq", E_ONE, E_THREE, -1, false, false),
	FE("par", E_ONE, E_TWO, -1, false, true),
	FE("par-cc", E_ONE, E_TWO, E_ONE, false, true),
	FE("seq-cc", E_ONE, E_THREE, E_TWO, false, false),
	FE("succ", E_ONE, E_TWO, E_ONE, true, false),
	FE("neg", E_NEG, E_THREE, -1, false, false),
	FE("dec", E_ONE, E_DEC, -1, false, false),
	FE("ibc", E_ONE, E_THREE, E_FIVE, false, true),
	FE("empty", E_THREE, E_ONE, -1, false, false),
	FE("b0", E_ONE, E_THREE, E_ZERO, false, false),
};

static const struct brt_foreach *choose(brt_strand *s)
{
	const char *mode = kit_payload(s, V_A);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		if (!strcmp(cases[i].mode, mode))
			return &cases[i].f;
	return &cases[0].f;
}

static enum brt_step note(brt_strand *s, const char *what, int next)
{
	kit_note("%s", what);
	brt_strand_set_state(s, next);
	return BRT_STEP_NEXT;
}

static const struct brt_qname q_boom = Q(KIT_NS, "boom");

static enum brt_step step(brt_strand *s)
{
	const struct brt_foreach *f;
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_FOREACH);
		return brt_receive(s, &r_start);
	case S_FOREACH:
		return brt_foreach(s, choose(s));
	case S_END:
		return note(s, "end", BRT_S_DONE);
	case S_BODY:
		f = choose(s);
		kit_note("b%s", kit_payload(s, V_I));
		if (f->parallel) {
			brt_strand_set_state(s, S_BODY_WAITED);
			return brt_receive(s, strcmp(kit_payload(s, V_I), "1")
						      ? &r_other
						      : &r_next);
		}
		if (f->successful_only) {
			brt_strand_set_state(s, BRT_S_DONE);
			return brt_throw(s, &q_boom, -1);
		}
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	case S_BODY_WAITED:
		return note(s, "e", BRT_S_DONE);
	case S_H:
		return note(s, "h", BRT_S_DONE);
	case S_CCF:
		return note(s, "ccf", BRT_S_DONE);
	case S_IBC:
		return note(s, "ibc", BRT_S_DONE);
	case S_IEV:
		return note(s, "iev", BRT_S_DONE);
	case S_TERM:
		kit_note("t%s", kit_payload(s, V_I));
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "foreach",
	.qname = { KIT_NS, "foreach" },
	.build_id = "b",
	.nscopes = 2,
	.scopes = scopes,
	.nvars = 2,
	.vars = vars,
	.nplinks = 2,
	.plinks = kit_plinks,
	.nexprs = 7,
	.exprs = exprs,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.step = step,
};

#define CASE(name, how, expect) KIT_CASE(name, proc, how, expect, 0)

CASE(foreach_sequential_counter, "seq", "b1 b2 b3 end")
CASE(foreach_sequential_completion, "seq-cc", "b1 b2 end")
CASE(foreach_successful_branches_only, "succ", "b1 h b2 h ccf")
CASE(foreach_negative_counter, "neg", "iev")
CASE(foreach_decimal_counter, "dec", "iev")
CASE(foreach_invalid_branch_condition, "ibc", "ibc")
CASE(foreach_final_before_start, "empty", "end")

START_TEST(foreach_parallel_runs_all_at_once)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_str_eq(kit_start(rt, "par"), "b1 b2");
	brt_instance *in = brt__engine_first(rt);
	ck_assert_int_eq(kit_waiting(in, BRT_W_RECEIVE), 2);
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "x"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "x"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "b1 b2 e e end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(foreach_parallel_early_completion)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_str_eq(kit_start(rt, "par-cc"), "b1 b2");
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "x"), 0);
	kit_settle(rt);
	/* the second child was terminated (its termination handler ran),
	 * then the forEach and the instance completed */
	ck_assert_str_eq(kit_trace, "b1 b2 e t2 end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(foreach_destroy_while_running)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_str_eq(kit_start(rt, "par"), "b1 b2");
	brt__instance_destroy(brt__engine_first(rt));
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

/* ---- test mode's notes (coverage) ---------------------------------------- */

static double hook_now(brt_runtime *rt)
{
	(void)rt;
	return 0;
}

static int hook_timer_add(brt_runtime *rt, struct event *ev, double deadline)
{
	(void)rt;
	(void)ev;
	(void)deadline;
	return 0;
}

static void hook_timer_del(brt_runtime *rt, struct event *ev)
{
	(void)rt;
	(void)ev;
}

static void hook_link_set(brt_runtime *rt, int link, bool value)
{
	(void)rt;
	(void)link;
	(void)value;
}

static void hook_instance_end(brt_instance *in, int end, const char *ns,
			      const char *local)
{
	(void)in;
	(void)end;
	(void)ns;
	(void)local;
}

/* Notes "@begin", "@zero", "@first", "@child" in the trace, from the
 * forEach's own state. */
static void hook_foreach_note(brt_strand *s, enum brt_test_fe what)
{
	static const char *const names[] = { "begin", "zero", "first",
					     "child" };
	ck_assert_int_eq(brt_strand_state(s), S_FOREACH);
	kit_note("@%s", names[what]);
}

static const struct brt_test_hooks hooks = {
	.now = hook_now,
	.timer_add = hook_timer_add,
	.timer_del = hook_timer_del,
	.link_set = hook_link_set,
	.instance_end = hook_instance_end,
	.foreach_note = hook_foreach_note,
};

static const char *noted(const char *how)
{
	brt_runtime *rt = kit_rt(&proc);
	rt->test = &hooks;
	static char trace[sizeof kit_trace];
	snprintf(trace, sizeof trace, "%s", kit_start(rt, how));
	brt__runtime_free(rt);
	return trace;
}

START_TEST(foreach_test_mode_notes)
{
	/* one or more times: "first" once, then every child */
	ck_assert_str_eq(noted("seq"),
			 "@begin @first @child b1 @child b2 @child b3 end");
	ck_assert_str_eq(noted("seq-cc"),
			 "@begin @first @child b1 @child b2 end");
	ck_assert_str_eq(noted("par"), "@begin @first @child @child b1 b2");
	/* zero times: an empty counter range, or completion at 0 branches */
	ck_assert_str_eq(noted("empty"), "@begin @zero end");
	ck_assert_str_eq(noted("b0"), "@begin @zero end");
	/* a fault before deciding is neither */
	ck_assert_str_eq(noted("ibc"), "@begin ibc");
}
END_TEST

Suite *foreach_suite(void);
Suite *foreach_suite(void)
{
	Suite *s = suite_create("foreach");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, foreach_sequential_counter);
	tcase_add_test(tc, foreach_sequential_completion);
	tcase_add_test(tc, foreach_successful_branches_only);
	tcase_add_test(tc, foreach_negative_counter);
	tcase_add_test(tc, foreach_decimal_counter);
	tcase_add_test(tc, foreach_invalid_branch_condition);
	tcase_add_test(tc, foreach_final_before_start);
	tcase_add_test(tc, foreach_parallel_runs_all_at_once);
	tcase_add_test(tc, foreach_parallel_early_completion);
	tcase_add_test(tc, foreach_destroy_while_running);
	tcase_add_test(tc, foreach_test_mode_notes);
	suite_add_tcase(s, tc);
	return s;
}
