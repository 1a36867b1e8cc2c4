/*
 * check_fixture.h — shared by the test_check_*.c unit tests: writes a small
 * process and its WSDL to a temporary directory, runs load, resolve and
 * check on it, and captures the diagnostics.
 *
 * A table row gives a rule, whether the snippet must violate it, and the
 * parts of the process: extra WSDL definitions and schema components,
 * extra process-level declarations, the body between the start receive
 * and the final reply, or a whole process body that replaces the default
 * one. Header-only (static functions) so each test file stays standalone.
 */
#ifndef CHECK_FIXTURE_H
#define CHECK_FIXTURE_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "check.h"
#include "diag.h"
#include "load.h"
#include "resolve.h"

struct check_case {
	const char *rule;   /* expected code; for good cases the one tested */
	bool bad;	    /* must report rule (else: no error at all) */
	const char *body;   /* inside <sequence> after the start receive */
	const char *decls;  /* after <correlationSets>, before <sequence> */
	const char *wsdl;   /* extra WSDL definitions */
	const char *schema; /* extra schema components */
	const char *proc;   /* replaces everything after <import> */
};

static const char fixture_wsdl[] =
	"<?xml version='1.0'?>\n"
	"<definitions xmlns='http://schemas.xmlsoap.org/wsdl/' xmlns:tns='urn:t'\n"
	" xmlns:xsd='http://www.w3.org/2001/XMLSchema'\n"
	" xmlns:plnk='http://docs.oasis-open.org/wsbpel/2.0/plnktype'\n"
	" xmlns:vprop='http://docs.oasis-open.org/wsbpel/2.0/varprop'\n"
	" xmlns:bpel='http://docs.oasis-open.org/wsbpel/2.0/process/executable'\n"
	" targetNamespace='urn:t' name='T'>\n"
	"<types><xsd:schema targetNamespace='urn:t' elementFormDefault='qualified'>\n"
	" <xsd:element name='req' type='xsd:int'/>\n"
	" <xsd:element name='other' type='xsd:int'/>\n"
	" <xsd:complexType name='ct'><xsd:sequence><xsd:element name='a' type='xsd:int'/></xsd:sequence></xsd:complexType>\n"
	" <xsd:element name='cel' type='tns:ct'/>\n"
	"%s\n"
	"</xsd:schema></types>\n"
	"<message name='inMsg'><part name='inputPart' type='xsd:int'/></message>\n"
	"<message name='outMsg'><part name='outputPart' type='xsd:int'/></message>\n"
	"<message name='elMsg'><part name='p' element='tns:req'/></message>\n"
	"<message name='twoMsg'><part name='a' type='xsd:int'/><part name='b' type='xsd:string'/></message>\n"
	"<message name='emptyMsg'/>\n"
	"<message name='faultMsg'><part name='f' type='xsd:string'/></message>\n"
	"<portType name='PT'>\n"
	" <operation name='sync'><input message='tns:inMsg'/><output message='tns:outMsg'/>"
	"<fault name='oops' message='tns:faultMsg'/></operation>\n"
	" <operation name='sync2'><input message='tns:inMsg'/><output message='tns:outMsg'/></operation>\n"
	" <operation name='async'><input message='tns:inMsg'/></operation>\n"
	" <operation name='el'><input message='tns:elMsg'/><output message='tns:outMsg'/></operation>\n"
	" <operation name='two'><input message='tns:twoMsg'/></operation>\n"
	" <operation name='empty'><input message='tns:emptyMsg'/></operation>\n"
	"</portType>\n"
	"<portType name='PPT'>\n"
	" <operation name='call'><input message='tns:inMsg'/><output message='tns:outMsg'/></operation>\n"
	" <operation name='send'><input message='tns:inMsg'/></operation>\n"
	" <operation name='sendTwo'><input message='tns:twoMsg'/></operation>\n"
	" <operation name='callEl'><input message='tns:elMsg'/><output message='tns:outMsg'/></operation>\n"
	"</portType>\n"
	"<plnk:partnerLinkType name='PLT'><plnk:role name='me' portType='tns:PT'/></plnk:partnerLinkType>\n"
	"<plnk:partnerLinkType name='PPLT'><plnk:role name='them' portType='tns:PPT'/></plnk:partnerLinkType>\n"
	"<vprop:property name='id' type='xsd:int'/>\n"
	"<vprop:propertyAlias propertyName='tns:id' messageType='tns:inMsg' part='inputPart'/>\n"
	"<vprop:propertyAlias propertyName='tns:id' messageType='tns:outMsg' part='outputPart'/>\n"
	"%s\n"
	"</definitions>\n";

static const char fixture_head[] =
	"<?xml version='1.0'?>\n"
	"<process xmlns='http://docs.oasis-open.org/wsbpel/2.0/process/executable'\n"
	" xmlns:bpel='http://docs.oasis-open.org/wsbpel/2.0/process/executable'\n"
	" xmlns:tns='urn:t' xmlns:xsd='http://www.w3.org/2001/XMLSchema'\n"
	" name='t' targetNamespace='urn:p'>\n"
	"<import namespace='urn:t' location='t.wsdl' importType='http://schemas.xmlsoap.org/wsdl/'/>\n";

