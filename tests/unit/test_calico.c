/*
 * Unit tests: the Calico key classifier (every key pattern of
 * docs/calico-model.md), the value shape checks, the CIDR
 * and version helpers, and the inspect cross-checks fed record by record.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calico/calico.h"
#include "calico/counts.h"
#include "calico/inspect.h"

/* ---------------------------------------------------------------- the classifier */

struct key_case {
	const char *key;
	enum calico_kind kind;
	enum calico_format format;
	int family;
	const char *host, *orchestrator, *workload, *endpoint, *profile, *tier, *policy, *cidr,
		*handle, *peer_ip, *config, *resource, *ns, *name;
};

static const struct key_case key_cases[] = {
	{ "/calico/v1/Ready", CALICO_READY, CALICO_FMT_READY },
	{ "/calico/v1/config/CalicoVersion", CALICO_GLOBAL_CONFIG, CALICO_FMT_TEXT,
	  .config = "CalicoVersion" },
	{ "/calico/v1/config/a/b", CALICO_GLOBAL_CONFIG, CALICO_FMT_TEXT, .config = "a/b" },
	{ "/calico/v1/host/node-1/metadata", CALICO_HOST, CALICO_FMT_HOST_METADATA,
	  .host = "node-1" },
	{ "/calico/v1/host/node-1/bird_ip", CALICO_HOST, CALICO_FMT_IP, 4, .host = "node-1" },
	{ "/calico/v1/host/node-1/orchestrator_refs", CALICO_HOST, CALICO_FMT_ORCHESTRATOR_REFS,
	  .host = "node-1" },
	{ "/calico/v1/host/node-1/config/DefaultEndpointToHostAction", CALICO_HOST_CONFIG,
	  CALICO_FMT_TEXT, .host = "node-1", .config = "DefaultEndpointToHostAction" },
	{ "/calico/v1/host/node-1/config/marker", CALICO_HOST_CONFIG, CALICO_FMT_TEXT,
	  .host = "node-1", .config = "marker" },
	{ "/calico/v1/host/node-1/workload/k8s/default.nginx-abc/endpoint/eth0",
	  CALICO_WORKLOAD_ENDPOINT, CALICO_FMT_WORKLOAD_ENDPOINT, .host = "node-1",
	  .orchestrator = "k8s", .workload = "default.nginx-abc", .endpoint = "eth0" },
	{ "/calico/v1/host/node-0001/workload/cni/marathon%2fweb-frontend.b4d8f7e1/endpoint/eth0",
	  CALICO_WORKLOAD_ENDPOINT, CALICO_FMT_WORKLOAD_ENDPOINT, .host = "node-0001",
	  .orchestrator = "cni", .workload = "marathon/web-frontend.b4d8f7e1", .endpoint = "eth0" },
	/* %25 is '%'; "%252f" is an escaped literal "%2f", not a '/'. */
	{ "/calico/v1/host/h/workload/o%25x/w%252f/endpoint/e%2f1", CALICO_WORKLOAD_ENDPOINT,
	  CALICO_FMT_WORKLOAD_ENDPOINT, .host = "h", .orchestrator = "o%x", .workload = "w%2f",
	  .endpoint = "e/1" },
	/* Hostnames are not escaped. */
	{ "/calico/v1/host/a%2fb/endpoint/eth0", CALICO_HOST_ENDPOINT, CALICO_FMT_HOST_ENDPOINT,
	  .host = "a%2fb", .endpoint = "eth0" },
	{ "/calico/v1/policy/profile/k8s_ns.default/tags", CALICO_PROFILE, CALICO_FMT_PROFILE_TAGS,
	  .profile = "k8s_ns.default" },
	{ "/calico/v1/policy/profile/tenant%2fblue/rules", CALICO_PROFILE, CALICO_FMT_PROFILE_RULES,
	  .profile = "tenant/blue" },
	{ "/calico/v1/policy/profile/p/labels", CALICO_PROFILE, CALICO_FMT_PROFILE_LABELS,
	  .profile = "p" },
	{ "/calico/v1/policy/tier/default/policy/ops%2fegress-25%25", CALICO_POLICY,
	  CALICO_FMT_POLICY, .tier = "default", .policy = "ops/egress-25%" },
	{ "/calico/v1/policy/tier/other/policy/knp.default.ns.p", CALICO_POLICY, CALICO_FMT_POLICY,
	  .tier = "other", .policy = "knp.default.ns.p" },
	{ "/calico/v1/ipam/v4/pool/192.168.0.0-16", CALICO_IP_POOL, CALICO_FMT_IP_POOL, 4,
	  .cidr = "192.168.0.0/16" },
	{ "/calico/v1/ipam/v6/pool/fd80:24e2:f998:72d6::-64", CALICO_IP_POOL, CALICO_FMT_IP_POOL,
	  6, .cidr = "fd80:24e2:f998:72d6::/64" },
	{ "/calico/ipam/v2/config", CALICO_IPAM_CONFIG, CALICO_FMT_IPAM_CONFIG },
	{ "/calico/ipam/v2/assignment/ipv4/block/192.168.12.0-26", CALICO_IPAM_BLOCK,
	  CALICO_FMT_IPAM_BLOCK, 4, .cidr = "192.168.12.0/26" },
	{ "/calico/ipam/v2/assignment/ipv6/block/fd80:24e2:f998:72d6::-122", CALICO_IPAM_BLOCK,
	  CALICO_FMT_IPAM_BLOCK, 6, .cidr = "fd80:24e2:f998:72d6::/122" },
	{ "/calico/ipam/v2/host/node-1/ipv4/block/192.168.12.0-26", CALICO_IPAM_AFFINITY,
	  CALICO_FMT_TEXT, 4, .host = "node-1", .cidr = "192.168.12.0/26" },
	{ "/calico/ipam/v2/host/node-1/ipv6/block/fd80::-122", CALICO_IPAM_AFFINITY,
	  CALICO_FMT_TEXT, 6, .host = "node-1", .cidr = "fd80::/122" },
	{ "/calico/ipam/v2/handle/k8s-pod-network.3f1e5c0b9a7d", CALICO_IPAM_HANDLE,
	  CALICO_FMT_IPAM_HANDLE, .handle = "k8s-pod-network.3f1e5c0b9a7d" },
	{ "/calico/bgp/v1/global/as_num", CALICO_BGP_GLOBAL, CALICO_FMT_ASN },
	{ "/calico/bgp/v1/global/node_mesh", CALICO_BGP_GLOBAL, CALICO_FMT_NODE_MESH },
	{ "/calico/bgp/v1/global/loglevel", CALICO_BGP_GLOBAL, CALICO_FMT_TEXT },
	{ "/calico/bgp/v1/global/custom_filters/v4/f1", CALICO_BGP_GLOBAL, CALICO_FMT_TEXT, 4,
	  .config = "f1" },
	{ "/calico/bgp/v1/global/peer_v4/192.168.1.1", CALICO_BGP_PEER, CALICO_FMT_BGP_PEER, 4,
	  .peer_ip = "192.168.1.1" },
	{ "/calico/bgp/v1/global/peer_v6/fd00::1", CALICO_BGP_PEER, CALICO_FMT_BGP_PEER, 6,
	  .peer_ip = "fd00::1" },
	{ "/calico/bgp/v1/host/node-1/peer_v4/10.0.0.1", CALICO_BGP_PEER, CALICO_FMT_BGP_PEER, 4,
	  .host = "node-1", .peer_ip = "10.0.0.1" },
	{ "/calico/bgp/v1/host/node-1/ip_addr_v4", CALICO_BGP_HOST, CALICO_FMT_IP, 4,
	  .host = "node-1" },
	{ "/calico/bgp/v1/host/node-1/ip_addr_v6", CALICO_BGP_HOST, CALICO_FMT_IP, 6,
	  .host = "node-1" },
	{ "/calico/bgp/v1/host/node-1/network_v4", CALICO_BGP_HOST, CALICO_FMT_CIDR, 4,
	  .host = "node-1" },
	{ "/calico/bgp/v1/host/node-1/as_num", CALICO_BGP_HOST, CALICO_FMT_ASN, .host = "node-1" },
	{ "/calico/bgp/v1/host/node-1/loglevel", CALICO_BGP_HOST, CALICO_FMT_TEXT,
	  .host = "node-1" },
	{ "/calico/felix/v1/host/node-1/status", CALICO_FELIX_STATUS, CALICO_FMT_FELIX_REPORT,
	  .host = "node-1" },
	{ "/calico/felix/v1/host/node-1/last_reported_status", CALICO_FELIX_STATUS,
	  CALICO_FMT_FELIX_REPORT, .host = "node-1" },
	{ "/calico/felix/v1/host/node-1/workload/k8s/default.nginx-abc/endpoint/eth0",
	  CALICO_FELIX_STATUS, CALICO_FMT_ENDPOINT_STATUS, .host = "node-1", .orchestrator = "k8s",
	  .workload = "default.nginx-abc", .endpoint = "eth0" },
	{ "/calico/felix/v1/host/node-1/endpoint/eth%2f0", CALICO_FELIX_STATUS,
	  CALICO_FMT_ENDPOINT_STATUS, .host = "node-1", .endpoint = "eth/0" },
	{ "/calico/resources/v3/projectcalico.org/ippools/192-168-0-0-16", CALICO_V3_RESOURCE,
	  CALICO_FMT_V3_RESOURCE, .resource = "ippools", .name = "192-168-0-0-16" },
	{ "/calico/resources/v3/projectcalico.org/workloadendpoints/default/node--1-k8s-nginx-eth0",
	  CALICO_V3_RESOURCE, CALICO_FMT_V3_RESOURCE, .resource = "workloadendpoints",
	  .ns = "default", .name = "node--1-k8s-nginx-eth0" },
	/* Unknown: near misses of every shape. */
	{ "/calico/v1/host/node-1", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/v1/whatever", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/v1/Ready/", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/v1/config/", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/v1/host//metadata", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/v1/ipam/v5/pool/10.0.0.0-8", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/v1/policy/tier/default/metadata", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/v1/host/n/workload/k8s/w/endpoint", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/resources/v3/projectcalico.org/ippools", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico/resources/v3/projectcalico.org/a/b/c/d", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calico", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/calicoX/v1/Ready", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "calico/v1/Ready", CALICO_UNKNOWN, CALICO_FMT_TEXT },
	{ "/registry/pods/default/nginx", CALICO_UNKNOWN, CALICO_FMT_TEXT },
};

static void assert_name(const char *actual, const char *expected, const char *key)
{
	if (!expected) {
		if (actual)
			fail_msg("%s: unexpected name '%s'", key, actual);
		return;
	}
	if (!actual)
		fail_msg("%s: missing name '%s'", key, expected);
	assert_string_equal(actual, expected);
}

static void test_every_key_pattern(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(key_cases) / sizeof(key_cases[0]); i++) {
		const struct key_case *c = &key_cases[i];
		struct calico_key k;

		calico_key_parse(&k, c->key, strlen(c->key), false);
		if (k.kind != c->kind || k.format != c->format || k.family != c->family)
			fail_msg("%s: kind %s format %d family %d", c->key, calico_kind_name(k.kind),
				 k.format, k.family);
		assert_name(k.host, c->host, c->key);
		assert_name(k.orchestrator, c->orchestrator, c->key);
		assert_name(k.workload, c->workload, c->key);
		assert_name(k.endpoint, c->endpoint, c->key);
		assert_name(k.profile, c->profile, c->key);
		assert_name(k.tier, c->tier, c->key);
		assert_name(k.policy, c->policy, c->key);
		assert_name(k.cidr, c->cidr, c->key);
		assert_name(k.handle, c->handle, c->key);
		assert_name(k.peer_ip, c->peer_ip, c->key);
		assert_name(k.config, c->config, c->key);
		assert_name(k.resource, c->resource, c->key);
		assert_name(k.ns, c->ns, c->key);
		assert_name(k.name, c->name, c->key);
	}
}

