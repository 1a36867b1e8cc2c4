/*
 * test_prescan.c — the intake pre-scan (prescan.c): a start tag over the
 * attribute + declaration limit is refused, '=' in comments, CDATA, PIs,
 * quoted values and end tags does not count, a DOCTYPE stops the scan, and
 * the answer never depends on where the input is cut into pieces.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LIMIT (BRT_SOAP_MAX_ATTRS + BRT_SOAP_MAX_NS)

/* "<e a0="" a1="" ... >" with n attributes, then `tail`. */
static char *tag_with(int n, const char *tail)
{
	size_t cap = (size_t)n * 16 + strlen(tail) + 16;
	char *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	size_t k = (size_t)snprintf(s, cap, "<e");
	for (int i = 0; i < n; i++)
		k += (size_t)snprintf(s + k, cap - k, " a%d=''", i);
	snprintf(s + k, cap - k, ">%s", tail);
	return s;
}

static const char *scan_whole(const char *s)
{
	struct brt_prescan ps;
	brt__prescan_init(&ps);
	return brt__prescan_feed(&ps, s, strlen(s));
}

/* The same input in pieces of `step` bytes. */
static const char *scan_pieces(const char *s, size_t step)
{
	struct brt_prescan ps;
	brt__prescan_init(&ps);
	const char *why = NULL;
	for (size_t at = 0, n = strlen(s); at < n; at += step) {
		size_t k = n - at < step ? n - at : step;
		why = brt__prescan_feed(&ps, s + at, k);
	}
	return why;
}

/* Cut in two at every byte, and in pieces of 1..9 bytes: same answer. */
static void same_in_pieces(const char *s, bool refused)
{
	ck_assert_int_eq(scan_whole(s) != NULL, refused);
	size_t n = strlen(s);
	for (size_t cut = 0; cut <= n; cut++) {
		struct brt_prescan ps;
		brt__prescan_init(&ps);
		const char *a = brt__prescan_feed(&ps, s, cut);
		const char *b = brt__prescan_feed(&ps, s + cut, n - cut);
		ck_assert_msg((b != NULL) == refused && (a == NULL || b == a),
			      "cut at %zu of %zu", cut, n);
	}
	for (size_t step = 1; step < 10; step++)
		ck_assert_int_eq(scan_pieces(s, step) != NULL, refused);
}

START_TEST(prescan_limit_is_exact)
{
	char *ok = tag_with(LIMIT, "<f/>");
	char *over = tag_with(LIMIT + 1, "<f/>");
	ck_assert_ptr_null(scan_whole(ok));
	const char *why = scan_whole(over);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "too many attributes"));
	/* two elements at the limit each: counted per tag */
	char *two = tag_with(LIMIT, ok);
	ck_assert_ptr_null(scan_whole(two));
	free(ok);
	free(over);
	free(two);
}
END_TEST

START_TEST(prescan_refuses_at_the_first_over)
{
	/* an unclosed tag whose rest is not even read: refused all the same,
	 * and the answer stays */
	char *over = tag_with(LIMIT + 1, "");
	over[strlen(over) - 1] = '\0'; /* no '>' */
	struct brt_prescan ps;
	brt__prescan_init(&ps);
	const char *why = brt__prescan_feed(&ps, over, strlen(over));
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_eq(brt__prescan_feed(&ps, "<a/>", 4), why);
	free(over);
}
END_TEST

START_TEST(prescan_counts_only_start_tags)
{
	/* '=' in text, comments, CDATA, PIs, quoted values, end tags */
	size_t cap = 64 * 1024;
	char *s = malloc(cap);
	ck_assert_ptr_nonnull(s);
	char eqs[LIMIT + 50];
	memset(eqs, '=', sizeof eqs - 1);
	eqs[sizeof eqs - 1] = '\0';
	snprintf(s, cap,
		 "<?xml version='1.0'?><?pi %s?><e a='%s' b=\"%s\">%s"
		 "<!--%s--><![CDATA[<x %s>]]></e %s>",
		 eqs, eqs, eqs, eqs, eqs, eqs, eqs);
	same_in_pieces(s, false);
	free(s);
}
END_TEST

START_TEST(prescan_finds_the_ends_of_skipped_parts)
{
	/* "--->" ends a comment, "]]]>" a CDATA section, "?\?>" a PI: what
	 * follows is scanned again */
	const char *ends[] = { "<!-- - -- --->", "<![CDATA[ ] ]] ]]]>",
			       "<?pi ? ?\?>" };
	for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
		char *over = tag_with(LIMIT + 1, "");
		size_t n = strlen(ends[i]) + strlen(over) + 1;
		char *s = malloc(n);
		ck_assert_ptr_nonnull(s);
		snprintf(s, n, "%s%s", ends[i], over);
		same_in_pieces(s, true);
		free(s);
		free(over);
	}
}
END_TEST

START_TEST(prescan_leaves_a_doctype_to_the_parser)
{
	/* the parser refuses any DOCTYPE; the scan stops there */
	char *over = tag_with(LIMIT + 1, "");
	size_t n = strlen(over) + 64;
	char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	snprintf(s, n, "<!DOCTYPE e>%s", over);
	same_in_pieces(s, false);
	/* but "<!-" that becomes a comment is not a DOCTYPE */
	snprintf(s, n, "<!---->%s", over);
	same_in_pieces(s, true);
	free(s);
	free(over);
}
END_TEST

START_TEST(prescan_quotes_hide_gt)
{
	/* '>' inside a quoted value does not end the tag */
	char *over = tag_with(LIMIT + 1, "");
	size_t n = strlen(over) + 64;
	char *s = malloc(n);
	ck_assert_ptr_nonnull(s);
	snprintf(s, n, "<e q='>' r=\">\"%s", over + 2);
	same_in_pieces(s, true);
	free(s);
	free(over);
}
END_TEST

Suite *prescan_suite(void);
Suite *prescan_suite(void)
{
	Suite *s = suite_create("prescan");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, prescan_limit_is_exact);
	tcase_add_test(tc, prescan_refuses_at_the_first_over);
	tcase_add_test(tc, prescan_counts_only_start_tags);
	tcase_add_test(tc, prescan_finds_the_ends_of_skipped_parts);
	tcase_add_test(tc, prescan_leaves_a_doctype_to_the_parser);
	tcase_add_test(tc, prescan_quotes_hide_gt);
	suite_add_tcase(s, tc);
	return s;
}
