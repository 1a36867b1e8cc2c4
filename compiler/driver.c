/*
 * driver.c — the phase order of a compilation and the C compiler run.
 *
 * Phases: load → resolve → check → lower → emit → cc. The driver looks at
 * the diagnostics' error count after each one and stops at the first that
 * reported an error. To build an executable it writes the C into a fresh
 * temporary directory, runs $CC (fork + exec, no shell) with the flags the
 * Makefile baked in (BPELC_RT_CFLAGS / BPELC_RT_LIBS), and removes the
 * directory again. The runtime's header and library are found relative to
 * bpelc's own executable (build tree or installed prefix) unless
 * BPELC_INCLUDE / BPELC_LIBDIR say otherwise.
 * Option parsing is main.c's; this file does no argv handling.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "driver.h"
#include "emit.h"
#include "emit_dot.h"
#include "ir.h"
#include "load.h"
#include "lower.h"
#include "ode.h"
#include "resolve.h"
#include "strbuf.h"

#ifndef BPELC_VERSION
#define BPELC_VERSION "0.0.0"
#endif
#ifndef BPELC_RT_CFLAGS
#define BPELC_RT_CFLAGS "-std=c11"
#endif
#ifndef BPELC_RT_LIBS
#define BPELC_RT_LIBS ""
#endif

const char *driver_version(void)
{
	return BPELC_VERSION;
}

/* "dir/name.bpel" -> "name" (malloc'd). */
static char *base_name(const char *path)
{
	const char *b = strrchr(path, '/');
	b = b ? b + 1 : path;
	const char *dot = strrchr(b, '.');
	size_t len = dot && dot != b ? (size_t)(dot - b) : strlen(b);
	char *r = malloc(len + 1);
	if (!r)
		arena_oom();
	memcpy(r, b, len);
	r[len] = 0;
	return r;
}

static bool file_exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The directory bpelc runs from, in buf. */
static bool exe_dir(const struct driver_options *o, char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size - 1);
	if (n > 0) {
		buf[n] = 0;
	} else {
		if (!o->argv0 || !strchr(o->argv0, '/'))
			return false;
		snprintf(buf, size, "%s", o->argv0);
	}
	char *slash = strrchr(buf, '/');
	if (!slash)
		return false;
	*slash = 0;
	return true;
}

/* Find the directory under `env` or among `rel` (relative to the
 * executable's directory) that holds `file`. */
static bool find_dir(const struct driver_options *o, const char *env,
		     const char *const *rel, const char *file, char *out,
		     size_t size)
{
	const char *v = getenv(env);
	if (v && *v) {
		snprintf(out, size, "%s", v);
		return file_exists(out, file);
	}
	char dir[PATH_MAX];
	if (!exe_dir(o, dir, sizeof dir))
		return false;
	for (int i = 0; rel[i]; i++) {
		snprintf(out, size, "%s%s", dir, rel[i]);
		if (file_exists(out, file))
			return true;
	}
	return false;
}

/* Append s to the NULL-terminated *argv (n used, cap allocated). */
static void add_arg(char *s, char ***argv, int *n, int *cap)
{
	if (*n + 2 > *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*argv = realloc(*argv, sizeof(char *) * (size_t)*cap);
		if (!*argv)
			arena_oom();
	}
	(*argv)[(*n)++] = s;
	(*argv)[*n] = NULL;
}

/* Split on white space into argv slots (flags baked in by the Makefile
 * and $CC carry no quoting). Appends to *argv. */
static void split_args(char *s, char ***argv, int *n, int *cap)
{
	for (char *tok = strtok(s, " \t\n"); tok; tok = strtok(NULL, " \t\n"))
		add_arg(tok, argv, n, cap);
}

/* The child's output, line by line, as the tool's own messages: in the
 * JSON and SARIF formats stderr must stay one valid document. */
static void relay_lines(struct diag *dg, int fd)
{
	struct strbuf out = STRBUF_INIT;
	char buf[4096];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_add(&out, buf, (size_t)n);
	}
	for (char *line = out.buf, *nl; line && *line; line = nl) {
		nl = strchr(line, '\n');
		if (nl)
			*nl++ = 0;
		else
			nl = line + strlen(line);
		if (*line)
			diag_tool(dg, "%s", line);
	}
	strbuf_free(&out);
}

