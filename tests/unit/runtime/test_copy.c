/*
 * test_copy.c — <assign>/<copy> (semantics.md §4): every from/to form,
 * replace-element-properties vs replace-content, keepSrcElementName,
 * ignoreMissingFromData, selectionFailure, atomicity, deep copies;
 * Apache ODE's insertMissingToData and ignoreUninitializedFromVariable.
 * Results are checked with plain libxml2 XPath (dk_xp), not with the code
 * under test.
 */
#include "data_kit.h"
#include "failalloc.h"
#include "engine.h"

/* The copies below are written positionally up to the field they need;
 * the fields after it (Apache ODE's extensions) stay zero, which is the
 * default mode's value. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define ORDER_XML                                                   \
	"<t:order xmlns:t='urn:t' t:code='A'><t:id k='v'>42</t:id>" \
	"<t:line>1</t:line><t:line>2</t:line></t:order>"
#define ITEM_XML                                                              \
	"<t:item xmlns:t='urn:t' code='old'><t:line a='1'>x<t:sub/></t:line>" \
	"<t:line>y</t:line></t:item>"

/* ORDER: the C_* indexes. */
enum {
	C_ELEM_ID,
	C_STR_ELEM_ID,
	C_Q_LINE,
	C_Q_LINE1,
	C_Q_NONE,
	C_NEW,
	C_ITEM_CODE,
	C_ELEM_NONE,
	C_ELEM_LINES,
	C_FIVE,
	C_Q_ID,
	C_ITEM_LINE1,
	C_ITEM_LINE2_TEXT,
	C_ITEM_NONE,
	C_ITEM_DEEP,
	C_ITEM_AMBIG,
	C_ELEM_FRESH,
	C_NEXPRS
};
static const struct brt_expr c_exprs[] = {
	DK_EXPR("$elem/t:id"),
	DK_EXPR("string($elem/t:id)"),
	DK_EXPR("t:line"),
	DK_EXPR("t:line[1]"),
	DK_EXPR("t:none"),
	DK_EXPR("'new'"),
	DK_EXPR("$item/@code"),
	DK_EXPR("$elem/t:none"),
	DK_EXPR("$elem/t:line"),
	DK_EXPR("5"),
	DK_EXPR("t:id"),
	DK_EXPR("$item/t:line[1]"),
	DK_EXPR("$item/t:line[2]/text()"),
	DK_EXPR("$item/t:none"),
	DK_EXPR("$item/t:extra/t:deep"),
	DK_EXPR("$item/t:line/t:new"),
	DK_EXPR("$elem/t:id/@fresh"),
};

enum { L_ORDER, L_TEXT, L_OTHER, L_NONS, L_ITEM, C_NLITS };
static const char *const c_lits[] = {
	"<t:order xmlns:t='urn:t' t:code='L'><t:id>1</t:id>"
	"<t:line>a</t:line></t:order>",
	"hello & <goodbye>",
	"<t:other xmlns:t='urn:t'><t:id>9</t:id></t:other>",
	"<x><id>1</id></x>",
	"<t:item xmlns:t='urn:t'/>",
};

static const struct brt_property c_props[] = {
	{ { DK_P, "orderId" }, BRT_XSD_STRING },
};
static const struct brt_alias c_aliases[] = {
	{ 0, &dk_msg, "order", { NULL, NULL }, { NULL, NULL }, C_Q_ID },
	{ 0, NULL, NULL, { DK_T, "order" }, { NULL, NULL }, C_Q_ID },
};

static const struct brt_process c_proc = {
	.name = "kit",
	.source = "kit.bpel",
	.nvars = DK_NVARS,
	.vars = dk_vars,
	.nexprs = C_NEXPRS,
	.exprs = c_exprs,
	.nliterals = C_NLITS,
	.literals = c_lits,
	.nproperties = 1,
	.properties = c_props,
	.naliases = 2,
	.aliases = c_aliases,
};

/* Positional, in the field order of struct brt_from / brt_to. */
#define FROM_VAR(v, p, q)                                    \
	{                                                    \
		BRT_FROM_VAR, v, p, q, -1, -1, -1, false, -1 \
	}
#define FROM_EXPR(e)                                            \
	{                                                       \
		BRT_FROM_EXPR, -1, -1, -1, e, -1, -1, false, -1 \
	}
#define FROM_LIT(l)                                                \
	{                                                          \
		BRT_FROM_LITERAL, -1, -1, -1, -1, l, -1, false, -1 \
	}
#define FROM_PROP(v, pr)                                            \
	{                                                           \
		BRT_FROM_PROPERTY, v, -1, -1, -1, -1, -1, false, pr \
	}
#define FROM_PLINK(pl)                                            \
	{                                                         \
		BRT_FROM_PLINK, -1, -1, -1, -1, -1, pl, false, -1 \
	}
