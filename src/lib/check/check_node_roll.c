/*
 * node-roll (docs/checks.md): the Kubernetes steps of Calico's upgrade guide
 * around the roll of calico-node, judged from the API (or dumps):
 *
 *  - the policy controller Deployment (calico-kube-controllers, or
 *    calico-policy-controller before v2.6) updates with Recreate and runs
 *    one instance;
 *  - the pre-2.0 calico-policy-controller ReplicaSet is scaled to 0;
 *  - calico-node images per node; nodes cordoned while their pod is
 *    replaced, uncordoned once it is ready on the new image; with OnDelete,
 *    which nodes still run the old pod;
 *  - the calico-config ConfigMap changed before the pods that read it
 *    started (a change needs a restart).
 *
 * Everything is read first, then judged. The DaemonSets, Deployments,
 * ReplicaSets, pods and nodes are needed: a list the API does not serve (or
 * a missing dump) is "cannot check", and so is a cluster without a
 * calico-node DaemonSet (docs/checks.md). Only the ConfigMap is optional.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/k8scheck.h"
#include "base/macro.h"

#define DETAIL_MAX 4096
#define LIST_ROOM 256          /* room kept in a detail after a list of names */
#define LEGACY_RS "calico-policy-controller"

/* The policy controller's Deployment names, newest first (v2.6 renamed it). */
static const char *const controller_names[] = { "calico-kube-controllers",
						"calico-policy-controller" };
static const char *const configmap_names[] = { NODE_ROLL_CONFIGMAP, "canal-config" };

struct inputs {
	json_t *daemonsets, *deployments, *replicasets, *pods, *nodes, *configmaps;
	const char *ds_from;           /* the API path or file that served the DaemonSets */
};

/* --- names --- */

const char *node_roll_state_name(enum node_roll_state s)
{
	static const char *const names[] = {
		[NODE_ROLL_UPDATED] = "updated", [NODE_ROLL_REPLACING] = "replacing",
		[NODE_ROLL_OLD] = "old"
	};

	return ENUM_NAME(names, s);
}

const char *node_roll_phase_name(enum node_roll_phase p)
{
	static const char *const names[] = {
		[NODE_ROLL_NO_DAEMONSET] = "no-daemonset", [NODE_ROLL_NO_PODS] = "no-pods",
		[NODE_ROLL_COMPLETE] = "complete", [NODE_ROLL_ROLLING] = "rolling",
		[NODE_ROLL_NOT_STARTED] = "not-started"
	};

	return ENUM_NAME(names, p);
}

const char *node_roll_config_name(enum node_roll_config c)
{
	static const char *const names[] = {
		[NODE_ROLL_CONFIG_APPLIED] = "applied",
		[NODE_ROLL_CONFIG_NOT_APPLIED] = "not-applied",
		[NODE_ROLL_CONFIG_UNPROVEN] = "unproven"
	};

	return ENUM_NAME(names, c);
}

/* --- small JSON helpers --- */

static const json_t *meta(const json_t *o)
{
	return json_object_get(o, "metadata");
}

static const json_t *path2(const json_t *o, const char *a, const char *b)
{
	return json_object_get(json_object_get(o, a), b);
}

/* An integer member, or @dflt when absent or of another type. */
static long long int_or(const json_t *o, const char *key, long long dflt)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

/* --- pure helpers --- */

/* The repository part and the tag/digest part of a normalized reference. */
static void image_normalize(const char *ref, char *out, size_t n)
{
	const char *first_slash = strchr(ref, '/'), *last_slash = strrchr(ref, '/');
	const char *tail = last_slash ? last_slash + 1 : ref;
	bool registry = first_slash && (memchr(ref, '.', (size_t)(first_slash - ref)) ||
					memchr(ref, ':', (size_t)(first_slash - ref)) ||
					strncmp(ref, "localhost/", 10) == 0);
	bool tagged = strchr(tail, ':') || strchr(ref, '@');
	const char *repo = ref;

	/* Docker Hub: "docker.io/" and "index.docker.io/" are the default registry. */
	if (strncmp(repo, "docker.io/", 10) == 0)
		repo += 10, registry = false;
	else if (strncmp(repo, "index.docker.io/", 16) == 0)
		repo += 16, registry = false;
	if (!registry && strncmp(repo, "library/", 8) == 0 && strchr(repo + 8, '/') == NULL)
		repo += 8;
	snprintf(out, n, "%s%s", repo, tagged ? "" : ":latest");
}

bool node_roll_image_equal(const char *a, const char *b)
{
	char na[512], nb[512];

	if (!a || !b || !*a || !*b)
		return false;
	image_normalize(a, na, sizeof(na));
	image_normalize(b, nb, sizeof(nb));
	return strcmp(na, nb) == 0;
}

const json_t *node_roll_container(const json_t *podspec)
{
	return k8s_calico_node_container(podspec);
}

bool node_roll_pod_ready(const json_t *pod)
{
	const json_t *status = json_object_get(pod, "status"), *c;
	size_t i;

	if (strcmp(k8s_str(status, "phase"), "Running") != 0)
		return false;
	json_array_foreach(json_object_get(status, "conditions"), i, c)
		if (strcmp(k8s_str(c, "type"), "Ready") == 0)
			return strcmp(k8s_str(c, "status"), "True") == 0;
	return false;
}

bool node_roll_pod_terminating(const json_t *pod)
{
	const json_t *t = json_object_get(meta(pod), "deletionTimestamp");

	return t && !json_is_null(t);
}

bool node_roll_node_unschedulable(const json_t *node)
{
	const json_t *spec = json_object_get(node, "spec"), *t;
	size_t i;

	if (json_is_true(json_object_get(spec, "unschedulable")))
		return true;
	json_array_foreach(json_object_get(spec, "taints"), i, t)
		if (strcmp(k8s_str(t, "key"), "node.kubernetes.io/unschedulable") == 0 &&
		    strcmp(k8s_str(t, "effect"), "NoSchedule") == 0)
			return true;
	return false;
}

enum node_roll_state node_roll_node_state(bool current, bool ready, bool terminating)
{
	if (terminating || !ready)
		return NODE_ROLL_REPLACING;
	return current ? NODE_ROLL_UPDATED : NODE_ROLL_OLD;
}

