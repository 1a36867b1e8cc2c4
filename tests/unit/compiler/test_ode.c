/* test_ode.c — Apache ODE's dialect read under --ode (ode_dialect.c):
 * each deviation rewritten into the standard form with a warning naming
 * it, the default mode untouched; the rules ODE did not enforce are
 * warnings only under --ode (ode.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "compile_kit.h"
#include "diag.h"
#include "load.h"
#include "model.h"
#include "lower.h"
#include "ode.h"
#include "resolve.h"

/* Load (and resolve) path with --ode on or off; diagnostics in *out. */
static struct model *load_ode(struct arena *a, const char *path, bool ode,
			      char **out)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	ck_assert_ptr_nonnull(f);
	struct diag *dg = diag_new(f, DIAG_TEXT);
	if (ode)
		ode_rules(dg);
	struct load_options o = { NULL, 0, ode };
	struct model *m = load_process_with(a, dg, path, &o);
	if (m && diag_errors(dg) == 0)
		resolve_model(m, dg);
	diag_free(dg);
	fclose(f);
	return m;
}

static const char *process_with(struct kit *x, const char *body)
{
	char cwd[512], text[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(
		text, sizeof text,
		"<process name=\"p\" targetNamespace=\"urn:p\"\n"
		" xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\"\n"
		" xmlns:g=\"urn:bpelc:golden\">\n"
		"<import namespace=\"urn:bpelc:golden\" location=\"%s/tests/golden/golden.wsdl\"\n"
		" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"<partnerLinks><partnerLink name=\"client\" partnerLinkType=\"g:ServiceLT\" myRole=\"service\"/></partnerLinks>\n"
		"<variables><variable name=\"in\" messageType=\"g:request\"/>\n"
		"<variable name=\"out\" messageType=\"g:response\"/></variables>\n"
		"<correlationSets><correlationSet name=\"cs\" properties=\"g:orderId\"/></correlationSets>\n"
		"%s\n</process>\n",
		cwd, body);
	return kit_write(x, "p.bpel", text);
}

START_TEST(ode_dialect_rewritten_with_warnings)
{
	struct kit x = { 0 };
	const char *p = process_with(
		&x,
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"order\" variable=\"in\" createInstance=\"true\"/>\n"
		"<if><condition>true()</condition><then><empty name=\"yes\"/></then><else><empty/></else></if>\n"
		"<assign><copy insertMissingToData=\"yes\"><from>'a'</from><to variable=\"out\" part=\"result\">.</to></copy></assign>\n"
		"<invoke name=\"i1\" partnerLink=\"client\" operation=\"order\" inputVariable=\"in\" outputVariable=\"out\">\n"
		" <correlations><correlation set=\"cs\" pattern=\"out\"/><correlation set=\"cs\" pattern=\"in\"/>"
		"<correlation set=\"cs\" pattern=\"out-in\"/></correlations></invoke>\n"
		"</sequence>");
	struct arena *a = arena_new();
	char *out = NULL;
	struct model *m = load_ode(a, p, true, &out);
	ck_assert_ptr_nonnull(m);
	static const char *const want[] = {
		"createInstance=\"true\" is written createInstance=\"yes\"",
		"<then> is not WS-BPEL 2.0",
		"the query of <to variable=…> is written as its text",
		"pattern=\"out\" is BPEL4WS 1.1's; WS-BPEL 2.0 writes "
		"pattern=\"request\"",
		"pattern=\"in\" is BPEL4WS 1.1's; WS-BPEL 2.0 writes "
		"pattern=\"response\"",
		"pattern=\"out-in\" is BPEL4WS 1.1's; WS-BPEL 2.0 writes "
		"pattern=\"request-response\"",
		"insertMissingToData=\"yes\" is ODE's assign extension, not "
		"WS-BPEL 2.0",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		ck_assert_msg(strstr(out, want[i]), "%s\n---\n%s", want[i],
			      out);
	ck_assert_msg(!strstr(out, "error"), "%s", out);
	struct bpel_activity *seq = m->process->scope->body;
	struct bpel_activity *rcv = seq->children;
	ck_assert(rcv->create_instance);
	struct bpel_activity *iff = rcv->next;
	ck_assert_ptr_nonnull(iff->body);
	ck_assert_str_eq(iff->body->name, "yes");
	struct bpel_activity *as = iff->next;
	ck_assert_ptr_nonnull(as->copies->to.query);
	ck_assert_str_eq(as->copies->to.query->text, ".");
	struct bpel_correlation *c = as->next->correlations;
	ck_assert_int_eq(c->pattern, BPEL_PAT_REQUEST);
	ck_assert_int_eq(c->next->pattern, BPEL_PAT_RESPONSE);
	ck_assert_int_eq(c->next->next->pattern, BPEL_PAT_REQUEST_RESPONSE);
	free(out);
	load_free(m);
	/* the default mode rejects the same process */
	out = NULL;
	m = load_ode(a, p, false, &out);
	ck_assert_msg(strstr(out,
			     "error: attribute 'createInstance' must be") &&
			      strstr(out, "unknown activity <then>"),
		      "%s", out);
	free(out);
	load_free(m);
	arena_free(a);
	kit_free(&x);
}
END_TEST

/* The copies of the assign named `name` in ir. */
static struct ir_assign *ir_assign_named(struct ir_program *ir,
					 const char *name)
{
	for (int i = 0; i < ir->assigns.n; i++) {
		struct ir_assign *as = IR_AT(ir->assigns, struct ir_assign, i);
		if (as->act && as->act->name && !strcmp(as->act->name, name))
			return as;
	}
	ck_abort_msg("no assign %s", name);
	return NULL;
}

/* Load, check and lower path (--ode on or off); diagnostics in *out. */
static struct ir_program *lower_ode(struct arena *a, const char *path, bool ode,
				    char **out, struct model **mp)
{
	size_t len;
	FILE *f = open_memstream(out, &len);
	ck_assert_ptr_nonnull(f);
	struct diag *dg = diag_new(f, DIAG_TEXT);
	if (ode)
		ode_rules(dg);
	struct load_options o = { NULL, 0, ode };
	struct model *m = load_process_with(a, dg, path, &o);
	ck_assert_ptr_nonnull(m);
	resolve_model(m, dg);
	check_model(m, dg);
	struct ir_program *ir = diag_errors(dg) == 0 ? lower_process(m, dg)
						     : NULL;
	diag_free(dg);
	fclose(f);
	*mp = m;
	return ir;
}

/* ODE's assign extensions under --ode: lowered into the copy (the path
 * insertMissingToData completes, the ignoreUninitializedFromVariable
 * flag), a warning naming each; the forms ODE did not read warn that
 * they do nothing; the default mode lowers none of it. */
START_TEST(ode_assign_extensions_lowered)
{
	struct kit x = { 0 };
	const char *p = process_with(
		&x,
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"order\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<assign name=\"ext\">\n"
		"<copy insertMissingToData=\"yes\"><from>'x'</from><to>$in.order/g:sub/child::g:leaf/@kind</to></copy>\n"
		"<copy ignoreUninitializedFromVariable=\"yes\"><from variable=\"out\" part=\"result\"/><to variable=\"out\" part=\"result\"/></copy>\n"
		"<copy insertMissingToData=\"yes\"><from>'y'</from><to>$in.order/g:item[2]/g:x</to></copy>\n"
		"<copy insertMissingToData=\"yes\"><from>'z'</from><to variable=\"in\" part=\"order\"><query>g:item</query></to></copy>\n"
		"</assign>\n"
		"<assign name=\"odd\" insertMissingToData=\"yes\">\n"
		"<copy xmlns:x=\"urn:x\" x:insertMissingToData=\"yes\" ignoreUninitializedFromVariable=\"true\">"
		"<from>'w'</from><to>$in.order/g:item</to></copy>\n"
		"</assign>\n"
		"<reply partnerLink=\"client\" operation=\"order\" variable=\"out\"/>\n"
		"</sequence>");
	struct arena *a = arena_new();
	char *out = NULL;
	struct model *m = NULL;
	struct ir_program *ir = lower_ode(a, p, true, &out, &m);
	ck_assert_msg(ir != NULL, "%s", out);
	static const char *const want[] = {
		":13:1: warning: Apache ODE dialect: insertMissingToData=\"yes\" "
		"is ODE's assign extension",
		":14:1: warning: Apache ODE dialect: "
		"ignoreUninitializedFromVariable=\"yes\" is ODE's assign "
		"extension",
		":15:1: warning: insertMissingToData=\"yes\" has no effect here",
		":16:1: warning: insertMissingToData=\"yes\" has no effect here",
		"insertMissingToData on <assign> does nothing: ODE read it on "
		"<copy> only",
		"x:insertMissingToData does nothing: ODE read the unqualified "
		"attribute insertMissingToData only",
		"ignoreUninitializedFromVariable=\"true\" does nothing: ODE "
		"applied the extension for \"yes\" only",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		ck_assert_msg(strstr(out, want[i]), "%s\n---\n%s", want[i],
			      out);
	struct ir_assign *as = ir_assign_named(ir, "ext");
	struct ir_copy *c = &as->copies[0];
	ck_assert_int_eq(c->ninsert, 3);
	ck_assert_str_eq(c->insert[0].ns, "urn:bpelc:golden");
	ck_assert_str_eq(c->insert[0].prefix, "g");
	ck_assert_str_eq(c->insert[0].local, "sub");
	ck_assert_str_eq(c->insert[1].local, "leaf");
	ck_assert(!c->insert[1].attribute);
	ck_assert_ptr_null(c->insert[2].ns);
	ck_assert_str_eq(c->insert[2].local, "kind");
	ck_assert(c->insert[2].attribute);
	ck_assert_int_eq(c->insert_part, 0);
	ck_assert_int_ge(c->insert_var, 0);
	ck_assert(!c->ignore_uninit);
	ck_assert(as->copies[1].ignore_uninit);
	ck_assert_int_eq(as->copies[1].ninsert, 0);
	ck_assert_int_eq(as->copies[2].ninsert, 0); /* g:item[2] stops it */
	ck_assert_int_eq(as->copies[3].ninsert, 0); /* a query: not on ODE */
	struct ir_assign *odd = ir_assign_named(ir, "odd");
	ck_assert_int_eq(odd->copies[0].ninsert, 0);
	ck_assert(!odd->copies[0].ignore_uninit);
	free(out);
	load_free(m);

	/* the default mode: standard copies, nothing said about ODE */
	out = NULL;
	ir = lower_ode(a, p, false, &out, &m);
	ck_assert_msg(ir != NULL, "%s", out);
	ck_assert_msg(!strstr(out, "insertMissingToData") &&
			      !strstr(out, "ignoreUninitializedFromVariable"),
		      "%s", out);
	as = ir_assign_named(ir, "ext");
	for (int i = 0; i < as->ncopies; i++) {
		ck_assert_int_eq(as->copies[i].ninsert, 0);
		ck_assert(!as->copies[i].ignore_uninit);
	}
	free(out);
	load_free(m);
	arena_free(a);
	kit_free(&x);
}
END_TEST

/* A process of the 2004/03 draft with that draft's syntax: each construct
 * read in its WS-BPEL 2.0 form with a warning (ode_draft.c); what cannot
 * be rewritten is an error at its line. */
static const char *draft_process(struct kit *x, const char *attrs,
				 const char *body)
{
	char cwd[512], text[4096];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(
		text, sizeof text,
		"<process name=\"p\" targetNamespace=\"urn:p\"%s\n"
		" xmlns=\"http://schemas.xmlsoap.org/ws/2004/03/business-process/\"\n"
		" xmlns:g=\"urn:bpelc:golden\">\n"
		"<import namespace=\"urn:bpelc:golden\" location=\"%s/tests/golden/golden.wsdl\"\n"
		" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"<partnerLinks><partnerLink name=\"client\" partnerLinkType=\"g:ServiceLT\" myRole=\"service\"/></partnerLinks>\n"
		"<variables><variable name=\"in\" messageType=\"g:request\"/>\n"
		"<variable name=\"out\" messageType=\"g:response\"/></variables>\n"
		"%s\n</process>\n",
		attrs, cwd, body);
	return kit_write(x, "p.bpel", text);
}

START_TEST(ode_draft_syntax_rewritten)
{
	struct kit x = { 0 };
	const char *p = draft_process(
		&x, " abstractProcess=\"no\"",
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"order\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<scope name=\"s\" variableAccessSerializable=\"yes\"><empty/></scope>\n"
		"<switch name=\"sw\"><case condition=\"1 &lt; 2\"><empty name=\"c1\"/></case>\n"
		"<case><condition>false()</condition><empty name=\"c2\"/></case>\n"
		"<otherwise><terminate name=\"t\"/></otherwise></switch>\n"
		"<forEach name=\"fe\" counterName=\"i\" parallel=\"no\"><startCounterValue>1</startCounterValue>\n"
		"<finalCounterValue>2</finalCounterValue><completionCondition>"
		"<branches countCompletedBranchesOnly=\"yes\">1</branches></completionCondition>\n"
		"<scope><compensate name=\"cs\" scope=\"s\"/></scope></forEach>\n"
		"<assign name=\"a\"><copy><from expression=\"'a&amp;b'\"/><to variable=\"out\" part=\"result\" query=\".\"/></copy>"
		"<copy><from><literal><service-ref><switch/></service-ref></literal></from><to variable=\"out\" part=\"result\"/></copy></assign>\n"
		"<invoke name=\"i1\" partnerLink=\"client\" operation=\"order\">"
		"<toPart part=\"order\" fromVariable=\"in\"/><fromPart part=\"result\" toVariable=\"out\"/></invoke>\n"
		"</sequence>");
	struct arena *a = arena_new();
	char *out = NULL;
	struct model *m = load_ode(a, p, true, &out);
	ck_assert_ptr_nonnull(m);
	static const char *const want[] = {
		":1:1: warning: Apache ODE dialect: abstractProcess=\"no\" is "
		"the draft's",
		":11:1: warning: Apache ODE dialect: <scope "
		"variableAccessSerializable> is the draft's; WS-BPEL 2.0 writes "
		"<scope isolated>",
		":12:1: warning: Apache ODE dialect: <switch> is the draft's",
		":14:12: warning: Apache ODE dialect: <terminate> is the draft's",
		":16:62: warning: Apache ODE dialect: <branches "
		"countCompletedBranchesOnly> is the draft's",
		":17:8: warning: Apache ODE dialect: <compensate scope=\"s\"> is "
		"the draft's (ODE read it as compensateScope); WS-BPEL 2.0 "
		"writes <compensateScope target=\"s\">",
		"<from expression=\"…\"> is the draft's",
		"<to query=\"…\"> is the draft's",
		"<toPart> directly in <invoke> is the draft's; WS-BPEL 2.0 "
		"wraps them in <toParts>",
		"<fromPart> directly in <invoke> is the draft's",
		"<service-ref> in the draft's process namespace",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		ck_assert_msg(strstr(out, want[i]), "%s\n---\n%s", want[i],
			      out);
	ck_assert_msg(!strstr(out, "error"), "%s", out);
	struct bpel_activity *root = m->process->scope->body;
	struct bpel_activity *sw = kit_find(root, "sw");
	ck_assert_int_eq(sw->kind, BPEL_ACT_IF);
	ck_assert_str_eq(sw->condition->text, "1 < 2");
	ck_assert_str_eq(sw->body->name, "c1");
	ck_assert_int_eq(sw->children->kind, BPEL_ACT_ELSEIF);
	ck_assert_str_eq(sw->children->condition->text, "false()");
	ck_assert_str_eq(sw->children->body->name, "c2");
	ck_assert_int_eq(sw->children->next->kind, BPEL_ACT_ELSE);
	ck_assert_int_eq(kit_find(root, "t")->kind, BPEL_ACT_EXIT);
	ck_assert(kit_find(root, "s")->scope->isolated);
	struct bpel_activity *fe = kit_find(root, "fe");
	ck_assert(fe->successful_branches_only);
	struct bpel_activity *cs = kit_find(root, "cs");
	ck_assert_int_eq(cs->kind, BPEL_ACT_COMPENSATE_SCOPE);
	ck_assert_str_eq(cs->target, "s");
	struct bpel_activity *as = kit_find(root, "a");
	ck_assert_str_eq(as->copies->from.expr->text, "'a&b'");
	ck_assert_str_eq(as->copies->to.query->text, ".");
	/* the draft's service-ref gets the serviceref namespace; the rest of
	 * a literal is data */
	xmlNodePtr sref = as->copies->next->from.literal->children;
	ck_assert_str_eq((const char *)sref->ns->href,
			 "http://docs.oasis-open.org/wsbpel/2.0/serviceref");
	ck_assert_str_eq((const char *)sref->children->name, "switch");
	struct bpel_activity *inv = kit_find(root, "i1");
	ck_assert_ptr_nonnull(inv->to_parts);
	ck_assert_ptr_nonnull(inv->from_parts);
	free(out);
	load_free(m);

	/* what cannot be rewritten: an error at its line */
	kit_free(&x);
	memset(&x, 0, sizeof x);
	p = draft_process(
		&x, " abstractProcess=\"yes\"",
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"order\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<switch name=\"none\"><otherwise><empty/></otherwise></switch>\n"
		"<switch><case><empty/></case></switch>\n"
		"</sequence>");
	out = NULL;
	m = load_ode(a, p, true, &out);
	static const char *const errs[] = {
		":1:1: error: WS-BPEL 2.0 draft: abstractProcess=\"yes\": an "
		"abstract process does not run",
		":11:1: error: WS-BPEL 2.0 draft: <switch> has no <case>",
		":12:9: error: WS-BPEL 2.0 draft: <case> has no condition",
	};
	for (size_t i = 0; i < sizeof errs / sizeof *errs; i++)
		ck_assert_msg(strstr(out, errs[i]), "%s\n---\n%s", errs[i],
			      out);
	free(out);
	load_free(m);
	arena_free(a);
	kit_free(&x);
}
END_TEST

/* BPEL4WS 1.1's links in a draft process: <source>/<target> directly in
 * the activity, joinCondition and transitionCondition attributes, read
 * in their WS-BPEL 2.0 form; malformed ones are errors at their line. */
START_TEST(ode_draft_links_rewritten)
{
	struct kit x = { 0 };
	const char *p = draft_process(
		&x, "",
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"order\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<flow name=\"f\"><links><link name=\"l1\"/><link name=\"l2\"/></links>\n"
		"<empty name=\"src\"><documentation>d</documentation>"
		"<source linkName=\"l1\" transitionCondition=\"1 = 1\"/><source linkName=\"l2\"/></empty>\n"
		"<while name=\"dst\" condition=\"false()\" joinCondition=\"$l1 and $l2\">\n"
		"<target linkName=\"l1\"/><empty/><target linkName=\"l2\"/></while>\n"
		"</flow></sequence>");
	struct arena *a = arena_new();
	char *out = NULL;
	struct model *m = load_ode(a, p, true, &out);
	ck_assert_ptr_nonnull(m);
	static const char *const want[] = {
		":12:102: warning: Apache ODE dialect: <source linkName=…> "
		"directly in <empty> is BPEL4WS 1.1's (and early drafts'); "
		"WS-BPEL 2.0 wraps them in <sources>, the activity's first "
		"child",
		":12:102: warning: Apache ODE dialect: transitionCondition=\"…\" "
		"on <source> is BPEL4WS 1.1's",
		":14:32: warning: Apache ODE dialect: <target linkName=…> "
		"directly in <while>",
		":13:1: warning: Apache ODE dialect: joinCondition=\"…\" on "
		"<while> is BPEL4WS 1.1's (and early drafts'); WS-BPEL 2.0 "
		"writes it as a <joinCondition> element, the first child of "
		"<targets>",
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++)
		ck_assert_msg(strstr(out, want[i]), "%s\n---\n%s", want[i],
			      out);
	ck_assert_msg(!strstr(out, "error"), "%s", out);
	struct bpel_activity *root = m->process->scope->body;
	struct bpel_activity *src = kit_find(root, "src");
	ck_assert_ptr_nonnull(src->sources);
	ck_assert_str_eq(src->sources->link_name, "l1");
	ck_assert_str_eq(src->sources->transition->text, "1 = 1");
	ck_assert_str_eq(src->sources->next->link_name, "l2");
	ck_assert_ptr_null(src->sources->next->transition);
	struct bpel_activity *dst = kit_find(root, "dst");
	ck_assert_ptr_nonnull(dst->targets);
	ck_assert_str_eq(dst->targets->link_name, "l1");
	ck_assert_str_eq(dst->targets->next->link_name, "l2");
	ck_assert_str_eq(dst->join_condition->text, "$l1 and $l2");
	ck_assert_str_eq(dst->condition->text, "false()");
	free(out);
	load_free(m);

	/* malformed: an error at its line */
	kit_free(&x);
	memset(&x, 0, sizeof x);
	p = draft_process(
		&x, "",
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"order\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<flow><links><link name=\"l1\"/></links>\n"
		"<empty><source transitionCondition=\"true()\"/></empty>\n"
		"<empty joinCondition=\"true()\"/>\n"
		"<empty joinCondition=\"\"><target linkName=\"l1\"/></empty>\n"
		"<empty><source linkName=\"l1\" transitionCondition=\"\"/></empty>\n"
		"</flow></sequence>");
	out = NULL;
	m = load_ode(a, p, true, &out);
	static const char *const errs[] = {
		":12:8: error: WS-BPEL 2.0 draft: <source> in <empty> has no "
		"linkName",
		":13:1: error: WS-BPEL 2.0 draft: joinCondition=\"…\" on "
		"<empty>, which is the target of no link",
		":14:1: error: WS-BPEL 2.0 draft: an empty joinCondition on "
		"<empty>",
		":15:8: error: WS-BPEL 2.0 draft: an empty transitionCondition "
		"on <source>",
	};
	for (size_t i = 0; i < sizeof errs / sizeof *errs; i++)
		ck_assert_msg(strstr(out, errs[i]), "%s\n---\n%s", errs[i],
			      out);
	free(out);
	load_free(m);
	arena_free(a);
	kit_free(&x);
}
END_TEST

/* ode_rules: the rules ODE did not enforce are warnings, the others not. */
START_TEST(ode_rules_demote_only_those)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	struct diag *dg = diag_new(f, DIAG_TEXT);
	ode_rules(dg);
	struct loc l = { "t.bpel", 1, 1 };
	diag_error(dg, &l, "SA00011", "x");
	diag_error(dg, &l, "SA00046", "x");
	diag_error(dg, &l, "SA00020", "x");
	diag_error(dg, &l, "SA00057", "x");
	ck_assert_int_eq(diag_errors(dg), 0);
	diag_error(dg, &l, "SA00023", "x");
	ck_assert_int_eq(diag_errors(dg), 1);
	diag_free(dg);
	fclose(f);
	free(buf);
}
END_TEST

Suite *ode_suite(void);
Suite *ode_suite(void)
{
	Suite *s = suite_create("ode");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, ode_dialect_rewritten_with_warnings);
	tcase_add_test(tc, ode_rules_demote_only_those);
	tcase_add_test(tc, ode_assign_extensions_lowered);
	tcase_add_test(tc, ode_draft_syntax_rewritten);
	tcase_add_test(tc, ode_draft_links_rewritten);
	suite_add_tcase(s, tc);
	return s;
}
