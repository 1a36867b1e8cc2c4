/*
 * test_cover.c — coverage items of a process and their counts.
 *
 * Activities: every activity of the model. An activity ran when its own
 * step ran (the first of its IR states that is not a link guard); an
 * activity without a step of its own (a sequence) ran when its first
 * child did. A forEach's step runs again each time a child ends, so its
 * hits are the runtime's counts instead (test mode's <fe>): its runs
 * plus its child scopes started, like a while's condition evaluations
 * (once per iteration and once more); its child scope's hits are the
 * child scopes started (their SCOPE step never runs).
 * Branches (lcov BRDA, Cobertura conditions), all keyed to .bpel lines:
 *  - if/elseif/else: each branch, the else taken too when not written;
 *  - while: executions that ran the body zero times and one or more
 *    times (told apart by the state before the loop's step: from outside
 *    the loop, i.e. its first evaluation);
 *  - forEach: runs that ran the body zero times (empty counter range,
 *    or completionCondition branches 0) and one or more times, as the
 *    runtime counts them (runtime/engine/foreach.c);
 *  - repeatUntil (the body always runs once): each evaluation of the
 *    condition, false (the body runs again) and true (the loop is left);
 *  - pick: each onMessage and onAlarm;
 *  - each flow link: transition true and false (dead paths included);
 *  - each handler: catch, catchAll, compensation, termination, onEvent
 *    and the onAlarms of event handlers, run or not.
 * The picture (--coverage-dot) fills activities green (run), red (not
 * run) or amber (run, with a branch it decides not taken).
 * Not here: running anything, the file formats of the result (test_run.c
 * reads them, this file only their <coverage> counts).
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "emit_dot.h"
#include "test_cover.h"

struct cov_act {
	const struct bpel_activity *a;
	int state;     /* its own step, -1: none */
	int fe;	       /* hits from this FOREACH state's counts, -1: none */
	bool fe_child; /* the forEach's child scope */
	unsigned long hits;
};

enum br_kind { BR_PAIR, BR_ENTRY_PAIR, BR_STATE, BR_LINK, BR_FOREACH };

struct cov_br {
	int line;
	int block; /* one per decision */
	int branch;
	const char *what; /* "if: else" ... */
	/* the activity deciding it (a link's: its flow), NULL: a handler's */
	const struct bpel_activity *act;
	enum br_kind kind;
	int from, to; /* BR_PAIR, BR_ENTRY_PAIR (from: loop state),
		       * BR_FOREACH (from: its state) */
	const struct bpel_activity *loop; /* BR_ENTRY_PAIR */
	int link;
	bool value; /* BR_LINK; BR_FOREACH: one or more times */
	unsigned long hits;
};

struct cover {
	const struct ir_program *ir;
	const char *suite;
	const char *file; /* the .bpel */
	struct cov_act *acts;
	int nacts, cacts;
	struct cov_br *brs;
	int nbrs, cbrs;
	int nblocks;
	/* raw counts, summed over cases */
	unsigned long *state_hits;
	int nstates;
	struct triple {
		int a, b, c;
		unsigned long h;
	} * tr;
	int ntr, ctr;
	unsigned long *link_hits; /* 2 per link */
	int nlinks;
	unsigned long *fe_hits; /* FE_N per state, in FE_* order */
};

/* Test mode's counts of a forEach state (runtime/internal.h,
 * enum brt_test_fe; the result file's <fe> attributes). */
enum { FE_BEGIN, FE_ZERO, FE_MORE, FE_CHILDREN, FE_N };
static const char *const fe_attr[FE_N] = { "begin", "zero", "more",
					   "children" };

