/*
 * skip.h — a unit test that cannot run here (no ../shared corpus, no
 * libbpelrt.a) says so instead of passing quietly: the reason goes to
 * stderr and, when the Makefile names one in BPELC_SKIP_LOG, to that file,
 * which `make unit` and `make check` print in their summary. Under CI=true a
 * skip is a failure: CI has everything, so a skip there hides a broken
 * setup. Header-only; it does not decide what to skip.
 */
#ifndef TEST_SKIP_H
#define TEST_SKIP_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void test_skip(const char *test, const char *why)
{
	fprintf(stderr, "%s: SKIPPED, %s\n", test, why);
	const char *log = getenv("BPELC_SKIP_LOG");
	FILE *f = log && *log ? fopen(log, "a") : NULL;
	if (f) {
		fprintf(f, "%s: %s\n", test, why);
		fclose(f);
	}
	const char *ci = getenv("CI");
	if (ci && strcmp(ci, "true") == 0)
		ck_abort_msg("%s: skipped under CI=true: %s", test, why);
}

#endif
