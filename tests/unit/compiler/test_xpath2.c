/* test_xpath2.c — XPath-2.0-only constructs are named, XPath 1.0 passes;
 * expressions known to fault at run time (empty, no context node); the
 * check over a process that declares the XPath 2.0 URN; lowering of
 * <validate>, <extensionActivity> and doXslTransform stylesheets. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "compile_kit.h"
#include "diag.h"
#include "ir.h"
#include "xpath2.h"

static const char *needs(struct arena *a, const char *text)
{
	return xpath2_needs_xpath2(a, NULL, text);
}

START_TEST(xpath2_constructs_are_named)
{
	struct arena *a = arena_new();
	static const struct {
		const char *text, *what;
	} cases[] = {
		{ "for $x in $a/b return $x", "for" },
		{ "some $x in $a satisfies $x = 1", "quantified" },
		{ "every $x in $a satisfies $x", "quantified" },
		{ "if ($a = 1) then 'x' else 'y'", "if" },
		{ "$a eq 1", "'eq'" },
		{ "$a/b ge 2", "'ge'" },
		{ "1 to 5", "'to'" },
		{ "$a idiv 2", "idiv" },
		{ "$a instance of xs:int", "instance of" },
		{ "$a cast as xs:int", "cast as" },
		{ "$a castable as xs:int", "castable as" },
		{ "$a treat as xs:int", "treat as" },
		{ "$a except $b", "except" },
		{ "$a intersect $b", "intersect" },
		{ "xs:integer('1') + 1", "constructor" },
		{ "upper-case('a')", "upper-case" },
		{ "fn:string-join($a, ',')", "string-join" },
		{ "(1, 2)", "sequence" },
		{ "() ", "empty sequence" },
		{ "1 (: note :) + 1", "comment" },
		{ "$a << $b", "<<" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *why = needs(a, cases[i].text);
		ck_assert_msg(why && strstr(why, cases[i].what), "%s -> %s",
			      cases[i].text, why ? why : "(XPath 1.0)");
	}
	static const char *const xpath1[] = {
		"$a/b[1] = 'x' and count($c) > 2",
		"concat('a', 'b', 'c')",
		"$x div 2 + $y mod 3 - -1",
		"$a * $b",
		"$a/for",
		"$a/to[. = 'to']",
		"not($a/@eq) or string-length(normalize-space($b)) >= 1",
		"bpel:getVariableProperty('v', 'p:q')",
		"$a[position() = last()]",
		"'if (x) then y'",
	};
	for (size_t i = 0; i < sizeof xpath1 / sizeof *xpath1; i++) {
		const char *why = needs(a, xpath1[i]);
		ck_assert_msg(!why, "%s -> %s", xpath1[i], why);
	}
	arena_free(a);
}
END_TEST

START_TEST(xpath2_runtime_errors)
{
	struct arena *a = arena_new();
	ck_assert_ptr_nonnull(
		strstr(xpath2_runtime_error(a, "", false), "empty"));
	ck_assert_ptr_nonnull(
		strstr(xpath2_runtime_error(a, "  \n", true), "empty"));
	const char *why = xpath2_runtime_error(a, "NoConditionHere", false);
	ck_assert_msg(why && strstr(why, "NoConditionHere") &&
			      strstr(why, "context node"),
		      "%s", why);
	ck_assert_ptr_nonnull(xpath2_runtime_error(a, "count(foo) > 0", false));
	ck_assert_ptr_nonnull(xpath2_runtime_error(a, "/a/b", false));
	ck_assert_ptr_nonnull(xpath2_runtime_error(a, "1 = 1 and @x", false));
	ck_assert_ptr_null(xpath2_runtime_error(a, "foo", true)); /* a query */
	ck_assert_ptr_null(xpath2_runtime_error(a, "$a/foo[bar] = 1", false));
	ck_assert_ptr_null(xpath2_runtime_error(a, "2 * 3 div 1", false));
	ck_assert_ptr_null(
		xpath2_runtime_error(a, "true() and not(false())", false));
	ck_assert_ptr_null(xpath2_runtime_error(a, "$a.part//x | $b/y", false));
	ck_assert(xpath2_blank(" \t"));
	ck_assert(!xpath2_blank(" x"));
	arena_free(a);
}
END_TEST