static void add_act(struct cover *c, const struct bpel_activity *a)
{
	if (c->nacts == c->cacts) {
		c->cacts = c->cacts ? c->cacts * 2 : 64;
		c->acts = realloc(c->acts, (size_t)c->cacts * sizeof *c->acts);
		if (!c->acts)
			arena_oom();
	}
	int best = -1, best_sub = 1 << 30;
	for (int i = 0; i < c->ir->states.n; i++) {
		const struct ir_state *st =
			IR_AT(c->ir->states, struct ir_state, i);
		if (st->act != a || st->kind == IR_LINKS_IN ||
		    st->kind == IR_LINKS_OUT || st->kind == IR_LINKS_KILL)
			continue;
		if (st->sub < best_sub) {
			best = st->id;
			best_sub = st->sub;
		}
	}
	c->acts[c->nacts++] = (struct cov_act){ a, best, -1, false, 0 };
}

static struct cov_br *add_br(struct cover *c, int line, int block,
			     const char *what, enum br_kind kind,
			     const struct bpel_activity *act)
{
	if (c->nbrs == c->cbrs) {
		c->cbrs = c->cbrs ? c->cbrs * 2 : 64;
		c->brs = realloc(c->brs, (size_t)c->cbrs * sizeof *c->brs);
		if (!c->brs)
			arena_oom();
	}
	int n = 0;
	for (int i = 0; i < c->nbrs; i++)
		n += c->brs[i].block == block;
	struct cov_br *b = &c->brs[c->nbrs++];
	memset(b, 0, sizeof *b);
	b->line = line;
	b->block = block;
	b->branch = n;
	b->what = what;
	b->act = act;
	b->kind = kind;
	b->from = b->to = b->link = -1;
	return b;
}

static const struct ir_state *
state_of(const struct cover *c, const struct bpel_activity *a, enum ir_kind k)
{
	for (int i = 0; i < c->ir->states.n; i++) {
		const struct ir_state *st =
			IR_AT(c->ir->states, struct ir_state, i);
		if (st->act == a && st->kind == k)
			return st;
	}
	return NULL;
}

static void handler_br(struct cover *c, int line, const char *what, int state)
{
	if (state < 0)
		return;
	struct cov_br *b = add_br(c, line, c->nblocks++, what, BR_STATE, NULL);
	b->to = state;
}

static void walk_handlers(struct cover *c, const struct bpel_scope *sc);
static void walk(struct cover *c, const struct bpel_activity *a);

static void walk_list(struct cover *c, const struct bpel_activity *a)
{
	for (; a; a = a->next)
		walk(c, a);
}

