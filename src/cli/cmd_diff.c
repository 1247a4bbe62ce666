/*
 * dsck diff A B: compare two key sets (snapshot files or the live v2/v3
 * stores), streaming. Exit 0 when equal, 1 when they differ.
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table.h"
#include "ops/diff.h"
#include "base/keyfilter.h"
#include "store/source.h"
#include "base/utf8.h"

struct diff_out {
	struct cli *cli;
	json_t *added, *removed, *changed;
};

static void set_value(json_t *obj, const char *name, const struct dsck_record *r)
{
	if (r->dir)
		json_object_set_new(obj, name, json_string("<directory>"));
	else
		cli_json_set_bytes(obj, name, r->value, r->value_len);
}

/* Where two values start to differ (byte offset). */
static size_t first_difference(const struct dsck_record *a, const struct dsck_record *b)
{
	size_t i = 0;

	while (i < a->value_len && i < b->value_len && a->value[i] == b->value[i])
		i++;
	return i;
}

/* On a terminal a long value shows the part where it differs (docs/conventions.md). */
static void print_value(const struct dsck_record *r, size_t at, size_t width)
{
	if (r->dir)
		fputs("<directory>", stdout);
	else
		table_put_at(stdout, r->value, r->value_len, at, table_room(width, 7), TABLE_BYTES);
}

static enum dsck_err on_diff(void *ctx, enum diff_kind kind, const struct dsck_record *a,
			     const struct dsck_record *b, struct dsck_error *err)
{
	struct diff_out *o = ctx;
	const struct dsck_record *r = a ? a : b;

	(void)err;
	if (o->cli->format == OUT_JSON) {
		if (kind == DIFF_ADDED) {
			json_array_append_new(o->added, cli_json_key(r->key, r->key_len));
		} else if (kind == DIFF_REMOVED) {
			json_array_append_new(o->removed, cli_json_key(r->key, r->key_len));
		} else {
			json_t *c = json_object();

			cli_json_set_bytes(c, "key", r->key, r->key_len);
			set_value(c, "a", a);
			set_value(c, "b", b);
			json_array_append_new(o->changed, c);
		}
		return DSCK_OK;
	}
	progress_break();   /* stdout and stderr may be one terminal */
	fputs(cli_color(kind == DIFF_ADDED ? COLOR_GREEN : kind == DIFF_REMOVED ? COLOR_RED
									 : COLOR_YELLOW), stdout);
	putchar(kind == DIFF_ADDED ? '+' : kind == DIFF_REMOVED ? '-' : '~');
	putchar(' ');
	cli_print_escaped(r->key, r->key_len, SIZE_MAX);
	fputs(cli_color(COLOR_RESET), stdout);
	putchar('\n');
	if (kind == DIFF_CHANGED && o->cli->set[OPT_VALUES]) {
		size_t at = first_difference(a, b), width = table_width();

		fputs("    a: ", stdout);
		print_value(a, at, width);
		fputs("\n    b: ", stdout);
		print_value(b, at, width);
		putchar('\n');
	}
	return DSCK_OK;
}

/* What one side holds, in the words of docs/json.md, "Counts". */
static void print_side(const char *name, const struct counts *c)
{
	printf("%s: %zu %s, ", name, c->keys, cli_plural(c->keys, "key", "keys"));
	if (c->ephemeral_unknown)
		printf("ephemeral keys unknown (not in the snapshot), ");
	else
		printf("%zu ephemeral %s, ", c->ephemeral, cli_plural(c->ephemeral, "key", "keys"));
	printf("%zu %s\n", c->dirs, cli_plural(c->dirs, "directory", "directories"));
}

static bool is_live(const char *arg)
{
	return strcmp(arg, "v2") == 0 || strcmp(arg, "v3") == 0;
}

