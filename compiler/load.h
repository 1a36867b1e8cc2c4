/*
 * load.h — reading a process and everything it imports into the model.
 *
 * load.c reads files with libxml2 (no network, no DTD, no entity
 * expansion), follows the process's <import>s, WSDL <wsdl:import>s and XSD
 * <xsd:import>/<xsd:include> relative to the importing file, loads each
 * file once, and calls model_bpel.c / model_wsdl.c / model_xsd.c to build
 * the typed tree. It owns every xmlDoc until load_free.
 */
#ifndef BPELC_LOAD_H
#define BPELC_LOAD_H

#include <stdio.h>

#include "model.h"

struct arena;
struct diag;

/* Read PROCESS.bpel and everything it imports; build the model (model_*.c).
 * Returns NULL only when the .bpel itself cannot be read (I/O error: the
 * driver exits 2; a diagnostic has been printed). Every other problem is a
 * diagnostic and a (possibly partial) model is returned: m->process and
 * m->process->scope are always non-NULL then, and m->process->doc may be
 * NULL when the .bpel is not well-formed.
 * All model memory is in `a`; the xmlDocs belong to the model until
 * load_free. */
struct model *load_process(struct arena *a, struct diag *dg, const char *path);

/* What a compilation tells the loader beyond the file. */
struct load_options {
	/* --catalog FILEs, in order, before XML_CATALOG_FILES and the
	 * catalog.xml found beside the process or in a parent folder: how
	 * imports of absolute URLs find local copies (catalog.h). */
	const char *const *catalogs;
	int ncatalogs;
	/* --ode: read Apache ODE's dialect (ode_dialect.c), m->ode set */
	bool ode;
};

/* load_process with options (NULL: none). */
struct model *load_process_with(struct arena *a, struct diag *dg,
				const char *path, const struct load_options *o);

/* Reads the whole file at `path` into m's arena (NUL-terminated; *len its
 * length), with the loader's rules: regular files only, at most 64 MB.
 * Records the path among m->deps when it was read. Returns NULL and sets
 * errno (EISDIR, EINVAL for a device or FIFO, EFBIG, ENOMEM, or fopen's)
 * when it cannot be read. For files outside the model that the
 * compilation embeds (stylesheets). */
char *load_read_file(struct model *m, const char *path, size_t *len);

/* Frees the xmlDocs the loader owns (process, WSDLs, XSD files). The model
 * structs stay in the arena, but their `node` pointers dangle afterwards.
 * NULL is fine. */
void load_free(struct model *m);

/* model_dump.c: --dump=model. A readable, deterministic tree of the model
 * (document order), with locations and resolved bindings. */
void model_dump(const struct model *m, FILE *out);

#endif
