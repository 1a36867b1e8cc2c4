/* test_xpath_lex.c — the XPath token scanner check_xpath.c and xpath2.c
 * share: name classification, the XPath 1.0 / 2.0 lexeme switch. */
#include <check.h>
#include <string.h>

#include "xpath_lex.h"

/* The kinds of text's tokens, one character each (the token itself for
 * punctuation; '//' is W, '..' is E), "" when the scan fails. */
static const char *kinds(const char *text, bool xpath2, char *buf)
{
	/* ORDER: enum xpath_tok_kind */
	static const char letters[] = "nfxavds()[]/W.E@,|o*?C";
	struct xpath_toks ts = { 0 };
	buf[0] = '\0';
	if (xpath_lex_scan(text, xpath2, &ts)) {
		int i;
		for (i = 0; i < ts.n; i++)
			buf[i] = letters[ts.t[i].k];
		buf[i] = '\0';
		ck_assert_int_eq(ts.t[ts.n].k, XT_END);
	}
	xpath_lex_free(&ts);
	return buf;
}

START_TEST(xpath_lex_classifies_names)
{
	char buf[64];
	/* function, variable, string; node type; axis (with spaces) */
	ck_assert_str_eq(kinds("concat($a.p, 'x')", false, buf), "f(v,s)");
	ck_assert_str_eq(kinds("$v/text()", false, buf), "v/x()");
	ck_assert_str_eq(kinds("$v/child :: item[1]", false, buf), "v/an[d]");
	/* §3.7: after an operand a name is an operator, even before '(' */
	ck_assert_str_eq(kinds("(1 = 1) or (2 = 2)", false, buf),
			 "(dod)n(dod)");
	ck_assert_str_eq(kinds("$a and ($b)", false, buf), "vn(v)");
	ck_assert_str_eq(kinds("$a div (2) mod (3)", true, buf), "vn(d)n(d)");
	ck_assert_str_eq(kinds("$a * *", false, buf), "v**");
	ck_assert_str_eq(kinds("not($a) and not($b)", false, buf), "f(v)nf(v)");
	struct xpath_toks ts = { 0 };
	ck_assert(xpath_lex_scan("$v/child :: item", false, &ts));
	ck_assert_uint_eq(ts.t[2].len, 5); /* "child", without the '::' */
	ck_assert(xpath_lex_is(&ts.t[3], "item"));
	xpath_lex_free(&ts);
}
END_TEST

START_TEST(xpath_lex_xpath2_lexemes_only_on_request)
{
	char buf[64];
	ck_assert_str_eq(kinds("(: c :) 1", false, buf), "");
	ck_assert_str_eq(kinds("(: c :) 1", true, buf), "Cd");
	ck_assert_str_eq(kinds("$a?", false, buf), "");
	ck_assert_str_eq(kinds("$a?", true, buf), "v?");
	ck_assert_str_eq(kinds("$a << $b", false, buf), "voov");
	ck_assert_str_eq(kinds("$a << $b", true, buf), "vov");
	ck_assert_str_eq(kinds("1e3", false, buf), "dn");
	ck_assert_str_eq(kinds("1e3", true, buf), "d");
}
END_TEST

START_TEST(xpath_lex_rejects_unknown_text)
{
	char buf[64];
	ck_assert_str_eq(kinds("'open", true, buf), "");
	ck_assert_str_eq(kinds("$a ! $b", true, buf), "");
	ck_assert_str_eq(kinds("#", false, buf), "");
	ck_assert_str_eq(kinds("  ", false, buf), "");
}
END_TEST

Suite *xpath_lex_suite(void);
Suite *xpath_lex_suite(void)
{
	Suite *s = suite_create("xpath_lex");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, xpath_lex_classifies_names);
	tcase_add_test(tc, xpath_lex_xpath2_lexemes_only_on_request);
	tcase_add_test(tc, xpath_lex_rejects_unknown_text);
	suite_add_tcase(s, tc);
	return s;
}
