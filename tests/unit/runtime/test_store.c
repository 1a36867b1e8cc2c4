/*
 * test_store.c — instance records: an instance waiting on its second
 * receive is saved, destroyed, restored from the bytes and completes with
 * the right values; records of another build and instances that are not
 * quiet are refused; early messages survive the round trip. Records are
 * compact (no zeros, no XML declaration) and read the same as records
 * with their zeros written; a malformed or out-of-range number is still
 * refused, present or not.
 */
#include <sqlite3.h>

#include "engine_kit.h"
#include "record_kit.h"

enum {
	S_RECV_NEXT = BRT_S_FIRST,
	S_ASSIGN,
	S_END,
	NSTATES,
};

enum { V_A, V_B, V_OUT };

static const struct brt_scope scopes[] = {
	{ "process", -1, 3, 0, NULL, -1, -1, -1, false, false, 0, NULL, 0,
	  NULL },
};
static const struct brt_variable vars[] = {
	{ "a",
	  0,
	  0,
	  BRT_VAR_MESSAGE,
	  &kit_msg,
	  { 0 },
	  { 0 },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "b",
	  0,
	  1,
	  BRT_VAR_MESSAGE,
	  &kit_msg,
	  { 0 },
	  { 0 },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "out",
	  0,
	  2,
	  BRT_VAR_MESSAGE,
	  &kit_msg,
	  { 0 },
	  { 0 },
	  BRT_XSD_COMPLEX,
	  -1 },
};
static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &kit_op_start,
					    .var = V_A,
					    .create_instance = true,
					    .file = "store.bpel",
					    .line = 1 };
static const struct brt_receive r_next = { .name = "next",
					   .plink = 0,
					   .op = &kit_op_next,
					   .var = V_B,
					   .file = "store.bpel",
					   .line = 2 };
static const struct brt_copy copies[] = {
	{ .from = { .kind = BRT_FROM_VAR,
		    .var = V_B,
		    .part = 0,
		    .query = -1,
		    .expr = -1,
		    .literal = -1,
		    .plink = -1,
		    .property = -1 },
	  .to = { .kind = BRT_TO_VAR,
		  .var = V_OUT,
		  .part = 0,
		  .query = -1,
		  .expr = -1,
		  .plink = -1,
		  .property = -1 },
	  .line = 3 },
};
static const struct brt_assign assigns[] = {
	{ "copy", 1, copies, false, "store.bpel", 3 },
};
static const struct brt_receive *const starts[] = { &r_start };
static const char *const names[] = { "START",	    "DONE",	"FAULTED",
				     "S_RECV_NEXT", "S_ASSIGN", "S_END" };

static enum brt_step step(brt_strand *s)
{
	switch (brt_strand_state(s)) {
	case BRT_S_START:
		brt_strand_set_state(s, S_RECV_NEXT);
		return brt_receive(s, &r_start);
	case S_RECV_NEXT:
		brt_strand_set_state(s, S_ASSIGN);
		return brt_receive(s, &r_next);
	case S_ASSIGN:
		brt_strand_set_state(s, S_END);
		return brt_assign(s, &assigns[0]);
	case S_END:
		kit_note("a=%s", kit_payload(s, V_A));
		kit_note("out=%s", kit_payload(s, V_OUT));
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "store",
	.qname = { KIT_NS, "store" },
	.build_id = "build-1",
	.source = "store.bpel",
	.nscopes = 1,
	.scopes = scopes,
	.nvars = 3,
	.vars = vars,
	.nplinks = 2,
	.plinks = kit_plinks,
	.nassigns = 1,
	.assigns = assigns,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.state_names = names,
	.step = step,
};

START_TEST(store_save_destroy_restore_complete)
{
	brt_runtime *rt = kit_rt(&proc);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "first"), 0);
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	brt_instance *in = brt__engine_first(rt);
	unsigned long id = brt__instance_id(in);
	ck_assert_int_eq(kit_waiting(in, BRT_W_RECEIVE), 1);
	ck_assert_ptr_eq(in->strands_head->recv->op, &kit_op_next);

	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	ck_assert_uint_gt(len, 0);
	ck_assert_ptr_nonnull(strstr(buf, "first"));
	brt__instance_destroy(in);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	/* Nothing to receive it now: the one-way message is dropped. */
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "lost"), 0);
	ck_assert_int_eq(brt__engine_count(rt), 0);

	int err = -99;
	in = brt__instance_restore(rt, buf, len, &err);
	free(buf);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_nonnull(in);
	ck_assert_uint_eq(brt__instance_id(in), id);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	ck_assert_int_eq(kit_waiting(in, BRT_W_RECEIVE), 1);

	ck_assert_int_eq(kit_send(rt, &kit_op_next, "second"), 0);
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert_str_eq(kit_trace, "a=first out=second");
	brt__runtime_free(rt);
}
END_TEST

