/*
 * message.c — message values in and out of variables, and property values
 * of messages (for correlation).
 *
 * A message value (bpelrt.h) is a document <message> with one child per
 * part, named after the part: an element part's child holds the element, a
 * type part's child holds the value. Receive stores one into a message
 * variable as is, or spreads it over <fromParts>; reply and invoke build
 * one from a message variable or from <toParts>. Every value is a deep
 * copy, except a message variable lent to a reply or an invoke for the
 * moment it takes to serialise it. Not here: SOAP envelopes (soap.c), routing (engine).
 */
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlerror.h>

#include "data.h"
#include "internal.h"

static int uninit(struct brt_dctx *d, const struct brt_variable *v,
		  const char *part)
{
	if (part != NULL)
		return brt__dx_fault(d, "uninitializedVariable",
				     "part '%s' of variable '%s' is read "
				     "before it has a value",
				     part, v->name);
	return brt__dx_fault(d, "uninitializedVariable",
			     "variable '%s' is read before it has a value",
			     v->name);
}

/* A new document whose root (named q, or `name` without namespace) holds
 * copies of from's attributes and children (from NULL: empty). */
static xmlDocPtr doc_with(const struct brt_qname *q, const char *name,
			  xmlNodePtr from)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	if (doc == NULL)
		return NULL;
	xmlNodePtr root =
		q != NULL ? brt__data_new_elem(doc, q)
			  : xmlNewDocNode(doc, NULL, BAD_CAST name, NULL);
	if (root == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, root);
	if (from != NULL && brt__copy_element_props(root, from, false) < 0) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* ---- receive ------------------------------------------------------------------ */

/* The value of part pt (its wrapper w) as the new document of variable v. */
static xmlDocPtr part_to_var(struct brt_dctx *d, const struct brt_variable *v,
			     const struct brt_part *pt, xmlNodePtr w)
{
	xmlNodePtr val = w;
	if (pt->element.local != NULL) {
		val = brt__data_first_elem(w);
		if (val == NULL) {
			brt__dx_fault(d, "selectionFailure",
				      "part '%s' of the message has no element",
				      pt->name);
			return NULL;
		}
	}
	xmlDocPtr doc = NULL;
	switch (v->kind) {
	case BRT_VAR_ELEMENT:
		if (pt->element.local != NULL) {
			doc = xmlNewDoc(BAD_CAST "1.0");
			xmlNodePtr copy = doc != NULL
						  ? xmlDocCopyNode(val, doc, 1)
						  : NULL;
			if (copy == NULL) {
				xmlFreeDoc(doc);
				doc = NULL;
				break;
			}
			xmlDocSetRootElement(doc, copy);
		} else {
			doc = doc_with(&v->element, NULL, val);
		}
		break;
	case BRT_VAR_TYPE:
		doc = doc_with(NULL, v->name, val);
		break;
	case BRT_VAR_MESSAGE:
		brt__dx_fault(d, "mismatchedAssignmentFailure",
			      "part '%s' cannot be stored in message variable "
			      "'%s'",
			      pt->name, v->name);
		return NULL;
	}
	if (doc == NULL)
		brt__dx_fault(d, "subLanguageExecutionFault", "out of memory");
	return doc;
}

/* Store a received value (taken) in variable var's slot; a variable
 * nothing reads (bpelrt.h: vars_unread) keeps nothing, once the value has
 * been checked. */
static void store(const struct brt_dctx *d, int var, xmlDocPtr *slot,
		  xmlDocPtr doc)
{
	if (d->proc->vars_unread != NULL && d->proc->vars_unread[var]) {
		xmlFreeDoc(doc);
		return;
	}
	xmlFreeDoc(*slot);
	*slot = doc;
}

