/*
 * store.c — an instance as bytes and back (design.md: "an instance is only
 * data"). The record is a small XML document:
 *
 *   <instance build= process= id= next-strand= next-scope= started=
 *             t-start= suspended=
 *             done-seq= iso-holder= provisional=>
 *     <plink index= url=/>                      addresses assigned at run time
 *     <links id= parent= first= status=/>      link frames, parents first
 *     <scope id= index= parent= mode= waiter= phase= done-seq= comp-waiter=
 *            nterm= term-notify= links=>       parents before children
 *       <fault ns= local= message-ns= message=>data</fault>   fault mode
 *       <var slot=>the variable's root element</var>
 *       <cset set=><value>v</value>...</cset>  an initiated correlation set
 *     </scope>
 *     <strand id= state= scope= parent= pending= wait= deadline= primary=
 *             links= comp-owner= comp-target= nterm-wait= seq=>
 *       <receive name= plink= op= var= mex= create=>   an enabled receive
 *         <part name= var=/> <corr set= initiate= pattern=/>
 *       </receive>
 *       <pick alarm= deadline=/>       a waiting pick's armed onAlarm
 *       <events .../>                  an event handlers' anchor (events.c)
 *       <foreach .../>                 a running forEach (foreach.c)
 *     </strand>
 *     <message plink= op=>a message nobody received yet</message>
 *   </instance>
 *
 * Every wait is saved: receives, timers, flow joins, scopes, link joins,
 * picks, event handlers, compensation and termination in progress,
 * isolated locks; installed compensation handlers are scope instances in
 * phase "installed" with their snapshot variables and completion order.
 * A waiting pick is restored runnable at its own state: its step enables
 * it again, keeping the alarm deadline it had. Enabled receives and
 * onEvents are enabled again in the order they were enabled before
 * (routing prefers the earliest). The correlation values of the message
 * that created the instance, while its start activity has not taken it
 * yet (provisional routing), are derived again from that message.
 *
 * Also saved (issue 9): open request exchanges (<mex>: the connection is
 * not, so their reply is dropped after a restore), a call in flight
 * (<invoke index=>, the request too for a --resend link: persist.c faults
 * it or sends it again), what an event delivered to a strand that has not
 * run since (<delivery>), an instance in its <exit> (exiting=), and the
 * routing order numbers of enabled receives and initiated sets (seq=).
 *
 * A number attribute whose value is 0 is not written (recw.c), and reads
 * back absent as 0; records of earlier builds, with every zero written,
 * read the same. So a name in the sketch above may be missing: the
 * instance's done-seq, a scope's parent, waiter, done-seq, comp-waiter,
 * nterm, term-notify, links or index, a strand's parent, pending, ... are
 * 0. An id (of the instance, a scope, a strand, a link frame) is never 0
 * and must be there, as must format, next-strand and next-scope. A
 * scope's mode is written only when it is "fault" (absent: normal). The
 * record has no XML declaration (its text is UTF-8).
 *
 * Saving writes the text directly (recw.c: no tree is built, a variable's
 * document is serialized from its own root); restoring reads it without a
 * libxml2 tree (recr.c), and parses with libxml2 only what becomes a
 * document again (a variable, a message, a fault's data), from that
 * element's own bytes. Wrapper elements have no namespace (one declared
 * around them makes the record malformed), so a variable's own
 * namespaces never clash with them. A record of another build or format version is refused
 * (BRT_ESTATE). A record read back is untrusted: every index, count and
 * state is checked; anything malformed is BRT_EINVAL, never a crash.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlerror.h>

#include "engine.h"
#include "store.h"

/* The format number is written by brt__recw_num, which writes no 0, and
 * read as required: it must not be 0. */
_Static_assert(BRT_STORE_FORMAT > 0, "the record format is never 0");

/* ORDER: enum brt_wait (engine.h). */
static const char *const wait_names[] = {
	"none",	 "receive", "invoke", "timer", "join", "scope",
	"links", "pick",    "comp",   "term",  "lock", "events"
};
_Static_assert(sizeof wait_names / sizeof *wait_names == BRT_W_EVENTS + 1,
	       "wait_names follows enum brt_wait");

/* ORDER: enum brt_scope_phase (engine.h). */
static const char *const phase_names[] = { "active", "installed",
					   "compensating", "terminating" };
_Static_assert(sizeof phase_names / sizeof *phase_names ==
		       BRT_PHASE_TERMINATING + 1,
	       "phase_names follows enum brt_scope_phase");

/* ---- save ---------------------------------------------------------------- */

/* The record's text is written straight into a buffer, in document order
 * (recw.c); the loaders below walk what recr.c reads back. */

/* Everything can be saved, but an invoke the process's table does not
 * list (hand-made descriptors in tests) cannot be named again. */
static int invoke_index(const brt_instance *in, const struct brt_invoke *iv)
{
	const struct brt_process *p = in->rt->proc;
	if (!iv || !p->invokes || iv < p->invokes ||
	    iv >= p->invokes + p->ninvokes)
		return -1;
	return (int)(iv - p->invokes);
}

static bool is_saveable(brt_instance *in)
{
	for (brt_strand *s = in->strands_head; s; s = s->next)
		if ((s->wait == BRT_W_INVOKE || s->done == BRT_D_INVOKE) &&
		    invoke_index(in, s->iv) < 0)
			return false;
	return true;
}

/* Link frames get ids (1, 2, ...) in the order they are written, each
 * after its parent: all are written before the scopes and strands that
 * name them. */
struct frames {
	int n, cap;
	struct brt_link_frame **v;
};

/* f's id (0 for NULL), or -1 when it was not written. */
static long frame_find(const struct frames *fs, const struct brt_link_frame *f)
{
	if (!f)
		return 0;
	for (int i = 0; i < fs->n; i++)
		if (fs->v[i] == f)
			return i + 1;
	return -1;
}

/* Write <links> for f (and its parents first) unless written already:
 * 0 or BRT_ENOMEM. */
static int frame_put(struct frames *fs, struct brt_recw *w,
		     struct brt_link_frame *f)
{
	if (!f || frame_find(fs, f) > 0)
		return 0;
	int err = frame_put(fs, w, f->parent);
	if (err)
		return err;
	if (fs->n == fs->cap) {
		int cap = fs->cap ? 2 * fs->cap : 8;
		void *v = realloc(fs->v, (size_t)cap * sizeof *fs->v);
		if (!v)
			return BRT_ENOMEM;
		fs->v = v;
		fs->cap = cap;
	}
	fs->v[fs->n++] = f;
	char *status = malloc((size_t)f->n + 1);
	if (!status)
		return BRT_ENOMEM;
	for (int i = 0; i < f->n; i++)
		status[i] = f->status[i] < 0 ? '-' : f->status[i] ? '1' : '0';
	status[f->n] = '\0';
	brt__recw_open(w, "links");
	brt__recw_num(w, "id", fs->n);
	brt__recw_num(w, "parent", frame_find(fs, f->parent));
	brt__recw_num(w, "first", f->first);
	brt__recw_str(w, "status", status);
	brt__recw_close(w, "links");
	free(status);
	return 0;
}

