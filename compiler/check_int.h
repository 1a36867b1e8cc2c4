/*
 * check_int.h — what the check_*.c files share: the check context, an
 * index of every definition the imported WSDL and XSD files hold, and
 * small helpers over the XML the model keeps.
 *
 * The rules look at the XML as written (most SA rules are about malformed
 * attribute mixes the typed model cannot even represent), so this header
 * works on xmlNode trees: the process document and the WSDL/XSD documents
 * the loader keeps in the model; which declaration a name denotes comes
 * from resolve's bindings in the model (check_bind.c). It does not report
 * unresolved names: resolve does that; a helper that cannot resolve
 * returns NULL and the rule is skipped.
 *
 * Naming: these helpers are defined in check.c, check_util.c,
 * check_bind.c and check_index.c but share one prefix, `chk_`, instead
 * of being named after their file (style.md's compiler rule). They are
 * the check stage's internal vocabulary, like the runtime's `brt__`: the
 * rule files call them some 750 times, a rule reads best as one short
 * line, and a reader should not need to know which file a look-up lives
 * in. Nothing
 * outside check*.c sees them. The rule entry points keep the file rule
 * (check_wsdl(), check_vars(), ...).
 */
#ifndef BPELC_CHECK_INT_H
#define BPELC_CHECK_INT_H

#include <stdbool.h>

#include <libxml/tree.h>

#include "diag.h"
#include "model.h"

/* Kinds of top-level definitions in the index. ORDER: chk_def_kind_names. */
enum chk_def_kind {
	CD_MESSAGE,
	CD_PORT_TYPE,
	CD_PLNK,
	CD_PROPERTY,
	CD_ALIAS,
	CD_ELEMENT,
	CD_COMPLEX_TYPE,
	CD_SIMPLE_TYPE,
	CD_GROUP,
	CD_ATTR_GROUP,
	CD_ATTRIBUTE,
	CD__COUNT
};

extern const char *const chk_def_kind_names[CD__COUNT];

/* One definition: its QName, element and the file it came from. */
struct chk_def {
	enum chk_def_kind kind;
	const char *ns;
	const char *local;
	xmlNodePtr node;
	const char *file;
	bool direct; /* in a WSDL the process imports itself */
	struct chk_def *next;
};

struct chk_qn {
	const char *ns;	   /* NULL: no namespace */
	const char *local; /* NULL: absent or unresolvable prefix */
};

struct chk_src;	  /* a source file's text, for columns */
struct chk_binds; /* element -> model object (check_bind.c) */

struct chk {
	struct model *m;
	struct diag *dg;
	struct arena *a;
	xmlNodePtr root;  /* <process> */
	const char *file; /* the .bpel as given */
	struct chk_def *defs[CD__COUNT];
	struct chk_src *srcs;
	struct chk_binds *binds; /* check_bind.c */
	int nstart;		 /* start activities found */
};

/* ---- reporting (check.c) ---- */
void chk_err(struct chk *c, xmlNodePtr n, const char *rule, const char *fmt,
	     ...) __attribute__((format(printf, 4, 5)));
