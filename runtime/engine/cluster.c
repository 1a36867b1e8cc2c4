/*
 * cluster.c — messages for instances this node may not hold, when several
 * nodes share a PostgreSQL store (docs/scale-out.md).
 *
 * A message the local routing gives to a stored instance here is
 * delivered after what other nodes kept for that instance in the database
 * (its inbox, brt__store_pg_inbox_drain: they came first). One the local
 * routing cannot place — it would create an instance, or nobody here
 * takes it — and that carries correlation values is first looked up in
 * the database (brt__store_pg_where):
 *   - no instance holds the values: delivered here (a new instance, or the
 *     usual answer for a message nobody takes);
 *   - this node owns the instance, or has just claimed it from a dead
 *     node (restored before the answer comes): delivered here, after its
 *     inbox;
 *   - another node owns it, or it is changing hands: a one-way message is
 *     kept in the instance's inbox in the database, and the client gets
 *     its 202 once that has committed; the owner is woken
 *     (LISTEN/NOTIFY, polling behind it) and delivers it in arrival
 *     order (brt__cluster_inbox);
 *   - a live node owns it: a request-response message is forwarded to
 *     that node's --advertise URL as it came, and its answer (the reply, a
 *     fault) is relayed to the client. A forwarded request carries
 *     X-Bpelc-Forwarded and is never forwarded again;
 *   - it is changing hands: a request-response message is asked about
 *     again shortly (a few times), then the client gets a 503 (nothing
 *     was accepted).
 * Also: every instance's correlation values are written with its record
 * (persist.c), so other nodes can find it.
 *
 * Not here: the database (store/pg_store.c), ownership and takeover
 * (store/pg_own.c), HTTP itself (http.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "engine.h"
#include "pg.h"

enum {
	MAX_KEYS = 8,	 /* correlation sets looked up per message */
	RETRIES = 10,	 /* an instance changing hands: asked again */
	RETRY_MS = 200,	 /* that often */
	FORWARD_S = 120, /* a forwarded request may take this long */
};

#define FORWARDED "X-Bpelc-Forwarded"

/* A message on its way: looked up, then delivered here or forwarded. */
struct cmsg {
	brt_runtime *rt;
	brt_request *r;
	int plink;
	const struct brt_operation *op;
	xmlDocPtr msg;
	int n;
	const char *sets[MAX_KEYS];
	char *keys[MAX_KEYS];
	int tries;
	bool drained; /* its instance's inbox was emptied first */
	struct event *retry;
	struct evhttp_connection *conn;
};

static void cmsg_free(struct cmsg *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->keys[i]);
	if (m->retry)
		event_free(m->retry);
	xmlFreeDoc(m->msg);
	free(m);
}

static void answer_fault(struct cmsg *m, int status, const char *text)
{
	brt__log(m->rt, "request %lu: %s", brt__request_id(m->r), text);
	xmlDocPtr env = brt__soap_fault(NULL, "Server", NULL, text);
	size_t len = 0;
	char *buf = env ? brt__soap_serialize(env, &len) : NULL;
	xmlFreeDoc(env);
	brt__request_relay(m->r, status, buf ? "text/xml; charset=utf-8" : NULL,
			   buf, len);
	xmlFree(buf);
	cmsg_free(m);
}

/* A SOAP fault answer the client can retry on (nothing was accepted). */
static void unavailable(struct cmsg *m, const char *text)
{
	answer_fault(m, 503, text);
}

/* The stored instance here that routing gives msg to: other nodes may
 * have kept messages for it in the database. NULL when none. */
static brt_instance *stored_target(brt_runtime *rt, int plink,
				   const struct brt_operation *op,
				   xmlDocPtr msg)
{
	struct brt_route route;
	if (brt__corr_route(rt, plink, op, msg, &route) != 0)
		return NULL;
	brt_instance *in = route.ima ? route.ima->s->in : route.in;
	return in && in->persisted ? in : NULL;
}

static void deliver_here(struct cmsg *m);

static void drained(void *arg)
{
	deliver_here(arg);
}

/* Deliver here; to an instance that may have messages kept for it in the
 * database, after those (they came first): one round trip more. */
