/*
 * test_pg_store.c — the instance store on PostgreSQL (store.h's
 * interface), against a real server (pg_kit.h): a batch commits through
 * the loop and its callback runs after the server confirmed it; a node
 * restarted under its id recovers its instances, byte for byte; another
 * build's records are counted and left alone; a node that stopped
 * heartbeating has its instances taken over by another, whose new epoch
 * fences the old owner out (its write changes nothing and it is told the
 * instance is lost); a commit whose outcome is unknown drops its instances
 * and reloads them from the database; of two new instances that take one
 * correlation value, the second to commit loses the race: its record and
 * values go in its own transaction and it is reported raced, while an
 * instance already committed keeps its record whatever its values; a
 * commit the server refused drops its instances and reads them back at
 * once.
 */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "internal.h"
#include "pg_kit.h"
#include "store/pg.h"
#include "store/store.h"

struct hooks_seen {
	/* inbox: messages delivered (in order), and what the hook answers */
	int ninbox;
	char inbox[8][32];
	int inbox_answer;
	bool inbox_two; /* two delivered */
	int nlost, nclaimed, nraced, nmaybe;
	unsigned long lost[8], claimed[8], raced[8];
	char claimed_data[8][32];
};

static void lost_cb(void *arg, unsigned long id, bool maybe)
{
	struct hooks_seen *h = arg;
	if (h->nlost < 8)
		h->lost[h->nlost] = id;
	h->nlost++;
	h->nmaybe += maybe;
}

static int inbox_cb(void *arg, unsigned long id, const char *operation,
		    const void *msg, size_t len)
{
	struct hooks_seen *h = arg;
	(void)id;
	if (h->inbox_answer)
		return h->inbox_answer;
	if (h->ninbox < 8)
		snprintf(h->inbox[h->ninbox], 32, "%s=%.*s", operation,
			 (int)len, (const char *)msg);
	h->ninbox++;
	h->inbox_two = h->ninbox >= 2;
	return 0;
}

static void raced_cb(void *arg, unsigned long id)
{
	struct hooks_seen *h = arg;
	if (h->nraced < 8)
		h->raced[h->nraced] = id;
	h->nraced++;
}

static int claimed_cb(void *arg, const struct brt_store_rec *rec)
{
	struct hooks_seen *h = arg;
	if (h->nclaimed < 8) {
		h->claimed[h->nclaimed] = rec->id;
		snprintf(h->claimed_data[h->nclaimed], 32, "%.*s",
			 (int)rec->len, (const char *)rec->data);
	}
	h->nclaimed++;
	return 0;
}

struct commit_seen {
	bool done;
	int err;
};

static void done_cb(void *arg, int err)
{
	struct commit_seen *c = arg;
	c->done = true;
	c->err = err;
}

struct recovered {
	int n;
	unsigned long ids[8];
	char data[8][32];
};

static int rec_cb(void *arg, const struct brt_store_rec *rec)
{
	struct recovered *r = arg;
	if (r->n < 8) {
		r->ids[r->n] = rec->id;
		snprintf(r->data[r->n], 32, "%.*s", (int)rec->len,
			 (const char *)rec->data);
	}
	r->n++;
	return 0;
}

static brt_runtime *rt_new(void)
{
	brt_runtime *rt = calloc(1, sizeof *rt);
	ck_assert_ptr_nonnull(rt);
	rt->base = event_base_new();
	return rt;
}

static void rt_free(brt_runtime *rt)
{
	event_base_free(rt->base);
	free(rt);
}

static void reset(void)
{
	pg_kit_exec("SET client_min_messages = warning;"
		    "DROP TABLE IF EXISTS bpelc_schema, bpelc_node,"
		    " bpelc_instance, bpelc_correlation, bpelc_inbox,"
		    " bpelc_engine CASCADE;"
		    "DROP SEQUENCE IF EXISTS bpelc_id_block;"
		    "DROP FUNCTION IF EXISTS bpelc_put, bpelc_del");
}

static struct brt_store *open_node(brt_runtime *rt, const char *node,
				   const char *build, struct recovered *rec,
				   struct hooks_seen *h)
{
	char adv[64];
	snprintf(adv, sizeof adv, "http://%s/", node);
	struct brt_store_pg_options o = { pg_kit_uri, node, adv, 1 };
	struct brt_store_config c = { .process = "proc",
				      .build = build,
				      .format = 1 };
	struct brt_store *st = NULL;
	char why[256] = "";
	int err = brt__store_pg_open(rt, &o, &c, &st, why, sizeof why);
	ck_assert_msg(err == 0, "open: %s", why);
	struct brt_store_counts counts;
	struct recovered dummy = { 0 };
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, rec_cb,
					  rec ? rec : &dummy, &counts),
			 0);
	struct brt_store_pg_hooks hk = { lost_cb, claimed_cb, h, raced_cb,
					 inbox_cb };
	ck_assert_int_eq(brt__store_pg_start(st, h ? &hk : NULL), 0);
	return st;
}

