#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/thread.h"
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

/* ---------------------------------------------------------------- the last record of each key */

/*
 * Records come in revision order and are appended to p->v, cut as they come
 * into runs of strictly increasing keys (a run ends where a key is not above
 * the one before it). Compacting merges adjacent runs, older into newer,
 * until one is left: a key in both keeps only its newer record; then the
 * tombstones go. A store written in key order is a few long runs and costs
 * next to nothing; the cost grows with the disorder. Compaction runs when
 * p->v is full and once at the end, so memory follows the number of keys,
 * not the length of the history (docs/physical-snapshots.md, "Memory and
 * time").
 */
#define ENTRIES_MIN 1024
#define ENTRIES_MAX UINT32_MAX         /* run starts are 32-bit */
#define ENTRY_KEY_OFF_MAX 127          /* the bit fields of struct physnap_entry */
#define ENTRY_KEY_LEN_MAX ((1u << 24) - 1)

struct latest {
	size_t cap;                    /* entries allocated in p->v */
	uint32_t *run;                 /* where each run starts in p->v */
	size_t nrun, run_cap;
	bool tombs;                    /* a tombstone may be in p->v */
	struct physnap_entry *tmp;     /* merge space: a copy of the older run */
	size_t tmp_cap;
};

static const uint8_t *entry_key(const struct physnap_entry *e, size_t *len)
{
	struct dsck_record kv;

	if (e->key_off) {
		*len = e->key_len;
		return e->kv + e->key_off;
	}
	/* A key not at the start of its KeyValue, or a huge one: checked on the way in. */
	physnap_decode_kv(e->kv, e->kv_len, &kv);
	*len = kv.key_len;
	return (const uint8_t *)kv.key;
}

static int entry_cmp(const struct physnap_entry *a, const struct physnap_entry *b)
{
	size_t alen, blen;
	const uint8_t *ak = entry_key(a, &alen), *bk = entry_key(b, &blen);

	return record_key_cmp((const char *)ak, alen, (const char *)bk, blen);
}

