/*
 * verify-migrate: after `etcdctl migrate` (docs/etcd-facts.md), member by
 * member: the v2 API is still served, the v2 data is as before (--before),
 * every v2 leaf has an identical v3 copy, and the members agree.
 *
 * Expected differences are explained, not failed: directories have no v3
 * key; a v2 TTL key became a permanent v3 key (ttl-persisted); an ephemeral
 * key that expired while etcd was down exists only in v3
 * (expired-during-migration); v3-model keys are counted separately.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "check/check.h"
#include "ops/diff.h"
#include "store/source.h"

#define DIVERGENCE_KEYS_MAX 20
#define EDITED_KEYS_MAX 10000  /* v2 keys changed since --before, remembered for blame */

struct digest {
	EVP_MD_CTX *ctx;
};

static void digest_add(EVP_MD_CTX *ctx, const struct dsck_record *r)
{
	uint64_t kl = r->key_len, vl = r->dir ? UINT64_MAX : r->value_len;

	/* Lengths first, so different splits of the same bytes never collide. */
	EVP_DigestUpdate(ctx, &kl, sizeof(kl));
	EVP_DigestUpdate(ctx, r->key, r->key_len);
	EVP_DigestUpdate(ctx, &vl, sizeof(vl));
	if (!r->dir)
		EVP_DigestUpdate(ctx, r->value, r->value_len);
}

static bool is_model_key(const struct dsck_record *r)
{
	size_t n = sizeof(COUNTS_V3_MODEL_PREFIX) - 1;

	return r->key_len >= n && memcmp(r->key, COUNTS_V3_MODEL_PREFIX, n) == 0;
}

struct member_walk {
	struct check_result *res;
	struct check_member *m;
	EVP_MD_CTX *d2, *d3;
	json_t *edited;        /* v2 keys changed since the --before snapshot: key -> its value then */
};

/* The --before value of a v2 key that changed since, or NULL. */
static const json_t *edited_value(const struct member_walk *w, const struct dsck_record *r)
{
	if (!w->edited || memchr(r->key, 0, r->key_len))
		return NULL;
	return json_object_getn(w->edited, r->key, r->key_len);
}

static enum dsck_err add(struct member_walk *w, enum severity sev, const char *code,
			 const struct dsck_record *r, const char *detail)
{
	return findings_add(&w->res->findings, sev, code, w->m->endpoint, r ? r->key : NULL,
			    r ? r->key_len : 0, "%s", detail);
}

static enum dsck_err next_v2(struct member_walk *w, struct source *s, struct dsck_record *r,
			     bool *done, struct dsck_error *err)
{
	enum dsck_err rc;

	do {
		if ((rc = source_next(s, r, done, err)) || *done)
			return rc;
		counts_add_plain(&w->m->v2, r);
		if (!calico_key_is_ephemeral(r->key, r->key_len))
			digest_add(w->d2, r);
	} while (r->dir);
	return DSCK_OK;
}

static enum dsck_err next_v3(struct member_walk *w, struct source *s, struct dsck_record *r,
			     bool *done, struct dsck_error *err)
{
	enum dsck_err rc = source_next(s, r, done, err);

	if (rc || *done)
		return rc;
	if (!calico_key_is_ephemeral(r->key, r->key_len))
		digest_add(w->d3, r);
	counts_add_plain(&w->m->v3, r);
	return DSCK_OK;
}

