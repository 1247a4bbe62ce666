/*
 * Unit tests: restore planning (docs/restore-safety.md) without a server.
 * The snapshot and the target's records are both small snapshot files; the
 * plan is restore_plan_sources, the same merge and classification that
 * restore_plan runs against a live store. Every expected count and action
 * below is written out by hand from the two lists of records.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/macro.h"
#include "ops/restore.h"
#include "store/snapshot.h"
#include "store/source.h"
#include "unit_tmpdir.h"

/* A v3 record; @rev is both its create and mod revision. */
static struct dsck_record v3(const char *key, const char *value, int64_t rev)
{
	return (struct dsck_record){ .key = key, .key_len = strlen(key), .value = value,
				     .value_len = strlen(value), .create_revision = rev,
				     .mod_revision = rev, .version = 1 };
}

/* A v2 key (@value non-NULL) or directory (@value NULL) at modifiedIndex @index. */
static struct dsck_record v2(const char *key, const char *value, int64_t index)
{
	return (struct dsck_record){ .key = key, .key_len = strlen(key), .value = value,
				     .value_len = value ? strlen(value) : 0, .dir = !value,
				     .created_index = index, .modified_index = index };
}

static void write_snap(const char *name, enum dsck_api api, const struct dsck_record *recs,
		       size_t n)
{
	struct snapshot_writer w;
	struct snapshot_header h = { .version = SNAPSHOT_VERSION, .api = api, .revision = 42 };
	struct dsck_error err = DSCK_ERROR_INIT;

	snprintf(h.created, sizeof(h.created), "2026-11-30T00:00:00Z");
	snprintf(h.tool, sizeof(h.tool), "dsck test");
	snprintf(h.prefix, sizeof(h.prefix), "/calico");
	snprintf(h.endpoint, sizeof(h.endpoint), "http://127.0.0.1:2379");
	assert_int_equal(snapshot_writer_open(&w, path_of(name), &h, &err), DSCK_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(snapshot_writer_add(&w, &recs[i], &err), DSCK_OK);
	assert_int_equal(snapshot_writer_commit(&w, &err), DSCK_OK);
}

/* Every planned key as "action key", in the order the plan calls back. */
struct steps {
	char line[16][96];
	size_t n;
};

static void on_plan(void *ctx, enum restore_action a, const struct dsck_record *src,
		    const struct dsck_record *live)
{
	struct steps *s = ctx;
	const struct dsck_record *r = src ? src : live;

	assert_true(s->n < 16);
	snprintf(s->line[s->n++], 96, "%s %.*s", restore_action_name(a), (int)r->key_len, r->key);
}

static struct restore_opts opts_for(enum dsck_api to, enum restore_conflict mode, bool prune)
{
	return (struct restore_opts){ .to = to, .on_conflict = mode, .prune = prune,
				      .max_txn_ops = 128, .max_request_bytes = (size_t)1 << 20,
				      .page_size = 1000 };
}

/* The records of one side: a snapshot of API @api. */
struct side {
	enum dsck_api api;
	const struct dsck_record *recs;
	size_t n;
};

#define SIDE(api, recs) ((struct side){ (api), (recs), ARRAY_SIZE(recs) })

/* A plan, what it called back, and its error; inspected, then planned_release. */
struct planned {
	struct restore r;
	struct steps s;
	struct dsck_error err;
};

/* Write @from and @live as two snapshot files and plan the one against the other. */
static enum dsck_err plan(struct planned *p, struct side from, struct side live,
			  const struct restore_opts *o)
{
	static int files;
	char from_name[32], live_name[32];
	struct keyfilter f;
	struct source sf, sl;
	enum dsck_err rc;

	snprintf(from_name, sizeof(from_name), "from-%d", files);
	snprintf(live_name, sizeof(live_name), "live-%d", files++);
	write_snap(from_name, from.api, from.recs, from.n);
	write_snap(live_name, live.api, live.recs, live.n);
	keyfilter_init(&f, "/calico", true);
	memset(p, 0, sizeof(*p));
	p->r.on_plan = on_plan;
	p->r.ctx = &p->s;
	assert_int_equal(source_open_snapshot(&sf, path_of(from_name), &f, &p->err), DSCK_OK);
	assert_int_equal(source_open_snapshot(&sl, path_of(live_name), &f, &p->err), DSCK_OK);
	rc = restore_plan_sources(&p->r, &sf, &sl, o, &p->err);
	source_close(&sf);
	source_close(&sl);
	return rc;
}

static void planned_release(struct planned *p)
{
	restore_release(&p->r);
}

static void assert_counts(const struct restore_counts *n, size_t create, size_t update,
			  size_t same, size_t conflict, size_t skip, size_t del, size_t omit)
{
	assert_int_equal(n->create, create);
	assert_int_equal(n->update, update);
	assert_int_equal(n->same, same);
	assert_int_equal(n->conflict, conflict);
	assert_int_equal(n->skip, skip);
	assert_int_equal(n->del, del);
	assert_int_equal(n->omit, omit);
}

/* Snapshot a,b,c,e against target b (same), c (other value), d (only there), e (same). */
static void test_conflict_modes(void **state)
{
	const struct dsck_record abce[] = {
		v3("/calico/a", "1", 1), v3("/calico/b", "2", 2), v3("/calico/c", "3", 3),
		v3("/calico/e", "5", 5),
	};
	/* Revisions differ from the snapshot's on purpose: only values count. */
	const struct dsck_record bcde[] = {
		v3("/calico/b", "2", 20), v3("/calico/c", "33", 30), v3("/calico/d", "4", 40),
		v3("/calico/e", "5", 50),
	};
	struct restore_opts o = opts_for(DSCK_API_V3, RESTORE_FAIL, false);
	struct planned p;

	(void)state;
	/* fail: c is a conflict; d, only in the target, is left alone. */
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, abce), SIDE(DSCK_API_V3, bcde), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 0, 2, 1, 0, 0, 0);
	assert_int_equal(p.s.n, 2);
	assert_string_equal(p.s.line[0], "create /calico/a");
	assert_string_equal(p.s.line[1], "conflict /calico/c");
	assert_true(restore_has_writes(&p.r));
	assert_false(restore_takes_lock(&p.r));   /* no Ready in the snapshot */
	planned_release(&p);

	o.on_conflict = RESTORE_SKIP;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, abce), SIDE(DSCK_API_V3, bcde), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 0, 2, 0, 1, 0, 0);
	assert_string_equal(p.s.line[1], "skip /calico/c");
	planned_release(&p);

	o.on_conflict = RESTORE_OVERWRITE;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, abce), SIDE(DSCK_API_V3, bcde), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 1, 2, 0, 0, 0, 0);
	assert_string_equal(p.s.line[1], "update /calico/c");
	planned_release(&p);

	/* --prune: d goes too. */
	o.prune = true;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, abce), SIDE(DSCK_API_V3, bcde), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 1, 2, 0, 0, 1, 0);
	assert_int_equal(p.s.n, 3);
	assert_string_equal(p.s.line[0], "create /calico/a");
	assert_string_equal(p.s.line[1], "update /calico/c");
	assert_string_equal(p.s.line[2], "delete /calico/d");
	planned_release(&p);
}

