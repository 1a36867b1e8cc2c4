/*
 * test_http.c — the SOAP server's answers to requests that never reach the
 * engine: unknown path (404), wrong method (405), malformed XML, not an
 * envelope, DOCTYPE/XXE/billion laughs, oversized body (413), unknown
 * operation, a message that does not fit, and GET ?wsdl. After all of them
 * the service still answers.
 *
 * The process descriptor and the runtime object are hand-written; the
 * client is an evhttp connection on the same loop (http_kit.c).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "http_kit.h"
#include "internal.h"

static const struct brt_part in_parts[] = {
	{ "payload", { "urn:t", "req" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message in_msg = { { "urn:t", "In" }, 1, in_parts };
static const struct brt_part out_parts[] = {
	{ "result", { "urn:t", "resp" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message out_msg = { { "urn:t", "Out" }, 1, out_parts };
static const struct brt_operation op_process = {
	"process",	    "urn:t", "urn:t/process",
	BRT_STYLE_DOCUMENT, NULL,    &in_msg,
	&out_msg,	    0,	     NULL,
};
static const struct brt_operation *const ops[] = { &op_process };
/* As the compiler emits them (emit_wsdl.c): the service's address goes
 * between two pieces. */
static const char *const svc_wsdl_0[] = { "<definitions><a l=\"", "/svc\"/>",
					  "" };
static const char *const svc_xsd_1[] = { "<schema/>" };
static const struct brt_served_doc svc_docs[] = {
	{ "wsdl", 3, svc_wsdl_0 },
	{ "xsd=1", 1, svc_xsd_1 },
};
static const struct brt_partner_link plinks[] = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/svc",
	  .my_address = "http://127.0.0.1:0/svc",
	  .nmy_ops = 1,
	  .my_ops = ops,
	  .nwsdl = 2,
	  .wsdl = svc_docs },
};
static const struct brt_process proc = {
	.name = "test_http",
	.nplinks = 1,
	.plinks = plinks,
};

struct fixture {
	brt_runtime *rt;
	int port;
};

static void setup(struct fixture *fx)
{
	fx->rt = calloc(1, sizeof *fx->rt);
	fx->rt->proc = &proc;
	fx->rt->base = event_base_new();
	fx->rt->listen = "127.0.0.1:0";
	fx->rt->max_body = 4096;
	ck_assert_int_eq(brt__http_start(fx->rt), 0);
	fx->port = brt__http_port(fx->rt);
	ck_assert_int_gt(fx->port, 0);
}

static void teardown(struct fixture *fx)
{
	brt__http_free(fx->rt);
	event_base_free(fx->rt->base);
	free(fx->rt);
}

static void send_req(struct fixture *fx, enum evhttp_cmd_type cmd,
		     const char *path, const char *action, const char *body,
		     size_t len, struct http_answer *a)
{
	http_kit_request(fx->rt->base, fx->port, cmd, path, action, body, len,
			 a);
}

static void post(struct fixture *fx, const char *path, const char *action,
		 const char *body, struct http_answer *a)
{
	http_kit_post(fx->rt->base, fx->port, path, action, body, a);
}

/* The answer is a SOAP 1.1 fault with faultcode soapenv:Client. */
static void assert_client_fault(const struct http_answer *a, int status)
{
	ck_assert_int_eq(a->status, status);
	const char *why;
	xmlDocPtr env = brt__soap_parse(a->body, strlen(a->body), &why);
	ck_assert_msg(env != NULL, "not an envelope: %s", a->body);
	xmlNodePtr body;
	brt__soap_body_first(env, &body);
	ck_assert_ptr_nonnull(brt__soap_fault_elem(body));
	ck_assert_ptr_nonnull(strstr(a->body, "soapenv:Client"));
	xmlFreeDoc(env);
}

START_TEST(http_wsdl)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	send_req(&fx, EVHTTP_REQ_GET, "/svc?wsdl", NULL, NULL, 0, &a);
	ck_assert_int_eq(a.status, 200);
	/* The client's Host header (the kit sends "127.0.0.1"). */
	ck_assert_str_eq(a.body, "<definitions><a l=\"http://127.0.0.1/svc\"/>"
				 "http://127.0.0.1");
	send_req(&fx, EVHTTP_REQ_GET, "/svc?XSD=1", NULL, NULL, 0, &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(a.body, "<schema/>");
	send_req(&fx, EVHTTP_REQ_GET, "/svc?xsd=2", NULL, NULL, 0, &a);
	ck_assert_int_eq(a.status, 404);
	send_req(&fx, EVHTTP_REQ_GET, "/svc?wsdl=1", NULL, NULL, 0, &a);
	ck_assert_int_eq(a.status, 404);
	teardown(&fx);
}
END_TEST

