/*
 * Unit tests: the snapshot writer and reader (docs/snapshot-format.md) and
 * the diff merge over two snapshot sources, without any server. Damaged
 * files are written by hand here, with a correct trailer where the damage is
 * elsewhere, so each rule of the reader is reached on its own.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "ops/diff.h"
#include "store/snapshot.h"
#include "store/source.h"
#include "unit_tmpdir.h"

static struct dsck_record v3rec(const char *key, size_t key_len, const char *value,
				size_t value_len, int64_t rev)
{
	struct dsck_record r = { 0 };

	r.key = key;
	r.key_len = key_len;
	r.value = value;
	r.value_len = value_len;
	r.create_revision = rev;
	r.mod_revision = rev;
	r.version = 1;
	return r;
}

static void header_init(struct snapshot_header *h, enum dsck_api api)
{
	memset(h, 0, sizeof(*h));
	h->version = SNAPSHOT_VERSION;
	snprintf(h->created, sizeof(h->created), "2026-11-30T00:00:00Z");
	snprintf(h->tool, sizeof(h->tool), "dsck test");
	h->api = api;
	snprintf(h->prefix, sizeof(h->prefix), "/calico");
	snprintf(h->endpoint, sizeof(h->endpoint), "http://127.0.0.1:2379");
	h->revision = 42;
}

/* Write @n v3 records (already sorted) as a snapshot at @name. */
static void write_v3(const char *name, const struct dsck_record *recs, size_t n)
{
	struct snapshot_writer w;
	struct snapshot_header h;
	struct dsck_error err = DSCK_ERROR_INIT;

	header_init(&h, DSCK_API_V3);
	assert_int_equal(snapshot_writer_open(&w, path_of(name), &h, &err), DSCK_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(snapshot_writer_add(&w, &recs[i], &err), DSCK_OK);
	assert_int_equal(snapshot_writer_commit(&w, &err), DSCK_OK);
}

/* A file of @lines (each without newline) followed by a correct trailer. */
static void write_raw(const char *name, const char *const *lines, size_t n, bool trailer)
{
	FILE *f = fopen(path_of(name), "w");
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned len = 0;

	assert_non_null(f);
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n", lines[i]);
		EVP_DigestUpdate(ctx, lines[i], strlen(lines[i]));
		EVP_DigestUpdate(ctx, "\n", 1);
	}
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	if (trailer) {
		fprintf(f, "{\"end\":true,\"records\":%zu,\"sha256\":\"", n - 1);
		for (unsigned i = 0; i < len; i++)
			fprintf(f, "%02x", md[i]);
		fprintf(f, "\"}\n");
	}
	fclose(f);
}

/* Read every record; returns the error code and counts the records. */
static enum dsck_err read_all(const char *name, size_t *records, struct dsck_error *err)
{
	struct snapshot_reader r;
	struct dsck_record rec;
	bool done = false;
	enum dsck_err rc;

	*records = 0;
	rc = snapshot_reader_open(&r, path_of(name), err);
	if (rc)
		return rc;
	while (!rc && !done) {
		rc = snapshot_reader_next(&r, &rec, &done, err);
		if (!rc && !done)
			(*records)++;
	}
	snapshot_reader_close(&r);
	return rc;
}

