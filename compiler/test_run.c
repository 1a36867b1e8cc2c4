/*
 * test_run.c — `bpelc test`: for each suite, compile the process it names
 * into a test build (driver_unit_build with test mode's runtime), let
 * that executable check the suite (--check: file:line errors, exit 2),
 * then run each case in its own process of it, --jobs at a time, and
 * collect the result files: the text summary (failures first), JUnit
 * XML, coverage (lcov, Cobertura, a coloured picture) and the
 * --min-coverage verdict.
 *
 * Not here: running a case (runtime/test/), what is covered
 * (test_cover.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "arena.h"
#include "driver.h"
#include "ir.h"
#include "test_cover.h"
#include "test_run.h"

#define TNS "urn:bpelc:test"

struct opts {
	const char *junit, *lcov, *cobertura, *dot;
	int min_act, min_br; /* percent, -1: none */
	int jobs;
	bool verbose;
};

struct result {
	const char *name;
	int line;
	int status; /* 0 pass, 1 fail, 2 error */
	double time;
	char *message, *expected, *actual, *where;
	int fline;
	char *trace, *log;
};

struct suite {
	const char *file;
	char *name;
	char *process; /* path of the .bpel, resolved */
	bool ode;      /* dialect="ode": compiled as bpelc --ode reads it */
	xmlDocPtr doc;
	struct driver_unit *unit;
	struct cover *cover;
	int ncases;
	struct result *res;
	bool error; /* could not run at all */
};

static void usage(FILE *f)
{
	fputs("usage: bpelc test [options] SUITE...\n"
	      "\n"
	      "Compile the process each suite names and run its cases against\n"
	      "it, with mocked partners and a virtual clock (docs/testing.md).\n"
	      "\n"
	      "  --junit FILE           JUnit XML report\n"
	      "  --coverage FILE        coverage in lcov format (.bpel lines)\n"
	      "  --coverage-xml FILE    coverage in Cobertura XML\n"
	      "  --coverage-dot FILE    the process as Graphviz, coloured by\n"
	      "                         coverage\n"
	      "  --min-coverage activity=N,branch=M\n"
	      "                         fail below N%% of activities run, M%% of\n"
	      "                         branches taken (either may be left out)\n"
	      "  -j N, --jobs N         run N cases at a time (default 1)\n"
	      "  -v, --verbose          print every case's message trace\n"
	      "  --help\n"
	      "\n"
	      "Exit status: 0 all passed, 1 a case failed or coverage is below\n"
	      "the minimum, 2 usage or suite error.\n",
	      f);
}

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "bpelc test: %s%s%s%s\nTry 'bpelc test --help'.\n",
		what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return 2;
}

static bool parse_min(struct opts *o, const char *v)
{
	char *copy = strdup(v);
	if (!copy)
		arena_oom();
	bool ok = true;
	for (char *tok = strtok(copy, ","); tok && ok;
	     tok = strtok(NULL, ",")) {
		char *eq = strchr(tok, '=');
		char *end;
		if (!eq) {
			ok = false;
			break;
		}
		*eq = 0;
		long n = strtol(eq + 1, &end, 10);
		if (end == eq + 1 || *end || n < 0 || n > 100)
			ok = false;
		else if (strcmp(tok, "activity") == 0)
			o->min_act = (int)n;
		else if (strcmp(tok, "branch") == 0)
			o->min_br = (int)n;
		else
			ok = false;
	}
	free(copy);
	return ok;
}

static bool is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	       strcmp((const char *)n->ns->href, TNS) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static char *attr(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	char *r = v ? strdup((const char *)v) : NULL;
	xmlFree(v);
	return r;
}

/* "a/b/../c" -> "a/c", "./x" -> "x", in place: report paths stay as
 * short as the user wrote them, without making them absolute. */
