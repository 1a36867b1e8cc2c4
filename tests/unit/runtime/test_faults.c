/*
 * test_faults.c — scopes and faults (semantics.md §8, faults.md): a throw
 * caught by a process catch, by catchAll, or not at all (the instance
 * ends); §12.5 catch selection order; rethrow keeps the original data;
 * a scope's catch, then the process goes on; propagation out of a scope;
 * a fault in a flow terminates the other branches; exit;
 * exitOnStandardFault (joinFailure exempt); scopeInitializationFailure.
 *
 * The start message's payload chooses what the process does.
 */
#include "engine_kit.h"

enum {
	S_DISPATCH = BRT_S_FIRST,
	S_AFTER_SCOPE,
	S_END,
	S_INNER_BODY,
	S_PROP_BODY,
	S_RETHROW_BODY,
	S_SEL_BODY,
	S_EOSF_BODY,
	S_FLOW_WAIT,
	S_FLOW_TIMER,
	S_FLOW_THROW,
	S_EXIT_NOW,
	S_C_BOOM,
	S_C_PWD,
	S_C_SIF,
	S_C_ALL,
	S_C_INNER,
	S_C_WD,
	S_C_WD2,
	S_R1,
	S_R2,
	S_R3,
	S_RX,
	S_C_EOSF_ALL,
	NSTATES,
};

enum { V_A, V_PFV, V_FV, V_SV, V_SV2, V_IV, V_NEVER };

#define Q(ns, l)      \
	{             \
		ns, l \
	}
static const struct brt_catch process_catches[] = {
	{ Q(KIT_NS, "boom"), -1, NULL, { 0 }, S_C_BOOM },
	{ Q(KIT_NS, "withdata"), V_PFV, &kit_msg, { 0 }, S_C_PWD },
	{ Q(BRT_NS_BPEL, "scopeInitializationFailure"),
	  -1,
	  NULL,
	  { 0 },
	  S_C_SIF },
};
static const struct brt_catch inner_catches[] = {
	{ Q(KIT_NS, "inner"), -1, NULL, { 0 }, S_C_INNER },
	{ Q(KIT_NS, "withdata"), V_FV, &kit_msg, { 0 }, S_C_WD },
};
/* Document order must not matter: the §12.5 winner is last. */
static const struct brt_catch sel_catches[] = {
	{ Q(KIT_NS, "sel"), -1, NULL, { 0 }, S_R3 },
	{ Q(NULL, NULL), V_SV, &kit_msg, { 0 }, S_R2 },
	{ Q(KIT_NS, "sel"), V_SV2, &kit_fmsg, { 0 }, S_RX },
	{ Q(KIT_NS, "sel"), V_SV, &kit_msg, { 0 }, S_R1 },
};

#define SCOPES(catch_all)                                                      \
	{                                                                      \
		{ "process", -1,   3,  3,     process_catches,                 \
		  catch_all, -1,   -1, false, false,                           \
		  0,	     NULL, 0,  NULL },                                 \
			{ "inner", 0,	  1,	 2, inner_catches, -1, -1,     \
			  -1,	   false, false, 0, NULL,	   0,  NULL }, \
			{ "sel", 0,	2,     4, sel_catches, -1, -1,         \
			  -1,	 false, false, 0, NULL,	       0,  NULL },     \
			{ "eosf", 0,	 0, 0,	  NULL, S_C_EOSF_ALL, -1, -1,  \
			  true,	  false, 0, NULL, 0,	NULL },                \
			{ "init", 0,	 1,	0, NULL, -1, -1,               \
			  -1,	  false, false, 0, NULL, 0,  NULL },           \
	}
static const struct brt_scope scopes_all[] = SCOPES(S_C_ALL);
static const struct brt_scope scopes_none[] = SCOPES(-1);

#define MV(name, scope, slot, m, init)                               \
	{                                                            \
		name, scope, slot, BRT_VAR_MESSAGE, m, { 0 }, { 0 }, \
			BRT_XSD_COMPLEX, init                        \
	}
static const struct brt_variable vars[] = {
	MV("a", 0, 0, &kit_msg, -1),	 MV("pfv", 0, 1, &kit_msg, -1),
	MV("fv", 1, 0, &kit_msg, -1),	 MV("sv", 2, 0, &kit_msg, -1),
	MV("sv2", 2, 1, &kit_fmsg, -1),	 MV("iv", 4, 0, &kit_msg, 1),
	MV("never", 0, 2, &kit_msg, -1),
};

static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_A,
					    .create_instance = true };
static const struct brt_receive r_next = { .name = "next",
					   .plink = 0,
					   .op = &kit_op_next,
					   .var = -1 };

#define FROM_VAR(v)                                                     \
	{                                                               \
		.kind = BRT_FROM_VAR, .var = v, .part = 0, .query = -1, \
		.expr = -1, .literal = -1, .plink = -1, .property = -1  \
	}
