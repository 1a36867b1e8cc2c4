/*
 * resolve.h — binding names to declarations.
 *
 * resolve_model() fills the "resolved" pointer fields of model.h and
 * reports every name that does not resolve, at the referencing element's
 * file:line (SA00010 for definitions that must come from an import and
 * for an undeclared partnerLink on a messaging activity). It does not run
 * the other static-analysis rules (check_*.c does). This is the one
 * implementation of BPEL's scoping: the checks read the bindings it
 * stores (check_bind.c), lowering uses them and the look-ups below,
 * which never report anything and return NULL (false) when nothing
 * matches.
 *
 * Implicit variables (model.h: bpel_variable.is_implicit) are made by the
 * model and typed here: catch faultVariable (faultMessageType /
 * faultElement), forEach counter (xsd:unsignedInt, visible in the body
 * scope), onEvent variable and fromPart toVariable (visible in the
 * onEvent's scope).
 */
#ifndef BPELC_RESOLVE_H
#define BPELC_RESOLVE_H

#include <stdbool.h>

#include "model.h"

struct diag;

/* Bind every name to its declaration (the resolved-pointer fields of
 * model.h), report what does not resolve. Also computes effective_sjf on
 * every activity and effective_exit_on_standard_fault on every scope
 * (inherited from the nearest ancestor that sets it; default no). */
void resolve_model(struct model *m, struct diag *dg);

/* Global definitions of the loaded WSDL/XSD documents by QName. */
struct wsdl_message *resolve_message(const struct model *m, struct qname q);
struct wsdl_port_type *resolve_port_type(const struct model *m, struct qname q);
struct xsd_element *resolve_element(const struct model *m, struct qname q);
struct xsd_type *resolve_type(const struct model *m, struct qname q);
/* builtin XSD type -> kind; returns false if q is not an XSD builtin */
bool resolve_builtin(struct qname q, enum xsd_kind *kind);
struct vprop_property *resolve_property(const struct model *m, struct qname q);
struct plnk_type *resolve_plnk_type(const struct model *m, struct qname q);
/* The operation `name` of port type pt, NULL if none. */
struct wsdl_operation *resolve_operation(const struct wsdl_port_type *pt,
					 const char *name);

/* the variable named `name` visible from activity `a` (lexical scoping
 * through enclosing scopes; also the implicit variables of catch
 * faultVariable, forEach counter, onEvent variable). a == NULL: only the
 * process's variables. */
struct bpel_variable *resolve_variable(const struct model *m,
				       const struct bpel_activity *a,
				       const char *name);
/* The partner link `name` visible from `a`; for an onEvent the lookup
 * starts in its associated scope (SA00084). */
struct bpel_partner_link *resolve_partner_link(const struct model *m,
					       const struct bpel_activity *a,
					       const char *name);
/* Same scoping for correlation sets and message exchanges. */
struct bpel_corr_set *resolve_corr_set(const struct model *m,
				       const struct bpel_activity *a,
				       const char *name);
struct bpel_mex *resolve_mex(const struct model *m,
			     const struct bpel_activity *a, const char *name);
/* The nearest scope enclosing `a` (a itself when it is a scope), the
 * process's scope at the top. */
struct bpel_scope *resolve_scope_of(const struct model *m,
				    const struct bpel_activity *a);

#endif