START_TEST(store_restore_refuses_other_build)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "x");
	kit_settle(rt);
	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(brt__engine_first(rt), &buf, &len),
			 0);
	brt__runtime_free(rt);

	struct brt_process other = proc;
	other.build_id = "build-2";
	rt = kit_rt(&other);
	int err = 0;
	ck_assert_ptr_null(brt__instance_restore(rt, buf, len, &err));
	ck_assert_int_eq(err, BRT_ESTATE);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	/* Garbage is refused too, without a crash. */
	ck_assert_ptr_null(brt__instance_restore(rt, "<nope/>", 7, &err));
	ck_assert_int_eq(err, BRT_EINVAL);
	free(buf);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(store_keeps_undelivered_message)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "x");
	kit_settle(rt);
	/* Delivered to the receive but not consumed yet: saved with it. */
	kit_send(rt, &kit_op_next, "y");
	brt_instance *in = brt__engine_first(rt);
	char *buf = NULL;
	size_t len = 0;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	ck_assert_ptr_nonnull(strstr(buf, "<delivery kind=\"receive\""));
	brt__instance_destroy(in);
	kit_trace[0] = '\0';
	int err = -99;
	in = brt__instance_restore(rt, buf, len, &err);
	free(buf);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_nonnull(in);
	kit_settle(rt);
	ck_assert_str_eq(kit_trace, "a=x out=y");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
}
END_TEST

/* Every prefix of a good record, and the record with each byte changed in
 * turn: refused or restored, never a crash (run under ASan in check). */
START_TEST(store_corrupt_records_are_refused)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "x");
	kit_settle(rt);
	kit_send(rt, &kit_op_other, "early");
	brt_instance *in = brt__engine_first(rt);
	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	brt__instance_destroy(in);
	int refused = 0;
	for (size_t cut = 0; cut < len; cut += 7) {
		int err = 0;
		brt_instance *r = brt__instance_restore(rt, buf, cut, &err);
		if (r)
			brt__instance_destroy(r);
		else
			refused++;
	}
	ck_assert_int_gt(refused, 0);
	static const char subst[] = { '9', '-', 'x', '"', '<', '\0' };
	char *copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	for (size_t i = 0; i < len; i += 3) {
		memcpy(copy, buf, len);
		copy[i] = subst[i % sizeof subst];
		int err = 0;
		brt_instance *r = brt__instance_restore(rt, copy, len, &err);
		if (r)
			brt__instance_destroy(r);
		else
			ck_assert_int_ne(err, 0);
	}
	free(copy);
	free(buf);
	brt__runtime_free(rt);
}
END_TEST

START_TEST(store_keeps_early_messages)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "x");
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	/* An operation no receive waits for yet is kept in the inbox. */
	ck_assert_int_eq(kit_send(rt, &kit_op_other, "early"), 0);
	ck_assert_int_eq(in->ninbox, 1);
	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	brt__instance_destroy(in);
	int err;
	in = brt__instance_restore(rt, buf, len, &err);
	free(buf);
	ck_assert_ptr_nonnull(in);
	ck_assert_int_eq(in->ninbox, 1);
	ck_assert_ptr_eq(in->inbox_head->op, &kit_op_other);
	brt__runtime_free(rt);
}
END_TEST

/* buf with `attr` put right after the first `at` in it (which must be
 * there); malloc'd, its length in *n. */
static char *with_attr(const char *buf, const char *at, const char *attr,
		       size_t *n)
{
	const char *p = strstr(buf, at);
	ck_assert_msg(p != NULL, "no %s in %s", at, buf);
	size_t pre = (size_t)(p - buf) + strlen(at);
	size_t len = strlen(buf) + strlen(attr);
	char *mod = malloc(len + 1);
	ck_assert_ptr_nonnull(mod);
	snprintf(mod, len + 1, "%.*s%s%s", (int)pre, buf, attr, buf + pre);
	*n = len;
	return mod;
}

/* Found by fuzz_restore: a strand that is its own parent was freed and
 * then told its child had ended. A record is outside data: refused. */
