/*
 * policy-semantics (docs/checks.md, docs/kubernetes-datastore.md): per namespace, the
 * DefaultDeny annotation, the NetworkPolicies, and what the upgrade to the
 * v1 NetworkPolicy semantics does to them, with the kubectl command that
 * keeps today's behaviour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "check/k8scheck.h"
#include "base/macro.h"

#define ACTION_MAX (1u << 20)
#define REASON_MAX 1024
#define DEFAULT_NP_API "networking.k8s.io/v1"

const char *policy_annotation_name(enum policy_annotation a)
{
	static const char *const names[] = {
		[ANNOTATION_ABSENT] = "absent", [ANNOTATION_DEFAULT_DENY] = "default-deny",
		[ANNOTATION_OTHER] = "not-default-deny", [ANNOTATION_INVALID] = "invalid-json"
	};

	return ENUM_NAME(names, a);
}

const char *policy_verdict_name(enum policy_verdict v)
{
	static const char *const names[] = {
		[VERDICT_OK] = "OK", [VERDICT_ACTION] = "ACTION", [VERDICT_WARN] = "WARN",
		[VERDICT_INFO] = "INFO"
	};

	return ENUM_NAME(names, v);
}

const char *policy_scope_name(enum policy_scope s)
{
	static const char *const names[] = {
		[POLICY_APPLIES] = "applies", [POLICY_NOT_APPLICABLE] = "not-applicable",
		[POLICY_VERSION_UNKNOWN] = "version-unknown"
	};

	return ENUM_NAME(names, s);
}

/* The release that changed the semantics (docs/checks.md). */
static int boundary_minor(const char *datastore)
{
	if (!datastore)
		return -1;
	return strcmp(datastore, "kubernetes") == 0 ? 3 : 4;
}

static int version_cmp(int major, int minor, int bmajor, int bminor)
{
	return major != bmajor ? (major > bmajor ? 1 : -1) : minor - bminor;
}

enum policy_scope policy_scope(const char *datastore, int run_major, int run_minor,
			       int to_major, int to_minor)
{
	int b = boundary_minor(datastore);

	if (run_major < 0)
		return POLICY_VERSION_UNKNOWN;
	/* Without the datastore only a version past both boundaries (or below both) tells. */
	if (b < 0 && version_cmp(run_major, run_minor, 2, 4) >= 0)
		return POLICY_NOT_APPLICABLE;
	if (b < 0 && version_cmp(run_major, run_minor, 2, 3) >= 0)
		return POLICY_VERSION_UNKNOWN;
	if (b < 0)
		b = 3;
	if (version_cmp(run_major, run_minor, 2, b) >= 0)
		return POLICY_NOT_APPLICABLE;
	if (to_major >= 0 && version_cmp(to_major, to_minor, 2, b) < 0)
		return POLICY_NOT_APPLICABLE;
	return POLICY_APPLIES;
}

enum policy_annotation policy_parse_annotation(const char *value)
{
	json_t *v, *iso;
	enum policy_annotation a;

	if (!value)
		return ANNOTATION_ABSENT;
	v = json_loads(value, JSON_DECODE_ANY, NULL);
	if (!v)
		return ANNOTATION_INVALID;
	iso = json_object_get(json_object_get(v, "ingress"), "isolation");
	a = json_is_string(iso) && strcmp(json_string_value(iso), "DefaultDeny") == 0
	    ? ANNOTATION_DEFAULT_DENY : ANNOTATION_OTHER;
	json_decref(v);
	return a;
}

/* null, absent, or an empty object / list. */
static bool empty(const json_t *v)
{
	return !v || json_is_null(v) || (json_is_object(v) && !json_object_size(v)) ||
	       (json_is_array(v) && !json_array_size(v));
}

bool policy_is_default_deny(const json_t *np)
{
	const json_t *spec = json_object_get(np, "spec");
	const json_t *sel = json_object_get(spec, "podSelector");
	const json_t *types = json_object_get(spec, "policyTypes");
	const char *only = json_string_value(json_array_get(types, 0));

	if (!json_is_object(spec) || (sel && !json_is_null(sel) && !json_is_object(sel)))
		return false;
	if (!empty(json_object_get(sel, "matchLabels")) ||
	    !empty(json_object_get(sel, "matchExpressions")))
		return false;
	if (!empty(json_object_get(spec, "ingress")))
		return false;
	return empty(types) ||
	       (json_array_size(types) == 1 && only && strcmp(only, "Ingress") == 0);
}

