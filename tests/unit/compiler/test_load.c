/* test_load.c — reading files and imports: paths relative to the
 * importing file, errors at file:line, SA00011-13, no entity expansion. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "compile_kit.h"
#include "diag.h"
#include "model.h"

#define BPEL_HEAD                                         \
	"<?xml version=\"1.0\"?>\n"                       \
	"<process name=\"P\" targetNamespace=\"urn:p\"\n" \
	"    xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\">\n"

static const char *small_wsdl =
	"<?xml version=\"1.0\"?>\n"
	"<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" targetNamespace=\"urn:w\">\n"
	"  <message name=\"M\"/>\n"
	"</definitions>\n";

static const char *small_xsd =
	"<?xml version=\"1.0\"?>\n"
	"<schema xmlns=\"http://www.w3.org/2001/XMLSchema\" targetNamespace=\"urn:x\">\n"
	"  <element name=\"e\" type=\"string\"/>\n"
	"</schema>\n";

START_TEST(load_testinterface_wsdl)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("all.bpel"), KIT_LOAD);
	ck_assert_ptr_nonnull(x.m);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out ? x.out : "");
	struct wsdl_doc *w = x.m->wsdls;
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_null(w->next);
	ck_assert_str_eq(
		w->tns,
		"http://dsg.wiai.uniba.de/betsy/activities/wsdl/testinterface");
	ck_assert_ptr_nonnull(strstr(w->text, "<definitions"));
	ck_assert_ptr_nonnull(strstr(w->path, "compiler/TestInterface.wsdl"));
	int n = 0;
	for (struct wsdl_message *m = w->messages; m; m = m->next)
		n++;
	ck_assert_int_eq(n, 6);
	ck_assert_int_eq(w->messages->nparts, 1);
	ck_assert_str_eq(w->messages->parts->name, "inputPart");
	ck_assert_str_eq(w->messages->parts->element.local,
			 "testElementSyncRequest");
	struct wsdl_operation *op = w->port_types->operations;
	ck_assert_str_eq(op->name, "startProcessAsync");
	ck_assert_int_eq(op->kind, WSDL_ONE_WAY);
	ck_assert_int_eq(op->next->kind, WSDL_REQUEST_RESPONSE);
	ck_assert_str_eq(op->next->faults->name, "syncFault");
	ck_assert_ptr_eq(op->port_type, w->port_types);
	ck_assert(w->bindings->is_soap);
	ck_assert_int_eq(w->bindings->style, WSDL_DOCUMENT);
	ck_assert_str_eq(w->bindings->ops->next->soap_action, "sync");
	ck_assert_str_eq(w->services->ports->address,
			 "http://127.0.0.1:8080/TestInterfaceService");
	ck_assert_str_eq(w->plinks->roles[0].name, "testInterfaceRole");
	ck_assert_int_eq(w->plinks->nroles, 1);
	ck_assert_str_eq(w->properties->name.local, "correlationId");
	ck_assert_str_eq(w->properties->type.ns, NS_XSD);
	n = 0;
	for (struct vprop_alias *al = w->aliases; al; al = al->next)
		n++;
	ck_assert_int_eq(n, 4);
	ck_assert_str_eq(w->aliases->part, "inputPart");
	/* the inline schema is on both lists */
	ck_assert_ptr_nonnull(w->schemas);
	ck_assert_ptr_nonnull(x.m->schemas);
	ck_assert_ptr_eq(w->schemas->elements, x.m->schemas->elements);
	ck_assert_int_eq(w->messages->loc.line, 32);
	kit_free(&x);
}
END_TEST

START_TEST(load_imports_relative_to_importer)
{
	struct kit x = { 0 };
	kit_run(&x, kit_data("sub/proc.bpel"), KIT_LOAD);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out ? x.out : "");
	ck_assert_ptr_nonnull(strstr(x.m->wsdls->path, "sub/defs/Svc.wsdl"));
	/* t.xsd is imported by the process and by the WSDL: read once */
	int nxsd = 0, nschemas = 0;
	for (struct xsd_schema *s = x.m->schemas; s; s = s->next, nschemas++)
		if (strstr(s->path, "t.xsd"))
			nxsd++;
	ck_assert_int_eq(nxsd, 1);
	ck_assert_int_eq(nschemas, 2); /* inline one of Svc.wsdl + t.xsd */
	ck_assert_ptr_nonnull(
		strstr(x.m->schemas->next->path, "sub/defs/types/t.xsd"));
	ck_assert_int_eq(x.m->wsdls->bindings->style, WSDL_RPC);
	ck_assert_str_eq(x.m->wsdls->bindings->ops->rpc_ns, "urn:test:rpc");
	kit_free(&x);
}
END_TEST