/* A decimal label value, or -1. */
static long long label_number(const json_t *o, const char *label)
{
	const char *v = json_string_value(path2(meta(o), "labels", label));
	char *end;
	long long n;

	if (!v || !*v)
		return -1;
	n = strtoll(v, &end, 10);
	return *end || n < 0 ? -1 : n;
}

bool node_roll_pod_current(const json_t *pod, long long generation, const char *image)
{
	long long have = label_number(pod, "pod-template-generation");

	/* The template, not the image: a change of install-cni alone is a roll too. */
	if (generation >= 0 && have >= 0)
		return have == generation;
	return node_roll_image_equal(k8s_str(node_roll_container(json_object_get(pod, "spec")), "image"),
				     image);
}

int node_roll_cordon(enum node_roll_state s, bool unschedulable)
{
	switch (s) {
	case NODE_ROLL_REPLACING:
		return unschedulable ? 0 : -1;
	case NODE_ROLL_OLD:
		return 0;
	case NODE_ROLL_UPDATED:
		return unschedulable ? 1 : 0;
	}
	return 0;
}

enum severity node_roll_skew_severity(bool desired_running, bool daemonset_done)
{
	return desired_running && !daemonset_done ? SEV_INFO : SEV_WARNING;
}

bool node_roll_daemonset_done(const json_t *ds)
{
	const json_t *status = json_object_get(ds, "status");
	long long gen = int_or(meta(ds), "generation", -1);
	long long observed = int_or(status, "observedGeneration", -1);
	long long desired = int_or(status, "desiredNumberScheduled", -1);
	long long updated = int_or(status, "updatedNumberScheduled", -1);

	if (desired < 0 || updated < 0 || (gen >= 0 && observed < gen))
		return false;
	return updated >= desired;
}

static bool digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

bool node_roll_parse_time(const char *s, int64_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0;
	const char *p;

	if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' &&
	    s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	p = s + 19;
	if (*p == '.') {            /* fractions of a second: dropped (whole seconds compare) */
		if (p[1] < '0' || p[1] > '9')
			return false;
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (p[3] != ':' || !digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om) || oh > 23 ||
		    om > 59)
			return false;
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = (int64_t)timegm(&tm) - sign * (int64_t)(oh * 3600 + om * 60);
	return true;
}

bool node_roll_config_time(const json_t *cm, int64_t *t, bool *exact, const char **text)
{
	const json_t *mf;
	const char *newest = NULL;
	int64_t best = 0, x;
	size_t i;

	json_array_foreach(json_object_get(meta(cm), "managedFields"), i, mf) {
		const char *s = json_string_value(json_object_get(mf, "time"));

		if (node_roll_parse_time(s, &x) && (!newest || x > best)) {
			best = x;
			newest = s;
		}
	}
	*exact = newest != NULL;
	if (!newest && node_roll_parse_time(k8s_str(meta(cm), "creationTimestamp"), &best))
		newest = k8s_str(meta(cm), "creationTimestamp");
	if (!newest)
		return false;
	*t = best;
	if (text)
		*text = newest;
	return true;
}

bool node_roll_pod_started(const json_t *pod, int64_t *t, const char **text)
{
	const json_t *status = json_object_get(pod, "status"), *cs;
	const char *oldest = NULL;
	int64_t best = 0, x;
	size_t i;

	json_array_foreach(json_object_get(status, "containerStatuses"), i, cs) {
		const char *s = json_string_value(path2(json_object_get(cs, "state"), "running",
							"startedAt"));

		if (node_roll_parse_time(s, &x) && (!oldest || x < best)) {
			best = x;
			oldest = s;
		}
	}
	if (!oldest && node_roll_parse_time(k8s_str(status, "startTime"), &best))
		oldest = k8s_str(status, "startTime");
	if (!oldest)
		return false;
	*t = best;
	if (text)
		*text = oldest;
	return true;
}

enum node_roll_config node_roll_config_applied(int64_t changed, bool exact, int64_t started)
{
	if (changed > started)
		return NODE_ROLL_CONFIG_NOT_APPLIED;
	/* The same second, or only a lower bound of the change: cannot tell. */
	return exact && changed < started ? NODE_ROLL_CONFIG_APPLIED : NODE_ROLL_CONFIG_UNPROVEN;
}

/* --- ownership --- */

static bool has_owners(const json_t *o)
{
	return json_array_size(json_object_get(meta(o), "ownerReferences")) > 0;
}

static bool owned_by(const json_t *o, const char *kind, const char *name)
{
	const json_t *ref;
	size_t i;

	json_array_foreach(json_object_get(meta(o), "ownerReferences"), i, ref)
		if (strcmp(k8s_str(ref, "kind"), kind) == 0 && strcmp(k8s_str(ref, "name"), name) == 0)
			return true;
	return false;
}

/* The name of @o's owner of @kind, or NULL. */
static const char *owner_of_kind(const json_t *o, const char *kind)
{
	const json_t *ref;
	size_t i;

	json_array_foreach(json_object_get(meta(o), "ownerReferences"), i, ref)
		if (strcmp(k8s_str(ref, "kind"), kind) == 0)
			return json_string_value(json_object_get(ref, "name"));
	return NULL;
}

/* @rs was made by the Deployment @dep: its owner, or named DEPLOYMENT-HASH (Kubernetes <= 1.5). */
static bool made_by(const json_t *rs, const json_t *dep)
{
	const char *hash = k8s_str(path2(rs, "metadata", "labels"), "pod-template-hash");
	const char *name = k8s_str(meta(rs), "name"), *dname = k8s_str(meta(dep), "name");
	size_t n = strlen(dname);

	if (has_owners(rs))
		return owned_by(rs, "Deployment", dname);
	return n && *hash && strncmp(name, dname, n) == 0 && name[n] == '-' &&
	       strcmp(name + n + 1, hash) == 0;
}

