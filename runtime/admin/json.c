/*
 * json.c — small text helpers of the operations side: JSON strings for
 * the admin API and JSON log lines, and W3C Trace Context `traceparent`
 * values (https://www.w3.org/TR/trace-context/) carried from a request to
 * the calls it causes.
 *
 * No JSON parser: the admin API reads only URLs and query strings.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>

#include "admin.h"

void brt__json_str(struct evbuffer *out, const char *s, size_t n)
{
	if (!s)
		s = "";
	if (n == (size_t)-1)
		n = strlen(s);
	evbuffer_add(out, "\"", 1);
	size_t run = 0; /* bytes copied as they are, in one add */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\' && c != 0x7f)
			continue;
		evbuffer_add(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			evbuffer_add(out, "\\\"", 2);
			break;
		case '\\':
			evbuffer_add(out, "\\\\", 2);
			break;
		case '\n':
			evbuffer_add(out, "\\n", 2);
			break;
		case '\r':
			evbuffer_add(out, "\\r", 2);
			break;
		case '\t':
			evbuffer_add(out, "\\t", 2);
			break;
		default:
			evbuffer_add_printf(out, "\\u%04x", c);
		}
	}
	evbuffer_add(out, s + run, n - run);
	evbuffer_add(out, "\"", 1);
}

static bool hex_run(const char *s, int n)
{
	bool nonzero = false;
	for (int i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return false;
		nonzero = nonzero || s[i] != '0';
	}
	return nonzero;
}

/* "00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>", lower case,
 * neither id all zeros. */
bool brt__traceparent_ok(const char *v)
{
	return v && strlen(v) == 55 && strncmp(v, "00-", 3) == 0 &&
	       hex_run(v + 3, 32) && v[35] == '-' && hex_run(v + 36, 16) &&
	       v[52] == '-' &&
	       (hex_run(v + 53, 2) || (v[53] == '0' && v[54] == '0'));
}