static int commit_put(brt_runtime *rt, struct brt_store *st, unsigned long id,
		      const char *data)
{
	struct commit_seen c = { 0 };
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->put(st, id, data, strlen(data)), 0);
	ck_assert_int_eq(st->ops->commit(st, done_cb, &c), 0);
	ck_assert(pg_kit_wait(rt->base, &c.done, 20));
	return c.err;
}

START_TEST(pg_store_commit_and_recover)
{
	reset();
	brt_runtime *rt = rt_new();
	struct brt_store *st = open_node(rt, "A", "b1", NULL, NULL);
	struct brt_store_meta m;
	ck_assert_int_eq(st->ops->meta_get(st, &m), 0);
	ck_assert_uint_eq(m.next_id, 1UL << 32);
	unsigned long id1 = m.next_id, id2 = m.next_id + 1;
	struct commit_seen c = { 0 };
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->put(st, id1, "one", 3), 0);
	ck_assert_int_eq(st->ops->put(st, id2, "two\0x", 5), 0);
	m.next_id += 2;
	ck_assert_int_eq(st->ops->meta_put(st, &m), 0);
	ck_assert_int_eq(st->ops->commit(st, done_cb, &c), 0);
	ck_assert(!c.done); /* asynchronous: after the server confirmed */
	ck_assert(pg_kit_wait(rt->base, &c.done, 20));
	ck_assert_int_eq(c.err, 0);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"
				     " WHERE owner = 'A' AND epoch = 1"),
			 2);
	ck_assert_int_eq(commit_put(rt, st, id1, "one'"), 0);
	/* completing deletes */
	c.done = false;
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->del(st, id2), 0);
	ck_assert_int_eq(st->ops->commit(st, done_cb, &c), 0);
	ck_assert(pg_kit_wait(rt->base, &c.done, 20));
	ck_assert_int_eq(c.err, 0);
	st->ops->close(st);

	/* another build's record is counted, never handed out */
	pg_kit_exec("INSERT INTO bpelc_instance (process, id, build, format,"
		    " owner, data) VALUES ('proc', 7, 'b0', 1, 'A', 'old')");
	struct recovered r = { 0 };
	struct brt_store_pg_options o = { pg_kit_uri, "A", NULL, 1 };
	struct brt_store_config cfg = { .process = "proc",
					.build = "b1",
					.format = 1 };
	char why[256];
	ck_assert_int_eq(brt__store_pg_open(rt, &o, &cfg, &st, why, sizeof why),
			 0);
	struct brt_store_counts counts;
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, rec_cb, &r, &counts), 0);
	ck_assert_int_eq(r.n, 1);
	ck_assert_uint_eq(r.ids[0], id1);
	ck_assert_str_eq(r.data[0], "one'");
	ck_assert_int_eq(counts.ours, 1);
	ck_assert_int_eq(counts.other_build, 1);
	ck_assert_int_eq(st->ops->meta_get(st, &m), 0);
	ck_assert_uint_eq(m.next_id, 2UL << 32); /* a new block */
	st->ops->close(st);
	ck_assert_int_eq(pg_kit_long("SELECT epoch FROM bpelc_instance"
				     " WHERE id = 7"),
			 1);
	rt_free(rt);
}
END_TEST

