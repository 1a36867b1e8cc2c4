/*
 * pg.h — the PostgreSQL side of the instance store (--store postgresql://…):
 * one libpq connection driven by the service's libevent loop (pg_conn.c),
 * the schema the service creates and migrates itself (pg_schema.c), and
 * instance ownership among the nodes that share one database (pg_own.c).
 *
 * Nothing here blocks the loop: a connection is made with PQconnectPoll,
 * statements go out in pipeline mode and their results come back to a
 * callback when the socket is readable. A slow database delays only what
 * waits for it.
 *
 * Names: brt__pg_<verb>. Errors: 0 or a negative BRT_E* (internal.h).
 */
#ifndef BRT_STORE_PG_H
#define BRT_STORE_PG_H

#include <stdbool.h>
#include <stddef.h>

#include "pq_lazy.h"

#include "internal.h"

/* ---- batches of statements (pg_conn.c) ----------------------------------- */

/*
 * How a submitted batch ended, as far as this node can know.
 *   OK       every statement succeeded (and, for a transaction, COMMIT did)
 *   FAILED   the server refused a statement: a transaction was rolled back
 *            (sqlstate/message in the batch say why)
 *   UNKNOWN  the connection was lost after the batch was sent and before its
 *            end was confirmed: a transaction may or may not have committed;
 *            whoever depends on it must reload from the database, never
 *            assume either way
 *   NOTSENT  the connection was lost (or never up) before any of it was
 *            sent: nothing happened on the server; it may be submitted again
 */
enum brt_pg_outcome {
	BRT_PG_OK,
	BRT_PG_FAILED,
	BRT_PG_UNKNOWN,
	BRT_PG_NOTSENT,
};

struct brt_pg_batch;

/* A new empty batch. A batch is one transaction: its statements are
 * pipelined, then one Sync; the server runs everything before a Sync as one
 * implicit transaction, committed at the Sync, rolled back entirely when a
 * statement fails. So one batch costs one round trip and one commit. NULL
 * when out of memory. Freed by brt__pg_batch_free, or by the connection
 * after the done callback of a submitted batch returns. */
struct brt_pg_batch *brt__pg_batch_new(void);
void brt__pg_batch_free(struct brt_pg_batch *b);

/* Append one statement with n text parameters (a NULL value is SQL NULL)
 * and, when `blob` is not NULL, one more binary parameter of blob_len
 * bytes last (bytea). Everything is copied. Returns the statement's index
 * or BRT_ENOMEM. */
int brt__pg_batch_add(struct brt_pg_batch *b, const char *sql, int n,
		      const char *const *vals, const void *blob,
		      size_t blob_len);
int brt__pg_batch_count(const struct brt_pg_batch *b);
/* Move every statement of src to the end of dst and free src (neither
 * submitted). 0, or BRT_ENOMEM (then both are as they were). */
int brt__pg_batch_move(struct brt_pg_batch *dst, struct brt_pg_batch *src);
/* Statement i's result in the done callback (NULL when it never came);
 * owned by the batch. */
const PGresult *brt__pg_batch_result(const struct brt_pg_batch *b, int i);
/* The SQLSTATE ("23505") and message of the first failure, "" when none. */
const char *brt__pg_batch_sqlstate(const struct brt_pg_batch *b);
const char *brt__pg_batch_error(const struct brt_pg_batch *b);
/* The index of the statement that failed, -1 when none did. */
int brt__pg_batch_failed_at(const struct brt_pg_batch *b);

/* Run statement i of b now on a blocking connection c (start-up only);
 * the result is kept in b (as brt__pg_batch_result gives it) and returned,
 * NULL when out of memory. */
PGresult *brt__pg_batch_exec_one(PGconn *c, struct brt_pg_batch *b, int i);

typedef void (*brt_pg_done_fn)(void *arg, struct brt_pg_batch *b,
			       enum brt_pg_outcome out);

/* ---- the connection (pg_conn.c) ------------------------------------------ */

struct brt_pg;

