/* test_check_links.c — check_links.c: flow links, one violating and one
 * conforming snippet per rule. */
#include "check_fixture.h"

#define FLOW(links, body) "<flow><links>" links "</links>" body "</flow>"
#define L(n) "<link name='" n "'/>"
#define SRC(n) "<sources><source linkName='" n "'/></sources>"
#define TGT(n) "<targets><target linkName='" n "'/></targets>"

static const struct check_case rows[] = {
	BAD("SA00064",
	    FLOW(L("a") L("a"),
		 "<empty>" SRC("a") "</empty><empty>" TGT("a") "</empty>")),
	GOOD("SA00064", FLOW(L("a"), "<empty>" SRC("a") "</empty><empty>" TGT(
					     "a") "</empty>")),
	BAD("SA00065", FLOW(L("a"), "<empty>" SRC("b") "</empty><empty>" TGT(
					    "a") "</empty>")),
	GOOD("SA00065",
	     FLOW(L("a"),
		  "<sequence><empty>" SRC("a") "</empty></sequence><empty>" TGT(
			  "a") "</empty>")),
	BAD("SA00066", FLOW(L("a"), "<empty>" SRC("a") "</empty><empty/>")),
	GOOD("SA00066", FLOW(L("a"), "<empty>" SRC("a") "</empty><empty>" TGT(
					     "a") "</empty>")),
	BAD("SA00067",
	    FLOW(L("a") L("b"),
		 "<empty><sources><source linkName='a'/><source linkName='b'/></sources></empty>"
		 "<empty><targets><target linkName='a'/><target linkName='b'/></targets></empty>")),
	GOOD("SA00067",
	     FLOW(L("a") L("b"),
		  "<empty><sources><source linkName='a'/><source linkName='b'/></sources></empty>"
		  "<empty>" TGT("a") "</empty><empty>" TGT("b") "</empty>")),
	BAD("SA00068",
	    FLOW(L("a"),
		 "<empty><sources><source linkName='a'/><source linkName='a'/></sources></empty>"
		 "<empty>" TGT("a") "</empty>")),
	GOOD("SA00068", FLOW(L("a"), "<empty>" SRC("a") "</empty><empty>" TGT(
					     "a") "</empty>")),
	BAD("SA00069",
	    FLOW(L("a"),
		 "<empty>" SRC(
			 "a") "</empty>"
			      "<empty><targets><target linkName='a'/><target linkName='a'/></targets></empty>")),
	GOOD("SA00069", FLOW(L("a"), "<empty>" SRC("a") "</empty><empty>" TGT(
					     "a") "</empty>")),
	BAD("SA00070",
	    FLOW(L("a"), "<while><condition>false()</condition><empty>" SRC(
				 "a") "</empty></while>"
				      "<empty>" TGT("a") "</empty>")),
	GOOD("SA00070",
	     "<while><condition>false()</condition>" FLOW(
		     L("a"), "<empty>" SRC("a") "</empty><empty>" TGT(
				     "a") "</empty>") "</while>"),
	BAD("SA00071",
	    FLOW(L("a"),
		 "<empty>" SRC("a") "</empty><scope><faultHandlers><catchAll><empty>" TGT(
			 "a") "</empty></catchAll></faultHandlers><empty/></scope>")),
	GOOD("SA00071",
	     FLOW(L("a"),
		  "<scope><faultHandlers><catchAll><empty>" SRC("a") "</empty></catchAll></faultHandlers><empty/></scope><empty>" TGT(
			  "a") "</empty>")),
	BAD("SA00072", FLOW(L("a") L("b"),
			    "<empty name='x'>" TGT("b")
				    SRC("a") "</empty><empty name='y'>" TGT("a")
					    SRC("b") "</empty>")),
	GOOD("SA00072", FLOW(L("a") L("b"),
			     "<empty name='x'>" SRC(
				     "a") "</empty><empty name='y'>" TGT("a")
				     SRC("b") "</empty><empty name='z'>" TGT(
					     "b") "</empty>")),
	BAD("SA00082",
	    FLOW(L("a") L("b"),
		 "<scope name='s1'><sequence><empty>" SRC("a") "</empty><empty>" TGT(
			 "b") "</empty></sequence></scope>"
			      "<scope name='s2'><sequence><empty>" TGT("a") "</empty><empty>" SRC(
				      "b") "</empty></sequence></scope>")),
	GOOD("SA00082",
	     FLOW(L("a") L("b"),
		  "<scope name='s1'><sequence><empty>" SRC("a") "</empty><empty>" SRC(
			  "b") "</empty></sequence></scope>"
			       "<scope name='s2'><sequence><empty>" TGT("a") "</empty><empty>" TGT(
				       "b") "</empty></sequence></scope>")),
};

START_TEST(check_links_rules)
{
	check_expect(&rows[_i], _i);
}
END_TEST

Suite *check_links_suite(void);
Suite *check_links_suite(void)
{
	Suite *s = suite_create("check_links");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, check_links_rules, 0, CHECK_NROWS(rows));
	suite_add_tcase(s, tc);
	return s;
}
