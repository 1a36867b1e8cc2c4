/*
 * ir.h — the intermediate form between the model and the generated C.
 *
 * lower.c turns a resolved model into one `struct ir_program`: a list of
 * numbered states (one IR step each, in document order) plus the
 * process-wide tables the runtime needs (scopes, variables, partner links,
 * expressions, literals, activity descriptors), each entry pointing back at
 * the model node it came from. emit.c renders it; ir_dump.c prints it for
 * --dump=ir. The IR does not know about C: names, messages and operations
 * as C tables are emit's business.
 *
 * Every struct lives in the compilation's arena.
 */
#ifndef BPELC_IR_H
#define BPELC_IR_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

/* Reserved states; mirror BRT_S_* of bpelrt.h (the compiler does not
 * include the runtime header). */
enum { IR_S_START = 0, IR_S_DONE = 1, IR_S_FAULTED = 2, IR_S_FIRST = 3 };

/*
 * Step kinds. What each step does when it runs (emit.c maps them to the
 * runtime API), with `next` the state set before the runtime call. The
 * reserved START state is no step here: emit makes it go to start_entry.
 *   EMPTY    go to next
 *   RECEIVE/REPLY/INVOKE/ASSIGN   brt_<kind>(s, &table[desc])
 *   WAIT     brt_wait(s, expr, is_until)
 *   THROW    brt_throw(s, &fault, desc = variable or -1)
 *   RETHROW, EXIT
 *   BRANCH   if / while / repeatUntil: evaluate branches[i].expr in order,
 *            go to the first that is true, else to next
 *   FLOW     brt_flow over branches[*].state; resume at next
 *   SCOPE    brt_scope(s, desc = scope index, branches[0].state); resume
 *            at next
 *   LINKS_IN   a target's join (links): brt_links_join; run at next, or
 *              after dead-path elimination at branches[0].state
 *   LINKS_OUT  a source's links set (links->sources); go to next
 *   LINKS_KILL links never reached set false (links->kill); go to next
 *   FOREACH  brt_foreach (fe); branches[0].state is the SCOPE state of its
 *            child scope (entered by the runtime, never run itself);
 *            resume at next
 * A FLOW with links->nlinks > 0 declares links links->first… (a frame).
 *   PICK     brt_pick(s, &picks[desc]); its branches (onMessage states,
 *            then onAlarm states) are also in branches[]
 *   COMPENSATE        brt_compensate; resume at next
 *   COMPENSATE_SCOPE  brt_compensate_scope(s, desc = target scope index)
 * ORDER: ir_kind_names in ir.c.
 */
enum ir_kind {
	IR_EMPTY,
	IR_RECEIVE,
	IR_REPLY,
	IR_INVOKE,
	IR_ASSIGN,
	IR_WAIT,
	IR_THROW,
	IR_RETHROW,
	IR_EXIT,
	IR_BRANCH,
	IR_FLOW,
	IR_SCOPE,
	IR_LINKS_IN,
	IR_LINKS_OUT,
	IR_LINKS_KILL,
	IR_FOREACH,
	IR_PICK,
	IR_COMPENSATE,
	IR_COMPENSATE_SCOPE,
	IR__COUNT
};

/* <source>: link index and transitionCondition (expression or -1). */
struct ir_link_src {
	int link;
	int expr;
};

/* The links of one activity (lower_links.c); link numbers are the
 * process-wide bpel_link.index. */
struct ir_links {
	int ntargets;
	int *targets;
	int join;      /* joinCondition expression, -1: OR */
	bool suppress; /* effective suppressJoinFailure */
	int nsources;
	struct ir_link_src *sources;
	int nkill; /* sourced strictly inside, target outside: set */
	int *kill; /* false when the activity ends (never reached) */
	int ndead; /* dead-path elimination: sources + kill */
	int *dead;
	int first; /* a flow: its links first..first+nlinks-1 */
	int nlinks;
};

/* <forEach> (lower_foreach.c). */
struct ir_foreach {
	int start, final, branches; /* expressions; branches -1: none */
	bool successful_only;
	bool parallel;
	int counter; /* variable index, -1 */
};

struct ir_branch {
	int expr;  /* condition (expression index), -1: unconditional */
	int state; /* where to go */
};

