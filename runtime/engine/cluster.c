/*
 * cluster.c — messages for instances this node may not hold, when several
 * nodes share a PostgreSQL store (docs/scale-out.md).
 *
 * A message the local routing can place (an instance here takes it) is
 * delivered as always. One it cannot place — it would create an instance,
 * or nobody here takes it — and that carries correlation values is first
 * looked up in the database (brt__store_pg_where):
 *   - no instance holds the values: delivered here (a new instance, or the
 *     usual answer for a message nobody takes);
 *   - this node owns the instance, or has just claimed it from a dead
 *     node (restored before the answer comes): delivered here;
 *   - a live node owns it: the request is forwarded to that node's
 *     --advertise URL as it came, and its answer (the reply, a fault, the
 *     202 it sends after its own commit) is relayed to the client. A
 *     forwarded request carries X-Bpelc-Forwarded and is never forwarded
 *     again;
 *   - it is changing hands: asked again shortly (a few times), then the
 *     client gets a 503 (nothing was accepted).
 * Also: every instance's correlation values are written with its record
 * (brt__cluster_put), so other nodes can find it.
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

static void deliver_here(struct cmsg *m)
{
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

/* ---- the lookup ------------------------------------------------------------ */

static void ask(struct cmsg *m);

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
		forward(m, w->advertise);
		return;
	case BRT_WHERE_RETRY:
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
