/*
 * data_kit.h — what the data layer's unit tests share: variable
 * declarations of every kind, two message types, a property with aliases,
 * and variable storage the tests own (a data context whose slots are a
 * static array instead of a strand's scope instances). Header-only so
 * each test file stays one translation unit.
 */
#ifndef DATA_KIT_H
#define DATA_KIT_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "data.h"
#include "internal.h"

#define DK_UNUSED __attribute__((unused))
#define DK_T "urn:t"
#define DK_P "urn:p"
#define DK_XSD "http://www.w3.org/2001/XMLSchema"

/* Message "Order": an element part and a simple type part. */
static const struct brt_part dk_parts[] DK_UNUSED = {
	{ "order", { DK_T, "order" }, { NULL, NULL }, BRT_XSD_COMPLEX },
	{ "count", { NULL, NULL }, { DK_XSD, "int" }, BRT_XSD_NUMBER },
};
static const struct brt_message dk_msg DK_UNUSED = { { DK_T, "OrderMsg" },
						     2,
						     dk_parts };
/* Message "Note": one string part. */
static const struct brt_part dk_nparts[] DK_UNUSED = {
	{ "text", { NULL, NULL }, { DK_XSD, "string" }, BRT_XSD_STRING },
};
static const struct brt_message dk_nmsg DK_UNUSED = { { DK_T, "NoteMsg" },
						      1,
						      dk_nparts };

/* ORDER: the DK_V_* indexes below. */
enum {
	DK_V_ELEM, /* element {urn:t}order */
	DK_V_CPLX, /* type {urn:t}OrderType (complex) */
	DK_V_STR,  /* xsd:string */
	DK_V_NUM,  /* xsd:int */
	DK_V_FLAG, /* xsd:boolean */
	DK_V_MSG,  /* OrderMsg */
	DK_V_MSG2, /* OrderMsg */
	DK_V_NOTE, /* NoteMsg */
	DK_V_ITEM, /* element {urn:t}item */
	DK_NVARS
};
static const struct brt_variable dk_vars[] DK_UNUSED = {
	{ "elem",
	  0,
	  0,
	  BRT_VAR_ELEMENT,
	  NULL,
	  { DK_T, "order" },
	  { NULL, NULL },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "cplx",
	  0,
	  1,
	  BRT_VAR_TYPE,
	  NULL,
	  { NULL, NULL },
	  { DK_T, "OrderType" },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "str",
	  0,
	  2,
	  BRT_VAR_TYPE,
	  NULL,
	  { NULL, NULL },
	  { DK_XSD, "string" },
	  BRT_XSD_STRING,
	  -1 },
	{ "num",
	  0,
	  3,
	  BRT_VAR_TYPE,
	  NULL,
	  { NULL, NULL },
	  { DK_XSD, "int" },
	  BRT_XSD_NUMBER,
	  -1 },
	{ "flag",
	  0,
	  4,
	  BRT_VAR_TYPE,
	  NULL,
	  { NULL, NULL },
	  { DK_XSD, "boolean" },
	  BRT_XSD_BOOLEAN,
	  -1 },
	{ "msg",
	  0,
	  5,
	  BRT_VAR_MESSAGE,
	  &dk_msg,
	  { NULL, NULL },
	  { NULL, NULL },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "msg2",
	  0,
	  6,
	  BRT_VAR_MESSAGE,
	  &dk_msg,
	  { NULL, NULL },
	  { NULL, NULL },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "note",
	  0,
	  7,
	  BRT_VAR_MESSAGE,
	  &dk_nmsg,
	  { NULL, NULL },
	  { NULL, NULL },
	  BRT_XSD_COMPLEX,
	  -1 },
	{ "item",
	  0,
	  8,
	  BRT_VAR_ELEMENT,
	  NULL,
	  { DK_T, "item" },
	  { NULL, NULL },
	  BRT_XSD_COMPLEX,
	  -1 },
};

static const struct brt_ns dk_ns[] DK_UNUSED = {
	{ "t", DK_T },
	{ "p", DK_P },
	{ "bpel", BRT_NS_BPEL },
	{ "", "urn:default-is-ignored" },
};
#define DK_NNS 4

