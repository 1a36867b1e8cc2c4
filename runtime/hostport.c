/*
 * hostport.c — "host:port" and "[v6]:port" as the listeners take them,
 * shared by the SOAP listener (http.c) and the admin listener (admin/),
 * and the port a bound listener got (for --listen 127.0.0.1:0).
 * Not here: binding, resolving names.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/http.h>

#include "internal.h"

/* Split "host:port" or "[v6]:port"; host may be empty (all addresses). */
int brt__split_hostport(const char *s, char *host, size_t hsize, int *port)
{
	const char *colon;
	if (*s == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':')
			return BRT_EINVAL;
		if ((size_t)(end - s - 1) >= hsize)
			return BRT_EINVAL;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		colon = end + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= hsize)
			return BRT_EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	char *end;
	long v = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || v < 0 || v > 65535)
		return BRT_EINVAL;
	if (!*host)
		snprintf(host, hsize, "0.0.0.0");
	*port = (int)v;
	return 0;
}

int brt__bound_port(struct evhttp_bound_socket *b)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (!b || getsockname(evhttp_bound_socket_get_fd(b),
			      (struct sockaddr *)&ss, &sl) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}
