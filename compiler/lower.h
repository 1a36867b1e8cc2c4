/*
 * lower.h — turning a resolved, checked model into the IR (ir.h).
 *
 * Lowering runs after check_model found no error, so it may rely on every
 * name being resolved; what it cannot lower yet (activities whose runtime
 * API does not exist) it reports as "<pick> is not supported yet" at the
 * element and goes on, so every such place is listed.
 */
#ifndef BPELC_LOWER_H
#define BPELC_LOWER_H

#include "diag.h"
#include "ir.h"
#include "model.h"

/* Lower m into a new IR program in the model's arena. Sets the `index`
 * fields of activities, scopes, variables, partner links and correlation
 * sets. Errors go to dg; the program is returned even then (the driver
 * checks diag_errors before emitting). */
struct ir_program *lower_process(struct model *m, struct diag *dg);

#endif
