/*
 * emit_tables.c — the static tables of generated C (see emit.c for the
 * file as a whole): the messages and operations the process uses, partner
 * links, scopes and their handlers, variables, expressions, literals,
 * correlation, assigns, embedded schemas and stylesheets, and the
 * descriptors of the messaging activities and picks. Each table in
 * document order, laid out as bpelrt.h declares it.
 *
 * Not here: the state enum, step functions, the process descriptor and
 * main() (emit.c); choosing what goes in a table (lower*.c did).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "arena.h"
#include "emit.h"
#include "emit_int.h"
#include "resolve.h"
#include "strbuf.h"
#include "unread.h"

/* ---- collection: messages and operations ------------------------------ */

static int msg_index(struct emitter *e, struct wsdl_message *m)
{
	if (!m)
		return -1;
	int i = ir_vec_find(&e->msgs, m);
	if (i >= 0)
		return i;
	ir_vec_push(e->a, &e->msgs, m);
	return e->msgs.n - 1;
}

static const char *msg_ref(struct emitter *e, struct wsdl_message *m)
{
	int i = m ? ir_vec_find(&e->msgs, m) : -1;
	return i < 0 ? "NULL" : arena_printf(e->a, "&%s__msg_%d", e->P, i);
}

static int op_index(struct emitter *e, struct wsdl_operation *op,
		    struct wsdl_binding *b)
{
	if (!op)
		return -1;
	for (int i = 0; i < e->ops.n; i++) {
		struct emit_op *eo = IR_AT(e->ops, struct emit_op, i);
		if (eo->op == op && eo->binding == b)
			return i;
	}
	msg_index(e, op->input);
	msg_index(e, op->output);
	for (struct wsdl_fault *f = op->faults; f; f = f->next)
		msg_index(e, f->message);
	struct emit_op *eo = ARENA_NEW(e->a, struct emit_op);
	eo->op = op;
	eo->binding = b;
	ir_vec_push(e->a, &e->ops, eo);
	return e->ops.n - 1;
}

static struct wsdl_binding *my_binding(const struct bpel_partner_link *pl)
{
	return pl && pl->my_port ? pl->my_port->binding : NULL;
}

static struct wsdl_binding *partner_binding(const struct bpel_partner_link *pl)
{
	return pl && pl->partner_port ? pl->partner_port->binding : NULL;
}

static struct wsdl_message *catch_message(struct emitter *e,
					  const struct bpel_catch *c)
{
	if (c->variable && c->variable->message)
		return c->variable->message;
	if (c->fault_message_type.local)
		return resolve_message(e->p->m, c->fault_message_type);
	return NULL;
}

void emit_tables_collect(struct emitter *e)
{
	struct ir_program *p = e->p;
	for (int i = 0; i < p->plinks.n; i++) {
		struct bpel_partner_link *pl =
			IR_AT(p->plinks, struct ir_plink, i)->pl;
		if (pl->my_port_type)
			for (struct wsdl_operation *op =
				     pl->my_port_type->operations;
			     op; op = op->next)
				op_index(e, op, my_binding(pl));
	}
	for (int i = 0; i < p->receives.n; i++) {
		struct bpel_activity *a =
			IR_AT(p->receives, struct ir_msg_act, i)->act;
		op_index(e, a->operation, my_binding(a->plink));
	}
	for (int i = 0; i < p->replies.n; i++) {
		struct bpel_activity *a =
			IR_AT(p->replies, struct ir_msg_act, i)->act;
		op_index(e, a->operation, my_binding(a->plink));
	}
	for (int i = 0; i < p->invokes.n; i++) {
		struct bpel_activity *a =
			IR_AT(p->invokes, struct ir_msg_act, i)->act;
		op_index(e, a->operation, partner_binding(a->plink));
	}
	for (int i = 0; i < p->vars.n; i++)
		msg_index(e, IR_AT(p->vars, struct ir_var, i)->v->message);
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		for (int j = 0; j < sc->ncatches; j++)
			msg_index(e, catch_message(e, sc->catches[j].c));
	}
	for (int i = 0; i < p->aliases.n; i++)
		msg_index(e,
			  IR_AT(p->aliases, struct ir_alias, i)->al->message);
}

/* ---- tables ----------------------------------------------------------- */

static void emit_messages(struct emitter *e)
{
	for (int i = 0; i < e->msgs.n; i++) {
		struct wsdl_message *m = IR_AT(e->msgs, struct wsdl_message, i);
		emit_out(e, "/* %s:%d <message name=\"%s\"> */\n",
			 emit_comment_safe(e, m->loc.file), m->loc.line,
			 emit_comment_safe(e, m->name.local));
		int nparts = 0;
		for (struct wsdl_part *pt = m->parts; pt; pt = pt->next)
			nparts++;
		if (nparts) {
			emit_out(
				e,
				"static const struct brt_part %s__parts_%d[] = {\n",
				e->P, i);
			for (struct wsdl_part *pt = m->parts; pt; pt = pt->next)
				emit_out(
					e,
					"\t{ .name = %s, .element = %s, .type = %s,"
					" .kind = %s },\n",
					emit_cstr(e, pt->name),
					emit_qname(e, pt->element),
					emit_qname(e, pt->type),
					emit_xsd_kind(pt->kind));
			emit_out(e, "};\n");
		}
		emit_out(e, "static const struct brt_message %s__msg_%d = {\n",
			 e->P, i);
		emit_out(e, "\t.name = %s,\n", emit_qname(e, m->name));
		emit_out(e, "\t.nparts = %d,\n", nparts);
		if (nparts)
			emit_out(e, "\t.parts = %s__parts_%d,\n", e->P, i);
		else
			emit_out(e, "\t.parts = NULL,\n");
		emit_out(e, "};\n\n");
	}
}

