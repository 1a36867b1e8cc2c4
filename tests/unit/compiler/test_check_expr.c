/* test_check_expr.c — every expression and query parsed at compile time
 * (check_expr.c): syntax errors and functions nobody provides are
 * warnings at file:line:col naming the vendor of a known namespace,
 * -Werror makes them errors, an empty condition still compiles; XPath 2.0
 * constructs are errors with their column; extension elements inside
 * <from>/<to> are ignored (issue 16, points 2, 4 and 7). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_kit.h"
#include "diag.h"

/* A process whose body, after the start receive, is `body`; run to
 * `last`. */
static void run(struct kit *x, const char *attrs, const char *body,
		enum kit_phase last)
{
	char *seq = NULL;
	size_t len;
	FILE *f = open_memstream(&seq, &len);
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"
		"%s\n</sequence>\n",
		body);
	fclose(f);
	kit_inline(x, attrs, seq, last);
	free(seq);
}

#define IF(cond) "<if><condition>" cond "</condition><empty/></if>"

START_TEST(expr_syntax_error_is_a_warning_with_position)
{
	struct kit x = { 0 };
	/* p.bpel: line 12 is the body */
	run(&x, NULL, "  " IF("\"a\" = = \"b\""), KIT_LOWER);
	ck_assert_int_eq(diag_errors(x.dg), 0);
	ck_assert_msg(strstr(x.out, "p.bpel:12:7: warning: <condition> is not "
				    "a valid XPath 1.0 expression") &&
			      strstr(x.out, "subLanguageExecutionFault"),
		      "%s", x.out);
	ck_assert_ptr_nonnull(x.ir); /* it compiles, and faults when run */
	kit_free(&x);
}
END_TEST

START_TEST(expr_query_syntax_error)
{
	struct kit x = { 0 };
	run(&x, NULL,
	    "<assign><copy><from variable=\"in\" part=\"order\"><query>g:id></query></from>"
	    "<to variable=\"out\" part=\"result\"/></copy></assign>",
	    KIT_CHECK);
	ck_assert_msg(strstr(x.out, "<query> is not a valid XPath 1.0 query"),
		      "%s", x.out);
	kit_free(&x);
}
END_TEST

