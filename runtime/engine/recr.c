/*
 * recr.c — the reader of a saved instance's record text (store.c's format,
 * written by recw.c). Restoring used to parse each record with libxml2
 * into a tree and walk it: ~150,000 instructions for a waiting probe
 * instance, most of them building and freeing nodes, so a start-up with
 * 100,000 waiting instances spent seconds there. This reader makes one
 * pass over a private copy of the text and builds a light element tree in
 * an arena that the next record reuses: names, attributes (unescaped in
 * place), children, a leaf's text, and each element's byte range in the
 * record. Only what a loader keeps as a document (a variable, a message, a
 * fault's data) is parsed by libxml2, from its element's own bytes
 * (brt__recr_doc): recw.c serializes it from its own root, so the text
 * declares every namespace it uses and parses standalone.
 *
 * It reads well-formed XML 1.0 in UTF-8 without a DOCTYPE: the XML
 * declaration, comments and processing instructions are skipped, CDATA is
 * text, the five predefined entities and character references are
 * replaced, line ends and attribute values are normalized as XML says.
 * Anything else is a malformed record (BRT_EINVAL, never a crash): a
 * DOCTYPE, an unknown entity, a tag that does not match or is not closed,
 * a byte that is not an XML character, a duplicated attribute, nesting
 * deeper than BRT_RECR_MAX_DEPTH (libxml2's own default bound).
 * Wrapper elements carry no namespace: an element with a namespace
 * declaration on it or an ancestor is marked (ns), and brt__recr_named
 * never matches it.
 *
 * A number attribute that recw.c wrote as 0 is absent: brt__recr_num
 * reads it so, and a present one strictly (a malformed or out-of-range
 * value is refused, never taken as 0).
 *
 * Not here: what a record holds and the checks of its values (store.c,
 * events.c, foreach.c), writing it (recw.c).
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>

#include "engine.h"

/* Arena chunks: a probe record needs a few kilobytes, so the first chunk
 * serves every ordinary record; a bigger record gets more chunks, freed
 * when the next record starts. */
enum { CHUNK = 32 * 1024 };

struct brt_recr_chunk {
	struct brt_recr_chunk *next;
	size_t cap, used;
	max_align_t mem[];
};

static void *arena_alloc(struct brt_recr *r, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
	struct brt_recr_chunk *c = r->cur;
	if (c && c->cap - c->used >= n) {
		void *p = (char *)c->mem + c->used;
		c->used += n;
		return p;
	}
	size_t cap = n > CHUNK ? n : CHUNK;
	struct brt_recr_chunk *nc = malloc(sizeof *nc + cap);
	if (!nc)
		return NULL;
	nc->cap = cap;
	nc->used = n;
	nc->next = NULL;
	if (c)
		c->next = nc;
	else
		r->chunks = nc;
	r->cur = nc;
	return nc->mem;
}

/* Keep the first chunk (emptied), free the others. */
static void arena_reset(struct brt_recr *r)
{
	struct brt_recr_chunk *c = r->chunks;
	if (!c)
		return;
	for (struct brt_recr_chunk *x = c->next, *nx; x; x = nx) {
		nx = x->next;
		free(x);
	}
	c->next = NULL;
	c->used = 0;
	r->cur = c;
}

void brt__recr_init(struct brt_recr *r)
{
	memset(r, 0, sizeof *r);
}

void brt__recr_free(struct brt_recr *r)
{
	arena_reset(r);
	free(r->chunks);
	free(r->copy);
	free(r->attrs);
	free(r->akeys);
	if (r->ctxt)
		xmlFreeParserCtxt(r->ctxt);
	memset(r, 0, sizeof *r);
}

/* ---- the scanner --------------------------------------------------------- */

struct scan {
	struct brt_recr *r;
	char *s;       /* the private copy, '\0'-terminated at len */
	const char *o; /* the record as given (raw ranges point into it) */
	size_t i, len;
	int err;
};

/* What an ASCII byte may be (its digit minus '0'): bit C_START a name's
 * first character, C_NAME one of its others, C_PLAIN character data
 * copied as it is (not < & " ' ], nor a control character), C_SPACE white
 * space. Bytes >= 0x80 are checked as UTF-8. */