/* ---- through the compiler ------------------------------------------------ */

/* A process with `attrs` on <process> and `body` after a start receive,
 * lowered when check found no error; `xsl`, when not NULL, is written
 * next to it as s.xsl. */
static void run(struct kit *x, const char *attrs, const char *body,
		const char *xsl)
{
	if (xsl)
		kit_write(x, "s.xsl", xsl);
	char *seq = NULL;
	size_t len;
	FILE *f = open_memstream(&seq, &len);
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"
		"%s\n</sequence>\n",
		body);
	fclose(f);
	kit_inline(x, attrs, seq, KIT_LOWER);
	free(seq);
}

#define X2 \
	"expressionLanguage=\"urn:oasis:names:tc:wsbpel:2.0:sublang:xpath2.0\""

START_TEST(xpath2_urn_accepted_when_xpath1)
{
	struct kit x = { 0 };
	run(&x, X2, "<if><condition>$in.order = 'a'</condition><empty/></if>",
	    NULL);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	kit_free(&x);
}
END_TEST

/* XPath 1.0 §3.7: a name right after an operand is an operator name,
 * even when '(' follows it; issue 16 point 1. */
START_TEST(xpath2_operator_names_before_parenthesis)
{
	struct kit x = { 0 };
	run(&x, X2,
	    "<if><condition>(1 = 1) or (2 = 2)</condition><empty/></if>\n"
	    "<if><condition>($in.order = 'a') and ('b' = 'b')</condition><empty/></if>\n"
	    "<if><condition>(4 div (2)) = (5 mod (3))</condition><empty/></if>",
	    NULL);
	ck_assert_msg(diag_errors(x.dg) == 0 && !strstr(x.out, "lacks"), "%s",
		      x.out);
	kit_free(&x);
	struct arena *a = arena_new();
	ck_assert_ptr_null(needs(a, "(1 = 1) or (2 = 2)"));
	ck_assert_ptr_null(needs(a, "$a div (2)"));
	ck_assert_ptr_nonnull(
		needs(a, "or(1)")); /* a call: no operand before */
	arena_free(a);
}
END_TEST

START_TEST(xpath2_construct_is_an_error_with_line)
{
	struct kit x = { 0 };
	run(&x, X2,
	    "<if>\n<condition>if ($in.order) then true() else false()</condition><empty/></if>",
	    NULL);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_msg(strstr(x.out, "p.bpel:13:") &&
			      strstr(x.out, "if (…) then") &&
			      strstr(x.out, "XPath 2.0"),
		      "%s", x.out);
	kit_free(&x);
}
END_TEST

static struct ir_assign *assign_of(struct kit *x, const char *name)
{
	for (int i = 0; i < x->ir->assigns.n; i++) {
		struct ir_assign *as =
			IR_AT(x->ir->assigns, struct ir_assign, i);
		if (as->act && as->act->name &&
		    strcmp(as->act->name, name) == 0)
			return as;
	}
	ck_abort_msg("no assign %s", name);
	return NULL;
}

START_TEST(lower_validate_embeds_schemas)
{
	struct kit x = { 0 };
	run(&x, "", "<validate name=\"v\" variables=\"in  out\"/>", NULL);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	struct ir_assign *as = assign_of(&x, "v");
	ck_assert_int_eq(as->ncopies, 0);
	ck_assert_int_eq(as->nvalidate, 2);
	ck_assert_int_ge(x.ir->schemas.n, 1);
	struct ir_embed *e = IR_AT(x.ir->schemas, struct ir_embed, 0);
	ck_assert_ptr_nonnull(strstr(e->text, "schema"));
	ck_assert_ptr_nonnull(strstr(e->uri, "/bpelc-schemas/"));
	kit_free(&x);
}
END_TEST

