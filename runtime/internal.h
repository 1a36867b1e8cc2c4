/*
 * internal.h — what the runtime's services share with each other; never
 * installed, never seen by generated code (that is include/bpelrt.h).
 *
 * Services and who owns what:
 *   loop/main  brt_runtime, options, event base, signals, logging (log.c)
 *   http/soap  the evhttp server, SOAP envelopes in and out, brt_request
 *   invoke     outbound calls on libcurl multi driven by the same event base
 *   engine     instances, scope instances, strands, run queue, routing of
 *              inbound messages, replies, timers (instance.c, sched.c,
 *              faults.c, store.c)
 *   data       variables, <copy>, XPath with BPEL variables and functions,
 *              message values in and out (data.c, xpath.c)
 *
 * Names: brt__<service>_<verb>. Errors: 0 or a negative BRT_E* (error.c).
 */
#ifndef BRT_INTERNAL_H
#define BRT_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "bpelrt.h"

struct event_base;
struct event;

/* ---- invariants ------------------------------------------------------------
 * SQLite's ALWAYS()/NEVER(): the condition of an `if` that handles a state
 * the code believes impossible. Debug and sanitizer builds (BRT_DEBUG, set
 * by `make SAN=1` and `make DEBUG=1`) abort there, so the test that got
 * there fails at once with a core and a stack; release builds take the
 * tolerant branch, which logs "(bug)" and faults the instance with
 * bpelc:internalError (the e2e runner fails a case whose service logged
 * "(bug)"). Not for conditions the world can cause (out of memory, a
 * timer that cannot be armed, bad input): those are errors, not bugs. */
#ifdef BRT_DEBUG
#include <assert.h>
#define ALWAYS(x) ((x) ? 1 : (assert(0), 0))
#define NEVER(x) ((x) ? (assert(0), 1) : 0)
#else
#define ALWAYS(x) (x)
#define NEVER(x) (x)
#endif

/* ---- errors (error.c) ----------------------------------------------------
 * The runtime has three error conventions, each with its own values:
 *
 * 1. Plumbing (store, HTTP, libcurl, timers, start-up): int, 0 or a
 *    negative BRT_E* below; the caller decides what the failure means
 *    (a SOAP fault, a log line, internalError). brt_strerror reads it.
 * 2. Steps (bpelrt.h): enum brt_step. BRT_STEP_FAULT means a fault has
 *    been raised on the strand (brt__fault and friends return it), so the
 *    caller passes it on and raises nothing more.
 * 3. Operations that record a BPEL fault and let the caller pass it on:
 *    the data layer (brt__dx_*, data.h: the fault's name and reason go
 *    into struct brt_dctx) and engine checks that raise it on the strand
 *    (brt__corr_check). int, 0 or BRT_EFAULT, never another code: -1 is
 *    BRT_ENOMEM, which reads "out of memory" and records nothing.
 *    brt__dx_fault returns BRT_EFAULT. Where a function of this kind
 *    cannot record anything it says so (it returns BRT_ENOMEM).
 */

enum {
	BRT_ENOMEM = -1,
	BRT_EINVAL = -2, /* bad argument or bad input */
	BRT_ENOTFOUND = -3,
	BRT_EIO = -4, /* network / file */
	BRT_ETIMEDOUT = -5,
	BRT_EPROTO = -6, /* malformed SOAP / HTTP from a peer */
	BRT_ESTATE = -7, /* saved instance from another build, wrong state */
	BRT_ELIMIT =
		-8, /* a configured limit (--max-instances...) is reached */
	BRT_EFAULT = -9, /* convention 3: a BPEL fault is recorded */
};
const char *brt_strerror(int err);
/* Whether libxml2 ran out of memory since the last xmlResetLastError().
 * libxml2 2.9 does not always say so by its results (xmlNewNode keeps a
 * node whose name it could not copy): an operation that must not lose
 * data resets the error first and asks this before it commits. */
bool brt__error_xml_oom(void);

/* ---- the runtime object (one per process, made by brt_main) ------------- */

struct brt_partner_override {
	const char *link; /* borrowed from argv */
	const char *url;
};

struct brt_http;     /* http.c */
struct brt_curl;     /* invoke.c */
struct brt_engine;   /* instance.c */
struct brt_prepared; /* data.c: compiled XPath, parsed literals */
struct brt_ops;	     /* runtime/admin: metrics, admin listener, readiness */

/* Log levels (--log-level); brt__log is INFO, brt__debug DEBUG. */
enum brt_log_level {
	BRT_LOG_ERROR,
	BRT_LOG_WARN,
	BRT_LOG_INFO,
	BRT_LOG_DEBUG,
};

/* What a log line is about, for JSON lines (--log-format json): set by
 * whoever runs the work (the scheduler for a strand's steps, http.c for a
 * request) and cleared after it. Borrowed strings. */
struct brt_log_ctx {
	unsigned long instance; /* 0: none */
	int state;		/* the step running (activity), -1: none */
	const char *plink;
	const char *op;
	const char *trace; /* W3C traceparent of the work, NULL: none */
};

/* Defaults of the resource limits (main.c's options). */
#define BRT_MAX_INSTANCES 100000
#define BRT_MAX_INBOX (4u << 20)
#define BRT_MAX_CONNECTIONS 4096
#define BRT_REPLY_TIMEOUT_S 300
#define BRT_READ_TIMEOUT_S 60

/* How long an invoke may take unless --invoke-timeout says otherwise
 * (issue 4 fixes the default at 30 s). */
#define BRT_INVOKE_TIMEOUT_MS 30000