/* Connection state changes: up (connected, schema not implied) or down. */
typedef void (*brt_pg_state_fn)(void *arg, bool up);
/* A NOTIFY on a channel this connection listens to (a hint only). */
typedef void (*brt_pg_notify_fn)(void *arg, const char *channel,
				 const char *payload);

/* A connection to `conninfo` (a libpq URI or key=value string, copied) on
 * rt's event base. Connecting starts at once and goes on in the
 * background; when it fails or is lost it is retried with a backoff from
 * 50 ms doubling to 0.5 s. NULL when out of memory. */
struct brt_pg *brt__pg_new(brt_runtime *rt, const char *conninfo);
/* Close the connection. Callbacks of batches still pending do not run;
 * their batches are freed. Never call it from a done callback. */
void brt__pg_free(struct brt_pg *pg);
void brt__pg_on_state(struct brt_pg *pg, brt_pg_state_fn fn, void *arg);
void brt__pg_on_notify(struct brt_pg *pg, brt_pg_notify_fn fn, void *arg);
bool brt__pg_is_up(const struct brt_pg *pg);
/* Batches submitted and not yet done. */
int brt__pg_pending(const struct brt_pg *pg);
/* The last connection error (for logs), "" when none. */
const char *brt__pg_last_error(const struct brt_pg *pg);

/* Queue b (taken) for execution; done(arg, b, outcome) runs once, from the
 * event loop, never from inside this call, and b is freed after it
 * returns. Batches run in the order they were submitted, several may be in
 * flight at once (pipeline). While the connection is down a batch waits
 * for it, at most the queue timeout (default 5 s), then ends NOTSENT. */
void brt__pg_submit(struct brt_pg *pg, struct brt_pg_batch *b,
		    brt_pg_done_fn done, void *arg);
/* How long a batch may wait for a connection before it ends NOTSENT. */
void brt__pg_set_queue_timeout(struct brt_pg *pg, int ms);

/* ---- the schema (pg_schema.c) ------------------------------------------- */

/* The schema version this build creates and understands. */
#define BRT_PG_SCHEMA 2

/* Create or migrate the tables on connection c (blocking: start-up only,
 * before the service listens). *version gets the database's version. 0, or
 * BRT_EIO (the server refused: why says what), or BRT_ESTATE when the
 * database is at a newer version than this build knows. */
int brt__pg_schema_ensure(PGconn *c, int *version, char *why, size_t len);

/* ---- ownership (pg_own.c) ----------------------------------------------- */

/* Who this node is (strings borrowed for the node's lifetime). */
struct brt_pg_node {
	const char *process;
	const char *build;
	int format;
	const char *node_id;
	const char *advertise; /* may be NULL */
	int timeout_s;	       /* --node-timeout */
};

/* Append to b: this node's heartbeat (registers it the first time; its
 * result is the batch's statement index returned), and the removal of
 * nodes dead for ten timeouts that own nothing. Index or BRT_ENOMEM. */
int brt__pg_own_heartbeat_add(struct brt_pg_batch *b,
			      const struct brt_pg_node *n);
/* Append to b the claim of up to `limit` instances of this process and
 * build that belong to dead nodes (or to nobody; with include_own, also
 * those this node id owned in an earlier run), of ids above `after`. The
 * statement's rows are the claimed instances, oldest first
 * (brt__pg_own_row). */
int brt__pg_own_claim_add(struct brt_pg_batch *b, const struct brt_pg_node *n,
			  int limit, bool include_own, unsigned long after);
/* Append to b a count of the instances such a claim could take now (one
 * row, one column): start-up's "N of M" progress. */
int brt__pg_own_claimable_add(struct brt_pg_batch *b,
			      const struct brt_pg_node *n, bool include_own);

/* Append to b the claim of up to `limit` instances of this process and
 * build whose next timer is due by the database's clock and whose owner
 * is dead (or who have none), earliest deadline first; rows as above. */
int brt__pg_own_claim_due_add(struct brt_pg_batch *b,
			      const struct brt_pg_node *n, int limit);

/* One claimed instance: id, new epoch, record bytes (free with
 * brt__pg_own_row_free). */
