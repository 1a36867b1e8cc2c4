/*
 * notify.c — systemd's readiness protocol (sd_notify(3), Type=notify):
 * when NOTIFY_SOCKET names a Unix datagram socket, send it a state line
 * such as "READY=1" or "STOPPING=1". A name starting with '@' is in the
 * abstract namespace. These few lines are the whole protocol; the service
 * does not link libsystemd for them.
 *
 * It does not decide when the service is ready (main.c does).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/socket.h>
#include <sys/un.h>

#include "admin.h"

int brt__notify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	if (!path || !*path)
		return 0;
	struct sockaddr_un sa;
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	size_t n = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof sa.sun_path)
		return BRT_EIO;
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return BRT_EIO;
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	ssize_t w;
	do
		w = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			   (struct sockaddr *)&sa, len);
	while (w < 0 && errno == EINTR);
	close(fd);
	return w == (ssize_t)strlen(state) ? 0 : BRT_EIO;
}