#define FROM_LIT(l)                                                           \
	{                                                                     \
		.kind = BRT_FROM_LITERAL, .var = -1, .part = -1, .query = -1, \
		.expr = -1, .literal = l, .plink = -1, .property = -1         \
	}
#define TO_VAR(v)                                                     \
	{                                                             \
		.kind = BRT_TO_VAR, .var = v, .part = 0, .query = -1, \
		.expr = -1, .plink = -1, .property = -1               \
	}
static const struct brt_copy change_fv[] = {
	{ .from = FROM_LIT(0), .to = TO_VAR(V_FV) },
};
static const struct brt_copy init_iv[] = {
	{ .from = FROM_VAR(V_NEVER), .to = TO_VAR(V_IV) },
};
static const struct brt_assign assigns[] = {
	{ "change", 1, change_fv, false, "t.bpel", 1 },
	{ "init", 1, init_iv, false, "t.bpel", 2 },
};
static const char *const literals[] = { "changed" };
static const struct brt_expr exprs[] = {
	{ "'PT10S'", "t.bpel", 1, 0, NULL, 0, NULL },
};
static const struct brt_receive *const starts[] = { &r_start };

static const struct brt_qname q_boom = Q(KIT_NS, "boom");
static const struct brt_qname q_other = Q(KIT_NS, "other");
static const struct brt_qname q_inner = Q(KIT_NS, "inner");
static const struct brt_qname q_withdata = Q(KIT_NS, "withdata");
static const struct brt_qname q_sel = Q(KIT_NS, "sel");
static const struct brt_qname q_selx = Q(KIT_NS, "selx");
static const struct brt_qname q_join = Q(BRT_NS_BPEL, "joinFailure");

static const char *mode;

static enum brt_step handler(brt_strand *s, const char *note)
{
	kit_note("%s", note);
	brt_strand_set_state(s, BRT_S_DONE);
	return BRT_STEP_NEXT;
}

static enum brt_step dispatch(brt_strand *s)
{
	static const int flow3[] = { S_FLOW_WAIT, S_FLOW_TIMER, S_FLOW_THROW };
	static const int flow_exit[] = { S_FLOW_WAIT, S_EXIT_NOW };
	mode = kit_payload(s, V_A);
	brt_strand_set_state(s, S_AFTER_SCOPE);
	if (!strcmp(mode, "boom"))
		return brt_throw(s, &q_boom, -1);
	if (!strcmp(mode, "other"))
		return brt_throw(s, &q_other, -1);
	if (!strcmp(mode, "scope"))
		return brt_scope(s, 1, S_INNER_BODY);
	if (!strcmp(mode, "scope-prop"))
		return brt_scope(s, 1, S_PROP_BODY);
	if (!strcmp(mode, "rethrow"))
		return brt_scope(s, 1, S_RETHROW_BODY);
	if (!strncmp(mode, "sel", 3))
		return brt_scope(s, 2, S_SEL_BODY);
	if (!strncmp(mode, "eosf", 4))
		return brt_scope(s, 3, S_EOSF_BODY);
	if (!strcmp(mode, "init"))
		return brt_scope(s, 4, S_END);
	if (!strcmp(mode, "flow"))
		return brt_flow(s, 3, flow3);
	if (!strcmp(mode, "exit"))
		return brt_flow(s, 2, flow_exit);
	return brt_strand_bad_state(s);
}

static enum brt_step step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_DISPATCH);
		return brt_receive(s, &r_start);
	case S_DISPATCH:
		return dispatch(s);
	case S_AFTER_SCOPE:
		return handler(s, "after");
	case S_END:
		return handler(s, "scope-body");
	case S_INNER_BODY:
		kit_note("inner");
		brt_strand_set_state(s, S_END);
		return brt_throw(s, &q_inner, -1);
	case S_PROP_BODY:
		brt_strand_set_state(s, S_END);
		return brt_throw(s, &q_boom, -1);
	case S_RETHROW_BODY:
		brt_strand_set_state(s, S_END);
		return brt_throw(s, &q_withdata, V_A);
	case S_SEL_BODY:
		brt_strand_set_state(s, S_END);
		if (!strcmp(mode, "sel-data"))
			return brt_throw(s, &q_sel, V_A);
		if (!strcmp(mode, "sel-nodata"))
			return brt_throw(s, &q_sel, -1);
		return brt_throw(s, &q_selx, V_A);
	case S_EOSF_BODY:
		brt_strand_set_state(s, S_END);
		if (!strcmp(mode, "eosf-join"))
			return brt_throw(s, &q_join, -1);
		return brt__std_fault(s, "selectionFailure", "test");
	case S_FLOW_WAIT:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_receive(s, &r_next);
	case S_FLOW_TIMER:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_wait(s, 0, false);
	case S_FLOW_THROW:
		kit_note("throw");
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_throw(s, &q_boom, -1);
	case S_EXIT_NOW:
		kit_note("exiting");
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_exit(s);
	case S_C_BOOM:
		return handler(s, "caught-boom");
	case S_C_PWD:
		kit_note("process-data=%s", kit_payload(s, V_PFV));
		return handler(s, "caught-withdata");
	case S_C_SIF:
		return handler(s, "caught-sif");
	case S_C_ALL:
		return handler(s, "catch-all");
	case S_C_INNER:
		return handler(s, "inner-caught");
	case S_C_WD:
		brt_strand_set_state(s, S_C_WD2);
		return brt_assign(s, &assigns[0]);
	case S_C_WD2:
		kit_note("fv=%s", kit_payload(s, V_FV));
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_rethrow(s);
	case S_R1:
		return handler(s, "rule1");
	case S_R2:
		return handler(s, "rule2");
	case S_R3:
		return handler(s, "rule3");
	case S_RX:
		return handler(s, "wrong-type");
	case S_C_EOSF_ALL:
		return handler(s, "eosf-catchall");
	default:
		return brt_strand_bad_state(s);
	}
}

