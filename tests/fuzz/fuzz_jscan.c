/*
 * Fuzz the JSON scanner (jscan) with three oracles:
 *  - a full token walk and a walk that skips the top-level value with
 *    jscan_skip() must agree on whether the input is one valid JSON value;
 *  - jansson, given the same bytes, must accept what jscan accepts, except
 *    where jansson alone refuses (numbers too large for it, nesting deeper
 *    than its limit, \u0000 in a member name), and must refuse what jscan
 *    refuses, except nesting deeper than JSCAN_MAX_DEPTH (and a raw NUL
 *    byte, where jansson stops reading);
 *  - every string token is valid UTF-8 of the length it claims, NUL-terminated,
 *    and holds exactly the bytes jansson decodes from the same quoted text;
 *  - with keep_escapes, the walk agrees on validity, and a string kept as its
 *    JSON text is exactly what jsonw_string writes for jansson's decoding;
 *  - input that arrives a few bytes at a time (jscan.more) passes the same
 *    checks and fails, if it does, with the same error at the same offset.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/jscan.h"
#include "base/jsonw.h"
#include "base/utf8.h"
#include "fuzz.h"

/*
 * The string token @t, decoded in place in @buf, against jansson's decoding
 * of the same quoted text in the untouched input @data. @end is where the
 * scanner stopped: just past the closing quote of a string, past the ':' of
 * a member name.
 */
static void same_as_jansson(const struct jtok *t, const char *buf, const uint8_t *data,
			    size_t end)
{
	size_t start = (size_t)(t->str - buf) - 1;
	json_error_t jerr;
	json_t *j;

	if (t->type == JT_KEY) {
		end--;                                  /* the ':' */
		while (data[end - 1] != '"')
			end--;                          /* whitespace before it */
	}
	FUZZ_ASSERT(data[start] == '"' && data[end - 1] == '"');
	j = json_loadb((const char *)data + start, end - start, JSON_DECODE_ANY | JSON_ALLOW_NUL,
		       &jerr);
	FUZZ_ASSERT(j != NULL);
	FUZZ_ASSERT(json_string_length(j) == t->len);
	FUZZ_ASSERT(!memcmp(json_string_value(j), t->str, t->len));
	json_decref(j);
}

/* A string kept as its JSON text: what jsonw_string writes for jansson's decoding. */
static void kept_as_jsonw(const struct jtok *t, const uint8_t *data, size_t end)
{
	struct buf b = BUF_INIT(1u << 20);
	json_error_t jerr;
	json_t *j = json_loadb((const char *)data + end - t->len - 2, t->len + 2,
			       JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);

	FUZZ_ASSERT(j != NULL);
	FUZZ_ASSERT(jsonw_string(&b, json_string_value(j), json_string_length(j)) == DSCK_OK);
	FUZZ_ASSERT(b.len == t->len + 2 && !memcmp(b.data + 1, t->str, t->len));
	json_decref(j);
	buf_release(&b);
}

/* jscan.more: the input arrives in pieces of 1 to 17 bytes. */
struct drip {
	size_t size, step;
};

static bool drip_more(struct jscan *s)
{
	struct drip *d = s->more_ctx;
	size_t have = (size_t)(s->end - s->base);

	if (have == d->size)
		return false;
	s->end = s->base + (d->size - have > d->step ? have + d->step : d->size);
	d->step = d->step * 7 % 17 + 1;
	return true;
}

/*
 * Walk every token (with @keep, string values may come as their JSON text;
 * with @chunked, the input arrives in pieces); NULL when the input is exactly
 * one JSON value, else why not, with *at where.
 */
static const char *walk(char *buf, const uint8_t *data, size_t size, bool keep, bool chunked,
			size_t *at)
{
	struct drip d = { size, size % 17 + 1 };
	struct jscan s;
	struct jtok t;
	int64_t v;

	jscan_init(&s, buf, chunked ? 0 : size);
	if (chunked) {
		s.more = drip_more;
		s.more_ctx = &d;
	}
	for (;;) {
		s.keep_escapes = keep;
		switch (jscan_next(&s, &t)) {
		case JT_ERROR:
			FUZZ_ASSERT(s.error != NULL && s.error_offset <= size);
			*at = s.error_offset;
			return s.error;
		case JT_END:
			FUZZ_ASSERT(s.depth == 0);
			return NULL;
		case JT_KEY:
		case JT_STRING:
			FUZZ_ASSERT(t.str >= buf && t.str + t.len < buf + size);
			FUZZ_ASSERT(t.str[t.len] == '\0');
			FUZZ_ASSERT(utf8_valid((const unsigned char *)t.str, t.len));
			FUZZ_ASSERT(!t.escaped || (keep && t.type == JT_STRING));
			if (t.escaped)
				kept_as_jsonw(&t, data, (size_t)(s.p - buf));
			else
				same_as_jansson(&t, buf, data, (size_t)(s.p - buf));
			break;
		case JT_NUMBER:
			FUZZ_ASSERT(t.len > 0 && t.str + t.len <= buf + size);
			(void)jtok_int64(&t, &v);
			break;
		default:
			break;
		}
	}
}

/* Take the first token and skip the rest of its value. */
static bool skim(char *buf, size_t size)
{
	struct jscan s;
	struct jtok t;

	jscan_init(&s, buf, size);
	jscan_next(&s, &t);
	if (!jscan_skip(&s, &t))
		return false;
	return jscan_next(&s, &t) == JT_END;
}

static bool contains(const char *text, const char *what)
{
	return strstr(text, what) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = fuzz_copy(data, size), *b = fuzz_copy(data, size), *c = fuzz_copy(data, size);
	json_error_t jerr;
	json_t *doc;
	size_t at = 0, at_kept = 0, at_chunked = 0;
	const char *why = walk(a, data, size, false, false, &at), *why_kept;
	bool ok = !why;

	FUZZ_ASSERT(skim(b, size) == ok);
	why_kept = walk(c, data, size, true, false, &at_kept);
	FUZZ_ASSERT(!why_kept == ok);
	/* In pieces: the same verdict, the same error at the same offset. */
	for (int keep = 0; keep <= 1; keep++) {
		const char *whole = keep ? why_kept : why, *chunked;

		memcpy(c, data, size);
		chunked = walk(c, data, size, keep, true, &at_chunked);
		FUZZ_ASSERT(!chunked == !whole);
		FUZZ_ASSERT(!chunked || (!strcmp(chunked, whole) &&
					 at_chunked == (keep ? at_kept : at)));
	}
	free(c);
	doc = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (ok && !doc)
		/* jansson's own limits: integers beyond json_int_t, reals beyond double,
		 * nesting beyond its depth limit, \u0000 in an object key. */
		FUZZ_ASSERT(contains(jerr.text, "too big") || contains(jerr.text, "overflow") ||
			    contains(jerr.text, "depth") || contains(jerr.text, "NUL byte"));
	/* jansson stops at a raw NUL byte as if the input ended there. */
	if (!ok && doc && !memchr(data, '\0', size))
		FUZZ_ASSERT(strcmp(why, "nesting too deep") == 0);
	json_decref(doc);
	free(a);
	free(b);
	return 0;
}
