#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/keytext.h"
#include "base/thread.h"
#include "base/macro.h"
#include "ops/diff.h"
#include "ops/restore.h"

/* Per-op overhead of a guarded put in a Txn, in bytes, for batch sizing. */
#define OP_OVERHEAD 48

const char *restore_action_name(enum restore_action a)
{
	static const char *const names[] = {
		[RA_CREATE] = "create", [RA_UPDATE] = "update", [RA_SAME] = "same",
		[RA_CONFLICT] = "conflict", [RA_SKIP] = "skip", [RA_DELETE] = "delete",
		[RA_OMIT] = "omit"
	};

	return ENUM_NAME(names, a);
}

/* --- classification --- */

static bool is_ready(const struct dsck_record *r)
{
	return r->key_len == sizeof(CALICO_READY_KEY) - 1 &&
	       memcmp(r->key, CALICO_READY_KEY, r->key_len) == 0;
}

/* Seconds left on a v2 TTL record (from its expiration when known). */
static int64_t ttl_left(const struct dsck_record *r)
{
	struct tm tm;
	const char *end;

	if (r->expiration) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(r->expiration, "%Y-%m-%dT%H:%M:%S", &tm);
		if (end)
			return (int64_t)(timegm(&tm) - time(NULL));
	}
	return r->ttl;
}

static bool restorable(const struct restore *r, const struct dsck_record *src)
{
	if (src->dir && r->opts->to == DSCK_API_V3)
		return false;   /* the v3 keyspace is flat, as after etcdctl migrate */
	if (src->has_ttl && (!r->opts->include_ephemeral || ttl_left(src) <= 0))
		return false;
	return true;
}

static enum restore_action classify(const struct restore *r, const struct dsck_record *src,
				    const struct dsck_record *live)
{
	if (!src)
		return r->opts->prune ? RA_DELETE : RA_SAME;
	if (!restorable(r, src))
		return RA_OMIT;
	if (!live)
		return RA_CREATE;
	if (diff_same(src, live))
		return RA_SAME;
	if (src->dir != live->dir)
		return RA_CONFLICT;   /* a directory where a key is, or the reverse */
	/*
	 * A Ready of "false" in the target is a conflict like any other: it is
	 * the operator's lock (or calico-upgrade's), never lifted silently.
	 */
	switch (r->opts->on_conflict) {
	case RESTORE_SKIP: return RA_SKIP;
	case RESTORE_OVERWRITE: return RA_UPDATE;
	case RESTORE_FAIL: break;
	}
	return RA_CONFLICT;
}

static bool is_false(const struct dsck_record *r)
{
	return r->value_len == 5 && memcmp(r->value, "false", 5) == 0;
}

static bool under(const char *dir, size_t dlen, const struct dsck_record *r)
{
	return r->key_len > dlen && r->key[dlen] == '/' && memcmp(r->key, dir, dlen) == 0;
}

typedef enum dsck_err (*step_fn)(struct restore *r, enum restore_action a,
				 const struct dsck_record *src, const struct dsck_record *live,
				 struct dsck_error *err);

static enum dsck_err next_live(struct restore *r, struct source *live, struct dsck_record *rec,
			       bool *done, struct dsck_error *err)
{
	enum dsck_err rc;

	/* A v2 source never holds v3 directories; v2 dirs do not exist in v3. */
	do {
		rc = source_next(live, rec, done, err);
	} while (!rc && !*done && rec->dir && r->from->api != DSCK_API_V2);
	return rc;
}

/* Merge the source with the target's records (@live) and call @step for every key. */
static enum dsck_err walk(struct restore *r, struct source *live, step_fn step,
			  struct dsck_error *err)
{
	struct dsck_record s, l;
	bool ds, dl;
	enum dsck_err rc;

