/* Unit tests: v2 response parsing, record JSON, v3 prefix ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "store/etcd2.h"
#include "store/etcd3.h"
#include "store/record.h"

static size_t parse(const char *text, struct dsck_record **recs, struct dsck_error *err,
		    char **keep)
{
	size_t n = 0;

	*keep = strdup(text);
	if (etcd2_parse_listing(*keep, strlen(text), "test", recs, &n, err))
		return (size_t)-1;
	return n;
}

static void test_root_listing_sorted_bytewise(void **state)
{
	/* The root has no key and no indexes; levels are sorted per directory. */
	const char *body =
		"{\"action\":\"get\",\"node\":{\"dir\":true,\"nodes\":[{\"key\":\"/a\",\"dir\":true,"
		"\"nodes\":[{\"key\":\"/a/b\",\"dir\":true,\"nodes\":[{\"key\":\"/a/b/x\",\"value\":\"2\","
		"\"modifiedIndex\":8,\"createdIndex\":8}],\"modifiedIndex\":7,\"createdIndex\":7},"
		"{\"key\":\"/a/b-c\",\"value\":\"1\",\"modifiedIndex\":6,\"createdIndex\":6},"
		"{\"key\":\"/a/empty\",\"dir\":true,\"modifiedIndex\":9,\"createdIndex\":9}],"
		"\"modifiedIndex\":5,\"createdIndex\":5}]}}\n";
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_record *r = NULL;
	char *keep;
	size_t n;

	(void)state;
	n = parse(body, &r, &err, &keep);
	assert_int_equal(n, 5);
	assert_string_equal(r[0].key, "/a");
	assert_true(r[0].dir);
	assert_string_equal(r[1].key, "/a/b");
	assert_string_equal(r[2].key, "/a/b-c");   /* '-' (0x2d) < '/' (0x2f) */
	assert_string_equal(r[3].key, "/a/b/x");
	assert_string_equal(r[3].value, "2");
	assert_int_equal(r[3].modified_index, 8);
	assert_string_equal(r[4].key, "/a/empty");
	assert_true(r[4].dir);
	assert_null(r[4].value);
	free(r);
	free(keep);
}

/* A key listed twice is refused, whether the rest is in byte order or not. */
/* @body is refused as malformed, with @what in the message, and no records. */
static void assert_refused(const char *body, const char *what)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_record *r = NULL;
	char *keep;

	assert_int_equal(parse(body, &r, &err, &keep), (size_t)-1);
	assert_int_equal(err.code, DSCK_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, what));
	assert_null(r);
	free(keep);
}

