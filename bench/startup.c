/*
 * startup.c — start-up time of a service: from just before fork+exec to the
 * first request answered with the expected status. Polls connect() every
 * 100 µs, so the figure includes at most that much slack. Repeats the
 * measurement R times (a fresh process each time; each is stopped with
 * SIGTERM and must exit 0) and prints the median and minimum.
 *
 *   startup -u HOST:PORT/PATH -b BODYFILE [-a SOAPACTION] [-s STATUS]
 *           [-r REPEAT] -- COMMAND [ARGS...]
 *
 * Output: one line of key=value pairs on stdout. Blocking sockets only:
 * this measures one request, not throughput.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *msg)
{
	fprintf(stderr, "startup: %s\n", msg);
	exit(2);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* One request on a fresh connection: the HTTP status, 0 when the server is
 * not accepting yet, -1 on another failure. */
static int try_request(const struct sockaddr_in *a, const char *req, size_t len)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)a, sizeof *a) != 0) {
		close(fd);
		return 0;
	}
	size_t off = 0;
	while (off < len) {
		ssize_t w = write(fd, req + off, len - off);
		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	char buf[16];
	size_t got = 0;
	while (got < 12) {
		ssize_t r = read(fd, buf + got, sizeof buf - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got < 12 || memcmp(buf, "HTTP/1.", 7) != 0)
		return -1;
	return atoi(buf + 9);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	const char *url = NULL, *body_path = NULL, *action = NULL;
	int status = 200, repeat = 10;
	int ch;
	while ((ch = getopt(argc, argv, "u:b:a:s:r:")) != -1) {
		switch (ch) {
		case 'u':
			url = optarg;
			break;
		case 'b':
			body_path = optarg;
			break;
		case 'a':
			action = optarg;
			break;
		case 's':
			status = atoi(optarg);
			break;
		case 'r':
			repeat = atoi(optarg);
			break;
		default:
			die("bad option");
		}
	}
	if (url == NULL || body_path == NULL || optind >= argc || repeat < 1 ||
	    repeat > 1000)
		die("usage: startup -u HOST:PORT/PATH -b BODY [-a ACTION] "
		    "[-s STATUS] [-r N] -- CMD [ARGS]");
	char **cmd = argv + optind;

	char host[64];
	const char *colon = strchr(url, ':');
	const char *slash = colon ? strchr(colon, '/') : NULL;
	if (slash == NULL || (size_t)(colon - url) >= sizeof host)
		die("bad -u");
	memcpy(host, url, (size_t)(colon - url));
	host[colon - url] = '\0';
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)atoi(colon + 1)) };
	if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
		die("host must be an IPv4 address");

	size_t blen;
	const char *body = read_file(body_path, &blen);
	if (body == NULL)
		die("cannot read the body");
	static char req[70000];
	int rlen = snprintf(
		req, sizeof req,
		"POST %s HTTP/1.1\r\nHost: %s\r\n"
		"Content-Type: text/xml; charset=utf-8\r\n"
		"%s%s%s"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		slash, host, action ? "SOAPAction: \"" : "",
		action ? action : "", action ? "\"\r\n" : "", blen, body);
	if (rlen < 0 || (size_t)rlen >= sizeof req)
		die("body too large");

	if (try_request(&a, req, (size_t)rlen) != 0)
		die("something already listens on that port");

	double times[1000];
	int bad_exit = 0;
	for (int i = 0; i < repeat; i++) {
		double t0 = now_s();
		pid_t pid = fork();
		if (pid < 0)
			die("fork failed");
		if (pid == 0) {
			execvp(cmd[0], cmd);
			_exit(127);
		}
		int st = 0;
		for (;;) {
			st = try_request(&a, req, (size_t)rlen);
			if (st != 0)
				break;
			if (waitpid(pid, NULL, WNOHANG) == pid)
				die("the service exited before answering");
			if (now_s() - t0 > 10) {
				kill(pid, SIGKILL);
				die("no answer within 10 s");
			}
			struct timespec ts = { 0, 100 * 1000 };
			nanosleep(&ts, NULL);
		}
		times[i] = now_s() - t0;
		if (st != status) {
			kill(pid, SIGKILL);
			fprintf(stderr, "startup: first answer was HTTP %d\n",
				st);
			return 1;
		}
		kill(pid, SIGTERM);
		int ws;
		if (waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) ||
		    WEXITSTATUS(ws) != 0)
			bad_exit++;
	}
	qsort(times, (size_t)repeat, sizeof times[0], cmp_d);
	printf("repeat=%d startup_ms=%.3f min_ms=%.3f bad_exits=%d\n", repeat,
	       times[repeat / 2] * 1e3, times[0] * 1e3, bad_exit);
	return bad_exit ? 1 : 0;
}
