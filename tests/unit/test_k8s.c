/*
 * Unit tests: kubeconfig parsing, the TPR -> CRD comparisons, the DefaultDeny
 * verdicts, reading kubectl dumps, and the node-roll judgements (images,
 * cordons, times). The API client itself is exercised
 * against tests/k8s_api_server.py by tests/integration/test_k8s.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/k8s.h"
#include "check/k8scheck.h"
#include "net/kubeconfig.h"

/* --- kubeconfig --- */

#define KC_HEAD                                                                          \
	"apiVersion: v1\nkind: Config\ncurrent-context: prod\n"                          \
	"clusters:\n"                                                                     \
	"- name: staging\n  cluster:\n    server: https://staging:6443\n"                 \
	"- name: prod\n  cluster:\n    server: https://10.0.0.1:6443/\n"                  \
	"    certificate-authority: pki/ca.crt\n"                                         \
	"contexts:\n"                                                                     \
	"- name: staging\n  context: {cluster: staging, user: admin}\n"                   \
	"- name: prod\n  context:\n    cluster: prod\n    user: ops\n"                    \
	"users:\n"

static void parse_ok(struct kubeconfig *kc, const char *text)
{
	struct dsck_error err = DSCK_ERROR_INIT;

	if (kubeconfig_parse(kc, "/etc/kube/config", text, strlen(text), &err))
		fail_msg("kubeconfig_parse: %s", err.msg);
}

static void parse_fails(const char *text, const char *msg)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct kubeconfig kc;

	assert_int_equal(kubeconfig_parse(&kc, "/etc/kube/config", text, strlen(text), &err),
			 DSCK_ERR_INPUT);
	if (!strstr(err.msg, msg))
		fail_msg("expected '%s' in '%s'", msg, err.msg);
}

static void test_kubeconfig_token_and_current_context(void **state)
{
	struct kubeconfig kc;

	(void)state;
	parse_ok(&kc, KC_HEAD "- name: admin\n  user: {token: wrong}\n"
			      "- name: ops\n  user:\n    token: s3cr3t\n");
	assert_string_equal(kc.context, "prod");
	assert_string_equal(kc.cluster, "prod");
	assert_string_equal(kc.user, "ops");
	assert_string_equal(kc.server, "https://10.0.0.1:6443");
	/* Relative to the kubeconfig's directory, as kubectl resolves it. */
	assert_string_equal(kc.ca.file, "/etc/kube/pki/ca.crt");
	assert_string_equal(kc.token, "s3cr3t");
	assert_null(kc.username);
	assert_false(kc.insecure_skip_tls_verify);
	assert_string_equal(kc.where, "/etc/kube/config:15");
	kubeconfig_release(&kc);
}

static void test_kubeconfig_token_file(void **state)
{
	struct kubeconfig kc;

	(void)state;
	parse_ok(&kc, KC_HEAD "- name: ops\n  user:\n    tokenFile: ops.token\n");
	assert_null(kc.token);
	assert_string_equal(kc.token_file, "/etc/kube/ops.token");
	kubeconfig_release(&kc);
}

static void test_kubeconfig_client_cert_data(void **state)
{
	struct kubeconfig kc;

	(void)state;
	/* "-----BEGIN CERT" / "KEY" in base64, the CA wrapped over two lines. */
	parse_ok(&kc, "current-context: c\n"
		      "clusters:\n- name: k\n  cluster:\n    server: https://k:443\n"
		      "    certificate-authority-data: LS0tLS1C\n      RUdJTiBDRVJU\n"
		      "    insecure-skip-tls-verify: true\n"
		      "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
		      "users:\n- name: u\n  user:\n"
		      "    client-certificate-data: LS0tLS1CRUdJTiBDRVJU\n"
		      "    client-key: /keys/u.key\n    client-key-data: S0VZ\n");
	assert_null(kc.ca.file);
	assert_int_equal(kc.ca.len, 15);
	assert_memory_equal(kc.ca.data, "-----BEGIN CERT", 15);
	assert_memory_equal(kc.cert.data, "-----BEGIN CERT", 15);
	/* -data wins over the file, as in kubectl. */
	assert_null(kc.key.file);
	assert_string_equal(kc.key.data, "KEY");
	assert_true(kc.insecure_skip_tls_verify);
	assert_null(kc.token);
	kubeconfig_release(&kc);
}

static void test_kubeconfig_basic_auth(void **state)
{
	struct kubeconfig kc;

	(void)state;
	parse_ok(&kc, KC_HEAD "- name: ops\n  user:\n    username: admin\n    password: pw\n");
	assert_string_equal(kc.username, "admin");
	assert_string_equal(kc.password, "pw");
	assert_null(kc.token);
	kubeconfig_release(&kc);
}

static void test_kubeconfig_errors(void **state)
{
	(void)state;
	parse_fails("kind: Config\nclusters: []\n", "/etc/kube/config: no current-context set");
	parse_fails("current-context: x\ncontexts: []\n", "current-context 'x' is not in 'contexts'");
	parse_fails(KC_HEAD "- name: ops\n  user:\n    client-certificate-data: '!!'\n"
			    "    client-key-data: S0VZ\n",
		    "/etc/kube/config:22: 'client-certificate-data' is not valid base64");
	parse_fails(KC_HEAD "- name: ops\n  user:\n    exec:\n      command: aws\n",
		    "/etc/kube/config:20: user 'ops' gets its credentials from an exec plugin");
	parse_fails(KC_HEAD "- name: ops\n  user:\n    client-certificate: /c.pem\n",
		    "a client certificate without a key");
	parse_fails("current-context: c\nclusters:\n- name: k\n  cluster: {}\n"
		    "contexts:\n- name: c\n  context: {cluster: k}\n",
		    "/etc/kube/config:3: cluster 'k' has no 'server'");
	parse_fails("current-context: c\ncontexts:\n- name: c\n  context: {cluster: gone}\n",
		    "names cluster 'gone', which is not in 'clusters'");
	parse_fails("current-context: c\ncontexts: {c: 1}\n", "/etc/kube/config:2: 'contexts' must be a list");
	parse_fails("current-context: [c]\n", "/etc/kube/config:1: 'current-context' must be a string");
	parse_fails("current-context: c\n  bad: indent\n", "/etc/kube/config:2:6: invalid YAML");
}