static void test_directories_and_odd_keys(void **state)
{
	static const char with_nul[] = "/calico/v1/config/A\0B";
	const char *profile = "/calico/v1/policy/profile/p/tagsXYZ";
	char *long_key = malloc(CALICO_KEY_MAX + 32);
	struct calico_key k;

	(void)state;
	calico_key_parse(&k, "/calico/v1/ipam/v4/pool", 23, true);
	assert_int_equal(k.kind, CALICO_DIRECTORY);
	assert_int_equal(k.format, CALICO_FMT_NONE);
	calico_key_parse(&k, "/calico/v1/Ready", 16, true);   /* dir wins over the pattern */
	assert_int_equal(k.kind, CALICO_DIRECTORY);
	/* The length counts, not a terminator. */
	calico_key_parse(&k, profile, strlen(profile) - 3, false);
	assert_int_equal(k.kind, CALICO_PROFILE);
	assert_string_equal(k.profile, "p");
	calico_key_parse(&k, with_nul, sizeof(with_nul) - 1, false);
	assert_int_equal(k.kind, CALICO_UNKNOWN);
	assert_non_null(long_key);
	memset(long_key, 'x', CALICO_KEY_MAX + 31);
	memcpy(long_key, "/calico/v1/config/", 18);
	calico_key_parse(&k, long_key, CALICO_KEY_MAX + 31, false);
	assert_int_equal(k.kind, CALICO_UNKNOWN);
	free(long_key);
	assert_string_equal(calico_kind_name(CALICO_WORKLOAD_ENDPOINT), "workload_endpoint");
	assert_string_equal(calico_kind_name(CALICO_V3_RESOURCE), "v3_resource");
	assert_true(calico_ready_is_true("true", 4));
	assert_false(calico_ready_is_true("TRUE", 4));
	assert_false(calico_ready_is_true("true\n", 5));
	assert_true(calico_kind_is_v1_model(CALICO_POLICY));
	assert_false(calico_kind_is_v1_model(CALICO_IPAM_BLOCK));
	assert_false(calico_kind_is_v1_model(CALICO_V3_RESOURCE));
}

