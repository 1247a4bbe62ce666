/*
 * Unit tests: etcd2_get parses a recursive listing while it arrives
 * (docs/architecture.md, "Seams"). http_request is replaced
 * (-Wl,--wrap) by a script that keeps http.c's contract with a body reader:
 * begin before the attempt, grew after each chunk, end once it is over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "store/etcd2.h"

/* One attempt of the script. */
struct attempt {
	bool unreachable;          /* fails before any answer */
	const char *content_type;
	long status;
	const char *body;
	size_t step;               /* bytes a chunk (0: all at once) */
	size_t drop_after;         /* > 0: the connection breaks after this many bytes */
};

static const struct attempt *script;
static size_t n_script, next_attempt, begins, ends, grows;

enum dsck_err __wrap_http_request(struct http_client *c, const char *method, const char *url,
				  const char *form, struct http_response *resp,
				  struct dsck_error *err);

enum dsck_err __wrap_http_request(struct http_client *c, const char *method, const char *url,
				  const char *form, struct http_response *resp,
				  struct dsck_error *err)
{
	const struct attempt *a;
	size_t len, sent = 0;
	enum dsck_err rc = DSCK_OK;

	(void)c;
	(void)method;
	(void)form;
	assert_true(next_attempt < n_script);
	a = &script[next_attempt++];
	resp->status = 0;
	resp->content_type[0] = '\0';
	buf_reset(&resp->body);
	if (resp->reader) {
		resp->reader->begin(resp->reader->ctx, &resp->body);
		begins++;
	}
	if (a->unreachable) {
		rc = dsck_fail(err, DSCK_ERR_CONNECT, "cannot reach '%s'", url);
		goto out;
	}
	snprintf(resp->content_type, sizeof(resp->content_type), "%s", a->content_type);
	len = strlen(a->body);
	while (sent < len) {
		size_t n = a->step && a->step < len - sent ? a->step : len - sent;

		if (a->drop_after && sent + n > a->drop_after)
			n = a->drop_after - sent;
		assert_int_equal(buf_append(&resp->body, a->body + sent, n), DSCK_OK);
		sent += n;
		if (resp->reader) {
			resp->reader->grew(resp->reader->ctx, resp->body.len);
			grows++;
		}
		if (a->drop_after && sent == a->drop_after) {
			rc = dsck_fail(err, DSCK_ERR_CONNECT, "connection to '%s' reset", url);
			goto out;
		}
	}
	resp->status = a->status;
out:
	if (resp->reader) {
		resp->reader->end(resp->reader->ctx);
		ends++;
	}
	return rc;
}

static const char listing[] =
	"{\"action\":\"get\",\"node\":{\"key\":\"/calico\",\"dir\":true,\"nodes\":["
	"{\"key\":\"/calico/v1\",\"dir\":true,\"nodes\":["
	"{\"key\":\"/calico/v1/Ready\",\"value\":\"true\",\"modifiedIndex\":9,\"createdIndex\":9},"
	"{\"key\":\"/calico/v1/host\",\"dir\":true,\"nodes\":["
	"{\"key\":\"/calico/v1/host/node-1/workload/k8s/default.pod-1/endpoint/eth0\","
	"\"value\":\"{\\\"state\\\":\\\"active\\\",\\\"name\\\":\\\"cali0123456789a\\\","
	"\\\"note\\\":\\\"caf\\u00e9 \\u003c\\u003e\\\"}\",\"modifiedIndex\":12,\"createdIndex\":11}],"
	"\"modifiedIndex\":10,\"createdIndex\":10},"
	"{\"key\":\"/calico/v1/host-a\",\"value\":\"x\\ny\",\"modifiedIndex\":13,\"createdIndex\":13}],"
	"\"modifiedIndex\":5,\"createdIndex\":5}],\"modifiedIndex\":4,\"createdIndex\":4}}\n";

