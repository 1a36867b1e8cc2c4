/*
 * trim.c — give memory back to the system after many instances ended.
 *
 * glibc keeps freed memory for reuse: once a million waiting instances
 * have completed the heap is nearly empty, but the process's resident
 * size stays where it peaked. malloc_trim(0) returns the free pages. It
 * walks the heap's free chunks, so it runs only after a big drop: the
 * number of live instances fell to half of its peak (a peak of at least
 * TRIM_MIN_PEAK), checked TRIM_DELAY_MS after the instance end that
 * crossed the line, so a burst of completions costs one trim. Steady
 * traffic (instances made and ended at the same rate) never trims.
 *
 * Only with glibc (malloc_trim is not standard); elsewhere this does
 * nothing. Not here: counting instances (instance.c calls brt__trim_note).
 */
#include <stdlib.h>

#include <event2/event.h>

#if defined(__GLIBC__)
#include <malloc.h>
#define HAVE_MALLOC_TRIM 1
#endif

#include "internal.h"

enum { TRIM_MIN_PEAK = 1024, TRIM_DELAY_MS = 50 };

struct brt_trim {
	brt_runtime *rt;
	struct event *ev;
	bool armed;
	int peak; /* most live instances since the last trim */
	int live; /* live instances at the last note */
	unsigned long ntrims;
};

static bool worth_it(const struct brt_trim *t)
{
	return t->peak >= TRIM_MIN_PEAK && t->live <= t->peak / 2;
}

static void on_trim(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct brt_trim *t = arg;
	t->armed = false;
	if (!worth_it(t))
		return;
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
	t->ntrims++;
	brt__debug(t->rt, "memory trimmed: %d live instances, peak %d", t->live,
		   t->peak);
	t->peak = t->live;
}

int brt__trim_init(brt_runtime *rt)
{
	struct brt_trim *t = calloc(1, sizeof *t);
	if (!t)
		return BRT_ENOMEM;
	t->rt = rt;
	t->ev = rt->base ? evtimer_new(rt->base, on_trim, t) : NULL;
	if (!t->ev) {
		free(t);
		return BRT_ENOMEM;
	}
	rt->trim = t;
	return 0;
}

void brt__trim_note(brt_runtime *rt, int live_before_end)
{
	struct brt_trim *t = rt->trim;
	if (!t)
		return;
	if (live_before_end > t->peak)
		t->peak = live_before_end;
	t->live = live_before_end - 1;
	if (t->armed || !worth_it(t))
		return;
	struct timeval tv = { 0, TRIM_DELAY_MS * 1000 };
	if (evtimer_add(t->ev, &tv) == 0)
		t->armed = true;
}

unsigned long brt__trim_count(const brt_runtime *rt)
{
	return rt && rt->trim ? rt->trim->ntrims : 0;
}

void brt__trim_free(brt_runtime *rt)
{
	struct brt_trim *t = rt ? rt->trim : NULL;
	if (!t)
		return;
	event_free(t->ev);
	free(t);
	rt->trim = NULL;
}
