/*
 * check_assign.c — <assign>/<copy>: SA00032 (the from-spec and to-spec
 * forms), SA00033 (to-expression starts with a variable), SA00034 (part on
 * a non-message variable), SA00035–SA00037 (partner link roles in copies),
 * SA00038 (literal content), SA00042 (keepSrcElementName on non-elements),
 * SA00043 (message variables copied whole only to/from the same message
 * type), SA00094 (keepSrcElementName and substitution groups).
 *
 * The forms are a table: for each variant, which attributes it requires,
 * which it allows, and which child elements it takes. Elements of other
 * namespaces are extensions the schema allows anywhere (xsd:any ##other;
 * NetBeans writes <sxed2:editor/> into from-specs): they are no form and
 * are ignored (a mustUnderstand extension is SA00009's business). The inline variable
 * initialiser (<variable><from>) is a from-spec too and is checked here.
 */
#include <string.h>

#include "check_int.h"

enum {
	F_VAR = 1,
	F_PART = 2,
	F_QUERY = 4,
	F_PLINK = 8,
	F_EPR = 16,
	F_PROP = 32,
	F_EXPR = 64,
	F_ELANG = 128,
	F_LITERAL = 256
};

/* One allowed form: `need` must all be present, `may` may be, nothing else. */
struct spec_form {
	const char *what;
	unsigned need;
	unsigned may;
};

static const struct spec_form from_forms[] = {
	{ "variable", F_VAR, F_PART | F_QUERY },
	{ "partner link", F_PLINK | F_EPR, 0 },
	{ "property", F_VAR | F_PROP, 0 },
	{ "expression", F_EXPR, F_ELANG },
	{ "literal", F_LITERAL, 0 },
};

static const struct spec_form to_forms[] = {
	{ "variable", F_VAR, F_PART | F_QUERY },
	{ "partner link", F_PLINK, 0 },
	{ "property", F_VAR | F_PROP, 0 },
	{ "expression", F_EXPR, F_ELANG },
};

/* What a <from>/<to> has; 0 with *stray set for unknown content. */
static unsigned spec_features(xmlNodePtr n, const char **stray)
{
	static const struct {
		const char *attr;
		unsigned bit;
	} attrs[] = {
		{ "variable", F_VAR },	    { "part", F_PART },
		{ "partnerLink", F_PLINK }, { "endpointReference", F_EPR },
		{ "property", F_PROP },	    { "expressionLanguage", F_ELANG },
	};
	unsigned f = 0;
	*stray = NULL;
	for (xmlAttrPtr a = n->properties; a; a = a->next) {
		if (a->ns)
			continue; /* extension attributes are allowed anywhere */
		bool known = false;
		for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
			if (strcmp((const char *)a->name, attrs[i].attr) == 0) {
				f |= attrs[i].bit;
				known = true;
			}
		if (!known)
			*stray = (const char *)a->name;
	}
	int nliteral = 0, nquery = 0;
	for (xmlNodePtr ch = n->children; ch; ch = ch->next) {
		if (ch->type == XML_TEXT_NODE ||
		    ch->type == XML_CDATA_SECTION_NODE) {
			if (!chk_is_blank((const char *)ch->content))
				f |= F_EXPR;
		} else if (ch->type == XML_ELEMENT_NODE) {
			if (chk_is(ch, "literal"))
				nliteral++;
			else if (chk_is(ch, "query"))
				nquery++;
			else if (!chk_is(ch, "documentation") &&
				 !chk_is_extension(ch))
				*stray = (const char *)ch->name;
		}
	}
	if (nliteral)
		f |= F_LITERAL;
	if (nquery)
		f |= F_QUERY;
	if (nliteral > 1 || nquery > 1)
		*stray = nliteral > 1 ? "literal" : "query";
	return f;
}

/* Does a <from>/<to> fit exactly one form? When not, and rule is set,
 * report it. */
