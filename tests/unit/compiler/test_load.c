/* test_load.c — reading files and imports: paths relative to the
 * importing file, errors at file:line, SA00011-13, no entity expansion. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "diag.h"
#include "load.h"
#include "model.h"

struct fx {
	struct arena *a;
	struct diag *dg;
	FILE *f;
	char *out;
	size_t len;
	struct model *m;
};

static void fx_load(struct fx *x, const char *path)
{
	x->a = arena_new();
	x->out = NULL;
	x->f = open_memstream(&x->out, &x->len);
	x->dg = diag_new(x->f, DIAG_TEXT);
	x->m = load_process(x->a, x->dg, path);
	fflush(x->f);
}

static void fx_free(struct fx *x)
{
	load_free(x->m);
	diag_free(x->dg);
	fclose(x->f);
	free(x->out);
	arena_free(x->a);
}

static const char *data(const char *rel)
{
	static char buf[4096];
	const char *d = getenv("BPELC_TEST_DATA");
	snprintf(buf, sizeof(buf), "%s/compiler/%s", d ? d : "tests/data", rel);
	return buf;
}

/* Small files written for one test into a fresh directory. */
static char tmpdir[64];
static char tmpfiles[16][256];
static int ntmp;

static const char *tmp_write(const char *name, const char *text)
{
	if (!tmpdir[0]) {
		strcpy(tmpdir, "/tmp/bpelc-load-XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	}
	char *p = tmpfiles[ntmp++];
	snprintf(p, 256, "%s/%s", tmpdir, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static void tmp_clean(void)
{
	for (int i = ntmp - 1; i >= 0; i--)
		unlink(tmpfiles[i]);
	ntmp = 0;
	if (tmpdir[0])
		rmdir(tmpdir);
	tmpdir[0] = '\0';
}

#define BPEL_HEAD                                                                   \
	"<?xml version=\"1.0\"?>\n"                                                  \
	"<process name=\"P\" targetNamespace=\"urn:p\"\n"                             \
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
	struct fx x;
	fx_load(&x, data("all.bpel"));
	ck_assert_ptr_nonnull(x.m);
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out ? x.out : "");
	struct wsdl_doc *w = x.m->wsdls;
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_null(w->next);
	ck_assert_str_eq(w->tns, "http://dsg.wiai.uniba.de/betsy/activities/wsdl/testinterface");
	ck_assert_ptr_nonnull(strstr(w->text, "<definitions"));
	ck_assert_ptr_nonnull(strstr(w->path, "compiler/TestInterface.wsdl"));
	int n = 0;
	for (struct wsdl_message *m = w->messages; m; m = m->next)
		n++;
	ck_assert_int_eq(n, 6);
	ck_assert_int_eq(w->messages->nparts, 1);
	ck_assert_str_eq(w->messages->parts->name, "inputPart");
	ck_assert_str_eq(w->messages->parts->element.local, "testElementSyncRequest");
	struct wsdl_operation *op = w->port_types->operations;
	ck_assert_str_eq(op->name, "startProcessAsync");
	ck_assert_int_eq(op->kind, WSDL_ONE_WAY);
	ck_assert_int_eq(op->next->kind, WSDL_REQUEST_RESPONSE);
	ck_assert_str_eq(op->next->faults->name, "syncFault");
	ck_assert_ptr_eq(op->port_type, w->port_types);
	ck_assert(w->bindings->is_soap);
	ck_assert_int_eq(w->bindings->style, WSDL_DOCUMENT);
	ck_assert_str_eq(w->bindings->ops->next->soap_action, "sync");
	ck_assert_str_eq(w->services->ports->address, "http://127.0.0.1:8080/TestInterfaceService");
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
	fx_free(&x);
}
END_TEST

START_TEST(load_imports_relative_to_importer)
{
	struct fx x;
	fx_load(&x, data("sub/proc.bpel"));
	ck_assert_msg(diag_errors(x.dg) == 0, "%s", x.out ? x.out : "");
	ck_assert_ptr_nonnull(strstr(x.m->wsdls->path, "sub/defs/Svc.wsdl"));
	/* t.xsd is imported by the process and by the WSDL: read once */
	int nxsd = 0, nschemas = 0;
	for (struct xsd_schema *s = x.m->schemas; s; s = s->next, nschemas++)
		if (strstr(s->path, "t.xsd"))
			nxsd++;
	ck_assert_int_eq(nxsd, 1);
	ck_assert_int_eq(nschemas, 2); /* inline one of Svc.wsdl + t.xsd */
	ck_assert_ptr_nonnull(strstr(x.m->schemas->next->path, "sub/defs/types/t.xsd"));
	ck_assert_int_eq(x.m->wsdls->bindings->style, WSDL_RPC);
	ck_assert_str_eq(x.m->wsdls->bindings->ops->rpc_ns, "urn:test:rpc");
	fx_free(&x);
}
END_TEST

START_TEST(load_missing_import_is_reported_at_the_import)
{
	const char *p = tmp_write("mi.bpel", BPEL_HEAD
				  "  <import namespace=\"urn:w\" location=\"Nope.wsdl\"\n"
				  "          importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
				  "  <empty/>\n"
				  "</process>\n");
	struct fx x;
	fx_load(&x, p);
	ck_assert_ptr_nonnull(x.m);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "mi.bpel:4:3: error:"));
	ck_assert_ptr_nonnull(strstr(x.out, "Nope.wsdl"));
	fx_free(&x);
	tmp_clean();
}
END_TEST

