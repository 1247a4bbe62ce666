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

static enum dsck_err nomem(struct dsck_error *err)
{
	return dsck_oom(err);
}

/* A failure of a check: out of memory stops the preflight, anything else is "could not run". */
static enum dsck_err could_not_run(struct preflight_check *c, enum dsck_err rc,
				   const struct dsck_error *e, struct dsck_error *err)
{
	if (rc == DSCK_ERR_NOMEM)
		return nomem(err);
	preflight_incomplete(c, rc, "could not check: %s", e->msg);
	return DSCK_OK;
}

static enum dsck_err crd_check(struct preflight_check *c, struct k8s_source *src,
			       struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct crd_migration r;
	enum dsck_err rc;

	crd_migration_init(&r);
	rc = check_k8s_crd_migration(src, &r, &e);
	if (rc)
		rc = could_not_run(c, rc, &e, err);
	else if (findings_append(&c->findings, &r.findings))
		rc = nomem(err);
	else
		snprintf(c->reason, sizeof(c->reason), "Kubernetes %s, calico-node %s, %zu TPR and "
			 "%zu CRD objects compared", r.k8s_version[0] ? r.k8s_version : "unknown",
			 r.node_image[0] ? r.node_image : "unknown", r.tpr_objects, r.crd_objects);
	crd_migration_release(&r);
	return rc;
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
			return nomem(err);
	}
	return DSCK_OK;
}

static enum dsck_err policy_check(struct preflight_check *c, struct k8s_source *src,
				  const char *to_version, struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct policy_semantics r;
	enum dsck_err rc;

	policy_semantics_init(&r);
	snprintf(r.to_version, sizeof(r.to_version), "%s", to_version ? to_version : "");
	rc = check_policy_semantics(src, &r, &e);
	if (rc)
		rc = could_not_run(c, rc, &e, err);
	else if (r.scope == POLICY_NOT_APPLICABLE)
		preflight_skip(c, "%s", r.scope_reason);
	else if (!(rc = policy_findings(c, &r, err)))
		snprintf(c->reason, sizeof(c->reason), "%.300s; %zu namespaces: %zu OK, %zu ACTION, "
			 "%zu WARN", r.scope_reason, r.n, r.by_verdict[VERDICT_OK],
			 r.by_verdict[VERDICT_ACTION], r.by_verdict[VERDICT_WARN]);
	policy_semantics_release(&r);
	return rc;
}

static enum dsck_err roll_check(struct preflight_check *c, struct k8s_source *src,
				struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct node_roll r;
	enum dsck_err rc;

	node_roll_init(&r);
	rc = check_node_roll(src, &r, &e);
	if (rc)
		rc = could_not_run(c, rc, &e, err);
	else if (findings_append(&c->findings, &r.findings))
		rc = nomem(err);
	else
		snprintf(c->reason, sizeof(c->reason), "%s: %zu of %zu nodes on the DaemonSet's "
			 "current template", node_roll_phase_name(r.phase), r.n_updated, r.n_nodes);
	node_roll_release(&r);
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
		return rc == DSCK_ERR_NOMEM ? nomem(err) : DSCK_OK;
	}
	if (kdd)
		rc = crd_check(c[0], &src, err);
	if (!rc)
		rc = policy_check(c[1], &src, to_version, err);
	if (!rc)
		rc = roll_check(c[2], &src, err);
	k8s_client_release(&client);
	return rc;
}
