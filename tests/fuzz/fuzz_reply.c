/*
 * fuzz_reply.c — libFuzzer target: the mapping of a partner's reply
 * (brt__reply_map, what invoke.c does once curl has the whole answer).
 * The first byte picks the operation called, the second the HTTP status,
 * the third the Content-Type; the rest is the reply body. The result must
 * be exactly one of: an output message, a fault (declared with its data,
 * or undeclared), an error with a reason.
 *
 * Not here: the transport (curl), which has its own limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "fuzz_ops.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const long statuses[] = { 200, 202, 500, 400, 204, 301, 201, 503 };
static const char *const ctypes[] = {
	"text/xml; charset=utf-8",
	NULL,
	"application/soap+xml",
	"text/html",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3)
		return 0;
	const struct brt_operation *op = fz_ops[data[0] % FZ_NOPS];
	long status = statuses[data[1] % (sizeof statuses / sizeof *statuses)];
	const char *ctype = ctypes[data[2] % (sizeof ctypes / sizeof *ctypes)];
	struct brt_call_result res;
	memset(&res, 0, sizeof res);
	char *fns = NULL, *flocal = NULL;
	brt__reply_map(NULL, op, "http://partner/", status, ctype,
		       (const char *)data + 3, size - 3, &res, &fns, &flocal);
	/* One outcome only, and a declared fault carries its QName. */
	if (res.msg && (res.err || res.is_fault))
		abort();
	if (res.fault_decl && (!res.fault_local || !res.is_fault))
		abort();
	xmlFreeDoc(res.msg);
	xmlFreeDoc(res.fault_data);
	free(fns);
	free(flocal);
	return 0;
}
