/* test_resolve.c — name binding: lexical scoping, implicit variables,
 * partner links to roles and ports, undeclared names at their line. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "compile_kit.h"
#include "diag.h"
#include "model.h"
#include "resolve.h"

START_TEST(resolve_all_activities_without_errors)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("all.bpel"), KIT_RESOLVE);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out ? x.out : "");
	struct bpel_scope *ps = x.m->process->scope;
	struct bpel_activity *root = ps->body;
	struct bpel_partner_link *pl = ps->partner_links;
	ck_assert_ptr_nonnull(pl->type);
	ck_assert_ptr_nonnull(pl->my_port_type);
	ck_assert_str_eq(pl->my_port_type->name.local, "TestInterfacePortType");
	ck_assert_ptr_nonnull(pl->my_port);
	ck_assert_str_eq(pl->my_port->address,
			 "http://127.0.0.1:8080/TestInterfaceService");
	ck_assert_ptr_null(pl->partner_port_type);
	ck_assert_ptr_nonnull(pl->next->partner_port);

	struct bpel_activity *rcv = kit_find(root, "Start");
	ck_assert_ptr_eq(rcv->plink, pl);
	ck_assert_str_eq(rcv->operation->name, "startProcessSync");
	ck_assert_ptr_eq(rcv->variable, ps->variables);
	ck_assert_ptr_eq(rcv->mex, ps->message_exchanges);
	ck_assert_ptr_eq(rcv->correlations->set, ps->correlation_sets);
	ck_assert_ptr_nonnull(ps->correlation_sets->properties->property);
	ck_assert_int_eq(ps->correlation_sets->properties->property->kind,
			 XSD_NUMBER);
	struct bpel_activity *inv = kit_find(root, "Invoke");
	ck_assert_ptr_eq(inv->plink, pl->next);
	ck_assert_int_eq(inv->operation->kind, WSDL_ONE_WAY);
	ck_assert_ptr_eq(inv->input_var, ps->variables);

	/* variable kinds */
	struct bpel_variable *v = ps->variables;
	ck_assert_ptr_nonnull(v->message);
	ck_assert_int_eq(v->message->nparts, 1);
	ck_assert_ptr_nonnull(v->message->parts->element_ref);
	ck_assert_int_eq(v->message->parts->kind, XSD_NUMBER);
	v = v->next->next;
	ck_assert_int_eq(v->kind, XSD_NUMBER); /* xsd:int */
	ck_assert_ptr_null(v->type_ref);
	ck_assert_int_eq(v->next->kind, XSD_BOOLEAN);
	ck_assert_ptr_nonnull(v->next->next->element_ref);

	/* implicit variables typed */
	ck_assert_ptr_nonnull(ps->catches->variable->message);
	ck_assert_ptr_nonnull(ps->on_events->variable->message);
	ck_assert_ptr_eq(ps->on_events->plink, pl);

	/* links, compensateScope, effective attributes */
	struct bpel_activity *flow = kit_find(root, "Flow");
	ck_assert_ptr_eq(flow->links->source, kit_find(root, "Src"));
	ck_assert_ptr_eq(flow->links->target, kit_find(root, "Tgt"));
	ck_assert_ptr_eq(kit_find(root, "Tgt")->targets->link, flow->links);
	ck_assert(kit_find(root, "Src")->effective_sjf);
	ck_assert(!kit_find(root, "Tgt")->effective_sjf);
	struct bpel_activity *inner = kit_find(root, "Inner");
	ck_assert(inner->scope->effective_exit_on_standard_fault);
	ck_assert(!ps->effective_exit_on_standard_fault);
	ck_assert(
		kit_find(root, "Sub")->scope->effective_exit_on_standard_fault);
	ck_assert_ptr_eq(kit_find(root, "CompScope")->target_scope,
			 kit_find(root, "Sub"));
	kit_free(&x);
}
END_TEST