struct brt_runtime {
	const struct brt_process *proc;
	struct event_base *base;

	/* options */
	const char *listen;	/* "host:port" or NULL: WSDL addresses */
	size_t max_body;	/* bytes, default 1 MiB */
	long invoke_timeout_ms; /* default BRT_INVOKE_TIMEOUT_MS */
	int npartners;
	struct brt_partner_override *partners;
	int verbose;   /* 0: events, 1: + one line per step */
	bool stopping; /* SIGTERM seen: accept nothing new */

	struct brt_http *http;
	struct brt_curl *curl;
	struct brt_engine *engine;
	struct brt_prepared *prep;
	size_t max_reply;     /* bytes of a partner's reply, default 8 MiB */
	int client_timeout_s; /* idle client connections, default 60 s */
	struct brt_log *log;  /* log.c: buffered lines, NULL: unbuffered */
	/* Resource limits (docs/runtime.md "Limits"); 0 in a runtime made
	 * without options means the default. */
	int max_instances;   /* live instances, default 100,000 */
	size_t max_inbox;    /* bytes waiting in one inbox, default 4 MiB */
	int max_connections; /* open client connections, default 4,096 */
	int reply_timeout_s; /* an open request-response exchange, 300 */
	int read_timeout_s;  /* reading one whole request, default 60 */
	int nepr_allow;	     /* --epr-allow HOST[:PORT], borrowed */
	const char **epr_allow;
	struct brt_trim *trim; /* trim.c, NULL: never trims */
	/* `bpelc test` builds only (runtime/test/): NULL in a service, so
	 * the hooks cost a service one pointer test on timer, link and
	 * instance-end paths and nothing per request. */
	const struct brt_test_hooks *test;
	void *test_ctx;

	/* The durable store (engine/persist.c; docs/runtime.md). */
	const char *store_path;	 /* --store PATH; NULL: none (memory only) */
	char store_default[256]; /* NAME.db when --store was not given */
	bool sync_full;		 /* --sync full */
	int nresend;		 /* --resend LINK, names borrowed from argv */
	const char **resend;
	bool drain; /* --drain: no new instances; exit when none is left */
	/* Several nodes on one PostgreSQL store (docs/scale-out.md):
	 * --node-id (NULL: hostname-pid), --advertise URL (NULL: none),
	 * --node-timeout SECS (default 10). */
	const char *node_id;
	const char *advertise;
	int node_timeout_s;
	/* Effects held until the batch behind them has committed: while
	 * `hold` is set, http.c (answers, 202s) and invoke.c (calls) tag
	 * what they would send with hold_epoch and send it from
	 * brt__http_release / invoker->release(rt, epoch). */
	bool hold;
	unsigned long hold_epoch;
	/* The instance the last message brt__engine_deliver took went to
	 * (0: none): a held 202 is that instance's (brt__http_abandon). */
	unsigned long delivered_to;
	/* Set by engine/persist.c while it drops an instance the shared
	 * store says this node must not run (enum brt_drop; 0: none): what
	 * the instance's requests get (brt__request_abandon). `since`: the
	 * first loop pass whose batch did not commit. */
	int dropping;
	unsigned long drop_since;
	/* operations (runtime/admin/, docs/operations.md) */
	struct brt_ops *ops;	      /* NULL until brt__ops_init */
	const char *admin_listen;     /* --admin-listen HOST:PORT, NULL: off */
	const char *admin_token_file; /* --admin-token-file FILE */
	double shutdown_delay;	      /* --shutdown-delay SECS (default 0) */
	bool log_json;		      /* --log-format json */
	int log_level;		      /* --log-level, enum brt_log_level */
	bool draining;		      /* SIGTERM seen, /readyz answers 503 */
	struct brt_log_ctx logctx;
};

/*
 * What test mode (runtime/test/, linked only into executables that
 * `bpelc test` builds) changes in the engine: a virtual clock that timers
 * read and are armed on, and notes of what ran for coverage and for the
 * case's expectations. Each function gets the runtime; its test_ctx is
 * the test mode's state.
 */
enum brt_test_fe {
	BRT_TEST_FE_BEGIN, /* a run begins (its expressions next) */
	BRT_TEST_FE_ZERO,  /* it ends with no child: empty range, or B = 0 */
	BRT_TEST_FE_FIRST, /* its first child scope starts (then CHILD too) */
	BRT_TEST_FE_CHILD, /* a child scope starts */
};

struct brt_test_hooks {
	/* The virtual clock: seconds since the epoch. */
	double (*now)(brt_runtime *rt);
	/* Arm `ev` (a libevent event with no fd, made by the caller) to
	 * fire at `deadline` on the virtual clock: 0 or BRT_ENOMEM. */
	int (*timer_add)(brt_runtime *rt, struct event *ev, double deadline);
	/* `ev` is about to be freed: forget it. */
	void (*timer_del)(brt_runtime *rt, struct event *ev);
	/* Flow link `link` got its status. */
	void (*link_set)(brt_runtime *rt, int link, bool value);
	/* Instance `in` ends (before anything of it is freed): how, and
	 * the fault when it faulted (may be NULL). */
	void (*instance_end)(brt_instance *in, int end, const char *fault_ns,
			     const char *fault_local);
	/* The <forEach> at strand s's state did `what`: coverage counts
	 * its runs, whether each ran its body zero times or one or more,
	 * and its child scopes (the child scope's own step never runs). */
	void (*foreach_note)(brt_strand *s, enum brt_test_fe what);
};

