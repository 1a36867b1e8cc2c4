/*
 * model_bpel.c — the BPEL part of the model (see model.h).
 *
 * Turns the <process> element into struct bpel_process: declarations of
 * the process and of every scope, handlers, and the activity tree with
 * all attributes and child elements as written. It is lenient on purpose:
 * it records what is there (keeping `node` on every construct) and leaves
 * judging malformed combinations to check_*.c; where a construct has
 * several forms at once it picks one deterministically. Only two things
 * are errors here: an unknown element of the BPEL namespace where an
 * activity is expected, and unreadable attribute values (yes/no, enums,
 * undeclared QName prefixes). Elements of other namespaces (extensions)
 * and <documentation> are skipped. Names are bound by resolve.c.
 */
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "model_parse.h"

struct bp {
	struct load_file *f;
	struct arena *a;
	struct bpel_process *proc;
	struct bpel_scope *scope; /* innermost scope being parsed */
};

static struct bpel_activity *bp_activity(struct bp *b, xmlNodePtr n,
					 struct bpel_activity *parent);

static const char *const bp_act_names[BPEL_ACT__COUNT] = {
#define ACT(kind, element) element,
#include "activities.def"
#undef ACT
};

const char *model_element_name(enum bpel_act_kind kind)
{
	return (unsigned)kind < BPEL_ACT__COUNT ? bp_act_names[kind] : "?";
}

/* The activity kind of a BPEL element name; -1 when it is not one of the
 * activities that may stand where an activity is expected. */
static int bp_kind_of(const char *local)
{
	for (int k = 0; k < BPEL_ACT__COUNT; k++) {
		if (k == BPEL_ACT_ELSEIF || k == BPEL_ACT_ELSE ||
		    k == BPEL_ACT_ON_MESSAGE || k == BPEL_ACT_ON_EVENT)
			continue;
		if (strcmp(bp_act_names[k], local) == 0)
			return k;
	}
	return -1;
}

static bool bp_is(xmlNodePtr n, const char *local)
{
	return load_is(n, NS_BPEL, local);
}

static bool bp_in_ns(xmlNodePtr n)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, NS_BPEL) == 0;
}

static struct loc bp_loc(struct bp *b, xmlNodePtr n)
{
	return load_loc(b->f, n);
}

static const char *bp_attr(struct bp *b, xmlNodePtr n, const char *name)
{
	return load_attr(b->f, n, name);
}

/* Expression or query held by element n: its trimmed text, the language
 * written on it or the process default. */
static struct bpel_expr *bp_expr(struct bp *b, xmlNodePtr n, bool is_query)
{
	struct bpel_expr *e = ARENA_NEW(b->a, struct bpel_expr);
	e->text = load_text(b->f, n);
	e->lang = bp_attr(b, n,
			  is_query ? "queryLanguage" : "expressionLanguage");
	if (!e->lang)
		e->lang = is_query ? b->proc->query_language
				   : b->proc->expression_language;
	e->node = n;
	e->loc = bp_loc(b, n);
	return e;
}

/* The first child element {NS_BPEL}local of n, or NULL. */
static xmlNodePtr bp_child(xmlNodePtr n, const char *local)
{
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next))
		if (bp_is(c, local))
			return c;
	return NULL;
}

static bool bp_in_list(const char *local, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(*list, local) == 0)
			return true;
	return false;
}

/* The activities among n's children, in order, skipping the BPEL elements
 * named in `skip` (the container's own syntax), <documentation>,
 * <targets>/<sources> and every element of another namespace. Anything
 * else in the BPEL namespace is an unknown activity. */
static struct bpel_activity *bp_children(struct bp *b, xmlNodePtr n,
					 struct bpel_activity *parent,
					 const char *const *skip)
{
	struct bpel_activity *head = NULL, **tail = &head;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (!bp_in_ns(c))
			continue;
		const char *local = (const char *)c->name;
		if (strcmp(local, "documentation") == 0 ||
		    strcmp(local, "targets") == 0 ||
		    strcmp(local, "sources") == 0 || bp_in_list(local, skip))
			continue;
		struct bpel_activity *a = bp_activity(b, c, parent);
		if (a) {
			*tail = a;
			tail = &a->next;
		}
	}
	return head;
}

/* Containers that hold exactly one activity: take the first, report the
 * rest (the schema allows one). */
static struct bpel_activity *bp_single(struct bp *b, xmlNodePtr n,
				       struct bpel_activity *parent,
				       const char *const *skip)
{
	struct bpel_activity *list = bp_children(b, n, parent, skip);
	if (list && list->next) {
		struct loc l = list->next->loc;
		diag_error(b->f->dg, &l, NULL,
			   "<%s> must contain exactly one activity",
			   (const char *)n->name);
	}
	if (list)
		list->next = NULL;
	return list;
}

/* ---- standard elements ------------------------------------------------- */

