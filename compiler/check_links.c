/*
 * check_links.c — (rules being written).
 */
#include "check_int.h"

void check_links(struct chk *c)
{
	(void)c;
}
