/*
 * events.c — event handlers of scopes and of the process (semantics.md
 * §10, §12.7), the message exchanges' owners (§2), and isolated scopes'
 * lock (§8).
 *
 * Event handlers are anchored on one strand of their scope instance (the
 * anchor, BRT_W_EVENTS, state BRT_SI_EVENTS): while it exists the scope
 * cannot end, and freeing it (termination, or the primary activity
 * completing: brt__events_disable) withdraws every onEvent IMA and onAlarm
 * timer. Its first step enables them, taking messages already kept for the
 * instance. Each onEvent message starts a handler instance: a new instance
 * of the onEvent's scope (its variable, its default message exchange),
 * whose first strand finishes the IMA like a receive, and a waiter strand
 * in the enclosing scope, so that scope completes only after every
 * running handler instance has finished. Each onAlarm firing starts its
 * activity (a scope) in a new strand of the enclosing scope; repeatEvery
 * re-arms the timer. Instances may overlap (docs/semantics-decisions.md).
 *
 * Isolated scopes: on one event loop strands interleave only at waits, so
 * a per-instance lock taken for the whole life of an isolated scope's
 * primary activity serialises them; waiting bodies (BRT_W_LOCK) get it in
 * creation order. The scope's event handlers are enabled only once it
 * holds the lock, and its compensation and termination handlers take the
 * lock too (compensate.c, terminate.c), so they are isolated as well.
 *
 * An onEvent handler instance's first strand finishes the IMA (the
 * message goes into the onEvent's variable), then runs the associated
 * scope's inline initialisers (BRT_SI_EVENT_INIT), which may read it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "engine.h"

struct brt_ev_alarm {
	struct brt_events *ev;
	const struct brt_on_alarm *a;
	struct event *timer;
	double deadline;
	double period; /* repeatEvery, seconds; 0: fires once */
};

struct brt_events {
	struct brt_scope_inst *si;
	brt_strand *anchor;
	bool enabled;
	int nimas;
	struct brt_ima *imas; /* one per onEvent */
	int nalarms;
	struct brt_ev_alarm *alarms; /* one per onAlarm */
};

static const struct brt_scope *scope_of(const struct brt_scope_inst *si)
{
	return &si->in->rt->proc->scopes[si->scope];
}

/* ---- enabling and disabling ---------------------------------------------- */

int brt__events_enable(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;
	const struct brt_scope *sc = scope_of(si);
	if (si->events || (sc->nevents == 0 && sc->nalarms == 0))
		return 0;
	struct brt_events *ev = calloc(1, sizeof *ev);
	if (ev) {
		ev->imas = calloc((size_t)sc->nevents + 1, sizeof *ev->imas);
		ev->alarms =
			calloc((size_t)sc->nalarms + 1, sizeof *ev->alarms);
	}
	brt_strand *a = ev && ev->imas && ev->alarms
				? brt__strand_new(in, si, NULL, BRT_SI_EVENTS)
				: NULL;
	if (!a) {
		if (ev) {
			free(ev->imas);
			free(ev->alarms);
		}
		free(ev);
		brt__log(in->rt,
			 "instance %lu: out of memory: event handlers "
			 "of %s not enabled",
			 in->id, sc->name);
		return BRT_ENOMEM;
	}
	ev->si = si;
	ev->anchor = a;
	a->ev = ev;
	si->events = a;
	brt__strand_queue(a);
	return 0;
}

void brt__events_free(brt_strand *s)
{
	struct brt_events *ev = s->ev;
	if (!ev)
		return;
	for (int i = 0; i < ev->nimas; i++)
		brt__ima_disable(&ev->imas[i]);
	for (int i = 0; i < ev->nalarms; i++)
		brt__timer_free(ev->si->in->rt, ev->alarms[i].timer);
	if (ev->si->events == s)
		ev->si->events = NULL;
	free(ev->imas);
	free(ev->alarms);
	free(ev);
	s->ev = NULL;
}

void brt__events_disable(struct brt_scope_inst *si)
{
	brt_strand *a = si->events;
	if (!a)
		return;
	si->events = NULL;
	brt__strand_free(a);
}

/* ---- onEvent ------------------------------------------------------------- */

