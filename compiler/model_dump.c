/*
 * model_dump.c — `bpelc --dump=model`: the model as an indented text tree.
 *
 * One line per node, in document order, with its line number and, after
 * resolve, what each name is bound to ("-> ..." or "-> ?" when unbound).
 * Deterministic (no pointers printed) so it can be diffed. It only reads
 * the model; it is a debugging aid, not a contract.
 */
#include <stdio.h>

#include "load.h"

static void dump_ind(FILE *out, int d)
{
	for (int i = 0; i < d; i++)
		fputs("  ", out);
}

static void dump_qn(FILE *out, const char *label, struct qname q)
{
	if (!q.local)
		return;
	if (q.ns)
		fprintf(out, " %s={%s}%s", label, q.ns, q.local);
	else
		fprintf(out, " %s=%s", label, q.local);
}

static void dump_str(FILE *out, const char *label, const char *s)
{
	if (s)
		fprintf(out, " %s=\"%s\"", label, s);
}

static void dump_bound(FILE *out, const char *name, const void *p)
{
	if (name)
		fprintf(out, "%s", p ? "" : " (unresolved)");
}

static void dump_expr(FILE *out, int d, const char *label,
		      const struct bpel_expr *e)
{
	if (!e)
		return;
	dump_ind(out, d);
	fprintf(out, "%s:%d \"%s\"\n", label, e->loc.line,
		e->text ? e->text : "");
}

static const char *const dump_xsd_kinds[] = { "complex", "string", "number",
					      "boolean" };

static void dump_var(FILE *out, int d, const struct bpel_variable *v)
{
	dump_ind(out, d);
	fprintf(out, "variable:%d name=%s%s", v->loc.line,
		v->name ? v->name : "?", v->is_implicit ? " implicit" : "");
	dump_qn(out, "messageType", v->message_type);
	dump_qn(out, "type", v->type);
	dump_qn(out, "element", v->element);
	fprintf(out, " kind=%s", dump_xsd_kinds[v->kind]);
	if (v->message_type.local)
		dump_bound(out, "", v->message);
	if (v->element.local)
		dump_bound(out, "", v->element_ref);
	fputc('\n', out);
}

static void dump_activity(FILE *out, int d, const struct bpel_activity *a);

static void dump_list(FILE *out, int d, const struct bpel_activity *a)
{
	for (; a; a = a->next)
		dump_activity(out, d, a);
}

static void dump_catches(FILE *out, int d, const struct bpel_catch *k)
{
	for (; k; k = k->next) {
		dump_ind(out, d);
		fprintf(out, "catch:%d", k->loc.line);
		dump_qn(out, "faultName", k->fault_name);
		dump_str(out, "faultVariable", k->fault_variable);
		fputc('\n', out);
		if (k->variable)
			dump_var(out, d + 1, k->variable);
		dump_list(out, d + 1, k->activity);
	}
}

static void dump_alarms(FILE *out, int d, const struct bpel_alarm *al)
{
	for (; al; al = al->next) {
		dump_ind(out, d);
		fprintf(out, "onAlarm:%d\n", al->loc.line);
		dump_expr(out, d + 1, "for", al->for_expr);
		dump_expr(out, d + 1, "until", al->until_expr);
		dump_expr(out, d + 1, "repeatEvery", al->repeat_every);
		dump_list(out, d + 1, al->activity);
	}
}

