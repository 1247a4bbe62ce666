/* preflight's verdict: GO only when every check that applies ran and passed (docs/checks.md). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "check/preflight.h"

static void add_error(struct preflight_check *c)
{
	assert_int_equal(findings_add(&c->findings, SEV_ERROR, "x", NULL, NULL, 0, "bad"), DSCK_OK);
}

static void test_go_needs_a_check_that_ran(void **state)
{
	struct preflight p;
	enum dsck_err code;

	(void)state;
	preflight_init(&p);
	/* Nothing at all, or only skipped checks: no evidence, not GO. */
	assert_int_equal(preflight_verdict(&p, &code), PREFLIGHT_INCOMPLETE);
	assert_int_equal(code, DSCK_ERR_USAGE);
	preflight_skip(preflight_add(&p, "etcd"), "datastore is kubernetes");
	assert_int_equal(preflight_verdict(&p, &code), PREFLIGHT_INCOMPLETE);
	assert_false(preflight_ok(&p));
	/* One check that ran and passed: GO. */
	preflight_add(&p, "node-roll");
	assert_int_equal(preflight_verdict(&p, &code), PREFLIGHT_GO);
	assert_int_equal(code, DSCK_OK);
	assert_true(preflight_ok(&p));
	preflight_release(&p);
}

static void test_cannot_check_is_incomplete(void **state)
{
	struct preflight p;
	struct preflight_check *c;
	enum dsck_err code;

	(void)state;
	preflight_init(&p);
	preflight_add(&p, "k8s-crd-migration");
	c = preflight_add(&p, "node-roll");
	preflight_incomplete(c, DSCK_ERR_AUTH, "could not check: 401 Unauthorized");
	/* Could not run: INCOMPLETE with that check's own error, never GO. */
	assert_int_equal(preflight_verdict(&p, &code), PREFLIGHT_INCOMPLETE);
	assert_int_equal(code, DSCK_ERR_AUTH);
	assert_false(preflight_ok(&p));
	/* A failure elsewhere makes it NO-GO; the exit status still says what could not run. */
	add_error(preflight_add(&p, "policy-semantics"));
	assert_int_equal(preflight_verdict(&p, &code), PREFLIGHT_NO_GO);
	assert_int_equal(code, DSCK_ERR_AUTH);
	preflight_release(&p);
}

static void test_failure_is_no_go(void **state)
{
	struct preflight p;
	enum dsck_err code;

	(void)state;
	preflight_init(&p);
	add_error(preflight_add(&p, "pre-migrate"));
	preflight_skip(preflight_add(&p, "k8s"), "no Kubernetes API configured");
	assert_int_equal(preflight_verdict(&p, &code), PREFLIGHT_NO_GO);
	assert_int_equal(code, DSCK_ERR_FINDINGS);
	/* Unreachable members: the exit status says so (3). */
	p.unreachable = 1;
	assert_int_equal(preflight_verdict(&p, &code), PREFLIGHT_NO_GO);
	assert_int_equal(code, DSCK_ERR_CONNECT);
	assert_string_equal(preflight_verdict_name(PREFLIGHT_INCOMPLETE), "INCOMPLETE");
	preflight_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_needs_a_check_that_ran),
		cmocka_unit_test(test_cannot_check_is_incomplete),
		cmocka_unit_test(test_failure_is_no_go),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
