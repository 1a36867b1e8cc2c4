/*
 * check_msg.c — messaging activities (<receive>, <reply>, <invoke>,
 * <onMessage>, <onEvent>): SA00005 (portType matches the role), SA00047
 * (message data present), SA00048/SA00058/SA00087 (variable fits the
 * operation's message), SA00050 (every part has a toPart), SA00051/52/55/
 * 59/63/85 (variable together with toParts/fromParts), SA00053/SA00054
 * (fromPart/toPart name a part), SA00060/SA00061/SA00089 (message
 * exchanges), SA00062 (start pick with onAlarm), SA00084 (onEvent partner
 * link), SA00090 (onEvent variable type).
 *
 * Which operation an activity uses comes from chk_msgref; when any of
 * partner link, role, portType or operation does not resolve, the rules
 * that need it are skipped (resolve reports the name).
 */
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

static bool is_ima(xmlNodePtr n)
{
	return chk_is(n, "receive") || chk_is(n, "onMessage") ||
	       chk_is(n, "onEvent");
}

static bool is_messaging(xmlNodePtr n)
{
	return is_ima(n) || chk_is(n, "reply") || chk_is(n, "invoke");
}

static const char *name_of(xmlNodePtr n)
{
	const char *s = chk_attr(n, "name");
	return s ? s : "(unnamed)";
}

/* Does a variable fit message msg: the same messageType, or an element
 * variable when msg has exactly one part, defined by that element. */
static bool fits(struct chk *c, struct chk_var *v, struct chk_def *msg)
{
	struct chk_qn mq = { msg->ns, msg->local };
	if (v->kind == VK_MESSAGE)
		return chk_qn_eq(v->q, mq);
	if (v->kind == VK_ELEMENT) {
		if (chk_message_nparts(msg->node) != 1)
			return false;
		CHK_EACH(p, msg->node)
		if (chk_is_ns(p, NS_WSDL, "part"))
			return chk_qn_eq(chk_qattr(c, p, "element"), v->q);
	}
	return v->kind == VK_UNKNOWN;
}

/* The message a <reply faultName> sends: the named WSDL fault's. */
static struct chk_def *fault_message(struct chk *c, xmlNodePtr act,
				     xmlNodePtr op)
{
	struct chk_qn fq = chk_qattr(c, act, "faultName");
	CHK_EACH(f, op)
	if (chk_is_ns(f, NS_WSDL, "fault") && fq.local && chk_attr(f, "name") &&
	    strcmp(chk_attr(f, "name"), fq.local) == 0)
		return chk_def_find(c, CD_MESSAGE, chk_qattr(c, f, "message"));
	return NULL;
}

static void var_fits(struct chk *c, xmlNodePtr act, const char *attr,
		     struct chk_def *msg, const char *rule)
{
	const char *name = chk_attr(act, attr);
	struct chk_var v;
	if (!name || !msg || !chk_var_ref(c, act, attr, &v))
		return;
	if (!fits(c, &v, msg))
		chk_err(c, act, rule,
			"%s '%s' of <%s> '%s' does not match message %s of operation '%s'",
			attr, name, (const char *)act->name, name_of(act),
			chk_qn_str(c, (struct chk_qn){ msg->ns, msg->local }),
			chk_attr(act, "operation"));
}

/* Parts: toParts must cover the message, each part named must exist. */
static void parts(struct chk *c, xmlNodePtr act, const char *box,
		  struct chk_def *msg, const char *rule_missing_part,
		  const char *rule_unknown_part)
{
	xmlNodePtr b = chk_child(act, box);
	if (!b || !msg)
		return;
	const char *item = strcmp(box, "toParts") == 0 ? "toPart" : "fromPart";
	CHK_EACH(p, b)
	if (chk_is(p, item) && chk_attr(p, "part") &&
	    !chk_message_part(msg->node, chk_attr(p, "part")))
		chk_err(c, p, rule_unknown_part,
			"<%s part='%s'>: message %s has no such part", item,
			chk_attr(p, "part"), msg->local);
	if (!rule_missing_part)
		return;
	CHK_EACH(mp, msg->node)
	{
		if (!chk_is_ns(mp, NS_WSDL, "part"))
			continue;
		bool found = false;
		CHK_EACH(p, b)
		if (chk_is(p, item) && chk_attr(p, "part") &&
		    chk_attr(mp, "name") &&
		    strcmp(chk_attr(p, "part"), chk_attr(mp, "name")) == 0)
			found = true;
		if (!found)
			chk_err(c, b, rule_missing_part,
				"<toParts> has no <toPart> for part '%s' of message %s",
				chk_attr(mp, "name") ? chk_attr(mp, "name")
						     : "",
				msg->local);
	}
}

