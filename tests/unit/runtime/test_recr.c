/*
 * test_recr.c — the record reader (runtime/engine/recr.c): the light tree
 * it builds (names, attributes, children, a leaf's text, byte ranges),
 * references and normalization as XML defines them, CDATA, comments and
 * PIs skipped, what it refuses (DOCTYPE, unknown entities, mismatched or
 * unclosed tags, bad bytes, duplicated attributes, too deep, namespaces
 * around wrapper elements), a buffer reused across reads, and documents
 * parsed from an element's own bytes, number attributes (absent is 0,
 * present is strict). Whole records (save, restore, save
 * again; every prefix of a real record) are in test_store.c.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "engine.h"

static struct brt_recr rr;

static void setup(void)
{
	brt__recr_init(&rr);
}

static void teardown(void)
{
	brt__recr_free(&rr);
}

static const struct brt_rnode *read_ok(const char *text)
{
	const struct brt_rnode *root = NULL;
	int err = brt__recr_read(&rr, text, strlen(text), &root);
	if (err)
		ck_abort_msg("refused (%d): %s", err, text);
	ck_assert_ptr_nonnull(root);
	return root;
}

static int read_err(const char *text, size_t len)
{
	const struct brt_rnode *root = (const void *)1;
	int err = brt__recr_read(&rr, text, len, &root);
	if (!err)
		ck_abort_msg("accepted: %.*s", (int)len, text);
	ck_assert_ptr_null(root);
	return err;
}

static const struct brt_rnode *nth(const struct brt_rnode *n, int i)
{
	const struct brt_rnode *c = n->children;
	while (c && i-- > 0)
		c = c->next;
	ck_assert_ptr_nonnull(c);
	return c;
}

START_TEST(recr_reads_the_tree)
{
	const char *t = "<?xml version=\"1.0\"?>\n"
			"<instance id=\"7\" build='b'><scope a=\"1\"><var "
			"slot=\"0\"><x>y</x></var></scope><strand/>"
			"<value>v</value></instance>\n";
	const struct brt_rnode *top = read_ok(t);
	ck_assert_str_eq(top->name, "instance");
	ck_assert(brt__recr_named(top, "instance"));
	ck_assert(!brt__recr_named(top, "instanc"));
	ck_assert_int_eq(top->nattrs, 2);
	ck_assert_str_eq(brt__recr_attr(top, "id"), "7");
	ck_assert_str_eq(brt__recr_attr(top, "build"), "b");
	ck_assert_ptr_null(brt__recr_attr(top, "i"));
	ck_assert_ptr_null(brt__recr_attr(top, "idx"));
	ck_assert_ptr_null(top->text); /* it has children */
	const struct brt_rnode *scope = nth(top, 0);
	ck_assert_str_eq(scope->name, "scope");
	ck_assert_ptr_eq(brt__recr_child(top, "strand"), nth(top, 1));
	ck_assert_ptr_eq(brt__recr_child(top, "value"), nth(top, 2));
	ck_assert_ptr_null(nth(top, 2)->next);
	ck_assert_ptr_null(brt__recr_child(top, "var"));
	ck_assert_str_eq(nth(top, 1)->text, ""); /* <strand/> */
	ck_assert_str_eq(nth(top, 2)->text, "v");
	/* Byte ranges are those of the text given. */
	const struct brt_rnode *x = nth(nth(scope, 0), 0);
	ck_assert_uint_eq(x->len, strlen("<x>y</x>"));
	ck_assert_int_eq(memcmp(t + x->off, "<x>y</x>", x->len), 0);
	const struct brt_rnode *st = nth(top, 1);
	ck_assert_int_eq(memcmp(t + st->off, "<strand/>", st->len), 0);
	ck_assert_uint_eq(st->len, 9);
	ck_assert_uint_eq(top->off, strlen("<?xml version=\"1.0\"?>\n"));
	ck_assert_uint_eq(top->off + top->len, strlen(t) - 1);
	/* Attribute lookups in any order, again and again. */
	for (int i = 0; i < 3; i++) {
		ck_assert_str_eq(brt__recr_attr(top, "build"), "b");
		ck_assert_str_eq(brt__recr_attr(top, "id"), "7");
	}
}
END_TEST

