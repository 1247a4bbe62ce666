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

/* Render @key into @t and return the text (valid while @t lives). */
const char *keytext(struct keytext *t, const char *key, size_t len);

#endif
