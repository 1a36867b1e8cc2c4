/*
 * sqlite.c — the instance store on an embedded SQLite database file
 * (store.h). One file per service by default; two tables:
 *
 *   bpelc_instance(id INTEGER PRIMARY KEY, process, build, format,
 *                  corrupt, data BLOB)    one record per waiting instance
 *   bpelc_meta(k INTEGER PRIMARY KEY CHECK (k = 1), next_id, seq)
 *
 * Ids are unique in the file (the engine takes them from next_id), so the
 * primary key is SQLite's rowid: the fastest table there is. WAL mode:
 * a commit appends to the log; synchronous=NORMAL keeps every committed
 * transaction across a crash of the process, FULL also across power loss.
 * The log's appends go through walbuf.c, one write per commit, flushed
 * here before the commit is reported.
 *
 * One writer per store: an exclusive flock(2) on the database file, held
 * from open to close (flock locks are independent of the POSIX locks
 * SQLite takes itself, and die with the process, kill -9 included). With
 * no reader or writer beside it, SQLite runs in its exclusive locking
 * mode: its locks are taken once, not at every transaction, and the WAL
 * index lives in the heap, not in a shared -shm file. Other programs can
 * read the store once the service has stopped.
 *
 * Commits are synchronous: the done callback runs before commit returns.
 * Not here: what a record holds (engine/store.c), when batches are made
 * (engine/persist.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "crash.h"
#include "internal.h"
#include "store.h"
#include "walbuf.h"

enum { Q_PUT, Q_DEL, Q_META, Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_N };

/* ORDER: the Q_* enum. */
static const char *const queries[Q_N] = {
	"INSERT OR REPLACE INTO bpelc_instance"
	"(id, process, build, format, corrupt, data) "
	"VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
	/* Only our own records: another build's are never touched. */
	"DELETE FROM bpelc_instance WHERE id = ?1 AND process = ?2 "
	"AND build = ?3 AND format BETWEEN ?6 AND ?4",
	"INSERT OR REPLACE INTO bpelc_meta(k, next_id, seq) "
	"VALUES (1, ?1, ?2)",
	"BEGIN",
	"COMMIT",
	"ROLLBACK",
};

static const char schema[] = "CREATE TABLE IF NOT EXISTS bpelc_instance ("
			     " id INTEGER PRIMARY KEY,"
			     " process TEXT NOT NULL,"
			     " build TEXT NOT NULL,"
			     " format INTEGER NOT NULL,"
			     " corrupt TEXT,"
			     " data BLOB NOT NULL);"
			     "CREATE TABLE IF NOT EXISTS bpelc_meta ("
			     " k INTEGER PRIMARY KEY CHECK (k = 1),"
			     " next_id INTEGER NOT NULL,"
			     " seq INTEGER NOT NULL);";

struct sq_store {
	struct brt_store base; /* first: store.h's handle */
	sqlite3 *db;
	int lock_fd;
	char *process, *build;
	int format, oldest; /* written; oldest read (store.h) */
	sqlite3_stmt *q[Q_N];
	sqlite3_stmt *scan; /* recover's cursor, between its steps */
	bool in_batch;
	int batch_err; /* first error of the batch being built */
	double begun;  /* monotonic seconds at begin */
	double last_commit;
};

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int step_reset(struct sq_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	(void)s;
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0
	       : rc == SQLITE_NOMEM		     ? BRT_ENOMEM
						     : BRT_EIO;
}

/* ?2 process, ?3 build, ?4 format; ?6 the oldest format read, where the
 * statement has it (put's ?5 is the record). */
static void bind_owner(struct sq_store *s, sqlite3_stmt *st)
{
	sqlite3_bind_text(st, 2, s->process, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->build, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, s->format);
	if (sqlite3_bind_parameter_count(st) >= 6)
		sqlite3_bind_int(st, 6, s->oldest);
}

/* ---- start-up ------------------------------------------------------------ */

static int sq_meta_get(struct brt_store *st, struct brt_store_meta *m)
{
	struct sq_store *s = (struct sq_store *)st;
	sqlite3_stmt *q = NULL;
	memset(m, 0, sizeof *m);
	/* The highest id in use counts too: a meta row lost to an older
	 * version must not let an id come back. */
	int rc = sqlite3_prepare_v2(
		s->db,
		"SELECT (SELECT next_id FROM bpelc_meta WHERE k = 1),"
		" (SELECT seq FROM bpelc_meta WHERE k = 1),"
		" (SELECT max(id) FROM bpelc_instance)",
		-1, &q, NULL);
	if (rc != SQLITE_OK)
		return BRT_EIO;
	int err = BRT_EIO;
	if (sqlite3_step(q) == SQLITE_ROW) {
		sqlite3_int64 next = sqlite3_column_int64(q, 0);
		sqlite3_int64 seq = sqlite3_column_int64(q, 1);
		sqlite3_int64 max = sqlite3_column_int64(q, 2);
		if (next < max + 1)
			next = max + 1;
		m->next_id = next > 0 ? (unsigned long)next : 0;
		m->seq = seq > 0 ? (unsigned long)seq : 0;
		err = 0;
	}
	sqlite3_finalize(q);
	return err;
}

