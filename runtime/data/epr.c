/*
 * epr.c — partner link endpoint references for <assign> (semantics.md §4
 * "PartnerLink copies"): the value of <from partnerLink
 * endpointReference="myRole|partnerRole"/> and what <to partnerLink/>
 * accepts.
 *
 * An endpoint reference is a WS-Addressing EndpointReference whose
 * <Address> is the endpoint's URL, wrapped in sref:service-ref when we
 * make one. We accept, with or without the service-ref wrapper: a
 * wsa:EndpointReference (2005/08, 2004/08 or 2003/03 addressing
 * namespaces) with an Address child, or a bare wsa:Address. The URL must
 * be http: or https:. Anything else, or a service-ref whose
 * reference-scheme names another scheme, is bpel:unsupportedReference.
 *
 * Not here: where the URL is stored (instance.c, per instance) or used
 * (invoke). The data layer calls this through brt_dctx callbacks so unit
 * tests can run copies without strands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "internal.h"

#define NS_SREF "http://docs.oasis-open.org/wsbpel/2.0/serviceref"
#define NS_WSA "http://www.w3.org/2005/08/addressing"

static const char *const wsa_namespaces[] = {
	NS_WSA,
	"http://schemas.xmlsoap.org/ws/2004/08/addressing",
	"http://schemas.xmlsoap.org/ws/2003/03/addressing",
};

static bool is_wsa(xmlNodePtr n, const char *local)
{
	if (n == NULL || n->type != XML_ELEMENT_NODE || n->ns == NULL ||
	    !xmlStrEqual(n->name, BAD_CAST local))
		return false;
	for (size_t i = 0; i < sizeof wsa_namespaces / sizeof *wsa_namespaces;
	     i++)
		if (xmlStrEqual(n->ns->href, BAD_CAST wsa_namespaces[i]))
			return true;
	return false;
}

xmlDocPtr brt__epr_make(const char *url)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	if (doc == NULL)
		return NULL;
	xmlNodePtr sref =
		xmlNewDocNode(doc, NULL, BAD_CAST "service-ref", NULL);
	xmlNsPtr ns_sref =
		sref != NULL ? xmlNewNs(sref, BAD_CAST NS_SREF, BAD_CAST "sref")
			     : NULL;
	xmlNsPtr ns_wsa =
		sref != NULL ? xmlNewNs(sref, BAD_CAST NS_WSA, BAD_CAST "wsa")
			     : NULL;
	if (sref == NULL || ns_sref == NULL || ns_wsa == NULL) {
		xmlFreeNode(sref);
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlSetNs(sref, ns_sref);
	xmlDocSetRootElement(doc, sref);
	xmlNodePtr epr =
		xmlNewChild(sref, ns_wsa, BAD_CAST "EndpointReference", NULL);
	xmlNodePtr addr = epr != NULL ? xmlNewTextChild(epr, ns_wsa,
							BAD_CAST "Address",
							BAD_CAST url)
				      : NULL;
	if (addr == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

static bool is_http_url(const char *u)
{
	return strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0;
}

int brt__epr_parse(xmlNodePtr n, char **url, char *why, size_t whylen)
{
	*url = NULL;
	if (n == NULL || n->type != XML_ELEMENT_NODE) {
		snprintf(why, whylen,
			 "an endpoint reference must be an element");
		return -1;
	}
	if (n->ns != NULL && xmlStrEqual(n->ns->href, BAD_CAST NS_SREF) &&
	    xmlStrEqual(n->name, BAD_CAST "service-ref")) {
		xmlChar *scheme = xmlGetProp(n, BAD_CAST "reference-scheme");
		bool other = scheme != NULL && scheme[0] != '\0' &&
			     xmlStrstr(scheme, BAD_CAST "addressing") == NULL;
		if (other) {
			snprintf(why, whylen,
				 "reference-scheme '%s' is not "
				 "WS-Addressing",
				 (const char *)scheme);
			xmlFree(scheme);
			return -1;
		}
		xmlFree(scheme);
		n = brt__data_first_elem(n);
	}
	xmlNodePtr addr = NULL;
	if (is_wsa(n, "EndpointReference")) {
		for (xmlNodePtr c = n->children; c != NULL && addr == NULL;
		     c = c->next)
			if (is_wsa(c, "Address"))
				addr = c;
	} else if (is_wsa(n, "Address")) {
		addr = n;
	}
	if (addr == NULL) {
		snprintf(why, whylen,
			 "<%s> is not a WS-Addressing endpoint "
			 "reference",
			 n != NULL ? (const char *)n->name : "(nothing)");
		return -1;
	}
	xmlChar *text = xmlNodeGetContent(addr);
	xmlChar *norm = brt__data_normalize(text);
	xmlFree(text);
	if (norm == NULL || !is_http_url((const char *)norm)) {
		snprintf(why, whylen, "address '%s' is not an http(s) URL",
			 norm != NULL ? (const char *)norm : "");
		xmlFree(norm);
		return -1;
	}
	*url = strdup((const char *)norm);
	xmlFree(norm);
	if (*url == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	return 0;
}

/* ---- which run-time addresses may be called ----------------------------- */

