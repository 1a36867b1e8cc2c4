/*
 * pick.c — <pick> (semantics.md §7): the pick's strand enables one IMA per
 * onMessage (correl.c routes to them like to a receive) and one timer for
 * the earliest onAlarm. The first event wins: the other IMAs are disabled
 * and the timer dropped, and the strand continues at the winning branch's
 * state. A message delivered to an onMessage is finished like a receive's
 * (brt__receive_finish: exchange, correlations, variable) before the
 * branch's first step runs.
 *
 * At enablement a message already kept in the instance's inbox wins over
 * an alarm whose deadline has passed (our deterministic choice, see
 * docs/semantics-decisions.md); among kept messages the oldest wins.
 *
 * The pick's state (struct brt_pick_run) belongs to the strand while it
 * waits and goes when the first event comes, or with the strand
 * (brt__pick_free from sched.c), so termination withdraws the IMAs and
 * the timer.
 * Not here: routing messages to the IMAs (correl.c), timers (timer.c),
 * onEvent/onAlarm event handlers of scopes (events.c).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "engine.h"

struct brt_pick_run {
	const struct brt_pick *pk;
	brt_strand *s;
	struct event *timer;
	int alarm_state;
	double deadline; /* the armed onAlarm's (store.c) */
	int n;
	struct brt_ima *imas; /* pk->nmsgs */
};

static void run_disable(struct brt_pick_run *run)
{
	for (int i = 0; i < run->n; i++)
		brt__ima_disable(&run->imas[i]);
	if (run->timer) {
		brt__timer_free(run->s->in->rt, run->timer);
		run->timer = NULL;
	}
}

void brt__pick_free(brt_strand *s)
{
	struct brt_pick_run *run = s->pick;
	if (!run)
		return;
	run_disable(run);
	free(run->imas);
	free(run);
	s->pick = NULL;
}

/* ---- saved instances (store.c) ------------------------------------------- */

const struct brt_pick *brt__pick_desc(const brt_strand *s)
{
	return s->pick ? s->pick->pk : NULL;
}

bool brt__pick_alarm(const brt_strand *s, int *state, double *deadline)
{
	const struct brt_pick_run *run = s->pick;
	if (!run || !run->timer)
		return false;
	*state = run->alarm_state;
	*deadline = run->deadline;
	return true;
}

struct brt_ima *brt__pick_ima(brt_strand *s, int i)
{
	struct brt_pick_run *run = s->pick;
	return run && i >= 0 && i < run->n ? &run->imas[i] : NULL;
}

static void pick_timer_cb(evutil_socket_t fd, short what, void *arg);
static struct brt_pick_run *run_new(brt_strand *s, const struct brt_pick *pk);
static int arm_alarm(struct brt_pick_run *run, int state, double deadline);

int brt__pick_restore(brt_strand *s, const struct brt_pick *pk, bool armed,
		      int alarm_state, double deadline)
{
	brt__pick_free(s);
	struct brt_pick_run *run = run_new(s, pk);
	if (!run)
		return BRT_ENOMEM;
	s->pick = run;
	if (armed && arm_alarm(run, alarm_state, deadline) != 0) {
		brt__pick_free(s);
		return BRT_ENOMEM;
	}
	s->wait = BRT_W_PICK;
	return 0;
}

/* Routing chose onMessage `ima` (inside an HTTP callback: record, queue). */
static void pick_deliver(struct brt_ima *ima, xmlDocPtr msg, brt_request *req,
			 const char *fault)
{
	struct brt_pick_run *run = ima->arg;
	brt_strand *s = run->s;
	int i = (int)(ima - run->imas);

	s->recv = run->pk->msgs[i].recv;
	s->state = run->pk->msgs[i].state;
	s->done = BRT_D_RECEIVE;
	s->msg = msg;
	s->req = req;
	s->recv_fault = fault;
	/* Routing is done with `ima` once this returns: the run can go. */
	brt__pick_free(s);
	brt__strand_queue(s);
}

static void pick_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct brt_pick_run *run = arg;
	brt_strand *s = run->s;
	(void)fd;
	(void)what;
	if (s->in->suspended) { /* the alarm waits for the resume */
		brt__timer_defer(run->timer);
		return;
	}
	s->state = run->alarm_state;
	brt__pick_free(s); /* frees this (fired, non-persistent) event too */
	brt__strand_queue(s);
}