/* ---------------------------------------------------------------- CIDRs and versions */

static void test_cidrs(void **state)
{
	struct calico_cidr pool, block, v6, other;

	(void)state;
	assert_true(calico_cidr_parse("192.168.0.0/16", &pool));
	assert_int_equal(pool.family, 4);
	assert_int_equal(pool.bits, 16);
	assert_true(calico_cidr_parse("192.168.12.64/26", &block));
	assert_true(calico_cidr_contains(&pool, &block));
	assert_false(calico_cidr_contains(&block, &pool));
	assert_true(calico_cidr_parse("10.99.0.0/26", &other));
	assert_false(calico_cidr_contains(&pool, &other));
	/* Host bits are cleared, as Go's ParseCIDR does for the network. */
	assert_true(calico_cidr_parse("192.168.12.77/26", &other));
	assert_true(calico_cidr_equal(&block, &other));
	assert_true(calico_cidr_parse("fd80:24e2:f998:72d6::/64", &v6));
	assert_true(calico_cidr_parse("fd80:24e2:f998:72d6::40/122", &other));
	assert_int_equal(other.family, 6);
	assert_true(calico_cidr_contains(&v6, &other));
	assert_false(calico_cidr_contains(&pool, &other));
	assert_true(calico_cidr_parse("0.0.0.0/0", &other));
	assert_true(calico_cidr_contains(&other, &pool));
	assert_false(calico_cidr_parse("192.168.0.0", &other));
	assert_false(calico_cidr_parse("192.168.0.0/33", &other));
	assert_false(calico_cidr_parse("192.168.0.0/", &other));
	assert_false(calico_cidr_parse("192.168.0.0/1x", &other));
	assert_false(calico_cidr_parse("192.168.0/16", &other));
	assert_false(calico_cidr_parse("fd80::/129", &other));
	assert_false(calico_cidr_parse(NULL, &other));
}

static void test_versions(void **state)
{
	static const struct calico_version min = { 2, 6, 5 };
	struct calico_version v;

	(void)state;
	assert_true(calico_version_parse("v2.6.5", &v));
	assert_int_equal(calico_version_cmp(&v, &min), 0);
	assert_true(calico_version_parse("2.6.4", &v));
	assert_true(calico_version_cmp(&v, &min) < 0);
	assert_true(calico_version_parse("v2.6.4-rc1", &v));   /* pre-release ignored */
	assert_true(calico_version_cmp(&v, &min) < 0);
	assert_true(calico_version_parse("v3.0.1+build.7", &v));
	assert_true(calico_version_cmp(&v, &min) > 0);
	assert_true(calico_version_parse("v2.10.0", &v));      /* numeric, not textual */
	assert_true(calico_version_cmp(&v, &min) > 0);
	assert_false(calico_version_parse("v2.6", &v));
	assert_false(calico_version_parse("v2.6.5x", &v));
	assert_false(calico_version_parse("latest", &v));
	assert_false(calico_version_parse("", &v));
}

/* ---------------------------------------------------------------- value shapes */

/* The problem calico_value_parse() finds in @value under @key ("" when none). */
static const char *problem(const char *key, const char *value)
{
	static struct calico_value v;
	struct dsck_error err = DSCK_ERROR_INIT;
	struct calico_key k;

	calico_key_parse(&k, key, strlen(key), false);
	assert_int_equal(calico_value_parse(&v, &k, value, strlen(value), &err), DSCK_OK);
	assert_true(v.problem[0] ? v.doc == NULL : true);
	calico_value_release(&v);
	return v.problem;
}

#define WEP "/calico/v1/host/n/workload/k8s/w/endpoint/eth0"
#define BLOCK "/calico/ipam/v2/assignment/ipv4/block/192.168.12.0-30"
#define GOOD_BLOCK                                                                        \
	"{\"cidr\":\"192.168.12.0/30\",\"affinity\":\"host:n\",\"strictAffinity\":false,"    \
	"\"allocations\":[0,1,null,1],\"unallocated\":[2],"                                  \
	"\"attributes\":[{\"handle_id\":null,\"secondary\":null},"                           \
	"{\"handle_id\":\"h1\",\"secondary\":null}]}"

struct value_case {
	const char *key, *value;
	const char *problem;       /* "" or a substring of the expected problem */
};

