/*
 * test_reply_map.c — a partner's answer turned into an invoke's result
 * (brt__reply_map) without the network: declared faults whose message has
 * several type parts (rpc bindings) in both detail forms, bare parts and
 * parts wrapped in an element named after the fault; and replies that are
 * not SOAP 1.1 envelopes however close (text or an unqualified element
 * directly in Envelope, text in Body), which fault the invoke.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NS "urn:rm"
#define XSD "http://www.w3.org/2001/XMLSchema"

static const struct brt_part tparts[] = {
	{ "id", { NULL, NULL }, { XSD, "int" }, BRT_XSD_NUMBER },
	{ "name", { NULL, NULL }, { XSD, "string" }, BRT_XSD_STRING },
};
static const struct brt_message tmsg = { { NS, "T" }, 2, tparts };
static const struct brt_fault_decl faults[] = { { "badInput", &tmsg } };
static const struct brt_operation op = { "lookup", NS,	  "", BRT_STYLE_RPC, NS,
					 &tmsg,	   &tmsg, 1,  faults };

#define ENV_OPEN \
	"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
#define FAULT(detail)                                                           \
	ENV_OPEN                                                                \
	"<s:Body><s:Fault><faultcode xmlns:f=\"" NS                             \
	"\">f:badInput</faultcode><faultstring>no</faultstring><detail>" detail \
	"</detail></s:Fault></s:Body></s:Envelope>"

static struct brt_call_result map(const char *body, long status, char **ns,
				  char **local)
{
	struct brt_call_result res;
	memset(&res, 0, sizeof res);
	brt__reply_map(NULL, &op, "http://p/", status, "text/xml", body,
		       strlen(body), &res, ns, local);
	return res;
}

static void check_fault_data(struct brt_call_result *res)
{
	ck_assert(res->is_fault);
	ck_assert_ptr_eq(res->fault_decl, &faults[0]);
	ck_assert_str_eq(res->fault_local, "badInput");
	ck_assert_ptr_nonnull(res->fault_data);
	xmlChar *t = xmlNodeGetContent(xmlDocGetRootElement(res->fault_data));
	ck_assert_str_eq((char *)t, "7n");
	xmlFree(t);
}

START_TEST(reply_map_rpc_fault_bare_parts)
{
	char *ns, *local;
	struct brt_call_result res =
		map(FAULT("<id>7</id><name>n</name>"), 500, &ns, &local);
	check_fault_data(&res);
	xmlFreeDoc(res.fault_data);
	free(ns);
	free(local);
}
END_TEST

START_TEST(reply_map_rpc_fault_wrapped_parts)
{
	char *ns, *local;
	struct brt_call_result res =
		map(FAULT("<f:badInput xmlns:f=\"" NS
			  "\"><id>7</id><name>n</name></f:badInput>"),
		    500, &ns, &local);
	check_fault_data(&res);
	xmlFreeDoc(res.fault_data);
	free(ns);
	free(local);
}
END_TEST

START_TEST(reply_map_refuses_misshapen_envelopes)
{
	static const char *const bad[] = {
		ENV_OPEN "junk<s:Body><m:lookupResponse xmlns:m=\"" NS
			 "\"><id>1</id><name>a</name></m:lookupResponse>"
			 "</s:Body></s:Envelope>",
		ENV_OPEN "<s:Body><m:lookupResponse xmlns:m=\"" NS
			 "\"><id>1</id><name>a</name></m:lookupResponse>"
			 "</s:Body><x/></s:Envelope>",
		ENV_OPEN "<x/><s:Body><m:lookupResponse xmlns:m=\"" NS
			 "\"><id>1</id><name>a</name></m:lookupResponse>"
			 "</s:Body></s:Envelope>",
		ENV_OPEN "<s:Body>text<m:lookupResponse xmlns:m=\"" NS
			 "\"><id>1</id><name>a</name></m:lookupResponse>"
			 "</s:Body></s:Envelope>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char *ns, *local;
		struct brt_call_result res = map(bad[i], 200, &ns, &local);
		ck_assert_msg(res.err == BRT_EPROTO, "case %zu", i);
		ck_assert_ptr_null(res.msg);
		free(ns);
		free(local);
	}
	/* The same reply, well formed, is the output message. */
	char *ns, *local;
	struct brt_call_result res =
		map(ENV_OPEN "<s:Body><m:lookupResponse xmlns:m=\"" NS
			     "\"><id>1</id><name>a</name></m:lookupResponse>"
			     "</s:Body></s:Envelope>",
		    200, &ns, &local);
	ck_assert_int_eq(res.err, 0);
	ck_assert_ptr_nonnull(res.msg);
	xmlFreeDoc(res.msg);
	free(ns);
	free(local);
}
END_TEST

Suite *reply_map_suite(void);
Suite *reply_map_suite(void)
{
	Suite *s = suite_create("reply_map");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, reply_map_rpc_fault_bare_parts);
	tcase_add_test(tc, reply_map_rpc_fault_wrapped_parts);
	tcase_add_test(tc, reply_map_refuses_misshapen_envelopes);
	suite_add_tcase(s, tc);
	return s;
}
