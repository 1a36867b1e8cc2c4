/*
 * engine.h — the engine's private data: instances, scope instances, strands,
 * the run queue. Shared by the files of runtime/engine/ only; the rest of
 * the runtime sees the engine through internal.h, generated code through
 * bpelrt.h.
 *
 * Ownership, top down: the engine owns its live instances (a list, oldest
 * first); an instance owns its scope instances, strands, open message
 * exchanges and inbox; a scope instance owns its variable documents; a
 * strand owns its raised fault, a message/request delivered to it but not
 * yet consumed, its timer, and its pending call (cancelled on free).
 */
#ifndef BRT_ENGINE_H
#define BRT_ENGINE_H

#include <stdint.h>

#include <libxml/parser.h>

#include "internal.h"

struct event;
struct brt_centry; /* correl.c: a routing hash entry */
struct brt_cset;   /* correl.c: an initiated correlation set */
struct brt_corr_init;
struct brt_correl;

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

/* Where a scope instance is in its life (semantics.md §9, §10). */
enum brt_scope_phase {
	BRT_PHASE_ACTIVE = 0,	/* primary activity, or its fault handler */
	BRT_PHASE_INSTALLED,	/* completed: its compensation handler waits */
	BRT_PHASE_COMPENSATING, /* its compensation handler runs */
	BRT_PHASE_TERMINATING,	/* being terminated: children, then its
				   termination handler */
};

struct brt_pick_run;
struct brt_events;

struct brt_scope_inst {
	unsigned long id; /* per instance, for logs and saved instances */
	brt_instance *in;
	int scope; /* index in proc->scopes */
	struct brt_scope_inst *parent;
	xmlDocPtr *vars; /* scopes[scope].nvars slots, NULL: uninitialised */
	enum brt_scope_mode mode;
	struct brt_fault fault; /* the fault being handled (BRT_MODE_FAULT) */
	brt_strand *waiter; /* resumes when this scope ends; NULL: process */
	int nstrands;	    /* live strands whose scope is this one */
	bool doomed;	    /* being terminated (faults.c) */
	struct brt_scope_inst *prev, *next; /* instance's list */
	/* The link frame its strands start with (links.c), one reference. */
	struct brt_link_frame *links;
	struct brt_cset *csets; /* initiated correlation sets (correl.c) */
	/* Compensation and termination (compensate.c, terminate.c). */
	enum brt_scope_phase phase;
	unsigned long done_seq;	 /* BRT_PHASE_INSTALLED: completion order */
	brt_strand *comp_waiter; /* BRT_PHASE_COMPENSATING: the compensate */
	int nterm;		 /* child instances still terminating */
	brt_strand *term_notify; /* terminated for this strand (forEach) */
	brt_strand *events;	 /* enabled event handlers' anchor strand */
};

enum brt_wait {
	BRT_W_NONE,    /* runnable or running */
	BRT_W_RECEIVE, /* an enabled IMA: recv */
	BRT_W_INVOKE,  /* call in flight */
	BRT_W_TIMER,   /* timer armed */
	BRT_W_JOIN,    /* `pending` flow children */
	BRT_W_SCOPE,   /* a child scope instance runs */
	BRT_W_LINKS,   /* a join: incoming links not all set (links.c) */
	BRT_W_PICK,    /* a pick's IMAs and alarm are enabled (pick.c) */
	BRT_W_COMP,    /* compensation handlers run (compensate.c) */
	BRT_W_TERM,    /* scope instances being terminated (terminate.c) */
	BRT_W_LOCK,    /* an isolated scope's body waits for the lock */
	BRT_W_EVENTS,  /* a scope's event handlers' anchor (events.c) */
};

/* What an event brought a strand; the scheduler finishes the activity
 * (writes variables, may fault) before it calls the next step, so nothing
 * runs step code from inside an HTTP or curl callback. */
enum brt_done {
	BRT_D_NONE,
	BRT_D_RECEIVE, /* msg/req delivered for recv */
	BRT_D_INVOKE,  /* call finished: msg or error fields */
	BRT_D_FAULT,   /* raise `fault` (a compensation handler's fault) */
};

