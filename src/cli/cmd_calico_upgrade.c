/*
 * dsck check calico-upgrade [--phase auto|before|after]: predict and prove
 * calico-upgrade's v1 -> v3 conversion (docs/calico-upgrade.md). The v1 data
 * comes from the v2 store or --v1-snapshot, the v3 data from the v3 store or
 * --v3-snapshot. Exit 0 when no error finding, 1 otherwise, 2-6 when it could
 * not check.
 */
#include <jansson.h>
#include <string.h>

#include "cli.h"
#include "check/check_calico_upgrade.h"
#include "base/keyfilter.h"
#include "store/source.h"

struct sides {
	struct keyfilter f1, f3;
	struct source v1, v3;
	bool open1, open3;
	struct dsck_conn conn;
	bool have_conn;
};

static int open_snapshot(struct cli *cli, struct source *s, struct keyfilter *f, const char *path,
			 enum dsck_api api, const char *opt, struct dsck_error *err)
{
	keyfilter_init(f, "/calico", false);
	if (source_open_snapshot(s, path, f, err))
		return cli_fail(err);
	if (s->snap.hdr.api != api) {
		source_close(s);
		return cli_usage_error(cli, "%s: %s is a %s snapshot, not %s", opt, path,
				       dsck_api_name(s->snap.hdr.api), dsck_api_name(api));
	}
	return EXIT_OK;
}

/*
 * One side: the snapshot at @path (option @opt, of API @api), else the live
 * store of that API under @prefix.
 */
static int open_side(struct cli *cli, struct sides *s, struct source *src, struct keyfilter *f,
		     const char *path, enum dsck_api api, const char *opt, const char *prefix,
		     int64_t page, struct dsck_error *err)
{
	if (path)
		return open_snapshot(cli, src, f, path, api, opt, err);
	keyfilter_init(f, prefix, false);
	if (api == DSCK_API_V2 ? source_open_v2(src, &s->conn, f, true, err)
			       : source_open_v3(src, &s->conn, f, page, false, err))
		return cli_fail(err);
	return EXIT_OK;
}

static int open_sides(struct cli *cli, struct sides *s, struct dsck_error *err)
{
	const char *p1 = cli->val[OPT_V1_SNAPSHOT], *p3 = cli->val[OPT_V3_SNAPSHOT];
	int64_t page;
	int rc;

	if ((rc = cli_page_size(cli, &page)))
		return rc;
	if (!p1 || !p3) {
		if ((rc = cli_connect_settings(cli, &s->conn)))
			return rc;
		s->have_conn = true;
	}
	if ((rc = open_side(cli, s, &s->v1, &s->f1, p1, DSCK_API_V2, "--v1-snapshot", "/calico",
			    page, err)))
		return rc;
	s->open1 = true;
	rc = open_side(cli, s, &s->v3, &s->f3, p3, DSCK_API_V3, "--v3-snapshot", "/calico/", page,
		       err);
	s->open3 = !rc;
	return rc;
}

static void close_sides(struct sides *s)
{
	if (s->open1)
		source_close(&s->v1);
	if (s->open3)
		source_close(&s->v3);
	if (s->have_conn)
		conn_release(&s->conn);
}

static json_t *ready_json(int ready)
{
	return ready < 0 ? json_null() : json_boolean(ready);
}

static json_t *converted_json(const struct check_calico_upgrade *c)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < c->n_entries; i++) {
		const struct check_calico_upgrade_entry *e = &c->entries[i];
		json_t *o = json_pack("{s:s,s:s,s:s}", "v1", e->v1_key, "v3", e->v3_key, "kind",
				      e->kind);

		if (c->phase == CHECK_CALICO_UPGRADE_AFTER)
			json_object_set_new(o, "state", json_string(!e->seen ? "missing"
								    : e->differs ? "differs" : "same"));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *summary_json(const struct check_calico_upgrade *c)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I}",
			 "converted", (json_int_t)c->converted,
			 "skipped", (json_int_t)c->skipped,
			 "conversion_errors", (json_int_t)c->conversion_errors,
			 "name_clashes", (json_int_t)c->clashes,
			 "missing", (json_int_t)c->missing,
			 "mismatched", (json_int_t)c->mismatched,
			 "extra", (json_int_t)c->extra);
}

