/*
 * transport.c — test mode's stand-in for http.c: the same functions the
 * engine and main.c call (brt__request_*, brt__http_*), but no socket.
 * The case (run.c) and mocked partners' callbacks (mock.c) hand messages
 * to brt__engine_deliver directly; a request-response exchange is a
 * brt_request that records the process's answer in a struct tm_exchange.
 *
 * Not here: what a case expects of the answer (run.c). libbpelrt-test.a
 * is the runtime without http.o plus this file, so a service never
 * contains it; a function added to http.c that the rest of the runtime
 * calls needs its stand-in here (`make bpel-tests` fails to link
 * otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include "testmode.h"

struct brt_request {
	struct tmode *t;
	struct tm_exchange *x;
	const struct brt_operation *op;
};

static char *dup0(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* The .bpel place that is answering: the state running now. */
static char *where_now(struct tmode *t)
{
	return t->cur_state >= 0 ? dup0(tm_state_name(t, t->cur_state)) : NULL;
}

void brt__request_reply(brt_request *req, const struct brt_operation *op,
			xmlDocPtr msg)
{
	if (!req)
		return;
	struct tmode *t = req->t;
	struct tm_exchange *x = req->x;
	if (!op)
		op = req->op;
	t->nopen--;
	if (x && !x->answered) {
		x->answered = true;
		x->answer = msg ? xmlCopyDoc(msg, 1) : NULL;
		x->where = where_now(t);
		tm_trace(t, "reply to %s.%s (%s)",
			 t->proc.plinks[x->plink].name, op ? op->name : "?",
			 x->where ? x->where : "?");
		tm_trace_doc(t, msg);
	}
	free(req);
}

void brt__request_fault(brt_request *req, const char *fault_ns,
			const char *fault_local, xmlDocPtr data,
			const char *text)
{
	if (!req)
		return;
	struct tmode *t = req->t;
	struct tm_exchange *x = req->x;
	t->nopen--;
	if (x && !x->answered) {
		x->answered = true;
		x->is_fault = true;
		x->fault_ns = dup0(fault_ns);
		x->fault_local = dup0(fault_local);
		x->fault_text = dup0(text);
		x->answer = data ? xmlCopyDoc(data, 1) : NULL;
		x->where = where_now(t);
		tm_trace(t, "fault {%s}%s%s%s to %s.%s (%s)",
			 fault_ns ? fault_ns : "",
			 fault_local ? fault_local : "", text ? ": " : "",
			 text ? text : "", t->proc.plinks[x->plink].name,
			 x->op->name, x->where ? x->where : "?");
		tm_trace_doc(t, data);
	}
	free(req);
}

void tm_transport_send(struct tmode *t, int plink,
		       const struct brt_operation *op, xmlDocPtr msg,
		       struct tm_exchange *x)
{
	brt_request *req = NULL;
	if (op->output && x) {
		req = calloc(1, sizeof *req);
		if (!req) {
			xmlFreeDoc(msg);
			x->answered = true;
			x->is_fault = true;
			x->fault_text = dup0("out of memory");
			return;
		}
		req->t = t;
		req->x = x;
		req->op = op;
		t->nopen++;
	}
	int err = brt__engine_deliver(t->rt, plink, op, msg, req);
	if (err < 0) {
		/* http.c answers a fault for a message nobody takes. */
		char why[200];
		snprintf(why, sizeof why, "message refused: %s",
			 err == BRT_ENOTFOUND ? "no instance or start activity "
						"takes it"
					      : brt_strerror(err));
		if (req)
			brt__request_fault(req, NULL, "Client", NULL, why);
		else
			tm_trace(t, "%s", why);
	}
	tm_note_instances(t);
}

/* ---- what main.c and the engine expect of the server -------------------- */

int brt__http_start(brt_runtime *rt)
{
	(void)rt;
	return 0;
}

int brt__http_check_listen(const char *s)
{
	(void)s;
	return 0;
}

int brt__http_port(const brt_runtime *rt)
{
	(void)rt;
	return -1;
}

void brt__http_stop(brt_runtime *rt)
{
	(void)rt;
}

int brt__http_open_requests(const brt_runtime *rt)
{
	const struct tmode *t = rt->test_ctx;
	return t ? t->nopen : 0;
}

void brt__http_free(brt_runtime *rt)
{
	(void)rt;
}

/* Test mode has no store (`--store none`): nothing is ever held. */
void brt__http_release(brt_runtime *rt, unsigned long epoch)
{
	(void)rt;
	(void)epoch;
}

/* Test mode has no shared store: no instance is ever dropped. */
void brt__request_bind(brt_request *r, unsigned long inst)
{
	(void)r;
	(void)inst;
}

void brt__request_abandon(brt_request *r)
{
	brt__request_fault(r, NULL, "Server", NULL, "the instance was dropped");
}

void brt__http_abandon(brt_runtime *rt, unsigned long inst)
{
	(void)rt;
	(void)inst;
}

/* Test mode has one node and no shared store (`--store none`): the
 * cluster never forwards or relays a message, so these are never reached;
 * they answer with a fault rather than pretend. */
void brt__http_deliver(brt_request *r, int plink,
		       const struct brt_operation *op, xmlDocPtr msg)
{
	(void)plink;
	(void)op;
	xmlFreeDoc(msg);
	brt__request_fault(r, NULL, "Server", NULL,
			   "(bug) a message routed between nodes in test mode");
}

void brt__request_relay(brt_request *r, int status, const char *ctype,
			const char *buf, size_t len)
{
	(void)status;
	(void)ctype;
	(void)buf;
	(void)len;
	brt__request_fault(r, NULL, "Server", NULL,
			   "(bug) an answer relayed from another node in test "
			   "mode");
}

struct evhttp_request *brt__request_evhttp(const brt_request *r)
{
	(void)r;
	return NULL;
}

unsigned long brt__request_id(const brt_request *r)
{
	(void)r;
	return 0;
}
