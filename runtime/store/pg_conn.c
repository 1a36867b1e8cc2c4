/*
 * pg_conn.c — one PostgreSQL connection on the service's libevent loop.
 *
 * libpq's asynchronous API end to end: PQconnectStart/PQconnectPoll while
 * connecting, then pipeline mode on a non-blocking socket. Statements are
 * prepared on the server the first time a connection sends them (named by
 * a hash of their text), so later executions skip parsing and planning. A batch of
 * statements is sent as PQsendQueryParams calls and one PQpipelineSync,
 * so the server runs it as one implicit transaction and answers with one
 * round trip; several batches may be in flight. Results are read when
 * PQsocket is readable and handed to the batch's done callback.
 *
 * A lost connection ends every batch that was sent and not confirmed with
 * BRT_PG_UNKNOWN (a COMMIT may have happened: the caller reloads from the
 * database) and keeps unsent batches queued for the next connection,
 * which is retried with a doubling backoff (50 ms to 0.5 s: a node must
 * heartbeat again soon after the database is back). NOTIFY messages are passed to
 * a callback as they arrive.
 *
 * This file knows no SQL of ours: the schema is pg_schema.c's, ownership
 * pg_own.c's.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "pg.h"

enum {
	BACKOFF_MIN_MS = 50,
	BACKOFF_MAX_MS = 500,
	QUEUE_TIMEOUT_MS = 5000,
	PREPARED_MAX = 64,
};

struct stmt {
	char *sql;
	int n;	      /* parameters */
	char **vals;  /* n copies (NULL: SQL NULL) */
	int *lens;    /* for the binary parameter */
	int *formats; /* 1 for the binary parameter, else 0 */
};

struct brt_pg_batch {
	struct brt_pg_batch *next;
	struct stmt *st;
	PGresult **res;
	int n, cap;
	int recv; /* command whose results are being read */
	/* What was sent, in order: a statement's index, or -1 - SLOT for the
	 * preparation of a statement in the connection's cache slot SLOT. */
	int *cmd;
	int ncmd;
	brt_pg_done_fn done;
	void *arg;
	double queued_ms; /* when submitted (monotonic) */
	int failed_at;
	char sqlstate[6];
	char *error;
};

