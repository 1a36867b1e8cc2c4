/*
 * check_events.c — (rules being written).
 */
#include "check_int.h"

void check_events(struct chk *c)
{
	(void)c;
}