static void save_receive(struct brt_recw *w, const struct brt_receive *r)
{
	brt__recw_open(w, "receive");
	brt__recw_str(w, "name", r->name);
	brt__recw_num(w, "plink", r->plink);
	brt__recw_str(w, "op", r->op->name);
	brt__recw_num(w, "var", r->var);
	brt__recw_str(w, "mex", r->mex);
	brt__recw_num(w, "create", r->create_instance);
	brt__recw_str(w, "file", r->file);
	brt__recw_num(w, "line", r->line);
	for (int i = 0; i < r->nparts; i++) {
		brt__recw_open(w, "part");
		brt__recw_str(w, "name", r->parts[i].part);
		brt__recw_num(w, "var", r->parts[i].var);
		brt__recw_close(w, "part");
	}
	for (int i = 0; i < r->ncorr; i++) {
		brt__recw_open(w, "corr");
		brt__recw_num(w, "set", r->corr[i].set);
		brt__recw_num(w, "initiate", r->corr[i].initiate);
		brt__recw_num(w, "pattern", r->corr[i].pattern);
		brt__recw_close(w, "corr");
	}
	brt__recw_close(w, "receive");
}

/* <pick name= armed= alarm-state= deadline=> <on state= seq=> <receive/>
 * </on>... </pick>: a waiting pick's onMessages and its armed alarm. */
static void save_pick(brt_strand *s, struct brt_recw *w)
{
	const struct brt_pick *pk = brt__pick_desc(s);
	if (!pk)
		return;
	brt__recw_open(w, "pick");
	brt__recw_str(w, "name", pk->name);
	int state = 0;
	double deadline = 0;
	bool armed = brt__pick_alarm(s, &state, &deadline);
	brt__recw_num(w, "armed", armed);
	brt__recw_num(w, "alarm-state", state);
	brt__recw_real(w, "deadline", deadline);
	for (int i = 0; i < pk->nmsgs; i++) {
		struct brt_ima *ima = brt__pick_ima(s, i);
		brt__recw_open(w, "on");
		brt__recw_num(w, "state", pk->msgs[i].state);
		brt__recw_num(w, "seq",
			      ima && ima->enabled ? (long)ima->seq : 0);
		save_receive(w, pk->msgs[i].recv);
		brt__recw_close(w, "on");
	}
	brt__recw_close(w, "pick");
}

/* <invoke index= [request]>: a call in flight; the request is kept only
 * for a --resend partner link. */
static void save_invoke(brt_strand *s, struct brt_recw *w)
{
	brt__recw_open(w, "invoke");
	brt__recw_num(w, "index", invoke_index(s->in, s->iv));
	if (s->call_msg) {
		brt__recw_open(w, "request");
		brt__recw_doc(w, s->call_msg);
		brt__recw_close(w, "request");
	}
	brt__recw_close(w, "invoke");
}

static void put_fault(struct brt_recw *w, const struct brt_fault *f)
{
	brt__recw_open(w, "fault");
	brt__recw_str(w, "ns", f->ns);
	brt__recw_str(w, "local", f->local);
	if (f->message) {
		brt__recw_str(w, "message-ns", f->message->name.ns);
		brt__recw_str(w, "message", f->message->name.local);
	}
	brt__recw_doc(w, f->data);
	brt__recw_close(w, "fault");
}

/* <delivery kind=receive|invoke|fault ...>: what an event brought a strand
 * that has not run since. A delivered request's connection is lost. */
static void save_delivery(brt_strand *s, struct brt_recw *w)
{
	brt__recw_open(w, "delivery");
	if (s->done == BRT_D_RECEIVE) {
		brt__recw_str(w, "kind", "receive");
		brt__recw_str(w, "fault", s->recv_fault);
		save_receive(w, s->recv);
	} else if (s->done == BRT_D_INVOKE) {
		brt__recw_str(w, "kind", "invoke");
		brt__recw_num(w, "index", invoke_index(s->in, s->iv));
		brt__recw_num(w, "err", s->call_err);
		brt__recw_num(w, "is-fault", s->call_is_fault);
		brt__recw_num(w, "interrupted", s->call_interrupted);
		long decl = -1;
		for (int i = 0; s->call_fault_decl && i < s->iv->op->nfaults;
		     i++)
			if (&s->iv->op->faults[i] == s->call_fault_decl)
				decl = i;
		brt__recw_num(w, "decl", decl);
		brt__recw_str(w, "text", s->call_text);
		brt__recw_str(w, "fault-ns", s->call_fault_ns);
		brt__recw_str(w, "fault-local", s->call_fault_local);
	} else {
		brt__recw_str(w, "kind", "fault");
		put_fault(w, &s->fault);
		brt__recw_close(w, "delivery");
		return;
	}
	if (s->msg) {
		brt__recw_open(w, "msg");
		brt__recw_doc(w, s->msg);
		brt__recw_close(w, "msg");
	}
	brt__recw_close(w, "delivery");
}

static void save_scopes(brt_instance *in, struct brt_recw *w,
			const struct frames *fs);
static int save_strands(brt_instance *in, struct brt_recw *w,
			const struct frames *fs);

static int save_record(brt_instance *in, struct brt_recw *w)
{
	const struct brt_process *p = in->rt->proc;
	brt__recw_open(w, "instance");
	brt__recw_str(w, "build", p->build_id ? p->build_id : "");
	brt__recw_num(w, "format", BRT_STORE_FORMAT);
	brt__recw_num(w, "exiting", in->exiting);
	brt__recw_str(w, "process", p->name);
	brt__recw_num(w, "id", (long)in->id);
	brt__recw_num(w, "next-strand", (long)in->next_strand_id);
	brt__recw_num(w, "next-scope", (long)in->next_scope_id);
	brt__recw_num(w, "started", in->started);
	/* The operator's view survives a restart (inspect.c). */
	brt__recw_num(w, "t-start", (long)in->t_start);
	brt__recw_num(w, "suspended", in->suspended);
	brt__recw_num(w, "done-seq", (long)in->done_seq);
	brt__recw_num(w, "iso-holder",
		      in->iso_holder ? (long)in->iso_holder->id : 0);
	brt__recw_num(w, "provisional", in->provisional != NULL);

	for (int i = 0; i < p->nplinks; i++) {
		if (!in->plink_url[i])
			continue;
		brt__recw_open(w, "plink");
		brt__recw_num(w, "index", i);
		brt__recw_str(w, "url", in->plink_url[i]);
		brt__recw_close(w, "plink");
	}
	/* Frames first: scopes and strands name them. */
	struct frames fs = { 0 };
	int err = 0;
	for (struct brt_scope_inst *si = in->scopes_head; si && !err;
	     si = si->next)
		err = frame_put(&fs, w, si->links);
	for (brt_strand *s = in->strands_head; s && !err; s = s->next)
		err = frame_put(&fs, w, s->links);
	if (!err)
		save_scopes(in, w, &fs);
	for (struct brt_mex *m = in->mexes; m && !err; m = m->next) {
		/* The request's connection does not survive a restart: the
		 * exchange does, and its reply is dropped (logged). */
		brt__recw_open(w, "mex");
		brt__recw_num(w, "plink", m->plink);
		brt__recw_str(w, "op", m->op->name);
		brt__recw_str(w, "mex", m->mex);
		brt__recw_num(w, "owner", m->owner ? (long)m->owner->id : 0);
		brt__recw_close(w, "mex");
	}
	if (!err)
		err = save_strands(in, w, &fs);
	free(fs.v);
	if (err)
		return err;
	for (struct brt_inmsg *m = in->inbox_head; m; m = m->next) {
		brt__recw_open(w, "message");
		brt__recw_num(w, "plink", m->plink);
		brt__recw_str(w, "op", m->op->name);
		brt__recw_doc(w, m->msg);
		brt__recw_close(w, "message");
	}
	brt__recw_close(w, "instance");
	return w->err;
}

