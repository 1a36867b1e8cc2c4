/*
 * conns.c — the server's client connections as resources: how many are
 * open (--max-connections), how long one may take to deliver a whole
 * request (--read-timeout), and what happens when the process runs out of
 * descriptors. http.c owns the requests; this file only watches the
 * sockets under them.
 *
 * evhttp keeps its connections private, so they are followed from their
 * bufferevents: evhttp_set_bevcb lets us make each connection's
 * bufferevent, and we keep one reference to it. When evhttp frees the
 * connection, bufferevent_free clears its callbacks and drops evhttp's
 * reference; ours keeps the object readable, and the next sweep sees
 * the cleared callbacks and drops it (which closes the socket). Sweeps run
 * every SWEEP_MS and when a connection is accepted at the limit.
 *
 * Beyond the limit the oldest connection without an open request-response
 * exchange is shut down (evhttp then sees EOF and frees it); when every
 * connection has one, the listeners pause until one goes. An accept()
 * error (EMFILE: no descriptors left) pauses the listeners for a moment
 * too, so accepting never spins and libevent never logs a line per try.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>

#include "internal.h"

enum {
	SWEEP_MS = 500,
	PAUSE_MS = 200,
	SOON_MS = 20, /* after a close, to get its descriptor back */
	ACCEPT_LOG_EVERY_S = 10
};

struct brt_conn {
	struct brt_conns *cs;
	struct brt_conn *prev, *next; /* oldest first */
	struct bufferevent *bev;      /* NULL once released */
	double since;		      /* accepted, or its last answer */
	int open;		      /* open exchanges on it */
	bool closing;		      /* shut down, evhttp not done yet */
	struct event *linger;	      /* draining before the close */
	double linger_until;
	size_t drained;
};

struct brt_conns {
	brt_runtime *rt;
	struct brt_conn *head, *tail;
	int count; /* with a bufferevent still in evhttp's hands */
	struct event *sweep;
	int nlisteners;
	struct evconnlistener **listeners;
	bool paused;
	double last_accept_log;
};

static double now_s(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void arm(struct brt_conns *cs, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	event_add(cs->sweep, &tv);
}

/* Sweep within SOON_MS, without postponing a sweep already due sooner
 * (a flood of accepts must not keep pushing it away). */
static void soon(struct brt_conns *cs)
{
	struct timeval due;
	if (event_pending(cs->sweep, EV_TIMEOUT, &due)) {
		double at = (double)due.tv_sec + (double)due.tv_usec / 1e6;
		if (at <= now_s() + SOON_MS / 1000.0)
			return;
	}
	arm(cs, SOON_MS);
}

static void unlink_conn(struct brt_conn *c)
{
	struct brt_conns *cs = c->cs;
	if (c->prev)
		c->prev->next = c->next;
	else
		cs->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		cs->tail = c->prev;
	free(c);
}

/* evhttp is done with c's bufferevent: drop ours (closes the socket).
 * The record stays while a brt_request still points at it. */
static void release(struct brt_conn *c)
{
	if (c->linger) {
		event_free(c->linger);
		c->linger = NULL;
	}
	bufferevent_decref(c->bev);
	c->bev = NULL;
	c->cs->count--;
	if (c->open <= 0)
		unlink_conn(c);
}

/*
 * A bounded lingering close. evhttp answers a body declared over
 * --max-body with 413 and closes at once (draining a claimed 10^12 bytes
 * first would take forever); closing a socket with unread data resets
 * it, and the client, still sending, may never read the 413. So the
 * sending side is shut (the client sees the answer and end of stream),
 * and what still arrives is read and dropped for at most LINGER_MS or
 * LINGER_BYTES, then the socket is closed.
 */
enum { LINGER_MS = 2000, LINGER_BYTES = 4 << 20 };

static void on_linger(evutil_socket_t fd, short what, void *arg)
{
	struct brt_conn *c = arg;
	char buf[16384];
	bool done = (what & EV_TIMEOUT) != 0 || now_s() > c->linger_until;
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			c->drained += (size_t)n;
			done = c->drained > LINGER_BYTES;
		} else
			done = n == 0 ||
			       (errno != EAGAIN && errno != EWOULDBLOCK &&
				errno != EINTR);
		if (n < 0 && !done)
			return; /* wait for more */
	}
	release(c);
}

/* Start the lingering close of a connection evhttp let go of; false when
 * there is nothing to linger for (then release at once). */
static bool linger(struct brt_conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	if (fd < 0 || c->linger || c->closing)
		return c->linger != NULL;
	char probe;
	ssize_t n = recv(fd, &probe, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)))
		return false; /* the client closed: nothing to protect */
	shutdown(fd, SHUT_WR);
	c->linger = event_new(c->cs->rt->base, fd, EV_READ | EV_PERSIST,
			      on_linger, c);
	if (!c->linger)
		return false;
	c->linger_until = now_s() + LINGER_MS / 1000.0;
	struct timeval tv = { LINGER_MS / 1000, (LINGER_MS % 1000) * 1000 };
	event_add(c->linger, &tv);
	return true;
}

