/*
 * pg_schema.c — the tables the service keeps in PostgreSQL, created and
 * migrated by the service itself at start-up.
 *
 *   bpelc_schema      one row: the schema version the database is at
 *   bpelc_node        the nodes sharing the database: id, process, build,
 *                     advertise URL, heartbeat by the database's clock
 *   bpelc_instance    one record per waiting instance: owner node and
 *                     ownership epoch (fencing), build and record format,
 *                     status ('ok' or 'corrupt' with why), its next
 *                     timer deadline (indexed), the bytes
 *   bpelc_correlation (process, set, key) -> instance, UNIQUE: two nodes
 *                     can never make two instances for one key
 *   bpelc_inbox       one-way messages accepted for an instance that
 *                     another node owns, in arrival order (seq); the
 *                     operation column holds "PARTNERLINK OPERATION"
 *   bpelc_engine      engine metadata per process: the routing counter
 *   bpelc_id_block    a sequence: each node start takes a block of 2^32
 *                     instance ids, so nodes never hand out the same id
 *
 * and the two server-side functions every fenced write goes through
 * (bpelc_put, bpelc_del): they change nothing and return false when the
 * instance is owned by another node or at another epoch; the rest of the
 * batch still commits, and the writer drops that instance. Migrations run in one transaction under a transaction-scoped
 * advisory lock, so nodes starting together do not race; a database at a
 * newer schema than this build knows is refused. Blocking libpq calls:
 * this runs before the service listens, never on the loop.
 *
 * Not here: the statements of ownership and batches (pg_own.c,
 * pg_store.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"

/* Version 1, then 2. A later version appends a step guarded by `IF v < N` and
 * raises BRT_PG_SCHEMA; steps must not depend on the order nodes run. */
