/*
 * loadgen.c — HTTP/1.1 load generator for the benchmarks, on libevent.
 *
 * N keep-alive connections, each with one request outstanding: a POST of
 * the same body (or of a template whose @ID@ is replaced by a sequence
 * number) sent again as soon as the previous answer is complete. Either
 * time-bounded (warm-up, then a measured window) or count-bounded (exactly
 * COUNT requests, ids FIRST..FIRST+COUNT-1). Every measured request's
 * latency goes into an array; the report gives requests/s, p50/p99/max and
 * errors. With -p PID it also reads the server's CPU time (utime+stime from
 * /proc/PID/stat) at the start and end of the measured window, so the CPU
 * time per request is the server's, not ours.
 *
 * The HTTP client is deliberately minimal (a status line, Content-Length,
 * Connection: close): it reads what evhttp writes and must cost less than
 * the servers it measures. It is not a general HTTP client.
 *
 * Output: one line of key=value pairs on stdout (run.sh parses it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

struct opts {
	const char *host;
	int port;
	const char *path;
	const char *action; /* SOAPAction, or NULL */
	char *body;	    /* template, owned */
	size_t body_len;
	char *body2; /* -B: every other request sends this instead, owned */
	size_t body2_len;
	int conns;
	double warmup;	 /* seconds */
	double duration; /* seconds; time-bounded mode */
	long count;	 /* > 0: count-bounded mode */
	long first_id;
	int status;	    /* expected HTTP status */
	const char *expect; /* substring the body must contain, or NULL */
	int server_pid;	    /* 0: none */
	double wait_ready;  /* seconds to wait for the port to accept */
	double deadline;    /* count mode: stop issuing after this many s */
};

struct conn;

struct gen {
	struct opts o;
	struct event_base *base;
	struct sockaddr_in addr;
	struct conn *conns;
	const char *id_at;  /* "@ID@" in the body, or NULL */
	unsigned long sent; /* requests sent: -B alternates on it */

	bool measuring;
	bool stopping;
	bool truncated; /* count mode stopped at its deadline */
	long issued;	/* count mode: requests handed out */
	long done;	/* measured requests answered (ok or not) */
	long errors;
	long conn_errors;
	uint32_t *lat_us; /* latencies of measured successful requests */
	size_t nlat, cap;
	double t_start, t_end;
	double cpu_start, cpu_end;
	struct event *timer;
};

enum cstate { C_IDLE, C_CONNECTING, C_HEAD, C_BODY };