/* The earliest onAlarm deadline: *best its index, -1 for none. */
static enum brt_step alarms(brt_strand *s, const struct brt_pick *pk, int *best,
			    double *deadline)
{
	*best = -1;
	for (int i = 0; i < pk->nalarms; i++) {
		const struct brt_on_alarm *a = &pk->alarms[i];
		if (a->expr < 0)
			continue;
		char *text = brt__eval_string(s, a->expr);
		if (!text)
			return BRT_STEP_FAULT;
		double d;
		if (brt__wait_deadline(s->in->rt, text, a->is_until, &d) != 0) {
			char why[300];
			snprintf(why, sizeof why,
				 "<onAlarm %s> '%.200s' is not %s",
				 a->is_until ? "until" : "for", text,
				 a->is_until ? "a date or dateTime"
					     : "a duration");
			free(text);
			return brt__std_fault(s, "invalidExpressionValue", why);
		}
		free(text);
		if (*best < 0 || d < *deadline) {
			*best = i;
			*deadline = d;
		}
	}
	return BRT_STEP_NEXT;
}

enum brt_step brt_pick(brt_strand *s, const struct brt_pick *pk)
{
	brt_instance *in = s->in;
	int n = pk->nmsgs;
	char why[300];

	brt__pick_free(s);
	for (int i = 0; i < n; i++) {
		const struct brt_receive *r = pk->msgs[i].recv;
		if (!r->create_instance &&
		    brt__ima_violation(s, r, why, sizeof why))
			return brt__std_fault(s, "correlationViolation", why);
	}
	struct brt_pick_run *run = run_new(s, pk);
	struct brt_ima **ptrs = calloc((size_t)(n ? n : 1), sizeof *ptrs);
	if (!run || !ptrs) {
		if (run)
			free(run->imas);
		free(run);
		free(ptrs);
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	}
	for (int i = 0; i < n; i++)
		ptrs[i] = &run->imas[i];
	s->pick = run;

	int which = -1;
	struct brt_inmsg *m = brt__inbox_take(in, ptrs, n, &which);
	free(ptrs);
	if (m) {
		brt__pick_free(s);
		s->recv = pk->msgs[which].recv;
		s->state = pk->msgs[which].state;
		s->msg = m->msg;
		s->req = m->req;
		s->recv_fault = NULL;
		free(m);
		return brt__receive_finish(s);
	}

	int best;
	double deadline = 0;
	enum brt_step r = alarms(s, pk, &best, &deadline);
	if (r != BRT_STEP_NEXT) {
		brt__pick_free(s);
		return r;
	}
	if (best >= 0 && deadline <= brt__clock(s->in->rt)) {
		brt__pick_free(s);
		s->state = pk->alarms[best].state;
		return BRT_STEP_NEXT;
	}
	for (int i = 0; i < n; i++)
		if (brt__ima_enable(&run->imas[i]) != 0) {
			brt__pick_free(s);
			return brt__fault(s, BRT_NS_BPELC, "internalError",
					  NULL, "out of memory");
		}
	if (best >= 0 &&
	    arm_alarm(run, pk->alarms[best].state, deadline) != 0) {
		brt__pick_free(s);
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "cannot arm a timer");
	}
	s->wait = BRT_W_PICK;
	return BRT_STEP_WAIT;
}

/* A run of pick pk for s, its onMessage IMAs set up, none enabled. */
static struct brt_pick_run *run_new(brt_strand *s, const struct brt_pick *pk)
{
	int n = pk->nmsgs;
	struct brt_pick_run *run = calloc(1, sizeof *run);
	if (run)
		run->imas = calloc((size_t)(n ? n : 1), sizeof *run->imas);
	if (!run || !run->imas) {
		free(run);
		return NULL;
	}
	run->pk = pk;
	run->s = s;
	run->n = n;
	for (int i = 0; i < n; i++) {
		run->imas[i].s = s;
		run->imas[i].r = pk->msgs[i].recv;
		run->imas[i].deliver = pick_deliver;
		run->imas[i].arg = run;
	}
	return run;
}

/* The onAlarm that fires at `deadline` (at once when past): the strand
 * continues at `state`. */
static int arm_alarm(struct brt_pick_run *run, int state, double deadline)
{
	brt_runtime *rt = run->s->in->rt;
	run->alarm_state = state;
	run->deadline = deadline;
	run->timer = event_new(rt->base, -1, 0, pick_timer_cb, run);
	if (!run->timer || brt__timer_add(rt, run->timer, deadline) != 0) {
		brt__timer_free(rt, run->timer);
		run->timer = NULL;
		return BRT_ENOMEM;
	}
	return 0;
}
