/*
 * recw.c — the writer of a saved instance's record text (store.c's format:
 * a small XML document). The record used to be built as a libxml2 tree and
 * dumped: ~150,000 instructions for a waiting probe instance, half of what
 * serving its two requests costs. Writing the same text straight into one
 * growing buffer costs a tenth of that; the reader (store.c) is unchanged,
 * since it parses XML, and so is the format.
 *
 * Elements are written in document order: open (the start tag stays open
 * for attributes), attributes, children or text, close. Attribute values
 * and text are escaped as XML needs; a byte that XML cannot carry (a
 * control character, invalid UTF-8: none of our strings should hold one,
 * but a partner's error text might) is written as '?', so a record always
 * parses. A variable's document is written by libxml2's serializer, from
 * its root element: its namespace declarations are on its nodes; one that
 * uses a namespace declared nowhere in it (a tree built by hand) is
 * copied first, as the tree writer did, so the copy declares it.
 *
 * A number equal to 0 is not written (brt__recw_num, brt__recw_ulong):
 * most of a record's numbers are 0 (no parent, no waiter, nothing
 * pending, index 0), and a waiting probe instance's record was half
 * zeros. Every reader of such an attribute reads it absent as 0
 * (brt__recr_num, recr.c), so a record with the zeros written (as older
 * builds wrote them) reads the same. A real number (brt__recw_real) and
 * a string are always written: their readers give absence its own
 * meaning. Nor is the XML declaration written, nor a line end after the
 * root: the record is UTF-8, which XML assumes without one, and the
 * reader accepts both.
 *
 * Errors are sticky (w->err): the caller checks once at the end.
 * Not here: what a record holds (store.c), reading it back (recr.c,
 * store.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlsave.h>

#include "engine.h"

void brt__recw_init(struct brt_recw *w)
{
	memset(w, 0, sizeof *w);
}

void brt__recw_free(struct brt_recw *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

char *brt__recw_take(struct brt_recw *w, size_t *len)
{
	char *b = w->buf;
	*len = w->len;
	w->buf = NULL;
	w->len = w->cap = 0;
	return b;
}

/* Room for n more bytes and a '\0'; false (w->err set) when out of
 * memory. */
