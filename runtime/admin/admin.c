/*
 * admin.c — the admin listener (--admin-listen HOST:PORT): health probes
 * (/livez, /readyz), Prometheus metrics (/metrics), the instance API
 * (/admin/v1/...) and the read-only console page (/admin/).
 *
 * It is a second evhttp server on the same event loop, never the SOAP
 * port's: a client of the process cannot reach any of this. A listener on
 * an address other than the loopback is refused unless
 * --admin-token-file gives a token; with a token every request must carry
 * `Authorization: Bearer TOKEN` (compared in constant time) or gets 401.
 *
 * It does not know instances (inspect.c answers for the engine) nor count
 * anything (metrics.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "admin.h"

/* console_html.c, made from console.html by the build. */
extern const char brt__console_html[];

enum { TOKEN_MAX = 4096, MAX_PROPS = 16 };

struct brt_admin {
	brt_runtime *rt;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	char *token; /* NULL: no token asked */
	size_t token_len;
	struct event *resume; /* accepting again after a pause */
	time_t last_accept_log;
};

/* ---- accept errors ----------------------------------------------------- */

/* How long accepting pauses after accept() failed (out of descriptors),
 * and how often that is logged at most. */
#define ADMIN_PAUSE_MS 250
#define ADMIN_ACCEPT_LOG_EVERY_S 10

/* The listener's error callback gets evhttp's argument, not ours: the one
 * admin listener of the process is found here. Set and cleared with it. */
static struct brt_admin *accept_admin;

static void on_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct brt_admin *a = arg;
	evconnlistener_enable(evhttp_bound_socket_get_listener(a->bound));
}

/* Without this, libevent's listener tries accept() again at once when it
 * fails (no descriptor left) and logs every failure: the loop spins and
 * writes hundreds of thousands of lines a second (issue 10). Instead:
 * pause ADMIN_PAUSE_MS, one line per ADMIN_ACCEPT_LOG_EVERY_S. */
static void on_accept_error(struct evconnlistener *lev, void *arg)
{
	(void)arg;
	int err = EVUTIL_SOCKET_ERROR();
	evconnlistener_disable(lev);
	struct brt_admin *a = accept_admin;
	if (!a || !a->resume)
		return;
	time_t t = time(NULL);
	if (t - a->last_accept_log >= ADMIN_ACCEPT_LOG_EVERY_S) {
		a->last_accept_log = t;
		brt__log_at(a->rt, BRT_LOG_WARN,
			    "admin: cannot accept connections: %s; pausing",
			    evutil_socket_error_to_string(err));
	}
	struct timeval tv = { 0, ADMIN_PAUSE_MS * 1000 };
	evtimer_add(a->resume, &tv);
}

/* ---- the token ----------------------------------------------------------- */

static bool is_loopback(const char *host)
{
	unsigned char a[sizeof(struct in6_addr)];
	if (strcmp(host, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, host, a) == 1)
		return a[0] == 127;
	if (inet_pton(AF_INET6, host, a) == 1)
		return memcmp(a, &in6addr_loopback, sizeof in6addr_loopback) ==
		       0;
	return false;
}

/* The whole file, trailing blanks and newlines cut. */
static char *read_token(const char *path, size_t *len, const char **why)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*why = strerror(errno);
		return NULL;
	}
	char *buf = malloc(TOKEN_MAX + 1);
	size_t n = buf ? fread(buf, 1, TOKEN_MAX + 1, f) : 0;
	fclose(f);
	if (!buf) {
		*why = "out of memory";
		return NULL;
	}
	if (n > TOKEN_MAX) {
		free(buf);
		*why = "longer than 4096 bytes";
		return NULL;
	}
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
		n--;
	buf[n] = '\0';
	if (n == 0 || memchr(buf, '\0', n) || strpbrk(buf, "\r\n")) {
		free(buf);
		*why = "empty, or not one line of text";
		return NULL;
	}
	*len = n;
	return buf;
}

/* Every byte is compared whatever the first difference, so the time an
 * answer takes says nothing about how much of a guess was right. */
static bool same_secret(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char d = alen != blen;
	for (size_t i = 0; i < blen; i++)
		d |= (unsigned char)(a[i % (alen ? alen : 1)] ^ b[i]);
	return d == 0 && alen == blen;
}

