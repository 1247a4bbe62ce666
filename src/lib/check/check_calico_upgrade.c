/*
 * check calico-upgrade: predict (before) and prove (after) calico-upgrade's
 * conversion; docs/calico-upgrade.md lists the finding codes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/macro.h"
#include "calico/calico.h"
#include "calico/upgrade.h"
#include "check/check_calico_upgrade.h"

#define V3_RESOURCES "/calico/resources/v3/"
#define FINDINGS_CAP 1000
#define DETAIL_MAX 1024

/* Where v3 keys live; the last counts everything else under /calico/. */
static const char *const v3_prefixes[] = { "/calico/v1/", "/calico/bgp/v1/", "/calico/felix/v1/",
					   "/calico/ipam/", "/calico/" };

const char *check_calico_upgrade_phase_name(enum check_calico_upgrade_phase phase)
{
	return phase == CHECK_CALICO_UPGRADE_BEFORE ? "before"
	       : phase == CHECK_CALICO_UPGRADE_AFTER ? "after" : "auto";
}

static enum dsck_err nomem(struct dsck_error *err)
{
	return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory checking calico-upgrade");
}

/* ---------------------------------------------------------------- the v1 side */

/* The converter's kind names, as static strings the table can keep. */
static const char *kind_static(const char *kind)
{
	static const char *const kinds[] = {
		"BGPConfiguration", "BGPPeer", "ClusterInformation", "FelixConfiguration",
		"GlobalNetworkPolicy", "HostEndpoint", "IPPool", "Node", "Profile",
		"WorkloadEndpoint", "IPAMBlock", "IPAMAffinity", "IPAMHandle",
	};

	for (size_t i = 0; kind && i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kind, kinds[i]) == 0)
			return kinds[i];
	return "resource";
}

static void entry_release(void *elem)
{
	struct check_calico_upgrade_entry *e = elem;

	free(e->v1_key);
	free(e->v3_key);
	free(e->want);
}

static enum dsck_err add_entry(struct check_calico_upgrade *c, const struct upgrade_object *o,
			       const char *want, struct dsck_error *err)
{
	struct check_calico_upgrade_entry *e;

	if (!array_grow(&c->entries, &c->alloc, c->n_entries, sizeof(*c->entries)))
		return nomem(err);
	e = &c->entries[c->n_entries];
	memset(e, 0, sizeof(*e));
	e->v1_key = strdup(o->v1_key);
	e->v3_key = strdup(o->v3_key);
	e->want = strdup(want);
	e->kind = kind_static(o->kind);
	e->ipam = o->ipam;
	e->presence_only = o->presence_only;
	if (!e->v1_key || !e->v3_key || !e->want ||
	    json_object_set_new(c->index, o->v3_key, json_integer((json_int_t)c->n_entries))) {
		entry_release(e);
		return nomem(err);
	}
	c->n_entries++;
	c->converted++;
	return DSCK_OK;
}

static enum dsck_err on_object(void *ctx, const struct upgrade_object *o, struct dsck_error *err)
{
	struct check_calico_upgrade *c = ctx;
	json_t *have = json_object_get(c->index, o->v3_key), *canon;
	_cleanup_free_ char *text = NULL;

