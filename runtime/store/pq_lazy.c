/*
 * pq_lazy.c — opens libpq with dlopen the first time the PostgreSQL store
 * needs it and fills the table pq_lazy.h calls through (why: pq_lazy.h).
 *
 * libpq's ABI has been libpq.so.5 since PostgreSQL 8.4; the unversioned
 * name (Debian's libpq-dev) is the fall-back. Nothing is unloaded: the
 * table stays valid for the life of the process. The event loop is single
 * threaded, so the first load needs no lock.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pq_lazy.h"

static struct brt_pq table;
static int state; /* 0 not tried, 1 loaded, -1 failed */
static char why[256];

static const char *const sonames[] = { "libpq.so.5", "libpq.so" };

int brt__pq_load(char *err, size_t errlen)
{
	if (state == 0) {
		void *h = NULL;
		for (size_t i = 0; !h && i < sizeof sonames / sizeof *sonames;
		     i++)
			h = dlopen(sonames[i], RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			const char *e = dlerror();
			snprintf(why, sizeof why,
				 "the PostgreSQL store needs libpq (%s): %s",
				 sonames[0], e ? e : "not found");
			state = -1;
		} else {
			state = 1;
			/* POSIX's way to store a dlsym result in a
			 * function pointer (ISO C has no conversion). */
#define BRT_PQ_BIND(name)                                                 \
	if (state == 1) {                                                 \
		*(void **)(&table.f_##name) = dlsym(h, #name);            \
		if (!table.f_##name) {                                    \
			snprintf(why, sizeof why,                         \
				 "libpq (%s) has no %s: too old a libpq", \
				 sonames[0], #name);                      \
			state = -1;                                       \
		}                                                         \
	}
			BRT_PQ_FUNCS(BRT_PQ_BIND)
#undef BRT_PQ_BIND
		}
	}
	if (state < 0 && err && errlen)
		snprintf(err, errlen, "%s", why);
	return state > 0 ? 0 : -1;
}

const struct brt_pq *brt__pq(void)
{
	if (state <= 0 && brt__pq_load(NULL, 0) != 0) {
		fprintf(stderr, "%s\n", why);
		abort();
	}
	return &table;
}
