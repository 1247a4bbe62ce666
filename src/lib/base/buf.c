#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->data);
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

enum dsck_err buf_grow(struct buf *b, size_t extra)
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

enum dsck_err buf_append(struct buf *b, const void *p, size_t n)
{
	enum dsck_err rc = buf_grow(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return DSCK_OK;
}

enum dsck_err buf_appends(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

enum dsck_err buf_appendc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
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
