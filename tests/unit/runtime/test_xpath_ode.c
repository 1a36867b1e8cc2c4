/*
 * test_xpath_ode.c — Apache ODE's XPath extensions (xpath_ode.c) in a
 * process compiled with --ode: each function on the kit's variables, the
 * faults ODE raised, $ode: variables, getVariableData, and that a standard
 * process has none of them.
 */
#include "data_kit.h"

#define ODE "http://www.apache.org/ode/type/extension"
#define ORDER_XML                                             \
	"<t:order xmlns:t='urn:t' t:code='A'><t:id>42</t:id>" \
	"<t:line>1</t:line><t:line>2</t:line></t:order>"

static const struct brt_ns o_ns[] = {
	{ "t", DK_T },
	{ "p", DK_P },
	{ "bpel", BRT_NS_BPEL },
	{ "ode", ODE },
	{ "xdt", "http://www.w3.org/2003/11/xpath-datatypes" },
};

#define O_EXPR(text)                                                   \
	{                                                              \
		text, "ode.bpel", __LINE__, 5, o_ns, DK_NREFS, dk_refs \
	}

/* ORDER: the O_* indexes. */
enum {
	O_SPLIT_COUNT,
	O_SPLIT_SECOND,
	O_SPLIT_NS,
	O_SPLIT_OLD_NAME,
	O_SPLIT_REGEX,
	O_COMBINE,
	O_COMBINE_ABS,
	O_COMBINE_BAD,
	O_COMPOSE_PAIRS,
	O_COMPOSE_ELEM,
	O_COMPOSE_OP,
	O_EXPAND,
	O_DOM,
	O_INSERT_LAST,
	O_ORIGINAL,
	O_INSERT_BEFORE,
	O_INSERT_AFTER,
	O_INSERT_FIRST,
	O_DELETE,
	O_RENAME,
	O_RENAME_TYPE,
	O_PROP_ELEM,
	O_PROP_TEXT,
	O_PROP_NONE,
	O_DAYTIME,
	O_DAYTIME_BAD,
	O_YEARMONTH,
	O_GVD_PART,
	O_GVD_QUERY,
	O_GVD_ELEM,
	O_PID,
	O_QNAME,
	O_NEXPRS
};

static const struct brt_expr o_exprs[] = {
	O_EXPR("count(ode:split-to-elements('joe, paul,fred', ',', "
	       "'user')/user)"),
	O_EXPR("ode:split-to-elements('joe, paul,fred', ',', 'user')/user[2]"),
	O_EXPR("namespace-uri(ode:split-to-elements('a;b', ';', 'x', "
	       "'urn:n')/*[2])"),
	O_EXPR("count(ode:splitToElements($elem/t:id, ',', 'i')/i)"),
	O_EXPR("ode:split-to-elements('a ; b;c;;', '\\s*;\\s*', 'x')/x[2]"),
	O_EXPR("ode:combine-url('http://h/a/b/c', '../d')"),
	O_EXPR("ode:combine-url('http://h/a/', 'https://other/x')"),
	O_EXPR("ode:combine-url('not a url', 'x')"),
	O_EXPR("ode:compose-url('http://h/{a}/{b}?q={c=x}&r={d}', 'a', "
	       "'v 1', 'b', 'w/z')"),
	O_EXPR("ode:composeUrl('{id}/{line}', $elem)"),
	O_EXPR("ode:compose-url('{-join|&|a,b}', 'a', '1')"),
	O_EXPR("ode:expand-template('http://h/{a}/{b}', 'a', '1')"),
	O_EXPR("ode:dom-to-string($elem)"),
	O_EXPR("count(ode:insert-as-last-into($elem, $elem/t:id)/t:id)"),
	O_EXPR("count($elem/t:id)"),
	O_EXPR("concat(local-name(ode:insert-before($elem, $elem/t:line[1], "
	       "$elem/t:id)/*[2]), count(ode:insert-before($elem, "
	       "$elem/t:line[1], $elem/t:id)/*))"),
	O_EXPR("local-name(ode:insert-after($elem/t:line, $elem/t:id)/*[4])"),
	O_EXPR("ode:insert-as-first-into($elem, $elem/t:line[2])/*[1]"),
	O_EXPR("count(ode:delete($elem/t:line)/*)"),
	O_EXPR("ode:rename($elem/t:id, 't:ident')/t:ident"),
	O_EXPR("ode:rename($elem/t:id, 't:ident', 't:Code')/t:ident/@*"),
	O_EXPR("ode:process-property('p:endpoint')/p:url"),
	O_EXPR("ode:process-property('p:plain')"),
	O_EXPR("count(ode:process-property('p:none'))"),
	O_EXPR("xdt:dayTimeDuration('P1DT2H30M')"),
	O_EXPR("xdt:dayTimeDuration('P1Y')"),
	O_EXPR("xdt:yearMonthDuration('-P1Y2M')"),
	O_EXPR("bpel:getVariableData('msg', 'order')/t:id"),
	O_EXPR("bpel:getVariableData('msg', 'order', '/t:order/t:line[2]')"),
	O_EXPR("bpel:getVariableData('elem', 'x', 't:id')"),
	O_EXPR("$ode:pid + 1"),
	O_EXPR("$ode:processQName"),
};

