/* report: rendering findings and counts, shared by every command. */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "table.h"
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

/* One line for the findings of one code and severity. */
struct group {
	const struct finding *ex[REPORT_EXAMPLES];
	size_t nex, n;                  /* examples kept, findings in the group */
};

/* How much of a grouped line is shown: the first layout that fits wins. */
struct fit {
	size_t nex;
	bool member, pointer;
	size_t detail_min;              /* columns the detail needs at least */
};

/* A message is worth showing only with this much of it left ("..." takes 3). */
#define DETAIL_MIN 20
#define DETAIL_ALL SIZE_MAX

static const struct fit fits[] = {
	{ 3, true, true, DETAIL_ALL }, { 2, true, true, DETAIL_ALL }, { 1, true, true, DETAIL_ALL },
	{ 1, true, true, DETAIL_MIN }, { 1, false, true, DETAIL_MIN },
	{ 1, false, false, DETAIL_MIN }, { 1, false, false, 3 }, { 1, false, false, 0 },
};

static size_t cols(const char *s)
{
	return s ? table_text_width(s, strlen(s), TABLE_TEXT) : 0;
}

static const char *subject(const struct finding *x)
{
	return x->key ? x->key : x->member;
}

static size_t digits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Columns of the examples: "KEY [MEMBER], KEY [MEMBER]". */
static size_t examples_cols(const struct group *g, size_t nex, bool member)
{
	size_t w = 0;

	for (size_t i = 0; i < nex; i++) {
		const struct finding *x = g->ex[i];

		w += (i ? 2 : 0) + cols(subject(x));
		if (member && x->key && x->member)
			w += 3 + cols(x->member);
	}
	return w;
}

static void print_group(const struct group *g, int indent, size_t codew, size_t width,
			bool *left_out)
{
	static const char *const label[] = { "INFO", "WARN", "ERROR" };
	static const enum cli_color paint[] = { COLOR_RESET, COLOR_YELLOW, COLOR_RED };
	const struct finding *first = g->ex[0];
	const char *detail = first->detail && *first->detail ? first->detail : NULL;
	bool subj = subject(first) != NULL, say;
	size_t detail_w = cols(detail), room = TABLE_UNLIMITED, more, fixed;
	const struct fit *fit = &fits[0];

	for (size_t k = 0; k < ARRAY_SIZE(fits); k++) {
		size_t nex = fits[k].nex < g->nex ? fits[k].nex : g->nex;

		fit = &fits[k];
		more = g->n - nex;
		/* "LABEL CODE  EXAMPLES and N more: DETAIL (dsck explain CODE)" */
		fixed = (size_t)indent + 6 + (codew ? codew : strlen(first->code)) + 2 +
			examples_cols(g, nex, fit->member) + (more ? 10 + digits(more) : 0) +
			(subj && detail ? 2 : 0) + (fit->pointer ? 16 + strlen(first->code) : 0);
		if (width == TABLE_UNLIMITED)
			break;
		room = table_room(width, fixed);
		if (room >= (fit->detail_min < detail_w ? fit->detail_min : detail_w))
			break;
	}
	more = g->n - (fit->nex < g->nex ? fit->nex : g->nex);
	say = detail && (room >= detail_w || room >= 3);
	printf("%*s%s%-5s%s %-*s  ", indent, "", cli_color(paint[first->sev]),
	       label[first->sev], cli_color(COLOR_RESET), (int)codew, first->code);
	for (size_t i = 0; i < g->nex && i < fit->nex; i++) {
		const struct finding *x = g->ex[i];

		printf("%s%s", i ? ", " : "", subject(x) ? subject(x) : "");
		if (fit->member && x->key && x->member)
			printf(" [%s]", x->member);
	}
	if (subj && more)
		printf(" and %zu more", more);
	if (subj && say)
		fputs(": ", stdout);
	if (say)
		table_put(stdout, detail, strlen(detail), room, TABLE_TEXT);
	if (!subj && more)
		printf(" and %zu more", more);
	/* Every code ends with where to read more (docs/findings.md). */
	if (fit->pointer)
		printf(" (dsck explain %s)", first->code);
	else
		*left_out = true;
	putchar('\n');
}

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

/* Examples name different things: one key with several findings is named once. */
static bool shown(const struct group *g, const struct finding *x)
{
	for (size_t i = 0; i < g->nex; i++)
		if (same(g->ex[i]->key, x->key) && same(g->ex[i]->member, x->member))
			return true;
	return false;
}

/* The findings of @code with severity @sev; past-cap ones count in the first group. */
static void gather(const struct findings *f, const char *code, enum severity sev,
		   struct group *g)
{
	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < f->n; i++) {
		const struct finding *x = &f->v[i];

		if (x->sev != sev || strcmp(x->code, code) != 0)
			continue;
		if (g->nex < REPORT_EXAMPLES && !shown(g, x))
			g->ex[g->nex++] = x;
		g->n++;
	}
}

/*
 * Each group of @f in order, most severe first, to @fn. Findings past the cap
 * were counted, not kept: "and N more" of a code's first group counts them.
 */
static void each_group(const struct findings *f, enum severity min,
		       void (*fn)(const struct group *g, void *ctx), void *ctx)
{
	size_t kept[FINDINGS_MAX_CODES] = { 0 };
	bool seen[FINDINGS_MAX_CODES] = { false };

	for (size_t c = 0; c < f->n_codes; c++)
		for (size_t i = 0; i < f->n; i++)
			kept[c] += strcmp(f->v[i].code, f->codes[c].code) == 0;
	for (int sev = SEV_ERROR; sev >= (int)min; sev--) {
		for (size_t c = 0; c < f->n_codes; c++) {
			struct group g;

			gather(f, f->codes[c].code, (enum severity)sev, &g);
			if (!g.n)
				continue;
			if (!seen[c])
				g.n += f->codes[c].n - kept[c];
			seen[c] = true;
			fn(&g, ctx);
		}
	}
}

struct lines {
	int indent;
	size_t codew, width;
	bool left_out;
};

/* Codes are padded to one column only when every line still fits with it. */
static void measure_group(const struct group *g, void *ctx)
{
	struct lines *l = ctx;
	size_t more = g->n - 1, least = (size_t)l->indent + 6 + l->codew + 2 +
		examples_cols(g, 1, false) + (more ? 10 + digits(more) : 0);

	if (l->width != TABLE_UNLIMITED && least > l->width)
		l->codew = 0;
}

static void print_one(const struct group *g, void *ctx)
{
	struct lines *l = ctx;

	print_group(g, l->indent, l->codew, l->width, &l->left_out);
}

bool cli_findings_lines(const struct findings *f, int indent, enum severity min, size_t width)
{
	struct lines l = { .indent = indent, .width = width };

	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].sev >= min && strlen(f->v[i].code) > l.codew)
			l.codew = strlen(f->v[i].code);
	each_group(f, min, measure_group, &l);
	each_group(f, min, print_one, &l);
	return l.left_out;
}

void cli_findings_pointer_note(int indent)
{
	printf("%*s(dsck explain CODE tells what a code means and what to do)\n", indent, "");
}

void cli_findings_table(const struct findings *f)
{
	if (cli_findings_lines(f, 0, SEV_INFO, table_width()))
		cli_findings_pointer_note(0);
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
