/*
 * http.c — the SOAP 1.1 server: evhttp listeners, routing of a request to
 * (partner link, operation) by URL path and SOAPAction or Body element,
 * answers (202 for one-way, the reply or a SOAP fault for request-response,
 * the WSDL for GET ?wsdl, SOAP faults or 4xx for bad input), and the
 * brt_request objects the engine answers through.
 *
 * It does not know instances: an accepted message goes to
 * brt__engine_deliver and that is all. Everything up to that call (path,
 * method, size, XML safety, envelope, operation, message shape) is decided
 * here without the engine, so the error paths are testable on their own.
 *
 * Lifetime of an exchange: a brt_request is made for a request-response
 * operation and freed when the engine answers it (exactly once). If the
 * client goes away first, evhttp's connection close callback marks it gone
 * and the answer is dropped; we never touch an evhttp_request that libevent
 * has freed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "internal.h"

struct brt_http {
	brt_runtime *rt;
	struct evhttp *http;
	int nbound;
	struct evhttp_bound_socket **bound;
	unsigned long seq; /* request numbers for the log */
	brt_request *open; /* request-response exchanges not yet answered */
	int nopen;
	/* Exchanges to watch for a client hanging up, once this loop pass
	 * (and the strands it queued) is over: most are answered by then. */
	brt_request *to_watch;
	struct brt_pass watch_pass;
	/* Answers held until the store has committed the state behind them
	 * (rt->hold), oldest first; sent by brt__http_release. */
	brt_request *held_head, *held_tail;
	int nheld;
	/* The operation of the request being handled (metrics), NULL. */
	const struct brt_operation *cur_op;
	struct brt_conns *conns; /* conns.c: counts, deadlines, eviction */
	/* Requests of a dropped instance to handle again from the start
	 * (BRT_DROP_RACED), via hnext, at the next loop turn (redo_ev). */
	brt_request *redo, *redo_tail;
	struct event *redo_ev;
	int npeer_eof; /* open exchanges whose client sent EOF */
};

struct brt_request {
	struct brt_http *h;
	brt_request *prev, *next;
	struct evhttp_request *req; /* NULL once the client has gone */
	struct event *watch;	    /* notices the client hanging up */
	brt_request *wprev, *wnext; /* on h->to_watch */
	bool is_to_watch;
	unsigned long id;
	const struct brt_operation *op;
	/* A held answer: status, body (xmlFree'd, NULL: none), the batch
	 * it waits for. */
	int held_status;
	char *held_buf;
	size_t held_len;
	unsigned long epoch;
	brt_request *hnext;
	bool held; /* on the held list (else on the open list) */
	/* The instance its message went to (0: none yet) and the loop pass
	 * it did (hold_epoch then): what it gets if that instance is dropped
	 * (brt__request_abandon). */
	unsigned long inst, arrival;
	struct brt_conn *conn;	/* its connection's record, or NULL */
	bool peer_eof;		/* the client closed its side */
	struct event *deadline; /* --reply-timeout */
};

/* ---- sending ------------------------------------------------------------- */

static void send_body(struct evhttp_request *req, int status,
		      const char *reason, const char *ctype, const char *buf,
		      size_t len)
{
	struct evbuffer *out = evbuffer_new();
	if (ctype)
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Content-Type", ctype);
	if (out && buf)
		evbuffer_add(out, buf, len);
	evhttp_send_reply(req, status, reason, out);
	if (out)
		evbuffer_free(out);
}

static const char *reason_of(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Payload Too Large";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

/* Send an envelope; frees env. A serialization failure becomes a bare 500. */
static void send_env(struct evhttp_request *req, int status, xmlDocPtr env)
{
	size_t len = 0;
	char *buf = env ? brt__soap_serialize(env, &len) : NULL;
	xmlFreeDoc(env);
	if (!buf) {
		send_body(req, 500, reason_of(500), NULL, NULL, 0);
		return;
	}
	send_body(req, status, reason_of(status), "text/xml; charset=utf-8",
		  buf, len);
	xmlFree(buf);
}

/* A SOAP fault for a request that never reached the engine. */
static void send_error(struct brt_http *h, unsigned long id, const char *what,
		       struct evhttp_request *req, int status, bool client,
		       const char *text)
{
	brt__log(h->rt, "request %lu: %s: %s; answered %d", id, what, text,
		 status);
	brt__metric_soap(h->rt, h->cur_op, status);
	send_env(req, status,
		 brt__soap_fault_code(client, NULL,
				      client ? "Client" : "Server", NULL,
				      text));
}

/* ---- brt_request: open exchanges ----------------------------------------- */

static void unwatch(brt_request *r)
{
	if (r->watch) {
		event_free(r->watch);
		r->watch = NULL;
	}
	if (r->deadline) {
		event_free(r->deadline);
		r->deadline = NULL;
	}
}

/* --reply-timeout: the client gets a fault now; the engine's answer, when
 * it comes, is dropped as if the client had gone. */
static void on_reply_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	brt_request *r = arg;
	struct evhttp_request *req = r->req;
	brt_runtime *rt = r->h->rt;
	unwatch(r);
	if (!req)
		return;
	r->req = NULL;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	if (evcon)
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	brt__conn_open(r->conn, -1);
	r->conn = NULL;
	int secs = rt->reply_timeout_s > 0 ? rt->reply_timeout_s
					   : BRT_REPLY_TIMEOUT_S;
	brt__log(rt,
		 "request %lu: no reply within %d s (--reply-timeout); "
		 "answered 500",
		 r->id, secs);
	send_env(req, 500,
		 brt__soap_fault("http://bpelc.dev/faults", "replyTimeout",
				 NULL,
				 "replyTimeout: no reply within the "
				 "service's --reply-timeout"));
}