static void test_kubeconfig_unknown_keys_ignored(void **state)
{
	struct kubeconfig kc;

	(void)state;
	parse_ok(&kc, KC_HEAD "- name: ops\n  user:\n    token: t\n    as: someone\n"
			      "preferences: {colors: true}\n");
	assert_string_equal(kc.token, "t");
	kubeconfig_release(&kc);
}

/* --- TPR -> CRD comparisons (docs/kubernetes-datastore.md) --- */

static json_t *js(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, 0, &je);

	if (!v)
		fail_msg("bad test JSON '%s': %s", text, je.text);
	return v;
}

typedef enum crd_compare (*cmp_fn)(const char *, const json_t *, const json_t *, struct buf *);

/* Compare and return the verdict; the detail must contain @want (when given). */
static enum crd_compare cmp(cmp_fn fn, const char *name, const char *tpr, const char *crd,
			    const char *want)
{
	struct buf d = BUF_INIT(4096);
	json_t *t = js(tpr), *c = crd ? js(crd) : NULL;
	enum crd_compare r = fn(name, t, c, &d);

	if (want && !strstr(buf_str(&d), want))
		fail_msg("expected '%s' in '%s'", want, buf_str(&d));
	json_decref(t);
	json_decref(c);
	buf_release(&d);
	return r;
}

static void test_ippool_json_string_vs_structured_spec(void **state)
{
	const char *tpr = "{\"value\":\"{\\\"cidr\\\":\\\"192.168.0.0/16\\\",\\\"ipip\\\":\\\"tunl0\\\","
			  "\\\"ipip_mode\\\":\\\"always\\\",\\\"masquerade\\\":true,\\\"ipam\\\":true,"
			  "\\\"disabled\\\":false}\"}";

	(void)state;
	assert_int_equal(cmp(crd_compare_ippool, "192-168-0-0-16", tpr,
			     "{\"cidr\":\"192.168.0.0/16\",\"ipip\":{\"enabled\":true,\"mode\":\"always\"},"
			     "\"nat-outgoing\":true}", ""), CRD_MATCH);
	assert_int_equal(cmp(crd_compare_ippool, "192-168-0-0-16", tpr,
			     "{\"cidr\":\"192.168.0.0/16\",\"nat-outgoing\":true,\"disabled\":true}",
			     "ipip.enabled: TPR 'true', CRD 'false'; ipip.mode: TPR 'always', CRD ''; "
			     "disabled: TPR 'false', CRD 'true'"), CRD_MISMATCH);
	assert_int_equal(cmp(crd_compare_ippool, "192-168-0-0-16", tpr,
			     "{\"cidr\":\"192.168.0.0/24\",\"ipip\":{\"enabled\":true,\"mode\":\"always\"},"
			     "\"nat-outgoing\":\"yes\"}",
			     "cidr: TPR '192.168.0.0/16', CRD '192.168.0.0/24'; nat-outgoing: TPR "
			     "'true', CRD '(not a boolean)'"), CRD_MISMATCH);
	/* A CRD object missing altogether: every field differs, nothing crashes. */
	assert_int_equal(cmp(crd_compare_ippool, "192-168-0-0-16", tpr, NULL, "cidr: TPR"),
			 CRD_MISMATCH);
}

static void test_ippool_ipv6_zero_values_omitted(void **state)
{
	(void)state;
	/* omitempty: no ipip block, no nat-outgoing, no disabled; address written differently. */
	assert_int_equal(cmp(crd_compare_ippool, "fd00-1234---64",
			     "{\"value\":\"{\\\"cidr\\\":\\\"fd00:1234::/64\\\",\\\"ipam\\\":true,"
			     "\\\"masquerade\\\":false,\\\"disabled\\\":false}\"}",
			     "{\"cidr\":\"fd00:1234:0::/64\"}", ""), CRD_MATCH);
	/* ipip_mode without an interface: the block is there, disabled, with the mode. */
	assert_int_equal(cmp(crd_compare_ippool, "10-0-0-0-8",
			     "{\"value\":\"{\\\"cidr\\\":\\\"10.0.0.0/8\\\",\\\"ipip_mode\\\":\\\"cross-subnet\\\"}\"}",
			     "{\"cidr\":\"10.0.0.0/8\",\"ipip\":{\"mode\":\"cross-subnet\"}}", ""),
			 CRD_MATCH);
}

static void test_ippool_unparseable(void **state)
{
	(void)state;
	assert_int_equal(cmp(crd_compare_ippool, "p", "{\"value\":\"{\\\"cidr\\\":\"}", "{}",
			     "spec.value is not a JSON object"), CRD_UNPARSEABLE);
	assert_int_equal(cmp(crd_compare_ippool, "p", "{\"value\":\"[1]\"}", "{}",
			     "not a JSON object: another JSON type"), CRD_UNPARSEABLE);
	assert_int_equal(cmp(crd_compare_ippool, "p", "{\"value\":{\"cidr\":\"10.0.0.0/8\"}}", "{}",
			     "spec.value is not a string"), CRD_UNPARSEABLE);
	assert_int_equal(cmp(crd_compare_ippool, "p",
			     "{\"value\":\"{\\\"cidr\\\":\\\"10.0.0.0/8\\\",\\\"masquerade\\\":\\\"yes\\\"}\"}",
			     "{}", "wrong types"), CRD_UNPARSEABLE);
	assert_int_equal(cmp(crd_compare_ippool, "p", "{\"value\":\"{\\\"ipip\\\":\\\"tunl0\\\"}\"}",
			     "{}", "cidr, ipip and ipip_mode must be strings"), CRD_UNPARSEABLE);
}

static void check_peer(const char *name, const char *want)
{
	char ip[64];

	if (!want) {
		assert_false(crd_peer_ip_from_name(name, ip, sizeof(ip)));
		return;
	}
	assert_true(crd_peer_ip_from_name(name, ip, sizeof(ip)));
	assert_string_equal(ip, want);
}

