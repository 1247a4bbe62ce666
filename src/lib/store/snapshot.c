#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "base/array.h"
#include "base/b64.h"
#include "base/jscan.h"
#include "base/keyfilter.h"
#include "base/macro.h"
#include "base/thread.h"
#include "store/snapshot.h"

/* Large enough for few write(2)s, small enough to cost few page faults. */
#define FLUSH_AT (256u << 10)
#define TRAILER_START "{\"end\":"

/* The temp file of the save in progress, for the SIGINT/SIGTERM handler. */
static char signal_tmp_path[4096];
static volatile sig_atomic_t signal_tmp_armed;

void snapshot_writer_signal_cleanup(void)
{
	if (signal_tmp_armed)
		unlink(signal_tmp_path);
}

static void arm_signal_cleanup(const char *path)
{
	signal_tmp_armed = 0;
	if (!path || strlen(path) >= sizeof(signal_tmp_path))
		return;
	memcpy(signal_tmp_path, path, strlen(path) + 1);
	signal_tmp_armed = 1;
}

/* --- header --- */

enum dsck_err snapshot_header_json(struct buf *b, const struct snapshot_header *h)
{
	json_t *doc = json_object(), *src = json_object();
	char *text;
	enum dsck_err rc;

	json_object_set_new(doc, "dsck_snapshot", json_integer(SNAPSHOT_VERSION));
	json_object_set_new(doc, "created", json_string(h->created));
	json_object_set_new(doc, "tool", json_string(h->tool));
	json_object_set_new(doc, "api", json_string(dsck_api_name(h->api)));
	json_object_set_new(doc, "prefix", json_string(h->prefix));
	json_object_set_new(doc, "ephemeral",
			    json_string(h->ephemeral_included ? "included" : "excluded"));
	json_object_set_new(src, "endpoint", json_string(h->endpoint));
	if (h->cluster_id[0])
		json_object_set_new(src, "cluster_id", json_string(h->cluster_id));
	if (h->member_id[0])
		json_object_set_new(src, "member_id", json_string(h->member_id));
	if (h->etcd_version[0])
		json_object_set_new(src, "etcd_version", json_string(h->etcd_version));
	if (h->api == DSCK_API_V3)
		json_object_set_new(src, "revision", json_integer(h->revision));
	else
		json_object_set_new(src, "etcd_index", json_integer(h->etcd_index));
	json_object_set_new(doc, "source", src);
	text = json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(doc);
	if (!text)
		return DSCK_ERR_NOMEM;
	rc = buf_appends(b, text);
	free(text);
	return rc;
}

static void copy_str(char *dst, size_t len, json_t *obj, const char *key)
{
	const char *v = json_string_value(json_object_get(obj, key));

	snprintf(dst, len, "%s", v ? v : "");
}

static bool printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

static enum dsck_err parse_header(struct snapshot_reader *r, const char *line, size_t len,
				  struct dsck_error *err)
{
	struct snapshot_header *h = &r->hdr;
	json_error_t jerr;
	json_t *doc = json_loadb(line, len, 0, &jerr), *v, *src;
	const char *api;
	enum dsck_err rc = DSCK_ERR_INPUT;

	memset(h, 0, sizeof(*h));
	if (!doc || !json_is_object(doc)) {
		dsck_fail(err, rc, "%s:1: not a dsck snapshot (the header is not a JSON object)",
			  r->path);
		goto out;
	}
	v = json_object_get(doc, "dsck_snapshot");
	if (!json_is_integer(v)) {
		dsck_fail(err, rc, "%s:1: not a dsck snapshot (no \"dsck_snapshot\" version)", r->path);
		goto out;
	}
	if (json_integer_value(v) != SNAPSHOT_VERSION) {
		dsck_fail(err, rc, "%s:1: unknown snapshot format version %lld (this dsck reads "
			  "version %d)", r->path, (long long)json_integer_value(v), SNAPSHOT_VERSION);
		goto out;
	}
	h->version = SNAPSHOT_VERSION;
	api = json_string_value(json_object_get(doc, "api"));
	if (api && strcmp(api, "v2") == 0) {
		h->api = DSCK_API_V2;
	} else if (api && strcmp(api, "v3") == 0) {
		h->api = DSCK_API_V3;
	} else {
		dsck_fail(err, rc, "%s:1: header has no valid \"api\" (v2 or v3)", r->path);
		goto out;
	}
	if (!json_is_string(json_object_get(doc, "prefix"))) {
		dsck_fail(err, rc, "%s:1: header has no \"prefix\"", r->path);
		goto out;
	}
	/* Never cut the prefix short: restore --prune deletes within it. */
	if (json_string_length(json_object_get(doc, "prefix")) >= sizeof(h->prefix)) {
		dsck_fail(err, rc, "%s:1: header \"prefix\" is longer than %zu bytes", r->path,
			  sizeof(h->prefix) - 1);
		goto out;
	}
	copy_str(h->prefix, sizeof(h->prefix), doc, "prefix");
	/* A prefix is typed text: '/' first, no NUL (it would cut it short), no control byte. */
	v = json_object_get(doc, "prefix");
	if (h->prefix[0] != '/' || strlen(h->prefix) != json_string_length(v) ||
	    !printable(h->prefix)) {
		dsck_fail(err, rc, "%s:1: header \"prefix\" must start with '/' and hold no NUL or "
			  "control byte", r->path);
		goto out;
	}
	copy_str(h->created, sizeof(h->created), doc, "created");
	copy_str(h->tool, sizeof(h->tool), doc, "tool");
	v = json_object_get(doc, "ephemeral");
	h->ephemeral_included = json_is_string(v) && strcmp(json_string_value(v), "included") == 0;
	src = json_object_get(doc, "source");
	if (json_is_object(src)) {
		copy_str(h->endpoint, sizeof(h->endpoint), src, "endpoint");
		copy_str(h->cluster_id, sizeof(h->cluster_id), src, "cluster_id");
		copy_str(h->member_id, sizeof(h->member_id), src, "member_id");
		copy_str(h->etcd_version, sizeof(h->etcd_version), src, "etcd_version");
		h->revision = json_integer_value(json_object_get(src, "revision"));
		h->etcd_index = json_integer_value(json_object_get(src, "etcd_index"));
		if (h->revision < 0 || h->etcd_index < 0) {
			dsck_fail(err, rc, "%s:1: header has a negative revision or etcd_index", r->path);
			goto out;
		}
	}
	rc = DSCK_OK;
out:
	json_decref(doc);
	return rc;
}