#define TO_VAR(v, p, q)                         \
	{                                       \
		BRT_TO_VAR, v, p, q, -1, -1, -1 \
	}
#define TO_EXPR(e)                                 \
	{                                          \
		BRT_TO_EXPR, -1, -1, -1, e, -1, -1 \
	}
#define TO_PROP(v, pr)                                 \
	{                                              \
		BRT_TO_PROPERTY, v, -1, -1, -1, -1, pr \
	}

static int run(struct brt_dctx *d, const struct brt_copy *copies, int n)
{
	struct brt_assign a = { "assign1", n, copies, false, "kit.bpel", 10 };
	return brt__dx_assign(d, &a);
}

/* Issue 11: each allocation of a two-copy <assign> (part to part, which
 * creates the target message) fails once, one per run: every run ends
 * with both copies done or a recorded fault and the target untouched
 * (the assign is atomic); under ASan, no leak. */
START_TEST(copy_survives_allocation_failures)
{
	const struct brt_copy c[] = {
		{ FROM_VAR(DK_V_MSG, 0, -1), TO_VAR(DK_V_MSG2, 0, -1), false,
		  false, 1 },
		{ FROM_VAR(DK_V_MSG, 1, -1), TO_VAR(DK_V_MSG2, 1, -1), false,
		  false, 2 },
	};
	long n;
	/* n = 0: nothing fails; it warms the caches that live on. */
	for (n = 0; n < 100000; n++) {
		long live = failalloc_live();
		struct brt_dctx d;
		dk_begin(&d, &c_proc);
		dk_set(DK_V_MSG, "<message><order>" ORDER_XML "</order>"
				 "<count>3</count></message>");
		failalloc_arm(n);
		int rc = run(&d, c, 2);
		bool reached = failalloc_disarm();
		if (rc == 0)
			ck_assert_msg(strcmp(dk_xp(DK_V_MSG2, "/message/count"),
					     "3") == 0,
				      "allocation %ld: copied '%s'", n,
				      dk_get(DK_V_MSG2));
		else {
			ck_assert_msg(reached && d.fault != NULL,
				      "allocation %ld: rc %d without a fault",
				      n, rc);
			ck_assert_str_eq(dk_get(DK_V_MSG2), "-");
		}
		dk_end(&d);
		ck_assert_msg(n == 0 || failalloc_live() == live,
			      "allocation %ld: %ld blocks leaked", n,
			      failalloc_live() - live);
		if (n > 0 && !reached)
			break;
	}
	ck_assert_int_gt(n, failalloc_xml() ? 5 : 0);
}
END_TEST

START_TEST(copy_literal_element_initialises_element_variable)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	const struct brt_copy c[] = {
		{ FROM_LIT(L_OTHER), TO_VAR(DK_V_ELEM, -1, -1), false, false,
		  1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	dk_assert_ok(&d);
	/* Destination keeps its declared name, takes the content. */
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "name(/*)"), "order");
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "namespace-uri(/*)"), DK_T);
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "/t:order/t:id"), "9");
	dk_end(&d);
}
END_TEST

START_TEST(copy_literal_text_to_simple_variable)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	const struct brt_copy c[] = {
		{ FROM_LIT(L_TEXT), TO_VAR(DK_V_STR, -1, -1), false, false, 1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	ck_assert_str_eq(dk_xp(DK_V_STR, "string(/str)"), "hello & <goodbye>");
	ck_assert_str_eq(dk_xp(DK_V_STR, "count(/str/node())"), "1");
	dk_end(&d);
}
END_TEST

START_TEST(copy_part_to_part_initialises_message)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_MSG, "<message><order>" ORDER_XML "</order>"
			 "<count>3</count></message>");
	const struct brt_copy c[] = {
		{ FROM_VAR(DK_V_MSG, 0, -1), TO_VAR(DK_V_MSG2, 0, -1), false,
		  false, 1 },
		{ FROM_VAR(DK_V_MSG, 1, -1), TO_VAR(DK_V_MSG2, 1, -1), false,
		  false, 2 },
	};
	ck_assert_int_eq(run(&d, c, 2), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(dk_xp(DK_V_MSG2, "/message/order/t:order/t:id"), "42");
	ck_assert_str_eq(dk_xp(DK_V_MSG2, "/message/order/t:order/@t:code"),
			 "A");
	ck_assert_str_eq(dk_xp(DK_V_MSG2, "/message/count"), "3");
	ck_assert_str_eq(dk_xp(DK_V_MSG2, "count(/message/*)"), "2");
	dk_end(&d);
}
END_TEST

