#include <stdlib.h>
#include <string.h>

#include "store/bbolt.h"

/* Page and meta layout (docs/physical-snapshots.md, "bbolt"). */
#define PAGE_HDR 16
#define ELEM_SIZE 16
#define META_SIZE 64
#define META_SUMMED 56            /* the checksum covers the fields before it */
#define FLAG_BRANCH 0x01
#define FLAG_LEAF 0x02
#define FLAG_META 0x04
#define LEAF_BUCKET 0x01
#define BUCKET_HDR 16             /* root page id, sequence */
#define NO_FREELIST UINT64_MAX
#define PAGE_SIZE_MIN 512u
#define PAGE_SIZE_MAX (1u << 20)
/* Deeper than any real file: bounds the recursion on a hostile one. */
#define TREE_DEPTH_MAX 32
#define BUCKET_DEPTH_MAX 8

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

uint64_t bbolt_fnv64a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

bool bbolt_looks_like(const uint8_t *data, size_t size)
{
	return size >= PAGE_HDR + META_SIZE && le16(data + 8) == FLAG_META &&
	       le32(data + PAGE_HDR) == BBOLT_MAGIC;
}

struct meta {
	uint32_t page_size;
	uint64_t root, freelist, npages, txid;
};

/* Meta page @idx at @off: the page header, magic, version and checksum. */
static enum dsck_err meta_read(const struct bbolt *db, int idx, size_t off, struct meta *m,
			       struct dsck_error *err)
{
	const uint8_t *p, *mp;

	if (off > db->size || db->size - off < PAGE_HDR + META_SIZE)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d at offset %zu is past the "
				 "end of the file (%zu bytes): truncated?", db->name, idx, off, db->size);
	p = db->data + off;
	mp = p + PAGE_HDR;
	if (le64(p) != (uint64_t)idx || le16(p + 8) != FLAG_META)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d at offset %zu: the page header "
				 "does not describe meta page %d", db->name, idx, off, idx);
	if (le32(mp) != BBOLT_MAGIC)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d at offset %zu: bad magic "
				 "0x%08x (not a bbolt file)", db->name, idx, off + PAGE_HDR, le32(mp));
	if (le32(mp + 4) != BBOLT_VERSION)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d at offset %zu: bbolt format "
				 "version %u, expected %u", db->name, idx, off + PAGE_HDR + 4,
				 le32(mp + 4), BBOLT_VERSION);
	if (le64(mp + META_SUMMED) != bbolt_fnv64a(mp, META_SUMMED))
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d at offset %zu: checksum "
				 "mismatch (the page is damaged)", db->name, idx, off + PAGE_HDR);
	m->page_size = le32(mp + 8);
	m->root = le64(mp + 16);
	m->freelist = le64(mp + 32);
	m->npages = le64(mp + 40);
	m->txid = le64(mp + 48);
	if (m->page_size < PAGE_SIZE_MIN || m->page_size > PAGE_SIZE_MAX ||
	    (m->page_size & (m->page_size - 1)))
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d at offset %zu: page size %u "
				 "is not a power of two in [%u, %u]", db->name, idx, off + PAGE_HDR + 8,
				 m->page_size, PAGE_SIZE_MIN, PAGE_SIZE_MAX);
	return DSCK_OK;
}

enum dsck_err bbolt_open(struct bbolt *db, const uint8_t *data, size_t size, const char *name,
			 struct dsck_error *err)
{
	struct meta m[2], *use;

	memset(db, 0, sizeof(*db));
	db->data = data;
	db->size = size;
	db->name = name;
	/*
	 * bbolt itself falls back to the other meta page when one is damaged; a
	 * backup with a damaged meta page is refused instead (both are written
	 * whole by a snapshot and by a clean shutdown).
	 */
	if (meta_read(db, 0, 0, &m[0], err) || meta_read(db, 1, m[0].page_size, &m[1], err))
		return DSCK_ERR_INPUT;
	if (m[1].page_size != m[0].page_size)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta pages disagree on the page size (%u, "
				 "%u)", name, m[0].page_size, m[1].page_size);
	db->meta = m[1].txid > m[0].txid;
	use = &m[db->meta];
	db->page_size = use->page_size;
	db->npages = use->npages;
	db->txid = use->txid;
	db->root = use->root;
	db->freelist = use->freelist;
	if (db->npages > size / db->page_size)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d says %llu pages of %u bytes, "
				 "but the database has only %zu bytes (truncated?)", name, db->meta,
				 (unsigned long long)db->npages, db->page_size, size);
	if (db->root < 2 || db->root >= db->npages)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d: root page %llu is out of "
				 "range [2, %llu)", name, db->meta, (unsigned long long)db->root,
				 (unsigned long long)db->npages);
	if (db->freelist != NO_FREELIST && (db->freelist < 2 || db->freelist >= db->npages))
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: meta page %d: freelist page %llu is out of "
				 "range", name, db->meta, (unsigned long long)db->freelist);
	db->seen = calloc((size_t)(db->npages + 7) / 8, 1);
	if (!db->seen)
		return dsck_oom(err);
	return DSCK_OK;
}