START_TEST(load_missing_import_is_reported_at_the_import)
{
	struct kit x = { 0 };
	const char *p = kit_write(
		&x, "mi.bpel",
		BPEL_HEAD
		"  <import namespace=\"urn:w\" location=\"Nope.wsdl\"\n"
		"          importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <empty/>\n"
		"</process>\n");
	kit_run(&x, p, KIT_LOAD);
	ck_assert_ptr_nonnull(x.m);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "mi.bpel:4:3: error:"));
	ck_assert_ptr_nonnull(strstr(x.out, "Nope.wsdl"));
	kit_free(&x);
}
END_TEST

START_TEST(load_broken_wsdl_import)
{
	struct kit x = { 0 };
	kit_write(
		&x, "b.wsdl",
		"<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\">\n<message>\n</definitions>\n");
	const char *p = kit_write(
		&x, "bi.bpel",
		BPEL_HEAD
		"  <import namespace=\"urn:w\" location=\"b.wsdl\"\n"
		"          importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <empty/>\n"
		"</process>\n");
	kit_run(&x, p, KIT_LOAD);
	ck_assert_int_ge(diag_errors(x.dg), 2);
	ck_assert_ptr_nonnull(strstr(x.out, "b.wsdl:3:")); /* the XML error */
	ck_assert_ptr_nonnull(
		strstr(x.out, "bi.bpel:4:3: error:")); /* at the import */
	kit_free(&x);
}
END_TEST

START_TEST(load_malformed_xml_gives_file_and_line)
{
	struct kit x = { 0 };
	const char *p = kit_write(
		&x, "bad.bpel",
		BPEL_HEAD
		"  <sequence>\n    <empty>\n  </sequence>\n</process>\n");
	kit_run(&x, p, KIT_LOAD);
	ck_assert_ptr_nonnull(x.m);
	ck_assert_ptr_nonnull(x.m->process);
	ck_assert_ptr_nonnull(x.m->process->scope);
	ck_assert_int_ge(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "bad.bpel:6:"));
	ck_assert_ptr_nonnull(strstr(x.out, "malformed XML"));
	kit_free(&x);
}
END_TEST

/* A namespace name that is not a valid URI is a namespace error, not a
 * well-formedness one: a warning with its line, the file is read. */
START_TEST(load_non_fatal_xml_errors_are_warnings)
{
	struct kit x = { 0 };
	const char *p = kit_write(
		&x, "ns.bpel",
		"<?xml version=\"1.0\"?>\n"
		"<process name=\"P\" targetNamespace=\"urn:p\"\n"
		"    xmlns:ns=\"change this to valid namespace\"\n"
		"    xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\">\n"
		"  <empty/>\n</process>\n");
	kit_run(&x, p, KIT_LOAD);
	ck_assert_int_eq(diag_errors(x.dg), 0);
	ck_assert_ptr_nonnull(x.m->process->doc);
	ck_assert_msg(strstr(x.out, "ns.bpel:3:") &&
			      strstr(x.out, "warning: xmlns:ns:") &&
			      !strstr(x.out, "malformed"),
		      "%s", x.out);
	kit_free(&x);
}
END_TEST

START_TEST(load_missing_file_returns_null)
{
	struct kit x = { 0 };
	kit_run(&x, "/nonexistent/dir/p.bpel", KIT_LOAD);
	ck_assert_ptr_null(x.m);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "/nonexistent/dir/p.bpel"));
	kit_free(&x);
}
END_TEST

START_TEST(load_wrong_root_namespace)
{
	struct kit x = { 0 };
	const char *p =
		kit_write(&x, "r.bpel", "<process xmlns=\"urn:other\"/>\n");
	struct kit y = { 0 };
	const char *q = kit_write(
		&y, "o.bpel",
		"<process xmlns=\"http://schemas.xmlsoap.org/ws/2003/03/business-process/\"/>\n");
	kit_run(&x, p, KIT_LOAD);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(
		x.out, "r.bpel:1:1: error: root element must be <process>"));
	kit_run(&y, q, KIT_LOAD);
	ck_assert_int_eq(diag_errors(y.dg), 1);
	ck_assert_ptr_nonnull(strstr(y.out, "BPEL4WS 1.1"));
	ck_assert_ptr_nonnull(strstr(y.out, "not WS-BPEL 2.0"));
	/* the 2004/03 namespace is the WS-BPEL 2.0 draft, not BPEL4WS 1.1 */
	struct kit z = { 0 };
	const char *d = kit_write(
		&z, "d.bpel",
		"<process xmlns=\"http://schemas.xmlsoap.org/ws/2004/03/business-process/\"/>\n");
	kit_run(&z, d, KIT_LOAD);
	ck_assert_msg(strstr(z.out, "pre-OASIS WS-BPEL 2.0 draft") &&
			      !strstr(z.out, "BPEL4WS"),
		      "%s", z.out);
	kit_free(&z);
	kit_free(&x);
	kit_free(&y);
}
END_TEST

