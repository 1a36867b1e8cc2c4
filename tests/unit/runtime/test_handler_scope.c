/*
 * test_handler_scope.c — the scope instances that event handlers and
 * forEach create (semantics.md §4, §6, §10; faults.md):
 *  - a forEach child's inline variable initialisers run after its counter
 *    is set, so they can read it;
 *  - an onEvent's associated scope runs its initialisers after the
 *    message is in the onEvent's variable; a failing one is
 *    scopeInitializationFailure in the enclosing scope, and the handler's
 *    activity never runs;
 *  - the default message exchange of an onEvent handler instance and of a
 *    parallel forEach child belongs to that scope instance: completing
 *    without a reply is missingReply there, and the exchange is closed
 *    (its request answered) instead of being passed to the parent.
 * Requests are delivered without an HTTP request object, so the exchange
 * list shows what is left open.
 */
#include "engine_kit.h"

enum {
	S_DISPATCH = BRT_S_FIRST,
	S_F_BODY,
	S_WAIT,
	S_END,
	S_EV,
	S_BAD,
	S_SEV,
	S_S_CATCH,
	S_FC_BODY,
	S_FC_DONE,
	S_FC_CATCH,
	S_CATCH,
	S_FE_INIT,
	S_FE_MEX,
	NSTATES,
};

enum { SC_P, SC_F, SC_E, SC_B, SC_S, SC_FC };
enum {
	V_IN,
	V_UNSET,
	V_I,
	V_MINE,
	V_EV,
	V_GREET,
	V_BAD,
	V_X,
	V_SV,
	V_FV,
	V_J,
	NVARS,
};

/* start, next, other (one-way); sync, sync2 (request-response). */
static const struct brt_operation op_sync2 = {
	"sync2",  KIT_NS, "",  BRT_STYLE_DOCUMENT, NULL, &kit_msg,
	&kit_msg, 0,	  NULL
};
static const struct brt_operation *const ops[] = { &kit_op_start, &kit_op_next,
						   &kit_op_other, &kit_op_sync,
						   &op_sync2 };
static const struct brt_partner_link plinks[] = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/kit",
	  .my_address = "http://127.0.0.1:1/kit",
	  .nmy_ops = 5,
	  .my_ops = ops },
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
					 .mex_scope = SC_E };
static const struct brt_receive r_bad = { .name = "bad",
					  .plink = 0,
					  .op = &kit_op_other,
					  .var = V_BAD,
					  .mex_scope = SC_B };
static const struct brt_receive r_sev = { .name = "sev",
					  .plink = 0,
					  .op = &kit_op_sync,
					  .var = V_SV,
					  .mex_scope = SC_S };
static const struct brt_receive r_fsync = { .name = "fsync",
					    .plink = 0,
					    .op = &op_sync2,
					    .var = V_FV,
					    .mex_scope = SC_FC };
static const struct brt_receive *const starts[] = { &r_start };

static const struct brt_varref refs_i[] = { { "i", V_I, -1, false } };
static const struct brt_varref refs_ev[] = { { "ev.payload", V_EV, 0, false } };
enum { E_ONE, E_THREE, E_MINE, E_GREET, E_LONG };
static const struct brt_expr exprs[] = {
	{ .text = "1", .file = "t.bpel", .line = 1 },
	{ .text = "3", .file = "t.bpel", .line = 2 },
	{ .text = "concat('c', $i)",
	  .file = "t.bpel",
	  .line = 3,
	  .nrefs = 1,
	  .refs = refs_i },
	{ .text = "concat('hi ', $ev.payload)",
	  .file = "t.bpel",
	  .line = 4,
	  .nrefs = 1,
	  .refs = refs_ev },
	{ .text = "'PT5S'", .file = "t.bpel", .line = 5 },
};

#define FROM_EXPR(e)                                                       \
	{                                                                  \
		.kind = BRT_FROM_EXPR, .var = -1, .part = -1, .query = -1, \
		.expr = e, .literal = -1, .plink = -1, .property = -1      \
	}
#define FROM_VAR(v)                                                      \
	{                                                                \
		.kind = BRT_FROM_VAR, .var = v, .part = -1, .query = -1, \
		.expr = -1, .literal = -1, .plink = -1, .property = -1   \
	}