/* The workload's selector.matchLabels (else its template's labels) all on @pod. */
static bool selector_matches(const json_t *workload, const json_t *pod)
{
	const json_t *spec = json_object_get(workload, "spec");
	const json_t *want = path2(spec, "selector", "matchLabels"), *have, *v;
	const char *k;

	if (!json_object_size(want))
		want = path2(json_object_get(spec, "template"), "metadata", "labels");
	if (!json_object_size(want))
		return false;
	have = json_object_get(meta(pod), "labels");
	json_object_foreach((json_t *)want, k, v)
		if (!json_equal(v, json_object_get(have, k)))
			return false;
	return true;
}

/* @pod belongs to the workload @kind/@w: by owner, or (pods without owners) by labels. */
static bool belongs(const json_t *pod, const char *kind, const json_t *w)
{
	return has_owners(pod) ? owned_by(pod, kind, k8s_name(w)) : selector_matches(w, pod);
}

/* A pod of Deployment @dep: its ReplicaSet is the Deployment's. */
static bool belongs_to_deployment(const json_t *pod, const json_t *dep, const json_t *rsets)
{
	const char *rs = owner_of_kind(pod, "ReplicaSet");
	const json_t *r;

	if (!has_owners(pod))
		return selector_matches(dep, pod);
	r = rs ? k8s_find_named(rsets, rs) : NULL;
	return r && made_by(r, dep);
}

static bool running(const json_t *pod)
{
	return strcmp(k8s_str(json_object_get(pod, "status"), "phase"), "Running") == 0 &&
	       !node_roll_pod_terminating(pod);
}

/* --- the result --- */

void node_roll_init(struct node_roll *r)
{
	memset(r, 0, sizeof(*r));
	findings_init(&r->findings, 1000);
}

void node_roll_release(struct node_roll *r)
{
	findings_release(&r->findings);
	free(r->desired_image);
	for (size_t i = 0; i < r->n_nodes; i++) {
		free(r->nodes[i].name);
		free(r->nodes[i].pod);
		free(r->nodes[i].image);
		free(r->nodes[i].not_ready);
	}
	free(r->nodes);
	for (size_t i = 0; i < r->n_images; i++) {
		free(r->images[i].image);
		for (size_t j = 0; j < r->images[i].n; j++)
			free(r->images[i].nodes[j]);
		free(r->images[i].nodes);
	}
	free(r->images);
	for (size_t i = 0; i < r->n_controllers; i++) {
		free(r->controllers[i].name);
		free(r->controllers[i].strategy);
	}
	free(r->controllers);
	memset(r, 0, sizeof(*r));
}

static enum dsck_err nomem(struct dsck_error *err)
{
	return dsck_oom(err);
}

static enum dsck_err add(struct node_roll *res, enum severity sev, const char *code,
			 const char *node, const char *key, struct dsck_error *err,
			 const char *fmt, ...) _printf_(7, 8);

static enum dsck_err add(struct node_roll *res, enum severity sev, const char *code,
			 const char *node, const char *key, struct dsck_error *err,
			 const char *fmt, ...)
{
	char detail[DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (findings_add(&res->findings, sev, code, node, key, key ? strlen(key) : 0, "%s",
			 detail))
		return nomem(err);
	return DSCK_OK;
}

/* Append "a, b, c" to @d, or "a, b and N more" when it would not fit. */
static void names_list(struct buf *d, char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (d->len + strlen(names[i]) + LIST_ROOM > d->max) {
			buf_printf(d, " and %zu more", n - i);
			return;
		}
		buf_printf(d, "%s%s", i ? ", " : "", names[i]);
	}
}

/* --- reading --- */

static void inputs_release(struct inputs *in)
{
	json_decref(in->daemonsets);
	json_decref(in->deployments);
	json_decref(in->replicasets);
	json_decref(in->pods);
	json_decref(in->nodes);
	json_decref(in->configmaps);
}

/* A list; an empty one (and *served false) when the API or the dumps lack it. */
static enum dsck_err read_list(struct k8s_source *src, enum k8s_res r, json_t **out,
			       const char **from, bool *served, struct dsck_error *err)
{
	enum dsck_err rc = k8s_source_list(src, r, out, from, err);

	if (served)
		*served = rc == DSCK_OK;
	if (rc != DSCK_ERR_NOT_FOUND)
		return rc;
	if (from)
		*from = NULL;
	return (*out = json_array()) ? DSCK_OK : nomem(err);
}

static enum dsck_err read_inputs(struct k8s_source *src, struct inputs *in, bool *nodes_read,
				 struct dsck_error *err)
{
	enum dsck_err rc;

	/* Without any of these the roll cannot be judged: cannot check, never OK. */
	if ((rc = k8s_source_need(src, K8S_DAEMONSETS, &in->daemonsets, &in->ds_from, err)) ||
	    (rc = k8s_source_need(src, K8S_DEPLOYMENTS, &in->deployments, NULL, err)) ||
	    (rc = k8s_source_need(src, K8S_REPLICASETS, &in->replicasets, NULL, err)) ||
	    (rc = k8s_source_need(src, K8S_PODS, &in->pods, NULL, err)) ||
	    (rc = k8s_source_need(src, K8S_NODES, &in->nodes, NULL, err)))
		return rc;
	*nodes_read = true;
	return read_list(src, K8S_CONFIGMAPS, &in->configmaps, NULL, NULL, err);
}

/* --- the policy controller --- */

