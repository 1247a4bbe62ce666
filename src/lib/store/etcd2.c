#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/etcd2.h"
#include "base/jscan.h"
#include "base/macro.h"
#include "base/thread.h"

#define SMALL_BODY_MAX (1u << 20)

enum dsck_err etcd2_client_init(struct etcd2_client *c, const struct dsck_conn *conn,
				struct dsck_error *err)
{
	memset(c, 0, sizeof(*c));
	c->conn = conn;
	return http_client_init(&c->http, conn, err);
}

void etcd2_client_release(struct etcd2_client *c)
{
	http_client_release(&c->http);
}

void etcd2_listing_release(struct etcd2_listing *l)
{
	http_response_release(&l->resp);
	buf_release(&l->nodes_mem);
	l->nodes = NULL;
	l->n = 0;
}

/* --- response parsing --- */

/*
 * A node as parsed: offsets into the response body instead of pointers, so
 * a 100,000-key listing costs 40 bytes a node on top of the body.
 */
struct etcd2_node {
	uint32_t key_off, key_len;
	uint32_t val_off, val_len;
	uint32_t exp_off;
	int32_t ttl;
	uint32_t created_lo, modified_lo;   /* indexes split 32 + 16 bits: 40 bytes a node */
	uint16_t created_hi, modified_hi;
	uint8_t flags;
};

#define INDEX_MAX ((int64_t)1 << 48)

static void set_index(uint32_t *lo, uint16_t *hi, int64_t v)
{
	*lo = (uint32_t)v;
	*hi = (uint16_t)(v >> 32);
}

static int64_t get_index(uint32_t lo, uint16_t hi)
{
	return (int64_t)hi << 32 | lo;
}

enum {
	NODE_KEY = 1, NODE_VALUE = 2, NODE_DIR = 4, NODE_TTL = 8, NODE_EXP = 16,
	NODE_VALUE_ESCAPED = 32,    /* the value is its JSON text (ETCD2_ESCAPED_VALUES) */
};

struct walker {
	struct jscan s;
	struct buf mem;             /* holds nodes (buf_init_reserved: never moves once large) */
	struct etcd2_node *nodes;
	size_t n;
	const char *what;
	struct dsck_error *err;
	int64_t error_code;
	const char *message, *cause;
	bool escaped_values;        /* ETCD2_ESCAPED_VALUES */
	bool unordered;             /* a key not above the one before (note_order) */
};

static enum dsck_err syntax_error(struct walker *w, const char *msg)
{
	return dsck_fail(w->err, DSCK_ERR_PROTOCOL, "%s: malformed v2 response at byte %zu: %s",
			 w->what, w->s.error ? w->s.error_offset : (size_t)(w->s.p - w->s.base),
			 w->s.error ? w->s.error : msg);
}

static enum dsck_err new_slot(struct walker *w, size_t *slot)
{
	if (buf_grow(&w->mem, sizeof(w->nodes[0])))
		return dsck_oom(w->err);
	w->nodes = (struct etcd2_node *)w->mem.data;
	memset(&w->nodes[w->n], 0, sizeof(w->nodes[0]));
	w->mem.len += sizeof(w->nodes[0]);
	*slot = w->n++;
	return DSCK_OK;
}

static enum dsck_err parse_node(struct walker *w);

/*
 * Compare each key with the one before while both are in cache: a listing
 * found in byte order here is not walked again (finish_listing). Anything
 * unusual (a keyless node other than the root, a node with two keys, a key
 * that comes after the node's children) leaves the full check to
 * finish_listing.
 */
static void note_order(struct walker *w, size_t slot, const char *key, size_t len)
{
	const struct etcd2_node *prev = slot ? &w->nodes[slot - 1] : NULL;

	if ((w->nodes[slot].flags & NODE_KEY) || slot + 1 != w->n)
		w->unordered = true;   /* a second key, or a key after the node's children */
	else if (prev && (prev->flags & NODE_KEY) &&
		 record_key_cmp(w->s.base + prev->key_off, prev->key_len, key, len) >= 0)
		w->unordered = true;
	else if (prev && !(prev->flags & NODE_KEY) && slot - 1 != 0)
		w->unordered = true;
}

static enum dsck_err parse_children(struct walker *w)
{
	struct jtok t;

