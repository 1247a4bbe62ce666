/*
 * dsck inspect [SNAPSHOT] --api v2|v3: the Calico-aware summary of a live
 * store or of a snapshot (docs/calico-model.md). The library computes; this file opens
 * the source and renders. Exit 1 when a finding is an error.
 */
#include <jansson.h>
#include <string.h>

#include "cli.h"
#include "calico/inspect.h"
#include "base/keyfilter.h"
#include "store/source.h"

/* What is inspected: a snapshot file or a live store. */
struct target {
	struct keyfilter filter;
	struct source src;
	struct dsck_conn conn;
	bool have_conn;
};

static int open_snapshot(struct cli *cli, struct target *t, struct dsck_error *err)
{
	if (cli->set[OPT_API])
		return cli_usage_error(cli, "--api is for live stores; a snapshot carries its own");
	if (source_open_snapshot(&t->src, cli->pos[0], &t->filter, err))
		return cli_fail(err);
	/* As in diff, the snapshot's prefix is the default scope. */
	return cli_keyfilter(cli, &t->filter, t->src.snap.hdr.prefix);
}

static int open_live(struct cli *cli, struct target *t, struct dsck_error *err)
{
	bool serializable = cli->set[OPT_SERIALIZABLE];
	int64_t page;
	int api, rc;
	enum dsck_err e;

	if ((rc = cli_api(cli, &api)) || (rc = cli_page_size(cli, &page)) ||
	    (rc = cli_keyfilter(cli, &t->filter, "/calico")) ||
	    (rc = cli_connect_settings(cli, &t->conn)))
		return rc;
	t->have_conn = true;
	if (api == 2)
		e = source_open_v2(&t->src, &t->conn, &t->filter, !serializable, err);
	else
		e = source_open_v3(&t->src, &t->conn, &t->filter, page, serializable, err);
	return e ? cli_fail(err) : EXIT_OK;
}

static void target_close(struct target *t)
{
	source_close(&t->src);
	if (t->have_conn)
		conn_release(&t->conn);
}

static void on_progress(void *ctx, size_t keys, uint64_t bytes)
{
	progress_update(ctx, keys, bytes);
}

static const char *ready_text(enum inspect_ready ready)
{
	return ready == INSPECT_READY_TRUE ? "true" : ready == INSPECT_READY_FALSE ? "false" : NULL;
}

static json_t *ready_json(enum inspect_ready ready)
{
	return ready == INSPECT_READY_UNKNOWN ? json_null()
					      : json_boolean(ready == INSPECT_READY_TRUE);
}

/* The non-zero counts of v3 kinds and of affinity states. */
static json_t *v3_kinds_json(const struct inspect *in)
{
	json_t *o = json_object();

	for (size_t i = 0; i < INSPECT_V3_PLURALS; i++)
		if (in->v3_kinds[i])
			json_object_set_new(o, inspect_v3_plural(i),
					    json_integer((json_int_t)in->v3_kinds[i]));
	return o;
}

static json_t *affinity_states_json(const struct inspect *in)
{
	json_t *o = json_object();

	for (int s = 0; s < INSPECT_AFFINITY__COUNT; s++)
		if (in->affinity_states[s])
			json_object_set_new(o, inspect_affinity_state_name((enum inspect_affinity_state)s),
					    json_integer((json_int_t)in->affinity_states[s]));
	return o;
}

