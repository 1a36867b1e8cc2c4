/* test_lower_links.c — lowering of flow links and forEach: a target's
 * LINKS_IN guard (join condition bound to link statuses, skip state),
 * a source's LINKS_OUT step, the LINKS_KILL step after an <if> holding a
 * source whose target is outside, the dead-path list, the flow's link
 * frame, and a forEach whose counter lives in its child scope. Processes
 * are written on the fly around the golden WSDL. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "compile_kit.h"
#include "diag.h"
#include "ir.h"

/* The state of kind k lowered from the activity named `name`. */
static struct ir_state *kind_of(struct kit *x, const char *name, enum ir_kind k)
{
	for (int i = 0; i < x->ir->states.n; i++) {
		struct ir_state *st = IR_AT(x->ir->states, struct ir_state, i);
		if (st->kind == k && st->act && st->act->name &&
		    strcmp(st->act->name, name) == 0)
			return st;
	}
	ck_abort_msg("no %s state for %s", ir_kind_names[k], name);
	return NULL;
}

#define RECV \
	"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"

START_TEST(lower_links_guard_and_sources)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<sequence>\n" RECV
		"<flow name=\"f\"><links><link name=\"l\"/><link name=\"m\"/></links>\n"
		"<empty name=\"a\"><sources><source linkName=\"l\">"
		"<transitionCondition>true()</transitionCondition></source>"
		"</sources></empty>\n"
		"<empty name=\"c\"><sources><source linkName=\"m\"/></sources></empty>\n"
		"<empty name=\"b\" suppressJoinFailure=\"yes\"><targets>"
		"<joinCondition>$l and $m</joinCondition>"
		"<target linkName=\"l\"/><target linkName=\"m\"/></targets></empty>\n"
		"</flow></sequence>",
		KIT_LOWER);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	struct ir_state *f = kind_of(&x, "f", IR_FLOW);
	ck_assert_ptr_nonnull(f->links);
	ck_assert_int_eq(f->links->first, 0);
	ck_assert_int_eq(f->links->nlinks, 2);
	/* a: its step, then the sources step, then the end of the branch */
	struct ir_state *a = kind_of(&x, "a", IR_EMPTY);
	struct ir_state *out = kind_of(&x, "a", IR_LINKS_OUT);
	ck_assert_int_eq(f->branches[0].state, a->id);
	ck_assert_int_eq(a->next, out->id);
	ck_assert_int_eq(out->next, IR_S_DONE);
	ck_assert_int_eq(out->links->nsources, 1);
	ck_assert_int_ge(out->links->sources[0].expr, 0);
	ck_assert_int_eq(kind_of(&x, "c", IR_LINKS_OUT)->links->sources[0].expr,
			 -1);
	/* b: the guard first; skip goes where b would have gone */
	struct ir_state *in = kind_of(&x, "b", IR_LINKS_IN);
	ck_assert_int_eq(f->branches[2].state, in->id);
	ck_assert_int_eq(in->next, kind_of(&x, "b", IR_EMPTY)->id);
	ck_assert_int_eq(in->branches[0].state, IR_S_DONE);
	ck_assert(in->links->suppress);
	ck_assert_int_eq(in->links->ntargets, 2);
	struct ir_expr *j = IR_AT(x.ir->exprs, struct ir_expr, in->links->join);
	ck_assert_int_eq(j->nrefs, 2);
	ck_assert(j->refs[0].is_link && j->refs[1].is_link);
	ck_assert_str_eq(j->refs[0].name, "l");
	ck_assert_int_eq(j->refs[1].var, 1);
	kit_free(&x);
}
END_TEST

START_TEST(lower_links_dead_after_if)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<sequence>\n" RECV "<flow><links><link name=\"l\"/></links>\n"
		"<if name=\"i\"><condition>false()</condition>\n"
		"<sequence name=\"s\"><empty name=\"src\"><sources><source linkName=\"l\"/></sources></empty>\n"
		"<flow><links><link name=\"inner\"/></links>"
		"<empty name=\"x\"><sources><source linkName=\"inner\"/></sources></empty>"
		"<empty name=\"y\"><targets><target linkName=\"inner\"/></targets></empty></flow>\n"
		"</sequence></if>\n"
		"<empty name=\"t\"><targets><target linkName=\"l\"/></targets></empty>\n"
		"</flow></sequence>",
		KIT_LOWER);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	/* the if sets l false when it ends: its branch may not have run;
	 * `inner` stays inside and is not listed */
	struct ir_state *br = kind_of(&x, "i", IR_BRANCH);
	struct ir_state *kill = kind_of(&x, "i", IR_LINKS_KILL);
	ck_assert_int_eq(br->next, kill->id);
	ck_assert_int_eq(kill->links->nkill, 1);
	ck_assert_int_eq(kill->links->kill[0], 0);
	ck_assert_int_eq(kill->next, IR_S_DONE);
	/* the target's join: default OR, process default no suppression */
	struct ir_state *t = kind_of(&x, "t", IR_LINKS_IN);
	ck_assert_int_eq(t->links->join, -1);
	ck_assert(!t->links->suppress);
	kit_free(&x);
}
END_TEST

