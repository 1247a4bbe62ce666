#include <stdint.h>
#include <string.h>

#include "base/b64.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

enum dsck_err b64_encode(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t n = (len + 2) / 3 * 4;
	char *o;
	enum dsck_err rc = buf_grow(out, n);

	if (rc)
		return rc;
	o = out->data + out->len;
	while (len >= 3) {
		uint32_t v = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = alphabet[v >> 6 & 63];
		*o++ = alphabet[v & 63];
		p += 3;
		len -= 3;
	}
	if (len) {
		uint32_t v = (uint32_t)p[0] << 16 | (len == 2 ? (uint32_t)p[1] << 8 : 0);

		*o++ = alphabet[v >> 18];
		*o++ = alphabet[v >> 12 & 63];
		*o++ = len == 2 ? alphabet[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	out->len += n;
	out->data[out->len] = '\0';
	return DSCK_OK;
}

/* The value of one base64 character: its place in the encoding alphabet, or -1. */
static int b64_val(char c)
{
	const char *at = memchr(alphabet, c, sizeof(alphabet) - 1);

	return at ? (int)(at - alphabet) : -1;
}

bool b64_decode_inplace(char *s, size_t len, size_t *out_len)
{
	size_t o = 0, pad = 0;

	if (len % 4)
		return false;
	if (len && s[len - 1] == '=')
		pad = len >= 2 && s[len - 2] == '=' ? 2 : 1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4];
		bool last = i + 4 == len;

		for (int k = 0; k < 4; k++) {
			if (last && k >= 4 - (int)pad) {
				v[k] = 0;
				continue;
			}
			v[k] = b64_val(s[i + (size_t)k]);
			if (v[k] < 0)
				return false;
		}
		uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
			     (uint32_t)v[2] << 6 | (uint32_t)v[3];
		s[o++] = (char)(w >> 16);
		if (!(last && pad == 2))
			s[o++] = (char)(w >> 8 & 0xff);
		if (!(last && pad))
			s[o++] = (char)(w & 0xff);
		/* Padding bits must be zero: one encoding per byte string. */
		if (last && pad == 2 && (w & 0xffff))
			return false;
		if (last && pad == 1 && (w & 0xff))
			return false;
	}
	*out_len = o;
	return true;
}
