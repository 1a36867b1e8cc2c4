/* test_check_msg.c — check_msg.c: messaging activities and message
 * exchanges, one violating and one conforming snippet per rule. */
#include "check_fixture.h"

#define EV(attrs, inner)                                                                     \
	"<scope name='es'><eventHandlers><onEvent partnerLink='pl' operation='async' " attrs \
	">" inner "</onEvent></eventHandlers><empty/></scope>"
#define EVSCOPE "<scope><empty/></scope>"

static const struct check_case rows[] = {
	BAD("SA00005",
	    "<receive partnerLink='pl' portType='tns:PPT' operation='async' variable='in'/>"),
	GOOD("SA00005",
	     "<receive partnerLink='pl' portType='tns:PT' operation='async' variable='in'/>"),
	BAD("SA00047", "<invoke partnerLink='pp' operation='send'/>"),
	BAD("SA00047",
	    "<invoke partnerLink='pp' operation='call' inputVariable='in'/>"),
	GOOD("SA00047",
	     "<invoke partnerLink='pp' operation='call' inputVariable='in' outputVariable='out'/>"),
	BAD("SA00048",
	    "<invoke partnerLink='pp' operation='send' inputVariable='out'/>"),
	BAD("SA00048",
	    "<invoke partnerLink='pp' operation='call' inputVariable='i' outputVariable='out'/>"),
	GOOD("SA00048",
	     "<invoke partnerLink='pp' operation='callEl' inputVariable='e' outputVariable='out'/>"),
	BAD("SA00050",
	    "<invoke partnerLink='pp' operation='sendTwo'><toParts><toPart part='a' fromVariable='i'/></toParts></invoke>"),
	GOOD("SA00050",
	     "<invoke partnerLink='pp' operation='sendTwo'><toParts><toPart part='a' fromVariable='i'/>"
	     "<toPart part='b' fromVariable='s'/></toParts></invoke>"),
	BAD("SA00051",
	    "<invoke partnerLink='pp' operation='send' inputVariable='in'><toParts><toPart part='inputPart' fromVariable='i'/></toParts></invoke>"),
	GOOD("SA00051",
	     "<invoke partnerLink='pp' operation='send'><toParts><toPart part='inputPart' fromVariable='i'/></toParts></invoke>"),
	BAD("SA00052",
	    "<invoke partnerLink='pp' operation='call' inputVariable='in' outputVariable='out'>"
	    "<fromParts><fromPart part='outputPart' toVariable='i'/></fromParts></invoke>"),
	GOOD("SA00052",
	     "<invoke partnerLink='pp' operation='call' inputVariable='in'>"
	     "<fromParts><fromPart part='outputPart' toVariable='i'/></fromParts></invoke>"),
	BAD("SA00053",
	    "<receive partnerLink='pl' operation='async'><fromParts><fromPart part='nope' toVariable='i'/></fromParts></receive>"),
	GOOD("SA00053",
	     "<receive partnerLink='pl' operation='async'><fromParts><fromPart part='inputPart' toVariable='i'/></fromParts></receive>"),
	BAD("SA00054",
	    "<invoke partnerLink='pp' operation='send'><toParts><toPart part='nope' fromVariable='i'/>"
	    "<toPart part='inputPart' fromVariable='i'/></toParts></invoke>"),
	GOOD("SA00054",
	     "<invoke partnerLink='pp' operation='send'><toParts><toPart part='inputPart' fromVariable='i'/></toParts></invoke>"),
	BAD("SA00055",
	    "<receive partnerLink='pl' operation='async' variable='in'><fromParts><fromPart part='inputPart' toVariable='i'/></fromParts></receive>"),
	GOOD("SA00055",
	     "<receive partnerLink='pl' operation='async' variable='in'/>"),
	BAD("SA00058",
	    "<receive partnerLink='pl' operation='async' variable='out'/>"),
	GOOD("SA00058",
	     "<receive partnerLink='pl' operation='async' variable='in'/>"),
	BAD("SA00059",
	    "<reply partnerLink='pl' operation='sync' variable='out'><toParts><toPart part='outputPart' fromVariable='i'/></toParts></reply>"),
	GOOD("SA00059",
	     "<assign><copy><from>1</from><to variable='out' part='outputPart'/></copy></assign>"),
	BAD("SA00060",
	    "<flow><sequence><receive partnerLink='pl' operation='sync2' variable='in'/>"
	    "<reply partnerLink='pl' operation='sync2' variable='out'/></sequence>"
	    "<sequence><receive partnerLink='pl' operation='sync2' variable='in'/>"
	    "<reply partnerLink='pl' operation='sync2' variable='out'/></sequence></flow>"),
	{ .rule = "SA00060",
	  .bad = false,
	  .decls =
		  "<messageExchanges><messageExchange name='m1'/><messageExchange name='m2'/></messageExchanges>",
	  .body = "<flow><sequence><receive partnerLink='pl' operation='sync2' variable='in' messageExchange='m1'/>"
		  "<reply partnerLink='pl' operation='sync2' variable='out' messageExchange='m1'/></sequence>"
		  "<sequence><receive partnerLink='pl' operation='sync2' variable='in' messageExchange='m2'/>"
		  "<reply partnerLink='pl' operation='sync2' variable='out' messageExchange='m2'/></sequence></flow>" },
	BAD("SA00061",
	    "<receive partnerLink='pl' operation='sync2' variable='in' messageExchange='nope'/>"
	    "<reply partnerLink='pl' operation='sync2' variable='out' messageExchange='nope'/>"),
	{ .rule = "SA00061",
	  .bad = true,
	  .decls =
		  "<messageExchanges><messageExchange name='m'/></messageExchanges>",
	  .body = "<receive partnerLink='pl' operation='sync2' variable='in' messageExchange='m'/>"
		  "<reply partnerLink='pl' operation='sync2' variable='out'/>" },
	{ .rule = "SA00061",
	  .bad = false,
	  .decls =
		  "<messageExchanges><messageExchange name='m'/></messageExchanges>",
	  .body = "<receive partnerLink='pl' operation='sync2' variable='in' messageExchange='m'/>"
		  "<reply partnerLink='pl' operation='sync2' variable='out' messageExchange='m'/>" },
	BAD("SA00063",
	    "<pick><onMessage partnerLink='pl' operation='async' variable='in'><fromParts><fromPart part='inputPart' toVariable='i'/>"
	    "</fromParts><empty/></onMessage></pick>"),
	GOOD("SA00063",
	     "<pick><onMessage partnerLink='pl' operation='async' variable='in'><empty/></onMessage></pick>"),
	BAD("SA00084",
	    EV("variable='v' messageType='tns:inMsg'",
	       "<scope><partnerLinks><partnerLink name='pl' "
	       "partnerLinkType='tns:PPLT' partnerRole='them'/></partnerLinks><empty/></scope>")),
	GOOD("SA00084", EV("variable='v' messageType='tns:inMsg'", EVSCOPE)),
	BAD("SA00085",
	    EV("variable='v' messageType='tns:inMsg'",
	       "<fromParts><fromPart part='inputPart' toVariable='x'/></fromParts>" EVSCOPE)),
	GOOD("SA00085",
	     EV("",
		"<fromParts><fromPart part='inputPart' toVariable='x'/></fromParts>" EVSCOPE)),
	BAD("SA00087", EV("variable='v' messageType='tns:outMsg'", EVSCOPE)),
	GOOD("SA00087", EV("variable='v' messageType='tns:inMsg'", EVSCOPE)),
	BAD("SA00089",
	    EV("variable='v' messageType='tns:inMsg' messageExchange='nope'",
	       EVSCOPE)),
	GOOD("SA00089",
	     EV("variable='v' messageType='tns:inMsg' messageExchange='m'",
		"<scope><messageExchanges><messageExchange name='m'/></messageExchanges><empty/></scope>")),
	BAD("SA00090", EV("variable='v'", EVSCOPE)),
	GOOD("SA00090", EV("variable='v' messageType='tns:inMsg'", EVSCOPE)),
};

