/*
 * The preflight checks that live outside the etcd module: the Calico data
 * model (inspect) and the Kubernetes checks, when they apply.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "calico/inspect.h"
#include "check/check_calico_upgrade.h"
#include "check/k8scheck.h"
#include "check/preflight.h"
#include "store/source.h"

/* Inspect the store that holds the Calico data (v2 first: Calico v2.x reads it). */
static enum dsck_err inspect_check(struct preflight *p, const struct dsck_conn *conn,
				   const struct keyfilter *f, struct dsck_error *err)
{
	struct preflight_check *c = preflight_add(p, "inspect");
	struct source src;
	struct inspect in;
	enum dsck_err rc;

	if (!c)
		return DSCK_OK;
	if (!p->any_reachable || (!p->v2_served && !p->v3_calico)) {
		preflight_skip(c, "no Calico data reachable in v2 or v3");
		return DSCK_OK;
	}
	if (p->v2_served)
		rc = source_open_v2(&src, conn, f, true, err);
	else
		rc = source_open_v3(&src, conn, f, 0, false, err);
	if (rc)
		return rc;
	rc = inspect_run(&in, &src, NULL, NULL, err);
	if (!rc) {
		snprintf(c->reason, sizeof(c->reason), "%s store: %zu keys, model %s, Ready %s, "
			 "CalicoVersion %s", dsck_api_name(src.api), in.keys,
			 inspect_model_name(inspect_model(&in)),
			 in.ready == INSPECT_READY_TRUE ? "true" :
			 in.ready == INSPECT_READY_FALSE ? "false" : "unknown",
			 in.calico_version ? in.calico_version : "unknown");
		findings_release(&c->findings);
		c->findings = in.findings;          /* the findings move to the check */
		findings_init(&in.findings, 0);
	}
	inspect_release(&in);
	source_close(&src);
	return rc;
}

/* The check keeps its own copies of what the Kubernetes check found. */
static enum dsck_err copy_findings(struct preflight_check *c, const struct findings *from,
				   struct dsck_error *err)
{
	return findings_append(&c->findings, from) ? dsck_fail(err, DSCK_ERR_NOMEM, "out of memory")
						   : DSCK_OK;
}

/* check calico-upgrade, when the data says an upgrade is under way (v3 resources, or v1
 * paused); before that its refusals are not a reason to stop an etcd upgrade. */
static enum dsck_err upgrade_check(struct preflight *p, const struct dsck_conn *conn,
				   struct dsck_error *err)
{
	struct preflight_check *c = p->any_reachable ? preflight_add(p, "calico-upgrade") : NULL;
	struct keyfilter f1, f3;
	struct source v1, v3;
	struct check_calico_upgrade cu;
	enum dsck_err rc;

	if (!c)
		return DSCK_OK;
	if (!p->v2_served) {
		preflight_skip(c, "the v2 store is not served: no v1 data to convert");
		return DSCK_OK;
	}
	keyfilter_init(&f1, "/calico", false);
	keyfilter_init(&f3, "/calico/", false);
	if ((rc = source_open_v2(&v1, conn, &f1, true, err)))
		return rc;
	if ((rc = source_open_v3(&v3, conn, &f3, 0, false, err))) {
		source_close(&v1);
		return rc;
	}
	rc = check_calico_upgrade_run(&cu, &v1, &v3, CHECK_CALICO_UPGRADE_AUTO, err);
	if (rc == DSCK_ERR_INPUT || (!rc && cu.phase == CHECK_CALICO_UPGRADE_BEFORE && cu.v1_ready)) {
		preflight_skip(c, "no calico-upgrade under way (%s); before `calico-upgrade start` run "
			       "`dsck check calico-upgrade`", rc ? "no v1 data" : cu.phase_reason);
		dsck_error_clear(err);
		rc = DSCK_OK;
	} else if (!rc) {
		snprintf(c->reason, sizeof(c->reason), "phase %s: %zu converted, %zu missing, "
			 "%zu differing", check_calico_upgrade_phase_name(cu.phase), cu.converted,
			 cu.missing, cu.mismatched);
		rc = copy_findings(c, &cu.findings, err);
	}
	check_calico_upgrade_release(&cu);
	source_close(&v1);
	source_close(&v3);
	return rc;
}

static enum dsck_err crd_check(struct preflight *p, struct k8s_source *src,
			       const struct dsck_settings *s, struct dsck_error *err)
{
	struct preflight_check *c = preflight_add(p, "k8s-crd-migration");
	const char *ds = settings_get(s, SET_DATASTORE_TYPE);
	struct crd_migration r;
	enum dsck_err rc;

	if (!c)
		return DSCK_OK;
	/* The TPR -> CRD migration only concerns the Kubernetes datastore. */
	if (!ds || strcmp(ds, "kubernetes") != 0) {
		preflight_skip(c, "datastoreType is '%s', not kubernetes: the TPR to CRD migration "
			       "does not apply", ds ? ds : "unset");
		return DSCK_OK;
	}
	crd_migration_init(&r);
	rc = check_k8s_crd_migration(src, &r, err);
	if (!rc) {
		snprintf(c->reason, sizeof(c->reason), "Kubernetes %s, %zu TPR and %zu CRD objects "
			 "compared", r.k8s_version[0] ? r.k8s_version : "?", r.tpr_objects,
			 r.crd_objects);
		rc = copy_findings(c, &r.findings, err);
	}
	crd_migration_release(&r);
	return rc;
}