static enum dsck_err judge_controller(struct node_roll *res, const struct inputs *in,
				      const json_t *dep, struct dsck_error *err)
{
	const json_t *spec = json_object_get(dep, "spec"), *pod;
	struct node_roll_controller *c = &res->controllers[res->n_controllers];
	const char *strategy = k8s_str(json_object_get(spec, "strategy"), "type");
	struct buf pods = BUF_INIT(DETAIL_MAX / 2);
	enum dsck_err rc = DSCK_OK;
	char key[320];
	size_t i;

	memset(c, 0, sizeof(*c));
	res->n_controllers++;           /* released with the result, whatever happens below */
	if (!(c->name = strdup(k8s_name(dep))) ||
	    !(c->strategy = strdup(*strategy ? strategy : "RollingUpdate")))
		return nomem(err);
	c->replicas = int_or(spec, "replicas", 1);
	json_array_foreach(in->pods, i, pod)
		if (running(pod) && belongs_to_deployment(pod, dep, in->replicasets)) {
			if (pods.len + LIST_ROOM < pods.max)
				buf_printf(&pods, "%s%s", c->running ? ", " : "", k8s_name(pod));
			c->running++;
		}
	snprintf(key, sizeof(key), "deployment/kube-system/%.280s", c->name);
	if (strcmp(c->strategy, "Recreate") != 0)
		rc = add(res, SEV_ERROR, "controller-not-recreate", NULL, key, err,
			 "Deployment %s updates with strategy %s: during an update the old and the "
			 "new policy controller run at the same time; set .spec.strategy.type to "
			 "Recreate (kubectl patch deployment %s -n kube-system -p "
			 "'{\"spec\":{\"strategy\":{\"type\":\"Recreate\",\"rollingUpdate\":null}}}')",
			 c->name, c->strategy, c->name);
	if (!rc && (c->replicas > 1 || c->running > 1))
		rc = add(res, SEV_ERROR, "controller-replicas", NULL, key, err,
			 "Deployment %s has spec.replicas %lld and %zu running pods%s%s%s: the policy "
			 "controller must run as one instance; kubectl scale deployment %s "
			 "-n kube-system --replicas=1", c->name, c->replicas, c->running,
			 c->running ? " (" : "", buf_str(&pods), c->running ? ")" : "", c->name);
	buf_release(&pods);
	return rc;
}

static enum dsck_err judge_controllers(struct node_roll *res, const struct inputs *in,
				       struct dsck_error *err)
{
	size_t total = 0;
	enum dsck_err rc = DSCK_OK;

	if (!(res->controllers = calloc(ARRAY_SIZE(controller_names), sizeof(*res->controllers))))
		return nomem(err);
	for (size_t i = 0; i < ARRAY_SIZE(controller_names) && !rc; i++) {
		const json_t *dep = k8s_find_named(in->deployments, controller_names[i]);

		if (dep)
			rc = judge_controller(res, in, dep, err);
	}
	for (size_t i = 0; i < res->n_controllers; i++)
		total += res->controllers[i].running;
	if (!rc && res->datastore && strcmp(res->datastore, "etcdv2") == 0 &&
	    (!res->n_controllers || total == 0))
		rc = add(res, SEV_WARNING, "controller-missing", NULL,
			 "deployment/kube-system/calico-kube-controllers", err,
			 "calico-node uses the etcd datastore, but %s: nothing copies Kubernetes "
			 "policies, namespaces and pods into etcd; apply the release's "
			 "calico-kube-controllers (v2.6) or calico-policy-controller Deployment with "
			 "one replica", res->n_controllers ? "no policy controller pod runs (0 "
			 "replicas?)" : "no policy controller Deployment exists in kube-system");
	/* Both names run (v2.6 renamed the Deployment and the old one was kept). */
	if (!rc && res->n_controllers == 2 && res->controllers[0].running <= 1 &&
	    res->controllers[1].running <= 1 && total > 1)
		rc = add(res, SEV_ERROR, "controller-replicas", NULL,
			 "deployment/kube-system/calico-policy-controller", err,
			 "both calico-kube-controllers and calico-policy-controller run: two policy "
			 "controllers write the same data; delete the old one (kubectl delete "
			 "deployment calico-policy-controller -n kube-system)");
	return rc;
}

bool node_roll_replicaset_of_deployment(const json_t *rs, const json_t *deployments)
{
	const json_t *dep;
	size_t i;

	if (owner_of_kind(rs, "Deployment"))
		return true;
	json_array_foreach(deployments, i, dep)
		if (made_by(rs, dep))
			return true;
	return false;
}

/* A pre-2.0 policy controller ReplicaSet: created on its own, not by a Deployment. */
static bool legacy_replicaset(const json_t *rs, const json_t *deployments)
{
	const char *app = k8s_str(path2(rs, "metadata", "labels"), "k8s-app");

	if (node_roll_replicaset_of_deployment(rs, deployments))
		return false;
	return strcmp(k8s_name(rs), LEGACY_RS) == 0 || strcmp(app, LEGACY_RS) == 0;
}

static enum dsck_err judge_legacy(struct node_roll *res, const struct inputs *in,
				  struct dsck_error *err)
{
	const json_t *rs, *pod;
	enum dsck_err rc = DSCK_OK;
	char key[320];
	size_t i, j;

	json_array_foreach(in->replicasets, i, rs) {
		long long want = int_or(json_object_get(rs, "spec"), "replicas", 1);
		long long have = int_or(json_object_get(rs, "status"), "replicas", 0);
		size_t n = 0;

		if (!legacy_replicaset(rs, in->deployments) || (want <= 0 && have <= 0))
			continue;
		json_array_foreach(in->pods, j, pod)
			n += running(pod) && belongs(pod, "ReplicaSet", rs);
		snprintf(key, sizeof(key), "replicaset/kube-system/%.280s", k8s_name(rs));
		rc = add(res, SEV_ERROR, "legacy-replicaset", NULL, key, err,
			 "ReplicaSet %s (the pre-2.0 policy controller, not owned by a Deployment) "
			 "has spec.replicas %lld and %zu running pods: %s; scale it to 0 before "
			 "applying the Deployment (kubectl scale replicaset %s -n kube-system "
			 "--replicas=0), then delete it", k8s_name(rs), want, n,
			 n ? "it runs next to the Deployment's controller"
			   : "it would start a second controller next to the Deployment's",
			 k8s_name(rs));
		if (rc)
			break;
	}
	return rc;
}

/* --- calico-node per node --- */

static int node_cmp(const void *a, const void *b)
{
	return strcmp(((const struct node_roll_node *)a)->name,
		      ((const struct node_roll_node *)b)->name);
}

/* Which of two pods of a node is its current one: not terminating, then the newest. */
static bool newer(const json_t *pod, const json_t *than)
{
	int64_t a = 0, b = 0;

	if (node_roll_pod_terminating(pod) != node_roll_pod_terminating(than))
		return !node_roll_pod_terminating(pod);
	node_roll_parse_time(k8s_str(meta(pod), "creationTimestamp"), &a);
	node_roll_parse_time(k8s_str(meta(than), "creationTimestamp"), &b);
	return a > b;
}