START_TEST(load_broken_wsdl_import)
{
	tmp_write("b.wsdl", "<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\">\n<message>\n</definitions>\n");
	const char *p = tmp_write("bi.bpel", BPEL_HEAD
				  "  <import namespace=\"urn:w\" location=\"b.wsdl\"\n"
				  "          importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
				  "  <empty/>\n"
				  "</process>\n");
	struct fx x;
	fx_load(&x, p);
	ck_assert_int_ge(diag_errors(x.dg), 2);
	ck_assert_ptr_nonnull(strstr(x.out, "b.wsdl:3:"));        /* the XML error */
	ck_assert_ptr_nonnull(strstr(x.out, "bi.bpel:4:3: error:")); /* at the import */
	fx_free(&x);
	tmp_clean();
}
END_TEST

START_TEST(load_malformed_xml_gives_file_and_line)
{
	const char *p = tmp_write("bad.bpel", BPEL_HEAD "  <sequence>\n    <empty>\n  </sequence>\n</process>\n");
	struct fx x;
	fx_load(&x, p);
	ck_assert_ptr_nonnull(x.m);
	ck_assert_ptr_nonnull(x.m->process);
	ck_assert_ptr_nonnull(x.m->process->scope);
	ck_assert_int_ge(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "bad.bpel:6:"));
	ck_assert_ptr_nonnull(strstr(x.out, "malformed XML"));
	fx_free(&x);
	tmp_clean();
}
END_TEST

START_TEST(load_missing_file_returns_null)
{
	struct fx x;
	fx_load(&x, "/nonexistent/dir/p.bpel");
	ck_assert_ptr_null(x.m);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "/nonexistent/dir/p.bpel"));
	fx_free(&x);
}
END_TEST

START_TEST(load_wrong_root_namespace)
{
	const char *p = tmp_write("r.bpel", "<process xmlns=\"urn:other\"/>\n");
	const char *q = tmp_write("o.bpel",
				  "<process xmlns=\"http://schemas.xmlsoap.org/ws/2003/03/business-process/\"/>\n");
	struct fx x;
	fx_load(&x, p);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "r.bpel:1:1: error: root element must be <process>"));
	fx_free(&x);
	fx_load(&x, q);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "not WS-BPEL 2.0"));
	fx_free(&x);
	tmp_clean();
}
END_TEST