static void test_bgp_peer_ip_from_name(void **state)
{
	(void)state;
	check_peer("192-168-1-1", "192.168.1.1");
	check_peer("fd00--1", "fd00::1");
	check_peer("--1", "::1");
	check_peer("2001-db8-0-0-0-0-0-1", "2001:db8:0:0:0:0:0:1");
	check_peer("fd00-1234--", "fd00:1234::");
	check_peer("10-0-0", NULL);
	check_peer("peer-one", NULL);
	check_peer("192-168-1-256", NULL);
	check_peer("", NULL);
}

static void test_bgp_peer_compare(void **state)
{
	(void)state;
	assert_int_equal(cmp(crd_compare_bgppeer, "192-168-1-1", "{\"asNumber\":64567}",
			     "{\"asNumber\":64567,\"scope\":\"global\",\"peerIP\":\"192.168.1.1\"}", ""),
			 CRD_MATCH);
	assert_int_equal(cmp(crd_compare_bgppeer, "fd00--1", "{\"asNumber\":64568}",
			     "{\"asNumber\":64568,\"scope\":\"global\",\"peerIP\":\"fd00:0:0::1\"}", ""),
			 CRD_MATCH);
	assert_int_equal(cmp(crd_compare_bgppeer, "fd00--1", "{\"asNumber\":64568}",
			     "{\"asNumber\":\"64568\",\"scope\":\"node\",\"peerIP\":\"fd00::2\"}",
			     "peerIP: TPR 'fd00::1', CRD 'fd00::2'; scope: TPR 'global', CRD 'node'; "
			     "asNumber: TPR '64568', CRD '(not a string)'"), CRD_MISMATCH);
	assert_int_equal(cmp(crd_compare_bgppeer, "router-a", "{\"asNumber\":1}", "{}",
			     "does not encode a peer IP"), CRD_UNPARSEABLE);
	assert_int_equal(cmp(crd_compare_bgppeer, "10-0-0-1", "{\"asNumber\":\"x\"}", "{}",
			     "spec.asNumber is not a number"), CRD_UNPARSEABLE);
}

static void test_config_compare(void **state)
{
	(void)state;
	assert_int_equal(cmp(crd_compare_config, "logseverityscreen",
			     "{\"name\":\"LogSeverityScreen\",\"value\":\"info\"}",
			     "{\"name\":\"LogSeverityScreen\",\"value\":\"info\"}", ""), CRD_MATCH);
	assert_int_equal(cmp(crd_compare_config, "logseverityscreen",
			     "{\"name\":\"LogSeverityScreen\",\"value\":\"info\"}",
			     "{\"name\":\"logseverityscreen\",\"value\":\"debug\"}",
			     "spec.name: TPR 'LogSeverityScreen', CRD 'logseverityscreen'; spec.value: "
			     "TPR 'info', CRD 'debug'"), CRD_MISMATCH);
	/* Every starting calico-node rewrites its version: only the name is compared. */
	assert_int_equal(cmp(crd_compare_config, "calicoversion",
			     "{\"name\":\"CalicoVersion\",\"value\":\"v2.4.1\"}",
			     "{\"name\":\"CalicoVersion\",\"value\":\"v2.5.0\"}", ""), CRD_MATCH);
	assert_int_equal(cmp(crd_compare_config, "x", "{\"name\":\"X\",\"value\":5}", "{}",
			     "spec.value is not a string"), CRD_UNPARSEABLE);
}

static void test_image_version(void **state)
{
	int major = -1, minor = -1;

	(void)state;
	assert_true(crd_image_version("quay.io/calico/node:v2.5.1", &major, &minor));
	assert_int_equal(major, 2);
	assert_int_equal(minor, 5);
	assert_true(crd_image_version("registry:5000/calico/node:2.6.12@sha256:abc", &major, &minor));
	assert_int_equal(minor, 6);
	assert_true(crd_image_version("calico/node:v3.0.0-beta1", &major, &minor));
	assert_int_equal(major, 3);
	assert_false(crd_image_version("registry:5000/calico/node", &major, &minor));
	assert_false(crd_image_version("calico/node:latest", &major, &minor));
	assert_false(crd_image_version("calico/node:v2", &major, &minor));
	assert_false(crd_image_version("", &major, &minor));
}

/* --- DefaultDeny (docs/kubernetes-datastore.md) --- */

static void test_annotation_parse(void **state)
{
	(void)state;
	assert_int_equal(policy_parse_annotation(NULL), ANNOTATION_ABSENT);
	assert_int_equal(policy_parse_annotation("{\"ingress\": {\"isolation\": \"DefaultDeny\"}}"),
			 ANNOTATION_DEFAULT_DENY);
	assert_int_equal(policy_parse_annotation("{\"ingress\":{\"isolation\":\"defaultdeny\"}}"),
			 ANNOTATION_OTHER);
	assert_int_equal(policy_parse_annotation("{\"ingress\":{}}"), ANNOTATION_OTHER);
	assert_int_equal(policy_parse_annotation("\"DefaultDeny\""), ANNOTATION_OTHER);
	assert_int_equal(policy_parse_annotation("{\"ingress\": {\"isolation\": \"DefaultDeny\"}"),
			 ANNOTATION_INVALID);
	assert_int_equal(policy_parse_annotation(""), ANNOTATION_INVALID);
}

static bool dd(const char *spec)
{
	char text[512];
	json_t *np;
	bool r;

	snprintf(text, sizeof(text), "{\"metadata\":{\"name\":\"p\"},\"spec\":%s}", spec);
	np = js(text);
	r = policy_is_default_deny(np);
	json_decref(np);
	return r;
}

static void test_default_deny_policy(void **state)
{
	(void)state;
	assert_true(dd("{\"podSelector\":{}}"));
	assert_true(dd("{\"podSelector\":null,\"ingress\":[]}"));
	assert_true(dd("{\"podSelector\":{\"matchLabels\":{},\"matchExpressions\":[]},"
		       "\"policyTypes\":[\"Ingress\"]}"));
	assert_true(dd("{}"));
	assert_false(dd("{\"podSelector\":{\"matchLabels\":{\"app\":\"db\"}}}"));
	assert_false(dd("{\"podSelector\":{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\"}]}}"));
	assert_false(dd("{\"podSelector\":{},\"ingress\":[{}]}"));
	assert_false(dd("{\"podSelector\":{},\"policyTypes\":[\"Egress\"]}"));
	assert_false(dd("{\"podSelector\":{},\"policyTypes\":[\"Ingress\",\"Egress\"]}"));
	assert_false(dd("{\"podSelector\":\"all\"}"));
	assert_false(dd("null"));
}