	for (;;) {
		switch (jscan_next(&w->s, &t)) {
		case JT_ARRAY_END:
			return DSCK_OK;
		case JT_OBJECT: {
			enum dsck_err rc = parse_node(w);

			if (rc)
				return rc;
			break;
		}
		default:
			return syntax_error(w, "expected a node object in 'nodes'");
		}
	}
}

static bool int_field(struct walker *w, int64_t *out)
{
	struct jtok t;

	return jscan_next(&w->s, &t) == JT_NUMBER && jtok_int64(&t, out);
}

static uint32_t offset(const struct walker *w, const char *p)
{
	return (uint32_t)(p - w->s.base);
}

/* Called just after the node's '{'. */
static enum dsck_err parse_node(struct walker *w)
{
	struct jtok k, t;
	size_t slot = 0;
	int64_t v;
	enum dsck_err rc;

	if ((rc = new_slot(w, &slot)))
		return rc;
	for (;;) {
		struct etcd2_node *r;

		if (jscan_next(&w->s, &k) == JT_OBJECT_END)
			return DSCK_OK;
		if (k.type != JT_KEY)
			return syntax_error(w, "expected a node member");
		r = &w->nodes[slot];
		if (jtok_is(&k, "key") || jtok_is(&k, "value") || jtok_is(&k, "expiration")) {
			w->s.keep_escapes = w->escaped_values && k.str[0] == 'v';
			if (jscan_next(&w->s, &t) != JT_STRING)
				return syntax_error(w, "expected a string");
			w->s.keep_escapes = false;
			if (k.str[0] == 'k') {
				note_order(w, slot, t.str, t.len);
				r->key_off = offset(w, t.str);
				r->key_len = (uint32_t)t.len;
				r->flags |= NODE_KEY;
			} else if (k.str[0] == 'v') {
				r->val_off = offset(w, t.str);
				r->val_len = (uint32_t)t.len;
				r->flags |= NODE_VALUE | (t.escaped ? NODE_VALUE_ESCAPED : 0);
			} else {
				r->exp_off = offset(w, t.str);
				r->flags |= NODE_EXP;
			}
		} else if (jtok_is(&k, "dir")) {
			jscan_next(&w->s, &t);
			if (t.type != JT_TRUE && t.type != JT_FALSE)
				return syntax_error(w, "expected a boolean for 'dir'");
			if (t.type == JT_TRUE)
				r->flags |= NODE_DIR;
		} else if (jtok_is(&k, "ttl")) {
			if (!int_field(w, &v) || v < INT32_MIN || v > INT32_MAX)
				return syntax_error(w, "expected an integer for 'ttl'");
			r->ttl = (int32_t)v;
			r->flags |= NODE_TTL;
		} else if (jtok_is(&k, "modifiedIndex")) {
			if (!int_field(w, &v) || v < 0 || v >= INDEX_MAX)
				return syntax_error(w, "expected an index for 'modifiedIndex'");
			set_index(&r->modified_lo, &r->modified_hi, v);
		} else if (jtok_is(&k, "createdIndex")) {
			if (!int_field(w, &v) || v < 0 || v >= INDEX_MAX)
				return syntax_error(w, "expected an index for 'createdIndex'");
			set_index(&r->created_lo, &r->created_hi, v);
		} else if (jtok_is(&k, "nodes")) {
			if (jscan_next(&w->s, &t) == JT_NULL)
				continue;
			if (t.type != JT_ARRAY)
				return syntax_error(w, "expected an array for 'nodes'");
			if ((rc = parse_children(w)))
				return rc;
		} else {
			jscan_next(&w->s, &t);
			if (!jscan_skip(&w->s, &t))
				return syntax_error(w, "bad value");
		}
	}
}

static enum dsck_err parse_top(struct walker *w)
{
	struct jtok k, t;
	enum dsck_err rc;

