/*
 * model_parse.h — private interface between load.c and model_*.c.
 *
 * load.c opens a file and hands its root element to one of the model_*
 * parsers together with a `struct load_file` (the file's display path,
 * text, arena and diagnostics). The helpers here read attributes, QNames
 * and text off xmlNodes the same way for every parser. Not used outside
 * the front end.
 */
#ifndef BPELC_MODEL_PARSE_H
#define BPELC_MODEL_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "model.h"

enum load_kind { LOAD_UNKNOWN, LOAD_BPEL, LOAD_WSDL, LOAD_XSD };

/* One file read by the loader. */
struct load_file {
	struct model *m;
	struct arena *a;
	struct diag *dg;
	const char *
		path; /* display path: as given / joined to the importer's dir */
	const char *real; /* realpath, for loading each file once */
	const char *text; /* the bytes, NUL-terminated (arena) */
	size_t len;
	size_t *line_off; /* start offset of each line (lazily built) */
	int nlines;
	xmlDocPtr doc;
	enum load_kind kind;
	const char *tns;
	struct wsdl_doc *wsdl;	   /* when kind == LOAD_WSDL */
	struct xsd_schema *schema; /* when kind == LOAD_XSD */
	struct load_file *next;
};

/* load.c helpers shared by the parsers. */
struct loc load_loc(struct load_file *f, xmlNodePtr n);
/* Unqualified attribute as an arena string, NULL when absent. */
const char *load_attr(struct load_file *f, xmlNodePtr n, const char *name);
/* QName-valued attribute resolved against n's in-scope namespaces; an
 * unprefixed value takes the default namespace. Returns false (and leaves
 * *q absent) when the attribute is missing; reports an undeclared prefix
 * (then q->local is still set and q->ns is NULL). */
bool load_qname_attr(struct load_file *f, xmlNodePtr n, const char *name,
		     struct qname *q);
/* Resolve a "prefix:local" string in n's context (same rules). */
struct qname load_qname(struct load_file *f, xmlNodePtr n, const char *value);
/* yes/no attribute: -1 absent, 0 no, 1 yes; anything else is reported. */
int load_yesno(struct load_file *f, xmlNodePtr n, const char *name);
/* The element's text content with surrounding white space trimmed. */
const char *load_text(struct load_file *f, xmlNodePtr n);
/* n is an element named {ns}local. */
bool load_is(xmlNodePtr n, const char *ns, const char *local);
/* The next element sibling starting at n (n itself when it is one). */
xmlNodePtr load_elem(xmlNodePtr n);

/* The parsers. Each reads one document (or the inline schema node) and
 * links what it made into the model. */
void model_bpel_parse(struct load_file *f, xmlNodePtr root);
struct wsdl_doc *model_wsdl_parse(struct load_file *f, xmlNodePtr root);
struct xsd_schema *model_xsd_parse(struct load_file *f, xmlNodePtr schema);

#endif
