/*
 * test_epr_allow.c — which addresses a partner link may be given at run
 * time (brt__epr_allowed, --epr-allow): by default the hosts of the
 * configured addresses, any port; with --epr-allow only the entries,
 * HOST any port or HOST:PORT exactly. URLs that hide their host
 * (userinfo, escapes) are judged by the host curl would use, or refused.
 */
#include <check.h>

#include "internal.h"

static const struct brt_partner_link plinks[] = {
	{ .name = "client",
	  .my_path = "/svc",
	  .my_address = "http://Service.Example:8080/svc" },
	{ .name = "partner",
	  .partner_address = "https://partner.example/x",
	  .has_partner_role = true },
};
static const struct brt_process proc = { .name = "epr",
					 .nplinks = 2,
					 .plinks = plinks };

START_TEST(epr_allow_default_configured_hosts)
{
	brt_runtime rt = { .proc = &proc };
	struct brt_partner_override ov = { "partner", "http://10.0.0.5:99/p" };
	rt.npartners = 1;
	rt.partners = &ov;
	ck_assert(brt__epr_allowed(&rt, "http://partner.example:1234/other"));
	ck_assert(brt__epr_allowed(&rt, "https://PARTNER.example/"));
	ck_assert(brt__epr_allowed(&rt, "http://service.example/cb"));
	ck_assert(brt__epr_allowed(&rt, "http://10.0.0.5:22/"));
	ck_assert(!brt__epr_allowed(&rt, "http://127.0.0.1:22/"));
	ck_assert(!brt__epr_allowed(&rt, "http://partner.example@127.0.0.1/"));
	ck_assert(!brt__epr_allowed(&rt, "http://127.0.0.1#@partner.example/"));
	ck_assert(!brt__epr_allowed(&rt, "http://partner%2eexample/"));
	ck_assert(!brt__epr_allowed(&rt, "ftp://partner.example/"));
	ck_assert(!brt__epr_allowed(&rt, "http://partner.example:0/"));
	ck_assert(!brt__epr_allowed(&rt, NULL));
}
END_TEST

START_TEST(epr_allow_explicit_list)
{
	const char *allow[] = { "192.0.2.7:8080", "Other.example", "[::1]:9" };
	brt_runtime rt = { .proc = &proc, .nepr_allow = 3, .epr_allow = allow };
	ck_assert(brt__epr_allowed(&rt, "http://192.0.2.7:8080/x"));
	ck_assert(!brt__epr_allowed(&rt, "http://192.0.2.7/x"));
	ck_assert(brt__epr_allowed(&rt, "https://other.example:444/"));
	ck_assert(brt__epr_allowed(&rt, "http://[::1]:9/"));
	ck_assert(!brt__epr_allowed(&rt, "http://[::1]:10/"));
	/* The list replaces the configured hosts. */
	ck_assert(!brt__epr_allowed(&rt, "https://partner.example/x"));
}
END_TEST

Suite *epr_allow_suite(void);
Suite *epr_allow_suite(void)
{
	Suite *s = suite_create("epr_allow");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, epr_allow_default_configured_hosts);
	tcase_add_test(tc, epr_allow_explicit_list);
	suite_add_tcase(s, tc);
	return s;
}