/* Run argv. In text form the child's stdout goes to our stderr so its
 * messages show where ours do; in the JSON and SARIF forms both its
 * streams are relayed through the sink. Returns its exit status, or -1
 * if it could not run. */
static int run(struct diag *dg, bool capture, char **argv)
{
	int pfd[2] = { -1, -1 };
	if (capture && pipe(pfd) != 0) {
		diag_tool(dg, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		diag_tool(dg, "fork: %s", strerror(errno));
		if (capture) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return -1;
	}
	if (pid == 0) {
		if (capture) {
			dup2(pfd[1], 1);
			dup2(pfd[1], 2);
			close(pfd[0]);
			close(pfd[1]);
		} else {
			dup2(2, 1);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "bpelc: cannot run '%s': %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (capture) {
		close(pfd[1]);
		relay_lines(dg, pfd[0]);
		close(pfd[0]);
	}
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int write_file(struct diag *dg, const char *path, const char *text)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!f) {
		diag_tool(dg, "cannot write %s: %s", path, strerror(errno));
		return 2;
	}
	size_t len = strlen(text);
	bool ok = fwrite(text, 1, len, f) == len;
	if (f == stdout)
		ok = fflush(f) == 0 && ok;
	else
		ok = fclose(f) == 0 && ok;
	if (!ok) {
		diag_tool(dg, "cannot write %s: %s", path, strerror(errno));
		return 2;
	}
	return 0;
}

/* A path as a make prerequisite or target: blanks and '#' escaped with
 * a backslash, '$' doubled (what gcc -MD writes). */
static void make_escape(struct strbuf *sb, const char *path)
{
	for (const char *p = path; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '#')
			strbuf_putc(sb, '\\');
		else if (*p == '$')
			strbuf_putc(sb, '$');
		strbuf_putc(sb, *p);
	}
}

/* The -MD file: "TARGET: every file the compilation read", wrapped as gcc
 * wraps it, and with -MP an empty rule per prerequisite. The target(s)
 * of -MT are written as given (make syntax already). */
static int write_deps(const struct driver_options *o, struct diag *dg,
		      const struct model *m, const char *target)
{
	char *path = NULL;
	if (o->dep_path) {
		path = strdup(o->dep_path);
	} else {
		/* "dir/loan" -> "dir/loan.d", "loan.c" -> "loan.d" */
		const char *slash = strrchr(target, '/');
		const char *dot = strrchr(slash ? slash + 1 : target, '.');
		size_t n = dot && dot != (slash ? slash + 1 : target)
				   ? (size_t)(dot - target)
				   : strlen(target);
		path = malloc(n + 3);
		if (path)
			snprintf(path, n + 3, "%.*s.d", (int)n, target);
	}
	if (!path)
		arena_oom();
	struct strbuf sb = STRBUF_INIT;
	if (o->dep_target)
		strbuf_puts(&sb, o->dep_target);
	else
		make_escape(&sb, target);
	strbuf_putc(&sb, ':');
	size_t col = sb.len;
	for (const struct model_dep *d = m->deps; d; d = d->next) {
		struct strbuf one = STRBUF_INIT;
		make_escape(&one, d->path);
		if (col + 1 + one.len > 78) {
			strbuf_puts(&sb, " \\\n");
			col = 0;
		}
		strbuf_putc(&sb, ' ');
		strbuf_puts(&sb, one.buf);
		col += 1 + one.len;
		strbuf_free(&one);
	}
	strbuf_putc(&sb, '\n');
	if (o->dep_phony)
		for (const struct model_dep *d = m->deps; d; d = d->next) {
			if (d == m->deps)
				continue; /* the process itself, as gcc -MP */
			strbuf_putc(&sb, '\n');
			make_escape(&sb, d->path);
			strbuf_puts(&sb, ":\n");
		}
	int rc = write_file(dg, path, sb.buf);
	strbuf_free(&sb);
	free(path);
	return rc;
}

/* Build the executable `out` from the C text. The C goes to a fresh
 * temporary directory under the name NAME.c, and the flags map that
 * directory and the working directory to '.', so neither the C nor the
 * executable holds a path that changes from one build to the next
 * (reproducible builds: same inputs, same bytes). */
/* `test`: with test mode's runtime, whose __wrap_brt_main replaces
 * brt_main (runtime/test/). */
