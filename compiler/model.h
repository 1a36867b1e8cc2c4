/*
 * model.h — the typed tree of a process and the WSDL and XSD it imports.
 *
 * load.c reads files (and owns every xmlDoc); model_bpel.c, model_wsdl.c and
 * model_xsd.c fill these structs, keeping a source location on every node;
 * resolve.c binds names (the `*_ref`/resolved pointer fields) to their
 * declarations; check_*.c run the static-analysis rules; lower.c reads the
 * resolved model. Every struct and string lives in the compilation's arena.
 *
 * Lists are singly linked through `next`, in document order.
 * A qname with local == NULL is "absent".
 * Not here: behaviour. The model holds what the files say; which
 * combinations are valid is check's, what runs is lower's.
 */
#ifndef BPELC_MODEL_H
#define BPELC_MODEL_H

#include <stdbool.h>

#include <libxml/tree.h>

#include "diag.h"

struct arena;

struct qname {
	const char *ns;	   /* NULL: no namespace */
	const char *local; /* NULL: absent */
};

#define NS_BPEL "http://docs.oasis-open.org/wsbpel/2.0/process/executable"
#define NS_PLNK "http://docs.oasis-open.org/wsbpel/2.0/plnktype"
#define NS_VPROP "http://docs.oasis-open.org/wsbpel/2.0/varprop"
#define NS_SREF "http://docs.oasis-open.org/wsbpel/2.0/serviceref"
#define NS_WSDL "http://schemas.xmlsoap.org/wsdl/"
#define NS_SOAP "http://schemas.xmlsoap.org/wsdl/soap/"
#define NS_XSD "http://www.w3.org/2001/XMLSchema"
#define URN_XPATH1 "urn:oasis:names:tc:wsbpel:2.0:sublang:xpath1.0"
#define URN_XPATH2 "urn:oasis:names:tc:wsbpel:2.0:sublang:xpath2.0"

/* How a value of an XSD type behaves in XPath (mirrors brt_xsd_kind). */
enum xsd_kind { XSD_COMPLEX = 0, XSD_STRING, XSD_NUMBER, XSD_BOOLEAN };

/* ---- XML Schema (only what BPEL needs: names, simple vs complex) ------- */

struct xsd_type {
	struct qname name;
	bool is_simple;
	enum xsd_kind kind; /* for simple types: of the builtin base */
	struct qname base;  /* restriction/extension base, or absent */
	struct loc loc;
	xmlNodePtr node;
	struct xsd_type *next;
};

struct xsd_element {
	struct qname name;
	struct qname type_name; /* @type, absent for an anonymous type */
	struct xsd_type *type;	/* resolved user type, NULL for builtins */
	enum xsd_kind kind;	/* of its content */
	struct loc loc;
	xmlNodePtr node;
	struct xsd_element *next;
};

struct xsd_schema {
	const char *tns;
	const char *path; /* file it came from */
	struct loc loc;
	xmlNodePtr node;
	struct xsd_element *elements;
	struct xsd_type *types;
	struct xsd_schema *next;
};

/* ---- WSDL 1.1 ------------------------------------------------------------ */

struct wsdl_part {
	const char *name;
	struct qname element;
	struct qname type;
	struct xsd_element *element_ref; /* resolved */
	struct xsd_type *type_ref;	 /* resolved; NULL for builtins */
	enum xsd_kind kind;
	struct loc loc;
	struct wsdl_part *next;
};

struct wsdl_message {
	struct qname name;
	struct wsdl_part *parts;
	int nparts;
	struct loc loc;
	struct wsdl_message *next;
};

struct wsdl_fault {
	const char *name;
	struct qname message_name;
	struct wsdl_message *message; /* resolved */
	struct loc loc;
	struct wsdl_fault *next;
};

enum wsdl_op_kind {
	WSDL_ONE_WAY,
	WSDL_REQUEST_RESPONSE,
	WSDL_NOTIFICATION,
	WSDL_SOLICIT_RESPONSE
};