/* A handler instance for onEvent i: takes msg and req. */
static void spawn_event(struct brt_events *ev, int i, xmlDocPtr msg,
			brt_request *req, const char *fault)
{
	struct brt_scope_inst *si = ev->si;
	brt_instance *in = si->in;
	const struct brt_on_event *oe = &scope_of(si)->events[i];
	struct brt_scope_inst *hs = brt__scope_inst_new(in, oe->scope, si);
	brt_strand *w = hs ? brt__strand_new(in, si, NULL, BRT_S_DONE) : NULL;
	brt_strand *b = w ? brt__strand_new(in, hs, NULL, oe->state) : NULL;
	if (!b) {
		if (w)
			brt__strand_free(w);
		if (hs)
			brt__scope_inst_free(hs);
		if (req)
			brt__request_fault(req, BRT_NS_BPELC, "internalError",
					   NULL, "out of memory");
		xmlFreeDoc(msg);
		return;
	}
	w->wait = BRT_W_SCOPE;
	hs->waiter = w;
	b->primary = true;
	b->recv = oe->recv;
	b->done = BRT_D_RECEIVE;
	b->msg = msg;
	b->req = req;
	b->recv_fault = fault;
	/* The message goes into the variable first (the scheduler finishes
	 * the receive), then the scope initialises (brt__events_init_step). */
	b->state = BRT_SI_EVENT_INIT;
	brt__debug(in->rt, "instance %lu: onEvent %s: handler instance %lu",
		   in->id, oe->recv->op->name, hs->id);
	brt__strand_queue(b);
}

/* The onEvent whose associated scope hs is an instance of. */
static const struct brt_on_event *event_of(const struct brt_scope_inst *hs)
{
	if (!hs->parent)
		return NULL;
	const struct brt_scope *sc = scope_of(hs->parent);
	for (int i = 0; i < sc->nevents; i++)
		if (sc->events[i].scope == hs->scope)
			return &sc->events[i];
	return NULL;
}

enum brt_step brt__events_init_step(brt_strand *s)
{
	struct brt_scope_inst *hs = s->scope;
	brt_instance *in = s->in;
	const struct brt_on_event *oe = event_of(hs);
	if (!oe)
		return brt_strand_bad_state(s);
	/* Inline initialisers run after the implicit variables are set
	 * (semantics.md §4); they may read the onEvent's variable. */
	const char *bad = brt__scope_init_vars(s);
	if (!bad) {
		s->state = oe->state;
		if (scope_of(hs)->isolated && !brt__isolated_enter(hs, s))
			return BRT_STEP_WAIT; /* events: brt__isolated_release */
		brt__events_enable(hs);
		return BRT_STEP_NEXT;
	}
	/* scopeInitializationFailure belongs to the enclosing scope, never
	 * to the failed one (faults.md): it is raised on the strand that
	 * waits for this handler instance there; the handler instance ends
	 * without running anything, and its open request gets the fault. */
	brt__fault_clear(&s->fault);
	struct brt_fault f = { 0 };
	f.ns = strdup(BRT_NS_BPEL);
	f.local = strdup("scopeInitializationFailure");
	brt__log(in->rt,
		 "instance %lu: fault {%s}scopeInitializationFailure: "
		 "variable %s of scope %s",
		 in->id, BRT_NS_BPEL, bad,
		 scope_of(hs)->name ? scope_of(hs)->name : "");
	brt__mex_fail_in(hs, &f, "scopeInitializationFailure");
	brt_strand *w = hs->waiter;
	hs->waiter = NULL;
	hs->mode = BRT_MODE_FAULT; /* ends without completing (§12.4) */
	if (w) {
		brt__fault_clear(&w->fault);
		w->fault = f;
		w->done = BRT_D_FAULT;
		brt__strand_queue(w);
	} else {
		brt__fault_clear(&f);
	}
	s->state = BRT_S_DONE;
	return BRT_STEP_END;
}

static void event_deliver(struct brt_ima *ima, xmlDocPtr msg, brt_request *req,
			  const char *fault)
{
	struct brt_events *ev = ima->arg;
	spawn_event(ev, (int)(ima - ev->imas), msg, req, fault);
}

/* ---- onAlarm ------------------------------------------------------------- */

static int arm(struct brt_ev_alarm *al)
{
	return brt__timer_add(al->ev->si->in->rt, al->timer, al->deadline);
}