START_TEST(lower_links_dead_path_list)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<sequence>\n" RECV
		"<flow><links><link name=\"a2s\"/><link name=\"s2t\"/><link name=\"n2t\"/></links>\n"
		"<empty name=\"a\"><sources><source linkName=\"a2s\"/></sources></empty>\n"
		"<sequence name=\"s\"><targets><target linkName=\"a2s\"/></targets>"
		"<sources><source linkName=\"s2t\"/></sources>\n"
		"<empty name=\"n\"><sources><source linkName=\"n2t\"/></sources></empty></sequence>\n"
		"<empty name=\"t\"><targets><target linkName=\"s2t\"/><target linkName=\"n2t\"/></targets></empty>\n"
		"</flow></sequence>",
		KIT_LOWER);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	struct ir_state *in = kind_of(&x, "s", IR_LINKS_IN);
	/* skipping s kills its own link and the one of n inside it */
	ck_assert_int_eq(in->links->ndead, 2);
	ck_assert_int_eq(in->links->dead[0], 1);
	ck_assert_int_eq(in->links->dead[1], 2);
	/* a sequence runs all it holds: no kill step after it */
	ck_assert_int_eq(in->links->nkill, 0);
	kit_free(&x);
}
END_TEST

START_TEST(lower_foreach_counter_in_child_scope)
{
	struct kit x = { 0 };
	kit_inline(
		&x, NULL,
		"<sequence>\n" RECV
		"<forEach name=\"fe\" counterName=\"i\" parallel=\"yes\">"
		"<startCounterValue>1</startCounterValue>"
		"<finalCounterValue>3</finalCounterValue>"
		"<completionCondition><branches successfulBranchesOnly=\"yes\">2</branches></completionCondition>\n"
		"<scope name=\"child\"><assign name=\"use\"><copy><from>$i</from>"
		"<to>$in.order</to></copy></assign></scope></forEach>\n"
		"<empty name=\"after\"/></sequence>",
		KIT_LOWER);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out);
	struct ir_state *fe = kind_of(&x, "fe", IR_FOREACH);
	struct ir_state *sc = ir_state_get(x.ir, fe->branches[0].state);
	ck_assert_int_eq(sc->kind, IR_SCOPE);
	ck_assert_int_eq(fe->next, kind_of(&x, "after", IR_EMPTY)->id);
	ck_assert(fe->fe->parallel && fe->fe->successful_only);
	ck_assert_int_ge(fe->fe->branches, 0);
	struct ir_var *v = IR_AT(x.ir->vars, struct ir_var, fe->fe->counter);
	ck_assert_str_eq(v->v->name, "i");
	ck_assert_int_eq(v->scope, sc->desc);
	/* the counter's expressions see the child's copy */
	struct ir_expr *from = NULL;
	for (int i = 0; i < x.ir->exprs.n; i++) {
		struct ir_expr *e = IR_AT(x.ir->exprs, struct ir_expr, i);
		if (strcmp(e->text, "$i") == 0)
			from = e;
	}
	ck_assert_ptr_nonnull(from);
	ck_assert_int_eq(from->nrefs, 1);
	ck_assert_int_eq(from->refs[0].var, fe->fe->counter);
	kit_free(&x);
}
END_TEST

Suite *lower_links_suite(void);
Suite *lower_links_suite(void)
{
	Suite *s = suite_create("lower_links");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, lower_links_guard_and_sources);
	tcase_add_test(tc, lower_links_dead_after_if);
	tcase_add_test(tc, lower_links_dead_path_list);
	tcase_add_test(tc, lower_foreach_counter_in_child_scope);
	suite_add_tcase(s, tc);
	return s;
}
