/*
 * fuzz_soap.c — libFuzzer target: the SOAP intake of a client's request.
 * The bytes are a request body: pre-scanned whole and in pieces (the two
 * must agree), parsed safely (brt__soap_parse), checked
 * for mustUnderstand entries, then mapped to a message value for every
 * operation of fuzz_ops.h (copied, and once moved out of the envelope as
 * http.c does), and every message built is turned back into an envelope
 * and serialized. Nothing may crash, leak or take more than linear time.
 *
 * Not here: HTTP (libevent parses that) and the engine.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <libxml/parser.h>

#include "fuzz_ops.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void round_trip(const struct brt_operation *op,
		       const struct brt_message *m, xmlDocPtr msg)
{
	xmlDocPtr env = brt__soap_from_message(op, m, msg, false);
	if (env) {
		size_t len = 0;
		char *buf = brt__soap_serialize(env, &len);
		xmlFree(buf);
		xmlFreeDoc(env);
	}
}

/* The pre-scan fed in pieces, as http.c feeds it libevent's chains, must
 * answer as it does on the whole input. */
static void prescan_in_pieces(const uint8_t *data, size_t size)
{
	struct brt_prescan whole, cut;
	brt__prescan_init(&whole);
	brt__prescan_init(&cut);
	const char *a = brt__prescan_feed(&whole, (const char *)data, size);
	const char *b = NULL;
	size_t step = size ? (size_t)data[0] % 17 + 1 : 1;
	for (size_t at = 0; at < size; at += step)
		b = brt__prescan_feed(&cut, (const char *)data + at,
				      size - at < step ? size - at : step);
	if ((a == NULL) != (b == NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	prescan_in_pieces(data, size);
	const char *why = NULL;
	xmlDocPtr env = brt__soap_parse((const char *)data, size, &why);
	if (!env)
		return 0;
	(void)brt__soap_must_understand(env);
	xmlNodePtr body = NULL;
	brt__soap_body_first(env, &body);
	for (int i = 0; i < FZ_NOPS; i++) {
		const struct brt_operation *op = fz_ops[i];
		for (int resp = 0; resp < 2; resp++) {
			const struct brt_message *m = resp ? op->output
							   : op->input;
			if (!m)
				continue;
			xmlDocPtr msg = brt__soap_to_message(body, op, m,
							     resp != 0, &why);
			if (msg) {
				round_trip(op, m, msg);
				xmlFreeDoc(msg);
			}
		}
	}
	/* What http.c does: the Body moves into the message. */
	xmlDocPtr msg = brt__soap_take_message(body, &fz_op_rpc,
					       fz_op_rpc.input, false, &why);
	xmlFreeDoc(env);
	if (msg) {
		round_trip(&fz_op_rpc, fz_op_rpc.input, msg);
		xmlFreeDoc(msg);
	}
	return 0;
}
