#include <grpc/status.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/etcd3.h"
#include "base/thread.h"
#include "rpc.pb-c.h"
#include "base/macro.h"
#include "net/rpc.h"

#define M_KV "/etcdserverpb.KV/"
#define M_LEASE "/etcdserverpb.Lease/"
#define M_MAINT "/etcdserverpb.Maintenance/"

enum dsck_err etcd3_client_init(struct etcd3_client *c, const struct dsck_conn *conn,
				struct dsck_error *err)
{
	(void)err;
	memset(c, 0, sizeof(*c));
	c->conn = conn;
	return DSCK_OK;
}

void etcd3_client_release(struct etcd3_client *c)
{
	for (size_t i = 0; i < CONN_MAX_ENDPOINTS; i++)
		rpc_channel_free(&c->channels[i]);
	if (c->token) {
		explicit_bzero(c->token, strlen(c->token));
		free(c->token);
	}
	c->token = NULL;
}

const char *etcd3_endpoint(const struct etcd3_client *c)
{
	return c->conn->endpoints[c->current];
}

size_t etcd3_prefix_end(const char *prefix, size_t len, char *out)
{
	memcpy(out, prefix, len);
	for (size_t i = len; i-- > 0;) {
		if ((unsigned char)out[i] < 0xff) {
			out[i]++;
			return i + 1;
		}
	}
	/* All 0xff (or empty): no upper bound, "\0" means "to the end". */
	out[0] = '\0';
	return 1;
}

static bool contains(const char *s, const char *needle)
{
	return strstr(s, needle) != NULL;
}

/* Is this UNAVAILABLE a failure to reach the member (so another may answer)? */
static bool unreachable(const struct rpc_status *st)
{
	return st->code == GRPC_STATUS_UNAVAILABLE || st->code == GRPC_STATUS_DEADLINE_EXCEEDED;
}

static enum dsck_err map_status(const char *ep, const char *method,
				const struct rpc_status *st, struct dsck_error *err)
{
	const char *d = st->details;
	const char *m = strrchr(method, '/') + 1;

	switch (st->code) {
	case GRPC_STATUS_UNAVAILABLE:
		if (contains(d, "dial timeout"))
			return dsck_fail(err, DSCK_ERR_CONNECT, "cannot reach %s over gRPC: %s", ep, d);
		if (conn_is_tls(ep) && !contains(d, "Connection refused") &&
		    !contains(d, "DNS resolution") && !contains(d, "No route"))
			return dsck_fail(err, DSCK_ERR_TLS,
					 "%s: TLS connection failed (%s): check --cacert, and --cert/--key "
					 "if the server requires client certificates (or the server may not "
					 "speak TLS: try http://)", ep, d);
		if (contains(d, "etcdserver:"))
			return dsck_fail(err, DSCK_ERR_SERVER, "%s: %s refused: %s", ep, m, d);
		return dsck_fail(err, DSCK_ERR_CONNECT, "cannot reach %s over gRPC: %s", ep, d);
	case GRPC_STATUS_DEADLINE_EXCEEDED:
		return dsck_fail(err, DSCK_ERR_CONNECT,
				 "%s: %s timed out (%s); raise --command-timeout or check the member",
				 ep, m, d);
	case GRPC_STATUS_OUT_OF_RANGE:
		if (contains(d, "compacted"))
			return dsck_fail(err, DSCK_ERR_COMPACTED,
					 "%s: %s: %s; the store was compacted during the scan: run the "
					 "command again (and pause auto-compaction for long scans)", ep, m, d);
		return dsck_fail(err, DSCK_ERR_SERVER, "%s: %s refused: %s", ep, m, d);
	case GRPC_STATUS_UNAUTHENTICATED:
	case GRPC_STATUS_PERMISSION_DENIED:
		return dsck_fail(err, DSCK_ERR_AUTH, "%s: %s: %s (check --user and the user's roles)",
				 ep, m, d);
	case GRPC_STATUS_INVALID_ARGUMENT:
		if (contains(d, "user name is empty"))
			return dsck_fail(err, DSCK_ERR_AUTH,
					 "%s: %s: %s: authentication is enabled; give --user and "
					 "--password-file", ep, m, d);
		if (contains(d, "authentication failed"))
			return dsck_fail(err, DSCK_ERR_AUTH, "%s: %s: %s", ep, m, d);
		return dsck_fail(err, DSCK_ERR_SERVER, "%s: %s refused: %s", ep, m, d);
	case GRPC_STATUS_RESOURCE_EXHAUSTED:
		return dsck_fail(err, DSCK_ERR_SERVER, "%s: %s refused: %s", ep, m, d);
	default:
		return dsck_fail(err, DSCK_ERR_SERVER, "%s: %s failed (gRPC status %d): %s",
				 ep, m, st->code, d);
	}
}

