/*
 * persist.c — durable instances: the engine's side of the store
 * (store/store.h). At start-up every stored instance of this build is
 * restored before the service listens (on the loop, in slices, so the
 * admin listener answers meanwhile); then, once per loop pass, every
 * instance that changed in the pass is written in one batch (one
 * transaction), and what the pass wanted to send — replies, faults to open
 * requests, 202s, outbound calls — is held (rt->hold) until that batch has
 * committed. A pass that changed no stored state (an instance created and
 * ended within it that called no partner: the echo) writes nothing and
 * releases at once.
 *
 * On the shared store (PostgreSQL, several nodes) the store may say an
 * instance must not run here any more: another node owns it, its commit's
 * outcome is unknown, or it lost a race for a new correlation value. That
 * instance alone is dropped (drop): gone from memory, nothing it held
 * released, its requests answered or handled again (http.c); the batch's
 * other effects are released as usual.
 *
 * Instance ids never repeat across restarts: ids are reserved in blocks
 * (the metadata row says where the reserved block ends), so a batch writes
 * the metadata once per ID_BLOCK / 2 instances, not once per instance.
 *
 * Not here: the record's bytes (store.c), the database (store/sqlite.c),
 * what holding means to HTTP (http.c) and calls (invoke.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "crash.h"
#include "engine.h"
#include "pg.h"
#include "store.h"

enum { ID_BLOCK = 65536 };

struct recovery;

struct brt_persist {
	brt_runtime *rt;
	struct brt_store *st;
	struct brt_pass pass;
	brt_instance *dirty; /* changed this pass, via in->dnext */
	unsigned long *dels; /* ended instances whose record goes */
	int ndels, capdels;
	unsigned long reserve;	    /* ids below are reserved (meta written) */
	bool recovering;	    /* restoring: nothing is dirty */
	bool closing;		    /* shutting down: ends delete nothing */
	int inflight;		    /* commits whose callback has not run */
	unsigned long release_upto; /* empty passes behind them */
	unsigned long committed;    /* the last batch (epoch) committed */
	bool shared;		    /* the PostgreSQL store (several nodes) */
	struct recovery *rc;	    /* start-up: while recovering */
	/* Batches whose callback has not run: an asynchronous store closed
	 * at shutdown never runs theirs (store.h), so they are freed here. */
	struct batch *batches;
};

struct batch {
	struct brt_persist *p;
	unsigned long epoch;
	struct batch *prev, *next; /* on p->batches */
};

static struct batch *batch_new(struct brt_persist *p, unsigned long epoch)
{
	struct batch *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	b->p = p;
	b->epoch = epoch;
	b->next = p->batches;
	if (p->batches)
		p->batches->prev = b;
	p->batches = b;
	return b;
}

