/*
 * upgrade: Calico's v1 -> v3 data conversion as calico-upgrade performs it
 * (docs/calico-upgrade.md): v1 keys of the v2 store in, v3 resources (key
 * and value) out, with the same names, selectors, rules and IPAM rewrites.
 *
 * The converter is a stream: records go in in key order (as every source
 * gives them) and each v3 object comes out through a callback as soon as it
 * is known. Objects spread over several v1 keys are assembled on the way:
 * a profile from its three leaves (adjacent in key order), and, at the end,
 * nodes, Felix and BGP configuration and ClusterInformation, whose parts are
 * scattered over the keyspace. What is kept meanwhile is per node and per
 * setting, never per workload endpoint, so memory does not follow the number
 * of endpoints.
 *
 * Conversion problems do not stop the stream: they come out as notes
 * (conversion errors, objects skipped by design, keys calico-upgrade drops
 * without a word), each with the v1 key, so a check can report all of them.
 *
 * Typical use:
 *	struct upgrade u;
 *	upgrade_init(&u, &sink);
 *	for each record: rc = upgrade_add(&u, &rec, &err);
 *	rc = upgrade_finish(&u, &err);
 *	upgrade_release(&u);
 */
#ifndef DSCK_UPGRADE_H
#define DSCK_UPGRADE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"
#include "store/record.h"

/* Longest name or v3 key the rules produce; longer input is a conversion error. */
#define UPGRADE_NAME_MAX 1024

/*
 * Name rules. Each writes a NUL-terminated name into @out (@cap bytes) and
 * returns false when it would not fit (or, for IPs and CIDRs, when @in is
 * not one).
 */
/* Lower-case; '/' -> '.'; runs outside [-.a-z0-9] -> '-'; [.-] runs holding a
 * '.' -> '.'; no leading or trailing '.' or '-'. Node names use exactly this. */
bool upgrade_normalize_name(const char *in, char *out, size_t cap);
/* Normalised, plus "-" and 8 hex digits of SHA-1(@in) when that changed it. */
bool upgrade_convert_name(const char *in, char *out, size_t cap);
/* The same with every '.' turned into '-' before the qualifier (policies). */
bool upgrade_convert_name_no_dots(const char *in, char *out, size_t cap);
/* "k8s_ns.<ns>" -> "kns.<ns>", then upgrade_convert_name. */
bool upgrade_profile_name(const char *in, char *out, size_t cap);
/* IPv4 dots -> '-'; IPv6 as eight 4-digit hex groups joined by '-'. */
bool upgrade_ip_name(const char *ip, char *out, size_t cap);
/* The masked CIDR with '.', ':' and '/' -> '-'. */
bool upgrade_pool_name(const char *cidr, char *out, size_t cap);
/* Segments joined by '-', each with its '-' doubled. @workload is the pod
 * (k8s), the container ID (cni) or the workload name of other orchestrators. */
bool upgrade_wep_name(const char *node, const char *orchestrator, const char *workload,
		      const char *endpoint, char *out, size_t cap);
/* A selector with every "calico/k8s_ns" replaced by "projectcalico.org/namespace"
 * (allocated; NULL when out of memory). */
char *upgrade_selector(const char *sel);

/* One converted object. */
struct upgrade_object {
	const char *v1_key;        /* the v1 key, or the v1 directory several keys come from */
	const char *v3_key;
	const char *kind;          /* v3 kind ("WorkloadEndpoint"), or "IPAMBlock", ... */
	bool ipam;                 /* an IPAM key (same layout in both models) */
	bool presence_only;        /* only the key matters (block affinities) */
	json_t *doc;               /* the expected v3 value (borrowed for the callback) */
};

enum upgrade_note_kind {
	UPGRADE_NOTE_ERROR,        /* calico-upgrade would refuse: conversion error */
	UPGRADE_NOTE_SKIPPED,      /* not converted by design (knp.default.*, k8s_ns.*, ...) */
	UPGRADE_NOTE_DROPPED,      /* silently not migrated by calico-upgrade (bad value, tier) */
	UPGRADE_NOTE_UNCHECKED,    /* converted by calico-upgrade in a way dsck does not model */
	UPGRADE_NOTE_SEMANTICS,    /* converted, but it will not mean the same in v3 */
};

struct upgrade_sink {
	enum dsck_err (*object)(void *ctx, const struct upgrade_object *o, struct dsck_error *err);
	enum dsck_err (*note)(void *ctx, enum upgrade_note_kind kind, const char *v1_key,
			      const char *detail, struct dsck_error *err);
	void *ctx;
};

struct upgrade {
	struct upgrade_sink sink;
	/* What the v1 data says about the upgrade itself. */
	int ready;                 /* /calico/v1/Ready: 1 "true", 0 anything else, -1 absent */
	char *calico_version;      /* /calico/v1/config/CalicoVersion, NULL when absent */
	size_t v1_keys;            /* v1-model and IPAM keys seen */
	/* Assembly state (private). */
	json_t *global_config;     /* name -> value */
	json_t *bgp_global;        /* "as_num", "loglevel", "node_mesh" -> value */
	json_t *nodes;             /* v1 host name -> {"config":{}, "ip4":..., ...} */
	json_t *profile;           /* the profile being assembled, or NULL */
	char *profile_name;
	char *profile_key;         /* its directory, as stored (escaped) */
};

void upgrade_init(struct upgrade *u, const struct upgrade_sink *sink);
/* Records in key order; directories and non-Calico keys are ignored or noted. */
enum dsck_err upgrade_add(struct upgrade *u, const struct dsck_record *r, struct dsck_error *err);
/* Emit what is assembled from scattered keys (nodes, configuration). */
enum dsck_err upgrade_finish(struct upgrade *u, struct dsck_error *err);
void upgrade_release(struct upgrade *u);

/*
 * The part of a v3 value that carries meaning, in one form for both sides
 * of a comparison: kind, metadata name/namespace/labels/annotations and spec
 * (or the whole value of an IPAM key); empty strings, lists, maps, false and
 * null dropped (Go's omitempty), integral numbers as integers, v3 defaults
 * calico-upgrade versions differ on (IP pool node selector and block size)
 * dropped, rule selectors with the namespace label in its v3 spelling.
 * Returns a new reference, or NULL when out of memory.
 */
json_t *upgrade_canonical(json_t *doc, bool ipam);
/*
 * The paths where two canonical values differ ("spec.selector, metadata.labels"),
 * written into @out (cut at @cap). Returns the number of differing paths.
 */
size_t upgrade_diff(json_t *want, json_t *got, char *out, size_t cap);

#endif
