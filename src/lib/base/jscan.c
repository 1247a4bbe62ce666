#include <stdlib.h>
#include <string.h>

#include "base/jscan.h"
#include "base/jsonchar.h"
#include "base/utf8.h"

enum {
	EXP_VALUE,
	EXP_VALUE_OR_END,  /* just after '[' */
	EXP_KEY,           /* after ',' in an object */
	EXP_KEY_OR_END,    /* just after '{' */
	EXP_COMMA_OR_END,  /* after a member or element */
	EXP_DONE,          /* the top-level value is complete */
	EXP_FAILED,
};

enum { IN_OBJECT = 1, IN_ARRAY = 2 };

void jscan_init(struct jscan *s, char *data, size_t len)
{
	s->base = data;
	s->p = data;
	s->end = data + len;
	s->depth = 0;
	s->expect = EXP_VALUE;
	s->error = NULL;
	s->error_offset = 0;
	s->keep_escapes = false;
	s->more = NULL;
	s->more_ctx = NULL;
}

static enum jtok_type fail(struct jscan *s, const char *msg)
{
	if (s->expect != EXP_FAILED) {
		s->error = msg;
		s->error_offset = (size_t)(s->p - s->base);
		s->expect = EXP_FAILED;
	}
	return JT_ERROR;
}

/* Wait until @n bytes from @p have arrived; false when they never will. */
static bool wait_for(struct jscan *s, const char *p, size_t n)
{
	while ((size_t)(s->end - p) < n)
		if (!s->more || !s->more(s))
			return false;
	return true;
}

/* At least @n bytes from @p, once the input has them (jscan.more). */
static inline bool has(struct jscan *s, const char *p, size_t n)
{
	return (size_t)(s->end - p) >= n || wait_for(s, p, n);
}