struct wsdl_operation {
	const char *name;
	enum wsdl_op_kind kind;
	struct qname input_name; /* message QNames */
	struct qname output_name;
	struct wsdl_message *input; /* resolved */
	struct wsdl_message *output;
	struct wsdl_fault *faults;
	struct wsdl_port_type *port_type; /* owner */
	struct loc loc;
	struct wsdl_operation *next;
};

struct wsdl_port_type {
	struct qname name;
	struct wsdl_operation *operations;
	struct loc loc;
	struct wsdl_port_type *next;
};

enum wsdl_style { WSDL_DOCUMENT, WSDL_RPC };

struct wsdl_binding_op {
	const char *name;
	const char *soap_action; /* "" when none */
	enum wsdl_style style;
	const char *rpc_ns; /* soap:body/@namespace */
	struct loc loc;
	struct wsdl_binding_op *next;
};

struct wsdl_binding {
	struct qname name;
	struct qname type;		  /* portType QName */
	struct wsdl_port_type *port_type; /* resolved */
	enum wsdl_style style; /* soap:binding/@style, default document */
	bool is_soap;	       /* has a SOAP 1.1 soap:binding */
	struct wsdl_binding_op *ops;
	struct loc loc;
	struct wsdl_binding *next;
};

struct wsdl_port {
	const char *name;
	struct qname binding_name;
	struct wsdl_binding *binding; /* resolved */
	const char *address;	      /* soap:address/@location */
	struct wsdl_service *service;
	struct loc loc;
	struct wsdl_port *next;
};

struct wsdl_service {
	struct qname name;
	struct wsdl_port *ports;
	struct loc loc;
	struct wsdl_service *next;
};

struct plnk_role {
	const char *name;
	struct qname port_type_name;
	struct wsdl_port_type *port_type; /* resolved */
	struct loc loc;
};

struct plnk_type {
	struct qname name;
	struct plnk_role roles[2];
	int nroles;
	struct loc loc;
	struct plnk_type *next;
};

struct vprop_property {
	struct qname name;
	struct qname type;
	struct qname element;
	enum xsd_kind kind; /* resolved */
	struct loc loc;
	struct vprop_property *next;
};

struct vprop_alias {
	struct qname property_name;
	struct vprop_property *property; /* resolved */
	struct qname message_name;
	const char *part;
	struct qname type;
	struct qname element;
	struct wsdl_message *message; /* resolved */
	const char *query;	      /* vprop:query text, NULL */
	const char *query_lang;
	xmlNodePtr query_node; /* for its namespace context */
	struct loc loc;
	struct vprop_alias *next;
};

/* One WSDL document (imported from the .bpel or from another WSDL). */
struct wsdl_doc {
	const char *path;
	const char *tns;
	xmlDocPtr doc;	  /* owned by the loader */
	const char *text; /* the file's bytes, served as ?wsdl */
	struct loc loc;
	struct wsdl_message *messages;
	struct wsdl_port_type *port_types;
	struct wsdl_binding *bindings;
	struct wsdl_service *services;
	struct plnk_type *plinks;
	struct vprop_property *properties;
	struct vprop_alias *aliases;
	struct xsd_schema *schemas; /* inline in wsdl:types */
	struct wsdl_doc *next;
};

/* ---- BPEL ----------------------------------------------------------------- */

/* An expression or query with what it needs to be compiled elsewhere. */
struct bpel_expr {
	const char *text;
	const char *lang; /* effective expressionLanguage/queryLanguage URI */
	xmlNodePtr node;  /* element holding the text: in-scope namespaces */
	struct loc loc;
};

