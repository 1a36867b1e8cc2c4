/*
 * check_xpath.c — static checks of XPath 1.0 expressions: SA00027 (no bare
 * location path: expressions have no context node), SA00028/SA00073
 * (joinCondition: only its own links and boolean operators, no bpel:
 * functions), SA00030/SA00031 (getVariableProperty arguments), SA00039-
 * SA00041 (doXslTransform arguments), SA00074/SA00075 (constant forEach
 * counters and branches), and the warning for a <while> whose condition
 * is a constant.
 *
 * Tokens (xpath_lex.c, shared with xpath2.c) are enough: the rules are
 * about which kind of token may start an operand at the top level of an
 * expression and about the literal arguments of two functions. Expressions in another language
 * are left alone (SA00004 rejects the language). Syntax errors and
 * unknown functions are check_expr.c's.
 *
 * SA00027, SA00074 and SA00075 are warnings that name the rule, not
 * errors: SA00074/75 are a MAY in the spec, and for all three the
 * conformance corpus expects the process to compile and raise the
 * run-time fault (subLanguageExecutionFault, invalidExpressionValue,
 * invalidBranchCondition), as ODE does. -Werror makes them errors.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check_int.h"
#include "xpath2.h"
#include "xpath_lex.h"

/* Is the QName prefix of token t bound to the BPEL namespace at n? */
static bool bpel_prefix(xmlNodePtr n, const struct xpath_tok *t)
{
	const char *colon = memchr(t->s, ':', t->len);
	if (!colon)
		return false;
	char prefix[128];
	size_t len = (size_t)(colon - t->s);
	if (len >= sizeof(prefix))
		return false;
	memcpy(prefix, t->s, len);
	prefix[len] = '\0';
	xmlNsPtr ns = xmlSearchNs(n->doc, n, (const xmlChar *)prefix);
	return ns && strcmp((const char *)ns->href, NS_BPEL) == 0;
}

static bool local_is(const struct xpath_tok *t, const char *local)
{
	const char *colon = memchr(t->s, ':', t->len);
	const char *l = colon ? colon + 1 : t->s;
	size_t n = t->len - (size_t)(l - t->s);
	return n == strlen(local) && strncmp(l, local, n) == 0;
}

/* Arguments of the call whose name is token f: [first, end) token ranges. */
struct args {
	int first[32], end[32];
	int n;
};

static void call_args(struct xpath_toks *ts, int f, struct args *a)
{
	a->n = 0;
	int depth = 0, start = f + 2;
	for (int i = f + 1; i < ts->n; i++) {
		enum xpath_tok_kind k = ts->t[i].k;
		if (k == XT_LPAREN || k == XT_LBRACK) {
			depth++;
		} else if (k == XT_RPAREN || k == XT_RBRACK) {
			if (--depth == 0) {
				if (i > start && a->n < 32) {
					a->first[a->n] = start;
					a->end[a->n++] = i;
				}
				return;
			}
		} else if (k == XT_COMMA && depth == 1 && a->n < 32) {
			a->first[a->n] = start;
			a->end[a->n++] = i;
			start = i + 1;
		}
	}
}

static bool is_literal(struct args *a, struct xpath_toks *ts, int i)
{
	return a->end[i] - a->first[i] == 1 && ts->t[a->first[i]].k == XT_STR;
}

/* Does the string literal token hold a QName whose prefix is bound at n? */
static bool literal_qname(xmlNodePtr n, const struct xpath_tok *t)
{
	size_t len = t->len - 2;
	const char *s = t->s + 1;
	if (len == 0 || !xpath_lex_name_start(*s))
		return false;
	const char *colon = NULL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == ':') {
			if (colon)
				return false;
			colon = s + i;
			if (i + 1 >= len || !xpath_lex_name_start(s[i + 1]))
				return false;
		} else if (!xpath_lex_name_char(s[i])) {
			return false;
		}
	}
	if (!colon)
		return true;
	char prefix[128];
	size_t plen = (size_t)(colon - s);
	if (plen >= sizeof(prefix))
		return false;
	memcpy(prefix, s, plen);
	prefix[plen] = '\0';
	return xmlSearchNs(n->doc, n, (const xmlChar *)prefix) != NULL;
}

