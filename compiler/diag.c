/*
 * diag.c — the diagnostics sink (see diag.h).
 *
 * Formats each diagnostic as one line, GCC style (design.md) or as one JSON
 * object (DIAG_JSON), writes it at once and counts it; in SARIF form it
 * keeps the results and writes the whole log at diag_free. It never stops the
 * compilation: the driver looks at the counts between phases. It does not
 * quote source lines: every diagnostic must stay a single line so editors
 * and the conformance runner can parse it.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "strbuf.h"

#define DIAG_MAX_RULES 64

struct diag {
	FILE *out;
	enum diag_format fmt;
	int nerrors;
	int nwarnings;
	int nkept; /* warnings -Werror leaves warnings (-Wno-error=RULE) */
	bool werror;
	struct strbuf sarif; /* SARIF results so far, comma-separated */
	int nresults;
	struct {
		char rule[16];
		enum diag_rule_action act;
	} rules[DIAG_MAX_RULES];
	int nrules;
};

/* ORDER: sa_rules.def is sorted by code; a result's ruleIndex is the
 * position of its code here, the tool's own messages come last. */
static const char *const sa_codes[] = {
#define SA_RULE(code, text) #code,
#include "sa_rules.def"
#undef SA_RULE
};
static const char *const sa_texts[] = {
#define SA_RULE(code, text) text,
#include "sa_rules.def"
#undef SA_RULE
};
#define NSA_RULES ((int)(sizeof sa_codes / sizeof *sa_codes))
/* Results with no SA code (XML errors, imports, warnings, the tool's own
 * messages) use this rule: code scanning wants a ruleId on every result. */
#define DIAG_RULE "bpelc"
#define DIAG_RULE_TEXT \
	"A diagnostic of bpelc that no static-analysis rule covers (XML, imports, expressions, warnings, the C compiler)."

struct diag *diag_new(FILE *out, enum diag_format fmt)
{
	struct diag *dg = calloc(1, sizeof(*dg));
	if (!dg)
		arena_oom();
	dg->out = out;
	dg->fmt = fmt;
	return dg;
}

static void diag_json_string(struct strbuf *sb, const char *s);

static int rule_index(const char *rule)
{
	for (int i = 0; rule && i < NSA_RULES; i++)
		if (strcmp(sa_codes[i], rule) == 0)
			return i;
	return NSA_RULES;
}

/* An artifact URI: the path as given, percent-encoding what a URI
 * reference may not hold (RFC 3986), '/' kept. */
static void sarif_uri(struct strbuf *sb, const char *path)
{
	struct strbuf u = STRBUF_INIT;
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("/-._~", *p))
			strbuf_putc(&u, (char)*p);
		else
			strbuf_printf(&u, "%%%02X", *p);
	}
	diag_json_string(sb, u.buf ? u.buf : "");
	strbuf_free(&u);
}

static void sarif_result(struct diag *dg, const char *file, int line, int col,
			 const char *sev, const char *rule, const char *msg)
{
	struct strbuf *sb = &dg->sarif;
	int ri = rule_index(rule);
	if (dg->nresults++)
		strbuf_puts(sb, ",");
	strbuf_puts(sb, "\n    {\"ruleId\":");
	diag_json_string(sb, ri < NSA_RULES ? sa_codes[ri] : DIAG_RULE);
	strbuf_printf(
		sb,
		",\"ruleIndex\":%d,\"level\":\"%s\",\"message\":{\"text\":", ri,
		sev);
	diag_json_string(sb, msg);
	strbuf_puts(sb, "}");
	if (file) {
		strbuf_puts(sb, ",\"locations\":[{\"physicalLocation\":{"
				"\"artifactLocation\":{\"uri\":");
		sarif_uri(sb, file);
		strbuf_puts(sb, "}");
		if (line > 0)
			strbuf_printf(sb,
				      ",\"region\":{\"startLine\":%d,"
				      "\"startColumn\":%d}",
				      line, col > 0 ? col : 1);
		strbuf_puts(sb, "}}]");
	}
	strbuf_puts(sb, "}");
}

