/*
 * sched.c — strands and the run queue. Runnable strands wait in a FIFO that
 * one libevent callback drains, so an event (HTTP request, curl reply,
 * timer) only queues a strand and never runs steps from inside its own
 * callback. A strand runs proc->step() until it waits, ends or faults, at
 * most STRAND_BUDGET steps in one turn (then it goes to the back of the
 * queue), and one drain runs at most DRAIN_BUDGET steps before it lets the
 * loop poll again: a tight <while> cannot starve other instances or I/O.
 *
 * Also <flow> (child strands and their join). It does not unwind faults
 * (faults.c) nor finish receives/invokes (messaging.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "engine.h"

enum { STRAND_BUDGET = 256, DRAIN_BUDGET = 4096 };

static const char *const step_names[] = { "NEXT", "WAIT", "END", "FAULT" };

/* ---- strands ------------------------------------------------------------- */

brt_strand *brt__strand_new(brt_instance *in, struct brt_scope_inst *si,
			    brt_strand *parent, int state)
{
	brt_strand *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->id = in->next_strand_id++;
	s->in = in;
	s->scope = si;
	s->parent = parent;
	s->state = state;
	s->links = parent ? parent->links : si->links;
	brt__links_ref(s->links);
	s->prev = in->strands_tail;
	if (in->strands_tail)
		in->strands_tail->next = s;
	else
		in->strands_head = s;
	in->strands_tail = s;
	si->nstrands++;
	return s;
}

static void unqueue(struct brt_engine *e, brt_strand *s)
{
	if (!s->queued)
		return;
	if (s->qprev)
		s->qprev->qnext = s->qnext;
	else
		e->q_head = s->qnext;
	if (s->qnext)
		s->qnext->qprev = s->qprev;
	else
		e->q_tail = s->qprev;
	s->qprev = s->qnext = NULL;
	s->queued = false;
	e->nqueued--;
}

static void free_recv_copy(struct brt_receive *r)
{
	if (!r)
		return;
	free((char *)r->name);
	free((char *)r->mex);
	free((char *)r->file);
	for (int i = 0; i < r->nparts; i++)
		free((char *)r->parts[i].part);
	free((void *)r->parts);
	free((void *)r->corr);
	free(r);
}

/* A pick restored by store.c: its descriptor and receives are copies. */
static void free_pick_copy(struct brt_pick *pk)
{
	if (!pk)
		return;
	for (int i = 0; i < pk->nmsgs; i++)
		free_recv_copy((struct brt_receive *)pk->msgs[i].recv);
	free((void *)pk->msgs);
	free((char *)pk->name);
	free(pk);
}

void brt__strand_free(brt_strand *s)
{
	brt_instance *in = s->in;
	struct brt_engine *e = in->rt->engine;

	unqueue(e, s);
	brt__ima_disable(&s->ima);
	brt__pick_free(s);
	brt__events_free(s);
	if (s->wait == BRT_W_COMP)
		brt__comp_strand_gone(s);
	if (s->call) {
		in->rt->proc->invoker->cancel(s->call); /* a call: an invoker */
		s->call = NULL;
	}
	if (s->timer) {
		brt__timer_free(in->rt, s->timer);
		s->timer = NULL;
	}
	/* A message handed to a receive that was terminated before it could
	 * finish is not lost: it goes back to the front of the inbox. */
	if (s->done == BRT_D_RECEIVE && s->msg) {
		struct brt_inmsg *m = calloc(1, sizeof *m);
		if (m) {
			m->plink = s->recv->plink;
			m->op = s->recv->op;
			m->msg = s->msg;
			m->req = s->req;
			m->next = in->inbox_head;
			in->inbox_head = m;
			if (!in->inbox_tail)
				in->inbox_tail = m;
			in->ninbox++;
			m->bytes = brt__msg_bytes(m->msg);
			in->inbox_bytes += m->bytes;
			s->msg = NULL;
			s->req = NULL;
		}
	}
	if (s->msg)
		xmlFreeDoc(s->msg);
	if (s->req)
		brt__request_fault(s->req, BRT_NS_BPELC, "instanceStopped",
				   NULL,
				   "the receiving activity was terminated");
	if (s->call_msg)
		xmlFreeDoc(s->call_msg);
	free(s->call_text);
	free(s->call_fault_ns);
	free(s->call_fault_local);
	free_recv_copy(s->recv_owned);
	free_pick_copy(s->pick_owned); /* after brt__pick_free above */
	brt__fault_clear(&s->fault);
	brt__foreach_free(s);
	brt__links_unref(s->links);

	if (s->prev)
		s->prev->next = s->next;
	else
		in->strands_head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		in->strands_tail = s->prev;
	s->scope->nstrands--;
	free(s);
}

