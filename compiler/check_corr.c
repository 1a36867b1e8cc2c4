/*
 * check_corr.c — (rules being written).
 */
#include "check_int.h"

void check_corr(struct chk *c)
{
	(void)c;
}
