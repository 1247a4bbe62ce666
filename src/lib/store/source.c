#include <stdio.h>
#include <string.h>

#include "store/source.h"

static enum dsck_err open_physical(struct source *s, const char *path,
				   const struct keyfilter *f, struct dsck_error *err)
{
	enum dsck_err rc;

	memset(s, 0, sizeof(*s));
	s->kind = SOURCE_PHYSICAL;
	s->api = DSCK_API_V3;
	s->filter = f;
	snprintf(s->name, sizeof(s->name), "%s", path);
	if ((rc = physnap_open(&s->phys, path, err))) {
		physnap_close(&s->phys);
		return rc;
	}
	s->revision = s->phys.revision;
	snprintf(s->endpoint, sizeof(s->endpoint), "%s (etcd backend file)", path);
	/* Scoped like the live v3 store it was taken from. */
	s->snap.hdr.api = DSCK_API_V3;
	s->snap.hdr.revision = s->revision;
	snprintf(s->snap.hdr.prefix, sizeof(s->snap.hdr.prefix), "/calico");
	snprintf(s->snap.hdr.endpoint, sizeof(s->snap.hdr.endpoint), "%s", s->endpoint);
	s->open = true;
	return DSCK_OK;
}

static enum dsck_err open_snapshot(struct source *s, const char *path,
				   struct snapshot_seal *seal, const struct keyfilter *f,
				   struct dsck_error *err)
{
	enum dsck_err rc;

	if (physnap_detect(path))
		return open_physical(s, path, f, err);
	memset(s, 0, sizeof(*s));
	s->kind = SOURCE_SNAPSHOT;
	s->filter = f;
	s->seal = seal;
	snprintf(s->name, sizeof(s->name), "%s", path);
	/* The reader keeps the name: give it ours, which lives as long as it does. */
	rc = seal ? snapshot_reader_open_sealed(&s->snap, seal, err)
		  : snapshot_reader_open(&s->snap, s->name, err);
	if (rc)
		return rc;
	s->api = s->snap.hdr.api;
	snprintf(s->endpoint, sizeof(s->endpoint), "%s", s->snap.hdr.endpoint);
	snprintf(s->cluster_id, sizeof(s->cluster_id), "%s", s->snap.hdr.cluster_id);
	snprintf(s->member_id, sizeof(s->member_id), "%s", s->snap.hdr.member_id);
	snprintf(s->etcd_version, sizeof(s->etcd_version), "%s", s->snap.hdr.etcd_version);
	s->revision = s->snap.hdr.revision;
	s->etcd_index = s->snap.hdr.etcd_index;
	s->open = true;
	return DSCK_OK;
}

enum dsck_err source_open_snapshot(struct source *s, const char *path,
				   const struct keyfilter *f, struct dsck_error *err)
{
	return open_snapshot(s, path, NULL, f, err);
}

enum dsck_err source_open_sealed(struct source *s, struct snapshot_seal *seal,
				 const struct keyfilter *f, struct dsck_error *err)
{
	return open_snapshot(s, seal->path, seal, f, err);
}

/* @get: ETCD2_* flags of the recursive GET. */
static enum dsck_err open_v2(struct source *s, const struct dsck_conn *conn,
			     const struct keyfilter *f, unsigned get, struct dsck_error *err)
{
	struct dsck_error verr = DSCK_ERROR_INIT;
	char prefix[1024];
	enum dsck_err rc;

	memset(s, 0, sizeof(*s));
	s->kind = SOURCE_V2;
	s->api = DSCK_API_V2;
	s->filter = f;
	s->progress = conn->progress;
	s->progress_ctx = conn->progress_ctx;
	snprintf(prefix, sizeof(prefix), "%.*s", (int)f->prefix_len, f->prefix);
	if (!prefix[0])
		snprintf(prefix, sizeof(prefix), "/");
	if ((rc = etcd2_client_init(&s->c2, conn, err)))
		return rc;
	rc = etcd2_get(&s->c2, prefix, ETCD2_RECURSIVE | get, &s->l2, err);
	if (rc == DSCK_ERR_NOT_FOUND) {
		/* No data under the prefix: an empty stream, but still a real read. */
		dsck_error_clear(err);
		memset(&s->l2, 0, sizeof(s->l2));
		rc = DSCK_OK;
	}
	if (rc) {
		etcd2_client_release(&s->c2);
		return rc;
	}
	snprintf(s->endpoint, sizeof(s->endpoint), "%s", conn->endpoints[s->c2.current]);
	snprintf(s->name, sizeof(s->name), "v2 (%s)", s->endpoint);
	snprintf(s->cluster_id, sizeof(s->cluster_id), "%s", s->l2.cluster_id);
	s->etcd_index = s->l2.etcd_index;
	etcd2_version(&s->c2, s->etcd_version, sizeof(s->etcd_version), &verr);
	s->open = true;
	return DSCK_OK;
}

enum dsck_err source_open_v2(struct source *s, const struct dsck_conn *conn,
			     const struct keyfilter *f, bool quorum, struct dsck_error *err)
{
	return open_v2(s, conn, f, quorum ? ETCD2_QUORUM : 0, err);
}

enum dsck_err source_open_v2_to_write(struct source *s, const struct dsck_conn *conn,
				      const struct keyfilter *f, bool quorum,
				      struct dsck_error *err)
{
	return open_v2(s, conn, f, ETCD2_ESCAPED_VALUES | (quorum ? ETCD2_QUORUM : 0), err);
}

