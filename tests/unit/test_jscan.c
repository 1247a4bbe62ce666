/* Unit tests: the in-place JSON scanner, base64 and UTF-8 helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64.h"
#include "base/jscan.h"
#include "base/jsonchar.h"
#include "base/jsonw.h"
#include "base/utf8.h"

/* Scan a whole document; returns the number of tokens or -1 on error. */
static int scan_all(const char *text, const char **error)
{
	char *copy = strdup(text);
	struct jscan s;
	struct jtok t;
	int n = 0;

	jscan_init(&s, copy, strlen(copy));
	while (jscan_next(&s, &t) != JT_END) {
		if (t.type == JT_ERROR) {
			*error = s.error;
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	return n;
}

static void test_valid_documents(void **state)
{
	const char *err = NULL;

	(void)state;
	assert_int_equal(scan_all("{}", &err), 2);
	assert_int_equal(scan_all("[]", &err), 2);
	assert_int_equal(scan_all(" {\"a\": [1, -2.5e3, true, false, null, \"x\"]} ", &err), 11);
	assert_int_equal(scan_all("\"only\"", &err), 1);
	assert_int_equal(scan_all("0", &err), 1);
}

static void test_invalid_documents(void **state)
{
	static const char *const bad[] = {
		"", "{", "[1,]", "{\"a\"}", "{\"a\":1,}", "{1:2}", "[1 2]", "01", "1.",
		"-", "tru", "\"unterminated", "\"bad \\x escape\"", "\"\\ud800\"",
		"\"ctrl \x01\"", "\"\xff\"", "{} {}", "[}", "\"\\u12g4\"", "1e", "{\"a\":1]",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *err = NULL;

		assert_int_equal(scan_all(bad[i], &err), -1);
		assert_non_null(err);
	}
}

static void test_string_unescape_in_place(void **state)
{
	char doc[] = "[\"a\\nb\\\"c\\u00e9\\ud83d\\ude00\\u0000z\\/\"]";
	struct jscan s;
	struct jtok t;

	(void)state;
	jscan_init(&s, doc, strlen(doc));
	assert_int_equal(jscan_next(&s, &t), JT_ARRAY);
	assert_int_equal(jscan_next(&s, &t), JT_STRING);
	assert_int_equal(t.len, 14);
	assert_memory_equal(t.str, "a\nb\"c\xc3\xa9\xf0\x9f\x98\x80\0z/", 14);
	assert_int_equal(t.str[t.len], '\0');
	assert_int_equal(jscan_next(&s, &t), JT_ARRAY_END);
	assert_int_equal(jscan_next(&s, &t), JT_END);
}

/* Read the one string of ["TEXT"], with keep_escapes as given. */
static enum jtok_type one_string(char *doc, bool keep, struct jtok *t)
{
	struct jscan s;

	jscan_init(&s, doc, strlen(doc));
	assert_int_equal(jscan_next(&s, t), JT_ARRAY);
	s.keep_escapes = keep;
	return jscan_next(&s, t);
}

/*
 * keep_escapes returns a string as its JSON text exactly when jsonw_string
 * would write that text for the decoded string; other strings are decoded.
 */
static void test_keep_escapes(void **state)
{
	static const struct {
		const char *json;    /* between the quotes */
		bool kept;           /* returned as written */
		const char *decoded;
	} cases[] = {
		{ "say \\\"hi\\\" \\\\ \\n\\r\\t\\b\\f", true, "say \"hi\" \\ \n\r\t\b\f" },
		{ "{\\\"state\\\":\\\"active\\\",\\\"name\\\":\\\"cali12345678901\\\"}", true,
		  "{\"state\":\"active\",\"name\":\"cali12345678901\"}" },
		{ "plain, \xc3\xbcmlaut", false, "plain, \xc3\xbcmlaut" },
		{ "a\\/b", false, "a/b" },
		{ "\\u003ctag\\u003e\\u0026", false, "<tag>&" },
		{ "\\\"\\u0008", false, "\"\b" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char doc[256], again[256];
		struct buf b = BUF_INIT(1024);
		struct jtok t;

		snprintf(doc, sizeof(doc), "[\"%s\"]", cases[i].json);
		assert_int_equal(one_string(doc, true, &t), JT_STRING);
		assert_int_equal(t.escaped, cases[i].kept);
		assert_int_equal(t.str[t.len], '\0');
		if (cases[i].kept) {
			assert_int_equal(t.len, strlen(cases[i].json));
			assert_memory_equal(t.str, cases[i].json, t.len);
		} else {
			assert_int_equal(t.len, strlen(cases[i].decoded));
			assert_memory_equal(t.str, cases[i].decoded, t.len);
		}
		/* Kept text is what jsonw_string writes for the decoded string. */
		snprintf(again, sizeof(again), "[\"%s\"]", cases[i].json);
		assert_int_equal(one_string(again, false, &t), JT_STRING);
		assert_false(t.escaped);
		assert_memory_equal(t.str, cases[i].decoded, strlen(cases[i].decoded));
		assert_int_equal(jsonw_string(&b, t.str, t.len), DSCK_OK);
		if (cases[i].kept)
			assert_true(b.len == strlen(cases[i].json) + 2 &&
				    memcmp(b.data + 1, cases[i].json, b.len - 2) == 0);
		buf_release(&b);
	}
}

/*
 * A byte that ends a run, and bad UTF-8, at every offset across the 16- and
 * 8-byte blocks the scanners read, kept or decoded.
 */
static void test_string_block_edges(void **state)
{
	(void)state;
	for (size_t at = 0; at < 40; at++) {
		static const char *const specials[] = { "\"", "\\", "\x01" };
		char text[64], doc[80];
		struct jtok t;
		unsigned high = 0;

		for (size_t k = 0; k < 3; k++) {
			memset(text, 'a', 48);
			text[at] = specials[k][0];
			assert_int_equal(json_plain_run(text, 48), at);
		}
		memset(text, 'a', 48);
		assert_int_equal(json_plain_run_high(text, 48, &high), 48);
		assert_int_equal(high, 0);
		text[at] = '\xc3';
		text[at + 1] = '\xa9';
		assert_int_equal(json_plain_run_high(text, 48, &high), 48);
		assert_int_not_equal(high, 0);

		for (int keep = 0; keep < 2; keep++) {
			/* A valid two-byte sequence: read back as it is. */
			memset(text, 'a', 48);
			memcpy(text + at, "\xc3\xa9", 2);
			text[48] = '\0';
			snprintf(doc, sizeof(doc), "[\"%s\"]", text);
			assert_int_equal(one_string(doc, keep, &t), JT_STRING);
			assert_int_equal(t.len, 48);
			assert_memory_equal(t.str, text, 48);
			/* A stray continuation byte: refused either way. */
			text[at] = 'a';
			snprintf(doc, sizeof(doc), "[\"%s\"]", text);
			assert_int_equal(one_string(doc, keep, &t), JT_ERROR);
			/* An escaped quote at the edge: kept, or decoded to a quote. */
			memset(text, 'a', 48);
			memcpy(text + at, "\\\"", 2);
			snprintf(doc, sizeof(doc), "[\"%s\"]", text);
			assert_int_equal(one_string(doc, keep, &t), JT_STRING);
			assert_int_equal(t.len, keep ? 48 : 47);
			assert_int_equal(t.str[at], keep ? '\\' : '"');
			/* An escaped backslash, then an escaped quote: \\ \" */
			memset(text, 'a', 48);
			memcpy(text + at, "\\\\\\\"", 4);
			snprintf(doc, sizeof(doc), "[\"%s\"]", text);
			assert_int_equal(one_string(doc, keep, &t), JT_STRING);
			assert_int_equal(t.escaped, keep);
			assert_int_equal(t.len, keep ? 48 : 46);
			assert_memory_equal(t.str + at, keep ? "\\\\\\\"" : "\\\"", keep ? 4 : 2);
		}
	}
}

/* jscan.more in a test: the input arrives @step bytes at a time. */
struct drip {
	size_t size, step, calls;
};

static bool drip_more(struct jscan *s)
{
	struct drip *d = s->more_ctx;
	size_t have = (size_t)(s->end - s->base);

	if (have == d->size)
		return false;
	d->calls++;
	s->end = s->base + (d->size - have > d->step ? have + d->step : d->size);
	return true;
}

/*
 * Every token of @text, one line each (type, offset, length, kept, text),
 * then the error if any: the whole input at once (@step 0) or arriving
 * @step bytes at a time. *calls counts the waits for more input.
 */
static char *trace(const char *text, size_t step, bool keep, size_t *calls)
{
	size_t size = strlen(text);
	char *copy = strdup(text);
	struct drip d = { size, step, 0 };
	struct buf out = BUF_INIT(1u << 20);
	struct jscan s;
	struct jtok t;

	jscan_init(&s, copy, step ? 0 : size);
	if (step) {
		s.more = drip_more;
		s.more_ctx = &d;
	}
	for (;;) {
		enum jtok_type type;

		s.keep_escapes = keep;
		type = jscan_next(&s, &t);
		assert_int_equal(buf_printf(&out, "%d %td %zu %d ", (int)type,
					    t.str ? t.str - copy : -1, t.len, t.escaped), DSCK_OK);
		if (type == JT_STRING || type == JT_KEY || type == JT_NUMBER)
			assert_int_equal(buf_append(&out, t.str, t.len), DSCK_OK);
		assert_int_equal(buf_appendc(&out, '\n'), DSCK_OK);
		if (type == JT_ERROR)
			assert_int_equal(buf_printf(&out, "error: %s at %zu\n", s.error,
						    s.error_offset), DSCK_OK);
		if (type == JT_ERROR || type == JT_END)
			break;
	}
	free(copy);
	*calls = d.calls;
	return buf_detach(&out, NULL);
}

/*
 * Input that arrives in pieces (a v2 listing parsed during the transfer)
 * gives the same tokens, the same in-place decoding and the same errors at
 * the same offsets as the whole input, whatever the size of the pieces:
 * splits inside escapes, \u sequences, surrogate pairs, numbers, literals,
 * and across the 16-byte blocks of the string scanners.
 */
static void test_chunked_input(void **state)
{
	static const char *const docs[] = {
		" {\"a\": [1, -2.5e3, true, false, null, \"x\"]} ",
		"{\"action\":\"get\",\"node\":{\"key\":\"/calico\",\"dir\":true,\"nodes\":[{\"key\":"
		"\"/calico/v1/host/node-1/workload/k8s/default.pod-1/endpoint/eth0\",\"value\":"
		"\"{\\\"state\\\":\\\"active\\\",\\\"name\\\":\\\"cali0123456789a\\\",\\\"ipv4_nets\\\":"
		"[\\\"192.168.0.1/32\\\"],\\\"labels\\\":{\\\"app\\\":\\\"x\\\"}}\",\"modifiedIndex\":"
		"123456,\"createdIndex\":123455}],\"modifiedIndex\":4,\"createdIndex\":4}}\n",
		"[\"a\\nb\\\"c\\u00e9\\ud83d\\ude00\\u0000z\\/\", \"\\u003ctag\\u003e\\u0026\"]",
		"[\"0123456789abcde\\\"0123456789abcdef\\\\0123456789abcd\\n\xc3\xbc\", 12345678901]",
		"[\"plain, \xc3\xbcmlaut and a long enough run to fill several blocks of sixteen\"]",
		"", "{", "[1,]", "{\"a\"}", "01", "1.", "-", "tru", "\"unterminated",
		"\"bad \\x escape\"", "\"\\ud800\"", "\"\\ud800\\u0041\"", "\"ctrl \x01\"", "\"\xff\"",
		"{} {}", "{} ", "[}", "\"\\u12g4\"", "1e", "[\"a\\", "[\"\\u00", "[\"\\ud83d\\ude0",
		"[\"0123456789abcdef0123456789\xc3\"]", "123", "-0.5e+7 ",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		for (int keep = 0; keep <= 1; keep++) {
			size_t calls;
			char *whole = trace(docs[i], 0, keep, &calls);

			assert_int_equal(calls, 0);
			for (size_t step = 1; step <= 40; step++) {
				char *piecewise = trace(docs[i], step, keep, &calls);

				assert_string_equal(piecewise, whole);
				assert_true(calls > 0 || !docs[i][0]);   /* it did arrive in pieces */
				free(piecewise);
			}
			free(whole);
		}
	}
}

static void test_skip_and_int(void **state)
{
	char doc[] = "{\"skip\":{\"x\":[1,{\"y\":2}]},\"n\":9007199254740993,\"f\":1.5}";
	struct jscan s;
	struct jtok t;
	int64_t v;

	(void)state;
	jscan_init(&s, doc, strlen(doc));
	assert_int_equal(jscan_next(&s, &t), JT_OBJECT);
	assert_int_equal(jscan_next(&s, &t), JT_KEY);
	assert_true(jtok_is(&t, "skip"));
	jscan_next(&s, &t);
	assert_true(jscan_skip(&s, &t));
	assert_int_equal(jscan_next(&s, &t), JT_KEY);
	assert_true(jtok_is(&t, "n"));
	assert_int_equal(jscan_next(&s, &t), JT_NUMBER);
	assert_true(jtok_int64(&t, &v));
	assert_true(v == 9007199254740993LL);
	jscan_next(&s, &t);
	assert_int_equal(jscan_next(&s, &t), JT_NUMBER);
	assert_false(jtok_int64(&t, &v));
}

static void test_depth_cap(void **state)
{
	size_t n = JSCAN_MAX_DEPTH + 1;
	char *doc = malloc(2 * n + 1);
	const char *err = NULL;

	(void)state;
	memset(doc, '[', n);
	memset(doc + n, ']', n);
	doc[2 * n] = '\0';
	assert_int_equal(scan_all(doc, &err), -1);
	assert_string_equal(err, "nesting too deep");
	free(doc);
}

static void test_b64_roundtrip(void **state)
{
	const char *vec[][2] = { { "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
				 { "foo", "Zm9v" }, { "foob", "Zm9vYg==" }, { "\xff\x00\x80", "/wCA" } };

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		struct buf b = BUF_INIT(1024);
		size_t in = i == 5 ? 3 : strlen(vec[i][0]), out;

		assert_int_equal(b64_encode(&b, vec[i][0], in), DSCK_OK);
		assert_string_equal(buf_str(&b), vec[i][1]);
		assert_true(b64_decode_inplace(b.data ? b.data : (char *)"", b.len, &out));
		assert_int_equal(out, in);
		if (in)
			assert_memory_equal(b.data, vec[i][0], in);
		buf_release(&b);
	}
}

static void test_b64_rejects(void **state)
{
	const char *bad[] = { "Zg=", "Zg", "Z===", "Zh==", "Zm9v!A==", "====", "Zm8" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char tmp[16];
		size_t out;

		strcpy(tmp, bad[i]);
		assert_false(b64_decode_inplace(tmp, strlen(tmp), &out));
	}
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(utf8_valid((const unsigned char *)"plain", 5));
	assert_true(utf8_valid((const unsigned char *)"\xc3\xa9\xf0\x9f\x98\x80", 6));
	assert_false(utf8_valid((const unsigned char *)"\xc0\xaf", 2));       /* overlong */
	assert_false(utf8_valid((const unsigned char *)"\xed\xa0\x80", 3));   /* surrogate */
	assert_false(utf8_valid((const unsigned char *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(utf8_valid((const unsigned char *)"\xe2\x82", 2));       /* truncated */
	assert_false(utf8_valid((const unsigned char *)"\xff", 1));
}

static void test_jsonw_escapes(void **state)
{
	struct buf b = BUF_INIT(1024);

	(void)state;
	assert_int_equal(jsonw_string(&b, "a\"b\\c\n\x01\0z", 9), DSCK_OK);
	assert_string_equal(buf_str(&b), "\"a\\\"b\\\\c\\n\\u0001\\u0000z\"");
	buf_release(&b);
}

/* Integers at the edges of int64, read and written by hand (not strtoll/printf). */
/* Escapes that need the buffer to grow part-way through a string. */
static void test_jsonw_growth(void **state)
{
	struct buf b = BUF_INIT(4096);
	char in[300], want[1000];
	size_t o = 0;

	(void)state;
	want[o++] = '"';
	for (size_t i = 0; i < sizeof(in); i++) {
		in[i] = i % 3 == 0 ? '"' : i % 3 == 1 ? '\x1f' : 'x';
		o += (size_t)sprintf(want + o, "%s", i % 3 == 0 ? "\\\"" : i % 3 == 1 ? "\\u001f" : "x");
	}
	want[o++] = '"';
	want[o] = '\0';
	assert_int_equal(jsonw_key(&b, "k", 1), DSCK_OK);
	assert_int_equal(jsonw_key(&b, "a\"b", 0), DSCK_OK);
	assert_string_equal(buf_str(&b), "\"k\":,\"a\\\"b\":");
	buf_reset(&b);
	assert_int_equal(jsonw_string(&b, in, sizeof(in)), DSCK_OK);
	assert_string_equal(buf_str(&b), want);
	assert_int_equal(b.len, strlen(want));
	buf_release(&b);
}

static void test_int64_edges(void **state)
{
	static const struct { const char *text; bool ok; int64_t v; } cases[] = {
		{ "0", true, 0 },
		{ "-0", true, 0 },
		{ "9223372036854775807", true, INT64_MAX },
		{ "9223372036854775808", false, 0 },
		{ "-9223372036854775808", true, INT64_MIN },
		{ "-9223372036854775809", false, 0 },
		{ "99999999999999999999", false, 0 },
		{ "-", false, 0 },
		{ "1e3", false, 0 },
		{ "1.0", false, 0 },
	};
	static const struct { int64_t v; const char *text; } out[] = {
		{ 0, "0" }, { -1, "-1" }, { 102557, "102557" },
		{ INT64_MAX, "9223372036854775807" }, { INT64_MIN, "-9223372036854775808" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jtok t = { .type = JT_NUMBER, .str = (char *)cases[i].text,
				  .len = strlen(cases[i].text) };
		int64_t v = 42;

		assert_int_equal(jtok_int64(&t, &v), cases[i].ok);
		if (cases[i].ok)
			assert_true(v == cases[i].v);
	}
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++) {
		struct buf b = BUF_INIT(64);

		assert_int_equal(jsonw_int(&b, out[i].v), DSCK_OK);
		assert_string_equal(buf_str(&b), out[i].text);
		buf_release(&b);
	}
}

/* A reserved buffer never moves, keeps its cap, and detaches as a malloc'd copy. */
static void test_buf_reserved(void **state)
{
	const size_t max = ((size_t)64 << 20) + 10;
	struct buf b;
	char *first, *p;
	size_t len;

	(void)state;
	buf_init_reserved(&b, max);
	assert_true(b.mapped);   /* 64 MiB of address space is never refused here */
	first = b.data;
	for (size_t i = 0; i < 64; i++) {
		assert_int_equal(buf_grow(&b, (size_t)1 << 20), DSCK_OK);
		memset(b.data + b.len, 'a' + (int)(i % 26), (size_t)1 << 20);
		b.len += (size_t)1 << 20;
	}
	assert_ptr_equal(b.data, first);
	assert_int_equal(buf_appends(&b, "0123456789"), DSCK_OK);
	assert_int_equal(buf_appends(&b, "!"), DSCK_ERR_TOO_LARGE);
	p = buf_detach(&b, &len);
	assert_non_null(p);
	assert_int_equal(len, max);
	assert_int_equal(p[0], 'a');
	assert_int_equal(p[((size_t)63 << 20)], 'a' + 63 % 26);
	assert_string_equal(p + len - 10, "0123456789");
	assert_false(b.mapped);
	assert_null(b.data);
	free(p);
	buf_init_reserved(&b, 100);   /* small: plain malloc growth */
	assert_false(b.mapped);
	assert_int_equal(buf_appends(&b, "x"), DSCK_OK);
	buf_release(&b);
}

/* A buffer in the spare room of another's reservation: never moved or freed by itself. */
static void test_buf_cap(void **state)
{
	struct buf b = BUF_INIT(8);

	(void)state;
	assert_int_equal(buf_appends(&b, "12345678"), DSCK_OK);
	assert_int_equal(buf_appends(&b, "9"), DSCK_ERR_TOO_LARGE);
	assert_int_equal(b.len, 8);
	assert_string_equal(buf_str(&b), "12345678");
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_documents),
		cmocka_unit_test(test_invalid_documents),
		cmocka_unit_test(test_string_unescape_in_place),
		cmocka_unit_test(test_keep_escapes),
		cmocka_unit_test(test_string_block_edges),
		cmocka_unit_test(test_chunked_input),
		cmocka_unit_test(test_skip_and_int),
		cmocka_unit_test(test_depth_cap),
		cmocka_unit_test(test_b64_roundtrip),
		cmocka_unit_test(test_b64_rejects),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_jsonw_escapes),
		cmocka_unit_test(test_int64_edges),
		cmocka_unit_test(test_jsonw_growth),
		cmocka_unit_test(test_buf_reserved),
		cmocka_unit_test(test_buf_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
