/*
 * test_robust.c — the runtime's defences against misbehaving peers that
 * can be tested without a network: mustUnderstand header entries (SOAP 1.1
 * §4.2.3) and the MustUnderstand fault, schema validation of a partner's
 * reply (brt__xsd_check_message), and the --max-reply / --client-timeout
 * options, and invoke.c's refusal of replies that are not 200 OK, not
 * XML, over --max-reply or carrying a mustUnderstand header entry (an
 * in-process evhttp partner). The whole range of partner misbehaviour and
 * hostile clients
 * is played by tests/e2e/robustness and tests/e2e/hostile-clients.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "data.h"
#include "http_kit.h"
#include "internal.h"

#define ENV_OPEN \
	"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
#define BODY "<s:Body><x:a xmlns:x=\"urn:t\">1</x:a></s:Body></s:Envelope>"

static xmlDocPtr env_with_header(const char *hdr)
{
	char buf[2048];
	snprintf(buf, sizeof buf, ENV_OPEN "<s:Header>%s</s:Header>" BODY, hdr);
	const char *why = NULL;
	xmlDocPtr d = brt__soap_parse(buf, strlen(buf), &why);
	ck_assert_msg(d != NULL, "parse: %s", why ? why : "?");
	return d;
}

/* Name of the entry brt__soap_must_understand picks, "" for none. */
static const char *mu_name(const char *hdr, char *out, size_t len)
{
	xmlDocPtr d = env_with_header(hdr);
	xmlNodePtr e = brt__soap_must_understand(d);
	snprintf(out, len, "%s", e ? (const char *)e->name : "");
	xmlFreeDoc(d);
	return out;
}

START_TEST(robust_must_understand_entries)
{
	char n[64];
	ck_assert_str_eq(
		mu_name("<y:a xmlns:y=\"urn:y\" s:mustUnderstand=\"1\"/>", n,
			sizeof n),
		"a");
	ck_assert_str_eq(
		mu_name("<y:a xmlns:y=\"urn:y\">x</y:a>"
			"<y:b xmlns:y=\"urn:y\" s:mustUnderstand=\"true\"/>",
			n, sizeof n),
		"b");
	/* the "next" actor is us */
	ck_assert_str_eq(
		mu_name("<y:a xmlns:y=\"urn:y\" s:mustUnderstand=\"1\" "
			"s:actor=\"http://schemas.xmlsoap.org/soap/actor/next\"/>",
			n, sizeof n),
		"a");
	/* ignored: "0", another actor, an unqualified attribute, a nested
	 * element, no Header at all */
	ck_assert_str_eq(
		mu_name("<y:a xmlns:y=\"urn:y\" s:mustUnderstand=\"0\">"
			"<y:in s:mustUnderstand=\"1\"/></y:a>",
			n, sizeof n),
		"");
	ck_assert_str_eq(
		mu_name("<y:a xmlns:y=\"urn:y\" s:mustUnderstand=\"1\" "
			"s:actor=\"urn:other\"/>",
			n, sizeof n),
		"");
	ck_assert_str_eq(
		mu_name("<y:a xmlns:y=\"urn:y\" mustUnderstand=\"1\"/>", n,
			sizeof n),
		"");
	const char *plain = ENV_OPEN BODY;
	xmlDocPtr d = brt__soap_parse(plain, strlen(plain), NULL);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_null(brt__soap_must_understand(d));
	xmlFreeDoc(d);
}
END_TEST