#define PROC(sc)                                                               \
	{                                                                      \
		.name = "faults", .qname = { KIT_NS, "faults" },               \
		.build_id = "b", .nscopes = 5, .scopes = sc, .nvars = 7,       \
		.vars = vars, .nplinks = 2, .plinks = kit_plinks, .nexprs = 1, \
		.exprs = exprs, .nliterals = 1, .literals = literals,          \
		.nassigns = 2, .assigns = assigns, .nstarts = 1,               \
		.starts = starts, .nstates = NSTATES, .step = step,            \
	}
static const struct brt_process proc_all = PROC(scopes_all);
static const struct brt_process proc_none = PROC(scopes_none);

KIT_CASE(faults_process_catch, proc_all, "boom", "caught-boom", 0)
KIT_CASE(faults_catch_all, proc_all, "other", "catch-all", 0)
KIT_CASE(faults_uncaught_ends_instance, proc_none, "other", "", 0)
KIT_CASE(faults_scope_catch_then_continue, proc_all, "scope",
	 "inner inner-caught after", 0)
KIT_CASE(faults_propagate_out_of_scope, proc_all, "scope-prop", "caught-boom",
	 0)
KIT_CASE(faults_rethrow_keeps_original_data, proc_all, "rethrow",
	 "fv=changed process-data=rethrow caught-withdata", 0)
KIT_CASE(faults_select_name_and_type, proc_all, "sel-data", "rule1 after", 0)
KIT_CASE(faults_select_name_without_data, proc_all, "sel-nodata", "rule3 after",
	 0)
KIT_CASE(faults_select_type_without_name, proc_all, "sel-other", "rule2 after",
	 0)
KIT_CASE(faults_exit_on_standard_fault, proc_all, "eosf", "", 0)
KIT_CASE(faults_exit_on_standard_fault_not_join, proc_all, "eosf-join",
	 "eosf-catchall after", 0)
KIT_CASE(faults_scope_initialization_failure, proc_all, "init", "caught-sif", 0)
KIT_CASE(faults_exit_stops_everything, proc_all, "exit", "exiting", 0)

START_TEST(faults_flow_branch_terminates_others)
{
	brt_runtime *rt = kit_rt(&proc_all);
	ck_assert_str_eq(kit_start(rt, "flow"), "throw caught-boom");
	/* The waiting receive and the 10 s timer were terminated with the
	 * flow: the instance is gone, the loop has nothing left to do. */
	ck_assert_int_eq(brt__engine_count(rt), 0);
	/* Nobody takes it any more: a one-way message is dropped. */
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "late"), 0);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert_int_eq(event_base_loop(rt->base, EVLOOP_NONBLOCK), 1);
	brt__runtime_free(rt);
}
END_TEST

Suite *faults_suite(void);
Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, faults_process_catch);
	tcase_add_test(tc, faults_catch_all);
	tcase_add_test(tc, faults_uncaught_ends_instance);
	tcase_add_test(tc, faults_scope_catch_then_continue);
	tcase_add_test(tc, faults_propagate_out_of_scope);
	tcase_add_test(tc, faults_rethrow_keeps_original_data);
	tcase_add_test(tc, faults_select_name_and_type);
	tcase_add_test(tc, faults_select_name_without_data);
	tcase_add_test(tc, faults_select_type_without_name);
	tcase_add_test(tc, faults_exit_on_standard_fault);
	tcase_add_test(tc, faults_exit_on_standard_fault_not_join);
	tcase_add_test(tc, faults_scope_initialization_failure);
	tcase_add_test(tc, faults_exit_stops_everything);
	tcase_add_test(tc, faults_flow_branch_terminates_others);
	suite_add_tcase(s, tc);
	return s;
}
