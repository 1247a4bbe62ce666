#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonchar.h"
#include "base/jsonw.h"
#include "base/utf8.h"

static const char hex[] = "0123456789abcdef";

/* @high: NULL, or set non-zero when a byte of @s is not ASCII. */
static enum dsck_err write_string(struct buf *b, const char *s, size_t len, unsigned *high)
{
	unsigned ignored = 0;
	enum dsck_err rc;
	size_t i = 0;

	if (!high)
		high = &ignored;
	/*
	 * Room for the quotes and the string as it is; each escape makes sure
	 * of room for itself plus the rest. Written in place: this is the inner
	 * loop of every snapshot written.
	 */
	if ((rc = buf_grow(b, len + 2)))
		return rc;
	b->data[b->len++] = '"';
	for (;;) {
		size_t run = json_plain_run_high(s + i, len - i, high);

		memcpy(b->data + b->len, s + i, run);
		b->len += run;
		i += run;
		if (i == len)
			break;
		if ((rc = buf_grow(b, len - i + 6 + 1)))
			return rc;

		unsigned char c = (unsigned char)s[i++];
		char *o = b->data + b->len;

		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = hex[c >> 4];
			o[4] = hex[c & 15];
			o += 5;
		}
		b->len = (size_t)(o - b->data);
	}
	b->data[b->len++] = '"';
	b->data[b->len] = '\0';
	return DSCK_OK;
}

enum dsck_err jsonw_string(struct buf *b, const char *s, size_t len)
{
	return write_string(b, s, len, NULL);
}

enum dsck_err jsonw_string_utf8(struct buf *b, const char *s, size_t len)
{
	size_t start = b->len;
	unsigned high = 0;
	enum dsck_err rc = write_string(b, s, len, &high);

	if (rc || !high || utf8_valid((const unsigned char *)s, len))
		return rc;
	b->len = start;
	b->data[start] = '\0';
	return DSCK_ERR_INPUT;
}

enum dsck_err jsonw_key(struct buf *b, const char *name, int first)
{
	size_t n = strlen(name);
	enum dsck_err rc;

	if (json_plain_run(name, n) == n)
		return jsonw_key_plain(b, name, first);
	if ((!first && (rc = buf_appendc(b, ','))) || (rc = jsonw_string(b, name, n)))
		return rc;
	return buf_appendc(b, ':');
}

enum dsck_err jsonw_int(struct buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

	/* By hand: snprintf was a tenth of writing a v2 snapshot. */
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10));
	if (v < 0)
		*--p = '-';
	return buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}
