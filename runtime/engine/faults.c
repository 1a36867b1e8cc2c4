/*
 * faults.c — scopes and fault handling (semantics.md §8, faults.md):
 * entering a scope (brt_scope), raising (brt__fault, brt_throw,
 * brt_rethrow), <exit>, and unwinding: when a strand faults, every other
 * strand of its scope instance and of the scopes nested in it is
 * terminated, the catch is chosen by the §12.5 rules and runs as a new
 * strand in the same scope instance; a fault without handler, or one from
 * a handler, goes to the strand that waits for the scope in the parent.
 * A fault that leaves the process ends the instance.
 *
 * Not here: termination and termination handlers (terminate.c);
 * compensation handlers and the compensation step of the default fault
 * handler (compensate.c; this file only starts it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* ---- raising ------------------------------------------------------------- */

enum brt_step brt__fault_typed(brt_strand *s, const char *ns, const char *local,
			       xmlDocPtr data, const struct brt_message *m,
			       const char *why)
{
	brt__fault_clear(&s->fault);
	s->fault.ns = ns && *ns ? strdup(ns) : NULL;
	s->fault.local = strdup(local ? local : "internalError");
	s->fault.data = data;
	s->fault.message = data ? m : NULL;
	brt__log(s->in->rt, "instance %lu strand %lu: fault {%s}%s%s%s",
		 s->in->id, s->id, ns ? ns : "", local ? local : "",
		 why ? ": " : "", why ? why : "");
	return BRT_STEP_FAULT;
}

enum brt_step brt__fault(brt_strand *s, const char *ns, const char *local,
			 xmlDocPtr data, const char *why)
{
	return brt__fault_typed(s, ns, local, data, NULL, why);
}

enum brt_step brt__std_fault(brt_strand *s, const char *local, const char *why)
{
	const char *end = local[0] == '{' ? strchr(local, '}') : NULL;
	if (end != NULL) {
		char ns[256];
		snprintf(ns, sizeof ns, "%.*s", (int)(end - local - 1),
			 local + 1);
		return brt__fault_typed(s, ns, end + 1, NULL, NULL, why);
	}
	return brt__fault_typed(s, BRT_NS_BPEL, local, NULL, NULL, why);
}

enum brt_step brt_throw(brt_strand *s, const struct brt_qname *fault, int var)
{
	const struct brt_process *p = s->in->rt->proc;
	xmlDocPtr data = NULL;
	const struct brt_message *m = NULL;

	if (var >= 0) {
		xmlDocPtr *slot = brt__var_slot(s, var);
		if (!slot)
			return brt__fault(s, BRT_NS_BPELC, "internalError",
					  NULL, "throw: no such variable");
		if (!*slot)
			return brt__std_fault(s, "uninitializedVariable",
					      p->vars[var].name);
		data = xmlCopyDoc(*slot, 1);
		if (!data)
			return brt__fault(s, BRT_NS_BPELC, "internalError",
					  NULL, "out of memory");
		if (p->vars[var].kind == BRT_VAR_MESSAGE)
			m = p->vars[var].message;
	}
	return brt__fault_typed(s, fault->ns, fault->local, data, m, "throw");
}

static struct brt_scope_inst *handling(brt_strand *s)
{
	for (struct brt_scope_inst *si = s->scope; si; si = si->parent)
		if (si->mode == BRT_MODE_FAULT)
			return si;
	return NULL;
}

enum brt_step brt_rethrow(brt_strand *s)
{
	struct brt_scope_inst *si = handling(s);
	if (NEVER(!si)) /* SA00006 */
		return brt__bug(s, "rethrow outside a fault handler");
	brt__fault_clear(&s->fault);
	if (brt__fault_copy(&s->fault, &si->fault) != 0)
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	brt__log(s->in->rt, "instance %lu strand %lu: rethrow {%s}%s",
		 s->in->id, s->id, s->fault.ns ? s->fault.ns : "",
		 s->fault.local);
	return BRT_STEP_FAULT;
}

enum brt_step brt_exit(brt_strand *s)
{
	/* The scheduler ends the instance once this step has returned: the
	 * strand running it must stay valid until then. */
	s->in->exiting = true;
	return BRT_STEP_END;
}

