/*
 * xpnum.c — XPath 1.0 number-to-string conversion, and the core string
 * functions that convert numbers with it.
 *
 * XPath 1.0 §4.2 (string()) writes a number without an exponent, with as
 * many digits as needed to tell it from every other double: 2147483648,
 * 10000000000, 0.000001, 0.30000000000000004; NaN, Infinity, -Infinity;
 * negative zero is "0". libxml2 writes integers beyond INT_MAX and numbers
 * under 1e-5 with an exponent ("2.147483648e+09") and rounds to 15 digits,
 * so a value written back into a variable or a message would change. This
 * file formats numbers the XPath way for the values the runtime reads out
 * of expressions (copy, properties, correlation) and, through a function
 * lookup hook, for numbers passed to string(), concat() and the other
 * string functions inside expressions. Not here: evaluation itself
 * (xpath.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>

#include "data.h"
#include "internal.h"

/* The shortest "%.*e" form of v that reads back as v: its digits (no
 * point) and decimal exponent. */
static void shortest_digits(double v, char *digits, size_t cap, int *exp10)
{
	char buf[40];
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* buf: d[.ddd]e±XX */
	size_t n = 0;
	const char *p = buf;
	for (; *p != '\0' && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && n + 1 < cap)
			digits[n++] = *p;
	/* Trailing zeros carry no information. */
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	*exp10 = *p == 'e' ? atoi(p + 1) : 0;
}

xmlChar *brt__xpath_number_string(double v)
{
	if (isnan(v))
		return xmlStrdup(BAD_CAST "NaN");
	if (isinf(v))
		return xmlStrdup(BAD_CAST(v > 0 ? "Infinity" : "-Infinity"));
	if (v == 0)
		return xmlStrdup(BAD_CAST "0"); /* also negative zero */
	bool neg = v < 0;
	if (v == trunc(v) && fabs(v) < 9007199254740992.0) {
		/* An integer below 2^53 is exact: its digits, no search for
		 * the shortest form (the common case, and a costly one). */
		char buf[24];
		size_t k = sizeof buf;
		unsigned long long u = (unsigned long long)(neg ? -v : v);
		buf[--k] = '\0';
		do
			buf[--k] = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (neg)
			buf[--k] = '-';
		return xmlStrdup(BAD_CAST(buf + k));
	}
	char digits[24];
	int e;
	shortest_digits(neg ? -v : v, digits, sizeof digits, &e);
	int nd = (int)strlen(digits);
	/* value = 0.d1d2...dn * 10^(e+1): `point` digits before the point. */
	int point = e + 1;
	size_t cap = (size_t)(nd + abs(point) + 4);
	char *out = malloc(cap);
	if (out == NULL)
		return NULL;
	size_t k = 0;
	if (neg)
		out[k++] = '-';
	if (point <= 0) {
		out[k++] = '0';
		out[k++] = '.';
		for (int i = 0; i < -point; i++)
			out[k++] = '0';
		for (int i = 0; i < nd; i++)
			out[k++] = digits[i];
	} else {
		for (int i = 0; i < point; i++)
			out[k++] = i < nd ? digits[i] : '0';
		if (nd > point) {
			out[k++] = '.';
			for (int i = point; i < nd; i++)
				out[k++] = digits[i];
		}
	}
	out[k] = '\0';
	xmlChar *r = xmlStrdup(BAD_CAST out);
	free(out);
	return r;
}

xmlChar *brt__xpath_string(xmlXPathObjectPtr o)
{
	if (o != NULL && o->type == XPATH_NUMBER)
		return brt__xpath_number_string(o->floatval);
	return xmlXPathCastToString(o);
}

double brt__xsd_number(const xmlChar *text)
{
	double v = xmlXPathCastStringToNumber(text);
	if (!isnan(v) || text == NULL)
		return v;
	/* libxml2 reads exponents already; the schema's infinities are
	 * what XPath 1.0 numbers lack. */
	xmlChar *t = brt__data_normalize(text);
	if (t != NULL &&
	    (xmlStrEqual(t, BAD_CAST "INF") || xmlStrEqual(t, BAD_CAST "+INF")))
		v = INFINITY;
	else if (t != NULL && xmlStrEqual(t, BAD_CAST "-INF"))
		v = -INFINITY;
	xmlFree(t);
	return v;
}

/* ---- string functions -------------------------------------------------- */

/* Replace every number among the top `nargs` values (those selected by
 * `mask`, bit i for argument i; all when mask is 0) by its string. */
static void numbers_to_strings(xmlXPathParserContextPtr ctxt, int nargs,
			       unsigned mask)
{
	if (ctxt->valueNr < nargs)
		return;
	for (int i = 0; i < nargs; i++) {
		if (mask != 0 && (mask & (1u << i)) == 0)
			continue;
		xmlXPathObjectPtr *slot =
			&ctxt->valueTab[ctxt->valueNr - nargs + i];
		if (*slot == NULL || (*slot)->type != XPATH_NUMBER)
			continue;
		xmlChar *s = brt__xpath_number_string((*slot)->floatval);
		xmlXPathObjectPtr str = s != NULL ? xmlXPathWrapString(s)
						  : NULL;
		if (str == NULL) {
			xmlFree(s);
			continue; /* libxml2's own conversion then */
		}
		xmlXPathFreeObject(*slot);
		*slot = str;
	}
}

/* string() without an argument converts the context node: nothing to do. */
#define WRAP(fn, mask)                                                  \
	static void wrap_##fn(xmlXPathParserContextPtr ctxt, int nargs) \
	{                                                               \
		numbers_to_strings(ctxt, nargs, mask);                  \
		xmlXPath##fn##Function(ctxt, nargs);                    \
	}

WRAP(String, 0)
WRAP(Concat, 0)
WRAP(StartsWith, 0)
WRAP(Contains, 0)
WRAP(SubstringBefore, 0)
WRAP(SubstringAfter, 0)
WRAP(Substring, 1u)
WRAP(StringLength, 0)
WRAP(Normalize, 0)
WRAP(Translate, 0)

static const struct {
	const char *name;
	xmlXPathFunction fn;
} wrapped[] = {
	{ "string", wrap_String },
	{ "concat", wrap_Concat },
	{ "starts-with", wrap_StartsWith },
	{ "contains", wrap_Contains },
	{ "substring-before", wrap_SubstringBefore },
	{ "substring-after", wrap_SubstringAfter },
	{ "substring", wrap_Substring },
	{ "string-length", wrap_StringLength },
	{ "normalize-space", wrap_Normalize },
	{ "translate", wrap_Translate },
};

static xmlXPathFunction lookup(void *data, const xmlChar *name,
			       const xmlChar *ns_uri)
{
	(void)data;
	if (ns_uri != NULL)
		return NULL;
	for (size_t i = 0; i < sizeof wrapped / sizeof wrapped[0]; i++)
		if (xmlStrEqual(name, BAD_CAST wrapped[i].name))
			return wrapped[i].fn;
	return NULL;
}

void brt__xpath_number_setup(xmlXPathContextPtr xp)
{
	xmlXPathRegisterFuncLookup(xp, lookup, NULL);
}
