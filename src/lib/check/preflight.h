/*
 * preflight: one go/no-go report before an upgrade (docs/checks.md). Decides which
 * checks apply from what it can reach and runs them; each check ends as
 * passed, failed (error findings), skipped because it does not apply (with
 * the reason), or could not run (with the error). GO only when every check
 * that applies ran and passed (docs/checks.md).
 */
#ifndef DSCK_PREFLIGHT_H
#define DSCK_PREFLIGHT_H

#include <stdbool.h>

#include "net/conn.h"
#include "net/settings.h"
#include "base/err.h"
#include "base/findings.h"
#include "base/keyfilter.h"

#define PREFLIGHT_MAX_CHECKS 16

struct preflight_check {
	const char *name;
	bool skipped;            /* does not apply here */
	enum dsck_err error;     /* could not run (DSCK_OK when it ran) */
	char reason[512];        /* why skipped, why it could not run, or a one-line summary */
	struct findings findings;
};

enum preflight_verdict {
	PREFLIGHT_GO,            /* every check that applies ran and passed */
	PREFLIGHT_NO_GO,         /* a check found errors */
	PREFLIGHT_INCOMPLETE,    /* nothing failed, but something could not be checked */
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
/* The check could not run: @code says why (its exit code is the single check's). */
void preflight_incomplete(struct preflight_check *c, enum dsck_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A check that failed with @rc (@e says why): out of memory stops the
 * preflight (returned, in @err); anything else marks @c "could not @what"
 * and returns DSCK_OK, so that the other checks still run.
 */
enum dsck_err preflight_could_not(struct preflight_check *c, enum dsck_err rc, const char *what,
				  const struct dsck_error *e, struct dsck_error *err);
/* The findings of a check that ran move to @c; @from is left empty. */
void preflight_take_findings(struct preflight_check *c, struct findings *from);
/* Skipped, or ran without error findings. */
bool preflight_check_ok(const struct preflight_check *c);
/*
 * The verdict, and in *code what the exit status reports: the first check
 * that could not run, DSCK_ERR_CONNECT for unreachable members,
 * DSCK_ERR_FINDINGS for errors, DSCK_ERR_USAGE when no check ran at all.
 */
enum preflight_verdict preflight_verdict(const struct preflight *p, enum dsck_err *code);
const char *preflight_verdict_name(enum preflight_verdict v);
bool preflight_ok(const struct preflight *p);

/* The etcd checks: connectivity, v2 API, migration state, v2 content. */
enum dsck_err preflight_etcd(struct preflight *p, const struct dsck_conn *conn,
			     const struct keyfilter *f, struct dsck_error *err);
/* The Calico data model of the store that holds the data (after preflight_etcd). */
enum dsck_err preflight_inspect(struct preflight *p, const struct dsck_conn *conn,
				const struct keyfilter *f, struct dsck_error *err);
/* check calico-upgrade while an upgrade is under way (after preflight_etcd). */
enum dsck_err preflight_calico_upgrade(struct preflight *p, const struct dsck_conn *conn,
				       struct dsck_error *err);
/*
 * The Kubernetes checks (preflight_k8s.c), with the credential resolution
 * of the single checks. @kdd: Calico uses the Kubernetes datastore, so the
 * API is required and k8s-crd-migration applies. @to_version may be NULL.
 */
enum dsck_err preflight_k8s(struct preflight *p, const struct dsck_settings *s,
			    const struct dsck_conn *conn, bool kdd, const char *to_version,
			    struct dsck_error *err);

#endif