static enum dsck_err policy_check(struct preflight *p, struct k8s_source *src,
				  struct dsck_error *err)
{
	struct preflight_check *c = preflight_add(p, "policy-semantics");
	struct policy_semantics r;
	enum dsck_err rc;

	if (!c)
		return DSCK_OK;
	policy_semantics_init(&r);
	rc = check_policy_semantics(src, &r, err);
	for (size_t i = 0; i < r.n && !rc; i++) {
		const struct policy_namespace *ns = &r.ns[i];

		if (ns->verdict == VERDICT_OK)
			continue;
		if (findings_add(&c->findings, ns->verdict == VERDICT_ACTION ? SEV_ERROR : SEV_WARNING,
				 ns->verdict == VERDICT_ACTION ? "namespace-needs-action"
							       : "namespace-review",
				 NULL, ns->name, strlen(ns->name), "%s%s%s",
				 ns->reason ? ns->reason : "", ns->action ? "; run: " : "",
				 ns->action ? ns->action : ""))
			rc = dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
	}
	if (!rc)
		snprintf(c->reason, sizeof(c->reason), "%zu namespaces: %zu OK, %zu ACTION, %zu WARN",
			 r.n, r.by_verdict[VERDICT_OK], r.by_verdict[VERDICT_ACTION],
			 r.by_verdict[VERDICT_WARN]);
	policy_semantics_release(&r);
	return rc;
}

static enum dsck_err roll_check(struct preflight *p, struct k8s_source *src,
				struct dsck_error *err)
{
	struct preflight_check *c = preflight_add(p, "node-roll");
	struct node_roll r;
	enum dsck_err rc;

	if (!c)
		return DSCK_OK;
	node_roll_init(&r);
	rc = check_node_roll(src, &r, err);
	if (!rc) {
		snprintf(c->reason, sizeof(c->reason), "%s: %zu of %zu nodes on the DaemonSet's image",
			 node_roll_phase_name(r.phase), r.n_updated, r.n_nodes);
		rc = copy_findings(c, &r.findings, err);
	}
	node_roll_release(&r);
	return rc;
}

/* The Kubernetes checks, when an API is configured. */
static enum dsck_err k8s_checks(struct cli *cli, struct preflight *p,
				const struct dsck_conn *conn, struct dsck_error *err)
{
	const struct dsck_settings *s = &cli->settings;
	struct dsck_error e = DSCK_ERROR_INIT;
	struct k8s_client client;
	struct k8s_source src = { .client = &client, .max_bytes = conn->max_response_bytes };
	enum dsck_err rc;

	if (!settings_is_set(s, SET_KUBECONFIG) && !settings_is_set(s, SET_K8S_API_ENDPOINT)) {
		preflight_skip(preflight_add(p, "k8s"),
			       "no Kubernetes API configured (--kubeconfig, --k8s-api-endpoint, "
			       "or in a pod)");
		return DSCK_OK;
	}
	if (k8s_client_init(&client, s, conn, &e)) {
		/* An unusable kubeconfig is a failed check, not a failed preflight. */
		struct preflight_check *c = preflight_add(p, "k8s");

		if (c && findings_add(&c->findings, SEV_ERROR, "k8s-unreachable", NULL, NULL, 0, "%s",
				      e.msg))
			return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
		return DSCK_OK;
	}
	/* Each check stands alone: an API failure fails that check, not the others. */
	for (int i = 0; i < 3; i++) {
		size_t before = p->n;

		dsck_error_clear(&e);
		rc = i == 0 ? crd_check(p, &src, s, &e) : i == 1 ? policy_check(p, &src, &e)
							   : roll_check(p, &src, &e);
		if (!rc)
			continue;
		if (p->n == before)
			break;
		if (findings_add(&p->checks[p->n - 1].findings, SEV_ERROR, "k8s-unreachable", NULL,
				 NULL, 0, "%s", e.msg)) {
			rc = dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
			break;
		}
		rc = DSCK_OK;
	}
	k8s_client_release(&client);
	return rc;
}

enum dsck_err cli_preflight_extra(struct cli *cli, struct preflight *p,
				  const struct dsck_conn *conn, const struct keyfilter *f,
				  struct dsck_error *err)
{
	enum dsck_err rc;

	if ((rc = inspect_check(p, conn, f, err)) || (rc = upgrade_check(p, conn, err)))
		return rc;
	return k8s_checks(cli, p, conn, err);
}