START_TEST(store_restore_refuses_strand_cycle)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "x");
	kit_settle(rt);
	char *buf;
	size_t len;
	brt_instance *in = brt__engine_first(rt);
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	brt__instance_destroy(in);
	/* parent="1": its own parent (absent, it is 0: none). */
	size_t n;
	char *mod = with_attr(buf, "<strand id=\"1\"", " parent=\"1\"", &n);
	int err = 0;
	ck_assert_ptr_null(brt__instance_restore(rt, mod, n, &err));
	free(mod);
	ck_assert_int_eq(err, BRT_EINVAL);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	free(buf);
	brt__runtime_free(rt);
}
END_TEST

/* ---- records read back without a libxml2 tree (recr.c) ------------------ */

/* A waiting instance whose variables b and out hold the documents parsed
 * from b_xml and out_xml (NULL: a tree built by hand whose namespace,
 * *loose, is declared nowhere; the caller frees it), and an early
 * message. */
static brt_instance *with_vars(brt_runtime *rt, const char *b_xml,
			       const char *out_xml, xmlNsPtr *loose)
{
	kit_send(rt, &kit_op_start, "x &amp; <y/>");
	kit_settle(rt);
	brt_instance *in = brt__engine_first(rt);
	ck_assert_ptr_nonnull(in);
	kit_send(rt, &kit_op_other, "early");
	const char *src[2] = { b_xml, out_xml };
	for (int i = 0; i < 2; i++) {
		xmlDocPtr d;
		if (src[i]) {
			d = xmlReadMemory(src[i], (int)strlen(src[i]), NULL,
					  NULL, XML_PARSE_NONET);
		} else {
			d = xmlNewDoc(BAD_CAST "1.0");
			xmlNodePtr r = xmlNewDocNode(d, NULL, BAD_CAST "r",
						     BAD_CAST "v");
			xmlDocSetRootElement(d, r);
			*loose = xmlNewNs(NULL, BAD_CAST "urn:h", BAD_CAST "h");
			xmlSetNs(r, *loose);
		}
		ck_assert_ptr_nonnull(d);
		xmlFreeDoc(in->root->vars[V_B + i]);
		in->root->vars[V_B + i] = d;
	}
	return in;
}

/* Save, restore, save: the same bytes, the variables' namespaces (several,
 * a default one, an undeclaration), xml:lang, xml:space, attribute-only
 * and text-only documents, comments, PIs and CDATA in them included. */
START_TEST(store_round_trip_is_byte_identical)
{
	static const char *const docs[][2] = {
		{ "<p:a xmlns:p=\"urn:p\" xmlns=\"urn:d\" xmlns:q=\"urn:q\">"
		  "<b q:c=\"1&amp;&lt;\" xml:lang=\"en\"> x &amp; &lt;y&gt; "
		  "</b><p:c xml:space=\"preserve\">  \n </p:c>"
		  "<d xmlns=\"\"><e/></d><q:f/></p:a>",
		  "<o a=\"1\" b=\"&quot;'\" xmlns:r=\"urn:r\" r:c=\"2\"/>" },
		{ "<t>only text \xc3\xa9 &#x1F600; ]]&gt;</t>",
		  "<x:r xmlns:x=\"urn:x\"><!-- c --><?pi d?><![CDATA[a<b]]>"
		  "</x:r>" },
		{ "<a xmlns=\"urn:only-default\"><b><c/></b></a>", NULL },
	};
	for (size_t k = 0; k < sizeof docs / sizeof *docs; k++) {
		brt_runtime *rt = kit_rt(&proc);
		xmlNsPtr loose = NULL;
		brt_instance *in =
			with_vars(rt, docs[k][0], docs[k][1], &loose);
		char *buf1, *buf2;
		size_t len1, len2;
		ck_assert_int_eq(brt__instance_save(in, &buf1, &len1), 0);
		brt__instance_destroy(in);
		int err = -99;
		in = brt__instance_restore(rt, buf1, len1, &err);
		ck_assert_int_eq(err, 0);
		ck_assert_ptr_nonnull(in);
		ck_assert_int_eq(brt__instance_save(in, &buf2, &len2), 0);
		if (len1 != len2 || memcmp(buf1, buf2, len1) != 0)
			ck_abort_msg("saved:\n%s\nagain:\n%s", buf1, buf2);
		/* The variables are documents of their own, as parsed. */
		xmlNodePtr b = xmlDocGetRootElement(in->root->vars[V_B]);
		ck_assert_ptr_nonnull(b);
		if (k == 0) {
			ck_assert_str_eq((const char *)b->ns->href, "urn:p");
			xmlNodePtr c = xmlFirstElementChild(b);
			ck_assert_str_eq((const char *)c->ns->href, "urn:d");
			xmlChar *lang = xmlNodeGetLang(c);
			ck_assert_str_eq((const char *)lang, "en");
			xmlFree(lang);
		}
		if (k == 2) {
			xmlNodePtr r =
				xmlDocGetRootElement(in->root->vars[V_OUT]);
			ck_assert_str_eq((const char *)r->ns->href, "urn:h");
		}
		/* It runs on: the next message completes it. */
		kit_trace[0] = '\0';
		kit_send(rt, &kit_op_next, "n");
		kit_settle(rt);
		ck_assert_int_eq(brt__engine_count(rt), 0);
		ck_assert_ptr_nonnull(strstr(kit_trace, "a=x &amp; <y/> out="));
		free(buf1);
		free(buf2);
		brt__runtime_free(rt);
		if (loose)
			xmlFreeNs(loose);
	}
}
END_TEST