static void test_round_trip(void **state)
{
	static const char bin_key[] = { '/', 'c', 'a', 'l', 'i', 'c', 'o', '/', '\xff', 'k' };
	static const char bin_value[] = { 0, 1, 2, '\xfe' };
	struct dsck_record in[3];
	struct snapshot_reader r;
	struct dsck_record rec;
	struct dsck_error err = DSCK_ERROR_INIT;
	struct stat st;
	bool done = false;

	(void)state;
	in[0] = v3rec("/calico/v1/Ready", 16, "true", 4, 5);
	in[1] = v3rec("/calico/v1/config/CalicoVersion", 31, "v2.6.5", 6, 6);
	in[2] = v3rec(bin_key, sizeof(bin_key), bin_value, sizeof(bin_value), 7);
	/* Byte order: "/calico/v1/R" < "/calico/v1/c" < "/calico/\xff". */
	struct dsck_record sorted[3] = { in[0], in[1], in[2] };

	write_v3("rt.snap", sorted, 3);
	assert_int_equal(stat(path_of("rt.snap"), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(access(path_of("rt.snap.tmp"), F_OK), -1);

	assert_int_equal(snapshot_reader_open(&r, path_of("rt.snap"), &err), DSCK_OK);
	assert_int_equal(r.hdr.api, DSCK_API_V3);
	assert_string_equal(r.hdr.prefix, "/calico");
	assert_int_equal(r.hdr.revision, 42);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(snapshot_reader_next(&r, &rec, &done, &err), DSCK_OK);
		assert_false(done);
		assert_int_equal(rec.key_len, sorted[i].key_len);
		assert_memory_equal(rec.key, sorted[i].key, rec.key_len);
		assert_int_equal(rec.value_len, sorted[i].value_len);
		assert_memory_equal(rec.value, sorted[i].value, rec.value_len);
		assert_int_equal(rec.mod_revision, sorted[i].mod_revision);
		assert_int_equal(rec.version, 1);
	}
	assert_int_equal(snapshot_reader_next(&r, &rec, &done, &err), DSCK_OK);
	assert_true(done);
	assert_int_equal(r.records, 3);
	snapshot_reader_close(&r);
}

static void test_writer_refuses_disorder(void **state)
{
	struct snapshot_writer w;
	struct snapshot_header h;
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_record a = v3rec("/calico/b", 9, "1", 1, 1);
	struct dsck_record b = v3rec("/calico/a", 9, "1", 1, 1);

	(void)state;
	header_init(&h, DSCK_API_V3);
	assert_int_equal(snapshot_writer_open(&w, path_of("order.snap"), &h, &err), DSCK_OK);
	assert_int_equal(snapshot_writer_add(&w, &a, &err), DSCK_OK);
	assert_int_not_equal(snapshot_writer_add(&w, &b, &err), DSCK_OK);
	assert_int_not_equal(snapshot_writer_add(&w, &a, &err), DSCK_OK);   /* duplicate */
	snapshot_writer_abort(&w);
	assert_int_equal(access(path_of("order.snap"), F_OK), -1);
	assert_int_equal(access(path_of("order.snap.tmp"), F_OK), -1);
}

#define HDR "{\"api\":\"v3\",\"dsck_snapshot\":1,\"prefix\":\"/calico\",\"source\":{}}"
#define REC(k, v) "{\"create_revision\":1,\"key\":\"" k "\",\"lease\":0,\"mod_revision\":1," \
		  "\"value\":\"" v "\",\"version\":1}"

/* Each damaged file is rejected as invalid input, naming the file and line. */
static void expect_reject(const char *name, const char *const *lines, size_t n, bool trailer,
			  const char *line_ref)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	size_t records;
	char want[300];

	write_raw(name, lines, n, trailer);
	assert_int_equal(read_all(name, &records, &err), DSCK_ERR_INPUT);
	snprintf(want, sizeof(want), "%s%s", path_of(name), line_ref);
	if (!strstr(err.msg, want))
		fail_msg("'%s' does not name '%s'", err.msg, want);
}

static void test_reader_rejects_damage(void **state)
{
	const char *good[] = { HDR, REC("/calico/a", "1"), REC("/calico/b", "2") };
	const char *unsorted[] = { HDR, REC("/calico/b", "1"), REC("/calico/a", "2") };
	const char *dup[] = { HDR, REC("/calico/a", "1"), REC("/calico/a", "2") };
	const char *bad_b64[] = { HDR, "{\"create_revision\":1,\"key_b64\":\"!!!!\",\"lease\":0,"
				  "\"mod_revision\":1,\"value\":\"x\",\"version\":1}" };
	const char *wrong_api[] = { HDR, "{\"created_index\":1,\"key\":\"/calico/a\","
				    "\"modified_index\":1,\"value\":\"x\"}" };
	const char *version9[] = { "{\"api\":\"v3\",\"dsck_snapshot\":9,\"prefix\":\"/calico\"}" };
	struct dsck_error err = DSCK_ERROR_INIT;
	size_t records = 0;
	FILE *f;

	(void)state;
	write_raw("good.snap", good, 3, true);
	assert_int_equal(read_all("good.snap", &records, &err), DSCK_OK);
	assert_int_equal(records, 2);

	expect_reject("unsorted.snap", unsorted, 3, true, ":3");
	expect_reject("dup.snap", dup, 3, true, ":3");
	expect_reject("b64.snap", bad_b64, 2, true, ":2");
	expect_reject("api.snap", wrong_api, 2, true, ":2");
	expect_reject("version.snap", version9, 1, true, ":1");
	expect_reject("truncated.snap", good, 3, false, "");

	/* A flipped byte in a record: the checksum in the trailer no longer holds. */
	write_raw("flip.snap", good, 3, true);
	f = fopen(path_of("flip.snap"), "r+");
	assert_non_null(f);
	fseek(f, (long)strlen(HDR) + 1 + strlen(REC("/calico/a", "")) - 3, SEEK_SET);
	fputc('9', f);
	fclose(f);
	assert_int_equal(read_all("flip.snap", &records, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, "flip.snap"));
}

