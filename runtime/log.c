/*
 * log.c — the runtime's log: one line per event on stderr.
 *
 * Each line is "HH:MM:SS.mmm NAME: message". Lines are collected in one
 * buffer per runtime and written with one write(2) per pass of the event
 * loop (a served request logs several lines: writing each on its own cost
 * a system call apiece), so lines never interleave with another process's
 * and never split. The buffer is written out before it would overflow, at
 * the end of every loop pass that logged (a flush event queued behind the
 * pass's other work), when the runtime is freed, and, best effort, when
 * the process dies of a fatal signal. Without a runtime or before the
 * event loop exists a line is written at once.
 *
 * brt__debug lines appear only with -v. This file does not decide what to
 * log; callers do.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "internal.h"

enum { LOG_BUF = 32 * 1024, LINE_MAX_MSG = 2048 };

struct brt_log {
	struct brt_pass flush_pass; /* ev NULL: no event loop, unbuffered */
	time_t stamp_sec;	    /* the second stamp[] was formatted for */
	char stamp[40];		    /* "HH:MM:SS." */
	size_t len;
	char buf[LOG_BUF];
};

static void write_all(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDERR_FILENO, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere to log to: drop it */
		p += n;
		len -= (size_t)n;
	}
}

static void flush(struct brt_log *lg)
{
	if (lg->len) {
		write_all(lg->buf, lg->len);
		lg->len = 0;
	}
}

static void format_stamp(char *out, size_t size, time_t sec)
{
	struct tm tm;
	localtime_r(&sec, &tm);
	snprintf(out, size, "%02d:%02d:%02d.", tm.tm_hour, tm.tm_min,
		 tm.tm_sec);
}

/* The stamp "HH:MM:SS." is formatted once per second, not per line. */
static const char *stamp(struct brt_log *lg, time_t sec)
{
	if (sec != lg->stamp_sec || !lg->stamp[0]) {
		format_stamp(lg->stamp, sizeof lg->stamp, sec);
		lg->stamp_sec = sec;
	}
	return lg->stamp;
}

static size_t put_ulong(char *out, size_t room, unsigned long v, bool neg)
{
	char tmp[24];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (neg)
		tmp[n++] = '-';
	size_t k = 0;
	while (n > 0 && k < room)
		out[k++] = tmp[--n];
	return k;
}

/*
 * The conversions log lines use (%s, %.Ns, %d, %ld, %lu, %u, %zu, %c, %%)
 * written out directly: vsnprintf costs about a microsecond a line, and a
 * served request logs several. Returns the length written (at most
 * size - 1, NUL-terminated), or (size_t)-1 when the format has anything
 * else, for vsnprintf to do.
 */
static size_t quick_format(char *out, size_t size, const char *fmt, va_list ap)
{
	size_t n = 0, room = size - 1;
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			if (n < room)
				out[n++] = *f;
			continue;
		}
		f++;
		size_t prec = (size_t)-1;
		if (*f == '.') {
			prec = 0;
			for (f++; *f >= '0' && *f <= '9'; f++)
				prec = prec * 10 + (size_t)(*f - '0');
			if (*f != 's')
				return (size_t)-1;
		}
		char len = 0;
		if (*f == 'l' || *f == 'z')
			len = *f++;
		switch (*f) {
		case '%':
			if (n < room)
				out[n++] = '%';
			break;
		case 's': {
			if (len)
				return (size_t)-1;
			const char *a = va_arg(ap, const char *);
			if (!a)
				a = "(null)";
			for (size_t i = 0; a[i] && i < prec && n < room; i++)
				out[n++] = a[i];
			break;
		}
		case 'c':
			if (len)
				return (size_t)-1;
			if (n < room)
				out[n++] = (char)va_arg(ap, int);
			break;
		case 'd':
		case 'i': {
			long v = len == 'l'   ? va_arg(ap, long)
				 : len == 'z' ? (long)va_arg(ap, size_t)
					      : va_arg(ap, int);
			unsigned long u = v < 0 ? 0ul - (unsigned long)v
						: (unsigned long)v;
			n += put_ulong(out + n, room - n, u, v < 0);
			break;
		}
		case 'u': {
			unsigned long v = len == 'l' ? va_arg(ap, unsigned long)
					  : len == 'z' ? va_arg(ap, size_t)
						       : va_arg(ap, unsigned);
			n += put_ulong(out + n, room - n, v, false);
			break;
		}
		default:
			return (size_t)-1;
		}
	}
	out[n] = '\0';
	return n;
}

