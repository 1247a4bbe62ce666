/*
 * dsck snapshot restore / dsck migrate v2-to-v3: plan against the live
 * target, print the plan, then write with guards (docs/restore-safety.md).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/keyfilter.h"
#include "base/keytext.h"
#include "base/num.h"
#include "base/utf8.h"
#include "ops/restore.h"

#define LISTED_MAX 1000

struct restore_cli {
	struct cli *cli;
	bool dry_run;
	json_t *conflicts, *plan;
	size_t listed;
	struct progress prog;
};

static void on_plan(void *ctx, enum restore_action a, const struct dsck_record *src,
		    const struct dsck_record *live)
{
	struct restore_cli *rc = ctx;
	const struct dsck_record *r = src ? src : live;
	bool show = rc->dry_run || a == RA_CONFLICT;

	if (!show || a == RA_OMIT)
		return;
	if (rc->cli->format == OUT_JSON) {
		if (a == RA_CONFLICT && json_array_size(rc->conflicts) < LISTED_MAX)
			json_array_append_new(rc->conflicts, cli_json_key(r->key, r->key_len));
		if (rc->plan && json_array_size(rc->plan) < LISTED_MAX * 100) {
			json_t *step = json_pack("{s:s}", "action", restore_action_name(a));

			cli_json_set_bytes(step, "key", r->key, r->key_len);
			json_array_append_new(rc->plan, step);
		}
		return;
	}
	{
		/* Escaped: a key can never forge a plan line on a terminal. */
		struct keytext kt;

		printf("%-9s %s\n", restore_action_name(a), keytext(&kt, r->key, r->key_len));
	}
}

static void on_progress(void *ctx, size_t done, uint64_t bytes)
{
	struct restore_cli *rc = ctx;

	progress_update(&rc->prog, done, bytes);
}

static int parse_opts(struct cli *cli, struct restore_opts *o, enum dsck_api dflt)
{
	const char *v;
	uint64_t n = 128;
	int rc;

	memset(o, 0, sizeof(*o));
	o->to = dflt;
	o->max_txn_ops = (int)n;   /* etcd's limits (docs/etcd-facts.md) */
	o->max_request_bytes = 1572864;
	o->prune = cli->set[OPT_PRUNE];
	o->include_ephemeral = cli->set[OPT_INCLUDE_EPHEMERAL];
	if ((rc = cli_page_size(cli, &o->page_size)))
		return rc;
	if ((v = cli->val[OPT_TO])) {
		if (strcmp(v, "v2") == 0)
			o->to = DSCK_API_V2;
		else if (strcmp(v, "v3") == 0)
			o->to = DSCK_API_V3;
		else
			return cli_usage_error(cli, "invalid --to '%s' (v2 or v3)", v);
	}
	v = cli->val[OPT_ON_CONFLICT];
	if (!v || strcmp(v, "fail") == 0)
		o->on_conflict = RESTORE_FAIL;
	else if (strcmp(v, "skip") == 0)
		o->on_conflict = RESTORE_SKIP;
	else if (strcmp(v, "overwrite") == 0)
		o->on_conflict = RESTORE_OVERWRITE;
	else
		return cli_usage_error(cli, "invalid --on-conflict '%s' (fail, skip or overwrite)", v);
	if ((rc = cli_opt_u64(cli, OPT_MAX_TXN_OPS, 1, 100000, &n)))
		return rc;
	o->max_txn_ops = (int)n;
	n = o->max_request_bytes;
	/* A protobuf message holds at most 2 GiB. */
	if ((rc = cli_opt_u64(cli, OPT_MAX_REQUEST_BYTES, 1024, INT32_MAX, &n)))
		return rc;
	o->max_request_bytes = (size_t)n;
	/* A benchmark knob, not an option: more in flight only queues longer in etcd
	 * (docs/benchmarks.md, "Restore"). */
	if ((v = getenv("DSCK_RESTORE_IN_FLIGHT"))) {
		struct dsck_error ne = DSCK_ERROR_INIT;

		if (num_parse_u64("DSCK_RESTORE_IN_FLIGHT", v, 1, RESTORE_IN_FLIGHT_MAX, &n, &ne))
			return cli_usage_error(cli, "%s", ne.msg);
		o->in_flight = (int)n;
	}
	return EXIT_OK;
}