static void tidy_path(char *p)
{
	char *seg[256];
	int n = 0;
	bool abs = p[0] == '/';
	char *copy = strdup(p);
	if (!copy)
		arena_oom();
	for (char *t = strtok(copy, "/"); t; t = strtok(NULL, "/")) {
		if (strcmp(t, ".") == 0)
			continue;
		if (strcmp(t, "..") == 0 && n > 0 &&
		    strcmp(seg[n - 1], "..") != 0)
			n--;
		else if (n < 256)
			seg[n++] = t;
	}
	char *o = p;
	if (abs)
		*o++ = '/';
	for (int i = 0; i < n; i++) {
		size_t l = strlen(seg[i]);
		memmove(o, seg[i], l);
		o += l;
		if (i + 1 < n)
			*o++ = '/';
	}
	*o = 0;
	free(copy);
}

/* The suite's root and process path; 0 or 2 after a file:line error. */
static int suite_open(struct suite *s)
{
	s->doc = xmlReadFile(s->file, NULL, XML_PARSE_NONET);
	if (!s->doc) {
		const xmlError *e = xmlGetLastError();
		fprintf(stderr, "%s:%d: error: %s", s->file, e ? e->line : 0,
			e && e->message ? e->message : "cannot read\n");
		return 2;
	}
	xmlNodePtr root = xmlDocGetRootElement(s->doc);
	if (!is(root, "suite")) {
		fprintf(stderr,
			"%s:%d: error: the root element must be <suite "
			"xmlns=\"" TNS "\">\n",
			s->file, root ? (int)xmlGetLineNo(root) : 1);
		return 2;
	}
	char *proc = attr(root, "process");
	if (!proc) {
		fprintf(stderr,
			"%s:%d: error: <suite> needs the attribute "
			"'process'\n",
			s->file, (int)xmlGetLineNo(root));
		return 2;
	}
	/* Relative to the suite's directory. */
	const char *slash = strrchr(s->file, '/');
	if (proc[0] != '/' && slash) {
		size_t dl = (size_t)(slash - s->file) + 1;
		s->process = malloc(dl + strlen(proc) + 1);
		if (!s->process)
			arena_oom();
		memcpy(s->process, s->file, dl);
		strcpy(s->process + dl, proc);
		free(proc);
		tidy_path(s->process);
	} else {
		s->process = proc;
	}
	char *dialect = attr(root, "dialect");
	if (dialect && strcmp(dialect, "ode") != 0 &&
	    strcmp(dialect, "bpel") != 0) {
		fprintf(stderr, "%s:%d: error: dialect=\"%s\": bpel or ode\n",
			s->file, (int)xmlGetLineNo(root), dialect);
		free(dialect);
		return 2;
	}
	s->ode = dialect && strcmp(dialect, "ode") == 0;
	free(dialect);
	s->name = attr(root, "name");
	if (!s->name) {
		const char *b = slash ? slash + 1 : s->file;
		s->name = strdup(b);
		if (!s->name)
			arena_oom();
		char *dot = strrchr(s->name, '.');
		if (dot && dot != s->name)
			*dot = 0;
	}
	for (xmlNodePtr c = root->children; c; c = c->next)
		s->ncases += is(c, "case");
	s->res = calloc((size_t)s->ncases + 1, sizeof *s->res);
	if (!s->res)
		arena_oom();
	int i = 0;
	for (xmlNodePtr c = root->children; c; c = c->next)
		if (is(c, "case")) {
			xmlChar *n = xmlGetProp(c, BAD_CAST "name");
			s->res[i].name = n ? (const char *)n : "";
			s->res[i++].line = (int)xmlGetLineNo(c);
		}
	return 0;
}

/* Mocks and call expectations name operations the process invokes: check
 * them against the partner link's partnerRole portType in the WSDL (the
 * runtime's tables only know the operations the process serves). */