/* <targets> : joinCondition?, target+ ; <sources> : (source : transitionCondition?)+ */
static void bp_links(struct bp *b, xmlNodePtr n, struct bpel_activity *a)
{
	struct bpel_link_ref **ttail = &a->targets, **stail = &a->sources;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		bool is_t = bp_is(c, "targets");
		if (!is_t && !bp_is(c, "sources"))
			continue;
		for (xmlNodePtr d = load_elem(c->children); d;
		     d = load_elem(d->next)) {
			if (is_t && bp_is(d, "joinCondition")) {
				a->join_condition = bp_expr(b, d, false);
				continue;
			}
			if (!bp_is(d, is_t ? "target" : "source"))
				continue;
			struct bpel_link_ref *r =
				ARENA_NEW(b->a, struct bpel_link_ref);
			r->link_name = bp_attr(b, d, "linkName");
			r->node = d;
			r->loc = bp_loc(b, d);
			if (!is_t) {
				xmlNodePtr tc =
					bp_child(d, "transitionCondition");
				if (tc)
					r->transition = bp_expr(b, tc, false);
			}
			if (is_t) {
				*ttail = r;
				ttail = &r->next;
			} else {
				*stail = r;
				stail = &r->next;
			}
		}
	}
}

/* <correlations> : <correlation set initiate? pattern?>+ */
static struct bpel_correlation *bp_correlations(struct bp *b, xmlNodePtr n)
{
	struct bpel_correlation *head = NULL, **tail = &head;
	xmlNodePtr cs = bp_child(n, "correlations");
	if (!cs)
		return NULL;
	for (xmlNodePtr c = load_elem(cs->children); c;
	     c = load_elem(c->next)) {
		if (!bp_is(c, "correlation"))
			continue;
		struct bpel_correlation *k =
			ARENA_NEW(b->a, struct bpel_correlation);
		k->set_name = bp_attr(b, c, "set");
		k->node = c;
		k->loc = bp_loc(b, c);
		const char *init = bp_attr(b, c, "initiate");
		if (!init || strcmp(init, "no") == 0)
			k->initiate = BPEL_INIT_NO;
		else if (strcmp(init, "yes") == 0)
			k->initiate = BPEL_INIT_YES;
		else if (strcmp(init, "join") == 0)
			k->initiate = BPEL_INIT_JOIN;
		else
			diag_error(
				b->f->dg, &k->loc, NULL,
				"initiate must be \"yes\", \"join\" or \"no\", not \"%s\"",
				init);
		const char *pat = bp_attr(b, c, "pattern");
		if (!pat)
			k->pattern = BPEL_PAT_NONE;
		else if (strcmp(pat, "request") == 0)
			k->pattern = BPEL_PAT_REQUEST;
		else if (strcmp(pat, "response") == 0)
			k->pattern = BPEL_PAT_RESPONSE;
		else if (strcmp(pat, "request-response") == 0)
			k->pattern = BPEL_PAT_REQUEST_RESPONSE;
		else
			diag_error(
				b->f->dg, &k->loc, NULL,
				"pattern must be \"request\", \"response\" or \"request-response\", not \"%s\"",
				pat);
		*tail = k;
		tail = &k->next;
	}
	return head;
}

/* <fromParts> : <fromPart part toVariable>+ ; <toParts> : <toPart part fromVariable>+ */
static struct bpel_part_map *bp_parts(struct bp *b, xmlNodePtr n, bool from)
{
	struct bpel_part_map *head = NULL, **tail = &head;
	xmlNodePtr ps = bp_child(n, from ? "fromParts" : "toParts");
	if (!ps)
		return NULL;
	for (xmlNodePtr c = load_elem(ps->children); c;
	     c = load_elem(c->next)) {
		if (!bp_is(c, from ? "fromPart" : "toPart"))
			continue;
		struct bpel_part_map *p = ARENA_NEW(b->a, struct bpel_part_map);
		p->part = bp_attr(b, c, "part");
		p->var_name =
			bp_attr(b, c, from ? "toVariable" : "fromVariable");
		p->node = c;
		p->loc = bp_loc(b, c);
		*tail = p;
		tail = &p->next;
	}
	return head;
}

/* An implicitly declared variable (see model.h). */
static struct bpel_variable *bp_implicit(struct bp *b, xmlNodePtr n,
					 const char *name,
					 struct bpel_scope *scope)
{
	struct bpel_variable *v = ARENA_NEW(b->a, struct bpel_variable);
	v->name = name;
	v->scope = scope;
	v->is_implicit = true;
	v->node = n;
	v->loc = bp_loc(b, n);
	return v;
}

/* ---- assign ------------------------------------------------------------ */

/* The text directly inside a from/to (not inside <query>/<literal>),
 * trimmed; "" when there is none. */