struct conn {
	struct gen *g;
	struct bufferevent *bev;
	enum cstate st;
	double t_sent;
	bool counted; /* sent inside the measured window */
	int status;
	size_t clen;
	bool close_after;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* utime+stime of pid in seconds, or -1. */
static double proc_cpu(int pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and ')': fields restart after the last ')' */
	char *p = strrchr(buf, ')');
	if (p == NULL)
		return -1;
	p += 2; /* field 3, the state letter */
	while (*p != ' ' && *p != '\0')
		p++;
	unsigned long long ut = 0, st = 0;
	for (int field = 4; field <= 15 && *p; field++) {
		char *end;
		unsigned long long v = strtoull(p, &end, 10);
		if (field == 14)
			ut = v;
		if (field == 15)
			st = v;
		p = end;
		while (*p == ' ')
			p++;
	}
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void die(const char *msg)
{
	fprintf(stderr, "loadgen: %s\n", msg);
	exit(2);
}

/* memmem is a GNU extension; this is all we need of it. */
static bool contains(const char *hay, size_t n, const char *needle, size_t m)
{
	if (m == 0)
		return true;
	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

static void conn_start(struct conn *c);
static void send_request(struct conn *c);

static void record(struct gen *g, struct conn *c, bool ok)
{
	if (!c->counted)
		return;
	g->done++;
	if (!ok) {
		g->errors++;
		return;
	}
	if (g->nlat == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 65536;
		g->lat_us = realloc(g->lat_us, g->cap * sizeof *g->lat_us);
		if (g->lat_us == NULL)
			die("out of memory");
	}
	double us = (now_s() - c->t_sent) * 1e6;
	g->lat_us[g->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static void finish(struct gen *g)
{
	if (g->stopping)
		return;
	g->stopping = true;
	g->t_end = now_s();
	if (g->o.server_pid)
		g->cpu_end = proc_cpu(g->o.server_pid);
	event_base_loopbreak(g->base);
}

/* Count mode: are we done? */
static void check_count_done(struct gen *g)
{
	if (g->o.count > 0 && g->done >= g->o.count)
		finish(g);
}

static void conn_drop(struct conn *c, bool is_error)
{
	struct gen *g = c->g;
	if (c->bev) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
	if (c->st == C_HEAD || c->st == C_BODY) {
		/* an answer was pending: it is lost */
		record(g, c, false);
		if (!c->counted && is_error)
			g->conn_errors++;
	} else if (is_error) {
		g->conn_errors++;
		if (g->measuring)
			g->errors++;
	}
	c->st = C_IDLE;
	check_count_done(g);
	if (!g->stopping)
		conn_start(c);
}

/* Parse the status line and headers ending at `len` bytes. */
static bool parse_head(struct conn *c, const char *h, size_t len)
{
	if (len < 12 || memcmp(h, "HTTP/1.", 7) != 0)
		return false;
	c->status = atoi(h + 9);
	c->clen = 0;
	c->close_after = h[7] == '0';
	const char *p = memchr(h, '\n', len);
	const char *end = h + len;
	while (p != NULL && p + 1 < end) {
		p++;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			break;
		size_t n = (size_t)(eol - p);
		if (n > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
			c->clen = strtoul(p + 15, NULL, 10);
		else if (n > 11 && strncasecmp(p, "Connection:", 11) == 0) {
			const char *v = p + 11;
			while (*v == ' ')
				v++;
			if (strncasecmp(v, "close", 5) == 0)
				c->close_after = true;
			else if (strncasecmp(v, "keep-alive", 10) == 0)
				c->close_after = false;
		} else if (n > 18 &&
			   strncasecmp(p, "Transfer-Encoding:", 18) == 0) {
			return false; /* chunked: not used by our servers */
		}
		p = eol;
	}
	return true;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;
	struct gen *g = c->g;
	struct evbuffer *in = bufferevent_get_input(bev);
	for (;;) {
		if (c->st == C_HEAD) {
			struct evbuffer_ptr e =
				evbuffer_search(in, "\r\n\r\n", 4, NULL);
			if (e.pos < 0)
				return;
			size_t hlen = (size_t)e.pos + 4;
			const char *h = (const char *)evbuffer_pullup(
				in, (ev_ssize_t)hlen);
			if (!parse_head(c, h, hlen)) {
				conn_drop(c, true);
				return;
			}
			evbuffer_drain(in, hlen);
			c->st = C_BODY;
		}
		if (c->st != C_BODY)
			return;
		if (evbuffer_get_length(in) < c->clen)
			return;
		bool ok = c->status == g->o.status;
		if (ok && g->o.expect != NULL) {
			const char *b = (const char *)evbuffer_pullup(
				in, (ev_ssize_t)c->clen);
			size_t el = strlen(g->o.expect);
			ok = c->clen >= el && b != NULL &&
			     contains(b, c->clen, g->o.expect, el);
		}
		if (!ok && g->errors < 3 && c->counted) {
			size_t n = c->clen < 400 ? c->clen : 400;
			const char *b = (const char *)evbuffer_pullup(
				in, (ev_ssize_t)n);
			fprintf(stderr, "loadgen: unexpected answer %d: %.*s\n",
				c->status, (int)n, b ? b : "");
		}
		evbuffer_drain(in, c->clen);
		c->st = C_IDLE;
		record(g, c, ok);
		check_count_done(g);
		if (g->stopping)
			return;
		if (c->close_after) {
			conn_drop(c, false);
			return;
		}
		send_request(c);
		if (c->st == C_IDLE) /* count mode: nothing left to send */
			return;
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;
	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		int one = 1;
		setsockopt(bufferevent_getfd(c->bev), IPPROTO_TCP, TCP_NODELAY,
			   &one, sizeof one);
		c->st = C_IDLE;
		send_request(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		if (c->g->stopping)
			return;
		/* EOF while idle on keep-alive: the server closed, reconnect */
		conn_drop(c, c->st != C_IDLE || (what & BEV_EVENT_ERROR));
	}
}

static void send_request(struct conn *c)
{
	struct gen *g = c->g;
	long id = 0;
	if (g->o.count > 0) {
		if (g->issued >= g->o.count)
			return;
		id = g->o.first_id + g->issued++;
	}
	struct evbuffer *out = bufferevent_get_output(c->bev);
	char idbuf[32];
	size_t idlen = 0;
	size_t blen = g->o.body_len;
	bool second = g->o.body2 != NULL && (g->sent++ & 1);
	if (second)
		blen = g->o.body2_len;
	else if (g->id_at != NULL) {
		idlen = (size_t)snprintf(idbuf, sizeof idbuf, "%ld", id);
		blen = blen - 4 + idlen;
	}
	evbuffer_add_printf(out,
			    "POST %s HTTP/1.1\r\n"
			    "Host: %s:%d\r\n"
			    "Content-Type: text/xml; charset=utf-8\r\n",
			    g->o.path, g->o.host, g->o.port);
	if (g->o.action != NULL)
		evbuffer_add_printf(out, "SOAPAction: \"%s\"\r\n", g->o.action);
	evbuffer_add_printf(out, "Content-Length: %zu\r\n\r\n", blen);
	if (second) {
		evbuffer_add(out, g->o.body2, g->o.body2_len);
	} else if (g->id_at != NULL) {
		size_t pre = (size_t)(g->id_at - g->o.body);
		evbuffer_add(out, g->o.body, pre);
		evbuffer_add(out, idbuf, idlen);
		evbuffer_add(out, g->id_at + 4, g->o.body_len - pre - 4);
	} else {
		evbuffer_add(out, g->o.body, g->o.body_len);
	}
	c->counted = g->measuring;
	c->t_sent = now_s();
	c->st = C_HEAD;
}

static void conn_start(struct conn *c)
{
	struct gen *g = c->g;
	c->bev = bufferevent_socket_new(g->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		die("bufferevent_socket_new failed");
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->st = C_CONNECTING;
	if (bufferevent_socket_connect(c->bev, (struct sockaddr *)&g->addr,
				       sizeof g->addr) < 0) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		c->st = C_IDLE;
		g->conn_errors++;
		if (g->conn_errors > 1000)
			die("cannot connect");
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct gen *g = arg;
	(void)fd;
	(void)what;
	if (!g->measuring) {
		g->measuring = true;
		g->t_start = now_s();
		if (g->o.server_pid)
			g->cpu_start = proc_cpu(g->o.server_pid);
		struct timeval tv = {
			.tv_sec = (time_t)g->o.duration,
			.tv_usec =
				(suseconds_t)((g->o.duration -
					       (double)(time_t)g->o.duration) *
					      1e6),
		};
		evtimer_add(g->timer, &tv);
		return;
	}
	if (g->o.count > 0) {
		/* count mode past its deadline: issue nothing more, let what
		 * is in flight complete so every request is accounted for */
		g->o.count = g->issued;
		g->truncated = true;
		check_count_done(g);
		return;
	}
	finish(g);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static uint32_t pct(const uint32_t *v, size_t n, double p)
{
	if (n == 0)
		return 0;
	size_t k = (size_t)(p * (double)n + 0.999999); /* nearest rank */
	if (k < 1)
		k = 1;
	if (k > n)
		k = n;
	return v[k - 1];
}

/* Is pid running (not gone, not a zombie)? */
static bool proc_alive(int pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* Block until host:port accepts a connection, up to `secs`; give up at
 * once when the server (pid, 0 for none) has exited. */
static bool wait_ready(const struct sockaddr_in *a, double secs, int pid)
{
	double until = now_s() + secs;
	do {
		if (pid > 0 && !proc_alive(pid))
			return false;
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return false;
		int r = connect(fd, (const struct sockaddr *)a, sizeof *a);
		close(fd);
		if (r == 0)
			return true;
		struct timespec ts = { 0, 5 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	} while (now_s() < until);
	return false;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf != NULL && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n - 1 == 0) {
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (buf == NULL)
		return NULL;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--; /* a trailing newline of the file is not part of the body */
	buf[n] = '\0';
	*len = n;
	return buf;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: loadgen -u HOST:PORT/PATH -b BODYFILE [-B BODYFILE2] "
		"[-a SOAPACTION]\n"
		"               [-c CONNS] [-d SECONDS] [-w WARMUP] | [-n COUNT "
		"[-i FIRST_ID]]\n"
		"               [-s STATUS] [-e EXPECT] [-p SERVER_PID] "
		"[-W WAIT_SECONDS] [-t DEADLINE]\n"
		"       loadgen -r -u HOST:PORT/PATH [-W WAIT_SECONDS] [-p PID]\n"
		"  the body's @ID@ is replaced by a sequence number (-i..)\n"
		"  -B: every other request sends BODYFILE2 (as it is)\n"
		"  -t: count mode stops issuing after DEADLINE s (truncated=1)\n"
		"  -r: only wait (-W, default 10 s) until the port accepts; exit\n"
		"      status 1 if it does not or server -p PID exits first\n");
	exit(2);
}

static void parse_url(struct opts *o, const char *url)
{
	static char host[256];
	if (strncmp(url, "http://", 7) == 0)
		url += 7;
	const char *colon = strchr(url, ':');
	const char *slash = strchr(url, '/');
	if (colon == NULL || slash == NULL || slash < colon ||
	    (size_t)(colon - url) >= sizeof host)
		usage();
	memcpy(host, url, (size_t)(colon - url));
	host[colon - url] = '\0';
	o->host = host;
	o->port = atoi(colon + 1);
	o->path = slash;
}

int main(int argc, char **argv)
{
	struct gen g;
	memset(&g, 0, sizeof g);
	struct opts *o = &g.o;
	o->conns = 16;
	o->duration = 5;
	o->warmup = 1;
	o->status = 200;
	o->first_id = 1;
	const char *body_path = NULL, *body2_path = NULL;
	bool ready_only = false;
	int ch;
	while ((ch = getopt(argc, argv, "u:b:B:a:c:d:w:n:i:s:e:p:W:t:r")) !=
	       -1) {
		switch (ch) {
		case 'u':
			parse_url(o, optarg);
			break;
		case 'b':
			body_path = optarg;
			break;
		case 'B':
			body2_path = optarg;
			break;
		case 'a':
			o->action = optarg;
			break;
		case 'c':
			o->conns = atoi(optarg);
			break;
		case 'd':
			o->duration = atof(optarg);
			break;
		case 'w':
			o->warmup = atof(optarg);
			break;
		case 'n':
			o->count = atol(optarg);
			break;
		case 'i':
			o->first_id = atol(optarg);
			break;
		case 's':
			o->status = atoi(optarg);
			break;
		case 'e':
			o->expect = optarg;
			break;
		case 'p':
			o->server_pid = atoi(optarg);
			break;
		case 'W':
			o->wait_ready = atof(optarg);
			break;
		case 't':
			o->deadline = atof(optarg);
			break;
		case 'r':
			ready_only = true;
			break;
		default:
			usage();
		}
	}
	if (o->host == NULL || (body_path == NULL && !ready_only) ||
	    o->conns < 1 || o->duration <= 0)
		usage();
	if (!ready_only) {
		o->body = read_file(body_path, &o->body_len);
		if (o->body == NULL)
			die("cannot read the body file");
		g.id_at = strstr(o->body, "@ID@");
		if (body2_path != NULL) {
			o->body2 = read_file(body2_path, &o->body2_len);
			if (o->body2 == NULL)
				die("cannot read the second body file");
		}
	}

	g.addr.sin_family = AF_INET;
	g.addr.sin_port = htons((uint16_t)o->port);
	if (inet_pton(AF_INET, o->host, &g.addr.sin_addr) != 1)
		die("host must be an IPv4 address");
	if (ready_only)
		return wait_ready(&g.addr,
				  o->wait_ready > 0 ? o->wait_ready : 10,
				  o->server_pid)
			       ? 0
			       : 1;
	if (o->wait_ready > 0 &&
	    !wait_ready(&g.addr, o->wait_ready, o->server_pid))
		die("server not accepting connections");

	g.base = event_base_new();
	if (g.base == NULL)
		die("event_base_new failed");
	g.timer = evtimer_new(g.base, on_timer, &g);
	g.conns = calloc((size_t)o->conns, sizeof *g.conns);
	if (g.conns == NULL || g.timer == NULL)
		die("out of memory");

	if (o->count > 0) {
		/* count mode: every request is measured */
		g.measuring = true;
		g.t_start = now_s();
		if (o->server_pid)
			g.cpu_start = proc_cpu(o->server_pid);
		if (o->deadline > 0) {
			struct timeval tv = {
				.tv_sec = (time_t)o->deadline,
				.tv_usec = (suseconds_t)((o->deadline -
							  (double)(time_t)
								  o->deadline) *
							 1e6),
			};
			evtimer_add(g.timer, &tv);
		}
	} else if (o->warmup > 0) {
		struct timeval tv = {
			.tv_sec = (time_t)o->warmup,
			.tv_usec = (suseconds_t)((o->warmup -
						  (double)(time_t)o->warmup) *
						 1e6),
		};
		evtimer_add(g.timer, &tv);
	} else {
		on_timer(-1, 0, &g);
	}
	for (int i = 0; i < o->conns; i++) {
		g.conns[i].g = &g;
		conn_start(&g.conns[i]);
	}
	event_base_dispatch(g.base);

	double secs = g.t_end - g.t_start;
	qsort(g.lat_us, g.nlat, sizeof *g.lat_us, cmp_u32);
	long ok = (long)g.nlat;
	printf("conns=%d seconds=%.3f requests=%ld ok=%ld errors=%ld "
	       "conn_errors=%ld rps=%.1f p50_us=%u p99_us=%u max_us=%u",
	       o->conns, secs, g.done, ok, g.errors, g.conn_errors,
	       secs > 0 ? (double)ok / secs : 0.0, pct(g.lat_us, g.nlat, 0.50),
	       pct(g.lat_us, g.nlat, 0.99), g.nlat ? g.lat_us[g.nlat - 1] : 0);
	if (o->server_pid) {
		double cpu = g.cpu_end - g.cpu_start;
		printf(" server_cpu_s=%.3f server_cpu_pct=%.1f cpu_us_per_req=%.2f",
		       cpu, secs > 0 ? 100.0 * cpu / secs : 0.0,
		       ok > 0 ? cpu * 1e6 / (double)ok : 0.0);
	}
	if (o->count > 0)
		printf(" truncated=%d", g.truncated ? 1 : 0);
	printf("\n");

	for (int i = 0; i < o->conns; i++)
		if (g.conns[i].bev)
			bufferevent_free(g.conns[i].bev);
	free(g.conns);
	event_free(g.timer);
	event_base_free(g.base);
	free(g.lat_us);
	free(o->body);
	free(o->body2);
	return g.errors > 0 ? 1 : 0;
}
