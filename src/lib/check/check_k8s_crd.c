/*
 * k8s-crd-migration (docs/checks.md, docs/kubernetes-datastore.md): read everything
 * first (CRD and TPR definitions, both sets of objects, the calico-node
 * DaemonSet and its RBAC), then judge, kind by kind.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/k8scheck.h"
#include "base/macro.h"

#define CRD_GROUP "crd.projectcalico.org"
#define DETAIL_MAX 4096
#define SHOWN_MAX 80   /* characters of one value quoted in a detail */

typedef enum crd_compare (*compare_fn)(const char *name, const json_t *tpr_spec,
				       const json_t *crd_spec, struct buf *detail);

static enum crd_compare compare_policy(const char *name, const json_t *tpr_spec,
				       const json_t *crd_spec, struct buf *detail);

/* One CRD of the v2.5 manifests and the TPR kind it replaces (docs/kubernetes-datastore.md). */
struct crd_kind {
	const char *crd;
	const char *kind, *plural, *singular;
	enum k8s_res objects;
	const char *tpr;                /* the TPR definition */
	const char *tpr_kind;
	enum k8s_res tpr_objects;
	const char *missing_code;       /* a TPR object without its CRD object */
	compare_fn compare;
	const char *note;               /* appended to crd-missing */
};

#define N_KINDS 5

static const struct crd_kind kinds[N_KINDS] = {
	{ "globalfelixconfigs." CRD_GROUP, "GlobalFelixConfig", "globalfelixconfigs",
	  "globalfelixconfig", K8S_CRD_GLOBALFELIXCONFIGS, "global-config.projectcalico.org",
	  "GlobalConfig", K8S_TPR_GLOBALCONFIGS, "object-not-migrated", crd_compare_config, "" },
	{ "globalbgpconfigs." CRD_GROUP, "GlobalBGPConfig", "globalbgpconfigs", "globalbgpconfig",
	  K8S_CRD_GLOBALBGPCONFIGS, "global-bgp-config.projectcalico.org", "GlobalBgpConfig",
	  K8S_TPR_GLOBALBGPCONFIGS, "object-not-migrated", crd_compare_config,
	  " (the migration job creates this CRD on its own and deletes it again when copying "
	  "the BGP configuration fails: check the job's log)" },
	{ "ippools." CRD_GROUP, "IPPool", "ippools", "ippool", K8S_CRD_IPPOOLS,
	  "ip-pool.projectcalico.org", "IpPool", K8S_TPR_IPPOOLS, "object-not-migrated",
	  crd_compare_ippool, "" },
	{ "bgppeers." CRD_GROUP, "BGPPeer", "bgppeers", "bgppeer", K8S_CRD_BGPPEERS,
	  "global-bgp-peer.projectcalico.org", "GlobalBgpPeer", K8S_TPR_GLOBALBGPPEERS,
	  "object-not-migrated", crd_compare_bgppeer, "" },
	{ "globalnetworkpolicies." CRD_GROUP, "GlobalNetworkPolicy", "globalnetworkpolicies",
	  "globalnetworkpolicy", K8S_CRD_GLOBALNETWORKPOLICIES,
	  "system-network-policy.alpha.projectcalico.org", "SystemNetworkPolicy",
	  K8S_TPR_SYSTEMNETWORKPOLICIES, "snp-not-migrated", compare_policy, "" },
};

/* Findings that mean calico-node >= v2.5 would start without its data. */
static const char *const blocking_codes[] = {
	"crd-missing", "crd-invalid", "object-not-migrated", "object-mismatch",
	"tpr-value-unparseable", "rbac-missing",
};

/* The verbs of the v2.5 rbac-kdd.yaml on the Calico CRDs. */
static const char *const node_verbs[] = { "get", "list", "watch", "create", "update" };

/* What the check reads, before it judges. Absent lists are empty arrays. */
struct inputs {
	const struct k8s_source *src;
	json_t *version;                /* NULL when not served */
	json_t *crds;
	const char *crd_from;           /* NULL when the CRD API is not served */
	json_t *tprs;                   /* NULL when the TPR API is not served */
	json_t *tpr_objs[N_KINDS];
	json_t *crd_objs[N_KINDS];
	json_t *daemonsets;
	json_t *roles, *bindings;       /* NULL when the RBAC API is not served */
};

void crd_migration_init(struct crd_migration *r)
{
	memset(r, 0, sizeof(*r));
	findings_init(&r->findings, 1000);
	r->node_major = r->node_minor = -1;
}

void crd_migration_release(struct crd_migration *r)
{
	findings_release(&r->findings);
}