static void walk(struct cover *c, const struct bpel_activity *a)
{
	bool part = a->kind == BPEL_ACT_ELSEIF || a->kind == BPEL_ACT_ELSE ||
		    a->kind == BPEL_ACT_ON_MESSAGE ||
		    a->kind == BPEL_ACT_ON_EVENT;
	if (!part)
		add_act(c, a);
	const struct ir_state *st;
	if (!part && a->parent && a->parent->kind == BPEL_ACT_FOREACH &&
	    a->parent->body == a && (st = state_of(c, a->parent, IR_FOREACH))) {
		c->acts[c->nacts - 1].fe = st->id;
		c->acts[c->nacts - 1].fe_child = true;
	}
	switch (a->kind) {
	case BPEL_ACT_IF:
		if ((st = state_of(c, a, IR_BRANCH))) {
			int block = c->nblocks++;
			const struct bpel_activity *arm = a->children;
			bool has_else = false;
			for (int i = 0; i < st->nbranches; i++) {
				int line = i == 0 ? a->loc.line
						  : (arm ? arm->loc.line
							 : a->loc.line);
				if (i > 0 && arm)
					arm = arm->next;
				struct cov_br *b = add_br(
					c, line, block,
					i == 0 ? "if: condition true"
					       : "elseif: condition true",
					BR_PAIR, a);
				b->from = st->id;
				b->to = st->branches[i].state;
			}
			for (const struct bpel_activity *e = a->children; e;
			     e = e->next)
				if (e->kind == BPEL_ACT_ELSE) {
					has_else = true;
					struct cov_br *b =
						add_br(c, e->loc.line, block,
						       "else", BR_PAIR, a);
					b->from = st->id;
					b->to = st->next;
				}
			if (!has_else) {
				struct cov_br *b = add_br(c, a->loc.line, block,
							  "if: no branch taken",
							  BR_PAIR, a);
				b->from = st->id;
				b->to = st->next;
			}
		}
		break;
	case BPEL_ACT_WHILE:
		if ((st = state_of(c, a, IR_BRANCH)) && st->nbranches > 0) {
			int block = c->nblocks++;
			struct cov_br *b = add_br(c, a->loc.line, block,
						  "while: body run zero times",
						  BR_ENTRY_PAIR, a);
			b->from = st->id;
			b->to = st->next;
			b->loop = a;
			b = add_br(c, a->loc.line, block,
				   "while: body run one or more times",
				   BR_ENTRY_PAIR, a);
			b->from = st->id;
			b->to = st->branches[0].state;
			b->loop = a;
		}
		break;
	case BPEL_ACT_FOREACH:
		if ((st = state_of(c, a, IR_FOREACH))) {
			c->acts[c->nacts - 1].fe = st->id;
			int block = c->nblocks++;
			struct cov_br *b = add_br(
				c, a->loc.line, block,
				"forEach: body run zero times", BR_FOREACH, a);
			b->from = st->id;
			b = add_br(c, a->loc.line, block,
				   "forEach: body run one or more times",
				   BR_FOREACH, a);
			b->from = st->id;
			b->value = true;
		}
		break;
	case BPEL_ACT_REPEAT_UNTIL:
		if ((st = state_of(c, a, IR_BRANCH)) && st->nbranches > 0) {
			int block = c->nblocks++;
			struct cov_br *b =
				add_br(c, a->loc.line, block,
				       "repeatUntil: condition false, body run "
				       "again",
				       BR_PAIR, a);
			b->from = st->id;
			b->to = st->next;
			b = add_br(c, a->loc.line, block,
				   "repeatUntil: condition true, loop left",
				   BR_PAIR, a);
			b->from = st->id;
			b->to = st->branches[0].state;
		}
		break;
	case BPEL_ACT_PICK:
		if ((st = state_of(c, a, IR_PICK))) {
			int block = c->nblocks++;
			const struct bpel_activity *om = a->on_messages;
			const struct bpel_alarm *al = a->on_alarms;
			for (int i = 0; i < st->nbranches; i++) {
				int line = om	? om->loc.line
					   : al ? al->loc.line
						: a->loc.line;
				struct cov_br *b = add_br(c, line, block,
							  om ? "pick: onMessage"
							     : "pick: onAlarm",
							  BR_PAIR, a);
				b->from = st->id;
				b->to = st->branches[i].state;
				if (om)
					om = om->next;
				else if (al)
					al = al->next;
			}
		}
		break;
	default:
		break;
	}
	if (a->kind == BPEL_ACT_FLOW)
		for (const struct bpel_link *l = a->links; l; l = l->next) {
			int block = c->nblocks++;
			struct cov_br *b = add_br(c, l->loc.line, block,
						  "link true", BR_LINK, a);
			b->link = l->index;
			b->value = true;
			b = add_br(c, l->loc.line, block, "link false", BR_LINK,
				   a);
			b->link = l->index;
			b->value = false;
		}
	if (a->kind == BPEL_ACT_SCOPE && a->scope)
		walk(c, a->scope->body);
	else if (a->body)
		walk(c, a->body);
	walk_list(c, a->children);
	walk_list(c, a->on_messages);
	for (const struct bpel_alarm *al = a->on_alarms; al; al = al->next)
		if (al->activity)
			walk(c, al->activity);
	for (const struct bpel_catch *k = a->catches; k; k = k->next)
		if (k->activity)
			walk(c, k->activity);
	if (a->catch_all)
		walk(c, a->catch_all);
	if (a->compensation_handler)
		walk(c, a->compensation_handler);
	if (a->kind == BPEL_ACT_SCOPE && a->scope)
		walk_handlers(c, a->scope);
}

/* The activities of a scope's handlers (the process's too: it has no
 * compensation handler, so that one is NULL there). */