static const char *bp_own_text(struct bp *b, xmlNodePtr n)
{
	size_t len = 0;
	for (xmlNodePtr c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE ||
		     c->type == XML_CDATA_SECTION_NODE) &&
		    c->content)
			len += strlen((const char *)c->content);
	char *buf = arena_alloc(b->a, len + 1), *p = buf;
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE ||
		     c->type == XML_CDATA_SECTION_NODE) &&
		    c->content) {
			size_t l = strlen((const char *)c->content);
			memcpy(p, c->content, l);
			p += l;
		}
	}
	*p = '\0';
	char *s = buf;
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t l = strlen(s);
	while (l > 0 && (s[l - 1] == ' ' || s[l - 1] == '\t' ||
			 s[l - 1] == '\n' || s[l - 1] == '\r'))
		s[--l] = '\0';
	return s;
}

/* The expression of a from/to that holds expression text. */
static struct bpel_expr *bp_own_expr(struct bp *b, xmlNodePtr n,
				     const char *text)
{
	struct bpel_expr *e = ARENA_NEW(b->a, struct bpel_expr);
	e->text = text;
	e->lang = bp_attr(b, n, "expressionLanguage");
	if (!e->lang)
		e->lang = b->proc->expression_language;
	e->node = n;
	e->loc = bp_loc(b, n);
	return e;
}

/* <from variable? part? | partnerLink endpointReference | variable property |
 *  expressionLanguage? expr | <literal> | (empty)> : query? ; all fields are
 * recorded, the kind is literal > variable (+property) > partnerLink >
 * expression > empty. */
static void bp_from(struct bp *b, xmlNodePtr n, struct bpel_from *fr)
{
	fr->node = n;
	fr->loc = bp_loc(b, n);
	fr->var_name = bp_attr(b, n, "variable");
	fr->part = bp_attr(b, n, "part");
	fr->plink_name = bp_attr(b, n, "partnerLink");
	fr->endpoint = bp_attr(b, n, "endpointReference");
	load_qname_attr(b->f, n, "property", &fr->property);
	xmlNodePtr q = bp_child(n, "query");
	if (q)
		fr->query = bp_expr(b, q, true);
	fr->literal = bp_child(n, "literal");
	const char *text = bp_own_text(b, n);
	if (text[0] || bp_attr(b, n, "expressionLanguage"))
		fr->expr = bp_own_expr(b, n, text);
	if (fr->literal)
		fr->kind = BPEL_FROM_LITERAL;
	else if (fr->var_name)
		fr->kind = fr->property.local ? BPEL_FROM_PROPERTY
					      : BPEL_FROM_VAR;
	else if (fr->plink_name)
		fr->kind = BPEL_FROM_PLINK;
	else if (fr->expr && text[0])
		fr->kind = BPEL_FROM_EXPR;
	else
		fr->kind = BPEL_FROM_EMPTY;
}

/* <to variable? part? | partnerLink | variable property |
 *  expressionLanguage? expr | (empty)> : query? */
static void bp_to(struct bp *b, xmlNodePtr n, struct bpel_to *to)
{
	to->node = n;
	to->loc = bp_loc(b, n);
	to->var_name = bp_attr(b, n, "variable");
	to->part = bp_attr(b, n, "part");
	to->plink_name = bp_attr(b, n, "partnerLink");
	load_qname_attr(b->f, n, "property", &to->property);
	xmlNodePtr q = bp_child(n, "query");
	if (q)
		to->query = bp_expr(b, q, true);
	const char *text = bp_own_text(b, n);
	if (text[0] || bp_attr(b, n, "expressionLanguage"))
		to->expr = bp_own_expr(b, n, text);
	if (to->var_name)
		to->kind = to->property.local ? BPEL_TO_PROPERTY : BPEL_TO_VAR;
	else if (to->plink_name)
		to->kind = BPEL_TO_PLINK;
	else if (to->expr && text[0])
		to->kind = BPEL_TO_EXPR;
	else
		to->kind = BPEL_TO_EMPTY;
}

/* Unqualified attribute `name` of n is exactly `value`. */
static bool bp_attr_is(xmlNodePtr n, const char *name, const char *value)
{
	xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
	bool is = v && strcmp((const char *)v, value) == 0;
	xmlFree(v);
	return is;
}

/* <assign validate?> : (copy | extensionAssignOperation)+ ;
 * <copy keepSrcElementName? ignoreMissingFromData?> : from, to */
static void bp_assign(struct bp *b, xmlNodePtr n, struct bpel_activity *a)
{
	a->validate = load_yesno(b->f, n, "validate") == 1;
	struct bpel_copy **tail = &a->copies;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (!bp_is(c, "copy"))
			continue;
		struct bpel_copy *cp = ARENA_NEW(b->a, struct bpel_copy);
		cp->node = c;
		cp->loc = bp_loc(b, c);
		cp->keep_src_element_name =
			load_yesno(b->f, c, "keepSrcElementName") == 1;
		cp->ignore_missing_from_data =
			load_yesno(b->f, c, "ignoreMissingFromData") == 1;
		/* ODE read these unqualified and "yes" only (its Copy.java) */
		cp->insert_missing_to_data =
			bp_attr_is(c, "insertMissingToData", "yes");
		cp->ignore_uninitialized_from_variable =
			bp_attr_is(c, "ignoreUninitializedFromVariable", "yes");
		xmlNodePtr fr = bp_child(c, "from"), to = bp_child(c, "to");
		if (fr)
			bp_from(b, fr, &cp->from);
		else {
			cp->from.kind = BPEL_FROM_EMPTY;
			cp->from.loc = cp->loc;
		}
		if (to)
			bp_to(b, to, &cp->to);
		else {
			cp->to.kind = BPEL_TO_EMPTY;
			cp->to.loc = cp->loc;
		}
		*tail = cp;
		tail = &cp->next;
	}
}