/* --- small JSON helpers --- */

/* A string member: "" when absent or null, NULL when of another type. */
static const char *opt_string(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return !v || json_is_null(v) ? "" : json_string_value(v);
}

/* A boolean member: 0 when absent or null, -1 when of another type. */
static int opt_bool(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	return json_is_boolean(v) ? json_is_true(v) : -1;
}

static const char *bool_text(int b)
{
	return b < 0 ? "(not a boolean)" : b ? "true" : "false";
}

/* Does @arr (a JSON list of strings) hold @s or "*"? */
static bool has_string(const json_t *arr, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		const char *x = json_string_value(v);

		if (x && (strcmp(x, s) == 0 || strcmp(x, "*") == 0))
			return true;
	}
	return false;
}

/* --- comparisons (docs/kubernetes-datastore.md) --- */

/* Append "FIELD: TPR 'WANT', CRD 'HAVE'" to the mismatch detail. */
static void differ(struct buf *d, const char *field, const char *want, const char *have)
{
	buf_printf(d, "%s%s: TPR '%.*s', CRD '%.*s'", d->len ? "; " : "", field, SHOWN_MAX,
		   want, SHOWN_MAX, have ? have : "(not a string)");
}

static bool ip_equal(const char *a, const char *b)
{
	unsigned char x[16], y[16];
	int af = strchr(a, ':') ? AF_INET6 : AF_INET;

	if (inet_pton(af, a, x) != 1 || inet_pton(af, b, y) != 1)
		return strcmp(a, b) == 0;
	return memcmp(x, y, af == AF_INET6 ? 16 : 4) == 0;
}

/* Same network and prefix length, however the address is written. */
static bool cidr_equal(const char *a, const char *b)
{
	const char *sa = strchr(a, '/'), *sb = strchr(b, '/');
	char ia[64], ib[64];

	if (!sa || !sb || sa - a >= (long)sizeof(ia) || sb - b >= (long)sizeof(ib) ||
	    strcmp(sa, sb) != 0)
		return strcmp(a, b) == 0;
	snprintf(ia, sizeof(ia), "%.*s", (int)(sa - a), a);
	snprintf(ib, sizeof(ib), "%.*s", (int)(sb - b), b);
	return ip_equal(ia, ib);
}

/* Felix settings every starting calico-node rewrites (last writer wins). */
static bool written_by_node(const char *name)
{
	return strcmp(name, "calicoversion") == 0 || strcmp(name, "clustertype") == 0;
}

enum crd_compare crd_compare_config(const char *name, const json_t *tpr_spec,
				    const json_t *crd_spec, struct buf *d)
{
	static const char *const fields[] = { "name", "value" };
	size_t n = written_by_node(name) ? 1 : ARRAY_SIZE(fields);

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!json_is_string(json_object_get(tpr_spec, fields[i]))) {
			buf_printf(d, "spec.%s is not a string", fields[i]);
			return CRD_UNPARSEABLE;
		}
	for (size_t i = 0; i < n; i++) {
		const char *want = json_string_value(json_object_get(tpr_spec, fields[i]));
		const char *have = json_string_value(json_object_get(crd_spec, fields[i]));
		char field[16];

		snprintf(field, sizeof(field), "spec.%s", fields[i]);
		if (!have || strcmp(want, have) != 0)
			differ(d, field, want, have);
	}
	return d->len ? CRD_MISMATCH : CRD_MATCH;
}

/* The backend pool in an IpPool TPR's spec.value, as the CRD should show it. */
struct pool {
	const char *cidr, *ipip, *mode;
	int masquerade, disabled;
};

static void compare_pool(const struct pool *want, const json_t *crd, struct buf *d)
{
	const json_t *ipip = json_object_get(crd, "ipip");
	const char *cidr = opt_string(crd, "cidr"), *mode = opt_string(ipip, "mode");
	int enabled = opt_bool(ipip, "enabled"), nat = opt_bool(crd, "nat-outgoing");
	int disabled = opt_bool(crd, "disabled");
	int want_enabled = want->ipip[0] != '\0';

	if (!cidr || !cidr_equal(want->cidr, cidr))
		differ(d, "cidr", want->cidr, cidr);
	if (ipip && !json_is_null(ipip) && !json_is_object(ipip))
		differ(d, "ipip", "an object", "(not an object)");
	if (enabled != want_enabled)
		differ(d, "ipip.enabled", bool_text(want_enabled), bool_text(enabled));
	if (!mode || strcmp(want->mode, mode) != 0)
		differ(d, "ipip.mode", want->mode, mode);
	if (nat != want->masquerade)
		differ(d, "nat-outgoing", bool_text(want->masquerade), bool_text(nat));
	if (disabled != want->disabled)
		differ(d, "disabled", bool_text(want->disabled), bool_text(disabled));
}

