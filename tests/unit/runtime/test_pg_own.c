/*
 * test_pg_own.c — the PostgreSQL schema and instance ownership against a
 * real server (pg_kit.h): the schema is created once and migrating again
 * changes nothing; a newer schema is refused; writes are fenced by owner
 * and epoch (nothing changes for anyone else); a dead node's instances are claimed
 * by a live node of the same build only, with a new epoch that fences the
 * old owner; claimers skip rows another holds locked; a restarted node
 * reclaims its own; due timers of dead owners' instances are claimed
 * first, by the database's clock; id blocks never overlap.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "pg_kit.h"
#include "store/pg.h"

static void quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *conn(void)
{
	PGconn *c = PQconnectdb(pg_kit_uri);
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	PQsetNoticeProcessor(c, quiet, NULL);
	return c;
}

static void reset(void)
{
	pg_kit_exec("SET client_min_messages = warning;"
		    "DROP TABLE IF EXISTS bpelc_schema, bpelc_node,"
		    " bpelc_instance, bpelc_correlation, bpelc_inbox,"
		    " bpelc_engine CASCADE;"
		    "DROP SEQUENCE IF EXISTS bpelc_id_block;"
		    "DROP FUNCTION IF EXISTS bpelc_put, bpelc_del");
	PGconn *c = conn();
	int v = 0;
	char why[256];
	ck_assert_int_eq(brt__pg_schema_ensure(c, &v, why, sizeof why), 0);
	ck_assert_int_eq(v, BRT_PG_SCHEMA);
	PQfinish(c);
}

static struct brt_pg_node node(const char *id, const char *build)
{
	struct brt_pg_node n = { "proc", build, 1, id, "http://x/", 1 };
	return n;
}

/* bpelc_put by `who` at `epoch`: "t" when it wrote, "f" when fenced out,
 * else the SQLSTATE of the error. */
static const char *put(PGconn *c, long id, const char *who, long epoch)
{
	static char state[8];
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT bpelc_put('proc', %ld, '%s', %ld, 'b1', 1,"
		 " 'rec-%ld'::bytea, NULL)",
		 id, who, epoch, id);
	PGresult *r = PQexec(c, sql);
	const char *s = PQresultStatus(r) == PGRES_TUPLES_OK
				? PQgetvalue(r, 0, 0)
				: PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(state, sizeof state, "%s", s ? s : "?");
	PQclear(r);
	return state;
}

static const char *del(PGconn *c, long id, const char *who, long epoch)
{
	static char state[8];
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT bpelc_del('proc', %ld, '%s', %ld)",
		 id, who, epoch);
	PGresult *r = PQexec(c, sql);
	const char *s = PQresultStatus(r) == PGRES_TUPLES_OK
				? PQgetvalue(r, 0, 0)
				: PQresultErrorField(r, PG_DIAG_SQLSTATE);
	snprintf(state, sizeof state, "%s", s ? s : "?");
	PQclear(r);
	return state;
}

static void heartbeat(PGconn *c, const struct brt_pg_node *n)
{
	struct brt_pg_batch *b = brt__pg_batch_new();
	ck_assert_int_ge(brt__pg_own_heartbeat_add(b, n), 0);
	char why[256] = "";
	ck_assert_msg(brt__pg_exec(c, b, why, sizeof why) == 0, "%s", why);
	brt__pg_batch_free(b);
}

/* Claim (due: only due timers); the ids claimed go to ids[] (at most
 * 16), returns how many. */
static int claim_what(PGconn *c, const struct brt_pg_node *n, int limit,
		      bool own, bool due, unsigned long *ids, long long *epochs)
{
	struct brt_pg_batch *b = brt__pg_batch_new();
	int i = due ? brt__pg_own_claim_due_add(b, n, limit)
		    : brt__pg_own_claim_add(b, n, limit, own, 0);
	ck_assert_int_ge(i, 0);
	char why[256] = "";
	ck_assert_msg(brt__pg_exec(c, b, why, sizeof why) == 0, "%s", why);
	const PGresult *r = brt__pg_batch_result(b, i);
	int nrows = PQntuples(r);
	for (int k = 0; k < nrows && k < 16; k++) {
		struct brt_pg_claimed cl;
		ck_assert_int_eq(brt__pg_own_row(r, k, &cl), 0);
		ids[k] = cl.id;
		if (epochs)
			epochs[k] = cl.epoch;
		char want[32];
		snprintf(want, sizeof want, "rec-%lu", cl.id);
		ck_assert_uint_eq(cl.len, strlen(want));
		ck_assert(memcmp(cl.data, want, cl.len) == 0);
		brt__pg_own_row_free(&cl);
	}
	brt__pg_batch_free(b);
	return nrows;
}

static int claim(PGconn *c, const struct brt_pg_node *n, int limit, bool own,
		 unsigned long *ids, long long *epochs)
{
	return claim_what(c, n, limit, own, false, ids, epochs);
}

