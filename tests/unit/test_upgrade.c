/*
 * Unit tests of calico/upgrade.h: the name rules with the inputs and outputs
 * of the upstream converter test tables (libcalico-go
 * lib/upgrade/converters/names_test.go), and each converter fed v1 records
 * and compared with a v3 object written out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calico/upgrade.h"

/* ---------------------------------------------------------------- name rules */

struct name_case {
	const char *in, *out;
	bool qualified;
};

/* names_test.go: namesTable (convertName). */
static const struct name_case names[] = {
	{ "abcdef", "abcdef", false }, { "Abcdef", "abcdef", true },
	{ "abc-def", "abc-def", false }, { "abc---def", "abc---def", false },
	{ "abc/def", "abc.def", true }, { "abc$$def", "abc-def", true },
	{ "abc$!$def", "abc-def", true }, { "abc..def", "abc.def", true },
	{ "abc...def", "abc.def", true }, { "abc.-def", "abc.def", true },
	{ "abc.-.def", "abc.def", true }, { "abc-.def", "abc.def", true },
	{ "abc-.-def", "abc.def", true }, { "aBcDe019", "abcde019", true },
	{ "abc$def", "abc-def", true }, { "-abc.def", "abc.def", true },
	{ "abc.def-", "abc.def", true }, { ".abc.def", "abc.def", true },
	{ "abc.def.", "abc.def", true }, { "-.abc.def", "abc.def", true },
	{ "abc.def.-", "abc.def", true }, { "$ABC/DeF-123.-456!", "abc.def-123.456", true },
};

/* names_test.go: namesNoDotsTable (convertNameNoDots). */
static const struct name_case names_no_dots[] = {
	{ "abcdef", "abcdef", false }, { "Abcdef", "abcdef", true },
	{ "abc-def", "abc-def", false }, { "abc---def", "abc---def", false },
	{ "abc/def", "abc-def", true }, { "abc..def", "abc-def", true },
	{ "abc...def", "abc-def", true }, { "abc.-def", "abc-def", true },
	{ "abc.-.def", "abc-def", true }, { "abc-.def", "abc-def", true },
	{ "abc-.-def", "abc-def", true }, { "aBcDe019", "abcde019", true },
	{ "abc$def", "abc-def", true }, { "-abc.def", "abc-def", true },
	{ "abc.def-", "abc-def", true }, { ".abc.def", "abc-def", true },
	{ "abc.def.", "abc-def", true }, { "-.abc.def", "abc-def", true },
	{ "abc.def.-", "abc-def", true }, { "$ABC/DeF-123.-456!", "abc-def-123-456", true },
};

/* names_test.go: nodeNamesTable (ConvertNodeName: normalised, never qualified). */
static const struct name_case node_names[] = {
	{ "abc-def", "abc-def" }, { "abc---def", "abc---def" }, { "abc/def", "abc.def" },
	{ "abc$$def", "abc-def" }, { "abc$!$def", "abc-def" }, { "abc..def", "abc.def" },
	{ "abc...def", "abc.def" }, { "abc.-def", "abc.def" }, { "abc.-.def", "abc.def" },
	{ "abc-.def", "abc.def" }, { "abc-.-def", "abc.def" }, { "aBcDe019", "abcde019" },
	{ "abc$def", "abc-def" }, { "-abc.def", "abc.def" }, { "abc.def-", "abc.def" },
	{ ".abc.def", "abc.def" }, { "abc.def.", "abc.def" }, { "-.abc.def", "abc.def" },
	{ "abc.def.-", "abc.def" }, { "$ABC/DEF-123.-456!", "abc.def-123.456" },
};

static void upper(const char *in, char *out, size_t cap)
{
	size_t i = 0;

	for (; in[i] && i + 1 < cap; i++)
		out[i] = (char)toupper((unsigned char)in[i]);
	out[i] = '\0';
}

/* The upstream table test: exact name, or "<name>-<8 hex>" whose qualifier
 * changes with the input (the upper-case variant gets another one). */
static void check_table(const struct name_case *t, size_t n,
			bool (*fn)(const char *, char *, size_t))
{
	regex_t re;

	assert_int_equal(regcomp(&re, "^-[0-9a-f]{8}$", REG_EXTENDED | REG_NOSUB), 0);
	for (size_t i = 0; i < n; i++) {
		char out[UPGRADE_NAME_MAX], up[UPGRADE_NAME_MAX], out2[UPGRADE_NAME_MAX];
		size_t len;

		assert_true(fn(t[i].in, out, sizeof(out)));
		if (!t[i].qualified) {
			assert_string_equal(out, t[i].out);
			continue;
		}
		len = strlen(out);
		assert_true(len > 9);
		assert_int_equal(len - 9, strlen(t[i].out));
		assert_memory_equal(out, t[i].out, len - 9);
		assert_int_equal(regexec(&re, out + len - 9, 0, NULL, 0), 0);
		upper(t[i].in, up, sizeof(up));
		assert_true(fn(up, out2, sizeof(out2)));
		assert_memory_equal(out2, t[i].out, len - 9);
		assert_string_not_equal(out, out2);
	}
	regfree(&re);
}