START_TEST(resolve_lexical_scoping)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("all.bpel"), KIT_RESOLVE);
	struct bpel_scope *ps = x.m->process->scope;
	struct bpel_activity *root = ps->body;
	struct bpel_variable *outer = resolve_variable(x.m, NULL, "Counter");
	ck_assert_ptr_nonnull(outer);
	ck_assert_int_eq(outer->kind, XSD_NUMBER);
	/* inside scope Inner, Counter is Inner's string variable */
	struct bpel_activity *thr = kit_find(root, "Throw");
	struct bpel_variable *in = resolve_variable(x.m, thr, "Counter");
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_ne(in, outer);
	ck_assert_int_eq(in->kind, XSD_STRING);
	ck_assert_ptr_eq(resolve_variable(x.m, kit_find(root, "Reply"),
					  "Counter"),
			 outer);
	/* forEach counter: visible in the body, not outside */
	struct bpel_activity *fe = kit_find(root, "ForEach");
	ck_assert_ptr_eq(resolve_variable(x.m, fe->body->scope->body, "i"),
			 fe->counter);
	ck_assert_ptr_nonnull(fe->body->scope->body->copies->from.expr);
	ck_assert_ptr_null(resolve_variable(x.m, fe, "i"));
	ck_assert_ptr_null(resolve_variable(x.m, kit_find(root, "Reply"), "i"));
	/* catch faultVariable: inside the catch only */
	struct bpel_activity *incatch = ps->catches->activity;
	ck_assert_ptr_eq(resolve_variable(x.m, incatch, "FV"),
			 ps->catches->variable);
	ck_assert_ptr_null(resolve_variable(x.m, root, "FV"));
	/* onEvent variable: inside its scope */
	struct bpel_activity *ev = ps->on_events;
	struct bpel_activity *evassign = ev->body->scope->body;
	ck_assert_ptr_eq(resolve_variable(x.m, evassign, "EvData"),
			 ev->variable);
	ck_assert_ptr_eq(evassign->copies->from.var, ev->variable);
	ck_assert_ptr_null(resolve_variable(x.m, root, "EvData"));
	ck_assert_ptr_eq(resolve_scope_of(x.m, thr),
			 kit_find(root, "Inner")->scope);
	ck_assert_ptr_eq(resolve_partner_link(x.m, thr, "MyRoleLink"),
			 ps->partner_links);
	kit_free(&x);
}
END_TEST

