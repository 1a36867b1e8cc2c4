/*
 * instance.c — the engine object, process instances and scope instances:
 * creation, lookup helpers steps and other services use (variable slots,
 * partner addresses), and the one way an instance ends (brt__instance_end),
 * which answers every open request so no HTTP exchange is left hanging.
 *
 * It does not run steps (sched.c), unwind faults (faults.c) or route
 * messages (messaging.c).
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libexslt/exslt.h>

#include "engine.h"

/* ---- engine -------------------------------------------------------------- */

int brt__engine_init(brt_runtime *rt)
{
	struct brt_engine *e = calloc(1, sizeof *e);
	if (!e)
		return BRT_ENOMEM;
	e->rt = rt;
	e->next_id = 1;
	/* A private XPath context with the EXSLT date functions: <wait> turns
	 * durations and deadlines into seconds with date:seconds(). */
	e->date_doc = xmlNewDoc(BAD_CAST "1.0");
	e->date_ctx = e->date_doc ? xmlXPathNewContext(e->date_doc) : NULL;
	if (!e->date_ctx ||
	    exsltDateXpathCtxtRegister(e->date_ctx, BAD_CAST "date") != 0 ||
	    brt__sched_init(e) != 0) {
		if (e->date_ctx)
			xmlXPathFreeContext(e->date_ctx);
		xmlFreeDoc(e->date_doc);
		free(e);
		return BRT_ENOMEM;
	}
	rt->engine = e;
	return 0;
}

bool brt__engine_idle(const brt_runtime *rt)
{
	return !rt->engine || rt->engine->ninstances == 0;
}

void brt__engine_destroy_all(brt_runtime *rt)
{
	struct brt_engine *e = rt->engine;
	if (!e)
		return;
	while (e->first)
		brt__instance_end(e->first, BRT_END_SHUTDOWN, NULL);
}

void brt__engine_free(brt_runtime *rt)
{
	struct brt_engine *e = rt->engine;
	if (!e)
		return;
	/* A durable service writes the last pass's changes and keeps its
	 * instances in the store (they resume at the next start). */
	brt__persist_close(rt);
	brt__engine_destroy_all(rt);
	brt__persist_free(rt);
	brt__corr_free(e);
	brt__sched_free(e);
	xmlXPathFreeContext(e->date_ctx);
	xmlFreeDoc(e->date_doc);
	if (e->rreader) {
		brt__recr_free(e->rreader);
		free(e->rreader);
	}
	free(e);
	rt->engine = NULL;
}

int brt__engine_count(const brt_runtime *rt)
{
	return rt->engine ? rt->engine->ninstances : 0;
}

brt_instance *brt__engine_find(const brt_runtime *rt, unsigned long id)
{
	for (brt_instance *in = rt->engine ? rt->engine->first : NULL; in;
	     in = in->next)
		if (in->id == id)
			return in;
	return NULL;
}

brt_instance *brt__engine_first(const brt_runtime *rt)
{
	return rt->engine ? rt->engine->first : NULL;
}

/* ---- faults as values ---------------------------------------------------- */

void brt__fault_clear(struct brt_fault *f)
{
	free(f->ns);
	free(f->local);
	if (f->data)
		xmlFreeDoc(f->data);
	memset(f, 0, sizeof *f);
}

int brt__fault_copy(struct brt_fault *dst, const struct brt_fault *src)
{
	memset(dst, 0, sizeof *dst);
	dst->ns = src->ns ? strdup(src->ns) : NULL;
	dst->local = src->local ? strdup(src->local) : NULL;
	dst->data = src->data ? xmlCopyDoc(src->data, 1) : NULL;
	dst->message = src->message;
	if ((src->ns && !dst->ns) || (src->local && !dst->local) ||
	    (src->data && !dst->data)) {
		brt__fault_clear(dst);
		return BRT_ENOMEM;
	}
	return 0;
}

/* ---- instances ----------------------------------------------------------- */

brt_instance *brt__instance_new(brt_runtime *rt)
{
	struct brt_engine *e = rt->engine;
	const struct brt_process *p = rt->proc;
	brt_instance *in = calloc(1, sizeof *in);
	if (!in)
		return NULL;
	in->rt = rt;
	in->next_strand_id = 1;
	in->next_scope_id = 1;
	if (p->nplinks > 0) {
		in->plink_url =
			calloc((size_t)p->nplinks, sizeof *in->plink_url);
		if (!in->plink_url) {
			free(in);
			return NULL;
		}
	}
	in->id = e->next_id++;
	in->t_start = in->t_active = brt__now();
	in->prev = e->last;
	if (e->last)
		e->last->next = in;
	else
		e->first = in;
	e->last = in;
	e->ninstances++;
	brt__persist_touch(in);
	in->root = brt__scope_inst_new(in, 0, NULL);
	if (!in->root) {
		brt__instance_end(in, BRT_END_SHUTDOWN, NULL);
		return NULL;
	}
	return in;
}