static bool confirm_prune(size_t n, const struct keyfilter *f)
{
	char line[16];

	fprintf(stderr, "delete %zu keys under %.*s that the source does not have? [y/N] ", n,
		(int)f->prefix_len, f->prefix);
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] == 'y' || line[0] == 'Y';
}

static void print_counts(const struct restore_counts *n, const char *target,
			 const struct keyfilter *f, bool dry_run)
{
	printf("%splan for %s under %.*s: %zu create, %zu update, %zu same, %zu conflict, %zu skip, "
	       "%zu delete, %zu omitted (directories in v3, TTL keys)\n",
	       dry_run ? "dry run: " : "", target, (int)f->prefix_len, f->prefix, n->create,
	       n->update, n->same, n->conflict, n->skip, n->del, n->omit);
}

static int render_json(struct restore_cli *rc, const struct restore *r, const char *from,
		       const char *target, bool applied, const struct dsck_error *err)
{
	const struct restore_counts *n = &r->counts;
	json_t *doc = json_object();

	json_object_set_new(doc, "source", json_string(from));
	json_object_set_new(doc, "target", json_string(target));
	json_object_set_new(doc, "dry_run", json_boolean(rc->dry_run));
	json_object_set_new(doc, "ok", json_boolean(err->code == DSCK_OK && !n->conflict));
	json_object_set_new(doc, "summary",
			    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "create", (json_int_t)n->create,
				      "update", (json_int_t)n->update, "same", (json_int_t)n->same,
				      "conflict", (json_int_t)n->conflict, "skip", (json_int_t)n->skip,
				      "delete", (json_int_t)n->del, "omit", (json_int_t)n->omit));
	json_object_set_new(doc, "written", json_integer(applied ? (json_int_t)n->written : 0));
	json_object_set_new(doc, "deleted", json_integer(applied ? (json_int_t)n->deleted : 0));
	json_object_set_new(doc, "conflicts", rc->conflicts);
	rc->conflicts = NULL;
	if (rc->plan) {
		json_object_set_new(doc, "plan", rc->plan);
		rc->plan = NULL;
	}
	if (err->code)
		json_object_set_new(doc, "error", cli_error_json(err));
	return cli_print_json(doc);
}

/*
 * Tests need a window between plan and apply to race a concurrent writer
 * deterministically; DSCK_TEST_PAUSE_MS opens it. Not for production use.
 */
static void test_pause(void)
{
	const char *ms = getenv("DSCK_TEST_PAUSE_MS");

	if (ms && *ms) {
		fflush(stdout);   /* the plan is out: the test acts when it sees it */
		usleep((useconds_t)strtoul(ms, NULL, 10) * 1000);
	}
}

