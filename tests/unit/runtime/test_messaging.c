/*
 * test_messaging.c — routing and messaging activities: messages for no
 * instance and no start activity are refused; early messages are kept
 * until their receive; reply closes the exchange (a second one is
 * missingRequest); an open exchange at the end is missingReply; a second
 * request on an open exchange is conflictingRequest; invoke without an
 * address, or to an unreachable partner, faults instead of hanging; <wait>
 * for a duration, until a past date, and with an invalid value.
 * Most requests are delivered without an HTTP request object (req NULL);
 * the last tests go through http.c on a loopback port to check what an
 * open request is told when the instance faults, exits or never replies.
 */
#include <time.h>

#include "engine_kit.h"
#include "http_kit.h"

enum {
	S_DISPATCH = BRT_S_FIRST,
	S_REPLY,
	S_REPLY_AGAIN,
	S_CONFLICT2,
	S_NOTE_END,
	S_EARLY,
	S_CATCH,
	NSTATES,
};

enum { V_A, V_B };

static const struct brt_catch catches[] = {
	{ { NULL, NULL }, -1, NULL, { 0 }, -1 }, /* placeholder, never matches */
};
static const struct brt_scope scopes[] = {
	{ "process", -1, 2, 0, catches, S_CATCH, -1, -1, false, false, 0, NULL,
	  0, NULL },
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
};
static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_A,
					    .create_instance = true };
static const struct brt_receive r_sync = { .name = "sync",
					   .plink = 0,
					   .op = &kit_op_sync,
					   .var = V_B };
static const struct brt_receive r_other = { .name = "other",
					    .plink = 0,
					    .op = &kit_op_other,
					    .var = V_B };
static const struct brt_reply rp_sync = { .name = "reply",
					  .plink = 0,
					  .op = &kit_op_sync,
					  .var = V_B };
static const struct brt_invoke iv_partner = { .name = "call",
					      .plink = 1,
					      .op = &kit_op_next,
					      .in_var = V_A,
					      .out_var = -1 };
static const struct brt_expr exprs[] = {
	{ "'PT0.2S'", "m.bpel", 1, 0, NULL, 0, NULL },
	{ "'2000-01-01T00:00:00Z'", "m.bpel", 2, 0, NULL, 0, NULL },
	{ "'banana'", "m.bpel", 3, 0, NULL, 0, NULL },
	{ "'P1D'", "m.bpel", 4, 0, NULL, 0, NULL },
};
static const struct brt_receive *const starts[] = { &r_start };

static enum brt_step dispatch(brt_strand *s)
{
	const char *mode = kit_payload(s, V_A);
	brt_strand_set_state(s, S_NOTE_END);
	if (!strcmp(mode, "sync")) {
		brt_strand_set_state(s, S_REPLY);
		return brt_receive(s, &r_sync);
	}
	if (!strcmp(mode, "noreply"))
		return brt_receive(s, &r_sync);
	if (!strcmp(mode, "conflict")) {
		brt_strand_set_state(s, S_CONFLICT2);
		return brt_receive(s, &r_sync);
	}
	if (!strcmp(mode, "early")) {
		brt_strand_set_state(s, S_EARLY);
		return brt_wait(s, 0, false);
	}
	if (!strcmp(mode, "invoke"))
		return brt_invoke(s, &iv_partner);
	if (!strcmp(mode, "wait"))
		return brt_wait(s, 0, false);
	if (!strcmp(mode, "until-past"))
		return brt_wait(s, 1, true);
	if (!strcmp(mode, "wait-bad"))
		return brt_wait(s, 2, false);
	if (!strcmp(mode, "until-duration"))
		return brt_wait(s, 3, true);
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
	case S_REPLY:
		kit_note("got=%s", kit_payload(s, V_B));
		brt_strand_set_state(s, S_REPLY_AGAIN);
		return brt_reply(s, &rp_sync);
	case S_REPLY_AGAIN:
		kit_note("replied");
		brt_strand_set_state(s, S_NOTE_END);
		return brt_reply(s, &rp_sync);
	case S_CONFLICT2:
		kit_note("first");
		brt_strand_set_state(s, S_NOTE_END);
		return brt_receive(s, &r_sync);
	case S_EARLY:
		brt_strand_set_state(s, S_NOTE_END);
		return brt_receive(s, &r_other);
	case S_NOTE_END:
		kit_note("end");
		return BRT_STEP_END;
	case S_CATCH:
		/* Which fault the catchAll handles: engine internals. */
		kit_note("caught-%s", s->scope->fault.local);
		return BRT_STEP_END;
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "messaging",
	.qname = { KIT_NS, "messaging" },
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
	.invoker = &brt_invoke_service,
};

