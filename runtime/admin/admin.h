/*
 * admin.h — what the files of runtime/admin/ share: the operations object
 * (rt->ops) with its counters and histograms, the admin listener and the
 * readiness state. The rest of the runtime sees only the brt__ops_*,
 * brt__metric_* and brt__admin_* calls of internal.h.
 */
#ifndef BRT_ADMIN_H
#define BRT_ADMIN_H

#include "internal.h"

enum { BRT_HIST_MAX = 16 };

/* A Prometheus histogram with fixed upper bounds: observing is a short
 * scan of the bounds and two additions; the cumulative counts are made
 * when /metrics is read. */
struct brt_hist {
	int nb;
	const double *bounds;
	unsigned long counts[BRT_HIST_MAX + 1]; /* last: over every bound */
	unsigned long count;
	double sum;
};

/* HTTP statuses the SOAP port answers with; anything else counts as the
 * last. ORDER: soap_codes in metrics.c. */
enum { BRT_NCODES = 10 };

/* One series of bpel_invoke_duration_seconds. */
struct brt_inv_series {
	int plink;
	const struct brt_operation *op;
	enum brt_call_outcome out;
	struct brt_hist h;
};

struct brt_admin; /* admin.c: the listener */

struct brt_ops {
	brt_runtime *rt;
	unsigned long started;
	unsigned long finished[3]; /* enum brt_outcome */
	struct brt_hist inst_duration;
	/* Operations the SOAP port serves, row 0 for "none found". */
	int nops;
	const struct brt_operation **ops;
	unsigned long (*soap)[BRT_NCODES]; /* nops rows */
	unsigned long *unmatched;	   /* nops */
	int ninv, capinv;
	struct brt_inv_series *inv;
	struct brt_hist store_commit;

	/* readiness */
	bool serving;	       /* SOAP listeners bound */
	bool store_ready;      /* no store, or opened and recovered */
	const char *store_why; /* why not */

	struct brt_admin *admin;
};

void brt__hist_init(struct brt_hist *h, int nb, const double *bounds);
void brt__hist_observe(struct brt_hist *h, double v);
/* The Prometheus text of every metric into out. */
int brt__metrics_render(brt_runtime *rt, struct evbuffer *out);
/* /readyz: true when ready, else *why says what is missing. */
bool brt__ops_ready(const brt_runtime *rt, const char **why);
void brt__admin_free(brt_runtime *rt);

#endif