START_TEST(lower_no_schemas_without_validation)
{
	struct kit x = { 0 };
	run(&x, "", "<empty/>", NULL);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	ck_assert_int_eq(x.ir->schemas.n, 0);
	kit_free(&x);
}
END_TEST

START_TEST(lower_extension_activity_is_empty)
{
	struct kit x = { 0 };
	run(&x, "",
	    "<extensionActivity><documentation>d</documentation><x:magic xmlns:x=\"urn:x\"/></extensionActivity>",
	    NULL);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	/* once (check, not lowering too), naming the element */
	const char *w = strstr(x.out, "warning: extension activity <x:magic> "
				      "({urn:x}magic) is not understood");
	ck_assert_msg(w && strchr(w, '\n') &&
			      !strstr(strchr(w, '\n'), "x:magic"),
		      "%s", x.out);
	bool found = false;
	for (int i = 0; i < x.ir->states.n; i++) {
		struct ir_state *st = IR_AT(x.ir->states, struct ir_state, i);
		if (st->act && st->act->kind == BPEL_ACT_EXTENSION) {
			ck_assert_int_eq(st->kind, IR_EMPTY);
			found = true;
		}
	}
	ck_assert(found);
	kit_free(&x);
}
END_TEST

START_TEST(lower_stylesheets_and_expression_errors)
{
	struct kit x = { 0 };
	run(&x, "",
	    "<assign><copy><from>bpel:doXslTransform('s.xsl', $in.order)</from>"
	    "<to variable=\"out\" part=\"result\"/></copy>\n"
	    "<copy><from>bpel:doXslTransform(\"gone.xsl\", $in.order)</from>"
	    "<to variable=\"out\" part=\"result\"/></copy></assign>\n"
	    "<if><condition></condition><empty/></if>",
	    "<xsl:stylesheet version='1.0' "
	    "xmlns:xsl='http://www.w3.org/1999/XSL/Transform'/>");
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	ck_assert_int_eq(x.ir->stylesheets.n, 2);
	struct ir_embed *s0 = IR_AT(x.ir->stylesheets, struct ir_embed, 0);
	struct ir_embed *s1 = IR_AT(x.ir->stylesheets, struct ir_embed, 1);
	ck_assert_str_eq(s0->uri, "s.xsl");
	ck_assert_ptr_nonnull(strstr(s0->text, "xsl:stylesheet"));
	ck_assert_str_eq(s1->uri, "gone.xsl");
	ck_assert_ptr_null(s1->text);
	ck_assert_msg(strstr(x.out, "gone.xsl") &&
			      strstr(x.out, "xsltStylesheetNotFound"),
		      "%s", x.out);
	/* the empty condition: a warning and a recorded error */
	ck_assert_msg(strstr(x.out, "empty"), "%s", x.out);
	bool found = false;
	for (int i = 0; i < x.ir->exprs.n; i++) {
		struct ir_expr *e = IR_AT(x.ir->exprs, struct ir_expr, i);
		if (e->error && strstr(e->error, "empty"))
			found = true;
	}
	ck_assert(found);
	kit_free(&x);
}
END_TEST

Suite *xpath2_suite(void);
Suite *xpath2_suite(void)
{
	Suite *s = suite_create("xpath2");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, xpath2_constructs_are_named);
	tcase_add_test(tc, xpath2_runtime_errors);
	tcase_add_test(tc, xpath2_urn_accepted_when_xpath1);
	tcase_add_test(tc, xpath2_operator_names_before_parenthesis);
	tcase_add_test(tc, xpath2_construct_is_an_error_with_line);
	tcase_add_test(tc, lower_validate_embeds_schemas);
	tcase_add_test(tc, lower_no_schemas_without_validation);
	tcase_add_test(tc, lower_extension_activity_is_empty);
	tcase_add_test(tc, lower_stylesheets_and_expression_errors);
	suite_add_tcase(s, tc);
	return s;
}
