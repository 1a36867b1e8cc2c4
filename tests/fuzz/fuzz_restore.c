/*
 * fuzz_restore.c — libFuzzer target: rebuilding an instance from a record
 * (brt__instance_restore, runtime/engine/store.c). The bytes are a record
 * for the small process below (two receives and an assign, as
 * tests/unit/runtime/test_store.c); whatever they hold, restore either
 * refuses them with an error or gives a live instance, which is then run
 * and destroyed. Nothing may crash or leak.
 *
 * With BRT_FUZZ_WRITE_SEEDS=DIR in the environment it writes seed records
 * (saved from real instances) into DIR and exits: that is how
 * tests/fuzz/corpus/restore was made, and how to remake it when the
 * record format changes. waiting-next-zeros.xml and the regress-* seeds
 * are records as builds before wrote them, every number 0 written: the
 * reader takes both forms, so they stay.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libxml/parser.h>

#include "engine.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define NS "urn:fuzz"
#define XSD "http://www.w3.org/2001/XMLSchema"

static const struct brt_part parts[] = {
	{ "payload", { NULL, NULL }, { XSD, "string" }, BRT_XSD_STRING },
};
static const struct brt_message msg_t = { { NS, "Msg" }, 1, parts };
static const struct brt_operation op_start = {
	"start", NS, "", BRT_STYLE_DOCUMENT, NULL, &msg_t, NULL, 0, NULL
};
static const struct brt_operation op_next = {
	"next", NS, "", BRT_STYLE_DOCUMENT, NULL, &msg_t, NULL, 0, NULL
};
static const struct brt_operation *const ops[] = { &op_start, &op_next };
static const struct brt_partner_link plinks[] = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/fuzz",
	  .my_address = "http://127.0.0.1:1/fuzz",
	  .nmy_ops = 2,
	  .my_ops = ops },
};

enum { S_RECV_NEXT = BRT_S_FIRST, S_ASSIGN, S_END, NSTATES };
enum { V_A, V_B, V_OUT };

static const struct brt_scope scopes[] = {
	{ "process", -1, 3, 0, NULL, -1, -1, -1, false, false, 0, NULL, 0,
	  NULL },
};
static const struct brt_variable vars[] = {
	{ "a", 0, 0, BRT_VAR_MESSAGE, &msg_t, { 0 }, { 0 }, BRT_XSD_COMPLEX, -1 },
	{ "b", 0, 1, BRT_VAR_MESSAGE, &msg_t, { 0 }, { 0 }, BRT_XSD_COMPLEX, -1 },
	{ "out",
	  0,
	  2,
	  BRT_VAR_MESSAGE,
	  &msg_t,
	  { 0 },
	  { 0 },
	  BRT_XSD_COMPLEX,
	  -1 },
};
static const struct brt_receive r_start = { .name = "start",
					    .plink = 0,
					    .op = &op_start,
					    .var = V_A,
					    .create_instance = true,
					    .file = "fuzz.bpel",
					    .line = 1 };
static const struct brt_receive r_next = { .name = "next",
					   .plink = 0,
					   .op = &op_next,
					   .var = V_B,
					   .file = "fuzz.bpel",
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
	{ "copy", 1, copies, false, "fuzz.bpel", 3 },
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
		brt_strand_set_state(s, BRT_S_DONE);
		return BRT_STEP_NEXT;
	default:
		return brt_strand_bad_state(s);
	}
}

static const struct brt_process proc = {
	.name = "fuzz",
	.qname = { NS, "fuzz" },
	.build_id = "fuzz-1",
	.source = "fuzz.bpel",
	.nscopes = 1,
	.scopes = scopes,
	.nvars = 3,
	.vars = vars,
	.nplinks = 1,
	.plinks = plinks,
	.nassigns = 1,
	.assigns = assigns,
	.nstarts = 1,
	.starts = starts,
	.nstates = NSTATES,
	.state_names = names,
	.step = step,
};

static brt_runtime *rt;

static xmlDocPtr msg_new(const char *text)
{
	xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewDocNode(d, NULL, BAD_CAST "message", NULL);
	xmlDocSetRootElement(d, root);
	xmlNewTextChild(root, NULL, BAD_CAST "payload", BAD_CAST text);
	return d;
}

static void settle(void)
{
	for (int guard = 0; brt__engine_busy(rt) && guard < 1000; guard++)
		event_base_loop(rt->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

static void write_seed(const char *dir, const char *name)
{
	brt_instance *in = brt__engine_first(rt);
	char *buf = NULL;
	size_t len = 0;
	if (!in || brt__instance_save(in, &buf, &len) != 0) {
		fprintf(stderr, "fuzz_restore: cannot save %s\n", name);
		exit(1);
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "fuzz_restore: cannot write %s\n", path);
		exit(1);
	}
	free(buf);
}

/* Records of an instance waiting at its second receive: with no early
 * message, and with a message for another instance's key waiting. */
static void write_seeds(const char *dir)
{
	brt__engine_deliver(rt, 0, &op_start, msg_new("first & <a>"), NULL);
	settle();
	write_seed(dir, "waiting-next.xml");
	brt__instance_destroy(brt__engine_first(rt));
	exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	rt = brt__runtime_new(&proc);
	if (!rt)
		abort();
	const char *dir = getenv("BRT_FUZZ_WRITE_SEEDS");
	if (dir)
		write_seeds(dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int err = 0;
	brt_instance *in =
		brt__instance_restore(rt, (const char *)data, size, &err);
	if (!in) {
		if (err == 0)
			abort(); /* a refusal always says why */
		return 0;
	}
	/* Live again: let it take its next message and finish. */
	brt__engine_deliver(rt, 0, &op_next, msg_new("second"), NULL);
	settle();
	while (brt__engine_first(rt))
		brt__instance_destroy(brt__engine_first(rt));
	return 0;
}