static void deliver_here(struct cmsg *m)
{
	struct brt_store *st = brt__persist_shared(m->rt);
	brt_instance *in = st && !m->drained ? stored_target(m->rt, m->plink,
							     m->op, m->msg)
					     : NULL;
	m->drained = true;
	if (in && brt__store_pg_inbox_drain(st, in->id, drained, m) == 0)
		return;
	xmlDocPtr msg = m->msg;
	m->msg = NULL;
	brt__http_deliver(m->r, m->plink, m->op, msg);
	cmsg_free(m);
}

bool brt__cluster_wants(brt_runtime *rt, int plink,
			const struct brt_operation *op, xmlDocPtr msg,
			struct evhttp_request *req)
{
	if (!brt__persist_shared(rt))
		return false;
	struct brt_route route;
	int err = brt__corr_route(rt, plink, op, msg, &route);
	bool local = err == 0 && (route.ima || route.in);
	brt_instance *in = !local      ? NULL
			   : route.ima ? route.ima->s->in
				       : route.in;
	/* A stored instance of this node's: what other nodes kept for it
	 * goes first (deliver_here). */
	if (in && in->persisted)
		return true;
	if (req && evhttp_find_header(evhttp_request_get_input_headers(req),
				      FORWARDED))
		/* Sent here as the owner: never forwarded again; one that no
		 * instance here takes is refused (cluster_route), not taken
		 * and dropped. */
		return !local && !(err == 0 && route.create);
	if (local)
		return false;
	int sets[MAX_KEYS];
	char *keys[MAX_KEYS];
	int n = brt__corr_msg_keys(rt, plink, op, msg, sets, keys, MAX_KEYS);
	for (int i = 0; i < n; i++)
		free(keys[i]);
	return n > 0;
}

/* ---- forwarding ------------------------------------------------------------ */

static void conn_free_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	evhttp_connection_free(arg);
}

static void forwarded(struct evhttp_request *resp, void *arg)
{
	struct cmsg *m = arg;
	/* libevent frees the connection's request after this returns; the
	 * connection itself goes a moment later. */
	struct timeval now = { 0, 0 };
	event_base_once(m->rt->base, -1, EV_TIMEOUT, conn_free_cb, m->conn,
			&now);
	m->conn = NULL;
	int code = resp ? evhttp_request_get_response_code(resp) : 0;
	if (code <= 0) {
		/* The owner may have taken the message and died before it
		 * answered: the outcome is unknown here, so this is no 503
		 * ("nothing was accepted") but a 502, which a client treats
		 * as it treats a lost connection. */
		answer_fault(m, 502,
			     "the node that owns the instance did not answer: "
			     "the message may or may not have been taken");
		return;
	}
	struct evbuffer *b = evhttp_request_get_input_buffer(resp);
	size_t len = b ? evbuffer_get_length(b) : 0;
	const char *buf = len ? (const char *)evbuffer_pullup(b, -1) : NULL;
	const char *ctype = evhttp_find_header(
		evhttp_request_get_input_headers(resp), "Content-Type");
	brt__request_relay(m->r, code, ctype, buf, len);
	cmsg_free(m);
}

