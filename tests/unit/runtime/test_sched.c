/*
 * test_sched.c — the scheduler: a flow of three branches joins and the
 * parent resumes once; a tight loop in one instance does not starve
 * another (per-turn step budget); many instances interleave, each getting
 * its own messages in order; --verbose logs each step (instance, strand,
 * state before and after) and does not disturb the run.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine_kit.h"

enum {
	S_DISPATCH = BRT_S_FIRST,
	S_JOINED,
	S_B1,
	S_B2,
	S_B2_DONE,
	S_B3,
	S_LOOP,
	S_LOOP_DONE,
	S_SEQ_NEXT,
	S_SEQ_ASSIGN,
	S_SEQ_END,
	NSTATES,
};

enum { V_A, V_B, V_C };

static const struct brt_scope scopes[] = {
	{ "process", -1, 3, 0, NULL, -1, -1, -1, false, false, 0, NULL, 0,
	  NULL },
};
static const struct brt_variable vars[] = {
	{ "a",
	  0,
	  0,
	  BRT_VAR_MESSAGE,
	  &kit_msg,
	  { 0 },
	  { 0 },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "b",
	  0,
	  1,
	  BRT_VAR_MESSAGE,
	  &kit_msg,
	  { 0 },
	  { 0 },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "c",
	  0,
	  2,
	  BRT_VAR_MESSAGE,
	  &kit_msg,
	  { 0 },
	  { 0 },
	  BRT_XSD_COMPLEX,
	  -1 },
};
static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_A,
					    .create_instance = true };
static const struct brt_receive r_next = { .name = "next",
					   .plink = 0,
					   .op = &kit_op_next,
					   .var = V_B };
static const struct brt_copy copies[] = {
	{ .from = { .kind = BRT_FROM_VAR,
		    .var = V_B,
		    .part = 0,
		    .query = -1,
		    .expr = -1,
		    .literal = -1,
		    .plink = -1,
		    .property = -1 },
	  .to = { .kind = BRT_TO_VAR,
		  .var = V_C,
		  .part = 0,
		  .query = -1,
		  .expr = -1,
		  .plink = -1,
		  .property = -1 } },
};
static const struct brt_assign assigns[] = { { "copy", 1, copies, false, "s",
					       1 } };
static const struct brt_receive *const starts[] = { &r_start };
static const char *const names[NSTATES] = {
	"START",       "DONE",	     "FAULTED",	     "S_DISPATCH", "S_JOINED",
	"S_B1",	       "S_B2",	     "S_B2_DONE",    "S_B3",	   "S_LOOP",
	"S_LOOP_DONE", "S_SEQ_NEXT", "S_SEQ_ASSIGN", "S_SEQ_END"
};

enum { LOOPS = 10000 };
static int loops[64]; /* per instance id: a C stand-in for a counter */

static enum brt_step step(brt_strand *s)
{
	static const int branches[] = { S_B1, S_B2, S_B3 };
	unsigned long id = brt__instance_id(brt__strand_instance(s));
	const char *mode;

	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_DISPATCH);
		return brt_receive(s, &r_start);
	case S_DISPATCH:
		mode = kit_payload(s, V_A);
		if (!strcmp(mode, "flow")) {
			brt_strand_set_state(s, S_JOINED);
			return brt_flow(s, 3, branches);
		}
		if (!strcmp(mode, "loop")) {
			brt_strand_set_state(s, S_LOOP);
			return BRT_STEP_NEXT;
		}
		if (!strcmp(mode, "seq")) {
			brt_strand_set_state(s, S_SEQ_NEXT);
			return BRT_STEP_NEXT;
		}
		if (!strcmp(mode, "bad")) { /* a state no step knows */
			brt_strand_set_state(s, NSTATES + 5);
			return BRT_STEP_NEXT;
		}
		kit_note("%lu:quick", id);
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	case S_JOINED:
		kit_note("joined");
		return BRT_STEP_END;
	case S_B1:
		kit_note("b1");
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	case S_B2:
		brt_strand_set_state(s, S_B2_DONE);
		return brt_receive(s, &r_next);
	case S_B2_DONE:
		kit_note("b2=%s", kit_payload(s, V_B));
		return BRT_STEP_END;
	case S_B3:
		kit_note("b3");
		return BRT_STEP_END;
	case S_LOOP: /* <while> a counter is below LOOPS */
		if (loops[id % 64] < LOOPS) {
			loops[id % 64]++;
			return BRT_STEP_NEXT;
		}
		brt_strand_set_state(s, S_LOOP_DONE);
		return BRT_STEP_NEXT;
	case S_LOOP_DONE:
		kit_note("%lu:loop=%d", id, loops[id % 64]);
		return BRT_STEP_END;
	case S_SEQ_NEXT:
		brt_strand_set_state(s, S_SEQ_ASSIGN);
		return brt_receive(s, &r_next);
	case S_SEQ_ASSIGN:
		brt_strand_set_state(s, S_SEQ_END);
		return brt_assign(s, &assigns[0]);
	case S_SEQ_END:
		kit_note("%lu:%s", id, kit_payload(s, V_C));
		return BRT_STEP_END;
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "sched",
	.qname = { KIT_NS, "sched" },
	.build_id = "b",
	.nscopes = 1,
	.scopes = scopes,
	.nvars = 3,
	.vars = vars,
	.nplinks = 2,
	.plinks = kit_plinks,
	.nassigns = 1,
	.assigns = assigns,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.state_names = names,
	.step = step,
};