static void test_convert_name(void **state)
{
	(void)state;
	check_table(names, sizeof(names) / sizeof(names[0]), upgrade_convert_name);
}

static void test_convert_name_no_dots(void **state)
{
	(void)state;
	check_table(names_no_dots, sizeof(names_no_dots) / sizeof(names_no_dots[0]),
		    upgrade_convert_name_no_dots);
}

static void test_node_names(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(node_names) / sizeof(node_names[0]); i++) {
		char out[UPGRADE_NAME_MAX];

		assert_true(upgrade_normalize_name(node_names[i].in, out, sizeof(out)));
		assert_string_equal(out, node_names[i].out);
	}
}

/* Qualifiers are SHA-1(original)[:8]; values from the reference examples. */
static void test_qualifiers(void **state)
{
	char out[UPGRADE_NAME_MAX];

	(void)state;
	assert_true(upgrade_convert_name_no_dots("My_Policy", out, sizeof(out)));
	assert_string_equal(out, "my-policy-25c5e100");
	assert_true(upgrade_convert_name_no_dots("Web.Frontend", out, sizeof(out)));
	assert_string_equal(out, "web-frontend-a0af6ed9");
	assert_true(upgrade_profile_name("Web_Tier", out, sizeof(out)));
	assert_string_equal(out, "web-tier-38278387");
	assert_true(upgrade_profile_name("k8s_ns.default", out, sizeof(out)));
	assert_string_equal(out, "kns.default");
	assert_false(upgrade_convert_name("abc", out, 3));
}

/* names_test.go: ipToNameTable, and the v3.0 pool names. */
static void test_ip_and_pool_names(void **state)
{
	char out[UPGRADE_NAME_MAX];

	(void)state;
	assert_true(upgrade_ip_name("192.168.0.1", out, sizeof(out)));
	assert_string_equal(out, "192-168-0-1");
	assert_true(upgrade_ip_name("Aa:bb::", out, sizeof(out)));
	assert_string_equal(out, "00aa-00bb-0000-0000-0000-0000-0000-0000");
	assert_true(upgrade_ip_name("0Aa:bb::50", out, sizeof(out)));
	assert_string_equal(out, "00aa-00bb-0000-0000-0000-0000-0000-0050");
	assert_true(upgrade_ip_name("2006::2:1", out, sizeof(out)));
	assert_string_equal(out, "2006-0000-0000-0000-0000-0000-0002-0001");
	assert_false(upgrade_ip_name("not-an-ip", out, sizeof(out)));
	assert_true(upgrade_pool_name("192.168.0.0/16", out, sizeof(out)));
	assert_string_equal(out, "192-168-0-0-16");
	assert_true(upgrade_pool_name("fd80:24e2:f998:72d6::/64", out, sizeof(out)));
	assert_string_equal(out, "fd80-24e2-f998-72d6---64");
	assert_false(upgrade_pool_name("10.0.0.0/33", out, sizeof(out)));
}

static void test_wep_names(void **state)
{
	char out[UPGRADE_NAME_MAX];

	(void)state;
	assert_true(upgrade_wep_name("node-1", "k8s", "nginx-abc", "eth0", out, sizeof(out)));
	assert_string_equal(out, "node--1-k8s-nginx--abc-eth0");
	assert_true(upgrade_wep_name("host", "cni", "0123abcd", "eth0", out, sizeof(out)));
	assert_string_equal(out, "host-cni-0123abcd-eth0");
	assert_true(upgrade_wep_name("h-1", "libnetwork", "libnetwork", "ep-9", out, sizeof(out)));
	assert_string_equal(out, "h--1-libnetwork-libnetwork-ep--9");
	assert_false(upgrade_wep_name("node-1", "k8s", "pod", "eth0", out, 10));
}

static void test_selector(void **state)
{
	char *s = upgrade_selector("calico/k8s_ns == 'a' || calico/k8s_ns == 'b'");

	(void)state;
	assert_string_equal(s, "projectcalico.org/namespace == 'a' || "
			       "projectcalico.org/namespace == 'b'");
	free(s);
}

/* ---------------------------------------------------------------- converters */

struct result {
	json_t *objects;     /* v3 key -> value */
	json_t *notes;       /* v1 key -> "error: ..." etc */
};

static enum dsck_err on_object(void *ctx, const struct upgrade_object *o, struct dsck_error *err)
{
	struct result *r = ctx;