static void forward(struct cmsg *m, const char *url)
{
	struct evhttp_request *in = brt__request_evhttp(m->r);
	if (!in) {
		brt__request_relay(m->r, 500, NULL, NULL, 0); /* dropped */
		cmsg_free(m);
		return;
	}
	struct evhttp_uri *u = evhttp_uri_parse(url);
	const char *host = u ? evhttp_uri_get_host(u) : NULL;
	int port = u ? evhttp_uri_get_port(u) : -1;
	if (!host) {
		if (u)
			evhttp_uri_free(u);
		unavailable(m, "the owner's --advertise URL is not usable");
		return;
	}
	m->conn = evhttp_connection_base_new(
		m->rt->base, NULL, host, port > 0 ? (unsigned short)port : 80);
	struct evhttp_request *out = m->conn ? evhttp_request_new(forwarded, m)
					     : NULL;
	if (!out) {
		evhttp_uri_free(u);
		if (m->conn)
			evhttp_connection_free(m->conn);
		m->conn = NULL;
		unavailable(m, "out of memory");
		return;
	}
	evhttp_connection_set_timeout(m->conn, FORWARD_S);
	struct evkeyvalq *ih = evhttp_request_get_input_headers(in);
	struct evkeyvalq *oh = evhttp_request_get_output_headers(out);
	char hostport[300];
	snprintf(hostport, sizeof hostport, "%s:%d", host,
		 port > 0 ? port : 80);
	evhttp_add_header(oh, "Host", hostport);
	const char *v;
	if ((v = evhttp_find_header(ih, "Content-Type")))
		evhttp_add_header(oh, "Content-Type", v);
	if ((v = evhttp_find_header(ih, "SOAPAction")))
		evhttp_add_header(oh, "SOAPAction", v);
	evhttp_add_header(oh, FORWARDED, "1");
	struct evbuffer *body = evhttp_request_get_input_buffer(in);
	evbuffer_add(evhttp_request_get_output_buffer(out),
		     evbuffer_pullup(body, -1), evbuffer_get_length(body));
	brt__log(m->rt, "request %lu: forwarded to %s", brt__request_id(m->r),
		 url);
	evhttp_uri_free(u);
	const char *path = evhttp_request_get_uri(in);
	if (evhttp_make_request(m->conn, out, EVHTTP_REQ_POST,
				path ? path : "/") != 0) {
		/* out is freed by libevent on failure */
		evhttp_connection_free(m->conn);
		m->conn = NULL;
		unavailable(m, "cannot forward to the owner");
	}
}

/* ---- one-way messages: kept in the owner's inbox ----------------------------- */

static void ask(struct cmsg *m);

static void kept(void *arg, enum brt_inbox_status st)
{
	struct cmsg *m = arg;
	switch (st) {
	case BRT_INBOX_KEPT:
		/* Committed: accepted means kept. */
		brt__log(m->rt,
			 "request %lu: kept for its instance, which another "
			 "node owns",
			 brt__request_id(m->r));
		brt__request_relay(m->r, 202, NULL, NULL, 0);
		cmsg_free(m);
		return;
	case BRT_INBOX_GONE:
		/* The instance ended meanwhile: where does it go now? */
		if (++m->tries <= RETRIES) {
			ask(m);
			return;
		}
		break;
	case BRT_INBOX_ERROR:
		break;
	}
	unavailable(m, "the message could not be kept for its instance; "
		       "try again");
}

/* A one-way message for instance id, which another node owns (or which
 * is changing hands): kept in its inbox in the database; the 202 goes
 * once that has committed. */
static void keep(struct cmsg *m, unsigned long id)
{
	struct brt_store *st = brt__persist_shared(m->rt);
	xmlChar *buf = NULL;
	int len = 0;
	xmlDocDumpMemory(m->msg, &buf, &len);
	char op[512];
	snprintf(op, sizeof op, "%s %s", m->rt->proc->plinks[m->plink].name,
		 m->op->name);
	int err = !buf || !st ? BRT_ENOMEM
			      : brt__store_pg_inbox_put(st, id, op, buf,
							(size_t)len, kept, m);
	xmlFree(buf);
	if (err)
		unavailable(m, "out of memory");
}