/* The records this build will restore: counted first, for progress. */
static int sq_count_ours(struct sq_store *s, long *out)
{
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(s->db,
			       "SELECT count(*) FROM bpelc_instance"
			       " WHERE process = ?2 AND build = ?3"
			       " AND format BETWEEN ?6 AND ?4"
			       " AND corrupt IS NULL",
			       -1, &q, NULL) != SQLITE_OK)
		return BRT_EIO;
	bind_owner(s, q);
	int err = BRT_EIO;
	if (sqlite3_step(q) == SQLITE_ROW) {
		*out = (long)sqlite3_column_int64(q, 0);
		err = 0;
	}
	sqlite3_finalize(q);
	return err;
}

/* One step of the scan (store.h): the statement stays open between
 * steps, one read snapshot; nothing writes meanwhile (the engine writes
 * no batch before recovery ends, and the flock keeps others out). */
static int sq_recover(struct brt_store *st, int max, brt_store_rec_fn fn,
		      void *arg, struct brt_store_counts *counts)
{
	struct sq_store *s = (struct sq_store *)st;
	if (!s->scan) {
		memset(counts, 0, sizeof *counts);
		if (sq_count_ours(s, &counts->total) != 0 ||
		    sqlite3_prepare_v2(
			    s->db,
			    "SELECT id, build, format, corrupt IS NOT NULL,"
			    " data FROM bpelc_instance WHERE process = ?1"
			    " ORDER BY id",
			    -1, &s->scan, NULL) != SQLITE_OK)
			return BRT_EIO;
		sqlite3_bind_text(s->scan, 1, s->process, -1, SQLITE_STATIC);
	}
	sqlite3_stmt *q = s->scan;
	int err = 0, rc = SQLITE_ROW;
	for (int n = 0; !err && n < max; n++) {
		if ((rc = sqlite3_step(q)) != SQLITE_ROW)
			break;
		const char *build = (const char *)sqlite3_column_text(q, 1);
		int format = sqlite3_column_int(q, 2);
		if (!build || strcmp(build, s->build) != 0 ||
		    format < s->oldest || format > s->format) {
			counts->other_build++;
			continue;
		}
		if (sqlite3_column_int(q, 3)) {
			counts->corrupt++;
			continue;
		}
		struct brt_store_rec rec = {
			.id = (unsigned long)sqlite3_column_int64(q, 0),
			.data = sqlite3_column_blob(q, 4),
			.len = (size_t)sqlite3_column_bytes(q, 4),
		};
		counts->ours++;
		err = fn(arg, &rec);
	}
	if (!err && rc == SQLITE_ROW)
		return 1;
	if (!err && rc != SQLITE_DONE)
		err = BRT_EIO;
	sqlite3_finalize(q);
	s->scan = NULL;
	return err;
}

/* ---- batches ------------------------------------------------------------- */

static int sq_begin(struct brt_store *st)
{
	struct sq_store *s = (struct sq_store *)st;
	if (s->in_batch)
		return BRT_ESTATE;
	s->begun = mono_now();
	s->batch_err = step_reset(s, s->q[Q_BEGIN]);
	s->in_batch = s->batch_err == 0;
	return s->batch_err;
}

static int note(struct sq_store *s, int err)
{
	if (err && !s->batch_err)
		s->batch_err = err;
	return err;
}

static int sq_put(struct brt_store *st, unsigned long id, const void *data,
		  size_t len)
{
	struct sq_store *s = (struct sq_store *)st;
	if (!s->in_batch)
		return BRT_ESTATE;
	sqlite3_stmt *q = s->q[Q_PUT];
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	bind_owner(s, q);
	sqlite3_bind_blob64(q, 5, data, len, SQLITE_STATIC);
	return note(s, step_reset(s, q));
}

static int sq_del(struct brt_store *st, unsigned long id)
{
	struct sq_store *s = (struct sq_store *)st;
	if (!s->in_batch)
		return BRT_ESTATE;
	sqlite3_stmt *q = s->q[Q_DEL];
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	bind_owner(s, q);
	return note(s, step_reset(s, q));
}

static int sq_meta_put(struct brt_store *st, const struct brt_store_meta *m)
{
	struct sq_store *s = (struct sq_store *)st;
	if (!s->in_batch)
		return BRT_ESTATE;
	sqlite3_stmt *q = s->q[Q_META];
	sqlite3_bind_int64(q, 1, (sqlite3_int64)m->next_id);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)m->seq);
	return note(s, step_reset(s, q));
}

static int sq_commit(struct brt_store *st, brt_store_done_fn done, void *arg)
{
	struct sq_store *s = (struct sq_store *)st;
	if (!s->in_batch)
		return BRT_ESTATE;
	s->in_batch = false;
	int err = s->batch_err;
	BRT_CRASH_POINT("mid-commit");
	if (!err)
		err = step_reset(s, s->q[Q_COMMIT]);
	if (err)
		step_reset(s, s->q[Q_ROLLBACK]);
	BRT_CRASH_POINT("commit-unflushed");
	if (!err && brt__walbuf_flush(s->db) != SQLITE_OK)
		err = BRT_EIO;
	s->last_commit = mono_now() - s->begun;
	done(arg, err);
	return 0;
}