static enum dsck_err channel(struct etcd3_client *c, struct rpc_channel **out,
			     struct dsck_error *err)
{
	struct rpc_channel **ch = &c->channels[c->current];
	enum dsck_err rc;

	if (!*ch && (rc = rpc_channel_new(c->conn->endpoints[c->current], c->conn, ch, err)))
		return rc;
	*out = *ch;
	return DSCK_OK;
}

/* Authenticate on the current endpoint; st tells the caller about failover. */
static enum dsck_err authenticate(struct etcd3_client *c, struct rpc_channel *ch,
				  struct rpc_status *st, struct dsck_error *err)
{
	Etcdserverpb__AuthenticateRequest req = ETCDSERVERPB__AUTHENTICATE_REQUEST__INIT;
	Etcdserverpb__AuthenticateResponse *resp = NULL;
	enum dsck_err rc;

	req.name = (char *)c->conn->user;
	req.password = (char *)(c->conn->password ? c->conn->password : "");
	rc = rpc_unary(ch, "/etcdserverpb.Auth/Authenticate", &req.base,
		       &etcdserverpb__authenticate_response__descriptor, NULL,
		       c->conn->command_timeout_ms, (ProtobufCMessage **)&resp, st, err);
	if (rc)
		return rc;
	if (st->code == GRPC_STATUS_FAILED_PRECONDITION &&
	    contains(st->details, "authentication is not enabled")) {
		c->auth_disabled = true;
		st->code = GRPC_STATUS_OK;
		return DSCK_OK;
	}
	if (st->code != GRPC_STATUS_OK)
		return DSCK_OK;
	c->token = strdup(resp->token ? resp->token : "");
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return c->token ? DSCK_OK : dsck_oom(err);
}

static void trace_call(const struct etcd3_client *c, const char *method,
		       const ProtobufCMessage *req, const struct rpc_status *st)
{
	char line[768];

	if (!c->conn->trace)
		return;
	/* The token travels as metadata and is never part of the line. */
	snprintf(line, sizeof(line), "grpc %s %s (%zu bytes%s) -> status %d%s%s",
		 etcd3_endpoint(c), method, protobuf_c_message_get_packed_size(req),
		 c->token ? ", with token" : "", st->code, st->details[0] ? ": " : "", st->details);
	c->conn->trace(c->conn->trace_ctx, line);
}

static enum dsck_err call(struct etcd3_client *c, const char *method,
			  const ProtobufCMessage *req, const ProtobufCMessageDescriptor *d,
			  void *resp, struct dsck_error *err)
{
	struct rpc_status st = { 0 };
	bool reauthed = false;
	size_t tries = 0;
	enum dsck_err rc;

	for (;;) {
		struct rpc_channel *ch;

		if ((rc = channel(c, &ch, err)))
			return rc;
		st.code = GRPC_STATUS_OK;
		if (c->conn->user && !c->token && !c->auth_disabled &&
		    (rc = authenticate(c, ch, &st, err)))
			return rc;
		if (st.code == GRPC_STATUS_OK &&
		    (rc = rpc_unary(ch, method, req, d, c->token, c->conn->command_timeout_ms,
				    resp, &st, err)))
			return rc;
		trace_call(c, method, req, &st);
		if (st.code == GRPC_STATUS_OK)
			return DSCK_OK;
		if (st.code == GRPC_STATUS_UNAUTHENTICATED && c->token && !reauthed &&
		    contains(st.details, "invalid auth token")) {
			free(c->token);
			c->token = NULL;
			reauthed = true;
			continue;
		}
		if (unreachable(&st) && ++tries < c->conn->n_endpoints) {
			c->current = (c->current + 1) % c->conn->n_endpoints;
			free(c->token);   /* tokens are per member with simple tokens */
			c->token = NULL;
			continue;
		}
		return map_status(etcd3_endpoint(c), method, &st, err);
	}
}

/*
 * A Range, traced with the size of its reply: `count` is the number of keys
 * etcd walked in its index for it (docs/v3-scans.md), the cost that bounded
 * windows keep near one page.
 */
static enum dsck_err etcd3_range(struct etcd3_client *c, const Etcdserverpb__RangeRequest *req,
				 Etcdserverpb__RangeResponse **resp, struct dsck_error *err)
{
	enum dsck_err rc = call(c, M_KV "Range", &req->base,
				&etcdserverpb__range_response__descriptor, resp, err);
	char line[128];

	if (!rc && c->conn->trace) {
		snprintf(line, sizeof(line), "range reply: %zu keys, count %lld%s", (*resp)->n_kvs,
			 (long long)(*resp)->count, (*resp)->more ? ", more" : "");
		c->conn->trace(c->conn->trace_ctx, line);
	}
	return rc;
}

