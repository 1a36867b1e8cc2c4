/*
 * test_xpath.c — XPath with BPEL variables: preparation, the XPath view
 * of each kind of variable (semantics.md §4), faults from evaluation, and
 * the BPEL functions getVariableProperty and doXslTransform.
 */
#include <unistd.h>

#include "data_kit.h"

#define ORDER_XML                                             \
	"<t:order xmlns:t='urn:t' t:code='A'><t:id>42</t:id>" \
	"<t:line>1</t:line><t:line>2</t:line></t:order>"

/* ORDER: the X_* indexes. */
enum {
	X_ELEM_ID,
	X_COUNT_ELEM,
	X_FLAG,
	X_NUM_PLUS,
	X_STR_CONCAT,
	X_PART_ID,
	X_PART_COUNT,
	X_UNKNOWN_FN,
	X_UNKNOWN_VAR,
	X_UNPREFIXED,
	X_GVP_MSG,
	X_GVP_ELEM,
	X_GVP_STR,
	X_GVP_NESTED,
	X_GVP_LINES,
	X_ALIAS_ID,
	X_ALIAS_LINES,
	X_CPLX_ID,
	X_NEXPRS
};

static const struct brt_expr x_exprs[] = {
	DK_EXPR("$elem/t:id"),
	DK_EXPR("count($elem)"),
	DK_EXPR("$flag"),
	DK_EXPR("$num + 1"),
	DK_EXPR("concat($str, '!')"),
	DK_EXPR("$msg.order/t:id"),
	DK_EXPR("$msg.count * 2"),
	DK_EXPR("t:nosuch(1)"),
	DK_EXPR("$undeclared"),
	DK_EXPR("count($elem/id)"),
	DK_EXPR("bpel:getVariableProperty('msg', 'p:orderId')"),
	DK_EXPR("bpel:getVariableProperty('elem', 'p:orderId')"),
	DK_EXPR("bpel:getVariableProperty('str', 'p:orderId')"),
	DK_EXPR("concat(bpel:getVariableProperty('msg', 'p:orderId'), '-', "
		"$elem/t:id, '-', $msg.count)"),
	DK_EXPR("bpel:getVariableProperty('item', 'p:orderId')"),
	/* alias queries, evaluated with the part/element as context */
	DK_EXPR("t:id"),
	DK_EXPR("t:line"),
	DK_EXPR("$cplx/t:id"),
};

static const struct brt_property x_props[] = {
	{ { DK_P, "orderId" }, BRT_XSD_STRING },
};
static const struct brt_alias x_aliases[] = {
	{ 0, &dk_msg, "order", { NULL, NULL }, { NULL, NULL }, X_ALIAS_ID },
	{ 0, NULL, NULL, { DK_T, "order" }, { NULL, NULL }, X_ALIAS_ID },
	/* an alias that selects two nodes */
	{ 0, NULL, NULL, { DK_T, "item" }, { NULL, NULL }, X_ALIAS_LINES },
};

static const struct brt_process x_proc = {
	.name = "kit",
	.source = "kit.bpel",
	.nvars = DK_NVARS,
	.vars = dk_vars,
	.nexprs = X_NEXPRS,
	.exprs = x_exprs,
	.nproperties = 1,
	.properties = x_props,
	.naliases = 3,
	.aliases = x_aliases,
};

