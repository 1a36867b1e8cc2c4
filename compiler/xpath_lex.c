/*
 * xpath_lex.c — the XPath token scanner shared by check_xpath.c and
 * xpath2.c (see xpath_lex.h). It classifies names the way XPath 1.0 §3.7
 * disambiguates them (function, node type, axis, plain name) and, on
 * request, the few XPath 2.0 lexemes, so that xpath2.c can name them.
 * Not here: what any token sequence means (the callers' rules), syntax
 * errors (libxml2 at run time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "xpath_lex.h"

bool xpath_lex_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

bool xpath_lex_name_char(char c)
{
	return xpath_lex_name_start(c) || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.';
}

const char *xpath_lex_skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

bool xpath_lex_is(const struct xpath_tok *t, const char *s)
{
	return t->len == strlen(s) && strncmp(t->s, s, t->len) == 0;
}

bool xpath_lex_ends_operand(enum xpath_tok_kind k)
{
	return k == XT_NAME || k == XT_VAR || k == XT_NUM || k == XT_STR ||
	       k == XT_RPAREN || k == XT_RBRACK || k == XT_DOT ||
	       k == XT_DDOT || k == XT_STAR;
}

void xpath_lex_free(struct xpath_toks *ts)
{
	free(ts->t);
	ts->t = NULL;
	ts->n = ts->cap = 0;
}

static struct xpath_tok *push(struct xpath_toks *ts)
{
	if (ts->n == ts->cap) {
		int cap = ts->cap ? 2 * ts->cap : 64;
		struct xpath_tok *t = realloc(ts->t, (size_t)cap * sizeof *t);
		if (!t)
			arena_oom();
		ts->t = t;
		ts->cap = cap;
	}
	return &ts->t[ts->n++];
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* A name, QName, prefix:* or axis at p; sets t->k, returns the end. */
static const char *scan_name(struct xpath_tok *t, const char *p)
{
	while (xpath_lex_name_char(*p))
		p++;
	if (*p == ':' && p[1] == '*') {
		p += 2;
	} else if (*p == ':' && xpath_lex_name_start(p[1])) {
		p++;
		while (xpath_lex_name_char(*p))
			p++;
	}
	const char *q = xpath_lex_skip_ws(p);
	size_t n = (size_t)(p - t->s);
	t->k = XT_NAME;
	if (q[0] == ':' && q[1] == ':') {
		t->k = XT_AXIS;
		t->len = n;
		return q + 2;
	}
	if (*q == '(' && q[1] != ':') {
		t->k = XT_FUNC;
		if ((n == 4 && !strncmp(t->s, "node", 4)) ||
		    (n == 4 && !strncmp(t->s, "text", 4)) ||
		    (n == 7 && !strncmp(t->s, "comment", 7)) ||
		    (n == 22 && !strncmp(t->s, "processing-instruction", 22)))
			t->k = XT_NODETYPE;
	}
	return p;
}

/* Punctuation and operators at p; NULL when p starts no token. */
static const char *scan_symbol(struct xpath_tok *t, const char *p, bool xpath2)
{
	t->k = XT_OP;
	switch (*p) {
	case '(':
		t->k = XT_LPAREN;
		return p + 1;
	case ')':
		t->k = XT_RPAREN;
		return p + 1;
	case '[':
		t->k = XT_LBRACK;
		return p + 1;
	case ']':
		t->k = XT_RBRACK;
		return p + 1;
	case ',':
		t->k = XT_COMMA;
		return p + 1;
	case '|':
		t->k = XT_PIPE;
		return p + 1;
	case '@':
		t->k = XT_AT;
		return p + 1;
	case '*':
		t->k = XT_STAR;
		return p + 1;
	case '?':
		t->k = XT_QMARK;
		return xpath2 ? p + 1 : NULL;
	case '/':
		t->k = p[1] == '/' ? XT_DSLASH : XT_SLASH;
		return p + (p[1] == '/' ? 2 : 1);
	case '.':
		t->k = p[1] == '.' ? XT_DDOT : XT_DOT;
		return p + (p[1] == '.' ? 2 : 1);
	case '!':
		return p[1] == '=' ? p + 2 : NULL;
	case '<':
	case '>':
		/* '<<' and '>>' are XPath 2.0 node comparisons */
		return p + (p[1] == '=' || (xpath2 && p[1] == *p) ? 2 : 1);
	case '=':
	case '+':
	case '-':
		return p + 1;
	default:
		return NULL;
	}
}

bool xpath_lex_scan(const char *text, bool xpath2, struct xpath_toks *ts)
{
	ts->n = 0;
	/* XPath 1.0 §3.7: right after an operand, a name is an operator
	 * name (and, or, div, mod; XPath 2.0's eq, to, …) and '*' is the
	 * multiply operator, whatever follows them: `(1 = 1) or (2 = 2)`
	 * calls no function or(). `after_operand` tracks that state. */
	bool after_operand = false;
	const char *p = xpath_lex_skip_ws(text);
	while (*p) {
		struct xpath_tok *t = push(ts);
		t->s = p;
		if (*p == '(' && p[1] == ':') {
			const char *e = strstr(p + 2, ":)");
			if (!xpath2 || !e)
				return false;
			t->k = XT_COMMENT;
			p = e + 2;
		} else if (*p == '\'' || *p == '"') {
			const char *e = strchr(p + 1, *p);
			if (!e)
				return false;
			t->k = XT_STR;
			p = e + 1;
		} else if (is_digit(*p) || (*p == '.' && is_digit(p[1]))) {
			while (is_digit(*p) || *p == '.' ||
			       (xpath2 && (*p == 'e' || *p == 'E')))
				p++;
			t->k = XT_NUM;
		} else if (*p == '$') {
			p++;
			while (xpath_lex_name_char(*p) ||
			       (*p == ':' && xpath_lex_name_start(p[1])))
				p++;
			t->k = XT_VAR;
		} else if (xpath_lex_name_start(*p)) {
			p = scan_name(t, p);
			if (t->k == XT_AXIS) {
				after_operand = false;
				p = xpath_lex_skip_ws(p);
				continue; /* its length excludes the '::' */
			}
			if (after_operand)
				t->k = XT_NAME; /* an operator name */
		} else if (!(p = scan_symbol(t, p, xpath2))) {
			return false;
		}
		t->len = (size_t)(p - t->s);
		p = xpath_lex_skip_ws(p);
		/* an operator name or '*' after an operand ends nothing */
		after_operand = (t->k == XT_NAME || t->k == XT_STAR) &&
						after_operand
					? false
					: xpath_lex_ends_operand(t->k);
	}
	struct xpath_tok *end = push(ts);
	end->k = XT_END;
	end->s = p;
	end->len = 0;
	ts->n--;
	return true;
}