	if ((rc = source_next(r->from, &s, &ds, err)) || (rc = next_live(r, live, &l, &dl, err)))
		return rc;
	while (!ds || !dl) {
		int c = ds ? 1 : dl ? -1 : record_key_cmp(s.key, s.key_len, l.key, l.key_len);

		if (r->stop && *r->stop)
			return dsck_fail(err, DSCK_ERR_INTERRUPTED, "interrupted by a signal");
		if (c < 0) {
			rc = step(r, classify(r, &s, NULL), &s, NULL, err);
			if (!rc)
				rc = source_next(r->from, &s, &ds, err);
		} else if (c > 0) {
			/* Every key is its own delete: nothing goes recursively. */
			rc = step(r, classify(r, NULL, &l), NULL, &l, err);
			if (!rc)
				rc = next_live(r, live, &l, &dl, err);
		} else {
			rc = step(r, classify(r, &s, &l), &s, &l, err);
			if (!rc)
				rc = source_next(r->from, &s, &ds, err);
			if (!rc)
				rc = next_live(r, live, &l, &dl, err);
		}
		if (rc)
			return rc;
	}
	return DSCK_OK;
}

/* --- plan --- */

static int64_t guard_of(const struct restore *r, const struct dsck_record *live)
{
	return r->opts->to == DSCK_API_V3 ? live->mod_revision : live->modified_index;
}

/*
 * Refuse at plan time what apply could not write, so that a run that cannot
 * succeed never takes the Calico lock (docs/restore-safety.md).
 */
static enum dsck_err check_writable(const struct restore *r, const struct dsck_record *src,
				    struct dsck_error *err)
{
	struct keytext kt;
	const char *why = NULL;
	size_t size = 2 * src->key_len + src->value_len + OP_OVERHEAD;

	if (!record_key_storable(r->opts->to, src->key, src->key_len, &why))
		return dsck_fail(err, DSCK_ERR_INPUT, "key '%s' cannot be written to %s: %s (nothing "
				 "was written)", keytext(&kt, src->key, src->key_len),
				 dsck_api_name(r->opts->to), why);
	if (size > r->opts->max_request_bytes)
		return dsck_fail(err, DSCK_ERR_TOO_LARGE,
				 "'%s': a write of its %zu-byte value is over --max-request-bytes %zu "
				 "(etcd refuses it); nothing was written",
				 keytext(&kt, src->key, src->key_len), src->value_len,
				 r->opts->max_request_bytes);
	if (src->has_ttl && ttl_left(src) > RECORD_TTL_MAX)
		return dsck_fail(err, DSCK_ERR_INPUT,
				 "'%s': TTL %lld s is out of range (at most %lld); nothing was written",
				 keytext(&kt, src->key, src->key_len), (long long)ttl_left(src),
				 (long long)RECORD_TTL_MAX);
	return DSCK_OK;
}

static enum dsck_err plan_step(struct restore *r, enum restore_action a,
			       const struct dsck_record *src, const struct dsck_record *live,
			       struct dsck_error *err)
{
	struct restore_counts *n = &r->counts;
	enum dsck_err rc;

	if ((a == RA_CREATE || a == RA_UPDATE) && (rc = check_writable(r, src, err)))
		return rc;

	switch (a) {
	case RA_CREATE: n->create++; break;
	case RA_UPDATE: n->update++; break;
	case RA_SAME: n->same += src != NULL; break;
	case RA_CONFLICT: n->conflict++; break;
	case RA_SKIP: n->skip++; break;
	case RA_DELETE: n->del++; break;
	case RA_OMIT: n->omit++; break;
	}
	if (a == RA_CREATE || a == RA_UPDATE)
		n->plan_bytes += src->key_len + src->value_len;
	if (src && is_ready(src) && a != RA_OMIT) {
		const struct dsck_record *final = a == RA_SKIP ? live : src;

		r->ready_in_source = true;
		r->ready_action = a;
		r->ready_live = live != NULL;
		r->ready_guard = live ? guard_of(r, live) : 0;
		r->ready_paused = live && is_false(live) && !is_false(src);
		buf_reset(&r->ready_value);
		buf_reset(&r->ready_prev);
		if (buf_append(&r->ready_value, final->value, final->value_len) ||
		    (live && buf_append(&r->ready_prev, live->value, live->value_len)))
			return dsck_oom(err);
	}
	if (r->on_plan && a != RA_SAME)
		r->on_plan(r->ctx, a, src, live);
	return DSCK_OK;
}

static enum dsck_err open_live(struct restore *r, int64_t revision, struct dsck_error *err)
{
	enum dsck_err rc;

