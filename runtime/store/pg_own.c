/*
 * pg_own.c — instance ownership among the nodes that share one PostgreSQL
 * database: the statements, and the few blocking calls start-up needs.
 *
 * Every instance has one owner node and an epoch. A node heartbeats its
 * row in bpelc_node by the database's clock (never by its own: nodes'
 * clocks differ). A node whose heartbeat is older than the node timeout
 * is dead; its instances are claimed by any live node of the same build:
 * SELECT … FOR UPDATE SKIP LOCKED in batches, so claimers split the work
 * without waiting on each other, and every claim increments the epoch,
 * which fences the old owner: its next write (bpelc_put/bpelc_del,
 * pg_schema.c) changes nothing and it drops the instance. Right after
 * the database itself restarted nobody is declared dead until two node
 * timeouts have passed since (pg_postmaster_start_time): time for every
 * node to reconnect and heartbeat, so an outage of the database does not
 * make the nodes claim each other's instances.
 *
 * An instance whose next timer deadline (kept in its row) has passed by
 * the database's clock and whose owner is dead is claimed first, before
 * the general takeover of its owner's other instances.
 *
 * Instance ids: each node start takes the next value of bpelc_id_block
 * and hands out ids from block << 32, so two nodes never make the same
 * id; 2^32 instances per start are more than any node makes.
 *
 * Not here: the connection (pg_conn.c), the timers that run heartbeats
 * and claims, and the store interface (pg_store.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

static const char heartbeat_sql[] =
	"INSERT INTO bpelc_node (node_id, process, build, advertise)"
	" VALUES ($1, $2, $3, $4)"
	" ON CONFLICT (node_id) DO UPDATE SET heartbeat = now(),"
	"  process = EXCLUDED.process, build = EXCLUDED.build,"
	"  advertise = EXCLUDED.advertise";

/* Which instances a claim may take: the start of a SELECT over
 * bpelc_instance i, up to and including its WHERE. */
#define CLAIMABLE                                                             \
	" FROM bpelc_instance i"                                              \
	" WHERE i.process = $1 AND i.build = $2 AND i.format = $3"            \
	"  AND i.status = 'ok' AND i.id > $8::bigint"                         \
	"  AND CASE WHEN i.owner = $4 THEN $7::boolean"                       \
	"   WHEN i.owner IS NULL THEN true"                                   \
	"   ELSE pg_postmaster_start_time()"                                  \
	"     < now() - make_interval(secs => 2 * $5::float8)"                \
	"    AND NOT EXISTS (SELECT 1 FROM bpelc_node n"                      \
	"     WHERE n.node_id = i.owner"                                      \
	"      AND n.heartbeat >= now() - make_interval(secs => $5::float8))" \
	"   END"

/* $1 process, $2 build, $3 format, $4 me, $5 timeout (s), $6 limit,
 * $7 whether my own instances count (start-up: a previous run of this
 * node id), $8 only ids above this (the next page: claimed rows are mine
 * and would come again). Rows come back in id order: oldest first. */
static const char claim_sql[] =
	"WITH c AS ("
	" SELECT i.id" CLAIMABLE " ORDER BY i.id LIMIT $6"
	" FOR UPDATE OF i SKIP LOCKED),"
	" u AS ("
	" UPDATE bpelc_instance i SET owner = $4, epoch = i.epoch + 1,"
	"  updated = now()"
	" FROM c WHERE i.process = $1 AND i.id = c.id"
	" RETURNING i.id, i.epoch, i.data)"
	"SELECT id, epoch, data FROM u ORDER BY id";

/* Instances whose next timer is due by the database's clock and whose
 * owner is dead (or who have none), the earliest deadline first: claimed
 * before the rest of a dead node's instances, so their timers fire within
 * a tick of the owner's timeout, however many instances it left. $1
 * process, $2 build, $3 format, $4 me, $5 timeout (s), $6 limit. */
static const char claim_due_sql[] =
	"WITH c AS ("
	" SELECT i.id FROM bpelc_instance i"
	" WHERE i.process = $1 AND i.next_deadline <= now()"
	"  AND i.build = $2 AND i.format = $3 AND i.status = 'ok'"
	"  AND i.owner IS DISTINCT FROM $4"
	"  AND (i.owner IS NULL"
	"   OR pg_postmaster_start_time()"
	"     < now() - make_interval(secs => 2 * $5::float8)"
	"    AND NOT EXISTS (SELECT 1 FROM bpelc_node n"
	"     WHERE n.node_id = i.owner"
	"      AND n.heartbeat >= now() - make_interval(secs => $5::float8)))"
	" ORDER BY i.next_deadline LIMIT $6"
	" FOR UPDATE OF i SKIP LOCKED),"
	" u AS ("
	" UPDATE bpelc_instance i SET owner = $4, epoch = i.epoch + 1,"
	"  updated = now()"
	" FROM c WHERE i.process = $1 AND i.id = c.id"
	" RETURNING i.id, i.epoch, i.data, i.next_deadline)"
	"SELECT id, epoch, data FROM u ORDER BY next_deadline, id";

/* How many a claim could take now (LIMIT NULL: all of them). */
static const char claimable_sql[] =
	"SELECT count(*) FROM (SELECT i.id" CLAIMABLE " LIMIT $6) c";