static void batch_free(struct batch *b)
{
	if (b->prev)
		b->prev->next = b->next;
	else
		b->p->batches = b->next;
	if (b->next)
		b->next->prev = b->prev;
	free(b);
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- what changed -------------------------------------------------------- */

void brt__persist_note(brt_instance *in)
{
	struct brt_persist *p = in->rt->engine->persist;
	if (p->recovering || p->closing)
		return;
	in->dirty = true;
	in->dnext = p->dirty;
	p->dirty = in;
	brt__pass_request(&p->pass);
}

void brt__persist_instance_end(brt_instance *in)
{
	struct brt_persist *p = in->rt->engine->persist;
	if (in->dirty) {
		for (brt_instance **pp = &p->dirty; *pp; pp = &(*pp)->dnext)
			if (*pp == in) {
				*pp = in->dnext;
				break;
			}
		in->dirty = false;
	}
	if (!in->persisted || p->closing)
		return;
	if (p->ndels == p->capdels) {
		int cap = p->capdels ? 2 * p->capdels : 64;
		void *v = realloc(p->dels, (size_t)cap * sizeof *p->dels);
		if (!v) {
			/* The record stays: the instance comes back after a
			 * restart. Logged; nothing else can be done. */
			brt__log(in->rt,
				 "instance %lu: out of memory; its record "
				 "stays in the store",
				 in->id);
			return;
		}
		p->dels = v;
		p->capdels = cap;
	}
	p->dels[p->ndels++] = in->id;
	brt__pass_request(&p->pass);
}

bool brt__persist_resends(const brt_runtime *rt, int plink)
{
	if (plink < 0 || plink >= rt->proc->nplinks)
		return false;
	for (int i = 0; i < rt->nresend; i++)
		if (strcmp(rt->resend[i], rt->proc->plinks[plink].name) == 0)
			return true;
	return false;
}

/* ---- batches ------------------------------------------------------------- */

static void release(brt_runtime *rt, unsigned long epoch)
{
	brt__http_release(rt, epoch);
	const struct brt_invoke_service *iv = rt->proc->invoker;
	if (iv && rt->curl && iv->release)
		iv->release(rt, epoch);
}

/* A batch that did not commit: its effects may never leave, and the
 * state in memory is ahead of the store. Stop here, as a crash would; the
 * next start recovers what was committed. */
static void fatal(brt_runtime *rt, const char *what, int err)
{
	brt__log_at(rt, BRT_LOG_ERROR,
		    "instance store: %s: %s; stopping (the next start "
		    "recovers what was committed)",
		    what, brt_strerror(err));
	brt__log_flush(rt);
	_exit(1);
}

static void on_commit(void *arg, int err)
{
	struct batch *b = arg;
	struct brt_persist *p = b->p;
	brt_runtime *rt = p->rt;
	unsigned long epoch = b->epoch;
	batch_free(b);
	if (err)
		fatal(rt, "a commit failed", err);
	p->committed = epoch;
	/* The backend has timed this commit by now (store.h). */
	brt__metric_store_commit(rt, brt__persist_last_commit(rt));
	BRT_CRASH_POINT("after-commit");
	p->inflight--;
	if (p->inflight == 0 && p->release_upto > epoch)
		epoch = p->release_upto;
	release(rt, epoch);
}

struct put_key {
	struct brt_persist *p;
	brt_instance *in;
};

static int put_key(void *arg, int set, const char *key)
{
	struct put_key *pk = arg;
	return brt__store_pg_corr(pk->p->st, pk->in->id,
				  pk->p->rt->proc->corrsets[set].name, key);
}

struct brt_store *brt__persist_shared(const brt_runtime *rt)
{
	struct brt_persist *p = rt->engine ? rt->engine->persist : NULL;
	return p && p->shared ? p->st : NULL;
}

/* Write one instance into the open batch. */
static void put_instance(struct brt_persist *p, brt_instance *in)
{
	char *buf = NULL;
	size_t len = 0;
	int err = brt__instance_save(in, &buf, &len);
	/* The shared store keeps the next timer deadline with the record:
	 * a due timer of an instance whose owner died is claimed first. */
	if (err == 0)
		err = p->shared ? brt__store_pg_put(
					  p->st, in->id, buf, len,
					  brt__instance_next_deadline(in))
				: p->st->ops->put(p->st, in->id, buf, len);
	free(buf);
	/* Other nodes find an instance by its correlation values. */
	if (err == 0 && p->shared) {
		struct put_key pk = { p, in };
		err = brt__corr_instance_keys(in, put_key, &pk);
	}
	if (err == 0)
		in->persisted = true;
	else if (err == BRT_ESTATE)
		brt__log(p->rt,
			 "instance %lu cannot be saved (a call the "
			 "process does not list); kept in memory only",
			 in->id);
	else
		fatal(p->rt, "cannot write an instance", err);
}

/* The end of a loop pass: one batch for all that changed in it. */
static void on_pass(void *arg)
{
	struct brt_persist *p = arg;
	brt_runtime *rt = p->rt;
	struct brt_engine *e = rt->engine;
	struct brt_store *st = p->st;
	unsigned long epoch = rt->hold_epoch++;
	/* Ids are reserved with the records that carry them: a batch that
	 * writes instances and is halfway through the reserved block writes
	 * a new one. An instance never written (created and completed
	 * within a pass) costs no write, so its id is known only to the
	 * log: after a crash, not after a stop, such an id may come back. */
	bool meta = (p->dirty || p->ndels) &&
		    e->next_id + ID_BLOCK / 2 > p->reserve;

	/* Messages taken from the shared store's inboxes: their rows go in
	 * this batch, with the state they changed (pg_store.c). */
	bool takes = p->shared && brt__store_pg_inbox_pending(st);
	if (!p->dirty && !p->ndels && !meta && !takes) {
		if (p->inflight == 0)
			release(rt, epoch);
		else
			p->release_upto = epoch;
	} else {
		struct batch *b = batch_new(p, epoch);
		if (!b)
			fatal(rt, "cannot start a batch", BRT_ENOMEM);
		int err = st->ops->begin(st);
		if (err)
			fatal(rt, "cannot begin a batch", err);
		while (p->dirty) {
			brt_instance *in = p->dirty;
			p->dirty = in->dnext;
			in->dirty = false;
			put_instance(p, in);
		}
		for (int i = 0; i < p->ndels; i++)
			if ((err = st->ops->del(st, p->dels[i])) != 0)
				fatal(rt, "cannot delete an instance", err);
		p->ndels = 0;
		if (meta) {
			p->reserve = e->next_id + ID_BLOCK;
			struct brt_store_meta m = {
				.next_id = p->reserve,
				.seq = brt__corr_seq(rt, 0),
			};
			if ((err = st->ops->meta_put(st, &m)) != 0)
				fatal(rt, "cannot write the metadata", err);
		}
		p->inflight++;
		if ((err = st->ops->commit(st, on_commit, b)) != 0)
			fatal(rt, "cannot commit", err);
	}
	/* --drain: the last instance has gone; let the answers leave. */
	if (rt->drain && e->ninstances == 0 && p->inflight == 0 &&
	    !rt->stopping) {
		brt__log(rt, "drained: no instance left; exiting");
		rt->stopping = true;
		brt__http_stop(rt);
		struct timeval tv = { 0, 200000 };
		event_base_loopexit(rt->base, &tv);
	}
}

double brt__persist_last_commit(const brt_runtime *rt)
{
	struct brt_persist *p = rt->engine ? rt->engine->persist : NULL;
	return p ? p->st->ops->last_commit_seconds(p->st) : 0;
}

/* ---- start-up ------------------------------------------------------------ */

/* Logs name the store: the file, or "postgresql" (a connection URI may
 * hold a password). */
static const char *store_name(const brt_runtime *rt)
{
	return brt__store_is_pg(rt->store_path) ? "postgresql" : rt->store_path;
}

/* The shared store says this node must not run instance id (another
 * node owns it, its commit did not go through, or it lost a race for a
 * correlation value): it goes from memory without a trace in the store,
 * and nothing it held leaves (rt->dropping tells http.c what its
 * requests get). Its calls are cancelled, its timers go. Runs before the
 * done callback of the batch that found out, so that batch's release
 * cannot send what the instance held. */
static void drop(struct brt_persist *p, unsigned long id, int why)
{
	brt_runtime *rt = p->rt;
	rt->dropping = why;
	/* Passes after the last committed batch did not commit. */
	rt->drop_since = p->committed + 1;
	brt_instance *in = brt__engine_find(rt, id);
	if (in) {
		in->persisted = false; /* no delete: the record is not ours */
		brt__instance_end(in, BRT_END_DROPPED, NULL);
	}
	brt__http_abandon(rt, id);
	rt->dropping = 0;
}

static void on_lost(void *arg, unsigned long id, bool maybe)
{
	drop(arg, id, maybe ? BRT_DROP_UNKNOWN : BRT_DROP_FENCED);
}

static void on_raced(void *arg, unsigned long id)
{
	drop(arg, id, BRT_DROP_RACED);
}

/* The shared store gave this node an instance (taken over from a dead
 * node): it lives here now. Ids this node gives out stay in its own block,
 * whatever the restored id. */
static int on_claimed(void *arg, const struct brt_store_rec *rec)
{
	struct brt_persist *p = arg;
	brt_runtime *rt = p->rt;
	if (brt__engine_find(rt, rec->id))
		return 0;
	unsigned long keep = rt->engine->next_id;
	int err = 0;
	brt_instance *in = brt__instance_restore(rt, rec->data, rec->len, &err);
	rt->engine->next_id = keep;
	if (!in) {
		brt__log(rt,
			 "instance %lu: taken over, but its record does "
			 "not restore (%s)",
			 rec->id, brt_strerror(err));
		return err ? err : BRT_EINVAL;
	}
	in->persisted = true;
	if (in->exiting)
		brt__instance_end(in, BRT_END_EXITED, NULL);
	return 0;
}

/* A one-way message another node kept for an instance this node owns
 * (cluster.c delivers it). Whatever became of it, a batch follows: its
 * row is deleted there. */
static int on_inbox(void *arg, unsigned long id, const char *operation,
		    const void *msg, size_t len)
{
	struct brt_persist *p = arg;
	int err = brt__cluster_inbox(p->rt, id, operation, msg, len);
	if (err != BRT_ELIMIT)
		brt__pass_request(&p->pass);
	return err;
}

/* Start-up recovery runs in slices of about SLICE_SECONDS (records read
 * SLICE_RECORDS at a time), the loop turning between them: the admin
 * listener answers /livez and /readyz ("recovering: N of M") meanwhile,
 * and a signal stops it. The SOAP listener is bound only once it is over
 * (main.c): a message must find its instance. */
enum { SLICE_RECORDS = 256 };
#define SLICE_SECONDS 0.02

struct recovery {
	struct brt_persist *p;
	long restored, corrupt;
	unsigned long *bad; /* ids to mark corrupt after the scan */
	int nbad, capbad;
	struct brt_store_counts counts;
	unsigned long seq; /* the metadata's routing counter */
	double t0;
	bool stepped;	  /* recover ran once: counts.total is known */
	struct event *ev; /* the next slice (brt__persist_start) */
	void (*done)(void *arg, int err);
	void *arg;
	char progress[120]; /* /readyz's reason */
};

static int on_record(void *arg, const struct brt_store_rec *rec)
{
	struct recovery *rc = arg;
	brt_runtime *rt = rc->p->rt;
	int err = 0;
	brt_instance *in = brt__instance_restore(rt, rec->data, rec->len, &err);
	if (in) {
		in->persisted = true;
		rc->restored++;
		return 0;
	}
	if (err == BRT_ENOMEM)
		return err;
	/* Untrusted input: reported, kept in the database, marked, skipped. */
	brt__log(rt,
		 "instance %lu: stored record is corrupt (%s); skipped and "
		 "marked",
		 rec->id, brt_strerror(err));
	rc->corrupt++;
	if (rc->nbad == rc->capbad) {
		int cap = rc->capbad ? 2 * rc->capbad : 16;
		void *v = realloc(rc->bad, (size_t)cap * sizeof *rc->bad);
		if (!v)
			return BRT_ENOMEM;
		rc->bad = v;
		rc->capbad = cap;
	}
	rc->bad[rc->nbad++] = rec->id;
	return 0;
}

static void recovery_free(struct recovery *rc)
{
	if (!rc)
		return;
	if (rc->ev)
		event_free(rc->ev);
	free(rc->bad);
	free(rc);
}

static void persist_free(struct brt_persist *p)
{
	if (!p)
		return;
	recovery_free(p->rc);
	brt__pass_free(&p->pass);
	if (p->st)
		p->st->ops->close(p->st);
	while (p->batches)
		batch_free(p->batches);
	free(p->dels);
	free(p);
}

/* The batch at start-up: the id reservation and the records of restored
 * instances that had exited. Synchronous backends commit before this
 * returns; an asynchronous one releases nothing held meanwhile. */
static int first_batch(struct brt_persist *p)
{
	brt_runtime *rt = p->rt;
	struct brt_engine *e = rt->engine;
	struct brt_store *st = p->st;
	/* An instance restored in the middle of its <exit>: it ends. */
	for (brt_instance *in = e->first, *next; in; in = next) {
		next = in->next;
		if (in->exiting)
			brt__instance_end(in, BRT_END_EXITED, NULL);
	}
	p->recovering = false;
	p->reserve = e->next_id; /* the next batch that writes reserves */
	brt__pass_request(&p->pass);
	(void)st;
	return 0;
}

/* Open the store and read its metadata; recovery is set up, not begun.
 * 0 (or no store: nothing to do, rt->engine->persist stays NULL), or
 * BRT_E* after logging why. */
/* The default store (no --store) where the working directory cannot
 * take it: a service run from a read-only folder, as a test harness or a
 * locked-down unit may do. It runs with its instances in memory, loudly,
 * rather than not at all; a store the user named must open or the
 * service stops. */
static void default_unwritable(brt_runtime *rt)
{
	if (rt->store_path != rt->store_default || access(".", W_OK) == 0)
		return;
	brt__log_at(rt, BRT_LOG_WARN,
		    "instance store: the working directory is not writable "
		    "(%s), so the default store %s cannot be kept there: "
		    "instances live in memory only and a restart loses "
		    "them; give --store PATH to keep them (or --store none "
		    "to say so)",
		    strerror(errno), rt->store_default);
	rt->store_path = NULL;
}

static int persist_begin(brt_runtime *rt)
{
	struct brt_engine *e = rt->engine;
	const struct brt_process *proc = rt->proc;
	default_unwritable(rt);
	if (!rt->store_path || !e)
		return 0;
	struct brt_persist *p = calloc(1, sizeof *p);
	struct recovery *rc = calloc(1, sizeof *rc);
	if (!p || !rc || brt__pass_init(&p->pass, rt, on_pass, p) != 0) {
		free(p);
		free(rc);
		brt__log(rt, "instance store: out of memory");
		return BRT_ENOMEM;
	}
	p->rt = rt;
	p->rc = rc;
	rc->p = p;
	struct brt_store_config c = {
		.process = proc->name,
		.build = proc->build_id ? proc->build_id : "",
		.format = BRT_STORE_FORMAT,
		.oldest_format = BRT_STORE_FORMAT_OLDEST,
		.sync_full = rt->sync_full,
	};
	char why[600] = "";
	p->shared = brt__store_is_pg(rt->store_path);
	int err;
	if (p->shared) {
		struct brt_store_pg_options o = { rt->store_path, rt->node_id,
						  rt->advertise,
						  rt->node_timeout_s };
		err = brt__store_pg_open(rt, &o, &c, &p->st, why, sizeof why);
	} else {
		err = brt__store_sqlite_open(rt->store_path, &c, &p->st, why,
					     sizeof why);
	}
	if (err) {
		brt__log(rt, "instance store: %s", why);
		persist_free(p);
		return err;
	}
	struct brt_store_meta m;
	if ((err = p->st->ops->meta_get(p->st, &m)) != 0) {
		brt__log(rt, "instance store %s: cannot read it: %s",
			 store_name(rt), brt_strerror(err));
		persist_free(p);
		return err;
	}
	if (m.next_id > e->next_id)
		e->next_id = m.next_id;
	rc->seq = m.seq;
	e->persist = p;
	rt->hold = true;
	p->recovering = true;
	/* Until recovery ends no strand runs (sched.c): a timer that
	 * expires meanwhile queues its strand, which runs after. */
	e->recovering = true;
	rc->t0 = mono();
	return 0;
}

/* One slice: 1 (more to come), 0 (every record read), or BRT_E*. */
static int slice(struct recovery *rc)
{
	struct brt_store *st = rc->p->st;
	double end = mono() + SLICE_SECONDS;
	int r;
	do
		r = st->ops->recover(st, SLICE_RECORDS, on_record, rc,
				     &rc->counts);
	while (r == 1 && mono() < end);
	rc->stepped = true;
	return r;
}

/* Every record read: mark the bad ones, log, write the first batch and
 * let the instances run. 0 or BRT_E* (logged). */
static int finish(struct recovery *rc)
{
	struct brt_persist *p = rc->p;
	brt_runtime *rt = p->rt;
	int err = 0;
	for (int i = 0; !err && i < rc->nbad; i++)
		err = p->st->ops->mark_corrupt(p->st, rc->bad[i],
					       "does not decode");
	if (err) {
		brt__log(rt, "instance store %s: cannot mark a record: %s",
			 store_name(rt), brt_strerror(err));
		return err;
	}
	brt__corr_seq(rt, rc->seq);
	brt__log(rt,
		 "instance store %s: %ld instance%s restored in %.3f s; %ld "
		 "of other builds left untouched; %ld corrupt skipped",
		 store_name(rt), rc->restored, rc->restored == 1 ? "" : "s",
		 mono() - rc->t0, rc->counts.other_build,
		 rc->corrupt + rc->counts.corrupt);
	p->rc = NULL;
	recovery_free(rc);
	brt__engine_recovered(rt);
	err = first_batch(p);
	if (!err && p->shared) {
		/* From now on: heartbeats, instances of dead nodes taken over
		 * and ours reloaded (on_claimed), instances this node must
		 * not run dropped one by one (on_lost, on_raced), and
		 * messages other nodes kept for ours delivered (on_inbox). */
		struct brt_store_pg_hooks hk = { on_lost, on_claimed, p,
						 on_raced, on_inbox };
		err = brt__store_pg_start(p->st, &hk);
	}
	return err;
}

static int recovery_failed(brt_runtime *rt, int err)
{
	brt__log(rt, "instance store %s: recovery failed: %s", store_name(rt),
		 brt_strerror(err));
	return err; /* engine_free closes the store */
}

int brt__persist_open(brt_runtime *rt)
{
	int err = persist_begin(rt);
	struct brt_persist *p = rt->engine ? rt->engine->persist : NULL;
	if (err || !p)
		return err;
	while ((err = slice(p->rc)) == 1)
		;
	if (err)
		return recovery_failed(rt, err);
	return finish(p->rc);
}

const char *brt__persist_progress(const brt_runtime *rt)
{
	struct brt_persist *p = rt->engine ? rt->engine->persist : NULL;
	struct recovery *rc = p ? p->rc : NULL;
	if (!rc)
		return NULL;
	if (!rc->stepped)
		return "recovering: the store is being read";
	snprintf(rc->progress, sizeof rc->progress,
		 "recovering: %ld of %ld instances restored", rc->restored,
		 rc->counts.total);
	return rc->progress;
}

static void on_slice(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct recovery *rc = arg;
	brt_runtime *rt = rc->p->rt;
	int err = slice(rc);
	if (err == 1) {
		/* A zero timeout runs after the loop has polled: probes and
		 * signals get their turn between slices. */
		struct timeval tv = { 0, 0 };
		if (event_add(rc->ev, &tv) == 0)
			return;
		err = BRT_ENOMEM;
	}
	void (*done)(void *, int) = rc->done;
	void *darg = rc->arg;
	err = err ? recovery_failed(rt, err) : finish(rc);
	done(darg, err);
}

int brt__persist_start(brt_runtime *rt, void (*done)(void *arg, int err),
		       void *arg)
{
	int err = persist_begin(rt);
	struct brt_persist *p = rt->engine ? rt->engine->persist : NULL;
	if (err)
		return err;
	if (!p) {
		done(arg, 0);
		return 0;
	}
	struct recovery *rc = p->rc;
	rc->done = done;
	rc->arg = arg;
	rc->ev = event_new(rt->base, -1, 0, on_slice, rc);
	struct timeval tv = { 0, 0 };
	if (!rc->ev || event_add(rc->ev, &tv) != 0) {
		brt__log(rt, "instance store: out of memory");
		return BRT_ENOMEM;
	}
	return 0;
}

/* Shutdown (engine_free): write what the last pass changed, then nothing
 * more: the instances that are left stay in the store. */
void brt__persist_close(brt_runtime *rt)
{
	struct brt_engine *e = rt->engine;
	struct brt_persist *p = e ? e->persist : NULL;
	if (!p)
		return;
	if (!p->recovering && (p->dirty || p->ndels))
		on_pass(p);
	/* A clean stop: the next start goes on from the next unused id. */
	if (!p->recovering && p->inflight == 0 &&
	    p->st->ops->begin(p->st) == 0) {
		struct brt_store_meta m = { .next_id = rt->engine->next_id,
					    .seq = brt__corr_seq(rt, 0) };
		struct batch *b = batch_new(p, rt->hold_epoch);
		if (b && p->st->ops->meta_put(p->st, &m) == 0) {
			rt->hold_epoch++;
			p->inflight++;
			if (p->st->ops->commit(p->st, on_commit, b) != 0)
				fatal(rt, "cannot commit", BRT_EIO);
		} else if (b) {
			batch_free(b);
		}
	}
	p->closing = true;
	rt->hold = false;
	release(rt, rt->hold_epoch);
}

void brt__persist_free(brt_runtime *rt)
{
	struct brt_engine *e = rt->engine;
	if (!e || !e->persist)
		return;
	persist_free(e->persist);
	e->persist = NULL;
}