enum crd_compare crd_compare_ippool(const char *name, const json_t *tpr_spec,
				    const json_t *crd_spec, struct buf *d)
{
	const char *text = json_string_value(json_object_get(tpr_spec, "value"));
	struct pool want;
	json_error_t je;
	json_t *v;

	if (!text) {
		buf_printf(d, "spec.value is not a string");
		return CRD_UNPARSEABLE;
	}
	v = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(v)) {
		buf_printf(d, "spec.value is not a JSON object: %s (value '%.*s')",
			   v ? "another JSON type" : je.text, SHOWN_MAX, text);
		json_decref(v);
		return CRD_UNPARSEABLE;
	}
	want.cidr = json_string_value(json_object_get(v, "cidr"));
	want.ipip = opt_string(v, "ipip");
	want.mode = opt_string(v, "ipip_mode");
	want.masquerade = opt_bool(v, "masquerade");
	want.disabled = opt_bool(v, "disabled");
	if (!want.cidr || !want.ipip || !want.mode || want.masquerade < 0 || want.disabled < 0) {
		buf_printf(d, "spec.value has the wrong types: cidr, ipip and ipip_mode must be "
			   "strings, masquerade and disabled booleans (value '%.*s')", SHOWN_MAX,
			   text);
		json_decref(v);
		return CRD_UNPARSEABLE;
	}
	compare_pool(&want, crd_spec, d);
	json_decref(v);
	return d->len ? CRD_MISMATCH : CRD_MATCH;
}

bool crd_peer_ip_from_name(const char *name, char *ip, size_t n)
{
	size_t dashes = 0, len = strlen(name);
	bool v6 = strstr(name, "--") != NULL;
	unsigned char bin[16];

	if (len >= n)
		return false;
	for (size_t i = 0; i < len; i++)
		dashes += name[i] == '-';
	v6 = v6 || dashes > 3;
	for (size_t i = 0; i <= len; i++)
		ip[i] = name[i] == '-' ? (v6 ? ':' : '.') : name[i];
	return inet_pton(v6 ? AF_INET6 : AF_INET, ip, bin) == 1;
}

enum crd_compare crd_compare_bgppeer(const char *name, const json_t *tpr_spec,
				     const json_t *crd_spec, struct buf *d)
{
	const json_t *as = json_object_get(tpr_spec, "asNumber");
	const json_t *crd_as = json_object_get(crd_spec, "asNumber");
	const char *peer = opt_string(crd_spec, "peerIP"), *scope = opt_string(crd_spec, "scope");
	char ip[64], want_as[32], have_as[32];

	if (!crd_peer_ip_from_name(name, ip, sizeof(ip))) {
		buf_printf(d, "the name '%s' does not encode a peer IP address", name);
		return CRD_UNPARSEABLE;
	}
	if (!json_is_integer(as)) {
		buf_printf(d, "spec.asNumber is not a number");
		return CRD_UNPARSEABLE;
	}
	if (!peer || !ip_equal(ip, peer))
		differ(d, "peerIP", ip, peer);
	if (!scope || strcmp(scope, "global") != 0)
		differ(d, "scope", "global", scope);
	snprintf(want_as, sizeof(want_as), "%lld", (long long)json_integer_value(as));
	snprintf(have_as, sizeof(have_as), "%lld", (long long)json_integer_value(crd_as));
	if (!json_is_integer(crd_as) || json_integer_value(crd_as) != json_integer_value(as))
		differ(d, "asNumber", want_as, json_is_integer(crd_as) ? have_as : NULL);
	return d->len ? CRD_MISMATCH : CRD_MATCH;
}

/* A SystemNetworkPolicy moved by hand keeps its v1 API policy spec. */
static enum crd_compare compare_policy(const char *name, const json_t *tpr_spec,
				       const json_t *crd_spec, struct buf *d)
{
	if (json_equal((json_t *)tpr_spec, (json_t *)crd_spec))
		return CRD_MATCH;
	buf_printf(d, "spec differs from the SystemNetworkPolicy's");
	return CRD_MISMATCH;
}