static const struct wsdl_binding_op *binding_op(const struct wsdl_binding *b,
						const char *name)
{
	for (const struct wsdl_binding_op *bo = b ? b->ops : NULL; bo;
	     bo = bo->next)
		if (bo->name && name && strcmp(bo->name, name) == 0)
			return bo;
	return NULL;
}

static void emit_operations(struct emitter *e)
{
	for (int i = 0; i < e->ops.n; i++) {
		struct emit_op *eo = IR_AT(e->ops, struct emit_op, i);
		struct wsdl_operation *op = eo->op;
		const struct wsdl_binding_op *bo =
			binding_op(eo->binding, op->name);
		enum wsdl_style style = bo	      ? bo->style
					: eo->binding ? eo->binding->style
						      : WSDL_DOCUMENT;
		int nfaults = 0;
		for (struct wsdl_fault *f = op->faults; f; f = f->next)
			nfaults++;
		if (nfaults) {
			emit_out(
				e,
				"static const struct brt_fault_decl %s__faults_%d[] = {\n",
				e->P, i);
			for (struct wsdl_fault *f = op->faults; f; f = f->next)
				emit_out(e,
					 "\t{ .name = %s, .message = %s },\n",
					 emit_cstr(e, f->name),
					 msg_ref(e, f->message));
			emit_out(e, "};\n");
		}
		emit_out(e, "/* %s:%d <operation name=\"%s\"> */\n",
			 emit_comment_safe(e, op->loc.file), op->loc.line,
			 emit_comment_safe(e, op->name));
		emit_out(e, "static const struct brt_operation %s__op_%d = {\n",
			 e->P, i);
		emit_out(e, "\t.name = %s,\n", emit_cstr(e, op->name));
		emit_out(e, "\t.ns = %s,\n",
			 emit_cstr(e, op->port_type ? op->port_type->name.ns
						    : NULL));
		emit_out(e, "\t.soap_action = %s,\n",
			 emit_cstr(e, bo && bo->soap_action ? bo->soap_action
							    : ""));
		emit_out(e, "\t.style = %s,\n",
			 style == WSDL_RPC ? "BRT_STYLE_RPC"
					   : "BRT_STYLE_DOCUMENT");
		emit_out(e, "\t.rpc_ns = %s,\n",
			 emit_cstr(e, style == WSDL_RPC && bo ? bo->rpc_ns
							      : NULL));
		emit_out(e, "\t.input = %s,\n", msg_ref(e, op->input));
		emit_out(e, "\t.output = %s,\n",
			 op->kind == WSDL_REQUEST_RESPONSE
				 ? msg_ref(e, op->output)
				 : "NULL");
		emit_out(e, "\t.nfaults = %d,\n", nfaults);
		if (nfaults)
			emit_out(e, "\t.faults = %s__faults_%d,\n", e->P, i);
		else
			emit_out(e, "\t.faults = NULL,\n");
		emit_out(e, "};\n\n");
	}
}

static const char *op_ref(struct emitter *e, struct wsdl_operation *op,
			  struct wsdl_binding *b)
{
	for (int i = 0; op && i < e->ops.n; i++) {
		struct emit_op *eo = IR_AT(e->ops, struct emit_op, i);
		if (eo->op == op && eo->binding == b)
			return arena_printf(e->a, "&%s__op_%d", e->P, i);
	}
	return "NULL";
}

const char *emit_url_path(struct emitter *e, const char *url)
{
	const char *s = strstr(url, "://");
	s = s ? strchr(s + 3, '/') : NULL;
	if (!s)
		return "/";
	size_t len = strcspn(s, "?#");
	return arena_strndup(e->a, s, len);
}

/* A service may offer one binding at several addresses. */
int emit_alt_ports_of(const struct bpel_partner_link *pl,
		      const struct wsdl_port **out)
{
	const struct wsdl_port *mp = pl->my_role ? pl->my_port : NULL;
	int n = 0;
	if (!mp || !mp->service || !mp->address)
		return 0;
	for (const struct wsdl_port *p = mp->service->ports; p; p = p->next)
		if (p != mp && p->binding == mp->binding && p->address) {
			if (out)
				out[n] = p;
			n++;
		}
	return n;
}

static void emit_alt_ports(struct emitter *e,
			   const struct bpel_partner_link *pl, int i)
{
	int n = emit_alt_ports_of(pl, NULL);
	if (!n)
		return;
	const struct wsdl_port **ports =
		arena_alloc(e->a, (size_t)n * sizeof *ports);
	emit_alt_ports_of(pl, ports);
	emit_out(e, "static const char *const %s__altpaths_%d[] = {", e->P, i);
	for (int k = 0; k < n; k++)
		emit_out(e, " %s,",
			 emit_cstr(e, emit_url_path(e, ports[k]->address)));
	emit_out(e, " };\n");
	emit_out(e, "static const char *const %s__altaddrs_%d[] = {", e->P, i);
	for (int k = 0; k < n; k++)
		emit_out(e, " %s,", emit_cstr(e, ports[k]->address));
	emit_out(e, " };\n");
}