static bool authorized(struct brt_admin *a, struct evhttp_request *req)
{
	if (!a->token)
		return true;
	const char *h = evhttp_find_header(
		evhttp_request_get_input_headers(req), "Authorization");
	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return false;
	h += 7;
	while (*h == ' ')
		h++;
	return same_secret(h, strlen(h), a->token, a->token_len);
}

/* ---- answers ------------------------------------------------------------- */

static void send_buf(struct evhttp_request *req, int status, const char *reason,
		     const char *ctype, struct evbuffer *body)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	evhttp_add_header(h, "Content-Type", ctype);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_send_reply(req, status, reason, body);
}

/* {"error": text} with status. */
static void send_error(struct evhttp_request *req, int status,
		       const char *reason, const char *text)
{
	struct evbuffer *b = evbuffer_new();
	if (b) {
		evbuffer_add(b, "{\"error\":", 9);
		brt__json_str(b, text, (size_t)-1);
		evbuffer_add(b, "}\n", 2);
	}
	send_buf(req, status, reason, "application/json", b);
	if (b)
		evbuffer_free(b);
}

static void send_text(struct evhttp_request *req, int status,
		      const char *reason, const char *ctype, const char *text)
{
	struct evbuffer *b = evbuffer_new();
	if (b)
		evbuffer_add(b, text, strlen(text));
	send_buf(req, status, reason, ctype, b);
	if (b)
		evbuffer_free(b);
}

/* ---- probes and metrics -------------------------------------------------- */

static void readyz(brt_runtime *rt, struct evhttp_request *req, bool verbose)
{
	const char *why = NULL;
	bool ok = brt__ops_ready(rt, &why);
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		send_error(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	evbuffer_add_printf(b, "{\"status\":\"%s\"",
			    ok ? "ready" : "not ready");
	if (!ok) {
		evbuffer_add(b, ",\"reason\":", 10);
		brt__json_str(b, why, (size_t)-1);
	}
	if (verbose) {
		const struct brt_ops *o = rt->ops;
		evbuffer_add_printf(
			b,
			",\"checks\":{\"listeners\":%s,\"store\":%s,"
			"\"draining\":%s}",
			o && o->serving ? "true" : "false",
			o && o->store_ready ? "true" : "false",
			rt->draining || rt->stopping ? "true" : "false");
	}
	evbuffer_add(b, "}\n", 2);
	send_buf(req, ok ? 200 : 503, ok ? "OK" : "Service Unavailable",
		 "application/json", b);
	evbuffer_free(b);
}

static void metrics(brt_runtime *rt, struct evhttp_request *req)
{
	struct evbuffer *b = evbuffer_new();
	if (!b || brt__metrics_render(rt, b) < 0) {
		if (b)
			evbuffer_free(b);
		send_error(req, 500, "Internal Server Error",
			   "cannot render the metrics");
		return;
	}
	send_buf(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8", b);
	evbuffer_free(b);
}

/* ---- the instance API ---------------------------------------------------- */

static long days_from_civil(long y, unsigned m, unsigned d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

/* Seconds since the epoch from "1733472000[.5]" or an RFC 3339 time
 * "2026-12-06T07:45:00[.123](Z|+hh:mm)"; -1 when it is neither. */
static double parse_time(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end != s && !*end && v >= 0)
		return v;
	int y, mo, d, h, mi, n = 0;
	double sec;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%lf%n", &y, &mo, &d, &h, &mi, &sec,
		   &n) != 6 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59)
		return -1;
	const char *z = s + n;
	double off = 0;
	if (*z == 'Z' && !z[1])
		off = 0;
	else if ((*z == '+' || *z == '-') && strlen(z) == 6 && z[3] == ':') {
		int oh = atoi(z + 1), om = atoi(z + 4);
		off = (oh * 3600 + om * 60) * (*z == '-' ? -1 : 1);
	} else
		return -1;
	return (double)days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	       h * 3600 + mi * 60 + sec - off;
}