START_TEST(pg_own_schema_idempotent)
{
	reset();
	PGconn *c = conn();
	int v = 0;
	char why[256];
	ck_assert_int_eq(brt__pg_schema_ensure(c, &v, why, sizeof why), 0);
	ck_assert_int_eq(v, BRT_PG_SCHEMA);
	pg_kit_exec("UPDATE bpelc_schema SET version = 99");
	ck_assert_int_eq(brt__pg_schema_ensure(c, &v, why, sizeof why),
			 BRT_ESTATE);
	ck_assert_int_eq(v, 99);
	ck_assert_ptr_nonnull(strstr(why, "newer"));
	PQfinish(c);
}
END_TEST

START_TEST(pg_own_fenced_writes)
{
	reset();
	PGconn *c = conn();
	pg_kit_exec("INSERT INTO bpelc_correlation VALUES"
		    " ('proc', 's', 'k1', 5)");
	ck_assert_str_eq(put(c, 5, "A", 1), "t");
	ck_assert_str_eq(put(c, 5, "A", 1), "t"); /* update by its owner */
	ck_assert_str_eq(put(c, 5, "A", 2), "f");
	ck_assert_str_eq(put(c, 5, "B", 1), "f");
	ck_assert_str_eq(del(c, 5, "B", 1), "f");
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"), 1);
	ck_assert_str_eq(del(c, 5, "A", 1), "t");
	ck_assert_str_eq(del(c, 5, "A", 1), "t"); /* absent is fine */
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"), 0);
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_correlation"),
			 0);
	/* a duplicate correlation key is refused by the unique index */
	pg_kit_exec("INSERT INTO bpelc_correlation VALUES"
		    " ('proc', 's', 'k2', 6)");
	PGresult *r = PQexec(c, "INSERT INTO bpelc_correlation VALUES"
				" ('proc', 's', 'k2', 7)");
	ck_assert_str_eq(PQresultErrorField(r, PG_DIAG_SQLSTATE), "23505");
	PQclear(r);
	PQfinish(c);
}
END_TEST

START_TEST(pg_own_takeover)
{
	reset();
	PGconn *c = conn();
	struct brt_pg_node a = node("A", "b1"), b = node("B", "b1"),
			   other = node("O", "b2");
	heartbeat(c, &a);
	heartbeat(c, &b);
	heartbeat(c, &other);
	for (long id = 1; id <= 3; id++)
		ck_assert_str_eq(put(c, id, "A", 1), "t");
	/* the database must have been up for a node timeout */
	while (pg_kit_long("SELECT (pg_postmaster_start_time()"
			   " < now() - interval '2 seconds')::int") == 0)
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	unsigned long ids[16];
	long long epochs[16];
	heartbeat(c, &a);
	ck_assert_int_eq(claim(c, &b, 100, false, ids, epochs), 0); /* alive */
	pg_kit_exec("UPDATE bpelc_node SET heartbeat = now() - interval '5 s'"
		    " WHERE node_id = 'A'");
	ck_assert_int_eq(claim(c, &other, 100, false, ids, epochs), 0);
	ck_assert_int_eq(claim(c, &b, 100, false, ids, epochs), 3);
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_uint_eq(ids[2], 3);
	ck_assert_int_eq(epochs[0], 2);
	/* the old owner is fenced out, the new one writes */
	ck_assert_str_eq(put(c, 2, "A", 1), "f");
	ck_assert_str_eq(put(c, 2, "B", 2), "t");
	ck_assert_int_eq(claim(c, &b, 100, false, ids, epochs), 0);
	PQfinish(c);
}
END_TEST

START_TEST(pg_own_skip_locked_and_own)
{
	reset();
	PGconn *c = conn(), *locker = conn();
	struct brt_pg_node a = node("A", "b1"), b = node("B", "b1"),
			   d = node("D", "b1");
	for (long id = 1; id <= 3; id++)
		ck_assert_str_eq(put(c, id, "A", 1), "t");
	heartbeat(c, &b);
	heartbeat(c, &d);
	while (pg_kit_long("SELECT (pg_postmaster_start_time()"
			   " < now() - interval '2 seconds')::int") == 0)
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	/* A never heartbeat (no row): dead. Another transaction holds
	 * instance 1: the claim skips it instead of waiting. */
	PQclear(PQexec(locker, "BEGIN"));
	PQclear(PQexec(locker, "SELECT 1 FROM bpelc_instance WHERE id = 1"
			       " FOR UPDATE"));
	unsigned long ids[16];
	ck_assert_int_eq(claim(c, &b, 1, false, ids, NULL), 1);
	ck_assert_uint_eq(ids[0], 2);
	ck_assert_int_eq(claim(c, &d, 100, false, ids, NULL), 1);
	ck_assert_uint_eq(ids[0], 3);
	PQclear(PQexec(locker, "ROLLBACK"));
	ck_assert_int_eq(claim(c, &d, 100, false, ids, NULL), 1);
	ck_assert_uint_eq(ids[0], 1);
	/* B restarts under the same node id: it takes its own back, at a
	 * new epoch (a zombie of its last run is fenced out) */
	heartbeat(c, &a);
	long long epochs[16];
	ck_assert_int_eq(claim(c, &b, 100, false, ids, epochs), 0);
	ck_assert_int_eq(claim(c, &b, 100, true, ids, epochs), 1);
	ck_assert_uint_eq(ids[0], 2);
	ck_assert_int_eq(epochs[0], 3);
	PQfinish(locker);
	PQfinish(c);
}
END_TEST