/* ---- handlers and declarations ----------------------------------------- */

/* <catch faultName? faultVariable? (faultMessageType | faultElement)?> : activity */
static struct bpel_catch *bp_catch(struct bp *b, xmlNodePtr n,
				   struct bpel_activity *parent)
{
	struct bpel_catch *k = ARENA_NEW(b->a, struct bpel_catch);
	load_qname_attr(b->f, n, "faultName", &k->fault_name);
	k->fault_variable = bp_attr(b, n, "faultVariable");
	load_qname_attr(b->f, n, "faultMessageType", &k->fault_message_type);
	load_qname_attr(b->f, n, "faultElement", &k->fault_element);
	k->node = n;
	k->loc = bp_loc(b, n);
	if (k->fault_variable) {
		struct bpel_variable *v =
			bp_implicit(b, n, k->fault_variable, b->scope);
		v->message_type = k->fault_message_type;
		v->element = k->fault_element;
		k->variable = v;
	}
	k->activity = bp_single(b, n, parent, NULL);
	return k;
}

/* Messaging attributes shared by receive, reply, invoke, onMessage, onEvent. */
static void bp_messaging(struct bp *b, xmlNodePtr n, struct bpel_activity *a)
{
	a->partner_link_name = bp_attr(b, n, "partnerLink");
	load_qname_attr(b->f, n, "portType", &a->port_type_name);
	a->operation_name = bp_attr(b, n, "operation");
	a->message_exchange = bp_attr(b, n, "messageExchange");
	a->correlations = bp_correlations(b, n);
}

static const char *const bp_skip_msg[] = { "correlations", "fromParts",
					   "toParts", NULL };
static const char *const bp_skip_handlers[] = { "partnerLinks",
						"variables",
						"correlationSets",
						"messageExchanges",
						"faultHandlers",
						"compensationHandler",
						"terminationHandler",
						"eventHandlers",
						"extensions",
						"import",
						NULL };

static struct bpel_alarm *bp_alarm(struct bp *b, xmlNodePtr n,
				   struct bpel_activity *parent)
{
	static const char *const skip[] = { "for", "until", "repeatEvery",
					    NULL };
	struct bpel_alarm *al = ARENA_NEW(b->a, struct bpel_alarm);
	al->node = n;
	al->loc = bp_loc(b, n);
	xmlNodePtr c;
	if ((c = bp_child(n, "for")))
		al->for_expr = bp_expr(b, c, false);
	if ((c = bp_child(n, "until")))
		al->until_expr = bp_expr(b, c, false);
	if ((c = bp_child(n, "repeatEvery")))
		al->repeat_every = bp_expr(b, c, false);
	al->activity = bp_single(b, n, parent, skip);
	return al;
}

/* <onEvent partnerLink portType? operation (messageType | element)?
 *   variable? messageExchange?> : correlations?, fromParts?, scope */
static struct bpel_activity *bp_on_event(struct bp *b, xmlNodePtr n,
					 struct bpel_activity *parent)
{
	struct bpel_activity *a = ARENA_NEW(b->a, struct bpel_activity);
	a->kind = BPEL_ACT_ON_EVENT;
	a->node = n;
	a->loc = bp_loc(b, n);
	a->parent = parent;
	a->suppress_join_failure = -1;
	bp_messaging(b, n, a);
	a->variable_name = bp_attr(b, n, "variable");
	load_qname_attr(b->f, n, "messageType", &a->message_type);
	load_qname_attr(b->f, n, "element", &a->element);
	a->from_parts = bp_parts(b, n, true);
	a->body = bp_single(b, n, a, bp_skip_msg);
	struct bpel_scope *sc = a->body && a->body->kind == BPEL_ACT_SCOPE
					? a->body->scope
					: NULL;
	if (a->body && !sc)
		diag_error(
			b->f->dg, &a->body->loc, NULL,
			"the activity of <onEvent> must be a <scope>, not <%s>",
			(const char *)a->body->node->name);
	/* Implicit variables live in the associated scope (SA00086/95). */
	if (a->variable_name) {
		a->variable =
			bp_implicit(b, n, a->variable_name, sc ? sc : b->scope);
		a->variable->message_type = a->message_type;
		a->variable->element = a->element;
	}
	for (struct bpel_part_map *p = a->from_parts; p; p = p->next)
		if (p->var_name)
			p->var = bp_implicit(b, p->node, p->var_name,
					     sc ? sc : b->scope);
	return a;
}

