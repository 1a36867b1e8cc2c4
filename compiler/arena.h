/*
 * arena.h — one arena per compilation owns the model, the IR and their
 * strings; it is freed once. Allocation failure prints "bpelc: out of
 * memory" and exits 2, so callers never check for NULL.
 */
#ifndef BPELC_ARENA_H
#define BPELC_ARENA_H

#include <stddef.h>

struct arena;

/* A new empty arena; arena_free releases it and everything allocated in
 * it (NULL is ignored). */
struct arena *arena_new(void);
/* Print "bpelc: out of memory" and exit 2: the one way the compiler
 * fails on allocation, also for memory it takes outside the arena
 * (malloc'd buffers of the driver, diagnostics, scratch arrays). */
void arena_oom(void) __attribute__((noreturn));
void arena_free(struct arena *a);
/* Zeroed memory, aligned for any type. */
void *arena_alloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s); /* NULL stays NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define ARENA_NEW(a, type) ((type *)arena_alloc((a), sizeof(type)))
#define ARENA_ARRAY(a, type, n) \
	((type *)arena_alloc((a), sizeof(type) * (size_t)(n)))

#endif