START_TEST(copy_element_to_element_replaces_properties)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	dk_set(DK_V_ITEM, ITEM_XML);
	const struct brt_copy c[] = {
		{ FROM_EXPR(C_ELEM_ID), TO_VAR(DK_V_ITEM, -1, C_Q_LINE1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	dk_assert_ok(&d);
	/* The name stays, attributes and children are the source's. */
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "name(/t:item/*[1])"), "t:line");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/t:line[1]"), "42");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/t:line[1]/@k"), "v");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "count(/t:item/t:line[1]/@a)"), "0");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "count(/t:item/t:line[1]/*)"), "0");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/t:line[2]"), "y");
	dk_end(&d);
}
END_TEST

START_TEST(copy_value_to_element_replaces_content)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	dk_set(DK_V_ITEM, ITEM_XML);
	const struct brt_copy c[] = {
		{ FROM_EXPR(C_STR_ELEM_ID), TO_EXPR(C_ITEM_LINE1), false, false,
		  1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	dk_assert_ok(&d);
	/* Attributes stay, children become one text node. */
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/t:line[1]/@a"), "1");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/t:line[1]"), "42");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "count(/t:item/t:line[1]/node())"),
			 "1");
	dk_end(&d);
}
END_TEST

START_TEST(copy_to_attribute_and_text)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	dk_set(DK_V_ITEM, ITEM_XML);
	const struct brt_copy c[] = {
		{ FROM_EXPR(C_NEW), TO_EXPR(C_ITEM_CODE), false, false, 1 },
		/* an element source gives its string value */
		{ FROM_EXPR(C_ELEM_ID), TO_EXPR(C_ITEM_LINE2_TEXT), false,
		  false, 2 },
	};
	ck_assert_int_eq(run(&d, c, 2), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/@code"), "new");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/t:line[2]"), "42");
	dk_end(&d);
}
END_TEST

START_TEST(copy_keep_src_element_name)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	dk_set(DK_V_ITEM, ITEM_XML);
	const struct brt_copy c[] = {
		{ FROM_EXPR(C_ELEM_ID), TO_EXPR(C_ITEM_LINE1), true, false, 1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "local-name(/t:item/*[1])"), "id");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/t:id"), "42");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "count(/t:item/t:line)"), "1");

	/* A declared element variable cannot change its name. */
	const struct brt_copy c2[] = {
		{ FROM_VAR(DK_V_ELEM, -1, -1), TO_VAR(DK_V_ITEM, -1, -1), true,
		  false, 1 },
	};
	const char *before = dk_get(DK_V_ITEM);
	char saved[4096];
	snprintf(saved, sizeof saved, "%s", before);
	ck_assert_int_eq(run(&d, c2, 1), BRT_EFAULT);
	dk_assert_fault(&d, "mismatchedAssignmentFailure");
	ck_assert_str_eq(dk_get(DK_V_ITEM), saved);
	/* Without keepSrcElementName the same copy is fine. */
	dk_clear(&d);
	const struct brt_copy c3[] = {
		{ FROM_VAR(DK_V_ELEM, -1, -1), TO_VAR(DK_V_ITEM, -1, -1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, c3, 1), 0);
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/@t:code"), "A");
	dk_end(&d);
}
END_TEST