/* <partnerLink name partnerLinkType myRole? partnerRole?
 *              initializePartnerRole?> */
static struct bpel_partner_link *bp_partner_link(struct bp *b, xmlNodePtr d,
						 struct bpel_scope *sc)
{
	struct bpel_partner_link *pl =
		ARENA_NEW(b->a, struct bpel_partner_link);
	pl->name = bp_attr(b, d, "name");
	load_qname_attr(b->f, d, "partnerLinkType", &pl->type_name);
	pl->my_role = bp_attr(b, d, "myRole");
	pl->partner_role = bp_attr(b, d, "partnerRole");
	int ipr = load_yesno(b->f, d, "initializePartnerRole");
	pl->has_initialize_partner_role = ipr >= 0;
	pl->initialize_partner_role = ipr == 1;
	pl->scope = sc;
	pl->node = d;
	pl->loc = bp_loc(b, d);
	return pl;
}

/* <variable name (messageType | type | element)> from-spec? </variable> */
static struct bpel_variable *bp_variable(struct bp *b, xmlNodePtr d,
					 struct bpel_scope *sc)
{
	struct bpel_variable *v = ARENA_NEW(b->a, struct bpel_variable);
	v->name = bp_attr(b, d, "name");
	load_qname_attr(b->f, d, "messageType", &v->message_type);
	load_qname_attr(b->f, d, "type", &v->type);
	load_qname_attr(b->f, d, "element", &v->element);
	xmlNodePtr fr = bp_child(d, "from");
	if (fr) {
		v->init = ARENA_NEW(b->a, struct bpel_from);
		bp_from(b, fr, v->init);
	}
	v->scope = sc;
	v->node = d;
	v->loc = bp_loc(b, d);
	return v;
}

static bool bp_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* <correlationSet name properties="QName-list"> */
static struct bpel_corr_set *bp_corr_set(struct bp *b, xmlNodePtr d,
					 struct bpel_scope *sc)
{
	struct bpel_corr_set *cs = ARENA_NEW(b->a, struct bpel_corr_set);
	cs->name = bp_attr(b, d, "name");
	cs->scope = sc;
	cs->node = d;
	cs->loc = bp_loc(b, d);
	const char *props = bp_attr(b, d, "properties");
	struct bpel_property_ref **ptail = &cs->properties;
	for (const char *p = props; p && *p;) {
		while (bp_space(*p))
			p++;
		const char *e = p;
		while (*e && !bp_space(*e))
			e++;
		if (e == p)
			break;
		struct bpel_property_ref *r =
			ARENA_NEW(b->a, struct bpel_property_ref);
		r->name = load_qname(b->f, d,
				     arena_strndup(b->a, p, (size_t)(e - p)));
		*ptail = r;
		ptail = &r->next;
		p = e;
	}
	return cs;
}

/* <messageExchange name> */
static struct bpel_mex *bp_mex(struct bp *b, xmlNodePtr d,
			       struct bpel_scope *sc)
{
	struct bpel_mex *mx = ARENA_NEW(b->a, struct bpel_mex);
	mx->name = bp_attr(b, d, "name");
	mx->scope = sc;
	mx->node = d;
	mx->loc = bp_loc(b, d);
	return mx;
}

/* The children of n named `name` in the BPEL namespace. */
#define BP_EACH(d, n, name)                              \
	for (xmlNodePtr d = load_elem((n)->children); d; \
	     d = load_elem(d->next))                     \
		if (bp_is(d, name))

/* <faultHandlers> <catch>* <catchAll>? </faultHandlers> */
static void bp_fault_handlers(struct bp *b, xmlNodePtr c, struct bpel_scope *sc,
			      struct bpel_activity *owner)
{
	struct bpel_catch **ktail = &sc->catches;
	for (xmlNodePtr d = load_elem(c->children); d; d = load_elem(d->next)) {
		if (bp_is(d, "catch")) {
			*ktail = bp_catch(b, d, owner);
			ktail = &(*ktail)->next;
		} else if (bp_is(d, "catchAll")) {
			sc->catch_all_loc = bp_loc(b, d);
			sc->catch_all = bp_single(b, d, owner, NULL);
		}
	}
}

/* <eventHandlers> <onEvent>* <onAlarm>* </eventHandlers> */
static void bp_event_handlers(struct bp *b, xmlNodePtr c, struct bpel_scope *sc,
			      struct bpel_activity *owner)
{
	struct bpel_activity **etail = &sc->on_events;
	struct bpel_alarm **atail = &sc->on_alarms;
	for (xmlNodePtr d = load_elem(c->children); d; d = load_elem(d->next)) {
		if (bp_is(d, "onEvent")) {
			*etail = bp_on_event(b, d, owner);
			etail = &(*etail)->next;
		} else if (bp_is(d, "onAlarm")) {
			*atail = bp_alarm(b, d, owner);
			atail = &(*atail)->next;
		}
	}
}