bool crd_image_version(const char *image, int *major, int *minor)
{
	size_t len = strcspn(image, "@");
	const char *slash = memrchr(image, '/', len), *tag;
	char *end;

	tag = memrchr(slash ? slash : image, ':', len - (size_t)((slash ? slash : image) - image));
	if (!tag)
		return false;
	tag++;
	if (*tag == 'v')
		tag++;
	if (*tag < '0' || *tag > '9')
		return false;
	*major = (int)strtol(tag, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9')
		return false;
	*minor = (int)strtol(end + 1, &end, 10);
	return true;
}

/* --- reading --- */

static void inputs_release(struct inputs *in)
{
	json_decref(in->version);
	json_decref(in->crds);
	json_decref(in->tprs);
	for (size_t i = 0; i < N_KINDS; i++) {
		json_decref(in->tpr_objs[i]);
		json_decref(in->crd_objs[i]);
	}
	json_decref(in->daemonsets);
	json_decref(in->roles);
	json_decref(in->bindings);
}

/* A list, or NULL (with @absent_ok) when it is not served. */
static enum dsck_err read_list(struct k8s_source *src, enum k8s_res r, bool absent_ok,
			       json_t **out, const char **from, struct dsck_error *err)
{
	enum dsck_err rc = k8s_source_list(src, r, out, from, err);

	if (rc != DSCK_ERR_NOT_FOUND)
		return rc;
	*out = absent_ok ? NULL : json_array();
	if (from)
		*from = NULL;
	return *out || absent_ok ? DSCK_OK : dsck_oom(err);
}

static enum dsck_err read_inputs(struct k8s_source *src, struct inputs *in,
				 struct dsck_error *err)
{
	enum dsck_err rc = k8s_source_get(src, K8S_VERSION, &in->version, err);

	if (rc && rc != DSCK_ERR_NOT_FOUND)
		return rc;
	/*
	 * From dumps, the CRD definitions and the DaemonSets must be there: a
	 * missing file is "cannot check", not "no CRDs". The API may truly not
	 * serve CRDs (Kubernetes < 1.7): that is a finding.
	 */
	if (!src->client && (rc = k8s_source_need(src, K8S_CRDS, &in->crds, &in->crd_from, err)))
		return rc;
	if ((!in->crds && (rc = read_list(src, K8S_CRDS, false, &in->crds, &in->crd_from, err))) ||
	    (rc = read_list(src, K8S_TPRS, true, &in->tprs, NULL, err)) ||
	    (rc = k8s_source_need(src, K8S_DAEMONSETS, &in->daemonsets, NULL, err)) ||
	    (rc = read_list(src, K8S_CLUSTERROLES, true, &in->roles, NULL, err)) ||
	    (rc = read_list(src, K8S_CLUSTERROLEBINDINGS, false, &in->bindings, NULL, err)))
		return rc;
	for (size_t i = 0; i < N_KINDS && !rc; i++) {
		rc = read_list(src, kinds[i].objects, false, &in->crd_objs[i], NULL, err);
		if (!rc && in->tprs)
			rc = read_list(src, kinds[i].tpr_objects, false, &in->tpr_objs[i], NULL, err);
	}
	return rc;
}

/* --- judging --- */

static enum dsck_err add(struct crd_migration *res, enum severity sev, const char *code,
			 const char *key, struct dsck_error *err, const char *fmt, ...)
	_printf_(6, 7);

static enum dsck_err add(struct crd_migration *res, enum severity sev, const char *code,
			 const char *key, struct dsck_error *err, const char *fmt, ...)
{
	char detail[DETAIL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (findings_add(&res->findings, sev, code, NULL, key, key ? strlen(key) : 0, "%s", detail))
		return dsck_oom(err);
	return DSCK_OK;
}

static bool crd_serves_v1(const json_t *spec)
{
	const json_t *v;
	size_t i;

	if (strcmp(opt_string(spec, "version") ?: "", "v1") == 0)
		return true;
	json_array_foreach(json_object_get(spec, "versions"), i, v)
		if (strcmp(opt_string(v, "name") ?: "", "v1") == 0 && opt_bool(v, "served") != 0)
			return true;
	return false;
}

static bool crd_established(const json_t *crd)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(crd, "status"), "conditions"), i, c)
		if (strcmp(opt_string(c, "type") ?: "", "Established") == 0)
			return strcmp(opt_string(c, "status") ?: "", "True") == 0;
	return false;
}

