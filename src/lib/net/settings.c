#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/buf.h"
#include "base/macro.h"
#include "net/settings.h"
#include "base/yamldoc.h"

static const struct setting_def defs[SET__COUNT] = {
	[SET_ENDPOINTS] = { "endpoints", "--endpoints", false, "http://127.0.0.1:2379",
			    { "DSCK_ENDPOINTS", "ETCDCTL_ENDPOINTS", "ETCD_ENDPOINTS" },
			    "etcdEndpoints" },
	[SET_CACERT] = { "cacert", "--cacert", false, NULL,
			 { "ETCDCTL_CACERT", "ETCD_CA_CERT_FILE" }, "etcdCACertFile" },
	[SET_CERT] = { "cert", "--cert", false, NULL,
		       { "ETCDCTL_CERT", "ETCD_CERT_FILE" }, "etcdCertFile" },
	[SET_KEY] = { "key", "--key", false, NULL,
		      { "ETCDCTL_KEY", "ETCD_KEY_FILE" }, "etcdKeyFile" },
	[SET_USER] = { "user", "--user", false, NULL,
		       { "ETCDCTL_USER", "ETCD_USERNAME" }, "etcdUsername" },
	[SET_PASSWORD] = { "password", NULL, true, NULL,
			   { "ETCDCTL_PASSWORD", "ETCD_PASSWORD" }, "etcdPassword" },
	[SET_PASSWORD_FILE] = { "password-file", "--password-file", false, NULL,
				{ "DSCK_PASSWORD_FILE" }, NULL },
	[SET_DIAL_TIMEOUT] = { "dial-timeout", "--dial-timeout", false, "2s",
			       { "ETCDCTL_DIAL_TIMEOUT" }, NULL },
	[SET_COMMAND_TIMEOUT] = { "command-timeout", "--command-timeout", false, "30s",
				  { "ETCDCTL_COMMAND_TIMEOUT" }, NULL },
	[SET_INSECURE_SKIP_TLS_VERIFY] = { "insecure-skip-tls-verify",
					   "--insecure-skip-tls-verify", false, "false",
					   { "ETCDCTL_INSECURE_SKIP_TLS_VERIFY" }, NULL },
	[SET_CONFIG] = { "config", "--config", false, NULL, { "DSCK_CONFIG" }, NULL },
	[SET_DATASTORE_TYPE] = { "datastore-type", NULL, false, "etcdv2",
				 { "DATASTORE_TYPE" }, "datastoreType" },
	[SET_KUBECONFIG] = { "kubeconfig", "--kubeconfig", false, NULL,
			     { "KUBECONFIG" }, "kubeconfig" },
	[SET_K8S_API_ENDPOINT] = { "k8s-api-endpoint", "--k8s-api-endpoint", false, NULL,
				   { "K8S_API_ENDPOINT" }, "k8sAPIEndpoint" },
	[SET_K8S_USER] = { "k8s-user", NULL, false, NULL, { NULL }, NULL },
	[SET_K8S_PASSWORD] = { "k8s-password", NULL, true, NULL, { NULL }, NULL },
	[SET_K8S_TOKEN] = { "k8s-token", "--k8s-token", true, NULL,
			    { "K8S_API_TOKEN" }, "k8sAPIToken" },
	[SET_K8S_CA] = { "k8s-cacert", "--k8s-cacert", false, NULL,
			 { "K8S_CA_FILE" }, "k8sCAFile" },
	[SET_MAX_RESPONSE_BYTES] = { "max-response-bytes", "--max-response-bytes", false,
				     "2147483648", { "DSCK_MAX_RESPONSE_BYTES" }, NULL },
};

const struct setting_def *settings_def(enum setting_id id)
{
	return &defs[id];
}

const char *settings_source_name(enum settings_source src)
{
	switch (src) {
	case SRC_DEFAULT: return "default";
	case SRC_CONFIG: return "config";
	case SRC_ENV: return "env";
	case SRC_FLAG: return "flag";
	}
	return "?";
}

static void setting_clear(struct setting *v)
{
	if (v->value) {
		/* Secrets do not linger in freed heap memory. */
		explicit_bzero(v->value, strlen(v->value));
		free(v->value);
	}
	v->value = NULL;
}

