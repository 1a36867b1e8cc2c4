/*
 * test_links.c — flow links (semantics.md §5): a target waits until all
 * its incoming links have a status; transition conditions; the default
 * join (OR) and a joinCondition over `$link`; dead-path elimination sets
 * the skipped activity's links false downstream; joinFailure without
 * suppressJoinFailure; brt_links_kill only touches unset links.
 *
 * One process: receive start, then a flow with links l0, l1, l2:
 *   branch 0: receive next, note S, sources l0 (payload != dead0/fail),
 *             l1 (payload = both)
 *   branch 1: targets l0, note T1, source l2          (dead: l2)
 *   branch 2: targets l1 l2 with joinCondition $l1 and $l2, note T2
 * then note "end". The start payload chooses the case.
 */
#include "engine_kit.h"

enum {
	S_FLOW = BRT_S_FIRST,
	S_END,
	S_B0,
	S_B0_NOTE,
	S_B0_FIRE,
	S_B1,
	S_B1_RUN,
	S_B1_FIRE,
	S_B2,
	S_B2_RUN,
	S_CATCH,
	S_KILL,
	S_KILL2,
	NSTATES,
};

enum { E_TC0, E_TC1, E_JOIN };

static const struct brt_scope scopes[] = {
	{ .name = "process",
	  .parent = -1,
	  .nvars = 1,
	  .catch_all = S_CATCH,
	  .compensation = -1,
	  .termination = -1 },
};
static const struct brt_variable vars[] = {
	{ .name = "a",
	  .scope = 0,
	  .slot = 0,
	  .kind = BRT_VAR_MESSAGE,
	  .message = &kit_msg,
	  .init = -1 },
};
static const struct brt_varref a_payload[] = {
	{ .name = "a.payload", .var = 0, .part = 0 },
};
static const struct brt_varref join_refs[] = {
	{ .name = "l1", .var = 1, .part = -1, .is_link = true },
	{ .name = "l2", .var = 2, .part = -1, .is_link = true },
};
static const struct brt_expr exprs[] = {
	[E_TC0] = { "$a.payload != 'dead0' and $a.payload != 'fail'", "t.bpel",
		    1, 0, NULL, 1, a_payload },
	[E_TC1] = { "$a.payload = 'both'", "t.bpel", 2, 0, NULL, 1, a_payload },
	[E_JOIN] = { "$l1 and $l2", "t.bpel", 3, 0, NULL, 2, join_refs },
};
static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = 0,
					    .create_instance = true };
static const struct brt_receive r_next = { .name = "next",
					   .plink = 0,
					   .op = &kit_op_next,
					   .var = -1 };
static const struct brt_receive *const starts[] = { &r_start };

static const int t_b1[] = { 0 };
static const int dead_b1[] = { 2 };
static const int t_b2[] = { 1, 2 };
static const struct brt_link_source src_b0[] = { { 0, E_TC0 }, { 1, E_TC1 } };
static const struct brt_link_source src_b1[] = { { 2, -1 } };

#define JOIN_B1(sup)                                                      \
	{                                                                 \
		.name = "T1", .ntargets = 1, .targets = t_b1, .join = -1, \
		.suppress = sup, .run = S_B1_RUN, .skip = BRT_S_DONE,     \
		.ndead = 1, .dead = dead_b1                               \
	}
static const struct brt_links join_b1 = JOIN_B1(true);
static const struct brt_links join_b1_nosup = JOIN_B1(false);
static const struct brt_links join_b2 = { .name = "T2",
					  .ntargets = 2,
					  .targets = t_b2,
					  .join = E_JOIN,
					  .suppress = true,
					  .run = S_B2_RUN,
					  .skip = BRT_S_DONE };
static const struct brt_links fire_b0 = { .nsources = 2, .sources = src_b0 };
static const struct brt_links fire_b1 = { .nsources = 1, .sources = src_b1 };

static enum brt_step note(brt_strand *s, const char *what, int next)
{
	kit_note("%s", what);
	brt_strand_set_state(s, next);
	return BRT_STEP_NEXT;
}

