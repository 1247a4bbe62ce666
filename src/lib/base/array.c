#include <stdlib.h>

#include "base/array.h"

bool array_grow(void *items, size_t *alloc, size_t n, size_t size)
{
	void **p = items, *bigger;
	size_t want = *alloc ? 2 * *alloc : 16;

	if (n < *alloc)
		return true;
	if (!(bigger = reallocarray(*p, want, size)))
		return false;
	*p = bigger;
	*alloc = want;
	return true;
}

void array_free(void *items, size_t n, size_t size, void (*release)(void *elem))
{
	char *p = items;

	for (size_t i = 0; i < n; i++)
		release(p + i * size);
	free(items);
}
