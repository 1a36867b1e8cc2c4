/*
 * test_instance.c — instances can be destroyed in every state (waiting on
 * a receive, a timer, an invoke in flight, a flow join inside a scope, a
 * fault handler, an open exchange, a message delivered but not consumed),
 * one by one or all at once at shutdown, and nothing fires afterwards; a
 * scope in fault handling survives save/restore; partner addresses
 * assigned at run time win over the WSDL's.
 */
#include "engine_kit.h"

enum {
	S_DISPATCH = BRT_S_FIRST,
	S_END,
	S_BODY,
	S_B_RECV,
	S_B_TIMER,
	S_B_OTHER,
	S_THROW,
	S_HANDLER,
	S_HANDLER_DONE,
	S_SYNC_THEN,
	NSTATES,
};

enum { V_A, V_B, V_FV };

static const struct brt_catch inner_catches[] = {
	{ { KIT_NS, "boom" }, V_FV, &kit_msg, { 0 }, S_HANDLER },
};
static const struct brt_scope scopes[] = {
	{ "process", -1, 2, 0, NULL, -1, -1, -1, false, false, 0, NULL, 0,
	  NULL },
	{ "inner", 0, 1, 1, inner_catches, -1, -1, -1, false, false, 0, NULL, 0,
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
	{ "fv",
	  1,
	  0,
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
static const struct brt_receive r_other = { .name = "other",
					    .plink = 0,
					    .op = &kit_op_other,
					    .var = -1 };
static const struct brt_receive r_sync = { .name = "sync",
					   .plink = 0,
					   .op = &kit_op_sync,
					   .var = -1 };
static const struct brt_invoke iv_partner = { .name = "call",
					      .plink = 1,
					      .op = &kit_op_next,
					      .in_var = V_A,
					      .out_var = -1 };
static const struct brt_expr exprs[] = {
	{ "'PT10S'", "i.bpel", 1, 0, NULL, 0, NULL },
};
static const struct brt_qname q_boom = { KIT_NS, "boom" };
static const struct brt_receive *const starts[] = { &r_start };

static enum brt_step dispatch(brt_strand *s)
{
	const char *mode = kit_payload(s, V_A);
	brt_strand_set_state(s, S_END);
	if (!strcmp(mode, "recv"))
		return brt_receive(s, &r_next);
	if (!strcmp(mode, "timer"))
		return brt_wait(s, 0, false);
	if (!strcmp(mode, "invoke"))
		return brt_invoke(s, &iv_partner);
	if (!strcmp(mode, "scope-flow"))
		return brt_scope(s, 1, S_BODY);
	if (!strcmp(mode, "handler"))
		return brt_scope(s, 1, S_THROW);
	if (!strcmp(mode, "sync-open")) {
		brt_strand_set_state(s, S_SYNC_THEN);
		return brt_receive(s, &r_sync);
	}
	if (!strcmp(mode, "seturl")) {
		ck_assert_ptr_null(brt__strand_partner_url(s, 1));
		ck_assert_int_eq(brt__strand_set_partner_url(s, 1, "http://a/"),
				 0);
		kit_note("url=%s", brt__strand_partner_url(s, 1));
		kit_note("default=%s",
			 brt__strand_partner_url(s, 0) ? "set" : "none");
		return BRT_STEP_END;
	}
	return brt_strand_bad_state(s);
}

static enum brt_step step(brt_strand *s)
{
	static const int branches[] = { S_B_RECV, S_B_TIMER, S_B_OTHER };
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_DISPATCH);
		return brt_receive(s, &r_start);
	case S_DISPATCH:
		return dispatch(s);
	case S_END:
		kit_note("end");
		return BRT_STEP_END;
	case S_BODY:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_flow(s, 3, branches);
	case S_B_RECV:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_receive(s, &r_next);
	case S_B_TIMER:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_wait(s, 0, false);
	case S_B_OTHER:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_receive(s, &r_other);
	case S_THROW:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_throw(s, &q_boom, V_A);
	case S_HANDLER:
		brt_strand_set_state(s, S_HANDLER_DONE);
		return brt_receive(s, &r_next);
	case S_HANDLER_DONE:
		kit_note("handler fv=%s", kit_payload(s, V_FV));
		kit_note("b=%s", kit_payload(s, V_B));
		return BRT_STEP_END;
	case S_SYNC_THEN:
		brt_strand_set_state(s, S_END);
		return brt_receive(s, &r_next);
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "inst",
	.qname = { KIT_NS, "inst" },
	.build_id = "b",
	.nscopes = 2,
	.scopes = scopes,
	.nvars = 3,
	.vars = vars,
	.nplinks = 2,
	.plinks = kit_plinks,
	.nexprs = 1,
	.exprs = exprs,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.step = step,
	.invoker = &brt_invoke_service,
};

static brt_runtime *new_rt(void)
{
	brt_runtime *rt = kit_rt(&proc);
	rt->partners = calloc(1, sizeof *rt->partners);
	rt->partners[0].link = "partner";
	rt->partners[0].url = "http://127.0.0.1:1/nobody";
	rt->npartners = 1;
	return rt;
}

static const char *const states[] = {
	"recv", "timer", "invoke", "scope-flow", "handler", "sync-open",
};
enum { NSTATES_TESTED = sizeof states / sizeof *states };

/* Each state, destroyed alone; the loop must then have nothing to run. */
START_TEST(instance_destroy_in_every_state)
{
	brt_runtime *rt = new_rt();
	kit_send(rt, &kit_op_start, states[_i]);
	if (!strcmp(states[_i], "sync-open"))
		kit_send(rt, &kit_op_sync, "req");
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	brt__instance_destroy(brt__engine_first(rt));
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert(brt__engine_idle(rt));
	ck_assert_int_eq(event_base_loop(rt->base, EVLOOP_NONBLOCK), 1);
	ck_assert_str_eq(kit_trace, "");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(instance_destroy_with_delivered_message)
{
	brt_runtime *rt = new_rt();
	kit_send(rt, &kit_op_start, "recv");
	kit_settle(rt);
	kit_send(rt, &kit_op_next, "in-flight");
	kit_send(rt, &kit_op_other, "kept");
	ck_assert(brt__engine_busy(rt));
	brt__instance_destroy(brt__engine_first(rt));
	ck_assert(!brt__engine_busy(rt));
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(instance_shutdown_destroys_all)
{
	brt_runtime *rt = new_rt();
	for (int i = 0; i < NSTATES_TESTED; i++)
		kit_send(rt, &kit_op_start, states[i]);
	kit_send(rt, &kit_op_sync, "req");
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), NSTATES_TESTED);
	ck_assert(!brt__engine_idle(rt));
	brt__runtime_free(rt); /* the engine goes first, every state freed */
}
END_TEST

START_TEST(instance_fault_handler_saved_and_restored)
{
	brt_runtime *rt = new_rt();
	kit_send(rt, &kit_op_start, "handler");
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	ck_assert_int_eq(kit_waiting(in, BRT_W_RECEIVE), 1);
	ck_assert_int_eq(kit_waiting(in, BRT_W_SCOPE), 1);
	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	brt__instance_destroy(in);
	int err;
	in = brt__instance_restore(rt, buf, len, &err);
	free(buf);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "later"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "handler fv=handler b=later end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(instance_timer_saved_and_restored)
{
	brt_runtime *rt = new_rt();
	kit_send(rt, &kit_op_start, "scope-flow");
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	ck_assert_int_eq(kit_waiting(in, BRT_W_TIMER), 1);
	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	brt__instance_destroy(in);
	int err;
	in = brt__instance_restore(rt, buf, len, &err);
	free(buf);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(kit_waiting(in, BRT_W_TIMER), 1);
	ck_assert_int_eq(kit_waiting(in, BRT_W_RECEIVE), 2);
	ck_assert_int_eq(kit_waiting(in, BRT_W_JOIN), 1);
	ck_assert_int_eq(kit_waiting(in, BRT_W_SCOPE), 1);
	for (brt_strand *t = in->strands_head; t; t = t->next)
		if (t->wait == BRT_W_TIMER)
			ck_assert_ptr_nonnull(t->timer);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(instance_partner_url_assigned)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "seturl");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "url=http://a/ default=none");
	ck_assert_ptr_null(brt__partner_url(rt, 1));
	brt__runtime_free(rt);
}
END_TEST

Suite *instance_suite(void);
Suite *instance_suite(void)
{
	Suite *s = suite_create("instance");
	TCase *tc = tcase_create("core");
	tcase_add_loop_test(tc, instance_destroy_in_every_state, 0,
			    NSTATES_TESTED);
	tcase_add_test(tc, instance_destroy_with_delivered_message);
	tcase_add_test(tc, instance_shutdown_destroys_all);
	tcase_add_test(tc, instance_fault_handler_saved_and_restored);
	tcase_add_test(tc, instance_timer_saved_and_restored);
	tcase_add_test(tc, instance_partner_url_assigned);
	suite_add_tcase(s, tc);
	return s;
}
