/*
 * store.h — the instance store: where a durable service keeps its
 * instances' records, behind one small interface every backend implements
 * (sqlite.c today; PostgreSQL later). The engine (engine/persist.c) drives
 * it; the record bytes are the engine's codec (engine/store.c), opaque here.
 *
 * Life of a store, as the engine uses it:
 *
 *   open (backend's own function, below)   lock it: one writer per store
 *   meta_get, recover...                   start-up, before listening
 *   { begin, put/del..., meta_put, commit } one batch per loop pass
 *   mark_corrupt                           a record that did not decode
 *   close
 *
 * The rule the interface serves: nothing leaves the service (a reply, a
 * fault to an open request, a 202, an outbound call) before the state
 * behind it is durable. So commit does not return "done": it takes a
 * callback, and the engine releases what the batch held from that
 * callback. A synchronous backend (SQLite) calls it before commit
 * returns; an asynchronous one (libpq on the event loop) calls it later,
 * from the loop, and may have several batches in flight meanwhile.
 *
 * Not here: record encoding (engine/store.c), what changed in a pass
 * (engine/persist.c), options (main.c), metrics (the admin API's).
 *
 * Changing this interface affects other backends: say so in the commit.
 */
#ifndef BRT_STORE_H
#define BRT_STORE_H

#include <stdbool.h>
#include <stddef.h>

/* The record format the engine writes (engine/store.c), and the oldest
 * it still reads. 2 leaves out numbers that are 0 (engine/recw.c); the
 * reader takes 1 and 2 alike. A record of a format outside that range,
 * like one of another build, is never loaded, changed or deleted:
 * recover counts it. So a runtime that knows only format 1 leaves
 * format 2 records alone instead of finding them corrupt. */
#define BRT_STORE_FORMAT 2
#define BRT_STORE_FORMAT_OLDEST 1

struct brt_store;

/* What open needs to know about the service. Strings are borrowed for the
 * call; a backend copies what it keeps. */
struct brt_store_config {
	const char *process; /* process name: records are keyed by it */
	const char *build;   /* build id: only these records are ours */
	int format;	     /* BRT_STORE_FORMAT: what put writes */
	int oldest_format;   /* BRT_STORE_FORMAT_OLDEST: the oldest read
				(SQLite; the PostgreSQL store reads format
				only) */
	bool sync_full;	     /* --sync full: survive power loss */
};

/* Engine metadata, one row per process (shared by its builds). */
struct brt_store_meta {
	/* Instance ids below this were given out: the next start-up begins
	 * here (ids never repeat across restarts, across builds either). */
	unsigned long next_id;
	/* Routing order: the engine-wide counter that orders enabled
	 * receives and correlation entries (correl.c); restored entries keep
	 * their own numbers, new ones continue after this. */
	unsigned long seq;
};

/* One stored record, as recover hands it out (valid during the call). */
struct brt_store_rec {
	unsigned long id;
	const void *data;
	size_t len;
};

/* What recover found besides the records it handed out. */
struct brt_store_counts {
	/* Records recover expects to hand out, counted when it began: for
	 * progress ("N of M restored"), not exact (another node may claim
	 * some meanwhile). */
	long total;
	long ours;	  /* records of this process, build and format */
	long other_build; /* this process, another build or format */
	long corrupt;	  /* marked corrupt earlier: skipped */
};

/* Called for each record of this process, build and format, in id order
 * (oldest instance first). Return 0 to go on; a negative BRT_E* stops
 * recover, which returns it. */
typedef int (*brt_store_rec_fn)(void *arg, const struct brt_store_rec *rec);

/* A batch's commit finished: err 0 (durable), or BRT_E* (the batch is not
 * known to be durable: the engine stops the service, and the next start
 * recovers what was committed). Runs exactly once per commit call. */
typedef void (*brt_store_done_fn)(void *arg, int err);

struct brt_store_ops {
	const char *name; /* "sqlite", for logs */

	/* Start-up, before any batch. meta_get fills m (zeros when the store
	 * is new). recover calls fn for each record that is ours and fills
	 * counts; records of other processes are not counted. It works in
	 * steps, so the event loop can turn between them while a large store
	 * is restored (the admin listener answers meanwhile): each call
	 * reads about `max` more records (at most max, or the rest of a page
	 * for a backend that reads in pages; the first call also sets
	 * counts->total) and returns 1 when there may be more (call it
	 * again, with the same counts), 0 when it has handed out the last
	 * one (counts complete), or BRT_E* (stop: do not call it again).
	 * Between calls the backend keeps its cursor; close abandons it. */
	int (*meta_get)(struct brt_store *st, struct brt_store_meta *m);
	int (*recover)(struct brt_store *st, int max, brt_store_rec_fn fn,
		       void *arg, struct brt_store_counts *counts);

	/* One batch: begin, then any number of put (insert or replace the
	 * record of instance id), del (remove it; absent is fine) and at most
	 * one meta_put, then commit. Data is copied (or sent) before put
	 * returns. put/del/meta_put may queue work and report errors only
	 * through commit's callback. begin may be called again before an
	 * earlier commit's callback has run (asynchronous backends): batches
	 * commit in the order they were begun and their callbacks run in
	 * that order. A backend that fences instances (owner, epoch) and
	 * cannot tell the engine which instance it lost (pg.h's hooks) fails
	 * the commit of a batch touching one it no longer owns (BRT_ESTATE). */
	int (*begin)(struct brt_store *st);
	int (*put)(struct brt_store *st, unsigned long id, const void *data,
		   size_t len);
	int (*del)(struct brt_store *st, unsigned long id);
	int (*meta_put)(struct brt_store *st, const struct brt_store_meta *m);
	/* 0: done(arg, err) will run (maybe before this returns); BRT_E*:
	 * it will not, the batch is lost. */
	int (*commit)(struct brt_store *st, brt_store_done_fn done, void *arg);

	/* A record that did not decode (why: for people): keep it, flag it,
	 * never hand it out again. Outside a batch, synchronous. 0/BRT_E*. */
	int (*mark_corrupt)(struct brt_store *st, unsigned long id,
			    const char *why);

	/* Seconds the last finished commit took, from commit to its callback
	 * (0 before the first): for the admin API's metrics. */
	double (*last_commit_seconds)(const struct brt_store *st);

	/* Frees everything and releases the lock. A batch in flight is
	 * abandoned (its callback does not run); committed data stays. */
	void (*close)(struct brt_store *st);
};

/* Every backend's handle starts with this; the rest is the backend's. */
struct brt_store {
	const struct brt_store_ops *ops;
};

/* ---- backends ------------------------------------------------------------ */

/* SQLite (sqlite.c): the database file at `path`, created with mode 0600
 * when missing, WAL with synchronous=NORMAL (FULL with sync_full). Refuses
 * a store another process has open: BRT_ESTATE with *why saying so. Other
 * failures: BRT_EIO/BRT_ENOMEM with *why set (a static or `whybuf`
 * text). */
int brt__store_sqlite_open(const char *path, const struct brt_store_config *c,
			   struct brt_store **out, char *whybuf, size_t whylen);

#endif /* BRT_STORE_H */