/* The first of v[0, n) not below @e (the run is in key order). */
static size_t run_lower_bound(const struct physnap_entry *v, size_t n, const struct physnap_entry *e)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (entry_cmp(&v[mid], e) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first of v[0, n) above @e. */
static size_t run_upper_bound(const struct physnap_entry *v, size_t n, const struct physnap_entry *e)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (entry_cmp(&v[mid], e) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Merge the older run v[a, a + la) and the newer one v[b, b + lb) into
 * v[w, w + *len) (w <= a, a + la <= b), the newer record winning a key found
 * in both. Only where the two runs overlap in key order are records compared
 * one by one; runs in flight at the same time overlap only a little.
 */
static enum dsck_err merge_pair(struct physnap *p, struct latest *l, size_t w, size_t a,
				size_t la, size_t b, size_t lb, size_t *len, struct dsck_error *err)
{
	struct physnap_entry *v = p->v, *tmp;
	size_t i, j = 0, o, jn;

	/* Below the newer run's first key, the older run is already in place. */
	i = la && lb ? run_lower_bound(v + a, la, &v[b]) : la;
	if (w != a)
		memmove(v + w, v + a, i * sizeof(*v));
	o = w + i;
	/* Above the older run's last key, the newer run only moves. */
	jn = i < la ? run_upper_bound(v + b, lb, &v[a + la - 1]) : 0;
	if (la - i > l->tmp_cap) {
		if (!(tmp = realloc(l->tmp, (la - i) * sizeof(*tmp))))
			return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory merging %zu keys", la - i);
		l->tmp = tmp;
		l->tmp_cap = la - i;
	}
	tmp = l->tmp;
	memcpy(tmp, v + a + i, (la - i) * sizeof(*v));
	la -= i;
	i = 0;
	/* Writing at o never overtakes reading at b + j: o <= w + (a - w) + i + j < b + j. */
	while (i < la && j < jn) {
		int c = entry_cmp(&tmp[i], &v[b + j]);

		if (c < 0) {
			v[o++] = tmp[i++];
		} else {
			i += c == 0;
			v[o++] = v[b + j++];
		}
	}
	memcpy(v + o, tmp + i, (la - i) * sizeof(*v));
	o += la - i;
	memmove(v + o, v + b + j, (lb - j) * sizeof(*v));
	*len = o + (lb - j) - w;
	return DSCK_OK;
}

/* Merge runs k0, k0 + 1, ... of p->v into one, adjacent pairs at a time. */
static enum dsck_err merge_runs(struct physnap *p, struct latest *l, size_t k0,
				struct dsck_error *err)
{
	enum dsck_err rc;

	while (l->nrun > k0 + 1) {
		size_t w = l->run[k0], out = k0, len;

		for (size_t k = k0; k < l->nrun; k += 2) {
			size_t a = l->run[k], b = k + 1 < l->nrun ? l->run[k + 1] : p->n;
			size_t lb = (k + 2 < l->nrun ? l->run[k + 2] : p->n) - b;

			/* run[out] is written only after run[k..k + 2] are read: out <= k. */
			l->run[out++] = (uint32_t)w;
			if ((rc = merge_pair(p, l, w, a, b - a, b, lb, &len, err)))
				return rc;
			w += len;
		}
		l->nrun = out;
		p->n = w;
	}
	return DSCK_OK;
}

/* Fold p->v into one run in key order: the last record of each key, no tombstones. */
static enum dsck_err latest_compact(struct physnap *p, struct latest *l, struct dsck_error *err)
{
	enum dsck_err rc;
	size_t w = 0;

	/* The newer runs together first: the big older run then takes part in one merge only. */
	if ((rc = merge_runs(p, l, 1, err)) || (rc = merge_runs(p, l, 0, err)))
		return rc;
	if (l->tombs) {
		for (size_t i = 0; i < p->n; i++)
			if (!p->v[i].tomb)
				p->v[w++] = p->v[i];
		p->n = w;
		l->tombs = false;
	}
	l->nrun = p->n ? 1 : 0;
	return DSCK_OK;
}

/* Append @e, the record after all before it in revision order. */
static enum dsck_err latest_add(struct physnap *p, struct latest *l, const struct physnap_entry *e,
				struct dsck_error *err)
{
	enum dsck_err rc;
	int c;

	if (p->n == l->cap) {
		if ((rc = latest_compact(p, l, err)))
			return rc;
		/* Keep a third free, so that compactions stay rare: ~1.5 entries a key. */
		if (p->n >= l->cap - l->cap / 3) {
			size_t cap = p->n + p->n / 2 > ENTRIES_MIN ? p->n + p->n / 2 : ENTRIES_MIN;
			struct physnap_entry *v = cap <= ENTRIES_MAX ? realloc(p->v, cap * sizeof(*v))
								     : NULL;

			if (!v)
				return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory reading %zu keys",
						 p->n);
			p->v = v;
			l->cap = cap;
		}
	}
	c = p->n ? entry_cmp(&p->v[p->n - 1], e) : 1;
	if (c == 0) {
		/* The same key again: the newer record replaces the older at once. */
		p->v[p->n - 1] = *e;
		l->tombs |= e->tomb;
		return DSCK_OK;
	}
	if (c > 0) {
		if (l->nrun == l->run_cap) {
			size_t cap = l->run_cap ? l->run_cap * 2 : 64;
			uint32_t *run = realloc(l->run, cap * sizeof(*run));

			if (!run)
				return dsck_oom(err);
			l->run = run;
			l->run_cap = cap;
		}
		l->run[l->nrun++] = (uint32_t)p->n;
	}
	p->v[p->n++] = *e;
	l->tombs |= e->tomb;
	return DSCK_OK;
}

/* ---------------------------------------------------------------- reading the buckets */

struct reader {
	struct physnap *p;
	struct latest latest;
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
	struct physnap_entry e;
	struct dsck_record kv;
	int64_t main_rev, sub_rev;
	size_t key_off;
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
	key_off = (size_t)((const uint8_t *)kv.key - it->value);
	e = (struct physnap_entry){ .kv = it->value, .kv_len = (uint32_t)it->value_len,
				    .tomb = tomb };
	/* etcd writes the key first; anything else is found again by decoding. */
	if (key_off <= ENTRY_KEY_OFF_MAX && kv.key_len <= ENTRY_KEY_LEN_MAX) {
		e.key_off = (uint32_t)key_off;
		e.key_len = (uint32_t)kv.key_len;
	}
	if ((rc = latest_add(p, &r->latest, &e, err)))
		return rc;
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

/* ---------------------------------------------------------------- the file */

/*
 * A second pass over the file, on a second thread while the first walks the
 * tree: it maps every page in (otherwise the walk stops at the first touch
 * of each) and computes the SHA-256 the trailer must match. Small files, and
 * any file when no thread can be started, get the SHA-256 in line.
 */
#define SWEEP_THREAD_MIN (1u << 20)
#define SWEEP_CHUNK (4u << 20)         /* how often the thread looks whether to stop */

struct sweep {
	const uint8_t *data;
	size_t size;                   /* the database, without the trailer */
	bool prefault, hash;
	atomic_bool stop;              /* the walk failed: the digest is not needed */
	unsigned char md[EVP_MAX_MD_SIZE];
	bool done, ok;
	bool running;
	pthread_t thread;
};

static void *sweep_run(void *arg)
{
	struct sweep *s = arg;
	EVP_MD_CTX *ctx;
	unsigned int len = 0;

#ifdef MADV_POPULATE_READ
	/* Best effort: without it (Linux < 5.14) the walk maps the pages in itself. */
	if (s->prefault)
		(void)madvise((void *)s->data, s->size, MADV_POPULATE_READ);
#endif
	if (!s->hash)
		return NULL;
	s->ok = (ctx = EVP_MD_CTX_new()) && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (size_t at = 0; s->ok && at < s->size && !atomic_load(&s->stop); at += SWEEP_CHUNK)
		s->ok = EVP_DigestUpdate(ctx, s->data + at,
					 s->size - at < SWEEP_CHUNK ? s->size - at : SWEEP_CHUNK);
	s->ok = s->ok && !atomic_load(&s->stop) && EVP_DigestFinal_ex(ctx, s->md, &len) &&
		len == PHYSNAP_TRAILER;
	EVP_MD_CTX_free(ctx);
	s->done = true;
	return NULL;
}

static void sweep_start(struct sweep *s, const uint8_t *data, size_t size, bool prefault,
			bool hash)
{
	*s = (struct sweep){ .data = data, .size = size, .prefault = prefault, .hash = hash };
	atomic_init(&s->stop, false);
	if ((prefault || hash) && size >= SWEEP_THREAD_MIN)
		s->running = thread_start(&s->thread, sweep_run, s) == 0;
}

static void sweep_wait(struct sweep *s)
{
	if (s->running)
		pthread_join(s->thread, NULL);
	s->running = false;
}

static enum dsck_err check_trailer(struct physnap *p, struct sweep *s, struct dsck_error *err)
{
	const uint8_t *data = s->data;
	size_t size = s->size;

	sweep_wait(s);
	if (!s->done) {
		s->prefault = false;
		sweep_run(s);
	}
	if (!s->ok)
		return dsck_fail(err, DSCK_ERR_NOMEM, "%s: cannot compute SHA-256", p->path);
	if (memcmp(s->md, data + size, PHYSNAP_TRAILER) != 0)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: the SHA-256 trailer at offset %zu does not "
				 "match the %zu bytes before it (damaged, or changed after etcdctl "
				 "wrote it)", p->path, size, size);
	p->trailer = PHYSNAP_TRAILER_OK;
	return DSCK_OK;
}

/* @mapped: @data is a page-aligned mapping of the file, whose pages can be prefaulted. */
static enum dsck_err open_bytes(struct physnap *p, const uint8_t *data, size_t size,
				const char *name, bool mapped, struct dsck_error *err)
{
	struct reader r = { .p = p };
	struct sweep sw = { 0 };
	size_t db_size = size;
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
	sweep_start(&sw, data, db_size, mapped, db_size != size);
	if ((rc = bbolt_open(&p->db, data, db_size, p->path, err)) ||
	    (rc = bbolt_walk(&p->db, visit, &r, err)))
		goto out;
	if (!r.have_key || !r.have_meta) {
		rc = dsck_fail(err, DSCK_ERR_INPUT, "%s: a bbolt file without the '%s' and '%s' "
			       "buckets: not an etcd v3 backend file", p->path, key_bucket, meta_bucket);
		goto out;
	}
	if (db_size != size && (rc = check_trailer(p, &sw, err)))
		goto out;
	p->revision = r.last_main > p->compact_revision ? r.last_main : p->compact_revision;
	/* Keys whose last record is a tombstone are gone; the rest in key order. */
	rc = latest_compact(p, &r.latest, err);
out:
	atomic_store(&sw.stop, true);
	sweep_wait(&sw);
	free(r.latest.tmp);
	free(r.latest.run);
	return rc;
}

enum dsck_err physnap_open_mem(struct physnap *p, const uint8_t *data, size_t size,
			       const char *name, struct dsck_error *err)
{
	return open_bytes(p, data, size, name, false, err);
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
	/* Every page is read anyway: the sweep maps them in while the walk runs. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		return dsck_fail(err, DSCK_ERR_IO, "%s: cannot map: %m", path);
	}
	madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
	rc = open_bytes(p, map, (size_t)st.st_size, path, true, err);
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
		size_t mid = lo + (hi - lo) / 2, klen;
		const uint8_t *key = entry_key(&p->v[mid], &klen);

		if (record_key_cmp((const char *)key, klen, prefix, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo + n < p->n; n++) {
		size_t klen;
		const uint8_t *key = entry_key(&p->v[lo + n], &klen);

		if (klen < len || memcmp(key, prefix, len) != 0)
			break;
	}
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