/* Classify a key present in v2 only, v3 only, or both. */
static enum dsck_err judge(struct member_walk *w, const struct dsck_record *a,
			   const struct dsck_record *b)
{
	const struct dsck_record *r = a ? a : b;
	bool eph = calico_key_is_ephemeral(r->key, r->key_len);

	if (a && b) {
		w->res->compared++;
		if (a->has_ttl && b->lease == 0)
			return add(w, SEV_WARNING, "ttl-persisted", a,
				   "a v2 TTL key became a permanent v3 key (migrate without --no-ttl); "
				   "it will never expire in v3");
		if (!eph && !diff_same(a, b)) {
			const json_t *then = edited_value(w, a);

			/* v2 was edited after the snapshot and v3 kept the value: v2 is to blame. */
			if (then && json_string_length(then) == b->value_len &&
			    memcmp(json_string_value(then), b->value, b->value_len) == 0)
				return add(w, SEV_INFO, "v3-matches-before", a, "the v3 copy still "
					   "holds the pre-upgrade snapshot's value: the v2 value "
					   "changed after the snapshot (see v2-changed)");
			return add(w, SEV_ERROR, "v3-changed", a, "the v3 copy differs from the current v2 value");
		}
		return DSCK_OK;
	}
	if (a) {
		/* TTL keys are not copied with --no-ttl; ephemeral ones come and go. */
		if (a->has_ttl || eph)
			return DSCK_OK;
		return add(w, SEV_ERROR, "v3-missing", a, "this v2 key has no v3 copy");
	}
	if (is_model_key(b))
		return DSCK_OK;
	if (eph)
		return add(w, SEV_INFO, "expired-during-migration", b,
			   "in v3 but gone from v2: an ephemeral key that expired while etcd was "
			   "down (a permanent key in v3 now)");
	return add(w, SEV_INFO, "v3-extra", b, "a v3 key with no v2 counterpart");
}

static enum dsck_err compare_v2_v3(struct member_walk *w, struct source *v2, struct source *v3,
				   struct dsck_error *err)
{
	struct dsck_record a, b;
	bool da, db;
	enum dsck_err rc;

	if ((rc = next_v2(w, v2, &a, &da, err)) || (rc = next_v3(w, v3, &b, &db, err)))
		return rc;
	while (!da || !db) {
		int c = da ? 1 : db ? -1 : record_key_cmp(a.key, a.key_len, b.key, b.key_len);

		if ((rc = judge(w, c <= 0 ? &a : NULL, c >= 0 ? &b : NULL)))
			return dsck_oom(err);
		if (c <= 0 && (rc = next_v2(w, v2, &a, &da, err)))
			return rc;
		if (c >= 0 && (rc = next_v3(w, v3, &b, &db, err)))
			return rc;
	}
	return DSCK_OK;
}

/* --- --before: the v2 data is untouched --- */

static enum dsck_err on_before(void *ctx, enum diff_kind kind, const struct dsck_record *a,
			       const struct dsck_record *b, struct dsck_error *err)
{
	struct member_walk *w = ctx;
	enum dsck_err rc = DSCK_OK;

	(void)b;
	if (kind == DIFF_REMOVED)
		rc = add(w, SEV_ERROR, "v2-missing", a, "in the pre-upgrade snapshot, gone from v2");
	else if (kind == DIFF_CHANGED)
		rc = add(w, SEV_ERROR, "v2-changed", a,
			 "the v2 value differs from the pre-upgrade snapshot: v2 was changed after it");
	/* Remember what it was, so the v3 copy that kept it is not blamed (bounded). */
	if (!rc && kind == DIFF_CHANGED && w->edited && !a->dir &&
	    json_object_size(w->edited) < EDITED_KEYS_MAX && !memchr(a->key, 0, a->key_len))
		json_object_setn_new(w->edited, a->key, a->key_len,
				     json_stringn(a->value, a->value_len));
	return rc ? dsck_oom(err) : DSCK_OK;
}

static enum dsck_err check_before(struct member_walk *w, const char *before,
				  const struct dsck_conn *mc, const struct keyfilter *f,
				  struct dsck_error *err)
{
	struct source snap, v2;
	struct diff_summary sum;
	enum dsck_err rc;

	if ((rc = source_open_snapshot(&snap, before, f, err)))
		return rc;
	snap.progress = mc->progress;
	snap.progress_ctx = mc->progress_ctx;
	if (snap.api != DSCK_API_V2) {
		source_close(&snap);
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: --before needs a v2 snapshot", before);
	}
	if (!(rc = source_open_v2(&v2, mc, f, false, err))) {
		rc = diff_run(&snap, &v2, on_before, w, &sum, err);
		source_close(&v2);
	}
	source_close(&snap);
	return rc;
}

/* --- one member --- */

/* Connection failures make the member unreachable; anything else is fatal. */
static bool unreachable(enum dsck_err rc)
{
	return rc == DSCK_ERR_CONNECT;
}