START_TEST(recr_replaces_references_and_normalizes)
{
	const struct brt_rnode *a = read_ok(
		"<a v=\"&lt;&gt;&amp;&quot;&apos;&#65;&#x42;&#x20AC;&#128512;\""
		" w='say \"hi\"' ws=\"a\tb\nc\r\nd\re\" ref=\"x&#10;y&#9;z\""
		" e=\"\" u=\"\xc3\xa9\">t&lt;1&#x3e;\r\n2\r3 'q' \"d\" ]] ok"
		"</a>");
	ck_assert_str_eq(brt__recr_attr(a, "v"),
			 "<>&\"'AB\xe2\x82\xac\xf0\x9f\x98\x80");
	ck_assert_str_eq(brt__recr_attr(a, "w"), "say \"hi\"");
	/* White space in a value becomes spaces, \r\n one; a reference
	 * stays what it names. */
	ck_assert_str_eq(brt__recr_attr(a, "ws"), "a b c d e");
	ck_assert_str_eq(brt__recr_attr(a, "ref"), "x\ny\tz");
	ck_assert_str_eq(brt__recr_attr(a, "e"), "");
	ck_assert_str_eq(brt__recr_attr(a, "u"), "\xc3\xa9");
	ck_assert_str_eq(a->text, "t<1>\n2\n3 'q' \"d\" ]] ok");
}
END_TEST

START_TEST(recr_skips_comments_and_pis_and_reads_cdata)
{
	const struct brt_rnode *a =
		read_ok("\xef\xbb\xbf<?xml version='1.0' encoding='UTF-8'?>"
			"<!-- before --><?pi data?>\n<a>"
			"one<!-- c - d -->two<?x y?><![CDATA[<three> & ]]]]>"
			"<![CDATA[]]>four</a><!-- after --><?end?>\n ");
	ck_assert_str_eq(a->text, "onetwo<three> & ]]four");
	ck_assert_ptr_null(a->children);
	/* Between children: no text kept, no nodes made. */
	a = read_ok("<a> <!--x--> <b/> <?p?> <c>1</c> </a>");
	ck_assert_ptr_null(a->text);
	ck_assert_str_eq(nth(a, 0)->name, "b");
	ck_assert_str_eq(nth(a, 1)->name, "c");
	ck_assert_str_eq(nth(a, 1)->text, "1");
	ck_assert_ptr_null(nth(a, 1)->next);
}
END_TEST

