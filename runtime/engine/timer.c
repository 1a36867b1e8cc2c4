/*
 * timer.c — <wait for|until> (semantics.md §7): the expression's string is
 * turned into seconds by libexslt's date:seconds() (xs:duration for `for`,
 * xs:date/xs:dateTime for `until`) on the engine's private XPath context,
 * never by a hand-written parser; then a libevent timer re-queues the
 * strand. Termination frees the timer with the strand (sched.c).
 *
 * Every timer of the engine (wait, pick's onAlarm, event handlers'
 * onAlarm) is armed with brt__timer_add and freed with brt__timer_free,
 * and every "now" is brt__clock: in test mode (rt->test) both go to the
 * virtual clock, so a wait of three days is reached by advancing it.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "engine.h"

double brt__now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double brt__clock(brt_runtime *rt)
{
	return rt->test ? rt->test->now(rt) : brt__now();
}

int brt__timer_add(brt_runtime *rt, struct event *ev, double deadline)
{
	if (rt->test)
		return rt->test->timer_add(rt, ev, deadline);
	double delay = deadline - brt__now();
	struct timeval tv = { 0, 0 };
	if (delay > 0) {
		if (delay > 1e9)
			delay = 1e9;
		tv.tv_sec = (time_t)delay;
		tv.tv_usec = (suseconds_t)((delay - (double)tv.tv_sec) * 1e6);
	}
	return event_add(ev, &tv) == 0 ? 0 : BRT_ENOMEM;
}

double brt__instance_next_deadline(const brt_instance *in)
{
	double best = 0;
	for (const brt_strand *s = in->strands_head; s; s = s->next) {
		double d[3] = { 0, 0, 0 };
		int state;
		if (s->wait == BRT_W_TIMER)
			d[0] = s->deadline;
		if (s->wait == BRT_W_PICK && !brt__pick_alarm(s, &state, &d[1]))
			d[1] = 0;
		if (s->ev)
			d[2] = brt__events_next(s);
		for (int i = 0; i < 3; i++)
			if (d[i] > 0 && (best == 0 || d[i] < best))
				best = d[i];
	}
	return best;
}

void brt__timer_free(brt_runtime *rt, struct event *ev)
{
	if (!ev)
		return;
	if (rt->test)
		rt->test->timer_del(rt, ev);
	event_free(ev);
}

static double xpath_number(struct brt_engine *e, const char *expr)
{
	xmlXPathObjectPtr o =
		xmlXPathEvalExpression(BAD_CAST expr, e->date_ctx);
	double v = NAN;
	if (o && o->type == XPATH_NUMBER)
		v = o->floatval;
	xmlXPathFreeObject(o);
	return v;
}

/* The absolute deadline (seconds since the epoch) of a `for` duration or an
 * `until` date/dateTime, or a negative BRT_E* when `text` is not one. */
int brt__wait_deadline(brt_runtime *rt, const char *text, bool is_until,
		       double *deadline)
{
	struct brt_engine *e = rt->engine;
	char expr[512], v[256];
	size_t len;

	while (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r')
		text++;
	len = strlen(text);
	while (len > 0 && strchr(" \t\r\n", text[len - 1]))
		len--;
	if (len == 0 || len >= sizeof v)
		return BRT_EINVAL;
	memcpy(v, text, len);
	v[len] = '\0';
	if (strpbrk(v, "'\"<&"))
		return BRT_EINVAL;
	/* date:seconds() takes both kinds; the leading P tells them apart. */
	bool is_duration = v[0] == 'P' || (v[0] == '-' && v[1] == 'P');
	if (is_duration == is_until)
		return BRT_EINVAL;

	snprintf(expr, sizeof expr, "date:seconds('%s')", v);
	double secs = xpath_number(e, expr);
	if (is_until) {
		if (isnan(secs))
			return BRT_EINVAL;
		*deadline = secs;
		return 0;
	}
	if (isnan(secs)) {
		/* Durations with months or years have no fixed length: add
		 * them to the current date instead. */
		snprintf(expr, sizeof expr,
			 "date:seconds(date:add(date:date-time(), '%s'))"
			 " - date:seconds(date:date-time())",
			 v);
		secs = xpath_number(e, expr);
		if (isnan(secs))
			return BRT_EINVAL;
	}
	*deadline = brt__clock(rt) + secs;
	return 0;
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	brt_strand *s = arg;
	(void)fd;
	(void)what;
	brt__timer_free(s->in->rt, s->timer);
	s->timer = NULL;
	brt__strand_queue(s);
}

int brt__timer_arm(brt_strand *s, double deadline)
{
	brt_runtime *rt = s->in->rt;

	brt__timer_free(rt, s->timer);
	s->timer = event_new(rt->base, -1, 0, timer_cb, s);
	if (!s->timer || brt__timer_add(rt, s->timer, deadline) != 0) {
		brt__timer_free(rt, s->timer);
		s->timer = NULL;
		return BRT_ENOMEM;
	}
	s->deadline = deadline;
	s->wait = BRT_W_TIMER;
	return 0;
}

enum brt_step brt_wait(brt_strand *s, int expr, bool is_until)
{
	double deadline;
	char *text = brt__eval_string(s, expr);
	if (!text)
		return BRT_STEP_FAULT;
	int err = brt__wait_deadline(s->in->rt, text, is_until, &deadline);
	if (err != 0) {
		char why[300];
		snprintf(why, sizeof why, "<wait %s> '%.200s' is not %s",
			 is_until ? "until" : "for", text,
			 is_until ? "a date or dateTime" : "a duration");
		free(text);
		return brt__std_fault(s, "invalidExpressionValue", why);
	}
	free(text);
	if (deadline <= brt__clock(s->in->rt))
		return BRT_STEP_NEXT;
	if (brt__timer_arm(s, deadline) != 0)
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "cannot arm a timer");
	return BRT_STEP_WAIT;
}

void brt__timer_defer(struct event *ev)
{
	struct timeval tv = { 0, 200000 };
	if (ev)
		event_add(ev, &tv);
}
