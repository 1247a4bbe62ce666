/*
 * dsck check k8s-crd-migration, policy-semantics and node-roll: the
 * Kubernetes checks (docs/checks.md), over the API or over `kubectl get
 * -o json` dumps in --from-dir DIR.
 */
#include <jansson.h>
#include <sys/stat.h>

#include "cli.h"
#include "table.h"
#include "check/k8scheck.h"

/* Where the objects come from, and what that needs to be released. */
struct k8s_session {
	struct dsck_conn conn;
	struct k8s_client client;
	struct k8s_source src;
	bool have_conn, have_client;
	char source[1024];
};

static void session_close(struct k8s_session *s)
{
	if (s->have_client)
		k8s_client_release(&s->client);
	if (s->have_conn)
		conn_release(&s->conn);
}

static int open_dir(struct cli *cli, struct k8s_session *s)
{
	const char *dir = cli->val[OPT_FROM_DIR];
	struct stat st;

	if (cli->set[OPT_KUBECONFIG] || cli->set[OPT_K8S_API_ENDPOINT] || cli->set[OPT_K8S_TOKEN])
		return cli_usage_error(cli, "--from-dir reads dumps: it takes no --kubeconfig, "
				       "--k8s-api-endpoint or --k8s-token");
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return cli_usage_error(cli, "--from-dir '%s' is not a directory", dir);
	s->src.dir = dir;
	return EXIT_OK;
}

static int session_open(struct cli *cli, struct k8s_session *s)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	int rc;

	if (cli->npos)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->pos[0]);
	if ((rc = cli_connect_settings(cli, &s->conn)))
		return rc;
	s->have_conn = true;
	s->src.max_bytes = s->conn.max_response_bytes;
	if (cli->val[OPT_FROM_DIR])
		rc = open_dir(cli, s);
	else if (k8s_client_init(&s->client, &cli->settings, &s->conn, &err))
		rc = cli_fail(&err);
	else
		s->src.client = &s->client;
	s->have_client = s->src.client != NULL;
	if (s->have_client && s->client.conn.insecure_skip_tls_verify)
		warnf("TLS certificate verification of the Kubernetes API is DISABLED (%s): anyone "
		      "on the network path can impersonate it", s->client.source);
	k8s_source_describe(&s->src, s->source, sizeof(s->source));
	return rc;
}

/* --- k8s-crd-migration --- */

static json_t *crd_summary_json(const struct crd_migration *r)
{
	json_t *o = cli_findings_summary(NULL, &r->findings);
	char version[32] = "";

	if (r->node_major >= 0)
		snprintf(version, sizeof(version), "%d.%d", r->node_major, r->node_minor);
	json_object_set_new(o, "kubernetes_version", cli_json_text(r->k8s_version));
	json_object_set_new(o, "crd_api", cli_json_text(r->crd_api));
	json_object_set_new(o, "tpr_api", json_boolean(r->tpr_api));
	json_object_set_new(o, "rbac_api", json_boolean(r->rbac_api));
	json_object_set_new(o, "calico_node_daemonset", cli_json_text(r->node_daemonset));
	json_object_set_new(o, "calico_node_image", cli_json_text(r->node_image));
	json_object_set_new(o, "calico_node_version", cli_json_text(version));
	json_object_set_new(o, "cluster_type", cli_json_text(r->cluster_type));
	json_object_set_new(o, "tpr_objects", json_integer((json_int_t)r->tpr_objects));
	json_object_set_new(o, "crd_objects", json_integer((json_int_t)r->crd_objects));
	json_object_set_new(o, "compared", json_integer((json_int_t)r->compared));
	return o;
}

static void crd_table(const struct crd_migration *r, const char *source)
{
	printf("%-13s %s\n", "Source:", source);
	printf("%-13s %s\n", "Kubernetes:", r->k8s_version[0] ? r->k8s_version : "unknown");
	printf("%-13s %s\n", "CRD API:", !r->crd_api_served ? "NOT SERVED"
					: r->crd_api[0] ? r->crd_api : "served");
	printf("%-13s %s\n", "TPR API:", r->tpr_api ? "served" : "NOT SERVED");
	if (r->node_daemonset[0])
		printf("%-13s %s (DaemonSet kube-system/%s)\n", "calico-node:",
		       r->node_image[0] ? r->node_image : "no calico-node container",
		       r->node_daemonset);
	else
		printf("%-13s no calico-node DaemonSet in kube-system\n", "calico-node:");
	printf("%-13s %s\n", "ClusterType:", r->cluster_type[0] ? r->cluster_type : "not readable");
	printf("%-13s %zu TPR, %zu CRD, %zu compared\n\n", "Objects:", r->tpr_objects,
	       r->crd_objects, r->compared);
	cli_findings_table(&r->findings);
}