static void on_conn_close(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	brt_request *r = arg;
	unwatch(r);
	if (!r->req)
		return;
	brt__log(r->h->rt, "request %lu: client went away before the answer",
		 r->id);
	/* On EOF libevent detaches a request the user has not answered
	 * (its connection becomes NULL) and leaves it to us; otherwise the
	 * request still belongs to the connection being freed. */
	if (evhttp_request_get_connection(r->req) == NULL)
		evhttp_request_free(r->req);
	r->req = NULL;
}

/*
 * evhttp does not read from a connection while its request waits for an
 * answer, so it would notice a client that hung up only when the answer is
 * written. Peek at the socket instead: on EOF or error drop the connection
 * now (which frees the pending evhttp_request with it) and remember that
 * the client is gone. Pipelined data means the client is alive: stop
 * watching.
 */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	brt_request *r = arg;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
		event_add(r->watch, NULL);
		return;
	}
	unwatch(r);
	if (n > 0 || !r->req)
		return;
	if (n == 0) {
		/* EOF: the client may only have closed its sending side
		 * (half-close) and still read the answer, so it is kept;
		 * writing it tells whether anyone is there. It no longer
		 * holds up a stop, though (brt__http_open_requests). */
		if (!r->peer_eof) {
			r->peer_eof = true;
			r->h->npeer_eof++;
		}
		brt__debug(r->h->rt,
			   "request %lu: client closed its side; the answer "
			   "is still sent",
			   r->id);
		return;
	}
	struct evhttp_connection *evcon = evhttp_request_get_connection(r->req);
	brt__log(r->h->rt, "request %lu: client went away before the answer",
		 r->id);
	r->req = NULL;
	if (evcon) {
		evhttp_connection_set_closecb(evcon, NULL, NULL);
		evhttp_connection_free(evcon);
	}
}

static void to_watch_remove(brt_request *r)
{
	struct brt_http *h = r->h;
	if (!r->is_to_watch)
		return;
	if (r->wprev)
		r->wprev->wnext = r->wnext;
	else
		h->to_watch = r->wnext;
	if (r->wnext)
		r->wnext->wprev = r->wprev;
	r->wprev = r->wnext = NULL;
	r->is_to_watch = false;
}

/* End of the loop pass: watch the exchanges still open. Each watch costs
 * two epoll_ctl calls, so an exchange answered within its pass gets none. */
static void arm_watches(void *arg)
{
	struct brt_http *h = arg;
	while (h->to_watch) {
		brt_request *r = h->to_watch;
		to_watch_remove(r);
		struct evhttp_connection *evcon =
			r->req ? evhttp_request_get_connection(r->req) : NULL;
		struct bufferevent *bev =
			evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
		evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
		if (fd >= 0 && !r->watch)
			r->watch = event_new(h->rt->base, fd, EV_READ, on_watch,
					     r);
		if (r->watch)
			event_add(r->watch, NULL);
		if (r->req && !r->deadline)
			r->deadline =
				evtimer_new(h->rt->base, on_reply_timeout, r);
		if (r->deadline) {
			int secs = h->rt->reply_timeout_s > 0
					   ? h->rt->reply_timeout_s
					   : BRT_REPLY_TIMEOUT_S;
			struct timeval tv = { secs, 0 };
			evtimer_add(r->deadline, &tv);
		}
	}
}

static brt_request *request_new(struct brt_http *h, struct evhttp_request *req,
				unsigned long id,
				const struct brt_operation *op)
{
	brt_request *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->h = h;
	r->req = req;
	r->id = id;
	r->op = op;
	r->conn = brt__conn_of(h->conns, req);
	brt__conn_open(r->conn, 1);
	r->next = h->open;
	if (h->open)
		h->open->prev = r;
	h->open = r;
	h->nopen++;
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	if (evcon) {
		evhttp_connection_set_closecb(evcon, on_conn_close, r);
		r->is_to_watch = true;
		r->wnext = h->to_watch;
		if (h->to_watch)
			h->to_watch->wprev = r;
		h->to_watch = r;
		brt__pass_request(&h->watch_pass);
	}
	return r;
}

static void open_unlink(brt_request *r)
{
	struct brt_http *h = r->h;
	if (r->prev)
		r->prev->next = r->next;
	else
		h->open = r->next;
	if (r->next)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	h->nopen--;
	if (r->peer_eof) {
		r->peer_eof = false;
		h->npeer_eof--;
	}
}

/* Free r (already off the open and held lists) and return its evhttp
 * request (NULL if the client went away), with the close callback cleared
 * so nothing refers to r any more. */
static struct evhttp_request *request_drop(brt_request *r)
{
	struct evhttp_request *req = r->req;
	to_watch_remove(r);
	unwatch(r);
	brt__conn_open(r->conn, -1);
	if (req) {
		struct evhttp_connection *evcon =
			evhttp_request_get_connection(req);
		if (evcon)
			evhttp_connection_set_closecb(evcon, NULL, NULL);
	}
	xmlFree(r->held_buf);
	free(r);
	return req;
}

/* Unlink r from the open list, free it, return its evhttp request. */
static struct evhttp_request *request_release(brt_request *r)
{
	open_unlink(r);
	return request_drop(r);
}