/* The node's current calico-node pod: the index kept in @current (by node name). */
static enum dsck_err current_pods(const struct inputs *in, const json_t *ds, json_t *current,
				  struct dsck_error *err)
{
	const json_t *pod, *have;
	size_t i;

	json_array_foreach(in->pods, i, pod) {
		const char *node = k8s_str(json_object_get(pod, "spec"), "nodeName");

		if (!*node || !belongs(pod, "DaemonSet", ds))
			continue;
		have = json_object_get(current, node);
		if ((!have || newer(pod, have)) && json_object_set(current, node, (json_t *)pod))
			return nomem(err);
	}
	return DSCK_OK;
}

/* Why a pod is not ready, from its calico-node container ("" when it is). */
static void not_ready_reason(const json_t *pod, struct buf *d)
{
	const json_t *status = json_object_get(pod, "status"), *cs, *mine = NULL;
	const char *cname = k8s_str(node_roll_container(json_object_get(pod, "spec")), "name");
	const char *waiting, *last;
	long long restarts;
	size_t i;

	json_array_foreach(json_object_get(status, "containerStatuses"), i, cs)
		if (!mine || strcmp(k8s_str(cs, "name"), cname) == 0)
			mine = cs;
	if (!mine) {
		buf_printf(d, "not started (phase %s)", *k8s_str(status, "phase") ? k8s_str(status, "phase")
			   : "unknown");
		return;
	}
	waiting = k8s_str(path2(mine, "state", "waiting"), "reason");
	last = k8s_str(path2(mine, "lastState", "terminated"), "reason");
	restarts = int_or(mine, "restartCount", 0);
	if (*waiting)
		buf_printf(d, "%s", waiting);
	else if (json_object_get(json_object_get(mine, "state"), "running"))
		buf_printf(d, "running, not Ready");
	else
		buf_printf(d, "not running");
	if (restarts)
		buf_printf(d, ", %lld restarts", restarts);
	if (*last)
		buf_printf(d, ", last exit %s", last);
}

static enum dsck_err add_node(struct node_roll *res, const json_t *node_idx, bool nodes_read,
			      const char *name, const json_t *pod, struct dsck_error *err)
{
	struct node_roll_node *n = &res->nodes[res->n_nodes];
	const json_t *c = node_roll_container(json_object_get(pod, "spec"));
	const json_t *node = json_object_get(node_idx, name);

	memset(n, 0, sizeof(*n));
	res->n_nodes++;                 /* released with the result, whatever happens below */
	if (!(n->name = strdup(name)) || !(n->pod = strdup(k8s_name(pod))) ||
	    !(n->image = strdup(k8s_str(c, "image"))))
		return nomem(err);
	n->ready = node_roll_pod_ready(pod);
	n->terminating = node_roll_pod_terminating(pod);
	n->known = nodes_read && node;
	n->unschedulable = node && node_roll_node_unschedulable(node);
	n->generation = label_number(pod, "pod-template-generation");
	n->current = node_roll_pod_current(pod, res->daemonset_done ? -1 : res->template_generation,
					   res->desired_image);
	n->state = node_roll_node_state(n->current, n->ready, n->terminating);
	res->n_updated += n->state == NODE_ROLL_UPDATED;
	if (!n->ready && !n->terminating) {
		struct buf d = BUF_INIT(256);

		not_ready_reason(pod, &d);
		n->not_ready = buf_detach(&d, NULL);
		buf_release(&d);
		if (!n->not_ready)
			return nomem(err);
	}
	return DSCK_OK;
}

static enum dsck_err read_nodes(struct node_roll *res, const struct inputs *in, const json_t *ds,
				bool nodes_read, struct dsck_error *err)
{
	json_t *current = json_object(), *node_idx = k8s_index_by_name(in->nodes), *pod;
	const char *node;
	enum dsck_err rc = current && node_idx ? current_pods(in, ds, current, err) : nomem(err);

	if (!rc && json_object_size(current) &&
	    !(res->nodes = calloc(json_object_size(current), sizeof(*res->nodes))))
		rc = nomem(err);
	json_object_foreach(current, node, pod)
		if (!rc)
			rc = add_node(res, node_idx, nodes_read, node, pod, err);
	json_decref(current);
	json_decref(node_idx);
	if (res->n_nodes)
		qsort(res->nodes, res->n_nodes, sizeof(*res->nodes), node_cmp);
	return rc;
}

/* The group of @image among the first @n, or @n when new. */
static size_t image_group(const struct node_roll_image *g, size_t n, const char *image)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(g[i].image, image) == 0 || node_roll_image_equal(g[i].image, image))
			return i;
	return n;
}

static int image_cmp(const void *a, const void *b)
{
	const struct node_roll_image *x = a, *y = b;

	if (x->desired != y->desired)
		return x->desired ? -1 : 1;
	return strcmp(x->image, y->image);
}

/* Group the nodes by image: the desired image first, then by name. */
static enum dsck_err group_images(struct node_roll *res, struct dsck_error *err)
{
	struct node_roll_image *g;

	if (!res->n_nodes)
		return DSCK_OK;
	if (!(g = res->images = calloc(res->n_nodes, sizeof(*res->images))))
		return nomem(err);
	for (size_t i = 0; i < res->n_nodes; i++) {          /* the groups and their sizes */
		size_t k = image_group(g, res->n_images, res->nodes[i].image);

		if (k == res->n_images) {
			if (!(g[k].image = strdup(res->nodes[i].image)))
				return nomem(err);
			g[k].desired = node_roll_image_equal(g[k].image, res->desired_image);
			res->n_images++;
		}
		g[k].n++;
	}
	for (size_t k = 0; k < res->n_images; k++) {
		if (!(g[k].nodes = calloc(g[k].n, sizeof(*g[k].nodes))))
			return nomem(err);
		g[k].n = 0;
	}
	for (size_t i = 0; i < res->n_nodes; i++) {          /* nodes are sorted already */
		struct node_roll_image *x = &g[image_group(g, res->n_images, res->nodes[i].image)];

		if (!(x->nodes[x->n] = strdup(res->nodes[i].name)))
			return nomem(err);
		x->n++;
	}
	qsort(g, res->n_images, sizeof(*g), image_cmp);
	return DSCK_OK;
}

