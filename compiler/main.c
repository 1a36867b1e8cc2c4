/*
 * main.c — bpelc's command line: options into a struct driver_options,
 * then driver_run(). Nothing else happens here (see driver.c).
 *
 *   bpelc [-o OUT] PROCESS.bpel         compile to an executable
 *   bpelc --check PROCESS.bpel          diagnostics only
 *   bpelc --emit-c [-o OUT.c] PROCESS.bpel
 *   bpelc --dump=model|ir PROCESS.bpel  debugging
 *   bpelc --emit=dot [-o OUT] PROCESS.bpel  a Graphviz picture
 *   bpelc test [options] SUITE...       test_run.c
 *   --no-line, --diagnostics=text|json|sarif, -Werror, --version, --help
 *   -MD, -MF FILE, -MT TARGET, -MP      make dependencies, as gcc's
 *   -Werror=SA…, -Wno-error=SA…, -Wno-SA…, -WSA… (per rule, GCC style)
 *   --catalog FILE                      XML catalog for URL imports
 *   bpelc --ode DIR [-o OUTDIR]         an Apache ODE deployment unit
 * Exit status: 0 ok, 1 invalid process, 2 usage or I/O error, 3 cc failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"
#include "ode.h"
#include "test_run.h"

static void usage(FILE *f)
{
	fputs("usage: bpelc [options] PROCESS.bpel\n"
	      "       bpelc --ode DIR [options]\n"
	      "       bpelc test [options] SUITE... (bpelc test --help)\n"
	      "\n"
	      "Compile a WS-BPEL 2.0 process (with its WSDL and XSD imports) into\n"
	      "a native executable that serves it as a SOAP 1.1 service.\n"
	      "\n"
	      "  -o OUT                 output file (default: PROCESS's base name,\n"
	      "                         or BASE.c with --emit-c; '-' is stdout)\n"
	      "  --check                parse, resolve and check only; write nothing\n"
	      "  --emit-c               write the generated C and stop\n"
	      "  --dump=model|ir        print an intermediate form on stdout\n"
	      "  --emit=dot             write a Graphviz picture of the process\n"
	      "                         (-o FILE, default stdout)\n"
	      "  --no-line              no #line directives in the generated C\n"
	      "  --diagnostics=text|json|sarif\n"
	      "                         diagnostic format on stderr (default text;\n"
	      "                         sarif: one SARIF 2.1.0 log for code scanning)\n"
	      "  --ode DIR              compile the Apache ODE deployment unit DIR\n"
	      "                         (DIR/deploy.xml): one executable per process,\n"
	      "                         named after it, in -o OUTDIR (default .);\n"
	      "                         ODE's dialect is read with warnings\n"
	      "  --catalog FILE         an OASIS XML catalog mapping imports of URLs to\n"
	      "                         local files (also XML_CATALOG_FILES and the\n"
	      "                         catalog.xml beside the process or above it);\n"
	      "                         bpelc never fetches\n"
	      "  -Werror                treat warnings as errors\n"
	      "  -MD                    also write a make dependency file listing every\n"
	      "                         file read (default: the output's name with .d)\n"
	      "  -MF FILE               write the dependency file to FILE (implies -MD)\n"
	      "  -MT TARGET             the target of the dependency rule (default:\n"
	      "                         the output)\n"
	      "  -MP                    add an empty rule for each imported file\n"
	      "  -Wno-error=SA00014     report rule SA00014 as a warning (any\n"
	      "                         SA code; also under -Werror)\n"
	      "  -Werror=SA00027        report rule SA00027 as an error\n"
	      "  -Wno-SA00027           do not report rule SA00027; -WSA00027\n"
	      "                         restores its default\n"
	      "  --version              print the version and exit\n"
	      "  --help                 print this help and exit\n"
	      "\n"
	      "Exit status: 0 success, 1 invalid process, 2 usage or I/O error,\n"
	      "3 the C compiler or linker failed.\n"
	      "Environment: CC (default cc), BPELC_INCLUDE, BPELC_LIBDIR, TMPDIR,\n"
	      "XML_CATALOG_FILES.\n",
	      f);
}

/* The diagnostics format asked for anywhere on the command line: usage
 * errors found before the option is reached must keep JSON and SARIF
 * output one valid document too. */
static enum diag_format format_of(int argc, char **argv)
{
	enum diag_format f = DIAG_TEXT;
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--diagnostics=json") == 0)
			f = DIAG_JSON;
		else if (strcmp(argv[i], "--diagnostics=sarif") == 0)
			f = DIAG_SARIF;
		else if (strcmp(argv[i], "--diagnostics=text") == 0)
			f = DIAG_TEXT;
	}
	return f;
}

static enum diag_format usage_format = DIAG_TEXT;

/* -Werror=RULE, -Wno-error=RULE, -Wno-RULE, -WRULE: true and *r filled
 * when arg is one of them; *bad when it names no rule. */
static bool rule_option(const char *arg, struct driver_rule *r, bool *bad)
{
	static const struct {
		const char *prefix;
		enum diag_rule_action act;
	} forms[] = {
		{ "-Werror=", DIAG_RULE_ERROR },
		{ "-Wno-error=", DIAG_RULE_WARNING },
		{ "-Wno-", DIAG_RULE_OFF },
		{ "-W", DIAG_RULE_DEFAULT },
	};
	*bad = false;
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		size_t n = strlen(forms[i].prefix);
		if (strncmp(arg, forms[i].prefix, n) != 0)
			continue;
		r->rule = arg + n;
		r->act = forms[i].act;
		*bad = !diag_is_rule_name(r->rule);
		return true;
	}
	return false;
}

