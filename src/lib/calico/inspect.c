#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "calico/inspect.h"
#include "calico/v2trap.h"
#include "base/macro.h"
#include "base/utf8.h"

/* Where the two sides of each cross-check live (docs/calico-model.md). */
#define READY_KEY CALICO_READY_KEY
#define VERSION_KEY "/calico/v1/config/CalicoVersion"
#define PROFILES "/calico/v1/policy/profile"
#define V1_POOLS "/calico/v1/ipam"
#define V3_POOLS "/calico/resources/v3/projectcalico.org/ippools"
#define BLOCKS "/calico/ipam/v2/assignment"
#define AFFINITIES "/calico/ipam/v2/host"
#define HANDLES "/calico/ipam/v2/handle"

/* calico-upgrade's minUpgradeVersion (docs/calico-upgrade.md). */
static const struct calico_version min_upgrade_version = { 2, 6, 5 };

/* Finding codes (docs/calico-model.md). */
enum code {
	READY_NOT_TRUE,
	MALFORMED_VALUE,
	PROFILE_MISSING,
	AFFINITY_WITHOUT_BLOCK,
	BLOCK_WITHOUT_AFFINITY,
	BLOCK_OUTSIDE_POOLS,
	HANDLE_COUNT_MISMATCH,
	UNKNOWN_KEY,
	NON_DEFAULT_TIER,
	VERSION_TOO_OLD,
};

static const struct {
	const char *name;
	enum severity severity;
} codes[] = {
	[READY_NOT_TRUE] = { "ready-not-true", SEV_ERROR },
	[MALFORMED_VALUE] = { "malformed-value", SEV_ERROR },
	[PROFILE_MISSING] = { "profile-missing", SEV_WARNING },
	[AFFINITY_WITHOUT_BLOCK] = { "affinity-without-block", SEV_WARNING },
	[BLOCK_WITHOUT_AFFINITY] = { "block-without-affinity", SEV_WARNING },
	[BLOCK_OUTSIDE_POOLS] = { "block-outside-pools", SEV_WARNING },
	[HANDLE_COUNT_MISMATCH] = { "handle-count-mismatch", SEV_WARNING },
	[UNKNOWN_KEY] = { "unknown-key", SEV_INFO },
	[NON_DEFAULT_TIER] = { "non-default-tier", SEV_WARNING },
	[VERSION_TOO_OLD] = { "version-too-old-for-calico-upgrade", SEV_INFO },
};

const char *inspect_model_name(enum inspect_model model)
{
	static const char *const names[] = { "empty", "v1", "v3", "mixed" };

	return names[model];
}

/* ---------------------------------------------------------------- a hash index */

#define NOT_FOUND UINT32_MAX

/* Open addressing from a 64-bit hash to a position in an array; hash 0 marks a free slot. */
struct hmap {
	uint64_t *hash;
	uint32_t *pos;
	size_t cap, n;             /* cap is 0 or a power of two */
};

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ULL;         /* FNV-1a */
	return h;
}

static uint64_t hash_final(uint64_t h)
{
	/* The splitmix64 finalizer spreads FNV's weak low bits over the table. */
	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h ? h : 1;
}

#define HASH_INIT 0xcbf29ce484222325ULL

static uint64_t hash_string(const char *s)
{
	return hash_final(hash_bytes(HASH_INIT, s, strlen(s)));
}

static uint64_t hash_cidr(const struct calico_cidr *c)
{
	uint64_t h = hash_bytes(HASH_INIT, &c->family, sizeof(c->family));

	h = hash_bytes(h, &c->bits, sizeof(c->bits));
	return hash_bytes(h, c->addr, sizeof(c->addr));
}

/* The first entry with hash @h that @same accepts (any, when @same is NULL). */
static uint32_t hmap_get(const struct hmap *m, uint64_t h,
			 bool (*same)(const void *ctx, uint32_t pos), const void *ctx)
{
	if (!m->cap)
		return NOT_FOUND;
	for (size_t i = h & (m->cap - 1); m->hash[i]; i = (i + 1) & (m->cap - 1))
		if (m->hash[i] == h && (!same || same(ctx, m->pos[i])))
			return m->pos[i];
	return NOT_FOUND;
}

