/*
 * k8scheck: the Kubernetes-datastore checks, over a k8s_source (the API or
 * `kubectl get -o json` dumps). They compute results as data; the CLI
 * renders them.
 *
 *  - k8s-crd-migration (SPEC §8, calico-data.md §4): before calico-node
 *    >= v2.5 rolls, is the ThirdPartyResource data copied into the five
 *    CustomResourceDefinitions, with the values mapped right, and may
 *    calico-node read them?
 *  - policy-semantics (SPEC §9, calico-data.md §5.3): per namespace, what
 *    the NetworkPolicy semantics change will do and the kubectl command
 *    that keeps today's behaviour.
 *
 * The comparison and verdict helpers below are pure; the unit tests call
 * them directly.
 */
#ifndef DSCK_K8SCHECK_H
#define DSCK_K8SCHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "dsck/buf.h"
#include "dsck/findings.h"
#include "dsck/k8s.h"

/* --- k8s-crd-migration --- */

struct crd_migration {
	struct findings findings;
	char k8s_version[64];         /* "" when /version was not available */
	bool crd_api_served;          /* the CRD definitions could be listed */
	char crd_api[96];             /* their group/version, "" when unknown */
	bool tpr_api;                 /* the TPR API answered */
	bool rbac_api;                /* the RBAC API answered */
	char node_daemonset[64];      /* "calico-node", "canal", or "" when none */
	char node_image[256];
	int node_major, node_minor;   /* -1 when the image tag is not a version */
	size_t tpr_objects, crd_objects, compared;
};

void crd_migration_init(struct crd_migration *r);
void crd_migration_release(struct crd_migration *r);
enum dsck_err check_k8s_crd_migration(struct k8s_source *src, struct crd_migration *res,
				      struct dsck_error *err);

/* How a CRD object compares with the TPR object it was migrated from. */
enum crd_compare { CRD_MATCH, CRD_MISMATCH, CRD_UNPARSEABLE };

/*
 * The mapping of calico-data.md §4.4, one function per kind. On
 * CRD_MISMATCH @detail names the fields; on CRD_UNPARSEABLE it says what
 * is wrong with the TPR object.
 */
enum crd_compare crd_compare_config(const char *name, const json_t *tpr_spec,
				    const json_t *crd_spec, struct buf *detail);
enum crd_compare crd_compare_ippool(const char *name, const json_t *tpr_spec,
				    const json_t *crd_spec, struct buf *detail);
enum crd_compare crd_compare_bgppeer(const char *name, const json_t *tpr_spec,
				     const json_t *crd_spec, struct buf *detail);
/* The peer IP a GlobalBgpPeer name encodes ("192-168-1-1", "fd00--1"). */
bool crd_peer_ip_from_name(const char *name, char *ip, size_t n);
/* "quay.io/calico/node:v2.5.1" -> 2, 5; false when the tag is not a version. */
bool crd_image_version(const char *image, int *major, int *minor);

/* --- policy-semantics --- */

#define POLICY_ANNOTATION "net.beta.kubernetes.io/network-policy"
#define POLICY_LEGACY_ANNOTATION "net.alpha.kubernetes.io/network-isolation"

enum policy_annotation {
	ANNOTATION_ABSENT,
	ANNOTATION_DEFAULT_DENY,      /* valid JSON, ingress.isolation == "DefaultDeny" */
	ANNOTATION_OTHER,             /* valid JSON, anything else */
	ANNOTATION_INVALID,           /* not JSON */
};

enum policy_verdict { VERDICT_OK, VERDICT_ACTION, VERDICT_WARN };

struct policy_namespace {
	char *name;
	char *annotation;             /* raw value; NULL when absent */
	enum policy_annotation parse;
	bool legacy;                  /* the pre-v0.2 alpha annotation is set */
	char **policies;              /* NetworkPolicy names, sorted */
	size_t n_policies;
	bool has_default_deny;
	enum policy_verdict verdict;
	char *action;                 /* the kubectl command for ACTION, else NULL */
	char *reason;
};

struct policy_semantics {
	struct policy_namespace *ns;  /* sorted by name */
	size_t n;
	size_t by_verdict[3];
	char np_api_version[64];      /* for the NetworkPolicy that ACTION creates */
};

void policy_semantics_init(struct policy_semantics *r);
void policy_semantics_release(struct policy_semantics *r);
enum dsck_err check_policy_semantics(struct k8s_source *src, struct policy_semantics *res,
				     struct dsck_error *err);

const char *policy_annotation_name(enum policy_annotation a);
const char *policy_verdict_name(enum policy_verdict v);
enum policy_annotation policy_parse_annotation(const char *value);
/* Empty podSelector, no ingress rules, policyTypes absent or only Ingress. */
bool policy_is_default_deny(const json_t *networkpolicy);
enum policy_verdict policy_verdict(enum policy_annotation a, bool legacy, size_t n_policies,
				   bool has_default_deny);

#endif
