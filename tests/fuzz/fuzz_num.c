/*
 * Fuzz the whole-number parser of numeric options (base/num.c): the input
 * is the option value. What it accepts is digits only and within the range;
 * what it refuses leaves the output untouched and says why.
 */
#include <stdlib.h>
#include <string.h>

#include "base/num.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t ranges[][2] = { { 1, 1000000 }, { 4096, UINT64_MAX }, { 0, 0 } };
	char *text = malloc(size + 1);

	if (!text)
		abort();
	memcpy(text, data, size);   /* a C string, as argv gives it */
	text[size] = '\0';
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		struct dsck_error err = DSCK_ERROR_INIT;
		uint64_t v = 42;

		if (num_parse_u64("--n", text, ranges[r][0], ranges[r][1], &v, &err) == DSCK_OK) {
			FUZZ_ASSERT(v >= ranges[r][0] && v <= ranges[r][1]);
			FUZZ_ASSERT(*text && strspn(text, "0123456789") == strlen(text));
			FUZZ_ASSERT(strtoull(text, NULL, 10) == v);
		} else {
			FUZZ_ASSERT(err.code == DSCK_ERR_USAGE && strstr(err.msg, "invalid --n '"));
			FUZZ_ASSERT(v == 42);
		}
	}
	free(text);
	return 0;
}