static int check_partner_ops(struct suite *s)
{
	int errors = 0;
	const struct ir_program *ir = s->unit->ir;
	xmlNodePtr root = xmlDocGetRootElement(s->doc);
	for (xmlNodePtr n = root; n;) {
		if (is(n, "mock") || is(n, "expectCalls")) {
			char *pl = attr(n, "partnerLink"),
			     *op = attr(n, "operation");
			const struct bpel_partner_link *found = NULL;
			for (int i = 0; pl && i < ir->plinks.n; i++) {
				const struct ir_plink *p =
					IR_AT(ir->plinks, struct ir_plink, i);
				if (strcmp(p->pl->name, pl) == 0)
					found = p->pl;
			}
			bool ok = false;
			if (found && found->partner_port_type && op)
				for (const struct wsdl_operation *o =
					     found->partner_port_type
						     ->operations;
				     o; o = o->next)
					ok |= strcmp(o->name, op) == 0;
			if (found && found->partner_port_type && op && !ok) {
				fprintf(stderr,
					"%s:%d: error: partner link '%s' has no "
					"operation '%s' (partnerRole portType "
					"%s)\n",
					s->file, (int)xmlGetLineNo(n), pl, op,
					found->partner_port_type->name.local);
				errors++;
			}
			free(pl);
			free(op);
		}
		/* document order */
		if (n->children && n->type == XML_ELEMENT_NODE)
			n = n->children;
		else {
			while (n && !n->next)
				n = n->parent && n->parent->type ==
							    XML_ELEMENT_NODE
					    ? n->parent
					    : NULL;
			n = n ? n->next : NULL;
		}
	}
	return errors ? 2 : 0;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	size_t n;
	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			char *nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (buf)
		buf[len] = 0;
	return buf;
}

static pid_t spawn(char **argv, const char *log)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int wait_status(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static char *text_of(xmlNodePtr n, const char *child)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, child) == 0) {
			xmlChar *t = xmlNodeGetContent(c);
			char *r = t ? strdup((const char *)t) : NULL;
			xmlFree(t);
			return r;
		}
	return NULL;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n ? n->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

static void read_result(struct suite *s, struct result *r, const char *file,
			int status)
{
	xmlDocPtr d = xmlReadFile(file, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
	xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
	if (!root) {
		r->status = status == 2 ? 2 : 1;
		r->message = status >= 128
				     ? strdup("the test executable died")
				     : strdup("the test executable wrote no "
					      "result");
		xmlFreeDoc(d);
		return;
	}
	char *st = attr(root, "status"), *tm = attr(root, "time");
	r->status = st && strcmp(st, "pass") == 0   ? 0
		    : st && strcmp(st, "fail") == 0 ? 1
						    : 2;
	r->time = tm ? strtod(tm, NULL) : 0;
	free(st);
	free(tm);
	xmlNodePtr f = child(root, "failure");
	if (f) {
		xmlChar *m = NULL;
		for (xmlNodePtr c = f->children; c; c = c->next)
			if (c->type == XML_TEXT_NODE && !m)
				m = xmlStrdup(c->content);
		r->message = m ? strdup((const char *)m) : NULL;
		xmlFree(m);
		r->expected = text_of(f, "expected");
		r->actual = text_of(f, "actual");
		r->where = attr(f, "where");
		char *l = attr(f, "line");
		r->fline = l ? atoi(l) : 0;
		free(l);
	}
	r->trace = text_of(root, "trace");
	cover_add(s->cover, child(root, "coverage"));
	xmlFreeDoc(d);
	/* The exit status must agree with the result: a sanitizer report or
	 * a crash after the result was written is an error too. */
	if (status != r->status) {
		char m[160];
		snprintf(m, sizeof m,
			 "the test executable exited with status %d after "
			 "writing a '%s' result (see its output)",
			 status, r->status == 0 ? "pass" : "fail");
		free(r->message);
		r->message = strdup(m);
		r->status = 2;
	}
}

/* Run the cases of s, o->jobs at a time. */
static void run_cases(struct suite *s, const struct opts *o, const char *exe,
		      const char *dir)
{
	int next = 0, running = 0;
	pid_t *pids = calloc((size_t)s->ncases + 1, sizeof *pids);
	if (!pids)
		arena_oom();
	while (next < s->ncases || running > 0) {
		while (next < s->ncases && running < o->jobs) {
			char res[PATH_MAX + 64], log[PATH_MAX + 64];
			snprintf(res, sizeof res, "%s/r%d.xml", dir, next);
			snprintf(log, sizeof log, "%s/l%d.txt", dir, next);
			char *argv[] = { (char *)exe,
					 "--suite",
					 (char *)s->file,
					 "--case",
					 (char *)s->res[next].name,
					 "--result",
					 res,
					 NULL };
			pids[next] = spawn(argv, log);
			if (pids[next] < 0) {
				s->res[next].status = 2;
				s->res[next].message =
					strdup("cannot start the test build");
			} else {
				running++;
			}
			next++;
		}
		int st;
		pid_t pid = wait(&st);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < s->ncases; i++)
			if (pids[i] == pid) {
				running--;
				int status = WIFEXITED(st) ? WEXITSTATUS(st)
							   : 128;
				char res[PATH_MAX + 64], log[PATH_MAX + 64];
				snprintf(res, sizeof res, "%s/r%d.xml", dir, i);
				snprintf(log, sizeof log, "%s/l%d.txt", dir, i);
				read_result(s, &s->res[i], res, status);
				s->res[i].log = slurp(log);
				unlink(res);
				unlink(log);
			}
	}
	free(pids);
}