static char *eval_str(struct brt_dctx *d, int expr)
{
	static char buf[512];
	xmlXPathObjectPtr r = brt__dx_eval(d, expr, NULL);
	if (r == NULL)
		return NULL;
	xmlChar *s = xmlXPathCastToString(r);
	snprintf(buf, sizeof buf, "%s", (const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(r);
	return buf;
}

static void set_msg(void)
{
	dk_set(DK_V_MSG, "<message><order>" ORDER_XML "</order>"
			 "<count> 3 </count></message>");
}

/* An expression that does not compile, or that the compiler knows will
 * fault, does not stop the service: evaluating it faults. */
/* libxml2 names an unknown function only on its generic error channel,
 * which would print to stderr outside the log: the name goes into the
 * fault's reason (logged by the service) and nothing reaches stderr. */
START_TEST(xpath_unknown_function_message_goes_into_the_fault)
{
	static const struct brt_expr ex[] = {
		{ "nosuch(2) = 2", "f.bpel", 7, 0, NULL, 0, NULL },
	};
	struct brt_process p = { .name = "f", .nexprs = 1, .exprs = ex };
	struct brt_dctx d;
	dk_begin(&d, &p);
	char path[] = "/tmp/bpelc-xpath-stderr-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	int saved = dup(2);
	dup2(fd, 2);
	xmlXPathObjectPtr r = brt__dx_eval(&d, 0, NULL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	off_t size = lseek(fd, 0, SEEK_END);
	close(fd);
	unlink(path);
	ck_assert_ptr_null(r);
	dk_assert_fault(&d, "subLanguageExecutionFault");
	ck_assert_msg(strstr(d.why, "f.bpel:7") && strstr(d.why, "nosuch") &&
			      strstr(d.why, "unregistered function"),
		      "%s", d.why);
	ck_assert_msg(size == 0, "libxml2 wrote %ld bytes to stderr",
		      (long)size);
	dk_end(&d);
}
END_TEST

/* A hostile request with many text nodes must not make string() copy
 * quadratically (libxml2's exact-size buffers): preparing sets doubling. */
START_TEST(xpath_prepare_sets_doubling_buffers)
{
	xmlSetBufferAllocationScheme(XML_BUFFER_ALLOC_EXACT);
	struct brt_process p = { .name = "f" };
	struct brt_dctx d;
	dk_begin(&d, &p);
	ck_assert_int_eq(xmlGetBufferAllocationScheme(),
			 XML_BUFFER_ALLOC_DOUBLEIT);
	dk_end(&d);
}
END_TEST

START_TEST(xpath_bad_expression_faults_when_evaluated)
{
	static const struct brt_expr bad[] = {
		{ "1 +", "bad.bpel", 12, 0, NULL, 0, NULL },
		{ "", "bad.bpel", 13, 0, NULL, 0, NULL },
		{ "1 + 1", "bad.bpel", 14, 0, NULL, 0, NULL },
	};
	static const char *const errors[] = { NULL, "the expression is empty",
					      NULL };
	struct brt_process p = {
		.name = "bad", .nexprs = 3, .exprs = bad, .expr_errors = errors
	};
	struct brt_dctx d;
	dk_begin(&d, &p); /* prepares: must succeed */
	ck_assert_ptr_null(brt__dx_eval(&d, 0, NULL));
	dk_assert_fault(&d, "subLanguageExecutionFault");
	ck_assert_msg(strstr(d.why, "bad.bpel:12") != NULL &&
			      strstr(d.why, "invalid expression") != NULL,
		      "%s", d.why);
	dk_clear(&d);
	ck_assert_ptr_null(brt__dx_eval(&d, 1, NULL));
	dk_assert_fault(&d, "subLanguageExecutionFault");
	ck_assert_msg(strstr(d.why, "empty") != NULL, "%s", d.why);
	dk_clear(&d);
	xmlXPathObjectPtr r = brt__dx_eval(&d, 2, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_double_eq(xmlXPathCastToNumber(r), 2);
	xmlXPathFreeObject(r);
	dk_end(&d);
}
END_TEST

START_TEST(xpath_prepare_rejects_bad_literal)
{
	static const char *const lits[] = { "<a><b></a>" };
	struct brt_process p = { .name = "bad",
				 .source = "lit.bpel",
				 .nliterals = 1,
				 .literals = lits };
	struct brt_prepared *pp = NULL;
	char err[256] = "";
	ck_assert_int_eq(brt__data_prepare_proc(&p, &pp, err, sizeof err),
			 BRT_EINVAL);
	ck_assert_ptr_null(pp);
	ck_assert_msg(strstr(err, "lit.bpel") != NULL, "%s", err);
}
END_TEST

START_TEST(xpath_element_variable_is_its_element)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	ck_assert_str_eq(eval_str(&d, X_ELEM_ID), "42");
	ck_assert_str_eq(eval_str(&d, X_COUNT_ELEM), "1");
	/* Unprefixed names have no namespace, whatever the default ns. */
	ck_assert_str_eq(eval_str(&d, X_UNPREFIXED), "0");
	dk_assert_ok(&d);
	dk_end(&d);
}
END_TEST

START_TEST(xpath_complex_type_variable_is_its_wrapper)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	dk_set(DK_V_CPLX, "<cplx xmlns:t='urn:t'><t:id>7</t:id></cplx>");
	ck_assert_str_eq(eval_str(&d, X_CPLX_ID), "7");
	dk_end(&d);
}
END_TEST

START_TEST(xpath_boolean_variable_false_is_false)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	bool out = true;
	dk_set(DK_V_FLAG, "<flag>false</flag>");
	xmlXPathObjectPtr r = brt__dx_eval(&d, X_FLAG, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, XPATH_BOOLEAN);
	out = xmlXPathCastToBoolean(r);
	xmlXPathFreeObject(r);
	ck_assert(!out);
	dk_set(DK_V_FLAG, "<flag> true </flag>");
	r = brt__dx_eval(&d, X_FLAG, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert(xmlXPathCastToBoolean(r));
	xmlXPathFreeObject(r);
	dk_end(&d);
}
END_TEST

START_TEST(xpath_simple_variables_are_atomic)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	dk_set(DK_V_NUM, "<num>7</num>");
	dk_set(DK_V_STR, "<str>abc</str>");
	xmlXPathObjectPtr r = brt__dx_eval(&d, X_NUM_PLUS, NULL);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(r->type, XPATH_NUMBER);
	ck_assert(r->floatval == 8.0);
	xmlXPathFreeObject(r);
	ck_assert_str_eq(eval_str(&d, X_STR_CONCAT), "abc!");
	dk_end(&d);
}
END_TEST

START_TEST(xpath_message_parts)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	set_msg();
	ck_assert_str_eq(eval_str(&d, X_PART_ID), "42");
	ck_assert_str_eq(eval_str(&d, X_PART_COUNT), "6");
	dk_end(&d);
}
END_TEST

