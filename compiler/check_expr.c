/*
 * check_expr.c — every expression and query of the process parsed at
 * compile time: what would otherwise only fail when it runs.
 *
 *  - An expression declared as XPath 2.0 that needs XPath 2.0 (xpath2.c
 *    names the construct): an error, bpelc evaluates XPath 1.0 only.
 *  - A syntax error (libxml2's XPath compiler, the one the runtime uses):
 *    a warning with libxml2's message and where in the text it stopped.
 *  - A call of a function nobody provides: not an XPath 1.0 core function,
 *    not bpel:getVariableProperty or bpel:doXslTransform, an undeclared
 *    prefix, or another namespace's function. A known vendor's namespace
 *    (Oracle, OpenESB, Apache ODE, BPEL4WS 1.1) is named in the message.
 *
 * Syntax errors and unknown functions are warnings, not errors: the
 * specification makes them a run-time bpel:subLanguageExecutionFault and
 * processes rely on that (docs/diagnostics.md); -Werror makes them
 * errors. Empty expressions are lowering's warning (lower.c), bare
 * location paths SA00027's (check_xpath.c); languages other than XPath
 * are SA00004's. Not here: evaluation (runtime/data/xpath.c).
 */
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "arena.h"
#include "check_int.h"
#include "xpath2.h"
#include "xpath_lex.h"

/* Elements whose text is an expression (or, for <query>, a query). */
static bool holds_expression(xmlNodePtr n, bool *is_query)
{
	*is_query = chk_is(n, "query");
	if (*is_query)
		return true;
	if (chk_is_expression_elem(n))
		return true;
	if (!chk_is(n, "from") && !chk_is(n, "to"))
		return false;
	/* from/to hold an expression only when they are nothing else;
	 * extension elements inside them are ignored (check_assign.c). */
	static const char *const attrs[] = { "variable", "partnerLink",
					     "property", "part", NULL };
	for (int i = 0; attrs[i]; i++)
		if (chk_attr(n, attrs[i]))
			return false;
	for (xmlNodePtr ch = n->children; ch; ch = ch->next)
		if (ch->type == XML_ELEMENT_NODE && !chk_is_extension(ch) &&
		    !chk_is(ch, "documentation"))
			return false;
	return true;
}

/* ---- functions ------------------------------------------------------------ */

#define NS_ODE_EXT "http://www.apache.org/ode/type/extension"
#define NS_XDT "http://www.w3.org/2003/11/xpath-datatypes"
/* The reason given for an unknown function of ODE's namespace under
 * --ode: an error, not a warning (ODE's compiler rejected it too). */
#define ODE_UNKNOWN "Apache ODE has no such extension function"

/* ODE's XPath extension functions (runtime/data/xpath_ode.c, registered
 * for processes compiled with --ode), with the camel-case names ODE
 * still took. */
static const char *const ode_functions[] = {
	"split-to-elements",
	"splitToElements",
	"combine-url",
	"combineUrl",
	"compose-url",
	"composeUrl",
	"expand-template",
	"expandTemplate",
	"dom-to-string",
	"domToString",
	"insert-before",
	"insert-after",
	"insert-as-first-into",
	"insert-as-last-into",
	"delete",
	"rename",
	"process-property",
	NULL,
};

/* Namespaces of other engines' extension functions, by prefix of the
 * URI: the message names the vendor so the user knows where it is from. */
static const struct {
	const char *uri_prefix;
	const char *vendor;
} vendors[] = {
	{ "http://www.oracle.com/XSL/Transform/java/",
	  "an Oracle BPEL (xp20/orcl) extension function, which bpelc lacks" },
	{ "http://schemas.oracle.com/",
	  "an Oracle BPEL extension function, which bpelc lacks" },
	{ "http://xmlns.oracle.com/",
	  "an Oracle BPEL extension function, which bpelc lacks" },
	{ "http://www.sun.com/wsbpel/2.0/process/executable/SUNExtension/",
	  "an OpenESB (sxxf) extension function, which bpelc lacks" },
	{ "http://www.apache.org/ode/",
	  "an Apache ODE extension function, which bpelc provides only under "
	  "--ode (docs/migrating-from-ode.md)" },
	{ "http://www.w3.org/2003/11/xpath-datatypes",
	  "a function of the 2003/11 XPath data types draft, which bpelc "
	  "provides (as Apache ODE did) only under --ode" },
	{ "http://schemas.xmlsoap.org/ws/2003/03/business-process/",
	  "a BPEL4WS 1.1 function (WS-BPEL 2.0 writes $variable.part and "
	  "<query> instead of getVariableData), which bpelc lacks" },
	{ "http://schemas.xmlsoap.org/ws/2004/03/business-process/",
	  "a function of the 2004/03 WS-BPEL 2.0 draft, which bpelc provides "
	  "only under --ode" },
};

