/*
 * driver.h — runs the phases of one compilation in order (load, resolve,
 * check, lower, emit, cc), stopping after the first phase that reported
 * an error (re2c's CHECK_RET), and runs the C compiler.
 *
 * Exit statuses (design.md): 0 success, 1 the process is invalid
 * (diagnostics printed), 2 usage or I/O error, 3 the C compiler or linker
 * failed (its output shown).
 * Not here: option parsing (main.c), any phase's own work.
 */
#ifndef BPELC_DRIVER_H
#define BPELC_DRIVER_H

#include <stdbool.h>

#include "diag.h"
#include "model.h"

enum driver_mode {
	DRIVER_COMPILE,	   /* executable */
	DRIVER_CHECK,	   /* --check: diagnostics only */
	DRIVER_EMIT_C,	   /* --emit-c: the C file */
	DRIVER_DUMP_MODEL, /* --dump=model: the resolved model on stdout */
	DRIVER_DUMP_IR,	   /* --dump=ir: the IR on stdout */
	DRIVER_EMIT_DOT,   /* --emit=dot: a Graphviz picture (emit_dot.c) */
};

struct driver_options {
	enum driver_mode mode;
	const char *input;  /* the .bpel, as given */
	const char *output; /* -o; NULL: the default ("-" with --emit-c:
			       stdout) */
	const char *argv0;  /* to find the runtime if /proc/self/exe fails */
	bool no_line;	    /* --no-line */
	bool werror;	    /* -Werror */
	enum diag_format diag_format;
	/* Make dependencies, as gcc writes them: -MD writes them, -MF FILE
	 * there (default: the output with its extension made .d), -MT TARGET
	 * the rule's target (default: the output), -MP a phony rule for each
	 * prerequisite, so a deleted import does not stop make. */
	bool dep_file;		/* -MD (implied by -MF) */
	const char *dep_path;	/* -MF */
	const char *dep_target; /* -MT; several are joined by spaces */
	bool dep_phony;		/* -MP */
	/* -Werror=RULE, -Wno-error=RULE, -Wno-RULE, -WRULE in command-line
	 * order (diag_set_rule); the array is the caller's. */
	const struct driver_rule *rules;
	int nrules;
	/* --catalog FILE, in order (load.h: struct load_options) */
	const char *const *catalogs;
	int ncatalogs;
	/* --ode DIR: the deployment unit (ode.c runs one compilation per
	 * process with `ode` set, `input` its .bpel, `output` its
	 * executable and `bindings` deploy.xml's partner link bindings) */
	const char *ode_dir;
	bool ode;
	const struct driver_binding *bindings;
	int nbindings;
	const struct model_prop *props; /* deploy.xml <property>s */
	int nprops;
};

/* A partner link bound to a WSDL port by deploy.xml (ode.c). */
struct driver_binding {
	const char *plink;  /* partnerLink name */
	bool provide;	    /* <provide> (myRole), else <invoke> */
	const char *svc_ns; /* <service name> QName */
	const char *svc_local;
	const char *port; /* <service port> */
	struct loc loc;	  /* in deploy.xml */
};

struct driver_rule {
	const char *rule; /* "SA00014" */
	enum diag_rule_action act;
};

/* Run one compilation; returns the exit status. */
int driver_run(const struct driver_options *o);

/*
 * A compiled process kept for `bpelc test` (test_run.c): loaded,
 * resolved, checked and lowered; its model and IR stay until
 * driver_unit_free, so coverage can be mapped onto them after the run.
 */
struct driver_unit {
	struct diag *dg;
	struct arena *a;
	struct model *m;
	struct ir_program *ir;
};

/* Open o->input as a unit: 0 and *out, or the exit status (1 invalid,
 * 2 I/O) after the diagnostics. */
int driver_unit_open(const struct driver_options *o, struct driver_unit **out);
/* Build the unit into executable `out`; `test`: a test build (runtime
 * libbpelrt-test.a, brt_main wrapped by test mode). Exit status. */
int driver_unit_build(const struct driver_options *o, struct driver_unit *u,
		      const char *out, bool test);
void driver_unit_free(struct driver_unit *u);

/* "0.1.0" */
const char *driver_version(void);

#endif