#define TO_VAR(v)                                                      \
	{                                                              \
		.kind = BRT_TO_VAR, .var = v, .part = -1, .query = -1, \
		.expr = -1, .plink = -1, .property = -1                \
	}
static const struct brt_copy c_mine[] = { { .from = FROM_EXPR(E_MINE),
					    .to = TO_VAR(V_MINE) } };
static const struct brt_copy c_greet[] = { { .from = FROM_EXPR(E_GREET),
					     .to = TO_VAR(V_GREET) } };
static const struct brt_copy c_x[] = { { .from = FROM_VAR(V_UNSET),
					 .to = TO_VAR(V_X) } };
static const struct brt_assign assigns[] = {
	{ .name = "initMine", .ncopies = 1, .copies = c_mine, .file = "t.bpel" },
	{ .name = "initGreet",
	  .ncopies = 1,
	  .copies = c_greet,
	  .file = "t.bpel" },
	{ .name = "initX", .ncopies = 1, .copies = c_x, .file = "t.bpel" },
};

#define MSGV(n, sc, sl)                                                      \
	{                                                                    \
		.name = n, .scope = sc, .slot = sl, .kind = BRT_VAR_MESSAGE, \
		.message = &kit_msg, .init = -1                              \
	}
#define TYPEV(n, sc, sl, t, k, in)                                        \
	{                                                                 \
		.name = n, .scope = sc, .slot = sl, .kind = BRT_VAR_TYPE, \
		.type = { KIT_XSD, t }, .xsd = k, .init = in              \
	}
static const struct brt_variable vars[] = {
	MSGV("in", SC_P, 0),
	TYPEV("unset", SC_P, 1, "string", BRT_XSD_STRING, -1),
	TYPEV("i", SC_F, 0, "unsignedInt", BRT_XSD_NUMBER, -1),
	TYPEV("mine", SC_F, 1, "string", BRT_XSD_STRING, 0),
	MSGV("ev", SC_E, 0),
	TYPEV("greet", SC_E, 1, "string", BRT_XSD_STRING, 1),
	MSGV("bad", SC_B, 0),
	TYPEV("x", SC_B, 1, "string", BRT_XSD_STRING, 2),
	MSGV("sv", SC_S, 0),
	MSGV("fv", SC_FC, 0),
	TYPEV("j", SC_FC, 1, "unsignedInt", BRT_XSD_NUMBER, -1),
};

static const struct brt_on_event events[] = { { &r_ev, SC_E, S_EV },
					      { &r_bad, SC_B, S_BAD },
					      { &r_sev, SC_S, S_SEV } };

#define SCOPE(n, par, nv, ca, ...)                                      \
	{                                                               \
		.name = n, .parent = par, .nvars = nv, .catch_all = ca, \
		.compensation = -1, .termination = -1, __VA_ARGS__      \
	}
static const struct brt_scope scopes[] = {
	SCOPE("process", -1, 2, S_CATCH, .nevents = 3, .events = events),
	SCOPE("F", SC_P, 2, -1, .isolated = false),
	SCOPE("E", SC_P, 2, -1, .isolated = false),
	SCOPE("B", SC_P, 2, -1, .isolated = false),
	SCOPE("S", SC_P, 1, S_S_CATCH, .isolated = false),
	SCOPE("FC", SC_P, 2, S_FC_CATCH, .isolated = false),
};

static const struct brt_foreach fe_init = { .name = "each",
					    .start = E_ONE,
					    .final = E_THREE,
					    .branches = -1,
					    .parallel = true,
					    .scope = SC_F,
					    .body = S_F_BODY,
					    .counter = V_I,
					    .next = S_WAIT };
static const struct brt_foreach fe_mex = { .name = "one",
					   .start = E_ONE,
					   .final = E_ONE,
					   .branches = -1,
					   .parallel = true,
					   .scope = SC_FC,
					   .body = S_FC_BODY,
					   .counter = V_J,
					   .next = S_WAIT };

/* Note "what" or "what=arg", and end the strand. */
static enum brt_step note_done(brt_strand *s, const char *what, const char *arg)
{
	if (arg)
		kit_note("%s%s", what, arg);
	else
		kit_note("%s", what);
	brt_strand_set_state(s, BRT_S_DONE);
	return BRT_STEP_NEXT;
}

