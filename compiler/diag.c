/*
 * diag.c — the diagnostics sink (see diag.h).
 *
 * Formats each diagnostic as one line, GCC style (design.md) or as one JSON
 * object (DIAG_JSON), writes it at once and counts it. It never stops the
 * compilation: the driver looks at the counts between phases. It does not
 * quote source lines: every diagnostic must stay a single line so editors
 * and the conformance runner can parse it.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "strbuf.h"

struct diag {
	FILE *out;
	enum diag_format fmt;
	int nerrors;
	int nwarnings;
	bool werror;
};

struct diag *diag_new(FILE *out, enum diag_format fmt)
{
	struct diag *dg = calloc(1, sizeof(*dg));
	if (!dg)
		arena_oom();
	dg->out = out;
	dg->fmt = fmt;
	return dg;
}

void diag_free(struct diag *dg)
{
	free(dg);
}

/* JSON string with the escapes RFC 8259 requires; bytes >= 0x80 pass
 * through (the input is UTF-8 from libxml2 or our own ASCII text). */
static void diag_json_string(struct strbuf *sb, const char *s)
{
	strbuf_putc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			strbuf_puts(sb, "\\\"");
			break;
		case '\\':
			strbuf_puts(sb, "\\\\");
			break;
		case '\n':
			strbuf_puts(sb, "\\n");
			break;
		case '\r':
			strbuf_puts(sb, "\\r");
			break;
		case '\t':
			strbuf_puts(sb, "\\t");
			break;
		case '\b':
			strbuf_puts(sb, "\\b");
			break;
		case '\f':
			strbuf_puts(sb, "\\f");
			break;
		default:
			if (*p < 0x20)
				strbuf_printf(sb, "\\u%04x", *p);
			else
				strbuf_putc(sb, (char)*p);
		}
	}
	strbuf_putc(sb, '"');
}

/* A message must stay on one line: newlines from libxml2 messages or
 * from expression text become spaces, a trailing one is dropped. */
static void diag_one_line(char *s)
{
	size_t n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void diag_emit(struct diag *dg, const struct loc *loc, const char *sev,
		      const char *rule, const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n > 0) {
		char *tmp = malloc((size_t)n + 1);
		if (!tmp)
			arena_oom();
		vsnprintf(tmp, (size_t)n + 1, fmt, ap);
		strbuf_puts(&msg, tmp);
		free(tmp);
	} else {
		strbuf_puts(&msg, "");
	}
	diag_one_line(msg.buf);

	struct strbuf line = STRBUF_INIT;
	const char *file = loc && loc->file ? loc->file : NULL;
	int lineno = loc ? loc->line : 0;
	int col = loc ? loc->col : 0;
	if (dg->fmt == DIAG_JSON) {
		strbuf_puts(&line, "{\"file\":");
		if (file)
			diag_json_string(&line, file);
		else
			strbuf_puts(&line, "null");
		strbuf_printf(
			&line,
			",\"line\":%d,\"column\":%d,\"severity\":\"%s\",\"rule\":",
			lineno, col, sev);
		if (rule)
			diag_json_string(&line, rule);
		else
			strbuf_puts(&line, "null");
		strbuf_puts(&line, ",\"message\":");
		diag_json_string(&line, msg.buf);
		strbuf_puts(&line, "}\n");
	} else {
		if (file && lineno > 0)
			/* design.md always has a column; 1 when unknown. */
			strbuf_printf(&line, "%s:%d:%d: ", file, lineno,
				      col > 0 ? col : 1);
		else if (file)
			strbuf_printf(&line, "%s: ", file);
		else
			strbuf_puts(&line, "bpelc: ");
		strbuf_printf(&line, "%s: ", sev);
		if (rule)
			strbuf_printf(&line, "%s: ", rule);
		strbuf_puts(&line, msg.buf);
		strbuf_putc(&line, '\n');
	}
	fputs(line.buf, dg->out);
	fflush(dg->out);
	strbuf_free(&line);
	strbuf_free(&msg);
}

void diag_error(struct diag *dg, const struct loc *loc, const char *rule,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_emit(dg, loc, "error", rule, fmt, ap);
	va_end(ap);
	dg->nerrors++;
}

void diag_warning(struct diag *dg, const struct loc *loc, const char *rule,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_emit(dg, loc, "warning", rule, fmt, ap);
	va_end(ap);
	dg->nwarnings++;
}

int diag_errors(const struct diag *dg)
{
	return dg->nerrors + (dg->werror ? dg->nwarnings : 0);
}

int diag_warnings(const struct diag *dg)
{
	return dg->nwarnings;
}

void diag_set_werror(struct diag *dg, bool on)
{
	dg->werror = on;
}
