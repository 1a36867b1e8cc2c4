/*
 * foreach.c — <forEach> (semantics.md §6, faults.md): the counter values
 * and branches evaluated once as xsd:unsignedInt, then N = final - start
 * + 1 instances of the child scope, one after another or all at once,
 * each with its own copy of the counter; the completion condition is
 * checked each time a child ends, and early completion terminates the
 * children still running.
 *
 * The forEach is one state of its strand: the first call starts the
 * children and waits; each time a child scope instance ends
 * (brt__foreach_child_ended, called by faults.c before it frees it) the
 * strand runs the same state again and decides. Its bookkeeping (struct
 * brt_fe) belongs to the strand and is freed with it, so a forEach that
 * is terminated leaves nothing behind. Child scopes are entered with
 * brt__scope_enter (faults.c), which sets the child's counter before its
 * inline variable initialisers run, so they can read it; an unhandled
 * fault in a child goes to the enclosing scope, which terminates the
 * forEach strand and its children.
 *
 * Early completion terminates the children still running with
 * brt__scope_terminate (terminate.c), which runs their termination
 * handlers; the forEach waits for those (BRT_W_TERM) before it goes on.
 * In test mode each run tells rt->test where it began, whether its body
 * ran zero times or one or more, and each child started (coverage).
 * Not here: evaluating the expressions (xpath.c), scope entry and fault
 * handling (faults.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

struct brt_fe {
	const struct brt_foreach *f; /* NULL when restored, until its step */
	int scope;		     /* f->scope */
	bool successful_only;	     /* f->successful_only */
	unsigned long start;
	unsigned long n; /* child instances to run */
	unsigned long b; /* completion condition branches */
	bool has_b;
	unsigned long started; /* children started so far */
	unsigned long running;
	unsigned long finished; /* ended (completed or fault handled) */
	unsigned long succeeded;
};

void brt__foreach_free(brt_strand *s)
{
	free(s->fe);
	s->fe = NULL;
}

/* An expression's value as xsd:unsignedInt (faults.md:
 * invalidExpressionValue otherwise). */
static enum brt_step eval_uint(brt_strand *s, int expr, const char *what,
			       unsigned long *out)
{
	char *text = brt__eval_string(s, expr);
	if (!text)
		return BRT_STEP_FAULT;
	const char *p = text;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p == '+')
		p++;
	char *end = NULL;
	errno = 0;
	unsigned long long v = 0;
	bool ok = *p >= '0' && *p <= '9';
	if (ok) {
		v = strtoull(p, &end, 10);
		while (end && (*end == ' ' || *end == '\t' || *end == '\n' ||
			       *end == '\r'))
			end++;
		ok = errno == 0 && end && *end == '\0' && v <= 4294967295ULL;
	}
	if (!ok) {
		char why[160];
		snprintf(why, sizeof why,
			 "%s '%.80s' is not an "
			 "xsd:unsignedInt",
			 what, text);
		free(text);
		return brt__std_fault(s, "invalidExpressionValue", why);
	}
	free(text);
	*out = (unsigned long)v;
	return BRT_STEP_NEXT;
}

/* The counter of child scope instance si: an xsd:unsignedInt type
 * variable, whose value is an element named after it (bpelrt.h). */
static int set_counter(brt_instance *in, struct brt_scope_inst *si, int var,
		       unsigned long value)
{
	const struct brt_process *p = in->rt->proc;
	if (var < 0 || var >= p->nvars)
		return 0;
	const struct brt_variable *v = &p->vars[var];
	if (v->scope != si->scope || v->slot < 0 ||
	    v->slot >= p->scopes[si->scope].nvars)
		return BRT_EINVAL;
	char text[24];
	snprintf(text, sizeof text, "%lu", value);
	xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root =
		d ? xmlNewDocNode(d, NULL, BAD_CAST v->name, BAD_CAST text)
		  : NULL;
	if (!root) {
		xmlFreeDoc(d);
		return BRT_ENOMEM;
	}
	xmlDocSetRootElement(d, root);
	if (si->vars[v->slot])
		xmlFreeDoc(si->vars[v->slot]);
	si->vars[v->slot] = d;
	return 0;
}

/* brt__scope_enter's prep: the counter is set before the child scope's
 * inline initialisers run, so they can read it (semantics.md §6). */
struct counter_prep {
	int var;
	unsigned long value;
};