	(void)err;
	json_object_set(r->objects, o->v3_key, o->doc);
	return DSCK_OK;
}

static enum dsck_err on_note(void *ctx, enum upgrade_note_kind kind, const char *v1_key,
			     const char *detail, struct dsck_error *err)
{
	static const char *const names_[] = { "error", "skipped", "dropped", "unchecked",
					      "semantics" };
	struct result *r = ctx;
	char text[1024];

	(void)err;
	snprintf(text, sizeof(text), "%s: %s", names_[kind], detail);
	json_object_set_new(r->notes, v1_key, json_string(text));
	return DSCK_OK;
}

struct kv {
	const char *key, *value;   /* value NULL: a directory */
};

static int kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kv *)a)->key, ((const struct kv *)b)->key);
}

/* Feed @n records (any order: sorted here, as sources give them). */
static void convert(struct kv *kvs, size_t n, struct result *r)
{
	struct upgrade_sink sink = { on_object, on_note, r };
	struct dsck_error err = DSCK_ERROR_INIT;
	struct upgrade u;

	r->objects = json_object();
	r->notes = json_object();
	qsort(kvs, n, sizeof(*kvs), kv_cmp);
	upgrade_init(&u, &sink);
	for (size_t i = 0; i < n; i++) {
		struct dsck_record rec = { .key = kvs[i].key, .key_len = strlen(kvs[i].key),
					   .value = kvs[i].value,
					   .value_len = kvs[i].value ? strlen(kvs[i].value) : 0,
					   .dir = !kvs[i].value };

		assert_int_equal(upgrade_add(&u, &rec, &err), DSCK_OK);
	}
	assert_int_equal(upgrade_finish(&u, &err), DSCK_OK);
	upgrade_release(&u);
}

static void result_release(struct result *r)
{
	json_decref(r->objects);
	json_decref(r->notes);
}

/* The object at @key equals @want (empties and defaults aside, see upgrade_canonical). */
static void expect_object(struct result *r, const char *key, const char *want)
{
	json_error_t e;
	json_t *w = json_loads(want, 0, &e), *got = json_object_get(r->objects, key);
	json_t *cw, *cg;
	char diff[1024];

	if (!w)
		fail_msg("bad expected JSON for %s: %s", key, e.text);
	if (!got) {
		char *all = json_dumps(r->objects, JSON_INDENT(1));

		fail_msg("no object at %s; have %s", key, all);
	}
	cw = upgrade_canonical(w, strncmp(key, "/calico/ipam/", 13) == 0);
	cg = upgrade_canonical(got, strncmp(key, "/calico/ipam/", 13) == 0);
	if (!json_equal(cw, cg)) {
		char *text = json_dumps(got, JSON_SORT_KEYS);

		upgrade_diff(cw, cg, diff, sizeof(diff));
		fail_msg("%s differs in %s: %s", key, diff, text);
	}
	json_decref(w);
	json_decref(cw);
	json_decref(cg);
}

static void expect_note(struct result *r, const char *v1_key, const char *start)
{
	const char *n = json_string_value(json_object_get(r->notes, v1_key));

	if (!n || strncmp(n, start, strlen(start)) != 0)
		fail_msg("note for %s: want '%s...', have '%s'", v1_key, start, n ? n : "(none)");
}

