#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/b64.h"
#include "net/kubeconfig.h"
#include "base/yamldoc.h"
#include "base/macro.h"

/* One loaded file of a KUBECONFIG list. */
struct kc_file {
	yaml_document_t doc;
	char path[PATH_MAX];
	char dir[PATH_MAX];   /* "" when the path has no directory part */
};

struct kc_files {
	struct kc_file v[KUBECONFIG_MAX_FILES];
	size_t n;
};

/* A named entry (context, cluster, user) and the file it was found in. */
struct kc_entry {
	struct kc_file *file;
	yaml_node_t *body;    /* the "context"/"cluster"/"user" mapping */
	size_t line;
};

/* --- YAML access --- */

/* A scalar member: *out is NULL when absent or empty; a non-scalar is an error. */
static enum dsck_err get_scalar(struct kc_file *f, yaml_node_t *map, const char *key,
				const char **out, struct dsck_error *err)
{
	yaml_node_t *n = yamldoc_get(&f->doc, map, key);

	*out = NULL;
	if (!n)
		return DSCK_OK;
	if (n->type != YAML_SCALAR_NODE)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: '%s' must be a string", f->path,
				 yamldoc_line(n), key);
	if (n->data.scalar.length)
		*out = (const char *)n->data.scalar.value;
	return DSCK_OK;
}

static enum dsck_err copy_name(char *dst, size_t size, const char *src, const char *what,
			       struct kc_file *f, size_t line, struct dsck_error *err)
{
	if (strlen(src) >= size)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: %s name is too long", f->path, line,
				 what);
	memcpy(dst, src, strlen(src) + 1);
	return DSCK_OK;
}

/*
 * Find the entry called @name in the list @list ("contexts", ...) of the
 * first file that has one; its body is the member @body ("context", ...).
 */
static enum dsck_err find_entry(struct kc_files *fs, const char *list, const char *body,
				const char *name, struct kc_entry *out, struct dsck_error *err)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct kc_file *f = &fs->v[i];
		yaml_node_t *seq = yamldoc_get(&f->doc, yaml_document_get_root_node(&f->doc), list);

		if (!seq || (seq->type == YAML_SCALAR_NODE && !seq->data.scalar.length))
			continue;
		if (seq->type != YAML_SEQUENCE_NODE)
			return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: '%s' must be a list",
					 f->path, yamldoc_line(seq), list);
		for (yaml_node_item_t *it = seq->data.sequence.items.start;
		     it < seq->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(&f->doc, *it);
			const char *n;

			if (!e || e->type != YAML_MAPPING_NODE)
				return dsck_fail(err, DSCK_ERR_INPUT,
						 "%s:%zu: each entry of '%s' must be a mapping",
						 f->path, e ? yamldoc_line(e) : yamldoc_line(seq), list);
			if (get_scalar(f, e, "name", &n, err))
				return err->code;
			if (!n || strcmp(n, name) != 0)
				continue;
			out->file = f;
			out->line = yamldoc_line(e);
			out->body = yamldoc_get(&f->doc, e, body);
			if (!out->body || out->body->type != YAML_MAPPING_NODE)
				return dsck_fail(err, DSCK_ERR_INPUT,
						 "%s:%zu: %s '%s' has no '%s' mapping", f->path,
						 out->line, body, name, body);
			return DSCK_OK;
		}
	}
	return DSCK_ERR_NOT_FOUND;
}

/* --- values --- */

/* A file name as given, or relative to the kubeconfig that holds it. */
static char *resolve_path(const struct kc_file *f, const char *name)
{
	char *p;

	if (name[0] == '/' || !f->dir[0])
		return strdup(name);
	if (asprintf(&p, "%s/%s", f->dir, name) < 0)
		return NULL;
	return p;
}

/* Decode a base64 -data field; whitespace (line breaks) is ignored. */
static enum dsck_err decode_data(struct kc_file *f, yaml_node_t *map, const char *key,
				 struct kubeconfig_pem *pem, struct dsck_error *err)
{
	const char *v;
	size_t n = 0, len;
	char *d;