static void read_phase(struct node_roll *res)
{
	size_t current = 0;

	for (size_t i = 0; i < res->n_nodes; i++)
		current += res->nodes[i].current;
	if (!res->n_nodes)
		res->phase = NODE_ROLL_NO_PODS;
	else if (res->n_updated == res->n_nodes)
		res->phase = NODE_ROLL_COMPLETE;
	else
		res->phase = current ? NODE_ROLL_ROLLING : NODE_ROLL_NOT_STARTED;
}

/* "IMAGE (desired) on a, b; IMAGE on c" */
static void images_text(const struct node_roll *res, struct buf *d)
{
	for (size_t i = 0; i < res->n_images; i++) {
		const struct node_roll_image *g = &res->images[i];

		buf_printf(d, "%s%s%s on ", i ? "; " : "", g->image, g->desired ? " (desired)" : "");
		names_list(d, g->nodes, g->n);
	}
}

static enum dsck_err judge_skew(struct node_roll *res, const json_t *ds, struct dsck_error *err)
{
	bool desired_running = res->images[0].desired, done = node_roll_daemonset_done(ds);
	enum severity sev = node_roll_skew_severity(desired_running, done);
	struct buf d = BUF_INIT(DETAIL_MAX - 512);
	char key[320];
	enum dsck_err rc;

	images_text(res, &d);
	snprintf(key, sizeof(key), "daemonset/kube-system/%s", res->daemonset);
	if (sev == SEV_INFO)
		rc = add(res, sev, "daemonset-version-skew", NULL, key, err,
			 "calico-node runs %zu images while the roll to %s is in progress (%zu of "
			 "%zu nodes updated): %s", res->n_images, res->desired_image, res->n_updated,
			 res->n_nodes, buf_str(&d));
	else if (desired_running)
		rc = add(res, sev, "daemonset-version-skew", NULL, key, err,
			 "calico-node runs %zu images although the DaemonSet reports every pod "
			 "updated to %s: %s; a pod's image was changed outside the DaemonSet: "
			 "delete the pods not on %s", res->n_images, res->desired_image,
			 buf_str(&d), res->desired_image);
	else
		rc = add(res, sev, "daemonset-version-skew", NULL, key, err,
			 "calico-node runs %zu images, none of them the DaemonSet's %s, so the "
			 "skew predates this roll (a node left behind by an earlier one?): %s; "
			 "find out why these nodes differ before rolling on", res->n_images,
			 res->desired_image, buf_str(&d));
	buf_release(&d);
	return rc;
}

static enum dsck_err judge_cordons(struct node_roll *res, struct dsck_error *err)
{
	enum dsck_err rc = DSCK_OK;
	char key[320];

	for (size_t i = 0; i < res->n_nodes && !rc; i++) {
		const struct node_roll_node *n = &res->nodes[i];
		int c = n->known ? node_roll_cordon(n->state, n->unschedulable) : 0;
		const char *why = n->terminating ? "terminates" : "is not ready";

		snprintf(key, sizeof(key), "node/%.300s", n->name);
		if (c < 0)
			rc = add(res, SEV_WARNING, "node-not-cordoned", n->name, key, err,
				 "node %s is schedulable while its calico-node pod %s (%s) %s: new "
				 "pods placed there may get no network; kubectl cordon %s while its "
				 "pod is replaced, uncordon once the new pod is ready", n->name, n->pod,
				 n->image, why, n->name);
		else if (c > 0)
			rc = add(res, SEV_WARNING, "node-left-cordoned", n->name, key, err,
				 "node %s is still cordoned although its calico-node pod %s is ready "
				 "on %s: kubectl uncordon %s (unless it is cordoned for another "
				 "reason)", n->name, n->pod, n->image, n->name);
	}
	return rc;
}

/*
 * OnDelete: the operator replaces pods by hand, one node at a time. Only the
 * node being rolled now, or else the next one, gets the commands.
 */
static enum dsck_err judge_on_delete(struct node_roll *res, struct dsck_error *err)
{
	const struct node_roll_node *now = NULL, *next = NULL;
	size_t old = 0;
	char key[320];

	for (size_t i = 0; i < res->n_nodes; i++) {
		const struct node_roll_node *n = &res->nodes[i];

		if (!n->current)
			old++;
		if (!now && n->state == NODE_ROLL_REPLACING)
			now = n;
		if (!next && n->state == NODE_ROLL_OLD)
			next = n;
	}
	snprintf(key, sizeof(key), "daemonset/kube-system/%s", res->daemonset);
	if (now)
		return add(res, SEV_INFO, "daemonset-update-strategy", now->name, key, err,
			   "updateStrategy OnDelete: node %s is being rolled now (pod %s); once its "
			   "new pod is Ready and BIRD's graceful-restart window (90 s) has passed, "
			   "kubectl uncordon %s, then roll the next node; %zu of %zu nodes still run "
			   "a pod of an older template", now->name, now->pod, now->name, old,
			   res->n_nodes);
	if (next)
		return add(res, SEV_INFO, "daemonset-update-strategy", next->name, key, err,
			   "updateStrategy OnDelete: a calico-node pod is replaced only when deleted; "
			   "%zu of %zu nodes still run a pod of an older template; next: kubectl "
			   "cordon %s, kubectl delete pod -n kube-system %s, wait until the new pod "
			   "is Ready and 90 s more (BIRD's graceful restart), kubectl uncordon %s",
			   old, res->n_nodes, next->name, next->pod, next->name);
	return add(res, SEV_INFO, "daemonset-update-strategy", NULL, key, err,
		   "updateStrategy OnDelete: a calico-node pod is replaced only when deleted "
		   "(node by node, as the upgrade guide describes); every node runs a pod of the "
		   "current template");
}

/* A pod that is not Ready leaves its node without working networking. */
static enum dsck_err judge_not_ready(struct node_roll *res, struct dsck_error *err)
{
	enum dsck_err rc = DSCK_OK;
	char key[320];

