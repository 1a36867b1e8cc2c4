/*
 * failalloc.h — a failing allocator for tests (Lua's ltests.h, SQLite's
 * malloc tests): fail the n-th allocation from now, once, then go on.
 * The test binaries are linked with -Wl,--wrap for malloc, calloc,
 * realloc, strdup, strndup and free, so every allocation of the code under test
 * (the compiler and libbpelrt objects linked in) passes here; libxml2's
 * own allocations come here too (xmlMemSetup, on first use) and fail as
 * well in plain builds. Disarmed, every call goes straight to the C
 * library.
 *
 * The loop each test writes: for n = 1, 2, ...: arm(n), run the
 * operation, disarm; the operation must end with its result or a clean
 * error (and, under ASan, no leak); the loop stops at the first n the
 * operation no longer reaches (failalloc_disarm returns false).
 */
#ifndef FAILALLOC_H
#define FAILALLOC_H

#include <stdbool.h>

/* Fail the n-th allocation from now (n >= 1), only that one. */
void failalloc_arm(long n);
/* Stop failing; true when the armed allocation was reached (and failed). */
bool failalloc_disarm(void);
/* Blocks allocated through here and not yet freed (counted whether armed
 * or not): equal before and after a whole run when the run leaked
 * nothing. Counted in sanitizer builds, where only our own allocations
 * fail (libxml2 2.9 leaks on some of its own out-of-memory paths); 0 in
 * plain builds, where libxml2's allocations fail too. */
long failalloc_live(void);
/* Whether libxml2's allocations fail too (plain builds): then a loop over
 * a data operation reaches many more allocations. */
bool failalloc_xml(void);

#endif
