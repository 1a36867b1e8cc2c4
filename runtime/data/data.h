/*
 * data.h — private interface of the data layer (data.c, xpath.c, copy.c,
 * message.c): prepared expressions and literals, and the "data context"
 * every data operation runs in.
 *
 * The data context (struct brt_dctx) decouples the data layer from strands:
 * it carries the process, the prepared tables and a callback that finds a
 * variable's storage. The strand-facing functions of internal.h and
 * bpelrt.h build one from a strand (brt__dctx_strand) and turn a recorded
 * fault into a BPEL fault on the strand; unit tests build one with their
 * own variable slots. A data operation never raises anything itself: it
 * records the standard fault's local name and a reason, and returns
 * BRT_EFAULT (or NULL): convention 3 of internal.h's errors.
 *
 * Not here: scheduling, fault handling, HTTP. Never installed.
 */
#ifndef BRT_DATA_H
#define BRT_DATA_H

#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "bpelrt.h"

/* One expression, compiled once. ns/nns: the prefixed in-scope namespaces
 * (the default namespace is left out: XPath 1.0 names without a prefix
 * have no namespace), in the form xmlXPathContext wants. */
struct brt_pexpr {
	xmlXPathCompExprPtr comp;
	xmlNsPtr *ns;
	int nns;
	xmlNs *nsbuf; /* storage behind ns[] */
	/* comp NULL: why evaluating faults with subLanguageExecutionFault
	 * (the compiler's brt_expr.error, or libxml2's compile error);
	 * owned. */
	char *error;
};

/* One literal, parsed once: an element literal is a document, anything
 * else is its text. */
struct brt_plit {
	xmlDocPtr doc;
	xmlChar *text;
};

struct brt_xsl; /* xpath.c: stylesheets for bpel:doXslTransform */
struct brt_xsd; /* validate.c: schemas for <validate>, assign validate */

struct brt_prepared {
	const struct brt_process *proc;
	xmlXPathContextPtr xp; /* the one reusable XPath context */
	int nexprs;
	struct brt_pexpr *exprs;
	int nliterals;
	struct brt_plit *lits;
	struct brt_xsl *xsl; /* stylesheets, compiled at start-up */
	struct brt_xsd *xsd; /* validate.c: the compiled schema set, NULL
				when the process validates nothing */
	/* Documents that XPath functions made for their results
	 * (xpath_ode.c), freed after the step that evaluated them. */
	xmlDocPtr *scratch;
	int nscratch, cap_scratch;
};

/* Where a data operation finds variables and records its fault. */
struct brt_dctx {
	const struct brt_process *proc;
	struct brt_prepared *prep;
	/* Storage of variable `var` (see brt__var_slot), NULL if none. */
	xmlDocPtr *(*slot)(void *arg, int var);
	void *arg;
	int expr;		   /* expression being evaluated, -1 */
	unsigned long instance_id; /* $ode:pid; 0 outside an instance */
	const char *fault;	   /* standard fault local name, NULL: none */
	char why[256];
	/* Status of a flow link for a joinCondition's `$link` (1, 0, -1
	 * unset); NULL: no links visible. */
	int (*link)(void *arg, int link);
	/* Partner link endpoints (epr.c): the URL of plink's myRole or
	 * partnerRole (NULL: none; buf may hold it), and setting the
	 * partnerRole's URL. NULL callbacks: no partner links here. */
	const char *(*plink_url)(void *arg, int plink, bool my_role, char *buf,
				 size_t len);
	int (*set_plink_url)(void *arg, int plink, const char *url);
};

/* ---- data.c ----------------------------------------------------------- */

/* Prepare `p`: compile every expression, parse every literal. On failure
 * writes "file:line: reason" to err and returns BRT_EINVAL (or
 * BRT_ENOMEM); *out is then NULL. */
int brt__data_prepare_proc(const struct brt_process *p,
			   struct brt_prepared **out, char *err, size_t errlen);
void brt__data_prepared_free(struct brt_prepared *pp);

/* A data context for strand s. */
void brt__dctx_strand(struct brt_dctx *d, brt_strand *s);

/* Record standard fault `local` with a reason; returns BRT_EFAULT. The
 * first fault recorded wins. */