START_TEST(robust_must_understand_fault)
{
	xmlDocPtr f =
		brt__soap_fault_soapcode("MustUnderstand", "entry {urn:y}a");
	ck_assert_ptr_nonnull(f);
	size_t len;
	char *s = brt__soap_serialize(f, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(strstr(s, "<faultcode>soapenv:MustUnderstand<"));
	ck_assert_ptr_nonnull(strstr(s, "<faultstring>entry {urn:y}a<"));
	xmlFree(s);
	xmlFreeDoc(f);
}
END_TEST

/* One embedded schema: {urn:t}a is an xsd:int. */
static const struct brt_embed schemas[] = {
	{ .uri = "/bpelc-schemas/t.xsd",
	  .ns = "urn:t",
	  .text = "<xsd:schema xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" "
		  "targetNamespace=\"urn:t\" elementFormDefault=\"qualified\">"
		  "<xsd:element name=\"a\" type=\"xsd:int\"/></xsd:schema>" },
};
static const struct brt_part parts[] = {
	{ "p", { "urn:t", "a" }, { NULL, NULL }, BRT_XSD_NUMBER },
};
static const struct brt_message msg_a = { { "urn:t", "M" }, 1, parts };
static const struct brt_part other_parts[] = {
	{ "p", { "urn:t", "undeclared" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message msg_other = { { "urn:t", "O" },
					      1,
					      other_parts };
static const struct brt_process proc = {
	.name = "robust",
	.nschemas = 1,
	.schemas = schemas,
	.invoker = &brt_invoke_service,
};

static int check(struct brt_prepared *pp, const struct brt_message *m,
		 const char *el, char *why, size_t len)
{
	char buf[512];
	snprintf(buf, sizeof buf,
		 "<message><p><t:%s xmlns:t=\"urn:t\">%s</t:%s></p></message>",
		 m == &msg_a ? "a" : "undeclared", el,
		 m == &msg_a ? "a" : "undeclared");
	xmlDocPtr d = xmlReadMemory(buf, (int)strlen(buf), NULL, NULL, 0);
	ck_assert_ptr_nonnull(d);
	int rc = brt__xsd_check_message(pp, m, d, why, len);
	xmlFreeDoc(d);
	return rc;
}

START_TEST(robust_reply_validation)
{
	struct brt_prepared *pp = NULL;
	char err[300] = "";
	ck_assert_int_eq(brt__data_prepare_proc(&proc, &pp, err, sizeof err),
			 0);
	char why[300] = "";
	ck_assert_int_eq(check(pp, &msg_a, "42", why, sizeof why), 0);
	ck_assert_int_eq(check(pp, &msg_a, "five", why, sizeof why), 1);
	ck_assert_ptr_nonnull(strstr(why, "part p"));
	/* an element no schema declares cannot be checked: accepted */
	ck_assert_int_eq(check(pp, &msg_other, "x", why, sizeof why), 0);
	/* no schema set: nothing to check */
	ck_assert_int_eq(check(NULL, &msg_a, "five", why, sizeof why), 0);
	brt__data_prepared_free(pp);
}
END_TEST

static int parse_opts(brt_runtime *rt, const char *a1, const char *a2)
{
	char *argv[] = { (char *)"svc", (char *)a1, (char *)a2, NULL };
	memset(rt, 0, sizeof *rt);
	rt->proc = &proc;
	return brt__options_parse(rt, a2 ? 3 : 2, argv);
}

/* The store's options (docs/runtime.md): default NAME.db, none, sync,
 * resend by partner link name, drain only with a store. */
START_TEST(robust_store_options)
{
	brt_runtime rt;
	ck_assert_int_eq(parse_opts(&rt, "--verbose", NULL), 0);
	ck_assert_str_eq(rt.store_path, "svc.db");
	ck_assert(!rt.sync_full);
	ck_assert_int_eq(parse_opts(&rt, "--store", "none"), 0);
	ck_assert_ptr_null(rt.store_path);
	ck_assert_int_eq(parse_opts(&rt, "--store=/tmp/x.db", NULL), 0);
	ck_assert_str_eq(rt.store_path, "/tmp/x.db");
	ck_assert_int_eq(parse_opts(&rt, "--sync", "full"), 0);
	ck_assert(rt.sync_full);
	ck_assert_int_eq(parse_opts(&rt, "--sync", "sometimes"), 2);
	ck_assert_int_eq(parse_opts(&rt, "--resend", "nosuchlink"), 2);
	free(rt.resend);
	ck_assert_int_eq(parse_opts(&rt, "--drain", NULL), 0);
	ck_assert(rt.drain);
	char *argv[] = { (char *)"svc", (char *)"--store", (char *)"none",
			 (char *)"--drain", NULL };
	memset(&rt, 0, sizeof rt);
	rt.proc = &proc;
	ck_assert_int_eq(brt__options_parse(&rt, 4, argv), 2);
}
END_TEST

START_TEST(robust_options)
{
	brt_runtime rt;
	ck_assert_int_eq(parse_opts(&rt, "--max-reply", "64K"), 0);
	ck_assert_uint_eq(rt.max_reply, 64u << 10);
	ck_assert_int_eq(parse_opts(&rt, "--client-timeout=5", NULL), 0);
	ck_assert_int_eq(rt.client_timeout_s, 5);
	ck_assert_int_eq(parse_opts(&rt, "--max-reply", "lots"), 2);
	ck_assert_int_eq(parse_opts(&rt, "--max-reply", "0"), 2);
	ck_assert_int_eq(parse_opts(&rt, "--client-timeout", "0"), 2);
	ck_assert_int_eq(parse_opts(&rt, "--client-timeout", "1.5"), 2);
	ck_assert_int_eq(parse_opts(&rt, "--client-timeout", NULL), 2);
}
END_TEST

/* ---- invoke.c against a partner that answers oddly --------------------- */

static const struct brt_part rq_parts[] = {
	{ "payload", { "urn:t", "req" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message rq_msg = { { "urn:t", "In" }, 1, rq_parts };
static const struct brt_part rs_parts[] = {
	{ "result", { "urn:t", "resp" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message rs_msg = { { "urn:t", "Out" }, 1, rs_parts };
static const struct brt_operation rr_op = {
	"call",	 "urn:t", "urn:t/call", BRT_STYLE_DOCUMENT, NULL, &rq_msg,
	&rs_msg, 0,	  NULL,
};
static const struct brt_operation ow_op = {
	"notify", "urn:t", "urn:t/notify", BRT_STYLE_DOCUMENT, NULL, &rq_msg,
	NULL,	  0,	   NULL,
};

#define RESP HTTP_KIT_ENV("<t:resp xmlns:t=\"urn:t\">1</t:resp>")

static void odd_partner(struct evhttp_request *req, void *arg)
{
	(void)arg;
	const char *path =
		evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	int status = 200;
	const char *ctype = "text/xml";
	char big[4096];
	const char *body = RESP;
	if (strcmp(path, "/accepted") == 0)
		status = 202;
	else if (strcmp(path, "/html") == 0)
		ctype = "text/html";
	else if (strcmp(path, "/big") == 0) {
		memset(big, ' ', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		memcpy(big, RESP, strlen(RESP));
		body = big;
	} else if (strcmp(path, "/mu") == 0)
		body = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/"
		       "envelope/\"><s:Header><x:h xmlns:x=\"urn:x\" "
		       "s:mustUnderstand=\"1\"/></s:Header><s:Body><t:resp "
		       "xmlns:t=\"urn:t\">1</t:resp></s:Body></s:Envelope>";
	struct evbuffer *b = evbuffer_new();
	evbuffer_add(b, body, strlen(body));
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", ctype);
	evhttp_send_reply(req, status, "X", b);
	evbuffer_free(b);
}

struct outcome {
	brt_runtime *rt;
	bool done;
	int err;
	char text[256];
};

static void on_outcome(void *arg, struct brt_call_result *res)
{
	struct outcome *o = arg;
	o->done = true;
	o->err = res->err;
	snprintf(o->text, sizeof o->text, "%s", res->text);
	xmlFreeDoc(res->msg);
	res->msg = NULL;
	xmlFreeDoc(res->fault_data);
	res->fault_data = NULL;
	event_base_loopbreak(o->rt->base);
}

/* Call path on the odd partner; the outcome's err and text. */
static int odd_call(brt_runtime *rt, int port, const struct brt_operation *op,
		    const char *path, char *text, size_t len)
{
	const char *in = "<message><payload><t:req xmlns:t=\"urn:t\">x</t:req>"
			 "</payload></message>";
	xmlDocPtr msg = xmlReadMemory(in, (int)strlen(in), NULL, NULL, 0);
	char url[128];
	snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
	struct outcome o = { .rt = rt };
	brt_call *c = brt__call_start(rt, url, op, msg, on_outcome, &o);
	xmlFreeDoc(msg);
	ck_assert_ptr_nonnull(c);
	struct timeval tv = { 5, 0 };
	event_base_loopexit(rt->base, &tv);
	event_base_dispatch(rt->base);
	ck_assert(o.done);
	snprintf(text, len, "%s", o.text);
	return o.err;
}

START_TEST(robust_invoke_refuses_odd_replies)
{
	brt_runtime *rt = calloc(1, sizeof *rt);
	rt->proc = &proc;
	rt->base = event_base_new();
	rt->invoke_timeout_ms = 5000;
	rt->max_reply = 1024;
	ck_assert_int_eq(brt__curl_init(rt), 0);
	struct evhttp *http = evhttp_new(rt->base);
	evhttp_set_gencb(http, odd_partner, NULL);
	struct evhttp_bound_socket *b =
		evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
	ck_assert_ptr_nonnull(b);
	struct sockaddr_in sin;
	socklen_t sl = sizeof sin;
	getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&sin,
		    &sl);
	int port = ntohs(sin.sin_port);
	char t[256];

	ck_assert_int_eq(odd_call(rt, port, &rr_op, "/ok", t, sizeof t), 0);
	ck_assert_int_eq(odd_call(rt, port, &rr_op, "/accepted", t, sizeof t),
			 BRT_EPROTO);
	ck_assert_ptr_nonnull(strstr(t, "not 200"));
	ck_assert_int_eq(odd_call(rt, port, &rr_op, "/html", t, sizeof t),
			 BRT_EPROTO);
	ck_assert_ptr_nonnull(strstr(t, "text/html"));
	ck_assert_int_eq(odd_call(rt, port, &rr_op, "/big", t, sizeof t),
			 BRT_EPROTO);
	ck_assert_ptr_nonnull(strstr(t, "--max-reply"));
	ck_assert_int_eq(odd_call(rt, port, &rr_op, "/mu", t, sizeof t),
			 BRT_EPROTO);
	ck_assert_ptr_nonnull(strstr(t, "mustUnderstand"));
	/* one-way: any 2xx completes, whatever the body's type */
	ck_assert_int_eq(odd_call(rt, port, &ow_op, "/accepted", t, sizeof t),
			 0);
	ck_assert_int_eq(odd_call(rt, port, &ow_op, "/html", t, sizeof t), 0);
	/* ... but not a mustUnderstand entry */
	ck_assert_int_eq(odd_call(rt, port, &ow_op, "/mu", t, sizeof t),
			 BRT_EPROTO);

	brt__curl_free(rt);
	evhttp_free(http);
	event_base_free(rt->base);
	free(rt);
}
END_TEST

Suite *robust_suite(void);
Suite *robust_suite(void)
{
	Suite *s = suite_create("robust");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, robust_must_understand_entries);
	tcase_add_test(tc, robust_must_understand_fault);
	tcase_add_test(tc, robust_reply_validation);
	tcase_add_test(tc, robust_options);
	tcase_add_test(tc, robust_store_options);
	tcase_add_test(tc, robust_invoke_refuses_odd_replies);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