static void test_verdicts(void **state)
{
	(void)state;
	/* The table of docs/kubernetes-datastore.md, row by row. */
	assert_int_equal(policy_verdict(ANNOTATION_ABSENT, false, 0, false), VERDICT_OK);
	assert_int_equal(policy_verdict(ANNOTATION_ABSENT, false, 2, false), VERDICT_ACTION);
	assert_int_equal(policy_verdict(ANNOTATION_DEFAULT_DENY, false, 2, true), VERDICT_OK);
	assert_int_equal(policy_verdict(ANNOTATION_DEFAULT_DENY, false, 0, false), VERDICT_ACTION);
	assert_int_equal(policy_verdict(ANNOTATION_DEFAULT_DENY, false, 1, false), VERDICT_ACTION);
	assert_int_equal(policy_verdict(ANNOTATION_INVALID, false, 0, false), VERDICT_WARN);
	assert_int_equal(policy_verdict(ANNOTATION_OTHER, false, 3, false), VERDICT_WARN);
	assert_int_equal(policy_verdict(ANNOTATION_ABSENT, true, 0, false), VERDICT_WARN);
	/* The beta annotation decides when both are there. */
	assert_int_equal(policy_verdict(ANNOTATION_DEFAULT_DENY, true, 1, true), VERDICT_OK);
	/* The alpha annotation isolates nothing: with policies, as if absent. */
	assert_int_equal(policy_verdict(ANNOTATION_ABSENT, true, 2, false), VERDICT_ACTION);
}

static void test_scope(void **state)
{
	(void)state;
	/* Kubernetes datastore: the change is at v2.3; etcd: at v2.4. */
	assert_int_equal(policy_scope("kubernetes", 2, 2, -1, -1), POLICY_APPLIES);
	assert_int_equal(policy_scope("kubernetes", 2, 2, 2, 3), POLICY_APPLIES);
	assert_int_equal(policy_scope("kubernetes", 2, 2, 2, 2), POLICY_NOT_APPLICABLE);
	assert_int_equal(policy_scope("kubernetes", 2, 3, 2, 6), POLICY_NOT_APPLICABLE);
	assert_int_equal(policy_scope("etcdv2", 2, 3, 2, 6), POLICY_APPLIES);
	assert_int_equal(policy_scope("etcdv2", 2, 4, -1, -1), POLICY_NOT_APPLICABLE);
	assert_int_equal(policy_scope("etcdv2", 1, 9, 3, 0), POLICY_APPLIES);
	assert_int_equal(policy_scope("etcdv2", 3, 0, -1, -1), POLICY_NOT_APPLICABLE);
	/* Unknown datastore: only versions on the same side of both boundaries tell. */
	assert_int_equal(policy_scope(NULL, 2, 3, 2, 6), POLICY_VERSION_UNKNOWN);
	assert_int_equal(policy_scope(NULL, 2, 4, 2, 6), POLICY_NOT_APPLICABLE);
	assert_int_equal(policy_scope(NULL, 2, 2, 2, 6), POLICY_APPLIES);
	assert_int_equal(policy_scope("kubernetes", -1, -1, 2, 6), POLICY_VERSION_UNKNOWN);
}

/* --- kubectl dumps --- */

static char dump_dir[] = "/tmp/dsck-test-k8s-XXXXXX";

