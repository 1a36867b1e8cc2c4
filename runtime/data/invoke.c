/*
 * invoke.c — outbound SOAP calls to partners on libcurl's multi interface,
 * driven by the runtime's libevent base (the "multi socket" pattern:
 * CURLMOPT_SOCKETFUNCTION registers one event per socket, and
 * CURLMOPT_TIMERFUNCTION arms one timer). Nothing here blocks the loop, so
 * a slow partner delays nobody else, and concurrent calls really run at the
 * same time (one connection each).
 *
 * It turns the reply into a brt_call_result: an output message, a SOAP
 * fault mapped to a declared WSDL fault of the operation (or left
 * undeclared), or a transport/protocol error with a reason. It does not
 * decide what a fault means to the instance; the engine does.
 *
 * Lifetime: a brt_call lives from brt__call_start until its callback has
 * returned, or until brt__call_cancel. Callbacks run only from event
 * callbacks of the loop, never from inside brt__call_start.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <event2/event_struct.h>

#include "crash.h"
#include "data.h"
#include "internal.h"

/* Reply bodies larger than --max-reply are refused while they arrive (a
 * broken partner must not exhaust memory); this is the default when the
 * runtime was made without options (unit tests). */
#define MAX_REPLY (8u << 20)

struct brt_curl {
	brt_runtime *rt;
	CURLM *multi;
	struct event timer;
	brt_call *calls;    /* in flight, doubly linked */
	struct sock *socks; /* watched sockets, doubly linked */
};

struct sock {
	struct event ev;
	struct brt_curl *cu;
	struct sock *prev, *next;
	curl_socket_t fd;
};

static void sock_free(struct brt_curl *cu, struct sock *sk)
{
	event_del(&sk->ev);
	if (sk->prev)
		sk->prev->next = sk->next;
	else
		cu->socks = sk->next;
	if (sk->next)
		sk->next->prev = sk->prev;
	free(sk);
}

struct brt_call {
	struct brt_curl *cu;
	brt_call *prev, *next;
	CURL *easy;
	struct curl_slist *hdrs;
	char *req; /* serialized envelope (xmlFree) */
	size_t reqlen;
	char *resp;
	size_t resplen, respcap, max;
	bool too_big;
	bool switched; /* the partner answered 101 Switching Protocols */
	bool sent;     /* the whole request went out (crash points) */
	bool added;    /* in the multi handle (not held) */
	bool held;     /* waits for brt__call_release (rt->hold) */
	unsigned long epoch;
	const struct brt_operation *op;
	char *url;
	brt_call_cb cb;
	void *arg;
	char *fault_ns, *fault_local; /* for the result, freed after cb */
	char errbuf[CURL_ERROR_SIZE];
};

/* ---- driving curl from the loop ---------------------------------------- */

static void check_done(struct brt_curl *cu);

