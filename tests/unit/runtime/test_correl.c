/*
 * test_correl.c — correlation and routing (runtime/engine/correl.c): messages go
 * to the instance whose correlation values they carry; an early message
 * waits in its instance's inbox and a late one reaches the enabled
 * receive; a message matching no instance is dropped (one-way) or refused
 * (request-response) and never starts anything; correlationViolation for
 * initiate="no" on an uninitiated set (at enablement, and on a start
 * activity after it took its message) and for initiate="yes" on an
 * initiated set; ambiguousReceive and conflictingReceive when a message
 * matches two enabled receives of one instance; each scope instance has
 * its own copy of a scope's set; a saved instance keeps its correlation
 * values; routing makes the same few key comparisons with 10 or 10,000
 * live instances (a hash lookup, not a scan).
 */
#include "engine_kit.h"

/* Messages: <message><key>k</key><body>b</body></message> */
static const struct brt_part c_parts[] = {
	{ "key", { NULL, NULL }, { KIT_XSD, "string" }, BRT_XSD_STRING },
	{ "body", { NULL, NULL }, { KIT_XSD, "string" }, BRT_XSD_STRING },
};
static const struct brt_message c_msg = { { KIT_NS, "CMsg" }, 2, c_parts };

static const struct brt_operation op_start = {
	"start", KIT_NS, "", BRT_STYLE_DOCUMENT, NULL, &c_msg, NULL, 0, NULL
};
static const struct brt_operation op_next = {
	"next", KIT_NS, "", BRT_STYLE_DOCUMENT, NULL, &c_msg, NULL, 0, NULL
};
static const struct brt_operation op_other = {
	"other", KIT_NS, "", BRT_STYLE_DOCUMENT, NULL, &c_msg, NULL, 0, NULL
};
static const struct brt_operation op_sync = {
	"sync", KIT_NS, "", BRT_STYLE_DOCUMENT, NULL, &c_msg, &c_msg, 0, NULL
};
static const struct brt_operation *const c_ops[] = { &op_start, &op_next,
						     &op_other, &op_sync };
static const struct brt_partner_link c_plinks[] = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/c",
	  .my_address = "http://127.0.0.1:1/c",
	  .nmy_ops = 4,
	  .my_ops = c_ops },
};

enum {
	S_DISPATCH = BRT_S_FIRST,
	S_NOTE,
	S_EARLY,
	S_LATE,
	S_A1,
	S_A2,
	S_C1,
	S_C2,
	S_LOOP,
	S_SC_BODY,
	S_SC_NEXT,
	S_SC_NOTE,
	S_CATCH,
	S_REPLY,
	S_NOTE_C,
	NSTATES,
};

enum { V_A, V_B, V_C, V_N };

static const struct brt_scope scopes[] = {
	{ .name = "process",
	  .parent = -1,
	  .nvars = 4,
	  .catch_all = S_CATCH,
	  .compensation = -1,
	  .termination = -1 },
	{ .name = "inner",
	  .parent = 0,
	  .catch_all = -1,
	  .compensation = -1,
	  .termination = -1 },
};
static const struct brt_variable vars[] = {
	{ "a", 0, 0, BRT_VAR_MESSAGE, &c_msg, { 0 }, { 0 }, BRT_XSD_COMPLEX, -1 },
	{ "b", 0, 1, BRT_VAR_MESSAGE, &c_msg, { 0 }, { 0 }, BRT_XSD_COMPLEX, -1 },
	{ "c", 0, 2, BRT_VAR_MESSAGE, &c_msg, { 0 }, { 0 }, BRT_XSD_COMPLEX, -1 },
	{ "n",
	  0,
	  3,
	  BRT_VAR_TYPE,
	  NULL,
	  { 0 },
	  { KIT_XSD, "int" },
	  BRT_XSD_NUMBER,
	  -1 },
};
static const struct brt_property props[] = {
	{ { KIT_NS, "conversation" }, BRT_XSD_STRING },
	{ { KIT_NS, "number" }, BRT_XSD_NUMBER },
};
static const struct brt_alias aliases[] = {
	{ .property = 0, .message = &c_msg, .part = "key", .query = -1 },
	{ .property = 1, .message = &c_msg, .part = "key", .query = -1 },
};
static const int set_props0[] = { 0 };
static const int set_props1[] = { 1 };
/* 0, 1: process sets on the key (1 compares numbers); 2: never initiated;
 * 3: a set of scope "inner". */