	if (have) {
		const struct check_calico_upgrade_entry *e = &c->entries[json_integer_value(have)];

		c->clashes++;
		return findings_add(&c->findings, SEV_ERROR, "upgrade-name-clash", NULL, o->v1_key,
				    strlen(o->v1_key),
				    "%s and %s both convert to %s: calico-upgrade refuses to start; "
				    "rename one of them in v1 first", e->v1_key, o->v1_key, o->v3_key);
	}
	if (!(canon = upgrade_canonical(o->doc, o->ipam)))
		return nomem(err);
	text = json_dumps(canon, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	json_decref(canon);
	if (!text)
		return nomem(err);
	return add_entry(c, o, text, err);
}

static enum dsck_err on_note(void *ctx, enum upgrade_note_kind kind, const char *v1_key,
			     const char *detail, struct dsck_error *err)
{
	struct check_calico_upgrade *c = ctx;
	static const struct {
		const char *code;
		enum severity sev;
	} codes[] = {
		[UPGRADE_NOTE_ERROR] = { "upgrade-conversion-error", SEV_ERROR },
		[UPGRADE_NOTE_SKIPPED] = { "upgrade-skipped", SEV_INFO },
		[UPGRADE_NOTE_DROPPED] = { "upgrade-not-migrated", SEV_WARNING },
		[UPGRADE_NOTE_UNCHECKED] = { "upgrade-not-checked", SEV_INFO },
		[UPGRADE_NOTE_SEMANTICS] = { "upgrade-namespace-selector", SEV_WARNING },
	};

	c->conversion_errors += kind == UPGRADE_NOTE_ERROR;
	c->skipped += kind == UPGRADE_NOTE_SKIPPED;
	return findings_add(&c->findings, codes[kind].sev, codes[kind].code, NULL, v1_key,
			    strlen(v1_key), "%s", detail);
}

static enum dsck_err read_v1(struct check_calico_upgrade *c, struct source *v1,
			     struct dsck_error *err)
{
	struct upgrade_sink sink = { on_object, on_note, c };
	struct upgrade u;
	struct dsck_record r;
	bool done = false;
	enum dsck_err rc;

	upgrade_init(&u, &sink);
	while (!(rc = source_next(v1, &r, &done, err)) && !done)
		if ((rc = upgrade_add(&u, &r, err)))
			break;
	if (!rc)
		rc = upgrade_finish(&u, err);
	c->v1_ready = u.ready;
	c->v1_keys = u.v1_keys;
	c->calico_version = TAKE_PTR(u.calico_version);
	upgrade_release(&u);
	if (!rc && c->v1_keys == 0)
		rc = dsck_fail(err, DSCK_ERR_INPUT,
			       "%s holds no Calico v1 data under /calico: cannot check calico-upgrade "
			       "(is this the cluster's etcd, and its v2 store?)", v1->name);
	return rc;
}

/* ---------------------------------------------------------------- the v3 side */

/* ClusterInformation: datastoreReady is the lock, judged on its own; a v3
 * version means calico/node v3 has started and rewrote it, which is fine. */
static void cluster_info_compare(json_t *want, json_t *got)
{
	json_t *ws = json_object_get(want, "spec"), *gs = json_object_get(got, "spec");
	struct calico_version v;
	const char *gv = json_string_value(json_object_get(gs, "calicoVersion"));

	json_object_del(ws, "datastoreReady");
	json_object_del(gs, "datastoreReady");
	if (gv && calico_version_parse(gv, &v) && v.major >= 3 &&
	    json_object_get(ws, "calicoVersion"))
		json_object_set(gs, "calicoVersion", json_object_get(ws, "calicoVersion"));
}

static enum dsck_err compare(struct check_calico_upgrade *c, struct check_calico_upgrade_entry *e,
			     const struct dsck_record *r, struct dsck_error *err)
{
	json_t *got = NULL, *want = NULL, *gc = NULL;
	char fields[DETAIL_MAX];
	enum dsck_err rc = DSCK_OK;

	e->seen = true;
	if (e->presence_only)
		return DSCK_OK;
	got = r->value ? json_loadb(r->value, r->value_len, 0, NULL) : NULL;
	want = json_loads(e->want, JSON_DECODE_ANY, NULL);
	if (!want)
		return nomem(err);
	if (!got) {
		snprintf(fields, sizeof(fields), "the value is not JSON");
	} else {
		if (!(gc = upgrade_canonical(got, e->ipam))) {
			json_decref(got);
			json_decref(want);
			return nomem(err);
		}
		if (!e->ipam && strcmp(e->kind, "ClusterInformation") == 0)
			cluster_info_compare(want, gc);
		if (!upgrade_diff(want, gc, fields, sizeof(fields)))
			goto out;
	}
	e->differs = true;
	c->mismatched++;
	rc = findings_add(&c->after_only, SEV_ERROR, "upgrade-mismatch", NULL, e->v3_key,
			  strlen(e->v3_key), "%s differs from its conversion of %s in: %s", e->kind,
			  e->v1_key, fields);
out:
	json_decref(got);
	json_decref(gc);
	json_decref(want);
	return rc;
}

/* A v3 resource with no v1 source: what usually writes such objects. */
static const char *extra_reason(const char *key)
{
	if (strstr(key, "/networkpolicies/") && strstr(key, "/knp.default."))
		return "a Kubernetes NetworkPolicy, written by calico-kube-controllers v3";
	if (strstr(key, "/profiles/kns.") || strstr(key, "/profiles/ksa."))
		return "a Kubernetes namespace profile, written by calico-kube-controllers v3";
	if (strncmp(key, "/calico/ipam/", 13) == 0)
		return "IPAM data written by Calico v3 after the upgrade";
	return "written after the upgrade, or left from another run";
}

static void count_prefix(struct check_calico_upgrade *c, const struct dsck_record *r)
{
	for (size_t i = 0; i < ARRAY_SIZE(v3_prefixes); i++) {
		size_t n = strlen(v3_prefixes[i]);

		if (r->key_len >= n && !memcmp(r->key, v3_prefixes[i], n)) {
			c->v3_prefix[i]++;
			return;
		}
	}
}

static enum dsck_err read_cluster_info(struct check_calico_upgrade *c, const struct dsck_record *r,
				       struct dsck_error *err)
{
	struct calico_key k;
	struct calico_value v;
	struct calico_cluster_info ci;
	enum dsck_err rc;