int brt__cluster_inbox(brt_runtime *rt, unsigned long id, const char *operation,
		       const void *data, size_t len)
{
	brt_instance *in = brt__engine_find(rt, id);
	if (!in)
		return BRT_ELIMIT; /* not here (yet): the message waits */
	const char *sp = strchr(operation, ' ');
	int plink = -1;
	for (int i = 0; sp && i < rt->proc->nplinks; i++) {
		const char *name = rt->proc->plinks[i].name;
		if (strlen(name) == (size_t)(sp - operation) &&
		    strncmp(name, operation, strlen(name)) == 0)
			plink = i;
	}
	const struct brt_operation *op =
		sp ? brt__plink_op(rt->proc, plink, sp + 1) : NULL;
	xmlDocPtr msg =
		op && !op->output && len <= (size_t)0x7fffffff
			? xmlReadMemory(data, (int)len, NULL, NULL,
					XML_PARSE_NONET | XML_PARSE_NOERROR |
						XML_PARSE_NOWARNING)
			: NULL;
	if (!msg) {
		brt__log(rt,
			 "instance %lu: a message kept for it (%.200s) is not "
			 "one this build reads: dropped",
			 id, operation);
		return BRT_EINVAL;
	}
	struct brt_route route;
	int err = brt__corr_route(rt, plink, op, msg, &route);
	if (err != 0 || route.create) {
		/* Kept for this instance, which no longer takes it (as a
		 * message that came after its end). */
		brt__log(rt,
			 "instance %lu: a message kept for it (%s) is taken by "
			 "no instance now: dropped",
			 id, op->name);
		xmlFreeDoc(msg);
		return BRT_ENOTFOUND;
	}
	err = brt__engine_deliver(rt, plink, op, msg, NULL);
	if (err == 0)
		brt__debug(rt,
			   "instance %lu: %s taken from its inbox in the "
			   "database",
			   id, op->name);
	return err;
}

/* ---- the lookup ------------------------------------------------------------ */

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ask(arg);
}

static void answered(void *arg, const struct brt_store_pg_where *w)
{
	struct cmsg *m = arg;
	enum brt_where_status st = w->status;
	/* Ours in the database, but not in memory: dropped here a moment
	 * ago (a commit whose outcome is unknown) and not reloaded yet, or
	 * gone since. Never delivered as if no instance held the values. */
	if (st == BRT_WHERE_HERE && !brt__engine_find(m->rt, w->id))
		st = BRT_WHERE_RETRY;
	switch (st) {
	case BRT_WHERE_NONE:
	case BRT_WHERE_HERE:
		deliver_here(m);
		return;
	case BRT_WHERE_THERE:
		if (!m->op->output)
			keep(m, w->id);
		else
			forward(m, w->advertise);
		return;
	case BRT_WHERE_RETRY:
		/* A one-way message waits for whoever owns it next. */
		if (!m->op->output) {
			keep(m, w->id);
			return;
		}
		if (++m->tries <= RETRIES) {
			struct timeval tv = { 0, RETRY_MS * 1000 };
			if (!m->retry)
				m->retry =
					evtimer_new(m->rt->base, retry_cb, m);
			if (m->retry && evtimer_add(m->retry, &tv) == 0)
				return;
		}
		unavailable(m, "the instance is changing hands; try again");
		return;
	case BRT_WHERE_ERROR:
		break;
	}
	unavailable(m, "the instance store cannot say where the instance "
		       "is; try again");
}

static void ask(struct cmsg *m)
{
	struct brt_store *st = brt__persist_shared(m->rt);
	if (!st ||
	    brt__store_pg_where(st, m->n, m->sets, (const char *const *)m->keys,
				answered, m) != 0)
		unavailable(m, "out of memory");
}

void brt__cluster_route(brt_runtime *rt, brt_request *r, int plink,
			const struct brt_operation *op, xmlDocPtr msg)
{
	struct cmsg *m = calloc(1, sizeof *m);
	if (!m) {
		xmlFreeDoc(msg);
		brt__request_relay(r, 500, NULL, NULL, 0);
		return;
	}
	m->rt = rt;
	m->r = r;
	m->plink = plink;
	m->op = op;
	m->msg = msg;
	if (stored_target(rt, plink, op, msg)) {
		deliver_here(m); /* ours: after what was kept for it */
		return;
	}
	struct evhttp_request *in = brt__request_evhttp(r);
	if (in && evhttp_find_header(evhttp_request_get_input_headers(in),
				     FORWARDED)) {
		unavailable(m, "forwarded here, but this node does not hold "
			       "the instance (any more); try again");
		return;
	}
	int sets[MAX_KEYS];
	m->n = brt__corr_msg_keys(rt, plink, op, msg, sets, m->keys, MAX_KEYS);
	for (int i = 0; i < m->n; i++)
		m->sets[i] = rt->proc->corrsets[sets[i]].name;
	if (m->n == 0) {
		deliver_here(m);
		return;
	}
	ask(m);
}
