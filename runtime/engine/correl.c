/*
 * correl.c — correlation sets and message routing (semantics.md §1-§3; the
 * decisions are in docs/semantics-decisions.md, "Correlation and routing").
 *
 * What it keeps:
 *  - initiated correlation sets: a set belongs to a scope, and each scope
 *    instance has its own copy (struct brt_cset on brt_scope_inst), with
 *    its property values canonicalised by the property's type;
 *  - enabled inbound message activities (struct brt_ima: receive, pick's
 *    onMessage, onEvent), per instance and per operation;
 *  - one engine-wide hash table with three kinds of entries:
 *      I|plink|op|set|values  an enabled IMA whose set `set` is initiated
 *                             (it only takes messages with those values)
 *      S|set|values           an initiated set instance: which instance a
 *                             message carrying those values belongs to
 *      S|set|values           (provisional) the values of a message that
 *                             created an instance its start activity has
 *                             not consumed yet.
 * Routing a message is a few hash lookups (one per correlation set the
 * operation can carry), never a walk over instances.
 *
 * It does not deliver messages (messaging.c), open exchanges or write
 * variables: brt__corr_check/commit are what the messaging activities call
 * for their <correlations>.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "data.h"
#include "engine.h"

struct brt_centry {
	uint64_t hash;
	char *key;
	unsigned long seq; /* older entries win ties */
	brt_instance *in;
	struct brt_ima *ima; /* I entry */
	int set;	     /* the set the key names */
	struct brt_centry *hnext;
	struct brt_centry *pnext; /* instance's provisional entries */
};

struct brt_cset {
	int set;
	char **vals; /* one per property of the set, canonical */
	struct brt_scope_inst *si;
	struct brt_centry *entry;
	struct brt_cset *next;
};

struct brt_corr_init {
	struct brt_scope_inst *si;
	int set;
	char **vals;
};

/* One myRole operation of one partner link. */
struct opslot {
	int *nkeyed; /* per set: enabled IMAs keyed by it */
	int *usable; /* sets whose every property has an alias for the */
	int nusable; /* operation's input message */
	struct brt_ima *free_head, *free_tail; /* unkeyed IMAs, enable order */
};

struct brt_correl {
	const struct brt_process *p;
	brt_runtime *rt;
	int *base; /* per partner link: index of its first slot */
	int nslots;
	struct opslot *slots;
	struct brt_centry **buckets;
	size_t nbuckets, count;
	unsigned long seq;
	unsigned long force_seq; /* restore: the next number given out */
	unsigned long probes;
	uint64_t k0, k1; /* key_hash's secret, random per process start */
};

static void hash_secret(struct brt_correl *c);

/* The next routing order number: enable order, engine-wide. A restored
 * entry gets back the number it had (brt__corr_force_seq). */
static unsigned long next_seq(struct brt_correl *c)
{
	unsigned long seq = c->force_seq;
	c->force_seq = 0;
	if (!seq)
		return ++c->seq;
	if (seq > c->seq)
		c->seq = seq;
	return seq;
}

/* ---- tables -------------------------------------------------------------- */

static void correl_destroy(struct brt_correl *c)
{
	if (!c)
		return;
	for (int i = 0; c->slots && i < c->nslots; i++) {
		free(c->slots[i].nkeyed);
		free(c->slots[i].usable);
	}
	free(c->slots);
	free(c->base);
	free(c->buckets);
	free(c);
}

static bool set_usable(const struct brt_process *p, int set,
		       const struct brt_message *m)
{
	const struct brt_correlation_set *cs = &p->corrsets[set];
	int part;
	if (!m || cs->nprops <= 0)
		return false;
	for (int i = 0; i < cs->nprops; i++)
		if (!brt__find_alias(p, cs->props[i], m, NULL, NULL, &part) ||
		    part < 0)
			return false;
	return true;
}

static struct brt_correl *correl_of(brt_runtime *rt)
{
	struct brt_engine *e = rt->engine;
	const struct brt_process *p = rt->proc;
	if (e->correl)
		return e->correl;
	struct brt_correl *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->p = p;
	c->rt = rt;
	c->base = calloc((size_t)p->nplinks + 1, sizeof *c->base);
	for (int i = 0; c->base && i < p->nplinks; i++) {
		c->base[i] = c->nslots;
		c->nslots += p->plinks[i].nmy_ops;
	}
	c->slots = calloc((size_t)c->nslots + 1, sizeof *c->slots);
	c->nbuckets = 64;
	hash_secret(c);
	c->buckets = calloc(c->nbuckets, sizeof *c->buckets);
	if (!c->base || !c->slots || !c->buckets)
		goto fail;
	for (int i = 0; i < p->nplinks; i++)
		for (int j = 0; j < p->plinks[i].nmy_ops; j++) {
			struct opslot *sl = &c->slots[c->base[i] + j];
			const struct brt_message *m =
				p->plinks[i].my_ops[j]->input;
			sl->nkeyed =
				calloc((size_t)p->ncorrsets + 1, sizeof(int));
			sl->usable =
				calloc((size_t)p->ncorrsets + 1, sizeof(int));
			if (!sl->nkeyed || !sl->usable)
				goto fail;
			for (int k = 0; k < p->ncorrsets; k++)
				if (set_usable(p, k, m))
					sl->usable[sl->nusable++] = k;
		}
	e->correl = c;
	return c;
fail:
	correl_destroy(c);
	return NULL;
}

