/*
 * main.c — test mode's entry point (__wrap_brt_main, see testmode.h): the
 * options `bpelc test` runs the executable with, the runtime set up with
 * the virtual clock, the in-process transport and the mocked partners,
 * one case run, and its result file: status, the failure, the message
 * trace and the coverage counters (states run, state triples per strand,
 * link values, forEach runs) that bpelc maps onto the .bpel
 * (compiler/test_cover.c).
 *
 *   PROGRAM --suite FILE --check           check the suite only
 *   PROGRAM --suite FILE --case NAME --result FILE
 * Exit status: 0 passed, 1 failed, 2 usage or suite error.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <libxml/xmlsave.h>

#include "testmode.h"

/* The virtual clock starts here (2026-01-01T00:00:00Z), the same for
 * every run. */
#define TM_EPOCH 1767225600.0

char *tm_strf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

const char *tm_state_name(const struct tmode *t, int state)
{
	const struct brt_process *p = t->orig;
	if (state >= 0 && state < p->nstates && p->state_names &&
	    p->state_names[state])
		return p->state_names[state];
	return "?";
}

void tm_trace(struct tmode *t, const char *fmt, ...)
{
	if (!t->trace)
		return;
	va_list ap;
	fprintf(t->trace, "[+%.0fs] ", t->now - TM_EPOCH);
	va_start(ap, fmt);
	vfprintf(t->trace, fmt, ap);
	va_end(ap);
	fputc('\n', t->trace);
}

void tm_trace_doc(struct tmode *t, xmlDocPtr doc)
{
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!t->trace || !root)
		return;
	xmlBufferPtr b = xmlBufferCreate();
	if (!b)
		return;
	xmlSaveCtxtPtr sc =
		xmlSaveToBuffer(b, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL);
	if (sc) {
		xmlSaveTree(sc, root);
		xmlSaveClose(sc);
	}
	fprintf(t->trace, "%s", (const char *)xmlBufferContent(b));
	if (xmlBufferLength(b) > 0 &&
	    xmlBufferContent(b)[xmlBufferLength(b) - 1] != '\n')
		fputc('\n', t->trace);
	xmlBufferFree(b);
}

void tm_note_instances(struct tmode *t)
{
	for (brt_instance *in = brt__engine_first(t->rt); in; in = in->next) {
		struct tm_inst **pp = &t->insts;
		bool known = false;
		while (*pp && !known) {
			known = (*pp)->id == in->id;
			if (!known)
				pp = &(*pp)->next;
		}
		if (known)
			continue;
		struct tm_inst *i = calloc(1, sizeof *i);
		if (!i)
			continue;
		i->id = in->id;
		/* Ids grow: the list stays in creation order. */
		pp = &t->insts;
		while (*pp && (*pp)->id < i->id)
			pp = &(*pp)->next;
		i->next = *pp;
		*pp = i;
	}
}

/* ---- coverage counters --------------------------------------------------- */

static unsigned long mix(unsigned long a, unsigned long b, unsigned long c)
{
	unsigned long h = a * 0x9e3779b97f4a7c15ul;
	h ^= b + 0x7f4a7c159e3779b9ul + (h << 6) + (h >> 2);
	h ^= c + 0x85ebca6bul + (h << 6) + (h >> 2);
	return h;
}

static struct tm_strand_hist *hist_of(struct tmode *t, const brt_strand *s)
{
	unsigned long in = s->in->id, id = s->id;
	if (2 * (t->nhist + 1) > t->chist) {
		int c = t->chist ? t->chist * 2 : 64;
		struct tm_strand_hist *n = calloc((size_t)c, sizeof *n);
		if (!n)
			return NULL;
		for (int i = 0; i < t->chist; i++) {
			struct tm_strand_hist *o = &t->hist[i];
			if (!o->in)
				continue;
			unsigned long k = mix(o->in, o->id, 0) &
					  (unsigned)(c - 1);
			while (n[k].in)
				k = (k + 1) & (unsigned)(c - 1);
			n[k] = *o;
		}
		free(t->hist);
		t->hist = n;
		t->chist = c;
	}
	unsigned long k = mix(in, id, 0) & (unsigned)(t->chist - 1);
	while (t->hist[k].in && (t->hist[k].in != in || t->hist[k].id != id))
		k = (k + 1) & (unsigned)(t->chist - 1);
	if (!t->hist[k].in) {
		t->hist[k] = (struct tm_strand_hist){ in, id, -1, -1 };
		t->nhist++;
	}
	return &t->hist[k];
}

