/*
 * http: the one seam through which dsck speaks HTTP (libcurl). The etcd v2
 * client and the Kubernetes client use it; unit tests can replace
 * http_request() with -Wl,--wrap because it lives alone in http.c.
 *
 * One http_client keeps one curl handle so consecutive requests reuse the
 * connection. Response bodies are capped (conn->max_response_bytes).
 */
#ifndef DSCK_HTTP_H
#define DSCK_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "base/buf.h"
#include "net/conn.h"

struct http_client {
	void *curl;                     /* CURL * */
	const struct dsck_conn *conn;
	const char *bearer_token;       /* Kubernetes; NULL for etcd */
	const char *ca_file, *cert_file, *key_file; /* override conn's (Kubernetes) */
};

/*
 * Someone reading the body while it arrives (the etcd v2 client parses a
 * listing during the transfer: docs/architecture.md). For each attempt,
 * http_request calls begin() before sending, grew() after each chunk is in
 * the body, and end() once the attempt is over, whatever its outcome; the
 * body's bytes never move or change meanwhile (buf_init_reserved).
 */
struct http_body_reader {
	void (*begin)(void *ctx, const struct buf *body);
	void (*grew)(void *ctx, size_t len);
	void (*end)(void *ctx);
	void *ctx;
};

struct http_response {
	long status;
	struct buf body;
	char content_type[64];
	char etcd_cluster_id[40];
	int64_t etcd_index;
	bool has_etcd_index;
	bool answered;                  /* a status line came back */
	const struct dsck_conn *conn;   /* of the request: its progress hook sees the body */
	const struct http_body_reader *reader;  /* or NULL */
};

enum dsck_err http_client_init(struct http_client *c, const struct dsck_conn *conn,
			       struct dsck_error *err);
void http_client_release(struct http_client *c);

void http_response_init(struct http_response *r, size_t max_body);
void http_response_release(struct http_response *r);

/*
 * Perform one request. @form is an application/x-www-form-urlencoded body or
 * NULL. Transport failures (connect, TLS, timeout, body over the cap) return
 * an error; any HTTP status is a success at this level.
 */
enum dsck_err http_request(struct http_client *c, const char *method, const char *url,
			   const char *form, struct http_response *resp,
			   struct dsck_error *err);

/* Percent-encode a key path for a URL: '/' and unreserved bytes other than '.' stay. */
enum dsck_err http_escape_path(struct buf *out, const char *key, size_t len);
/* Percent-encode a form value. */
enum dsck_err http_escape_form(struct buf *out, const char *s, size_t len);

#endif
