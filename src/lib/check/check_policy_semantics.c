/*
 * policy-semantics (SPEC §9; calico-data.md §5): per namespace, the
 * DefaultDeny annotation, the NetworkPolicies, and what the upgrade to the
 * v1 NetworkPolicy semantics does to them, with the kubectl command that
 * keeps today's behaviour.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/k8scheck.h"
#include "base/macro.h"

#define ACTION_MAX (1u << 20)
#define REASON_MAX 1024
#define DEFAULT_NP_API "networking.k8s.io/v1"

const char *policy_annotation_name(enum policy_annotation a)
{
	switch (a) {
	case ANNOTATION_ABSENT: return "absent";
	case ANNOTATION_DEFAULT_DENY: return "default-deny";
	case ANNOTATION_OTHER: return "not-default-deny";
	case ANNOTATION_INVALID: return "invalid-json";
	}
	return "?";
}

const char *policy_verdict_name(enum policy_verdict v)
{
	switch (v) {
	case VERDICT_OK: return "OK";
	case VERDICT_ACTION: return "ACTION";
	case VERDICT_WARN: return "WARN";
	}
	return "?";
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
	if (legacy)
		return VERDICT_WARN;
	return n_policies ? VERDICT_ACTION : VERDICT_OK;
}

void policy_semantics_init(struct policy_semantics *r)
{
	memset(r, 0, sizeof(*r));
}

static void namespace_release(struct policy_namespace *ns)
{
	free(ns->name);
	free(ns->annotation);
	for (size_t i = 0; i < ns->n_policies; i++)
		free(ns->policies[i]);
	free(ns->policies);
	free(ns->action);
	free(ns->reason);
}

void policy_semantics_release(struct policy_semantics *r)
{
	for (size_t i = 0; i < r->n; i++)
		namespace_release(&r->ns[i]);
	free(r->ns);
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

/* Why the verdict (calico-data.md §5.3). */
static enum dsck_err reason_text(const struct policy_namespace *ns, const char *deny,
				 const char *dd, struct buf *b)
{
	if (ns->verdict == VERDICT_ACTION && ns->parse == ANNOTATION_DEFAULT_DENY)
		return buf_printf(b, "isolated today by the DefaultDeny annotation, which the new "
				  "semantics ignore: without a default-deny NetworkPolicy, ingress "
				  "to pods that no policy selects becomes allowed; create '%s' before "
				  "upgrading", dd);
	if (ns->verdict == VERDICT_ACTION)
		return buf_printf(b, "not isolated today, so its %zu NetworkPolicies have no "
				  "practical effect; after the upgrade they isolate the pods they "
				  "select: delete them (the upgrade guide's advice) or accept the "
				  "change", ns->n_policies);
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
		const char *name = json_string_value(json_object_get(json_object_get(np, "metadata"),
								     "name"));

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

	if (!(ns->name = strdup(json_string_value(json_object_get(
		      json_object_get(item, "metadata"), "name")))) ||
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
		const char *ns = json_string_value(json_object_get(json_object_get(np, "metadata"),
								   "namespace"));
		json_t *list;

		if (!idx || !ns)
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
		return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
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

enum dsck_err check_policy_semantics(struct k8s_source *src, struct policy_semantics *res,
				     struct dsck_error *err)
{
	const struct k8s_resource *nsr = k8s_resource(K8S_NAMESPACES);
	json_t *namespaces = NULL, *policies = NULL;
	const char *from = NULL;
	enum dsck_err rc;

	rc = k8s_source_list(src, K8S_NAMESPACES, &namespaces, NULL, err);
	if (rc == DSCK_ERR_NOT_FOUND)
		return src->client
		       ? dsck_fail(err, DSCK_ERR_SERVER, "the API server does not serve '%s'",
				   nsr->paths[0])
		       : dsck_fail(err, DSCK_ERR_INPUT, "'%s/%s' is missing or empty (write it "
				   "with: %s)", src->dir, nsr->file, nsr->kubectl);
	if (!rc)
		rc = k8s_source_list(src, K8S_NETWORKPOLICIES, &policies, &from, err);
	if (rc == DSCK_ERR_NOT_FOUND && !(policies = json_array()))
		rc = dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
	else if (rc == DSCK_ERR_NOT_FOUND)
		rc = DSCK_OK;
	if (!rc)
		rc = judge_all(res, namespaces, policies, from, err);
	if (!rc && res->n > 1)
		qsort(res->ns, res->n, sizeof(res->ns[0]), cmp_ns);
	json_decref(namespaces);
	json_decref(policies);
	return rc;
}