/* One side of the data: variable attribute vs. toParts/fromParts. */
static void data_side(struct chk *c, xmlNodePtr act, const char *var_attr,
		      const char *box, struct chk_def *msg,
		      const char *rule_both)
{
	bool has_var = chk_attr(act, var_attr) != NULL,
	     has_box = chk_child(act, box) != NULL;
	if (has_var && has_box && rule_both) {
		chk_err(c, act, rule_both, "<%s> '%s' has both %s and <%s>",
			(const char *)act->name, name_of(act), var_attr, box);
		return;
	}
	if (!msg)
		return;
	int nparts = chk_message_nparts(msg->node);
	if (nparts == 0 && has_box)
		chk_err(c, act, "SA00047",
			"<%s> of <%s> '%s': message %s has no parts", box,
			(const char *)act->name, name_of(act), msg->local);
	else if (nparts > 0 && !has_var && !has_box)
		chk_err(c, act, "SA00047",
			"<%s> '%s' needs %s or <%s> for message %s",
			(const char *)act->name, name_of(act), var_attr, box,
			msg->local);
}

static void sa00005(struct chk *c, xmlNodePtr act, struct chk_msgref *r)
{
	struct chk_qn pt = chk_qattr(c, act, "portType");
	if (!pt.local || !r->port_type)
		return;
	struct chk_qn want = { r->port_type->ns, r->port_type->local };
	if (!chk_qn_eq(pt, want))
		chk_err(c, act, "SA00005",
			"portType %s of <%s> '%s' is not %s, the portType of partner link '%s''s %s",
			chk_qn_str(c, pt), (const char *)act->name,
			name_of(act), chk_qn_str(c, want),
			chk_attr(act, "partnerLink"),
			chk_is(act, "invoke") ? "partnerRole" : "myRole");
}

static void onevent(struct chk *c, xmlNodePtr ev)
{
	bool v = chk_attr(ev, "variable"), mt = chk_attr(ev, "messageType"),
	     el = chk_attr(ev, "element");
	if (chk_child(ev, "fromParts") && (v || mt || el))
		chk_err(c, ev, "SA00085",
			"<onEvent> has <fromParts> together with %s",
			v    ? "variable"
			: mt ? "messageType"
			     : "element");
	else if (v && mt == el)
		chk_err(c, ev, "SA00090",
			"<onEvent> variable '%s' needs exactly one of messageType or element",
			chk_attr(ev, "variable"));
	const char *pl = chk_attr(ev, "partnerLink");
	struct bpel_partner_link *bound = chk_plink_ref(c, ev);
	xmlNodePtr decl = bound ? bound->node : NULL;
	if (pl && !decl)
		chk_err(c, ev, "SA00084",
			"<onEvent> partnerLink '%s' is not declared in its scope or an enclosing one",
			pl);
	else if (decl && !chk_attr(decl, "myRole"))
		chk_err(c, ev, "SA00084",
			"<onEvent> partnerLink '%s' has no myRole", pl);
	else if (decl) {
		struct chk_def *pt = chk_plink_port_type(c, decl, true);
		if (pt && !chk_operation(pt, chk_attr(ev, "operation")))
			chk_err(c, ev, "SA00084",
				"<onEvent> operation '%s' is not in portType %s of partner link '%s'",
				chk_attr(ev, "operation")
					? chk_attr(ev, "operation")
					: "",
				pt->local, pl);
	}
}

static void onevent_type(struct chk *c, xmlNodePtr ev, struct chk_def *in)
{
	if (!in)
		return;
	struct chk_var v = { NULL, VK_UNKNOWN, { NULL, NULL } };
	if (chk_attr(ev, "messageType")) {
		v.kind = VK_MESSAGE;
		v.q = chk_qattr(c, ev, "messageType");
	} else if (chk_attr(ev, "element")) {
		v.kind = VK_ELEMENT;
		v.q = chk_qattr(c, ev, "element");
	} else {
		return;
	}
	if (!fits(c, &v, in))
		chk_err(c, ev, "SA00087",
			"<onEvent> %s %s does not match the input message %s of operation '%s'",
			v.kind == VK_MESSAGE ? "messageType" : "element",
			chk_qn_str(c, v.q), in->local,
			chk_attr(ev, "operation"));
}