void bbolt_release(struct bbolt *db)
{
	free(db->seen);
	db->seen = NULL;
}

/* ---------------------------------------------------------------- the walk */

struct walk {
	struct bbolt *db;
	bbolt_visit_fn fn;
	void *ctx;
};

/* Keys already seen in one bucket: each must come after the last. */
struct order {
	const uint8_t *last;
	size_t last_len;
	bool have;
};

static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

static size_t off_of(const struct walk *w, const uint8_t *p)
{
	return (size_t)(p - w->db->data);
}

/* Page @pgid as a child of page @parent: in range, its own id, reached only once. */
static enum dsck_err load_page(struct walk *w, uint64_t pgid, uint64_t parent,
			       const uint8_t **pg, size_t *avail, struct dsck_error *err)
{
	struct bbolt *db = w->db;
	const uint8_t *p;
	uint64_t overflow;

	if (pgid < 2 || pgid >= db->npages)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu points to page %llu, outside "
				 "the database's %llu pages", db->name, (unsigned long long)parent,
				 (unsigned long long)pgid, (unsigned long long)db->npages);
	p = db->data + pgid * db->page_size;
	if (le64(p) != pgid)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu at offset %zu carries the id "
				 "%llu (damaged page or wrong pointer in page %llu)", db->name,
				 (unsigned long long)pgid, off_of(w, p), (unsigned long long)le64(p),
				 (unsigned long long)parent);
	overflow = le32(p + 12);
	if (overflow >= db->npages - pgid)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu at offset %zu: %llu overflow "
				 "pages run past the end of the database", db->name,
				 (unsigned long long)pgid, off_of(w, p), (unsigned long long)overflow);
	for (uint64_t i = pgid; i <= pgid + overflow; i++) {
		if (db->seen[i / 8] & (1u << (i % 8)))
			return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu (offset %llu) is reached "
					 "twice, via page %llu (a cycle or a shared page)", db->name,
					 (unsigned long long)i,
					 (unsigned long long)(i * db->page_size), (unsigned long long)parent);
		db->seen[i / 8] |= (uint8_t)(1u << (i % 8));
	}
	db->pages_reached += (size_t)overflow + 1;
	*pg = p;
	*avail = (size_t)(overflow + 1) * db->page_size;
	return DSCK_OK;
}

static enum dsck_err walk_bucket(struct walk *w, const uint8_t *name, size_t name_len,
				 const uint8_t *value, size_t value_len, uint64_t parent, int depth,
				 struct dsck_error *err);

/* One page of a bucket's tree and, through branches, the pages below it. */
static enum dsck_err walk_page(struct walk *w, const uint8_t *pg, size_t avail, uint64_t pgid,
			       const uint8_t *bname, size_t bname_len, int depth, int level,
			       struct order *ord, struct dsck_error *err)
{
	const char *name = w->db->name;
	uint16_t flags = le16(pg + 8), count = le16(pg + 10);
	size_t at = off_of(w, pg);
	const uint8_t *prev = NULL;
	size_t prev_len = 0;
	enum dsck_err rc;

