/*
 * main.c — brt_main: the compiled service's command line, the one
 * brt_runtime object (no mutable globals: everything hangs off it), start-up
 * of the services in order, the event loop, and a graceful stop on
 * SIGTERM/SIGINT.
 *
 * It does not serve requests (http.c), call partners (invoke.c) or run
 * instances (the engine); it wires them together and tears them down in the
 * reverse order.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <event2/event.h>

#include "internal.h"

#ifndef BRT_VERSION
#define BRT_VERSION "0.0.0"
#endif

/* How long a stopping service waits for the work in flight. */
#define GRACE_MS 10000
#define POLL_MS 100
/* While nothing is in flight the checks come this fast: a service with
 * nothing to finish exits at once (after a pass or two of the loop, in
 * which the last answers are written). */
#define QUIET_POLL_MS 1

/* ---- options ------------------------------------------------------------- */

static void usage(FILE *f, const char *argv0)
{
	fprintf(f,
		"usage: %s [options]\n"
		"Serve this BPEL process as a SOAP 1.1 service.\n"
		"\n"
		"  --listen HOST:PORT     listen there (all myRole ports, by path)\n"
		"                         instead of the WSDL soap:address\n"
		"  --partner LINK=URL     call partner link LINK at URL (repeatable)\n"
		"  --max-body BYTES       largest request body (default 1M; K/M ok)\n"
		"  --invoke-timeout SECS  timeout of calls to partners (default 30)\n"
		"  --max-reply BYTES      largest reply from a partner (default 8M)\n"
		"  --client-timeout SECS  close a client connection idle that long\n"
		"                         (default 60)\n"
		"  --store PATH|none      the instance store, an SQLite file\n"
		"                         (default NAME.db here, NAME: this\n"
		"                         program); none: memory only\n"
		"  --sync normal|full     normal: commits survive a crash of the\n"
		"                         process; full: a power loss too\n"
		"  --resend LINK          after a restart, send a call to LINK that\n"
		"                         was in flight again (repeatable)\n"
		"  --drain                take no new instances; exit when the last\n"
		"                         one completes (upgrades)\n"
		"  --read-timeout SECS    time to send one whole request (default 60)\n"
		"  --reply-timeout SECS   answer an open request-response exchange\n"
		"                         with a fault after that long (default 300)\n"
		"  --max-instances N      live instances (default 100000)\n"
		"  --max-inbox BYTES      messages waiting in one instance (default 4M)\n"
		"  --max-connections N    open client connections (default 4096)\n"
		"  --epr-allow HOST[:PORT] an address partner links may be given at\n"
		"                         run time (repeatable; default: the hosts\n"
		"                         of the WSDL and --partner addresses)\n"
		"  --node-id NAME         with --store postgresql://...: this\n"
		"                         node's name (default hostname-pid)\n"
		"  --advertise URL        how the other nodes reach this one\n"
		"  --node-timeout SECS    a node silent that long is dead; others\n"
		"                         take its instances over (default 10)\n"
		"  -v, --verbose          log one line per step\n"
		"  --admin-listen HOST:PORT  serve /livez, /readyz, /metrics,\n"
		"                         /admin/ there (off unless given)\n"
		"  --admin-token-file FILE   admin requests need this bearer\n"
		"                         token (required off the loopback)\n"
		"  --shutdown-delay SECS  on SIGTERM, answer /readyz 503 that\n"
		"                         long before closing (default 0)\n"
		"  --log-format text|json, --log-level error|warn|info|debug\n"
		"  --help, --version\n",
		argv0);
}

int brt__bad_usage(const char *argv0, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", argv0);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", argv0);
	return 2;
}

/* "1048576", "512K", "1M" → bytes; 0 on error. */
static size_t parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (end == s || *s == '-')
		return 0;
	if (*end == 'k' || *end == 'K') {
		v *= 1024;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		v *= 1024 * 1024;
		end++;
	}
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v == 0 || v > (1ull << 31))
		return 0;
	return (size_t)v;
}

/* `--name VALUE` or `--name=VALUE`; advances *i. NULL when not this option.
 * *missing is set when the option is there without its value. */