static void walk_handlers(struct cover *c, const struct bpel_scope *sc)
{
	for (const struct bpel_catch *k = sc->catches; k; k = k->next)
		if (k->activity)
			walk(c, k->activity);
	if (sc->catch_all)
		walk(c, sc->catch_all);
	if (sc->compensation_handler)
		walk(c, sc->compensation_handler);
	if (sc->termination_handler)
		walk(c, sc->termination_handler);
	walk_list(c, sc->on_events);
	for (const struct bpel_alarm *al = sc->on_alarms; al; al = al->next)
		if (al->activity)
			walk(c, al->activity);
}

/* The handlers of every scope, from the IR's scope table. */
static void handlers(struct cover *c)
{
	for (int i = 0; i < c->ir->scopes.n; i++) {
		const struct ir_scope *s =
			IR_AT(c->ir->scopes, struct ir_scope, i);
		for (int k = 0; k < s->ncatches; k++)
			handler_br(c,
				   s->catches[k].c ? s->catches[k].c->loc.line
						   : s->loc.line,
				   "catch", s->catches[k].state);
		int line = s->loc.line;
		if (s->bs && s->bs->catch_all)
			line = s->bs->catch_all_loc.line;
		handler_br(c, line, "catchAll", s->catch_all);
		if (s->bs && s->bs->compensation_handler)
			handler_br(c, s->bs->compensation_handler->loc.line,
				   "compensationHandler", s->compensation);
		if (s->bs && s->bs->termination_handler)
			handler_br(c, s->bs->termination_handler->loc.line,
				   "terminationHandler", s->termination);
		for (int k = 0; k < s->nevents; k++)
			handler_br(c, s->loc.line, "onEvent",
				   s->events[k].state);
		for (int k = 0; k < s->nalarms; k++)
			handler_br(c, s->alarms[k].loc.line, "onAlarm",
				   s->alarms[k].state);
	}
}

struct cover *cover_new(const struct ir_program *ir, const char *suite)
{
	struct cover *c = calloc(1, sizeof *c);
	if (!c)
		arena_oom();
	c->ir = ir;
	c->suite = suite;
	const struct bpel_process *p = ir->m->process;
	c->file = p->loc.file ? p->loc.file : p->path;
	if (p->scope && p->scope->body)
		walk(c, p->scope->body);
	if (p->scope)
		walk_handlers(c, p->scope);
	handlers(c);
	c->nstates = ir->states.n + IR_S_FIRST;
	c->state_hits = calloc((size_t)c->nstates, sizeof *c->state_hits);
	c->nlinks = ir->links.n;
	c->link_hits = calloc((size_t)c->nlinks * 2 + 2, sizeof *c->link_hits);
	c->fe_hits = calloc((size_t)c->nstates * FE_N, sizeof *c->fe_hits);
	if (!c->state_hits || !c->link_hits || !c->fe_hits)
		arena_oom();
	return c;
}

void cover_free(struct cover *c)
{
	if (!c)
		return;
	free(c->acts);
	free(c->brs);
	free(c->state_hits);
	free(c->tr);
	free(c->link_hits);
	free(c->fe_hits);
	free(c);
}

static long num(xmlNodePtr n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	long r = v ? strtol((const char *)v, NULL, 10) : 0;
	xmlFree(v);
	return r;
}

static bool in_loop(const struct cover *c, int state,
		    const struct bpel_activity *loop)
{
	if (state < IR_S_FIRST)
		return false;
	const struct ir_state *st = ir_state_get(c->ir, state);
	if (!st)
		return false;
	for (const struct bpel_activity *a = st->act; a; a = a->parent)
		if (a == loop)
			return st->act != loop;
	return false;
}