static int compile_c(const struct driver_options *o, struct diag *dg,
		     struct ir_program *ir, const char *out, bool test)
{
	const char *libname = test ? "libbpelrt-test.a" : "libbpelrt.a";
	static const char *const inc_rel[] = { "/../include", "/../../include",
					       NULL };
	static const char *const lib_rel[] = { "", "/../lib", NULL };
	char incdir[PATH_MAX], libdir[PATH_MAX];
	if (!find_dir(o, "BPELC_INCLUDE", inc_rel, "bpelrt.h", incdir,
		      sizeof incdir)) {
		diag_tool(dg, "cannot find bpelrt.h (set BPELC_INCLUDE)");
		return 2;
	}
	if (!find_dir(o, "BPELC_LIBDIR", lib_rel, libname, libdir,
		      sizeof libdir)) {
		diag_tool(dg,
			  test ? "cannot find libbpelrt-test.a (set "
				 "BPELC_LIBDIR)"
			       : "cannot find libbpelrt.a (set BPELC_LIBDIR)");
		return 2;
	}

	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/bpelc-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		diag_tool(dg, "cannot make a temporary directory: %s",
			  strerror(errno));
		return 2;
	}
	char *base = base_name(o->input);
	char cfile[PATH_MAX], cname[PATH_MAX];
	int len = snprintf(cfile, sizeof cfile, "%s/%s.c", dir, base);
	snprintf(cname, sizeof cname, "%s.c", base);
	free(base);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		cwd[0] = 0;
	if (len < 0 || (size_t)len >= sizeof cfile) {
		rmdir(dir);
		diag_tool(dg, "temporary path too long");
		return 2;
	}

	/* #line back into the C names NAME.c, as the prefix map makes the
	 * compiler see it, never the random temporary path. */
	struct emit_options eo = { BPELC_VERSION, cname, o->no_line };
	char *text = emit_c(ir, &eo);
	int rc = write_file(dg, cfile, text);
	free(text);
	if (rc == 0) {
		char *cc = strdup(getenv("CC") && *getenv("CC") ? getenv("CC")
								: "cc");
		char *cflags = strdup(BPELC_RT_CFLAGS);
		char *libs = strdup(BPELC_RT_LIBS);
		char incflag[PATH_MAX + 2], lib[PATH_MAX + 32];
		char map_tmp[PATH_MAX + 32], map_cwd[PATH_MAX + 32];
		snprintf(incflag, sizeof incflag, "-I%s", incdir);
		snprintf(map_tmp, sizeof map_tmp, "-ffile-prefix-map=%s=.",
			 dir);
		snprintf(map_cwd, sizeof map_cwd, "-ffile-prefix-map=%s=.",
			 cwd);
		snprintf(lib, sizeof lib, "%s/%s", libdir, libname);
		char **argv = NULL;
		int n = 0, cap = 0;
		if (!cc || !cflags || !libs)
			arena_oom();
		split_args(cc, &argv, &n, &cap);
		split_args(cflags, &argv, &n, &cap);
		add_arg(incflag, &argv, &n, &cap);
		add_arg(map_tmp, &argv, &n, &cap);
		if (cwd[0])
			add_arg(map_cwd, &argv, &n, &cap);
		add_arg("-o", &argv, &n, &cap);
		add_arg((char *)out, &argv, &n, &cap);
		add_arg(cfile, &argv, &n, &cap);
		/* Shared libraries nothing refers to are left out: a process
		 * without <invoke> does not load libcurl (bpelrt.h: invoker),
		 * which takes most of the start-up time otherwise. */
		add_arg("-Wl,--as-needed", &argv, &n, &cap);
		if (test)
			add_arg("-Wl,--wrap=brt_main", &argv, &n, &cap);
		add_arg(lib, &argv, &n, &cap);
		split_args(libs, &argv, &n, &cap);
		int st = n > 0 ? run(dg, o->diag_format != DIAG_TEXT, argv)
			       : -1;
		if (st != 0) {
			if (st > 0)
				diag_tool(
					dg,
					"the C compiler failed (exit status %d)",
					st);
			else
				diag_tool(dg, "cannot run the C compiler");
			rc = 3;
		}
		free(argv);
		free(cc);
		free(cflags);
		free(libs);
	}
	unlink(cfile);
	rmdir(dir);
	return rc;
}

