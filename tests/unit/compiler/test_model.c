/* test_model.c — the BPEL model: every activity and construct of
 * tests/data/compiler/all.bpel, lenient forms, unknown activities. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "compile_kit.h"
#include "diag.h"
#include "load.h"
#include "model.h"

static void count_kinds(struct bpel_activity *a, int *seen);

static void count_list(struct bpel_activity *a, int *seen)
{
	for (; a; a = a->next)
		count_kinds(a, seen);
}

static void count_scope(struct bpel_scope *s, int *seen)
{
	for (struct bpel_catch *k = s->catches; k; k = k->next)
		count_list(k->activity, seen);
	count_list(s->catch_all, seen);
	count_list(s->compensation_handler, seen);
	count_list(s->termination_handler, seen);
	count_list(s->on_events, seen);
	for (struct bpel_alarm *al = s->on_alarms; al; al = al->next)
		count_list(al->activity, seen);
	if (s->body)
		count_kinds(s->body, seen);
}

static void count_kinds(struct bpel_activity *a, int *seen)
{
	seen[a->kind]++;
	ck_assert_ptr_nonnull(a->node);
	ck_assert_int_gt(a->loc.line, 0);
	ck_assert_int_gt(a->loc.col, 0);
	if (a->body) {
		ck_assert_ptr_eq(a->body->parent, a);
		count_kinds(a->body, seen);
	}
	for (struct bpel_activity *c = a->children; c; c = c->next)
		ck_assert_ptr_eq(c->parent, a);
	count_list(a->children, seen);
	count_list(a->on_messages, seen);
	for (struct bpel_alarm *al = a->on_alarms; al; al = al->next)
		count_list(al->activity, seen);
	for (struct bpel_catch *k = a->catches; k; k = k->next)
		count_list(k->activity, seen);
	count_list(a->catch_all, seen);
	count_list(a->compensation_handler, seen);
	if (a->scope)
		count_scope(a->scope, seen);
}

START_TEST(model_every_activity_kind)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("all.bpel"), KIT_LOAD);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out ? x.out : "");
	int seen[BPEL_ACT__COUNT] = { 0 };
	count_scope(x.m->process->scope, seen);
	for (int k = 0; k < BPEL_ACT__COUNT; k++)
		ck_assert_msg(seen[k] > 0, "activity kind %d not modelled", k);
	kit_free(&x);
}
END_TEST

START_TEST(model_process_and_declarations)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("all.bpel"), KIT_LOAD);
	struct bpel_process *p = x.m->process;
	ck_assert_str_eq(p->name, "All");
	ck_assert_str_eq(p->tns, "urn:test:all");
	ck_assert(p->suppress_join_failure);
	ck_assert(!p->exit_on_standard_fault);
	ck_assert_str_eq(p->expression_language, URN_XPATH1);
	ck_assert_str_eq(p->extensions->ns, "urn:test:ext");
	ck_assert(!p->extensions->must_understand);
	ck_assert_str_eq(p->imports->import_type, NS_WSDL);
	struct bpel_scope *s = p->scope;
	ck_assert_ptr_null(s->activity);
	ck_assert_str_eq(s->partner_links->name, "MyRoleLink");
	ck_assert_str_eq(s->partner_links->my_role, "testInterfaceRole");
	ck_assert_str_eq(s->partner_links->type_name.local,
			 "TestInterfacePartnerLinkType");
	ck_assert(s->partner_links->next->has_initialize_partner_role);
	ck_assert(s->partner_links->next->initialize_partner_role);
	struct bpel_variable *v = s->variables;
	ck_assert_str_eq(v->message_type.local, "executeProcessSyncRequest");
	ck_assert_ptr_eq(v->scope, s);
	v = v->next->next; /* Counter with an inline from */
	ck_assert_str_eq(v->name, "Counter");
	ck_assert_str_eq(v->type.ns, NS_XSD);
	ck_assert_ptr_nonnull(v->init);
	ck_assert_int_eq(v->init->kind, BPEL_FROM_EXPR);
	ck_assert_str_eq(v->init->expr->text, "0");
	ck_assert_str_eq(s->correlation_sets->properties->name.local,
			 "correlationId");
	ck_assert_str_eq(s->message_exchanges->name, "MX");
	struct bpel_catch *k = s->catches;
	ck_assert_str_eq(k->fault_name.local, "syncFault");
	ck_assert_ptr_nonnull(k->variable);
	ck_assert(k->variable->is_implicit);
	ck_assert_str_eq(k->variable->message_type.local,
			 "executeProcessSyncFault");
	ck_assert_int_eq(s->catch_all->kind, BPEL_ACT_EXIT);
	ck_assert_int_eq(s->catch_all_loc.line, 36);
	struct bpel_activity *ev = s->on_events;
	ck_assert_int_eq(ev->kind, BPEL_ACT_ON_EVENT);
	ck_assert_str_eq(ev->variable->name, "EvData");
	ck_assert_ptr_eq(ev->variable->scope, ev->body->scope);
	ck_assert_int_eq(ev->correlations->initiate, BPEL_INIT_NO);
	ck_assert_str_eq(s->on_alarms->for_expr->text, "'PT1H'");
	ck_assert_str_eq(s->on_alarms->repeat_every->text, "'PT10M'");
	kit_free(&x);
}
END_TEST