static void on_socket_event(evutil_socket_t fd, short what, void *arg)
{
	struct brt_curl *cu = ((struct sock *)arg)->cu;
	int action = ((what & EV_READ) ? CURL_CSELECT_IN : 0) |
		     ((what & EV_WRITE) ? CURL_CSELECT_OUT : 0);
	int running;
	/* `arg` may be freed inside this call (CURL_POLL_REMOVE). */
	curl_multi_socket_action(cu->multi, fd, action, &running);
	check_done(cu);
	if (running <= 0 && evtimer_pending(&cu->timer, NULL))
		evtimer_del(&cu->timer);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	struct brt_curl *cu = arg;
	int running;
	curl_multi_socket_action(cu->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(cu);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	(void)easy;
	struct brt_curl *cu = userp;
	struct sock *sk = socketp;

	if (what == CURL_POLL_REMOVE) {
		if (sk) {
			sock_free(cu, sk);
			curl_multi_assign(cu->multi, fd, NULL);
		}
		return 0;
	}
	if (!sk) {
		sk = calloc(1, sizeof *sk);
		if (!sk)
			return -1;
		sk->cu = cu;
		sk->fd = fd;
		sk->next = cu->socks;
		if (cu->socks)
			cu->socks->prev = sk;
		cu->socks = sk;
		curl_multi_assign(cu->multi, fd, sk);
	} else
		event_del(&sk->ev);
	short kind = EV_PERSIST | ((what & CURL_POLL_IN) ? EV_READ : 0) |
		     ((what & CURL_POLL_OUT) ? EV_WRITE : 0);
	event_assign(&sk->ev, cu->rt->base, fd, kind, on_socket_event, sk);
	event_add(&sk->ev, NULL);
	return 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
	(void)multi;
	struct brt_curl *cu = userp;
	if (timeout_ms < 0) {
		evtimer_del(&cu->timer);
		return 0;
	}
	/* Never call curl_multi_socket_action from here: arm the timer
	 * (0 ms fires on the next loop iteration). */
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	evtimer_add(&cu->timer, &tv);
	return 0;
}

int brt__curl_init(brt_runtime *rt)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return BRT_EIO;
	struct brt_curl *cu = calloc(1, sizeof *cu);
	if (!cu) {
		curl_global_cleanup();
		return BRT_ENOMEM;
	}
	cu->rt = rt;
	cu->multi = curl_multi_init();
	if (!cu->multi) {
		free(cu);
		curl_global_cleanup();
		return BRT_ENOMEM;
	}
	evtimer_assign(&cu->timer, rt->base, on_timer, cu);
	curl_multi_setopt(cu->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cu->multi, CURLMOPT_SOCKETDATA, cu);
	curl_multi_setopt(cu->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cu->multi, CURLMOPT_TIMERDATA, cu);
	/* Never queue a call behind another one on a shared connection. */
	curl_multi_setopt(cu->multi, CURLMOPT_PIPELINING,
			  (long)CURLPIPE_NOTHING);
	rt->curl = cu;
	return 0;
}

static void call_free(brt_call *c)
{
	struct brt_curl *cu = c->cu;
	if (c->prev)
		c->prev->next = c->next;
	else if (cu->calls == c)
		cu->calls = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->easy) {
		if (c->added)
			curl_multi_remove_handle(cu->multi, c->easy);
		curl_easy_cleanup(c->easy);
	}
	curl_slist_free_all(c->hdrs);
	xmlFree(c->req);
	free(c->resp);
	free(c->url);
	free(c->fault_ns);
	free(c->fault_local);
	free(c);
}

void brt__curl_free(brt_runtime *rt)
{
	struct brt_curl *cu = rt->curl;
	if (!cu)
		return;
	while (cu->calls)
		call_free(cu->calls);
	/* Cleaning up the multi handle closes its cached connections; it may
	 * or may not report each socket's removal, so free what is left. */
	curl_multi_cleanup(cu->multi);
	while (cu->socks)
		sock_free(cu, cu->socks);
	evtimer_del(&cu->timer);
	free(cu);
	rt->curl = NULL;
	curl_global_cleanup();
}

/* ---- starting and cancelling --------------------------------------------- */

static size_t on_data(char *ptr, size_t size, size_t n, void *arg)
{
	brt_call *c = arg;
	size_t len = size * n;
	if (c->resplen + len > c->max) {
		c->too_big = true;
		return 0; /* aborts the transfer */
	}
	if (c->resplen + len + 1 > c->respcap) {
		size_t cap = c->respcap ? c->respcap : 4096;
		while (cap < c->resplen + len + 1)
			cap *= 2;
		char *p = realloc(c->resp, cap);
		if (!p)
			return 0;
		c->resp = p;
		c->respcap = cap;
	}
	memcpy(c->resp + c->resplen, ptr, len);
	c->resplen += len;
	c->resp[c->resplen] = '\0';
	return len;
}

/* Status lines as they arrive: a 101 Switching Protocols means the partner
 * left HTTP on a connection it keeps open, and curl would wait for the
 * timeout; stop at once instead. */
static size_t on_header(char *ptr, size_t size, size_t n, void *arg)
{
	brt_call *c = arg;
	size_t len = size * n;
	if (len >= 12 && strncmp(ptr, "HTTP/", 5) == 0) {
		const char *sp = memchr(ptr, ' ', len);
		if (sp && (size_t)(sp - ptr) + 4 <= len &&
		    strncmp(sp + 1, "101", 3) == 0) {
			c->switched = true;
			return 0; /* aborts the transfer */
		}
	}
	return len;
}