struct brt_pg {
	brt_runtime *rt;
	char *conninfo;
	PGconn *conn;
	bool up;	      /* connected, pipeline mode on */
	bool want_write;      /* output left to flush */
	struct event *io;     /* the socket: connect polling, then reads */
	struct event *wr;     /* the socket is writable again */
	struct event *retry;  /* reconnect timer */
	struct event *kick;   /* send queued batches, later in this pass */
	struct event *expire; /* batches waiting too long for a connection */
	int backoff_ms;
	int queue_timeout_ms;
	struct brt_pg_batch *queue, **queue_tail;   /* not sent yet */
	struct brt_pg_batch *flight, **flight_tail; /* sent, not done */
	brt_pg_state_fn state_fn;
	void *state_arg;
	brt_pg_notify_fn notify_fn;
	void *notify_arg;
	char last_error[256];
	/* Statements prepared on this connection (server-side, named by a
	 * hash of their text): parsed and planned once, not per execution.
	 * 0: a free slot. Forgotten when the connection goes. */
	uint64_t prepared[PREPARED_MAX];
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- batches ------------------------------------------------------------- */

struct brt_pg_batch *brt__pg_batch_new(void)
{
	struct brt_pg_batch *b = calloc(1, sizeof *b);
	if (b)
		b->failed_at = -1;
	return b;
}

static void stmt_free(struct stmt *st)
{
	for (int i = 0; i < st->n; i++)
		free(st->vals[i]);
	free(st->vals);
	free(st->lens);
	free(st->formats);
	free(st->sql);
}

void brt__pg_batch_free(struct brt_pg_batch *b)
{
	if (!b)
		return;
	for (int i = 0; i < b->n; i++) {
		stmt_free(&b->st[i]);
		if (b->res[i])
			PQclear(b->res[i]);
	}
	free(b->st);
	free(b->res);
	free(b->cmd);
	free(b->error);
	free(b);
}

int brt__pg_batch_add(struct brt_pg_batch *b, const char *sql, int n,
		      const char *const *vals, const void *blob,
		      size_t blob_len)
{
	if (b->n == b->cap) {
		int cap = b->cap ? 2 * b->cap : 4;
		struct stmt *st = realloc(b->st, (size_t)cap * sizeof *st);
		if (!st)
			return BRT_ENOMEM;
		b->st = st;
		PGresult **res = realloc(b->res, (size_t)cap * sizeof *res);
		if (!res)
			return BRT_ENOMEM;
		b->res = res;
		b->cap = cap;
	}
	struct stmt *st = &b->st[b->n];
	memset(st, 0, sizeof *st);
	int total = n + (blob ? 1 : 0);
	st->sql = strdup(sql);
	st->vals = calloc((size_t)total + 1, sizeof *st->vals);
	st->lens = calloc((size_t)total + 1, sizeof *st->lens);
	st->formats = calloc((size_t)total + 1, sizeof *st->formats);
	bool ok = st->sql && st->vals && st->lens && st->formats;
	for (int i = 0; ok && i < n; i++) {
		st->n = i + 1;
		if (vals[i] && !(st->vals[i] = strdup(vals[i])))
			ok = false;
	}
	if (ok && blob) {
		st->n = total;
		/* +1: malloc(0) may return NULL for an empty record */
		st->vals[n] = malloc(blob_len + 1);
		if (st->vals[n]) {
			memcpy(st->vals[n], blob, blob_len);
			st->lens[n] = (int)blob_len;
			st->formats[n] = 1;
		} else {
			ok = false;
		}
	}
	if (!ok) {
		stmt_free(st);
		return BRT_ENOMEM;
	}
	b->res[b->n] = NULL;
	return b->n++;
}

int brt__pg_batch_move(struct brt_pg_batch *dst, struct brt_pg_batch *src)
{
	int need = dst->n + src->n;
	if (need > dst->cap) {
		int cap = dst->cap ? dst->cap : 4;
		while (cap < need)
			cap *= 2;
		struct stmt *st = realloc(dst->st, (size_t)cap * sizeof *st);
		if (!st)
			return BRT_ENOMEM;
		dst->st = st;
		PGresult **res = realloc(dst->res, (size_t)cap * sizeof *res);
		if (!res)
			return BRT_ENOMEM;
		dst->res = res;
		dst->cap = cap;
	}
	memcpy(dst->st + dst->n, src->st, (size_t)src->n * sizeof *src->st);
	for (int i = 0; i < src->n; i++)
		dst->res[dst->n + i] = NULL;
	dst->n = need;
	src->n = 0; /* its statements are dst's now */
	brt__pg_batch_free(src);
	return 0;
}

int brt__pg_batch_count(const struct brt_pg_batch *b)
{
	return b->n;
}

const PGresult *brt__pg_batch_result(const struct brt_pg_batch *b, int i)
{
	return i >= 0 && i < b->n ? b->res[i] : NULL;
}

const char *brt__pg_batch_sqlstate(const struct brt_pg_batch *b)
{
	return b->sqlstate;
}

const char *brt__pg_batch_error(const struct brt_pg_batch *b)
{
	return b->error ? b->error : "";
}

int brt__pg_batch_failed_at(const struct brt_pg_batch *b)
{
	return b->failed_at;
}

PGresult *brt__pg_batch_exec_one(PGconn *c, struct brt_pg_batch *b, int i)
{
	struct stmt *st = &b->st[i];
	if (b->res[i])
		PQclear(b->res[i]);
	b->res[i] = PQexecParams(c, st->sql, st->n, NULL,
				 (const char *const *)st->vals, st->lens,
				 st->formats, 0);
	return b->res[i];
}

static void batch_fail(struct brt_pg_batch *b, int at, const char *state,
		       const char *msg)
{
	if (b->failed_at >= 0 || b->error)
		return;
	b->failed_at = at;
	snprintf(b->sqlstate, sizeof b->sqlstate, "%s", state ? state : "");
	b->error = strdup(msg ? msg : "");
}

/* ---- connection ---------------------------------------------------------- */

static void start_connect(struct brt_pg *pg);
static void io_cb(evutil_socket_t fd, short what, void *arg);

static void set_state(struct brt_pg *pg, bool up)
{
	if (pg->up == up)
		return;
	pg->up = up;
	if (pg->state_fn)
		pg->state_fn(pg->state_arg, up);
}

static void finish_batch(struct brt_pg_batch *b, enum brt_pg_outcome out)
{
	if (b->done)
		b->done(b->arg, b, out);
	brt__pg_batch_free(b);
}

/* The connection is gone: what was sent is UNKNOWN, what was not waits. */
static void lose(struct brt_pg *pg, const char *why)
{
	snprintf(pg->last_error, sizeof pg->last_error, "%s",
		 why && *why ? why : "connection lost");
	/* strip libpq's trailing newline: one log line per event */
	size_t l = strlen(pg->last_error);
	while (l > 0 && (pg->last_error[l - 1] == '\n'))
		pg->last_error[--l] = '\0';
	if (pg->conn)
		brt__log(pg->rt, "store: PostgreSQL %s: %s",
			 pg->up ? "connection lost" : "cannot connect",
			 pg->last_error);
	event_del(pg->io);
	event_del(pg->wr);
	if (pg->conn)
		PQfinish(pg->conn);
	pg->conn = NULL;
	pg->want_write = false;
	memset(pg->prepared, 0, sizeof pg->prepared);
	struct brt_pg_batch *lost = pg->flight;
	pg->flight = NULL;
	pg->flight_tail = &pg->flight;
	set_state(pg, false);
	while (lost) {
		struct brt_pg_batch *b = lost;
		lost = b->next;
		finish_batch(b, BRT_PG_UNKNOWN);
	}
	struct timeval tv = { pg->backoff_ms / 1000,
			      (pg->backoff_ms % 1000) * 1000 };
	event_add(pg->retry, &tv);
	pg->backoff_ms *= 2;
	if (pg->backoff_ms > BACKOFF_MAX_MS)
		pg->backoff_ms = BACKOFF_MAX_MS;
}

static void watch(struct brt_pg *pg, short what)
{
	event_del(pg->io);
	event_assign(pg->io, event_get_base(pg->io), PQsocket(pg->conn), what,
		     io_cb, pg);
	event_add(pg->io, NULL);
}

static void flush_out(struct brt_pg *pg)
{
	int r = PQflush(pg->conn);
	if (r < 0) {
		lose(pg, PQerrorMessage(pg->conn));
		return;
	}
	pg->want_write = r == 1;
	if (pg->want_write) {
		event_del(pg->wr);
		event_assign(pg->wr, event_get_base(pg->wr), PQsocket(pg->conn),
			     EV_WRITE, io_cb, pg);
		event_add(pg->wr, NULL);
	}
}

static uint64_t sql_hash(const char *sql)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h ? h : 1;
}