/* An instance whose timer is due by the database's clock and whose owner
 * is dead is claimed by the due-timer claim, earliest first; one whose
 * timer is not due yet, one without a timer, one of a live owner, one of
 * another build, are not. */
START_TEST(pg_own_due_timers)
{
	reset();
	PGconn *c = conn();
	struct brt_pg_node a = node("A", "b1"), b = node("B", "b1"),
			   other = node("O", "b2");
	for (long id = 1; id <= 5; id++)
		ck_assert_str_eq(put(c, id, id == 5 ? "B" : "A", 1), "t");
	/* 1: due a second ago; 2: due in an hour; 3: none; 4: due a minute
	 * ago (the earliest); 5: due, but its owner B is alive */
	pg_kit_exec("UPDATE bpelc_instance SET next_deadline = CASE id"
		    " WHEN 1 THEN now() - interval '1 s'"
		    " WHEN 2 THEN now() + interval '1 h'"
		    " WHEN 4 THEN now() - interval '1 min'"
		    " WHEN 5 THEN now() - interval '1 min' END");
	heartbeat(c, &b);
	heartbeat(c, &other);
	while (pg_kit_long("SELECT (pg_postmaster_start_time()"
			   " < now() - interval '2 seconds')::int") == 0)
		nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
	unsigned long ids[16];
	long long epochs[16];
	heartbeat(c, &a);
	ck_assert_int_eq(claim_what(c, &b, 100, false, true, ids, epochs), 0);
	pg_kit_exec("UPDATE bpelc_node SET heartbeat = now() - interval '5 s'"
		    " WHERE node_id = 'A'");
	ck_assert_int_eq(claim_what(c, &other, 100, false, true, ids, epochs),
			 0);
	ck_assert_int_eq(claim_what(c, &b, 100, false, true, ids, epochs), 2);
	ck_assert_uint_eq(ids[0], 4);
	ck_assert_uint_eq(ids[1], 1);
	ck_assert_int_eq(epochs[0], 2);
	ck_assert_int_eq(claim_what(c, &b, 100, false, true, ids, epochs), 0);
	/* an instance nobody owns, due: claimed at once */
	pg_kit_exec("UPDATE bpelc_instance SET owner = NULL WHERE id = 2");
	ck_assert_int_eq(claim_what(c, &b, 100, false, true, ids, epochs), 0);
	pg_kit_exec("UPDATE bpelc_instance SET next_deadline = now()"
		    " WHERE id = 2");
	ck_assert_int_eq(claim_what(c, &b, 100, false, true, ids, epochs), 1);
	ck_assert_uint_eq(ids[0], 2);
	/* the put writes the deadline with the record, and clears it */
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"
				     " WHERE next_deadline IS NOT NULL"),
			 4);
	ck_assert_str_eq(put(c, 5, "B", 1), "t");
	ck_assert_int_eq(pg_kit_long("SELECT count(*) FROM bpelc_instance"
				     " WHERE id = 5 AND next_deadline IS NULL"),
			 1);
	PQfinish(c);
}
END_TEST

START_TEST(pg_own_id_blocks)
{
	reset();
	PGconn *c = conn();
	unsigned long f1, f2;
	char why[256];
	ck_assert_int_eq(brt__pg_own_id_block(c, &f1, why, sizeof why), 0);
	ck_assert_int_eq(brt__pg_own_id_block(c, &f2, why, sizeof why), 0);
	ck_assert_uint_eq(f1, 1UL << 32);
	ck_assert_uint_eq(f2, 2UL << 32);
	PQfinish(c);
}
END_TEST

Suite *pg_own_suite(void);
Suite *pg_own_suite(void)
{
	Suite *s = suite_create("pg_own");
	TCase *tc = tcase_create("core");
	tcase_add_unchecked_fixture(tc, pg_kit_start, pg_kit_stop);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, pg_own_schema_idempotent);
	tcase_add_test(tc, pg_own_fenced_writes);
	tcase_add_test(tc, pg_own_takeover);
	tcase_add_test(tc, pg_own_skip_locked_and_own);
	tcase_add_test(tc, pg_own_due_timers);
	tcase_add_test(tc, pg_own_id_blocks);
	suite_add_tcase(s, tc);
	return s;
}