/* Plan, print, apply. @from is open; returns the exit code. */
static int run(struct cli *cli, struct source *from, const struct restore_opts *o,
	       const struct keyfilter *f, struct dsck_conn *conn, struct restore *r)
{
	struct restore_cli rc = { .cli = cli, .dry_run = cli->set[OPT_DRY_RUN] };
	struct dsck_error err = DSCK_ERROR_INIT;
	const char *target = o->to == DSCK_API_V3 ? "v3" : "v2";
	bool migrate = strcmp(cli->cmd->name, "migrate v2-to-v3") == 0;
	bool applied = false;
	struct progress plan;
	int code = EXIT_OK;
	enum dsck_err e;

	rc.conflicts = json_array();
	if (rc.dry_run && cli->format == OUT_JSON)
		rc.plan = json_array();
	r->on_plan = on_plan;
	r->on_progress = on_progress;
	r->ctx = &rc;
	/* Planning reads both sides whole: records and bytes as they come. */
	progress_init(&plan, cli, migrate ? "migrate plan" : "restore plan");
	progress_watch(&plan, conn);
	from->progress = progress_hook;
	from->progress_ctx = &plan;
	e = restore_plan(r, from, o, conn, f, &err);
	from->progress = conn->progress = NULL;
	if (e)
		goto out;
	progress_finish(&plan);
	plan.enabled = false;   /* a channel opened while planning keeps the hook */
	if (cli->format != OUT_JSON)
		print_counts(&r->counts, target, f, rc.dry_run);
	if (r->ready_paused)
		notef(cli, "%s is \"false\" in %s: Calico is paused (by an operator, "
		      "calico-upgrade, or an interrupted restore); that is a conflict, and only "
		      "--on-conflict overwrite sets it to the snapshot's value", CALICO_READY_KEY, target);
	if (r->counts.conflict) {
		dsck_fail(&err, DSCK_ERR_CONFLICT,
			  "%zu %s in %s with other values: nothing was written (see the "
			  "conflict lines; --on-conflict skip or overwrite to proceed)",
			  r->counts.conflict, cli_plural(r->counts.conflict, "key exists", "keys exist"),
			  target);
		goto out;
	}
	if (!restore_has_writes(r)) {
		/* Say so, rather than report an empty write. */
		if (cli->format != OUT_JSON)
			printf("nothing to do: %s already holds every key of %s under %.*s\n", target,
			       from->name, (int)f->prefix_len, f->prefix);
		goto out;
	}
	if (rc.dry_run)
		goto out;
	/* The ETA of the progress line comes from the plan's total. */
	progress_init(&rc.prog, cli, migrate ? "migrate" : "restore");
	rc.prog.bytes_verb = "written";
	rc.prog.unit = "key";
	rc.prog.total = r->counts.create + r->counts.update + r->counts.del;
	rc.prog.total_bytes = r->counts.plan_bytes;
	if (o->prune && r->counts.del && !cli->set[OPT_YES]) {
		/* Deleting needs a yes: typed on a terminal, or --yes in scripts. */
		if (!isatty(STDIN_FILENO)) {
			dsck_fail(&err, DSCK_ERR_USAGE, "--prune would delete %zu keys: add --yes to "
				  "confirm when not on a terminal (nothing was written)", r->counts.del);
			goto out;
		}
		if (!confirm_prune(r->counts.del, f)) {
			dsck_fail(&err, DSCK_ERR_USAGE, "prune not confirmed: nothing was written");
			goto out;
		}
	}
	applied = true;
	test_pause();
	/* A signal now stops at the next key and puts Ready back (docs/restore-safety.md). */
	r->stop = &cli_stop_signal;
	cli_defer_signals(true);
	if (restore_apply(r, &err)) {
		if (cli_stop_signal)
			cli_fail(&err);   /* say what happened to the lock, then die of the signal */
		cli_defer_signals(false);
		goto out;
	}
	cli_defer_signals(false);
	progress_done(&rc.prog, r->counts.written + r->counts.deleted, r->counts.written_bytes);
	if (cli->format != OUT_JSON)
		printf("restored into %s: %zu %s written, %zu deleted%s\n", target, r->counts.written,
		       cli_plural(r->counts.written, "key", "keys"), r->counts.deleted,
		       r->locked ? " (Ready was false while writing, then restored)" : "");
out:
	if (cli->format == OUT_JSON)
		code = render_json(&rc, r, from->name, target, applied, &err);
	json_decref(rc.conflicts);
	json_decref(rc.plan);
	if (err.code)
		return cli_fail(&err);
	return code;
}

/*
 * The prefix this restore may touch: the user's (default /calico), narrowed
 * to the snapshot's when that is inside it; a snapshot of another part of
 * the keyspace is refused (docs/restore-safety.md).
 */
static int restore_prefix(struct cli *cli, const char *file_prefix, char *out, size_t len)
{
	const char *user = cli->val[OPT_PREFIX] ? cli->val[OPT_PREFIX] : "/calico";

	if (!restore_bound_prefix(user, file_prefix, out, len))
		return cli_usage_error(cli, "the snapshot holds keys under '%s', outside the prefix "
				       "'%s' this restore may touch: give --prefix %s to restore it "
				       "(nothing was written)", file_prefix, user, file_prefix);
	return EXIT_OK;
}

