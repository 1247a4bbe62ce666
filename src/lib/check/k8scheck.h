/*
 * k8scheck: the Kubernetes-datastore checks, over a k8s_source (the API or
 * `kubectl get -o json` dumps). They compute results as data; the CLI
 * renders them.
 *
 *  - k8s-crd-migration (docs/checks.md, docs/kubernetes-datastore.md): before calico-node
 *    >= v2.5 rolls, is the ThirdPartyResource data copied into the five
 *    CustomResourceDefinitions, with the values mapped right, and may
 *    calico-node read them?
 *  - policy-semantics (docs/checks.md, docs/kubernetes-datastore.md): per namespace, what
 *    the NetworkPolicy semantics change will do and the kubectl command
 *    that keeps today's behaviour.
 *  - node-roll (docs/checks.md): the steps of Calico's upgrade guide around the
 *    roll of calico-node: one policy controller, rolled with Recreate; no
 *    pre-2.0 ReplicaSet left; calico-node image per node; nodes cordoned
 *    while their pod is replaced and uncordoned after; ConfigMap changes
 *    applied by restarts.
 *
 * The comparison and verdict helpers below are pure; the unit tests call
 * them directly.
 */
#ifndef DSCK_K8SCHECK_H
#define DSCK_K8SCHECK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/findings.h"
#include "store/k8s.h"

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
	char cluster_type[128];       /* GlobalFelixConfig ClusterType, "" when not readable */
	size_t tpr_objects, crd_objects, compared;
};

void crd_migration_init(struct crd_migration *r);
void crd_migration_release(struct crd_migration *r);
enum dsck_err check_k8s_crd_migration(struct k8s_source *src, struct crd_migration *res,
				      struct dsck_error *err);

/* How a CRD object compares with the TPR object it was migrated from. */
enum crd_compare { CRD_MATCH, CRD_MISMATCH, CRD_UNPARSEABLE };

/*
 * The mapping of docs/kubernetes-datastore.md, one function per kind. On
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

/* INFO: the annotation or policies would matter, but the change is behind this cluster. */
enum policy_verdict { VERDICT_OK, VERDICT_ACTION, VERDICT_WARN, VERDICT_INFO };

/* Whether the upgrade crosses the semantics change (docs/checks.md). */
enum policy_scope {
	POLICY_APPLIES,               /* running below the boundary, target not below it */
	POLICY_NOT_APPLICABLE,        /* already past the boundary, or the upgrade stays below */
	POLICY_VERSION_UNKNOWN,       /* running version or datastore unknown: actions conditional */
};

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
	size_t by_verdict[4];
	char np_api_version[64];      /* for the NetworkPolicy that ACTION creates */
	char to_version[64];          /* input: --to-version ("" for the default) */
	char datastore[16];           /* "kubernetes", "etcdv2", "" when unknown */
	char node_image[256];         /* the calico-node DaemonSet's image, "" when none */
	char running[32];             /* oldest calico-node "MAJOR.MINOR" running, "" unknown */
	const char *running_from;     /* "pods", "daemonset" or NULL */
	char target[32];              /* "MAJOR.MINOR" upgraded to, "" unknown */
	const char *target_from;      /* "--to-version", "daemonset" or NULL */
	char boundary[16];            /* "2.3" (kubernetes), "2.4" (etcd), "" unknown */
	enum policy_scope scope;
	char scope_reason[512];
};

void policy_semantics_init(struct policy_semantics *r);
void policy_semantics_release(struct policy_semantics *r);
enum dsck_err check_policy_semantics(struct k8s_source *src, struct policy_semantics *res,
				     struct dsck_error *err);

const char *policy_annotation_name(enum policy_annotation a);
const char *policy_verdict_name(enum policy_verdict v);
const char *policy_scope_name(enum policy_scope s);
/*
 * Whether an upgrade from @running to @target (MAJOR.MINOR, -1 when
 * unknown) of a cluster with @datastore (NULL when unknown) crosses the
 * semantics change: Kubernetes datastore at v2.3, etcd at v2.4.
 */
enum policy_scope policy_scope(const char *datastore, int run_major, int run_minor,
			       int to_major, int to_minor);
enum policy_annotation policy_parse_annotation(const char *value);
/* Empty podSelector, no ingress rules, policyTypes absent or only Ingress. */
bool policy_is_default_deny(const json_t *networkpolicy);
enum policy_verdict policy_verdict(enum policy_annotation a, bool legacy, size_t n_policies,
				   bool has_default_deny);

/* --- node-roll --- */

#define NODE_ROLL_CONFIGMAP "calico-config"

/* Where a node's calico-node pod stands in the roll. */
enum node_roll_state {
	NODE_ROLL_UPDATED,            /* of the DaemonSet's current template and ready */
	NODE_ROLL_REPLACING,          /* terminating, or not ready */
	NODE_ROLL_OLD,                /* ready, of an older template: due for replacement */
};

/* The roll as a whole. */
enum node_roll_phase {
	NODE_ROLL_NO_DAEMONSET,       /* no calico-node (or canal) DaemonSet in kube-system */
	NODE_ROLL_NO_PODS,            /* the DaemonSet has no pods */
	NODE_ROLL_COMPLETE,           /* every node updated */
	NODE_ROLL_ROLLING,            /* some nodes on the desired image, not all */
	NODE_ROLL_NOT_STARTED,        /* no pod on the desired image */
};

/* Whether a pod is known to run with the ConfigMap's last change. */
enum node_roll_config {
	NODE_ROLL_CONFIG_APPLIED,     /* the pod started after the last change */
	NODE_ROLL_CONFIG_NOT_APPLIED, /* the ConfigMap changed after the pod started */
	NODE_ROLL_CONFIG_UNPROVEN,    /* the times cannot tell */
};

