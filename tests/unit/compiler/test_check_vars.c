/* test_check_vars.c — check_vars.c and check_plink.c: declarations of
 * variables and partner links, one violating and one conforming snippet
 * per rule. */
#include "check_fixture.h"

#define SCOPE_VARS(v, body) \
	"<scope name='sv'><variables>" v "</variables>" body "</scope>"
#define EV(attrs, inner)                                                                     \
	"<scope name='es'><eventHandlers><onEvent partnerLink='pl' operation='async' " attrs \
	">" inner "</onEvent></eventHandlers><empty/></scope>"
#define SCOPE_PL(p) \
	"<scope name='sp'><partnerLinks>" p "</partnerLinks><empty/></scope>"

static const struct check_case rows[] = {
	BAD("SA00016",
	    SCOPE_PL("<partnerLink name='x' partnerLinkType='tns:PLT'/>")),
	GOOD("SA00016",
	     SCOPE_PL(
		     "<partnerLink name='x' partnerLinkType='tns:PLT' myRole='me'/>")),
	BAD("SA00017",
	    SCOPE_PL(
		    "<partnerLink name='x' partnerLinkType='tns:PLT' myRole='me' initializePartnerRole='yes'/>")),
	GOOD("SA00017",
	     SCOPE_PL(
		     "<partnerLink name='x' partnerLinkType='tns:PPLT' partnerRole='them' initializePartnerRole='yes'/>")),
	BAD("SA00018",
	    SCOPE_PL(
		    "<partnerLink name='x' partnerLinkType='tns:PLT' myRole='me'/>"
		    "<partnerLink name='x' partnerLinkType='tns:PLT' myRole='me'/>")),
	GOOD("SA00018",
	     SCOPE_PL(
		     "<partnerLink name='pl' partnerLinkType='tns:PLT' myRole='me'/>")),
	BAD("SA00023",
	    SCOPE_VARS(
		    "<variable name='v' type='xsd:int'/><variable name='v' type='xsd:int'/>",
		    "<empty/>")),
	GOOD("SA00023",
	     SCOPE_VARS("<variable name='i' type='xsd:int'/>", "<empty/>")),
	BAD("SA00024",
	    SCOPE_VARS("<variable name='a.b' type='xsd:int'/>", "<empty/>")),
	GOOD("SA00024",
	     SCOPE_VARS("<variable name='a_b' type='xsd:int'/>", "<empty/>")),
	BAD("SA00025",
	    SCOPE_VARS("<variable name='v' type='xsd:int' element='tns:req'/>",
		       "<empty/>")),
	BAD("SA00025", SCOPE_VARS("<variable name='v'/>", "<empty/>")),
	GOOD("SA00025",
	     SCOPE_VARS("<variable name='v' element='tns:req'/>", "<empty/>")),
	{ .rule = "SA00026",
	  .bad = true,
	  .proc = "<partnerLinks><partnerLink name='pl' partnerLinkType='tns:PLT' myRole='me'/></partnerLinks>"
		  "<variables><variable name='in' messageType='tns:inMsg'/>"
		  "<variable name='t' type='xsd:string'><from>current-dateTime()</from></variable></variables>"
		  "<receive partnerLink='pl' operation='async' variable='in' createInstance='yes'/>" },
	{ .rule = "SA00026",
	  .bad = false,
	  .proc = "<partnerLinks><partnerLink name='pl' partnerLinkType='tns:PLT' myRole='me'/></partnerLinks>"
		  "<variables><variable name='in' messageType='tns:inMsg'/>"
		  "<variable name='t' type='xsd:string'><from>concat('a', 'b')</from></variable></variables>"
		  "<receive partnerLink='pl' operation='async' variable='in' createInstance='yes'/>" },
	BAD("SA00076",
	    "<forEach counterName='n' parallel='no'><startCounterValue>1</startCounterValue>"
	    "<finalCounterValue>2</finalCounterValue><scope><variables><variable name='n' type='xsd:int'/>"
	    "</variables><empty/></scope></forEach>"),
	GOOD("SA00076",
	     "<forEach counterName='n' parallel='no'><startCounterValue>1</startCounterValue>"
	     "<finalCounterValue>2</finalCounterValue><scope><variables><variable name='m' type='xsd:int'/>"
	     "</variables><empty/></scope></forEach>"),
	BAD("SA00086",
	    EV("variable='v' messageType='tns:inMsg'",
	       "<scope><variables><variable name='v' "
	       "messageType='tns:inMsg'/></variables><empty/></scope>")),
	GOOD("SA00086",
	     EV("variable='v' messageType='tns:inMsg'",
		"<scope><variables><variable name='w' "
		"messageType='tns:inMsg'/></variables><empty/></scope>")),
	BAD("SA00095",
	    EV("variable='v' messageType='tns:inMsg'",
	       "<scope><empty/></scope>") "<assign><copy><from variable='v' part='inputPart'/><to variable='i'/></copy></assign>"),
	GOOD("SA00095",
	     EV("variable='v' messageType='tns:inMsg'",
		"<scope><assign><copy><from variable='v' part='inputPart'/>"
		"<to variable='i'/></copy></assign></scope>")),
};

START_TEST(check_vars_rules)
{
	check_expect(&rows[_i], _i);
}
END_TEST

Suite *check_vars_suite(void);
Suite *check_vars_suite(void)
{
	Suite *s = suite_create("check_vars");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, check_vars_rules, 0, CHECK_NROWS(rows));
	suite_add_tcase(s, tc);
	return s;
}