/* --- policy-semantics --- */

static json_t *namespace_json(const struct policy_namespace *ns, bool conditional)
{
	json_t *o = json_object(), *pols = json_array();

	for (size_t i = 0; i < ns->n_policies; i++)
		json_array_append_new(pols, json_string(ns->policies[i]));
	json_object_set_new(o, "name", json_string(ns->name));
	json_object_set_new(o, "annotation", ns->annotation ? json_string(ns->annotation)
							    : json_null());
	json_object_set_new(o, "annotation_parse", json_string(policy_annotation_name(ns->parse)));
	json_object_set_new(o, "legacy_annotation", json_boolean(ns->legacy));
	json_object_set_new(o, "isolated", json_boolean(ns->parse == ANNOTATION_DEFAULT_DENY));
	json_object_set_new(o, "policies", pols);
	json_object_set_new(o, "has_default_deny", json_boolean(ns->has_default_deny));
	json_object_set_new(o, "verdict", json_string(policy_verdict_name(ns->verdict)));
	json_object_set_new(o, "action", ns->action ? json_string(ns->action) : json_null());
	json_object_set_new(o, "conditional", json_boolean(ns->action && conditional));
	json_object_set_new(o, "reason", json_string(ns->reason));
	return o;
}

static void policy_table(const struct policy_semantics *r, const char *source)
{
	bool conditional = r->scope == POLICY_VERSION_UNKNOWN;

	printf("Source:     %s\n", source);
	printf("Datastore:  %s\n", r->datastore[0] ? r->datastore : "unknown");
	printf("calico-node: running %s%s%s%s, target %s%s%s%s\n",
	       r->running[0] ? "v" : "unknown", r->running, r->running_from ? " from the " : "",
	       r->running_from ? r->running_from : "", r->target[0] ? "v" : "unknown", r->target,
	       r->target_from ? " from " : "", r->target_from ? r->target_from : "");
	printf("Applies:    %s: %s\n", policy_scope_name(r->scope), r->scope_reason);
	static const struct table_col cols[] = {
		{ "NAMESPACE", TABLE_LEFT }, { "ANNOTATION", TABLE_LEFT }, { "POLICIES", TABLE_RIGHT },
		{ "DEFAULT-DENY", TABLE_LEFT }, { "VERDICT", TABLE_LEFT },
	};
	struct table t;

	table_init(&t, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < r->n; i++) {
		const struct policy_namespace *ns = &r->ns[i];
		char n[24];

		snprintf(n, sizeof(n), "%zu", ns->n_policies);
		table_add(&t, (const char *const[]){ ns->name, policy_annotation_name(ns->parse), n,
			  ns->has_default_deny ? "yes" : "no", policy_verdict_name(ns->verdict) });
	}
	putchar('\n');
	table_print(&t, stdout);
	table_release(&t);
	for (size_t i = 0; i < r->n; i++) {
		const struct policy_namespace *ns = &r->ns[i];

		if (ns->verdict == VERDICT_OK)
			continue;
		printf("\n%-6s %s: %s\n", policy_verdict_name(ns->verdict), ns->name, ns->reason);
		if (ns->action)
			printf("       %s$ %s\n", conditional ? "only if the upgrade crosses the "
			       "change: " : "", ns->action);
	}
	printf("\npolicy-semantics: %s, %zu OK, %zu ACTION, %zu WARN, %zu INFO\n",
	       policy_scope_name(r->scope), r->by_verdict[VERDICT_OK],
	       r->by_verdict[VERDICT_ACTION], r->by_verdict[VERDICT_WARN],
	       r->by_verdict[VERDICT_INFO]);
}

/* The members of the policy-semantics document beyond check, ok and source. */
static void policy_json(json_t *doc, const struct policy_semantics *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < r->n; i++)
		json_array_append_new(arr, namespace_json(&r->ns[i], r->scope == POLICY_VERSION_UNKNOWN));
	json_object_set_new(doc, "summary",
			    json_pack("{s:I,s:I,s:I,s:I,s:I}", "namespaces", (json_int_t)r->n,
				      "ok", (json_int_t)r->by_verdict[VERDICT_OK],
				      "action", (json_int_t)r->by_verdict[VERDICT_ACTION],
				      "warn", (json_int_t)r->by_verdict[VERDICT_WARN],
				      "info", (json_int_t)r->by_verdict[VERDICT_INFO]));
	json_object_set_new(doc, "scope", json_string(policy_scope_name(r->scope)));
	json_object_set_new(doc, "scope_reason", json_string(r->scope_reason));
	json_object_set_new(doc, "datastore", cli_json_text(r->datastore));
	json_object_set_new(doc, "calico_node_image", cli_json_text(r->node_image));
	json_object_set_new(doc, "running_version", cli_json_text(r->running));
	json_object_set_new(doc, "running_from", cli_json_text(r->running_from));
	json_object_set_new(doc, "target_version", cli_json_text(r->target));
	json_object_set_new(doc, "target_from", cli_json_text(r->target_from));
	json_object_set_new(doc, "boundary", cli_json_text(r->boundary));
	json_object_set_new(doc, "namespaces", arr);
}