/* The declarations and handlers of a process or scope, then its primary
 * activity. `owner` is the scope activity (NULL for the process).
 * <partnerLinks>? <messageExchanges>? <variables>? <correlationSets>?
 * <faultHandlers>? <compensationHandler>? <terminationHandler>?
 * <eventHandlers>? activity */
static void bp_scope_parts(struct bp *b, xmlNodePtr n, struct bpel_scope *sc,
			   struct bpel_activity *owner)
{
	struct bpel_partner_link **pltail = &sc->partner_links;
	struct bpel_variable **vtail = &sc->variables;
	struct bpel_corr_set **cstail = &sc->correlation_sets;
	struct bpel_mex **mtail = &sc->message_exchanges;

	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (bp_is(c, "partnerLinks")) {
			BP_EACH(d, c, "partnerLink")
			{
				*pltail = bp_partner_link(b, d, sc);
				pltail = &(*pltail)->next;
			}
		} else if (bp_is(c, "variables")) {
			BP_EACH(d, c, "variable")
			{
				*vtail = bp_variable(b, d, sc);
				vtail = &(*vtail)->next;
			}
		} else if (bp_is(c, "correlationSets")) {
			BP_EACH(d, c, "correlationSet")
			{
				*cstail = bp_corr_set(b, d, sc);
				cstail = &(*cstail)->next;
			}
		} else if (bp_is(c, "messageExchanges")) {
			BP_EACH(d, c, "messageExchange")
			{
				*mtail = bp_mex(b, d, sc);
				mtail = &(*mtail)->next;
			}
		} else if (bp_is(c, "faultHandlers")) {
			bp_fault_handlers(b, c, sc, owner);
		} else if (bp_is(c, "compensationHandler")) {
			sc->compensation_handler = bp_single(b, c, owner, NULL);
		} else if (bp_is(c, "terminationHandler")) {
			sc->termination_handler = bp_single(b, c, owner, NULL);
		} else if (bp_is(c, "eventHandlers")) {
			bp_event_handlers(b, c, sc, owner);
		}
	}
	sc->body = bp_single(b, n, owner, bp_skip_handlers);
}

/* ---- activities -------------------------------------------------------- */

static void bp_if(struct bp *b, xmlNodePtr n, struct bpel_activity *a)
{
	static const char *const skip[] = { "condition", "elseif", "else",
					    NULL };
	xmlNodePtr c = bp_child(n, "condition");
	if (c)
		a->condition = bp_expr(b, c, false);
	a->body = bp_single(b, n, a, skip);
	struct bpel_activity **tail = &a->children;
	for (c = load_elem(n->children); c; c = load_elem(c->next)) {
		bool is_elseif = bp_is(c, "elseif");
		if (!is_elseif && !bp_is(c, "else"))
			continue;
		struct bpel_activity *br =
			ARENA_NEW(b->a, struct bpel_activity);
		br->kind = is_elseif ? BPEL_ACT_ELSEIF : BPEL_ACT_ELSE;
		br->node = c;
		br->loc = bp_loc(b, c);
		br->parent = a;
		br->suppress_join_failure = -1;
		xmlNodePtr cond = is_elseif ? bp_child(c, "condition") : NULL;
		if (cond)
			br->condition = bp_expr(b, cond, false);
		static const char *const skip_c[] = { "condition", NULL };
		br->body = bp_single(b, c, br, skip_c);
		*tail = br;
		tail = &br->next;
	}
}

/* <forEach counterName parallel> : startCounterValue, finalCounterValue,
 *   completionCondition?, scope */
static void bp_foreach(struct bp *b, xmlNodePtr n, struct bpel_activity *a)
{
	static const char *const skip[] = { "startCounterValue",
					    "finalCounterValue",
					    "completionCondition", NULL };
	a->counter_name = bp_attr(b, n, "counterName");
	a->parallel = load_yesno(b->f, n, "parallel") == 1;
	xmlNodePtr c;
	if ((c = bp_child(n, "startCounterValue")))
		a->start_counter = bp_expr(b, c, false);
	if ((c = bp_child(n, "finalCounterValue")))
		a->final_counter = bp_expr(b, c, false);
	if ((c = bp_child(n, "completionCondition"))) {
		xmlNodePtr br = bp_child(c, "branches");
		if (br) {
			a->branches = bp_expr(b, br, false);
			a->successful_branches_only =
				load_yesno(b->f, br,
					   "successfulBranchesOnly") == 1;
		}
	}
	a->body = bp_single(b, n, a, skip);
	struct bpel_scope *sc = a->body && a->body->kind == BPEL_ACT_SCOPE
					? a->body->scope
					: NULL;
	if (a->body && !sc)
		diag_error(
			b->f->dg, &a->body->loc, NULL,
			"the activity of <forEach> must be a <scope>, not <%s>",
			(const char *)a->body->node->name);
	if (a->counter_name) {
		/* The counter is an implicit xsd:unsignedInt of the body scope. */
		a->counter =
			bp_implicit(b, n, a->counter_name, sc ? sc : b->scope);
		a->counter->type.ns = NS_XSD;
		a->counter->type.local = "unsignedInt";
		a->counter->kind = XSD_NUMBER;
	}
}

