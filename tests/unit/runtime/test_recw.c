/*
 * test_recw.c — the record writer (runtime/engine/recw.c): what it writes
 * parses back to what was given: nesting, numbers (a 0 is not written;
 * a real number always is), no XML declaration, escaping of attribute
 * values and text (bytes XML cannot carry become '?', so a record always
 * parses), and variable documents with their namespaces, including a
 * hand-built tree whose namespace is declared nowhere.
 */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "engine.h"

/* Parses what w holds; the writer is emptied. */
static xmlDocPtr parse(struct brt_recw *w)
{
	ck_assert_int_eq(w->err, 0);
	size_t len = 0;
	char *buf = brt__recw_take(w, &len);
	ck_assert_ptr_nonnull(buf);
	xmlDocPtr d = xmlReadMemory(buf, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR |
					    XML_PARSE_NOWARNING);
	if (!d)
		ck_abort_msg("does not parse: %s", buf);
	free(buf);
	return d;
}

static void ck_prop(xmlNodePtr n, const char *name, const char *want)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq((const char *)v, want);
	xmlFree(v);
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	ck_abort_msg("no <%s>", name);
	return NULL;
}

START_TEST(recw_nests_and_writes_numbers)
{
	struct brt_recw w;
	brt__recw_init(&w);
	brt__recw_open(&w, "a");
	brt__recw_num(&w, "min", LONG_MIN);
	brt__recw_num(&w, "neg", -5);
	brt__recw_num(&w, "zero", 0);
	brt__recw_ulong(&w, "max", ULONG_MAX);
	brt__recw_ulong(&w, "uzero", 0);
	brt__recw_ulong(&w, "one", 1);
	brt__recw_real(&w, "t", 1.5);
	brt__recw_real(&w, "t0", 0);
	brt__recw_str(&w, "none", NULL);
	brt__recw_open(&w, "b");
	brt__recw_close(&w, "b");
	brt__recw_open(&w, "c");
	brt__recw_str(&w, "x", "1");
	brt__recw_text(&w, "t");
	brt__recw_close(&w, "c");
	brt__recw_close(&w, "a");
	ck_assert_ptr_nonnull(strstr(w.buf, "<b/><c x=\"1\">t</c></a>"));
	/* The record is its root element: no declaration, nothing after. */
	ck_assert_int_eq(strncmp(w.buf, "<a ", 3), 0);
	ck_assert_str_eq(w.buf + w.len - 4, "</a>");
	/* Zeros are not written, numbers next to them are. */
	ck_assert_ptr_nonnull(strstr(w.buf, " neg=\"-5\" max=\""));
	ck_assert_ptr_nonnull(strstr(w.buf, "\" one=\"1\" t=\"1.500000\""));
	xmlDocPtr d = parse(&w);
	xmlNodePtr a = xmlDocGetRootElement(d);
	char b[64];
	snprintf(b, sizeof b, "%ld", LONG_MIN);
	ck_prop(a, "min", b);
	ck_prop(a, "neg", "-5");
	ck_assert(!xmlHasProp(a, BAD_CAST "zero"));
	snprintf(b, sizeof b, "%lu", ULONG_MAX);
	ck_prop(a, "max", b);
	ck_assert(!xmlHasProp(a, BAD_CAST "uzero"));
	ck_prop(a, "one", "1");
	ck_prop(a, "t", "1.500000");
	ck_prop(a, "t0", "0.000000");
	ck_assert(!xmlHasProp(a, BAD_CAST "none"));
	xmlChar *t = xmlNodeGetContent(child(a, "c"));
	ck_assert_str_eq((const char *)t, "t");
	xmlFree(t);
	xmlFreeDoc(d);
	brt__recw_free(&w);
}
END_TEST

START_TEST(recw_escapes_what_xml_needs)
{
	/* Markup, whitespace that attribute normalisation would eat, a
	 * control character and bytes that are not UTF-8 (0xff, a lone
	 * continuation byte, a surrogate, U+FFFF), and UTF-8 kept as is. */
	const char *in =
		"x&<>\"'\n\t\r\x01 \xff \x80 \xed\xa0\x80 \xef\xbf\xbf "
		"\xc3\xa9 \xf0\x9f\x98\x80";
	const char *attr_want = "x&<>\"'\n\t\r? ? ? ??? ??? "
				"\xc3\xa9 \xf0\x9f\x98\x80";
	struct brt_recw w;
	brt__recw_init(&w);
	brt__recw_open(&w, "a");
	brt__recw_str(&w, "v", in);
	brt__recw_text(&w, in);
	brt__recw_close(&w, "a");
	xmlDocPtr d = parse(&w);
	xmlNodePtr a = xmlDocGetRootElement(d);
	ck_prop(a, "v", attr_want);
	xmlChar *t = xmlNodeGetContent(a);
	ck_assert_str_eq((const char *)t, attr_want);
	xmlFree(t);
	xmlFreeDoc(d);
}
END_TEST

START_TEST(recw_writes_documents_with_their_namespaces)
{
	const char *src = "<p:a xmlns:p='urn:x'><p:b q:c='1' "
			  "xmlns:q='urn:q'>v</p:b><d xml:lang='en'/></p:a>";
	xmlDocPtr var = xmlReadMemory(src, (int)strlen(src), NULL, NULL, 0);
	ck_assert_ptr_nonnull(var);
	/* A tree built by hand: its namespace is declared nowhere. */
	xmlDocPtr hand = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr r = xmlNewDocNode(hand, NULL, BAD_CAST "r", NULL);
	xmlDocSetRootElement(hand, r);
	xmlNsPtr loose = xmlNewNs(NULL, BAD_CAST "urn:h", BAD_CAST "h");
	xmlSetNs(r, loose);

	struct brt_recw w;
	brt__recw_init(&w);
	brt__recw_open(&w, "rec");
	brt__recw_open(&w, "var");
	brt__recw_doc(&w, var);
	brt__recw_close(&w, "var");
	brt__recw_open(&w, "var");
	brt__recw_doc(&w, hand);
	brt__recw_close(&w, "var");
	brt__recw_open(&w, "var");
	brt__recw_doc(&w, NULL);
	brt__recw_close(&w, "var");
	brt__recw_close(&w, "rec");
	xmlDocPtr d = parse(&w);
	xmlNodePtr v1 = child(xmlDocGetRootElement(d), "var");
	xmlNodePtr a = child(v1, "a");
	ck_assert_ptr_nonnull(a->ns);
	ck_assert_str_eq((const char *)a->ns->href, "urn:x");
	xmlNodePtr b = child(a, "b");
	ck_assert_str_eq((const char *)b->ns->href, "urn:x");
	xmlChar *c = xmlGetNsProp(b, BAD_CAST "c", BAD_CAST "urn:q");
	ck_assert_str_eq((const char *)c, "1");
	xmlFree(c);
	xmlNodePtr v2 = v1->next;
	xmlNodePtr r2 = child(v2, "r");
	ck_assert_ptr_nonnull(r2->ns);
	ck_assert_str_eq((const char *)r2->ns->href, "urn:h");
	ck_assert_ptr_null(v2->next->children);
	xmlFreeDoc(d);
	xmlFreeDoc(var);
	xmlFreeDoc(hand);
	xmlFreeNs(loose);
}
END_TEST

Suite *recw_suite(void);
Suite *recw_suite(void)
{
	Suite *s = suite_create("recw");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, recw_nests_and_writes_numbers);
	tcase_add_test(tc, recw_escapes_what_xml_needs);
	tcase_add_test(tc, recw_writes_documents_with_their_namespaces);
	suite_add_tcase(s, tc);
	return s;
}