static const char *opt_value(int argc, char **argv, int *i, const char *name,
			     bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

const char *brt__opt_value(int argc, char **argv, int *i, const char *name,
			   bool *missing)
{
	return opt_value(argc, argv, i, name, missing);
}

static int add_partner(brt_runtime *rt, const char *argv0, const char *v)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v || !eq[1])
		return brt__bad_usage(argv0,
				      "--partner wants LINK=URL, not '%s'", v);
	size_t n = (size_t)(eq - v);
	int found = -1;
	for (int i = 0; i < rt->proc->nplinks; i++)
		if (strlen(rt->proc->plinks[i].name) == n &&
		    strncmp(rt->proc->plinks[i].name, v, n) == 0)
			found = i;
	if (found < 0) {
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(n < 200 ? n : 200),
			 v);
		return brt__bad_usage(
			argv0, "--partner: no partner link named '%s'", name);
	}
	struct brt_partner_override *p =
		realloc(rt->partners, (size_t)(rt->npartners + 1) * sizeof *p);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", argv0);
		return 2;
	}
	rt->partners = p;
	/* The override keeps pointing into argv, which outlives rt. */
	p[rt->npartners].link = rt->proc->plinks[found].name;
	p[rt->npartners].url = eq + 1;
	rt->npartners++;
	return 0;
}

static int add_resend(brt_runtime *rt, const char *argv0, const char *v)
{
	int found = -1;
	for (int i = 0; i < rt->proc->nplinks; i++)
		if (strcmp(rt->proc->plinks[i].name, v) == 0)
			found = i;
	if (found < 0)
		return brt__bad_usage(
			argv0, "--resend: no partner link named '%s'", v);
	const char **r =
		realloc(rt->resend, (size_t)(rt->nresend + 1) * sizeof *r);
	if (!r) {
		fprintf(stderr, "%s: out of memory\n", argv0);
		return 2;
	}
	rt->resend = r;
	r[rt->nresend++] = rt->proc->plinks[found].name;
	return 0;
}

/* NAME.db in the working directory, NAME the program's file name. */
static int default_store(brt_runtime *rt, const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	const char *name = slash ? slash + 1 : argv0;
	size_t n = sizeof rt->store_default;
	if ((size_t)snprintf(rt->store_default, n, "%s.db",
			     *name ? name : "service") >= n)
		return brt__bad_usage(argv0,
				      "program name too long for the default "
				      "store: give --store PATH");
	rt->store_path = rt->store_default;
	return 0;
}

static void set_defaults(brt_runtime *rt)
{
	rt->max_body = 1u << 20;
	rt->invoke_timeout_ms = BRT_INVOKE_TIMEOUT_MS;
	rt->max_reply = 8u << 20;
	rt->client_timeout_s = 60;
	rt->log_level = BRT_LOG_INFO;
	rt->logctx.state = -1;
	rt->max_instances = BRT_MAX_INSTANCES;
	rt->max_inbox = BRT_MAX_INBOX;
	rt->max_connections = BRT_MAX_CONNECTIONS;
	rt->reply_timeout_s = BRT_REPLY_TIMEOUT_S;
	rt->read_timeout_s = BRT_READ_TIMEOUT_S;
	rt->node_timeout_s = 10;
}

/* A whole number in [lo, hi], else -1. */
static long parse_count(const char *v, long lo, long hi)
{
	char *end;
	long n = strtol(v, &end, 10);
	if (end == v || *end || n < lo || n > hi)
		return -1;
	return n;
}

/* The options that bound resources (docs/runtime.md "Limits"). Returns 1
 * when `a` is not one of them, else 0 or 2 (usage error printed). */
static int limit_option(brt_runtime *rt, const char *argv0, int argc,
			char **argv, int *i, bool *missing)
{
	const char *v;
	long n;
	if ((v = opt_value(argc, argv, i, "--max-instances", missing))) {
		if ((n = parse_count(v, 1, 100000000)) < 0)
			return brt__bad_usage(
				argv0,
				"--max-instances wants a count, not "
				"'%s'",
				v);
		rt->max_instances = (int)n;
	} else if ((v = opt_value(argc, argv, i, "--max-connections",
				  missing))) {
		if ((n = parse_count(v, 1, 1000000)) < 0)
			return brt__bad_usage(
				argv0,
				"--max-connections wants a count, not "
				"'%s'",
				v);
		rt->max_connections = (int)n;
	} else if ((v = opt_value(argc, argv, i, "--max-inbox", missing))) {
		size_t b = parse_size(v);
		if (!b)
			return brt__bad_usage(
				argv0,
				"--max-inbox wants a size in bytes "
				"(K/M allowed), not '%s'",
				v);
		rt->max_inbox = b;
	} else if ((v = opt_value(argc, argv, i, "--reply-timeout", missing))) {
		if ((n = parse_count(v, 1, 86400 * 30)) < 0)
			return brt__bad_usage(
				argv0,
				"--reply-timeout wants whole seconds, "
				"not '%s'",
				v);
		rt->reply_timeout_s = (int)n;
	} else if ((v = opt_value(argc, argv, i, "--read-timeout", missing))) {
		if ((n = parse_count(v, 1, 86400)) < 0)
			return brt__bad_usage(
				argv0,
				"--read-timeout wants whole seconds, "
				"not '%s'",
				v);
		rt->read_timeout_s = (int)n;
	} else if ((v = opt_value(argc, argv, i, "--epr-allow", missing))) {
		if (!*v || strchr(v, '/'))
			return brt__bad_usage(
				argv0,
				"--epr-allow wants HOST or HOST:PORT, "
				"not '%s'",
				v);
		const char **a =
			realloc(rt->epr_allow,
				(size_t)(rt->nepr_allow + 1) * sizeof *a);
		if (!a) {
			fprintf(stderr, "%s: out of memory\n", argv0);
			return 2;
		}
		rt->epr_allow = a;
		a[rt->nepr_allow++] = v; /* argv outlives rt */
	} else
		return *missing ? 0 : 1;
	return 0;
}

