#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/jsonchar.h"
#include "base/jsonw.h"

static const char hex[] = "0123456789abcdef";

enum dsck_err jsonw_string(struct buf *b, const char *s, size_t len)
{
	enum dsck_err rc;
	size_t i = 0;

	/*
	 * Room for the quotes and the string as it is; each escape makes sure
	 * of room for itself plus the rest. Written in place: this is the inner
	 * loop of every snapshot written.
	 */
	if ((rc = buf_grow(b, len + 2)))
		return rc;
	b->data[b->len++] = '"';
	for (;;) {
		size_t run = json_plain_run(s + i, len - i);

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