static void hmap_insert(struct hmap *m, uint64_t h, uint32_t pos)
{
	size_t i = h & (m->cap - 1);

	while (m->hash[i])
		i = (i + 1) & (m->cap - 1);
	m->hash[i] = h;
	m->pos[i] = pos;
	m->n++;
}

static bool hmap_grow(struct hmap *m)
{
	struct hmap bigger = { .cap = m->cap ? 2 * m->cap : 64 };

	bigger.hash = calloc(bigger.cap, sizeof(*bigger.hash));
	bigger.pos = calloc(bigger.cap, sizeof(*bigger.pos));
	if (!bigger.hash || !bigger.pos) {
		free(bigger.hash);
		free(bigger.pos);
		return false;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->hash[i])
			hmap_insert(&bigger, m->hash[i], m->pos[i]);
	free(m->hash);
	free(m->pos);
	*m = bigger;
	return true;
}

/* Add an entry; at most half the slots are used, so probes stay short. */
static bool hmap_put(struct hmap *m, uint64_t h, uint32_t pos)
{
	if (2 * (m->n + 1) > m->cap && !hmap_grow(m))
		return false;
	hmap_insert(m, h, pos);
	return true;
}

static void hmap_release(struct hmap *m)
{
	free(m->hash);
	free(m->pos);
	memset(m, 0, sizeof(*m));
}

/* Room for one more element in *@items; positions must fit a uint32_t. */
static bool grow(void *items, size_t *alloc, size_t n, size_t size)
{
	return n < NOT_FOUND && array_grow(items, alloc, n, size);
}

/* ---------------------------------------------------------------- cross-check state */

/* A profile that exists, or that endpoints name, or both. */
struct profile_ref {
	char *name;
	char *first_key;           /* the first endpoint naming it */
	size_t refs;
	bool exists;
};

struct block {
	struct calico_cidr net;
	char *cidr;
	char *key;
	char *host;                /* the affinity's host; NULL when the block has none */
	bool affinity_seen;
};

/* The addresses of one handle in one block. */
struct alloc {
	uint32_t block;
	uint32_t count;
	uint32_t attr;             /* the handle's index in the block's attributes */
	bool counted;              /* a handle key counted them (rightly or not) */
};

struct inspect_xref {
	struct calico_cidr *pools;
	size_t n_pools, alloc_pools;
	struct profile_ref *profiles;
	size_t n_profiles, alloc_profiles;
	struct hmap profile_index;
	struct block *blocks;
	size_t n_blocks, alloc_blocks;
	struct hmap block_index;
	struct alloc *allocs;
	size_t n_allocs, alloc_allocs;
	struct hmap alloc_index;   /* hash of (block CIDR, handle) */
	/* The v3 ClusterInformation: used where the v1 keys say nothing. */
	enum inspect_ready v3_ready;
	char *v3_calico_version, *v3_cluster_guid;
};

static enum dsck_err nomem(struct dsck_error *err)
{
	return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory while inspecting the Calico data");
}

