#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "store/k8s.h"
#include "net/kubeconfig.h"
#include "base/macro.h"

#define TOKEN_MAX (64u << 10)
#define QUERY_MAX (64u << 10)
#define MAX_PAGES 100000
#define STATUS_MSG_MAX 300

enum { PEM_CA, PEM_CERT, PEM_KEY };

/* --- the resource table (also the --from-dir file names, fixtures/k8s/README.md) --- */

#define CALICO_TPR(plural, group)                                                        \
	{ plural "." group, "tpr-" plural ".json",                                       \
	  "kubectl get " plural "." group " -n kube-system -o json",                     \
	  { "/apis/" group "/v1/namespaces/kube-system/" plural }, true }
#define CALICO_CRD(plural)                                                               \
	{ plural ".crd.projectcalico.org", "crd-" plural ".json",                         \
	  "kubectl get " plural ".crd.projectcalico.org -o json",                         \
	  { "/apis/crd.projectcalico.org/v1/" plural }, true }
#define RBAC(plural)                                                                     \
	{ plural, plural ".json", "kubectl get " plural " -o json",                       \
	  { "/apis/rbac.authorization.k8s.io/v1/" plural,                                \
	    "/apis/rbac.authorization.k8s.io/v1beta1/" plural }, true }

static const struct k8s_resource resources[K8S_RES__COUNT] = {
	[K8S_VERSION] = { "version", "version.json", "kubectl version -o json",
			  { "/version" }, false },
	[K8S_CRDS] = { "customresourcedefinitions", "crds.json", "kubectl get crd -o json",
		       { "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
			 "/apis/apiextensions.k8s.io/v1beta1/customresourcedefinitions" }, true },
	[K8S_TPRS] = { "thirdpartyresources", "tprs.json",
		       "kubectl get thirdpartyresources -o json",
		       { "/apis/extensions/v1beta1/thirdpartyresources" }, true },
	[K8S_TPR_GLOBALCONFIGS] = CALICO_TPR("globalconfigs", "projectcalico.org"),
	[K8S_TPR_GLOBALBGPCONFIGS] = CALICO_TPR("globalbgpconfigs", "projectcalico.org"),
	[K8S_TPR_IPPOOLS] = CALICO_TPR("ippools", "projectcalico.org"),
	[K8S_TPR_GLOBALBGPPEERS] = CALICO_TPR("globalbgppeers", "projectcalico.org"),
	[K8S_TPR_SYSTEMNETWORKPOLICIES] = CALICO_TPR("systemnetworkpolicies",
						     "alpha.projectcalico.org"),
	[K8S_CRD_GLOBALFELIXCONFIGS] = CALICO_CRD("globalfelixconfigs"),
	[K8S_CRD_GLOBALBGPCONFIGS] = CALICO_CRD("globalbgpconfigs"),
	[K8S_CRD_IPPOOLS] = CALICO_CRD("ippools"),
	[K8S_CRD_BGPPEERS] = CALICO_CRD("bgppeers"),
	[K8S_CRD_GLOBALNETWORKPOLICIES] = CALICO_CRD("globalnetworkpolicies"),
	[K8S_DAEMONSETS] = { "daemonsets", "daemonsets.json",
			     "kubectl get daemonsets -n kube-system -o json",
			     { "/apis/apps/v1/namespaces/kube-system/daemonsets",
			       "/apis/apps/v1beta2/namespaces/kube-system/daemonsets",
			       "/apis/extensions/v1beta1/namespaces/kube-system/daemonsets" }, true },
	[K8S_CLUSTERROLES] = RBAC("clusterroles"),
	[K8S_CLUSTERROLEBINDINGS] = RBAC("clusterrolebindings"),
	[K8S_NAMESPACES] = { "namespaces", "namespaces.json", "kubectl get namespaces -o json",
			     { "/api/v1/namespaces" }, true },
	[K8S_NETWORKPOLICIES] = { "networkpolicies", "networkpolicies.json",
				  "kubectl get networkpolicies --all-namespaces -o json",
				  { "/apis/networking.k8s.io/v1/networkpolicies",
				    "/apis/extensions/v1beta1/networkpolicies" }, true },
	[K8S_DEPLOYMENTS] = { "deployments", "deployments.json",
			      "kubectl get deployments -n kube-system -o json",
			      { "/apis/apps/v1/namespaces/kube-system/deployments",
				"/apis/apps/v1beta2/namespaces/kube-system/deployments",
				"/apis/extensions/v1beta1/namespaces/kube-system/deployments" }, true },
	[K8S_REPLICASETS] = { "replicasets", "replicasets.json",
			      "kubectl get replicasets -n kube-system -o json",
			      { "/apis/apps/v1/namespaces/kube-system/replicasets",
				"/apis/apps/v1beta2/namespaces/kube-system/replicasets",
				"/apis/extensions/v1beta1/namespaces/kube-system/replicasets" }, true },
	[K8S_PODS] = { "pods", "pods.json", "kubectl get pods -n kube-system -o json",
		       { "/api/v1/namespaces/kube-system/pods" }, true },
	[K8S_NODES] = { "nodes", "nodes.json", "kubectl get nodes -o json",
			{ "/api/v1/nodes" }, true },
	[K8S_CONFIGMAPS] = { "configmaps", "configmaps.json",
			     "kubectl get configmaps -n kube-system -o json",
			     { "/api/v1/namespaces/kube-system/configmaps" }, true },
};

