/*
 * test_error.c — brt_strerror: every BRT_E* code has its own text, and
 * unknown codes still give a string.
 */
#include <check.h>
#include <string.h>

#include "internal.h"

START_TEST(error_texts_distinct)
{
	static const int codes[] = { 0,		 BRT_ENOMEM,
				     BRT_EINVAL, BRT_ENOTFOUND,
				     BRT_EIO,	 BRT_ETIMEDOUT,
				     BRT_EPROTO, BRT_ESTATE,
				     BRT_ELIMIT, BRT_EFAULT };
	size_t n = sizeof codes / sizeof *codes;
	for (size_t i = 0; i < n; i++) {
		const char *a = brt_strerror(codes[i]);
		ck_assert_ptr_nonnull(a);
		ck_assert_int_gt((int)strlen(a), 0);
		ck_assert_str_ne(a, brt_strerror(-1000));
		for (size_t k = 0; k < i; k++)
			ck_assert_str_ne(a, brt_strerror(codes[k]));
	}
}
END_TEST

/* Convention 3 (internal.h): a recorded fault is not "out of memory". */
START_TEST(error_recorded_fault_is_not_enomem)
{
	ck_assert_int_ne(BRT_EFAULT, BRT_ENOMEM);
	ck_assert_int_ne(BRT_EFAULT, -1);
	ck_assert_str_eq(brt_strerror(BRT_EFAULT), "a BPEL fault was recorded");
}
END_TEST

START_TEST(error_unknown_code)
{
	ck_assert_str_eq(brt_strerror(-1000), "unknown error");
	ck_assert_str_eq(brt_strerror(12345), "unknown error");
	ck_assert_str_eq(brt_strerror(BRT_ETIMEDOUT), "timed out");
}
END_TEST

Suite *error_suite(void);
Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, error_texts_distinct);
	tcase_add_test(tc, error_unknown_code);
	tcase_add_test(tc, error_recorded_fault_is_not_enomem);
	suite_add_tcase(s, tc);
	return s;
}