/* <pick createInstance?> : onMessage+, onAlarm* */
static void bp_pick(struct bp *b, xmlNodePtr n, struct bpel_activity *a)
{
	a->create_instance = load_yesno(b->f, n, "createInstance") == 1;
	struct bpel_activity **mtail = &a->on_messages;
	struct bpel_alarm **atail = &a->on_alarms;
	for (xmlNodePtr c = load_elem(n->children); c; c = load_elem(c->next)) {
		if (bp_is(c, "onMessage")) {
			struct bpel_activity *m =
				ARENA_NEW(b->a, struct bpel_activity);
			m->kind = BPEL_ACT_ON_MESSAGE;
			m->node = c;
			m->loc = bp_loc(b, c);
			m->parent = a;
			m->suppress_join_failure = -1;
			bp_messaging(b, c, m);
			m->variable_name = bp_attr(b, c, "variable");
			m->from_parts = bp_parts(b, c, true);
			m->create_instance = a->create_instance;
			m->body = bp_single(b, c, m, bp_skip_msg);
			*mtail = m;
			mtail = &m->next;
		} else if (bp_is(c, "onAlarm")) {
			*atail = bp_alarm(b, c, a);
			atail = &(*atail)->next;
		}
	}
}

/* <flow> : links?, activity+ ; <links> : <link name>+ */
static void bp_flow(struct bp *b, xmlNodePtr n, struct bpel_activity *a)
{
	static const char *const skip[] = { "links", NULL };
	struct bpel_link **tail = &a->links;
	xmlNodePtr ls = bp_child(n, "links");
	for (xmlNodePtr c = ls ? load_elem(ls->children) : NULL; c;
	     c = load_elem(c->next)) {
		if (!bp_is(c, "link"))
			continue;
		struct bpel_link *l = ARENA_NEW(b->a, struct bpel_link);
		l->name = bp_attr(b, c, "name");
		l->flow = a;
		l->node = c;
		l->loc = bp_loc(b, c);
		*tail = l;
		tail = &l->next;
	}
	a->children = bp_children(b, n, a, skip);
}

/* <scope isolated? exitOnStandardFault?> : declarations, handlers, activity */
static void bp_scope(struct bp *b, xmlNodePtr n, struct bpel_activity *a)
{
	struct bpel_scope *sc = ARENA_NEW(b->a, struct bpel_scope);
	sc->activity = a;
	sc->parent = b->scope;
	sc->isolated = load_yesno(b->f, n, "isolated") == 1;
	sc->exit_on_standard_fault = load_yesno(b->f, n, "exitOnStandardFault");
	sc->loc = a->loc;
	a->scope = sc;
	struct bpel_scope *saved = b->scope;
	b->scope = sc;
	bp_scope_parts(b, n, sc, a);
	b->scope = saved;
}

static void bp_expr_child(struct bp *b, xmlNodePtr n, const char *local,
			  struct bpel_expr **out)
{
	xmlNodePtr c = bp_child(n, local);
	if (c)
		*out = bp_expr(b, c, false);
}

/* Any activity: the standard attributes and elements, then its own. */
static struct bpel_activity *bp_activity(struct bp *b, xmlNodePtr n,
					 struct bpel_activity *parent)
{
	const char *local = (const char *)n->name;
	int kind = bp_kind_of(local);
	if (kind < 0) {
		struct loc l = bp_loc(b, n);
		diag_error(b->f->dg, &l, NULL, "unknown activity <%s>", local);
		return NULL;
	}
	struct bpel_activity *a = ARENA_NEW(b->a, struct bpel_activity);
	a->kind = (enum bpel_act_kind)kind;
	a->name = bp_attr(b, n, "name");
	a->loc = bp_loc(b, n);
	a->node = n;
	a->parent = parent;
	a->suppress_join_failure = load_yesno(b->f, n, "suppressJoinFailure");
	bp_links(b, n, a);