static void save_scopes(brt_instance *in, struct brt_recw *w,
			const struct frames *fs)
{
	const struct brt_process *p = in->rt->proc;
	for (struct brt_scope_inst *si = in->scopes_head; si; si = si->next) {
		brt__recw_open(w, "scope");
		brt__recw_num(w, "id", (long)si->id);
		brt__recw_num(w, "index", si->scope);
		brt__recw_num(w, "parent",
			      si->parent ? (long)si->parent->id : 0);
		if (si->mode == BRT_MODE_FAULT) /* absent: normal */
			brt__recw_str(w, "mode", "fault");
		brt__recw_num(w, "waiter",
			      si->waiter ? (long)si->waiter->id : 0);
		brt__recw_str(w, "phase", phase_names[si->phase]);
		brt__recw_num(w, "done-seq", (long)si->done_seq);
		brt__recw_num(w, "comp-waiter",
			      si->comp_waiter ? (long)si->comp_waiter->id : 0);
		brt__recw_num(w, "nterm", si->nterm);
		brt__recw_num(w, "term-notify",
			      si->term_notify ? (long)si->term_notify->id : 0);
		brt__recw_num(w, "links", frame_find(fs, si->links));
		if (si->mode == BRT_MODE_FAULT)
			put_fault(w, &si->fault);
		for (int i = 0; i < p->scopes[si->scope].nvars; i++) {
			if (!si->vars[i])
				continue;
			brt__recw_open(w, "var");
			brt__recw_num(w, "slot", i);
			brt__recw_doc(w, si->vars[i]);
			brt__recw_close(w, "var");
		}
		char *const *vals;
		int set;
		for (int i = 0; (set = brt__corr_set_get(si, i, &vals)) >= 0;
		     i++) {
			brt__recw_open(w, "cset");
			brt__recw_num(w, "set", set);
			brt__recw_num(w, "seq", (long)brt__corr_set_seq(si, i));
			for (int j = 0; j < p->corrsets[set].nprops; j++) {
				brt__recw_open(w, "value");
				brt__recw_text(w, vals[j]);
				brt__recw_close(w, "value");
			}
			brt__recw_close(w, "cset");
		}
		brt__recw_close(w, "scope");
	}
}

static int save_strands(brt_instance *in, struct brt_recw *w,
			const struct frames *fs)
{
	for (brt_strand *s = in->strands_head; s; s = s->next) {
		brt__recw_open(w, "strand");
		brt__recw_num(w, "id", (long)s->id);
		brt__recw_num(w, "state", s->state);
		brt__recw_num(w, "scope", (long)s->scope->id);
		brt__recw_num(w, "parent", s->parent ? (long)s->parent->id : 0);
		brt__recw_num(w, "pending", s->pending);
		brt__recw_str(w, "wait", wait_names[s->wait]);
		if (s->wait == BRT_W_TIMER)
			brt__recw_real(w, "deadline", s->deadline);
		brt__recw_num(w, "primary", s->primary);
		brt__recw_num(w, "links", frame_find(fs, s->links));
		brt__recw_num(w, "comp-owner",
			      s->comp_owner ? (long)s->comp_owner->id : 0);
		brt__recw_num(w, "comp-target", s->comp_target);
		brt__recw_num(w, "nterm-wait", s->nterm_wait);
		if (s->wait == BRT_W_RECEIVE) {
			brt__recw_num(w, "seq", (long)s->ima.seq);
			save_receive(w, s->recv);
		}
		if (s->wait == BRT_W_PICK)
			save_pick(s, w);
		if (s->wait == BRT_W_INVOKE)
			save_invoke(s, w);
		if (s->done != BRT_D_NONE)
			save_delivery(s, w);
		int err = brt__events_save(s, w);
		if (!err)
			err = brt__foreach_save(s, w);
		if (err)
			return err;
		brt__recw_close(w, "strand");
	}
	return w->err;
}

int brt__instance_save(brt_instance *in, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (!is_saveable(in))
		return BRT_ESTATE;
	struct brt_recw w;
	brt__recw_init(&w);
	/* Variables are written by libxml2's serializer, whose failures
	 * show in its last error as well as in the writer's. */
	xmlResetLastError();
	int err = save_record(in, &w);
	if (!err && brt__error_xml_oom())
		err = BRT_ENOMEM;
	if (err) {
		brt__recw_free(&w);
		return err;
	}
	*buf = brt__recw_take(&w, len);
	return 0;
}

/* ---- restore ------------------------------------------------------------- */

/* Attribute helpers: a malformed number makes the record bad; a missing
 * one is 0 (recw.c writes no zeros), but for an id, which must be there.
 * The reader holds one reference to each link frame it made (by id) until
 * the restore is over. */
struct reader {
	struct brt_recr *rr; /* the engine's record reader */
	bool bad;
	int nframes, capframes;
	struct brt_link_frame **frames;
	/* Enabled IMAs to enable again, in their old order (seq): a
	 * receive's strand, an anchor's onEvent i, a pick's onMessage i. */
	int nimas, capimas;
	struct saved_ima {
		unsigned long seq;
		brt_strand *s;
		int i;
		enum { IMA_RECEIVE, IMA_EVENT, IMA_PICK } kind;
	} * imas;
};

static int note_ima(struct reader *rd, long seq, brt_strand *s, int i, int kind)
{
	if (seq < 0)
		return BRT_EINVAL;
	if (rd->nimas == rd->capimas) {
		int cap = rd->capimas ? 2 * rd->capimas : 8;
		void *v = realloc(rd->imas, (size_t)cap * sizeof *rd->imas);
		if (!v)
			return BRT_ENOMEM;
		rd->imas = v;
		rd->capimas = cap;
	}
	rd->imas[rd->nimas++] =
		(struct saved_ima){ (unsigned long)seq, s, i, kind };
	return 0;
}

