/*
 * emit_tree.c — the activity tree table of a generated process: every
 * activity that has a step or contains one, in document order, with its
 * element name, @name, .bpel line and parent, and for each state the
 * activity whose step it is. The runtime's admin console draws the process
 * from it and says where an instance waits; JSON log lines name the
 * activity a line is about.
 *
 * It adds no behaviour: nothing in the step functions reads these tables.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "emit_int.h"

static const char *const element_names[] = {
#define ACT(kind, element) element,
#include "activities.def"
#undef ACT
};

static int by_pointer(const void *a, const void *b)
{
	const struct bpel_activity *x = *(const struct bpel_activity *const *)a;
	const struct bpel_activity *y = *(const struct bpel_activity *const *)b;
	return x < y ? -1 : x > y;
}

/* Document order: line, then column; a parent starts before its
 * children, so it comes first. */
static int by_position(const void *a, const void *b)
{
	const struct bpel_activity *x = *(const struct bpel_activity *const *)a;
	const struct bpel_activity *y = *(const struct bpel_activity *const *)b;
	if (x->loc.line != y->loc.line)
		return x->loc.line < y->loc.line ? -1 : 1;
	if (x->loc.col != y->loc.col)
		return x->loc.col < y->loc.col ? -1 : 1;
	return 0;
}

struct slot {
	const struct bpel_activity *act;
	int index;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	return x->act < y->act ? -1 : x->act > y->act;
}

static int index_of(const struct slot *slots, int n,
		    const struct bpel_activity *a)
{
	if (!a)
		return -1;
	struct slot key = { a, 0 };
	const struct slot *hit =
		bsearch(&key, slots, (size_t)n, sizeof key, slot_cmp);
	return hit ? hit->index : -1;
}

void emit_tree(struct emitter *e)
{
	struct ir_program *p = e->p;
	/* Every state's activity and its ancestors, duplicates first. */
	int cap = 0;
	for (int i = 0; i < p->states.n; i++)
		for (const struct bpel_activity *a =
			     IR_AT(p->states, struct ir_state, i)->act;
		     a; a = a->parent)
			cap++;
	if (cap == 0)
		return;
	const struct bpel_activity **acts =
		arena_alloc(e->a, (size_t)cap * sizeof *acts);
	int n = 0;
	for (int i = 0; i < p->states.n; i++)
		for (const struct bpel_activity *a =
			     IR_AT(p->states, struct ir_state, i)->act;
		     a; a = a->parent)
			acts[n++] = a;
	qsort(acts, (size_t)n, sizeof *acts, by_pointer);
	int u = 0;
	for (int i = 0; i < n; i++)
		if (u == 0 || acts[u - 1] != acts[i])
			acts[u++] = acts[i];
	n = u;
	qsort(acts, (size_t)n, sizeof *acts, by_position);
	struct slot *slots = arena_alloc(e->a, (size_t)n * sizeof *slots);
	for (int i = 0; i < n; i++)
		slots[i] = (struct slot){ acts[i], i };
	qsort(slots, (size_t)n, sizeof *slots, slot_cmp);

	emit_out(e, "static const struct brt_activity %s__activities[] = {\n",
		 e->P);
	for (int i = 0; i < n; i++) {
		const struct bpel_activity *a = acts[i];
		emit_out(e, "\t{ \"%s\", %s, %d, %d },\n",
			 element_names[a->kind], emit_cstr(e, a->name),
			 a->loc.line, index_of(slots, n, a->parent));
	}
	emit_out(e, "};\n\n");
	emit_out(e, "static const int %s__state_activity[] = {\n\t-1, -1, -1,",
		 e->P);
	for (int i = 0; i < p->states.n; i++) {
		const struct ir_state *st =
			IR_AT(p->states, struct ir_state, i);
		emit_out(e, "%s%d,", i % 16 == 0 ? "\n\t" : " ",
			 index_of(slots, n, st->act));
	}
	emit_out(e, "\n};\n\n");
	e->nactivities = n;
}