static void write_dump(const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dump_dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static enum dsck_err list_dump(enum k8s_res r, json_t **items, struct dsck_error *err)
{
	struct k8s_source src = { .client = NULL, .dir = dump_dir, .max_bytes = 1 << 20 };

	return k8s_source_list(&src, r, items, NULL, err);
}

static void test_dumps(void **state)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	json_t *items = NULL;

	(void)state;
	assert_non_null(mkdtemp(dump_dir));
	write_dump("namespaces.json", "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":["
				      "{\"metadata\":{\"name\":\"default\"}},{\"metadata\":{\"name\":\"a\"}}]}");
	assert_int_equal(list_dump(K8S_NAMESPACES, &items, &err), DSCK_OK);
	assert_int_equal(json_array_size(items), 2);
	json_decref(items);
	/* `kubectl get daemonset calico-node -o json`: one object. */
	write_dump("daemonsets.json", "{\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"calico-node\"}}");
	assert_int_equal(list_dump(K8S_DAEMONSETS, &items, &err), DSCK_OK);
	assert_int_equal(json_array_size(items), 1);
	json_decref(items);
	/* Missing, or blank (kubectl failed and wrote nothing): not served. */
	assert_int_equal(list_dump(K8S_TPRS, &items, &err), DSCK_ERR_NOT_FOUND);
	write_dump("tprs.json", " \n");
	assert_int_equal(list_dump(K8S_TPRS, &items, &err), DSCK_ERR_NOT_FOUND);
	assert_int_equal(err.code, DSCK_OK);
	write_dump("crds.json", "{\"items\": [\n  {\"metadata\": {\"name\": 5}}]}");
	assert_int_equal(list_dump(K8S_CRDS, &items, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, "crds.json: item 0 has no 'metadata.name' string"));
	dsck_error_clear(&err);
	write_dump("crds.json", "{\"items\": [\n  {\"metadata\": ");
	assert_int_equal(list_dump(K8S_CRDS, &items, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, "crds.json:2:"));
	dsck_error_clear(&err);
	write_dump("crds.json", "[]");
	assert_int_equal(list_dump(K8S_CRDS, &items, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, "expected a JSON object"));
	dsck_error_clear(&err);
	write_dump("crds.json", "{\"kind\":\"Status\"}");
	assert_int_equal(list_dump(K8S_CRDS, &items, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, "expected a kubectl list"));
	for (int r = 0; r < K8S_RES__COUNT; r++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", dump_dir, k8s_resource(r)->file);
		unlink(path);
	}
	rmdir(dump_dir);
}

static void test_api_version(void **state)
{
	char v[64];
	json_t *items = js("[{\"apiVersion\":\"extensions/v1beta1\"}]");

	(void)state;
	assert_string_equal(k8s_source_api_version("/apis/networking.k8s.io/v1/networkpolicies",
						   NULL, v, sizeof(v)), "networking.k8s.io/v1");
	assert_string_equal(k8s_source_api_version("/api/v1/namespaces", NULL, v, sizeof(v)), "v1");
	assert_string_equal(k8s_source_api_version("networkpolicies.json", items, v, sizeof(v)),
			    "extensions/v1beta1");
	assert_string_equal(k8s_source_api_version("crds.json", NULL, v, sizeof(v)), "");
	json_decref(items);
}

/* --- node-roll --- */

static void test_node_roll_image_equal(void **state)
{
	(void)state;
	assert_true(node_roll_image_equal("quay.io/calico/node:v2.6.2", "quay.io/calico/node:v2.6.2"));
	assert_false(node_roll_image_equal("quay.io/calico/node:v2.6.2", "quay.io/calico/node:v2.5.1"));
	/* Docker Hub is the default registry; "library/" its default namespace. */
	assert_true(node_roll_image_equal("calico/node:v2.6.2", "docker.io/calico/node:v2.6.2"));
	assert_true(node_roll_image_equal("index.docker.io/calico/node:v2.6.2", "calico/node:v2.6.2"));
	assert_true(node_roll_image_equal("busybox", "docker.io/library/busybox:latest"));
	/* Another registry is another image, whatever the path. */
	assert_false(node_roll_image_equal("quay.io/calico/node:v2.6.2", "calico/node:v2.6.2"));
	/* A registry port is not a tag. */
	assert_true(node_roll_image_equal("registry:5000/calico/node", "registry:5000/calico/node:latest"));
	assert_false(node_roll_image_equal("registry:5000/calico/node", "registry:5000/calico/node:v1"));
	assert_true(node_roll_image_equal("localhost/calico/node", "localhost/calico/node:latest"));
	assert_false(node_roll_image_equal("calico/node@sha256:aa", "calico/node@sha256:bb"));
	assert_false(node_roll_image_equal("calico/node:v2.6.2", NULL));
	assert_false(node_roll_image_equal("", "calico/node"));
	assert_false(node_roll_image_equal("", ""));
}

static void test_node_roll_container(void **state)
{
	json_t *by_name = js("{\"containers\":[{\"name\":\"install-cni\",\"image\":\"calico/cni:v1\"},"
			     "{\"name\":\"calico-node\",\"image\":\"my/node:v2\"}]}");
	json_t *by_image = js("{\"containers\":[{\"name\":\"flannel\",\"image\":\"flannel:v0.9\"},"
			      "{\"name\":\"node\",\"image\":\"quay.io/calico/node:v2.6.2\"}]}");
	json_t *none = js("{\"containers\":[{\"name\":\"kube-proxy\",\"image\":\"kube-proxy\"}]}");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(node_roll_container(by_name), "image")),
			    "my/node:v2");
	assert_string_equal(json_string_value(json_object_get(node_roll_container(by_image), "name")),
			    "node");
	assert_null(node_roll_container(none));
	assert_null(node_roll_container(NULL));
	json_decref(by_name);
	json_decref(by_image);
	json_decref(none);
}

static void test_node_roll_cordon_state(void **state)
{
	json_t *cordoned = js("{\"spec\":{\"unschedulable\":true}}");
	json_t *tainted = js("{\"spec\":{\"taints\":[{\"key\":\"node.kubernetes.io/unschedulable\","
			     "\"effect\":\"NoSchedule\"}]}}");
	json_t *other_taint = js("{\"spec\":{\"taints\":[{\"key\":\"dedicated\",\"effect\":\"NoSchedule\"}],"
				 "\"unschedulable\":false}}");
	json_t *ready = js("{\"status\":{\"phase\":\"Running\",\"conditions\":["
			   "{\"type\":\"Ready\",\"status\":\"True\"}]}}");
	json_t *not_ready = js("{\"status\":{\"phase\":\"Running\",\"conditions\":["
			       "{\"type\":\"Ready\",\"status\":\"False\"}]}}");
	json_t *pending = js("{\"status\":{\"phase\":\"Pending\",\"conditions\":["
			     "{\"type\":\"Ready\",\"status\":\"True\"}]}}");
	json_t *deleting = js("{\"metadata\":{\"deletionTimestamp\":\"2017-10-10T09:05:30Z\"}}");

	(void)state;
	assert_true(node_roll_node_unschedulable(cordoned));
	assert_true(node_roll_node_unschedulable(tainted));
	assert_false(node_roll_node_unschedulable(other_taint));
	assert_true(node_roll_pod_ready(ready));
	assert_false(node_roll_pod_ready(not_ready));
	assert_false(node_roll_pod_ready(pending));
	assert_false(node_roll_pod_terminating(ready));
	assert_true(node_roll_pod_terminating(deleting));

	assert_int_equal(node_roll_node_state(true, true, false), NODE_ROLL_UPDATED);
	assert_int_equal(node_roll_node_state(false, true, false), NODE_ROLL_OLD);
	assert_int_equal(node_roll_node_state(true, false, false), NODE_ROLL_REPLACING);
	assert_int_equal(node_roll_node_state(true, true, true), NODE_ROLL_REPLACING);
	/* Being replaced: must be cordoned. */
	assert_int_equal(node_roll_cordon(NODE_ROLL_REPLACING, false), -1);
	assert_int_equal(node_roll_cordon(NODE_ROLL_REPLACING, true), 0);
	/* Updated and ready: must not stay cordoned. */
	assert_int_equal(node_roll_cordon(NODE_ROLL_UPDATED, true), 1);
	assert_int_equal(node_roll_cordon(NODE_ROLL_UPDATED, false), 0);
	/* An old pod is not being replaced yet: its turn is told separately (OnDelete). */
	assert_int_equal(node_roll_cordon(NODE_ROLL_OLD, false), 0);
	assert_int_equal(node_roll_cordon(NODE_ROLL_OLD, true), 0);
	json_decref(cordoned);
	json_decref(tainted);
	json_decref(other_taint);
	json_decref(ready);
	json_decref(not_ready);
	json_decref(pending);
	json_decref(deleting);
}