	if (r->live_open) {
		source_close(&r->live);
		r->live_open = false;
	}
	if (r->opts->to == DSCK_API_V3)
		rc = source_open_v3_at(&r->live, r->conn, r->filter, r->opts->page_size, false,
				       revision, err);
	else
		rc = source_open_v2(&r->live, r->conn, r->filter, true, err);
	r->live_open = !rc;
	return rc;
}

/* What restore_plan and restore_plan_sources share before the first record. */
static enum dsck_err plan_begin(struct restore *r, struct source *from,
				const struct restore_opts *opts, struct dsck_error *err)
{
	r->opts = opts;
	r->from = from;
	memset(&r->counts, 0, sizeof(r->counts));
	buf_init(&r->ready_value, (size_t)4 << 20);
	buf_init(&r->ready_prev, (size_t)4 << 20);
	buf_init(&r->dir_keys, (size_t)64 << 20);
	buf_init(&r->dir_ends, (size_t)16 << 20);
	if (from->api == DSCK_API_V3 && opts->to == DSCK_API_V2)
		return dsck_fail(err, DSCK_ERR_USAGE,
				 "a v3 snapshot cannot be restored into the v2 store (--to v3)");
	return DSCK_OK;
}

enum dsck_err restore_plan_sources(struct restore *r, struct source *from, struct source *live,
				   const struct restore_opts *opts, struct dsck_error *err)
{
	enum dsck_err rc = plan_begin(r, from, opts, err);

	return rc ? rc : walk(r, live, plan_step, err);
}

enum dsck_err restore_plan(struct restore *r, struct source *from,
			   const struct restore_opts *opts, const struct dsck_conn *conn,
			   const struct keyfilter *filter, struct dsck_error *err)
{
	enum dsck_err rc;

	r->conn = conn;
	r->filter = filter;
	if ((rc = plan_begin(r, from, opts, err)) || (rc = open_live(r, 0, err)) ||
	    (rc = walk(r, &r->live, plan_step, err)))
		return rc;
	/* The v3 plan is pinned: apply re-reads the target at this revision. */
	r->plan_revision = r->live.revision;
	return DSCK_OK;
}

bool restore_has_writes(const struct restore *r)
{
	return r->counts.create + r->counts.update + r->counts.del > 0;
}

bool restore_takes_lock(const struct restore *r)
{
	return r->ready_in_source && restore_has_writes(r);
}

bool restore_bound_prefix(const char *user, const char *file_prefix, char *out, size_t len)
{
	struct keyfilter u, h;

	keyfilter_init(&u, user, true);
	keyfilter_init(&h, file_prefix, true);
	if (keyfilter_under_prefix(&u, h.prefix, h.prefix_len))
		snprintf(out, len, "%.*s", (int)h.prefix_len, h.prefix);
	else if (keyfilter_under_prefix(&h, u.prefix, u.prefix_len))
		snprintf(out, len, "%.*s", (int)u.prefix_len, u.prefix);
	else
		return false;
	return true;
}

/* --- v3 writes --- */

struct batch_op {
	size_t key_off, key_len, val_off, val_len;
	bool del;
	bool create;           /* guard: create_revision == 0 (else mod_revision == rev) */
	int64_t rev;
	int64_t lease;
};

struct restore_batch {
	struct buf arena;
	struct batch_op *ops;
	size_t n, alloc;
	size_t bytes;
	/* While in flight: sent by its own thread and client (docs/restore-safety.md). */
	pthread_t thread;
	bool in_flight;
	struct etcd3_client client;
	bool client_open;
	struct etcd3_guarded_op *g;
	bool succeeded;
	enum dsck_err rc;
	struct dsck_error err;
};

/*
 * v3 writes go out as guarded Txn batches, up to 16 at once by default:
 * etcd commits several proposals in one disk sync, so one batch at a time
 * leaves the server waiting on the client. Batches hold disjoint keys and
 * each key's own guard, so their order does not matter; Ready's writes
 * (first and last) wait until nothing else is in flight. 16 measured best
 * on etcd 3.4 (docs/benchmarks.md, "Restore"): about 15 % over 4, the same
 * as 32; each batch holds at most --max-request-bytes. More than 16 does not
 * make etcd faster, only its queue longer: the benchmark shows that with
 * DSCK_RESTORE_IN_FLIGHT (restore_opts.in_flight).
 */