static void test_nothing_to_do(void **state)
{
	const struct dsck_record snap[] = {
		v3("/calico/a", "1", 1), v3("/calico/v1/Ready", "true", 2),
	};
	const struct dsck_record target[] = {
		v3("/calico/a", "1", 7), v3("/calico/v1/Ready", "true", 8), v3("/calico/z", "", 9),
	};
	struct restore_opts o = opts_for(DSCK_API_V3, RESTORE_FAIL, false);
	struct planned p;

	(void)state;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, snap), SIDE(DSCK_API_V3, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 0, 0, 2, 0, 0, 0, 0);
	assert_int_equal(p.s.n, 0);
	assert_true(p.r.ready_in_source);
	/* Ready is in the snapshot, but nothing is written: no lock is taken. */
	assert_false(restore_has_writes(&p.r));
	assert_false(restore_takes_lock(&p.r));
	planned_release(&p);
}

/* Snapshot: a new key and Ready=true; target: Ready=false at revision 7 (paused). */
static void test_ready_paused(void **state)
{
	const struct dsck_record snap[] = {
		v3("/calico/new", "n", 1), v3("/calico/v1/Ready", "true", 2),
	};
	const struct dsck_record target[] = { v3("/calico/v1/Ready", "false", 7) };
	struct restore_opts o = opts_for(DSCK_API_V3, RESTORE_FAIL, false);
	struct planned p;

	(void)state;
	/* The operator's lock is a conflict like any other. */
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, snap), SIDE(DSCK_API_V3, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 0, 0, 1, 0, 0, 0);
	assert_string_equal(p.s.line[1], "conflict /calico/v1/Ready");
	assert_true(p.r.ready_in_source);
	assert_true(p.r.ready_paused);
	assert_true(p.r.ready_live);
	assert_int_equal(p.r.ready_action, RA_CONFLICT);
	assert_int_equal(p.r.ready_guard, 7);
	planned_release(&p);

	/* skip: the lock is taken around the write, and Ready ends "false" as it was. */
	o.on_conflict = RESTORE_SKIP;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, snap), SIDE(DSCK_API_V3, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 0, 0, 0, 1, 0, 0);
	assert_true(restore_takes_lock(&p.r));
	assert_int_equal(p.r.ready_action, RA_SKIP);
	assert_int_equal(p.r.ready_value.len, 5);
	assert_memory_equal(p.r.ready_value.data, "false", 5);
	assert_int_equal(p.r.ready_prev.len, 5);
	assert_memory_equal(p.r.ready_prev.data, "false", 5);
	planned_release(&p);

	/* overwrite: Ready ends with the snapshot's value; the previous one is kept for a failure. */
	o.on_conflict = RESTORE_OVERWRITE;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, snap), SIDE(DSCK_API_V3, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 1, 0, 0, 0, 0, 0);
	assert_true(restore_takes_lock(&p.r));
	assert_int_equal(p.r.ready_action, RA_UPDATE);
	assert_int_equal(p.r.ready_value.len, 4);
	assert_memory_equal(p.r.ready_value.data, "true", 4);
	assert_memory_equal(p.r.ready_prev.data, "false", 5);
	assert_int_equal(p.r.ready_guard, 7);
	planned_release(&p);
}

