/*
 * lower_links.c — flow links (semantics.md §5): link numbers, and the
 * steps around an activity that has <targets>/<sources> or holds sources
 * of links that leave it.
 *
 *   <flow> <links> <link name/>+ </links> … : the flow's links get
 *       consecutive process-wide indexes (bpel_link.index);
 *   <targets> <joinCondition/>? <target linkName/>+ </targets>
 *       → a LINKS_IN guard before the activity: wait, join, joinFailure
 *         or dead-path elimination (skip; its `dead` links set false);
 *   <sources> <source linkName> <transitionCondition/>? </source>+
 *       → a LINKS_OUT step after the activity;
 *   links whose source lies strictly inside an if, pick, scope or
 *       invoke and whose target lies outside it → a LINKS_KILL step
 *       after it, so a branch not taken, a handler never run or a scope
 *       that faulted leaves no target waiting.
 * The lists are computed statically here; the runtime (links.c) only
 * sets and reads statuses. Validity (SA00064–SA00073) is check_links.c's.
 */
#include <string.h>

#include "arena.h"
#include "lower_int.h"

/* Bind the `$link` references of a joinCondition to the target links
 * (lower_expr bound only variables). String literals are skipped. */
static void bind_link_refs(struct lower *l, int expr, struct bpel_activity *a)
{
	struct ir_expr *x = IR_AT(l->p->exprs, struct ir_expr, expr);
	int cap = x->nrefs;
	for (struct bpel_link_ref *r = a->targets; r; r = r->next)
		cap++;
	struct ir_varref *refs =
		ARENA_ARRAY(l->a, struct ir_varref, cap ? cap : 1);
	if (x->nrefs)
		memcpy(refs, x->refs, sizeof *refs * (size_t)x->nrefs);
	int n = x->nrefs;
	size_t len;
	for (const char *b = x->text; (b = lower_next_ref(b, &len)); b += len) {
		for (struct bpel_link_ref *r = a->targets; r; r = r->next) {
			if (!r->link || strlen(r->link_name) != len ||
			    strncmp(r->link_name, b, len) != 0)
				continue;
			bool seen = false;
			for (int j = 0; j < n; j++)
				seen |= strcmp(refs[j].name, r->link_name) == 0;
			if (seen || n >= cap)
				break;
			refs[n].name = r->link_name;
			refs[n].var = r->link->index;
			refs[n].part = -1;
			refs[n].is_link = true;
			n++;
			break;
		}
	}
	x->refs = refs;
	x->nrefs = n;
}

void lower_links_decl(struct lower *l, struct bpel_activity *a)
{
	if (a->kind == BPEL_ACT_FLOW)
		for (struct bpel_link *k = a->links; k; k = k->next) {
			k->index = l->p->links.n;
			ir_vec_push(l->a, &l->p->links, k);
		}
	if (!a->targets && !a->sources)
		return;
	struct ir_links *lk = ARENA_NEW(l->a, struct ir_links);
	lk->join = -1;
	lk->suppress = a->effective_sjf;
	for (struct bpel_link_ref *r = a->targets; r; r = r->next)
		lk->ntargets += r->link != NULL;
	for (struct bpel_link_ref *r = a->sources; r; r = r->next)
		lk->nsources += r->link != NULL;
	lk->targets = ARENA_ARRAY(l->a, int, lk->ntargets ? lk->ntargets : 1);
	lk->sources = ARENA_ARRAY(l->a, struct ir_link_src,
				  lk->nsources ? lk->nsources : 1);
	int i = 0;
	for (struct bpel_link_ref *r = a->targets; r; r = r->next)
		if (r->link)
			lk->targets[i++] = r->link->index;
	if (a->join_condition && lk->ntargets) {
		lk->join = lower_expr(l, a->join_condition, a);
		if (lk->join >= 0)
			bind_link_refs(l, lk->join, a);
	}
	i = 0;
	for (struct bpel_link_ref *r = a->sources; r; r = r->next)
		if (r->link) {
			lk->sources[i].link = r->link->index;
			lk->sources[i].expr = lower_expr(l, r->transition, a);
			i++;
		}
	lower_info(l, a)->links = lk;
}

