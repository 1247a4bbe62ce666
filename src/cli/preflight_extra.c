/*
 * The preflight checks that live outside the etcd module: the Calico data
 * model (inspect) and the Kubernetes checks, when they apply.
 */
#include <stdio.h>

#include "cli.h"
#include "dsck/inspect.h"
#include "dsck/preflight.h"
#include "dsck/source.h"

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

enum dsck_err cli_preflight_extra(struct cli *cli, struct preflight *p,
				  const struct dsck_conn *conn, const struct keyfilter *f,
				  struct dsck_error *err)
{
	const struct dsck_settings *s = &cli->settings;
	struct preflight_check *c;
	enum dsck_err rc;

	if ((rc = inspect_check(p, conn, f, err)))
		return rc;
	c = preflight_add(p, "k8s");
	if (c && !settings_is_set(s, SET_KUBECONFIG) && !settings_is_set(s, SET_K8S_API_ENDPOINT))
		preflight_skip(c, "no Kubernetes API configured (--kubeconfig or --k8s-api-endpoint)");
	else if (c)
		preflight_skip(c, "Kubernetes checks are not wired into preflight yet");
	return DSCK_OK;
}
