/*
 * check_plink.c — partner link declarations: SA00016 (a role is needed),
 * SA00017 (initializePartnerRole needs partnerRole), SA00018 (duplicate
 * names in one <partnerLinks>).
 *
 * Roles and portTypes used by activities are checked with the activities
 * (check_msg.c, check_assign.c).
 */
#include <string.h>

#include "check_int.h"

static void visit(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)ud;
	if (!chk_is(n, "partnerLink") || !chk_is(n->parent, "partnerLinks"))
		return;
	const char *name = chk_attr(n, "name");
	if (!chk_attr(n, "myRole") && !chk_attr(n, "partnerRole"))
		chk_err(c, n, "SA00016",
			"partnerLink '%s' has neither myRole nor partnerRole",
			name ? name : "");
	if (chk_attr(n, "initializePartnerRole") && !chk_attr(n, "partnerRole"))
		chk_err(c, n, "SA00017",
			"partnerLink '%s' has initializePartnerRole but no partnerRole",
			name ? name : "");
	if (!name)
		return;
	for (xmlNodePtr p = chk_elem_first(n->parent); p && p != n;
	     p = chk_elem_next(p))
		if (chk_is(p, "partnerLink") && chk_attr(p, "name") &&
		    strcmp(chk_attr(p, "name"), name) == 0) {
			chk_err(c, n, "SA00018",
				"partnerLink '%s' is declared twice in the same <partnerLinks>",
				name);
			break;
		}
}

void check_plink(struct chk *c)
{
	chk_walk(c, visit, NULL);
}
