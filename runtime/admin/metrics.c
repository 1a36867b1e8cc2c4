/*
 * metrics.c — the service's counters and histograms and their Prometheus
 * text exposition (GET /metrics on the admin listener, admin.c).
 *
 * Counting happens on the request path, so it is plain integer increments
 * into arrays made at start-up (one row per operation the SOAP port
 * serves) and histograms with fixed buckets; the only search is a scan of
 * a few pointers. Gauges that describe the live instances (active by
 * state, timers pending) are not kept up to date at all: they are counted
 * from the engine when /metrics is read (inspect.c). Nothing here is
 * thread-safe: the runtime has one thread.
 *
 * It does not serve HTTP (admin.c) nor decide what a request's operation
 * or an instance's outcome is (the callers do).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "admin.h"

/* Instance lifetimes: from a request-response round trip to days. */
static const double inst_bounds[] = { 0.01, 0.05, 0.1, 0.5,  1,	   5,
				      10,   60,	  300, 3600, 86400 };
/* Calls to partners: milliseconds to the default 30 s timeout. */
static const double call_bounds[] = { 0.001, 0.005, 0.01, 0.025, 0.05,
				      0.1,   0.25,  0.5,  1,	 2.5,
				      5,     10,    30 };
/* Store commits: fractions of a millisecond to a slow disk's second. */
static const double commit_bounds[] = { 0.0001, 0.0005, 0.001, 0.0025,
					0.005,	0.01,	0.025, 0.05,
					0.1,	0.25,	1 };

/* ORDER: BRT_NCODES (admin.h); 0 stands for every other status. */
static const int soap_codes[BRT_NCODES] = { 200, 202, 400, 404, 405,
					    413, 500, 503, 0,	0 };
static const char *const outcome_names[] = { "completed", "faulted",
					     "terminated" };
static const char *const call_outcomes[] = { "ok", "fault", "error" };

#define N(a) ((int)(sizeof(a) / sizeof *(a)))

void brt__hist_init(struct brt_hist *h, int nb, const double *bounds)
{
	memset(h, 0, sizeof *h);
	h->nb = nb < BRT_HIST_MAX ? nb : BRT_HIST_MAX;
	h->bounds = bounds;
}

