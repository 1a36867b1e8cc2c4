/*
 * run.c — one case of a suite: its steps in document order against the
 * process (docs/testing.md). A <send> hands the message to the engine and
 * runs everything it causes at the current time; when the answer of a
 * request-response send or the end of an instance is expected and every
 * instance is idle, the
 * virtual clock moves to the next timer by itself (auto-advance) until it
 * comes or no timer is left. An explicit <advance> with no timer pending
 * is an error in the suite. The first expectation that does not hold
 * ends the case with a failure saying what was expected, what happened
 * and where in the .bpel.
 *
 * Not here: the suite's syntax (checked before, suite.c), the transport
 * and mocks (transport.c, mock.c).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>

#include "testmode.h"

static bool is(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	       strcmp((const char *)n->ns->href, "urn:bpelc:test") == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

static int fail(struct tm_failure *f, xmlNodePtr at, const char *where,
		char *expected, char *actual, char *message)
{
	f->line = tm_line(at);
	f->where = where ? strdup(where) : NULL;
	f->expected = expected;
	f->actual = actual;
	f->message = message;
	return 1;
}

/* Where the instance's strands wait, for "no reply" failures. */
static char *waiting_at(struct tmode *t)
{
	char buf[1024];
	size_t n = 0;
	buf[0] = 0;
	for (brt_instance *in = brt__engine_first(t->rt); in; in = in->next)
		for (brt_strand *s = in->strands_head; s; s = s->next)
			if (s->wait == BRT_W_RECEIVE || s->wait == BRT_W_PICK ||
			    s->wait == BRT_W_TIMER || s->wait == BRT_W_INVOKE) {
				int w = snprintf(buf + n, sizeof buf - n,
						 "%s%s", n ? "; " : "",
						 tm_state_name(t, s->state));
				if (w < 0 || (size_t)w >= sizeof buf - n)
					break;
				n += (size_t)w;
			}
	return n ? strdup(buf) : strdup("nothing: no instance is live");
}

static char *describe_answer(const struct tm_exchange *x)
{
	if (!x->answered)
		return strdup("no answer yet");
	if (x->is_fault)
		return tm_strf("fault {%s}%s%s%s",
			       x->fault_ns ? x->fault_ns : "",
			       x->fault_local ? x->fault_local : "",
			       x->fault_text ? ": " : "",
			       x->fault_text ? x->fault_text : "");
	return strdup("a reply");
}

/* The answer arrives, or no timer is left to wait for. */
static void await_answer(struct tmode *t, struct tm_exchange *x)
{
	while (!x->answered && tm_clock_pending(t) > 0 &&
	       !brt__engine_busy(t->rt)) {
		tm_trace(t, "auto-advance to the next timer");
		tm_clock_fire_next(t);
	}
}

static struct tm_inst *nth_instance(struct tmode *t, int n)
{
	struct tm_inst *i = t->insts;
	while (i && --n > 0)
		i = i->next;
	return i;
}

/* Canonical form of a document's content with blank text dropped, for
 * comparing an expected document with the actual one. */
static char *canon(xmlDocPtr doc)
{
	if (!doc)
		return strdup("(none)");
	xmlDocPtr d = xmlCopyDoc(doc, 1);
	if (!d)
		return NULL;
	/* Drop whitespace-only text nodes. */
	xmlNodePtr n = xmlDocGetRootElement(d);
	while (n) {
		xmlNodePtr next = NULL;
		if (n->children)
			next = n->children;
		else {
			xmlNodePtr up = n;
			while (up && !up->next)
				up = up->parent == (xmlNodePtr)d ? NULL
								 : up->parent;
			next = up ? up->next : NULL;
		}
		if (n->type == XML_TEXT_NODE && xmlIsBlankNode(n)) {
			xmlUnlinkNode(n);
			xmlFreeNode(n);
		}
		n = next;
	}
	xmlChar *out = NULL;
	int len = xmlC14NDocDumpMemory(d, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
				       &out);
	xmlFreeDoc(d);
	if (len < 0)
		return NULL;
	char *r = strdup((const char *)out);
	xmlFree(out);
	return r;
}