	for (size_t i = 0; i < res->n_nodes && !rc; i++) {
		const struct node_roll_node *n = &res->nodes[i];

		if (!n->not_ready)
			continue;
		snprintf(key, sizeof(key), "pod/kube-system/%.280s", n->pod);
		rc = add(res, SEV_ERROR, "pod-not-ready", n->name, key, err,
			 "calico-node pod %s on node %s (%s, %s template) is not Ready: %s; keep the "
			 "node cordoned and do not roll on until it runs Ready and BIRD's "
			 "graceful-restart window (90 s) has passed (kubectl describe pod -n "
			 "kube-system %s; kubectl logs -n kube-system %s -c calico-node)", n->pod,
			 n->name, n->image, n->current ? "current" : "an older", n->not_ready,
			 n->pod, n->pod);
	}
	return rc;
}

/* The DaemonSet's nodeSelector (empty: every node) matches @node's labels. */
static bool node_selected(const json_t *ds, const json_t *node)
{
	const json_t *sel = json_object_get(path2(json_object_get(ds, "spec"), "template", "spec"),
					    "nodeSelector");
	const json_t *labels = path2(node, "metadata", "labels"), *v;
	const char *k;

	json_object_foreach((json_t *)sel, k, v)
		if (!json_equal(v, json_object_get(labels, k)))
			return false;
	return true;
}

static bool has_pod(const struct node_roll *res, const char *node)
{
	for (size_t i = 0; i < res->n_nodes; i++)
		if (strcmp(res->nodes[i].name, node) == 0)
			return true;
	return false;
}

/* Every schedulable node the DaemonSet selects runs calico-node. */
static enum dsck_err judge_missing(struct node_roll *res, const struct inputs *in,
				   const json_t *ds, struct dsck_error *err)
{
	const json_t *node;
	enum dsck_err rc = DSCK_OK;
	char key[320];
	size_t i;

	json_array_foreach(in->nodes, i, node) {
		const char *name = k8s_name(node);

		if (!name || node_roll_node_unschedulable(node) || !node_selected(ds, node) ||
		    has_pod(res, name))
			continue;
		snprintf(key, sizeof(key), "node/%.300s", name);
		if ((rc = add(res, SEV_ERROR, "node-without-calico", name, key, err,
			      "node %s is schedulable but runs no calico-node pod of DaemonSet %s: "
			      "pods placed there get no network; find out why (kubectl describe "
			      "daemonset -n kube-system %s; taints the DaemonSet does not tolerate?) "
			      "or cordon it", name, res->daemonset, res->daemonset)))
			break;
	}
	return rc;
}

/* Same image everywhere, but not every pod of the current template (a CNI-only change). */
static enum dsck_err judge_template(struct node_roll *res, struct dsck_error *err)
{
	struct buf d = BUF_INIT(DETAIL_MAX - 512);
	size_t old = 0;
	char key[320];
	enum dsck_err rc;

	for (size_t i = 0; i < res->n_nodes; i++) {
		if (res->nodes[i].current)
			continue;
		if (d.len + LIST_ROOM < d.max)
			buf_printf(&d, "%s%s", old ? ", " : "", res->nodes[i].name);
		old++;
	}
	if (!old) {
		buf_release(&d);
		return DSCK_OK;
	}
	snprintf(key, sizeof(key), "daemonset/kube-system/%s", res->daemonset);
	rc = add(res, SEV_WARNING, "template-not-rolled", NULL, key, err,
		 "the DaemonSet's pod template is at generation %lld but %zu of %zu nodes run pods "
		 "of an older one, with the same calico-node image %s (a change of another "
		 "container, such as install-cni, or of the configuration): the roll is not "
		 "complete until they are replaced: %s", res->template_generation, old,
		 res->n_nodes, res->desired_image, buf_str(&d));
	buf_release(&d);
	return rc;
}

/* The strategy the API gave, else the default of the API group that served it. */
static void read_strategy(struct node_roll *res, const struct inputs *in, const json_t *ds)
{
	const char *type = k8s_str(path2(ds, "spec", "updateStrategy"), "type");
	const char *api = k8s_str(ds, "apiVersion");
	char from[96];

	/* List items from the API carry no apiVersion: the path that served them tells. */
	if (!*api)
		api = k8s_source_api_version(in->ds_from, NULL, from, sizeof(from));
	if (!*type)
		type = strcmp(api, "extensions/v1beta1") == 0 || strcmp(api, "apps/v1beta1") == 0
		       ? "OnDelete" : "RollingUpdate";
	snprintf(res->update_strategy, sizeof(res->update_strategy), "%s", type);
}

/* The calico-node DaemonSet: its template, generation, strategy and datastore. */
static enum dsck_err read_daemonset(struct node_roll *res, const struct inputs *in,
				    const json_t **out, struct dsck_error *err)
{
	const json_t *ds = k8s_calico_node_daemonset(in->daemonsets), *tmpl;

	*out = ds;
	if (!ds)
		return dsck_fail(err, DSCK_ERR_INPUT, "no calico-node (or canal) DaemonSet in "
				 "kube-system: the roll cannot be checked (is this the right "
				 "cluster?)");
	snprintf(res->daemonset, sizeof(res->daemonset), "%s", k8s_name(ds));
	tmpl = path2(json_object_get(ds, "spec"), "template", "spec");
	if (!(res->desired_image = strdup(k8s_str(node_roll_container(tmpl), "image"))))
		return nomem(err);
	read_strategy(res, in, ds);
	res->datastore = k8s_calico_datastore(tmpl);
	res->template_generation = int_or(json_object_get(ds, "spec"), "templateGeneration",
					  int_or(meta(ds), "generation", -1));
	/*
	 * The DaemonSet controller says every pod is updated (it compares
	 * revision hashes, which a generation label cannot: apps/v1 bumps the
	 * generation for an updateStrategy change too): then the image decides.
	 */
	res->daemonset_done = node_roll_daemonset_done(ds);
	if (!*res->desired_image)
		return dsck_fail(err, DSCK_ERR_INPUT, "DaemonSet kube-system/%s has no calico-node "
				 "container: the roll cannot be checked", res->daemonset);
	return DSCK_OK;
}