void brt__hist_observe(struct brt_hist *h, double v)
{
	int i = 0;
	while (i < h->nb && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

/* ---- set-up -------------------------------------------------------------- */

static int add_op(struct brt_ops *o, const struct brt_operation *op)
{
	for (int i = 1; i < o->nops; i++)
		if (o->ops[i] == op)
			return 0;
	o->ops[o->nops++] = op;
	return 0;
}

int brt__ops_init(brt_runtime *rt)
{
	if (rt->ops)
		return 0;
	const struct brt_process *p = rt->proc;
	struct brt_ops *o = calloc(1, sizeof *o);
	if (!o)
		return BRT_ENOMEM;
	o->rt = rt;
	int max = 1;
	for (int i = 0; i < p->nplinks; i++)
		max += p->plinks[i].nmy_ops;
	o->ops = calloc((size_t)max, sizeof *o->ops);
	o->soap = calloc((size_t)max, sizeof *o->soap);
	o->unmatched = calloc((size_t)max, sizeof *o->unmatched);
	if (!o->ops || !o->soap || !o->unmatched) {
		free(o->ops);
		free(o->soap);
		free(o->unmatched);
		free(o);
		return BRT_ENOMEM;
	}
	o->nops = 1; /* row 0: no operation found */
	for (int i = 0; i < p->nplinks; i++)
		for (int k = 0; k < p->plinks[i].nmy_ops; k++)
			add_op(o, p->plinks[i].my_ops[k]);
	brt__hist_init(&o->inst_duration, N(inst_bounds), inst_bounds);
	brt__hist_init(&o->store_commit, N(commit_bounds), commit_bounds);
	o->store_ready = true;
	rt->ops = o;
	return 0;
}

void brt__ops_free(brt_runtime *rt)
{
	struct brt_ops *o = rt ? rt->ops : NULL;
	if (!o)
		return;
	brt__admin_free(rt);
	free(o->ops);
	free(o->soap);
	free(o->unmatched);
	free(o->inv);
	free(o);
	rt->ops = NULL;
}

/* ---- counting ------------------------------------------------------------ */

static int op_row(const struct brt_ops *o, const struct brt_operation *op)
{
	if (op)
		for (int i = 1; i < o->nops; i++)
			if (o->ops[i] == op)
				return i;
	return 0;
}

void brt__metric_started(brt_runtime *rt)
{
	if (rt->ops)
		rt->ops->started++;
}

void brt__metric_finished(brt_runtime *rt, enum brt_outcome out, double seconds)
{
	struct brt_ops *o = rt->ops;
	if (!o || (unsigned)out > BRT_OUT_TERMINATED)
		return;
	o->finished[out]++;
	brt__hist_observe(&o->inst_duration, seconds < 0 ? 0 : seconds);
}

void brt__metric_soap(brt_runtime *rt, const struct brt_operation *op,
		      int status)
{
	struct brt_ops *o = rt ? rt->ops : NULL;
	if (!o)
		return;
	int c = 0;
	while (c < BRT_NCODES - 1 && soap_codes[c] && soap_codes[c] != status)
		c++;
	o->soap[op_row(o, op)][c]++;
}

void brt__metric_invoke(brt_runtime *rt, int plink,
			const struct brt_operation *op,
			enum brt_call_outcome out, double seconds)
{
	struct brt_ops *o = rt->ops;
	if (!o)
		return;
	for (int i = 0; i < o->ninv; i++) {
		struct brt_inv_series *v = &o->inv[i];
		if (v->plink == plink && v->op == op && v->out == out) {
			brt__hist_observe(&v->h, seconds);
			return;
		}
	}
	/* A new series: once per (partner link, operation, outcome). */
	if (o->ninv == o->capinv) {
		int cap = o->capinv ? 2 * o->capinv : 8;
		struct brt_inv_series *n =
			realloc(o->inv, (size_t)cap * sizeof *n);
		if (!n)
			return; /* an observation lost, not the service */
		o->inv = n;
		o->capinv = cap;
	}
	struct brt_inv_series *v = &o->inv[o->ninv++];
	v->plink = plink;
	v->op = op;
	v->out = out;
	brt__hist_init(&v->h, N(call_bounds), call_bounds);
	brt__hist_observe(&v->h, seconds);
}

void brt__metric_unmatched(brt_runtime *rt, const struct brt_operation *op)
{
	if (rt->ops)
		rt->ops->unmatched[op_row(rt->ops, op)]++;
}

void brt__metric_store_commit(brt_runtime *rt, double seconds)
{
	if (rt->ops)
		brt__hist_observe(&rt->ops->store_commit, seconds);
}

/* ---- exposition ---------------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped. */
static void label(struct evbuffer *out, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			evbuffer_add_printf(out, "\\%c", *v);
		else if (*v == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, v, 1);
	}
}

static void head(struct evbuffer *out, const char *name, const char *type,
		 const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
			    name, type);
}

/* One histogram's series; `labels` is "" or `k="v",` pairs with the
 * trailing comma. */
static void hist(struct evbuffer *out, const char *name, const char *labels,
		 const struct brt_hist *h)
{
	unsigned long cum = 0;
	for (int i = 0; i < h->nb; i++) {
		cum += h->counts[i];
		evbuffer_add_printf(out, "%s_bucket{%sle=\"%g\"} %lu\n", name,
				    labels, h->bounds[i], cum);
	}
	cum += h->counts[h->nb];
	evbuffer_add_printf(out, "%s_bucket{%sle=\"+Inf\"} %lu\n", name, labels,
			    cum);
	size_t n = strlen(labels);
	evbuffer_add_printf(out, "%s_sum%s%.*s%s %.9g\n", name, n ? "{" : "",
			    (int)(n ? n - 1 : 0), labels, n ? "}" : "", h->sum);
	evbuffer_add_printf(out, "%s_count%s%.*s%s %lu\n", name, n ? "{" : "",
			    (int)(n ? n - 1 : 0), labels, n ? "}" : "",
			    h->count);
}

static const char *op_name(const struct brt_ops *o, int row)
{
	return row > 0 ? o->ops[row]->name : "";
}