static int sq_mark_corrupt(struct brt_store *st, unsigned long id,
			   const char *why)
{
	struct sq_store *s = (struct sq_store *)st;
	sqlite3_stmt *q = NULL;
	if (s->in_batch)
		return BRT_ESTATE;
	if (sqlite3_prepare_v2(s->db,
			       "UPDATE bpelc_instance SET corrupt = ?2 "
			       "WHERE id = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return BRT_EIO;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)id);
	sqlite3_bind_text(q, 2, why && *why ? why : "corrupt", -1,
			  SQLITE_TRANSIENT);
	int err = step_reset(s, q);
	sqlite3_finalize(q);
	if (!err && brt__walbuf_flush(s->db) != SQLITE_OK)
		err = BRT_EIO;
	return err;
}

static double sq_last_commit(const struct brt_store *st)
{
	return ((const struct sq_store *)st)->last_commit;
}

static void sq_close(struct brt_store *st)
{
	struct sq_store *s = (struct sq_store *)st;
	if (!s)
		return;
	sqlite3_finalize(s->scan); /* a recovery cut short */
	if (s->in_batch)
		step_reset(s, s->q[Q_ROLLBACK]);
	for (int i = 0; i < Q_N; i++)
		sqlite3_finalize(s->q[i]);
	if (s->db)
		sqlite3_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	free(s->process);
	free(s->build);
	free(s);
}

static const struct brt_store_ops sq_ops = {
	.name = "sqlite",
	.meta_get = sq_meta_get,
	.recover = sq_recover,
	.begin = sq_begin,
	.put = sq_put,
	.del = sq_del,
	.meta_put = sq_meta_put,
	.commit = sq_commit,
	.mark_corrupt = sq_mark_corrupt,
	.last_commit_seconds = sq_last_commit,
	.close = sq_close,
};

/* ---- open ---------------------------------------------------------------- */

static int fail(struct sq_store *s, int err, char *whybuf, size_t whylen,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(struct sq_store *s, int err, char *whybuf, size_t whylen,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(whybuf, whylen, fmt, ap);
	va_end(ap);
	sq_close(&s->base);
	return err;
}

int brt__store_sqlite_open(const char *path, const struct brt_store_config *c,
			   struct brt_store **out, char *whybuf, size_t whylen)
{
	*out = NULL;
	struct sq_store *s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(whybuf, whylen, "out of memory");
		return BRT_ENOMEM;
	}
	s->base.ops = &sq_ops;
	s->lock_fd = -1;
	s->format = c->format;
	s->oldest = c->oldest_format > 0 && c->oldest_format < c->format
			    ? c->oldest_format
			    : c->format;
	s->process = strdup(c->process ? c->process : "");
	s->build = strdup(c->build ? c->build : "");
	if (!s->process || !s->build)
		return fail(s, BRT_ENOMEM, whybuf, whylen, "out of memory");
	/* Created here, not by SQLite: mode 0600, records hold message
	 * data (SQLite gives its -wal and -shm files the same mode). */
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0)
		return fail(s, BRT_EIO, whybuf, whylen, "cannot open %s: %s",
			    path, strerror(errno));
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EWOULDBLOCK)
			return fail(s, BRT_ESTATE, whybuf, whylen,
				    "store %s is in use by another service "
				    "(one service per store)",
				    path);
		return fail(s, BRT_EIO, whybuf, whylen, "cannot lock %s: %s",
			    path, strerror(errno));
	}
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
				 brt__walbuf_vfs());
	if (rc != SQLITE_OK)
		return fail(s, BRT_EIO, whybuf, whylen, "cannot open %s: %s",
			    path, s->db ? sqlite3_errmsg(s->db) : "no memory");
	sqlite3_busy_timeout(s->db, 5000);
	char pragmas[200];
	snprintf(pragmas, sizeof pragmas,
		 "PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL;"
		 " PRAGMA synchronous=%s;",
		 c->sync_full ? "FULL" : "NORMAL");
	char *msg = NULL;
	if (sqlite3_exec(s->db, pragmas, NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(whybuf, whylen, "%s is not a usable store: %s", path,
			 msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		sq_close(&s->base);
		return BRT_EIO;
	}
	for (int i = 0; i < Q_N; i++)
		if (sqlite3_prepare_v3(s->db, queries[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &s->q[i],
				       NULL) != SQLITE_OK)
			return fail(s, BRT_EIO, whybuf, whylen,
				    "cannot prepare the store's queries: %s",
				    sqlite3_errmsg(s->db));
	if (brt__walbuf_flush(s->db) != SQLITE_OK) /* the schema */
		return fail(s, BRT_EIO, whybuf, whylen, "cannot write %s",
			    path);
	*out = &s->base;
	return 0;
}