/* Every $name the tests use. */
static const struct brt_varref dk_refs[] DK_UNUSED = {
	{ "elem", DK_V_ELEM, -1, false },
	{ "cplx", DK_V_CPLX, -1, false },
	{ "str", DK_V_STR, -1, false },
	{ "num", DK_V_NUM, -1, false },
	{ "flag", DK_V_FLAG, -1, false },
	{ "msg.order", DK_V_MSG, 0, false },
	{ "msg.count", DK_V_MSG, 1, false },
	{ "item", DK_V_ITEM, -1, false },
	{ "msg2.order", DK_V_MSG2, 0, false },
	{ "note.text", DK_V_NOTE, 0, false },
};
#define DK_NREFS 10

/* An expression with the kit's namespaces and refs. */
#define DK_EXPR(text)                                                        \
	{                                                                    \
		text, "kit.bpel", __LINE__, DK_NNS, dk_ns, DK_NREFS, dk_refs \
	}

/* ---- variable storage -------------------------------------------------- */

static xmlDocPtr dk_slots[DK_NVARS];

static inline xmlDocPtr *dk_slot(void *arg, int var)
{
	(void)arg;
	return var >= 0 && var < DK_NVARS ? &dk_slots[var] : NULL;
}

/* Give variable var the document parsed from xml (NULL: uninitialised). */
static inline void dk_set(int var, const char *xml)
{
	xmlFreeDoc(dk_slots[var]);
	dk_slots[var] = NULL;
	if (xml != NULL) {
		dk_slots[var] = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL,
					      XML_PARSE_NONET);
		ck_assert_ptr_nonnull(dk_slots[var]);
	}
}

/* Variable var's root element serialised, "-" when uninitialised. */
static inline const char *dk_get(int var)
{
	static char buf[4096];
	xmlNodePtr root = dk_slots[var] != NULL
				  ? xmlDocGetRootElement(dk_slots[var])
				  : NULL;
	if (root == NULL)
		return "-";
	xmlBufferPtr b = xmlBufferCreate();
	xmlNodeDump(b, dk_slots[var], root, 0, 0);
	snprintf(buf, sizeof buf, "%s", (const char *)xmlBufferContent(b));
	xmlBufferFree(b);
	return buf;
}

/* The string value of XPath `xp` (prefix t bound) on variable var's
 * document, by plain libxml2: checks results independently of the code
 * under test. "-" when the variable is uninitialised. */
static inline const char *dk_xp(int var, const char *xp)
{
	static char buf[1024];
	if (dk_slots[var] == NULL)
		return "-";
	xmlXPathContextPtr c = xmlXPathNewContext(dk_slots[var]);
	xmlXPathRegisterNs(c, BAD_CAST "t", BAD_CAST DK_T);
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xp, c);
	ck_assert_msg(r != NULL, "bad check expression %s", xp);
	xmlChar *s = xmlXPathCastToString(r);
	snprintf(buf, sizeof buf, "%s", (const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(c);
	return buf;
}

/* A data context on process p with the kit's storage. */
static inline void dk_begin(struct brt_dctx *d, const struct brt_process *p)
{
	memset(d, 0, sizeof *d);
	memset(dk_slots, 0, sizeof dk_slots);
	char err[256];
	struct brt_prepared *pp = NULL;
	int rc = brt__data_prepare_proc(p, &pp, err, sizeof err);
	ck_assert_msg(rc == 0, "prepare: %s", err);
	d->proc = p;
	d->prep = pp;
	d->slot = dk_slot;
	d->expr = -1;
}

/* Forget a recorded fault so the next operation can record its own. */
static inline void dk_clear(struct brt_dctx *d)
{
	d->fault = NULL;
	d->why[0] = '\0';
}

static inline void dk_end(struct brt_dctx *d)
{
	for (int i = 0; i < DK_NVARS; i++) {
		xmlFreeDoc(dk_slots[i]);
		dk_slots[i] = NULL;
	}
	brt__data_prepared_free(d->prep);
	d->prep = NULL;
}

#define dk_assert_fault(d, name)                                           \
	ck_assert_msg((d)->fault != NULL && strcmp((d)->fault, name) == 0, \
		      "expected %s, got %s (%s)", name,                    \
		      (d)->fault != NULL ? (d)->fault : "no fault", (d)->why)

#define dk_assert_ok(d)                                               \
	ck_assert_msg((d)->fault == NULL, "unexpected fault %s (%s)", \
		      (d)->fault, (d)->why)

#endif /* DATA_KIT_H */