static void test_policy(void **state)
{
	struct kv kvs[] = {
		{ "/calico/v1/policy/tier/default/policy/My_Policy",
		  "{\"order\":100,\"selector\":\"calico/k8s_ns == 'prod' && role == 'db'\","
		  "\"inbound_rules\":[{\"action\":\"allow\",\"protocol\":\"tcp\",\"src_tag\":\"frontend\","
		  "\"src_selector\":\"calico/k8s_ns == 'prod'\",\"dst_ports\":[5432]},"
		  "{\"action\":\"next-tier\",\"src_net\":\"10.1.2.3/16\",\"icmp_type\":8}],"
		  "\"outbound_rules\":[{\"action\":\"deny\",\"!dst_nets\":[\"192.168.7.1/24\"]}]}" },
		{ "/calico/v1/policy/tier/default/policy/edge.prednat",
		  "{\"order\":10,\"selector\":\"role == 'edge'\",\"pre_dnat\":true,"
		  "\"inbound_rules\":[{\"action\":\"deny\",\"dst_nets\":[\"10.0.0.0/8\"]}],"
		  "\"outbound_rules\":[]}" },
		{ "/calico/v1/policy/tier/default/policy/raw",
		  "{\"selector\":\"all()\",\"untracked\":true,\"types\":[\"egress\"],"
		  "\"inbound_rules\":[],\"outbound_rules\":[{\"action\":\"allow\"}]}" },
		{ "/calico/v1/policy/tier/default/policy/knp.default.prod.allow-db",
		  "{\"selector\":\"a == 'b'\",\"inbound_rules\":[],\"outbound_rules\":[]}" },
		{ "/calico/v1/policy/tier/k8s-network-policy/policy/old",
		  "{\"selector\":\"a == 'b'\",\"inbound_rules\":[],\"outbound_rules\":[]}" },
		{ "/calico/v1/policy/tier/default/policy/badtype",
		  "{\"selector\":\"\",\"types\":[\"sideways\"],\"inbound_rules\":[],"
		  "\"outbound_rules\":[]}" },
		{ "/calico/v1/policy/tier/default/policy/badnet",
		  "{\"selector\":\"\",\"inbound_rules\":[{\"src_nets\":[\"10.0.0.0/40\"]}],"
		  "\"outbound_rules\":[]}" },
	};
	struct result r;

	(void)state;
	convert(kvs, sizeof(kvs) / sizeof(kvs[0]), &r);
	expect_object(&r, "/calico/resources/v3/projectcalico.org/globalnetworkpolicies/"
			  "default.my-policy-25c5e100",
		      "{\"kind\":\"GlobalNetworkPolicy\",\"apiVersion\":\"projectcalico.org/v3\","
		      "\"metadata\":{\"name\":\"default.my-policy-25c5e100\"},"
		      "\"spec\":{\"order\":100,"
		      "\"selector\":\"projectcalico.org/namespace == 'prod' && role == 'db'\","
		      "\"types\":[\"Ingress\",\"Egress\"],"
		      "\"ingress\":[{\"action\":\"Allow\",\"protocol\":\"TCP\","
		      "\"source\":{\"selector\":\"(calico/k8s_ns == 'prod') && frontend == ''\"},"
		      "\"destination\":{\"ports\":[5432]}},"
		      "{\"action\":\"Pass\",\"icmp\":{\"type\":8},"
		      "\"source\":{\"nets\":[\"10.1.0.0/16\"]}}],"
		      "\"egress\":[{\"action\":\"Deny\","
		      "\"destination\":{\"notNets\":[\"192.168.7.0/24\"]}}]}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/globalnetworkpolicies/"
			  "default.edge-prednat-c7d3339c",
		      "{\"kind\":\"GlobalNetworkPolicy\",\"metadata\":{\"name\":"
		      "\"default.edge-prednat-c7d3339c\"},\"spec\":{\"order\":10,"
		      "\"selector\":\"role == 'edge'\",\"preDNAT\":true,\"applyOnForward\":true,"
		      "\"types\":[\"Ingress\"],\"ingress\":[{\"action\":\"Deny\","
		      "\"destination\":{\"nets\":[\"10.0.0.0/8\"]}}]}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/globalnetworkpolicies/default.raw",
		      "{\"kind\":\"GlobalNetworkPolicy\",\"metadata\":{\"name\":\"default.raw\"},"
		      "\"spec\":{\"selector\":\"all()\",\"doNotTrack\":true,\"applyOnForward\":true,"
		      "\"types\":[\"Egress\"],\"egress\":[{\"action\":\"Allow\"}]}}");
	/* The canonical form reads both spellings alike; the converter keeps v1's in rules. */
	assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(
		json_object_get(json_object_get(json_object_get(r.objects,
			"/calico/resources/v3/projectcalico.org/globalnetworkpolicies/"
			"default.my-policy-25c5e100"), "spec"), "ingress"), 0), "source"), "selector")),
		"(calico/k8s_ns == 'prod') && frontend == ''");
	expect_note(&r, "/calico/v1/policy/tier/default/policy/My_Policy",
		    "semantics: a rule selector names calico/k8s_ns");
	expect_note(&r, "/calico/v1/policy/tier/default/policy/knp.default.prod.allow-db",
		    "skipped:");
	expect_note(&r, "/calico/v1/policy/tier/k8s-network-policy/policy/old", "dropped:");
	expect_note(&r, "/calico/v1/policy/tier/default/policy/badtype",
		    "error: invalid policy type 'sideways'");
	expect_note(&r, "/calico/v1/policy/tier/default/policy/badnet", "error: invalid CIDR");
	assert_int_equal(json_object_size(r.objects), 3);
	result_release(&r);
}