	if (jscan_next(&w->s, &t) != JT_OBJECT)
		return syntax_error(w, "expected a JSON object");
	for (;;) {
		if (jscan_next(&w->s, &k) == JT_OBJECT_END)
			break;
		if (k.type != JT_KEY)
			return syntax_error(w, "expected a member");
		if (jtok_is(&k, "node")) {
			if (jscan_next(&w->s, &t) != JT_OBJECT)
				return syntax_error(w, "expected an object for 'node'");
			if ((rc = parse_node(w)))
				return rc;
		} else if (jtok_is(&k, "errorCode")) {
			if (!int_field(w, &w->error_code))
				return syntax_error(w, "expected an integer for 'errorCode'");
		} else if (jtok_is(&k, "message") || jtok_is(&k, "cause")) {
			bool msg = k.str[0] == 'm';

			if (jscan_next(&w->s, &t) != JT_STRING)
				return syntax_error(w, "expected a string");
			if (msg)
				w->message = t.str;
			else
				w->cause = t.str;
		} else {
			jscan_next(&w->s, &t);
			if (!jscan_skip(&w->s, &t))
				return syntax_error(w, "bad value");
		}
	}
	if (jscan_next(&w->s, &t) != JT_END)
		return syntax_error(w, "trailing data");
	return DSCK_OK;
}

static int node_cmp(const void *a, const void *b, void *base)
{
	const struct etcd2_node *x = a, *y = b;
	const char *p = base;

	return record_key_cmp(p + x->key_off, x->key_len, p + y->key_off, y->key_len);
}

/* Drop the keyless root node, sort into byte order, insist on unique keys. */
static enum dsck_err finish_listing(struct walker *w)
{
	size_t o = 0, i;

	for (i = 0; i < w->n; i++) {
		if (!(w->nodes[i].flags & NODE_KEY)) {
			if (i != 0)
				return dsck_fail(w->err, DSCK_ERR_PROTOCOL,
						 "%s: malformed v2 response: a node without 'key'",
						 w->what);
			continue;
		}
		w->nodes[o++] = w->nodes[i];
	}
	w->n = o;
	/*
	 * etcd lists each directory's children sorted, depth first, which is
	 * byte order unless a sibling sorts between a directory and its
	 * children ("a" < "a-b" < "a/c"). Strictly increasing keys are sorted
	 * and unique; otherwise sort, then insist on unique keys.
	 */
	if (!w->unordered)
		return DSCK_OK;
	i = 1;
	while (i < w->n && node_cmp(&w->nodes[i - 1], &w->nodes[i], w->s.base) < 0)
		i++;
	if (i < w->n) {
		qsort_r(w->nodes, w->n, sizeof(w->nodes[0]), node_cmp, w->s.base);
		for (i = 1; i < w->n; i++)
			if (!node_cmp(&w->nodes[i - 1], &w->nodes[i], w->s.base))
				return dsck_fail(w->err, DSCK_ERR_PROTOCOL,
						 "%s: malformed v2 response: key '%s' appears twice",
						 w->what, w->s.base + w->nodes[i].key_off);
	}
	return DSCK_OK;
}

/* Nodes keep 32-bit offsets into the body. */
static enum dsck_err check_size(struct walker *w, size_t len)
{
	if (len < UINT32_MAX)
		return DSCK_OK;
	return dsck_fail(w->err, DSCK_ERR_TOO_LARGE, "%s: v2 response of %zu bytes is too "
			 "large to parse (4 GiB at most)", w->what, len);
}

/* Room for every node a body of @len bytes can hold ("{}," is 3 bytes), empty. */
static void reserve_nodes(struct walker *w, size_t len)
{
	buf_release(&w->mem);
	buf_init_reserved(&w->mem, (len / 3 + 1) * sizeof(w->nodes[0]));
	w->nodes = (struct etcd2_node *)w->mem.data;
	w->n = 0;
}

static enum dsck_err parse_body(struct walker *w, char *body, size_t len)
{
	enum dsck_err rc;

	if ((rc = check_size(w, len)))
		return rc;
	reserve_nodes(w, len);
	jscan_init(&w->s, body, len);
	w->error_code = -1;
	if ((rc = parse_top(w)))
		return rc;
	return finish_listing(w);
}

/*
 * A listing parsed while it arrives (http_body_reader): a second thread runs
 * parse_top over the body as far as it has come and waits in jscan.more for
 * the next chunk, so that the listing is parsed by the time its last byte is
 * in (docs/architecture.md, "Seams"). Without the thread, or for a
 * body that may move, the listing is parsed after the transfer instead.
 */
struct etcd2_feed {
	struct walker w;
	struct dsck_error err;          /* the parse's own: the transfer's come first */
	const struct etcd2_client *c;
	const struct http_response *resp;
	const char *key;
	char what[512];
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t avail;                   /* body bytes received so far */
	bool done, waiting, running;
	bool parsed;                    /* rc is parse_top's */
	enum dsck_err rc;
};