enum { C_START = 1, C_NAME = 2, C_PLAIN = 4, C_SPACE = 8 };
static const char cls[] = "0000000008800800" /* 0x00 */
			  "0000000000000000" /* 0x10 */
			  "<404440044444664" /* 0x20 */
			  "6666666666740444" /* 0x30 */
			  "4777777777777777" /* 0x40 */
			  "7777777777744047" /* 0x50 */
			  "4777777777777777" /* 0x60 */
			  "7777777777744444" /* 0x70 */;
_Static_assert(sizeof cls == 129, "cls has one digit per ASCII byte");

static int cls_of(unsigned char c)
{
	return c < 0x80 ? cls[c] - '0' : C_START | C_NAME;
}

static bool is_space(unsigned char c)
{
	return c < 0x80 && (cls[c] - '0') & C_SPACE;
}

static bool at(const struct scan *sc, const char *lit)
{
	size_t n = strlen(lit);
	return sc->len - sc->i >= n && memcmp(sc->s + sc->i, lit, n) == 0;
}

static void skip_space(struct scan *sc)
{
	/* The '\0' at len is no space. */
	while (is_space((unsigned char)sc->s[sc->i]))
		sc->i++;
}

/* A name at sc->i; its length (0: none, or a byte that is not UTF-8). */
static size_t name_len(struct scan *sc)
{
	const unsigned char *p = (const unsigned char *)sc->s + sc->i;
	size_t n = sc->len - sc->i, k = 0;
	if (n == 0 || !(cls_of(p[0]) & C_START))
		return 0;
	for (;;) {
		/* ASCII runs first: the '\0' at len ends them. */
		while (p[k] < 0x80 && (cls[p[k]] - '0') & C_NAME)
			k++;
		if (p[k] < 0x80)
			return k;
		size_t u = brt__utf8_len(p + k, n - k);
		if (!u)
			return 0;
		k += u;
	}
}

/* Skip to just past `end`, every byte an XML character: a comment's,
 * PI's or declaration's body. false when the text ends first. */
static bool skip_to(struct scan *sc, const char *end)
{
	size_t n = strlen(end);
	while (sc->i < sc->len) {
		unsigned char c = (unsigned char)sc->s[sc->i];
		if (c == (unsigned char)end[0] && at(sc, end)) {
			sc->i += n;
			return true;
		}
		if (c >= 0x80) {
			size_t u = brt__utf8_len((const unsigned char *)sc->s +
							 sc->i,
						 sc->len - sc->i);
			if (!u)
				return false;
			sc->i += u;
		} else if (c < 0x20 && !is_space(c)) {
			return false;
		} else {
			sc->i++;
		}
	}
	return false;
}

static bool comment(struct scan *sc)
{
	sc->i += 4; /* <!-- */
	size_t start = sc->i;
	if (!skip_to(sc, "-->"))
		return false;
	/* "--" may only end it; nor may it end in "--->". */
	for (size_t j = start; j + 3 < sc->i; j++)
		if (sc->s[j] == '-' && sc->s[j + 1] == '-')
			return false;
	return true;
}

/* <?target ...?>: never the XML declaration past the start. */
static bool pi(struct scan *sc)
{
	sc->i += 2;
	size_t n = name_len(sc);
	if (!n)
		return false;
	const char *t = sc->s + sc->i;
	if (n == 3 && (t[0] | 0x20) == 'x' && (t[1] | 0x20) == 'm' &&
	    (t[2] | 0x20) == 'l')
		return false;
	sc->i += n;
	if (at(sc, "?>")) {
		sc->i += 2;
		return true;
	}
	if (sc->i >= sc->len || !is_space((unsigned char)sc->s[sc->i]))
		return false;
	return skip_to(sc, "?>");
}

/* One pseudo-attribute value of the XML declaration, as XML allows it. */
static bool decl_value(int k, const char *v, size_t n)
{
	if (k == 0) /* version: 1.digits */
		return n > 2 && v[0] == '1' && v[1] == '.' &&
		       strspn(v + 2, "0123456789") >= n - 2;
	if (k == 1) /* encoding: ours are UTF-8 */
		return n == 5 && strncasecmp(v, "utf-8", 5) == 0;
	return (n == 3 && memcmp(v, "yes", 3) == 0) ||
	       (n == 2 && memcmp(v, "no", 2) == 0);
}