int brt__metrics_render(brt_runtime *rt, struct evbuffer *out)
{
	struct brt_ops *o = rt->ops;
	const struct brt_process *p = rt->proc;
	if (!o)
		return BRT_EINVAL;
	head(out, "bpel_build_info", "gauge",
	     "The process and build this service runs.");
	evbuffer_add(out, "bpel_build_info{process=\"", 25);
	label(out, p->name);
	evbuffer_add(out, "\",build=\"", 9);
	label(out, p->build_id ? p->build_id : "");
	evbuffer_add(out, "\"} 1\n", 5);

	head(out, "bpel_instances_started_total", "counter",
	     "Process instances created.");
	evbuffer_add_printf(out, "bpel_instances_started_total %lu\n",
			    o->started);
	head(out, "bpel_instances_finished_total", "counter",
	     "Process instances that ended, by outcome.");
	for (int i = 0; i < 3; i++)
		evbuffer_add_printf(
			out,
			"bpel_instances_finished_total{outcome=\"%s\"} %lu\n",
			outcome_names[i], o->finished[i]);

	struct brt_census c;
	brt__engine_census(rt, &c);
	head(out, "bpel_instances_active", "gauge",
	     "Live process instances: running (a step or a call to a "
	     "partner in progress), waiting (for a message or a timer), "
	     "suspended.");
	evbuffer_add_printf(out,
			    "bpel_instances_active{state=\"running\"} %d\n"
			    "bpel_instances_active{state=\"waiting\"} %d\n"
			    "bpel_instances_active{state=\"suspended\"} %d\n",
			    c.running, c.waiting, c.suspended);
	head(out, "bpel_instance_duration_seconds", "histogram",
	     "Lifetime of the instances that ended.");
	hist(out, "bpel_instance_duration_seconds", "", &o->inst_duration);

	head(out, "bpel_soap_requests_total", "counter",
	     "SOAP requests answered, by operation and HTTP status.");
	for (int r = 0; r < o->nops; r++)
		for (int k = 0; k < BRT_NCODES; k++) {
			if (!o->soap[r][k])
				continue;
			evbuffer_add(out,
				     "bpel_soap_requests_total{operation=\"",
				     36);
			label(out, op_name(o, r));
			if (soap_codes[k])
				evbuffer_add_printf(out,
						    "\",code=\"%d\"} %lu\n",
						    soap_codes[k],
						    o->soap[r][k]);
			else
				evbuffer_add_printf(out,
						    "\",code=\"other\"} %lu\n",
						    o->soap[r][k]);
		}

	head(out, "bpel_invoke_duration_seconds", "histogram",
	     "Calls to partners, by partner link, operation and outcome.");
	for (int i = 0; i < o->ninv; i++) {
		struct brt_inv_series *v = &o->inv[i];
		struct evbuffer *l = evbuffer_new();
		if (!l)
			return BRT_ENOMEM;
		evbuffer_add(l, "partner_link=\"", 14);
		label(l, v->plink >= 0 && v->plink < p->nplinks
				 ? p->plinks[v->plink].name
				 : "");
		evbuffer_add(l, "\",operation=\"", 13);
		label(l, v->op ? v->op->name : "");
		evbuffer_add_printf(l, "\",outcome=\"%s\",",
				    call_outcomes[v->out]);
		evbuffer_add(l, "", 1);
		hist(out, "bpel_invoke_duration_seconds",
		     (const char *)evbuffer_pullup(l, -1), &v->h);
		evbuffer_free(l);
	}

	head(out, "bpel_correlation_unmatched_total", "counter",
	     "Messages no instance and no start activity took.");
	for (int r = 1; r < o->nops; r++) {
		evbuffer_add(out,
			     "bpel_correlation_unmatched_total{operation=\"",
			     44);
		label(out, op_name(o, r));
		evbuffer_add_printf(out, "\"} %lu\n", o->unmatched[r]);
	}

	head(out, "bpel_timers_pending", "gauge",
	     "Armed timers: <wait>, pick and event handler alarms.");
	evbuffer_add_printf(out, "bpel_timers_pending %d\n", c.timers);

	head(out, "bpel_store_commit_seconds", "histogram",
	     "Durable store commits (one per loop pass with changes).");
	hist(out, "bpel_store_commit_seconds", "", &o->store_commit);
	return 0;
}

/* ---- readiness ----------------------------------------------------------- */

void brt__ops_serving(brt_runtime *rt)
{
	if (rt->ops)
		rt->ops->serving = true;
}

void brt__ops_store_state(brt_runtime *rt, bool recovered, const char *why)
{
	if (!rt->ops)
		return;
	rt->ops->store_ready = recovered;
	rt->ops->store_why = why;
}

bool brt__ops_ready(const brt_runtime *rt, const char **why)
{
	const struct brt_ops *o = rt->ops;
	if (rt->draining || rt->stopping) {
		*why = "stopping: draining before the listeners close";
		return false;
	}
	/* The store first: while it is recovered the SOAP listeners wait
	 * for it, and the reason says how far it got. */
	if (o && !o->store_ready) {
		const char *progress = brt__persist_progress(rt);
		*why = progress	      ? progress
		       : o->store_why ? o->store_why
				      : "the store is not open and recovered";
		return false;
	}
	if (!o || !o->serving) {
		*why = "starting: the SOAP listeners are not bound yet";
		return false;
	}
	return true;
}
