/*
 * prescan.c — one linear pass over a message's bytes before libxml2 sees
 * them, fed in pieces as they lie in memory (an evbuffer's chains, or one
 * flat buffer), so a crowded start tag is refused without the body ever
 * being copied into one piece.
 *
 * libxml2 2.9 checks each attribute of a start tag against all the others
 * before any SAX hook runs (quadratic in the attributes of one element), so
 * a start tag with more attributes and declarations than the intake limits
 * allow is refused here, at the first '=' over the limit: a flood of the
 * largest allowed body costs the bytes up to that point.
 *
 * Attribute values cannot hold '<', so every '<' outside comments, CDATA
 * sections and processing instructions starts a tag; an '=' outside quotes
 * inside a start tag belongs to one attribute or declaration. It is not a
 * parser: anything odd (a DOCTYPE, an unclosed tag) is left to libxml2,
 * which refuses it, and the scan of that input stops.
 */
#include <string.h>

#include "internal.h"

enum { PS_TEXT, PS_MARKUP, PS_TAG, PS_SKIP, PS_OFF };

#define PS_LIMIT (BRT_SOAP_MAX_ATTRS + BRT_SOAP_MAX_NS)

static const char crowded[] =
	"too many attributes and namespace declarations on one element "
	"(limit " BRT_STR(BRT_SOAP_MAX_ATTRS) " + " BRT_STR(
		BRT_SOAP_MAX_NS) ")";

void brt__prescan_init(struct brt_prescan *ps)
{
	memset(ps, 0, sizeof *ps);
	ps->state = PS_TEXT;
}

static bool is_prefix(const char *head, int n, const char *of)
{
	return (size_t)n <= strlen(of) && memcmp(head, of, (size_t)n) == 0;
}

/* The bytes after '<' tell what follows; false while they do not yet. */
static bool markup_kind(struct brt_prescan *ps)
{
	const char *h = ps->head;
	int n = ps->nhead;
	if (h[0] == '/') {
		ps->state = PS_TEXT; /* an end tag holds no attributes */
		return true;
	}
	if (h[0] == '?') {
		ps->state = PS_SKIP;
		ps->close = "?>";
		ps->matched = 0;
		return true;
	}
	if (h[0] != '!') {
		ps->state = PS_TAG;
		ps->count = 0;
		ps->quote = 0;
		return true;
	}
	if (n == 3 && memcmp(h, "!--", 3) == 0) {
		ps->state = PS_SKIP;
		ps->close = "-->";
		ps->matched = 0;
		return true;
	}
	if (n == 8 && memcmp(h, "![CDATA[", 8) == 0) {
		ps->state = PS_SKIP;
		ps->close = "]]>";
		ps->matched = 0;
		return true;
	}
	if (!is_prefix(h, n, "!--") && !is_prefix(h, n, "![CDATA[")) {
		ps->state = PS_OFF; /* a DOCTYPE: the parser refuses it */
		return true;
	}
	return false;
}

/* One byte of a start tag; false when it passes the limit. */
static bool tag_byte(struct brt_prescan *ps, char c)
{
	if (ps->quote) {
		if (c == ps->quote)
			ps->quote = 0;
	} else if (c == '"' || c == '\'') {
		ps->quote = c;
	} else if (c == '=') {
		if (++ps->count > PS_LIMIT)
			return false;
	} else if (c == '>') {
		ps->state = PS_TEXT;
	}
	return true;
}

/* One byte of a comment, CDATA section or PI, looking for its end. The
 * ends ("-->", "]]>", "?>") repeat only their first byte, so a mismatch
 * falls back to "one matched" or, on a run of that byte, stays put. */
static void skip_byte(struct brt_prescan *ps, char c)
{
	const char *e = ps->close;
	if (c == e[ps->matched]) {
		if (e[++ps->matched] == '\0')
			ps->state = PS_TEXT;
	} else if (c == e[0]) {
		if (!(ps->matched == 2 && e[1] == e[0]))
			ps->matched = 1;
	} else {
		ps->matched = 0;
	}
}

const char *brt__prescan_feed(struct brt_prescan *ps, const char *buf,
			      size_t len)
{
	const char *p = buf, *end = buf + len;
	while (p < end && !ps->refused && ps->state != PS_OFF) {
		switch (ps->state) {
		case PS_TEXT:
			p = memchr(p, '<', (size_t)(end - p));
			if (!p)
				return NULL;
			p++;
			ps->state = PS_MARKUP;
			ps->nhead = 0;
			break;
		case PS_MARKUP:
			ps->head[ps->nhead++] = *p++;
			if (markup_kind(ps) && ps->state == PS_TAG &&
			    !tag_byte(ps, ps->head[0]))
				ps->refused = crowded;
			break;
		case PS_TAG:
			/* The hot loop of every request: a quoted value is
			 * skipped with memchr, other bytes compared inline. */
			while (p < end && ps->state == PS_TAG) {
				if (ps->quote) {
					const char *q =
						memchr(p, ps->quote,
						       (size_t)(end - p));
					if (!q) {
						p = end;
						break;
					}
					ps->quote = 0;
					p = q + 1;
					continue;
				}
				char c = *p++;
				if (c == '"' || c == '\'')
					ps->quote = c;
				else if (c == '>')
					ps->state = PS_TEXT;
				else if (c == '=' && ++ps->count > PS_LIMIT)
					ps->refused = crowded;
				if (ps->refused)
					break;
			}
			break;
		case PS_SKIP:
			for (; p < end && ps->state == PS_SKIP; p++)
				skip_byte(ps, *p);
			break;
		}
	}
	return ps->refused;
}