	calico_key_parse(&k, r->key, r->key_len, false);
	if (k.kind != CALICO_V3_RESOURCE || strcmp(k.resource, "clusterinformations") != 0)
		return DSCK_OK;
	rc = calico_value_parse(&v, &k, r->value ? r->value : "", r->value_len, err);
	if (!rc && calico_cluster_info(&k, &v, &ci))
		c->v3_ready = ci.datastore_ready;
	calico_value_release(&v);
	return rc;
}

static enum dsck_err v3_record(struct check_calico_upgrade *c, const struct dsck_record *r,
			       struct dsck_error *err)
{
	char key[CALICO_KEY_MAX];
	json_t *idx;
	bool resource = r->key_len > strlen(V3_RESOURCES) &&
			!memcmp(r->key, V3_RESOURCES, strlen(V3_RESOURCES));
	bool ipam = r->key_len > 13 && !memcmp(r->key, "/calico/ipam/", 13);
	enum dsck_err rc;

	c->v3_keys++;
	c->v3_resources += resource;
	c->v3_ipam += ipam;
	count_prefix(c, r);
	if (r->key_len >= sizeof(key) || memchr(r->key, '\0', r->key_len))
		return DSCK_OK;
	memcpy(key, r->key, r->key_len);
	key[r->key_len] = '\0';
	if (resource && (rc = read_cluster_info(c, r, err)))
		return rc;
	if ((idx = json_object_get(c->index, key)))
		return compare(c, &c->entries[json_integer_value(idx)], r, err);
	if (!resource && !ipam)
		return DSCK_OK;
	c->extra++;
	return findings_add(&c->after_only, SEV_INFO, "upgrade-extra", NULL, key, r->key_len,
			    "no v1 object converts to this key: %s", extra_reason(key));
}

static enum dsck_err read_v3(struct check_calico_upgrade *c, struct source *v3,
			     struct dsck_error *err)
{
	struct dsck_record r;
	bool done = false;
	enum dsck_err rc;

	while (!(rc = source_next(v3, &r, &done, err)) && !done)
		if ((rc = v3_record(c, &r, err)))
			break;
	return rc;
}

/* ---------------------------------------------------------------- judging */

static enum dsck_err judge_before(struct check_calico_upgrade *c, struct dsck_error *err)
{
	static const struct calico_version min = { 2, 6, 5 };
	struct calico_version v;
	char detail[DETAIL_MAX];
	size_t used = 0;
	enum dsck_err rc = DSCK_OK;

