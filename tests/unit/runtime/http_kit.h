/*
 * http_kit.h — the HTTP client side of the runtime's unit tests
 * (test_http, test_invoke, test_main, test_messaging): a SOAP envelope
 * literal, requests sent over an evhttp connection on the loop under
 * test with their answer captured, and a free loopback port.
 *
 * Not a partner stub: tests that need a server write their own evhttp
 * handlers (test_invoke). Functions assert (check framework) instead of
 * returning errors, so they may only be called inside a test.
 */
#ifndef HTTP_KIT_H
#define HTTP_KIT_H

#include <stddef.h>

#include <event2/event.h>
#include <event2/http.h>

/* A SOAP 1.1 envelope (prefix s) around the string literal `body`. */
#define HTTP_KIT_ENV(body)                                                   \
	"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">" \
	"<s:Body>" body "</s:Body></s:Envelope>"

/* What came back; status 0 when no answer came (connection closed,
 * timeout). A body longer than the buffer is cut. */
struct http_answer {
	struct event_base *base; /* whose loop the answer breaks */
	int status;
	char body[8192];
};

/* Start a request to 127.0.0.1:port on `base`: Host and text/xml
 * Content-Type headers, SOAPAction when `action` is not NULL, `len`
 * bytes of `body` when it is not NULL. The answer goes to *a (cleared
 * first; NULL: ignored) and breaks the loop. Returns the connection, which
 * the caller frees with evhttp_connection_free. */
struct evhttp_connection *http_kit_send(struct event_base *base, int port,
					enum evhttp_cmd_type cmd,
					const char *path, const char *action,
					const char *body, size_t len,
					struct http_answer *a);

/* The evhttp callback that fills the struct http_answer *arg (NULL:
 * ignored) and breaks its loop: for a test building its own request. */
void http_kit_on_answer(struct evhttp_request *req, void *arg);

/* http_kit_send, then run the loop until the answer or 5 s, then free
 * the connection. */
void http_kit_request(struct event_base *base, int port,
		      enum evhttp_cmd_type cmd, const char *path,
		      const char *action, const char *body, size_t len,
		      struct http_answer *a);

/* POST the NUL-terminated `body`, like http_kit_request. */
void http_kit_post(struct event_base *base, int port, const char *path,
		   const char *action, const char *body, struct http_answer *a);

/* A loopback TCP port nobody listened on a moment ago (bound and
 * released): for a service started in a child, or a refused connection. */
int http_kit_free_port(void);

#endif
