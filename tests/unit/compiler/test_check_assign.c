/* test_check_assign.c — check_assign.c: from-spec/to-spec forms and copy
 * rules, one violating and one conforming snippet per rule. */
#include "check_fixture.h"

#define COPY(f, t) "<assign><copy>" f t "</copy></assign>"
#define COPYK(k, f, t) \
	"<assign><copy keepSrcElementName='" k "'>" f t "</copy></assign>"

static const struct check_case rows[] = {
	BAD("SA00032", COPY("<from variable='in' partnerLink='pl'/>",
			    "<to variable='i'/>")),
	BAD("SA00032",
	    COPY("<from><literal>1</literal>$i</from>", "<to variable='i'/>")),
	BAD("SA00032",
	    COPY("<from variable='in' part='inputPart'/>",
		 "<to partnerLink='pp' endpointReference='myRole'/>")),
	BAD("SA00032", COPY("<from/>", "<to variable='i'/>")),
	BAD("SA00032",
	    COPY("<from variable='in' property='tns:id' part='inputPart'/>",
		 "<to variable='i'/>")),
	GOOD("SA00032",
	     COPY("<from variable='in' part='inputPart'><query>.</query></from>",
		  "<to variable='i'/>")),
	GOOD("SA00032",
	     COPY("<from><literal>1</literal></from>", "<to variable='i'/>")),
	GOOD("SA00032", COPY("<from variable='in' property='tns:id'/>",
			     "<to variable='i'/>")),
	BAD("SA00033", COPY("<from>1</from>", "<to>concat('a', $s)</to>")),
	GOOD("SA00033", COPY("<from>1</from>", "<to>$in.inputPart</to>")),
	BAD("SA00034",
	    COPY("<from variable='i' part='x'/>", "<to variable='s'/>")),
	GOOD("SA00034", COPY("<from variable='in' part='inputPart'/>",
			     "<to variable='s'/>")),
	BAD("SA00035",
	    COPY("<from partnerLink='pp' endpointReference='myRole'/>",
		 "<to variable='e'/>")),
	GOOD("SA00035",
	     COPY("<from partnerLink='pl' endpointReference='myRole'/>",
		  "<to variable='e'/>")),
	BAD("SA00036",
	    COPY("<from partnerLink='pl' endpointReference='partnerRole'/>",
		 "<to variable='e'/>")),
	GOOD("SA00036",
	     COPY("<from partnerLink='pp' endpointReference='partnerRole'/>",
		  "<to variable='e'/>")),
	BAD("SA00037", COPY("<from variable='e'/>", "<to partnerLink='pl'/>")),
	GOOD("SA00037", COPY("<from variable='e'/>", "<to partnerLink='pp'/>")),
	BAD("SA00038",
	    COPY("<from><literal><tns:req>1</tns:req><tns:req>2</tns:req></literal></from>",
		 "<to variable='e'/>")),
	GOOD("SA00038",
	     COPY("<from><literal><tns:req>1</tns:req></literal></from>",
		  "<to variable='e'/>")),
	BAD("SA00042",
	    COPYK("no", "<from variable='in'/>", "<to variable='out'/>")),
	GOOD("SA00042",
	     COPYK("no", "<from variable='e'/>", "<to variable='e'/>")),
	BAD("SA00043", COPY("<from variable='in'/>", "<to variable='out'/>")),
	BAD("SA00043", COPY("<from variable='in'/>", "<to variable='i'/>")),
	GOOD("SA00043", COPY("<from variable='in'/>", "<to variable='in'/>")),
	BAD("SA00094",
	    COPYK("yes", "<from variable='e'/>", "<to variable='ce'/>")),
	GOOD("SA00094",
	     COPYK("yes", "<from variable='e'/>", "<to variable='e'/>")),
};

START_TEST(check_assign_rules)
{
	check_expect(&rows[_i], _i);
}
END_TEST

Suite *check_assign_suite(void);
Suite *check_assign_suite(void)
{
	Suite *s = suite_create("check_assign");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, check_assign_rules, 0, CHECK_NROWS(rows));
	suite_add_tcase(s, tc);
	return s;
}
