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

#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void __real_free(void *p);
void __wrap_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

/* libxml2 2.9 leaks on some of its own out-of-memory paths
 * (xmlStaticCopyNodeList drops the siblings it had copied), so where
 * leaks are checked (AddressSanitizer) only our own allocations fail and
 * failalloc_live counts every block; elsewhere libxml2's fail too, which
 * finds the results it cuts short, and failalloc_live says nothing. */
#ifdef __SANITIZE_ADDRESS__
#define FAIL_XML false
#else
#define FAIL_XML true
#endif

static long countdown; /* > 0: armed, the countdown-th call fails */
static bool reached;
static long live; /* blocks allocated here minus blocks freed */

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
	void *p = fail_now() ? NULL : __real_malloc(n);
	live += p != NULL;
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p = fail_now() ? NULL : __real_calloc(n, size);
	live += p != NULL;
	return p;
}

void *__wrap_realloc(void *p, size_t n)
{
	void *q = fail_now() ? NULL : __real_realloc(p, n);
	live += p == NULL && q != NULL;
	return q;
}

char *__wrap_strdup(const char *s)
{
	char *p = fail_now() ? NULL : __real_strdup(s);
	live += p != NULL;
	return p;
}

char *__wrap_strndup(const char *s, size_t n)
{
	char *p = fail_now() ? NULL : __real_strndup(s, n);
	live += p != NULL;
	return p;
}

void __wrap_free(void *p)
{
	live -= p != NULL;
	__real_free(p);
}

/* libxml2's hooks: the same counters. */
static void xml_free(void *p)
{
	__wrap_free(p);
}

static void *xml_malloc(size_t n)
{
	void *p = FAIL_XML && fail_now() ? NULL : __real_malloc(n);
	live += p != NULL;
	return p;
}

static void *xml_realloc(void *p, size_t n)
{
	void *q = FAIL_XML && fail_now() ? NULL : __real_realloc(p, n);
	live += p == NULL && q != NULL;
	return q;
}

static char *xml_strdup(const char *s)
{
	char *p = FAIL_XML && fail_now() ? NULL : __real_strdup(s);
	live += p != NULL;
	return p;
}

/* Route libxml2's allocations here, once, before the first count. */
static void hook(void)
{
	static bool hooked;
	if (hooked)
		return;
	/* Blocks from before and after share the C library's heap, so
	 * libxml2 may free what it got before the hook. */
	xmlMemSetup(xml_free, xml_malloc, xml_realloc, xml_strdup);
	hooked = true;
}

void failalloc_arm(long n)
{
	hook();
	reached = false;
	countdown = n > 0 ? n : 0;
}

bool failalloc_disarm(void)
{
	countdown = 0;
	return reached;
}

bool failalloc_xml(void)
{
	return FAIL_XML;
}

long failalloc_live(void)
{
	hook();
	/* libxml2 keeps its last error's strings until the next error: they
	 * are its own, not a leak of the run. */
	xmlResetLastError();
	return FAIL_XML ? 0 : live;
}
