/*
 * xpath2.c — what bpelc knows about an expression's language beyond
 * XPath 1.0 syntax:
 *
 *  - XPath 2.0 (urn:oasis:names:tc:wsbpel:2.0:sublang:xpath2.0): processes
 *    written for other engines often declare it. bpelc accepts the URN
 *    and evaluates the expression with XPath 1.0 when it is also valid
 *    XPath 1.0; an expression that needs XPath 2.0 is an error naming the
 *    construct (`for $x in`, `if (…) then`, `eq`, `xs:int(…)`, …).
 *  - Expressions that must fault at run time with
 *    bpel:subLanguageExecutionFault (semantics.md §4): an empty expression,
 *    or a location path with no context node (BPEL expressions have
 *    none). lower.c records the reason in the IR; the runtime raises the
 *    fault when the expression is evaluated, so the process compiles (the
 *    corpus and ODE expect that) and SA00027 (check_xpath.c) warns.
 *
 * The tokens (xpath_lex.c, shared with check_xpath.c) are enough for
 * both: the rules are about which token may stand where. Not here: the
 * walk over a process that reports these and syntax errors
 * (check_expr.c), the SA rules (check_*.c), evaluation
 * (runtime/data/xpath.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xpath2.h"
#include "xpath_lex.h"

/* Token i stands where an operator is expected (XPath 1.0 §3.7: an
 * operator name or '*' right after an operand); `prev` is the answer for
 * token i - 1. Callers walk the tokens in order, carrying it, so a long
 * run of names costs linear time (fuzz_xpath found the recursive form
 * quadratic, and deep enough to exhaust the stack). */
static bool operator_pos(const struct xpath_toks *ts, int i, bool prev)
{
	if (i <= 0 || !xpath_lex_ends_operand(ts->t[i - 1].k))
		return false;
	enum xpath_tok_kind k = ts->t[i - 1].k;
	/* a name or '*' that is itself an operator ends nothing */
	return !((k == XT_NAME || k == XT_STAR) && prev);
}

/* ---- run-time faults ------------------------------------------------------ */

/* The first token that starts a location path where no context node
 * exists: an operand position outside predicates, not a step hung off an
 * operand by '/'. -1: none. */
int xpath2_bare_path(const struct xpath_toks *ts)
{
	int depth = 0;
	bool op = false;
	for (int i = 0; i < ts->n; i++) {
		const struct xpath_tok *t = &ts->t[i];
		op = operator_pos(ts, i, op);
		if (t->k == XT_LBRACK) {
			depth++;
			continue;
		}
		if (t->k == XT_RBRACK) {
			depth--;
			continue;
		}
		if (depth > 0 || t->k == XT_COMMENT || op)
			continue;
		enum xpath_tok_kind prev = i > 0 ? ts->t[i - 1].k : XT_OP;
		if (prev == XT_SLASH || prev == XT_DSLASH || prev == XT_AXIS ||
		    prev == XT_AT)
			continue; /* a later step of the same path */
		switch (t->k) {
		case XT_NAME:
		case XT_STAR:
		case XT_DOT:
		case XT_DDOT:
		case XT_AT:
		case XT_AXIS:
		case XT_NODETYPE:
		case XT_SLASH:
		case XT_DSLASH:
			return i;
		default:
			break;
		}
	}
	return -1;
}

bool xpath2_blank(const char *text)
{
	return !text || !*xpath_lex_skip_ws(text);
}

const char *xpath2_runtime_error(struct arena *a, const char *text,
				 bool is_query)
{
	const char *p = text ? xpath_lex_skip_ws(text) : "";
	if (!*p)
		return is_query ? "the query is empty"
				: "the expression is empty";
	if (is_query)
		return NULL;
	struct xpath_toks ts = { 0 };
	const char *why = NULL;
	if (xpath_lex_scan(p, true, &ts)) {
		int at = xpath2_bare_path(&ts);
		if (at >= 0)
			why = arena_printf(a,
					   "'%.*s' is a location path, but an "
					   "expression has no context node",
					   (int)(ts.t[at].len ? ts.t[at].len
							      : 1),
					   ts.t[at].s);
	}
	xpath_lex_free(&ts);
	return why;
}

/* ---- XPath 2.0 constructs ------------------------------------------------- */

#define NS_FN "http://www.w3.org/2005/xpath-functions"

static const char *const xpath1_functions[] = {
	"last",
	"position",
	"count",
	"id",
	"local-name",
	"namespace-uri",
	"name",
	"string",
	"concat",
	"starts-with",
	"contains",
	"substring-before",
	"substring-after",
	"substring",
	"string-length",
	"normalize-space",
	"translate",
	"boolean",
	"not",
	"true",
	"false",
	"lang",
	"number",
	"sum",
	"floor",
	"ceiling",
	"round",
	NULL,
};

/* The namespace a function token's prefix is bound to at n; "" for no
 * prefix, NULL when the prefix is not declared. */
static const char *func_ns(xmlNodePtr n, const struct xpath_tok *t,
			   size_t *plen)
{
	const char *colon = memchr(t->s, ':', t->len);
	*plen = colon ? (size_t)(colon - t->s) : 0;
	if (!colon)
		return "";
	char prefix[128];
	if (*plen >= sizeof prefix)
		return NULL;
	memcpy(prefix, t->s, *plen);
	prefix[*plen] = '\0';
	xmlNsPtr ns = n ? xmlSearchNs(n->doc, n, BAD_CAST prefix) : NULL;
	if (!ns && (strcmp(prefix, "xs") == 0 || strcmp(prefix, "xsd") == 0))
		return NS_XSD;
	if (!ns && strcmp(prefix, "fn") == 0)
		return NS_FN;
	return ns ? (const char *)ns->href : NULL;
}

