/*
 * keytext: a key (arbitrary bytes) as text that is safe to show on a
 * terminal: control bytes, backslashes and bytes that are not UTF-8 are
 * written as \xNN, and long keys are cut with "...". A forged key can then
 * never start a new output line or send escape sequences (docs/restore-safety.md).
 */
#ifndef DSCK_KEYTEXT_H
#define DSCK_KEYTEXT_H

#include <stddef.h>

#define KEYTEXT_MAX 600

struct keytext {
	char s[KEYTEXT_MAX + 8];
};

/* The longest text one step can give (a 4-byte UTF-8 sequence, or "\xNN"). */
#define KEYTEXT_STEP_MAX 8

/*
 * One step of the escaping, the one rule every place that shows a key or a
 * value uses: the text for the bytes at @key (a whole UTF-8 sequence, or one
 * byte) into @out, returning its length; *used is how many bytes it covers.
 */
size_t keytext_step(const char *key, size_t left, char out[KEYTEXT_STEP_MAX], size_t *used);
/* Render @key into @t, cut with "..." past KEYTEXT_MAX (valid while @t lives). */
const char *keytext(struct keytext *t, const char *key, size_t len);
/* The whole key escaped, in memory the caller frees; NULL when out of memory. */
char *keytext_dup(const char *key, size_t len);

#endif