	static const char *const skip_cond[] = { "condition", NULL };
	switch (a->kind) {
	case BPEL_ACT_RECEIVE:
		bp_messaging(b, n, a);
		a->variable_name = bp_attr(b, n, "variable");
		a->create_instance = load_yesno(b->f, n, "createInstance") == 1;
		a->from_parts = bp_parts(b, n, true);
		break;
	case BPEL_ACT_REPLY:
		bp_messaging(b, n, a);
		a->variable_name = bp_attr(b, n, "variable");
		load_qname_attr(b->f, n, "faultName", &a->fault_name);
		a->to_parts = bp_parts(b, n, false);
		break;
	case BPEL_ACT_INVOKE: {
		bp_messaging(b, n, a);
		a->input_variable_name = bp_attr(b, n, "inputVariable");
		a->output_variable_name = bp_attr(b, n, "outputVariable");
		a->to_parts = bp_parts(b, n, false);
		a->from_parts = bp_parts(b, n, true);
		struct bpel_catch **tail = &a->catches;
		for (xmlNodePtr c = load_elem(n->children); c;
		     c = load_elem(c->next)) {
			if (bp_is(c, "catch")) {
				*tail = bp_catch(b, c, a);
				tail = &(*tail)->next;
			} else if (bp_is(c, "catchAll")) {
				a->catch_all = bp_single(b, c, a, NULL);
			} else if (bp_is(c, "compensationHandler")) {
				a->compensation_handler =
					bp_single(b, c, a, NULL);
			}
		}
		break;
	}
	case BPEL_ACT_ASSIGN:
		bp_assign(b, n, a);
		break;
	case BPEL_ACT_VALIDATE:
		a->validate_names = bp_attr(b, n, "variables");
		break;
	case BPEL_ACT_WAIT:
		bp_expr_child(b, n, "for", &a->for_expr);
		bp_expr_child(b, n, "until", &a->until_expr);
		break;
	case BPEL_ACT_THROW:
		load_qname_attr(b->f, n, "faultName", &a->fault_name);
		a->fault_variable_name = bp_attr(b, n, "faultVariable");
		break;
	case BPEL_ACT_COMPENSATE_SCOPE:
		a->target = bp_attr(b, n, "target");
		break;
	case BPEL_ACT_SEQUENCE:
		a->children = bp_children(b, n, a, NULL);
		break;
	case BPEL_ACT_IF:
		bp_if(b, n, a);
		break;
	case BPEL_ACT_WHILE:
	case BPEL_ACT_REPEAT_UNTIL:
		bp_expr_child(b, n, "condition", &a->condition);
		a->body = bp_single(b, n, a, skip_cond);
		break;
	case BPEL_ACT_FOREACH:
		bp_foreach(b, n, a);
		break;
	case BPEL_ACT_PICK:
		bp_pick(b, n, a);
		break;
	case BPEL_ACT_FLOW:
		bp_flow(b, n, a);
		break;
	case BPEL_ACT_SCOPE:
		bp_scope(b, n, a);
		break;
	default:
		/* empty, rethrow, exit, compensate, extensionActivity: nothing
		 * beyond the standard attributes (extensions keep `node`). */
		break;
	}
	return a;
}

/* <process name targetNamespace queryLanguage? expressionLanguage?
 *   suppressJoinFailure? exitOnStandardFault?> : extensions?, import*,
 *   declarations, handlers, activity */
void model_bpel_parse(struct load_file *f, xmlNodePtr root)
{
	struct bpel_process *p = f->m->process;
	struct bp b = { f, f->a, p, p->scope };
	p->name = load_attr(f, root, "name");
	p->tns = load_attr(f, root, "targetNamespace");
	p->query_language = load_attr(f, root, "queryLanguage");
	if (!p->query_language)
		p->query_language = URN_XPATH1;
	p->expression_language = load_attr(f, root, "expressionLanguage");
	if (!p->expression_language)
		p->expression_language = URN_XPATH1;
	p->suppress_join_failure = load_yesno(f, root, "suppressJoinFailure") ==
				   1;
	int eosf = load_yesno(f, root, "exitOnStandardFault");
	p->exit_on_standard_fault = eosf == 1;
	p->scope->exit_on_standard_fault = eosf;
	p->loc = load_loc(f, root);
	p->scope->loc = p->loc;

	struct bpel_import **itail = &p->imports;
	struct bpel_extension **xtail = &p->extensions;
	for (xmlNodePtr c = load_elem(root->children); c;
	     c = load_elem(c->next)) {
		if (bp_is(c, "import")) {
			struct bpel_import *im =
				ARENA_NEW(f->a, struct bpel_import);
			im->ns = load_attr(f, c, "namespace");
			im->location = load_attr(f, c, "location");
			im->import_type = load_attr(f, c, "importType");
			im->node = c;
			im->loc = load_loc(f, c);
			*itail = im;
			itail = &im->next;
		} else if (bp_is(c, "extensions")) {
			for (xmlNodePtr d = load_elem(c->children); d;
			     d = load_elem(d->next)) {
				if (!bp_is(d, "extension"))
					continue;
				struct bpel_extension *x =
					ARENA_NEW(f->a, struct bpel_extension);
				x->ns = load_attr(f, d, "namespace");
				x->must_understand =
					load_yesno(f, d, "mustUnderstand") == 1;
				x->loc = load_loc(f, d);
				*xtail = x;
				xtail = &x->next;
			}
		}
	}
	bp_scope_parts(&b, root, p->scope, NULL);
}