struct brt_pg_claimed {
	unsigned long id;
	long long epoch;
	unsigned char *data;
	size_t len;
};
int brt__pg_own_row(const PGresult *r, int row, struct brt_pg_claimed *out);
void brt__pg_own_row_free(struct brt_pg_claimed *c);

/* Run batch b in one transaction on a blocking connection (start-up):
 * 0, or BRT_EIO with why set (rolled back). Results stay in b. */
int brt__pg_exec(PGconn *c, struct brt_pg_batch *b, char *why, size_t len);
/* Take this start's block of instance ids: *first is block << 32. */
int brt__pg_own_id_block(PGconn *c, unsigned long *first, char *why,
			 size_t len);

/* ---- the store on PostgreSQL (pg_store.c) -------------------------------- */

struct brt_store;
struct brt_store_config;
struct brt_store_rec;

/* --store postgresql://… and the cluster options. */
struct brt_store_pg_options {
	const char *uri;       /* any libpq connection string */
	const char *node_id;   /* --node-id; NULL: hostname-pid */
	const char *advertise; /* --advertise URL; may be NULL */
	int node_timeout_s;    /* --node-timeout, default 10 */
};

/* Open the store (blocking; start-up only): connect, create or migrate the
 * schema, register this node, take an id block. 0, or BRT_EIO/BRT_ESTATE/
 * BRT_ENOMEM with why set. *out is closed with its ops->close. */
int brt__store_pg_open(brt_runtime *rt, const struct brt_store_pg_options *o,
		       const struct brt_store_config *c, struct brt_store **out,
		       char *why, size_t len);

/* What the cluster tells the engine, from the event loop.
 *   lost(id, maybe)  this node must not run instance id any more: another
 *                 node owns it now (maybe false: this node's writes were
 *                 refused), or a commit of it did not go through (maybe
 *                 true: the outcome is unknown; false: surely not
 *                 committed). Drop it, release nothing it held. Unless
 *                 another node owns it, it is reloaded from the database
 *                 (claimed) once the connection is up. Runs before the
 *                 done callback of the batch that found out.
 *   claimed(rec)  this node owns the instance now (taken over from a dead
 *                 node, or reloaded after an unknown outcome): restore it.
 *                 Non-zero: it could not be, the record is marked corrupt.
 *   raced(id)     instance id was new, and one of its correlation values
 *                 was taken at the same moment by another instance (on
 *                 another node): its record is gone from the database
 *                 with the batch. Drop it, release nothing it held, and
 *                 hand its messages to the other instance. NULL: lost.
 *   inbox(id, operation, msg, len)
 *                 a one-way message another node kept in the inbox of
 *                 instance id, which this node owns, in arrival order:
 *                 deliver it. 0: taken (delivered, or dropped and
 *                 logged): its row is deleted in the next commit, fenced
 *                 like a put, so it goes in the transaction that writes
 *                 the instance's new state; the engine makes sure a batch
 *                 follows. BRT_ELIMIT: not now (the instance is not here,
 *                 or its inbox is full): the row stays, and the instance's
 *                 later rows wait behind it.
 */
struct brt_store_pg_hooks {
	void (*lost)(void *arg, unsigned long id, bool maybe);
	int (*claimed)(void *arg, const struct brt_store_rec *rec);
	void *arg;
	void (*raced)(void *arg, unsigned long id);
	int (*inbox)(void *arg, unsigned long id, const char *operation,
		     const void *msg, size_t len);
};

/* After recover: close the start-up connection, and heartbeat and claim
 * from now on (every third of the node timeout). 0, BRT_ENOMEM, or
 * BRT_ESTATE when started already. */
int brt__store_pg_start(struct brt_store *st,
			const struct brt_store_pg_hooks *hooks);
/* put (store.h) with the instance's next timer deadline (seconds since
 * the epoch, 0: none), kept in its row so that live nodes claim an
 * instance whose timer is due, by the database's clock, when its owner is
 * dead (pg_own.c). */
int brt__store_pg_put(struct brt_store *st, unsigned long id, const void *data,
		      size_t len, double deadline);