int brt__options_parse(brt_runtime *rt, int argc, char **argv)
{
	const char *argv0 = argc > 0 && argv[0] ? argv[0] : "service";
	const struct brt_process *p = rt->proc;
	bool store_set = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v;
		bool missing = false;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout, argv0);
			return 1;
		}
		if (strcmp(a, "--version") == 0) {
			printf("%s (build %s) bpelrt %s\n", p->name,
			       p->build_id ? p->build_id : "?", BRT_VERSION);
			return 1;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			rt->verbose++;
			continue;
		}
		int lim = limit_option(rt, argv0, argc, argv, &i, &missing);
		if (lim == 2)
			return 2;
		if (lim == 0 && !missing)
			continue;
		if (missing)
			return brt__bad_usage(argv0,
					      "option '%s' needs a value", a);
		if ((v = opt_value(argc, argv, &i, "--listen", &missing))) {
			if (brt__http_check_listen(v) != 0)
				return brt__bad_usage(
					argv0,
					"--listen wants HOST:PORT, not "
					"'%s'",
					v);
			rt->listen = v;
		} else if ((v = opt_value(argc, argv, &i, "--partner",
					  &missing))) {
			int r = add_partner(rt, argv0, v);
			if (r)
				return r;
		} else if ((v = opt_value(argc, argv, &i, "--max-body",
					  &missing))) {
			size_t n = parse_size(v);
			if (!n)
				return brt__bad_usage(
					argv0,
					"--max-body wants a size in "
					"bytes (K/M allowed), not '%s'",
					v);
			rt->max_body = n;
		} else if ((v = opt_value(argc, argv, &i, "--max-reply",
					  &missing))) {
			size_t n = parse_size(v);
			if (!n)
				return brt__bad_usage(
					argv0,
					"--max-reply wants a size in "
					"bytes (K/M allowed), not '%s'",
					v);
			rt->max_reply = n;
		} else if ((v = opt_value(argc, argv, &i, "--client-timeout",
					  &missing))) {
			char *end;
			long t = strtol(v, &end, 10);
			if (end == v || *end || t < 1 || t > 86400)
				return brt__bad_usage(
					argv0,
					"--client-timeout wants whole "
					"seconds, not '%s'",
					v);
			rt->client_timeout_s = (int)t;
		} else if ((v = opt_value(argc, argv, &i, "--invoke-timeout",
					  &missing))) {
			char *end;
			double s = strtod(v, &end);
			if (end == v || *end || !(s > 0) || s > 86400)
				return brt__bad_usage(argv0,
						      "--invoke-timeout wants "
						      "seconds, not '%s'",
						      v);
			rt->invoke_timeout_ms = (long)(s * 1000);
			if (rt->invoke_timeout_ms < 1)
				rt->invoke_timeout_ms = 1;
		} else if ((v = opt_value(argc, argv, &i, "--store",
					  &missing))) {
			if (!*v)
				return brt__bad_usage(
					argv0, "--store wants a file name or "
					       "'none'");
			rt->store_path = strcmp(v, "none") == 0 ? NULL : v;
			store_set = true;
		} else if ((v = opt_value(argc, argv, &i, "--sync",
					  &missing))) {
			if (strcmp(v, "normal") != 0 && strcmp(v, "full") != 0)
				return brt__bad_usage(
					argv0,
					"--sync wants normal or full, "
					"not '%s'",
					v);
			rt->sync_full = strcmp(v, "full") == 0;
		} else if ((v = opt_value(argc, argv, &i, "--resend",
					  &missing))) {
			int r = add_resend(rt, argv0, v);
			if (r)
				return r;
		} else if (strcmp(a, "--drain") == 0) {
			rt->drain = true;
		} else if ((v = opt_value(argc, argv, &i, "--node-id",
					  &missing))) {
			if (!*v || strlen(v) > 200)
				return brt__bad_usage(
					argv0, "--node-id wants a name of "
					       "1 to 200 characters");
			rt->node_id = v;
		} else if ((v = opt_value(argc, argv, &i, "--advertise",
					  &missing))) {
			if (strncmp(v, "http://", 7) != 0 &&
			    strncmp(v, "https://", 8) != 0)
				return brt__bad_usage(
					argv0,
					"--advertise wants an http:// "
					"URL, not '%s'",
					v);
			rt->advertise = v;
		} else if ((v = opt_value(argc, argv, &i, "--node-timeout",
					  &missing))) {
			char *end;
			long t = strtol(v, &end, 10);
			if (end == v || *end || t < 1 || t > 3600)
				return brt__bad_usage(
					argv0,
					"--node-timeout wants whole "
					"seconds (1 to 3600), not '%s'",
					v);
			rt->node_timeout_s = (int)t;
		} else if (missing)
			return brt__bad_usage(argv0,
					      "option '%s' needs a value", a);
		else {
			int r = brt__ops_option(rt, argv0, argc, argv, &i);
			if (r == 1)
				continue;
			if (r)
				return r;
			return brt__bad_usage(argv0, "unknown option '%s'", a);
		}
		if (missing)
			return brt__bad_usage(argv0,
					      "option '%s' needs a value", a);
	}
	if ((rt->node_id || rt->advertise) &&
	    !(store_set && brt__store_is_pg(rt->store_path)))
		return brt__bad_usage(argv0, "--node-id and --advertise need "
					     "--store postgresql://...");
	if (!store_set)
		return default_store(rt, argv0);
	if (rt->drain && !rt->store_path)
		return brt__bad_usage(argv0, "--drain needs a store");
	return 0;
}