/*
 * An inbound message activity (receive, pick's onMessage, onEvent) while it
 * is enabled (correl.c). Whoever enables it owns it: a <receive> uses the
 * one in its strand; pick/onEvent keep their own. Fill s, r, deliver (and
 * arg, persistent), then brt__ima_enable(); brt__ima_disable() before the
 * memory goes away (idempotent).
 */
struct brt_ima {
	brt_strand *s; /* correlation sets resolve from s->scope */
	const struct brt_receive *r; /* plink, op, mex, correlations */
	/* Routing chose this IMA for a message. Takes msg and req (NULL for
	 * one-way). `fault` is NULL, or the standard fault
	 * (ambiguousReceive/conflictingReceive) the activity must throw after
	 * it has consumed the message (opened its exchange). Runs inside an
	 * HTTP callback: record and queue, never run steps. A non-persistent
	 * IMA is already disabled when this runs. */
	void (*deliver)(struct brt_ima *ima, xmlDocPtr msg, brt_request *req,
			const char *fault);
	void *arg;
	bool persistent; /* onEvent: stays enabled */
	/* correl.c's bookkeeping */
	bool enabled;
	unsigned long seq;	       /* enable order, engine-wide */
	struct brt_centry *entry;      /* hash entry when keyed by a set */
	struct brt_ima *iprev, *inext; /* the instance's enabled IMAs */
	struct brt_ima *fprev, *fnext; /* its operation's unkeyed IMAs */
};

struct brt_strand {
	unsigned long id;
	int state;
	brt_instance *in;
	struct brt_scope_inst *scope;
	brt_strand *parent; /* flow parent to notify at the end, or NULL */
	int pending;	    /* flow children still running */
	enum brt_wait wait;
	bool queued;

	const struct brt_receive *recv; /* BRT_W_RECEIVE / BRT_D_RECEIVE */
	struct brt_receive *recv_owned; /* a restored copy recv points to */
	const struct brt_invoke *iv;	/* BRT_W_INVOKE / BRT_D_INVOKE */
	brt_call *call;
	struct event *timer;
	double deadline; /* BRT_W_TIMER, seconds since epoch */

	enum brt_done done;
	xmlDocPtr msg;	  /* delivered message / response, owned */
	brt_request *req; /* delivered request, owned until answered */
	int call_err;
	bool call_is_fault;
	const struct brt_fault_decl *call_fault_decl;
	char *call_text;
	/* An undeclared fault's QName (brt_call_result.fault_ns/local). */
	char *call_fault_ns, *call_fault_local;

	struct brt_fault fault; /* raised by the last step */

	brt_strand *qprev, *qnext; /* run queue */
	brt_strand *prev, *next;   /* instance's list */

	/* Flow links visible to this strand (links.c), one reference:
	 * inherited from the parent strand, else from the scope instance. */
	struct brt_link_frame *links;
	struct brt_fe *fe;	   /* a running <forEach> (foreach.c), owned */
	struct brt_ima ima;	   /* BRT_W_RECEIVE: the enabled receive */
	const char *recv_fault;	   /* BRT_D_RECEIVE: fault to throw after */
	bool primary;		   /* runs its scope's primary activity */
	struct brt_pick_run *pick; /* BRT_W_PICK (pick.c), owned */
	struct brt_events *ev;	   /* BRT_W_EVENTS anchor (events.c), owned */
	struct brt_scope_inst *comp_owner; /* BRT_W_COMP: whose children */
	int comp_target;		   /* BRT_W_COMP: scope index, -1 all */
	int nterm_wait; /* BRT_W_TERM: terminations pending */
	/* A pick restored from a saved record (store.c): a copy of its
	 * descriptor (onMessages' receives included), owned, freed with the
	 * strand. */
	struct brt_pick *pick_owned;
	/* BRT_W_INVOKE to a --resend partner link: a copy of the request,
	 * owned, so a restart can send it again (persist.c). */
	xmlDocPtr call_msg;
	/* BRT_D_INVOKE: the call was in flight when the service died
	 * (restored): the invoke faults with bpelc:invokeInterrupted. */
	bool call_interrupted;
	/* The state whose step ran last: where the strand waits (the admin
	 * API shows the activity); 0 before its first step. */
	int at;
	bool held;	/* taken off the run queue: its instance is suspended */
	double call_t0; /* BRT_W_INVOKE: when the call started (metrics) */
};

