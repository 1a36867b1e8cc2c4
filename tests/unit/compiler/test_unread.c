/*
 * test_unread.c — variables nothing reads (unread.c): only a variable
 * that is declared and written by <receive>/<onMessage>, and named
 * nowhere else, is unread; every other mention counts as a read.
 */
#include <check.h>
#include <string.h>

#include <libxml/parser.h>

#include "arena.h"
#include "unread.h"

#define P_OPEN                                                              \
	"<process name='p' targetNamespace='urn:p' "                        \
	"xmlns='http://docs.oasis-open.org/wsbpel/2.0/process/executable' " \
	"xmlns:tns='urn:t' xmlns:x='urn:other'>"                            \
	"<variables><variable name='v' messageType='tns:v'/>"               \
	"<variable name='w' element='tns:w'/></variables>"
#define P_CLOSE "</process>"

/* Is `v` unread in a process whose activities are `body`? */
static bool v_unread(const char *body)
{
	char xml[4096];
	snprintf(xml, sizeof xml, "%s%s%s", P_OPEN, body, P_CLOSE);
	xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), NULL, NULL, 0);
	ck_assert_ptr_nonnull(doc);
	struct arena *a = arena_new();
	bool r = unread_is(unread_scan(a, doc), "v");
	arena_free(a);
	xmlFreeDoc(doc);
	return r;
}

START_TEST(unread_only_received)
{
	/* The receive's own name, partner link and operation, and the
	 * link and correlation set named v, do not read the variable. */
	ck_assert(v_unread("<sequence><receive name='v' partnerLink='v' "
			   "operation='v' variable='v' createInstance='yes'/>"
			   "<pick><onMessage partnerLink='c' operation='o' "
			   "variable='v'><empty name='v'/></onMessage></pick>"
			   "<assign><copy><from>$w</from><to variable='w'/>"
			   "</copy></assign><flow><links><link name='v'/>"
			   "</links><empty><sources><source linkName='v'/>"
			   "</sources></empty></flow></sequence>"));
	ck_assert(v_unread("<empty/>"));
}
END_TEST

START_TEST(unread_every_read_counts)
{
	static const char *const reads[] = {
		"<if><condition>$v.p = 1</condition><empty/></if>",
		"<if><condition>string($v)</condition><empty/></if>",
		"<if><condition>bpel:getVariableProperty('v', 'tns:id')"
		"</condition><empty/></if>",
		"<assign><copy><from variable='v' part='p'/>"
		"<to variable='w'/></copy></assign>",
		"<assign><copy><from>1</from><to variable='v' part='p'>"
		"<query>a</query></to></copy></assign>",
		"<assign><copy><from>1</from><to>$v.p/a</to></copy></assign>",
		"<reply partnerLink='c' operation='o' variable='v'/>",
		"<invoke partnerLink='c' operation='o' inputVariable='v'/>",
		"<invoke partnerLink='c' operation='o' outputVariable='v'/>",
		"<throw faultName='tns:f' faultVariable='v'/>",
		"<validate variables='w v'/>",
		"<reply partnerLink='c' operation='o'><toParts>"
		"<toPart part='p' fromVariable='v'/></toParts></reply>",
		"<scope><eventHandlers><onEvent partnerLink='c' operation='o' "
		"variable='v' messageType='tns:v'><scope><empty/></scope>"
		"</onEvent></eventHandlers><empty/></scope>",
		/* a receive that is not WS-BPEL's */
		"<extensionActivity><x:receive variable='v'/></extensionActivity>",
		/* the same name in any expression, even for a link */
		"<flow><links><link name='v'/></links><empty><targets>"
		"<joinCondition>$v</joinCondition><target linkName='v'/>"
		"</targets></empty></flow>",
	};
	for (size_t i = 0; i < sizeof reads / sizeof *reads; i++)
		ck_assert_msg(!v_unread(reads[i]), "read not seen: %s",
			      reads[i]);
}
END_TEST

START_TEST(unread_nothing_without_a_document)
{
	struct arena *a = arena_new();
	ck_assert(!unread_is(unread_scan(a, NULL), "v"));
	ck_assert(!unread_is(NULL, "v"));
	arena_free(a);
}
END_TEST

Suite *unread_suite(void);
Suite *unread_suite(void)
{
	Suite *s = suite_create("unread");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, unread_only_received);
	tcase_add_test(tc, unread_every_read_counts);
	tcase_add_test(tc, unread_nothing_without_a_document);
	suite_add_tcase(s, tc);
	return s;
}