/* --- writer --- */

static enum dsck_err write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return DSCK_ERR_IO;
		}
		p += k;
		n -= (size_t)k;
	}
	return DSCK_OK;
}

/* Compress @blk into w->zout (all of it; @finish ends the stream). */
static enum dsck_err deflate_block(struct snapshot_writer *w, const struct buf *blk, bool finish,
				   struct dsck_error *err)
{
	z_stream *z = w->gz;
	int zrc;

	z->next_in = (unsigned char *)blk->data;
	z->avail_in = (uInt)blk->len;
	buf_reset(&w->zout);
	do {
		if (buf_grow(&w->zout, 1u << 16))
			return dsck_oom(err);
		z->next_out = (unsigned char *)w->zout.data + w->zout.len;
		z->avail_out = 1u << 16;
		zrc = deflate(z, finish ? Z_FINISH : Z_NO_FLUSH);
		if (zrc == Z_STREAM_ERROR)
			return dsck_fail(err, DSCK_ERR_NOMEM, "gzip compression failed");
		w->zout.len += (1u << 16) - z->avail_out;
	} while (z->avail_out == 0 || (finish && zrc != Z_STREAM_END));
	return DSCK_OK;
}

/* Hash @blk from byte @from on: once a block, not once a record. */
static enum dsck_err hash_from(struct snapshot_writer *w, const struct buf *blk, size_t from,
			       struct dsck_error *err)
{
	if (blk->len > from && !EVP_DigestUpdate(w->sha, blk->data + from, blk->len - from))
		return dsck_fail(err, DSCK_ERR_NOMEM, "SHA-256 failed");
	return DSCK_OK;
}

/* Hash what was appended to the pending output since the last call. */
static enum dsck_err hash_pending(struct snapshot_writer *w, struct dsck_error *err)
{
	enum dsck_err rc = hash_from(w, &w->out, w->hashed, err);

	if (!rc)
		w->hashed = w->out.len;
	return rc;
}

/*
 * Hash @blk from byte @hashed on, compress it when writing gzip, write it
 * and empty it. Runs on the flusher thread while the next block is being
 * formatted, or inline when there is none.
 */
static enum dsck_err write_block(struct snapshot_writer *w, struct buf *blk, size_t hashed,
				 bool finish, struct dsck_error *err)
{
	const char *p = blk->data;
	size_t n = blk->len;
	enum dsck_err rc;

	if ((rc = hash_from(w, blk, hashed, err)))
		return rc;
	if (!n && !finish)
		return DSCK_OK;
	if (w->gz) {
		if ((rc = deflate_block(w, blk, finish, err)))
			return rc;
		p = w->zout.data;
		n = w->zout.len;
	}
	if (n && write_all(w->fd, p, n))
		return dsck_fail(err, DSCK_ERR_IO, "cannot write '%s': %s",
				 w->to_stdout ? "standard output" : w->tmp_path, strerror(errno));
	/*
	 * Start writeback of what is written so far, so the final fsync waits
	 * only for the tail instead of the whole file (no effect on pipes).
	 */
	if (!w->to_stdout && n)
		sync_file_range(w->fd, (off64_t)w->file_bytes, (off64_t)n, SYNC_FILE_RANGE_WRITE);
	w->file_bytes += n;
	w->bytes += blk->len;
	buf_reset(blk);
	return DSCK_OK;
}

static enum dsck_err flush_out_gz(struct snapshot_writer *w, bool finish, struct dsck_error *err)
{
	enum dsck_err rc = write_block(w, &w->out, w->hashed, finish, err);

	w->hashed = 0;
	return rc;
}

/*
 * The flusher: a second thread that hashes, compresses and writes one full
 * block while the main thread formats the next (docs/benchmarks.md, "v2
 * save"). The two never touch the hash, the gzip stream or the file at the
 * same time: the main thread hands a block over only when the flusher is
 * idle, and waits for it before it finishes or gives up.
 */
struct snapshot_flusher {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct snapshot_writer *w;
	struct buf blk;            /* the block handed over */
	size_t hashed;             /* of blk, already hashed */
	bool busy, stop;
	enum dsck_err rc;          /* the first failure, in err */
	struct dsck_error err;
};

