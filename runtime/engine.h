/*
 * engine.h — the engine's private data: instances, scope instances, strands,
 * the run queue. Shared by instance.c, sched.c, faults.c, messaging.c,
 * timer.c and store.c only; the rest of the runtime sees the engine through
 * internal.h, generated code through bpelrt.h.
 *
 * Ownership, top down: the engine owns its live instances (a list, oldest
 * first); an instance owns its scope instances, strands, open message
 * exchanges and inbox; a scope instance owns its variable documents; a
 * strand owns its raised fault, a message/request delivered to it but not
 * yet consumed, its timer, and its pending call (cancelled on free).
 */
#ifndef BRT_ENGINE_H
#define BRT_ENGINE_H

#include "internal.h"

struct event;

/* Not a standard fault: the engine's own fault names. */
#define BRT_NS_BPELC "http://bpelc.dev/faults"

/* A raised fault: owned names (they may come from a partner), owned data.
 * `message` is the data's message type when known (throw of a message
 * variable, declared WSDL fault); element data is typed by its root. */
struct brt_fault {
	char *ns;
	char *local;
	xmlDocPtr data;
	const struct brt_message *message;
};

enum brt_scope_mode {
	BRT_MODE_NORMAL,
	BRT_MODE_FAULT, /* a fault handler runs (or is about to) */
};

struct brt_scope_inst {
	unsigned long id; /* per instance, for logs and saved instances */
	brt_instance *in;
	int scope;        /* index in proc->scopes */
	struct brt_scope_inst *parent;
	xmlDocPtr *vars;  /* scopes[scope].nvars slots, NULL: uninitialised */
	enum brt_scope_mode mode;
	struct brt_fault fault; /* the fault being handled (BRT_MODE_FAULT) */
	brt_strand *waiter;     /* resumes when this scope ends; NULL: process */
	int nstrands;           /* live strands whose scope is this one */
	bool doomed;            /* being terminated (faults.c) */
	struct brt_scope_inst *prev, *next; /* instance's list */
};

enum brt_wait {
	BRT_W_NONE,    /* runnable or running */
	BRT_W_RECEIVE, /* an enabled IMA: recv */
	BRT_W_INVOKE,  /* call in flight */
	BRT_W_TIMER,   /* timer armed */
	BRT_W_JOIN,    /* `pending` flow children */
	BRT_W_SCOPE,   /* a child scope instance runs */
};

/* What an event brought a strand; the scheduler finishes the activity
 * (writes variables, may fault) before it calls the next step, so nothing
 * runs step code from inside an HTTP or curl callback. */
enum brt_done {
	BRT_D_NONE,
	BRT_D_RECEIVE, /* msg/req delivered for recv */
	BRT_D_INVOKE,  /* call finished: msg or error fields */
};

struct brt_strand {
	unsigned long id;
	int state;
	brt_instance *in;
	struct brt_scope_inst *scope;
	brt_strand *parent; /* flow parent to notify at the end, or NULL */
	int pending;        /* flow children still running */
	enum brt_wait wait;
	bool queued;

	const struct brt_receive *recv;  /* BRT_W_RECEIVE / BRT_D_RECEIVE */
	struct brt_receive *recv_owned;  /* a restored copy recv points to */
	const struct brt_invoke *iv;     /* BRT_W_INVOKE / BRT_D_INVOKE */
	brt_call *call;
	struct event *timer;
	double deadline;                 /* BRT_W_TIMER, seconds since epoch */

	enum brt_done done;
	xmlDocPtr msg;       /* delivered message / response, owned */
	brt_request *req;    /* delivered request, owned until answered */
	int call_err;
	bool call_is_fault;
	const struct brt_fault_decl *call_fault_decl;
	char *call_text;

	struct brt_fault fault; /* raised by the last step */

	brt_strand *qprev, *qnext; /* run queue */
	brt_strand *prev, *next;   /* instance's list */
};

/* An open request-response exchange (semantics.md §2). */
struct brt_mex {
	int plink;
	const struct brt_operation *op;
	const char *mex; /* borrowed from the descriptor, NULL: default */
	brt_request *req;
	struct brt_mex *next;
};