START_TEST(pg_store_takeover_fences_old_owner)
{
	reset();
	brt_runtime *rt = rt_new();
	struct hooks_seen ha = { 0 }, hb = { 0 };
	struct brt_store *a = open_node(rt, "A", "b1", NULL, &ha);
	struct brt_store *b = open_node(rt, "B", "b1", NULL, &hb);
	struct brt_store_meta m;
	a->ops->meta_get(a, &m);
	unsigned long id = m.next_id;
	ck_assert_int_eq(commit_put(rt, a, id, "state-1"), 0);
	while (pg_kit_long("SELECT (pg_postmaster_start_time()"
			   " < now() - interval '2 seconds')::int") == 0)
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	/* A goes silent (its heartbeat is made old again and again, as if
	 * it could not reach the database), B's next tick takes over */
	pg_kit_exec("UPDATE bpelc_node SET heartbeat = now() - interval '1 h'"
		    " WHERE node_id = 'A'");
	double t0 = pg_kit_now();
	bool got = false;
	while (!got && pg_kit_now() - t0 < 10) {
		struct timeval tv = { 0, 50 * 1000 };
		event_base_loopexit(rt->base, &tv);
		event_base_loop(rt->base, EVLOOP_ONCE);
		got = hb.nclaimed > 0 ||
		      pg_kit_long("SELECT count(*) FROM bpelc_instance"
				  " WHERE owner = 'B'") > 0;
		/* A's ticks heartbeat again: keep it dead */
		pg_kit_exec("UPDATE bpelc_node SET heartbeat = now() -"
			    " interval '1 h' WHERE node_id = 'A'");
	}
	ck_assert(pg_kit_wait(rt->base, &(bool){ true }, 0.1));
	for (int i = 0; i < 20 && hb.nclaimed == 0; i++)
		pg_kit_wait(rt->base, &(bool){ false }, 0.05);
	ck_assert_int_eq(hb.nclaimed, 1);
	ck_assert_uint_eq(hb.claimed[0], id);
	ck_assert_str_eq(hb.claimed_data[0], "state-1");
	/* A's next write is fenced out: nothing changes, A is told */
	ck_assert_int_eq(commit_put(rt, a, id, "stale"), 0);
	ck_assert_int_eq(ha.nlost, 1);
	ck_assert_uint_eq(ha.lost[0], id);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"
				     " WHERE data = 'state-1' AND owner = 'B'"
				     " AND epoch = 2"),
			 1);
	ck_assert_int_eq(commit_put(rt, b, id, "state-2"), 0);
	ck_assert_int_eq(hb.nlost, 0);
	a->ops->close(a);
	b->ops->close(b);
	rt_free(rt);
}
END_TEST

START_TEST(pg_store_lost_is_reported)
{
	reset();
	brt_runtime *rt = rt_new();
	struct hooks_seen ha = { 0 };
	struct brt_store *a = open_node(rt, "A", "b1", NULL, &ha);
	struct brt_store_meta m;
	a->ops->meta_get(a, &m);
	unsigned long id = m.next_id;
	ck_assert_int_eq(commit_put(rt, a, id, "s1"), 0);
	pg_kit_exec("UPDATE bpelc_instance SET owner = 'Z', epoch = 9");
	ck_assert_int_eq(commit_put(rt, a, id, "s2"), 0);
	ck_assert_int_eq(ha.nlost, 1);
	ck_assert_uint_eq(ha.lost[0], id);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"
				     " WHERE data = 's1'"),
			 1);
	a->ops->close(a);

	/* without a lost hook the engine cannot drop one instance: the
	 * batch is reported failed (it releases nothing and stops) */
	struct brt_store *b = open_node(rt, "B", "b1", NULL, NULL);
	b->ops->meta_get(b, &m);
	ck_assert_int_eq(commit_put(rt, b, m.next_id, "b1"), 0);
	pg_kit_exec("UPDATE bpelc_instance SET owner = 'Z' WHERE owner = 'B'");
	ck_assert_int_eq(commit_put(rt, b, m.next_id, "b2"), BRT_ESTATE);
	b->ops->close(b);
	rt_free(rt);
}
END_TEST

START_TEST(pg_store_unknown_outcome_reloads)
{
	reset();
	brt_runtime *rt = rt_new();
	struct hooks_seen ha = { 0 };
	struct brt_store *a = open_node(rt, "A", "b1", NULL, &ha);
	struct brt_store_meta m;
	a->ops->meta_get(a, &m);
	unsigned long id = m.next_id;
	ck_assert_int_eq(commit_put(rt, a, id, "s1"), 0);
	/* the next commit goes out, then the connection goes */
	struct commit_seen c = { 0 };
	ck_assert_int_eq(a->ops->begin(a), 0);
	ck_assert_int_eq(a->ops->put(a, id, "s2", 2), 0);
	ck_assert_int_eq(a->ops->commit(a, done_cb, &c), 0);
	for (int i = 0; i < 3; i++)
		event_base_loop(rt->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	pg_kit_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		    " WHERE pid <> pg_backend_pid() AND datname IS NOT NULL");
	ck_assert(pg_kit_wait(rt->base, &c.done, 20));
	ck_assert_int_eq(c.err, 0);
	if (ha.nlost) {
		/* the outcome was unknown: dropped, then read back */
		ck_assert_uint_eq(ha.lost[0], id);
		for (int i = 0; i < 200 && ha.nclaimed == 0; i++)
			pg_kit_wait(rt->base, &(bool){ false }, 0.05);
		ck_assert_int_eq(ha.nclaimed, 1);
		ck_assert_uint_eq(ha.claimed[0], id);
		ck_assert(strcmp(ha.claimed_data[0], "s1") == 0 ||
			  strcmp(ha.claimed_data[0], "s2") == 0);
	}
	a->ops->close(a);
	rt_free(rt);
}
END_TEST