/* ---- the runtime object -------------------------------------------------- */

static brt_runtime *runtime_alloc(const struct brt_process *p)
{
	brt_runtime *rt = calloc(1, sizeof *rt);
	if (!rt)
		return NULL;
	rt->proc = p;
	set_defaults(rt);
	return rt;
}

/* Timers must never fire early. libevent's default clock on Linux is
 * CLOCK_MONOTONIC_COARSE (up to a tick, ~4 ms, behind), and event_add
 * measures a timeout from the time cached when the loop pass began; both
 * made a <wait> end a few ms before its deadline (tests/crash saw it). A
 * precise clock read at each event_add costs a vDSO call. */
static struct event_base *new_base(void)
{
	struct event_config *cfg = event_config_new();
	struct event_base *base = NULL;
	if (cfg) {
		event_config_set_flag(cfg,
				      EVENT_BASE_FLAG_PRECISE_TIMER |
					      EVENT_BASE_FLAG_NO_CACHE_TIME);
		base = event_base_new_with_config(cfg);
		event_config_free(cfg);
	}
	return base;
}

/* Everything but the server: event base, data, engine, curl. */
static int runtime_start(brt_runtime *rt)
{
	int err;
	rt->base = new_base();
	if (!rt->base) {
		brt__log_at(rt, BRT_LOG_ERROR, "cannot create the event loop");
		return BRT_ENOMEM;
	}
	if ((err = brt__log_init(rt)) < 0 || (err = brt__trim_init(rt)) < 0 ||
	    (err = brt__ops_init(rt)) < 0)
		return err;
	if ((err = brt__data_prepare(rt)) < 0) {
		brt__log_at(rt, BRT_LOG_ERROR,
			    "cannot prepare the process data: %s",
			    brt_strerror(err));
		return err;
	}
	if ((err = brt__engine_init(rt)) < 0) {
		brt__log_at(rt, BRT_LOG_ERROR, "cannot start the engine: %s",
			    brt_strerror(err));
		return err;
	}
	const struct brt_invoke_service *iv = rt->proc->invoker;
	if (iv && (err = iv->init(rt)) < 0) {
		brt__log_at(rt, BRT_LOG_ERROR,
			    "cannot start the HTTP client: %s",
			    brt_strerror(err));
		return err;
	}
	return 0;
}