static enum brt_step step(brt_strand *s)
{
	static const int branches[] = { S_B0, S_B1, S_B2 };
	static const int kill_links[] = { 0, 1, 2 };
	const char *mode;
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_FLOW);
		return brt_receive(s, &r_start);
	case S_FLOW:
		brt_strand_set_state(s, S_END);
		if (!strcmp(kit_payload(s, 0), "kill")) {
			static const int one[] = { S_KILL };
			return brt_flow_links(s, 1, one, 0, 3);
		}
		return brt_flow_links(s, 3, branches, 0, 3);
	case S_END:
		return note(s, "end", BRT_S_DONE);
	case S_B0:
		brt_strand_set_state(s, S_B0_NOTE);
		return brt_receive(s, &r_next);
	case S_B0_NOTE:
		return note(s, "S", S_B0_FIRE);
	case S_B0_FIRE:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_links_fire(s, &fire_b0);
	case S_B1:
		mode = kit_payload(s, 0);
		return brt_links_join(s, strcmp(mode, "fail") ? &join_b1
							      : &join_b1_nosup);
	case S_B1_RUN:
		return note(s, "T1", S_B1_FIRE);
	case S_B1_FIRE:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_links_fire(s, &fire_b1);
	case S_B2:
		return brt_links_join(s, &join_b2);
	case S_B2_RUN:
		return note(s, "T2", BRT_S_DONE);
	case S_CATCH:
		return note(s, "caught", BRT_S_DONE);
	case S_KILL: {
		/* l1 already true: kill leaves it, sets l0 and l2 false */
		static const struct brt_link_source one[] = { { 1, -1 } };
		static const struct brt_links fire1 = { .nsources = 1,
							.sources = one };
		brt_strand_set_state(s, S_KILL2);
		enum brt_step r = brt_links_fire(s, &fire1);
		if (r != BRT_STEP_NEXT)
			return r;
		brt_strand_set_state(s, S_KILL2);
		return brt_links_kill(s, 3, kill_links);
	}
	case S_KILL2:
		kit_note("l0=%d l1=%d l2=%d", brt__link_status(s, 0),
			 brt__link_status(s, 1), brt__link_status(s, 2));
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "links",
	.qname = { KIT_NS, "links" },
	.build_id = "b",
	.nscopes = 1,
	.scopes = scopes,
	.nvars = 1,
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

/* Start with `how`, settle, check the targets wait, send next, settle. */
static void run(brt_runtime *rt, const char *how)
{
	ck_assert_int_eq(kit_send(rt, &kit_op_start, how), 0);
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	ck_assert_ptr_nonnull(in);
	ck_assert_str_eq(kit_trace, "");
	ck_assert_int_eq(kit_waiting(in, BRT_W_LINKS), 2);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "x"), 0);
	kit_settle(rt);
}

#define CASE(name, how, expect)                             \
	START_TEST(name)                                    \
	{                                                   \
		brt_runtime *rt = kit_rt(&proc);            \
		run(rt, how);                               \
		ck_assert_str_eq(kit_trace, expect);        \
		ck_assert_int_eq(brt__engine_count(rt), 0); \
		brt__runtime_free(rt);                      \
	}                                                   \
	END_TEST

/* l0 true: T1 runs, l2 true; l1 false: $l1 and $l2 false: T2 skipped. */
CASE(links_wait_then_run, "go", "S T1 end")
/* every link true: both targets run */
CASE(links_join_condition_true, "both", "S T1 T2 end")
/* l0 false: T1 skipped, its l2 set false by dead-path elimination, so T2
 * does not wait forever either */
CASE(links_dead_path_elimination, "dead0", "S end")
/* l0 false without suppressJoinFailure: joinFailure, caught */
CASE(links_join_failure, "fail", "S caught")

START_TEST(links_kill_sets_only_unset)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "kill"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "l0=0 l1=1 l2=0 end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

/* An instance destroyed while targets wait frees its frames (ASan). */
START_TEST(links_destroy_while_waiting)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "go"), 0);
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	brt__instance_destroy(brt__engine_first(rt));
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

Suite *links_suite(void);
Suite *links_suite(void)
{
	Suite *s = suite_create("links");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, links_wait_then_run);
	tcase_add_test(tc, links_join_condition_true);
	tcase_add_test(tc, links_dead_path_elimination);
	tcase_add_test(tc, links_join_failure);
	tcase_add_test(tc, links_kill_sets_only_unset);
	tcase_add_test(tc, links_destroy_while_waiting);
	suite_add_tcase(s, tc);
	return s;
}