static enum dsck_err check_member(struct check_result *res, struct check_member *m,
				  const struct dsck_conn *mc, const struct keyfilter *f,
				  const char *before, int64_t page_size, struct dsck_error *err)
{
	struct keyfilter all = *f;
	struct member_walk w = { .res = res, .m = m };
	struct dsck_error e = DSCK_ERROR_INIT;
	struct source v2, v3;
	bool v2_open = false;
	unsigned int len;
	enum dsck_err rc;

	/* Ephemeral keys are read too: they explain ttl-persisted and expired keys. */
	all.include_ephemeral = true;
	w.d2 = EVP_MD_CTX_new();
	w.d3 = EVP_MD_CTX_new();
	if (!w.d2 || !w.d3 || !EVP_DigestInit_ex(w.d2, EVP_sha256(), NULL) ||
	    !EVP_DigestInit_ex(w.d3, EVP_sha256(), NULL)) {
		rc = dsck_fail(err, DSCK_ERR_NOMEM, "cannot set up SHA-256");
		goto out;
	}
	rc = source_open_v2(&v2, mc, &all, false, &e);
	if (rc == DSCK_ERR_V2_DISABLED) {
		m->reachable = true;
		m->v2_served = 0;
		rc = findings_add(&res->findings, SEV_ERROR, "v2-unavailable", m->endpoint, NULL, 0,
				  "the member does not serve the v2 API: Calico v2.x would break; "
				  "restart etcd with --enable-v2=true");
		dsck_error_clear(&e);
	} else if (rc) {
		snprintf(m->error, sizeof(m->error), "%s", e.msg);
		if (unreachable(rc)) {
			rc = DSCK_OK;
			goto out;
		}
		rc = dsck_fail(err, rc, "%s", e.msg);
		goto out;
	} else {
		m->reachable = true;
		m->v2_served = 1;
		v2_open = true;
	}
	if (rc)
		goto out;
	if ((rc = source_open_v3(&v3, mc, &all, page_size, true, &e))) {
		snprintf(m->error, sizeof(m->error), "%s", e.msg);
		if (unreachable(rc))
			rc = DSCK_OK;
		else
			rc = dsck_fail(err, rc, "%s", e.msg);
		goto out;
	}
	m->reachable = m->v3_ok = m->v3_counted = true;
	/* The snapshot first: which v2 keys changed since decides whom a difference blames. */
	if (v2_open && before && (w.edited = json_object()) == NULL)
		rc = dsck_oom(err);
	if (!rc && v2_open && before)
		rc = check_before(&w, before, mc, f, err);
	if (rc) {
		source_close(&v3);
		goto out;
	}
	if (v2_open) {
		rc = compare_v2_v3(&w, &v2, &v3, err);
		/* Say the likely cause once, above the list of missing keys. */
		size_t v2_keys = m->v2.keys + m->v2.ephemeral;

		if (!rc && v2_keys && !m->v3.keys && !m->v3.ephemeral &&
		    (rc = findings_add(&res->findings, SEV_ERROR, "v3-empty", m->endpoint, NULL, 0,
				       "v3 holds no keys under %.*s while v2 holds %zu: has etcdctl "
				       "migrate run on this member's data dir?", (int)f->prefix_len,
				       f->prefix, v2_keys)))
			rc = dsck_oom(err);
	} else {
		struct dsck_record r;
		bool done = false;

		while (!(rc = next_v3(&w, &v3, &r, &done, err)) && !done)
			;
	}
	source_close(&v3);
	EVP_DigestFinal_ex(w.d2, m->v2_digest, &len);
	EVP_DigestFinal_ex(w.d3, m->v3_digest, &len);
out:
	if (v2_open)
		source_close(&v2);
	EVP_MD_CTX_free(w.d2);
	EVP_MD_CTX_free(w.d3);
	json_decref(w.edited);
	return rc;
}

/* --- members against each other --- */

struct divergence {
	struct check_result *res;
	const char *ref, *member, *store;
	size_t listed;
};

static enum dsck_err on_divergence(void *ctx, enum diff_kind kind, const struct dsck_record *a,
				   const struct dsck_record *b, struct dsck_error *err)
{
	struct divergence *d = ctx;
	const struct dsck_record *r = a ? a : b;
	enum dsck_err rc;

	if (d->listed++ >= DIVERGENCE_KEYS_MAX)
		return DSCK_OK;
	rc = findings_add(&d->res->findings, SEV_ERROR, "member-divergence", d->member, r->key,
			  r->key_len, "%s store: %s", d->store,
			  kind == DIFF_ADDED ? "present on this member, missing on the reference member"
			  : kind == DIFF_REMOVED ? "missing on this member, present on the reference member"
						 : "the value differs from the reference member");
	return rc ? dsck_oom(err) : DSCK_OK;
}