static void alarm_cb(evutil_socket_t fd, short what, void *arg)
{
	struct brt_ev_alarm *al = arg;
	struct brt_scope_inst *si = al->ev->si;
	brt_instance *in = si->in;
	(void)fd;
	(void)what;
	if (in->suspended) { /* one firing, after the resume */
		brt__timer_defer(al->timer);
		return;
	}
	brt_strand *h = brt__strand_new(in, si, NULL, al->a->state);
	if (h) {
		brt__debug(in->rt, "instance %lu: onAlarm fired", in->id);
		brt__strand_queue(h);
	}
	if (al->period > 0) {
		/* The next firing keeps the rhythm, never in the past. */
		al->deadline += al->period;
		if (al->deadline < brt__clock(in->rt))
			al->deadline = brt__clock(in->rt);
		if (arm(al) == 0)
			return;
	}
	brt__timer_free(in->rt, al->timer);
	al->timer = NULL;
}

/* Seconds of a duration expression, or a fault on s. */
static enum brt_step eval_deadline(brt_strand *s, int expr, bool is_until,
				   const char *what, double *out)
{
	char *text = brt__eval_string(s, expr);
	if (!text)
		return BRT_STEP_FAULT;
	if (brt__wait_deadline(s->in->rt, text, is_until, out) != 0) {
		char why[300];
		snprintf(why, sizeof why, "<onAlarm> %s '%.200s' is not %s",
			 what, text,
			 is_until ? "a date or dateTime" : "a duration");
		free(text);
		return brt__std_fault(s, "invalidExpressionValue", why);
	}
	free(text);
	return BRT_STEP_NEXT;
}

static enum brt_step start_alarm(brt_strand *s, struct brt_events *ev,
				 const struct brt_on_alarm *a)
{
	struct brt_ev_alarm *al = &ev->alarms[ev->nalarms];
	double now = brt__clock(s->in->rt), first = now, rep = 0;
	enum brt_step r;
	if (a->repeat >= 0) {
		if ((r = eval_deadline(s, a->repeat, false, "repeatEvery",
				       &rep)) != BRT_STEP_NEXT)
			return r;
		rep -= now;
		if (rep <= 0)
			return brt__std_fault(s, "invalidExpressionValue",
					      "<onAlarm> repeatEvery is not "
					      "a positive duration");
		first = now + rep;
	}
	if (a->expr >= 0 && (r = eval_deadline(s, a->expr, a->is_until,
					       a->is_until ? "until" : "for",
					       &first)) != BRT_STEP_NEXT)
		return r;
	al->ev = ev;
	al->a = a;
	al->deadline = first;
	al->period = rep;
	al->timer = event_new(s->in->rt->base, -1, 0, alarm_cb, al);
	if (!al->timer || arm(al) != 0) {
		brt__timer_free(s->in->rt, al->timer);
		al->timer = NULL;
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "cannot arm a timer");
	}
	ev->nalarms++;
	return BRT_STEP_NEXT;
}

/* ---- the anchor's step --------------------------------------------------- */

enum brt_step brt__events_step(brt_strand *s)
{
	struct brt_events *ev = s->ev;
	if (!ev)
		return brt_strand_bad_state(s);
	s->wait = BRT_W_EVENTS;
	if (ev->enabled)
		return BRT_STEP_WAIT;
	ev->enabled = true;
	const struct brt_scope *sc = scope_of(ev->si);
	enum brt_step r;
	for (int i = 0; i < sc->nalarms; i++)
		if ((r = start_alarm(s, ev, &sc->alarms[i])) != BRT_STEP_NEXT)
			return r;
	int n = sc->nevents;
	if (n == 0)
		return BRT_STEP_WAIT;
	struct brt_ima **ptrs = calloc((size_t)n, sizeof *ptrs);
	if (!ptrs)
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	for (int i = 0; i < n; i++) {
		ev->imas[i].s = s;
		ev->imas[i].r = sc->events[i].recv;
		ev->imas[i].deliver = event_deliver;
		ev->imas[i].arg = ev;
		ev->imas[i].persistent = true;
		ptrs[i] = &ev->imas[i];
	}
	ev->nimas = n;
	/* Messages kept for the instance before the handlers were enabled
	 * (§2, early messages): each starts an instance, oldest first. */
	struct brt_inmsg *m;
	int which;
	while ((m = brt__inbox_take(s->in, ptrs, n, &which))) {
		spawn_event(ev, which, m->msg, m->req, NULL);
		free(m);
	}
	free(ptrs);
	for (int i = 0; i < n; i++)
		if (brt__ima_enable(&ev->imas[i]) != 0)
			return brt__fault(s, BRT_NS_BPELC, "internalError",
					  NULL, "out of memory");
	return BRT_STEP_WAIT;
}

