/*
 * pg_store.c — the instance store on a shared PostgreSQL database
 * (store.h's interface; --store postgresql://…).
 *
 * Start-up is blocking (before the service listens): connect, create or
 * migrate the schema (pg_schema.c), register this node, take an id block;
 * then recover, in steps between which the loop turns: claim this node
 * id's own instances from an earlier run and those of dead nodes
 * (pg_own.c), a page at a time, and hand them to the engine. From then on
 * everything goes through one asynchronous connection (pg_conn.c) on the
 * loop: a batch per pass, committed in one round trip; its callback runs
 * when the server has confirmed it. One transaction is in flight at a
 * time; the batches of the passes that run meanwhile wait and go together
 * as the next one (group commit), so a slow flush makes bigger
 * transactions, not a queue of small ones.
 *
 * Every write is fenced: put and del carry this node's id and the epoch at
 * which it owns the instance (remembered per instance here). A write that
 * another node's claim has overtaken changes nothing; the rest of the
 * batch commits, and the engine is told the instance is lost (hooks.lost)
 * before the batch's callback: it drops it and releases nothing it held.
 * A batch whose outcome is unknown (the connection went during the
 * commit), that could not be sent or that the server refused: every
 * instance in it is lost the same way and reloaded from the database once
 * the connection is back, never assumed either way.
 *
 * Correlation values are claimed with the record. An instance never
 * committed before whose value another instance got first (two nodes
 * created one for the same new key at once) loses the race: its record
 * goes in the same transaction (race_sql) and the engine is told
 * (hooks.raced) to drop it and hand its messages to the winner.
 *
 * A timer heartbeats this node and claims what dead nodes left (handed to
 * the engine through hooks.claimed), every third of the node timeout.
 *
 * Not here: what a record holds (engine/store.c), when batches are made
 * (engine/persist.c), SQL of the schema and of ownership.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "pg.h"
#include "store.h"

enum { CLAIM_LIMIT = 500 };

/* $7: the instance's next timer deadline (seconds since the epoch; NULL:
 * none); $8 the record. */
static const char put_sql[] = "SELECT bpelc_put($1, $2, $3, $4, $5, $6, $8,"
			      " to_timestamp($7::float8))";
static const char del_sql[] = "SELECT bpelc_del($1, $2, $3, $4)";
static const char meta_sql[] =
	"INSERT INTO bpelc_engine (process, seq) VALUES ($1, $2)"
	" ON CONFLICT (process) DO UPDATE"
	" SET seq = GREATEST(bpelc_engine.seq, EXCLUDED.seq)";
static const char corrupt_sql[] =
	"UPDATE bpelc_instance SET status = 'corrupt', why = $4"
	" WHERE process = $1 AND id = $2 AND owner = $3";
/* A correlation value of an instance; a key another instance holds stays
 * that instance's (the unique primary key). Only for a record that is
 * there: one that lost a race (race_sql) leaves no value behind. */
static const char corr_sql[] =
	"INSERT INTO bpelc_correlation (process, cset, key, instance)"
	" SELECT $1, $2, $3, $4::bigint WHERE EXISTS (SELECT 1"
	"  FROM bpelc_instance WHERE process = $1 AND id = $4::bigint)"
	" ON CONFLICT DO NOTHING";
/* After corr_sql, for an instance never committed: when another instance
 * holds the value, this one lost a race (two nodes made an instance for
 * one new key at once): its record goes, with its values (bpelc_del). A
 * statement of its own, so its snapshot sees the winner's row even when
 * the winner committed while corr_sql waited for it. A row: lost ('t':
 * removed). */
static const char race_sql[] =
	"SELECT bpelc_del($1, $4::bigint, $5, $6::bigint)"
	" FROM bpelc_correlation WHERE process = $1 AND cset = $2"
	" AND key = $3 AND instance <> $4::bigint";
/* Where does a message with these correlation values go? The instance
 * that holds one of them, its owner and whether the owner is alive; an
 * instance whose owner is dead (or nobody) is claimed here at once.
 * $1 process, $2 sets, $3 keys (text arrays), $4 me, $5 build, $6 format,
 * $7 node timeout (s), $8 whether this node may claim now (claim_from). */
static const char where_sql[] =
	"WITH f AS (SELECT c.instance FROM bpelc_correlation c"
	"  JOIN unnest($2::text[], $3::text[]) AS k(cset, key)"
	"  ON c.cset = k.cset AND c.key = k.key"
	"  WHERE c.process = $1 ORDER BY c.instance LIMIT 1),"
	" i AS (SELECT i.id, i.owner, i.epoch, n.advertise,"
	"  (n.heartbeat >= now() - make_interval(secs => $7::float8)"
	"   OR pg_postmaster_start_time()"
	"    >= now() - make_interval(secs => 2 * $7::float8)) AS alive"
	"  FROM bpelc_instance i JOIN f ON i.id = f.instance"
	"  LEFT JOIN bpelc_node n ON n.node_id = i.owner"
	"  WHERE i.process = $1),"
	" cl AS (UPDATE bpelc_instance u SET owner = $4,"
	"  epoch = u.epoch + 1, updated = now() FROM i"
	"  WHERE u.process = $1 AND u.id = i.id AND u.epoch = i.epoch"
	"   AND u.build = $5 AND u.format = $6::int AND u.status = 'ok'"
	"   AND u.owner IS DISTINCT FROM $4 AND NOT coalesce(i.alive, false)"
	"   AND $8::boolean"
	"  RETURNING u.id, u.epoch, u.data)"
	"SELECT i.id, i.owner, i.advertise, coalesce(i.alive, false),"
	" cl.epoch, cl.data FROM i LEFT JOIN cl ON cl.id = i.id";
/* Reload after an unknown outcome: our own instances, by id. */
static const char reload_sql[] =
	"UPDATE bpelc_instance SET epoch = epoch + 1, updated = now()"
	" WHERE process = $1 AND owner = $2 AND id = ANY($3::bigint[])"
	"  AND build = $4 AND format = $5 AND status = 'ok'"
	" RETURNING id, epoch, data";

/* A one-way message for instance $2 kept in its inbox, and its owner
 * woken (pg_notify: delivered at commit). The instance row is locked
 * against a concurrent delete (FOR KEY SHARE, which the owner's updates do
 * not wait for): no row comes back when the instance is gone. $1 process,
 * $3 "PARTNERLINK OPERATION", $4 the message. */
static const char inbox_put_sql[] =
	"WITH i AS (SELECT id, owner FROM bpelc_instance"
	"  WHERE process = $1 AND id = $2::bigint AND status = 'ok'"
	"  FOR KEY SHARE),"
	" m AS (INSERT INTO bpelc_inbox (process, instance, operation, message)"
	"  SELECT $1, i.id, $3, $4 FROM i RETURNING seq)"
	"SELECT m.seq, pg_notify('bpelc_' || md5(coalesce(i.owner, '')),"
	" i.id::text) FROM m, i";
/* What waits in the inboxes of this node's instances ($3: only that
 * instance's; 0: all), oldest first. */
static const char inbox_fetch_sql[] =
	"SELECT b.seq, b.instance, b.operation, b.message FROM bpelc_inbox b"
	" JOIN bpelc_instance i ON i.process = b.process AND i.id = b.instance"
	" WHERE b.process = $1 AND i.owner = $2 AND i.status = 'ok'"
	"  AND ($3::bigint = 0 OR b.instance = $3::bigint)"
	" ORDER BY b.seq LIMIT 500";
