#include <inttypes.h>
#include <stdio.h>

#include "base/num.h"

/* Why @text is not a whole number, or NULL when it is; the value in @v. */
static const char *digits(const char *text, uint64_t *v)
{
	const char *p = text;

	*v = 0;
	if (!*p)
		return "empty";
	if (*p == '-' && p[1] >= '0' && p[1] <= '9')
		return "negative";
	for (; *p; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (d > 9)
			return "not a whole number";
		if (*v > (UINT64_MAX - d) / 10)
			return "too large for a 64-bit number";
		*v = *v * 10 + d;
	}
	return NULL;
}

enum dsck_err num_parse_u64(const char *name, const char *text, uint64_t min, uint64_t max,
			    uint64_t *out, struct dsck_error *err)
{
	char range[64];
	const char *why;
	uint64_t v;

	if (max == UINT64_MAX)
		snprintf(range, sizeof(range), "%" PRIu64 " or more", min);
	else
		snprintf(range, sizeof(range), "%" PRIu64 "..%" PRIu64, min, max);
	why = digits(text, &v);
	if (!why && v < min)
		why = "too small";
	if (!why && v > max)
		why = "too large";
	if (why)
		return dsck_fail(err, DSCK_ERR_USAGE, "invalid %s '%s': %s (expected %s)", name, text,
				 why, range);
	*out = v;
	return DSCK_OK;
}
