/*
 * strbuf.c — growable malloc'd string buffer (see strbuf.h).
 *
 * Used by the emitter and the diagnostics for text that outlives no
 * compilation phase; arena strings are for the model. Allocation failure
 * exits 2 like the arena does.
 */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

static void strbuf_grow(struct strbuf *sb, size_t extra)
{
	if (sb->cap - sb->len > extra)
		return;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap - sb->len <= extra) {
		if (cap > ((size_t)-1) / 2)
			goto oom;
		cap *= 2;
	}
	char *p = realloc(sb->buf, cap);
	if (!p)
		goto oom;
	sb->buf = p;
	sb->cap = cap;
	return;
oom:
	arena_oom();
}

void strbuf_add(struct strbuf *sb, const char *s, size_t len)
{
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_puts(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_putc(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	strbuf_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

/* Escapes so the result is valid inside "..." of C source and cannot form
 * trigraphs or end the literal: \, ", ?, and every non-printable byte (and
 * every byte >= 0x80, as octal so UTF-8 survives unchanged). */
void strbuf_c_escape(struct strbuf *sb, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		switch (c) {
		case '\\':
			strbuf_puts(sb, "\\\\");
			break;
		case '"':
			strbuf_puts(sb, "\\\"");
			break;
		case '\n':
			strbuf_puts(sb, "\\n");
			break;
		case '\t':
			strbuf_puts(sb, "\\t");
			break;
		case '\r':
			strbuf_puts(sb, "\\r");
			break;
		case '?':
			strbuf_puts(sb, "\\?");
			break;
		default:
			if (c < 0x20 || c >= 0x7f)
				strbuf_printf(sb, "\\%03o", c);
			else
				strbuf_putc(sb, (char)c);
		}
	}
	if (!sb->buf)
		strbuf_add(sb, "", 0);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}

char *strbuf_detach(struct strbuf *sb)
{
	char *p = sb->buf;
	if (!p) {
		p = malloc(1);
		if (!p)
			arena_oom();
		p[0] = '\0';
	}
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	return p;
}