/* A record as libxml2 writes a tree (how records were written before
 * recw.c) and one with white space between its wrapper elements load as
 * the one recw.c wrote. */
START_TEST(store_reads_records_libxml2_wrote)
{
	brt_runtime *rt = kit_rt(&proc);
	xmlNsPtr loose = NULL;
	brt_instance *in =
		with_vars(rt, "<v xmlns='urn:v'><w/></v>", "<o>t</o>", &loose);
	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	brt__instance_destroy(in);
	xmlDocPtr d = xmlReadMemory(buf, (int)len, NULL, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	xmlChar *old = NULL;
	int olen = 0;
	xmlDocDumpMemory(d, &old, &olen);
	ck_assert_ptr_nonnull(old);
	/* White space between wrapper elements (not inside a variable). */
	char *spaced = malloc(3 * len + 1);
	ck_assert_ptr_nonnull(spaced);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		spaced[n++] = buf[i];
		if (buf[i] == '>' && i + 1 < len &&
		    (strncmp(buf + i + 1, "<scope", 6) == 0 ||
		     strncmp(buf + i + 1, "<strand", 7) == 0 ||
		     strncmp(buf + i + 1, "<message", 8) == 0 ||
		     strncmp(buf + i + 1, "</instance", 10) == 0)) {
			spaced[n++] = '\n';
			spaced[n++] = ' ';
		}
	}
	const char *texts[] = { (const char *)old, spaced };
	size_t lens[] = { (size_t)olen, n };
	for (int k = 0; k < 2; k++) {
		int err = -99;
		in = brt__instance_restore(rt, texts[k], lens[k], &err);
		ck_assert_int_eq(err, 0);
		char *again;
		size_t alen;
		ck_assert_int_eq(brt__instance_save(in, &again, &alen), 0);
		ck_assert_uint_eq(alen, len);
		ck_assert_int_eq(memcmp(again, buf, len), 0);
		free(again);
		brt__instance_destroy(in);
	}
	free(spaced);
	xmlFree(old);
	xmlFreeDoc(d);
	free(buf);
	brt__runtime_free(rt);
}
END_TEST

/* Every prefix of a real record up to its end tag is refused, never a
 * crash (run under ASan in check); the whole record still loads after. */
START_TEST(store_truncated_records_are_refused)
{
	brt_runtime *rt = kit_rt(&proc);
	xmlNsPtr loose = NULL;
	brt_instance *in = with_vars(rt, "<p:a xmlns:p='urn:p'>&lt;</p:a>",
				     "<o xml:lang='en'><![CDATA[x]]></o>",
				     &loose);
	char *buf;
	size_t len;
	ck_assert_int_eq(brt__instance_save(in, &buf, &len), 0);
	brt__instance_destroy(in);
	const char *end = strstr(buf, "</instance>");
	ck_assert_ptr_nonnull(end);
	size_t whole = (size_t)(end - buf) + strlen("</instance>");
	for (size_t cut = 0; cut < whole; cut++) {
		/* Its own allocation: ASan sees a read past the cut. */
		char *part = malloc(cut ? cut : 1);
		ck_assert_ptr_nonnull(part);
		memcpy(part, buf, cut);
		int err = 0;
		in = brt__instance_restore(rt, part, cut, &err);
		if (in)
			ck_abort_msg("restored from %zu of %zu bytes", cut,
				     len);
		ck_assert_int_eq(err, BRT_EINVAL);
		free(part);
	}
	ck_assert_int_eq(brt__engine_count(rt), 0);
	int err = -99;
	in = brt__instance_restore(rt, buf, whole, &err);
	ck_assert_int_eq(err, 0);
	ck_assert_ptr_nonnull(in);
	free(buf);
	brt__runtime_free(rt);
}
END_TEST

/* ---- compact records: no zeros --------------------------------------- */

/* Save in, which is destroyed; the record is returned (its length in
 * *len). */