static void dump_scope(FILE *out, int d, const struct bpel_scope *s)
{
	for (const struct bpel_partner_link *pl = s->partner_links; pl;
	     pl = pl->next) {
		dump_ind(out, d);
		fprintf(out, "partnerLink:%d name=%s", pl->loc.line,
			pl->name ? pl->name : "?");
		dump_qn(out, "type", pl->type_name);
		dump_bound(out, "", pl->type);
		dump_str(out, "myRole", pl->my_role);
		dump_str(out, "partnerRole", pl->partner_role);
		if (pl->my_port)
			fprintf(out, " myPort=%s address=%s",
				pl->my_port->name ? pl->my_port->name : "?",
				pl->my_port->address ? pl->my_port->address
						     : "?");
		if (pl->partner_port)
			fprintf(out, " partnerPort=%s",
				pl->partner_port->name ? pl->partner_port->name
						       : "?");
		fputc('\n', out);
	}
	for (const struct bpel_variable *v = s->variables; v; v = v->next)
		dump_var(out, d, v);
	for (const struct bpel_corr_set *cs = s->correlation_sets; cs;
	     cs = cs->next) {
		dump_ind(out, d);
		fprintf(out, "correlationSet:%d name=%s", cs->loc.line,
			cs->name ? cs->name : "?");
		for (const struct bpel_property_ref *r = cs->properties; r;
		     r = r->next) {
			dump_qn(out, "property", r->name);
			dump_bound(out, "", r->property);
		}
		fputc('\n', out);
	}
	for (const struct bpel_mex *m = s->message_exchanges; m; m = m->next) {
		dump_ind(out, d);
		fprintf(out, "messageExchange:%d name=%s\n", m->loc.line,
			m->name ? m->name : "?");
	}
	dump_catches(out, d, s->catches);
	if (s->catch_all) {
		dump_ind(out, d);
		fprintf(out, "catchAll:%d\n", s->catch_all_loc.line);
		dump_list(out, d + 1, s->catch_all);
	}
	if (s->compensation_handler) {
		dump_ind(out, d);
		fputs("compensationHandler\n", out);
		dump_list(out, d + 1, s->compensation_handler);
	}
	if (s->termination_handler) {
		dump_ind(out, d);
		fputs("terminationHandler\n", out);
		dump_list(out, d + 1, s->termination_handler);
	}
	dump_list(out, d, s->on_events);
	dump_alarms(out, d, s->on_alarms);
	if (s->body)
		dump_activity(out, d, s->body);
}

static const char *const dump_from_kinds[] = { "variable", "expression",
					       "literal",  "partnerLink",
					       "property", "empty" };
static const char *const dump_to_kinds[] = { "variable", "expression",
					     "partnerLink", "property",
					     "empty" };

static void dump_copy(FILE *out, int d, const struct bpel_copy *c)
{
	dump_ind(out, d);
	fprintf(out, "copy:%d from=%s", c->loc.line,
		dump_from_kinds[c->from.kind]);
	dump_str(out, "variable", c->from.var_name);
	dump_bound(out, c->from.var_name, c->from.var);
	dump_str(out, "part", c->from.part);
	dump_str(out, "partnerLink", c->from.plink_name);
	dump_qn(out, "property", c->from.property);
	if (c->from.kind == BPEL_FROM_EXPR && c->from.expr)
		fprintf(out, " expr=\"%s\"", c->from.expr->text);
	if (c->from.query)
		fprintf(out, " query=\"%s\"", c->from.query->text);
	fprintf(out, " to=%s", dump_to_kinds[c->to.kind]);
	dump_str(out, "variable", c->to.var_name);
	dump_bound(out, c->to.var_name, c->to.var);
	dump_str(out, "part", c->to.part);
	dump_str(out, "partnerLink", c->to.plink_name);
	dump_qn(out, "property", c->to.property);
	if (c->to.kind == BPEL_TO_EXPR && c->to.expr)
		fprintf(out, " expr=\"%s\"", c->to.expr->text);
	if (c->to.query)
		fprintf(out, " query=\"%s\"", c->to.query->text);
	fputc('\n', out);
}