static const struct brt_correlation_set csets[] = {
	{ "conv", 0, 1, set_props0 },
	{ "num", 0, 1, set_props1 },
	{ "unset", 0, 1, set_props0 },
	{ "inner", 1, 1, set_props0 },
};

#define CORR(set, init)                 \
	{                               \
		set, init, BRT_PAT_NONE \
	}
static const struct brt_correlation c_start[] = { CORR(0, BRT_INIT_YES),
						  CORR(1, BRT_INIT_YES) };
static const struct brt_correlation c_no0[] = { CORR(0, BRT_INIT_NO) };
static const struct brt_correlation c_no1[] = { CORR(1, BRT_INIT_NO) };
static const struct brt_correlation c_no2[] = { CORR(2, BRT_INIT_NO) };
static const struct brt_correlation c_yes0[] = { CORR(0, BRT_INIT_YES) };
static const struct brt_correlation c_yes3[] = { CORR(3, BRT_INIT_YES) };
static const struct brt_correlation c_no3[] = { CORR(3, BRT_INIT_NO) };

#define RECV(nm, o, v, c, n)                                            \
	{                                                               \
		.name = nm, .plink = 0, .op = &o, .var = v, .ncorr = n, \
		.corr = c                                               \
	}
static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &op_start,
					    .var = V_A,
					    .create_instance = true,
					    .ncorr = 2,
					    .corr = c_start };
static const struct brt_receive r_next = RECV("next", op_next, V_B, c_no0, 1);
static const struct brt_receive r_other =
	RECV("other", op_other, V_C, c_no0, 1);
static const struct brt_receive r_sync0 = RECV("sync0", op_sync, V_B, c_no0, 1);
static const struct brt_receive r_sync1 = RECV("sync1", op_sync, V_B, c_no1, 1);
static const struct brt_receive r_next1 = RECV("next1", op_next, V_B, c_no1, 1);
static const struct brt_receive r_unset = RECV("unset", op_next, V_B, c_no2, 1);
static const struct brt_receive r_yes = RECV("yes", op_next, V_B, c_yes0, 1);
static const struct brt_receive r_sc_init =
	RECV("scinit", op_other, V_C, c_yes3, 1);
static const struct brt_receive r_sc_next =
	RECV("scnext", op_next, V_B, c_no3, 1);
static const struct brt_reply rp_sync = { .name = "reply",
					  .plink = 0,
					  .op = &op_sync,
					  .var = V_B };
static const struct brt_receive *const starts[] = { &r_start };

/* Part `part` of variable var as seen from s. */
static const char *part_of(brt_strand *s, int var, const char *part)
{
	static char buf[2][128];
	static int k;
	char *b = buf[k++ & 1];
	xmlDocPtr *slot = brt__var_slot(s, var);
	xmlNodePtr root = slot && *slot ? xmlDocGetRootElement(*slot) : NULL;
	snprintf(b, 128, "-");
	for (xmlNodePtr c = root ? root->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE &&
		    !strcmp((const char *)c->name, part)) {
			xmlChar *t = xmlNodeGetContent(c);
			snprintf(b, 128, "%s", t ? (char *)t : "");
			xmlFree(t);
		}
	return b;
}

static const int flow_ambig[] = { S_A1, S_A2 };
static const int flow_conflict[] = { S_C1, S_C2 };
static int scope_rounds; /* scoped mode: scope instances left to run */

static enum brt_step dispatch(brt_strand *s)
{
	const char *mode = part_of(s, V_A, "body");
	brt_strand_set_state(s, S_NOTE);
	if (!strcmp(mode, "next"))
		return brt_receive(s, &r_next);
	if (!strcmp(mode, "early")) {
		brt_strand_set_state(s, S_EARLY);
		return brt_wait(s, 0, false);
	}
	if (!strcmp(mode, "ambig"))
		return brt_flow(s, 2, flow_ambig);
	if (!strcmp(mode, "conflict"))
		return brt_flow(s, 2, flow_conflict);
	if (!strcmp(mode, "num"))
		return brt_receive(s, &r_next1);
	if (!strcmp(mode, "unset"))
		return brt_receive(s, &r_unset);
	if (!strcmp(mode, "yes"))
		return brt_receive(s, &r_yes);
	if (!strcmp(mode, "sync")) {
		brt_strand_set_state(s, S_REPLY);
		return brt_receive(s, &r_sync0);
	}
	if (!strcmp(mode, "scoped")) {
		scope_rounds = 2;
		brt_strand_set_state(s, S_LOOP);
		return BRT_STEP_NEXT;
	}
	return brt_strand_bad_state(s);
}

