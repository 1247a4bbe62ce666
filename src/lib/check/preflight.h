/*
 * preflight: one go/no-go report before an upgrade (SPEC §3). Decides which
 * checks apply from what it can reach and runs them; each check ends as
 * passed, failed (error findings), or skipped with the reason.
 */
#ifndef DSCK_PREFLIGHT_H
#define DSCK_PREFLIGHT_H

#include <stdbool.h>

#include "net/conn.h"
#include "base/findings.h"
#include "base/keyfilter.h"

#define PREFLIGHT_MAX_CHECKS 16

struct preflight_check {
	const char *name;
	bool skipped;
	char reason[512];        /* why skipped, or a one-line summary */
	struct findings findings;
};

struct preflight {
	struct preflight_check checks[PREFLIGHT_MAX_CHECKS];
	size_t n;
	size_t unreachable;      /* etcd members that did not answer */
	bool any_reachable;
	bool v2_served, v3_calico, v3_empty;
	char next_step[512];     /* what the operator should do next */
};

/*
 * A check the caller adds (inspect, Kubernetes checks): fills @c and returns
 * DSCK_OK, or an error that stops the preflight.
 */
typedef enum dsck_err (*preflight_fn)(void *ctx, struct preflight *p, struct preflight_check *c,
				      struct dsck_error *err);

void preflight_init(struct preflight *p);
void preflight_release(struct preflight *p);
/* A new check slot (findings initialised); NULL when full. */
struct preflight_check *preflight_add(struct preflight *p, const char *name);
void preflight_skip(struct preflight_check *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
bool preflight_check_ok(const struct preflight_check *c);
bool preflight_ok(const struct preflight *p);

/* The etcd checks: connectivity, v2 API, migration state, v2 content. */
enum dsck_err preflight_etcd(struct preflight *p, const struct dsck_conn *conn,
			     const struct keyfilter *f, struct dsck_error *err);

#endif