static void *flusher_main(void *arg)
{
	struct snapshot_flusher *f = arg;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		while (!f->busy && !f->stop)
			pthread_cond_wait(&f->cond, &f->lock);
		if (!f->busy)
			break;
		pthread_mutex_unlock(&f->lock);
		enum dsck_err rc = f->rc ? f->rc : write_block(f->w, &f->blk, f->hashed, false,
								&f->err);
		pthread_mutex_lock(&f->lock);
		f->rc = rc;
		f->busy = false;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Wait until the flusher is idle; its failure, if it had one. */
static enum dsck_err flusher_wait(struct snapshot_flusher *f, struct dsck_error *err)
{
	enum dsck_err rc;

	pthread_mutex_lock(&f->lock);
	while (f->busy)
		pthread_cond_wait(&f->cond, &f->lock);
	rc = f->rc;
	pthread_mutex_unlock(&f->lock);
	if (rc && err)
		*err = f->err;
	return rc;
}

/* Started at the first full block, so small snapshots never start a thread. */
static struct snapshot_flusher *flusher_new(struct snapshot_writer *w)
{
	struct snapshot_flusher *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->w = w;
	f->err = (struct dsck_error)DSCK_ERROR_INIT;
	buf_init(&f->blk, w->out.max);
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (thread_start(&f->thread, flusher_main, f) != 0) {
		pthread_cond_destroy(&f->cond);
		pthread_mutex_destroy(&f->lock);
		free(f);
		return NULL;
	}
	return f;
}

static void flusher_free(struct snapshot_flusher *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	buf_release(&f->blk);
	free(f);
}

/* Hand the full block to the flusher (or write it here when there is none). */
static enum dsck_err flush_out(struct snapshot_writer *w, struct dsck_error *err)
{
	struct snapshot_flusher *f = w->flusher;
	struct buf spare;
	enum dsck_err rc;

	if (!f && !w->flusher_off && !(f = w->flusher = flusher_new(w)))
		w->flusher_off = true;   /* no thread: write inline */
	if (!f)
		return flush_out_gz(w, false, err);
	if ((rc = flusher_wait(f, err)))
		return rc;
	spare = f->blk;
	f->blk = w->out;
	w->out = spare;
	f->hashed = w->hashed;
	w->hashed = 0;
	pthread_mutex_lock(&f->lock);
	f->busy = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	return DSCK_OK;
}

/* Take back the hash, the gzip stream and the file: what is left is written here. */
static enum dsck_err flusher_end(struct snapshot_writer *w, struct dsck_error *err)
{
	enum dsck_err rc = w->flusher ? flusher_wait(w->flusher, err) : DSCK_OK;

	flusher_free(w->flusher);
	w->flusher = NULL;
	w->flusher_off = true;
	return rc;
}

/* Append a line (to be hashed unless it is the trailer). */
static enum dsck_err put_line(struct snapshot_writer *w, const char *p, size_t n, bool hash,
			      struct dsck_error *err)
{
	enum dsck_err rc;

	if (!hash && (rc = hash_pending(w, err)))
		return rc;
	if (buf_append(&w->out, p, n) || buf_appendc(&w->out, '\n'))
		return dsck_oom(err);
	if (!hash)
		w->hashed = w->out.len;
	return w->out.len >= FLUSH_AT ? flush_out(w, err) : DSCK_OK;
}

/* End and free a gzip stream: @end is deflateEnd (writer) or inflateEnd (reader). */
static void gz_free(void **gz, int (*end)(z_streamp))
{
	if (!*gz)
		return;
	end(*gz);
	free(*gz);
	*gz = NULL;
}

static void writer_release(struct snapshot_writer *w)
{
	flusher_end(w, NULL);   /* first: it may be writing to the file */
	if (w->fd >= 0 && !w->to_stdout)
		close(w->fd);
	w->fd = -1;
	EVP_MD_CTX_free(w->sha);
	w->sha = NULL;
	gz_free(&w->gz, deflateEnd);
	buf_release(&w->zout);
	buf_release(&w->out);
	buf_release(&w->last_key);
	free(w->path);
	free(w->tmp_path);
	w->path = w->tmp_path = NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* FILE.gz is written as gzip (docs/conventions.md). */
static enum dsck_err gzip_start(struct snapshot_writer *w, const char *path,
				struct dsck_error *err)
{
	z_stream *z;

	if (!ends_with(path, ".gz"))
		return DSCK_OK;
	z = calloc(1, sizeof(*z));
	/* windowBits 15 + 16: a gzip wrapper, so gzip -d and zcat read the file. */
	if (!z || deflateInit2(z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
			       Z_DEFAULT_STRATEGY) != Z_OK) {
		free(z);
		return dsck_fail(err, DSCK_ERR_NOMEM, "cannot set up gzip compression");
	}
	w->gz = z;
	buf_init(&w->zout, FLUSH_AT + SNAPSHOT_LINE_MAX + (1u << 20));
	return DSCK_OK;
}

enum dsck_err snapshot_writer_open(struct snapshot_writer *w, const char *path,
				   const struct snapshot_header *hdr, struct dsck_error *err)
{
	struct buf line = BUF_INIT(1u << 20);
	enum dsck_err rc;

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->api = hdr->api;
	buf_init(&w->out, FLUSH_AT + SNAPSHOT_LINE_MAX);
	buf_init(&w->last_key, SNAPSHOT_LINE_MAX);
	w->sha = EVP_MD_CTX_new();
	if (!w->sha || !EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL)) {
		rc = dsck_fail(err, DSCK_ERR_NOMEM, "cannot set up SHA-256");
		goto out;
	}
	if (strcmp(path, "-") == 0) {
		w->to_stdout = true;
		w->fd = STDOUT_FILENO;
	} else {
		w->path = strdup(path);
		if (!w->path || asprintf(&w->tmp_path, "%s.tmp", path) < 0) {
			w->tmp_path = NULL;
			rc = dsck_oom(err);
			goto out;
		}
		/* A stale temp file from an earlier crash is ours to replace. */
		unlink(w->tmp_path);
		w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (w->fd < 0) {
			rc = dsck_fail(err, DSCK_ERR_IO, "cannot create '%s': %s", w->tmp_path,
				       strerror(errno));
			goto out;
		}
		arm_signal_cleanup(w->tmp_path);
		if ((rc = gzip_start(w, path, err)))
			goto out;
	}
	if ((rc = snapshot_header_json(&line, hdr))) {
		rc = rc == DSCK_ERR_NOMEM ? dsck_oom(err)
		     : dsck_fail(err, rc, "the snapshot header would be over %zu bytes", line.max);
		goto out;
	}
	rc = put_line(w, line.data, line.len, true, err);
out:
	buf_release(&line);
	if (rc)
		snapshot_writer_abort(w);
	return rc;
}

enum dsck_err snapshot_writer_add(struct snapshot_writer *w, const struct dsck_record *r,
				  struct dsck_error *err)
{
	size_t start = w->out.len;
	enum dsck_err rc;

	if (w->have_last && record_key_cmp(w->last_key.data, w->last_key.len, r->key,
					   r->key_len) >= 0)
		return dsck_fail(err, DSCK_ERR_PROTOCOL,
				 "keys out of order or repeated at '%.*s' (after '%.*s')",
				 (int)r->key_len, r->key, (int)w->last_key.len, w->last_key.data);
	buf_reset(&w->last_key);
	if (buf_append(&w->last_key, r->key, r->key_len))
		return dsck_fail(err, DSCK_ERR_TOO_LARGE, "key too long");
	w->have_last = true;
	if ((rc = record_json_append(&w->out, w->api, r)) || (rc = buf_appendc(&w->out, '\n'))) {
		/* No half record left to hash or write. */
		w->out.len = start;
		if (w->out.data)
			w->out.data[start] = '\0';
		return dsck_fail(err, rc, "record for '%.*s' is too large", (int)r->key_len, r->key);
	}
	w->records++;
	return w->out.len >= FLUSH_AT ? flush_out(w, err) : DSCK_OK;
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static enum dsck_err fsync_dir(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	int fd;

	if (!copy)
		return DSCK_ERR_NOMEM;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return DSCK_ERR_IO;
	fsync(fd);
	close(fd);
	return DSCK_OK;
}

/* Rename into place; without w->replace an existing file is never replaced. */
static int finish_rename(const struct snapshot_writer *w)
{
	if (w->replace)
		return rename(w->tmp_path, w->path);
	if (renameat2(AT_FDCWD, w->tmp_path, AT_FDCWD, w->path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: link fails on an existing name too. */
	if (link(w->tmp_path, w->path) != 0)
		return -1;
	unlink(w->tmp_path);
	return 0;
}

enum dsck_err snapshot_writer_commit(struct snapshot_writer *w, struct dsck_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char digest[2 * EVP_MAX_MD_SIZE + 1], trailer[256];
	int n;
	enum dsck_err rc;

	if ((rc = flusher_end(w, err)) || (rc = hash_pending(w, err)))
		goto fail;
	if (!EVP_DigestFinal_ex(w->sha, md, &mdlen)) {
		rc = dsck_fail(err, DSCK_ERR_NOMEM, "SHA-256 failed");
		goto fail;
	}
	hex(md, mdlen, digest);
	n = snprintf(trailer, sizeof(trailer), "{\"end\":true,\"records\":%zu,\"sha256\":\"%s\"}",
		     w->records, digest);
	if ((rc = put_line(w, trailer, (size_t)n, false, err)) ||
	    (rc = flush_out_gz(w, true, err)))
		goto fail;
	if (w->to_stdout) {
		writer_release(w);
		return DSCK_OK;
	}
	if (fsync(w->fd) != 0 || close(w->fd) != 0) {
		w->fd = -1;
		rc = dsck_fail(err, DSCK_ERR_IO, "cannot write '%s': %s", w->tmp_path, strerror(errno));
		goto fail;
	}
	w->fd = -1;
	if (finish_rename(w) != 0) {
		if (errno == EEXIST)
			rc = dsck_fail(err, DSCK_ERR_IO, "'%s' appeared while the snapshot was written: "
				       "it is kept (use --force to replace it)", w->path);
		else
			rc = dsck_fail(err, DSCK_ERR_IO, "cannot rename '%s' to '%s': %s", w->tmp_path,
				       w->path, strerror(errno));
		goto fail;
	}
	signal_tmp_armed = 0;
	fsync_dir(w->path);
	writer_release(w);
	return DSCK_OK;
fail:
	snapshot_writer_abort(w);
	return rc;
}

void snapshot_writer_abort(struct snapshot_writer *w)
{
	if (!w->to_stdout && w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	if (w->tmp_path)
		unlink(w->tmp_path);
	signal_tmp_armed = 0;
	writer_release(w);
}

/* --- reader --- */

/* Record (first pass) or check (later passes) the hash of one block. */
static enum dsck_err seal_block(struct snapshot_reader *r, const char *p, size_t n,
				struct dsck_error *err)
{
	struct snapshot_seal *s = r->seal;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (n) {
		if (!EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL))
			return dsck_fail(err, DSCK_ERR_NOMEM, "SHA-256 failed");
		if (!s->sealed) {
			if (!array_grow(&s->sums, &s->alloc, s->n, sizeof(*s->sums)))
				return dsck_oom(err);
			memcpy(s->sums[s->n++], md, 32);
		} else if (r->block >= s->n || memcmp(s->sums[r->block], md, 32) != 0) {
			goto changed;
		}
		r->block++;
	}
	if (r->eof && s->sealed && r->block != s->n)
		goto changed;
	return DSCK_OK;
changed:
	return dsck_fail(err, DSCK_ERR_INPUT,
			 "%s: the file changed after it was verified (at byte %zu): nothing more "
			 "is read from it; verify it again and re-run", r->path,
			 r->block * SNAPSHOT_BLOCK);
}

#define ZIN_SIZE ((size_t)1 << 16)

/* Refill the raw read-ahead; false on a read error (errno set). */
static bool zin_fill(struct snapshot_reader *r)
{
	ssize_t k;

	if (r->zin_pos < r->zin_len || r->zin_eof)
		return true;
	do
		k = read(r->fd, r->zin, ZIN_SIZE);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return false;
	r->zin_pos = 0;
	r->zin_len = (size_t)k;
	r->zin_total += (size_t)k;
	r->zin_eof = k == 0;
	return true;
}

/*
 * Up to @n bytes of the snapshot text: inflated when the input is gzip
 * (several gzip members in a row are one stream, as gzip -d reads them).
 * Returns the count, 0 at the end, or an error.
 */
static enum dsck_err raw_read(struct snapshot_reader *r, char *dst, size_t n, size_t *got,
			      struct dsck_error *err)
{
	z_stream *z = r->gz;

	*got = 0;
	if (!zin_fill(r))
		return dsck_fail(err, DSCK_ERR_IO, "cannot read '%s': %s", r->path, strerror(errno));
	if (!z) {
		*got = r->zin_len - r->zin_pos < n ? r->zin_len - r->zin_pos : n;
		memcpy(dst, r->zin + r->zin_pos, *got);
		r->zin_pos += *got;
		return DSCK_OK;
	}
	while (!*got && !r->gz_end) {
		int zrc;

		if (!zin_fill(r))
			return dsck_fail(err, DSCK_ERR_IO, "cannot read '%s': %s", r->path,
					 strerror(errno));
		if (r->zin_pos == r->zin_len && r->zin_eof)
			return dsck_fail(err, DSCK_ERR_INPUT, "%s: truncated gzip data (at compressed "
					 "byte %llu)", r->path, (unsigned long long)r->zin_total);
		z->next_in = r->zin + r->zin_pos;
		z->avail_in = (uInt)(r->zin_len - r->zin_pos);
		z->next_out = (unsigned char *)dst;
		z->avail_out = (uInt)n;
		zrc = inflate(z, Z_NO_FLUSH);
		r->zin_pos = r->zin_len - z->avail_in;
		*got = n - z->avail_out;
		if (zrc == Z_STREAM_END) {
			/* Another member may follow; only the end of the input ends the text. */
			if (!zin_fill(r))
				return dsck_fail(err, DSCK_ERR_IO, "cannot read '%s': %s", r->path,
						 strerror(errno));
			if (r->zin_pos == r->zin_len && r->zin_eof)
				r->gz_end = true;
			else
				inflateReset(z);
		} else if (zrc != Z_OK && zrc != Z_BUF_ERROR) {
			return dsck_fail(err, DSCK_ERR_INPUT, "%s: corrupt gzip data near compressed "
					 "byte %llu: %s", r->path,
					 (unsigned long long)(r->zin_total - (r->zin_len - r->zin_pos)),
					 z->msg ? z->msg : "inflate failed");
		}
	}
	return DSCK_OK;
}

/* Gzip or not, by the first two bytes (1f 8b), never by the name. */
static enum dsck_err detect_gzip(struct snapshot_reader *r, struct dsck_error *err)
{
	z_stream *z;

	r->zin = malloc(ZIN_SIZE);
	if (!r->zin)
		return dsck_oom(err);
	/* A pipe may deliver one byte at a time: read until two or the end. */
	while (r->zin_len < 2 && !r->zin_eof) {
		ssize_t k = read(r->fd, r->zin + r->zin_len, ZIN_SIZE - r->zin_len);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return dsck_fail(err, DSCK_ERR_IO, "cannot read '%s': %s", r->path,
					 strerror(errno));
		r->zin_len += (size_t)k;
		r->zin_total += (size_t)k;
		r->zin_eof = k == 0;
	}
	if (r->zin_len < 2 || r->zin[0] != 0x1f || r->zin[1] != 0x8b)
		return DSCK_OK;
	z = calloc(1, sizeof(*z));
	if (!z || inflateInit2(z, 15 + 16) != Z_OK) {
		free(z);
		return dsck_fail(err, DSCK_ERR_NOMEM, "cannot set up gzip decompression");
	}
	r->gz = z;
	return DSCK_OK;
}

/* Read one whole block (less only at the end of the file). */
static enum dsck_err read_block(struct snapshot_reader *r, struct dsck_error *err)
{
	size_t got = 0;
	enum dsck_err rc;

	while (got < SNAPSHOT_BLOCK) {
		size_t k;

		if ((rc = raw_read(r, r->buf + r->end + got, SNAPSHOT_BLOCK - got, &k, err)))
			return rc;
		if (k == 0) {
			r->eof = true;
			break;
		}
		got += k;
	}
	if (r->seal) {
		/* Blocks of the inflated text: the same bytes the parser sees. */
		rc = seal_block(r, r->buf + r->end, got, err);
		if (rc)
			return rc;
	}
	r->end += got;
	return DSCK_OK;
}

/* The next line without its newline; NULL at a clean end of file. */
static enum dsck_err next_line(struct snapshot_reader *r, char **line, size_t *len,
			       struct dsck_error *err)
{
	enum dsck_err rc;

	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);

		if (nl) {
			*line = r->buf + r->start;
			*len = (size_t)(nl - *line);
			if (*len > SNAPSHOT_LINE_MAX)
				return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: line longer than %zu bytes",
						 r->path, r->lineno + 1, SNAPSHOT_LINE_MAX);
			r->start = (size_t)(nl - r->buf) + 1;
			r->lineno++;
			r->bytes += *len + 1;
			return DSCK_OK;
		}
		if (r->eof) {
			*line = NULL;
			if (r->start != r->end)
				return dsck_fail(err, DSCK_ERR_INPUT,
						 "%s:%zu: truncated: the last line has no newline",
						 r->path, r->lineno + 1);
			return DSCK_OK;
		}
		/* Move the partial line to the front and read one more block. */
		if (r->start) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end > SNAPSHOT_LINE_MAX)
			return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: line longer than %zu bytes",
					 r->path, r->lineno + 1, SNAPSHOT_LINE_MAX);
		while (r->cap - r->end < SNAPSHOT_BLOCK) {
			size_t ncap = r->cap * 2;
			char *p = realloc(r->buf, ncap);

			if (!p)
				return dsck_oom(err);
			r->buf = p;
			r->cap = ncap;
		}
		if ((rc = read_block(r, err)))
			return rc;
	}
}