static int run_suite(struct suite *s, const struct opts *o, const char *dir)
{
	if (suite_open(s) != 0)
		return 2;
	struct driver_options d = { 0 };
	d.mode = DRIVER_COMPILE;
	d.input = s->process;
	d.argv0 = "bpelc";
	d.diag_format = DIAG_TEXT;
	d.ode = s->ode;
	int rc = driver_unit_open(&d, &s->unit);
	if (rc != 0) {
		fprintf(stderr, "%s: error: the process %s does not compile\n",
			s->file, s->process);
		return 2;
	}
	if (check_partner_ops(s) != 0)
		return 2;
	s->cover = cover_new(s->unit->ir, s->name);
	char exe[PATH_MAX + 64];
	snprintf(exe, sizeof exe, "%s/test-build", dir);
	rc = driver_unit_build(&d, s->unit, exe, true);
	if (rc != 0)
		return 2;
	char *argv[] = { exe, "--suite", (char *)s->file, "--check", NULL };
	fflush(stderr);
	pid_t pid = fork();
	if (pid == 0) {
		execv(exe, argv);
		_exit(127);
	}
	rc = pid < 0 ? 2 : wait_status(pid);
	if (rc != 0)
		return 2;
	run_cases(s, o, exe, dir);
	unlink(exe);
	return 0;
}

/* ---- reports ------------------------------------------------------------- */

static void print_failure(const struct suite *s, const struct result *r,
			  bool verbose)
{
	printf("%s %s:%d: %s\n", r->status == 2 ? "ERROR" : "FAIL", s->file,
	       r->fline ? r->fline : r->line, r->name);
	if (r->message)
		printf("  %s\n", r->message);
	if (r->expected)
		printf("  expected: %s\n", r->expected);
	if (r->actual)
		printf("  actual:   %s\n", r->actual);
	if (r->where)
		printf("  at:       %s\n", r->where);
	if (verbose && r->trace)
		printf("  trace:\n%s", r->trace);
	if (r->log && *r->log && r->status == 2)
		printf("  output:\n%s", r->log);
}

static char *failure_text(const struct result *r)
{
	size_t n = 64 + (r->message ? strlen(r->message) : 0) +
		   (r->expected ? strlen(r->expected) : 0) +
		   (r->actual ? strlen(r->actual) : 0) +
		   (r->where ? strlen(r->where) : 0);
	char *t = malloc(n);
	if (!t)
		arena_oom();
	snprintf(t, n, "%s\nexpected: %s\nactual: %s\nat: %s\n",
		 r->message ? r->message : "", r->expected ? r->expected : "",
		 r->actual ? r->actual : "", r->where ? r->where : "");
	return t;
}

static void prop(xmlNodePtr n, const char *name, const char *v)
{
	xmlNewProp(n, BAD_CAST name, BAD_CAST v);
}

static void prop_num(xmlNodePtr n, const char *name, double v, bool frac)
{
	char b[48];
	if (frac)
		snprintf(b, sizeof b, "%.3f", v);
	else
		snprintf(b, sizeof b, "%.0f", v);
	prop(n, name, b);
}

