/*
 * Fuzz the gzip layer of the snapshot reader (docs/conventions.md).
 *
 * Each input is read twice: once behind the gzip magic as it is (so the
 * inflater meets arbitrary, mostly corrupt, compressed data), and once
 * compressed for real, in two gzip members, which must read exactly like the
 * plain input: the same outcome, the same records, the same error code.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/buf.h"
#include "store/snapshot.h"
#include "fuzz.h"

/* Read every record; the number read and the final error code. */
static enum dsck_err read_all(const char *path, size_t *records)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct snapshot_reader r;
	struct dsck_record rec;
	bool done = false;
	enum dsck_err rc;

	*records = 0;
	if ((rc = snapshot_reader_open(&r, path, &err)))
		return rc;
	while (!(rc = snapshot_reader_next(&r, &rec, &done, &err)) && !done)
		(*records)++;
	snapshot_reader_close(&r);
	return rc;
}

static void gzip_member(struct buf *out, const uint8_t *p, size_t n)
{
	z_stream z;
	size_t room;

	memset(&z, 0, sizeof(z));
	FUZZ_ASSERT(deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
	room = deflateBound(&z, (uLong)n) + 64;
	FUZZ_ASSERT(buf_grow(out, room) == DSCK_OK);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	z.next_out = (unsigned char *)out->data + out->len;
	z.avail_out = (uInt)room;
	FUZZ_ASSERT(deflate(&z, Z_FINISH) == Z_STREAM_END);
	out->len += room - z.avail_out;
	deflateEnd(&z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf b = BUF_INIT((size_t)1 << 30);
	size_t plain_n, gz_n, half = size / 2;
	enum dsck_err plain_rc, gz_rc;

	/* Raw bytes behind the magic: the inflater's error paths. */
	FUZZ_ASSERT(buf_append(&b, "\x1f\x8b", 2) == DSCK_OK && buf_append(&b, data, size) == DSCK_OK);
	(void)read_all(fuzz_file((const uint8_t *)b.data, b.len), &gz_n);
	buf_reset(&b);

	/* Real gzip of the input (two members) reads as the plain input does. */
	plain_rc = read_all(fuzz_file(data, size), &plain_n);
	if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
		buf_release(&b);
		return 0;   /* the plain read was itself a gzip read */
	}
	gzip_member(&b, data, half);
	gzip_member(&b, data + half, size - half);
	gz_rc = read_all(fuzz_file((const uint8_t *)b.data, b.len), &gz_n);
	FUZZ_ASSERT(gz_rc == plain_rc);
	FUZZ_ASSERT(gz_n == plain_n);
	buf_release(&b);
	return 0;
}