/* GET path with these Host and X-Forwarded-Proto headers. */
static void get_as(struct fixture *fx, const char *path, const char *host,
		   const char *proto, struct http_answer *a)
{
	memset(a, 0, sizeof *a);
	a->base = fx->rt->base;
	struct evhttp_connection *c = evhttp_connection_base_new(
		fx->rt->base, NULL, "127.0.0.1", (ev_uint16_t)fx->port);
	ck_assert_ptr_nonnull(c);
	struct evhttp_request *r = evhttp_request_new(http_kit_on_answer, a);
	ck_assert_ptr_nonnull(r);
	struct evkeyvalq *h = evhttp_request_get_output_headers(r);
	evhttp_add_header(h, "Host", host);
	if (proto)
		evhttp_add_header(h, "X-Forwarded-Proto", proto);
	ck_assert_int_eq(evhttp_make_request(c, r, EVHTTP_REQ_GET, path), 0);
	struct timeval tv = { 5, 0 };
	event_base_loopexit(fx->rt->base, &tv);
	event_base_dispatch(fx->rt->base);
	evhttp_connection_free(c);
}

/* Where the address in a served WSDL comes from: a valid Host header
 * (https when X-Forwarded-Proto says so); else --advertise's origin;
 * else the connection's own address. */
START_TEST(http_wsdl_address_sources)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	get_as(&fx, "/svc?wsdl", "svc.example:8443", "https", &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_ptr_nonnull(
		strstr(a.body, "l=\"https://svc.example:8443/svc\""));
	char want[100];
	snprintf(want, sizeof want, "l=\"http://127.0.0.1:%d/svc\"", fx.port);
	get_as(&fx, "/svc?wsdl", "bad host\"", NULL, &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(strstr(a.body, want) != NULL, "%s", a.body);
	fx.rt->advertise = "http://node-2.internal:7000/cluster/path";
	get_as(&fx, "/svc?wsdl", "", NULL, &a);
	ck_assert_msg(strstr(a.body, "l=\"http://node-2.internal:7000/svc\""),
		      "%s", a.body);
	teardown(&fx);
}
END_TEST

/* What a Host header may put into a served WSDL: a host name, an IPv4
 * address or a bracketed IPv6 one, then an optional port; nothing that
 * could leave an XML attribute or a URL's authority. */
START_TEST(http_wsdl_host_header)
{
	static const char *const good[] = { "example.com",   "a-b.example:8080",
					    "127.0.0.1:1",   "[::1]:65535",
					    "[2001:db8::1]", "x" };
	static const char *const bad[] = {
		"",	  "-x.example",	 ".x",
		"a b",	  "x:0",	 "x:65536",
		"x:",	  "x:123456",	 "[::1",
		"[]:80",  "x\"><y",	 "x/y",
		"x@y",	  "x:80:80",	 "x?wsdl",
		"[::1]x", "\x01host:80", "h\xc3\xa9.example",
	};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++)
		ck_assert_msg(brt__wsdl_host_ok(good[i]), "%s", good[i]);
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!brt__wsdl_host_ok(bad[i]), "%s", bad[i]);
}
END_TEST

START_TEST(http_unknown_path_404)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	post(&fx, "/nothing", NULL, HTTP_KIT_ENV(""), &a);
	assert_client_fault(&a, 404);
	send_req(&fx, EVHTTP_REQ_GET, "/nothing?wsdl", NULL, NULL, 0, &a);
	ck_assert_int_eq(a.status, 404);
	teardown(&fx);
}
END_TEST

START_TEST(http_wrong_method_405)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	send_req(&fx, EVHTTP_REQ_GET, "/svc", NULL, NULL, 0, &a);
	assert_client_fault(&a, 405);
	send_req(&fx, EVHTTP_REQ_PUT, "/svc", NULL, "x", 1, &a);
	assert_client_fault(&a, 405);
	teardown(&fx);
}
END_TEST