#define RESTORE_IN_FLIGHT_DEFAULT 16

struct restore_pipe {
	struct restore_batch b[RESTORE_IN_FLIGHT_MAX];
	size_t n, cur;
};

static enum dsck_err batch_init(struct restore *r, struct dsck_error *err)
{
	struct restore_pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return dsck_oom(err);
	r->pipe = p;
	p->n = r->opts->in_flight > 0 && r->opts->in_flight <= RESTORE_IN_FLIGHT_MAX
	       ? (size_t)r->opts->in_flight : RESTORE_IN_FLIGHT_DEFAULT;
	for (size_t i = 0; i < p->n; i++) {
		struct restore_batch *b = &p->b[i];

		buf_init(&b->arena, (size_t)64 << 20);
		b->alloc = (size_t)r->opts->max_txn_ops;
		b->ops = calloc(b->alloc, sizeof(*b->ops));
		b->g = calloc(b->alloc, sizeof(*b->g));
		if (!b->ops || !b->g)
			return dsck_oom(err);
	}
	r->batch = &p->b[0];
	return DSCK_OK;
}

static void batch_reset(struct restore_batch *b)
{
	b->n = 0;
	b->bytes = 0;
	buf_reset(&b->arena);
}

static void batch_free(struct restore *r)
{
	if (!r->pipe)
		return;
	for (size_t i = 0; i < r->pipe->n; i++) {
		struct restore_batch *b = &r->pipe->b[i];

		if (b->in_flight)
			pthread_join(b->thread, NULL);
		if (b->client_open)
			etcd3_client_release(&b->client);
		buf_release(&b->arena);
		free(b->ops);
		free(b->g);
	}
	free(r->pipe);
	r->pipe = NULL;
	r->batch = NULL;
}

/* Say which key of a failed batch changed since the plan. */
static enum dsck_err report_race(struct restore *r, const struct restore_batch *b,
				 struct dsck_error *err)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct batch_op *op = &b->ops[i];
		const char *key = b->arena.data + op->key_off;
		int64_t now_rev = 0, now_create = 0;

		if (etcd3_key_revisions(&r->c3, key, op->key_len, &now_create, &now_rev, err))
			return err->code;
		if ((op->create && now_create != 0) || (!op->create && now_rev != op->rev)) {
			struct keytext kt;

			return dsck_fail(err, DSCK_ERR_CONFLICT,
					 "concurrent write detected: '%s' changed since the plan "
					 "(%s, now at mod_revision %lld); this batch of %zu keys was not "
					 "written; re-run the restore to converge",
					 keytext(&kt, key, op->key_len),
					 op->create ? "planned: absent" : "planned: unchanged",
					 (long long)now_rev, b->n);
		}
	}
	return dsck_fail(err, DSCK_ERR_CONFLICT,
			 "concurrent write detected: a Txn guard failed; this batch of %zu keys was "
			 "not written; re-run the restore to converge", b->n);
}

/* The batch as guarded Txn operations, checked against the request limit. */
static enum dsck_err batch_ops(struct restore *r, struct restore_batch *b,
			       struct dsck_error *err)
{
	size_t size;
	enum dsck_err rc;

	for (size_t i = 0; i < b->n; i++) {
		const struct batch_op *op = &b->ops[i];

		b->g[i] = (struct etcd3_guarded_op){
			.key = b->arena.data + op->key_off, .key_len = op->key_len,
			.value = b->arena.data + op->val_off, .value_len = op->val_len,
			.del = op->del, .create = op->create, .rev = op->rev, .lease = op->lease,
		};
	}
	if ((rc = etcd3_guarded_txn_size(b->g, b->n, &size, err)))
		return rc;
	if (size > r->opts->max_request_bytes)
		return dsck_fail(err, DSCK_ERR_TOO_LARGE,
				 "a Txn of %zu ops is %zu bytes, over --max-request-bytes %zu "
				 "(a single value that large cannot be written to etcd)",
				 b->n, size, r->opts->max_request_bytes);
	return DSCK_OK;
}