static void messaging(struct chk *c, xmlNodePtr act)
{
	if (chk_is(act, "onEvent"))
		onevent(c, act);
	struct chk_msgref r;
	bool ok = chk_msgref(c, act, &r);
	if (r.port_type)
		sa00005(c, act, &r);
	if (chk_is(act, "invoke")) {
		enum wsdl_op_kind k = ok ? chk_op_kind(r.op) : WSDL_ONE_WAY;
		data_side(c, act, "inputVariable", "toParts", ok ? r.in : NULL,
			  "SA00051");
		if (chk_attr(act, "outputVariable") &&
		    chk_child(act, "fromParts"))
			chk_err(c, act, "SA00052",
				"<invoke> '%s' has both outputVariable and <fromParts>",
				name_of(act));
		else if (ok && k == WSDL_REQUEST_RESPONSE)
			data_side(c, act, "outputVariable", "fromParts", r.out,
				  NULL);
		if (!ok)
			return;
		var_fits(c, act, "inputVariable", r.in, "SA00048");
		if (k == WSDL_REQUEST_RESPONSE)
			var_fits(c, act, "outputVariable", r.out, "SA00048");
		parts(c, act, "toParts", r.in, "SA00050", "SA00054");
		parts(c, act, "fromParts", r.out, NULL, "SA00053");
	} else if (chk_is(act, "reply")) {
		struct chk_def *msg = !ok ? NULL
				      : chk_attr(act, "faultName")
					      ? fault_message(c, act, r.op)
					      : r.out;
		data_side(c, act, "variable", "toParts", msg, "SA00059");
		var_fits(c, act, "variable", msg, "SA00058");
		parts(c, act, "toParts", msg, "SA00050", "SA00054");
	} else {
		const char *both = chk_is(act, "receive")     ? "SA00055"
				   : chk_is(act, "onMessage") ? "SA00063"
							      : NULL;
		if (!chk_is(act, "onEvent") || !chk_attr(act, "messageType"))
			data_side(c, act, "variable", "fromParts",
				  ok ? r.in : NULL, both);
		if (chk_is(act, "onEvent"))
			onevent_type(c, act, ok ? r.in : NULL);
		else
			var_fits(c, act, "variable", ok ? r.in : NULL,
				 "SA00058");
		parts(c, act, "fromParts", ok ? r.in : NULL, NULL, "SA00053");
	}
}

/* ---- message exchanges (SA00060, SA00061, SA00089) ---- */

struct mex_use {
	xmlNodePtr act;
	xmlNodePtr plink; /* declaration, NULL: unresolved */
	const char *op;
	const char *mex_name; /* NULL: the default exchange */
	xmlNodePtr mex;	      /* declaration, NULL: default or unresolved */
	bool request_response;
	bool known; /* plink and operation resolved */
};

enum { MEX_CAP = 1024 };

struct mex_ctx {
	struct mex_use use[MEX_CAP];
	int n;
};

static void collect(struct chk *c, xmlNodePtr n, void *ud)
{
	struct mex_ctx *x = ud;
	if (!(is_ima(n) || chk_is(n, "reply")) || x->n >= MEX_CAP)
		return;
	struct mex_use *u = &x->use[x->n++];
	memset(u, 0, sizeof(*u));
	u->act = n;
	u->op = chk_attr(n, "operation");
	u->mex_name = chk_attr(n, "messageExchange");
	struct bpel_partner_link *pl = chk_plink_ref(c, n);
	u->plink = pl ? pl->node : NULL;
	if (u->mex_name) {
		struct bpel_mex *mex = chk_mex_ref(c, n);
		u->mex = mex ? mex->node : NULL;
		if (!u->mex)
			chk_err(c, n,
				chk_is(n, "onEvent") ? "SA00089" : "SA00061",
				"messageExchange '%s' of <%s> '%s' is not declared in an enclosing scope",
				u->mex_name, (const char *)n->name, name_of(n));
	}
	struct chk_def *pt = u->plink ? chk_plink_port_type(c, u->plink, true)
				      : NULL;
	xmlNodePtr op = chk_operation(pt, u->op);
	u->known = op != NULL;
	u->request_response = op && chk_op_kind(op) == WSDL_REQUEST_RESPONSE;
}