START_TEST(recr_refuses_malformed_text)
{
	static const char *const bad[] = {
		"",
		"   ",
		"text",
		"<!DOCTYPE a><a/>",
		"<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
		"<a>&e;</a>",
		"<a v=\"&e;\"/>",
		"<a>&amp</a>",
		"<a>&#;</a>",
		"<a>&#x;</a>",
		"<a>&#0;</a>",
		"<a>&#1;</a>",
		"<a>&#xD800;</a>",
		"<a>&#xFFFE;</a>",
		"<a>&#1114112;</a>",
		"<a>&#99999999999999999999;</a>",
		"<a>&#12a;</a>",
		"<a></b>",
		"<a><b></a></b>",
		"<a><b>",
		"<a",
		"<a x=\"1\"",
		"<a x=\"1",
		"<a x=1/>",
		"<a x/>",
		"<a x=\"1\"y=\"2\"/>",
		"<a x=\"1\" x=\"2\"/>",
		"<a x=\"<\"/>",
		"<a>]]></a>",
		"<a/><b/>",
		"<a/>text",
		"<a/><!DOCTYPE a>",
		"<a><!-- a -- b --></a>",
		"<a><!-- a ---></a>",
		"<a><!-- open</a>",
		"<a><![CDATA[open</a>",
		"<a><?xml version='1.0'?></a>",
		"<a><?></a>",
		"<a><!ELEMENT a ANY></a>",
		"<?xml version='1.0' encoding='ISO-8859-1'?><a/>",
		"<?xml?><a/>",
		"<?xml ?><a/>",
		"<?xml v\"1.0\"?><a/>",
		"<?xml version=1.0\"?><a/>",
		"<?xml version1.0\"?><a/>",
		"<?xml version=\"2.0\"?><a/>",
		"<?xml version=\"1.0\"encoding=\"UTF-8\"?><a/>",
		"<?xml encoding=\"UTF-8\" version=\"1.0\"?><a/>",
		"<?xml version=\"1.0\" standalone=\"maybe\"?><a/>",
		"<?xml version=\"1.0\" standalone=\"no\" encoding=\"UTF-8\"?>"
		"<a/>",
		"<?xml version=\"1.0\" version=\"1.0\"?><a/>",
		"<?xml version=\"1.0\"?><?xml version=\"1.0\"?><a/>",
		" <?xml version=\"1.0\"?><a/>",
		"<a/ >",
		"< a/>",
		"<1a/>",
		"<a>\x01</a>",
		"<a v=\"\x1f\"/>",
		"<a>\xff</a>",
		"<a>\xc0\x80</a>",
		"<a>\xed\xa0\x80</a>",
		"<a>\xef\xbf\xbf</a>",
		"<a>\xe2\x82</a>",
		"<a\xff/>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_int_eq(read_err(bad[i], strlen(bad[i])), BRT_EINVAL);
	/* A NUL inside the record, and one where it seems to end. */
	ck_assert_int_eq(read_err("<a>x\0y</a>", 10), BRT_EINVAL);
	ck_assert_int_eq(read_err("<a/>\0", 5), BRT_EINVAL);
	ck_assert_int_eq(read_err(NULL, 0), BRT_EINVAL);
	/* The reader is fine after a refusal. */
	ck_assert_str_eq(read_ok("<ok/>")->name, "ok");
	ck_assert_str_eq(read_ok("<?xml version = '1.1'  encoding=\"utf-8\" "
				 "standalone='yes' ?><ok/>")
				 ->name,
			 "ok");
}
END_TEST

/* Many attributes: duplicates are found without comparing every pair. */
START_TEST(recr_finds_duplicates_among_many_attributes)
{
	size_t cap = 200000, len = 0;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	len += (size_t)snprintf(t + len, cap - len, "<a");
	for (int i = 0; i < 5000; i++)
		len += (size_t)snprintf(t + len, cap - len, " n%d=\"%d\"", i,
					i);
	len += (size_t)snprintf(t + len, cap - len, "/>");
	const struct brt_rnode *root = NULL;
	ck_assert_int_eq(brt__recr_read(&rr, t, len, &root), 0);
	ck_assert_int_eq(root->nattrs, 5000);
	ck_assert_str_eq(brt__recr_attr(root, "n4321"), "4321");
	ck_assert_str_eq(brt__recr_attr(root, "n0"), "0");
	/* The same with n17 twice, at the end. */
	len -= 2;
	len += (size_t)snprintf(t + len, cap - len, " n17=\"x\"/>");
	ck_assert_int_eq(read_err(t, len), BRT_EINVAL);
	free(t);
}
END_TEST

START_TEST(recr_bounds_nesting)
{
	size_t n = 100000;
	char *t = malloc(8 * n + 16);
	ck_assert_ptr_nonnull(t);
	for (size_t depth = BRT_RECR_MAX_DEPTH - 1; depth <= BRT_RECR_MAX_DEPTH;
	     depth++) {
		size_t len = 0;
		for (size_t i = 0; i < depth; i++)
			len += (size_t)sprintf(t + len, "<e>");
		len += (size_t)sprintf(t + len, "<e/>");
		for (size_t i = 0; i < depth; i++)
			len += (size_t)sprintf(t + len, "</e>");
		const struct brt_rnode *root = NULL;
		int err = brt__recr_read(&rr, t, len, &root);
		/* depth + 1 elements nested: up to the bound. */
		ck_assert_int_eq(
			err, depth + 1 <= BRT_RECR_MAX_DEPTH ? 0 : BRT_EINVAL);
	}
	/* Far deeper (and never closed): refused, the stack untouched. */
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(t + len, "<e>");
	ck_assert_int_eq(read_err(t, len), BRT_EINVAL);
	free(t);
}
END_TEST

/* Wrapper elements have no namespace: one declared on an element or an
 * ancestor marks it, and a document inside it is not taken. */
START_TEST(recr_marks_namespaces)
{
	const struct brt_rnode *a = read_ok(
		"<a><b xmlns:p=\"urn:p\"><c><x/></c></b><d xmlns=\"urn:d\"/>"
		"<p:e/><f xmlnsx=\"1\"><x/></f></a>");
	ck_assert(!a->ns);
	const struct brt_rnode *b = nth(a, 0), *c = nth(b, 0);
	ck_assert(b->ns && c->ns);
	ck_assert(!brt__recr_named(b, "b"));
	ck_assert_ptr_null(brt__recr_child(a, "b"));
	ck_assert_ptr_null(brt__recr_doc(&rr, c));
	ck_assert(nth(a, 1)->ns);
	ck_assert(!brt__recr_named(nth(a, 2), "e")); /* p:e */
	ck_assert(!nth(a, 3)->ns);
	ck_assert(brt__recr_named(nth(a, 3), "f"));
	xmlDocPtr d = brt__recr_doc(&rr, nth(a, 3));
	ck_assert_ptr_nonnull(d);
	xmlFreeDoc(d);
}
END_TEST

static char *dump(xmlDocPtr d)
{
	xmlBufferPtr b = xmlBufferCreate();
	ck_assert_ptr_nonnull(b);
	xmlNodeDump(b, d, xmlDocGetRootElement(d), 0, 0);
	char *s = strdup((const char *)xmlBufferContent(b));
	xmlBufferFree(b);
	return s;
}

/* A variable's document is parsed from its element's own bytes: its
 * namespaces, xml:lang, xml:space and whitespace come back as written. */
START_TEST(recr_doc_parses_the_element_alone)
{
	static const char *const vars[] = {
		"<p:a xmlns:p=\"urn:p\" xmlns=\"urn:d\" xmlns:q=\"urn:q\">"
		"<b q:c=\"1\" xml:lang=\"en\"> x &amp; &lt;y&gt; </b>"
		"<p:c xml:space=\"preserve\">  </p:c><d xmlns=\"\"/></p:a>",
		"<o a=\"1\" b=\"&quot;\"/>",
		"<t>only text &#xe9;</t>",
		"<x:r xmlns:x=\"urn:x\"><!-- kept --><?pi kept?>"
		"<![CDATA[a<b]]></x:r>",
	};
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
		char t[1024];
		snprintf(t, sizeof t,
			 "<rec><var slot=\"0\">%s</var><none/></rec>", vars[i]);
		const struct brt_rnode *rec = read_ok(t);
		xmlDocPtr d = brt__recr_doc(&rr, nth(rec, 0));
		ck_assert_ptr_nonnull(d);
		/* Not shared with the reader's parser: like a tree built
		 * by hand, so it can be changed and outlive the reader. */
		ck_assert_ptr_null(d->dict);
		/* As libxml2 reads the same text on its own. */
		xmlDocPtr want = xmlReadMemory(vars[i], (int)strlen(vars[i]),
					       NULL, NULL, XML_PARSE_NONET);
		ck_assert_ptr_nonnull(want);
		char *s = dump(d), *w = dump(want);
		ck_assert_str_eq(s, w);
		if (i != 2)
			ck_assert_str_eq(s, vars[i]);
		free(s);
		free(w);
		xmlFreeDoc(want);
		xmlFreeDoc(d);
		ck_assert_ptr_null(brt__recr_doc(&rr, nth(rec, 1)));
	}
	xmlDocPtr d = brt__recr_doc(&rr, NULL);
	ck_assert_ptr_null(d);
}
END_TEST

