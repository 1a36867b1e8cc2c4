/*
 * check_start.c — process instantiation: SA00015 (a start activity
 * exists), SA00056 (nothing but start activities, <scope>, <flow> and
 * <sequence> can run before or alongside a start activity), SA00057
 * (several start activities share a correlation set, joined on each).
 *
 * A start activity is a <receive createInstance="yes"> or a <pick
 * createInstance="yes"> (each of its onMessages starts). "Initial"
 * activities are those that may run first: the process's primary
 * activity, the first activity of an initial <sequence>, every branch of
 * an initial <flow>, the primary activity of an initial <scope>.
 * Not here: which instance a message starts or reaches at run time
 * (runtime/engine/correl.c), other correlation rules (check_corr.c).
 */
#include <string.h>

#include "check_int.h"

static bool is_start(xmlNodePtr n)
{
	return (chk_is(n, "receive") || chk_is(n, "pick")) &&
	       chk_yes(n, "createInstance");
}

/* SA00056 over the initial activities below n (n is initial). */
static void initial(struct chk *c, xmlNodePtr n)
{
	/* An activity with incoming links waits for its sources, so it does
	 * not run first (the sources are checked on their own). */
	if (is_start(n) || chk_child(n, "targets"))
		return;
	if (chk_is(n, "sequence")) {
		xmlNodePtr first = chk_activity_child(n);
		if (first)
			initial(c, first);
	} else if (chk_is(n, "flow")) {
		CHK_EACH(ch, n)
		if (chk_is_activity(ch))
			initial(c, ch);
	} else if (chk_is(n, "scope")) {
		xmlNodePtr a = chk_activity_child(n);
		if (a)
			initial(c, a);
	} else {
		const char *name = chk_attr(n, "name");
		chk_err(c, n, "SA00056",
			"<%s>%s%s%s can run before the start activity; only a start activity, <scope>, <flow> or <sequence> may come first",
			(const char *)n->name, name ? " '" : "",
			name ? name : "", name ? "'" : "");
	}
}

/* Is start activity s reachable by the "initial" rules from the process? */
static bool is_initial(xmlNodePtr s)
{
	for (xmlNodePtr n = s; n; n = n->parent) {
		xmlNodePtr p = n->parent;
		if (chk_is(p, "process"))
			return true;
		if (chk_is(p, "sequence")) {
			if (chk_activity_child(p) != n)
				return false;
		} else if (!chk_is(p, "flow") && !chk_is(p, "scope")) {
			return false;
		}
	}
	return false;
}

struct st_ctx {
	xmlNodePtr ima[64];  /* start receives and onMessages */
	xmlNodePtr unit[64]; /* the receive or the pick */
	int n;
};

static void collect(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)c;
	struct st_ctx *x = ud;
	if (!is_start(n))
		return;
	if (chk_is(n, "receive")) {
		if (x->n < 64) {
			x->ima[x->n] = n;
			x->unit[x->n++] = n;
		}
	} else {
		CHK_EACH(om, n)
		if (chk_is(om, "onMessage") && x->n < 64) {
			x->ima[x->n] = om;
			x->unit[x->n++] = n;
		}
	}
}

/* The initiate value of set `decl` on ima, or NULL when not used. */
static const char *uses_set(struct chk *c, xmlNodePtr ima,
			    struct bpel_corr_set *decl)
{
	CHK_EACH(cr, chk_child(ima, "correlations"))
	if (chk_is(cr, "correlation") && chk_cset_ref(c, cr) == decl) {
		const char *i = chk_attr(cr, "initiate");
		return i ? i : "no";
	}
	return NULL;
}

static void sa00057(struct chk *c, struct st_ctx *x)
{
	bool several = false, any = false;
	for (int i = 1; i < x->n; i++)
		if (x->unit[i] != x->unit[0])
			several = true;
	for (int i = 0; i < x->n; i++)
		if (chk_child(x->ima[i], "correlations"))
			any = true;
	if (!several || !any)
		return;
	/* Candidate sets: those of the first start activity. */
	bool shared_join = false;
	CHK_EACH(cr, chk_child(x->ima[0], "correlations"))
	{
		struct bpel_corr_set *decl = chk_cset_ref(c, cr);
		if (!decl || !chk_is(cr, "correlation"))
			continue;
		bool common = true, all_join = true;
		for (int i = 0; i < x->n; i++) {
			const char *ini = uses_set(c, x->ima[i], decl);
			if (!ini)
				common = false;
			else if (strcmp(ini, "join") != 0)
				all_join = false;
		}
		if (common && !all_join) {
			chk_err(c, x->unit[0], "SA00057",
				"correlation set '%s' is shared by the start activities but not initiate='join' on all of them",
				chk_attr(cr, "set"));
			return;
		}
		if (common)
			shared_join = true;
	}
	if (!shared_join)
		chk_err(c, x->unit[0], "SA00057",
			"the process has several start activities, but they do not all share a correlation set with initiate='join'");
}

void check_start(struct chk *c)
{
	struct st_ctx x;
	x.n = 0;
	chk_walk(c, collect, &x);
	if (x.n == 0) {
		chk_err(c, c->root, "SA00015",
			"the process has no start activity (<receive> or <pick> with createInstance='yes')");
		return;
	}
	c->nstart = x.n;
	xmlNodePtr primary = chk_activity_child(c->root);
	if (primary)
		initial(c, primary);
	for (int i = 0; i < x.n; i++)
		if ((i == 0 || x.unit[i] != x.unit[i - 1]) &&
		    !is_initial(x.unit[i]))
			chk_err(c, x.unit[i], "SA00056",
				"start activity <%s> '%s' is not among the first activities of the process",
				(const char *)x.unit[i]->name,
				chk_attr(x.unit[i], "name")
					? chk_attr(x.unit[i], "name")
					: "");
	sa00057(c, &x);
}