static enum brt_step step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_DISPATCH);
		return brt_receive(s, &r_start);
	case S_DISPATCH:
		return dispatch(s);
	case S_NOTE:
		kit_note("%s:%s", part_of(s, V_A, "key"),
			 part_of(s, V_B, "body"));
		return BRT_STEP_END;
	case S_EARLY:
		brt_strand_set_state(s, S_LATE);
		return brt_receive(s, &r_next);
	case S_LATE:
		kit_note("early=%s", part_of(s, V_B, "body"));
		brt_strand_set_state(s, S_NOTE_C);
		return brt_receive(s, &r_other);
	case S_NOTE_C:
		kit_note("late=%s", part_of(s, V_C, "body"));
		return BRT_STEP_END;
	case S_A1:
	case S_C1:
		brt_strand_set_state(s, S_NOTE);
		return brt_receive(s, &r_sync0);
	case S_A2:
		brt_strand_set_state(s, S_NOTE);
		return brt_receive(s, &r_sync1);
	case S_C2:
		brt_strand_set_state(s, S_NOTE);
		return brt_receive(s, &r_sync0);
	case S_REPLY:
		brt_strand_set_state(s, S_NOTE);
		return brt_reply(s, &rp_sync);
	case S_LOOP:
		if (scope_rounds-- <= 0)
			return BRT_STEP_END;
		brt_strand_set_state(s, S_LOOP);
		return brt_scope(s, 1, S_SC_BODY);
	case S_SC_BODY:
		brt_strand_set_state(s, S_SC_NEXT);
		return brt_receive(s, &r_sc_init);
	case S_SC_NEXT:
		brt_strand_set_state(s, S_SC_NOTE);
		return brt_receive(s, &r_sc_next);
	case S_SC_NOTE:
		kit_note("%s:%s", part_of(s, V_C, "key"),
			 part_of(s, V_B, "body"));
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	case S_CATCH:
		kit_note("caught-%s", s->scope->fault.local);
		return BRT_STEP_END;
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_expr exprs[] = {
	{ "'PT0.1S'", "c.bpel", 1, 0, NULL, 0, NULL },
};

static const struct brt_process proc = {
	.name = "correl",
	.qname = { KIT_NS, "correl" },
	.build_id = "c1",
	.nscopes = 2,
	.scopes = scopes,
	.nvars = 4,
	.vars = vars,
	.nplinks = 1,
	.plinks = c_plinks,
	.nexprs = 1,
	.exprs = exprs,
	.nproperties = 2,
	.properties = props,
	.naliases = 2,
	.aliases = aliases,
	.ncorrsets = 4,
	.corrsets = csets,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.step = step,
};

/* The same process whose start activity has initiate="no". */
static const struct brt_receive r_start_no = { .name = "start",
					       .plink = 0,
					       .op = &op_start,
					       .var = V_A,
					       .create_instance = true,
					       .ncorr = 1,
					       .corr = c_no0 };
static const struct brt_receive *const starts_no[] = { &r_start_no };

static enum brt_step step_no(brt_strand *s)
{
	if (brt_strand_state(s) == BRT_S_START) {
		brt_strand_set_state(s, S_NOTE);
		return brt_receive(s, &r_start_no);
	}
	if (brt_strand_state(s) == S_NOTE) {
		kit_note("not-faulted");
		return BRT_STEP_END;
	}
	return step(s);
}

static const struct brt_process proc_no = {
	.name = "correl_no",
	.qname = { KIT_NS, "correl_no" },
	.build_id = "c1",
	.nscopes = 2,
	.scopes = scopes,
	.nvars = 4,
	.vars = vars,
	.nplinks = 1,
	.plinks = c_plinks,
	.nexprs = 1,
	.exprs = exprs,
	.nproperties = 2,
	.properties = props,
	.naliases = 2,
	.aliases = aliases,
	.ncorrsets = 4,
	.corrsets = csets,
	.nstarts = 1,
	.starts = starts_no,
	.nstates = NSTATES,
	.step = step_no,
};

/* ---- helpers ------------------------------------------------------------- */