enum dsck_err source_open_v3(struct source *s, const struct dsck_conn *conn,
			     const struct keyfilter *f, int64_t page_size, bool serializable,
			     struct dsck_error *err)
{
	return source_open_v3_at(s, conn, f, page_size, serializable, 0, err);
}

enum dsck_err source_open_v3_at(struct source *s, const struct dsck_conn *conn,
				const struct keyfilter *f, int64_t page_size, bool serializable,
				int64_t revision, struct dsck_error *err)
{
	struct etcd3_member_status st;
	enum dsck_err rc;

	memset(s, 0, sizeof(*s));
	s->kind = SOURCE_V3;
	s->api = DSCK_API_V3;
	s->filter = f;
	s->progress = conn->progress;
	s->progress_ctx = conn->progress_ctx;
	s->page_size = page_size;
	s->serializable = serializable;
	if ((rc = etcd3_client_init(&s->c3, conn, err)))
		return rc;
	if ((rc = etcd3_member_status(&s->c3, &st, err)))
		goto fail;
	snprintf(s->etcd_version, sizeof(s->etcd_version), "%s", st.version);
	/* A byte-prefix scan; keys like "/calicoX" are dropped by the filter. */
	if ((rc = etcd3_scan_begin(&s->scan, &s->c3, f->prefix, f->prefix_len, revision,
				   page_size, serializable, err)))
		goto fail;
	snprintf(s->endpoint, sizeof(s->endpoint), "%s", etcd3_endpoint(&s->c3));
	snprintf(s->name, sizeof(s->name), "v3 (%s)", s->endpoint);
	s->revision = revision;
	s->open = true;
	return DSCK_OK;
fail:
	etcd3_client_release(&s->c3);
	return rc;
}

static enum dsck_err next_raw(struct source *s, struct dsck_record *rec, bool *done,
			      struct dsck_error *err)
{
	enum dsck_err rc;

	switch (s->kind) {
	case SOURCE_SNAPSHOT:
		return snapshot_reader_next(&s->snap, rec, done, err);
	case SOURCE_PHYSICAL:
		physnap_next(&s->phys, rec, done);
		return DSCK_OK;
	case SOURCE_V2:
		*done = s->i2 >= s->l2.n;
		if (!*done)
			etcd2_listing_at(&s->l2, s->i2++, rec);
		return DSCK_OK;
	case SOURCE_V3:
		rc = etcd3_scan_next(&s->scan, rec, done, err);
		if (rc == DSCK_OK && !s->identified && s->scan.revision) {
			s->identified = true;
			s->revision = s->scan.revision;
			snprintf(s->cluster_id, sizeof(s->cluster_id), "%llx",
				 (unsigned long long)s->scan.cluster_id);
			snprintf(s->member_id, sizeof(s->member_id), "%llx",
				 (unsigned long long)s->scan.member_id);
			snprintf(s->endpoint, sizeof(s->endpoint), "%s", etcd3_endpoint(&s->c3));
		}
		return rc;
	}
	return DSCK_ERR_PROTOCOL;
}

enum dsck_err source_next(struct source *s, struct dsck_record *rec, bool *done,
			  struct dsck_error *err)
{
	enum dsck_err rc;

	for (;;) {
		if ((rc = next_raw(s, rec, done, err)) || *done)
			return rc;
		if (keyfilter_wants(s->filter, rec->key, rec->key_len)) {
			s->seen++;
			if (s->progress)
				s->progress(s->progress_ctx, 1, 0);
			return DSCK_OK;
		}
		/* Counted all the same (docs/json.md, "Counts"). */
		s->ephemeral_left_out += !rec->dir &&
					 keyfilter_leaves_out_ephemeral(s->filter, rec->key,
									rec->key_len);
	}
}

enum dsck_err source_rewind(struct source *s, struct dsck_error *err)
{
	char path[sizeof(s->name)];

	s->seen = 0;
	s->ephemeral_left_out = 0;
	switch (s->kind) {
	case SOURCE_SNAPSHOT: {
		conn_progress_fn fn = s->progress;
		void *ctx = s->progress_ctx;
		enum dsck_err rc;

		snprintf(path, sizeof(path), "%s", s->name);
		snapshot_reader_close(&s->snap);
		s->open = false;
		rc = open_snapshot(s, path, s->seal, s->filter, err);
		s->progress = fn;   /* reopening starts from a clean struct */
		s->progress_ctx = ctx;
		return rc;
	}
	case SOURCE_PHYSICAL:
		physnap_rewind(&s->phys);
		return DSCK_OK;
	case SOURCE_V2:
		s->i2 = 0;
		return DSCK_OK;
	case SOURCE_V3:
		etcd3_scan_release(&s->scan);
		return etcd3_scan_begin(&s->scan, &s->c3, s->filter->prefix, s->filter->prefix_len,
					s->revision, s->page_size, s->serializable, err);
	}
	return DSCK_OK;
}

void source_close(struct source *s)
{
	if (!s->open)
		return;
	switch (s->kind) {
	case SOURCE_SNAPSHOT:
		snapshot_reader_close(&s->snap);
		break;
	case SOURCE_PHYSICAL:
		physnap_close(&s->phys);
		break;
	case SOURCE_V2:
		etcd2_listing_release(&s->l2);
		etcd2_client_release(&s->c2);
		break;
	case SOURCE_V3:
		etcd3_scan_release(&s->scan);
		etcd3_client_release(&s->c3);
		break;
	}
	s->open = false;
}
