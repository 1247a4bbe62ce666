/*
 * conn: how to reach etcd, resolved from the settings into the form the v2
 * and v3 clients use (endpoint list, TLS files, credentials, timeouts, caps).
 * Strings are borrowed from the settings, which must outlive the conn.
 */
#ifndef DSCK_CONN_H
#define DSCK_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "net/settings.h"

#define CONN_MAX_ENDPOINTS 16

typedef void (*conn_progress_fn)(void *ctx, uint64_t records, uint64_t bytes);

struct dsck_conn {
	char *endpoints[CONN_MAX_ENDPOINTS];  /* owned, without trailing '/' */
	size_t n_endpoints;
	const char *cacert, *cert, *key;
	const char *user, *password;
	long dial_timeout_ms;
	long command_timeout_ms;
	bool insecure_skip_tls_verify;
	size_t max_response_bytes;
	bool debug;
	/*
	 * Wire-level tracing (--debug): the library hands each line here and
	 * never prints itself. Secrets (Authorization, tokens) are redacted first.
	 */
	void (*trace)(void *ctx, const char *line);
	void *trace_ctx;
	/*
	 * Progress of long reads (docs/conventions.md): response bytes as they
	 * arrive, and records as sources return them, each call adding to the
	 * counts. NULL: nobody watches. The CLI decides what to show and when.
	 * Called from the library's worker threads too (v3 prefetch, batches).
	 */
	conn_progress_fn progress;
	void *progress_ctx;
};

enum dsck_err conn_init(struct dsck_conn *c, const struct dsck_settings *s,
			struct dsck_error *err);
/* A copy of @c that talks to endpoint @i only (per-member reads). */
enum dsck_err conn_init_member(struct dsck_conn *member, const struct dsck_conn *c,
			       size_t i, struct dsck_error *err);
void conn_release(struct dsck_conn *c);
bool conn_is_tls(const char *endpoint);

#endif