/* The host and port of an http(s) URL, as curl will connect to them:
 * userinfo dropped, IPv6 brackets kept off, the scheme's port by default.
 * false when it is not such a URL or its host has characters a host name
 * or address literal does not (percent escapes among them). */
static bool url_host_port(const char *url, char *host, size_t hsize, long *port)
{
	const char *p;
	if (strncmp(url, "http://", 7) == 0) {
		p = url + 7;
		*port = 80;
	} else if (strncmp(url, "https://", 8) == 0) {
		p = url + 8;
		*port = 443;
	} else
		return false;
	size_t alen = strcspn(p, "/?#");
	const char *at = NULL;
	for (const char *q = p; q < p + alen; q++)
		if (*q == '@')
			at = q;
	if (at) {
		alen -= (size_t)(at + 1 - p);
		p = at + 1;
	}
	const char *auth = p, *hend = p + alen, *colon = NULL;
	if (*p == '[') {
		const char *rb = memchr(p, ']', alen);
		if (!rb)
			return false;
		colon = rb + 1 < p + alen && rb[1] == ':' ? rb + 1 : NULL;
		if (rb + 1 != p + alen && !colon)
			return false;
		hend = rb;
		p++;
	} else {
		colon = memchr(p, ':', alen);
		if (colon)
			hend = colon;
	}
	size_t hlen = (size_t)(hend - p);
	if (hlen == 0 || hlen >= hsize)
		return false;
	for (size_t i = 0; i < hlen; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		      c == ':' || c == '_'))
			return false;
		host[i] = (char)((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
	}
	host[hlen] = '\0';
	if (colon) {
		char *end;
		const char *ps = colon + 1;
		long v = strtol(ps, &end, 10);
		if (end == ps || end != auth + alen || v <= 0 || v > 65535)
			return false;
		*port = v;
	}
	return true;
}

/* Does allow-list entry `e` ("host" or "host:port", "[v6]:port") admit
 * host:port? */
static bool entry_allows(const char *e, const char *host, long port)
{
	char url[600], ehost[300];
	long eport;
	snprintf(url, sizeof url, "http://%s", e);
	if (!url_host_port(url, ehost, sizeof ehost, &eport))
		return false;
	bool has_port = strrchr(e, ':') != NULL &&
			(e[0] != '[' || strstr(e, "]:") != NULL);
	return strcmp(ehost, host) == 0 && (!has_port || eport == port);
}

/* Is `configured` (a WSDL or --partner URL) on the same host? */
static bool same_host(const char *configured, const char *host)
{
	char h[300];
	long p;
	return configured != NULL &&
	       url_host_port(configured, h, sizeof h, &p) &&
	       strcmp(h, host) == 0;
}

bool brt__epr_allowed(const brt_runtime *rt, const char *url)
{
	char host[300];
	long port;
	if (url == NULL || !url_host_port(url, host, sizeof host, &port))
		return false;
	if (rt->nepr_allow > 0) {
		for (int i = 0; i < rt->nepr_allow; i++)
			if (entry_allows(rt->epr_allow[i], host, port))
				return true;
		return false;
	}
	const struct brt_process *p = rt->proc;
	for (int i = 0; i < p->nplinks; i++) {
		const struct brt_partner_link *pl = &p->plinks[i];
		if (same_host(pl->partner_address, host) ||
		    same_host(pl->my_address, host))
			return true;
		for (int k = 0; k < pl->nmy_alt; k++)
			if (same_host(pl->my_alt_addresses[k], host))
				return true;
	}
	for (int i = 0; i < rt->npartners; i++)
		if (same_host(rt->partners[i].url, host))
			return true;
	return false;
}

/* ---- the strand's partner links ------------------------------------------ */

const char *brt__epr_strand_url(void *arg, int plink, bool my_role, char *buf,
				size_t len)
{
	brt_strand *s = arg;
	brt_runtime *rt = brt__strand_runtime(s);
	if (plink < 0 || plink >= rt->proc->nplinks)
		return NULL;
	const struct brt_partner_link *pl = &rt->proc->plinks[plink];
	if (!my_role)
		return brt__strand_partner_url(s, plink);
	if (pl->my_path == NULL)
		return pl->my_address;
	/* Where this service really answers: --listen moves it. */
	if (rt->listen != NULL) {
		snprintf(buf, len, "http://%s%s", rt->listen, pl->my_path);
		return buf;
	}
	return pl->my_address;
}

int brt__epr_strand_set(void *arg, int plink, const char *url)
{
	return brt__strand_set_partner_url(arg, plink, url);
}
