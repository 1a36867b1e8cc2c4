/*
 * test_ops.c — the operations side's parts on their own (runtime/admin/):
 * histograms (fixed buckets, cumulative in the exposition), the metrics
 * text after known counts, readiness transitions (starting, store
 * recovering, ready, draining), traceparent validation, JSON strings,
 * the sd_notify datagram, and the options. The whole service is tested
 * in tests/ops/run.py.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include <event2/buffer.h>

#include "admin/admin.h"

static const struct brt_part o_parts[] = {
	{ "p", { "urn:t", "e" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message o_msg = { { "urn:t", "M" }, 1, o_parts };
static const struct brt_operation o_op = {
	"buy",	"urn:t", "urn:t/buy", BRT_STYLE_DOCUMENT, NULL, &o_msg,
	&o_msg, 0,	 NULL,
};
static const struct brt_operation *const o_ops[] = { &o_op };
static const struct brt_partner_link o_plinks[] = {
	{ .name = "client",
	  .my_path = "/p",
	  .my_address = "http://127.0.0.1:1/p",
	  .nmy_ops = 1,
	  .my_ops = o_ops },
	{ .name = "shop",
	  .partner_address = "http://x/",
	  .has_partner_role = 1 },
};
static const struct brt_process o_proc = {
	.name = "opsproc",
	.build_id = "b\"1",
	.nplinks = 2,
	.plinks = o_plinks,
};

static char *text_of(struct evbuffer *b)
{
	evbuffer_add(b, "", 1);
	return (char *)evbuffer_pullup(b, -1);
}

START_TEST(ops_histogram_buckets)
{
	static const double bounds[] = { 0.1, 1, 10 };
	struct brt_hist h;
	brt__hist_init(&h, 3, bounds);
	brt__hist_observe(&h, 0.05);
	brt__hist_observe(&h, 0.1); /* le: on the bound counts in it */
	brt__hist_observe(&h, 5);
	brt__hist_observe(&h, 50);
	ck_assert_uint_eq(h.counts[0], 2);
	ck_assert_uint_eq(h.counts[1], 0);
	ck_assert_uint_eq(h.counts[2], 1);
	ck_assert_uint_eq(h.counts[3], 1);
	ck_assert_uint_eq(h.count, 4);
	ck_assert(h.sum > 55.14 && h.sum < 55.16);
}
END_TEST