START_TEST(copy_ignore_missing_from_data)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	/* ignoreMissingFromData: a no-op, and nothing is initialised */
	const struct brt_copy c[] = {
		{ FROM_EXPR(C_ELEM_NONE), TO_VAR(DK_V_STR, -1, -1), false, true,
		  1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(dk_get(DK_V_STR), "-");
	/* without it: selectionFailure */
	const struct brt_copy c2[] = {
		{ FROM_EXPR(C_ELEM_NONE), TO_VAR(DK_V_STR, -1, -1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, c2, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	/* a to-spec that selects nothing still faults */
	dk_clear(&d);
	dk_set(DK_V_ITEM, ITEM_XML);
	const struct brt_copy c3[] = {
		{ FROM_EXPR(C_ELEM_NONE), TO_EXPR(C_ITEM_NONE), false, true,
		  1 },
	};
	ck_assert_int_eq(run(&d, c3, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	dk_end(&d);
}
END_TEST

START_TEST(copy_selection_failure_zero_and_two_nodes)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	dk_set(DK_V_ITEM, ITEM_XML);
	const struct brt_copy two_from[] = {
		{ FROM_EXPR(C_ELEM_LINES), TO_VAR(DK_V_STR, -1, -1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, two_from, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	ck_assert_msg(strstr(d.why, "2 nodes") != NULL, "%s", d.why);
	ck_assert_msg(strstr(d.why, "kit.bpel:1") != NULL, "%s", d.why);
	dk_clear(&d);
	const struct brt_copy two_to[] = {
		{ FROM_EXPR(C_NEW), TO_VAR(DK_V_ITEM, -1, C_Q_LINE), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, two_to, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	dk_clear(&d);
	const struct brt_copy zero_to[] = {
		{ FROM_EXPR(C_NEW), TO_VAR(DK_V_ITEM, -1, C_Q_NONE), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, zero_to, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	dk_end(&d);
}
END_TEST

START_TEST(copy_atomic_rollback)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ITEM, ITEM_XML);
	char item_before[4096];
	snprintf(item_before, sizeof item_before, "%s", dk_get(DK_V_ITEM));
	const struct brt_copy c[] = {
		/* 1: initialises elem, 2: changes item, 3: faults */
		{ FROM_LIT(L_ORDER), TO_VAR(DK_V_ELEM, -1, -1), false, false,
		  1 },
		{ FROM_EXPR(C_NEW), TO_EXPR(C_ITEM_CODE), false, false, 2 },
		{ FROM_EXPR(C_ELEM_LINES), TO_VAR(DK_V_STR, -1, -1), false,
		  false, 3 },
	};
	/* Copies see earlier ones: the third reads the new elem, which has
	 * one line, so make it fault on the to-side instead. */
	const struct brt_copy c_fault[] = {
		c[0],
		c[1],
		{ FROM_EXPR(C_NEW), TO_VAR(DK_V_ITEM, -1, C_Q_NONE), false,
		  false, 3 },
	};
	ck_assert_int_eq(run(&d, c, 3), 0); /* sanity: all three work */
	ck_assert_str_eq(dk_xp(DK_V_STR, "string(/str)"), "a");
	dk_set(DK_V_ELEM, NULL);
	dk_set(DK_V_STR, NULL);
	dk_set(DK_V_ITEM, ITEM_XML);
	ck_assert_int_eq(run(&d, c_fault, 3), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	ck_assert_msg(strstr(d.why, "kit.bpel:3") != NULL, "%s", d.why);
	ck_assert_str_eq(dk_get(DK_V_ELEM), "-");
	ck_assert_str_eq(dk_get(DK_V_ITEM), item_before);
	dk_end(&d);
}
END_TEST

START_TEST(copy_uninitialized_variable)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	const struct brt_copy from_unset[] = {
		{ FROM_VAR(DK_V_ELEM, -1, -1), TO_VAR(DK_V_ITEM, -1, -1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, from_unset, 1), BRT_EFAULT);
	dk_assert_fault(&d, "uninitializedVariable");
	ck_assert_str_eq(dk_get(DK_V_ITEM), "-");
	dk_clear(&d);
	/* a to-query into an uninitialised variable selects nothing */
	const struct brt_copy to_unset[] = {
		{ FROM_EXPR(C_NEW), TO_VAR(DK_V_ITEM, -1, C_Q_LINE1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, to_unset, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	ck_assert_str_eq(dk_get(DK_V_ITEM), "-");
	dk_end(&d);
}
END_TEST

/* Apache ODE's assign extensions (--ode): insertMissingToData creates the
 * missing child elements and last attribute of the path, stops where a
 * step matches several children; ignoreUninitializedFromVariable makes
 * a copy from an unset variable a no-op, and the assign goes on. */
START_TEST(copy_ode_extensions)
{
	static const struct brt_insert_step deep[] = {
		{ DK_T, "t", "extra", false },
		{ DK_T, "t", "deep", false },
	};
	static const struct brt_insert_step ambig[] = {
		{ DK_T, "t", "line", false },
		{ DK_T, "t", "new", false },
	};
	static const struct brt_insert_step fresh[] = {
		{ DK_T, "t", "id", false },
		{ NULL, NULL, "fresh", true },
	};
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ITEM, ITEM_XML);
	dk_set(DK_V_ELEM, ORDER_XML);
	const struct brt_copy ins[] = {
		{ FROM_EXPR(C_NEW), TO_EXPR(C_ITEM_DEEP), false, false, 1, 2,
		  deep, DK_V_ITEM, -1, false },
		{ FROM_EXPR(C_NEW), TO_EXPR(C_ELEM_FRESH), false, false, 2, 2,
		  fresh, DK_V_ELEM, -1, false },
	};
	ck_assert_int_eq(run(&d, ins, 2), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "string(/t:item/t:extra/t:deep)"),
			 "new");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "count(//t:extra)"), "1");
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "string(/t:order/t:id/@fresh)"),
			 "new");
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "string(/t:order/t:id)"), "42");
	/* again: the path exists now, nothing more is made */
	ck_assert_int_eq(run(&d, ins, 1), 0);
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "count(//t:deep)"), "1");

	/* two <t:line>: the path is ambiguous, nothing made, the fault
	 * stays, and the assign is undone */
	dk_set(DK_V_ITEM, ITEM_XML);
	char before[4096];
	snprintf(before, sizeof before, "%s", dk_get(DK_V_ITEM));
	const struct brt_copy amb[] = {
		{ FROM_EXPR(C_NEW), TO_EXPR(C_ITEM_DEEP), false, false, 1, 2,
		  deep, DK_V_ITEM, -1, false },
		{ FROM_EXPR(C_NEW), TO_EXPR(C_ITEM_AMBIG), false, false, 2, 2,
		  ambig, DK_V_ITEM, -1, false },
	};
	ck_assert_int_eq(run(&d, amb, 2), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	ck_assert_str_eq(dk_get(DK_V_ITEM), before);
	dk_clear(&d);

	/* without the extension the same copy faults */
	const struct brt_copy plain[] = {
		{ FROM_EXPR(C_NEW), TO_EXPR(C_ITEM_DEEP), false, false, 1 },
	};
	ck_assert_int_eq(run(&d, plain, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	dk_clear(&d);

	/* ignoreUninitializedFromVariable: the copy from the unset
	 * variable does nothing, the next one runs */
	dk_set(DK_V_ELEM, NULL);
	const struct brt_copy skip[] = {
		{ FROM_VAR(DK_V_ELEM, -1, -1), TO_VAR(DK_V_ITEM, -1, -1), false,
		  false, 1, 0, NULL, 0, 0, true },
		{ FROM_EXPR(C_NEW), TO_EXPR(C_ITEM_CODE), false, false, 2 },
	};
	ck_assert_int_eq(run(&d, skip, 2), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "string(/t:item/@code)"), "new");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "string(/t:item/t:line[2])"), "y");
	/* other faults are not ignored */
	const struct brt_copy other[] = {
		{ FROM_EXPR(C_ELEM_LINES), TO_VAR(DK_V_STR, -1, -1), false,
		  false, 1, 0, NULL, 0, 0, true },
	};
	dk_set(DK_V_ELEM, ORDER_XML);
	ck_assert_int_eq(run(&d, other, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	dk_end(&d);
}
END_TEST

START_TEST(copy_whole_message)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_MSG, "<message><order>" ORDER_XML "</order>"
			 "<count>3</count></message>");
	const struct brt_copy c[] = {
		{ FROM_VAR(DK_V_MSG, -1, -1), TO_VAR(DK_V_MSG2, -1, -1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	ck_assert_str_eq(dk_xp(DK_V_MSG2, "/message/count"), "3");
	ck_assert_ptr_ne(dk_slots[DK_V_MSG2], dk_slots[DK_V_MSG]);
	const struct brt_copy bad[] = {
		{ FROM_VAR(DK_V_MSG, -1, -1), TO_VAR(DK_V_NOTE, -1, -1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, bad, 1), BRT_EFAULT);
	dk_assert_fault(&d, "mismatchedAssignmentFailure");
	dk_clear(&d);
	const struct brt_copy bad2[] = {
		{ FROM_LIT(L_TEXT), TO_VAR(DK_V_MSG2, -1, -1), false, false,
		  1 },
	};
	ck_assert_int_eq(run(&d, bad2, 1), BRT_EFAULT);
	dk_assert_fault(&d, "mismatchedAssignmentFailure");
	ck_assert_str_eq(dk_xp(DK_V_MSG2, "/message/count"), "3");
	dk_end(&d);
}
END_TEST

START_TEST(copy_to_type_part_initialises_message)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	const struct brt_copy c[] = {
		{ FROM_EXPR(C_FIVE), TO_VAR(DK_V_MSG, 1, -1), false, false, 1 },
		{ FROM_LIT(L_ORDER), TO_VAR(DK_V_MSG, 0, C_Q_ID), false, false,
		  2 },
	};
	/* The second copy's query runs in a part that does not exist yet. */
	ck_assert_int_eq(run(&d, c, 2), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	ck_assert_str_eq(dk_get(DK_V_MSG), "-");
	dk_clear(&d);
	ck_assert_int_eq(run(&d, c, 1), 0);
	ck_assert_str_eq(dk_get(DK_V_MSG),
			 "<message><count>5</count></message>");
	const struct brt_copy c2[] = {
		{ FROM_LIT(L_OTHER), TO_VAR(DK_V_MSG, 0, -1), false, false, 1 },
	};
	ck_assert_int_eq(run(&d, c2, 1), 0);
	/* an element part gets its wrapper and its declared element */
	ck_assert_str_eq(dk_xp(DK_V_MSG, "local-name(/message/order/*)"),
			 "order");
	ck_assert_str_eq(dk_xp(DK_V_MSG, "/message/order/t:order/t:id"), "9");
	dk_end(&d);
}
END_TEST

START_TEST(copy_properties)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_MSG, "<message><order>" ORDER_XML "</order>"
			 "<count>3</count></message>");
	dk_set(DK_V_ELEM, ORDER_XML);
	const struct brt_copy c[] = {
		{ FROM_PROP(DK_V_MSG, 0), TO_VAR(DK_V_STR, -1, -1), false,
		  false, 1 },
		{ FROM_LIT(L_TEXT), TO_PROP(DK_V_ELEM, 0), false, false, 2 },
	};
	ck_assert_int_eq(run(&d, c, 2), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(dk_xp(DK_V_STR, "string(/str)"), "42");
	ck_assert_str_eq(dk_xp(DK_V_STR, "count(/str/@*)"), "0");
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "/t:order/t:id"),
			 "hello & <goodbye>");
	const struct brt_copy bad[] = {
		{ FROM_PROP(DK_V_ITEM, 0), TO_VAR(DK_V_STR, -1, -1), false,
		  false, 1 },
	};
	dk_set(DK_V_ITEM, ITEM_XML);
	ck_assert_int_eq(run(&d, bad, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure"); /* no alias for item */
	dk_end(&d);
}
END_TEST

START_TEST(copy_is_deep)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ELEM, ORDER_XML);
	const struct brt_copy c[] = {
		{ FROM_VAR(DK_V_ELEM, -1, -1), TO_VAR(DK_V_CPLX, -1, -1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	ck_assert_str_eq(dk_xp(DK_V_CPLX, "/cplx/t:id"), "42");
	/* Every node of the destination belongs to its own document. */
	xmlNodePtr root = xmlDocGetRootElement(dk_slots[DK_V_CPLX]);
	for (xmlNodePtr n = root->children; n != NULL; n = n->next)
		ck_assert_ptr_eq(n->doc, dk_slots[DK_V_CPLX]);
	dk_set(DK_V_ELEM, NULL); /* frees the source */
	ck_assert_str_eq(dk_xp(DK_V_CPLX, "/cplx/t:line[2]"), "2");
	dk_end(&d);
}
END_TEST

START_TEST(copy_no_namespace_children_stay_unqualified)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	const struct brt_copy c[] = {
		{ FROM_LIT(L_NONS), TO_VAR(DK_V_ELEM, -1, -1), false, false,
		  1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	/* Serialise and parse again: <id> must still have no namespace
	 * although <order> may use a default namespace declaration. */
	char text[4096];
	snprintf(text, sizeof text, "%s", dk_get(DK_V_ELEM));
	dk_set(DK_V_ELEM, text);
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "/t:order/id"), "1");
	dk_end(&d);
}
END_TEST

START_TEST(copy_self_into_ancestor)
{
	struct brt_dctx d;
	dk_begin(&d, &c_proc);
	dk_set(DK_V_ITEM, ITEM_XML);
	const struct brt_copy c[] = {
		/* $item/t:line[1] (which is inside $item) replaces $item's
		 * content */
		{ FROM_EXPR(C_ITEM_LINE1), TO_VAR(DK_V_ITEM, -1, -1), false,
		  false, 1 },
	};
	ck_assert_int_eq(run(&d, c, 1), 0);
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "local-name(/*)"), "item");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "/t:item/@a"), "1");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "count(/t:item/t:sub)"), "1");
	ck_assert_str_eq(dk_xp(DK_V_ITEM, "count(/t:item/t:line)"), "0");
	dk_end(&d);
}
END_TEST

/* ---- partner link endpoint references (epr.c) ------------------------- */

static const struct brt_partner_link c_plinks[] = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/svc",
	  .my_address = "http://h:1/svc" },
	{ .name = "partner",
	  .scope = 0,
	  .partner_address = "http://p:2/wsdl",
	  .has_partner_role = true },
	{ .name = "other", .scope = 0, .has_partner_role = true },
};
static char *c_urls[3]; /* what the assign set, per partner link */