/* A record as one line of text. */
static void line(struct buf *out, const struct dsck_record *r)
{
	assert_int_equal(buf_printf(out, "%s dir=%d c=%lld m=%lld v=%s\n", r->key, r->dir,
				    (long long)r->created_index, (long long)r->modified_index,
				    r->value ? r->value : "-"), DSCK_OK);
}

/* The records of @l as text, one line each. */
static char *dump(const struct etcd2_listing *l)
{
	struct buf out = BUF_INIT(1u << 20);

	for (size_t i = 0; i < l->n; i++) {
		struct dsck_record r;

		etcd2_listing_at(l, i, &r);
		line(&out, &r);
	}
	return buf_detach(&out, NULL);
}

/* etcd2_get with @flags over @s (n attempts) against @n_endpoints endpoints. */
static enum dsck_err get_flags(unsigned flags, const struct attempt *s, size_t n,
			       size_t n_endpoints, struct etcd2_listing *l, struct dsck_error *err)
{
	static char ep1[] = "http://127.0.0.1:1", ep2[] = "http://127.0.0.1:2";
	struct dsck_conn conn = { .endpoints = { ep1, ep2 }, .n_endpoints = n_endpoints,
				  .max_response_bytes = (size_t)64 << 20 };
	struct etcd2_client c;
	enum dsck_err rc;

	dsck_error_clear(err);
	script = s;
	n_script = n;
	next_attempt = begins = ends = grows = 0;
	assert_int_equal(etcd2_client_init(&c, &conn, err), DSCK_OK);
	rc = etcd2_get(&c, "/calico", flags, l, err);
	etcd2_client_release(&c);
	assert_int_equal(next_attempt, n);
	/* Only a whole subtree is read during the transfer. */
	assert_int_equal(begins, flags & ETCD2_RECURSIVE ? n : 0);
	assert_int_equal(ends, begins);
	return rc;
}

static enum dsck_err get(const struct attempt *s, size_t n, size_t n_endpoints,
			 struct etcd2_listing *l, struct dsck_error *err)
{
	return get_flags(ETCD2_RECURSIVE | ETCD2_QUORUM, s, n, n_endpoints, l, err);
}

/* The records, whatever the chunk size, are those of the listing parsed whole. */
static void test_chunks(void **state)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_record *recs = NULL;
	char *copy = strdup(listing), *want;
	struct buf b = BUF_INIT(1u << 20);
	size_t n = 0;

	(void)state;
	assert_int_equal(etcd2_parse_listing(copy, strlen(copy), "whole", &recs, &n, &err),
			 DSCK_OK);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		line(&b, &recs[i]);
	want = buf_detach(&b, NULL);
	/* Written out by hand: byte order puts "host-a" before "host/". */
	assert_non_null(strstr(want, "/calico/v1/host-a dir=0 c=13 m=13 v=x\ny\n"
				     "/calico/v1/host/node-1/"));
	assert_non_null(strstr(want, "v={\"state\":\"active\",\"name\":\"cali0123456789a\","
				     "\"note\":\"caf\xc3\xa9 <>\"}\n"));
	for (size_t step = 1; step <= 64; step++) {
		struct attempt a = { .content_type = "application/json", .status = 200,
				     .body = listing, .step = step };
		struct etcd2_listing l;
		char *got;

		assert_int_equal(get(&a, 1, 1, &l, &err), DSCK_OK);
		assert_true(grows >= strlen(listing) / step);
		got = dump(&l);
		assert_string_equal(got, want);
		free(got);
		etcd2_listing_release(&l);
	}
	free(want);
	free(recs);
	free(copy);
}