/* Count a batch that was written, and empty it. */
static enum dsck_err batch_done(struct restore *r, struct restore_batch *b, bool succeeded,
				struct dsck_error *err)
{
	if (!succeeded)
		return report_race(r, b, err);
	for (size_t i = 0; i < b->n; i++) {
		if (b->ops[i].del) {
			r->counts.deleted++;
		} else {
			r->counts.written++;
			r->counts.written_bytes += b->ops[i].key_len + b->ops[i].val_len;
		}
	}
	if (r->on_progress)
		r->on_progress(r->ctx, r->counts.written + r->counts.deleted,
			       r->counts.written_bytes);
	batch_reset(b);
	return DSCK_OK;
}

static void *batch_run(void *arg)
{
	struct restore_batch *b = arg;

	b->rc = etcd3_guarded_txn(&b->client, b->g, b->n, &b->succeeded, NULL, &b->err);
	return NULL;
}

/* Wait for a batch in flight and take in its result. */
static enum dsck_err batch_join(struct restore *r, struct restore_batch *b,
				struct dsck_error *err)
{
	if (!b->in_flight)
		return DSCK_OK;
	pthread_join(b->thread, NULL);
	b->in_flight = false;
	if (b->rc)
		return dsck_fail(err, b->rc, "%s", b->err.msg);
	return batch_done(r, b, b->succeeded, err);
}

/* Wait for every batch in flight; the first failure is the one reported. */
static enum dsck_err batch_drain(struct restore *r, struct dsck_error *err)
{
	enum dsck_err rc = DSCK_OK, e;

	for (size_t i = 0; i < r->pipe->n; i++)
		if ((e = batch_join(r, &r->pipe->b[i], err)) && !rc)
			rc = e;
	return rc;
}

/* Send the current batch in the background and move on to the next slot. */
static enum dsck_err batch_submit(struct restore *r, struct dsck_error *err)
{
	struct restore_pipe *p = r->pipe;
	struct restore_batch *b = r->batch, *next;
	enum dsck_err rc;
	int e;

	if ((rc = batch_ops(r, b, err)))
		return rc;
	if (!b->client_open) {
		if ((rc = etcd3_client_init(&b->client, r->conn, err)))
			return rc;
		b->client.current = r->c3.current;
		b->client_open = true;
	}
	dsck_error_clear(&b->err);
	b->rc = DSCK_OK;
	b->succeeded = false;
	if ((e = thread_start(&b->thread, batch_run, b)))
		return dsck_fail(err, DSCK_ERR_NOMEM, "cannot start a thread: %s", strerror(e));
	b->in_flight = true;
	p->cur = (p->cur + 1) % p->n;
	next = &p->b[p->cur];
	r->batch = next;
	return batch_join(r, next, err);
}

/*
 * Write the current batch now, on the caller's client, after everything in
 * flight: Ready's writes need their revision, and order.
 */
static enum dsck_err batch_flush(struct restore *r, int64_t *revision, struct dsck_error *err)
{
	struct restore_batch *b = r->batch;
	bool succeeded = false;
	enum dsck_err rc;

	if ((rc = batch_drain(r, err)))
		return rc;
	if (!b->n)
		return DSCK_OK;
	if ((rc = batch_ops(r, b, err)) ||
	    (rc = etcd3_guarded_txn(&r->c3, b->g, b->n, &succeeded, revision, err)))
		return rc;
	return batch_done(r, b, succeeded, err);
}

static enum dsck_err batch_add(struct restore *r, const struct dsck_record *key_rec,
			       const struct dsck_record *val_rec, bool del, bool create,
			       int64_t rev, int64_t lease, struct dsck_error *err)
{
	struct restore_batch *b = r->batch;
	size_t vlen = val_rec ? val_rec->value_len : 0;
	size_t cost = 2 * key_rec->key_len + vlen + OP_OVERHEAD;
	struct batch_op *op;
	enum dsck_err rc;

	/* Stay well under the server's request limit and op limit. */
	if (b->n && (b->n == (size_t)r->opts->max_txn_ops ||
		     b->bytes + cost > r->opts->max_request_bytes * 3 / 4)) {
		if ((rc = batch_submit(r, err)))
			return rc;
		b = r->batch;
	}
	op = &b->ops[b->n];
	op->key_off = b->arena.len;
	op->key_len = key_rec->key_len;
	if (buf_append(&b->arena, key_rec->key, key_rec->key_len))
		return dsck_oom(err);
	op->val_off = b->arena.len;
	op->val_len = vlen;
	if (vlen && buf_append(&b->arena, val_rec->value, vlen)) {
		struct keytext kt;

		return dsck_fail(err, DSCK_ERR_TOO_LARGE, "value of '%s' is too large",
				 keytext(&kt, key_rec->key, key_rec->key_len));
	}
	op->del = del;
	op->create = create;
	op->rev = rev;
	op->lease = lease;
	b->n++;
	b->bytes += cost;
	return DSCK_OK;
}

