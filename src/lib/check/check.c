/* check: what the migration checks share. */
#include <stdio.h>
#include <string.h>

#include "check/check.h"

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

enum dsck_err check_each_member(const struct dsck_conn *conn, struct check_result *res,
				check_member_fn fn, const void *ctx, struct dsck_error *err)
{
	enum dsck_err rc = DSCK_OK;

	res->n_members = conn->n_endpoints;
	for (size_t i = 0; i < conn->n_endpoints && !rc; i++) {
		struct check_member *m = &res->members[i];
		struct dsck_conn mc;

		snprintf(m->endpoint, sizeof(m->endpoint), "%s", conn->endpoints[i]);
		m->v2_served = -1;
		if ((rc = conn_init_member(&mc, conn, i, err)))
			break;
		rc = fn(res, m, &mc, ctx, err);
		conn_release(&mc);
		res->unreachable += !m->reachable;
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