enum policy_verdict policy_verdict(enum policy_annotation a, bool legacy, size_t n_policies,
				   bool has_default_deny)
{
	switch (a) {
	case ANNOTATION_DEFAULT_DENY:
		return has_default_deny ? VERDICT_OK : VERDICT_ACTION;
	case ANNOTATION_OTHER:
	case ANNOTATION_INVALID:
		return VERDICT_WARN;
	case ANNOTATION_ABSENT:
		break;
	}
	/* The alpha annotation isolates nothing in the affected versions: as if absent. */
	if (n_policies)
		return VERDICT_ACTION;
	return legacy ? VERDICT_WARN : VERDICT_OK;
}

void policy_semantics_init(struct policy_semantics *r)
{
	memset(r, 0, sizeof(*r));
}

static void namespace_release(void *elem)
{
	struct policy_namespace *ns = elem;

	free(ns->name);
	free(ns->annotation);
	array_free(ns->policies, ns->n_policies, sizeof(*ns->policies), freep);
	free(ns->action);
	free(ns->reason);
}

void policy_semantics_release(struct policy_semantics *r)
{
	array_free(r->ns, r->n, sizeof(*r->ns), namespace_release);
	memset(r, 0, sizeof(*r));
}

/* --- actions --- */

/* @s as one shell word: as is when safe, else single-quoted. */
static enum dsck_err shell_word(struct buf *b, const char *s)
{
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
	enum dsck_err rc;

	if (*s && strspn(s, safe) == strlen(s))
		return buf_appends(b, s);
	rc = buf_appendc(b, '\'');
	for (; *s && !rc; s++)
		rc = *s == '\'' ? buf_appends(b, "'\\''") : buf_appendc(b, *s);
	return rc ? rc : buf_appendc(b, '\'');
}

static bool has_policy(const struct policy_namespace *ns, const char *name)
{
	for (size_t i = 0; i < ns->n_policies; i++)
		if (strcmp(ns->policies[i], name) == 0)
			return true;
	return false;
}

/* ACTION: the kubectl command that keeps today's behaviour. */
static enum dsck_err action_text(const struct policy_namespace *ns, const char *np_api,
				 const char *dd, struct buf *b)
{
	enum dsck_err rc;

	if (ns->parse == ANNOTATION_DEFAULT_DENY) {
		rc = buf_printf(b, "echo '{\"apiVersion\":\"%s\",\"kind\":\"NetworkPolicy\","
				"\"metadata\":{\"name\":\"%s\"},\"spec\":{\"podSelector\":{}}}' "
				"| kubectl create -n ", np_api, dd);
		if (!rc)
			rc = shell_word(b, ns->name);
		return rc ? rc : buf_appends(b, " -f -");
	}
	rc = buf_appends(b, "kubectl delete networkpolicy -n ");
	if (!rc)
		rc = shell_word(b, ns->name);
	for (size_t i = 0; i < ns->n_policies && !rc; i++)
		if (!(rc = buf_appendc(b, ' ')))
			rc = shell_word(b, ns->policies[i]);
	return rc;
}

