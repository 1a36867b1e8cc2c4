/*
 * terminate.c — termination of running scope instances (semantics.md §8
 * step 1, §10): when a fault reaches a scope, or a forEach completes
 * early, what runs inside stops. Strands are freed at once (their pending
 * receives, calls and timers are withdrawn with them, sched.c); every
 * nested scope instance still running is terminated in turn, innermost
 * first, and then runs its termination handler (the explicit one, or the
 * default one that compensates its completed children) if it was in
 * normal mode. Only when all of that has finished does the faulting
 * scope's fault handler start (brt__fault_handler_start), or the waiting
 * forEach resume. A fault inside a termination handler is dropped.
 *
 * Bookkeeping: a terminating instance counts in `nterm` the children it
 * still waits for, plus one while it is starting them, so a child that
 * finishes at once cannot finish its parent early.
 *
 * Not here: choosing fault handlers (faults.c), compensation
 * (compensate.c).
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

void brt__scope_kill_within(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;
	brt_strand *s, *snext;
	for (s = in->strands_head; s; s = snext) {
		snext = s->next;
		if (brt__scope_inst_within(s->scope, si))
			brt__strand_free(s);
	}
	/* Mark first, then free: within() follows parent pointers. */
	struct brt_scope_inst *x, *xnext;
	for (x = in->scopes_head; x; x = x->next)
		x->doomed = x != si && brt__scope_inst_within(x, si);
	for (x = in->scopes_head; x; x = xnext) {
		xnext = x->next;
		if (x->doomed)
			brt__scope_inst_free(x);
	}
}

void brt__scope_kill(struct brt_scope_inst *si)
{
	brt__scope_kill_within(si);
	brt__scope_inst_free(si);
}

/* The strands that run in si itself (not in nested scopes). */
static void kill_own(struct brt_scope_inst *si)
{
	brt_strand *s, *snext;
	for (s = si->in->strands_head; s; s = snext) {
		snext = s->next;
		if (s->scope == si)
			brt__strand_free(s);
	}
}

static void term_start(struct brt_scope_inst *si);

/* si's direct children: running ones are terminated (counted in
 * si->nterm), compensating ones stop at once, completed ones stay for a
 * termination or fault handler that compensates them. */
static void term_children(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;
	int n = 0;
	for (struct brt_scope_inst *x = in->scopes_head; x; x = x->next)
		n += x->parent == si;
	if (n == 0)
		return;
	struct brt_scope_inst **kids = calloc((size_t)n, sizeof *kids);
	if (!kids) {
		/* No memory to do it in order: stop them all silently. */
		for (struct brt_scope_inst *x = in->scopes_head; x;) {
			struct brt_scope_inst *next = x->next;
			if (x->parent == si &&
			    x->phase != BRT_PHASE_INSTALLED) {
				brt__scope_kill(x);
				next = in->scopes_head; /* the list changed */
			}
			x = next;
		}
		return;
	}
	int k = 0;
	for (struct brt_scope_inst *x = in->scopes_head; x; x = x->next)
		if (x->parent == si)
			kids[k++] = x;
	/* Siblings stay valid: terminating one frees only what is in it. */
	for (int i = 0; i < k; i++) {
		struct brt_scope_inst *x = kids[i];
		switch (x->phase) {
		case BRT_PHASE_ACTIVE:
			si->nterm++;
			x->term_notify = NULL;
			term_start(x);
			break;
		case BRT_PHASE_TERMINATING:
			/* Started for a strand of si that is gone now (forEach):
			 * si waits for it instead. */
			if (x->term_notify) {
				x->term_notify = NULL;
				si->nterm++;
			}
			break;
		case BRT_PHASE_COMPENSATING:
			brt__scope_kill(x);
			break;
		case BRT_PHASE_INSTALLED:
			break;
		}
	}
	free(kids);
}

static void children_done(struct brt_scope_inst *si);

static void term_start(struct brt_scope_inst *si)
{
	si->phase = BRT_PHASE_TERMINATING;
	si->waiter = NULL; /* a strand of the parent: stopped too */
	brt__term_begin(si);
}

/* Every child of si has finished terminating. */
static void children_done(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;
	if (si->phase != BRT_PHASE_TERMINATING) {
		/* The faulting scope itself: its handler may run now. */
		brt__fault_handler_start(si);
		return;
	}
	const struct brt_scope *sc = &in->rt->proc->scopes[si->scope];
	/* §12.6: only a scope terminated in normal mode runs its handler;
	 * the default one compensates its completed children. */
	int state = -1;
	if (si->mode == BRT_MODE_NORMAL) {
		if (sc->termination >= 0)
			state = sc->termination;
		else if (brt__scope_has_installed(si))
			state = BRT_SI_COMP_CHILDREN;
	}
	if (state != -1) {
		brt_strand *h = brt__strand_new(in, si, NULL, state);
		if (h) {
			brt__log(in->rt,
				 "instance %lu: scope %s terminated: "
				 "termination handler",
				 in->id, sc->name ? sc->name : "");
			/* Isolated: the handler shares the scope's isolation
			 * (§12.8); it holds the lock already unless the body
			 * was still waiting for it. */
			if (!sc->isolated || brt__isolated_enter(si, h))
				brt__strand_queue(h);
			return;
		}
	}
	brt__term_finished(si);
}

void brt__term_finished(struct brt_scope_inst *si)
{
	brt_strand *w = si->term_notify;
	struct brt_scope_inst *parent = si->parent;
	brt__scope_kill(si);
	if (w) {
		if (--w->nterm_wait <= 0 && w->wait == BRT_W_TERM)
			brt__strand_queue(w);
		return;
	}
	if (parent && parent->nterm > 0 && --parent->nterm == 0)
		children_done(parent);
}

void brt__term_begin(struct brt_scope_inst *si)
{
	si->nterm++;
	brt__events_disable(si);
	kill_own(si);
	term_children(si);
	if (--si->nterm == 0)
		children_done(si);
}

void brt__scope_terminate(struct brt_scope_inst *si, brt_strand *w)
{
	if (si->phase != BRT_PHASE_ACTIVE) {
		brt__scope_kill(si);
		return;
	}
	si->term_notify = w;
	if (w)
		w->nterm_wait++;
	term_start(si);
}

void brt__term_fault(struct brt_scope_inst *si, struct brt_fault *f)
{
	brt_instance *in = si->in;
	brt__log(in->rt,
		 "instance %lu: fault {%s}%s in the termination "
		 "handler of %s: not propagated",
		 in->id, f->ns ? f->ns : "", f->local ? f->local : "",
		 in->rt->proc->scopes[si->scope].name);
	brt__fault_clear(f);
	brt__term_finished(si);
}
