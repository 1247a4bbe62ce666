/*
 * dsck verify-migrate, dsck check pre-migrate, dsck check v2-content: the
 * checks around etcdctl migrate, member by member (docs/checks.md).
 */
#include <jansson.h>

#include "cli.h"
#include "table.h"
#include "check/check.h"
#include "base/keyfilter.h"

static json_t *member_json(const struct check_member *m)
{
	json_t *o = json_object();

	json_object_set_new(o, "endpoint", json_string(m->endpoint));
	json_object_set_new(o, "reachable", json_boolean(m->reachable));
	if (m->error[0])
		json_object_set_new(o, "error", json_string(m->error));
	bool v2_read = m->reachable && m->v2_served == 1;

	/* status calls it v2_enabled: one name per concept (docs/json.md). */
	json_object_set_new(o, "v2_enabled", m->v2_served < 0 ? json_null()
							       : json_boolean(m->v2_served));
	/* The counts of docs/json.md, "Counts"; null where the store was not read. */
	json_object_set_new(o, "v2_keys", cli_count_json(v2_read, m->v2.keys));
	json_object_set_new(o, "v2_ephemeral", cli_count_json(v2_read, m->v2.ephemeral));
	json_object_set_new(o, "v2_dirs", cli_count_json(v2_read, m->v2.dirs));
	json_object_set_new(o, "v2_ttl_keys", cli_count_json(v2_read, m->v2.ttl));
	json_object_set_new(o, "v3_keys", cli_count_json(m->v3_counted, m->v3.keys));
	json_object_set_new(o, "v3_ephemeral", cli_count_json(m->v3_counted, m->v3.ephemeral));
	json_object_set_new(o, "v3_model_keys", cli_count_json(m->v3_counted, m->v3.model_keys));
	if (m->n_prefixes) {
		json_t *p = json_object();

		for (size_t i = 0; i < m->n_prefixes; i++)
			json_object_set_new(p, m->prefixes[i].prefix,
					    json_integer((json_int_t)m->prefixes[i].n));
		json_object_set_new(o, "v2_prefixes", p);
	}
	return o;
}

static int render(struct cli *cli, const struct check_result *r)
{
	const struct findings *f = &r->findings;
	bool ok = findings_ok(f) && !r->unreachable;

	if (cli->format == OUT_JSON) {
		json_t *doc = cli_check_json(r->name, ok, f), *members = json_array();

		for (size_t i = 0; i < r->n_members; i++)
			json_array_append_new(members, member_json(&r->members[i]));
		json_object_set_new(doc, "summary",
				    cli_findings_summary(json_pack("{s:I,s:I,s:I}",
								   "members", (json_int_t)r->n_members,
								   "unreachable",
								   (json_int_t)r->unreachable,
								   "compared", (json_int_t)r->compared),
							 f));
		json_object_set_new(doc, "members", members);
		cli_print_json(doc);
	} else {
		static const struct table_col cols[] = {
			{ "MEMBER", TABLE_LEFT }, { "REACHABLE", TABLE_LEFT }, { "V2 API", TABLE_LEFT },
			{ "V2 KEYS", TABLE_RIGHT }, { "V2 EPHEMERAL", TABLE_RIGHT },
			{ "V2 DIRECTORIES", TABLE_RIGHT }, { "V3 KEYS", TABLE_RIGHT },
			{ "V3 EPHEMERAL", TABLE_RIGHT }, { "V3 MODEL", TABLE_RIGHT },
		};
		struct table t;

		table_init(&t, cols, ARRAY_SIZE(cols));
		for (size_t i = 0; i < r->n_members; i++) {
			const struct check_member *m = &r->members[i];

			char v2[24] = "-", eph2[24] = "-", dirs[24] = "-", v3[24] = "-", eph3[24] = "-",
			     model[24] = "-";

			if (m->reachable && m->v2_served == 1) {
				snprintf(v2, sizeof(v2), "%zu", m->v2.keys);
				snprintf(eph2, sizeof(eph2), "%zu", m->v2.ephemeral);
				snprintf(dirs, sizeof(dirs), "%zu", m->v2.dirs);
			}
			if (m->v3_counted) {
				snprintf(v3, sizeof(v3), "%zu", m->v3.keys);
				snprintf(eph3, sizeof(eph3), "%zu", m->v3.ephemeral);
				snprintf(model, sizeof(model), "%zu", m->v3.model_keys);
			}
			table_add(&t, (const char *const[]){ m->endpoint, m->reachable ? "yes" : "NO",
				  m->v2_served < 0 ? "unknown" : m->v2_served ? "served" : "DISABLED",
				  v2, eph2, dirs, v3, eph3, model });
			if (m->error[0] && !m->reachable)
				table_note(&t, m->error);
		}
		table_print(&t, stdout);
		table_release(&t);
		putchar('\n');
		cli_findings_table(f);
		printf("%s: %s%s%s\n", r->name, cli_color(ok && !r->unreachable ? COLOR_GREEN : COLOR_RED),
		       r->unreachable ? "INCOMPLETE (a member could not be checked)"
		       : ok ? "OK" : "FAILED", cli_color(COLOR_RESET));
	}
	if (r->unreachable)
		return EXIT_CONNECT;
	return ok ? EXIT_OK : EXIT_DIFFERENT;
}

int cmd_check_etcd(struct cli *cli)
{
	static const char *const names[] = {
		[CHECK_VERIFY_MIGRATE] = "verify-migrate", [CHECK_PRE_MIGRATE] = "pre-migrate",
		[CHECK_V2_CONTENT] = "v2-content",
	};
	enum cmd_etcd_check w = (enum cmd_etcd_check)cli->cmd->variant;
	struct dsck_error err = DSCK_ERROR_INIT;
	struct check_result res;
	struct keyfilter f;
	struct dsck_conn conn;
	struct progress prog;
	int64_t page;
	enum dsck_err e;
	int rc;

	if (cli->npos)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->pos[0]);
	if ((rc = cli_page_size(cli, &page)) || (rc = cli_keyfilter(cli, &f, "/calico")) ||
	    (rc = cli_connect_settings(cli, &conn)))
		return rc;
	check_result_init(&res, names[w]);
	progress_init(&prog, cli, names[w]);
	progress_watch(&prog, &conn);
	if (w == CHECK_VERIFY_MIGRATE)
		e = check_verify_migrate(&conn, &f, cli->val[OPT_BEFORE], page, &res, &err);
	else if (w == CHECK_PRE_MIGRATE)
		e = check_pre_migrate(&conn, &f, &res, &err);
	else
		e = check_v2_content(&conn, &res, &err);
	if (!e)
		progress_finish(&prog);
	rc = e ? cli_fail(&err) : render(cli, &res);
	check_result_release(&res);
	conn_release(&conn);
	return rc;
}