void brt__corr_free(struct brt_engine *e)
{
	correl_destroy(e->correl);
	e->correl = NULL;
}

unsigned long brt__corr_probes(const brt_runtime *rt)
{
	return rt->engine && rt->engine->correl ? rt->engine->correl->probes
						: 0;
}

static bool same_op(const struct brt_operation *a,
		    const struct brt_operation *b)
{
	return a == b || (a && b && strcmp(a->name, b->name) == 0 &&
			  strcmp(a->ns ? a->ns : "", b->ns ? b->ns : "") == 0);
}

static struct opslot *slot_of(struct brt_correl *c, int plink,
			      const struct brt_operation *op)
{
	if (plink < 0 || plink >= c->p->nplinks || !op)
		return NULL;
	const struct brt_partner_link *pl = &c->p->plinks[plink];
	for (int i = 0; i < pl->nmy_ops; i++)
		if (pl->my_ops[i] == op)
			return &c->slots[c->base[plink] + i];
	for (int i = 0; i < pl->nmy_ops; i++)
		if (same_op(pl->my_ops[i], op))
			return &c->slots[c->base[plink] + i];
	return NULL;
}

/* ---- values and keys ----------------------------------------------------- */

/* Values compare by the property's type: numbers as XPath numbers (so
 * "01", "1" and "1.0" are one value), booleans by truth, the rest as
 * whitespace-normalised text (brt__data_property normalises). */
static char *canonical(enum brt_xsd_kind kind, const char *v)
{
	if (kind == BRT_XSD_NUMBER) {
		double d = brt__xsd_number(BAD_CAST v);
		if (!isnan(d)) {
			/* All significant digits: libxml2's 15 would make
			 * 1234567890123456 and ...457 one value. */
			xmlChar *s = brt__xpath_number_string(d);
			char *out = s ? strdup((const char *)s) : NULL;
			xmlFree(s);
			return out;
		}
	} else if (kind == BRT_XSD_BOOLEAN) {
		if (!strcmp(v, "1") || !strcmp(v, "true"))
			return strdup("true");
		if (!strcmp(v, "0") || !strcmp(v, "false"))
			return strdup("false");
	}
	return strdup(v);
}

static void vals_free(char **vals, int n)
{
	if (!vals)
		return;
	for (int i = 0; i < n; i++)
		free(vals[i]);
	free(vals);
}

static int nprops(const struct brt_process *p, int set)
{
	return p->corrsets[set].nprops;
}

/* The values of `set`'s properties in message msg of type m, canonical;
 * NULL when one has no alias or its alias does not select one node. */
static char **msg_vals(brt_runtime *rt, int set, const struct brt_message *m,
		       xmlDocPtr msg)
{
	const struct brt_process *p = rt->proc;
	const struct brt_correlation_set *cs = &p->corrsets[set];
	if (!m || !msg || cs->nprops <= 0)
		return NULL;
	char **vals = calloc((size_t)cs->nprops, sizeof *vals);
	if (!vals)
		return NULL;
	for (int i = 0; i < cs->nprops; i++) {
		int prop = cs->props[i];
		char *raw = brt__data_property(rt, prop, m, msg);
		if (!raw) {
			vals_free(vals, cs->nprops);
			return NULL;
		}
		vals[i] = canonical(p->properties[prop].kind, raw);
		free(raw);
		if (!vals[i]) {
			vals_free(vals, cs->nprops);
			return NULL;
		}
	}
	return vals;
}