static enum dsck_err reader_start(struct snapshot_reader *r, const char *path, int fd,
				  struct snapshot_seal *seal, struct dsck_error *err)
{
	char *line;
	size_t len;
	enum dsck_err rc;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->fd = fd;
	r->seal = seal;
	buf_init(&r->prev_key, SNAPSHOT_LINE_MAX);
	r->cap = 2 * SNAPSHOT_BLOCK;
	r->buf = malloc(r->cap);
	r->sha = EVP_MD_CTX_new();
	if (r->fd < 0) {
		rc = dsck_fail(err, DSCK_ERR_INPUT, "cannot open snapshot '%s': %s", path,
			       strerror(errno));
		goto fail;
	}
	if (!r->buf || !r->sha || !EVP_DigestInit_ex(r->sha, EVP_sha256(), NULL)) {
		rc = dsck_oom(err);
		goto fail;
	}
	if ((rc = detect_gzip(r, err)))
		goto fail;
	if ((rc = next_line(r, &line, &len, err)))
		goto fail;
	if (!line) {
		rc = dsck_fail(err, DSCK_ERR_INPUT, "%s:1: empty file, not a dsck snapshot", path);
		goto fail;
	}
	EVP_DigestUpdate(r->sha, line, len + 1);
	if ((rc = parse_header(r, line, len, err)))
		goto fail;
	return DSCK_OK;
fail:
	snapshot_reader_close(r);
	return rc;
}

