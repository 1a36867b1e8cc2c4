/*
 * diag.h — the diagnostics sink. Every phase reports user errors here and
 * goes on; the driver checks diag_errors() between phases.
 *
 * Output (design.md), one line per diagnostic on stderr:
 *   file:LINE:COL: error: SA00023: text
 *   file:LINE:COL: warning: text
 * With DIAG_JSON, one JSON object per line instead:
 *   {"file":…,"line":…,"column":…,"severity":"error","rule":"SA00023","message":…}
 * With DIAG_SARIF, nothing until diag_free, which writes one SARIF 2.1.0
 * log (GitHub code scanning's input): every rule of sa_rules.def with its
 * text, then every diagnostic as a result.
 * In the JSON and SARIF formats everything bpelc says goes through the sink
 * (diag_tool), so stderr stays one valid document.
 * The sink only formats and counts; it never stops a phase (the driver
 * decides) and knows no rule (docs/diagnostics.md lists the codes).
 */
#ifndef BPELC_DIAG_H
#define BPELC_DIAG_H

#include <stdbool.h>
#include <stdio.h>

/* A position in a source file. file is borrowed (arena). col 0: unknown. */
struct loc {
	const char *file;
	int line;
	int col;
};

enum diag_format { DIAG_TEXT, DIAG_JSON, DIAG_SARIF };

struct diag;

/* A sink writing to `out` (borrowed: the caller closes it after
 * diag_free) in format fmt. */
struct diag *diag_new(FILE *out, enum diag_format fmt);
/* Writes the SARIF log (DIAG_SARIF), then frees the sink. NULL is fine. */
void diag_free(struct diag *dg);
/* Report an error; rule is "SA00023" or NULL. loc may be NULL (no file). */
void diag_error(struct diag *dg, const struct loc *loc, const char *rule,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void diag_warning(struct diag *dg, const struct loc *loc, const char *rule,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A message of bpelc itself, not about the process (I/O, the C
 * compiler's output, usage): "bpelc: TEXT" in text form, an error result
 * without file or rule in JSON and SARIF. Counts as nothing. */
void diag_tool(struct diag *dg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int diag_errors(const struct diag *dg);
int diag_warnings(const struct diag *dg);
/* -Werror: warnings count as errors for the exit status. */
void diag_set_werror(struct diag *dg, bool on);

/* GCC's per-diagnostic control, for the diagnostics that name a rule
 * ("SA00014"): how that rule's reports are given from now on.
 *   DIAG_RULE_DEFAULT  as the phase reports it (-WRULE)
 *   DIAG_RULE_WARNING  a warning, even under -Werror (-Wno-error=RULE)
 *   DIAG_RULE_ERROR    an error, even when reported as a warning
 *                      (-Werror=RULE)
 *   DIAG_RULE_OFF      not reported at all (-Wno-RULE)
 * rule is copied. false when the table is full (64 rules). */
enum diag_rule_action {
	DIAG_RULE_DEFAULT,
	DIAG_RULE_WARNING,
	DIAG_RULE_ERROR,
	DIAG_RULE_OFF
};
bool diag_set_rule(struct diag *dg, const char *rule,
		   enum diag_rule_action act);
/* Is `rule` a rule name diag_set_rule takes: SA and five digits. */
bool diag_is_rule_name(const char *rule);

#endif