int brt__dx_fault(struct brt_dctx *d, const char *local, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Storage of variable var, NULL (with a fault recorded) if none. */
xmlDocPtr *brt__dx_slot(struct brt_dctx *d, int var);
/* Storage of variable var with *root set to its value's root element;
 * NULL, with a fault recorded, when var has no storage or no value yet
 * (uninitializedVariable: "variable 'v' is <verb> before it has a
 * value", verb e.g. "read"). */
xmlDocPtr *brt__dx_value(struct brt_dctx *d, int var, const char *verb,
			 xmlNodePtr *root);
/* The node of part index `part` in msg, the value of message variable
 * var: the part's element for an element part, else its wrapper. NULL,
 * with uninitializedVariable recorded, when the part has no value. */
xmlNodePtr brt__dx_part(struct brt_dctx *d, int var, int part, xmlDocPtr msg);

/* The child of message value `msg` holding part `name`, NULL if unset. */
xmlNodePtr brt__msg_part(xmlDocPtr msg, const char *name);
/* The first element child of n, NULL if none. */
xmlNodePtr brt__data_first_elem(xmlNodePtr n);
/* A new element {q.ns}q.local, declaring its namespace on itself. */
xmlNodePtr brt__data_new_elem(xmlDocPtr doc, const struct brt_qname *q);
/* True when element n is named q. */
bool brt__data_elem_is(xmlNodePtr n, const struct brt_qname *q);
/* Whitespace-normalised copy of s (xmlFree). */
xmlChar *brt__data_normalize(const xmlChar *s);
/* Index of part `name` in m, -1 if none. */
int brt__data_part_index(const struct brt_message *m, const char *name);
/* Same message type (pointer or QName). */
bool brt__data_same_message(const struct brt_message *a,
			    const struct brt_message *b);

/* ---- xpath.c ---------------------------------------------------------- */

/* Evaluate expression `expr` with context node ctx (NULL: none). Returns a
 * new object, or NULL with a fault recorded (uninitializedVariable,
 * selectionFailure, subLanguageExecutionFault, ...). */
xmlXPathObjectPtr brt__dx_eval(struct brt_dctx *d, int expr, xmlNodePtr ctx);

/* The node that property `prop` selects in variable `var` through its
 * alias; *str gets a new string instead when the value is atomic. 0, or
 * BRT_EFAULT with selectionFailure / uninitializedVariable recorded. */
int brt__dx_var_property(struct brt_dctx *d, int var, int prop,
			 xmlNodePtr *node, xmlChar **str);

/* The alias of property prop for a value of message m (part name set) or,
 * for m NULL, of an element variable named elem / a type variable of
 * type. NULL if none. *part gets the part index (messages). */
const struct brt_alias *brt__find_alias(const struct brt_process *p, int prop,
					const struct brt_message *m,
					const struct brt_qname *elem,
					const struct brt_qname *type,
					int *part);

/* Apply alias a to context node ctx (the part's element or wrapper, or the
 * variable's element): the one selected node, or an atomic string. 0, or
 * BRT_EFAULT with selectionFailure recorded. */
int brt__dx_alias_apply(struct brt_dctx *d, const struct brt_alias *a,
			xmlNodePtr ctx, xmlNodePtr *node, xmlChar **str);

/* ---- xpnum.c ----------------------------------------------------------- */

/* A number as XPath 1.0 string() writes it: no exponent, shortest digits
 * that read back as the same double, NaN/Infinity/-Infinity, -0 as "0". */
xmlChar *brt__xpath_number_string(double v);
/* string() of an XPath value, numbers formatted as above (xmlFree). */
xmlChar *brt__xpath_string(xmlXPathObjectPtr o);
/* The number a simple value of a numeric schema type stands for: XPath's
 * number() (libxml2 also reads "1.5E3"), and the schema's "INF", "+INF",
 * "-INF"; NaN when it is none. */
double brt__xsd_number(const xmlChar *text);
/* Make string(), concat() and the other string functions of xp convert
 * number arguments as above. */
void brt__xpath_number_setup(xmlXPathContextPtr xp);

/* Register the variable resolver and the BPEL functions on xp, and
 * Apache ODE's when p was compiled with --ode. */
int brt__xpath_setup(xmlXPathContextPtr xp, const struct brt_process *p);
/* The text of a libxml2 XPath error: its message, or (libxml2 gives a
 * context's handler none) the text of its code. */
const char *brt__xpath_error_text(const xmlError *e);
/* The data context of the evaluation a function of xp runs in. */
struct brt_dctx *brt__xpath_dctx(xmlXPathParserContextPtr ctxt);
/* The variable called name that the evaluating expression sees: its refs
 * first, else the innermost declaration the strand reaches; -1: none. */
int brt__dx_var_by_name(struct brt_dctx *d, const xmlChar *name);

/* ---- xpath_ode.c: Apache ODE's extensions (bpelc --ode) ------------------ */

extern const char *const brt__ode_ns;
/* Register ODE's functions (and getVariableData) on xp. 0 or BRT_ENOMEM. */
int brt__xpath_ode_setup(xmlXPathContextPtr xp);
/* $ode:NAME: pid, processQName, currentEventDateTime; NULL: no such. */
xmlXPathObjectPtr brt__xpath_ode_var(struct brt_dctx *d, const xmlChar *name);
/* Keep doc (takes it) until brt__data_scratch_release. 0, or -1 when out
 * of memory (doc is not taken then). */
int brt__data_scratch_add(struct brt_prepared *pp, xmlDocPtr doc);
/* Free the documents kept since the last release. */
void brt__data_scratch_release(struct brt_prepared *pp);

/* Compile the process's embedded stylesheets (a stylesheet that does not
 * compile is kept as such: using it faults). 0 or BRT_ENOMEM. */
int brt__xsl_prepare(struct brt_prepared *pp);
/* Release doXslTransform stylesheets. */
void brt__xsl_free(struct brt_prepared *pp);

/* ---- validate.c -------------------------------------------------------- */

/* Compile the embedded schemas once (when the process validates). On
 * failure writes the reason to err and returns BRT_EINVAL. */
int brt__xsd_prepare(struct brt_prepared *pp, char *err, size_t errlen);
void brt__xsd_free(struct brt_prepared *pp);
/* Validate message value msg (of message m, as soap.c builds it) against
 * the schema set: 0 valid, or it cannot be checked (no schema set, a part
 * of a type or element the set does not declare); 1 not valid, reason in
 * why; -1 out of memory. Used for partners' replies (invoke.c). */
int brt__xsd_check_message(const struct brt_prepared *pp,
			   const struct brt_message *m, xmlDocPtr msg,
			   char *why, size_t len);
/* Validate variable var's value against its declaration: 0, or
 * BRT_EFAULT with invalidVariables (or uninitializedVariable) recorded. */
int brt__dx_validate_var(struct brt_dctx *d, int var);

/* ---- copy.c ------------------------------------------------------------ */

/* <assign>, all or nothing: 0, or BRT_EFAULT with the fault recorded and
 * every touched variable restored. */
int brt__dx_assign(struct brt_dctx *d, const struct brt_assign *a);

/* replace-element-properties: dst gets deep copies of src's attributes
 * and children (and its in-scope prefixes); it takes src's name too when
 * rename. src may lie inside dst. 0, or -1 when out of memory. */
int brt__copy_element_props(xmlNodePtr dst, xmlNodePtr src, bool rename);

/* ---- epr.c ------------------------------------------------------------- */

/* A new sref:service-ref document wrapping a WS-Addressing
 * EndpointReference whose Address is url; NULL when out of memory. */
xmlDocPtr brt__epr_make(const char *url);
/* The http(s) URL of endpoint reference n (service-ref wrapped or not):
 * 0 with *url a new string (free), or -1 with a reason in why. */
int brt__epr_parse(xmlNodePtr n, char **url, char *why, size_t whylen);
/* brt_dctx callbacks for a strand (arg). */
const char *brt__epr_strand_url(void *arg, int plink, bool my_role, char *buf,
				size_t len);
int brt__epr_strand_set(void *arg, int plink, const char *url);

/* ---- message.c --------------------------------------------------------- */

/* See brt__data_receive / brt__data_message / brt__data_property in
 * internal.h. receive takes msg, also on failure. */
int brt__dx_receive(struct brt_dctx *d, int var, int nparts,
		    const struct brt_part_map *parts,
		    const struct brt_message *m, xmlDocPtr msg);
int brt__dx_message(struct brt_dctx *d, int var, int nparts,
		    const struct brt_part_map *parts,
		    const struct brt_message *m, xmlDocPtr *out);
/* The same, but a message variable's own document is lent (*lent true)
 * instead of copied. */
int brt__dx_message_lend(struct brt_dctx *d, int var, int nparts,
			 const struct brt_part_map *parts,
			 const struct brt_message *m, xmlDocPtr *out,
			 bool *lent);
char *brt__dx_property(struct brt_dctx *d, int prop,
		       const struct brt_message *m, xmlDocPtr msg);

#endif /* BRT_DATA_H */