/* ---- scopes -------------------------------------------------------------- */

const char *brt__scope_init_vars(brt_strand *body)
{
	const struct brt_process *p = body->in->rt->proc;
	int scope = body->scope->scope;
	/* In declaration order: an initialiser may read the ones before. */
	for (int i = 0; i < p->nvars; i++) {
		const struct brt_variable *v = &p->vars[i];
		if (v->scope != scope || v->init < 0 || v->init >= p->nassigns)
			continue;
		if (brt_assign(body, &p->assigns[v->init]) == BRT_STEP_FAULT)
			return v->name;
	}
	return NULL;
}

enum brt_step
brt__scope_enter(brt_strand *s, int scope, int body_state,
		 int (*prep)(struct brt_scope_inst *si, void *arg), void *arg)
{
	brt_instance *in = s->in;
	const struct brt_process *p = in->rt->proc;

	if (NEVER(scope <= 0 || scope >= p->nscopes))
		return brt__bug(s, "no such scope");
	struct brt_scope_inst *si = brt__scope_inst_new(in, scope, s->scope);
	if (si) { /* links may cross into the scope (links.c) */
		si->links = s->links;
		brt__links_ref(si->links);
	}
	brt_strand *body = si ? brt__strand_new(in, si, NULL, body_state)
			      : NULL;
	if (!body || (prep && prep(si, arg) != 0)) {
		if (body)
			brt__strand_free(body);
		if (si)
			brt__scope_inst_free(si);
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  body ? "cannot set up the scope"
				       : "out of memory");
	}
	si->waiter = s;
	/* Inline initialisers, after the implicit variables (prep: a
	 * forEach counter); a failure belongs to the parent scope
	 * (faults.md, scopeInitializationFailure). */
	const char *bad = brt__scope_init_vars(body);
	if (bad) {
		brt__strand_free(body);
		brt__scope_inst_free(si);
		return brt__std_fault(s, "scopeInitializationFailure", bad);
	}
	body->primary = true;
	s->wait = BRT_W_SCOPE;
	/* An isolated scope that waits for the lock enables its event
	 * handlers when it gets it (brt__isolated_release). */
	if (p->scopes[scope].isolated && !brt__isolated_enter(si, body))
		return BRT_STEP_WAIT;
	if (p->scopes[scope].nevents > 0 || p->scopes[scope].nalarms > 0)
		brt__events_enable(si);
	brt__strand_queue(body);
	return BRT_STEP_WAIT;
}

enum brt_step brt_scope(brt_strand *s, int scope, int body_state)
{
	return brt__scope_enter(s, scope, body_state, NULL, NULL);
}

void brt__scope_ended(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;

	if (si->phase == BRT_PHASE_TERMINATING) {
		brt__term_finished(si);
		return;
	}
	if (si->phase == BRT_PHASE_COMPENSATING) {
		brt__comp_finished(si);
		return;
	}
	if (si->phase != BRT_PHASE_ACTIVE)
		return; /* installed: has no strands */
	if (si != in->root && si->mode == BRT_MODE_NORMAL &&
	    brt__mex_open_in(si)) {
		/* §10.4.1: an exchange of this scope (an onEvent's or a
		 * parallel forEach child's default one, a named one) is
		 * still open. Nobody can reply to it once the scope has
		 * completed: its request gets the fault now. */
		struct brt_fault f = { 0 };
		f.ns = strdup(BRT_NS_BPEL);
		f.local = strdup("missingReply");
		brt__log(in->rt,
			 "instance %lu: fault {%s}missingReply: "
			 "scope %s completed with an open request",
			 in->id, BRT_NS_BPEL,
			 in->rt->proc->scopes[si->scope].name);
		brt__mex_fail_in(si, &f, "missingReply");
		brt__fault_in_scope(in, si, &f);
		return;
	}
	if (si == in->root) {
		if (si->mode == BRT_MODE_NORMAL && in->mexes) {
			/* §10.4.1: thrown in the completing process scope, so
			 * its own catches see it. */
			struct brt_fault f = { 0 };
			f.ns = strdup(BRT_NS_BPEL);
			f.local = strdup("missingReply");
			brt__log(in->rt,
				 "instance %lu: fault {%s}missingReply: "
				 "the process completed with an open request",
				 in->id, BRT_NS_BPEL);
			brt__fault_in_scope(in, si, &f);
			return;
		}
		brt__instance_end(in, BRT_END_COMPLETED, NULL);
		return;
	}
	brt_strand *w = si->waiter;
	if (w && w->fe)
		brt__foreach_child_ended(w, si);
	/* Completed successfully: its compensation handler may run later
	 * (§12.4); a scope whose fault handler completed is gone. */
	if (si->mode != BRT_MODE_NORMAL || !brt__scope_install(si))
		brt__scope_kill(si);
	if (w)
		brt__strand_queue(w);
}