static void recount(struct cover *c)
{
	for (int i = 0; i < c->nacts; i++) {
		struct cov_act *x = &c->acts[i];
		x->hits = x->state >= 0 && x->state < c->nstates
				  ? c->state_hits[x->state]
				  : 0;
		if (x->fe >= 0 && x->fe < c->nstates) {
			const unsigned long *h = &c->fe_hits[FE_N * x->fe];
			x->hits = h[FE_CHILDREN] +
				  (x->fe_child ? 0 : h[FE_BEGIN]);
		}
	}
	/* No step of its own: as its first child (document order). */
	for (int i = c->nacts - 1; i >= 0; i--) {
		if (c->acts[i].state >= 0)
			continue;
		const struct bpel_activity *a = c->acts[i].a;
		const struct bpel_activity *first =
			a->kind == BPEL_ACT_SCOPE && a->scope ? a->scope->body
			: a->body			      ? a->body
							      : a->children;
		for (int k = i + 1; first && k < c->nacts; k++)
			if (c->acts[k].a == first) {
				c->acts[i].hits = c->acts[k].hits;
				break;
			}
	}
	for (int i = 0; i < c->nbrs; i++) {
		struct cov_br *b = &c->brs[i];
		b->hits = 0;
		switch (b->kind) {
		case BR_STATE:
			if (b->to >= 0 && b->to < c->nstates)
				b->hits = c->state_hits[b->to];
			break;
		case BR_LINK:
			if (b->link >= 0 && b->link < c->nlinks)
				b->hits = c->link_hits[2 * b->link + b->value];
			break;
		case BR_FOREACH:
			if (b->from >= 0 && b->from < c->nstates)
				b->hits = c->fe_hits[FE_N * b->from +
						     (b->value ? FE_MORE
							       : FE_ZERO)];
			break;
		case BR_PAIR:
		case BR_ENTRY_PAIR:
			for (int k = 0; k < c->ntr; k++)
				if (c->tr[k].b == b->from &&
				    c->tr[k].c == b->to &&
				    (b->kind == BR_PAIR ||
				     !in_loop(c, c->tr[k].a, b->loop)))
					b->hits += c->tr[k].h;
			break;
		}
	}
}

void cover_add(struct cover *c, xmlNodePtr coverage)
{
	for (xmlNodePtr n = coverage ? coverage->children : NULL; n;
	     n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		const char *name = (const char *)n->name;
		if (strcmp(name, "s") == 0) {
			long s = num(n, "n");
			if (s >= 0 && s < c->nstates)
				c->state_hits[s] += (unsigned long)num(n, "h");
		} else if (strcmp(name, "l") == 0) {
			long l = num(n, "n"), v = num(n, "v");
			if (l >= 0 && l < c->nlinks && (v == 0 || v == 1))
				c->link_hits[2 * l + v] +=
					(unsigned long)num(n, "h");
		} else if (strcmp(name, "fe") == 0) {
			long s = num(n, "n");
			for (int k = 0; k < FE_N && s >= 0 && s < c->nstates;
			     k++)
				c->fe_hits[FE_N * s + k] +=
					(unsigned long)num(n, fe_attr[k]);
		} else if (strcmp(name, "t") == 0) {
			int a = (int)num(n, "a"), b = (int)num(n, "b"),
			    cc = (int)num(n, "c");
			unsigned long h = (unsigned long)num(n, "h");
			int k;
			for (k = 0; k < c->ntr; k++)
				if (c->tr[k].a == a && c->tr[k].b == b &&
				    c->tr[k].c == cc)
					break;
			if (k == c->ntr) {
				if (c->ntr == c->ctr) {
					c->ctr = c->ctr ? c->ctr * 2 : 256;
					c->tr = realloc(c->tr,
							(size_t)c->ctr *
								sizeof *c->tr);
					if (!c->tr)
						arena_oom();
				}
				c->tr[c->ntr++] =
					(struct triple){ a, b, cc, 0 };
			}
			c->tr[k].h += h;
		}
	}
	recount(c);
}

void cover_counts(const struct cover *c, int *acts_hit, int *acts, int *br_hit,
		  int *brs)
{
	*acts = c->nacts;
	*brs = c->nbrs;
	*acts_hit = *br_hit = 0;
	for (int i = 0; i < c->nacts; i++)
		*acts_hit += c->acts[i].hits > 0;
	for (int i = 0; i < c->nbrs; i++)
		*br_hit += c->brs[i].hits > 0;
}

