/*
 * diff: streaming merge of two sorted record sources (docs/diff.md). Key sets and
 * values are compared; revisions and indexes are per store and never are.
 * v2 directories are ignored when the other side is v3 (the v3 keyspace is
 * flat). Each difference is handed to a callback as it is found, so memory
 * does not grow with the size of the stores.
 */
#ifndef DSCK_DIFF_H
#define DSCK_DIFF_H

#include <stddef.h>

#include "calico/counts.h"
#include "store/source.h"

enum diff_kind { DIFF_ADDED, DIFF_REMOVED, DIFF_CHANGED };

/*
 * Keys and directories are counted apart (docs/json.md, "Counts"): a key
 * that is a directory on one side only is a changed key.
 */
struct diff_summary {
	size_t added, removed, changed, same;          /* keys */
	size_t dirs_added, dirs_removed, dirs_same;     /* v2 directories */
	struct counts a, b;                            /* what each side holds */
};

/* @a is NULL for DIFF_ADDED, @b is NULL for DIFF_REMOVED. */
typedef enum dsck_err (*diff_fn)(void *ctx, enum diff_kind kind, const struct dsck_record *a,
				 const struct dsck_record *b, struct dsck_error *err);

enum dsck_err diff_run(struct source *a, struct source *b, diff_fn fn, void *ctx,
		       struct diff_summary *sum, struct dsck_error *err);

/* True when two records of possibly different APIs hold the same data. */
bool diff_same(const struct dsck_record *a, const struct dsck_record *b);

#endif