/* <?xml version="1.x" [encoding="UTF-8"] [standalone="yes|no"]?> at the
 * very start, each part in that order. */
static bool xml_decl(struct scan *sc)
{
	static const char *const names[] = { "version", "encoding",
					     "standalone" };
	int next = 0;
	sc->i += 5;
	for (;;) {
		bool space = is_space((unsigned char)sc->s[sc->i]);
		skip_space(sc);
		if (at(sc, "?>")) {
			sc->i += 2;
			return next > 0; /* the version is required */
		}
		size_t n = name_len(sc);
		int k = next;
		while (k < 3 && (strlen(names[k]) != n ||
				 memcmp(sc->s + sc->i, names[k], n) != 0))
			k++;
		if (!space || k == 3 || (next == 0 && k != 0))
			return false;
		sc->i += n;
		skip_space(sc);
		if (!at(sc, "="))
			return false;
		sc->i++;
		skip_space(sc);
		char q = sc->s[sc->i];
		if (q != '"' && q != '\'')
			return false;
		const char *v = sc->s + ++sc->i;
		const char *e = memchr(v, q, sc->len - sc->i);
		if (!e || !decl_value(k, v, (size_t)(e - v)))
			return false;
		sc->i += (size_t)(e - v) + 1;
		next = k + 1;
	}
}

/* Append code point cp as UTF-8 at w; false when XML does not allow it. */
static bool put_cp(char **w, unsigned long cp)
{
	unsigned char *p = (unsigned char *)*w;
	if (cp < 0x20 && cp != 0x9 && cp != 0xA && cp != 0xD)
		return false;
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF ||
	    cp > 0x10FFFF)
		return false;
	if (cp < 0x80) {
		*p++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*p++ = (unsigned char)(0xC0 | cp >> 6);
		*p++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*p++ = (unsigned char)(0xE0 | cp >> 12);
		*p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*p++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		*p++ = (unsigned char)(0xF0 | cp >> 18);
		*p++ = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		*p++ = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		*p++ = (unsigned char)(0x80 | (cp & 0x3F));
	}
	*w = (char *)p;
	return true;
}

/* The reference at sc->i ('&'), its replacement written at *w (never
 * longer than the reference: the copy shrinks in place). */
static bool reference(struct scan *sc, char **w)
{
	const char *p = sc->s + sc->i + 1;
	const char *end = sc->s + sc->len;
	static const struct {
		const char *name;
		char c;
	} named[] = { { "lt;", '<' },
		      { "gt;", '>' },
		      { "amp;", '&' },
		      { "quot;", '"' },
		      { "apos;", '\'' } };
	if (p < end && *p == '#') {
		unsigned long cp = 0;
		int base = 10, ndig = 0;
		p++;
		if (p < end && *p == 'x') {
			base = 16;
			p++;
		}
		for (; p < end && *p != ';'; p++, ndig++) {
			int d;
			if (*p >= '0' && *p <= '9')
				d = *p - '0';
			else if (base == 16 && (*p | 0x20) >= 'a' &&
				 (*p | 0x20) <= 'f')
				d = (*p | 0x20) - 'a' + 10;
			else
				return false;
			cp = cp * (unsigned long)base + (unsigned long)d;
			if (cp > 0x10FFFF)
				return false;
		}
		if (p >= end || ndig == 0 || !put_cp(w, cp))
			return false;
		sc->i = (size_t)(p + 1 - sc->s);
		return true;
	}
	for (size_t k = 0; k < sizeof named / sizeof *named; k++) {
		size_t n = strlen(named[k].name);
		if ((size_t)(end - p) >= n &&
		    memcmp(p, named[k].name, n) == 0) {
			*(*w)++ = named[k].c;
			sc->i = (size_t)(p + n - sc->s);
			return true;
		}
	}
	return false;
}

