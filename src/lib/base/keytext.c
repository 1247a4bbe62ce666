#include <stdbool.h>
#include <stdio.h>

#include "base/keytext.h"
#include "base/utf8.h"

/* Length of the UTF-8 sequence starting at @p, 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;

	return n && n <= left && utf8_valid(p, n) ? n : 0;
}

const char *keytext(struct keytext *t, const char *key, size_t len)
{
	const unsigned char *k = (const unsigned char *)key;
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		size_t n = k[i] >= 0x80 ? utf8_seq(k + i, len - i) : 0;

		if (o + 4 > KEYTEXT_MAX) {
			snprintf(t->s + o, sizeof(t->s) - o, "...");
			return t->s;
		}
		if (n) {
			for (size_t j = 0; j < n; j++)
				t->s[o++] = (char)k[i + j];
			i += n;
		} else if (k[i] < 0x20 || k[i] == 0x7f || k[i] == '\\' || k[i] >= 0x80) {
			o += (size_t)snprintf(t->s + o, sizeof(t->s) - o, "\\x%02x", k[i]);
			i++;
		} else {
			t->s[o++] = (char)k[i++];
		}
	}
	t->s[o] = '\0';
	return t->s;
}