	if (get_scalar(f, map, key, &v, err))
		return err->code;
	if (!v)
		return DSCK_OK;
	d = malloc(strlen(v) + 1);
	if (!d)
		return dsck_oom(err);
	for (const char *p = v; *p; p++)
		if (*p != ' ' && *p != '\n' && *p != '\r' && *p != '\t')
			d[n++] = *p;
	d[n] = '\0';
	if (!b64_decode_inplace(d, n, &len)) {
		explicit_bzero(d, n);
		free(d);
		return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: '%s' is not valid base64", f->path,
				 yamldoc_line(yamldoc_get(&f->doc, map, key)), key);
	}
	d[len] = '\0';
	free(pem->file);
	pem->file = NULL;
	pem->data = d;
	pem->len = len;
	return DSCK_OK;
}

/* The PEM of @file_key (a path) or @data_key (base64); -data wins, as in kubectl. */
static enum dsck_err get_pem(struct kc_file *f, yaml_node_t *map, const char *file_key,
			     const char *data_key, struct kubeconfig_pem *pem,
			     struct dsck_error *err)
{
	const char *v;

	if (get_scalar(f, map, file_key, &v, err))
		return err->code;
	if (v && !(pem->file = resolve_path(f, v)))
		return dsck_oom(err);
	return decode_data(f, map, data_key, pem, err);
}

static enum dsck_err dup_scalar(struct kc_file *f, yaml_node_t *map, const char *key,
				char **out, struct dsck_error *err)
{
	const char *v;

	if (get_scalar(f, map, key, &v, err))
		return err->code;
	if (v && !(*out = strdup(v)))
		return dsck_oom(err);
	return DSCK_OK;
}

static enum dsck_err load_cluster(struct kubeconfig *kc, struct kc_entry *e,
				  struct dsck_error *err)
{
	const char *server, *insecure;
	size_t n;

	if (get_scalar(e->file, e->body, "server", &server, err) ||
	    get_scalar(e->file, e->body, "insecure-skip-tls-verify", &insecure, err))
		return err->code;
	if (!server)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: cluster '%s' has no 'server'",
				 e->file->path, e->line, kc->cluster);
	if (strncmp(server, "https://", 8) != 0 && strncmp(server, "http://", 7) != 0)
		return dsck_fail(err, DSCK_ERR_INPUT,
				 "%s:%zu: cluster '%s': server '%s' must start with https://",
				 e->file->path, e->line, kc->cluster, server);
	n = strlen(server);
	while (n && server[n - 1] == '/')
		n--;
	/* Something must follow the scheme: "https://" alone names no server. */
	if (n <= (size_t)(strstr(server, "://") + 3 - server))
		return dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu: cluster '%s': server '%s' names no host",
				 e->file->path, e->line, kc->cluster, server);
	if (!(kc->server = strndup(server, n)))
		return dsck_oom(err);
	kc->insecure_skip_tls_verify = insecure && strcmp(insecure, "true") == 0;
	return get_pem(e->file, e->body, "certificate-authority", "certificate-authority-data",
		       &kc->ca, err);
}

static enum dsck_err load_user(struct kubeconfig *kc, struct kc_entry *e,
			       struct dsck_error *err)
{
	struct kc_file *f = e->file;
	const char *tf;

	if (yamldoc_get(&f->doc, e->body, "exec") || yamldoc_get(&f->doc, e->body, "auth-provider"))
		if (!yamldoc_get(&f->doc, e->body, "token") && !yamldoc_get(&f->doc, e->body, "tokenFile"))
			return dsck_fail(err, DSCK_ERR_INPUT,
					 "%s:%zu: user '%s' gets its credentials from an exec "
					 "plugin or auth provider, which dsck does not run; use a "
					 "token (--k8s-token) or a client certificate",
					 f->path, e->line, kc->user);
	if (dup_scalar(f, e->body, "token", &kc->token, err) ||
	    dup_scalar(f, e->body, "username", &kc->username, err) ||
	    dup_scalar(f, e->body, "password", &kc->password, err) ||
	    get_scalar(f, e->body, "tokenFile", &tf, err))
		return err->code;
	if (!tf && get_scalar(f, e->body, "token-file", &tf, err))
		return err->code;
	if (tf && !kc->token && !(kc->token_file = resolve_path(f, tf)))
		return dsck_oom(err);
	if (get_pem(f, e->body, "client-certificate", "client-certificate-data", &kc->cert, err) ||
	    get_pem(f, e->body, "client-key", "client-key-data", &kc->key, err))
		return err->code;
	if (!(kc->cert.file || kc->cert.data) != !(kc->key.file || kc->key.data))
		return dsck_fail(err, DSCK_ERR_INPUT,
				 "%s:%zu: user '%s' has a client certificate without a key, or a "
				 "key without a certificate", f->path, e->line, kc->user);
	return DSCK_OK;
}