/* ---- saved instances (store.c) ------------------------------------------- */

/*
 * <strand wait="events" ...>              the anchor
 *   <events enabled="1" nalarms="N">
 *     <event index="i" seq="S"/>          an enabled onEvent IMA
 *     <alarm index="k" deadline="D" period="P"/>   an armed onAlarm
 *   </events>
 * The integers (enabled, nalarms, index, seq) are not written when 0
 * (recw.c) and read absent as 0; the reals (deadline, period) are always
 * written.
 */
/* A real number attribute; false when missing or malformed. */
static bool get_double(const struct brt_rnode *n, const char *name, double *out)
{
	const char *v = brt__recr_attr(n, name);
	char *end = NULL;
	*out = v ? strtod(v, &end) : 0;
	return v && end != v && !*end;
}

int brt__events_save(const brt_strand *s, struct brt_recw *w)
{
	const struct brt_events *ev = s->ev;
	if (!ev)
		return 0;
	brt__recw_open(w, "events");
	brt__recw_ulong(w, "enabled", ev->enabled);
	brt__recw_ulong(w, "nalarms", (unsigned long)ev->nalarms);
	for (int i = 0; i < ev->nimas; i++) {
		if (!ev->imas[i].enabled)
			continue;
		brt__recw_open(w, "event");
		brt__recw_ulong(w, "index", (unsigned long)i);
		brt__recw_ulong(w, "seq", ev->imas[i].seq);
		brt__recw_close(w, "event");
	}
	for (int k = 0; k < ev->nalarms; k++) {
		const struct brt_ev_alarm *al = &ev->alarms[k];
		if (!al->timer)
			continue; /* fired once, done */
		brt__recw_open(w, "alarm");
		brt__recw_ulong(w, "index", (unsigned long)k);
		brt__recw_real(w, "deadline", al->deadline);
		brt__recw_real(w, "period", al->period);
		brt__recw_close(w, "alarm");
	}
	brt__recw_close(w, "events");
	return w->err;
}

int brt__events_load(brt_strand *s, const struct brt_rnode *n)
{
	struct brt_scope_inst *si = s->scope;
	const struct brt_scope *sc = scope_of(si);
	const struct brt_rnode *en = brt__recr_child(n, "events");
	long enabled, nalarms;
	if (!en || si->events || !brt__recr_num(en, "enabled", &enabled) ||
	    !brt__recr_num(en, "nalarms", &nalarms) || nalarms < 0 ||
	    nalarms > sc->nalarms)
		return BRT_EINVAL;
	struct brt_events *ev = calloc(1, sizeof *ev);
	if (!ev)
		return BRT_ENOMEM;
	ev->imas = calloc((size_t)sc->nevents + 1, sizeof *ev->imas);
	ev->alarms = calloc((size_t)sc->nalarms + 1, sizeof *ev->alarms);
	ev->si = si;
	ev->anchor = s;
	s->ev = ev; /* freed with the strand from here on */
	si->events = s;
	if (!ev->imas || !ev->alarms)
		return BRT_ENOMEM;
	ev->enabled = enabled != 0;
	if (!ev->enabled)
		return 0; /* its step enables them, as for a new anchor */
	for (int i = 0; i < sc->nevents; i++) {
		ev->imas[i].s = s;
		ev->imas[i].r = sc->events[i].recv;
		ev->imas[i].deliver = event_deliver;
		ev->imas[i].arg = ev;
		ev->imas[i].persistent = true;
	}
	ev->nimas = sc->nevents;
	ev->nalarms = (int)nalarms;
	for (int k = 0; k < ev->nalarms; k++) {
		ev->alarms[k].ev = ev;
		ev->alarms[k].a = &sc->alarms[k];
	}
	for (const struct brt_rnode *c = en->children; c; c = c->next) {
		long index;
		double deadline, period;
		if (!brt__recr_named(c, "alarm"))
			continue;
		if (!brt__recr_num(c, "index", &index) ||
		    !get_double(c, "deadline", &deadline) ||
		    !get_double(c, "period", &period) || index < 0 ||
		    index >= ev->nalarms || period < 0)
			return BRT_EINVAL;
		struct brt_ev_alarm *al = &ev->alarms[(int)index];
		if (al->timer)
			return BRT_EINVAL;
		al->deadline = deadline;
		al->period = period;
		al->timer = event_new(si->in->rt->base, -1, 0, alarm_cb, al);
		if (!al->timer || arm(al) != 0)
			return BRT_ENOMEM;
	}
	return 0;
}