static const char migrate_sql[] =
	"DO $mig$ DECLARE v int; BEGIN\n"
	/* any constant: only migrations take it, only for the transaction */
	" PERFORM pg_advisory_xact_lock(2059874104);\n"
	" CREATE TABLE IF NOT EXISTS bpelc_schema ("
	"  one boolean PRIMARY KEY DEFAULT true CHECK (one),"
	"  version int NOT NULL);\n"
	" SELECT version INTO v FROM bpelc_schema;\n"
	" IF v IS NULL THEN v := 0; END IF;\n"
	" IF v < 1 THEN\n"
	"  CREATE TABLE bpelc_node ("
	"   node_id text PRIMARY KEY,"
	"   process text NOT NULL,"
	"   build text NOT NULL,"
	"   advertise text,"
	"   started timestamptz NOT NULL DEFAULT now(),"
	"   heartbeat timestamptz NOT NULL DEFAULT now());\n"
	"  CREATE TABLE bpelc_instance ("
	"   process text NOT NULL,"
	"   id bigint NOT NULL,"
	"   build text NOT NULL,"
	"   format int NOT NULL,"
	"   owner text,"
	"   epoch bigint NOT NULL DEFAULT 1,"
	"   status text NOT NULL DEFAULT 'ok',"
	"   why text,"
	"   next_deadline timestamptz,"
	"   updated timestamptz NOT NULL DEFAULT now(),"
	"   data bytea NOT NULL,"
	"   PRIMARY KEY (process, id));\n"
	"  CREATE INDEX bpelc_instance_owner ON bpelc_instance (owner);\n"
	"  CREATE TABLE bpelc_correlation ("
	"   process text NOT NULL,"
	"   cset text NOT NULL,"
	"   key text NOT NULL,"
	"   instance bigint NOT NULL,"
	"   PRIMARY KEY (process, cset, key));\n"
	"  CREATE INDEX bpelc_correlation_instance"
	"   ON bpelc_correlation (process, instance);\n"
	"  CREATE TABLE bpelc_inbox ("
	"   seq bigserial PRIMARY KEY,"
	"   process text NOT NULL,"
	"   instance bigint NOT NULL,"
	"   operation text NOT NULL,"
	"   message bytea NOT NULL,"
	"   received timestamptz NOT NULL DEFAULT now());\n"
	"  CREATE INDEX bpelc_inbox_instance"
	"   ON bpelc_inbox (process, instance, seq);\n"
	"  CREATE TABLE bpelc_engine ("
	"   process text PRIMARY KEY,"
	"   seq bigint NOT NULL);\n"
	"  CREATE SEQUENCE bpelc_id_block START 1;\n"
	/* Fenced upsert: a new id is inserted with this owner; an existing
	 * record changes only for its owner at its epoch, of its build.
	 * False when another node (or epoch) owns it: nothing changed. Not
	 * an error, so the rest of the batch still commits. */
	"  CREATE FUNCTION bpelc_put(p_process text, p_id bigint,"
	"   p_owner text, p_epoch bigint, p_build text, p_format int,"
	"   p_data bytea) RETURNS boolean LANGUAGE plpgsql AS $f$\n"
	"  BEGIN\n"
	"   INSERT INTO bpelc_instance AS i (process, id, build, format,"
	"    owner, epoch, data)"
	"    VALUES (p_process, p_id, p_build, p_format, p_owner, p_epoch,"
	"     p_data)"
	"    ON CONFLICT (process, id) DO UPDATE SET data = EXCLUDED.data,"
	"     updated = now()"
	"    WHERE i.owner = p_owner AND i.epoch = p_epoch"
	"     AND i.build = p_build AND i.format = p_format;\n"
	"   RETURN FOUND;\n"
	"  END $f$;\n"
	/* Fenced delete, with the instance's correlation values and inbox;
	 * a record that is not there is fine (true). */
	"  CREATE FUNCTION bpelc_del(p_process text, p_id bigint,"
	"   p_owner text, p_epoch bigint) RETURNS boolean"
	"   LANGUAGE plpgsql AS $f$\n"
	"  DECLARE o text; e bigint;\n"
	"  BEGIN\n"
	"   SELECT owner, epoch INTO o, e FROM bpelc_instance"
	"    WHERE process = p_process AND id = p_id FOR UPDATE;\n"
	"   IF NOT FOUND THEN RETURN true; END IF;\n"
	"   IF o IS DISTINCT FROM p_owner OR e <> p_epoch THEN\n"
	"    RETURN false;\n"
	"   END IF;\n"
	"   DELETE FROM bpelc_instance WHERE process = p_process"
	"    AND id = p_id;\n"
	"   DELETE FROM bpelc_correlation WHERE process = p_process"
	"    AND instance = p_id;\n"
	"   DELETE FROM bpelc_inbox WHERE process = p_process"
	"    AND instance = p_id;\n"
	"   RETURN true;\n"
	"  END $f$;\n"
	"  v := 1;\n"
	" END IF;\n"
	/* Version 2: an instance's next timer deadline is kept with it
	 * (written by bpelc_put) and indexed, so a live node finds the due
	 * timers of instances whose owner died by the database's clock
	 * (pg_own.c) before it takes over the rest. */
	" IF v < 2 THEN\n"
	"  CREATE INDEX bpelc_instance_deadline"
	"   ON bpelc_instance (process, next_deadline)"
	"   WHERE next_deadline IS NOT NULL;\n"
	"  DROP FUNCTION bpelc_put(text, bigint, text, bigint, text, int,"
	"   bytea);\n"
	"  CREATE FUNCTION bpelc_put(p_process text, p_id bigint,"
	"   p_owner text, p_epoch bigint, p_build text, p_format int,"
	"   p_data bytea, p_deadline timestamptz) RETURNS boolean"
	"   LANGUAGE plpgsql AS $f$\n"
	"  BEGIN\n"
	"   INSERT INTO bpelc_instance AS i (process, id, build, format,"
	"    owner, epoch, data, next_deadline)"
	"    VALUES (p_process, p_id, p_build, p_format, p_owner, p_epoch,"
	"     p_data, p_deadline)"
	"    ON CONFLICT (process, id) DO UPDATE SET data = EXCLUDED.data,"
	"     next_deadline = EXCLUDED.next_deadline, updated = now()"
	"    WHERE i.owner = p_owner AND i.epoch = p_epoch"
	"     AND i.build = p_build AND i.format = p_format;\n"
	"   RETURN FOUND;\n"
	"  END $f$;\n"
	"  v := 2;\n"
	" END IF;\n"
	" INSERT INTO bpelc_schema (one, version) VALUES (true, v)"
	"  ON CONFLICT (one) DO UPDATE SET version = EXCLUDED.version"
	"  WHERE bpelc_schema.version < EXCLUDED.version;\n"
	"END $mig$";

static int fail(char *why, size_t len, const char *what, const char *msg)
{
	snprintf(why, len, "%s: %.*s", what, (int)strcspn(msg, "\n"), msg);
	return BRT_EIO;
}

int brt__pg_schema_ensure(PGconn *c, int *version, char *why, size_t len)
{
	PGresult *r = PQexec(c, migrate_sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		int err = fail(why, len, "schema migration failed",
			       PQresultErrorMessage(r));
		PQclear(r);
		return err;
	}
	PQclear(r);
	r = PQexec(c, "SELECT version FROM bpelc_schema");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
		int err = fail(why, len, "cannot read the schema version",
			       PQresultErrorMessage(r));
		PQclear(r);
		return err;
	}
	*version = atoi(PQgetvalue(r, 0, 0));
	PQclear(r);
	if (*version > BRT_PG_SCHEMA) {
		snprintf(why, len,
			 "the database's schema is version %d, newer than "
			 "this build's (%d): upgrade this service",
			 *version, BRT_PG_SCHEMA);
		return BRT_ESTATE;
	}
	return 0;
}
