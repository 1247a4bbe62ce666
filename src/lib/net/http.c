#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/http.h"

enum dsck_err http_client_init(struct http_client *c, const struct dsck_conn *conn,
			       struct dsck_error *err)
{
	memset(c, 0, sizeof(*c));
	c->conn = conn;
	c->curl = curl_easy_init();
	if (!c->curl)
		return dsck_fail(err, DSCK_ERR_NOMEM, "cannot create a curl handle");
	return DSCK_OK;
}

void http_client_release(struct http_client *c)
{
	if (c->curl)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
}

void http_response_init(struct http_response *r, size_t max_body)
{
	memset(r, 0, sizeof(*r));
	buf_init_reserved(&r->body, max_body);
}

void http_response_release(struct http_response *r)
{
	buf_release(&r->body);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct http_response *r = ud;

	/* Returning less than given makes curl fail with CURLE_WRITE_ERROR. */
	if (buf_append(&r->body, p, size * n))
		return 0;
	if (r->reader)
		r->reader->grew(r->reader->ctx, r->body.len);
	if (r->conn && r->conn->progress)
		r->conn->progress(r->conn->progress_ctx, 0, size * n);
	return size * n;
}

static void header_value(const char *line, size_t len, char *out, size_t outlen)
{
	const char *v = memchr(line, ':', len);
	size_t n;

	if (!v)
		return;
	v++;
	while (v < line + len && (*v == ' ' || *v == '\t'))
		v++;
	n = (size_t)(line + len - v);
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

static size_t on_header(char *line, size_t size, size_t n, void *ud)
{
	struct http_response *r = ud;
	size_t len = size * n;
	char tmp[40];

	if (len > 5 && strncmp(line, "HTTP/", 5) == 0)
		r->answered = true;
	/* Header names are case-insensitive (Go sends X-Etcd-Cluster-Id). */
	if (len > 13 && strncasecmp(line, "Content-Type:", 13) == 0) {
		header_value(line, len, r->content_type, sizeof(r->content_type));
	} else if (len > 18 && strncasecmp(line, "X-Etcd-Cluster-Id:", 18) == 0) {
		header_value(line, len, r->etcd_cluster_id, sizeof(r->etcd_cluster_id));
	} else if (len > 13 && strncasecmp(line, "X-Etcd-Index:", 13) == 0) {
		char *end;

		tmp[0] = '\0';
		header_value(line, len, tmp, sizeof(tmp));
		r->etcd_index = strtoll(tmp, &end, 10);
		r->has_etcd_index = end != tmp;
	}
	return len;
}

/* --debug: request and response headers, never bodies, never credentials. */
static int on_debug(CURL *h, curl_infotype type, char *data, size_t size, void *ud)
{
	const struct dsck_conn *conn = ud;
	const char *dir = type == CURLINFO_HEADER_OUT ? "> " : type == CURLINFO_HEADER_IN ? "< " : "* ";
	char line[1024];

	(void)h;
	if (type != CURLINFO_TEXT && type != CURLINFO_HEADER_IN && type != CURLINFO_HEADER_OUT)
		return 0;
	while (size) {
		size_t n = 0;

		while (n < size && data[n] != '\n')
			n++;
		if (n && data[n - 1] == '\r')
			snprintf(line, sizeof(line), "%s%.*s", dir, (int)(n - 1), data);
		else
			snprintf(line, sizeof(line), "%s%.*s", dir, (int)n, data);
		if (strncasecmp(line + 2, "Authorization:", 14) == 0)
			snprintf(line + 2, sizeof(line) - 2, "Authorization: <redacted>");
		if (line[2])
			conn->trace(conn->trace_ctx, line);
		n += n < size;
		data += n;
		size -= n;
	}
	return 0;
}

static bool is_tls_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_USE_SSL_FAILED:
		return true;
	default:
		return false;
	}
}