static void count_triple(struct tmode *t, int a, int b, int c)
{
	if (2 * (t->ntriples + 1) > t->ctriples) {
		int cap = t->ctriples ? t->ctriples * 2 : 256;
		struct tm_triple *n = calloc((size_t)cap, sizeof *n);
		if (!n)
			return;
		for (int i = 0; i < t->ctriples; i++) {
			struct tm_triple *o = &t->triples[i];
			if (!o->hits)
				continue;
			unsigned long k = mix((unsigned)o->a, (unsigned)o->b,
					      (unsigned)o->c) &
					  (unsigned)(cap - 1);
			while (n[k].hits)
				k = (k + 1) & (unsigned)(cap - 1);
			n[k] = *o;
		}
		free(t->triples);
		t->triples = n;
		t->ctriples = cap;
	}
	unsigned long k = mix((unsigned)a, (unsigned)b, (unsigned)c) &
			  (unsigned)(t->ctriples - 1);
	while (t->triples[k].hits &&
	       (t->triples[k].a != a || t->triples[k].b != b ||
		t->triples[k].c != c))
		k = (k + 1) & (unsigned)(t->ctriples - 1);
	if (!t->triples[k].hits) {
		t->triples[k] = (struct tm_triple){ a, b, c, 0 };
		t->ntriples++;
	}
	t->triples[k].hits++;
}

/* The process's step, counted: every state a strand runs, with the two
 * it ran before. */
static enum brt_step traced_step(brt_strand *s)
{
	struct tmode *t = brt__strand_runtime(s)->test_ctx;
	int st = brt_strand_state(s);
	if (st >= 0 && st < t->orig->nstates) {
		t->hits[st]++;
		struct tm_strand_hist *h = hist_of(t, s);
		if (h) {
			count_triple(t, h->p2, h->p1, st);
			h->p2 = h->p1;
			h->p1 = st;
		}
	}
	int outer = t->cur_state;
	t->cur_state = st;
	enum brt_step r = t->orig->step(s);
	if (r == BRT_STEP_FAULT)
		t->fault_state = st;
	t->cur_state = outer;
	return r;
}

void tm_foreach_note(brt_strand *s, enum brt_test_fe what)
{
	struct tmode *t = brt__strand_runtime(s)->test_ctx;
	int st = brt_strand_state(s);
	if (st >= 0 && st < t->orig->nstates && (unsigned)what < TM_FE_N)
		t->fe_hits[TM_FE_N * st + what]++;
}

/* ---- the result file ----------------------------------------------------- */

static void put(xmlNodePtr n, const char *name, const char *v)
{
	if (v)
		xmlNewProp(n, BAD_CAST name, BAD_CAST v);
}

static void put_long(xmlNodePtr n, const char *name, long v)
{
	char b[32];
	snprintf(b, sizeof b, "%ld", v);
	xmlNewProp(n, BAD_CAST name, BAD_CAST b);
}