/* "bpelc: WHAT 'ARG'" (ARG may be NULL), a hint, and status 2. */
static int usage_error(const char *what, const char *arg)
{
	if (usage_format != DIAG_TEXT) {
		struct diag *dg = diag_new(stderr, usage_format);
		if (arg)
			diag_tool(dg, "%s '%s' (try 'bpelc --help')", what,
				  arg);
		else
			diag_tool(dg, "%s (try 'bpelc --help')", what);
		diag_free(dg);
		return 2;
	}
	if (arg)
		fprintf(stderr, "bpelc: %s '%s'\n", what, arg);
	else
		fprintf(stderr, "bpelc: %s\n", what);
	fputs("Try 'bpelc --help'.\n", stderr);
	return 2;
}

/* -MT given several times names several targets, as with gcc. The
 * strings live until exit. */
static const char *join_target(const char *have, const char *add)
{
	if (!have)
		return add;
	size_t n = strlen(have) + strlen(add) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s %s", have, add);
	return s;
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "test") == 0)
		return test_main(argc - 1, argv + 1);
	struct driver_options o = { 0 };
	struct driver_rule rules[64];
	const char *catalogs[64];
	o.rules = rules;
	o.catalogs = catalogs;
	o.mode = DRIVER_COMPILE;
	o.diag_format = usage_format = format_of(argc, argv);
	o.argv0 = argv[0];
	bool only_files = false;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		if (only_files || arg[0] != '-' || strcmp(arg, "-") == 0) {
			if (o.input)
				return usage_error("more than one input file",
						   arg);
			o.input = arg;
		} else if (strcmp(arg, "--") == 0) {
			only_files = true;
		} else if (strcmp(arg, "--ode") == 0) {
			if (++i >= argc)
				return usage_error("missing argument to", arg);
			o.ode_dir = argv[i];
		} else if (strcmp(arg, "--catalog") == 0 ||
			   strncmp(arg, "--catalog=", 10) == 0) {
			const char *file = arg[9] == '=' ? arg + 10 : NULL;
			if (!file && ++i >= argc)
				return usage_error("missing argument to", arg);
			if (o.ncatalogs == 64)
				return usage_error("too many catalogs", arg);
			catalogs[o.ncatalogs++] = file ? file : argv[i];
		} else if (strcmp(arg, "-o") == 0) {
			if (++i >= argc)
				return usage_error("missing argument to", arg);
			o.output = argv[i];
		} else if (strncmp(arg, "-o", 2) == 0) {
			o.output = arg + 2;
		} else if (strcmp(arg, "--check") == 0) {
			o.mode = DRIVER_CHECK;
		} else if (strcmp(arg, "--emit-c") == 0) {
			o.mode = DRIVER_EMIT_C;
		} else if (strcmp(arg, "--dump=model") == 0) {
			o.mode = DRIVER_DUMP_MODEL;
		} else if (strcmp(arg, "--dump=ir") == 0) {
			o.mode = DRIVER_DUMP_IR;
		} else if (strcmp(arg, "--emit=dot") == 0) {
			o.mode = DRIVER_EMIT_DOT;
		} else if (strcmp(arg, "--no-line") == 0) {
			o.no_line = true;
		} else if (strcmp(arg, "--diagnostics=json") == 0) {
			o.diag_format = DIAG_JSON;
		} else if (strcmp(arg, "--diagnostics=text") == 0) {
			o.diag_format = DIAG_TEXT;
		} else if (strcmp(arg, "--diagnostics=sarif") == 0) {
			o.diag_format = DIAG_SARIF;
		} else if (strcmp(arg, "-MD") == 0) {
			o.dep_file = true;
		} else if (strcmp(arg, "-MP") == 0) {
			o.dep_phony = true;
		} else if (strcmp(arg, "-MF") == 0 || strcmp(arg, "-MT") == 0) {
			if (++i >= argc)
				return usage_error("missing argument to", arg);
			if (arg[2] == 'F') {
				o.dep_path = argv[i];
				o.dep_file = true;
			} else if (!(o.dep_target = join_target(o.dep_target,
								argv[i]))) {
				return usage_error("out of memory", NULL);
			}
		} else if (strcmp(arg, "-Werror") == 0) {
			o.werror = true;
		} else if (strcmp(arg, "-Wno-error") == 0) {
			o.werror = false;
		} else if (strncmp(arg, "-W", 2) == 0) {
			bool bad;
			struct driver_rule r;
			if (!rule_option(arg, &r, &bad) || bad)
				return usage_error(
					"unknown warning option (rules are "
					"SA00001 to SA00095)",
					arg);
			if (o.nrules == (int)(sizeof rules / sizeof rules[0]))
				return usage_error("too many rule options",
						   arg);
			rules[o.nrules++] = r;
		} else if (strcmp(arg, "--version") == 0) {
			printf("bpelc %s\n", driver_version());
			return 0;
		} else if (strcmp(arg, "--help") == 0 ||
			   strcmp(arg, "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			return usage_error("unknown option", arg);
		}
	}
	if (o.ode_dir) {
		if (o.input)
			return usage_error("--ode takes a directory, not also "
					   "an input file",
					   o.input);
		if (o.mode == DRIVER_DUMP_MODEL || o.mode == DRIVER_DUMP_IR)
			return usage_error("--dump does not go with", "--ode");
		return ode_run(&o);
	}
	if (!o.input)
		return usage_error("no input file", NULL);
	return driver_run(&o);
}
