/*
 * check_msg.c — (rules being written).
 */
#include "check_int.h"

void check_msg(struct chk *c)
{
	(void)c;
}
