/*
 * etcd2: client for etcd's v2 keys API (HTTP/JSON), where Calico v2.x keeps
 * its data.
 *
 * Reads parse the response in place (jscan) into records that point into the
 * response body: a recursive listing of 100,000 keys costs the body plus one
 * small record per node, never a DOM. A recursive listing is parsed on a
 * second thread while it arrives (docs/architecture.md, "Seams"). Listings
 * are returned in byte order of keys (a v2 listing is sorted per directory
 * level, which is not byte order: "/a/b-c" sorts before "/a/b/x").
 *
 * Requests go to the first endpoint that answers; a connection failure moves
 * on to the next one. Per-member reads use a conn with one endpoint
 * (conn_init_member) and no quorum.
 */
#ifndef DSCK_ETCD2_H
#define DSCK_ETCD2_H

#include <stdbool.h>
#include <stdint.h>

#include "net/conn.h"
#include "net/http.h"
#include "store/record.h"

struct etcd2_client {
	const struct dsck_conn *conn;
	struct http_client http;
	size_t current;            /* index of the endpoint in use */
};

enum etcd2_get_flags {
	ETCD2_RECURSIVE = 1 << 0,
	ETCD2_QUORUM = 1 << 1,     /* linearizable read through raft */
	/*
	 * Values whose JSON text the snapshot writer would write the same are
	 * left as that text (record.value_escaped): a save copies them instead
	 * of decoding and encoding each one again. Only for record_json_append.
	 */
	ETCD2_ESCAPED_VALUES = 1 << 2,
};

struct etcd2_node;

struct etcd2_listing {
	struct http_response resp;  /* owns the bytes the nodes point into */
	struct buf nodes_mem;       /* holds nodes */
	struct etcd2_node *nodes;   /* sorted by key, unique (compact, private) */
	size_t n;
	int64_t etcd_index;         /* X-Etcd-Index of the read */
	char cluster_id[40];
	const char *endpoint;       /* which endpoint answered (borrowed) */
};

struct etcd2_put_opts {
	int64_t ttl;               /* > 0: expire after ttl seconds */
	bool dir;
	int prev_exist;            /* -1: don't care, 0: must not exist, 1: must exist */
	int64_t prev_index;        /* > 0: compare-and-swap on modifiedIndex */
};

enum dsck_err etcd2_client_init(struct etcd2_client *c, const struct dsck_conn *conn,
				struct dsck_error *err);
void etcd2_client_release(struct etcd2_client *c);

/*
 * GET @key (a directory lists its children; with ETCD2_RECURSIVE the whole
 * subtree). The node itself is included unless it is the root. Fails with
 * DSCK_ERR_NOT_FOUND for a missing key and DSCK_ERR_V2_DISABLED when the
 * member does not serve v2.
 */
enum dsck_err etcd2_get(struct etcd2_client *c, const char *key, unsigned flags,
			struct etcd2_listing *out, struct dsck_error *err);
void etcd2_listing_release(struct etcd2_listing *l);
/* Node @i (< l->n) as a record; valid as long as the listing. */
void etcd2_listing_at(const struct etcd2_listing *l, size_t i, struct dsck_record *rec);

/* PUT; @value is ignored for directories. Compare failures: DSCK_ERR_CONFLICT. */
enum dsck_err etcd2_put(struct etcd2_client *c, const char *key, const char *value,
			size_t value_len, const struct etcd2_put_opts *opts,
			int64_t *modified_index, struct dsck_error *err);
enum etcd2_delete_flags {
	ETCD2_DELETE_DIR = 1 << 0,        /* the key is a directory */
	ETCD2_DELETE_RECURSIVE = 1 << 1,  /* with everything under it */
};

/* DELETE; @prev_index > 0 makes it compare-and-delete. */
enum dsck_err etcd2_delete(struct etcd2_client *c, const char *key, unsigned flags,
			   int64_t prev_index, struct dsck_error *err);

/*
 * Parse a v2 response body in place into sorted records (exposed for tests
 * and fuzzing). @what names the source in error messages.
 */
enum dsck_err etcd2_parse_listing(char *body, size_t len, const char *what,
				  struct dsck_record **recs, size_t *n,
				  struct dsck_error *err);

/* GET /version on endpoint @i: {"etcdserver":..,"etcdcluster":..}. */
enum dsck_err etcd2_version(struct etcd2_client *c, char *server, size_t len,
			    struct dsck_error *err);

#endif
