/* test_check_wsdl.c — check_wsdl.c and check_props.c: imported
 * definitions, languages, extensions and vprop: definitions, one violating
 * and one conforming snippet per rule. */
#include "check_fixture.h"

#define W(r, b, w)                                   \
	{                                            \
		.rule = (r), .bad = (b), .wsdl = (w) \
	}
#define S(r, b, x)                                     \
	{                                              \
		.rule = (r), .bad = (b), .schema = (x) \
	}

static const struct check_case rows[] = {
	W("SA00001", true,
	  "<portType name='N'><operation name='n'><output message='tns:outMsg'/></operation></portType>"),
	W("SA00001", true,
	  "<portType name='N'><operation name='n'><output message='tns:outMsg'/><input message='tns:inMsg'/></operation></portType>"),
	W("SA00001", false,
	  "<portType name='N'><operation name='n'><input message='tns:inMsg'/><output message='tns:outMsg'/></operation></portType>"),
	W("SA00002", true,
	  "<portType name='N'><operation name='n'><input message='tns:inMsg'/></operation>"
	  "<operation name='n'><input message='tns:outMsg'/></operation></portType>"),
	W("SA00002", false,
	  "<portType name='N'><operation name='n'><input message='tns:inMsg'/></operation>"
	  "<operation name='m'><input message='tns:outMsg'/></operation></portType>"),
	W("SA00014", true,
	  "<message name='inMsg'><part name='x' type='xsd:int'/></message>"),
	W("SA00014", false,
	  "<message name='inMsg2'><part name='x' type='xsd:int'/></message>"),
	S("SA00014", true,
	  "<xsd:simpleType name='ct'><xsd:restriction base='xsd:int'/></xsd:simpleType>"),
	S("SA00014", false,
	  "<xsd:simpleType name='st'><xsd:restriction base='xsd:int'/></xsd:simpleType>"),
	W("SA00019", true,
	  "<vprop:property name='p' type='xsd:int' element='tns:req'/>"),
	W("SA00019", true, "<vprop:property name='p'/>"),
	W("SA00019", false, "<vprop:property name='p' element='tns:req'/>"),
	W("SA00020", true,
	  "<vprop:propertyAlias propertyName='tns:id' messageType='tns:twoMsg'/>"),
	W("SA00020", true,
	  "<vprop:propertyAlias propertyName='tns:id' part='a' type='xsd:int'/>"),
	W("SA00020", false,
	  "<vprop:propertyAlias propertyName='tns:id' messageType='tns:twoMsg' part='a'/>"),
	W("SA00022", true,
	  "<vprop:propertyAlias propertyName='tns:id' messageType='tns:inMsg' part='inputPart'/>"),
	W("SA00022", false,
	  "<vprop:propertyAlias propertyName='tns:id' element='tns:req'/>"),
	W("SA00029", true,
	  "<vprop:propertyAlias propertyName='tns:id' messageType='tns:twoMsg' part='a'>"
	  "<vprop:query>$x/a</vprop:query></vprop:propertyAlias>"),
	W("SA00029", true,
	  "<vprop:propertyAlias propertyName='tns:id' messageType='tns:twoMsg' part='a'>"
	  "<vprop:query>bpel:getVariableProperty('a','b')</vprop:query></vprop:propertyAlias>"),
	W("SA00029", false,
	  "<vprop:propertyAlias propertyName='tns:id' messageType='tns:twoMsg' part='a'>"
	  "<vprop:query>tns:a</vprop:query></vprop:propertyAlias>"),
	BAD("SA00004",
	    "<if><condition expressionLanguage='urn:x'>true()</condition><empty/></if>"),
	GOOD("SA00004",
	     "<if><condition expressionLanguage='urn:oasis:names:tc:wsbpel:2.0:sublang:xpath1.0'>true()</condition><empty/></if>"),
};

static const char proc_ext[] =
	"<extensions><extension namespace='urn:ext' mustUnderstand='%s'/></extensions>"
	"<partnerLinks><partnerLink name='pl' partnerLinkType='tns:PLT' myRole='me'/></partnerLinks>"
	"<variables><variable name='in' messageType='tns:inMsg'/></variables>"
	"<receive partnerLink='pl' operation='async' variable='in' createInstance='yes'/>";

START_TEST(check_wsdl_rules)
{
	check_expect(&rows[_i], _i);
}
END_TEST

START_TEST(check_wsdl_extensions)
{
	char proc[1024];
	snprintf(proc, sizeof(proc), proc_ext, _i ? "no" : "yes");
	struct check_case k = { .rule = "SA00009",
				.bad = _i == 0,
				.proc = proc };
	check_expect(&k, _i);
}
END_TEST

Suite *check_wsdl_suite(void);
Suite *check_wsdl_suite(void)
{
	Suite *s = suite_create("check_wsdl");
	TCase *tc = tcase_create("rules");
	tcase_add_loop_test(tc, check_wsdl_rules, 0, CHECK_NROWS(rows));
	tcase_add_loop_test(tc, check_wsdl_extensions, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