START_TEST(sched_flow_joins_three_branches)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "flow");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "b1 b3");
	brt_instance *in = brt__engine_first(rt);
	ck_assert_int_eq(kit_waiting(in, BRT_W_JOIN), 1);
	ck_assert_int_eq(kit_waiting(in, BRT_W_RECEIVE), 1);
	kit_send(rt, &kit_op_next, "x");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "b1 b3 b2=x joined");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(sched_tight_loop_does_not_starve)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "loop");
	kit_send(rt, &kit_op_start, "quick");
	kit_settle(rt);
	/* Instance 2 was queued after instance 1's loop began, yet ends
	 * first; the loop still runs exactly LOOPS times. */
	ck_assert_str_eq(kit_trace, "2:quick 1:loop=10000");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(sched_many_instances_interleave)
{
	enum { N = 40 };
	brt_runtime *rt = kit_rt(&proc);
	char expect[2048] = "", one[32];
	for (int i = 0; i < N; i++)
		ck_assert_int_eq(kit_send(rt, &kit_op_start, "seq"), 0);
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), N);
	/* Without correlation the oldest waiting instance takes a message. */
	for (int i = 1; i <= N; i++) {
		snprintf(one, sizeof one, "m%d", i);
		ck_assert_int_eq(kit_send(rt, &kit_op_next, one), 0);
		snprintf(one, sizeof one, "%s%d:m%d", i > 1 ? " " : "", i, i);
		strcat(expect, one);
		if (i % 7 == 0)
			kit_settle(rt);
	}
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, expect);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert(brt__engine_idle(rt));
	brt__runtime_free(rt);
}
END_TEST

/* fd 2 into a file (check's fork mode keeps that to the test). */
static FILE *capture_stderr(void)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	return f;
}

/* Everything fd 2 got (closes f). */
static const char *captured(FILE *f)
{
	static char log[65536];
	long n = lseek(fileno(f), 0, SEEK_END);
	ck_assert_int_gt(n, 0);
	ck_assert_int_lt(n, (long)sizeof log);
	ck_assert_int_eq(pread(fileno(f), log, (size_t)n, 0), n);
	log[n] = '\0';
	fclose(f);
	return log;
}

START_TEST(sched_verbose_logs_steps)
{
	FILE *f = capture_stderr();
	brt_runtime *rt = kit_rt(&proc);
	rt->verbose = 1;
	kit_send(rt, &kit_op_start, "flow");
	kit_send(rt, &kit_op_next, "v");
	kit_settle(rt);
	/* The early message waited in the inbox: b2 took it at once. */
	ck_assert_str_eq(kit_trace, "b1 b2=v b3 joined");
	brt__runtime_free(rt); /* writes what the log buffered */
	const char *log = captured(f);
	/* One line per step: instance, strand, state before -> after (or
	 * what the step returned), in order for each strand. */
	const char *want[] = { "instance 1 strand 1 START -> S_DISPATCH\n",
			       "instance 1 strand 3 S_B2 -> S_B2_DONE\n",
			       "instance 1 strand 3 S_B2_DONE -> END\n",
			       "instance 1 strand 1 S_JOINED -> END\n" };
	const char *at = log;
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		const char *hit = strstr(at, want[i]);
		ck_assert_msg(hit != NULL, "no '%s' in order in:\n%s", want[i],
			      log);
		at = hit;
	}
}
END_TEST

/* A broken invariant (a state with no step): a release build logs "(bug)"
 * and faults the instance with bpelc:internalError; a BRT_DEBUG build
 * (sanitizers, DEBUG=1) aborts there (registered to expect SIGABRT). */
START_TEST(sched_broken_invariant)
{
	FILE *f = capture_stderr();
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "bad");
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
	const char *log = captured(f);
	ck_assert_msg(strstr(log, "no step for state 19 (bug)") != NULL, "%s",
		      log);
	ck_assert_msg(strstr(log, "internalError") != NULL, "%s", log);
}
END_TEST

Suite *sched_suite(void);
Suite *sched_suite(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, sched_flow_joins_three_branches);
	tcase_add_test(tc, sched_tight_loop_does_not_starve);
	tcase_add_test(tc, sched_many_instances_interleave);
	tcase_add_test(tc, sched_verbose_logs_steps);
#ifdef BRT_DEBUG
	tcase_add_test_raise_signal(tc, sched_broken_invariant, SIGABRT);
#else
	tcase_add_test(tc, sched_broken_invariant);
#endif
	suite_add_tcase(s, tc);
	return s;
}