START_TEST(load_import_mismatches)
{
	tmp_write("w.wsdl", small_wsdl);
	tmp_write("x.xsd", small_xsd);
	const char *p = tmp_write("im.bpel", BPEL_HEAD
		"  <import namespace=\"urn:wrong\" location=\"w.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <import location=\"w.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <import namespace=\"urn:x\" location=\"x.xsd\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <import namespace=\"urn:w\" location=\"w.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <empty/>\n"
		"</process>\n");
	struct fx x;
	fx_load(&x, p);
	ck_assert_int_eq(diag_errors(x.dg), 3);
	ck_assert_ptr_nonnull(strstr(x.out, "im.bpel:4:3: error: SA00011:"));
	ck_assert_ptr_nonnull(strstr(x.out, "im.bpel:5:3: error: SA00012:"));
	ck_assert_ptr_nonnull(strstr(x.out, "im.bpel:6:3: error: SA00013:"));
	/* w.wsdl was imported three times but read once */
	ck_assert_ptr_nonnull(x.m->wsdls);
	ck_assert_ptr_null(x.m->wsdls->next);
	fx_free(&x);
	tmp_clean();
}
END_TEST

START_TEST(load_wsdl_import_chain)
{
	tmp_write("w.wsdl", small_wsdl);
	const char *p = tmp_write("top.wsdl",
		"<definitions xmlns=\"http://schemas.xmlsoap.org/wsdl/\" targetNamespace=\"urn:t\">\n"
		"  <import namespace=\"urn:w\" location=\"w.wsdl\"/>\n"
		"  <import namespace=\"urn:m\" location=\"missing.wsdl\"/>\n"
		"</definitions>\n");
	(void)p;
	const char *b = tmp_write("c.bpel", BPEL_HEAD
		"  <import namespace=\"urn:t\" location=\"top.wsdl\" importType=\"http://schemas.xmlsoap.org/wsdl/\"/>\n"
		"  <empty/>\n"
		"</process>\n");
	struct fx x;
	fx_load(&x, b);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "top.wsdl:3:3: error:"));
	ck_assert_ptr_nonnull(x.m->wsdls->next);
	ck_assert_str_eq(x.m->wsdls->next->tns, "urn:w");
	fx_free(&x);
	tmp_clean();
}
END_TEST

START_TEST(load_undeclared_prefix)
{
	const char *p = tmp_write("u.bpel", BPEL_HEAD
		"  <variables>\n"
		"    <variable name=\"v\" messageType=\"nope:M\"/>\n"
		"  </variables>\n"
		"  <empty/>\n"
		"</process>\n");
	struct fx x;
	fx_load(&x, p);
	ck_assert_int_eq(diag_errors(x.dg), 1);
	ck_assert_ptr_nonnull(strstr(x.out, "u.bpel:5:5: error: namespace prefix 'nope'"));
	fx_free(&x);
	tmp_clean();
}
END_TEST

START_TEST(load_never_expands_entities)
{
	const char *p = tmp_write("e.bpel",
		"<?xml version=\"1.0\"?>\n"
		"<!DOCTYPE process [<!ENTITY xxe SYSTEM \"file:///etc/passwd\"><!ENTITY i \"INTERNAL\">]>\n"
		"<process name=\"P\" targetNamespace=\"urn:p\"\n"
		"    xmlns=\"http://docs.oasis-open.org/wsbpel/2.0/process/executable\">\n"
		"  <assign><copy><from><literal><a>&xxe;&i;</a></literal></from><to variable=\"v\"/></copy></assign>\n"
		"</process>\n");
	struct fx x;
	fx_load(&x, p);
	struct bpel_activity *as = x.m->process->scope->body;
	ck_assert_ptr_nonnull(as);
	xmlNodePtr lit = as->copies->from.literal;
	ck_assert_ptr_nonnull(lit);
	xmlBufferPtr buf = xmlBufferCreate();
	xmlNodeDump(buf, lit->doc, lit, 0, 0);
	const char *s = (const char *)xmlBufferContent(buf);
	ck_assert_ptr_null(strstr(s, "root:"));
	ck_assert_ptr_null(strstr(s, "INTERNAL"));
	xmlBufferFree(buf);
	fx_free(&x);
	tmp_clean();
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
	tcase_add_test(tc, load_missing_file_returns_null);
	tcase_add_test(tc, load_wrong_root_namespace);
	tcase_add_test(tc, load_import_mismatches);
	tcase_add_test(tc, load_wsdl_import_chain);
	tcase_add_test(tc, load_undeclared_prefix);
	tcase_add_test(tc, load_never_expands_entities);
	suite_add_tcase(s, tc);
	return s;
}