START_TEST(ops_metrics_text)
{
	brt_runtime *rt = brt__runtime_new(&o_proc);
	ck_assert_ptr_nonnull(rt);
	brt__metric_started(rt);
	brt__metric_started(rt);
	brt__metric_finished(rt, BRT_OUT_FAULTED, 0.3);
	brt__metric_soap(rt, &o_op, 200);
	brt__metric_soap(rt, &o_op, 200);
	brt__metric_soap(rt, NULL, 404);
	brt__metric_soap(rt, &o_op, 418); /* no row of its own: "other" */
	brt__metric_invoke(rt, 1, &o_op, BRT_CALL_OK, 0.002);
	brt__metric_invoke(rt, 1, &o_op, BRT_CALL_ERROR, 40);
	brt__metric_unmatched(rt, &o_op);
	brt__metric_store_commit(rt, 0.0003);
	struct evbuffer *b = evbuffer_new();
	ck_assert_int_eq(brt__metrics_render(rt, b), 0);
	const char *t = text_of(b);
	static const char *const want[] = {
		"bpel_build_info{process=\"opsproc\",build=\"b\\\"1\"} 1\n",
		"bpel_instances_started_total 2\n",
		"bpel_instances_finished_total{outcome=\"faulted\"} 1\n",
		"bpel_instances_finished_total{outcome=\"completed\"} 0\n",
		"bpel_instance_duration_seconds_bucket{le=\"0.1\"} 0\n",
		"bpel_instance_duration_seconds_bucket{le=\"0.5\"} 1\n",
		"bpel_instance_duration_seconds_bucket{le=\"+Inf\"} 1\n",
		"bpel_instance_duration_seconds_count 1\n",
		"bpel_soap_requests_total{operation=\"buy\",code=\"200\"} 2\n",
		"bpel_soap_requests_total{operation=\"\",code=\"404\"} 1\n",
		"bpel_soap_requests_total{operation=\"buy\",code=\"other\"} 1\n",
		"bpel_invoke_duration_seconds_bucket{partner_link=\"shop\","
		"operation=\"buy\",outcome=\"ok\",le=\"0.005\"} 1\n",
		"bpel_invoke_duration_seconds_count{partner_link=\"shop\","
		"operation=\"buy\",outcome=\"error\"} 1\n",
		"bpel_invoke_duration_seconds_bucket{partner_link=\"shop\","
		"operation=\"buy\",outcome=\"error\",le=\"30\"} 0\n",
		"bpel_correlation_unmatched_total{operation=\"buy\"} 1\n",
		"bpel_timers_pending 0\n",
		"bpel_instances_active{state=\"waiting\"} 0\n",
		"bpel_store_commit_seconds_bucket{le=\"0.0005\"} 1\n",
		"bpel_store_commit_seconds_count 1\n",
		"# TYPE bpel_store_commit_seconds histogram\n",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		ck_assert_msg(strstr(t, want[i]), "missing %s in\n%s", want[i],
			      t);
	evbuffer_free(b);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(ops_readiness_transitions)
{
	brt_runtime *rt = brt__runtime_new(&o_proc);
	const char *why = NULL;
	ck_assert(!brt__ops_ready(rt, &why));
	ck_assert_ptr_nonnull(strstr(why, "starting"));
	brt__ops_store_state(rt, false, "recovering 12 instances");
	brt__ops_serving(rt);
	ck_assert(!brt__ops_ready(rt, &why));
	ck_assert_str_eq(why, "recovering 12 instances");
	brt__ops_store_state(rt, true, NULL);
	ck_assert(brt__ops_ready(rt, &why));
	rt->draining = true;
	ck_assert(!brt__ops_ready(rt, &why));
	ck_assert_ptr_nonnull(strstr(why, "stopping"));
	brt__runtime_free(rt);
}
END_TEST

START_TEST(ops_traceparent)
{
	ck_assert(brt__traceparent_ok(
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
	ck_assert(brt__traceparent_ok(
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
	/* all-zero ids, upper case, another version, wrong lengths */
	ck_assert(!brt__traceparent_ok(
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01"));
	ck_assert(!brt__traceparent_ok(
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"));
	ck_assert(!brt__traceparent_ok(
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01"));
	ck_assert(!brt__traceparent_ok(
		"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
	ck_assert(!brt__traceparent_ok(
		"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"));
	ck_assert(!brt__traceparent_ok(NULL));
	ck_assert(!brt__traceparent_ok(""));
}
END_TEST

START_TEST(ops_json_strings)
{
	struct evbuffer *b = evbuffer_new();
	brt__json_str(b,
		      "a\"b\\c\n\x01\x7f"
		      "é",
		      (size_t)-1);
	brt__json_str(b, "xyz", 2);
	brt__json_str(b, NULL, (size_t)-1);
	ck_assert_str_eq(text_of(b),
			 "\"a\\\"b\\\\c\\n\\u0001\\u007fé\"\"xy\"\"\"");
	evbuffer_free(b);
}
END_TEST

START_TEST(ops_sd_notify)
{
	char path[] = "/tmp/bpelc-notify-XXXXXX";
	char *dir = mkdtemp(path);
	ck_assert_ptr_nonnull(dir);
	char sock[64];
	snprintf(sock, sizeof sock, "%s/s", dir);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(brt__notify("READY=1"), 0); /* unset: nothing */
	setenv("NOTIFY_SOCKET", sock, 1);
	ck_assert_int_eq(brt__notify("READY=1"), 0);
	char got[64] = { 0 };
	ck_assert_int_eq(recv(fd, got, sizeof got - 1, MSG_DONTWAIT), 7);
	ck_assert_str_eq(got, "READY=1");
	setenv("NOTIFY_SOCKET", "relative/path", 1);
	ck_assert_int_eq(brt__notify("READY=1"), BRT_EIO);
	unsetenv("NOTIFY_SOCKET");
	close(fd);
	unlink(sock);
	rmdir(dir);
}
END_TEST

static int parse(brt_runtime *rt, const char *const *args)
{
	char *argv[16];
	int argc = 0;
	argv[argc++] = (char *)"svc";
	for (; *args && argc < 15; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	memset(rt, 0, sizeof *rt);
	rt->proc = &o_proc;
	return brt__options_parse(rt, argc, argv);
}

START_TEST(ops_options)
{
	brt_runtime rt;
	static const char *const ok[] = {
		"--admin-listen",
		"127.0.0.1:9090",
		"--admin-token-file=t",
		"--shutdown-delay",
		"2.5",
		"--log-format",
		"json",
		"--log-level",
		"warn",
		"--store",
		"none",
		NULL,
	};
	ck_assert_int_eq(parse(&rt, ok), 0);
	ck_assert_str_eq(rt.admin_listen, "127.0.0.1:9090");
	ck_assert_str_eq(rt.admin_token_file, "t");
	ck_assert(rt.shutdown_delay > 2.49 && rt.shutdown_delay < 2.51);
	ck_assert(rt.log_json);
	ck_assert_int_eq(rt.log_level, BRT_LOG_WARN);
	static const char *const bad1[] = { "--admin-listen", "x", NULL };
	static const char *const bad2[] = { "--log-level", "loud", NULL };
	static const char *const bad3[] = { "--shutdown-delay", "soon", NULL };
	static const char *const bad4[] = { "--log-format", NULL };
	ck_assert_int_eq(parse(&rt, bad1), 2);
	ck_assert_int_eq(parse(&rt, bad2), 2);
	ck_assert_int_eq(parse(&rt, bad3), 2);
	ck_assert_int_eq(parse(&rt, bad4), 2);
}
END_TEST

Suite *ops_suite(void);
Suite *ops_suite(void)
{
	Suite *s = suite_create("ops");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ops_histogram_buckets);
	tcase_add_test(tc, ops_metrics_text);
	tcase_add_test(tc, ops_readiness_transitions);
	tcase_add_test(tc, ops_traceparent);
	tcase_add_test(tc, ops_json_strings);
	tcase_add_test(tc, ops_sd_notify);
	tcase_add_test(tc, ops_options);
	suite_add_tcase(s, tc);
	return s;
}
