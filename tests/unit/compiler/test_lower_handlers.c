/* test_lower_handlers.c — lowering of the scopes that handlers and forEach
 * create (compiler/lower_handlers.c, lower_scope.c): the implicit
 * variables of an onEvent's associated scope (its variable, its fromPart
 * variables) and a forEach's counter are declared in that scope before
 * its inline variable initialisers are lowered, so an initialiser that
 * reads them refers to the right variable. Processes are written on the
 * fly around the golden WSDL. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "compile_kit.h"
#include "diag.h"
#include "ir.h"

/* A process around `body`, lowered; it must have no error. */
static void lower_inline(struct kit *x, const char *body)
{
	kit_inline(x, NULL, body, KIT_LOWER);
	ck_assert_msg(diag_errors(x->dg) == 0, "%s", x->out);
}

/* The index of the variable named `name` in the IR's table. */
static int var_index(struct kit *x, const char *name)
{
	for (int i = 0; i < x->ir->vars.n; i++) {
		struct ir_var *v = IR_AT(x->ir->vars, struct ir_var, i);
		if (strcmp(v->v->name, name) == 0)
			return i;
	}
	ck_abort_msg("no variable %s", name);
	return -1;
}

/* The expression whose text contains `needle`. */
static struct ir_expr *expr_with(struct kit *x, const char *needle)
{
	for (int i = 0; i < x->ir->exprs.n; i++) {
		struct ir_expr *e = IR_AT(x->ir->exprs, struct ir_expr, i);
		if (e->text && strstr(e->text, needle))
			return e;
	}
	ck_abort_msg("no expression with %s", needle);
	return NULL;
}

/* The initialiser of the onEvent's associated scope reads the onEvent's
 * variable and a fromPart variable: both are variables of that scope,
 * declared before the initialiser, and its references point at them. */
START_TEST(lower_handlers_event_init_reads_implicit_vars)
{
	struct kit x = { 0 };
	lower_inline(
		&x,
		"<eventHandlers>\n"
		"<onEvent partnerLink=\"client\" operation=\"notify\" variable=\"ev\" messageType=\"g:request\">\n"
		"<scope name=\"evs\"><variables>\n"
		"<variable name=\"copyEv\" element=\"g:order\"><from>$ev.order</from></variable>\n"
		"</variables><empty name=\"evbody\"/></scope></onEvent>\n"
		"<onEvent partnerLink=\"client\" operation=\"notify\">\n"
		"<fromParts><fromPart part=\"order\" toVariable=\"fp\"/></fromParts>\n"
		"<scope name=\"fps\"><variables>\n"
		"<variable name=\"copyFp\" element=\"g:order\"><from>$fp</from></variable>\n"
		"</variables><empty/></scope></onEvent>\n"
		"</eventHandlers>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>");
	int ev = var_index(&x, "ev"), copy = var_index(&x, "copyEv");
	struct ir_var *vev = IR_AT(x.ir->vars, struct ir_var, ev);
	struct ir_var *vcopy = IR_AT(x.ir->vars, struct ir_var, copy);
	ck_assert_int_eq(vev->scope, vcopy->scope);
	ck_assert_int_ge(vcopy->init, 0);
	struct ir_expr *e = expr_with(&x, "$ev.order");
	ck_assert_int_eq(e->nrefs, 1);
	ck_assert_int_eq(e->refs[0].var, ev);
	ck_assert_int_eq(e->refs[0].part, 0);

	int fp = var_index(&x, "fp"), copyfp = var_index(&x, "copyFp");
	ck_assert_int_eq(IR_AT(x.ir->vars, struct ir_var, fp)->scope,
			 IR_AT(x.ir->vars, struct ir_var, copyfp)->scope);
	struct ir_expr *f = expr_with(&x, "$fp");
	ck_assert_int_eq(f->nrefs, 1);
	ck_assert_int_eq(f->refs[0].var, fp);
	kit_free(&x);
}
END_TEST

/* A forEach child's initialiser reads the counter (declared in it). */
START_TEST(lower_handlers_foreach_init_reads_counter)
{
	struct kit x = { 0 };
	lower_inline(
		&x,
		"<sequence>\n"
		"<receive name=\"r\" partnerLink=\"client\" operation=\"notify\" variable=\"in\" createInstance=\"yes\"/>\n"
		"<forEach name=\"fe\" counterName=\"i\" parallel=\"no\">\n"
		"<startCounterValue>1</startCounterValue><finalCounterValue>2</finalCounterValue>\n"
		"<scope name=\"child\"><variables>\n"
		"<variable name=\"twice\" type=\"xsd:int\"><from>$i * 2</from></variable>\n"
		"</variables><empty/></scope></forEach>\n"
		"</sequence>");
	int i = var_index(&x, "i"), twice = var_index(&x, "twice");
	ck_assert_int_eq(IR_AT(x.ir->vars, struct ir_var, i)->scope,
			 IR_AT(x.ir->vars, struct ir_var, twice)->scope);
	struct ir_expr *e = expr_with(&x, "$i * 2");
	ck_assert_int_eq(e->nrefs, 1);
	ck_assert_int_eq(e->refs[0].var, i);
	kit_free(&x);
}
END_TEST

Suite *lower_handlers_suite(void);
Suite *lower_handlers_suite(void)
{
	Suite *s = suite_create("lower_handlers");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, lower_handlers_event_init_reads_implicit_vars);
	tcase_add_test(tc, lower_handlers_foreach_init_reads_counter);
	suite_add_tcase(s, tc);
	return s;
}