static void dump_activity(FILE *out, int d, const struct bpel_activity *a)
{
	dump_ind(out, d);
	fprintf(out, "%s:%d", model_element_name(a->kind), a->loc.line);
	dump_str(out, "name", a->name);
	if (a->effective_sjf)
		fputs(" sjf", out);
	dump_str(out, "partnerLink", a->partner_link_name);
	dump_bound(out, a->partner_link_name, a->plink);
	dump_str(out, "operation", a->operation_name);
	dump_bound(out, a->operation_name, a->operation);
	dump_str(out, "variable", a->variable_name);
	dump_bound(out, a->variable_name, a->variable);
	dump_str(out, "inputVariable", a->input_variable_name);
	dump_bound(out, a->input_variable_name, a->input_var);
	dump_str(out, "outputVariable", a->output_variable_name);
	dump_bound(out, a->output_variable_name, a->output_var);
	dump_str(out, "messageExchange", a->message_exchange);
	if (a->create_instance)
		fputs(" createInstance", out);
	dump_qn(out, "faultName", a->fault_name);
	dump_str(out, "faultVariable", a->fault_variable_name);
	dump_str(out, "target", a->target);
	dump_str(out, "counterName", a->counter_name);
	if (a->parallel)
		fputs(" parallel", out);
	fputc('\n', out);
	for (const struct bpel_link_ref *r = a->targets; r; r = r->next) {
		dump_ind(out, d + 1);
		fprintf(out, "target link=%s",
			r->link_name ? r->link_name : "?");
		dump_bound(out, "", r->link);
		fputc('\n', out);
	}
	dump_expr(out, d + 1, "joinCondition", a->join_condition);
	for (const struct bpel_link_ref *r = a->sources; r; r = r->next) {
		dump_ind(out, d + 1);
		fprintf(out, "source link=%s",
			r->link_name ? r->link_name : "?");
		dump_bound(out, "", r->link);
		fputc('\n', out);
		dump_expr(out, d + 2, "transitionCondition", r->transition);
	}
	for (const struct bpel_correlation *c = a->correlations; c;
	     c = c->next) {
		dump_ind(out, d + 1);
		fprintf(out, "correlation set=%s initiate=%d pattern=%d",
			c->set_name ? c->set_name : "?", (int)c->initiate,
			(int)c->pattern);
		dump_bound(out, "", c->set);
		fputc('\n', out);
	}
	for (const struct bpel_part_map *p = a->from_parts; p; p = p->next) {
		dump_ind(out, d + 1);
		fprintf(out, "fromPart part=%s toVariable=%s",
			p->part ? p->part : "?",
			p->var_name ? p->var_name : "?");
		dump_bound(out, "", p->var);
		fputc('\n', out);
	}
	for (const struct bpel_part_map *p = a->to_parts; p; p = p->next) {
		dump_ind(out, d + 1);
		fprintf(out, "toPart part=%s fromVariable=%s",
			p->part ? p->part : "?",
			p->var_name ? p->var_name : "?");
		dump_bound(out, "", p->var);
		fputc('\n', out);
	}
	for (const struct bpel_copy *c = a->copies; c; c = c->next)
		dump_copy(out, d + 1, c);
	dump_expr(out, d + 1, "condition", a->condition);
	dump_expr(out, d + 1, "for", a->for_expr);
	dump_expr(out, d + 1, "until", a->until_expr);
	dump_expr(out, d + 1, "startCounterValue", a->start_counter);
	dump_expr(out, d + 1, "finalCounterValue", a->final_counter);
	dump_expr(out, d + 1, "branches", a->branches);
	for (const struct bpel_link *l = a->links; l; l = l->next) {
		dump_ind(out, d + 1);
		fprintf(out, "link:%d name=%s\n", l->loc.line,
			l->name ? l->name : "?");
	}
	if (a->kind == BPEL_ACT_ON_EVENT && a->variable)
		dump_var(out, d + 1, a->variable);
	if (a->counter)
		dump_var(out, d + 1, a->counter);
	dump_catches(out, d + 1, a->catches);
	if (a->catch_all) {
		dump_ind(out, d + 1);
		fputs("catchAll\n", out);
		dump_list(out, d + 2, a->catch_all);
	}
	if (a->compensation_handler) {
		dump_ind(out, d + 1);
		fputs("compensationHandler\n", out);
		dump_list(out, d + 2, a->compensation_handler);
	}
	if (a->body)
		dump_activity(out, d + 1, a->body);
	dump_list(out, d + 1, a->children);
	dump_list(out, d + 1, a->on_messages);
	dump_alarms(out, d + 1, a->on_alarms);
	if (a->scope)
		dump_scope(out, d + 1, a->scope);
}

static const char *const dump_op_kinds[] = { "one-way", "request-response",
					     "notification",
					     "solicit-response" };

static void dump_schema(FILE *out, const struct xsd_schema *s)
{
	fprintf(out, "schema %s tns=%s\n", s->path ? s->path : "?",
		s->tns ? s->tns : "");
	for (const struct xsd_element *e = s->elements; e; e = e->next) {
		fprintf(out, "  element:%d", e->loc.line);
		dump_qn(out, "name", e->name);
		dump_qn(out, "type", e->type_name);
		fprintf(out, " kind=%s\n", dump_xsd_kinds[e->kind]);
	}
	for (const struct xsd_type *t = s->types; t; t = t->next) {
		fprintf(out, "  %sType:%d", t->is_simple ? "simple" : "complex",
			t->loc.line);
		dump_qn(out, "name", t->name);
		dump_qn(out, "base", t->base);
		fprintf(out, " kind=%s\n", dump_xsd_kinds[t->kind]);
	}
}

