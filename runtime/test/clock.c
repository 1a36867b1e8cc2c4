/*
 * clock.c — the virtual clock of test mode (docs/testing.md): brt__clock
 * reads t->now, and brt__timer_add files the event in a table instead of
 * arming it in libevent, so no timer ever fires by itself. Advancing the
 * clock activates the due events one at a time in deadline order (ties:
 * the order they were armed) and runs what they queued before the next,
 * so a run is the same every time and a three-day wait takes no time.
 *
 * Not here: when a case advances (run.c).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "testmode.h"

static double now(brt_runtime *rt)
{
	const struct tmode *t = rt->test_ctx;
	return t->now;
}

static void forget(struct tmode *t, struct event *ev)
{
	for (int i = 0; i < t->ntimers; i++)
		if (t->timers[i].ev == ev) {
			t->timers[i] = t->timers[--t->ntimers];
			return;
		}
}

static int timer_add(brt_runtime *rt, struct event *ev, double deadline)
{
	struct tmode *t = rt->test_ctx;
	forget(t, ev);
	if (t->ntimers == t->ctimers) {
		int c = t->ctimers ? t->ctimers * 2 : 16;
		struct tm_timer *n = realloc(t->timers, (size_t)c * sizeof *n);
		if (!n)
			return BRT_ENOMEM;
		t->timers = n;
		t->ctimers = c;
	}
	t->timers[t->ntimers++] =
		(struct tm_timer){ ev, deadline, ++t->timer_seq };
	return 0;
}

static void timer_del(brt_runtime *rt, struct event *ev)
{
	forget(rt->test_ctx, ev);
}

static void link_set(brt_runtime *rt, int link, bool value)
{
	struct tmode *t = rt->test_ctx;
	if (link >= 0 && link < t->nlinks)
		t->link_hits[2 * link + (value ? 1 : 0)]++;
}

static void instance_end(brt_instance *in, int end, const char *fault_ns,
			 const char *fault_local);

const struct brt_test_hooks tm_hooks = {
	.now = now,
	.timer_add = timer_add,
	.timer_del = timer_del,
	.link_set = link_set,
	.instance_end = instance_end,
	.foreach_note = tm_foreach_note,
};

/* Keep what a case may ask about an instance once it is gone: how it
 * ended, where it faulted, its process variables. */
static void instance_end(brt_instance *in, int end, const char *fault_ns,
			 const char *fault_local)
{
	struct tmode *t = in->rt->test_ctx;
	tm_note_instances(t);
	for (struct tm_inst *i = t->insts; i; i = i->next) {
		if (i->id != in->id)
			continue;
		i->ended = true;
		i->end = end;
		i->fault_ns = fault_ns ? strdup(fault_ns) : NULL;
		i->fault_local = fault_local ? strdup(fault_local) : NULL;
		if (end == BRT_END_FAULTED && t->fault_state >= 0)
			i->fault_where =
				strdup(tm_state_name(t, t->fault_state));
		const struct brt_process *p = &t->proc;
		i->vars = calloc((size_t)p->nvars + 1, sizeof *i->vars);
		for (int v = 0; i->vars && v < p->nvars; v++)
			if (p->vars[v].scope == 0 && in->root &&
			    in->root->vars[p->vars[v].slot])
				i->vars[v] = xmlCopyDoc(
					in->root->vars[p->vars[v].slot], 1);
		tm_trace(t, "instance %lu %s%s%s%s%s", in->id,
			 end == BRT_END_COMPLETED ? "completed"
			 : end == BRT_END_FAULTED ? "faulted"
			 : end == BRT_END_EXITED  ? "exited"
						  : "stopped",
			 fault_local ? " with {" : "",
			 fault_local && fault_ns ? fault_ns : "",
			 fault_local ? "}" : "",
			 fault_local ? fault_local : "");
	}
}

int tm_clock_pending(const struct tmode *t)
{
	return t->ntimers;
}

void tm_settle(struct tmode *t)
{
	/* Strands queue more strands and mock results; a few quiet passes
	 * in a row mean nothing is left to run. */
	int quiet = 0;
	for (int i = 0; i < 1000000 && quiet < 2; i++) {
		event_base_loop(t->rt->base, EVLOOP_NONBLOCK);
		bool busy = brt__engine_busy(t->rt) || t->pending_mock > 0;
		quiet = busy ? 0 : quiet + 1;
	}
	tm_note_instances(t);
}

bool tm_clock_fire_next(struct tmode *t)
{
	if (t->ntimers == 0)
		return false;
	int best = 0;
	for (int i = 1; i < t->ntimers; i++) {
		const struct tm_timer *a = &t->timers[i], *b = &t->timers[best];
		if (a->deadline < b->deadline ||
		    (a->deadline == b->deadline && a->seq < b->seq))
			best = i;
	}
	struct tm_timer due = t->timers[best];
	t->timers[best] = t->timers[--t->ntimers];
	if (due.deadline > t->now)
		t->now = due.deadline;
	tm_trace(t, "clock: a timer is due");
	event_active(due.ev, EV_TIMEOUT, 1);
	tm_settle(t);
	return true;
}

void tm_clock_advance(struct tmode *t, double secs)
{
	double target = t->now + secs;
	for (;;) {
		int best = -1;
		for (int i = 0; i < t->ntimers; i++)
			if (t->timers[i].deadline <= target &&
			    (best < 0 ||
			     t->timers[i].deadline < t->timers[best].deadline ||
			     (t->timers[i].deadline ==
				      t->timers[best].deadline &&
			      t->timers[i].seq < t->timers[best].seq)))
				best = i;
		if (best < 0)
			break;
		tm_clock_fire_next(t);
	}
	if (target > t->now)
		t->now = target;
}