/* --- v2 writes --- */

static enum dsck_err v2_flush_dir(struct restore *r, const struct dsck_record *next,
				  struct dsck_error *err)
{
	struct etcd2_put_opts po = { .dir = true, .prev_exist = 0 };
	size_t n = (size_t)r->pending_dir_len;
	enum dsck_err rc;

	if (!n)
		return DSCK_OK;
	/* A directory with a child to come is created implicitly by the child. */
	if (next && under(r->pending_dir, n, next))
		rc = DSCK_OK;
	else if (!(rc = etcd2_put(&r->c2, r->pending_dir, NULL, 0, &po, NULL, err)))
		r->counts.written++;
	r->pending_dir_len = 0;
	return rc;
}

static enum dsck_err v2_write(struct restore *r, enum restore_action a,
			      const struct dsck_record *src, const struct dsck_record *live,
			      struct dsck_error *err)
{
	struct etcd2_put_opts po = { .prev_exist = -1 };
	char key[4096];
	enum dsck_err rc;

	if ((rc = v2_flush_dir(r, src ? src : live, err)))
		return rc;
	if (a == RA_DELETE) {
		/* A directory goes after everything under it, and only when empty. */
		if (live->dir) {
			size_t end;

			if (buf_append(&r->dir_keys, live->key, live->key_len) ||
			    buf_appendc(&r->dir_keys, '\0'))
				return dsck_oom(err);
			end = r->dir_keys.len;
			return buf_append(&r->dir_ends, &end, sizeof(end))
				       ? dsck_oom(err) : DSCK_OK;
		}
		if (live->key_len >= sizeof(key))
			return dsck_fail(err, DSCK_ERR_TOO_LARGE, "key too long for v2: '%.64s...'",
					 live->key);
		snprintf(key, sizeof(key), "%.*s", (int)live->key_len, live->key);
		rc = etcd2_delete(&r->c2, key, 0, live->modified_index, err);
		r->counts.deleted += !rc;
		return rc;
	}
	if (src->key_len >= sizeof(key))
		return dsck_fail(err, DSCK_ERR_TOO_LARGE, "key too long for v2: '%.64s...'", src->key);
	if (src->dir && a == RA_CREATE) {
		memcpy(r->pending_dir, src->key, src->key_len);
		r->pending_dir[src->key_len] = '\0';
		r->pending_dir_len = (int64_t)src->key_len;
		return DSCK_OK;
	}
	snprintf(key, sizeof(key), "%.*s", (int)src->key_len, src->key);
	if (a == RA_CREATE)
		po.prev_exist = 0;
	else
		po.prev_index = live->modified_index;
	if (src->has_ttl)
		po.ttl = ttl_left(src);
	rc = etcd2_put(&r->c2, key, src->value, src->value_len, &po, NULL, err);
	if (rc)
		return rc;
	r->counts.written++;
	r->counts.written_bytes += src->key_len + src->value_len;
	if (r->on_progress)
		r->on_progress(r->ctx, r->counts.written + r->counts.deleted,
			       r->counts.written_bytes);
	return rc;
}

/*
 * Delete the pruned directories, deepest first (a child sorts after its
 * parent, so reverse order), without "recursive": one that still holds a key
 * fails the run and stays.
 */
static enum dsck_err v2_delete_dirs(struct restore *r, struct dsck_error *err)
{
	size_t n = r->dir_ends.len / sizeof(size_t);
	enum dsck_err rc;

	while (n--) {
		size_t start = 0;

		if (n)
			memcpy(&start, r->dir_ends.data + (n - 1) * sizeof(size_t), sizeof(start));
		if ((rc = etcd2_delete(&r->c2, r->dir_keys.data + start, ETCD2_DELETE_DIR, 0, err)))
			return rc;
		r->counts.deleted++;
	}
	buf_reset(&r->dir_keys);
	buf_reset(&r->dir_ends);
	return DSCK_OK;
}