START_TEST(resolve_undeclared_names_at_their_line)
{
	struct kit x = { 0 };
	kit_copy(&x, "TestInterface.wsdl", kit_data("TestInterface.wsdl"));
	const char *path = kit_write(
		&x, "p.bpel",
		"<process name=\"P\" targetNamespace=\"urn:p\"\n" /* 1 */
		"    xmlns:ti=\"http://dsg.wiai.uniba.de/betsy/activities/wsdl/testinterface\"\n" /* 2 */
		"    xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\">\n" /* 3 */
		"  <import namespace=\"http://dsg.wiai.uniba.de/betsy/activities/wsdl/testinterface\"\n"
		"      location=\"TestInterface.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <partnerLinks>\n" /* 6 */
		"    <partnerLink name=\"pl\" partnerLinkType=\"ti:TestInterfacePartnerLinkType\" myRole=\"testInterfaceRole\"/>\n"
		"    <partnerLink name=\"bad\" partnerLinkType=\"ti:Nope\" myRole=\"r\"/>\n" /* 8 */
		"  </partnerLinks>\n"
		"  <variables>\n" /* 10 */
		"    <variable name=\"v\" messageType=\"ti:executeProcessSyncRequest\"/>\n"
		"    <variable name=\"w\" messageType=\"ti:NoSuchMessage\"/>\n" /* 12 */
		"  </variables>\n"
		"  <sequence>\n" /* 14 */
		"    <receive partnerLink=\"pl\" operation=\"startProcessSync\" variable=\"x\" createInstance=\"yes\"/>\n"
		"    <receive partnerLink=\"nopl\" operation=\"startProcessSync\" variable=\"v\"/>\n"
		"    <receive partnerLink=\"pl\" operation=\"noop\" variable=\"v\"/>\n" /* 17 */
		"    <assign><copy><from variable=\"v\"/>\n"   /* 18 */
		"      <to variable=\"y\"/></copy></assign>\n" /* 19 */
		"    <scope><variables><variable name=\"s\" type=\"ti:Undefined\"/></variables>\n" /* 20 */
		"      <empty/></scope>\n"
		"    <empty><targets><target linkName=\"L\"/></targets></empty>\n" /* 22 */
		"  </sequence>\n"
		"</process>\n");
	kit_run(&x, path, KIT_RESOLVE);
	const char *o = x.out ? x.out : "";
	ck_assert_msg(
		strstr(o,
		       "p.bpel:8:5: error: SA00010: partnerLinkType 'ti:Nope'"),
		"%s", o);
	ck_assert_msg(
		strstr(o,
		       "p.bpel:12:5: error: SA00010: messageType 'ti:NoSuchMessage'"),
		"%s", o);
	ck_assert_msg(
		strstr(o, "p.bpel:15:5: error: variable 'x' is not declared"),
		"%s", o);
	ck_assert_msg(
		strstr(o,
		       "p.bpel:16:5: error: SA00010: partnerLink 'nopl' is not declared"),
		"%s", o);
	ck_assert_msg(
		strstr(o,
		       "p.bpel:17:5: error: operation 'noop' is not in portType 'ti:TestInterfacePortType'"),
		"%s", o);
	ck_assert_msg(
		strstr(o, "p.bpel:19:7: error: variable 'y' is not declared"),
		"%s", o);
	ck_assert_msg(
		strstr(o, "p.bpel:20:23: error: SA00010: type 'ti:Undefined'"),
		"%s", o);
	ck_assert_msg(strstr(o, "p.bpel:22:21: error: SA00065: link 'L'"), "%s",
		      o);
	ck_assert_int_eq(diag_errors(x.dg), 8);
	kit_free(&x);
}
END_TEST

START_TEST(resolve_xsd_kinds_and_builtins)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("sub/proc.bpel"), KIT_RESOLVE);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out ? x.out : "");
	struct bpel_variable *v = x.m->process->scope->variables;
	ck_assert_int_eq(v->message->parts->kind,
			 XSD_NUMBER); /* element of user simpleType */
	ck_assert_int_eq(v->next->kind, XSD_NUMBER);
	ck_assert_int_eq(v->next->next->kind, XSD_COMPLEX);
	ck_assert_ptr_nonnull(v->next->next->next->type_ref);
	ck_assert_int_eq(v->next->next->next->kind,
			 XSD_NUMBER); /* Code -> Base -> positiveInteger */
	struct qname flag = { "urn:test:types", "flag" },
		     any = { "urn:test:types", "any" };
	ck_assert_int_eq(resolve_element(x.m, flag)->kind, XSD_BOOLEAN);
	ck_assert_int_eq(resolve_element(x.m, any)->kind, XSD_COMPLEX);
	enum xsd_kind k;
	ck_assert(
		resolve_builtin((struct qname){ NS_XSD, "unsignedInt" }, &k) &&
		k == XSD_NUMBER);
	ck_assert(resolve_builtin((struct qname){ NS_XSD, "dateTime" }, &k) &&
		  k == XSD_STRING);
	ck_assert(resolve_builtin((struct qname){ NS_XSD, "boolean" }, &k) &&
		  k == XSD_BOOLEAN);
	ck_assert(!resolve_builtin((struct qname){ NS_XSD, "nonsense" }, &k));
	ck_assert(!resolve_builtin((struct qname){ "urn:x", "int" }, &k));
	struct bpel_partner_link *pl = x.m->process->scope->partner_links;
	ck_assert_str_eq(pl->my_port->address, "http://127.0.0.1:9999/svc");
	ck_assert_ptr_nonnull(x.m->process->scope->body->operation);
	ck_assert_ptr_nonnull(
		resolve_port_type(x.m, (struct qname){ "urn:test:svc", "PT" }));
	ck_assert_ptr_null(
		resolve_message(x.m, (struct qname){ "urn:other", "Req" }));
	kit_free(&x);
}
END_TEST