static void test_node_roll_template(void **state)
{
	json_t *gen2 = js("{\"metadata\":{\"labels\":{\"pod-template-generation\":\"2\"}},"
			  "\"spec\":{\"containers\":[{\"name\":\"calico-node\",\"image\":\"calico/node:v2.6.2\"}]}}");
	json_t *nolabel = js("{\"spec\":{\"containers\":[{\"name\":\"calico-node\","
			     "\"image\":\"calico/node:v2.6.2\"}]}}");
	json_t *deps = js("[{\"metadata\":{\"name\":\"calico-policy-controller\"}}]");
	json_t *rs15 = js("{\"metadata\":{\"name\":\"calico-policy-controller-2371452063\","
			  "\"labels\":{\"k8s-app\":\"calico-policy-controller\","
			  "\"pod-template-hash\":\"2371452063\"}}}");
	json_t *owned = js("{\"metadata\":{\"name\":\"x\",\"ownerReferences\":[{\"kind\":"
			   "\"Deployment\",\"name\":\"calico-policy-controller\"}]}}");
	json_t *legacy = js("{\"metadata\":{\"name\":\"calico-policy-controller\","
			    "\"labels\":{\"k8s-app\":\"calico-policy-controller\"}}}");
	json_t *other_hash = js("{\"metadata\":{\"name\":\"calico-policy-controller-1\","
				"\"labels\":{\"pod-template-hash\":\"2\"}}}");

	(void)state;
	/* The template generation decides, not the image (a CNI-only change). */
	assert_true(node_roll_pod_current(gen2, 2, "calico/node:v2.6.2"));
	assert_false(node_roll_pod_current(gen2, 3, "calico/node:v2.6.2"));
	/* Without the label (or the DaemonSet's generation): the image. */
	assert_true(node_roll_pod_current(nolabel, 3, "docker.io/calico/node:v2.6.2"));
	assert_false(node_roll_pod_current(nolabel, 3, "calico/node:v2.5.1"));
	assert_true(node_roll_pod_current(gen2, -1, "calico/node:v2.6.2"));
	/* Kubernetes 1.5: no owner references, named DEPLOYMENT-HASH. */
	assert_true(node_roll_replicaset_of_deployment(rs15, deps));
	assert_true(node_roll_replicaset_of_deployment(owned, deps));
	assert_false(node_roll_replicaset_of_deployment(legacy, deps));
	assert_false(node_roll_replicaset_of_deployment(other_hash, deps));
	json_decref(gen2);
	json_decref(nolabel);
	json_decref(deps);
	json_decref(rs15);
	json_decref(owned);
	json_decref(legacy);
	json_decref(other_hash);
}

static void test_node_roll_skew(void **state)
{
	json_t *rolling = js("{\"metadata\":{\"generation\":2},\"status\":{\"observedGeneration\":2,"
			     "\"desiredNumberScheduled\":4,\"updatedNumberScheduled\":1}}");
	json_t *done = js("{\"metadata\":{\"generation\":2},\"status\":{\"observedGeneration\":2,"
			  "\"desiredNumberScheduled\":4,\"updatedNumberScheduled\":4}}");
	json_t *unobserved = js("{\"metadata\":{\"generation\":3},\"status\":{\"observedGeneration\":2,"
				"\"desiredNumberScheduled\":4,\"updatedNumberScheduled\":4}}");
	json_t *no_status = js("{\"metadata\":{\"generation\":1}}");

	(void)state;
	assert_false(node_roll_daemonset_done(rolling));
	assert_true(node_roll_daemonset_done(done));
	assert_false(node_roll_daemonset_done(unobserved));
	assert_false(node_roll_daemonset_done(no_status));
	assert_int_equal(node_roll_skew_severity(true, false), SEV_INFO);
	assert_int_equal(node_roll_skew_severity(true, true), SEV_WARNING);
	assert_int_equal(node_roll_skew_severity(false, false), SEV_WARNING);
	json_decref(rolling);
	json_decref(done);
	json_decref(unobserved);
	json_decref(no_status);
}

static void test_node_roll_parse_time(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_true(node_roll_parse_time("1970-01-01T00:00:00Z", &t));
	assert_int_equal(t, 0);
	assert_true(node_roll_parse_time("2017-10-10T09:08:00Z", &t));
	assert_int_equal(t, 1507626480);
	/* Fractions are dropped; offsets are applied. */
	assert_true(node_roll_parse_time("2017-10-10T09:08:00.987654Z", &t));
	assert_int_equal(t, 1507626480);
	assert_true(node_roll_parse_time("2017-10-10T11:08:00+02:00", &t));
	assert_int_equal(t, 1507626480);
	assert_true(node_roll_parse_time("2017-10-10T04:38:00-04:30", &t));
	assert_int_equal(t, 1507626480);
	assert_false(node_roll_parse_time("2017-10-10T09:08:00", &t));
	assert_false(node_roll_parse_time("2017-10-10 09:08", &t));
	assert_false(node_roll_parse_time("2017-13-10T09:08:00Z", &t));
	assert_false(node_roll_parse_time("2017-10-10T09:08:00Zjunk", &t));
	assert_false(node_roll_parse_time("2017-10-10T09:08:00.Z", &t));
	assert_false(node_roll_parse_time("", &t));
	assert_false(node_roll_parse_time(NULL, &t));
}

