#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/physnap.h"

/* The mvcc layout (docs/physical-snapshots.md, "etcd mvcc"). */
#define REV_LEN 17                 /* 8-byte main, '_', 8-byte sub, big-endian */
#define TOMBSTONE 't'
#define TRAILER_ALIGN 512          /* a bbolt file is whole pages; the trailer is what is left */

static const char key_bucket[] = "key", meta_bucket[] = "meta", auth_bucket[] = "auth";

static bool name_is(const uint8_t *p, size_t n, const char *want)
{
	return n == strlen(want) && memcmp(p, want, n) == 0;
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---------------------------------------------------------------- mvccpb.KeyValue */

static bool varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64 && *p < end; shift += 7) {
		uint8_t b = *(*p)++;

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

enum dsck_err physnap_decode_kv(const uint8_t *p, size_t n, struct dsck_record *rec)
{
	const uint8_t *end = p + n;
	uint64_t tag, v;

	memset(rec, 0, sizeof(*rec));
	rec->value = "";
	while (p < end) {
		if (!varint(&p, end, &tag) || tag >> 3 == 0 || tag >> 3 > INT32_MAX)
			return DSCK_ERR_INPUT;
		switch (tag & 7) {
		case 0:
			if (!varint(&p, end, &v))
				return DSCK_ERR_INPUT;
			switch (tag >> 3) {
			case 2: rec->create_revision = (int64_t)v; break;
			case 3: rec->mod_revision = (int64_t)v; break;
			case 4: rec->version = (int64_t)v; break;
			case 6: rec->lease = (int64_t)v; break;
			case 1: case 5: return DSCK_ERR_INPUT;
			}
			break;
		case 2:
			if (!varint(&p, end, &v) || v > (uint64_t)(end - p))
				return DSCK_ERR_INPUT;
			if (tag >> 3 == 1) {
				rec->key = (const char *)p;
				rec->key_len = (size_t)v;
			} else if (tag >> 3 == 5) {
				rec->value = (const char *)p;
				rec->value_len = (size_t)v;
			} else if (tag >> 3 <= 6) {
				return DSCK_ERR_INPUT;
			}
			p += v;
			break;
		case 1:
		case 5:
			if ((tag >> 3) <= 6 || (size_t)(end - p) < ((tag & 7) == 1 ? 8u : 4u))
				return DSCK_ERR_INPUT;
			p += (tag & 7) == 1 ? 8 : 4;
			break;
		default:
			return DSCK_ERR_INPUT;
		}
	}
	return DSCK_OK;
}

/* ---------------------------------------------------------------- the key index */

#define NO_ENTRY UINT32_MAX

struct index {
	uint32_t *slot;                /* position in p->v, or NO_ENTRY */
	size_t cap;                    /* a power of two */
	size_t alloc;                  /* of p->v */
};

static enum dsck_err index_grow(struct physnap *p, struct index *ix, struct dsck_error *err)
{
	size_t cap = ix->cap ? ix->cap * 2 : 1024;
	uint32_t *slot = malloc(cap * sizeof(*slot));

	if (!slot)
		return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory indexing %zu keys", p->n);
	memset(slot, 0xff, cap * sizeof(*slot));
	for (size_t i = 0; i < p->n; i++) {
		size_t h = bbolt_fnv64a(p->v[i].key, p->v[i].key_len) & (cap - 1);

		while (slot[h] != NO_ENTRY)
			h = (h + 1) & (cap - 1);
		slot[h] = (uint32_t)i;
	}
	free(ix->slot);
	ix->slot = slot;
	ix->cap = cap;
	return DSCK_OK;
}

/* The entry of @key, created empty when new. */
static enum dsck_err index_get(struct physnap *p, struct index *ix, const uint8_t *key,
			       size_t key_len, struct physnap_entry **out, struct dsck_error *err)
{
	size_t h;
	enum dsck_err rc;

	if (p->n >= ix->cap / 2 && (rc = index_grow(p, ix, err)))
		return rc;
	for (h = bbolt_fnv64a(key, key_len) & (ix->cap - 1); ix->slot[h] != NO_ENTRY;
	     h = (h + 1) & (ix->cap - 1)) {
		struct physnap_entry *e = &p->v[ix->slot[h]];

		if (e->key_len == key_len && memcmp(e->key, key, key_len) == 0) {
			*out = e;
			return DSCK_OK;
		}
	}
	if (p->n == ix->alloc) {
		size_t alloc = ix->alloc ? ix->alloc * 2 : 1024;
		struct physnap_entry *v = alloc < NO_ENTRY ? realloc(p->v, alloc * sizeof(*v)) : NULL;

		if (!v)
			return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory indexing %zu keys", p->n);
		p->v = v;
		ix->alloc = alloc;
	}
	ix->slot[h] = (uint32_t)p->n;
	*out = &p->v[p->n++];
	memset(*out, 0, sizeof(**out));
	(*out)->key = key;
	(*out)->key_len = (uint32_t)key_len;
	return DSCK_OK;
}

/* ---------------------------------------------------------------- reading the buckets */

struct reader {
	struct physnap *p;
	struct index ix;
	int64_t last_main;
	bool have_key, have_meta;      /* the buckets every etcd backend has */
};

static enum dsck_err bad(const struct physnap *p, const struct bbolt_item *it,
			 struct dsck_error *err, const char *what)
{
	return dsck_fail(err, DSCK_ERR_INPUT, "%s: bucket '%.*s', page %llu, offset %zu: %s",
			 p->path, (int)it->bucket_len, (const char *)it->bucket,
			 (unsigned long long)it->page, it->offset, what);
}

static enum dsck_err on_revision(struct reader *r, const struct bbolt_item *it,
				 struct dsck_error *err)
{
	struct physnap *p = r->p;
	struct physnap_entry *e;
	struct dsck_record kv;
	int64_t main_rev, sub_rev;
	bool tomb;
	enum dsck_err rc;

	if (it->is_bucket)
		return bad(p, it, err, "a nested bucket where revisions belong");
	if ((it->key_len != REV_LEN && it->key_len != REV_LEN + 1) || it->key[8] != '_' ||
	    (it->key_len == REV_LEN + 1 && it->key[REV_LEN] != TOMBSTONE))
		return bad(p, it, err, "revision key is not 8 bytes, '_', 8 bytes (+ 't')");
	tomb = it->key_len == REV_LEN + 1;
	main_rev = (int64_t)be64(it->key);
	sub_rev = (int64_t)be64(it->key + 9);
	if (main_rev < 1 || sub_rev < 0)
		return bad(p, it, err, "revision out of range");
	if (physnap_decode_kv(it->value, it->value_len, &kv) || !kv.key || !kv.key_len)
		return bad(p, it, err, "the value is not an mvccpb.KeyValue with a key");
	if (!tomb && (kv.mod_revision != main_rev || kv.create_revision < 1 ||
		      kv.create_revision > kv.mod_revision || kv.version < 1 || kv.lease < 0))
		return bad(p, it, err, "the KeyValue's revisions do not match its revision key");
	if ((rc = index_get(p, &r->ix, (const uint8_t *)kv.key, kv.key_len, &e, err)))
		return rc;
	/* Revision order: a later record of the same key replaces the earlier one. */
	e->kv = tomb ? NULL : it->value;
	e->kv_len = (uint32_t)it->value_len;
	p->revisions++;
	p->tombstones += tomb;
	r->last_main = main_rev;
	return DSCK_OK;
}

static enum dsck_err on_meta(struct reader *r, const struct bbolt_item *it,
			     struct dsck_error *err)
{
	struct physnap *p = r->p;
	int64_t *rev = NULL;

	if (name_is(it->key, it->key_len, "consistent_index")) {
		if (it->value_len != 8)
			return bad(p, it, err, "consistent_index is not 8 bytes");
		p->consistent_index = be64(it->value);
	} else if (name_is(it->key, it->key_len, "finishedCompactRev")) {
		rev = &p->compact_revision;
	} else if (name_is(it->key, it->key_len, "scheduledCompactRev")) {
		rev = &p->scheduled_compact_revision;
	}
	if (rev) {
		if (it->value_len != REV_LEN || it->value[8] != '_' || (int64_t)be64(it->value) < 0)
			return bad(p, it, err, "compaction revision is not a revision");
		*rev = (int64_t)be64(it->value);
	}
	return DSCK_OK;
}

static enum dsck_err visit(void *ctx, const struct bbolt_item *it, struct dsck_error *err)
{
	struct reader *r = ctx;

	if (it->depth == 0) {
		if (!it->is_bucket)
			return bad(r->p, it, err, "a plain key in the root bucket (etcd keeps only "
				   "buckets there)");
		r->p->buckets++;
		r->have_key |= name_is(it->key, it->key_len, key_bucket);
		r->have_meta |= name_is(it->key, it->key_len, meta_bucket);
		return DSCK_OK;
	}
	if (it->depth != 1)
		return DSCK_OK;
	if (name_is(it->bucket, it->bucket_len, key_bucket))
		return on_revision(r, it, err);
	if (name_is(it->bucket, it->bucket_len, meta_bucket))
		return on_meta(r, it, err);
	if (name_is(it->bucket, it->bucket_len, auth_bucket) &&
	    name_is(it->key, it->key_len, "authEnabled"))
		r->p->auth_enabled = it->value_len == 1 && it->value[0] == 1;
	return DSCK_OK;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct physnap_entry *x = a, *y = b;

	return record_key_cmp((const char *)x->key, x->key_len, (const char *)y->key, y->key_len);
}

/* ---------------------------------------------------------------- the file */

static enum dsck_err check_trailer(struct physnap *p, const uint8_t *data, size_t size,
				   struct dsck_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (!EVP_Digest(data, size, md, &mdlen, EVP_sha256(), NULL) || mdlen != PHYSNAP_TRAILER)
		return dsck_fail(err, DSCK_ERR_NOMEM, "%s: cannot compute SHA-256", p->path);
	if (memcmp(md, data + size, PHYSNAP_TRAILER) != 0)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: the SHA-256 trailer at offset %zu does not "
				 "match the %zu bytes before it (damaged, or changed after etcdctl "
				 "wrote it)", p->path, size, size);
	p->trailer = PHYSNAP_TRAILER_OK;
	return DSCK_OK;
}