static int write_result(struct tmode *t, const char *file, const char *cname,
			int status, const struct tm_failure *f, double secs)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr r = xmlNewDocNode(doc, NULL, BAD_CAST "result", NULL);
	xmlDocSetRootElement(doc, r);
	put(r, "case", cname);
	put(r, "status", status == 0 ? "pass" : status == 1 ? "fail" : "error");
	char tb[32];
	snprintf(tb, sizeof tb, "%.6f", secs);
	put(r, "time", tb);
	if (status != 0) {
		xmlNodePtr x = xmlNewTextChild(r, NULL, BAD_CAST "failure",
					       BAD_CAST(f->message ? f->message
								   : "failed"));
		put_long(x, "line", f->line);
		put(x, "where", f->where);
		if (f->expected)
			xmlNewTextChild(x, NULL, BAD_CAST "expected",
					BAD_CAST f->expected);
		if (f->actual)
			xmlNewTextChild(x, NULL, BAD_CAST "actual",
					BAD_CAST f->actual);
	}
	if (t->trace)
		fflush(t->trace);
	xmlNewTextChild(r, NULL, BAD_CAST "trace",
			BAD_CAST(t->trace_buf ? t->trace_buf : ""));
	xmlNodePtr cov = xmlNewChild(r, NULL, BAD_CAST "coverage", NULL);
	for (int i = 0; i < t->orig->nstates; i++)
		if (t->hits[i]) {
			xmlNodePtr s =
				xmlNewChild(cov, NULL, BAD_CAST "s", NULL);
			put_long(s, "n", i);
			put_long(s, "h", (long)t->hits[i]);
		}
	for (int i = 0; i < t->ctriples; i++)
		if (t->triples[i].hits) {
			const struct tm_triple *x = &t->triples[i];
			xmlNodePtr s =
				xmlNewChild(cov, NULL, BAD_CAST "t", NULL);
			put_long(s, "a", x->a);
			put_long(s, "b", x->b);
			put_long(s, "c", x->c);
			put_long(s, "h", (long)x->hits);
		}
	/* <fe n=STATE begin= zero= more= children=/> per forEach run */
	static const char *const fe_names[TM_FE_N] = { "begin", "zero", "more",
						       "children" };
	for (int i = 0; i < t->orig->nstates; i++) {
		const unsigned long *h = &t->fe_hits[TM_FE_N * i];
		if (!h[BRT_TEST_FE_BEGIN])
			continue;
		xmlNodePtr s = xmlNewChild(cov, NULL, BAD_CAST "fe", NULL);
		put_long(s, "n", i);
		for (int k = 0; k < TM_FE_N; k++)
			put_long(s, fe_names[k], (long)h[k]);
	}
	for (int i = 0; i < 2 * t->nlinks; i++)
		if (t->link_hits[i]) {
			xmlNodePtr s =
				xmlNewChild(cov, NULL, BAD_CAST "l", NULL);
			put_long(s, "n", i / 2);
			put_long(s, "v", i % 2);
			put_long(s, "h", (long)t->link_hits[i]);
		}
	int rc = xmlSaveFormatFileEnc(file, doc, "UTF-8", 1) < 0 ? 2 : 0;
	xmlFreeDoc(doc);
	if (rc)
		fprintf(stderr, "cannot write %s\n", file);
	return rc;
}

/* ---- main ---------------------------------------------------------------- */

static int usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s --suite FILE (--check | --case NAME --result FILE)\n"
		"This is a test build of the process: `bpelc test` runs it.\n",
		argv0);
	return 2;
}

static void tm_free(struct tmode *t)
{
	while (t->xs) {
		struct tm_exchange *x = t->xs;
		t->xs = x->next;
		free(x->id);
		free(x->fault_ns);
		free(x->fault_local);
		free(x->fault_text);
		free(x->where);
		xmlFreeDoc(x->answer);
		free(x);
	}
	while (t->calls) {
		struct tm_call *c = t->calls;
		t->calls = c->next;
		xmlFreeDoc(c->input);
		free(c);
	}
	while (t->insts) {
		struct tm_inst *i = t->insts;
		t->insts = i->next;
		free(i->fault_ns);
		free(i->fault_local);
		free(i->fault_where);
		for (int v = 0; i->vars && v < t->orig->nvars; v++)
			xmlFreeDoc(i->vars[v]);
		free(i->vars);
		free(i);
	}
	free(t->mock_error);
	free(t->hits);
	free(t->triples);
	free(t->hist);
	free(t->link_hits);
	free(t->fe_hits);
	free(t->timers);
	if (t->trace)
		fclose(t->trace);
	free(t->trace_buf);
	tm_suite_free(&t->suite);
}