struct bpel_variable {
	const char *name;
	struct qname message_type;
	struct qname type;
	struct qname element;
	struct wsdl_message *message; /* resolved, one of these three */
	struct xsd_type *type_ref;    /* NULL for builtin types */
	struct xsd_element *element_ref;
	enum xsd_kind kind;	  /* element/type content kind */
	struct bpel_from *init;	  /* inline from-spec, NULL */
	struct bpel_scope *scope; /* declaring scope */
	int index;		  /* process-wide, set by lower */
	/* Declared implicitly (catch faultVariable, forEach counter, onEvent
	 * variable or fromPart toVariable): not on any scope's `variables`
	 * list; `scope` is where it is visible (for a catch: the scope whose
	 * handler it is) and `node` the element that declares it. Reached
	 * through bpel_catch.variable, bpel_activity.counter/.variable and
	 * the onEvent's from_parts[].var. */
	bool is_implicit;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_variable *next;
};

struct bpel_partner_link {
	const char *name;
	struct qname type_name;
	const char *my_role;
	const char *partner_role;
	bool initialize_partner_role;
	bool has_initialize_partner_role;
	struct plnk_type *type;		     /* resolved */
	struct wsdl_port_type *my_port_type; /* resolved */
	struct wsdl_port_type *partner_port_type;
	struct wsdl_port *my_port;	/* service port offering my_port_type */
	struct wsdl_port *partner_port; /* service port for partner_port_type */
	struct bpel_scope *scope;
	int index;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_partner_link *next;
};

struct bpel_property_ref {
	struct qname name;
	struct vprop_property *property; /* resolved */
	struct bpel_property_ref *next;
};

struct bpel_corr_set {
	const char *name;
	struct bpel_property_ref *properties;
	struct bpel_scope *scope;
	int index;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_corr_set *next;
};

enum bpel_initiate { BPEL_INIT_NO, BPEL_INIT_YES, BPEL_INIT_JOIN };
enum bpel_pattern {
	BPEL_PAT_NONE,
	BPEL_PAT_REQUEST,
	BPEL_PAT_RESPONSE,
	BPEL_PAT_REQUEST_RESPONSE
};

struct bpel_correlation {
	const char *set_name;
	enum bpel_initiate initiate;
	enum bpel_pattern pattern;
	struct bpel_corr_set *set; /* resolved */
	xmlNodePtr node;	   /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_correlation *next;
};

/* <fromPart part toVariable/> and <toPart part fromVariable/> */
struct bpel_part_map {
	const char *part;
	const char *var_name;
	struct bpel_variable *var; /* resolved */
	xmlNodePtr node;	   /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_part_map *next;
};

struct bpel_mex {
	const char *name;
	struct bpel_scope *scope;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_mex *next;
};

enum bpel_from_kind {
	BPEL_FROM_VAR,
	BPEL_FROM_EXPR,
	BPEL_FROM_LITERAL,
	BPEL_FROM_PLINK,
	BPEL_FROM_PROPERTY,
	BPEL_FROM_EMPTY /* <from/>: invalid, SA00032 */
};

struct bpel_from {
	enum bpel_from_kind kind;
	const char *var_name;
	const char *part;
	struct bpel_expr *query; /* <query>, NULL */
	struct bpel_expr *expr;	 /* expression text */
	xmlNodePtr literal;	 /* the <literal> element */
	const char *plink_name;
	const char *endpoint; /* "myRole" | "partnerRole" */
	struct qname property;
	struct bpel_variable *var; /* resolved */
	struct bpel_partner_link *plink;
	struct vprop_property *property_ref;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
};

enum bpel_to_kind {
	BPEL_TO_VAR,
	BPEL_TO_EXPR,
	BPEL_TO_PLINK,
	BPEL_TO_PROPERTY,
	BPEL_TO_EMPTY
};

struct bpel_to {
	enum bpel_to_kind kind;
	const char *var_name;
	const char *part;
	struct bpel_expr *query;
	struct bpel_expr *expr;
	const char *plink_name;
	struct qname property;
	struct bpel_variable *var;
	struct bpel_partner_link *plink;
	struct vprop_property *property_ref;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
};

struct bpel_copy {
	struct bpel_from from;
	struct bpel_to to;
	bool keep_src_element_name;
	bool ignore_missing_from_data;
	/* Apache ODE's extensions (ode_dialect.c warns; used under --ode) */
	bool insert_missing_to_data;
	bool ignore_uninitialized_from_variable;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_copy *next;
};