static bool spec_ok(struct chk *c, xmlNodePtr n, bool is_from, bool report)
{
	const char *stray;
	unsigned f = spec_features(n, &stray);
	const struct spec_form *forms = is_from ? from_forms : to_forms;
	size_t nforms = is_from ? sizeof(from_forms) / sizeof(from_forms[0])
				: sizeof(to_forms) / sizeof(to_forms[0]);
	const char *what = is_from ? "from" : "to";
	if (stray) {
		if (report)
			chk_err(c, n, "SA00032",
				"<%s> has '%s', which no %s-spec form allows",
				what, stray, what);
		return false;
	}
	if (f == 0) {
		if (report)
			chk_err(c, n, "SA00032",
				"empty <%s/> is only allowed in abstract processes",
				what);
		return false;
	}
	for (size_t i = 0; i < nforms; i++)
		if ((f & forms[i].need) == forms[i].need &&
		    (f & ~(forms[i].need | forms[i].may)) == 0)
			return true;
	if (report)
		chk_err(c, n, "SA00032",
			"<%s> mixes attributes and content of different %s-spec forms (variable, partner link, property, expression%s)",
			what, what, is_from ? ", literal" : "");
	return false;
}

static void sa00038(struct chk *c, xmlNodePtr lit)
{
	int nel = 0;
	bool text = false;
	for (xmlNodePtr ch = lit->children; ch; ch = ch->next) {
		if (ch->type == XML_ELEMENT_NODE)
			nel++;
		else if ((ch->type == XML_TEXT_NODE ||
			  ch->type == XML_CDATA_SECTION_NODE) &&
			 !chk_is_blank((const char *)ch->content))
			text = true;
	}
	if (nel > 1 || (nel == 1 && text))
		chk_err(c, lit, "SA00038",
			"<literal> must hold one element or only text, not %s",
			nel > 1 ? "several elements"
				: "an element mixed with text");
}

/* What one side of a copy denotes, as far as it is known statically. */
struct side {
	xmlNodePtr n;
	bool has_var;
	struct chk_var var;
	bool whole_msg;	  /* a whole message variable */
	bool not_elem;	  /* surely not an element node */
	bool is_elem_var; /* an element variable, whole */
};

static bool builtin_simple(struct chk_qn q)
{
	return q.ns && strcmp(q.ns, NS_XSD) == 0 &&
	       strcmp(q.local, "anyType") != 0;
}

static struct side side_of(struct chk *c, xmlNodePtr n, bool is_from)
{
	struct side s;
	memset(&s, 0, sizeof(s));
	s.n = n;
	const char *v = chk_attr(n, "variable");
	bool has_part = chk_attr(n, "part") != NULL,
	     has_query = chk_child(n, "query") != NULL;
	if (v && !chk_attr(n, "property") &&
	    chk_var_ref(c, n, "variable", &s.var)) {
		s.has_var = true;
		if (s.var.kind == VK_MESSAGE && !has_part && !has_query) {
			s.whole_msg = true;
			s.not_elem = true;
		}
		if (s.var.kind == VK_TYPE && !has_query &&
		    builtin_simple(s.var.q))
			s.not_elem = true;
		if (s.var.kind == VK_ELEMENT && !has_query)
			s.is_elem_var = true;
	} else if (chk_attr(n, "property")) {
		s.not_elem = true;
	} else if (!is_from && chk_attr(n, "partnerLink")) {
		s.not_elem = true;
	} else if (is_from && chk_child(n, "literal")) {
		xmlNodePtr lit = chk_child(n, "literal");
		s.not_elem = chk_elem_first(lit) == NULL;
	}
	return s;
}

static void sa00034(struct chk *c, xmlNodePtr n, struct side *s)
{
	if (chk_attr(n, "part") && s->has_var && s->var.kind != VK_MESSAGE &&
	    s->var.kind != VK_UNKNOWN)
		chk_err(c, n, "SA00034",
			"part '%s' used on variable '%s', which is not of a WSDL message type",
			chk_attr(n, "part"), chk_attr(n, "variable"));
}

/* Does element e (or what it substitutes, transitively) equal `head`? */
static bool in_subst_group(struct chk *c, struct chk_qn e, struct chk_qn head)
{
	for (int depth = 0; depth < 16 && e.local; depth++) {
		if (chk_qn_eq(e, head))
			return true;
		struct chk_def *d = chk_def_find(c, CD_ELEMENT, e);
		if (!d)
			return false;
		e = chk_qattr(c, d->node, "substitutionGroup");
	}
	return false;
}