/*
 * The store is on (rt->hold): keep the answer (env, taken; NULL: an empty
 * 202) until the batch of this loop pass has committed. r stays alive, its
 * close callback set, so a client that hangs up meanwhile is noticed.
 * True when held; false when nothing is held (the caller sends at once).
 */
static bool hold(brt_request *r, int status, xmlDocPtr env)
{
	struct brt_http *h = r->h;
	brt_runtime *rt = h->rt;
	if (!rt->hold)
		return false;
	size_t len = 0;
	char *buf = env ? brt__soap_serialize(env, &len) : NULL;
	xmlFreeDoc(env);
	if (env && !buf)
		status = 500; /* as send_env does: a bare 500 */
	open_unlink(r);
	/* Answered: no watch for a hangup (two epoll_ctl calls each); a
	 * client gone by the release is found out then. */
	to_watch_remove(r);
	if (r->deadline) { /* answered: --reply-timeout no longer applies */
		event_free(r->deadline);
		r->deadline = NULL;
	}
	r->held = true;
	r->held_status = status;
	r->held_buf = buf;
	r->held_len = len;
	r->epoch = rt->hold_epoch;
	r->hnext = NULL;
	if (h->held_tail)
		h->held_tail->hnext = r;
	else
		h->held_head = r;
	h->held_tail = r;
	h->nheld++;
	return true;
}

void brt__http_release(brt_runtime *rt, unsigned long epoch)
{
	struct brt_http *h = rt ? rt->http : NULL;
	while (h && h->held_head && h->held_head->epoch <= epoch) {
		brt_request *r = h->held_head;
		h->held_head = r->hnext;
		if (!h->held_head)
			h->held_tail = NULL;
		h->nheld--;
		int status = r->held_status;
		char *buf = r->held_buf;
		size_t len = r->held_len;
		unsigned long id = r->id;
		r->held_buf = NULL;
		struct evhttp_request *req = request_drop(r);
		if (!req)
			brt__log(rt,
				 "request %lu: answer dropped (client gone)",
				 id);
		else
			send_body(req, status, reason_of(status),
				  buf ? "text/xml; charset=utf-8" : NULL, buf,
				  len);
		xmlFree(buf);
	}
}

/* ---- dropped instances (engine/persist.c, docs/scale-out.md) ------------ */

#define REDELIVERED "X-Bpelc-Redelivered"

void brt__request_bind(brt_request *r, unsigned long inst)
{
	if (!r)
		return;
	r->inst = inst;
	r->arrival = r->h->rt->hold_epoch;
}

static void on_request(struct evhttp_request *req, void *arg);

static void redo_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct brt_http *h = arg;
	while (h->redo) {
		brt_request *r = h->redo;
		h->redo = r->hnext;
		if (!h->redo)
			h->redo_tail = NULL;
		unsigned long id = r->id;
		struct evhttp_request *req = request_drop(r);
		if (!req) {
			brt__log(h->rt, "request %lu: client gone", id);
			continue;
		}
		brt__log(h->rt, "request %lu: handled again", id);
		on_request(req, h);
	}
}

/* r (off every list) gets a fault now: 503 when its message surely was
 * not taken, 502 when it may have been. */
static void abandon_now(brt_request *r, int status, const char *text)
{
	brt_runtime *rt = r->h->rt;
	unsigned long id = r->id;
	const struct brt_operation *op = r->op;
	struct evhttp_request *req = request_drop(r);
	if (!req) {
		brt__log(rt, "request %lu: answer dropped (client gone)", id);
		return;
	}
	brt__log(rt, "request %lu: answered %d: %s", id, status, text);
	brt__metric_soap(rt, op, status);
	send_env(req, status, brt__soap_fault(NULL, "Server", NULL, text));
}

/* Queue r (off every list) to be handled again from the start at the
 * next loop turn, outside the store's callback: looked up, forwarded to
 * the node that owns its instance now. Once: false when r was handled
 * again before (or its client is gone). */
static bool redo(brt_request *r)
{
	struct brt_http *h = r->h;
	struct evkeyvalq *ih = r->req ? evhttp_request_get_input_headers(r->req)
				      : NULL;
	if (!ih || evhttp_find_header(ih, REDELIVERED) ||
	    evhttp_add_header(ih, REDELIVERED, "1") != 0)
		return false;
	if (!h->redo_ev && !(h->redo_ev = evtimer_new(h->rt->base, redo_cb, h)))
		return false;
	to_watch_remove(r);
	unwatch(r); /* no --reply-timeout while it waits */
	r->hnext = NULL;
	if (h->redo_tail)
		h->redo_tail->hnext = r;
	else
		h->redo = r;
	h->redo_tail = r;
	struct timeval now = { 0, 0 };
	evtimer_add(h->redo_ev, &now);
	return true;
}

/* r is off every list: answer it, or queue it to be handled again. */
static void abandon(brt_request *r)
{
	brt_runtime *rt = r->h->rt;
	r->held = false;
	/* Its message is in no state that lives on: the instance lost a
	 * race for its key (the winner should have it), or was fenced out
	 * in a pass whose write was refused (the new owner should). */
	bool raced = rt->dropping == BRT_DROP_RACED;
	if (raced ||
	    (rt->dropping == BRT_DROP_FENCED && r->arrival >= rt->drop_since)) {
		if (!redo(r))
			abandon_now(r, 503,
				    raced ? "another node created the instance "
					    "for these correlation values at "
					    "the same moment; try again"
					  : "the instance is owned by another "
					    "node now; the message was not "
					    "taken: try again");
		return;
	}
	abandon_now(r, 502,
		    "the instance's state on this node was lost (its "
		    "commit's outcome is unknown, or another node owns it "
		    "now): the message may or may not have been taken");
}