const struct k8s_resource *k8s_resource(enum k8s_res r)
{
	return &resources[r];
}

/* --- where the API server and the credential come from --- */

static void free_secret(char **s)
{
	if (*s) {
		explicit_bzero(*s, strlen(*s));
		free(*s);
	}
	*s = NULL;
}

static enum dsck_err replace(char **dst, const char *src, struct dsck_error *err)
{
	char *copy = src ? strdup(src) : NULL;

	if (src && !copy)
		return dsck_oom(err);
	free_secret(dst);
	*dst = copy;
	return DSCK_OK;
}

/* A token file: the first TOKEN_MAX bytes, without trailing whitespace. */
static enum dsck_err read_token_file(const char *path, char **out, struct dsck_error *err)
{
	struct buf b = BUF_INIT(TOKEN_MAX);
	char chunk[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	enum dsck_err rc = DSCK_OK;

	if (fd < 0)
		return dsck_fail(err, DSCK_ERR_INPUT, "cannot read token file '%s': %s", path,
				 strerror(errno));
	while (!rc && (n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&b, chunk, (size_t)n))
			rc = dsck_fail(err, DSCK_ERR_INPUT, "token file '%s' is larger than %u bytes",
				       path, TOKEN_MAX);
	if (!rc && n < 0)
		rc = dsck_fail(err, DSCK_ERR_INPUT, "cannot read token file '%s': %s", path,
			       strerror(errno));
	explicit_bzero(chunk, sizeof(chunk));
	close(fd);
	while (!rc && b.len && strchr(" \t\r\n", b.data[b.len - 1]))
		b.data[--b.len] = '\0';
	if (!rc && !b.len)
		rc = dsck_fail(err, DSCK_ERR_INPUT, "token file '%s' is empty", path);
	if (!rc && !(*out = buf_detach(&b, NULL)))
		rc = dsck_oom(err);
	if (b.data)
		explicit_bzero(b.data, b.len);
	buf_release(&b);
	return rc;
}

/*
 * A PEM as a file name curl can open: the file itself, or a -data blob in
 * an anonymous memory file (never on disk), opened as /proc/self/fd/N.
 */
static enum dsck_err pem_path(struct k8s_client *c, int slot, const struct kubeconfig_pem *pem,
			      char **out, struct dsck_error *err)
{
	static const char *const names[] = { "dsck-k8s-ca", "dsck-k8s-cert", "dsck-k8s-key" };
	int fd;

	if (pem->file || !pem->data)
		return replace(out, pem->file, err);
	fd = memfd_create(names[slot], MFD_CLOEXEC);
	if (fd < 0)
		return dsck_fail(err, DSCK_ERR_IO, "cannot hold the kubeconfig's %s in memory: %s",
				 names[slot] + 9, strerror(errno));
	c->mem_fd[slot] = fd;
	for (size_t off = 0; off < pem->len;) {
		ssize_t n = write(fd, pem->data + off, pem->len - off);

		if (n <= 0)
			return dsck_fail(err, DSCK_ERR_IO, "cannot hold the kubeconfig's %s in memory: %s",
					 names[slot] + 9, strerror(errno));
		off += (size_t)n;
	}
	free(*out);
	if (asprintf(out, "/proc/self/fd/%d", fd) < 0) {
		*out = NULL;
		return dsck_oom(err);
	}
	return DSCK_OK;
}

static void credential_of(struct k8s_client *c, const char *what, const struct kubeconfig *kc)
{
	snprintf(c->credential, sizeof(c->credential), "%s of user '%.100s' in %.300s", what,
		 kc->user, kc->where);
}

static enum dsck_err from_kubeconfig(struct k8s_client *c, const char *path, const char *origin,
				     struct dsck_error *err)
{
	struct kubeconfig kc;
	enum dsck_err rc;