static void bpel_functions(struct chk *c, xmlNodePtr n, struct xpath_toks *ts,
			   bool is_join)
{
	for (int i = 0; i < ts->n; i++) {
		struct xpath_tok *t = &ts->t[i];
		if (t->k != XT_FUNC || !bpel_prefix(n, t))
			continue;
		if (is_join) {
			chk_err(c, n, "SA00028",
				"a <joinCondition> must not call BPEL function %.*s()",
				(int)t->len, t->s);
			continue;
		}
		struct args a;
		call_args(ts, i, &a);
		if (local_is(t, "getVariableProperty")) {
			for (int k = 0; k < a.n && k < 2; k++)
				if (!is_literal(&a, ts, k))
					chk_err(c, n, "SA00030",
						"argument %d of bpel:getVariableProperty must be a string literal",
						k + 1);
			if (a.n >= 2 && is_literal(&a, ts, 1) &&
			    !literal_qname(n, &ts->t[a.first[1]]))
				chk_err(c, n, "SA00031",
					"the 2nd argument of bpel:getVariableProperty, %.*s, is not a QName with a declared prefix",
					(int)ts->t[a.first[1]].len,
					ts->t[a.first[1]].s);
		} else if (local_is(t, "doXslTransform")) {
			if (a.n >= 1 && !is_literal(&a, ts, 0))
				chk_err(c, n, "SA00039",
					"the 1st argument of bpel:doXslTransform (the stylesheet URI) must be a string literal");
			if (a.n > 2 && a.n % 2 != 0)
				chk_err(c, n, "SA00040",
					"bpel:doXslTransform takes parameters in name/value pairs; it has %d arguments",
					a.n);
			for (int k = 2; k < a.n; k += 2)
				if (!is_literal(&a, ts, k) ||
				    !literal_qname(n, &ts->t[a.first[k]]))
					chk_err(c, n, "SA00041",
						"parameter name (argument %d) of bpel:doXslTransform must be a string literal holding a QName",
						k + 1);
		}
	}
}

/* SA00073: a joinCondition reads only its activity's incoming links. */
static void join_links(struct chk *c, xmlNodePtr jc, struct xpath_toks *ts)
{
	xmlNodePtr targets = jc->parent;
	for (int i = 0; i < ts->n; i++) {
		struct xpath_tok *t = &ts->t[i];
		if (t->k == XT_VAR) {
			bool found = false;
			CHK_EACH(tg, targets)
			if (chk_is(tg, "target") && chk_attr(tg, "linkName") &&
			    strlen(chk_attr(tg, "linkName")) == t->len - 1 &&
			    strncmp(chk_attr(tg, "linkName"), t->s + 1,
				    t->len - 1) == 0)
				found = true;
			if (!found)
				chk_err(c, jc, "SA00073",
					"<joinCondition> refers to %.*s, which is not an incoming link of this activity",
					(int)t->len, t->s);
		} else if (t->k == XT_FUNC && !bpel_prefix(jc, t) &&
			   !xpath_lex_is(t, "not") &&
			   !xpath_lex_is(t, "true") &&
			   !xpath_lex_is(t, "false") &&
			   !xpath_lex_is(t, "boolean")) {
			chk_err(c, jc, "SA00073",
				"<joinCondition> may only combine link status with boolean operators, not %.*s()",
				(int)t->len, t->s);
		}
	}
}

/* A constant unsignedInt-ish value: 1 valid (value in *v), 0 not constant,
 * -1 constant but not a valid xsd:unsignedInt. */
static int constant(struct xpath_toks *ts, double *v)
{
	int i = 0;
	bool neg = false;
	if (ts->n == 2 && ts->t[0].k == XT_OP && xpath_lex_is(&ts->t[0], "-")) {
		neg = true;
		i = 1;
	} else if (ts->n != 1) {
		return 0;
	}
	struct xpath_tok *t = &ts->t[i];
	char buf[64];
	if (t->k == XT_NUM) {
		if (t->len >= sizeof(buf))
			return -1;
		memcpy(buf, t->s, t->len);
		buf[t->len] = '\0';
	} else if (t->k == XT_STR && !neg) {
		if (t->len - 2 >= sizeof(buf))
			return -1;
		memcpy(buf, t->s + 1, t->len - 2);
		buf[t->len - 2] = '\0';
		if (!buf[0])
			return -1;
	} else {
		return 0;
	}
	char *end;
	errno = 0;
	double d = strtod(buf, &end);
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end || errno)
		return -1;
	if (neg)
		d = -d;
	if (d < 0 || d > 4294967295.0 || d != (double)(long long)d)
		return -1;
	*v = d;
	return 1;
}

static bool is_expression_elem(xmlNodePtr n)
{
	if (chk_is_expression_elem(n))
		return true;
	if (chk_is(n, "from") || chk_is(n, "to")) {
		/* the expression form only: no variable, partnerLink, literal … */
		if (chk_attr(n, "variable") || chk_attr(n, "partnerLink") ||
		    chk_child(n, "literal") || chk_child(n, "query"))
			return false;
		for (xmlNodePtr ch = n->children; ch; ch = ch->next)
			if ((ch->type == XML_TEXT_NODE ||
			     ch->type == XML_CDATA_SECTION_NODE) &&
			    !chk_is_blank((const char *)ch->content))
				return true;
	}
	return false;
}

