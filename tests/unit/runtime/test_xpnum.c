/*
 * test_xpnum.c — numbers as XPath 1.0 string() writes them (xpnum.c):
 * no exponent, every significant digit, -0, NaN, infinities; numbers of
 * schema types (exponents, INF) read as XPath numbers; the string
 * functions of a prepared context convert number arguments the same way;
 * and the namespace helpers copies use (brt__data_hoist_ns,
 * brt__data_prefix_in_content).
 */
#include <math.h>

#include <check.h>
#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "data.h"
#include "internal.h"

static void ck_num(double v, const char *want)
{
	xmlChar *s = brt__xpath_number_string(v);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq((const char *)s, want);
	xmlFree(s);
}

START_TEST(xpnum_integers_without_exponent)
{
	ck_num(3, "3");
	ck_num(-42, "-42");
	ck_num(2147483648.0, "2147483648");
	ck_num(-2147483649.0, "-2147483649");
	ck_num(1e10, "10000000000");
	ck_num(1234567890123456.0, "1234567890123456");
	ck_num(1e21, "1000000000000000000000");
}
END_TEST

START_TEST(xpnum_fractions_shortest_digits)
{
	ck_num(13.75, "13.75");
	ck_num(0.000001, "0.000001");
	ck_num(-0.5, "-0.5");
	ck_num(0.1 + 0.2, "0.30000000000000004");
	ck_num(1.0 / 3.0, "0.3333333333333333");
	ck_num(123456789.5, "123456789.5");
}
END_TEST

START_TEST(xpnum_special_values)
{
	ck_num(0.0, "0");
	ck_num(-0.0, "0");
	ck_num(NAN, "NaN");
	ck_num(INFINITY, "Infinity");
	ck_num(-INFINITY, "-Infinity");
}
END_TEST

START_TEST(xpnum_schema_numbers)
{
	xmlInitParser(); /* libxml2's NaN is set up there */
	ck_assert(brt__xsd_number(BAD_CAST " 1.5E3 ") == 1500);
	ck_assert(brt__xsd_number(BAD_CAST "-2e-1") == -0.2);
	ck_assert(brt__xsd_number(BAD_CAST "42") == 42);
	ck_assert(isinf(brt__xsd_number(BAD_CAST "INF")));
	ck_assert(brt__xsd_number(BAD_CAST "-INF") < 0);
	ck_assert(isnan(brt__xsd_number(BAD_CAST "NaN")));
	ck_assert(brt__xsd_number(BAD_CAST " +INF ") > 1e308);
	ck_assert(isnan(brt__xsd_number(BAD_CAST "inf")));
	ck_assert(isnan(brt__xsd_number(BAD_CAST "")));
}
END_TEST

/* concat(), string() and substring() in a context set up by
 * brt__xpath_number_setup. */
static char *eval_str(const char *expr)
{
	xmlXPathContextPtr xp = xmlXPathNewContext(NULL);
	brt__xpath_number_setup(xp);
	xmlXPathObjectPtr r = xmlXPathEval(BAD_CAST expr, xp);
	ck_assert_ptr_nonnull(r);
	xmlChar *s = brt__xpath_string(r);
	char *out = strdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(xp);
	return out;
}

