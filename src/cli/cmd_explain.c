/*
 * explain: print the catalogue entry of a finding code. The text is
 * docs/findings.md itself, compiled in (tools/embed/embed_text.py), so the
 * document is the one source of truth: an entry is the part between a
 * "### CODE" heading and the next heading (docs/findings.md, "Format").
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "table.h"

extern const char findings_md[];

#define ENTRY_HEADING "\n### "

struct entry {
	const char *code, *text;   /* into findings_md, not terminated */
	size_t code_len, text_len;
};

/* The entry after @from (0 = the first); false when there is none. */
static bool entry_next(const char *from, struct entry *e)
{
	const char *h = strstr(from, ENTRY_HEADING), *end;

	if (!h)
		return false;
	e->code = h + strlen(ENTRY_HEADING);
	e->code_len = strcspn(e->code, " \n");
	e->text = e->code + strcspn(e->code, "\n");
	while (*e->text == '\n')
		e->text++;
	/* The entry ends at the next heading of any level. */
	for (end = e->text; *end; end++)
		if (end[0] == '\n' && end[1] == '#')
			break;
	while (end > e->text && end[-1] == '\n')
		end--;
	e->text_len = (size_t)(end - e->text);
	return true;
}

static bool entry_find(const char *code, struct entry *e)
{
	const char *p = findings_md;

	while (entry_next(p, e)) {
		if (e->code_len == strlen(code) && strncmp(e->code, code, e->code_len) == 0)
			return true;
		p = e->text;
	}
	return false;
}

/* "Severity: warning or info ..." -> the first line after the label. */
static json_t *entry_severity(const struct entry *e)
{
	static const char label[] = "Severity: ";
	const char *s = e->text;
	size_t n;

	if (strncmp(s, label, strlen(label)) != 0)
		return json_null();
	s += strlen(label);
	n = strcspn(s, ".\n");
	return json_stringn(s, n);
}

static int explain_list(struct cli *cli)
{
	const char *p = findings_md;
	struct entry e;
	json_t *codes = json_array();

	while (entry_next(p, &e)) {
		if (cli->format == OUT_JSON)
			json_array_append_new(codes, json_stringn(e.code, e.code_len));
		else
			printf("%.*s\n", (int)e.code_len, e.code);
		p = e.text;
	}
	if (cli->format != OUT_JSON) {
		json_decref(codes);
		printf("\nRun 'dsck explain CODE' for one entry.\n");
		return EXIT_OK;
	}
	json_t *doc = json_pack("{s:s, s:b, s:o}", "command", "explain", "ok", 1, "codes", codes);

	return cli_print_json(doc);
}

int cmd_explain(struct cli *cli)
{
	struct entry e;

	if (cli->npos == 0)
		return explain_list(cli);
	if (cli->npos > 1)
		return cli_usage_error(cli, "explain takes one finding code");
	if (!entry_find(cli->pos[0], &e))
		return cli_usage_error(cli, "unknown finding code '%s' (dsck explain lists them)",
				       cli->pos[0]);
	if (cli->format == OUT_JSON)
		return cli_print_json(json_pack("{s:s, s:b, s:s, s:o, s:s%}", "command", "explain",
						"ok", 1, "code", cli->pos[0], "severity",
						entry_severity(&e), "text", e.text, e.text_len));
	/* On a terminal the paragraphs are wrapped to its width (docs/conventions.md). */
	printf("%s\n\n", cli->pos[0]);
	table_wrap(stdout, e.text, e.text_len, table_width());
	if (table_width() == TABLE_UNLIMITED)
		putchar('\n');
	return EXIT_OK;
}