/* Parse brt_main's options into rt (defaults first). Returns 0, 1 when
 * --help/--version was handled (exit 0), or 2 after printing a usage error
 * to stderr. rt->proc must be set. Partner overrides are owned by rt. */
int brt__options_parse(brt_runtime *rt, int argc, char **argv);

/* Runtime made without a server, for unit tests and tools: the event base,
 * the engine and the prepared data, no listener. Free with
 * brt__runtime_free. Returns NULL on failure (logged). */
brt_runtime *brt__runtime_new(const struct brt_process *p);
void brt__runtime_free(brt_runtime *rt);

/* ---- logging (log.c): one line per event on stderr ---------------------- */

void brt__log(brt_runtime *rt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void brt__debug(brt_runtime *rt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A line at `level`: dropped when --log-level is lower. */
void brt__log_at(brt_runtime *rt, enum brt_log_level level, const char *fmt,
		 ...) __attribute__((format(printf, 3, 4)));
/* Buffer rt's lines (after rt->base exists): they are written once per
 * loop pass. brt__log_free writes what is left; call it before the event
 * base goes. brt__log_catch_fatal (brt_main only) writes the buffer out
 * when the process dies of SIGSEGV/SIGBUS/SIGILL/SIGFPE/SIGABRT, and
 * routes libevent's own messages into rt's log ("libevent: ..."). */
int brt__log_init(brt_runtime *rt);
void brt__log_flush(brt_runtime *rt);
void brt__log_catch_fatal(brt_runtime *rt);
void brt__log_free(brt_runtime *rt);

/* ---- operations (runtime/admin/, runtime/engine/inspect.c) ------------- */

/* The options of the operations side (--admin-listen, --admin-token-file,
 * --shutdown-delay, --log-format, --log-level): 0 when argv[*i] is none of
 * them, 1 when it was taken (*i advanced past its value), 2 after a usage
 * error was printed. */
int brt__ops_option(brt_runtime *rt, const char *argv0, int argc, char **argv,
		    int *i);
/* `--name VALUE` or `--name=VALUE` (main.c); advances *i. NULL when not
 * this option; *missing when it is there without its value. */
const char *brt__opt_value(int argc, char **argv, int *i, const char *name,
			   bool *missing);
/* A usage error on stderr, with the --help hint (main.c). Returns 2, the
 * exit status of a usage error. */
int brt__bad_usage(const char *argv0, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Metrics and readiness state (rt->ops); needs the options. 0 or
 * BRT_ENOMEM. brt__ops_free also closes the admin listener. */
int brt__ops_init(brt_runtime *rt);
void brt__ops_free(brt_runtime *rt);
/* Bind --admin-listen (if given; after brt__ops_init, before the SOAP
 * listeners so /readyz can say "starting"): 0 or BRT_E* (logged). */
int brt__admin_start(brt_runtime *rt);
/* The admin listener's port, -1 when there is none. */
int brt__admin_port(const brt_runtime *rt);
/* 0 when `s` is a valid HOST:PORT for --admin-listen. */
int brt__admin_check_listen(const char *s);
/* Readiness: the SOAP listeners are bound (after brt__http_start). */
void brt__ops_serving(brt_runtime *rt);
/* The durable store: open and recovered (ready) or not, with the reason
 * /readyz gives (static text). Without a store the service is ready once
 * it serves. */
void brt__ops_store_state(brt_runtime *rt, bool recovered, const char *why);
/* Tell systemd (NOTIFY_SOCKET, sd_notify protocol) `state`, e.g.
 * "READY=1": 0, or BRT_EIO; nothing when the variable is unset. */
int brt__notify(const char *state);

/* Counting. Each is an integer increment or a histogram bucket, so the
 * request path does not notice. A NULL rt->ops counts nothing. */
enum brt_outcome {
	BRT_OUT_COMPLETED,
	BRT_OUT_FAULTED,
	BRT_OUT_TERMINATED,
};
void brt__metric_started(brt_runtime *rt);
void brt__metric_finished(brt_runtime *rt, enum brt_outcome out,
			  double seconds);
/* A SOAP answer with HTTP `status`; op NULL when none was found. */
void brt__metric_soap(brt_runtime *rt, const struct brt_operation *op,
		      int status);
/* An invoke ended: outcome "ok", "fault" (a SOAP fault) or "error". */
enum brt_call_outcome { BRT_CALL_OK, BRT_CALL_FAULT, BRT_CALL_ERROR };
void brt__metric_invoke(brt_runtime *rt, int plink,
			const struct brt_operation *op,
			enum brt_call_outcome out, double seconds);
void brt__metric_unmatched(brt_runtime *rt, const struct brt_operation *op);
/* The store committed a loop pass's changes in `seconds`. */
void brt__metric_store_commit(brt_runtime *rt, double seconds);

/* The live instances as the admin API sees them (inspect.c); they write
 * JSON into `out` (a struct evbuffer). */
struct evbuffer;
struct brt_census {
	int running, waiting, suspended;
	int timers; /* armed: waits, pick and event handler alarms */
};
void brt__engine_census(const brt_runtime *rt, struct brt_census *c);
struct brt_inst_filter {
	const char *status; /* "running", "waiting", "suspended", NULL: any */
	double started_after, started_before; /* 0: no bound */
	int limit;			      /* 0: no limit */
	int nprops;
	const char *const *prop_names; /* property local names */
	const char *const *prop_values;
};
/* A JSON array of the instances that pass `f`, oldest first. */
int brt__instances_json(brt_runtime *rt, const struct brt_inst_filter *f,
			struct evbuffer *out);
/* One instance as a JSON object, its variables too when asked;
 * BRT_ENOTFOUND when there is no such instance. */
int brt__instance_json(brt_runtime *rt, unsigned long id, bool variables,
		       struct evbuffer *out);
/* End an instance as <exit> would (open requests get their fault);
 * suspend (it runs no step, so consumes no message and fires no timer,
 * until resumed); resume. 0, BRT_ENOTFOUND, or BRT_ESTATE (suspend a
 * suspended one, resume a running one). */
int brt__instance_terminate(brt_runtime *rt, unsigned long id);
int brt__instance_suspend(brt_runtime *rt, unsigned long id);
int brt__instance_resume(brt_runtime *rt, unsigned long id);
/* A JSON string (quoted, escaped) of `s` (n bytes, or up to NUL when n
 * is (size_t)-1) into out. */
void brt__json_str(struct evbuffer *out, const char *s, size_t n);
/* A W3C traceparent header value is well-formed (version 00). */
bool brt__traceparent_ok(const char *v);

/* ---- returning memory (trim.c) ------------------------------------------ */

/* Needs rt->base; 0 or BRT_ENOMEM. */
int brt__trim_init(brt_runtime *rt);
/* An instance is ending; `live_before_end` instances were live. After a
 * big drop this schedules malloc_trim(0) (glibc). */
void brt__trim_note(brt_runtime *rt, int live_before_end);
/* How many trims ran (tests). */
unsigned long brt__trim_count(const brt_runtime *rt);
void brt__trim_free(brt_runtime *rt);

/* hostport.c: split "host:port" or "[v6]:port" into host (hsize bytes)
 * and port; an empty host becomes "0.0.0.0". 0 or BRT_EINVAL. */
int brt__split_hostport(const char *s, char *host, size_t hsize, int *port);
/* The port a bound listener got; -1 when not bound or unknown. */
struct evhttp_bound_socket;
int brt__bound_port(struct evhttp_bound_socket *b);

/* ---- later in this loop pass (pass.c) ------------------------------------ */

/* fn(arg) runs once per brt__pass_request, from the event loop, after the
 * other callbacks of the current pass and the strands they queued. */
struct brt_pass {
	brt_runtime *rt;
	struct event *ev;
	void (*fn)(void *arg);
	void *arg;
	bool pending;  /* requested, not yet run */
	bool deferred; /* waited one turn for the run queue */
};
/* Needs rt->base; 0 or BRT_ENOMEM. */
int brt__pass_init(struct brt_pass *pc, brt_runtime *rt, void (*fn)(void *),
		   void *arg);
void brt__pass_request(struct brt_pass *pc);
/* Before the event base goes; a pending call does not run. */
void brt__pass_free(struct brt_pass *pc);

/* ---- http/soap: requests from clients ------------------------------------ */

/*
 * An inbound request-response exchange. Owned by http.c; the engine keeps a
 * pointer while the exchange is open and must answer it exactly once with
 * brt__request_reply or brt__request_fault, which release it. If the client
 * went away meanwhile the answer is dropped and the request is still
 * released, so the engine never has to know.
 */
typedef struct brt_request brt_request;

/* Answer with the output message `msg` (a message value, borrowed). */
void brt__request_reply(brt_request *req, const struct brt_operation *op,
			xmlDocPtr msg);

/* Answer with a SOAP 1.1 Fault, HTTP 500: faultstring is the QName
 * (prefix declared on the Fault element), detail carries `data` (a message
 * value or element document, borrowed, may be NULL). `text`, if not NULL,
 * replaces the faultstring (used for "the instance exited"). */
void brt__request_fault(brt_request *req, const char *fault_ns,
			const char *fault_local, xmlDocPtr data,
			const char *text);

/* Inbound message, called by http.c once the envelope has been parsed and
 * the operation found. `msg` is a message value (bpelrt.h), ownership moves
 * to the engine. `req` is NULL for a one-way operation (http.c answers 202
 * itself when this returns 0). Returns 0 when a live instance or a new
 * instance took it, or a negative BRT_E*: then http.c answers a fault and
 * still owns req (msg has been freed). */
int brt__engine_deliver(brt_runtime *rt, int plink,
			const struct brt_operation *op, xmlDocPtr msg,
			brt_request *req);

/* Engine start-up and teardown (instance.c). */
int brt__engine_init(brt_runtime *rt);
/* Finish what is in flight: returns true once no instance is running. */
bool brt__engine_idle(const brt_runtime *rt);
void brt__engine_free(brt_runtime *rt);

/* More engine services (instance.c, sched.c, store.c, timer.c). */

/* Destroy every instance (shutdown): open requests get a SOAP fault. */
void brt__engine_destroy_all(brt_runtime *rt);
/* Live instances, and lookups for tools and tests. */
int brt__engine_count(const brt_runtime *rt);
brt_instance *brt__engine_first(const brt_runtime *rt);
brt_instance *brt__engine_find(const brt_runtime *rt, unsigned long id);
/* Strands are queued (brt__engine_run drains the queue now, without the
 * event loop; for tests and tools). */
bool brt__engine_busy(const brt_runtime *rt);
void brt__engine_run(brt_runtime *rt);
/* Start-up recovery is over (persist.c): queued strands run from now on
 * (while it went on, none did: a timer that expired queued its strand). */
void brt__engine_recovered(brt_runtime *rt);
/* Destroy one instance in any state; open requests get a SOAP fault. */
void brt__instance_destroy(brt_instance *in);

/* Save an instance at a quiet point (no open request, no call in flight,
 * nothing delivered but not yet consumed) as an XML record: *buf is a new
 * buffer the caller frees with free(). BRT_ESTATE when not quiet. */
int brt__instance_save(brt_instance *in, char **buf, size_t *len);
/* Rebuild an instance from a record of the same build (else BRT_ESTATE in
 * *err); the instance is live again: its receives are enabled, its timers
 * armed, its runnable strands queued. NULL on failure with *err set. */
brt_instance *brt__instance_restore(brt_runtime *rt, const char *buf,
				    size_t len, int *err);

/* The partner endpoint as seen from a strand: the address the instance
 * assigned (brt__strand_set_partner_url, for <assign> to a partnerLink),
 * else the --partner override, else the WSDL default; NULL when there is
 * none. */
/* May an address a partner link was given at run time be called?
 * --epr-allow HOST[:PORT] entries when there are any, else the hosts of
 * the configured addresses (WSDL soap:addresses, --partner URLs). */
bool brt__epr_allowed(const brt_runtime *rt, const char *url);
const char *brt__strand_partner_url(brt_strand *s, int plink);
int brt__strand_set_partner_url(brt_strand *s, int plink, const char *url);

/* The runtime's clock (seconds since the epoch): the real one, or the
 * virtual clock of test mode. */
double brt__clock(brt_runtime *rt);
/* Arm `ev` (event_new with fd -1, no flags) to fire at `deadline` on the
 * runtime's clock; disarm and free it with brt__timer_free. 0 or
 * BRT_ENOMEM. */
int brt__timer_add(brt_runtime *rt, struct event *ev, double deadline);
void brt__timer_free(brt_runtime *rt, struct event *ev);

/* <wait>/onAlarm: the deadline (seconds since the epoch) of a `for`
 * xs:duration or an `until` xs:date/xs:dateTime; BRT_EINVAL if invalid. */
int brt__wait_deadline(brt_runtime *rt, const char *text, bool is_until,
		       double *deadline);

/* ---- conns.c: the server's client connections ---------------------------- */

struct evhttp;
struct evhttp_bound_socket;
struct evhttp_request;
struct brt_conns;
struct brt_conn;
/* Follows every connection evhttp accepts (set before binding). */
struct brt_conns *brt__conns_new(brt_runtime *rt, struct evhttp *http);
/* A listener to pause on accept errors or at --max-connections. */
int brt__conns_listen(struct brt_conns *cs, struct evhttp_bound_socket *b);
/* The listeners are going (stopping). */
void brt__conns_unlisten(struct brt_conns *cs);
/* The record of req's connection, or NULL. */
struct brt_conn *brt__conn_of(struct brt_conns *cs, struct evhttp_request *req);
/* A whole request has been read on c. */
void brt__conn_request(struct brt_conn *c);
/* An open exchange on c begins (+1) or ends (-1); c may go at -1. */
void brt__conn_open(struct brt_conn *c, int delta);
int brt__conns_count(const struct brt_conns *cs);
/* After evhttp_free. */
void brt__conns_free(struct brt_conns *cs);

/* ---- invoke: calls to partners (invoke.c) -------------------------------- */

typedef struct brt_call brt_call;

struct brt_call_result {
	int err;       /* 0, or BRT_E*: unreachable, timeout, bad reply */
	xmlDocPtr msg; /* output message value; the callback takes it */
	/* a SOAP fault: mapped to a declared WSDL fault of the operation
	 * (fault_decl != NULL), or undeclared (fault_decl NULL, fault_data the
	 * <detail> or the whole Fault as an element document) */
	bool is_fault;
	const struct brt_fault_decl *fault_decl;
	xmlDocPtr fault_data; /* message value when declared; callback takes */
	/* The fault's QName, valid during the callback: {op->ns}decl->name
	 * when declared, else the faultcode resolved against its in-scope
	 * namespaces. */
	const char *fault_ns;
	const char *fault_local;
	char text[256]; /* human-readable reason, for logs */
};

typedef void (*brt_call_cb)(void *arg, struct brt_call_result *res);

/* POST op's input `msg` (message value, borrowed) to url. For a one-way
 * operation the result has no msg. The callback runs once, from the event
 * loop, never from inside brt__call_start. Returns NULL on failure (then
 * the callback never runs). */
brt_call *brt__call_start(brt_runtime *rt, const char *url,
			  const struct brt_operation *op, xmlDocPtr msg,
			  brt_call_cb cb, void *arg);
/* A partner's complete HTTP answer (status, Content-Type or NULL, body)
 * to a call of `op` turned into a result, as the call's callback sees it:
 * the output message, a mapped SOAP fault or a reason. *fault_ns and
 * *fault_local receive the strings res->fault_ns/fault_local point to
 * (malloc'd, the caller frees them after using res). `url` is for the
 * reason text only. rt->prep may be NULL (no schema validation). */
void brt__reply_map(brt_runtime *rt, const struct brt_operation *op,
		    const char *url, long status, const char *ctype,
		    const char *buf, size_t len, struct brt_call_result *res,
		    char **fault_ns, char **fault_local);
/* Withdraw a call; its callback will not run. After the callback has
 * run, the call is gone: do not cancel it then. */
void brt__call_cancel(brt_call *c);

/* Endpoint of partner link `plink` for invokes: --partner override, else
 * the address assigned at run time (engine), else the WSDL default. */
const char *brt__partner_url(brt_runtime *rt, int plink);

/* Set up libcurl multi on rt's event base (rt->curl): 0, BRT_EIO or
 * BRT_ENOMEM. brt__curl_free frees the calls still in flight and the
 * multi handle. */
int brt__curl_init(brt_runtime *rt);
void brt__curl_free(brt_runtime *rt);

/* The functions above as the process descriptor's `invoker` reaches them
 * (bpelrt.h): the rest of the runtime calls through it, never by name, so
 * that invoke.c, and libcurl with it, is linked only into processes that
 * invoke. A process without one has rt->curl NULL and its calls fail. */
struct brt_invoke_service {
	int (*init)(brt_runtime *rt);
	void (*free)(brt_runtime *rt);
	brt_call *(*start)(brt_runtime *rt, const char *url,
			   const struct brt_operation *op, xmlDocPtr msg,
			   brt_call_cb cb, void *arg);
	void (*cancel)(brt_call *c);
	/* Calls in flight (a stopping service waits for them). */
	int (*count)(const brt_runtime *rt);
	/* Start the calls held (rt->hold) for batches up to `epoch`. */
	void (*release)(brt_runtime *rt, unsigned long epoch);
};

/* ---- the durable store (engine/persist.c) -------------------------------- */

/* Open the store (rt->store_path), restore every instance of this build
 * and log how many and how long it took, before the service listens. 0,
 * or BRT_E* after logging why (the service exits 1: a store in use,
 * unreadable). Nothing to do without a store path. brt__persist_open
 * recovers before it returns (tests, tools); brt__persist_start opens the
 * store and recovers on the event loop, in slices between which the loop
 * turns (the admin listener answers), then calls done(arg, 0), or
 * done(arg, BRT_E*) when recovery failed (logged). It returns 0 (done
 * will run: at once without a store) or BRT_E* (it will not; logged).
 * Until done, brt__persist_progress says how far it got ("recovering: N
 * of M instances restored"; NULL when not recovering). */
int brt__persist_open(brt_runtime *rt);
int brt__persist_start(brt_runtime *rt, void (*done)(void *arg, int err),
		       void *arg);
const char *brt__persist_progress(const brt_runtime *rt);
/* True when --store's value is a PostgreSQL connection URI
 * (postgresql:// or postgres://): the shared store (store/pg_store.c). */
bool brt__store_is_pg(const char *spec);
/* Seconds the last commit took (0: none yet, or no store). */
double brt__persist_last_commit(const brt_runtime *rt);

/* ---- SOAP envelopes (soap.c), shared by http.c and invoke.c ------------- */

/* Intake limits of brt__soap_parse (docs/runtime.md "Limits"): an element
 * beyond one of them stops the parser before the tree is built, and the
 * message is refused. They keep the cost of a message linear in its size. */
#define BRT_SOAP_MAX_ATTRS 256	     /* attributes of one element */
#define BRT_SOAP_MAX_NS 64	     /* namespace declarations on one */
#define BRT_SOAP_MAX_NS_IN_SCOPE 256 /* declarations in scope at one */
#define BRT_SOAP_MAX_DEPTH 256	     /* nesting of elements */
#define BRT_STR_(x) #x
#define BRT_STR(x) BRT_STR_(x)
/* Parse `len` bytes as a SOAP 1.1 envelope without network access, DTDs or
 * entity expansion (a DOCTYPE is refused). Returns the document or NULL with
 * *why set to a static reason. */
xmlDocPtr brt__soap_parse(const char *buf, size_t len, const char **why);
/* The same for bytes the caller has already given to the pre-scan below
 * (http.c scans a request where it lies, before copying it). */
xmlDocPtr brt__soap_parse_scanned(const char *buf, size_t len,
				  const char **why);

/* The pre-scan of brt__soap_parse (prescan.c), fed piece by piece: a start
 * tag with more than BRT_SOAP_MAX_ATTRS + BRT_SOAP_MAX_NS attributes and
 * declarations is refused at the first one over, before any copy or parse.
 * Plain data: init it, feed it, nothing to free. */
struct brt_prescan {
	int state;
	char quote;   /* in a start tag: the open quote, or 0 */
	int count;    /* '=' seen in the current start tag */
	char head[8]; /* the bytes after '<' until they tell its kind */
	int nhead;
	const char *close;   /* the end of a comment, CDATA section or PI */
	int matched;	     /* how much of it the last bytes matched */
	const char *refused; /* a static reason, or NULL */
};
void brt__prescan_init(struct brt_prescan *ps);
/* The next `len` bytes; returns why the input is refused, else NULL (and
 * keeps returning the reason once refused). */
const char *brt__prescan_feed(struct brt_prescan *ps, const char *buf,
			      size_t len);
/* The first element child of soapenv:Body, NULL if none; *body gets the
 * Body. */
xmlNodePtr brt__soap_body_first(xmlDocPtr env, xmlNodePtr *body);
/* Turn the Body of an envelope into a message value of `m` (document or
 * rpc style). Returns NULL with *why set when it does not fit. */
xmlDocPtr brt__soap_to_message(xmlNodePtr body, const struct brt_operation *op,
			       const struct brt_message *m, bool is_response,
			       const char **why);
/* The same, moving the element parts out of the envelope instead of
 * copying them: the envelope is only good for freeing afterwards. */
xmlDocPtr brt__soap_take_message(xmlNodePtr body,
				 const struct brt_operation *op,
				 const struct brt_message *m, bool is_response,
				 const char **why);
/* Build an envelope carrying message value `msg` for op (request or
 * response). Returns a new document. */
xmlDocPtr brt__soap_from_message(const struct brt_operation *op,
				 const struct brt_message *m, xmlDocPtr msg,
				 bool is_response);
/* Build a Fault envelope (see brt__request_fault). */
xmlDocPtr brt__soap_fault(const char *fault_ns, const char *fault_local,
			  xmlDocPtr data, const char *text);
/* The same with faultcode soapenv:Client when `client` (bad requests). */
xmlDocPtr brt__soap_fault_code(bool client, const char *fault_ns,
			       const char *fault_local, xmlDocPtr data,
			       const char *text);
/* A Fault envelope whose faultcode is soapenv:CODE (e.g. "MustUnderstand")
 * with faultstring `text`. Returns a new document or NULL. */
xmlDocPtr brt__soap_fault_soapcode(const char *code, const char *text);
/* The first Header entry addressed to us (no actor, or actor "next") with
 * soapenv:mustUnderstand="1": we understand no header block, so the
 * message must be refused with a MustUnderstand fault (SOAP 1.1 §4.2.3).
 * NULL when there is none. */
xmlNodePtr brt__soap_must_understand(xmlDocPtr env);
/* The soapenv:Fault element that is the Body's first child, or NULL. */
xmlNodePtr brt__soap_fault_elem(xmlNodePtr body);
/* The element children of a fault's <detail> as a message value of m
 * (document style), or NULL when they do not fit. */
xmlDocPtr brt__soap_detail_message(xmlNodePtr detail,
				   const struct brt_message *m);
/* A new document whose root is a copy of `el`, with the namespaces in
 * scope at el declared on it. */
xmlDocPtr brt__soap_elem_doc(xmlNodePtr el);
/* Copies added one by one each declare what they use; say it once:
 * a namespace a child of `parent` declares that is already in scope at
 * parent is used from there (docs/semantics-decisions.md says when not),
 * one that is not is declared on parent when its prefix is free there;
 * redundant declarations go (data.c). */
void brt__data_hoist_ns(xmlNodePtr parent);
/* True when an attribute value or text in the subtree of n holds a token
 * "prefix:..." (QName-valued content that needs prefix declared; data.c). */
bool brt__data_prefix_in_content(xmlNodePtr n, const xmlChar *prefix);
/* The same for every declaration of `list` (NULL-terminated, as
 * xmlGetNsList gives) at once, in one pass over n's subtree, so the cost
 * is the size of the subtree plus the list, not their product: used[i]
 * says whether list[i]'s prefix is used. 0 or BRT_ENOMEM. */
int brt__data_prefixes_in_content(xmlNodePtr n, xmlNsPtr *list, bool *used);
/* Serialize with an XML declaration, UTF-8. Returns a buffer the caller
 * frees with xmlFree, or NULL. */
char *brt__soap_serialize(xmlDocPtr doc, size_t *len);

/* ---- http server (http.c) ------------------------------------------------ */

/* Start serving: bind --listen, or each distinct host:port of the myRole
 * partner links' addresses. Needs rt->proc, rt->base and the options only
 * (no engine until a message is delivered). Returns 0 or BRT_E* (logged). */
int brt__http_start(brt_runtime *rt);
/* 0 when `s` is a valid "HOST:PORT" (or "[v6]:PORT") for --listen. */
int brt__http_check_listen(const char *s);

/* ---- wsdl.c: the WSDL served to clients ---------------------------------- */

struct evbuffer;
/* A query that asks for a served document ("wsdl", "wsdl=N", "xsd=N"). */
bool brt__wsdl_query(const char *query);
/* The document of link pl that query names, NULL if none. */
const struct brt_served_doc *brt__wsdl_find(const struct brt_partner_link *pl,
					    const char *query);
/* A Host header value fit to be the address in a served WSDL. */
bool brt__wsdl_host_ok(const char *s);
/* "http://host:port" as the client of req reached the service. */
void brt__wsdl_base(brt_runtime *rt, struct evhttp_request *req, char *out,
		    size_t n);
/* Document d with that address filled in, appended to out. */
int brt__wsdl_render(brt_runtime *rt, struct evhttp_request *req,
		     const struct brt_served_doc *d, struct evbuffer *out);
/* The port of the first listener (after binding port 0), or -1. */
int brt__http_port(const brt_runtime *rt);
/* Close the listeners: no new connections (SIGTERM). */
void brt__http_stop(brt_runtime *rt);
/* Number of request-response exchanges still waiting for an answer
 * (held answers included). */
int brt__http_open_requests(const brt_runtime *rt);
/* Send the answers held for batches up to `epoch` (rt->hold). */
void brt__http_release(brt_runtime *rt, unsigned long epoch);
/* The cluster (engine/cluster.c) decided a message r carries is for this
 * node after all: deliver it as the server would have (msg taken; r is
 * answered now, or by the engine). */
void brt__http_deliver(brt_request *r, int plink,
		       const struct brt_operation *op, xmlDocPtr msg);
/* Why an instance is dropped (rt->dropping), and what its requests get:
 *   FENCED   another node owns it now: a message that arrived in a pass
 *            whose batch did not commit is answered 503 (not accepted,
 *            retry), an earlier one 502 (taken, its answer lost);
 *   UNKNOWN  its commit's outcome is unknown: 502 (may or may not have
 *            been taken); the instance is reloaded from the database;
 *   RACED    it was made for a correlation value another node's instance
 *            got first: its messages are handled again from the start
 *            (looked up, forwarded to the winner), once. */
enum brt_drop { BRT_DROP_FENCED = 1, BRT_DROP_UNKNOWN, BRT_DROP_RACED };
/* The engine took r's message for instance inst (0: none). */
void brt__request_bind(brt_request *r, unsigned long inst);
/* r's instance is being dropped (rt->dropping says why): answer r now,
 * or handle its message again; r is gone after. */
void brt__request_abandon(brt_request *r);
/* The same for every held answer (reply, fault, 202) of instance inst. */
void brt__http_abandon(brt_runtime *rt, unsigned long inst);
/* Answer r with bytes another node answered (a forwarded request). */
void brt__request_relay(brt_request *r, int status, const char *ctype,
			const char *buf, size_t len);
/* r's HTTP request (headers, body, URI), NULL once the client has gone;
 * its number in the log. */
struct evhttp_request;
struct evhttp_request *brt__request_evhttp(const brt_request *r);
unsigned long brt__request_id(const brt_request *r);

/* ---- several nodes on one store (engine/cluster.c) ----------------------- */

/* True when msg (for op of partner link plink, arriving in req) should be
 * looked up in the shared store before it is delivered: the store is
 * shared, no local instance takes it, it carries correlation values, and
 * it was not forwarded here by another node. */
bool brt__cluster_wants(brt_runtime *rt, int plink,
			const struct brt_operation *op, xmlDocPtr msg,
			struct evhttp_request *req);
/* Look it up, then deliver it here (brt__http_deliver) or forward it to
 * the node that owns its instance and relay the answer. Takes r, msg. */
void brt__cluster_route(brt_runtime *rt, brt_request *r, int plink,
			const struct brt_operation *op, xmlDocPtr msg);

/* Answer what is still open with a fault, free the server. Call after
 * brt__engine_free (which may still answer requests). */
void brt__http_free(brt_runtime *rt);

/* ---- engine services for data and net ----------------------------------- */

const struct brt_process *brt__strand_proc(const brt_strand *s);
brt_runtime *brt__strand_runtime(const brt_strand *s);
brt_instance *brt__strand_instance(const brt_strand *s);
unsigned long brt__instance_id(const brt_instance *in);

/* The storage of variable `var` as seen from strand s: the slot in the
 * nearest enclosing scope instance that declares it. NULL is a compiler bug
 * (logged). The slot owns its document (NULL: uninitialised). */
xmlDocPtr *brt__var_slot(brt_strand *s, int var);

/* Status of flow link `link` as seen from s (links.c): 1 true, 0 false,
 * -1 unset or not visible. */
int brt__link_status(brt_strand *s, int link);

/* The fault variable's document, or the data of the fault being handled. */
xmlDocPtr brt__strand_fault_data(brt_strand *s);

/* Raise a fault on s; `data` (may be NULL) is taken. Always returns
 * BRT_STEP_FAULT so callers can `return brt__fault(...)`. `why` goes to the
 * log. */
enum brt_step brt__fault(brt_strand *s, const char *ns, const char *local,
			 xmlDocPtr data, const char *why);
/* A standard fault (faults.md), namespace BRT_NS_BPEL. */
/* local is a standard fault's name, or "{ns}local" for a fault in
 * another namespace (Apache ODE's functions raise their own). */
enum brt_step brt__std_fault(brt_strand *s, const char *local, const char *why);
/* The tolerant branch of a broken invariant (after ALWAYS/NEVER): logs
 * `what` with "(bug)" and faults s with bpelc:internalError. Returns
 * BRT_STEP_FAULT. */
enum brt_step brt__bug(brt_strand *s, const char *what);

/* ---- data: variables, XPath, messages (data.c, xpath.c) ----------------- */

/* Compile every expression, parse every literal. Logs and returns an error
 * if any fails (the compiler should have caught it). */
int brt__data_prepare(brt_runtime *rt);
/* After a step of a process whose XPath functions make documents (ODE's):
 * free them, no value of that step is read any more. */
void brt__data_step_done(brt_runtime *rt);
void brt__data_free(brt_runtime *rt);

/* Evaluate expression `expr` for strand s, with context node `ctx` (may be
 * NULL). On an XPath error raises subLanguageExecutionFault (or the fault
 * the function raised: uninitializedVariable, selectionFailure) and
 * returns NULL. The caller frees the result. */
xmlXPathObjectPtr brt__xpath_eval(brt_strand *s, int expr, xmlNodePtr ctx);

/* An expression's value as a new string; NULL after raising a fault. */
char *brt__eval_string(brt_strand *s, int expr);

/* Receive side: store an inbound message value into r->var or its
 * fromParts. Takes msg. NEXT or FAULT. */
enum brt_step brt__data_receive(brt_strand *s, int var, int nparts,
				const struct brt_part_map *parts,
				const struct brt_message *m, xmlDocPtr msg);

/* Send side: a new message value of `m` from variable var or from toParts.
 * Raises uninitializedVariable and returns FAULT when something is unset. */
enum brt_step brt__data_message(brt_strand *s, int var, int nparts,
				const struct brt_part_map *parts,
				const struct brt_message *m, xmlDocPtr *out);
/* The same without copying a message variable: *out is then the
 * variable's own document and *lent is true. A lent value is only read,
 * never kept or freed, and only until the strand's next step (a reply
 * or an invoke serialises it at once). */
enum brt_step brt__data_message_lend(brt_strand *s, int var, int nparts,
				     const struct brt_part_map *parts,
				     const struct brt_message *m,
				     xmlDocPtr *out, bool *lent);

/* The value of property `prop` in message value `msg` of type `m` through
 * its alias, whitespace-normalised, as a new string; NULL when there is no
 * alias or the alias selects not exactly one node. */
char *brt__data_property(brt_runtime *rt, int prop, const struct brt_message *m,
			 xmlDocPtr msg);

#endif /* BRT_INTERNAL_H */