static xmlDocPtr cmsg(const char *key, const char *body)
{
	xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewDocNode(d, NULL, BAD_CAST "message", NULL);
	xmlDocSetRootElement(d, root);
	xmlNewTextChild(root, NULL, BAD_CAST "key", BAD_CAST key);
	xmlNewTextChild(root, NULL, BAD_CAST "body", BAD_CAST body);
	return d;
}

static int csend(brt_runtime *rt, const struct brt_operation *op,
		 const char *key, const char *body)
{
	return brt__engine_deliver(rt, 0, op, cmsg(key, body), NULL);
}

static void run_until_idle(brt_runtime *rt, double secs)
{
	double end = brt__now() + secs;
	kit_settle(rt);
	while (brt__engine_count(rt) > 0 && brt__now() < end) {
		struct timeval tv = { 0, 20000 };
		event_base_loopexit(rt->base, &tv);
		event_base_loop(rt->base, EVLOOP_ONCE);
		kit_settle(rt);
	}
}

/* ---- tests --------------------------------------------------------------- */

START_TEST(correl_routes_by_value)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "a", "next");
	csend(rt, &op_start, "b", "next");
	csend(rt, &op_start, "c", "next");
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 3);
	ck_assert_int_eq(csend(rt, &op_next, "b", "2"), 0);
	kit_settle(rt);
	ck_assert_int_eq(csend(rt, &op_next, "c", "3"), 0);
	ck_assert_int_eq(csend(rt, &op_next, "a", "1"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "b:2 c:3 a:1");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_early_and_late_messages)
{
	brt_runtime *rt = kit_rt(&proc);
	/* Sent before the instance even ran its start activity: the creating
	 * message's values already route to it. */
	csend(rt, &op_start, "k", "early");
	ck_assert_int_eq(csend(rt, &op_next, "k", "first"), 0);
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(kit_waiting(in, BRT_W_TIMER), 1);
	ck_assert_int_eq(in->ninbox, 1);
	/* A message for another conversation is not taken by this one. */
	ck_assert_int_eq(csend(rt, &op_next, "x", "stray"), 0);
	ck_assert_int_eq(in->ninbox, 1);
	run_until_idle(rt, 0.5);
	/* The early one was delivered when the receive was enabled; now the
	 * instance waits for `other`, which arrives late. */
	ck_assert_str_eq(kit_trace, "early=first");
	ck_assert_int_eq(kit_waiting(in, BRT_W_RECEIVE), 1);
	ck_assert_int_eq(csend(rt, &op_other, "k", "second"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "early=first late=second");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_unmatched_dropped_or_refused)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "a", "sync");
	kit_settle(rt);
	/* One-way: logged and dropped. Request-response: refused. Neither
	 * reaches instance "a" nor creates one. */
	ck_assert_int_eq(csend(rt, &op_next, "zzz", "1"), 0);
	ck_assert_int_eq(csend(rt, &op_sync, "zzz", "1"), BRT_ENOTFOUND);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	ck_assert_int_eq(brt__engine_first(rt)->ninbox, 0);
	ck_assert_int_eq(csend(rt, &op_sync, "a", "ok"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "a:ok");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_numbers_compare_as_numbers)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "7", "num");
	csend(rt, &op_start, "8", "next");
	kit_settle(rt);
	/* set "num" holds a number: "7.0" is 7. Set "conv" is text: " 8 " is
	 * whitespace-normalised to "8", "8.0" is not "8". */
	ck_assert_int_eq(csend(rt, &op_next, "7.0", "x"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "7:x");
	ck_assert_int_eq(csend(rt, &op_sync, "8.0", "y"), 0);
	ck_assert_int_eq(brt__engine_first(rt)->ninbox, 1); /* "num" matched */
	ck_assert_int_eq(csend(rt, &op_next, " 8 ", "z"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "7:x 8:z");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_violation_no_at_enable)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "a", "unset");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught-correlationViolation");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_violation_no_on_start)
{
	brt_runtime *rt = kit_rt(&proc_no);
	csend(rt, &op_start, "a", "x");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught-correlationViolation");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_violation_yes_initiated)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "a", "yes");
	kit_settle(rt);
	/* initiate="yes" imposes nothing on routing: any next message goes
	 * there, and then the set turns out to be initiated already. */
	ck_assert_int_eq(csend(rt, &op_next, "b", "1"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught-correlationViolation");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_ambiguous_receive)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "1", "ambig");
	kit_settle(rt);
	ck_assert_int_eq(kit_waiting(brt__engine_first(rt), BRT_W_RECEIVE), 2);
	ck_assert_int_eq(csend(rt, &op_sync, "1", "m"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught-ambiguousReceive");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_conflicting_receive)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "1", "conflict");
	kit_settle(rt);
	ck_assert_int_eq(csend(rt, &op_sync, "1", "m"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "caught-conflictingReceive");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_scope_instances_own_sets)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "p", "scoped");
	kit_settle(rt);
	csend(rt, &op_other, "x", "-");
	kit_settle(rt);
	csend(rt, &op_next, "x", "1");
	kit_settle(rt);
	/* The second scope instance starts with its own uninitiated copy. */
	csend(rt, &op_other, "y", "-");
	kit_settle(rt);
	ck_assert_int_eq(csend(rt, &op_next, "x", "stale"), 0);
	csend(rt, &op_next, "y", "2");
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "x:1 y:2");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(correl_saved_values_route_after_restore)
{
	brt_runtime *rt = kit_rt(&proc);
	csend(rt, &op_start, "s1", "next");
	csend(rt, &op_start, "s2", "next");
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	ck_assert_ptr_nonnull(strstr(buf, "<cset"));
	brt__instance_destroy(in);
	ck_assert_int_eq(csend(rt, &op_next, "s1", "lost"), 0); /* dropped */
	int err;
	in = brt__instance_restore(rt, buf, len, &err);
	free(buf);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(csend(rt, &op_next, "s1", "back"), 0);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "s1:back");
	ck_assert_int_eq(brt__engine_count(rt), 1);
	brt__runtime_free(rt);
}
END_TEST

/* Key comparisons to route one message with n instances waiting. */
static unsigned long probes_with(int n)
{
	brt_runtime *rt = kit_rt(&proc);
	char key[32];
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "i%d", i);
		csend(rt, &op_start, key, "next");
		if (i % 512 == 0)
			kit_settle(rt);
	}
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), n);
	unsigned long before = brt__corr_probes(rt);
	snprintf(key, sizeof key, "i%d", n / 2);
	ck_assert_int_eq(csend(rt, &op_next, key, "hit"), 0);
	unsigned long used = brt__corr_probes(rt) - before;
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), n - 1);
	brt__runtime_free(rt);
	return used;
}