static bool same_exchange(struct mex_use *a, struct mex_use *b)
{
	if (a->plink != b->plink || !a->op || !b->op ||
	    strcmp(a->op, b->op) != 0)
		return false;
	if (!a->mex_name || !b->mex_name)
		return !a->mex_name && !b->mex_name;
	if (a->mex || b->mex)
		return a->mex == b->mex;
	return strcmp(a->mex_name, b->mex_name) == 0;
}

/* The child of `anc` on the path to n. */
static xmlNodePtr branch_of(xmlNodePtr anc, xmlNodePtr n)
{
	for (; n && n->parent != anc; n = n->parent)
		;
	return n;
}

/* Does n or anything in it take part in links (which may order it)? */
static bool has_links(xmlNodePtr n)
{
	if (chk_is(n, "sources") || chk_is(n, "targets"))
		return true;
	CHK_EACH(ch, n)
	if (has_links(ch))
		return true;
	return false;
}

/* Are a and b in different branches of a <flow> with nothing between
 * that gives them their own default exchange (onEvent, parallel forEach)
 * and no links that could order them? IMAs told apart by correlation are
 * left to run time (ambiguousReceive/conflictingReceive). */
static bool concurrent(xmlNodePtr a, xmlNodePtr b)
{
	for (xmlNodePtr p = a->parent; p && p->type == XML_ELEMENT_NODE;
	     p = p->parent) {
		if (chk_is(p, "onEvent") ||
		    (chk_is(p, "forEach") && chk_yes(p, "parallel")))
			return false;
		if (chk_contains(p, b))
			return chk_is(p, "flow") &&
			       branch_of(p, a) != branch_of(p, b) &&
			       !has_links(branch_of(p, a)) &&
			       !has_links(branch_of(p, b));
	}
	return false;
}

static void exchanges(struct chk *c)
{
	struct mex_ctx *x = calloc(1, sizeof(*x));
	if (!x)
		return;
	chk_walk(c, collect, x);
	for (int i = 0; i < x->n; i++) {
		struct mex_use *u = &x->use[i];
		if (!u->known || !u->request_response || !u->plink)
			continue;
		bool is_reply = chk_is(u->act, "reply");
		if (!is_reply && !u->mex_name)
			continue; /* an IMA on the default exchange may stay unanswered */
		bool paired = false;
		for (int j = 0; j < x->n && !paired; j++)
			if (j != i &&
			    chk_is(x->use[j].act, "reply") != is_reply &&
			    same_exchange(u, &x->use[j]))
				paired = true;
		if (!paired)
			chk_err(c, u->act, "SA00061",
				"<%s> '%s' has no matching %s on partner link '%s', operation '%s' and %s",
				(const char *)u->act->name, name_of(u->act),
				is_reply ? "inbound message activity"
					 : "<reply>",
				chk_attr(u->act, "partnerLink"), u->op,
				u->mex_name ? "the same messageExchange"
					    : "the default messageExchange");
	}
	for (int i = 0; i < x->n; i++)
		for (int j = i + 1; j < x->n; j++) {
			struct mex_use *a = &x->use[i], *b = &x->use[j];
			if (!is_ima(a->act) || !is_ima(b->act) || a->mex_name ||
			    b->mex_name || !a->request_response ||
			    !same_exchange(a, b) ||
			    chk_child(a->act, "correlations") ||
			    chk_child(b->act, "correlations"))
				continue;
			if (concurrent(a->act, b->act))
				chk_err(c, b->act, "SA00060",
					"<%s> '%s' and <%s> '%s' can be open at once on the same operation; give them distinct messageExchanges",
					(const char *)a->act->name,
					name_of(a->act),
					(const char *)b->act->name,
					name_of(b->act));
		}
	free(x);
}

static void visit(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)ud;
	if (is_messaging(n))
		messaging(c, n);
	else if (chk_is(n, "pick") && chk_yes(n, "createInstance") &&
		 chk_child(n, "onAlarm"))
		chk_err(c, chk_child(n, "onAlarm"), "SA00062",
			"<pick createInstance='yes'> '%s' must not have an <onAlarm>",
			name_of(n));
}

void check_msg(struct chk *c)
{
	chk_walk(c, visit, NULL);
	exchanges(c);
}