/* What is wrong with one CRD definition, "; "-separated ("" when nothing). */
static void crd_problems(const struct crd_kind *k, const json_t *crd, struct buf *d)
{
	const json_t *spec = json_object_get(crd, "spec"), *names = json_object_get(spec, "names");
	const char *singular = opt_string(names, "singular");
	const struct { const char *what, *have, *want; } fields[] = {
		{ "group", opt_string(spec, "group"), CRD_GROUP },
		{ "scope", opt_string(spec, "scope"), "Cluster" },
		{ "names.kind", opt_string(names, "kind"), k->kind },
		{ "names.plural", opt_string(names, "plural"), k->plural },
		/* An omitted singular defaults to the lower-cased kind. */
		{ "names.singular", singular && !*singular ? k->singular : singular, k->singular },
	};

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!fields[i].have || strcmp(fields[i].have, fields[i].want) != 0)
			buf_printf(d, "%s%s '%.*s' (want '%s')", d->len ? "; " : "", fields[i].what,
				   SHOWN_MAX, fields[i].have ? fields[i].have : "(not a string)",
				   fields[i].want);
	if (!crd_serves_v1(spec))
		buf_printf(d, "%sversion v1 is not served", d->len ? "; " : "");
	if (!crd_established(crd))
		buf_printf(d, "%snot Established", d->len ? "; " : "");
}

static enum dsck_err judge_crds(struct crd_migration *res, const struct inputs *in,
				struct dsck_error *err)
{
	struct buf d = BUF_INIT(DETAIL_MAX);
	enum dsck_err rc = DSCK_OK;
	char key[128];

	for (size_t i = 0; i < N_KINDS && !rc; i++) {
		const struct crd_kind *k = &kinds[i];
		const json_t *crd = k8s_find_named(in->crds, k->crd);

		snprintf(key, sizeof(key), "crd/%s", k->crd);
		buf_reset(&d);
		if (!crd) {
			rc = add(res, SEV_ERROR, "crd-missing", key, err,
				 "no CustomResourceDefinition '%s'%s: apply the v2.5 manifests "
				 "(crds.yaml, globalbgpconfig.yaml) before calico-node v2.5%s", k->crd,
				 in->crd_from ? "" : in->src->client
				 ? " (the CRD API is not served: Kubernetes < 1.7?)"
				 : " (the dump crds.json is missing or empty)",
				 k->note);
			continue;
		}
		crd_problems(k, crd, &d);
		if (d.len)
			rc = add(res, SEV_ERROR, "crd-invalid", key, err, "%s: %s", k->crd, buf_str(&d));
	}
	buf_release(&d);
	return rc;
}

static enum dsck_err judge_object(struct crd_migration *res, const struct crd_kind *k,
				  const json_t *tpr, const json_t *crds, struct buf *d,
				  struct dsck_error *err)
{
	const char *name = k8s_name(tpr);
	const json_t *crd = json_object_get(crds, name);
	const json_t *tpr_spec = json_object_get(tpr, "spec");
	char key[512];

	snprintf(key, sizeof(key), "%s/%.400s", k8s_resource(k->tpr_objects)->name, name);
	buf_reset(d);
	/* An unreadable TPR value was not migrated either: report that first. */
	if (k->compare(name, tpr_spec, crd ? json_object_get(crd, "spec") : NULL, d) ==
	    CRD_UNPARSEABLE)
		return add(res, SEV_ERROR, "tpr-value-unparseable", key, err,
			   "%s '%s': %s (libcalico-go skips such objects, so they are lost)",
			   k->tpr_kind, name, buf_str(d));
	if (!crd)
		return add(res, SEV_ERROR, k->missing_code, key, err,
			   "%s '%s' has no %s counterpart '%s' (%s)%s", k->tpr_kind, name, k->kind,
			   name, k8s_resource(k->objects)->name,
			   k->compare == compare_policy
			   ? ": the migration job does not copy SystemNetworkPolicies; create the "
			     "GlobalNetworkPolicy by hand" : "");
	res->compared++;
	if (d->len)
		return add(res, SEV_ERROR, "object-mismatch", key, err, "%s '%s' differs from the "
			   "TPR: %s", k->kind, name, buf_str(d));
	return DSCK_OK;
}

static enum dsck_err judge_extra(struct crd_migration *res, const struct crd_kind *k,
				 const json_t *crd_objs, const json_t *tprs,
				 struct dsck_error *err)
{
	const json_t *it;
	enum dsck_err rc = DSCK_OK;
	char key[512];
	size_t i;

	json_array_foreach(crd_objs, i, it) {
		const char *name = k8s_name(it);

		if (json_object_get(tprs, name))
			continue;
		snprintf(key, sizeof(key), "%s/%.400s", k8s_resource(k->objects)->name, name);
		if ((rc = add(res, SEV_INFO, "crd-extra-object", key, err,
			      "%s '%s' has no %s source: created after the migration (calico-node "
			      "v2.5 writes some Felix settings itself)", k->kind, name, k->tpr_kind)))
			break;
	}
	return rc;
}