static void emit_plinks(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->plinks.n)
		return;
	emit_wsdl_sets(e);
	for (int i = 0; i < p->plinks.n; i++) {
		struct bpel_partner_link *pl =
			IR_AT(p->plinks, struct ir_plink, i)->pl;
		emit_alt_ports(e, pl, i);
		if (!pl->my_port_type || !pl->my_port_type->operations)
			continue;
		emit_out(
			e,
			"static const struct brt_operation *const %s__myops_%d[] = {\n",
			e->P, i);
		for (struct wsdl_operation *op = pl->my_port_type->operations;
		     op; op = op->next)
			emit_out(e, "\t%s,\n", op_ref(e, op, my_binding(pl)));
		emit_out(e, "};\n");
	}
	emit_out(e, "static const struct brt_partner_link %s__plinks[] = {\n",
		 e->P);
	for (int i = 0; i < p->plinks.n; i++) {
		struct ir_plink *ip = IR_AT(p->plinks, struct ir_plink, i);
		struct bpel_partner_link *pl = ip->pl;
		int nops = 0;
		if (pl->my_port_type)
			for (struct wsdl_operation *op =
				     pl->my_port_type->operations;
			     op; op = op->next)
				nops++;
		const char *addr = pl->my_port ? pl->my_port->address : NULL;
		int nwsdl = 0;
		int iw = emit_wsdl_set_of(e, pl, &nwsdl);
		emit_out(e, "\t{ /* %s:%d */\n",
			 emit_comment_safe(e, pl->loc.file), pl->loc.line);
		emit_out(e, "\t\t.name = %s,\n", emit_cstr(e, pl->name));
		emit_out(e, "\t\t.scope = %d,\n", ip->scope);
		emit_out(e, "\t\t.my_path = %s,\n",
			 addr && pl->my_role
				 ? emit_cstr(e, emit_url_path(e, addr))
				 : "NULL");
		emit_out(e, "\t\t.my_address = %s,\n",
			 pl->my_role ? emit_cstr(e, addr) : "NULL");
		emit_out(e, "\t\t.nmy_ops = %d,\n", nops);
		if (nops)
			emit_out(e, "\t\t.my_ops = %s__myops_%d,\n", e->P, i);
		else
			emit_out(e, "\t\t.my_ops = NULL,\n");
		if (iw >= 0)
			emit_out(e,
				 "\t\t.nwsdl = %d,\n\t\t.wsdl = %s__wsdl_%d,\n",
				 nwsdl, e->P, iw);
		emit_out(e, "\t\t.partner_address = %s,\n",
			 emit_cstr(e, pl->partner_port
					      ? pl->partner_port->address
					      : NULL));
		emit_out(e, "\t\t.has_partner_role = %s,\n",
			 emit_bool(pl->partner_role != NULL));
		emit_out(e, "\t\t.initialize_partner_role = %s,\n",
			 emit_bool(!pl->has_initialize_partner_role ||
				   pl->initialize_partner_role));
		int nalt = emit_alt_ports_of(pl, NULL);
		if (nalt)
			emit_out(e,
				 "\t\t.nmy_alt = %d,\n\t\t.my_alt_paths = "
				 "%s__altpaths_%d,\n\t\t.my_alt_addresses = "
				 "%s__altaddrs_%d,\n",
				 nalt, e->P, i, e->P, i);
		emit_out(e, "\t},\n");
	}
	emit_out(e, "};\n\n");
}

static void emit_alarm(struct emitter *e, const struct ir_alarm *a)
{
	emit_out(
		e,
		"\t{ .expr = %d, .is_until = %s, .repeat = %d, .state = %s },\n",
		a->expr, emit_bool(a->is_until), a->repeat,
		emit_state_ref(e, a->state));
}

/* Event handlers of each scope. onEvent descriptors point into the
 * receives table, defined later (emit_messaging): declare it first. */
static void emit_scope_handlers(struct emitter *e)
{
	struct ir_program *p = e->p;
	bool any = false;
	for (int i = 0; i < p->scopes.n; i++)
		any |= IR_AT(p->scopes, struct ir_scope, i)->nevents > 0;
	if (any)
		emit_out(
			e,
			"static const struct brt_receive %s__receives[%d];\n\n",
			e->P, p->receives.n);
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		if (sc->nevents) {
			emit_out(
				e,
				"static const struct brt_on_event %s__events_%d[] = {\n",
				e->P, i);
			for (int j = 0; j < sc->nevents; j++)
				emit_out(
					e,
					"\t{ .recv = &%s__receives[%d], .scope = %d, "
					".state = %s },\n",
					e->P, sc->events[j].recv,
					sc->events[j].scope,
					emit_state_ref(e, sc->events[j].state));
			emit_out(e, "};\n");
		}
		if (sc->nalarms) {
			emit_out(
				e,
				"static const struct brt_on_alarm %s__alarms_%d[] = {\n",
				e->P, i);
			for (int j = 0; j < sc->nalarms; j++)
				emit_alarm(e, &sc->alarms[j]);
			emit_out(e, "};\n");
		}
	}
}

/* Pick descriptors (after the receives they point into). */
static void emit_picks(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->picks.n)
		return;
	for (int i = 0; i < p->picks.n; i++) {
		struct ir_pick *pk = IR_AT(p->picks, struct ir_pick, i);
		emit_out(
			e,
			"static const struct brt_on_message %s__pickmsgs_%d[] = {\n",
			e->P, i);
		for (int j = 0; j < pk->nmsgs; j++)
			emit_out(
				e,
				"\t{ .recv = &%s__receives[%d], .state = %s },\n",
				e->P, pk->recv[j],
				emit_state_ref(e, pk->state[j]));
		emit_out(e, "};\n");
		if (pk->nalarms) {
			emit_out(
				e,
				"static const struct brt_on_alarm %s__pickalarms_%d[] = {\n",
				e->P, i);
			for (int j = 0; j < pk->nalarms; j++)
				emit_alarm(e, &pk->alarms[j]);
			emit_out(e, "};\n");
		}
	}
	emit_out(e, "static const struct brt_pick %s__picks[] = {\n", e->P);
	for (int i = 0; i < p->picks.n; i++) {
		struct ir_pick *pk = IR_AT(p->picks, struct ir_pick, i);
		emit_out(e, "\t{ /* %d: %s:%d */\n", i,
			 emit_comment_safe(e, pk->act->loc.file),
			 pk->act->loc.line);
		emit_out(e, "\t\t.name = %s,\n", emit_cstr(e, pk->act->name));
		emit_out(e, "\t\t.nmsgs = %d,\n\t\t.msgs = %s__pickmsgs_%d,\n",
			 pk->nmsgs, e->P, i);
		if (pk->nalarms)
			emit_out(
				e,
				"\t\t.nalarms = %d,\n\t\t.alarms = %s__pickalarms_%d,\n",
				pk->nalarms, e->P, i);
		else
			emit_out(e, "\t\t.nalarms = 0,\n\t\t.alarms = NULL,\n");
		emit_out(e, "\t\t.file = %s,\n",
			 emit_cstr(e, pk->act->loc.file));
		emit_out(e, "\t\t.line = %d,\n", pk->act->loc.line);
		emit_out(e, "\t},\n");
	}
	emit_out(e, "};\n\n");
}