/* Why the verdict (docs/kubernetes-datastore.md). */
static enum dsck_err reason_text(const struct policy_namespace *ns, const char *deny,
				 const char *dd, struct buf *b)
{
	if (ns->verdict == VERDICT_ACTION && ns->parse == ANNOTATION_DEFAULT_DENY)
		return buf_printf(b, "isolated today by the DefaultDeny annotation, which the new "
				  "semantics ignore: without a default-deny NetworkPolicy, ingress "
				  "to pods that no policy selects becomes allowed; create '%s' before "
				  "upgrading", dd);
	if (ns->verdict == VERDICT_ACTION)
		return buf_printf(b, "not isolated today%s, so its %zu NetworkPolicies have no "
				  "practical effect; after the upgrade they isolate the pods they "
				  "select: delete them (the upgrade guide's advice) or accept the "
				  "change", ns->legacy ? " (the legacy " POLICY_LEGACY_ANNOTATION
				  " annotation isolates nothing in these versions)" : "",
				  ns->n_policies);
	if (ns->parse == ANNOTATION_INVALID)
		return buf_appends(b, "the annotation is not valid JSON: old KDD code treated the "
				   "namespace as not isolated, the old etcd policy controller "
				   "skipped it; review it by hand");
	if (ns->parse == ANNOTATION_OTHER)
		return buf_appends(b, "the annotation does not set ingress.isolation to "
				   "DefaultDeny (case-sensitive), so old KDD code did not isolate "
				   "the namespace and intent is unclear; review it by hand");
	if (ns->verdict == VERDICT_WARN)
		return buf_appends(b, "only the legacy " POLICY_LEGACY_ANNOTATION " annotation "
				   "is set, which the controllers of the affected versions ignore; "
				   "review it by hand");
	if (ns->parse == ANNOTATION_DEFAULT_DENY)
		return buf_printf(b, "isolated by the annotation, and the default-deny policy "
				  "'%s' keeps it isolated after the upgrade", deny);
	return buf_appends(b, "not isolated and no NetworkPolicies: nothing changes");
}

/* --- per namespace --- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static const char *annotation_of(const json_t *ns, const char *key)
{
	return json_string_value(json_object_get(
		json_object_get(json_object_get(ns, "metadata"), "annotations"), key));
}

/* The NetworkPolicies of one namespace; *deny is one that denies by default. */
static enum dsck_err collect_policies(struct policy_namespace *ns, const json_t *policies,
				      const char **deny)
{
	const json_t *np;
	size_t i;

	*deny = NULL;
	if (!(ns->policies = calloc(json_array_size(policies) + 1, sizeof(*ns->policies))))
		return DSCK_ERR_NOMEM;
	json_array_foreach(policies, i, np) {
		const char *name = k8s_name(np);

		if (!(ns->policies[ns->n_policies] = strdup(name)))
			return DSCK_ERR_NOMEM;
		ns->n_policies++;
		if (!*deny && policy_is_default_deny(np))
			*deny = name;
	}
	if (ns->n_policies > 1)
		qsort(ns->policies, ns->n_policies, sizeof(ns->policies[0]), cmp_str);
	return DSCK_OK;
}

static enum dsck_err judge_namespace(struct policy_namespace *ns, const json_t *item,
				     const json_t *by_ns, const char *np_api)
{
	const char *ann = annotation_of(item, POLICY_ANNOTATION), *deny, *dd;
	struct buf action = BUF_INIT(ACTION_MAX), reason = BUF_INIT(REASON_MAX);
	enum dsck_err rc;

	if (!(ns->name = strdup(k8s_name(item))) ||
	    (ann && !(ns->annotation = strdup(ann))))
		return DSCK_ERR_NOMEM;
	ns->parse = policy_parse_annotation(ann);
	ns->legacy = annotation_of(item, POLICY_LEGACY_ANNOTATION) != NULL;
	if ((rc = collect_policies(ns, json_object_get(by_ns, ns->name), &deny)))
		return rc;
	ns->has_default_deny = deny != NULL;
	ns->verdict = policy_verdict(ns->parse, ns->legacy, ns->n_policies, ns->has_default_deny);
	dd = has_policy(ns, "default-deny") ? "dsck-default-deny" : "default-deny";
	if (ns->verdict == VERDICT_ACTION && !(rc = action_text(ns, np_api, dd, &action)))
		ns->action = buf_detach(&action, NULL);
	if (!rc && !(rc = reason_text(ns, deny, dd, &reason)))
		ns->reason = buf_detach(&reason, NULL);
	buf_release(&action);
	buf_release(&reason);
	if (!rc && (!ns->reason || (ns->verdict == VERDICT_ACTION && !ns->action)))
		rc = DSCK_ERR_NOMEM;
	return rc;
}

/* The NetworkPolicies grouped by namespace: {"ns": [policy, ...]} (borrowed). */
static json_t *policies_by_namespace(const json_t *policies)
{
	json_t *idx = json_object(), *np;
	size_t i;

	json_array_foreach(policies, i, np) {
		const char *ns = k8s_namespace(np);
		json_t *list;

		if (!idx || !*ns)
			continue;
		if (!(list = json_object_get(idx, ns)) &&
		    json_object_set_new(idx, ns, list = json_array()))
			list = NULL;
		if (!list || json_array_append(list, np)) {
			json_decref(idx);
			return NULL;
		}
	}
	return idx;
}