static void test_profile(void **state)
{
	struct kv kvs[] = {
		{ "/calico/v1/policy/profile/Web_Tier/tags", "[\"web\"]" },
		{ "/calico/v1/policy/profile/Web_Tier/labels", "{\"tier\":\"frontend\"}" },
		{ "/calico/v1/policy/profile/Web_Tier/rules",
		  "{\"inbound_rules\":[{\"action\":\"allow\",\"src_tag\":\"web\"}],"
		  "\"outbound_rules\":[{\"action\":\"allow\"}]}" },
		{ "/calico/v1/policy/profile/k8s_ns.default/tags", "[]" },
		{ "/calico/v1/policy/profile/k8s_ns.default/labels", "{}" },
		{ "/calico/v1/policy/profile/k8s_ns.default/rules",
		  "{\"inbound_rules\":[],\"outbound_rules\":[]}" },
		{ "/calico/v1/policy/profile/clash/tags", "[\"role\"]" },
		{ "/calico/v1/policy/profile/clash/labels", "{\"role\":\"x\"}" },
		{ "/calico/v1/policy/profile/clash/rules", "{\"inbound_rules\":[],\"outbound_rules\":[]}" },
	};
	struct result r;

	(void)state;
	convert(kvs, sizeof(kvs) / sizeof(kvs[0]), &r);
	expect_object(&r, "/calico/resources/v3/projectcalico.org/profiles/web-tier-38278387",
		      "{\"kind\":\"Profile\",\"metadata\":{\"name\":\"web-tier-38278387\"},"
		      "\"spec\":{\"labelsToApply\":{\"tier\":\"frontend\",\"web\":\"\"},"
		      "\"ingress\":[{\"action\":\"Allow\",\"source\":{\"selector\":\"web == ''\"}}],"
		      "\"egress\":[{\"action\":\"Allow\"}]}}");
	expect_note(&r, "/calico/v1/policy/profile/k8s_ns.default", "skipped:");
	expect_note(&r, "/calico/v1/policy/profile/clash", "error: tag 'role' and label 'role'");
	assert_int_equal(json_object_size(r.objects), 1);
	result_release(&r);
}

static void test_endpoints(void **state)
{
	struct kv kvs[] = {
		{ "/calico/v1/host/Node_1/workload/k8s/default.nginx-abc/endpoint/eth0",
		  "{\"state\":\"active\",\"name\":\"calic611c731f42\",\"active_instance_id\":\"3f1e5c\","
		  "\"mac\":\"6a:1f:0c:44:b2:90\",\"profile_ids\":[\"k8s_ns.default\"],"
		  "\"ipv4_nets\":[\"192.168.12.5/32\"],\"ipv6_nets\":[\"fd80::5/128\"],"
		  "\"labels\":{\"app\":\"nginx\",\"calico/k8s_ns\":\"default\"}}" },
		{ "/calico/v1/host/Node_1/workload/k8s/nonamespace/endpoint/eth0",
		  "{\"state\":\"active\",\"name\":\"cali1\",\"profile_ids\":[],\"ipv4_nets\":[],"
		  "\"ipv6_nets\":[]}" },
		{ "/calico/v1/host/Node_1/workload/openstack/vm-1/endpoint/tap1",
		  "{\"state\":\"active\",\"name\":\"tap1\",\"profile_ids\":[],\"ipv4_nets\":[],"
		  "\"ipv6_nets\":[]}" },
		{ "/calico/v1/host/Node_1/workload/libnetwork/libnetwork/endpoint/ep-9",
		  "{\"state\":\"active\",\"name\":\"cali9\",\"profile_ids\":[\"Web_Tier\"],"
		  "\"ipv4_nets\":[\"10.0.0.9/32\"],\"ipv6_nets\":[]}" },
		{ "/calico/v1/host/Node_1/endpoint/eth0",
		  "{\"name\":\"eth0\",\"expected_ipv4_addrs\":[\"10.0.0.11\"],"
		  "\"labels\":{\"role\":\"edge\",\"calico/k8s_ns\":\"x\"},\"profile_ids\":[\"edge\"]}" },
	};
	struct result r;

	(void)state;
	convert(kvs, sizeof(kvs) / sizeof(kvs[0]), &r);
	expect_object(&r, "/calico/resources/v3/projectcalico.org/workloadendpoints/default/"
			  "node--1-k8s-nginx--abc-eth0",
		      "{\"kind\":\"WorkloadEndpoint\",\"metadata\":{\"name\":"
		      "\"node--1-k8s-nginx--abc-eth0\",\"namespace\":\"default\",\"labels\":"
		      "{\"app\":\"nginx\",\"projectcalico.org/namespace\":\"default\"}},"
		      "\"spec\":{\"orchestrator\":\"k8s\",\"node\":\"node-1\",\"pod\":\"nginx-abc\","
		      "\"containerID\":\"3f1e5c\",\"endpoint\":\"eth0\","
		      "\"ipNetworks\":[\"192.168.12.5/32\",\"fd80::5/128\"],"
		      "\"profiles\":[\"kns.default\"],\"interfaceName\":\"calic611c731f42\","
		      "\"mac\":\"6a:1f:0c:44:b2:90\"}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/workloadendpoints/default/"
			  "node--1-libnetwork-libnetwork-ep--9",
		      "{\"kind\":\"WorkloadEndpoint\",\"metadata\":{\"name\":"
		      "\"node--1-libnetwork-libnetwork-ep--9\",\"namespace\":\"default\"},"
		      "\"spec\":{\"orchestrator\":\"libnetwork\",\"workload\":\"libnetwork\","
		      "\"node\":\"node-1\",\"endpoint\":\"ep-9\",\"ipNetworks\":[\"10.0.0.9/32\"],"
		      "\"profiles\":[\"web-tier-38278387\"],\"interfaceName\":\"cali9\"}}");
	/* Host endpoint labels keep calico/k8s_ns. */
	expect_object(&r, "/calico/resources/v3/projectcalico.org/hostendpoints/node-1.eth0",
		      "{\"kind\":\"HostEndpoint\",\"metadata\":{\"name\":\"node-1.eth0\","
		      "\"labels\":{\"role\":\"edge\",\"calico/k8s_ns\":\"x\"}},"
		      "\"spec\":{\"node\":\"node-1\",\"interfaceName\":\"eth0\","
		      "\"expectedIPs\":[\"10.0.0.11\"],\"profiles\":[\"edge\"]}}");
	expect_note(&r, "/calico/v1/host/Node_1/workload/k8s/nonamespace/endpoint/eth0",
		    "error: malformed k8s workload ID 'nonamespace'");
	expect_note(&r, "/calico/v1/host/Node_1/workload/openstack/vm-1/endpoint/tap1", "skipped:");
	result_release(&r);
}