/* Text that is not only white space. */
static bool solid(xmlNodePtr n)
{
	return (n->type == XML_TEXT_NODE ||
		n->type == XML_CDATA_SECTION_NODE) &&
	       !xmlIsBlankNode(n);
}

static xmlNodePtr next_kept(xmlNodePtr n)
{
	while (n && n->type != XML_ELEMENT_NODE && !solid(n))
		n = n->next;
	return n;
}

static bool same_str(const xmlChar *a, const xmlChar *b)
{
	return xmlStrEqual(a ? a : BAD_CAST "", b ? b : BAD_CAST "");
}

/* Equal as XML: names by namespace URI (prefixes do not matter),
 * attributes as a set, text as written, white space between elements
 * ignored. */
static bool same_node(xmlNodePtr a, xmlNodePtr b)
{
	if (a->type == XML_ELEMENT_NODE || b->type == XML_ELEMENT_NODE) {
		if (a->type != b->type || !xmlStrEqual(a->name, b->name) ||
		    !same_str(a->ns ? a->ns->href : NULL,
			      b->ns ? b->ns->href : NULL))
			return false;
		int na = 0, nb = 0;
		for (xmlAttrPtr x = a->properties; x; x = x->next, na++) {
			xmlChar *va = xmlNodeGetContent((xmlNodePtr)x);
			xmlChar *vb = xmlGetNsProp(b, x->name,
						   x->ns ? x->ns->href : NULL);
			bool eq = vb && same_str(va, vb);
			xmlFree(va);
			xmlFree(vb);
			if (!eq)
				return false;
		}
		for (xmlAttrPtr x = b->properties; x; x = x->next)
			nb++;
		if (na != nb)
			return false;
		xmlNodePtr ca = next_kept(a->children),
			   cb = next_kept(b->children);
		while (ca && cb) {
			if (!same_node(ca, cb))
				return false;
			ca = next_kept(ca->next);
			cb = next_kept(cb->next);
		}
		return !ca && !cb;
	}
	return same_str(a->content, b->content);
}

static bool same_doc(xmlDocPtr a, xmlDocPtr b)
{
	xmlNodePtr ra = a ? xmlDocGetRootElement(a) : NULL;
	xmlNodePtr rb = b ? xmlDocGetRootElement(b) : NULL;
	if (!ra || !rb)
		return !ra && !rb;
	return same_node(ra, rb);
}

static int check_asserts(struct tmode *t, xmlNodePtr holder, xmlDocPtr doc,
			 const struct brt_message *m, const char *where,
			 const char *what, struct tm_failure *f)
{
	(void)t;
	for (xmlNodePtr a = holder->children; a; a = a->next) {
		if (!is(a, "assert"))
			continue;
		char *test = tm_attr(a, "test");
		bool ok = false;
		char *err = NULL;
		if (tm_xpath_bool(a, test, doc, m, &ok, &err) != 0) {
			int r = fail(f, a, where, test, err,
				     tm_strf("the assertion cannot be "
					     "evaluated on %s",
					     what));
			return r;
		}
		if (!ok) {
			char *actual = canon(doc);
			return fail(f, a, where, test, actual,
				    tm_strf("%s does not satisfy the "
					    "assertion",
					    what));
		}
		free(test);
	}
	return 0;
}

static struct tm_exchange *find_exchange(struct tmode *t, const char *of)
{
	struct tm_exchange *found = NULL;
	for (struct tm_exchange *x = t->xs; x; x = x->next)
		if (x->line > 0 && x->op->output &&
		    (!of || (x->id && strcmp(x->id, of) == 0)))
			found = x;
	return found;
}