/* jscan.more: wait for the next chunk of the body, or for the transfer's end. */
static bool feed_more(struct jscan *s)
{
	struct etcd2_feed *f = s->more_ctx;
	size_t have = (size_t)(s->end - s->base);

	pthread_mutex_lock(&f->lock);
	while (f->avail == have && !f->done) {
		f->waiting = true;
		pthread_cond_wait(&f->cond, &f->lock);
	}
	f->waiting = false;
	have = f->avail;
	pthread_mutex_unlock(&f->lock);
	if (have == (size_t)(s->end - s->base))
		return false;
	s->end = s->base + have;
	return true;
}

static bool is_json(const char *content_type)
{
	return strncmp(content_type, "application/json", 16) == 0;
}

static void *feed_main(void *arg)
{
	struct etcd2_feed *f = arg;

	/* Headers come before the first chunk: an error page is left as it came. */
	if (feed_more(&f->w.s) && is_json(f->resp->content_type)) {
		f->rc = parse_top(&f->w);
		f->parsed = true;
	}
	return NULL;
}

/*
 * Start over on @len bytes of @body (more may come through feed_more); the
 * nodes start over in reserve_nodes.
 */
static void feed_reset(struct etcd2_feed *f, char *body, size_t len)
{
	f->w.n = 0;
	f->w.unordered = false;
	f->w.error_code = -1;
	f->w.message = f->w.cause = NULL;
	f->err = (struct dsck_error)DSCK_ERROR_INIT;
	jscan_init(&f->w.s, body, len);
}

static void feed_begin(void *ctx, const struct buf *body)
{
	struct etcd2_feed *f = ctx;

	feed_reset(f, body->data, 0);
	snprintf(f->what, sizeof(f->what), "%s (GET %s)", f->c->conn->endpoints[f->c->current],
		 f->key);
	f->avail = 0;
	f->done = f->parsed = false;
	f->w.s.more = feed_more;
	f->w.s.more_ctx = f;
	f->running = false;
	/* Nodes keep 32-bit offsets into a body that must not move while parsed. */
	if (body->mapped && body->max < UINT32_MAX) {
		reserve_nodes(&f->w, body->max);
		f->running = thread_start(&f->thread, feed_main, f) == 0;
	}
}

