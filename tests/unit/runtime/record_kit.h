/*
 * record_kit.h — an instance record (runtime/engine/store.c) rewritten as
 * builds before zero omission wrote it: every number attribute those
 * builds always wrote is there, "0" where the record leaves it out, a
 * scope's mode="normal" too, with the XML declaration and a line end
 * after the root (libxml2's dump). test_store and test_store_states check
 * that such a record reads as the compact one. Header-only, like
 * engine_kit.h. Not here: the record's meaning (store.c).
 */
#ifndef RECORD_KIT_H
#define RECORD_KIT_H

#include <check.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

/* The number attributes each wrapper element always had, and the wrapper
 * elements inside it (documents inside var, message, msg, request, fault
 * and value are left alone). */
struct kit_rec_elem {
	const char *name;
	const char *nums[11];
	const char *kids[7];
};

static const struct kit_rec_elem kit_rec_elems[] = {
	{ "instance",
	  { "started", "done-seq" },
	  { "plink", "links", "scope", "mex", "strand", "message" } },
	{ "plink", { "index" }, { NULL } },
	{ "links", { "parent", "first" }, { NULL } },
	{ "scope",
	  { "index", "parent", "waiter", "done-seq", "comp-waiter", "nterm",
	    "term-notify", "links" },
	  { "var", "cset" } },
	{ "var", { "slot" }, { NULL } },
	{ "cset", { "set", "seq" }, { NULL } },
	{ "mex", { "plink", "owner" }, { NULL } },
	{ "message", { "plink" }, { NULL } },
	{ "strand",
	  { "state", "parent", "pending", "primary", "links", "comp-owner",
	    "comp-target", "nterm-wait" },
	  { "receive", "pick", "invoke", "delivery", "events", "foreach" } },
	{ "receive", { "plink", "var", "create", "line" }, { "part", "corr" } },
	{ "part", { "var" }, { NULL } },
	{ "corr", { "set", "initiate", "pattern" }, { NULL } },
	{ "pick", { "armed", "alarm-state" }, { "on" } },
	{ "on", { "state", "seq" }, { "receive" } },
	{ "invoke", { "index" }, { NULL } },
	{ "delivery", { NULL }, { "receive" } },
	{ "events", { "enabled", "nalarms" }, { "event", "alarm" } },
	{ "event", { "index", "seq" }, { NULL } },
	{ "alarm", { "index" }, { NULL } },
	{ "foreach",
	  { "successful-only", "has-b", "start", "n", "b", "started", "running",
	    "finished", "succeeded" },
	  { NULL } },
};

static inline bool kit_rec_is(xmlNodePtr n, const char *name)
{
	return strcmp((const char *)n->name, name) == 0;
}

static inline void kit_rec_zero(xmlNodePtr n, const char *name)
{
	if (!xmlHasProp(n, BAD_CAST name))
		ck_assert_ptr_nonnull(
			xmlSetProp(n, BAD_CAST name, BAD_CAST "0"));
}

static inline void kit_rec_fill(xmlNodePtr n)
{
	const struct kit_rec_elem *e = NULL;
	for (size_t i = 0; i < sizeof kit_rec_elems / sizeof *kit_rec_elems;
	     i++)
		if (kit_rec_is(n, kit_rec_elems[i].name))
			e = &kit_rec_elems[i];
	ck_assert_ptr_nonnull(e);
	for (int i = 0; e->nums[i]; i++)
		kit_rec_zero(n, e->nums[i]);
	xmlChar *v;
	if (kit_rec_is(n, "scope") && !xmlHasProp(n, BAD_CAST "mode"))
		xmlSetProp(n, BAD_CAST "mode", BAD_CAST "normal");
	if (kit_rec_is(n, "strand") && (v = xmlGetProp(n, BAD_CAST "wait"))) {
		if (strcmp((const char *)v, "receive") == 0)
			kit_rec_zero(n, "seq");
		xmlFree(v);
	}
	if (kit_rec_is(n, "delivery") && (v = xmlGetProp(n, BAD_CAST "kind"))) {
		if (strcmp((const char *)v, "invoke") == 0) {
			static const char *const d[] = { "index", "err",
							 "is-fault",
							 "interrupted",
							 "decl" };
			for (size_t i = 0; i < sizeof d / sizeof *d; i++)
				kit_rec_zero(n, d[i]);
		}
		xmlFree(v);
	}
	for (xmlNodePtr c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (int i = 0; e->kids[i]; i++)
			if (kit_rec_is(c, e->kids[i]))
				kit_rec_fill(c);
	}
}

/* The record buf[0, len) with its zeros written (malloc'd; *outlen). */
static inline char *kit_rec_with_zeros(const char *buf, size_t len,
				       size_t *outlen)
{
	xmlDocPtr d = xmlReadMemory(buf, (int)len, NULL, NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR |
					    XML_PARSE_NOWARNING);
	ck_assert_ptr_nonnull(d);
	kit_rec_fill(xmlDocGetRootElement(d));
	xmlChar *out = NULL;
	int n = 0;
	xmlDocDumpMemory(d, &out, &n);
	xmlFreeDoc(d);
	ck_assert_ptr_nonnull(out);
	char *copy = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, out, (size_t)n + 1);
	xmlFree(out);
	*outlen = (size_t)n;
	return copy;
}

#endif
