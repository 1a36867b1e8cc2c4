/*
 * check.c — runs the static-analysis themes (check_*.c) in a fixed order.
 * It does not implement rules itself.
 */
#include "check.h"

void check_model(struct model *m, struct diag *dg)
{
	(void)m;
	(void)dg;
}