static char *save_destroy(brt_instance *in, size_t *len)
{
	char *buf = NULL;
	ck_assert_int_eq(brt__instance_save(in, &buf, len), 0);
	brt__instance_destroy(in);
	return buf;
}

/* Restore buf, save it again: the same bytes as want. */
static brt_instance *restore_same(brt_runtime *rt, const char *buf, size_t len,
				  const char *want, size_t wlen)
{
	int err = -99;
	brt_instance *in = brt__instance_restore(rt, buf, len, &err);
	ck_assert_msg(in != NULL, "restore (%d) of:\n%s", err, buf);
	char *again;
	size_t alen;
	ck_assert_int_eq(brt__instance_save(in, &again, &alen), 0);
	if (alen != wlen || memcmp(again, want, wlen) != 0)
		ck_abort_msg("read:\n%s\nsaved again:\n%s\nwant:\n%s", buf,
			     again, want);
	free(again);
	return in;
}

/* A number equal to 0 is not written, nor a scope's mode "normal", nor the
 * XML declaration: the record is its root element. */
START_TEST(store_records_leave_zeros_out)
{
	brt_runtime *rt = kit_rt(&proc);
	xmlNsPtr loose = NULL;
	brt_instance *in =
		with_vars(rt, "<v xmlns='urn:v'><w/></v>", "<o>t</o>", &loose);
	size_t len;
	char *buf = save_destroy(in, &len);
	ck_assert_int_eq(strncmp(buf, "<instance ", 10), 0);
	ck_assert_str_eq(buf + len - strlen("</instance>"), "</instance>");
	/* The variables hold no 0 either: any "0" would be the record's. */
	ck_assert_msg(strstr(buf, "=\"0\"") == NULL, "a zero in %s", buf);
	static const char *const gone[] = {
		" done-seq=", " parent=", " waiter=", " pending=",
		" nterm=",    " links=",  " index=",  " comp-owner=",
		" create=",   " plink=",  " mode="
	};
	for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
		ck_assert_msg(strstr(buf, gone[i]) == NULL, "%s in %s", gone[i],
			      buf);
	/* What is not 0 is there. */
	ck_assert_ptr_nonnull(strstr(buf, "<var><message>"));
	ck_assert_ptr_nonnull(strstr(buf, "<var slot=\"1\">"));
	ck_assert_ptr_nonnull(strstr(buf, " phase=\"active\""));
	ck_assert_ptr_nonnull(strstr(buf, " var=\"1\""));
	free(buf);
	brt__runtime_free(rt);
}
END_TEST

/* A record as the builds before wrote it, every zero written, with the
 * XML declaration: it reads as the compact one, which saves again
 * byte-identical; the instance then runs on. Once verbatim, once made
 * from a record of this build (record_kit.h). */
