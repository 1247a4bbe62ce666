/* report: rendering findings, shared by every check. */
#include <jansson.h>
#include <string.h>

#include "cli.h"
#include "base/findings.h"

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

json_t *cli_findings_summary(json_t *summary, const struct findings *f)
{
	json_t *o = summary ? summary : json_object();

	json_object_set_new(o, "errors", json_integer((json_int_t)f->by_sev[SEV_ERROR]));
	json_object_set_new(o, "warnings", json_integer((json_int_t)f->by_sev[SEV_WARNING]));
	json_object_set_new(o, "info", json_integer((json_int_t)f->by_sev[SEV_INFO]));
	return o;
}

json_t *cli_check_json(const char *check, bool ok, const struct findings *f)
{
	json_t *doc = json_object();

	json_object_set_new(doc, "check", json_string(check));
	json_object_set_new(doc, "ok", json_boolean(ok));
	if (f)
		json_object_set_new(doc, "findings", cli_findings_json(f));
	return doc;
}