/* A message taken into its instance: its row goes, fenced like a put (in
 * the same transaction: only while this node owns the instance at this
 * epoch). $1 seq, $2 process, $3 instance, $4 me, $5 epoch. */
static const char inbox_take_sql[] =
	"DELETE FROM bpelc_inbox b USING bpelc_instance i"
	" WHERE b.seq = $1::bigint AND b.process = $2 AND b.instance = i.id"
	"  AND i.process = $2 AND i.id = $3::bigint AND i.owner = $4"
	"  AND i.epoch = $5::bigint";

enum { FETCH_LIMIT = 500 };

/* ---- id -> epoch: the instances this node owns ---------------------------- */

struct slot {
	unsigned long id; /* 0: empty */
	long long epoch;  /* -1: deleted (tombstone) */
	bool fresh;	  /* written, no commit of it confirmed yet */
};

struct epochs {
	struct slot *s;
	size_t cap, used; /* used counts tombstones too */
};

static size_t hash(unsigned long id, size_t cap)
{
	return (size_t)((id * 0x9E3779B97F4A7C15UL) >> 7) & (cap - 1);
}

static struct slot *find(struct epochs *m, unsigned long id)
{
	if (!m->cap)
		return NULL;
	for (size_t i = hash(id, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->s[i].id == id && m->s[i].epoch >= 0)
			return &m->s[i];
		if (m->s[i].id == 0)
			return NULL;
	}
}

static int set(struct epochs *m, unsigned long id, long long epoch)
{
	struct slot *f = find(m, id);
	if (f) {
		f->epoch = epoch;
		f->fresh = false;
		return 0;
	}
	if ((m->used + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct slot *s = calloc(cap, sizeof *s);
		if (!s)
			return BRT_ENOMEM;
		struct epochs n = { s, cap, 0 };
		for (size_t i = 0; i < m->cap; i++)
			if (m->s[i].id && m->s[i].epoch >= 0) {
				size_t j = hash(m->s[i].id, cap);
				while (s[j].id)
					j = (j + 1) & (cap - 1);
				s[j] = m->s[i];
				n.used++;
			}
		free(m->s);
		*m = n;
	}
	size_t j = hash(id, m->cap);
	while (m->s[j].id && m->s[j].epoch >= 0)
		j = (j + 1) & (m->cap - 1);
	if (!m->s[j].id)
		m->used++;
	m->s[j].id = id;
	m->s[j].epoch = epoch;
	m->s[j].fresh = false;
	return 0;
}

static void forget(struct epochs *m, unsigned long id)
{
	struct slot *f = find(m, id);
	if (f)
		f->epoch = -1;
}

/* ---- the store ----------------------------------------------------------- */

/* What a statement of a batch did for an instance (one_done reads it). */
enum { K_OTHER, K_PUT, K_DEL, K_RACE };

struct pg_store {
	struct brt_store base; /* first: store.h's handle */
	brt_runtime *rt;
	PGconn *boot;	   /* blocking, start-up only */
	struct brt_pg *pg; /* the loop's connection */
	struct brt_pg_node node;
	char *process, *build, *node_id, *advertise;
	unsigned long id_first;	     /* this start's id block */
	bool recovering;	     /* between recover's steps */
	double beat;		     /* start-up's last heartbeat (mono) */
	unsigned long recover_after; /* its next claim: ids above */
	struct epochs own;
	struct brt_store_pg_hooks hooks;
	struct event *tick; /* heartbeat and claims */
	bool claiming;	    /* a claim batch is in flight */
	/* the batch being built, and which instance each statement is for */
	struct brt_pg_batch *cur;
	unsigned long *cur_ids;	 /* per statement; 0: not an instance's */
	unsigned char *cur_kind; /* per statement: K_* */
	int cur_cap;
	/* ids to reload from the database once the connection is back */
	unsigned long *reload;
	int nreload, reload_cap;
	double last_commit;
	double claim_from; /* may_claim: not before (monotonic s) */
	long nclaimed;	   /* instances taken over from other nodes (logs) */
	struct group *inflight, *waiting; /* group commit (pg_commit) */
	unsigned long ngroups, ncommits;  /* transactions, commits in them */
	/* inboxes: messages delivered whose rows the next commit deletes
	 * (takes), and every one delivered whose row is not known gone yet
	 * (taken, by seq: a fetch that overlaps a commit skips them) */
	char *channel; /* this node's NOTIFY channel */
	bool listen;   /* LISTEN on it (a test switches it off) */
	struct take *takes;
	int ntakes, takes_cap;
	struct epochs taken;
	bool fetching, fetch_again; /* a fetch of all inboxes in flight */
	struct event *poll;
	struct fetch *fetches;			 /* in flight */
	unsigned long ninbox_kept, ninbox_taken; /* (logs) */
};

struct take {
	long long seq;
	unsigned long id;
	long long epoch; /* the instance's when it was delivered */
};

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct pg_store *of(struct brt_store *st)
{
	return (struct pg_store *)st;
}

static int why_pg(char *why, size_t len, const char *what, PGconn *c)
{
	const char *m = c ? PQerrorMessage(c) : "out of memory";
	snprintf(why, len, "%s: %.*s", what, (int)strcspn(m, "\n"), m);
	return BRT_EIO;
}

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/* ---- start-up: meta_get, recover ------------------------------------------ */

static int pg_meta_get(struct brt_store *st, struct brt_store_meta *m)
{
	struct pg_store *ps = of(st);
	/* Ids come from this start's block; routing numbers continue from
	 * the same base, above every number an earlier start gave out
	 * (blocks only grow). */
	m->next_id = ps->id_first;
	m->seq = ps->id_first;
	return 0;
}

static int count(PGconn *c, const char *sql, const char *const *v, int n,
		 long *out)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
	int err = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		*out = atol(PQgetvalue(r, 0, 0));
	else
		err = BRT_EIO;
	PQclear(r);
	return err;
}

/* "How many could this start claim": the total of recover's counts. */
static int count_claimable(struct pg_store *ps, long *out)
{
	char why[512];
	struct brt_pg_batch *b = brt__pg_batch_new();
	if (!b)
		return BRT_ENOMEM;
	int i = brt__pg_own_claimable_add(b, &ps->node, true);
	int err = i < 0 ? i : brt__pg_exec(ps->boot, b, why, sizeof why);
	const PGresult *r = err ? NULL : brt__pg_batch_result(b, i);
	if (err)
		brt__log(ps->rt, "store: recover: %s", why);
	else if (r && PQntuples(r) == 1)
		*out = atol(PQgetvalue(r, 0, 0));
	else
		err = BRT_EIO;
	brt__pg_batch_free(b);
	return err;
}

/* One claim of up to CLAIM_LIMIT of this node's (earlier run) and dead
 * nodes' instances, each handed to fn: the number of rows, or BRT_E*. */
