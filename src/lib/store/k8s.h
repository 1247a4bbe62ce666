/*
 * k8s: Kubernetes objects for the Kubernetes-datastore checks, read from the
 * API server or from `kubectl get ... -o json` dumps.
 *
 * struct k8s_client talks to one API server over HTTPS through the http
 * seam. Where it connects and with which credential is resolved from the
 * settings, in this order:
 *   1. a kubeconfig (--kubeconfig / KUBECONFIG / calicoctl `kubeconfig`),
 *      whose server, CA and credentials --k8s-api-endpoint, --k8s-token and
 *      K8S_CA_FILE override (libcalico-go does the same);
 *   2. in a pod (KUBERNETES_SERVICE_HOST): the service account's token and
 *      ca.crt in /var/run/secrets/kubernetes.io/serviceaccount, or in the
 *      directory named by DSCK_K8S_SA_DIR (tests);
 *   3. --k8s-api-endpoint with --k8s-token (and K8S_CA_FILE);
 *   4. ~/.kube/config when it exists, as kubectl does.
 * TLS is verified unless the kubeconfig or --insecure-skip-tls-verify says
 * otherwise. The client never sends the etcd client certificate or etcd
 * credentials to the API server. The token is never part of a message:
 * 401/403 errors name where the credential came from instead.
 *
 * Lists are read in pages (limit/continue). Every response body is capped
 * at --max-response-bytes, and so is the sum of a list's pages.
 *
 * struct k8s_source hides where objects come from: a check asks for a
 * resource of the table below and gets its items, from the API (the first
 * of the resource's API paths that is served) or from the dump file of the
 * resource in a directory. "Not served" is DSCK_ERR_NOT_FOUND in both
 * cases: every path answered 404, or the dump file is missing or empty
 * (kubectl printed an error instead). Malformed JSON or a wrong envelope
 * (items not a list, an item without metadata.name) is DSCK_ERR_PROTOCOL
 * naming the URL, or DSCK_ERR_INPUT naming the file.
 */
#ifndef DSCK_K8S_H
#define DSCK_K8S_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "net/conn.h"
#include "base/err.h"
#include "net/http.h"
#include "net/settings.h"

#define K8S_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define K8S_PAGE_LIMIT 500
#define K8S_DESC_MAX 512

struct k8s_client {
	struct http_client http;
	struct dsck_conn conn;        /* the base timeouts and caps; Kubernetes TLS files */
	char *server;                 /* may carry a path prefix; no trailing '/' */
	char *token;                  /* secret */
	char *user, *password;        /* basic auth; the password is secret */
	char *ca_file, *cert_file, *key_file;
	int mem_fd[3];                /* -data PEMs, opened as /proc/self/fd/N; -1 unused */
	char source[K8S_DESC_MAX];    /* where the API server came from */
	char credential[K8S_DESC_MAX];/* which credential is sent, for 401/403 messages */
};

/*
 * @base supplies timeouts, the body cap and --insecure-skip-tls-verify. The
 * client points into itself: do not copy or move it once initialized.
 */
enum dsck_err k8s_client_init(struct k8s_client *c, const struct dsck_settings *s,
			      const struct dsck_conn *base, struct dsck_error *err);
void k8s_client_release(struct k8s_client *c);
/* Some Kubernetes API is configured (any of 1-4 above), so k8s_client_init has one to try. */
bool k8s_api_configured(const struct dsck_settings *s);

/* GET one object at @path ("/version"); DSCK_ERR_NOT_FOUND on 404 (err untouched). */
enum dsck_err k8s_get(struct k8s_client *c, const char *path, json_t **obj,
		      struct dsck_error *err);
/* All items of the list at @path, page by page; DSCK_ERR_NOT_FOUND on 404. */
enum dsck_err k8s_list(struct k8s_client *c, const char *path, json_t **items,
		       struct dsck_error *err);