static void emit_scopes(struct emitter *e)
{
	struct ir_program *p = e->p;
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		if (!sc->ncatches)
			continue;
		emit_out(e,
			 "static const struct brt_catch %s__catches_%d[] = {\n",
			 e->P, i);
		for (int j = 0; j < sc->ncatches; j++) {
			struct ir_catch *ic = &sc->catches[j];
			emit_out(e, "\t{ /* %s:%d */\n",
				 emit_comment_safe(e, ic->c->loc.file),
				 ic->c->loc.line);
			emit_out(e, "\t\t.fault = %s,\n",
				 emit_qname(e, ic->c->fault_name));
			emit_out(e, "\t\t.variable = %d,\n", ic->variable);
			emit_out(e, "\t\t.message = %s,\n",
				 msg_ref(e, catch_message(e, ic->c)));
			emit_out(e, "\t\t.element = %s,\n",
				 emit_qname(e, ic->c->fault_element));
			emit_out(e, "\t\t.state = %s,\n",
				 emit_state_ref(e, ic->state));
			emit_out(e, "\t},\n");
		}
		emit_out(e, "};\n");
	}
	emit_scope_handlers(e);
	emit_out(e, "static const struct brt_scope %s__scopes[] = {\n", e->P);
	for (int i = 0; i < p->scopes.n; i++) {
		struct ir_scope *sc = IR_AT(p->scopes, struct ir_scope, i);
		emit_out(e, "\t{ /* %d: %s:%d */\n", i,
			 emit_comment_safe(e, sc->loc.file), sc->loc.line);
		emit_out(e, "\t\t.name = %s,\n", emit_cstr(e, sc->name));
		emit_out(e, "\t\t.parent = %d,\n", sc->parent);
		emit_out(e, "\t\t.nvars = %d,\n", sc->nvars);
		emit_out(e, "\t\t.ncatches = %d,\n", sc->ncatches);
		if (sc->ncatches)
			emit_out(e, "\t\t.catches = %s__catches_%d,\n", e->P,
				 i);
		else
			emit_out(e, "\t\t.catches = NULL,\n");
		emit_out(e, "\t\t.catch_all = %s,\n",
			 sc->catch_all >= 0 ? emit_state_ref(e, sc->catch_all)
					    : "-1");
		emit_out(e, "\t\t.compensation = %s,\n",
			 sc->compensation >= 0
				 ? emit_state_ref(e, sc->compensation)
				 : "-1");
		emit_out(e, "\t\t.termination = %s,\n",
			 sc->termination >= 0
				 ? emit_state_ref(e, sc->termination)
				 : "-1");
		emit_out(e, "\t\t.exit_on_standard_fault = %s,\n",
			 emit_bool(sc->exit_on_standard_fault));
		emit_out(e, "\t\t.isolated = %s,\n", emit_bool(sc->isolated));
		if (sc->nevents)
			emit_out(
				e,
				"\t\t.nevents = %d,\n\t\t.events = %s__events_%d,\n",
				sc->nevents, e->P, i);
		if (sc->nalarms)
			emit_out(
				e,
				"\t\t.nalarms = %d,\n\t\t.alarms = %s__alarms_%d,\n",
				sc->nalarms, e->P, i);
		emit_out(e, "\t},\n");
	}
	emit_out(e, "};\n\n");
}

static void emit_vars(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->vars.n)
		return;
	emit_out(e, "static const struct brt_variable %s__vars[] = {\n", e->P);
	for (int i = 0; i < p->vars.n; i++) {
		struct ir_var *iv = IR_AT(p->vars, struct ir_var, i);
		struct bpel_variable *v = iv->v;
		const char *kind = v->message || v->message_type.local
					   ? "BRT_VAR_MESSAGE"
				   : v->element.local ? "BRT_VAR_ELEMENT"
						      : "BRT_VAR_TYPE";
		emit_out(e, "\t{ /* %d: %s:%d */\n", i,
			 emit_comment_safe(e, v->loc.file), v->loc.line);
		emit_out(e, "\t\t.name = %s,\n", emit_cstr(e, v->name));
		emit_out(e, "\t\t.scope = %d,\n", iv->scope);
		emit_out(e, "\t\t.slot = %d,\n", iv->slot);
		emit_out(e, "\t\t.kind = %s,\n", kind);
		emit_out(e, "\t\t.message = %s,\n", msg_ref(e, v->message));
		emit_out(e, "\t\t.element = %s,\n", emit_qname(e, v->element));
		emit_out(e, "\t\t.type = %s,\n", emit_qname(e, v->type));
		emit_out(e, "\t\t.xsd = %s,\n", emit_xsd_kind(v->kind));
		emit_out(e, "\t\t.init = %d,\n", iv->init);
		emit_out(e, "\t},\n");
	}
	emit_out(e, "};\n\n");
	/* Variables nothing reads: receives drop what they store there. */
	struct unread *un = unread_scan(e->a, p->m->process->doc);
	e->has_unread = false;
	for (int i = 0; i < p->vars.n; i++)
		e->has_unread =
			e->has_unread ||
			unread_is(un,
				  IR_AT(p->vars, struct ir_var, i)->v->name);
	if (!e->has_unread)
		return;
	emit_out(e, "static const bool %s__vars_unread[] = {\n", e->P);
	for (int i = 0; i < p->vars.n; i++) {
		struct bpel_variable *v = IR_AT(p->vars, struct ir_var, i)->v;
		emit_out(e, "\t%s, /* %d: %s */\n",
			 unread_is(un, v->name) ? "true" : "false", i,
			 emit_comment_safe(e, v->name));
	}
	emit_out(e, "};\n\n");
}

