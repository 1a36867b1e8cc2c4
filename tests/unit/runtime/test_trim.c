/*
 * test_trim.c — memory goes back to the system after a big drop in live
 * instances (trim.c), and only then: steady traffic and small loads
 * never trim.
 */
#include <check.h>

#include <event2/event.h>

#include "internal.h"

static const struct brt_process t_proc = { .name = "trimt" };

/* Let the trim delay pass. */
static void settle(brt_runtime *rt)
{
	struct timeval tv = { 0, 150000 };
	event_base_loopexit(rt->base, &tv);
	event_base_dispatch(rt->base);
}

START_TEST(trim_after_most_instances_ended)
{
	brt_runtime *rt = brt__runtime_new(&t_proc);
	ck_assert_ptr_nonnull(rt);
	/* 3000 instances live, then they end one by one. */
	for (int live = 3000; live > 0; live--)
		brt__trim_note(rt, live);
	settle(rt);
	ck_assert_uint_eq(brt__trim_count(rt), 1); /* one burst, one trim */
	/* Nothing new went: no second trim. */
	settle(rt);
	ck_assert_uint_eq(brt__trim_count(rt), 1);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(trim_not_for_steady_or_small_loads)
{
	brt_runtime *rt = brt__runtime_new(&t_proc);
	ck_assert_ptr_nonnull(rt);
	/* Instances made and ended at the same rate: a handful live. */
	for (int i = 0; i < 100000; i++)
		brt__trim_note(rt, 1 + i % 16);
	settle(rt);
	ck_assert_uint_eq(brt__trim_count(rt), 0);
	/* A drop, but from a small peak. */
	for (int live = 1000; live > 0; live--)
		brt__trim_note(rt, live);
	settle(rt);
	ck_assert_uint_eq(brt__trim_count(rt), 0);
	/* A drop to 60 % of the peak is not enough either. */
	for (int live = 5000; live > 3000; live--)
		brt__trim_note(rt, live);
	settle(rt);
	ck_assert_uint_eq(brt__trim_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(trim_without_an_event_loop_is_a_no_op)
{
	brt_runtime rt = { .proc = &t_proc };
	brt__trim_note(&rt, 5000);
	brt__trim_note(&rt, 1);
	ck_assert_uint_eq(brt__trim_count(&rt), 0);
	ck_assert_int_eq(brt__trim_init(&rt), BRT_ENOMEM); /* needs a base */
}
END_TEST

Suite *trim_suite(void);
Suite *trim_suite(void)
{
	Suite *s = suite_create("trim");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, trim_after_most_instances_ended);
	tcase_add_test(tc, trim_not_for_steady_or_small_loads);
	tcase_add_test(tc, trim_without_an_event_loop_is_a_no_op);
	suite_add_tcase(s, tc);
	return s;
}
