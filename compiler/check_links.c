/*
 * check_links.c — <flow> links: SA00064 (duplicate link names), SA00065
 * (linkName resolves to an enclosing flow), SA00066 (one source, one
 * target), SA00067 (two links between the same activities), SA00068/SA00069
 * (repeated linkName in <sources>/<targets>), SA00070 (crossing a loop,
 * event handler or compensation handler), SA00071 (crossing a fault or
 * termination handler other than outwards), SA00072 (control cycles) and
 * SA00082 (peer scopes depending on each other).
 *
 * Cycles are found on a graph of activity start and end events: a parent
 * starts before its children and ends after them, a <sequence> orders its
 * children, and a link orders its source's end before its target's start.
 * A cycle in that graph is a process that can never finish.
 */
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "check_int.h"

struct link {
	const char *name;
	xmlNodePtr decl, flow;
	xmlNodePtr src, tgt; /* activities, the first found */
	int nsrc, ntgt;
};

struct lctx {
	struct link *links;
	int nlinks, caplinks;
	xmlNodePtr *acts;
	int nacts, capacts;
};

static void *grow(void *p, int *cap, size_t elem)
{
	*cap = *cap ? *cap * 2 : 64;
	void *q = realloc(p, (size_t)*cap * elem);
	if (!q)
		arena_oom();
	return q;
}

static void collect(struct chk *c, xmlNodePtr n, void *ud)
{
	struct lctx *x = ud;
	if (chk_is_activity(n)) {
		if (x->nacts == x->capacts)
			x->acts = grow(x->acts, &x->capacts, sizeof(*x->acts));
		x->acts[x->nacts++] = n;
	}
	if (!chk_is(n, "flow"))
		return;
	xmlNodePtr box = chk_child(n, "links");
	CHK_EACH(l, box)
	{
		if (!chk_is(l, "link") || !chk_attr(l, "name"))
			continue;
		for (int i = 0; i < x->nlinks; i++)
			if (x->links[i].flow == n &&
			    strcmp(x->links[i].name, chk_attr(l, "name")) ==
				    0) {
				chk_err(c, l, "SA00064",
					"link '%s' is declared twice in this <flow>",
					chk_attr(l, "name"));
				goto next;
			}
		if (x->nlinks == x->caplinks)
			x->links =
				grow(x->links, &x->caplinks, sizeof(*x->links));
		x->links[x->nlinks++] = (struct link){
			chk_attr(l, "name"), l, n, NULL, NULL, 0, 0
		};
next:;
	}
}

/* The link a <source>/<target> names, as resolve bound it (the nearest
 * enclosing flow, not the activity itself, that declares it). */
static struct link *link_of(struct chk *c, struct lctx *x, xmlNodePtr ref)
{
	struct bpel_link *bl = chk_link_ref(c, ref);
	for (int i = 0; bl && i < x->nlinks; i++)
		if (x->links[i].decl == bl->node)
			return &x->links[i];
	return NULL;
}

/* SA00070/SA00071: the constructs between act and the declaring flow. */
static void crossing(struct chk *c, struct link *l, xmlNodePtr ref,
		     xmlNodePtr act, bool is_src)
{
	for (xmlNodePtr p = act->parent; p && p != l->flow; p = p->parent) {
		if (chk_is(p, "while") || chk_is(p, "repeatUntil") ||
		    chk_is(p, "forEach") || chk_is(p, "eventHandlers") ||
		    chk_is(p, "compensationHandler")) {
			chk_err(c, ref, "SA00070",
				"link '%s' crosses the boundary of a <%s>",
				l->name, (const char *)p->name);
			return;
		}
		if (chk_is(p, "catch") || chk_is(p, "catchAll") ||
		    chk_is(p, "terminationHandler")) {
			xmlNodePtr owner = p->parent;
			if (chk_is(owner, "faultHandlers"))
				owner = owner->parent;
			if (!is_src ||
			    (l->tgt && chk_contains(owner, l->tgt))) {
				chk_err(c, ref, "SA00071",
					"link '%s' enters a <%s>; links may only leave a fault or termination handler",
					l->name, (const char *)p->name);
				return;
			}
		}
	}
}

