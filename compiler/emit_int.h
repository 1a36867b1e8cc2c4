/*
 * emit_int.h — what emit.c shares with emit_tables.c: the emitter (one
 * per generated file), its output calls and the small renderers that
 * turn model values into C text. Not used outside the emitter.
 *
 * Output goes into an output tree (emit.c): text chunks and `#line`
 * markers, rendered once at the end so a marker knows its own line.
 * Strings the renderers return live in the compilation's arena.
 */
#ifndef BPELC_EMIT_INT_H
#define BPELC_EMIT_INT_H

#include <stdbool.h>

#include "emit.h"
#include "ir.h"
#include "strbuf.h"

struct emit_op {
	struct wsdl_operation *op;
	struct wsdl_binding *binding; /* NULL: no SOAP binding known */
};

struct emitter {
	struct ir_program *p;
	const struct emit_options *o;
	struct arena *a;
	const char *P; /* process identifier: step and table prefix */
	const char *U; /* its upper case: state constants */
	struct strbuf cur;
	struct ir_vec chunks;
	struct ir_vec msgs;   /* struct wsdl_message * */
	struct ir_vec ops;    /* struct emit_op * */
	struct ir_vec wsdls;  /* struct emit_wset * (emit_wsdl.c) */
	struct ir_vec nslist; /* const char *: rendered brt_ns array bodies */
	int serial;	      /* names of per-descriptor arrays */
	int nvalidates;	      /* brt_validate entries (emit_data_tables) */
	bool has_expr_errors;
	bool has_unread; /* a vars_unread table was emitted */
	int nactivities; /* the activity tree's size (emit_tree.c), 0: none */
};

/* ---- emit.c: output ------------------------------------------------------ */

/* Append printf-formatted text to the current chunk. */
void emit_out(struct emitter *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* `#line` into the BPEL source at loc (nothing with --no-line or without
 * a location), and back into the generated file. */
void emit_line_src(struct emitter *e, const struct loc *loc);
void emit_line_back(struct emitter *e);

/* ---- emit.c: small renderers --------------------------------------------- */

/* A C string literal for s, "NULL" for NULL. */
const char *emit_cstr(struct emitter *e, const char *s);
/* Long text as adjacent string literals, one source line each, each
 * line after the first preceded by `indent`. */
void emit_text_lines(struct emitter *e, const char *s, const char *indent);
/* A brt_qname initialiser: "{ ns, local }", "{ NULL, NULL }" if absent. */
const char *emit_qname(struct emitter *e, struct qname q);
/* The BRT_XSD_* constant of a simple-type kind. */
const char *emit_xsd_kind(enum xsd_kind k);
const char *emit_bool(bool b);
/* The state constant of state id (`<PROC>_S_<NAME>`). */
const char *emit_state_ref(struct emitter *e, int id);
/* s with comment delimiters and line breaks defused. */
const char *emit_comment_safe(struct emitter *e, const char *s);

/* ---- emit_tables.c ------------------------------------------------------- */

/* Gather the messages and operations the tables will name (first, before
 * anything is written). */
void emit_tables_collect(struct emitter *e);
/* Messages, operations, partner links, scopes, variables, expressions,
 * literals, correlation, assigns, embedded files and validation lists. */
void emit_tables_data(struct emitter *e);
/* Receive, reply, invoke and pick descriptors (after the data tables
 * they point into). */
void emit_tables_activities(struct emitter *e);

/* The path of an http(s) URL: "http://h:1/a/b?q" -> "/a/b". */
const char *emit_url_path(struct emitter *e, const char *url);
/* The other ports of a link's myRole service with the same binding and
 * an address (the link is served at each too). Fills out[] when not
 * NULL; returns the count. */
int emit_alt_ports_of(const struct bpel_partner_link *pl,
		      const struct wsdl_port **out);

/* ---- emit_wsdl.c ---------------------------------------------------------- */

/* The documents served to clients as ?wsdl (and ?wsdl=N, ?xsd=N) for
 * every WSDL that defines a served port: rewritten for a client, with a
 * gap for the service's address (before the partner link table). */
void emit_wsdl_sets(struct emitter *e);
/* The set a link serves: its index (the table `<P>__wsdl_<i>`) and its
 * number of documents; -1 when the link serves none. */
int emit_wsdl_set_of(struct emitter *e, const struct bpel_partner_link *pl,
		     int *ndocs);

/* ---- emit_tree.c ---------------------------------------------------------- */

/* The activity tree and the state -> activity table (brt_activity). */
void emit_tree(struct emitter *e);

#endif
