/*
 * Unit tests: the key filter (which keys a command looks at), findings
 * (bounded per code, counted by severity), whole numbers with a range and
 * the growable arrays, with no server involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
#include "base/findings.h"
#include "base/keyfilter.h"
#include "base/num.h"

#define WANTS(f, k) keyfilter_wants((f), (k), strlen(k))

static void test_prefix_boundary(void **state)
{
	struct keyfilter f;

	(void)state;
	keyfilter_init(&f, "/calico", false);
	assert_true(WANTS(&f, "/calico"));
	assert_true(WANTS(&f, "/calico/v1/Ready"));
	assert_false(WANTS(&f, "/calicox/v1/Ready"));
	assert_false(WANTS(&f, "/calic"));
	assert_false(WANTS(&f, "/registry/calico"));
	/* A trailing slash names the same subtree. */
	keyfilter_init(&f, "/calico/", false);
	assert_true(WANTS(&f, "/calico/v1/Ready"));
	assert_false(WANTS(&f, "/calicox"));
	/* "/" is everything. */
	keyfilter_init(&f, "/", false);
	assert_true(WANTS(&f, "/registry/pods/x"));
}

static void test_ephemeral(void **state)
{
	static const char *const ephemeral[] = {
		"/calico/felix/v1/host/node1/status",
		"/calico/felix/v1/host/node1/last_reported_status",
		"/calico/felix/v1/host/node1/workload",
		"/calico/felix/v1/host/node1/workload/k8s/ns.pod/endpoint/eth0",
		"/calico/felix/v1/host/node1/endpoint/eth0",
	};
	static const char *const kept[] = {
		"/calico/felix/v1/host/node1/config/LogSeverityScreen",
		"/calico/felix/v1/host/node1/statusx",
		"/calico/felix/v1/host//status",
		"/calico/felix/v1/host/node1/workloads",
		"/calico/v1/host/node1/workload/k8s/ns.pod/endpoint/eth0",
	};
	struct keyfilter f, all;

	(void)state;
	keyfilter_init(&f, "/calico", false);
	keyfilter_init(&all, "/calico", true);
	for (size_t i = 0; i < sizeof(ephemeral) / sizeof(*ephemeral); i++) {
		assert_true(calico_key_is_ephemeral(ephemeral[i], strlen(ephemeral[i])));
		assert_false(WANTS(&f, ephemeral[i]));
		assert_true(WANTS(&all, ephemeral[i]));
	}
	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++) {
		if (calico_key_is_ephemeral(kept[i], strlen(kept[i])))
			fail_msg("'%s' taken for a Felix status key", kept[i]);
		assert_true(WANTS(&f, kept[i]));
	}
}

static void test_ignore_globs(void **state)
{
	struct keyfilter f;

	(void)state;
	keyfilter_init(&f, "/calico", false);
	assert_true(keyfilter_add_ignore(&f, "/calico/ipam/*"));
	assert_false(WANTS(&f, "/calico/ipam/v2/assignment/ipv4/block/10.0.0.0-26"));
	assert_true(WANTS(&f, "/calico/v1/Ready"));
	for (size_t i = 1; i < KEYFILTER_MAX_IGNORE; i++)
		assert_true(keyfilter_add_ignore(&f, "/x"));
	assert_false(keyfilter_add_ignore(&f, "/one-too-many"));
}

static void test_findings_cap_and_counts(void **state)
{
	struct findings f;
	static const char bin[] = { '/', 'k', '\x01', '\xff' };

	(void)state;
	findings_init(&f, 2);
	assert_true(findings_ok(&f));
	for (int i = 0; i < 5; i++)
		assert_int_equal(findings_add(&f, SEV_WARNING, "w", NULL, "/k", 2, "n=%d", i),
				 DSCK_OK);
	assert_int_equal(findings_add(&f, SEV_ERROR, "e", "m1", bin, sizeof(bin), "bad"), DSCK_OK);
	/* Two kept per code; every occurrence counted. */
	assert_int_equal(f.n, 3);
	assert_int_equal(f.dropped, 3);
	assert_int_equal(findings_count(&f, "w"), 5);
	assert_int_equal(findings_count(&f, "e"), 1);
	assert_int_equal(findings_count(&f, "none"), 0);
	assert_int_equal(f.by_sev[SEV_WARNING], 5);
	assert_false(findings_ok(&f));
	assert_string_equal(f.v[1].detail, "n=1");
	assert_string_equal(f.v[2].member, "m1");
	/* A key that is not printable text is shown escaped, never raw. */
	assert_string_equal(f.v[2].key, "/k\\x01\\xff");
	assert_string_equal(severity_name(SEV_ERROR), "error");
	findings_release(&f);
}