/* Format one line into `out` (room for LINE_MAX_MSG + a header);
 * returns its length. */
static size_t format_line(struct brt_log *lg, brt_runtime *rt, char *out,
			  size_t size, const char *fmt, va_list ap)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	char local[40];
	const char *st = local;
	if (lg)
		st = stamp(lg, tv.tv_sec);
	else
		format_stamp(local, sizeof local, tv.tv_sec);
	const char *name = rt && rt->proc && rt->proc->name ? rt->proc->name
							    : "bpelrt";
	size_t nlen = strnlen(name, 200);
	size_t n = strlen(st);
	memcpy(out, st, n);
	int ms = (int)(tv.tv_usec / 1000);
	out[n++] = (char)('0' + ms / 100);
	out[n++] = (char)('0' + ms / 10 % 10);
	out[n++] = (char)('0' + ms % 10);
	out[n++] = ' ';
	memcpy(out + n, name, nlen);
	n += nlen;
	out[n++] = ':';
	out[n++] = ' ';
	size_t room = size - n - 1; /* keep one byte for the newline */
	if (room > LINE_MAX_MSG)
		room = LINE_MAX_MSG;
	va_list ap2;
	va_copy(ap2, ap);
	size_t mlen = quick_format(out + n, room, fmt, ap2);
	va_end(ap2);
	if (mlen == (size_t)-1) {
		int m = vsnprintf(out + n, room, fmt, ap);
		mlen = m < 0 ? 0 : (size_t)m >= room ? room - 1 : (size_t)m;
	}
	/* One event, one line: a message with a newline would break parsers,
	 * and other control characters (escape sequences from a client's
	 * data) must not reach a terminal or a log viewer. */
	for (char *p = out + n, *e = p + mlen; p < e; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '\n' || c == '\r' || c == '\t')
			*p = ' ';
		else if (c < 0x20 || c == 0x7f)
			*p = '?';
	}
	n += mlen;
	out[n++] = '\n';
	return n;
}

/* ---- JSON lines (--log-format json) --------------------------------------- */

/* Append `s` (n bytes) JSON-escaped to out[*n], within size - 1. */
static void json_esc(char *out, size_t size, size_t *n, const char *s,
		     size_t len)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len && *n + 7 < size; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			out[(*n)++] = '\\';
			out[(*n)++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(out + *n, "\\u00", 4);
			out[*n + 4] = hex[c >> 4];
			out[*n + 5] = hex[c & 15];
			*n += 6;
		} else
			out[(*n)++] = (char)c;
	}
}

static void json_field(char *out, size_t size, size_t *n, const char *key,
		       const char *val)
{
	size_t klen = strlen(key);
	if (!val || *n + klen + 8 >= size)
		return;
	out[(*n)++] = ',';
	out[(*n)++] = '"';
	memcpy(out + *n, key, klen);
	*n += klen;
	memcpy(out + *n, "\":\"", 3);
	*n += 3;
	json_esc(out, size, n, val, strlen(val));
	if (*n + 2 < size)
		out[(*n)++] = '"';
}

static const char *const level_names[] = { "error", "warn", "info", "debug" };

/* One JSON object per line: time (UTC, RFC 3339), level, process,
 * message, then what the line is about where the context says so:
 * instance, activity (name, else element) and its line, partner link,
 * operation, trace id and traceparent. */