static enum dsck_err judge_kind(struct crd_migration *res, const struct inputs *in, size_t i,
				struct dsck_error *err)
{
	const struct crd_kind *k = &kinds[i];
	struct buf d = BUF_INIT(DETAIL_MAX);
	json_t *crd_idx = k8s_index_by_name(in->crd_objs[i]);
	json_t *tpr_idx = k8s_index_by_name(in->tpr_objs[i]);
	const json_t *it;
	enum dsck_err rc = crd_idx && tpr_idx ? DSCK_OK
					      : dsck_oom(err);
	size_t j;

	json_array_foreach(in->tpr_objs[i], j, it)
		if (!rc)
			rc = judge_object(res, k, it, crd_idx, &d, err);
	if (!rc)
		rc = judge_extra(res, k, in->crd_objs[i], tpr_idx, err);
	json_decref(crd_idx);
	json_decref(tpr_idx);
	buf_release(&d);
	return rc;
}

static bool rule_grants(const json_t *rule, const char *resource, const char *verb)
{
	return has_string(json_object_get(rule, "apiGroups"), CRD_GROUP) &&
	       has_string(json_object_get(rule, "resources"), resource) &&
	       has_string(json_object_get(rule, "verbs"), verb);
}

static bool roles_grant(const json_t *roles, const char *resource, const char *verb)
{
	const json_t *role, *rule;
	size_t i, j;

	json_array_foreach(roles, i, role)
		json_array_foreach(json_object_get(role, "rules"), j, rule)
			if (rule_grants(rule, resource, verb))
				return true;
	return false;
}

static bool binds_service_account(const json_t *binding, const char *sa)
{
	const json_t *s;
	size_t i;

	if (strcmp(opt_string(json_object_get(binding, "roleRef"), "kind") ?: "", "ClusterRole"))
		return false;
	json_array_foreach(json_object_get(binding, "subjects"), i, s)
		if (strcmp(opt_string(s, "kind") ?: "", "ServiceAccount") == 0 &&
		    strcmp(opt_string(s, "name") ?: "", sa) == 0 &&
		    strcmp(opt_string(s, "namespace") ?: "", "kube-system") == 0)
			return true;
	return false;
}

/* The ClusterRoles bound to kube-system/@sa, else the one named calico-node. */
static enum dsck_err node_roles(const struct inputs *in, const char *sa, json_t *roles,
				struct buf *names)
{
	const json_t *b, *role;
	size_t i;

	json_array_foreach(in->bindings, i, b) {
		const char *rname = opt_string(json_object_get(b, "roleRef"), "name");

		if (!binds_service_account(b, sa) || !rname ||
		    !(role = k8s_find_named(in->roles, rname)))
			continue;
		if (json_array_append(roles, (json_t *)role) ||
		    buf_printf(names, "%s%s", names->len ? "," : "", rname))
			return DSCK_ERR_NOMEM;
	}
	if (!json_array_size(roles) && (role = k8s_find_named(in->roles, "calico-node")) &&
	    (json_array_append(roles, (json_t *)role) || buf_appends(names, "calico-node")))
		return DSCK_ERR_NOMEM;
	return DSCK_OK;
}

static enum dsck_err judge_rbac(struct crd_migration *res, const struct inputs *in,
				const char *sa, struct dsck_error *err)
{
	struct buf names = BUF_INIT(1024), missing = BUF_INIT(256);
	json_t *roles = json_array();
	char key[1100];
	enum dsck_err rc = roles ? node_roles(in, sa, roles, &names) : DSCK_ERR_NOMEM;

	snprintf(key, sizeof(key), "serviceaccount/kube-system/%.200s", sa);
	if (rc)
		rc = dsck_oom(err);   /* node_roles fails only for memory */
	else if (!json_array_size(roles))
		rc = add(res, SEV_ERROR, "rbac-missing", key, err,
			 "no ClusterRole is bound to service account kube-system/%s: apply the v2.5 "
			 "rbac-kdd.yaml (Canal users: Canal's RBAC)", sa);
	snprintf(key, sizeof(key), "clusterrole/%s", buf_str(&names));
	for (size_t i = 0; i < N_KINDS && !rc && json_array_size(roles); i++) {
		buf_reset(&missing);
		for (size_t v = 0; v < ARRAY_SIZE(node_verbs); v++)
			if (!roles_grant(roles, kinds[i].plural, node_verbs[v]))
				buf_printf(&missing, "%s%s", missing.len ? ", " : "", node_verbs[v]);
		if (missing.len)
			rc = add(res, SEV_ERROR, "rbac-missing", key, err,
				 "calico-node (service account kube-system/%s) may not %s %s: apply "
				 "the v2.5 rbac-kdd.yaml (Canal users: Canal's RBAC)", sa,
				 buf_str(&missing), kinds[i].crd);
	}
	json_decref(roles);
	buf_release(&names);
	buf_release(&missing);
	return rc;
}