enum dsck_err physnap_open_mem(struct physnap *p, const uint8_t *data, size_t size,
			       const char *name, struct dsck_error *err)
{
	struct reader r = { .p = p };
	size_t db_size = size, live = 0;
	enum dsck_err rc;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (!(p->path = strdup(name)))
		return dsck_oom(err);
	if (size % TRAILER_ALIGN == PHYSNAP_TRAILER)
		db_size = size - PHYSNAP_TRAILER;
	else if (size % TRAILER_ALIGN)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: %zu bytes is neither whole pages nor whole "
				 "pages plus a 32-byte SHA-256 trailer (truncated?)", name, size);
	if ((rc = bbolt_open(&p->db, data, db_size, p->path, err)) ||
	    (rc = bbolt_walk(&p->db, visit, &r, err)))
		goto out;
	if (!r.have_key || !r.have_meta) {
		rc = dsck_fail(err, DSCK_ERR_INPUT, "%s: a bbolt file without the '%s' and '%s' "
			       "buckets: not an etcd v3 backend file", p->path, key_bucket, meta_bucket);
		goto out;
	}
	if (db_size != size && (rc = check_trailer(p, data, db_size, err)))
		goto out;
	p->revision = r.last_main > p->compact_revision ? r.last_main : p->compact_revision;
	/* Keys whose last record is a tombstone are gone; the rest in key order. */
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kv)
			p->v[live++] = p->v[i];
	p->n = live;
	if (p->n)
		qsort(p->v, p->n, sizeof(*p->v), entry_cmp);