static int prep_counter(struct brt_scope_inst *si, void *arg)
{
	const struct counter_prep *cp = arg;
	return set_counter(si->in, si, cp->var, cp->value);
}

/* Test mode's coverage counts (brt_test_hooks.foreach_note). */
static void note(brt_strand *s, enum brt_test_fe what)
{
	if (s->in->rt->test)
		s->in->rt->test->foreach_note(s, what);
}

static enum brt_step start_child(brt_strand *s, struct brt_fe *fe)
{
	const struct brt_foreach *f = fe->f;
	struct counter_prep cp = { f->counter, fe->start + fe->started };
	enum brt_step r =
		brt__scope_enter(s, f->scope, f->body, prep_counter, &cp);
	if (r != BRT_STEP_WAIT)
		return r;
	if (fe->started == 0)
		note(s, BRT_TEST_FE_FIRST);
	note(s, BRT_TEST_FE_CHILD);
	fe->started++;
	fe->running++;
	return BRT_STEP_WAIT;
}

/* Early completion of a parallel forEach: the children still running
 * (all but `except`, which is ending) are terminated; s is told when each
 * termination has finished (s->nterm_wait). */
static void terminate_children(brt_strand *s, int scope,
			       const struct brt_scope_inst *except)
{
	brt_instance *in = s->in;
	struct brt_scope_inst *x, *next;
	/* brt__scope_terminate may free x (and what is nested in it) at once,
	 * but never another child of s: restart after each one. */
	for (bool again = true; again;) {
		again = false;
		for (x = in->scopes_head; x; x = next) {
			next = x->next;
			if (x->waiter != s || x->scope != scope ||
			    x == except || x->phase != BRT_PHASE_ACTIVE)
				continue;
			x->waiter = NULL; /* s no longer waits for its end */
			brt__scope_terminate(x, s);
			again = true;
			break;
		}
	}
}

static bool reached(const struct brt_fe *fe);

/* The completion condition is checked as each child ends, so children
 * that have not run yet are terminated before they run (§11.7). */
void brt__foreach_child_ended(brt_strand *w, struct brt_scope_inst *si)
{
	struct brt_fe *fe = w->fe;
	if (!fe || si->scope != fe->scope)
		return;
	if (fe->running > 0)
		fe->running--;
	fe->finished++;
	if (si->mode == BRT_MODE_NORMAL)
		fe->succeeded++;
	if (reached(fe) && fe->running > 0) {
		terminate_children(w, fe->scope, si);
		fe->running = 0;
	}
}

static enum brt_step finish(brt_strand *s, const struct brt_foreach *f)
{
	brt__foreach_free(s);
	s->state = f->next;
	return BRT_STEP_NEXT;
}

static bool reached(const struct brt_fe *fe)
{
	return fe->has_b &&
	       (fe->successful_only ? fe->succeeded : fe->finished) >= fe->b;
}

static enum brt_step begin(brt_strand *s, const struct brt_foreach *f)
{
	unsigned long start, final, b = 0;
	enum brt_step r;
	note(s, BRT_TEST_FE_BEGIN);
	if ((r = eval_uint(s, f->start, "startCounterValue", &start)) !=
		    BRT_STEP_NEXT ||
	    (r = eval_uint(s, f->final, "finalCounterValue", &final)) !=
		    BRT_STEP_NEXT)
		return r;
	if (f->branches >= 0 &&
	    (r = eval_uint(s, f->branches, "branches", &b)) != BRT_STEP_NEXT)
		return r;
	unsigned long n = final >= start ? final - start + 1 : 0;
	if (f->branches >= 0 && b > n) {
		char why[96];
		snprintf(why, sizeof why, "branches %lu > %lu instances", b, n);
		return brt__std_fault(s, "invalidBranchCondition", why);
	}
	if (n == 0 || (f->branches >= 0 && b == 0)) {
		note(s, BRT_TEST_FE_ZERO);
		return finish(s, f);
	}
	struct brt_fe *fe = calloc(1, sizeof *fe);
	if (!fe)
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	fe->f = f;
	fe->scope = f->scope;
	fe->successful_only = f->successful_only;
	fe->start = start;
	fe->n = n;
	fe->b = b;
	fe->has_b = f->branches >= 0;
	s->fe = fe;
	unsigned long k = f->parallel ? n : 1;
	for (unsigned long i = 0; i < k; i++)
		if ((r = start_child(s, fe)) != BRT_STEP_WAIT)
			return r;
	return BRT_STEP_WAIT;
}