static bool freed_by_evhttp(struct bufferevent *bev)
{
	bufferevent_data_cb r, w;
	bufferevent_event_cb e;
	void *arg;
	bufferevent_getcb(bev, &r, &w, &e, &arg);
	return !r && !w && !e;
}

static void close_conn(struct brt_conn *c)
{
	c->closing = true;
	evutil_socket_t fd = bufferevent_getfd(c->bev);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR); /* evhttp reads EOF and frees it */
}

static void set_paused(struct brt_conns *cs, bool paused)
{
	if (cs->paused == paused)
		return;
	cs->paused = paused;
	for (int i = 0; i < cs->nlisteners; i++)
		if (paused)
			evconnlistener_disable(cs->listeners[i]);
		else
			evconnlistener_enable(cs->listeners[i]);
}

/* Shut the oldest connection that has no open exchange; false if all
 * have one. */
static bool evict_one(struct brt_conns *cs)
{
	for (struct brt_conn *c = cs->head; c; c = c->next)
		if (c->bev && !c->closing && c->open <= 0 &&
		    !freed_by_evhttp(c->bev)) {
			close_conn(c);
			soon(cs);
			brt__debug(cs->rt,
				   "connection limit: closed the oldest "
				   "idle connection");
			return true;
		}
	return false;
}

/* Connections that count against the limit: not already shut down. */
static int live(const struct brt_conns *cs)
{
	int n = cs->count;
	for (const struct brt_conn *c = cs->head; c; c = c->next)
		n -= c->bev && c->closing;
	return n;
}

static int max_conns(const struct brt_conns *cs)
{
	return cs->rt->max_connections > 0 ? cs->rt->max_connections
					   : BRT_MAX_CONNECTIONS;
}

static void sweep(struct brt_conns *cs)
{
	brt_runtime *rt = cs->rt;
	double t = now_s();
	int limit = rt->read_timeout_s > 0 ? rt->read_timeout_s
					   : BRT_READ_TIMEOUT_S;
	struct brt_conn *next;
	for (struct brt_conn *c = cs->head; c; c = next) {
		next = c->next;
		if (!c->bev || c->linger)
			continue;
		if (freed_by_evhttp(c->bev)) {
			if (!linger(c))
				release(c);
			continue;
		}
		/* A whole request within --read-timeout of the connection's
		 * start or its previous answer, however slowly it trickles. */
		if (c->open <= 0 && !c->closing && t - c->since > limit) {
			brt__log(rt,
				 "a client took more than %d s to send its "
				 "request (--read-timeout); connection closed",
				 limit);
			close_conn(c);
		}
	}
	set_paused(cs, live(cs) >= max_conns(cs) && !evict_one(cs));
}

static void on_sweep(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct brt_conns *cs = arg;
	sweep(cs);
	bool closing = false;
	for (struct brt_conn *c = cs->head; c && !closing; c = c->next)
		closing = c->bev && c->closing;
	arm(cs, closing ? SOON_MS : cs->paused ? PAUSE_MS : SWEEP_MS);
}

/* evhttp asks for the bufferevent of a connection it just accepted. */
static struct bufferevent *on_new_conn(struct event_base *base, void *arg)
{
	struct brt_conns *cs = arg;
	struct brt_conn *c = calloc(1, sizeof *c);
	struct bufferevent *bev =
		bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (!c || !bev) {
		free(c);
		return bev; /* untracked, but served */
	}
	bufferevent_incref(bev);
	c->cs = cs;
	c->bev = bev;
	c->since = now_s();
	c->prev = cs->tail;
	if (cs->tail)
		cs->tail->next = c;
	else
		cs->head = c;
	cs->tail = c;
	cs->count++;
	if (cs->count > max_conns(cs)) {
		/* Connections evhttp has already let go of come off first. */
		struct brt_conn *next;
		for (struct brt_conn *o = cs->head; o; o = next) {
			next = o->next;
			if (o != c && o->bev && !o->linger &&
			    freed_by_evhttp(o->bev))
				release(o);
		}
		if (live(cs) > max_conns(cs) && !evict_one(cs))
			set_paused(cs, true);
	}
	return bev;
}

/* The listener's error callback gets evhttp's own argument (the evhttp),
 * not ours, and evhttp has no user data: the one server of the process
 * is found here instead. Set and cleared with it. */
static struct brt_conns *server_conns;