static const char *kind_name(enum bpel_act_kind k)
{
	static const char *const names[] = {
#define ACT(kind, el) el,
#include "activities.def"
#undef ACT
	};
	return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

void cover_print_missed(const struct cover *c, FILE *f, int max)
{
	int n = 0;
	for (int i = 0; i < c->nacts && n < max; i++)
		if (!c->acts[i].hits) {
			fprintf(f, "    not run: %s:%d <%s%s%s%s>\n", c->file,
				c->acts[i].a->loc.line,
				kind_name(c->acts[i].a->kind),
				c->acts[i].a->name ? " name=\"" : "",
				c->acts[i].a->name ? c->acts[i].a->name : "",
				c->acts[i].a->name ? "\"" : "");
			n++;
		}
	for (int i = 0; i < c->nbrs && n < max; i++)
		if (!c->brs[i].hits) {
			fprintf(f, "    not taken: %s:%d %s\n", c->file,
				c->brs[i].line, c->brs[i].what);
			n++;
		}
}

/* Lines with activities, each with the least hits of its activities (a
 * line is covered when everything on it ran). */
static int lines(const struct cover *c, int **line, unsigned long **hits)
{
	int n = 0;
	*line = calloc((size_t)c->nacts + 1, sizeof **line);
	*hits = calloc((size_t)c->nacts + 1, sizeof **hits);
	if (!*line || !*hits)
		arena_oom();
	for (int i = 0; i < c->nacts; i++) {
		int l = c->acts[i].a->loc.line, k;
		for (k = 0; k < n && (*line)[k] != l; k++)
			;
		if (k == n) {
			(*line)[n] = l;
			(*hits)[n++] = c->acts[i].hits;
		} else if (c->acts[i].hits < (*hits)[k]) {
			(*hits)[k] = c->acts[i].hits;
		}
	}
	/* sorted by line */
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && (*line)[k - 1] > (*line)[k]; k--) {
			int tl = (*line)[k];
			(*line)[k] = (*line)[k - 1];
			(*line)[k - 1] = tl;
			unsigned long th = (*hits)[k];
			(*hits)[k] = (*hits)[k - 1];
			(*hits)[k - 1] = th;
		}
	return n;
}

void cover_write_lcov(const struct cover *c, FILE *f)
{
	int *line;
	unsigned long *hits;
	int n = lines(c, &line, &hits), lh = 0, bh = 0;
	fprintf(f, "TN:%s\nSF:%s\n", c->suite, c->file);
	for (int i = 0; i < c->nbrs; i++) {
		const struct cov_br *b = &c->brs[i];
		fprintf(f, "BRDA:%d,%d,%d,%lu\n", b->line, b->block, b->branch,
			b->hits);
		bh += b->hits > 0;
	}
	fprintf(f, "BRF:%d\nBRH:%d\n", c->nbrs, bh);
	for (int i = 0; i < n; i++) {
		fprintf(f, "DA:%d,%lu\n", line[i], hits[i]);
		lh += hits[i] > 0;
	}
	fprintf(f, "LF:%d\nLH:%d\nend_of_record\n", n, lh);
	free(line);
	free(hits);
}

static void rate(xmlNodePtr n, const char *name, int hit, int all)
{
	char b[32];
	snprintf(b, sizeof b, "%.4f", all ? (double)hit / all : 1.0);
	xmlNewProp(n, BAD_CAST name, BAD_CAST b);
}

static void prop_int(xmlNodePtr n, const char *name, long v)
{
	char b[32];
	snprintf(b, sizeof b, "%ld", v);
	xmlNewProp(n, BAD_CAST name, BAD_CAST b);
}