int brt__dx_receive(struct brt_dctx *d, int var, int nparts,
		    const struct brt_part_map *parts,
		    const struct brt_message *m, xmlDocPtr msg)
{
	if (var >= 0) {
		const struct brt_variable *v = &d->proc->vars[var];
		xmlDocPtr *slot = brt__dx_slot(d, var);
		if (slot == NULL) {
			xmlFreeDoc(msg);
			return BRT_EFAULT;
		}
		if (v->kind == BRT_VAR_MESSAGE) {
			store(d, var, slot, msg);
			return 0;
		}
		/* An element variable takes a one-part message's element. */
		xmlDocPtr doc = NULL;
		if (m == NULL || m->nparts != 1)
			brt__dx_fault(d, "mismatchedAssignmentFailure",
				      "variable '%s' cannot hold a message of "
				      "%d parts",
				      v->name, m != NULL ? m->nparts : 0);
		else if (brt__msg_part(msg, m->parts[0].name) == NULL)
			brt__dx_fault(d, "selectionFailure",
				      "the message has no part '%s'",
				      m->parts[0].name);
		else
			doc = part_to_var(d, v, &m->parts[0],
					  brt__msg_part(msg, m->parts[0].name));
		xmlFreeDoc(msg);
		if (doc == NULL)
			return BRT_EFAULT;
		store(d, var, slot, doc);
		return 0;
	}
	if (nparts == 0) {
		xmlFreeDoc(msg);
		return 0;
	}
	/* Build every value first, so a failure stores nothing. */
	xmlDocPtr *docs = calloc((size_t)nparts, sizeof *docs);
	xmlDocPtr **slots = calloc((size_t)nparts, sizeof *slots);
	int rc = 0;
	if (docs == NULL || slots == NULL)
		rc = brt__dx_fault(d, "subLanguageExecutionFault",
				   "out of memory");
	for (int i = 0; rc == 0 && i < nparts; i++) {
		int ip = brt__data_part_index(m, parts[i].part);
		xmlNodePtr w = brt__msg_part(msg, parts[i].part);
		if (ip < 0 || w == NULL) {
			rc = brt__dx_fault(d, "selectionFailure",
					   "the message has no part '%s'",
					   parts[i].part);
			break;
		}
		slots[i] = brt__dx_slot(d, parts[i].var);
		if (slots[i] == NULL) {
			rc = -1;
			break;
		}
		docs[i] = part_to_var(d, &d->proc->vars[parts[i].var],
				      &m->parts[ip], w);
		if (docs[i] == NULL)
			rc = -1;
	}
	for (int i = 0; docs != NULL && slots != NULL && i < nparts; i++) {
		if (rc == 0) {
			store(d, parts[i].var, slots[i], docs[i]);
		} else {
			xmlFreeDoc(docs[i]);
		}
	}
	free(docs);
	free(slots);
	xmlFreeDoc(msg);
	return rc;
}

/* ---- send ------------------------------------------------------------------------ */

/* Add part pt's wrapper to message root `root`, valued from variable v. */
static int var_to_part(struct brt_dctx *d, int var, const struct brt_part *pt,
		       xmlNodePtr root)
{
	const struct brt_variable *v = &d->proc->vars[var];
	xmlDocPtr *slot = brt__dx_slot(d, var);
	if (slot == NULL)
		return BRT_EFAULT;
	xmlNodePtr val = *slot != NULL ? xmlDocGetRootElement(*slot) : NULL;
	if (val == NULL)
		return uninit(d, v, NULL);
	if (v->kind == BRT_VAR_MESSAGE)
		return brt__dx_fault(d, "mismatchedAssignmentFailure",
				     "message variable '%s' cannot give the "
				     "value of part '%s'",
				     v->name, pt->name);
	xmlNodePtr w = xmlNewChild(root, NULL, BAD_CAST pt->name, NULL);
	if (w == NULL)
		goto nomem;
	if (pt->element.local != NULL) {
		xmlNodePtr e;
		if (v->kind == BRT_VAR_ELEMENT) {
			e = xmlDocCopyNode(val, root->doc, 1);
		} else {
			e = brt__data_new_elem(root->doc, &pt->element);
			if (e != NULL &&
			    brt__copy_element_props(e, val, false) < 0) {
				xmlFreeNode(e);
				e = NULL;
			}
		}
		if (e == NULL)
			goto nomem;
		xmlAddChild(w, e);
		return 0;
	}
	if (brt__copy_element_props(w, val, false) < 0)
		goto nomem;
	return 0;
nomem:
	return brt__dx_fault(d, "subLanguageExecutionFault", "out of memory");
}

static int check_parts(struct brt_dctx *d, const struct brt_variable *v,
		       const struct brt_message *m, xmlDocPtr doc)
{
	for (int i = 0; m != NULL && i < m->nparts; i++) {
		const struct brt_part *pt = &m->parts[i];
		xmlNodePtr w = brt__msg_part(doc, pt->name);
		if (w == NULL || (pt->element.local != NULL &&
				  brt__data_first_elem(w) == NULL))
			return uninit(d, v, pt->name);
	}
	return 0;
}

int brt__dx_message(struct brt_dctx *d, int var, int nparts,
		    const struct brt_part_map *parts,
		    const struct brt_message *m, xmlDocPtr *out)
{
	return brt__dx_message_lend(d, var, nparts, parts, m, out, NULL);
}

static int message_lend(struct brt_dctx *d, int var, int nparts,
			const struct brt_part_map *parts,
			const struct brt_message *m, xmlDocPtr *out,
			bool *lent);

/* lent NULL: always a new document. libxml2 2.9 may hand back a copy cut
 * short where it ran out of memory (xmlCopyDoc, xmlNewNode): its error
 * says so, and such a message is not sent. */
int brt__dx_message_lend(struct brt_dctx *d, int var, int nparts,
			 const struct brt_part_map *parts,
			 const struct brt_message *m, xmlDocPtr *out,
			 bool *lent)
{
	xmlResetLastError();
	int rc = message_lend(d, var, nparts, parts, m, out, lent);
	if (rc == 0 && brt__error_xml_oom()) {
		if (lent == NULL || !*lent)
			xmlFreeDoc(*out);
		*out = NULL;
		if (lent != NULL)
			*lent = false;
		rc = brt__dx_fault(d, "subLanguageExecutionFault",
				   "out of memory");
	}
	return rc;
}