/* The calico-node container of the DaemonSet (calico-node, or canal). */
static const json_t *node_container(const json_t *ds)
{
	return k8s_calico_node_container(
		json_object_get(json_object_get(json_object_get(ds, "spec"), "template"), "spec"));
}

/* Fill the node fields; *sa is the DaemonSet's service account. */
static void read_node(struct crd_migration *res, const struct inputs *in, const char **sa)
{
	static const char *const names[] = { "calico-node", "canal" };
	const json_t *ds = NULL, *podspec;

	*sa = "calico-node";
	for (size_t i = 0; i < ARRAY_SIZE(names) && !ds; i++)
		if ((ds = k8s_find_named(in->daemonsets, names[i])))
			snprintf(res->node_daemonset, sizeof(res->node_daemonset), "%s", names[i]);
	if (!ds)
		return;
	podspec = json_object_get(json_object_get(json_object_get(ds, "spec"), "template"), "spec");
	if (opt_string(podspec, "serviceAccountName") && *opt_string(podspec, "serviceAccountName"))
		*sa = opt_string(podspec, "serviceAccountName");
	else if (opt_string(podspec, "serviceAccount") && *opt_string(podspec, "serviceAccount"))
		*sa = opt_string(podspec, "serviceAccount");
	snprintf(res->node_image, sizeof(res->node_image), "%s",
		 opt_string(node_container(ds), "image") ?: "");
	if (!crd_image_version(res->node_image, &res->node_major, &res->node_minor))
		res->node_major = res->node_minor = -1;
}

static bool node_is_v25(const struct crd_migration *res)
{
	return res->node_major > 2 || (res->node_major == 2 && res->node_minor >= 5);
}

static enum dsck_err judge_node(struct crd_migration *res, struct dsck_error *err)
{
	size_t blocking = 0;
	char key[320];

	if (!node_is_v25(res))
		return DSCK_OK;
	for (size_t i = 0; i < ARRAY_SIZE(blocking_codes); i++)
		blocking += findings_count(&res->findings, blocking_codes[i]);
	if (!blocking)
		return DSCK_OK;
	snprintf(key, sizeof(key), "daemonset/kube-system/%s", res->node_daemonset);
	return add(res, SEV_ERROR, "node-rolled-too-early", key, err,
		   "calico-node already runs %s (>= v2.5) while the TPR -> CRD migration is "
		   "incomplete (%zu problems above): v2.5 reads only the CRDs, so a node that "
		   "restarts comes up without its configuration; finish the migration, or roll "
		   "calico-node back to v2.4", res->node_image, blocking);
}

/* After a verified roll, the TPR definitions are left to delete. */
static enum dsck_err judge_leftovers(struct crd_migration *res, const struct inputs *in,
				     struct dsck_error *err)
{
	const json_t *tpr;
	enum dsck_err rc = DSCK_OK;
	char key[320];
	size_t i;

	if (!node_is_v25(res) || !findings_ok(&res->findings))
		return DSCK_OK;
	json_array_foreach(in->tprs, i, tpr) {
		const char *name = k8s_name(tpr);

		for (size_t k = 0; k < N_KINDS && !rc; k++) {
			if (strcmp(name, kinds[k].tpr) != 0)
				continue;
			snprintf(key, sizeof(key), "thirdpartyresource/%.280s", name);
			rc = add(res, SEV_INFO, "tpr-leftover", key, err,
				 "the migration is verified and calico-node runs v2.5+: delete the "
				 "TPR definition (kubectl delete thirdpartyresource %s)", name);
		}
		if (rc)
			break;
	}
	return rc;
}

static void read_summary(struct crd_migration *res, const struct inputs *in)
{
	const json_t *v = in->version, *server = json_object_get(v, "serverVersion");
	const char *git = opt_string(server ? server : v, "gitVersion");

	snprintf(res->k8s_version, sizeof(res->k8s_version), "%s", git ? git : "");
	res->crd_api_served = in->crd_from != NULL;
	if (in->crd_from)
		k8s_source_api_version(in->crd_from, in->crds, res->crd_api, sizeof(res->crd_api));
	res->tpr_api = in->tprs != NULL;
	res->rbac_api = in->roles != NULL;
	for (size_t i = 0; i < N_KINDS; i++) {
		res->tpr_objects += json_array_size(in->tpr_objs[i]);
		res->crd_objects += json_array_size(in->crd_objs[i]);
	}
}

