/*
 * Unit tests: the bbolt page reader and the mvcc layer (store/bbolt,
 * store/physnap) on byte buffers built here by hand, page by page, with the
 * layout of docs/physical-snapshots.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/bbolt.h"
#include "store/physnap.h"

#define PS 512
#define NPAGES 6

/* ---------------------------------------------------------------- a builder */

struct img {
	uint8_t b[NPAGES * PS + 32];
	size_t size;
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64be(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static void page_hdr(uint8_t *p, uint64_t id, uint16_t flags, uint16_t count)
{
	put64(p, id);
	put16(p + 8, flags);
	put16(p + 10, count);
	put32(p + 12, 0);
}

/* Meta page @idx at @p, for pages of @ps bytes. */
static void meta_page(uint8_t *p, int idx, uint32_t ps, uint64_t npages, uint64_t txid,
		      uint64_t root, uint64_t freelist)
{
	uint8_t *mp = p + 16;

	page_hdr(p, (uint64_t)idx, 0x04, 0);
	put32(mp, BBOLT_MAGIC);
	put32(mp + 4, BBOLT_VERSION);
	put32(mp + 8, ps);
	put32(mp + 12, 0);
	put64(mp + 16, root);
	put64(mp + 24, 0);
	put64(mp + 32, freelist);
	put64(mp + 40, npages);
	put64(mp + 48, txid);
	put64(mp + 56, bbolt_fnv64a(mp, 56));
}

static void meta(struct img *m, int idx, uint64_t txid, uint64_t root)
{
	meta_page(m->b + idx * PS, idx, PS, NPAGES, txid, root, 2);
}

struct kv {
	const uint8_t *k, *v;
	uint32_t klen, vlen, flags;
};

/* A leaf page (or inline page at @p) of @n items; returns its length. */
static size_t leaf(uint8_t *p, uint64_t id, const struct kv *items, uint16_t n)
{
	size_t data = 16 + (size_t)n * 16;

	page_hdr(p, id, 0x02, n);
	for (uint16_t i = 0; i < n; i++) {
		uint8_t *e = p + 16 + (size_t)i * 16;

		put32(e, items[i].flags);
		put32(e + 4, (uint32_t)(p + data - e));
		put32(e + 8, items[i].klen);
		put32(e + 12, items[i].vlen);
		memcpy(p + data, items[i].k, items[i].klen);
		memcpy(p + data + items[i].klen, items[i].v, items[i].vlen);
		data += items[i].klen + items[i].vlen;
	}
	return data;
}

/* A branch page at page @id over @children, whose first keys are @keys (@klen bytes). */
static void branch(struct img *m, uint64_t id, uint8_t (*keys)[18], size_t klen,
		   const uint64_t *children, uint16_t n)
{
	uint8_t *p = m->b + id * PS;
	size_t data = 16 + (size_t)n * 16;

	page_hdr(p, id, 0x01, n);
	for (uint16_t i = 0; i < n; i++) {
		uint8_t *e = p + 16 + (size_t)i * 16;

		put32(e, (uint32_t)(p + data - e));
		put32(e + 4, (uint32_t)klen);
		put64(e + 8, children[i]);
		memcpy(p + data, keys[i], klen);
		data += klen;
	}
}

static void revkey(uint8_t *out, uint64_t main_rev, uint64_t sub, bool tomb)
{
	put64be(out, main_rev);
	out[8] = '_';
	put64be(out + 9, sub);
	if (tomb)
		out[17] = 't';
}

/* mvccpb.KeyValue: key=1, create=2, mod=3, version=4, value=5 (all < 128). */
static size_t kvpb(uint8_t *out, const char *key, int create, int mod, int ver, const char *val)
{
	size_t n = 0, kl = strlen(key);

	out[n++] = 0x0a;
	out[n++] = (uint8_t)kl;
	memcpy(out + n, key, kl);
	n += kl;
	if (!val)
		return n;                   /* a tombstone's value holds only the key */
	out[n++] = 0x10;
	out[n++] = (uint8_t)create;
	out[n++] = 0x18;
	out[n++] = (uint8_t)mod;
	out[n++] = 0x20;
	out[n++] = (uint8_t)ver;
	out[n++] = 0x2a;
	out[n++] = (uint8_t)strlen(val);
	memcpy(out + n, val, strlen(val));
	return n + strlen(val);
}

/*
 * The store: /b=1 (rev 2), /a=x (3), /b=2 (4), /c=gone (5), delete /c (6),
 * compacted at 3, consistent index 42. Page 3 is the root bucket ("key" on
 * page 4, "meta" inline); page 4 a branch over the leaves on pages 5 (revs
 * 2-3) and 2 (revs 4-6). There is no freelist page (meta says UINT64_MAX).
 */
static uint8_t rk[6][18], vals[6][64];

static void build(struct img *m)
{
	static uint8_t meta_bucket[PS], key_bucket_hdr[16], ci[8], cr[17];
	static uint8_t first_keys[2][18];
	struct kv key_items[5], meta_items[2], root_items[2];
	const uint64_t children[2] = { 5, 2 };
	size_t lens[5], mlen;

	memset(m, 0, sizeof(*m));
	m->size = NPAGES * PS;
	meta(m, 0, 4, 3);
	meta(m, 1, 5, 3);
	revkey(rk[0], 2, 0, false);
	lens[0] = kvpb(vals[0], "/b", 2, 2, 1, "1");
	revkey(rk[1], 3, 0, false);
	lens[1] = kvpb(vals[1], "/a", 3, 3, 1, "x");
	revkey(rk[2], 4, 0, false);
	lens[2] = kvpb(vals[2], "/b", 2, 4, 2, "2");
	revkey(rk[3], 5, 0, false);
	lens[3] = kvpb(vals[3], "/c", 5, 5, 1, "gone");
	revkey(rk[4], 6, 0, true);
	lens[4] = kvpb(vals[4], "/c", 0, 0, 0, NULL);
	for (int i = 0; i < 5; i++)
		key_items[i] = (struct kv){ rk[i], vals[i], i == 4 ? 18 : 17, (uint32_t)lens[i], 0 };
	leaf(m->b + 5 * PS, 5, key_items, 2);
	leaf(m->b + 2 * PS, 2, key_items + 2, 3);
	memcpy(first_keys[0], rk[0], 17);
	memcpy(first_keys[1], rk[2], 17);
	branch(m, 4, first_keys, 17, children, 2);
	put64be(ci, 42);
	revkey(cr, 3, 0, false);
	meta_items[0] = (struct kv){ (const uint8_t *)"consistent_index", ci, 16, 8, 0 };
	meta_items[1] = (struct kv){ (const uint8_t *)"finishedCompactRev", cr, 18, 17, 0 };
	memset(meta_bucket, 0, 16);
	mlen = 16 + leaf(meta_bucket + 16, 0, meta_items, 2);
	put64(key_bucket_hdr, 4);
	root_items[0] = (struct kv){ (const uint8_t *)"key", key_bucket_hdr, 3, 16, 1 };
	root_items[1] = (struct kv){ (const uint8_t *)"meta", meta_bucket, 4, (uint32_t)mlen, 1 };
	leaf(m->b + 3 * PS, 3, root_items, 2);
	for (int i = 0; i < 2; i++) {
		uint8_t *mp = m->b + i * PS + 16;

		put64(mp + 32, UINT64_MAX);
		put64(mp + 56, bbolt_fnv64a(mp, 56));
	}
}

static enum dsck_err open_img(struct img *m, struct physnap *p, struct dsck_error *err)
{
	return physnap_open_mem(p, m->b, m->size, "test.db", err);
}

/* ---------------------------------------------------------------- a long history */

/*
 * A file of @nrec revisions over @nkeys keys, written in the order @shape
 * gives, packed into 8192-byte leaves under one branch page: enough records
 * for the entry array to fill up and be compacted several times. A model of
 * the store (last record of each key) says what must come out.
 */
#define BIG_PS 8192
#define BIG_ELEMS 96                   /* element slots reserved in each leaf */
#define BIG_LEAVES 240
#define BIG_KEYS_MAX 4096

enum shape { SHAPE_RANDOM, SHAPE_ORDERED, SHAPE_BATCHES };

struct model_key {
	int64_t create, mod, version;
	bool live;
};

struct big {
	uint8_t *b;
	size_t size, npages, used;         /* used: bytes of the current leaf */
	uint64_t leaf;                     /* current leaf page */
	uint16_t count;
	uint8_t first[BIG_LEAVES][17];     /* first revision key of each leaf */
	uint64_t leaves[BIG_LEAVES];
	size_t nleaves;
	struct model_key keys[BIG_KEYS_MAX];
};

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static void big_leaf_close(struct big *g)
{
	if (g->count)
		put16(g->b + g->leaf * BIG_PS + 10, g->count);
}

/* Append one revision record to the leaves (a new leaf when this one is full). */
static void big_add(struct big *g, const uint8_t *rev, size_t rlen, const uint8_t *kv, size_t kvlen)
{
	uint8_t *pg;

	/* Elements first, data after the slots reserved for them. */
	if (!g->count || g->count == BIG_ELEMS || g->used + rlen + kvlen > BIG_PS) {
		big_leaf_close(g);
		assert_true(g->nleaves < BIG_LEAVES);
		g->leaf = g->npages++;
		g->leaves[g->nleaves] = g->leaf;
		memcpy(g->first[g->nleaves++], rev, 17);
		page_hdr(g->b + g->leaf * BIG_PS, g->leaf, 0x02, 0);
		g->count = 0;
		g->used = 16 + BIG_ELEMS * 16;
	}
	pg = g->b + g->leaf * BIG_PS;
	put32(pg + 16 + g->count * 16, 0);
	put32(pg + 16 + g->count * 16 + 4, (uint32_t)(g->used - (16 + g->count * 16)));
	put32(pg + 16 + g->count * 16 + 8, (uint32_t)rlen);
	put32(pg + 16 + g->count * 16 + 12, (uint32_t)kvlen);
	memcpy(pg + g->used, rev, rlen);
	memcpy(pg + g->used + rlen, kv, kvlen);
	g->used += rlen + kvlen;
	g->count++;
}

static size_t put_varint(uint8_t *o, uint64_t v)
{
	size_t n = 0;

	do {
		o[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	return n;
}

/* A KeyValue with real varints (revisions here go past 127). */
static size_t big_kv(uint8_t *o, const char *key, const struct model_key *k, bool tomb, bool pad)
{
	size_t n = 0, kl = strlen(key);
	char val[32];

	if (pad) {                          /* an unknown field first: the key is found by decoding */
		o[n++] = 0x3a;
		n += put_varint(o + n, 200);
		memset(o + n, 'p', 200);
		n += 200;
	}
	o[n++] = 0x0a;
	o[n++] = (uint8_t)kl;
	memcpy(o + n, key, kl);
	n += kl;
	if (tomb)
		return n;
	o[n++] = 0x10;
	n += put_varint(o + n, (uint64_t)k->create);
	o[n++] = 0x18;
	n += put_varint(o + n, (uint64_t)k->mod);
	o[n++] = 0x20;
	n += put_varint(o + n, (uint64_t)k->version);
	snprintf(val, sizeof(val), "v%lld", (long long)k->mod);
	o[n++] = 0x2a;
	o[n++] = (uint8_t)strlen(val);
	memcpy(o + n, val, strlen(val));
	return n + strlen(val);
}

/* Which key revision @r writes. */
static unsigned big_pick(enum shape shape, uint32_t *seed, unsigned r, unsigned nrec, unsigned nkeys)
{
	switch (shape) {
	case SHAPE_ORDERED:
		return r % nkeys;
	case SHAPE_BATCHES: {
		/* Batches of 50 keys in key order, neighbouring batches committed out of order. */
		unsigned batch = r / 50, at = r % 50;

		if (r >= nrec - nrec / 10)
			return lcg(seed) % nkeys;   /* then some random updates */
		batch ^= (batch & 2) ? 1 : 0;
		return (batch * 50 + at) % nkeys;
	}
	case SHAPE_RANDOM:
		break;
	}
	/* Now and then the same key twice in a row. */
	return lcg(seed) % 8 == 0 && r ? (r - 1) % nkeys : lcg(seed) % nkeys;
}

static struct big *big_build(enum shape shape, unsigned nrec, unsigned nkeys, uint32_t seed)
{
	struct big *g = calloc(1, sizeof(*g));
	uint8_t rev[18], kv[512], bucket_hdr[16], meta_bucket[256];
	struct kv root_items[2];
	size_t mlen;

	g->b = calloc(BIG_PS, BIG_LEAVES + 4);
	g->npages = 4;                       /* 0, 1 meta; 2 root bucket; 3 branch of `key` */
	for (unsigned r = 0; r < nrec; r++) {
		unsigned k = big_pick(shape, &seed, r, nrec, nkeys);
		struct model_key *m = &g->keys[k];
		int64_t rv = (int64_t)r + 2;
		char key[16];
		bool tomb = shape == SHAPE_RANDOM && m->live && lcg(&seed) % 5 == 0;

		snprintf(key, sizeof(key), "/k/%05u", k);
		if (!tomb) {
			m->create = m->live ? m->create : rv;
			m->version = m->live ? m->version + 1 : 1;
			m->mod = rv;
		}
		m->live = !tomb;
		revkey(rev, (uint64_t)rv, 0, tomb);
		big_add(g, rev, tomb ? 18 : 17, kv, big_kv(kv, key, m, tomb, r % 7 == 3));
	}
	big_leaf_close(g);
	/* The branch of the `key` bucket over the leaves. */
	{
		uint8_t *p = g->b + 3 * BIG_PS;
		size_t data = 16 + g->nleaves * 16;

		assert_true(data + g->nleaves * 17 <= BIG_PS);
		page_hdr(p, 3, 0x01, (uint16_t)g->nleaves);
		for (size_t i = 0; i < g->nleaves; i++) {
			uint8_t *e = p + 16 + i * 16;

			put32(e, (uint32_t)(p + data - e));
			put32(e + 4, 17);
			put64(e + 8, g->leaves[i]);
			memcpy(p + data, g->first[i], 17);
			data += 17;
		}
	}
	/* The root bucket: `key` on page 3, `meta` inline and empty. */
	memset(meta_bucket, 0, sizeof(meta_bucket));
	mlen = 16 + leaf(meta_bucket + 16, 0, NULL, 0);
	put64(bucket_hdr, 3);
	put64(bucket_hdr + 8, 0);
	root_items[0] = (struct kv){ (const uint8_t *)"key", bucket_hdr, 3, 16, 1 };
	root_items[1] = (struct kv){ (const uint8_t *)"meta", meta_bucket, 4, (uint32_t)mlen, 1 };
	leaf(g->b + 2 * BIG_PS, 2, root_items, 2);
	for (int i = 0; i < 2; i++)
		meta_page(g->b + i * BIG_PS, i, BIG_PS, g->npages, (uint64_t)i + 1, 2, UINT64_MAX);
	g->size = g->npages * BIG_PS;
	return g;
}

static void check_history(enum shape shape, unsigned nrec, unsigned nkeys, uint32_t seed)
{
	struct big *g = big_build(shape, nrec, nkeys, seed);
	struct dsck_error err = DSCK_ERROR_INIT;
	struct physnap p;
	struct dsck_record r;
	size_t n = 0, live = 0;
	bool done;

	if (physnap_open_mem(&p, g->b, g->size, "big.db", &err) != DSCK_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(p.revisions, nrec);
	assert_int_equal(p.revision, nrec + 1);
	for (unsigned k = 0; k < nkeys; k++)
		live += g->keys[k].live;
	assert_int_equal(p.n, live);
	for (unsigned k = 0; k < nkeys; k++) {
		const struct model_key *m = &g->keys[k];
		char key[16], val[32];

		if (!m->live)
			continue;
		snprintf(key, sizeof(key), "/k/%05u", k);
		snprintf(val, sizeof(val), "v%lld", (long long)m->mod);
		physnap_next(&p, &r, &done);
		assert_false(done);
		assert_int_equal(r.key_len, strlen(key));
		assert_memory_equal(r.key, key, r.key_len);
		assert_int_equal(r.value_len, strlen(val));
		assert_memory_equal(r.value, val, r.value_len);
		assert_int_equal(r.create_revision, m->create);
		assert_int_equal(r.mod_revision, m->mod);
		assert_int_equal(r.version, m->version);
		n++;
	}
	physnap_next(&p, &r, &done);
	assert_true(done);
	assert_int_equal(n, live);
	assert_int_equal(physnap_count_prefix(&p, "/k/", 3), live);
	assert_int_equal(physnap_count_prefix(&p, "/k/0", 4), live);
	physnap_close(&p);
	free(g->b);
	free(g);
}

/*
 * The last record of each key, through the compactions of a full entry array:
 * keys in random order with rewrites and deletes (some KeyValues with the key
 * after an unknown field), a store loaded in key order, and batches committed
 * out of order then updated.
 */
static void test_long_history(void **state)
{
	(void)state;
	check_history(SHAPE_RANDOM, 6000, 1500, 1);
	check_history(SHAPE_RANDOM, 5000, 4000, 7);
	check_history(SHAPE_ORDERED, 4000, 4000, 0);
	check_history(SHAPE_ORDERED, 6000, 2500, 0);
	check_history(SHAPE_BATCHES, 6000, 3000, 3);
}

/* Make @g @npages long (pages past the tree are free space) and append the trailer. */
static void big_seal(struct big *g, size_t npages)
{
	unsigned int len = 0;

	for (int i = 0; i < 2; i++)
		meta_page(g->b + i * BIG_PS, i, BIG_PS, npages, (uint64_t)i + 1, 2, UINT64_MAX);
	g->npages = npages;
	g->size = npages * BIG_PS;
	EVP_Digest(g->b, g->size, g->b + g->size, &len, EVP_sha256(), NULL);
	g->size += 32;
}

/* Open @g as a file (mapped, as dsck reads one). */
static enum dsck_err big_open_file(const struct big *g, struct physnap *p, struct dsck_error *err)
{
	char path[] = "/tmp/test_physnap.XXXXXX";
	int fd = mkstemp(path);
	enum dsck_err rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, g->b, g->size), (ssize_t)g->size);
	close(fd);
	rc = physnap_open(p, path, err);
	unlink(path);
	return rc;
}

/*
 * A file past the size at which the SHA-256 and the mapping-in run on a
 * second thread during the walk: the trailer is checked, a damaged byte
 * that the walk never reads is caught by it, and a walk that fails reports
 * its own damage (the second thread stopped and joined).
 */
static void test_trailer_threaded(void **state)
{
	struct big *g = big_build(SHAPE_RANDOM, 3000, 1000, 5);
	struct dsck_error err = DSCK_ERROR_INIT;
	struct physnap p;
	size_t live = 0;

	(void)state;
	big_seal(g, BIG_LEAVES);
	assert_true(g->size > (1u << 20));
	for (unsigned k = 0; k < 1000; k++)
		live += g->keys[k].live;
	if (big_open_file(g, &p, &err) != DSCK_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(p.trailer, PHYSNAP_TRAILER_OK);
	assert_int_equal(p.n, live);
	physnap_close(&p);
	assert_int_equal(physnap_open_mem(&p, g->b, g->size, "big.db", &err), DSCK_OK);
	assert_int_equal(p.trailer, PHYSNAP_TRAILER_OK);
	physnap_close(&p);
	/* A byte of free space, after the tree: only the SHA-256 sees it. */
	g->b[(BIG_LEAVES - 1) * BIG_PS + 100] ^= 1;
	dsck_error_clear(&err);
	assert_int_equal(big_open_file(g, &p, &err), DSCK_ERR_INPUT);
	if (!strstr(err.msg, "SHA-256 trailer at offset"))
		fail_msg("%s", err.msg);
	physnap_close(&p);
	/* The walk fails first: its message, not the trailer's. */
	put64(g->b + 3 * BIG_PS + 16 + 8, 9999);
	dsck_error_clear(&err);
	assert_int_equal(big_open_file(g, &p, &err), DSCK_ERR_INPUT);
	if (!strstr(err.msg, "page 3 points to page 9999, outside"))
		fail_msg("%s", err.msg);
	physnap_close(&p);
	free(g->b);
	free(g);
}

/* ---------------------------------------------------------------- tests */

static void test_latest_record_per_key(void **state)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct physnap p;
	struct dsck_record r;
	struct img *m = malloc(sizeof(*m));
	bool done;

	(void)state;
	build(m);
	assert_int_equal(open_img(m, &p, &err), DSCK_OK);
	assert_int_equal(p.trailer, PHYSNAP_TRAILER_NONE);
	assert_int_equal(p.revision, 6);
	assert_int_equal(p.compact_revision, 3);
	assert_int_equal(p.consistent_index, 42);
	assert_int_equal(p.revisions, 5);
	assert_int_equal(p.tombstones, 1);
	assert_int_equal(p.n, 2);
	/* Key order, the last write of /b, /c deleted. */
	physnap_next(&p, &r, &done);
	assert_false(done);
	assert_int_equal(r.key_len, 2);
	assert_memory_equal(r.key, "/a", 2);
	assert_memory_equal(r.value, "x", 1);
	physnap_next(&p, &r, &done);
	assert_memory_equal(r.key, "/b", 2);
	assert_memory_equal(r.value, "2", 1);
	assert_int_equal(r.create_revision, 2);
	assert_int_equal(r.mod_revision, 4);
	assert_int_equal(r.version, 2);
	physnap_next(&p, &r, &done);
	assert_true(done);
	assert_int_equal(physnap_count_prefix(&p, "/b", 2), 1);
	assert_int_equal(physnap_count_prefix(&p, "/c", 2), 0);
	assert_int_equal(physnap_count_prefix(&p, "/", 1), 2);
	physnap_close(&p);
	free(m);
}

static void test_trailer(void **state)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct physnap p;
	struct img *m = malloc(sizeof(*m));
	unsigned int len = 0;

	(void)state;
	build(m);
	EVP_Digest(m->b, m->size, m->b + m->size, &len, EVP_sha256(), NULL);
	m->size += 32;
	assert_int_equal(open_img(m, &p, &err), DSCK_OK);
	assert_int_equal(p.trailer, PHYSNAP_TRAILER_OK);
	physnap_close(&p);
	m->b[m->size - 1] ^= 1;
	assert_int_equal(open_img(m, &p, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, "SHA-256 trailer"));
	physnap_close(&p);
	free(m);
}

/* Each damage: DSCK_ERR_INPUT and a message with @want in it. */
static void expect_damage(struct img *m, const char *want)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct physnap p;

	enum dsck_err rc = open_img(m, &p, &err);

	physnap_close(&p);
	assert_int_equal(rc, DSCK_ERR_INPUT);
	if (!strstr(err.msg, want))
		fail_msg("'%s' does not say '%s'", err.msg, want);
}

static void test_damage(void **state)
{
	struct img *m = malloc(sizeof(*m));

	(void)state;
	build(m);
	m->b[16 + 20] ^= 1;                              /* meta 0's root */
	expect_damage(m, "meta page 0 at offset 16: checksum");
	build(m);
	m->b[PS + 16] ^= 1;                              /* meta 1's magic */
	expect_damage(m, "meta page 1");
	build(m);
	m->size = 4 * PS;                                /* pages cut off */
	expect_damage(m, "truncated");
	build(m);
	m->size = 4 * PS + 7;
	expect_damage(m, "truncated");
	build(m);
	put64(m->b + 4 * PS + 16 + 8, 4);                /* branch -> itself */
	expect_damage(m, "page 4 (offset 2048) is reached twice");
	build(m);
	put64(m->b + 4 * PS + 16 + 8, 99);               /* out of range */
	expect_damage(m, "outside the database");
	build(m);
	put64(m->b + 4 * PS + 16 + 8, 3);                /* the root bucket's page again */
	expect_damage(m, "reached twice");
	build(m);
	put16(m->b + 5 * PS + 8, 0x10);                  /* a freelist page in the tree */
	expect_damage(m, "page 5 at offset 2560: type 0x10");
	build(m);
	put64(m->b + 5 * PS, 7);                         /* the page's own id */
	expect_damage(m, "carries the id 7");
	build(m);
	put32(m->b + 5 * PS + 16 + 12, 4000);            /* value size past the page */
	expect_damage(m, "past the page's end");
	build(m);
	put16(m->b + 5 * PS + 10, 200);                  /* element count */
	expect_damage(m, "do not fit");
	build(m);
	memcpy(m->b + 3 * PS + 16 + 2 * 16, "kez", 3);   /* no `key` bucket (order kept) */
	expect_damage(m, "not an etcd v3 backend file");
	build(m);
	put64(m->b + 4 * PS + 16 + 8, 2);                /* the leaves swapped in the branch */
	put64(m->b + 4 * PS + 16 + 16 + 8, 5);
	expect_damage(m, "page 5, element 0 at offset 2608: key not after the previous page's");
	build(m);
	memcpy(m->b + 5 * PS + 16 + 2 * 16, rk[1], 17);   /* leaf keys swapped */
	memcpy(m->b + 5 * PS + 16 + 2 * 16 + 17 + 13, rk[0], 17);
	expect_damage(m, "out of order");
	free(m);
}

static void test_mvcc_damage(void **state)
{
	struct img *m = malloc(sizeof(*m));
	uint8_t *rev0 = NULL;

	(void)state;
	build(m);
	rev0 = memmem(m->b + 5 * PS, PS, rk[0], 17);
	assert_non_null(rev0);
	rev0[8] = '-';                                   /* not a revision key */
	expect_damage(m, "revision key");
	build(m);
	rev0 = memmem(m->b + 5 * PS, PS, rk[0], 17);
	rev0[17 + 1] = 40;                               /* KeyValue key length past the end */
	expect_damage(m, "not an mvccpb.KeyValue");
	build(m);
	rev0 = memmem(m->b + 5 * PS, PS, rk[0], 17);
	rev0[17 + 2 + 2 + 3] = 9;                        /* mod_revision != the key's 2 */
	expect_damage(m, "do not match its revision key");
	free(m);
}

static void test_decode_kv(void **state)
{
	struct dsck_record r;
	static const uint8_t ok[] = { 0x0a, 1, 'k', 0x30, 0x96, 0x01, 0x2a, 0 };
	static const uint8_t unknown[] = { 0x0a, 1, 'k', 0x3a, 2, 'x', 'y', 0x45, 1, 2, 3, 4 };
	static const uint8_t long_varint[] = { 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff, 0xff };
	static const uint8_t group[] = { 0x0b };
	static const uint8_t wrong_type[] = { 0x08, 1 };   /* key as a varint */
	static const uint8_t field0[] = { 0x02, 0 };

	(void)state;
	assert_int_equal(physnap_decode_kv(ok, sizeof(ok), &r), DSCK_OK);
	assert_int_equal(r.lease, 150);
	assert_int_equal(r.value_len, 0);
	assert_non_null(r.value);
	assert_int_equal(physnap_decode_kv(unknown, sizeof(unknown), &r), DSCK_OK);
	assert_int_equal(r.key_len, 1);
	assert_int_equal(physnap_decode_kv(long_varint, sizeof(long_varint), &r), DSCK_ERR_INPUT);
	assert_int_equal(physnap_decode_kv(ok, 5, &r), DSCK_ERR_INPUT);    /* cut in a varint */
	assert_int_equal(physnap_decode_kv(group, sizeof(group), &r), DSCK_ERR_INPUT);
	assert_int_equal(physnap_decode_kv(wrong_type, sizeof(wrong_type), &r), DSCK_ERR_INPUT);
	assert_int_equal(physnap_decode_kv(field0, sizeof(field0), &r), DSCK_ERR_INPUT);
}

static void test_looks_like(void **state)
{
	struct img *m = malloc(sizeof(*m));

	(void)state;
	build(m);
	assert_true(bbolt_looks_like(m->b, m->size));
	assert_false(bbolt_looks_like(m->b, 40));
	assert_false(bbolt_looks_like((const uint8_t *)"{\"dsck_snapshot\":1,\"api\":\"v3\"}\n"
						       "..............................................",
				      80));
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latest_record_per_key),
		cmocka_unit_test(test_trailer),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_mvcc_damage),
		cmocka_unit_test(test_decode_kv),
		cmocka_unit_test(test_looks_like),
		cmocka_unit_test(test_long_history),
		cmocka_unit_test(test_trailer_threaded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