static int claim_page(struct pg_store *ps, brt_store_rec_fn fn, void *arg,
		      struct brt_store_counts *counts)
{
	char why[512];
	struct brt_pg_batch *b = brt__pg_batch_new();
	if (!b)
		return BRT_ENOMEM;
	int i = brt__pg_own_claim_add(b, &ps->node, CLAIM_LIMIT, true,
				      ps->recover_after);
	int err = i < 0 ? i : brt__pg_exec(ps->boot, b, why, sizeof why);
	if (err) {
		brt__log(ps->rt, "store: recover: %s", why);
		brt__pg_batch_free(b);
		return err;
	}
	const PGresult *r = brt__pg_batch_result(b, i);
	int n = PQntuples(r);
	for (int k = 0; k < n && !err; k++) {
		struct brt_pg_claimed c;
		err = brt__pg_own_row(r, k, &c);
		if (!err)
			err = set(&ps->own, c.id, c.epoch);
		if (!err)
			ps->recover_after = c.id;
		if (!err) {
			struct brt_store_rec rec = { c.id, c.data, c.len };
			counts->ours++;
			err = fn(arg, &rec);
		}
		brt__pg_own_row_free(&c);
	}
	brt__pg_batch_free(b);
	return err ? err : n;
}

/* The end of recovery: what it did not hand out. */
static int count_others(struct pg_store *ps, struct brt_store_counts *counts)
{
	char format[16];
	snprintf(format, sizeof format, "%d", ps->node.format);
	const char *v[] = { ps->process, ps->build, format };
	if (count(ps->boot,
		  "SELECT count(*) FROM bpelc_instance WHERE process = $1"
		  " AND (build <> $2 OR format <> $3::int)",
		  v, 3, &counts->other_build) ||
	    count(ps->boot,
		  "SELECT count(*) FROM bpelc_instance WHERE process = $1"
		  " AND build = $2 AND format = $3::int AND status <> 'ok'",
		  v, 3, &counts->corrupt))
		return BRT_EIO;
	return 0;
}

/* One step (store.h): claims of CLAIM_LIMIT rows, each its own
 * transaction on the blocking start-up connection, until about `max`
 * records were handed out; then the counts of the rest. */
static int pg_recover(struct brt_store *st, int max, brt_store_rec_fn fn,
		      void *arg, struct brt_store_counts *counts)
{
	struct pg_store *ps = of(st);
	if (!ps->boot)
		return BRT_ESTATE;
	int err;
	if (!ps->recovering) {
		memset(counts, 0, sizeof *counts);
		ps->recover_after = 0;
		if ((err = count_claimable(ps, &counts->total)) != 0)
			return err;
		ps->recovering = true;
	}
	/* A long recovery heartbeats as the loop's timer will after it:
	 * otherwise the other nodes would take this node for dead and
	 * claim back what it has just recovered. */
	if (mono() - ps->beat >= ps->node.timeout_s / 3.0) {
		char why[512];
		struct brt_pg_batch *b = brt__pg_batch_new();
		err = !b ? BRT_ENOMEM
		      : brt__pg_own_heartbeat_add(b, &ps->node) < 0
			      ? BRT_ENOMEM
			      : brt__pg_exec(ps->boot, b, why, sizeof why);
		brt__pg_batch_free(b);
		if (err == BRT_EIO)
			brt__log(ps->rt, "store: recover: %s", why);
		if (err)
			return err;
		ps->beat = mono();
	}
	for (int handed = 0; handed < max;) {
		int n = claim_page(ps, fn, arg, counts);
		if (n < 0)
			return n;
		if (n < CLAIM_LIMIT) {
			ps->recovering = false;
			return count_others(ps, counts);
		}
		handed += n;
	}
	return 1;
}

/* ---- batches --------------------------------------------------------------- */

static int pg_begin(struct brt_store *st)
{
	struct pg_store *ps = of(st);
	if (ps->cur)
		return BRT_ESTATE;
	ps->cur = brt__pg_batch_new();
	return ps->cur ? 0 : BRT_ENOMEM;
}

static int note(struct pg_store *ps, int idx, unsigned long id, int kind)
{
	if (idx < 0)
		return idx;
	if (idx >= ps->cur_cap) {
		int cap = ps->cur_cap ? 2 * ps->cur_cap : 64;
		while (cap <= idx)
			cap *= 2;
		unsigned long *ids =
			realloc(ps->cur_ids, (size_t)cap * sizeof *ids);
		if (!ids)
			return BRT_ENOMEM;
		ps->cur_ids = ids;
		unsigned char *kinds =
			realloc(ps->cur_kind, (size_t)cap * sizeof *kinds);
		if (!kinds)
			return BRT_ENOMEM;
		ps->cur_kind = kinds;
		ps->cur_cap = cap;
	}
	ps->cur_ids[idx] = id;
	ps->cur_kind[idx] = (unsigned char)kind;
	return 0;
}

static int pg_put(struct brt_store *st, unsigned long id, const void *data,
		  size_t len)
{
	return brt__store_pg_put(st, id, data, len, 0);
}

int brt__store_pg_put(struct brt_store *st, unsigned long id, const void *data,
		      size_t len, double deadline)
{
	struct pg_store *ps = of(st);
	if (!ps->cur)
		return BRT_ESTATE;
	struct slot *s = find(&ps->own, id);
	long long epoch = s ? s->epoch : 1; /* new: ours at epoch 1 */
	if (!s) {
		if (set(&ps->own, id, epoch))
			return BRT_ENOMEM;
		find(&ps->own, id)->fresh = true;
	}
	char sid[32], sep[32], format[16];
	snprintf(sid, sizeof sid, "%lu", id);
	snprintf(sep, sizeof sep, "%lld", epoch);
	snprintf(format, sizeof format, "%d", ps->node.format);
	char dl[40];
	snprintf(dl, sizeof dl, "%.3f", deadline);
	const char *v[] = { ps->process,
			    sid,
			    ps->node_id,
			    sep,
			    ps->build,
			    format,
			    deadline > 0 ? dl : NULL };
	return note(ps, brt__pg_batch_add(ps->cur, put_sql, 7, v, data, len),
		    id, K_PUT);
}

static int pg_del(struct brt_store *st, unsigned long id)
{
	struct pg_store *ps = of(st);
	if (!ps->cur)
		return BRT_ESTATE;
	struct slot *s = find(&ps->own, id);
	if (!s)
		return 0; /* never written by us: nothing to remove */
	char sid[32], sep[32];
	snprintf(sid, sizeof sid, "%lu", id);
	snprintf(sep, sizeof sep, "%lld", s->epoch);
	const char *v[] = { ps->process, sid, ps->node_id, sep };
	return note(ps, brt__pg_batch_add(ps->cur, del_sql, 4, v, NULL, 0), id,
		    K_DEL);
}

static int pg_meta_put(struct brt_store *st, const struct brt_store_meta *m)
{
	struct pg_store *ps = of(st);
	if (!ps->cur)
		return BRT_ESTATE;
	if (m->next_id - ps->id_first >= (1UL << 32)) {
		/* Never reached in practice (2^32 instances in one run);
		 * going on would hand out another start's ids. */
		brt__log(ps->rt, "store: this run's id block is used up; "
				 "restart the service");
		return BRT_ESTATE;
	}
	char seq[32];
	snprintf(seq, sizeof seq, "%lu", m->seq);
	const char *v[] = { ps->process, seq };
	return note(ps, brt__pg_batch_add(ps->cur, meta_sql, 2, v, NULL, 0), 0,
		    K_OTHER);
}

int brt__store_pg_corr(struct brt_store *st, unsigned long id, const char *cset,
		       const char *key)
{
	struct pg_store *ps = of(st);
	if (!ps->cur)
		return BRT_ESTATE;
	char sid[32];
	snprintf(sid, sizeof sid, "%lu", id);
	const char *v[] = { ps->process, cset, key, sid, ps->node_id, "1" };
	int err = note(ps, brt__pg_batch_add(ps->cur, corr_sql, 4, v, NULL, 0),
		       0, K_OTHER);
	struct slot *s = find(&ps->own, id);
	if (err || !s || !s->fresh)
		return err;
	char sep[32];
	snprintf(sep, sizeof sep, "%lld", s->epoch);
	v[5] = sep;
	return note(ps, brt__pg_batch_add(ps->cur, race_sql, 6, v, NULL, 0), id,
		    K_RACE);
}

