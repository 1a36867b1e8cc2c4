/*
 * error.c — text for the runtime's negative BRT_E* error codes.
 *
 * Only the mapping from code to message lives here, and whether libxml2
 * ran out of memory; the codes themselves are declared in internal.h. No
 * state, no allocation.
 */
#include <libxml/xmlerror.h>

#include "internal.h"

bool brt__error_xml_oom(void)
{
	const xmlError *e = xmlGetLastError();
	return e != NULL && e->code == XML_ERR_NO_MEMORY;
}

const char *brt_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case BRT_ENOMEM:
		return "out of memory";
	case BRT_EINVAL:
		return "invalid argument or input";
	case BRT_ENOTFOUND:
		return "not found";
	case BRT_EIO:
		return "input/output or network error";
	case BRT_ETIMEDOUT:
		return "timed out";
	case BRT_EPROTO:
		return "protocol error (malformed SOAP or HTTP)";
	case BRT_ESTATE:
		return "wrong state or saved instance from another build";
	case BRT_ELIMIT:
		return "a limit of the service is reached";
	case BRT_EFAULT:
		return "a BPEL fault was recorded";
	default:
		return "unknown error";
	}
}