void brt__request_abandon(brt_request *r)
{
	if (!r)
		return;
	if (r->held)
		return; /* brt__http_abandon finds it */
	open_unlink(r);
	abandon(r);
}

void brt__http_abandon(brt_runtime *rt, unsigned long inst)
{
	struct brt_http *h = rt ? rt->http : NULL;
	if (!h || !inst)
		return;
	brt_request *keep = NULL, *tail = NULL, *gone = NULL;
	while (h->held_head) {
		brt_request *r = h->held_head;
		h->held_head = r->hnext;
		r->hnext = NULL;
		if (r->inst == inst) {
			h->nheld--;
			r->hnext = gone;
			gone = r;
			continue;
		}
		if (tail)
			tail->hnext = r;
		else
			keep = r;
		tail = r;
	}
	h->held_head = keep;
	h->held_tail = tail;
	/* Oldest first, as they came. */
	brt_request *rev = NULL;
	while (gone) {
		brt_request *r = gone;
		gone = r->hnext;
		r->hnext = rev;
		rev = r;
	}
	while (rev) {
		brt_request *r = rev;
		rev = r->hnext;
		r->hnext = NULL;
		xmlFree(r->held_buf);
		r->held_buf = NULL;
		abandon(r);
	}
}

/* Held answers are never sent (the state behind them may not be
 * durable); the clients see the connection close. */
static void drop_held(struct brt_http *h)
{
	while (h->held_head) {
		brt_request *r = h->held_head;
		h->held_head = r->hnext;
		h->nheld--;
		struct evhttp_request *req = request_drop(r);
		if (req) {
			struct evhttp_connection *evcon =
				evhttp_request_get_connection(req);
			if (evcon)
				evhttp_connection_free(evcon);
		}
	}
	h->held_tail = NULL;
}

void brt__request_reply(brt_request *r, const struct brt_operation *op,
			xmlDocPtr msg)
{
	if (!r)
		return;
	brt_runtime *rt = r->h->rt;
	unsigned long id = r->id;
	if (!op)
		op = r->op;
	if (!r->req) {
		request_release(r);
		brt__log(rt, "request %lu: reply dropped (client gone)", id);
		return;
	}
	/* msg may be NULL for an output message without parts. */
	xmlDocPtr env = op ? brt__soap_from_message(op, op->output, msg, true)
			   : NULL;
	if (env) {
		brt__log(rt, "request %lu: answered 200", id);
		brt__metric_soap(rt, op, 200);
		if (hold(r, 200, env))
			return;
	}
	struct evhttp_request *req = request_release(r);
	if (!env) {
		brt__log(rt,
			 "request %lu: cannot build the reply; answered 500",
			 id);
		brt__metric_soap(rt, op, 500);
		send_env(req, 500,
			 brt__soap_fault(NULL, "Server", NULL,
					 "cannot build the reply message"));
		return;
	}
	send_env(req, 200, env);
}

void brt__request_fault(brt_request *r, const char *fault_ns,
			const char *fault_local, xmlDocPtr data,
			const char *text)
{
	if (!r)
		return;
	brt_runtime *rt = r->h->rt;
	unsigned long id = r->id;
	const struct brt_operation *op = r->op;
	if (!r->req) {
		request_release(r);
		brt__log(rt, "request %lu: fault dropped (client gone)", id);
		return;
	}
	brt__metric_soap(rt, op, 500);
	brt__log(rt, "request %lu: answered 500 fault %s%s%s%s", id,
		 fault_ns && *fault_ns ? "{" : "",
		 fault_ns && *fault_ns ? fault_ns : "",
		 fault_ns && *fault_ns ? "}" : "",
		 fault_local ? fault_local
		 : text	     ? text
			     : "");
	xmlDocPtr env = brt__soap_fault(fault_ns, fault_local, data, text);
	if (hold(r, 500, env))
		return;
	send_env(request_release(r), 500, env);
}

/* ---- routing ------------------------------------------------------------- */

static bool path_eq(const char *a, const char *b)
{
	if (!a || !*a)
		a = "/";
	if (!b || !*b)
		b = "/";
	return strcmp(a, b) == 0;
}

