/*
 * http_kit.c — the runtime unit tests' HTTP client (see http_kit.h).
 * Linked into the runtime test binary next to the test_*.c files; it
 * holds no test itself.
 */
#include <check.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>

#include "http_kit.h"

void http_kit_on_answer(struct evhttp_request *req, void *arg)
{
	struct http_answer *a = arg;
	if (!a)
		return;
	if (req) {
		a->status = evhttp_request_get_response_code(req);
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t n = evbuffer_get_length(b);
		if (n >= sizeof a->body)
			n = sizeof a->body - 1;
		evbuffer_remove(b, a->body, n);
		a->body[n] = '\0';
	}
	event_base_loopbreak(a->base);
}

struct evhttp_connection *http_kit_send(struct event_base *base, int port,
					enum evhttp_cmd_type cmd,
					const char *path, const char *action,
					const char *body, size_t len,
					struct http_answer *a)
{
	if (a) {
		memset(a, 0, sizeof *a);
		a->base = base;
	}
	struct evhttp_connection *c = evhttp_connection_base_new(
		base, NULL, "127.0.0.1", (ev_uint16_t)port);
	ck_assert_ptr_nonnull(c);
	struct evhttp_request *r = evhttp_request_new(http_kit_on_answer, a);
	ck_assert_ptr_nonnull(r);
	struct evkeyvalq *h = evhttp_request_get_output_headers(r);
	evhttp_add_header(h, "Host", "127.0.0.1");
	evhttp_add_header(h, "Content-Type", "text/xml; charset=utf-8");
	if (action)
		evhttp_add_header(h, "SOAPAction", action);
	if (body)
		evbuffer_add(evhttp_request_get_output_buffer(r), body, len);
	ck_assert_int_eq(evhttp_make_request(c, r, cmd, path), 0);
	return c;
}

void http_kit_request(struct event_base *base, int port,
		      enum evhttp_cmd_type cmd, const char *path,
		      const char *action, const char *body, size_t len,
		      struct http_answer *a)
{
	struct evhttp_connection *c =
		http_kit_send(base, port, cmd, path, action, body, len, a);
	struct timeval tv = { 5, 0 };
	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
	evhttp_connection_free(c);
}

void http_kit_post(struct event_base *base, int port, const char *path,
		   const char *action, const char *body, struct http_answer *a)
{
	http_kit_request(base, port, EVHTTP_REQ_POST, path, action, body,
			 strlen(body), a);
}

int http_kit_free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(s, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&sin, sizeof sin), 0);
	socklen_t sl = sizeof sin;
	ck_assert_int_eq(getsockname(s, (struct sockaddr *)&sin, &sl), 0);
	close(s);
	return ntohs(sin.sin_port);
}