START_TEST(store_reads_records_with_zeros_written)
{
	char old[2048], compact[2048];
	/* Format 1 wrote every zero; this build writes format 2. */
#define HEAD(format)                                                 \
	"build=\"build-1\" format=\"" format "\" process=\"store\" " \
	"id=\"7\" next-strand=\"2\" next-scope=\"2\" started=\"1\" " \
	"t-start=\"1796550020\""
	const char *head = HEAD("1"), *chead = HEAD("2");
#undef HEAD
	const char *var = "<var slot=\"0\"><message><payload>first</payload>"
			  "</message></var>";
	snprintf(old, sizeof old,
		 "<?xml version=\"1.0\"?>\n<instance %s done-seq=\"0\">"
		 "<scope id=\"1\" index=\"0\" parent=\"0\" mode=\"normal\" "
		 "waiter=\"0\" phase=\"active\" done-seq=\"0\" "
		 "comp-waiter=\"0\" nterm=\"0\" term-notify=\"0\" "
		 "links=\"0\">%s</scope>"
		 "<strand id=\"1\" state=\"%d\" scope=\"1\" parent=\"0\" "
		 "pending=\"0\" wait=\"receive\" primary=\"1\" links=\"0\" "
		 "comp-owner=\"0\" comp-target=\"0\" nterm-wait=\"0\" "
		 "seq=\"1\"><receive name=\"next\" plink=\"0\" op=\"next\" "
		 "var=\"1\" create=\"0\" file=\"store.bpel\" line=\"2\"/>"
		 "</strand><message plink=\"0\" op=\"other\"><message>"
		 "<payload>early</payload></message></message></instance>\n",
		 head, var, S_ASSIGN);
	snprintf(compact, sizeof compact,
		 "<instance %s><scope id=\"1\" phase=\"active\">%s</scope>"
		 "<strand id=\"1\" state=\"%d\" scope=\"1\" wait=\"receive\" "
		 "primary=\"1\" seq=\"1\"><receive name=\"next\" op=\"next\" "
		 "var=\"1\" file=\"store.bpel\" line=\"2\"/></strand>"
		 "<message op=\"other\"><message><payload>early</payload>"
		 "</message></message></instance>",
		 chead,
		 "<var><message><payload>first</payload></message></var>",
		 S_ASSIGN);
	brt_runtime *rt = kit_rt(&proc);
	brt__instance_destroy(restore_same(rt, compact, strlen(compact),
					   compact, strlen(compact)));
	/* A format this build does not know yet is another build's. */
	char newer[2048];
	snprintf(newer, sizeof newer, "%s", compact);
	char *f = strstr(newer, "format=\"2\"");
	ck_assert_ptr_nonnull(f);
	f[strlen("format=\"")] = '3';
	int err = 0;
	ck_assert_ptr_null(
		brt__instance_restore(rt, newer, strlen(newer), &err));
	ck_assert_int_eq(err, BRT_ESTATE);
	brt_instance *in =
		restore_same(rt, old, strlen(old), compact, strlen(compact));
	ck_assert_uint_eq(brt__instance_id(in), 7);
	ck_assert_int_eq(in->ninbox, 1);
	kit_send(rt, &kit_op_next, "second");
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert_str_eq(kit_trace, "a=first out=second");
	brt__runtime_free(rt);

	/* A record of this build, its zeros written. */
	rt = kit_rt(&proc);
	xmlNsPtr loose = NULL;
	in = with_vars(rt, "<v xmlns='urn:v'><w/></v>", NULL, &loose);
	size_t len, olen;
	char *buf = save_destroy(in, &len);
	char *with0 = kit_rec_with_zeros(buf, len, &olen);
	ck_assert_ptr_nonnull(strstr(with0, "<?xml"));
	ck_assert_ptr_nonnull(strstr(with0, " parent=\"0\""));
	ck_assert_ptr_nonnull(strstr(with0, " mode=\"normal\""));
	in = restore_same(rt, with0, olen, buf, len);
	kit_trace[0] = '\0';
	kit_send(rt, &kit_op_next, "n");
	kit_settle(rt);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	ck_assert_ptr_nonnull(strstr(kit_trace, "a=x &amp; <y/> out="));
	free(with0);
	free(buf);
	brt__runtime_free(rt);
	xmlFreeNs(loose);
}
END_TEST

/* An absent number is 0, but a present one is read as strictly as
 * before: malformed or out of range, the record is refused (the same
 * attribute as "0" loads). An id must be there. */
