/*
 * strbuf.h — a growable string buffer (malloc'd, owned by the struct).
 * Allocation failure exits 2 like the arena. Not for strings that must
 * outlive a phase: those go in the arena (arena_strdup).
 */
#ifndef BPELC_STRBUF_H
#define BPELC_STRBUF_H

#include <stddef.h>

struct strbuf {
	char *buf; /* always NUL-terminated once anything was added */
	size_t len;
	size_t cap;
};

#define STRBUF_INIT        \
	{                  \
		NULL, 0, 0 \
	}

/* Append len bytes of s, a string, a character, formatted text. */
void strbuf_add(struct strbuf *sb, const char *s, size_t len);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append s as the body of a C string literal (escaped, no quotes). */
void strbuf_c_escape(struct strbuf *sb, const char *s);
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
/* Hand the buffer to the caller (free() it); the strbuf is reset. */
char *strbuf_detach(struct strbuf *sb);

#endif
