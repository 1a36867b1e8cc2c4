/*
 * catalog.h — OASIS XML catalogs (XML Catalogs 1.1), read locally: how an
 * import of an absolute URL (`http://host/Service?wsdl`) finds the local
 * copy a project keeps of it. bpelc never fetches anything.
 *
 * Entries understood: system, uri, rewriteSystem, rewriteURI,
 * systemSuffix, uriSuffix, group, nextCatalog (local files only), with
 * xml:base. delegate* and public entries are ignored (they name other
 * catalogs by public id, or DTDs, which BPEL imports never are).
 * Resolution follows the specification's order per catalog file: exact
 * match, then the longest rewrite prefix, then the longest suffix, then
 * the file's nextCatalogs; the first catalog file that maps the URL wins.
 * Not here: where the catalogs come from (load.c: --catalog,
 * XML_CATALOG_FILES, catalog.xml beside the process or in a parent
 * folder).
 */
#ifndef BPELC_CATALOG_H
#define BPELC_CATALOG_H

#include <stdbool.h>

#include "diag.h"

struct model;
struct catalog;

/* An empty catalog list whose memory lives in m's arena; files are read
 * with the loader's rules (load_read_file: recorded as dependencies). */
struct catalog *catalog_new(struct model *m, struct diag *dg);

/* Add the catalog file at path, after those added before. A file that
 * cannot be read or parsed is an error at `at` (or without a location)
 * when required, silently skipped otherwise. Returns whether it was
 * read. */
bool catalog_add(struct catalog *c, const char *path, bool required,
		 const struct loc *at);

/* The local path the catalogs map `uri` to (arena), or NULL. A mapping to
 * another URL is followed (up to 8 times); one to a URL that is not a
 * local file is NULL. */
const char *catalog_resolve(struct catalog *c, const char *uri);

/* Has `s` a URL scheme ("http:", "urn:"; not a one-letter drive)? */
bool catalog_is_url(const char *s);

#endif