void chk_warn(struct chk *c, xmlNodePtr n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A warning that names the SA rule it is about (rules downgraded to a
 * warning, see check_xpath.c). */
void chk_warn_rule(struct chk *c, xmlNodePtr n, const char *rule,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
const char *chk_file_of(struct chk *c, xmlNodePtr n);

/* ---- XML helpers (check_util.c) ---- */
bool chk_is(xmlNodePtr n, const char *local); /* BPEL element */
bool chk_is_ns(xmlNodePtr n, const char *ns, const char *local);
/* An element of a namespace other than BPEL's (an extension element). */
bool chk_is_extension(xmlNodePtr n);
/* A BPEL element whose text is an expression (condition, for, until,
 * joinCondition, …); not from/to, which hold one only in some forms. */
bool chk_is_expression_elem(xmlNodePtr n);
/* Unqualified attribute's value (borrowed), NULL when absent. */
const char *chk_attr(xmlNodePtr n, const char *name);
bool chk_yes(xmlNodePtr n, const char *name);	       /* == "yes" */
xmlNodePtr chk_child(xmlNodePtr n, const char *local); /* 1st BPEL child */
xmlNodePtr chk_elem_first(xmlNodePtr n);	       /* 1st element child */
xmlNodePtr chk_elem_next(xmlNodePtr n); /* next element sibling */
#define CHK_EACH(var, parent)                              \
	for (xmlNodePtr var = chk_elem_first(parent); var; \
	     var = chk_elem_next(var))
bool chk_is_activity(xmlNodePtr n);
/* The activity child of a container (catch, onMessage, while …), NULL. */
xmlNodePtr chk_activity_child(xmlNodePtr n);
const char *chk_text(struct chk *c, xmlNodePtr n); /* content, arena */
/* Only n's own text and CDATA children (not that of child elements, e.g.
 * extension elements inside a <from>), in the arena. */
const char *chk_own_text(struct chk *c, xmlNodePtr n);
bool chk_is_blank(const char *s);
/* Resolve "p:l" against n's in-scope namespaces (default ns for no prefix). */
struct chk_qn chk_qname(struct chk *c, xmlNodePtr n, const char *value);
struct chk_qn chk_qattr(struct chk *c, xmlNodePtr n, const char *name);
bool chk_qn_eq(struct chk_qn a, struct chk_qn b);
const char *chk_qn_str(struct chk *c, struct chk_qn q); /* "{ns}local" */
/* A "scope" here is <scope> or <process>. */
bool chk_is_scope(xmlNodePtr n);
xmlNodePtr chk_enclosing_scope(xmlNodePtr n); /* excl. n */
/* Visit every element of the process document, in document order. */
typedef void (*chk_visit_fn)(struct chk *c, xmlNodePtr n, void *ud);
void chk_walk(struct chk *c, chk_visit_fn fn, void *ud);
/* Nearest enclosing catch/catchAll/compensationHandler/terminationHandler/
 * onEvent/onAlarm of n, NULL when none. */
xmlNodePtr chk_handler_of(xmlNodePtr n);
/* Is a an ancestor of (or equal to) n? */
bool chk_contains(xmlNodePtr a, xmlNodePtr n);

/* ---- the definition index (check_index.c) ---- */
void chk_index_build(struct chk *c);
struct chk_def *chk_def_find(struct chk *c, enum chk_def_kind k,
			     struct chk_qn q);
/* WSDL / plnk / vprop child element helpers. */
xmlNodePtr chk_wsdl_child(xmlNodePtr n, const char *ns, const char *local);
const char *chk_tns(xmlNodePtr n); /* of n's document */

/* ---- resolve's bindings, by element (check_bind.c) ----
 * Rules never search scopes: resolve.c bound every name once, with BPEL's
 * scoping, and these read that binding through the model object made
 * from the referring element. NULL / false: n is not such an element, or
 * resolve left the name unbound (it reported that, or the element is
 * malformed and another rule reports it). */
void chk_binds_build(struct chk *c);
/* The activity (onMessage and onEvent included) parsed from element n. */
struct bpel_activity *chk_act_of(struct chk *c, xmlNodePtr n);
enum chk_vkind { VK_UNKNOWN, VK_MESSAGE, VK_TYPE, VK_ELEMENT };
struct chk_var {
	xmlNodePtr decl; /* <variable>, or the implicit declarer */
	enum chk_vkind kind;
	struct chk_qn q;
};
/* Does attribute attr of n name a variable (variable, inputVariable,
 * outputVariable, faultVariable of throw, toVariable, fromVariable, on
 * an element of the model)? For an onEvent's variable and its fromParts'
 * toVariable the name is the declaration itself. */
bool chk_var_refers(struct chk *c, xmlNodePtr n, const char *attr);
/* The variable that attribute binds to, with its declared type; false
 * when unbound. out may be NULL. */
bool chk_var_ref(struct chk *c, xmlNodePtr n, const char *attr,
		 struct chk_var *out);
/* partnerLink of a messaging activity (an onEvent's: from its associated
 * scope, SA00084) or of a from/to. */
struct bpel_partner_link *chk_plink_ref(struct chk *c, xmlNodePtr n);
/* The set a <correlation> names. */
struct bpel_corr_set *chk_cset_ref(struct chk *c, xmlNodePtr correlation);
/* The messageExchange of a messaging activity. */
struct bpel_mex *chk_mex_ref(struct chk *c, xmlNodePtr act);
/* The link a <source> or <target> names: of the nearest flow enclosing
 * its activity that declares it. */
struct bpel_link *chk_link_ref(struct chk *c, xmlNodePtr ref);

/* ---- WSDL look-ups for BPEL declarations (check_util.c) ---- */
/* partnerLink → role portType (my_role: myRole else partnerRole). */
struct chk_def *chk_plink_port_type(struct chk *c, xmlNodePtr plink,
				    bool my_role);
xmlNodePtr chk_operation(struct chk_def *port_type, const char *name);
/* "input"/"output" message of a WSDL operation. */
struct chk_def *chk_op_message(struct chk *c, xmlNodePtr op, const char *dir);
/* WSDL operation kind from the order of its <input>/<output>. */
enum wsdl_op_kind chk_op_kind(xmlNodePtr op);
int chk_message_nparts(xmlNodePtr msg);
xmlNodePtr chk_message_part(xmlNodePtr msg, const char *name);
/* The partnerLink (resolve's binding) / operation / messages a messaging
 * element uses (check_bind.c); false when any of it does not resolve. */
struct chk_msgref {
	xmlNodePtr plink;
	struct chk_def *port_type;
	xmlNodePtr op;
	struct chk_def *in;
	struct chk_def *out;
};
bool chk_msgref(struct chk *c, xmlNodePtr act, struct chk_msgref *r);

/* ---- themes, run by check.c in this order ---- */
void check_wsdl(struct chk *c);
void check_plink(struct chk *c);
void check_props(struct chk *c);
void check_vars(struct chk *c);
void check_xpath(struct chk *c);
/* check_expr.c: expressions and queries parsed (XPath 2.0 constructs,
 * syntax errors, unknown functions). */
void check_expr(struct chk *c);
void check_assign(struct chk *c);
void check_msg(struct chk *c);
void check_corr(struct chk *c);
void check_start(struct chk *c);
void check_links(struct chk *c);
void check_scope(struct chk *c);
void check_warn(struct chk *c);

#endif