START_TEST(model_assign_forms)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("all.bpel"), KIT_LOAD);
	struct bpel_activity *as =
		kit_find(x.m->process->scope->body, "Assign");
	ck_assert_ptr_nonnull(as);
	struct bpel_copy *c = as->copies;
	ck_assert(c->ignore_missing_from_data);
	ck_assert(!c->keep_src_element_name);
	ck_assert_int_eq(c->from.kind, BPEL_FROM_VAR);
	ck_assert_str_eq(c->from.part, "inputPart");
	ck_assert_str_eq(c->from.query->text, ".");
	ck_assert_int_eq(c->to.kind, BPEL_TO_VAR);
	c = c->next;
	ck_assert_int_eq(c->from.kind, BPEL_FROM_EXPR);
	ck_assert_str_eq(c->from.expr->text, "$Counter + 1");
	ck_assert_int_eq(c->to.kind, BPEL_TO_EXPR);
	ck_assert_str_eq(c->to.expr->text, "$Counter");
	c = c->next;
	ck_assert_int_eq(c->from.kind, BPEL_FROM_LITERAL);
	ck_assert_str_eq((const char *)c->from.literal->name, "literal");
	c = c->next;
	ck_assert_int_eq(c->from.kind, BPEL_FROM_PLINK);
	ck_assert_str_eq(c->from.endpoint, "myRole");
	c = c->next;
	ck_assert_int_eq(c->from.kind, BPEL_FROM_PROPERTY);
	ck_assert_int_eq(c->to.kind, BPEL_TO_PROPERTY);
	ck_assert_str_eq(c->to.property.local, "correlationId");
	c = c->next; /* variable and <literal> at once: literal wins, both kept */
	ck_assert_int_eq(c->from.kind, BPEL_FROM_LITERAL);
	ck_assert_str_eq(c->from.var_name, "Counter");
	ck_assert_ptr_null(c->next);
	kit_free(&x);
}
END_TEST

START_TEST(model_structured_activities)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("all.bpel"), KIT_LOAD);
	struct bpel_activity *root = x.m->process->scope->body;
	struct bpel_activity *a = kit_find(root, "If");
	ck_assert_str_eq(a->condition->text, "$Counter > 1");
	ck_assert_str_eq(a->body->name, "Then");
	ck_assert_int_eq(a->children->kind, BPEL_ACT_ELSEIF);
	ck_assert_str_eq(a->children->condition->text, "$Counter = 1");
	ck_assert_int_eq(a->children->next->kind, BPEL_ACT_ELSE);
	ck_assert_str_eq(a->children->next->body->name, "Else");
	a = kit_find(root, "ForEach");
	ck_assert_str_eq(a->counter_name, "i");
	ck_assert(a->parallel);
	ck_assert_str_eq(a->start_counter->text, "1");
	ck_assert_str_eq(a->final_counter->text, "3");
	ck_assert_str_eq(a->branches->text, "2");
	ck_assert(a->successful_branches_only);
	ck_assert_int_eq(a->body->kind, BPEL_ACT_SCOPE);
	ck_assert_ptr_eq(a->counter->scope, a->body->scope);
	ck_assert_int_eq(a->counter->kind, XSD_NUMBER);
	a = kit_find(root, "Pick");
	ck_assert_str_eq(a->on_messages->operation_name, "startProcessAsync");
	ck_assert_str_eq(a->on_alarms->until_expr->text,
			 "'2020-01-01T00:00:00Z'");
	a = kit_find(root, "Flow");
	ck_assert_str_eq(a->links->name, "L1");
	ck_assert_ptr_eq(a->links->flow, a);
	struct bpel_activity *src = kit_find(root, "Src"),
			     *tgt = kit_find(root, "Tgt");
	ck_assert_str_eq(src->sources->link_name, "L1");
	ck_assert_str_eq(src->sources->transition->text, "true()");
	ck_assert_str_eq(tgt->targets->link_name, "L1");
	ck_assert_str_eq(tgt->join_condition->text, "$L1");
	ck_assert_int_eq(tgt->suppress_join_failure, 0);
	ck_assert_int_eq(src->suppress_join_failure, -1);
	a = kit_find(root, "Inner");
	ck_assert(a->scope->isolated);
	ck_assert_int_eq(a->scope->exit_on_standard_fault, 1);
	ck_assert_ptr_eq(a->scope->parent, x.m->process->scope);
	ck_assert_int_eq(a->scope->catches->activity->kind, BPEL_ACT_RETHROW);
	ck_assert_int_eq(a->scope->compensation_handler->kind,
			 BPEL_ACT_COMPENSATE);
	ck_assert_str_eq(a->scope->termination_handler->target, "Sub");
	a = kit_find(root, "Invoke");
	ck_assert_str_eq(a->input_variable_name, "InitData");
	ck_assert_str_eq(a->catches->fault_name.local, "x");
	ck_assert_ptr_nonnull(a->catch_all);
	ck_assert_ptr_nonnull(a->compensation_handler);
	a = kit_find(root, "Throw");
	ck_assert_str_eq(a->fault_name.local, "oops");
	ck_assert_str_eq(a->fault_variable_name, "InitData");
	a = kit_find(root, "Validate");
	ck_assert_str_eq(a->validate_names, "InitData ReplyData");
	a = kit_find(root, "Start");
	ck_assert(a->create_instance);
	ck_assert_str_eq(a->message_exchange, "MX");
	ck_assert_int_eq(a->correlations->initiate, BPEL_INIT_YES);
	ck_assert_int_eq(a->loc.line, 61);
	ck_assert_int_eq(a->loc.col, 9);
	a = kit_find(root, "Reply");
	ck_assert_str_eq(a->variable_name, "ReplyData");
	kit_free(&x);
}
END_TEST