static const struct value_case value_cases[] = {
	/* raw text: anything goes */
	{ "/calico/v1/Ready", "false", "" },
	{ "/calico/v1/config/LogSeverityScreen", "\x01\xff", "" },
	{ "/calico/ipam/v2/host/n/ipv4/block/192.168.12.0-26", "", "" },
	{ "/calico/v1/whatever", "{not json", "" },
	/* raw IPs, CIDRs, AS numbers */
	{ "/calico/v1/host/n/bird_ip", "10.0.0.11", "" },
	{ "/calico/v1/host/n/bird_ip", "", "" },
	{ "/calico/v1/host/n/bird_ip", "fd00::1", "not an IPv4 address" },
	{ "/calico/v1/host/n/bird_ip", "10.0.0.300", "not an IPv4 address" },
	{ "/calico/bgp/v1/host/n/ip_addr_v6", "", "" },
	{ "/calico/bgp/v1/host/n/ip_addr_v6", "fd00::1", "" },
	{ "/calico/bgp/v1/host/n/network_v4", "10.0.0.0/16", "" },
	{ "/calico/bgp/v1/host/n/network_v4", "10.0.0.0", "not an IPv4 CIDR" },
	{ "/calico/bgp/v1/global/as_num", "64512", "" },
	{ "/calico/bgp/v1/global/as_num", "1.10", "" },
	{ "/calico/bgp/v1/global/as_num", "4294967296", "not an AS number" },
	{ "/calico/bgp/v1/host/n/as_num", "as64512", "not an AS number" },
	{ "/calico/bgp/v1/global/node_mesh", "{\"enabled\":true}", "" },
	{ "/calico/bgp/v1/global/node_mesh", "{\"enabled\":\"yes\"}", "'enabled' is not true or false" },
	/* host keys */
	{ "/calico/v1/host/n/metadata", "{}", "" },
	{ "/calico/v1/host/n/metadata", "[]", "the document is not an object" },
	{ "/calico/v1/host/n/orchestrator_refs", "[{\"orchestrator\":\"k8s\",\"nodeName\":\"n\"}]", "" },
	/* workload endpoints */
	{ WEP, "{\"state\":\"active\",\"name\":\"cali1\",\"mac\":\"6a:1f:0c:44:b2:90\","
	       "\"profile_ids\":[\"k8s_ns.default\"],\"ipv4_nets\":[\"192.168.12.5/32\"],"
	       "\"ipv6_nets\":[],\"labels\":{\"app\":\"nginx\"}}", "" },
	{ WEP, "{\"state\":\"active\",\"name\":\"cali1\",\"profile_ids\":null,\"ipv4_nets\":[],"
	       "\"ipv6_nets\":null}", "" },
	{ WEP, "{\"state\":", "not valid JSON" },
	{ WEP, "", "not valid JSON" },
	{ WEP, "{\"name\":\"cali1\",\"profile_ids\":[],\"ipv4_nets\":[],\"ipv6_nets\":[]}",
	  "missing 'state'" },
	{ WEP, "{\"state\":null,\"name\":\"cali1\",\"profile_ids\":[],\"ipv4_nets\":[],"
	       "\"ipv6_nets\":[]}", "null 'state'" },
	{ WEP, "{\"state\":\"active\",\"name\":\"c\",\"profile_ids\":\"p\",\"ipv4_nets\":[],"
	       "\"ipv6_nets\":[]}", "'profile_ids' is not an array of strings" },
	{ WEP, "{\"state\":\"active\",\"name\":\"c\",\"profile_ids\":[],\"ipv4_nets\":[\"x\"],"
	       "\"ipv6_nets\":[]}", "'ipv4_nets' is not an array of CIDRs" },
	{ WEP, "{\"state\":\"active\",\"name\":\"c\",\"profile_ids\":[],\"ipv4_nets\":[],"
	       "\"ipv6_nets\":[],\"labels\":{\"a\":1}}", "'labels' is not an object of strings" },
	/* host endpoints, profiles, policies */
	{ "/calico/v1/host/n/endpoint/eth0", "{\"name\":\"eth0\",\"expected_ipv4_addrs\":"
	  "[\"10.0.0.11\"],\"labels\":{\"role\":\"edge\"},\"profile_ids\":[\"edge\"]}", "" },
	{ "/calico/v1/host/n/endpoint/eth0", "{\"expected_ipv4_addrs\":[\"10.0.0\"]}",
	  "'expected_ipv4_addrs' is not an array of IP addresses" },
	{ "/calico/v1/policy/profile/p/tags", "[\"k8s-pod-network\"]", "" },
	{ "/calico/v1/policy/profile/p/tags", "{}", "not an array of strings" },
	{ "/calico/v1/policy/profile/p/labels", "{\"pcns.name\":\"default\"}", "" },
	{ "/calico/v1/policy/profile/p/rules", "{\"inbound_rules\":[{\"action\":\"allow\"}],"
	  "\"outbound_rules\":[{\"action\":\"allow\"}]}", "" },
	{ "/calico/v1/policy/profile/p/rules", "{\"inbound_rules\":[\"allow\"]}",
	  "'inbound_rules' is not an array of objects" },
	{ "/calico/v1/policy/tier/default/policy/p", "{\"order\":1000,\"selector\":\"all()\","
	  "\"types\":[\"ingress\"],\"inbound_rules\":[{\"action\":\"allow\"}]}", "" },
	{ "/calico/v1/policy/tier/default/policy/p", "{\"order\":\"1\",\"selector\":\"a\"}",
	  "'order' is not a number" },
	{ "/calico/v1/policy/tier/default/policy/p", "{\"order\":1}", "missing 'selector'" },
	/* pools */
	{ "/calico/v1/ipam/v4/pool/192.168.0.0-16", "{\"cidr\":\"192.168.0.0/16\",\"ipip\":"
	  "\"tunl0\",\"ipip_mode\":\"always\",\"masquerade\":true,\"ipam\":true,\"disabled\":false}",
	  "" },
	{ "/calico/v1/ipam/v6/pool/fd80:24e2:f998:72d6::-64",
	  "{\"cidr\":\"fd80:24e2:f998:72d6::/64\"}", "" },
	{ "/calico/v1/ipam/v4/pool/192.168.0.0-16", "{\"cidr\":\"10.0.0.0/16\"}",
	  "does not match the key's '192.168.0.0/16'" },
	{ "/calico/v1/ipam/v4/pool/fd80::-64", "{\"cidr\":\"fd80::/64\"}", "not an IPv4 CIDR" },
	{ "/calico/v1/ipam/v4/pool/192.168.0.0-16", "{\"masquerade\":true}", "missing 'cidr'" },
	/* IPAM */
	{ BLOCK, GOOD_BLOCK, "" },
	{ BLOCK, "{\"cidr\":\"192.168.12.0/30\",\"affinity\":null,\"allocations\":[null,null,"
		 "null,null],\"unallocated\":[0,1,2,3],\"attributes\":null}", "" },
	{ BLOCK, "{\"cidr\":\"192.168.12.0/30\",\"allocations\":[0],\"unallocated\":[],"
		 "\"attributes\":[{}]}", "'allocations' has 1 entries for 4 addresses" },
	{ BLOCK, "{\"cidr\":\"192.168.12.0/30\",\"allocations\":[0,5,null,null],"
		 "\"unallocated\":[],\"attributes\":[{}]}", "allocations[1] is neither null nor" },
	{ BLOCK, "{\"cidr\":\"192.168.12.0/30\",\"allocations\":[null,null,null,null],"
		 "\"unallocated\":[9],\"attributes\":[]}", "unallocated[0] is not an ordinal" },
	{ BLOCK, "{\"cidr\":\"192.168.12.0/30\",\"allocations\":[0,null,null,null],"
		 "\"unallocated\":[],\"attributes\":[{\"handle_id\":7}]}",
	  "attributes[0].handle_id is neither" },
	{ BLOCK, "{\"cidr\":\"192.168.12.0/30\",\"allocations\":[null,null,null,null],"
		 "\"unallocated\":[-1],\"attributes\":[]}",
	  "'unallocated' is not an array of non-negative integers" },
	{ "/calico/ipam/v2/handle/h1", "{\"block\":{\"192.168.12.0/26\":1}}", "" },
	{ "/calico/ipam/v2/handle/h1", "{\"block\":{\"192.168.12.0/26\":-1}}",
	  "is not a non-negative integer" },
	{ "/calico/ipam/v2/handle/h1", "{\"block\":{\"192.168.12.0\":1}}", "is not a CIDR" },
	{ "/calico/ipam/v2/handle/h1", "{}", "missing 'block'" },
	{ "/calico/ipam/v2/config", "{\"strict_affinity\":false,\"auto_allocate_blocks\":true}",
	  "" },
	/* BGP peers */
	{ "/calico/bgp/v1/global/peer_v4/192.168.1.1", "{\"ip\":\"192.168.1.1\",\"as_num\":"
	  "\"64567\"}", "" },
	{ "/calico/bgp/v1/global/peer_v6/fd00::1", "{\"ip\":\"fd00:0::1\",\"as_num\":\"1\"}", "" },
	{ "/calico/bgp/v1/global/peer_v4/192.168.1.1", "{\"ip\":\"192.168.1.2\",\"as_num\":"
	  "\"64567\"}", "does not match the key's" },
	{ "/calico/bgp/v1/host/n/peer_v4/10.0.0.1", "{\"ip\":\"10.0.0.1\",\"as_num\":64567}",
	  "'as_num' is not a string" },
	/* Felix status */
	{ "/calico/felix/v1/host/n/status", "{\"time\":\"2018-01-10T12:00:00Z\",\"uptime\":1234.56,"
	  "\"first_update\":false}", "" },
	{ "/calico/felix/v1/host/n/last_reported_status", "{\"time\":\"t\"}", "missing 'uptime'" },
	{ "/calico/felix/v1/host/n/endpoint/eth0", "{\"status\":\"up\"}", "" },
	/* v3 resources */
	{ "/calico/resources/v3/projectcalico.org/ippools/default-ipv4-ippool",
	  "{\"kind\":\"IPPool\",\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":{\"name\":"
	  "\"default-ipv4-ippool\"},\"spec\":{\"cidr\":\"192.168.0.0/16\"}}", "" },
	{ "/calico/resources/v3/projectcalico.org/ippools/p", "{\"kind\":\"IPPool\",\"apiVersion\":"
	  "\"projectcalico.org/v3\",\"metadata\":{\"name\":\"p\"},\"spec\":{}}",
	  "spec.cidr of an IP pool is not a CIDR" },
	{ "/calico/resources/v3/projectcalico.org/profiles/kns.default", "{\"kind\":\"Profile\","
	  "\"apiVersion\":\"projectcalico.org/v1\",\"metadata\":{\"name\":\"kns.default\"}}",
	  "apiVersion 'projectcalico.org/v1'" },
	{ "/calico/resources/v3/projectcalico.org/profiles/kns.default", "{\"kind\":\"Profile\","
	  "\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":{\"name\":\"other\"}}",
	  "metadata.name 'other' does not match" },
	{ "/calico/resources/v3/projectcalico.org/networkpolicies/ns1/default.p", "{\"kind\":"
	  "\"NetworkPolicy\",\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":{\"name\":"
	  "\"default.p\",\"namespace\":\"ns2\"}}", "metadata.namespace 'ns2' does not match" },
	{ "/calico/resources/v3/projectcalico.org/nodes/n", "{\"kind\":\"Node\"}",
	  "missing 'apiVersion'" },
};

static void test_value_shapes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(value_cases) / sizeof(value_cases[0]); i++) {
		const struct value_case *c = &value_cases[i];
		const char *got = problem(c->key, c->value);

		if (c->problem[0] ? !strstr(got, c->problem) : got[0] != '\0')
			fail_msg("%s = %s: expected problem '%s', got '%s'", c->key, c->value,
				 c->problem, got);
	}
}

/* A checked value and its key, for the accessor tests. */
struct checked {
	struct calico_key k;
	struct calico_value v;
};

static void check(struct checked *c, const char *key, const char *value)
{
	struct dsck_error err = DSCK_ERROR_INIT;

	calico_key_parse(&c->k, key, strlen(key), false);
	assert_int_equal(calico_value_parse(&c->v, &c->k, value, strlen(value), &err), DSCK_OK);
	assert_string_equal(c->v.problem, "");
}

static void test_accessors(void **state)
{
	struct calico_cluster_info ci;
	struct checked c;
	size_t attr = 99;

	(void)state;
	check(&c, BLOCK, GOOD_BLOCK);
	assert_string_equal(calico_block_host(&c.v), "n");
	assert_int_equal(calico_block_size(&c.v), 4);
	assert_null(calico_block_handle(&c.v, 0, &attr));      /* the tunnel address */
	assert_string_equal(calico_block_handle(&c.v, 1, &attr), "h1");
	assert_int_equal(attr, 1);
	assert_null(calico_block_handle(&c.v, 2, &attr));      /* free */
	assert_null(calico_block_handle(&c.v, 4, &attr));      /* past the end */
	assert_null(calico_pool_cidr(&c.k, &c.v));
	calico_value_release(&c.v);

	check(&c, BLOCK, "{\"cidr\":\"192.168.12.0/30\",\"hostAffinity\":\"old\",\"allocations\":"
			 "[null,null,null,null],\"unallocated\":[],\"attributes\":[]}");
	assert_string_equal(calico_block_host(&c.v), "old");
	calico_value_release(&c.v);
	check(&c, BLOCK, "{\"cidr\":\"192.168.12.0/30\",\"affinity\":\"virtual:x\",\"allocations\":"
			 "[null,null,null,null],\"unallocated\":[],\"attributes\":[]}");
	assert_null(calico_block_host(&c.v));
	calico_value_release(&c.v);

	check(&c, "/calico/ipam/v2/handle/h1", "{\"block\":{\"192.168.12.0/26\":2}}");
	assert_int_equal(json_integer_value(json_object_get(calico_handle_blocks(&c.v),
							    "192.168.12.0/26")), 2);
	calico_value_release(&c.v);

	check(&c, WEP, "{\"state\":\"active\",\"name\":\"c\",\"profile_ids\":[\"a\",\"b\"],"
		       "\"ipv4_nets\":[],\"ipv6_nets\":[]}");
	assert_int_equal(json_array_size(calico_endpoint_profiles(&c.v)), 2);
	calico_value_release(&c.v);

	check(&c, "/calico/v1/ipam/v4/pool/10.0.0.0-8", "{\"cidr\":\"10.0.0.0/8\"}");
	assert_string_equal(calico_pool_cidr(&c.k, &c.v), "10.0.0.0/8");
	assert_false(calico_cluster_info(&c.k, &c.v, &ci));
	calico_value_release(&c.v);
	check(&c, "/calico/resources/v3/projectcalico.org/ippools/p",
	      "{\"kind\":\"IPPool\",\"apiVersion\":\"projectcalico.org/v3\",\"metadata\":"
	      "{\"name\":\"p\"},\"spec\":{\"cidr\":\"fd00::/48\"}}");
	assert_string_equal(calico_pool_cidr(&c.k, &c.v), "fd00::/48");
	calico_value_release(&c.v);

	check(&c, "/calico/resources/v3/projectcalico.org/clusterinformations/default",
	      "{\"kind\":\"ClusterInformation\",\"apiVersion\":\"projectcalico.org/v3\","
	      "\"metadata\":{\"name\":\"default\"},\"spec\":{\"clusterGUID\":\"abc\","
	      "\"calicoVersion\":\"v3.0.1\",\"datastoreReady\":false}}");
	assert_true(calico_cluster_info(&c.k, &c.v, &ci));
	assert_int_equal(ci.datastore_ready, 0);
	assert_string_equal(ci.calico_version, "v3.0.1");
	assert_string_equal(ci.cluster_guid, "abc");
	calico_value_release(&c.v);
}

/* ---------------------------------------------------------------- inspect, record by record */

struct kv {
	const char *key, *value;   /* value NULL: a directory */
};

#define NODE_BLOCK_KEY "/calico/ipam/v2/assignment/ipv4/block/192.168.1.0-30"
#define NODE_BLOCK                                                                        \
	"{\"cidr\":\"192.168.1.0/30\",\"affinity\":\"host:node-1\",\"allocations\":"         \
	"[0,1,null,null],\"unallocated\":[2,3],\"attributes\":[{\"handle_id\":null},"        \
	"{\"handle_id\":\"k8s-pod-network.c1\"}]}"
#define NODE_AFFINITY_KEY "/calico/ipam/v2/host/node-1/ipv4/block/192.168.1.0-30"
#define NODE_HANDLE_KEY "/calico/ipam/v2/handle/k8s-pod-network.c1"
#define NODE_WEP_KEY "/calico/v1/host/node-1/workload/k8s/default.web/endpoint/eth0"

/* A small, consistent v1 datastore, in key order. */
static const struct kv clean[] = {
	{ "/calico", NULL },
	{ NODE_BLOCK_KEY, NODE_BLOCK },
	{ NODE_HANDLE_KEY, "{\"block\":{\"192.168.1.0/30\":1}}" },
	{ NODE_AFFINITY_KEY, "{}" },
	{ "/calico/v1/Ready", "true" },
	{ "/calico/v1/config/CalicoVersion", "v2.6.5" },
	{ "/calico/v1/config/ClusterGUID", "guid-1" },
	{ "/calico/v1/host/node-1/metadata", "{}" },
	{ NODE_WEP_KEY, "{\"state\":\"active\",\"name\":\"cali1\",\"profile_ids\":"
			"[\"k8s_ns.default\"],\"ipv4_nets\":[\"192.168.1.1/32\"],\"ipv6_nets\":[]}" },
	{ "/calico/v1/ipam/v4/pool/192.168.0.0-16", "{\"cidr\":\"192.168.0.0/16\"}" },
	{ "/calico/v1/policy/profile/k8s_ns.default/tags", "[]" },
	{ "/calico/v1/policy/tier/default/policy/p", "{\"selector\":\"all()\"}" },
};

#define N_CLEAN (sizeof(clean) / sizeof(clean[0]))

/* The clean datastore with the record at @drop left out and @extra (sorted) merged in. */
static void run_inspect(struct inspect *in, const struct keyfilter *scope, const char *drop,
			const struct kv *extra, size_t n_extra)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	size_t i = 0, j = 0;

	assert_int_equal(inspect_init(in, scope, &err), DSCK_OK);
	while (i < N_CLEAN || j < n_extra) {
		const struct kv *kv;
		struct dsck_record r = { 0 };
		int c = i == N_CLEAN ? 1 : j == n_extra ? -1 : strcmp(clean[i].key, extra[j].key);

		kv = c < 0 ? &clean[i++] : c > 0 ? &extra[j++] : (i++, &extra[j++]);
		/* What a source with this scope would have left out. */
		if ((drop && strcmp(kv->key, drop) == 0) ||
		    (scope && !keyfilter_wants(scope, kv->key, strlen(kv->key))))
			continue;
		r.key = kv->key;
		r.key_len = strlen(kv->key);
		r.dir = !kv->value;
		r.value = kv->value;
		r.value_len = kv->value ? strlen(kv->value) : 0;
		assert_int_equal(inspect_add(in, &r, &err), DSCK_OK);
	}
	assert_int_equal(inspect_finish(in, &err), DSCK_OK);
}