/* One commit in flight: who to tell, and which instance each statement
 * wrote. */
struct commit {
	struct pg_store *ps;
	brt_store_done_fn done;
	void *arg;
	double t0;
	int off; /* its first statement in the group's batch */
	int n;
	unsigned long *ids;
	unsigned char *kind;
	struct take *takes; /* inbox rows this commit deletes */
	int ntakes;
	/* an inbox put (brt__store_pg_inbox_put) instead of an engine batch */
	brt_store_pg_inbox_fn ifn;
	void *iarg;
	struct commit *next; /* in its group */
};

/* Commits that go to the server as one transaction: while one group is
 * in flight, the batches committed meanwhile wait and go together when it
 * is done (group commit: one round trip and one flush for all of them).
 * Their callbacks run in the order they were committed. */
struct group {
	struct pg_store *ps;
	struct brt_pg_batch *b;
	struct commit *first, *last;
	int ncommits;
};

static int reload_add(struct pg_store *ps, unsigned long id)
{
	if (ps->nreload == ps->reload_cap) {
		int cap = ps->reload_cap ? 2 * ps->reload_cap : 64;
		unsigned long *r = realloc(ps->reload, (size_t)cap * sizeof *r);
		if (!r)
			return BRT_ENOMEM;
		ps->reload = r;
		ps->reload_cap = cap;
	}
	ps->reload[ps->nreload++] = id;
	return 0;
}

static void lost(struct pg_store *ps, unsigned long id, bool maybe, int *nlost)
{
	(*nlost)++;
	forget(&ps->own, id);
	if (ps->hooks.lost)
		ps->hooks.lost(ps->hooks.arg, id, maybe);
}

/* A new instance lost a race for a correlation value: its record is gone
 * (race_sql). */
static void raced(struct pg_store *ps, unsigned long id, int *nlost)
{
	if (!find(&ps->own, id))
		return; /* told already (a second value, a second commit) */
	brt__log(ps->rt,
		 "store: instance %lu: another node's instance took its "
		 "correlation value first: dropped here",
		 id);
	if (!ps->hooks.raced) {
		lost(ps, id, false, nlost);
		return;
	}
	forget(&ps->own, id);
	ps->hooks.raced(ps->hooks.arg, id);
}

static void commit_free(struct commit *c)
{
	free(c->ids);
	free(c->kind);
	free(c->takes);
	free(c);
}

static void inbox_put_done(struct commit *c, struct brt_pg_batch *b,
			   enum brt_pg_outcome out)
{
	enum brt_inbox_status st = BRT_INBOX_ERROR;
	const PGresult *r = brt__pg_batch_result(b, c->off);
	if (out == BRT_PG_OK && r && PQresultStatus(r) == PGRES_TUPLES_OK) {
		st = PQntuples(r) == 1 ? BRT_INBOX_KEPT : BRT_INBOX_GONE;
		if (st == BRT_INBOX_KEPT)
			c->ps->ninbox_kept++;
	}
	c->ifn(c->iarg, st);
	commit_free(c);
}

static void send_reload(struct pg_store *ps);

static void one_done(struct commit *c, struct brt_pg_batch *b,
		     enum brt_pg_outcome out)
{
	struct pg_store *ps = c->ps;
	int err = 0, nlost = 0;
	/* Whatever the outcome, these rows are no longer this node's to
	 * skip: deleted, or (the instance lost, the outcome unknown) left
	 * for the owner to deliver again from its state in the database. */
	for (int i = 0; i < c->ntakes; i++)
		forget(&ps->taken, (unsigned long)c->takes[i].seq);
	if (c->ifn) {
		inbox_put_done(c, b, out);
		return;
	}
	switch (out) {
	case BRT_PG_OK:
		for (int i = 0; i < c->n; i++) {
			if (!c->ids[i])
				continue;
			const PGresult *r = brt__pg_batch_result(b, c->off + i);
			if (c->kind[i] == K_RACE) {
				if (r && PQntuples(r) > 0 &&
				    strcmp(PQgetvalue(r, 0, 0), "t") == 0)
					raced(ps, c->ids[i], &nlost);
				else if (r && PQntuples(r) > 0 &&
					 find(&ps->own, c->ids[i]))
					lost(ps, c->ids[i], false, &nlost);
				continue;
			}
			bool wrote = r && PQntuples(r) == 1 &&
				     strcmp(PQgetvalue(r, 0, 0), "t") == 0;
			if (!wrote) {
				if (!find(&ps->own, c->ids[i]))
					continue; /* dropped already */
				brt__log(ps->rt,
					 "store: instance %lu is owned by "
					 "another node now: dropped here",
					 c->ids[i]);
				lost(ps, c->ids[i], false, &nlost);
			} else if (c->kind[i] == K_DEL) {
				forget(&ps->own, c->ids[i]);
			}
		}
		/* Written and kept: no longer new (a race is lost only by an
		 * instance that was never committed). */
		for (int i = 0; i < c->n; i++) {
			struct slot *s = c->kind[i] == K_PUT
						 ? find(&ps->own, c->ids[i])
						 : NULL;
			if (s)
				s->fresh = false;
		}
		break;
	case BRT_PG_UNKNOWN:
	case BRT_PG_NOTSENT:
	case BRT_PG_FAILED:
		/* Maybe committed, maybe not (or surely not): the instances
		 * in it are dropped, nothing they held leaves, and what the
		 * database has is read back when the connection is up (a
		 * deleted one too: its delete may not have happened). */
		if (out == BRT_PG_FAILED)
			brt__log(ps->rt,
				 "store: a commit failed (%s): its %d writes "
				 "are reloaded from the database",
				 brt__pg_batch_error(b), c->n);
		else
			brt__log(ps->rt,
				 "store: a commit's outcome is %s: its %d "
				 "writes are reloaded from the database",
				 out == BRT_PG_UNKNOWN ? "unknown"
						       : "failed (not sent)",
				 c->n);
		for (int i = 0; i < c->n; i++)
			if (c->ids[i] && find(&ps->own, c->ids[i])) {
				lost(ps, c->ids[i], out == BRT_PG_UNKNOWN,
				     &nlost);
				if (reload_add(ps, c->ids[i]))
					err = BRT_ENOMEM;
			}
		break;
	}
	/* An engine that cannot drop one instance (no lost hook) is told
	 * the batch failed: it releases nothing and stops, and its next
	 * start reads back what the database has. */
	if (!err && nlost && !ps->hooks.lost)
		err = BRT_ESTATE;
	ps->last_commit = mono() - c->t0;
	c->done(c->arg, err);
	commit_free(c);
	/* A refused commit leaves the connection up: read back at once, not
	 * at the next tick (messages for those instances wait meanwhile). */
	if (ps->nreload && ps->hooks.claimed && brt__pg_is_up(ps->pg))
		send_reload(ps);
}

static void group_submit(struct pg_store *ps);