static void answer(brt_request *req, enum brt_end end,
		   const struct brt_fault *f, bool consumed)
{
	if (!req)
		return;
	if (end == BRT_END_DROPPED)
		brt__request_abandon(req);
	else if (end == BRT_END_EXITED)
		brt__request_fault(req, BRT_NS_BPELC, "instanceExited", NULL,
				   "the process instance exited");
	else if (end == BRT_END_SHUTDOWN)
		brt__request_fault(req, BRT_NS_BPELC, "serviceStopped", NULL,
				   "the service stopped before answering");
	else if (!consumed)
		brt__request_fault(req, BRT_NS_BPELC, "messageNotConsumed",
				   NULL,
				   "the process instance ended without "
				   "receiving this message");
	else if (end == BRT_END_FAULTED && f)
		brt__request_fault(req, f->ns, f->local, f->data, NULL);
	else
		brt__request_fault(req, BRT_NS_BPEL, "missingReply", NULL,
				   NULL);
}

void brt__instance_end(brt_instance *in, enum brt_end end,
		       const struct brt_fault *f)
{
	brt_runtime *rt = in->rt;
	struct brt_engine *e = rt->engine;
	static const char *const how[] = { "completed", "faulted", "exited",
					   "stopped", "dropped here" };

	if (end == BRT_END_FAULTED && f)
		brt__log_at(rt, BRT_LOG_WARN, "instance %lu faulted: {%s}%s",
			    in->id, f->ns ? f->ns : "",
			    f->local ? f->local : "");
	else if (end == BRT_END_SHUTDOWN && rt->store_path)
		/* It goes on after the restart; main.c logs how many. A
		 * line each would be 100,000 lines for a full store. */
		brt__debug(rt, "instance %lu %s", in->id, how[end]);
	else
		brt__log(rt, "instance %lu %s", in->id, how[end]);
	if (rt->test && end != BRT_END_DROPPED)
		rt->test->instance_end(in, (int)end, f ? f->ns : NULL,
				       f ? f->local : NULL);
	/* A service that stops has not finished its instances: with a
	 * store they go on after the restart; a dropped one goes on
	 * elsewhere (or after a reload). */
	if (end != BRT_END_SHUTDOWN && end != BRT_END_DROPPED)
		brt__metric_finished(
			rt,
			end == BRT_END_COMPLETED ? BRT_OUT_COMPLETED
			: end == BRT_END_FAULTED ? BRT_OUT_FAULTED
						 : BRT_OUT_TERMINATED,
			brt__now() - in->t_start);

	/* Strands first: they hold calls, timers and delivered requests. */
	while (in->strands_head) {
		brt_strand *s = in->strands_head;
		if (s->req) {
			answer(s->req, end, f, true);
			s->req = NULL;
		}
		brt__strand_free(s);
	}
	while (in->mexes) {
		struct brt_mex *m = in->mexes;
		in->mexes = m->next;
		answer(m->req, end, f, true);
		free(m);
	}
	while (in->inbox_head) {
		struct brt_inmsg *m = in->inbox_head;
		in->inbox_head = m->next;
		if (!m->req)
			brt__log(rt,
				 "instance %lu: one-way message for %s "
				 "dropped, never received",
				 in->id, m->op->name);
		answer(m->req, end, f, false);
		xmlFreeDoc(m->msg);
		free(m);
	}
	brt__corr_instance_end(in);
	if (e->persist)
		brt__persist_instance_end(in);
	for (int i = 0; i < in->nowned; i++)
		free(in->owned[i]);
	free(in->owned);
	while (in->scopes_tail)
		brt__scope_inst_free(in->scopes_tail);
	if (in->plink_url)
		for (int i = 0; i < rt->proc->nplinks; i++)
			free(in->plink_url[i]);
	free(in->plink_url);
	if (rt->logctx.trace == in->trace)
		rt->logctx.trace = NULL; /* lines after this one: no trace */
	free(in->trace);

	if (in->prev)
		in->prev->next = in->next;
	else
		e->first = in->next;
	if (in->next)
		in->next->prev = in->prev;
	else
		e->last = in->prev;
	brt__trim_note(rt, e->ninstances);
	e->ninstances--;
	free(in);
}

void brt__instance_destroy(brt_instance *in)
{
	brt__instance_end(in, BRT_END_SHUTDOWN, NULL);
}

unsigned long brt__instance_id(const brt_instance *in)
{
	return in->id;
}

/* ---- scope instances ----------------------------------------------------- */

