/* report: rendering findings and counts, shared by every command. */
#include <jansson.h>
#include <string.h>

#include "cli.h"
#include "base/findings.h"
#include "calico/counts.h"

json_t *cli_findings_json(const struct findings *f)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];
		json_t *o = json_object();

		json_object_set_new(o, "code", json_string(x->code));
		json_object_set_new(o, "severity", json_string(severity_name(x->sev)));
		/* One shape for every finding: null where it is not about a member or key. */
		json_object_set_new(o, "member", cli_json_text(x->member));
		json_object_set_new(o, "key", cli_json_text(x->key));
		json_object_set_new(o, "detail", cli_json_text(x->detail));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* How many findings of one code a table shows before summing up the rest. */
#define TABLE_PER_CODE 5

static size_t shown_before(const struct findings *f, size_t upto, const char *code)
{
	size_t n = 0;

	for (size_t i = 0; i < upto; i++)
		n += strcmp(f->v[i].code, code) == 0;
	return n;
}

void cli_findings_table(const struct findings *f)
{
	static const char *const label[] = { "INFO", "WARN", "ERROR" };
	static const enum cli_color paint[] = { COLOR_RESET, COLOR_YELLOW, COLOR_RED };

	for (int sev = SEV_ERROR; sev >= SEV_INFO; sev--) {
		for (size_t i = 0; i < f->n; i++) {
			const struct finding *x = &f->v[i];
			size_t before = shown_before(f, i, x->code);

			if ((int)x->sev != sev || before > TABLE_PER_CODE)
				continue;
			if (before == TABLE_PER_CODE) {
				printf("%s%-5s%s %-34s ... and %zu more (-o json lists them) "
				       "(dsck explain %s)\n", cli_color(paint[sev]), label[sev],
				       cli_color(COLOR_RESET), x->code,
				       findings_count(f, x->code) - TABLE_PER_CODE, x->code);
				continue;
			}
			printf("%s%-5s%s %-34s %s%s%s%s%s\n", cli_color(paint[sev]), label[sev],
			       cli_color(COLOR_RESET), x->code, x->key ? x->key : "",
			       x->key ? "  " : "", x->member ? "[" : "", x->member ? x->member : "",
			       x->member ? "]" : "");
			/* Every finding ends with where to read more (docs/findings.md). */
			printf("      %s%s(dsck explain %s)\n", x->detail ? x->detail : "",
			       x->detail ? " " : "", x->code);
		}
	}
	if (f->dropped)
		printf("(%zu more %s not kept)\n", f->dropped,
		       cli_plural(f->dropped, "finding", "findings"));
	printf("%zu %s, %zu %s, %zu info\n", f->by_sev[SEV_ERROR],
	       cli_plural(f->by_sev[SEV_ERROR], "error", "errors"), f->by_sev[SEV_WARNING],
	       cli_plural(f->by_sev[SEV_WARNING], "warning", "warnings"), f->by_sev[SEV_INFO]);
}

/* ---------------------------------------------------------------- counts */

json_t *cli_count_json(bool known, size_t n)
{
	return known ? json_integer((json_int_t)n) : json_null();
}

json_t *cli_counts_json(const struct counts *c, bool kinds)
{
	json_t *o = json_object();

	json_object_set_new(o, "keys", json_integer((json_int_t)c->keys));
	/* What was never read is null, not 0 (docs/json.md). */
	json_object_set_new(o, "ephemeral", cli_count_json(!c->ephemeral_unknown, c->ephemeral));
	json_object_set_new(o, "dirs", json_integer((json_int_t)c->dirs));
	if (!kinds)
		return o;
	json_t *objects = json_object(), *keys = json_object();

	for (int k = 0; k < CALICO_KIND__COUNT; k++) {
		json_object_set_new(objects, calico_kind_name((enum calico_kind)k),
				    json_integer((json_int_t)c->objects[k]));
		json_object_set_new(keys, calico_kind_name((enum calico_kind)k),
				    json_integer((json_int_t)c->kind_keys[k]));
	}
	json_object_set_new(o, "objects", json_integer((json_int_t)counts_objects(c)));
	json_object_set_new(o, "kinds", objects);
	json_object_set_new(o, "kind_keys", keys);
	return o;
}

void cli_counts_table(const struct counts *c, bool kinds)
{
	if (kinds) {
		size_t keys = 0;

		printf("%-20s %8s %8s\n", "KIND", "OBJECTS", "KEYS");
		for (int k = 0; k < CALICO_KIND__COUNT; k++) {
			keys += c->kind_keys[k];
			if (!c->objects[k] || k == CALICO_DIRECTORY)
				continue;
			printf("%-20s %8zu %8zu\n", calico_kind_name((enum calico_kind)k),
			       c->objects[k], c->kind_keys[k]);
		}
		printf("%-20s %8zu %8zu\n\n", "total", counts_objects(c), keys);
	}
	printf("%-20s %8zu\n", "keys", c->keys);
	if (c->ephemeral_unknown)
		printf("%-20s %8s (not in the snapshot)\n", "ephemeral keys", "unknown");
	else
		printf("%-20s %8zu\n", "ephemeral keys", c->ephemeral);
	printf("%-20s %8zu\n", "directories", c->dirs);
}
