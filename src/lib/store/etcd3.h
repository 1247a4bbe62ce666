/*
 * etcd3: client for etcd's v3 API over real gRPC (rpc.c) with protobuf-c
 * messages generated from proto/.
 *
 * A client talks to the endpoints of a conn in order and fails over to the
 * next one when a member is unreachable. With a user configured it
 * authenticates lazily and re-authenticates once when the token expires.
 * Prefix scans are paginated at one pinned revision: memory is bounded by the
 * page size, not by the number of keys.
 */
#ifndef DSCK_ETCD3_H
#define DSCK_ETCD3_H

#include <stdbool.h>
#include <stdint.h>

#include "net/conn.h"
#include "store/record.h"
#include "rpc.pb-c.h"

struct rpc_channel;

struct etcd3_client {
	const struct dsck_conn *conn;
	struct rpc_channel *channels[CONN_MAX_ENDPOINTS];
	size_t current;
	char *token;
	bool auth_disabled;     /* Authenticate said auth is not enabled */
};

enum dsck_err etcd3_client_init(struct etcd3_client *c, const struct dsck_conn *conn,
				struct dsck_error *err);
void etcd3_client_release(struct etcd3_client *c);
/* The endpoint that answered the last call. */
const char *etcd3_endpoint(const struct etcd3_client *c);

/* The smallest key greater than every key starting with @prefix ("\0" if none). */
size_t etcd3_prefix_end(const char *prefix, size_t len, char *out);

/* Raw calls: *resp is owned by the caller (protobuf_c_message_free_unpacked). */
enum dsck_err etcd3_range(struct etcd3_client *c, const Etcdserverpb__RangeRequest *req,
			  Etcdserverpb__RangeResponse **resp, struct dsck_error *err);
enum dsck_err etcd3_put(struct etcd3_client *c, const Etcdserverpb__PutRequest *req,
			Etcdserverpb__PutResponse **resp, struct dsck_error *err);
enum dsck_err etcd3_delete_range(struct etcd3_client *c,
				 const Etcdserverpb__DeleteRangeRequest *req,
				 Etcdserverpb__DeleteRangeResponse **resp,
				 struct dsck_error *err);
enum dsck_err etcd3_txn(struct etcd3_client *c, const Etcdserverpb__TxnRequest *req,
			Etcdserverpb__TxnResponse **resp, struct dsck_error *err);
enum dsck_err etcd3_compact(struct etcd3_client *c, int64_t revision,
			    struct dsck_error *err);
enum dsck_err etcd3_status(struct etcd3_client *c, Etcdserverpb__StatusResponse **resp,
			   struct dsck_error *err);
enum dsck_err etcd3_member_list(struct etcd3_client *c,
				Etcdserverpb__MemberListResponse **resp,
				struct dsck_error *err);
enum dsck_err etcd3_hash_kv(struct etcd3_client *c, int64_t revision,
			    Etcdserverpb__HashKVResponse **resp, struct dsck_error *err);
enum dsck_err etcd3_lease_grant(struct etcd3_client *c, int64_t ttl, int64_t *id,
				struct dsck_error *err);
enum dsck_err etcd3_lease_ttl(struct etcd3_client *c, int64_t id, int64_t *ttl,
			      struct dsck_error *err);

/* Convenience: put one key (no lease), returns the new revision. */
enum dsck_err etcd3_put_kv(struct etcd3_client *c, const char *key, size_t klen,
			   const char *val, size_t vlen, int64_t *revision,
			   struct dsck_error *err);

/* --- guarded writes (restore) --- */

/*
 * One operation of a guarded Txn: put @value (with @lease, 0 for none) or
 * delete @key, only if the key is absent (@create: create_revision == 0) or
 * unchanged (mod_revision == @rev).
 */
struct etcd3_guarded_op {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
	bool del;
	bool create;
	int64_t rev;
	int64_t lease;
};

/* Bytes on the wire of the Txn these ops make (to stay under the server's limit). */
enum dsck_err etcd3_guarded_txn_size(const struct etcd3_guarded_op *ops, size_t n,
				     size_t *size, struct dsck_error *err);
/*
 * All @n ops in one Txn, or none: *succeeded is false when a guard failed
 * (then nothing was written). *revision (may be NULL): the store's revision after it.
 */
enum dsck_err etcd3_guarded_txn(struct etcd3_client *c, const struct etcd3_guarded_op *ops,
				size_t n, bool *succeeded, int64_t *revision,
				struct dsck_error *err);
/* A key's create_revision and mod_revision (both 0 when it is absent). */
enum dsck_err etcd3_key_revisions(struct etcd3_client *c, const char *key, size_t len,
				  int64_t *create_revision, int64_t *mod_revision,
				  struct dsck_error *err);

/* --- paginated scans --- */

/* Adaptive pages (page_size <= 0): the first page, then about this many bytes each. */
#define ETCD3_PAGE_FIRST 500
#define ETCD3_PAGE_BYTES ((uint64_t)4 << 20)
#define ETCD3_PAGE_MIN 64
#define ETCD3_PAGE_MAX 50000

struct etcd3_prefetch;

struct etcd3_scan {
	struct etcd3_client *c;
	struct etcd3_prefetch *ahead;  /* the next page, requested while this one is read */
	char *start;               /* next page starts here */
	size_t start_len;
	char *end;
	size_t end_len;
	char *win;                 /* this request's range end (docs/v3-scans.md) */
	size_t win_len;
	size_t win_base;           /* windows are measured on the bytes after this */
	uint64_t win_step;         /* next window's width there, 0: not known yet */
	int64_t revision;          /* pinned after the first page */
	int64_t page_size;
	bool adaptive;             /* page_size follows ETCD3_PAGE_BYTES */
	bool serializable;
	bool keys_only;
	Etcdserverpb__RangeResponse *page;
	size_t i;
	bool more;
	int64_t count;             /* total keys in the range (first page) */
	int64_t returned;          /* keys received so far */
	uint64_t cluster_id, member_id;
};

/*
 * Start scanning keys with @prefix (empty: the whole keyspace) at @revision
 * (0: the current one, pinned by the first page). @page_size <= 0 sizes
 * pages by bytes.
 */
enum dsck_err etcd3_scan_begin(struct etcd3_scan *s, struct etcd3_client *c,
			       const char *prefix, size_t len, int64_t revision,
			       int64_t page_size, bool serializable,
			       struct dsck_error *err);
/* Next key; *done at the end. The record is valid until the next call. */
enum dsck_err etcd3_scan_next(struct etcd3_scan *s, struct dsck_record *rec, bool *done,
			      struct dsck_error *err);
void etcd3_scan_release(struct etcd3_scan *s);

#endif
