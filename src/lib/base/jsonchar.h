/*
 * jsonchar: the length of a run of bytes that need no escaping in a JSON
 * string (not '"', not '\\', not a control byte), eight bytes at a time.
 * Reading and writing JSON strings both spend most of their time here.
 */
#ifndef DSCK_JSONCHAR_H
#define DSCK_JSONCHAR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSONCHAR_ONES 0x0101010101010101ULL
#define JSONCHAR_HIGH 0x8080808080808080ULL

static inline size_t json_plain_run(const char *p, size_t len)
{
	size_t i = 0;

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
	}
	while (i < len && p[i] != '"' && p[i] != '\\' && (unsigned char)p[i] >= 0x20)
		i++;
	return i;
}

/* True when every byte of the 8 at @p is ASCII. */
static inline int json_ascii8(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return !(v & JSONCHAR_HIGH);
}

#endif