	if ((rc = kubeconfig_load(&kc, path, err)))
		return rc;
	snprintf(c->source, sizeof(c->source), "kubeconfig '%s' from %s, context '%s'", path,
		 origin, kc.context);
	c->conn.insecure_skip_tls_verify |= kc.insecure_skip_tls_verify;
	if ((rc = replace(&c->server, kc.server, err)) ||
	    (rc = pem_path(c, PEM_CA, &kc.ca, &c->ca_file, err)) ||
	    (rc = pem_path(c, PEM_CERT, &kc.cert, &c->cert_file, err)) ||
	    (rc = pem_path(c, PEM_KEY, &kc.key, &c->key_file, err)))
		goto out;
	if (kc.token || kc.token_file) {
		credential_of(c, kc.token ? "the token" : "the token file", &kc);
		rc = kc.token ? replace(&c->token, kc.token, err)
			      : read_token_file(kc.token_file, &c->token, err);
	} else if (kc.username) {
		credential_of(c, "the user name and password", &kc);
		if (!(rc = replace(&c->user, kc.username, err)))
			rc = replace(&c->password, kc.password ? kc.password : "", err);
	} else {
		credential_of(c, c->cert_file ? "the client certificate" : "no credential", &kc);
	}
out:
	kubeconfig_release(&kc);
	return rc;
}

static enum dsck_err from_service_account(struct k8s_client *c, const char *server,
					  bool token_given, struct dsck_error *err)
{
	const char *dir = getenv("DSCK_K8S_SA_DIR");
	char path[PATH_MAX];
	enum dsck_err rc;

	if (!dir || !*dir)
		dir = K8S_SA_DIR;
	snprintf(c->source, sizeof(c->source), "in-cluster service account (%s)", dir);
	if ((rc = replace(&c->server, server, err)))
		return rc;
	snprintf(path, sizeof(path), "%s/ca.crt", dir);
	if (access(path, R_OK) == 0 && (rc = replace(&c->ca_file, path, err)))
		return rc;
	if (token_given)
		return DSCK_OK;
	snprintf(path, sizeof(path), "%s/token", dir);
	snprintf(c->credential, sizeof(c->credential), "the service account token '%.400s'", path);
	return read_token_file(path, &c->token, err);
}

/* Explicit settings override what the kubeconfig or the pod says. */
static enum dsck_err apply_overrides(struct k8s_client *c, const struct dsck_settings *s,
				     bool in_cluster, struct dsck_error *err)
{
	const struct setting *ep = &s->v[SET_K8S_API_ENDPOINT];
	const struct setting *user = &s->v[SET_K8S_USER], *pass = &s->v[SET_K8S_PASSWORD];
	const struct setting *tok = &s->v[SET_K8S_TOKEN];
	const struct setting *ca = &s->v[SET_K8S_CA];
	enum dsck_err rc;
	size_t n;

	if (ep->value && *ep->value && !in_cluster) {
		if (strncmp(ep->value, "https://", 8) != 0 && strncmp(ep->value, "http://", 7) != 0)
			return dsck_fail(err, DSCK_ERR_USAGE,
					 "Kubernetes API endpoint '%s' (%s) must start with https://",
					 ep->value, ep->origin);
		n = strlen(ep->value);
		while (n && ep->value[n - 1] == '/')
			n--;
		free(c->server);
		if (!(c->server = strndup(ep->value, n)))
			return dsck_oom(err);
		if (!c->source[0])
			snprintf(c->source, sizeof(c->source), "%s", ep->origin);
	}
	/* User info in the endpoint URL (kept out of the URL by the settings):
	 * basic auth, as kubectl does with it; a token given too wins. */
	if (user->value && *user->value) {
		snprintf(c->credential, sizeof(c->credential), "the user name and password from %s",
			 user->origin);
		free_secret(&c->token);
		if ((rc = replace(&c->user, user->value, err)) ||
		    (rc = replace(&c->password, pass->value ? pass->value : "", err)))
			return rc;
	}
	if (tok->value && *tok->value) {
		snprintf(c->credential, sizeof(c->credential), "the token from %s", tok->origin);
		free_secret(&c->user);
		free_secret(&c->password);
		if ((rc = replace(&c->token, tok->value, err)))
			return rc;
	}
	if (ca->value && *ca->value && (rc = replace(&c->ca_file, ca->value, err)))
		return rc;
	if (!c->credential[0])
		snprintf(c->credential, sizeof(c->credential),
			 "no credential (give --k8s-token or K8S_API_TOKEN, or a kubeconfig)");
	return DSCK_OK;
}

static bool default_kubeconfig(char *path, size_t n)
{
	const char *home = getenv("HOME");

	if (!home || !*home)
		return false;
	snprintf(path, n, "%s/.kube/config", home);
	return access(path, R_OK) == 0;
}

bool k8s_api_configured(const struct dsck_settings *s)
{
	const char *kcfg = s->v[SET_KUBECONFIG].value, *ep = s->v[SET_K8S_API_ENDPOINT].value;
	char home[PATH_MAX];

	return (kcfg && *kcfg) || (ep && *ep) || default_kubeconfig(home, sizeof(home));
}

static enum dsck_err resolve(struct k8s_client *c, const struct dsck_settings *s,
			     struct dsck_error *err)
{
	const struct setting *ep = &s->v[SET_K8S_API_ENDPOINT];
	const struct setting *kcfg = &s->v[SET_KUBECONFIG];
	bool in_cluster = ep->value && ep->source == SRC_ENV && strcmp(ep->origin, "in-cluster") == 0;
	char home[PATH_MAX];
	enum dsck_err rc = DSCK_OK;

