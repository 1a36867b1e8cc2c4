/*
 * messaging.c — inbound and outbound messages (semantics.md §1, §2): routing
 * a message to an enabled receive, an instance's inbox or a new instance
 * (brt__engine_deliver), <receive> and its message exchanges, <reply>, and
 * <invoke> over invoke.c's calls.
 *
 * Event callbacks here only hand the message to the strand and queue it;
 * the scheduler finishes the activity (brt__receive_finish,
 * brt__invoke_finish) before the strand's next step. Who gets a message
 * is decided by correlation (correl.c, brt__corr_route); the activities
 * here check and initiate their <correlations> through correl.c too.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* An instance keeps at most this many messages nobody received yet. */
enum { INBOX_MAX = 1024 };

static bool same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static bool same_op(const struct brt_operation *a,
		    const struct brt_operation *b)
{
	return a == b || (a && b && strcmp(a->name, b->name) == 0 &&
			  same_str(a->ns, b->ns));
}

/* Two unnamed exchanges match; unnamed never matches named (§10.4.1). */
static bool same_mex(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

const struct brt_operation *brt__plink_op(const struct brt_process *p,
					  int plink, const char *name)
{
	if (plink < 0 || plink >= p->nplinks || !name)
		return NULL;
	const struct brt_partner_link *pl = &p->plinks[plink];
	for (int i = 0; i < pl->nmy_ops; i++)
		if (strcmp(pl->my_ops[i]->name, name) == 0)
			return pl->my_ops[i];
	return NULL;
}

/* ---- routing ------------------------------------------------------------- */

/* Routing itself (who gets a message) is correl.c's brt__corr_route. */

/* What a message counts against --max-inbox: its names, text and
 * attribute values, about the size of its XML text (the tree in memory is
 * a few dozen times that). One pass over the message. */
size_t brt__msg_bytes(xmlDocPtr doc)
{
	size_t n = 0;
	xmlNodePtr cur = doc ? xmlDocGetRootElement(doc) : NULL;
	while (cur) {
		n += 16;
		if (cur->type == XML_ELEMENT_NODE) {
			n += 2 * (size_t)xmlStrlen(cur->name);
			for (xmlAttrPtr a = cur->properties; a; a = a->next) {
				n += 4 + (size_t)xmlStrlen(a->name);
				if (a->children)
					n += (size_t)xmlStrlen(
						a->children->content);
			}
		} else if (cur->content)
			n += (size_t)xmlStrlen(cur->content);
		if (cur->type == XML_ELEMENT_NODE && cur->children) {
			cur = cur->children;
			continue;
		}
		while (cur && !cur->next) {
			cur = cur->parent;
			if (cur && cur->type != XML_ELEMENT_NODE)
				cur = NULL;
		}
		if (cur)
			cur = cur->next;
	}
	return n;
}

void brt__inbox_append(brt_instance *in, struct brt_inmsg *m)
{
	brt__persist_touch(in);
	if (!m->bytes)
		m->bytes = brt__msg_bytes(m->msg);
	in->inbox_bytes += m->bytes;
	if (in->inbox_tail)
		in->inbox_tail->next = m;
	else
		in->inbox_head = m;
	in->inbox_tail = m;
	in->ninbox++;
}

static int inbox_push(brt_instance *in, int plink,
		      const struct brt_operation *op, xmlDocPtr msg,
		      brt_request *req)
{
	struct brt_inmsg *m = calloc(1, sizeof *m);
	if (!m)
		return BRT_ENOMEM;
	m->plink = plink;
	m->op = op;
	m->msg = msg;
	m->req = req;
	brt__inbox_append(in, m);
	return 0;
}

/* The request being delivered carries a traceparent (http.c put it in the
 * log context): the work it causes in `in` carries it on. */
static void set_trace(brt_instance *in, const brt_runtime *rt)
{
	const char *t = rt->logctx.trace;
	if (!t || (in->trace && strcmp(in->trace, t) == 0))
		return;
	char *copy = strdup(t);
	if (!copy)
		return; /* the trace is lost, not the message */
	free(in->trace);
	in->trace = copy;
}

int brt__engine_deliver(brt_runtime *rt, int plink,
			const struct brt_operation *op, xmlDocPtr msg,
			brt_request *req)
{
	struct brt_route r;
	int err;

	if (!rt->engine || plink < 0 || plink >= rt->proc->nplinks || !op) {
		xmlFreeDoc(msg);
		return BRT_EINVAL;
	}
	rt->delivered_to = 0;
	err = brt__corr_route(rt, plink, op, msg, &r);
	if (err == 0 && !r.ima && r.in && r.in->ninbox >= INBOX_MAX) {
		brt__log(rt, "instance %lu: inbox full (%d messages)", r.in->id,
			 INBOX_MAX);
		err = BRT_ELIMIT;
	}
	size_t max_inbox = rt->max_inbox ? rt->max_inbox : BRT_MAX_INBOX;
	if (err == 0 && !r.ima && r.in) {
		size_t bytes = brt__msg_bytes(msg);
		if (r.in->inbox_bytes + bytes > max_inbox) {
			brt__log(rt,
				 "instance %lu: inbox full (%zu bytes waiting, "
				 "%zu more would pass --max-inbox)",
				 r.in->id, r.in->inbox_bytes, bytes);
			err = BRT_ELIMIT;
		}
	}
	int max_instances = rt->max_instances ? rt->max_instances
					      : BRT_MAX_INSTANCES;
	if (err == 0 && !r.ima && !r.in &&
	    brt__engine_count(rt) >= max_instances) {
		brt__log(rt, "%d instances live (--max-instances): no new one",
			 max_instances);
		err = BRT_ELIMIT;
	}
	if (err == BRT_ENOTFOUND)
		brt__metric_unmatched(rt, op);
	if (err != 0) {
		brt__log(rt, "message for %s.%s: %s",
			 rt->proc->plinks[plink].name, op->name,
			 err == BRT_ENOTFOUND ? "no instance or start activity "
						"takes it"
					      : brt_strerror(err));
		xmlFreeDoc(msg);
		/* A one-way message nobody takes is dropped, not refused
		 * (semantics.md §1); a request-response one gets a fault. */
		if (err == BRT_ENOTFOUND && !op->output) {
			brt__log(rt, "message for %s.%s dropped",
				 rt->proc->plinks[plink].name, op->name);
			return 0;
		}
		return err;
	}
	if (r.ima) {
		struct brt_ima *ima = r.ima;
		if (!ima->persistent)
			brt__ima_disable(ima);
		set_trace(ima->s->in, rt);
		rt->delivered_to = ima->s->in->id;
		if (req)
			brt__request_bind(req, ima->s->in->id);
		brt__debug(rt, "instance %lu strand %lu: received %s%s%s",
			   ima->s->in->id, ima->s->id, op->name,
			   r.fault ? ", then " : "", r.fault ? r.fault : "");
		ima->deliver(ima, msg, req, r.fault);
		return 0;
	}
	if (r.in) {
		set_trace(r.in, rt);
		err = inbox_push(r.in, plink, op, msg, req);
		if (err != 0) {
			xmlFreeDoc(msg);
			return err;
		}
		rt->delivered_to = r.in->id;
		if (req)
			brt__request_bind(req, r.in->id);
		brt__debug(rt, "instance %lu: %s kept until a receive takes it",
			   r.in->id, op->name);
		return 0;
	}
	/* --drain (an upgrade): the old build finishes what it has. */
	if (rt->drain) {
		brt__log(rt,
			 "message for %s.%s would create an instance: "
			 "refused, the service is draining",
			 rt->proc->plinks[plink].name, op->name);
		xmlFreeDoc(msg);
		return BRT_ESTATE;
	}
	/* A new instance: the message waits in its inbox, where the start
	 * activity takes it when the root strand first runs. */
	brt_instance *in = brt__instance_new(rt);
	brt_strand *root = in ? brt__strand_new(in, in->root, NULL, BRT_S_START)
			      : NULL;
	if (!root || inbox_push(in, plink, op, msg, NULL) != 0) {
		if (in)
			brt__instance_end(in, BRT_END_SHUTDOWN, NULL);
		xmlFreeDoc(msg);
		return BRT_ENOMEM;
	}
	in->inbox_tail->req = req;
	rt->delivered_to = in->id;
	if (req)
		brt__request_bind(req, in->id);
	brt__metric_started(rt);
	set_trace(in, rt);
	brt__corr_provisional(in, plink, op, msg);
	brt__log(rt, "instance %lu created by %s", in->id, op->name);
	brt__strand_queue(root);
	return 0;
}

/* ---- message exchanges --------------------------------------------------- */

/* An exchange pairs within the scope instance that declares it (an
 * onEvent's default exchange is its own; events.c: brt__mex_owner). */
static struct brt_mex **find_mex(brt_instance *in, int plink,
				 const struct brt_operation *op,
				 const char *mex, struct brt_scope_inst *owner)
{
	for (struct brt_mex **pp = &in->mexes; *pp; pp = &(*pp)->next)
		if ((*pp)->plink == plink && same_op((*pp)->op, op) &&
		    same_mex((*pp)->mex, mex) && (*pp)->owner == owner)
			return pp;
	return NULL;
}

static int open_mex(brt_instance *in, const struct brt_receive *r,
		    brt_request *req, struct brt_scope_inst *owner)
{
	struct brt_mex *m = calloc(1, sizeof *m);
	if (!m)
		return BRT_ENOMEM;
	m->plink = r->plink;
	m->op = r->op;
	m->mex = r->mex;
	m->req = req;
	m->owner = owner;
	struct brt_mex **pp = &in->mexes;
	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	return 0;
}

/* An inbound message into var (or its fromParts) with its correlations:
 * they are checked before the variable is written and initiated after, so
 * an activity that faults initiates nothing and, on a violation, writes
 * nothing. Takes msg. NEXT or FAULT. */
static enum brt_step
receive_into(brt_strand *s, int ncorr, const struct brt_correlation *corr,
	     enum brt_pattern which, const struct brt_message *m, int var,
	     int nparts, const struct brt_part_map *parts, xmlDocPtr msg)
{
	struct brt_corr_pending pend;
	if (brt__corr_check(s, ncorr, corr, which, false, m, msg, &pend) != 0) {
		xmlFreeDoc(msg);
		return BRT_STEP_FAULT;
	}
	if (brt__data_receive(s, var, nparts, parts, m, msg) ==
	    BRT_STEP_FAULT) {
		brt__corr_drop(&pend);
		return BRT_STEP_FAULT;
	}
	if (brt__corr_commit(s, &pend) != 0)
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	return BRT_STEP_NEXT;
}

/* ---- receive ------------------------------------------------------------- */

enum brt_step brt__ima_finish(brt_strand *s, const struct brt_receive *r,
			      xmlDocPtr msg, brt_request *req,
			      const char *fault)
{
	brt_instance *in = s->in;
	bool conflict = false;

	if (r->op->output) {
		struct brt_scope_inst *owner = brt__mex_owner(s, r->mex_scope);
		conflict = find_mex(in, r->plink, r->op, r->mex, owner) != NULL;
		if (open_mex(in, r, req, owner) != 0) {
			if (req)
				brt__request_fault(req, BRT_NS_BPELC,
						   "internalError", NULL,
						   "out of memory");
			xmlFreeDoc(msg);
			return brt__fault(s, BRT_NS_BPELC, "internalError",
					  NULL, "out of memory");
		}
	} else if (req) {
		/* http.c answers one-way operations itself; nothing to keep. */
		brt__request_reply(req, r->op, NULL);
	}
	if (receive_into(s, r->ncorr, r->corr, BRT_PAT_NONE, r->op->input,
			 r->var, r->nparts, r->parts, msg) == BRT_STEP_FAULT)
		return BRT_STEP_FAULT;
	if (fault)
		return brt__std_fault(s, fault, r->op->name);
	if (conflict)
		return brt__std_fault(s, "conflictingRequest", r->op->name);
	return BRT_STEP_NEXT;
}

enum brt_step brt__receive_finish(brt_strand *s)
{
	xmlDocPtr msg = s->msg;
	brt_request *req = s->req;
	const char *fault = s->recv_fault;

	s->done = BRT_D_NONE;
	s->msg = NULL;
	s->req = NULL;
	s->recv_fault = NULL;
	return brt__ima_finish(s, s->recv, msg, req, fault);
}

static void receive_deliver(struct brt_ima *ima, xmlDocPtr msg,
			    brt_request *req, const char *fault)
{
	brt_strand *s = ima->s;
	s->done = BRT_D_RECEIVE;
	s->msg = msg;
	s->req = req;
	s->recv_fault = fault;
	brt__strand_queue(s);
}

static void receive_ima(brt_strand *s, const struct brt_receive *r)
{
	memset(&s->ima, 0, sizeof s->ima);
	s->ima.s = s;
	s->ima.r = r;
	s->ima.deliver = receive_deliver;
}

int brt__receive_rearm(brt_strand *s)
{
	receive_ima(s, s->recv);
	return brt__ima_enable(&s->ima);
}

enum brt_step brt_receive(brt_strand *s, const struct brt_receive *r)
{
	brt_instance *in = s->in;
	struct brt_ima *ima = &s->ima;
	char why[300];

	s->recv = r;
	/* A start activity takes the message that created the instance even
	 * when its correlations are wrong, so the violation can answer it. */
	if (!r->create_instance && brt__ima_violation(s, r, why, sizeof why))
		return brt__std_fault(s, "correlationViolation", why);
	brt__ima_disable(ima);
	receive_ima(s, r);
	struct brt_inmsg *m = brt__inbox_take(in, &ima, 1, NULL);
	if (m) {
		s->msg = m->msg;
		s->req = m->req;
		s->recv_fault = NULL;
		free(m);
		return brt__receive_finish(s);
	}
	if (brt__ima_enable(ima) != 0)
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	s->wait = BRT_W_RECEIVE;
	return BRT_STEP_WAIT;
}

/* ---- reply --------------------------------------------------------------- */

enum brt_step brt_reply(brt_strand *s, const struct brt_reply *r)
{
	struct brt_mex **pp = find_mex(s->in, r->plink, r->op, r->mex,
				       brt__mex_owner(s, r->mex_scope));
	const struct brt_message *m = r->op->output;
	xmlDocPtr out = NULL;
	bool lent = false;

	if (!pp)
		return brt__std_fault(s, "missingRequest", r->op->name);
	if (r->fault.local) {
		m = NULL;
		for (int i = 0; i < r->op->nfaults; i++)
			if (strcmp(r->op->faults[i].name, r->fault.local) == 0)
				m = r->op->faults[i].message;
	}
	if (m && brt__data_message_lend(s, r->var, r->nparts, r->parts, m, &out,
					&lent) == BRT_STEP_FAULT)
		return BRT_STEP_FAULT;
	struct brt_corr_pending pend = { 0, NULL };
	if (out && brt__corr_check(s, r->ncorr, r->corr, BRT_PAT_NONE, true, m,
				   out, &pend) != 0) {
		if (!lent)
			xmlFreeDoc(out);
		return BRT_STEP_FAULT;
	}

	struct brt_mex *x = *pp;
	*pp = x->next;
	if (!x->req)
		brt__log(s->in->rt,
			 "instance %lu: reply to %s dropped: its request "
			 "came before a restart, the client is gone",
			 s->in->id, r->op->name);
	else {
		if (r->fault.local)
			brt__request_fault(x->req, r->op->ns, r->fault.local,
					   out, NULL);
		else
			brt__request_reply(x->req, r->op, out);
	}
	if (out && !lent)
		xmlFreeDoc(out);
	free(x);
	if (brt__corr_commit(s, &pend) != 0)
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	return BRT_STEP_NEXT;
}

/* ---- invoke -------------------------------------------------------------- */

static void invoke_done(void *arg, struct brt_call_result *res)
{
	brt_strand *s = arg;

	brt__metric_invoke(s->in->rt, s->iv->plink, s->iv->op,
			   res->err	   ? BRT_CALL_ERROR
			   : res->is_fault ? BRT_CALL_FAULT
					   : BRT_CALL_OK,
			   brt__now() - s->call_t0);
	s->call = NULL;
	if (s->call_msg) {
		xmlFreeDoc(s->call_msg);
		s->call_msg = NULL;
	}
	s->done = BRT_D_INVOKE;
	s->call_err = res->err;
	s->call_is_fault = res->is_fault;
	s->call_fault_decl = res->fault_decl;
	if (res->is_fault) {
		s->msg = res->fault_data;
		res->fault_data = NULL;
		if (res->msg)
			xmlFreeDoc(res->msg);
	} else {
		s->msg = res->msg;
		if (res->fault_data)
			xmlFreeDoc(res->fault_data);
		res->fault_data = NULL;
	}
	res->msg = NULL;
	free(s->call_text);
	s->call_text = strdup(res->text);
	free(s->call_fault_ns);
	free(s->call_fault_local);
	s->call_fault_ns = s->call_fault_local = NULL;
	if (res->is_fault && !res->fault_decl && res->fault_local) {
		s->call_fault_ns = strdup(res->fault_ns ? res->fault_ns : "");
		s->call_fault_local = strdup(res->fault_local);
	}
	brt__strand_queue(s);
}

enum brt_step brt__invoke_finish(brt_strand *s)
{
	const struct brt_invoke *iv = s->iv;
	xmlDocPtr msg = s->msg;
	char why[300];

	s->done = BRT_D_NONE;
	s->msg = NULL;
	if (s->call_interrupted) {
		/* docs/runtime.md: the partner may or may not have done the
		 * work; the process decides in its fault handler. */
		s->call_interrupted = false;
		if (msg)
			xmlFreeDoc(msg);
		snprintf(why, sizeof why,
			 "invoke %s: the service stopped while the call was "
			 "in flight",
			 iv->op->name);
		return brt__fault(s, BRT_NS_BPELC, "invokeInterrupted", NULL,
				  why);
	}
	snprintf(why, sizeof why, "invoke %s: %s", iv->op->name,
		 s->call_text && *s->call_text ? s->call_text : "failed");
	if (s->call_err != 0) {
		if (msg)
			xmlFreeDoc(msg);
		return brt__fault(s, BRT_NS_BPELC, "invokeFailed", NULL, why);
	}
	if (s->call_is_fault) {
		const struct brt_fault_decl *d = s->call_fault_decl;
		if (d)
			return brt__fault_typed(s, iv->op->ns, d->name, msg,
						d->message, why);
		/* Undeclared: named as invoke.c found it (the detail's
		 * element, else the faultcode); catchAll always fits. */
		if (s->call_fault_local && *s->call_fault_local)
			return brt__fault(s, s->call_fault_ns,
					  s->call_fault_local, msg, why);
		return brt__fault(s, BRT_NS_BPELC, "undeclaredFault", msg, why);
	}
	if (!iv->op->output) {
		if (msg)
			xmlFreeDoc(msg);
		return BRT_STEP_NEXT;
	}
	if (!msg)
		return brt__fault(s, BRT_NS_BPELC, "invokeFailed", NULL,
				  "no response message");
	/* pattern="response"/"request-response". */
	return receive_into(s, iv->ncorr, iv->corr, BRT_PAT_RESPONSE,
			    iv->op->output, iv->out_var, iv->nfrom,
			    iv->from_parts, msg);
}

enum brt_step brt_invoke(brt_strand *s, const struct brt_invoke *iv)
{
	brt_runtime *rt = s->in->rt;
	const char *url = brt__strand_partner_url(s, iv->plink);
	xmlDocPtr msg = NULL;
	bool lent = false;

	if (!url || !*url)
		return brt__std_fault(s, "uninitializedPartnerRole",
				      rt->proc->plinks[iv->plink].name);
	/* An address from message data must not make the service connect
	 * anywhere (--epr-allow). Refused before any connection, so
	 * neither the fault nor the log can tell what is reachable. */
	if (s->in->plink_url[iv->plink] == url && !brt__epr_allowed(rt, url)) {
		brt__log(
			rt,
			"instance %lu: invoke %s: partner link %s was given an "
			"address --epr-allow does not allow; not called",
			s->in->id, iv->op->name,
			rt->proc->plinks[iv->plink].name);
		return brt__fault(s, BRT_NS_BPELC, "invokeFailed", NULL,
				  "the partner link's address is not allowed "
				  "(--epr-allow)");
	}
	if (brt__data_message_lend(s, iv->in_var, iv->nto, iv->to_parts,
				   iv->op->input, &msg,
				   &lent) == BRT_STEP_FAULT)
		return BRT_STEP_FAULT;
	struct brt_corr_pending pend = { 0, NULL };
	if (msg && brt__corr_check(s, iv->ncorr, iv->corr, BRT_PAT_REQUEST,
				   true, iv->op->input, msg, &pend) != 0) {
		if (!lent)
			xmlFreeDoc(msg);
		return BRT_STEP_FAULT;
	}
	/* The call serialises msg before it returns. A process without an
	 * invoker (bpelrt.h) has no <invoke>; a hand-made one faults. */
	const struct brt_invoke_service *svc = rt->proc->invoker;
	brt_call *c = svc ? svc->start(rt, url, iv->op, msg, invoke_done, s)
			  : NULL;
	/* A partner that may be called again after a restart: keep the
	 * request (the variable may change meanwhile). */
	xmlDocPtr keep = c && msg && brt__persist_resends(rt, iv->plink)
				 ? xmlCopyDoc(msg, 1)
				 : NULL;
	if (msg && !lent)
		xmlFreeDoc(msg);
	if (!c) {
		brt__corr_drop(&pend);
		return brt__fault(s, BRT_NS_BPELC, "invokeFailed", NULL,
				  "the call could not be started");
	}
	if (brt__corr_commit(s, &pend) != 0) {
		svc->cancel(c);
		if (keep)
			xmlFreeDoc(keep);
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	}
	s->iv = iv;
	s->call = c;
	s->call_t0 = brt__now();
	s->wait = BRT_W_INVOKE;
	if (s->call_msg)
		xmlFreeDoc(s->call_msg);
	s->call_msg = keep;
	return BRT_STEP_WAIT;
}

int brt__invoke_resend(brt_strand *s)
{
	brt_runtime *rt = s->in->rt;
	const struct brt_invoke_service *svc = rt->proc->invoker;
	const char *url = brt__strand_partner_url(s, s->iv->plink);
	if (!svc || !url || !*url || !brt__persist_resends(rt, s->iv->plink))
		return BRT_EINVAL;
	/* Saved before --resend named the link: the request is made again
	 * from the input variable, as the invoke made it. */
	const struct brt_invoke *iv = s->iv;
	if (!s->call_msg &&
	    brt__data_message(s, iv->in_var, iv->nto, iv->to_parts,
			      iv->op->input, &s->call_msg) == BRT_STEP_FAULT) {
		brt__fault_clear(&s->fault);
		return BRT_EINVAL;
	}
	s->call = svc->start(rt, url, s->iv->op, s->call_msg, invoke_done, s);
	if (!s->call)
		return BRT_EIO;
	brt__log(rt, "instance %lu: invoke %s sent again after a restart",
		 s->in->id, s->iv->op->name);
	s->wait = BRT_W_INVOKE;
	return 0;
}
