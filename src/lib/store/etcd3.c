#include <grpc/status.h>
#include <stdlib.h>
#include <string.h>

#include "store/etcd3.h"
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
	return c->token ? DSCK_OK : dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
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

enum dsck_err etcd3_range(struct etcd3_client *c, const Etcdserverpb__RangeRequest *req,
			  Etcdserverpb__RangeResponse **resp, struct dsck_error *err)
{
	return call(c, M_KV "Range", &req->base, &etcdserverpb__range_response__descriptor,
		    resp, err);
}

enum dsck_err etcd3_put(struct etcd3_client *c, const Etcdserverpb__PutRequest *req,
			Etcdserverpb__PutResponse **resp, struct dsck_error *err)
{
	return call(c, M_KV "Put", &req->base, &etcdserverpb__put_response__descriptor,
		    resp, err);
}

enum dsck_err etcd3_delete_range(struct etcd3_client *c,
				 const Etcdserverpb__DeleteRangeRequest *req,
				 Etcdserverpb__DeleteRangeResponse **resp,
				 struct dsck_error *err)
{
	return call(c, M_KV "DeleteRange", &req->base,
		    &etcdserverpb__delete_range_response__descriptor, resp, err);
}

enum dsck_err etcd3_txn(struct etcd3_client *c, const Etcdserverpb__TxnRequest *req,
			Etcdserverpb__TxnResponse **resp, struct dsck_error *err)
{
	return call(c, M_KV "Txn", &req->base, &etcdserverpb__txn_response__descriptor,
		    resp, err);
}

enum dsck_err etcd3_compact(struct etcd3_client *c, int64_t revision,
			    struct dsck_error *err)
{
	Etcdserverpb__CompactionRequest req = ETCDSERVERPB__COMPACTION_REQUEST__INIT;
	Etcdserverpb__CompactionResponse *resp = NULL;
	enum dsck_err rc;

	req.revision = revision;
	rc = call(c, M_KV "Compact", &req.base, &etcdserverpb__compaction_response__descriptor,
		  &resp, err);
	if (resp)
		protobuf_c_message_free_unpacked(&resp->base, NULL);
	return rc;
}

enum dsck_err etcd3_status(struct etcd3_client *c, Etcdserverpb__StatusResponse **resp,
			   struct dsck_error *err)
{
	Etcdserverpb__StatusRequest req = ETCDSERVERPB__STATUS_REQUEST__INIT;

	return call(c, M_MAINT "Status", &req.base, &etcdserverpb__status_response__descriptor,
		    resp, err);
}

enum dsck_err etcd3_member_list(struct etcd3_client *c,
				Etcdserverpb__MemberListResponse **resp,
				struct dsck_error *err)
{
	Etcdserverpb__MemberListRequest req = ETCDSERVERPB__MEMBER_LIST_REQUEST__INIT;

	return call(c, "/etcdserverpb.Cluster/MemberList", &req.base,
		    &etcdserverpb__member_list_response__descriptor, resp, err);
}

enum dsck_err etcd3_hash_kv(struct etcd3_client *c, int64_t revision,
			    Etcdserverpb__HashKVResponse **resp, struct dsck_error *err)
{
	Etcdserverpb__HashKVRequest req = ETCDSERVERPB__HASH_KVREQUEST__INIT;

	req.revision = revision;
	return call(c, M_MAINT "HashKV", &req.base, &etcdserverpb__hash_kvresponse__descriptor,
		    resp, err);
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

enum dsck_err etcd3_lease_ttl(struct etcd3_client *c, int64_t id, int64_t *ttl,
			      struct dsck_error *err)
{
	Etcdserverpb__LeaseTimeToLiveRequest req = ETCDSERVERPB__LEASE_TIME_TO_LIVE_REQUEST__INIT;
	Etcdserverpb__LeaseTimeToLiveResponse *resp = NULL;
	enum dsck_err rc;

	req.id = id;
	rc = call(c, M_LEASE "LeaseTimeToLive", &req.base,
		  &etcdserverpb__lease_time_to_live_response__descriptor, &resp, err);
	if (rc)
		return rc;
	*ttl = resp->ttl;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return DSCK_OK;
}

enum dsck_err etcd3_put_kv(struct etcd3_client *c, const char *key, size_t klen,
			   const char *val, size_t vlen, int64_t *revision,
			   struct dsck_error *err)
{
	Etcdserverpb__PutRequest req = ETCDSERVERPB__PUT_REQUEST__INIT;
	Etcdserverpb__PutResponse *resp = NULL;
	enum dsck_err rc;

	req.key = (ProtobufCBinaryData){ klen, (uint8_t *)key };
	req.value = (ProtobufCBinaryData){ vlen, (uint8_t *)val };
	if ((rc = etcd3_put(c, &req, &resp, err)))
		return rc;
	if (revision)
		*revision = resp->header ? resp->header->revision : 0;
	protobuf_c_message_free_unpacked(&resp->base, NULL);
	return DSCK_OK;
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
		return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
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
	rc = etcd3_txn(c, &m.txn, &resp, err);
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
	s->page_size = page_size > 0 ? page_size : ETCD3_PAGE_FIRST;
	s->serializable = serializable;
	s->start = malloc(len + 1);
	s->end = malloc(len + 1);
	if (!s->start || !s->end) {
		etcd3_scan_release(s);
		return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
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

/*
 * etcd 3.4 walks the whole rest of the range in its index for every page
 * (limit is applied afterwards), so many small pages cost O(n^2). Size pages
 * by bytes instead: few, large pages, each bounded in memory.
 */
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

static enum dsck_err fetch_page(struct etcd3_scan *s, struct dsck_error *err)
{
	Etcdserverpb__RangeRequest req = ETCDSERVERPB__RANGE_REQUEST__INIT;
	bool first = s->page == NULL && s->revision == 0;
	enum dsck_err rc;

	if (s->page) {
		Mvccpb__KeyValue *last = s->page->kvs[s->page->n_kvs - 1];
		char *p;

		/* The next page starts just after the last key: last + "\0". */
		p = realloc(s->start, last->key.len + 1);
		if (!p)
			return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
		memcpy(p, last->key.data, last->key.len);
		p[last->key.len] = '\0';
		s->start = p;
		s->start_len = last->key.len + 1;
		protobuf_c_message_free_unpacked(&s->page->base, NULL);
		s->page = NULL;
	}
	req.key = (ProtobufCBinaryData){ s->start_len, (uint8_t *)s->start };
	req.range_end = (ProtobufCBinaryData){ s->end_len, (uint8_t *)s->end };
	req.limit = s->page_size;
	req.revision = s->revision;
	req.serializable = s->serializable;
	req.keys_only = s->keys_only;
	if ((rc = etcd3_range(s->c, &req, &s->page, err)))
		return rc;
	if (first) {
		s->revision = s->page->header ? s->page->header->revision : 0;
		s->count = s->page->count;
	}
	if (s->page->header) {
		s->cluster_id = s->page->header->cluster_id;
		s->member_id = s->page->header->member_id;
	}
	s->more = s->page->more && s->page->n_kvs > 0;
	s->i = 0;
	if (s->adaptive && s->page->n_kvs)
		adapt_page_size(s);
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
	if (s->page)
		protobuf_c_message_free_unpacked(&s->page->base, NULL);
	s->page = NULL;
	free(s->start);
	free(s->end);
	s->start = s->end = NULL;
}