static void group_done(void *arg, struct brt_pg_batch *b,
		       enum brt_pg_outcome out)
{
	struct group *g = arg;
	struct pg_store *ps = g->ps;
	ps->inflight = NULL;
	ps->ngroups++;
	ps->ncommits += (unsigned long)g->ncommits;
	for (struct commit *c = g->first, *next; c; c = next) {
		next = c->next;
		one_done(c, b, out);
	}
	free(g);
	group_submit(ps);
}

/* Send the waiting group, when none is in flight. */
static void group_submit(struct pg_store *ps)
{
	struct group *g = ps->waiting;
	if (ps->inflight || !g)
		return;
	ps->waiting = NULL;
	ps->inflight = g;
	brt__pg_submit(ps->pg, g->b, group_done, g);
	g->b = NULL; /* the connection's now */
}

/* Put c (its statements in b, both taken) into the waiting group, and
 * send the group when none is in flight. 0 or BRT_ENOMEM (both freed). */
static int enqueue(struct pg_store *ps, struct brt_pg_batch *b,
		   struct commit *c)
{
	c->t0 = mono();
	struct group *g = ps->waiting;
	if (!g) {
		g = calloc(1, sizeof *g);
		if (!g) {
			commit_free(c);
			brt__pg_batch_free(b);
			return BRT_ENOMEM;
		}
		g->ps = ps;
		g->b = b;
		ps->waiting = g;
	} else {
		c->off = brt__pg_batch_count(g->b);
		if (brt__pg_batch_move(g->b, b) != 0) {
			commit_free(c);
			brt__pg_batch_free(b);
			return BRT_ENOMEM;
		}
	}
	if (g->last)
		g->last->next = c;
	else
		g->first = c;
	g->last = c;
	g->ncommits++;
	group_submit(ps);
	return 0;
}

/* The batch being built deletes the inbox rows of the messages delivered
 * since the last commit; the commit remembers them (one_done). */
static int add_takes(struct pg_store *ps, struct commit *c)
{
	for (int i = 0; i < ps->ntakes; i++) {
		const struct take *t = &ps->takes[i];
		struct slot *s = find(&ps->own, t->id);
		if (!s || s->epoch != t->epoch) {
			/* Delivered into an instance since dropped (lost):
			 * the row is for whoever holds it now, this node
			 * too once it has reloaded it. */
			forget(&ps->taken, (unsigned long)t->seq);
			continue;
		}
		char seq[32], sid[32], sep[32];
		snprintf(seq, sizeof seq, "%lld", t->seq);
		snprintf(sid, sizeof sid, "%lu", t->id);
		snprintf(sep, sizeof sep, "%lld", s->epoch);
		const char *v[] = { seq, ps->process, sid, ps->node_id, sep };
		int err = note(ps,
			       brt__pg_batch_add(ps->cur, inbox_take_sql, 5, v,
						 NULL, 0),
			       0, 0);
		if (err)
			return err;
	}
	c->takes = ps->takes;
	c->ntakes = ps->ntakes;
	ps->takes = NULL;
	ps->ntakes = ps->takes_cap = 0;
	return 0;
}

static int pg_commit(struct brt_store *st, brt_store_done_fn done, void *arg)
{
	struct pg_store *ps = of(st);
	if (!ps->cur)
		return BRT_ESTATE;
	struct commit *c = calloc(1, sizeof *c);
	if (!c || add_takes(ps, c) != 0) {
		free(c);
		brt__pg_batch_free(ps->cur);
		ps->cur = NULL;
		return BRT_ENOMEM;
	}
	struct brt_pg_batch *b = ps->cur;
	ps->cur = NULL;
	int n = brt__pg_batch_count(b);
	c->ids = calloc((size_t)n + 1, sizeof *c->ids);
	c->kind = calloc((size_t)n + 1, sizeof *c->kind);
	if (!c->ids || !c->kind) {
		commit_free(c);
		brt__pg_batch_free(b);
		return BRT_ENOMEM;
	}
	memcpy(c->ids, ps->cur_ids, (size_t)n * sizeof *c->ids);
	memcpy(c->kind, ps->cur_kind, (size_t)n * sizeof *c->kind);
	c->ps = ps;
	c->done = done;
	c->arg = arg;
	c->n = n;
	return enqueue(ps, b, c);
}

static int pg_mark_corrupt(struct brt_store *st, unsigned long id,
			   const char *why)
{
	struct pg_store *ps = of(st);
	char sid[32];
	snprintf(sid, sizeof sid, "%lu", id);
	const char *v[] = { ps->process, sid, ps->node_id, why };
	forget(&ps->own, id);
	if (ps->boot) {
		PGresult *r = PQexecParams(ps->boot, corrupt_sql, 4, NULL, v,
					   NULL, NULL, 0);
		int err = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : BRT_EIO;
		PQclear(r);
		return err;
	}
	struct brt_pg_batch *b = brt__pg_batch_new();
	if (!b || brt__pg_batch_add(b, corrupt_sql, 4, v, NULL, 0) < 0) {
		brt__pg_batch_free(b);
		return BRT_ENOMEM;
	}
	brt__pg_submit(ps->pg, b, NULL, NULL);
	return 0;
}

static double pg_last_commit(const struct brt_store *st)
{
	return ((const struct pg_store *)st)->last_commit;
}

/* ---- heartbeat, claims, reloads ------------------------------------------- */

static void fetch_all(struct pg_store *ps);

/* Rows of claimed (or reloaded) instances: ours now, to the engine. */
static void take_rows(struct pg_store *ps, const PGresult *r, bool reload)
{
	int n = r && PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
	for (int k = 0; k < n; k++) {
		struct brt_pg_claimed c;
		if (brt__pg_own_row(r, k, &c) || set(&ps->own, c.id, c.epoch)) {
			brt__pg_own_row_free(&c);
			continue;
		}
		struct brt_store_rec rec = { c.id, c.data, c.len };
		if (!reload)
			ps->nclaimed++;
		brt__log(ps->rt, "store: instance %lu %s (epoch %lld)", c.id,
			 reload ? "reloaded from the database"
				: "taken over from a dead node",
			 c.epoch);
		int err = ps->hooks.claimed
				  ? ps->hooks.claimed(ps->hooks.arg, &rec)
				  : BRT_ESTATE;
		if (err)
			pg_mark_corrupt(&ps->base, c.id, "could not restore");
		brt__pg_own_row_free(&c);
	}
}

static void tick_cb(evutil_socket_t fd, short what, void *arg);

/* A node that has just (re)connected claims nothing for a node timeout:
 * the others may be reconnecting too (after the database restarted, or a
 * network cut), and their heartbeats are old only because they could not
 * write them. The database's own start-up grace (pg_own.c) counts from
 * the postmaster's start, before its crash recovery; this counts from
 * when this node could write again. A node whose owner really died is
 * claimed a moment later. */
static bool may_claim(const struct pg_store *ps)
{
	return mono() >= ps->claim_from;
}

static void claim_done(void *arg, struct brt_pg_batch *b,
		       enum brt_pg_outcome out)
{
	struct pg_store *ps = arg;
	ps->claiming = false;
	if (out != BRT_PG_OK)
		return; /* lost or unknown: the rows stay claimable (or are
			 * ours at a new epoch: the next reload finds them) */
	bool full = false;
	for (int i = 0; i < brt__pg_batch_count(b); i++) {
		const PGresult *r = brt__pg_batch_result(b, i);
		if (r && PQnfields(r) == 3) {
			take_rows(ps, r, false);
			full = full || PQntuples(r) >= CLAIM_LIMIT;
			/* their inboxes are ours now too */
			if (PQntuples(r) > 0)
				fetch_all(ps);
		}
	}
	/* A dead node left more: go on at once, not at the next tick. */
	if (full)
		tick_cb(-1, 0, ps);
}

