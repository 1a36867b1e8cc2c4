/*
 * pass.c — "later in this loop pass": a callback that runs once after the
 * work the current pass of the event loop has queued, strands included.
 *
 * Used for work worth batching per pass: writing the log buffer (one
 * write(2) for all lines of a pass) and watching the sockets of requests
 * still unanswered once their strands have run (most are answered within
 * the pass, and need no watch at all). libevent 2.1 has no "prepare" or
 * "check" watchers; an active event queued behind the pass's other active
 * events does the same, and it waits one more turn if the run queue still
 * holds strands when it comes up.
 */
#include <event2/event.h>

#include "internal.h"

static void pass_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct brt_pass *pc = arg;
	if (!pc->deferred && brt__engine_busy(pc->rt)) {
		pc->deferred = true;
		event_active(pc->ev, EV_TIMEOUT, 1);
		return;
	}
	pc->deferred = false;
	pc->pending = false;
	pc->fn(pc->arg);
}

int brt__pass_init(struct brt_pass *pc, brt_runtime *rt, void (*fn)(void *),
		   void *arg)
{
	pc->rt = rt;
	pc->fn = fn;
	pc->arg = arg;
	pc->pending = pc->deferred = false;
	pc->ev = rt->base ? event_new(rt->base, -1, 0, pass_cb, pc) : NULL;
	return pc->ev ? 0 : BRT_ENOMEM;
}

void brt__pass_request(struct brt_pass *pc)
{
	if (pc->pending || !pc->ev)
		return;
	pc->pending = true;
	event_active(pc->ev, EV_TIMEOUT, 1);
}

void brt__pass_free(struct brt_pass *pc)
{
	if (pc->ev)
		event_free(pc->ev);
	pc->ev = NULL;
	pc->pending = false;
}