/* Character data from sc->i, replaced and normalized, written from *w on
 * (never past the read position), up to `quote` for an attribute value
 * (the quote is consumed) or to the next '<' for text. */
static bool chars(struct scan *sc, char **w, char quote)
{
	bool is_attr = quote != 0;
	const unsigned char *s = (const unsigned char *)sc->s;
	size_t i = sc->i;
	for (;;) {
		/* A run of plain bytes, moved only once something before it
		 * was replaced (the '\0' at len ends it). */
		size_t st = i;
		while (s[i] < 0x80 && (cls[s[i]] - '0') & C_PLAIN)
			i++;
		if (i > st) {
			if (*w != sc->s + st)
				memmove(*w, sc->s + st, i - st);
			*w += i - st;
		}
		if (i >= sc->len)
			break;
		unsigned char c = s[i];
		if (c == '<') {
			sc->i = i;
			return !is_attr;
		}
		if (is_attr && c == (unsigned char)quote) {
			sc->i = i + 1;
			return true;
		}
		if (c == '&') {
			sc->i = i;
			if (!reference(sc, w))
				return false;
			i = sc->i;
			continue;
		}
		/* "]]>" may not appear in text. */
		if (c == ']' && !is_attr && s[i + 1] == ']' && s[i + 2] == '>')
			return false;
		if (c == ']' || c == '"' || c == '\'') {
			*(*w)++ = (char)c;
			i++;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			/* Line ends become \n; in an attribute value every
			 * white space character becomes a space. */
			i++;
			if (c == '\r' && s[i] == '\n')
				i++;
			*(*w)++ = is_attr ? ' ' : c == '\t' ? '\t' : '\n';
		} else if (c >= 0x80) {
			size_t u = brt__utf8_len(s + i, sc->len - i);
			if (!u)
				return false;
			memmove(*w, s + i, u);
			*w += u;
			i += u;
		} else {
			return false;
		}
	}
	sc->i = i;
	return !is_attr; /* text may end with the record (then: unclosed) */
}

/* <![CDATA[...]]>: its bytes are text, line ends normalized. */
static bool cdata(struct scan *sc, char **w)
{
	char *s = sc->s;
	sc->i += 9;
	while (sc->i < sc->len) {
		unsigned char c = (unsigned char)s[sc->i];
		if (c == ']' && at(sc, "]]>")) {
			sc->i += 3;
			return true;
		}
		if (c >= 0x80) {
			size_t u =
				brt__utf8_len((const unsigned char *)s + sc->i,
					      sc->len - sc->i);
			if (!u)
				return false;
			memmove(*w, s + sc->i, u);
			*w += u;
			sc->i += u;
			continue;
		}
		if (c < 0x20 && !is_space(c))
			return false;
		sc->i++;
		if (c == '\r') {
			if (sc->i < sc->len && s[sc->i] == '\n')
				sc->i++;
			c = '\n';
		}
		*(*w)++ = (char)c;
	}
	return false;
}

/* Two attributes of one name. Each has a key (length and a few bytes of
 * its name): only equal keys are compared. Many attributes are sorted
 * first (a record is untrusted: no quadratic time); the scratch array is
 * reordered. */
static int name_cmp(const void *x, const void *y)
{
	return strcmp(((const struct brt_rattr *)x)->name,
		      ((const struct brt_rattr *)y)->name);
}

static bool attrs_dup(struct brt_recr *r)
{
	int n = r->nattrs;
	struct brt_rattr *a = r->attrs;
	if (n > 16) {
		qsort(a, (size_t)n, sizeof *a, name_cmp);
		for (int i = 1; i < n; i++)
			if (strcmp(a[i - 1].name, a[i].name) == 0)
				return true;
		return false;
	}
	/* A key whose bit is set already is compared with those before. */
	uint64_t seen = 0;
	for (int i = 0; i < n; i++) {
		uint64_t bit = (uint64_t)1
			       << ((r->akeys[i] * 0x9E3779B1u) >> 26);
		if (seen & bit)
			for (int j = 0; j < i; j++)
				if (r->akeys[i] == r->akeys[j] &&
				    strcmp(a[i].name, a[j].name) == 0)
					return true;
		seen |= bit;
	}
	return false;
}

