/*
 * lower_int.h — what lower.c shares with lower_{basic,struct,msg,scope}.c.
 * Not used outside the lowering.
 *
 * Lowering runs three walks over the activity tree, all in document order
 * except the last:
 *  1. number every activity (bpel_activity.index);
 *  2. declare: scopes and their variables, partner links and correlation
 *     sets, and every descriptor (expressions, literals, assigns, receives,
 *     replies, invokes) get their table index, so every table is in
 *     document order;
 *  3. states: each activity is lowered with continuation passing: it gets
 *     the state to continue at (`next`) and returns its entry state. States
 *     are renumbered into document order at the end (ir_renumber).
 * One pair of functions per activity kind, in a table indexed by enum
 * bpel_act_kind (lower.c); a NULL entry means "not supported yet".
 */
#ifndef BPELC_LOWER_INT_H
#define BPELC_LOWER_INT_H

#include "ir.h"
#include "lower.h"

/* What the declare walk found for one activity (indexed by its index). */
struct lower_info {
	int desc;  /* descriptor index (receive/reply/invoke/assign), -1 */
	int expr;  /* condition or wait expression, -1 */
	int scope; /* scope index of a <scope> or of an invoke's implicit one */
	struct ir_links *links; /* targets/sources (lower_links.c), NULL */
};

struct lower {
	struct ir_program *p;
	struct model *m;
	struct diag *dg;
	struct arena *a;
	int nacts;
	struct lower_info *info;
	int cur_scope; /* declare walk: innermost scope */
};

typedef void lower_decl_fn(struct lower *l, struct bpel_activity *a);
typedef int lower_state_fn(struct lower *l, struct bpel_activity *a, int next);

struct lower_kind {
	lower_decl_fn *decl;   /* may be NULL: nothing to declare */
	lower_state_fn *lower; /* NULL: not supported yet */
};

/* lower.c */
int lower_activity(struct lower *l, struct bpel_activity *a, int next);
struct lower_info *lower_info(struct lower *l, const struct bpel_activity *a);
int lower_expr(struct lower *l, struct bpel_expr *e, struct bpel_activity *ctx);
int lower_literal(struct lower *l, xmlNodePtr literal);
int lower_var(const struct bpel_variable *v);
int lower_part(const struct bpel_variable *v, const char *part);
int lower_property(struct lower *l, const struct vprop_property *prop);
struct bpel_variable *lower_find_var(struct lower *l, struct bpel_activity *ctx,
				     const char *name);
/* The next `$name` reference in expression text t, string literals
 * skipped: the name's start (after the '$', borrowed from t) with its
 * length in *len, which may include a prefix or a '.part'; NULL when
 * there is none. Resume the scan at the result + *len. */
const char *lower_next_ref(const char *t, size_t *len);

/* lower_basic.c */
void lower_basic_assign_decl(struct lower *l, struct bpel_activity *a);
int lower_basic_empty(struct lower *l, struct bpel_activity *a, int next);
int lower_basic_assign(struct lower *l, struct bpel_activity *a, int next);
void lower_basic_wait_decl(struct lower *l, struct bpel_activity *a);
int lower_basic_wait(struct lower *l, struct bpel_activity *a, int next);
int lower_basic_throw(struct lower *l, struct bpel_activity *a, int next);
int lower_basic_rethrow(struct lower *l, struct bpel_activity *a, int next);
int lower_basic_exit(struct lower *l, struct bpel_activity *a, int next);
/* An assign descriptor for a variable's inline from-spec. */
int lower_basic_var_init(struct lower *l, struct bpel_variable *v);

/* lower_ode.c: Apache ODE's assign extensions of copy c (--ode only). */
void lower_ode_copy(struct lower *l, struct ir_copy *ic, struct bpel_copy *c,
		    struct bpel_activity *ctx);

/* lower_data.c */
void lower_data_validate_decl(struct lower *l, struct bpel_activity *a);
int lower_data_validate(struct lower *l, struct bpel_activity *a, int next);
int lower_data_extension(struct lower *l, struct bpel_activity *a, int next);
/* Schemas (when the process validates) and stylesheets, into the IR. */
void lower_data_embed(struct lower *l);

/* lower_struct.c */
int lower_struct_sequence(struct lower *l, struct bpel_activity *a, int next);
void lower_struct_cond_decl(struct lower *l, struct bpel_activity *a);
int lower_struct_if(struct lower *l, struct bpel_activity *a, int next);
int lower_struct_while(struct lower *l, struct bpel_activity *a, int next);
int lower_struct_repeat(struct lower *l, struct bpel_activity *a, int next);
int lower_struct_flow(struct lower *l, struct bpel_activity *a, int next);

/* lower_links.c */
/* Declare walk: a flow's links get their indexes; targets and sources
 * their joinCondition and transitionCondition expressions. */
void lower_links_decl(struct lower *l, struct bpel_activity *a);
/* Lower a with fn, adding its join guard, its source step and the step
 * that sets false the links of what it never ran. */
int lower_links_wrap(struct lower *l, struct bpel_activity *a, int next,
		     lower_state_fn *fn);
/* A <flow>'s own links on its FLOW step st. */
void lower_links_flow(struct lower *l, struct bpel_activity *a,
		      struct ir_state *st);

/* lower_foreach.c */
void lower_foreach_decl(struct lower *l, struct bpel_activity *a);
int lower_foreach(struct lower *l, struct bpel_activity *a, int next);

/* lower_msg.c */
void lower_msg_receive_decl(struct lower *l, struct bpel_activity *a);
int lower_msg_receive(struct lower *l, struct bpel_activity *a, int next);
void lower_msg_reply_decl(struct lower *l, struct bpel_activity *a);
int lower_msg_reply(struct lower *l, struct bpel_activity *a, int next);
void lower_msg_invoke_decl(struct lower *l, struct bpel_activity *a);
int lower_msg_invoke(struct lower *l, struct bpel_activity *a, int next);

/* lower_scope.c */
/* Declare a scope (bs NULL: the implicit scope of invoke `act`) under
 * l->cur_scope and make it current. Returns its index. */
int lower_scope_declare(struct lower *l, struct bpel_scope *bs,
			struct bpel_activity *act);
void lower_scope_decl(struct lower *l, struct bpel_activity *a);
/* Declare v (an implicit variable: onEvent) in scope isc. */
int lower_scope_add_var(struct lower *l, int isc, struct bpel_variable *v);
int lower_scope_scope(struct lower *l, struct bpel_activity *a, int next);
/* Lower the catches/catchAll of scope `isc` into handler states. */
void lower_scope_handlers(struct lower *l, int isc);
/* lower_pick.c */
void lower_pick_decl(struct lower *l, struct bpel_activity *a);
int lower_pick(struct lower *l, struct bpel_activity *a, int next);
/* An onAlarm's expressions (ctx: where they are evaluated). */
void lower_pick_alarm(struct lower *l, struct ir_alarm *ia,
		      struct bpel_alarm *al, struct bpel_activity *ctx);
/* The scope that declares the message exchange of receive/reply a. */
int lower_pick_mex_scope(struct lower *l, struct bpel_activity *a);

/* lower_handlers.c */
int lower_handlers_compensate(struct lower *l, struct bpel_activity *a,
			      int next);
int lower_handlers_compensate_scope(struct lower *l, struct bpel_activity *a,
				    int next);
void lower_handlers_event_decl(struct lower *l, struct bpel_activity *a);
/* Compensation, termination and event handlers of scope isc. */
void lower_handlers_scope(struct lower *l, int isc);

/* Properties and aliases of every WSDL (load order). */
void lower_scope_properties(struct lower *l);

#endif