static int step_send(struct tmode *t, xmlNodePtr s)
{
	char *pl = tm_attr(s, "partnerLink"), *opn = tm_attr(s, "operation");
	int plink = tm_plink(&t->proc, pl);
	const struct brt_operation *op =
		tm_operation(&t->proc, plink, opn, true);
	const char *why = NULL;
	xmlDocPtr msg = op ? tm_message(s, op->input, &why) : NULL;
	free(opn);
	if (!msg) {
		free(pl);
		return 2; /* checked before: out of memory */
	}
	struct tm_exchange *x = calloc(1, sizeof *x);
	if (!x) {
		xmlFreeDoc(msg);
		free(pl);
		return 2;
	}
	x->line = tm_line(s);
	x->plink = plink;
	x->op = op;
	x->id = tm_attr(s, "id");
	if (t->xs_tail)
		t->xs_tail->next = x;
	else
		t->xs = x;
	t->xs_tail = x;
	tm_trace(t, "send %s.%s (suite line %d)", pl, op->name, x->line);
	tm_trace_doc(t, msg);
	free(pl);
	tm_transport_send(t, plink, op, msg, op->output ? x : NULL);
	tm_settle(t);
	return 0;
}

static int step_answer(struct tmode *t, xmlNodePtr s, struct tm_failure *f)
{
	bool want_fault = is(s, "expectFault");
	char *of = tm_attr(s, "of");
	struct tm_exchange *x = find_exchange(t, of);
	free(of);
	if (!x)
		return fail(f, s, NULL, NULL, NULL,
			    strdup("no request was sent for this "
				   "expectation"));
	await_answer(t, x);
	if (!x->answered) {
		char *w = waiting_at(t);
		int r = fail(f, s, w,
			     strdup(want_fault ? "a fault" : "a reply"),
			     strdup("no answer"),
			     tm_strf("no answer to the send of line %d; the "
				     "process waits at %s",
				     x->line, w));
		free(w);
		return r;
	}
	if (want_fault != x->is_fault)
		return fail(f, s, x->where,
			    strdup(want_fault ? "a fault" : "a reply"),
			    describe_answer(x),
			    tm_strf("the send of line %d got %s", x->line,
				    x->is_fault ? "a fault" : "a reply"));
	const struct brt_message *m = NULL;
	if (want_fault) {
		char *name = tm_attr(s, "name");
		if (name) {
			char *ns = NULL, *local = NULL;
			tm_qname(s, name, &ns, &local);
			bool same = local && x->fault_local &&
				    strcmp(local, x->fault_local) == 0 &&
				    strcmp(ns ? ns : "",
					   x->fault_ns ? x->fault_ns : "") == 0;
			char *exp = tm_strf("fault {%s}%s", ns ? ns : "",
					    local ? local : "");
			free(ns);
			free(local);
			free(name);
			if (!same)
				return fail(f, s, x->where, exp,
					    describe_answer(x),
					    strdup("a different fault"));
			free(exp);
		}
		for (int i = 0; i < x->op->nfaults; i++)
			if (x->fault_local &&
			    strcmp(x->op->faults[i].name, x->fault_local) == 0)
				m = x->op->faults[i].message;
	} else {
		m = x->op->output;
	}
	int r = check_asserts(t, s, x->answer, m, x->where,
			      want_fault ? "the fault's data" : "the reply", f);
	if (r)
		return r;
	for (xmlNodePtr d = s->children; d; d = d->next) {
		if (!is(d, "document"))
			continue;
		const char *why = NULL;
		xmlDocPtr want = tm_message(d, x->op->output, &why);
		bool same = same_doc(want, x->answer);
		char *a = same ? NULL : canon(want);
		xmlFreeDoc(want);
		if (!same)
			return fail(f, d, x->where, a, canon(x->answer),
				    strdup("the reply is not the expected "
					   "document"));
	}
	return 0;
}