/* --- apply --- */

static enum dsck_err apply_step(struct restore *r, enum restore_action a,
				const struct dsck_record *src, const struct dsck_record *live,
				struct dsck_error *err)
{
	int64_t lease = 0;
	enum dsck_err rc;

	if (a != RA_CREATE && a != RA_UPDATE && a != RA_DELETE)
		return DSCK_OK;
	if (src && is_ready(src)) {
		/* Written last, by the lock; the lock's first write made its directories. */
		return r->opts->to == DSCK_API_V2 ? v2_flush_dir(r, src, err) : DSCK_OK;
	}
	if (r->opts->to == DSCK_API_V2)
		return v2_write(r, a, src, live, err);
	if (a == RA_DELETE)
		return batch_add(r, live, NULL, true, false, live->mod_revision, 0, err);
	if (src->has_ttl && (rc = etcd3_lease_grant(&r->c3, ttl_left(src), &lease, err)))
		return rc;
	return batch_add(r, src, src, false, a == RA_CREATE, a == RA_CREATE ? 0 : live->mod_revision,
			 lease, err);
}

/* Write Ready (guarded by @guard, 0 = must not exist); returns the new guard. */
static enum dsck_err write_ready(struct restore *r, const char *value, size_t len, bool exists,
				 int64_t guard, int64_t *new_guard, struct dsck_error *err)
{
	struct dsck_record rec = { .key = CALICO_READY_KEY, .key_len = sizeof(CALICO_READY_KEY) - 1,
				   .value = value, .value_len = len };

	size_t written = r->counts.written;
	enum dsck_err rc;

	if (r->opts->to == DSCK_API_V2) {
		struct etcd2_put_opts po = { .prev_exist = exists ? -1 : 0, .prev_index = guard };

		return etcd2_put(&r->c2, CALICO_READY_KEY, value, len, &po, new_guard, err);
	}
	rc = batch_add(r, &rec, &rec, false, !exists, guard, 0, err);
	if (!rc)
		rc = batch_flush(r, new_guard, err);
	/* The lock's own writes are not restored keys. */
	r->counts.written = written;
	return rc;
}

/* The command an operator runs to put Ready back by hand. */
static void ready_command(const struct restore *r, char *out, size_t len)
{
	const char *ep = r->opts->to == DSCK_API_V2 ? r->conn->endpoints[r->c2.current]
						    : etcd3_endpoint(&r->c3);
	struct keytext kt;
	const char *prev = keytext(&kt, r->ready_prev.data ? r->ready_prev.data : "",
				   r->ready_prev.len);

	if (!r->ready_live)
		snprintf(out, len, "ETCDCTL_API=%d etcdctl --endpoints %s %s %s",
			 r->opts->to == DSCK_API_V2 ? 2 : 3, ep,
			 r->opts->to == DSCK_API_V2 ? "rm" : "del", CALICO_READY_KEY);
	else
		snprintf(out, len, "ETCDCTL_API=%d etcdctl --endpoints %s %s %s '%s'",
			 r->opts->to == DSCK_API_V2 ? 2 : 3, ep,
			 r->opts->to == DSCK_API_V2 ? "set" : "put", CALICO_READY_KEY, prev);
}

/*
 * Apply failed after Ready was set to false: put the previous value back
 * (guarded by the lock's own revision, so an operator's later change wins),
 * and say in @err what happened to the lock.
 */
