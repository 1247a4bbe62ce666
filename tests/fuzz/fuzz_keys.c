/*
 * Fuzz the key rules and the key text (docs/restore-safety.md): any bytes as
 * a key. The v2 rule must agree with a plain restatement of it (a '/'-path
 * with no empty, "." or ".." segment, no control byte, valid UTF-8), and the
 * text shown for a key must never hold a control byte, so no key can forge
 * an output line or a terminal escape.
 */
#include <stdbool.h>
#include <string.h>

#include "base/keytext.h"
#include "base/utf8.h"
#include "store/record.h"
#include "fuzz.h"

static bool v2_model(const char *k, size_t n)
{
	size_t seg = 1;

	if (!n || k[0] != '/')
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)k[i] < 0x20 || k[i] == 0x7f)
			return false;
	if (!utf8_valid((const unsigned char *)k, n))
		return false;
	if (n == 1)
		return true;
	for (size_t i = 1; i <= n; i++) {
		if (i < n && k[i] != '/')
			continue;
		if (i == seg || (i - seg == 1 && !memcmp(k + seg, ".", 1)) ||
		    (i - seg == 2 && !memcmp(k + seg, "..", 2)))
			return false;
		seg = i + 1;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *k = (const char *)data;
	const char *why = NULL;
	struct keytext t;
	const char *s;

	FUZZ_ASSERT(record_key_storable(DSCK_API_V2, k, size, &why) == v2_model(k, size));
	FUZZ_ASSERT(record_key_storable(DSCK_API_V3, k, size, &why) == (size > 0));
	s = keytext(&t, k, size);
	FUZZ_ASSERT(strlen(s) <= KEYTEXT_MAX + 3);
	for (const char *p = s; *p; p++)
		FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
	FUZZ_ASSERT(utf8_valid((const unsigned char *)s, strlen(s)));
	return 0;
}
