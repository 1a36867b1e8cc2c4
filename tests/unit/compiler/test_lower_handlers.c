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
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "diag.h"
#include "ir.h"
#include "load.h"
#include "lower.h"
#include "resolve.h"

struct fx {
	struct arena *a;
	struct diag *dg;
	FILE *f;
	char *out;
	size_t len;
	struct model *m;
	struct ir_program *ir;
	char dir[64];
	char path[128];
};

/* A process around `body` importing the golden WSDL, in a temp dir. */
static void fx_inline(struct fx *x, const char *body)
{
	char cwd[512];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	snprintf(x->dir, sizeof x->dir, "/tmp/bpelc-lowerh-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(x->dir));
	snprintf(x->path, sizeof x->path, "%s/p.bpel", x->dir);
	FILE *f = fopen(x->path, "w");
	ck_assert_ptr_nonnull(f);
	const char *d = getenv("BPELC_GOLDEN_DIR");
	char gdir[1024];
	if (d && d[0] == '/')
		snprintf(gdir, sizeof gdir, "%s", d);
	else
		snprintf(gdir, sizeof gdir, "%s/%s", cwd, d ? d : "tests/golden");
	fprintf(f,
		"<process name=\"p\" targetNamespace=\"urn:p\"\n"
		" xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\"\n"
		" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"\n"
		" xmlns:g=\"urn:bpelc:golden\">\n"
		"<import namespace=\"urn:bpelc:golden\" location=\"%s/golden.wsdl\"\n"
		" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"<partnerLinks><partnerLink name=\"client\" partnerLinkType=\"g:ServiceLT\" myRole=\"service\"/></partnerLinks>\n"
		"<variables><variable name=\"in\" messageType=\"g:request\"/></variables>\n"
		"%s\n</process>\n",
		gdir, body);
	fclose(f);
	x->a = arena_new();
	x->f = open_memstream(&x->out, &x->len);
	x->dg = diag_new(x->f, DIAG_TEXT);
	x->m = load_process(x->a, x->dg, x->path);
	ck_assert_ptr_nonnull(x->m);
	resolve_model(x->m, x->dg);
	check_model(x->m, x->dg);
	x->ir = lower_process(x->m, x->dg);
	fflush(x->f);
	ck_assert_msg(diag_errors(x->dg) == 0, "%s", x->out);
}

static void fx_free(struct fx *x)
{
	load_free(x->m);
	diag_free(x->dg);
	fclose(x->f);
	free(x->out);
	arena_free(x->a);
	unlink(x->path);
	rmdir(x->dir);
}

/* The index of the variable named `name` in the IR's table. */
static int var_index(struct fx *x, const char *name)
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
static struct ir_expr *expr_with(struct fx *x, const char *needle)
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
	struct fx x = { 0 };
	fx_inline(&x,
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
	fx_free(&x);
}
END_TEST

/* A forEach child's initialiser reads the counter (declared in it). */
START_TEST(lower_handlers_foreach_init_reads_counter)
{
	struct fx x = { 0 };
	fx_inline(&x,
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
	fx_free(&x);
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
