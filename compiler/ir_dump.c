/*
 * ir_dump.c — `bpelc --dump=ir`: the IR as deterministic text, one state
 * per line with its successors, then the scope, variable and expression
 * tables. For people and tests (test_lower.c compares state graphs with
 * it); it does not print model details the IR only points at.
 */
#include <stdio.h>

#include "ir.h"

static void state_ref(FILE *out, int id)
{
	if (id == IR_S_DONE)
		fputs("DONE", out);
	else if (id == IR_S_START)
		fputs("START", out);
	else if (id == IR_S_FAULTED)
		fputs("FAULTED", out);
	else
		fprintf(out, "%d", id);
}

static const char *act_name(const struct bpel_activity *a)
{
	return a && a->name ? a->name : "-";
}

void ir_dump(const struct ir_program *p, FILE *out)
{
	fprintf(out, "process %s\n", p->name);
	fputs("START -> ", out);
	state_ref(out, p->start_entry);
	fputc('\n', out);
	for (int i = 0; i < p->states.n; i++) {
		const struct ir_state *st =
			IR_AT(p->states, struct ir_state, i);
		fprintf(out, "%d %s %s line %d", st->id,
			ir_kind_names[st->kind], act_name(st->act),
			st->loc.line);
		if (st->desc >= 0)
			fprintf(out, " desc %d", st->desc);
		if (st->expr >= 0)
			fprintf(out, " expr %d%s", st->expr,
				st->is_until ? " until" : "");
		if (st->kind == IR_THROW && st->fault.local)
			fprintf(out, " fault {%s}%s",
				st->fault.ns ? st->fault.ns : "",
				st->fault.local);
		for (int j = 0; j < st->nbranches; j++) {
			fputs(" [", out);
			if (st->branches[j].expr >= 0)
				fprintf(out, "e%d ", st->branches[j].expr);
			state_ref(out, st->branches[j].state);
			fputc(']', out);
		}
		fputs(" -> ", out);
		state_ref(out, st->next);
		fputc('\n', out);
	}
	for (int i = 0; i < p->scopes.n; i++) {
		const struct ir_scope *sc =
			IR_AT(p->scopes, struct ir_scope, i);
		fprintf(out, "scope %d %s parent %d vars %d", i, sc->name,
			sc->parent, sc->nvars);
		for (int j = 0; j < sc->ncatches; j++) {
			const struct bpel_catch *c = sc->catches[j].c;
			fprintf(out, " catch(%s var %d -> ",
				c->fault_name.local ? c->fault_name.local : "*",
				sc->catches[j].variable);
			state_ref(out, sc->catches[j].state);
			fputc(')', out);
		}
		if (sc->catch_all >= 0) {
			fputs(" catchAll -> ", out);
			state_ref(out, sc->catch_all);
		}
		fputc('\n', out);
	}
	for (int i = 0; i < p->vars.n; i++) {
		const struct ir_var *v = IR_AT(p->vars, struct ir_var, i);
		fprintf(out, "var %d %s scope %d slot %d init %d\n", i,
			v->v->name, v->scope, v->slot, v->init);
	}
	for (int i = 0; i < p->exprs.n; i++) {
		const struct ir_expr *x = IR_AT(p->exprs, struct ir_expr, i);
		fprintf(out, "expr %d line %d: %s", i, x->loc.line, x->text);
		for (int j = 0; j < x->nrefs; j++)
			fprintf(out, " [$%s=%d.%d]", x->refs[j].name,
				x->refs[j].var, x->refs[j].part);
		fputc('\n', out);
	}
}