static enum dsck_err judge_daemonset(struct node_roll *res, const struct inputs *in,
				     bool nodes_read, struct dsck_error *err)
{
	const json_t *ds;
	enum dsck_err rc;

	if ((rc = read_daemonset(res, in, &ds, err)) ||
	    (rc = read_nodes(res, in, ds, nodes_read, err)) || (rc = group_images(res, err)))
		return rc;
	read_phase(res);
	if (res->n_images > 1)
		rc = judge_skew(res, ds, err);
	else if (res->n_images == 1 && res->images[0].desired)
		rc = judge_template(res, err);
	if (!rc)
		rc = judge_not_ready(res, err);
	if (!rc)
		rc = judge_missing(res, in, ds, err);
	if (!rc)
		rc = judge_cordons(res, err);
	if (!rc && strcmp(res->update_strategy, "OnDelete") == 0)
		rc = judge_on_delete(res, err);
	return rc;
}

/* --- the ConfigMap --- */

/*
 * Does @pod read the ConfigMap: a current calico-node pod (named in
 * @node_pods), or a running policy controller?
 */
static bool reads_config(const struct node_roll *res, const struct inputs *in,
			 const json_t *node_pods, const json_t *pod)
{
	if (node_roll_pod_terminating(pod))
		return false;
	if (json_object_get(node_pods, k8s_name(pod)))
		return true;
	for (size_t i = 0; i < res->n_controllers; i++) {
		const json_t *dep = k8s_find_named(in->deployments, res->controllers[i].name);

		if (running(pod) && belongs_to_deployment(pod, dep, in->replicasets))
			return true;
	}
	return false;
}

static enum dsck_err judge_config(struct node_roll *res, const struct inputs *in,
				  struct dsck_error *err)
{
	const json_t *cm = NULL, *pod;
	json_t *node_pods;
	const char *changed_text = NULL, *started_text, *same = NULL;
	int64_t changed = 0, started;
	bool exact = false, known;
	enum dsck_err rc = DSCK_OK;
	char key[320];
	size_t i;

	for (size_t k = 0; k < ARRAY_SIZE(configmap_names) && !cm; k++)
		if ((cm = k8s_find_named(in->configmaps, configmap_names[k])))
			snprintf(res->configmap, sizeof(res->configmap), "%s", configmap_names[k]);
	if (!cm)
		return DSCK_OK;
	if (!(node_pods = json_object()))
		return nomem(err);
	for (size_t k = 0; k < res->n_nodes; k++)
		if (json_object_set_new(node_pods, res->nodes[k].pod, json_true())) {
			json_decref(node_pods);
			return nomem(err);
		}
	known = node_roll_config_time(cm, &changed, &exact, &changed_text);
	if (known) {
		snprintf(res->config_changed, sizeof(res->config_changed), "%s", changed_text);
		res->config_time_source = exact ? "managedFields" : "creationTimestamp";
	}
	json_array_foreach(in->pods, i, pod) {
		enum node_roll_config c;
		const char *node = k8s_str(json_object_get(pod, "spec"), "nodeName");

		if (!reads_config(res, in, node_pods, pod) ||
		    !node_roll_pod_started(pod, &started, &started_text))
			continue;
		c = known ? node_roll_config_applied(changed, exact, started)
			  : NODE_ROLL_CONFIG_UNPROVEN;
		res->config_pods[c]++;
		if (c == NODE_ROLL_CONFIG_UNPROVEN && known && changed == started)
			same = k8s_name(pod);
		if (c != NODE_ROLL_CONFIG_NOT_APPLIED)
			continue;
		snprintf(key, sizeof(key), "pod/kube-system/%.280s", k8s_name(pod));
		if ((rc = add(res, SEV_WARNING, "config-not-applied", *node ? node : NULL, key, err,
			      "pod %s%s%s started %s, before ConfigMap %s changed (%s, %s): it runs "
			      "with the old configuration until restarted; kubectl delete pod -n "
			      "kube-system %s", k8s_name(pod), *node ? " on node " : "", node,
			      started_text, res->configmap, changed_text, res->config_time_source,
			      k8s_name(pod))))
			break;
	}
	json_decref(node_pods);
	if (rc || !res->config_pods[NODE_ROLL_CONFIG_UNPROVEN])
		return rc;
	snprintf(key, sizeof(key), "configmap/kube-system/%s", res->configmap);
	if (!known)
		return add(res, SEV_INFO, "config-not-applied", NULL, key, err,
			   "ConfigMap %s carries no time (no managedFields, no creationTimestamp): "
			   "that its last change was applied cannot be proven for %zu pods; if it "
			   "changed after they started, restart them (calico-node node by node)",
			   res->configmap, res->config_pods[NODE_ROLL_CONFIG_UNPROVEN]);
	if (same && exact)
		return add(res, SEV_INFO, "config-not-applied", NULL, key, err,
			   "ConfigMap %s changed at %s, the second pod %s started: whether that pod "
			   "and %zu others read the change cannot be proven; restart them if unsure",
			   res->configmap, changed_text, same,
			   res->config_pods[NODE_ROLL_CONFIG_UNPROVEN] - 1);
	return add(res, SEV_INFO, "config-not-applied", NULL, key, err,
		   "ConfigMap %s records no change time (managedFields need Kubernetes 1.18+), "
		   "only its creation at %s, before the %zu calico-node and controller pods "
		   "started: that they run with its last change cannot be proven; if it changed "
		   "since, restart them (calico-node node by node)", res->configmap, changed_text,
		   res->config_pods[NODE_ROLL_CONFIG_UNPROVEN]);
}

enum dsck_err check_node_roll(struct k8s_source *src, struct node_roll *res,
			      struct dsck_error *err)
{
	struct inputs in;
	enum dsck_err rc;

	memset(&in, 0, sizeof(in));
	rc = read_inputs(src, &in, &res->nodes_read, err);
	if (!rc)
		rc = judge_daemonset(res, &in, res->nodes_read, err);
	if (!rc)
		rc = judge_controllers(res, &in, err);
	if (!rc)
		rc = judge_legacy(res, &in, err);
	if (!rc)
		rc = judge_config(res, &in, err);
	inputs_release(&in);
	return rc;
}