/* Send statement i of b: prepared (and prepared first, once per
 * connection) while the cache has room, else as a one-off. */
static bool send_stmt(struct brt_pg *pg, struct brt_pg_batch *b, int i)
{
	struct stmt *st = &b->st[i];
	uint64_t h = sql_hash(st->sql);
	int slot = -1, free_slot = -1;
	for (int k = 0; k < PREPARED_MAX && slot < 0; k++) {
		if (pg->prepared[k] == h)
			slot = k;
		else if (!pg->prepared[k] && free_slot < 0)
			free_slot = k;
	}
	char name[24];
	snprintf(name, sizeof name, "b%016llx", (unsigned long long)h);
	if (slot < 0 && free_slot >= 0) {
		if (!PQsendPrepare(pg->conn, name, st->sql, st->n, NULL))
			return false;
		pg->prepared[free_slot] = h;
		b->cmd[b->ncmd++] = -1 - free_slot;
		slot = free_slot;
	}
	b->cmd[b->ncmd++] = i;
	if (slot < 0)
		return PQsendQueryParams(pg->conn, st->sql, st->n, NULL,
					 (const char *const *)st->vals,
					 st->lens, st->formats, 0);
	return PQsendQueryPrepared(pg->conn, name, st->n,
				   (const char *const *)st->vals, st->lens,
				   st->formats, 0);
}

/* Send every queued batch: its statements, then one Sync. */
static void send_queued(struct brt_pg *pg)
{
	while (pg->up && pg->queue) {
		struct brt_pg_batch *b = pg->queue;
		free(b->cmd);
		b->cmd = malloc((size_t)(2 * b->n + 1) * sizeof *b->cmd);
		b->ncmd = 0;
		if (!b->cmd) {
			lose(pg, "out of memory");
			return;
		}
		for (int i = 0; i < b->n; i++) {
			if (!send_stmt(pg, b, i)) {
				lose(pg, PQerrorMessage(pg->conn));
				return;
			}
		}
		if (!PQpipelineSync(pg->conn)) {
			lose(pg, PQerrorMessage(pg->conn));
			return;
		}
		pg->queue = b->next;
		if (!pg->queue)
			pg->queue_tail = &pg->queue;
		b->next = NULL;
		*pg->flight_tail = b;
		pg->flight_tail = &b->next;
	}
	if (pg->up)
		flush_out(pg);
}