static int write_junit(struct suite *ss, int n, const char *path)
{
	xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr all = xmlNewDocNode(d, NULL, BAD_CAST "testsuites", NULL);
	xmlDocSetRootElement(d, all);
	prop(all, "name", "bpelc test");
	int tt = 0, tf = 0, te = 0;
	double ttime = 0;
	for (int i = 0; i < n; i++) {
		struct suite *s = &ss[i];
		xmlNodePtr ts =
			xmlNewChild(all, NULL, BAD_CAST "testsuite", NULL);
		int f = 0, e = 0;
		double time = 0;
		for (int k = 0; k < s->ncases; k++) {
			f += s->res[k].status == 1;
			e += s->res[k].status == 2;
			time += s->res[k].time;
		}
		if (s->error) {
			e = s->ncases ? s->ncases : 1;
		}
		prop(ts, "name", s->name ? s->name : s->file);
		prop_num(ts, "tests", s->error && !s->ncases ? 1 : s->ncases,
			 false);
		prop_num(ts, "failures", s->error ? 0 : f, false);
		prop_num(ts, "errors", e, false);
		prop(ts, "skipped", "0");
		prop_num(ts, "time", time, true);
		prop(ts, "file", s->file);
		tt += s->error && !s->ncases ? 1 : s->ncases;
		tf += s->error ? 0 : f;
		te += e;
		ttime += time;
		if (s->error && !s->ncases) {
			xmlNodePtr tc = xmlNewChild(ts, NULL,
						    BAD_CAST "testcase", NULL);
			prop(tc, "name", "(suite)");
			prop(tc, "classname", s->name ? s->name : s->file);
			prop(tc, "time", "0");
			xmlNodePtr er = xmlNewChild(tc, NULL, BAD_CAST "error",
						    BAD_CAST
						    "the suite could not "
						    "run: see the "
						    "output");
			prop(er, "message", "suite error");
			continue;
		}
		for (int k = 0; k < s->ncases; k++) {
			const struct result *r = &s->res[k];
			xmlNodePtr tc = xmlNewChild(ts, NULL,
						    BAD_CAST "testcase", NULL);
			prop(tc, "name", r->name);
			prop(tc, "classname", s->name ? s->name : s->file);
			prop_num(tc, "time", r->time, true);
			prop(tc, "file", s->file);
			prop_num(tc, "line", r->line, false);
			if (s->error || r->status != 0) {
				char *t = s->error ? strdup("the suite could "
							    "not run")
						   : failure_text(r);
				xmlNodePtr x = xmlNewTextChild(
					tc, NULL,
					BAD_CAST(r->status == 1 && !s->error
							 ? "failure"
							 : "error"),
					BAD_CAST t);
				prop(x, "message",
				     r->message ? r->message : "failed");
				prop(x, "type",
				     r->status == 1 ? "assertion" : "error");
				free(t);
			}
			if (r->trace)
				xmlNewTextChild(tc, NULL, BAD_CAST "system-out",
						BAD_CAST r->trace);
			if (r->log && *r->log)
				xmlNewTextChild(tc, NULL, BAD_CAST "system-err",
						BAD_CAST r->log);
		}
	}
	prop_num(all, "tests", tt, false);
	prop_num(all, "failures", tf, false);
	prop_num(all, "errors", te, false);
	prop_num(all, "time", ttime, true);
	int rc = xmlSaveFormatFileEnc(path, d, "UTF-8", 1) < 0 ? 2 : 0;
	xmlFreeDoc(d);
	if (rc)
		fprintf(stderr, "bpelc test: cannot write %s\n", path);
	return rc;
}

static int write_lcov(struct suite *ss, int n, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bpelc test: cannot write %s\n", path);
		return 2;
	}
	for (int i = 0; i < n; i++)
		if (ss[i].cover)
			cover_write_lcov(ss[i].cover, f);
	return fclose(f) == 0 ? 0 : 2;
}

