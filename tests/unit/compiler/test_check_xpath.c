/* test_check_xpath.c — check_xpath.c and check_warn.c: static XPath rules
 * (one violating and one conforming snippet each), the rules reported as
 * warnings, and the warnings for suspicious constructs. */
#include "check_fixture.h"

#define IF(cond) "<if><condition>" cond "</condition><empty/></if>"
#define JOIN(jc)                                                                                      \
	"<flow><links><link name='a'/><link name='b'/></links><empty><sources><source linkName='a'/>" \
	"</sources></empty><empty><targets><joinCondition>" jc                                        \
	"</joinCondition><target linkName='a'/></targets>"                                            \
	"<sources><source linkName='b'/></sources></empty><empty><targets><target linkName='b'/></targets></empty></flow>"
#define COPYX(x) \
	"<assign><copy><from>" x "</from><to variable='s'/></copy></assign>"

static const struct check_case rows[] = {
	BAD("SA00028", JOIN("bpel:getVariableProperty('in', 'tns:id') = 1")),
	GOOD("SA00028", JOIN("$a")),
	BAD("SA00073", JOIN("$b")),
	BAD("SA00073", JOIN("$a and string-length('x') = 1")),
	GOOD("SA00073", JOIN("not($a) or $a")),
	BAD("SA00030", IF("bpel:getVariableProperty($s, 'tns:id') = 1")),
	GOOD("SA00030", IF("bpel:getVariableProperty('in', 'tns:id') = 1")),
	BAD("SA00031", IF("bpel:getVariableProperty('in', 'nope:id') = 1")),
	GOOD("SA00031", IF("bpel:getVariableProperty('in', 'tns:id') = 1")),
	BAD("SA00039", COPYX("bpel:doXslTransform($s, $e)")),
	GOOD("SA00039", COPYX("bpel:doXslTransform('t.xsl', $e)")),
	BAD("SA00040", COPYX("bpel:doXslTransform('t.xsl', $e, 'p')")),
	GOOD("SA00040", COPYX("bpel:doXslTransform('t.xsl', $e, 'p', 1)")),
	BAD("SA00041", COPYX("bpel:doXslTransform('t.xsl', $e, $s, 1)")),
	GOOD("SA00041", COPYX("bpel:doXslTransform('t.xsl', $e, 'tns:p', 1)")),
	GOOD("SA00027", IF("$in.inputPart/a[b = 1] or count($e/x) > 2 * 3")),
};

/* Warnings: the text that must appear, as a warning, for each snippet. */
static const struct {
	const char *body;
	const char *text;
} warns[] = {
	{ IF("foo/bar = 1"), "warning: SA00027" },
	{ IF("@x"), "warning: SA00027" },
	/* '*' after an operand is multiplication, so b is a location path:
	 * the service faults there, the compiler must warn */
	{ IF("$e * b > 1"), "warning: SA00027" },
	{ "<forEach counterName='n' parallel='no'><startCounterValue>-1</startCounterValue>"
	  "<finalCounterValue>2</finalCounterValue><scope><empty/></scope></forEach>",
	  "warning: SA00074" },
	{ "<forEach counterName='n' parallel='no'><startCounterValue>1</startCounterValue>"
	  "<finalCounterValue>2</finalCounterValue><completionCondition><branches>5</branches>"
	  "</completionCondition><scope><empty/></scope></forEach>",
	  "warning: SA00075" },
	{ "<while><condition>true()</condition><empty/></while>",
	  "is a constant" },
	{ "<sequence><exit/><empty/></sequence>", "follows an <exit>" },
	{ "", "variable 'two' is never used" },
	{ "", "partner link 'pp' is never used" },
	{ "", "correlation set 'cs' is never used" },
};

START_TEST(check_xpath_rules)
{
	check_expect(&rows[_i], _i);
}
END_TEST

START_TEST(check_xpath_warnings)
{
	struct check_case k = { .rule = "", .body = warns[_i].body };
	struct check_run r;
	check_run_case(&k, &r);
	ck_assert_msg(strstr(r.out, warns[_i].text) != NULL,
		      "row %d: expected '%s', got:\n%s", _i, warns[_i].text,
		      r.out);
	ck_assert_msg(strstr(r.out, "error:") == NULL,
		      "row %d: unexpected error:\n%s", _i, r.out);
	free(r.out);
}
END_TEST

START_TEST(check_xpath_no_warning_when_used)
{
	struct check_case k = {
		.rule = "",
		.body = "<assign><copy><from>$i + 1</from><to variable='i'/></copy></assign>"
			"<while><condition>$i &lt; 3</condition><empty/></while>"
	};
	struct check_run r;
	check_run_case(&k, &r);
	ck_assert_msg(strstr(r.out, "variable 'i'") == NULL, "%s", r.out);
	ck_assert_msg(strstr(r.out, "is a constant") == NULL, "%s", r.out);
	free(r.out);
}
END_TEST

Suite *check_xpath_suite(void);
Suite *check_xpath_suite(void)
{
	Suite *s = suite_create("check_xpath");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, check_xpath_rules, 0, CHECK_NROWS(rows));
	tcase_add_loop_test(tc, check_xpath_warnings, 0, CHECK_NROWS(warns));
	tcase_add_test(tc, check_xpath_no_warning_when_used);
	suite_add_tcase(s, tc);
	return s;
}