/* Run the loop (blocking) until no instance is left or `secs` pass. */
static void run_until_idle(brt_runtime *rt, double secs)
{
	double end = brt__now() + secs;
	while (brt__engine_count(rt) > 0 && brt__now() < end) {
		struct timeval tv = { 0, 50000 };
		event_base_loopexit(rt->base, &tv);
		event_base_loop(rt->base, EVLOOP_ONCE);
	}
}

START_TEST(messaging_unknown_message_refused)
{
	brt_runtime *rt = kit_rt(&proc);
	/* One-way: logged and dropped (semantics.md §1); request-response:
	 * refused, so the client gets a fault. */
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "x"), 0);
	ck_assert_int_eq(kit_send(rt, &kit_op_sync, "x"), BRT_ENOTFOUND);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_reply_then_missing_request)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "sync");
	kit_settle(rt);
	ck_assert_int_eq(kit_send(rt, &kit_op_sync, "req"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "got=req replied caught-missingRequest");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_missing_reply_at_end)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "noreply");
	kit_send(rt, &kit_op_sync, "req");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "end caught-missingReply");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_conflicting_request)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "conflict");
	kit_send(rt, &kit_op_sync, "one");
	kit_send(rt, &kit_op_sync, "two");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "first caught-conflictingRequest");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_early_message_kept)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "early");
	kit_settle(rt);
	/* The instance sits in a 0.2 s wait; its receive is not enabled. */
	brt_instance *in = brt__engine_first(rt);
	ck_assert_int_eq(kit_waiting(in, BRT_W_TIMER), 1);
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "early-bird"), 0);
	ck_assert_int_eq(in->ninbox, 1);
	run_until_idle(rt, 5);
	ck_assert_str_eq(kit_trace, "end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_invoke_without_address)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "invoke");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught-uninitializedPartnerRole");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_invoke_unreachable_faults)
{
	brt_runtime *rt = kit_rt(&proc);
	rt->partners = calloc(1, sizeof *rt->partners);
	rt->partners[0].link = "partner";
	rt->partners[0].url = "http://127.0.0.1:1/nobody";
	rt->npartners = 1;
	kit_send(rt, &kit_op_start, "invoke");
	kit_settle(rt);
	ck_assert_int_eq(kit_waiting(brt__engine_first(rt), BRT_W_INVOKE), 1);
	run_until_idle(rt, 10);
	ck_assert_str_eq(kit_trace, "caught-invokeFailed");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_wait_for_duration)
{
	brt_runtime *rt = kit_rt(&proc);
	double t0 = brt__now();
	kit_send(rt, &kit_op_start, "wait");
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	run_until_idle(rt, 5);
	double dt = brt__now() - t0;
	ck_assert_str_eq(kit_trace, "end");
	ck_assert(dt >= 0.19 && dt < 2.0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_wait_until_past)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "until-past");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "end");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_wait_invalid_value)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "wait-bad");
	kit_send(rt, &kit_op_start, "until-duration");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught-invalidExpressionValue "
				    "caught-invalidExpressionValue");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(messaging_wait_deadlines)
{
	brt_runtime *rt = kit_rt(&proc);
	double d, now = brt__now();
	ck_assert_int_eq(brt__wait_deadline(rt, " PT1M30S ", false, &d), 0);
	ck_assert(d - now > 89 && d - now < 91);
	ck_assert_int_eq(brt__wait_deadline(rt, "P1M", false, &d), 0);
	ck_assert(d - now > 27 * 86400 && d - now < 32 * 86400);
	ck_assert_int_eq(
		brt__wait_deadline(rt, "1970-01-02T00:00:00Z", true, &d), 0);
	ck_assert(d > 86399 && d < 86401);
	ck_assert_int_eq(brt__wait_deadline(rt, "PT5S", true, &d), BRT_EINVAL);
	ck_assert_int_eq(brt__wait_deadline(rt, "2020-01-01", false, &d),
			 BRT_EINVAL);
	ck_assert_int_eq(brt__wait_deadline(rt, "P')or('", false, &d),
			 BRT_EINVAL);
	ck_assert_int_eq(brt__wait_deadline(rt, "", false, &d), BRT_EINVAL);
	brt__runtime_free(rt);
}
END_TEST

/* ---- through HTTP: what an open request is told ------------------------- */

static const struct brt_part h_in_parts[] = {
	{ "ask", { KIT_NS, "ask" }, { NULL, NULL }, BRT_XSD_STRING },
};
static const struct brt_message h_in = { { KIT_NS, "AskMsg" }, 1, h_in_parts };
static const struct brt_part h_out_parts[] = {
	{ "answer", { KIT_NS, "answer" }, { NULL, NULL }, BRT_XSD_STRING },
};
static const struct brt_message h_out = { { KIT_NS, "AnswerMsg" },
					  1,
					  h_out_parts };