/* A copy fit for reports: non-UTF-8 bytes and control characters become \xNN. */
static char *display_text(const char *p, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	bool utf8 = utf8_valid((const unsigned char *)p, n);
	char *out = malloc(4 * n + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o = '\0';
	return out;
}

static bool covers(const struct inspect *in, const char *path)
{
	return !in->scope || keyfilter_under_prefix(in->scope, path, strlen(path));
}

static bool has_v1_data(const struct inspect *in)
{
	for (int k = 0; k < CALICO_KIND__COUNT; k++)
		if (calico_kind_is_v1_model((enum calico_kind)k) && in->counts.objects[k])
			return true;
	return false;
}

static enum dsck_err _printf_(6, 7) report(struct inspect *in, struct dsck_error *err,
					   enum code code, const char *key, size_t key_len,
					   const char *fmt, ...)
{
	_cleanup_free_ char *detail = NULL;
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* Details quote names and values, which may hold any bytes. */
	if (!(detail = display_text(text, strlen(text))) ||
	    findings_add(&in->findings, codes[code].severity, codes[code].name, NULL, key, key_len,
			 "%s", detail))
		return nomem(err);
	return DSCK_OK;
}

static enum dsck_err report_at(struct inspect *in, struct dsck_error *err, enum code code,
			       const char *key, const char *detail)
{
	return report(in, err, code, key, strlen(key), "%s", detail);
}

/* ---------------------------------------------------------------- profiles */

struct profile_lookup {
	const struct profile_ref *profiles;
	const char *name;
};

static bool same_profile(const void *ctx, uint32_t pos)
{
	const struct profile_lookup *l = ctx;

	return strcmp(l->profiles[pos].name, l->name) == 0;
}

/* The entry of profile @name, added when new; NULL when out of memory. */
static struct profile_ref *profile_ref(struct inspect_xref *x, const char *name)
{
	struct profile_lookup l = { x->profiles, name };
	uint64_t h = hash_string(name);
	uint32_t pos = hmap_get(&x->profile_index, h, same_profile, &l);
	struct profile_ref p = { .name = NULL };

	if (pos != NOT_FOUND)
		return &x->profiles[pos];
	if (!(p.name = strdup(name)) ||
	    !grow(&x->profiles, &x->alloc_profiles, x->n_profiles, sizeof(p)) ||
	    !hmap_put(&x->profile_index, h, (uint32_t)x->n_profiles)) {
		free(p.name);
		return NULL;
	}
	x->profiles[x->n_profiles] = p;
	return &x->profiles[x->n_profiles++];
}

static enum dsck_err note_profile(struct inspect *in, const char *name, struct dsck_error *err)
{
	struct profile_ref *p = profile_ref(in->xref, name);

	if (!p)
		return nomem(err);
	p->exists = true;
	return DSCK_OK;
}

static enum dsck_err note_profile_refs(struct inspect *in, const struct calico_value *v,
				       const struct dsck_record *r, struct dsck_error *err)
{
	json_t *ids = calico_endpoint_profiles(v), *id;
	size_t i;

	json_array_foreach(ids, i, id) {
		struct profile_ref *p = profile_ref(in->xref, json_string_value(id));

		if (!p)
			return nomem(err);
		if (p->refs++ == 0 && !(p->first_key = display_text(r->key, r->key_len)))
			return nomem(err);
	}
	return DSCK_OK;
}

/* ---------------------------------------------------------------- pools and blocks */

static enum dsck_err note_pool(struct inspect *in, const char *cidr, struct dsck_error *err)
{
	struct inspect_xref *x = in->xref;
	struct calico_cidr net;

	if (!calico_cidr_parse(cidr, &net))
		return DSCK_OK;    /* already reported as malformed */
	if (!grow(&x->pools, &x->alloc_pools, x->n_pools, sizeof(net)))
		return nomem(err);
	x->pools[x->n_pools++] = net;
	return DSCK_OK;
}

struct block_lookup {
	const struct block *blocks;
	const struct calico_cidr *net;
};

static bool same_block(const void *ctx, uint32_t pos)
{
	const struct block_lookup *l = ctx;

	return calico_cidr_equal(&l->blocks[pos].net, l->net);
}

static uint64_t block_hash(const struct calico_cidr *net)
{
	return hash_final(hash_cidr(net));
}

/* The block with CIDR @net, or NULL. */
static struct block *find_block(struct inspect_xref *x, const struct calico_cidr *net)
{
	struct block_lookup l = { x->blocks, net };
	uint32_t pos = hmap_get(&x->block_index, block_hash(net), same_block, &l);

	return pos == NOT_FOUND ? NULL : &x->blocks[pos];
}

static uint64_t alloc_hash(const struct calico_cidr *block, const char *handle)
{
	return hash_final(hash_bytes(hash_cidr(block), handle, strlen(handle) + 1));
}

/* One more address of @handle in block @b. */
static bool count_alloc(struct inspect_xref *x, uint32_t b, const char *handle, size_t attr)
{
	uint64_t h = alloc_hash(&x->blocks[b].net, handle);
	uint32_t pos = hmap_get(&x->alloc_index, h, NULL, NULL);

	if (pos != NOT_FOUND) {
		x->allocs[pos].count++;
		return true;
	}
	if (!grow(&x->allocs, &x->alloc_allocs, x->n_allocs, sizeof(struct alloc)) ||
	    !hmap_put(&x->alloc_index, h, (uint32_t)x->n_allocs))
		return false;
	x->allocs[x->n_allocs++] = (struct alloc){ b, 1, (uint32_t)attr, false };
	return true;
}

static enum dsck_err note_block(struct inspect *in, const struct calico_key *k,
				const struct calico_value *v, const struct dsck_record *r,
				struct dsck_error *err)
{
	struct inspect_xref *x = in->xref;
	const char *host = calico_block_host(v);
	struct block b = { .affinity_seen = false };
	uint32_t pos = (uint32_t)x->n_blocks;

	calico_cidr_parse(k->cidr, &b.net);    /* the value check parsed it already */
	b.cidr = strdup(k->cidr);
	b.key = display_text(r->key, r->key_len);
	b.host = host ? strdup(host) : NULL;
	if (!b.cidr || !b.key || (host && !b.host) ||
	    !grow(&x->blocks, &x->alloc_blocks, x->n_blocks, sizeof(b)) ||
	    !hmap_put(&x->block_index, block_hash(&b.net), pos)) {
		free(b.cidr);
		free(b.key);
		free(b.host);
		return nomem(err);
	}
	x->blocks[x->n_blocks++] = b;
	for (size_t i = 0, n = calico_block_size(v); i < n; i++) {
		size_t attr;
		const char *handle = calico_block_handle(v, i, &attr);

		if (handle && !count_alloc(x, pos, handle, attr))
			return nomem(err);
	}
	return DSCK_OK;
}

/* Blocks come before affinities in key order, so the block is known by now. */
static enum dsck_err check_affinity(struct inspect *in, const struct calico_key *k,
				    const struct dsck_record *r, struct dsck_error *err)
{
	struct calico_cidr net;
	struct block *b;

	if (!covers(in, BLOCKS))
		return DSCK_OK;
	b = calico_cidr_parse(k->cidr, &net) ? find_block(in->xref, &net) : NULL;
	if (!b)
		return report(in, err, AFFINITY_WITHOUT_BLOCK, r->key, r->key_len,
			      "host '%s' has an affinity for block %s, which does not exist",
			      k->host, k->cidr);
	if (!b->host)
		return report(in, err, AFFINITY_WITHOUT_BLOCK, r->key, r->key_len,
			      "host '%s' has an affinity for block %s, which is affine to no host",
			      k->host, k->cidr);
	if (strcmp(b->host, k->host) != 0)
		return report(in, err, AFFINITY_WITHOUT_BLOCK, r->key, r->key_len,
			      "host '%s' has an affinity for block %s, which is affine to host '%s'",
			      k->host, k->cidr, b->host);
	b->affinity_seen = true;
	return DSCK_OK;
}

/* Blocks come before handles in key order, so their counts are complete by now. */
static enum dsck_err check_handle_counts(struct inspect *in, const struct calico_key *k,
					 const struct calico_value *v, const struct dsck_record *r,
					 struct dsck_error *err)
{
	struct inspect_xref *x = in->xref;
	const char *cidr;
	json_t *count;
	enum dsck_err rc = DSCK_OK;

	if (!covers(in, BLOCKS))
		return DSCK_OK;
	json_object_foreach(calico_handle_blocks(v), cidr, count) {
		struct calico_cidr net;
		json_int_t claimed = json_integer_value(count), actual = 0;
		uint32_t pos;

		calico_cidr_parse(cidr, &net);
		pos = hmap_get(&x->alloc_index, alloc_hash(&net, k->handle), NULL, NULL);
		if (pos != NOT_FOUND) {
			x->allocs[pos].counted = true;
			actual = x->allocs[pos].count;
		}
		if (claimed == actual)
			continue;
		if (!find_block(x, &net))
			rc = report(in, err, HANDLE_COUNT_MISMATCH, r->key, r->key_len,
				    "counts %lld address(es) in block %s, which does not exist",
				    (long long)claimed, cidr);
		else
			rc = report(in, err, HANDLE_COUNT_MISMATCH, r->key, r->key_len,
				    "counts %lld address(es) in block %s, which allocates %lld to it",
				    (long long)claimed, cidr, (long long)actual);
		if (rc)
			break;
	}
	return rc;
}

/* ---------------------------------------------------------------- Ready, config, v3 */

static enum dsck_err note_ready(struct inspect *in, const struct dsck_record *r,
				struct dsck_error *err)
{
	if (calico_ready_is_true(r->value, r->value_len)) {
		in->ready = INSPECT_READY_TRUE;
		return DSCK_OK;
	}
	in->ready = INSPECT_READY_FALSE;
	return report(in, err, READY_NOT_TRUE, r->key, r->key_len,
		      "Ready is '%.*s', not 'true': Felix stops applying updates and the CNI "
		      "plugin refuses new pods (calico-upgrade sets it while it migrates)",
		      (int)(r->value_len > 64 ? 64 : r->value_len), r->value);
}

/* Replace *@slot by a display copy of the value. */
static enum dsck_err keep_text(char **slot, const char *p, size_t n, struct dsck_error *err)
{
	char *copy = display_text(p, n);

	if (!copy)
		return nomem(err);
	free(*slot);
	*slot = copy;
	return DSCK_OK;
}

static enum dsck_err note_config(struct inspect *in, const struct calico_key *k,
				 const struct dsck_record *r, struct dsck_error *err)
{
	if (strcmp(k->config, "CalicoVersion") == 0)
		return keep_text(&in->calico_version, r->value, r->value_len, err);
	if (strcmp(k->config, "ClusterGUID") == 0)
		return keep_text(&in->cluster_guid, r->value, r->value_len, err);
	return DSCK_OK;
}

static enum dsck_err note_cluster_info(struct inspect *in, const struct calico_cluster_info *ci,
				       const struct dsck_record *r, struct dsck_error *err)
{
	struct inspect_xref *x = in->xref;
	enum dsck_err rc = DSCK_OK;

	if (ci->calico_version)
		rc = keep_text(&x->v3_calico_version, ci->calico_version,
			       strlen(ci->calico_version), err);
	if (!rc && ci->cluster_guid)
		rc = keep_text(&x->v3_cluster_guid, ci->cluster_guid, strlen(ci->cluster_guid), err);
	if (rc || ci->datastore_ready < 0)
		return rc;
	x->v3_ready = ci->datastore_ready ? INSPECT_READY_TRUE : INSPECT_READY_FALSE;
	if (ci->datastore_ready)
		return DSCK_OK;
	return report(in, err, READY_NOT_TRUE, r->key, r->key_len,
		      "spec.datastoreReady is false: Calico v3 components wait until "
		      "'calico-upgrade complete' sets it");
}

static enum dsck_err note_v3(struct inspect *in, const struct calico_key *k,
			     const struct calico_value *v, const struct dsck_record *r,
			     struct dsck_error *err)
{
	struct calico_cluster_info ci;
	const char *pool = calico_pool_cidr(k, v);

	if (pool)
		return note_pool(in, pool, err);
	if (calico_cluster_info(k, v, &ci))
		return note_cluster_info(in, &ci, r, err);
	return DSCK_OK;
}

/* ---------------------------------------------------------------- v3 kinds, affinity states */

static const char *const v3_plurals[INSPECT_V3_PLURALS] = {
	"bgpconfigurations", "bgppeers", "clusterinformations", "felixconfigurations",
	"globalnetworkpolicies", "globalnetworksets", "hostendpoints", "ippools",
	"networkpolicies", "networksets", "nodes", "profiles", "workloadendpoints", "other",
};

static const char *const affinity_states[INSPECT_AFFINITY__COUNT] = {
	"confirmed", "pending", "pendingDeletion", "none", "other",
};

const char *inspect_v3_plural(size_t i)
{
	return i < INSPECT_V3_PLURALS ? v3_plurals[i] : "other";
}

const char *inspect_affinity_state_name(enum inspect_affinity_state s)
{
	return s < INSPECT_AFFINITY__COUNT ? affinity_states[s] : "other";
}

static void count_v3_kind(struct inspect *in, const struct calico_key *k)
{
	size_t i = 0;

	while (i + 1 < INSPECT_V3_PLURALS && strcmp(k->resource, v3_plurals[i]) != 0)
		i++;
	in->v3_kinds[i]++;
}

static void count_affinity_state(struct inspect *in, const struct dsck_record *r)
{
	json_t *doc = r->value ? json_loadb(r->value, r->value_len, 0, NULL) : NULL;
	const char *state = json_string_value(json_object_get(doc, "state"));
	size_t i = INSPECT_AFFINITY_OTHER;

	if (json_is_object(doc) && (!state || !*state))
		i = INSPECT_AFFINITY_NONE;
	for (size_t s = 0; state && *state && s < INSPECT_AFFINITY_NONE; s++)
		if (strcmp(state, affinity_states[s]) == 0)
			i = s;
	in->affinity_states[i]++;
	json_decref(doc);
}

/* ---------------------------------------------------------------- per record */

/* Remember what the cross-checks need from a well-formed value. */
static enum dsck_err note_value(struct inspect *in, const struct calico_key *k,
				const struct calico_value *v, const struct dsck_record *r,
				struct dsck_error *err)
{
	switch (k->kind) {
	case CALICO_READY:
		return note_ready(in, r, err);
	case CALICO_GLOBAL_CONFIG:
		return note_config(in, k, r, err);
	case CALICO_WORKLOAD_ENDPOINT:
	case CALICO_HOST_ENDPOINT:
		return note_profile_refs(in, v, r, err);
	case CALICO_PROFILE:
		return note_profile(in, k->profile, err);
	case CALICO_IP_POOL:
		return note_pool(in, k->cidr, err);
	case CALICO_IPAM_BLOCK:
		return note_block(in, k, v, r, err);
	case CALICO_IPAM_AFFINITY:
		return check_affinity(in, k, r, err);
	case CALICO_IPAM_HANDLE:
		return check_handle_counts(in, k, v, r, err);
	case CALICO_V3_RESOURCE:
		return note_v3(in, k, v, r, err);
	default:
		return DSCK_OK;
	}
}

enum dsck_err inspect_add(struct inspect *in, const struct dsck_record *r, struct dsck_error *err)
{
	struct calico_key k;
	struct calico_value v;
	enum dsck_err rc;

	calico_key_parse(&k, r->key, r->key_len, r->dir);
	in->records++;
	in->bytes += r->key_len + r->value_len;
	counts_add(&in->counts, r, &k);
	if (k.kind == CALICO_UNKNOWN)
		return report(in, err, UNKNOWN_KEY, r->key, r->key_len,
			      "not a key of the Calico v1 or v3 data model");
	if (k.format == CALICO_FMT_NONE)
		return DSCK_OK;
	if (k.kind == CALICO_V3_RESOURCE)
		count_v3_kind(in, &k);
	else if (k.kind == CALICO_IPAM_AFFINITY)
		count_affinity_state(in, r);
	rc = calico_value_parse(&v, &k, r->value, r->value_len, err);
	if (!rc && v.problem[0])
		rc = report(in, err, MALFORMED_VALUE, r->key, r->key_len, "%s: %s",
			    calico_kind_name(k.kind), v.problem);
	else if (!rc)
		rc = note_value(in, &k, &v, r, err);
	calico_value_release(&v);
	if (!rc && k.tier && strcmp(k.tier, "default") != 0)
		rc = report(in, err, NON_DEFAULT_TIER, r->key, r->key_len,
			    "policy in tier '%s': libcalico-go v1.x only reads tier 'default' and "
			    "calico-upgrade does not convert it", k.tier);
	return rc;
}

/* ---------------------------------------------------------------- after the last record */

static enum dsck_err finish_ready(struct inspect *in, struct dsck_error *err)
{
	if (in->ready != INSPECT_READY_UNKNOWN || !has_v1_data(in) || !covers(in, READY_KEY))
		return DSCK_OK;
	return report_at(in, err, READY_NOT_TRUE, READY_KEY,
			 "missing although v1 data exists: Felix waits at start-up until it "
			 "reads 'true'");
}

static enum dsck_err finish_version(struct inspect *in, struct dsck_error *err)
{
	struct calico_version v;

	if (!in->calico_version) {
		if (!has_v1_data(in) || !covers(in, VERSION_KEY))
			return DSCK_OK;
		return report_at(in, err, VERSION_TOO_OLD, VERSION_KEY,
				 "missing: calico-upgrade refuses to migrate without version "
				 "information");
	}
	if (!calico_version_parse(in->calico_version, &v))
		return report(in, err, VERSION_TOO_OLD, VERSION_KEY, strlen(VERSION_KEY),
			      "'%s' is not a version calico-upgrade can read (vX.Y.Z)",
			      in->calico_version);
	if (calico_version_cmp(&v, &min_upgrade_version) >= 0)
		return DSCK_OK;
	return report(in, err, VERSION_TOO_OLD, VERSION_KEY, strlen(VERSION_KEY),
		      "%s is older than v2.6.5, the oldest release calico-upgrade migrates "
		      "from: upgrade Calico to v2.6.5 or later first", in->calico_version);
}

static enum dsck_err finish_profiles(struct inspect *in, struct dsck_error *err)
{
	struct inspect_xref *x = in->xref;
	enum dsck_err rc = DSCK_OK;

	for (size_t i = 0; i < x->n_profiles && !rc; i++) {
		const struct profile_ref *p = &x->profiles[i];

		if (p->refs && !p->exists)
			rc = report(in, err, PROFILE_MISSING, p->first_key,
				    strlen(p->first_key),
				    "profile '%s' does not exist (named by %zu endpoint(s))",
				    p->name, p->refs);
	}
	return rc;
}

static bool in_some_pool(const struct inspect_xref *x, const struct calico_cidr *net)
{
	for (size_t i = 0; i < x->n_pools; i++)
		if (calico_cidr_contains(&x->pools[i], net))
			return true;
	return false;
}

static enum dsck_err finish_blocks(struct inspect *in, struct dsck_error *err)
{
	struct inspect_xref *x = in->xref;
	bool affinities = covers(in, AFFINITIES);
	bool pools = covers(in, V1_POOLS) || covers(in, V3_POOLS);
	enum dsck_err rc = DSCK_OK;

	for (size_t i = 0; i < x->n_blocks && !rc; i++) {
		const struct block *b = &x->blocks[i];

		if (affinities && b->host && !b->affinity_seen)
			rc = report(in, err, BLOCK_WITHOUT_AFFINITY, b->key, strlen(b->key),
				    "block %s is affine to host '%s', which has no affinity key "
				    "for it", b->cidr, b->host);
		if (!rc && pools && !in_some_pool(x, &b->net))
			rc = report(in, err, BLOCK_OUTSIDE_POOLS, b->key, strlen(b->key),
				    "block %s lies in none of the %zu IP pool(s)", b->cidr,
				    x->n_pools);
	}
	return rc;
}

/* Addresses no handle key counted (a handle key's own miscounts were reported with it). */
static enum dsck_err finish_handles(struct inspect *in, struct dsck_error *err)
{
	struct inspect_xref *x = in->xref;
	enum dsck_err rc = DSCK_OK;

	for (size_t i = 0; i < x->n_allocs && !rc; i++) {
		const struct alloc *a = &x->allocs[i];
		const struct block *b = &x->blocks[a->block];

		if (!a->counted)
			rc = report(in, err, HANDLE_COUNT_MISMATCH, b->key, strlen(b->key),
				    "%u address(es) of block %s belong to the handle of "
				    "attributes[%u], but no handle key counts them", a->count,
				    b->cidr, a->attr);
	}
	return rc;
}

/* Where the v1 keys are absent, the v3 ClusterInformation speaks. */
static void adopt_v3_info(struct inspect *in)
{
	struct inspect_xref *x = in->xref;

	if (in->ready == INSPECT_READY_UNKNOWN)
		in->ready = x->v3_ready;
	if (!in->calico_version)
		in->calico_version = TAKE_PTR(x->v3_calico_version);
	if (!in->cluster_guid)
		in->cluster_guid = TAKE_PTR(x->v3_cluster_guid);
}

enum dsck_err inspect_finish(struct inspect *in, struct dsck_error *err)
{
	enum dsck_err rc;

	/* The cross-checks run only over what the scope read whole. */
	if ((rc = finish_ready(in, err)) || (rc = finish_version(in, err)) ||
	    (covers(in, PROFILES) && (rc = finish_profiles(in, err))) ||
	    (rc = finish_blocks(in, err)) || (covers(in, HANDLES) && (rc = finish_handles(in, err))))
		return rc;
	adopt_v3_info(in);
	return DSCK_OK;
}

/* ---------------------------------------------------------------- life cycle, summary */

enum dsck_err inspect_init(struct inspect *in, const struct keyfilter *scope,
			   struct dsck_error *err)
{
	memset(in, 0, sizeof(*in));
	counts_init(&in->counts);
	findings_init(&in->findings, 0);
	in->scope = scope;
	in->xref = calloc(1, sizeof(*in->xref));
	return in->xref ? DSCK_OK : nomem(err);
}

enum dsck_err inspect_run(struct inspect *in, struct source *src, inspect_progress_fn progress,
			  void *ctx, struct dsck_error *err)
{
	struct dsck_record r;
	bool done = false;
	enum dsck_err rc;

	if ((rc = inspect_init(in, src->filter, err)))
		return rc;
	while (!(rc = source_next(src, &r, &done, err)) && !done) {
		if ((rc = inspect_add(in, &r, err)))
			return rc;
		if (progress)
			progress(ctx, in->records, in->bytes);
	}
	if (rc || (rc = inspect_finish(in, err)))
		return rc;
	counts_finish(&in->counts, src);
	if (src->kind == SOURCE_PHYSICAL &&
	    !physnap_count_prefix(&src->phys, V2TRAP_PREFIX, strlen(V2TRAP_PREFIX)) &&
	    v2trap_add_offline(&in->findings, src->name))
		return dsck_oom(err);
	return DSCK_OK;
}

static void xref_free(struct inspect_xref *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n_profiles; i++) {
		free(x->profiles[i].name);
		free(x->profiles[i].first_key);
	}
	for (size_t i = 0; i < x->n_blocks; i++) {
		free(x->blocks[i].cidr);
		free(x->blocks[i].key);
		free(x->blocks[i].host);
	}
	free(x->pools);
	free(x->profiles);
	free(x->blocks);
	free(x->allocs);
	hmap_release(&x->profile_index);
	hmap_release(&x->block_index);
	hmap_release(&x->alloc_index);
	free(x->v3_calico_version);
	free(x->v3_cluster_guid);
	free(x);
}

void inspect_release(struct inspect *in)
{
	findings_release(&in->findings);
	free(in->calico_version);
	free(in->cluster_guid);
	xref_free(in->xref);
	memset(in, 0, sizeof(*in));
}

enum inspect_model inspect_model(const struct inspect *in)
{
	bool v1 = has_v1_data(in), v3 = in->counts.objects[CALICO_V3_RESOURCE] > 0;

	if (v1 && v3)
		return INSPECT_MODEL_MIXED;
	return v1 ? INSPECT_MODEL_V1 : v3 ? INSPECT_MODEL_V3 : INSPECT_MODEL_EMPTY;
}
