/*
 * fsync.c — the disk's flush time, for `make bench`'s --sync full figure:
 * write one 4 KiB page and fdatasync(2) it, ROUNDS times, in a file in
 * the given directory; print the median flush time.
 *
 * Output: one line "fdatasync_us=..." (run.sh parses it). It measures
 * nothing else and leaves no file behind.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { ROUNDS = 200 };

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/fsync.tmp", argc > 1 ? argv[1] : ".");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		perror(path);
		return 1;
	}
	static char page[4096];
	static double t[ROUNDS];
	memset(page, 'x', sizeof page);
	for (int i = 0; i < ROUNDS; i++) {
		page[0] = (char)i;
		if (pwrite(fd, page, sizeof page, 0) != (ssize_t)sizeof page) {
			perror("pwrite");
			return 1;
		}
		double t0 = now_us();
		if (fdatasync(fd) != 0) {
			perror("fdatasync");
			return 1;
		}
		t[i] = now_us() - t0;
	}
	close(fd);
	unlink(path);
	qsort(t, ROUNDS, sizeof *t, cmp);
	printf("fdatasync_us=%.1f\n", t[ROUNDS / 2]);
	return 0;
}