int cmd_snapshot_restore(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct snapshot_seal seal;
	struct restore_opts o;
	struct restore r;
	struct keyfilter f, narrow;
	struct source src;
	struct dsck_conn conn;
	char prefix[sizeof(src.snap.hdr.prefix)];
	int rc;

	if (cli->npos != 1)
		return cli_usage_error(cli, "expected the snapshot FILE");
	if (strcmp(cli->pos[0], "-") == 0)
		return cli_usage_error(cli, "restore needs a file (it is read twice), not stdin");
	/*
	 * Verify once; every later pass reads exactly the verified bytes. An etcd
	 * backend file is checked whole when it is opened, and stays mapped.
	 */
	memset(&seal, 0, sizeof(seal));
	seal.fd = -1;
	if (physnap_detect(cli->pos[0]) ? source_open_snapshot(&src, cli->pos[0], &f, &err)
	    : snapshot_seal_open(&seal, cli->pos[0], &err) ||
	      source_open_sealed(&src, &seal, &f, &err)) {
		snapshot_seal_release(&seal);
		errorf("refusing to restore: the snapshot does not verify");
		return cli_fail(&err);
	}
	if ((rc = parse_opts(cli, &o, src.api)) ||
	    (rc = restore_prefix(cli, src.snap.hdr.prefix, prefix, sizeof(prefix))) ||
	    (rc = cli_keyfilter(cli, &f, prefix))) {
		source_close(&src);
		snapshot_seal_release(&seal);
		return rc;
	}
	keyfilter_init(&narrow, prefix, f.include_ephemeral);
	f.prefix = narrow.prefix;
	f.prefix_len = narrow.prefix_len;
	if (src.snap.hdr.ephemeral_included && !o.include_ephemeral)
		notef(cli, "the snapshot holds ephemeral keys; they are restored only with "
		      "--include-ephemeral");
	if ((rc = cli_connect_settings(cli, &conn))) {
		source_close(&src);
		snapshot_seal_release(&seal);
		return rc;
	}
	memset(&r, 0, sizeof(r));
	rc = run(cli, &src, &o, &f, &conn, &r);
	restore_release(&r);
	source_close(&src);
	snapshot_seal_release(&seal);
	conn_release(&conn);
	return rc;
}

int cmd_migrate_v2_to_v3(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct restore_opts o;
	struct restore r, check;
	struct keyfilter f;
	struct source src;
	struct dsck_conn conn;
	int rc;

	if (cli->npos)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->pos[0]);
	if ((rc = parse_opts(cli, &o, DSCK_API_V3)) || (rc = cli_keyfilter(cli, &f, "/calico")))
		return rc;
	if (cli->val[OPT_TO])
		return cli_usage_error(cli, "migrate v2-to-v3 always writes to v3");
	if ((rc = cli_connect_settings(cli, &conn)))
		return rc;
	if (source_open_v2(&src, &conn, &f, true, &err)) {
		conn_release(&conn);
		return cli_fail(&err);
	}
	memset(&r, 0, sizeof(r));
	rc = run(cli, &src, &o, &f, &conn, &r);
	restore_release(&r);
	source_close(&src);
	if (rc == EXIT_OK && !cli->set[OPT_DRY_RUN]) {
		size_t differ;

		/*
		 * Verify against the stores, not against the listing the copy was
		 * made from: a fresh v2 read, planned again, must find nothing left
		 * to write, so a v2 write during the migration is detected.
		 */
		memset(&check, 0, sizeof(check));
		if (source_open_v2(&src, &conn, &f, true, &err) ||
		    restore_plan(&check, &src, &o, &conn, &f, &err)) {
			rc = cli_fail(&err);
		} else if ((differ = check.counts.create + check.counts.update + check.counts.conflict +
				     check.counts.skip)) {
			errorf("verification failed: %zu %s between v2 (read again, index %lld) "
			       "and v3 (%zu skipped by --on-conflict skip; others written in v2 during "
			       "the migration?); re-run the migration", differ,
			       cli_plural(differ, "key differs", "keys differ"),
			       (long long)src.etcd_index, check.counts.skip);
			rc = EXIT_DIFFERENT;
		} else if (cli->format != OUT_JSON) {
			printf("verified: all %zu restorable v2 keys under %.*s are identical in v3\n",
			       check.counts.same, (int)f.prefix_len, f.prefix);
		}
		restore_release(&check);
	}
	source_close(&src);
	conn_release(&conn);
	return rc;
}
