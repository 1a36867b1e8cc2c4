/*
 * check_xpath.c — (rules being written).
 */
#include "check_int.h"

void check_xpath(struct chk *c)
{
	(void)c;
}