struct node_roll_node {
	char *name;                   /* spec.nodeName of its calico-node pod */
	char *pod;                    /* that pod: the newest one not terminating */
	char *image;                  /* its calico-node container's image */
	bool ready, terminating;
	bool current;                 /* of the DaemonSet's current template (docs/checks.md) */
	long long generation;         /* its pod-template-generation label, -1 when absent */
	char *not_ready;              /* why it is not ready ("CrashLoopBackOff, 5 restarts"), or NULL */
	bool known;                   /* the Node object was read */
	bool unschedulable;           /* cordoned (only when known) */
	enum node_roll_state state;
};

/* The nodes that run one calico-node image. */
struct node_roll_image {
	char *image;
	char **nodes;                 /* sorted */
	size_t n;
	bool desired;                 /* the DaemonSet's image */
};

/* A policy controller Deployment (calico-kube-controllers, calico-policy-controller). */
struct node_roll_controller {
	char *name;
	char *strategy;               /* spec.strategy.type */
	long long replicas;           /* spec.replicas (1 when absent) */
	size_t running;               /* its pods that run and do not terminate */
};

struct node_roll {
	struct findings findings;
	char daemonset[64];           /* "calico-node", "canal", or "" when none */
	char *desired_image;          /* the DaemonSet's calico-node image, or NULL */
	char update_strategy[32];     /* "RollingUpdate", "OnDelete" ("" without DaemonSet) */
	long long template_generation;/* the DaemonSet's template generation, -1 when unknown */
	bool daemonset_done;          /* its status says every pod is updated */
	const char *datastore;        /* calico-node's datastore ("kubernetes", "etcdv2"), or NULL */
	enum node_roll_phase phase;
	struct node_roll_node *nodes; /* one per node with a calico-node pod, sorted */
	size_t n_nodes, n_updated;
	bool nodes_read;              /* the Node objects were served */
	struct node_roll_image *images; /* the desired image first, then by name */
	size_t n_images;
	struct node_roll_controller *controllers;
	size_t n_controllers;
	char configmap[64];           /* the Calico ConfigMap read, "" when none */
	char config_changed[64];      /* its change time as the API gave it, "" when unknown */
	const char *config_time_source; /* "managedFields", "creationTimestamp" or NULL */
	size_t config_pods[3];        /* pods per enum node_roll_config */
};

void node_roll_init(struct node_roll *r);
void node_roll_release(struct node_roll *r);
enum dsck_err check_node_roll(struct k8s_source *src, struct node_roll *res,
			      struct dsck_error *err);

const char *node_roll_state_name(enum node_roll_state s);
const char *node_roll_phase_name(enum node_roll_phase p);
const char *node_roll_config_name(enum node_roll_config c);

/*
 * Two image references name the same image: "calico/node:v2.6.2" equals
 * "docker.io/calico/node:v2.6.2", "busybox" equals
 * "docker.io/library/busybox:latest"; another registry is another image.
 */
bool node_roll_image_equal(const char *a, const char *b);
/* The calico-node container of a pod spec (by name, else by image), or NULL. */
const json_t *node_roll_container(const json_t *podspec);
/* Running with the Ready condition True. */
bool node_roll_pod_ready(const json_t *pod);
/* metadata.deletionTimestamp is set. */
bool node_roll_pod_terminating(const json_t *pod);
/* Cordoned: spec.unschedulable, or the node.kubernetes.io/unschedulable taint. */
bool node_roll_node_unschedulable(const json_t *node);
enum node_roll_state node_roll_node_state(bool current, bool ready, bool terminating);
/*
 * A pod is of the DaemonSet's current template: its pod-template-generation
 * label equals @generation when both are known (-1: unknown), else its
 * calico-node image equals @image.
 */
bool node_roll_pod_current(const json_t *pod, long long generation, const char *image);
/*
 * A ReplicaSet that a Deployment of @deployments made: by ownerReferences,
 * or (Kubernetes 1.5 and older set none) named DEPLOYMENT-HASH with its
 * pod-template-hash label HASH.
 */
bool node_roll_replicaset_of_deployment(const json_t *rs, const json_t *deployments);
/*
 * Does a node's cordon fit its pod's state? -1: it should be cordoned
 * (node-not-cordoned), 1: it should not be any more (node-left-cordoned),
 * 0: fine. A ready pod of an old template is not being replaced yet: the
 * DaemonSet controller (RollingUpdate) or the operator (OnDelete, told the
 * next node only) picks the node's turn.
 */
int node_roll_cordon(enum node_roll_state s, bool unschedulable);
/*
 * Skewed images are a roll in progress (info) when some pod already runs
 * the desired image and the DaemonSet does not report every pod updated;
 * otherwise (warning) the skew is not this roll's doing.
 */
enum severity node_roll_skew_severity(bool desired_running, bool daemonset_done);
/* status.observedGeneration and updatedNumberScheduled say every pod is updated. */
bool node_roll_daemonset_done(const json_t *ds);
/* An RFC 3339 time ("2017-10-02T09:00:00Z", fractions, offsets) in seconds. */
bool node_roll_parse_time(const char *s, int64_t *t);
/*
 * When the ConfigMap last changed: the newest metadata.managedFields[].time
 * (*exact), else metadata.creationTimestamp (a lower bound only). @text
 * (may be NULL) gets the time as the API wrote it. False when neither.
 */
bool node_roll_config_time(const json_t *configmap, int64_t *t, bool *exact, const char **text);
/* When a pod last started its containers: the earliest running container, else status.startTime. */
bool node_roll_pod_started(const json_t *pod, int64_t *t, const char **text);
enum node_roll_config node_roll_config_applied(int64_t changed, bool exact, int64_t started);

#endif