static void release_lock(struct restore *r, int64_t guard, struct dsck_error *err)
{
	struct dsck_error e2 = DSCK_ERROR_INIT;
	size_t n = strlen(err->msg);
	char cmd[768];
	enum dsck_err rc;

	if (r->opts->to == DSCK_API_V2) {
		struct etcd2_put_opts po = { .prev_exist = -1, .prev_index = guard };

		rc = r->ready_live ? etcd2_put(&r->c2, CALICO_READY_KEY, r->ready_prev.data,
					       r->ready_prev.len, &po, NULL, &e2)
				   : etcd2_delete(&r->c2, CALICO_READY_KEY, 0, guard, &e2);
	} else {
		struct dsck_record rec = { .key = CALICO_READY_KEY,
					   .key_len = sizeof(CALICO_READY_KEY) - 1,
					   .value = r->ready_prev.data, .value_len = r->ready_prev.len };
		size_t written, deleted;

		/*
		 * Ready goes back only after every batch in flight has landed (its
		 * guard must come last). A drained batch that failed is not
		 * reported: @err already holds the failure that stopped the run,
		 * and a batch that was not written leaves its keys as they were,
		 * which a re-run converges (docs/restore-safety.md). What was
		 * written is counted; the unsent batch is dropped.
		 */
		batch_drain(r, &e2);
		dsck_error_clear(&e2);
		batch_reset(r->batch);
		written = r->counts.written;
		deleted = r->counts.deleted;
		rc = batch_add(r, &rec, &rec, !r->ready_live, false, guard, 0, &e2);
		if (!rc)
			rc = batch_flush(r, NULL, &e2);
		r->counts.written = written;
		r->counts.deleted = deleted;
	}
	r->lock_released = !rc;
	if (!rc) {
		snprintf(err->msg + n, sizeof(err->msg) - n, "; %s was put back to its previous %s",
			 CALICO_READY_KEY, r->ready_live ? "value" : "state (absent)");
		return;
	}
	ready_command(r, cmd, sizeof(cmd));
	snprintf(err->msg + n, sizeof(err->msg) - n,
		 "; %s is still \"false\" (Calico is paused) and could not be put back (%s): "
		 "run: %s", CALICO_READY_KEY, e2.msg, cmd);
}

enum dsck_err restore_apply(struct restore *r, struct dsck_error *err)
{
	const struct restore_counts *n = &r->counts;
	bool lock;
	int64_t guard = 0;
	enum dsck_err rc;

	if (n->conflict)
		return dsck_fail(err, DSCK_ERR_CONFLICT,
				 "%zu conflicting keys: nothing was written (use --on-conflict skip or "
				 "overwrite)", n->conflict);
	lock = restore_takes_lock(r);
	if (!restore_has_writes(r))
		return DSCK_OK;
	if ((rc = etcd2_client_init(&r->c2, r->conn, err)))
		return rc;
	if ((rc = etcd3_client_init(&r->c3, r->conn, err))) {
		etcd2_client_release(&r->c2);
		return rc;
	}
	r->clients_open = true;
	if (r->opts->to == DSCK_API_V3 && (rc = batch_init(r, err)))
		return rc;
	/* Walk the same merge again: v3 at the plan's revision, v2 over the same listing. */
	if ((rc = source_rewind(r->from, err)))
		return rc;
	if (r->opts->to == DSCK_API_V3)
		rc = open_live(r, r->plan_revision, err);
	else
		rc = source_rewind(&r->live, err);
	if (rc)
		return rc;
	if (lock && (rc = write_ready(r, "false", 5, r->ready_live, r->ready_guard, &guard, err)))
		return rc;
	r->locked = lock;
	if (!(rc = walk(r, &r->live, apply_step, err))) {
		if (r->opts->to == DSCK_API_V3)
			rc = batch_flush(r, NULL, err);
		else if (!(rc = v2_flush_dir(r, NULL, err)))
			rc = v2_delete_dirs(r, err);
	}
	if (rc) {
		if (lock)
			release_lock(r, guard, err);
		return rc;
	}
	if (lock) {
		rc = write_ready(r, r->ready_value.data ? r->ready_value.data : "", r->ready_value.len,
				 true, guard, NULL, err);
		if (rc)
			release_lock(r, guard, err);
		else if (r->ready_action != RA_SAME && r->ready_action != RA_SKIP)
			r->counts.written++;
	}
	return rc;
}

void restore_release(struct restore *r)
{
	if (r->live_open)
		source_close(&r->live);
	r->live_open = false;
	if (r->clients_open) {
		etcd2_client_release(&r->c2);
		etcd3_client_release(&r->c3);
		r->clients_open = false;
	}
	batch_free(r);
	buf_release(&r->ready_value);
	buf_release(&r->ready_prev);
	buf_release(&r->dir_keys);
	buf_release(&r->dir_ends);
}
