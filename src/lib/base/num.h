/*
 * num: whole numbers given by people (option values, settings), parsed with
 * their range: digits only, no sign, no spaces, no overflow. A refusal names
 * the option, the value and the range (docs/conventions.md).
 */
#ifndef DSCK_NUM_H
#define DSCK_NUM_H

#include <stdint.h>

#include "base/err.h"

/* UINT64_MAX as @max: no upper limit but overflow ("N or more"). */
enum dsck_err num_parse_u64(const char *name, const char *text, uint64_t min, uint64_t max,
			    uint64_t *out, struct dsck_error *err);

#endif
