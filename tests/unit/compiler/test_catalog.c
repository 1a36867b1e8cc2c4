/* test_catalog.c — OASIS XML catalogs read locally (catalog.c): exact,
 * rewrite (longest prefix) and suffix entries, groups and xml:base,
 * nextCatalog in depth-first order and without loops, file: URIs, and a
 * mapping to a URL that is not local; the import path is normalized
 * (load.c). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "catalog.h"
#include "compile_kit.h"
#include "diag.h"
#include "model.h"

#define CAT_HEAD \
	"<catalog xmlns=\"urn:oasis:names:tc:entity:xmlns:xml:catalog\">\n"

START_TEST(catalog_entries_and_order)
{
	struct kit x = { 0 };
	x.a = arena_new();
	FILE *devnull = fopen("/dev/null", "w");
	struct diag *dg = diag_new(devnull, DIAG_TEXT);
	struct model m = { 0 };
	m.arena = x.a;
	const char *main_cat = kit_write(
		&x, "catalog.xml",
		CAT_HEAD
		"<system systemId=\"http://h/a?wsdl\" uri=\"refs/a.wsdl\"/>\n"
		"<uri name=\"urn:x:b\" uri=\"/abs/b.xsd\"/>\n"
		"<rewriteSystem systemIdStartString=\"http://h/\" rewritePrefix=\"short/\"/>\n"
		"<rewriteSystem systemIdStartString=\"http://h/long/\" rewritePrefix=\"file:///l/\"/>\n"
		"<group xml:base=\"/grp/\"><systemSuffix systemIdSuffix=\"/c.wsdl\" uri=\"c.wsdl\"/></group>\n"
		"<system systemId=\"http://h/chain\" uri=\"http://h/a?wsdl\"/>\n"
		"<system systemId=\"http://h/away\" uri=\"http://elsewhere/x\"/>\n"
		"<nextCatalog catalog=\"next.xml\"/>\n"
		"<nextCatalog catalog=\"catalog.xml\"/>\n"
		"</catalog>\n");
	kit_write(&x, "next.xml",
		  CAT_HEAD
		  "<system systemId=\"http://other/d\" uri=\"d.wsdl\"/>\n"
		  "<system systemId=\"http://h/a?wsdl\" uri=\"never.wsdl\"/>\n"
		  "</catalog>\n");
	struct catalog *c = catalog_new(&m, dg);
	ck_assert(catalog_add(c, main_cat, true, NULL));
	char want[256];
	snprintf(want, sizeof want, "%s/refs/a.wsdl", x.dir);
	ck_assert_str_eq(catalog_resolve(c, "http://h/a?wsdl"), want);
	ck_assert_str_eq(catalog_resolve(c, "urn:x:b"), "/abs/b.xsd");
	snprintf(want, sizeof want, "%s/short/z/y.xsd", x.dir);
	ck_assert_str_eq(catalog_resolve(c, "http://h/z/y.xsd"), want);
	ck_assert_str_eq(catalog_resolve(c, "http://h/long/q.xsd"), "/l/q.xsd");
	ck_assert_str_eq(catalog_resolve(c, "http://any/c.wsdl"),
			 "/grp/c.wsdl");
	snprintf(want, sizeof want, "%s/refs/a.wsdl", x.dir);
	ck_assert_str_eq(catalog_resolve(c, "http://h/chain"), want);
	ck_assert_ptr_null(catalog_resolve(c, "http://h/away"));
	snprintf(want, sizeof want, "%s/d.wsdl", x.dir);
	ck_assert_str_eq(catalog_resolve(c, "http://other/d"), want);
	ck_assert_ptr_null(catalog_resolve(c, "http://nowhere/e"));
	/* a missing or foreign catalog */
	ck_assert(!catalog_add(c, "/nonexistent/catalog.xml", false, NULL));
	ck_assert(
		!catalog_add(c, kit_write(&x, "not.xml", "<a/>"), false, NULL));
	ck_assert_int_eq(diag_errors(dg), 0);
	ck_assert(!catalog_add(c, "/nonexistent/catalog.xml", true, NULL));
	ck_assert_int_eq(diag_errors(dg), 1);
	diag_free(dg);
	fclose(devnull);
	kit_free(&x);
}
END_TEST

START_TEST(catalog_urls)
{
	ck_assert(catalog_is_url("http://h/x"));
	ck_assert(catalog_is_url("urn:x:y"));
	ck_assert(catalog_is_url("file:///a"));
	ck_assert(!catalog_is_url("c:/dir/x.wsdl"));
	ck_assert(!catalog_is_url("dir/x.wsdl"));
	ck_assert(!catalog_is_url("/abs/x.wsdl"));
	ck_assert(!catalog_is_url("x.wsdl?a:b"));
}
END_TEST

/* Import paths are printed normalized: "sub/../w.wsdl" is "w.wsdl". */
START_TEST(load_import_paths_are_normalized)
{
	struct kit x = { 0 };
	const char *p = kit_write(
		&x, "n.bpel",
		"<process name=\"P\" targetNamespace=\"urn:p\"\n"
		"    xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\">\n"
		"  <import namespace=\"urn:w\" location=\"./sub/../missing.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <empty/>\n</process>\n");
	kit_run(&x, p, KIT_LOAD);
	char want[256];
	snprintf(want, sizeof want, "'%s/missing.wsdl'", x.dir);
	ck_assert_msg(strstr(x.out, want) && !strstr(x.out, ".."), "%s", x.out);
	kit_free(&x);
}
END_TEST

Suite *catalog_suite(void);
Suite *catalog_suite(void)
{
	Suite *s = suite_create("catalog");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, catalog_entries_and_order);
	tcase_add_test(tc, catalog_urls);
	tcase_add_test(tc, load_import_paths_are_normalized);
	suite_add_tcase(s, tc);
	return s;
}
