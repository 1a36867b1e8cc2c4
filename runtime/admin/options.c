/*
 * options.c — the command-line options of the operations side:
 * --admin-listen, --admin-token-file, --shutdown-delay, --log-format and
 * --log-level (docs/runtime.md, docs/operations.md). main.c asks here for
 * every argument it does not know itself.
 *
 * It only records values in the runtime object; admin.c refuses a
 * non-loopback listener without a token when it starts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"

static const char *const level_names[] = { "error", "warn", "info", "debug" };

int brt__ops_option(brt_runtime *rt, const char *argv0, int argc, char **argv,
		    int *i)
{
	const char *a = argv[*i];
	const char *v;
	bool missing = false;
	if ((v = brt__opt_value(argc, argv, i, "--admin-listen", &missing))) {
		if (brt__admin_check_listen(v) != 0)
			return brt__bad_usage(
				argv0,
				"--admin-listen wants HOST:PORT, not '%s'", v);
		rt->admin_listen = v;
	} else if ((v = brt__opt_value(argc, argv, i, "--admin-token-file",
				       &missing))) {
		if (!*v)
			return brt__bad_usage(
				argv0, "--admin-token-file wants a file");
		rt->admin_token_file = v;
	} else if ((v = brt__opt_value(argc, argv, i, "--shutdown-delay",
				       &missing))) {
		char *end;
		double s = strtod(v, &end);
		if (end == v || *end || !(s >= 0) || s > 3600)
			return brt__bad_usage(
				argv0,
				"--shutdown-delay wants seconds (0 to "
				"3600), not '%s'",
				v);
		rt->shutdown_delay = s;
	} else if ((v = brt__opt_value(argc, argv, i, "--log-format",
				       &missing))) {
		if (strcmp(v, "json") == 0)
			rt->log_json = true;
		else if (strcmp(v, "text") == 0)
			rt->log_json = false;
		else
			return brt__bad_usage(
				argv0, "--log-format is text or json, not '%s'",
				v);
	} else if ((v = brt__opt_value(argc, argv, i, "--log-level",
				       &missing))) {
		int l = -1;
		for (int k = 0; k < 4; k++)
			if (strcmp(v, level_names[k]) == 0)
				l = k;
		if (l < 0)
			return brt__bad_usage(
				argv0,
				"--log-level is error, warn, info or "
				"debug, not '%s'",
				v);
		rt->log_level = l;
	} else if (missing)
		return brt__bad_usage(argv0, "option '%s' needs a value", a);
	else
		return 0;
	return 1;
}