/* A connection that breaks mid-body moves on to the next endpoint, which is parsed afresh. */
static void test_retry_after_partial_body(void **state)
{
	const struct attempt s[] = {
		{ .content_type = "application/json", .status = 200, .body = listing, .step = 7,
		  .drop_after = 200 },
		{ .content_type = "application/json", .status = 200, .body = listing, .step = 5 },
	};
	struct dsck_error err = DSCK_ERROR_INIT;
	struct etcd2_listing l;
	char *got;

	(void)state;
	assert_int_equal(get(s, 2, 2, &l, &err), DSCK_OK);
	assert_int_equal(l.n, 6);
	assert_string_equal(l.endpoint, "http://127.0.0.1:2");
	got = dump(&l);
	assert_non_null(strstr(got, "/calico dir=1 c=4 m=4 v=-\n"));
	free(got);
	etcd2_listing_release(&l);

	/* The first endpoint down: the second answers. */
	const struct attempt down[] = {
		{ .unreachable = true },
		{ .content_type = "application/json", .status = 200, .body = listing, .step = 3 },
	};
	assert_int_equal(get(down, 2, 2, &l, &err), DSCK_OK);
	assert_int_equal(l.n, 6);
	etcd2_listing_release(&l);
}

/* What is not a listing is reported as before: the body left as it came. */
static void test_not_a_listing(void **state)
{
	const struct attempt disabled = { .content_type = "text/plain; charset=utf-8",
					  .status = 404, .body = "404 page not found\n", .step = 4 };
	const struct attempt missing = {
		.content_type = "application/json", .status = 404, .step = 9,
		.body = "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/calico\","
			"\"index\":42}\n" };
	const struct attempt truncated = { .content_type = "application/json", .status = 200,
					   .body = "{\"action\":\"get\",\"node\":{\"key\":\"/calico\","
						   "\"dir\":true,\"nodes\":[{\"key\":\"/calico/a\"",
					   .step = 6 };
	const struct attempt html = { .content_type = "text/html", .status = 200,
				      .body = "<html>\"hello\"</html>", .step = 2 };
	struct dsck_error err = DSCK_ERROR_INIT;
	struct etcd2_listing l;

	(void)state;
	assert_int_equal(get(&disabled, 1, 1, &l, &err), DSCK_ERR_V2_DISABLED);
	assert_int_equal(get(&missing, 1, 1, &l, &err), DSCK_ERR_NOT_FOUND);
	assert_non_null(strstr(err.msg, "'/calico' not found"));
	assert_int_equal(get(&truncated, 1, 1, &l, &err), DSCK_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "http://127.0.0.1:1 (GET /calico): malformed v2 response "
					"at byte 78: unexpected end of input"));
	assert_int_equal(get(&html, 1, 1, &l, &err), DSCK_ERR_PROTOCOL);
	assert_non_null(strstr(err.msg, "unexpected HTTP 200 reply (text/html)"));
}

/* One node, not a subtree: parsed after the transfer, errors as ever. */
static void test_single_node(void **state)
{
	const struct attempt one = {
		.content_type = "application/json", .status = 200, .step = 3,
		.body = "{\"action\":\"get\",\"node\":{\"key\":\"/calico\",\"value\":\"a\\\"b\","
			"\"modifiedIndex\":7,\"createdIndex\":6}}" };
	const struct attempt missing = {
		.content_type = "application/json", .status = 404,
		.body = "{\"errorCode\":100,\"message\":\"Key not found\",\"cause\":\"/calico\"}" };
	struct dsck_error err = DSCK_ERROR_INIT;
	struct etcd2_listing l;
	char *got;

	(void)state;
	assert_int_equal(get_flags(0, &one, 1, 1, &l, &err), DSCK_OK);
	got = dump(&l);
	assert_string_equal(got, "/calico dir=0 c=6 m=7 v=a\"b\n");
	free(got);
	etcd2_listing_release(&l);
	assert_int_equal(get_flags(ETCD2_QUORUM, &missing, 1, 1, &l, &err), DSCK_ERR_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_retry_after_partial_body),
		cmocka_unit_test(test_not_a_listing),
		cmocka_unit_test(test_single_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