void brt__strand_queue(brt_strand *s)
{
	struct brt_engine *e = s->in->rt->engine;
	if (s->queued)
		return;
	brt__persist_touch(s->in);
	s->wait = BRT_W_NONE;
	s->queued = true;
	s->qnext = NULL;
	s->qprev = e->q_tail;
	if (e->q_tail)
		e->q_tail->qnext = s;
	else
		e->q_head = s;
	e->q_tail = s;
	e->nqueued++;
	/* Inside a drain the drain itself goes on; from any other callback
	 * wake it up. */
	if (!e->draining)
		event_active(e->run_ev, EV_TIMEOUT, 1);
}

void brt__strand_end(brt_strand *s)
{
	struct brt_scope_inst *si = s->scope;
	brt_strand *parent = s->parent;
	bool primary = s->primary;

	brt__strand_free(s);
	if (primary) /* §12.7: event handlers stop with the primary activity */
		brt__events_disable(si);
	if (parent) {
		if (--parent->pending <= 0 && parent->wait == BRT_W_JOIN)
			brt__strand_queue(parent);
		return;
	}
	if (si->nstrands == 0)
		brt__scope_ended(si);
}

/* ---- running strands ----------------------------------------------------- */

static const char *state_name(const struct brt_process *p, int state, char *buf,
			      size_t len)
{
	static const char *const reserved[] = { "START", "DONE", "FAULTED" };
	if (state >= 0 && state < p->nstates && p->state_names &&
	    p->state_names[state])
		return p->state_names[state];
	if (state >= 0 && state < BRT_S_FIRST)
		return reserved[state];
	snprintf(buf, len, "%d", state);
	return buf;
}

/* The process scope's inline variable initialisers run before anything
 * else in a new instance. A failure is scopeInitializationFailure, which
 * for the process has no parent to go to: the instance ends faulted. */
static bool init_process(brt_strand *s)
{
	brt_instance *in = s->in;
	const struct brt_process *p = in->rt->proc;
	in->started = true;
	s->primary = s->scope == in->root;
	if (s->primary &&
	    (p->scopes[0].nevents > 0 || p->scopes[0].nalarms > 0))
		brt__events_enable(in->root);
	for (int i = 0; i < p->nvars; i++) {
		if (p->vars[i].scope != 0 || p->vars[i].init < 0 ||
		    p->vars[i].init >= p->nassigns)
			continue;
		if (brt_assign(s, &p->assigns[p->vars[i].init]) !=
		    BRT_STEP_FAULT)
			continue;
		struct brt_fault f = { .ns = BRT_NS_BPEL,
				       .local = "scopeInitializationFailure" };
		brt__instance_end(in, BRT_END_FAULTED, &f);
		return false;
	}
	return true;
}

static int run_steps(brt_strand *s);

/* One turn of one strand, with the log lines it makes tagged with its
 * instance, activity and trace. Returns the number of steps it ran. After
 * an END, a FAULT or an exit `s` may be gone: never touch it again. */
static int run_strand(brt_strand *s)
{
	brt_instance *in = s->in;
	brt_runtime *rt = in->rt;
	struct brt_log_ctx saved = rt->logctx;
	struct timeval tv;
	event_base_gettimeofday_cached(rt->base, &tv);
	in->t_active = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
	rt->logctx.instance = in->id;
	rt->logctx.state = s->state;
	rt->logctx.trace = in->trace;
	int n = run_steps(s);
	rt->logctx = saved;
	return n;
}

