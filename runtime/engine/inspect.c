/*
 * inspect.c — the live instances as the operator sees them (admin API,
 * /metrics): a census by state, a filtered list and one instance in JSON
 * (status, times, correlation values, where it waits: activity and .bpel
 * line, variables on request), and the operator's actions: terminate (as
 * <exit> would), suspend and resume.
 *
 * A suspended instance keeps everything it has; the scheduler (sched.c)
 * takes its strands off the run queue as they come up, so a message that
 * arrives or a timer that expires meanwhile waits for the resume: it is
 * not consumed and no step runs. Nothing here runs steps.
 *
 * It does not serve HTTP (runtime/admin/admin.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <libxml/xmlsave.h>

#include "engine.h"

/* ---- state --------------------------------------------------------------- */

static const char *status_of(const brt_instance *in)
{
	if (in->suspended)
		return "suspended";
	for (const brt_strand *s = in->strands_head; s; s = s->next)
		if (s->queued || s->held || s->wait == BRT_W_INVOKE ||
		    s->done != BRT_D_NONE)
			return "running";
	return "waiting";
}

static int timers_of(const brt_instance *in)
{
	int n = 0;
	for (const brt_strand *s = in->strands_head; s; s = s->next) {
		int st;
		double dl;
		n += s->timer != NULL;
		n += brt__pick_alarm(s, &st, &dl);
		n += brt__events_armed(s);
	}
	return n;
}

void brt__engine_census(const brt_runtime *rt, struct brt_census *c)
{
	memset(c, 0, sizeof *c);
	for (const brt_instance *in = brt__engine_first(rt); in;
	     in = in->next) {
		const char *st = status_of(in);
		if (st[0] == 's')
			c->suspended++;
		else if (st[0] == 'r')
			c->running++;
		else
			c->waiting++;
		c->timers += timers_of(in);
	}
}

/* ---- JSON pieces --------------------------------------------------------- */

