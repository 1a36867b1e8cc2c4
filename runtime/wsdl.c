/*
 * wsdl.c — the WSDL a service serves to its clients (GET PATH?wsdl, and
 * PATH?wsdl=N, PATH?xsd=N for what it imports): which document a query
 * names, and its text with the service's own address filled in, as the
 * client reached the service. The compiler already rewrote the documents
 * for clients (compiler/emit_wsdl.c: served ports only, no comments, no
 * partners); this file only fills the gaps it left. Not here: answering
 * (http.c).
 *
 * The address, in this order:
 *  1. the request's Host header, when it is a valid host[:port]: the
 *     address the client used, which is right behind a proxy that passes
 *     the client's Host on (nginx: `proxy_set_header Host $http_host`),
 *     and for a client that reached the service by a name of its own;
 *  2. else the origin of --advertise URL, when given;
 *  3. else the local address of the connection the request came on.
 * The scheme is http, or https when a proxy says the client used it
 * (X-Forwarded-Proto: https). A client that sends a made-up Host gets its
 * own made-up address back and nothing else: the answer is for it alone
 * (and says `Vary: Host, X-Forwarded-Proto` to caches).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "internal.h"

bool brt__wsdl_query(const char *query)
{
	return strncasecmp(query, "wsdl", 4) == 0 ||
	       strncasecmp(query, "xsd=", 4) == 0;
}

const struct brt_served_doc *brt__wsdl_find(const struct brt_partner_link *pl,
					    const char *query)
{
	for (int i = 0; i < pl->nwsdl; i++)
		if (strcasecmp(pl->wsdl[i].query, query) == 0)
			return &pl->wsdl[i];
	return NULL;
}

/* A DNS name or IPv4 address, or an IPv6 address in brackets, then an
 * optional :port: what a Host header may hold (RFC 9110 §7.2), and
 * nothing that could break out of an XML attribute or a URL. */
bool brt__wsdl_host_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 260)
		return false;
	const char *p = s;
	if (*p == '[') {
		p++;
		size_t k = strspn(p, "0123456789abcdefABCDEF:.");
		if (k == 0 || p[k] != ']')
			return false;
		p += k + 1;
	} else {
		size_t k = strspn(p, "abcdefghijklmnopqrstuvwxyz"
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
		if (k == 0 || k > 253 || *p == '-' || *p == '.')
			return false;
		p += k;
	}
	if (*p == '\0')
		return true;
	if (*p != ':')
		return false;
	p++;
	size_t d = strspn(p, "0123456789");
	if (d == 0 || d > 5 || p[d] != '\0')
		return false;
	long port = strtol(p, NULL, 10);
	return port > 0 && port <= 65535;
}

/* The local address of the request's connection, "host:port". */
static bool local_address(struct evhttp_request *req, char *out, size_t n)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev = c ? evhttp_connection_get_bufferevent(c)
				    : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0)
		return false;
	char host[INET6_ADDRSTRLEN];
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		if (!inet_ntop(AF_INET, &a->sin_addr, host, sizeof host))
			return false;
		snprintf(out, n, "%s:%d", host, ntohs(a->sin_port));
		return true;
	}
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		if (!inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host))
			return false;
		snprintf(out, n, "[%s]:%d", host, ntohs(a->sin6_port));
		return true;
	}
	return false;
}

void brt__wsdl_base(brt_runtime *rt, struct evhttp_request *req, char *out,
		    size_t n)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *proto = evhttp_find_header(in, "X-Forwarded-Proto");
	const char *scheme = proto && strcasecmp(proto, "https") == 0 ? "https"
								      : "http";
	const char *host = evhttp_find_header(in, "Host");
	char local[80];
	if (host && brt__wsdl_host_ok(host)) {
		snprintf(out, n, "%s://%s", scheme, host);
	} else if (rt->advertise) {
		/* Its origin: scheme and authority, without the path. */
		const char *a = strstr(rt->advertise, "://");
		size_t len = a ? (size_t)(a + 3 - rt->advertise) +
					     strcspn(a + 3, "/?#")
			       : strlen(rt->advertise);
		snprintf(out, n, "%.*s", (int)len, rt->advertise);
	} else if (local_address(req, local, sizeof local)) {
		snprintf(out, n, "%s://%s", scheme, local);
	} else {
		snprintf(out, n, "%s://localhost", scheme);
	}
}

int brt__wsdl_render(brt_runtime *rt, struct evhttp_request *req,
		     const struct brt_served_doc *d, struct evbuffer *out)
{
	char base[300];
	brt__wsdl_base(rt, req, base, sizeof base);
	size_t blen = strlen(base);
	for (int i = 0; i < d->npieces; i++) {
		if (i > 0 && evbuffer_add(out, base, blen) != 0)
			return BRT_ENOMEM;
		if (evbuffer_add(out, d->pieces[i], strlen(d->pieces[i])) != 0)
			return BRT_ENOMEM;
	}
	return 0;
}
