/*
 * metrics.c — what counting costs a served request (issue 13): the
 * counter and histogram updates the request path makes, timed in a loop
 * against the runtime's own metrics (libbpelrt). One "request" here is
 * what a request-response exchange that creates and ends an instance
 * counts: an instance started, a SOAP answer, a partner call and an
 * instance finished (each a histogram or counter update). bench/run.sh
 * puts the figure beside the CPU time a served request takes.
 *
 * Prints "metrics ns_per_request=N" on stdout. Not a test: it does not
 * check the values (tests/unit/runtime/test_ops.c does).
 */
#include <stdio.h>
#include <time.h>

#include "internal.h"

static const struct brt_part b_parts[] = {
	{ "p", { "urn:b", "e" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message b_msg = { { "urn:b", "M" }, 1, b_parts };
static const struct brt_operation b_ops_v[4] = {
	{ "a", "urn:b", "a", BRT_STYLE_DOCUMENT, NULL, &b_msg, &b_msg, 0,
	  NULL },
	{ "b", "urn:b", "b", BRT_STYLE_DOCUMENT, NULL, &b_msg, &b_msg, 0,
	  NULL },
	{ "c", "urn:b", "c", BRT_STYLE_DOCUMENT, NULL, &b_msg, &b_msg, 0,
	  NULL },
	{ "d", "urn:b", "d", BRT_STYLE_DOCUMENT, NULL, &b_msg, &b_msg, 0,
	  NULL },
};
static const struct brt_operation *const b_ops[] = { &b_ops_v[0], &b_ops_v[1],
						     &b_ops_v[2], &b_ops_v[3] };
static const struct brt_partner_link b_plinks[] = {
	{ .name = "client", .my_path = "/b", .nmy_ops = 4, .my_ops = b_ops },
	{ .name = "partner", .partner_address = "http://x/" },
};
static const struct brt_process b_proc = {
	.name = "metricsbench",
	.nplinks = 2,
	.plinks = b_plinks,
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	brt_runtime *rt = brt__runtime_new(&b_proc);
	if (!rt)
		return 1;
	enum { N = 5000000 };
	double best = 1e9;
	for (int round = 0; round < 5; round++) {
		double t0 = now();
		for (int i = 0; i < N; i++) {
			/* The last operation of the table: the longest scan. */
			const struct brt_operation *op = b_ops[3 - (i & 1)];
			brt__metric_started(rt);
			brt__metric_soap(rt, op, i & 7 ? 200 : 500);
			brt__metric_invoke(rt, 1, op, BRT_CALL_OK,
					   (double)(i & 1023) * 1e-5);
			brt__metric_finished(rt, BRT_OUT_COMPLETED,
					     (double)(i & 255) * 1e-3);
		}
		double ns = (now() - t0) * 1e9 / N;
		if (ns < best)
			best = ns;
	}
	printf("metrics ns_per_request=%.1f\n", best);
	brt__runtime_free(rt);
	return 0;
}