static int link_count(const struct brt_process *p)
{
	(void)p;
	/* Link numbers are process-wide; the largest the process uses is
	 * not in its descriptor, so count generously and grow never:
	 * link_set ignores a number past it. */
	return 4096;
}

int __wrap_brt_main(const struct brt_process *p, int argc, char **argv)
{
	const char *suite = NULL, *cname = NULL, *result = NULL;
	bool check = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--suite") == 0 && i + 1 < argc)
			suite = argv[++i];
		else if (strcmp(argv[i], "--case") == 0 && i + 1 < argc)
			cname = argv[++i];
		else if (strcmp(argv[i], "--result") == 0 && i + 1 < argc)
			result = argv[++i];
		else if (strcmp(argv[i], "--check") == 0)
			check = true;
		else
			return usage(argv[0]);
	}
	if (!suite || (!check && (!cname || !result)))
		return usage(argv[0]);

	struct tmode t;
	memset(&t, 0, sizeof t);
	t.orig = p;
	t.proc = *p;
	t.proc.step = traced_step;
	t.proc.invoker = &tm_mock_service;
	t.now = TM_EPOCH;
	t.cur_state = -1;
	t.fault_state = -1;
	int rc = tm_suite_load(&t.suite, p, suite);
	if (rc != 0 || check) {
		tm_suite_free(&t.suite);
		return rc;
	}
	const struct tm_case *c = NULL;
	for (int i = 0; i < t.suite.ncases; i++)
		if (strcmp(t.suite.cases[i].name, cname) == 0)
			c = &t.suite.cases[i];
	if (!c) {
		fprintf(stderr, "%s: no case named '%s'\n", suite, cname);
		tm_suite_free(&t.suite);
		return 2;
	}
	t.hits = calloc((size_t)p->nstates + 1, sizeof *t.hits);
	t.nlinks = link_count(p);
	t.link_hits = calloc((size_t)t.nlinks * 2, sizeof *t.link_hits);
	t.fe_hits = calloc((size_t)p->nstates * TM_FE_N + 1, sizeof *t.fe_hits);
	t.trace = open_memstream(&t.trace_buf, &t.trace_len);
	/* Every partner link with a partnerRole gets an address that names
	 * it, so a call tells the mock which link it came on. */
	struct brt_partner_override *ov =
		calloc((size_t)p->nplinks + 1, sizeof *ov);
	char **urls = calloc((size_t)p->nplinks + 1, sizeof *urls);
	int nov = 0;
	for (int i = 0; ov && urls && i < p->nplinks; i++)
		if (p->plinks[i].has_partner_role) {
			urls[i] = tm_strf("bpelc-test:%s", p->plinks[i].name);
			ov[nov].link = p->plinks[i].name;
			ov[nov++].url = urls[i];
		}
	brt_runtime *rt = (t.hits && t.link_hits && t.fe_hits && ov && urls)
				  ? brt__runtime_new(&t.proc)
				  : NULL;
	if (!rt) {
		fprintf(stderr, "cannot start the runtime\n");
		free(ov);
		free(urls);
		tm_free(&t);
		return 2;
	}
	/* The hooks go in before anything runs: no timer is armed yet. */
	rt->test = &tm_hooks;
	rt->test_ctx = &t;
	rt->partners = ov;
	rt->npartners = nov;
	t.rt = rt;

	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	struct tm_failure f;
	memset(&f, 0, sizeof f);
	int status = tm_run_case(&t, c, &f);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (write_result(&t, result, cname, status, &f, secs) != 0)
		status = 2;

	/* The engine goes first: it answers what is open through t. */
	brt__engine_destroy_all(rt);
	tm_settle(&t);
	brt__runtime_free(rt); /* frees ov */
	for (int i = 0; i < p->nplinks; i++)
		free(urls[i]);
	free(urls);
	free(f.message);
	free(f.expected);
	free(f.actual);
	free(f.where);
	tm_free(&t);
	return status;
}
