/*
 * v2-content: what each member still keeps in its v2 store. etcd 3.6 drops
 * the v2 store and refuses to start while it holds data, so before such an
 * upgrade the v2 keys must be gone (after Calico moved to v3).
 */
#include <stdio.h>
#include <string.h>

#include "check/check.h"
#include "store/etcd2.h"

static void count_prefix(struct check_member *m, const struct dsck_record *r)
{
	const char *slash = r->key_len > 1 ? memchr(r->key + 1, '/', r->key_len - 1) : NULL;
	size_t n = slash ? (size_t)(slash - r->key) : r->key_len;

	for (size_t i = 0; i < m->n_prefixes; i++)
		if (strlen(m->prefixes[i].prefix) == n && !memcmp(m->prefixes[i].prefix, r->key, n)) {
			m->prefixes[i].n++;
			return;
		}
	if (m->n_prefixes == CHECK_MAX_PREFIXES)
		n = 1;   /* everything else is counted under "/" */
	if (m->n_prefixes < CHECK_MAX_PREFIXES) {
		snprintf(m->prefixes[m->n_prefixes].prefix, sizeof(m->prefixes[0].prefix), "%.*s",
			 (int)n, r->key);
		m->prefixes[m->n_prefixes++].n = 1;
	}
}

static enum dsck_err check_member(struct check_result *res, struct check_member *m,
				  const struct dsck_conn *mc, const void *ctx, struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct etcd2_client c;
	struct etcd2_listing l;
	char summary[1024];
	size_t used = 0;
	bool usable;
	enum dsck_err rc;

	if ((rc = etcd2_client_init(&c, mc, err)))
		return rc;
	rc = etcd2_get(&c, "/", ETCD2_RECURSIVE, &l, &e);
	etcd2_client_release(&c);
	if (rc == DSCK_ERR_V2_DISABLED) {
		m->reachable = true;
		m->v2_served = 0;
		return findings_add(&res->findings, SEV_INFO, "v2-unavailable", m->endpoint, NULL, 0,
				    "the v2 API is disabled, so its store cannot be read here; data "
				    "written before it was disabled would still block etcd 3.6");
	}
	if ((rc = check_v2_read(m, rc, &e, &usable, err)) || !usable)
		return rc;
	for (size_t i = 0; i < l.n; i++) {
		struct dsck_record r;

		etcd2_listing_at(&l, i, &r);
		counts_add_plain(&m->v2, &r);
		if (!r.dir)
			count_prefix(m, &r);
	}
	etcd2_listing_release(&l);
	if (!m->v2.keys && !m->v2.ephemeral && !m->v2.dirs)
		return DSCK_OK;
	summary[0] = '\0';
	for (size_t i = 0; i < m->n_prefixes && used < sizeof(summary) - 64; i++)
		used += (size_t)snprintf(summary + used, sizeof(summary) - used, "%s%s: %zu",
					 i ? ", " : "", m->prefixes[i].prefix, m->prefixes[i].n);
	return findings_add(&res->findings, SEV_ERROR, "v2-data-present", m->endpoint, NULL, 0,
			    "the v2 store holds %zu keys, %zu ephemeral keys and %zu directories "
			    "(%s); etcd 3.6 refuses to start with v2 data: move Calico to the v3 "
			    "datastore, then remove them (ETCDCTL_API=2 etcdctl rm --recursive)",
			    m->v2.keys, m->v2.ephemeral, m->v2.dirs, summary);
}

enum dsck_err check_v2_content(const struct dsck_conn *conn, struct check_result *res,
			       struct dsck_error *err)
{
	return check_each_member(conn, res, check_member, NULL, err);
}
