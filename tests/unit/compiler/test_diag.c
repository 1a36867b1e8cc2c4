/* test_diag.c — diagnostics: GCC-style lines, JSON lines, counts. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

struct cap {
	FILE *f;
	char *buf;
	size_t len;
};

static void cap_open(struct cap *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	ck_assert_ptr_nonnull(c->f);
}

static void cap_close(struct cap *c)
{
	fclose(c->f);
	free(c->buf);
}

START_TEST(diag_text_format)
{
	struct cap c;
	cap_open(&c);
	struct diag *dg = diag_new(c.f, DIAG_TEXT);
	struct loc l = { "p/x.bpel", 12, 5 };
	diag_error(dg, &l, "SA00023", "variable '%s' is declared twice", "x");
	struct loc l0 = { "y.wsdl", 3, 0 };
	diag_warning(dg, &l0, NULL, "careful\n");
	struct loc lf = { "z.bpel", 0, 0 };
	diag_error(dg, &lf, NULL, "cannot read");
	diag_error(dg, NULL, NULL, "no file");
	fflush(c.f);
	ck_assert_str_eq(
		c.buf,
		"p/x.bpel:12:5: error: SA00023: variable 'x' is declared twice\n"
		"y.wsdl:3:1: warning: careful\n"
		"z.bpel: error: cannot read\n"
		"bpelc: error: no file\n");
	ck_assert_int_eq(diag_errors(dg), 3);
	ck_assert_int_eq(diag_warnings(dg), 1);
	diag_set_werror(dg, true);
	ck_assert_int_eq(diag_errors(dg), 4);
	diag_free(dg);
	cap_close(&c);
}
END_TEST

/* GCC's per-rule options: -Wno-error=R, -Werror=R, -Wno-R, -WR. */
START_TEST(diag_rule_actions)
{
	struct cap c;
	cap_open(&c);
	struct diag *dg = diag_new(c.f, DIAG_TEXT);
	struct loc l = { "t.wsdl", 4, 2 };
	ck_assert(diag_set_rule(dg, "SA00014", DIAG_RULE_WARNING));
	ck_assert(diag_set_rule(dg, "SA00027", DIAG_RULE_ERROR));
	ck_assert(diag_set_rule(dg, "SA00023", DIAG_RULE_OFF));
	diag_error(dg, &l, "SA00014", "dup");
	diag_warning(dg, &l, "SA00027", "path");
	diag_error(dg, &l, "SA00023", "twice");
	diag_warning(dg, &l, NULL, "plain");
	fflush(c.f);
	ck_assert_str_eq(c.buf, "t.wsdl:4:2: warning: SA00014: dup\n"
				"t.wsdl:4:2: error: SA00027: path\n"
				"t.wsdl:4:2: warning: plain\n");
	ck_assert_int_eq(diag_errors(dg), 1);
	ck_assert_int_eq(diag_warnings(dg), 2);
	/* -Werror promotes the plain warning, not the demoted rule */
	diag_set_werror(dg, true);
	ck_assert_int_eq(diag_errors(dg), 2);
	/* a later option for the same rule wins */
	ck_assert(diag_set_rule(dg, "SA00014", DIAG_RULE_DEFAULT));
	diag_error(dg, &l, "SA00014", "dup");
	ck_assert_int_eq(diag_errors(dg), 3);
	ck_assert(diag_is_rule_name("SA00001"));
	ck_assert(!diag_is_rule_name("SA1"));
	ck_assert(!diag_is_rule_name("unused"));
	diag_free(dg);
	cap_close(&c);
}
END_TEST

START_TEST(diag_message_stays_on_one_line)
{
	struct cap c;
	cap_open(&c);
	struct diag *dg = diag_new(c.f, DIAG_TEXT);
	struct loc l = { "a.bpel", 1, 1 };
	diag_error(dg, &l, NULL, "two\nlines");
	fflush(c.f);
	ck_assert_str_eq(c.buf, "a.bpel:1:1: error: two lines\n");
	diag_free(dg);
	cap_close(&c);
}
END_TEST

START_TEST(diag_json_escapes)
{
	struct cap c;
	cap_open(&c);
	struct diag *dg = diag_new(c.f, DIAG_JSON);
	struct loc l = { "dir\\a\"b.bpel", 7, 3 };
	diag_error(dg, &l, "SA00005", "bad \"q\"\ttab\x01");
	diag_warning(dg, NULL, NULL, "w");
	fflush(c.f);
	ck_assert_str_eq(
		c.buf,
		"{\"file\":\"dir\\\\a\\\"b.bpel\",\"line\":7,\"column\":3,\"severity\":\"error\","
		"\"rule\":\"SA00005\",\"message\":\"bad \\\"q\\\"\\ttab\\u0001\"}\n"
		"{\"file\":null,\"line\":0,\"column\":0,\"severity\":\"warning\","
		"\"rule\":null,\"message\":\"w\"}\n");
	diag_free(dg);
	cap_close(&c);
}
END_TEST

Suite *diag_suite(void);
Suite *diag_suite(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, diag_text_format);
	tcase_add_test(tc, diag_rule_actions);
	tcase_add_test(tc, diag_message_stays_on_one_line);
	tcase_add_test(tc, diag_json_escapes);
	suite_add_tcase(s, tc);
	return s;
}
