/* check: what the migration checks share. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "check/check.h"
#include "store/etcd3.h"

void check_result_init(struct check_result *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	findings_init(&r->findings, 1000);
}

void check_result_release(struct check_result *r)
{
	findings_release(&r->findings);
}

/* Members that answer with different cluster ids: one error naming who belongs where. */
static enum dsck_err same_cluster(const struct dsck_conn *conn, struct check_result *res,
				  struct dsck_error *err)
{
	uint64_t ids[CONN_MAX_ENDPOINTS] = { 0 };
	struct buf d = BUF_INIT(DSCK_ERROR_MSG_MAX);
	uint64_t first = 0;
	enum dsck_err rc = DSCK_OK;

	for (size_t i = 0; i < conn->n_endpoints && conn->n_endpoints > 1; i++) {
		struct dsck_error e = DSCK_ERROR_INIT;
		struct etcd3_member_status st;
		struct etcd3_client c3;
		struct dsck_conn mc;

		if ((rc = conn_init_member(&mc, conn, i, err)))
			break;
		if ((rc = etcd3_client_init(&c3, &mc, err))) {
			conn_release(&mc);
			break;
		}
		if (etcd3_member_status(&c3, &st, &e) == DSCK_OK)
			ids[i] = st.cluster_id;
		etcd3_client_release(&c3);
		conn_release(&mc);
		if (ids[i] && !first)
			first = ids[i];
		res->mixed_clusters |= ids[i] && ids[i] != first;
	}
	if (rc || !res->mixed_clusters)
		return rc;
	for (size_t i = 0; i < conn->n_endpoints; i++)
		if (ids[i])
			buf_printf(&d, "%s%s in cluster %llx", d.len ? ", " : "", conn->endpoints[i],
				   (unsigned long long)ids[i]);
	rc = findings_add(&res->findings, SEV_ERROR, "mixed-clusters", NULL, NULL, 0,
			  "the endpoints belong to different etcd clusters (%s): give the client "
			  "URLs of one cluster; members are not compared with each other",
			  buf_str(&d));
	buf_release(&d);
	return rc ? dsck_oom(err) : DSCK_OK;
}

static bool reported(const struct findings *f, const char *code, const char *member)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->v[i].code, code) == 0 && f->v[i].member &&
		    strcmp(f->v[i].member, member) == 0)
			return true;
	return false;
}

enum dsck_err check_each_member(const struct dsck_conn *conn, struct check_result *res,
				check_member_fn fn, const void *ctx, struct dsck_error *err)
{
	enum dsck_err rc = same_cluster(conn, res, err);

	if (rc)
		return rc;
	res->n_members = conn->n_endpoints;
	for (size_t i = 0; i < conn->n_endpoints && !rc; i++) {
		struct check_member *m = &res->members[i];
		struct dsck_conn mc;

		snprintf(m->endpoint, sizeof(m->endpoint), "%s", conn->endpoints[i]);
		m->v2_served = -1;
		counts_init(&m->v2);
		counts_init(&m->v3);
		if ((rc = conn_init_member(&mc, conn, i, err)))
			break;
		rc = fn(res, m, &mc, ctx, err);
		conn_release(&mc);
		res->unreachable += !m->reachable;
		/* Not checked is not passed: an error, as pre-migrate reports it. */
		if (!rc && !m->reachable && !reported(&res->findings, "member-unreachable", m->endpoint) &&
		    findings_add(&res->findings, SEV_ERROR, "member-unreachable", m->endpoint, NULL, 0,
				 "the member does not answer, so it was not checked (%s): start it, "
				 "or leave it out of --endpoints", m->error[0] ? m->error : "no answer"))
			rc = dsck_oom(err);
	}
	return rc;
}

enum dsck_err check_v2_read(struct check_member *m, enum dsck_err rc, const struct dsck_error *e,
			    bool *usable, struct dsck_error *err)
{
	*usable = false;
	if (rc == DSCK_ERR_CONNECT) {
		snprintf(m->error, sizeof(m->error), "%s", e->msg);
		return DSCK_OK;
	}
	if (rc)
		return dsck_fail(err, rc, "%s", e->msg);
	m->reachable = true;
	m->v2_served = 1;
	*usable = true;
	return DSCK_OK;
}