	if (!c->calico_version)
		rc = findings_add(&c->findings, SEV_ERROR, "upgrade-version-unknown", NULL,
				  "/calico/v1/config/CalicoVersion", 31,
				  "no CalicoVersion: calico-upgrade refuses (\"no version information "
				  "found\"); calico/node v2.6.5 writes it when it starts");
	else if (!calico_version_parse(c->calico_version, &v))
		rc = findings_add(&c->findings, SEV_ERROR, "upgrade-version-unknown", NULL,
				  "/calico/v1/config/CalicoVersion", 31,
				  "CalicoVersion '%s' does not parse as a release number: "
				  "calico-upgrade refuses", c->calico_version);
	else if (v.major >= 3)
		rc = findings_add(&c->findings, SEV_ERROR, "upgrade-version-unexpected", NULL,
				  "/calico/v1/config/CalicoVersion", 31,
				  "CalicoVersion %s is already 3.x in the v1 data: calico-upgrade "
				  "refuses", c->calico_version);
	else if (calico_version_cmp(&v, &min) < 0)
		rc = findings_add(&c->findings, SEV_ERROR, "upgrade-version-too-old", NULL,
				  "/calico/v1/config/CalicoVersion", 31,
				  "CalicoVersion %s is below 2.6.5: upgrade Calico to v2.6.5 (and let "
				  "calico/node restart everywhere) before calico-upgrade",
				  c->calico_version);
	if (rc)
		return rc;
	if (c->v1_ready == 0)
		rc = findings_add(&c->findings, SEV_ERROR, "upgrade-paused", NULL, CALICO_READY_KEY,
				  CALICO_READY_KEY_LEN, "v1 Ready is not 'true': networking is already paused (an "
				  "earlier `calico-upgrade start`?); finish that run or "
				  "`calico-upgrade abort` first");
	else if (c->v1_ready < 0)
		rc = findings_add(&c->findings, SEV_WARNING, "upgrade-ready-missing", NULL,
				  CALICO_READY_KEY, CALICO_READY_KEY_LEN,
				  "no v1 Ready key: Felix v2.6 waits for it; calico-upgrade reads it as "
				  "its lock");
	if (rc || c->v3_keys == 0)
		return rc;
	detail[0] = '\0';
	for (size_t i = 0; i + 1 < ARRAY_SIZE(v3_prefixes); i++) {
		if (!c->v3_prefix[i] || used >= sizeof(detail) - 128)
			continue;
		used += (size_t)snprintf(detail + used, sizeof(detail) - used,
					 "%s%zu under %s (`ETCDCTL_API=3 etcdctl del --prefix %s`)",
					 used ? "; " : "", c->v3_prefix[i], v3_prefixes[i],
					 v3_prefixes[i]);
	}
	return findings_add(&c->findings, SEV_ERROR, "upgrade-v3-not-empty", NULL, "/calico/", 8,
			    "the v3 store holds %zu keys under /calico/ and calico-upgrade wants none "
			    "(or --ignore-v3-data): %zu v3 resources, %zu other keys%s%s%s", c->v3_keys,
			    c->v3_resources, c->v3_keys - c->v3_resources,
			    detail[0] ? ". `etcdctl migrate` copies of the v1 data are the usual "
					"cause; these clear only them: " : "",
			    detail, c->v3_resources ? ". v3 resources come from an earlier "
					"calico-upgrade or a Calico v3 install: look before deleting"
					: "");
}

static enum dsck_err judge_lock(struct check_calico_upgrade *c, bool complete)
{
	struct findings *f = &c->findings;