/* One batch: the put of instance id and its correlation value. */
static void put_with_key(struct brt_store *st, unsigned long id,
			 const char *data, const char *key,
			 struct commit_seen *c)
{
	ck_assert_int_eq(st->ops->begin(st), 0);
	ck_assert_int_eq(st->ops->put(st, id, data, strlen(data)), 0);
	ck_assert_int_eq(brt__store_pg_corr(st, id, "byId", key), 0);
	ck_assert_int_eq(st->ops->commit(st, done_cb, c), 0);
}

START_TEST(pg_store_race_for_a_key)
{
	reset();
	brt_runtime *rt = rt_new();
	struct hooks_seen ha = { 0 }, hb = { 0 };
	struct brt_store *a = open_node(rt, "A", "b1", NULL, &ha);
	struct brt_store *b = open_node(rt, "B", "b1", NULL, &hb);
	struct brt_store_meta ma, mb;
	a->ops->meta_get(a, &ma);
	b->ops->meta_get(b, &mb);
	/* both made an instance for key k1; A commits first */
	struct commit_seen ca = { 0 }, cb = { 0 };
	put_with_key(a, ma.next_id, "a1", "k1", &ca);
	ck_assert(pg_kit_wait(rt->base, &ca.done, 20));
	put_with_key(b, mb.next_id, "b1", "k1", &cb);
	ck_assert(pg_kit_wait(rt->base, &cb.done, 20));
	ck_assert_int_eq(ca.err, 0);
	ck_assert_int_eq(cb.err, 0);
	ck_assert_int_eq(ha.nraced + ha.nlost, 0);
	ck_assert_int_eq(hb.nraced, 1);
	ck_assert_uint_eq(hb.raced[0], mb.next_id);
	ck_assert_int_eq(hb.nlost, 0);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"), 1);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_correlation"
				     " WHERE instance = (SELECT min(id) FROM"
				     " bpelc_instance WHERE owner = 'A')"),
			 1);
	/* the winner, committed, writes again: no race, its key stays */
	cb.done = false;
	put_with_key(a, ma.next_id, "a2", "k1", &cb);
	ck_assert(pg_kit_wait(rt->base, &cb.done, 20));
	ck_assert_int_eq(ha.nraced + ha.nlost, 0);
	/* an instance already committed that takes a value another holds
	 * keeps its record (only a new one can lose a race) */
	ck_assert_int_eq(commit_put(rt, b, mb.next_id + 1, "b2"), 0);
	cb.done = false;
	put_with_key(b, mb.next_id + 1, "b2'", "k1", &cb);
	ck_assert(pg_kit_wait(rt->base, &cb.done, 20));
	ck_assert_int_eq(hb.nraced, 1);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"), 2);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_correlation"),
			 1);
	a->ops->close(a);
	b->ops->close(b);
	rt_free(rt);
}
END_TEST

START_TEST(pg_store_refused_commit_reloads)
{
	reset();
	brt_runtime *rt = rt_new();
	struct hooks_seen ha = { 0 };
	struct brt_store *a = open_node(rt, "A", "b1", NULL, &ha);
	struct brt_store_meta m;
	a->ops->meta_get(a, &m);
	unsigned long id = m.next_id;
	ck_assert_int_eq(commit_put(rt, a, id, "s1"), 0);
	/* the server refuses the next write (a statement fails): the whole
	 * transaction is rolled back, nothing committed */
	pg_kit_exec("ALTER TABLE bpelc_instance ADD CONSTRAINT t_refuse"
		    " CHECK (data <> 'refused')");
	ck_assert_int_eq(commit_put(rt, a, id, "refused"), 0);
	ck_assert_int_eq(ha.nlost, 1);
	ck_assert_uint_eq(ha.lost[0], id);
	ck_assert_int_eq(ha.nmaybe, 0); /* known: not committed */
	/* read back at once, the connection being up: the state before */
	for (int i = 0; i < 100 && ha.nclaimed == 0; i++)
		pg_kit_wait(rt->base, &(bool){ false }, 0.05);
	ck_assert_int_eq(ha.nclaimed, 1);
	ck_assert_uint_eq(ha.claimed[0], id);
	ck_assert_str_eq(ha.claimed_data[0], "s1");
	pg_kit_exec("ALTER TABLE bpelc_instance DROP CONSTRAINT t_refuse");
	ck_assert_int_eq(commit_put(rt, a, id, "s2"), 0);
	ck_assert_int_eq(ha.nlost, 1);
	a->ops->close(a);
	rt_free(rt);
}
END_TEST