struct brt_ima *brt__events_ima(brt_strand *s, int i)
{
	struct brt_events *ev = s->ev;
	return ev && ev->enabled && i >= 0 && i < ev->nimas ? &ev->imas[i]
							    : NULL;
}

/* ---- message exchanges --------------------------------------------------- */

struct brt_scope_inst *brt__mex_owner(brt_strand *s, int mex_scope)
{
	for (struct brt_scope_inst *si = s->scope; si; si = si->parent)
		if (si->scope == mex_scope)
			return si;
	return s->in->root;
}

void brt__mex_fail_in(struct brt_scope_inst *si, const struct brt_fault *f,
		      const char *why)
{
	brt_instance *in = si->in;
	for (struct brt_mex **pp = &in->mexes; *pp;) {
		struct brt_mex *m = *pp;
		if (m->owner != si) {
			pp = &m->next;
			continue;
		}
		*pp = m->next;
		brt__log(in->rt,
			 "instance %lu: open request for %s answered "
			 "with a fault: %s",
			 in->id, m->op->name, why);
		if (m->req) {
			if (f && f->local)
				brt__request_fault(m->req, f->ns, f->local,
						   f->data, NULL);
			else
				brt__request_fault(m->req, BRT_NS_BPELC,
						   "instanceStopped", NULL,
						   why);
		}
		free(m);
	}
}

void brt__mex_scope_gone(struct brt_scope_inst *si)
{
	/* Nobody can reply any more: an exchange pairs only within its
	 * owner. The request learns the fault its scope handled, if any. */
	brt__mex_fail_in(si, si->fault.local ? &si->fault : NULL,
			 "the scope of its message exchange ended without "
			 "a reply");
}

bool brt__mex_open_in(const struct brt_scope_inst *si)
{
	for (struct brt_mex *m = si->in->mexes; m; m = m->next)
		if (m->owner == si)
			return true;
	return false;
}

/* ---- isolated scopes ----------------------------------------------------- */

bool brt__isolated_enter(struct brt_scope_inst *si, brt_strand *body)
{
	brt_instance *in = si->in;
	if (!in->iso_holder || in->iso_holder == si) {
		in->iso_holder = si;
		return true;
	}
	brt__debug(in->rt, "instance %lu: isolated scope %s waits", in->id,
		   scope_of(si)->name);
	body->wait = BRT_W_LOCK;
	return false;
}

void brt__isolated_release(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;
	if (in->iso_holder != si)
		return;
	in->iso_holder = NULL;
	for (brt_strand *t = in->strands_head; t; t = t->next)
		if (t->wait == BRT_W_LOCK && t->scope != si) {
			in->iso_holder = t->scope;
			/* A body that waited starts its event handlers now, so
			 * they are isolated too; a handler strand does not. */
			if (t->primary)
				brt__events_enable(t->scope);
			brt__strand_queue(t);
			return;
		}
}

double brt__events_next(const brt_strand *s)
{
	const struct brt_events *ev = s->ev;
	double best = 0;
	for (int i = 0; ev && i < ev->nalarms; i++) {
		const struct brt_ev_alarm *al = &ev->alarms[i];
		if (al->timer && (best == 0 || al->deadline < best))
			best = al->deadline;
	}
	return best;
}

int brt__events_armed(const brt_strand *s)
{
	const struct brt_events *ev = s->ev;
	int n = 0;
	for (int i = 0; ev && i < ev->nalarms; i++)
		n += ev->alarms[i].timer != NULL;
	return n;
}