/* The SARIF 2.1.0 log: one run of bpelc, its rules, the results. */
static void sarif_write(struct diag *dg)
{
	struct strbuf sb = STRBUF_INIT;
	strbuf_puts(&sb,
		    "{\"$schema\":\"https://json.schemastore.org/"
		    "sarif-2.1.0.json\",\"version\":\"2.1.0\",\n"
		    "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"bpelc\","
		    "\"informationUri\":\"https://bpelc.dev/\",\"rules\":[");
	for (int i = 0; i <= NSA_RULES; i++) {
		strbuf_puts(&sb, i ? ",\n    " : "\n    ");
		strbuf_puts(&sb, "{\"id\":");
		diag_json_string(&sb, i < NSA_RULES ? sa_codes[i] : DIAG_RULE);
		strbuf_puts(&sb, ",\"shortDescription\":{\"text\":");
		diag_json_string(&sb,
				 i < NSA_RULES ? sa_texts[i] : DIAG_RULE_TEXT);
		strbuf_puts(&sb, "},\"defaultConfiguration\":{\"level\":"
				 "\"error\"}}");
	}
	strbuf_puts(&sb, "]}},\n  \"columnKind\":\"unicodeCodePoints\",\n"
			 "  \"results\":[");
	if (dg->sarif.buf)
		strbuf_puts(&sb, dg->sarif.buf);
	strbuf_puts(&sb, "]}]}\n");
	fputs(sb.buf, dg->out);
	fflush(dg->out);
	strbuf_free(&sb);
}

void diag_free(struct diag *dg)
{
	if (!dg)
		return;
	if (dg->fmt == DIAG_SARIF)
		sarif_write(dg);
	strbuf_free(&dg->sarif);
	free(dg);
}

/* JSON string with the escapes RFC 8259 requires; bytes >= 0x80 pass
 * through (the input is UTF-8 from libxml2 or our own ASCII text). */
static void diag_json_string(struct strbuf *sb, const char *s)
{
	strbuf_putc(sb, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			strbuf_puts(sb, "\\\"");
			break;
		case '\\':
			strbuf_puts(sb, "\\\\");
			break;
		case '\n':
			strbuf_puts(sb, "\\n");
			break;
		case '\r':
			strbuf_puts(sb, "\\r");
			break;
		case '\t':
			strbuf_puts(sb, "\\t");
			break;
		case '\b':
			strbuf_puts(sb, "\\b");
			break;
		case '\f':
			strbuf_puts(sb, "\\f");
			break;
		default:
			if (*p < 0x20)
				strbuf_printf(sb, "\\u%04x", *p);
			else
				strbuf_putc(sb, (char)*p);
		}
	}
	strbuf_putc(sb, '"');
}

/* A message must stay on one line: newlines from libxml2 messages or
 * from expression text become spaces, a trailing one is dropped. */
