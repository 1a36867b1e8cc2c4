/*
 * crash.c — the crash points of crash.h, compiled only into test builds
 * (-DBRT_CRASH_POINTS). BRT_CRASH_AT=NAME[:N]: the N-th time point NAME is
 * reached the process sends itself SIGKILL, the way a power cut or the OOM
 * killer ends it: no handler runs, nothing is flushed.
 *
 * The setting is read once; the counter is process-wide state on purpose
 * (a test build only; a crash point must not need a runtime object).
 */
#include "crash.h"

#ifdef BRT_CRASH_POINTS
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	bool read;
	char name[64];
	long at, seen;
} crash;

void brt__crash_point(const char *name)
{
	if (!crash.read) {
		crash.read = true;
		const char *v = getenv("BRT_CRASH_AT");
		const char *colon = v ? strchr(v, ':') : NULL;
		size_t n = v ? (colon ? (size_t)(colon - v) : strlen(v)) : 0;
		if (n >= sizeof crash.name)
			n = 0;
		memcpy(crash.name, v ? v : "", n);
		crash.name[n] = '\0';
		crash.at = colon ? strtol(colon + 1, NULL, 10) : 1;
		if (crash.at < 1)
			crash.at = 1;
	}
	if (!crash.name[0] || strcmp(crash.name, name) != 0)
		return;
	if (++crash.seen == crash.at)
		kill(getpid(), SIGKILL);
}
#else
/* ISO C wants at least one declaration in a translation unit. */
typedef int brt__crash_points_off;
#endif