void settings_init(struct dsck_settings *s)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < SET__COUNT; i++) {
		if (defs[i].dflt) {
			s->v[i].value = strdup(defs[i].dflt);
			snprintf(s->v[i].origin, sizeof(s->v[i].origin), "default");
		}
	}
}

void settings_release(struct dsck_settings *s)
{
	for (int i = 0; i < SET__COUNT; i++)
		setting_clear(&s->v[i]);
}

static enum dsck_err set_one(struct dsck_settings *s, enum setting_id id,
			     const char *value, size_t len,
			     enum settings_source src, const char *origin)
{
	struct setting *v = &s->v[id];
	char *copy;

	if (v->source > src)
		return DSCK_OK;
	copy = strndup(value, len);
	if (!copy)
		return DSCK_ERR_NOMEM;
	setting_clear(v);
	v->value = copy;
	v->source = src;
	snprintf(v->origin, sizeof(v->origin), "%s", origin);
	return DSCK_OK;
}

static int hexval(char c)
{
	if (isdigit((unsigned char)c))
		return c - '0';
	return isxdigit((unsigned char)c) ? (c | 0x20) - 'a' + 10 : -1;
}

/* Percent-decode the string @p in place. */
static void pct_decode(char *p)
{
	size_t o = 0, len = strlen(p);

	for (size_t i = 0; i < len; i++) {
		if (p[i] == '%' && i + 2 < len && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) {
			p[o++] = (char)(hexval(p[i + 1]) << 4 | hexval(p[i + 2]));
			i += 2;
		} else {
			p[o++] = p[i];
		}
	}
	p[o] = '\0';
}

/* A URL setting and where the user info of its URLs goes. */
struct url_ids {
	enum setting_id url, user, password;
};

static const struct url_ids etcd_urls = { SET_ENDPOINTS, SET_USER, SET_PASSWORD };
static const struct url_ids k8s_urls = { SET_K8S_API_ENDPOINT, SET_K8S_USER, SET_K8S_PASSWORD };

/*
 * Credentials in endpoint URLs ("http://user:pass@host"), of etcd or of the
 * Kubernetes API, are taken out of the URL and kept as the user and
 * password (unless a user is already set with the same or a higher
 * precedence), so that no URL that is shown, logged or saved in a snapshot
 * header ever carries them.
 */
static enum dsck_err set_urls(struct dsck_settings *s, const struct url_ids *ids,
			      const char *value, enum settings_source src, const char *origin)
{
	_cleanup_free_ char *out = malloc(strlen(value) + 1);
	char *cred = NULL;
	size_t o = 0, cred_len = 0;
	enum dsck_err rc = DSCK_OK;

	if (!out)
		return DSCK_ERR_NOMEM;
	if (s->v[ids->url].source > src)
		return DSCK_OK;   /* a higher-precedence value is kept, with its user */
	for (const char *p = value; *p;) {
		size_t n = strcspn(p, ",");
		const char *scheme = memmem(p, n, "://", 3);
		const char *host = scheme ? scheme + 3 : p;
		size_t alen = strcspn(host, ",/?#");
		const char *at = NULL;

		for (size_t i = 0; i < alen; i++)
			if (host[i] == '@')
				at = host + i;
		memcpy(out + o, p, (size_t)(host - p));
		o += (size_t)(host - p);
		if (at) {
			if (!cred) {
				cred = (char *)host;
				cred_len = (size_t)(at - host);
			}
			host = at + 1;
		}
		memcpy(out + o, host, (size_t)(p + n - host));
		o += (size_t)(p + n - host);
		p += n;
		if (*p)
			out[o++] = *p++;
	}
	out[o] = '\0';
	if (cred && (!s->v[ids->user].value || s->v[ids->user].source < src)) {
		_cleanup_free_ char *u = strndup(cred, cred_len);
		char *colon;
		char what[300];

		if (!u)
			return DSCK_ERR_NOMEM;
		snprintf(what, sizeof(what), "%s (user info of the URL)", origin);
		colon = strchr(u, ':');
		if (colon)
			*colon++ = '\0';
		pct_decode(u);
		rc = set_one(s, ids->user, u, strlen(u), src, what);
		if (!rc && colon) {
			pct_decode(colon);
			rc = set_one(s, ids->password, colon, strlen(colon), src, what);
		}
		explicit_bzero(u, cred_len);
	}
	if (!rc)
		rc = set_one(s, ids->url, out, o, src, origin);
	return rc;
}