static void test_node_and_config(void **state)
{
	struct kv kvs[] = {
		{ "/calico/v1/Ready", "true" },
		{ "/calico/v1/config/CalicoVersion", "v2.6.5" },
		{ "/calico/v1/config/ClusterGUID", "7d3b0c6e2f7a4f61b9a0e3c1d2f4a5b6" },
		{ "/calico/v1/config/ClusterType", "k8s,bgp" },
		{ "/calico/v1/config/LogSeverityScreen", "warning" },
		{ "/calico/v1/config/ReportingIntervalSecs", "0" },
		{ "/calico/v1/config/RouteRefreshInterval", "90" },
		{ "/calico/v1/config/IptablesLockProbeIntervalMillis", "50" },
		{ "/calico/v1/config/FailsafeInboundHostPorts", "tcp:22, udp:68, 179" },
		{ "/calico/v1/config/IpInIpEnabled", "true" },
		{ "/calico/v1/config/SomethingNew", "x" },
		{ "/calico/v1/host/Node_1", NULL },
		{ "/calico/v1/host/Node_1/metadata", "{}" },
		{ "/calico/v1/host/Node_1/bird_ip", "10.0.0.11" },
		{ "/calico/v1/host/Node_1/orchestrator_refs",
		  "[{\"orchestrator\":\"k8s\",\"nodeName\":\"Node_1\"}]" },
		{ "/calico/v1/host/Node_1/config/DefaultEndpointToHostAction", "RETURN" },
		{ "/calico/v1/host/Node_1/config/IpInIpTunnelAddr", "192.168.12.0" },
		{ "/calico/v1/host/old-python", NULL },
		{ "/calico/bgp/v1/host/Node_1/ip_addr_v4", "10.0.0.11" },
		{ "/calico/bgp/v1/host/Node_1/ip_addr_v6", "" },
		{ "/calico/bgp/v1/host/Node_1/network_v4", "10.0.0.0/24" },
		{ "/calico/bgp/v1/host/Node_1/as_num", "64513" },
		{ "/calico/bgp/v1/host/Node_1/peer_v6/2006::2:1", "{\"ip\":\"2006::2:1\",\"as_num\":\"65001\"}" },
		{ "/calico/bgp/v1/host/bgp-only/ip_addr_v4", "10.0.0.99" },
		{ "/calico/bgp/v1/global/as_num", "64512" },
		{ "/calico/bgp/v1/global/node_mesh", "{\"enabled\":false}" },
		{ "/calico/bgp/v1/global/loglevel", "none" },
		{ "/calico/bgp/v1/global/peer_v4/192.168.1.1", "{\"ip\":\"192.168.1.1\",\"as_num\":\"64567\"}" },
		{ "/calico/v1/ipam/v4/pool/192.168.0.0-16",
		  "{\"cidr\":\"192.168.0.0/16\",\"ipip\":\"tunl0\",\"ipip_mode\":\"cross-subnet\","
		  "\"masquerade\":true,\"ipam\":true,\"disabled\":false}" },
		{ "/calico/v1/ipam/v6/pool/fd80:24e2:f998:72d6::-64",
		  "{\"cidr\":\"fd80:24e2:f998:72d6::/64\",\"ipip\":\"\",\"ipip_mode\":\"\","
		  "\"masquerade\":false,\"ipam\":true,\"disabled\":false}" },
	};
	struct result r;

	(void)state;
	convert(kvs, sizeof(kvs) / sizeof(kvs[0]), &r);
	expect_object(&r, "/calico/resources/v3/projectcalico.org/nodes/node-1",
		      "{\"kind\":\"Node\",\"metadata\":{\"name\":\"node-1\"},\"spec\":{\"bgp\":"
		      "{\"ipv4Address\":\"10.0.0.11/24\",\"asNumber\":64513,"
		      "\"ipv4IPIPTunnelAddr\":\"192.168.12.0\"},"
		      "\"orchRefs\":[{\"nodeName\":\"Node_1\",\"orchestrator\":\"k8s\"}]}}");
	/* Every host directory is a node, with or without metadata; BGP keys alone are not. */
	expect_object(&r, "/calico/resources/v3/projectcalico.org/nodes/old-python",
		      "{\"kind\":\"Node\",\"metadata\":{\"name\":\"old-python\"},\"spec\":{}}");
	assert_null(json_object_get(r.objects, "/calico/resources/v3/projectcalico.org/nodes/bgp-only"));
	expect_object(&r, "/calico/resources/v3/projectcalico.org/felixconfigurations/node.node-1",
		      "{\"kind\":\"FelixConfiguration\",\"metadata\":{\"name\":\"node.node-1\"},"
		      "\"spec\":{\"defaultEndpointToHostAction\":\"RETURN\"}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/felixconfigurations/default",
		      "{\"kind\":\"FelixConfiguration\",\"metadata\":{\"name\":\"default\"},"
		      "\"spec\":{\"logSeverityScreen\":\"Warning\",\"reportingInterval\":\"0s\","
		      "\"routeRefreshInterval\":\"1m30s\",\"iptablesLockProbeInterval\":\"50ms\","
		      "\"ipipEnabled\":true,\"failsafeInboundHostPorts\":["
		      "{\"protocol\":\"TCP\",\"port\":22},{\"protocol\":\"UDP\",\"port\":68},"
		      "{\"protocol\":\"TCP\",\"port\":179}]}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/clusterinformations/default",
		      "{\"kind\":\"ClusterInformation\",\"metadata\":{\"name\":\"default\"},"
		      "\"spec\":{\"clusterGUID\":\"7d3b0c6e2f7a4f61b9a0e3c1d2f4a5b6\","
		      "\"clusterType\":\"k8s,bgp\",\"calicoVersion\":\"v2.6.5\","
		      "\"datastoreReady\":false}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/bgpconfigurations/default",
		      "{\"kind\":\"BGPConfiguration\",\"metadata\":{\"name\":\"default\"},"
		      "\"spec\":{\"asNumber\":64512,\"logSeverityScreen\":\"Info\"}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/bgppeers/192-168-1-1",
		      "{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":\"192-168-1-1\"},"
		      "\"spec\":{\"peerIP\":\"192.168.1.1\",\"asNumber\":64567}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/bgppeers/"
			  "node-1.2006-0000-0000-0000-0000-0000-0002-0001",
		      "{\"kind\":\"BGPPeer\",\"metadata\":{\"name\":"
		      "\"node-1.2006-0000-0000-0000-0000-0000-0002-0001\"},"
		      "\"spec\":{\"node\":\"node-1\",\"peerIP\":\"2006::2:1\",\"asNumber\":65001}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/ippools/192-168-0-0-16",
		      "{\"kind\":\"IPPool\",\"metadata\":{\"name\":\"192-168-0-0-16\"},"
		      "\"spec\":{\"cidr\":\"192.168.0.0/16\",\"ipipMode\":\"CrossSubnet\","
		      "\"natOutgoing\":true,\"nodeSelector\":\"all()\",\"blockSize\":26}}");
	expect_object(&r, "/calico/resources/v3/projectcalico.org/ippools/fd80-24e2-f998-72d6---64",
		      "{\"kind\":\"IPPool\",\"metadata\":{\"name\":\"fd80-24e2-f998-72d6---64\"},"
		      "\"spec\":{\"cidr\":\"fd80:24e2:f998:72d6::/64\",\"ipipMode\":\"Never\"}}");
	expect_note(&r, "/calico/v1/config/SomethingNew", "unchecked:");
	result_release(&r);
}