/* Exactly one finding, with this code and key. */
static void assert_only(const struct inspect *in, const char *code, const char *key)
{
	if (in->findings.n != 1)
		fail_msg("expected only %s, got %zu findings (first: %s %s)", code,
			 in->findings.n, in->findings.n ? in->findings.v[0].code : "-",
			 in->findings.n ? in->findings.v[0].detail : "-");
	assert_string_equal(in->findings.v[0].code, code);
	assert_string_equal(in->findings.v[0].key, key);
}

/* ---------------------------------------------------------------- counts */

struct count_case {
	const char *key;
	bool dir;
	bool ttl;
};

/* In key order, as sources give them. */
static const struct count_case count_cases[] = {
	{ "/calico", true },
	{ "/calico/bgp/v1/host/a/as_num" },
	{ "/calico/bgp/v1/host/a/ip_addr_v4" },
	{ "/calico/bgp/v1/host/a/peer_v4/10.0.0.1" },      /* bgp_peer, between a's parts */
	{ "/calico/bgp/v1/host/b/ip_addr_v4" },
	{ "/calico/felix/v1/host/a", true },
	{ "/calico/felix/v1/host/a/last_reported_status" },
	{ "/calico/felix/v1/host/a/status", false, true },
	{ "/calico/felix/v1/host/a/workload", true },       /* ephemeral directory */
	{ "/calico/felix/v1/host/a/workload/k8s/w/endpoint/eth0" },
	{ "/calico/resources/v3/projectcalico.org/ippools/p" },
	{ "/calico/v1/host/a/bird_ip" },
	{ "/calico/v1/host/a/config/LogSeverity" },         /* host_config, between a's parts */
	{ "/calico/v1/host/a/metadata" },
	{ "/calico/v1/host/a/orchestrator_refs" },
	{ "/calico/v1/host/a0/metadata" },                  /* another host */
	{ "/calico/v1/policy/profile/p1/labels" },
	{ "/calico/v1/policy/profile/p1/rules" },
	{ "/calico/v1/policy/profile/p1/tags" },
	{ "/calico/v1/policy/profile/p2/rules" },
	{ "/calico/v1/policy/profile/p2/tags" },
	{ "/calico/v1/policy/tier/default/policy/x", false, true },
};