static void list_instances(brt_runtime *rt, struct evhttp_request *req,
			   struct evkeyvalq *q)
{
	struct brt_inst_filter f = { 0 };
	const char *names[MAX_PROPS], *values[MAX_PROPS];
	f.prop_names = names;
	f.prop_values = values;
	for (struct evkeyval *kv = q->tqh_first; kv; kv = kv->next.tqe_next) {
		const char *k = kv->key, *v = kv->value;
		if (strcmp(k, "status") == 0) {
			if (*v && strcmp(v, "running") != 0 &&
			    strcmp(v, "waiting") != 0 &&
			    strcmp(v, "suspended") != 0) {
				send_error(req, 400, "Bad Request",
					   "status is running, waiting or "
					   "suspended");
				return;
			}
			f.status = *v ? v : NULL;
		} else if (strcmp(k, "started_after") == 0 ||
			   strcmp(k, "started_before") == 0) {
			double t = *v ? parse_time(v) : 0;
			if (t < 0) {
				send_error(req, 400, "Bad Request",
					   "a time is seconds since the epoch "
					   "or RFC 3339 "
					   "(2026-12-06T07:45:00Z)");
				return;
			}
			if (k[8] == 'a')
				f.started_after = t;
			else
				f.started_before = t;
		} else if (strcmp(k, "limit") == 0) {
			char *end;
			long n = strtol(v, &end, 10);
			if (!*v || *end || n < 0 || n > 1000000) {
				send_error(req, 400, "Bad Request",
					   "limit is a whole number");
				return;
			}
			f.limit = (int)n;
		} else if (strncmp(k, "property.", 9) == 0 && k[9]) {
			if (f.nprops == MAX_PROPS) {
				send_error(req, 400, "Bad Request",
					   "at most 16 property filters");
				return;
			}
			names[f.nprops] = k + 9;
			values[f.nprops++] = v;
		} else {
			send_error(req, 400, "Bad Request",
				   "unknown parameter (status, started_after, "
				   "started_before, limit, property.NAME)");
			return;
		}
	}
	struct evbuffer *b = evbuffer_new();
	if (!b || brt__instances_json(rt, &f, b) < 0) {
		if (b)
			evbuffer_free(b);
		send_error(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	send_buf(req, 200, "OK", "application/json", b);
	evbuffer_free(b);
}

/* "/admin/v1/instances/ID[/ACTION]" after the prefix: the id, and the
 * action (or ""); false when the rest is not that. */
static bool instance_path(const char *rest, unsigned long *id,
			  const char **action)
{
	char *end;
	if (*rest < '0' || *rest > '9')
		return false;
	errno = 0;
	*id = strtoul(rest, &end, 10);
	if (errno || *id == 0)
		return false;
	if (!*end) {
		*action = "";
		return true;
	}
	if (*end != '/' || !end[1] || strchr(end + 1, '/'))
		return false;
	*action = end + 1;
	return true;
}

static void one_instance(brt_runtime *rt, struct evhttp_request *req,
			 enum evhttp_cmd_type cmd, const char *rest,
			 struct evkeyvalq *q)
{
	unsigned long id;
	const char *action;
	if (!instance_path(rest, &id, &action)) {
		send_error(req, 404, "Not Found", "no such resource");
		return;
	}
	if (!*action) {
		if (cmd != EVHTTP_REQ_GET) {
			evhttp_add_header(
				evhttp_request_get_output_headers(req), "Allow",
				"GET");
			send_error(req, 405, "Method Not Allowed", "GET only");
			return;
		}
		const char *v = evhttp_find_header(q, "variables");
		bool vars = v &&
			    (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
		struct evbuffer *b = evbuffer_new();
		int err = b ? brt__instance_json(rt, id, vars, b) : BRT_ENOMEM;
		if (err == 0)
			send_buf(req, 200, "OK", "application/json", b);
		else if (err == BRT_ENOTFOUND)
			send_error(req, 404, "Not Found", "no such instance");
		else
			send_error(req, 500, "Internal Server Error",
				   brt_strerror(err));
		if (b)
			evbuffer_free(b);
		return;
	}
	int (*fn)(brt_runtime *, unsigned long) =
		strcmp(action, "terminate") == 0 ? brt__instance_terminate
		: strcmp(action, "suspend") == 0 ? brt__instance_suspend
		: strcmp(action, "resume") == 0	 ? brt__instance_resume
						 : NULL;
	if (!fn) {
		send_error(req, 404, "Not Found",
			   "no such action (terminate, suspend, resume)");
		return;
	}
	if (cmd != EVHTTP_REQ_POST) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Allow", "POST");
		send_error(req, 405, "Method Not Allowed", "POST only");
		return;
	}
	if (brt__persist_progress(rt)) {
		/* Recovering: the instance may not be restored yet, and what
		 * changes now could not be written before recovery ends. */
		send_error(req, 503, "Service Unavailable",
			   "the store is being recovered; try again when "
			   "/readyz says ready");
		return;
	}
	int err = fn(rt, id);
	if (err == BRT_ENOTFOUND) {
		send_error(req, 404, "Not Found", "no such instance");
		return;
	}
	if (err == BRT_ESTATE) {
		send_error(req, 409, "Conflict",
			   strcmp(action, "suspend") == 0
				   ? "the instance is suspended already"
				   : "the instance is not suspended");
		return;
	}
	brt__log(rt, "admin: instance %lu: %s", id, action);
	char done[120];
	snprintf(done, sizeof done, "{\"id\":%lu,\"done\":\"%s\"}\n", id,
		 action);
	send_text(req, 200, "OK", "application/json", done);
}

static void process_json(brt_runtime *rt, struct evhttp_request *req)
{
	const struct brt_process *p = rt->proc;
	struct evbuffer *b = evbuffer_new();
	if (!b) {
		send_error(req, 500, "Internal Server Error", "out of memory");
		return;
	}
	evbuffer_add(b, "{\"name\":", 8);
	brt__json_str(b, p->name, (size_t)-1);
	evbuffer_add(b, ",\"build\":", 9);
	brt__json_str(b, p->build_id ? p->build_id : "", (size_t)-1);
	evbuffer_add(b, ",\"source\":", 10);
	brt__json_str(b, p->source ? p->source : "", (size_t)-1);
	evbuffer_add(b, ",\"activities\":[", 15);
	for (int i = 0; i < p->nactivities; i++) {
		const struct brt_activity *a = &p->activities[i];
		evbuffer_add_printf(
			b, "%s{\"index\":%d,\"kind\":", i ? "," : "", i);
		brt__json_str(b, a->kind, (size_t)-1);
		evbuffer_add(b, ",\"name\":", 8);
		if (a->name)
			brt__json_str(b, a->name, (size_t)-1);
		else
			evbuffer_add(b, "null", 4);
		evbuffer_add_printf(b, ",\"line\":%d,\"parent\":%d}", a->line,
				    a->parent);
	}
	evbuffer_add(b, "]}\n", 3);
	send_buf(req, 200, "OK", "application/json", b);
	evbuffer_free(b);
}

/* ---- dispatch ------------------------------------------------------------ */

static void on_request(struct evhttp_request *req, void *arg)
{
	struct brt_admin *a = arg;
	brt_runtime *rt = a->rt;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	if (!path)
		path = "/";
	/* The console page is the same static text for everyone and holds
	 * no data: it is served without the token, and asks for it before
	 * it calls the API (which wants it). */
	bool page = strcmp(path, "/admin/") == 0 &&
		    (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD);
	if (!page && !authorized(a, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "WWW-Authenticate", "Bearer");
		send_error(req, 401, "Unauthorized",
			   "this listener wants Authorization: Bearer TOKEN");
		return;
	}
	/* k8s-style `?verbose` has no '=', which evhttp's parser refuses:
	 * /readyz reads its query itself. */
	struct evkeyvalq q = { 0 };
	if (query && strcmp(path, "/readyz") != 0 &&
	    evhttp_parse_query_str(query, &q) < 0) {
		send_error(req, 400, "Bad Request", "malformed query string");
		return;
	}
	bool is_get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
	const char *inst = "/admin/v1/instances";
	size_t ilen = strlen(inst);
	if (strncmp(path, inst, ilen) == 0 && path[ilen] == '/')
		one_instance(rt, req, cmd, path + ilen + 1, &q);
	else if (!is_get) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Allow", "GET, HEAD");
		send_error(req, 405, "Method Not Allowed", "GET only");
	} else if (strcmp(path, "/livez") == 0)
		/* Answered from the event loop: it turns. */
		send_text(req, 200, "OK", "text/plain; charset=utf-8", "ok\n");
	else if (strcmp(path, "/readyz") == 0)
		readyz(rt, req,
		       query && (strcmp(query, "verbose") == 0 ||
				 strncmp(query, "verbose=", 8) == 0));
	else if (strcmp(path, "/metrics") == 0)
		metrics(rt, req);
	else if (strcmp(path, inst) == 0)
		list_instances(rt, req, &q);
	else if (strcmp(path, "/admin/v1/process") == 0)
		process_json(rt, req);
	else if (strcmp(path, "/admin/") == 0)
		send_text(req, 200, "OK", "text/html; charset=utf-8",
			  brt__console_html);
	else if (strcmp(path, "/admin") == 0) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
				  "Location", "/admin/");
		send_text(req, 301, "Moved Permanently",
			  "text/plain; charset=utf-8", "/admin/\n");
	} else
		send_error(req, 404, "Not Found", "no such resource");
	evhttp_clear_headers(&q);
}