/* A name's key: its length and three of its bytes. Equal names have equal
 * keys; most different ones differ. */
static uint32_t name_key(const char *name, size_t len)
{
	const unsigned char *u = (const unsigned char *)name;
	return (uint32_t)(len & 0xff) | (uint32_t)u[0] << 8 |
	       (uint32_t)u[len / 2] << 16 | (uint32_t)u[len - 1] << 24;
}

static bool push_attr(struct brt_recr *r, const char *name, size_t len,
		      const char *v)
{
	if (r->nattrs == r->capattrs) {
		int cap = r->capattrs ? 2 * r->capattrs : 32;
		void *a = realloc(r->attrs, (size_t)cap * sizeof *r->attrs);
		void *k = realloc(r->akeys, (size_t)cap * sizeof *r->akeys);
		if (a)
			r->attrs = a;
		if (k)
			r->akeys = k;
		if (!a || !k)
			return false;
		r->capattrs = cap;
	}
	uint32_t key = name_key(name, len);
	r->akeys[r->nattrs] = key;
	r->attrs[r->nattrs++] = (struct brt_rattr){ name, v, key };
	return true;
}

/* A start tag at sc->i ('<' then a name): a new node, child of parent
 * (NULL: the root). *empty says it closed itself ("/>"). */
static struct brt_rnode *start_tag(struct scan *sc, struct brt_rnode *parent,
				   bool *empty)
{
	struct brt_recr *r = sc->r;
	char *s = sc->s;
	size_t start = sc->i++;
	size_t n = name_len(sc);
	if (!n) {
		sc->err = BRT_EINVAL;
		return NULL;
	}
	struct brt_rnode *nd = arena_alloc(r, sizeof *nd);
	if (!nd) {
		sc->err = BRT_ENOMEM;
		return NULL;
	}
	memset(nd, 0, sizeof *nd);
	nd->name = s + sc->i;
	nd->off = start;
	nd->ns = parent && parent->ns;
	sc->i += n;
	r->nattrs = 0;
	sc->err = BRT_EINVAL;
	for (;;) {
		/* The byte after a name or a value is read (with the one
		 * after the white space, and the one after that) before it
		 * becomes the name's terminating '\0'. */
		char *term = s + sc->i;
		bool space = sc->i < sc->len && is_space((unsigned char)*term);
		skip_space(sc);
		unsigned char c = sc->i < sc->len ? (unsigned char)s[sc->i] : 0;
		unsigned char c2 =
			sc->i + 1 < sc->len ? (unsigned char)s[sc->i + 1] : 0;
		*term = '\0';
		if (c == '>' || c == '/') {
			if (c == '/' && c2 != '>')
				return NULL;
			*empty = c == '/';
			sc->i += c == '/' ? 2 : 1;
			break;
		}
		/* Attributes are separated by white space. */
		if (!space || !(n = name_len(sc)))
			return NULL;
		char *an = s + sc->i;
		sc->i += n;
		char *aterm = s + sc->i;
		skip_space(sc);
		if (sc->i >= sc->len || s[sc->i] != '=')
			return NULL;
		sc->i++;
		*aterm = '\0';
		skip_space(sc);
		char q = sc->i < sc->len ? s[sc->i] : 0;
		if (q != '"' && q != '\'')
			return NULL;
		char *v = s + ++sc->i;
		char *w = v;
		if (!chars(sc, &w, q))
			return NULL;
		/* The closing quote is now behind us: w is at or before it,
		 * and the next round reads the byte after it first. */
		if (!push_attr(r, an, n, v)) {
			sc->err = BRT_ENOMEM;
			return NULL;
		}
		/* Terminating the value: w may be the quote's own byte,
		 * already read. The byte after the quote must stay as it is
		 * until read, so the '\0' goes to w, never later. */
		*w = '\0';
		if (an[0] == 'x' && strncmp(an, "xmlns", 5) == 0 &&
		    (!an[5] || an[5] == ':'))
			nd->ns = true;
	}
	if (r->nattrs > 0) {
		struct brt_rattr *a =
			arena_alloc(r, (size_t)r->nattrs * sizeof *a);
		if (!a) {
			sc->err = BRT_ENOMEM;
			return NULL;
		}
		memcpy(a, r->attrs, (size_t)r->nattrs * sizeof *a);
		if (attrs_dup(r))
			return NULL;
		nd->attrs = a;
		nd->nattrs = r->nattrs;
	}
	nd->text = "";
	if (*empty)
		nd->len = sc->i - start;
	sc->err = 0;
	return nd;
}