out:
	free(r.ix.slot);
	return rc;
}

bool physnap_detect(const char *path)
{
	uint8_t head[96];
	struct stat st;
	ssize_t n;
	int fd;

	/* Only a regular file can be mapped; a pipe is not even opened here. */
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	return n > 0 && bbolt_looks_like(head, (size_t)n);
}

enum dsck_err physnap_open(struct physnap *p, const char *path, struct dsck_error *err)
{
	struct stat st;
	void *map;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	enum dsck_err rc;

	memset(p, 0, sizeof(*p));
	p->fd = -1;
	if (fd < 0)
		return dsck_fail(err, DSCK_ERR_IO, "%s: cannot open: %m", path);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		close(fd);
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: not a regular, non-empty file", path);
	}
	/* Every page is read anyway (the walk, the SHA-256): fault them in at once. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return dsck_fail(err, DSCK_ERR_IO, "%s: cannot map: %m", path);
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	rc = physnap_open_mem(p, map, (size_t)st.st_size, path, err);
	p->fd = fd;
	p->map = map;
	p->map_size = (size_t)st.st_size;
	return rc;
}

void physnap_next(struct physnap *p, struct dsck_record *rec, bool *done)
{
	const struct physnap_entry *e;

	*done = p->next >= p->n;
	if (*done)
		return;
	e = &p->v[p->next++];
	/* Checked when the file was opened. */
	physnap_decode_kv(e->kv, e->kv_len, rec);
}

void physnap_rewind(struct physnap *p)
{
	p->next = 0;
}

size_t physnap_count_prefix(const struct physnap *p, const char *prefix, size_t len)
{
	size_t lo = 0, hi = p->n, n = 0;

	/* The first key not below @prefix, then the run of keys that start with it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (record_key_cmp((const char *)p->v[mid].key, p->v[mid].key_len, prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + n < p->n && p->v[lo + n].key_len >= len &&
	       memcmp(p->v[lo + n].key, prefix, len) == 0)
		n++;
	return n;
}

void physnap_close(struct physnap *p)
{
	bbolt_release(&p->db);
	free(p->v);
	free(p->path);
	if (p->map)
		munmap(p->map, p->map_size);
	if (p->fd >= 0)
		close(p->fd);
	memset(p, 0, sizeof(*p));
	p->fd = -1;
}