static int ima_cmp(const void *a, const void *b)
{
	const struct saved_ima *x = a, *y = b;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Drop the reader's references, newest first: a frame is made after its
 * parent, so children let go of their parents before those are
 * released. */
static void frames_release(struct reader *rd)
{
	while (rd->nframes > 0)
		brt__links_unref(rd->frames[--rd->nframes]);
	free(rd->frames);
	rd->frames = NULL;
}

static const char *attr_val(const struct brt_rnode *n, const char *name)
{
	return brt__recr_attr(n, name);
}

/* A number written by brt__recw_num/ulong: absent is 0. */
static long get_num(struct reader *rd, const struct brt_rnode *n,
		    const char *name)
{
	long x;
	if (!brt__recr_num(n, name, &x))
		rd->bad = true;
	return x;
}

/* An id (of the instance, a scope, a strand, a link frame; a next id):
 * never 0, so always written; a missing one or one below 1 makes the
 * record bad (0 is returned). */
static long get_id(struct reader *rd, const struct brt_rnode *n,
		   const char *name)
{
	long x;
	if (!brt__recr_long(brt__recr_attr(n, name), &x) || x <= 0) {
		rd->bad = true;
		return 0;
	}
	return x;
}

/* A new malloc'd copy of the attribute, NULL when absent. */
static char *get_str(const struct brt_rnode *n, const char *name)
{
	const char *v = brt__recr_attr(n, name);
	return v ? strdup(v) : NULL;
}

static bool attr_is(const struct brt_rnode *n, const char *name,
		    const char *want)
{
	const char *v = attr_val(n, name);
	return v && strcmp(v, want) == 0;
}

static bool named(const struct brt_rnode *n, const char *name)
{
	return brt__recr_named(n, name);
}

static const struct brt_rnode *first_elem(const struct brt_rnode *n)
{
	return n ? n->children : NULL;
}

/* A new document whose root is the first element child of n, parsed
 * from its own text (recr.c). */
static xmlDocPtr take_doc(struct reader *rd, const struct brt_rnode *n)
{
	return brt__recr_doc(rd->rr, n);
}

static bool same_s(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static const struct brt_message *msg_match(const struct brt_message *m,
					   const char *ns, const char *local)
{
	return m && m->name.local && strcmp(m->name.local, local) == 0 &&
			       same_s(m->name.ns, ns)
		       ? m
		       : NULL;
}

/* The process tables know a message type through the operations and the
 * catches that use it. */
static const struct brt_message *find_message(const struct brt_process *p,
					      const char *ns, const char *local)
{
	const struct brt_message *m;
	if (!local)
		return NULL;
	for (int i = 0; i < p->nplinks; i++)
		for (int j = 0; j < p->plinks[i].nmy_ops; j++) {
			const struct brt_operation *op = p->plinks[i].my_ops[j];
			if ((m = msg_match(op->input, ns, local)) ||
			    (m = msg_match(op->output, ns, local)))
				return m;
			for (int k = 0; k < op->nfaults; k++)
				if ((m = msg_match(op->faults[k].message, ns,
						   local)))
					return m;
		}
	for (int i = 0; i < p->nscopes; i++)
		for (int j = 0; j < p->scopes[i].ncatches; j++)
			if ((m = msg_match(p->scopes[i].catches[j].message, ns,
					   local)))
				return m;
	for (int i = 0; i < p->nvars; i++)
		if ((m = msg_match(p->vars[i].message, ns, local)))
			return m;
	return NULL;
}

/* An attribute naming a link frame: NULL for 0, else the frame. */
static bool frame_ref(struct reader *rd, const struct brt_rnode *n,
		      const char *name, struct brt_link_frame **out)
{
	long id = get_num(rd, n, name);
	*out = NULL;
	if (rd->bad || id < 0 || id > rd->nframes)
		return false;
	if (id > 0)
		*out = rd->frames[id - 1];
	return true;
}

/* <links id= parent= first= status=/>: a flow instance's link statuses. */
static int load_frame(struct reader *rd, const struct brt_rnode *n)
{
	long id = get_id(rd, n, "id"), first = get_num(rd, n, "first");
	struct brt_link_frame *parent;
	char *status = get_str(n, "status");
	if (!frame_ref(rd, n, "parent", &parent) || !status ||
	    id != rd->nframes + 1 || first < 0 || first > 0xffffffL ||
	    strlen(status) > 0xffffu) {
		free(status);
		return BRT_EINVAL;
	}
	if (rd->nframes == rd->capframes) {
		int cap = rd->capframes ? 2 * rd->capframes : 8;
		void *v = realloc(rd->frames, (size_t)cap * sizeof *rd->frames);
		if (!v) {
			free(status);
			return BRT_ENOMEM;
		}
		rd->frames = v;
		rd->capframes = cap;
	}
	int nlinks = (int)strlen(status);
	struct brt_link_frame *f = calloc(1, sizeof *f);
	signed char *st = malloc((size_t)nlinks + 1);
	if (!f || !st) {
		free(f);
		free(st);
		free(status);
		return BRT_ENOMEM;
	}
	int err = 0;
	for (int i = 0; i < nlinks; i++) {
		char c = status[i];
		st[i] = c == '1' ? 1 : c == '0' ? 0 : -1;
		if (c != '1' && c != '0' && c != '-')
			err = BRT_EINVAL;
	}
	free(status);
	f->refs = 1; /* the reader's */
	f->first = (int)first;
	f->n = nlinks;
	f->status = st;
	f->parent = parent;
	brt__links_ref(parent);
	rd->frames[rd->nframes++] = f;
	return err;
}

static struct brt_scope_inst *scope_by_id(brt_instance *in, long id)
{
	for (struct brt_scope_inst *si = in->scopes_head; si; si = si->next)
		if ((long)si->id == id)
			return si;
	return NULL;
}

static brt_strand *strand_by_id(brt_instance *in, long id)
{
	for (brt_strand *s = in->strands_head; s; s = s->next)
		if ((long)s->id == id)
			return s;
	return NULL;
}

static brt_runtime *in_of(struct brt_scope_inst *si)
{
	return si->in->rt;
}

/* <cset set=><value>v</value>...</cset>: an initiated correlation set. */
static int load_cset(struct reader *rd, struct brt_scope_inst *si,
		     const struct brt_rnode *n)
{
	long set = get_num(rd, n, "set");
	int nvals = 0;
	for (const struct brt_rnode *c = n->children; c; c = c->next)
		nvals += named(c, "value");
	if (rd->bad || nvals <= 0)
		return BRT_EINVAL;
	char **vals = calloc((size_t)nvals, sizeof *vals);
	if (!vals)
		return BRT_ENOMEM;
	int i = 0;
	/* A value is text: one with elements in it is malformed. */
	bool bad = false;
	for (const struct brt_rnode *c = n->children; c; c = c->next)
		if (named(c, "value")) {
			bad = bad || !c->text;
			vals[i++] = strdup(c->text ? c->text : "");
		}
	for (i = 0; i < nvals; i++)
		if (!vals[i]) {
			for (int j = 0; j < nvals; j++)
				free(vals[j]);
			free(vals);
			return BRT_ENOMEM;
		}
	long sq = get_num(rd, n, "seq");
	if (rd->bad || sq < 0 || bad) {
		for (i = 0; i < nvals; i++)
			free(vals[i]);
		free(vals);
		return BRT_EINVAL;
	}
	brt__corr_force_seq(in_of(si), (unsigned long)sq);
	int err = brt__corr_restore(si, set > 0x7fff ? -1 : (int)set, vals,
				    nvals);
	brt__corr_force_seq(in_of(si), 0);
	return err;
}

static int load_scope(struct reader *rd, brt_instance *in,
		      const struct brt_rnode *n)
{
	const struct brt_process *p = in->rt->proc;
	long id = get_id(rd, n, "id"), index = get_num(rd, n, "index");
	long parent = get_num(rd, n, "parent");
	if (rd->bad || index < 0 || index >= p->nscopes || scope_by_id(in, id))
		return BRT_EINVAL;
	struct brt_scope_inst *par = parent ? scope_by_id(in, parent) : NULL;
	if (parent && !par)
		return BRT_EINVAL;
	if (!par && (index != 0 || in->root))
		return BRT_EINVAL; /* one root scope */
	struct brt_scope_inst *si = brt__scope_inst_new(in, (int)index, par);
	if (!si)
		return BRT_ENOMEM;
	si->id = (unsigned long)id;
	if (!par)
		in->root = si;
	if (attr_is(n, "mode", "fault"))
		si->mode = BRT_MODE_FAULT;
	int phase = -1;
	const char *pv = attr_val(n, "phase");
	for (int i = 0;
	     pv && i < (int)(sizeof phase_names / sizeof *phase_names); i++)
		if (strcmp(pv, phase_names[i]) == 0)
			phase = i;
	long done_seq = get_num(rd, n, "done-seq");
	long nterm = get_num(rd, n, "nterm");
	struct brt_link_frame *links;
	if (phase < 0 || done_seq < 0 || nterm < 0 ||
	    !frame_ref(rd, n, "links", &links))
		return BRT_EINVAL;
	si->phase = (enum brt_scope_phase)phase;
	si->done_seq = (unsigned long)done_seq;
	si->nterm = (int)nterm;
	si->links = links;
	brt__links_ref(links);
	for (const struct brt_rnode *c = n->children; c; c = c->next) {
		if (named(c, "var")) {
			long slot = get_num(rd, c, "slot");
			if (rd->bad || slot < 0 ||
			    slot >= p->scopes[index].nvars || si->vars[slot])
				return BRT_EINVAL;
			si->vars[slot] = take_doc(rd, c);
			if (!si->vars[slot])
				return BRT_EINVAL;
		} else if (named(c, "cset")) {
			if (load_cset(rd, si, c) != 0)
				return BRT_EINVAL;
		} else if (named(c, "fault") && si->mode == BRT_MODE_FAULT) {
			si->fault.ns = get_str(c, "ns");
			si->fault.local = get_str(c, "local");
			if (!si->fault.local)
				return BRT_EINVAL;
			char *mns = get_str(c, "message-ns");
			char *ml = get_str(c, "message");
			si->fault.message = find_message(p, mns, ml);
			free(mns);
			free(ml);
			if (first_elem(c) &&
			    !(si->fault.data = take_doc(rd, c)))
				return BRT_ENOMEM;
		}
	}
	return 0;
}

/* Fill r (zeroed, already owned by a strand, so freed with it whatever
 * happens next) from a <receive> element. */
static int fill_receive(struct reader *rd, brt_instance *in,
			struct brt_receive *r, const struct brt_rnode *n)
{
	const struct brt_process *p = in->rt->proc;
	r->plink = (int)get_num(rd, n, "plink");
	r->var = (int)get_num(rd, n, "var");
	r->create_instance = get_num(rd, n, "create") != 0;
	r->line = (int)get_num(rd, n, "line");
	r->name = get_str(n, "name");
	r->mex = get_str(n, "mex");
	r->file = get_str(n, "file"); /* saved again as it was */
	char *op = get_str(n, "op");
	r->op = brt__plink_op(p, r->plink, op);
	free(op);
	if (rd->bad || !r->op || r->var >= p->nvars)
		return BRT_EINVAL;
	int nparts = 0, ncorr = 0;
	for (const struct brt_rnode *c = n->children; c; c = c->next) {
		nparts += named(c, "part");
		ncorr += named(c, "corr");
	}
	struct brt_part_map *parts =
		nparts ? calloc((size_t)nparts, sizeof *parts) : NULL;
	struct brt_correlation *corr =
		ncorr ? calloc((size_t)ncorr, sizeof *corr) : NULL;
	r->parts = parts;
	r->corr = corr;
	if ((nparts && !parts) || (ncorr && !corr))
		return BRT_ENOMEM;
	for (const struct brt_rnode *c = n->children; c; c = c->next) {
		if (named(c, "part")) {
			parts[r->nparts].var = (int)get_num(rd, c, "var");
			parts[r->nparts++].part = get_str(c, "name");
		} else if (named(c, "corr")) {
			corr[r->ncorr].set = (int)get_num(rd, c, "set");
			corr[r->ncorr].initiate =
				(enum brt_initiate)get_num(rd, c, "initiate");
			corr[r->ncorr++].pattern =
				(enum brt_pattern)get_num(rd, c, "pattern");
		}
	}
	return rd->bad ? BRT_EINVAL : 0;
}

static int load_receive(struct reader *rd, brt_instance *in, brt_strand *s,
			const struct brt_rnode *n)
{
	struct brt_receive *r = calloc(1, sizeof *r);
	if (!r)
		return BRT_ENOMEM;
	s->recv_owned = r; /* freed with the strand, whatever happens next */
	s->recv = r;
	return fill_receive(rd, in, r, n);
}

/* <pick>: the strand waits in a copy of the pick's descriptor (owned by
 * the strand), its alarm armed again; its IMAs are enabled by rearm(). */
static int load_pick(struct reader *rd, brt_instance *in, brt_strand *s,
		     const struct brt_rnode *n)
{
	const struct brt_rnode *pn = NULL;
	for (const struct brt_rnode *c = n->children; c && !pn; c = c->next)
		if (named(c, "pick"))
			pn = c;
	if (!pn)
		return BRT_EINVAL;
	int non = 0;
	for (const struct brt_rnode *c = pn->children; c; c = c->next)
		non += named(c, "on");
	struct brt_pick *pk = calloc(1, sizeof *pk);
	struct brt_on_message *msgs = calloc((size_t)non + 1, sizeof *msgs);
	if (!pk || !msgs) {
		free(pk);
		free(msgs);
		return BRT_ENOMEM;
	}
	pk->msgs = msgs;
	s->pick_owned = pk; /* freed with the strand from here on */
	pk->name = get_str(pn, "name");
	for (const struct brt_rnode *c = pn->children; c; c = c->next) {
		if (!named(c, "on"))
			continue;
		struct brt_receive *r = calloc(1, sizeof *r);
		if (!r)
			return BRT_ENOMEM;
		msgs[pk->nmsgs].recv = r;
		msgs[pk->nmsgs].state = (int)get_num(rd, c, "state");
		long seq = get_num(rd, c, "seq");
		int i = pk->nmsgs++;
		const struct brt_rnode *rn = first_elem(c);
		int err = rn && named(rn, "receive")
				  ? fill_receive(rd, in, r, rn)
				  : BRT_EINVAL;
		if (!err && seq > 0)
			err = note_ima(rd, seq, s, i, IMA_PICK);
		if (err)
			return err;
	}
	long armed = get_num(rd, pn, "armed");
	long state = get_num(rd, pn, "alarm-state");
	char *d = get_str(pn, "deadline");
	char *end = NULL;
	double deadline = d ? strtod(d, &end) : 0;
	bool ok = d && end != d && !*end;
	free(d);
	if (!ok || rd->bad)
		return BRT_EINVAL;
	return brt__pick_restore(s, pk, armed != 0, (int)state, deadline);
}

static const struct brt_rnode *child_named(const struct brt_rnode *n,
					   const char *name)
{
	return brt__recr_child(n, name);
}

static const struct brt_invoke *invoke_at(struct reader *rd, brt_instance *in,
					  const struct brt_rnode *n)
{
	const struct brt_process *p = in->rt->proc;
	long i = get_num(rd, n, "index");
	if (rd->bad || i < 0 || i >= p->ninvokes || !p->invokes)
		return NULL;
	return &p->invokes[i];
}

/* <invoke index=>[<request>]: the call in flight when the record was
 * taken; persist.c decides (fault or send again) once restored. */
static int load_invoke(struct reader *rd, brt_instance *in, brt_strand *s,
		       const struct brt_rnode *n)
{
	const struct brt_rnode *v = child_named(n, "invoke");
	if (!v || !(s->iv = invoke_at(rd, in, v)))
		return BRT_EINVAL;
	const struct brt_rnode *r = child_named(v, "request");
	if (r && !(s->call_msg = take_doc(rd, r)))
		return BRT_EINVAL;
	return 0;
}

/* The standard faults a delivery may carry (brt_ima.deliver): the record
 * names one, the strand points at our own constant. */
static const char *const recv_faults[] = { "ambiguousReceive",
					   "conflictingReceive",
					   "conflictingRequest" };

static int load_fault(struct reader *rd, brt_instance *in,
		      const struct brt_rnode *f, struct brt_fault *out)
{
	out->ns = get_str(f, "ns");
	out->local = get_str(f, "local");
	if (!out->local)
		return BRT_EINVAL;
	char *mns = get_str(f, "message-ns");
	char *ml = get_str(f, "message");
	out->message = find_message(in->rt->proc, mns, ml);
	free(mns);
	free(ml);
	if (first_elem(f) && !(out->data = take_doc(rd, f)))
		return BRT_ENOMEM;
	return 0;
}

/* <delivery kind=...>: what an event brought the strand; it runs first
 * thing after the restore (it is queued). A request's connection is not
 * restored: its answer is dropped, logged. */
static int load_delivery(struct reader *rd, brt_instance *in, brt_strand *s,
			 const struct brt_rnode *n)
{
	const struct brt_rnode *d = child_named(n, "delivery");
	if (!d)
		return 0;
	if (s->wait != BRT_W_NONE)
		return BRT_EINVAL;
	const struct brt_rnode *m = child_named(d, "msg");
	if (m && !(s->msg = take_doc(rd, m)))
		return BRT_EINVAL;
	if (attr_is(d, "kind", "receive")) {
		const struct brt_rnode *rn = child_named(d, "receive");
		if (!rn || s->recv_owned)
			return BRT_EINVAL;
		int err = load_receive(rd, in, s, rn);
		if (err)
			return err;
		char *f = get_str(d, "fault");
		for (size_t i = 0;
		     f && i < sizeof recv_faults / sizeof *recv_faults; i++)
			if (strcmp(f, recv_faults[i]) == 0)
				s->recv_fault = recv_faults[i];
		bool bad = f && !s->recv_fault;
		free(f);
		if (bad || !s->msg)
			return BRT_EINVAL;
		s->done = BRT_D_RECEIVE;
	} else if (attr_is(d, "kind", "invoke")) {
		if (!(s->iv = invoke_at(rd, in, d)))
			return BRT_EINVAL;
		s->call_err = (int)get_num(rd, d, "err");
		s->call_is_fault = get_num(rd, d, "is-fault") != 0;
		s->call_interrupted = get_num(rd, d, "interrupted") != 0;
		long decl = get_num(rd, d, "decl");
		if (rd->bad || decl < -1 || decl >= s->iv->op->nfaults ||
		    s->call_err > 0 || s->call_err < -64)
			return BRT_EINVAL;
		s->call_fault_decl = decl >= 0 ? &s->iv->op->faults[decl]
					       : NULL;
		s->call_text = get_str(d, "text");
		s->call_fault_ns = get_str(d, "fault-ns");
		s->call_fault_local = get_str(d, "fault-local");
		s->done = BRT_D_INVOKE;
	} else if (attr_is(d, "kind", "fault")) {
		const struct brt_rnode *f = child_named(d, "fault");
		int err = f ? load_fault(rd, in, f, &s->fault) : BRT_EINVAL;
		if (err)
			return err;
		s->done = BRT_D_FAULT;
	} else {
		return BRT_EINVAL;
	}
	return 0;
}

/* <mex plink= op= mex= owner=/>: an open request-response exchange whose
 * client connection died with the old process. */
static int load_mex(struct reader *rd, brt_instance *in,
		    const struct brt_rnode *n)
{
	const struct brt_process *p = in->rt->proc;
	long plink = get_num(rd, n, "plink"), owner = get_num(rd, n, "owner");
	char *op = get_str(n, "op");
	char *mex = get_str(n, "mex");
	struct brt_mex *m = calloc(1, sizeof *m);
	char **owned = realloc(in->owned,
			       (size_t)(in->nowned + 1) * sizeof *in->owned);
	if (owned)
		in->owned = owned;
	if (!m || !owned) {
		free(op);
		free(mex);
		free(m);
		return BRT_ENOMEM;
	}
	m->plink = (int)plink;
	m->op = rd->bad ? NULL : brt__plink_op(p, (int)plink, op);
	free(op);
	if (mex)
		in->owned[in->nowned++] = mex; /* freed with the instance */
	m->mex = mex;
	m->owner = owner ? scope_by_id(in, owner) : NULL;
	if (!m->op || !m->op->output || (owner && !m->owner)) {
		free(m);
		return BRT_EINVAL;
	}
	struct brt_mex **pp = &in->mexes;
	while (*pp)
		pp = &(*pp)->next;
	*pp = m;
	return 0;
}

/* A state a saved strand may resume at: one of the process's own steps or
 * the engine's internal ones; never FAULTED (a faulted strand is never
 * resumed) nor a number the process does not have. */
static bool state_ok(const brt_instance *in, long state)
{
	if (state < 0)
		return state >= BRT_SI_EVENT_INIT &&
		       state <= BRT_SI_COMP_CHILDREN;
	return state != BRT_S_FAULTED && state < in->rt->proc->nstates;
}

static int load_strand(struct reader *rd, brt_instance *in,
		       const struct brt_rnode *n)
{
	long id = get_id(rd, n, "id"), state = get_num(rd, n, "state");
	long scope = get_id(rd, n, "scope");
	long pending = get_num(rd, n, "pending");
	struct brt_scope_inst *si = scope_by_id(in, scope);
	if (rd->bad || !si || id <= 0 || strand_by_id(in, id) || pending < 0 ||
	    !state_ok(in, state))
		return BRT_EINVAL;
	brt_strand *s = brt__strand_new(in, si, NULL, (int)state);
	if (!s)
		return BRT_ENOMEM;
	s->id = (unsigned long)id;
	s->pending = (int)pending;
	s->primary = get_num(rd, n, "primary") != 0;
	s->comp_target = (int)get_num(rd, n, "comp-target");
	s->nterm_wait = (int)get_num(rd, n, "nterm-wait");
	struct brt_link_frame *links;
	if (!frame_ref(rd, n, "links", &links) || s->nterm_wait < 0)
		return BRT_EINVAL;
	brt__links_unref(s->links); /* the scope's, from brt__strand_new */
	s->links = links;
	brt__links_ref(links);
	int w = -1;
	const char *wv = attr_val(n, "wait");
	for (int i = 0; wv && i < (int)(sizeof wait_names / sizeof *wait_names);
	     i++)
		if (strcmp(wv, wait_names[i]) == 0)
			w = i;
	if (w < 0)
		return BRT_EINVAL;
	s->wait = (enum brt_wait)w;
	int err = brt__foreach_load(s, n);
	if (err)
		return err;
	if (s->wait == BRT_W_INVOKE && (err = load_invoke(rd, in, s, n)) != 0)
		return err;
	if ((err = load_delivery(rd, in, s, n)) != 0)
		return err;
	if (s->state == BRT_SI_EVENTS) { /* an event handlers' anchor */
		if (s->wait != BRT_W_EVENTS && s->wait != BRT_W_NONE)
			return BRT_EINVAL;
		if ((err = brt__events_load(s, n)) != 0)
			return err;
		if (!brt__events_ima(s, 0))
			s->wait = BRT_W_NONE; /* its step enables them */
		for (const struct brt_rnode *e = first_elem(n); e;
		     e = e->next) {
			if (!named(e, "events"))
				continue;
			for (const struct brt_rnode *c = e->children; c;
			     c = c->next) {
				if (!named(c, "event"))
					continue;
				long i = get_num(rd, c, "index");
				if (rd->bad || !brt__events_ima(s, (int)i))
					return BRT_EINVAL;
				if ((err = note_ima(rd, get_num(rd, c, "seq"),
						    s, (int)i, IMA_EVENT)) != 0)
					return err;
			}
		}
	} else if (s->wait == BRT_W_EVENTS) {
		return BRT_EINVAL;
	}
	if (s->wait == BRT_W_PICK && (err = load_pick(rd, in, s, n)) != 0)
		return err;
	if (s->wait == BRT_W_LINKS)
		s->wait = BRT_W_NONE; /* its join runs again */
	if (s->wait == BRT_W_TIMER) {
		char *d = get_str(n, "deadline");
		char *end = NULL;
		s->deadline = d ? strtod(d, &end) : 0;
		bool ok = d && end != d && !*end;
		free(d);
		if (!ok)
			return BRT_EINVAL;
	}
	if (s->wait == BRT_W_RECEIVE) {
		const struct brt_rnode *rn = first_elem(n);
		if (!rn || !named(rn, "receive"))
			return BRT_EINVAL;
		if ((err = note_ima(rd, get_num(rd, n, "seq"), s, 0,
				    IMA_RECEIVE)) != 0)
			return err;
		return load_receive(rd, in, s, rn);
	}
	return rd->bad ? BRT_EINVAL : 0;
}

/* Second pass: links between strands and scopes, by id. */
static int link_ids(struct reader *rd, brt_instance *in,
		    const struct brt_rnode *top)
{
	for (const struct brt_rnode *n = top->children; n; n = n->next) {
		if (named(n, "strand")) {
			long parent = get_num(rd, n, "parent");
			brt_strand *s = strand_by_id(in, get_id(rd, n, "id"));
			brt_strand *par = parent ? strand_by_id(in, parent)
						 : NULL;
			long owner = get_num(rd, n, "comp-owner");
			if (!s || (parent && !par))
				return BRT_EINVAL;
			s->parent = par;
			if (owner && !(s->comp_owner = scope_by_id(in, owner)))
				return BRT_EINVAL;
		} else if (named(n, "scope")) {
			struct brt_scope_inst *si =
				scope_by_id(in, get_id(rd, n, "id"));
			long ids[3] = { get_num(rd, n, "waiter"),
					get_num(rd, n, "comp-waiter"),
					get_num(rd, n, "term-notify") };
			brt_strand *w[3] = { NULL, NULL, NULL };
			for (int i = 0; i < 3; i++)
				if (ids[i] &&
				    !(w[i] = strand_by_id(in, ids[i])))
					return BRT_EINVAL;
			if (!si)
				return BRT_EINVAL;
			/* A waiter runs outside the scope it waits for: in an
			 * enclosing one (fuzz_restore: a scope's own strand as
			 * its waiter was freed, then queued). */
			for (int i = 0; i < 3; i++) {
				struct brt_scope_inst *a = w[i] ? w[i]->scope
								: NULL;
				if (w[i] && a == si)
					return BRT_EINVAL;
			}
			si->waiter = w[0];
			si->comp_waiter = w[1];
			si->term_notify = w[2];
		}
	}
	return rd->bad ? BRT_EINVAL : 0;
}

/* A record is data from outside: its strands must form a tree (a strand
 * that is its own ancestor would be freed and then told its child ended),
 * and each parent's count of running children must be its children. */
static int check_strand_tree(brt_instance *in)
{
	long n = 0;
	for (brt_strand *s = in->strands_head; s; s = s->next)
		n++;
	for (brt_strand *s = in->strands_head; s; s = s->next) {
		long steps = 0;
		for (brt_strand *a = s->parent; a; a = a->parent)
			if (a == s || ++steps > n)
				return BRT_EINVAL;
		long kids = 0;
		for (brt_strand *c = in->strands_head; c; c = c->next)
			kids += c->parent == s;
		if (s->pending != kids)
			return BRT_EINVAL;
	}
	return 0;
}

static int load_message(struct reader *rd, brt_instance *in,
			const struct brt_rnode *n)
{
	struct brt_inmsg *m = calloc(1, sizeof *m);
	if (!m)
		return BRT_ENOMEM;
	m->plink = (int)get_num(rd, n, "plink");
	char *op = get_str(n, "op");
	m->op = brt__plink_op(in->rt->proc, m->plink, op);
	free(op);
	m->msg = take_doc(rd, n);
	if (rd->bad || !m->op || !m->msg) {
		if (m->msg)
			xmlFreeDoc(m->msg);
		free(m);
		return BRT_EINVAL;
	}
	brt__inbox_append(in, m);
	return 0;
}

static int load_tree(struct reader *rd, brt_instance *in,
		     const struct brt_rnode *top)
{
	const struct brt_process *p = in->rt->proc;
	int err = 0;

	for (const struct brt_rnode *n = top->children; n && !err;
	     n = n->next) {
		if (named(n, "plink")) {
			long i = get_num(rd, n, "index");
			char *url = get_str(n, "url");
			if (rd->bad || i < 0 || i >= p->nplinks || !url) {
				free(url);
				return BRT_EINVAL;
			}
			free(in->plink_url[i]);
			in->plink_url[i] = url;
		} else if (named(n, "links")) {
			err = load_frame(rd, n);
		} else if (named(n, "scope")) {
			err = load_scope(rd, in, n);
		} else if (named(n, "strand")) {
			err = load_strand(rd, in, n);
		} else if (named(n, "message")) {
			err = load_message(rd, in, n);
		} else if (named(n, "mex")) {
			err = load_mex(rd, in, n);
		}
	}
	if (!err)
		err = link_ids(rd, in, top);
	if (!err)
		err = check_strand_tree(in);
	if (!err && (!in->root || rd->bad))
		err = BRT_EINVAL;
	if (err)
		return err;
	long done_seq = get_num(rd, top, "done-seq");
	if (rd->bad || done_seq < 0)
		return BRT_EINVAL;
	in->done_seq = (unsigned long)done_seq;
	long holder = get_num(rd, top, "iso-holder"); /* 0: none */
	if (rd->bad || (holder && !(in->iso_holder = scope_by_id(in, holder))))
		return BRT_EINVAL;
	return 0;
}

/* Live again: timers armed, enabled receives and onEvents registered for
 * routing in their old order (with the correlation values restored),
 * the creating message's provisional routing derived again, runnable
 * strands queued. */
static int rearm(struct reader *rd, brt_instance *in, bool provisional)
{
	for (brt_strand *s = in->strands_head; s; s = s->next)
		if (s->wait == BRT_W_TIMER &&
		    brt__timer_arm(s, s->deadline) != 0)
			return BRT_ENOMEM;
	if (rd->nimas > 1)
		qsort(rd->imas, (size_t)rd->nimas, sizeof *rd->imas, ima_cmp);
	for (int i = 0; i < rd->nimas; i++) {
		struct saved_ima *x = &rd->imas[i];
		struct brt_ima *ima =
			x->kind == IMA_EVENT  ? brt__events_ima(x->s, x->i)
			: x->kind == IMA_PICK ? brt__pick_ima(x->s, x->i)
					      : NULL;
		/* The number it had: routing order holds across restarts. */
		brt__corr_force_seq(in->rt, x->seq);
		int err = x->kind == IMA_RECEIVE ? brt__receive_rearm(x->s)
			  : ima			 ? brt__ima_enable(ima)
						 : BRT_EINVAL;
		brt__corr_force_seq(in->rt, 0);
		if (err)
			return err;
	}
	if (provisional && in->inbox_head)
		brt__corr_provisional(in, in->inbox_head->plink,
				      in->inbox_head->op, in->inbox_head->msg);
	for (brt_strand *s = in->strands_head; s; s = s->next) {
		if (s->wait == BRT_W_NONE)
			brt__strand_queue(s);
		else if (s->wait == BRT_W_INVOKE) {
			/* The call died with the old process: the partner
			 * may or may not have done the work. Send it again
			 * (--resend LINK) or fault invokeInterrupted. */
			if (brt__invoke_resend(s) == 0)
				continue;
			s->done = BRT_D_INVOKE;
			s->call_interrupted = true;
			brt__strand_queue(s);
		}
	}
	return 0;
}

brt_instance *brt__instance_restore(brt_runtime *rt, const char *buf,
				    size_t len, int *err)
{
	const struct brt_process *p = rt->proc;
	struct reader rd = { 0 };
	brt_instance *in = NULL;

	*err = BRT_EINVAL;
	if (!rt->engine || !buf || len > (size_t)0x7fffffff)
		return NULL;
	/* libxml2 2.9 may return a document cut short where it ran out of
	 * memory: its error says so (checked before the instance goes). */
	xmlResetLastError();
	/* One reader for all records: its buffers are reused, which matters
	 * when a start-up restores 100,000 of them. */
	struct brt_engine *e = rt->engine;
	if (!e->rreader) {
		if (!(e->rreader = malloc(sizeof *e->rreader))) {
			*err = BRT_ENOMEM;
			return NULL;
		}
		brt__recr_init(e->rreader);
	}
	rd.rr = e->rreader;
	const struct brt_rnode *top;
	int rerr = brt__recr_read(rd.rr, buf, len, &top);
	if (rerr) {
		*err = rerr;
		return NULL;
	}
	if (!named(top, "instance"))
		goto out;
	long fmt;
	if (!attr_is(top, "build", p->build_id ? p->build_id : "") ||
	    !attr_is(top, "process", p->name) ||
	    !brt__recr_long(attr_val(top, "format"), &fmt) ||
	    fmt < BRT_STORE_FORMAT_OLDEST || fmt > BRT_STORE_FORMAT) {
		*err = BRT_ESTATE;
		goto out;
	}
	long id = get_id(&rd, top, "id");
	long next_strand = get_id(&rd, top, "next-strand");
	long next_scope = get_id(&rd, top, "next-scope");
	long started = get_num(&rd, top, "started");
	/* Absent in records of older builds, as in any record when 0. */
	long exiting = get_num(&rd, top, "exiting");
	long t_start = get_num(&rd, top, "t-start");
	long suspended = get_num(&rd, top, "suspended");
	long provisional = get_num(&rd, top, "provisional");
	if (rd.bad)
		goto out;
	/* (A start-up restore reads unique ids: no scan of the list.) */
	if (!rt->engine->recovering &&
	    brt__engine_find(rt, (unsigned long)id)) {
		*err = BRT_ESTATE; /* that instance is live */
		goto out;
	}
	in = brt__instance_new(rt);
	if (!in) {
		*err = BRT_ENOMEM;
		goto out;
	}
	/* The record brings its own scopes, the process scope included. */
	brt__scope_inst_free(in->root);
	in->id = (unsigned long)id;
	if (rt->engine->next_id <= in->id)
		rt->engine->next_id = in->id + 1;
	in->started = started != 0;
	*err = load_tree(&rd, in, top);
	/* A variable libxml2 ran out of memory for is no corrupt record. */
	if (*err == BRT_EINVAL && brt__error_xml_oom())
		*err = BRT_ENOMEM;
	if (*err) {
		brt__instance_end(in, BRT_END_SHUTDOWN, NULL);
		in = NULL;
		goto out;
	}
	in->next_strand_id = (unsigned long)next_strand;
	in->next_scope_id = (unsigned long)next_scope;
	*err = rearm(&rd, in, provisional != 0);
	if (!*err && brt__error_xml_oom())
		*err = BRT_ENOMEM;
	if (*err) {
		brt__instance_end(in, BRT_END_SHUTDOWN, NULL);
		in = NULL;
		goto out;
	}
	in->exiting = exiting != 0;
	if (t_start > 0)
		in->t_start = (double)t_start;
	in->suspended = suspended != 0;
	brt__debug(rt, "instance %lu restored", in->id);
out:
	frames_release(&rd);
	free(rd.imas);
	return in;
}