enum dsck_err etcd3_member_status(struct etcd3_client *c, struct etcd3_member_status *out,
				  struct dsck_error *err)
{
	Etcdserverpb__StatusRequest req = ETCDSERVERPB__STATUS_REQUEST__INIT;
	Etcdserverpb__StatusResponse *st = NULL;
	enum dsck_err rc;

	memset(out, 0, sizeof(*out));
	if ((rc = call(c, M_MAINT "Status", &req.base, &etcdserverpb__status_response__descriptor,
		       &st, err)))
		return rc;
	snprintf(out->version, sizeof(out->version), "%s", st->version ? st->version : "");
	if (st->header) {
		out->cluster_id = st->header->cluster_id;
		out->member_id = st->header->member_id;
		out->revision = st->header->revision;
	}
	out->leader = st->leader;
	out->db_size = st->dbsize;
	if (st->n_errors)
		snprintf(out->error, sizeof(out->error), "%s", st->errors[0]);
	protobuf_c_message_free_unpacked(&st->base, NULL);
	return DSCK_OK;
}

static void copy_urls(char (*dst)[256], size_t *n, char **src, size_t n_src)
{
	for (*n = 0; *n < n_src && *n < ETCD3_MEMBER_URLS; (*n)++)
		snprintf(dst[*n], sizeof(dst[*n]), "%s", src[*n]);
}

enum dsck_err etcd3_members(struct etcd3_client *c, struct etcd3_member_info *out, size_t cap,
			    size_t *n, struct dsck_error *err)
{
	Etcdserverpb__MemberListRequest req = ETCDSERVERPB__MEMBER_LIST_REQUEST__INIT;
	Etcdserverpb__MemberListResponse *ml = NULL;
	enum dsck_err rc;

	*n = 0;
	if ((rc = call(c, "/etcdserverpb.Cluster/MemberList", &req.base,
		       &etcdserverpb__member_list_response__descriptor, &ml, err)))
		return rc;
	for (size_t m = 0; m < ml->n_members && *n < cap; m++) {
		const Etcdserverpb__Member *mb = ml->members[m];
		struct etcd3_member_info *x = &out[(*n)++];

		snprintf(x->name, sizeof(x->name), "%s", mb->name ? mb->name : "");
		copy_urls(x->client_urls, &x->n_client_urls, mb->clienturls, mb->n_clienturls);
		copy_urls(x->peer_urls, &x->n_peer_urls, mb->peerurls, mb->n_peerurls);
	}
	protobuf_c_message_free_unpacked(&ml->base, NULL);
	return DSCK_OK;
}

enum dsck_err etcd3_count(struct etcd3_client *c, const char *prefix, size_t len,
			  bool serializable, int64_t *count, struct dsck_error *err)
{
	Etcdserverpb__RangeRequest req = ETCDSERVERPB__RANGE_REQUEST__INIT;
	Etcdserverpb__RangeResponse *resp = NULL;
	char *end = malloc(len + 1);
	enum dsck_err rc;

	if (!end)
		return dsck_oom(err);
	if (len) {
		req.key = (ProtobufCBinaryData){ len, (uint8_t *)prefix };
		req.range_end = (ProtobufCBinaryData){ etcd3_prefix_end(prefix, len, end),
						       (uint8_t *)end };
	} else {
		/* key "\0" and range_end "\0": every key. */
		end[0] = '\0';
		req.key = (ProtobufCBinaryData){ 1, (uint8_t *)end };
		req.range_end = (ProtobufCBinaryData){ 1, (uint8_t *)end };
	}
	req.count_only = true;
	req.serializable = serializable;
	rc = etcd3_range(c, &req, &resp, err);
	free(end);
	if (rc)
		return rc;
	*count = resp->count;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return DSCK_OK;
}

enum dsck_err etcd3_get_value(struct etcd3_client *c, const char *key, size_t len,
			      struct buf *value, bool *found, struct dsck_error *err)
{
	Etcdserverpb__RangeRequest req = ETCDSERVERPB__RANGE_REQUEST__INIT;
	Etcdserverpb__RangeResponse *resp = NULL;
	enum dsck_err rc = DSCK_OK;

	req.key = (ProtobufCBinaryData){ len, (uint8_t *)key };
	if ((rc = etcd3_range(c, &req, &resp, err)))
		return rc;
	*found = resp->n_kvs == 1;
	if (*found && buf_append(value, resp->kvs[0]->value.data, resp->kvs[0]->value.len))
		rc = dsck_fail(err, DSCK_ERR_TOO_LARGE, "value of a v3 key is too large");
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return rc;
}

void etcd3_global_init(bool debug)
{
	rpc_global_init(debug);
}

void etcd3_global_shutdown(void)
{
	rpc_global_shutdown();
}

