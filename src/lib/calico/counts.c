#include <string.h>

#include "base/keyfilter.h"
#include "calico/counts.h"

void counts_init(struct counts *c)
{
	memset(c, 0, offsetof(struct counts, last));
	c->last_kind = CALICO_KIND__COUNT;
}

/* Kinds whose object spans several keys, each named by the key's last segment. */
static bool multi_key(enum calico_kind kind)
{
	return kind == CALICO_PROFILE || kind == CALICO_HOST || kind == CALICO_BGP_HOST;
}

/* True when @key starts another object than the last key of its kind. */
static bool new_object(struct counts *c, enum calico_kind kind, const char *key, size_t len)
{
	const char *slash = len ? memrchr(key, '/', len) : NULL;
	size_t parent = slash ? (size_t)(slash - key) : len;

	if (!multi_key(kind))
		return true;
	/* The classifier only names keys shorter than CALICO_KEY_MAX. */
	if (parent >= sizeof(c->last))
		return true;
	if (kind == c->last_kind && parent == c->last_len && !memcmp(key, c->last, parent))
		return false;
	c->last_kind = kind;
	c->last_len = parent;
	memcpy(c->last, key, parent);
	return true;
}

void counts_add_plain(struct counts *c, const struct dsck_record *r)
{
	bool eph = calico_key_is_ephemeral(r->key, r->key_len);

	if (r->dir) {
		c->dirs += !eph;
		return;
	}
	if (eph) {
		c->ephemeral++;
	} else {
		size_t n = sizeof(COUNTS_V3_MODEL_PREFIX) - 1;

		c->keys++;
		c->model_keys += r->key_len >= n && !memcmp(r->key, COUNTS_V3_MODEL_PREFIX, n);
	}
	c->ttl += r->has_ttl;
}

void counts_add(struct counts *c, const struct dsck_record *r, const struct calico_key *k)
{
	struct calico_key parsed;

	if (r->dir && calico_key_is_ephemeral(r->key, r->key_len))
		return;
	if (!k) {
		calico_key_parse(&parsed, r->key, r->key_len, r->dir);
		k = &parsed;
	}
	counts_add_plain(c, r);
	if (!r->dir)
		c->kind_keys[k->kind]++;
	c->objects[k->kind] += new_object(c, k->kind, r->key, r->key_len);
}

void counts_finish(struct counts *c, const struct source *src)
{
	c->ephemeral += src->ephemeral_left_out;
	/* A snapshot saved without them never saw them: 0 would claim there were none. */
	c->ephemeral_unknown = src->kind == SOURCE_SNAPSHOT && !src->snap.hdr.ephemeral_included;
}

size_t counts_objects(const struct counts *c)
{
	size_t n = 0;

	for (int k = 0; k < CALICO_KIND__COUNT; k++)
		if (k != CALICO_DIRECTORY)
			n += c->objects[k];
	return n;
}