static void put_time(struct evbuffer *out, double t)
{
	time_t sec = (time_t)t;
	struct tm tm;
	gmtime_r(&sec, &tm);
	int ms = (int)((t - (double)sec) * 1000);
	if (ms < 0 || ms > 999)
		ms = 0;
	evbuffer_add_printf(out, "\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\"",
			    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			    tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

static const char *const wait_kinds[] = {
	"none",	 "message", "invoke",	    "timer",	   "join", "scope",
	"links", "pick",    "compensation", "termination", "lock", "events",
};
_Static_assert(sizeof wait_kinds / sizeof *wait_kinds == BRT_W_EVENTS + 1,
	       "wait_kinds follows enum brt_wait");

/* The activity strand s waits in: from the state of its last step when the
 * tables say, else from what it waits on. */
static void wait_json(const struct brt_process *p, const brt_strand *s,
		      struct evbuffer *out)
{
	int act = -1;
	const char *name = NULL;
	int line = 0;
	if (p->state_activity && s->at >= BRT_S_FIRST && s->at < p->nstates)
		act = p->state_activity[s->at];
	if (act >= 0 && act < p->nactivities) {
		name = p->activities[act].name;
		line = p->activities[act].line;
	} else if (s->wait == BRT_W_RECEIVE && s->recv) {
		name = s->recv->name;
		line = s->recv->line;
	} else if (s->wait == BRT_W_INVOKE && s->iv) {
		name = s->iv->name;
		line = s->iv->line;
	} else if (s->wait == BRT_W_PICK && brt__pick_desc(s)) {
		name = brt__pick_desc(s)->name;
		line = brt__pick_desc(s)->line;
	}
	evbuffer_add_printf(out, "{\"strand\":%lu,\"for\":\"%s\",\"activity\":",
			    s->id, wait_kinds[s->wait]);
	if (name)
		brt__json_str(out, name, (size_t)-1);
	else
		evbuffer_add(out, "null", 4);
	evbuffer_add_printf(out, ",\"index\":%d,\"line\":%d", act, line);
	if (s->wait == BRT_W_RECEIVE && s->recv) {
		evbuffer_add(out, ",\"operation\":", 13);
		brt__json_str(out, s->recv->op->name, (size_t)-1);
	}
	if (s->timer) {
		evbuffer_add(out, ",\"deadline\":", 12);
		put_time(out, s->deadline);
	}
	evbuffer_add(out, "}", 1);
}

/* Strands that wait for something outside the instance; a flow waiting
 * for its children or a scope for its body are not listed. */
static bool shows(const brt_strand *s)
{
	return s->held || s->queued ||
	       (s->wait != BRT_W_JOIN && s->wait != BRT_W_SCOPE &&
		s->wait != BRT_W_COMP && s->wait != BRT_W_TERM &&
		s->wait != BRT_W_NONE);
}

/* Call fn for every initiated correlation set of in, with the set and its
 * values (one per property), until fn returns true; true when one did. */
typedef bool corr_fn(void *arg, const struct brt_correlation_set *cs,
		     char *const *vals);
static bool each_corr_set(const brt_instance *in, corr_fn *fn, void *arg)
{
	const struct brt_process *p = in->rt->proc;
	for (const struct brt_scope_inst *si = in->scopes_head; si;
	     si = si->next) {
		char *const *vals;
		int set;
		for (int i = 0; (set = brt__corr_set_get(si, i, &vals)) >= 0;
		     i++)
			if (fn(arg, &p->corrsets[set], vals))
				return true;
	}
	return false;
}

struct corr_json {
	const struct brt_process *p;
	struct evbuffer *out;
	bool first;
};

static bool corr_json_one(void *arg, const struct brt_correlation_set *cs,
			  char *const *vals)
{
	struct corr_json *j = arg;
	evbuffer_add(j->out,
		     j->first ? "{\"set\":" : ",{\"set\":", j->first ? 7 : 8);
	j->first = false;
	brt__json_str(j->out, cs->name, (size_t)-1);
	evbuffer_add(j->out, ",\"properties\":{", 15);
	for (int k = 0; k < cs->nprops; k++) {
		if (k)
			evbuffer_add(j->out, ",", 1);
		brt__json_str(j->out, j->p->properties[cs->props[k]].name.local,
			      (size_t)-1);
		evbuffer_add(j->out, ":", 1);
		brt__json_str(j->out, vals[k], (size_t)-1);
	}
	evbuffer_add(j->out, "}}", 2);
	return false;
}

static void correlations_json(const brt_instance *in, struct evbuffer *out)
{
	struct corr_json j = { in->rt->proc, out, true };
	evbuffer_add(out, "[", 1);
	each_corr_set(in, corr_json_one, &j);
	evbuffer_add(out, "]", 1);
}

struct prop_match {
	const struct brt_process *p;
	const char *name, *value;
};

static bool prop_matches(void *arg, const struct brt_correlation_set *cs,
			 char *const *vals)
{
	const struct prop_match *m = arg;
	for (int k = 0; k < cs->nprops; k++) {
		const char *pn = m->p->properties[cs->props[k]].name.local;
		if (pn && strcmp(pn, m->name) == 0 && vals[k] &&
		    strcmp(vals[k], m->value) == 0)
			return true;
	}
	return false;
}

static bool has_property(const brt_instance *in, const char *name,
			 const char *value)
{
	struct prop_match m = { in->rt->proc, name, value };
	return each_corr_set(in, prop_matches, &m);
}

static void variables_json(const brt_instance *in, struct evbuffer *out)
{
	const struct brt_process *p = in->rt->proc;
	bool first = true;
	evbuffer_add(out, "[", 1);
	for (const struct brt_scope_inst *si = in->scopes_head; si;
	     si = si->next) {
		const struct brt_scope *sc = &p->scopes[si->scope];
		for (int v = 0; v < p->nvars; v++) {
			const struct brt_variable *var = &p->vars[v];
			if (var->scope != si->scope || var->slot < 0 ||
			    var->slot >= sc->nvars)
				continue;
			xmlDocPtr d = si->vars[var->slot];
			evbuffer_add(out, first ? "{" : ",{", first ? 1 : 2);
			first = false;
			evbuffer_add(out, "\"scope\":", 8);
			brt__json_str(out, sc->name, (size_t)-1);
			evbuffer_add(out, ",\"name\":", 8);
			brt__json_str(out, var->name, (size_t)-1);
			evbuffer_add(out, ",\"value\":", 9);
			xmlNodePtr root = d ? xmlDocGetRootElement(d) : NULL;
			xmlBufferPtr b = root ? xmlBufferCreate() : NULL;
			if (b && xmlNodeDump(b, d, root, 0, 0) >= 0)
				brt__json_str(out,
					      (const char *)xmlBufferContent(b),
					      (size_t)xmlBufferLength(b));
			else
				evbuffer_add(out, "null", 4);
			if (b)
				xmlBufferFree(b);
			evbuffer_add(out, "}", 1);
		}
	}
	evbuffer_add(out, "]", 1);
}

static void instance_json(const brt_instance *in, bool variables,
			  struct evbuffer *out)
{
	evbuffer_add_printf(out, "{\"id\":%lu,\"status\":\"%s\",\"started\":",
			    in->id, status_of(in));
	put_time(out, in->t_start);
	evbuffer_add(out, ",\"last_active\":", 15);
	put_time(out, in->t_active > 0 ? in->t_active : in->t_start);
	evbuffer_add(out, ",\"correlation\":", 15);
	correlations_json(in, out);
	evbuffer_add(out, ",\"waits\":[", 10);
	bool first = true;
	for (const brt_strand *s = in->strands_head; s; s = s->next) {
		if (!shows(s))
			continue;
		if (!first)
			evbuffer_add(out, ",", 1);
		first = false;
		wait_json(in->rt->proc, s, out);
	}
	evbuffer_add_printf(out, "],\"inbox\":%d", in->ninbox);
	if (in->trace) {
		evbuffer_add(out, ",\"traceparent\":", 15);
		brt__json_str(out, in->trace, (size_t)-1);
	}
	if (variables) {
		evbuffer_add(out, ",\"variables\":", 13);
		variables_json(in, out);
	}
	evbuffer_add(out, "}", 1);
}

/* ---- the API ------------------------------------------------------------- */

static bool passes(const brt_instance *in, const struct brt_inst_filter *f)
{
	if (f->status && strcmp(f->status, status_of(in)) != 0)
		return false;
	if (f->started_after > 0 && !(in->t_start > f->started_after))
		return false;
	if (f->started_before > 0 && !(in->t_start < f->started_before))
		return false;
	for (int i = 0; i < f->nprops; i++)
		if (!has_property(in, f->prop_names[i], f->prop_values[i]))
			return false;
	return true;
}

int brt__instances_json(brt_runtime *rt, const struct brt_inst_filter *f,
			struct evbuffer *out)
{
	int n = 0;
	evbuffer_add(out, "{\"instances\":[", 14);
	for (const brt_instance *in = brt__engine_first(rt); in;
	     in = in->next) {
		if (!passes(in, f))
			continue;
		if (f->limit > 0 && n >= f->limit)
			break;
		if (n++)
			evbuffer_add(out, ",", 1);
		instance_json(in, false, out);
	}
	evbuffer_add_printf(out, "],\"count\":%d,\"live\":%d}\n", n,
			    brt__engine_count(rt));
	return 0;
}

int brt__instance_json(brt_runtime *rt, unsigned long id, bool variables,
		       struct evbuffer *out)
{
	brt_instance *in = brt__engine_find(rt, id);
	if (!in)
		return BRT_ENOTFOUND;
	instance_json(in, variables, out);
	evbuffer_add(out, "\n", 1);
	return 0;
}

int brt__instance_terminate(brt_runtime *rt, unsigned long id)
{
	brt_instance *in = brt__engine_find(rt, id);
	if (!in)
		return BRT_ENOTFOUND;
	/* Called from the admin listener's callback, never from a step: no
	 * strand of it is running, so it can go at once. */
	brt__instance_end(in, BRT_END_EXITED, NULL);
	return 0;
}

int brt__instance_suspend(brt_runtime *rt, unsigned long id)
{
	brt_instance *in = brt__engine_find(rt, id);
	if (!in)
		return BRT_ENOTFOUND;
	if (in->suspended)
		return BRT_ESTATE;
	in->suspended = true;
	brt__persist_touch(in);
	return 0;
}

int brt__instance_resume(brt_runtime *rt, unsigned long id)
{
	brt_instance *in = brt__engine_find(rt, id);
	if (!in)
		return BRT_ENOTFOUND;
	if (!in->suspended)
		return BRT_ESTATE;
	in->suspended = false;
	brt__persist_touch(in);
	for (brt_strand *s = in->strands_head; s; s = s->next)
		if (s->held) {
			s->held = false;
			brt__strand_queue(s);
		}
	return 0;
}