static void test_config_errors(void **state)
{
	struct kv kvs[] = {
		{ "/calico/v1/config/KubeNodePortRanges", "30000:32767" },
		{ "/calico/v1/config/IpInIpMtu", "big" },
		{ "/calico/v1/config/FailsafeOutboundHostPorts", "sctp:5" },
	};
	struct result r;

	(void)state;
	convert(kvs, sizeof(kvs) / sizeof(kvs[0]), &r);
	expect_note(&r, "/calico/v1/config/KubeNodePortRanges", "error: KubeNodePortRanges is set");
	expect_note(&r, "/calico/v1/config/IpInIpMtu", "error: IpInIpMtu: 'big'");
	expect_note(&r, "/calico/v1/config/FailsafeOutboundHostPorts", "error:");
	assert_int_equal(json_object_size(r.objects), 0);
	result_release(&r);
}

static void test_ipam(void **state)
{
	struct kv kvs[] = {
		{ "/calico/ipam/v2/assignment/ipv4/block/192.168.12.0-31",
		  "{\"cidr\":\"192.168.12.0/31\",\"hostAffinity\":\"Node_1\",\"strictAffinity\":false,"
		  "\"allocations\":[0,null],\"unallocated\":[1],"
		  "\"attributes\":[{\"handle_id\":\"h1\",\"secondary\":null}]}" },
		{ "/calico/ipam/v2/host/Node_1/ipv4/block/192.168.12.0-31", "{}" },
		{ "/calico/ipam/v2/host/old/ipv4/block/192.168.13.0-26", "" },
		{ "/calico/ipam/v2/handle/h1", "{\"block\":{\"192.168.12.0/31\":1}}" },
		{ "/calico/ipam/v2/config", "{\"strict_affinity\":false,\"auto_allocate_blocks\":true}" },
		{ "/calico/ipam/v2/assignment/ipv4/block/10.9.0.0-31", "{\"cidr\":\"10.9.0.0/31\"}" },
	};
	struct result r;

	(void)state;
	convert(kvs, sizeof(kvs) / sizeof(kvs[0]), &r);
	expect_object(&r, "/calico/ipam/v2/assignment/ipv4/block/192.168.12.0-31",
		      "{\"cidr\":\"192.168.12.0/31\",\"affinity\":\"host:node-1\","
		      "\"allocations\":[0,null],\"unallocated\":[1],"
		      "\"attributes\":[{\"handle_id\":\"h1\",\"secondary\":null}]}");
	assert_non_null(json_object_get(r.objects,
					"/calico/ipam/v2/host/node-1/ipv4/block/192.168.12.0-31"));
	expect_object(&r, "/calico/ipam/v2/handle/h1", "{\"block\":{\"192.168.12.0/31\":1}}");
	expect_note(&r, "/calico/ipam/v2/host/old/ipv4/block/192.168.13.0-26", "skipped:");
	expect_note(&r, "/calico/ipam/v2/config", "skipped:");
	/* A value that does not parse: calico-upgrade drops it silently, dsck says so. */
	expect_note(&r, "/calico/ipam/v2/assignment/ipv4/block/10.9.0.0-31", "dropped:");
	assert_int_equal(json_object_size(r.objects), 3);
	result_release(&r);
}

