/* test_emit.c — the generated C: golden files (each tests/golden/NAME.bpel
 * against NAME.c next to it; BPELC_GOLDEN_UPDATE=1 rewrites them), byte-for-byte
 * determinism, a build id that ignores #line, names from BPEL, and that the
 * goldens compile with the project's warning flags. */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "diag.h"
#include "emit.h"
#include "failalloc.h"
#include "load.h"
#include "lower.h"
#include "resolve.h"

static const char *golden_dir(void)
{
	const char *d = getenv("BPELC_GOLDEN_DIR");
	return d ? d : "tests/golden";
}

/* Load → resolve → check → lower → emit, like the driver. Returns the C
 * (free()) or NULL when a phase reported an error. */
static char *compile_to_c(const char *bpel, const char *out_name, bool no_line)
{
	struct arena *a = arena_new();
	struct diag *dg = diag_new(stderr, DIAG_TEXT);
	char *text = NULL;
	struct model *m = load_process(a, dg, bpel);
	if (m && !diag_errors(dg)) {
		resolve_model(m, dg);
		if (!diag_errors(dg))
			check_model(m, dg);
		if (!diag_errors(dg)) {
			struct ir_program *ir = lower_process(m, dg);
			struct emit_options o = { "test", out_name, no_line };
			if (!diag_errors(dg))
				text = emit_c(ir, &o);
		}
	}
	load_free(m);
	diag_free(dg);
	arena_free(a);
	return text;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, mem);
	fclose(mem);
	fclose(f);
	return buf;
}

static int is_bpel(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return n > 5 && strcmp(d->d_name + n - 5, ".bpel") == 0;
}

/* First differing line, for the failure message. */
static int first_diff_line(const char *x, const char *y)
{
	int line = 1;
	for (; *x && *x == *y; x++, y++)
		line += *x == '\n';
	return line;
}

START_TEST(emit_golden)
{
	struct dirent **list;
	int n = scandir(golden_dir(), &list, is_bpel, alphasort);
	ck_assert_msg(n > 0, "no .bpel in %s", golden_dir());
	bool update = getenv("BPELC_GOLDEN_UPDATE") &&
		      strcmp(getenv("BPELC_GOLDEN_UPDATE"), "1") == 0;
	int nfailed = 0;
	for (int i = 0; i < n; i++) {
		char bpel[1024], cpath[1024];
		snprintf(bpel, sizeof bpel, "%s/%s", golden_dir(),
			 list[i]->d_name);
		snprintf(cpath, sizeof cpath, "%.*s.c", (int)strlen(bpel) - 5,
			 bpel);
		char *text = compile_to_c(bpel, cpath, false);
		ck_assert_msg(text != NULL, "%s did not compile", bpel);
		if (update) {
			FILE *f = fopen(cpath, "w");
			ck_assert_ptr_nonnull(f);
			fputs(text, f);
			fclose(f);
			fprintf(stderr, "golden: wrote %s\n", cpath);
		} else {
			char *want = read_all(cpath);
			if (!want) {
				fprintf(stderr,
					"golden: %s missing (make golden-update)\n",
					cpath);
				nfailed++;
			} else if (strcmp(want, text) != 0) {
				fprintf(stderr,
					"golden: %s differs at line %d\n",
					cpath, first_diff_line(want, text));
				nfailed++;
			}
			free(want);
		}
		free(text);
		free(list[i]);
	}
	free(list);
	ck_assert_msg(nfailed == 0, "%d golden file(s) differ", nfailed);
}
END_TEST

START_TEST(emit_deterministic)
{
	char bpel[1024];
	snprintf(bpel, sizeof bpel, "%s/faults.bpel", golden_dir());
	char *one = compile_to_c(bpel, "faults.c", false);
	char *two = compile_to_c(bpel, "faults.c", false);
	ck_assert_ptr_nonnull(one);
	ck_assert_ptr_nonnull(two);
	ck_assert_str_eq(one, two);
	free(one);
	free(two);
}
END_TEST

static char *build_id(const char *text)
{
	const char *p = strstr(text, ".build_id = \"");
	ck_assert_ptr_nonnull(p);
	p += strlen(".build_id = \"");
	return strndup(p, strcspn(p, "\""));
}