enum dsck_err snapshot_reader_open(struct snapshot_reader *r, const char *path,
				   struct dsck_error *err)
{
	int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);

	return reader_start(r, path, fd, NULL, err);
}

enum dsck_err snapshot_reader_open_sealed(struct snapshot_reader *r, struct snapshot_seal *s,
					  struct dsck_error *err)
{
	/* One reader at a time: each starts from the first byte of the same open file. */
	if (lseek(s->fd, 0, SEEK_SET) != 0) {
		memset(r, 0, sizeof(*r));
		r->fd = -1;
		return dsck_fail(err, DSCK_ERR_IO, "cannot re-read '%s': %s", s->path, strerror(errno));
	}
	return reader_start(r, s->path, dup(s->fd), s, err);
}

enum dsck_err snapshot_seal_open(struct snapshot_seal *s, const char *path,
				 struct dsck_error *err)
{
	struct snapshot_reader r;
	struct dsck_record rec;
	struct stat st;
	bool done = false;
	enum dsck_err rc;

	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	s->path = strdup(path);
	if (s->fd < 0) {
		rc = dsck_fail(err, DSCK_ERR_INPUT, "cannot open snapshot '%s': %s", path,
			       strerror(errno));
		goto fail;
	}
	if (!s->path) {
		rc = dsck_oom(err);
		goto fail;
	}
	/* Only a regular file can be read twice and give the same bytes. */
	if (fstat(s->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = dsck_fail(err, DSCK_ERR_INPUT, "'%s' is not a regular file (restore reads the "
			       "snapshot more than once)", path);
		goto fail;
	}
	if ((rc = snapshot_reader_open_sealed(&r, s, err)))
		goto fail;
	while (!(rc = snapshot_reader_next(&r, &rec, &done, err)) && !done)
		;
	snapshot_reader_close(&r);
	if (rc)
		goto fail;
	s->sealed = true;
	return DSCK_OK;
fail:
	snapshot_seal_release(s);
	return rc;
}

void snapshot_seal_release(struct snapshot_seal *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->path);
	free(s->sums);
	s->path = NULL;
	s->sums = NULL;
	s->n = s->alloc = 0;
	s->sealed = false;
}

