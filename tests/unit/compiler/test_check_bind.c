/* test_check_bind.c — check_bind.c: the rules judge the declaration
 * resolve.c bound a name to, with BPEL's scoping, not one they find by
 * searching again. Each row hinges on which of two same-named
 * declarations a reference denotes: an onEvent's implicit variable, its
 * associated scope's partner link or correlation set, a fromPart
 * variable typed by its part, a forEach counter, a catch's fault
 * variable, a compensateScope target (docs/semantics-decisions.md §5,
 * §8). */
#include "check_fixture.h"

/* A scope with one onEvent for operation `op` of partner link `pl`. */
#define EV(attrs, inner)                                                   \
	"<scope name='es'><eventHandlers><onEvent partnerLink='pl' " attrs \
	">" inner "</onEvent></eventHandlers><empty/></scope>"

/* `v` is declared at the process as an outMsg; copying it whole into the
 * inMsg variable `in` is SA00043 unless a nearer `v` of type inMsg hides
 * it. */
#define OUTER_V \
	"<variables><variable name='v' messageType='tns:outMsg'/></variables>"
#define COPY_V_TO_IN \
	"<assign><copy><from variable='v'/><to variable='in'/></copy></assign>"

/* An onEvent variable of the input message type of `async`. */
#define EV_IN "operation='async' variable='ev' messageType='tns:inMsg'"
/* A partner link `pl` that has no myRole. */
#define PL_NO_MY_ROLE                                                      \
	"<partnerLinks><partnerLink name='pl' partnerLinkType='tns:PPLT' " \
	"partnerRole='them'/></partnerLinks>"
/* A scope declaring correlation set `ec`, around `body`. */
#define SCOPE_EC(body)                                                            \
	"<scope><correlationSets><correlationSet name='ec' properties='tns:id'/>" \
	"</correlationSets>" body "</scope>"
#define EC_USE "<correlations><correlation set='ec'/></correlations>"

/* A scope X that has something to compensate. */
#define CSX                                                                   \
	"<scope name='X'><compensationHandler><empty/></compensationHandler>" \
	"<empty/></scope>"

static const struct check_case rows[] = {
	/* The onEvent's variable hides the outer one inside the handler. */
	{ .rule = "SA00043",
	  .bad = false,
	  .body = "<scope>" OUTER_V EV(
		  "operation='async' variable='v' messageType='tns:inMsg'",
		  "<scope>" COPY_V_TO_IN "</scope>") "</scope>" },
	/* ... and only there: beside the handler `v` is the outer one. */
	{ .rule = "SA00043",
	  .bad = true,
	  .body = "<scope>" OUTER_V "<sequence>" EV(
		  "operation='async' variable='v' messageType='tns:inMsg'",
		  "<scope><empty/></scope>") COPY_V_TO_IN
	  "</sequence></scope>" },
	/* A variable of the handler's own scope hides the onEvent's. */
	{ .rule = "SA00043",
	  .bad = true,
	  .body = EV(
		  "operation='async' variable='w' messageType='tns:inMsg'",
		  "<scope><variables><variable name='v' messageType='tns:outMsg'/>"
		  "</variables>" COPY_V_TO_IN "</scope>") },
	/* A fromPart variable has its part's type (xsd:int), not a
	 * message type: a part on it is SA00034. */
	{ .rule = "SA00034",
	  .bad = true,
	  .body = EV(
		  "operation='async'",
		  "<fromParts><fromPart part='inputPart' toVariable='x'/></fromParts>"
		  "<scope><assign><copy><from variable='x' part='inputPart'/>"
		  "<to variable='i'/></copy></assign></scope>") },
	{ .rule = "SA00034",
	  .bad = false,
	  .body = EV(
		  "operation='async'",
		  "<fromParts><fromPart part='inputPart' toVariable='x'/></fromParts>"
		  "<scope><assign><copy><from variable='x'/>"
		  "<to variable='i'/></copy></assign></scope>") },
	/* The onEvent's partner link comes from its associated scope first
	 * (SA00084): there it has the myRole the outer one lacks. */
	{ .rule = "SA00084",
	  .bad = false,
	  .body = "<scope>" PL_NO_MY_ROLE EV(
		  EV_IN,
		  "<scope><partnerLinks><partnerLink name='pl' partnerLinkType='tns:PLT' "
		  "myRole='me'/></partnerLinks><empty/></scope>") "</scope>" },
	{ .rule = "SA00084",
	  .bad = true,
	  .body = "<scope>" PL_NO_MY_ROLE EV(
		  EV_IN, "<scope><empty/></scope>") "</scope>" },
	/* Its correlation set likewise (SA00088): declared only in the
	 * associated scope, it is found; declared nowhere it can see, not. */
	{ .rule = "SA00088",
	  .bad = false,
	  .body = EV(EV_IN, EC_USE SCOPE_EC("<empty/>")) },
	{ .rule = "SA00088",
	  .bad = true,
	  .body = "<flow>" SCOPE_EC("<empty/>")
		  EV(EV_IN, EC_USE "<scope><empty/></scope>") "</flow>" },
	/* A forEach counter is an xsd:unsignedInt of the body scope. */
	{ .rule = "SA00034",
	  .bad = true,
	  .body = "<forEach counterName='n' parallel='no'><startCounterValue>1</startCounterValue>"
		  "<finalCounterValue>2</finalCounterValue><scope><assign><copy>"
		  "<from variable='n' part='inputPart'/><to variable='i'/></copy></assign>"
		  "</scope></forEach>" },
	/* A catch's fault variable hides a process variable of the same
	 * name inside the catch. */
	{ .rule = "SA00043",
	  .bad = false,
	  .body = "<scope>" OUTER_V
		  "<faultHandlers><catch faultName='tns:f' faultVariable='v' "
		  "faultMessageType='tns:inMsg'>" COPY_V_TO_IN
		  "</catch></faultHandlers>"
		  "<empty/></scope>" },
	/* A compensateScope's target is an immediately enclosed scope of
	 * the scope owning the handler that holds it: here that scope is
	 * the outer one (it has an X), not the T nested in its handler. */
	{ .rule = "SA00077",
	  .bad = false,
	  .body = "<scope name='S'><faultHandlers><catchAll><scope name='T'><sequence>" CSX
		  "<compensateScope target='X'/></sequence></scope></catchAll>"
		  "</faultHandlers>" CSX "</scope>" },
	/* T's X is not one: the outer scope has none. */
	{ .rule = "SA00077",
	  .bad = true,
	  .body = "<scope name='S'><faultHandlers><catchAll><scope name='T'><sequence>" CSX
		  "<compensateScope target='X'/></sequence></scope></catchAll>"
		  "</faultHandlers><empty/></scope>" },
};

CHECK_TABLE_SUITE(check_bind, rows)