/* --- node-roll --- */

static json_t *names_json(char *const *names, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(names[i]));
	return a;
}

static json_t *roll_summary_json(const struct node_roll *r)
{
	json_t *o = cli_findings_summary(NULL, &r->findings);
	json_t *images = json_object(), *ctrls = json_array();

	for (size_t i = 0; i < r->n_images; i++)
		json_object_set_new(images, r->images[i].image,
				    names_json(r->images[i].nodes, r->images[i].n));
	for (size_t i = 0; i < r->n_controllers; i++) {
		const struct node_roll_controller *c = &r->controllers[i];

		json_array_append_new(ctrls, json_pack("{s:s,s:s,s:I,s:I}", "name", c->name,
						       "strategy", c->strategy, "replicas",
						       (json_int_t)c->replicas, "running",
						       (json_int_t)c->running));
	}
	json_object_set_new(o, "calico_node_daemonset", cli_json_text(r->daemonset));
	json_object_set_new(o, "desired_image", cli_json_text(r->desired_image));
	json_object_set_new(o, "update_strategy", cli_json_text(r->update_strategy));
	json_object_set_new(o, "template_generation", r->template_generation >= 0
			    ? json_integer(r->template_generation) : json_null());
	json_object_set_new(o, "datastore", cli_json_text(r->datastore));
	json_object_set_new(o, "roll", json_string(node_roll_phase_name(r->phase)));
	json_object_set_new(o, "nodes", json_integer((json_int_t)r->n_nodes));
	json_object_set_new(o, "nodes_updated", json_integer((json_int_t)r->n_updated));
	json_object_set_new(o, "nodes_read", json_boolean(r->nodes_read));
	json_object_set_new(o, "images", images);
	json_object_set_new(o, "controllers", ctrls);
	json_object_set_new(o, "configmap", cli_json_text(r->configmap));
	json_object_set_new(o, "configmap_changed", cli_json_text(r->config_changed));
	json_object_set_new(o, "configmap_time_source", cli_json_text(r->config_time_source));
	for (int c = NODE_ROLL_CONFIG_APPLIED; c <= NODE_ROLL_CONFIG_UNPROVEN; c++) {
		char k[40];

		snprintf(k, sizeof(k), "config_%s", node_roll_config_name(c));
		for (char *p = k; *p; p++)
			*p = *p == '-' ? '_' : *p;
		json_object_set_new(o, k, json_integer((json_int_t)r->config_pods[c]));
	}
	return o;
}

static json_t *roll_nodes_json(const struct node_roll *r)
{
	json_t *a = json_array();

	for (size_t i = 0; i < r->n_nodes; i++) {
		const struct node_roll_node *n = &r->nodes[i];

		json_array_append_new(a, json_pack("{s:s,s:s,s:s,s:b,s:b,s:o,s:s,s:b,s:o,s:o}", "name",
						   n->name, "pod", n->pod, "image", n->image, "ready",
						   n->ready, "terminating", n->terminating,
						   "unschedulable", n->known
						   ? json_boolean(n->unschedulable) : json_null(),
						   "state", node_roll_state_name(n->state),
						   "current_template", n->current,
						   "template_generation", n->generation >= 0
						   ? json_integer(n->generation) : json_null(),
						   "not_ready", cli_json_text(n->not_ready)));
	}
	return a;
}

