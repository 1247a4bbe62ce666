#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/macro.h"
#include "calico/locate.h"
#include "store/etcd2.h"
#include "store/source.h"

/* Where the ephemeral keys live (docs/calico-model.md, "Ephemeral keys"). */
#define FELIX_HOSTS "/calico/felix/v1/host"
#define CALICO_VERSION_KEY "/calico/v1/config/CalicoVersion"
#define CLUSTER_GUID_KEY "/calico/v1/config/ClusterGUID"
/* The values shown are short; a longer one is cut, never read whole. */
#define VALUE_CAP ((size_t)1 << 20)

struct wanted {
	const char *key;
	char *out;
	size_t len;
};

static void take_value(const struct wanted *w, size_t n, const struct dsck_record *r)
{
	for (size_t i = 0; i < n; i++)
		if (!r->dir && r->key_len == strlen(w[i].key) && !memcmp(r->key, w[i].key, r->key_len))
			snprintf(w[i].out, w[i].len, "%.*s", (int)r->value_len,
				 r->value ? r->value : "");
}

/* Served means the member answers the v2 API, even if only to refuse the caller. */
static int v2_served(enum dsck_err rc)
{
	if (rc == DSCK_OK || rc == DSCK_ERR_NOT_FOUND || rc == DSCK_ERR_AUTH)
		return 1;
	return rc == DSCK_ERR_V2_DISABLED ? 0 : -1;
}

static void note_failure(struct locate *l, const char *store, const struct dsck_error *e)
{
	if (!l->err.code)
		dsck_fail(&l->err, e->code, "%s store: %s", store, e->msg);
}

/* Is the v2 store served, and (LOCATE_COUNT) what it holds under the prefix. */
static void look_v2(struct locate *l, const struct dsck_conn *conn, const struct keyfilter *f,
		    unsigned flags, const struct wanted *w, size_t nw)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct keyfilter all = *f;
	struct source src;
	struct dsck_record r;
	bool done = false;
	enum dsck_err rc;

	if (!(flags & LOCATE_COUNT)) {
		struct etcd2_client c;
		struct etcd2_listing ls;
		char prefix[1024];

		snprintf(prefix, sizeof(prefix), "%.*s", (int)f->prefix_len, f->prefix);
		if (etcd2_client_init(&c, conn, &e)) {
			note_failure(l, "v2", &e);
			return;
		}
		rc = etcd2_get(&c, prefix[0] ? prefix : "/", 0, &ls, &e);
		l->v2_served = v2_served(rc);
		if (rc == DSCK_OK)
			etcd2_listing_release(&ls);
		etcd2_client_release(&c);
		return;
	}
	/* Every key counts, the ephemeral ones on their own; --ignore is not asked here. */
	all.include_ephemeral = true;
	all.n_ignore = 0;
	rc = source_open_v2(&src, conn, &all, true, &e);
	l->v2_served = v2_served(rc);
	if (rc) {
		note_failure(l, "v2", &e);
		return;
	}
	while (!(rc = source_next(&src, &r, &done, &e)) && !done) {
		counts_add_plain(&l->v2, &r);
		take_value(w, nw, &r);
	}
	if (!rc) {
		counts_finish(&l->v2, &src);
		l->v2_counted = true;
	} else {
		note_failure(l, "v2", &e);
	}
	source_close(&src);
}

/* Ephemeral keys under @f's prefix: those of the Felix subtree the prefix covers. */
static enum dsck_err count_ephemeral_v3(struct etcd3_client *c, const struct keyfilter *f,
					bool serializable, size_t *n, struct dsck_error *err)
{
	const size_t fl = sizeof(FELIX_HOSTS) - 1;
	struct etcd3_scan s;
	struct dsck_record r;
	const char *scan;
	size_t scan_len;
	bool done = false;
	enum dsck_err rc;

	*n = 0;
	if (keyfilter_under_prefix(f, FELIX_HOSTS, fl)) {
		scan = FELIX_HOSTS "/";
		scan_len = fl + 1;
	} else if (f->prefix_len > fl && !memcmp(f->prefix, FELIX_HOSTS "/", fl + 1)) {
		scan = f->prefix;           /* inside the Felix subtree */
		scan_len = f->prefix_len;
	} else {
		return DSCK_OK;             /* no ephemeral key can be under the prefix */
	}
	if ((rc = etcd3_scan_begin(&s, c, scan, scan_len, 0, 0, serializable, err)))
		return rc;
	while (!(rc = etcd3_scan_next(&s, &r, &done, err)) && !done)
		*n += keyfilter_under_prefix(f, r.key, r.key_len) &&
		      calico_key_is_ephemeral(r.key, r.key_len);
	etcd3_scan_release(&s);
	return rc;
}

