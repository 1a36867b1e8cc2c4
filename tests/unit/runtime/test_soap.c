/*
 * test_soap.c — SOAP 1.1 envelopes: safe parsing (malformed, not an
 * envelope, DOCTYPE, XXE, billion laughs), Body <-> message values for
 * document and rpc literal, and the fault envelope of faults.md.
 *
 * Needs only soap.c and libxml2: no loop, no engine.
 */
#include <check.h>
#include <string.h>
#include <time.h>

#include "internal.h"

#define ENV_OPEN             \
	"<soapenv:Envelope " \
	"xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
#define ENV_CLOSE "</soapenv:Envelope>"

/* A document/literal operation: in {urn:t}req, out {urn:t}resp. */
static const struct brt_part in_parts[] = {
	{ "payload", { "urn:t", "req" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message in_msg = { { "urn:t", "InMsg" }, 1, in_parts };
static const struct brt_part out_parts[] = {
	{ "result", { "urn:t", "resp" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message out_msg = { { "urn:t", "OutMsg" },
					    1,
					    out_parts };
static const struct brt_operation doc_op = {
	"process",	    "urn:t", "urn:t/process",
	BRT_STYLE_DOCUMENT, NULL,    &in_msg,
	&out_msg,	    0,	     NULL,
};

/* rpc/literal: two type parts. */
static const struct brt_part rpc_parts[] = {
	{ "a",
	  { NULL, NULL },
	  { "http://www.w3.org/2001/XMLSchema", "int" },
	  BRT_XSD_NUMBER },
	{ "b",
	  { NULL, NULL },
	  { "http://www.w3.org/2001/XMLSchema", "string" },
	  BRT_XSD_STRING },
};
static const struct brt_message rpc_msg = { { "urn:r", "AddMsg" },
					    2,
					    rpc_parts };
static const struct brt_operation rpc_op = {
	"add",	  "urn:r",  "", BRT_STYLE_RPC, "urn:rpc",
	&rpc_msg, &rpc_msg, 0,	NULL,
};

static xmlDocPtr parse(const char *s, const char **why)
{
	return brt__soap_parse(s, strlen(s), why);
}

static xmlDocPtr rd(const char *s)
{
	return xmlReadMemory(s, (int)strlen(s), NULL, NULL, 0);
}

static char *dump(xmlDocPtr d)
{
	size_t len;
	char *s = brt__soap_serialize(d, &len);
	ck_assert_ptr_nonnull(s);
	return s;
}

START_TEST(soap_parse_valid)
{
	const char *why = NULL;
	xmlDocPtr d = parse(ENV_OPEN "<soapenv:Header/><soapenv:Body>"
				     "<t:req xmlns:t=\"urn:t\">x</t:req>"
				     "</soapenv:Body>" ENV_CLOSE,
			    &why);
	ck_assert_ptr_nonnull(d);
	xmlNodePtr body = NULL;
	xmlNodePtr first = brt__soap_body_first(d, &body);
	ck_assert_ptr_nonnull(body);
	ck_assert_ptr_nonnull(first);
	ck_assert_str_eq((const char *)first->name, "req");
	xmlFreeDoc(d);
}
END_TEST

START_TEST(soap_parse_rejects_bad_input)
{
	static const char *const bad[] = {
		"",
		"<soapenv:Envelope",
		"not xml at all",
		"<a><b></a>",
		"<foo xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"/>",
		"<Envelope xmlns=\"http://www.w3.org/2003/05/soap-envelope\">"
		"<Body/></Envelope>",
		ENV_OPEN ENV_CLOSE,
		ENV_OPEN "<soapenv:Header/>" ENV_CLOSE,
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *why = NULL;
		xmlDocPtr d = parse(bad[i], &why);
		ck_assert_msg(d == NULL, "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(soap_parse_refuses_doctype)
{
	static const char *const bad[] = {
		"<!DOCTYPE x><soapenv:Envelope xmlns:soapenv="
		"\"http://schemas.xmlsoap.org/soap/envelope/\"><soapenv:Body/>"
		"</soapenv:Envelope>",
		/* XXE */
		"<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM "
		"\"file:///etc/passwd\">]>" ENV_OPEN
		"<soapenv:Body><a>&x;</a></soapenv:Body>" ENV_CLOSE,
		/* external subset */
		"<!DOCTYPE e SYSTEM \"http://127.0.0.1:1/x.dtd\">" ENV_OPEN
		"<soapenv:Body/>" ENV_CLOSE,
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *why = NULL;
		xmlDocPtr d = parse(bad[i], &why);
		ck_assert_msg(d == NULL, "accepted: %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(why, "DOCTYPE"));
	}
}
END_TEST

START_TEST(soap_parse_billion_laughs_quickly)
{
	char buf[4096];
	size_t n = 0;
	n += (size_t)snprintf(buf + n, sizeof buf - n,
			      "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY "
			      "lol \"lol\">");
	for (int i = 1; i <= 9; i++) {
		n += (size_t)snprintf(buf + n, sizeof buf - n,
				      "<!ENTITY lol%d \"", i);
		for (int k = 0; k < 10; k++)
			n += (size_t)snprintf(buf + n, sizeof buf - n,
					      i == 1 ? "&lol;" : "&lol%d;",
					      i - 1);
		n += (size_t)snprintf(buf + n, sizeof buf - n, "\">");
	}
	snprintf(buf + n, sizeof buf - n,
		 "]>" ENV_OPEN
		 "<soapenv:Body><a>&lol9;</a></soapenv:Body>" ENV_CLOSE);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	const char *why = NULL;
	xmlDocPtr d = parse(buf, &why);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_ptr_null(d);
	double ms =
		(t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
	ck_assert_msg(ms < 100, "took %.1f ms", ms);
}
END_TEST

START_TEST(soap_to_message_document)
{
	const char *why = NULL;
	xmlDocPtr env = parse(ENV_OPEN "<soapenv:Body xmlns:q=\"urn:q\">"
				       "<t:req xmlns:t=\"urn:t\" "
				       "k=\"q:v\"><t:x>1</t:x></t:req>"
				       "</soapenv:Body>" ENV_CLOSE,
			      &why);
	ck_assert_ptr_nonnull(env);
	xmlNodePtr body;
	brt__soap_body_first(env, &body);
	xmlDocPtr msg =
		brt__soap_to_message(body, &doc_op, &in_msg, false, &why);
	ck_assert_msg(msg != NULL, "%s", why);
	xmlFreeDoc(env);
	xmlNodePtr root = xmlDocGetRootElement(msg);
	ck_assert_str_eq((const char *)root->name, "message");
	ck_assert_ptr_null(root->ns);
	xmlNodePtr part = root->children;
	ck_assert_str_eq((const char *)part->name, "payload");
	xmlNodePtr el = part->children;
	ck_assert_str_eq((const char *)el->name, "req");
	ck_assert_str_eq((const char *)el->ns->href, "urn:t");
	/* The prefix used in content survives leaving the envelope. */
	xmlNsPtr q = xmlSearchNs(msg, el, BAD_CAST "q");
	ck_assert_ptr_nonnull(q);
	ck_assert_str_eq((const char *)q->href, "urn:q");
	xmlFreeDoc(msg);
}
END_TEST

START_TEST(soap_to_message_rejects_misfits)
{
	static const char *const bodies[] = {
		"<soapenv:Body/>",
		"<soapenv:Body><t:other xmlns:t=\"urn:t\"/></soapenv:Body>",
		"<soapenv:Body><req/></soapenv:Body>",
		"<soapenv:Body><t:req xmlns:t=\"urn:t\"/><t:req "
		"xmlns:t=\"urn:t\"/></soapenv:Body>",
	};
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		char buf[1024];
		snprintf(buf, sizeof buf, ENV_OPEN "%s" ENV_CLOSE, bodies[i]);
		const char *why = NULL;
		xmlDocPtr env = parse(buf, &why);
		ck_assert_ptr_nonnull(env);
		xmlNodePtr body;
		brt__soap_body_first(env, &body);
		xmlDocPtr msg = brt__soap_to_message(body, &doc_op, &in_msg,
						     false, &why);
		ck_assert_msg(msg == NULL, "accepted %s", bodies[i]);
		ck_assert_ptr_nonnull(why);
		xmlFreeDoc(env);
	}
}
END_TEST

START_TEST(soap_rpc_roundtrip)
{
	const char *why = NULL;
	xmlDocPtr env = parse(ENV_OPEN
			      "<soapenv:Body><m:add xmlns:m=\"urn:rpc\">"
			      "<b>hello</b><a>42</a></m:add>"
			      "</soapenv:Body>" ENV_CLOSE,
			      &why);
	ck_assert_ptr_nonnull(env);
	xmlNodePtr body;
	brt__soap_body_first(env, &body);
	xmlDocPtr msg =
		brt__soap_to_message(body, &rpc_op, &rpc_msg, false, &why);
	ck_assert_msg(msg != NULL, "%s", why);
	xmlFreeDoc(env);
	char *s = dump(msg);
	ck_assert_ptr_nonnull(
		strstr(s, "<message><a>42</a><b>hello</b></message>"));
	xmlFree(s);

	/* Wrong wrapper name is not this operation. */
	env = parse(ENV_OPEN "<soapenv:Body><m:sub xmlns:m=\"urn:rpc\"><a>1</a>"
			     "<b>x</b></m:sub></soapenv:Body>" ENV_CLOSE,
		    &why);
	brt__soap_body_first(env, &body);
	ck_assert_ptr_null(
		brt__soap_to_message(body, &rpc_op, &rpc_msg, false, &why));
	xmlFreeDoc(env);

	xmlDocPtr out = brt__soap_from_message(&rpc_op, &rpc_msg, msg, true);
	ck_assert_ptr_nonnull(out);
	s = dump(out);
	ck_assert_msg(strstr(s,
			     "<soapenv:Body><m:addResponse xmlns:m=\"urn:rpc\">"
			     "<a>42</a><b>hello</b></m:addResponse>") != NULL,
		      "%s", s);
	xmlFree(s);
	/* And back again as a response. */
	brt__soap_body_first(out, &body);
	xmlDocPtr back =
		brt__soap_to_message(body, &rpc_op, &rpc_msg, true, &why);
	ck_assert_msg(back != NULL, "%s", why);
	xmlFreeDoc(back);
	xmlFreeDoc(out);
	xmlFreeDoc(msg);
}
END_TEST

START_TEST(soap_from_message_document)
{
	xmlDocPtr msg = rd(
		"<message><result><t:resp xmlns:t=\"urn:t\">ok</t:resp></result>"
		"</message>");
	ck_assert_ptr_nonnull(msg);
	xmlDocPtr env = brt__soap_from_message(&doc_op, &out_msg, msg, true);
	ck_assert_ptr_nonnull(env);
	char *s = dump(env);
	ck_assert_msg(
		strstr(s, "<soapenv:Body><t:resp xmlns:t=\"urn:t\">ok</t:resp>"
			  "</soapenv:Body>") != NULL,
		"%s", s);
	xmlFree(s);
	xmlFreeDoc(env);
	xmlFreeDoc(msg);
}
END_TEST

START_TEST(soap_fault_format)
{
	xmlDocPtr env =
		brt__soap_fault(BRT_NS_BPEL, "selectionFailure", NULL, NULL);
	ck_assert_ptr_nonnull(env);
	char *s = dump(env);
	ck_assert_str_eq(
		s,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<soapenv:Envelope "
		"xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">"
		"<soapenv:Body><soapenv:Fault xmlns:bpel=\"" BRT_NS_BPEL "\">"
		"<faultcode>soapenv:Server</faultcode>"
		"<faultstring>bpel:selectionFailure</faultstring>"
		"</soapenv:Fault></soapenv:Body></soapenv:Envelope>\n");
	xmlFree(s);
	xmlFreeDoc(env);
}
END_TEST

START_TEST(soap_fault_with_data)
{
	/* A message value: an element part gives its element. */
	xmlDocPtr data = rd(
		"<message><payload><t:req xmlns:t=\"urn:t\">7</t:req></payload>"
		"</message>");
	ck_assert_ptr_nonnull(data);
	xmlDocPtr env = brt__soap_fault("urn:user", "bad", data, NULL);
	char *s = dump(env);
	ck_assert_msg(
		strstr(s, "<soapenv:Fault xmlns:f=\"urn:user\">"
			  "<faultcode>soapenv:Server</faultcode>"
			  "<faultstring>f:bad</faultstring>"
			  "<detail><t:req xmlns:t=\"urn:t\">7</t:req></detail>"
			  "</soapenv:Fault>") != NULL,
		"%s", s);
	xmlFree(s);
	xmlFreeDoc(env);
	xmlFreeDoc(data);

	/* No namespace: the bare local name; Client code; text wins. */
	env = brt__soap_fault_code(true, NULL, "oops", NULL, "a < b");
	s = dump(env);
	ck_assert_ptr_nonnull(strstr(s, "<faultcode>soapenv:Client</faultcode>"
					"<faultstring>a &lt; b</faultstring>"));
	xmlFree(s);
	xmlFreeDoc(env);
	env = brt__soap_fault(NULL, "oops", NULL, NULL);
	s = dump(env);
	ck_assert_ptr_nonnull(strstr(s, "<faultstring>oops</faultstring>"));
	xmlFree(s);
	xmlFreeDoc(env);
}
END_TEST

START_TEST(soap_detail_to_fault_message)
{
	const char *why;
	xmlDocPtr env = parse(
		ENV_OPEN "<soapenv:Body><soapenv:Fault>"
			 "<faultcode>soapenv:Server</faultcode>"
			 "<faultstring>x</faultstring><detail>"
			 "<t:req xmlns:t=\"urn:t\">9</t:req>"
			 "</detail></soapenv:Fault></soapenv:Body>" ENV_CLOSE,
		&why);
	ck_assert_ptr_nonnull(env);
	xmlNodePtr body;
	brt__soap_body_first(env, &body);
	xmlNodePtr fault = brt__soap_fault_elem(body);
	ck_assert_ptr_nonnull(fault);
	xmlNodePtr detail = fault->children;
	while (detail && !xmlStrEqual(detail->name, BAD_CAST "detail"))
		detail = detail->next;
	xmlDocPtr m = brt__soap_detail_message(detail, &in_msg);
	ck_assert_ptr_nonnull(m);
	char *s = dump(m);
	ck_assert_ptr_nonnull(strstr(s, "<payload><t:req"));
	xmlFree(s);
	xmlFreeDoc(m);
	xmlFreeDoc(env);
}
END_TEST

Suite *soap_suite(void);
Suite *soap_suite(void)
{
	Suite *s = suite_create("soap");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, soap_parse_valid);
	tcase_add_test(tc, soap_parse_rejects_bad_input);
	tcase_add_test(tc, soap_parse_refuses_doctype);
	tcase_add_test(tc, soap_parse_billion_laughs_quickly);
	tcase_add_test(tc, soap_to_message_document);
	tcase_add_test(tc, soap_to_message_rejects_misfits);
	tcase_add_test(tc, soap_rpc_roundtrip);
	tcase_add_test(tc, soap_from_message_document);
	tcase_add_test(tc, soap_fault_format);
	tcase_add_test(tc, soap_fault_with_data);
	tcase_add_test(tc, soap_detail_to_fault_message);
	suite_add_tcase(s, tc);
	return s;
}