static void count_all(struct counts *c)
{
	counts_init(c);
	for (size_t i = 0; i < sizeof(count_cases) / sizeof(count_cases[0]); i++) {
		const struct count_case *cc = &count_cases[i];
		struct dsck_record r = { 0 };

		r.key = cc->key;
		r.key_len = strlen(cc->key);
		r.dir = cc->dir;
		r.has_ttl = cc->ttl;
		r.value = cc->dir ? NULL : "v";
		r.value_len = cc->dir ? 0 : 1;
		counts_add(c, &r, NULL);
	}
}

static void test_counts(void **state)
{
	struct counts c;
	struct source snap, live;

	(void)state;
	count_all(&c);
	/* 22 records: 3 directories (one ephemeral, not counted), 3 ephemeral keys. */
	assert_int_equal(c.dirs, 2);
	assert_int_equal(c.ephemeral, 3);
	assert_int_equal(c.keys, 22 - 3 - 3);
	assert_int_equal(c.ttl, 2);
	assert_int_equal(c.model_keys, 1);
	/* One profile is one object although it is three keys. */
	assert_int_equal(c.objects[CALICO_PROFILE], 2);
	assert_int_equal(c.kind_keys[CALICO_PROFILE], 5);
	assert_int_equal(c.objects[CALICO_HOST], 2);
	assert_int_equal(c.kind_keys[CALICO_HOST], 4);
	assert_int_equal(c.objects[CALICO_HOST_CONFIG], 1);
	assert_int_equal(c.objects[CALICO_BGP_HOST], 2);
	assert_int_equal(c.kind_keys[CALICO_BGP_HOST], 3);
	assert_int_equal(c.objects[CALICO_BGP_PEER], 1);
	assert_int_equal(c.objects[CALICO_FELIX_STATUS], 3);
	assert_int_equal(c.objects[CALICO_DIRECTORY], 2);
	assert_int_equal(c.kind_keys[CALICO_DIRECTORY], 0);
	assert_int_equal(counts_objects(&c), 2 + 2 + 1 + 2 + 1 + 3 + 1 + 1);

	/* A snapshot saved without ephemeral keys cannot say how many there were. */
	memset(&snap, 0, sizeof(snap));
	snap.kind = SOURCE_SNAPSHOT;
	snap.snap.hdr.ephemeral_included = false;
	counts_finish(&c, &snap);
	assert_true(c.ephemeral_unknown);
	/* A live source counts those its filter left out. */
	memset(&live, 0, sizeof(live));
	live.kind = SOURCE_V2;
	live.ephemeral_left_out = 4;
	count_all(&c);
	counts_finish(&c, &live);
	assert_false(c.ephemeral_unknown);
	assert_int_equal(c.ephemeral, 3 + 4);
	assert_int_equal(c.keys, 16);
}

