/* test_arena.c — the compilation arena: zeroed, aligned, strings. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"

START_TEST(arena_alloc_is_zeroed_and_aligned)
{
	struct arena *a = arena_new();
	for (int i = 1; i < 200; i++) {
		unsigned char *p = arena_alloc(a, (size_t)i);
		ck_assert_uint_eq((uintptr_t)p % _Alignof(max_align_t), 0);
		for (int j = 0; j < i; j++)
			ck_assert_uint_eq(p[j], 0);
		memset(p, 0xff, (size_t)i);
	}
	arena_free(a);
}
END_TEST

START_TEST(arena_big_blocks_keep_small_ones_usable)
{
	struct arena *a = arena_new();
	char *small = arena_alloc(a, 16);
	char *big = arena_alloc(a, 1 << 20);
	char *small2 = arena_alloc(a, 16);
	memset(big, 'x', 1 << 20);
	ck_assert_ptr_ne(small, small2);
	ck_assert_int_eq(small2[0], 0);
	/* many chunks */
	for (int i = 0; i < 10000; i++)
		ck_assert_ptr_nonnull(arena_alloc(a, 100));
	arena_free(a);
}
END_TEST

START_TEST(arena_strings)
{
	struct arena *a = arena_new();
	ck_assert_ptr_null(arena_strdup(a, NULL));
	ck_assert_str_eq(arena_strdup(a, "abc"), "abc");
	ck_assert_str_eq(arena_strndup(a, "abcdef", 3), "abc");
	ck_assert_str_eq(arena_printf(a, "%s-%d", "x", 42), "x-42");
	ARENA_NEW(
		a, struct { int x; });
	int *v = ARENA_ARRAY(a, int, 10);
	ck_assert_int_eq(v[9], 0);
	arena_free(a);
	arena_free(NULL);
}
END_TEST

Suite *arena_suite(void);
Suite *arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, arena_alloc_is_zeroed_and_aligned);
	tcase_add_test(tc, arena_big_blocks_keep_small_ones_usable);
	tcase_add_test(tc, arena_strings);
	suite_add_tcase(s, tc);
	return s;
}