static void feed_grew(void *ctx, size_t len)
{
	struct etcd2_feed *f = ctx;

	pthread_mutex_lock(&f->lock);
	f->avail = len;
	if (f->waiting)
		pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

static void feed_end(void *ctx)
{
	struct etcd2_feed *f = ctx;

	if (!f->running)
		return;
	pthread_mutex_lock(&f->lock);
	f->done = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	f->running = false;
}

static void feed_init(struct etcd2_feed *f, const struct etcd2_client *c, const char *key,
		      const struct http_response *resp, bool escaped_values)
{
	memset(f, 0, sizeof(*f));
	f->c = c;
	f->key = key;
	f->resp = resp;
	f->w.what = f->what;
	f->w.err = &f->err;
	f->w.escaped_values = escaped_values;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
}

/* The parse of the received body: the thread's, or one made now. */
static enum dsck_err feed_finish(struct etcd2_feed *f, char *body, size_t len,
				 struct dsck_error *err)
{
	if (!f->parsed) {
		feed_reset(f, body, len);
		if (!(f->rc = check_size(&f->w, len))) {
			reserve_nodes(&f->w, len);
			f->rc = parse_top(&f->w);
		}
	}
	if (f->rc)
		*err = f->err;
	return f->rc;
}

static void feed_release(struct etcd2_feed *f)
{
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	buf_release(&f->w.mem);
}

static void node_record(const char *base, const struct etcd2_node *n, struct dsck_record *r)
{
	memset(r, 0, sizeof(*r));
	r->key = base + n->key_off;
	r->key_len = n->key_len;
	r->dir = n->flags & NODE_DIR;
	if (!r->dir) {
		r->value = n->flags & NODE_VALUE ? base + n->val_off : "";
		r->value_len = n->flags & NODE_VALUE ? n->val_len : 0;
		r->value_escaped = n->flags & NODE_VALUE_ESCAPED;
	}
	r->created_index = get_index(n->created_lo, n->created_hi);
	r->modified_index = get_index(n->modified_lo, n->modified_hi);
	r->has_ttl = n->flags & (NODE_TTL | NODE_EXP);
	r->ttl = n->ttl;
	r->expiration = n->flags & NODE_EXP ? base + n->exp_off : NULL;
}

void etcd2_listing_at(const struct etcd2_listing *l, size_t i, struct dsck_record *rec)
{
	node_record(l->resp.body.data, &l->nodes[i], rec);
}

enum dsck_err etcd2_parse_listing(char *body, size_t len, const char *what,
				  struct dsck_record **recs, size_t *n,
				  struct dsck_error *err)
{
	struct walker w = { .what = what, .err = err };
	struct dsck_record *out = NULL;
	enum dsck_err rc = parse_body(&w, body, len);

	if (rc == DSCK_OK && w.error_code >= 0)
		rc = dsck_fail(err, DSCK_ERR_SERVER, "%s: etcd error %lld: %s", what,
			       (long long)w.error_code, w.message ? w.message : "");
	if (rc == DSCK_OK && w.n && !(out = calloc(w.n, sizeof(*out))))
		rc = dsck_oom(err);
	if (rc == DSCK_OK)
		for (size_t i = 0; i < w.n; i++)
			node_record(body, &w.nodes[i], &out[i]);
	buf_release(&w.mem);
	if (rc)
		return rc;
	*recs = out;
	*n = w.n;
	return DSCK_OK;
}

/* --- requests --- */

static enum dsck_err v2_error(const char *endpoint, const char *key, int64_t code,
			      const char *message, const char *cause,
			      struct dsck_error *err)
{
	const char *m = message ? message : "", *c = cause ? cause : "";

	switch (code) {
	case 100:
		return dsck_fail(err, DSCK_ERR_NOT_FOUND, "key '%s' not found (v2, %s)", key, endpoint);
	case 101:
		return dsck_fail(err, DSCK_ERR_CONFLICT,
				 "compare failed on '%s' %s: the key changed since it was read "
				 "(concurrent writer?)", key, c);
	case 105:
		return dsck_fail(err, DSCK_ERR_CONFLICT, "key '%s' already exists (v2, %s)",
				 key, endpoint);
	case 108:
		return dsck_fail(err, DSCK_ERR_CONFLICT,
				 "directory '%s' is not empty (v2, %s): it holds keys that were not "
				 "planned for deletion (written since the plan, --ignore'd or ephemeral "
				 "keys); it was kept", key, endpoint);
	case 110:
		return dsck_fail(err, DSCK_ERR_AUTH,
				 "%s: v2 authentication failed: %s (give --user and --password-file, "
				 "or check the user's v2 role)", endpoint, m);
	default:
		return dsck_fail(err, DSCK_ERR_SERVER, "%s: v2 request on '%s' refused: %s (%s, error %lld)",
				 endpoint, key, m, c, (long long)code);
	}
}

/* Build the /v2/keys URL for @key on @endpoint with an optional query. */
static enum dsck_err keys_url(struct buf *url, const char *endpoint, const char *key,
			      const char *query)
{
	enum dsck_err rc;

	buf_reset(url);
	if ((rc = buf_appends(url, endpoint)) || (rc = buf_appends(url, "/v2/keys")))
		return rc;
	if (key[0] != '/' && (rc = buf_appendc(url, '/')))
		return rc;
	if ((rc = http_escape_path(url, key, strlen(key))))
		return rc;
	if (query && *query && ((rc = buf_appendc(url, '?')) || (rc = buf_appends(url, query))))
		return rc;
	return DSCK_OK;
}

/*
 * Send one keys-API request, failing over to the next endpoint when one
 * cannot be reached. On return resp holds the answer of endpoint c->current.
 */
static enum dsck_err keys_request(struct etcd2_client *c, const char *method,
				  const char *key, const char *query, const char *form,
				  struct http_response *resp, struct dsck_error *err)
{
	struct buf url = BUF_INIT(1u << 16);
	enum dsck_err rc = DSCK_ERR_CONNECT;

	for (size_t tries = 0; tries < c->conn->n_endpoints; tries++) {
		struct dsck_error attempt = DSCK_ERROR_INIT;
		const char *ep = c->conn->endpoints[c->current];

		if ((rc = keys_url(&url, ep, key, query))) {
			rc = dsck_fail(err, rc, "key '%s' is too long for a URL", key);
			break;
		}
		rc = http_request(&c->http, method, url.data, form, resp, &attempt);
		if (rc != DSCK_ERR_CONNECT || tries + 1 == c->conn->n_endpoints) {
			if (rc)
				dsck_fail(err, rc, "%s", attempt.msg);
			break;
		}
		c->current = (c->current + 1) % c->conn->n_endpoints;
	}
	buf_release(&url);
	if (rc)
		return rc;
	if (resp->status == 404 && strncmp(buf_str(&resp->body), "404 page not found", 18) == 0)
		return dsck_fail(err, DSCK_ERR_V2_DISABLED,
				 "%s does not serve the etcd v2 API (404 page not found); Calico v2.x "
				 "needs it: start etcd with --enable-v2=true (or is this the peer port? "
				 "clients use the client URL, usually :2379)",
				 c->conn->endpoints[c->current]);
	if (resp->status == 400 && strstr(buf_str(&resp->body), "HTTP request to an HTTPS server"))
		return dsck_fail(err, DSCK_ERR_TLS,
				 "%s is a TLS endpoint: use https:// with --cacert (and --cert/--key)",
				 c->conn->endpoints[c->current]);
	if (resp->status == 401 && strncmp(resp->content_type, "application/json", 16) != 0)
		return dsck_fail(err, DSCK_ERR_AUTH, "%s: v2 request refused (401 Unauthorized)",
				 c->conn->endpoints[c->current]);
	return DSCK_OK;
}

enum dsck_err etcd2_get(struct etcd2_client *c, const char *key, unsigned flags,
			struct etcd2_listing *out, struct dsck_error *err)
{
	struct etcd2_feed *f = NULL;
	struct http_body_reader reader;
	char query[80];
	enum dsck_err rc;

	memset(out, 0, sizeof(*out));
	http_response_init(&out->resp, c->conn->max_response_bytes);
	if (!(f = malloc(sizeof(*f)))) {
		rc = dsck_oom(err);
		goto out;
	}
	feed_init(f, c, key, &out->resp, flags & ETCD2_ESCAPED_VALUES);
	/* A whole subtree is worth parsing during the transfer; one node is not. */
	if (flags & ETCD2_RECURSIVE) {
		reader = (struct http_body_reader){ feed_begin, feed_grew, feed_end, f };
		out->resp.reader = &reader;
	}
	snprintf(query, sizeof(query), "sorted=true%s%s",
		 flags & ETCD2_RECURSIVE ? "&recursive=true" : "",
		 flags & ETCD2_QUORUM ? "&quorum=true" : "");
	rc = keys_request(c, "GET", key, query, NULL, &out->resp, err);
	out->resp.reader = NULL;
	if (rc)
		goto out;
	out->endpoint = c->conn->endpoints[c->current];
	snprintf(f->what, sizeof(f->what), "%s (GET %s)", out->endpoint, key);
	if (!is_json(out->resp.content_type)) {
		rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "%s: unexpected HTTP %ld reply (%s)",
			       f->what, out->resp.status,
			       out->resp.content_type[0] ? out->resp.content_type : "no content type");
		goto out;
	}
	if ((rc = feed_finish(f, out->resp.body.data, out->resp.body.len, err)))
		goto out;
	if (f->w.error_code >= 0) {
		rc = v2_error(out->endpoint, key, f->w.error_code, f->w.message, f->w.cause, err);
		goto out;
	}
	if (out->resp.status != 200) {
		rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "%s: unexpected HTTP status %ld", f->what,
			       out->resp.status);
		goto out;
	}
	f->w.err = err;
	if ((rc = finish_listing(&f->w)))
		goto out;
	out->nodes_mem = f->w.mem;
	out->nodes = f->w.nodes;
	out->n = f->w.n;
	out->etcd_index = out->resp.etcd_index;
	snprintf(out->cluster_id, sizeof(out->cluster_id), "%s", out->resp.etcd_cluster_id);
	buf_init(&f->w.mem, 0);   /* now the listing's */
	feed_release(f);
	free(f);
	return DSCK_OK;
