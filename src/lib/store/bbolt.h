/*
 * bbolt: a read-only, distrustful reader of the bbolt page file that etcd v3
 * keeps its keys in (layout: docs/physical-snapshots.md).
 *
 * The bytes are the caller's (a read-only mapping, or a buffer in tests);
 * nothing here allocates per key. bbolt_open checks the two meta pages and
 * picks the valid one with the higher transaction id; bbolt_walk visits every
 * key/value of every bucket in key order and checks on the way that each page
 * is in range, of the type its parent expects, carries its own page id, holds
 * keys in strictly increasing order and is reached only once. Damage fails
 * with DSCK_ERR_INPUT and a message that names the page and byte offset.
 *
 * Only the little-endian layout of amd64/arm64 builds of etcd is read.
 */
#ifndef DSCK_BBOLT_H
#define DSCK_BBOLT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define BBOLT_MAGIC 0xED0CDAEDu
#define BBOLT_VERSION 2u

struct bbolt {
	const uint8_t *data;       /* borrowed */
	size_t size;               /* bytes of the database */
	const char *name;          /* file name for messages (borrowed) */
	uint32_t page_size;
	uint64_t npages;           /* high-water mark: pages in use */
	uint64_t txid;
	int meta;                  /* the meta page in use: 0 or 1 */
	uint64_t root;             /* page of the root bucket */
	uint64_t freelist;         /* page of the freelist, or UINT64_MAX */
	uint8_t *seen;             /* one bit per page reached by the walk */
	size_t pages_reached;
};

/* A walk reports each key of a bucket; @bucket is the name of the bucket that holds it. */
struct bbolt_item {
	const uint8_t *bucket, *key, *value;
	size_t bucket_len, key_len, value_len;
	bool is_bucket;            /* the value is a nested bucket (visited after this item) */
	uint64_t page;             /* page the item sits on (0 for an inline bucket) */
	size_t offset;             /* file offset of the value */
	int depth;                 /* 0: a top-level bucket's name in the root bucket */
};

typedef enum dsck_err (*bbolt_visit_fn)(void *ctx, const struct bbolt_item *it,
					struct dsck_error *err);

/* True when @data starts like a bbolt file (meta page flags and magic). */
bool bbolt_looks_like(const uint8_t *data, size_t size);

/* Check the meta pages of the @size bytes at @data. Release with bbolt_release. */
enum dsck_err bbolt_open(struct bbolt *db, const uint8_t *data, size_t size, const char *name,
			 struct dsck_error *err);
/* Visit every item of every bucket once, checking the structure. Once per open. */
enum dsck_err bbolt_walk(struct bbolt *db, bbolt_visit_fn fn, void *ctx, struct dsck_error *err);
void bbolt_release(struct bbolt *db);

/* FNV-1a, 64 bit: the checksum of a meta page. */
uint64_t bbolt_fnv64a(const uint8_t *p, size_t n);

#endif
