/*
 * test_nocopy.c — the copies the request path leaves out (issue 6): an
 * inbound Body moved into its message value rather than copied
 * (brt__soap_take_message), and a message variable lent to a reply or an
 * invoke rather than copied (brt__dx_message_lend). The results must be
 * what the copying paths give: same tree, namespaces still declared after
 * the envelope is gone, the variable untouched and still its own.
 */
#include "data_kit.h"

#define ENV_OPEN                                                     \
	"<soapenv:Envelope "                                         \
	"xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/' " \
	"xmlns:t='urn:t' xmlns:q='urn:q'><soapenv:Body>"
#define ENV_CLOSE "</soapenv:Body></soapenv:Envelope>"

static const struct brt_part in_parts[] = {
	{ "payload", { "urn:t", "req" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message in_msg = { { "urn:t", "InMsg" }, 1, in_parts };
static const struct brt_operation doc_op = {
	"process",
	"urn:t",
	"urn:t/process",
	BRT_STYLE_DOCUMENT,
	NULL,
	&in_msg,
	NULL,
	0,
	NULL,
};
static const struct brt_part rpc_parts[] = {
	{ "a", { NULL, NULL }, { DK_XSD, "int" }, BRT_XSD_NUMBER },
	{ "e", { "urn:t", "req" }, { NULL, NULL }, BRT_XSD_COMPLEX },
};
static const struct brt_message rpc_msg = { { "urn:r", "M" }, 2, rpc_parts };
static const struct brt_operation rpc_op = {
	"add", "urn:r", "", BRT_STYLE_RPC, "urn:rpc", &rpc_msg, NULL, 0, NULL,
};

static char *dump_doc(xmlDocPtr d)
{
	size_t len;
	char *s = brt__soap_serialize(d, &len);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* The message of `env_xml` made by copying and by taking, each from its
 * own parse; the envelope of the taken one is freed before the result is
 * read. Both serialisations must be equal. */
static void same_as_copy(const char *env_xml, const struct brt_operation *op,
			 const char *must_have)
{
	const char *why = NULL;
	xmlDocPtr e1 = brt__soap_parse(env_xml, strlen(env_xml), &why);
	xmlDocPtr e2 = brt__soap_parse(env_xml, strlen(env_xml), &why);
	ck_assert_ptr_nonnull(e1);
	ck_assert_ptr_nonnull(e2);
	xmlNodePtr b1, b2;
	brt__soap_body_first(e1, &b1);
	brt__soap_body_first(e2, &b2);
	xmlDocPtr copied = brt__soap_to_message(b1, op, op->input, false, &why);
	xmlDocPtr taken =
		brt__soap_take_message(b2, op, op->input, false, &why);
	ck_assert_ptr_nonnull(copied);
	ck_assert_msg(taken != NULL, "%s", why);
	xmlFreeDoc(e1);
	xmlFreeDoc(e2); /* the taken nodes must not depend on it */
	char *s1 = dump_doc(copied), *s2 = dump_doc(taken);
	ck_assert_str_eq(s2, s1);
	ck_assert_msg(strstr(s2, must_have) != NULL, "%s", s2);
	/* Every node belongs to the message's document. */
	xmlNodePtr part = xmlDocGetRootElement(taken)->children;
	for (xmlNodePtr n = part; n; n = n->children)
		ck_assert_ptr_eq(n->doc, taken);
	xmlFree(s1);
	xmlFree(s2);
	xmlFreeDoc(copied);
	xmlFreeDoc(taken);
}

START_TEST(nocopy_take_document_message)
{
	/* t is declared on the Envelope, q only used in content (xsi:type):
	 * both must be declared in the message once the envelope is gone. */
	same_as_copy(ENV_OPEN
		     "<t:req xmlns:xsi='http://www.w3.org/2001/XMLSchema-"
		     "instance' xsi:type='q:T' a='1'><t:v>42</t:v>"
		     "<w>some longer text</w></t:req>" ENV_CLOSE,
		     &doc_op, "xmlns:q=\"urn:q\"");
}
END_TEST

START_TEST(nocopy_take_rpc_message)
{
	same_as_copy(ENV_OPEN
		     "<m:add xmlns:m='urn:rpc'><a>7</a>"
		     "<e><t:req><t:v>x</t:v></t:req></e></m:add>" ENV_CLOSE,
		     &rpc_op, "<t:req xmlns:t=\"urn:t\">");
}
END_TEST

START_TEST(nocopy_take_refuses_misfit)
{
	const char *x = ENV_OPEN "<t:other/>" ENV_CLOSE;
	const char *why = NULL;
	xmlDocPtr env = brt__soap_parse(x, strlen(x), &why);
	xmlNodePtr body;
	brt__soap_body_first(env, &body);
	ck_assert_ptr_null(
		brt__soap_take_message(body, &doc_op, &in_msg, false, &why));
	ck_assert_ptr_nonnull(why);
	xmlFreeDoc(env);
}
END_TEST

#define MSG_XML                                                             \
	"<message><order><t:order xmlns:t='urn:t'><t:id>4</t:id></t:order>" \
	"</order><count>3</count></message>"

static const struct brt_process n_proc = {
	.name = "kit",
	.source = "kit.bpel",
	.nvars = DK_NVARS,
	.vars = dk_vars,
};

START_TEST(nocopy_lend_message_variable)
{
	struct brt_dctx d;
	dk_begin(&d, &n_proc);
	dk_set(DK_V_MSG, MSG_XML);
	xmlDocPtr out = NULL;
	bool lent = false;
	ck_assert_int_eq(brt__dx_message_lend(&d, DK_V_MSG, 0, NULL, &dk_msg,
					      &out, &lent),
			 0);
	ck_assert(lent);
	ck_assert_ptr_eq(out, dk_slots[DK_V_MSG]);
	/* Without a place for the flag: a copy, as before. */
	ck_assert_int_eq(brt__dx_message(&d, DK_V_MSG, 0, NULL, &dk_msg, &out),
			 0);
	ck_assert_ptr_ne(out, dk_slots[DK_V_MSG]);
	xmlFreeDoc(out);
	dk_end(&d);
}
END_TEST

START_TEST(nocopy_lend_builds_what_it_cannot_lend)
{
	struct brt_dctx d;
	dk_begin(&d, &n_proc);
	/* An element variable makes a new one-part message: owned. */
	dk_set(DK_V_STR, "<str>hi</str>");
	xmlDocPtr out = NULL;
	bool lent = true;
	ck_assert_int_eq(brt__dx_message_lend(&d, DK_V_STR, 0, NULL, &dk_nmsg,
					      &out, &lent),
			 0);
	ck_assert(!lent);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_ne(out, dk_slots[DK_V_STR]);
	xmlFreeDoc(out);
	/* Unset parts still fault, and nothing is lent. */
	dk_set(DK_V_MSG, "<message><count>3</count></message>");
	out = (xmlDocPtr)&d;
	ck_assert_int_eq(brt__dx_message_lend(&d, DK_V_MSG, 0, NULL, &dk_msg,
					      &out, &lent),
			 BRT_EFAULT);
	dk_assert_fault(&d, "uninitializedVariable");
	ck_assert_ptr_null(out);
	ck_assert(!lent);
	dk_end(&d);
}
END_TEST

/* DK_V_MSG and DK_V_ELEM are read by nobody. */
static const bool u_unread[DK_NVARS] = { [DK_V_MSG] = true, [DK_V_ELEM] = true };
static const struct brt_process u_proc = {
	.name = "kit",
	.source = "kit.bpel",
	.nvars = DK_NVARS,
	.vars = dk_vars,
	.vars_unread = u_unread,
};

START_TEST(nocopy_unread_variable_keeps_nothing)
{
	struct brt_dctx d;
	dk_begin(&d, &u_proc);
	xmlDocPtr m =
		xmlReadMemory(MSG_XML, (int)strlen(MSG_XML), NULL, NULL, 0);
	ck_assert_int_eq(brt__dx_receive(&d, DK_V_MSG, 0, NULL, &dk_msg, m), 0);
	ck_assert_ptr_null(dk_slots[DK_V_MSG]);
	/* fromParts: the unread part is dropped, the other one stored. */
	const struct brt_part_map parts[] = {
		{ "order", DK_V_ELEM },
		{ "count", DK_V_NUM },
	};
	m = xmlReadMemory(MSG_XML, (int)strlen(MSG_XML), NULL, NULL, 0);
	ck_assert_int_eq(brt__dx_receive(&d, -1, 2, parts, &dk_msg, m), 0);
	ck_assert_ptr_null(dk_slots[DK_V_ELEM]);
	ck_assert_str_eq(dk_xp(DK_V_NUM, "string(/num)"), "3");
	/* The message is still checked: a missing part faults. */
	const char *bad = "<message><count>3</count></message>";
	m = xmlReadMemory(bad, (int)strlen(bad), NULL, NULL, 0);
	ck_assert_int_eq(brt__dx_receive(&d, -1, 2, parts, &dk_msg, m),
			 BRT_EFAULT);
	dk_assert_fault(&d, "selectionFailure");
	dk_end(&d);
}
END_TEST

Suite *nocopy_suite(void);
Suite *nocopy_suite(void)
{
	Suite *s = suite_create("nocopy");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, nocopy_take_document_message);
	tcase_add_test(tc, nocopy_take_rpc_message);
	tcase_add_test(tc, nocopy_take_refuses_misfit);
	tcase_add_test(tc, nocopy_lend_message_variable);
	tcase_add_test(tc, nocopy_lend_builds_what_it_cannot_lend);
	tcase_add_test(tc, nocopy_unread_variable_keeps_nothing);
	suite_add_tcase(s, tc);
	return s;
}