out:
	if (f) {
		feed_release(f);
		free(f);
	}
	etcd2_listing_release(out);
	return rc;
}

/* Run a write and map its answer; returns the node's modifiedIndex. */
static enum dsck_err write_request(struct etcd2_client *c, const char *method,
				   const char *key, const char *query, const char *form,
				   int64_t *modified_index, struct dsck_error *err)
{
	struct http_response resp;
	struct walker w = { .err = err };
	char what[512];
	enum dsck_err rc;

	http_response_init(&resp, SMALL_BODY_MAX + c->conn->max_response_bytes / 1024);
	if ((rc = keys_request(c, method, key, query, form, &resp, err)))
		goto out;
	snprintf(what, sizeof(what), "%s (%s %s)", c->conn->endpoints[c->current], method, key);
	w.what = what;
	if (resp.body.len == 0) {
		rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "%s: empty reply (HTTP %ld)", what, resp.status);
		goto out;
	}
	if ((rc = parse_body(&w, resp.body.data, resp.body.len)))
		goto out;
	if (w.error_code >= 0) {
		rc = v2_error(c->conn->endpoints[c->current], key, w.error_code, w.message,
			      w.cause, err);
		goto out;
	}
	if (modified_index)
		*modified_index = w.n ? get_index(w.nodes[0].modified_lo, w.nodes[0].modified_hi) : 0;