	if (level > TREE_DEPTH_MAX)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu at offset %zu: tree deeper than "
				 "%d levels", name, (unsigned long long)pgid, at, TREE_DEPTH_MAX);
	if (flags != FLAG_BRANCH && flags != FLAG_LEAF)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu at offset %zu: type 0x%x where "
				 "a branch or leaf page belongs", name, (unsigned long long)pgid, at,
				 flags);
	if ((size_t)count * ELEM_SIZE > avail - PAGE_HDR)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu at offset %zu: %u elements do "
				 "not fit in %zu bytes", name, (unsigned long long)pgid, at, count, avail);
	if (flags == FLAG_BRANCH && count == 0)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu at offset %zu: empty branch page",
				 name, (unsigned long long)pgid, at);
	/* The whole page first: bounds and order before anything is visited. */
	for (uint16_t i = 0; i < count; i++) {
		const uint8_t *e = pg + PAGE_HDR + (size_t)i * ELEM_SIZE;
		uint64_t eoff = PAGE_HDR + (uint64_t)i * ELEM_SIZE;
		uint64_t kpos = eoff + le32(e + (flags == FLAG_LEAF ? 4 : 0));
		uint64_t ksize = le32(e + (flags == FLAG_LEAF ? 8 : 4));
		uint64_t vsize = flags == FLAG_LEAF ? le32(e + 12) : 0;
		const uint8_t *key = pg + kpos;

		if (kpos + ksize + vsize > avail)
			return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu, element %u at offset %zu: "
					 "key/value (%llu + %llu bytes at +%llu) past the page's end",
					 name, (unsigned long long)pgid, i, at + (size_t)eoff,
					 (unsigned long long)ksize, (unsigned long long)vsize,
					 (unsigned long long)kpos);
		if (prev && key_cmp(prev, prev_len, key, ksize) >= 0)
			return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu, element %u at offset %zu: "
					 "key out of order", name, (unsigned long long)pgid, i,
					 at + (size_t)kpos);
		prev = key;
		prev_len = ksize;
	}
	for (uint16_t i = 0; i < count; i++) {
		const uint8_t *e = pg + PAGE_HDR + (size_t)i * ELEM_SIZE;
		size_t kpos = PAGE_HDR + (size_t)i * ELEM_SIZE + le32(e + (flags == FLAG_LEAF ? 4 : 0));
		size_t ksize = le32(e + (flags == FLAG_LEAF ? 8 : 4));
		const uint8_t *key = pg + kpos;

		if (flags == FLAG_BRANCH) {
			const uint8_t *child;
			size_t child_avail;

			if ((rc = load_page(w, le64(e + 8), pgid, &child, &child_avail, err)) ||
			    (rc = walk_page(w, child, child_avail, le64(e + 8), bname, bname_len, depth,
					    level + 1, ord, err)))
				return rc;
			continue;
		}
		/* Leaves: the order holds across every page of the bucket (within one: above). */
		if (i == 0 && ord->have && key_cmp(ord->last, ord->last_len, key, ksize) >= 0)
			return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu, element %u at offset %zu: "
					 "key not after the previous page's keys", name,
					 (unsigned long long)pgid, i, at + kpos);
		ord->last = key;
		ord->last_len = ksize;
		ord->have = true;

		struct bbolt_item it = {
			.bucket = bname, .bucket_len = bname_len, .key = key, .key_len = ksize,
			.value = key + ksize, .value_len = le32(e + 12),
			.is_bucket = le32(e) & LEAF_BUCKET, .page = pgid,
			.offset = at + kpos + ksize, .depth = depth,
		};
		if ((rc = w->fn(w->ctx, &it, err)))
			return rc;
		if (it.is_bucket &&
		    (rc = walk_bucket(w, key, ksize, it.value, it.value_len, pgid, depth + 1, err)))
			return rc;
	}
	return DSCK_OK;
}

/* A nested bucket: its header, then its own tree (on pages, or inline in the value). */
static enum dsck_err walk_bucket(struct walk *w, const uint8_t *name, size_t name_len,
				 const uint8_t *value, size_t value_len, uint64_t parent, int depth,
				 struct dsck_error *err)
{
	struct order ord = { 0 };
	const uint8_t *pg;
	size_t avail;
	uint64_t root;
	enum dsck_err rc;

	if (depth > BUCKET_DEPTH_MAX)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: buckets nested deeper than %d (page %llu)",
				 w->db->name, BUCKET_DEPTH_MAX, (unsigned long long)parent);
	if (value_len < BUCKET_HDR)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu, offset %zu: bucket header of "
				 "%zu bytes, expected %d", w->db->name, (unsigned long long)parent,
				 off_of(w, value), value_len, BUCKET_HDR);
	root = le64(value);
	if (root) {
		if ((rc = load_page(w, root, parent, &pg, &avail, err)))
			return rc;
		return walk_page(w, pg, avail, root, name, name_len, depth, 0, &ord, err);
	}
	/* An inline bucket: a small leaf page stored in the value itself. */
	pg = value + BUCKET_HDR;
	avail = value_len - BUCKET_HDR;
	if (avail < PAGE_HDR || le16(pg + 8) != FLAG_LEAF)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: page %llu, offset %zu: inline bucket "
				 "without a leaf page", w->db->name, (unsigned long long)parent,
				 off_of(w, pg));
	return walk_page(w, pg, avail, parent, name, name_len, depth, 0, &ord, err);
}

enum dsck_err bbolt_walk(struct bbolt *db, bbolt_visit_fn fn, void *ctx, struct dsck_error *err)
{
	struct walk w = { .db = db, .fn = fn, .ctx = ctx };
	struct order ord = { 0 };
	const uint8_t *pg;
	size_t avail;
	enum dsck_err rc;

	if ((rc = load_page(&w, db->root, (uint64_t)db->meta, &pg, &avail, err)))
		return rc;
	return walk_page(&w, pg, avail, db->root, NULL, 0, 0, 0, &ord, err);
}