void snapshot_reader_close(struct snapshot_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	free(r->buf);
	r->buf = NULL;
	free(r->zin);
	r->zin = NULL;
	gz_free(&r->gz, inflateEnd);
	EVP_MD_CTX_free(r->sha);
	r->sha = NULL;
	buf_release(&r->prev_key);
}

static enum dsck_err bad(struct snapshot_reader *r, struct dsck_error *err, const char *what)
{
	return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: %s", r->path, r->lineno, what);
}

static enum dsck_err parse_trailer(struct snapshot_reader *r, char *line, size_t len,
				   struct dsck_error *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char digest[2 * EVP_MAX_MD_SIZE + 1], *more;
	struct jscan s;
	struct jtok k, t;
	int64_t count = -1;
	bool end = false, have_sha = false;
	size_t more_len;
	enum dsck_err rc;

	EVP_DigestFinal_ex(r->sha, md, &mdlen);
	hex(md, mdlen, digest);
	jscan_init(&s, line, len);
	if (jscan_next(&s, &t) != JT_OBJECT)
		return bad(r, err, "malformed trailer");
	while (jscan_next(&s, &k) == JT_KEY) {
		jscan_next(&s, &t);
		if (jtok_is(&k, "end") && t.type == JT_TRUE)
			end = true;
		else if (jtok_is(&k, "records") && jtok_int64(&t, &count))
			;
		else if (jtok_is(&k, "sha256") && t.type == JT_STRING) {
			have_sha = true;
			if (strcmp(t.str, digest) != 0)
				return bad(r, err, "checksum mismatch: the file was modified or damaged "
					   "(sha256 of the content differs from the trailer)");
		} else if (!jscan_skip(&s, &t)) {
			break;
		}
	}
	if (k.type != JT_OBJECT_END || jscan_next(&s, &t) != JT_END || !end || !have_sha ||
	    count < 0)
		return bad(r, err, "malformed trailer (expected end, records and sha256)");
	if ((size_t)count != r->records) {
		char msg[128];

		snprintf(msg, sizeof(msg), "trailer says %lld records, the file has %zu",
			 (long long)count, r->records);
		return bad(r, err, msg);
	}
	if ((rc = next_line(r, &more, &more_len, err)))
		return rc;
	if (more)
		return bad(r, err, "data after the trailer");
	return DSCK_OK;
}

