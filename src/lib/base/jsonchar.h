/*
 * jsonchar: the length of a run of bytes that need no escaping in a JSON
 * string (not '"', not '\\', not a control byte), 16 bytes at a time with
 * SSE2, eight elsewhere.
 * Reading and writing JSON strings both spend most of their time here.
 */
#ifndef DSCK_JSONCHAR_H
#define DSCK_JSONCHAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define JSONCHAR_ONES 0x0101010101010101ULL
#define JSONCHAR_HIGH 0x8080808080808080ULL

#ifdef __SSE2__
/*
 * Bits for the bytes of p[0..16) that end a plain run, and in *high those
 * with the top bit set (not ASCII).
 */
static inline unsigned json_special16(const char *p, unsigned *high)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p);
	__m128i q = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
	__m128i b = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
	/* Unsigned v <= 0x1f: max(v, 0x1f) == 0x1f. */
	__m128i c = _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f));

	*high |= (unsigned)_mm_movemask_epi8(v);
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(q, b), c));
}
#endif

/*
 * The length of the plain run at @p; *high becomes non-zero when a byte of
 * it (or, with SSE2, of the 16-byte block that ends it) is not ASCII, so a
 * caller may skip UTF-8 validation of an ASCII string.
 */
static inline size_t json_plain_run_high(const char *p, size_t len, unsigned *high)
{
	size_t i = 0;

#ifdef __SSE2__
	for (; i + 16 <= len; i += 16) {
		unsigned m = json_special16(p + i, high);

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#endif
	for (; i + 8 <= len; i += 8) {
		uint64_t v, q, b, c;

		memcpy(&v, p + i, 8);
		q = v ^ (JSONCHAR_ONES * '"');
		b = v ^ (JSONCHAR_ONES * '\\');
		/* A zero byte in q or b, or a byte below 0x20 in v (bytes >= 0x80 never match). */
		c = ((q - JSONCHAR_ONES) & ~q) | ((b - JSONCHAR_ONES) & ~b) |
		    ((v - JSONCHAR_ONES * 0x20) & ~v);
		if (c & JSONCHAR_HIGH)
			break;
		*high |= (v & JSONCHAR_HIGH) != 0;
	}
	for (; i < len && p[i] != '"' && p[i] != '\\' && (unsigned char)p[i] >= 0x20; i++)
		*high |= (unsigned char)p[i] >> 7;
	return i;
}

static inline size_t json_plain_run(const char *p, size_t len)
{
	unsigned high = 0;

	return json_plain_run_high(p, len, &high);
}

/* True when every byte of the 8 at @p is ASCII. */
static inline int json_ascii8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return !(v & JSONCHAR_HIGH);
}

#endif
