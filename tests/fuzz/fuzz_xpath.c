/*
 * fuzz_xpath.c — libFuzzer target: the compiler's XPath handling on its
 * own: the token scanner (XPath 1.0 and 2.0 lexemes), the 2.0-only
 * construct finder and the run-time fault finder, for an expression and
 * a query, with the in-scope prefixes of a small element. The first byte
 * chooses the mode; the rest is the expression text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "arena.h"
#include "xpath2.h"
#include "xpath_lex.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 1 << 16)
		return 0;
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	bool v2 = data[0] & 1, query = data[0] & 2;
	struct xpath_toks ts = { 0 };
	if (xpath_lex_scan(text, v2, &ts))
		(void)xpath2_bare_path(&ts);
	xpath_lex_free(&ts);
	struct arena *a = arena_new();
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr el = xmlNewDocNode(doc, NULL, BAD_CAST "from", NULL);
	xmlDocSetRootElement(doc, el);
	xmlNewNs(el, BAD_CAST "urn:fuzz", BAD_CAST "tns");
	xmlNewNs(el, BAD_CAST "http://www.w3.org/2001/XMLSchema",
		 BAD_CAST "xsd");
	(void)xpath2_needs_xpath2(a, el, text);
	(void)xpath2_runtime_error(a, text, query);
	(void)xpath2_blank(text);
	xmlFreeDoc(doc);
	arena_free(a);
	free(text);
	return 0;
}