static size_t format_json(brt_runtime *rt, enum brt_log_level level, char *out,
			  size_t size, const char *fmt, va_list ap)
{
	char msg[LINE_MAX_MSG];
	va_list ap2;
	va_copy(ap2, ap);
	size_t mlen = quick_format(msg, sizeof msg, fmt, ap2);
	va_end(ap2);
	if (mlen == (size_t)-1) {
		int m = vsnprintf(msg, sizeof msg, fmt, ap);
		mlen = m < 0			 ? 0
		       : (size_t)m >= sizeof msg ? sizeof msg - 1
						 : (size_t)m;
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	struct tm tm;
	time_t sec = tv.tv_sec;
	gmtime_r(&sec, &tm);
	size_t n = (size_t)snprintf(
		out, size,
		"{\"time\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\","
		"\"level\":\"%s\"",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		tm.tm_min, tm.tm_sec, (int)(tv.tv_usec / 1000),
		level_names[level]);
	const struct brt_process *p = rt ? rt->proc : NULL;
	json_field(out, size, &n, "process", p ? p->name : "bpelrt");
	json_field(out, size, &n, "message", "");
	n--; /* reopen the message's string */
	json_esc(out, size, &n, msg, mlen);
	out[n++] = '"';
	const struct brt_log_ctx *c = rt ? &rt->logctx : NULL;
	char num[32];
	if (c && c->instance) {
		n += (size_t)snprintf(out + n, size - n, ",\"instance\":%lu",
				      c->instance);
		int a = -1;
		if (p && p->state_activity && c->state >= BRT_S_FIRST &&
		    c->state < p->nstates)
			a = p->state_activity[c->state];
		if (a >= 0 && a < p->nactivities) {
			const struct brt_activity *act = &p->activities[a];
			json_field(out, size, &n, "activity",
				   act->name ? act->name : act->kind);
			snprintf(num, sizeof num, "%d", act->line);
			json_field(out, size, &n, "line", num);
		}
	}
	if (c) {
		json_field(out, size, &n, "partner_link", c->plink);
		json_field(out, size, &n, "operation", c->op);
		if (c->trace && strlen(c->trace) == 55) {
			char id[33];
			memcpy(id, c->trace + 3, 32);
			id[32] = '\0';
			json_field(out, size, &n, "trace_id", id);
			json_field(out, size, &n, "traceparent", c->trace);
		}
	}
	if (n + 2 >= size)
		n = size - 3;
	out[n++] = '}';
	out[n++] = '\n';
	return n;
}

static void flush_cb(void *arg)
{
	flush(arg);
}

static void vlog(brt_runtime *rt, enum brt_log_level level, const char *fmt,
		 va_list ap)
{
	struct brt_log *lg = rt ? rt->log : NULL;
	if (rt && rt->log_json) {
		char line[LINE_MAX_MSG * 6 + 1024];
		size_t n = format_json(rt, level, line, sizeof line, fmt, ap);
		if (!lg || !lg->flush_pass.ev) {
			if (lg)
				flush(lg);
			write_all(line, n);
			return;
		}
		if (LOG_BUF - lg->len < n)
			flush(lg);
		if (n > LOG_BUF) {
			write_all(line, n);
			return;
		}
		memcpy(lg->buf + lg->len, line, n);
		lg->len += n;
		brt__pass_request(&lg->flush_pass);
		return;
	}
	if (!lg || !lg->flush_pass.ev) {
		char line[LINE_MAX_MSG + 300];
		size_t n = format_line(lg, rt, line, sizeof line, fmt, ap);
		if (lg)
			flush(lg); /* keep the order of lines */
		write_all(line, n);
		return;
	}
	if (LOG_BUF - lg->len < LINE_MAX_MSG + 300)
		flush(lg);
	lg->len += format_line(lg, rt, lg->buf + lg->len, LOG_BUF - lg->len,
			       fmt, ap);
	brt__pass_request(&lg->flush_pass);
}

void brt__log(brt_runtime *rt, const char *fmt, ...)
{
	va_list ap;

	if (rt && rt->log_level < BRT_LOG_INFO)
		return;
	va_start(ap, fmt);
	vlog(rt, BRT_LOG_INFO, fmt, ap);
	va_end(ap);
}

void brt__log_at(brt_runtime *rt, enum brt_log_level level, const char *fmt,
		 ...)
{
	va_list ap;

	if (rt && (int)level > rt->log_level &&
	    !(level == BRT_LOG_DEBUG && rt->verbose > 0))
		return;
	va_start(ap, fmt);
	vlog(rt, level, fmt, ap);
	va_end(ap);
}

void brt__debug(brt_runtime *rt, const char *fmt, ...)
{
	va_list ap;

	if (!rt || (rt->verbose <= 0 && rt->log_level < BRT_LOG_DEBUG))
		return;
	va_start(ap, fmt);
	vlog(rt, BRT_LOG_DEBUG, fmt, ap);
	va_end(ap);
}

int brt__log_init(brt_runtime *rt)
{
	if (rt->log)
		return 0;
	struct brt_log *lg = calloc(1, sizeof *lg);
	if (!lg)
		return BRT_ENOMEM;
	if (rt->base && brt__pass_init(&lg->flush_pass, rt, flush_cb, lg) < 0) {
		free(lg);
		return BRT_ENOMEM;
	}
	rt->log = lg;
	return 0;
}

void brt__log_flush(brt_runtime *rt)
{
	if (rt && rt->log)
		flush(rt->log);
}

/* ---- fatal signals -------------------------------------------------------- */

/* The one runtime whose buffer a dying process writes out (brt_main's).
 * A signal handler has nothing else to reach it by. */
static struct brt_log *crash_log;
static struct sigaction crash_old[5];
static const int crash_sigs[5] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };

