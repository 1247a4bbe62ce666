/*
 * b64: standard base64 (RFC 4648, with padding) for binary keys and values
 * in JSON. Decoding is strict: wrong length, bad characters or non-zero
 * padding bits are rejected, so a damaged snapshot never decodes "almost".
 */
#ifndef DSCK_B64_H
#define DSCK_B64_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

enum dsck_err b64_encode(struct buf *out, const void *data, size_t len);
/* Decode in place; on success *out_len is the decoded length. */
bool b64_decode_inplace(char *s, size_t len, size_t *out_len);

#endif