static bool str_eq0(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* Strip blanks and one pair of quotes from a SOAPAction header value into
 * buf. */
static const char *clean_action(const char *v, char *buf, size_t size)
{
	if (!v)
		return "";
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

/* Link pl is served at `path`: its port's, or another port's of the same
 * service and binding. */
static bool served_at(const struct brt_partner_link *pl, const char *path)
{
	if (!pl->my_path)
		return false;
	if (path_eq(pl->my_path, path))
		return true;
	for (int k = 0; k < pl->nmy_alt; k++)
		if (path_eq(pl->my_alt_paths[k], path))
			return true;
	return false;
}

static bool op_takes_element(const struct brt_operation *op, xmlNodePtr el)
{
	const char *ens = el->ns && el->ns->href ? (const char *)el->ns->href
						 : "";
	if (op->style == BRT_STYLE_RPC)
		return strcmp((const char *)el->name, op->name) == 0 &&
		       str_eq0(ens, op->rpc_ns);
	const struct brt_message *m = op->input;
	if (!m || m->nparts < 1)
		return false;
	const struct brt_part *p0 = &m->parts[0];
	if (p0->element.local)
		return strcmp((const char *)el->name, p0->element.local) == 0 &&
		       str_eq0(ens, p0->element.ns);
	/* A type part travels as an unqualified element named after it. */
	return strcmp((const char *)el->name, p0->name) == 0 && !*ens;
}

static bool op_takes_empty(const struct brt_operation *op)
{
	return op->style == BRT_STYLE_DOCUMENT &&
	       (!op->input || op->input->nparts == 0);
}

static bool op_takes_body(const struct brt_operation *op, xmlNodePtr first)
{
	return first ? op_takes_element(op, first) : op_takes_empty(op);
}

/* Find (plink, op) among the partner links served at `path`: the one
 * operation whose SOAPAction is the header's (several: the one of them
 * the Body fits); without a SOAPAction match, the one operation the
 * Body's first element fits. NULL when none fits, and also when several
 * do: then *ambiguous names two of them. */
static const struct brt_operation *
find_op(const struct brt_process *p, const char *path, const char *action,
	xmlNodePtr first, int *plink, const struct brt_operation **ambiguous)
{
	ambiguous[0] = ambiguous[1] = NULL;
	/* pass 0: SOAPAction; 1: SOAPAction and Body; 2: Body alone */
	for (int pass = 0; pass < 3; pass++) {
		const struct brt_operation *found = NULL;
		int nfound = 0;
		for (int i = 0; i < p->nplinks; i++) {
			const struct brt_partner_link *pl = &p->plinks[i];
			if (!served_at(pl, path))
				continue;
			for (int k = 0; k < pl->nmy_ops; k++) {
				const struct brt_operation *op = pl->my_ops[k];
				bool by_action =
					*action && op->soap_action &&
					strcmp(op->soap_action, action) == 0;
				bool hit = pass == 0 ? by_action
					   : pass == 1
						   ? by_action &&
							     op_takes_body(
								     op, first)
						   : op_takes_body(op, first);
				if (!hit)
					continue;
				if (nfound++ == 0) {
					found = op;
					*plink = i;
				} else if (nfound == 2) {
					ambiguous[0] = found;
					ambiguous[1] = op;
				}
			}
		}
		if (nfound == 1) {
			ambiguous[0] = ambiguous[1] = NULL;
			return found;
		}
		if (nfound > 1 && pass == 0)
			continue; /* let the Body decide among them */
		if (nfound > 1)
			return NULL;
		if (pass == 1 && ambiguous[0])
			return NULL; /* same SOAPAction, Body fits none/several */
		if (pass == 0)
			pass = 1; /* no SOAPAction match: the Body alone */
	}
	return NULL;
}

static const struct brt_partner_link *find_path(const struct brt_process *p,
						const char *path)
{
	for (int i = 0; i < p->nplinks; i++)
		if (served_at(&p->plinks[i], path))
			return &p->plinks[i];
	return NULL;
}

static const char *method_name(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "?";
	}
}

/* The engine did not take the message. */
static void refused(struct brt_http *h, unsigned long id, const char *what,
		    struct evhttp_request *req, const struct brt_operation *op,
		    int err)
{
	char text[300];
	snprintf(text, sizeof text, "message for %.100s not accepted: %s",
		 op->name,
		 err == BRT_ENOTFOUND ? "no instance takes it"
		 : err == BRT_ELIMIT
			 ? "the service is at a limit (too many instances, or "
			   "the instance's inbox is full); try again later"
			 : brt_strerror(err));
	/* A limit is the server's condition, not the client's mistake:
	 * 503, so a client may retry. */
	if (err == BRT_ELIMIT)
		send_error(h, id, what, req, 503, false, text);
	else
		send_error(h, id, what, req, 500,
			   err != BRT_ENOMEM && err != BRT_EIO, text);
}

/* The intake pre-scan over the body where it lies (libevent's 4 KB
 * chains): a flood is refused without copying the body into one piece. */
static const char *prescan(struct evbuffer *in)
{
	struct brt_prescan ps;
	brt__prescan_init(&ps);
	struct evbuffer_ptr at;
	if (!in || evbuffer_ptr_set(in, &at, 0, EVBUFFER_PTR_SET) != 0)
		return NULL;
	for (;;) {
		struct evbuffer_iovec v[32];
		int n = evbuffer_peek(in, -1, &at, v, 32);
		if (n <= 0)
			return NULL;
		size_t took = 0;
		for (int i = 0; i < n && i < 32; i++) {
			const char *why = brt__prescan_feed(&ps, v[i].iov_base,
							    v[i].iov_len);
			if (why)
				return why;
			took += v[i].iov_len;
		}
		if (n <= 32 ||
		    evbuffer_ptr_set(in, &at, took, EVBUFFER_PTR_ADD) != 0)
			return NULL;
	}
}

static void handle_post(struct brt_http *h, unsigned long id, const char *what,
			struct evhttp_request *req, const char *path)
{
	brt_runtime *rt = h->rt;
	const struct brt_process *p = rt->proc;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = in ? evbuffer_get_length(in) : 0;
	if (rt->max_body && len > rt->max_body) {
		send_error(h, id, what, req, 413, true,
			   "request body too large");
		return;
	}
	const char *why = prescan(in);
	if (why) {
		send_error(h, id, what, req, 500, true, why);
		return;
	}
	const char *buf = len ? (const char *)evbuffer_pullup(in, -1) : NULL;
	xmlDocPtr env = brt__soap_parse_scanned(buf, len, &why);
	if (!env) {
		send_error(h, id, what, req, 500, true, why);
		return;
	}
	xmlNodePtr mu = brt__soap_must_understand(env);
	if (mu) {
		char text[400];
		snprintf(text, sizeof text,
			 "header entry {%.150s}%.150s is not understood",
			 mu->ns && mu->ns->href ? (const char *)mu->ns->href
						: "",
			 (const char *)mu->name);
		xmlFreeDoc(env);
		brt__log(rt, "request %lu: %s: %s; answered 500", id, what,
			 text);
		brt__metric_soap(rt, NULL, 500);
		send_env(req, 500,
			 brt__soap_fault_soapcode("MustUnderstand", text));
		return;
	}
	xmlNodePtr body = NULL;
	xmlNodePtr first = brt__soap_body_first(env, &body);
	char abuf[1024];
	const char *action = clean_action(
		evhttp_find_header(evhttp_request_get_input_headers(req),
				   "SOAPAction"),
		abuf, sizeof abuf);
	int plink = -1;
	const struct brt_operation *amb[2];
	const struct brt_operation *op =
		find_op(p, path, action, first, &plink, amb);
	if (!op && amb[0]) {
		char text[1200];
		snprintf(text, sizeof text,
			 "ambiguous request: the body element %.300s fits "
			 "operations %.200s and %.200s; send the SOAPAction of "
			 "the one meant",
			 first ? (const char *)first->name : "(none)",
			 amb[0]->name, amb[1]->name);
		xmlFreeDoc(env);
		send_error(h, id, what, req, 500, true, text);
		return;
	}
	if (!op) {
		char text[1200];
		snprintf(
			text, sizeof text,
			"unknown operation (SOAPAction \"%.400s\", body element "
			"%.400s)",
			action, first ? (const char *)first->name : "none");
		xmlFreeDoc(env);
		send_error(h, id, what, req, 500, true, text);
		return;
	}
	h->cur_op = op;
	rt->logctx.op = op->name;
	rt->logctx.plink = p->plinks[plink].name;
	brt__log(rt, "request %lu: %s operation %s (partner link %s)", id, what,
		 op->name, p->plinks[plink].name);
	/* The envelope goes right after: its Body moves into the message. */
	xmlDocPtr msg =
		brt__soap_take_message(body, op, op->input, false, &why);
	xmlFreeDoc(env);
	if (!msg) {
		char text[600];
		snprintf(text, sizeof text,
			 "message does not fit operation %.200s: %.300s",
			 op->name, why);
		send_error(h, id, what, req, 500, true, text);
		return;
	}
	/* Several nodes on one store: a message for an instance that may be
	 * elsewhere is looked up first (cluster.c), then delivered here
	 * (brt__http_deliver) or forwarded. */
	if (brt__cluster_wants(rt, plink, op, msg, req)) {
		brt_request *r = request_new(h, req, id, op);
		if (!r) {
			xmlFreeDoc(msg);
			send_error(h, id, what, req, 500, false,
				   "out of memory");
			return;
		}
		brt__cluster_route(rt, r, plink, op, msg);
		return;
	}
	if (!op->output) {
		int err = brt__engine_deliver(rt, plink, op, msg, NULL);
		if (err < 0) {
			refused(h, id, what, req, op, err);
			return;
		}
		brt__log(rt, "request %lu: answered 202", id);
		brt__metric_soap(rt, op, 202);
		/* Accepted means kept: the 202 waits for the commit. */
		brt_request *r = rt->hold ? request_new(h, req, id, op) : NULL;
		if (r)
			brt__request_bind(r, rt->delivered_to);
		if (!r || !hold(r, 202, NULL))
			send_body(req, 202, reason_of(202), NULL, NULL, 0);
		return;
	}
	brt_request *r = request_new(h, req, id, op);
	if (!r) {
		xmlFreeDoc(msg);
		send_error(h, id, what, req, 500, false, "out of memory");
		return;
	}
	int err = brt__engine_deliver(rt, plink, op, msg, r);
	if (err < 0) {
		/* Still ours: the engine kept no pointer. */
		struct evhttp_request *rq = request_release(r);
		if (rq)
			refused(h, id, what, rq, op, err);
	}
	/* err == 0: r may already be answered and freed; do not touch it. */
}

void brt__http_deliver(brt_request *r, int plink,
		       const struct brt_operation *op, xmlDocPtr msg)
{
	struct brt_http *h = r->h;
	brt_runtime *rt = h->rt;
	unsigned long id = r->id;
	int err =
		brt__engine_deliver(rt, plink, op, msg, op->output ? r : NULL);
	if (err < 0) {
		struct evhttp_request *rq = request_release(r);
		if (rq)
			refused(h, id, "POST", rq, op, err);
		return;
	}
	if (op->output)
		return; /* the engine answers r */
	brt__log(rt, "request %lu: answered 202", id);
	brt__request_bind(r, rt->delivered_to);
	if (!hold(r, 202, NULL)) {
		struct evhttp_request *rq = request_release(r);
		if (rq)
			send_body(rq, 202, reason_of(202), NULL, NULL, 0);
	}
}

void brt__request_relay(brt_request *r, int status, const char *ctype,
			const char *buf, size_t len)
{
	unsigned long id = r->id;
	brt_runtime *rt = r->h->rt;
	struct evhttp_request *req = request_release(r);
	if (!req) {
		brt__log(rt, "request %lu: answer dropped (client gone)", id);
		return;
	}
	brt__log(rt, "request %lu: answered %d (relayed)", id, status);
	send_body(req, status, reason_of(status), ctype, buf, len);
}

struct evhttp_request *brt__request_evhttp(const brt_request *r)
{
	return r->req;
}

unsigned long brt__request_id(const brt_request *r)
{
	return r->id;
}

/* GET PATH?wsdl (?wsdl=N, ?xsd=N): the document rewritten for clients
 * by the compiler, with the address the client reached us at (wsdl.c). */
static void serve_wsdl(struct brt_http *h, unsigned long id, const char *what,
		       struct evhttp_request *req,
		       const struct brt_partner_link *pl, const char *query)
{
	const struct brt_served_doc *d = brt__wsdl_find(pl, query);
	if (!d) {
		send_error(h, id, what, req, 404, true,
			   pl->nwsdl ? "no such document for this path"
				     : "no WSDL for this path");
		return;
	}
	struct evbuffer *out = evbuffer_new();
	if (!out || brt__wsdl_render(h->rt, req, d, out) != 0) {
		if (out)
			evbuffer_free(out);
		send_error(h, id, what, req, 503, false, "out of memory");
		return;
	}
	struct evkeyvalq *oh = evhttp_request_get_output_headers(req);
	evhttp_add_header(oh, "Content-Type", "text/xml; charset=utf-8");
	/* The address in it comes from these request headers. */
	evhttp_add_header(oh, "Vary", "Host, X-Forwarded-Proto");
	brt__log(h->rt, "request %lu: %s: answered 200 (%s)", id, what,
		 d->query);
	evhttp_send_reply(req, 200, reason_of(200), out);
	evbuffer_free(out);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	struct brt_http *h = arg;
	brt_runtime *rt = h->rt;
	unsigned long id = ++h->seq;
	/* A whole request is in: its connection's --read-timeout starts
	 * over once it is answered. */
	brt__conn_request(brt__conn_of(h->conns, req));
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;

	char what[300];
	snprintf(what, sizeof what, "%s %.200s%s%.60s", method_name(cmd),
		 path ? path : "?", query ? "?" : "", query ? query : "");
	/* Two Content-Length headers: which one delimits the body is
	 * ambiguous (request smuggling behind a proxy): refused, and the
	 * connection closed since its framing cannot be trusted. */
	int nlen = 0;
	struct evkeyvalq *in_hdrs = evhttp_request_get_input_headers(req);
	for (struct evkeyval *kv = in_hdrs ? in_hdrs->tqh_first : NULL; kv;
	     kv = kv->next.tqe_next)
		nlen += strcasecmp(kv->key, "Content-Length") == 0;
	if (nlen > 1) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Connection", "close");
		send_error(h, id, what, req, 400, true,
			   "more than one Content-Length header");
		return;
	}
	const struct brt_partner_link *pl = path ? find_path(rt->proc, path)
						 : NULL;
	if (!pl) {
		send_error(h, id, what, req, 404, true,
			   "no service at this path");
		return;
	}
	if (cmd == EVHTTP_REQ_GET && query && brt__wsdl_query(query)) {
		serve_wsdl(h, id, what, req, pl, query);
		return;
	}
	if (cmd != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Allow", "POST, GET");
		send_error(h, id, what, req, 405, true,
			   "method not allowed (POST a SOAP envelope, or GET "
			   "?wsdl)");
		return;
	}
	if (rt->stopping) {
		send_error(h, id, what, req, 503, false, "service is stopping");
		return;
	}
	/* A W3C traceparent goes with the work this request causes: into
	 * the log lines (the context) and the instance it reaches. */
	struct brt_log_ctx saved = rt->logctx;
	const char *tp = evhttp_find_header(
		evhttp_request_get_input_headers(req), "traceparent");
	if (tp && brt__traceparent_ok(tp))
		rt->logctx.trace = tp;
	handle_post(h, id, what, req, path);
	h->cur_op = NULL;
	rt->logctx = saved;
}