static enum dsck_err judge_all(struct policy_semantics *res, const json_t *namespaces,
			       const json_t *policies, const char *from, struct dsck_error *err)
{
	json_t *by_ns = policies_by_namespace(policies);
	const json_t *it;
	enum dsck_err rc = DSCK_OK;
	size_t i;

	if (!by_ns || !(res->ns = calloc(json_array_size(namespaces) + 1, sizeof(*res->ns)))) {
		json_decref(by_ns);
		return dsck_oom(err);
	}
	k8s_source_api_version(from, policies, res->np_api_version, sizeof(res->np_api_version));
	if (!res->np_api_version[0])
		snprintf(res->np_api_version, sizeof(res->np_api_version), "%s", DEFAULT_NP_API);
	json_array_foreach(namespaces, i, it) {
		struct policy_namespace *ns = &res->ns[res->n++];

		if (judge_namespace(ns, it, by_ns, res->np_api_version)) {
			rc = dsck_fail(err, DSCK_ERR_TOO_LARGE, "namespace %zu: out of memory or "
				       "too many NetworkPolicies", i);
			break;
		}
		res->by_verdict[ns->verdict]++;
	}
	json_decref(by_ns);
	return rc;
}

static int cmp_ns(const void *a, const void *b)
{
	return strcmp(((const struct policy_namespace *)a)->name,
		      ((const struct policy_namespace *)b)->name);
}

/* --- which versions --- */

/* "MAJOR.MINOR" of an image tag or a version ("v2.6.2", "2.4"); false when not one. */
static bool parse_version(const char *v, int *major, int *minor)
{
	char image[96];

	/* crd_image_version reads the tag of an image reference. */
	snprintf(image, sizeof(image), "calico/node:%.64s", v);
	if (!crd_image_version(image, major, minor)) {
		*major = *minor = -1;
		return false;
	}
	return true;
}

/* The oldest calico-node version among the running pods of the DaemonSet @ds. */
static bool oldest_running(const json_t *pods, const json_t *ds, int *major, int *minor)
{
	const json_t *pod, *ref;
	bool found = false;
	size_t i, j;

	json_array_foreach(pods, i, pod) {
		const char *image = json_string_value(json_object_get(
			k8s_calico_node_container(json_object_get(pod, "spec")), "image"));
		bool owned = false;
		int ma, mi;

		json_array_foreach(json_object_get(json_object_get(pod, "metadata"),
						   "ownerReferences"), j, ref)
			owned |= strcmp(k8s_name(ds), json_string_value(json_object_get(ref, "name"))
					?: "") == 0;
		if (!owned || !image || !crd_image_version(image, &ma, &mi))
			continue;
		if (!found || version_cmp(ma, mi, *major, *minor) < 0)
			*major = ma, *minor = mi;
		found = true;
	}
	return found;
}

/* A list that may be absent (the version then stays unknown); other failures stop. */
static enum dsck_err optional_list(struct k8s_source *src, enum k8s_res r, json_t **items,
				   struct dsck_error *err)
{
	enum dsck_err rc = k8s_source_list(src, r, items, NULL, err);

	return rc == DSCK_ERR_NOT_FOUND ? DSCK_OK : rc;
}

/*
 * Calico's own record, where the API or the dumps have it: the GlobalConfig
 * (TPR) or GlobalFelixConfig (CRD) "calicoversion" a starting calico-node
 * writes, and "clustertype", which names KDD on the Kubernetes datastore.
 * Only a fallback: a list that cannot be read leaves things unknown.
 */
