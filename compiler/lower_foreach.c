/*
 * lower_foreach.c — <forEach> (semantics.md §6):
 *   <forEach counterName parallel> <startCounterValue/>
 *     <finalCounterValue/> <completionCondition> <branches
 *     successfulBranchesOnly?/>? </completionCondition>? <scope/>
 *   </forEach>
 * becomes one FOREACH step (runtime: brt_foreach) that enters the child
 * scope once per counter value. The child <scope> is lowered as usual
 * (lower_scope.c: its SCOPE step, body and handlers); the FOREACH step
 * points at that SCOPE step to name the scope and its body, and the SCOPE
 * step itself is never run. The counter is declared in the child scope by
 * lower_scope_declare. Not here: checks (SA00076), the runtime.
 */
#include "arena.h"
#include "lower_int.h"

/* The expressions, evaluated in the forEach's own context (the counter
 * is not visible there). */
void lower_foreach_decl(struct lower *l, struct bpel_activity *a)
{
	struct ir_foreach *fe = ARENA_NEW(l->a, struct ir_foreach);
	fe->start = lower_expr(l, a->start_counter, a);
	fe->final = lower_expr(l, a->final_counter, a);
	fe->branches = lower_expr(l, a->branches, a);
	fe->successful_only = a->successful_branches_only;
	fe->parallel = a->parallel;
	fe->counter = -1;
	/* lower_info has no slot for it: keep it on the step-to-be. */
	struct ir_state *st = ir_state_new(l->p, IR_FOREACH, a, 0);
	st->fe = fe;
	lower_info(l, a)->desc = st->id;
}

int lower_foreach(struct lower *l, struct bpel_activity *a, int next)
{
	/* Before ir_renumber a state's id is its creation index. */
	struct ir_state *st = ir_state_get(l->p, lower_info(l, a)->desc);
	if (!st || st->kind != IR_FOREACH || !a->body)
		return next;
	st->fe->counter = lower_var(a->counter);
	st->next = next;
	ir_state_branches(l->p, st, 1);
	st->branches[0].state = lower_activity(l, a->body, IR_S_DONE);
	return st->id;
}
