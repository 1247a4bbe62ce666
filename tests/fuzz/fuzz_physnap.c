/*
 * Fuzz the etcd backend file reader (store/bbolt, store/physnap) on a whole
 * file: meta pages, the page tree, buckets, revision keys, KeyValues and the
 * SHA-256 trailer.
 *
 * A mutated file almost never keeps its meta checksums or its trailer, and
 * would stop there; so the harness first writes the true FNV-1a sums into
 * both meta pages and, when the size leaves room for a trailer, the true
 * SHA-256 into it (the mismatch paths are in tests/unit/test_physnap.c).
 *
 * Whatever opens must hold the promises of physnap.h: records in strictly
 * increasing key order, each one a decodable KeyValue with consistent
 * revisions, no more of them than revisions read, and prefix counts that
 * agree with the records.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "store/physnap.h"
#include "store/record.h"
#include "fuzz.h"

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void fix_meta(uint8_t *d, size_t size, size_t off)
{
	uint64_t sum;

	if (off > size || size - off < 16 + 64)
		return;
	sum = bbolt_fnv64a(d + off + 16, 56);
	for (int i = 0; i < 8; i++)
		d[off + 16 + 56 + i] = (uint8_t)(sum >> (8 * i));
}

static void fix_sums(uint8_t *d, size_t size)
{
	unsigned int len = 0;
	uint32_t ps;

	if (size < 16 + 64)
		return;
	fix_meta(d, size, 0);
	ps = le32(d + 24);
	if (ps >= 512 && ps <= (1u << 20))
		fix_meta(d, size, ps);
	if (size % 512 == PHYSNAP_TRAILER &&
	    !EVP_Digest(d, size - PHYSNAP_TRAILER, d + size - PHYSNAP_TRAILER, &len, EVP_sha256(),
			NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = (uint8_t *)fuzz_copy(data, size);
	struct dsck_error err = DSCK_ERROR_INIT;
	struct physnap p;
	struct dsck_record rec, prev = { 0 };
	size_t n = 0, slash = 0;
	bool done = false;

	fix_sums(copy, size);
	if (physnap_open_mem(&p, copy, size, "fuzz.db", &err) == DSCK_OK) {
		FUZZ_ASSERT(p.n <= p.revisions);
		FUZZ_ASSERT(p.tombstones <= p.revisions);
		for (physnap_next(&p, &rec, &done); !done; physnap_next(&p, &rec, &done)) {
			FUZZ_ASSERT(rec.key && rec.key_len && rec.value);
			FUZZ_ASSERT(rec.create_revision >= 1 && rec.create_revision <= rec.mod_revision);
			FUZZ_ASSERT(rec.mod_revision <= p.revision && rec.version >= 1);
			FUZZ_ASSERT(!n || record_key_cmp(prev.key, prev.key_len, rec.key, rec.key_len) < 0);
			slash += rec.key[0] == '/';
			prev = rec;
			n++;
		}
		FUZZ_ASSERT(n == p.n);
		FUZZ_ASSERT(physnap_count_prefix(&p, "/", 1) == slash);
		FUZZ_ASSERT(physnap_count_prefix(&p, "", 0) == n);
		physnap_rewind(&p);
		physnap_next(&p, &rec, &done);
		FUZZ_ASSERT(done == (n == 0));
	} else {
		FUZZ_ASSERT(err.msg[0] != '\0');
	}
	physnap_close(&p);
	free(copy);
	return 0;
}