static const struct brt_process_prop o_props[] = {
	{ { DK_P, "endpoint" },
	  "<p:e xmlns:p='urn:p'><p:url>http://x/y</p:url></p:e>" },
	{ { DK_P, "plain" }, "just text" },
};

static const struct brt_process o_proc = {
	.name = "kit",
	.qname = { DK_T, "kit" },
	.source = "ode.bpel",
	.nvars = DK_NVARS,
	.vars = dk_vars,
	.nexprs = O_NEXPRS,
	.exprs = o_exprs,
	.ode = true,
	.nprocess_props = 2,
	.process_props = o_props,
};

static const char *eval(struct brt_dctx *d, int expr)
{
	static char buf[1024];
	dk_clear(d);
	xmlXPathObjectPtr r = brt__dx_eval(d, expr, NULL);
	if (r == NULL)
		return NULL;
	xmlChar *s = xmlXPathCastToString(r);
	snprintf(buf, sizeof buf, "%s", (const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(r);
	brt__data_scratch_release(d->prep);
	return buf;
}

static void begin(struct brt_dctx *d)
{
	dk_begin(d, &o_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	dk_set(DK_V_MSG, "<message><order>" ORDER_XML "</order>"
			 "<count>3</count></message>");
	d->instance_id = 41;
}

#define ck_eval(d, expr, want)                                               \
	do {                                                                 \
		const char *got_ = eval((d), (expr));                        \
		ck_assert_msg(got_ != NULL, "%s: fault %s (%s)", #expr,      \
			      (d)->fault, (d)->why);                         \
		ck_assert_msg(strcmp(got_, (want)) == 0,                     \
			      "%s: got '%s', want '%s'", #expr, got_, want); \
	} while (0)

START_TEST(xpath_ode_split_to_elements)
{
	struct brt_dctx d;
	begin(&d);
	ck_eval(&d, O_SPLIT_COUNT, "3");
	ck_eval(&d, O_SPLIT_SECOND, "paul");
	ck_eval(&d, O_SPLIT_NS, "urn:n");
	ck_eval(&d, O_SPLIT_OLD_NAME, "1");
	/* a regular expression, and trailing empty pieces dropped */
	ck_eval(&d, O_SPLIT_REGEX, "b");
	dk_end(&d);
}
END_TEST

START_TEST(xpath_ode_urls)
{
	struct brt_dctx d;
	begin(&d);
	ck_eval(&d, O_COMBINE, "http://h/a/d");
	ck_eval(&d, O_COMBINE_ABS, "https://other/x");
	ck_assert_ptr_null(eval(&d, O_COMBINE_BAD));
	dk_assert_fault(&d, "{" ODE "}combineUrlInvalidSource");
	ck_eval(&d, O_COMPOSE_PAIRS, "http://h/v%201/w%2Fz?q=x&r=");
	/* an element's children are the pairs; the last of a name wins */
	ck_eval(&d, O_COMPOSE_ELEM, "42/2");
	ck_assert_ptr_null(eval(&d, O_COMPOSE_OP));
	dk_assert_fault(&d, "{" ODE "}composeUrlInvalidSource");
	/* expand-template keeps what it cannot fill */
	ck_eval(&d, O_EXPAND, "http://h/1/{b}");
	dk_end(&d);
}
END_TEST

START_TEST(xpath_ode_node_functions_copy)
{
	struct brt_dctx d;
	begin(&d);
	const char *s = eval(&d, O_DOM);
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(strstr(s, "<t:id>42</t:id>") && strstr(s, "xmlns:t"),
		      "%s", s);
	ck_eval(&d, O_INSERT_LAST, "2");
	ck_eval(&d, O_ORIGINAL, "1"); /* the variable is not changed */
	ck_eval(&d, O_INSERT_BEFORE, "id4");
	ck_eval(&d, O_INSERT_AFTER, "id");
	ck_eval(&d, O_INSERT_FIRST, "2");
	ck_eval(&d, O_DELETE, "1");
	ck_eval(&d, O_RENAME, "42");
	ck_eval(&d, O_RENAME_TYPE, "t:Code");
	ck_assert_str_eq(dk_get(DK_V_ELEM),
			 "<t:order xmlns:t=\"urn:t\" t:code=\"A\"><t:id>42"
			 "</t:id><t:line>1</t:line><t:line>2</t:line>"
			 "</t:order>");
	dk_end(&d);
}
END_TEST

START_TEST(xpath_ode_process_property_and_durations)
{
	struct brt_dctx d;
	begin(&d);
	ck_eval(&d, O_PROP_ELEM, "http://x/y");
	ck_eval(&d, O_PROP_TEXT, "just text");
	ck_eval(&d, O_PROP_NONE, "0");
	ck_eval(&d, O_DAYTIME, "P1DT2H30M");
	ck_assert_ptr_null(eval(&d, O_DAYTIME_BAD));
	dk_assert_fault(&d, "invalidExpressionValue");
	ck_eval(&d, O_YEARMONTH, "-P1Y2M");
	dk_end(&d);
}
END_TEST

START_TEST(xpath_ode_get_variable_data_and_variables)
{
	struct brt_dctx d;
	begin(&d);
	ck_eval(&d, O_GVD_PART, "42");
	ck_eval(&d, O_GVD_QUERY, "2");
	ck_eval(&d, O_GVD_ELEM, "42");
	ck_eval(&d, O_PID, "42");
	ck_eval(&d, O_QNAME, "{urn:t}kit");
	dk_end(&d);
}
END_TEST

/* A process compiled without --ode knows none of it. */
START_TEST(xpath_ode_absent_in_standard_processes)
{
	struct brt_process std = o_proc;
	std.ode = false;
	struct brt_dctx d;
	dk_begin(&d, &std);
	dk_set(DK_V_ELEM, ORDER_XML);
	ck_assert_ptr_null(eval(&d, O_COMBINE));
	dk_assert_fault(&d, "subLanguageExecutionFault");
	ck_assert_ptr_null(eval(&d, O_PID));
	dk_assert_fault(&d, "subLanguageExecutionFault");
	dk_end(&d);
}
END_TEST

Suite *xpath_ode_suite(void);
Suite *xpath_ode_suite(void)
{
	Suite *s = suite_create("xpath_ode");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, xpath_ode_split_to_elements);
	tcase_add_test(tc, xpath_ode_urls);
	tcase_add_test(tc, xpath_ode_node_functions_copy);
	tcase_add_test(tc, xpath_ode_process_property_and_durations);
	tcase_add_test(tc, xpath_ode_get_variable_data_and_variables);
	tcase_add_test(tc, xpath_ode_absent_in_standard_processes);
	suite_add_tcase(s, tc);
	return s;
}