/* The in-scope namespaces of an expression's element, as the body of a
 * brt_ns array; identical lists are shared. Returns the list index, -1
 * for none. */
static int ns_list(struct emitter *e, xmlNodePtr node, int *count)
{
	*count = 0;
	if (!node || !node->doc)
		return -1;
	xmlNsPtr *list = xmlGetNsList(node->doc, node);
	if (!list)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; list[i]; i++) {
		const char *prefix = (const char *)list[i]->prefix;
		strbuf_printf(&sb, "\t{ %s, %s },\n",
			      emit_cstr(e, prefix ? prefix : ""),
			      emit_cstr(e, (const char *)list[i]->href));
		(*count)++;
	}
	xmlFree(list);
	if (*count == 0) {
		strbuf_free(&sb);
		return -1;
	}
	for (int i = 0; i < e->nslist.n; i++)
		if (strcmp(IR_AT(e->nslist, const char, i), sb.buf) == 0) {
			strbuf_free(&sb);
			return i;
		}
	ir_vec_push(e->a, &e->nslist, arena_strdup(e->a, sb.buf));
	strbuf_free(&sb);
	emit_out(e, "static const struct brt_ns %s__ns_%d[] = {\n%s};\n", e->P,
		 e->nslist.n - 1,
		 IR_AT(e->nslist, const char, e->nslist.n - 1));
	return e->nslist.n - 1;
}

static void emit_exprs(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->exprs.n)
		return;
	int *nsidx = ARENA_ARRAY(e->a, int, p->exprs.n);
	int *nscount = ARENA_ARRAY(e->a, int, p->exprs.n);
	for (int i = 0; i < p->exprs.n; i++) {
		struct ir_expr *x = IR_AT(p->exprs, struct ir_expr, i);
		nsidx[i] = ns_list(e, x->node, &nscount[i]);
		if (!x->nrefs)
			continue;
		emit_out(e,
			 "static const struct brt_varref %s__refs_%d[] = {\n",
			 e->P, i);
		for (int j = 0; j < x->nrefs; j++)
			emit_out(e,
				 "\t{ .name = %s, .var = %d, .part = %d%s },\n",
				 emit_cstr(e, x->refs[j].name), x->refs[j].var,
				 x->refs[j].part,
				 x->refs[j].is_link ? ", .is_link = true" : "");
		emit_out(e, "};\n");
	}
	emit_out(e, "static const struct brt_expr %s__exprs[] = {\n", e->P);
	for (int i = 0; i < p->exprs.n; i++) {
		struct ir_expr *x = IR_AT(p->exprs, struct ir_expr, i);
		emit_out(e, "\t{ /* %d */\n", i);
		emit_line_src(e, &x->loc);
		emit_out(e, "\t\t.text = %s,\n", emit_cstr(e, x->text));
		emit_line_back(e);
		emit_out(e, "\t\t.file = %s,\n", emit_cstr(e, x->loc.file));
		emit_out(e, "\t\t.line = %d,\n", x->loc.line);
		emit_out(e, "\t\t.nns = %d,\n", nscount[i]);
		if (nsidx[i] >= 0)
			emit_out(e, "\t\t.ns = %s__ns_%d,\n", e->P, nsidx[i]);
		else
			emit_out(e, "\t\t.ns = NULL,\n");
		emit_out(e, "\t\t.nrefs = %d,\n", x->nrefs);
		if (x->nrefs)
			emit_out(e, "\t\t.refs = %s__refs_%d,\n", e->P, i);
		else
			emit_out(e, "\t\t.refs = NULL,\n");
		emit_out(e, "\t},\n");
	}
	emit_out(e, "};\n\n");
}

static void emit_literals(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (!p->literals.n)
		return;
	emit_out(e, "static const char *const %s__literals[] = {\n", e->P);
	for (int i = 0; i < p->literals.n; i++) {
		emit_out(e, "\t/* %d */\n", i);
		emit_text_lines(e, IR_AT(p->literals, const char, i), "\t");
		emit_out(e, ",\n");
	}
	emit_out(e, "};\n\n");
}

