/*
 * failalloc.c — the failing allocator of failalloc.h: the --wrap
 * targets of the test binaries and the libxml2 hooks. Counting and
 * failing happen only while armed; this file does not decide what a test
 * checks.
 */
#include "failalloc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <execinfo.h>
#include <stdio.h>
#include <unistd.h>

#include <libxml/xmlmemory.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static long countdown; /* > 0: armed, the countdown-th call fails */
static bool reached;

/* Whether this allocation is the one to fail. */
static bool fail_now(void)
{
	if (countdown <= 0)
		return false;
	if (--countdown > 0)
		return false;
	reached = true;
	/* FAILALLOC_TRACE=1: where the failure was injected, to find the
	 * caller that did not handle it. */
	if (getenv("FAILALLOC_TRACE")) {
		void *pc[32];
		int n = backtrace(pc, 32);
		fputs("failalloc: failing this allocation:\n", stderr);
		backtrace_symbols_fd(pc, n, STDERR_FILENO);
	}
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return fail_now() ? NULL : __real_strndup(s, n);
}

/* libxml2's hooks: the same counter (free needs no wrapping). */
static void *xml_malloc(size_t n)
{
	return __wrap_malloc(n);
}

static void *xml_realloc(void *p, size_t n)
{
	return __wrap_realloc(p, n);
}

static char *xml_strdup(const char *s)
{
	return __wrap_strdup(s);
}

void failalloc_arm(long n)
{
	static bool hooked;
	if (!hooked) {
		/* Blocks from before and after share the C library's heap,
		 * so libxml2 may free what it got before the hook. */
		xmlMemSetup(free, xml_malloc, xml_realloc, xml_strdup);
		hooked = true;
	}
	reached = false;
	countdown = n > 0 ? n : 0;
}

bool failalloc_disarm(void)
{
	countdown = 0;
	return reached;
}
