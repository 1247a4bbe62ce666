/*
 * preflight_k8s: the Kubernetes checks of preflight (k8s-crd-migration,
 * policy-semantics, node-roll), through the same credential resolution as
 * the single checks (store/k8s.h). Each check stands alone: one that cannot
 * read what it needs is "could not run" with the single check's error, and
 * the others still run (docs/checks.md).
 */
#include <stdio.h>
#include <string.h>

#include "check/k8scheck.h"
#include "check/preflight.h"

/*
 * A check has run and returned @rc: "could not run", or its findings (when
 * @f) copied to @c. True when it ran, for the caller to sum it up in
 * c->reason; *@out is DSCK_OK unless out of memory stops the preflight.
 */
static bool ran(struct preflight_check *c, enum dsck_err rc, const struct dsck_error *e,
		const struct findings *f, enum dsck_err *out, struct dsck_error *err)
{
	if (rc)
		*out = preflight_could_not(c, rc, "check", e, err);
	else if (f && findings_append(&c->findings, f))
		*out = dsck_oom(err);
	return !rc && !*out;
}

static enum dsck_err policy_findings(struct preflight_check *c, const struct policy_semantics *r,
				     struct dsck_error *err)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct policy_namespace *ns = &r->ns[i];
		bool action = ns->verdict == VERDICT_ACTION;

		if (ns->verdict != VERDICT_ACTION && ns->verdict != VERDICT_WARN)
			continue;
		if (findings_add(&c->findings, action ? SEV_ERROR : SEV_WARNING,
				 action ? "namespace-needs-action" : "namespace-review", NULL, ns->name,
				 strlen(ns->name), "%s%s%s", ns->reason,
				 ns->action && r->scope == POLICY_VERSION_UNKNOWN
				 ? "; only if the upgrade crosses the change, run: "
				 : ns->action ? "; run: " : "", ns->action ? ns->action : ""))
			return dsck_oom(err);
	}
	return DSCK_OK;
}

static enum dsck_err policy_result(struct preflight_check *c, const struct policy_semantics *r,
				   struct dsck_error *err)
{
	enum dsck_err rc = DSCK_OK;

	if (r->scope == POLICY_NOT_APPLICABLE)
		preflight_skip(c, "%s", r->scope_reason);
	else if (!(rc = policy_findings(c, r, err)))
		snprintf(c->reason, sizeof(c->reason), "%.300s; %zu namespaces: %zu OK, %zu ACTION, "
			 "%zu WARN", r->scope_reason, r->n, r->by_verdict[VERDICT_OK],
			 r->by_verdict[VERDICT_ACTION], r->by_verdict[VERDICT_WARN]);
	return rc;
}

/* The three checks over one source; each stands alone (see the top of this file). */
static enum dsck_err run_checks(struct preflight_check *const *c, struct k8s_source *src,
				bool kdd, const char *to_version, struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct crd_migration crd;
	struct policy_semantics pol;
	struct node_roll roll;
	enum dsck_err rc = DSCK_OK;

	crd_migration_init(&crd);
	policy_semantics_init(&pol);
	node_roll_init(&roll);
	snprintf(pol.to_version, sizeof(pol.to_version), "%s", to_version ? to_version : "");
	if (kdd && ran(c[0], check_k8s_crd_migration(src, &crd, &e), &e, &crd.findings, &rc, err))
		snprintf(c[0]->reason, sizeof(c[0]->reason), "Kubernetes %s, calico-node %s, %zu TPR "
			 "and %zu CRD objects compared", crd.k8s_version[0] ? crd.k8s_version
			 : "unknown", crd.node_image[0] ? crd.node_image : "unknown",
			 crd.tpr_objects, crd.crd_objects);
	if (!rc && ran(c[1], check_policy_semantics(src, &pol, &e), &e, NULL, &rc, err))
		rc = policy_result(c[1], &pol, err);
	if (!rc && ran(c[2], check_node_roll(src, &roll, &e), &e, &roll.findings, &rc, err))
		snprintf(c[2]->reason, sizeof(c[2]->reason), "%s: %zu of %zu nodes on the "
			 "DaemonSet's current template", node_roll_phase_name(roll.phase),
			 roll.n_updated, roll.n_nodes);
	crd_migration_release(&crd);
	policy_semantics_release(&pol);
	node_roll_release(&roll);
	return rc;
}

static const char *const names[] = { "k8s-crd-migration", "policy-semantics", "node-roll" };

enum dsck_err preflight_k8s(struct preflight *p, const struct dsck_settings *s,
			    const struct dsck_conn *conn, bool kdd, const char *to_version,
			    struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct k8s_client client;
	struct k8s_source src = { .client = &client, .max_bytes = conn->max_response_bytes };
	struct preflight_check *c[3];
	enum dsck_err rc = DSCK_OK;

	if (!kdd && !k8s_api_configured(s)) {
		preflight_skip(preflight_add(p, "k8s"), "no Kubernetes API configured (--kubeconfig, "
			       "--k8s-api-endpoint, ~/.kube/config, or in a pod)");
		return DSCK_OK;
	}
	for (size_t i = 0; i < 3; i++)
		if (!(c[i] = preflight_add(p, names[i])))
			return dsck_fail(err, DSCK_ERR_TOO_LARGE, "too many preflight checks");
	if (!kdd)
		preflight_skip(c[0], "datastore is etcd, not kubernetes: the TPR to CRD migration "
			       "does not apply");
	if ((rc = k8s_client_init(&client, s, conn, &e))) {
		/* The Kubernetes datastore needs the API: without it nothing here is checked. */
		for (size_t i = 0; i < 3 && rc != DSCK_ERR_NOMEM; i++)
			if (!c[i]->skipped)
				preflight_incomplete(c[i], rc, "could not check: %s", e.msg);
		return rc == DSCK_ERR_NOMEM ? dsck_oom(err) : DSCK_OK;
	}
	rc = run_checks(c, &src, kdd, to_version, err);
	k8s_client_release(&client);
	return rc;
}
