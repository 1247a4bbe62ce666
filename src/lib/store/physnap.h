/*
 * physnap: an etcd v3 backend file read offline as the key/value state at its
 * latest revision: a file written by `etcdctl snapshot save` (a bbolt file
 * plus a SHA-256 trailer) or a copy of a stopped member's member/snap/db (no
 * trailer). Layout and rules: docs/physical-snapshots.md.
 *
 * physnap_open maps the file read-only and checks all of it before anything
 * is returned: the trailer, the bbolt structure (store/bbolt.h), every
 * revision key and every mvccpb.KeyValue in the `key` bucket (a second
 * thread maps the pages in and computes the SHA-256 meanwhile). It keeps the
 * last record of each key (in revision order), drops keys whose last record
 * is a tombstone, and puts what is left in key order by merging runs of
 * increasing keys; records then come out of physnap_next in byte order of
 * keys, borrowing the mapping. Memory: a 16-byte entry per key (half as much
 * again while reading), however long the history.
 */
#ifndef DSCK_PHYSNAP_H
#define DSCK_PHYSNAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "store/bbolt.h"
#include "store/record.h"

#define PHYSNAP_TRAILER 32          /* SHA-256 appended by `etcdctl snapshot save` */

enum physnap_trailer { PHYSNAP_TRAILER_NONE, PHYSNAP_TRAILER_OK };

/* One record of the `key` bucket: 16 bytes, pointing into the mapping. */
struct physnap_entry {
	const uint8_t *kv;             /* the mvccpb.KeyValue bytes */
	uint32_t kv_len;
	uint32_t key_off : 7;          /* where the key starts in kv; 0: decode kv to find it */
	uint32_t tomb : 1;             /* a delete */
	uint32_t key_len : 24;         /* when key_off is set */
};

struct physnap {
	char *path;
	int fd;
	uint8_t *map;
	size_t map_size;
	struct bbolt db;
	enum physnap_trailer trailer;
	/* From the `meta` bucket and the `key` bucket. */
	int64_t revision;              /* latest revision in the file */
	int64_t compact_revision;      /* finishedCompactRev, 0 when never compacted */
	int64_t scheduled_compact_revision;
	uint64_t consistent_index;
	bool auth_enabled;
	size_t revisions;              /* records in the `key` bucket (history included) */
	size_t tombstones;
	size_t buckets;
	struct physnap_entry *v;       /* live keys, sorted */
	size_t n, next;
};

/* True when the file at @path starts like a bbolt file (read 80 bytes). */
bool physnap_detect(const char *path);

/* Check the whole file; fills @p or fails with DSCK_ERR_INPUT/IO naming the place. */
enum dsck_err physnap_open(struct physnap *p, const char *path, struct dsck_error *err);
/* The same over bytes in memory (tests, fuzzing); @data must outlive @p. */
enum dsck_err physnap_open_mem(struct physnap *p, const uint8_t *data, size_t size,
			       const char *name, struct dsck_error *err);
/* The next live key in key order; the record borrows the file's bytes. */
void physnap_next(struct physnap *p, struct dsck_record *rec, bool *done);
void physnap_rewind(struct physnap *p);
/* Live keys that start with the bytes @prefix. */
size_t physnap_count_prefix(const struct physnap *p, const char *prefix, size_t len);
void physnap_close(struct physnap *p);

/*
 * Decode one mvccpb.KeyValue (protobuf); unknown fields are skipped. Fails
 * with DSCK_ERR_INPUT on a malformed encoding.
 */
enum dsck_err physnap_decode_kv(const uint8_t *p, size_t n, struct dsck_record *rec);

#endif