const char *etcd3_protobuf_version(void)
{
	return protobuf_c_version();
}

const char *etcd3_grpc_version(void)
{
	return rpc_version();
}

enum dsck_err etcd3_lease_grant(struct etcd3_client *c, int64_t ttl, int64_t *id,
				struct dsck_error *err)
{
	Etcdserverpb__LeaseGrantRequest req = ETCDSERVERPB__LEASE_GRANT_REQUEST__INIT;
	Etcdserverpb__LeaseGrantResponse *resp = NULL;
	enum dsck_err rc;

	req.ttl = ttl;
	rc = call(c, M_LEASE "LeaseGrant", &req.base,
		  &etcdserverpb__lease_grant_response__descriptor, &resp, err);
	if (rc)
		return rc;
	if (resp->error && *resp->error)
		rc = dsck_fail(err, DSCK_ERR_SERVER, "%s: lease grant failed: %s",
			       etcd3_endpoint(c), resp->error);
	*id = resp->id;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return rc;
}

/* --- guarded writes --- */

/* The protobuf messages of one guarded Txn, all allocated at once. */
struct txn_msgs {
	Etcdserverpb__TxnRequest txn;
	Etcdserverpb__Compare *cmp, **cmpp;
	Etcdserverpb__RequestOp *ops, **opsp;
	Etcdserverpb__PutRequest *puts;
	Etcdserverpb__DeleteRangeRequest *dels;
};

static void txn_msgs_release(struct txn_msgs *m)
{
	free(m->cmp);
	free(m->cmpp);
	free(m->ops);
	free(m->opsp);
	free(m->puts);
	free(m->dels);
}

static enum dsck_err txn_msgs_build(struct txn_msgs *m, const struct etcd3_guarded_op *g,
				    size_t n, struct dsck_error *err)
{
	memset(m, 0, sizeof(*m));
	etcdserverpb__txn_request__init(&m->txn);
	m->cmp = calloc(n, sizeof(*m->cmp));
	m->cmpp = calloc(n, sizeof(*m->cmpp));
	m->ops = calloc(n, sizeof(*m->ops));
	m->opsp = calloc(n, sizeof(*m->opsp));
	m->puts = calloc(n, sizeof(*m->puts));
	m->dels = calloc(n, sizeof(*m->dels));
	if (!m->cmp || !m->cmpp || !m->ops || !m->opsp || !m->puts || !m->dels) {
		txn_msgs_release(m);
		return dsck_oom(err);
	}
	for (size_t i = 0; i < n; i++) {
		ProtobufCBinaryData key = { g[i].key_len, (uint8_t *)g[i].key };
		Etcdserverpb__Compare *c = &m->cmp[i];

		etcdserverpb__compare__init(c);
		etcdserverpb__request_op__init(&m->ops[i]);
		c->key = key;
		c->result = ETCDSERVERPB__COMPARE__COMPARE_RESULT__EQUAL;
		if (g[i].create) {
			c->target = ETCDSERVERPB__COMPARE__COMPARE_TARGET__CREATE;
			c->target_union_case = ETCDSERVERPB__COMPARE__TARGET_UNION_CREATE_REVISION;
			c->create_revision = 0;
		} else {
			c->target = ETCDSERVERPB__COMPARE__COMPARE_TARGET__MOD;
			c->target_union_case = ETCDSERVERPB__COMPARE__TARGET_UNION_MOD_REVISION;
			c->mod_revision = g[i].rev;
		}
		if (g[i].del) {
			etcdserverpb__delete_range_request__init(&m->dels[i]);
			m->dels[i].key = key;
			m->ops[i].request_case = ETCDSERVERPB__REQUEST_OP__REQUEST_REQUEST_DELETE_RANGE;
			m->ops[i].request_delete_range = &m->dels[i];
		} else {
			etcdserverpb__put_request__init(&m->puts[i]);
			m->puts[i].key = key;
			m->puts[i].value = (ProtobufCBinaryData){ g[i].value_len, (uint8_t *)g[i].value };
			m->puts[i].lease = g[i].lease;
			m->ops[i].request_case = ETCDSERVERPB__REQUEST_OP__REQUEST_REQUEST_PUT;
			m->ops[i].request_put = &m->puts[i];
		}
		m->cmpp[i] = c;
		m->opsp[i] = &m->ops[i];
	}
	m->txn.n_compare = n;
	m->txn.compare = m->cmpp;
	m->txn.n_success = n;
	m->txn.success = m->opsp;
	return DSCK_OK;
}

enum dsck_err etcd3_guarded_txn_size(const struct etcd3_guarded_op *ops, size_t n,
				     size_t *size, struct dsck_error *err)
{
	struct txn_msgs m;
	enum dsck_err rc;

	if ((rc = txn_msgs_build(&m, ops, n, err)))
		return rc;
	*size = protobuf_c_message_get_packed_size(&m.txn.base);
	txn_msgs_release(&m);
	return DSCK_OK;
}