enum k8s_res {
	K8S_VERSION,
	K8S_CRDS,
	K8S_TPRS,
	K8S_TPR_GLOBALCONFIGS,
	K8S_TPR_GLOBALBGPCONFIGS,
	K8S_TPR_IPPOOLS,
	K8S_TPR_GLOBALBGPPEERS,
	K8S_TPR_SYSTEMNETWORKPOLICIES,
	K8S_CRD_GLOBALFELIXCONFIGS,
	K8S_CRD_GLOBALBGPCONFIGS,
	K8S_CRD_IPPOOLS,
	K8S_CRD_BGPPEERS,
	K8S_CRD_GLOBALNETWORKPOLICIES,
	K8S_DAEMONSETS,
	K8S_CLUSTERROLES,
	K8S_CLUSTERROLEBINDINGS,
	K8S_NAMESPACES,
	K8S_NETWORKPOLICIES,
	K8S_DEPLOYMENTS,
	K8S_REPLICASETS,
	K8S_PODS,
	K8S_NODES,
	K8S_CONFIGMAPS,
	K8S_RES__COUNT
};

struct k8s_resource {
	const char *name;             /* as kubectl names it; keys of findings use it */
	const char *file;             /* the dump file in a --from-dir directory */
	const char *kubectl;          /* the command that writes that file */
	const char *paths[3];         /* API paths, tried in order while they answer 404 */
	bool list;                    /* false: a single object (version) */
};

const struct k8s_resource *k8s_resource(enum k8s_res r);

struct k8s_source {
	struct k8s_client *client;    /* the API, or NULL ... */
	const char *dir;              /* ... a directory of dumps */
	size_t max_bytes;             /* cap per dump file */
};

/*
 * The items of @r as a new JSON array. @from (may be NULL) is set to the
 * API path or the file name that answered.
 */
enum dsck_err k8s_source_list(struct k8s_source *s, enum k8s_res r, json_t **items,
			      const char **from, struct dsck_error *err);
/*
 * Like k8s_source_list, for a resource a check cannot judge without: "not
 * served" is DSCK_ERR_INPUT naming the dump file and the kubectl line that
 * writes it, or DSCK_ERR_SERVER naming the API paths tried. A list with
 * zero items is a real empty list (docs/checks.md).
 */
enum dsck_err k8s_source_need(struct k8s_source *s, enum k8s_res r, json_t **items,
			      const char **from, struct dsck_error *err);
/* One object (K8S_VERSION). */
enum dsck_err k8s_source_get(struct k8s_source *s, enum k8s_res r, json_t **obj,
			     struct dsck_error *err);
/*
 * The group/version that served a list ("apiextensions.k8s.io/v1beta1"):
 * from the API path @from, else the first item's apiVersion; "" if unknown.
 */
const char *k8s_source_api_version(const char *from, const json_t *items, char *buf, size_t n);
/* "API https://h:6443 (kubeconfig '...')" or "dumps in 'DIR'", for reports. */
const char *k8s_source_describe(const struct k8s_source *s, char *buf, size_t n);

/* Small accessors for Kubernetes objects, shared by the checks. */

/* metadata.name, or "" when absent. */
const char *k8s_name(const json_t *obj);
/* metadata.namespace, or "" when absent. */
const char *k8s_namespace(const json_t *obj);
/* A string member of @obj, or "" when absent or not a string. */
const char *k8s_str(const json_t *obj, const char *key);
/* @items indexed by metadata.name (a new JSON object of borrowed items), or NULL. */
json_t *k8s_index_by_name(const json_t *items);
/* The item of the array @items whose metadata.name is @name, or NULL. */
const json_t *k8s_find_named(const json_t *items, const char *name);
/* The calico-node container of a pod spec: by name, else by image; or NULL. */
const json_t *k8s_calico_node_container(const json_t *podspec);
/* The DaemonSet that runs calico-node in @daemonsets ("calico-node", else Canal's "canal"), or NULL. */
const json_t *k8s_calico_node_daemonset(const json_t *daemonsets);
/*
 * The datastore a calico-node pod spec names: "kubernetes", "etcdv2" (also
 * when DATASTORE_TYPE is not set: calico-node's default), or NULL when the
 * value comes from elsewhere (a ConfigMap reference) or there is no
 * calico-node container.
 */
const char *k8s_calico_datastore(const json_t *podspec);

#endif