struct reload {
	struct pg_store *ps;
	unsigned long *ids;
	int n;
};

static void reload_done(void *arg, struct brt_pg_batch *b,
			enum brt_pg_outcome out)
{
	struct reload *rl = arg;
	struct pg_store *ps = rl->ps;
	if (out == BRT_PG_OK) {
		take_rows(ps, brt__pg_batch_result(b, 0), true);
		fetch_all(ps);
		free(rl->ids);
	} else {
		/* again later */
		for (int i = 0; i < rl->n; i++)
			reload_add(ps, rl->ids[i]);
		free(rl->ids);
	}
	free(rl);
}

static void send_reload(struct pg_store *ps)
{
	if (!ps->nreload)
		return;
	/* '{1,2,3}' */
	size_t cap = (size_t)ps->nreload * 22 + 3;
	char *arr = malloc(cap);
	struct reload *rl = calloc(1, sizeof *rl);
	struct brt_pg_batch *b = brt__pg_batch_new();
	if (!arr || !rl || !b) {
		free(arr);
		free(rl);
		brt__pg_batch_free(b);
		return;
	}
	size_t len = 0;
	arr[len++] = '{';
	for (int i = 0; i < ps->nreload; i++)
		len += (size_t)snprintf(arr + len, cap - len, "%s%lu",
					i ? "," : "", ps->reload[i]);
	arr[len++] = '}';
	arr[len] = '\0';
	char format[16];
	snprintf(format, sizeof format, "%d", ps->node.format);
	const char *v[] = { ps->process, ps->node_id, arr, ps->build, format };
	if (brt__pg_batch_add(b, reload_sql, 5, v, NULL, 0) < 0) {
		free(arr);
		free(rl);
		brt__pg_batch_free(b);
		return;
	}
	free(arr);
	rl->ps = ps;
	rl->ids = ps->reload;
	rl->n = ps->nreload;
	ps->reload = NULL;
	ps->nreload = ps->reload_cap = 0;
	brt__pg_submit(ps->pg, b, reload_done, rl);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pg_store *ps = arg;
	if (!brt__pg_is_up(ps->pg))
		return; /* nothing to say until the connection is back */
	send_reload(ps);
	if (ps->claiming)
		return;
	struct brt_pg_batch *b = brt__pg_batch_new();
	if (!b)
		return;
	/* Due timers first: their instances are restored before the rest
	 * of what a dead node left. */
	if (brt__pg_own_heartbeat_add(b, &ps->node) < 0 ||
	    (ps->hooks.claimed && may_claim(ps) &&
	     (brt__pg_own_claim_due_add(b, &ps->node, CLAIM_LIMIT) < 0 ||
	      brt__pg_own_claim_add(b, &ps->node, CLAIM_LIMIT, false, 0) < 0))) {
		brt__pg_batch_free(b);
		return;
	}
	ps->claiming = true;
	brt__pg_submit(ps->pg, b, claim_done, ps);
}

static void listen_now(struct pg_store *ps);

/* The connection is back: heartbeat and reload at once, listen again;
 * claim no earlier than a node timeout from now (may_claim). */
static void state_cb(void *arg, bool up)
{
	struct pg_store *ps = arg;
	if (up) {
		ps->claim_from = mono() + ps->node.timeout_s;
		tick_cb(-1, 0, arg);
		listen_now(ps);
	}
}

/* ---- inboxes -------------------------------------------------------------- */

int brt__store_pg_inbox_put(struct brt_store *st, unsigned long id,
			    const char *operation, const void *msg, size_t len,
			    brt_store_pg_inbox_fn fn, void *arg)
{
	struct pg_store *ps = of(st);
	char sid[32];
	snprintf(sid, sizeof sid, "%lu", id);
	const char *v[] = { ps->process, sid, operation };
	struct brt_pg_batch *b = brt__pg_batch_new();
	struct commit *c = calloc(1, sizeof *c);
	if (!b || !c ||
	    brt__pg_batch_add(b, inbox_put_sql, 3, v, msg, len) < 0) {
		brt__pg_batch_free(b);
		free(c);
		return BRT_ENOMEM;
	}
	c->ps = ps;
	c->ifn = fn;
	c->iarg = arg;
	c->n = 1;
	return enqueue(ps, b, c);
}

bool brt__store_pg_inbox_pending(const struct brt_store *st)
{
	return ((const struct pg_store *)st)->ntakes > 0;
}

static int take_add(struct pg_store *ps, long long seq, unsigned long id)
{
	struct slot *s = find(&ps->own, id);
	if (!s)
		return BRT_ESTATE;
	if (ps->ntakes == ps->takes_cap) {
		int cap = ps->takes_cap ? 2 * ps->takes_cap : 16;
		struct take *t = realloc(ps->takes, (size_t)cap * sizeof *t);
		if (!t)
			return BRT_ENOMEM;
		ps->takes = t;
		ps->takes_cap = cap;
	}
	if (set(&ps->taken, (unsigned long)seq, 0) != 0)
		return BRT_ENOMEM;
	ps->takes[ps->ntakes++] = (struct take){ seq, id, s->epoch };
	return 0;
}

struct fetch {
	struct pg_store *ps;
	bool all; /* every inbox of this node (else one instance's) */
	void (*fn)(void *arg);
	void *arg;
	struct fetch *prev, *next; /* in flight (freed by pg_close) */
};

static bool in_list(const unsigned long *v, int n, unsigned long id)
{
	for (int i = 0; i < n; i++)
		if (v[i] == id)
			return true;
	return false;
}

/* Rows of inboxes, oldest first: each one not delivered yet goes to the
 * engine, unless an earlier one of its instance could not (then it waits
 * behind that one). */
static int deliver_rows(struct pg_store *ps, const PGresult *r)
{
	int n = r && PQresultStatus(r) == PGRES_TUPLES_OK ? PQntuples(r) : 0;
	unsigned long blocked[32];
	int nblocked = 0;
	for (int k = 0; k < n; k++) {
		long long seq = strtoll(PQgetvalue(r, k, 0), NULL, 10);
		unsigned long id = strtoul(PQgetvalue(r, k, 1), NULL, 10);
		if (seq <= 0 || find(&ps->taken, (unsigned long)seq) ||
		    in_list(blocked, nblocked, id))
			continue;
		if (nblocked == 32)
			break; /* the rest: at the next fetch */
		if (!find(&ps->own, id)) {
			/* dropped here meanwhile: for whoever holds it */
			blocked[nblocked++] = id;
			continue;
		}
		size_t len = 0;
		unsigned char *msg = PQunescapeBytea(
			(const unsigned char *)PQgetvalue(r, k, 3), &len);
		int err = !msg ? BRT_ENOMEM
			  : !ps->hooks.inbox
				  ? BRT_ELIMIT
				  : ps->hooks.inbox(ps->hooks.arg, id,
						    PQgetvalue(r, k, 2), msg,
						    len);
		if (msg)
			PQfreemem(msg);
		if (err == BRT_ELIMIT || err == BRT_ENOMEM ||
		    take_add(ps, seq, id) != 0)
			blocked[nblocked++] = id;
		else
			ps->ninbox_taken++;
	}
	return n;
}

static void fetch_all(struct pg_store *ps);