/* Skip whitespace; s->p == s->end afterwards only at the end of all input. */
static void skip_ws(struct jscan *s)
{
	do {
		while (s->p < s->end &&
		       (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
			s->p++;
	} while (s->p == s->end && s->more && s->more(s));
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool read_hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;

	if (end - p < 4)
		return false;
	for (int i = 0; i < 4; i++) {
		int h = hexval(p[i]);

		if (h < 0)
			return false;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return true;
}

/*
 * Move @n bytes down to @dst < @src. The runs between escapes are short
 * (JSON values full of \"), where a word loop beats a memmove call; each
 * word is loaded before the store that may overlap it.
 */
static inline void move_down(char *dst, const char *src, size_t n)
{
	uint64_t v;

	if (n > 64) {
		memmove(dst, src, n);
		return;
	}
	for (; n >= 8; n -= 8, dst += 8, src += 8) {
		memcpy(&v, src, 8);
		memcpy(dst, &v, 8);
	}
	while (n--)
		*dst++ = *src++;
}

/* The next byte at or after @p that ends a plain run; *high as json_plain_run_high's. */
static inline char *next_special(char *p, const char *end, unsigned *high)
{
	return p + json_plain_run_high(p, (size_t)(end - p), high);
}

/* An escape jsonw_string writes as it is: \" \\ \n \r \t \b \f (after the backslash). */
static inline bool short_escape(char c)
{
	switch (c) {
	case '"': case '\\': case 'n': case 'r': case 't': case 'b': case 'f':
		return true;
	default:
		return false;
	}
}

/*
 * Check the string starting after the opening quote without decoding it.
 * True, with s->p past the closing quote, when its only escapes are the
 * short ones jsonw_string writes (\" \\ \n \r \t \b \f) and the text is
 * UTF-8: it can be kept escaped. False (s->p unchanged) otherwise, for the
 * decoding scan to take over and say what is wrong, if anything. Values
 * full of \" are the common case, so escapes are found 16 bytes at a time.
 */
static bool keep_escaped(struct jscan *s, struct jtok *t, enum jtok_type type)
{
	char *p = s->p, *start = s->p;
	unsigned high = 0;
	bool escaped = false;

	for (;;) {
#ifdef __SSE2__
		/* Every escape of a block from one load: most values hold many. */
		while (s->end - p >= 17) {
			unsigned m = json_special16(p, &high);
			int j = -1;

			while (m) {
				j = __builtin_ctz(m);
				if (p[j] != '\\' || j == 15)
					break;
				if (!short_escape(p[j + 1]))
					return false;
				escaped = true;
				m &= ~(3u << j);   /* the backslash and the byte it escapes */
				j = -1;
			}
			if (j < 0) {
				p += 16;
				continue;
			}
			p += j;   /* a quote, a control byte, or an escape across the block's end */
			if (*p != '\\')
				break;
			if (!short_escape(p[1]))
				return false;
			escaped = true;
			p += 2;
		}
#endif
		p = next_special(p, s->end, &high);
		if (p >= s->end) {
			if (has(s, p, 1))
				continue;   /* more input arrived: on with the blocks */
			return false;
		}
		if ((unsigned char)*p < 0x20)
			return false;
		if (*p == '"')
			break;
		if (!has(s, p, 2) || !short_escape(p[1]))
			return false;
		escaped = true;
		p += 2;
	}
	if (high && !utf8_valid((const unsigned char *)start, (size_t)(p - start)))
		return false;
	*p = '\0';   /* the closing quote: NUL-terminated like a decoded string */
	s->p = p + 1;
	t->str = start;
	t->len = (size_t)(p - start);
	t->escaped = escaped;
	t->type = type;
	return true;
}

/* Decode the string starting after the opening quote, in place. */
static enum jtok_type scan_string(struct jscan *s, struct jtok *t,
				  enum jtok_type type)
{
	char *out = s->p, *start = s->p;
	unsigned high = 0;

	if (s->keep_escapes && type == JT_STRING && keep_escaped(s, t, type))
		return type;

	for (;;) {
		char *run = s->p;

		/* Copy the plain run in one go: the common case. */
		s->p = next_special(s->p, s->end, &high);
		if (out != run)
			move_down(out, run, (size_t)(s->p - run));
		out += s->p - run;
		if (s->p >= s->end) {
			if (has(s, s->p, 1))
				continue;
			return fail(s, "unterminated string");
		}
		if (*s->p == '"')
			break;
		if ((unsigned char)*s->p < 0x20)
			return fail(s, "control character in string");
		/* Backslash escape. */
		if (!has(s, s->p, 2))
			return fail(s, "unterminated string");
		char e = s->p[1];
		s->p += 2;
		switch (e) {
		case '"': *out++ = '"'; break;
		case '\\': *out++ = '\\'; break;
		case '/': *out++ = '/'; break;
		case 'b': *out++ = '\b'; break;
		case 'f': *out++ = '\f'; break;
		case 'n': *out++ = '\n'; break;
		case 'r': *out++ = '\r'; break;
		case 't': *out++ = '\t'; break;
		case 'u': {
			unsigned cp, lo;

			if (!has(s, s->p, 4) || !read_hex4(s->p, s->end, &cp))
				return fail(s, "bad \\u escape");
			s->p += 4;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (!has(s, s->p, 6) || s->p[0] != '\\' || s->p[1] != 'u' ||
				    !read_hex4(s->p + 2, s->end, &lo) ||
				    lo < 0xdc00 || lo > 0xdfff)
					return fail(s, "unpaired surrogate in \\u escape");
				s->p += 6;
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp <= 0xdfff) {
				return fail(s, "unpaired surrogate in \\u escape");
			}
			out += utf8_encode(cp, out);
			high = 1;
			break;
		}
		default:
			s->p -= 2;
			return fail(s, "bad escape in string");
		}
	}
	/* s->p is at the closing quote; out <= s->p, so the NUL fits. */
	s->p++;
	*out = '\0';
	t->str = start;
	t->len = (size_t)(out - start);
	if (high && !utf8_valid((const unsigned char *)start, t->len)) {
		s->p = start;
		return fail(s, "invalid UTF-8 in string");
	}
	t->type = type;
	return type;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static enum jtok_type scan_number(struct jscan *s, struct jtok *t)
{
	char *start = s->p;

	if (has(s, s->p, 1) && *s->p == '-')
		s->p++;
	if (!has(s, s->p, 1) || !is_digit(*s->p))
		return fail(s, "bad number");
	if (*s->p == '0')
		s->p++;
	else
		while (has(s, s->p, 1) && is_digit(*s->p))
			s->p++;
	if (has(s, s->p, 1) && *s->p == '.') {
		s->p++;
		if (!has(s, s->p, 1) || !is_digit(*s->p))
			return fail(s, "bad number");
		while (has(s, s->p, 1) && is_digit(*s->p))
			s->p++;
	}
	if (has(s, s->p, 1) && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (has(s, s->p, 1) && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!has(s, s->p, 1) || !is_digit(*s->p))
			return fail(s, "bad number");
		while (has(s, s->p, 1) && is_digit(*s->p))
			s->p++;
	}
	t->str = start;
	t->len = (size_t)(s->p - start);
	t->type = JT_NUMBER;
	return JT_NUMBER;
}

static enum jtok_type scan_literal(struct jscan *s, struct jtok *t,
				   const char *word, enum jtok_type type)
{
	size_t n = strlen(word);

	if (!has(s, s->p, n) || memcmp(s->p, word, n) != 0)
		return fail(s, "unexpected character");
	t->str = s->p;
	t->len = n;
	s->p += n;
	t->type = type;
	return type;
}

static void after_value(struct jscan *s)
{
	s->expect = s->depth ? EXP_COMMA_OR_END : EXP_DONE;
}

static enum jtok_type scan_value(struct jscan *s, struct jtok *t)
{
	enum jtok_type type;

	if (s->p >= s->end)
		return fail(s, "unexpected end of input");
	switch (*s->p) {
	case '{':
	case '[':
		if (s->depth >= JSCAN_MAX_DEPTH)
			return fail(s, "nesting too deep");
		s->stack[s->depth++] = *s->p == '{' ? IN_OBJECT : IN_ARRAY;
		s->expect = *s->p == '{' ? EXP_KEY_OR_END : EXP_VALUE_OR_END;
		t->type = *s->p == '{' ? JT_OBJECT : JT_ARRAY;
		t->str = s->p++;
		t->len = 1;
		return t->type;
	case '"':
		s->p++;
		type = scan_string(s, t, JT_STRING);
		break;
	case 't':
		type = scan_literal(s, t, "true", JT_TRUE);
		break;
	case 'f':
		type = scan_literal(s, t, "false", JT_FALSE);
		break;
	case 'n':
		type = scan_literal(s, t, "null", JT_NULL);
		break;
	default:
		type = scan_number(s, t);
		break;
	}
	if (type != JT_ERROR)
		after_value(s);
	return type;
}

static enum jtok_type close_container(struct jscan *s, struct jtok *t)
{
	char c = *s->p;

	if (s->stack[s->depth - 1] != (c == '}' ? IN_OBJECT : IN_ARRAY))
		return fail(s, "mismatched bracket");
	s->depth--;
	t->type = c == '}' ? JT_OBJECT_END : JT_ARRAY_END;
	t->str = s->p++;
	t->len = 1;
	after_value(s);
	return t->type;
}

enum jtok_type jscan_next(struct jscan *s, struct jtok *t)
{
	t->str = NULL;
	t->len = 0;
	t->escaped = false;
	for (;;) {
		skip_ws(s);
		switch (s->expect) {
		case EXP_FAILED:
			return t->type = JT_ERROR;
		case EXP_DONE:
			if (s->p != s->end)
				return t->type = fail(s, "trailing data after JSON value");
			return t->type = JT_END;
		case EXP_VALUE:
			return scan_value(s, t);
		case EXP_VALUE_OR_END:
			if (s->p < s->end && *s->p == ']')
				return close_container(s, t);
			return scan_value(s, t);
		case EXP_KEY_OR_END:
			if (s->p < s->end && *s->p == '}')
				return close_container(s, t);
			__attribute__((fallthrough));
		case EXP_KEY:
			if (s->p >= s->end || *s->p != '"')
				return t->type = fail(s, "expected member name");
			s->p++;
			if (scan_string(s, t, JT_KEY) == JT_ERROR)
				return JT_ERROR;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return t->type = fail(s, "expected ':'");
			s->p++;
			s->expect = EXP_VALUE;
			return JT_KEY;
		case EXP_COMMA_OR_END:
			if (s->p >= s->end)
				return t->type = fail(s, "unexpected end of input");
			if (*s->p == '}' || *s->p == ']')
				return close_container(s, t);
			if (*s->p != ',')
				return t->type = fail(s, "expected ',' or closing bracket");
			s->p++;
			s->expect = s->stack[s->depth - 1] == IN_OBJECT ? EXP_KEY : EXP_VALUE;
			continue;
		}
	}
}

bool jscan_skip(struct jscan *s, const struct jtok *t)
{
	struct jtok tmp;
	int depth;

	if (t->type == JT_ERROR)
		return false;
	if (t->type != JT_OBJECT && t->type != JT_ARRAY)
		return true;
	depth = s->depth - 1;
	while (s->depth > depth)
		if (jscan_next(s, &tmp) == JT_ERROR)
			return false;
	return true;
}

bool jtok_int64(const struct jtok *t, int64_t *out)
{
	const char *p, *e;
	bool neg;
	uint64_t v = 0, lim;

	/* Digits only, no fraction or exponent, in range: by hand, not strtoll,
	 * as every index of a v2 listing comes through here. */
	if (t->type != JT_NUMBER || !t->str)
		return false;
	p = t->str;
	e = t->str + t->len;
	neg = p < e && *p == '-';
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	p += neg;
	if (p == e)
		return false;
	for (; p < e; p++) {
		unsigned d = (unsigned)(unsigned char)*p - '0';

		if (d > 9 || v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (v ? -(int64_t)(v - 1) - 1 : 0) : (int64_t)v;
	return true;
}