/* ---- listeners ----------------------------------------------------------- */

int brt__http_check_listen(const char *s)
{
	char host[256];
	int port;
	return brt__split_hostport(s, host, sizeof host, &port);
}

static int bind_one(struct brt_http *h, const char *host, int port)
{
	struct evhttp_bound_socket *b = evhttp_bind_socket_with_handle(
		h->http, host, (ev_uint16_t)port);
	if (!b) {
		brt__log_at(h->rt, BRT_LOG_ERROR, "cannot listen on %s:%d",
			    host, port);
		return BRT_EIO;
	}
	struct evhttp_bound_socket **nb =
		realloc(h->bound, (size_t)(h->nbound + 1) * sizeof *nb);
	if (!nb) {
		evhttp_del_accept_socket(h->http, b);
		return BRT_ENOMEM;
	}
	h->bound = nb;
	h->bound[h->nbound++] = b;
	if (brt__conns_listen(h->conns, b) < 0)
		return BRT_ENOMEM;
	int bport = port;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(evhttp_bound_socket_get_fd(b), (struct sockaddr *)&ss,
			&sl) == 0) {
		if (ss.ss_family == AF_INET)
			bport = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		else if (ss.ss_family == AF_INET6)
			bport = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	}
	brt__log(h->rt, "listening on %s:%d", host, bport);
	return 0;
}

