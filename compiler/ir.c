/*
 * ir.c — building the IR: growable arrays, states, and the final
 * renumbering of states into document order. Does not lower anything
 * (lower*.c) nor print anything (ir_dump.c).
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "ir.h"

const char *const ir_kind_names[IR__COUNT] = {
	"empty",
	"receive",
	"reply",
	"invoke",
	"assign",
	"wait",
	"throw",
	"rethrow",
	"exit",
	"branch",
	"flow",
	"scope",
	"links-in",
	"links-out",
	"links-kill",
	"foreach",
	"pick",
	"compensate",
	"compensate-scope",
};

void ir_vec_push(struct arena *a, struct ir_vec *v, void *item)
{
	if (v->n == v->cap) {
		int cap = v->cap ? v->cap * 2 : 8;
		void **items = ARENA_ARRAY(a, void *, cap);
		if (v->n)
			memcpy(items, v->items, sizeof(void *) * (size_t)v->n);
		v->items = items;
		v->cap = cap;
	}
	v->items[v->n++] = item;
}

int ir_vec_find(const struct ir_vec *v, const void *item)
{
	for (int i = 0; i < v->n; i++)
		if (v->items[i] == item)
			return i;
	return -1;
}

struct ir_program *ir_new(struct arena *a, struct model *m)
{
	struct ir_program *p = ARENA_NEW(a, struct ir_program);
	p->a = a;
	p->m = m;
	p->start_entry = IR_S_DONE;
	return p;
}

struct ir_state *ir_state_new(struct ir_program *p, enum ir_kind kind,
			      struct bpel_activity *act, int sub)
{
	struct ir_state *st = ARENA_NEW(p->a, struct ir_state);
	st->kind = kind;
	st->act = act;
	st->sub = sub;
	st->next = IR_S_DONE;
	st->desc = -1;
	st->expr = -1;
	if (act)
		st->loc = act->loc;
	ir_vec_push(p->a, &p->states, st);
	st->id = IR_S_FIRST + p->states.n - 1;
	return st;
}

void ir_state_branches(struct ir_program *p, struct ir_state *st, int n)
{
	st->nbranches = n;
	st->branches = ARENA_ARRAY(p->a, struct ir_branch, n > 0 ? n : 1);
	for (int i = 0; i < n; i++) {
		st->branches[i].expr = -1;
		st->branches[i].state = IR_S_DONE;
	}
}

void ir_state_ref(struct ir_program *p, int *ref)
{
	ir_vec_push(p->a, &p->staterefs, ref);
}

struct ir_state *ir_state_get(const struct ir_program *p, int id)
{
	if (id < IR_S_FIRST || id - IR_S_FIRST >= p->states.n)
		return NULL;
	return IR_AT(p->states, struct ir_state, id - IR_S_FIRST);
}

static int key_cmp(const void *x, const void *y)
{
	const struct ir_state *a = *(struct ir_state *const *)x;
	const struct ir_state *b = *(struct ir_state *const *)y;
	int ia = a->act ? a->act->index : -1;
	int ib = b->act ? b->act->index : -1;
	if (ia != ib)
		return ia < ib ? -1 : 1;
	if (a->sub != b->sub)
		return a->sub < b->sub ? -1 : 1;
	/* creation order (the old id) keeps the sort stable */
	return a->id < b->id ? -1 : a->id > b->id;
}

void ir_renumber(struct ir_program *p)
{
	int n = p->states.n;
	if (n == 0)
		return;
	int *map = calloc((size_t)n, sizeof(int));
	if (!map)
		arena_oom();
	qsort(p->states.items, (size_t)n, sizeof(void *), key_cmp);
	for (int i = 0; i < n; i++)
		map[IR_AT(p->states, struct ir_state, i)->id - IR_S_FIRST] =
			IR_S_FIRST + i;
#define MAP(x) ((x) >= IR_S_FIRST ? map[(x)-IR_S_FIRST] : (x))
	for (int i = 0; i < n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		st->id = IR_S_FIRST + i;
		st->next = MAP(st->next);
		for (int j = 0; j < st->nbranches; j++)
			st->branches[j].state = MAP(st->branches[j].state);
	}
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		for (int j = 0; j < sc->ncatches; j++)
			sc->catches[j].state = MAP(sc->catches[j].state);
		if (sc->catch_all >= 0)
			sc->catch_all = MAP(sc->catch_all);
	}
	for (int i = 0; i < p->staterefs.n; i++) {
		int *ref = p->staterefs.items[i];
		*ref = MAP(*ref);
	}
	p->start_entry = MAP(p->start_entry);
#undef MAP
	free(map);
}
