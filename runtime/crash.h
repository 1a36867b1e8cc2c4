/*
 * crash.h — named crash points for the crash tests (tests/crash/). Only a
 * test build has them: `make BUILD=build/crash CRASH=1` defines
 * BRT_CRASH_POINTS for libbpelrt and for the services bpelc builds. There
 * a service reads BRT_CRASH_AT=NAME[:N] and SIGKILLs itself the N-th time
 * (default 1) it reaches point NAME. Elsewhere BRT_CRASH_POINT is nothing.
 *
 * Points: "mid-commit" (a batch's rows written, before COMMIT),
 * "commit-unflushed" (SQLite's COMMIT done, its log frames not yet
 * written out: store/walbuf.c), "after-commit" (after COMMIT, before
 * anything held is released: replies, 202s, calls), "invoke-started" (an outbound request has been handed to
 * the partner, its answer not yet received).
 */
#ifndef BRT_CRASH_H
#define BRT_CRASH_H

#include <stdbool.h>

#ifdef BRT_CRASH_POINTS
void brt__crash_point(const char *name);
#define BRT_CRASH_POINT(name) brt__crash_point(name)
#else
#define BRT_CRASH_POINT(name) ((void)0)
#endif

#endif /* BRT_CRASH_H */