static void read_calico_config(struct k8s_source *src, struct policy_semantics *res,
			       int *major, int *minor)
{
	static const enum k8s_res lists[] = { K8S_CRD_GLOBALFELIXCONFIGS, K8S_TPR_GLOBALCONFIGS };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct dsck_error e = DSCK_ERROR_INIT;
		json_t *items = NULL;
		const char *version, *type;

		if (k8s_source_list(src, lists[i], &items, NULL, &e))
			continue;
		version = json_string_value(json_object_get(json_object_get(
			k8s_find_named(items, "calicoversion"), "spec"), "value"));
		type = json_string_value(json_object_get(json_object_get(
			k8s_find_named(items, "clustertype"), "spec"), "value"));
		if (*major < 0 && version && parse_version(version, major, minor))
			res->running_from = "CalicoVersion record";
		if (!res->datastore[0] && type && strstr(type, "KDD"))
			snprintf(res->datastore, sizeof(res->datastore), "kubernetes");
		json_decref(items);
	}
}

static void scope_reason(struct policy_semantics *res, bool stays_below)
{
	const char *ds = res->datastore[0] ? strcmp(res->datastore, "kubernetes") == 0
			 ? "Kubernetes datastore" : "etcd datastore" : "datastore unknown";

	switch (res->scope) {
	case POLICY_NOT_APPLICABLE:
		if (stays_below)
			snprintf(res->scope_reason, sizeof(res->scope_reason), "calico-node v%s "
				 "(%s) upgraded to v%s (%s) stays below v%s, where the NetworkPolicy "
				 "semantics change: nothing to do for it", res->running, ds,
				 res->target, res->target_from, res->boundary);
		else
			snprintf(res->scope_reason, sizeof(res->scope_reason), "calico-node v%s "
				 "(%s, read from the %s) already runs the v1 NetworkPolicy semantics "
				 "(since v%s): the DefaultDeny annotation is ignored and policies are "
				 "enforced today; nothing to do before upgrading", res->running, ds,
				 res->running_from, res->boundary[0] ? res->boundary : "2.4");
		break;
	case POLICY_VERSION_UNKNOWN:
		if (!res->running[0])
			snprintf(res->scope_reason, sizeof(res->scope_reason), "the running calico-node "
				 "version is unknown (no calico-node DaemonSet or pods readable): the "
				 "actions below apply only if this upgrade goes from below v2.3 "
				 "(Kubernetes datastore) or v2.4 (etcd) to that version or later");
		else
			snprintf(res->scope_reason, sizeof(res->scope_reason), "calico-node v%s, "
				 "datastore unknown: the actions below apply only with the etcd datastore "
				 "(change at v2.4); with the Kubernetes datastore it happened at v2.3",
				 res->running);
		break;
	case POLICY_APPLIES:
		snprintf(res->scope_reason, sizeof(res->scope_reason), "calico-node v%s (%s, read "
			 "from the %s) to %s%s%s%s crosses v%s, where the NetworkPolicy semantics change",
			 res->running, ds, res->running_from, res->target[0] ? "v" : "",
			 res->target[0] ? res->target : "a version not given (--to-version)",
			 res->target_from ? " from " : "", res->target_from ? res->target_from : "",
			 res->boundary);
		break;
	}
}

/* Which calico-node runs, on which datastore, and where the upgrade goes. */
static enum dsck_err read_scope(struct k8s_source *src, struct policy_semantics *res,
				struct dsck_error *err)
{
	json_t *daemonsets = NULL, *pods = NULL;
	const json_t *ds, *podspec;
	int rmaj = -1, rmin = -1, dmaj = -1, dmin = -1, tmaj = -1, tmin = -1;
	const char *datastore;
	enum dsck_err rc = optional_list(src, K8S_DAEMONSETS, &daemonsets, err);

