/* Unit tests: settings precedence, config files, secrets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/conn.h"
#include "net/settings.h"

static const char *env_vars[] = {
	"DSCK_ENDPOINTS", "ETCDCTL_ENDPOINTS", "ETCD_ENDPOINTS", "ETCDCTL_CACERT",
	"ETCD_CA_CERT_FILE", "ETCDCTL_USER", "ETCD_USERNAME", "ETCD_PASSWORD", "ETCDCTL_PASSWORD",
	"DSCK_CONFIG", "KUBECONFIG", "K8S_API_ENDPOINT", "K8S_API_TOKEN", "KUBERNETES_SERVICE_HOST",
	"KUBERNETES_SERVICE_PORT",
};

static int clean_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(env_vars) / sizeof(env_vars[0]); i++)
		unsetenv(env_vars[i]);
	return 0;
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/dsck-test-XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_default(void **state)
{
	struct dsck_settings s;
	struct dsck_error err = DSCK_ERROR_INIT;

	(void)state;
	settings_init(&s);
	assert_int_equal(settings_load_env(&s, &err), DSCK_OK);
	assert_string_equal(settings_get(&s, SET_ENDPOINTS), "http://127.0.0.1:2379");
	assert_int_equal(s.v[SET_ENDPOINTS].source, SRC_DEFAULT);
	settings_release(&s);
}

static void test_precedence_every_source(void **state)
{
	const char *cfg = "apiVersion: v1\nkind: calicoApiConfig\nmetadata:\nspec:\n"
			  "  datastoreType: etcdv2\n"
			  "  etcdEndpoints: http://from-config:2379\n"
			  "  etcdCACertFile: /config/ca.pem\n"
			  "  etcdUsername: cfguser\n"
			  "  etcdPassword: cfgsecret\n";
	char *path = write_tmp(cfg);
	struct dsck_settings s;
	struct dsck_error err = DSCK_ERROR_INIT;

	(void)state;
	setenv("ETCDCTL_CACERT", "/env/ca.pem", 1);
	setenv("ETCD_ENDPOINTS", "http://from-calico-env:2379", 1);
	setenv("ETCDCTL_ENDPOINTS", "http://from-etcdctl-env:2379", 1);
	settings_init(&s);
	settings_set(&s, SET_ENDPOINTS, "http://from-flag:2379", SRC_FLAG, "--endpoints");
	settings_set(&s, SET_CONFIG, path, SRC_FLAG, "--config");
	assert_int_equal(settings_load_env(&s, &err), DSCK_OK);
	assert_int_equal(settings_load_config(&s, &err), DSCK_OK);
	/* flag > env > config > default */
	assert_string_equal(settings_get(&s, SET_ENDPOINTS), "http://from-flag:2379");
	assert_string_equal(settings_get(&s, SET_CACERT), "/env/ca.pem");
	assert_string_equal(s.v[SET_CACERT].origin, "ETCDCTL_CACERT");
	assert_string_equal(settings_get(&s, SET_USER), "cfguser");
	assert_int_equal(s.v[SET_USER].source, SRC_CONFIG);
	assert_non_null(strstr(s.v[SET_USER].origin, ":8"));
	assert_string_equal(settings_get(&s, SET_DIAL_TIMEOUT), "2s");
	settings_release(&s);

	/* Without the flag, the first environment variable in the documented order (docs/settings.md) wins. */
	settings_init(&s);
	settings_load_env(&s, &err);
	assert_string_equal(settings_get(&s, SET_ENDPOINTS), "http://from-etcdctl-env:2379");
	settings_release(&s);
	unlink(path);
	free(path);
}

static void test_user_colon_password(void **state)
{
	struct dsck_settings s;
	struct dsck_error err = DSCK_ERROR_INIT;
	char *pw = write_tmp("filesecret\nsecond line\n");

	(void)state;
	settings_init(&s);
	settings_set(&s, SET_USER, "root:s3cret", SRC_FLAG, "--user");
	assert_string_equal(settings_get(&s, SET_USER), "root");
	assert_string_equal(settings_get(&s, SET_PASSWORD), "s3cret");
	assert_true(settings_def(SET_PASSWORD)->secret);
	settings_set(&s, SET_PASSWORD_FILE, pw, SRC_FLAG, "--password-file");
	assert_int_equal(settings_read_password_file(&s, &err), DSCK_OK);
	assert_string_equal(settings_get(&s, SET_PASSWORD), "filesecret");
	settings_release(&s);
	unlink(pw);
	free(pw);
}

static void check_bad_config(const char *text, const char *want)
{
	char *path = write_tmp(text);
	struct dsck_settings s;
	struct dsck_error err = DSCK_ERROR_INIT;

	settings_init(&s);
	settings_set(&s, SET_CONFIG, path, SRC_FLAG, "--config");
	assert_int_equal(settings_load_config(&s, &err), DSCK_ERR_INPUT);
	assert_non_null(strstr(err.msg, path));
	if (!strstr(err.msg, want))
		fail_msg("message '%s' lacks '%s'", err.msg, want);
	settings_release(&s);
	unlink(path);
	free(path);
}

static void test_bad_configs(void **state)
{
	(void)state;
	check_bad_config("kind: calicoApiConfig\nspec:\n  etcdEndpoints: [a, b\n", ":4:");
	check_bad_config("kind: Pod\nspec: {}\n", ":1: unsupported kind 'Pod'");
	check_bad_config("- a\n- b\n", ":1: expected a mapping");
	check_bad_config("kind: calicoApiConfig\nspec:\n  etcdEndpoints:\n    - x\n", ":4: 'etcdEndpoints' must be a string");
	check_bad_config("apiVersion: v1\nspec: {}\n", "missing 'kind'");
}