static void notifies(struct brt_pg *pg)
{
	PGnotify *n;
	while (pg->conn && (n = PQnotifies(pg->conn)) != NULL) {
		if (pg->notify_fn)
			pg->notify_fn(pg->notify_arg, n->relname, n->extra);
		PQfreemem(n);
	}
}

/* Read what results have arrived; finish the batches they complete. */
static void read_results(struct brt_pg *pg)
{
	while (pg->conn && pg->flight && !PQisBusy(pg->conn)) {
		struct brt_pg_batch *b = pg->flight;
		PGresult *r = PQgetResult(pg->conn);
		if (!r) {
			if (b->recv >= b->ncmd)
				break; /* the Sync has not arrived yet */
			b->recv++;
			continue;
		}
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			pg->flight = b->next;
			if (!pg->flight)
				pg->flight_tail = &pg->flight;
			b->next = NULL;
			finish_batch(b, b->failed_at >= 0 || b->error
						? BRT_PG_FAILED
						: BRT_PG_OK);
			continue;
		}
		int k = b->recv < b->ncmd ? b->cmd[b->recv] : INT_MIN;
		bool bad = st == PGRES_FATAL_ERROR ||
			   st == PGRES_NONFATAL_ERROR ||
			   st == PGRES_BAD_RESPONSE;
		if (bad)
			batch_fail(b, k >= 0 ? k : -1,
				   PQresultErrorField(r, PG_DIAG_SQLSTATE),
				   PQresultErrorMessage(r));
		if (k >= 0) {
			if (b->res[k])
				PQclear(b->res[k]);
			b->res[k] = r;
		} else {
			/* a preparation that did not happen is forgotten */
			if (k != INT_MIN &&
			    (bad || st == PGRES_PIPELINE_ABORTED))
				pg->prepared[-1 - k] = 0;
			PQclear(r); /* a preparation, or an error at commit */
		}
	}
}

static void on_readable(struct brt_pg *pg)
{
	if (!PQconsumeInput(pg->conn)) {
		lose(pg, PQerrorMessage(pg->conn));
		return;
	}
	read_results(pg);
	notifies(pg);
	if (pg->conn && PQstatus(pg->conn) == CONNECTION_BAD)
		lose(pg, PQerrorMessage(pg->conn));
}

/* Server notices (NOTICE, WARNING) go to the debug log, not to stderr as
 * libpq's default would print them: one log, one line per event. */
static void notice_cb(void *arg, const char *msg)
{
	struct brt_pg *pg = arg;
	brt__debug(pg->rt, "store: PostgreSQL says: %.*s",
		   (int)strcspn(msg, "\n"), msg);
}

static void connected(struct brt_pg *pg)
{
	if (PQsetnonblocking(pg->conn, 1) != 0 ||
	    !PQenterPipelineMode(pg->conn)) {
		lose(pg, PQerrorMessage(pg->conn));
		return;
	}
	pg->backoff_ms = BACKOFF_MIN_MS;
	pg->last_error[0] = '\0';
	watch(pg, EV_READ | EV_PERSIST);
	brt__debug(pg->rt, "store: PostgreSQL connected");
	set_state(pg, true);
	send_queued(pg);
}

static void poll_connect(struct brt_pg *pg)
{
	switch (PQconnectPoll(pg->conn)) {
	case PGRES_POLLING_OK:
		connected(pg);
		break;
	case PGRES_POLLING_READING:
		watch(pg, EV_READ);
		break;
	case PGRES_POLLING_WRITING:
		watch(pg, EV_WRITE);
		break;
	default:
		lose(pg, PQerrorMessage(pg->conn));
		break;
	}
}

static void io_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	struct brt_pg *pg = arg;
	if (!pg->conn)
		return;
	if (!pg->up) {
		poll_connect(pg);
		return;
	}
	if (what & EV_READ)
		on_readable(pg);
	if (pg->conn && (what & EV_WRITE))
		flush_out(pg);
}