static int render_json(const struct source *src, const struct inspect *in)
{
	const struct findings *f = &in->findings;
	json_t *doc = cli_check_json("inspect", findings_ok(f), f);
	json_t *cnt = cli_counts_json(&in->counts, true);

	json_object_set_new(doc, "api", json_string(dsck_api_name(src->api)));
	json_object_set_new(doc, "source", json_string(src->name));
	json_object_set_new(doc, "model", json_string(inspect_model_name(inspect_model(in))));
	/* keys, ephemeral, dirs, objects, kinds, kind_keys (docs/json.md, "Counts"). */
	json_object_update(doc, cnt);
	json_decref(cnt);
	json_object_set_new(doc, "v3_kinds", v3_kinds_json(in));
	json_object_set_new(doc, "affinity_states", affinity_states_json(in));
	json_object_set_new(doc, "ready", ready_json(in->ready));
	json_object_set_new(doc, "calico_version", cli_json_text(in->calico_version));
	json_object_set_new(doc, "cluster_guid", cli_json_text(in->cluster_guid));
	json_object_set_new(doc, "summary", cli_findings_summary(NULL, f));
	return cli_print_json(doc);
}

static const char *or_dash(const char *s)
{
	return s ? s : "-";
}

static void render_table(const struct source *src, const struct inspect *in)
{
	const struct findings *f = &in->findings;

	printf("%-16s %s\n", "source", src->name);
	printf("%-16s %s\n", "data model", inspect_model_name(inspect_model(in)));
	printf("%-16s %s\n", "Ready", or_dash(ready_text(in->ready)));
	printf("%-16s %s\n", "CalicoVersion", or_dash(in->calico_version));
	printf("%-16s %s\n\n", "ClusterGUID", or_dash(in->cluster_guid));
	const struct counts *c = &in->counts;

	printf("%-20s %8s %8s\n", "KIND", "OBJECTS", "KEYS");
	for (int k = 0; k < CALICO_KIND__COUNT; k++) {
		if (!c->objects[k] || k == CALICO_DIRECTORY)
			continue;
		printf("%-20s %8zu %8zu\n", calico_kind_name((enum calico_kind)k), c->objects[k],
		       c->kind_keys[k]);
		for (size_t i = 0; k == CALICO_V3_RESOURCE && i < INSPECT_V3_PLURALS; i++)
			if (in->v3_kinds[i])
				printf("  %s %*zu\n", inspect_v3_plural(i),
				       (int)(26 - strlen(inspect_v3_plural(i))), in->v3_kinds[i]);
		for (int s = 0; k == CALICO_IPAM_AFFINITY && s < INSPECT_AFFINITY__COUNT; s++)
			if (in->affinity_states[s])
				printf("  state %s %*zu\n",
				       inspect_affinity_state_name((enum inspect_affinity_state)s),
				       (int)(20 - strlen(inspect_affinity_state_name(
						  (enum inspect_affinity_state)s))),
				       in->affinity_states[s]);
	}
	printf("%-20s %8zu\n\n", "objects", counts_objects(c));
	cli_counts_table(c, false);
	putchar('\n');
	cli_findings_table(f);
	printf("inspect: %s\n", !findings_ok(f) ? "FAILED"
				: f->by_sev[SEV_WARNING] ? "OK, with warnings to review" : "OK");
}

static int render(struct cli *cli, const struct source *src, const struct inspect *in)
{
	int rc = EXIT_OK;

	if (cli->format == OUT_JSON)
		rc = render_json(src, in);
	else
		render_table(src, in);
	if (rc)
		return rc;
	return findings_ok(&in->findings) ? EXIT_OK : EXIT_DIFFERENT;
}

int cmd_inspect(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct target t;
	struct inspect in;
	struct progress prog;
	int rc;

	if (cli->npos > 1)
		return cli_usage_error(cli, "expected at most one SNAPSHOT file");
	memset(&t, 0, sizeof(t));
	memset(&in, 0, sizeof(in));
	rc = cli->npos ? open_snapshot(cli, &t, &err) : open_live(cli, &t, &err);
	if (rc)
		goto out;
	progress_init(&prog, cli, "inspect");
	prog.bytes_verb = "read";   /* key and value bytes of the records */
	if (inspect_run(&in, &t.src, on_progress, &prog, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	progress_done(&prog, in.records, in.bytes);
	rc = render(cli, &t.src, &in);
out:
	inspect_release(&in);
	target_close(&t);
	return rc;
}