#ifdef BRT_CRASH_POINTS
/* Test builds: the crash point "invoke-started" is reached once the whole
 * request has gone to the partner, before its answer. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	brt_call *c = arg;
	(void)dltotal;
	(void)dlnow;
	if (!c->sent && ultotal > 0 && ulnow >= ultotal) {
		c->sent = true;
		BRT_CRASH_POINT("invoke-started");
	}
	return 0;
}
#endif

/* The W3C traceparent of the work that makes this call (the strand's
 * instance got it from a request): same trace id and flags, this call's
 * own parent id. False when there is none. */
static bool trace_header(const brt_runtime *rt, const brt_call *c, char *out,
			 size_t size)
{
	const char *t = rt->logctx.trace;
	if (!t || !brt__traceparent_ok(t))
		return false;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	unsigned long long span =
		((unsigned long long)(uintptr_t)c * 0x9e3779b97f4a7c15ull) ^
		((unsigned long long)ts.tv_nsec << 20) ^
		(unsigned long long)ts.tv_sec;
	if (!span)
		span = 1;
	snprintf(out, size, "traceparent: 00-%.32s-%016llx-%.2s", t + 3, span,
		 t + 53);
	return true;
}

brt_call *brt__call_start(brt_runtime *rt, const char *url,
			  const struct brt_operation *op, xmlDocPtr msg,
			  brt_call_cb cb, void *arg)
{
	struct brt_curl *cu = rt ? rt->curl : NULL;
	if (!cu || !url || !op || !cb)
		return NULL;
	brt_call *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->cu = cu;
	c->op = op;
	c->cb = cb;
	c->arg = arg;
	c->max = rt->max_reply ? rt->max_reply : MAX_REPLY;
	c->url = strdup(url);
	xmlDocPtr env = brt__soap_from_message(op, op->input, msg, false);
	if (env) {
		c->req = brt__soap_serialize(env, &c->reqlen);
		xmlFreeDoc(env);
	}
	char action[1024];
	snprintf(action, sizeof action, "SOAPAction: \"%s\"",
		 op->soap_action ? op->soap_action : "");
	struct curl_slist *h = NULL;
	if (c->url && c->req &&
	    (h = curl_slist_append(NULL,
				   "Content-Type: text/xml; charset=utf-8")) &&
	    (c->hdrs = h, h = curl_slist_append(h, action)) &&
	    (c->hdrs = h, h = curl_slist_append(h, "Expect:")))
		c->hdrs = h;
	else
		h = NULL;
	char tp[80];
	if (h && trace_header(rt, c, tp, sizeof tp)) {
		h = curl_slist_append(h, tp);
		if (h)
			c->hdrs = h;
	}
	c->easy = h ? curl_easy_init() : NULL;
	if (!c->easy) {
		call_free(c);
		return NULL;
	}
	CURL *e = c->easy;
	long timeout = rt->invoke_timeout_ms > 0 ? rt->invoke_timeout_ms
						 : BRT_INVOKE_TIMEOUT_MS;
	if (curl_easy_setopt(e, CURLOPT_URL, c->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") !=
		    CURLE_OK) {
		call_free(c);
		return NULL;
	}
	curl_easy_setopt(e, CURLOPT_POST, 1L);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->req);
	curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)c->reqlen);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, c->hdrs);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(e, CURLOPT_PRIVATE, c);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	/* Refuse a declared length over the limit before reading the body
	 * (on_data catches chunked replies); decode any content coding curl
	 * knows, so a coding the body does not really have is an error
	 * rather than bytes passed on as XML. The limit applies to the
	 * decoded bytes. Redirects are not followed (a 3xx is a failure). */
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
#ifdef BRT_CRASH_POINTS
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, c);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
#endif
	/* Held while the state that sends it is not committed (rt->hold):
	 * brt__call_release starts it. */
	c->held = rt->hold;
	c->epoch = rt->hold_epoch;
	if (!c->held && curl_multi_add_handle(cu->multi, e) != CURLM_OK) {
		call_free(c);
		return NULL;
	}
	c->added = !c->held;
	c->next = cu->calls;
	if (cu->calls)
		cu->calls->prev = c;
	cu->calls = c;
	brt__debug(rt, "invoke %s %s started", op->name, url);
	return c;
}

