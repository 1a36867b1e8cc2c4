/*
 * check_warn.c — warnings for legal but suspicious constructs: variables,
 * partner links and correlation sets that nothing uses, activities
 * after an <exit> in a <sequence>, and an <extensionActivity> that runs
 * as <empty/> because bpelc does not understand its element. (The constant <while> condition is
 * warned about in check_xpath.c, which has the tokenizer.)
 *
 * "Used" is by name anywhere in the process, ignoring shadowing, so a
 * warning is never given for something that is used; some unused
 * shadowed declarations go unreported.
 */
#include <string.h>

#include "arena.h"
#include "check_int.h"
#include "names.h"

struct used {
	struct name_set vars, plinks, csets;
};

/* A name as a whole, as an attribute gives it. */
static void add(struct name_set *ns, const char *s)
{
	name_set_add(ns, s, strlen(s));
}

static void collect(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)c;
	struct used *u = ud;
	static const char *const var_attrs[] = {
		"variable",   "inputVariable", "outputVariable",
		"toVariable", "fromVariable",  NULL
	};
	if (!(chk_is(n, "variable") && chk_is(n->parent, "variables")))
		for (int i = 0; var_attrs[i]; i++)
			if (chk_attr(n, var_attrs[i]))
				add(&u->vars, chk_attr(n, var_attrs[i]));
	if (chk_is(n, "validate"))
		name_set_scan(&u->vars, chk_attr(n, "variables"), false);
	if (chk_attr(n, "partnerLink") && !chk_is(n, "partnerLink"))
		add(&u->plinks, chk_attr(n, "partnerLink"));
	if (chk_is(n, "correlation") && chk_attr(n, "set"))
		add(&u->csets, chk_attr(n, "set"));
	/* Every "$name" in text (a variable, or a link in a joinCondition),
	 * and every quoted name (getVariableProperty('v', …)). Over-collecting
	 * is fine. */
	for (xmlNodePtr ch = n->children; ch; ch = ch->next)
		if ((ch->type == XML_TEXT_NODE ||
		     ch->type == XML_CDATA_SECTION_NODE) &&
		    ch->content && !chk_is(n, "literal"))
			name_set_scan(&u->vars, (const char *)ch->content,
				      true);
}

static void report(struct chk *c, xmlNodePtr n, void *ud)
{
	struct used *u = ud;
	const char *name = chk_attr(n, "name");
	if (!name)
		return;
	if (chk_is(n, "variable") && chk_is(n->parent, "variables") &&
	    !name_set_has(&u->vars, name))
		chk_warn(c, n, "variable '%s' is never used", name);
	else if (chk_is(n, "partnerLink") &&
		 chk_is(n->parent, "partnerLinks") &&
		 !name_set_has(&u->plinks, name))
		chk_warn(c, n, "partner link '%s' is never used", name);
	else if (chk_is(n, "correlationSet") &&
		 chk_is(n->parent, "correlationSets") &&
		 !name_set_has(&u->csets, name))
		chk_warn(c, n, "correlation set '%s' is never used", name);
}

static void after_exit(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)ud;
	if (!chk_is(n, "sequence"))
		return;
	bool exited = false;
	CHK_EACH(ch, n)
	{
		if (!chk_is_activity(ch))
			continue;
		if (exited) {
			chk_warn(
				c, ch,
				"<%s> follows an <exit> in this <sequence> and never runs",
				(const char *)ch->name);
			return;
		}
		exited = chk_is(ch, "exit");
	}
}

/* <extensionActivity><anyElementQName …/></extensionActivity>: bpelc
 * understands no extension activity (a mustUnderstand one is SA00009);
 * it runs as <empty/>. */
static void extension_activity(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)ud;
	if (!chk_is(n, "extensionActivity"))
		return;
	xmlNodePtr x = NULL;
	CHK_EACH(ch, n)
	if (!x && chk_is_extension(ch))
		x = ch;
	if (!x) {
		chk_warn(c, n,
			 "<extensionActivity> holds no extension element; it "
			 "runs as <empty/>");
		return;
	}
	chk_warn(c, n,
		 "extension activity <%s%s%s> ({%s}%s) is not understood; it "
		 "runs as <empty/>",
		 x->ns->prefix ? (const char *)x->ns->prefix : "",
		 x->ns->prefix ? ":" : "", (const char *)x->name,
		 (const char *)x->ns->href, (const char *)x->name);
}

void check_warn(struct chk *c)
{
	struct used u;
	memset(&u, 0, sizeof(u));
	u.vars.a = u.plinks.a = u.csets.a = c->a;
	chk_walk(c, collect, &u);
	chk_walk(c, report, &u);
	chk_walk(c, after_exit, NULL);
	chk_walk(c, extension_activity, NULL);
}