static void test_findings_append(void **state)
{
	struct findings a, b;

	(void)state;
	findings_init(&a, 10);
	findings_init(&b, 10);
	assert_int_equal(findings_add(&a, SEV_INFO, "i", NULL, NULL, 0, "x"), DSCK_OK);
	assert_int_equal(findings_add(&a, SEV_ERROR, "e", NULL, "/k", 2, "y"), DSCK_OK);
	assert_int_equal(findings_append(&b, &a), DSCK_OK);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.v[1].key, "/k");
	assert_false(findings_ok(&b));
	findings_release(&a);
	findings_release(&b);
}

/* Refused: usage error, @out untouched, the message names value and reason. */
static void refused(const char *text, uint64_t min, uint64_t max, const char *msg)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	uint64_t out = 77;

	assert_int_equal(num_parse_u64("--n", text, min, max, &out, &err), DSCK_ERR_USAGE);
	assert_int_equal(out, 77);
	assert_string_equal(err.msg, msg);
}

static void test_num_parse(void **state)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	uint64_t v = 0;

	(void)state;
	assert_int_equal(num_parse_u64("--n", "1", 1, 10, &v, &err), DSCK_OK);
	assert_int_equal(v, 1);
	assert_int_equal(num_parse_u64("--n", "10", 1, 10, &v, &err), DSCK_OK);
	assert_int_equal(v, 10);
	assert_int_equal(num_parse_u64("--n", "007", 1, 10, &v, &err), DSCK_OK);
	assert_int_equal(v, 7);
	assert_int_equal(num_parse_u64("--n", "18446744073709551615", 0, UINT64_MAX, &v, &err),
			 DSCK_OK);
	assert_true(v == UINT64_MAX);
	assert_int_equal(err.code, DSCK_OK);

	refused("", 1, 10, "invalid --n '': empty (expected 1..10)");
	refused("0", 1, 10, "invalid --n '0': too small (expected 1..10)");
	refused("11", 1, 10, "invalid --n '11': too large (expected 1..10)");
	refused("-1", 1, 10, "invalid --n '-1': negative (expected 1..10)");
	refused("-", 1, 10, "invalid --n '-': not a whole number (expected 1..10)");
	refused("+1", 1, 10, "invalid --n '+1': not a whole number (expected 1..10)");
	refused(" 1", 1, 10, "invalid --n ' 1': not a whole number (expected 1..10)");
	refused("1 ", 1, 10, "invalid --n '1 ': not a whole number (expected 1..10)");
	refused("5k", 1, 10, "invalid --n '5k': not a whole number (expected 1..10)");
	refused("0x5", 1, 10, "invalid --n '0x5': not a whole number (expected 1..10)");
	refused("1e3", 1, 10000, "invalid --n '1e3': not a whole number (expected 1..10000)");
	/* 2^64 overflows; 2^32 + 1 must not wrap to 1 on the way to an int. */
	refused("18446744073709551616", 0, UINT64_MAX,
		"invalid --n '18446744073709551616': too large for a 64-bit number "
		"(expected 0 or more)");
	refused("4294967297", 1, 100000, "invalid --n '4294967297': too large (expected 1..100000)");
	refused("99999999999999999999999", 1, 10,
		"invalid --n '99999999999999999999999': too large for a 64-bit number "
		"(expected 1..10)");
}

static void test_array_grow(void **state)
{
	int *v = NULL;
	size_t alloc = 0;

	(void)state;
	for (size_t i = 0; i < 100; i++) {
		assert_true(array_grow(&v, &alloc, i, sizeof(*v)));
		assert_true(alloc > i);
		v[i] = (int)i * 3;
	}
	/* Contents survive every move; 128 slots have room for element 100 already. */
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(v[i], (int)i * 3);
	assert_int_equal(alloc, 128);
	assert_true(array_grow(&v, &alloc, 100, sizeof(*v)));
	assert_int_equal(alloc, 128);
	free(v);
}

static size_t released;

static void count_release(void *elem)
{
	released += *(int *)elem;
}

static void test_array_free(void **state)
{
	int *v = malloc(4 * sizeof(*v));

	(void)state;
	assert_non_null(v);
	v[0] = 1, v[1] = 10, v[2] = 100, v[3] = 1000;
	released = 0;
	/* Each of the first 3 elements goes through release once; then the array is freed. */
	array_free(v, 3, sizeof(*v), count_release);
	assert_int_equal(released, 111);
	array_free(NULL, 0, sizeof(int), count_release);
	assert_int_equal(released, 111);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_boundary),
		cmocka_unit_test(test_ephemeral),
		cmocka_unit_test(test_ignore_globs),
		cmocka_unit_test(test_findings_cap_and_counts),
		cmocka_unit_test(test_findings_append),
		cmocka_unit_test(test_num_parse),
		cmocka_unit_test(test_array_grow),
		cmocka_unit_test(test_array_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
