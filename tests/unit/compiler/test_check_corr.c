/* test_check_corr.c — check_corr.c and check_start.c: correlation and
 * start activities, one violating and one conforming snippet per rule. */
#include "check_fixture.h"

#define PL                                                                                                       \
	"<partnerLinks><partnerLink name='pl' partnerLinkType='tns:PLT' myRole='me'/>"                           \
	"<partnerLink name='pp' partnerLinkType='tns:PPLT' partnerRole='them'/></partnerLinks>"                  \
	"<variables><variable name='in' messageType='tns:inMsg'/><variable name='in2' messageType='tns:inMsg'/>" \
	"<variable name='two' messageType='tns:twoMsg'/></variables>"                                            \
	"<correlationSets><correlationSet name='cs' properties='tns:id'/><correlationSet name='cs2' properties='tns:id'/></correlationSets>"
#define RCV(v, corr)                                               \
	"<receive partnerLink='pl' operation='async' variable='" v \
	"' createInstance='yes'>" corr "</receive>"
#define CORR(set, ini)                                            \
	"<correlations><correlation set='" set "' initiate='" ini \
	"'/></correlations>"

static const struct check_case rows[] = {
	BAD("SA00021",
	    "<receive partnerLink='pl' operation='two' variable='two'>" CORR(
		    "cs", "no") "</receive>"),
	GOOD("SA00021",
	     "<receive partnerLink='pl' operation='async' variable='in'>" CORR(
		     "cs", "no") "</receive>"),
	BAD("SA00044",
	    "<scope><correlationSets><correlationSet name='c' properties='tns:id'/>"
	    "<correlationSet name='c' properties='tns:id'/></correlationSets><empty/></scope>"),
	GOOD("SA00044",
	     "<scope><correlationSets><correlationSet name='cs' properties='tns:id'/></correlationSets><empty/></scope>"),
	{ .rule = "SA00045",
	  .bad = true,
	  .wsdl = "<vprop:property name='cp' type='tns:ct'/>",
	  .body = "<scope><correlationSets><correlationSet name='c' properties='tns:cp'/></correlationSets><empty/></scope>" },
	{ .rule = "SA00045",
	  .bad = false,
	  .wsdl = "<vprop:property name='cp' type='xsd:string'/>",
	  .body = "<scope><correlationSets><correlationSet name='c' properties='tns:cp'/></correlationSets><empty/></scope>" },
	BAD("SA00046",
	    "<invoke partnerLink='pp' operation='call' inputVariable='in' outputVariable='out'>"
	    "<correlations><correlation set='cs' initiate='yes'/></correlations></invoke>"),
	GOOD("SA00046",
	     "<invoke partnerLink='pp' operation='call' inputVariable='in' outputVariable='out'>"
	     "<correlations><correlation set='cs' initiate='yes' pattern='request-response'/></correlations></invoke>"),
	BAD("SA00088",
	    "<scope><eventHandlers><onEvent partnerLink='pl' operation='async' variable='v' messageType='tns:inMsg'>"
	    "<correlations><correlation set='nope'/></correlations><scope><empty/></scope></onEvent></eventHandlers><empty/></scope>"),
	GOOD("SA00088",
	     "<scope><eventHandlers><onEvent partnerLink='pl' operation='async' variable='v' messageType='tns:inMsg'>"
	     "<correlations><correlation set='cs'/></correlations><scope><empty/></scope></onEvent></eventHandlers><empty/></scope>"),
	{ .rule = "SA00015",
	  .bad = true,
	  .proc = PL
	  "<receive partnerLink='pl' operation='async' variable='in'/>" },
	{ .rule = "SA00015", .bad = false, .proc = PL RCV("in", "") },
	{ .rule = "SA00056",
	  .bad = true,
	  .proc = PL "<sequence><empty/>" RCV("in", "") "</sequence>" },
	{ .rule = "SA00056",
	  .bad = true,
	  .proc = PL "<flow>" RCV("in", "") "<empty/></flow>" },
	{ .rule = "SA00056",
	  .bad = false,
	  .proc = PL
	  "<sequence><scope>" RCV("in", "") "</scope><empty/></sequence>" },
	{ .rule = "SA00057",
	  .bad = true,
	  .proc = PL "<flow>" RCV("in", CORR("cs", "yes"))
		  RCV("in2", CORR("cs", "join")) "</flow>" },
	{ .rule = "SA00057",
	  .bad = true,
	  .proc = PL "<flow>" RCV("in", CORR("cs", "join"))
		  RCV("in2", "") "</flow>" },
	{ .rule = "SA00057",
	  .bad = false,
	  .proc = PL "<flow>" RCV("in", CORR("cs", "join"))
		  RCV("in2", CORR("cs", "join")) "</flow>" },
};

START_TEST(check_corr_rules)
{
	check_expect(&rows[_i], _i);
}
END_TEST

Suite *check_corr_suite(void);
Suite *check_corr_suite(void)
{
	Suite *s = suite_create("check_corr");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, check_corr_rules, 0, CHECK_NROWS(rows));
	suite_add_tcase(s, tc);
	return s;
}