enum dsck_err settings_set(struct dsck_settings *s, enum setting_id id,
			   const char *value, enum settings_source src,
			   const char *origin)
{
	const char *colon;
	enum dsck_err rc;

	if (id == SET_ENDPOINTS)
		return set_urls(s, &etcd_urls, value, src, origin);
	if (id == SET_K8S_API_ENDPOINT)
		return set_urls(s, &k8s_urls, value, src, origin);

	/* etcdctl's --user accepts NAME:PASS; split so the password stays secret. */
	if (id == SET_USER && (colon = strchr(value, ':'))) {
		rc = set_one(s, SET_USER, value, (size_t)(colon - value), src, origin);
		if (rc)
			return rc;
		return set_one(s, SET_PASSWORD, colon + 1, strlen(colon + 1), src, origin);
	}
	return set_one(s, id, value, strlen(value), src, origin);
}

const char *settings_get(const struct dsck_settings *s, enum setting_id id)
{
	return s->v[id].value;
}

const char *settings_origin(const struct dsck_settings *s, enum setting_id id)
{
	return s->v[id].origin;
}

bool settings_is_set(const struct dsck_settings *s, enum setting_id id)
{
	return s->v[id].value && s->v[id].value[0];
}

enum dsck_err settings_load_env(struct dsck_settings *s, struct dsck_error *err)
{
	const char *host, *port;

	for (int i = 0; i < SET__COUNT; i++) {
		for (int k = 0; k < 4 && defs[i].env[k]; k++) {
			const char *val = getenv(defs[i].env[k]);

			if (!val || !*val)
				continue;
			if (settings_set(s, (enum setting_id)i, val, SRC_ENV, defs[i].env[k]))
				return dsck_oom(err);
			break;
		}
	}
	/* In-cluster service account: the API server from the pod environment. */
	host = getenv("KUBERNETES_SERVICE_HOST");
	port = getenv("KUBERNETES_SERVICE_PORT");
	if (host && *host && !settings_is_set(s, SET_K8S_API_ENDPOINT) &&
	    !settings_is_set(s, SET_KUBECONFIG)) {
		char url[300];

		snprintf(url, sizeof(url), strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s",
			 host, port && *port ? port : "443");
		if (settings_set(s, SET_K8S_API_ENDPOINT, url, SRC_ENV, "in-cluster"))
			return dsck_oom(err);
	}
	return DSCK_OK;
}

/* --- calicoctl config file (YAML) --- */

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static enum dsck_err load_config_doc(struct dsck_settings *s, const char *path,
				     yaml_document_t *doc, struct dsck_error *err)
{
	yaml_node_t *root = yaml_document_get_root_node(doc), *spec, *kind;
	const char *kindv;

	if (!root)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: empty config file", path);
	if (root->type != YAML_MAPPING_NODE)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: expected a mapping at the top level",
				 path, yamldoc_line(root));
	kind = yamldoc_get(doc, root, "kind");
	kindv = scalar(kind);
	if (!kindv)
		return dsck_fail(err, DSCK_ERR_INPUT,
				 "%s:%zu: missing 'kind' (expected calicoApiConfig or CalicoAPIConfig)",
				 path, yamldoc_line(root));
	if (strcmp(kindv, "calicoApiConfig") != 0 && strcmp(kindv, "CalicoAPIConfig") != 0)
		return dsck_fail(err, DSCK_ERR_INPUT,
				 "%s:%zu: unsupported kind '%s' (expected calicoApiConfig or CalicoAPIConfig)",
				 path, yamldoc_line(kind), kindv);
	spec = yamldoc_get(doc, root, "spec");
	if (!spec)
		return DSCK_OK;
	if (spec->type != YAML_MAPPING_NODE)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: 'spec' must be a mapping",
				 path, yamldoc_line(spec));
	for (int i = 0; i < SET__COUNT; i++) {
		yaml_node_t *n;
		char origin[256];

		if (!defs[i].config_key || !(n = yamldoc_get(doc, spec, defs[i].config_key)))
			continue;
		if (n->type != YAML_SCALAR_NODE)
			return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: '%s' must be a string",
					 path, yamldoc_line(n), defs[i].config_key);
		if (!n->data.scalar.length)
			continue;
		snprintf(origin, sizeof(origin), "%s:%zu", path, yamldoc_line(n));
		if (settings_set(s, (enum setting_id)i, scalar(n), SRC_CONFIG, origin))
			return dsck_oom(err);
	}
	return DSCK_OK;
}

