#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "base/buf.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
	b->mapped = false;
}

/*
 * Below this a reservation buys nothing. Above it, filling a buffer that
 * realloc moves and the kernel faults in 4 KiB at a time was a fifth of
 * `snapshot save --api v2` (docs/benchmarks.md).
 */
#define RESERVE_FROM ((size_t)64 << 20)

void buf_init_reserved(struct buf *b, size_t max)
{
	void *p;

	buf_init(b, max);
	if (max < RESERVE_FROM || max == SIZE_MAX)
		return;
	p = mmap(NULL, max + 1, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return;
#ifdef MADV_HUGEPAGE
	(void)madvise(p, max + 1, MADV_HUGEPAGE);   /* advice: refused is fine */
#endif
	b->data = p;
	b->data[0] = '\0';
	b->alloc = max + 1;
	b->mapped = true;
}

void buf_release(struct buf *b)
{
	if (b->mapped)
		munmap(b->data, b->alloc);
	else
		free(b->data);
	b->mapped = false;
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

enum dsck_err buf_grow_slow(struct buf *b, size_t extra)
{
	size_t need, n;
	char *p;

	if (extra > b->max || b->len > b->max - extra)
		return DSCK_ERR_TOO_LARGE;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return DSCK_OK;
	/* Grow by half: large buffers are realloc'd via mremap, small ones cheaply. */
	n = b->alloc < 64 ? 64 : b->alloc + b->alloc / 2;
	if (n < need)
		n = need;
	p = realloc(b->data, n);
	if (!p)
		return DSCK_ERR_NOMEM;
	p[b->len] = '\0';
	b->data = p;
	b->alloc = n;
	return DSCK_OK;
}

enum dsck_err buf_appends(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum dsck_err buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum dsck_err rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return DSCK_ERR_NOMEM;
	rc = buf_grow(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return DSCK_OK;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (!b->data && buf_grow(b, 0))
		return NULL;
	if (b->mapped) {
		/* The caller frees with free(): hand over a malloc'd copy. */
		if (!(p = malloc(b->len + 1)))
			return NULL;
		memcpy(p, b->data, b->len + 1);
		if (len)
			*len = b->len;
		buf_release(b);
		return p;
	}
	p = b->data;
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

const char *buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}
