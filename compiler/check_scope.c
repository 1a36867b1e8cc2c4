/*
 * check_scope.c — scopes and their fault, compensation and termination
 * handlers: SA00003 (exitOnStandardFault vs. catches of standard faults),
 * SA00006 (rethrow), SA00007/SA00008 (compensateScope/compensate placement),
 * SA00077/SA00078 (compensateScope target), SA00079 (root scope of a
 * handler), SA00080 (empty faultHandlers), SA00081 (catch attributes),
 * SA00091 (isolated in isolated), SA00092 (scope names), SA00093 (duplicate
 * catches), SA00083 (empty eventHandlers).
 *
 * It does not check what is inside expressions or messaging activities.
 */
#include <string.h>

#include "check_int.h"

/* The standard faults of WS-BPEL 2.0 that exitOnStandardFault turns into
 * an exit: all but joinFailure (faults.md). */
static const char *const standard_faults[] = { "ambiguousReceive",
					       "completionConditionFailure",
					       "conflictingReceive",
					       "conflictingRequest",
					       "correlationViolation",
					       "invalidBranchCondition",
					       "invalidExpressionValue",
					       "invalidVariables",
					       "mismatchedAssignmentFailure",
					       "missingReply",
					       "missingRequest",
					       "scopeInitializationFailure",
					       "selectionFailure",
					       "subLanguageExecutionFault",
					       "uninitializedPartnerRole",
					       "uninitializedVariable",
					       "unsupportedReference",
					       "xsltInvalidSource",
					       "xsltStylesheetNotFound",
					       NULL };

/* exitOnStandardFault of scope/process s, inherited when not set: the
 * value resolve computed for it (resolve_model). */
static bool effective_exit(struct chk *c, xmlNodePtr s)
{
	if (chk_is(s, "process"))
		return c->m->process->scope->effective_exit_on_standard_fault;
	struct bpel_activity *a = chk_act_of(c, s);
	return a && a->scope && a->scope->effective_exit_on_standard_fault;
}

/* <catch faultName=bpel:X> under an exitOnStandardFault="yes" scope. */
static void sa00003(struct chk *c, xmlNodePtr ctch)
{
	struct chk_qn q = chk_qattr(c, ctch, "faultName");
	if (!q.local || !q.ns || strcmp(q.ns, NS_BPEL) != 0)
		return;
	bool is_std = false;
	for (int i = 0; standard_faults[i]; i++)
		if (strcmp(q.local, standard_faults[i]) == 0)
			is_std = true;
	if (!is_std)
		return;
	/* Owner: the scope/process of <faultHandlers>, or for an invoke's
	 * inline catch the scope around the invoke. */
	xmlNodePtr owner = ctch->parent;
	if (chk_is(owner, "faultHandlers"))
		owner = owner->parent;
	if (!chk_is_scope(owner))
		owner = chk_enclosing_scope(owner);
	if (owner && effective_exit(c, owner))
		chk_err(c, ctch, "SA00003",
			"<catch> of standard fault 'bpel:%s' in %s '%s' whose exitOnStandardFault is 'yes'",
			q.local, (const char *)owner->name,
			chk_attr(owner, "name") ? chk_attr(owner, "name") : "");
}

static bool is_fct(xmlNodePtr p)
{
	return chk_is(p, "catch") || chk_is(p, "catchAll") ||
	       chk_is(p, "compensationHandler") ||
	       chk_is(p, "terminationHandler");
}

/* Nearest enclosing catch/catchAll/compensationHandler/terminationHandler. */
static xmlNodePtr fct_of(xmlNodePtr n)
{
	for (xmlNodePtr p = n->parent; p && p->type == XML_ELEMENT_NODE;
	     p = p->parent)
		if (is_fct(p))
			return p;
	return NULL;
}

static void sa00006(struct chk *c, xmlNodePtr n)
{
	xmlNodePtr h = chk_handler_of(n);
	if (!h || !(chk_is(h, "catch") || chk_is(h, "catchAll")))
		chk_err(c, n, "SA00006",
			"<rethrow> is only allowed inside a <catch> or <catchAll>");
}

static bool has_handlers(xmlNodePtr t)
{
	if (chk_is(t, "invoke"))
		return chk_child(t, "catch") || chk_child(t, "catchAll") ||
		       chk_child(t, "compensationHandler");
	xmlNodePtr fh = chk_child(t, "faultHandlers");
	return (fh && chk_elem_first(fh)) ||
	       chk_child(t, "compensationHandler");
}

static void compensate(struct chk *c, xmlNodePtr n, bool is_scope)
{
	xmlNodePtr h = fct_of(n);
	if (!h) {
		chk_err(c, n, is_scope ? "SA00007" : "SA00008",
			"<%s> is only allowed inside a fault, compensation or termination handler",
			is_scope ? "compensateScope" : "compensate");
		return;
	}
	if (!is_scope)
		return;
	const char *target = chk_attr(n, "target");
	if (!target)
		return;
	xmlNodePtr owner = h->parent;
	if (chk_is(owner, "faultHandlers"))
		owner = owner->parent;
	if (!chk_is_scope(owner))
		return; /* an invoke's inline handler: its implicit scope is empty */
	/* resolve bound the target among the scopes owner immediately
	 * encloses, and nowhere else. */
	struct bpel_activity *act = chk_act_of(c, n);
	xmlNodePtr t = act && act->target_scope ? act->target_scope->node
						: NULL;
	if (!t) {
		chk_err(c, n, "SA00077",
			"compensateScope target '%s' is not a scope immediately enclosed by %s '%s'",
			target, (const char *)owner->name,
			chk_attr(owner, "name") ? chk_attr(owner, "name") : "");
		return;
	}
	if (!has_handlers(t))
		chk_err(c, n, "SA00078",
			"compensateScope target '%s' has no fault handler or compensation handler",
			target);
}