static int run_steps(brt_strand *s)
{
	brt_instance *in = s->in;
	brt_runtime *rt = in->rt;
	const struct brt_process *p = rt->proc;
	enum brt_step r;
	int n;

	brt__persist_touch(in); /* it changes: written at the pass's end */
	if (!in->started && !init_process(s))
		return 1;
	if (s->done == BRT_D_FAULT) { /* from a compensation handler */
		s->done = BRT_D_NONE;
		brt__fault_handle(s);
		return 1;
	}
	if (s->done != BRT_D_NONE) {
		enum brt_done d = s->done;
		r = d == BRT_D_RECEIVE ? brt__receive_finish(s)
				       : brt__invoke_finish(s);
		if (r == BRT_STEP_FAULT) {
			brt__fault_handle(s);
			return 1;
		}
	}
	for (n = 0;; n++) {
		if (s->state == BRT_S_DONE) {
			brt__strand_end(s);
			return n;
		}
		if (NEVER(s->state == BRT_S_FAULTED)) {
			brt__bug(s, "strand resumed in FAULTED state");
			brt__fault_handle(s);
			return n;
		}
		if (n >= STRAND_BUDGET) {
			brt__strand_queue(s);
			return n;
		}
		int from = s->state;
		s->at = from;
		rt->logctx.state = from;
		r = s->state < 0 ? brt__internal_step(s) : p->step(s);
		if (p->ode)
			brt__data_step_done(rt);
		if (rt->verbose || rt->log_level >= BRT_LOG_DEBUG) {
			char b1[24], b2[24];
			brt__debug(
				rt, "instance %lu strand %lu %s -> %s", in->id,
				s->id, state_name(p, from, b1, sizeof b1),
				r == BRT_STEP_NEXT
					? state_name(p, s->state, b2, sizeof b2)
					: step_names[r]);
		}
		if (in->exiting) {
			brt__instance_end(in, BRT_END_EXITED, NULL);
			return n + 1;
		}
		switch (r) {
		case BRT_STEP_NEXT:
			break;
		case BRT_STEP_WAIT:
			if (NEVER(s->wait == BRT_W_NONE && !s->queued))
				brt__log(rt,
					 "instance %lu strand %lu: waits "
					 "for nothing in state %d (bug)",
					 in->id, s->id, s->state);
			return n + 1;
		case BRT_STEP_END:
			brt__strand_end(s);
			return n + 1;
		case BRT_STEP_FAULT:
		default:
			brt__fault_handle(s);
			return n + 1;
		}
	}
}

static void drain(struct brt_engine *e)
{
	int budget = DRAIN_BUDGET;
	/* Start-up recovery is under way (persist.c): what is queued waits
	 * for its end, brt__engine_recovered. */
	if (e->recovering)
		return;
	e->draining = true;
	while (e->q_head && budget > 0) {
		brt_strand *s = e->q_head;
		unqueue(e, s);
		if (s->in->suspended) {
			/* inspect.c: resumed, it is queued again. */
			s->held = true;
			continue;
		}
		budget -= run_strand(s);
	}
	e->draining = false;
	if (e->q_head) {
		/* Let the loop poll before the next round (a zero timeout runs
		 * after I/O, unlike event_active). */
		struct timeval tv = { 0, 0 };
		event_add(e->run_ev, &tv);
	}
}

static void drain_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	drain(arg);
}

void brt__engine_run(brt_runtime *rt)
{
	while (rt->engine && rt->engine->q_head && !rt->engine->recovering)
		drain(rt->engine);
}

void brt__engine_recovered(brt_runtime *rt)
{
	struct brt_engine *e = rt->engine;
	if (!e)
		return;
	e->recovering = false;
	if (e->q_head)
		event_active(e->run_ev, EV_TIMEOUT, 1);
}

bool brt__engine_busy(const brt_runtime *rt)
{
	return rt->engine && rt->engine->q_head != NULL;
}

int brt__sched_init(struct brt_engine *e)
{
	e->run_ev = event_new(e->rt->base, -1, 0, drain_cb, e);
	return e->run_ev ? 0 : BRT_ENOMEM;
}

void brt__sched_free(struct brt_engine *e)
{
	if (e->run_ev)
		event_free(e->run_ev);
	e->run_ev = NULL;
}

/* ---- activities the scheduler owns --------------------------------------- */

enum brt_step brt__bug(brt_strand *s, const char *what)
{
	brt__log(s->in->rt, "instance %lu strand %lu: %s (bug)", s->in->id,
		 s->id, what);
	return brt__fault(s, BRT_NS_BPELC, "internalError", NULL, what);
}

enum brt_step brt_strand_bad_state(brt_strand *s)
{
	(void)NEVER(true); /* every state the compiler made has a step */
	char what[64];
	snprintf(what, sizeof what, "no step for state %d", s->state);
	return brt__bug(s, what);
}

enum brt_step brt__flow_start(brt_strand *s, int n, const int *states,
			      struct brt_link_frame *f)
{
	brt_strand *kids[n];
	for (int i = 0; i < n; i++) {
		kids[i] = brt__strand_new(s->in, s->scope, s, states[i]);
		if (!kids[i]) {
			while (i-- > 0)
				brt__strand_free(kids[i]);
			return brt__fault(s, BRT_NS_BPELC, "internalError",
					  NULL, "out of memory");
		}
		if (f) {
			brt__links_unref(kids[i]->links);
			kids[i]->links = f;
			brt__links_ref(f);
		}
	}
	s->pending = n;
	for (int i = 0; i < n; i++)
		brt__strand_queue(kids[i]);
	s->wait = BRT_W_JOIN;
	return BRT_STEP_WAIT;
}

enum brt_step brt_flow(brt_strand *s, int n, const int *states)
{
	if (n <= 0)
		return BRT_STEP_NEXT;
	return brt__flow_start(s, n, states, NULL);
}
