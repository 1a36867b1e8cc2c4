/*
 * check_props.c — (rules being written).
 */
#include "check_int.h"

void check_props(struct chk *c)
{
	(void)c;
}
