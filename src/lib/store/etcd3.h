/*
 * etcd3: client for etcd's v3 API over real gRPC (rpc.c) with protobuf-c
 * messages generated from proto/. The messages stay inside this module: the
 * API below speaks in keys, values, counts and member facts.
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
#include "base/buf.h"
#include "store/record.h"

struct rpc_channel;
struct Etcdserverpb__RangeResponse;

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

/* What one member says of itself (Maintenance.Status). */
struct etcd3_member_status {
	char version[32];
	uint64_t cluster_id, member_id, leader;  /* leader 0: the member has none */
	int64_t revision, db_size;
	char error[256];                         /* the first error it reports, or "" */
};
enum dsck_err etcd3_member_status(struct etcd3_client *c, struct etcd3_member_status *out,
				  struct dsck_error *err);

/* One member of the cluster as the member list names it. */
#define ETCD3_MEMBER_URLS 4
struct etcd3_member_info {
	char name[128];
	char client_urls[ETCD3_MEMBER_URLS][256];
	char peer_urls[ETCD3_MEMBER_URLS][256];
	size_t n_client_urls, n_peer_urls;
};
/* Up to @cap members into @out; *n is how many were filled. */
enum dsck_err etcd3_members(struct etcd3_client *c, struct etcd3_member_info *out, size_t cap,
			    size_t *n, struct dsck_error *err);

/*
 * Keys under @prefix (the whole keyspace when @len is 0), counted by the
 * server without sending them; @serializable reads the member's own store.
 */
enum dsck_err etcd3_count(struct etcd3_client *c, const char *prefix, size_t len,
			  bool serializable, int64_t *count, struct dsck_error *err);
/* One key's value, appended to @value; *found is false when it is absent. */
enum dsck_err etcd3_get_value(struct etcd3_client *c, const char *key, size_t len,
			      struct buf *value, bool *found, struct dsck_error *err);

enum dsck_err etcd3_lease_grant(struct etcd3_client *c, int64_t ttl, int64_t *id,
				struct dsck_error *err);
/* Process-wide gRPC setup and teardown (quiet unless @debug). */
void etcd3_global_init(bool debug);
void etcd3_global_shutdown(void);
/* The protobuf-c and gRPC core versions, for `dsck version`. */
const char *etcd3_protobuf_version(void);
const char *etcd3_grpc_version(void);

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
	uint16_t win_radix[8];     /* each measured byte counts 256 values, or 10 for a digit */
	uint64_t win_step;         /* next window's width there, 0: not known yet */
	int64_t revision;          /* pinned after the first page */
	int64_t page_size;
	bool adaptive;             /* page_size follows ETCD3_PAGE_BYTES */
	bool serializable;
	bool keys_only;
	struct Etcdserverpb__RangeResponse *page;  /* generated type, opaque here */
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