static bool in_list(const char *s, size_t len, const char *const *list)
{
	for (; *list; list++)
		if (strlen(*list) == len && strncmp(*list, s, len) == 0)
			return true;
	return false;
}

/* Why the function token t (at element n) is one nobody provides; NULL
 * when it is provided. `xpath2`: unprefixed non-XPath-1.0 functions are
 * xpath2.c's (an error there), not reported here. */
static const char *unknown_function(struct chk *c, xmlNodePtr n,
				    const struct xpath_tok *t, bool xpath2)
{
	const char *colon = memchr(t->s, ':', t->len);
	if (!colon) {
		if (xpath2_is_core_function(t->s, t->len) || xpath2)
			return NULL;
		return "a function neither XPath 1.0 nor WS-BPEL provides";
	}
	size_t plen = (size_t)(colon - t->s);
	const char *local = colon + 1;
	size_t llen = t->len - plen - 1;
	char *prefix = arena_strndup(c->a, t->s, plen);
	xmlNsPtr ns = xmlSearchNs(n->doc, n, BAD_CAST prefix);
	if (!ns || !ns->href)
		return arena_printf(c->a, "its prefix '%s' is not declared",
				    prefix);
	const char *uri = (const char *)ns->href;
	if (strcmp(uri, NS_BPEL) == 0) {
		static const char *const bpel[] = { "getVariableProperty",
						    "doXslTransform", NULL };
		if (c->m->ode && llen == 15 &&
		    strncmp(local, "getVariableData", 15) == 0)
			return NULL; /* ODE took BPEL4WS 1.1's accessor */
		return in_list(local, llen, bpel)
			       ? NULL
			       : "WS-BPEL 2.0 defines no such function";
	}
	if (c->m->ode && strcmp(uri, NS_ODE_EXT) == 0)
		return in_list(local, llen, ode_functions) ? NULL : ODE_UNKNOWN;
	if (c->m->ode && strcmp(uri, NS_XDT) == 0) {
		static const char *const xdt[] = { "dayTimeDuration",
						   "yearMonthDuration", NULL };
		if (in_list(local, llen, xdt))
			return NULL;
	}
	for (size_t i = 0; i < sizeof vendors / sizeof vendors[0]; i++)
		if (strncmp(uri, vendors[i].uri_prefix,
			    strlen(vendors[i].uri_prefix)) == 0)
			return arena_printf(c->a, "%s ('%s')",
					    vendors[i].vendor, uri);
	return arena_printf(c->a,
			    "a function of namespace '%s', which bpelc "
			    "lacks",
			    uri);
}

static void functions(struct chk *c, xmlNodePtr n, struct xpath_toks *ts,
		      bool xpath2)
{
	for (int i = 0; i < ts->n; i++) {
		const struct xpath_tok *t = &ts->t[i];
		if (t->k != XT_FUNC)
			continue;
		const char *why = unknown_function(c, n, t, xpath2);
		if (why && strcmp(why, ODE_UNKNOWN) == 0)
			chk_err(c, n, NULL,
				"<%s> calls %.*s(): %s (docs/"
				"ode-xpath-extensions.md lists them)",
				(const char *)n->name, (int)t->len, t->s, why);
		else if (why)
			chk_warn(c, n,
				 "<%s> calls %.*s(): %s; evaluating it will "
				 "fault with bpel:subLanguageExecutionFault",
				 (const char *)n->name, (int)t->len, t->s, why);
	}
}

/* ---- syntax ----------------------------------------------------------------- */

struct syntax_err {
	char msg[200];
	int offset; /* where libxml2 stopped, -1 unknown */
	bool seen;
};

/* libxml2 hands XPath errors to the context's handler without a message
 * (only the code): its own texts for the codes a compile can give. */
static const char *xpath_error_text(int code)
{
	switch (code) {
	case XML_XPATH_NUMBER_ERROR:
		return "invalid number";
	case XML_XPATH_UNFINISHED_LITERAL_ERROR:
		return "unfinished string literal";
	case XML_XPATH_START_LITERAL_ERROR:
		return "expected a string literal";
	case XML_XPATH_VARIABLE_REF_ERROR:
		return "invalid variable reference";
	case XML_XPATH_INVALID_PREDICATE_ERROR:
		return "invalid predicate";
	case XML_XPATH_UNCLOSED_ERROR:
		return "missing ')' or ']'";
	case XML_XPATH_INVALID_OPERAND:
		return "invalid operand";
	case XML_XPATH_UNDEF_PREFIX_ERROR:
		return "undefined namespace prefix";
	case XML_XPATH_INVALID_CHAR_ERROR:
		return "invalid character";
	case XML_XPATH_ENCODING_ERROR:
		return "invalid UTF-8";
	default:
		return "invalid expression";
	}
}

