/*
 * record: one key of an etcd store as dsck sees it, in either API, and its
 * JSON form. The JSON form is shared by snapshots (docs/snapshot-format.md) and
 * `ls/get -o json`, so a record looks the same wherever it appears.
 *
 * Records borrow their bytes: key, value and expiration point into memory
 * owned by whoever produced the record (a v2 response body, a v3 page, a
 * snapshot line) and stay valid only as long as that does.
 */
#ifndef DSCK_RECORD_H
#define DSCK_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

enum dsck_api {
	DSCK_API_V2 = 2,
	DSCK_API_V3 = 3,
};

const char *dsck_api_name(enum dsck_api api);

/* The longest TTL etcd grants (its maximum lease TTL, in seconds). */
#define RECORD_TTL_MAX ((int64_t)9000000000)

struct dsck_record {
	const char *key;
	size_t key_len;
	const char *value;       /* NULL for a v2 directory */
	size_t value_len;
	/*
	 * value is the string's JSON text, escaped exactly as jsonw_string
	 * would escape it (ETCD2_ESCAPED_VALUES): only record_json_append may
	 * be given such a record.
	 */
	bool value_escaped;
	/* v3 */
	int64_t create_revision;
	int64_t mod_revision;
	int64_t version;
	int64_t lease;
	/* v2 */
	int64_t created_index;
	int64_t modified_index;
	bool dir;
	bool has_ttl;            /* ttl and/or expiration present */
	int64_t ttl;             /* remaining seconds; 0 when only expiration is known */
	const char *expiration;  /* RFC 3339, NUL-terminated, or NULL */
};

/*
 * Append the record as one JSON object (no newline). Keys appear in a fixed,
 * sorted order; key and value are JSON strings when valid UTF-8, otherwise
 * key_b64/value_b64.
 */
enum dsck_err record_json_append(struct buf *b, enum dsck_api api,
				 const struct dsck_record *r);

/*
 * Can the target API store this key faithfully? v3 keys are any non-empty
 * bytes. A v2 key is a path the server cleans: it must start with '/', have
 * no empty, "." or ".." segment, no NUL or control byte and be UTF-8, or
 * the key written would not be the key read (docs/restore-safety.md).
 * On false, *why says what is wrong.
 */
bool record_key_storable(enum dsck_api api, const char *key, size_t len, const char **why);

/* memcmp order of keys; shorter prefix first. */
int record_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
