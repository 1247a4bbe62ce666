/* Unit tests: which keys a target API stores faithfully, and keys shown as text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/keytext.h"
#include "store/record.h"

static bool v2_ok(const char *key, size_t len)
{
	const char *why = NULL;
	bool ok = record_key_storable(DSCK_API_V2, key, len, &why);

	assert_true(ok || why);
	return ok;
}

#define V2(k) v2_ok(k, sizeof(k) - 1)

static void test_v2_rules(void **state)
{
	(void)state;
	assert_true(V2("/"));
	assert_true(V2("/calico"));
	assert_true(V2("/calico/v1/host/a b%2F?#+"));
	assert_true(V2("/calico/..x/x.."));
	assert_true(V2("/calico/\xc3\xa9"));
	assert_false(V2(""));
	assert_false(V2("calico"));
	assert_false(V2("/calico/../other"));
	assert_false(V2("/calico/.."));
	assert_false(V2("/calico/./x"));
	assert_false(V2("/."));
	assert_false(V2("//calico"));
	assert_false(V2("/calico//x"));
	assert_false(V2("/calico/"));
	assert_false(V2("/calico/a\0b"));
	assert_false(V2("/calico/\x1b[2J"));
	assert_false(V2("/calico/\x7f"));
	assert_false(V2("/calico/\xff"));
}

static void test_v3_takes_any_bytes(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_true(record_key_storable(DSCK_API_V3, "/calico/../x\0\n", 14, &why));
	assert_false(record_key_storable(DSCK_API_V3, "", 0, &why));
}

static void test_keytext(void **state)
{
	struct keytext t;
	char big[2000];

	(void)state;
	assert_string_equal(keytext(&t, "/calico/v1", 10), "/calico/v1");
	assert_string_equal(keytext(&t, "/a\nupdate /b", 12), "/a\\x0aupdate /b");
	assert_string_equal(keytext(&t, "\x1b[31m\\", 6), "\\x1b[31m\\x5c");
	assert_string_equal(keytext(&t, "/\xc3\xa9/\xff\0", 6), "/\xc3\xa9/\\xff\\x00");
	memset(big, '\n', sizeof(big));
	keytext(&t, big, sizeof(big));
	assert_true(strlen(t.s) <= KEYTEXT_MAX + 3);
	assert_non_null(strstr(t.s, "..."));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_rules),
		cmocka_unit_test(test_v3_takes_any_bytes),
		cmocka_unit_test(test_keytext),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