/* A partnerLinkType written in the 2004/03 draft's namespace: the error
 * names the namespace it found (issue 16, point 7). */
START_TEST(resolve_draft_partner_link_namespace_is_named)
{
	struct kit x = { 0 };
	kit_write(
		&x, "d.wsdl",
		"<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\"\n"
		" xmlns:plnk=\"http://schemas.xmlsoap.org/ws/2004/03/partner-link/\"\n"
		" xmlns:tns=\"urn:d\" targetNamespace=\"urn:d\">\n"
		" <portType name=\"PT\"/>\n"
		" <plnk:partnerLinkType name=\"LT\"><plnk:role name=\"r\" portType=\"tns:PT\"/></plnk:partnerLinkType>\n"
		"</definitions>\n");
	const char *p = kit_write(
		&x, "d.bpel",
		"<process name=\"P\" targetNamespace=\"urn:p\" xmlns:d=\"urn:d\"\n"
		"    xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\">\n"
		"  <import namespace=\"urn:d\" location=\"d.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <partnerLinks><partnerLink name=\"pl\" partnerLinkType=\"d:LT\" myRole=\"r\"/></partnerLinks>\n"
		"  <empty/>\n</process>\n");
	kit_run(&x, p, KIT_RESOLVE);
	ck_assert_msg(strstr(x.out, "SA00010") &&
			      strstr(x.out, "defined in namespace "
					    "'http://schemas.xmlsoap.org/ws/"
					    "2004/03/partner-link/'"),
		      "%s", x.out);
	kit_free(&x);
}
END_TEST

/* A compensateScope names an immediately enclosed scope of the scope
 * whose fault, compensation or termination handler holds it (SA00077),
 * even when it sits in a scope nested in that handler which encloses a
 * scope of the same name (docs/semantics-decisions.md §5). */
START_TEST(resolve_compensate_scope_target_of_handler_owner)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<scope name=\"S\">\n"
		" <faultHandlers><catchAll>\n"
		"  <scope name=\"T\"><sequence>\n"
		"   <scope name=\"X\"><compensationHandler><empty/></compensationHandler><empty/></scope>\n"
		"   <compensateScope name=\"CS\" target=\"X\"/>\n"
		"  </sequence></scope>\n"
		" </catchAll></faultHandlers>\n"
		" <scope name=\"X\"><compensationHandler><empty/></compensationHandler><empty/></scope>\n"
		"</scope>\n"
		"</sequence>",
		KIT_CHECK);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	struct bpel_activity *root = x.m->process->scope->body;
	struct bpel_activity *s_x = kit_find(root, "S")->scope->body;
	struct bpel_activity *t_x = kit_find(root, "T")->scope->body->children;
	ck_assert_str_eq(s_x->name, "X");
	ck_assert_str_eq(t_x->name, "X");
	ck_assert_ptr_eq(kit_find(root, "CS")->target_scope, s_x);
	kit_free(&x);
}
END_TEST

Suite *resolve_suite(void);
Suite *resolve_suite(void)
{
	Suite *s = suite_create("resolve");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, resolve_draft_partner_link_namespace_is_named);
	tcase_add_test(tc, resolve_all_activities_without_errors);
	tcase_add_test(tc, resolve_lexical_scoping);
	tcase_add_test(tc, resolve_undeclared_names_at_their_line);
	tcase_add_test(tc, resolve_xsd_kinds_and_builtins);
	tcase_add_test(tc, resolve_compensate_scope_target_of_handler_owner);
	suite_add_tcase(s, tc);
	return s;
}