/* A message that reached an instance before a receive took it. */
struct brt_inmsg {
	int plink;
	const struct brt_operation *op;
	xmlDocPtr msg;
	brt_request *req;
	struct brt_inmsg *next;
};

struct brt_instance {
	unsigned long id;
	brt_runtime *rt;
	brt_instance *prev, *next; /* engine's list, oldest first */
	struct brt_scope_inst *root;
	struct brt_scope_inst *scopes_head, *scopes_tail;
	brt_strand *strands_head, *strands_tail;
	unsigned long next_strand_id, next_scope_id;
	struct brt_mex *mexes;
	struct brt_inmsg *inbox_head, *inbox_tail;
	int ninbox;
	char **plink_url; /* nplinks, assigned at run time, owned */
	bool started;     /* process variable initialisers have run */
	bool exiting;     /* <exit> seen: destroy after the current step */
};

struct brt_engine {
	brt_runtime *rt;
	struct event *run_ev;
	brt_strand *q_head, *q_tail;
	int nqueued;
	bool draining; /* inside drain(): no event_active needed */
	brt_instance *first, *last;
	int ninstances;
	unsigned long next_id;
	xmlXPathContextPtr date_ctx; /* EXSLT date functions, for <wait> */
	xmlDocPtr date_doc;
};

/* How an instance ends; decides what its open requests are told. */
enum brt_end {
	BRT_END_COMPLETED,
	BRT_END_FAULTED,
	BRT_END_EXITED,
	BRT_END_SHUTDOWN,
};

/* ---- instance.c ---------------------------------------------------------- */

brt_instance *brt__instance_new(brt_runtime *rt);
/* Answers every open request (how: `end`, fault `f` for FAULTED), cancels
 * everything, frees the instance. */
void brt__instance_end(brt_instance *in, enum brt_end end,
		       const struct brt_fault *f);
struct brt_scope_inst *brt__scope_inst_new(brt_instance *in, int scope,
					   struct brt_scope_inst *parent);
void brt__scope_inst_free(struct brt_scope_inst *si);
bool brt__scope_inst_within(const struct brt_scope_inst *si,
			    const struct brt_scope_inst *ancestor);
void brt__fault_clear(struct brt_fault *f);
int brt__fault_copy(struct brt_fault *dst, const struct brt_fault *src);

/* ---- sched.c ------------------------------------------------------------- */

brt_strand *brt__strand_new(brt_instance *in, struct brt_scope_inst *si,
			    brt_strand *parent, int state);
/* Cancels whatever the strand waits for, frees it; no notification. */
void brt__strand_free(brt_strand *s);
void brt__strand_queue(brt_strand *s);
/* A strand reached its end: notify the flow parent or end the scope. */
void brt__strand_end(brt_strand *s);
int brt__sched_init(struct brt_engine *e);
void brt__sched_free(struct brt_engine *e);

/* ---- faults.c ------------------------------------------------------------ */

/* The scheduler's answer to BRT_STEP_FAULT: unwind s's fault (s is freed). */
void brt__fault_handle(brt_strand *s);
/* Fault `f` (taken) arrives in scope instance si: terminate, catch or
 * propagate. */
void brt__fault_in_scope(brt_instance *in, struct brt_scope_inst *si,
			 struct brt_fault *f);
/* Scope instance si has no strands left: it ended. */
void brt__scope_ended(struct brt_scope_inst *si);
/* Raise with a known data type (declared WSDL fault, message variable). */
enum brt_step brt__fault_typed(brt_strand *s, const char *ns,
			       const char *local, xmlDocPtr data,
			       const struct brt_message *m, const char *why);

/* ---- messaging.c --------------------------------------------------------- */

/* Run by the scheduler before the next step of a strand an event woke. */
enum brt_step brt__receive_finish(brt_strand *s);
enum brt_step brt__invoke_finish(brt_strand *s);
const struct brt_operation *brt__plink_op(const struct brt_process *p,
					  int plink, const char *name);

/* ---- timer.c ------------------------------------------------------------- */

int brt__timer_arm(brt_strand *s, double deadline);
double brt__now(void);

#endif /* BRT_ENGINE_H */
