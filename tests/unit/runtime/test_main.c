/*
 * test_main.c — brt_main: options (defaults, values, usage errors, --help,
 * --version) and a graceful stop: SIGTERM while a request-response exchange
 * is in flight still answers it, then the service exits 0.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <poll.h>

#include "http_kit.h"
#include "internal.h"

/* echo: receive (createInstance) -> wait PT2S -> reply the input. The
 * wait is long so a busy machine has time to deliver the test's signals
 * while the exchange is open; the test learns that the instance started
 * from a byte on e_started (an event, not a guessed delay). */
static int e_started = -1;
static const struct brt_part e_parts[] = {
	{ "payload", { "urn:t", "req" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message e_msg = { { "urn:t", "EMsg" }, 1, e_parts };
static const struct brt_operation e_op = {
	"echo", "urn:t", "urn:t/echo", BRT_STYLE_DOCUMENT, NULL, &e_msg,
	&e_msg, 0,	 NULL,
};
static const struct brt_operation *const e_ops[] = { &e_op };
static const struct brt_partner_link e_plinks[] = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/echo",
	  .my_address = "http://127.0.0.1:1/echo",
	  .nmy_ops = 1,
	  .my_ops = e_ops },
	{ .name = "backend",
	  .scope = 0,
	  .partner_address = "http://x/",
	  .has_partner_role = true },
};
static const struct brt_scope e_scopes[] = {
	{ "process", -1, 1, 0, NULL, -1, -1, -1, false, false, 0, NULL, 0,
	  NULL },
};
static const struct brt_variable e_vars[] = {
	{ "in", 0, 0, BRT_VAR_MESSAGE, &e_msg, { 0 }, { 0 }, BRT_XSD_COMPLEX, -1 },
};
static const struct brt_expr e_exprs[] = {
	{ "'PT2S'", "echo.bpel", 3, 0, NULL, 0, NULL },
};
static const struct brt_receive e_recv = {
	.name = "start",
	.plink = 0,
	.op = &e_op,
	.var = 0,
	.create_instance = true,
	.file = "echo.bpel",
	.line = 2,
};
static const struct brt_reply e_reply = {
	.name = "answer",
	.plink = 0,
	.op = &e_op,
	.var = 0,
	.file = "echo.bpel",
	.line = 4,
};
static const struct brt_receive *const e_starts[] = { &e_recv };
enum { E_WAIT = BRT_S_FIRST, E_REPLY, E_NSTATES };
static const char *const e_names[] = { "START", "DONE", "FAULTED", "E_WAIT",
				       "E_REPLY" };

static enum brt_step e_step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, E_WAIT);
		return brt_receive(s, &e_recv);
	case E_WAIT:
		if (e_started >= 0 && write(e_started, "s", 1) != 1)
			return brt_strand_bad_state(s);
		brt_strand_set_state(s, E_REPLY);
		return brt_wait(s, 0, false);
	case E_REPLY:
		brt_strand_set_state(s, BRT_S_DONE);
		return brt_reply(s, &e_reply);
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process e_proc = {
	.name = "echo",
	.qname = { "urn:t", "echo" },
	.build_id = "b1",
	.source = "echo.bpel",
	.nscopes = 1,
	.scopes = e_scopes,
	.nvars = 1,
	.vars = e_vars,
	.nplinks = 2,
	.plinks = e_plinks,
	.nexprs = 1,
	.exprs = e_exprs,
	.nstarts = 1,
	.starts = e_starts,
	.nstates = E_NSTATES,
	.state_names = e_names,
	.step = e_step,
};

/* Parse argv (NULL-terminated list after the program name). */
static int parse(brt_runtime *rt, const char *const *args)
{
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)"svc";
	for (; *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	memset(rt, 0, sizeof *rt);
	rt->proc = &e_proc;
	rt->max_body = 1u << 20;
	rt->invoke_timeout_ms = 30000;
	return brt__options_parse(rt, argc, argv);
}

START_TEST(main_options_values)
{
	brt_runtime rt;
	static const char *const a[] = {
		"--listen",
		"127.0.0.1:8080",
		"--partner=backend=http://h:1/p",
		"--max-body",
		"2K",
		"--invoke-timeout",
		"1.5",
		"-v",
		NULL,
	};
	ck_assert_int_eq(parse(&rt, a), 0);
	ck_assert_str_eq(rt.listen, "127.0.0.1:8080");
	ck_assert_int_eq(rt.npartners, 1);
	ck_assert_str_eq(rt.partners[0].link, "backend");
	ck_assert_str_eq(rt.partners[0].url, "http://h:1/p");
	ck_assert_uint_eq(rt.max_body, 2048);
	ck_assert_int_eq(rt.invoke_timeout_ms, 1500);
	ck_assert_int_eq(rt.verbose, 1);
	free(rt.partners);

	static const char *const b[] = { "--max-body=3M", NULL };
	ck_assert_int_eq(parse(&rt, b), 0);
	ck_assert_uint_eq(rt.max_body, 3u << 20);
	ck_assert_ptr_null(rt.listen);
	/* issue 14: the cluster options, with a PostgreSQL store */
	static const char *const c[] = {
		"--store",     "postgresql:///db", "--node-id",	     "n1",
		"--advertise", "http://h:1",	   "--node-timeout", "4",
		NULL
	};
	ck_assert_int_eq(parse(&rt, c), 0);
	ck_assert_str_eq(rt.store_path, "postgresql:///db");
	ck_assert_str_eq(rt.node_id, "n1");
	ck_assert_str_eq(rt.advertise, "http://h:1");
	ck_assert_int_eq(rt.node_timeout_s, 4);
	ck_assert_int_eq(parse(&rt, b), 0);
	/* issue 4: --invoke-timeout defaults to 30 s */
	ck_assert_int_eq(rt.invoke_timeout_ms, 30000);
}
END_TEST