static void sa00079(struct chk *c, xmlNodePtr h)
{
	xmlNodePtr a = chk_activity_child(h);
	if (chk_is(a, "scope") && chk_child(a, "compensationHandler"))
		chk_err(c, chk_child(a, "compensationHandler"), "SA00079",
			"the root scope of a <%s> must not have a <compensationHandler>",
			(const char *)h->name);
}

static void sa00081(struct chk *c, xmlNodePtr n)
{
	bool v = chk_attr(n, "faultVariable"),
	     mt = chk_attr(n, "faultMessageType"),
	     el = chk_attr(n, "faultElement");
	if ((v && mt == el) || (!v && (mt || el)))
		chk_err(c, n, "SA00081",
			"<catch> must have faultVariable with exactly one of faultMessageType or faultElement, or none of them");
}

static void sa00093(struct chk *c, xmlNodePtr fh)
{
	CHK_EACH(a, fh)
	{
		if (!chk_is(a, "catch"))
			continue;
		for (xmlNodePtr b = chk_elem_next(a); b; b = chk_elem_next(b)) {
			if (!chk_is(b, "catch"))
				continue;
			static const char *const keys[] = { "faultName",
							    "faultMessageType",
							    "faultElement" };
			bool same = true;
			for (int i = 0; i < 3 && same; i++) {
				struct chk_qn qa = chk_qattr(c, a, keys[i]),
					      qb = chk_qattr(c, b, keys[i]);
				same = (!qa.local && !qb.local) ||
				       chk_qn_eq(qa, qb);
			}
			if (same)
				chk_err(c, b, "SA00093",
					"<catch> duplicates an earlier <catch> with the same faultName and fault type");
		}
	}
}

static void sa00091(struct chk *c, xmlNodePtr s)
{
	if (!chk_yes(s, "isolated"))
		return;
	for (xmlNodePtr p = chk_enclosing_scope(s); p;
	     p = chk_enclosing_scope(p))
		if (chk_is(p, "scope") && chk_yes(p, "isolated")) {
			chk_err(c, s, "SA00091",
				"isolated scope '%s' is nested in isolated scope '%s'",
				chk_attr(s, "name") ? chk_attr(s, "name")
						    : "(unnamed)",
				chk_attr(p, "name") ? chk_attr(p, "name")
						    : "(unnamed)");
			return;
		}
}

/* Named scopes whose nearest enclosing scope is s must differ in name. */
static void collect_scopes(xmlNodePtr n, xmlNodePtr *out, int *nout, int cap)
{
	CHK_EACH(ch, n)
	{
		if (chk_is(ch, "scope")) {
			if (chk_attr(ch, "name") && *nout < cap)
				out[(*nout)++] = ch;
			continue;
		}
		collect_scopes(ch, out, nout, cap);
	}
}

static void sa00092(struct chk *c, xmlNodePtr s)
{
	enum { CAP = 512 };
	xmlNodePtr sc[CAP];
	int n = 0;
	collect_scopes(s, sc, &n, CAP);
	for (int i = 0; i < n; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(chk_attr(sc[i], "name"),
				   chk_attr(sc[j], "name")) == 0) {
				chk_err(c, sc[i], "SA00092",
					"scope name '%s' is used twice in the same enclosing scope",
					chk_attr(sc[i], "name"));
				break;
			}
}

static void visit(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)ud;
	if (chk_is(n, "catch")) {
		sa00003(c, n);
		sa00081(c, n);
		sa00079(c, n);
	} else if (chk_is(n, "catchAll") || chk_is(n, "compensationHandler") ||
		   chk_is(n, "terminationHandler")) {
		sa00079(c, n);
	} else if (chk_is(n, "rethrow")) {
		sa00006(c, n);
	} else if (chk_is(n, "compensateScope")) {
		compensate(c, n, true);
	} else if (chk_is(n, "compensate")) {
		compensate(c, n, false);
	} else if (chk_is(n, "faultHandlers")) {
		if (!chk_child(n, "catch") && !chk_child(n, "catchAll"))
			chk_err(c, n, "SA00080",
				"<faultHandlers> has no <catch> and no <catchAll>");
		sa00093(c, n);
	} else if (chk_is(n, "eventHandlers")) {
		if (!chk_child(n, "onEvent") && !chk_child(n, "onAlarm"))
			chk_err(c, n, "SA00083",
				"<eventHandlers> has no <onEvent> and no <onAlarm>");
	} else if (chk_is_scope(n)) {
		sa00091(c, n);
		sa00092(c, n);
	}
}

void check_scope(struct chk *c)
{
	chk_walk(c, visit, NULL);
}
