/*
 * fuzz_ops.h — the operations the runtime's fuzz targets map messages
 * for, as the tables bpelc would generate: a document/literal operation
 * with an element part, one with two type parts, an rpc/literal one with
 * type parts and an element part, and declared faults with one element
 * part and with several type parts (rpc style). Header-only, so each
 * target stays one translation unit.
 */
#ifndef FUZZ_OPS_H
#define FUZZ_OPS_H

#include "bpelrt.h"

#define FZ_NS "urn:fuzz"
#define FZ_XSD "http://www.w3.org/2001/XMLSchema"

static const struct brt_part fz_elem_parts[] = {
	{ "payload", { FZ_NS, "order" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message fz_elem_msg = { { FZ_NS, "ElemMsg" },
						1,
						fz_elem_parts };
static const struct brt_part fz_type_parts[] = {
	{ "id", { NULL, NULL }, { FZ_XSD, "int" }, BRT_XSD_NUMBER },
	{ "name", { NULL, NULL }, { FZ_XSD, "string" }, BRT_XSD_STRING },
};
static const struct brt_message fz_type_msg = { { FZ_NS, "TypeMsg" },
						2,
						fz_type_parts };
static const struct brt_part fz_mixed_parts[] = {
	{ "code", { NULL, NULL }, { FZ_XSD, "string" }, BRT_XSD_STRING },
	{ "order", { FZ_NS, "order" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message fz_mixed_msg = { { FZ_NS, "MixedMsg" },
						 2,
						 fz_mixed_parts };
static const struct brt_part fz_fault_parts[] = {
	{ "problem", { FZ_NS, "problem" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message fz_fault_msg = { { FZ_NS, "FaultMsg" },
						 1,
						 fz_fault_parts };
static const struct brt_fault_decl fz_faults[] = {
	{ "oops", &fz_fault_msg },
	{ "badInput", &fz_type_msg },
};

static const struct brt_operation fz_op_doc = {
	"doc",	  FZ_NS,	"urn:fuzz:doc", BRT_STYLE_DOCUMENT,
	NULL,	  &fz_elem_msg, &fz_elem_msg,	2,
	fz_faults
};
static const struct brt_operation fz_op_types = {
	"types",      FZ_NS, "",  BRT_STYLE_DOCUMENT, NULL, &fz_type_msg,
	&fz_type_msg, 0,     NULL
};
static const struct brt_operation fz_op_rpc = { "rpcOp",	FZ_NS,
						"urn:fuzz:rpc", BRT_STYLE_RPC,
						FZ_NS,		&fz_mixed_msg,
						&fz_type_msg,	2,
						fz_faults };
static const struct brt_operation fz_op_oneway = {
	"notify", FZ_NS, "",  BRT_STYLE_DOCUMENT, NULL, &fz_elem_msg,
	NULL,	  0,	 NULL
};
static const struct brt_operation *const fz_ops[] = {
	&fz_op_doc,
	&fz_op_types,
	&fz_op_rpc,
	&fz_op_oneway,
};
#define FZ_NOPS 4

#endif