static void fetch_done(void *arg, struct brt_pg_batch *b,
		       enum brt_pg_outcome out)
{
	struct fetch *f = arg;
	struct pg_store *ps = f->ps;
	int n = out == BRT_PG_OK ? deliver_rows(ps, brt__pg_batch_result(b, 0))
				 : 0;
	if (f->all) {
		ps->fetching = false;
		/* More than one fetch's worth, or woken meanwhile: again. */
		if (ps->fetch_again || n >= FETCH_LIMIT) {
			ps->fetch_again = false;
			fetch_all(ps);
		}
	}
	if (f->prev)
		f->prev->next = f->next;
	else
		ps->fetches = f->next;
	if (f->next)
		f->next->prev = f->prev;
	if (f->fn)
		f->fn(f->arg);
	free(f);
}

static int fetch(struct pg_store *ps, unsigned long id, void (*fn)(void *),
		 void *arg)
{
	char sid[32];
	snprintf(sid, sizeof sid, "%lu", id);
	const char *v[] = { ps->process, ps->node_id, sid };
	struct fetch *f = calloc(1, sizeof *f);
	struct brt_pg_batch *b = brt__pg_batch_new();
	if (!f || !b ||
	    brt__pg_batch_add(b, inbox_fetch_sql, 3, v, NULL, 0) < 0) {
		free(f);
		brt__pg_batch_free(b);
		return BRT_ENOMEM;
	}
	f->ps = ps;
	f->all = id == 0;
	f->fn = fn;
	f->arg = arg;
	f->next = ps->fetches;
	if (f->next)
		f->next->prev = f;
	ps->fetches = f;
	brt__pg_submit(ps->pg, b, fetch_done, f);
	return 0;
}

/* Every inbox of this node's instances: one fetch at a time; asked again
 * meanwhile, once more after it. */
static void fetch_all(struct pg_store *ps)
{
	if (!ps->hooks.inbox || !ps->pg)
		return;
	if (ps->fetching) {
		ps->fetch_again = true;
		return;
	}
	if (fetch(ps, 0, NULL, NULL) == 0)
		ps->fetching = true;
}

int brt__store_pg_inbox_drain(struct brt_store *st, unsigned long id,
			      void (*fn)(void *arg), void *arg)
{
	return fetch(of(st), id, fn, arg);
}

/* A NOTIFY on this node's channel: a message waits (a hint only). */
static void notify_cb(void *arg, const char *channel, const char *payload)
{
	(void)channel;
	(void)payload;
	fetch_all(arg);
}

static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct pg_store *ps = arg;
	if (brt__pg_is_up(ps->pg))
		fetch_all(ps);
}

/* A new connection listens on this node's channel (LISTEN lasts as long
 * as the connection) and looks at once for what came meanwhile. */
static void listen_now(struct pg_store *ps)
{
	if (ps->listen && ps->channel) {
		char sql[128];
		snprintf(sql, sizeof sql, "LISTEN \"%s\"", ps->channel);
		struct brt_pg_batch *b = brt__pg_batch_new();
		if (b && brt__pg_batch_add(b, sql, 0, NULL, NULL, 0) >= 0)
			brt__pg_submit(ps->pg, b, NULL, NULL);
		else
			brt__pg_batch_free(b);
	}
	fetch_all(ps);
}

/* ---- where a message belongs --------------------------------------------- */

struct where {
	struct pg_store *ps;
	brt_store_pg_where_fn fn;
	void *arg;
};

static void where_done(void *arg, struct brt_pg_batch *b,
		       enum brt_pg_outcome out)
{
	struct where *w = arg;
	struct pg_store *ps = w->ps;
	const PGresult *r = brt__pg_batch_result(b, 0);
	struct brt_store_pg_where res = { BRT_WHERE_ERROR, 0, NULL };
	if (out == BRT_PG_OK && r && PQresultStatus(r) == PGRES_TUPLES_OK) {
		if (PQntuples(r) == 0) {
			res.status = BRT_WHERE_NONE;
		} else {
			res.id = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
			const char *owner = PQgetvalue(r, 0, 1);
			bool alive = strcmp(PQgetvalue(r, 0, 3), "t") == 0;
			if (!PQgetisnull(r, 0, 4)) {
				/* claimed here just now: restore it */
				struct brt_pg_claimed c = { 0 };
				c.id = res.id;
				c.epoch =
					strtoll(PQgetvalue(r, 0, 4), NULL, 10);
				c.data = PQunescapeBytea(
					(const unsigned char *)PQgetvalue(r, 0,
									  5),
					&c.len);
				res.status =
					c.data && !set(&ps->own, c.id, c.epoch)
						? BRT_WHERE_HERE
						: BRT_WHERE_ERROR;
				if (res.status == BRT_WHERE_HERE) {
					struct brt_store_rec rec = { c.id,
								     c.data,
								     c.len };
					brt__log(ps->rt,
						 "store: instance %lu taken "
						 "over for a message (epoch "
						 "%lld)",
						 c.id, c.epoch);
					if (!ps->hooks.claimed ||
					    ps->hooks.claimed(ps->hooks.arg,
							      &rec))
						res.status = BRT_WHERE_ERROR;
				}
				brt__pg_own_row_free(&c);
			} else if (strcmp(owner, ps->node_id) == 0) {
				res.status = BRT_WHERE_HERE;
			} else if (alive && !PQgetisnull(r, 0, 2) &&
				   *PQgetvalue(r, 0, 2)) {
				res.status = BRT_WHERE_THERE;
				res.advertise = PQgetvalue(r, 0, 2);
			} else {
				/* another claimer was first, or the owner
				 * says nowhere how to reach it */
				res.status = BRT_WHERE_RETRY;
			}
		}
	}
	w->fn(w->arg, &res);
	free(w);
}