enum dsck_err etcd3_guarded_txn(struct etcd3_client *c, const struct etcd3_guarded_op *ops,
				size_t n, bool *succeeded, int64_t *revision,
				struct dsck_error *err)
{
	Etcdserverpb__TxnResponse *resp = NULL;
	struct txn_msgs m;
	enum dsck_err rc;

	if ((rc = txn_msgs_build(&m, ops, n, err)))
		return rc;
	rc = call(c, M_KV "Txn", &m.txn.base, &etcdserverpb__txn_response__descriptor, &resp, err);
	txn_msgs_release(&m);
	if (rc)
		return rc;
	*succeeded = resp->succeeded;
	if (revision)
		*revision = resp->header ? resp->header->revision : 0;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return DSCK_OK;
}

enum dsck_err etcd3_key_revisions(struct etcd3_client *c, const char *key, size_t len,
				  int64_t *create_revision, int64_t *mod_revision,
				  struct dsck_error *err)
{
	Etcdserverpb__RangeRequest req = ETCDSERVERPB__RANGE_REQUEST__INIT;
	Etcdserverpb__RangeResponse *resp = NULL;
	enum dsck_err rc;

	req.key = (ProtobufCBinaryData){ len, (uint8_t *)key };
	req.keys_only = true;
	if ((rc = etcd3_range(c, &req, &resp, err)))
		return rc;
	*create_revision = resp->n_kvs ? resp->kvs[0]->create_revision : 0;
	*mod_revision = resp->n_kvs ? resp->kvs[0]->mod_revision : 0;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return DSCK_OK;
}

/* --- scans --- */

enum dsck_err etcd3_scan_begin(struct etcd3_scan *s, struct etcd3_client *c,
			       const char *prefix, size_t len, int64_t revision,
			       int64_t page_size, bool serializable,
			       struct dsck_error *err)
{
	memset(s, 0, sizeof(*s));
	s->c = c;
	s->revision = revision;
	s->adaptive = page_size <= 0;
	for (size_t i = 0; i < 8; i++)
		s->win_radix[i] = 256;
	s->page_size = page_size > 0 ? page_size : ETCD3_PAGE_FIRST;
	s->serializable = serializable;
	s->start = malloc(len + 1);
	s->end = malloc(len + 1);
	if (!s->start || !s->end) {
		etcd3_scan_release(s);
		return dsck_oom(err);
	}
	if (len) {
		memcpy(s->start, prefix, len);
		s->start_len = len;
		s->end_len = etcd3_prefix_end(prefix, len, s->end);
	} else {
		/* The whole keyspace: key "\0", range_end "\0". */
		s->start[0] = '\0';
		s->start_len = 1;
		s->end[0] = '\0';
		s->end_len = 1;
	}
	s->more = true;
	return DSCK_OK;
}

/* Pages are bounded in bytes too: memory stays flat whatever the values. */
static void adapt_page_size(struct etcd3_scan *s)
{
	uint64_t bytes = 0;
	int64_t next;

	for (size_t i = 0; i < s->page->n_kvs; i++)
		bytes += s->page->kvs[i]->key.len + s->page->kvs[i]->value.len + 16;
	next = (int64_t)(ETCD3_PAGE_BYTES / (bytes / s->page->n_kvs + 1));
	/* Grow gently: the first keys (config, flags) are smaller than most. */
	if (next > 2 * s->page_size)
		next = 2 * s->page_size;
	if (next < ETCD3_PAGE_MIN)
		next = ETCD3_PAGE_MIN;
	if (next > ETCD3_PAGE_MAX)
		next = ETCD3_PAGE_MAX;
	s->page_size = next;
}

/*
 * Bounded windows (docs/v3-scans.md). etcd 3.4 collects every revision from
 * the request's key to its range_end before it applies the limit, so each
 * page of one long range costs the whole rest of the range. Each request
 * therefore asks only for a window [start, win) that should hold about one
 * page of keys. Windows are measured on the 8 bytes after @win_base (the
 * part of the keys that changes within a page), from the density of the
 * page before. A byte where every key of the page held a decimal digit
 * counts 10 values, not 256: a carry such as node-0999 to node-1000 is then
 * one step of the measure, not a gap of 246 empty values to cross.
 */
static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The value of one measured byte: a digit position maps the bytes around
 * the digits onto 0 and 9, which keeps the order. */
static unsigned byte_value(uint16_t radix, unsigned char c)
{
	if (radix == 256)
		return c;
	return c < '0' ? 0 : c > '9' ? 9 : c - '0';
}