START_TEST(main_options_usage_errors)
{
	static const char *const bad[][5] = {
		{ "--partner", "nolink=http://x/", NULL },
		{ "--partner", "backend", NULL },
		{ "--listen", "nohostport", NULL },
		{ "--listen", NULL },
		{ "--max-body", "lots", NULL },
		{ "--max-body", "0", NULL },
		{ "--invoke-timeout", "-1", NULL },
		{ "--node-timeout", "0", NULL },
		{ "--node-id", "n1", NULL }, /* needs a PostgreSQL store */
		{ "--store", "x.db", "--advertise", "http://h:1" },
		{ "--store", "postgresql:///db", "--advertise", "h:1" },
		{ "--frobnicate", NULL },
		{ "extra", NULL },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		brt_runtime rt;
		ck_assert_int_eq(parse(&rt, bad[i]), 2);
		free(rt.partners);
	}
}
END_TEST

START_TEST(main_help_and_version)
{
	brt_runtime rt;
	static const char *const h[] = { "--help", NULL };
	static const char *const v[] = { "--version", NULL };
	ck_assert_int_eq(parse(&rt, h), 1);
	ck_assert_int_eq(parse(&rt, v), 1);
	/* brt_main turns them into exit 0, usage errors into 2. */
	char *argv[] = { (char *)"svc", (char *)"--version", NULL };
	ck_assert_int_eq(brt_main(&e_proc, 2, argv), 0);
	char *argv2[] = { (char *)"svc", (char *)"--bogus", NULL };
	ck_assert_int_eq(brt_main(&e_proc, 2, argv2), 2);
}
END_TEST

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	nanosleep(&ts, NULL);
}

static int connect_retry(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	for (int i = 0; i < 100; i++) {
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&sin, sizeof sin) == 0)
			return s;
		close(s);
		sleep_ms(20);
	}
	return -1;
}

/* Start the service in a child on a free port; returns its pid. */
static int started_rd = -1;
static pid_t start_service(int *port)
{
	int fds[2];
	ck_assert_int_eq(pipe(fds), 0);
	started_rd = fds[0];
	e_started = fds[1];
	*port = http_kit_free_port();
	static char listen[64];
	snprintf(listen, sizeof listen, "127.0.0.1:%d", *port);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Memory only: this test is about stopping, not the store. */
		char *argv[] = { (char *)"svc",	    (char *)"--listen", listen,
				 (char *)"--store", (char *)"none",	NULL };
		close(started_rd);
		_exit(brt_main(&e_proc, 5, argv));
	}
	close(e_started);
	e_started = -1;
	return pid;
}

/* Until the service's instance has started (its step wrote a byte). */
static void await_instance(void)
{
	struct pollfd p = { .fd = started_rd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 20000), 1);
	char c;
	ck_assert_int_eq(read(started_rd, &c, 1), 1);
	close(started_rd);
}

/* POST an echo request; returns the connected socket. */
static int post_echo(int port)
{
	int s = connect_retry(port);
	ck_assert_int_ge(s, 0);
	const char *body =
		"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/"
		"\"><s:Body><t:req xmlns:t=\"urn:t\">bye</t:req></s:Body>"
		"</s:Envelope>";
	char req[1024];
	int n = snprintf(req, sizeof req,
			 "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: "
			 "text/xml\r\nContent-Length: %zu\r\nConnection: "
			 "close\r\n\r\n%s",
			 strlen(body), body);
	ck_assert_int_eq(write(s, req, (size_t)n), n);
	return s;
}

static void read_all(int s, char *resp, size_t size)
{
	size_t got = 0;
	ssize_t r;
	while (got < size - 1 && (r = read(s, resp + got, size - 1 - got)) > 0)
		got += (size_t)r;
	resp[got] = '\0';
	close(s);
}

static void expect_exit0(pid_t pid)
{
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(main_sigterm_finishes_in_flight)
{
	int port;
	pid_t pid = start_service(&port);
	int s = post_echo(port);
	await_instance(); /* it now waits 2 s */
	kill(pid, SIGTERM);
	char resp[4096];
	read_all(s, resp, sizeof resp);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 200", 12) == 0, "%s", resp);
	ck_assert_ptr_nonnull(strstr(resp, ">bye</t:req>"));
	expect_exit0(pid);
}
END_TEST

START_TEST(main_second_signal_stops_now)
{
	int port;
	pid_t pid = start_service(&port);
	int s = post_echo(port);
	await_instance();
	kill(pid, SIGTERM);
	sleep_ms(200); /* two signals, not one coalesced */
	kill(pid, SIGINT);
	/* The open exchange still gets an answer: a fault, not a hang-up. */
	char resp[4096];
	read_all(s, resp, sizeof resp);
	ck_assert_msg(strncmp(resp, "HTTP/1.1 500", 12) == 0, "%s", resp);
	ck_assert_ptr_nonnull(strstr(resp, "Fault"));
	expect_exit0(pid);
}
END_TEST

Suite *main_suite(void);
Suite *main_suite(void)
{
	Suite *s = suite_create("main");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, main_options_values);
	tcase_add_test(tc, main_options_usage_errors);
	tcase_add_test(tc, main_help_and_version);
	tcase_add_test(tc, main_sigterm_finishes_in_flight);
	tcase_add_test(tc, main_second_signal_stops_now);
	suite_add_tcase(s, tc);
	return s;
}