/* A WSDL address: "localhost" means the IPv4 loopback (what most clients
 * try first); a host name that is not ours falls back to all addresses on
 * that port, since the WSDL may name the machine as others see it. */
static int bind_address(struct brt_http *h, const char *host, int port)
{
	unsigned char addr[sizeof(struct in6_addr)];
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	int err = bind_one(h, host, port);
	if (err == BRT_EIO && inet_pton(AF_INET, host, addr) != 1 &&
	    inet_pton(AF_INET6, host, addr) != 1) {
		brt__log(h->rt, "trying all addresses on port %d instead",
			 port);
		err = bind_one(h, "0.0.0.0", port);
	}
	return err;
}

static int bind_addresses(struct brt_http *h)
{
	const struct brt_process *p = h->rt->proc;
	/* Distinct host:port pairs of the myRole addresses, in link order. */
	char seen[64][300];
	int nseen = 0;
	for (int i = 0, alt = -1; i < p->nplinks; alt < 0 ? i++ : 0) {
		const struct brt_partner_link *pl = &p->plinks[i];
		/* The port's address, then the other ports' (alt 0..). */
		const char *addr = alt < 0 ? pl->my_address
					   : pl->my_alt_addresses[alt];
		alt = alt + 1 < pl->nmy_alt ? alt + 1 : -1;
		if (!pl->my_path || !addr)
			continue;
		struct evhttp_uri *u = evhttp_uri_parse(addr);
		const char *host = u ? evhttp_uri_get_host(u) : NULL;
		if (!host) {
			brt__log(h->rt, "partner link %s: cannot serve at '%s'",
				 pl->name, addr);
			evhttp_uri_free(u);
			return BRT_EINVAL;
		}
		int port = evhttp_uri_get_port(u);
		if (port < 0)
			port = 80;
		char key[300];
		snprintf(key, sizeof key, "%.250s:%d", host, port);
		bool dup = false;
		for (int k = 0; k < nseen; k++)
			dup = dup || strcmp(seen[k], key) == 0;
		int err = 0;
		if (!dup && nseen < 64) {
			memcpy(seen[nseen++], key, sizeof key);
			err = bind_address(h, host, port);
		}
		evhttp_uri_free(u);
		if (err)
			return err;
	}
	if (h->nbound == 0)
		brt__log(h->rt, "no myRole partner link: nothing to serve");
	return 0;
}