static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	(void)lev;
	(void)arg;
	struct brt_conns *cs = server_conns;
	if (!cs) {
		evconnlistener_disable(lev);
		return;
	}
	int err = EVUTIL_SOCKET_ERROR();
	double t = now_s();
	/* One line per episode, not one per failed accept(). */
	if (t - cs->last_accept_log >= ACCEPT_LOG_EVERY_S) {
		cs->last_accept_log = t;
		brt__log(cs->rt,
			 "cannot accept connections: %s (%d open); pausing",
			 evutil_socket_error_to_string(err), cs->count);
	}
	/* Connections being closed give their descriptors back at the next
	 * sweep: make it soon. */
	bool closing = false;
	for (struct brt_conn *c = cs->head; c && !closing; c = c->next)
		closing = c->bev && c->closing;
	closing = evict_one(cs) || closing;
	set_paused(cs, true);
	if (closing)
		soon(cs);
	else
		arm(cs, PAUSE_MS);
}

/* --max-connections stays well below the descriptor limit (partners,
 * the log and the store need descriptors too): the soft limit is raised
 * to the hard one, and the option is lowered to 3/4 of it if need be. */
static void fit_rlimit(brt_runtime *rt)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max;
		if (want == RLIM_INFINITY || want > 1u << 20)
			want = 1u << 20;
		if (want > rl.rlim_cur) {
			rl.rlim_cur = want;
			setrlimit(RLIMIT_NOFILE, &rl);
			getrlimit(RLIMIT_NOFILE, &rl);
		}
	}
	rlim_t room = rl.rlim_cur / 4 * 3;
	int want = rt->max_connections > 0 ? rt->max_connections
					   : BRT_MAX_CONNECTIONS;
	if ((rlim_t)want > room) {
		rt->max_connections = room > 16 ? (int)room : 16;
		brt__log(rt,
			 "--max-connections lowered to %d (descriptor limit "
			 "%lu)",
			 rt->max_connections, (unsigned long)rl.rlim_cur);
	}
}

struct brt_conns *brt__conns_new(brt_runtime *rt, struct evhttp *http)
{
	fit_rlimit(rt);
	struct brt_conns *cs = calloc(1, sizeof *cs);
	if (!cs)
		return NULL;
	cs->rt = rt;
	cs->last_accept_log = -1e9;
	cs->sweep = event_new(rt->base, -1, 0, on_sweep, cs);
	if (!cs->sweep) {
		free(cs);
		return NULL;
	}
	evhttp_set_bevcb(http, on_new_conn, cs);
	arm(cs, SWEEP_MS);
	server_conns = cs;
	return cs;
}

int brt__conns_listen(struct brt_conns *cs, struct evhttp_bound_socket *b)
{
	struct evconnlistener *lev = evhttp_bound_socket_get_listener(b);
	if (!lev)
		return 0;
	struct evconnlistener **nl = realloc(
		cs->listeners, (size_t)(cs->nlisteners + 1) * sizeof *nl);
	if (!nl)
		return BRT_ENOMEM;
	cs->listeners = nl;
	nl[cs->nlisteners++] = lev;
	evconnlistener_set_error_cb(lev, on_accept_error);
	return 0;
}

void brt__conns_unlisten(struct brt_conns *cs)
{
	if (cs)
		cs->nlisteners = 0; /* evhttp frees them */
}

struct brt_conn *brt__conn_of(struct brt_conns *cs, struct evhttp_request *req)
{
	struct evhttp_connection *evcon =
		cs && req ? evhttp_request_get_connection(req) : NULL;
	struct bufferevent *bev =
		evcon ? evhttp_connection_get_bufferevent(evcon) : NULL;
	/* Newest first: the request just read is on a recent one. */
	for (struct brt_conn *c = cs && bev ? cs->tail : NULL; c; c = c->prev)
		if (c->bev == bev)
			return c;
	return NULL;
}

void brt__conn_request(struct brt_conn *c)
{
	if (c)
		c->since = now_s();
}

void brt__conn_open(struct brt_conn *c, int delta)
{
	if (!c)
		return;
	c->open += delta;
	if (delta < 0)
		c->since = now_s();
	if (c->open <= 0 && !c->bev)
		unlink_conn(c);
}

int brt__conns_count(const struct brt_conns *cs)
{
	return cs ? cs->count : 0;
}

void brt__conns_free(struct brt_conns *cs)
{
	if (!cs)
		return;
	if (server_conns == cs)
		server_conns = NULL;
	event_free(cs->sweep);
	/* After evhttp_free: every bufferevent has been given back. */
	while (cs->head) {
		struct brt_conn *c = cs->head;
		if (c->linger)
			event_free(c->linger);
		c->linger = NULL;
		if (c->bev)
			bufferevent_decref(c->bev);
		c->bev = NULL;
		c->open = 0;
		unlink_conn(c);
	}
	free(cs->listeners);
	free(cs);
}