static void refs(struct chk *c, struct lctx *x, xmlNodePtr act, const char *box,
		 const char *item, bool pass2)
{
	xmlNodePtr b = chk_child(act, box);
	CHK_EACH(r, b)
	{
		const char *name = chk_attr(r, "linkName");
		if (!chk_is(r, item) || !name)
			continue;
		struct link *l = link_of(c, x, r);
		if (pass2) {
			if (l)
				crossing(c, l, r, act,
					 strcmp(item, "source") == 0);
			continue;
		}
		for (xmlNodePtr q = chk_elem_first(b); q != r;
		     q = chk_elem_next(q))
			if (chk_is(q, item) && chk_attr(q, "linkName") &&
			    strcmp(chk_attr(q, "linkName"), name) == 0) {
				chk_err(c, r,
					strcmp(item, "source") == 0 ? "SA00068"
								    : "SA00069",
					"linkName '%s' is listed twice in these <%s>",
					name, box);
				break;
			}
		if (!l) {
			chk_err(c, r, "SA00065",
				"linkName '%s' is not a link of a <flow> enclosing this activity",
				name);
			continue;
		}
		if (strcmp(item, "source") == 0) {
			if (!l->nsrc++)
				l->src = act;
		} else {
			if (!l->ntgt++)
				l->tgt = act;
		}
	}
}

/* ---- cycles ---- */

static int act_index(struct lctx *x, xmlNodePtr a)
{
	for (int i = 0; i < x->nacts; i++)
		if (x->acts[i] == a)
			return i;
	return -1;
}

static xmlNodePtr parent_act(xmlNodePtr n)
{
	for (xmlNodePtr p = n->parent; p && p->type == XML_ELEMENT_NODE;
	     p = p->parent)
		if (chk_is_activity(p))
			return p;
	return NULL;
}

struct graph {
	int n;
	int *head, *next, *to; /* adjacency lists */
	int nedges, capedges;
};

static void edge(struct graph *g, int from, int to)
{
	if (from < 0 || to < 0)
		return;
	if (g->nedges == g->capedges) {
		g->capedges = g->capedges ? g->capedges * 2 : 64;
		g->next = realloc(g->next, sizeof(int) * (size_t)g->capedges);
		g->to = realloc(g->to, sizeof(int) * (size_t)g->capedges);
		if (!g->next || !g->to)
			arena_oom();
	}
	g->to[g->nedges] = to;
	g->next[g->nedges] = g->head[from];
	g->head[from] = g->nedges++;
}

/* Can `to` be reached from `from`? */
static bool reach(struct graph *g, int from, int to)
{
	char *seen = calloc((size_t)g->n, 1);
	int *stack = malloc(sizeof(int) * (size_t)g->n);
	bool found = false;
	int sp = 0;
	if (!seen || !stack) {
		free(seen);
		free(stack);
		return false;
	}
	stack[sp++] = from;
	seen[from] = 1;
	while (sp > 0 && !found) {
		int v = stack[--sp];
		if (v == to)
			found = true;
		for (int e = g->head[v]; e >= 0; e = g->next[e])
			if (!seen[g->to[e]]) {
				seen[g->to[e]] = 1;
				stack[sp++] = g->to[e];
			}
	}
	free(seen);
	free(stack);
	return found;
}

/* Iterative DFS; true when a cycle is reachable. */
static bool cyclic(struct graph *g)
{
	char *color = calloc((size_t)g->n, 1);
	int *stack = malloc(sizeof(int) * (size_t)g->n),
	    *it = malloc(sizeof(int) * (size_t)g->n);
	bool found = false;
	if (!color || !stack || !it) {
		free(color);
		free(stack);
		free(it);
		return false;
	}
	for (int s = 0; s < g->n && !found; s++) {
		if (color[s])
			continue;
		int sp = 0;
		stack[sp] = s;
		it[sp] = g->head[s];
		color[s] = 1;
		while (sp >= 0 && !found) {
			int v = stack[sp], e = it[sp];
			if (e < 0) {
				color[v] = 2;
				sp--;
				continue;
			}
			it[sp] = g->next[e];
			int w = g->to[e];
			if (color[w] == 1)
				found = true;
			else if (!color[w]) {
				color[w] = 1;
				stack[++sp] = w;
				it[sp] = g->head[w];
			}
		}
	}
	free(color);
	free(stack);
	free(it);
	return found;
}

static void graph_init(struct graph *g, int n)
{
	memset(g, 0, sizeof(*g));
	g->n = n;
	g->head = malloc(sizeof(int) * (size_t)(n ? n : 1));
	if (!g->head)
		arena_oom();
	for (int i = 0; i < n; i++)
		g->head[i] = -1;
}

static void graph_free(struct graph *g)
{
	free(g->head);
	free(g->next);
	free(g->to);
}