static int write_cobertura(struct suite *ss, int n, const char *path)
{
	xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr cov = xmlNewDocNode(d, NULL, BAD_CAST "coverage", NULL);
	xmlDocSetRootElement(d, cov);
	int ah = 0, aa = 0, bh = 0, bb = 0;
	for (int i = 0; i < n; i++)
		if (ss[i].cover) {
			int a1, a2, b1, b2;
			cover_counts(ss[i].cover, &a1, &a2, &b1, &b2);
			ah += a1;
			aa += a2;
			bh += b1;
			bb += b2;
		}
	char b[32];
	snprintf(b, sizeof b, "%.4f", aa ? (double)ah / aa : 1.0);
	prop(cov, "line-rate", b);
	snprintf(b, sizeof b, "%.4f", bb ? (double)bh / bb : 1.0);
	prop(cov, "branch-rate", b);
	prop_num(cov, "lines-covered", ah, false);
	prop_num(cov, "lines-valid", aa, false);
	prop_num(cov, "branches-covered", bh, false);
	prop_num(cov, "branches-valid", bb, false);
	prop(cov, "complexity", "0");
	prop(cov, "version", driver_version());
	/* The same report for the same run: no wall-clock time in it. */
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	prop(cov, "timestamp", sde && *sde ? sde : "0");
	xmlNodePtr srcs = xmlNewChild(cov, NULL, BAD_CAST "sources", NULL);
	xmlNewChild(srcs, NULL, BAD_CAST "source", BAD_CAST ".");
	xmlNodePtr pk =
		xmlNewChild(xmlNewChild(cov, NULL, BAD_CAST "packages", NULL),
			    NULL, BAD_CAST "package", NULL);
	prop(pk, "name", "bpel");
	snprintf(b, sizeof b, "%.4f", aa ? (double)ah / aa : 1.0);
	prop(pk, "line-rate", b);
	snprintf(b, sizeof b, "%.4f", bb ? (double)bh / bb : 1.0);
	prop(pk, "branch-rate", b);
	prop(pk, "complexity", "0");
	xmlNodePtr classes = xmlNewChild(pk, NULL, BAD_CAST "classes", NULL);
	for (int i = 0; i < n; i++)
		if (ss[i].cover)
			cover_cobertura_class(ss[i].cover, classes);
	int rc = xmlSaveFormatFileEnc(path, d, "UTF-8", 1) < 0 ? 2 : 0;
	xmlFreeDoc(d);
	if (rc)
		fprintf(stderr, "bpelc test: cannot write %s\n", path);
	return rc;
}

static void free_suite(struct suite *s)
{
	for (int k = 0; k < s->ncases; k++) {
		struct result *r = &s->res[k];
		if (*r->name)
			xmlFree((xmlChar *)r->name);
		free(r->message);
		free(r->expected);
		free(r->actual);
		free(r->where);
		free(r->trace);
		free(r->log);
	}
	free(s->res);
	free(s->name);
	free(s->process);
	cover_free(s->cover);
	driver_unit_free(s->unit);
	xmlFreeDoc(s->doc);
}

