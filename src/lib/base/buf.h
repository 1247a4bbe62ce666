/*
 * buf: a growable byte buffer with a hard size cap.
 *
 * Invariants: after buf_init, data is either NULL (nothing allocated yet) or
 * NUL-terminated at len; len + 1 <= alloc; len never exceeds max. Appending
 * past max fails with DSCK_ERR_TOO_LARGE instead of growing without bound, so
 * every network-sized buffer states its limit where it is created.
 */
#ifndef DSCK_BUF_H
#define DSCK_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "base/err.h"

struct buf {
	char *data;
	size_t len;
	size_t alloc;
	size_t max;
	bool mapped;     /* data is a reservation of max + 1 bytes (buf_init_reserved) */
};

#define BUF_INIT(max_) { NULL, 0, 0, (max_), false }

void buf_init(struct buf *b, size_t max);
/*
 * As buf_init, for a buffer that may fill to tens of MiB (a whole v2
 * listing): address space for @max bytes is reserved at once, so the buffer
 * never moves while it grows, and huge pages are asked for. Memory is still
 * only used as it is written. Falls back to buf_init where that is refused.
 */
void buf_init_reserved(struct buf *b, size_t max);
/* Free the memory; the buffer is empty and reusable afterwards. */
void buf_release(struct buf *b);
/* Keep the memory, drop the contents. */
void buf_reset(struct buf *b);
enum dsck_err buf_grow_slow(struct buf *b, size_t extra);
/*
 * Make room for @extra more bytes (plus the NUL). Inline where there is
 * room already: the snapshot writer asks once a field.
 */
static inline enum dsck_err buf_grow(struct buf *b, size_t extra)
{
	/* Not past max, and len + extra + 1 <= alloc, without overflow. */
	if (extra <= b->max && b->len <= b->max - extra && extra < b->alloc &&
	    b->len < b->alloc - extra)
		return DSCK_OK;
	return buf_grow_slow(b, extra);
}
static inline enum dsck_err buf_append(struct buf *b, const void *p, size_t n)
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

static inline enum dsck_err buf_appendc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

enum dsck_err buf_appends(struct buf *b, const char *s);
enum dsck_err buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Give the memory to the caller (never NULL on success); b is reset. */
char *buf_detach(struct buf *b, size_t *len);
/* The contents as a C string ("" when nothing was appended). */
const char *buf_str(const struct buf *b);

#endif