	if (kcfg->value && *kcfg->value)
		rc = from_kubeconfig(c, kcfg->value, kcfg->origin, err);
	else if (in_cluster)
		rc = from_service_account(c, ep->value, settings_is_set(s, SET_K8S_TOKEN), err);
	else if (ep->value && *ep->value)
		rc = DSCK_OK;
	else if (default_kubeconfig(home, sizeof(home)))
		rc = from_kubeconfig(c, home, "the default location", err);
	else
		return dsck_fail(err, DSCK_ERR_USAGE,
				 "no Kubernetes API configured: give --kubeconfig FILE, or "
				 "--k8s-api-endpoint URL with K8S_API_TOKEN, run dsck in a pod, or "
				 "read kubectl dumps with --from-dir DIR");
	if (rc)
		return rc;
	return apply_overrides(c, s, in_cluster, err);
}

enum dsck_err k8s_client_init(struct k8s_client *c, const struct dsck_settings *s,
			      const struct dsck_conn *base, struct dsck_error *err)
{
	enum dsck_err rc;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ARRAY_SIZE(c->mem_fd); i++)
		c->mem_fd[i] = -1;
	/* Timeouts and caps only: etcd's endpoints, TLS files and users stay with etcd. */
	c->conn.dial_timeout_ms = base->dial_timeout_ms;
	c->conn.command_timeout_ms = base->command_timeout_ms;
	c->conn.max_response_bytes = base->max_response_bytes;
	c->conn.insecure_skip_tls_verify = base->insecure_skip_tls_verify;
	c->conn.debug = base->debug;
	if ((rc = resolve(c, s, err)) || (rc = http_client_init(&c->http, &c->conn, err))) {
		k8s_client_release(c);
		return rc;
	}
	c->conn.cacert = c->ca_file;
	c->conn.cert = c->cert_file;
	c->conn.key = c->key_file;
	c->conn.user = c->user;
	c->conn.password = c->password;
	c->http.bearer_token = c->token;
	return DSCK_OK;
}