int test_main(int argc, char **argv)
{
	struct opts o = { .min_act = -1, .min_br = -1, .jobs = 1 };
	const char **files = calloc((size_t)argc + 1, sizeof *files);
	int nfiles = 0;
	if (!files)
		arena_oom();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			free(files);
			return 0;
		} else if (strcmp(a, "--junit") == 0)
			slot = &o.junit;
		else if (strcmp(a, "--coverage") == 0)
			slot = &o.lcov;
		else if (strcmp(a, "--coverage-xml") == 0)
			slot = &o.cobertura;
		else if (strcmp(a, "--coverage-dot") == 0)
			slot = &o.dot;
		else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
			o.verbose = true;
		else if (strcmp(a, "--min-coverage") == 0 ||
			 strcmp(a, "--jobs") == 0 || strcmp(a, "-j") == 0) {
			if (i + 1 >= argc) {
				free(files);
				return bad("missing argument to", a);
			}
			const char *v = argv[++i];
			char *end;
			if (a[2] == 'm') {
				if (!parse_min(&o, v)) {
					free(files);
					return bad("--min-coverage wants "
						   "activity=N,branch=M, not",
						   v);
				}
			} else {
				long j = strtol(v, &end, 10);
				if (end == v || *end || j < 1 || j > 256) {
					free(files);
					return bad("--jobs wants a number, not",
						   v);
				}
				o.jobs = (int)j;
			}
		} else if (a[0] == '-' && a[1]) {
			free(files);
			return bad("unknown option", a);
		} else
			files[nfiles++] = a;
		if (slot) {
			if (i + 1 >= argc) {
				free(files);
				return bad("missing argument to", a);
			}
			*slot = argv[++i];
		}
	}
	if (nfiles == 0) {
		free(files);
		return bad("no suite given", NULL);
	}

	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX];
	snprintf(dir, sizeof dir, "%s/bpelc-test-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bpelc test: cannot make a temporary "
				"directory\n");
		free(files);
		return 2;
	}
	struct suite *ss = calloc((size_t)nfiles, sizeof *ss);
	if (!ss)
		arena_oom();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int status = 0;
	for (int i = 0; i < nfiles; i++) {
		ss[i].file = files[i];
		if (run_suite(&ss[i], &o, dir) != 0) {
			ss[i].error = true;
			status = 2;
		}
	}
	rmdir(dir);
	clock_gettime(CLOCK_MONOTONIC, &t1);

	/* The summary: failures first, then one line per suite. */
	int npass = 0, nfail = 0, nerr = 0;
	for (int i = 0; i < nfiles; i++)
		for (int k = 0; !ss[i].error && k < ss[i].ncases; k++)
			if (ss[i].res[k].status != 0)
				print_failure(&ss[i], &ss[i].res[k], o.verbose);
	int ah = 0, aa = 0, bh = 0, bb = 0;
	for (int i = 0; i < nfiles; i++) {
		struct suite *s = &ss[i];
		if (s->error) {
			printf("ERROR %s: the suite could not run\n", s->file);
			nerr++;
			continue;
		}
		int p = 0;
		for (int k = 0; k < s->ncases; k++) {
			p += s->res[k].status == 0;
			nfail += s->res[k].status == 1;
			nerr += s->res[k].status == 2;
			if (o.verbose && s->res[k].status == 0 &&
			    s->res[k].trace)
				printf("PASS %s: %s\n%s", s->file,
				       s->res[k].name, s->res[k].trace);
		}
		npass += p;
		int a1, a2, b1, b2;
		cover_counts(s->cover, &a1, &a2, &b1, &b2);
		ah += a1;
		aa += a2;
		bh += b1;
		bb += b2;
		printf("%s: %d/%d cases passed; activities %d/%d, branches "
		       "%d/%d\n",
		       s->file, p, s->ncases, a1, a2, b1, b2);
		if (o.min_act >= 0 || o.min_br >= 0)
			cover_print_missed(s->cover, stdout, 20);
	}
	double pa = aa ? 100.0 * ah / aa : 100.0;
	double pb = bb ? 100.0 * bh / bb : 100.0;
	printf("%d passed, %d failed, %d errors in %.2f s; coverage: "
	       "activities %.1f%% (%d/%d), branches %.1f%% (%d/%d)\n",
	       npass, nfail, nerr,
	       (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9,
	       pa, ah, aa, pb, bh, bb);
	if (nerr > 0)
		status = 2;
	else if (nfail > 0 && status == 0)
		status = 1;
	if (status != 2 && ((o.min_act >= 0 && pa + 1e-9 < o.min_act) ||
			    (o.min_br >= 0 && pb + 1e-9 < o.min_br))) {
		printf("coverage below the minimum (activity=%d%%, "
		       "branch=%d%%)\n",
		       o.min_act < 0 ? 0 : o.min_act,
		       o.min_br < 0 ? 0 : o.min_br);
		status = 1;
	}
	if (o.junit && write_junit(ss, nfiles, o.junit) != 0)
		status = 2;
	if (o.lcov && write_lcov(ss, nfiles, o.lcov) != 0)
		status = 2;
	if (o.cobertura && write_cobertura(ss, nfiles, o.cobertura) != 0)
		status = 2;
	if (o.dot) {
		/* One picture: of the first suite's process that ran. */
		for (int i = 0; i < nfiles; i++)
			if (ss[i].cover) {
				if (cover_write_dot(ss[i].cover, o.dot) != 0)
					status = 2;
				break;
			}
	}
	for (int i = 0; i < nfiles; i++)
		free_suite(&ss[i]);
	free(ss);
	free(files);
	return status;
}
