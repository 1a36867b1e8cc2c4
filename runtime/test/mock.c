/*
 * mock.c — mocked partners: the invoke service (bpelrt.h's invoker) of a
 * test build. A call is recorded (its input copied, numbered per partner
 * link and operation), then the suite's mock for that operation picks
 * its answer: the first <answer> whose call number and `when` condition
 * fit. The answer (a reply, a declared or undeclared fault) reaches the
 * process from the event loop, at once or after its `delay` on the
 * virtual clock; its <callback>s are then sent to the process as a
 * partner would.
 *
 * Partner links are told apart by the address main.c gives each of them
 * ("bpelc-test:LINK"); an address the process assigned itself matches
 * the first mock of the operation. Not here: the suite's syntax
 * (suite.c), what a case expects of the calls (run.c).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "testmode.h"

#define URL_PREFIX "bpelc-test:"

struct brt_call {
	struct tmode *t;
	struct event *ev;
	bool on_clock; /* armed on the virtual clock, else activated */
	const struct tm_mock *mock;
	const struct tm_answer *ans;
	const struct brt_operation *op;
	xmlDocPtr input; /* owned copy, for `when` */
	brt_call_cb cb;
	void *arg;
	char *error; /* no answer: the call fails with this */
};

/* A callback the partner sends after its answer. */
struct tm_cb {
	struct tmode *t;
	struct event *ev;
	xmlNodePtr node;
};

static int init(brt_runtime *rt)
{
	(void)rt;
	return 0;
}

static void svc_free(brt_runtime *rt)
{
	(void)rt;
}

static int count(const brt_runtime *rt)
{
	(void)rt;
	return 0;
}

static void call_free(struct brt_call *c)
{
	if (c->ev) {
		if (c->on_clock)
			c->t->rt->test->timer_del(c->t->rt, c->ev);
		else
			c->t->pending_mock--;
		event_free(c->ev);
	}
	xmlFreeDoc(c->input);
	free(c->error);
	free(c);
}

static void callback_fire(evutil_socket_t fd, short what, void *arg)
{
	struct tm_cb *cb = arg;
	struct tmode *t = cb->t;
	(void)fd;
	(void)what;
	char *pl = tm_attr(cb->node, "partnerLink");
	char *opn = tm_attr(cb->node, "operation");
	int plink = tm_plink(&t->proc, pl);
	const struct brt_operation *op =
		tm_operation(&t->proc, plink, opn, true);
	const char *why = NULL;
	xmlDocPtr msg = op ? tm_message(cb->node, op->input, &why) : NULL;
	/* suite.c checked all of this before the run. */
	if (msg) {
		tm_trace(t, "callback %s.%s (suite line %d)", pl, opn,
			 tm_line(cb->node));
		tm_trace_doc(t, msg);
		struct tm_exchange *x = NULL;
		if (op->output) {
			x = calloc(1, sizeof *x);
			if (x) {
				x->plink = plink;
				x->op = op;
				x->line = tm_line(cb->node);
				if (t->xs_tail)
					t->xs_tail->next = x;
				else
					t->xs = x;
				t->xs_tail = x;
			}
		}
		tm_transport_send(t, plink, op, msg, x);
	}
	free(pl);
	free(opn);
	event_free(cb->ev);
	free(cb);
}

static void send_callbacks(struct tmode *t, const struct tm_answer *a)
{
	for (int i = 0; i < a->ncallbacks; i++) {
		struct tm_cb *cb = calloc(1, sizeof *cb);
		if (!cb)
			continue;
		cb->t = t;
		cb->node = a->callbacks[i];
		cb->ev = event_new(t->rt->base, -1, 0, callback_fire, cb);
		char *d = tm_attr(cb->node, "delay");
		double delay = d ? tm_duration(d) : 0;
		free(d);
		if (!cb->ev) {
			free(cb);
			continue;
		}
		/* Always on the clock: a callback is the partner's own
		 * message, later than the answer even with no delay. */
		t->rt->test->timer_add(t->rt, cb->ev, t->now + delay);
	}
}