static bool xpath1(struct chk *c, xmlNodePtr n)
{
	const char *l = chk_attr(n, "expressionLanguage");
	if (!l)
		l = chk_attr(c->root, "expressionLanguage");
	return !l || strcmp(l, URN_XPATH1) == 0;
}

static bool tokens_of(struct chk *c, xmlNodePtr n, struct xpath_toks *ts)
{
	/* a from/to's own text: extension elements inside are no part of it */
	return xpath_lex_scan(chk_is(n, "from") || chk_is(n, "to")
				      ? chk_own_text(c, n)
				      : chk_text(c, n),
			      false, ts);
}

static void forEach_constants(struct chk *c, xmlNodePtr fe,
			      struct xpath_toks *ts)
{
	double start = 0, final = 0, branches = 0;
	int ks = 0, kf = 0, kb = 0;
	xmlNodePtr s = chk_child(fe, "startCounterValue"),
		   f = chk_child(fe, "finalCounterValue");
	xmlNodePtr cc = chk_child(fe, "completionCondition");
	xmlNodePtr b = cc ? chk_child(cc, "branches") : NULL;
	if (s && xpath1(c, s) && tokens_of(c, s, ts) &&
	    (ks = constant(ts, &start)) < 0)
		chk_warn_rule(
			c, s, "SA00074",
			"<startCounterValue> is a constant that is not an xsd:unsignedInt; the forEach will fault with bpel:invalidExpressionValue");
	if (f && xpath1(c, f) && tokens_of(c, f, ts) &&
	    (kf = constant(ts, &final)) < 0)
		chk_warn_rule(
			c, f, "SA00074",
			"<finalCounterValue> is a constant that is not an xsd:unsignedInt; the forEach will fault with bpel:invalidExpressionValue");
	if (b && xpath1(c, b) && tokens_of(c, b, ts))
		kb = constant(ts, &branches);
	if (ks == 1 && kf == 1 && kb == 1 && final >= start &&
	    branches > final - start + 1)
		chk_warn_rule(
			c, b, "SA00075",
			"<branches> is %.0f, more than the %.0f branches this forEach runs; it will fault with bpel:invalidBranchCondition",
			branches, final - start + 1);
}

/* Warning: a <while> whose condition reads no variable and calls nothing
 * but boolean functions is always true or always false. */
static void constant_while(struct chk *c, xmlNodePtr cond,
			   struct xpath_toks *ts)
{
	for (int i = 0; i < ts->n; i++) {
		struct xpath_tok *t = &ts->t[i];
		if (t->k == XT_VAR || t->k == XT_NAME || t->k == XT_NODETYPE ||
		    t->k == XT_AXIS || t->k == XT_DOT || t->k == XT_AT ||
		    t->k == XT_SLASH || t->k == XT_DSLASH)
			return;
		if (t->k == XT_FUNC && !xpath_lex_is(t, "true") &&
		    !xpath_lex_is(t, "false") && !xpath_lex_is(t, "not") &&
		    !xpath_lex_is(t, "boolean"))
			return;
	}
	chk_warn(c, cond, "the condition of <while>%s%s%s is a constant",
		 chk_attr(cond->parent, "name") ? " '" : "",
		 chk_attr(cond->parent, "name") ? chk_attr(cond->parent, "name")
						: "",
		 chk_attr(cond->parent, "name") ? "'" : "");
}

static void visit(struct chk *c, xmlNodePtr n, void *ud)
{
	struct xpath_toks *ts = ud;
	if (chk_is(n, "forEach")) {
		forEach_constants(c, n, ts);
		return;
	}
	if (!is_expression_elem(n) || !xpath1(c, n) || !tokens_of(c, n, ts))
		return;
	bool is_join = chk_is(n, "joinCondition");
	int at = xpath2_bare_path(ts);
	if (at >= 0)
		chk_warn_rule(
			c, n, "SA00027",
			"<%s> uses a location path ('%.*s…') without a variable; BPEL expressions have no context node, so it will fault with bpel:subLanguageExecutionFault",
			(const char *)n->name,
			(int)(ts->t[at].len ? ts->t[at].len : 1), ts->t[at].s);
	bpel_functions(c, n, ts, is_join);
	if (is_join)
		join_links(c, n, ts);
	if (chk_is(n, "condition") && chk_is(n->parent, "while") && ts->n > 0)
		constant_while(c, n, ts);
}

void check_xpath(struct chk *c)
{
	struct xpath_toks ts = { 0 };
	chk_walk(c, visit, &ts);
	xpath_lex_free(&ts);
}