static int step_calls(struct tmode *t, xmlNodePtr s, struct tm_failure *f)
{
	char *pl = tm_attr(s, "partnerLink"), *opn = tm_attr(s, "operation");
	char *cnt = tm_attr(s, "count");
	int plink = tm_plink(&t->proc, pl);
	int n = 0;
	for (struct tm_call *c = t->calls; c; c = c->next)
		n += c->plink == plink && strcmp(c->op->name, opn) == 0;
	int r = 0;
	if (cnt && atoi(cnt) != n)
		r = fail(f, s, NULL,
			 tm_strf("%s call(s) of %s.%s", cnt, pl, opn),
			 tm_strf("%d", n),
			 tm_strf("%s.%s was called %d time(s)", pl, opn, n));
	for (xmlNodePtr a = s->children; !r && a; a = a->next) {
		if (!is(a, "assert"))
			continue;
		char *call = tm_attr(a, "call");
		int want = call ? atoi(call) : 0;
		free(call);
		bool any = false;
		for (struct tm_call *c = t->calls; c && !r; c = c->next) {
			if (c->plink != plink ||
			    strcmp(c->op->name, opn) != 0 ||
			    (want && c->number != want))
				continue;
			any = true;
			char *test = tm_attr(a, "test");
			bool ok = false;
			char *err = NULL;
			if (tm_xpath_bool(a, test, c->input, c->op->input, &ok,
					  &err) != 0)
				r = fail(f, a, NULL, test, err,
					 tm_strf("the assertion cannot be "
						 "evaluated on call %d",
						 c->number));
			else if (!ok)
				r = fail(f, a, NULL, test, canon(c->input),
					 tm_strf("call %d of %s.%s does not "
						 "satisfy the assertion",
						 c->number, pl, opn));
			else
				free(test);
		}
		if (!r && want && !any)
			r = fail(f, a, NULL, tm_strf("call %d", want),
				 tm_strf("%d call(s)", n),
				 tm_strf("%s.%s has no call %d", pl, opn,
					 want));
	}
	free(pl);
	free(opn);
	free(cnt);
	return r;
}

static int step_advance(struct tmode *t, xmlNodePtr s, struct tm_failure *f)
{
	if (tm_clock_pending(t) == 0) {
		fail(f, s, NULL, strdup("a pending timer"),
		     strdup("no timer is pending"),
		     strdup("suite error: <advance> with no timer pending"));
		return 2;
	}
	char *by = tm_attr(s, "by");
	if (by) {
		double secs = tm_duration(by);
		tm_trace(t, "advance by %s", by);
		tm_clock_advance(t, secs);
	} else {
		tm_trace(t, "advance to the next timer");
		tm_clock_fire_next(t);
	}
	free(by);
	return 0;
}

static const char *end_name(const struct tm_inst *i)
{
	if (!i->ended)
		return "waiting";
	switch (i->end) {
	case BRT_END_COMPLETED:
		return "completed";
	case BRT_END_FAULTED:
		return "faulted";
	case BRT_END_EXITED:
		return "exited";
	default:
		return "stopped";
	}
}