static void sa00072(struct chk *c, struct lctx *x)
{
	struct graph g;
	graph_init(&g, 2 * x->nacts);
	for (int i = 0; i < x->nacts; i++) {
		xmlNodePtr a = x->acts[i];
		edge(&g, 2 * i, 2 * i + 1);
		int p = act_index(x, parent_act(a));
		if (p >= 0) {
			edge(&g, 2 * p, 2 * i);
			edge(&g, 2 * i + 1, 2 * p + 1);
		}
		if (chk_is(a, "sequence")) {
			int prev = -1;
			CHK_EACH(ch, a)
			if (chk_is_activity(ch)) {
				int k = act_index(x, ch);
				if (prev >= 0)
					edge(&g, 2 * prev + 1, 2 * k);
				prev = k;
			}
		}
	}
	for (int i = 0; i < x->nlinks; i++) {
		struct link *l = &x->links[i];
		if (l->nsrc == 1 && l->ntgt == 1)
			edge(&g, 2 * act_index(x, l->src) + 1,
			     2 * act_index(x, l->tgt));
	}
	if (cyclic(&g)) {
		/* Report each link that closes a cycle: its target's start
		 * leads back to its source's end. */
		bool named = false;
		for (int i = 0; i < x->nlinks; i++) {
			struct link *l = &x->links[i];
			if (l->nsrc == 1 && l->ntgt == 1 &&
			    reach(&g, 2 * act_index(x, l->tgt),
				  2 * act_index(x, l->src) + 1)) {
				chk_err(c, l->decl, "SA00072",
					"link '%s' is part of a control cycle",
					l->name);
				named = true;
			}
		}
		if (!named)
			chk_err(c, x->nlinks ? x->links[0].flow : c->root,
				"SA00072",
				"the links of this process form a control cycle");
	}
	graph_free(&g);
}

/* The outermost scope containing a but not b, below their common ancestor. */
static xmlNodePtr peer_scope(xmlNodePtr a, xmlNodePtr b)
{
	xmlNodePtr best = NULL;
	for (xmlNodePtr p = a; p && !chk_contains(p, b); p = p->parent)
		if (chk_is(p, "scope"))
			best = p;
	return best;
}

static void sa00082(struct chk *c, struct lctx *x)
{
	struct graph g;
	graph_init(&g, x->nacts);
	int nedges = 0;
	for (int i = 0; i < x->nlinks; i++) {
		struct link *l = &x->links[i];
		if (l->nsrc != 1 || l->ntgt != 1)
			continue;
		xmlNodePtr ss = peer_scope(l->src, l->tgt),
			   ts = peer_scope(l->tgt, l->src);
		if (ss && ts &&
		    chk_enclosing_scope(ss) == chk_enclosing_scope(ts)) {
			edge(&g, act_index(x, ss), act_index(x, ts));
			nedges++;
		}
	}
	if (nedges > 1 && cyclic(&g))
		chk_err(c, x->nlinks ? x->links[0].flow : c->root, "SA00082",
			"links make peer scopes depend on each other in a cycle");
	graph_free(&g);
}

void check_links(struct chk *c)
{
	struct lctx x;
	memset(&x, 0, sizeof(x));
	chk_walk(c, collect, &x);
	for (int i = 0; i < x.nacts; i++) {
		refs(c, &x, x.acts[i], "sources", "source", false);
		refs(c, &x, x.acts[i], "targets", "target", false);
	}
	for (int i = 0; i < x.nacts; i++) {
		refs(c, &x, x.acts[i], "sources", "source", true);
		refs(c, &x, x.acts[i], "targets", "target", true);
	}
	for (int i = 0; i < x.nlinks; i++) {
		struct link *l = &x.links[i];
		if (l->nsrc != 1 || l->ntgt != 1)
			chk_err(c, l->decl, "SA00066",
				"link '%s' has %d source and %d target activities; it needs exactly one of each",
				l->name, l->nsrc, l->ntgt);
		for (int j = 0; j < i; j++) {
			struct link *k = &x.links[j];
			if (l->nsrc == 1 && l->ntgt == 1 && k->nsrc == 1 &&
			    k->ntgt == 1 && l->src == k->src &&
			    l->tgt == k->tgt)
				chk_err(c, l->decl, "SA00067",
					"links '%s' and '%s' both join the same source and target activities",
					k->name, l->name);
		}
	}
	sa00082(c, &x);
	sa00072(c, &x);
	free(x.links);
	free(x.acts);
}
