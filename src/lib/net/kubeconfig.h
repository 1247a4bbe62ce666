/*
 * kubeconfig: what a kubeconfig file (kubectl's YAML) says about reaching one
 * API server: the current context's cluster (server, CA, TLS verification)
 * and user (token or token file, client certificate and key, or basic auth).
 *
 * A path list "a:b" (as in KUBECONFIG) is read the way kubectl merges it:
 * the first file that sets current-context wins, and each context, cluster
 * and user is taken from the first file that defines one of that name;
 * missing files in a list are skipped. Relative file names are relative to
 * the file that holds them. The -data fields are base64 and are decoded
 * here, into memory only. Errors name the file and line. Exec plugins and
 * auth providers are refused with a clear message.
 *
 * Secrets (token, key data, password) are wiped when released and are never
 * part of an error message. A tokenFile is only named here; the Kubernetes
 * client reads it (as it reads the in-cluster token).
 */
#ifndef DSCK_KUBECONFIG_H
#define DSCK_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

#define KUBECONFIG_MAX_FILES 8
#define KUBECONFIG_NAME_MAX 256

/* A PEM from a -data field (decoded) or a file name; at most one is set. */
struct kubeconfig_pem {
	char *file;
	char *data;
	size_t len;
};

struct kubeconfig {
	char context[KUBECONFIG_NAME_MAX];
	char cluster[KUBECONFIG_NAME_MAX];
	char user[KUBECONFIG_NAME_MAX];     /* "" when the context names none */
	char where[512];                    /* "FILE:LINE" of the context, for messages */
	char *server;                       /* without a trailing '/' */
	bool insecure_skip_tls_verify;
	struct kubeconfig_pem ca, cert, key;
	char *token;                        /* secret */
	char *token_file;
	char *username, *password;          /* basic auth; the password is secret */
};

/* @paths: one file name, or several separated by ':'. */
enum dsck_err kubeconfig_load(struct kubeconfig *kc, const char *paths,
			      struct dsck_error *err);
/* The same from memory; @name stands for the file in messages and paths. */
enum dsck_err kubeconfig_parse(struct kubeconfig *kc, const char *name, const char *text,
			       size_t len, struct dsck_error *err);
void kubeconfig_release(struct kubeconfig *kc);

#endif