static void syntax_err_cb(void *data, xmlErrorPtr e)
{
	struct syntax_err *se = data;
	if (!se || se->seen || !e)
		return;
	se->seen = true;
	snprintf(se->msg, sizeof se->msg, "%s",
		 e->message ? e->message : xpath_error_text(e->code));
	size_t len = strlen(se->msg);
	while (len > 0 && (se->msg[len - 1] == '\n' || se->msg[len - 1] == ' '))
		se->msg[--len] = '\0';
	se->offset = e->int1;
}

/* Silences libxml2's generic messages while compiling. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* Compile text with libxml2, as the runtime will, with the namespaces in
 * scope at n. false with *se filled when it does not compile. */
static bool compiles(xmlXPathContextPtr xp, xmlNodePtr n, const char *text,
		     struct syntax_err *se)
{
	xmlNsPtr *nss = xmlGetNsList(n->doc, n);
	int nns = 0;
	while (nss && nss[nns])
		nns++;
	xp->namespaces = nss;
	xp->nsNr = nns;
	xp->userData = se;
	xp->error = syntax_err_cb;
	se->seen = false;
	se->offset = -1;
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlXPathCompExprPtr comp = xmlXPathCtxtCompile(xp, BAD_CAST text);
	xmlSetGenericErrorFunc(NULL, NULL);
	xp->namespaces = NULL;
	xp->nsNr = 0;
	xp->userData = NULL;
	xp->error = NULL;
	xmlFree(nss);
	if (comp) {
		xmlXPathFreeCompExpr(comp);
		return true;
	}
	return false;
}

/* ---- the walk ---------------------------------------------------------------- */

struct walk {
	xmlXPathContextPtr xp;
	struct xpath_toks ts;
};

static void visit(struct chk *c, xmlNodePtr n, void *ud)
{
	struct walk *w = ud;
	bool is_query;
	if (!holds_expression(n, &is_query))
		return;
	const char *lang =
		chk_attr(n, is_query ? "queryLanguage" : "expressionLanguage");
	if (!lang)
		lang = is_query ? c->m->process->query_language
				: c->m->process->expression_language;
	bool xpath2 = lang && strcmp(lang, URN_XPATH2) == 0;
	if (lang && !xpath2 && strcmp(lang, URN_XPATH1) != 0)
		return; /* SA00004 */
	const char *text = chk_is(n, "from") || chk_is(n, "to")
				   ? chk_own_text(c, n)
				   : chk_text(c, n);
	if (xpath2_blank(text))
		return; /* lowering warns; the run time faults */
	if (xpath2) {
		const char *why = xpath2_needs_xpath2(c->a, n, text);
		if (why) {
			chk_err(c, n, NULL,
				"<%s> uses %s, which needs XPath 2.0; bpelc "
				"evaluates XPath 2.0 expressions only when "
				"they are also XPath 1.0",
				(const char *)n->name, why);
			return;
		}
	}
	struct syntax_err se;
	if (!compiles(w->xp, n, text, &se)) {
		const char *at = xpath_lex_skip_ws(text);
		int off = se.offset;
		if (off >= 0 && (size_t)off >= strlen(text))
			chk_warn(c, n,
				 "<%s> is not a valid XPath 1.0 %s: %s at its "
				 "end ('%.40s'); evaluating it will fault with "
				 "bpel:subLanguageExecutionFault",
				 (const char *)n->name,
				 is_query ? "query" : "expression",
				 se.seen ? se.msg : "syntax error", at);
		else if (off >= 0)
			chk_warn(c, n,
				 "<%s> is not a valid XPath 1.0 %s: %s at "
				 "character %d ('%.20s'); evaluating it will "
				 "fault with bpel:subLanguageExecutionFault",
				 (const char *)n->name,
				 is_query ? "query" : "expression",
				 se.seen ? se.msg : "syntax error", off + 1,
				 text + off);
		else
			chk_warn(c, n,
				 "<%s> is not a valid XPath 1.0 %s ('%.40s'): "
				 "%s; evaluating it will fault with "
				 "bpel:subLanguageExecutionFault",
				 (const char *)n->name,
				 is_query ? "query" : "expression", at,
				 se.seen ? se.msg : "syntax error");
		return;
	}
	if (xpath_lex_scan(text, xpath2, &w->ts))
		functions(c, n, &w->ts, xpath2);
}

void check_expr(struct chk *c)
{
	struct walk w = { 0 };
	w.xp = xmlXPathNewContext(NULL);
	if (!w.xp)
		arena_oom();
	chk_walk(c, visit, &w);
	xpath_lex_free(&w.ts);
	xmlXPathFreeContext(w.xp);
}
