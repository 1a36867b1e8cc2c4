/*
 * ode.h — a home for Apache ODE's users: `bpelc --ode DIR` compiles an
 * ODE deployment unit as it is (docs/migrating-from-ode.md).
 *
 *  - ode.c: reads DIR/deploy.xml and compiles every process it names
 *    into an executable named after the process, each partner link bound
 *    to the WSDL port deploy.xml names; its other settings are mapped or
 *    reported as ignored.
 *  - ode_dialect.c: ODE's deviations from WS-BPEL 2.0, rewritten into the
 *    standard form as each file is read, with a warning each;
 *    ode_draft.c: the same for the syntax of the pre-OASIS draft.
 * The default mode (no --ode) never uses either.
 */
#ifndef BPELC_ODE_H
#define BPELC_ODE_H

#include <stdbool.h>

#include <libxml/tree.h>

struct load_file;
struct driver_options;

/* Rewrite ODE's dialect in doc (a process when is_process, else a WSDL or
 * schema) into standard WS-BPEL 2.0, warning at each place. */
void ode_dialect(struct load_file *f, xmlDocPtr doc, bool is_process);

/* The pre-OASIS draft's syntax of element n, rewritten into WS-BPEL 2.0
 * with a warning (ode_draft.c); called by ode_dialect for every element
 * of a file written in the draft's namespaces, after they were mapped. */
void ode_draft_element(struct load_file *f, xmlNodePtr n, bool is_process);

/* bpelc --ode DIR [-o OUTDIR]: compile every process of DIR/deploy.xml.
 * Returns the exit status (driver.h's). */
int ode_run(const struct driver_options *o);

struct model;
struct diag;
struct driver_binding;

/* Bind each partner link deploy.xml names to the WSDL port it names
 * (after resolve: replaces the port chosen by port type). */
void ode_bind(struct model *m, struct diag *dg, const struct driver_binding *b,
	      int n);

/* Warnings where a process depends on ODE's run-time behaviour that
 * --ode reproduces (a correlation set initiated twice). */
void ode_check(struct model *m, struct diag *dg);

/* The rules ODE's compiler did not enforce, made warnings for this
 * compile (diag_set_rule): docs/migrating-from-ode.md lists them. */
void ode_rules(struct diag *dg);

#endif