static bool room(struct brt_recw *w, size_t n)
{
	if (w->err)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	size_t cap = w->cap ? w->cap : 1024;
	while (cap < w->len + n + 1)
		cap *= 2;
	char *b = realloc(w->buf, cap);
	if (!b) {
		w->err = BRT_ENOMEM;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static void put(struct brt_recw *w, const char *s, size_t n)
{
	if (!room(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_(struct brt_recw *w, const char *s)
{
	put(w, s, strlen(s));
}

/* The start tag of the current element gets its '>': content follows. */
static void content(struct brt_recw *w)
{
	if (w->tag_open) {
		put(w, ">", 1);
		w->tag_open = false;
	}
}

void brt__recw_open(struct brt_recw *w, const char *name)
{
	content(w);
	size_t n = strlen(name);
	if (!room(w, n + 1))
		return;
	char *p = w->buf + w->len;
	*p = '<';
	memcpy(p + 1, name, n);
	w->len += n + 1;
	w->buf[w->len] = '\0';
	w->tag_open = true;
}

void brt__recw_close(struct brt_recw *w, const char *name)
{
	if (w->tag_open) {
		put(w, "/>", 2);
		w->tag_open = false;
		return;
	}
	/* One reservation for "</name>": a record closes many elements. */
	size_t n = strlen(name);
	if (!room(w, n + 3))
		return;
	char *p = w->buf + w->len;
	p[0] = '<';
	p[1] = '/';
	memcpy(p + 2, name, n);
	p[n + 2] = '>';
	w->len += n + 3;
	w->buf[w->len] = '\0';
}

/* How many bytes at the start of s need no escaping. */
static size_t plain_run(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (p[i] >= 0x20 && p[i] < 0x80 && p[i] != '&' && p[i] != '<' &&
	       p[i] != '>' && p[i] != '"')
		i++;
	return i;
}

/* The length of the valid UTF-8 sequence XML allows at s (n bytes left),
 * 0 when there is none. The reader (recr.c) checks with the same rule. */
size_t brt__utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF)
		k = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		k = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F; /* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		k = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	if (n < k || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < k; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	/* U+FFFE and U+FFFF are not XML characters. */
	if (c == 0xEF && s[1] == 0xBF && s[2] >= 0xBE)
		return 0;
	return k;
}

/* s escaped for an attribute value (attr) or element text. */
static void escaped(struct brt_recw *w, const char *s, bool attr)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	while (n > 0) {
		/* The plain run first, copied at once. */
		size_t i = plain_run((const char *)p);
		put(w, (const char *)p, i);
		p += i;
		n -= i;
		if (n == 0)
			break;
		unsigned c = *p;
		size_t k = 1;
		const char *rep = NULL;
		if (c == '&')
			rep = "&amp;";
		else if (c == '<')
			rep = "&lt;";
		else if (c == '>')
			rep = "&gt;";
		else if (c == '"')
			rep = attr ? "&quot;" : "\"";
		else if (c == '\r')
			rep = "&#13;";
		else if (c == '\n')
			rep = attr ? "&#10;" : "\n";
		else if (c == '\t')
			rep = attr ? "&#9;" : "\t";
		else if (c < 0x20)
			rep = "?";
		else if ((k = brt__utf8_len(p, n)) == 0) {
			rep = "?";
			k = 1;
		}
		if (rep)
			puts_(w, rep);
		else
			put(w, (const char *)p, k);
		p += k;
		n -= k;
	}
}

/* name="v" for a v that needs no escaping, vlen bytes. */
static void attr_plain(struct brt_recw *w, const char *name, const char *v,
		       size_t vlen)
{
	size_t n = strlen(name);
	if (!room(w, n + vlen + 4))
		return;
	char *p = w->buf + w->len;
	*p++ = ' ';
	memcpy(p, name, n);
	p += n;
	*p++ = '=';
	*p++ = '"';
	memcpy(p, v, vlen);
	p += vlen;
	*p++ = '"';
	*p = '\0';
	w->len = (size_t)(p - w->buf);
}

void brt__recw_str(struct brt_recw *w, const char *name, const char *v)
{
	if (!v)
		return;
	size_t i = plain_run(v);
	if (!v[i]) { /* the usual case: nothing to escape */
		attr_plain(w, name, v, i);
		return;
	}
	put(w, " ", 1);
	puts_(w, name);
	put(w, "=\"", 2);
	escaped(w, v, true);
	put(w, "\"", 1);
}

/* Decimal digits of v, written backwards from the end of b[32]. */
static char *digits(char *end, unsigned long v)
{
	*--end = '\0';
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* 0 is not written: its readers read it absent as 0 (above). */
void brt__recw_num(struct brt_recw *w, const char *name, long v)
{
	if (v == 0)
		return;
	char b[32];
	char *s = digits(b + sizeof b,
			 v < 0 ? 0UL - (unsigned long)v : (unsigned long)v);
	if (v < 0)
		*--s = '-';
	attr_plain(w, name, s, (size_t)(b + sizeof b - 1 - s));
}

void brt__recw_ulong(struct brt_recw *w, const char *name, unsigned long v)
{
	if (v == 0)
		return;
	char b[32];
	char *s = digits(b + sizeof b, v);
	attr_plain(w, name, s, (size_t)(b + sizeof b - 1 - s));
}

void brt__recw_real(struct brt_recw *w, const char *name, double v)
{
	char b[48];
	snprintf(b, sizeof b, "%.6f", v);
	brt__recw_str(w, name, b);
}

void brt__recw_text(struct brt_recw *w, const char *v)
{
	content(w);
	if (v)
		escaped(w, v, false);
}

/* ---- a variable's document ----------------------------------------------- */

/* Is ns (used by a node at n) declared, with the same URI, on n or an
 * ancestor up to top? The prefix xml is declared everywhere. */
static bool ns_in_scope(xmlNodePtr top, xmlNodePtr n, xmlNsPtr ns, bool is_attr)
{
	if (!ns)
		return true;
	if (!ns->prefix) {
		if (is_attr)
			return false; /* an attribute's namespace needs one */
	} else if (strcmp((const char *)ns->prefix, "xml") == 0) {
		return true;
	}
	for (xmlNodePtr a = n; a; a = a == top ? NULL : a->parent)
		for (xmlNsPtr d = a->nsDef; d; d = d->next) {
			bool same_prefix =
				ns->prefix
					? d->prefix &&
						  strcmp((const char *)d->prefix,
							 (const char *)
								 ns->prefix) ==
							  0
					: !d->prefix;
			if (same_prefix)
				return d->href && ns->href &&
				       strcmp((const char *)d->href,
					      (const char *)ns->href) == 0;
		}
	return false;
}

/* Does the text of root's subtree declare every namespace it uses? */
static bool self_contained(xmlNodePtr root)
{
	xmlNodePtr n = root;
	while (n) {
		if (n->type == XML_ELEMENT_NODE) {
			if (!ns_in_scope(root, n, n->ns, false))
				return false;
			for (xmlAttrPtr a = n->properties; a; a = a->next)
				if (!ns_in_scope(root, n, a->ns, true))
					return false;
			if (n->children) {
				n = n->children;
				continue;
			}
		}
		while (n != root && !n->next)
			n = n->parent;
		n = n == root ? NULL : n->next;
	}
	return true;
}

static int out_write(void *ctx, const char *b, int n)
{
	struct brt_recw *w = ctx;
	put(w, b, (size_t)n);
	return w->err ? -1 : n;
}

static void dump(struct brt_recw *w, xmlDocPtr doc, xmlNodePtr root)
{
	xmlOutputBufferPtr out =
		xmlOutputBufferCreateIO(out_write, NULL, w, NULL);
	if (!out) {
		w->err = BRT_ENOMEM;
		return;
	}
	xmlNodeDumpOutput(out, doc, root, 0, 0, NULL);
	if (xmlOutputBufferClose(out) < 0 && !w->err)
		w->err = BRT_ENOMEM;
}

void brt__recw_doc(struct brt_recw *w, xmlDocPtr doc)
{
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || w->err)
		return;
	content(w);
	if (self_contained(root)) {
		dump(w, doc, root);
		return;
	}
	/* A copy declares what its nodes use (xmlDocCopyNode reconciles). */
	xmlDocPtr tmp = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr copy = tmp ? xmlDocCopyNode(root, tmp, 1) : NULL;
	if (!copy) {
		xmlFreeDoc(tmp);
		w->err = BRT_ENOMEM;
		return;
	}
	xmlDocSetRootElement(tmp, copy);
	dump(w, tmp, copy);
	xmlFreeDoc(tmp);
}