/* The element body, from after the root's start tag to its end tag:
 * children, text, comments, PIs, CDATA. */
static int content(struct scan *sc, struct brt_rnode *root)
{
	struct brt_rnode *stack[BRT_RECR_MAX_DEPTH];
	struct brt_rnode *last[BRT_RECR_MAX_DEPTH]; /* last child */
	int depth = 0;
	char *s = sc->s;
	stack[0] = root;
	last[0] = NULL;
	/* Text of the open element: written from w on; a leaf's text is
	 * its segments put together (comments, PIs between them are
	 * overwritten), an element with children keeps none. */
	char *w = s + sc->i;
	char *text = w;
	while (sc->i < sc->len) {
		struct brt_rnode *top = stack[depth];
		if (s[sc->i] != '<') {
			if (!chars(sc, &w, 0))
				return BRT_EINVAL;
			continue;
		}
		if (at(sc, "</")) {
			sc->i += 2;
			size_t n = name_len(sc);
			if (n != strlen(top->name) ||
			    memcmp(s + sc->i, top->name, n) != 0)
				return BRT_EINVAL;
			sc->i += n;
			skip_space(sc);
			if (sc->i >= sc->len || s[sc->i] != '>')
				return BRT_EINVAL;
			sc->i++;
			top->len = sc->i - top->off;
			if (!top->children) {
				*w = '\0'; /* the end tag is read */
				top->text = text;
			}
			if (depth == 0)
				return 0;
			depth--;
			/* The parent has children: its text is dropped. */
			w = text = s + sc->i;
			continue;
		}
		if (at(sc, "<!--")) {
			if (!comment(sc))
				return BRT_EINVAL;
			continue;
		}
		if (at(sc, "<![CDATA[")) {
			if (!cdata(sc, &w))
				return BRT_EINVAL;
			continue;
		}
		if (at(sc, "<?")) {
			if (!pi(sc))
				return BRT_EINVAL;
			continue;
		}
		if (depth + 1 >= BRT_RECR_MAX_DEPTH)
			return BRT_EINVAL;
		bool empty = false;
		struct brt_rnode *nd = start_tag(sc, top, &empty);
		if (!nd)
			return sc->err;
		if (last[depth])
			last[depth]->next = nd;
		else
			top->children = nd;
		last[depth] = nd;
		top->text = NULL;
		w = text = s + sc->i;
		if (!empty) {
			stack[++depth] = nd;
			last[depth] = NULL;
		}
	}
	return BRT_EINVAL; /* not closed */
}

/* Before and after the root: white space, comments, PIs. */
static bool misc(struct scan *sc)
{
	for (;;) {
		skip_space(sc);
		if (at(sc, "<!--")) {
			if (!comment(sc))
				return false;
		} else if (at(sc, "<?")) {
			if (!pi(sc))
				return false;
		} else {
			return true;
		}
	}
}

int brt__recr_read(struct brt_recr *r, const char *buf, size_t len,
		   const struct brt_rnode **root)
{
	*root = NULL;
	arena_reset(r);
	if (!buf || len > SIZE_MAX / 2)
		return BRT_EINVAL;
	/* A buffer kept from a big record is given back once records are
	 * small again. */
	if (r->copycap > 4 * (len + 1) && r->copycap > 256 * 1024) {
		free(r->copy);
		r->copy = NULL;
		r->copycap = 0;
	}
	if (r->copycap < len + 1) {
		char *c = realloc(r->copy, len + 1);
		if (!c)
			return BRT_ENOMEM;
		r->copy = c;
		r->copycap = len + 1;
	}
	memcpy(r->copy, buf, len);
	r->copy[len] = '\0';
	r->text = buf;
	r->textlen = len;
	struct scan sc = { .r = r, .s = r->copy, .o = buf, .len = len };
	if (at(&sc, "\xEF\xBB\xBF")) /* a byte order mark */
		sc.i += 3;
	if (at(&sc, "<?xml") && sc.i + 5 < len &&
	    is_space((unsigned char)sc.s[sc.i + 5]) && !xml_decl(&sc))
		return BRT_EINVAL;
	if (!misc(&sc) || !at(&sc, "<") || at(&sc, "<!"))
		return BRT_EINVAL; /* a DOCTYPE among others */
	bool empty = false;
	struct brt_rnode *top = start_tag(&sc, NULL, &empty);
	if (!top)
		return sc.err;
	int err = empty ? 0 : content(&sc, top);
	if (err)
		return err;
	if (!misc(&sc) || sc.i != len)
		return BRT_EINVAL;
	*root = top;
	return 0;
}