/* A key that comes after the node's children (any member order is JSON): still sorted. */
static void test_key_after_children(void **state)
{
	static const struct {
		const char *body;
		const char *keys[3];
	} cases[] = {
		{ "{\"node\":{\"dir\":true,\"nodes\":[{\"dir\":true,\"nodes\":[{\"key\":\"/a/x\","
		  "\"value\":\"1\"}],\"key\":\"/a\"},{\"key\":\"/0\",\"value\":\"2\"}]}}",
		  { "/0", "/a", "/a/x" } },
		{ "{\"node\":{\"nodes\":[{\"key\":\"/a\",\"value\":\"1\"}],\"key\":\"/z\",\"dir\":true}}",
		  { "/a", "/z", NULL } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dsck_error err = DSCK_ERROR_INIT;
		struct dsck_record *r = NULL;
		char *keep;
		size_t n = parse(cases[i].body, &r, &err, &keep);

		assert_int_equal(n, cases[i].keys[2] ? 3 : 2);
		for (size_t k = 0; k < n; k++)
			assert_string_equal(r[k].key, cases[i].keys[k]);
		free(r);
		free(keep);
	}
}

static void test_repeated_key(void **state)
{
	static const char *const bodies[] = {
		/* in order apart from the repeat */
		"{\"action\":\"get\",\"node\":{\"dir\":true,\"nodes\":["
		"{\"key\":\"/a\",\"value\":\"1\"},{\"key\":\"/b\",\"value\":\"2\"},"
		"{\"key\":\"/b\",\"value\":\"3\"}]}}",
		/* out of order too ("/a/c" after "/a-b" is sorted first) */
		"{\"action\":\"get\",\"node\":{\"dir\":true,\"nodes\":["
		"{\"key\":\"/a\",\"dir\":true,\"nodes\":[{\"key\":\"/a/c\",\"value\":\"1\"}]},"
		"{\"key\":\"/a-b\",\"value\":\"2\"},{\"key\":\"/a/c\",\"value\":\"3\"}]}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		assert_refused(bodies[i], "appears twice");
}

static void test_ttl_and_escapes(void **state)
{
	const char *body =
		"{\"action\":\"get\",\"node\":{\"key\":\"/calico/felix/v1/host/n%2f1/status\","
		"\"value\":\"{\\\"time\\\":\\\"x\\\"}\\n\\u003c\",\"expiration\":\"2026-11-23T20:55:17Z\","
		"\"ttl\":3580,\"modifiedIndex\":10,\"createdIndex\":10}}";
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_record *r = NULL;
	struct buf b = BUF_INIT(4096);
	char *keep;

	(void)state;
	assert_int_equal(parse(body, &r, &err, &keep), 1);
	assert_true(r[0].has_ttl);
	assert_int_equal(r[0].ttl, 3580);
	assert_string_equal(r[0].expiration, "2026-11-23T20:55:17Z");
	assert_string_equal(r[0].value, "{\"time\":\"x\"}\n<");
	assert_int_equal(record_json_append(&b, DSCK_API_V2, &r[0]), DSCK_OK);
	assert_string_equal(buf_str(&b),
			    "{\"created_index\":10,\"expiration\":\"2026-11-23T20:55:17Z\","
			    "\"key\":\"/calico/felix/v1/host/n%2f1/status\",\"modified_index\":10,"
			    "\"ttl\":3580,\"value\":\"{\\\"time\\\":\\\"x\\\"}\\n<\"}");
	buf_release(&b);
	free(r);
	free(keep);
}

/* A value given as its JSON text is written as it is: the same line as decoded. */
static void test_record_escaped_value(void **state)
{
	static const char want[] = "{\"created_index\":1,\"key\":\"/a\",\"modified_index\":2,"
				   "\"value\":\"{\\\"time\\\":\\\"x\\\"}\\n\"}";
	struct dsck_record decoded = { .key = "/a", .key_len = 2, .value = "{\"time\":\"x\"}\n",
				       .value_len = 13, .created_index = 1, .modified_index = 2 };
	struct dsck_record kept = decoded;
	struct buf b = BUF_INIT(4096);

	(void)state;
	kept.value = "{\\\"time\\\":\\\"x\\\"}\\n";
	kept.value_len = strlen(kept.value);
	kept.value_escaped = true;
	assert_int_equal(record_json_append(&b, DSCK_API_V2, &decoded), DSCK_OK);
	assert_string_equal(buf_str(&b), want);
	buf_reset(&b);
	assert_int_equal(record_json_append(&b, DSCK_API_V2, &kept), DSCK_OK);
	assert_string_equal(buf_str(&b), want);
	buf_release(&b);
}

static void test_error_body(void **state)
{
	const char *body = "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/x\",\"index\":3}\n";
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_record *r = NULL;
	char *keep;

	(void)state;
	assert_int_equal(parse(body, &r, &err, &keep), (size_t)-1);
	assert_int_equal(err.code, DSCK_ERR_SERVER);
	assert_non_null(strstr(err.msg, "Key not found"));
	free(keep);
}

static void test_malformed_bodies(void **state)
{
	static const char *const bad[] = {
		"", "[]", "{\"node\":[]}", "{\"node\":{\"key\":1}}", "{\"node\":{\"ttl\":\"x\"}}",
		"{\"node\":{\"key\":\"/a\",\"nodes\":[1]}}", "{\"node\":{\"key\":\"/a\"}} x",
		"{\"node\":{\"key\":\"/a\",\"nodes\":[{\"key\":\"/a/b\"},{\"key\":\"/a/b\"}]}}",
		"{\"node\":{\"dir\":true,\"nodes\":[{\"value\":\"keyless\"}]}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_refused(bad[i], "test");
}

static void test_v3_record_binary(void **state)
{
	struct dsck_record r = { .key = "/k\xff", .key_len = 3, .value = "\x00\x01", .value_len = 2,
				 .create_revision = 5, .mod_revision = 6, .version = 2, .lease = 7 };
	struct buf b = BUF_INIT(4096);

	(void)state;
	assert_int_equal(record_json_append(&b, DSCK_API_V3, &r), DSCK_OK);
	assert_string_equal(buf_str(&b),
			    "{\"create_revision\":5,\"key_b64\":\"L2v/\",\"lease\":7,\"mod_revision\":6,"
			    "\"value\":\"\\u0000\\u0001\",\"version\":2}");
	buf_release(&b);
}

static void test_prefix_end(void **state)
{
	char out[8];
	size_t n;

	(void)state;
	n = etcd3_prefix_end("/calico/", 8, out);
	assert_int_equal(n, 8);
	assert_memory_equal(out, "/calico0", 8);
	n = etcd3_prefix_end("a\xff\xff", 3, out);
	assert_int_equal(n, 1);
	assert_memory_equal(out, "b", 1);
	n = etcd3_prefix_end("\xff\xff", 2, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_listing_sorted_bytewise),
		cmocka_unit_test(test_repeated_key),
		cmocka_unit_test(test_key_after_children),
		cmocka_unit_test(test_ttl_and_escapes),
		cmocka_unit_test(test_record_escaped_value),
		cmocka_unit_test(test_error_body),
		cmocka_unit_test(test_malformed_bodies),
		cmocka_unit_test(test_v3_record_binary),
		cmocka_unit_test(test_prefix_end),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