static const struct brt_operation h_op = {
	"ask",	KIT_NS, "urn:kit/ask", BRT_STYLE_DOCUMENT, NULL, &h_in,
	&h_out, 0,	NULL
};
static const struct brt_operation *const h_ops[] = { &h_op };
static const struct brt_partner_link h_plinks[] = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/ask",
	  .my_address = "http://127.0.0.1:0/ask",
	  .nmy_ops = 1,
	  .my_ops = h_ops },
};
static const struct brt_scope h_scopes[] = {
	{ "process", -1, 1, 0, NULL, -1, -1, -1, false, false, 0, NULL, 0,
	  NULL },
};
static const struct brt_variable h_vars[] = {
	{ "a", 0, 0, BRT_VAR_MESSAGE, &h_in, { 0 }, { 0 }, BRT_XSD_COMPLEX, -1 },
};
static const struct brt_receive h_recv = { .name = "ask",
					   .plink = 0,
					   .op = &h_op,
					   .var = 0,
					   .create_instance = true };
static const struct brt_receive *const h_starts[] = { &h_recv };
static const struct brt_qname q_bad = { KIT_NS, "bad" };

static enum brt_step h_step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, BRT_S_FIRST);
		return brt_receive(s, &h_recv);
	case BRT_S_FIRST: {
		const char *what = kit_payload(s, 0);
		brt_strand_set_state(s, BRT_S_DONE);
		if (strstr(what, "throw"))
			return brt_throw(s, &q_bad, -1);
		if (strstr(what, "exit"))
			return brt_exit(s);
		return BRT_STEP_NEXT; /* ends without replying */
	}
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process h_proc = {
	.name = "ask",
	.qname = { KIT_NS, "ask" },
	.build_id = "b",
	.nscopes = 1,
	.scopes = h_scopes,
	.nvars = 1,
	.vars = h_vars,
	.nplinks = 1,
	.plinks = h_plinks,
	.nstarts = 1,
	.starts = h_starts,
	.nstates = BRT_S_FIRST + 1,
	.step = h_step,
};

/* POST an <ask>what</ask> request and wait (at most 5 s) for the answer. */
static void ask(const char *what, struct http_answer *a)
{
	brt_runtime *rt = kit_rt(&h_proc);
	rt->listen = "127.0.0.1:0";
	ck_assert_int_eq(brt__http_start(rt), 0);
	int port = brt__http_port(rt);
	char body[512];
	snprintf(body, sizeof body,
		 HTTP_KIT_ENV("<k:ask xmlns:k=\"" KIT_NS "\">%s</k:ask>"),
		 what);
	http_kit_post(rt->base, port, "/ask", "urn:kit/ask", body, a);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}

START_TEST(messaging_uncaught_fault_answers_request)
{
	struct http_answer a;
	ask("throw", &a);
	ck_assert_int_eq(a.status, 500);
	ck_assert_msg(strstr(a.body, "Fault") && strstr(a.body, "bad"), "%s",
		      a.body);
}
END_TEST

START_TEST(messaging_exit_answers_request)
{
	struct http_answer a;
	ask("exit", &a);
	ck_assert_int_eq(a.status, 500);
	ck_assert_msg(strstr(a.body, "the process instance exited"), "%s",
		      a.body);
}
END_TEST

START_TEST(messaging_missing_reply_answers_request)
{
	struct http_answer a;
	ask("nothing", &a);
	ck_assert_int_eq(a.status, 500);
	ck_assert_msg(strstr(a.body, "missingReply"), "%s", a.body);
}
END_TEST

Suite *messaging_suite(void);
Suite *messaging_suite(void)
{
	Suite *s = suite_create("messaging");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, messaging_unknown_message_refused);
	tcase_add_test(tc, messaging_reply_then_missing_request);
	tcase_add_test(tc, messaging_missing_reply_at_end);
	tcase_add_test(tc, messaging_conflicting_request);
	tcase_add_test(tc, messaging_early_message_kept);
	tcase_add_test(tc, messaging_invoke_without_address);
	tcase_add_test(tc, messaging_invoke_unreachable_faults);
	tcase_add_test(tc, messaging_wait_for_duration);
	tcase_add_test(tc, messaging_wait_until_past);
	tcase_add_test(tc, messaging_wait_invalid_value);
	tcase_add_test(tc, messaging_wait_deadlines);
	tcase_add_test(tc, messaging_uncaught_fault_answers_request);
	tcase_add_test(tc, messaging_exit_answers_request);
	tcase_add_test(tc, messaging_missing_reply_answers_request);
	suite_add_tcase(s, tc);
	return s;
}