/* A text[] literal of n strings, each quoted ("a\"b"). */
static char *text_array(int n, const char *const *v)
{
	size_t cap = 3;
	for (int i = 0; i < n; i++)
		cap += 2 * strlen(v[i]) + 3;
	char *out = malloc(cap), *p = out;
	if (!out)
		return NULL;
	*p++ = '{';
	for (int i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		for (const char *c = v[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				*p++ = '\\';
			*p++ = *c;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return out;
}

int brt__store_pg_where(struct brt_store *st, int n, const char *const *csets,
			const char *const *keys, brt_store_pg_where_fn fn,
			void *arg)
{
	struct pg_store *ps = of(st);
	char *sets = text_array(n, csets), *ks = text_array(n, keys);
	struct where *w = calloc(1, sizeof *w);
	struct brt_pg_batch *b = brt__pg_batch_new();
	char format[16], secs[32];
	snprintf(format, sizeof format, "%d", ps->node.format);
	snprintf(secs, sizeof secs, "%d", ps->node.timeout_s);
	const char *v[] = {
		ps->process, sets,   ks,   ps->node_id,
		ps->build,   format, secs, may_claim(ps) ? "t" : "f"
	};
	if (!sets || !ks || !w || !b ||
	    brt__pg_batch_add(b, where_sql, 8, v, NULL, 0) < 0) {
		free(sets);
		free(ks);
		free(w);
		brt__pg_batch_free(b);
		return BRT_ENOMEM;
	}
	free(sets);
	free(ks);
	w->ps = ps;
	w->fn = fn;
	w->arg = arg;
	brt__pg_submit(ps->pg, b, where_done, w);
	return 0;
}

int brt__store_pg_start(struct brt_store *st,
			const struct brt_store_pg_hooks *hooks)
{
	struct pg_store *ps = of(st);
	if (ps->tick)
		return BRT_ESTATE;
	if (hooks)
		ps->hooks = *hooks;
	if (ps->boot) {
		PQfinish(ps->boot);
		ps->boot = NULL;
	}
	int ms = ps->node.timeout_s * 1000 / 3;
	if (ms < 200)
		ms = 200;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	ps->tick = event_new(ps->rt->base, -1, EV_PERSIST, tick_cb, ps);
	if (!ps->tick || event_add(ps->tick, &tv))
		return BRT_ENOMEM;
	/* Inboxes: LISTEN (unless a test wants only polling to work), and
	 * poll every BRT_PG_INBOX_POLL_MS so a lost notification only
	 * delays. */
	const char *nl = getenv("BRT_TEST_NO_LISTEN");
	ps->listen = !(nl && *nl && strcmp(nl, "0") != 0);
	struct timeval ptv = { BRT_PG_INBOX_POLL_MS / 1000,
			       (BRT_PG_INBOX_POLL_MS % 1000) * 1000 };
	ps->poll = event_new(ps->rt->base, -1, EV_PERSIST, poll_cb, ps);
	if (!ps->poll || event_add(ps->poll, &ptv))
		return BRT_ENOMEM;
	brt__pg_on_notify(ps->pg, notify_cb, ps);
	brt__pg_on_state(ps->pg, state_cb, ps);
	if (brt__pg_is_up(ps->pg))
		listen_now(ps);
	return 0;
}

const char *brt__store_pg_node_id(const struct brt_store *st)
{
	return ((const struct pg_store *)st)->node_id;
}

static void group_free(struct group *g)
{
	if (!g)
		return;
	for (struct commit *c = g->first, *next; c; c = next) {
		next = c->next;
		commit_free(c);
	}
	brt__pg_batch_free(g->b);
	free(g);
}

static void pg_close(struct brt_store *st)
{
	struct pg_store *ps = of(st);
	if (ps->tick)
		event_free(ps->tick);
	if (ps->poll)
		event_free(ps->poll);
	if (ps->ngroups)
		brt__log(ps->rt, "store: %lu commits in %lu transactions",
			 ps->ncommits, ps->ngroups);
	if (ps->ninbox_kept || ps->ninbox_taken)
		brt__log(ps->rt,
			 "store: inboxes: %lu messages kept for other nodes, "
			 "%lu taken from this node's",
			 ps->ninbox_kept, ps->ninbox_taken);
	/* Abandoned: their callbacks do not run (store.h); the connection
	 * drops the batch in flight without calling back either. */
	group_free(ps->waiting);
	group_free(ps->inflight);
	brt__pg_free(ps->pg);
	if (ps->boot)
		PQfinish(ps->boot);
	brt__pg_batch_free(ps->cur);
	free(ps->cur_ids);
	free(ps->cur_kind);
	free(ps->reload);
	free(ps->own.s);
	free(ps->takes);
	free(ps->taken.s);
	free(ps->channel);
	/* fetches still in flight: the connection dropped them uncalled */
	for (struct fetch *f = ps->fetches, *next; f; f = next) {
		next = f->next;
		free(f);
	}
	free(ps->process);
	free(ps->build);
	free(ps->node_id);
	free(ps->advertise);
	free(ps);
}

static const struct brt_store_ops pg_ops = {
	.name = "postgresql",
	.meta_get = pg_meta_get,
	.recover = pg_recover,
	.begin = pg_begin,
	.put = pg_put,
	.del = pg_del,
	.meta_put = pg_meta_put,
	.commit = pg_commit,
	.mark_corrupt = pg_mark_corrupt,
	.last_commit_seconds = pg_last_commit,
	.close = pg_close,
};

int brt__store_pg_open(brt_runtime *rt, const struct brt_store_pg_options *o,
		       const struct brt_store_config *c, struct brt_store **out,
		       char *why, size_t len)
{
	*out = NULL;
	if (brt__pq_load(why, len) != 0)
		return BRT_EIO; /* why says what is missing */
	struct pg_store *ps = calloc(1, sizeof *ps);
	if (!ps)
		return BRT_ENOMEM;
	ps->base.ops = &pg_ops;
	ps->rt = rt;
	char host[256] = "node";
	if (!o->node_id) {
		if (gethostname(host, sizeof host - 1) != 0)
			snprintf(host, sizeof host, "node");
		host[sizeof host - 1] = '\0';
		size_t hl = strlen(host);
		snprintf(host + hl, sizeof host - hl, "-%ld", (long)getpid());
	}
	ps->process = strdup(c->process);
	ps->build = strdup(c->build);
	ps->node_id = strdup(o->node_id ? o->node_id : host);
	ps->advertise = o->advertise ? strdup(o->advertise) : NULL;
	if (!ps->process || !ps->build || !ps->node_id ||
	    (o->advertise && !ps->advertise)) {
		pg_close(&ps->base);
		return BRT_ENOMEM;
	}
	ps->node = (struct brt_pg_node){ ps->process,	ps->build,
					 c->format,	ps->node_id,
					 ps->advertise, o->node_timeout_s };
	int err = 0;
	ps->boot = PQconnectdb(o->uri);
	if (!ps->boot || PQstatus(ps->boot) != CONNECTION_OK) {
		err = why_pg(why, len, "cannot connect to PostgreSQL",
			     ps->boot);
		goto fail;
	}
	PQsetNoticeProcessor(ps->boot, quiet, NULL);
	int version;
	err = brt__pg_schema_ensure(ps->boot, &version, why, len);
	if (!err) {
		struct brt_pg_batch *b = brt__pg_batch_new();
		err = !b ? BRT_ENOMEM
		      : brt__pg_own_heartbeat_add(b, &ps->node) < 0
			      ? BRT_ENOMEM
			      : brt__pg_exec(ps->boot, b, why, len);
		brt__pg_batch_free(b);
		ps->beat = mono();
	}
	if (!err)
		err = brt__pg_own_id_block(ps->boot, &ps->id_first, why, len);
	if (err)
		goto fail;
	/* This node's NOTIFY channel: a name of any node id's length */
	const char *cv[] = { ps->node_id };
	PGresult *cr = PQexecParams(ps->boot, "SELECT 'bpelc_' || md5($1)", 1,
				    NULL, cv, NULL, NULL, 0);
	if (PQresultStatus(cr) == PGRES_TUPLES_OK && PQntuples(cr) == 1)
		ps->channel = strdup(PQgetvalue(cr, 0, 0));
	PQclear(cr);
	if (!ps->channel) {
		err = why_pg(why, len, "cannot name the node's channel",
			     ps->boot);
		goto fail;
	}
	ps->pg = brt__pg_new(rt, o->uri);
	if (!ps->pg) {
		err = BRT_ENOMEM;
		goto fail;
	}
	/* A batch waits for a lost connection up to a node timeout; after
	 * that its instances are dropped and reloaded (one_done). */
	brt__pg_set_queue_timeout(ps->pg, o->node_timeout_s * 1000);
	brt__log(rt, "store: PostgreSQL, node %s, schema version %d",
		 ps->node_id, version);
	*out = &ps->base;
	return 0;
fail:
	pg_close(&ps->base);
	return err;
}

bool brt__store_is_pg(const char *spec)
{
	return spec && (strncmp(spec, "postgresql://", 13) == 0 ||
			strncmp(spec, "postgres://", 11) == 0);
}