static enum dsck_err map_curl_error(CURLcode cc, const char *url, const char *errbuf,
				    const struct http_client *c, const struct http_response *r,
				    struct dsck_error *err)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cc);
	bool tls = strncmp(url, "https://", 8) == 0;

	if (cc == CURLE_WRITE_ERROR && r->body.len + CURL_MAX_WRITE_SIZE > r->body.max)
		return dsck_fail(err, DSCK_ERR_TOO_LARGE,
				 "response from '%s' exceeds the %zu-byte cap; raise --max-response-bytes",
				 url, r->body.max);
	/*
	 * The server answered, but badly (a broken chunked body, a header block
	 * over curl's limit): that is a bad reply, not an unreachable server.
	 */
	if (r->answered && (cc == CURLE_RECV_ERROR || cc == CURLE_OUT_OF_MEMORY ||
			    cc == CURLE_GOT_NOTHING))
		return dsck_fail(err, DSCK_ERR_PROTOCOL, "'%s' answered with a malformed HTTP "
				 "response: %s", url, detail);
	/* HTTP/0.9 (no status line) is reported as an unsupported protocol. */
	if (cc == CURLE_WEIRD_SERVER_REPLY || cc == CURLE_BAD_CONTENT_ENCODING ||
	    cc == CURLE_UNSUPPORTED_PROTOCOL ||
	    cc == CURLE_PARTIAL_FILE)
		return dsck_fail(err, DSCK_ERR_PROTOCOL, "'%s' answered with something that is not "
				 "valid HTTP: %s (is this an etcd client URL?)", url, detail);
	if (is_tls_error(cc))
		return dsck_fail(err, DSCK_ERR_TLS,
				 "TLS failure talking to '%s': %s (check --cacert, --cert, --key)",
				 url, detail);
	/* A server that rejects our client certificate resets the handshake. */
	if (tls && (cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_GOT_NOTHING))
		return dsck_fail(err, DSCK_ERR_TLS,
				 "TLS failure talking to '%s': %s (the server may require a client "
				 "certificate: --cert and --key%s)", url, detail,
				 c->conn->cert ? ", check that it is signed by a CA the server trusts" : "");
	/* A TLS-only server hangs up on plain HTTP without a word. */
	if (!tls && cc == CURLE_GOT_NOTHING)
		return dsck_fail(err, DSCK_ERR_TLS,
				 "no HTTP answer from '%s': %s (is it a TLS endpoint? use https://)",
				 url, detail);
	if (!tls && cc == CURLE_RECV_ERROR)
		return dsck_fail(err, DSCK_ERR_CONNECT,
				 "no HTTP answer from '%s': %s (is it a TLS endpoint? use https://)",
				 url, detail);
	return dsck_fail(err, DSCK_ERR_CONNECT, "cannot reach '%s': %s", url, detail);
}

enum dsck_err http_request(struct http_client *c, const char *method, const char *url,
			   const char *form, struct http_response *resp,
			   struct dsck_error *err)
{
	CURL *h = c->curl;
	const struct dsck_conn *conn = c->conn;
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	char *authz = NULL;
	CURLcode cc;
	enum dsck_err rc = DSCK_OK;

	curl_easy_reset(h);
	resp->status = 0;
	resp->content_type[0] = '\0';
	resp->has_etcd_index = false;
	resp->answered = false;
	resp->conn = conn;
	buf_reset(&resp->body);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, conn->dial_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, conn->command_timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	/* Fewer, larger reads for a whole v2 listing (docs/benchmarks.md). */
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 256L * 1024);
	/* Send the path as built: never resolve "/../" in a key. */
	curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
	if (conn->trace) {
		curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);
		curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, on_debug);
		curl_easy_setopt(h, CURLOPT_DEBUGDATA, conn);
	}
	if (strcmp(method, "GET") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (form) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	{
		const char *ca = c->ca_file ? c->ca_file : conn->cacert;
		const char *cert = c->cert_file ? c->cert_file : conn->cert;
		const char *key = c->key_file ? c->key_file : conn->key;

		if (ca)
			curl_easy_setopt(h, CURLOPT_CAINFO, ca);
		if (cert)
			curl_easy_setopt(h, CURLOPT_SSLCERT, cert);
		if (key)
			curl_easy_setopt(h, CURLOPT_SSLKEY, key);
	}
	if (conn->insecure_skip_tls_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (c->bearer_token) {
		size_t n = strlen(c->bearer_token) + 32;

		authz = malloc(n);
		if (!authz)
			return dsck_oom(err);
		snprintf(authz, n, "Authorization: Bearer %s", c->bearer_token);
		hdrs = curl_slist_append(hdrs, authz);
	} else if (conn->user) {
		curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(h, CURLOPT_USERNAME, conn->user);
		curl_easy_setopt(h, CURLOPT_PASSWORD, conn->password ? conn->password : "");
	}
	if (hdrs)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);

	if (resp->reader)
		resp->reader->begin(resp->reader->ctx, &resp->body);
	cc = curl_easy_perform(h);
	if (resp->reader)
		resp->reader->end(resp->reader->ctx);
	if (cc != CURLE_OK)
		rc = map_curl_error(cc, url, errbuf, c, resp, err);
	else
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);

	curl_slist_free_all(hdrs);
	if (authz) {
		explicit_bzero(authz, strlen(authz));
		free(authz);
	}
	/* The handle keeps option pointers; drop the ones into our stack/heap. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	return rc;
}

static bool unreserved(unsigned char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~';
}

static enum dsck_err escape(struct buf *out, const char *s, size_t len, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	enum dsck_err rc;

	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		/*
		 * In a path even '.' is encoded, so no dot segment can be merged
		 * on the way: the key written is the key read.
		 */
		if ((unreserved(ch) && !(keep_slash && ch == '.')) || (keep_slash && ch == '/')) {
			rc = buf_appendc(out, (char)ch);
		} else {
			char t[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			rc = buf_append(out, t, 3);
		}
		if (rc)
			return rc;
	}
	return DSCK_OK;
}

enum dsck_err http_escape_path(struct buf *out, const char *key, size_t len)
{
	return escape(out, key, len, true);
}

enum dsck_err http_escape_form(struct buf *out, const char *s, size_t len)
{
	return escape(out, s, len, false);
}
