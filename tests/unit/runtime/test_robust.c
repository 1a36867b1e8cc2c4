/*
 * test_robust.c — the runtime's defences against misbehaving peers that
 * can be tested without a network: mustUnderstand header entries (SOAP 1.1
 * §4.2.3) and the MustUnderstand fault, schema validation of a partner's
 * reply (brt__xsd_check_message), and the --max-reply / --client-timeout
 * options. The network side (every partner misbehaviour, hostile clients)
 * is played by tests/e2e/robustness and tests/e2e/hostile-clients.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "internal.h"

#define ENV_OPEN                                                              \
	"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
#define BODY "<s:Body><x:a xmlns:x=\"urn:t\">1</x:a></s:Body></s:Envelope>"

static xmlDocPtr env_with_header(const char *hdr)
{
	char buf[2048];
	snprintf(buf, sizeof buf, ENV_OPEN "<s:Header>%s</s:Header>" BODY,
		 hdr);
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
	ck_assert_str_eq(mu_name("<y:a xmlns:y=\"urn:y\" s:mustUnderstand=\"1\"/>",
				 n, sizeof n),
			 "a");
	ck_assert_str_eq(mu_name("<y:a xmlns:y=\"urn:y\">x</y:a>"
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
	ck_assert_str_eq(mu_name("<y:a xmlns:y=\"urn:y\" s:mustUnderstand=\"0\">"
				 "<y:in s:mustUnderstand=\"1\"/></y:a>",
				 n, sizeof n),
			 "");
	ck_assert_str_eq(mu_name("<y:a xmlns:y=\"urn:y\" s:mustUnderstand=\"1\" "
				 "s:actor=\"urn:other\"/>",
				 n, sizeof n),
			 "");
	ck_assert_str_eq(mu_name("<y:a xmlns:y=\"urn:y\" mustUnderstand=\"1\"/>",
				 n, sizeof n),
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
	xmlDocPtr f = brt__soap_fault_soapcode("MustUnderstand", "entry {urn:y}a");
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
static const struct brt_message msg_other = { { "urn:t", "O" }, 1,
					      other_parts };
static const struct brt_process proc = {
	.name = "robust",
	.nschemas = 1,
	.schemas = schemas,
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
	ck_assert_int_eq(brt__prepare_proc(&proc, &pp, err, sizeof err), 0);
	char why[300] = "";
	ck_assert_int_eq(check(pp, &msg_a, "42", why, sizeof why), 0);
	ck_assert_int_eq(check(pp, &msg_a, "five", why, sizeof why), 1);
	ck_assert_ptr_nonnull(strstr(why, "part p"));
	/* an element no schema declares cannot be checked: accepted */
	ck_assert_int_eq(check(pp, &msg_other, "x", why, sizeof why), 0);
	/* no schema set: nothing to check */
	ck_assert_int_eq(check(NULL, &msg_a, "five", why, sizeof why), 0);
	brt__prepared_free(pp);
}
END_TEST

static int parse_opts(brt_runtime *rt, const char *a1, const char *a2)
{
	char *argv[] = { (char *)"svc", (char *)a1, (char *)a2, NULL };
	memset(rt, 0, sizeof *rt);
	rt->proc = &proc;
	return brt__options_parse(rt, a2 ? 3 : 2, argv);
}

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

Suite *robust_suite(void);
Suite *robust_suite(void)
{
	Suite *s = suite_create("robust");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, robust_must_understand_entries);
	tcase_add_test(tc, robust_must_understand_fault);
	tcase_add_test(tc, robust_reply_validation);
	tcase_add_test(tc, robust_options);
	suite_add_tcase(s, tc);
	return s;
}
