/*
 * test_store_sqlite.c — the SQLite store backend (runtime/store/sqlite.c)
 * on a real file: created with mode 0600, one writer (a second open is
 * refused), batches that commit or are lost with the process, records of
 * another build counted and never handed out or deleted, corrupt marks,
 * metadata, ids never below a stored one.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "store.h"

static char dir[64];
static char path[128];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/bpelc-sq-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.db", dir);
}

static void teardown(void)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct brt_store *open_store(const char *build, int format, int oldest)
{
	struct brt_store_config c = { .process = "p",
				      .build = build,
				      .format = format,
				      .oldest_format = oldest };
	struct brt_store *st = NULL;
	char why[300];
	int err = brt__store_sqlite_open(path, &c, &st, why, sizeof why);
	ck_assert_msg(err == 0, "open: %s", why);
	return st;
}

static struct brt_store *open_as(const char *build)
{
	return open_store(build, BRT_STORE_FORMAT, 0);
}

static int done_err;
static int done_calls;
static void on_done(void *arg, int err)
{
	(void)arg;
	done_err = err;
	done_calls++;
}

static void put_one(struct brt_store *st, unsigned long id, const char *data)
{
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->put(st, id, data, strlen(data)), 0);
	done_calls = 0;
	ck_assert_int_eq(st->ops->commit(st, on_done, NULL), 0);
	ck_assert_int_eq(done_calls, 1);
	ck_assert_int_eq(done_err, 0);
}

struct seen {
	int n;
	unsigned long ids[8];
	char data[8][32];
};

static int collect(void *arg, const struct brt_store_rec *rec)
{
	struct seen *sn = arg;
	ck_assert_int_lt(sn->n, 8);
	sn->ids[sn->n] = rec->id;
	snprintf(sn->data[sn->n], sizeof sn->data[0], "%.*s", (int)rec->len,
		 (const char *)rec->data);
	sn->n++;
	return 0;
}

START_TEST(sqlite_creates_private_file_and_keeps_commits)
{
	struct brt_store *st = open_as("b1");
	struct stat sb;
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	put_one(st, 3, "three");
	put_one(st, 1, "one");
	put_one(st, 3, "THREE");
	struct brt_store_meta m = { .next_id = 10, .seq = 77 };
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->meta_put(st, &m), 0);
	ck_assert_int_eq(st->ops->commit(st, on_done, NULL), 0);
	st->ops->close(st);

	st = open_as("b1");
	struct seen sn = { 0 };
	struct brt_store_counts cn;
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, collect, &sn, &cn), 0);
	ck_assert_int_eq(sn.n, 2);
	ck_assert_int_eq(sn.ids[0], 1);
	ck_assert_str_eq(sn.data[0], "one");
	ck_assert_int_eq(sn.ids[1], 3);
	ck_assert_str_eq(sn.data[1], "THREE");
	ck_assert_int_eq(cn.ours, 2);
	ck_assert_int_eq(cn.other_build, 0);
	struct brt_store_meta got;
	ck_assert_int_eq(st->ops->meta_get(st, &got), 0);
	ck_assert_int_eq(got.next_id, 10);
	ck_assert_int_eq(got.seq, 77);
	ck_assert(st->ops->last_commit_seconds(st) >= 0);
	st->ops->close(st);
}
END_TEST

START_TEST(sqlite_refuses_a_second_writer)
{
	struct brt_store *st = open_as("b1");
	struct brt_store_config c = { .process = "p",
				      .build = "b1",
				      .format = BRT_STORE_FORMAT };
	struct brt_store *two = NULL;
	char why[300] = "";
	ck_assert_int_eq(brt__store_sqlite_open(path, &c, &two, why,
						sizeof why),
			 BRT_ESTATE);
	ck_assert_ptr_null(two);
	ck_assert_ptr_nonnull(strstr(why, "in use"));
	st->ops->close(st);
	st = open_as("b1"); /* free again once closed */
	st->ops->close(st);
}
END_TEST

START_TEST(sqlite_uncommitted_batch_is_lost)
{
	struct brt_store *st = open_as("b1");
	put_one(st, 1, "kept");
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->put(st, 2, "lost", 4), 0);
	ck_assert_int_eq(st->ops->del(st, 1), 0);
	st->ops->close(st); /* as a crash before COMMIT */
	st = open_as("b1");
	struct seen sn = { 0 };
	struct brt_store_counts cn;
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, collect, &sn, &cn), 0);
	ck_assert_int_eq(sn.n, 1);
	ck_assert_str_eq(sn.data[0], "kept");
	st->ops->close(st);
}
END_TEST