void cover_cobertura_class(const struct cover *c, xmlNodePtr classes)
{
	int *line;
	unsigned long *hits;
	int n = lines(c, &line, &hits), lh = 0, bh = 0;
	for (int i = 0; i < n; i++)
		lh += hits[i] > 0;
	for (int i = 0; i < c->nbrs; i++)
		bh += c->brs[i].hits > 0;
	xmlNodePtr cl = xmlNewChild(classes, NULL, BAD_CAST "class", NULL);
	xmlNewProp(cl, BAD_CAST "name", BAD_CAST c->ir->m->process->name);
	xmlNewProp(cl, BAD_CAST "filename", BAD_CAST c->file);
	rate(cl, "line-rate", lh, n);
	rate(cl, "branch-rate", bh, c->nbrs);
	xmlNewProp(cl, BAD_CAST "complexity", BAD_CAST "0");
	xmlNewChild(cl, NULL, BAD_CAST "methods", NULL);
	xmlNodePtr ls = xmlNewChild(cl, NULL, BAD_CAST "lines", NULL);
	for (int i = 0; i < n; i++) {
		xmlNodePtr l = xmlNewChild(ls, NULL, BAD_CAST "line", NULL);
		prop_int(l, "number", line[i]);
		prop_int(l, "hits", (long)hits[i]);
		int all = 0, hit = 0;
		for (int k = 0; k < c->nbrs; k++)
			if (c->brs[k].line == line[i]) {
				all++;
				hit += c->brs[k].hits > 0;
			}
		xmlNewProp(l, BAD_CAST "branch",
			   BAD_CAST(all ? "true" : "false"));
		if (all) {
			char b[64];
			snprintf(b, sizeof b, "%d%% (%d/%d)", 100 * hit / all,
				 hit, all);
			xmlNewProp(l, BAD_CAST "condition-coverage",
				   BAD_CAST b);
		}
	}
	free(line);
	free(hits);
}

/* ---- the coloured picture ------------------------------------------------ */

static const struct cov_act *act_of(const struct cover *c,
				    const struct bpel_activity *a)
{
	for (int i = 0; i < c->nacts; i++)
		if (c->acts[i].a == a)
			return &c->acts[i];
	return NULL;
}

/* The picture's argument: the coverage, and the note being written
 * (emit_dot copies it into the label at once). */
struct dot_arg {
	const struct cover *c;
	char note[256];
};

/* Branches of activity a not taken (it ran): how many, and their names
 * in `note`. */
static int missed_branches(struct dot_arg *d, const struct bpel_activity *a)
{
	int n = 0;
	size_t len = strlen(d->note);
	for (int i = 0; i < d->c->nbrs; i++) {
		const struct cov_br *b = &d->c->brs[i];
		if (b->act != a || b->hits)
			continue;
		int w = snprintf(d->note + len, sizeof d->note - len, "%s%s",
				 n ? "; " : "; not taken: ", b->what);
		if (w > 0 && (size_t)w < sizeof d->note - len)
			len += (size_t)w;
		n++;
	}
	return n;
}

/* Red: not run; amber: run, but a branch it decides never taken; green:
 * run with every branch. */
static const char *dot_color(const struct bpel_activity *a, void *arg)
{
	struct dot_arg *d = arg;
	const struct cov_act *x = act_of(d->c, a);
	if (!x)
		return NULL;
	if (!x->hits)
		return "#f6c1c1";
	d->note[0] = '\0';
	return missed_branches(d, a) ? "#f9e2a6" : "#c9f0c1";
}

static const char *dot_note(const struct bpel_activity *a, void *arg)
{
	struct dot_arg *d = arg;
	const struct cov_act *x = act_of(d->c, a);
	if (!x)
		return NULL;
	if (!x->hits)
		return "NOT RUN";
	snprintf(d->note, sizeof d->note, "run");
	missed_branches(d, a);
	return d->note;
}

int cover_write_dot(const struct cover *c, const char *path)
{
	struct dot_arg d = { c, "" };
	struct emit_dot_cover dc = { dot_color, dot_note, &d };
	return emit_dot_file(c->ir->m, &dc, path);
}
