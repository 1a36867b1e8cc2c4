/*
 * test_log.c — the log (log.c) and "later in this loop pass" (pass.c):
 * lines are buffered and written once per loop pass, formatted the same
 * as vsnprintf would, one line per event, nothing lost at free.
 *
 * Each test points fd 2 at a temporary file (check's fork mode keeps
 * that to the test).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "internal.h"

static const struct brt_process l_proc = { .name = "logt" };

static FILE *capture(void)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(dup2(fileno(f), STDERR_FILENO), 0);
	return f;
}

/* What fd 2 got so far (the whole file). */
static const char *captured(FILE *f)
{
	static char buf[65536];
	fflush(f);
	long n = lseek(fileno(f), 0, SEEK_END);
	ck_assert_int_ge(n, 0);
	ck_assert_int_lt(n, (long)sizeof buf);
	ck_assert_int_eq(pread(fileno(f), buf, (size_t)n, 0), n);
	buf[n] = '\0';
	return buf;
}

/* The message part of line `i` (after "HH:MM:SS.mmm logt: "). */
static const char *message(const char *all, int i, char *out, size_t len)
{
	const char *p = all;
	while (i-- > 0 && p)
		p = (p = strchr(p, '\n')) ? p + 1 : NULL;
	ck_assert_ptr_nonnull(p);
	ck_assert_msg(strlen(p) > 19 && p[2] == ':' && p[5] == ':' &&
			      p[8] == '.' && p[12] == ' ',
		      "bad stamp: %s", p);
	ck_assert_msg(strncmp(p + 13, "logt: ", 6) == 0, "bad name: %s", p);
	p += 19;
	size_t n = strcspn(p, "\n");
	ck_assert_uint_lt(n, len);
	memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

START_TEST(log_written_once_per_loop_pass)
{
	FILE *f = capture();
	brt_runtime *rt = brt__runtime_new(&l_proc);
	ck_assert_ptr_nonnull(rt);
	brt__log(rt, "one");
	brt__log(rt, "two");
	ck_assert_str_eq(captured(f), ""); /* not yet: the pass is not over */
	event_base_loop(rt->base, EVLOOP_NONBLOCK);
	char m[256];
	const char *all = captured(f);
	ck_assert_str_eq(message(all, 0, m, sizeof m), "one");
	ck_assert_str_eq(message(all, 1, m, sizeof m), "two");
	brt__log(rt, "three"); /* left in the buffer: free writes it */
	brt__runtime_free(rt);
	ck_assert_str_eq(message(captured(f), 2, m, sizeof m), "three");
	fclose(f);
}
END_TEST

/* Line `line` of what was written, once the buffer is out. */
static void check_format(brt_runtime *rt, FILE *f, int line, const char *want)
{
	char m[2300];
	brt__log_flush(rt);
	ck_assert_str_eq(message(captured(f), line, m, sizeof m), want);
}

START_TEST(log_formats_like_printf)
{
	FILE *f = capture();
	brt_runtime *rt = brt__runtime_new(&l_proc);
	ck_assert_ptr_nonnull(rt);
	char want[512];
	int line = 0;
#define SAME(...)                                         \
	do {                                              \
		snprintf(want, sizeof want, __VA_ARGS__); \
		brt__log(rt, __VA_ARGS__);                \
		check_format(rt, f, line++, want);        \
	} while (0)
	SAME("request %lu: %s operation %s", 18446744073709551615ul, "POST /x",
	     "op");
	SAME("%d %d %ld %ld %zu %u %c %%", 0, -2147483647 - 1, -5l, 42l,
	     (size_t)7, 4000000000u, 'x');
	SAME("%.3s|%.0s|%.10s|", "abcdef", "gone", "short");
	/* Beyond the fast path: vsnprintf. */
	SAME("%5d|%-3s|%x|%.2f|%02d", 42, "a", 255u, 1.5, 7);
#undef SAME
	/* One event, one line. */
	brt__log(rt, "a\nb\rc");
	check_format(rt, f, line++, "a b c");
	/* No control character reaches the log (a client's escape
	 * sequences in a logged name). */
	brt__log(rt, "x%sy", "\x1b[31mred\x07\tz\x7f");
	check_format(rt, f, line++, "x?[31mred? z?y");
	brt__runtime_free(rt);
	fclose(f);
}
END_TEST

START_TEST(log_long_lines_and_many_lines)
{
	FILE *f = capture();
	brt_runtime *rt = brt__runtime_new(&l_proc);
	ck_assert_ptr_nonnull(rt);
	char big[5000];
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	brt__log(rt, "%s", big); /* cut, not overflowing */
	/* More than the buffer holds within one pass: written as it fills,
	 * in order. */
	for (int i = 0; i < 2000; i++)
		brt__log(rt, "line %d", i);
	brt__runtime_free(rt);
	const char *all = captured(f);
	char *m = malloc(4096);
	ck_assert_uint_ge(strlen(message(all, 0, m, 4096)), 1000);
	ck_assert_str_eq(message(all, 1, m, 4096), "line 0");
	ck_assert_str_eq(message(all, 2000, m, 4096), "line 1999");
	free(m);
	fclose(f);
}
END_TEST

START_TEST(log_without_a_runtime_writes_at_once)
{
	FILE *f = capture();
	brt__log(NULL, "early %d", 1);
	const char *all = captured(f);
	ck_assert_msg(strstr(all, " bpelrt: early 1\n") != NULL, "%s", all);
	fclose(f);
}
END_TEST

/* libevent's own logging entry point: exported by libevent but declared
 * only in its private log-internal.h. Calling it runs libevent's real
 * path (severity, formatting, the callback) as a warning from evhttp or
 * the listener would. */
void event_warnx(const char *fmt, ...);

START_TEST(log_libevent_warnings_in_our_format)
{
	FILE *f = capture();
	brt_runtime *rt = brt__runtime_new(&l_proc);
	ck_assert_ptr_nonnull(rt);
	brt__log_catch_fatal(rt);
	event_warnx("peer said %s", "\x1b[31mred\x01"
				    "\nnext");
	event_base_loop(rt->base, EVLOOP_NONBLOCK);
	char m[256];
	ck_assert_str_eq(message(captured(f), 0, m, sizeof m),
			 "libevent: peer said ?[31mred? next");
	/* JSON lines: the warning level; the control character escaped
	 * (no raw control byte in the line). */
	rt->log_json = true;
	event_warnx("json %s", "\x07"
			       "bell");
	event_base_loop(rt->base, EVLOOP_NONBLOCK);
	const char *all = captured(f);
	const char *j = strchr(all, '{');
	ck_assert_msg(j && strstr(j, "\"level\":\"warn\"") &&
			      strstr(j, "\"message\":\"libevent: json "
					"\\u0007bell\""),
		      "%s", all);
	for (const char *c = all; *c; c++)
		ck_assert_msg((unsigned char)*c >= 0x20 || *c == '\n',
			      "control byte %d in %s", *c, all);
	/* --log-level error drops it. */
	rt->log_level = BRT_LOG_ERROR;
	size_t before = strlen(captured(f));
	event_warnx("dropped");
	event_base_loop(rt->base, EVLOOP_NONBLOCK);
	ck_assert_uint_eq(strlen(captured(f)), before);
	brt__runtime_free(rt);
	fclose(f);
}
END_TEST

static int pass_runs;
static void count_pass(void *arg)
{
	(void)arg;
	pass_runs++;
}

START_TEST(pass_runs_once_per_request_batch)
{
	brt_runtime *rt = brt__runtime_new(&l_proc);
	ck_assert_ptr_nonnull(rt);
	struct brt_pass pc;
	ck_assert_int_eq(brt__pass_init(&pc, rt, count_pass, NULL), 0);
	pass_runs = 0;
	brt__pass_request(&pc);
	brt__pass_request(&pc);
	ck_assert_int_eq(pass_runs, 0);
	event_base_loop(rt->base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(pass_runs, 1);
	brt__pass_request(&pc);
	event_base_loop(rt->base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(pass_runs, 2);
	brt__pass_request(&pc); /* pending at free: never runs */
	brt__pass_free(&pc);
	event_base_loop(rt->base, EVLOOP_NONBLOCK);
	ck_assert_int_eq(pass_runs, 2);
	brt__runtime_free(rt);
}
END_TEST

Suite *log_suite(void);
Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, log_written_once_per_loop_pass);
	tcase_add_test(tc, log_formats_like_printf);
	tcase_add_test(tc, log_long_lines_and_many_lines);
	tcase_add_test(tc, log_without_a_runtime_writes_at_once);
	tcase_add_test(tc, log_libevent_warnings_in_our_format);
	tcase_add_test(tc, pass_runs_once_per_request_batch);
	suite_add_tcase(s, tc);
	return s;
}