int driver_run(const struct driver_options *o)
{
	struct diag *dg = diag_new(stderr, o->diag_format);
	diag_set_werror(dg, o->werror);
	if (o->ode)
		ode_rules(dg); /* before the user's: a later option wins */
	for (int i = 0; i < o->nrules; i++)
		if (!diag_set_rule(dg, o->rules[i].rule, o->rules[i].act)) {
			diag_tool(dg, "too many -W options for rules");
			diag_free(dg);
			return 2;
		}
	struct arena *a = arena_new();
	struct load_options lo = { o->catalogs, o->ncatalogs, o->ode };
	struct model *m = load_process_with(a, dg, o->input, &lo);
	int rc = 0;
	char *out = NULL;
#define CHECK_RET()                        \
	do {                               \
		if (diag_errors(dg) > 0) { \
			rc = 1;            \
			goto done;         \
		}                          \
	} while (0)
	if (!m) {
		rc = 2;
		goto done;
	}
	CHECK_RET();
	resolve_model(m, dg);
	if (o->nbindings)
		ode_bind(m, dg, o->bindings, o->nbindings);
	m->ode_props = o->props;
	m->node_props = o->nprops;
	if (o->mode == DRIVER_DUMP_MODEL) {
		model_dump(m, stdout);
		CHECK_RET();
		goto done;
	}
	CHECK_RET();
	check_model(m, dg);
	if (o->ode)
		ode_check(m, dg);
	CHECK_RET();
	if (o->mode == DRIVER_CHECK)
		goto deps;
	if (o->mode == DRIVER_EMIT_DOT) {
		rc = emit_dot_file(m, NULL, o->output ? o->output : "-");
		goto done;
	}
	struct ir_program *ir = lower_process(m, dg);
	CHECK_RET();
	if (o->mode == DRIVER_DUMP_IR) {
		ir_dump(ir, stdout);
		goto done;
	}
	if (o->mode == DRIVER_EMIT_C) {
		if (o->output) {
			out = strdup(o->output);
		} else {
			char *b = base_name(o->input);
			out = malloc(strlen(b) + 3);
			if (out)
				sprintf(out, "%s.c", b);
			free(b);
		}
		if (!out)
			arena_oom();
		struct emit_options eo = { BPELC_VERSION, out, o->no_line };
		if (strcmp(out, "-") == 0)
			eo.out_name = "<stdout>";
		char *text = emit_c(ir, &eo);
		rc = write_file(dg, out, text);
		free(text);
		goto deps;
	}
	out = o->output ? strdup(o->output) : base_name(o->input);
	if (!out)
		arena_oom();
	rc = compile_c(o, dg, ir, out, false);
#undef CHECK_RET
deps:
	if (rc == 0 && o->dep_file) {
		if (!out && !(out = base_name(o->input)))
			arena_oom();
		rc = write_deps(o, dg, m, out);
	}
done:
	free(out);
	load_free(m);
	arena_free(a);
	diag_free(dg);
	return rc;
}

int driver_unit_open(const struct driver_options *o, struct driver_unit **out)
{
	struct driver_unit *u = calloc(1, sizeof *u);
	if (!u)
		arena_oom();
	u->dg = diag_new(stderr, o->diag_format);
	diag_set_werror(u->dg, o->werror);
	if (o->ode)
		ode_rules(u->dg);
	u->a = arena_new();
	/* As driver_run reads a process: catalogs, the ODE dialect. */
	struct load_options lo = { o->catalogs, o->ncatalogs, o->ode };
	u->m = load_process_with(u->a, u->dg, o->input, &lo);
	int rc = 0;
	if (!u->m)
		rc = 2;
	if (!rc && diag_errors(u->dg) == 0) {
		resolve_model(u->m, u->dg);
		if (o->ode)
			ode_bind(u->m, u->dg, o->bindings, o->nbindings);
	}
	if (!rc && diag_errors(u->dg) == 0) {
		check_model(u->m, u->dg);
		if (o->ode)
			ode_check(u->m, u->dg);
	}
	if (!rc && diag_errors(u->dg) == 0)
		u->ir = lower_process(u->m, u->dg);
	if (!rc && diag_errors(u->dg) > 0)
		rc = 1;
	if (rc) {
		driver_unit_free(u);
		return rc;
	}
	*out = u;
	return 0;
}

int driver_unit_build(const struct driver_options *o, struct driver_unit *u,
		      const char *out, bool test)
{
	return compile_c(o, u->dg, u->ir, out, test);
}

void driver_unit_free(struct driver_unit *u)
{
	if (!u)
		return;
	if (u->m)
		load_free(u->m);
	arena_free(u->a);
	diag_free(u->dg);
	free(u);
}
