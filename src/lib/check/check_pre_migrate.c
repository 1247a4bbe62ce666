/*
 * pre-migrate: before `etcdctl migrate`, on every member: the v3 keyspace
 * is empty (a migrate over v3 data destroys it, docs/etcd-facts.md), v2
 * is served and holds the Calico data, TTL keys that migrate would make
 * permanent, and the member is healthy.
 */
#include <stdio.h>
#include <string.h>

#include "calico/locate.h"
#include "calico/v2trap.h"
#include "check/check.h"
#include "store/etcd2.h"
#include "store/etcd3.h"

static enum dsck_err check_v3(struct check_result *res, struct check_member *m,
			      struct etcd3_client *c, const struct keyfilter *f,
			      struct dsck_error *err)
{
	struct etcd3_member_status st;
	struct dsck_error e = DSCK_ERROR_INIT;
	int64_t total = 0;
	enum dsck_err rc;

	if ((rc = etcd3_member_status(c, &st, &e))) {
		snprintf(m->error, sizeof(m->error), "%s", e.msg);
		if (rc == DSCK_ERR_CONNECT)
			return findings_add(&res->findings, SEV_ERROR, "member-unreachable",
					    m->endpoint, NULL, 0,
					    "the member does not answer: start it before checking");
		return dsck_fail(err, rc, "%s", e.msg);
	}
	m->reachable = m->v3_ok = true;
	if (!st.leader)
		rc = findings_add(&res->findings, SEV_ERROR, "member-unhealthy", m->endpoint, NULL, 0,
				  "the member has no leader: fix the cluster first");
	else if (st.error[0])
		rc = findings_add(&res->findings, SEV_ERROR, "member-unhealthy", m->endpoint, NULL,
				  0, "the member reports: %s", st.error);
	if (rc)
		return dsck_oom(err);
	/* Any key at all, not only /calico: migrate writes revisions over them. */
	if ((rc = etcd3_count(c, "", 0, true, &total, err)))
		return rc;
	m->v3_total = (size_t)total;
	/* Under the prefix, as every command counts (docs/json.md, "Counts"). */
	if ((rc = locate_count_v3(c, f, true, &m->v3, err)))
		return rc;
	m->v3_counted = true;
	if (m->v3_total &&
	    (rc = findings_add(&res->findings, SEV_ERROR, "v3-not-empty", m->endpoint, NULL, 0,
			       "the v3 keyspace holds %zu keys: etcdctl migrate writes v2 keys over "
			       "existing v3 revisions and destroys that data; migrate only into an "
			       "empty v3 store", m->v3_total)))
		return dsck_oom(err);
	return DSCK_OK;
}

static enum dsck_err check_v2(struct check_result *res, struct check_member *m,
			      struct etcd2_client *c, const struct keyfilter *f,
			      struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct etcd2_listing l;
	char prefix[1024];
	bool usable;
	enum dsck_err rc;

	snprintf(prefix, sizeof(prefix), "%.*s", (int)f->prefix_len, f->prefix);
	rc = etcd2_get(c, prefix, ETCD2_RECURSIVE, &l, &e);
	if (rc == DSCK_ERR_V2_DISABLED) {
		m->v2_served = 0;
		return findings_add(&res->findings, SEV_ERROR, "v2-unavailable", m->endpoint, NULL, 0,
				    "the member does not serve the v2 API: there is nothing to check or "
				    "back up; start etcd with --enable-v2=true");
	}
	if (rc == DSCK_ERR_NOT_FOUND) {
		m->v2_served = 1;
		return findings_add(&res->findings, SEV_ERROR, "v2-calico-missing", m->endpoint,
				    NULL, 0, "nothing under %s in the v2 store: wrong cluster or prefix?",
				    prefix);
	}
	if ((rc = check_v2_read(m, rc, &e, &usable, err)) || !usable)
		return rc;
	if (c->conn->progress)
		c->conn->progress(c->conn->progress_ctx, l.n, 0);
	for (size_t i = 0; i < l.n && !rc; i++) {
		struct dsck_record rec, *r = &rec;

		etcd2_listing_at(&l, i, r);
		counts_add_plain(&m->v2, r);
		if (r->dir || !r->has_ttl)
			continue;
		rc = findings_add(&res->findings, SEV_WARNING, "ttl-will-persist", m->endpoint, r->key,
				  r->key_len, "a TTL key (%lld s left): etcdctl migrate copies it as a "
				  "permanent v3 key; use --no-ttl to leave it out", (long long)r->ttl);
	}
	etcd2_listing_release(&l);
	return rc ? dsck_oom(err) : DSCK_OK;
}

static enum dsck_err check_member(struct check_result *res, struct check_member *m,
				  const struct dsck_conn *mc, const void *ctx, struct dsck_error *err)
{
	struct etcd3_client c3;
	struct etcd2_client c2;
	enum dsck_err rc;

	if ((rc = etcd3_client_init(&c3, mc, err)))
		return rc;
	rc = check_v3(res, m, &c3, ctx, err);
	etcd3_client_release(&c3);
	if (!rc && m->reachable && !(rc = etcd2_client_init(&c2, mc, err))) {
		rc = check_v2(res, m, &c2, ctx, err);
		etcd2_client_release(&c2);
	}
	return rc;
}

enum dsck_err check_pre_migrate(const struct dsck_conn *conn, const struct keyfilter *f,
				struct check_result *res, struct dsck_error *err)
{
	enum dsck_err rc = check_each_member(conn, res, check_member, f, err);
	size_t v2_keys = 0;

	for (size_t i = 0; i < res->n_members; i++)
		if (res->members[i].v2.keys > v2_keys)
			v2_keys = res->members[i].v2.keys;
	/* The usual backup would hold none of it. */
	if (!rc && v2_keys && v2trap_add_online(&res->findings, v2_keys))
		rc = dsck_oom(err);

	/* The way forward only when there is one. */
	/* The way forward agrees with the findings: TTL keys call for --no-ttl. */
	if (!rc && findings_ok(&res->findings) && !res->unreachable)
		rc = findings_add(&res->findings, SEV_INFO, "backup-reminder", NULL, NULL, 0,
				  "take a snapshot before migrating: dsck snapshot save before.snap "
				  "--api v2; then stop every member, run etcdctl migrate%s on each "
				  "data dir, start them with --enable-v2=true and run dsck "
				  "verify-migrate --before before.snap",
				  findings_count(&res->findings, "ttl-will-persist") ? " --no-ttl" : "");
	return rc;
}
