/* test_check_scope.c — check_scope.c: handlers and scopes, one violating
 * and one conforming snippet per rule. */
#include "check_fixture.h"

static const struct check_case rows[] = {
	BAD("SA00003",
	    "<scope name='s' exitOnStandardFault='yes'><faultHandlers>"
	    "<catch faultName='bpel:selectionFailure'><empty/></catch></faultHandlers><empty/></scope>"),
	GOOD("SA00003",
	     "<scope name='s' exitOnStandardFault='yes'><faultHandlers>"
	     "<catch faultName='bpel:joinFailure'><empty/></catch></faultHandlers><empty/></scope>"),
	BAD("SA00003",
	    "<scope name='o' exitOnStandardFault='yes'><scope name='s'><faultHandlers>"
	    "<catch faultName='bpel:missingReply'><empty/></catch></faultHandlers><empty/></scope></scope>"),
	GOOD("SA00003",
	     "<scope name='o' exitOnStandardFault='yes'><scope name='s' exitOnStandardFault='no'>"
	     "<faultHandlers><catch faultName='bpel:missingReply'><empty/></catch></faultHandlers><empty/></scope></scope>"),
	BAD("SA00006", "<scope name='s'><rethrow/></scope>"),
	GOOD("SA00006",
	     "<scope name='s'><faultHandlers><catchAll><rethrow/></catchAll></faultHandlers><empty/></scope>"),
	BAD("SA00007", "<compensateScope target='s'/>"),
	GOOD("SA00007",
	     "<scope name='o'><faultHandlers><catchAll><compensateScope target='s'/></catchAll></faultHandlers>"
	     "<scope name='s'><compensationHandler><empty/></compensationHandler><empty/></scope></scope>"),
	BAD("SA00008", "<compensate/>"),
	GOOD("SA00008",
	     "<scope name='s'><faultHandlers><catchAll><compensate/></catchAll></faultHandlers><empty/></scope>"),
	BAD("SA00077",
	    "<scope name='o'><faultHandlers><catchAll><compensateScope target='x'/></catchAll></faultHandlers>"
	    "<scope name='s'><compensationHandler><empty/></compensationHandler><empty/></scope></scope>"),
	GOOD("SA00077",
	     "<scope name='o'><faultHandlers><catchAll><compensateScope target='s'/></catchAll></faultHandlers>"
	     "<sequence><scope name='s'><compensationHandler><empty/></compensationHandler><empty/></scope></sequence></scope>"),
	BAD("SA00078",
	    "<scope name='o'><faultHandlers><catchAll><compensateScope target='s'/></catchAll></faultHandlers>"
	    "<scope name='s'><empty/></scope></scope>"),
	GOOD("SA00078",
	     "<scope name='o'><faultHandlers><catchAll><compensateScope target='s'/></catchAll></faultHandlers>"
	     "<scope name='s'><faultHandlers><catchAll><empty/></catchAll></faultHandlers><empty/></scope></scope>"),
	BAD("SA00079",
	    "<scope name='o'><faultHandlers><catchAll><scope name='r'><compensationHandler><empty/>"
	    "</compensationHandler><empty/></scope></catchAll></faultHandlers><empty/></scope>"),
	GOOD("SA00079",
	     "<scope name='o'><faultHandlers><catchAll><scope name='r'><empty/></scope></catchAll>"
	     "</faultHandlers><empty/></scope>"),
	BAD("SA00080", "<scope name='s'><faultHandlers/><empty/></scope>"),
	GOOD("SA00080",
	     "<scope name='s'><faultHandlers><catchAll><empty/></catchAll></faultHandlers><empty/></scope>"),
	BAD("SA00081",
	    "<scope name='s'><faultHandlers><catch faultName='tns:x' faultVariable='v'><empty/></catch>"
	    "</faultHandlers><empty/></scope>"),
	GOOD("SA00081",
	     "<scope name='s'><faultHandlers><catch faultName='tns:x' faultVariable='v' "
	     "faultMessageType='tns:faultMsg'><empty/></catch></faultHandlers><empty/></scope>"),
	BAD("SA00083", "<scope name='s'><eventHandlers/><empty/></scope>"),
	GOOD("SA00083",
	     "<scope name='s'><eventHandlers><onAlarm><for>'PT1S'</for><scope><empty/></scope></onAlarm>"
	     "</eventHandlers><empty/></scope>"),
	BAD("SA00091",
	    "<scope name='a' isolated='yes'><sequence><scope name='b' isolated='yes'><empty/></scope>"
	    "</sequence></scope>"),
	GOOD("SA00091",
	     "<scope name='a' isolated='yes'><scope name='b'><empty/></scope></scope>"),
	BAD("SA00092",
	    "<flow><scope name='x'><empty/></scope><sequence><scope name='x'><empty/></scope></sequence></flow>"),
	GOOD("SA00092",
	     "<flow><scope name='x'><scope name='y'><empty/></scope></scope><scope name='y'><empty/></scope></flow>"),
	BAD("SA00093",
	    "<scope name='s'><faultHandlers><catch faultName='tns:x'><empty/></catch>"
	    "<catch faultName='tns:x'><empty/></catch></faultHandlers><empty/></scope>"),
	GOOD("SA00093",
	     "<scope name='s'><faultHandlers><catch faultName='tns:x'><empty/></catch>"
	     "<catch faultName='tns:y'><empty/></catch></faultHandlers><empty/></scope>"),
};

START_TEST(check_scope_rules)
{
	check_expect(&rows[_i], _i);
}
END_TEST

Suite *check_scope_suite(void);
Suite *check_scope_suite(void)
{
	Suite *s = suite_create("check_scope");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, check_scope_rules, 0, CHECK_NROWS(rows));
	suite_add_tcase(s, tc);
	return s;
}
