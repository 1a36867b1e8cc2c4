/*
 * testmode.h — what the files of test mode share: the executable that
 * `bpelc test` builds links libbpelrt-test.a (the runtime without http.c,
 * plus these files), whose __wrap_brt_main runs one case of a suite
 * against the process instead of serving it (docs/testing.md).
 *
 *   transport.c  in-process stand-in for http.c: requests the case sends,
 *                answers the process gives
 *   clock.c      the virtual clock timers are armed on
 *   mock.c       mocked partners: the invoke service of a test build
 *   suite.c      the suite file: parsed, checked against the process
 *   run.c        one case: its steps and expectations
 *   main.c       options, coverage counters, the result file
 *
 * Nothing here is linked into a service: production code reaches test
 * mode only through rt->test (internal.h), NULL there.
 *
 * Ownership: one struct tmode (made by main.c) owns the suite document, the
 * exchanges, the recorded calls and instances, the clock's table and the
 * coverage counters; it is rt->test_ctx.
 */
#ifndef BRT_TESTMODE_H
#define BRT_TESTMODE_H

#include <stdbool.h>
#include <stdio.h>

#include "engine.h"

/* ---- the suite (suite.c) -------------------------------------------------- */

/* A mock's answer: chosen by call number and/or a condition, in order. */
struct tm_answer {
	xmlNodePtr node;
	int line;
	int call;	       /* 0: any */
	const char *when;      /* XPath on the request, NULL: always */
	double delay;	       /* seconds of virtual time */
	xmlNodePtr reply;      /* <reply> or NULL */
	xmlNodePtr fault;      /* <fault> or NULL */
	xmlNodePtr *callbacks; /* <callback> elements */
	int ncallbacks;
};

struct tm_mock {
	xmlNodePtr node;
	int plink;			/* index in proc->plinks */
	const struct brt_operation *op; /* NULL: partnerRole, by name */
	char *opname;
	struct tm_answer *answers;
	int nanswers;
};

struct tm_case {
	const char *name;
	xmlNodePtr node;
};

struct tm_suite {
	const char *file;
	xmlDocPtr doc;
	struct tm_mock *mocks;
	int nmocks;
	struct tm_case *cases;
	int ncases;
};

/* Parse and check `file` against the process: 0, or 2 after printing
 * "file:line: error: ..." lines to stderr. */
int tm_suite_load(struct tm_suite *su, const struct brt_process *p,
		  const char *file);
void tm_suite_free(struct tm_suite *su);
int tm_line(xmlNodePtr n);
/* An attribute's value as a string the caller frees with free(), NULL
 * when absent. */
char *tm_attr(xmlNodePtr n, const char *name);
/* A partner link by name, an operation of it (myRole or partnerRole
 * portType) by name: -1 / NULL when not found. */
int tm_plink(const struct brt_process *p, const char *name);
const struct brt_operation *tm_operation(const struct brt_process *p, int plink,
					 const char *name, bool my_role);
/* Build a message value of `m` from the content of `holder` (<part>
 * children, or the content of the only part). NULL with *why set. */
xmlDocPtr tm_message(xmlNodePtr holder, const struct brt_message *m,
		     const char **why);
/* Resolve "prefix:local" against holder's namespaces. false if bad. */
bool tm_qname(xmlNodePtr holder, const char *text, char **ns, char **local);
/* Evaluate `expr` (namespaces in scope at `holder`) as a boolean with
 * the message value `msg` of type `m` as context: its root is the context
 * node and each part is $PART (an element part: the element). 0, or -1
 * with *err (owned) set. */
int tm_xpath_bool(xmlNodePtr holder, const char *expr, xmlDocPtr msg,
		  const struct brt_message *m, bool *out, char **err);
/* Seconds of an xs:duration, -1 when it is not one. */
double tm_duration(const char *text);

/* ---- an exchange: a message the case sent (transport.c) ------------------ */

struct tm_exchange {
	char *id; /* the send's id attribute, or NULL; owned */
	int line; /* of the <send> */
	int plink;
	const struct brt_operation *op;
	bool answered;
	bool is_fault;
	char *fault_ns, *fault_local, *fault_text;
	xmlDocPtr answer; /* reply message value, or fault data; owned */
	char *where;	  /* the .bpel place that answered, owned */
	struct tm_exchange *next;
};

/* ---- a recorded partner call (mock.c) ------------------------------------ */

struct tm_call {
	int plink;
	const struct brt_operation *op;
	int number;	 /* 1-based, per (plink, op) */
	xmlDocPtr input; /* owned copy */
	struct tm_call *next;
};

/* ---- an instance the case started --------------------------------------- */