START_TEST(model_unknown_activity_and_parts)
{
	struct kit x = { 0 };
	const char *path = kit_write(
		&x, "u.bpel",
		"<process name=\"U\" targetNamespace=\"urn:u\" xmlns:x=\"urn:x\"\n"
		"    xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\">\n"
		"  <sequence>\n"
		"    <frobnicate/>\n"
		"    <x:ext/>\n"
		"    <documentation>text</documentation>\n"
		"    <invoke partnerLink=\"pl\" operation=\"op\">\n"
		"      <correlations><correlation set=\"c\" initiate=\"join\" pattern=\"request-response\"/></correlations>\n"
		"      <toParts><toPart part=\"a\" fromVariable=\"va\"/></toParts>\n"
		"      <fromParts><fromPart part=\"b\" toVariable=\"vb\"/></fromParts>\n"
		"    </invoke>\n"
		"    <assign><copy><from/><to/></copy></assign>\n"
		"  </sequence>\n"
		"</process>\n");
	kit_run(&x, path, KIT_LOAD);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(
		x.out, "u.bpel:4:5: error: unknown activity <frobnicate>"));
	struct bpel_activity *seq = x.m->process->scope->body;
	struct bpel_activity *inv = seq->children;
	ck_assert_int_eq(inv->kind, BPEL_ACT_INVOKE);
	ck_assert_int_eq(inv->correlations->initiate, BPEL_INIT_JOIN);
	ck_assert_int_eq(inv->correlations->pattern, BPEL_PAT_REQUEST_RESPONSE);
	ck_assert_str_eq(inv->to_parts->var_name, "va");
	ck_assert_str_eq(inv->from_parts->part, "b");
	ck_assert_int_eq(inv->next->copies->from.kind, BPEL_FROM_EMPTY);
	ck_assert_int_eq(inv->next->copies->to.kind, BPEL_TO_EMPTY);
	ck_assert_ptr_null(inv->next->next);
	kit_free(&x);
}
END_TEST

START_TEST(model_dump_is_deterministic)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("all.bpel"), KIT_LOAD);
	char *b1 = NULL, *b2 = NULL;
	size_t l1 = 0, l2 = 0;
	FILE *f1 = open_memstream(&b1, &l1), *f2 = open_memstream(&b2, &l2);
	model_dump(x.m, f1);
	model_dump(x.m, f2);
	fclose(f1);
	fclose(f2);
	ck_assert_str_eq(b1, b2);
	ck_assert_ptr_nonnull(strstr(b1, "receive:61 name=\"Start\""));
	ck_assert_ptr_nonnull(strstr(b1, "forEach:"));
	free(b1);
	free(b2);
	kit_free(&x);
}
END_TEST

Suite *model_suite(void);
Suite *model_suite(void)
{
	Suite *s = suite_create("model");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, model_every_activity_kind);
	tcase_add_test(tc, model_process_and_declarations);
	tcase_add_test(tc, model_assign_forms);
	tcase_add_test(tc, model_structured_activities);
	tcase_add_test(tc, model_unknown_activity_and_parts);
	tcase_add_test(tc, model_dump_is_deterministic);
	suite_add_tcase(s, tc);
	return s;
}