/* ---- the tree ------------------------------------------------------------ */

const char *brt__recr_attr(const struct brt_rnode *n, const char *name)
{
	/* Loaders ask mostly in the order the writer wrote: the search
	 * starts after the last attribute found (n->hint, a cache in the
	 * arena's writable memory), comparing keys first. */
	int k = n->nattrs;
	if (!k)
		return NULL;
	size_t len = 0;
	while (name[len])
		len++;
	uint32_t key = name_key(name, len);
	for (int j = 0; j < k; j++) {
		int i = n->hint + j < k ? n->hint + j : n->hint + j - k;
		if (n->attrs[i].key != key ||
		    memcmp(n->attrs[i].name, name, len + 1) != 0)
			continue;
		((struct brt_rnode *)n)->hint = i + 1 < k ? i + 1 : 0;
		return n->attrs[i].value;
	}
	return NULL;
}

bool brt__recr_named(const struct brt_rnode *n, const char *name)
{
	return n && !n->ns && strcmp(n->name, name) == 0;
}

const struct brt_rnode *brt__recr_child(const struct brt_rnode *n,
					const char *name)
{
	for (const struct brt_rnode *c = n ? n->children : NULL; c; c = c->next)
		if (brt__recr_named(c, name))
			return c;
	return NULL;
}

bool brt__recr_long(const char *v, long *out)
{
	const char *p = v;
	bool neg = false;
	*out = 0;
	if (!p)
		return false;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (*p < '0' || *p > '9')
		return false;
	unsigned long x = 0, lim = neg ? 0UL - (unsigned long)LONG_MIN
				       : (unsigned long)LONG_MAX;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (x > (lim - d) / 10)
			return false;
		x = x * 10 + d;
	}
	if (*p)
		return false;
	*out = neg ? (long)(0UL - x) : (long)x;
	return true;
}

bool brt__recr_num(const struct brt_rnode *n, const char *name, long *out)
{
	const char *v = brt__recr_attr(n, name);
	if (!v) { /* recw.c writes no zeros */
		*out = 0;
		return true;
	}
	return brt__recr_long(v, out);
}

xmlDocPtr brt__recr_doc(struct brt_recr *r, const struct brt_rnode *n)
{
	const struct brt_rnode *el = n ? n->children : NULL;
	/* Its text declares the namespaces it uses, unless the record put
	 * declarations around it, which ours never do. */
	if (!el || n->ns || el->len > (size_t)INT32_MAX ||
	    el->off + el->len > r->textlen)
		return NULL;
	if (!r->ctxt && !(r->ctxt = xmlNewParserCtxt()))
		return NULL;
	/* As the record parser used to: no network, no entity
	 * substitution (a DOCTYPE cannot occur inside an element, and is
	 * refused besides); names not shared with the reader's dictionary,
	 * so the document is like one built by hand; no COMPACT, since a
	 * variable is changed in place. */
	int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
		   XML_PARSE_NODICT;
	xmlDocPtr d = xmlCtxtReadMemory(r->ctxt, r->text + el->off,
					(int)el->len, NULL, NULL, opts);
	if (d && (d->intSubset || !r->ctxt->wellFormed ||
		  !xmlDocGetRootElement(d))) {
		xmlFreeDoc(d);
		return NULL;
	}
	return d;
}