START_TEST(correl_routing_is_a_lookup)
{
	unsigned long few = probes_with(10);
	unsigned long many = probes_with(10000);
	ck_assert_uint_ge(few, 1);
	/* A scan would look at thousands; a hash chain at a handful. */
	ck_assert_uint_le(many, 16);
	ck_assert_uint_le(few, 16);
}
END_TEST

/* The routing hash is keyed per process start: the same key hashes the
 * same within a runtime and differently in another, so a client cannot
 * precompute values that collide. */
START_TEST(correl_hash_is_keyed)
{
	brt_runtime *a = kit_rt(&proc);
	brt_runtime *b = kit_rt(&proc);
	uint64_t ha = brt__corr_hash(a, "S|0|5:order|");
	ck_assert(ha != 0);
	ck_assert(ha == brt__corr_hash(a, "S|0|5:order|"));
	ck_assert(ha != brt__corr_hash(a, "S|0|5:orded|"));
	ck_assert(ha != brt__corr_hash(b, "S|0|5:order|"));
	brt__runtime_free(a);
	brt__runtime_free(b);
}
END_TEST

Suite *correl_suite(void);
Suite *correl_suite(void)
{
	Suite *s = suite_create("correl");
	TCase *tc = tcase_create("correl");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, correl_routes_by_value);
	tcase_add_test(tc, correl_hash_is_keyed);
	tcase_add_test(tc, correl_early_and_late_messages);
	tcase_add_test(tc, correl_unmatched_dropped_or_refused);
	tcase_add_test(tc, correl_numbers_compare_as_numbers);
	tcase_add_test(tc, correl_violation_no_at_enable);
	tcase_add_test(tc, correl_violation_no_on_start);
	tcase_add_test(tc, correl_violation_yes_initiated);
	tcase_add_test(tc, correl_ambiguous_receive);
	tcase_add_test(tc, correl_conflicting_receive);
	tcase_add_test(tc, correl_scope_instances_own_sets);
	tcase_add_test(tc, correl_saved_values_route_after_restore);
	tcase_add_test(tc, correl_routing_is_a_lookup);
	suite_add_tcase(s, tc);
	return s;
}
