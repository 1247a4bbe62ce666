/*
 * check: the checks around an etcd 2 -> 3 migration (docs/checks.md). Each looks at every member separately (v2 reads
 * without quorum, v3 serializable, so each member answers from its own
 * stores) and reports findings; the CLI renders them.
 *
 *  - verify-migrate: after `etcdctl migrate`, is the v2 data still served
 *    and untouched, and was every leaf copied into v3, on every member?
 *  - pre-migrate: is it safe to run `etcdctl migrate` now?
 *  - v2-content: what is still in the v2 store before an etcd 3.6 upgrade?
 */
#ifndef DSCK_CHECK_H
#define DSCK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/conn.h"
#include "base/findings.h"
#include "calico/counts.h"
#include "base/keyfilter.h"

#define CHECK_MAX_PREFIXES 32

struct prefix_count {
	char prefix[128];
	size_t n;
};

struct check_member {
	char endpoint[512];
	bool reachable;
	char error[DSCK_ERROR_MSG_MAX];
	int v2_served;               /* 1 yes, 0 no (disabled), -1 unknown */
	bool v3_ok;
	bool v3_counted;             /* v3 was measured (not by v2-content) */
	struct counts v2, v3;        /* under the prefix (docs/json.md, "Counts") */
	size_t v3_total;             /* pre-migrate: keys in the whole v3 keyspace */
	unsigned char v2_digest[32], v3_digest[32];
	struct prefix_count prefixes[CHECK_MAX_PREFIXES];   /* v2-content */
	size_t n_prefixes;
};

struct check_result {
	const char *name;            /* "verify-migrate", ... */
	struct check_member members[CONN_MAX_ENDPOINTS];
	size_t n_members;
	size_t unreachable;
	size_t compared;             /* keys compared (verify-migrate) */
	bool mixed_clusters;         /* the endpoints belong to different etcd clusters */
	struct findings findings;
};

void check_result_init(struct check_result *r, const char *name);

/* Check one member (a conn with just its endpoint). */
typedef enum dsck_err (*check_member_fn)(struct check_result *res, struct check_member *m,
					 const struct dsck_conn *mc, const void *ctx,
					 struct dsck_error *err);
/*
 * After a member's v2 read that did not fail in a way the check reports
 * itself: an unreachable member is noted in m->error (DSCK_OK, *usable
 * false), any other failure is returned, success marks the member reachable
 * with v2 served (*usable true).
 */
enum dsck_err check_v2_read(struct check_member *m, enum dsck_err rc, const struct dsck_error *e,
			    bool *usable, struct dsck_error *err);

/*
 * Run @fn on every endpoint of @conn, filling res->members and
 * res->unreachable. First, endpoints of different etcd clusters (cluster
 * ids) are one "mixed-clusters" error; afterwards, a member that did not
 * answer is a "member-unreachable" error (it could not be checked), unless
 * @fn reported it already.
 */
enum dsck_err check_each_member(const struct dsck_conn *conn, struct check_result *res,
				check_member_fn fn, const void *ctx, struct dsck_error *err);
void check_result_release(struct check_result *r);

/* @before: a v2 snapshot taken before the migration, or NULL. */
enum dsck_err check_verify_migrate(const struct dsck_conn *conn, const struct keyfilter *f,
				   const char *before, int64_t page_size,
				   struct check_result *res, struct dsck_error *err);
enum dsck_err check_pre_migrate(const struct dsck_conn *conn, const struct keyfilter *f,
				struct check_result *res, struct dsck_error *err);
enum dsck_err check_v2_content(const struct dsck_conn *conn, struct check_result *res,
			       struct dsck_error *err);

#endif