START_TEST(xpath_uninitialized_variable_and_part)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	ck_assert_ptr_null(brt__dx_eval(&d, X_ELEM_ID, NULL));
	dk_assert_fault(&d, "uninitializedVariable");
	dk_clear(&d);
	/* The message has its order part but no count part. */
	dk_set(DK_V_MSG, "<message><order>" ORDER_XML "</order></message>");
	ck_assert_str_eq(eval_str(&d, X_PART_ID), "42");
	ck_assert_ptr_null(brt__dx_eval(&d, X_PART_COUNT, NULL));
	dk_assert_fault(&d, "uninitializedVariable");
	ck_assert_msg(strstr(d.why, "count") != NULL, "%s", d.why);
	dk_end(&d);
}
END_TEST

START_TEST(xpath_errors_are_sublanguage_faults)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	ck_assert_ptr_null(brt__dx_eval(&d, X_UNKNOWN_FN, NULL));
	dk_assert_fault(&d, "subLanguageExecutionFault");
	ck_assert_msg(strstr(d.why, "kit.bpel:") != NULL, "%s", d.why);
	dk_clear(&d);
	ck_assert_ptr_null(brt__dx_eval(&d, X_UNKNOWN_VAR, NULL));
	dk_assert_fault(&d, "subLanguageExecutionFault");
	dk_end(&d);
}
END_TEST

START_TEST(xpath_get_variable_property)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	set_msg();
	dk_set(DK_V_ELEM, "<t:order xmlns:t='urn:t'><t:id>43</t:id></t:order>");
	ck_assert_str_eq(eval_str(&d, X_GVP_MSG), "42");
	ck_assert_str_eq(eval_str(&d, X_GVP_ELEM), "43");
	/* A nested evaluation leaves the outer one's context intact. */
	ck_assert_str_eq(eval_str(&d, X_GVP_NESTED), "42-43-3");
	dk_assert_ok(&d);
	dk_end(&d);
}
END_TEST

START_TEST(xpath_get_variable_property_selection_failure)
{
	struct brt_dctx d;
	dk_begin(&d, &x_proc);
	dk_set(DK_V_STR, "<str>x</str>");
	ck_assert_ptr_null(brt__dx_eval(&d, X_GVP_STR, NULL)); /* no alias */
	dk_assert_fault(&d, "selectionFailure");
	dk_clear(&d);
	dk_set(DK_V_ITEM, "<t:item xmlns:t='urn:t'><t:line>1</t:line>"
			  "<t:line>2</t:line></t:item>");
	ck_assert_ptr_null(brt__dx_eval(&d, X_GVP_LINES, NULL)); /* 2 nodes */
	dk_assert_fault(&d, "selectionFailure");
	dk_clear(&d);
	dk_set(DK_V_ITEM, "<t:item xmlns:t='urn:t'/>");
	ck_assert_ptr_null(brt__dx_eval(&d, X_GVP_LINES, NULL)); /* 0 nodes */
	dk_assert_fault(&d, "selectionFailure");
	dk_end(&d);
}
END_TEST