void k8s_client_release(struct k8s_client *c)
{
	http_client_release(&c->http);
	free(c->server);
	free_secret(&c->token);
	free(c->user);
	free_secret(&c->password);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	for (size_t i = 0; i < ARRAY_SIZE(c->mem_fd); i++)
		if (c->mem_fd[i] >= 0)
			close(c->mem_fd[i]);
	memset(c, 0, sizeof(*c));
}

/* --- requests --- */

/* The message of a Kubernetes Status body, if the body is one. */
static void status_message(const struct buf *body, char *out, size_t n)
{
	json_t *doc = json_loadb(buf_str(body), body->len, 0, NULL);
	const char *m = json_string_value(json_object_get(doc, "message"));

	snprintf(out, n, "%.*s", STATUS_MSG_MAX, m ? m : "");
	json_decref(doc);
}

static enum dsck_err status_error(struct k8s_client *c, const char *where,
				  const struct http_response *resp, struct dsck_error *err)
{
	char msg[STATUS_MSG_MAX + 8];

	status_message(&resp->body, msg, sizeof(msg));
	switch (resp->status) {
	case 404:
		return DSCK_ERR_NOT_FOUND;
	case 401:
		return dsck_fail(err, DSCK_ERR_AUTH,
				 "%s: 401 Unauthorized: the API server rejected %s; check it, or "
				 "give another with --kubeconfig or --k8s-token", where, c->credential);
	case 403:
		return dsck_fail(err, DSCK_ERR_AUTH,
				 "%s: 403 Forbidden: %s may not read this (%s); use a kubeconfig "
				 "allowed to get and list it", where, c->credential,
				 msg[0] ? msg : "no reason given");
	case 410:
		return dsck_fail(err, DSCK_ERR_COMPACTED,
				 "%s: 410 Gone: the list's continue token expired while dsck was "
				 "paging (the objects changed too much meanwhile); run the check again",
				 where);
	default:
		return dsck_fail(err, DSCK_ERR_SERVER, "%s: the API server answered HTTP %ld%s%s",
				 where, resp->status, msg[0] ? ": " : "", msg);
	}
}

/* @where is "FILE" (DSCK_ERR_INPUT) or "'URL'" (DSCK_ERR_PROTOCOL). */
static enum dsck_err parse_object(const char *where, enum dsck_err code, const char *text,
				  size_t len, json_t **doc, struct dsck_error *err)
{
	json_error_t je;

	*doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!*doc)
		return code == DSCK_ERR_INPUT
		       ? dsck_fail(err, code, "%s:%d:%d: invalid JSON: %s", where, je.line, je.column,
				   je.text)
		       : dsck_fail(err, code, "%s: invalid JSON from the API server (line %d, "
				   "column %d): %s", where, je.line, je.column, je.text);
	if (!json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		return dsck_fail(err, code, "%s: expected a JSON object", where);
	}
	return DSCK_OK;
}

/* GET server + @path + @query into @doc; *bytes is the body's size. */
static enum dsck_err fetch(struct k8s_client *c, const char *path, const char *query,
			   json_t **doc, size_t *bytes, struct dsck_error *err)
{
	struct dsck_error e = DSCK_ERROR_INIT;
	struct http_response resp;
	char *url = NULL, *where = NULL;
	enum dsck_err rc;

	*doc = NULL;
	/* Messages name the URL without the query (continue tokens are long). */
	if (asprintf(&url, "%s%s%s", c->server, path, query ? query : "") < 0 ||
	    asprintf(&where, "'%s%s'", c->server, path) < 0) {
		free(url);
		return dsck_oom(err);
	}
	http_response_init(&resp, c->conn.max_response_bytes);
	rc = http_request(&c->http, "GET", url, NULL, &resp, &e);
	if (rc == DSCK_ERR_TLS)
		dsck_fail(err, rc, "%s [Kubernetes API from %s: its CA, client certificate and "
			  "key come from there, or from K8S_CA_FILE]", e.msg, c->source);
	else if (rc)
		dsck_fail(err, rc, "%s", e.msg);
	else if (resp.status != 200)
		rc = status_error(c, where, &resp, err);
	else
		rc = parse_object(where, DSCK_ERR_PROTOCOL, buf_str(&resp.body), resp.body.len, doc,
				  err);
	*bytes = resp.body.len;
	http_response_release(&resp);
	free(url);
	free(where);
	return rc;
}