START_TEST(emit_build_id_ignores_lines)
{
	char bpel[1024];
	snprintf(bpel, sizeof bpel, "%s/control.bpel", golden_dir());
	char *with = compile_to_c(bpel, "a.c", false);
	char *without = compile_to_c(bpel, "b.c", true);
	ck_assert_ptr_nonnull(with);
	ck_assert_ptr_nonnull(without);
	ck_assert_ptr_nonnull(strstr(with, "#line "));
	ck_assert_ptr_null(strstr(without, "#line "));
	char *i1 = build_id(with), *i2 = build_id(without);
	ck_assert_uint_eq(strlen(i1), 16);
	ck_assert_str_eq(i1, i2);
	free(i1);
	free(i2);
	free(with);
	free(without);
}
END_TEST

/* #line back into the .c names the line after the directive. */
START_TEST(emit_line_directives_count)
{
	char bpel[1024];
	snprintf(bpel, sizeof bpel, "%s/sequence.bpel", golden_dir());
	char *text = compile_to_c(bpel, "seq.c", false);
	ck_assert_ptr_nonnull(text);
	int line = 1, nback = 0;
	for (const char *p = text; *p; line++) {
		int want;
		const char *q = strchr(p, '"');
		if (sscanf(p, "#line %d", &want) == 1 && q &&
		    strncmp(q, "\"seq.c\"", 7) == 0) {
			ck_assert_int_eq(want, line + 1);
			nback++;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	ck_assert_int_gt(nback, 0);
	free(text);
}
END_TEST

/* Issue 11: a `#line` into the .bpel covers one line. Each statement of a
 * step function has its own directive, so no line after an activity's
 * statement claims the next lines of the .bpel (another activity's). */
START_TEST(emit_line_directives_cover_one_line)
{
	char bpel[1024];
	snprintf(bpel, sizeof bpel, "%s/control.bpel", golden_dir());
	char *text = compile_to_c(bpel, "control.c", false);
	ck_assert_ptr_nonnull(text);
	int line = 1, nsrc = 0;
	bool src = false;     /* the previous line was a .bpel directive */
	bool covered = false; /* ... and the line after it is written */
	for (const char *p = text; *p; line++) {
		const char *eol = strchr(p, '\n');
		bool blank = p[0] == '\n';
		bool directive = strncmp(p, "#line ", 6) == 0;
		if (directive) {
			src = strstr(p, ".bpel\"") &&
			      strstr(p, ".bpel\"") <
				      (eol ? eol : p + strlen(p));
			covered = false;
			nsrc += src;
		} else if (src && !blank) {
			ck_assert_msg(!covered,
				      "line %d: a second line under one "
				      ".bpel #line",
				      line);
			covered = true;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	ck_assert_int_gt(nsrc, 20);
	free(text);
}
END_TEST

/* Issue 11: every allocation of a whole compilation (load, resolve,
 * check, lower, emit of control.bpel) fails once, one per run: each run
 * ends with the C or a clean error (a diagnostic, or arena_oom's
 * "out of memory" and exit 2), never a crash; under ASan also no leak
 * (a leak report makes the child's exit status 23). Each run is a child:
 * arena_oom exits. */
START_TEST(emit_survives_allocation_failures)
{
	char bpel[1024];
	snprintf(bpel, sizeof bpel, "%s/control.bpel", golden_dir());
	long n;
	int nclean = 0;
	for (n = 1; n < 200000; n++) {
		fflush(NULL);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			ck_assert_ptr_nonnull(
				freopen("/dev/null", "w", stderr));
			failalloc_arm(n);
			char *text = compile_to_c(bpel, "control.c", false);
			bool reached = failalloc_disarm();
			free(text);
			/* 0: the n-th allocation was never made: done */
			exit(reached ? 1 : 0);
		}
		int st;
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert_msg(WIFEXITED(st), "allocation %ld: signal %d", n,
			      WIFSIGNALED(st) ? WTERMSIG(st) : 0);
		int code = WEXITSTATUS(st);
		ck_assert_msg(code == 0 || code == 1 || code == 2,
			      "allocation %ld: exit status %d", n, code);
		if (code == 0)
			break;
		nclean++;
	}
	ck_assert_int_gt(nclean, 100); /* it did fail allocations */
	ck_assert_int_lt(n, 200000);
	fprintf(stderr, "emit: %ld allocations, each failed once\n", n - 1);
}
END_TEST

START_TEST(emit_names_from_bpel)
{
	char bpel[1024];
	snprintf(bpel, sizeof bpel, "%s/control.bpel", golden_dir());
	char *text = compile_to_c(bpel, "control.c", true);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(
		text, "static enum brt_step control_loop(brt_strand *s)"));
	ck_assert_ptr_nonnull(strstr(text, "CONTROL_S_CHOOSE,"));
	/* The reserved states are in the CONTROL__ namespace, so the
	 * activities named "start" and "done" keep their names. */
	ck_assert_ptr_nonnull(strstr(text, "CONTROL__S_START = BRT_S_START"));
	ck_assert_ptr_nonnull(strstr(text, "CONTROL__S_DONE = BRT_S_DONE"));
	ck_assert_ptr_nonnull(strstr(text, "\tCONTROL_S_START = BRT_S_FIRST,"));
	ck_assert_ptr_nonnull(strstr(text, "\tCONTROL_S_DONE, /*"));
	ck_assert_ptr_nonnull(strstr(
		text, "static enum brt_step control_start(brt_strand *s)"));
	/* A table index in a call says what it stands for. */
	ck_assert_ptr_nonnull(strstr(
		text, "brt_eval_bool(s, 2 /* $in.order/g:id = 1 */, &c)"));
	ck_assert_ptr_nonnull(strstr(text, "&control__assigns[1] /* inc */)"));
	ck_assert_ptr_null(strstr(text, "S_START_2"));
	ck_assert_ptr_null(strstr(text, "S_DONE_2"));
	ck_assert_ptr_nonnull(
		strstr(text, "return brt_main(&control_process, argc, argv);"));
	free(text);
	/* unnamed: element + document order number */
	snprintf(bpel, sizeof bpel, "%s/sequence.bpel", golden_dir());
	text = compile_to_c(bpel, "sequence.c", true);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(
		text, "static enum brt_step sequence_empty3(brt_strand *s)"));
	free(text);
}
END_TEST

START_TEST(emit_names_ident_and_clash)
{
	struct arena *a = arena_new();
	ck_assert_str_eq(emit_names_ident(a, "Assign-Literal"),
			 "Assign_Literal");
	ck_assert_str_eq(emit_names_ident(a, "1st.step"), "x1st_step");
	ck_assert_str_eq(emit_names_upper(a, "a_b1"), "A_B1");
	arena_free(a);
}
END_TEST

/* The goldens compile with the flags the project uses for itself. */
START_TEST(emit_golden_compiles)
{
	struct dirent **list;
	int n = scandir(golden_dir(), &list, is_bpel, alphasort);
	ck_assert_int_gt(n, 0);
	for (int i = 0; i < n; i++) {
		char bpel[1024];
		snprintf(bpel, sizeof bpel, "%s/%s", golden_dir(),
			 list[i]->d_name);
		char *text = compile_to_c(bpel, "x.c", false);
		ck_assert_ptr_nonnull(text);
		char dir[] = "/tmp/bpelc-test-XXXXXX";
		ck_assert_ptr_nonnull(mkdtemp(dir));
		char cfile[256], ofile[256];
		snprintf(cfile, sizeof cfile, "%s/x.c", dir);
		snprintf(ofile, sizeof ofile, "%s/x.o", dir);
		FILE *f = fopen(cfile, "w");
		fputs(text, f);
		fclose(f);
		pid_t pid = fork();
		if (pid == 0) {
			const char *cc = getenv("CC") ? getenv("CC") : "cc";
			execlp(cc, cc, "-std=c11", "-Wall", "-Wextra",
			       "-Werror", "-Wshadow", "-Wstrict-prototypes",
			       "-Wmissing-prototypes", "-Wformat=2",
			       "-Iinclude", "-c", "-o", ofile, cfile,
			       (char *)NULL);
			_exit(127);
		}
		int status = 0;
		waitpid(pid, &status, 0);
		unlink(cfile);
		unlink(ofile);
		rmdir(dir);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "generated C of %s does not compile", bpel);
		free(text);
		free(list[i]);
	}
	free(list);
}
END_TEST

Suite *emit_suite(void);

Suite *emit_suite(void)
{
	Suite *s = suite_create("emit");
	TCase *tc = tcase_create("emit");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, emit_golden);
	tcase_add_test(tc, emit_deterministic);
	tcase_add_test(tc, emit_build_id_ignores_lines);
	tcase_add_test(tc, emit_line_directives_count);
	tcase_add_test(tc, emit_line_directives_cover_one_line);
	tcase_add_test(tc, emit_names_from_bpel);
	tcase_add_test(tc, emit_names_ident_and_clash);
	tcase_add_test(tc, emit_golden_compiles);
	/* One child per allocation: slow under the sanitizers. */
	TCase *alloc = tcase_create("allocation");
	tcase_set_timeout(alloc, 600);
	tcase_add_test(alloc, emit_survives_allocation_failures);
	suite_add_tcase(s, alloc);
	suite_add_tcase(s, tc);
	return s;
}