out:
	buf_release(&w.mem);
	http_response_release(&resp);
	return rc;
}

enum dsck_err etcd2_put(struct etcd2_client *c, const char *key, const char *value,
			size_t value_len, const struct etcd2_put_opts *opts,
			int64_t *modified_index, struct dsck_error *err)
{
	struct buf form = BUF_INIT((size_t)64 << 20);
	enum dsck_err rc;

	if (opts->dir)
		rc = buf_appends(&form, "dir=true");
	else if (!(rc = buf_appends(&form, "value=")))
		rc = http_escape_form(&form, value, value_len);
	if (!rc && opts->ttl > 0)
		rc = buf_printf(&form, "&ttl=%lld", (long long)opts->ttl);
	if (!rc && opts->prev_exist >= 0)
		rc = buf_appends(&form, opts->prev_exist ? "&prevExist=true" : "&prevExist=false");
	if (!rc && opts->prev_index > 0)
		rc = buf_printf(&form, "&prevIndex=%lld", (long long)opts->prev_index);
	if (rc)
		rc = dsck_fail(err, rc, "value of '%s' is too large", key);
	else
		rc = write_request(c, "PUT", key, NULL, buf_str(&form), modified_index, err);
	buf_release(&form);
	return rc;
}

enum dsck_err etcd2_delete(struct etcd2_client *c, const char *key, unsigned flags,
			   int64_t prev_index, struct dsck_error *err)
{
	char query[96];
	int n = 0;

	query[0] = '\0';
	if (flags & ETCD2_DELETE_DIR)
		n += snprintf(query + n, sizeof(query) - (size_t)n, "dir=true&");
	if (flags & ETCD2_DELETE_RECURSIVE)
		n += snprintf(query + n, sizeof(query) - (size_t)n, "recursive=true&");
	if (prev_index > 0)
		n += snprintf(query + n, sizeof(query) - (size_t)n, "prevIndex=%lld&",
			      (long long)prev_index);
	if (n)
		query[n - 1] = '\0';
	return write_request(c, "DELETE", key, query, NULL, NULL, err);
}

enum dsck_err etcd2_version(struct etcd2_client *c, char *server, size_t len,
			    struct dsck_error *err)
{
	struct http_response resp;
	struct buf url = BUF_INIT(4096);
	struct jscan s;
	struct jtok t;
	const char *ep = c->conn->endpoints[c->current];
	enum dsck_err rc;

	server[0] = '\0';
	http_response_init(&resp, SMALL_BODY_MAX);
	if ((rc = buf_printf(&url, "%s/version", ep)) ||
	    (rc = http_request(&c->http, "GET", url.data, NULL, &resp, err)))
		goto out;
	jscan_init(&s, resp.body.data ? resp.body.data : (char *)"", resp.body.len);
	if (resp.status != 200 || jscan_next(&s, &t) != JT_OBJECT) {
		rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "%s/version: unexpected reply (HTTP %ld)",
			       ep, resp.status);
		goto out;
	}
	while (jscan_next(&s, &t) == JT_KEY) {
		bool want = jtok_is(&t, "etcdserver");

		if (jscan_next(&s, &t) == JT_STRING && want)
			snprintf(server, len, "%s", t.str);
		else if (!jscan_skip(&s, &t))
			break;
	}
	if (!server[0])
		rc = dsck_fail(err, DSCK_ERR_PROTOCOL, "%s/version: no etcdserver version", ep);
out:
	buf_release(&url);
	http_response_release(&resp);
	return rc;
}