brt_runtime *brt__runtime_new(const struct brt_process *p)
{
	brt_runtime *rt = runtime_alloc(p);
	if (!rt)
		return NULL;
	if (runtime_start(rt) < 0) {
		brt__runtime_free(rt);
		return NULL;
	}
	return rt;
}

/* Reverse order of start-up. The engine goes first: it may still cancel
 * calls and answer open requests. */
void brt__runtime_free(brt_runtime *rt)
{
	if (!rt)
		return;
	if (rt->engine)
		brt__engine_free(rt);
	if (rt->http)
		brt__http_free(rt);
	if (rt->curl)
		rt->proc->invoker->free(rt);
	if (rt->prep)
		brt__data_free(rt);
	brt__trim_free(rt);
	brt__ops_free(rt);
	brt__log_free(rt); /* its flush event belongs to the base */
	if (rt->base)
		event_base_free(rt->base);
	free(rt->partners);
	free(rt->resend);
	free(rt->epr_allow);
	free(rt);
}

/* ---- stopping ------------------------------------------------------------ */

struct stopper {
	brt_runtime *rt;
	struct event *sigterm, *sigint, *poll, *delay;
	int waited_ms;
	int quiet_ticks;
	int tick_ms;  /* until the next check */
	bool serving; /* recovered, listening: start-up is over */
	bool failed;  /* start-up failed from the loop: exit 1 */
};

/*
 * What a stopping service finishes: open request-response exchanges,
 * calls to partners and the strands ready to run. An instance that only
 * waits for a message or a timer is not in flight: nothing will arrive
 * for it once the service stops listening, so it is dropped at exit
 * rather than waited for until the grace period ends.
 */
static bool in_flight(const brt_runtime *rt)
{
	const struct brt_invoke_service *iv = rt->proc->invoker;
	return brt__http_open_requests(rt) > 0 || brt__engine_busy(rt) ||
	       (iv && rt->curl && iv->count(rt) > 0);
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct stopper *st = arg;
	brt_runtime *rt = st->rt;
	st->waited_ms += st->tick_ms;
	bool idle = !in_flight(rt);
	/* One more tick once idle lets the last answers leave the socket. */
	st->quiet_ticks = idle ? st->quiet_ticks + 1 : 0;
	if (st->quiet_ticks >= 2) {
		brt__log(rt, "all work finished; exiting");
		event_base_loopbreak(rt->base);
	} else if (st->waited_ms >= GRACE_MS) {
		brt__log_at(rt, BRT_LOG_WARN,
			    "grace period over with work in flight; exiting");
		event_base_loopbreak(rt->base);
	} else {
		st->tick_ms = idle ? QUIET_POLL_MS : POLL_MS;
		struct timeval tv = { 0, st->tick_ms * 1000 };
		event_add(st->poll, &tv);
	}
}

/* Stop accepting and poll until the work in flight is done. */
static void stop(struct stopper *st)
{
	brt_runtime *rt = st->rt;
	rt->stopping = true;
	brt__http_stop(rt);
	st->tick_ms = QUIET_POLL_MS;
	struct timeval tv = { 0, st->tick_ms * 1000 };
	event_add(st->poll, &tv);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)what;
	struct stopper *st = arg;
	brt_runtime *rt = st->rt;
	if (!st->serving) {
		/* Recovering: nothing is in flight (nothing runs, nothing has
		 * been sent) and nothing listens but the admin port. What is
		 * restored is dropped; every record stays in the store. */
		const char *progress = brt__persist_progress(rt);
		brt__notify("STOPPING=1");
		brt__log(rt, "signal %d during start-up: stopping (%s)",
			 (int)sig, progress ? progress : "not recovering");
		rt->stopping = true;
		event_base_loopbreak(rt->base);
		return;
	}
	if (rt->stopping) {
		brt__log(rt, "second signal %d: exiting now", (int)sig);
		event_base_loopbreak(rt->base);
		return;
	}
	if (rt->draining) {
		brt__log(rt, "second signal %d: stopping now", (int)sig);
		event_del(st->delay);
		stop(st);
		return;
	}
	brt__notify("STOPPING=1");
	if (rt->shutdown_delay > 0 && st->delay) {
		/* /readyz says 503 at once; the listeners stay open for the
		 * delay so a load balancer sees it and drains us first. */
		rt->draining = true;
		brt__log(rt, "signal %d: not ready; stopping in %g s", (int)sig,
			 rt->shutdown_delay);
		double d = rt->shutdown_delay;
		struct timeval tv = {
			(time_t)d, (suseconds_t)((d - (double)(time_t)d) * 1e6)
		};
		event_add(st->delay, &tv);
		return;
	}
	brt__log(rt, "signal %d: stopping (no new requests, finishing work)",
		 (int)sig);
	stop(st);
}