static void dump_wsdl(FILE *out, const struct wsdl_doc *w)
{
	fprintf(out, "wsdl %s tns=%s\n", w->path ? w->path : "?",
		w->tns ? w->tns : "");
	for (const struct wsdl_message *m = w->messages; m; m = m->next) {
		fprintf(out, "  message:%d name=%s\n", m->loc.line,
			m->name.local ? m->name.local : "?");
		for (const struct wsdl_part *p = m->parts; p; p = p->next) {
			fprintf(out, "    part name=%s",
				p->name ? p->name : "?");
			dump_qn(out, "element", p->element);
			dump_qn(out, "type", p->type);
			fprintf(out, " kind=%s\n", dump_xsd_kinds[p->kind]);
		}
	}
	for (const struct wsdl_port_type *pt = w->port_types; pt;
	     pt = pt->next) {
		fprintf(out, "  portType:%d name=%s\n", pt->loc.line,
			pt->name.local ? pt->name.local : "?");
		for (const struct wsdl_operation *op = pt->operations; op;
		     op = op->next) {
			fprintf(out, "    operation name=%s %s",
				op->name ? op->name : "?",
				dump_op_kinds[op->kind]);
			dump_qn(out, "input", op->input_name);
			dump_qn(out, "output", op->output_name);
			for (const struct wsdl_fault *f = op->faults; f;
			     f = f->next)
				fprintf(out, " fault=%s",
					f->name ? f->name : "?");
			fputc('\n', out);
		}
	}
	for (const struct wsdl_binding *b = w->bindings; b; b = b->next) {
		fprintf(out, "  binding:%d name=%s%s style=%s", b->loc.line,
			b->name.local ? b->name.local : "?",
			b->is_soap ? " soap" : "",
			b->style == WSDL_RPC ? "rpc" : "document");
		dump_qn(out, "type", b->type);
		fputc('\n', out);
		for (const struct wsdl_binding_op *o = b->ops; o; o = o->next)
			fprintf(out,
				"    operation name=%s soapAction=\"%s\" style=%s\n",
				o->name ? o->name : "?", o->soap_action,
				o->style == WSDL_RPC ? "rpc" : "document");
	}
	for (const struct wsdl_service *s = w->services; s; s = s->next) {
		fprintf(out, "  service:%d name=%s\n", s->loc.line,
			s->name.local ? s->name.local : "?");
		for (const struct wsdl_port *p = s->ports; p; p = p->next)
			fprintf(out, "    port name=%s address=%s\n",
				p->name ? p->name : "?",
				p->address ? p->address : "-");
	}
	for (const struct plnk_type *t = w->plinks; t; t = t->next) {
		fprintf(out, "  partnerLinkType:%d name=%s", t->loc.line,
			t->name.local ? t->name.local : "?");
		for (int i = 0; i < t->nroles; i++) {
			fprintf(out, " role=%s",
				t->roles[i].name ? t->roles[i].name : "?");
			dump_qn(out, "portType", t->roles[i].port_type_name);
		}
		fputc('\n', out);
	}
	for (const struct vprop_property *p = w->properties; p; p = p->next) {
		fprintf(out, "  property:%d", p->loc.line);
		dump_qn(out, "name", p->name);
		dump_qn(out, "type", p->type);
		dump_qn(out, "element", p->element);
		fputc('\n', out);
	}
	for (const struct vprop_alias *al = w->aliases; al; al = al->next) {
		fprintf(out, "  propertyAlias:%d", al->loc.line);
		dump_qn(out, "property", al->property_name);
		dump_qn(out, "messageType", al->message_name);
		dump_str(out, "part", al->part);
		dump_qn(out, "type", al->type);
		dump_qn(out, "element", al->element);
		dump_str(out, "query", al->query);
		fputc('\n', out);
	}
}

void model_dump(const struct model *m, FILE *out)
{
	for (const struct xsd_schema *s = m->schemas; s; s = s->next)
		dump_schema(out, s);
	for (const struct wsdl_doc *w = m->wsdls; w; w = w->next)
		dump_wsdl(out, w);
	const struct bpel_process *p = m->process;
	if (!p)
		return;
	fprintf(out, "process %s name=%s tns=%s%s%s\n", p->path ? p->path : "?",
		p->name ? p->name : "?", p->tns ? p->tns : "",
		p->suppress_join_failure ? " suppressJoinFailure" : "",
		p->exit_on_standard_fault ? " exitOnStandardFault" : "");
	for (const struct bpel_import *im = p->imports; im; im = im->next)
		fprintf(out, "  import:%d namespace=%s location=%s\n",
			im->loc.line, im->ns ? im->ns : "-",
			im->location ? im->location : "-");
	if (p->scope)
		dump_scope(out, 1, p->scope);
}