static void test_node_roll_config_times(void **state)
{
	json_t *managed = js("{\"metadata\":{\"creationTimestamp\":\"2017-09-01T08:30:00Z\","
			     "\"managedFields\":[{\"manager\":\"kubectl\",\"time\":\"2017-09-01T08:30:00Z\"},"
			     "{\"manager\":\"kubectl-edit\",\"time\":\"2017-10-10T09:08:00Z\"},"
			     "{\"manager\":\"x\",\"time\":\"garbage\"}]}}");
	json_t *created = js("{\"metadata\":{\"creationTimestamp\":\"2017-09-01T08:30:00Z\"}}");
	json_t *none = js("{\"metadata\":{\"name\":\"calico-config\"}}");
	json_t *pod = js("{\"status\":{\"startTime\":\"2017-10-10T09:00:00Z\",\"containerStatuses\":["
			 "{\"name\":\"calico-node\",\"state\":{\"running\":{\"startedAt\":\"2017-10-10T09:10:20Z\"}}},"
			 "{\"name\":\"install-cni\",\"state\":{\"running\":{\"startedAt\":\"2017-10-10T09:01:05Z\"}}}]}}");
	json_t *restarted = js("{\"status\":{\"startTime\":\"2017-09-01T08:31:00Z\",\"containerStatuses\":["
			       "{\"name\":\"calico-node\",\"restartCount\":1,"
			       "\"state\":{\"running\":{\"startedAt\":\"2017-10-10T09:30:00Z\"}}}]}}");
	json_t *waiting = js("{\"status\":{\"startTime\":\"2017-10-10T09:00:00Z\",\"containerStatuses\":["
			     "{\"name\":\"calico-node\",\"state\":{\"waiting\":{\"reason\":\"ContainerCreating\"}}}]}}");
	json_t *pending = js("{\"status\":{\"phase\":\"Pending\"}}");
	const char *text = NULL;
	int64_t changed = 0, started = 0;
	bool exact = false;

	(void)state;
	/* The newest managedFields time is the last change. */
	assert_true(node_roll_config_time(managed, &changed, &exact, &text));
	assert_true(exact);
	assert_string_equal(text, "2017-10-10T09:08:00Z");
	/* Without managedFields only the creation is known: a lower bound. */
	assert_true(node_roll_config_time(created, &changed, &exact, &text));
	assert_false(exact);
	assert_string_equal(text, "2017-09-01T08:30:00Z");
	assert_false(node_roll_config_time(none, &changed, &exact, NULL));

	/* The oldest running container: it read the configuration first. */
	assert_true(node_roll_pod_started(pod, &started, &text));
	assert_string_equal(text, "2017-10-10T09:01:05Z");
	/* A restarted container read the ConfigMap again. */
	assert_true(node_roll_pod_started(restarted, &started, &text));
	assert_string_equal(text, "2017-10-10T09:30:00Z");
	assert_true(node_roll_pod_started(waiting, &started, &text));
	assert_string_equal(text, "2017-10-10T09:00:00Z");
	assert_false(node_roll_pod_started(pending, &started, NULL));

	assert_int_equal(node_roll_config_applied(100, true, 200), NODE_ROLL_CONFIG_APPLIED);
	assert_int_equal(node_roll_config_applied(300, true, 200), NODE_ROLL_CONFIG_NOT_APPLIED);
	/* The same second: either order is possible. */
	assert_int_equal(node_roll_config_applied(200, true, 200), NODE_ROLL_CONFIG_UNPROVEN);
	/* Created before the pod started: it may have changed since. */
	assert_int_equal(node_roll_config_applied(100, false, 200), NODE_ROLL_CONFIG_UNPROVEN);
	/* Created after the pod started (deleted and re-created): proven stale. */
	assert_int_equal(node_roll_config_applied(300, false, 200), NODE_ROLL_CONFIG_NOT_APPLIED);
	json_decref(managed);
	json_decref(created);
	json_decref(none);
	json_decref(pod);
	json_decref(restarted);
	json_decref(waiting);
	json_decref(pending);
}

/* The whole check over a small dump: both controller names running, pods matched by labels. */
static char roll_dir[] = "/tmp/dsck-test-roll-XXXXXX";