enum dsck_err k8s_get(struct k8s_client *c, const char *path, json_t **obj,
		      struct dsck_error *err)
{
	size_t bytes;

	return fetch(c, path, NULL, obj, &bytes, err);
}

/* Each item is an object with a metadata.name string: all the checks rely on it. */
static enum dsck_err check_items(const json_t *items, const char *where, enum dsck_err code,
				 struct dsck_error *err)
{
	size_t i;
	json_t *it;

	if (!json_is_array(items))
		return dsck_fail(err, code, "%s: 'items' must be a list", where);
	json_array_foreach(items, i, it) {
		const json_t *name = json_object_get(json_object_get(it, "metadata"), "name");

		if (!json_is_object(it))
			return dsck_fail(err, code, "%s: item %zu is not an object", where, i);
		if (!json_is_string(name) || !json_string_length(name))
			return dsck_fail(err, code, "%s: item %zu has no 'metadata.name' string",
					 where, i);
	}
	return DSCK_OK;
}

/* One page: append its items to @all, return the next continue token or NULL. */
static enum dsck_err take_page(json_t *page, const char *where, json_t *all,
			       const char **next, struct dsck_error *err)
{
	json_t *items = json_object_get(page, "items");
	json_t *meta = json_object_get(page, "metadata");
	json_t *cont = json_object_get(meta, "continue");

	*next = NULL;
	if (!items || json_is_null(items))
		items = NULL;
	else if (check_items(items, where, DSCK_ERR_PROTOCOL, err))
		return err->code;
	if (meta && !json_is_object(meta))
		return dsck_fail(err, DSCK_ERR_PROTOCOL, "%s: 'metadata' must be an object", where);
	if (cont && !json_is_string(cont))
		return dsck_fail(err, DSCK_ERR_PROTOCOL, "%s: 'metadata.continue' must be a string",
				 where);
	if (items && json_array_extend(all, items))
		return dsck_oom(err);
	if (cont && json_string_length(cont))
		*next = json_string_value(cont);
	return DSCK_OK;
}

enum dsck_err k8s_list(struct k8s_client *c, const char *path, json_t **items,
		       struct dsck_error *err)
{
	struct buf q = BUF_INIT(QUERY_MAX);
	json_t *all = json_array(), *page = NULL;
	char *cont = NULL, where[1024];
	size_t total = 0, bytes;
	enum dsck_err rc = all ? DSCK_OK : DSCK_ERR_NOMEM;

	snprintf(where, sizeof(where), "'%s%s'", c->server, path);
	for (size_t n = 0; !rc; n++) {
		const char *next;

		buf_reset(&q);
		if ((rc = buf_printf(&q, "?limit=%d", K8S_PAGE_LIMIT)) ||
		    (cont && ((rc = buf_appends(&q, "&continue=")) ||
			      (rc = http_escape_form(&q, cont, strlen(cont)))))) {
			rc = dsck_fail(err, rc, "%s: continue token too long", where);
			break;
		}
		if ((rc = fetch(c, path, buf_str(&q), &page, &bytes, err)) ||
		    (rc = take_page(page, where, all, &next, err)))
			break;
		total += bytes;
		if (total > c->conn.max_response_bytes)
			rc = dsck_fail(err, DSCK_ERR_TOO_LARGE,
				       "%s: the list exceeds the %zu-byte cap; raise "
				       "--max-response-bytes", where, c->conn.max_response_bytes);
		else if (next && cont && strcmp(next, cont) == 0)
			rc = dsck_fail(err, DSCK_ERR_PROTOCOL,
				       "%s: the server repeated a continue token", where);
		else if (n + 1 == MAX_PAGES)
			rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "%s: more than %d pages", where,
				       MAX_PAGES);
		if (rc || !next)
			break;
		free(cont);
		if (!(cont = strdup(next)))
			rc = dsck_oom(err);
		json_decref(page);
		page = NULL;
	}
	json_decref(page);
	free(cont);
	buf_release(&q);
	if (rc)
		json_decref(all);
	else
		*items = all;
	return rc;
}