/* Decode "x" or "x_b64" into rec (in place). */
static bool take_bytes(struct jtok *t, bool b64, const char **p, size_t *len)
{
	if (t->type != JT_STRING)
		return false;
	if (b64 && !b64_decode_inplace(t->str, t->len, &t->len))
		return false;
	*p = t->str;
	*len = t->len;
	return true;
}

/* What the format allows beyond its syntax (docs/restore-safety.md). */
static enum dsck_err check_record(struct snapshot_reader *r, const struct dsck_record *rec,
				  struct dsck_error *err)
{
	struct keyfilter under;
	const char *why = NULL;
	char msg[256];

	if (!record_key_storable(r->hdr.api, rec->key, rec->key_len, &why)) {
		snprintf(msg, sizeof(msg), "bad key: %s", why);
		return bad(r, err, msg);
	}
	keyfilter_init(&under, r->hdr.prefix, true);
	if (!keyfilter_under_prefix(&under, rec->key, rec->key_len)) {
		snprintf(msg, sizeof(msg), "key outside the header prefix '%.200s'", r->hdr.prefix);
		return bad(r, err, msg);
	}
	if (rec->create_revision < 0 || rec->mod_revision < 0 || rec->version < 0 ||
	    rec->lease < 0 || rec->created_index < 0 || rec->modified_index < 0)
		return bad(r, err, "negative revision, version, lease or index");
	if (rec->has_ttl && (rec->ttl < 0 || rec->ttl > RECORD_TTL_MAX)) {
		snprintf(msg, sizeof(msg), "ttl out of range (0 to %lld seconds)",
			 (long long)RECORD_TTL_MAX);
		return bad(r, err, msg);
	}
	return DSCK_OK;
}

static enum dsck_err parse_record(struct snapshot_reader *r, char *line, size_t len,
				  struct dsck_record *rec, struct dsck_error *err)
{
	static const char *const v3_fields[] = { "create_revision", "mod_revision", "version", "lease" };
	static const char *const v2_fields[] = { "created_index", "modified_index", "dir", "ttl",
						 "expiration" };
	bool v3 = r->hdr.api == DSCK_API_V3;
	unsigned seen = 0;     /* bit per required field */
	struct jscan s;
	struct jtok k, t;
	char msg[256];