START_TEST(expr_unknown_functions_name_the_vendor)
{
	static const struct {
		const char *xmlns, *call, *want;
	} cases[] = {
		{ "", "nosuch(2) = 2", "neither XPath 1.0 nor WS-BPEL" },
		{ "xmlns:xp20=\"http://www.oracle.com/XSL/Transform/java/oracle.tip.pc.services.functions.Xpath20\"",
		  "xp20:current-date() = ''", "Oracle" },
		{ "xmlns:orcl=\"http://www.oracle.com/XSL/Transform/java/oracle.tip.pc.services.functions.ExtFunc\"",
		  "orcl:generate-guid() = ''", "Oracle" },
		{ "xmlns:sxxf=\"http://www.sun.com/wsbpel/2.0/process/executable/SUNExtension/XPathFunctions\"",
		  "sxxf:current-dateTime() = ''", "OpenESB" },
		{ "xmlns:ode=\"http://www.apache.org/ode/type/extension\"",
		  "ode:dom-to-string($in.order) = ''", "Apache ODE" },
		{ "xmlns:bpws=\"http://schemas.xmlsoap.org/ws/2003/03/business-process/\"",
		  "bpws:getVariableData('in') = ''", "BPEL4WS 1.1" },
		{ "", "nope:f() = 1", "prefix 'nope' is not declared" },
		{ "", "bpel:getVariableData('in') = 1",
		  "WS-BPEL 2.0 defines no such function" },
		{ "xmlns:u=\"urn:mine\"", "u:f() = 1", "namespace 'urn:mine'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct kit x = { 0 };
		char body[512];
		snprintf(body, sizeof body,
			 "<if %s><condition>%s</condition><empty/></if>",
			 cases[i].xmlns, cases[i].call);
		run(&x, NULL, body, KIT_CHECK);
		ck_assert_msg(diag_errors(x.dg) == 0 &&
				      strstr(x.out,
					     "warning: <condition> calls") &&
				      strstr(x.out, cases[i].want) &&
				      strstr(x.out, "p.bpel:12:"),
			      "%s: %s", cases[i].call, x.out);
		kit_free(&x);
	}
}
END_TEST

START_TEST(expr_provided_functions_are_quiet)
{
	struct kit x = { 0 };
	run(&x, NULL,
	    IF("concat('a', string(count($in.order/g:id))) != '' and not(false())") "\n" IF(
		    "bpel:getVariableProperty('in', 'g:none') = 1 or true()") "\n" IF("($in.order/g:id = 1) or (2 = 2) and 3 div (4) = 5 mod (6)"),
	    KIT_CHECK);
	ck_assert_msg(!strstr(x.out, "calls") && !strstr(x.out, "not a valid"),
		      "%s", x.out);
	kit_free(&x);
}
END_TEST

START_TEST(expr_werror_makes_them_errors)
{
	struct kit x = { 0 };
	run(&x, NULL, IF("nosuch(1)"), KIT_CHECK);
	ck_assert_int_eq(diag_errors(x.dg), 0);
	diag_set_werror(x.dg, true);
	ck_assert_int_gt(diag_errors(x.dg), 0);
	kit_free(&x);
}
END_TEST

START_TEST(expr_empty_condition_still_compiles)
{
	struct kit x = { 0 };
	run(&x, NULL, "<if><condition></condition><empty/></if>", KIT_LOWER);
	ck_assert_int_eq(diag_errors(x.dg), 0);
	ck_assert_ptr_nonnull(x.ir);
	ck_assert_msg(!strstr(x.out, "not a valid"), "%s", x.out);
	kit_free(&x);
}
END_TEST

START_TEST(expr_xpath2_construct_has_its_column)
{
	struct kit x = { 0 };
	run(&x,
	    "expressionLanguage=\"urn:oasis:names:tc:wsbpel:2.0:sublang:xpath2.0\"",
	    "    <while><condition>$in.order eq 1</condition><empty/></while>",
	    KIT_CHECK);
	ck_assert_msg(strstr(x.out, "p.bpel:12:12: error: <condition> uses the "
				    "value comparison 'eq'"),
		      "%s", x.out);
	kit_free(&x);
}
END_TEST

START_TEST(expr_extension_elements_in_from_and_to)
{
	struct kit x = { 0 };
	run(&x, NULL,
	    "<assign xmlns:sxed2=\"http://www.sun.com/wsbpel/2.0/process/executable/SUNExtension/Editor2\">\n"
	    "<copy><from>concat('a', 'b')<sxed2:editor><sxed2:pseudoComp/></sxed2:editor></from>\n"
	    "<to><sxed2:editor/>$out.result</to></copy>\n"
	    "<copy><from variable=\"in\" part=\"order\"><sxed2:editor/><query>g:id</query></from>\n"
	    "<to variable=\"out\" part=\"result\"><sxed2:editor/></to></copy>\n"
	    "</assign>",
	    KIT_LOWER);
	ck_assert_msg(diag_errors(x.dg) == 0 && !strstr(x.out, "SA00032"), "%s",
		      x.out);
	ck_assert_ptr_nonnull(x.ir);
	kit_free(&x);
	/* an unknown BPEL element there is still SA00032 */
	struct kit y = { 0 };
	run(&y, NULL,
	    "<assign><copy><from><literal>1</literal><variables/></from>"
	    "<to variable=\"out\" part=\"result\"/></copy></assign>",
	    KIT_CHECK);
	ck_assert_msg(strstr(y.out, "SA00032"), "%s", y.out);
	kit_free(&y);
}
END_TEST

Suite *check_expr_suite(void);
Suite *check_expr_suite(void)
{
	Suite *s = suite_create("check_expr");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, expr_syntax_error_is_a_warning_with_position);
	tcase_add_test(tc, expr_query_syntax_error);
	tcase_add_test(tc, expr_unknown_functions_name_the_vendor);
	tcase_add_test(tc, expr_provided_functions_are_quiet);
	tcase_add_test(tc, expr_werror_makes_them_errors);
	tcase_add_test(tc, expr_empty_condition_still_compiles);
	tcase_add_test(tc, expr_xpath2_construct_has_its_column);
	tcase_add_test(tc, expr_extension_elements_in_from_and_to);
	suite_add_tcase(s, tc);
	return s;
}