static int step_end(struct tmode *t, xmlNodePtr s, struct tm_failure *f)
{
	char *st = tm_attr(s, "state"), *in = tm_attr(s, "instance");
	int n = in ? atoi(in) : 1;
	free(in);
	bool want_end = strcmp(st, "waiting") != 0;
	struct tm_inst *i = nth_instance(t, n);
	while (want_end && i && !i->ended && tm_clock_pending(t) > 0) {
		tm_trace(t, "auto-advance to the next timer");
		tm_clock_fire_next(t);
	}
	int r = 0;
	if (!i) {
		r = fail(f, s, NULL, tm_strf("instance %d %s", n, st),
			 strdup("no such instance"),
			 tm_strf("the case started no instance %d", n));
	} else if (strcmp(end_name(i), st) != 0) {
		char *actual = i->ended && i->fault_local
				       ? tm_strf("%s with {%s}%s", end_name(i),
						 i->fault_ns ? i->fault_ns : "",
						 i->fault_local)
				       : strdup(end_name(i));
		char *w = i->ended ? NULL : waiting_at(t);
		r = fail(f, s, i->ended ? i->fault_where : w,
			 tm_strf("instance %d %s", n, st), actual,
			 tm_strf("instance %d is %s, not %s", n, end_name(i),
				 st));
		free(w);
	} else {
		char *fault = tm_attr(s, "fault");
		char *ns = NULL, *local = NULL;
		if (fault && tm_qname(s, fault, &ns, &local) &&
		    (!i->fault_local || strcmp(local, i->fault_local) != 0 ||
		     strcmp(ns, i->fault_ns ? i->fault_ns : "") != 0))
			r = fail(f, s, i->fault_where,
				 tm_strf("fault {%s}%s", ns, local),
				 tm_strf("fault {%s}%s",
					 i->fault_ns ? i->fault_ns : "",
					 i->fault_local ? i->fault_local : ""),
				 tm_strf("instance %d faulted with another "
					 "fault",
					 n));
		free(fault);
		free(ns);
		free(local);
	}
	free(st);
	return r;
}

static int step_variable(struct tmode *t, xmlNodePtr s, struct tm_failure *f)
{
	char *name = tm_attr(s, "name"), *in = tm_attr(s, "instance");
	char *test = tm_attr(s, "test");
	int n = in ? atoi(in) : 1;
	free(in);
	const struct brt_process *p = &t->proc;
	int v = -1;
	for (int k = 0; k < p->nvars; k++)
		if (p->vars[k].scope == 0 && strcmp(p->vars[k].name, name) == 0)
			v = k;
	struct tm_inst *i = nth_instance(t, n);
	xmlDocPtr doc = NULL;
	if (i && i->ended)
		doc = i->vars ? i->vars[v] : NULL;
	else if (i)
		for (brt_instance *live = brt__engine_first(t->rt); live;
		     live = live->next)
			if (live->id == i->id && live->root)
				doc = live->root->vars[p->vars[v].slot];
	int r = 0;
	bool ok = false;
	char *err = NULL;
	if (!i)
		r = fail(f, s, NULL, test, strdup("no such instance"),
			 tm_strf("the case started no instance %d", n));
	else if (tm_xpath_var(s, test, doc, &p->vars[v], &ok, &err) != 0)
		r = fail(f, s, NULL, test, err,
			 tm_strf("the test on variable '%s' cannot be "
				 "evaluated",
				 name));
	else if (!ok)
		r = fail(f, s, NULL, test,
			 doc ? canon(doc) : strdup("(uninitialised)"),
			 tm_strf("variable '%s' of instance %d does not "
				 "satisfy the test",
				 name, n));
	else
		free(test);
	free(name);
	return r;
}

int tm_run_case(struct tmode *t, const struct tm_case *c, struct tm_failure *f)
{
	tm_trace(t, "case %s (suite line %d)", c->name, tm_line(c->node));
	for (xmlNodePtr s = c->node->children; s; s = s->next) {
		if (s->type != XML_ELEMENT_NODE)
			continue;
		int r = 0;
		if (is(s, "send"))
			r = step_send(t, s);
		else if (is(s, "expectReply") || is(s, "expectFault"))
			r = step_answer(t, s, f);
		else if (is(s, "expectCalls"))
			r = step_calls(t, s, f);
		else if (is(s, "advance"))
			r = step_advance(t, s, f);
		else if (is(s, "expectEnd"))
			r = step_end(t, s, f);
		else if (is(s, "expectVariable"))
			r = step_variable(t, s, f);
		if (r == 0 && t->mock_error)
			r = fail(f, s, NULL, NULL, NULL, strdup(t->mock_error));
		if (r) {
			tm_trace(t, "FAILED at suite line %d: %s", f->line,
				 f->message ? f->message : "");
			return r;
		}
	}
	return 0;
}