struct where_seen {
	bool done;
	enum brt_where_status status;
	unsigned long id;
	char advertise[64];
};

static void where_cb(void *arg, const struct brt_store_pg_where *w)
{
	struct where_seen *ws = arg;
	ws->done = true;
	ws->status = w->status;
	ws->id = w->id;
	snprintf(ws->advertise, sizeof ws->advertise, "%s",
		 w->advertise ? w->advertise : "");
}

static struct where_seen where(brt_runtime *rt, struct brt_store *st,
			       const char *set, const char *key)
{
	struct where_seen ws = { 0 };
	const char *sets[] = { "other", set }, *keys[] = { "x\"y", key };
	ck_assert_int_eq(brt__store_pg_where(st, 2, sets, keys, where_cb, &ws),
			 0);
	ck_assert(pg_kit_wait(rt->base, &ws.done, 20));
	return ws;
}

START_TEST(pg_store_where_a_message_goes)
{
	reset();
	brt_runtime *rt = rt_new();
	struct hooks_seen ha = { 0 }, hb = { 0 };
	struct brt_store *a = open_node(rt, "A", "b1", NULL, &ha);
	struct brt_store *b = open_node(rt, "B", "b1", NULL, &hb);
	struct brt_store_meta m;
	a->ops->meta_get(a, &m);
	unsigned long id = m.next_id;
	struct commit_seen c = { 0 };
	ck_assert_int_eq(a->ops->begin(a), 0);
	ck_assert_int_eq(a->ops->put(a, id, "s1", 2), 0);
	ck_assert_int_eq(brt__store_pg_corr(a, id, "byId", "42"), 0);
	ck_assert_int_eq(a->ops->commit(a, done_cb, &c), 0);
	ck_assert(pg_kit_wait(rt->base, &c.done, 20));
	ck_assert_int_eq(c.err, 0);

	struct where_seen w = where(rt, b, "byId", "43");
	ck_assert_int_eq(w.status, BRT_WHERE_NONE);
	w = where(rt, b, "byId", "42");
	ck_assert_int_eq(w.status, BRT_WHERE_THERE);
	ck_assert_uint_eq(w.id, id);
	ck_assert_str_eq(w.advertise, "http://A/");
	w = where(rt, a, "byId", "42");
	ck_assert_int_eq(w.status, BRT_WHERE_HERE);
	ck_assert_int_eq(ha.nclaimed, 0);

	/* A is dead: the message's node takes the instance over */
	while (pg_kit_long("SELECT (pg_postmaster_start_time()"
			   " < now() - interval '2 seconds')::int") == 0)
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	/* (A's own timer heartbeats meanwhile: age it until B's question
	 * comes first; and B claims nothing in its first node timeout after
	 * it connected) */
	for (int i = 0; i < 60; i++) {
		pg_kit_exec("UPDATE bpelc_node SET heartbeat = now() -"
			    " interval '1 h' WHERE node_id = 'A'");
		w = where(rt, b, "byId", "42");
		if (w.status == BRT_WHERE_HERE)
			break;
		pg_kit_wait(rt->base, &(bool){ false }, 0.1);
	}
	ck_assert_int_eq(w.status, BRT_WHERE_HERE);
	ck_assert_int_eq(hb.nclaimed, 1);
	ck_assert_str_eq(hb.claimed_data[0], "s1");
	ck_assert_int_eq(pg_kit_long("SELECT epoch FROM bpelc_instance"), 2);
	/* and A is fenced out */
	ck_assert_int_eq(commit_put(rt, a, id, "stale"), 0);
	ck_assert_int_eq(ha.nlost, 1);
	/* completing removes the correlation value */
	c.done = false;
	ck_assert_int_eq(b->ops->begin(b), 0);
	ck_assert_int_eq(b->ops->del(b, id), 0);
	ck_assert_int_eq(b->ops->commit(b, done_cb, &c), 0);
	ck_assert(pg_kit_wait(rt->base, &c.done, 20));
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_correlation"),
			 0);
	a->ops->close(a);
	b->ops->close(b);
	rt_free(rt);
}
END_TEST

