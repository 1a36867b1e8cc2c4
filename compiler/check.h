/*
 * check.h — the static-analysis stage: every SA rule of WS-BPEL 2.0
 * (Appendix B) plus a few warnings for legal but suspicious constructs.
 *
 * Runs after resolve_model. It reads the model and the XML it keeps (the
 * process document, every WSDL document and schema) and reports each
 * violation to the diagnostics sink as `file:line:col: error: SAnnnnn: …`.
 * It never stops at the first error and never changes the model. Names
 * that do not resolve are resolve's to report (SA00010 …); the checks
 * skip what they cannot resolve.
 */
#ifndef BPELC_CHECK_H
#define BPELC_CHECK_H

#include "diag.h"
#include "model.h"

/* Run every rule over m; errors and warnings go to dg. m is borrowed. */
void check_model(struct model *m, struct diag *dg);

#endif