/* The answer reaches the process. */
static void call_fire(evutil_socket_t fd, short what, void *arg)
{
	struct brt_call *c = arg;
	struct tmode *t = c->t;
	(void)fd;
	(void)what;
	struct brt_call_result res;
	memset(&res, 0, sizeof res);
	char *fns = NULL, *flocal = NULL;
	if (c->error) {
		res.err = BRT_EIO;
		snprintf(res.text, sizeof res.text, "%s", c->error);
	} else if (c->ans->fault) {
		char *name = tm_attr(c->ans->fault, "name");
		tm_qname(c->ans->fault, name, &fns, &flocal);
		free(name);
		res.is_fault = true;
		res.fault_ns = fns;
		res.fault_local = flocal;
		for (int i = 0; i < c->op->nfaults; i++)
			if (strcmp(c->op->faults[i].name, flocal) == 0 &&
			    strcmp(c->op->ns ? c->op->ns : "",
				   fns ? fns : "") == 0)
				res.fault_decl = &c->op->faults[i];
		const char *why = NULL;
		if (res.fault_decl)
			res.fault_data = tm_message(
				c->ans->fault, res.fault_decl->message, &why);
		else
			for (xmlNodePtr k = c->ans->fault->children; k;
			     k = k->next)
				if (k->type == XML_ELEMENT_NODE) {
					res.fault_data = brt__soap_elem_doc(k);
					break;
				}
		snprintf(res.text, sizeof res.text, "mocked fault {%s}%s",
			 fns ? fns : "", flocal ? flocal : "");
		tm_trace(t, "partner answers fault {%s}%s", fns ? fns : "",
			 flocal ? flocal : "");
		tm_trace_doc(t, res.fault_data);
	} else if (c->ans->reply && c->op->output) {
		const char *why = NULL;
		res.msg = tm_message(c->ans->reply, c->op->output, &why);
		tm_trace(t, "partner answers %s", c->op->name);
		tm_trace_doc(t, res.msg);
		if (!res.msg) {
			if (!t->mock_error)
				t->mock_error =
					tm_strf("suite line %d: <reply>: %s",
						tm_line(c->ans->reply),
						why ? why : "bad message");
			res.err = BRT_EPROTO;
			snprintf(res.text, sizeof res.text, "%s",
				 why ? why : "bad reply");
		}
	} else if (c->op->output) {
		res.err = BRT_EPROTO;
		snprintf(res.text, sizeof res.text,
			 "the mock's answer has no reply");
	}
	const struct tm_answer *ans = c->error ? NULL : c->ans;
	/* The call is over before the callback runs: the engine forgets it
	 * there (the callback owns res's documents). */
	event_free(c->ev);
	c->ev = NULL;
	if (!c->on_clock)
		t->pending_mock--;
	c->cb(c->arg, &res);
	free(fns);
	free(flocal);
	if (ans)
		send_callbacks(t, ans);
	xmlFreeDoc(c->input);
	free(c->error);
	free(c);
}

static bool answer_fits(struct tmode *t, const struct tm_answer *a, int number,
			const struct brt_operation *op, xmlDocPtr input)
{
	if (a->call && a->call != number)
		return false;
	if (!a->when)
		return true;
	bool ok = false;
	char *err = NULL;
	if (tm_xpath_bool(a->node, a->when, input, op->input, &ok, &err) != 0) {
		if (!t->mock_error)
			t->mock_error =
				tm_strf("suite line %d: when=\"%s\": %s",
					a->line, a->when, err);
		free(err);
		return false;
	}
	return ok;
}

static brt_call *start(brt_runtime *rt, const char *url,
		       const struct brt_operation *op, xmlDocPtr msg,
		       brt_call_cb cb, void *arg)
{
	struct tmode *t = rt->test_ctx;
	int plink = -1;
	if (url && strncmp(url, URL_PREFIX, strlen(URL_PREFIX)) == 0)
		plink = tm_plink(&t->proc, url + strlen(URL_PREFIX));
	const struct tm_mock *mock = NULL;
	for (int i = 0; i < t->suite.nmocks; i++) {
		const struct tm_mock *m = &t->suite.mocks[i];
		if (m->opname && strcmp(m->opname, op->name) == 0 &&
		    (plink < 0 || m->plink == plink)) {
			mock = m;
			break;
		}
	}
	if (plink < 0 && mock)
		plink = mock->plink;
	struct brt_call *c = calloc(1, sizeof *c);
	struct tm_call *rec = calloc(1, sizeof *rec);
	if (!c || !rec) {
		free(c);
		free(rec);
		return NULL;
	}
	c->t = t;
	c->op = op;
	c->cb = cb;
	c->arg = arg;
	c->mock = mock;
	c->input = msg ? xmlCopyDoc(msg, 1) : NULL;

	rec->plink = plink;
	rec->op = op;
	rec->input = msg ? xmlCopyDoc(msg, 1) : NULL;
	rec->number = 1;
	for (struct tm_call *o = t->calls; o; o = o->next)
		if (o->plink == plink && o->op == op)
			rec->number++;
	if (t->calls_tail)
		t->calls_tail->next = rec;
	else
		t->calls = rec;
	t->calls_tail = rec;
	const char *plname = plink >= 0 ? t->proc.plinks[plink].name : url;
	tm_trace(t, "call %d of %s.%s (%s)", rec->number, plname, op->name,
		 t->cur_state >= 0 ? tm_state_name(t, t->cur_state) : "?");
	tm_trace_doc(t, msg);

	if (!mock) {
		c->error = tm_strf("no mock for %s.%s in the suite", plname,
				   op->name);
	} else {
		for (int i = 0; i < mock->nanswers && !c->ans; i++)
			if (answer_fits(t, &mock->answers[i], rec->number, op,
					c->input))
				c->ans = &mock->answers[i];
		if (!c->ans)
			c->error = tm_strf("the mock of %s.%s (suite line %d) "
					   "has no answer for call %d",
					   plname, op->name,
					   tm_line(mock->node), rec->number);
	}
	if (c->error && !t->mock_error)
		t->mock_error = strdup(c->error);
	if (c->error)
		tm_trace(t, "%s", c->error);

	c->ev = event_new(rt->base, -1, 0, call_fire, c);
	if (!c->ev) {
		call_free(c);
		return NULL;
	}
	if (c->ans && c->ans->delay > 0) {
		c->on_clock = true;
		if (rt->test->timer_add(rt, c->ev, t->now + c->ans->delay) !=
		    0) {
			call_free(c);
			return NULL;
		}
	} else {
		t->pending_mock++;
		event_active(c->ev, EV_TIMEOUT, 1);
	}
	return c;
}

static void cancel(brt_call *c)
{
	call_free(c);
}

const struct brt_invoke_service tm_mock_service = {
	.init = init,
	.free = svc_free,
	.start = start,
	.cancel = cancel,
	.count = count,
};