static int message_lend(struct brt_dctx *d, int var, int nparts,
			const struct brt_part_map *parts,
			const struct brt_message *m, xmlDocPtr *out, bool *lent)
{
	*out = NULL;
	if (lent != NULL)
		*lent = false;
	if (var >= 0) {
		const struct brt_variable *v = &d->proc->vars[var];
		xmlDocPtr *slot = brt__dx_slot(d, var);
		if (slot == NULL)
			return BRT_EFAULT;
		if (*slot == NULL || xmlDocGetRootElement(*slot) == NULL)
			return uninit(d, v, NULL);
		if (v->kind == BRT_VAR_MESSAGE) {
			if (check_parts(d, v, m, *slot) < 0)
				return BRT_EFAULT;
			if (lent != NULL) {
				/* Sent as it is: no copy to build and free. */
				*out = *slot;
				*lent = true;
				return 0;
			}
			*out = xmlCopyDoc(*slot, 1);
			if (*out == NULL)
				return brt__dx_fault(
					d, "subLanguageExecutionFault",
					"out of memory");
			return 0;
		}
		if (m == NULL || m->nparts != 1)
			return brt__dx_fault(d, "mismatchedAssignmentFailure",
					     "variable '%s' cannot make a "
					     "message of %d parts",
					     v->name,
					     m != NULL ? m->nparts : 0);
	}
	xmlDocPtr doc = doc_with(NULL, "message", NULL);
	if (doc == NULL)
		return brt__dx_fault(d, "subLanguageExecutionFault",
				     "out of memory");
	xmlNodePtr root = xmlDocGetRootElement(doc);
	int rc = 0;
	if (var >= 0) {
		rc = var_to_part(d, var, &m->parts[0], root);
	} else {
		/* Parts in the message's order, whatever the toParts order. */
		for (int i = 0; rc == 0 && m != NULL && i < m->nparts; i++) {
			const struct brt_part *pt = &m->parts[i];
			int j = 0;
			while (j < nparts &&
			       strcmp(parts[j].part, pt->name) != 0)
				j++;
			if (j == nparts)
				rc = brt__dx_fault(d, "uninitializedVariable",
						   "no <toPart> gives part "
						   "'%s' a value",
						   pt->name);
			else
				rc = var_to_part(d, parts[j].var, pt, root);
		}
	}
	if (rc < 0) {
		xmlFreeDoc(doc);
		return BRT_EFAULT;
	}
	*out = doc;
	return 0;
}

/* ---- properties ---------------------------------------------------------------------- */

char *brt__dx_property(struct brt_dctx *d, int prop,
		       const struct brt_message *m, xmlDocPtr msg)
{
	int part = -1;
	const struct brt_alias *a =
		brt__find_alias(d->proc, prop, m, NULL, NULL, &part);
	if (a == NULL || part < 0)
		return NULL;
	const struct brt_part *pt = &m->parts[part];
	xmlNodePtr ctx = brt__msg_part(msg, pt->name);
	if (ctx != NULL && pt->element.local != NULL)
		ctx = brt__data_first_elem(ctx);
	if (ctx == NULL)
		return NULL;
	xmlNodePtr node;
	xmlChar *str;
	if (brt__dx_alias_apply(d, a, ctx, &node, &str) < 0)
		return NULL;
	if (str == NULL)
		str = xmlNodeGetContent(node);
	xmlChar *norm = brt__data_normalize(str);
	xmlFree(str);
	char *out = norm != NULL ? strdup((const char *)norm) : NULL;
	xmlFree(norm);
	return out;
}

/* ---- strand-facing API ------------------------------------------------------------------ */

enum brt_step brt__data_receive(brt_strand *s, int var, int nparts,
				const struct brt_part_map *parts,
				const struct brt_message *m, xmlDocPtr msg)
{
	struct brt_dctx d;
	brt__dctx_strand(&d, s);
	if (brt__dx_receive(&d, var, nparts, parts, m, msg) < 0)
		return brt__std_fault(s, d.fault, d.why);
	return BRT_STEP_NEXT;
}

enum brt_step brt__data_message(brt_strand *s, int var, int nparts,
				const struct brt_part_map *parts,
				const struct brt_message *m, xmlDocPtr *out)
{
	struct brt_dctx d;
	brt__dctx_strand(&d, s);
	if (brt__dx_message(&d, var, nparts, parts, m, out) < 0)
		return brt__std_fault(s, d.fault, d.why);
	return BRT_STEP_NEXT;
}

enum brt_step brt__data_message_lend(brt_strand *s, int var, int nparts,
				     const struct brt_part_map *parts,
				     const struct brt_message *m,
				     xmlDocPtr *out, bool *lent)
{
	struct brt_dctx d;
	brt__dctx_strand(&d, s);
	if (brt__dx_message_lend(&d, var, nparts, parts, m, out, lent) < 0)
		return brt__std_fault(s, d.fault, d.why);
	return BRT_STEP_NEXT;
}

char *brt__data_property(brt_runtime *rt, int prop, const struct brt_message *m,
			 xmlDocPtr msg)
{
	struct brt_dctx d = {
		.proc = rt->proc,
		.prep = rt->prep,
		.expr = -1,
	};
	return brt__dx_property(&d, prop, m, msg);
}