static uint64_t key_point(const uint16_t radix[8], const char *k, size_t len, size_t base)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 8; i++)
		v = v * radix[i] +
		    (base + i < len ? byte_value(radix[i], (unsigned char)k[base + i]) : 0);
	return v;
}

/* How many values the measure has (2^64 when no byte is a digit). */
static unsigned __int128 measure_span(const uint16_t radix[8])
{
	unsigned __int128 n = 1;

	for (size_t i = 0; i < 8; i++)
		n *= radix[i];
	return n;
}

/* Digit positions: bytes after @base where every key of the page has a digit. */
static void page_radix(const Etcdserverpb__RangeResponse *p, size_t base, uint16_t radix[8])
{
	for (size_t i = 0; i < 8; i++) {
		bool digits = p->n_kvs > 0;

		for (size_t j = 0; j < p->n_kvs && digits; j++)
			digits = base + i < p->kvs[j]->key.len &&
				 is_digit(p->kvs[j]->key.data[base + i]);
		radix[i] = digits ? 10 : 256;
	}
}

static size_t common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = 0;

	while (n < alen && n < blen && a[n] == b[n])
		n++;
	return n;
}

/* Measure from one byte higher up the key: the last byte measured drops out. */
static void measure_up(struct etcd3_scan *s)
{
	s->win_step = s->win_step / s->win_radix[7] + 1;
	memmove(s->win_radix + 1, s->win_radix, 7 * sizeof(s->win_radix[0]));
	s->win_base--;
	s->win_radix[0] = s->win_base < s->start_len &&
			  is_digit((unsigned char)s->start[s->win_base]) ? 10 : 256;
}

/*
 * Make the next window @factor times wider. A width that no longer fits the
 * 8 bytes measured moves the measure one byte up the key (the same width is
 * then a smaller number), so sparse stretches are crossed in a few requests
 * whatever their depth.
 */
static void widen(struct etcd3_scan *s, uint64_t factor)
{
	while ((unsigned __int128)s->win_step * factor >= measure_span(s->win_radix) &&
	       s->win_base > 0)
		measure_up(s);
	s->win_step = s->win_step > UINT64_MAX / factor ? UINT64_MAX : s->win_step * factor;
}

/* Keys per unit of the measure between the first and last key of the page. */
static bool page_step(const struct etcd3_scan *s, const uint16_t radix[8], size_t base,
		      double want, double *step)
{
	const Etcdserverpb__RangeResponse *p = s->page;
	const ProtobufCBinaryData *first, *last;
	uint64_t a, b;

	if (p->n_kvs < 2)
		return false;
	first = &p->kvs[0]->key;
	last = &p->kvs[p->n_kvs - 1]->key;
	a = key_point(radix, (const char *)first->data, first->len, base);
	b = key_point(radix, (const char *)last->data, last->len, base);
	if (b <= a)
		return false;
	*step = (double)(b - a) * want / (double)(p->n_kvs - 1);
	return true;
}

/*
 * Learn the width of the next window from the page just read. A window read
 * to its end counts every key in it (etcd's `count`), gaps included, so its
 * density is the best guess for the next one. A window that held more than
 * a page is measured on the page itself, the keys nearest to what comes
 * next, and so are its digit positions. The first, unbounded request only
 * has its page: measure at the depth where its first and last keys part.
 */
static void learn_window(struct etcd3_scan *s, bool bounded)
{
	const Etcdserverpb__RangeResponse *p = s->page;
	double want = (double)s->page_size * 3 / 4 + 1, step;
	size_t base = s->win_base;
	uint16_t radix[8];

	if (!bounded || p->more) {
		if (!bounded) {
			const ProtobufCBinaryData *first, *last;

			if (p->n_kvs < 2)
				return;
			first = &p->kvs[0]->key;
			last = &p->kvs[p->n_kvs - 1]->key;
			base = common_prefix((const char *)first->data, first->len,
					     (const char *)last->data, last->len);
		}
		page_radix(p, base, radix);
		if (!page_step(s, radix, base, want, &step))
			return;
		s->win_base = base;
		memcpy(s->win_radix, radix, sizeof(radix));
	} else if (p->count > 0) {
		step = (double)s->win_step * want / (double)p->count;
	} else {
		widen(s, 4);
		return;
	}
	s->win_step = step >= 18446744073709549568.0 ? UINT64_MAX : (uint64_t)step + 1;
}

/* memcmp order where an end of "\0" means "no upper bound". */
static bool below_end(const struct etcd3_scan *s, const char *k, size_t len)
{
	if (s->end_len == 1 && s->end[0] == '\0')
		return true;
	return record_key_cmp(k, len, s->end, s->end_len) < 0;
}