bool xpath2_is_core_function(const char *name, size_t len)
{
	for (int i = 0; xpath1_functions[i]; i++)
		if (strlen(xpath1_functions[i]) == len &&
		    strncmp(xpath1_functions[i], name, len) == 0)
			return true;
	return false;
}

static bool xpath1_function(const struct xpath_tok *t, size_t plen)
{
	const char *local = t->s + (plen ? plen + 1 : 0);
	size_t len = t->len - (plen ? plen + 1 : 0);
	return xpath2_is_core_function(local, len);
}

static bool is_one_of(const struct xpath_tok *t, const char *const *words)
{
	for (; *words; words++)
		if (xpath_lex_is(t, *words))
			return true;
	return false;
}

/* A name where an operator stands (t), followed by nx: XPath 2.0's word
 * operators, described; NULL when it is an XPath 1.0 one. */
static const char *word_operator(struct arena *a, const struct xpath_tok *t,
				 const struct xpath_tok *nx)
{
	static const char *const casts[] = { "cast", "castable", "treat",
					     NULL };
	static const char *const ops[] = { "idiv",	"is",	 "except",
					   "intersect", "union", NULL };
	static const char *const value_cmp[] = { "eq", "ne", "lt", "gt",
						 "le", "ge", NULL };
	if (xpath_lex_is(t, "instance") && nx->k == XT_NAME &&
	    xpath_lex_is(nx, "of"))
		return "'instance of'";
	if (is_one_of(t, casts) && nx->k == XT_NAME && xpath_lex_is(nx, "as"))
		return arena_printf(a, "'%.*s as'", (int)t->len, t->s);
	if (xpath_lex_is(t, "to"))
		return "the range 'to'";
	if (is_one_of(t, ops))
		return arena_printf(a, "the operator '%.*s'", (int)t->len,
				    t->s);
	if (is_one_of(t, value_cmp))
		return arena_printf(a, "the value comparison '%.*s'",
				    (int)t->len, t->s);
	return NULL;
}

/* The first XPath-2.0-only construct, described; NULL if none. */
static const char *xpath2_construct(struct arena *a, xmlNodePtr n,
				    const struct xpath_toks *ts)
{
	static const char *const binders[] = { "for", "some", "every", NULL };
	bool op = false;
	for (int i = 0; i < ts->n; i++) {
		const struct xpath_tok *t = &ts->t[i];
		const struct xpath_tok *nx = &ts->t[i + 1];
		op = operator_pos(ts, i, op);
		switch (t->k) {
		case XT_COMMENT:
			return "a comment '(: … :)'";
		case XT_QMARK:
			return "an occurrence indicator '?'";
		case XT_OP:
			if (xpath_lex_is(t, "<<") || xpath_lex_is(t, ">>"))
				return arena_printf(a,
						    "the node comparison "
						    "'%.*s'",
						    (int)t->len, t->s);
			break;
		case XT_FUNC: {
			if (xpath_lex_is(t, "if")) {
				for (int j = i + 1; j < ts->n; j++)
					if (ts->t[j].k == XT_NAME &&
					    xpath_lex_is(&ts->t[j], "then"))
						return "the conditional 'if (…) "
						       "then … else …'";
			}
			size_t plen;
			const char *ns = func_ns(n, t, &plen);
			if (ns && strcmp(ns, NS_XSD) == 0)
				return arena_printf(a,
						    "the constructor "
						    "function %.*s()",
						    (int)t->len, t->s);
			if (ns && (!*ns || strcmp(ns, NS_FN) == 0) &&
			    !xpath1_function(t, plen))
				return arena_printf(a,
						    "the function %.*s(), "
						    "which XPath 1.0 lacks",
						    (int)t->len, t->s);
			break;
		}
		case XT_LPAREN: {
			/* (a, b): a sequence, not a function's arguments */
			if (i > 0 && (ts->t[i - 1].k == XT_FUNC ||
				      ts->t[i - 1].k == XT_NODETYPE))
				break;
			int depth = 0;
			for (int j = i + 1; j < ts->n; j++) {
				enum xpath_tok_kind k = ts->t[j].k;
				if (k == XT_LPAREN)
					depth++;
				if (k == XT_RPAREN && depth-- == 0)
					break;
				if (k == XT_COMMA && depth == 0)
					return "a sequence '(…, …)'";
			}
			if (nx->k == XT_RPAREN)
				return "the empty sequence '()'";
			break;
		}
		case XT_NAME: {
			if (!op && is_one_of(t, binders) && nx->k == XT_VAR)
				return arena_printf(
					a, "the %s expression '%.*s %.*s in …'",
					xpath_lex_is(t, "for") ? "for"
							       : "quantified",
					(int)t->len, t->s, (int)nx->len, nx->s);
			const char *why = op ? word_operator(a, t, nx) : NULL;
			if (why)
				return why;
			break;
		}
		default:
			break;
		}
	}
	return NULL;
}

const char *xpath2_needs_xpath2(struct arena *a, xmlNodePtr n, const char *text)
{
	struct xpath_toks ts = { 0 };
	const char *why = NULL;
	if (text && xpath_lex_scan(text, true, &ts))
		why = xpath2_construct(a, n, &ts);
	xpath_lex_free(&ts);
	return why;
}
