/*
 * check_start.c — (rules being written).
 */
#include "check_int.h"

void check_start(struct chk *c)
{
	(void)c;
}
