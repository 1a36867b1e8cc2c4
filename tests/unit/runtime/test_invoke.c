/*
 * test_invoke.c — outbound calls on libcurl multi: a tiny evhttp partner
 * runs in-process on 127.0.0.1:0 in the same loop (echo, slow, declared and
 * undeclared faults, 404, garbage, one-way), plus connection refused,
 * timeout, cancel, and concurrency (the partner holds two slow calls at
 * once). Events, not wall-clock bounds, show timing: the machine is busy.
 *
 * Needs only invoke.c, soap.c, log.c and the libraries: the runtime object
 * is made by hand (no engine).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "http_kit.h"
#include "internal.h"

/* ---- the operation ------------------------------------------------------- */

static const struct brt_part in_parts[] = {
	{ "payload", { "urn:t", "req" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message in_msg = { { "urn:t", "In" }, 1, in_parts };
static const struct brt_part out_parts[] = {
	{ "result", { "urn:t", "resp" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message out_msg = { { "urn:t", "Out" }, 1, out_parts };
static const struct brt_part bad_parts[] = {
	{ "info", { "urn:t", "bad" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message bad_msg = { { "urn:t", "Bad" }, 1, bad_parts };
static const struct brt_fault_decl faults[] = { { "BadThing", &bad_msg } };
static const struct brt_operation op = {
	"call",	  "urn:t", "urn:t/call", BRT_STYLE_DOCUMENT, NULL, &in_msg,
	&out_msg, 1,	   faults,
};
static const struct brt_operation oneway = {
	"notify", "urn:t", "urn:t/notify", BRT_STYLE_DOCUMENT, NULL, &in_msg,
	NULL,	  0,	   NULL,
};
static const struct brt_process proc = {
	.name = "test_invoke",
	.invoker = &brt_invoke_service,
};

/* ---- the partner --------------------------------------------------------- */

struct slow {
	struct event *ev;
	struct evhttp_request *req;
	struct fixture *fx;
};

struct fixture {
	brt_runtime *rt;
	struct evhttp *http;
	int port;
	int nslow;    /* slow answers not yet sent */
	int max_slow; /* most slow requests the partner held at once */
	char seen_action[256];
};

static void reply(struct evhttp_request *req, int status, const char *body)
{
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, body, strlen(body));
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "text/xml");
	evhttp_send_reply(req, status, "X", b);
	evbuffer_free(b);
}

/* Echo the text of the request's <t:req> as <t:resp>. */
static void echo(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *why;
	xmlDocPtr env = brt__soap_parse((const char *)evbuffer_pullup(in, -1),
					len, &why);
	xmlNodePtr first = brt__soap_body_first(env, NULL);
	xmlChar *t = first ? xmlNodeGetContent(first) : NULL;
	char buf[512];
	snprintf(buf, sizeof buf,
		 HTTP_KIT_ENV("<t:resp xmlns:t=\"urn:t\">%s</t:resp>"),
		 t ? (const char *)t : "?");
	xmlFree(t);
	xmlFreeDoc(env);
	reply(req, 200, buf);
}

static void slow_done(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct slow *s = arg;
	echo(s->req);
	s->fx->nslow--;
	event_free(s->ev);
	free(s);
}

static void partner(struct evhttp_request *req, void *arg)
{
	struct fixture *fx = arg;
	const char *path =
		evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	const char *sa = evhttp_find_header(
		evhttp_request_get_input_headers(req), "SOAPAction");
	snprintf(fx->seen_action, sizeof fx->seen_action, "%s", sa ? sa : "");
	if (strcmp(path, "/echo") == 0)
		echo(req);
	else if (strcmp(path, "/slow") == 0) {
		struct slow *s = calloc(1, sizeof *s);
		s->req = req;
		s->fx = fx;
		s->ev = evtimer_new(fx->rt->base, slow_done, s);
		struct timeval tv = { 1, 0 };
		evtimer_add(s->ev, &tv);
		if (++fx->nslow > fx->max_slow)
			fx->max_slow = fx->nslow;
	} else if (strcmp(path, "/declared") == 0)
		reply(req, 500,
		      HTTP_KIT_ENV(
			      "<s:Fault><faultcode xmlns:t=\"urn:t\">t:BadThing"
			      "</faultcode><faultstring>bad</faultstring><detail>"
			      "<t:bad xmlns:t=\"urn:t\">why</t:bad></detail>"
			      "</s:Fault>"));
	else if (strcmp(path, "/by-detail") == 0)
		reply(req, 500,
		      HTTP_KIT_ENV("<s:Fault><faultcode>s:Server</faultcode>"
				   "<faultstring>bad</faultstring><detail>"
				   "<t:bad xmlns:t=\"urn:t\">d</t:bad></detail>"
				   "</s:Fault>"));
	else if (strcmp(path, "/undeclared") == 0)
		reply(req, 500,
		      HTTP_KIT_ENV(
			      "<s:Fault><faultcode xmlns:x=\"urn:x\">x:Other"
			      "</faultcode><faultstring>other</faultstring><detail>"
			      "<x:info xmlns:x=\"urn:x\">i</x:info></detail>"
			      "</s:Fault>"));
	else if (strcmp(path, "/undeclared-server") == 0)
		reply(req, 500,
		      HTTP_KIT_ENV(
			      "<s:Fault><faultcode>s:Server</faultcode>"
			      "<faultstring>x</faultstring><detail>"
			      "<x:Error xmlns:x=\"urn:x\"/></detail></s:Fault>"));
	else if (strcmp(path, "/garbage") == 0)
		reply(req, 200, "this is not XML <<<");
	else if (strcmp(path, "/wrong") == 0)
		reply(req, 200, HTTP_KIT_ENV("<t:nope xmlns:t=\"urn:t\"/>"));
	else if (strcmp(path, "/accepted") == 0)
		evhttp_send_reply(req, 202, "Accepted", NULL);
	else
		evhttp_send_error(req, 404, NULL);
}

static void setup(struct fixture *fx, long timeout_ms)
{
	memset(fx, 0, sizeof *fx);
	fx->rt = calloc(1, sizeof *fx->rt);
	fx->rt->proc = &proc;
	fx->rt->base = event_base_new();
	fx->rt->invoke_timeout_ms = timeout_ms;
	ck_assert_int_eq(brt__curl_init(fx->rt), 0);
	fx->http = evhttp_new(fx->rt->base);
	evhttp_set_gencb(fx->http, partner, fx);
	struct evhttp_bound_socket *b =
		evhttp_bind_socket_with_handle(fx->http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(b);
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&sin,
		    &sl);
	fx->port = ntohs(sin.sin_port);
}

static void run_ms(struct fixture *fx, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	event_base_loopexit(fx->rt->base, &tv);
	event_base_dispatch(fx->rt->base);
}

static void teardown(struct fixture *fx)
{
	/* Let pending slow answers go out so nothing is left allocated. */
	for (int i = 0; i < 30 && fx->nslow > 0; i++)
		run_ms(fx, 100);
	brt__curl_free(fx->rt);
	evhttp_free(fx->http);
	event_base_free(fx->rt->base);
	free(fx->rt);
}

/* ---- results ------------------------------------------------------------- */

struct got {
	struct fixture *fx;
	int ncalls; /* callbacks seen */
	int want;   /* break the loop when reached */
	int err;
	bool is_fault;
	const struct brt_fault_decl *decl;
	char fault_ns[128], fault_local[128];
	char text[256];
	xmlDocPtr msg, data;
};

static void on_result(void *arg, struct brt_call_result *res)
{
	struct got *g = arg;
	g->ncalls++;
	g->err = res->err;
	g->is_fault = res->is_fault;
	g->decl = res->fault_decl;
	snprintf(g->fault_ns, sizeof g->fault_ns, "%s",
		 res->fault_ns ? res->fault_ns : "");
	snprintf(g->fault_local, sizeof g->fault_local, "%s",
		 res->fault_local ? res->fault_local : "");
	snprintf(g->text, sizeof g->text, "%s", res->text);
	xmlFreeDoc(g->msg);
	xmlFreeDoc(g->data);
	g->msg = res->msg;
	g->data = res->fault_data;
	if (g->want && g->ncalls >= g->want)
		event_base_loopbreak(g->fx->rt->base);
}

static void got_free(struct got *g)
{
	xmlFreeDoc(g->msg);
	xmlFreeDoc(g->data);
}

static xmlDocPtr input(const char *text)
{
	char buf[256];
	snprintf(buf, sizeof buf,
		 "<message><payload><t:req xmlns:t=\"urn:t\">%s</t:req>"
		 "</payload></message>",
		 text);
	return xmlReadMemory(buf, (int)strlen(buf), NULL, NULL, 0);
}

static char *url(struct fixture *fx, const char *path)
{
	static char buf[128];
	snprintf(buf, sizeof buf, "http://127.0.0.1:%d%s", fx->port, path);
	return buf;
}

/* One call to `path`, run until its callback (at most 5 s). */
static void call1(struct fixture *fx, const struct brt_operation *o,
		  const char *path, struct got *g)
{
	memset(g, 0, sizeof *g);
	g->fx = fx;
	g->want = 1;
	xmlDocPtr in = input("hello");
	brt_call *c =
		brt__call_start(fx->rt, url(fx, path), o, in, on_result, g);
	xmlFreeDoc(in);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(g->ncalls, 0); /* never from inside start */
	run_ms(fx, 5000);
	ck_assert_int_eq(g->ncalls, 1);
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(invoke_echo)
{
	struct fixture fx;
	struct got g;
	setup(&fx, 5000);
	call1(&fx, &op, "/echo", &g);
	ck_assert_msg(g.err == 0, "%s", g.text);
	ck_assert(!g.is_fault);
	ck_assert_ptr_nonnull(g.msg);
	xmlNodePtr root = xmlDocGetRootElement(g.msg);
	ck_assert_str_eq((const char *)root->name, "message");
	ck_assert_str_eq((const char *)root->children->name, "result");
	xmlChar *t = xmlNodeGetContent(root->children->children);
	ck_assert_str_eq((const char *)t, "hello");
	xmlFree(t);
	ck_assert_str_eq(fx.seen_action, "\"urn:t/call\"");
	got_free(&g);
	teardown(&fx);
}
END_TEST

START_TEST(invoke_oneway_accepted)
{
	struct fixture fx;
	struct got g;
	setup(&fx, 5000);
	call1(&fx, &oneway, "/accepted", &g);
	ck_assert_msg(g.err == 0, "%s", g.text);
	ck_assert_ptr_null(g.msg);
	got_free(&g);
	teardown(&fx);
}
END_TEST

START_TEST(invoke_slow_calls_run_concurrently)
{
	struct fixture fx;
	setup(&fx, 5000);
	struct got g;
	memset(&g, 0, sizeof g);
	g.fx = &fx;
	g.want = 2;
	xmlDocPtr in = input("x");
	ck_assert_ptr_nonnull(brt__call_start(fx.rt, url(&fx, "/slow"), &op, in,
					      on_result, &g));
	ck_assert_ptr_nonnull(brt__call_start(fx.rt, url(&fx, "/slow"), &op, in,
					      on_result, &g));
	xmlFreeDoc(in);
	run_ms(&fx, 10000);
	ck_assert_int_eq(g.ncalls, 2);
	ck_assert_msg(g.err == 0, "%s", g.text);
	/* Concurrent: the partner held both requests before answering
	 * either (an event, not a wall-clock bound). */
	ck_assert_int_eq(fx.max_slow, 2);
	got_free(&g);
	teardown(&fx);
}
END_TEST

START_TEST(invoke_declared_fault)
{
	struct fixture fx;
	struct got g;
	setup(&fx, 5000);
	call1(&fx, &op, "/declared", &g);
	ck_assert_int_eq(g.err, 0);
	ck_assert(g.is_fault);
	ck_assert_ptr_eq(g.decl, &faults[0]);
	ck_assert_str_eq(g.fault_ns, "urn:t");
	ck_assert_str_eq(g.fault_local, "BadThing");
	ck_assert_ptr_nonnull(g.data);
	xmlNodePtr root = xmlDocGetRootElement(g.data);
	ck_assert_str_eq((const char *)root->name, "message");
	ck_assert_str_eq((const char *)root->children->name, "info");
	ck_assert_str_eq((const char *)root->children->children->name, "bad");
	got_free(&g);

	/* Matched by the detail's element when the faultcode says nothing. */
	call1(&fx, &op, "/by-detail", &g);
	ck_assert(g.is_fault);
	ck_assert_ptr_eq(g.decl, &faults[0]);
	ck_assert_str_eq(g.fault_local, "BadThing");
	got_free(&g);
	teardown(&fx);
}
END_TEST

START_TEST(invoke_undeclared_fault)
{
	struct fixture fx;
	struct got g;
	setup(&fx, 5000);
	call1(&fx, &op, "/undeclared", &g);
	ck_assert_int_eq(g.err, 0);
	ck_assert(g.is_fault);
	ck_assert_ptr_null(g.decl);
	ck_assert_str_eq(g.fault_ns, "urn:x");
	ck_assert_str_eq(g.fault_local, "Other");
	ck_assert_ptr_nonnull(g.data);
	xmlNodePtr root = xmlDocGetRootElement(g.data);
	ck_assert_str_eq((const char *)root->name, "info");
	got_free(&g);
	/* A generic faultcode: the detail's element names the fault. */
	call1(&fx, &op, "/undeclared-server", &g);
	ck_assert(g.is_fault);
	ck_assert_ptr_null(g.decl);
	ck_assert_str_eq(g.fault_ns, "urn:x");
	ck_assert_str_eq(g.fault_local, "Error");
	root = xmlDocGetRootElement(g.data);
	ck_assert_str_eq((const char *)root->name, "Error");
	got_free(&g);
	teardown(&fx);
}
END_TEST

START_TEST(invoke_bad_replies)
{
	struct fixture fx;
	struct got g;
	setup(&fx, 5000);
	call1(&fx, &op, "/nowhere", &g);
	ck_assert_int_lt(g.err, 0);
	ck_assert(!g.is_fault);
	ck_assert_ptr_nonnull(strstr(g.text, "404"));
	got_free(&g);
	call1(&fx, &op, "/garbage", &g);
	ck_assert_int_eq(g.err, BRT_EPROTO);
	got_free(&g);
	call1(&fx, &op, "/wrong", &g);
	ck_assert_int_eq(g.err, BRT_EPROTO);
	ck_assert_ptr_null(g.msg);
	got_free(&g);
	teardown(&fx);
}
END_TEST

START_TEST(invoke_connection_refused)
{
	struct fixture fx;
	setup(&fx, 5000);
	char u[64];
	snprintf(u, sizeof u, "http://127.0.0.1:%d/x", http_kit_free_port());
	struct got g;
	memset(&g, 0, sizeof g);
	g.fx = &fx;
	g.want = 1;
	xmlDocPtr in = input("x");
	ck_assert_ptr_nonnull(
		brt__call_start(fx.rt, u, &op, in, on_result, &g));
	xmlFreeDoc(in);
	run_ms(&fx, 5000);
	ck_assert_int_eq(g.ncalls, 1);
	ck_assert_int_eq(g.err, BRT_EIO);
	got_free(&g);
	teardown(&fx);
}
END_TEST

START_TEST(invoke_timeout)
{
	struct fixture fx;
	struct got g;
	setup(&fx, 200);
	call1(&fx, &op, "/slow", &g);
	ck_assert_int_eq(g.err, BRT_ETIMEDOUT);
	/* The partner still holds the request: the timeout ended the call,
	 * not the answer (no wall-clock bound: the machine may be busy). */
	ck_assert_int_eq(fx.nslow, 1);
	got_free(&g);
	teardown(&fx);
}
END_TEST

START_TEST(invoke_cancel)
{
	struct fixture fx;
	setup(&fx, 5000);
	struct got cancelled, other;
	memset(&cancelled, 0, sizeof cancelled);
	memset(&other, 0, sizeof other);
	cancelled.fx = other.fx = &fx;
	xmlDocPtr in = input("x");
	/* Cancelled at once, and cancelled while the partner works on it. */
	brt_call *a = brt__call_start(fx.rt, url(&fx, "/slow"), &op, in,
				      on_result, &cancelled);
	brt_call *b = brt__call_start(fx.rt, url(&fx, "/slow"), &op, in,
				      on_result, &cancelled);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	brt__call_cancel(a);
	run_ms(&fx, 300);
	brt__call_cancel(b);
	other.want = 1;
	ck_assert_ptr_nonnull(brt__call_start(fx.rt, url(&fx, "/echo"), &op, in,
					      on_result, &other));
	xmlFreeDoc(in);
	run_ms(&fx, 3000);
	ck_assert_int_eq(other.ncalls, 1);
	run_ms(&fx, 1200);
	ck_assert_int_eq(cancelled.ncalls, 0);
	got_free(&cancelled);
	got_free(&other);
	teardown(&fx);
}
END_TEST

Suite *invoke_suite(void);
Suite *invoke_suite(void)
{
	Suite *s = suite_create("invoke");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, invoke_echo);
	tcase_add_test(tc, invoke_oneway_accepted);
	tcase_add_test(tc, invoke_slow_calls_run_concurrently);
	tcase_add_test(tc, invoke_declared_fault);
	tcase_add_test(tc, invoke_undeclared_fault);
	tcase_add_test(tc, invoke_bad_replies);
	tcase_add_test(tc, invoke_connection_refused);
	tcase_add_test(tc, invoke_timeout);
	tcase_add_test(tc, invoke_cancel);
	suite_add_tcase(s, tc);
	return s;
}