struct seen {
	char line[8][64];
	size_t n;
};

static enum dsck_err note_diff(void *ctx, enum diff_kind kind, const struct dsck_record *a,
			       const struct dsck_record *b, struct dsck_error *err)
{
	struct seen *s = ctx;
	const struct dsck_record *r = a ? a : b;
	static const char mark[] = { [DIFF_ADDED] = '+', [DIFF_REMOVED] = '-', [DIFF_CHANGED] = '~' };

	(void)err;
	assert_true(s->n < 8);
	snprintf(s->line[s->n++], 64, "%c %.*s", mark[kind], (int)r->key_len, r->key);
	return DSCK_OK;
}

static void test_diff_merge(void **state)
{
	struct dsck_record a[] = {
		v3rec("/calico/a", 9, "1", 1, 1),
		v3rec("/calico/b", 9, "2", 1, 2),
		v3rec("/calico/c", 9, "3", 1, 3),
		v3rec("/calico/e", 9, "5", 1, 5),
	};
	/* Revisions differ on purpose: they are never compared across stores. */
	struct dsck_record b[] = {
		v3rec("/calico/b", 9, "2", 1, 20),
		v3rec("/calico/c", 9, "33", 2, 30),
		v3rec("/calico/d", 9, "4", 1, 40),
		v3rec("/calico/e", 9, "5", 1, 50),
		v3rec("/calico/f", 9, "6", 1, 60),
	};
	struct keyfilter f;
	struct source sa, sb;
	struct diff_summary sum = { 0 };
	struct dsck_error err = DSCK_ERROR_INIT;
	struct seen seen = { 0 };

	(void)state;
	write_v3("a.snap", a, 4);
	write_v3("b.snap", b, 5);
	keyfilter_init(&f, "/calico", false);
	assert_int_equal(source_open_snapshot(&sa, path_of("a.snap"), &f, &err), DSCK_OK);
	assert_int_equal(source_open_snapshot(&sb, path_of("b.snap"), &f, &err), DSCK_OK);
	assert_int_equal(diff_run(&sa, &sb, note_diff, &seen, &sum, &err), DSCK_OK);
	source_close(&sa);
	source_close(&sb);

	assert_int_equal(sum.added, 2);
	assert_int_equal(sum.removed, 1);
	assert_int_equal(sum.changed, 1);
	assert_int_equal(sum.same, 2);
	assert_int_equal(seen.n, 4);
	assert_string_equal(seen.line[0], "- /calico/a");
	assert_string_equal(seen.line[1], "~ /calico/c");
	assert_string_equal(seen.line[2], "+ /calico/d");
	assert_string_equal(seen.line[3], "+ /calico/f");
}

static void test_diff_same_across_apis(void **state)
{
	struct dsck_record v3 = v3rec("/calico/a", 9, "x", 1, 7);
	struct dsck_record v2 = { 0 };
	struct dsck_record dir = { 0 };

	(void)state;
	v2.key = "/calico/a";
	v2.key_len = 9;
	v2.value = "x";
	v2.value_len = 1;
	v2.modified_index = 99;
	assert_true(diff_same(&v3, &v2));
	v2.value = "y";
	assert_false(diff_same(&v3, &v2));
	dir.key = "/calico/a";
	dir.key_len = 9;
	dir.dir = true;
	assert_false(diff_same(&v3, &dir));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_writer_refuses_disorder),
		cmocka_unit_test(test_reader_rejects_damage),
		cmocka_unit_test(test_diff_merge),
		cmocka_unit_test(test_diff_same_across_apis),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