int cmd_diff(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct keyfilter f;
	struct source src[2];
	struct dsck_conn conn;
	struct diff_summary sum;
	struct diff_out out = { .cli = cli };
	struct progress prog;
	const char *prefix = NULL;
	size_t differ = 0;
	bool have_conn = false;
	int rc = EXIT_OK;
	int64_t page;
	enum dsck_err e = DSCK_OK;

	if (cli->npos != 2)
		return cli_usage_error(cli, "expected two sources: snapshot files, v2 or v3");
	if (strcmp(cli->pos[0], "-") == 0 && strcmp(cli->pos[1], "-") == 0)
		return cli_usage_error(cli, "only one of A and B can be '-' (standard input)");
	if ((rc = cli_page_size(cli, &page)))
		return rc;
	memset(src, 0, sizeof(src));
	progress_init(&prog, cli, "diff");
	/* Snapshots first: the first one's prefix is the default scope. */
	for (int i = 0; i < 2 && !e; i++) {
		if (is_live(cli->pos[i]))
			continue;
		e = source_open_snapshot(&src[i], cli->pos[i], &f, &err);
		src[i].progress = progress_hook;
		src[i].progress_ctx = &prog;
		if (!e && !prefix)
			prefix = src[i].snap.hdr.prefix;
	}
	if (!e && (rc = cli_keyfilter(cli, &f, prefix ? prefix : "/calico")))
		goto out;
	for (int i = 0; i < 2 && !e; i++) {
		if (!is_live(cli->pos[i]))
			continue;
		if (!have_conn) {
			if ((rc = cli_connect_settings(cli, &conn)))
				goto out;
			have_conn = true;
			progress_watch(&prog, &conn);   /* the v2 body and v3 pages as they arrive */
		}
		if (cli->pos[i][1] == '2')
			e = source_open_v2(&src[i], &conn, &f, !cli->set[OPT_SERIALIZABLE], &err);
		else
			e = source_open_v3(&src[i], &conn, &f, page, cli->set[OPT_SERIALIZABLE], &err);
	}
	if (e)
		goto out;
	if (cli->format == OUT_JSON) {
		out.added = json_array();
		out.removed = json_array();
		out.changed = json_array();
	}
	e = diff_run(&src[0], &src[1], on_diff, &out, &sum, &err);
	if (e)
		goto out;
	progress_finish(&prog);
	differ = sum.added + sum.removed + sum.changed + sum.dirs_added + sum.dirs_removed;
	if (cli->format == OUT_JSON) {
		json_t *doc = json_object(), *s = json_object(), *cnt = json_object();

		json_object_set_new(s, "added", json_integer((json_int_t)sum.added));
		json_object_set_new(s, "removed", json_integer((json_int_t)sum.removed));
		json_object_set_new(s, "changed", json_integer((json_int_t)sum.changed));
		json_object_set_new(s, "same", json_integer((json_int_t)sum.same));
		json_object_set_new(s, "dirs_added", json_integer((json_int_t)sum.dirs_added));
		json_object_set_new(s, "dirs_removed", json_integer((json_int_t)sum.dirs_removed));
		json_object_set_new(s, "dirs_same", json_integer((json_int_t)sum.dirs_same));
		json_object_set_new(cnt, "a", cli_counts_json(&sum.a, false));
		json_object_set_new(cnt, "b", cli_counts_json(&sum.b, false));
		json_object_set_new(doc, "a", json_string(src[0].name));
		json_object_set_new(doc, "b", json_string(src[1].name));
		json_object_set_new(doc, "added", out.added);
		json_object_set_new(doc, "removed", out.removed);
		json_object_set_new(doc, "changed", out.changed);
		json_object_set_new(doc, "summary", s);
		json_object_set_new(doc, "counts", cnt);
		json_object_set_new(doc, "ok", json_boolean(!differ));
		out.added = out.removed = out.changed = NULL;
		rc = cli_print_json(doc);
	} else {
		printf("%skeys: %zu added, %zu removed, %zu changed, %zu same (a: %s, b: %s)\n",
		       differ ? "\n" : "", sum.added, sum.removed, sum.changed, sum.same,
		       src[0].name, src[1].name);
		if (sum.dirs_added + sum.dirs_removed + sum.dirs_same)
			printf("directories: %zu added, %zu removed, %zu same\n", sum.dirs_added,
			       sum.dirs_removed, sum.dirs_same);
		print_side("a", &sum.a);
		print_side("b", &sum.b);
	}
	if (!rc && differ)
		rc = EXIT_DIFFERENT;
out:
	json_decref(out.added);
	json_decref(out.removed);
	json_decref(out.changed);
	for (int i = 0; i < 2; i++)
		source_close(&src[i]);
	if (have_conn)
		conn_release(&conn);
	return e ? cli_fail(&err) : rc;
}