static enum brt_step step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_DISPATCH);
		return brt_receive(s, &r_start);
	case S_DISPATCH:
		brt_strand_set_state(s, strcmp(kit_payload(s, V_IN), "mex")
						? S_FE_INIT
						: S_FE_MEX);
		return BRT_STEP_NEXT;
	case S_FE_INIT:
		return brt_foreach(s, &fe_init);
	case S_FE_MEX:
		return brt_foreach(s, &fe_mex);
	case S_F_BODY:
		return note_done(s, "mine=", kit_payload(s, V_MINE));
	case S_WAIT:
		brt_strand_set_state(s, S_END);
		return brt_wait(s, E_LONG, false);
	case S_END:
		return note_done(s, "end", NULL);
	case S_EV:
		return note_done(s, "greet=", kit_payload(s, V_GREET));
	case S_BAD:
		return note_done(s, "bad-body", NULL);
	case S_SEV:
		return note_done(s, "sev", NULL);
	case S_S_CATCH:
		return note_done(s, "s-caught-", s->scope->fault.local);
	case S_FC_BODY:
		brt_strand_set_state(s, S_FC_DONE);
		return brt_receive(s, &r_fsync);
	case S_FC_DONE:
		return note_done(s, "fc-got", NULL);
	case S_FC_CATCH:
		return note_done(s, "fc-caught-", s->scope->fault.local);
	case S_CATCH:
		return note_done(s, "caught-", s->scope->fault.local);
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "handlerScope",
	.qname = { KIT_NS, "handlerScope" },
	.build_id = "b",
	.nscopes = SC_FC + 1,
	.scopes = scopes,
	.nvars = NVARS,
	.vars = vars,
	.nplinks = 1,
	.plinks = plinks,
	.nexprs = 5,
	.exprs = exprs,
	.nassigns = 3,
	.assigns = assigns,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.step = step,
};

/* forEach children read their counter in an initialiser; the onEvent
 * scope reads the onEvent's variable in one. */
START_TEST(handler_scope_initialisers_see_implicit_variables)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "init"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "mine=c1 mine=c2 mine=c3");
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "a"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "mine=c1 mine=c2 mine=c3 greet=hi a");
	ck_assert_int_eq(brt__engine_count(rt), 1);
	brt__runtime_free(rt);
}
END_TEST

/* The onEvent scope's initialiser reads an uninitialised variable: the
 * enclosing scope (the process) catches scopeInitializationFailure, and
 * the handler's activity never runs. */
START_TEST(handler_scope_event_init_failure_goes_to_parent)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "mex"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "x"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught-scopeInitializationFailure");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert_int_eq(event_base_loop(rt->base, EVLOOP_NONBLOCK), 1);
	brt__runtime_free(rt);
}
END_TEST

/* A request-response onEvent whose handler instance never replies:
 * missingReply in that instance's scope (caught there), and its exchange
 * is closed, not handed to the process. */
START_TEST(handler_scope_event_missing_reply)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "mex"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_sync, "q"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "sev s-caught-missingReply");
	brt_instance *in = brt__engine_first(rt);
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_null(in->mexes);
	brt__runtime_free(rt);
}
END_TEST

/* The same for the child of a parallel forEach: its own default
 * exchange, missingReply in the child, closed there. */
START_TEST(handler_scope_foreach_missing_reply)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "mex"), 0);
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &op_sync2, "q"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "fc-got fc-caught-missingReply");
	brt_instance *in = brt__engine_first(rt);
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_null(in->mexes);
	brt__runtime_free(rt);
}
END_TEST

Suite *handler_scope_suite(void);
Suite *handler_scope_suite(void)
{
	Suite *s = suite_create("handler_scope");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, handler_scope_initialisers_see_implicit_variables);
	tcase_add_test(tc, handler_scope_event_init_failure_goes_to_parent);
	tcase_add_test(tc, handler_scope_event_missing_reply);
	tcase_add_test(tc, handler_scope_foreach_missing_reply);
	suite_add_tcase(s, tc);
	return s;
}