struct tm_inst {
	unsigned long id;
	bool ended;
	int end; /* enum brt_end */
	char *fault_ns, *fault_local;
	char *fault_where; /* .bpel place of the fault, owned */
	xmlDocPtr *vars;   /* process variables at the end (ended), owned */
	struct tm_inst *next;
};

/* ---- the virtual clock (clock.c) ----------------------------------------- */

struct tm_triple {
	int a, b, c;
	unsigned long hits; /* 0: free slot */
};

struct tm_strand_hist {
	unsigned long in, id; /* instance and strand ids; in 0: free */
	int p1, p2;	      /* last and before-last states */
};

struct tm_timer {
	struct event *ev;
	double deadline;
	unsigned long seq;
};

/* ---- the whole test run --------------------------------------------------- */

struct tmode {
	brt_runtime *rt;
	const struct brt_process *orig; /* the generated descriptor */
	struct brt_process proc; /* its copy: traced step, mock invoker */
	struct tm_suite suite;

	double now;
	struct tm_timer *timers;
	int ntimers, ctimers;
	unsigned long timer_seq;

	struct tm_exchange *xs, *xs_tail;
	struct tm_call *calls, *calls_tail;
	struct tm_inst *insts;
	int nopen;	  /* request-response exchanges not yet answered */
	int pending_mock; /* mock results activated but not yet delivered */
	char *mock_error; /* first problem of a mock (no answer...), owned */

	/* coverage (main.c): hits per state, (before-last, last, this) state
 * triples per strand (-1: none) and link values */
	unsigned long *hits; /* per state */
	struct tm_triple *triples;
	int ntriples, ctriples;
	struct tm_strand_hist *hist;
	int nhist, chist;
	unsigned long *link_hits; /* 2 per link: false, true */
	int nlinks;
	/* per forEach state, TM_FE_N counters: runs begun, runs whose body
	 * ran zero times, runs whose body ran one or more times, child
	 * scopes started (enum brt_test_fe's order) */
	unsigned long *fe_hits;
	int cur_state;	 /* the state running now, -1 */
	int fault_state; /* the last state whose step raised a fault */

	/* the message trace (system-out): open_memstream on trace_buf */
	FILE *trace;
	char *trace_buf;
	size_t trace_len;
};

/* ---- clock.c ------------------------------------------------------------ */

extern const struct brt_test_hooks tm_hooks;
/* Counters per forEach state: one per enum brt_test_fe. */
enum { TM_FE_N = BRT_TEST_FE_CHILD + 1 };
/* brt_test_hooks.foreach_note: counted in t->fe_hits (main.c). */
void tm_foreach_note(brt_strand *s, enum brt_test_fe what);
/* Timers pending on the virtual clock. */
int tm_clock_pending(const struct tmode *t);
/* Fire the earliest timer (and everything it queues runs): false when
 * none is pending. */
bool tm_clock_fire_next(struct tmode *t);
/* Move the clock by `secs`, firing the timers due on the way in order. */
void tm_clock_advance(struct tmode *t, double secs);
/* Run the loop until nothing is runnable. */
void tm_settle(struct tmode *t);

/* ---- transport.c --------------------------------------------------------- */

/* Send message `msg` (taken) on (plink, op) as the case or a mock's
 * callback; x (may be NULL for one-way) records the answer. */
void tm_transport_send(struct tmode *t, int plink,
		       const struct brt_operation *op, xmlDocPtr msg,
		       struct tm_exchange *x);

/* ---- mock.c -------------------------------------------------------------- */

extern const struct brt_invoke_service tm_mock_service;

/* ---- main.c: places and the trace ---------------------------------------- */

/* "file:line <kind name>" of a state, as the generated table says. */
const char *tm_state_name(const struct tmode *t, int state);
/* A new string (malloc), NULL on no memory. */
char *tm_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tm_trace(struct tmode *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void tm_trace_doc(struct tmode *t, xmlDocPtr doc);
/* Note instances that are live now. */
void tm_note_instances(struct tmode *t);

/* ---- run.c --------------------------------------------------------------- */

/* Run case `c`: 0 passed, 1 failed (*msg etc. set, owned), 2 suite
 * error found while running. */
struct tm_failure {
	char *message;
	char *expected;
	char *actual;
	char *where; /* .bpel place */
	int line;    /* suite line */
};
int tm_run_case(struct tmode *t, const struct tm_case *c, struct tm_failure *f);

/* The generated main() calls brt_main; a test build links with
 * -Wl,--wrap=brt_main, so it calls this instead. */
int __wrap_brt_main(const struct brt_process *p, int argc, char **argv);
/* A process variable's value by name (scope 0): *v its descriptor. */
int tm_xpath_var(xmlNodePtr holder, const char *expr, xmlDocPtr doc,
		 const struct brt_variable *v, bool *out, char **err);

#endif
