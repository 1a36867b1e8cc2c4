/*
 * compensate.c — compensation (semantics.md §9) and the runtime's own
 * handler steps.
 *
 * A scope instance that completes successfully and has something to
 * compensate (its own compensation handler, or completed children that
 * have one) is kept instead of freed: BRT_PHASE_INSTALLED, stamped with
 * its completion order. Its variables are the snapshot its handler sees;
 * enclosing scopes' variables are reached live through the parent chain.
 * It lives until its handler has run or its parent goes away.
 *
 * <compensate/> and <compensateScope> run in an FCT handler: they work on
 * the installed children of the nearest enclosing scope instance that is
 * handling a fault, terminating or compensating. They run one handler at a
 * time, most recently completed first (reverse completion order; a scope
 * in a loop installed once per completion), and the calling strand waits
 * (BRT_W_COMP) until the last one has finished. Each handler runs once:
 * the instance is freed afterwards. A fault in a handler comes out of the
 * <compensate> that started it.
 *
 * Internal states (engine.h BRT_SI_*): the default compensation and
 * termination handlers (compensate the children), and the default fault
 * handler (compensate, then rethrow), so those need no generated code.
 * Not here: choosing a fault handler (faults.c), terminating running
 * scopes (terminate.c).
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

bool brt__scope_has_installed(const struct brt_scope_inst *si)
{
	for (struct brt_scope_inst *x = si->in->scopes_head; x; x = x->next)
		if (x->parent == si && x->phase == BRT_PHASE_INSTALLED)
			return true;
	return false;
}

bool brt__scope_install(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;
	const struct brt_scope *sc = &in->rt->proc->scopes[si->scope];
	if (sc->compensation < 0 && !brt__scope_has_installed(si))
		return false;
	brt__isolated_release(si);
	si->phase = BRT_PHASE_INSTALLED;
	si->done_seq = ++in->done_seq;
	si->waiter = NULL;
	return true;
}

/* The scope instance whose handler s runs in. */
static struct brt_scope_inst *handler_scope(brt_strand *s)
{
	for (struct brt_scope_inst *si = s->scope; si; si = si->parent)
		if (si->mode == BRT_MODE_FAULT ||
		    si->phase == BRT_PHASE_TERMINATING ||
		    si->phase == BRT_PHASE_COMPENSATING)
			return si;
	return NULL;
}

/* The most recently completed installed child of owner (of `target`). */
static struct brt_scope_inst *latest(struct brt_scope_inst *owner, int target)
{
	struct brt_scope_inst *best = NULL;
	for (struct brt_scope_inst *x = owner->in->scopes_head; x; x = x->next)
		if (x->parent == owner && x->phase == BRT_PHASE_INSTALLED &&
		    (target < 0 || x->scope == target) &&
		    (!best || x->done_seq > best->done_seq))
			best = x;
	return best;
}

/* Start the next handler for waiting strand s: WAIT, or NEXT when none
 * is left (s continues at its preset state). */
static enum brt_step comp_next(brt_strand *s)
{
	brt_instance *in = s->in;
	struct brt_scope_inst *x;
	while ((x = latest(s->comp_owner, s->comp_target))) {
		const struct brt_scope *sc = &in->rt->proc->scopes[x->scope];
		int state = sc->compensation >= 0 ? sc->compensation
						  : BRT_SI_COMP_CHILDREN;
		x->phase = BRT_PHASE_COMPENSATING;
		x->comp_waiter = s;
		brt_strand *h = brt__strand_new(in, x, NULL, state);
		if (!h) {
			brt__scope_kill(x);
			continue;
		}
		brt__log(in->rt, "instance %lu: compensating scope %s", in->id,
			 sc->name ? sc->name : "");
		/* An isolated scope's handlers share its isolation (§12.8):
		 * the handler waits for the lock like a body. */
		if (!sc->isolated || brt__isolated_enter(x, h))
			brt__strand_queue(h);
		s->wait = BRT_W_COMP;
		return BRT_STEP_WAIT;
	}
	s->comp_owner = NULL;
	return BRT_STEP_NEXT;
}

static enum brt_step compensate(brt_strand *s, int target)
{
	struct brt_scope_inst *owner = handler_scope(s);
	if (!owner)
		return BRT_STEP_NEXT; /* SA00007: only in handlers */
	s->comp_owner = owner;
	s->comp_target = target;
	return comp_next(s);
}

enum brt_step brt_compensate(brt_strand *s)
{
	return compensate(s, -1);
}

enum brt_step brt_compensate_scope(brt_strand *s, int scope)
{
	if (scope < 0)
		return BRT_STEP_NEXT;
	return compensate(s, scope);
}

void brt__comp_finished(struct brt_scope_inst *si)
{
	brt_strand *w = si->comp_waiter;
	brt__scope_kill(si);
	if (w && w->wait == BRT_W_COMP && comp_next(w) == BRT_STEP_NEXT)
		brt__strand_queue(w);
}

void brt__comp_fault(struct brt_scope_inst *si, struct brt_fault *f)
{
	brt_strand *w = si->comp_waiter;
	brt__log(si->in->rt,
		 "instance %lu: fault {%s}%s in the compensation "
		 "handler of %s",
		 si->in->id, f->ns ? f->ns : "", f->local ? f->local : "",
		 si->in->rt->proc->scopes[si->scope].name);
	brt__scope_kill(si);
	if (!w || w->wait != BRT_W_COMP) {
		brt__fault_clear(f);
		return;
	}
	w->comp_owner = NULL;
	brt__fault_clear(&w->fault);
	w->fault = *f;
	memset(f, 0, sizeof *f);
	w->done = BRT_D_FAULT;
	brt__strand_queue(w);
}

void brt__comp_strand_gone(brt_strand *s)
{
	for (struct brt_scope_inst *x = s->in->scopes_head; x; x = x->next)
		if (x->comp_waiter == s)
			x->comp_waiter = NULL;
}

enum brt_step brt__internal_step(brt_strand *s)
{
	switch (s->state) {
	case BRT_SI_COMP_CHILDREN:
		s->state = BRT_S_DONE;
		return brt_compensate(s);
	case BRT_SI_DEFAULT_FAULT:
		s->state = BRT_SI_RETHROW;
		return brt_compensate(s);
	case BRT_SI_RETHROW:
		return brt_rethrow(s);
	case BRT_SI_EVENTS:
		return brt__events_step(s);
	case BRT_SI_EVENT_INIT:
		return brt__events_init_step(s);
	default:
		return brt_strand_bad_state(s);
	}
}