struct brt_scope_inst *brt__scope_inst_new(brt_instance *in, int scope,
					   struct brt_scope_inst *parent)
{
	const struct brt_scope *sc = &in->rt->proc->scopes[scope];
	struct brt_scope_inst *si = calloc(1, sizeof *si);
	if (!si)
		return NULL;
	if (sc->nvars > 0) {
		si->vars = calloc((size_t)sc->nvars, sizeof *si->vars);
		if (!si->vars) {
			free(si);
			return NULL;
		}
	}
	si->id = in->next_scope_id++;
	si->in = in;
	si->scope = scope;
	si->parent = parent;
	si->prev = in->scopes_tail;
	if (in->scopes_tail)
		in->scopes_tail->next = si;
	else
		in->scopes_head = si;
	in->scopes_tail = si;
	return si;
}

void brt__scope_inst_free(struct brt_scope_inst *si)
{
	brt_instance *in = si->in;
	const struct brt_scope *sc = &in->rt->proc->scopes[si->scope];
	brt__isolated_release(si);
	brt__mex_scope_gone(si);
	if (si->prev)
		si->prev->next = si->next;
	else
		in->scopes_head = si->next;
	if (si->next)
		si->next->prev = si->prev;
	else
		in->scopes_tail = si->prev;
	for (int i = 0; i < sc->nvars; i++)
		if (si->vars[i])
			xmlFreeDoc(si->vars[i]);
	free(si->vars);
	brt__corr_scope_free(si);
	brt__fault_clear(&si->fault);
	brt__links_unref(si->links);
	if (in->root == si)
		in->root = NULL;
	free(si);
}

bool brt__scope_inst_within(const struct brt_scope_inst *si,
			    const struct brt_scope_inst *ancestor)
{
	for (; si; si = si->parent)
		if (si == ancestor)
			return true;
	return false;
}

/* ---- what steps and other services ask ----------------------------------- */

int brt_strand_state(const brt_strand *s)
{
	return s->state;
}

void brt_strand_set_state(brt_strand *s, int state)
{
	s->state = state;
}

const struct brt_process *brt__strand_proc(const brt_strand *s)
{
	return s->in->rt->proc;
}

brt_runtime *brt__strand_runtime(const brt_strand *s)
{
	return s->in->rt;
}

brt_instance *brt__strand_instance(const brt_strand *s)
{
	return s->in;
}

xmlDocPtr *brt__var_slot(brt_strand *s, int var)
{
	const struct brt_process *p = s->in->rt->proc;
	if (NEVER(var < 0 || var >= p->nvars)) {
		brt__log(s->in->rt, "instance %lu: no variable %d (bug)",
			 s->in->id, var);
		return NULL;
	}
	const struct brt_variable *v = &p->vars[var];
	xmlDocPtr *slot = NULL;
	for (struct brt_scope_inst *si = s->scope; si && !slot; si = si->parent)
		if (si->scope == v->scope &&
		    ALWAYS(v->slot >= 0 &&
			   v->slot < p->scopes[si->scope].nvars))
			slot = &si->vars[v->slot];
	if (NEVER(!slot))
		brt__log(s->in->rt,
			 "instance %lu: variable %s not in scope (bug)",
			 s->in->id, v->name);
	return slot;
}

xmlDocPtr brt__strand_fault_data(brt_strand *s)
{
	for (struct brt_scope_inst *si = s->scope; si; si = si->parent)
		if (si->mode == BRT_MODE_FAULT)
			return si->fault.data;
	return NULL;
}

/* ---- partner addresses --------------------------------------------------- */

static const char *override_url(brt_runtime *rt, int plink)
{
	const char *name = rt->proc->plinks[plink].name;
	for (int i = rt->npartners - 1; i >= 0; i--)
		if (rt->partners[i].link &&
		    strcmp(rt->partners[i].link, name) == 0)
			return rt->partners[i].url;
	return NULL;
}

const char *brt__partner_url(brt_runtime *rt, int plink)
{
	if (plink < 0 || plink >= rt->proc->nplinks)
		return NULL;
	const char *u = override_url(rt, plink);
	return u ? u : rt->proc->plinks[plink].partner_address;
}

const char *brt__strand_partner_url(brt_strand *s, int plink)
{
	brt_runtime *rt = s->in->rt;
	if (plink < 0 || plink >= rt->proc->nplinks)
		return NULL;
	/* An endpoint the process assigned wins: --partner only replaces
	 * the WSDL's address. */
	if (s->in->plink_url[plink])
		return s->in->plink_url[plink];
	const char *u = override_url(rt, plink);
	if (u)
		return u;
	return rt->proc->plinks[plink].partner_address;
}

int brt__strand_set_partner_url(brt_strand *s, int plink, const char *url)
{
	brt_instance *in = s->in;
	if (plink < 0 || plink >= in->rt->proc->nplinks || !url)
		return BRT_EINVAL;
	char *copy = strdup(url);
	if (!copy)
		return BRT_ENOMEM;
	free(in->plink_url[plink]);
	in->plink_url[plink] = copy;
	return 0;
}