static void check_copy(struct chk *c, xmlNodePtr copy)
{
	xmlNodePtr from = chk_child(copy, "from"), to = chk_child(copy, "to");
	/* A malformed side is SA00032's; what it denotes is unknown. */
	if (!from || !to || !spec_ok(c, from, true, false) ||
	    !spec_ok(c, to, false, false))
		return;
	struct side f = side_of(c, from, true), t = side_of(c, to, false);
	sa00034(c, from, &f);
	sa00034(c, to, &t);
	bool f_plain = !chk_attr(from, "property"),
	     t_plain = !chk_attr(to, "property");
	if (f.whole_msg && t.whole_msg) {
		if (!chk_qn_eq(f.var.q, t.var.q) && f.var.q.local &&
		    t.var.q.local)
			chk_err(c, copy, "SA00043",
				"<copy> from variable '%s' of message type %s to variable '%s' of another message type %s",
				chk_attr(from, "variable"),
				chk_qn_str(c, f.var.q),
				chk_attr(to, "variable"),
				chk_qn_str(c, t.var.q));
	} else if ((f.whole_msg || t.whole_msg) && f_plain && t_plain) {
		struct side *w = f.whole_msg ? &f : &t;
		chk_err(c, copy, "SA00043",
			"<copy> between the whole message variable '%s' and something that is not a message of the same type",
			chk_attr(w->n, "variable"));
	}
	const char *keep = chk_attr(copy, "keepSrcElementName");
	if (keep && (f.not_elem || t.not_elem))
		chk_err(c, copy, "SA00042",
			"keepSrcElementName is set, but the %s of the copy is not an element",
			f.not_elem ? "source" : "destination");
	else if (keep && strcmp(keep, "yes") == 0 && f.is_elem_var &&
		 t.is_elem_var && f.var.q.local && t.var.q.local &&
		 chk_def_find(c, CD_ELEMENT, f.var.q) &&
		 !in_subst_group(c, f.var.q, t.var.q))
		chk_err(c, copy, "SA00094",
			"keepSrcElementName='yes', but element %s is not in the substitution group of %s",
			chk_qn_str(c, f.var.q), chk_qn_str(c, t.var.q));
}

static void plink_roles(struct chk *c, xmlNodePtr n, bool is_from)
{
	const char *name = chk_attr(n, "partnerLink");
	if (!name)
		return;
	struct bpel_partner_link *decl = chk_plink_ref(c, n);
	xmlNodePtr pl = decl ? decl->node : NULL;
	if (!pl)
		return;
	const char *epr = chk_attr(n, "endpointReference");
	if (is_from && epr && strcmp(epr, "myRole") == 0 &&
	    !chk_attr(pl, "myRole"))
		chk_err(c, n, "SA00035",
			"<from partnerLink='%s' endpointReference='myRole'>, but the partner link has no myRole",
			name);
	else if (is_from && epr && strcmp(epr, "partnerRole") == 0 &&
		 !chk_attr(pl, "partnerRole"))
		chk_err(c, n, "SA00036",
			"<from partnerLink='%s' endpointReference='partnerRole'>, but the partner link has no partnerRole",
			name);
	else if (!is_from && !chk_attr(pl, "partnerRole"))
		chk_err(c, n, "SA00037",
			"<to partnerLink='%s'>, but the partner link has no partnerRole",
			name);
}

static bool is_xpath1(struct chk *c, xmlNodePtr n)
{
	const char *l = chk_attr(n, "expressionLanguage");
	if (!l)
		l = chk_attr(c->root, "expressionLanguage");
	return !l || strcmp(l, URN_XPATH1) == 0;
}

static void sa00033(struct chk *c, xmlNodePtr to)
{
	const char *stray;
	unsigned f = spec_features(to, &stray);
	if (f != F_EXPR && f != (F_EXPR | F_ELANG))
		return;
	if (!is_xpath1(c, to))
		return;
	const char *t = chk_text(c, to);
	while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r' || *t == '(')
		t++;
	if (*t != '$')
		chk_err(c, to, "SA00033",
			"a to-spec expression must start with a variable reference ($name)");
}

static void visit(struct chk *c, xmlNodePtr n, void *ud)
{
	(void)ud;
	if (chk_is(n, "copy")) {
		check_copy(c, n);
	} else if (chk_is(n, "from") && (chk_is(n->parent, "copy") ||
					 chk_is(n->parent, "variable"))) {
		spec_ok(c, n, true, true);
		plink_roles(c, n, true);
		if (chk_is(n->parent, "variable")) {
			struct side s = side_of(c, n, true);
			sa00034(c, n, &s);
		}
	} else if (chk_is(n, "to") && chk_is(n->parent, "copy")) {
		spec_ok(c, n, false, true);
		plink_roles(c, n, false);
		sa00033(c, n);
	} else if (chk_is(n, "literal")) {
		sa00038(c, n);
	}
}

void check_assign(struct chk *c)
{
	chk_walk(c, visit, NULL);
}
