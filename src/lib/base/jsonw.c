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

	/* Worst case is 6 bytes per input byte; reserve the common case. */
	if ((rc = buf_grow(b, len + 2)))
		return rc;
	b->data[b->len++] = '"';
	while (i < len) {
		size_t run = i + json_plain_run(s + i, len - i);

		if ((rc = buf_append(b, s + i, run - i)))
			return rc;
		if (run == len)
			break;
		unsigned char c = (unsigned char)s[run];
		char esc[7] = { '\\', 0 };
		size_t n = 2;

		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			n = 6;
		}
		if ((rc = buf_append(b, esc, n)))
			return rc;
		i = run + 1;
	}
	return buf_appendc(b, '"');
}

enum dsck_err jsonw_key(struct buf *b, const char *name, int first)
{
	enum dsck_err rc;

	if (!first && (rc = buf_appendc(b, ',')))
		return rc;
	if ((rc = jsonw_string(b, name, strlen(name))))
		return rc;
	return buf_appendc(b, ':');
}

enum dsck_err jsonw_int(struct buf *b, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);

	return buf_append(b, tmp, (size_t)n);
}
