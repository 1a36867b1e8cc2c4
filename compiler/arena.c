/*
 * arena.c — the compilation's bump allocator (see arena.h).
 *
 * Memory comes in chunks that are freed together by arena_free; nothing is
 * ever freed one object at a time. Large requests get their own chunk so a
 * big string does not waste the rest of a normal chunk. This file does not
 * know about the model; it only hands out zeroed, aligned bytes.
 */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 65536
#define ARENA_ALIGN (sizeof(max_align_t))

struct arena_chunk {
	struct arena_chunk *next;
	size_t used;
	size_t cap;
	max_align_t data[]; /* aligned start */
};

struct arena {
	struct arena_chunk *head;
};

void arena_oom(void)
{
	fputs("bpelc: out of memory\n", stderr);
	exit(2);
}

struct arena *arena_new(void)
{
	struct arena *a = calloc(1, sizeof(*a));
	if (!a)
		arena_oom();
	return a;
}

void arena_free(struct arena *a)
{
	if (!a)
		return;
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	free(a);
}

static struct arena_chunk *arena_chunk_new(size_t cap)
{
	struct arena_chunk *c = malloc(sizeof(*c) + cap);
	if (!c)
		arena_oom();
	c->next = NULL;
	c->used = 0;
	c->cap = cap;
	return c;
}

void *arena_alloc(struct arena *a, size_t size)
{
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ARENA_ALIGN)
		arena_oom();
	size = (size + ARENA_ALIGN - 1) / ARENA_ALIGN * ARENA_ALIGN;
	struct arena_chunk *c = a->head;
	if (size > ARENA_CHUNK / 4) {
		/* A private chunk, linked behind the current one so the
		 * current chunk's free space stays usable. */
		struct arena_chunk *big = arena_chunk_new(size);
		big->used = size;
		if (c) {
			big->next = c->next;
			c->next = big;
		} else {
			a->head = big;
		}
		memset(big->data, 0, size);
		return big->data;
	}
	if (!c || c->cap - c->used < size) {
		c = arena_chunk_new(ARENA_CHUNK);
		c->next = a->head;
		a->head = c;
	}
	void *p = (char *)c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	if (!s)
		return NULL;
	return arena_strndup(a, s, strlen(s));
}

char *arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		arena_oom();
	char *p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