static void diag_one_line(char *s)
{
	size_t n = strlen(s);
	while (n > 0 &&
	       (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

static void diag_emit(struct diag *dg, const struct loc *loc, const char *sev,
		      const char *rule, const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n > 0) {
		char *tmp = malloc((size_t)n + 1);
		if (!tmp)
			arena_oom();
		vsnprintf(tmp, (size_t)n + 1, fmt, ap);
		strbuf_puts(&msg, tmp);
		free(tmp);
	} else {
		strbuf_puts(&msg, "");
	}
	diag_one_line(msg.buf);

	struct strbuf line = STRBUF_INIT;
	const char *file = loc && loc->file ? loc->file : NULL;
	int lineno = loc ? loc->line : 0;
	int col = loc ? loc->col : 0;
	if (dg->fmt == DIAG_SARIF) {
		sarif_result(dg, file, lineno, col, sev, rule, msg.buf);
		strbuf_free(&msg);
		return;
	}
	if (dg->fmt == DIAG_JSON) {
		strbuf_puts(&line, "{\"file\":");
		if (file)
			diag_json_string(&line, file);
		else
			strbuf_puts(&line, "null");
		strbuf_printf(
			&line,
			",\"line\":%d,\"column\":%d,\"severity\":\"%s\",\"rule\":",
			lineno, col, sev);
		if (rule)
			diag_json_string(&line, rule);
		else
			strbuf_puts(&line, "null");
		strbuf_puts(&line, ",\"message\":");
		diag_json_string(&line, msg.buf);
		strbuf_puts(&line, "}\n");
	} else {
		if (file && lineno > 0)
			/* design.md always has a column; 1 when unknown. */
			strbuf_printf(&line, "%s:%d:%d: ", file, lineno,
				      col > 0 ? col : 1);
		else if (file)
			strbuf_printf(&line, "%s: ", file);
		else
			strbuf_puts(&line, "bpelc: ");
		strbuf_printf(&line, "%s: ", sev);
		if (rule)
			strbuf_printf(&line, "%s: ", rule);
		strbuf_puts(&line, msg.buf);
		strbuf_putc(&line, '\n');
	}
	fputs(line.buf, dg->out);
	fflush(dg->out);
	strbuf_free(&line);
	strbuf_free(&msg);
}

static enum diag_rule_action diag_rule_of(const struct diag *dg,
					  const char *rule)
{
	if (rule)
		for (int i = dg->nrules; i-- > 0;)
			if (strcmp(dg->rules[i].rule, rule) == 0)
				return dg->rules[i].act;
	return DIAG_RULE_DEFAULT;
}

/* One report as `error` (or a warning) after the rule's action. */
static void diag_report(struct diag *dg, bool error, const struct loc *loc,
			const char *rule, const char *fmt, va_list ap)
{
	enum diag_rule_action act = diag_rule_of(dg, rule);
	if (act == DIAG_RULE_OFF)
		return;
	if (act == DIAG_RULE_ERROR)
		error = true;
	else if (act == DIAG_RULE_WARNING)
		error = false;
	diag_emit(dg, loc, error ? "error" : "warning", rule, fmt, ap);
	if (error) {
		dg->nerrors++;
	} else {
		dg->nwarnings++;
		if (act == DIAG_RULE_WARNING)
			dg->nkept++;
	}
}

void diag_error(struct diag *dg, const struct loc *loc, const char *rule,
		const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(dg, true, loc, rule, fmt, ap);
	va_end(ap);
}

void diag_warning(struct diag *dg, const struct loc *loc, const char *rule,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(dg, false, loc, rule, fmt, ap);
	va_end(ap);
}

void diag_tool(struct diag *dg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (dg->fmt == DIAG_TEXT) {
		fputs("bpelc: ", dg->out);
		vfprintf(dg->out, fmt, ap);
		fputc('\n', dg->out);
		fflush(dg->out);
	} else {
		diag_emit(dg, NULL, "error", NULL, fmt, ap);
	}
	va_end(ap);
}

int diag_errors(const struct diag *dg)
{
	return dg->nerrors + (dg->werror ? dg->nwarnings - dg->nkept : 0);
}

bool diag_is_rule_name(const char *rule)
{
	if (strncmp(rule, "SA", 2) != 0 || strlen(rule) != 7)
		return false;
	for (int i = 2; i < 7; i++)
		if (rule[i] < '0' || rule[i] > '9')
			return false;
	return true;
}

bool diag_set_rule(struct diag *dg, const char *rule, enum diag_rule_action act)
{
	/* a later option for the same rule wins (diag_rule_of looks from
	 * the end), as on GCC's command line */
	if (dg->nrules == DIAG_MAX_RULES ||
	    strlen(rule) >= sizeof dg->rules[0].rule)
		return false;
	snprintf(dg->rules[dg->nrules].rule, sizeof dg->rules[0].rule, "%s",
		 rule);
	dg->rules[dg->nrules++].act = act;
	return true;
}

int diag_warnings(const struct diag *dg)
{
	return dg->nwarnings;
}

void diag_set_werror(struct diag *dg, bool on)
{
	dg->werror = on;
}
