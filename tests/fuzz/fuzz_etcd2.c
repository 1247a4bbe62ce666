/*
 * Fuzz the v2 response parser (etcd2_parse_listing): the body of a
 * /v2/keys GET as etcd sends it, listings and error documents alike. The
 * parser works in place, so it gets an exact-size copy. On success the
 * records must be what the header promises, sorted by key and unique, and
 * each renders as JSON (`ls -o json`, snapshots).
 */
#include <stdlib.h>

#include "base/buf.h"
#include "store/etcd2.h"
#include "store/record.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_copy(data, size);
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_record *recs = NULL;
	struct buf out = BUF_INIT((size_t)1 << 26);
	size_t n = 0;

	if (etcd2_parse_listing(body, size, "fuzz", &recs, &n, &err) == DSCK_OK) {
		for (size_t i = 0; i < n; i++) {
			FUZZ_ASSERT(recs[i].key != NULL);
			FUZZ_ASSERT(recs[i].dir || recs[i].value != NULL);
			if (i)
				FUZZ_ASSERT(record_key_cmp(recs[i - 1].key, recs[i - 1].key_len,
							   recs[i].key, recs[i].key_len) < 0);
			buf_reset(&out);
			FUZZ_ASSERT(record_json_append(&out, DSCK_API_V2, &recs[i]) == DSCK_OK);
		}
		free(recs);
	} else {
		FUZZ_ASSERT(err.code != DSCK_OK && err.msg[0] != '\0');
	}
	buf_release(&out);
	free(body);
	return 0;
}