/* One reader for many records: a big one, then small ones (the arena and
 * the copy are reused, and given back after a big record). */
START_TEST(recr_reuses_its_buffers)
{
	size_t n = 20000, len = 0;
	char *big = malloc(32 * n + 32);
	ck_assert_ptr_nonnull(big);
	len += (size_t)sprintf(big, "<r>");
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(big + len, "<v i=\"%zu\">%zu</v>", i, i);
	len += (size_t)sprintf(big + len, "</r>");
	for (int round = 0; round < 3; round++) {
		const struct brt_rnode *root = NULL;
		ck_assert_int_eq(brt__recr_read(&rr, big, len, &root), 0);
		size_t k = 0;
		for (const struct brt_rnode *c = root->children; c;
		     c = c->next, k++) {
			char want[32];
			snprintf(want, sizeof want, "%zu", k);
			ck_assert_str_eq(c->text, want);
			ck_assert_str_eq(brt__recr_attr(c, "i"), want);
		}
		ck_assert_uint_eq(k, n);
		for (int j = 0; j < 100; j++) {
			char t[64];
			snprintf(t, sizeof t, "<s n=\"%d\"><v>%d</v></s>", j,
				 j);
			const struct brt_rnode *s = read_ok(t);
			snprintf(t, sizeof t, "%d", j);
			ck_assert_str_eq(s->children->text, t);
			ck_assert_str_eq(brt__recr_attr(s, "n"), t);
		}
	}
	free(big);
}
END_TEST