/* Kubernetes 1.8 or later, from the gitVersion ("v1.8.4"); false when unknown. */
static bool k8s_without_tprs(const char *version)
{
	int major, minor;

	return sscanf(version, "v%d.%d", &major, &minor) == 2 && (major > 1 ||
								 (major == 1 && minor >= 8));
}

/* The GlobalFelixConfig (CRD, else TPR) "clustertype" value, or NULL. */
static const char *cluster_type(const struct inputs *in)
{
	const json_t *o = k8s_find_named(in->crd_objs[0], "clustertype");

	if (!o)
		o = k8s_find_named(in->tpr_objs[0], "clustertype");
	return opt_string(json_object_get(o, "spec"), "value");
}

/* calico-node writes ClusterType with "KDD" on the Kubernetes datastore (docs/checks.md). */
static enum dsck_err judge_cluster_type(struct crd_migration *res, const struct inputs *in,
					struct dsck_error *err)
{
	const char *ct = cluster_type(in);

	snprintf(res->cluster_type, sizeof(res->cluster_type), "%s", ct ? ct : "");
	if (!ct || strstr(ct, "KDD"))
		return DSCK_OK;
	return add(res, SEV_WARNING, "cluster-type-not-kdd", "globalfelixconfig/clustertype", err,
		   "Calico's ClusterType is '%.200s', without KDD: calico-node on the Kubernetes "
		   "datastore adds KDD when it starts; is this cluster really on the Kubernetes "
		   "datastore (DATASTORE_TYPE=kubernetes)?", ct);
}

/*
 * Without the TPR data the migration cannot be compared. After the fact
 * (Kubernetes >= 1.8, calico-node >= v2.5 running on valid CRDs that hold
 * its configuration) that is only information; before, it is an error.
 */
static enum dsck_err judge_no_tprs(struct crd_migration *res, const struct inputs *in,
				   struct dsck_error *err)
{
	bool after = k8s_without_tprs(res->k8s_version) && node_is_v25(res) &&
		     findings_ok(&res->findings) && json_array_size(in->crd_objs[0]) > 0 &&
		     res->cluster_type[0];

	if (after)
		return add(res, SEV_INFO, "tpr-api-unavailable", NULL, err,
			   "%s (Kubernetes %s): the TPR data is gone, but calico-node %s runs on the "
			   "five valid CRDs, which hold %zu objects including the ClusterType it "
			   "writes: the migration was completed earlier; nothing left to compare",
			   in->src->client ? "the ThirdPartyResource API is not served"
					   : "the dump tprs.json is missing or empty",
			   res->k8s_version, res->node_image, res->crd_objects);
	return add(res, SEV_ERROR, "tpr-api-unavailable", NULL, err,
		   "%s%s%s%s: the TPR data cannot be read, so the migration cannot be verified "
		   "(TPRs are gone from Kubernetes 1.8 on: migrate and verify on 1.7)%s",
		   in->src->client ? "the ThirdPartyResource API is not served"
				   : "the dump tprs.json is missing or empty",
		   res->k8s_version[0] ? " (Kubernetes " : "", res->k8s_version,
		   res->k8s_version[0] ? ")" : "",
		   node_is_v25(res) ? "" : "; calico-node still runs a version before v2.5, "
		   "which needs the TPR data");
}

static enum dsck_err judge(struct crd_migration *res, const struct inputs *in,
			   struct dsck_error *err)
{
	const char *sa;
	enum dsck_err rc;

	read_summary(res, in);
	read_node(res, in, &sa);
	if ((rc = judge_crds(res, in, err)) || (rc = judge_cluster_type(res, in, err)))
		return rc;
	if (!in->tprs)
		rc = judge_no_tprs(res, in, err);
	for (size_t i = 0; i < N_KINDS && !rc && in->tprs; i++)
		rc = judge_kind(res, in, i, err);
	if (!rc && in->roles)
		rc = judge_rbac(res, in, sa, err);
	if (!rc)
		rc = judge_node(res, err);
	return rc ? rc : judge_leftovers(res, in, err);
}

enum dsck_err check_k8s_crd_migration(struct k8s_source *src, struct crd_migration *res,
				      struct dsck_error *err)
{
	struct inputs in;
	enum dsck_err rc;

	memset(&in, 0, sizeof(in));
	in.src = src;
	rc = read_inputs(src, &in, err);
	if (!rc)
		rc = judge(res, &in, err);
	inputs_release(&in);
	return rc;
}