START_TEST(store_malformed_numbers_are_refused)
{
	brt_runtime *rt = kit_rt(&proc);
	kit_send(rt, &kit_op_start, "x");
	kit_settle(rt);
	kit_send(rt, &kit_op_other, "early");
	size_t len;
	char *buf = save_destroy(brt__engine_first(rt), &len);
	static const struct {
		const char *at, *name, *bad;
	} cases[] = {
		{ "<instance", "done-seq", "-1" },
		{ "<instance", "exiting", "yes" },
		{ "<instance", "suspended", "1.0" },
		{ "<instance", "iso-holder", "1x" },
		{ "<instance", "provisional", "+" },
		{ "<scope id=\"1\"", "index", "99999" },
		{ "<scope id=\"1\"", "parent", "-1" },
		{ "<scope id=\"1\"", "done-seq", "99999999999999999999" },
		{ "<scope id=\"1\"", "nterm", " 1" },
		{ "<scope id=\"1\"", "links", "3" },
		{ "<scope id=\"1\"", "waiter", "9" },
		{ "<var", "slot", "-4" },
		{ "<strand id=\"1\"", "pending", "x" },
		{ "<strand id=\"1\"", "parent", "" },
		{ "<strand id=\"1\"", "comp-target", "1.5" },
		{ "<strand id=\"1\"", "nterm-wait", "-1" },
		{ "<strand id=\"1\"", "comp-owner", "5" },
		{ "<receive", "plink", "x" },
		{ "<receive", "create", "1e0" },
		{ "</strand><message", "plink", "99" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		char attr[96];
		size_t n;
		snprintf(attr, sizeof attr, " %s=\"0\"", cases[k].name);
		char *mod = with_attr(buf, cases[k].at, attr, &n);
		int err = -99;
		brt_instance *in = brt__instance_restore(rt, mod, n, &err);
		ck_assert_msg(in != NULL, "%s refused (%d)", attr, err);
		brt__instance_destroy(in);
		free(mod);
		snprintf(attr, sizeof attr, " %s=\"%s\"", cases[k].name,
			 cases[k].bad);
		mod = with_attr(buf, cases[k].at, attr, &n);
		err = 0;
		in = brt__instance_restore(rt, mod, n, &err);
		ck_assert_msg(in == NULL, "%s after %s read", attr,
			      cases[k].at);
		ck_assert_int_eq(err, BRT_EINVAL);
		free(mod);
	}
	/* Numbers that are there, made malformed; ids missing or 0. */
	static const char *const subst[][2] = {
		{ " started=\"1\"", " started=\"1x\"" },
		{ " primary=\"1\"", " primary=\"\"" },
		{ " seq=\"1\"", " seq=\"-1\"" },
		{ " line=\"2\"", " line=\"2 \"" },
		{ " state=\"", " state=\"x" },
		{ "<strand id=\"1\"", "<strand" },
		{ "<scope id=\"1\"", "<scope id=\"0\"" },
		{ " id=\"1\" next-strand", " next-strand" },
		{ " next-scope=\"2\"", "" },
	};
	for (size_t k = 0; k < sizeof subst / sizeof *subst; k++) {
		const char *p = strstr(buf, subst[k][0]);
		ck_assert_msg(p != NULL, "no %s in %s", subst[k][0], buf);
		char *mod = malloc(len + 8);
		ck_assert_ptr_nonnull(mod);
		int n = snprintf(mod, len + 8, "%.*s%s%s", (int)(p - buf), buf,
				 subst[k][1], p + strlen(subst[k][0]));
		int err = 0;
		ck_assert_ptr_null(
			brt__instance_restore(rt, mod, (size_t)n, &err));
		ck_assert_int_eq(err, BRT_EINVAL);
		free(mod);
	}
	free(buf);
	brt__runtime_free(rt);
}
END_TEST

/* ---- the durable store (persist.c) on a real SQLite file ---------------- */

static char store_dir[64], store_path[128];

static void store_setup(void)
{
	snprintf(store_dir, sizeof store_dir, "/tmp/bpelc-persist-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(store_dir));
	snprintf(store_path, sizeof store_path, "%s/s.db", store_dir);
}

static void store_teardown(void)
{
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", store_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static brt_runtime *durable_rt(int expect_err)
{
	brt_runtime *rt = kit_rt(&proc);
	rt->store_path = store_path;
	ck_assert_int_eq(brt__persist_open(rt), expect_err);
	return rt;
}

/* Let the end-of-pass batch run. */
static void passes(brt_runtime *rt)
{
	for (int i = 0; i < 4; i++) {
		kit_settle(rt);
		event_base_loop(rt->base, EVLOOP_NONBLOCK);
	}
}

START_TEST(persist_instance_survives_restart)
{
	brt_runtime *rt = durable_rt(0);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "first"), 0);
	passes(rt);
	unsigned long id = brt__instance_id(brt__engine_first(rt));
	/* One writer per store. */
	brt_runtime *two = kit_rt(&proc);
	two->store_path = store_path;
	ck_assert_int_eq(brt__persist_open(two), BRT_ESTATE);
	brt__runtime_free(two);
	brt__runtime_free(rt); /* as SIGTERM: the instance stays */

	rt = durable_rt(0);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	ck_assert_uint_eq(brt__instance_id(brt__engine_first(rt)), id);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "second"), 0);
	passes(rt);
	ck_assert_str_eq(kit_trace, "a=first out=second");
	ck_assert_int_eq(brt__engine_count(rt), 0);
	/* A new instance never takes an id given out before. */
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "third"), 0);
	passes(rt);
	ck_assert_uint_gt(brt__instance_id(brt__engine_first(rt)), id);
	ck_assert(brt__persist_last_commit(rt) >= 0);
	brt__runtime_free(rt);

	rt = durable_rt(0);
	ck_assert_int_eq(brt__engine_count(rt), 1); /* only "third" */
	brt__runtime_free(rt);
}
END_TEST

/* A record that does not decode: reported, skipped, marked, kept; the
 * service starts. */