static enum dsck_err diverge(struct check_result *res, const struct dsck_conn *conn, size_t ref,
			     size_t i, enum dsck_api api, const struct keyfilter *f,
			     int64_t page_size, struct dsck_error *err)
{
	struct divergence d = { .res = res, .ref = conn->endpoints[ref],
				.member = conn->endpoints[i], .store = dsck_api_name(api) };
	struct dsck_conn ca, cb;
	struct source a, b;
	struct diff_summary sum;
	enum dsck_err rc;

	if ((rc = conn_init_member(&ca, conn, ref, err)))
		return rc;
	if ((rc = conn_init_member(&cb, conn, i, err))) {
		conn_release(&ca);
		return rc;
	}
	if (api == DSCK_API_V2) {
		rc = source_open_v2(&a, &ca, f, false, err);
		if (!rc && (rc = source_open_v2(&b, &cb, f, false, err)))
			source_close(&a);
	} else {
		rc = source_open_v3(&a, &ca, f, page_size, true, err);
		if (!rc && (rc = source_open_v3(&b, &cb, f, page_size, true, err)))
			source_close(&a);
	}
	if (!rc) {
		rc = diff_run(&a, &b, on_divergence, &d, &sum, err);
		source_close(&a);
		source_close(&b);
	}
	if (!rc && d.listed > DIVERGENCE_KEYS_MAX)
		rc = findings_add(&res->findings, SEV_ERROR, "member-divergence", d.member, NULL, 0,
				  "%s store: %zu more keys differ from %s", d.store,
				  d.listed - DIVERGENCE_KEYS_MAX, d.ref);
	conn_release(&ca);
	conn_release(&cb);
	return rc;
}

struct verify_ctx {
	const struct keyfilter *f;
	const char *before;
	int64_t page_size;
};

static enum dsck_err verify_member(struct check_result *res, struct check_member *m,
				   const struct dsck_conn *mc, const void *ctx,
				   struct dsck_error *err)
{
	const struct verify_ctx *v = ctx;

	return check_member(res, m, mc, v->f, v->before, v->page_size, err);
}

enum dsck_err check_verify_migrate(const struct dsck_conn *conn, const struct keyfilter *f,
				   const char *before, int64_t page_size,
				   struct check_result *res, struct dsck_error *err)
{
	struct verify_ctx v = { f, before, page_size };
	size_t ref = SIZE_MAX;
	bool v3_calico = false;
	enum dsck_err rc;

	if ((rc = check_each_member(conn, res, verify_member, &v, err)))
		return rc;
	for (size_t i = 0; i < res->n_members; i++) {
		v3_calico |= res->members[i].v3.keys + res->members[i].v3.ephemeral > 0;
		if (res->members[i].v3_ok && ref == SIZE_MAX)
			ref = i;
	}
	/* Members of different clusters are not copies of each other. */
	for (size_t i = 0; ref != SIZE_MAX && !res->mixed_clusters && i < conn->n_endpoints; i++) {
		struct check_member *m = &res->members[i], *r = &res->members[ref];

		if (i == ref || !m->v3_ok)
			continue;
		if (m->v2_served == 1 && r->v2_served == 1 &&
		    memcmp(m->v2_digest, r->v2_digest, sizeof(m->v2_digest)) != 0 &&
		    (rc = diverge(res, conn, ref, i, DSCK_API_V2, f, page_size, err)))
			return rc;
		if (memcmp(m->v3_digest, r->v3_digest, sizeof(m->v3_digest)) != 0 &&
		    (rc = diverge(res, conn, ref, i, DSCK_API_V3, f, page_size, err)))
			return rc;
	}
	if (v3_calico &&
	    (rc = findings_add(&res->findings, SEV_WARNING, "v3-not-empty-for-calico-upgrade", NULL,
			       NULL, 0, "the v3 store holds /calico/ keys, so calico-upgrade will refuse "
			       "to run unless given --ignore-v3-data (or the copies are deleted)")))
		return dsck_oom(err);
	return DSCK_OK;
}
