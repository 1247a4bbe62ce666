/*
 * utf8: strict UTF-8 validation and encoding. JSON strings in snapshots and
 * output must be valid UTF-8; anything else is carried as base64.
 */
#ifndef DSCK_UTF8_H
#define DSCK_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when @s is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF). */
bool utf8_valid(const unsigned char *s, size_t len);
/* Write code point @cp (<= U+10FFFF) to @out; returns the byte count (1..4). */
size_t utf8_encode(unsigned cp, char *out);

#endif