/* ---- doXslTransform: stylesheets come embedded in the descriptor ------
 * The result is an XPath value tree: usable as a whole (string, copy), not
 * as the start of a path (libxml2 2.9 refuses steps from value trees). */

static const char xsl_text[] =
	"<xsl:stylesheet version='1.0' "
	"xmlns:xsl='http://www.w3.org/1999/XSL/Transform' "
	"xmlns:t='urn:t'>"
	"<xsl:param name='suffix' select=\"'?'\"/>"
	"<xsl:template match='/t:order'>"
	"<t:item><xsl:value-of select='concat(t:id, $suffix)'/></t:item>"
	"</xsl:template></xsl:stylesheet>";

START_TEST(xpath_do_xsl_transform)
{
	const struct brt_expr ex[] = {
		DK_EXPR("string(bpel:doXslTransform('s.xsl', $elem, 'suffix', "
			"'!'))"),
		DK_EXPR("bpel:doXslTransform('missing.xsl', $elem)"),
		DK_EXPR("bpel:doXslTransform('s.xsl', $str)"),
		DK_EXPR("bpel:doXslTransform('broken.xsl', $elem)"),
		DK_EXPR("bpel:doXslTransform('unread.xsl', $elem)"),
	};
	const struct brt_embed sheets[] = {
		{ "s.xsl", NULL, xsl_text },
		{ "broken.xsl", NULL, "<xsl:stylesheet/>" },
		{ "unread.xsl", NULL, NULL },
	};
	struct brt_process p = x_proc;
	p.nexprs = 5;
	p.exprs = ex;
	p.nstylesheets = 3;
	p.stylesheets = sheets;
	struct brt_dctx d;
	dk_begin(&d, &p);
	dk_set(DK_V_ELEM, ORDER_XML);
	dk_set(DK_V_STR, "<str>x</str>");
	xmlXPathObjectPtr r = brt__dx_eval(&d, 0, NULL);
	ck_assert_ptr_nonnull(r);
	xmlChar *s = xmlXPathCastToString(r);
	ck_assert_str_eq((const char *)s, "42!");
	xmlFree(s);
	xmlXPathFreeObject(r);
	ck_assert_ptr_null(brt__dx_eval(&d, 1, NULL));
	dk_assert_fault(&d, "xsltStylesheetNotFound");
	dk_clear(&d);
	ck_assert_ptr_null(brt__dx_eval(&d, 2, NULL));
	dk_assert_fault(&d, "xsltInvalidSource");
	dk_clear(&d);
	ck_assert_ptr_null(brt__dx_eval(&d, 3, NULL));
	dk_assert_fault(&d, "subLanguageExecutionFault");
	dk_clear(&d);
	ck_assert_ptr_null(brt__dx_eval(&d, 4, NULL));
	dk_assert_fault(&d, "xsltStylesheetNotFound");
	dk_end(&d);
}
END_TEST

Suite *xpath_suite(void);
Suite *xpath_suite(void)
{
	Suite *s = suite_create("xpath");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, xpath_bad_expression_faults_when_evaluated);
	tcase_add_test(tc, xpath_prepare_sets_doubling_buffers);
	tcase_add_test(tc, xpath_unknown_function_message_goes_into_the_fault);
	tcase_add_test(tc, xpath_prepare_rejects_bad_literal);
	tcase_add_test(tc, xpath_element_variable_is_its_element);
	tcase_add_test(tc, xpath_complex_type_variable_is_its_wrapper);
	tcase_add_test(tc, xpath_boolean_variable_false_is_false);
	tcase_add_test(tc, xpath_simple_variables_are_atomic);
	tcase_add_test(tc, xpath_message_parts);
	tcase_add_test(tc, xpath_uninitialized_variable_and_part);
	tcase_add_test(tc, xpath_errors_are_sublanguage_faults);
	tcase_add_test(tc, xpath_get_variable_property);
	tcase_add_test(tc, xpath_get_variable_property_selection_failure);
	tcase_add_test(tc, xpath_do_xsl_transform);
	suite_add_tcase(s, tc);
	return s;
}
