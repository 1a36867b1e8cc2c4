/*
 * unread.c — variables that no activity and no expression ever reads.
 *
 * A <receive> or <onMessage> stores its message in such a variable, and
 * nothing looks at it again: the runtime may drop the message at once
 * (bpelrt.h: brt_variable.unread) instead of keeping it in every waiting
 * instance. The typical case is a start message that only initiates a
 * correlation set, which the correlation keeps by value.
 *
 * "Read" is decided on the text of the process document, by name, and
 * errs towards "read": every name-like token of every attribute value and
 * of every text node counts as a use ($v, $v.part, 'v' given to
 * getVariableProperty, fromVariable="v", variables="a v", a <to> that
 * changes part of v, the same name in another scope...), except the two
 * places that are not reads: a <variable>'s own name, and the variable
 * attribute of a WS-BPEL <receive> or <onMessage>. Getting it wrong the
 * other way would drop a value somebody reads, so there is no cleverness
 * here beyond that. Not here: emitting the flag (emit_tables.c).
 */
#include <string.h>

#include "arena.h"
#include "names.h"
#include "unread.h"

#define BPEL_NS "http://docs.oasis-open.org/wsbpel/2.0/process/executable"

struct unread {
	struct name_set names; /* every token seen */
	bool scanned;	       /* false: no document, nothing is known unread */
};

static bool is_bpel(xmlNodePtr n, const char *local)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       strcmp((const char *)n->ns->href, BPEL_NS) == 0 &&
	       strcmp((const char *)n->name, local) == 0;
}

/* Attributes of WS-BPEL elements that never name a variable being read:
 * names of what an element declares or labels, references to partner
 * links, operations, exchanges, links and correlation sets, the QNames
 * typing a <variable>, and what a receive writes. */
static bool not_a_read(xmlNodePtr el, const char *attr)
{
	static const char *const never[] = {
		"name",
		"partnerLink",
		"operation",
		"portType",
		"messageExchange",
		"linkName",
		"set",
		"initiate",
		"pattern",
		"createInstance",
		NULL,
	};
	if (!el->ns || !el->ns->href ||
	    strcmp((const char *)el->ns->href, BPEL_NS) != 0)
		return false;
	for (int i = 0; never[i]; i++)
		if (strcmp(attr, never[i]) == 0)
			return true;
	if (is_bpel(el, "variable"))
		return strcmp(attr, "messageType") == 0 ||
		       strcmp(attr, "element") == 0 ||
		       strcmp(attr, "type") == 0;
	if (is_bpel(el, "receive") || is_bpel(el, "onMessage"))
		return strcmp(attr, "variable") == 0;
	return false;
}

static void walk(struct unread *u, xmlNodePtr n)
{
	for (; n; n = n->next) {
		if (n->type == XML_TEXT_NODE ||
		    n->type == XML_CDATA_SECTION_NODE) {
			name_set_scan(&u->names, (const char *)n->content,
				      false);
			continue;
		}
		if (n->type != XML_ELEMENT_NODE)
			continue;
		for (xmlAttrPtr a = n->properties; a; a = a->next) {
			if (!a->ns && not_a_read(n, (const char *)a->name))
				continue;
			xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
			name_set_scan(&u->names, (const char *)v, false);
			xmlFree(v);
		}
		walk(u, n->children);
	}
}

struct unread *unread_scan(struct arena *a, xmlDocPtr process_doc)
{
	struct unread *u = ARENA_NEW(a, struct unread);
	memset(u, 0, sizeof *u);
	u->names.a = a;
	if (process_doc) {
		walk(u, process_doc->children);
		u->scanned = true;
	}
	return u;
}

bool unread_is(const struct unread *u, const char *name)
{
	if (!u || !u->scanned || !name)
		return false;
	return !name_set_has(&u->names, name);
}