START_TEST(load_import_mismatches)
{
	struct kit x = { 0 };
	kit_write(&x, "w.wsdl", small_wsdl);
	kit_write(&x, "x.xsd", small_xsd);
	const char *p = kit_write(
		&x, "im.bpel",
		BPEL_HEAD
		"  <import namespace=\"urn:wrong\" location=\"w.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <import location=\"w.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <import namespace=\"urn:x\" location=\"x.xsd\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <import namespace=\"urn:w\" location=\"w.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <empty/>\n"
		"</process>\n");
	kit_run(&x, p, KIT_LOAD);
	ck_assert_int_eq(diag_errors(x.dg), 3);
	ck_assert_ptr_nonnull(strstr(x.out, "im.bpel:4:3: error: SA00011:"));
	ck_assert_ptr_nonnull(strstr(x.out, "im.bpel:5:3: error: SA00012:"));
	ck_assert_ptr_nonnull(strstr(x.out, "im.bpel:6:3: error: SA00013:"));
	/* w.wsdl was imported three times but read once */
	ck_assert_ptr_nonnull(x.m->wsdls);
	ck_assert_ptr_null(x.m->wsdls->next);
	kit_free(&x);
}
END_TEST

START_TEST(load_wsdl_import_chain)
{
	struct kit x = { 0 };
	kit_write(&x, "w.wsdl", small_wsdl);
	const char *p = kit_write(
		&x, "top.wsdl",
		"<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" targetNamespace=\"urn:t\">\n"
		"  <import namespace=\"urn:w\" location=\"w.wsdl\"/>\n"
		"  <import namespace=\"urn:m\" location=\"missing.wsdl\"/>\n"
		"</definitions>\n");
	(void)p;
	const char *b = kit_write(
		&x, "c.bpel",
		BPEL_HEAD
		"  <import namespace=\"urn:t\" location=\"top.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <empty/>\n"
		"</process>\n");
	kit_run(&x, b, KIT_LOAD);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "top.wsdl:3:3: error:"));
	ck_assert_ptr_nonnull(x.m->wsdls->next);
	ck_assert_str_eq(x.m->wsdls->next->tns, "urn:w");
	kit_free(&x);
}
END_TEST

START_TEST(load_undeclared_prefix)
{
	struct kit x = { 0 };
	const char *p = kit_write(
		&x, "u.bpel",
		BPEL_HEAD "  <variables>\n"
			  "    <variable name=\"v\" messageType=\"nope:M\"/>\n"
			  "  </variables>\n"
			  "  <empty/>\n"
			  "</process>\n");
	kit_run(&x, p, KIT_LOAD);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(
		strstr(x.out, "u.bpel:5:5: error: namespace prefix 'nope'"));
	kit_free(&x);
}
END_TEST

START_TEST(load_never_expands_entities)
{
	struct kit x = { 0 };
	const char *p = kit_write(
		&x, "e.bpel",
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE process [<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><!ENTITY i \"INTERNAL\">]>\n"
		"<process name=\"P\" targetNamespace=\"urn:p\"\n"
		"    xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\">\n"
		"  <assign><copy><from><literal><a>&xxe;&i;</a></literal></from><to variable=\"v\"/></copy></assign>\n"
		"</process>\n");
	kit_run(&x, p, KIT_LOAD);
	/* Refused at its line before the subset is read: nothing of the
	 * file is used, so no entity can be expanded. */
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(
		strstr(x.out, "e.bpel:2:1: error: a DOCTYPE is not allowed"));
	ck_assert_ptr_null(strstr(x.out, "root:"));
	ck_assert_ptr_null(x.m->process->scope->body);
	kit_free(&x);
}
END_TEST

Suite *load_suite(void);
Suite *load_suite(void)
{
	Suite *s = suite_create("load");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, load_testinterface_wsdl);
	tcase_add_test(tc, load_imports_relative_to_importer);
	tcase_add_test(tc, load_missing_import_is_reported_at_the_import);
	tcase_add_test(tc, load_broken_wsdl_import);
	tcase_add_test(tc, load_malformed_xml_gives_file_and_line);
	tcase_add_test(tc, load_non_fatal_xml_errors_are_warnings);
	tcase_add_test(tc, load_missing_file_returns_null);
	tcase_add_test(tc, load_wrong_root_namespace);
	tcase_add_test(tc, load_import_mismatches);
	tcase_add_test(tc, load_wsdl_import_chain);
	tcase_add_test(tc, load_undeclared_prefix);
	tcase_add_test(tc, load_never_expands_entities);
	suite_add_tcase(s, tc);
	return s;
}