static void roll_table(const struct node_roll *r, const char *source)
{
	printf("%-13s %s\n", "Source:", source);
	if (r->daemonset[0])
		printf("%-13s DaemonSet kube-system/%s, image %s, updateStrategy %s\n",
		       "calico-node:", r->daemonset, r->desired_image[0] ? r->desired_image
		       : "(no calico-node container)", r->update_strategy);
	else
		printf("%-13s no calico-node DaemonSet in kube-system\n", "calico-node:");
	printf("%-13s %s, %zu of %zu nodes updated\n", "Roll:", node_roll_phase_name(r->phase),
	       r->n_updated, r->n_nodes);
	for (size_t i = 0; i < r->n_controllers; i++)
		printf("%-13s Deployment kube-system/%s, strategy %s, replicas %lld, running %zu\n",
		       i ? "" : "Controller:", r->controllers[i].name, r->controllers[i].strategy,
		       r->controllers[i].replicas, r->controllers[i].running);
	if (!r->n_controllers)
		printf("%-13s no policy controller Deployment in kube-system\n", "Controller:");
	if (r->configmap[0])
		printf("%-13s kube-system/%s, %s %s\n", "ConfigMap:", r->configmap,
		       r->config_time_source ? r->config_time_source : "no change time",
		       r->config_changed);
	if (r->n_nodes) {
		static const struct table_col cols[] = {
			{ "NODE", TABLE_LEFT }, { "CORDONED", TABLE_LEFT }, { "POD", TABLE_LEFT },
			{ "READY", TABLE_LEFT }, { "STATE", TABLE_LEFT }, { "IMAGE", TABLE_SHRINK },
		};
		struct table t;

		table_init(&t, cols, ARRAY_SIZE(cols));
		for (size_t i = 0; i < r->n_nodes; i++) {
			const struct node_roll_node *n = &r->nodes[i];

			table_add(&t, (const char *const[]){ n->name,
				  !n->known ? "?" : n->unschedulable ? "yes" : "no", n->pod,
				  n->ready ? "yes" : "no", n->terminating ? "deleting"
				  : node_roll_state_name(n->state), n->image });
		}
		putchar('\n');
		table_print(&t, stdout);
		table_release(&t);
	}
	printf("\n");
	cli_findings_table(&r->findings);
}

/* --- the three commands --- */

static const char *const check_names[] = {
	[CHECK_K8S_CRD] = "k8s-crd-migration", [CHECK_POLICY_SEMANTICS] = "policy-semantics",
	[CHECK_NODE_ROLL] = "node-roll",
};

/* The result of each check; only the one that ran is filled. */
struct k8s_results {
	struct crd_migration crd;
	struct policy_semantics pol;
	struct node_roll roll;
};

/*
 * One JSON document (check, ok, source, the check's own members), or the
 * check's table; a check judged by findings ends its table with a verdict
 * line, policy-semantics with its own summary.
 */
static int render(struct cli *cli, enum cmd_k8s_check w, const struct k8s_results *r,
		  const char *source)
{
	const struct findings *f = w == CHECK_K8S_CRD ? &r->crd.findings
				 : w == CHECK_NODE_ROLL ? &r->roll.findings : NULL;
	bool ok = f ? findings_ok(f) : r->pol.by_verdict[VERDICT_ACTION] == 0;

	if (cli->format == OUT_JSON) {
		json_t *doc = cli_check_json(check_names[w], ok, f);

		json_object_set_new(doc, "source", json_string(source));
		if (w == CHECK_K8S_CRD) {
			json_object_set_new(doc, "summary", crd_summary_json(&r->crd));
		} else if (w == CHECK_NODE_ROLL) {
			json_object_set_new(doc, "summary", roll_summary_json(&r->roll));
			json_object_set_new(doc, "nodes", roll_nodes_json(&r->roll));
		} else {
			policy_json(doc, &r->pol);
		}
		if (cli_print_json(doc))
			return EXIT_IO;
	} else {
		if (w == CHECK_K8S_CRD)
			crd_table(&r->crd, source);
		else if (w == CHECK_NODE_ROLL)
			roll_table(&r->roll, source);
		else
			policy_table(&r->pol, source);
		if (f)
			printf("%s: %s\n", check_names[w], ok ? "OK" : "FAILED");
	}
	return ok ? EXIT_OK : EXIT_DIFFERENT;
}

static enum dsck_err check(enum cmd_k8s_check w, struct k8s_source *src, struct k8s_results *r,
			   struct dsck_error *err)
{
	switch (w) {
	case CHECK_K8S_CRD: return check_k8s_crd_migration(src, &r->crd, err);
	case CHECK_POLICY_SEMANTICS: return check_policy_semantics(src, &r->pol, err);
	case CHECK_NODE_ROLL: break;
	}
	return check_node_roll(src, &r->roll, err);
}

int cmd_check_k8s(struct cli *cli)
{
	enum cmd_k8s_check w = (enum cmd_k8s_check)cli->cmd->variant;
	struct dsck_error err = DSCK_ERROR_INIT;
	struct k8s_session s = { .have_conn = false };
	struct k8s_results r;
	int rc;

	crd_migration_init(&r.crd);
	policy_semantics_init(&r.pol);
	node_roll_init(&r.roll);
	snprintf(r.pol.to_version, sizeof(r.pol.to_version), "%s",
		 cli->val[OPT_TO_VERSION] ? cli->val[OPT_TO_VERSION] : "");
	rc = session_open(cli, &s);
	if (rc == EXIT_OK)
		rc = check(w, &s.src, &r, &err) ? cli_fail(&err) : render(cli, w, &r, s.source);
	crd_migration_release(&r.crd);
	policy_semantics_release(&r.pol);
	node_roll_release(&r.roll);
	session_close(&s);
	return rc;
}