enum dsck_err locate_count_v3(struct etcd3_client *c, const struct keyfilter *f,
			      bool serializable, struct counts *out, struct dsck_error *err)
{
	struct keyfilter model;
	struct buf sub = BUF_INIT(f->prefix_len + 2);
	int64_t n = 0, exact = 0, model_n = 0, mod = 0;
	size_t eph = 0, all;
	enum dsck_err rc;

	/* The subtree: the prefix itself as a key, and everything below it. */
	if (buf_append(&sub, f->prefix, f->prefix_len) || buf_append(&sub, "/", 1)) {
		buf_release(&sub);
		return dsck_oom(err);
	}
	rc = etcd3_count(c, sub.data, sub.len, serializable, &n, err);
	buf_release(&sub);
	if (!rc && f->prefix_len)
		rc = etcd3_key_revisions(c, f->prefix, f->prefix_len, &exact, &mod, err);
	if (!rc)
		rc = count_ephemeral_v3(c, f, serializable, &eph, err);
	keyfilter_init(&model, COUNTS_V3_MODEL_PREFIX, false);
	if (!rc && keyfilter_under_prefix(f, model.prefix, model.prefix_len))
		rc = etcd3_count(c, COUNTS_V3_MODEL_PREFIX, strlen(COUNTS_V3_MODEL_PREFIX),
				 serializable, &model_n, err);
	if (rc)
		return rc;
	all = (size_t)n + (exact != 0);
	/* Two reads: a writer in between may have changed the subtree. */
	out->keys = all > eph ? all - eph : 0;
	out->ephemeral = eph;
	out->model_keys = (size_t)model_n;
	return DSCK_OK;
}

static void read_value(struct etcd3_client *c, const char *key, char *out, size_t len)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct buf v = BUF_INIT(VALUE_CAP);
	bool found = false;

	if (etcd3_get_value(c, key, strlen(key), &v, &found, &e) == DSCK_OK && found)
		snprintf(out, len, "%.*s", (int)v.len, v.data ? v.data : "");
	buf_release(&v);
}

/* Is anything in v3, anything under the prefix, and (LOCATE_COUNT) how much. */
static enum dsck_err look_v3(struct locate *l, const struct dsck_conn *conn,
			     const struct keyfilter *f, unsigned flags, const struct wanted *w,
			     size_t nw, struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct etcd3_client c;
	enum dsck_err rc;

	if ((rc = etcd3_client_init(&c, conn, &e)) ||
	    (rc = etcd3_count(&c, "", 0, false, &l->v3_total, &e))) {
		l->v3_total = -1;
	} else if (!(rc = locate_count_v3(&c, f, false, &l->v3, &e))) {
		l->v3_calico = l->v3.keys + l->v3.ephemeral > 0;
		l->v3_counted = true;
	}
	if (rc == DSCK_ERR_NOMEM) {
		etcd3_client_release(&c);
		return dsck_fail(err, rc, "%s", e.msg);
	}
	if (rc)
		note_failure(l, "v3", &e);
	if (!rc && (flags & LOCATE_COUNT)) {
		read_value(&c, CALICO_READY_KEY, l->ready_v3, sizeof(l->ready_v3));
		for (size_t i = 0; i < nw; i++)
			if (!w[i].out[0])
				read_value(&c, w[i].key, w[i].out, w[i].len);
	}
	etcd3_client_release(&c);
	return DSCK_OK;
}

enum dsck_err locate_run(struct locate *l, const struct dsck_conn *conn,
			 const struct keyfilter *f, unsigned flags, struct dsck_error *err)
{
	const struct wanted w[] = {
		{ CALICO_READY_KEY, l->ready, sizeof(l->ready) },
		{ CALICO_VERSION_KEY, l->calico_version, sizeof(l->calico_version) },
		{ CLUSTER_GUID_KEY, l->cluster_guid, sizeof(l->cluster_guid) },
	};

	memset(l, 0, sizeof(*l));
	counts_init(&l->v2);
	counts_init(&l->v3);
	l->v2_served = -1;
	l->v3_total = -1;
	if (flags & LOCATE_V2)
		look_v2(l, conn, f, flags, w, ARRAY_SIZE(w));
	if (flags & LOCATE_V3)
		return look_v3(l, conn, f, flags, w, ARRAY_SIZE(w), err);
	return DSCK_OK;
}