START_TEST(persist_corrupt_record_is_marked)
{
	brt_runtime *rt = durable_rt(0);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "one"), 0);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "two"), 0);
	passes(rt);
	ck_assert_int_eq(brt__engine_count(rt), 2);
	brt__runtime_free(rt);

	sqlite3 *db;
	ck_assert_int_eq(sqlite3_open(store_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
				      "UPDATE bpelc_instance SET data = "
				      "substr(data, 1, 300) WHERE id = (SELECT "
				      "min(id) FROM bpelc_instance)",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
	rt = durable_rt(0);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	brt__runtime_free(rt);
	ck_assert_int_eq(sqlite3_open(store_path, &db), SQLITE_OK);
	sqlite3_stmt *q;
	ck_assert_int_eq(sqlite3_prepare_v2(db,
					    "SELECT count(*) FROM "
					    "bpelc_instance WHERE corrupt IS "
					    "NOT NULL",
					    -1, &q, NULL),
			 SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(q), SQLITE_ROW);
	ck_assert_int_eq(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	sqlite3_close(db);
	/* Marked: not read again. */
	rt = durable_rt(0);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	brt__runtime_free(rt);
}
END_TEST

/* Another build's instances are not loaded, changed or deleted. */
START_TEST(persist_other_build_untouched)
{
	brt_runtime *rt = durable_rt(0);
	ck_assert_int_eq(kit_send(rt, &kit_op_start, "old"), 0);
	passes(rt);
	brt__runtime_free(rt);
	struct brt_process other = proc;
	other.build_id = "build-2";
	rt = kit_rt(&other);
	rt->store_path = store_path;
	ck_assert_int_eq(brt__persist_open(rt), 0);
	ck_assert_int_eq(brt__engine_count(rt), 0);
	brt__runtime_free(rt);
	rt = durable_rt(0);
	ck_assert_int_eq(brt__engine_count(rt), 1);
	brt__runtime_free(rt);
}
END_TEST

struct started {
	int ncalls, err;
};

static void on_started(void *arg, int err)
{
	struct started *st = arg;
	st->ncalls++;
	st->err = err;
}

/* The service's start-up: recovery on the loop, its progress readable
 * meanwhile, done called once at its end; then messages find the
 * instances. */
START_TEST(persist_start_recovers_on_the_loop)
{
	brt_runtime *rt = durable_rt(0);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(kit_send(rt, &kit_op_start, "first"), 0);
	passes(rt);
	ck_assert_int_eq(brt__engine_count(rt), 3);
	brt__runtime_free(rt);

	rt = kit_rt(&proc);
	rt->store_path = store_path;
	struct started st = { 0, -99 };
	ck_assert_ptr_null(brt__persist_progress(rt));
	ck_assert_int_eq(brt__persist_start(rt, on_started, &st), 0);
	ck_assert_int_eq(st.ncalls, 0); /* not before the loop turns */
	ck_assert_str_eq(brt__persist_progress(rt),
			 "recovering: the store is being read");
	for (int i = 0; i < 100 && !st.ncalls; i++)
		event_base_loop(rt->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	ck_assert_int_eq(st.ncalls, 1);
	ck_assert_int_eq(st.err, 0);
	ck_assert_ptr_null(brt__persist_progress(rt));
	ck_assert_int_eq(brt__engine_count(rt), 3);
	ck_assert_int_eq(kit_send(rt, &kit_op_next, "second"), 0);
	passes(rt);
	ck_assert_int_eq(brt__engine_count(rt), 2);
	brt__runtime_free(rt);

	/* Without a store: done at once. */
	rt = kit_rt(&proc);
	st = (struct started){ 0, -99 };
	ck_assert_int_eq(brt__persist_start(rt, on_started, &st), 0);
	ck_assert_int_eq(st.ncalls, 1);
	ck_assert_int_eq(st.err, 0);
	brt__runtime_free(rt);
}
END_TEST

Suite *store_suite(void);
Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, store_save_destroy_restore_complete);
	tcase_add_test(tc, store_restore_refuses_other_build);
	tcase_add_test(tc, store_keeps_undelivered_message);
	tcase_add_test(tc, store_corrupt_records_are_refused);
	tcase_add_test(tc, store_keeps_early_messages);
	tcase_add_test(tc, store_restore_refuses_strand_cycle);
	tcase_add_test(tc, store_round_trip_is_byte_identical);
	tcase_add_test(tc, store_reads_records_libxml2_wrote);
	tcase_add_test(tc, store_truncated_records_are_refused);
	tcase_add_test(tc, store_records_leave_zeros_out);
	tcase_add_test(tc, store_reads_records_with_zeros_written);
	tcase_add_test(tc, store_malformed_numbers_are_refused);
	suite_add_tcase(s, tc);
	TCase *tp = tcase_create("persist");
	tcase_add_checked_fixture(tp, store_setup, store_teardown);
	tcase_add_test(tp, persist_instance_survives_restart);
	tcase_add_test(tp, persist_corrupt_record_is_marked);
	tcase_add_test(tp, persist_other_build_untouched);
	tcase_add_test(tp, persist_start_recovers_on_the_loop);
	suite_add_tcase(s, tp);
	return s;
}