START_TEST(recr_reads_numbers)
{
	long x;
	ck_assert(brt__recr_long("0", &x) && x == 0);
	ck_assert(brt__recr_long("-17", &x) && x == -17);
	ck_assert(brt__recr_long("+5", &x) && x == 5);
	char b[64];
	snprintf(b, sizeof b, "%ld", LONG_MAX);
	ck_assert(brt__recr_long(b, &x) && x == LONG_MAX);
	snprintf(b, sizeof b, "%ld", LONG_MIN);
	ck_assert(brt__recr_long(b, &x) && x == LONG_MIN);
	static const char *const bad[] = { "",
					   "-",
					   "x",
					   "1x",
					   " 1",
					   "1 ",
					   "0x1",
					   "1.5",
					   "--1",
					   "9223372036854775808",
					   "-9223372036854775809",
					   "99999999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ck_assert_msg(!brt__recr_long(bad[i], &x), "%s", bad[i]);
	ck_assert(!brt__recr_long(NULL, &x));
}
END_TEST

/* A number attribute recw.c wrote: absent is 0 (zeros are not written),
 * present is read as strictly as brt__recr_long reads it. */
START_TEST(recr_reads_number_attributes)
{
	const struct brt_rnode *n =
		read_ok("<a z='0' n='-3' e='' s=' 1' f='1.5' h='0x1' "
			"o='9223372036854775808'/>");
	long x = 99;
	ck_assert(brt__recr_num(n, "absent", &x) && x == 0);
	x = 99;
	ck_assert(brt__recr_num(n, "z", &x) && x == 0);
	ck_assert(brt__recr_num(n, "n", &x) && x == -3);
	static const char *const bad[] = { "e", "s", "f", "h", "o" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		x = 99;
		ck_assert_msg(!brt__recr_num(n, bad[i], &x), "%s", bad[i]);
		ck_assert_int_eq(x, 0);
	}
}
END_TEST

/* The reader's tree against libxml2's for the same text: element names
 * (qualified as written), attributes (namespace declarations counted),
 * element children, a leaf's text. */
static void same_tree(const struct brt_rnode *n, xmlNodePtr x)
{
	char q[256];
	snprintf(q, sizeof q, "%s%s%s",
		 x->ns && x->ns->prefix ? (const char *)x->ns->prefix : "",
		 x->ns && x->ns->prefix ? ":" : "", (const char *)x->name);
	ck_assert_str_eq(n->name, q);
	int na = 0;
	for (xmlAttrPtr a = x->properties; a; a = a->next, na++) {
		snprintf(q, sizeof q, "%s%s%s",
			 a->ns && a->ns->prefix ? (const char *)a->ns->prefix
						: "",
			 a->ns && a->ns->prefix ? ":" : "",
			 (const char *)a->name);
		xmlChar *v = xmlNodeListGetString(x->doc, a->children, 1);
		const char *mine = brt__recr_attr(n, q);
		ck_assert_ptr_nonnull(mine);
		ck_assert_str_eq(mine, v ? (const char *)v : "");
		xmlFree(v);
	}
	for (xmlNsPtr d = x->nsDef; d; d = d->next)
		na++;
	ck_assert_int_eq(n->nattrs, na);
	const struct brt_rnode *c = n->children;
	bool has_elems = false;
	for (xmlNodePtr k = x->children; k; k = k->next) {
		if (k->type != XML_ELEMENT_NODE)
			continue;
		has_elems = true;
		ck_assert_ptr_nonnull(c);
		same_tree(c, k);
		c = c->next;
	}
	ck_assert_ptr_null(c);
	if (has_elems) {
		ck_assert_ptr_null(n->text);
	} else {
		xmlChar *t = xmlNodeGetContent(x);
		ck_assert_ptr_nonnull(n->text);
		ck_assert_str_eq(n->text, (const char *)t);
		xmlFree(t);
	}
}

/* Mutants of a record-like text (bytes XML cares about put in, taken
 * out, changed): whatever the reader accepts, libxml2 accepts too and
 * reads as the same tree; nothing crashes. */
START_TEST(recr_agrees_with_libxml2_on_mutants)
{
	static const char base[] =
		"<?xml version=\"1.0\"?>\n<instance build=\"b\" id=\"1\" "
		"t='x&amp;y&#10;z'><scope id=\"1\"><var slot=\"0\"><p:m "
		"xmlns:p=\"urn:p\" xmlns=\"urn:d\" xml:lang=\"en\"><v a=\"&lt;"
		"&quot;\">t &amp; &#xe9;\r\n<![CDATA[c]]></v><!-- n -->"
		"<?pi x?></p:m></var><cset set=\"0\"><value>k\xc3\xa9"
		"</value></cset></scope><strand id=\"1\" wait=\"receive\">"
		"<receive name=\"r\"/></strand></instance>\n";
	static const char *const bits[] = {
		"<",	 ">",
		"&",	 ";",
		"\"",	 "'",
		"/",	 "!",
		"?",	 "-",
		"[",	 "]",
		"=",	 " ",
		"\t",	 "\r",
		"\n",	 "#",
		"x",	 ":",
		"\x80",	 "\xc3",
		"&lt;",	 "&#",
		"<!--",	 "-->",
		"]]>",	 "<?",
		"?>",	 "xmlns",
		"&amp;", "<![CDATA[",
		"&#x",	 "\xef\xbb\xbf",
	};
	size_t blen = sizeof base - 1;
	char *t = malloc(blen + 64);
	ck_assert_ptr_nonnull(t);
	unsigned long seed = 12345;
	int accepted = 0;
	for (int round = 0; round < 4000; round++) {
		memcpy(t, base, blen);
		size_t len = blen;
		int nmut = 1 + (int)((seed >> 16) % 3);
		for (int m = 0; m < nmut; m++) {
			seed = seed * 6364136223846793005UL +
			       1442695040888963407UL;
			size_t pos = (size_t)(seed >> 33) % (len + 1);
			const char *b = bits[(seed >> 20) %
					     (sizeof bits / sizeof *bits)];
			size_t bl = strlen(b);
			int op = (int)((seed >> 8) % 3);
			if (op == 0 && pos < len) { /* replace one byte */
				memmove(t + pos + bl, t + pos + 1,
					len - pos - 1);
				memcpy(t + pos, b, bl);
				len += bl - 1;
			} else if (op == 1) { /* insert */
				memmove(t + pos + bl, t + pos, len - pos);
				memcpy(t + pos, b, bl);
				len += bl;
			} else if (pos < len) { /* delete a few */
				size_t k = 1 + (seed >> 40) % 4;
				if (k > len - pos)
					k = len - pos;
				memmove(t + pos, t + pos + k, len - pos - k);
				len -= k;
			}
			if (len > blen + 40)
				break;
		}
		const struct brt_rnode *root = NULL;
		if (brt__recr_read(&rr, t, len, &root) != 0)
			continue;
		accepted++;
		xmlDocPtr d =
			xmlReadMemory(t, (int)len, NULL, NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR |
					      XML_PARSE_NOWARNING);
		if (!d)
			ck_abort_msg("only the reader accepts: %.*s", (int)len,
				     t);
		same_tree(root, xmlDocGetRootElement(d));
		xmlFreeDoc(d);
	}
	/* Both ways were tried. */
	ck_assert_int_gt(accepted, 100);
	ck_assert_int_lt(accepted, 3900);
	free(t);
}
END_TEST

Suite *recr_suite(void);
Suite *recr_suite(void)
{
	Suite *s = suite_create("recr");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, recr_reads_the_tree);
	tcase_add_test(tc, recr_replaces_references_and_normalizes);
	tcase_add_test(tc, recr_skips_comments_and_pis_and_reads_cdata);
	tcase_add_test(tc, recr_refuses_malformed_text);
	tcase_add_test(tc, recr_finds_duplicates_among_many_attributes);
	tcase_add_test(tc, recr_bounds_nesting);
	tcase_add_test(tc, recr_marks_namespaces);
	tcase_add_test(tc, recr_doc_parses_the_element_alone);
	tcase_add_test(tc, recr_reuses_its_buffers);
	tcase_add_test(tc, recr_reads_numbers);
	tcase_add_test(tc, recr_reads_number_attributes);
	tcase_add_test(tc, recr_agrees_with_libxml2_on_mutants);
	suite_add_tcase(s, tc);
	return s;
}