struct bpel_catch {
	struct qname fault_name;    /* absent: none */
	const char *fault_variable; /* NULL: none */
	struct qname fault_message_type;
	struct qname fault_element;
	struct bpel_variable *variable; /* implicit, made by model/resolve */
	struct bpel_activity *activity;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_catch *next;
};

struct bpel_link {
	const char *name;
	struct bpel_activity *flow;   /* declaring flow */
	struct bpel_activity *source; /* resolved */
	struct bpel_activity *target;
	int index;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_link *next;
};

/* <source linkName> with its transitionCondition, or <target linkName>. */
struct bpel_link_ref {
	const char *link_name;
	struct bpel_expr *transition; /* sources only */
	struct bpel_link *link;	      /* resolved */
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_link_ref *next;
};

/* onMessage (pick) and onEvent (event handlers) share the messaging fields
 * with receive through struct bpel_activity's "messaging" group: they are
 * bpel_activity nodes of kind BPEL_ACT_ON_MESSAGE / BPEL_ACT_ON_EVENT whose
 * `body` is the handler activity (for onEvent, a scope). */
struct bpel_alarm {
	struct bpel_expr *for_expr;
	struct bpel_expr *until_expr;
	struct bpel_expr *repeat_every;
	struct bpel_activity *activity;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_alarm *next;
};

enum bpel_act_kind {
#define ACT(kind, element) BPEL_ACT_##kind,
#include "activities.def"
#undef ACT
	BPEL_ACT__COUNT
};

/* The element name of an activity kind ("receive", "elseif", …), "?" out
 * of range: the one table made from activities.def (model_bpel.c). */
const char *model_element_name(enum bpel_act_kind kind);

struct bpel_scope;

/*
 * One activity. One struct for all kinds (the arena makes the unused
 * fields free); the comment on each group names the kinds that use it.
 */
struct bpel_activity {
	enum bpel_act_kind kind;
	const char *name; /* @name, NULL when unnamed */
	struct loc loc;
	xmlNodePtr node;
	struct bpel_activity *parent;
	struct bpel_activity *next; /* sibling in the parent's list */
	int suppress_join_failure;  /* -1 inherit, 0 no, 1 yes (as written) */
	bool effective_sjf;	    /* resolved */
	struct bpel_link_ref *targets;
	struct bpel_expr *join_condition;
	struct bpel_link_ref *sources;

	/* receive, reply, invoke, onMessage, onEvent */
	const char *partner_link_name;
	struct qname port_type_name;
	const char *operation_name;
	const char *variable_name;	  /* receive/reply/onMessage/onEvent */
	const char *input_variable_name;  /* invoke */
	const char *output_variable_name; /* invoke */
	const char *message_exchange;
	bool create_instance;
	struct qname fault_name; /* reply; throw */
	struct bpel_correlation *correlations;
	struct bpel_part_map *from_parts;
	struct bpel_part_map *to_parts;
	struct qname message_type;	 /* onEvent */
	struct qname element;		 /* onEvent */
	struct bpel_partner_link *plink; /* resolved */
	struct wsdl_operation *operation;
	struct bpel_variable *variable;	 /* receive/reply/throw/onEvent */
	struct bpel_variable *input_var; /* invoke */
	struct bpel_variable *output_var;
	struct bpel_mex *mex;
	struct bpel_catch *catches; /* invoke's inline handlers */
	struct bpel_activity *catch_all;
	struct bpel_activity *compensation_handler;

	/* assign */
	struct bpel_copy *copies;
	bool validate;

	/* validate */
	const char *validate_names; /* @variables as written */

	/* throw */
	const char *fault_variable_name;

	/* compensateScope */
	const char *target;
	struct bpel_activity *target_scope; /* resolved */

	/* wait, onAlarm: for/until; if, elseif, while, repeatUntil: condition */
	struct bpel_expr *for_expr;
	struct bpel_expr *until_expr;
	struct bpel_expr *condition;

