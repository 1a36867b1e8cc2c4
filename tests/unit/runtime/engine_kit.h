/*
 * engine_kit.h — what the engine's unit tests share: a small WSDL (one
 * message type, one fault message, one-way and request-response
 * operations, a myRole and a partnerRole partner link) as static tables,
 * message values, a runtime without a server, and a trace the hand-written
 * step functions append to. Header-only so each test file stays one
 * translation unit (the Makefile links test_*.c only).
 */
#ifndef ENGINE_KIT_H
#define ENGINE_KIT_H

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "engine.h"
#include "internal.h"

#define KIT_UNUSED __attribute__((unused))
#define KIT_XSD "http://www.w3.org/2001/XMLSchema"
#define KIT_NS "urn:kit"

static const struct brt_part kit_parts[] KIT_UNUSED = {
	{ "payload", { NULL, NULL }, { KIT_XSD, "string" }, BRT_XSD_STRING },
};
static const struct brt_message kit_msg KIT_UNUSED = { { KIT_NS, "Msg" },
						       1,
						       kit_parts };
static const struct brt_part kit_fparts[] KIT_UNUSED = {
	{ "detail", { KIT_NS, "problem" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message kit_fmsg KIT_UNUSED = { { KIT_NS, "FaultMsg" },
							1,
							kit_fparts };
static const struct brt_fault_decl kit_faults[] KIT_UNUSED = {
	{ "oops", &kit_fmsg },
};

static const struct brt_operation kit_op_start KIT_UNUSED = {
	"start", KIT_NS, "", BRT_STYLE_DOCUMENT, NULL, &kit_msg, NULL, 0, NULL
};
static const struct brt_operation kit_op_next KIT_UNUSED = {
	"next", KIT_NS, "", BRT_STYLE_DOCUMENT, NULL, &kit_msg, NULL, 0, NULL
};
static const struct brt_operation kit_op_other KIT_UNUSED = {
	"other", KIT_NS, "", BRT_STYLE_DOCUMENT, NULL, &kit_msg, NULL, 0, NULL
};
static const struct brt_operation kit_op_sync KIT_UNUSED = {
	"sync",	  KIT_NS,   "", BRT_STYLE_DOCUMENT, NULL,
	&kit_msg, &kit_msg, 1,	kit_faults
};
static const struct brt_operation *const kit_ops[] KIT_UNUSED = {
	&kit_op_start, &kit_op_next, &kit_op_other, &kit_op_sync
};

/* 0: the client (myRole), 1: a partner with no address. */
static const struct brt_partner_link kit_plinks[] KIT_UNUSED = {
	{ .name = "client",
	  .scope = 0,
	  .my_path = "/kit",
	  .my_address = "http://127.0.0.1:1/kit",
	  .nmy_ops = 4,
	  .my_ops = kit_ops },
	{ .name = "partner", .scope = 0, .has_partner_role = true },
};

/* ---- a trace the steps write ------------------------------------------- */

static char kit_trace[8192];

static inline void kit_note(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void kit_note(const char *fmt, ...)
{
	size_t n = strlen(kit_trace);
	va_list ap;
	if (n && n < sizeof kit_trace - 1)
		kit_trace[n++] = ' ';
	va_start(ap, fmt);
	vsnprintf(kit_trace + n, sizeof kit_trace - n, fmt, ap);
	va_end(ap);
}

/* ---- message values ---------------------------------------------------- */

/* <message><payload>text</payload></message> */
static inline xmlDocPtr kit_msg_new(const char *text)
{
	xmlDocPtr d = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewDocNode(d, NULL, BAD_CAST "message", NULL);
	xmlDocSetRootElement(d, root);
	xmlNewTextChild(root, NULL, BAD_CAST "payload", BAD_CAST text);
	return d;
}

/* The payload text of variable var as seen from s, "-" if unset. */
static inline const char *kit_payload(brt_strand *s, int var)
{
	static char buf[256];
	xmlDocPtr *slot = brt__var_slot(s, var);
	xmlNodePtr root = slot && *slot ? xmlDocGetRootElement(*slot) : NULL;
	if (!root)
		return "-";
	xmlChar *t = xmlNodeGetContent(root);
	snprintf(buf, sizeof buf, "%s", t ? (char *)t : "");
	xmlFree(t);
	return buf;
}

/* ---- runtime ----------------------------------------------------------- */

static inline brt_runtime *kit_rt(const struct brt_process *p)
{
	kit_trace[0] = '\0';
	brt_runtime *rt = brt__runtime_new(p);
	ck_assert_ptr_nonnull(rt);
	return rt;
}

static inline int kit_send(brt_runtime *rt, const struct brt_operation *op,
			   const char *text)
{
	return brt__engine_deliver(rt, 0, op, kit_msg_new(text), NULL);
}

/* Run the loop until nothing is queued (timers may still be armed). */
static inline void kit_settle(brt_runtime *rt)
{
	int guard = 0;
	while (brt__engine_busy(rt) && guard++ < 100000)
		event_base_loop(rt->base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

/* Run the loop, timers included, until no instance is left (or a guard
 * of 500 rounds is spent). */
static inline void kit_run_out(brt_runtime *rt)
{
	for (int guard = 0; brt__engine_count(rt) > 0 && guard < 500; guard++) {
		kit_settle(rt);
		if (brt__engine_count(rt) > 0)
			event_base_loop(rt->base, EVLOOP_ONCE);
	}
	kit_settle(rt);
}

/* Start one instance with `how` (kit_op_start), settle, return the
 * trace. */
static inline const char *kit_start(brt_runtime *rt, const char *how)
{
	ck_assert_int_eq(kit_send(rt, &kit_op_start, how), 0);
	kit_settle(rt);
	return kit_trace;
}

/* A test that starts process p with `how` and expects trace `expect`
 * and `live` instances left. */
#define KIT_CASE(name, p, how, expect, live)                   \
	START_TEST(name)                                       \
	{                                                      \
		brt_runtime *rt = kit_rt(&p);                  \
		ck_assert_str_eq(kit_start(rt, how), expect);  \
		ck_assert_int_eq(brt__engine_count(rt), live); \
		brt__runtime_free(rt);                         \
	}                                                      \
	END_TEST

/* Strands of the instance that wait in `w`. */
static inline int kit_waiting(brt_instance *in, enum brt_wait w)
{
	int n = 0;
	for (brt_strand *s = in->strands_head; s; s = s->next)
		n += s->wait == w;
	return n;
}

#endif /* ENGINE_KIT_H */