static int count_cb(void *arg, const struct brt_store_rec *rec)
{
	unsigned long *last = arg;
	ck_assert_uint_gt(rec->id, last[0]); /* oldest first, each once */
	last[0] = rec->id;
	last[1]++;
	return 0;
}

START_TEST(pg_store_recover_many)
{
	reset();
	brt_runtime *rt = rt_new();
	struct brt_store *st = open_node(rt, "A", "b1", NULL, NULL);
	st->ops->close(st);
	/* more than one claim's worth, left by an earlier run of A */
	pg_kit_exec("INSERT INTO bpelc_instance (process, id, build, format,"
		    " owner, data) SELECT 'proc', g, 'b1', 1, 'A', 'r'"
		    " FROM generate_series(1, 1234) g");
	struct brt_store_pg_options o = { pg_kit_uri, "A", NULL, 1 };
	struct brt_store_config c = { .process = "proc",
				      .build = "b1",
				      .format = 1 };
	char why[256];
	ck_assert_int_eq(brt__store_pg_open(rt, &o, &c, &st, why, sizeof why),
			 0);
	struct brt_store_counts counts;
	unsigned long seen[2] = { 0, 0 };
	ck_assert_int_eq(st->ops->recover(st, INT_MAX, count_cb, seen, &counts),
			 0);
	ck_assert_uint_eq(seen[1], 1234);
	ck_assert_int_eq(counts.ours, 1234);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"
				     " WHERE epoch = 2"),
			 1234);
	st->ops->close(st);
	rt_free(rt);
}
END_TEST

/* Recovery in steps (the service's loop turns between them): a page of
 * claims per step, the total counted first, and a heartbeat once a third
 * of the node timeout has passed, so the other nodes do not take a node
 * that recovers for long for dead. */
START_TEST(pg_store_recover_in_steps)
{
	reset();
	brt_runtime *rt = rt_new();
	struct brt_store *st = open_node(rt, "A", "b1", NULL, NULL);
	st->ops->close(st);
	pg_kit_exec("INSERT INTO bpelc_instance (process, id, build, format,"
		    " owner, data) SELECT 'proc', g, 'b1', 1, 'A', 'r'"
		    " FROM generate_series(1, 1234) g");
	struct brt_store_pg_options o = { pg_kit_uri, "A", NULL, 1 };
	struct brt_store_config c = { .process = "proc",
				      .build = "b1",
				      .format = 1 };
	char why[256];
	ck_assert_int_eq(brt__store_pg_open(rt, &o, &c, &st, why, sizeof why),
			 0);
	const char *beat = "SELECT (extract(epoch FROM heartbeat) * 1000)"
			   "::bigint FROM bpelc_node WHERE node_id = 'A'";
	struct brt_store_counts counts;
	unsigned long seen[2] = { 0, 0 };
	ck_assert_int_eq(st->ops->recover(st, 1, count_cb, seen, &counts), 1);
	ck_assert_int_eq(counts.total, 1234);
	ck_assert_uint_eq(seen[1], 500); /* a whole page */
	long t0 = pg_kit_long(beat);
	struct timespec half = { 0, 500000000 };
	nanosleep(&half, NULL); /* past a third of the 1 s node timeout */
	ck_assert_int_eq(st->ops->recover(st, 1, count_cb, seen, &counts), 1);
	ck_assert_uint_eq(seen[1], 1000);
	ck_assert_int_gt(pg_kit_long(beat), t0);
	ck_assert_int_eq(st->ops->recover(st, 1, count_cb, seen, &counts), 0);
	ck_assert_uint_eq(seen[1], 1234);
	ck_assert_int_eq(counts.ours, 1234);
	ck_assert_int_eq(counts.total, 1234);
	st->ops->close(st);
	rt_free(rt);
}
END_TEST

struct ordered {
	int order[4];
	int n;
};

struct ordered_one {
	struct ordered *o;
	int k;
	int err;
};

static void ordered_cb(void *arg, int err)
{
	struct ordered_one *one = arg;
	one->err = err;
	one->o->order[one->o->n++] = one->k;
}

