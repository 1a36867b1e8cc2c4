/*
 * lower_scope.c — scopes (the process is scope 0, an invoke with inline
 * handlers gets an implicit one): their declarations become process-wide
 * tables (variables flattened with scope + slot), their fault handlers
 * become handler entry states. Also the properties and aliases of every
 * WSDL. Compensation, termination and event handlers are
 * lower_handlers.c's.
 */
#include <string.h>

#include "arena.h"
#include "lower_int.h"

static int declare_var(struct lower *l, struct ir_scope *sc, int isc,
		       struct bpel_variable *v)
{
	struct ir_var *iv = ARENA_NEW(l->a, struct ir_var);
	iv->v = v;
	iv->scope = isc;
	iv->slot = sc->nvars++;
	iv->init = -1;
	v->index = l->p->vars.n;
	ir_vec_push(l->a, &l->p->vars, iv);
	return v->index;
}

int lower_scope_add_var(struct lower *l, int isc, struct bpel_variable *v)
{
	return declare_var(l, IR_AT(l->p->scopes, struct ir_scope, isc), isc,
			   v);
}

/* <scope> (or <process>, or an invoke with inline handlers):
 *   partnerLinks? messageExchanges? variables? correlationSets?
 *   faultHandlers? … activity */
int lower_scope_declare(struct lower *l, struct bpel_scope *bs,
			struct bpel_activity *act)
{
	struct ir_program *p = l->p;
	struct ir_scope *sc = ARENA_NEW(l->a, struct ir_scope);
	int isc = p->scopes.n;
	sc->bs = bs;
	sc->act = act;
	sc->parent = l->cur_scope;
	sc->catch_all = -1;
	sc->compensation = -1;
	sc->termination = -1;
	if (act && act->name)
		sc->name = act->name;
	else if (act)
		sc->name = arena_printf(l->a, "%s%d",
					model_element_name(act->kind),
					act->index);
	else
		sc->name = p->name;
	sc->loc = act ? act->loc : l->m->process->loc;
	/* resolve_model stored the effective value (0/1) on every scope;
	 * an invoke's implicit scope inherits its parent's. */
	if (bs && bs->exit_on_standard_fault >= 0)
		sc->exit_on_standard_fault = bs->exit_on_standard_fault == 1;
	else if (sc->parent >= 0)
		sc->exit_on_standard_fault =
			IR_AT(p->scopes, struct ir_scope, sc->parent)
				->exit_on_standard_fault;
	else
		sc->exit_on_standard_fault =
			l->m->process->exit_on_standard_fault;
	sc->isolated = bs ? bs->isolated : false;
	ir_vec_push(l->a, &p->scopes, sc);
	if (bs)
		bs->index = isc;

	if (bs) {
		for (struct bpel_variable *v = bs->variables; v; v = v->next)
			declare_var(l, sc, isc, v);
		/* A forEach's counter is an implicit variable of its child
		 * scope (lower_foreach.c). */
		if (act && act->parent &&
		    act->parent->kind == BPEL_ACT_FOREACH &&
		    act->parent->body == act && act->parent->counter)
			declare_var(l, sc, isc, act->parent->counter);
		/* An onEvent's variable and fromPart variables are implicit
		 * variables of its associated scope (SA00086/95), declared
		 * before the initialisers below, which may read them. */
		struct bpel_activity *ev = act ? act->parent : NULL;
		if (ev && ev->kind == BPEL_ACT_ON_EVENT && ev->body == act) {
			if (ev->variable && ev->variable->is_implicit)
				declare_var(l, sc, isc, ev->variable);
			for (struct bpel_part_map *pm = ev->from_parts; pm;
			     pm = pm->next)
				if (pm->var && pm->var->is_implicit)
					declare_var(l, sc, isc, pm->var);
		}
		for (struct bpel_partner_link *pl = bs->partner_links; pl;
		     pl = pl->next) {
			struct ir_plink *ip = ARENA_NEW(l->a, struct ir_plink);
			ip->pl = pl;
			ip->scope = isc;
			pl->index = p->plinks.n;
			ir_vec_push(l->a, &p->plinks, ip);
		}
		for (struct bpel_corr_set *cs = bs->correlation_sets; cs;
		     cs = cs->next) {
			struct ir_corrset *ic =
				ARENA_NEW(l->a, struct ir_corrset);
			ic->cs = cs;
			ic->scope = isc;
			cs->index = p->corrsets.n;
			ir_vec_push(l->a, &p->corrsets, ic);
		}
	}