int brt__http_start(brt_runtime *rt)
{
	struct brt_http *h = calloc(1, sizeof *h);
	if (!h)
		return BRT_ENOMEM;
	h->rt = rt;
	h->http = evhttp_new(rt->base);
	if (!h->http) {
		free(h);
		return BRT_ENOMEM;
	}
	rt->http = h;
	h->conns = brt__conns_new(rt, h->http);
	if (!h->conns ||
	    brt__pass_init(&h->watch_pass, rt, arm_watches, h) < 0) {
		brt__http_free(rt);
		return BRT_ENOMEM;
	}
	evhttp_set_gencb(h->http, on_request, h);
	/* Oversized bodies are refused while reading (413), not buffered. */
	evhttp_set_max_body_size(
		h->http, (ev_ssize_t)(rt->max_body ? rt->max_body : 1u << 20));
	evhttp_set_max_headers_size(h->http, 64 * 1024);
	/* No lingering close: a body declared over --max-body (even 10^12
	 * bytes) is answered 413 at once, not drained to its end first. */
	/* A request-response exchange may wait long for its <reply>; this
	 * bounds idle and half-sent requests (slowloris), not instances:
	 * evhttp does not read while a request waits for its answer. */
	evhttp_set_timeout(
		h->http, rt->client_timeout_s > 0 ? rt->client_timeout_s : 60);
	evhttp_set_allowed_methods(
		h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
				 EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	int err;
	if (rt->listen) {
		char host[256];
		int port;
		err = brt__split_hostport(rt->listen, host, sizeof host, &port);
		if (err)
			brt__log(rt, "bad --listen address '%s'", rt->listen);
		else
			err = bind_one(h, host, port);
	} else
		err = bind_addresses(h);
	if (err) {
		brt__http_free(rt);
		return err;
	}
	return 0;
}

int brt__http_port(const brt_runtime *rt)
{
	struct brt_http *h = rt ? rt->http : NULL;
	if (!h || h->nbound == 0)
		return -1;
	return brt__bound_port(h->bound[0]);
}

void brt__http_stop(brt_runtime *rt)
{
	struct brt_http *h = rt ? rt->http : NULL;
	if (!h)
		return;
	brt__conns_unlisten(h->conns);
	for (int i = 0; i < h->nbound; i++)
		evhttp_del_accept_socket(h->http, h->bound[i]);
	if (h->nbound)
		brt__log(rt, "stopped listening");
	h->nbound = 0;
}

int brt__http_open_requests(const brt_runtime *rt)
{
	/* An exchange whose client has sent EOF does not hold up a stop:
	 * most likely nobody is there to read the answer. */
	return rt && rt->http
		       ? rt->http->nopen - rt->http->npeer_eof + rt->http->nheld
		       : 0;
}

void brt__http_free(brt_runtime *rt)
{
	struct brt_http *h = rt ? rt->http : NULL;
	if (!h)
		return;
	drop_held(h);
	while (h->redo) {
		brt_request *r = h->redo;
		h->redo = r->hnext;
		abandon_now(r, 503, "the service stopped before answering");
	}
	h->redo_tail = NULL;
	if (h->redo_ev)
		event_free(h->redo_ev);
	/* Nobody will answer these any more: say so rather than hang up. */
	while (h->open)
		brt__request_fault(h->open, NULL, "Server", NULL,
				   "the service stopped before answering");
	brt__http_stop(rt);
	brt__pass_free(&h->watch_pass);
	evhttp_free(h->http);
	brt__conns_free(h->conns);
	free(h->bound);
	free(h);
	rt->http = NULL;
}