void brt__call_cancel(brt_call *c)
{
	/* Outside curl's callbacks (the engine is never called from one), so
	 * the handle can leave the multi at once; curl drops any completion
	 * message still queued for it, so the callback cannot run. */
	if (c)
		call_free(c);
}

/* ---- results ------------------------------------------------------------- */

/* Truncation of the reason text is fine: it is for the log. */
static void set_text(struct brt_call_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_text(struct brt_call_result *res, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(res->text, sizeof res->text, fmt, ap);
	va_end(ap);
}

static xmlNodePtr child_local(xmlNodePtr parent, const char *local)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, local) == 0)
			return n;
	return NULL;
}

static xmlNodePtr first_child_elem(xmlNodePtr parent)
{
	for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static xmlNodePtr next_elem_sibling(xmlNodePtr n)
{
	for (n = n->next; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static bool qn_eq(const char *ns, const char *local, const xmlNode *n)
{
	const char *nns = n->ns && n->ns->href ? (const char *)n->ns->href : "";
	return local && strcmp(local, (const char *)n->name) == 0 &&
	       strcmp(ns ? ns : "", nns) == 0;
}

#define NS_SOAPENV "http://schemas.xmlsoap.org/soap/envelope/"

/* soapenv:Server, soapenv:Client...: a faultcode that names no fault. */
static bool is_generic_code(const char *ns)
{
	return !ns || !*ns || strcmp(ns, NS_SOAPENV) == 0;
}

/* A SOAP fault from the partner: which declared fault it is, and its data.
 * Declared: the fault whose name is the faultcode's local name, else the
 * one whose (single) part's element is the detail's first element.
 * Undeclared: named by the detail's element when the faultcode is a
 * generic SOAP one, else by the faultcode. */
static void map_fault(const struct brt_operation *op, xmlNodePtr fault,
		      struct brt_call_result *res, char **out_ns,
		      char **out_local)
{
	res->is_fault = true;

	/* faultcode "p:local": resolve p against the faultcode's scope. */
	xmlNodePtr code = child_local(fault, "faultcode");
	xmlChar *txt = code ? xmlNodeGetContent(code) : NULL;
	char *s = txt ? (char *)txt : NULL;
	char *local = NULL, *ns = NULL;
	if (s) {
		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		size_t n = strlen(s);
		while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
			     s[n - 1] == '\n' || s[n - 1] == '\r'))
			s[--n] = '\0';
		char *colon = strchr(s, ':');
		if (colon) {
			*colon = '\0';
			xmlNsPtr x = xmlSearchNs(code->doc, code, BAD_CAST s);
			if (x && x->href)
				ns = strdup((const char *)x->href);
			local = strdup(colon + 1);
		} else {
			xmlNsPtr x = xmlSearchNs(code->doc, code, NULL);
			if (x && x->href)
				ns = strdup((const char *)x->href);
			local = strdup(s);
		}
	}
	xmlFree(txt);

	xmlNodePtr detail = child_local(fault, "detail");
	xmlNodePtr d1 = first_child_elem(detail);

	const struct brt_fault_decl *decl = NULL;
	for (int i = 0; local && i < op->nfaults && !decl; i++)
		if (op->faults[i].name &&
		    strcmp(op->faults[i].name, local) == 0)
			decl = &op->faults[i];
	for (int i = 0; d1 && i < op->nfaults && !decl; i++) {
		const struct brt_message *m = op->faults[i].message;
		if (m && m->nparts == 1 && m->parts[0].element.local &&
		    qn_eq(m->parts[0].element.ns, m->parts[0].element.local,
			  d1))
			decl = &op->faults[i];
	}
	if (decl) {
		res->fault_decl = decl;
		if (decl->message)
			res->fault_data =
				brt__soap_detail_message(detail, decl->message);
		/* rpc-style stacks wrap the parts in one element named after
		 * the fault: <detail><f:badInput><id/><name/></f:badInput>. */
		if (decl->message && !res->fault_data && d1 &&
		    !next_elem_sibling(d1) &&
		    strcmp((const char *)d1->name, decl->name) == 0)
			res->fault_data =
				brt__soap_detail_message(d1, decl->message);
		free(ns);
		free(local);
		ns = strdup(op->ns ? op->ns : "");
		local = strdup(decl->name);
	} else {
		/* Undeclared: its data is the detail's element, else the
		 * whole Fault. With a generic faultcode (soapenv:Server...)
		 * the detail's element names the fault, so <catch
		 * faultName="p:thatElement"> can pick it out. */
		res->fault_data = brt__soap_elem_doc(d1 ? d1 : fault);
		if (d1 && (!local || is_generic_code(ns))) {
			free(ns);
			free(local);
			ns = d1->ns && d1->ns->href
				     ? strdup((const char *)d1->ns->href)
				     : NULL;
			local = strdup((const char *)d1->name);
		}
	}
	*out_ns = ns;
	*out_local = local;
	res->fault_ns = ns;
	res->fault_local = local;
	set_text(res, "SOAP fault %s%s%s%s", ns && *ns ? "{" : "",
		 ns && *ns ? ns : "", ns && *ns ? "}" : "",
		 local ? local : "(no faultcode)");
}

/* A media type SOAP 1.1 can travel as: text/xml (SOAP 1.1 over HTTP),
 * also application/xml, application/soap+xml and any other "+xml" type
 * (partners that use them still send XML). No Content-Type at all is
 * taken as XML too. */
static bool is_xml_type(const char *ct)
{
	if (!ct)
		return true;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	size_t n = strcspn(ct, "; \t");
	static const char *const ok[] = { "text/xml", "application/xml",
					  "application/soap+xml" };
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (n == strlen(ok[i]) && strncasecmp(ct, ok[i], n) == 0)
			return true;
	return n > 4 && strncasecmp(ct + n - 4, "+xml", 4) == 0;
}

void brt__reply_map(brt_runtime *rt, const struct brt_operation *op,
		    const char *url, long status, const char *ctype,
		    const char *buf, size_t len, struct brt_call_result *res,
		    char **fault_ns, char **fault_local)
{
	*fault_ns = *fault_local = NULL;
	bool ok = status >= 200 && status < 300;
	if (len == 0) {
		if (ok && !op->output)
			return; /* one-way, accepted */
		res->err = ok ? BRT_EPROTO : BRT_EIO;
		snprintf(res->text, sizeof res->text,
			 "%s: HTTP %ld with an empty body", url, status);
		return;
	}
	const char *why = NULL;
	if (!is_xml_type(ctype)) {
		if (ok && !op->output)
			return; /* one-way: the body does not matter */
		res->err = ok ? BRT_EPROTO : BRT_EIO;
		set_text(res, "%s: HTTP %ld, Content-Type %.100s is not XML",
			 url, status, ctype);
		return;
	}
	xmlDocPtr env = brt__soap_parse(buf, len, &why);
	if (!env) {
		if (ok && !op->output)
			return; /* one-way: the body does not matter */
		res->err = ok ? BRT_EPROTO : BRT_EIO;
		set_text(res, "%s: HTTP %ld, %s", url, status, why);
		return;
	}
	xmlNodePtr body = NULL;
	brt__soap_body_first(env, &body);
	xmlNodePtr fault = brt__soap_fault_elem(body);
	xmlNodePtr mu = brt__soap_must_understand(env);
	if (mu) {
		/* SOAP 1.1 §4.2.3: not processed at all, fault or not. */
		res->err = BRT_EPROTO;
		set_text(res,
			 "%s: HTTP %ld, header entry {%.100s}%.100s "
			 "has mustUnderstand and is not understood",
			 url, status,
			 mu->ns && mu->ns->href ? (const char *)mu->ns->href
						: "",
			 (const char *)mu->name);
	} else if (fault)
		map_fault(op, fault, res, fault_ns, fault_local);
	else if (!ok) {
		res->err = BRT_EIO;
		snprintf(res->text, sizeof res->text,
			 "%s: HTTP %ld without a SOAP fault", url, status);
	} else if (op->output && status != 200) {
		/* WS-I BP R1111: a response envelope comes with 200 OK. Any
		 * other 2xx (202 Accepted: the answer comes later, if ever;
		 * 206: part of it) does not carry the complete answer. */
		res->err = BRT_EPROTO;
		snprintf(res->text, sizeof res->text,
			 "%s: HTTP %ld, not 200, for a request-response "
			 "operation",
			 url, status);
	} else if (op->output) {
		res->msg =
			brt__soap_to_message(body, op, op->output, true, &why);
		if (!res->msg) {
			res->err = BRT_EPROTO;
			snprintf(res->text, sizeof res->text,
				 "%s: reply is not the output message of %s: "
				 "%s",
				 url, op->name, why);
		} else {
			char vwhy[300];
			int v = brt__xsd_check_message(rt ? rt->prep : NULL,
						       op->output, res->msg,
						       vwhy, sizeof vwhy);
			if (v != 0) {
				xmlFreeDoc(res->msg);
				res->msg = NULL;
				res->err = v < 0 ? BRT_ENOMEM : BRT_EPROTO;
				set_text(res,
					 "%s: reply to %s does not "
					 "validate: %s",
					 url, op->name,
					 v < 0 ? "out of memory" : vwhy);
			}
		}
	}
	xmlFreeDoc(env);
}

static void make_result(brt_call *c, CURLcode rc, struct brt_call_result *res)
{
	long status = 0;
	curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK) {
		bool big = c->too_big || rc == CURLE_FILESIZE_EXCEEDED;
		res->err = rc == CURLE_OPERATION_TIMEDOUT ? BRT_ETIMEDOUT
			   : big			  ? BRT_EPROTO
							  : BRT_EIO;
		if (big)
			set_text(res,
				 "%s: reply larger than %zu bytes "
				 "(--max-reply)",
				 c->url, c->max);
		else if (c->switched)
			set_text(res,
				 "%s: HTTP 101, the partner switched "
				 "protocols",
				 c->url);
		else
			set_text(res, "%s: %s", c->url,
				 *c->errbuf ? c->errbuf
					    : curl_easy_strerror(rc));
		return;
	}
	char *ctype = NULL;
	curl_easy_getinfo(c->easy, CURLINFO_CONTENT_TYPE, &ctype);
	brt__reply_map(c->cu->rt, c->op, c->url, status, ctype, c->resp,
		       c->resplen, res, &c->fault_ns, &c->fault_local);
}

