/*
 * log.c — the runtime's log: one line per event on stderr.
 *
 * Each line is "HH:MM:SS.mmm NAME: message", written with a single stdio
 * call so lines from one process never interleave. brt__debug lines appear
 * only with -v. This file does not decide what to log; callers do.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "internal.h"

static void vlog(brt_runtime *rt, const char *fmt, va_list ap)
{
	char msg[2048];
	struct timeval tv;
	struct tm tm;

	vsnprintf(msg, sizeof msg, fmt, ap);
	/* One event, one line: a message with a newline would break parsers. */
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld %s: %s\n", tm.tm_hour, tm.tm_min,
		tm.tm_sec, (long)(tv.tv_usec / 1000),
		rt && rt->proc && rt->proc->name ? rt->proc->name : "bpelrt",
		msg);
}

void brt__log(brt_runtime *rt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(rt, fmt, ap);
	va_end(ap);
}

void brt__debug(brt_runtime *rt, const char *fmt, ...)
{
	va_list ap;

	if (!rt || rt->verbose <= 0)
		return;
	va_start(ap, fmt);
	vlog(rt, fmt, ap);
	va_end(ap);
}