START_TEST(http_bad_xml)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	post(&fx, "/svc", NULL, "<s:Envelope", &a);
	assert_client_fault(&a, 500);
	ck_assert_ptr_nonnull(strstr(a.body, "malformed"));
	post(&fx, "/svc", NULL, "<foo/>", &a);
	assert_client_fault(&a, 500);
	post(&fx, "/svc", NULL,
	     "<E xmlns=\"http://www.w3.org/2003/05/soap-envelope\"><Body/></E>",
	     &a);
	assert_client_fault(&a, 500);
	post(&fx, "/svc", NULL, "", &a);
	assert_client_fault(&a, 500);
	teardown(&fx);
}
END_TEST

START_TEST(http_doctype_refused)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	post(&fx, "/svc", "urn:t/process",
	     "<!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" HTTP_KIT_ENV(
		     "<t:req xmlns:t=\"urn:t\">&x;</t:req>"),
	     &a);
	assert_client_fault(&a, 500);
	ck_assert_ptr_null(strstr(a.body, "root:"));
	ck_assert_ptr_nonnull(strstr(a.body, "DOCTYPE"));

	char buf[4096];
	size_t n = (size_t)snprintf(buf, sizeof buf,
				    "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">");
	for (int i = 1; i <= 9; i++)
		n += (size_t)snprintf(
			buf + n, sizeof buf - n,
			"<!ENTITY a%d \"&a%.0d;&a%.0d;&a%.0d;&a%.0d;"
			"&a%.0d;&a%.0d;&a%.0d;&a%.0d;&a%.0d;&a%.0d;\">",
			i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
			i - 1, i - 1, i - 1);
	snprintf(buf + n, sizeof buf - n, "]>" HTTP_KIT_ENV("<a>&a9;</a>"));
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	post(&fx, "/svc", NULL, buf, &a);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_client_fault(&a, 500);
	ck_assert(t1.tv_sec - t0.tv_sec < 2);
	teardown(&fx);
}
END_TEST

START_TEST(http_oversize_413)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	size_t len = 64 * 1024;
	char *big = malloc(len);
	memset(big, ' ', len);
	send_req(&fx, EVHTTP_REQ_POST, "/svc", NULL, big, len, &a);
	free(big);
	/* The service answers 413 as soon as the declared length is over
	 * the limit, without draining the body (docs/runtime.md); libevent's
	 * own client, still writing, reports that as a failed request (0).
	 * Clients that read the answer see the 413: tests/e2e/hostile/
	 * oversized and hostile-clients/framing. */
	ck_assert(a.status == 413 || a.status == 0);
	/* Still serving. */
	send_req(&fx, EVHTTP_REQ_GET, "/svc?wsdl", NULL, NULL, 0, &a);
	ck_assert_int_eq(a.status, 200);
	teardown(&fx);
}
END_TEST

START_TEST(http_unknown_operation)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	post(&fx, "/svc", "\"urn:t/other\"",
	     HTTP_KIT_ENV("<t:zzz xmlns:t=\"urn:t\"/>"), &a);
	assert_client_fault(&a, 500);
	ck_assert_ptr_nonnull(strstr(a.body, "unknown operation"));
	/* Empty Body: no operation takes an empty message. */
	post(&fx, "/svc", NULL, HTTP_KIT_ENV(""), &a);
	assert_client_fault(&a, 500);
	teardown(&fx);
}
END_TEST

START_TEST(http_message_does_not_fit)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	/* The SOAPAction names the operation; the body is not its input. */
	post(&fx, "/svc", "\"urn:t/process\"",
	     HTTP_KIT_ENV("<t:zzz xmlns:t=\"urn:t\"/>"), &a);
	assert_client_fault(&a, 500);
	ck_assert_ptr_nonnull(strstr(a.body, "does not fit"));
	post(&fx, "/svc", "urn:t/process", HTTP_KIT_ENV(""), &a);
	assert_client_fault(&a, 500);
	teardown(&fx);
}
END_TEST

