/* test_check_files.c — each .bpel in tests/check/bad (one per code bpelc
 * reports) must be rejected with the code, as an error, at the line its
 * first comment gives (<!-- expect: SA00023 line 26 -->); each in
 * tests/check/good must pass load, resolve and check with no error. */
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

/* The expectation in a file's first comments: "expect: CODE line N" (an
 * error), "expect-warning: CODE line N" (one of the three warning rules),
 * either followed by "in FILE" when the line is in a WSDL beside it. */
struct expect {
	char code[16], in[64];
	int line;
	bool warning;
};

static bool read_expect(const char *path, struct expect *x)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	char line[256];
	bool found = false;
	x->in[0] = '\0';
	while (!found && fgets(line, sizeof(line), f)) {
		char kind[16];
		int n = sscanf(line, "<!-- %15[a-z-]: %15s line %d in %63s",
			       kind, x->code, &x->line, x->in);
		found = n >= 3 && (strcmp(kind, "expect") == 0 ||
				   strcmp(kind, "expect-warning") == 0);
		x->warning = found && strcmp(kind, "expect-warning") == 0;
		if (n < 4 || strcmp(x->in, "-->") == 0)
			x->in[0] = '\0';
	}
	fclose(f);
	return found;
}

/* Whether out has "<file>:<line>:<col>: <kind>: <code>:" on one line. */
static bool reported_at(const char *out, const char *file, int lineno,
			const char *kind, const char *code)
{
	char want[1100], what[64];
	snprintf(want, sizeof(want), "%s:%d:", file, lineno);
	snprintf(what, sizeof(what), " %s: %s:", kind, code);
	for (const char *p = strstr(out, want); p; p = strstr(p + 1, want)) {
		if (p != out && p[-1] != '\n')
			continue; /* a longer path that ends in file */
		const char *eol = strchr(p, '\n');
		const char *e = strstr(p, what);
		if (e && (!eol || e < eol))
			return true;
	}
	return false;
}

/* tests/check/bad/CODE.bpel beside the shared t.wsdl, or CODE/t.bpel with
 * its own WSDL for the rules about WSDL definitions. */
START_TEST(check_files_bad)
{
	glob_t g;
	ck_assert_int_eq(glob("tests/check/bad/*.bpel", 0, NULL, &g), 0);
	ck_assert_int_eq(
		glob("tests/check/bad/*/*.bpel", GLOB_APPEND, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i];
		struct expect x;
		ck_assert_msg(read_expect(path, &x), "%s: no expect comment",
			      path);
		int nerr;
		char *out = run(path, &nerr);
		char file[1024];
		if (x.in[0]) {
			const char *slash = strrchr(path, '/');
			snprintf(file, sizeof(file), "%.*s/%s",
				 (int)(slash - path), path, x.in);
		} else
			snprintf(file, sizeof(file), "%s", path);
		bool hit = reported_at(out, file, x.line,
				       x.warning ? "warning" : "error", x.code);
		ck_assert_msg((x.warning || nerr > 0) && hit,
			      "%s: expected %s %s at %s:%d, got:\n%s", path,
			      x.warning ? "warning" : "error", x.code, file,
			      x.line, out);
		free(out);
	}
	/* One case per code bpelc reports (docs/diagnostics.md lists 94). */
	ck_assert_uint_ge(g.gl_pathc, 94);
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