static void test_inspect_clean(void **state)
{
	struct inspect in;

	(void)state;
	run_inspect(&in, NULL, NULL, NULL, 0);
	assert_int_equal(in.findings.n, 0);
	assert_true(findings_ok(&in.findings));
	assert_int_equal(in.records, N_CLEAN);
	/* One directory, the rest leaf keys (docs/json.md, "Counts"). */
	assert_int_equal(in.counts.keys, N_CLEAN - 1);
	assert_int_equal(in.counts.dirs, 1);
	assert_int_equal(in.counts.objects[CALICO_DIRECTORY], 1);
	assert_int_equal(in.counts.objects[CALICO_IPAM_BLOCK], 1);
	assert_int_equal(in.ready, INSPECT_READY_TRUE);
	assert_string_equal(in.calico_version, "v2.6.5");
	assert_string_equal(in.cluster_guid, "guid-1");
	assert_int_equal(inspect_model(&in), INSPECT_MODEL_V1);
	assert_string_equal(inspect_model_name(inspect_model(&in)), "v1");
	inspect_release(&in);
}

static void test_inspect_ready_and_version(void **state)
{
	const struct kv not_ready[] = { { "/calico/v1/Ready", "TRUE" } };
	const struct kv old[] = { { "/calico/v1/config/CalicoVersion", "v2.6.4" } };
	const struct kv odd[] = { { "/calico/v1/config/CalicoVersion", "master\xff" } };
	struct inspect in;

	(void)state;
	run_inspect(&in, NULL, NULL, not_ready, 1);
	assert_only(&in, "ready-not-true", "/calico/v1/Ready");
	assert_int_equal(in.findings.v[0].sev, SEV_ERROR);
	assert_int_equal(in.ready, INSPECT_READY_FALSE);
	assert_false(findings_ok(&in.findings));
	inspect_release(&in);

	run_inspect(&in, NULL, "/calico/v1/Ready", NULL, 0);
	assert_only(&in, "ready-not-true", "/calico/v1/Ready");
	assert_non_null(strstr(in.findings.v[0].detail, "missing"));
	assert_int_equal(in.ready, INSPECT_READY_UNKNOWN);
	inspect_release(&in);

	run_inspect(&in, NULL, NULL, old, 1);
	assert_only(&in, "version-too-old-for-calico-upgrade", "/calico/v1/config/CalicoVersion");
	assert_int_equal(in.findings.v[0].sev, SEV_INFO);
	assert_true(findings_ok(&in.findings));
	inspect_release(&in);

	run_inspect(&in, NULL, NULL, odd, 1);
	assert_only(&in, "version-too-old-for-calico-upgrade", "/calico/v1/config/CalicoVersion");
	assert_string_equal(in.calico_version, "master\\xff");   /* display text */
	inspect_release(&in);

	run_inspect(&in, NULL, "/calico/v1/config/CalicoVersion", NULL, 0);
	assert_only(&in, "version-too-old-for-calico-upgrade", "/calico/v1/config/CalicoVersion");
	inspect_release(&in);
}

static void test_inspect_profiles_and_tiers(void **state)
{
	const struct kv other_tier[] = {
		{ "/calico/v1/policy/tier/other/policy/p", "{\"selector\":\"all()\"}" },
	};
	const struct kv bad_json[] = { { NODE_WEP_KEY, "{\"state\":" } };
	struct inspect in;

	(void)state;
	run_inspect(&in, NULL, "/calico/v1/policy/profile/k8s_ns.default/tags", NULL, 0);
	assert_only(&in, "profile-missing", NODE_WEP_KEY);
	assert_non_null(strstr(in.findings.v[0].detail, "'k8s_ns.default'"));
	inspect_release(&in);

	run_inspect(&in, NULL, NULL, other_tier, 1);
	assert_only(&in, "non-default-tier", "/calico/v1/policy/tier/other/policy/p");
	inspect_release(&in);

	run_inspect(&in, NULL, NULL, bad_json, 1);
	assert_only(&in, "malformed-value", NODE_WEP_KEY);
	assert_non_null(strstr(in.findings.v[0].detail, "workload_endpoint: not valid JSON"));
	inspect_release(&in);
}

