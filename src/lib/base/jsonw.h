/*
 * jsonw: the fast path for writing JSON text into a buf. Used where records
 * stream out (snapshots, ls -o json) and a jansson DOM per record would cost
 * more than the I/O. Documents are built with jansson elsewhere.
 */
#ifndef DSCK_JSONW_H
#define DSCK_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"

/* Append @s (valid UTF-8, may contain NUL) as a quoted, escaped JSON string. */
enum dsck_err jsonw_string(struct buf *b, const char *s, size_t len);
/*
 * As jsonw_string, for bytes that may not be UTF-8: those are checked in the
 * same pass (only when a byte is not ASCII); when they are not UTF-8 nothing
 * is written and DSCK_ERR_INPUT is returned.
 */
enum dsck_err jsonw_string_utf8(struct buf *b, const char *s, size_t len);
/* Append "name": (with a leading comma unless @first). */
enum dsck_err jsonw_key(struct buf *b, const char *name, int first);
/* jsonw_key for a name that needs no escaping (a literal): inline, one copy. */
static inline enum dsck_err jsonw_key_plain(struct buf *b, const char *name, int first)
{
	size_t n = strlen(name);
	enum dsck_err rc = buf_grow(b, n + 4);
	char *o;

	if (rc)
		return rc;
	o = b->data + b->len;
	if (!first)
		*o++ = ',';
	*o++ = '"';
	memcpy(o, name, n);
	o += n;
	*o++ = '"';
	*o++ = ':';
	*o = '\0';
	b->len = (size_t)(o - b->data);
	return DSCK_OK;
}
enum dsck_err jsonw_int(struct buf *b, int64_t v);

#endif