static void emit_correlation(struct emitter *e)
{
	struct ir_program *p = e->p;
	if (p->properties.n) {
		emit_out(
			e,
			"static const struct brt_property %s__properties[] = {\n",
			e->P);
		for (int i = 0; i < p->properties.n; i++) {
			struct vprop_property *pr =
				IR_AT(p->properties, struct vprop_property, i);
			emit_out(e, "\t{ .name = %s, .kind = %s }, /* %d */\n",
				 emit_qname(e, pr->name),
				 emit_xsd_kind(pr->kind), i);
		}
		emit_out(e, "};\n\n");
	}
	if (p->aliases.n) {
		emit_out(e, "static const struct brt_alias %s__aliases[] = {\n",
			 e->P);
		for (int i = 0; i < p->aliases.n; i++) {
			struct ir_alias *ia =
				IR_AT(p->aliases, struct ir_alias, i);
			emit_out(e, "\t{ /* %s:%d */\n",
				 emit_comment_safe(e, ia->al->loc.file),
				 ia->al->loc.line);
			emit_out(e, "\t\t.property = %d,\n", ia->property);
			emit_out(e, "\t\t.message = %s,\n",
				 msg_ref(e, ia->al->message));
			emit_out(e, "\t\t.part = %s,\n",
				 emit_cstr(e, ia->al->part));
			emit_out(e, "\t\t.element = %s,\n",
				 emit_qname(e, ia->al->element));
			emit_out(e, "\t\t.type = %s,\n",
				 emit_qname(e, ia->al->type));
			emit_out(e, "\t\t.query = %d,\n", ia->query);
			emit_out(e, "\t},\n");
		}
		emit_out(e, "};\n\n");
	}
	if (!p->corrsets.n)
		return;
	for (int i = 0; i < p->corrsets.n; i++) {
		struct bpel_corr_set *cs =
			IR_AT(p->corrsets, struct ir_corrset, i)->cs;
		if (!cs->properties)
			continue;
		emit_out(e, "static const int %s__csprops_%d[] = {", e->P, i);
		for (struct bpel_property_ref *r = cs->properties; r;
		     r = r->next)
			emit_out(e, " %d,",
				 ir_vec_find(&p->properties, r->property));
		emit_out(e, " };\n");
	}
	emit_out(e,
		 "static const struct brt_correlation_set %s__corrsets[] = {\n",
		 e->P);
	for (int i = 0; i < p->corrsets.n; i++) {
		struct ir_corrset *ic =
			IR_AT(p->corrsets, struct ir_corrset, i);
		int n = 0;
		for (struct bpel_property_ref *r = ic->cs->properties; r;
		     r = r->next)
			n++;
		emit_out(e,
			 "\t{ .name = %s, .scope = %d, .nprops = %d, .props = ",
			 emit_cstr(e, ic->cs->name), ic->scope, n);
		if (n)
			emit_out(e, "%s__csprops_%d },\n", e->P, i);
		else
			emit_out(e, "NULL },\n");
	}
	emit_out(e, "};\n\n");
}

static const char *const from_kinds[] = {
	[BPEL_FROM_VAR] = "BRT_FROM_VAR",
	[BPEL_FROM_EXPR] = "BRT_FROM_EXPR",
	[BPEL_FROM_LITERAL] = "BRT_FROM_LITERAL",
	[BPEL_FROM_PLINK] = "BRT_FROM_PLINK",
	[BPEL_FROM_PROPERTY] = "BRT_FROM_PROPERTY",
	[BPEL_FROM_EMPTY] = "BRT_FROM_VAR",
};

static const char *const to_kinds[] = {
	[BPEL_TO_VAR] = "BRT_TO_VAR",
	[BPEL_TO_EXPR] = "BRT_TO_EXPR",
	[BPEL_TO_PLINK] = "BRT_TO_PLINK",
	[BPEL_TO_PROPERTY] = "BRT_TO_PROPERTY",
	[BPEL_TO_EMPTY] = "BRT_TO_VAR",
};

static void emit_assigns(struct emitter *e)
{
	struct ir_program *p = e->p;
	for (int i = 0; i < p->assigns.n; i++) {
		struct ir_assign *as = IR_AT(p->assigns, struct ir_assign, i);
		if (!as->ncopies)
			continue;
		for (int j = 0; j < as->ncopies; j++) {
			struct ir_copy *c = &as->copies[j];
			if (!c->ninsert)
				continue;
			emit_out(e,
				 "static const struct brt_insert_step "
				 "%s__insert_%d_%d[] = {\n",
				 e->P, i, j);
			for (int k = 0; k < c->ninsert; k++)
				emit_out(
					e,
					"\t{ .ns = %s, .prefix = %s, .local = %s, "
					".attribute = %s },\n",
					emit_cstr(e, c->insert[k].ns),
					emit_cstr(e, c->insert[k].prefix),
					emit_cstr(e, c->insert[k].local),
					emit_bool(c->insert[k].attribute));
			emit_out(e, "};\n");
		}
		emit_out(e,
			 "static const struct brt_copy %s__copies_%d[] = {\n",
			 e->P, i);
		for (int j = 0; j < as->ncopies; j++) {
			struct ir_copy *c = &as->copies[j];
			enum bpel_from_kind fk = c->from ? c->from->kind
							 : BPEL_FROM_EMPTY;
			bool my_role = c->from && c->from->endpoint &&
				       strcmp(c->from->endpoint, "myRole") == 0;
			emit_out(e, "\t{ /* %s:%d */\n",
				 emit_comment_safe(e, c->loc.file),
				 c->loc.line);
			emit_out(
				e,
				"\t\t.from = { .kind = %s, .var = %d, .part = %d, "
				".query = %d, .expr = %d, .literal = %d,\n"
				"\t\t\t.plink = %d, .my_role = %s, .property = %d },\n",
				from_kinds[fk], c->from_var, c->from_part,
				c->from_query, c->from_expr, c->from_literal,
				c->from_plink, emit_bool(my_role),
				c->from_property);
			emit_out(
				e,
				"\t\t.to = { .kind = %s, .var = %d, .part = %d, "
				".query = %d, .expr = %d,\n"
				"\t\t\t.plink = %d, .property = %d },\n",
				to_kinds[c->to_kind], c->to_var, c->to_part,
				c->to_query, c->to_expr, c->to_plink,
				c->to_property);
			emit_out(e, "\t\t.keep_src_element_name = %s,\n",
				 emit_bool(c->c &&
					   c->c->keep_src_element_name));
			emit_out(e, "\t\t.ignore_missing_from_data = %s,\n",
				 emit_bool(c->c &&
					   c->c->ignore_missing_from_data));
			if (c->ninsert)
				emit_out(e,
					 "\t\t.ninsert = %d, .insert = "
					 "%s__insert_%d_%d,\n"
					 "\t\t.insert_var = %d, .insert_part = "
					 "%d,\n",
					 c->ninsert, e->P, i, j, c->insert_var,
					 c->insert_part);
			if (c->ignore_uninit)
				emit_out(e, "\t\t.ignore_uninitialized_from_"
					    "variable = true,\n");
			emit_out(e, "\t\t.line = %d,\n", c->loc.line);
			emit_out(e, "\t},\n");
		}
		emit_out(e, "};\n");
	}
	if (!p->assigns.n)
		return;
	emit_out(e, "static const struct brt_assign %s__assigns[] = {\n", e->P);
	for (int i = 0; i < p->assigns.n; i++) {
		struct ir_assign *as = IR_AT(p->assigns, struct ir_assign, i);
		emit_out(e, "\t{ /* %d */\n", i);
		emit_out(e, "\t\t.name = %s,\n",
			 emit_cstr(e, as->act	    ? as->act->name
				      : as->init_of ? as->init_of->name
						    : NULL));
		emit_out(e, "\t\t.ncopies = %d,\n", as->ncopies);
		if (as->ncopies)
			emit_out(e, "\t\t.copies = %s__copies_%d,\n", e->P, i);
		else
			emit_out(e, "\t\t.copies = NULL,\n");
		emit_out(e, "\t\t.validate = %s,\n",
			 emit_bool(as->act && as->act->validate));
		emit_out(e, "\t\t.file = %s,\n", emit_cstr(e, as->loc.file));
		emit_out(e, "\t\t.line = %d,\n", as->loc.line);
		emit_out(e, "\t},\n");
	}
	emit_out(e, "};\n\n");
}

