/* dsck config: the effective settings and where each one came from. */
#include <jansson.h>

#include "cli.h"
#include "table.h"

/* Secrets are never shown, only whether they are set. */
static const char *shown_value(const struct dsck_settings *s, enum setting_id id)
{
	const char *v = settings_get(s, id);

	if (settings_def(id)->secret)
		return v && *v ? "<set>" : NULL;
	return v;
}

int cmd_config(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_settings *s = &cli->settings;
	struct dsck_conn conn;

	if (settings_load_env(s, &err) || settings_load_config(s, &err))
		return cli_fail(&err);
	/* Validate what a command would use, so a bad value shows up here too. */
	if (conn_init(&conn, s, &err))
		return cli_fail(&err);
	conn_release(&conn);

	if (cli->format == OUT_JSON) {
		json_t *doc = json_object(), *set = json_object();

		for (int i = 0; i < SET__COUNT; i++) {
			const char *v = shown_value(s, (enum setting_id)i);
			json_t *e = json_object();

			json_object_set_new(e, "value", v ? json_string(v) : json_null());
			json_object_set_new(e, "source",
					    json_string(v ? settings_source_name(s->v[i].source) : "unset"));
			if (v)
				json_object_set_new(e, "origin", json_string(s->v[i].origin));
			cli_json_set_snake(set, settings_def((enum setting_id)i)->name, e);
		}
		json_object_set_new(doc, "settings", set);
		json_object_set_new(doc, "ok", json_true());
		return cli_print_json(doc);
	}
	static const struct table_col cols[] = {
		{ "SETTING", TABLE_LEFT }, { "SOURCE", TABLE_LEFT }, { "ORIGIN", TABLE_SHRINK },
		{ "VALUE", TABLE_SHRINK },
	};
	struct table t;

	table_init(&t, cols, ARRAY_SIZE(cols));
	for (int i = 0; i < SET__COUNT; i++) {
		const char *v = shown_value(s, (enum setting_id)i);

		table_add(&t, (const char *const[]){ settings_def((enum setting_id)i)->name,
			  v ? settings_source_name(s->v[i].source) : "unset",
			  v ? s->v[i].origin : "-", v ? v : "-" });
	}
	table_print(&t, stdout);
	table_release(&t);
	return EXIT_OK;
}