/* A snapshot taken while paused, into a paused target: nothing to lift, not a conflict. */
static void test_ready_false_both(void **state)
{
	const struct dsck_record snap[] = {
		v3("/calico/new", "n", 1), v3("/calico/v1/Ready", "false", 2),
	};
	const struct dsck_record target[] = { v3("/calico/v1/Ready", "false", 7) };
	struct restore_opts o = opts_for(DSCK_API_V3, RESTORE_FAIL, false);
	struct planned p;

	(void)state;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, snap), SIDE(DSCK_API_V3, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 0, 1, 0, 0, 0, 0);
	assert_false(p.r.ready_paused);
	assert_int_equal(p.r.ready_action, RA_SAME);
	assert_true(restore_takes_lock(&p.r));
	assert_memory_equal(p.r.ready_value.data, "false", 5);
	planned_release(&p);
}

static void test_ready_absent_in_target(void **state)
{
	const struct dsck_record snap[] = {
		v3("/calico/new", "n", 1), v3("/calico/v1/Ready", "true", 2),
	};
	const struct dsck_record target[] = { v3("/calico/old", "o", 3) };
	struct restore_opts o = opts_for(DSCK_API_V3, RESTORE_FAIL, false);
	struct planned p;

	(void)state;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, snap), SIDE(DSCK_API_V3, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 2, 0, 0, 0, 0, 0, 0);
	assert_true(restore_takes_lock(&p.r));
	assert_false(p.r.ready_live);
	assert_false(p.r.ready_paused);
	assert_int_equal(p.r.ready_guard, 0);
	assert_int_equal(p.r.ready_action, RA_CREATE);
	assert_int_equal(p.r.ready_prev.len, 0);
	planned_release(&p);
}

/* A v2 snapshot into v3: directories and TTL keys have no place there. */
static void test_v2_to_v3_omits(void **state)
{
	struct dsck_record snap[] = {
		v2("/calico/v1", NULL, 3), v2("/calico/v1/host/n1", "x", 4),
		v2("/calico/v1/lease", "t", 5),
	};
	const struct dsck_record target[] = { v3("/calico/other", "o", 9) };
	struct restore_opts o = opts_for(DSCK_API_V3, RESTORE_FAIL, true);
	struct planned p;

	(void)state;
	snap[2].has_ttl = true;
	snap[2].ttl = 600;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V2, snap), SIDE(DSCK_API_V3, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 0, 0, 0, 0, 1, 2);
	assert_int_equal(p.s.n, 4);
	assert_string_equal(p.s.line[0], "delete /calico/other");
	assert_string_equal(p.s.line[1], "omit /calico/v1");
	assert_string_equal(p.s.line[2], "create /calico/v1/host/n1");
	assert_string_equal(p.s.line[3], "omit /calico/v1/lease");
	planned_release(&p);

	/* --include-ephemeral: the TTL key is written (with a lease). */
	o.include_ephemeral = true;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V2, snap), SIDE(DSCK_API_V3, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 2, 0, 0, 0, 0, 1, 1);
	assert_string_equal(p.s.line[3], "create /calico/v1/lease");
	planned_release(&p);
}