/* <validate> variable lists and the expressions known to fault
 * (lower_data.c, xpath2.c); returns how many validates there are and
 * whether an error table was written. */
static int emit_data_tables(struct emitter *e, bool *has_errors)
{
	struct ir_program *p = e->p;
	int nval = 0;
	for (int i = 0; i < p->assigns.n; i++) {
		struct ir_assign *as = IR_AT(p->assigns, struct ir_assign, i);
		if (!as->nvalidate)
			continue;
		emit_out(e, "static const int %s__validate_%d[] = {", e->P, i);
		for (int j = 0; j < as->nvalidate; j++)
			emit_out(e, " %d,", as->validate_vars[j]);
		emit_out(e, " };\n");
		nval++;
	}
	if (nval) {
		emit_out(
			e,
			"static const struct brt_validate %s__validates[] = {\n",
			e->P);
		for (int i = 0; i < p->assigns.n; i++) {
			struct ir_assign *as =
				IR_AT(p->assigns, struct ir_assign, i);
			if (as->nvalidate)
				emit_out(e,
					 "\t{ .assign = %d, .nvars = %d, "
					 ".vars = %s__validate_%d },\n",
					 i, as->nvalidate, e->P, i);
		}
		emit_out(e, "};\n\n");
	}
	*has_errors = false;
	for (int i = 0; i < p->exprs.n; i++)
		*has_errors |= IR_AT(p->exprs, struct ir_expr, i)->error !=
			       NULL;
	if (*has_errors) {
		emit_out(e, "static const char *const %s__expr_errors[] = {\n",
			 e->P);
		for (int i = 0; i < p->exprs.n; i++) {
			struct ir_expr *x = IR_AT(p->exprs, struct ir_expr, i);
			emit_out(e, "\t%s, /* %d */\n", emit_cstr(e, x->error),
				 i);
		}
		emit_out(e, "};\n\n");
	}
	return nval;
}

/* Embedded schemas and stylesheets (lower_data.c). */
static void emit_embeds(struct emitter *e, const struct ir_vec *v,
			const char *name)
{
	if (!v->n)
		return;
	emit_out(e, "static const struct brt_embed %s__%s[] = {\n", e->P, name);
	for (int i = 0; i < v->n; i++) {
		struct ir_embed *x = IR_AT(*v, struct ir_embed, i);
		emit_out(e, "\t{ /* %d */\n\t\t.uri = %s,\n\t\t.ns = %s,\n", i,
			 emit_cstr(e, x->uri), emit_cstr(e, x->ns));
		if (x->text) {
			emit_out(e, "\t\t.text =\n");
			emit_text_lines(e, x->text, "\t\t");
			emit_out(e, ",\n");
		} else {
			emit_out(e, "\t\t.text = NULL,\n");
		}
		emit_out(e, "\t},\n");
	}
	emit_out(e, "};\n\n");
}

static const char *const initiates[] = { "BRT_INIT_NO", "BRT_INIT_YES",
					 "BRT_INIT_JOIN" };
static const char *const patterns[] = { "BRT_PAT_NONE", "BRT_PAT_REQUEST",
					"BRT_PAT_RESPONSE",
					"BRT_PAT_REQUEST_RESPONSE" };

/* Per-activity arrays of a messaging descriptor; returns their names
 * ("NULL" when empty) through the out parameters. */
