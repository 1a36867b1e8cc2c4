/*
 * pg_kit.h — a real PostgreSQL server for the store's unit tests: started
 * once per test binary by tests/cluster/pg.sh (initdb in a temporary
 * directory, Unix socket only, as the postgres user when run as root) and
 * torn down at the end; or, when BPELC_TEST_PG holds a connection URI, that
 * server (its tables are dropped first). Also a loop runner that waits for
 * a flag with a deadline. Header-only, like engine_kit.h.
 */
#ifndef PG_KIT_H
#define PG_KIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>
#include "store/pq_lazy.h"

#define PG_KIT_UNUSED __attribute__((unused))

static char pg_kit_dir[256] PG_KIT_UNUSED;
static char pg_kit_uri[512] PG_KIT_UNUSED;

/* Run tests/cluster/pg.sh CMD on the kit's directory; 0 on success. With
 * `out`, its first output line goes there. */
static PG_KIT_UNUSED int pg_kit_sh(const char *cmd, char *out, size_t len)
{
	char line[512];
	snprintf(line, sizeof line, "sh tests/cluster/pg.sh %s '%s'", cmd,
		 pg_kit_dir);
	FILE *f = popen(line, "r");
	if (!f)
		return -1;
	char buf[512] = "";
	if (!fgets(buf, sizeof buf, f))
		buf[0] = '\0';
	int rc = pclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	if (out)
		snprintf(out, len, "%s", buf);
	return rc;
}

/* Run one SQL command synchronously (test set-up and checks only). */
static PG_KIT_UNUSED void pg_kit_exec(const char *sql)
{
	PGconn *c = PQconnectdb(pg_kit_uri);
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		ck_abort_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	PQfinish(c);
}

/* The first column of the first row of a query, as a long. */
static PG_KIT_UNUSED long pg_kit_long(const char *sql)
{
	PGconn *c = PQconnectdb(pg_kit_uri);
	ck_assert_int_eq(PQstatus(c), CONNECTION_OK);
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) < 1)
		ck_abort_msg("%s: %s", sql, PQresultErrorMessage(r));
	long v = atol(PQgetvalue(r, 0, 0));
	PQclear(r);
	PQfinish(c);
	return v;
}

/* Unchecked fixture (runs once, in check's parent process). */
static PG_KIT_UNUSED void pg_kit_start(void)
{
	const char *given = getenv("BPELC_TEST_PG");
	if (given && *given) {
		snprintf(pg_kit_uri, sizeof pg_kit_uri, "%s", given);
		pg_kit_dir[0] = '\0';
		return;
	}
	snprintf(pg_kit_dir, sizeof pg_kit_dir, "/tmp/bpelc-pg.XXXXXX");
	if (!mkdtemp(pg_kit_dir))
		ck_abort_msg("mkdtemp failed");
	if (pg_kit_sh("start", pg_kit_uri, sizeof pg_kit_uri) != 0)
		ck_abort_msg(
			"could not start PostgreSQL (tests/cluster/pg.sh)");
}

static PG_KIT_UNUSED void pg_kit_stop(void)
{
	if (pg_kit_dir[0])
		pg_kit_sh("teardown", NULL, 0);
}

/* The kit's server crashes (stop -m immediate) and comes back. */
static PG_KIT_UNUSED void pg_kit_crash(void)
{
	ck_assert_msg(pg_kit_dir[0], "crash needs the kit's own server");
	ck_assert_int_eq(pg_kit_sh("crash", NULL, 0), 0);
}
static PG_KIT_UNUSED void pg_kit_restart(void)
{
	ck_assert_int_eq(pg_kit_sh("start", NULL, 0), 0);
}

static PG_KIT_UNUSED double pg_kit_now(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Run the loop until *flag is true or `secs` pass; returns *flag. */
static PG_KIT_UNUSED bool pg_kit_wait(struct event_base *base, const bool *flag,
				      double secs)
{
	double end = pg_kit_now() + secs;
	while (!*flag && pg_kit_now() < end) {
		struct timeval tv = { 0, 20 * 1000 };
		event_base_loopexit(base, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	return *flag;
}

#endif /* PG_KIT_H */