/* a is x or inside x */
static bool within(const struct bpel_activity *a, const struct bpel_activity *x)
{
	for (; a; a = a->parent)
		if (a == x)
			return true;
	return false;
}

/* Links sourced strictly inside a whose target is outside it. */
static int *leaving(struct lower *l, struct bpel_activity *a, int *n)
{
	*n = 0;
	int *out = NULL;
	for (int pass = 0; pass < 2; pass++) {
		int k = 0;
		for (int i = 0; i < l->p->links.n; i++) {
			struct bpel_link *lk =
				IR_AT(l->p->links, struct bpel_link, i);
			if (!lk->source || lk->source == a ||
			    !within(lk->source, a) || within(lk->target, a))
				continue;
			if (pass)
				out[k] = lk->index;
			k++;
		}
		if (!pass) {
			*n = k;
			out = ARENA_ARRAY(l->a, int, k ? k : 1);
		}
	}
	return out;
}

/* Kinds that may leave nested activities unrun while completing. */
static bool may_skip(enum bpel_act_kind k)
{
	return k == BPEL_ACT_IF || k == BPEL_ACT_PICK || k == BPEL_ACT_SCOPE ||
	       k == BPEL_ACT_INVOKE;
}

int lower_links_wrap(struct lower *l, struct bpel_activity *a, int next,
		     lower_state_fn *fn)
{
	struct ir_links *lk = lower_info(l, a)->links;
	int nkill = 0;
	int *kill = NULL;
	if (lk || may_skip(a->kind))
		kill = leaving(l, a, &nkill);
	if (!lk && nkill == 0)
		return fn(l, a, next);
	if (!lk) {
		lk = ARENA_NEW(l->a, struct ir_links);
		lk->join = -1;
		lower_info(l, a)->links = lk;
	}
	lk->nkill = may_skip(a->kind) ? nkill : 0;
	lk->kill = kill;
	lk->ndead = lk->nsources + nkill;
	lk->dead = ARENA_ARRAY(l->a, int, lk->ndead ? lk->ndead : 1);
	for (int i = 0; i < lk->nsources; i++)
		lk->dead[i] = lk->sources[i].link;
	for (int i = 0; i < nkill; i++)
		lk->dead[lk->nsources + i] = kill[i];

	int after = next;
	if (lk->nkill) {
		struct ir_state *st =
			ir_state_new(l->p, IR_LINKS_KILL, a, 1001);
		st->suffix = "dead";
		st->links = lk;
		st->next = after;
		after = st->id;
	}
	if (lk->nsources) {
		struct ir_state *st = ir_state_new(l->p, IR_LINKS_OUT, a, 1000);
		st->suffix = "links";
		st->links = lk;
		st->next = after;
		after = st->id;
	}
	int entry = fn(l, a, after);
	if (lk->ntargets) {
		struct ir_state *st = ir_state_new(l->p, IR_LINKS_IN, a, -1);
		st->suffix = "join";
		st->links = lk;
		st->next = entry;
		ir_state_branches(l->p, st, 1);
		st->branches[0].state = next;
		entry = st->id;
	}
	return entry;
}

/* <flow> with <links>: its FLOW step makes the frame of its links. */
void lower_links_flow(struct lower *l, struct bpel_activity *a,
		      struct ir_state *st)
{
	if (!a->links)
		return;
	struct ir_links *lk = ARENA_NEW(l->a, struct ir_links);
	lk->join = -1;
	lk->first = a->links->index;
	for (struct bpel_link *k = a->links; k; k = k->next)
		lk->nlinks++;
	st->links = lk;
}