static void check_done(struct brt_curl *cu)
{
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(cu->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		brt_call *c = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
				  (char **)&c);
		CURLcode rc = m->data.result; /* m is invalid after removal */
		if (!c)
			continue;
		struct brt_call_result res;
		memset(&res, 0, sizeof res);
		make_result(c, rc, &res);
		brt__debug(cu->rt, "invoke %s %s done: %s", c->op->name, c->url,
			   res.err	  ? res.text
			   : res.is_fault ? res.text
					  : "ok");
		/* Leave the multi before the callback: it may start or cancel
		 * other calls. */
		curl_multi_remove_handle(cu->multi, c->easy);
		c->cb(c->arg, &res);
		call_free(c);
	}
}

static void call_release(brt_runtime *rt, unsigned long epoch)
{
	struct brt_curl *cu = rt->curl;
	for (brt_call *c = cu ? cu->calls : NULL, *next; c; c = next) {
		next = c->next;
		if (!c->held || c->epoch > epoch)
			continue;
		c->held = false;
		if (curl_multi_add_handle(cu->multi, c->easy) == CURLM_OK) {
			c->added = true;
			continue;
		}
		/* From a loop callback, so the callback may run now. */
		struct brt_call_result res;
		memset(&res, 0, sizeof res);
		res.err = BRT_EIO;
		set_text(&res, "the call could not be started");
		c->cb(c->arg, &res);
		call_free(c);
	}
}

static int calls_in_flight(const brt_runtime *rt)
{
	int n = 0;
	for (brt_call *c = rt->curl ? rt->curl->calls : NULL; c; c = c->next)
		n++;
	return n;
}

const struct brt_invoke_service brt_invoke_service = {
	brt__curl_init,	  brt__curl_free,  brt__call_start,
	brt__call_cancel, calls_in_flight, call_release,
};