struct ir_state {
	int id; /* state number, >= IR_S_FIRST */
	enum ir_kind kind;
	struct bpel_activity *act; /* where it came from */
	int sub;		   /* order among act's steps */
	const char *suffix;	   /* name suffix for act's extra steps */
	struct loc loc;
	int next; /* normal continuation */
	int nbranches;
	struct ir_branch *branches;
	int desc;		/* see enum ir_kind */
	int expr;		/* WAIT */
	bool is_until;		/* WAIT */
	struct qname fault;	/* THROW */
	const char *cname;	/* C name part, set by emit */
	struct ir_links *links; /* LINKS_*, FLOW with links */
	struct ir_foreach *fe;	/* FOREACH */
};

/* A `$name` reference in an expression (brt_varref). */
struct ir_varref {
	const char *name; /* as written: "v" or "v.part" */
	int var;
	int part;     /* index among the message's parts, -1: whole */
	bool is_link; /* joinCondition `$link`: var is the link index */
};

struct ir_expr {
	const char *text;
	struct loc loc;
	xmlNodePtr node; /* element holding the text (namespaces); may be NULL */
	int nrefs;
	struct ir_varref *refs;
	/* Why evaluating it must fault with subLanguageExecutionFault (an
	 * empty expression, a location path with no context node), NULL:
	 * fine. The compiler warns; the runtime faults (xpath2.c). */
	const char *error;
};

struct ir_catch {
	struct bpel_catch *c;
	int variable; /* implicit fault variable index or -1 */
	int state;    /* handler entry */
};

struct ir_scope {
	const char *name;	   /* @name, "process", or invoke name */
	struct bpel_scope *bs;	   /* NULL: implicit scope of an invoke */
	struct bpel_activity *act; /* the <scope> or <invoke>; NULL: process */
	int parent;
	int nvars; /* slots: declared variables + fault vars */
	int ncatches;
	struct ir_catch *catches;
	int catch_all;		     /* state or -1 */
	bool exit_on_standard_fault; /* effective */
	bool isolated;
	struct loc loc;
	/* lower_handlers.c: compensation and termination handler entries
	 * (-1: the default handler), event handlers. */
	int compensation;
	int termination;
	int nevents;
	struct ir_event *events;
	int nalarms;
	struct ir_alarm *alarms;
};

/* onAlarm of a pick or of event handlers (lower_pick.c,
 * lower_handlers.c): for/until expression, repeatEvery expression (event
 * handlers only), and the state its activity starts at. */
struct ir_alarm {
	int expr; /* for or until, -1: none (repeatEvery alone) */
	bool is_until;
	int repeat; /* repeatEvery expression, -1 */
	int state;
	struct loc loc;
};

/* <onEvent>: its receive descriptor, its associated scope and the first
 * state of that scope's activity (run in a new instance of the scope). */
struct ir_event {
	int recv;
	int scope;
	int state;
};

/* <pick>: onMessage receive descriptors with their states, onAlarms. */
struct ir_pick {
	struct bpel_activity *act;
	int nmsgs;
	int *recv;
	int *state;
	int nalarms;
	struct ir_alarm *alarms;
};

struct ir_var {
	struct bpel_variable *v;
	int scope;
	int slot;
	int init; /* assign index of the inline from-spec, -1 */
};

struct ir_plink {
	struct bpel_partner_link *pl;
	int scope;
};

struct ir_corrset {
	struct bpel_corr_set *cs;
	int scope;
};

/* <from>/<to> lowered: indexes bound. */
/* A step of an insertMissingToData path (lower_ode.c). */
struct ir_insert_step {
	const char *ns; /* NULL: no namespace */
	const char *prefix;
	const char *local;
	bool attribute;
};

struct ir_copy {
	struct bpel_copy *c; /* NULL for an inline variable init */
	struct bpel_from *from;
	int from_var, from_part, from_query, from_expr, from_literal;
	int from_plink, from_property;
	int to_var, to_part, to_query, to_expr, to_plink, to_property;
	enum bpel_to_kind to_kind;
	struct loc loc;
	/* --ode: Apache ODE's assign extensions (lower_ode.c) */
	int ninsert;
	struct ir_insert_step *insert;
	int insert_var, insert_part;
	bool ignore_uninit;
};