/* An open request-response exchange (semantics.md §2). */
struct brt_mex {
	int plink;
	const struct brt_operation *op;
	const char *mex; /* borrowed from the descriptor, NULL: default */
	brt_request *req;
	struct brt_mex *next;
	/* The scope instance that declares the exchange (mex_scope of the
	 * IMA); an exchange pairs only within it. */
	struct brt_scope_inst *owner;
};

/* A message that reached an instance before a receive took it. */
struct brt_inmsg {
	int plink;
	const struct brt_operation *op;
	xmlDocPtr msg;
	size_t bytes; /* the message's size, counted against --max-inbox */
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
	size_t inbox_bytes;   /* sum of the inbox's brt_inmsg.bytes */
	char **plink_url;     /* nplinks, assigned at run time, owned */
	bool started;	      /* process variable initialisers have run */
	bool exiting;	      /* <exit> seen: destroy after the current step */
	struct brt_ima *imas; /* enabled IMAs (correl.c) */
	struct brt_centry *provisional; /* creating message's values (correl.c) */
	unsigned long done_seq; /* scopes completed so far (compensate.c) */
	struct brt_scope_inst *iso_holder; /* holds the isolated lock */
	/* The durable store (persist.c): the record exists (written in a
	 * committed or pending batch); changed in this loop pass (on the
	 * engine's dirty list). */
	bool persisted, dirty;
	brt_instance *dnext;
	/* Strings a restored record brought (exchange names), owned. */
	char **owned;
	int nowned;
	/* Operations (inspect.c): wall-clock start and last step, seconds
	 * since the epoch; suspended by the admin API (its strands are held
	 * off the run queue); the W3C traceparent of the request that last
	 * reached it (owned, NULL: none), carried into its invokes and log
	 * lines. */
	double t_start, t_active;
	bool suspended;
	char *trace;
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
	struct brt_correl *correl; /* routing tables (correl.c), lazily made */
	struct brt_persist *persist; /* the durable store (persist.c), NULL:
					memory only */
	/* Start-up restore (persist.c): ids are unique, no lookups; no
	 * strand runs (sched.c), the queue waits for its end. */
	bool recovering;
	struct brt_recr *rreader; /* store.c: reads records, lazily made */
};