static void roll_dump(const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", roll_dir, file);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

#define ROLL_POD(name, node, app, image, extra)                                            \
	"{\"metadata\":{\"name\":\"" name "\",\"labels\":{\"k8s-app\":\"" app "\"}" extra "},"  \
	"\"spec\":{\"nodeName\":\"" node "\",\"containers\":[{\"name\":\"" app "\","          \
	"\"image\":\"" image "\"}]},\"status\":{\"phase\":\"Running\",\"startTime\":"         \
	"\"2017-10-10T09:00:00Z\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}"
#define ROLL_DEP(name, strategy)                                                            \
	"{\"metadata\":{\"name\":\"" name "\"},\"spec\":{\"replicas\":1,\"selector\":{"         \
	"\"matchLabels\":{\"k8s-app\":\"" name "\"}},\"strategy\":{\"type\":\"" strategy "\"}}}"

static void test_node_roll_check(void **state)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct k8s_source src = { .client = NULL, .dir = roll_dir, .max_bytes = 1 << 20 };
	struct node_roll r;

	(void)state;
	assert_non_null(mkdtemp(roll_dir));
	/* No updateStrategy: extensions/v1beta1 defaults to OnDelete. */
	roll_dump("daemonsets.json", "{\"items\":[{\"apiVersion\":\"extensions/v1beta1\","
		  "\"metadata\":{\"name\":\"calico-node\"},\"spec\":{\"selector\":{\"matchLabels\":"
		  "{\"k8s-app\":\"calico-node\"}},\"template\":{\"spec\":{\"containers\":[{\"name\":"
		  "\"calico-node\",\"image\":\"calico/node:v2.6.2\"}]}}}}]}");
	/* Pods from before owner references: matched by the selectors' labels. */
	roll_dump("pods.json", "{\"items\":["
		  ROLL_POD("calico-node-a", "n1", "calico-node", "docker.io/calico/node:v2.6.2", "") ","
		  ROLL_POD("calico-node-b", "n2", "calico-node", "calico/node:v2.5.1", "") ","
		  ROLL_POD("kc-1", "n1", "calico-kube-controllers", "calico/kube-controllers:v1.0.0", "") ","
		  ROLL_POD("pc-1", "n2", "calico-policy-controller", "calico/kube-policy-controller:v0.7.0", "") ","
		  ROLL_POD("pc-old", "n2", "calico-policy-controller", "calico/kube-policy-controller:v0.7.0",
			   ",\"deletionTimestamp\":\"2017-10-10T09:00:00Z\"") "]}");
	roll_dump("deployments.json", "{\"items\":[" ROLL_DEP("calico-kube-controllers", "Recreate") ","
		  ROLL_DEP("calico-policy-controller", "Recreate") "]}");
	roll_dump("replicasets.json", "{\"items\":[]}");
	/* Nodes not served (nodes.json missing): cannot check, naming the dump. */
	node_roll_init(&r);
	assert_int_equal(check_node_roll(&src, &r, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, "nodes.json' is missing or empty"));
	assert_non_null(strstr(err.msg, "kubectl get nodes -o json"));
	node_roll_release(&r);
	dsck_error_clear(&err);
	roll_dump("nodes.json", "{\"items\":[{\"metadata\":{\"name\":\"n1\"}},"
		  "{\"metadata\":{\"name\":\"n2\"}}]}");
	node_roll_init(&r);
	assert_int_equal(check_node_roll(&src, &r, &err), DSCK_OK);
	assert_true(r.nodes_read);
	assert_string_equal(r.update_strategy, "OnDelete");
	assert_int_equal(r.phase, NODE_ROLL_ROLLING);
	assert_int_equal(r.n_nodes, 2);
	assert_int_equal(r.n_updated, 1);
	assert_int_equal(r.n_images, 2);
	assert_true(r.images[0].desired);
	assert_string_equal(r.images[0].nodes[0], "n1");
	assert_string_equal(r.images[1].image, "calico/node:v2.5.1");
	assert_int_equal(r.n_controllers, 2);
	assert_int_equal(r.controllers[1].running, 1);   /* the terminating pod does not count */
	assert_int_equal(findings_count(&r.findings, "controller-replicas"), 1);
	assert_int_equal(findings_count(&r.findings, "daemonset-version-skew"), 1);
	assert_int_equal(findings_count(&r.findings, "daemonset-update-strategy"), 1);
	assert_int_equal(findings_count(&r.findings, "node-not-cordoned"), 0);
	assert_int_equal(findings_count(&r.findings, "config-not-applied"), 0);  /* no ConfigMap */
	assert_false(findings_ok(&r.findings));
	node_roll_release(&r);

	/* No calico-node DaemonSet: cannot check, not OK. */
	roll_dump("daemonsets.json", "{\"items\":[]}");
	node_roll_init(&r);
	assert_int_equal(check_node_roll(&src, &r, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, "no calico-node (or canal) DaemonSet"));
	node_roll_release(&r);
	dsck_error_clear(&err);
	/* Nothing served at all: cannot check. */
	for (int i = 0; i < K8S_RES__COUNT; i++) {
		char path[256];

		snprintf(path, sizeof(path), "%s/%s", roll_dir, k8s_resource(i)->file);
		unlink(path);
	}
	node_roll_init(&r);
	assert_int_equal(check_node_roll(&src, &r, &err), DSCK_ERR_INPUT);
	assert_int_equal(r.findings.n, 0);
	node_roll_release(&r);
	rmdir(roll_dir);
}

/* The shared accessors: malformed items read as "", never NULL (no crash on a bad dump). */
static void test_accessors(void **state)
{
	json_t *items = json_loads("[{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\"},"
				   "\"x\":\"s\",\"n\":1},{\"metadata\":{\"name\":7}},"
				   "{\"spec\":{}},{\"metadata\":{\"name\":\"b\"}}]", 0, NULL);
	json_t *idx;

	(void)state;
	assert_non_null(items);
	assert_string_equal(k8s_name(json_array_get(items, 0)), "a");
	assert_string_equal(k8s_namespace(json_array_get(items, 0)), "ns");
	assert_string_equal(k8s_name(json_array_get(items, 1)), "");    /* not a string */
	assert_string_equal(k8s_name(json_array_get(items, 2)), "");    /* no metadata */
	assert_string_equal(k8s_namespace(json_array_get(items, 3)), "");
	assert_string_equal(k8s_str(json_array_get(items, 0), "x"), "s");
	assert_string_equal(k8s_str(json_array_get(items, 0), "n"), ""); /* a number */
	assert_string_equal(k8s_str(NULL, "x"), "");
	idx = k8s_index_by_name(items);
	assert_non_null(idx);
	/* "a", "b" and "" (the nameless items share it; the last one wins). */
	assert_int_equal(json_object_size(idx), 3);
	assert_ptr_equal(json_object_get(idx, "b"), json_array_get(items, 3));
	assert_ptr_equal(json_object_get(idx, ""), json_array_get(items, 2));
	json_decref(idx);
	json_decref(items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_kubeconfig_token_and_current_context),
		cmocka_unit_test(test_kubeconfig_token_file),
		cmocka_unit_test(test_kubeconfig_client_cert_data),
		cmocka_unit_test(test_kubeconfig_basic_auth),
		cmocka_unit_test(test_kubeconfig_errors),
		cmocka_unit_test(test_kubeconfig_unknown_keys_ignored),
		cmocka_unit_test(test_ippool_json_string_vs_structured_spec),
		cmocka_unit_test(test_ippool_ipv6_zero_values_omitted),
		cmocka_unit_test(test_ippool_unparseable),
		cmocka_unit_test(test_bgp_peer_ip_from_name),
		cmocka_unit_test(test_bgp_peer_compare),
		cmocka_unit_test(test_config_compare),
		cmocka_unit_test(test_image_version),
		cmocka_unit_test(test_annotation_parse),
		cmocka_unit_test(test_default_deny_policy),
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_scope),
		cmocka_unit_test(test_dumps),
		cmocka_unit_test(test_api_version),
		cmocka_unit_test(test_node_roll_image_equal),
		cmocka_unit_test(test_node_roll_container),
		cmocka_unit_test(test_node_roll_cordon_state),
		cmocka_unit_test(test_node_roll_skew),
		cmocka_unit_test(test_node_roll_template),
		cmocka_unit_test(test_node_roll_parse_time),
		cmocka_unit_test(test_node_roll_config_times),
		cmocka_unit_test(test_node_roll_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