	struct bpel_catch *catches = bs ? bs->catches : act->catches;
	for (struct bpel_catch *c = catches; c; c = c->next)
		sc->ncatches++;
	sc->catches = ARENA_ARRAY(l->a, struct ir_catch,
				  sc->ncatches ? sc->ncatches : 1);
	int i = 0;
	for (struct bpel_catch *c = catches; c; c = c->next, i++) {
		sc->catches[i].c = c;
		sc->catches[i].variable =
			c->variable ? declare_var(l, sc, isc, c->variable) : -1;
		sc->catches[i].state = IR_S_DONE;
	}

	l->cur_scope = isc;
	/* Inline initialisers last: they may read the scope's other
	 * variables, which need their indexes first. */
	if (bs)
		for (struct bpel_variable *v = bs->variables; v; v = v->next)
			if (v->init)
				IR_AT(p->vars, struct ir_var, v->index)->init =
					lower_basic_var_init(l, v);
	return isc;
}

/* <scope isolated? exitOnStandardFault?> … </scope> */
void lower_scope_decl(struct lower *l, struct bpel_activity *a)
{
	struct bpel_scope *bs = a->scope;
	if (!bs)
		return;
	if (lower_info(l, a)->scope >= 0) {
		/* Declared already by its onEvent (lower_handlers.c). */
		l->cur_scope = lower_info(l, a)->scope;
		return;
	}
	lower_info(l, a)->scope = lower_scope_declare(l, bs, a);
}

int lower_scope_scope(struct lower *l, struct bpel_activity *a, int next)
{
	int isc = lower_info(l, a)->scope;
	if (isc < 0 || !a->scope)
		return next;
	struct ir_state *st = ir_state_new(l->p, IR_SCOPE, a, 0);
	st->desc = isc;
	st->next = next;
	ir_state_branches(l->p, st, 1);
	st->branches[0].state = lower_activity(l, a->scope->body, IR_S_DONE);
	lower_scope_handlers(l, isc);
	return st->id;
}

/* <faultHandlers> <catch …>activity</catch>* <catchAll>activity</catchAll>?
 * Each handler runs in its own strand and ends at DONE. */
void lower_scope_handlers(struct lower *l, int isc)
{
	struct ir_scope *sc = IR_AT(l->p->scopes, struct ir_scope, isc);
	for (int i = 0; i < sc->ncatches; i++)
		sc->catches[i].state = lower_activity(
			l, sc->catches[i].c->activity, IR_S_DONE);
	struct bpel_activity *all = sc->bs ? sc->bs->catch_all
					   : sc->act->catch_all;
	if (all)
		sc->catch_all = lower_activity(l, all, IR_S_DONE);
	else if (sc->bs && sc->bs->catch_all_loc.line > 0)
		sc->catch_all = IR_S_DONE; /* an empty <catchAll> */
	lower_handlers_scope(l, isc);
}

void lower_scope_properties(struct lower *l)
{
	struct ir_program *p = l->p;
	for (struct wsdl_doc *w = l->m->wsdls; w; w = w->next)
		for (struct vprop_property *pr = w->properties; pr;
		     pr = pr->next)
			ir_vec_push(l->a, &p->properties, pr);
	for (struct wsdl_doc *w = l->m->wsdls; w; w = w->next)
		for (struct vprop_alias *al = w->aliases; al; al = al->next) {
			int ip = lower_property(l, al->property);
			if (ip < 0)
				continue;
			struct ir_alias *ia = ARENA_NEW(l->a, struct ir_alias);
			ia->al = al;
			ia->property = ip;
			ia->query = -1;
			if (al->query) {
				/* A query reads its context node, never a
				 * variable: no references to bind. */
				struct ir_expr *x =
					ARENA_NEW(l->a, struct ir_expr);
				x->text = al->query;
				x->loc = al->loc;
				x->node = al->query_node;
				x->refs = ARENA_NEW(l->a, struct ir_varref);
				ia->query = p->exprs.n;
				ir_vec_push(l->a, &p->exprs, x);
			}
			ir_vec_push(l->a, &p->aliases, ia);
		}
}