/* A v2 target: its directories take part, and --prune lists them too. */
static void test_v2_target(void **state)
{
	const struct dsck_record snap[] = {
		v2("/calico/v1", NULL, 3), v2("/calico/v1/a", "1", 4),
	};
	const struct dsck_record target[] = {
		v2("/calico/v1", NULL, 3), v2("/calico/v1/a", "2", 10), v2("/calico/v1/gone", NULL, 11),
		v2("/calico/v1/gone/k", "k", 12),
	};
	struct restore_opts o = opts_for(DSCK_API_V2, RESTORE_OVERWRITE, true);
	struct planned p;

	(void)state;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V2, snap), SIDE(DSCK_API_V2, target), &o), DSCK_OK);
	assert_counts(&p.r.counts, 0, 1, 1, 0, 0, 2, 0);
	assert_int_equal(p.s.n, 3);
	assert_string_equal(p.s.line[0], "update /calico/v1/a");
	assert_string_equal(p.s.line[1], "delete /calico/v1/gone");
	assert_string_equal(p.s.line[2], "delete /calico/v1/gone/k");
	planned_release(&p);
}

static void test_refusals(void **state)
{
	const struct dsck_record big[] = { v3("/calico/big", "0123456789abcdef0123456789", 1) };
	const struct dsck_record other[] = { v3("/calico/z", "z", 1) };
	struct restore_opts o = opts_for(DSCK_API_V3, RESTORE_FAIL, false);
	struct planned p;

	(void)state;
	/* 2 * 11 key bytes + 26 value bytes + 48 overhead = 96 > 95: refused at plan time. */
	o.max_request_bytes = 95;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, big), SIDE(DSCK_API_V3, other), &o),
			 DSCK_ERR_TOO_LARGE);
	assert_non_null(strstr(p.err.msg, "'/calico/big'"));
	assert_non_null(strstr(p.err.msg, "nothing was written"));
	planned_release(&p);
	o.max_request_bytes = 96;
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, big), SIDE(DSCK_API_V3, other), &o), DSCK_OK);
	assert_counts(&p.r.counts, 1, 0, 0, 0, 0, 0, 0);
	planned_release(&p);

	/* A v3 snapshot cannot go into the v2 store. */
	o = opts_for(DSCK_API_V2, RESTORE_FAIL, false);
	assert_int_equal(plan(&p, SIDE(DSCK_API_V3, big), SIDE(DSCK_API_V2, other), &o),
			 DSCK_ERR_USAGE);
	assert_int_equal(p.s.n, 0);
	planned_release(&p);
}

static void test_bound_prefix(void **state)
{
	char out[64];

	(void)state;
	/* The snapshot's prefix inside the user's: narrowed to the snapshot's. */
	assert_true(restore_bound_prefix("/calico", "/calico/v1/config", out, sizeof(out)));
	assert_string_equal(out, "/calico/v1/config");
	/* The snapshot's around the user's: the user's. */
	assert_true(restore_bound_prefix("/calico", "/", out, sizeof(out)));
	assert_string_equal(out, "/calico");
	assert_true(restore_bound_prefix("/calico/", "/calico", out, sizeof(out)));
	assert_string_equal(out, "/calico");
	assert_true(restore_bound_prefix("/", "/registry", out, sizeof(out)));
	assert_string_equal(out, "/registry");
	/* Neither holds the other: refused. A prefix is a path, not a string prefix. */
	assert_false(restore_bound_prefix("/calico", "/registry", out, sizeof(out)));
	assert_false(restore_bound_prefix("/calico", "/calicox", out, sizeof(out)));
	assert_false(restore_bound_prefix("/calico/v1", "/calico/v3", out, sizeof(out)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conflict_modes),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_ready_paused),
		cmocka_unit_test(test_ready_false_both),
		cmocka_unit_test(test_ready_absent_in_target),
		cmocka_unit_test(test_v2_to_v3_omits),
		cmocka_unit_test(test_v2_target),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bound_prefix),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