START_TEST(pg_store_group_commit)
{
	reset();
	brt_runtime *rt = rt_new();
	struct hooks_seen ha = { 0 };
	struct brt_store *a = open_node(rt, "A", "b1", NULL, &ha);
	struct brt_store_meta m;
	a->ops->meta_get(a, &m);
	unsigned long id = m.next_id;
	ck_assert_int_eq(commit_put(rt, a, id + 1, "other"), 0);
	pg_kit_exec("UPDATE bpelc_instance SET owner = 'Z'"); /* not A's */
	/* three commits in one go: the first is sent, the next two wait and
	 * go together; callbacks in order, the fenced-out write reported in
	 * the commit that made it */
	struct ordered o = { { 0 }, 0 };
	struct ordered_one one[3] = { { &o, 0, -99 },
				      { &o, 1, -99 },
				      { &o, 2, -99 } };
	const char *data[3] = { "v0", "v1", "v2" };
	for (int k = 0; k < 3; k++) {
		ck_assert_int_eq(a->ops->begin(a), 0);
		ck_assert_int_eq(a->ops->put(a, id, data[k], 2), 0);
		if (k == 1)
			ck_assert_int_eq(a->ops->put(a, id + 1, "x", 1), 0);
		ck_assert_int_eq(a->ops->commit(a, ordered_cb, &one[k]), 0);
	}
	for (int i = 0; i < 400 && o.n < 3; i++)
		pg_kit_wait(rt->base, &(bool){ false }, 0.05);
	ck_assert_int_eq(o.n, 3);
	ck_assert_int_eq(o.order[0], 0);
	ck_assert_int_eq(o.order[1], 1);
	ck_assert_int_eq(o.order[2], 2);
	ck_assert_int_eq(one[0].err, 0);
	ck_assert_int_eq(one[1].err, 0);
	ck_assert_int_eq(one[2].err, 0);
	ck_assert_int_eq(ha.nlost, 1);
	ck_assert_uint_eq(ha.lost[0], id + 1);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"
				     " WHERE data = 'v2' AND owner = 'A'"),
			 1);
	a->ops->close(a);
	rt_free(rt);
}
END_TEST

struct kept_seen {
	bool done;
	enum brt_inbox_status st;
};

static void kept_cb(void *arg, enum brt_inbox_status st)
{
	struct kept_seen *k = arg;
	k->done = true;
	k->st = st;
}

static enum brt_inbox_status keep(brt_runtime *rt, struct brt_store *st,
				  unsigned long id, const char *msg)
{
	struct kept_seen k = { 0 };
	ck_assert_int_eq(brt__store_pg_inbox_put(st, id, "client add", msg,
						 strlen(msg), kept_cb, &k),
			 0);
	ck_assert(!k.done); /* after the commit, from the loop */
	ck_assert(pg_kit_wait(rt->base, &k.done, 20));
	return k.st;
}

static void drained_cb(void *arg)
{
	*(bool *)arg = true;
}

/* One-way messages kept by node B for A's instance: A is woken, delivers
 * them in arrival order, once, and deletes them in the commit of its
 * next state, fenced like a put; B hears when the instance is gone. With
 * LISTEN off (BRT_TEST_NO_LISTEN), polling delivers them. */
