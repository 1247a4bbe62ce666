/*
 * calico: the Calico data model as stored in etcd (docs/calico-model.md):
 * which kind of object a key holds, the names the key carries,
 * and whether a value has the shape Calico writes for that key.
 *
 * Keys are classified by their path alone (and the v2 directory flag), so the
 * same classifier serves v1-model data in the v2 store, its copy in the v3
 * store made by `etcdctl migrate`, and v3-model resource keys
 * (/calico/resources/v3/projectcalico.org/<plural>/[<namespace>/]<name>).
 * Names come back decoded: Calico's %25/%2f escaping is undone for the kinds
 * that use it (orchestrator, workload, endpoint, profile and policy names) and
 * the '-' that stands for the '/' of a CIDR in a key is turned back.
 *
 * Values are checked against the format of their key: JSON documents (parsed
 * with jansson), raw strings, raw IPs and CIDRs, raw AS numbers. A checked
 * value keeps its document, and the accessors at the end read the few facts
 * cross-checks need from it without parsing again.
 *
 * Nothing here prints; only calico_value_parse() allocates (the document).
 */
#ifndef DSCK_CALICO_H
#define DSCK_CALICO_H

/* The v1 lock: "true" lets Felix and the CNI plugin act (docs/calico-model.md). */
#define CALICO_READY_KEY "/calico/v1/Ready"
#define CALICO_READY_KEY_LEN (sizeof(CALICO_READY_KEY) - 1)

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

/* Kind names (docs/calico-model.md), in this order (see calico_kind_name()). */
enum calico_kind {
	CALICO_READY,
	CALICO_GLOBAL_CONFIG,
	CALICO_HOST_CONFIG,
	CALICO_HOST,               /* a host's metadata, bird_ip, orchestrator_refs */
	CALICO_WORKLOAD_ENDPOINT,
	CALICO_HOST_ENDPOINT,
	CALICO_PROFILE,            /* one of a profile's tags, rules, labels */
	CALICO_POLICY,
	CALICO_IP_POOL,
	CALICO_IPAM_BLOCK,
	CALICO_IPAM_AFFINITY,
	CALICO_IPAM_HANDLE,
	CALICO_IPAM_CONFIG,
	CALICO_BGP_GLOBAL,
	CALICO_BGP_PEER,
	CALICO_BGP_HOST,
	CALICO_FELIX_STATUS,
	CALICO_DIRECTORY,          /* any v2 directory */
	CALICO_V3_RESOURCE,
	CALICO_UNKNOWN,
	CALICO_KIND__COUNT
};

/* How a key's value is encoded and what shape it must have. */
enum calico_format {
	CALICO_FMT_NONE,            /* directories: no value */
	CALICO_FMT_TEXT,            /* raw string, anything goes (config, affinity marker) */
	CALICO_FMT_READY,           /* raw bool: see calico_ready_is_true() */
	CALICO_FMT_IP,              /* raw IP address of the key's family, or empty */
	CALICO_FMT_CIDR,            /* raw CIDR of the key's family, or empty */
	CALICO_FMT_ASN,             /* raw AS number: decimal or asdot */
	CALICO_FMT_NODE_MESH,       /* raw string holding {"enabled":bool} */
	CALICO_FMT_HOST_METADATA,
	CALICO_FMT_ORCHESTRATOR_REFS,
	CALICO_FMT_WORKLOAD_ENDPOINT,
	CALICO_FMT_HOST_ENDPOINT,
	CALICO_FMT_PROFILE_TAGS,
	CALICO_FMT_PROFILE_RULES,
	CALICO_FMT_PROFILE_LABELS,
	CALICO_FMT_POLICY,
	CALICO_FMT_IP_POOL,
	CALICO_FMT_IPAM_BLOCK,
	CALICO_FMT_IPAM_HANDLE,
	CALICO_FMT_IPAM_CONFIG,
	CALICO_FMT_BGP_PEER,
	CALICO_FMT_FELIX_REPORT,    /* Felix status / last_reported_status */
	CALICO_FMT_ENDPOINT_STATUS,
	CALICO_FMT_V3_RESOURCE,
	CALICO_FMT__COUNT
};

/* Longer keys are not Calico's: they are classified unknown. */
#define CALICO_KEY_MAX 2048

/*
 * A classified key. Each name is NULL when the key does not carry it, else a
 * decoded, NUL-terminated string in text[] (valid as long as the struct).
 */
