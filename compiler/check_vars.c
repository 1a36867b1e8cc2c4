/*
 * check_vars.c — variable declarations: SA00023 (duplicate names in one
 * <variables>), SA00024 (dots in names), SA00025 (exactly one of
 * messageType, type, element), SA00026 (non-idempotent functions in
 * inline initialisers where a start activity follows), SA00076 (forEach
 * counter redeclared), SA00086 (onEvent variables redeclared), SA00095
 * (onEvent variables used outside their handler).
 *
 * Whether a referenced name resolves at all is resolve's to report.
 */
#include <string.h>

#include "check_int.h"

/* Functions whose result may differ between two calls (SA00026). */
static const char *const volatile_functions[] = { "current-dateTime",
						  "current-date",
						  "current-time",
						  "random",
						  "generate-id",
						  "uuid",
						  NULL };

static bool has_start_activity(xmlNodePtr n)
{
	if ((chk_is(n, "receive") || chk_is(n, "pick")) &&
	    chk_yes(n, "createInstance"))
		return true;
	CHK_EACH(ch, n)
	if (has_start_activity(ch))
		return true;
	return false;
}

static void sa00026(struct chk *c, xmlNodePtr var)
{
	xmlNodePtr from = chk_child(var, "from");
	if (!from || !has_start_activity(chk_enclosing_scope(var)))
		return;
	const char *t = chk_text(c, from);
	for (int i = 0; volatile_functions[i]; i++) {
		const char *p = strstr(t, volatile_functions[i]);
		size_t n = strlen(volatile_functions[i]);
		if (p &&
		    (p == t || p[-1] == ':' || p[-1] == ' ' || p[-1] == '(') &&
		    (p[n] == '(' || p[n] == ' '))
			chk_err(c, from, "SA00026",
				"the initialiser of variable '%s' calls %s(), which is not idempotent, in a scope with a start activity",
				chk_attr(var, "name") ? chk_attr(var, "name")
						      : "",
				volatile_functions[i]);
	}
}

static void declaration(struct chk *c, xmlNodePtr v)
{
	const char *name = chk_attr(v, "name");
	if (name && strchr(name, '.'))
		chk_err(c, v, "SA00024", "variable name '%s' contains a '.'",
			name);
	int nkinds = (chk_attr(v, "messageType") != NULL) +
		     (chk_attr(v, "type") != NULL) +
		     (chk_attr(v, "element") != NULL);
	if (nkinds != 1)
		chk_err(c, v, "SA00025",
			"variable '%s' must have exactly one of messageType, type or element, not %d",
			name ? name : "", nkinds);
	if (name)
		for (xmlNodePtr p = chk_elem_first(v->parent); p && p != v;
		     p = chk_elem_next(p))
			if (chk_is(p, "variable") && chk_attr(p, "name") &&
			    strcmp(chk_attr(p, "name"), name) == 0) {
				chk_err(c, v, "SA00023",
					"variable '%s' is declared twice in the same <variables>",
					name);
				break;
			}
	sa00026(c, v);
	xmlNodePtr scope = v->parent ? v->parent->parent : NULL;
	if (!chk_is(scope, "scope") || !name)
		return;
	xmlNodePtr owner = scope->parent;
	if (chk_is(owner, "forEach") && chk_attr(owner, "counterName") &&
	    strcmp(chk_attr(owner, "counterName"), name) == 0)
		chk_err(c, v, "SA00076",
			"variable '%s' is the forEach counter, which the scope already declares implicitly",
			name);
	if (chk_is(owner, "onEvent")) {
		bool clash = chk_attr(owner, "variable") &&
			     strcmp(chk_attr(owner, "variable"), name) == 0;
		CHK_EACH(fp, chk_child(owner, "fromParts"))
		if (chk_attr(fp, "toVariable") &&
		    strcmp(chk_attr(fp, "toVariable"), name) == 0)
			clash = true;
		if (clash)
			chk_err(c, v, "SA00086",
				"variable '%s' is already declared implicitly by the <onEvent> of this scope",
				name);
	}
}

struct ev_ctx {
	xmlNodePtr evs[256];
	int n;
};

static void collect_events(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)c;
	struct ev_ctx *x = ud;
	if (chk_is(n, "onEvent") && x->n < 256)
		x->evs[x->n++] = n;
}

static const char *const var_attrs[] = { "variable",	   "inputVariable",
					 "outputVariable", "toVariable",
					 "fromVariable",   NULL };

static void sa00095(struct chk *c, struct ev_ctx *x, xmlNodePtr n)
{
	for (int i = 0; var_attrs[i]; i++) {
		const char *name = chk_attr(n, var_attrs[i]);
		/* An onEvent's variable and fromParts declare; every other
		 * reference resolve bound is visible where it is. */
		if (!name || chk_is(n, "onEvent") ||
		    (chk_is(n, "fromPart") &&
		     chk_is(n->parent->parent, "onEvent")) ||
		    !chk_var_refers(c, n, var_attrs[i]) ||
		    chk_var_ref(c, n, var_attrs[i], NULL))
			continue;
		for (int k = 0; k < x->n; k++) {
			xmlNodePtr ev = x->evs[k];
			bool declares =
				chk_attr(ev, "variable") &&
				strcmp(chk_attr(ev, "variable"), name) == 0;
			CHK_EACH(fp, chk_child(ev, "fromParts"))
			if (chk_attr(fp, "toVariable") &&
			    strcmp(chk_attr(fp, "toVariable"), name) == 0)
				declares = true;
			if (declares && !chk_contains(ev, n)) {
				chk_err(c, n, "SA00095",
					"variable '%s' belongs to an <onEvent> handler and is not visible here",
					name);
				return;
			}
		}
	}
}

static void visit(struct chk *c, xmlNodePtr n, void *ud)
{
	if (chk_is(n, "variable") && chk_is(n->parent, "variables"))
		declaration(c, n);
	else if (chk_is(n, "onEvent") && chk_attr(n, "variable") &&
		 strchr(chk_attr(n, "variable"), '.'))
		chk_err(c, n, "SA00024", "variable name '%s' contains a '.'",
			chk_attr(n, "variable"));
	if (((struct ev_ctx *)ud)->n)
		sa00095(c, ud, n);
}

void check_vars(struct chk *c)
{
	struct ev_ctx x;
	x.n = 0;
	chk_walk(c, collect_events, &x);
	chk_walk(c, visit, &x);
}