START_TEST(pg_store_inbox)
{
	reset();
	brt_runtime *rt = rt_new();
	struct hooks_seen ha = { 0 }, hb = { 0 };
	struct brt_store *a = open_node(rt, "A", "b1", NULL, &ha);
	struct brt_store *b = open_node(rt, "B", "b1", NULL, &hb);
	struct brt_store_meta m;
	a->ops->meta_get(a, &m);
	unsigned long id = m.next_id;
	ck_assert_int_eq(commit_put(rt, a, id, "s1"), 0);
	ck_assert_int_eq(keep(rt, b, id + 99, "<gone/>"), BRT_INBOX_GONE);
	ck_assert_int_eq(keep(rt, b, id, "<m>1</m>"), BRT_INBOX_KEPT);
	ck_assert_int_eq(keep(rt, b, id, "<m>2</m>"), BRT_INBOX_KEPT);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_inbox"), 2);
	/* woken (NOTIFY): both, oldest first, each once */
	ck_assert(pg_kit_wait(rt->base, &ha.inbox_two, 5));
	ck_assert_str_eq(ha.inbox[0], "client add=<m>1</m>");
	ck_assert_str_eq(ha.inbox[1], "client add=<m>2</m>");
	ck_assert_int_eq(hb.ninbox, 0);
	bool drained = false;
	ck_assert_int_eq(brt__store_pg_inbox_drain(a, id, drained_cb, &drained),
			 0);
	ck_assert(pg_kit_wait(rt->base, &drained, 20));
	ck_assert_int_eq(ha.ninbox, 2); /* taken, not yet deleted: skipped */
	ck_assert(brt__store_pg_inbox_pending(a));
	/* the next commit deletes them with the state they made */
	ck_assert_int_eq(commit_put(rt, a, id, "s2"), 0);
	ck_assert(!brt__store_pg_inbox_pending(a));
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_inbox"), 0);

	/* a message A cannot take now stays, and so do those behind it */
	ha.inbox_answer = BRT_ELIMIT;
	ck_assert_int_eq(keep(rt, b, id, "<m>3</m>"), BRT_INBOX_KEPT);
	ck_assert_int_eq(keep(rt, b, id, "<m>4</m>"), BRT_INBOX_KEPT);
	drained = false;
	ck_assert_int_eq(brt__store_pg_inbox_drain(a, id, drained_cb, &drained),
			 0);
	ck_assert(pg_kit_wait(rt->base, &drained, 20));
	ck_assert_int_eq(ha.ninbox, 2);
	ck_assert(!brt__store_pg_inbox_pending(a));
	ha.inbox_answer = 0;
	drained = false;
	ck_assert_int_eq(brt__store_pg_inbox_drain(a, id, drained_cb, &drained),
			 0);
	ck_assert(pg_kit_wait(rt->base, &drained, 20));
	ck_assert_int_eq(ha.ninbox, 4);
	ck_assert_str_eq(ha.inbox[2], "client add=<m>3</m>");
	/* another node took the instance before A's commit: A's delete is
	 * fenced out with its write, the messages stay for the new owner */
	pg_kit_exec("UPDATE bpelc_instance SET owner = 'Z', epoch = 9");
	ck_assert_int_eq(commit_put(rt, a, id, "s3"), 0);
	ck_assert_int_eq(ha.nlost, 1);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_inbox"), 2);
	a->ops->close(a);
	b->ops->close(b);

	/* polling only: a node that does not LISTEN still gets them */
	pg_kit_exec("DELETE FROM bpelc_inbox; DELETE FROM bpelc_instance");
	setenv("BRT_TEST_NO_LISTEN", "1", 1);
	struct hooks_seen hc = { 0 };
	struct brt_store *c = open_node(rt, "C", "b1", NULL, &hc);
	unsetenv("BRT_TEST_NO_LISTEN");
	b = open_node(rt, "B", "b1", NULL, &hb);
	c->ops->meta_get(c, &m);
	ck_assert_int_eq(commit_put(rt, c, m.next_id, "c1"), 0);
	/* let C's first look at its inboxes (on connecting) pass */
	pg_kit_wait(rt->base, &(bool){ false }, 0.3);
	ck_assert_int_eq(keep(rt, b, m.next_id, "<m>5</m>"), BRT_INBOX_KEPT);
	ck_assert_int_eq(keep(rt, b, m.next_id, "<m>6</m>"), BRT_INBOX_KEPT);
	double t0 = pg_kit_now();
	ck_assert(pg_kit_wait(rt->base, &hc.inbox_two, 5));
	ck_assert_double_le(pg_kit_now() - t0,
			    BRT_PG_INBOX_POLL_MS / 1000.0 + 3.0);
	ck_assert_str_eq(hc.inbox[0], "client add=<m>5</m>");
	ck_assert_str_eq(hc.inbox[1], "client add=<m>6</m>");
	c->ops->close(c);
	b->ops->close(b);
	rt_free(rt);
}
END_TEST

Suite *pg_store_suite(void);
Suite *pg_store_suite(void)
{
	Suite *s = suite_create("pg_store");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, pg_kit_start, pg_kit_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pg_store_commit_and_recover);
	tcase_add_test(tc, pg_store_takeover_fences_old_owner);
	tcase_add_test(tc, pg_store_lost_is_reported);
	tcase_add_test(tc, pg_store_unknown_outcome_reloads);
	tcase_add_test(tc, pg_store_where_a_message_goes);
	tcase_add_test(tc, pg_store_race_for_a_key);
	tcase_add_test(tc, pg_store_refused_commit_reloads);
	tcase_add_test(tc, pg_store_recover_many);
	tcase_add_test(tc, pg_store_recover_in_steps);
	tcase_add_test(tc, pg_store_group_commit);
	tcase_add_test(tc, pg_store_inbox);
	suite_add_tcase(s, tc);
	return s;
}
