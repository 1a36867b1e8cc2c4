/*
 * baseline.c — the hand-written limit of the bpelc stack for the echo
 * benchmark: a libevent evhttp server that parses the SOAP 1.1 request with
 * libxml2, reads the integer of <tns:echoRequest>, builds the
 * <tns:echoResponse> envelope as a tree and serialises it.
 *
 * It does the work any SOAP service on this stack cannot avoid (HTTP, an XML
 * parse with the same safety options, a tree built and serialised) and
 * nothing else: no process, no instance, no variables. It is not a general
 * SOAP server: one operation, no WSDL, no faults beyond a minimal one.
 *
 *   baseline [--listen HOST:PORT]      default 127.0.0.1:18080
 *
 * SIGTERM/SIGINT: stop and exit 0, like a compiled service.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define NS_SOAPENV "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_BENCH "urn:bench"
#define MAX_BODY (1024 * 1024)

/* The options a hardened SOAP endpoint needs: no network, no entity
 * expansion, no DTD loading; a DOCTYPE is refused below. */
#define PARSE_OPTS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static void send_fault(struct evhttp_request *req, int code, const char *why)
{
	struct evbuffer *out = evbuffer_new();
	if (out == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add_printf(
		out,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<soapenv:Envelope xmlns:soapenv=\"" NS_SOAPENV
		"\"><soapenv:Body><soapenv:Fault>"
		"<faultcode>soapenv:Client</faultcode>"
		"<faultstring>%s</faultstring>"
		"</soapenv:Fault></soapenv:Body></soapenv:Envelope>\n",
		why);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "text/xml; charset=utf-8");
	evhttp_send_reply(req, code, "Error", out);
	evbuffer_free(out);
}

static bool is_elem(xmlNodePtr n, const char *ns, const char *local)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	       strcmp((const char *)n->ns->href, ns) == 0 &&
	       strcmp((const char *)n->name, local) == 0;
}

static xmlNodePtr first_elem(xmlNodePtr n)
{
	for (; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

/* The integer of <tns:echoRequest> in the envelope, or false. */
static bool read_request(xmlDocPtr doc, long *value)
{
	xmlNodePtr env = xmlDocGetRootElement(doc);
	if (!is_elem(env, NS_SOAPENV, "Envelope"))
		return false;
	xmlNodePtr body = NULL;
	for (xmlNodePtr c = first_elem(env->children); c != NULL;
	     c = first_elem(c->next))
		if (is_elem(c, NS_SOAPENV, "Body")) {
			body = c;
			break;
		}
	if (body == NULL)
		return false;
	xmlNodePtr op = first_elem(body->children);
	if (!is_elem(op, NS_BENCH, "echoRequest"))
		return false;
	xmlChar *text = xmlNodeGetContent(op);
	if (text == NULL)
		return false;
	char *end;
	errno = 0;
	long v = strtol((const char *)text, &end, 10);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	bool ok = errno == 0 && end != (char *)text && *end == '\0' &&
		  v >= INT_MIN && v <= INT_MAX;
	xmlFree(text);
	*value = v;
	return ok;
}

/* The response envelope as a tree, serialised. */
static int send_response(struct evhttp_request *req, long value)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	if (doc == NULL)
		return -1;
	xmlNodePtr env = xmlNewDocNode(doc, NULL, BAD_CAST "Envelope", NULL);
	xmlNsPtr soap = xmlNewNs(env, BAD_CAST NS_SOAPENV, BAD_CAST "soapenv");
	xmlSetNs(env, soap);
	xmlDocSetRootElement(doc, env);
	xmlNodePtr body = xmlNewChild(env, soap, BAD_CAST "Body", NULL);
	char num[32];
	snprintf(num, sizeof num, "%ld", value);
	xmlNodePtr resp =
		xmlNewChild(body, NULL, BAD_CAST "echoResponse", BAD_CAST num);
	xmlNsPtr tns = xmlNewNs(resp, BAD_CAST NS_BENCH, BAD_CAST "tns");
	xmlSetNs(resp, tns);

	xmlChar *text = NULL;
	int len = 0;
	xmlDocDumpMemoryEnc(doc, &text, &len, "UTF-8");
	xmlFreeDoc(doc);
	if (text == NULL)
		return -1;
	struct evbuffer *out = evbuffer_new();
	if (out == NULL) {
		xmlFree(text);
		return -1;
	}
	evbuffer_add(out, text, (size_t)len);
	xmlFree(text);
	evhttp_add_header(evhttp_request_get_output_headers(req),
			  "Content-Type", "text/xml; charset=utf-8");
	evhttp_send_reply(req, 200, "OK", out);
	evbuffer_free(out);
	return 0;
}

static void on_request(struct evhttp_request *req, void *arg)
{
	(void)arg;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		evhttp_send_error(req, 405, NULL);
		return;
	}
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	const char *buf = (const char *)evbuffer_pullup(in, -1);
	if (buf == NULL || len == 0 || len > INT_MAX) {
		send_fault(req, 400, "empty body");
		return;
	}
	xmlDocPtr doc = xmlReadMemory(buf, (int)len, NULL, NULL, PARSE_OPTS);
	if (doc == NULL) {
		send_fault(req, 400, "malformed XML");
		return;
	}
	long value;
	bool ok = doc->intSubset == NULL && read_request(doc, &value);
	xmlFreeDoc(doc);
	if (!ok) {
		send_fault(req, 500, "not an echoRequest");
		return;
	}
	if (send_response(req, value) < 0)
		evhttp_send_error(req, 500, NULL);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	event_base_loopexit(arg, NULL);
}

int main(int argc, char **argv)
{
	const char *listen = "127.0.0.1:18080";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			listen = argv[++i];
		} else {
			fprintf(stderr, "usage: %s [--listen HOST:PORT]\n",
				argv[0]);
			return 2;
		}
	}
	char host[256];
	const char *colon = strrchr(listen, ':');
	if (colon == NULL || (size_t)(colon - listen) >= sizeof host) {
		fprintf(stderr, "baseline: bad --listen '%s'\n", listen);
		return 2;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	int port = atoi(colon + 1);

	xmlInitParser();
	struct event_base *base = event_base_new();
	struct evhttp *http = base ? evhttp_new(base) : NULL;
	if (http == NULL) {
		fprintf(stderr, "baseline: cannot create the server\n");
		return 1;
	}
	evhttp_set_max_body_size(http, MAX_BODY);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_POST | EVHTTP_REQ_GET);
	evhttp_set_gencb(http, on_request, NULL);
	if (evhttp_bind_socket(http, host, (ev_uint16_t)port) != 0) {
		fprintf(stderr, "baseline: cannot listen on %s\n", listen);
		return 1;
	}
	struct event *sigterm = evsignal_new(base, SIGTERM, on_signal, base);
	struct event *sigint = evsignal_new(base, SIGINT, on_signal, base);
	event_add(sigterm, NULL);
	event_add(sigint, NULL);
	fprintf(stderr, "baseline: listening on %s\n", listen);
	event_base_dispatch(base);

	event_free(sigterm);
	event_free(sigint);
	evhttp_free(http);
	event_base_free(base);
	xmlCleanupParser();
	return 0;
}