struct ir_assign {
	struct bpel_activity *act; /* NULL for an inline variable init */
	struct bpel_variable *init_of;
	int ncopies;
	struct ir_copy *copies;
	struct loc loc;
	/* <validate variables>: an assign of no copies that validates these
	 * (lower_data.c). */
	int nvalidate;
	int *validate_vars;
};

/* A file the service needs at run time, embedded (lower_data.c): an XML
 * schema (ns: its targetNamespace) or an XSLT stylesheet. */
struct ir_embed {
	const char *uri; /* schemas: a private URI; stylesheets: as written */
	const char *ns;
	const char *text; /* NULL: a stylesheet that could not be read */
};

struct ir_part_map {
	const char *part;
	int var;
};

struct ir_corr {
	int set;
	enum bpel_initiate initiate;
	enum bpel_pattern pattern;
};

/* receive, reply and invoke descriptors share one shape. */
struct ir_msg_act {
	struct bpel_activity *act;
	int plink;
	int var;     /* receive/reply variable, invoke input */
	int out_var; /* invoke output */
	int ncorr;
	struct ir_corr *corr;
	int nparts; /* fromParts (receive, invoke) */
	struct ir_part_map *parts;
	int nto; /* toParts (reply, invoke) */
	struct ir_part_map *to_parts;
	int mex_scope; /* receive/reply: scope declaring its message exchange
			  (named, or the default one); 0: the process */
};

struct ir_alias {
	struct vprop_alias *al;
	int property;
	int query; /* expression index or -1 */
};

/* A growable array of pointers in the arena. */
struct ir_vec {
	void **items;
	int n;
	int cap;
};

struct ir_program {
	struct model *m;
	struct arena *a;
	const char *name;	/* the process name as written */
	struct ir_vec states;	/* struct ir_state *, id = IR_S_FIRST + i */
	int start_entry;	/* state the process body starts at */
	struct ir_vec scopes;	/* struct ir_scope * (0: the process) */
	struct ir_vec vars;	/* struct ir_var * */
	struct ir_vec plinks;	/* struct ir_plink * */
	struct ir_vec corrsets; /* struct ir_corrset * */
	struct ir_vec exprs;	/* struct ir_expr * */
	struct ir_vec literals; /* const char * (XML text) */
	struct ir_vec assigns;	/* struct ir_assign * */
	struct ir_vec receives; /* struct ir_msg_act * */
	struct ir_vec replies;
	struct ir_vec invokes;
	struct ir_vec properties;  /* struct vprop_property * */
	struct ir_vec aliases;	   /* struct ir_alias * */
	struct ir_vec schemas;	   /* struct ir_embed *, when the process
				     validates (lower_data.c) */
	struct ir_vec stylesheets; /* struct ir_embed * for doXslTransform */
	struct ir_vec links;	   /* struct bpel_link *, by index */
	struct ir_vec picks;	   /* struct ir_pick * */
	struct ir_vec staterefs;   /* int *: more state numbers to renumber */
};

#define IR_AT(vec, type, i) ((type *)(vec).items[i])

/* Append item (borrowed) to v; the array grows in arena a. */
void ir_vec_push(struct arena *a, struct ir_vec *v, void *item);
/* Index of item (pointer equality) or -1. */
int ir_vec_find(const struct ir_vec *v, const void *item);

/* An empty program for model m, allocated in a (lower_process makes it). */
struct ir_program *ir_new(struct arena *a, struct model *m);
/* A new state (id assigned by ir_renumber). */
struct ir_state *ir_state_new(struct ir_program *p, enum ir_kind kind,
			      struct bpel_activity *act, int sub);
void ir_state_branches(struct ir_program *p, struct ir_state *st, int n);
/* Register *ref (a state number kept outside the states) so ir_renumber
 * rewrites it too. */
void ir_state_ref(struct ir_program *p, int *ref);
/* Number states in document order (activity index, then sub) and rewrite
 * every reference; lower calls it once at the end. */
void ir_renumber(struct ir_program *p);
struct ir_state *ir_state_get(const struct ir_program *p, int id);

extern const char *const ir_kind_names[IR__COUNT];

/* ir_dump.c: --dump=ir. Deterministic text. */
void ir_dump(const struct ir_program *p, FILE *out);

#endif