static void test_canonical_and_diff(void **state)
{
	json_t *a = json_loads("{\"kind\":\"IPPool\",\"metadata\":{\"name\":\"p\",\"uid\":\"1\","
			       "\"creationTimestamp\":\"t\"},\"spec\":{\"cidr\":\"10.0.0.0/8\","
			       "\"blockSize\":26,\"nodeSelector\":\"all()\",\"disabled\":false,"
			       "\"x\":1.0}}", 0, NULL);
	json_t *b = json_loads("{\"kind\":\"IPPool\",\"metadata\":{\"name\":\"p\"},"
			       "\"spec\":{\"cidr\":\"10.0.0.0/8\",\"x\":1}}", 0, NULL);
	json_t *c = json_loads("{\"kind\":\"IPPool\",\"metadata\":{\"name\":\"q\"},"
			       "\"spec\":{\"cidr\":\"10.0.0.0/9\",\"x\":1}}", 0, NULL);
	json_t *ca = upgrade_canonical(a, false), *cb = upgrade_canonical(b, false);
	json_t *cc = upgrade_canonical(c, false);
	char diff[256];

	(void)state;
	assert_true(json_equal(ca, cb));
	assert_int_equal(upgrade_diff(cb, cc, diff, sizeof(diff)), 2);
	assert_string_equal(diff, "metadata.name, spec.cidr");
	json_decref(a);
	json_decref(b);
	json_decref(c);
	json_decref(ca);
	json_decref(cb);
	json_decref(cc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_convert_name),
		cmocka_unit_test(test_convert_name_no_dots),
		cmocka_unit_test(test_node_names),
		cmocka_unit_test(test_qualifiers),
		cmocka_unit_test(test_ip_and_pool_names),
		cmocka_unit_test(test_wep_names),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_profile),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_node_and_config),
		cmocka_unit_test(test_config_errors),
		cmocka_unit_test(test_ipam),
		cmocka_unit_test(test_canonical_and_diff),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
