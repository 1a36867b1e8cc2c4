/*
 * xpath_lex.h — the XPath token scanner that check_xpath.c (SA rules) and
 * xpath2.c (XPath 2.0 constructs, run-time faults) share.
 *
 * It splits an expression into tokens with the XPath 1.0 lexical rules
 * (§3.7: a name right after an operand is an operator name, whatever
 * follows it; otherwise a name followed by '(' is a function, by '::' an
 * axis); it does
 * not parse: the rules that use it are about which token stands where.
 * Syntax errors are left to libxml2 at run time.
 */
#ifndef BPELC_XPATH_LEX_H
#define BPELC_XPATH_LEX_H

#include <stdbool.h>
#include <stddef.h>

enum xpath_tok_kind {
	XT_NAME,
	XT_FUNC,
	XT_NODETYPE,
	XT_AXIS,
	XT_VAR,
	XT_NUM,
	XT_STR,
	XT_LPAREN,
	XT_RPAREN,
	XT_LBRACK,
	XT_RBRACK,
	XT_SLASH,
	XT_DSLASH,
	XT_DOT,
	XT_DDOT,
	XT_AT,
	XT_COMMA,
	XT_PIPE,
	XT_OP,
	XT_STAR,
	XT_QMARK,   /* XPath 2.0 only */
	XT_COMMENT, /* XPath 2.0 only: (: … :) */
	XT_END
};

struct xpath_tok {
	enum xpath_tok_kind k;
	const char *s; /* start in the text (borrowed) */
	size_t len;
};

/* Growable token array; t[n] is always an XT_END token after a
 * successful scan, so a rule may look one token ahead. Start it zeroed,
 * reuse it for several scans, release it with xpath_lex_free. */
struct xpath_toks {
	struct xpath_tok *t;
	int n, cap;
};

/* Split `text` into ts. xpath2: also accept the XPath 2.0 lexemes
 * (comments, '?', '<<', '>>', exponents in numbers). false when the text
 * holds something neither knows (ts is then incomplete). The tokens
 * borrow `text`. Out of memory exits 2 like the arena. */
bool xpath_lex_scan(const char *text, bool xpath2, struct xpath_toks *ts);
void xpath_lex_free(struct xpath_toks *ts);

/* Token text equals s. */
bool xpath_lex_is(const struct xpath_tok *t, const char *s);
/* After a token of this kind an operator, not an operand, is expected
 * (XPath 1.0 §3.7). */
bool xpath_lex_ends_operand(enum xpath_tok_kind k);
/* NCName start and body characters (non-ASCII accepted as letters). */
bool xpath_lex_name_start(char c);
bool xpath_lex_name_char(char c);
/* First character of p that is not XML white space. */
const char *xpath_lex_skip_ws(const char *p);

#endif