static void test_conn_validation(void **state)
{
	struct dsck_settings s;
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_conn c;

	(void)state;
	settings_init(&s);
	settings_set(&s, SET_ENDPOINTS, "http://a:1/, https://b:2", SRC_FLAG, "--endpoints");
	assert_int_equal(conn_init(&c, &s, &err), DSCK_OK);
	assert_int_equal(c.n_endpoints, 2);
	assert_string_equal(c.endpoints[0], "http://a:1");
	assert_string_equal(c.endpoints[1], "https://b:2");
	assert_int_equal(c.dial_timeout_ms, 2000);
	assert_int_equal(c.command_timeout_ms, 30000);
	conn_release(&c);
	/* No scheme means http://, as in etcdctl; another scheme is refused. */
	settings_set(&s, SET_ENDPOINTS, "a:1", SRC_FLAG, "--endpoints");
	assert_int_equal(conn_init(&c, &s, &err), DSCK_OK);
	assert_string_equal(c.endpoints[0], "http://a:1");
	conn_release(&c);
	settings_set(&s, SET_ENDPOINTS, "ftp://a:1", SRC_FLAG, "--endpoints");
	assert_int_equal(conn_init(&c, &s, &err), DSCK_ERR_USAGE);
	dsck_error_clear(&err);
	settings_set(&s, SET_ENDPOINTS, "http://a:1", SRC_FLAG, "--endpoints");
	settings_set(&s, SET_DIAL_TIMEOUT, "soon", SRC_FLAG, "--dial-timeout");
	assert_int_equal(conn_init(&c, &s, &err), DSCK_ERR_USAGE);
	settings_release(&s);
}

static void test_durations(void **state)
{
	long ms;

	(void)state;
	assert_true(settings_parse_duration("2s", &ms) && ms == 2000);
	assert_true(settings_parse_duration("500ms", &ms) && ms == 500);
	assert_true(settings_parse_duration("1.5m", &ms) && ms == 90000);
	assert_false(settings_parse_duration("3", &ms));
	assert_true(settings_duration_lacks_unit("3"));
	assert_false(settings_duration_lacks_unit("3s"));
	assert_true(settings_parse_duration("0", &ms) && ms == 0);
	assert_true(settings_parse_duration("1m30s", &ms) && ms == 90000);
	assert_true(settings_parse_duration("1h2m3s4ms", &ms) && ms == 3723004);
	assert_true(settings_parse_duration("1500us", &ms) && ms == 1);
	assert_false(settings_parse_duration("1e3s", &ms));
	assert_false(settings_parse_duration("2s3", &ms));
	assert_false(settings_parse_duration("", &ms));
	assert_false(settings_parse_duration("+2s", &ms));
	assert_false(settings_parse_duration("x", &ms));
	assert_false(settings_parse_duration("5d", &ms));
	assert_false(settings_parse_duration("-1s", &ms));
}

static void test_in_cluster(void **state)
{
	struct dsck_settings s;
	struct dsck_error err = DSCK_ERROR_INIT;

	(void)state;
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	settings_init(&s);
	settings_load_env(&s, &err);
	assert_string_equal(settings_get(&s, SET_K8S_API_ENDPOINT), "https://10.96.0.1:443");
	assert_string_equal(s.v[SET_K8S_API_ENDPOINT].origin, "in-cluster");
	settings_release(&s);
}

/* Credentials in endpoint URLs become the user and password, and leave the URL. */
static void test_url_credentials(void **state)
{
	struct dsck_settings s;

	(void)state;
	settings_init(&s);
	assert_int_equal(settings_set(&s, SET_ENDPOINTS,
				      "http://ro%40t:p%3Ass@h1:2379,https://x:y@h2:2379/p?q=a@b",
				      SRC_FLAG, "--endpoints"), DSCK_OK);
	assert_string_equal(settings_get(&s, SET_ENDPOINTS), "http://h1:2379,https://h2:2379/p?q=a@b");
	assert_string_equal(settings_get(&s, SET_USER), "ro@t");
	assert_string_equal(settings_get(&s, SET_PASSWORD), "p:ss");
	settings_release(&s);

	/* An explicit user wins; the URL is stripped all the same. */
	settings_init(&s);
	settings_set(&s, SET_USER, "alice", SRC_FLAG, "--user");
	settings_set(&s, SET_ENDPOINTS, "http://bob:pw@h:1", SRC_ENV, "ETCDCTL_ENDPOINTS");
	assert_string_equal(settings_get(&s, SET_ENDPOINTS), "http://h:1");
	assert_string_equal(settings_get(&s, SET_USER), "alice");
	assert_null(settings_get(&s, SET_PASSWORD));
	settings_release(&s);

	/* A lower-precedence URL neither replaces the endpoints nor brings a user. */
	settings_init(&s);
	settings_set(&s, SET_ENDPOINTS, "http://h:1", SRC_FLAG, "--endpoints");
	settings_set(&s, SET_ENDPOINTS, "http://bob:pw@h:2", SRC_ENV, "ETCDCTL_ENDPOINTS");
	assert_string_equal(settings_get(&s, SET_ENDPOINTS), "http://h:1");
	assert_null(settings_get(&s, SET_USER));
	settings_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_default, clean_env),
		cmocka_unit_test_setup(test_precedence_every_source, clean_env),
		cmocka_unit_test_setup(test_user_colon_password, clean_env),
		cmocka_unit_test_setup(test_bad_configs, clean_env),
		cmocka_unit_test_setup(test_conn_validation, clean_env),
		cmocka_unit_test_setup(test_durations, clean_env),
		cmocka_unit_test_setup(test_in_cluster, clean_env),
		cmocka_unit_test_setup(test_url_credentials, clean_env),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