/* ---- unwinding ----------------------------------------------------------- */

static bool same_ns(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool same_qname(const char *ans, const char *alocal, const char *bns,
		       const char *blocal)
{
	return alocal && blocal && strcmp(alocal, blocal) == 0 &&
	       same_ns(ans, bns);
}

static bool is_exit_fault(const struct brt_fault *f)
{
	return same_ns(f->ns, BRT_NS_BPEL) && f->local &&
	       strcmp(f->local, "joinFailure") != 0;
}

/* The element part of a one-part message value, or NULL. */
static xmlNodePtr single_element_part(const struct brt_fault *f)
{
	if (!f->message || f->message->nparts != 1 ||
	    !f->message->parts[0].element.local || !f->data)
		return NULL;
	xmlNodePtr root = xmlDocGetRootElement(f->data);
	for (xmlNodePtr part = root ? root->children : NULL; part;
	     part = part->next) {
		if (part->type != XML_ELEMENT_NODE)
			continue;
		for (xmlNodePtr c = part->children; c; c = c->next)
			if (c->type == XML_ELEMENT_NODE)
				return c;
	}
	return NULL;
}

/* "Fits" (§12.5): same message type, or same element; a message with one
 * element part also fits a faultElement of that element. */
static bool fits(const struct brt_catch *c, const struct brt_fault *f)
{
	if (c->variable < 0 || !f->data)
		return false;
	if (c->message)
		return f->message &&
		       (f->message == c->message ||
			same_qname(f->message->name.ns, f->message->name.local,
				   c->message->name.ns,
				   c->message->name.local));
	if (!c->element.local)
		return false;
	if (f->message) {
		const struct brt_part *pt = &f->message->parts[0];
		return f->message->nparts == 1 &&
		       same_qname(pt->element.ns, pt->element.local,
				  c->element.ns, c->element.local);
	}
	xmlNodePtr root = xmlDocGetRootElement(f->data);
	return root &&
	       same_qname(root->ns ? (const char *)root->ns->href : NULL,
			  (const char *)root->name, c->element.ns,
			  c->element.local);
}

/* §12.5 in order; returns the handler's first state, -1 for none. */
static int select_catch(const struct brt_scope *sc, const struct brt_fault *f,
			const struct brt_catch **out)
{
	const struct brt_catch *cs = sc->catches;
	*out = NULL;
	if (f->data) {
		for (int i = 0; i < sc->ncatches; i++)
			if (cs[i].fault.local &&
			    same_qname(cs[i].fault.ns, cs[i].fault.local, f->ns,
				       f->local) &&
			    fits(&cs[i], f))
				return *out = &cs[i], cs[i].state;
		for (int i = 0; i < sc->ncatches; i++)
			if (!cs[i].fault.local && fits(&cs[i], f))
				return *out = &cs[i], cs[i].state;
	}
	for (int i = 0; i < sc->ncatches; i++)
		if (cs[i].fault.local && cs[i].variable < 0 &&
		    same_qname(cs[i].fault.ns, cs[i].fault.local, f->ns,
			       f->local))
			return *out = &cs[i], cs[i].state;
	return sc->catch_all;
}

/* The catch's fault variable gets a copy of the data, shaped for its type;
 * the original stays with the scope for <rethrow>. */
static int init_fault_var(brt_strand *h, const struct brt_catch *c,
			  const struct brt_fault *f)
{
	xmlDocPtr *slot = brt__var_slot(h, c->variable);
	if (!slot)
		return BRT_EINVAL;
	xmlDocPtr v;
	xmlNodePtr el = c->message ? NULL : single_element_part(f);
	if (el) {
		v = xmlNewDoc(BAD_CAST "1.0");
		xmlNodePtr copy = v ? xmlDocCopyNode(el, v, 1) : NULL;
		if (!copy) {
			xmlFreeDoc(v);
			return BRT_ENOMEM;
		}
		xmlDocSetRootElement(v, copy);
		xmlReconciliateNs(v, copy);
	} else {
		v = xmlCopyDoc(f->data, 1);
		if (!v)
			return BRT_ENOMEM;
	}
	if (*slot)
		xmlFreeDoc(*slot);
	*slot = v;
	return 0;
}

void brt__fault_in_scope(brt_instance *in, struct brt_scope_inst *si,
			 struct brt_fault *f)
{
	const struct brt_process *p = in->rt->proc;

	for (;;) {
		const struct brt_scope *sc = &p->scopes[si->scope];
		if (sc->exit_on_standard_fault && is_exit_fault(f)) {
			brt__log(in->rt,
				 "instance %lu: standard fault %s in "
				 "scope %s with exitOnStandardFault: exit",
				 in->id, f->local, sc->name ? sc->name : "");
			brt__fault_clear(f);
			brt__instance_end(in, BRT_END_EXITED, NULL);
			return;
		}
		if (si->phase == BRT_PHASE_TERMINATING) {
			brt__term_fault(si, f);
			return;
		}
		if (si->phase == BRT_PHASE_COMPENSATING) {
			brt__comp_fault(si, f);
			return;
		}
		if (si->mode == BRT_MODE_NORMAL) {
			/* Terminate what runs in si first (its children's
			 * termination handlers may take a while); the
			 * handler starts when that is over. */
			si->mode = BRT_MODE_FAULT;
			si->fault = *f;
			memset(f, 0, sizeof *f);
			brt__term_begin(si);
			return;
		}
		/* A fault from the fault handler: to the parent. */
		brt__scope_kill_within(si);
		brt_strand *w = si->waiter;
		struct brt_scope_inst *parent = si->parent;
		if (!parent || !w) {
			brt__instance_end(in, BRT_END_FAULTED, f);
			brt__fault_clear(f);
			return;
		}
		brt__mex_fail_in(si, f, "its scope faulted");
		brt__scope_kill(si);
		si = parent;
	}
}

void brt__fault_handler_start(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;
	const struct brt_scope *sc = &in->rt->proc->scopes[si->scope];
	const struct brt_catch *c = NULL;
	int state = select_catch(sc, &si->fault, &c);
	/* No catch: the default handler compensates, then rethrows; with
	 * nothing to compensate that is the same as propagating now. */
	if (state < 0 && brt__scope_has_installed(si))
		state = BRT_SI_DEFAULT_FAULT;
	if (state >= 0 || state == BRT_SI_DEFAULT_FAULT) {
		brt_strand *h = brt__strand_new(in, si, NULL, state);
		if (h && (!c || c->variable < 0 ||
			  init_fault_var(h, c, &si->fault) == 0)) {
			brt__strand_queue(h);
			return;
		}
		/* Out of memory: the handler cannot run. */
		if (h)
			brt__strand_free(h);
	}
	struct brt_fault f = si->fault;
	memset(&si->fault, 0, sizeof si->fault);
	brt_strand *w = si->waiter;
	struct brt_scope_inst *parent = si->parent;
	if (!parent || !w) {
		brt__instance_end(in, BRT_END_FAULTED, &f);
		brt__fault_clear(&f);
		return;
	}
	brt__mex_fail_in(si, &f, "its scope faulted");
	brt__scope_kill(si);
	brt__fault_in_scope(in, parent, &f);
}

void brt__fault_handle(brt_strand *s)
{
	struct brt_fault f = s->fault;
	memset(&s->fault, 0, sizeof s->fault);
	if (!f.local) {
		f.ns = strdup(BRT_NS_BPELC);
		f.local = strdup("internalError");
	}
	s->state = BRT_S_FAULTED;
	s->wait = BRT_W_NONE;
	brt__fault_in_scope(s->in, s->scope, &f);
}