START_TEST(http_goes_on_after_bad_input)
{
	struct fixture fx;
	struct http_answer a;
	setup(&fx);
	for (int i = 0; i < 20; i++) {
		post(&fx, "/svc", NULL, "<<<garbage", &a);
		ck_assert_int_eq(a.status, 500);
	}
	send_req(&fx, EVHTTP_REQ_GET, "/svc?wsdl", NULL, NULL, 0, &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_int_eq(brt__http_open_requests(fx.rt), 0);
	teardown(&fx);
}
END_TEST

START_TEST(http_listen_syntax)
{
	ck_assert_int_eq(brt__http_check_listen("127.0.0.1:8080"), 0);
	ck_assert_int_eq(brt__http_check_listen("[::1]:80"), 0);
	ck_assert_int_eq(brt__http_check_listen(":9000"), 0);
	ck_assert_int_lt(brt__http_check_listen("localhost"), 0);
	ck_assert_int_lt(brt__http_check_listen("host:99999"), 0);
	ck_assert_int_lt(brt__http_check_listen("host:"), 0);
	ck_assert_int_lt(brt__http_check_listen("host:12x"), 0);
}
END_TEST

/* ---- with the engine: a process that answers after 0.3 s ----------------- */

/* echo: receive (createInstance) -> wait PT0.3S -> reply the input. */
static const struct brt_part e_parts[] = {
	{ "payload", { "urn:t", "req" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message e_msg = { { "urn:t", "EMsg" }, 1, e_parts };
static const struct brt_part n_parts[] = {
	{ "payload", { "urn:t", "note" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message n_msg = { { "urn:t", "NMsg" }, 1, n_parts };
static const struct brt_operation e_op_echo = {
	"echo", "urn:t", "urn:t/echo", BRT_STYLE_DOCUMENT, NULL, &e_msg,
	&e_msg, 0,	 NULL,
};
static const struct brt_operation e_op_note = {
	"note", "urn:t", "urn:t/note", BRT_STYLE_DOCUMENT, NULL, &n_msg,
	NULL,	0,	 NULL,
};
static const struct brt_operation *const e_ops[] = { &e_op_echo, &e_op_note };
static const struct brt_partner_link e_plinks[] = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/echo",
	  .my_address = "http://127.0.0.1:0/echo",
	  .nmy_ops = 2,
	  .my_ops = e_ops,
	  .nwsdl = 1,
	  .wsdl = svc_docs },
};
static const struct brt_scope e_scopes[] = {
	{ "process", -1, 1, 0, NULL, -1, -1, -1, false, false, 0, NULL, 0,
	  NULL },
};
static const struct brt_variable e_vars[] = {
	{ "in", 0, 0, BRT_VAR_MESSAGE, &e_msg, { 0 }, { 0 }, BRT_XSD_COMPLEX, -1 },
};
static const struct brt_expr e_exprs[] = {
	{ "'PT0.3S'", "echo.bpel", 3, 0, NULL, 0, NULL },
};
static const struct brt_receive e_recv = {
	.name = "start",
	.plink = 0,
	.op = &e_op_echo,
	.var = 0,
	.create_instance = true,
	.file = "echo.bpel",
	.line = 2,
};
static const struct brt_reply e_reply = {
	.name = "answer",
	.plink = 0,
	.op = &e_op_echo,
	.var = 0,
	.file = "echo.bpel",
	.line = 4,
};
static const struct brt_receive *const e_starts[] = { &e_recv };
enum { E_WAIT = BRT_S_FIRST, E_REPLY, E_NSTATES };
static const char *const e_names[] = { "START", "DONE", "FAULTED", "E_WAIT",
				       "E_REPLY" };

static enum brt_step e_step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, E_WAIT);
		return brt_receive(s, &e_recv);
	case E_WAIT:
		brt_strand_set_state(s, E_REPLY);
		return brt_wait(s, 0, false);
	case E_REPLY:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_reply(s, &e_reply);
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process e_proc = {
	.name = "echo",
	.qname = { "urn:t", "echo" },
	.build_id = "b1",
	.source = "echo.bpel",
	.nscopes = 1,
	.scopes = e_scopes,
	.nvars = 1,
	.vars = e_vars,
	.nplinks = 1,
	.plinks = e_plinks,
	.nexprs = 1,
	.exprs = e_exprs,
	.nstarts = 1,
	.starts = e_starts,
	.nstates = E_NSTATES,
	.state_names = e_names,
	.step = e_step,
};

static void e_setup(struct fixture *fx)
{
	fx->rt = brt__runtime_new(&e_proc);
	ck_assert_ptr_nonnull(fx->rt);
	fx->rt->listen = "127.0.0.1:0";
	ck_assert_int_eq(brt__http_start(fx->rt), 0);
	fx->port = brt__http_port(fx->rt);
}

static void e_teardown(struct fixture *fx)
{
	brt__runtime_free(fx->rt);
}

START_TEST(http_request_response)
{
	struct fixture fx;
	struct http_answer a;
	e_setup(&fx);
	post(&fx, "/echo", "\"urn:t/echo\"",
	     HTTP_KIT_ENV("<t:req xmlns:t=\"urn:t\">hi &amp; bye</t:req>"), &a);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(strstr(a.body,
			     "<soapenv:Body><t:req xmlns:t=\"urn:t\">"
			     "hi &amp; bye</t:req></soapenv:Body>") != NULL,
		      "%s", a.body);
	/* Found by the body element when there is no SOAPAction. */
	post(&fx, "/echo", NULL,
	     HTTP_KIT_ENV("<t:req xmlns:t=\"urn:t\">2</t:req>"), &a);
	ck_assert_int_eq(a.status, 200);
	e_teardown(&fx);
}
END_TEST

START_TEST(http_engine_refusal)
{
	struct fixture fx;
	struct http_answer a;
	e_setup(&fx);
	/* One-way, not a start activity, no instance: logged and dropped
	 * (semantics.md §1), so the client is answered 202 at once. */
	post(&fx, "/echo", "urn:t/note",
	     HTTP_KIT_ENV("<t:note xmlns:t=\"urn:t\"/>"), &a);
	ck_assert_int_eq(a.status, 202);
	ck_assert_int_eq(brt__http_open_requests(fx.rt), 0);
	e_teardown(&fx);
}
END_TEST

static void hang_up(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

START_TEST(http_client_gone_before_reply)
{
	struct fixture fx;
	struct http_answer a;
	e_setup(&fx);
	const char *body = HTTP_KIT_ENV("<t:req xmlns:t=\"urn:t\">x</t:req>");
	struct evhttp_connection *c =
		http_kit_send(fx.rt->base, fx.port, EVHTTP_REQ_POST, "/echo",
			      NULL, body, strlen(body), NULL);
	/* Hang up after 100 ms, while the instance waits; the reply comes
	 * at 300 ms to nobody. */
	struct event *ev = evtimer_new(fx.rt->base, hang_up, c);
	struct timeval tv = { 0, 100000 };
	evtimer_add(ev, &tv);
	struct timeval all = { 0, 600000 };
	event_base_loopexit(fx.rt->base, &all);
	event_base_dispatch(fx.rt->base);
	event_free(ev);
	ck_assert_int_eq(brt__http_open_requests(fx.rt), 0);
	/* And the service goes on. */
	post(&fx, "/echo", NULL,
	     HTTP_KIT_ENV("<t:req xmlns:t=\"urn:t\">y</t:req>"), &a);
	ck_assert_int_eq(a.status, 200);
	e_teardown(&fx);
}
END_TEST

START_TEST(http_open_request_answered_at_shutdown)
{
	struct fixture fx;
	e_setup(&fx);
	struct http_answer a;
	const char *body = HTTP_KIT_ENV("<t:req xmlns:t=\"urn:t\">x</t:req>");
	struct evhttp_connection *c =
		http_kit_send(fx.rt->base, fx.port, EVHTTP_REQ_POST, "/echo",
			      NULL, body, strlen(body), &a);
	struct timeval tv = { 0, 100000 };
	event_base_loopexit(fx.rt->base, &tv);
	event_base_dispatch(fx.rt->base);
	ck_assert_int_eq(brt__http_open_requests(fx.rt), 1);
	/* Tear down with the exchange open (the server has not seen the
	 * client go): no leak, no crash. */
	evhttp_connection_free(c);
	e_teardown(&fx);
}
END_TEST

Suite *http_suite(void);
Suite *http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, http_wsdl);
	tcase_add_test(tc, http_wsdl_host_header);
	tcase_add_test(tc, http_wsdl_address_sources);
	tcase_add_test(tc, http_unknown_path_404);
	tcase_add_test(tc, http_wrong_method_405);
	tcase_add_test(tc, http_bad_xml);
	tcase_add_test(tc, http_doctype_refused);
	tcase_add_test(tc, http_oversize_413);
	tcase_add_test(tc, http_unknown_operation);
	tcase_add_test(tc, http_message_does_not_fit);
	tcase_add_test(tc, http_goes_on_after_bad_input);
	tcase_add_test(tc, http_listen_syntax);
	suite_add_tcase(s, tc);
	TCase *te = tcase_create("engine");
	tcase_set_timeout(te, 30);
	tcase_add_test(te, http_request_response);
	tcase_add_test(te, http_engine_refusal);
	tcase_add_test(te, http_client_gone_before_reply);
	tcase_add_test(te, http_open_request_answered_at_shutdown);
	suite_add_tcase(s, te);
	return s;
}