static void test_inspect_ipam(void **state)
{
	const struct kv outside[] = {
		{ "/calico/ipam/v2/assignment/ipv4/block/10.99.0.0-30",
		  "{\"cidr\":\"10.99.0.0/30\",\"affinity\":null,\"allocations\":[null,null,null,"
		  "null],\"unallocated\":[0,1,2,3],\"attributes\":[]}" },
	};
	const struct kv miscount[] = { { NODE_HANDLE_KEY, "{\"block\":{\"192.168.1.0/30\":2}}" } };
	const struct kv elsewhere[] = {
		{ "/calico/ipam/v2/host/node-2/ipv4/block/192.168.1.0-30", "{}" },
	};
	struct inspect in;

	(void)state;
	run_inspect(&in, NULL, NODE_AFFINITY_KEY, NULL, 0);
	assert_only(&in, "block-without-affinity", NODE_BLOCK_KEY);
	inspect_release(&in);

	run_inspect(&in, NULL, NODE_BLOCK_KEY, NULL, 0);
	assert_int_equal(in.findings.n, 2);   /* the handle now counts a missing block too */
	assert_int_equal(findings_count(&in.findings, "affinity-without-block"), 1);
	assert_int_equal(findings_count(&in.findings, "handle-count-mismatch"), 1);
	assert_string_equal(in.findings.v[1].key, NODE_AFFINITY_KEY);
	inspect_release(&in);

	run_inspect(&in, NULL, NULL, elsewhere, 1);
	assert_only(&in, "affinity-without-block",
		    "/calico/ipam/v2/host/node-2/ipv4/block/192.168.1.0-30");
	assert_non_null(strstr(in.findings.v[0].detail, "affine to host 'node-1'"));
	inspect_release(&in);

	run_inspect(&in, NULL, NULL, outside, 1);
	assert_only(&in, "block-outside-pools", outside[0].key);
	inspect_release(&in);

	run_inspect(&in, NULL, NULL, miscount, 1);
	assert_only(&in, "handle-count-mismatch", NODE_HANDLE_KEY);
	assert_non_null(strstr(in.findings.v[0].detail, "counts 2 address(es)"));
	inspect_release(&in);

	/* An address no handle counts: reported on the block. */
	run_inspect(&in, NULL, NODE_HANDLE_KEY, NULL, 0);
	assert_only(&in, "handle-count-mismatch", NODE_BLOCK_KEY);
	assert_non_null(strstr(in.findings.v[0].detail, "attributes[1]"));
	inspect_release(&in);

	/* No pools at all: every block lies outside them. */
	run_inspect(&in, NULL, "/calico/v1/ipam/v4/pool/192.168.0.0-16", NULL, 0);
	assert_only(&in, "block-outside-pools", NODE_BLOCK_KEY);
	inspect_release(&in);
}

static void test_inspect_scope(void **state)
{
	struct keyfilter hosts, ipam;
	struct inspect in;

	(void)state;
	/* Out of scope, the other side of a cross-check is not missing, only unseen. */
	keyfilter_init(&hosts, "/calico/v1/host", false);
	run_inspect(&in, &hosts, "/calico/v1/policy/profile/k8s_ns.default/tags", NULL, 0);
	assert_int_equal(in.findings.n, 0);
	inspect_release(&in);
	keyfilter_init(&ipam, "/calico/ipam", false);
	run_inspect(&in, &ipam, "/calico/v1/ipam/v4/pool/192.168.0.0-16", NULL, 0);
	assert_int_equal(in.findings.n, 0);
	inspect_release(&in);
}

static void test_inspect_v3_and_models(void **state)
{
	const struct kv v3[] = {
		{ "/calico/resources/v3/projectcalico.org/clusterinformations/default",
		  "{\"kind\":\"ClusterInformation\",\"apiVersion\":\"projectcalico.org/v3\","
		  "\"metadata\":{\"name\":\"default\"},\"spec\":{\"clusterGUID\":\"guid-3\","
		  "\"calicoVersion\":\"v3.0.1\",\"datastoreReady\":false}}" },
	};
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_record r = { .key = v3[0].key, .value = v3[0].value };
	struct inspect in;

	(void)state;
	/* Mixed: both models; the v1 keys speak for Ready and the config. */
	run_inspect(&in, NULL, NULL, v3, 1);
	assert_int_equal(inspect_model(&in), INSPECT_MODEL_MIXED);
	assert_int_equal(in.ready, INSPECT_READY_TRUE);
	assert_string_equal(in.calico_version, "v2.6.5");
	assert_only(&in, "ready-not-true", v3[0].key);
	inspect_release(&in);

	/* v3 only: the ClusterInformation speaks. */
	r.key_len = strlen(r.key);
	r.value_len = strlen(r.value);
	assert_int_equal(inspect_init(&in, NULL, &err), DSCK_OK);
	assert_int_equal(inspect_add(&in, &r, &err), DSCK_OK);
	assert_int_equal(inspect_finish(&in, &err), DSCK_OK);
	assert_int_equal(inspect_model(&in), INSPECT_MODEL_V3);
	assert_int_equal(in.ready, INSPECT_READY_FALSE);
	assert_string_equal(in.calico_version, "v3.0.1");
	assert_string_equal(in.cluster_guid, "guid-3");
	inspect_release(&in);

	/* Nothing of either model. */
	assert_int_equal(inspect_init(&in, NULL, &err), DSCK_OK);
	assert_int_equal(inspect_finish(&in, &err), DSCK_OK);
	assert_int_equal(inspect_model(&in), INSPECT_MODEL_EMPTY);
	assert_int_equal(in.ready, INSPECT_READY_UNKNOWN);
	assert_null(in.calico_version);
	inspect_release(&in);
}

static void test_inspect_findings_are_capped(void **state)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct inspect in;
	char key[64];

	(void)state;
	assert_int_equal(inspect_init(&in, NULL, &err), DSCK_OK);
	for (int i = 0; i < 1500; i++) {
		struct dsck_record r = { .key = key, .value = "x", .value_len = 1 };

		r.key_len = (size_t)snprintf(key, sizeof(key), "/calico/junk/%04d", i);
		assert_int_equal(inspect_add(&in, &r, &err), DSCK_OK);
	}
	assert_int_equal(inspect_finish(&in, &err), DSCK_OK);
	assert_int_equal(findings_count(&in.findings, "unknown-key"), 1500);
	assert_true(in.findings.n < 1500);
	assert_int_equal(in.counts.objects[CALICO_UNKNOWN], 1500);
	inspect_release(&in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_key_pattern),
		cmocka_unit_test(test_directories_and_odd_keys),
		cmocka_unit_test(test_cidrs),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_value_shapes),
		cmocka_unit_test(test_accessors),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_inspect_clean),
		cmocka_unit_test(test_inspect_ready_and_version),
		cmocka_unit_test(test_inspect_profiles_and_tiers),
		cmocka_unit_test(test_inspect_ipam),
		cmocka_unit_test(test_inspect_scope),
		cmocka_unit_test(test_inspect_v3_and_models),
		cmocka_unit_test(test_inspect_findings_are_capped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