/* current-context: the first file that sets it. */
static enum dsck_err find_current_context(struct kubeconfig *kc, struct kc_files *fs,
					  struct dsck_error *err)
{
	for (size_t i = 0; i < fs->n; i++) {
		struct kc_file *f = &fs->v[i];
		yaml_node_t *root = yaml_document_get_root_node(&f->doc);
		const char *cc;

		if (!root)
			continue;
		if (root->type != YAML_MAPPING_NODE)
			return dsck_fail(err, DSCK_ERR_INPUT,
					 "%s:%zu: expected a mapping at the top level (kind: Config)",
					 f->path, yamldoc_line(root));
		if (get_scalar(f, root, "current-context", &cc, err))
			return err->code;
		if (cc)
			return copy_name(kc->context, sizeof(kc->context), cc, "context", f,
					 yamldoc_line(root), err);
	}
	return dsck_fail(err, DSCK_ERR_INPUT,
			 "%s: no current-context set (kubectl config use-context NAME)",
			 fs->n ? fs->v[0].path : "kubeconfig");
}

static enum dsck_err resolve(struct kubeconfig *kc, struct kc_files *fs,
			     struct dsck_error *err)
{
	struct kc_entry ctx, cl, us;
	const char *cluster, *user;
	enum dsck_err rc;

	if ((rc = find_current_context(kc, fs, err)))
		return rc;
	rc = find_entry(fs, "contexts", "context", kc->context, &ctx, err);
	if (rc == DSCK_ERR_NOT_FOUND)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: current-context '%s' is not in 'contexts'",
				 fs->v[0].path, kc->context);
	if (rc)
		return rc;
	snprintf(kc->where, sizeof(kc->where), "%.400s:%zu", ctx.file->path, ctx.line);
	if (get_scalar(ctx.file, ctx.body, "cluster", &cluster, err) ||
	    get_scalar(ctx.file, ctx.body, "user", &user, err))
		return err->code;
	if (!cluster)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: context '%s' names no cluster",
				 kc->where, kc->context);
	if ((rc = copy_name(kc->cluster, sizeof(kc->cluster), cluster, "cluster", ctx.file,
			    ctx.line, err)) ||
	    (user && (rc = copy_name(kc->user, sizeof(kc->user), user, "user", ctx.file,
				     ctx.line, err))))
		return rc;
	rc = find_entry(fs, "clusters", "cluster", kc->cluster, &cl, err);
	if (rc == DSCK_ERR_NOT_FOUND)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: context '%s' names cluster '%s', which "
				 "is not in 'clusters'", kc->where, kc->context, kc->cluster);
	if (rc || (rc = load_cluster(kc, &cl, err)) || !user)
		return rc;
	rc = find_entry(fs, "users", "user", kc->user, &us, err);
	if (rc == DSCK_ERR_NOT_FOUND)
		return dsck_fail(err, DSCK_ERR_INPUT, "%s: context '%s' names user '%s', which is "
				 "not in 'users'", kc->where, kc->context, kc->user);
	return rc ? rc : load_user(kc, &us, err);
}

/* --- files --- */

static void file_set_path(struct kc_file *f, const char *path, size_t len)
{
	const char *slash;

	snprintf(f->path, sizeof(f->path), "%.*s", (int)len, path);
	slash = strrchr(f->path, '/');
	f->dir[0] = '\0';
	if (slash) {
		size_t n = slash == f->path ? 1 : (size_t)(slash - f->path);

		memcpy(f->dir, f->path, n);   /* n < sizeof(f->path) == sizeof(f->dir) */
		f->dir[n] = '\0';
	}
}

