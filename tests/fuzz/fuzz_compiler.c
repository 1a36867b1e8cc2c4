/*
 * fuzz_compiler.c — libFuzzer target: the compiler's front end on hostile
 * files: the loader (libxml2 without network, DTD or entities, imports
 * relative to the importer), the model, name resolution, the static
 * checks (XPath expressions and queries among them), lowering and C
 * emission. The C compiler is not run.
 *
 * Input: files one after another. The first is p.bpel; each later one
 * starts with a line "@@ NAME" (NAME: letters, digits, '.', '-', '_';
 * what an <import location> names). They are written to a private
 * temporary folder, which is emptied after each input. Every input must
 * end in diagnostics or a program, never a crash, leak or hang.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "emit.h"
#include "check.h"
#include "load.h"
#include "lower.h"
#include "resolve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static char dir[] = "/tmp/bpelc-fuzz-compiler-XXXXXX";
static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!mkdtemp(dir) || !(devnull = fopen("/dev/null", "w")))
		abort();
	return 0;
}

static void clear_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4200];
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
}

static bool good_name(const char *s, size_t n)
{
	if (n == 0 || n > 60 || s[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == '_'))
			return false;
	}
	return true;
}

static void write_file(const char *name, size_t nlen, const uint8_t *p,
		       size_t len)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%.*s", dir, (int)nlen, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	fwrite(p, 1, len, f);
	fclose(f);
}

/* The next "\n@@ " at or after `from`, or size. */
static size_t next_marker(const uint8_t *data, size_t size, size_t from)
{
	for (size_t i = from; i + 4 <= size; i++)
		if (data[i] == '\n' && memcmp(data + i + 1, "@@ ", 3) == 0)
			return i;
	return size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t end = next_marker(data, size, 0);
	write_file("p.bpel", 6, data, end);
	while (end < size) {
		size_t name = end + 4;
		size_t nl = name;
		while (nl < size && data[nl] != '\n')
			nl++;
		size_t body = nl < size ? nl + 1 : size;
		size_t next = next_marker(data, size, body);
		if (good_name((const char *)data + name, nl - name))
			write_file((const char *)data + name, nl - name,
				   data + body, next - body);
		end = next;
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/p.bpel", dir);
	struct diag *dg = diag_new(devnull, DIAG_TEXT);
	struct arena *a = arena_new();
	struct model *m = load_process(a, dg, path);
	if (m && diag_errors(dg) == 0) {
		resolve_model(m, dg);
		if (diag_errors(dg) == 0)
			check_model(m, dg);
		if (diag_errors(dg) == 0) {
			struct ir_program *ir = lower_process(m, dg);
			if (ir && diag_errors(dg) == 0) {
				struct emit_options eo = { "fuzz", "p.c",
							   false };
				free(emit_c(ir, &eo));
			}
		}
	}
	load_free(m);
	arena_free(a);
	diag_free(dg);
	clear_dir();
	return 0;
}