static int render(struct cli *cli, const struct check_calico_upgrade *c,
		  const struct sides *s)
{
	const struct findings *f = &c->findings;
	bool ok = findings_ok(f);
	const char *phase = check_calico_upgrade_phase_name(c->phase);

	if (cli->format == OUT_JSON) {
		json_t *doc = cli_check_json("calico-upgrade", ok, f);

		json_object_set_new(doc, "phase", json_string(phase));
		json_object_set_new(doc, "phase_auto", json_boolean(c->phase_auto));
		json_object_set_new(doc, "phase_reason", json_string(c->phase_reason));
		json_object_set_new(doc, "v1", json_pack("{s:s,s:o,s:o,s:I}", "source", s->v1.name,
							 "ready", ready_json(c->v1_ready),
							 "calico_version",
							 cli_json_text(c->calico_version), "keys",
							 (json_int_t)c->v1_keys));
		json_object_set_new(doc, "v3", json_pack("{s:s,s:o,s:I,s:I,s:I}", "source",
							 s->v3.name, "datastore_ready",
							 ready_json(c->v3_ready), "keys",
							 (json_int_t)c->v3_keys, "resources",
							 (json_int_t)c->v3_resources, "ipam",
							 (json_int_t)c->v3_ipam));
		json_object_set_new(doc, "summary", cli_findings_summary(summary_json(c), f));
		json_object_set_new(doc, "converted", converted_json(c));
		cli_print_json(doc);
	} else {
		printf("phase: %s (%s)\n", phase, c->phase_reason);
		printf("v1: %s: %zu keys, Ready %s, CalicoVersion %s\n", s->v1.name, c->v1_keys,
		       c->v1_ready < 0 ? "absent" : c->v1_ready ? "true" : "false",
		       c->calico_version ? c->calico_version : "absent");
		printf("v3: %s: %zu keys, %zu v3 resources, datastoreReady %s\n", s->v3.name,
		       c->v3_keys, c->v3_resources,
		       c->v3_ready < 0 ? "unknown" : c->v3_ready ? "true" : "false");
		printf("converted %zu, skipped %zu, conversion errors %zu, name clashes %zu",
		       c->converted, c->skipped, c->conversion_errors, c->clashes);
		if (c->phase == CHECK_CALICO_UPGRADE_AFTER)
			printf(", missing %zu, differing %zu, extra %zu", c->missing, c->mismatched,
			       c->extra);
		printf("\n\n");
		cli_findings_table(f);
		printf("calico-upgrade (%s): %s%s%s\n", phase, cli_color(ok ? COLOR_GREEN : COLOR_RED),
		       ok ? "OK" : "FAILED", cli_color(COLOR_RESET));
	}
	return ok ? EXIT_OK : EXIT_DIFFERENT;
}

int cmd_check_calico_upgrade(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	const char *p = cli->val[OPT_PHASE];
	enum check_calico_upgrade_phase phase = CHECK_CALICO_UPGRADE_AUTO;
	struct check_calico_upgrade c;
	struct sides s = { 0 };
	int rc;

	if (cli->npos)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->pos[0]);
	if (p && strcmp(p, "before") == 0)
		phase = CHECK_CALICO_UPGRADE_BEFORE;
	else if (p && strcmp(p, "after") == 0)
		phase = CHECK_CALICO_UPGRADE_AFTER;
	else if (p && strcmp(p, "auto") != 0)
		return cli_usage_error(cli, "--phase must be auto, before or after, not '%s'", p);
	if ((rc = open_sides(cli, &s, &err))) {
		close_sides(&s);
		return rc;
	}
	if (check_calico_upgrade_run(&c, &s.v1, &s.v3, phase, &err))
		rc = cli_fail(&err);
	else
		rc = render(cli, &c, &s);
	check_calico_upgrade_release(&c);
	close_sides(&s);
	return cli_finish_stdout(rc);
}
