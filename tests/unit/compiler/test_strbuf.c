/* test_strbuf.c — the growable string buffer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

START_TEST(strbuf_grows_and_formats)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb, "a");
	strbuf_putc(&sb, 'b');
	strbuf_add(&sb, "cdef", 2);
	strbuf_printf(&sb, "%d", 123);
	ck_assert_str_eq(sb.buf, "abcd123");
	ck_assert_uint_eq(sb.len, 7);
	for (int i = 0; i < 1000; i++)
		strbuf_puts(&sb, "0123456789");
	ck_assert_uint_eq(sb.len, 10007);
	ck_assert_uint_eq(strlen(sb.buf), 10007);
	strbuf_reset(&sb);
	ck_assert_str_eq(sb.buf, "");
	strbuf_free(&sb);
	ck_assert_ptr_null(sb.buf);
}
END_TEST

START_TEST(strbuf_c_escape_makes_a_valid_literal)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_c_escape(&sb, "a\"b\\c\nd?"
			     "?=\x01\xc3\xa9");
	ck_assert_str_eq(sb.buf, "a\\\"b\\\\c\\nd\\?\\?=\\001\\303\\251");
	strbuf_free(&sb);
	strbuf_c_escape(&sb, "");
	ck_assert_str_eq(sb.buf, "");
	strbuf_free(&sb);
}
END_TEST

START_TEST(strbuf_detach_hands_over)
{
	struct strbuf sb = STRBUF_INIT;
	char *p = strbuf_detach(&sb);
	ck_assert_str_eq(p, "");
	free(p);
	strbuf_puts(&sb, "xyz");
	p = strbuf_detach(&sb);
	ck_assert_str_eq(p, "xyz");
	ck_assert_ptr_null(sb.buf);
	ck_assert_uint_eq(sb.len, 0);
	free(p);
}
END_TEST

Suite *strbuf_suite(void);
Suite *strbuf_suite(void)
{
	Suite *s = suite_create("strbuf");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, strbuf_grows_and_formats);
	tcase_add_test(tc, strbuf_c_escape_makes_a_valid_literal);
	tcase_add_test(tc, strbuf_detach_hands_over);
	suite_add_tcase(s, tc);
	return s;
}