static const char *c_plink_url(void *arg, int plink, bool my_role, char *buf,
			       size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	if (my_role)
		return c_plinks[plink].my_address;
	return c_urls[plink] != NULL ? c_urls[plink]
				     : c_plinks[plink].partner_address;
}

static int c_set_url(void *arg, int plink, const char *url)
{
	(void)arg;
	free(c_urls[plink]);
	c_urls[plink] = strdup(url);
	return 0;
}

#define FROM_MY(pl)                                              \
	{                                                        \
		BRT_FROM_PLINK, -1, -1, -1, -1, -1, pl, true, -1 \
	}
#define TO_PLINK(pl)                                 \
	{                                            \
		BRT_TO_PLINK, -1, -1, -1, -1, pl, -1 \
	}

START_TEST(copy_partner_link_endpoints)
{
	static const char *const lits[] = {
		"<sref:service-ref xmlns:sref='http://docs.oasis-open.org/"
		"wsbpel/2.0/serviceref'><wsa:EndpointReference xmlns:wsa="
		"'http://www.w3.org/2005/08/addressing'><wsa:Address> "
		"http://new:3/x </wsa:Address></wsa:EndpointReference>"
		"</sref:service-ref>",
		"<sref:service-ref xmlns:sref='http://docs.oasis-open.org/"
		"wsbpel/2.0/serviceref'><foo:bar xmlns:foo='urn:foo'>?"
		"</foo:bar></sref:service-ref>",
		"http://plain:4/",
		"<wsa:Address xmlns:wsa='http://www.w3.org/2005/08/addressing'>"
		"ftp://nope/</wsa:Address>",
	};
	struct brt_process p = c_proc;
	p.nplinks = 3;
	p.plinks = c_plinks;
	p.nliterals = 4;
	p.literals = lits;
	struct brt_dctx d;
	dk_begin(&d, &p);
	d.plink_url = c_plink_url;
	d.set_plink_url = c_set_url;
	/* myRole and partnerRole as service-refs into an element variable */
	const struct brt_copy my[] = {
		{ FROM_MY(0), TO_VAR(DK_V_ELEM, -1, -1), false, false, 1 },
	};
	ck_assert_int_eq(run(&d, my, 1), 0);
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "string(/*/*/*)"), "http://h:1/svc");
	const struct brt_copy partner[] = {
		{ FROM_PLINK(1), TO_VAR(DK_V_ELEM, -1, -1), false, false, 1 },
	};
	ck_assert_int_eq(run(&d, partner, 1), 0);
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "local-name(/*/*)"),
			 "EndpointReference");
	ck_assert_str_eq(dk_xp(DK_V_ELEM, "string(/*/*/*)"), "http://p:2/wsdl");
	/* an EPR literal into a partner link, then copied on to another */
	const struct brt_copy set[] = {
		{ FROM_LIT(0), TO_PLINK(1), false, false, 1 },
		{ FROM_PLINK(1), TO_PLINK(2), false, false, 2 },
	};
	ck_assert_int_eq(run(&d, set, 2), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(c_urls[1], "http://new:3/x");
	ck_assert_str_eq(c_urls[2], "http://new:3/x");
	/* references we cannot use; nothing changes */
	for (int i = 1; i < 4; i++) {
		dk_clear(&d);
		const struct brt_copy bad[] = {
			{ FROM_LIT(i), TO_PLINK(2), false, false, 1 },
		};
		ck_assert_int_eq(run(&d, bad, 1), BRT_EFAULT);
		dk_assert_fault(&d, "unsupportedReference");
	}
	ck_assert_str_eq(c_urls[2], "http://new:3/x");
	/* all or nothing: a later fault leaves the partner link alone */
	dk_clear(&d);
	const struct brt_copy rollback[] = {
		{ FROM_MY(0), TO_PLINK(2), false, false, 1 },
		{ FROM_EXPR(C_ELEM_NONE), TO_VAR(DK_V_STR, -1, -1), false,
		  false, 2 },
	};
	ck_assert_int_eq(run(&d, rollback, 2), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	ck_assert_str_eq(c_urls[2], "http://new:3/x");
	/* a partnerRole never set and with no WSDL address */
	dk_clear(&d);
	free(c_urls[2]);
	c_urls[2] = NULL;
	const struct brt_copy unset[] = {
		{ FROM_PLINK(2), TO_VAR(DK_V_ELEM, -1, -1), false, false, 1 },
	};
	ck_assert_int_eq(run(&d, unset, 1), BRT_EFAULT);
	dk_assert_fault(&d, "uninitializedPartnerRole");
	for (int i = 0; i < 3; i++) {
		free(c_urls[i]);
		c_urls[i] = NULL;
	}
	dk_end(&d);
}
END_TEST

/* A to-spec query or expression into an uninitialised variable or part
 * first gives it its skeleton, as a to-spec without a query would. */
START_TEST(copy_to_query_initialises)
{
	static const struct brt_expr ex[] = {
		DK_EXPR("."), DK_EXPR("$msg.count"), DK_EXPR("$msg.order"),
		DK_EXPR("5"), DK_EXPR("t:none"),
	};
	struct brt_process p = c_proc;
	p.nexprs = 5;
	p.exprs = ex;
	struct brt_dctx d;
	dk_begin(&d, &p);
	const struct brt_copy c[] = {
		{ FROM_EXPR(3), TO_VAR(DK_V_NUM, -1, 0), false, false, 1 },
		{ FROM_EXPR(3), TO_EXPR(1), false, false, 2 },
		{ FROM_EXPR(3), TO_EXPR(2), false, false, 3 },
	};
	ck_assert_int_eq(run(&d, c, 3), 0);
	dk_assert_ok(&d);
	ck_assert_str_eq(dk_xp(DK_V_NUM, "string(/num)"), "5");
	ck_assert_str_eq(dk_xp(DK_V_MSG, "string(/message/count)"), "5");
	ck_assert_str_eq(dk_xp(DK_V_MSG, "string(/message/order/t:order)"),
			 "5");
	/* a query that selects nothing in the skeleton: rolled back */
	const struct brt_copy none[] = {
		{ FROM_EXPR(3), TO_VAR(DK_V_ELEM, -1, 4), false, false, 1 },
	};
	ck_assert_int_eq(run(&d, none, 1), BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	ck_assert_str_eq(dk_get(DK_V_ELEM), "-");
	dk_end(&d);
}
END_TEST

/* ---- through a real strand (engine) ------------------------------------ */

static enum brt_step no_step(brt_strand *s)
{
	return brt_strand_bad_state(s);
}

static const struct brt_scope s_scopes[] = {
	{ "process", -1, DK_NVARS, 0, NULL, -1, -1, -1, false, false, 0, NULL,
	  0, NULL },
};

START_TEST(copy_through_a_strand)
{
	struct brt_process p = c_proc;
	p.nscopes = 1;
	p.scopes = s_scopes;
	p.step = no_step;
	brt_runtime *rt = brt__runtime_new(&p);
	ck_assert_ptr_nonnull(rt);
	brt_instance *in = brt__instance_new(rt);
	ck_assert_ptr_nonnull(in);
	struct brt_scope_inst *si = brt__scope_inst_new(in, 0, NULL);
	ck_assert_ptr_nonnull(si);
	brt_strand *s = brt__strand_new(in, si, NULL, BRT_S_FIRST);
	ck_assert_ptr_nonnull(s);

	const struct brt_copy c[] = {
		{ FROM_LIT(L_ORDER), TO_VAR(DK_V_ELEM, -1, -1), false, false,
		  1 },
	};
	struct brt_assign a = { "a", 1, c, false, "kit.bpel", 5 };
	ck_assert_int_eq(brt_assign(s, &a), BRT_STEP_NEXT);
	xmlDocPtr *slot = brt__var_slot(s, DK_V_ELEM);
	ck_assert_ptr_nonnull(slot);
	ck_assert_ptr_nonnull(*slot);
	char *id = brt__eval_string(s, C_STR_ELEM_ID);
	ck_assert_str_eq(id, "1");
	free(id);
	bool b = false;
	ck_assert_int_eq(brt_eval_bool(s, C_STR_ELEM_ID, &b), BRT_STEP_NEXT);
	ck_assert(b);

	/* A fault reaches the strand as a standard BPEL fault. */
	const struct brt_copy bad[] = {
		{ FROM_EXPR(C_ELEM_NONE), TO_VAR(DK_V_STR, -1, -1), false,
		  false, 7 },
	};
	struct brt_assign a2 = { "a2", 1, bad, false, "kit.bpel", 6 };
	ck_assert_int_eq(brt_assign(s, &a2), BRT_STEP_FAULT);
	ck_assert_str_eq(s->fault.local, "selectionFailure");
	ck_assert_str_eq(s->fault.ns, BRT_NS_BPEL);
	brt__fault_clear(&s->fault);

	brt__instance_end(in, BRT_END_SHUTDOWN, NULL);
	brt__runtime_free(rt);
}
END_TEST

Suite *copy_suite(void);
Suite *copy_suite(void)
{
	Suite *s = suite_create("copy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, copy_literal_element_initialises_element_variable);
	tcase_add_test(tc, copy_literal_text_to_simple_variable);
	tcase_add_test(tc, copy_part_to_part_initialises_message);
	tcase_add_test(tc, copy_element_to_element_replaces_properties);
	tcase_add_test(tc, copy_value_to_element_replaces_content);
	tcase_add_test(tc, copy_to_attribute_and_text);
	tcase_add_test(tc, copy_keep_src_element_name);
	tcase_add_test(tc, copy_ignore_missing_from_data);
	tcase_add_test(tc, copy_selection_failure_zero_and_two_nodes);
	tcase_add_test(tc, copy_atomic_rollback);
	tcase_add_test(tc, copy_uninitialized_variable);
	tcase_add_test(tc, copy_whole_message);
	tcase_add_test(tc, copy_to_type_part_initialises_message);
	tcase_add_test(tc, copy_properties);
	tcase_add_test(tc, copy_is_deep);
	tcase_add_test(tc, copy_no_namespace_children_stay_unqualified);
	tcase_add_test(tc, copy_self_into_ancestor);
	tcase_add_test(tc, copy_partner_link_endpoints);
	tcase_add_test(tc, copy_to_query_initialises);
	tcase_add_test(tc, copy_through_a_strand);
	tcase_add_test(tc, copy_ode_extensions);
	tcase_add_test(tc, copy_survives_allocation_failures);
	suite_add_tcase(s, tc);
	return s;
}
