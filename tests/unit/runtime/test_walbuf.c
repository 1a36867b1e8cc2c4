/*
 * test_walbuf.c — one write per commit to SQLite's log
 * (runtime/store/walbuf.c), on real files: a commit's frames stay in the
 * buffer until flushed; whatever reads the log first sees them; a process
 * killed before the flush loses that commit and nothing before it; a
 * write that fails breaks the log for good, and the store's commit says
 * so.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "internal.h"
#include "store.h"
#include "walbuf.h"

static char dir[64];
static char path[128];
static char wal[140];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/bpelc-wb-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.db", dir);
	snprintf(wal, sizeof wal, "%s-wal", path);
}

static void teardown(void)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static sqlite3 *open_buffered(const char *mode_sql)
{
	const char *vfs = brt__walbuf_vfs();
	ck_assert_ptr_nonnull(vfs);
	sqlite3 *db = NULL;
	ck_assert_int_eq(sqlite3_open_v2(path, &db,
					 SQLITE_OPEN_READWRITE |
						 SQLITE_OPEN_CREATE,
					 vfs),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, mode_sql, NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
				      "PRAGMA journal_mode=WAL;"
				      "PRAGMA synchronous=NORMAL;"
				      "CREATE TABLE t(k INTEGER PRIMARY KEY,"
				      " v BLOB);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(brt__walbuf_flush(db), SQLITE_OK);
	return db;
}

/* n rows of 1000 bytes from key `first`, in one transaction. */
static int insert(sqlite3 *db, int first, int n)
{
	char sql[160];
	snprintf(sql, sizeof sql,
		 "WITH RECURSIVE c(i) AS (SELECT %d UNION ALL SELECT i + 1"
		 " FROM c WHERE i < %d) INSERT INTO t SELECT i,"
		 " zeroblob(1000) FROM c",
		 first, first + n - 1);
	return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static long file_size(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Rows in the store as a fresh connection of the default VFS sees them,
 * after an integrity check: -1 when it fails. */
static int rows_seen(void)
{
	sqlite3 *db = NULL;
	int n = -1;
	sqlite3_stmt *q = NULL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &q, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(q) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(q, 0), "ok") != 0)
		goto out;
	sqlite3_finalize(q);
	q = NULL;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &q, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int(q, 0);
out:
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

START_TEST(walbuf_commit_waits_for_the_flush)
{
	sqlite3 *db = open_buffered("PRAGMA locking_mode=EXCLUSIVE;");
	long before = file_size(wal);
	ck_assert_int_eq(insert(db, 1, 20), SQLITE_OK);
	/* SQLite has committed; the frames are all still here. */
	ck_assert_int_eq(file_size(wal), before);
	ck_assert_int_eq(brt__walbuf_flush(db), SQLITE_OK);
	ck_assert_int_ge(file_size(wal), before + 20 * 1000);
	ck_assert_int_eq(brt__walbuf_flush(db), SQLITE_OK); /* nothing left */
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	ck_assert_int_eq(rows_seen(), 20);
}
END_TEST

/* A commit of more than the default VFS writes in one call (128 KiB):
 * written in pieces, all of it. */
START_TEST(walbuf_big_commit_is_written_whole)
{
	sqlite3 *db = open_buffered("PRAGMA locking_mode=EXCLUSIVE;");
	ck_assert_int_eq(insert(db, 1, 600), SQLITE_OK);
	ck_assert_int_eq(brt__walbuf_flush(db), SQLITE_OK);
	ck_assert_int_ge(file_size(wal), 600 * 1000);
	ck_assert_int_eq(insert(db, 601, 100), SQLITE_OK);
	ck_assert_int_eq(brt__walbuf_flush(db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	ck_assert_int_eq(rows_seen(), 700);
}
END_TEST

/* A checkpoint reads the log: it must find the frames SQLite wrote,
 * flushed first; so must a reader of another connection (shared-memory
 * mode here, so that there can be one). */
START_TEST(walbuf_readers_of_the_log_see_buffered_frames)
{
	sqlite3 *db = open_buffered("PRAGMA locking_mode=NORMAL;");
	ck_assert_int_eq(insert(db, 1, 30), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(file_size(wal), 0); /* all in the database now */
	ck_assert_int_eq(insert(db, 31, 5), SQLITE_OK);
	ck_assert_int_eq(brt__walbuf_flush(db), SQLITE_OK);
	ck_assert_int_eq(rows_seen(), 35);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	ck_assert_int_eq(rows_seen(), 35);
}
END_TEST

/* SIGKILL between SQLite's commit and the flush: that commit is gone,
 * the ones flushed before it are all there, the file is sound. */
START_TEST(walbuf_kill_before_the_flush_loses_that_commit_only)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sqlite3 *db = open_buffered("PRAGMA locking_mode=EXCLUSIVE;");
		if (insert(db, 1, 10) != SQLITE_OK ||
		    brt__walbuf_flush(db) != SQLITE_OK ||
		    insert(db, 11, 10) != SQLITE_OK ||
		    brt__walbuf_flush(db) != SQLITE_OK ||
		    insert(db, 21, 10) != SQLITE_OK)
			_exit(2);
		kill(getpid(), SIGKILL);
		_exit(3);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	ck_assert_int_eq(rows_seen(), 20);
}
END_TEST

/* A log write that fails (here: over RLIMIT_FSIZE) fails the flush, and
 * every use of the log after it: a commit behind a gap in the log would
 * be lost at the next open. At the store's level the commit reports it,
 * so the engine stops (persist.c). */
static void done_note(void *arg, int err)
{
	*(int *)arg = err;
}

START_TEST(walbuf_failed_write_is_sticky)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGXFSZ, SIG_IGN);
		struct brt_store_config c = { .process = "p",
					      .build = "b",
					      .format = BRT_STORE_FORMAT };
		struct brt_store *st = NULL;
		char why[300];
		if (brt__store_sqlite_open(path, &c, &st, why, sizeof why))
			_exit(2);
		struct rlimit rl;
		if (getrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		rlim_t was = rl.rlim_cur;
		rl.rlim_cur = 256 * 1024;
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		static char big[400 * 1024];
		memset(big, 'x', sizeof big);
		int err = st->ops->begin(st);
		if (!err)
			err = st->ops->put(st, 1, "small", 5);
		if (err || st->ops->commit(st, done_note, &err) || err)
			_exit(4); /* a small commit fits */
		err = st->ops->begin(st);
		if (!err)
			err = st->ops->put(st, 2, big, sizeof big);
		if (err || st->ops->commit(st, done_note, &err) || !err)
			_exit(5);  /* the big one does not, and says so */
		rl.rlim_cur = was; /* the disk has room again: too late */
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		err = 0;
		if (st->ops->begin(st) == 0 &&
		    st->ops->put(st, 3, "after", 5) == 0 &&
		    st->ops->commit(st, done_note, &err) == 0 && !err)
			_exit(6); /* nor does anything after it */
		_exit(0);
	}
	int status = 0;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: status %d", status);
}
END_TEST

Suite *walbuf_suite(void);
Suite *walbuf_suite(void)
{
	Suite *s = suite_create("walbuf");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, walbuf_commit_waits_for_the_flush);
	tcase_add_test(tc, walbuf_big_commit_is_written_whole);
	tcase_add_test(tc, walbuf_readers_of_the_log_see_buffered_frames);
	tcase_add_test(tc, walbuf_kill_before_the_flush_loses_that_commit_only);
	tcase_add_test(tc, walbuf_failed_write_is_sticky);
	suite_add_tcase(s, tc);
	return s;
}