static void emit_msg_arrays(struct emitter *e, const struct ir_msg_act *m,
			    const char **corr, const char **from,
			    const char **to)
{
	*corr = *from = *to = "NULL";
	if (m->ncorr) {
		int n = e->serial++;
		emit_out(
			e,
			"static const struct brt_correlation %s__corr_%d[] = {\n",
			e->P, n);
		for (int i = 0; i < m->ncorr; i++)
			emit_out(
				e,
				"\t{ .set = %d, .initiate = %s, .pattern = %s },\n",
				m->corr[i].set, initiates[m->corr[i].initiate],
				patterns[m->corr[i].pattern]);
		emit_out(e, "};\n");
		*corr = arena_printf(e->a, "%s__corr_%d", e->P, n);
	}
	const struct ir_part_map *lists[2] = { m->parts, m->to_parts };
	int counts[2] = { m->nparts, m->nto };
	const char **names[2] = { from, to };
	for (int k = 0; k < 2; k++) {
		if (!counts[k])
			continue;
		int n = e->serial++;
		emit_out(
			e,
			"static const struct brt_part_map %s__partmap_%d[] = {\n",
			e->P, n);
		for (int i = 0; i < counts[k]; i++)
			emit_out(e, "\t{ .part = %s, .var = %d },\n",
				 emit_cstr(e, lists[k][i].part),
				 lists[k][i].var);
		emit_out(e, "};\n");
		*names[k] = arena_printf(e->a, "%s__partmap_%d", e->P, n);
	}
}

static void emit_messaging(struct emitter *e)
{
	struct ir_program *p = e->p;
	struct ir_vec *lists[3] = { &p->receives, &p->replies, &p->invokes };
	const char *types[3] = { "brt_receive", "brt_reply", "brt_invoke" };
	const char *tables[3] = { "receives", "replies", "invokes" };
	for (int k = 0; k < 3; k++) {
		struct ir_vec *v = lists[k];
		if (!v->n)
			continue;
		const char **corr = ARENA_ARRAY(e->a, const char *, v->n);
		const char **from = ARENA_ARRAY(e->a, const char *, v->n);
		const char **to = ARENA_ARRAY(e->a, const char *, v->n);
		for (int i = 0; i < v->n; i++)
			emit_msg_arrays(e, IR_AT(*v, struct ir_msg_act, i),
					&corr[i], &from[i], &to[i]);
		emit_out(e, "static const struct %s %s__%s[] = {\n", types[k],
			 e->P, tables[k]);
		for (int i = 0; i < v->n; i++) {
			struct ir_msg_act *m = IR_AT(*v, struct ir_msg_act, i);
			struct bpel_activity *a = m->act;
			struct wsdl_binding *b =
				k == 2 ? partner_binding(a->plink)
				       : my_binding(a->plink);
			emit_out(e, "\t{ /* %d: %s:%d */\n", i,
				 emit_comment_safe(e, a->loc.file),
				 a->loc.line);
			emit_out(e, "\t\t.name = %s,\n", emit_cstr(e, a->name));
			emit_out(e, "\t\t.plink = %d,\n", m->plink);
			emit_out(e, "\t\t.op = %s,\n",
				 op_ref(e, a->operation, b));
			if (k == 2) {
				emit_out(e, "\t\t.in_var = %d,\n", m->var);
				emit_out(e, "\t\t.out_var = %d,\n", m->out_var);
			} else {
				emit_out(e, "\t\t.var = %d,\n", m->var);
				emit_out(e, "\t\t.mex = %s,\n",
					 emit_cstr(e, a->message_exchange));
			}
			if (k == 0)
				emit_out(e, "\t\t.create_instance = %s,\n",
					 emit_bool(a->create_instance));
			if (k < 2 && m->mex_scope > 0)
				emit_out(e, "\t\t.mex_scope = %d,\n",
					 m->mex_scope);
			if (k == 1)
				emit_out(e, "\t\t.fault = %s,\n",
					 emit_qname(e, a->fault_name));
			emit_out(e, "\t\t.ncorr = %d,\n", m->ncorr);
			emit_out(e, "\t\t.corr = %s,\n", corr[i]);
			if (k == 0) {
				emit_out(e, "\t\t.nparts = %d,\n", m->nparts);
				emit_out(e, "\t\t.parts = %s,\n", from[i]);
			} else if (k == 1) {
				emit_out(e, "\t\t.nparts = %d,\n", m->nto);
				emit_out(e, "\t\t.parts = %s,\n", to[i]);
			} else {
				emit_out(e, "\t\t.nto = %d,\n", m->nto);
				emit_out(e, "\t\t.to_parts = %s,\n", to[i]);
				emit_out(e, "\t\t.nfrom = %d,\n", m->nparts);
				emit_out(e, "\t\t.from_parts = %s,\n", from[i]);
			}
			emit_out(e, "\t\t.file = %s,\n",
				 emit_cstr(e, a->loc.file));
			emit_out(e, "\t\t.line = %d,\n", a->loc.line);
			emit_out(e, "\t},\n");
		}
		emit_out(e, "};\n\n");
	}
	int nstarts = 0;
	for (int i = 0; i < p->receives.n; i++)
		if (IR_AT(p->receives, struct ir_msg_act, i)
			    ->act->create_instance)
			nstarts++;
	if (!nstarts)
		return;
	emit_out(e, "static const struct brt_receive *const %s__starts[] = {\n",
		 e->P);
	for (int i = 0; i < p->receives.n; i++)
		if (IR_AT(p->receives, struct ir_msg_act, i)
			    ->act->create_instance)
			emit_out(e, "\t&%s__receives[%d],\n", e->P, i);
	emit_out(e, "};\n\n");
}

/* ---- entry points -------------------------------------------------------- */

void emit_tables_data(struct emitter *e)
{
	struct ir_program *p = e->p;
	emit_messages(e);
	emit_operations(e);
	emit_plinks(e);
	emit_scopes(e);
	emit_vars(e);
	emit_exprs(e);
	emit_literals(e);
	emit_correlation(e);
	emit_assigns(e);
	emit_embeds(e, &p->schemas, "schemas");
	emit_embeds(e, &p->stylesheets, "stylesheets");
	e->nvalidates = emit_data_tables(e, &e->has_expr_errors);
}

void emit_tables_activities(struct emitter *e)
{
	emit_messaging(e);
	emit_picks(e);
}
