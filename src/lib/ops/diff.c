#include <string.h>

#include "ops/diff.h"

bool diff_same(const struct dsck_record *a, const struct dsck_record *b)
{
	if (a->dir || b->dir)
		return a->dir == b->dir;
	return a->value_len == b->value_len &&
	       (a->value_len == 0 || memcmp(a->value, b->value, a->value_len) == 0);
}

/* Next record of @s that takes part in the comparison; every record is counted in @c. */
static enum dsck_err next(struct source *s, bool skip_dirs, struct counts *c,
			  struct dsck_record *r, bool *done, struct dsck_error *err)
{
	enum dsck_err rc;

	do {
		if ((rc = source_next(s, r, done, err)))
			return rc;
		if (!*done)
			counts_add_plain(c, r);
	} while (!*done && skip_dirs && r->dir);
	if (*done)
		counts_finish(c, s);
	return DSCK_OK;
}

enum dsck_err diff_run(struct source *a, struct source *b, diff_fn fn, void *ctx,
		       struct diff_summary *sum, struct dsck_error *err)
{
	bool mixed = a->api != b->api;
	bool skip_a = mixed && a->api == DSCK_API_V2, skip_b = mixed && b->api == DSCK_API_V2;
	struct dsck_record ra, rb;
	bool da, db;
	enum dsck_err rc;

	memset(sum, 0, sizeof(*sum));
	counts_init(&sum->a);
	counts_init(&sum->b);
	if ((rc = next(a, skip_a, &sum->a, &ra, &da, err)) ||
	    (rc = next(b, skip_b, &sum->b, &rb, &db, err)))
		return rc;
	while (!da || !db) {
		int c = da ? 1 : db ? -1 : record_key_cmp(ra.key, ra.key_len, rb.key, rb.key_len);

		if (c < 0) {
			*(ra.dir ? &sum->dirs_removed : &sum->removed) += 1;
			if ((rc = fn(ctx, DIFF_REMOVED, &ra, NULL, err)) ||
			    (rc = next(a, skip_a, &sum->a, &ra, &da, err)))
				return rc;
		} else if (c > 0) {
			*(rb.dir ? &sum->dirs_added : &sum->added) += 1;
			if ((rc = fn(ctx, DIFF_ADDED, NULL, &rb, err)) ||
			    (rc = next(b, skip_b, &sum->b, &rb, &db, err)))
				return rc;
		} else {
			if (diff_same(&ra, &rb)) {
				*(ra.dir ? &sum->dirs_same : &sum->same) += 1;
			} else {
				sum->changed++;
				if ((rc = fn(ctx, DIFF_CHANGED, &ra, &rb, err)))
					return rc;
			}
			if ((rc = next(a, skip_a, &sum->a, &ra, &da, err)) ||
			    (rc = next(b, skip_b, &sum->b, &rb, &db, err)))
				return rc;
		}
	}
	return DSCK_OK;
}