static void on_delay(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct stopper *st = arg;
	brt__log(st->rt, "shutdown delay over: stopping (no new requests, "
			 "finishing work)");
	stop(st);
}

/* Start-up's second half, from the loop once the store is recovered (at
 * once without a store): bind the SOAP listeners, then say ready. */
static void on_recovered(void *arg, int err)
{
	struct stopper *st = arg;
	brt_runtime *rt = st->rt;
	const struct brt_process *p = rt->proc;
	if (err < 0 || brt__http_start(rt) < 0) {
		st->failed = true;
		event_base_loopbreak(rt->base);
		return;
	}
	brt__ops_store_state(rt, true, NULL);
	brt__ops_serving(rt);
	st->serving = true;
	brt__log(rt, "serving %s (build %s)", p->name,
		 p->build_id ? p->build_id : "?");
	/* systemd Type=notify: ready once every listener is bound (and,
	 * with a store, recovered). */
	if (brt__notify("READY=1") < 0)
		brt__log_at(rt, BRT_LOG_WARN, "cannot notify NOTIFY_SOCKET");
}

int brt_main(const struct brt_process *p, int argc, char **argv)
{
	brt_runtime *rt = runtime_alloc(p);
	if (!rt) {
		fprintf(stderr, "out of memory\n");
		return 1;
	}
	int r = brt__options_parse(rt, argc, argv);
	if (r) {
		brt__runtime_free(rt);
		return r == 1 ? 0 : 2;
	}
	/* A client that hangs up mid-answer must not kill the service. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	int status = 1;
	struct stopper st = { .rt = rt };
	if (runtime_start(rt) < 0)
		goto out;
	brt__log_catch_fatal(rt);
	st.sigterm = evsignal_new(rt->base, SIGTERM, on_signal, &st);
	st.sigint = evsignal_new(rt->base, SIGINT, on_signal, &st);
	st.poll = event_new(rt->base, -1, 0, on_poll, &st);
	st.delay = event_new(rt->base, -1, 0, on_delay, &st);
	if (!st.sigterm || !st.sigint || !st.poll || !st.delay ||
	    evsignal_add(st.sigterm, NULL) < 0 ||
	    evsignal_add(st.sigint, NULL) < 0) {
		brt__log_at(rt, BRT_LOG_ERROR,
			    "cannot install signal handlers");
		goto out;
	}
	/* The admin listener first, so /readyz can say what start-up waits
	 * for; the store is recovered on the loop (the admin listener
	 * answers meanwhile), and on_recovered listens only after it: a
	 * message must find its instance. */
	if (brt__admin_start(rt) < 0)
		goto out;
	brt__ops_store_state(rt, false,
			     "starting: the store is being opened "
			     "and recovered");
	if (brt__persist_start(rt, on_recovered, &st) < 0 || st.failed)
		goto out;
	if (event_base_dispatch(rt->base) < 0) {
		brt__log_at(rt, BRT_LOG_ERROR, "event loop failed");
		goto out;
	}
	if (st.failed)
		goto out;
	status = 0;
	if (!st.serving)
		goto out; /* a signal during start-up */
	int waiting = brt__engine_count(rt);
	if (!in_flight(rt) && waiting > 0)
		brt__log(rt,
			 "%d instance%s waiting for a message or a timer %s",
			 waiting, waiting == 1 ? "" : "s",
			 rt->store_path ? "kept in the store" : "dropped");
	if (in_flight(rt)) {
		/* Grace period over (or a second signal): end the instances,
		 * which answers their open requests with a fault, and give
		 * those answers a moment to leave before the sockets close. */
		event_del(st.poll);
		brt__engine_free(rt);
		struct timeval tv = { 0, 200000 };
		event_base_loopexit(rt->base, &tv);
		event_base_dispatch(rt->base);
	}
out:
	if (st.sigterm)
		event_free(st.sigterm);
	if (st.sigint)
		event_free(st.sigint);
	if (st.poll)
		event_free(st.poll);
	if (st.delay)
		event_free(st.delay);
	brt__runtime_free(rt);
	return status;
}