/* --- sources --- */

/* A dump file into @doc; DSCK_ERR_NOT_FOUND when missing or blank. */
static enum dsck_err dir_load(const struct k8s_source *s, const struct k8s_resource *res,
			      char *path, size_t pathlen, json_t **doc, struct dsck_error *err)
{
	struct buf b = BUF_INIT(s->max_bytes);
	char chunk[65536];
	ssize_t n = 0;
	size_t i;
	int fd;
	enum dsck_err rc = DSCK_OK;

	snprintf(path, pathlen, "%s/%s", s->dir, res->file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return DSCK_ERR_NOT_FOUND;
	if (fd < 0)
		return dsck_fail(err, DSCK_ERR_INPUT, "cannot open '%s': %s", path, strerror(errno));
	while (!rc && (n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&b, chunk, (size_t)n))
			rc = dsck_fail(err, DSCK_ERR_TOO_LARGE,
				       "'%s' is larger than %zu bytes; raise --max-response-bytes",
				       path, s->max_bytes);
	if (!rc && n < 0)
		rc = dsck_fail(err, DSCK_ERR_IO, "cannot read '%s': %s", path, strerror(errno));
	close(fd);
	for (i = 0; !rc && i < b.len && strchr(" \t\r\n", b.data[i]); i++)
		;
	if (!rc && i == b.len)
		rc = DSCK_ERR_NOT_FOUND;
	if (!rc)
		rc = parse_object(path, DSCK_ERR_INPUT, buf_str(&b), b.len, doc, err);
	buf_release(&b);
	return rc;
}

/* A kubectl list dump ({"kind":"List","items":[...]}) or one object. */
static enum dsck_err dir_items(json_t *doc, const char *path, json_t **items,
			       struct dsck_error *err)
{
	json_t *its = json_object_get(doc, "items");

	if (json_is_null(its))
		*items = json_array();
	else if (its && check_items(its, path, DSCK_ERR_INPUT, err))
		return err->code;
	else if (its)
		*items = json_incref(its);
	else if (!json_is_object(json_object_get(doc, "metadata")))
		return dsck_fail(err, DSCK_ERR_INPUT,
				 "%s: expected a kubectl list (with 'items') or one object", path);
	else if ((*items = json_array()) && json_array_append(*items, doc) == 0 &&
		 check_items(*items, path, DSCK_ERR_INPUT, err)) {
		json_decref(*items);
		*items = NULL;
		return err->code;
	}
	return *items ? DSCK_OK : dsck_oom(err);
}

enum dsck_err k8s_source_list(struct k8s_source *s, enum k8s_res r, json_t **items,
			      const char **from, struct dsck_error *err)
{
	const struct k8s_resource *res = &resources[r];
	char path[PATH_MAX];
	json_t *doc;
	enum dsck_err rc = DSCK_ERR_NOT_FOUND;

	*items = NULL;
	if (s->client) {
		for (size_t i = 0; i < ARRAY_SIZE(res->paths) && res->paths[i]; i++) {
			rc = k8s_list(s->client, res->paths[i], items, err);
			if (rc != DSCK_ERR_NOT_FOUND) {
				if (from)
					*from = res->paths[i];
				break;
			}
		}
		return rc;
	}
	if ((rc = dir_load(s, res, path, sizeof(path), &doc, err)))
		return rc;
	rc = dir_items(doc, path, items, err);
	json_decref(doc);
	if (from)
		*from = res->file;
	return rc;
}

enum dsck_err k8s_source_need(struct k8s_source *s, enum k8s_res r, json_t **items,
			      const char **from, struct dsck_error *err)
{
	const struct k8s_resource *res = &resources[r];
	enum dsck_err rc = k8s_source_list(s, r, items, from, err);

	if (rc != DSCK_ERR_NOT_FOUND)
		return rc;
	if (!s->client)
		return dsck_fail(err, DSCK_ERR_INPUT, "'%s/%s' is missing or empty: cannot check "
				 "without it (write it with: %s)", s->dir, res->file, res->kubectl);
	return dsck_fail(err, DSCK_ERR_SERVER, "the API server does not serve %s (%s%s%s%s%s): "
			 "cannot check without it", res->name, res->paths[0],
			 res->paths[1] ? ", " : "", res->paths[1] ? res->paths[1] : "",
			 res->paths[2] ? ", " : "", res->paths[2] ? res->paths[2] : "");
}

enum dsck_err k8s_source_get(struct k8s_source *s, enum k8s_res r, json_t **obj,
			     struct dsck_error *err)
{
	const struct k8s_resource *res = &resources[r];
	char path[PATH_MAX];
	enum dsck_err rc = DSCK_ERR_NOT_FOUND;

	*obj = NULL;
	if (!s->client)
		return dir_load(s, res, path, sizeof(path), obj, err);
	for (size_t i = 0; i < ARRAY_SIZE(res->paths) && res->paths[i]; i++)
		if ((rc = k8s_get(s->client, res->paths[i], obj, err)) != DSCK_ERR_NOT_FOUND)
			break;
	return rc;
}

const char *k8s_source_api_version(const char *from, const json_t *items, char *buf, size_t n)
{
	const char *item = json_string_value(json_object_get(json_array_get(items, 0),
							     "apiVersion"));
	size_t group;

	buf[0] = '\0';
	if (from && strncmp(from, "/apis/", 6) == 0) {
		from += 6;
		group = strcspn(from, "/");
		snprintf(buf, n, "%.*s", (int)(group + (from[group] ? 1 + strcspn(from + group + 1, "/")
								  : 0)), from);
	} else if (from && strncmp(from, "/api/", 5) == 0) {
		snprintf(buf, n, "%.*s", (int)strcspn(from + 5, "/"), from + 5);
	} else if (item) {
		snprintf(buf, n, "%s", item);
	}
	return buf;
}

const char *k8s_source_describe(const struct k8s_source *s, char *buf, size_t n)
{
	if (s->client)
		snprintf(buf, n, "API %s (%s)", s->client->server, s->client->source);
	else
		snprintf(buf, n, "dumps in '%s'", s->dir);
	return buf;
}

const char *k8s_str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : "";
}