enum dsck_err settings_load_config(struct dsck_settings *s, struct dsck_error *err)
{
	const char *path = settings_get(s, SET_CONFIG);
	_cleanup_fclose_ FILE *f = NULL;
	yaml_parser_t parser;
	yaml_document_t doc;
	enum dsck_err rc;

	if (!path || !*path)
		return DSCK_OK;
	f = fopen(path, "r");
	if (!f)
		return dsck_fail(err, DSCK_ERR_INPUT, "cannot open config file '%s': %s",
				 path, strerror(errno));
	if (!yaml_parser_initialize(&parser))
		return dsck_oom(err);
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu:%zu: invalid YAML: %s", path,
			       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			       parser.problem ? parser.problem : "parse error");
		yaml_parser_delete(&parser);
		return rc;
	}
	rc = load_config_doc(s, path, &doc, err);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	return rc;
}

enum dsck_err settings_read_password_file(struct dsck_settings *s,
					  struct dsck_error *err)
{
	const struct setting *pf = &s->v[SET_PASSWORD_FILE];
	_cleanup_fclose_ FILE *f = NULL;
	char line[1024];
	size_t n;
	enum dsck_err rc;

	if (!pf->value || !*pf->value)
		return DSCK_OK;
	f = fopen(pf->value, "r");
	if (!f)
		return dsck_fail(err, DSCK_ERR_INPUT, "cannot open password file '%s': %s",
				 pf->value, strerror(errno));
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	rc = set_one(s, SET_PASSWORD, line, n, pf->source, pf->origin);
	explicit_bzero(line, sizeof(line));
	return rc ? dsck_oom(err) : DSCK_OK;   /* set_one fails only for memory */
}

/* Units of a Go duration, longest first so "ms" is not read as "m". */
static const struct {
	const char *name;
	double ms;
} duration_units[] = {
	{ "ns", 1e-6 }, { "us", 1e-3 }, { "\xc2\xb5s", 1e-3 }, { "ms", 1.0 },
	{ "s", 1e3 }, { "m", 6e4 }, { "h", 3.6e6 },
};

bool settings_parse_duration(const char *text, long *ms)
{
	double total = 0;
	const char *p = text;

	if (strcmp(text, "0") == 0) {
		*ms = 0;
		return true;
	}
	if (!*p)
		return false;
	while (*p) {
		char *end;
		size_t best = 0;
		double v, unit = 0;

		/* strtod alone would take "1e3", "inf" or a sign: only digits and one dot. */
		if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
			return false;
		errno = 0;
		v = strtod(p, &end);
		if (errno || end == p)
			return false;
		for (const char *q = p; q < end; q++)
			if (!isdigit((unsigned char)*q) && *q != '.')
				return false;
		for (size_t i = 0; i < ARRAY_SIZE(duration_units); i++) {
			size_t n = strlen(duration_units[i].name);

			if (n > best && strncmp(end, duration_units[i].name, n) == 0) {
				best = n;
				unit = duration_units[i].ms;
			}
		}
		if (!best)
			return false;   /* a bare number: the caller hints at a unit */
		total += v * unit;
		if (total > 86400.0 * 365 * 1000)
			return false;
		p = end + best;
	}
	*ms = (long)total;
	return true;
}

bool settings_duration_lacks_unit(const char *text)
{
	char *end;

	errno = 0;
	(void)strtod(text, &end);
	return !errno && end != text && !*end && strcmp(text, "0") != 0;
}