enum brt_step brt_foreach(brt_strand *s, const struct brt_foreach *f)
{
	struct brt_fe *fe = s->fe;
	if (fe && !fe->f && fe->scope == f->scope)
		fe->f = f; /* restored (store.c) */
	if (!fe || fe->f != f) {
		brt__foreach_free(s);
		return begin(s, f);
	}
	/* A child ended. */
	if (reached(fe)) {
		if (fe->running > 0) {
			terminate_children(s, f->scope, NULL);
			fe->running = 0;
		}
		if (s->nterm_wait > 0) { /* termination handlers run */
			s->wait = BRT_W_TERM;
			return BRT_STEP_WAIT;
		}
		return finish(s, f);
	}
	if (fe->running > 0) {
		s->wait = BRT_W_SCOPE;
		return BRT_STEP_WAIT;
	}
	if (fe->started < fe->n)
		return start_child(s, fe);
	if (fe->has_b) {
		char why[96];
		snprintf(why, sizeof why, "%lu of %lu branches",
			 f->successful_only ? fe->succeeded : fe->finished,
			 fe->b);
		brt__foreach_free(s);
		return brt__std_fault(s, "completionConditionFailure", why);
	}
	return finish(s, f);
}

/* ---- saved instances (store.c) ------------------------------------------- */

/* <foreach scope= successful-only= start= n= b= has-b= started= running=
 * finished= succeeded=/>: everything but the descriptor, which the
 * forEach's step names again when it runs. Numbers, none written when 0
 * (recw.c): absent is 0. */
static const char *const fe_fields[] = { "start",    "n",	"b",
					 "started",  "running", "finished",
					 "succeeded" };

static unsigned long *fe_field(struct brt_fe *fe, int i)
{
	unsigned long *v[] = { &fe->start,    &fe->n,	    &fe->b,
			       &fe->started,  &fe->running, &fe->finished,
			       &fe->succeeded };
	return v[i];
}

enum { NFE_FIELDS = (int)(sizeof fe_fields / sizeof *fe_fields) };

int brt__foreach_save(const brt_strand *s, struct brt_recw *w)
{
	struct brt_fe *fe = s->fe;
	if (!fe)
		return 0;
	brt__recw_open(w, "foreach");
	brt__recw_num(w, "scope", fe->scope);
	brt__recw_ulong(w, "successful-only", fe->successful_only);
	brt__recw_ulong(w, "has-b", fe->has_b);
	for (int i = 0; i < NFE_FIELDS; i++)
		brt__recw_ulong(w, fe_fields[i], *fe_field(fe, i));
	brt__recw_close(w, "foreach");
	return w->err;
}

/* An unsigned attribute: 0 when absent; false when malformed. */
static bool get_ulong(const struct brt_rnode *n, const char *name,
		      unsigned long *out)
{
	const char *v = brt__recr_attr(n, name);
	if (!v) { /* recw.c writes no zeros */
		*out = 0;
		return true;
	}
	char *end = NULL;
	errno = 0;
	bool ok = *v >= '0' && *v <= '9';
	*out = ok ? strtoul(v, &end, 10) : 0;
	return ok && errno == 0 && end && !*end;
}

int brt__foreach_load(brt_strand *s, const struct brt_rnode *n)
{
	const struct brt_rnode *x = brt__recr_child(n, "foreach");
	if (!x)
		return 0;
	const struct brt_process *p = s->in->rt->proc;
	struct brt_fe *fe = calloc(1, sizeof *fe);
	if (!fe)
		return BRT_ENOMEM;
	unsigned long scope, only, has_b;
	bool ok = get_ulong(x, "scope", &scope) &&
		  get_ulong(x, "successful-only", &only) &&
		  get_ulong(x, "has-b", &has_b) && scope > 0 &&
		  scope < (unsigned long)p->nscopes;
	for (int i = 0; ok && i < NFE_FIELDS; i++)
		ok = get_ulong(x, fe_fields[i], fe_field(fe, i));
	if (!ok || fe->started > fe->n || fe->running > fe->started) {
		free(fe);
		return BRT_EINVAL;
	}
	fe->scope = (int)scope;
	fe->successful_only = only != 0;
	fe->has_b = has_b != 0;
	brt__foreach_free(s);
	s->fe = fe;
	return 0;
}