	if (c->v3_ready < 0)
		return findings_add(f, SEV_ERROR, "upgrade-lock-unknown", NULL,
				    V3_RESOURCES "projectcalico.org/clusterinformations/default",
				    strlen(V3_RESOURCES "projectcalico.org/clusterinformations/default"),
				    "no readable v3 ClusterInformation datastoreReady: the v3 lock "
				    "state cannot be judged");
	if (c->v1_ready != 1 && c->v3_ready == 0)
		return complete
			? findings_add(f, SEV_WARNING, "upgrade-paused", NULL, CALICO_READY_KEY, CALICO_READY_KEY_LEN,
				       "networking is paused (v1 Ready false, v3 datastoreReady "
				       "false) and the v3 copy is complete: roll calico/node to v3, "
				       "then run `calico-upgrade complete`")
			: findings_add(f, SEV_ERROR, "upgrade-paused", NULL, CALICO_READY_KEY, CALICO_READY_KEY_LEN,
				       "networking is paused (v1 Ready false) and the v3 copy is "
				       "incomplete: `calico-upgrade abort` re-enables v1; delete the "
				       "v3 data before trying again");
	if (c->v1_ready == 1 && c->v3_ready == 1)
		return findings_add(f, SEV_ERROR, "upgrade-lock-contradiction", NULL,
				    CALICO_READY_KEY, CALICO_READY_KEY_LEN,
				    "both datastores are enabled (v1 Ready true and v3 datastoreReady "
				    "true): Calico v2 and v3 components could both act; set one of them "
				    "false (`calico-upgrade abort` sets v1 true and leaves v3 alone)");
	if (c->v1_ready == 1 && c->v3_ready == 0)
		return findings_add(f, SEV_WARNING, "upgrade-aborted", NULL, CALICO_READY_KEY, CALICO_READY_KEY_LEN,
				    "v1 is enabled and v3 is locked: an aborted run left its v3 data "
				    "behind; delete it (`ETCDCTL_API=3 etcdctl del --prefix /calico/`) "
				    "before the next calico-upgrade start");
	return findings_add(f, SEV_INFO, "upgrade-completed", NULL, CALICO_READY_KEY, CALICO_READY_KEY_LEN,
			    "v1 is locked and v3 datastoreReady is true: `calico-upgrade complete` "
			    "has run");
}

static enum dsck_err judge_after(struct check_calico_upgrade *c, struct dsck_error *err)
{
	enum dsck_err rc;
	size_t broken;

	if ((rc = findings_append(&c->findings, &c->after_only)))
		return dsck_oom(err);
	for (size_t i = 0; i < c->n_entries && !rc; i++) {
		const struct check_calico_upgrade_entry *e = &c->entries[i];

		if (e->seen)
			continue;
		c->missing++;
		rc = findings_add(&c->findings, SEV_ERROR,
				  e->ipam ? "upgrade-ipam-missing" : "upgrade-missing", NULL,
				  e->v3_key, strlen(e->v3_key), "no v3 %s converted from %s", e->kind,
				  e->v1_key);
	}
	broken = c->missing + c->mismatched + c->conversion_errors + c->clashes;
	return rc ? rc : judge_lock(c, broken == 0);
}

enum dsck_err check_calico_upgrade_run(struct check_calico_upgrade *c, struct source *v1,
				       struct source *v3, enum check_calico_upgrade_phase phase,
				       struct dsck_error *err)
{
	enum dsck_err rc;

	memset(c, 0, sizeof(*c));
	c->v1_ready = c->v3_ready = -1;
	findings_init(&c->findings, FINDINGS_CAP);
	findings_init(&c->after_only, FINDINGS_CAP);
	if (!(c->index = json_object()))
		return nomem(err);
	if ((rc = read_v1(c, v1, err)) || (rc = read_v3(c, v3, err)))
		return rc;
	c->phase = phase;
	if (phase == CHECK_CALICO_UPGRADE_AUTO) {
		c->phase_auto = true;
		c->phase = c->v3_resources ? CHECK_CALICO_UPGRADE_AFTER : CHECK_CALICO_UPGRADE_BEFORE;
		snprintf(c->phase_reason, sizeof(c->phase_reason),
			 c->v3_resources ? "the v3 store holds %zu v3 resources: calico-upgrade has run"
					 : "the v3 store holds no v3 resources (%zu): calico-upgrade "
					   "has not run",
			 c->v3_resources);
	} else {
		snprintf(c->phase_reason, sizeof(c->phase_reason), "asked for with --phase");
	}
	return c->phase == CHECK_CALICO_UPGRADE_BEFORE ? judge_before(c, err) : judge_after(c, err);
}

void check_calico_upgrade_release(struct check_calico_upgrade *c)
{
	array_free(c->entries, c->n_entries, sizeof(*c->entries), entry_release);
	free(c->calico_version);
	json_decref(c->index);
	findings_release(&c->findings);
	findings_release(&c->after_only);
	memset(c, 0, sizeof(*c));
}