/*
 * Add one to the decimal number that @p[0..base) ends with, in place:
 * "node-0999" gives "node-1000", where the next byte value would give
 * "node-099:", so a window that runs past its subtree goes on into the keys
 * of the next number. False when the bytes before @base do not end in a
 * digit, or every digit was a 9 (the number would need one more).
 */
static bool decimal_next(char *p, size_t base)
{
	for (size_t i = base; i-- > 0;) {
		if (!is_digit((unsigned char)p[i]))
			return false;
		if (p[i] != '9') {
			p[i]++;
			return true;
		}
		p[i] = '0';
	}
	return false;
}

/* The next window's end: start + step at win_base, or the end of the range. */
static enum dsck_err choose_window(struct etcd3_scan *s, struct dsck_error *err)
{
	size_t base = s->win_base, n = base + 8;
	unsigned __int128 span, end;
	uint64_t from, to;
	char *w;

	if (s->win_step == 0 || s->start_len < base) {
		s->win_len = 0;                  /* the whole rest of the range */
		return DSCK_OK;
	}
	from = key_point(s->win_radix, s->start, s->start_len, base);
	w = realloc(s->win, n);
	if (!w)
		return dsck_oom(err);
	s->win = w;
	memcpy(w, s->start, base);
	s->win_len = 0;
	span = measure_span(s->win_radix);
	end = (unsigned __int128)from + s->win_step;
	if (end < span || (end < 2 * span && decimal_next(w, base))) {
		to = (uint64_t)(end < span ? end : end - span);
		for (size_t i = 8; i-- > 0;) {
			unsigned d = (unsigned)(to % s->win_radix[i]);

			w[base + i] = (char)(s->win_radix[i] == 256 ? d : '0' + d);
			to /= s->win_radix[i];
		}
		/* A digit position that held other bytes can map back below start. */
		if (record_key_cmp(w, n, s->start, s->start_len) > 0)
			s->win_len = n;
	}
	if (!s->win_len) {
		/* Past the bytes measured: the end of the subtree start is in. */
		s->win_len = etcd3_prefix_end(s->start, base, w);
		if (s->win_len == 1 && w[0] == '\0')
			s->win_len = 0;
	}
	if (s->win_len && !below_end(s, w, s->win_len))
		s->win_len = 0;
	return DSCK_OK;
}

static enum dsck_err set_start(struct etcd3_scan *s, const void *key, size_t len, bool after)
{
	char *p = realloc(s->start, len + 1);

	if (!p)
		return DSCK_ERR_NOMEM;
	memcpy(p, key, len);
	p[len] = '\0';
	s->start = p;
	s->start_len = len + after;
	return DSCK_OK;
}

/*
 * The next page is requested as soon as the current one has arrived, by a
 * thread with its own client (no state is shared with the caller's client),
 * so etcd serves it while this page is written out. The request's buffers
 * (start, window) are not touched until the thread is joined.
 */
struct etcd3_prefetch {
	pthread_t thread;
	bool running;
	struct etcd3_client client;
	Etcdserverpb__RangeRequest req;
	Etcdserverpb__RangeResponse *resp;
	enum dsck_err rc;
	struct dsck_error err;
};

static void *prefetch_run(void *arg)
{
	struct etcd3_prefetch *pf = arg;

	pf->rc = etcd3_range(&pf->client, &pf->req, &pf->resp, &pf->err);
	return NULL;
}

static void build_request(const struct etcd3_scan *s, Etcdserverpb__RangeRequest *req)
{
	etcdserverpb__range_request__init(req);
	req->key = (ProtobufCBinaryData){ s->start_len, (uint8_t *)s->start };
	if (s->win_len)
		req->range_end = (ProtobufCBinaryData){ s->win_len, (uint8_t *)s->win };
	else
		req->range_end = (ProtobufCBinaryData){ s->end_len, (uint8_t *)s->end };
	req->limit = s->page_size;
	req->revision = s->revision;
	req->serializable = s->serializable;
	req->keys_only = s->keys_only;
}

static enum dsck_err prefetch_start(struct etcd3_scan *s, struct dsck_error *err)
{
	struct etcd3_prefetch *pf = s->ahead;
	int e;

	if (!pf) {
		if (!(pf = calloc(1, sizeof(*pf))))
			return dsck_oom(err);
		etcd3_client_init(&pf->client, s->c->conn, NULL);
		pf->client.current = s->c->current;
		s->ahead = pf;
	}
	build_request(s, &pf->req);
	pf->resp = NULL;
	pf->rc = DSCK_OK;
	dsck_error_clear(&pf->err);
	if ((e = thread_start(&pf->thread, prefetch_run, pf)))
		return dsck_fail(err, DSCK_ERR_NOMEM, "cannot start a thread: %s", strerror(e));
	pf->running = true;
	return DSCK_OK;
}

