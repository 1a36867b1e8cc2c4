/*
 * links.c — flow links (semantics.md §5): link frames, a target's join
 * (wait for every incoming link, joinCondition, joinFailure or dead-path
 * elimination), a source's transition conditions, and setting false the
 * links of activities that never ran.
 *
 * A flow with <links> gets a link frame: one status per link it declares
 * (unset, true, false). Its child strands, the strands they start and the
 * scope instances entered inside it hold a reference, so the frame lives
 * exactly as long as something inside the flow can still read or set a
 * link; a frame holds its enclosing flow's frame, because links may cross
 * nested flows. A target waits with BRT_W_LINKS; setting a link re-queues
 * every such strand of the instance, which then re-checks its links (few
 * strands per instance, and no waiter list that a terminated strand could
 * leave dangling).
 *
 * Not here: which links are dead when (the compiler lists them
 * statically per activity, lower_links.c), termination (faults.c).
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* ---- frames -------------------------------------------------------------- */

void brt__links_ref(struct brt_link_frame *f)
{
	if (f)
		f->refs++;
}

void brt__links_unref(struct brt_link_frame *f)
{
	while (f && --f->refs <= 0) {
		struct brt_link_frame *parent = f->parent;
		free(f->status);
		free(f);
		f = parent;
	}
}

/* The status slot of `link` as seen from s, NULL when no frame has it. */
static signed char *slot(brt_strand *s, int link)
{
	for (struct brt_link_frame *f = s->links; f; f = f->parent)
		if (link >= f->first && link < f->first + f->n)
			return &f->status[link - f->first];
	return NULL;
}

int brt__link_status(brt_strand *s, int link)
{
	signed char *st = slot(s, link);
	return st ? *st : -1;
}

/* Wake every strand of the instance that waits for links. */
static void wake(brt_instance *in)
{
	for (brt_strand *t = in->strands_head; t; t = t->next)
		if (t->wait == BRT_W_LINKS && !t->queued)
			brt__strand_queue(t);
}

/* Set `link` once; a second setting is ignored (a link has one status
 * per flow instance). Returns false when the link is not visible (a
 * compiler bug). */
static bool set(brt_strand *s, int link, bool value, bool *changed)
{
	signed char *st = slot(s, link);
	if (NEVER(!st))
		return false;
	if (*st < 0) {
		*st = value ? 1 : 0;
		*changed = true;
		if (s->in->rt->test)
			s->in->rt->test->link_set(s->in->rt, link, value);
		if (s->in->rt->verbose)
			brt__debug(s->in->rt,
				   "instance %lu strand %lu: link "
				   "%d = %s",
				   s->in->id, s->id, link,
				   value ? "true" : "false");
	}
	return true;
}

static enum brt_step set_all_false(brt_strand *s, int n, const int *links)
{
	bool changed = false;
	for (int i = 0; i < n; i++)
		if (!set(s, links[i], false, &changed))
			return brt__bug(s, "link not in any flow frame");
	if (changed)
		wake(s->in);
	return BRT_STEP_NEXT;
}

/* ---- what steps call ----------------------------------------------------- */

enum brt_step brt_flow_links(brt_strand *s, int n, const int *states, int first,
			     int nlinks)
{
	struct brt_link_frame *f = calloc(1, sizeof *f);
	signed char *status = nlinks > 0 ? malloc((size_t)nlinks) : NULL;
	if (!f || (nlinks > 0 && !status)) {
		free(f);
		free(status);
		return brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
				  "out of memory");
	}
	memset(status, -1, (size_t)(nlinks > 0 ? nlinks : 0));
	f->first = first;
	f->n = nlinks;
	f->status = status;
	f->parent = s->links;
	brt__links_ref(f->parent);
	if (n <= 0) {
		brt__links_ref(f);
		brt__links_unref(f);
		return BRT_STEP_NEXT;
	}
	/* Our reference while the children are made: if making one fails,
	 * the others' references go with them and this one frees f. */
	brt__links_ref(f);
	enum brt_step st = brt__flow_start(s, n, states, f);
	brt__links_unref(f);
	return st;
}

enum brt_step brt_links_join(brt_strand *s, const struct brt_links *a)
{
	bool any = false;
	for (int i = 0; i < a->ntargets; i++) {
		int st = brt__link_status(s, a->targets[i]);
		if (st < 0) {
			if (NEVER(!slot(s, a->targets[i])))
				return brt__bug(s,
						"link not in any flow frame");
			s->wait = BRT_W_LINKS;
			return BRT_STEP_WAIT;
		}
		any |= st == 1;
	}
	bool ok = any;
	if (a->join >= 0) {
		enum brt_step r = brt_eval_bool(s, a->join, &ok);
		if (r != BRT_STEP_NEXT)
			return r;
	}
	if (ok) {
		s->state = a->run;
		return BRT_STEP_NEXT;
	}
	if (!a->suppress)
		return brt__std_fault(s, "joinFailure",
				      a->name ? a->name
					      : "join condition is false");
	if (s->in->rt->verbose)
		brt__debug(s->in->rt,
			   "instance %lu strand %lu: dead path: "
			   "%s skipped",
			   s->in->id, s->id, a->name ? a->name : "activity");
	s->state = a->skip;
	return set_all_false(s, a->ndead, a->dead);
}

enum brt_step brt_links_fire(brt_strand *s, const struct brt_links *a)
{
	bool changed = false;
	for (int i = 0; i < a->nsources; i++) {
		bool value = true;
		if (a->sources[i].expr >= 0) {
			enum brt_step r =
				brt_eval_bool(s, a->sources[i].expr, &value);
			if (r != BRT_STEP_NEXT) {
				if (changed)
					wake(s->in);
				return r;
			}
		}
		if (!set(s, a->sources[i].link, value, &changed))
			return brt__bug(s, "link not in any flow frame");
	}
	if (changed)
		wake(s->in);
	return BRT_STEP_NEXT;
}

enum brt_step brt_links_kill(brt_strand *s, int n, const int *links)
{
	return set_all_false(s, n, links);
}
