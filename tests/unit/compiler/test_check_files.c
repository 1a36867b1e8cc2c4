/* test_check_files.c — each .bpel in tests/check/bad must be rejected with
 * the code and at the line its first comment gives
 * (<!-- expect: SA00023 line 26 -->); each in tests/check/good must pass
 * load, resolve and check with no error. */
#include <check.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check.h"
#include "diag.h"
#include "load.h"
#include "resolve.h"

/* Diagnostics of load+resolve+check on path (caller frees). */
static char *run(const char *path, int *nerrors)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	struct arena *a = arena_new();
	struct diag *dg = diag_new(f, DIAG_TEXT);
	struct model *m = load_process(a, dg, path);
	if (m) {
		resolve_model(m, dg);
		check_model(m, dg);
		load_free(m);
	}
	*nerrors = diag_errors(dg) + (m ? 0 : 1);
	diag_free(dg);
	arena_free(a);
	fclose(f);
	return out;
}

START_TEST(check_files_bad)
{
	glob_t g;
	ck_assert_int_eq(glob("tests/check/bad/*.bpel", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		ck_assert_ptr_nonnull(f);
		char line[256], code[16];
		int lineno = 0;
		bool found = false;
		while (!found && fgets(line, sizeof(line), f))
			found = sscanf(line, "<!-- expect: %15s line %d -->",
				       code, &lineno) == 2;
		fclose(f);
		ck_assert_msg(found, "%s: no expect comment", g.gl_pathv[i]);
		int nerr;
		char *out = run(g.gl_pathv[i], &nerr);
		char want[1024];
		snprintf(want, sizeof(want), "%s:%d:", g.gl_pathv[i], lineno);
		bool hit = false;
		for (char *p = strstr(out, want); p && !hit;
		     p = strstr(p + 1, want)) {
			char *eol = strchr(p, '\n');
			char *c = strstr(p, code);
			hit = c && (!eol || c < eol) &&
			      strstr(p, "error:") < (eol ? eol : p + strlen(p));
		}
		ck_assert_msg(nerr > 0 && hit,
			      "%s: expected %s at line %d, got:\n%s",
			      g.gl_pathv[i], code, lineno, out);
		free(out);
	}
	globfree(&g);
}
END_TEST

START_TEST(check_files_good)
{
	glob_t g;
	ck_assert_int_eq(glob("tests/check/good/*.bpel", 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		int nerr;
		char *out = run(g.gl_pathv[i], &nerr);
		ck_assert_msg(nerr == 0, "%s: unexpected errors:\n%s",
			      g.gl_pathv[i], out);
		free(out);
	}
	globfree(&g);
}
END_TEST

Suite *check_files_suite(void);
Suite *check_files_suite(void)
{
	Suite *s = suite_create("check_files");
	TCase *tc = tcase_create("files");
	tcase_add_test(tc, check_files_bad);
	tcase_add_test(tc, check_files_good);
	suite_add_tcase(s, tc);
	return s;
}