/* How an instance ends; decides what its open requests are told. */
enum brt_end {
	BRT_END_COMPLETED,
	BRT_END_FAULTED,
	BRT_END_EXITED,
	BRT_END_SHUTDOWN,
	/* The shared store says this node must not run it (rt->dropping
	 * says why): nothing is written or counted; its requests are
	 * abandoned (brt__request_abandon). */
	BRT_END_DROPPED,
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
/* Start n >= 1 child strands of s at states[] and make s wait for them
 * (BRT_STEP_WAIT). Each child sees link frame f (NULL: s's own frames)
 * and takes a reference to it. Out of memory: no child is left, a fault
 * is raised on s (BRT_STEP_FAULT). */
enum brt_step brt__flow_start(brt_strand *s, int n, const int *states,
			      struct brt_link_frame *f);
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
enum brt_step brt__fault_typed(brt_strand *s, const char *ns, const char *local,
			       xmlDocPtr data, const struct brt_message *m,
			       const char *why);

/* ---- messaging.c --------------------------------------------------------- */

/* Run by the scheduler before the next step of a strand an event woke. */
enum brt_step brt__receive_finish(brt_strand *s);
enum brt_step brt__invoke_finish(brt_strand *s);
const struct brt_operation *brt__plink_op(const struct brt_process *p,
					  int plink, const char *name);

/* ---- links.c ------------------------------------------------------------ */

/* The link statuses of one flow instance: links first..first+n-1 of the
 * process. Reference counted: strands and scope instances inside the flow
 * hold it, the frame holds its parent (the enclosing flow's). */
struct brt_link_frame {
	int refs;
	int first, n;
	signed char *status; /* -1 unset, 0 false, 1 true */
	struct brt_link_frame *parent;
};

/* Take and drop a reference to frame f (NULL is ignored); the last
 * unref frees it and drops its reference to its parent. */
void brt__links_ref(struct brt_link_frame *f);
void brt__links_unref(struct brt_link_frame *f);

/* ---- recw.c ---------------------------------------------------------------
 * A record's XML text written straight into a buffer (store.c's savers,
 * events.c, foreach.c). Errors are sticky: check err once at the end. */
struct brt_recw {
	char *buf; /* '\0'-terminated while len > 0 */
	size_t len, cap;
	bool tag_open; /* the current start tag still takes attributes */
	int err;       /* 0 or the first BRT_E* */
};
/* The length of the UTF-8 sequence of an XML character at s (n bytes
 * left), 0 when it is not one (U+FFFE/U+FFFF, surrogates, overlongs). */
size_t brt__utf8_len(const unsigned char *s, size_t n);
void brt__recw_init(struct brt_recw *w);
void brt__recw_free(struct brt_recw *w);
/* The text written (malloc'd, the caller frees it); w is empty again. */
char *brt__recw_take(struct brt_recw *w, size_t *len);
/* <name ...>: attributes follow, until a child, text or the close. */
void brt__recw_open(struct brt_recw *w, const char *name);
void brt__recw_close(struct brt_recw *w, const char *name);
/* Attributes of the open start tag; a NULL string writes none. A number
 * equal to 0 writes none either (brt__recw_num, brt__recw_ulong): its
 * reader reads it absent as 0 (brt__recr_num). A real number is always
 * written. */
void brt__recw_str(struct brt_recw *w, const char *name, const char *v);
void brt__recw_num(struct brt_recw *w, const char *name, long v);
void brt__recw_ulong(struct brt_recw *w, const char *name, unsigned long v);
void brt__recw_real(struct brt_recw *w, const char *name, double v);
/* Text content, escaped. */
void brt__recw_text(struct brt_recw *w, const char *v);
/* doc's root element (and what it contains); nothing for NULL. */
void brt__recw_doc(struct brt_recw *w, xmlDocPtr doc);

/* ---- recr.c ---------------------------------------------------------------
 * A record's text read back without a libxml2 tree (store.c's loaders,
 * events.c, foreach.c): a light element tree in an arena that the next
 * read reuses. Every string is '\0'-terminated, unescaped, and lives until
 * the next brt__recr_read or brt__recr_free. */
enum { BRT_RECR_MAX_DEPTH = 256 };
struct brt_rattr {
	const char *name, *value;
	uint32_t key; /* of the name (recr.c) */
};
struct brt_rnode {
	const char *name;
	const struct brt_rattr *attrs;
	int nattrs;
	int hint; /* brt__recr_attr's: where the next search starts */
	bool ns;  /* a namespace is declared on it or an ancestor */
	/* Element children only, in order. */
	const struct brt_rnode *children, *next;
	/* Its text (CDATA included) when it has no element child, else
	 * NULL. */
	const char *text;
	/* Its bytes in the record given to brt__recr_read: [off, off+len). */
	size_t off, len;
};
struct brt_recr_chunk;
struct brt_recr {
	struct brt_recr_chunk *chunks, *cur; /* the node arena */
	char *copy;			     /* the text, unescaped in place */
	size_t copycap;
	struct brt_rattr *attrs; /* one start tag's, before the arena */
	uint32_t *akeys;	 /* their names' keys (duplicates) */
	int nattrs, capattrs;
	const char *text; /* the record read (borrowed) */
	size_t textlen;
	xmlParserCtxtPtr ctxt; /* brt__recr_doc's, lazily made */
};
void brt__recr_init(struct brt_recr *r);
void brt__recr_free(struct brt_recr *r);
/* Reads buf[0, len) (borrowed: it must stay while the tree is used) and
 * sets *root to its root element: 0, BRT_EINVAL (not well-formed, a
 * DOCTYPE, too deep) or BRT_ENOMEM. */
int brt__recr_read(struct brt_recr *r, const char *buf, size_t len,
		   const struct brt_rnode **root);
/* The value of attribute `name`, NULL when n has none. */
const char *brt__recr_attr(const struct brt_rnode *n, const char *name);
/* n is an element `name` in no namespace. */
bool brt__recr_named(const struct brt_rnode *n, const char *name);
/* n's first child element `name`, NULL when none. */
const struct brt_rnode *brt__recr_child(const struct brt_rnode *n,
					const char *name);
/* A decimal number (strtol's, without its leading white space): false
 * for NULL, an empty, malformed or out-of-range one. */
bool brt__recr_long(const char *v, long *out);
/* Number attribute `name` of n as brt__recw_num/brt__recw_ulong write it:
 * absent is 0 (zeros are not written); false (and *out 0) for a present
 * value brt__recr_long refuses. */
bool brt__recr_num(const struct brt_rnode *n, const char *name, long *out);
/* A new document parsed by libxml2 from the bytes of n's first child
 * element (the caller frees it); NULL when there is none, it does not
 * parse, or out of memory (libxml2's last error says which). */
xmlDocPtr brt__recr_doc(struct brt_recr *r, const struct brt_rnode *n);

/* ---- foreach.c ----------------------------------------------------------- */

/* A strand's forEach state is freed with it. */
void brt__foreach_free(brt_strand *s);
/* Child scope instance si of w's forEach ended (before si is freed). */
void brt__foreach_child_ended(brt_strand *w, struct brt_scope_inst *si);
/* Saved instances (store.c): a running forEach's progress as a <foreach>
 * child of the element open in w, and back onto restored strand s (the descriptor is found
 * again when its step runs). 0 or BRT_E*. */
int brt__foreach_save(const brt_strand *s, struct brt_recw *w);
int brt__foreach_load(brt_strand *s, const struct brt_rnode *n);

/* ---- correl.c ------------------------------------------------------------
 * Correlation sets and routing (semantics.md §1-§3, docs/semantics-
 * decisions.md). Routing is hash lookups keyed by (partner link, operation,
 * correlation set, values) and (set, values), never a scan of instances.
 */

/* Where a message goes: an enabled IMA (with the fault it must throw
 * after consuming, or NULL), an instance's inbox, or a new instance. */
struct brt_route {
	struct brt_ima *ima;
	const char *fault;
	brt_instance *in;
	bool create;
};
/* 0, or BRT_ENOTFOUND when nothing takes the message. */
int brt__corr_route(brt_runtime *rt, int plink, const struct brt_operation *op,
		    xmlDocPtr msg, struct brt_route *out);
/* A new instance was made for `msg` (start operation): until its start
 * activity has consumed it, later messages with the same values go to it. */
void brt__corr_provisional(brt_instance *in, int plink,
			   const struct brt_operation *op, xmlDocPtr msg);

/* Register ima (owned by its strand) with the router and the instance so
 * matching messages reach ima->deliver; enabling it again re-registers.
 * 0, or BRT_ENOMEM / BRT_EINVAL (operation not served; nothing
 * registered). Disable unregisters; a disabled IMA is ignored. */
int brt__ima_enable(struct brt_ima *ima);
void brt__ima_disable(struct brt_ima *ima);
/* Before enabling a non-start IMA: the reason when one of its
 * initiate="no" sets is not initiated (correlationViolation), else NULL. */
const char *brt__ima_violation(brt_strand *s, const struct brt_receive *r,
			       char *buf, size_t len);
/* True when message m (kept in an inbox) may go to `ima`: same partner
 * link and operation, and the values of its initiated sets match. */
bool brt__ima_accepts(struct brt_ima *ima, const struct brt_inmsg *m);
/* Append m to in's inbox (which takes it; no limit is checked here). */
void brt__inbox_append(brt_instance *in, struct brt_inmsg *m);
/* What a message value counts against --max-inbox (messaging.c). */
size_t brt__msg_bytes(xmlDocPtr doc);
/* The oldest inbox message one of imas[0..n-1] accepts, unlinked from the
 * inbox (the caller takes it and frees the node); *which gets the index. */
struct brt_inmsg *brt__inbox_take(brt_instance *in, struct brt_ima *const *imas,
				  int n, int *which);

/* Messaging activities' correlations: check a message against the sets
 * (`which`: BRT_PAT_NONE for receive/onMessage/onEvent/reply, REQUEST or
 * RESPONSE for invoke; `outgoing`: reply and invoke's request),
 * remembering what to initiate in *pend. A process compiled with --ode
 * behaves as Apache ODE did: initiate="yes" on a set already initiated is
 * ignored, and outgoing messages are not checked against initiated sets
 * (the standard raises bpel:correlationViolation). Returns 0,
 * or BRT_EFAULT after raising correlationViolation/selectionFailure on s. Then
 * brt__corr_commit initiates (and frees pend) once the activity has
 * completed, or brt__corr_drop forgets it. */
struct brt_corr_pending {
	int n;
	struct brt_corr_init *v;
};
int brt__corr_check(brt_strand *s, int ncorr,
		    const struct brt_correlation *corr, enum brt_pattern which,
		    bool outgoing, const struct brt_message *m, xmlDocPtr msg,
		    struct brt_corr_pending *pend);
int brt__corr_commit(brt_strand *s, struct brt_corr_pending *pend);
void brt__corr_drop(struct brt_corr_pending *pend);

/* Hooks: a scope instance ends (its sets go), an instance ends. */
void brt__corr_scope_free(struct brt_scope_inst *si);
void brt__corr_instance_end(brt_instance *in);
void brt__corr_free(struct brt_engine *e);
/* The routing table's hash of `key`, keyed with a secret drawn when the
 * runtime started (tests: it differs between runtimes). */
uint64_t brt__corr_hash(brt_runtime *rt, const char *key);
/* Saved instances (store.c): the i-th initiated set of si, its index as
 * the result (-1 past the end) and its values (nprops of them, borrowed);
 * brt__corr_restore initiates set `set` in si again with vals[0..n-1]
 * (taken, also on failure: BRT_EINVAL for a set si cannot hold). */
int brt__corr_set_get(const struct brt_scope_inst *si, int i,
		      char *const **vals);
int brt__corr_restore(struct brt_scope_inst *si, int set, char **vals, int n);
/* Routing order across restarts (store.c, persist.c): the order number of
 * si's i-th initiated set; the number the next enable or initiation takes
 * (0: a new one), so restored entries keep theirs; and the engine's
 * counter, raised to at_least first. */
unsigned long brt__corr_set_seq(const struct brt_scope_inst *si, int i);
void brt__corr_force_seq(brt_runtime *rt, unsigned long seq);
unsigned long brt__corr_seq(brt_runtime *rt, unsigned long at_least);
/* The shared store (cluster.c, persist.c): correlation values as the
 * database keys them, each set's canonical values as one string (new,
 * freed by the caller). brt__corr_msg_keys: those message msg of op
 * carries, one per set that can route it (set indexes into sets[]), at
 * most max; returns how many. brt__corr_instance_keys: fn for each set
 * `in` has initiated; stops at and returns fn's first non-zero. */
int brt__corr_msg_keys(brt_runtime *rt, int plink,
		       const struct brt_operation *op, xmlDocPtr msg, int *sets,
		       char **keys, int max);
int brt__corr_instance_keys(brt_instance *in,
			    int (*fn)(void *arg, int set, const char *key),
			    void *arg);
/* Key comparisons made by routing so far (tests: routing does not scan). */
unsigned long brt__corr_probes(const brt_runtime *rt);

/* messaging.c: an IMA's completion (correlations, exchange, variable,
 * then `fault`), shared by receive, onMessage and onEvent. Takes msg/req. */
enum brt_step brt__ima_finish(brt_strand *s, const struct brt_receive *r,
			      xmlDocPtr msg, brt_request *req,
			      const char *fault);
/* messaging.c: enable the receive a restored strand waits in (store.c). */
int brt__receive_rearm(brt_strand *s);

/* ---- internal states: strands that run runtime code, not generated steps.
 * Negative, so they never clash with a process's states. */
enum {
	BRT_SI_COMP_CHILDREN = -10, /* default compensation/termination
				       handler: compensate, then DONE */
	BRT_SI_DEFAULT_FAULT = -11, /* default fault handler: compensate ... */
	BRT_SI_RETHROW = -12,	    /* ... then rethrow */
	BRT_SI_EVENTS = -13,	    /* event handlers' anchor: enable them */
	BRT_SI_EVENT_INIT = -14,    /* onEvent handler instance: initialise
				       its scope, then its activity */
};
/* The step of an internal state (compensate.c). */
enum brt_step brt__internal_step(brt_strand *s);

/* ---- terminate.c --------------------------------------------------------- */

/* Fault handling of si begins (mode is FAULT, fault stored): stop its
 * strands, terminate its running child scopes (their termination
 * handlers run, innermost first); then brt__fault_handler_start(si). */
void brt__term_begin(struct brt_scope_inst *si);
/* Terminate active scope instance si for strand w (e.g. forEach early
 * completion): w->nterm_wait counts it; when it reaches 0 and w waits
 * with BRT_W_TERM, w is queued. si is freed when done. */
void brt__scope_terminate(struct brt_scope_inst *si, brt_strand *w);
/* A terminating si has no strands left (its termination handler ended). */
void brt__term_finished(struct brt_scope_inst *si);
/* A fault reached a terminating si: dropped (§12.6), si finishes. */
void brt__term_fault(struct brt_scope_inst *si, struct brt_fault *f);
/* Free si, every strand and scope instance within it. */
void brt__scope_kill(struct brt_scope_inst *si);
/* Free every strand within si and every scope instance nested in it;
 * si itself stays (a fault from its fault handler still has to reach
 * si's parent). No handler runs. */
void brt__scope_kill_within(struct brt_scope_inst *si);

/* ---- faults.c (more) ----------------------------------------------------- */

/* Enter scope `scope` from strand s like brt_scope, with prep(si, arg)
 * (may be NULL; nonzero: internalError on s) setting implicit variables
 * (a forEach counter) before the inline initialisers run. */
enum brt_step
brt__scope_enter(brt_strand *s, int scope, int body_state,
		 int (*prep)(struct brt_scope_inst *si, void *arg), void *arg);
/* Run the inline variable initialisers of body's scope instance on body:
 * NULL, or the name of the variable whose initialiser faulted (the fault
 * is left on body). */
const char *brt__scope_init_vars(brt_strand *body);

/* Choose si's handler for si->fault and start it; none: compensate and
 * rethrow (default handler), or propagate at once. */
void brt__fault_handler_start(struct brt_scope_inst *si);

/* ---- compensate.c -------------------------------------------------------- */

/* si completed successfully: keep it for its compensation handler (true)
 * or not (false: the caller frees it). */
bool brt__scope_install(struct brt_scope_inst *si);
bool brt__scope_has_installed(const struct brt_scope_inst *si);
/* A compensating si has no strands left. */
void brt__comp_finished(struct brt_scope_inst *si);
/* A fault reached a compensating si: raised on its compensate activity. */
void brt__comp_fault(struct brt_scope_inst *si, struct brt_fault *f);
/* A strand waiting in <compensate> goes away. */
void brt__comp_strand_gone(brt_strand *s);

/* ---- pick.c, events.c ---------------------------------------------------- */

void brt__pick_free(brt_strand *s);
/* Saved instances (store.c): a waiting pick's descriptor (NULL when s
 * waits in none) and its armed onAlarm's branch state and deadline (false
 * when none is armed). brt__pick_restore makes restored strand s wait in
 * pick pk (borrowed; store.c keeps it in s->pick_owned) with that alarm
 * armed again and its onMessage IMAs set up but not enabled:
 * brt__pick_ima gives IMA i (NULL past the end) for the caller to enable
 * in their old order. 0 or BRT_ENOMEM. */
const struct brt_pick *brt__pick_desc(const brt_strand *s);
bool brt__pick_alarm(const brt_strand *s, int *state, double *deadline);
int brt__pick_restore(brt_strand *s, const struct brt_pick *pk, bool armed,
		      int alarm_state, double deadline);
struct brt_ima *brt__pick_ima(brt_strand *s, int i);
/* Enable si's event handlers (primary strand `body` starts). */
int brt__events_enable(struct brt_scope_inst *si);
/* The primary activity of si completed: disable them. */
void brt__events_disable(struct brt_scope_inst *si);
void brt__events_free(brt_strand *s);
enum brt_step brt__events_step(brt_strand *s);
/* BRT_SI_EVENT_INIT: the onEvent's message is in its variable; run the
 * associated scope's initialisers, then its activity. */
enum brt_step brt__events_init_step(brt_strand *s);
/* Saved instances (store.c): an anchor's state as an <events> child (with
 * <event> and <alarm> children) of the element open in w; brt__events_load rebuilds it on restored anchor s (in
 * si, its scope instance) with its alarms armed again and its onEvent
 * IMAs set up but not enabled: brt__events_ima gives IMA i (NULL when
 * none) for the caller to enable, in the order they were enabled before.
 * 0 or BRT_E*. */
int brt__events_save(const brt_strand *s, struct brt_recw *w);
int brt__events_load(brt_strand *s, const struct brt_rnode *n);
struct brt_ima *brt__events_ima(brt_strand *s, int i);
/* How many of an anchor's onAlarm timers are armed (metrics). */
int brt__events_armed(const brt_strand *s);
/* The earliest deadline of an anchor's armed onAlarms, 0 when none. */
double brt__events_next(const brt_strand *s);

/* The exchange owner for an IMA or reply of strand s (mex_scope). */
struct brt_scope_inst *brt__mex_owner(brt_strand *s, int mex_scope);
/* si goes away: its open exchanges can never be replied to; each request
 * gets a SOAP fault (si's handled fault, else bpelc instanceStopped). */
void brt__mex_scope_gone(struct brt_scope_inst *si);
/* Answer and close every open exchange owned by si: SOAP fault f (NULL or
 * nameless: bpelc instanceStopped), `why` logged. */
void brt__mex_fail_in(struct brt_scope_inst *si, const struct brt_fault *f,
		      const char *why);
/* An open exchange owned by si. */
bool brt__mex_open_in(const struct brt_scope_inst *si);

/* ---- isolated scopes (events.c) ----------------------------------------- */

/* Body strand `body` of isolated si: runs now (lock taken, true) or waits
 * with BRT_W_LOCK (false). */
bool brt__isolated_enter(struct brt_scope_inst *si, brt_strand *body);
/* si ends or goes away: the next waiting isolated scope gets the lock. */
void brt__isolated_release(struct brt_scope_inst *si);

/* ---- persist.c: the durable store ------------------------------------------
 * Every instance that changed in a loop pass is written in one batch at the
 * end of the pass; what the pass wanted to send (replies, faults to open
 * requests, 202s, calls) is held until that batch has committed. */

/* in changed: write it at the end of this pass. Cheap when already noted;
 * nothing when the service keeps no store. */
static inline void brt__persist_touch(brt_instance *in);
/* in ends: its record (if any) is deleted in this pass's batch. */
void brt__persist_instance_end(brt_instance *in);
void brt__persist_note(brt_instance *in);
/* Shutdown (engine_free): the last changes are written, then ends delete
 * nothing (the instances stay in the store); then the store is closed. */
void brt__persist_close(brt_runtime *rt);
void brt__persist_free(brt_runtime *rt);

static inline void brt__persist_touch(brt_instance *in)
{
	if (!in->dirty && in->rt->engine->persist)
		brt__persist_note(in);
}

/* --resend LINK names partner link plink. */
bool brt__persist_resends(const brt_runtime *rt, int plink);
/* cluster.c: a one-way message another node kept in the database for
 * instance id, which this node owns (operation: "PARTNERLINK OPERATION",
 * msg: its XML): delivered as if it arrived now. 0: delivered;
 * BRT_ELIMIT: not now (the instance is not here, or its inbox is full);
 * another BRT_E*: dropped and logged. */
int brt__cluster_inbox(brt_runtime *rt, unsigned long id, const char *operation,
		       const void *msg, size_t len);
/* The PostgreSQL store when several nodes share one (store/pg.h), else
 * NULL. */
struct brt_store *brt__persist_shared(const brt_runtime *rt);
/* messaging.c: send restored strand s's request again (--resend), s waits
 * in invoke s->iv with the request in s->call_msg. 0 or BRT_E*. */
int brt__invoke_resend(brt_strand *s);

/* ---- timer.c ------------------------------------------------------------- */

/* An onAlarm of a suspended instance came due (inspect.c): the timer is
 * armed again a moment later, until the instance is resumed, so it fires
 * once, after the resume, and a repeatEvery does not pile up firings. */
void brt__timer_defer(struct event *ev);

int brt__timer_arm(brt_strand *s, double deadline);
/* The earliest deadline (seconds since the epoch) of in's armed timers:
 * waits, picks' onAlarms, event handlers' onAlarms; 0 when none. Kept in
 * the shared store's row (persist.c) so that another node claims the
 * instance when the timer is due and its owner is dead. */
double brt__instance_next_deadline(const brt_instance *in);
double brt__now(void);

#endif /* BRT_ENGINE_H */