static const struct check_case start_pick[] = {
	{ .rule = "SA00062",
	  .bad = true,
	  .proc = "<partnerLinks><partnerLink name='pl' partnerLinkType='tns:PLT' myRole='me'/></partnerLinks>"
		  "<variables><variable name='in' messageType='tns:inMsg'/></variables>"
		  "<pick createInstance='yes'><onMessage partnerLink='pl' operation='async' variable='in'><empty/></onMessage>"
		  "<onAlarm><for>'PT1S'</for><empty/></onAlarm></pick>" },
	{ .rule = "SA00062",
	  .bad = false,
	  .proc = "<partnerLinks><partnerLink name='pl' partnerLinkType='tns:PLT' myRole='me'/></partnerLinks>"
		  "<variables><variable name='in' messageType='tns:inMsg'/></variables>"
		  "<pick createInstance='yes'><onMessage partnerLink='pl' operation='async' variable='in'><empty/></onMessage></pick>" },
};

START_TEST(check_msg_rules)
{
	check_expect(&rows[_i], _i);
}
END_TEST

START_TEST(check_msg_start_pick)
{
	check_expect(&start_pick[_i], _i);
}
END_TEST

Suite *check_msg_suite(void);
Suite *check_msg_suite(void)
{
	Suite *s = suite_create("check_msg");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, check_msg_rules, 0, CHECK_NROWS(rows));
	tcase_add_loop_test(tc, check_msg_start_pick, 0,
			    CHECK_NROWS(start_pick));
	suite_add_tcase(s, tc);
	return s;
}
