/*
 * check_warn.c — (rules being written).
 */
#include "check_int.h"

void check_warn(struct chk *c)
{
	(void)c;
}
