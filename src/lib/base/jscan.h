/*
 * jscan: a strict, in-place JSON pull parser.
 *
 * Why not jansson everywhere: a recursive v2 listing of 100,000 keys is one
 * 64 MB document, and a 1M-record snapshot is read line by line at disk
 * speed. A DOM costs several times the input; this scanner costs nothing
 * beyond the input buffer. Strings are unescaped in place (an escape is never
 * shorter than what it decodes to), NUL-terminated, and returned as pointers
 * into the buffer, so they stay valid as long as the buffer does.
 *
 * The scanner validates the whole grammar (structure, numbers, escapes,
 * UTF-8, no trailing data) and caps nesting depth. After JT_ERROR, error and
 * error_offset say what and where; the buffer contents are then unspecified.
 */
#ifndef DSCK_JSCAN_H
#define DSCK_JSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSCAN_MAX_DEPTH 512

enum jtok_type {
	JT_ERROR = 0,
	JT_END,          /* the top-level value is complete and only whitespace follows */
	JT_OBJECT,
	JT_OBJECT_END,
	JT_ARRAY,
	JT_ARRAY_END,
	JT_KEY,          /* an object member name (str/len) */
	JT_STRING,
	JT_NUMBER,       /* str/len hold the number's text, not NUL-terminated */
	JT_TRUE,
	JT_FALSE,
	JT_NULL,
};

struct jtok {
	enum jtok_type type;
	char *str;
	size_t len;
	bool escaped;    /* JT_STRING kept as its JSON text (keep_escapes) */
};

struct jscan {
	char *base;
	char *p;
	char *end;
	int depth;
	int expect;
	uint8_t stack[JSCAN_MAX_DEPTH];
	const char *error;
	size_t error_offset;
	/*
	 * Set by the caller for the next string value: a string whose only
	 * escapes are those jsonw_string writes is returned as its JSON text,
	 * NUL-terminated, with t->escaped when it has any; others are decoded.
	 * The snapshot writer then copies it as it is (docs/benchmarks.md).
	 */
	bool keep_escapes;
	/*
	 * Input still arriving (a v2 listing is parsed while it is received,
	 * docs/architecture.md): when set, the scanner calls more() whenever it
	 * needs a byte at or past end. more() waits until the input grows and
	 * moves end on, or returns false once no more will come. The bytes
	 * before end never change under the scanner.
	 */
	bool (*more)(struct jscan *s);
	void *more_ctx;
};

void jscan_init(struct jscan *s, char *data, size_t len);
/* The next token; JT_ERROR and JT_END are sticky. */
enum jtok_type jscan_next(struct jscan *s, struct jtok *t);
/* Skip the rest of the value whose first token is @t; false on error. */
bool jscan_skip(struct jscan *s, const struct jtok *t);
/* Parse a JT_NUMBER token as a signed 64-bit integer (no fraction/exponent). */
bool jtok_int64(const struct jtok *t, int64_t *out);
/* True when the token's text is exactly @s; inline, so strlen of a literal folds. */
static inline bool jtok_is(const struct jtok *t, const char *s)
{
	size_t n = strlen(s);

	return t->len == n && memcmp(t->str, s, n) == 0;
}

#endif