	if (!rc)
		rc = optional_list(src, K8S_PODS, &pods, err);
	ds = rc ? NULL : k8s_calico_node_daemonset(daemonsets);
	podspec = json_object_get(json_object_get(json_object_get(ds, "spec"), "template"), "spec");
	if (ds) {
		snprintf(res->node_image, sizeof(res->node_image), "%s", json_string_value(
			 json_object_get(k8s_calico_node_container(podspec), "image")) ?: "");
		datastore = k8s_calico_datastore(podspec);
		snprintf(res->datastore, sizeof(res->datastore), "%s", datastore ? datastore : "");
		parse_version(res->node_image, &dmaj, &dmin);
		if (oldest_running(pods, ds, &rmaj, &rmin))
			res->running_from = "pods";
		else if (dmaj >= 0)
			rmaj = dmaj, rmin = dmin, res->running_from = "DaemonSet (no pods read)";
	}
	if (!rc && (rmaj < 0 || !res->datastore[0]))
		read_calico_config(src, res, &rmaj, &rmin);
	if (!rc && res->to_version[0] && !parse_version(res->to_version, &tmaj, &tmin))
		rc = dsck_fail(err, DSCK_ERR_USAGE, "target version '%s' is not a version such as "
			       "v2.6.2", res->to_version);
	if (res->to_version[0] && tmaj >= 0)
		res->target_from = "--to-version";
	else if (!res->to_version[0] && dmaj >= 0 && res->running_from &&
		 strcmp(res->running_from, "pods") == 0 && (dmaj != rmaj || dmin != rmin))
		tmaj = dmaj, tmin = dmin, res->target_from = "the DaemonSet";
	if (rmaj >= 0)
		snprintf(res->running, sizeof(res->running), "%d.%d", rmaj, rmin);
	if (tmaj >= 0)
		snprintf(res->target, sizeof(res->target), "%d.%d", tmaj, tmin);
	if (res->datastore[0])
		snprintf(res->boundary, sizeof(res->boundary), "2.%d",
			 boundary_minor(res->datastore));
	res->scope = policy_scope(res->datastore[0] ? res->datastore : NULL, rmaj, rmin, tmaj,
				  tmin);
	scope_reason(res, res->scope == POLICY_NOT_APPLICABLE && res->boundary[0] &&
		     version_cmp(rmaj, rmin, 2, boundary_minor(res->datastore)) < 0);
	json_decref(daemonsets);
	json_decref(pods);
	return rc;
}

/* Past the change, a verdict is history: no ACTION, annotations informational. */
static enum dsck_err not_applicable(struct policy_namespace *ns)
{
	struct buf reason = BUF_INIT(REASON_MAX);
	enum dsck_err rc = DSCK_OK;

	if (ns->verdict == VERDICT_OK)
		return DSCK_OK;
	if (ns->parse == ANNOTATION_DEFAULT_DENY && !ns->has_default_deny)
		rc = buf_appends(&reason, "the DefaultDeny annotation is stale: the v1 semantics "
				 "ignore it, so pods that no NetworkPolicy selects accept ingress "
				 "today; add a default-deny NetworkPolicy if isolation is wanted");
	else if (ns->parse == ANNOTATION_ABSENT && ns->n_policies)
		rc = buf_printf(&reason, "its %zu NetworkPolicies are enforced today (v1 "
				"semantics); nothing changes", ns->n_policies);
	else
		rc = buf_appends(&reason, "the annotation has no effect under the v1 semantics, "
				 "which this cluster already runs; only NetworkPolicies isolate");
	if (!rc) {
		free(ns->reason);
		ns->reason = buf_detach(&reason, NULL);
		free(ns->action);
		ns->action = NULL;
		ns->verdict = VERDICT_INFO;
	}
	buf_release(&reason);
	return rc || !ns->reason ? DSCK_ERR_NOMEM : DSCK_OK;
}

enum dsck_err check_policy_semantics(struct k8s_source *src, struct policy_semantics *res,
				     struct dsck_error *err)
{
	json_t *namespaces = NULL, *policies = NULL;
	const char *from = NULL;
	enum dsck_err rc;

	/* Both lists are needed: a missing one is "cannot check", never "no policies". */
	rc = k8s_source_need(src, K8S_NAMESPACES, &namespaces, NULL, err);
	if (!rc)
		rc = k8s_source_need(src, K8S_NETWORKPOLICIES, &policies, &from, err);
	if (!rc)
		rc = read_scope(src, res, err);
	if (!rc)
		rc = judge_all(res, namespaces, policies, from, err);
	for (size_t i = 0; i < res->n && !rc && res->scope == POLICY_NOT_APPLICABLE; i++) {
		res->by_verdict[res->ns[i].verdict]--;
		if (not_applicable(&res->ns[i]))
			rc = dsck_oom(err);
		res->by_verdict[res->ns[i].verdict]++;
	}
	if (!rc && res->n > 1)
		qsort(res->ns, res->n, sizeof(res->ns[0]), cmp_ns);
	json_decref(namespaces);
	json_decref(policies);
	return rc;
}