	memset(rec, 0, sizeof(*rec));
	jscan_init(&s, line, len);
	if (jscan_next(&s, &t) != JT_OBJECT) {
		snprintf(msg, sizeof(msg), "malformed record: %s",
			 s.error ? s.error : "not a JSON object");
		return bad(r, err, msg);
	}
	while (jscan_next(&s, &k) == JT_KEY) {
		jscan_next(&s, &t);
		if (t.type == JT_ERROR)
			break;
		if (jtok_is(&k, "key") || jtok_is(&k, "key_b64")) {
			if ((seen & 1) || !take_bytes(&t, k.len == 7, &rec->key, &rec->key_len))
				return bad(r, err, k.len == 7 ? "bad base64 in key_b64" : "bad key");
			seen |= 1;
		} else if (jtok_is(&k, "value") || jtok_is(&k, "value_b64")) {
			if ((seen & 2) || !take_bytes(&t, k.len == 9, &rec->value, &rec->value_len))
				return bad(r, err, k.len == 9 ? "bad base64 in value_b64" : "bad value");
			seen |= 2;
		} else if (v3 && jtok_is(&k, "create_revision") && jtok_int64(&t, &rec->create_revision)) {
			seen |= 4;
		} else if (v3 && jtok_is(&k, "mod_revision") && jtok_int64(&t, &rec->mod_revision)) {
			seen |= 8;
		} else if (v3 && jtok_is(&k, "version") && jtok_int64(&t, &rec->version)) {
			seen |= 16;
		} else if (v3 && jtok_is(&k, "lease") && jtok_int64(&t, &rec->lease)) {
			seen |= 32;
		} else if (!v3 && jtok_is(&k, "created_index") && jtok_int64(&t, &rec->created_index)) {
			seen |= 4;
		} else if (!v3 && jtok_is(&k, "modified_index") &&
			   jtok_int64(&t, &rec->modified_index)) {
			seen |= 8;
		} else if (!v3 && jtok_is(&k, "dir") && t.type == JT_TRUE) {
			rec->dir = true;
		} else if (!v3 && jtok_is(&k, "ttl") && jtok_int64(&t, &rec->ttl)) {
			rec->has_ttl = true;
		} else if (!v3 && jtok_is(&k, "expiration") && t.type == JT_STRING) {
			rec->expiration = t.str;
			rec->has_ttl = true;
		} else {
			const char *const *other = v3 ? v2_fields : v3_fields;
			size_t n = v3 ? ARRAY_SIZE(v2_fields) : ARRAY_SIZE(v3_fields);

			for (size_t i = 0; i < n; i++)
				if (jtok_is(&k, other[i])) {
					snprintf(msg, sizeof(msg),
						 "record of the wrong API: '%s' is a %s field, this is a %s "
						 "snapshot", k.str, v3 ? "v2" : "v3", v3 ? "v3" : "v2");
					return bad(r, err, msg);
				}
			snprintf(msg, sizeof(msg), "bad or unknown field '%.64s' in record", k.str);
			return bad(r, err, msg);
		}
	}
	if (k.type != JT_OBJECT_END || jscan_next(&s, &t) != JT_END) {
		snprintf(msg, sizeof(msg), "malformed record: %s", s.error ? s.error : "bad JSON");
		return bad(r, err, msg);
	}
	if (!(seen & 1))
		return bad(r, err, "record without a key");
	if (v3 && (seen & 62) != 62)
		return bad(r, err, "v3 record needs value, create_revision, mod_revision, version, lease");
	if (!v3 && (seen & 12) != 12)
		return bad(r, err, "v2 record needs created_index and modified_index");
	if (!v3 && rec->dir == !!(seen & 2))
		return bad(r, err, "v2 record must have either a value or \"dir\":true");
	return check_record(r, rec, err);
}

enum dsck_err snapshot_reader_next(struct snapshot_reader *r, struct dsck_record *rec,
				   bool *done, struct dsck_error *err)
{
	char *line;
	size_t len;
	enum dsck_err rc;

	*done = false;
	if (r->done) {
		*done = true;
		return DSCK_OK;
	}
	if ((rc = next_line(r, &line, &len, err)))
		return rc;
	if (!line)
		return dsck_fail(err, DSCK_ERR_INPUT,
				 "%s:%zu: missing trailer: the file is truncated", r->path, r->lineno + 1);
	if (len >= sizeof(TRAILER_START) - 1 && !memcmp(line, TRAILER_START, sizeof(TRAILER_START) - 1)) {
		if ((rc = parse_trailer(r, line, len, err)))
			return rc;
		r->done = *done = true;
		return DSCK_OK;
	}
	EVP_DigestUpdate(r->sha, line, len + 1);
	if ((rc = parse_record(r, line, len, rec, err)))
		return rc;
	if (r->have_prev) {
		int c = record_key_cmp(r->prev_key.data, r->prev_key.len, rec->key, rec->key_len);

		if (c == 0)
			return bad(r, err, "duplicate key");
		if (c > 0)
			return bad(r, err, "keys are not sorted (this key sorts before the previous one)");
	}
	buf_reset(&r->prev_key);
	if (buf_append(&r->prev_key, rec->key, rec->key_len))
		return dsck_oom(err);
	r->have_prev = true;
	r->records++;
	return DSCK_OK;
}