static const char fixture_default[] =
	"<partnerLinks>\n"
	" <partnerLink name='pl' partnerLinkType='tns:PLT' myRole='me'/>\n"
	" <partnerLink name='pp' partnerLinkType='tns:PPLT' partnerRole='them'/>\n"
	"</partnerLinks>\n"
	"<variables>\n"
	" <variable name='in' messageType='tns:inMsg'/>\n"
	" <variable name='out' messageType='tns:outMsg'/>\n"
	" <variable name='two' messageType='tns:twoMsg'/>\n"
	" <variable name='i' type='xsd:int'/>\n"
	" <variable name='s' type='xsd:string'/>\n"
	" <variable name='e' element='tns:req'/>\n"
	" <variable name='ce' element='tns:cel'/>\n"
	"</variables>\n"
	"<correlationSets><correlationSet name='cs' properties='tns:id'/></correlationSets>\n"
	"%s\n"
	"<sequence name='main'>\n"
	" <receive name='start' partnerLink='pl' operation='sync' variable='in' createInstance='yes'/>\n"
	"%s\n"
	" <reply name='done' partnerLink='pl' operation='sync' variable='out'/>\n"
	"</sequence>\n";

struct check_run {
	char dir[64];
	char *out;
	size_t len;
	int nerrors; /* diag_errors, plus one when the process did not load */
};

static void fixture_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Run load+resolve+check over the case; r->out holds the diagnostics. */
static void check_run_case(const struct check_case *k, struct check_run *r)
{
	strcpy(r->dir, "/tmp/bpelc-check-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(r->dir));
	char path[128], *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fprintf(f, fixture_wsdl, k->schema ? k->schema : "",
		k->wsdl ? k->wsdl : "");
	fclose(f);
	snprintf(path, sizeof(path), "%s/t.wsdl", r->dir);
	fixture_write(path, text);
	free(text);
	f = open_memstream(&text, &len);
	fputs(fixture_head, f);
	if (k->proc)
		fputs(k->proc, f);
	else
		fprintf(f, fixture_default, k->decls ? k->decls : "",
			k->body ? k->body : "");
	fputs("</process>\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/t.bpel", r->dir);
	fixture_write(path, text);
	free(text);

	struct arena *a = arena_new();
	FILE *out = open_memstream(&r->out, &r->len);
	struct diag *dg = diag_new(out, DIAG_TEXT);
	struct model *m = load_process(a, dg, path);
	if (m) {
		resolve_model(m, dg);
		check_model(m, dg);
		load_free(m);
	}
	r->nerrors = diag_errors(dg) + (m ? 0 : 1);
	diag_free(dg);
	fclose(out);
	arena_free(a);
	snprintf(path, sizeof(path), "%s/t.bpel", r->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/t.wsdl", r->dir);
	unlink(path);
	rmdir(r->dir);
}

/* Whether a line of out says "<kind>: <rule>:" (the code as diag prints
 * it, not merely somewhere in a message). */
static bool check_reported(const char *out, const char *kind, const char *rule)
{
	char want[64];
	snprintf(want, sizeof(want), "%s: %s:", kind, rule);
	return strstr(out, want) != NULL;
}

/* The assertion of one table row: a bad row must report its rule as an
 * error and fail the run (a rule turned into a warning, or reported only
 * inside another message, fails the row). */
static void check_expect(const struct check_case *k, int i)
{
	struct check_run r;
	check_run_case(k, &r);
	if (k->bad)
		ck_assert_msg(r.nerrors > 0 &&
				      check_reported(r.out, "error", k->rule),
			      "row %d: expected error %s, got:\n%s", i, k->rule,
			      r.out);
	else
		ck_assert_msg(r.nerrors == 0 && strstr(r.out, "error:") == NULL,
			      "row %d (%s, conforming): unexpected errors:\n%s",
			      i, k->rule, r.out);
	free(r.out);
}

/* Rows: a body snippet, or any fields by name (designated initializers). */
#define BAD(r, b)                                     \
	{                                             \
		.rule = (r), .bad = true, .body = (b) \
	}
#define GOOD(r, b)                                     \
	{                                              \
		.rule = (r), .bad = false, .body = (b) \
	}
#define CHECK_NROWS(t) ((int)(sizeof(t) / sizeof((t)[0])))

/* A file whose one test is a table: the loop test NAME_rules over it and
 * the suite NAME_suite the runner finds by the file's name. */
#define CHECK_TABLE_SUITE(name, table)                                        \
	START_TEST(name##_rules)                                              \
	{                                                                     \
		check_expect(&(table)[_i], _i);                               \
	}                                                                     \
	END_TEST                                                              \
	Suite *name##_suite(void);                                            \
	Suite *name##_suite(void)                                             \
	{                                                                     \
		Suite *s = suite_create(#name);                               \
		TCase *tc = tcase_create("rules");                            \
		tcase_add_loop_test(tc, name##_rules, 0, CHECK_NROWS(table)); \
		suite_add_tcase(s, tc);                                       \
		return s;                                                     \
	}

#endif