START_TEST(sqlite_other_builds_are_counted_not_touched)
{
	struct brt_store *st = open_as("old");
	put_one(st, 1, "old one");
	st->ops->close(st);
	st = open_as("new");
	struct seen sn = { 0 };
	struct brt_store_counts cn;
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, collect, &sn, &cn), 0);
	ck_assert_int_eq(sn.n, 0);
	ck_assert_int_eq(cn.other_build, 1);
	/* A delete of that id by this build leaves it alone. */
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->del(st, 1), 0);
	ck_assert_int_eq(st->ops->commit(st, on_done, NULL), 0);
	struct brt_store_meta m;
	ck_assert_int_eq(st->ops->meta_get(st, &m), 0);
	ck_assert_int_ge(m.next_id, 2); /* never reuses id 1 */
	st->ops->close(st);
	st = open_as("old");
	memset(&sn, 0, sizeof sn);
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, collect, &sn, &cn), 0);
	ck_assert_int_eq(sn.n, 1);
	st->ops->close(st);
}
END_TEST

static struct brt_store *open_format(int format, int oldest)
{
	return open_store("b1", format, oldest);
}

/* A store reads the formats from its oldest to its own: an older one's
 * records are loaded and deleted like its own; a newer one's are counted,
 * never touched (a runtime that knows only format 1 meets format 2). */
START_TEST(sqlite_reads_its_range_of_formats)
{
	struct brt_store *st = open_format(1, 1);
	put_one(st, 1, "format 1");
	st->ops->close(st);
	st = open_format(3, 3);
	put_one(st, 2, "format 3");
	st->ops->close(st);

	st = open_format(2, 1);
	struct seen sn = { 0 };
	struct brt_store_counts cn;
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, collect, &sn, &cn), 0);
	ck_assert_int_eq(sn.n, 1);
	ck_assert_str_eq(sn.data[0], "format 1");
	ck_assert_int_eq(cn.total, 1);
	ck_assert_int_eq(cn.other_build, 1);
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->del(st, 1), 0);
	ck_assert_int_eq(st->ops->del(st, 2), 0);
	done_calls = 0;
	ck_assert_int_eq(st->ops->commit(st, on_done, NULL), 0);
	ck_assert_int_eq(done_err, 0);
	st->ops->close(st);

	st = open_format(3, 3); /* its record is still there */
	memset(&sn, 0, sizeof sn);
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, collect, &sn, &cn), 0);
	ck_assert_int_eq(sn.n, 1);
	ck_assert_str_eq(sn.data[0], "format 3");
	st->ops->close(st);
	st = open_format(1, 1); /* format 1's is gone */
	memset(&sn, 0, sizeof sn);
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, collect, &sn, &cn), 0);
	ck_assert_int_eq(sn.n, 0);
	st->ops->close(st);
}
END_TEST

START_TEST(sqlite_corrupt_marks_are_skipped)
{
	struct brt_store *st = open_as("b1");
	put_one(st, 1, "bad");
	put_one(st, 2, "good");
	ck_assert_int_eq(st->ops->mark_corrupt(st, 1, "truncated"), 0);
	struct seen sn = { 0 };
	struct brt_store_counts cn;
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, collect, &sn, &cn), 0);
	ck_assert_int_eq(sn.n, 1);
	ck_assert_int_eq(sn.ids[0], 2);
	ck_assert_int_eq(cn.corrupt, 1);
	st->ops->close(st);
}
END_TEST

START_TEST(sqlite_refuses_a_file_that_is_not_a_database)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("this is not an SQLite database, just text, long enough.....", f);
	fclose(f);
	struct brt_store_config c = { .process = "p",
				      .build = "b",
				      .format = BRT_STORE_FORMAT };
	struct brt_store *st = NULL;
	char why[300] = "";
	ck_assert_int_eq(brt__store_sqlite_open(path, &c, &st, why, sizeof why),
			 BRT_EIO);
	ck_assert_ptr_null(st);
	ck_assert_ptr_nonnull(strstr(why, path));
}
END_TEST

Suite *store_sqlite_suite(void);
Suite *store_sqlite_suite(void)
{
	Suite *s = suite_create("store_sqlite");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, sqlite_creates_private_file_and_keeps_commits);
	tcase_add_test(tc, sqlite_refuses_a_second_writer);
	tcase_add_test(tc, sqlite_uncommitted_batch_is_lost);
	tcase_add_test(tc, sqlite_other_builds_are_counted_not_touched);
	tcase_add_test(tc, sqlite_reads_its_range_of_formats);
	tcase_add_test(tc, sqlite_corrupt_marks_are_skipped);
	tcase_add_test(tc, sqlite_refuses_a_file_that_is_not_a_database);
	suite_add_tcase(s, tc);
	return s;
}
