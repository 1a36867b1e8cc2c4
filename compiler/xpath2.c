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
 * A small tokenizer is enough for both: the rules are about which token
 * may stand where. Syntax errors are left to libxml2 at run time. Not
 * here: the SA rules (check_*.c), evaluation (runtime/xpath.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xpath2.h"

enum tk { K_NAME, K_FUNC, K_NODETYPE, K_AXIS, K_VAR, K_NUM, K_STR, K_LPAREN,
	  K_RPAREN, K_LBRACK, K_RBRACK, K_SLASH, K_DSLASH, K_DOT, K_DDOT,
	  K_AT, K_COMMA, K_PIPE, K_OP, K_STAR, K_QMARK, K_COMMENT, K_END };

struct tok {
	enum tk k;
	const char *s;
	size_t len;
};

struct toks {
	struct tok *t;
	int n, cap;
};

static bool name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

static bool name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

static struct tok *push(struct toks *ts)
{
	if (ts->n == ts->cap) {
		int cap = ts->cap ? 2 * ts->cap : 64;
		struct tok *t = realloc(ts->t, (size_t)cap * sizeof *t);
		if (!t) {
			fputs("bpelc: out of memory\n", stderr);
			exit(2);
		}
		ts->t = t;
		ts->cap = cap;
	}
	return &ts->t[ts->n++];
}

/* Tokens of XPath 1.0 and the XPath 2.0 extras (comments, '?', '<<',
 * '>>'). false: something neither knows (left to the runtime). */
static bool tokenize(const char *text, struct toks *ts)
{
	ts->n = 0;
	const char *p = skip_ws(text);
	while (*p) {
		struct tok *t = push(ts);
		t->s = p;
		if (*p == '(' && p[1] == ':') {
			const char *e = strstr(p + 2, ":)");
			if (!e)
				return false;
			t->k = K_COMMENT;
			p = e + 2;
		} else if (*p == '\'' || *p == '"') {
			const char *e = strchr(p + 1, *p);
			if (!e)
				return false;
			t->k = K_STR;
			p = e + 1;
		} else if ((*p >= '0' && *p <= '9') ||
			   (*p == '.' && p[1] >= '0' && p[1] <= '9')) {
			while ((*p >= '0' && *p <= '9') || *p == '.' ||
			       *p == 'e' || *p == 'E')
				p++;
			t->k = K_NUM;
		} else if (*p == '$') {
			p++;
			while (name_char(*p) || (*p == ':' && name_start(p[1])))
				p++;
			t->k = K_VAR;
		} else if (name_start(*p)) {
			while (name_char(*p))
				p++;
			if (*p == ':' && p[1] == '*') {
				p += 2;
			} else if (*p == ':' && name_start(p[1])) {
				p++;
				while (name_char(*p))
					p++;
			}
			const char *q = skip_ws(p);
			t->k = K_NAME;
			if (q[0] == ':' && q[1] == ':') {
				t->k = K_AXIS;
				t->len = (size_t)(p - t->s);
				p = skip_ws(q + 2);
				continue;
			}
			if (*q == '(' && q[1] != ':') {
				size_t n = (size_t)(p - t->s);
				t->k = K_FUNC;
				if ((n == 4 && !strncmp(t->s, "node", 4)) ||
				    (n == 4 && !strncmp(t->s, "text", 4)) ||
				    (n == 7 && !strncmp(t->s, "comment", 7)) ||
				    (n == 22 &&
				     !strncmp(t->s, "processing-instruction", 22)))
					t->k = K_NODETYPE;
			}
		} else {
			t->k = K_OP;
			switch (*p) {
			case '(': t->k = K_LPAREN; p++; break;
			case ')': t->k = K_RPAREN; p++; break;
			case '[': t->k = K_LBRACK; p++; break;
			case ']': t->k = K_RBRACK; p++; break;
			case ',': t->k = K_COMMA; p++; break;
			case '|': t->k = K_PIPE; p++; break;
			case '@': t->k = K_AT; p++; break;
			case '*': t->k = K_STAR; p++; break;
			case '?': t->k = K_QMARK; p++; break;
			case '/':
				t->k = p[1] == '/' ? K_DSLASH : K_SLASH;
				p += p[1] == '/' ? 2 : 1;
				break;
			case '.':
				t->k = p[1] == '.' ? K_DDOT : K_DOT;
				p += p[1] == '.' ? 2 : 1;
				break;
			case '!':
				if (p[1] != '=')
					return false;
				p += 2;
				break;
			case '<': case '>':
				p += p[1] == '=' || p[1] == *p ? 2 : 1;
				break;
			case '=': case '+': case '-':
				p++;
				break;
			default:
				return false;
			}
		}
		t->len = (size_t)(p - t->s);
		p = skip_ws(p);
	}
	struct tok *end = push(ts);
	end->k = K_END;
	end->s = p;
	end->len = 0;
	ts->n--;
	return true;
}

static bool is(const struct tok *t, const char *s)
{
	return t->len == strlen(s) && strncmp(t->s, s, t->len) == 0;
}

/* After such a token an operator, not an operand, is expected. */
static bool ends_operand(enum tk k)
{
	return k == K_NAME || k == K_VAR || k == K_NUM || k == K_STR ||
	       k == K_RPAREN || k == K_RBRACK || k == K_DOT || k == K_DDOT ||
	       k == K_STAR;
}

/* Token i stands where an operator is expected (XPath 1.0 §3.7: an
 * operator name or '*' right after an operand). */
static bool operator_pos(const struct toks *ts, int i)
{
	if (i <= 0 || !ends_operand(ts->t[i - 1].k))
		return false;
	enum tk k = ts->t[i - 1].k;
	/* a name or '*' that is itself an operator ends nothing */
	return !((k == K_NAME || k == K_STAR) && operator_pos(ts, i - 1));
}

/* ---- run-time faults ------------------------------------------------------ */

/* The first token that starts a location path where no context node
 * exists: an operand position outside predicates, not a step hung off an
 * operand by '/'. -1: none. */
static int bare_path(const struct toks *ts)
{
	int depth = 0;
	for (int i = 0; i < ts->n; i++) {
		const struct tok *t = &ts->t[i];
		if (t->k == K_LBRACK) {
			depth++;
			continue;
		}
		if (t->k == K_RBRACK) {
			depth--;
			continue;
		}
		if (depth > 0 || t->k == K_COMMENT || operator_pos(ts, i))
			continue;
		enum tk prev = i > 0 ? ts->t[i - 1].k : K_OP;
		if (prev == K_SLASH || prev == K_DSLASH || prev == K_AXIS ||
		    prev == K_AT)
			continue; /* a later step of the same path */
		switch (t->k) {
		case K_NAME: case K_STAR: case K_DOT: case K_DDOT: case K_AT:
		case K_AXIS: case K_NODETYPE: case K_SLASH: case K_DSLASH:
			return i;
		default:
			break;
		}
	}
	return -1;
}

bool xpath2_blank(const char *text)
{
	return !text || !*skip_ws(text);
}

const char *xpath2_runtime_error(struct arena *a, const char *text,
				 bool is_query)
{
	const char *p = text ? skip_ws(text) : "";
	if (!*p)
		return is_query ? "the query is empty" : "the expression is empty";
	if (is_query)
		return NULL;
	struct toks ts = { 0 };
	const char *why = NULL;
	if (tokenize(p, &ts)) {
		int at = bare_path(&ts);
		if (at >= 0)
			why = arena_printf(a,
					   "'%.*s' is a location path, but an "
					   "expression has no context node",
					   (int)(ts.t[at].len ? ts.t[at].len
							      : 1),
					   ts.t[at].s);
	}
	free(ts.t);
	return why;
}

/* ---- XPath 2.0 constructs ------------------------------------------------- */

#define NS_FN "http://www.w3.org/2005/xpath-functions"

static const char *const xpath1_functions[] = {
	"last", "position", "count", "id", "local-name", "namespace-uri",
	"name", "string", "concat", "starts-with", "contains",
	"substring-before", "substring-after", "substring", "string-length",
	"normalize-space", "translate", "boolean", "not", "true", "false",
	"lang", "number", "sum", "floor", "ceiling", "round", NULL,
};

/* The namespace a function token's prefix is bound to at n; "" for no
 * prefix, NULL when the prefix is not declared. */
static const char *func_ns(xmlNodePtr n, const struct tok *t, size_t *plen)
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

static bool xpath1_function(const struct tok *t, size_t plen)
{
	const char *local = t->s + (plen ? plen + 1 : 0);
	size_t len = t->len - (plen ? plen + 1 : 0);
	for (int i = 0; xpath1_functions[i]; i++)
		if (strlen(xpath1_functions[i]) == len &&
		    strncmp(xpath1_functions[i], local, len) == 0)
			return true;
	return false;
}

/* The first XPath-2.0-only construct, described; NULL if none. */
static const char *xpath2_construct(struct arena *a, xmlNodePtr n,
				    const struct toks *ts)
{
	static const char *const value_cmp[] = { "eq", "ne", "lt", "gt", "le",
						 "ge", NULL };
	for (int i = 0; i < ts->n; i++) {
		const struct tok *t = &ts->t[i];
		const struct tok *nx = &ts->t[i + 1];
		bool op = operator_pos(ts, i);
		switch (t->k) {
		case K_COMMENT:
			return "a comment '(: … :)'";
		case K_QMARK:
			return "an occurrence indicator '?'";
		case K_OP:
			if (is(t, "<<") || is(t, ">>"))
				return arena_printf(a, "the node comparison "
						    "'%.*s'", (int)t->len,
						    t->s);
			break;
		case K_FUNC: {
			if (is(t, "if")) {
				for (int j = i + 1; j < ts->n; j++)
					if (ts->t[j].k == K_NAME &&
					    is(&ts->t[j], "then"))
						return "the conditional 'if (…) "
						       "then … else …'";
			}
			size_t plen;
			const char *ns = func_ns(n, t, &plen);
			if (ns && strcmp(ns, NS_XSD) == 0)
				return arena_printf(a, "the constructor "
						    "function %.*s()",
						    (int)t->len, t->s);
			if (ns && (!*ns || strcmp(ns, NS_FN) == 0) &&
			    !xpath1_function(t, plen))
				return arena_printf(a, "the function %.*s(), "
						    "which XPath 1.0 lacks",
						    (int)t->len, t->s);
			break;
		}
		case K_LPAREN: {
			/* (a, b): a sequence, not a function's arguments */
			if (i > 0 && (ts->t[i - 1].k == K_FUNC ||
				      ts->t[i - 1].k == K_NODETYPE))
				break;
			int depth = 0;
			for (int j = i + 1; j < ts->n; j++) {
				enum tk k = ts->t[j].k;
				if (k == K_LPAREN)
					depth++;
				if (k == K_RPAREN && depth-- == 0)
					break;
				if (k == K_COMMA && depth == 0)
					return "a sequence '(…, …)'";
			}
			if (nx->k == K_RPAREN)
				return "the empty sequence '()'";
			break;
		}
		case K_NAME:
			if (!op) {
				if ((is(t, "for") || is(t, "some") ||
				     is(t, "every")) && nx->k == K_VAR)
					return arena_printf(
						a, "the %s expression '%.*s "
						"%.*s in …'",
						is(t, "for") ? "for"
							     : "quantified",
						(int)t->len, t->s,
						(int)nx->len, nx->s);
				break;
			}
			if (is(t, "instance") && nx->k == K_NAME &&
			    is(nx, "of"))
				return "'instance of'";
			if ((is(t, "cast") || is(t, "castable") ||
			     is(t, "treat")) && nx->k == K_NAME && is(nx, "as"))
				return arena_printf(a, "'%.*s as'", (int)t->len,
						    t->s);
			if (is(t, "to"))
				return "the range 'to'";
			if (is(t, "idiv") || is(t, "is") || is(t, "except") ||
			    is(t, "intersect") || is(t, "union"))
				return arena_printf(a, "the operator '%.*s'",
						    (int)t->len, t->s);
			for (int j = 0; value_cmp[j]; j++)
				if (is(t, value_cmp[j]))
					return arena_printf(
						a, "the value comparison '%s'",
						value_cmp[j]);
			break;
		default:
			break;
		}
	}
	return NULL;
}

const char *xpath2_needs_xpath2(struct arena *a, xmlNodePtr n,
				const char *text)
{
	struct toks ts = { 0 };
	const char *why = NULL;
	if (text && tokenize(text, &ts))
		why = xpath2_construct(a, n, &ts);
	free(ts.t);
	return why;
}

/* ---- the check over a process --------------------------------------------- */

static bool bpel_elem(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns &&
	       strcmp((const char *)n->ns->href, NS_BPEL) == 0 &&
	       strcmp((const char *)n->name, name) == 0;
}

/* Elements whose text is an expression or a query. */
static bool holds_expression(xmlNodePtr n, bool *is_query)
{
	static const char *const names[] = {
		"condition", "for", "until", "repeatEvery", "startCounterValue",
		"finalCounterValue", "branches", "joinCondition",
		"transitionCondition", "from", "to", "query", NULL,
	};
	*is_query = bpel_elem(n, "query");
	for (int i = 0; names[i]; i++)
		if (bpel_elem(n, names[i]))
			goto found;
	return false;
found:
	if (!bpel_elem(n, "from") && !bpel_elem(n, "to"))
		return true;
	/* from/to hold an expression only when they are nothing else */
	static const char *const attrs[] = { "variable", "partnerLink",
					     "property", "part", NULL };
	for (int i = 0; attrs[i]; i++)
		if (xmlHasProp(n, BAD_CAST attrs[i]))
			return false;
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return false;
	return true;
}

struct walk {
	struct arena *a;
	struct diag *dg;
	const char *file;
	const char *elang, *qlang; /* the process's defaults */
};

static void walk(struct walk *w, xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		bool is_query;
		if (holds_expression(n, &is_query)) {
			xmlChar *lang = xmlGetProp(
				n, BAD_CAST(is_query ? "queryLanguage"
						     : "expressionLanguage"));
			const char *l = lang ? (const char *)lang
				      : is_query ? w->qlang : w->elang;
			if (l && strcmp(l, URN_XPATH2) == 0) {
				xmlChar *text = xmlNodeGetContent(n);
				const char *why = xpath2_needs_xpath2(
					w->a, n, (const char *)text);
				if (why) {
					struct loc loc = {
						w->file, (int)xmlGetLineNo(n), 0
					};
					diag_error(w->dg, &loc, NULL,
						   "<%s> uses %s, which needs "
						   "XPath 2.0; bpelc evaluates "
						   "XPath 2.0 expressions only "
						   "when they are also XPath "
						   "1.0",
						   (const char *)n->name, why);
				}
				xmlFree(text);
			}
			xmlFree(lang);
		}
		walk(w, n->children);
	}
}

void xpath2_check(struct model *m, struct diag *dg)
{
	if (!m || !m->process || !m->process->doc)
		return;
	xmlNodePtr root = xmlDocGetRootElement(m->process->doc);
	struct walk w = {
		m->arena, dg, m->process->path ? m->process->path : "",
		m->process->expression_language, m->process->query_language,
	};
	walk(&w, root);
}
