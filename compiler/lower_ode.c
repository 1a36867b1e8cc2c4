/*
 * lower_ode.c — Apache ODE's assign extensions lowered into the copy
 * descriptor, for processes compiled with --ode (docs/migrating-from-
 * ode.md). ode_dialect.c has already warned that they are not WS-BPEL.
 *
 *  - ignoreUninitializedFromVariable="yes": the copy's flag; the runtime
 *    (copy.c) turns an uninitializedVariable fault of that copy into
 *    "the copy does nothing", as ODE's ASSIGN did.
 *  - insertMissingToData="yes": ODE applied it to a to-spec written as an
 *    expression only, and completed (XPath20ExpressionModifier) the
 *    leading steps of the path after its variable reference: child
 *    element name tests, perhaps ending with an attribute; it stopped at
 *    the first other step (a predicate, a wildcard, `//`, another axis).
 *    That path is worked out here, its prefixes resolved with the
 *    to-spec's in-scope namespaces, so the runtime only walks it. A copy
 *    where it can have no effect gets a warning saying so.
 *
 * The default mode never comes here: the flags stay off.
 */
#include <string.h>

#include "arena.h"
#include "diag.h"
#include "lower_int.h"
#include "xpath_lex.h"

/* The namespace of QName token text `s` (len n) in scope at node:
 * *local gets the local part; false when its prefix is not declared. */
static bool step_name(struct lower *l, xmlNodePtr node, const char *s, size_t n,
		      struct ir_insert_step *st)
{
	const char *colon = memchr(s, ':', n);
	if (!colon) {
		st->local = arena_strndup(l->a, s, n);
		return true;
	}
	char *prefix = arena_strndup(l->a, s, (size_t)(colon - s));
	xmlNsPtr ns = node ? xmlSearchNs(node->doc, node, BAD_CAST prefix)
			   : NULL;
	if (!ns || !ns->href)
		return false;
	st->ns = arena_strdup(l->a, (const char *)ns->href);
	st->prefix = prefix;
	st->local = arena_strndup(l->a, colon + 1, n - (size_t)(colon + 1 - s));
	return true;
}

/* `$v[.part]/step/…`: the variable, its part and the steps ODE would
 * complete, into ic. False when there is no such step. */
static bool insert_path(struct lower *l, struct ir_copy *ic,
			const struct bpel_expr *e, struct bpel_activity *ctx)
{
	struct xpath_toks ts = { 0 };
	bool ok = false;
	if (!e || !e->text || !xpath_lex_scan(e->text, false, &ts) ||
	    ts.n < 3 || ts.t[0].k != XT_VAR)
		goto out;
	/* the variable reference: "$name" or "$name.part" */
	const char *vs = ts.t[0].s + 1;
	size_t vn = ts.t[0].len - 1;
	const char *dot = memchr(vs, '.', vn);
	char *vname = arena_strndup(l->a, vs, dot ? (size_t)(dot - vs) : vn);
	struct bpel_variable *v = lower_find_var(l, ctx, vname);
	if (!v)
		goto out;
	int part = -1;
	if (dot) {
		char *pname = arena_strndup(l->a, dot + 1,
					    vn - (size_t)(dot + 1 - vs));
		if ((part = lower_part(v, pname)) < 0)
			goto out;
	} else if (v->message) {
		goto out; /* a whole message is not a node to complete */
	}
	struct ir_insert_step *steps =
		ARENA_ARRAY(l->a, struct ir_insert_step, (size_t)ts.n);
	int n = 0;
	for (int i = 1; i + 1 < ts.n && ts.t[i].k == XT_SLASH;) {
		const struct xpath_tok *t = &ts.t[i + 1];
		bool attr = false;
		if (t->k == XT_AT) {
			attr = true;
			t++;
		} else if (t->k == XT_AXIS) {
			if (xpath_lex_is(t, "attribute"))
				attr = true;
			else if (!xpath_lex_is(t, "child"))
				break;
			t++;
		}
		/* a name test without predicate; a wildcard or a node type
		 * test ends the path ODE completes */
		if (t->k != XT_NAME || memchr(t->s, '*', t->len) ||
		    t[1].k == XT_LBRACK)
			break;
		struct ir_insert_step *st = &steps[n];
		memset(st, 0, sizeof *st);
		st->attribute = attr;
		if (!step_name(l, e->node, t->s, t->len, st))
			break;
		n++;
		if (attr)
			break; /* an attribute has no children */
		i = (int)(t - ts.t) + 1;
	}
	if (n == 0)
		goto out;
	ic->ninsert = n;
	ic->insert = steps;
	ic->insert_var = lower_var(v);
	ic->insert_part = part;
	ok = true;
out:
	xpath_lex_free(&ts);
	return ok;
}

void lower_ode_copy(struct lower *l, struct ir_copy *ic, struct bpel_copy *c,
		    struct bpel_activity *ctx)
{
	if (!l->m->ode)
		return;
	ic->ignore_uninit = c->ignore_uninitialized_from_variable;
	if (!c->insert_missing_to_data)
		return;
	if (c->to.kind == BPEL_TO_EXPR && insert_path(l, ic, c->to.expr, ctx))
		return;
	diag_warning(l->dg, &c->loc, NULL,
		     "insertMissingToData=\"yes\" has no effect here: Apache "
		     "ODE completed only a to-spec written as an expression "
		     "$variable/child/… (element names, perhaps a last "
		     "@attribute); this copy faults with bpel:selectionFailure "
		     "when its target is missing, as it did on ODE");
}