	/* sequence, flow: children; if: `children` are the <elseif>/<else>
	 * branches as BPEL_ACT_ELSEIF/BPEL_ACT_ELSE nodes whose body is
	 * their activity; while, repeatUntil, elseif, else, onMessage,
	 * onEvent, forEach: body */
	struct bpel_activity *children;
	struct bpel_activity *body;
	struct bpel_link *links; /* flow */

	/* pick */
	struct bpel_activity *on_messages; /* BPEL_ACT_ON_MESSAGE list */
	struct bpel_alarm *on_alarms;

	/* forEach */
	const char *counter_name;
	struct bpel_variable *counter;
	bool parallel;
	struct bpel_expr *start_counter;
	struct bpel_expr *final_counter;
	struct bpel_expr *branches;
	bool successful_branches_only;

	/* scope (and the process's root scope) */
	struct bpel_scope *scope;

	int index; /* document order, set by lower */
};

struct bpel_scope {
	struct bpel_activity *activity; /* the <scope>; NULL for the process */
	struct bpel_scope *parent;
	struct bpel_variable *variables;
	struct bpel_partner_link *partner_links;
	struct bpel_corr_set *correlation_sets;
	struct bpel_mex *message_exchanges;
	struct bpel_catch *catches;
	struct bpel_activity *catch_all; /* its activity */
	struct loc catch_all_loc;
	struct bpel_activity *compensation_handler; /* its activity, NULL */
	struct bpel_activity *termination_handler;
	struct bpel_activity *on_events; /* BPEL_ACT_ON_EVENT list */
	struct bpel_alarm *on_alarms;
	bool isolated;
	int exit_on_standard_fault; /* -1 inherit, 0, 1 (as written) */
	bool effective_exit_on_standard_fault; /* resolved: inherited, default no */
	struct bpel_activity *body;	       /* the primary activity */
	int index;			       /* 0 = process; set by lower */
	struct loc loc;
};

struct bpel_import {
	const char *ns;
	const char *location;
	const char *import_type;
	xmlNodePtr node; /* the element, for checks and diagnostics */
	struct loc loc;
	struct bpel_import *next;
};

struct bpel_extension {
	const char *ns;
	bool must_understand;
	struct loc loc;
	struct bpel_extension *next;
};

struct bpel_process {
	const char *name;
	const char *tns;
	const char *path; /* as given on the command line */
	const char *query_language;
	const char *expression_language;
	bool suppress_join_failure;
	bool exit_on_standard_fault;
	struct bpel_import *imports;
	struct bpel_extension *extensions;
	struct bpel_scope *scope; /* the process's own declarations */
	xmlDocPtr doc;
	struct loc loc;
};

/* Everything a compilation works on. */
/* A file the compilation read (the process, an import, a stylesheet),
 * by the path it was read from, for make dependency files (-MD). */
struct model_dep {
	const char *path;
	struct model_dep *next;
};

/* An import the loader followed: the importing element (wsdl:import,
 * xsd:import/include/redefine with a location) and the document it read.
 * The WSDL a service serves its clients (emit_wsdl.c) follows these. */
struct model_import {
	xmlNodePtr node;
	xmlDocPtr target;
	struct model_import *next;
};

struct model {
	struct arena *arena;
	struct bpel_process *process;
	struct model_dep *deps;	      /* every file read, in reading order */
	struct model_dep **deps_end;  /* where the next one goes */
	struct wsdl_doc *wsdls;	      /* every WSDL loaded, load order */
	struct xsd_schema *schemas;   /* every schema: imported .xsd files
					     and those inline in WSDLs */
	struct model_import *imports; /* every import followed */
	bool ode; /* --ode: Apache ODE's dialect and behaviour (ode.h) */
	/* --ode: deploy.xml's <property> of the process (ode.c), which
	 * ode:process-property reads at run time */
	const struct model_prop *ode_props;
	int node_props;
};

/* A deploy.xml process property: its QName and content (XML text of one
 * element, or plain text). */
struct model_prop {
	const char *ns, *local;
	const char *xml;
};

#endif /* BPELC_MODEL_H */
