/*
 * emit_names.c — C names for generated code: the process identifier and
 * one unique name per state (step function `<proc>_<name>`, state
 * `<PROC>_S_<NAME>`). Names never depend on anything but the IR, so the
 * output stays deterministic. Everything the emitter reserves lives in the
 * `<proc>__` namespace (a double underscore that no step name can
 * produce): tables, `<proc>__start`, `<proc>__step` and the states
 * `<PROC>__S_START`, `__S_DONE`, `__S_FAULTED`; so an activity named
 * "start" or "done" keeps its name. Only the exported descriptor
 * `<proc>_process` needs protecting.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "emit.h"

const char *emit_names_ident(struct arena *a, const char *s)
{
	if (!s || !*s)
		s = "process";
	size_t n = strlen(s);
	char *out = arena_alloc(a, n + 2);
	size_t j = 0;
	if (isdigit((unsigned char)s[0]))
		out[j++] = 'x';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[j++] = (isalnum(c) && c < 0x80) || c == '_' ? (char)c : '_';
	}
	out[j] = 0;
	return out;
}

const char *emit_names_upper(struct arena *a, const char *s)
{
	char *out = arena_strdup(a, s);
	for (char *p = out; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return out;
}

/* Names a step may not take: the exported descriptor `<proc>_process`
 * (compared upper-case, as the state constants are). */
static const char *const reserved[] = { "PROCESS", NULL };

static bool taken(struct ir_program *p, int upto, const char *upper)
{
	for (int i = 0; reserved[i]; i++)
		if (strcmp(reserved[i], upper) == 0)
			return true;
	for (int i = 0; i < upto; i++) {
		const struct ir_state *st =
			IR_AT(p->states, struct ir_state, i);
		if (strcmp(emit_names_upper(p->a, st->cname), upper) == 0)
			return true;
	}
	return false;
}

void emit_names_states(struct ir_program *p)
{
	for (int i = 0; i < p->states.n; i++) {
		struct ir_state *st = IR_AT(p->states, struct ir_state, i);
		/* leading '_' dropped so no step name starts with "__" */
		const char *name = st->act ? st->act->name : NULL;
		while (name && *name == '_')
			name++;
		const char *base;
		if (name && *name)
			base = emit_names_ident(p->a, name);
		else if (st->act)
			base = arena_printf(p->a, "%s%d",
					    model_element_name(st->act->kind),
					    st->act->index);
		else
			base = arena_printf(p->a, "step%d", st->id);
		if (st->suffix)
			base = arena_printf(p->a, "%s_%s", base, st->suffix);
		const char *cand = base;
		for (int k = 2; taken(p, i, emit_names_upper(p->a, cand)); k++)
			cand = arena_printf(p->a, "%s_%d", base, k);
		st->cname = cand;
	}
}