static enum dsck_err prefetch_join(struct etcd3_scan *s, struct dsck_error *err)
{
	struct etcd3_prefetch *pf = s->ahead;

	pthread_join(pf->thread, NULL);
	pf->running = false;
	if (pf->rc) {
		dsck_fail(err, pf->rc, "%s", pf->err.msg);
		return pf->rc;
	}
	s->page = pf->resp;
	pf->resp = NULL;
	return DSCK_OK;
}

static void prefetch_free(struct etcd3_scan *s)
{
	struct etcd3_prefetch *pf = s->ahead;

	if (!pf)
		return;
	if (pf->running)
		pthread_join(pf->thread, NULL);
	if (pf->resp)
		protobuf_c_message_free_unpacked(&pf->resp->base, NULL);
	etcd3_client_release(&pf->client);
	free(pf);
	s->ahead = NULL;
}

/* Take in the page that just arrived. */
static enum dsck_err install_page(struct etcd3_scan *s, bool first, struct dsck_error *err)
{
	if (first) {
		s->revision = s->page->header ? s->page->header->revision : 0;
		s->count = s->page->count;
	}
	if (s->page->header) {
		s->cluster_id = s->page->header->cluster_id;
		s->member_id = s->page->header->member_id;
	}
	if (s->page->more && !s->page->n_kvs)
		return dsck_fail(err, DSCK_ERR_PROTOCOL, "%s: Range said 'more' with no keys",
				 etcd3_endpoint(s->c));
	s->returned += (int64_t)s->page->n_kvs;
	/* Done when the last window reached the end of the range, or when every
	 * key the first reply counted at this revision has arrived. */
	s->more = s->page->more || (s->win_len && !(s->count && s->returned >= s->count));
	s->i = 0;
	return DSCK_OK;
}

/* Where the next page starts and how wide its window is, from the current one. */
static enum dsck_err plan_next(struct etcd3_scan *s, struct dsck_error *err)
{
	bool bounded = s->win_len > 0;
	enum dsck_err rc;

	/* Just after the last key (last + "\0"), or, when the window was read
	 * to its end, at the window's end. */
	if (s->page->more) {
		Mvccpb__KeyValue *last = s->page->kvs[s->page->n_kvs - 1];

		rc = set_start(s, last->key.data, last->key.len, true);
	} else {
		rc = set_start(s, s->win, s->win_len, false);
	}
	if (rc)
		return dsck_oom(err);   /* set_start fails only for memory */
	if (s->adaptive && s->page->n_kvs)
		adapt_page_size(s);
	learn_window(s, bounded);
	return choose_window(s, err);
}

static enum dsck_err fetch_page(struct etcd3_scan *s, struct dsck_error *err)
{
	bool first = s->page == NULL && s->revision == 0;
	enum dsck_err rc;

	if (s->page) {
		protobuf_c_message_free_unpacked(&s->page->base, NULL);
		s->page = NULL;
		if ((rc = prefetch_join(s, err)))
			return rc;
	} else {
		Etcdserverpb__RangeRequest req;

		if ((rc = choose_window(s, err)))
			return rc;
		build_request(s, &req);
		if ((rc = etcd3_range(s->c, &req, &s->page, err)))
			return rc;
	}
	if ((rc = install_page(s, first, err)))
		return rc;
	if (s->more && ((rc = plan_next(s, err)) || (rc = prefetch_start(s, err))))
		return rc;
	return DSCK_OK;
}

enum dsck_err etcd3_scan_next(struct etcd3_scan *s, struct dsck_record *rec, bool *done,
			      struct dsck_error *err)
{
	enum dsck_err rc;
	Mvccpb__KeyValue *kv;

	*done = false;
	while (!s->page || s->i >= s->page->n_kvs) {
		if (s->page && !s->more) {
			*done = true;
			return DSCK_OK;
		}
		if ((rc = fetch_page(s, err)))
			return rc;
		if (!s->page->n_kvs && !s->more) {
			*done = true;
			return DSCK_OK;
		}
	}
	kv = s->page->kvs[s->i++];
	memset(rec, 0, sizeof(*rec));
	rec->key = (const char *)kv->key.data;
	rec->key_len = kv->key.len;
	rec->value = kv->value.data ? (const char *)kv->value.data : "";
	rec->value_len = kv->value.len;
	rec->create_revision = kv->create_revision;
	rec->mod_revision = kv->mod_revision;
	rec->version = kv->version;
	rec->lease = kv->lease;
	return DSCK_OK;
}

void etcd3_scan_release(struct etcd3_scan *s)
{
	prefetch_free(s);
	if (s->page)
		protobuf_c_message_free_unpacked(&s->page->base, NULL);
	s->page = NULL;
	free(s->start);
	free(s->end);
	free(s->win);
	s->start = s->end = s->win = NULL;
}
