/* test_check_corpus.c — no false positives: every process of the feature
 * corpus (../shared/conformance/feature/<group>/<test>/<test>.bpel) and
 * every sample passes load, resolve and check with no error, and (an
 * independent oracle) validates against the official
 * ws-bpel_executable.xsd. Skips (test_skip) when ../shared is absent. */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/catalog.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "arena.h"
#include "check.h"
#include "diag.h"
#include "load.h"
#include "resolve.h"
#include "skip.h"

static const char *shared_dir(void)
{
	const char *d = getenv("BPELC_SHARED");
	return d ? d : "../shared";
}

/* Every feature-corpus process and sample; NULL-terminated, caller frees
 * with globfree. */
static int corpus(glob_t *g)
{
	char pat[1024];
	snprintf(pat, sizeof(pat), "%s/conformance/feature/*/*/*.bpel",
		 shared_dir());
	int rc = glob(pat, 0, NULL, g);
	glob(rc == 0 ? "samples/*/*.bpel" : "samples/*/*.bpel",
	     rc == 0 ? GLOB_APPEND : 0, NULL, g);
	return rc;
}

START_TEST(check_corpus_no_false_positives)
{
	glob_t g;
	if (corpus(&g) != 0) {
		char why[1100];
		snprintf(why, sizeof(why), "%s/conformance not found",
			 shared_dir());
		test_skip("check_corpus", why);
		globfree(&g);
		return;
	}
	int nbad = 0;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct arena *a = arena_new();
		struct diag *dg = diag_new(f, DIAG_TEXT);
		struct model *m = load_process(a, dg, g.gl_pathv[i]);
		if (m) {
			resolve_model(m, dg);
			check_model(m, dg);
			load_free(m);
		}
		if (!m || diag_errors(dg) > 0)
			nbad++;
		diag_free(dg);
		arena_free(a);
	}
	fclose(f);
	ck_assert_msg(g.gl_pathc > 100, "only %zu processes found", g.gl_pathc);
	ck_assert_msg(nbad == 0, "%d of %zu processes rejected:\n%s", nbad,
		      g.gl_pathc, out);
	free(out);
	globfree(&g);
}
END_TEST

static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

START_TEST(check_corpus_validates_against_schema)
{
	glob_t g;
	if (corpus(&g) != 0) {
		char why[1100];
		snprintf(why, sizeof(why), "%s/conformance not found",
			 shared_dir());
		test_skip("check_corpus", why);
		globfree(&g);
		return;
	}
	char path[1024];
	snprintf(path, sizeof(path), "%s/schemas/catalog.xml", shared_dir());
	xmlInitializeCatalog();
	xmlLoadCatalog(path);
	snprintf(path, sizeof(path), "%s/schemas/ws-bpel_executable.xsd",
		 shared_dir());
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(path);
	ck_assert_ptr_nonnull(pc);
	xmlSchemaSetParserErrors(pc, quiet, quiet, NULL);
	xmlSchemaPtr schema = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	ck_assert_msg(schema != NULL, "cannot parse %s", path);
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	xmlSchemaSetValidErrors(vc, quiet, quiet, NULL);
	int nbad = 0;
	char bad[4096] = "";
	for (size_t i = 0; i < g.gl_pathc; i++) {
		xmlDocPtr d = xmlReadFile(g.gl_pathv[i], NULL, XML_PARSE_NONET);
		if (!d || xmlSchemaValidateDoc(vc, d) != 0) {
			nbad++;
			if (strlen(bad) + strlen(g.gl_pathv[i]) + 2 <
			    sizeof(bad)) {
				strcat(bad, g.gl_pathv[i]);
				strcat(bad, "\n");
			}
		}
		xmlFreeDoc(d);
	}
	xmlSchemaFreeValidCtxt(vc);
	xmlSchemaFree(schema);
	xmlCatalogCleanup();
	ck_assert_msg(nbad == 0, "%d processes do not validate:\n%s", nbad,
		      bad);
	globfree(&g);
}
END_TEST

Suite *check_corpus_suite(void);
Suite *check_corpus_suite(void)
{
	Suite *s = suite_create("check_corpus");
	TCase *tc = tcase_create("corpus");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, check_corpus_no_false_positives);
	tcase_add_test(tc, check_corpus_validates_against_schema);
	suite_add_tcase(s, tc);
	return s;
}