START_TEST(xpnum_string_functions_convert_numbers)
{
	const char *cases[][2] = {
		{ "concat('n=', 2147483648, '/', 0.000001)",
		  "n=2147483648/0.000001" },
		{ "string(10000000000)", "10000000000" },
		{ "substring(12345678901, 2, 3)", "234" },
		{ "string-length(2147483648)", "10" },
		{ "translate(2147483648, '4', 'x')", "21x7x836x8" },
		{ "2147483648 * 2", "4294967296" },
		{ "string(1 div 3)", "0.3333333333333333" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = eval_str(cases[i][0]);
		ck_assert_msg(strcmp(got, cases[i][1]) == 0, "%s gave %s",
			      cases[i][0], got);
		free(got);
	}
}
END_TEST

START_TEST(xpnum_prefix_in_content_and_hoist)
{
	const char *xml = "<r xmlns:k='urn:k' xmlns:u='urn:u'><a t='k:x'/>"
			  "<b>u</b></r>";
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, 0);
	xmlNodePtr r = xmlDocGetRootElement(doc);
	ck_assert(brt__data_prefix_in_content(r, BAD_CAST "k"));
	ck_assert(!brt__data_prefix_in_content(r, BAD_CAST "u"));
	xmlFreeDoc(doc);

	/* Two copies that each declare c: the parent declares it once. */
	xmlDocPtr d2 = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr top = xmlNewDocNode(d2, NULL, BAD_CAST "top", NULL);
	xmlDocSetRootElement(d2, top);
	for (int i = 0; i < 2; i++) {
		xmlNodePtr k = xmlNewDocNode(d2, NULL, BAD_CAST "x", NULL);
		xmlSetNs(k, xmlNewNs(k, BAD_CAST "urn:c", BAD_CAST "c"));
		xmlAddChild(top, k);
	}
	brt__data_hoist_ns(top);
	xmlChar *buf;
	int n;
	xmlDocDumpMemory(d2, &buf, &n);
	ck_assert_ptr_nonnull(
		strstr((const char *)buf,
		       "<top xmlns:c=\"urn:c\"><c:x/><c:x/></top>"));
	xmlFree(buf);
	xmlFreeDoc(d2);
}
END_TEST

/* Parse xml, hoist the root's children's declarations, serialise. */
static char *hoisted(const char *xml)
{
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, 0);
	ck_assert_ptr_nonnull(doc);
	brt__data_hoist_ns(xmlDocGetRootElement(doc));
	xmlBufferPtr b = xmlBufferCreate();
	xmlNodeDump(b, doc, xmlDocGetRootElement(doc), 0, 0);
	char *out = strdup((const char *)xmlBufferContent(b));
	xmlBufferFree(b);
	xmlFreeDoc(doc);
	return out;
}

START_TEST(xpnum_hoist_reuses_namespace_in_scope)
{
	const char *cases[][2] = {
		/* the parent has the namespace as default: children use it */
		{ "<top xmlns='urn:c'><c:x xmlns:c='urn:c' a='1'><c:y/></c:x></top>",
		  "<top xmlns=\"urn:c\"><x a=\"1\"><y/></x></top>" },
		/* a default namespace inside would capture the names: kept */
		{ "<top xmlns='urn:c'><c:x xmlns:c='urn:c'><z xmlns='urn:o'>"
		  "<c:y/></z></c:x></top>",
		  "<top xmlns=\"urn:c\"><c:x xmlns:c=\"urn:c\"><z "
		  "xmlns=\"urn:o\"><c:y/></z></c:x></top>" },
		/* a prefixed attribute cannot use a default namespace */
		{ "<top xmlns='urn:c'><c:x xmlns:c='urn:c' c:a='1'/></top>",
		  "<top xmlns=\"urn:c\"><c:x xmlns:c=\"urn:c\" c:a=\"1\"/></top>" },
		/* QName content keeps its prefix */
		{ "<top xmlns='urn:c'><c:x xmlns:c='urn:c'>c:v</c:x></top>",
		  "<top xmlns=\"urn:c\"><c:x xmlns:c=\"urn:c\">c:v</c:x></top>" },
		/* another prefix for the same namespace: reused */
		{ "<p:top xmlns:p='urn:c'><c:x xmlns:c='urn:c'/></p:top>",
		  "<p:top xmlns:p=\"urn:c\"><p:x/></p:top>" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *got = hoisted(cases[i][0]);
		ck_assert_msg(strcmp(got, cases[i][1]) == 0, "%s gave %s",
			      cases[i][0], got);
		free(got);
	}
}
END_TEST

Suite *xpnum_suite(void);
Suite *xpnum_suite(void)
{
	Suite *s = suite_create("xpnum");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, xpnum_integers_without_exponent);
	tcase_add_test(tc, xpnum_fractions_shortest_digits);
	tcase_add_test(tc, xpnum_special_values);
	tcase_add_test(tc, xpnum_schema_numbers);
	tcase_add_test(tc, xpnum_string_functions_convert_numbers);
	tcase_add_test(tc, xpnum_prefix_in_content_and_hoist);
	tcase_add_test(tc, xpnum_hoist_reuses_namespace_in_scope);
	suite_add_tcase(s, tc);
	return s;
}