/* Nodes long dead that own nothing any more: their rows go. */
static const char forget_sql[] =
	"DELETE FROM bpelc_node n WHERE n.process = $1"
	" AND n.heartbeat < now() - make_interval(secs => 10 * $2::float8)"
	" AND NOT EXISTS (SELECT 1 FROM bpelc_instance i"
	"  WHERE i.process = n.process AND i.owner = n.node_id)";

int brt__pg_own_heartbeat_add(struct brt_pg_batch *b,
			      const struct brt_pg_node *n)
{
	const char *v[] = { n->node_id, n->process, n->build, n->advertise };
	int r = brt__pg_batch_add(b, heartbeat_sql, 4, v, NULL, 0);
	if (r < 0)
		return r;
	char secs[32];
	snprintf(secs, sizeof secs, "%d", n->timeout_s);
	const char *f[] = { n->process, secs };
	int r2 = brt__pg_batch_add(b, forget_sql, 2, f, NULL, 0);
	return r2 < 0 ? r2 : r;
}

static int claim_add(struct brt_pg_batch *b, const char *sql,
		     const struct brt_pg_node *n, int limit, bool include_own,
		     unsigned long after)
{
	char format[16], secs[32], lim[16], aft[32];
	snprintf(aft, sizeof aft, "%lu", after);
	snprintf(format, sizeof format, "%d", n->format);
	snprintf(secs, sizeof secs, "%d", n->timeout_s);
	snprintf(lim, sizeof lim, "%d", limit);
	const char *v[] = { n->process,
			    n->build,
			    format,
			    n->node_id,
			    secs,
			    limit > 0 ? lim : NULL,
			    include_own ? "true" : "false",
			    aft };
	return brt__pg_batch_add(b, sql, 8, v, NULL, 0);
}

int brt__pg_own_claim_add(struct brt_pg_batch *b, const struct brt_pg_node *n,
			  int limit, bool include_own, unsigned long after)
{
	return claim_add(b, claim_sql, n, limit, include_own, after);
}

int brt__pg_own_claimable_add(struct brt_pg_batch *b,
			      const struct brt_pg_node *n, bool include_own)
{
	return claim_add(b, claimable_sql, n, 0, include_own, 0);
}

int brt__pg_own_claim_due_add(struct brt_pg_batch *b,
			      const struct brt_pg_node *n, int limit)
{
	char format[16], secs[32], lim[16];
	snprintf(format, sizeof format, "%d", n->format);
	snprintf(secs, sizeof secs, "%d", n->timeout_s);
	snprintf(lim, sizeof lim, "%d", limit);
	const char *v[] = {
		n->process, n->build, format, n->node_id, secs, lim
	};
	return brt__pg_batch_add(b, claim_due_sql, 6, v, NULL, 0);
}

int brt__pg_own_row(const PGresult *r, int row, struct brt_pg_claimed *out)
{
	memset(out, 0, sizeof *out);
	if (PQnfields(r) < 3 || row >= PQntuples(r))
		return BRT_EINVAL;
	char *end;
	const char *id = PQgetvalue(r, row, 0);
	out->id = strtoul(id, &end, 10);
	if (end == id || *end)
		return BRT_EINVAL;
	const char *ep = PQgetvalue(r, row, 1);
	out->epoch = strtoll(ep, &end, 10);
	if (end == ep || *end)
		return BRT_EINVAL;
	out->data = PQunescapeBytea(
		(const unsigned char *)PQgetvalue(r, row, 2), &out->len);
	return out->data ? 0 : BRT_ENOMEM;
}

void brt__pg_own_row_free(struct brt_pg_claimed *c)
{
	if (c->data)
		PQfreemem(c->data);
	c->data = NULL;
}

int brt__pg_exec(PGconn *c, struct brt_pg_batch *b, char *why, size_t len)
{
	PGresult *r = PQexec(c, "BEGIN");
	bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	for (int i = 0; ok && i < brt__pg_batch_count(b); i++) {
		r = brt__pg_batch_exec_one(c, b, i);
		ExecStatusType st = PQresultStatus(r);
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
			snprintf(why, len, "%.*s",
				 (int)strcspn(PQresultErrorMessage(r), "\n"),
				 PQresultErrorMessage(r));
			ok = false;
		}
	}
	r = PQexec(c, ok ? "COMMIT" : "ROLLBACK");
	if (ok && PQresultStatus(r) != PGRES_COMMAND_OK) {
		snprintf(why, len, "%.*s",
			 (int)strcspn(PQresultErrorMessage(r), "\n"),
			 PQresultErrorMessage(r));
		ok = false;
	}
	PQclear(r);
	return ok ? 0 : BRT_EIO;
}

int brt__pg_own_id_block(PGconn *c, unsigned long *first, char *why, size_t len)
{
	PGresult *r = PQexec(c, "SELECT nextval('bpelc_id_block')");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		snprintf(why, len, "cannot take an id block: %.*s",
			 (int)strcspn(PQresultErrorMessage(r), "\n"),
			 PQresultErrorMessage(r));
		PQclear(r);
		return BRT_EIO;
	}
	unsigned long block = strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	if (block == 0 || block >= (1UL << 31)) {
		snprintf(why, len, "id block %lu is out of range", block);
		return BRT_ESTATE;
	}
	*first = block << 32;
	return 0;
}