static bool vals_equal(char *const *a, char *const *b, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

/* Keys are built on every routing lookup and every restored instance:
 * by hand, not by snprintf (a tenth of the instructions). */

/* v in decimal then `sep` at k (room for 22 bytes); the length written. */
static size_t put_num(char *k, long v, char sep)
{
	char b[24];
	char *e = b + sizeof b, *p = e;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;
	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	size_t n = (size_t)(e - p);
	memcpy(k, p, n);
	k[n] = sep;
	return n + 1;
}

/* "len:value|" for each value at k (room for strlen + 24 each), then a
 * '\0'; the length written. */
static size_t put_values(char *k, char *const *vals, int n)
{
	size_t at = 0;
	for (int i = 0; i < n; i++) {
		size_t vlen = strlen(vals[i]);
		at += put_num(k + at, (long)vlen, ':');
		memcpy(k + at, vals[i], vlen);
		at += vlen;
		k[at++] = '|';
	}
	k[at] = '\0';
	return at;
}

/* "I|plink|op|set|len:value|..." or "S|set|len:value|..." (lengths keep
 * values with separators in them apart). */
static char *key_build(char kind, int plink, const char *op, int set,
		       char *const *vals, int n)
{
	size_t oplen = op ? strlen(op) : 0;
	size_t len = 64 + oplen;
	for (int i = 0; i < n; i++)
		len += strlen(vals[i]) + 24;
	char *k = malloc(len);
	if (!k)
		return NULL;
	size_t at = 0;
	k[at++] = kind == 'I' ? 'I' : 'S';
	k[at++] = '|';
	if (kind == 'I') {
		at += put_num(k + at, plink, '|');
		memcpy(k + at, op, oplen);
		at += oplen;
		k[at++] = '|';
	}
	at += put_num(k + at, set, '|');
	put_values(k + at, vals, n);
	return k;
}

/*
 * SipHash-2-4 of the key under a secret drawn at start-up: correlation
 * values come from clients, and with an unkeyed hash (FNV) colliding
 * values are cheap to craft, turning each lookup into a walk over one
 * long chain.
 */
#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                   \
	do {                       \
		v0 += v1;          \
		v1 = ROTL(v1, 13); \
		v1 ^= v0;          \
		v0 = ROTL(v0, 32); \
		v2 += v3;          \
		v3 = ROTL(v3, 16); \
		v3 ^= v2;          \
		v0 += v3;          \
		v3 = ROTL(v3, 21); \
		v3 ^= v0;          \
		v2 += v1;          \
		v1 = ROTL(v1, 17); \
		v1 ^= v2;          \
		v2 = ROTL(v2, 32); \
	} while (0)

static uint64_t key_hash(const struct brt_correl *c, const char *k)
{
	uint64_t v0 = 0x736f6d6570736575ULL ^ c->k0;
	uint64_t v1 = 0x646f72616e646f6dULL ^ c->k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ c->k0;
	uint64_t v3 = 0x7465646279746573ULL ^ c->k1;
	size_t len = strlen(k), i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t m = 0;
		for (int j = 0; j < 8; j++)
			m |= (uint64_t)(unsigned char)k[i + (size_t)j]
			     << (8 * j);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	uint64_t b = (uint64_t)len << 56;
	for (int j = 0; i + (size_t)j < len; j++)
		b |= (uint64_t)(unsigned char)k[i + (size_t)j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* 16 random bytes from the kernel; failing that, a mix of what differs
 * between starts (the table still works, only less secret). */
static void hash_secret(struct brt_correl *c)
{
	uint64_t k[2] = { 0, 0 };
	FILE *f = fopen("/dev/urandom", "rb");
	bool ok = f && fread(k, sizeof k, 1, f) == 1;
	if (f)
		fclose(f);
	if (!ok) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		k[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^
		       (uint64_t)getpid();
		k[1] = (uint64_t)ts.tv_sec ^ (uint64_t)(uintptr_t)c;
	}
	c->k0 = k[0];
	c->k1 = k[1];
}

uint64_t brt__corr_hash(brt_runtime *rt, const char *key)
{
	struct brt_correl *c = correl_of(rt);
	return c ? key_hash(c, key) : 0;
}

/* ---- the hash table ------------------------------------------------------ */

static void table_grow(struct brt_correl *c)
{
	size_t n = c->nbuckets * 2;
	struct brt_centry **b = calloc(n, sizeof *b);
	if (!b)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < c->nbuckets; i++)
		while (c->buckets[i]) {
			struct brt_centry *e = c->buckets[i];
			c->buckets[i] = e->hnext;
			e->hnext = b[e->hash % n];
			b[e->hash % n] = e;
		}
	free(c->buckets);
	c->buckets = b;
	c->nbuckets = n;
}

/* A new entry for key (taken) in the table. */
static struct brt_centry *table_add(struct brt_correl *c, char *key,
				    brt_instance *in, int set,
				    unsigned long seq)
{
	struct brt_centry *e = key ? calloc(1, sizeof *e) : NULL;
	if (!e) {
		free(key);
		return NULL;
	}
	if (c->count >= c->nbuckets * 2)
		table_grow(c);
	e->key = key;
	e->hash = key_hash(c, key);
	e->in = in;
	e->set = set;
	e->seq = seq;
	e->hnext = c->buckets[e->hash % c->nbuckets];
	c->buckets[e->hash % c->nbuckets] = e;
	c->count++;
	return e;
}

static void table_del(struct brt_correl *c, struct brt_centry *e)
{
	if (!e)
		return;
	for (struct brt_centry **pp = &c->buckets[e->hash % c->nbuckets]; *pp;
	     pp = &(*pp)->hnext)
		if (*pp == e) {
			*pp = e->hnext;
			c->count--;
			break;
		}
	free(e->key);
	free(e);
}

/* First entry after `from` (NULL: the bucket's head) with this key. */
static struct brt_centry *table_next(struct brt_correl *c, const char *key,
				     uint64_t h, struct brt_centry *from)
{
	struct brt_centry *e = from ? from->hnext : c->buckets[h % c->nbuckets];
	for (; e; e = e->hnext) {
		c->probes++;
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	}
	return NULL;
}

/* ---- set instances ------------------------------------------------------- */

/* The scope instance, as seen from s, that holds set `set`. */
static struct brt_scope_inst *set_scope(brt_strand *s, int set)
{
	const struct brt_process *p = s->in->rt->proc;
	if (set < 0 || set >= p->ncorrsets)
		return NULL;
	for (struct brt_scope_inst *si = s->scope; si; si = si->parent)
		if (si->scope == p->corrsets[set].scope)
			return si;
	return NULL;
}

static struct brt_cset *find_cset(struct brt_scope_inst *si, int set)
{
	for (struct brt_cset *cs = si ? si->csets : NULL; cs; cs = cs->next)
		if (cs->set == set)
			return cs;
	return NULL;
}

/* The set instance an IMA is keyed by: its first correlation that is
 * initiated and does not initiate (no, or join on an initiated set).
 * initiate="yes" sets impose nothing on routing (semantics.md §2.3). */
static struct brt_cset *ima_keyset(struct brt_ima *ima)
{
	const struct brt_receive *r = ima->r;
	for (int i = 0; i < r->ncorr; i++) {
		if (r->corr[i].initiate == BRT_INIT_YES)
			continue;
		struct brt_cset *cs = find_cset(
			set_scope(ima->s, r->corr[i].set), r->corr[i].set);
		if (cs)
			return cs;
	}
	return NULL;
}

/* ---- IMAs ---------------------------------------------------------------- */

static int ima_register(struct brt_correl *c, struct brt_ima *ima)
{
	struct opslot *sl = slot_of(c, ima->r->plink, ima->r->op);
	if (!sl)
		return BRT_EINVAL;
	struct brt_cset *cs = ima_keyset(ima);
	if (cs) {
		const struct brt_process *p = c->p;
		char *key = key_build('I', ima->r->plink, ima->r->op->name,
				      cs->set, cs->vals, nprops(p, cs->set));
		ima->entry = table_add(c, key, ima->s->in, cs->set, ima->seq);
		if (!ima->entry)
			return BRT_ENOMEM;
		ima->entry->ima = ima;
		sl->nkeyed[cs->set]++;
		return 0;
	}
	ima->fnext = NULL;
	ima->fprev = sl->free_tail;
	if (sl->free_tail)
		sl->free_tail->fnext = ima;
	else
		sl->free_head = ima;
	sl->free_tail = ima;
	return 0;
}

static void ima_unregister(struct brt_correl *c, struct brt_ima *ima)
{
	struct opslot *sl = slot_of(c, ima->r->plink, ima->r->op);
	if (ima->entry) {
		if (sl)
			sl->nkeyed[ima->entry->set]--;
		table_del(c, ima->entry);
		ima->entry = NULL;
		return;
	}
	if (!sl)
		return;
	if (ima->fprev)
		ima->fprev->fnext = ima->fnext;
	else if (sl->free_head == ima)
		sl->free_head = ima->fnext;
	if (ima->fnext)
		ima->fnext->fprev = ima->fprev;
	else if (sl->free_tail == ima)
		sl->free_tail = ima->fprev;
	ima->fprev = ima->fnext = NULL;
}

int brt__ima_enable(struct brt_ima *ima)
{
	brt_instance *in = ima->s->in;
	struct brt_correl *c = correl_of(in->rt);
	if (!c)
		return BRT_ENOMEM;
	if (ima->enabled)
		brt__ima_disable(ima);
	ima->entry = NULL;
	ima->fprev = ima->fnext = NULL;
	ima->seq = next_seq(c);
	int err = ima_register(c, ima);
	if (err != 0)
		return err;
	ima->enabled = true;
	ima->iprev = NULL;
	ima->inext = in->imas;
	if (in->imas)
		in->imas->iprev = ima;
	in->imas = ima;
	return 0;
}

void brt__ima_disable(struct brt_ima *ima)
{
	if (!ima->enabled)
		return;
	brt_instance *in = ima->s->in;
	ima_unregister(in->rt->engine->correl, ima);
	if (ima->iprev)
		ima->iprev->inext = ima->inext;
	else
		in->imas = ima->inext;
	if (ima->inext)
		ima->inext->iprev = ima->iprev;
	ima->iprev = ima->inext = NULL;
	ima->enabled = false;
}

const char *brt__ima_violation(brt_strand *s, const struct brt_receive *r,
			       char *buf, size_t len)
{
	const struct brt_process *p = s->in->rt->proc;
	for (int i = 0; i < r->ncorr; i++) {
		if (r->corr[i].initiate != BRT_INIT_NO)
			continue;
		int set = r->corr[i].set;
		if (find_cset(set_scope(s, set), set))
			continue;
		snprintf(buf, len, "%s: correlation set '%s' is not initiated",
			 r->name ? r->name : r->op->name,
			 set >= 0 && set < p->ncorrsets ? p->corrsets[set].name
							: "?");
		return buf;
	}
	return NULL;
}

/* ---- matching ------------------------------------------------------------ */

/* A message's values per set, computed at most once per routing. */
struct mvals {
	brt_runtime *rt;
	const struct brt_message *m;
	xmlDocPtr msg;
	int nsets;
	char ***vals;
	bool *done;
};

static int mvals_init(struct mvals *mv, brt_runtime *rt,
		      const struct brt_message *m, xmlDocPtr msg)
{
	mv->rt = rt;
	mv->m = m;
	mv->msg = msg;
	mv->nsets = rt->proc->ncorrsets;
	mv->vals = calloc((size_t)mv->nsets + 1, sizeof *mv->vals);
	mv->done = calloc((size_t)mv->nsets + 1, sizeof *mv->done);
	if (!mv->vals || !mv->done) {
		free(mv->vals);
		free(mv->done);
		return BRT_ENOMEM;
	}
	return 0;
}

static char **mvals_get(struct mvals *mv, int set)
{
	if (set < 0 || set >= mv->nsets)
		return NULL;
	if (!mv->done[set]) {
		mv->done[set] = true;
		mv->vals[set] = msg_vals(mv->rt, set, mv->m, mv->msg);
	}
	return mv->vals[set];
}

static void mvals_free(struct mvals *mv)
{
	for (int i = 0; i < mv->nsets; i++)
		vals_free(mv->vals[i], mv->rt->proc->corrsets[i].nprops);
	free(mv->vals);
	free(mv->done);
}

/* Every initiated, non-initiating set of the IMA has the message's values. */
static bool ima_matches(struct brt_ima *ima, struct mvals *mv)
{
	const struct brt_receive *r = ima->r;
	const struct brt_process *p = mv->rt->proc;
	for (int i = 0; i < r->ncorr; i++) {
		if (r->corr[i].initiate == BRT_INIT_YES)
			continue;
		int set = r->corr[i].set;
		struct brt_cset *cs = find_cset(set_scope(ima->s, set), set);
		if (!cs)
			continue;
		char **v = mvals_get(mv, set);
		if (!v || !vals_equal(v, cs->vals, nprops(p, set)))
			return false;
	}
	return true;
}

static bool ima_is_for(const struct brt_ima *ima, int plink,
		       const struct brt_operation *op)
{
	return ima->r->plink == plink && same_op(ima->r->op, op);
}

bool brt__ima_accepts(struct brt_ima *ima, const struct brt_inmsg *m)
{
	struct mvals mv;
	if (!ima_is_for(ima, m->plink, m->op))
		return false;
	if (ima->r->ncorr == 0)
		return true;
	if (mvals_init(&mv, ima->s->in->rt, m->op->input, m->msg) != 0)
		return false;
	bool ok = ima_matches(ima, &mv);
	mvals_free(&mv);
	return ok;
}

struct brt_inmsg *brt__inbox_take(brt_instance *in, struct brt_ima *const *imas,
				  int n, int *which)
{
	struct brt_inmsg *prev = NULL;
	for (struct brt_inmsg *m = in->inbox_head; m; prev = m, m = m->next)
		for (int k = 0; k < n; k++) {
			if (!brt__ima_accepts(imas[k], m))
				continue;
			if (prev)
				prev->next = m->next;
			else
				in->inbox_head = m->next;
			if (in->inbox_tail == m)
				in->inbox_tail = prev;
			in->ninbox--;
			in->inbox_bytes -= m->bytes;
			m->next = NULL;
			if (which)
				*which = k;
			return m;
		}
	return NULL;
}

/* Two IMAs name the same correlation set instances. */
static bool same_sets(struct brt_ima *a, struct brt_ima *b)
{
	if (a->r->ncorr != b->r->ncorr)
		return false;
	for (int i = 0; i < a->r->ncorr; i++) {
		int set = a->r->corr[i].set;
		bool found = false;
		for (int j = 0; j < b->r->ncorr && !found; j++)
			found = b->r->corr[j].set == set &&
				set_scope(a->s, set) == set_scope(b->s, set);
		if (!found)
			return false;
	}
	return true;
}

/* The message goes to instance `in`: its earliest enabled IMA for the
 * operation that matches takes it. When another one matches too, the
 * winner throws conflictingReceive (same sets) or ambiguousReceive
 * (different sets) after consuming it, unless both name the same
 * explicit messageExchange (then the exchange decides: conflictingRequest
 * if it is still open). NULL when no IMA of `in` matches. */
static struct brt_ima *choose_in(brt_instance *in, int plink,
				 const struct brt_operation *op,
				 struct mvals *mv, const char **fault)
{
	struct brt_ima *best = NULL;
	*fault = NULL;
	for (struct brt_ima *x = in->imas; x; x = x->inext)
		if (ima_is_for(x, plink, op) && (!best || x->seq < best->seq) &&
		    ima_matches(x, mv))
			best = x;
	if (!best)
		return NULL;
	for (struct brt_ima *x = in->imas; x; x = x->inext) {
		if (x == best || !ima_is_for(x, plink, op) ||
		    !ima_matches(x, mv))
			continue;
		if (best->r->mex && x->r->mex &&
		    !strcmp(best->r->mex, x->r->mex))
			continue;
		if (!same_sets(best, x)) {
			*fault = "ambiguousReceive";
			break;
		}
		*fault = "conflictingReceive";
	}
	return best;
}

/* ---- routing ------------------------------------------------------------- */

static bool is_start_op(const struct brt_process *p, int plink,
			const struct brt_operation *op)
{
	for (int i = 0; i < p->nstarts; i++)
		if (p->starts[i]->plink == plink &&
		    same_op(p->starts[i]->op, op))
			return true;
	return false;
}

/* 1: an enabled IMA keyed by values this message carries. */
static struct brt_ima *route_keyed(struct brt_correl *c, struct opslot *sl,
				   int plink, const struct brt_operation *op,
				   struct mvals *mv)
{
	struct brt_ima *best = NULL;
	for (int set = 0; set < c->p->ncorrsets; set++) {
		if (sl->nkeyed[set] <= 0)
			continue;
		char **v = mvals_get(mv, set);
		if (!v)
			continue;
		char *key = key_build('I', plink, op->name, set, v,
				      nprops(c->p, set));
		if (!key)
			continue;
		uint64_t h = key_hash(c, key);
		for (struct brt_centry *e = table_next(c, key, h, NULL); e;
		     e = table_next(c, key, h, e)) {
			struct brt_ima *x = e->ima;
			if (!x || x->s->in->exiting ||
			    (best && best->seq < x->seq))
				continue;
			if (ima_matches(x, mv))
				best = x;
		}
		free(key);
	}
	return best;
}

/* Apache ODE (bpelc --ode) routed a message by the correlation sets
 * that the activities receiving it use with initiate="no" or "join" only
 * (PartnerLinkMyRoleImpl.computeCorrelationKeys): a set a start activity
 * of this operation initiates with initiate="yes" does not lead its
 * message to the instance that holds it (docs/migrating-from-ode.md). */
static bool ode_unrouted(const struct brt_process *p, int plink,
			 const struct brt_operation *op, int set)
{
	if (!p->ode)
		return false;
	for (int i = 0; i < p->nstarts; i++) {
		const struct brt_receive *r = p->starts[i];
		if (r->plink != plink || !same_op(r->op, op))
			continue;
		for (int j = 0; j < r->ncorr; j++)
			if (r->corr[j].set == set &&
			    r->corr[j].initiate == BRT_INIT_YES)
				return true;
	}
	return false;
}

/* 2: the instance one of whose set instances has this message's values. */
static brt_instance *route_owner(struct brt_correl *c, struct opslot *sl,
				 int plink, const struct brt_operation *op,
				 struct mvals *mv)
{
	brt_instance *owner = NULL;
	unsigned long seq = 0;
	for (int i = 0; i < sl->nusable; i++) {
		int set = sl->usable[i];
		if (ode_unrouted(c->p, plink, op, set))
			continue;
		char **v = mvals_get(mv, set);
		if (!v)
			continue;
		char *key = key_build('S', -1, NULL, set, v, nprops(c->p, set));
		if (!key)
			continue;
		uint64_t h = key_hash(c, key);
		for (struct brt_centry *e = table_next(c, key, h, NULL); e;
		     e = table_next(c, key, h, e))
			if (!e->in->exiting && (!owner || e->seq < seq)) {
				owner = e->in;
				seq = e->seq;
			}
		free(key);
	}
	return owner;
}

int brt__corr_route(brt_runtime *rt, int plink, const struct brt_operation *op,
		    xmlDocPtr msg, struct brt_route *out)
{
	struct brt_engine *e = rt->engine;
	struct brt_correl *c = correl_of(rt);
	struct mvals mv;
	int err = BRT_ENOTFOUND;

	memset(out, 0, sizeof *out);
	if (!c)
		return BRT_ENOMEM;
	struct opslot *sl = slot_of(c, plink, op);
	if (!sl)
		return BRT_ENOTFOUND;
	if (mvals_init(&mv, rt, op->input, msg) != 0)
		return BRT_ENOMEM;

	struct brt_ima *x = route_keyed(c, sl, plink, op, &mv);
	if (x) {
		out->ima = choose_in(x->s->in, plink, op, &mv, &out->fault);
		err = 0;
		goto done;
	}
	brt_instance *owner = route_owner(c, sl, plink, op, &mv);
	if (owner) {
		out->ima = choose_in(owner, plink, op, &mv, &out->fault);
		if (!out->ima)
			out->in = owner;
		err = 0;
		goto done;
	}
	for (x = sl->free_head; x; x = x->fnext)
		if (!x->s->in->exiting) {
			out->ima = choose_in(x->s->in, plink, op, &mv,
					     &out->fault);
			err = 0;
			goto done;
		}
	if (is_start_op(rt->proc, plink, op)) {
		out->create = true;
		err = 0;
		goto done;
	}
	/* A message that carries no correlation values cannot name its
	 * instance: the oldest live one keeps it (an engine without
	 * correlation runs one conversation at a time). */
	if (sl->nusable == 0)
		for (brt_instance *in = e->first; in; in = in->next)
			if (!in->exiting) {
				out->in = in;
				err = 0;
				break;
			}
done:
	mvals_free(&mv);
	return err;
}

void brt__corr_provisional(brt_instance *in, int plink,
			   const struct brt_operation *op, xmlDocPtr msg)
{
	brt_runtime *rt = in->rt;
	const struct brt_process *p = rt->proc;
	struct brt_correl *c = correl_of(rt);
	if (!c)
		return;
	for (int i = 0; i < p->nstarts; i++) {
		const struct brt_receive *r = p->starts[i];
		if (r->plink != plink || !same_op(r->op, op))
			continue;
		for (int j = 0; j < r->ncorr; j++) {
			int set = r->corr[j].set;
			if (r->corr[j].initiate == BRT_INIT_NO || set < 0 ||
			    set >= p->ncorrsets)
				continue;
			char **v = msg_vals(rt, set, op->input, msg);
			if (!v)
				continue;
			char *key = key_build('S', -1, NULL, set, v,
					      nprops(p, set));
			vals_free(v, nprops(p, set));
			struct brt_centry *e =
				table_add(c, key, in, set, next_seq(c));
			if (e) {
				e->pnext = in->provisional;
				in->provisional = e;
			}
		}
	}
}

static void drop_provisional(brt_instance *in)
{
	struct brt_correl *c = in->rt->engine->correl;
	while (in->provisional) {
		struct brt_centry *e = in->provisional;
		in->provisional = e->pnext;
		table_del(c, e);
	}
}

/* ---- initiating and checking --------------------------------------------- */

static bool applies(enum brt_pattern pat, enum brt_pattern which)
{
	switch (which) {
	case BRT_PAT_REQUEST:
		return pat != BRT_PAT_RESPONSE;
	case BRT_PAT_RESPONSE:
		return pat == BRT_PAT_RESPONSE ||
		       pat == BRT_PAT_REQUEST_RESPONSE;
	default:
		return true;
	}
}

void brt__corr_drop(struct brt_corr_pending *pend)
{
	for (int i = 0; i < pend->n; i++)
		vals_free(pend->v[i].vals,
			  pend->v[i]
				  .si->in->rt->proc->corrsets[pend->v[i].set]
				  .nprops);
	free(pend->v);
	pend->v = NULL;
	pend->n = 0;
}

int brt__corr_check(brt_strand *s, int ncorr,
		    const struct brt_correlation *corr, enum brt_pattern which,
		    bool outgoing, const struct brt_message *m, xmlDocPtr msg,
		    struct brt_corr_pending *pend)
{
	brt_runtime *rt = s->in->rt;
	const struct brt_process *p = rt->proc;
	char why[300];

	pend->n = 0;
	pend->v = NULL;
	if (ncorr <= 0)
		return 0;
	pend->v = calloc((size_t)ncorr, sizeof *pend->v);
	if (!pend->v) {
		brt__fault(s, BRT_NS_BPELC, "internalError", NULL,
			   "out of memory");
		return BRT_EFAULT;
	}
	for (int i = 0; i < ncorr; i++) {
		const struct brt_correlation *k = &corr[i];
		if (!applies(k->pattern, which))
			continue;
		struct brt_scope_inst *si = set_scope(s, k->set);
		if (NEVER(!si)) {
			brt__corr_drop(pend);
			brt__bug(s, "correlation set not in scope");
			return BRT_EFAULT;
		}
		const char *name = p->corrsets[k->set].name;
		struct brt_cset *cs = find_cset(si, k->set);
		bool pending = false;
		for (int j = 0; j < pend->n && !pending; j++)
			pending = pend->v[j].si == si &&
				  pend->v[j].set == k->set;
		if (pending)
			continue; /* named twice: the first use decides */
		/* Apache ODE (bpelc --ode): an outgoing message is not held
		 * to an initiated set, and initiate="yes" on one is ignored,
		 * values and all (BpelRuntimeContextImpl.initializeCorrelation
		 * returns when the set is initiated). */
		if (p->ode && cs && outgoing)
			continue;
		bool reinit = k->initiate == BRT_INIT_YES && cs &&
			      !(which == BRT_PAT_RESPONSE &&
				k->pattern == BRT_PAT_REQUEST_RESPONSE);
		const char *bad = NULL;
		if (p->ode && reinit)
			continue;
		if (k->initiate == BRT_INIT_NO && !cs)
			bad = "is not initiated";
		else if (reinit)
			bad = "is already initiated";
		if (bad) {
			snprintf(why, sizeof why, "correlation set '%s' %s",
				 name, bad);
			brt__corr_drop(pend);
			brt__std_fault(s, "correlationViolation", why);
			return BRT_EFAULT;
		}
		char **v = msg_vals(rt, k->set, m, msg);
		if (!v) {
			snprintf(why, sizeof why,
				 "a property of correlation set "
				 "'%s' is not found in the message",
				 name);
			brt__corr_drop(pend);
			brt__std_fault(s, "selectionFailure", why);
			return BRT_EFAULT;
		}
		if (cs) {
			bool eq = vals_equal(v, cs->vals, nprops(p, k->set));
			vals_free(v, nprops(p, k->set));
			if (!eq) {
				snprintf(why, sizeof why,
					 "the message's values "
					 "differ from correlation set '%s'",
					 name);
				brt__corr_drop(pend);
				brt__std_fault(s, "correlationViolation", why);
				return BRT_EFAULT;
			}
			continue;
		}
		pend->v[pend->n].si = si;
		pend->v[pend->n].set = k->set;
		pend->v[pend->n++].vals = v;
	}
	return 0;
}

/* Initiate set `set` in si with vals (taken). */
static int initiate(struct brt_correl *c, struct brt_scope_inst *si, int set,
		    char **vals)
{
	int n = nprops(c->p, set);
	struct brt_cset *cs = calloc(1, sizeof *cs);
	char *key = cs ? key_build('S', -1, NULL, set, vals, n) : NULL;
	struct brt_centry *e = key ? table_add(c, key, si->in, set, next_seq(c))
				   : NULL;
	if (!e) {
		free(cs);
		vals_free(vals, n);
		return BRT_ENOMEM;
	}
	cs->set = set;
	cs->vals = vals;
	cs->si = si;
	cs->entry = e;
	cs->next = si->csets;
	si->csets = cs;
	return 0;
}

/* IMAs of `in` that name `set` may now be keyed by it. */
static void rekey(struct brt_correl *c, brt_instance *in, int set)
{
	for (struct brt_ima *x = in->imas; x; x = x->inext) {
		bool names = false;
		for (int i = 0; i < x->r->ncorr && !names; i++)
			names = x->r->corr[i].set == set;
		if (!names)
			continue;
		ima_unregister(c, x);
		if (ima_register(c, x) != 0)
			brt__log(in->rt,
				 "instance %lu: out of memory while "
				 "enabling a receive",
				 in->id);
	}
}

int brt__corr_commit(brt_strand *s, struct brt_corr_pending *pend)
{
	brt_instance *in = s->in;
	struct brt_correl *c = correl_of(in->rt);
	int err = c ? 0 : BRT_ENOMEM;

	for (int i = 0; i < pend->n; i++) {
		struct brt_corr_init *v = &pend->v[i];
		if (err || find_cset(v->si, v->set)) {
			vals_free(v->vals, nprops(in->rt->proc, v->set));
			continue;
		}
		err = initiate(c, v->si, v->set, v->vals);
		if (!err)
			rekey(c, in, v->set);
	}
	free(pend->v);
	pend->v = NULL;
	pend->n = 0;
	/* The start activity has taken the creating message: from now on the
	 * sets it initiated say where messages go. */
	if (c && in->provisional)
		drop_provisional(in);
	return err;
}

/* ---- lifetime hooks and saved instances ---------------------------------- */

void brt__corr_scope_free(struct brt_scope_inst *si)
{
	struct brt_correl *c = si->in->rt->engine->correl;
	while (si->csets) {
		struct brt_cset *cs = si->csets;
		si->csets = cs->next;
		if (c)
			table_del(c, cs->entry);
		vals_free(cs->vals, nprops(si->in->rt->proc, cs->set));
		free(cs);
	}
}

void brt__corr_instance_end(brt_instance *in)
{
	while (in->imas)
		brt__ima_disable(in->imas);
	if (in->rt->engine->correl)
		drop_provisional(in);
}

int brt__corr_set_get(const struct brt_scope_inst *si, int i,
		      char *const **vals)
{
	for (const struct brt_cset *cs = si->csets; cs; cs = cs->next)
		if (i-- == 0) {
			*vals = cs->vals;
			return cs->set;
		}
	return -1;
}

unsigned long brt__corr_set_seq(const struct brt_scope_inst *si, int i)
{
	for (const struct brt_cset *cs = si->csets; cs; cs = cs->next)
		if (i-- == 0)
			return cs->entry ? cs->entry->seq : 0;
	return 0;
}

void brt__corr_force_seq(brt_runtime *rt, unsigned long seq)
{
	struct brt_correl *c = correl_of(rt);
	if (c)
		c->force_seq = seq;
}

unsigned long brt__corr_seq(brt_runtime *rt, unsigned long at_least)
{
	struct brt_correl *c = correl_of(rt);
	if (!c)
		return 0;
	if (c->seq < at_least)
		c->seq = at_least;
	return c->seq;
}

int brt__corr_restore(struct brt_scope_inst *si, int set, char **vals, int n)
{
	struct brt_correl *c = correl_of(si->in->rt);
	const struct brt_process *p = si->in->rt->proc;
	if (set < 0 || set >= p->ncorrsets || find_cset(si, set) || !c ||
	    p->corrsets[set].scope != si->scope || n != nprops(p, set)) {
		vals_free(vals, n);
		return c ? BRT_EINVAL : BRT_ENOMEM;
	}
	return initiate(c, si, set, vals);
}

/* ---- the shared store's view (cluster.c, persist.c) ---------------------- */

/* The values of a set as one string, each "LEN:VALUE|": the key a
 * database row holds, unambiguous whatever the values contain. */
static char *db_key(char *const *vals, int n)
{
	size_t len = 1;
	for (int i = 0; i < n; i++)
		len += strlen(vals[i]) + 24;
	char *k = malloc(len);
	if (!k)
		return NULL;
	put_values(k, vals, n);
	return k;
}

int brt__corr_msg_keys(brt_runtime *rt, int plink,
		       const struct brt_operation *op, xmlDocPtr msg, int *sets,
		       char **keys, int max)
{
	struct brt_correl *c = correl_of(rt);
	struct opslot *sl = c ? slot_of(c, plink, op) : NULL;
	int n = 0;
	for (int i = 0; sl && i < sl->nusable && n < max; i++) {
		int set = sl->usable[i];
		char **v = msg_vals(rt, set, op->input, msg);
		if (!v)
			continue;
		keys[n] = db_key(v, nprops(rt->proc, set));
		vals_free(v, nprops(rt->proc, set));
		if (!keys[n])
			break;
		sets[n++] = set;
	}
	return n;
}

int brt__corr_instance_keys(brt_instance *in,
			    int (*fn)(void *arg, int set, const char *key),
			    void *arg)
{
	for (struct brt_scope_inst *si = in->scopes_head; si; si = si->next)
		for (const struct brt_cset *cs = si->csets; cs; cs = cs->next) {
			char *k =
				db_key(cs->vals, nprops(in->rt->proc, cs->set));
			int err = k ? fn(arg, cs->set, k) : BRT_ENOMEM;
			free(k);
			if (err)
				return err;
		}
	return 0;
}