static enum dsck_err load_doc(struct kc_file *f, FILE *in, const char *text, size_t len,
			      struct dsck_error *err)
{
	yaml_parser_t parser;
	enum dsck_err rc = DSCK_OK;

	if (!yaml_parser_initialize(&parser))
		return dsck_oom(err);
	if (in)
		yaml_parser_set_input_file(&parser, in);
	else
		yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &f->doc))
		rc = dsck_fail(err, DSCK_ERR_INPUT, "%s:%zu:%zu: invalid YAML: %s", f->path,
			       parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			       parser.problem ? parser.problem : "parse error");
	yaml_parser_delete(&parser);
	return rc;
}

static void files_release(struct kc_files *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		yaml_document_delete(&fs->v[i].doc);
	fs->n = 0;
}

/* Load one file of the list; a missing file is skipped only in a list. */
static enum dsck_err load_file(struct kc_files *fs, const char *path, size_t len, bool list,
			       struct dsck_error *err)
{
	struct kc_file *f = &fs->v[fs->n];
	_cleanup_fclose_ FILE *in = NULL;

	if (fs->n == KUBECONFIG_MAX_FILES)
		return dsck_fail(err, DSCK_ERR_INPUT, "too many kubeconfig files (at most %d)",
				 KUBECONFIG_MAX_FILES);
	file_set_path(f, path, len);
	in = fopen(f->path, "r");
	if (!in && list && errno == ENOENT)
		return DSCK_OK;
	if (!in)
		return dsck_fail(err, DSCK_ERR_INPUT, "cannot open kubeconfig '%s': %s", f->path,
				 strerror(errno));
	if (load_doc(f, in, NULL, 0, err))
		return err->code;
	fs->n++;
	return DSCK_OK;
}

static void pem_release(struct kubeconfig_pem *p)
{
	free(p->file);
	if (p->data) {
		explicit_bzero(p->data, p->len);
		free(p->data);
	}
	memset(p, 0, sizeof(*p));
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void kubeconfig_release(struct kubeconfig *kc)
{
	free(kc->server);
	pem_release(&kc->ca);
	pem_release(&kc->cert);
	pem_release(&kc->key);
	free_secret(kc->token);
	free(kc->token_file);
	free(kc->username);
	free_secret(kc->password);
	memset(kc, 0, sizeof(*kc));
}

static enum dsck_err finish(struct kubeconfig *kc, struct kc_files *fs, enum dsck_err rc,
			    struct dsck_error *err)
{
	if (!rc)
		rc = resolve(kc, fs, err);
	files_release(fs);
	if (rc)
		kubeconfig_release(kc);
	return rc;
}

enum dsck_err kubeconfig_load(struct kubeconfig *kc, const char *paths,
			      struct dsck_error *err)
{
	struct kc_files fs = { .n = 0 };
	bool list = strchr(paths, ':') != NULL;
	enum dsck_err rc = DSCK_OK;

	memset(kc, 0, sizeof(*kc));
	for (const char *p = paths; *p && !rc;) {
		size_t n = strcspn(p, ":");

		if (n)
			rc = load_file(&fs, p, n, list, err);
		p += n + (p[n] == ':');
	}
	if (!rc && !fs.n)
		rc = dsck_fail(err, DSCK_ERR_INPUT, "none of the kubeconfig files '%s' exists", paths);
	return finish(kc, &fs, rc, err);
}

enum dsck_err kubeconfig_parse(struct kubeconfig *kc, const char *name, const char *text,
			       size_t len, struct dsck_error *err)
{
	struct kc_files fs = { .n = 0 };
	enum dsck_err rc;

	memset(kc, 0, sizeof(*kc));
	file_set_path(&fs.v[0], name, strlen(name));
	rc = load_doc(&fs.v[0], NULL, text, len, err);
	if (!rc)
		fs.n = 1;
	return finish(kc, &fs, rc, err);
}