/* In the batch being built (between begin and commit), after the put of
 * instance id: correlation value `key` of set `cset` belongs to it. A key
 * another instance holds already stays that instance's; when id is new
 * (never committed), it lost a race for the key: its record goes in the
 * same transaction and hooks.raced tells the engine. 0 or BRT_E*. */
int brt__store_pg_corr(struct brt_store *st, unsigned long id, const char *cset,
		       const char *key);

/* Where a message carrying these correlation values belongs. */
enum brt_where_status {
	BRT_WHERE_NONE,	 /* no instance holds any of them */
	BRT_WHERE_HERE,	 /* this node owns it (claimed now: restored by
			  * hooks.claimed before the callback) */
	BRT_WHERE_THERE, /* a live node owns it: advertise says where */
	BRT_WHERE_RETRY, /* it is changing hands: ask again shortly */
	BRT_WHERE_ERROR, /* the database could not say */
};
struct brt_store_pg_where {
	enum brt_where_status status;
	unsigned long id;      /* the instance (HERE, THERE, RETRY) */
	const char *advertise; /* THERE: valid during the callback */
};
typedef void (*brt_store_pg_where_fn)(void *arg,
				      const struct brt_store_pg_where *w);
/* Ask the database (asynchronously) which instance holds one of the n
 * (cset, key) pairs, and who owns it; an instance whose owner is dead is
 * claimed for this node on the way. fn runs once, from the loop. 0 or
 * BRT_ENOMEM (then fn never runs). */
int brt__store_pg_where(struct brt_store *st, int n, const char *const *csets,
			const char *const *keys, brt_store_pg_where_fn fn,
			void *arg);

/* ---- inboxes: one-way messages for another node's instance ----------------
 *
 * The node a one-way message reached keeps it in the database for the
 * instance's owner (brt__store_pg_inbox_put) and answers 202 once that
 * has committed. The owner is woken by a NOTIFY on its channel (a hint:
 * it LISTENs on its connection) and, should one be lost, polls its
 * instances' inboxes every BRT_PG_INBOX_POLL_MS; it delivers each message
 * through hooks.inbox, oldest first, and deletes it in the transaction
 * that commits the instance's new state (exactly once). A node that
 * claims instances drains their inboxes at once. */
#define BRT_PG_INBOX_POLL_MS 1000

/* How keeping a message ended: kept (answer 202), the instance is gone
 * (route the message again), or the database could not say. */
enum brt_inbox_status {
	BRT_INBOX_KEPT,
	BRT_INBOX_GONE,
	BRT_INBOX_ERROR,
};
typedef void (*brt_store_pg_inbox_fn)(void *arg, enum brt_inbox_status st);
/* Keep message msg (len bytes, copied) for `operation` ("PARTNERLINK
 * OPERATION") in instance id's inbox, in the next transaction of this
 * node (group commit), and notify its owner. fn runs once, from the loop,
 * after the commit. 0 or BRT_ENOMEM (then fn never runs). */
int brt__store_pg_inbox_put(struct brt_store *st, unsigned long id,
			    const char *operation, const void *msg, size_t len,
			    brt_store_pg_inbox_fn fn, void *arg);
/* Deliver what waits in the inbox of instance id (this node's) through
 * hooks.inbox, then run fn(arg) (also when the database could not say):
 * a message that reaches the owner directly goes after those kept
 * earlier. 0 or BRT_ENOMEM (then fn never runs). */
int brt__store_pg_inbox_drain(struct brt_store *st, unsigned long id,
			      void (*fn)(void *arg), void *arg);
/* Messages taken from inboxes whose rows the next commit deletes. */
bool brt__store_pg_inbox_pending(const struct brt_store *st);

/* This node's id (for logs and tests). */
const char *brt__store_pg_node_id(const struct brt_store *st);

/* Testing hook: drop the connection now, as a network failure would
 * (what was sent and not confirmed ends UNKNOWN). */
void brt__pg_drop(struct brt_pg *pg);

#endif /* BRT_STORE_PG_H */