struct calico_key {
	enum calico_kind kind;
	enum calico_format format;
	int family;                /* 4 or 6 where the key says (pools, blocks, peers...); else 0 */
	const char *host;
	const char *orchestrator;
	const char *workload;
	const char *endpoint;      /* workload endpoint, host endpoint or status endpoint */
	const char *profile;
	const char *tier;
	const char *policy;
	const char *cidr;          /* with '/' (pools, blocks, affinities) */
	const char *handle;
	const char *peer_ip;
	const char *config;        /* config or BGP setting name */
	const char *resource;      /* v3: the plural, e.g. "ippools" */
	const char *ns;            /* v3: the namespace of a namespaced resource */
	const char *name;          /* v3: the resource name */
	char text[CALICO_KEY_MAX];
};

const char *calico_kind_name(enum calico_kind kind);
/* True for kinds only the v1 data model has. IPAM and Felix keys have the
 * same paths in both models; directories and unknown keys belong to neither. */
bool calico_kind_is_v1_model(enum calico_kind kind);

/* Classify @key (@len bytes, need not be NUL-terminated); @dir: a v2 directory. */
void calico_key_parse(struct calico_key *k, const char *key, size_t len, bool dir);

/* An IPv4 or IPv6 network, host bits cleared. */
struct calico_cidr {
	int family;                /* 4 or 6 */
	unsigned char addr[16];
	unsigned bits;
};

/* Ready's raw bool: only the exact text "true" counts; anything else is false
 * (Felix and the CNI plugin compare it so), so no Ready value is malformed. */
bool calico_ready_is_true(const char *value, size_t len);

/* Parse "a.b.c.d/n" or "x:y::/n" (the strict Go net.ParseCIDR syntax). */
bool calico_cidr_parse(const char *s, struct calico_cidr *c);
bool calico_cidr_equal(const struct calico_cidr *a, const struct calico_cidr *b);
/* True when @inner lies entirely inside @outer (same family). */
bool calico_cidr_contains(const struct calico_cidr *outer, const struct calico_cidr *inner);

/* A release number as calico-upgrade reads CalicoVersion: "v2.6.5", "2.6.5-rc1". */
struct calico_version {
	unsigned major, minor, patch;
};

/* Leading 'v' optional; pre-release and build suffixes are ignored. */
bool calico_version_parse(const char *s, struct calico_version *v);
int calico_version_cmp(const struct calico_version *a, const struct calico_version *b);

#define CALICO_PROBLEM_MAX 256

struct calico_value {
	json_t *doc;                       /* JSON formats: the document (owned); else NULL */
	char problem[CALICO_PROBLEM_MAX];  /* why the value is malformed; "" when it is not */
};

/*
 * Check @value (@len bytes) against the format of @k. A malformed value is not
 * a failure: it returns DSCK_OK with v->problem saying what is wrong (and
 * v->doc NULL). Fails only with DSCK_ERR_NOMEM. Release @v in every case.
 */
enum dsck_err calico_value_parse(struct calico_value *v, const struct calico_key *k,
				 const char *value, size_t len, struct dsck_error *err);
void calico_value_release(struct calico_value *v);

/*
 * Accessors for well-formed values (v->problem empty); results borrow from
 * v->doc or @k.
 */
/* Workload and host endpoints: the profile_ids array (of strings), or NULL. */
json_t *calico_endpoint_profiles(const struct calico_value *v);
/* IPAM blocks: the host of an "host:<h>" affinity (or legacy hostAffinity), or NULL. */
const char *calico_block_host(const struct calico_value *v);
/* IPAM blocks: the number of addresses (ordinals). */
size_t calico_block_size(const struct calico_value *v);
/* IPAM blocks: the handle owning @ordinal and its attribute index; NULL when
 * the address is free or has no handle (the IPIP tunnel address). */
const char *calico_block_handle(const struct calico_value *v, size_t ordinal, size_t *attr);
/* IPAM handles: the "block" object, CIDR -> address count (a non-negative integer). */
json_t *calico_handle_blocks(const struct calico_value *v);
/* The CIDR of a v1 IP pool key or of a v3 ippools resource; NULL for anything else. */
const char *calico_pool_cidr(const struct calico_key *k, const struct calico_value *v);

/* What the v3 ClusterInformation "default" holds of the v1 Ready/config keys. */
struct calico_cluster_info {
	int datastore_ready;       /* 1, 0, or -1 when not set */
	const char *calico_version;
	const char *cluster_guid;
};

/* True (and @out filled) when @k is clusterinformations/default. */
bool calico_cluster_info(const struct calico_key *k, const struct calico_value *v,
			 struct calico_cluster_info *out);

#endif