/* Malformed items (no metadata, a name of another type) read as "": never a crash. */
const char *k8s_name(const json_t *obj)
{
	return k8s_str(json_object_get(obj, "metadata"), "name");
}

const char *k8s_namespace(const json_t *obj)
{
	return k8s_str(json_object_get(obj, "metadata"), "namespace");
}

json_t *k8s_index_by_name(const json_t *items)
{
	json_t *idx = json_object(), *it;
	size_t i;

	json_array_foreach(items, i, it) {
		if (idx && json_object_set(idx, k8s_name(it), it)) {
			json_decref(idx);
			return NULL;
		}
	}
	return idx;
}

const json_t *k8s_find_named(const json_t *items, const char *name)
{
	const json_t *it;
	size_t i;

	json_array_foreach(items, i, it)
		if (strcmp(k8s_name(it), name) == 0)
			return it;
	return NULL;
}

static const char *string_member(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

const json_t *k8s_calico_node_container(const json_t *podspec)
{
	const json_t *c;
	size_t i;

	json_array_foreach(json_object_get(podspec, "containers"), i, c)
		if (strcmp(string_member(c, "name"), "calico-node") == 0)
			return c;
	json_array_foreach(json_object_get(podspec, "containers"), i, c)
		if (strstr(string_member(c, "image"), "calico/node"))
			return c;
	return NULL;
}

const json_t *k8s_calico_node_daemonset(const json_t *daemonsets)
{
	const json_t *ds = k8s_find_named(daemonsets, "calico-node");

	return ds ? ds : k8s_find_named(daemonsets, "canal");
}

const char *k8s_calico_datastore(const json_t *podspec)
{
	const json_t *c = k8s_calico_node_container(podspec), *e;
	size_t i;

	if (!c)
		return NULL;
	json_array_foreach(json_object_get(c, "env"), i, e) {
		const json_t *v = json_object_get(e, "value");

		if (strcmp(string_member(e, "name"), "DATASTORE_TYPE") != 0)
			continue;
		if (!json_is_string(v))
			return NULL;
		return strcmp(json_string_value(v), "kubernetes") == 0 ? "kubernetes" : "etcdv2";
	}
	return "etcdv2";
}
