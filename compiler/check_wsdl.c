/*
 * check_wsdl.c — (rules being written).
 */
#include "check_int.h"

void check_wsdl(struct chk *c)
{
	(void)c;
}
