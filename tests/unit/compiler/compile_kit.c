/*
 * compile_kit.c — the compiler phase tests' shared fixture (see
 * compile_kit.h). Linked into the compiler test binary next to the
 * test_*.c files; it holds no test itself.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "compile_kit.h"
#include "load.h"
#include "lower.h"
#include "resolve.h"

void kit_run(struct kit *k, const char *path, enum kit_phase last)
{
	k->a = arena_new();
	k->out = NULL;
	k->f = open_memstream(&k->out, &k->len);
	ck_assert_ptr_nonnull(k->f);
	k->dg = diag_new(k->f, DIAG_TEXT);
	k->m = load_process(k->a, k->dg, path);
	if (last >= KIT_RESOLVE) {
		ck_assert_ptr_nonnull(k->m);
		resolve_model(k->m, k->dg);
	}
	if (last >= KIT_CHECK && diag_errors(k->dg) == 0)
		check_model(k->m, k->dg);
	if (last >= KIT_LOWER && diag_errors(k->dg) == 0)
		k->ir = lower_process(k->m, k->dg);
	fflush(k->f);
}

const char *kit_write(struct kit *k, const char *name, const char *text)
{
	if (!k->dir[0]) {
		strcpy(k->dir, "/tmp/bpelc-kit-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(k->dir));
	}
	ck_assert_int_lt(k->nfiles, KIT_MAX_FILES);
	char *p = k->files[k->nfiles++];
	snprintf(p, sizeof k->files[0], "%s/%s", k->dir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

const char *kit_copy(struct kit *k, const char *name, const char *src)
{
	FILE *f = fopen(src, "rb");
	ck_assert_msg(f != NULL, "cannot read %s", src);
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(m);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, m);
	fclose(f);
	fclose(m);
	const char *path = kit_write(k, name, text);
	free(text);
	return path;
}

const char *kit_process(struct kit *k, const char *attrs, const char *body)
{
	/* The import location must be absolute: p.bpel is in /tmp. */
	char cwd[512], gdir[1024];
	const char *d = getenv("BPELC_GOLDEN_DIR");
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	if (d && d[0] == '/')
		snprintf(gdir, sizeof gdir, "%s", d);
	else
		snprintf(gdir, sizeof gdir, "%s/%s", cwd,
			 d ? d : "tests/golden");
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"<process name=\"p\" targetNamespace=\"urn:p\" %s\n"
		" xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\"\n"
		" xmlns:bpel=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\"\n"
		" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:g=\"urn:bpelc:golden\">\n"
		"<import namespace=\"urn:bpelc:golden\" location=\"%s/golden.wsdl\"\n"
		" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"<partnerLinks><partnerLink name=\"client\" partnerLinkType=\"g:ServiceLT\" myRole=\"service\"/></partnerLinks>\n"
		"<variables><variable name=\"in\" messageType=\"g:request\"/>\n"
		"<variable name=\"out\" messageType=\"g:response\"/></variables>\n"
		"%s\n</process>\n",
		attrs ? attrs : "", gdir, body);
	fclose(f);
	const char *path = kit_write(k, "p.bpel", text);
	free(text);
	return path;
}

void kit_inline(struct kit *k, const char *attrs, const char *body,
		enum kit_phase last)
{
	kit_run(k, kit_process(k, attrs, body), last);
}

void kit_free(struct kit *k)
{
	load_free(k->m);
	diag_free(k->dg);
	if (k->f)
		fclose(k->f);
	free(k->out);
	arena_free(k->a);
	for (int i = k->nfiles - 1; i >= 0; i--)
		unlink(k->files[i]);
	if (k->dir[0])
		rmdir(k->dir);
	memset(k, 0, sizeof *k);
}

static const char *env_path(const char *env, const char *def, const char *sub,
			    const char *rel)
{
	static char buf[4096];
	const char *d = getenv(env);
	snprintf(buf, sizeof buf, "%s%s/%s", d ? d : def, sub, rel);
	return buf;
}

const char *kit_data(const char *rel)
{
	return env_path("BPELC_TEST_DATA", "tests/data", "/compiler", rel);
}

const char *kit_golden(const char *name)
{
	return env_path("BPELC_GOLDEN_DIR", "tests/golden", "", name);
}

/* ---- finding activities -------------------------------------------------- */

static struct bpel_activity *find(struct bpel_activity *a, const char *name);

static struct bpel_activity *find_list(struct bpel_activity *a,
				       const char *name)
{
	struct bpel_activity *r = NULL;
	for (; a && !r; a = a->next)
		r = find(a, name);
	return r;
}

static struct bpel_activity *find_alarms(struct bpel_alarm *al,
					 const char *name)
{
	struct bpel_activity *r = NULL;
	for (; al && !r; al = al->next)
		r = find_list(al->activity, name);
	return r;
}

static struct bpel_activity *find_catches(struct bpel_catch *c,
					  const char *name)
{
	struct bpel_activity *r = NULL;
	for (; c && !r; c = c->next)
		r = find_list(c->activity, name);
	return r;
}

static struct bpel_activity *find_scope(struct bpel_scope *s, const char *name)
{
	struct bpel_activity *r = find_catches(s->catches, name);
	if (!r)
		r = find_list(s->catch_all, name);
	if (!r)
		r = find_list(s->compensation_handler, name);
	if (!r)
		r = find_list(s->termination_handler, name);
	if (!r)
		r = find_list(s->on_events, name);
	if (!r)
		r = find_alarms(s->on_alarms, name);
	if (!r && s->body)
		r = find(s->body, name);
	return r;
}

static struct bpel_activity *find(struct bpel_activity *a, const char *name)
{
	if (!a)
		return NULL;
	if (a->name && strcmp(a->name, name) == 0)
		return a;
	struct bpel_activity *r = find(a->body, name);
	if (!r)
		r = find_list(a->children, name);
	if (!r)
		r = find_list(a->on_messages, name);
	if (!r)
		r = find_alarms(a->on_alarms, name);
	if (!r)
		r = find_catches(a->catches, name);
	if (!r)
		r = find_list(a->catch_all, name);
	if (!r)
		r = find_list(a->compensation_handler, name);
	if (!r && a->scope)
		r = find_scope(a->scope, name);
	return r;
}

struct bpel_activity *kit_find(struct bpel_activity *root, const char *name)
{
	return find(root, name);
}
