/*
 * check_plink.c — (rules being written).
 */
#include "check_int.h"

void check_plink(struct chk *c)
{
	(void)c;
}