/* ---- the listener -------------------------------------------------------- */

int brt__admin_check_listen(const char *s)
{
	char host[256];
	int port;
	return brt__split_hostport(s, host, sizeof host, &port);
}

int brt__admin_start(brt_runtime *rt)
{
	if (!rt->admin_listen)
		return 0;
	if (!rt->ops)
		return BRT_EINVAL;
	char host[256];
	int port;
	if (brt__split_hostport(rt->admin_listen, host, sizeof host, &port) !=
	    0) {
		brt__log_at(rt, BRT_LOG_ERROR,
			    "bad --admin-listen address '%s'",
			    rt->admin_listen);
		return BRT_EINVAL;
	}
	if (!is_loopback(host) && !rt->admin_token_file) {
		brt__log_at(rt, BRT_LOG_ERROR,
			    "--admin-listen %s is not a loopback address: "
			    "give --admin-token-file FILE too",
			    rt->admin_listen);
		return BRT_EINVAL;
	}
	struct brt_admin *a = calloc(1, sizeof *a);
	if (!a)
		return BRT_ENOMEM;
	a->rt = rt;
	rt->ops->admin = a;
	if (rt->admin_token_file) {
		const char *why = "";
		a->token =
			read_token(rt->admin_token_file, &a->token_len, &why);
		if (!a->token) {
			brt__log_at(rt, BRT_LOG_ERROR,
				    "--admin-token-file %s: %s",
				    rt->admin_token_file, why);
			brt__admin_free(rt);
			return BRT_EINVAL;
		}
	}
	a->http = evhttp_new(rt->base);
	if (!a->http) {
		brt__admin_free(rt);
		return BRT_ENOMEM;
	}
	evhttp_set_gencb(a->http, on_request, a);
	evhttp_set_max_body_size(a->http, 4096);
	evhttp_set_max_headers_size(a->http, 16 * 1024);
	evhttp_set_timeout(a->http, 30);
	evhttp_set_allowed_methods(
		a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				 EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	a->bound = evhttp_bind_socket_with_handle(a->http, host,
						  (ev_uint16_t)port);
	if (!a->bound) {
		brt__log_at(rt, BRT_LOG_ERROR, "cannot listen on %s:%d (admin)",
			    host, port);
		brt__admin_free(rt);
		return BRT_EIO;
	}
	a->resume = evtimer_new(rt->base, on_resume, a);
	if (!a->resume) {
		brt__admin_free(rt);
		return BRT_ENOMEM;
	}
	a->last_accept_log = 0;
	accept_admin = a;
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(a->bound),
				    on_accept_error);
	brt__log(rt, "admin listening on %s:%d%s", host, brt__admin_port(rt),
		 a->token ? " (token required)" : "");
	return 0;
}

int brt__admin_port(const brt_runtime *rt)
{
	struct brt_admin *a = rt && rt->ops ? rt->ops->admin : NULL;
	if (!a || !a->bound)
		return -1;
	return brt__bound_port(a->bound);
}

void brt__admin_free(brt_runtime *rt)
{
	struct brt_admin *a = rt && rt->ops ? rt->ops->admin : NULL;
	if (!a)
		return;
	if (accept_admin == a)
		accept_admin = NULL;
	if (a->resume)
		event_free(a->resume);
	if (a->http)
		evhttp_free(a->http);
	if (a->token) {
		/* Do not leave the secret in freed memory. */
		volatile char *t = a->token;
		for (size_t i = 0; i < a->token_len; i++)
			t[i] = 0;
		free(a->token);
	}
	free(a);
	rt->ops->admin = NULL;
}
