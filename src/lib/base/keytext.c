#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/keytext.h"
#include "base/utf8.h"

/* Length of the UTF-8 sequence starting at @p, 0 when it is not one. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc0 ? 2 : 0;

	return n && n <= left && utf8_valid(p, n) ? n : 0;
}

size_t keytext_step(const char *key, size_t left, char out[KEYTEXT_STEP_MAX], size_t *used)
{
	const unsigned char *k = (const unsigned char *)key;
	size_t n = k[0] >= 0x80 ? utf8_seq(k, left) : 0;

	if (n) {
		for (size_t j = 0; j < n; j++)
			out[j] = (char)k[j];
		*used = n;
		return n;
	}
	*used = 1;
	if (k[0] < 0x20 || k[0] == 0x7f || k[0] == '\\' || k[0] >= 0x80)
		return (size_t)snprintf(out, KEYTEXT_STEP_MAX, "\\x%02x", k[0]);
	out[0] = (char)k[0];
	return 1;
}

const char *keytext(struct keytext *t, const char *key, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len;) {
		char step[KEYTEXT_STEP_MAX];
		size_t used, n = keytext_step(key + i, len - i, step, &used);

		if (o + n > KEYTEXT_MAX) {
			snprintf(t->s + o, sizeof(t->s) - o, "...");
			return t->s;
		}
		memcpy(t->s + o, step, n);
		o += n;
		i += used;
	}
	t->s[o] = '\0';
	return t->s;
}

char *keytext_dup(const char *key, size_t len)
{
	char *out = malloc(4 * len + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t used;

		o += keytext_step(key + i, len - i, o, &used);
		i += used;
	}
	*o = '\0';
	return out;
}