/* Best effort: the buffer may be mid-append; write(2) is async-signal-safe.
 * Then the previous disposition takes over: a fault re-executes and hits
 * it, abort() raises again. */
static void on_fatal(int sig)
{
	struct brt_log *lg = crash_log;
	crash_log = NULL;
	if (lg && lg->len <= LOG_BUF)
		write_all(lg->buf, lg->len);
	for (int i = 0; i < 5; i++)
		if (crash_sigs[i] == sig)
			sigaction(sig, &crash_old[i], NULL);
}

/* libevent's own messages (warnings from evhttp, the listener...) in our
 * format, through brt_main's runtime: its callback has no argument. */
static brt_runtime *event_log_rt;

static void on_event_log(int severity, const char *msg)
{
	if (severity == EVENT_LOG_DEBUG || !event_log_rt)
		return;
	/* Its severity carries over (--log-level filters it, JSON names
	 * it); the text goes through the same control-character rule as
	 * ours, since it may quote what a peer sent. */
	enum brt_log_level lv = severity == EVENT_LOG_ERR    ? BRT_LOG_ERROR
				: severity == EVENT_LOG_WARN ? BRT_LOG_WARN
							     : BRT_LOG_INFO;
	brt__log_at(event_log_rt, lv, "libevent: %s", msg);
}

void brt__log_catch_fatal(brt_runtime *rt)
{
	if (!rt || !rt->log)
		return;
	event_log_rt = rt;
	event_set_log_callback(on_event_log);
	crash_log = rt->log;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_fatal;
#ifdef SA_ONSTACK
	sa.sa_flags = SA_ONSTACK; /* a stack overflow: on ASan's stack */
#endif
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 5; i++)
		sigaction(crash_sigs[i], &sa, &crash_old[i]);
}

void brt__log_free(brt_runtime *rt)
{
	struct brt_log *lg = rt ? rt->log : NULL;
	if (!lg)
		return;
	if (event_log_rt == rt) {
		event_set_log_callback(NULL);
		event_log_rt = NULL;
	}
	if (crash_log == lg) {
		crash_log = NULL;
		for (int i = 0; i < 5; i++)
			sigaction(crash_sigs[i], &crash_old[i], NULL);
	}
	flush(lg);
	brt__pass_free(&lg->flush_pass);
	rt->log = NULL;
	free(lg);
}
