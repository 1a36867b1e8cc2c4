/*
 * check_vars.c — (rules being written).
 */
#include "check_int.h"

void check_vars(struct chk *c)
{
	(void)c;
}