static void start_connect(struct brt_pg *pg)
{
	pg->conn = PQconnectStart(pg->conninfo);
	if (!pg->conn || PQstatus(pg->conn) == CONNECTION_BAD) {
		lose(pg, pg->conn ? PQerrorMessage(pg->conn) : "out of memory");
		return;
	}
	PQsetNoticeProcessor(pg->conn, notice_cb, pg);
	/* PQconnectStart has begun; its first poll wants the socket
	 * writable (libpq's documented start state). */
	watch(pg, EV_WRITE);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct brt_pg *pg = arg;
	if (!pg->conn)
		start_connect(pg);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	send_queued(arg);
}

/* While down: end the batches that waited past the queue timeout. */
static void expire_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct brt_pg *pg = arg;
	double limit = now_ms() - pg->queue_timeout_ms;
	while (!pg->up && pg->queue && pg->queue->queued_ms <= limit) {
		struct brt_pg_batch *b = pg->queue;
		pg->queue = b->next;
		if (!pg->queue)
			pg->queue_tail = &pg->queue;
		b->next = NULL;
		finish_batch(b, BRT_PG_NOTSENT);
	}
}

struct brt_pg *brt__pg_new(brt_runtime *rt, const char *conninfo)
{
	struct brt_pg *pg = calloc(1, sizeof *pg);
	if (!pg)
		return NULL;
	pg->rt = rt;
	pg->backoff_ms = BACKOFF_MIN_MS;
	pg->queue_timeout_ms = QUEUE_TIMEOUT_MS;
	pg->queue_tail = &pg->queue;
	pg->flight_tail = &pg->flight;
	pg->conninfo = strdup(conninfo);
	pg->io = event_new(rt->base, -1, 0, io_cb, pg);
	pg->wr = event_new(rt->base, -1, 0, io_cb, pg);
	pg->retry = evtimer_new(rt->base, retry_cb, pg);
	pg->kick = event_new(rt->base, -1, 0, kick_cb, pg);
	pg->expire = event_new(rt->base, -1, EV_PERSIST, expire_cb, pg);
	if (!pg->conninfo || !pg->io || !pg->wr || !pg->retry || !pg->kick ||
	    !pg->expire) {
		brt__pg_free(pg);
		return NULL;
	}
	struct timeval tick = { 0, 100 * 1000 };
	event_add(pg->expire, &tick);
	start_connect(pg);
	return pg;
}

static void free_list(struct brt_pg_batch *b)
{
	while (b) {
		struct brt_pg_batch *next = b->next;
		brt__pg_batch_free(b);
		b = next;
	}
}

void brt__pg_free(struct brt_pg *pg)
{
	if (!pg)
		return;
	if (pg->conn)
		PQfinish(pg->conn);
	free_list(pg->queue);
	free_list(pg->flight);
	if (pg->io)
		event_free(pg->io);
	if (pg->wr)
		event_free(pg->wr);
	if (pg->retry)
		event_free(pg->retry);
	if (pg->kick)
		event_free(pg->kick);
	if (pg->expire)
		event_free(pg->expire);
	free(pg->conninfo);
	free(pg);
}

void brt__pg_on_state(struct brt_pg *pg, brt_pg_state_fn fn, void *arg)
{
	pg->state_fn = fn;
	pg->state_arg = arg;
}

void brt__pg_on_notify(struct brt_pg *pg, brt_pg_notify_fn fn, void *arg)
{
	pg->notify_fn = fn;
	pg->notify_arg = arg;
}

bool brt__pg_is_up(const struct brt_pg *pg)
{
	return pg->up;
}

int brt__pg_pending(const struct brt_pg *pg)
{
	int n = 0;
	for (const struct brt_pg_batch *b = pg->queue; b; b = b->next)
		n++;
	for (const struct brt_pg_batch *b = pg->flight; b; b = b->next)
		n++;
	return n;
}

const char *brt__pg_last_error(const struct brt_pg *pg)
{
	return pg->last_error;
}

void brt__pg_submit(struct brt_pg *pg, struct brt_pg_batch *b,
		    brt_pg_done_fn done, void *arg)
{
	b->done = done;
	b->arg = arg;
	b->queued_ms = now_ms();
	b->next = NULL;
	*pg->queue_tail = b;
	pg->queue_tail = &b->next;
	event_active(pg->kick, EV_TIMEOUT, 1);
}

void brt__pg_set_queue_timeout(struct brt_pg *pg, int ms)
{
	pg->queue_timeout_ms = ms;
}

void brt__pg_drop(struct brt_pg *pg)
{
	if (pg->conn)
		lose(pg, "dropped (test)");
}
