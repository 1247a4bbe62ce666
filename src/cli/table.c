/* table: text for people that fits the terminal (docs/conventions.md, "Tables"). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "table.h"
#include "base/keytext.h"
#include "base/macro.h"

/* A shortened column keeps at least this much (or its header, or all of it). */
#define TABLE_SHRINK_MIN 8

static size_t measure_width(void)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	char *end;
	unsigned long v;

	/* Scripts and `get` read whole values: pipes and files are never cut. */
	if (!isatty(STDOUT_FILENO))
		return TABLE_UNLIMITED;
	if (env && *env) {
		errno = 0;
		v = strtoul(env, &end, 10);
		if (!errno && !*end && v > 0 && v < 100000)
			return v;
	}
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
}

size_t table_width(void)
{
	static size_t width;

	/* One width for the whole run: a table must not change it half-way. */
	if (!width)
		width = measure_width();
	return width;
}

size_t table_room(size_t width, size_t used)
{
	return width == TABLE_UNLIMITED ? TABLE_UNLIMITED : width > used ? width - used : 0;
}

static bool locale_utf8(void)
{
	/* The locale variables in the order POSIX gives them precedence. */
	static const char *const vars[] = { "LC_ALL", "LC_CTYPE", "LANG" };

	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		const char *v = getenv(vars[i]);

		if (v && *v)
			return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
	}
	return false;
}

const char *table_ellipsis(size_t *cols)
{
	bool utf8 = locale_utf8();

	*cols = utf8 ? 1 : 3;
	return utf8 ? "\xe2\x80\xa6" : "...";
}

/* Ranges of East Asian wide and fullwidth characters, and of wide emoji. */
static const unsigned wide[][2] = {
	{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
	{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
	{ 0xfe30, 0xfe4f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
	{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
};

/* Combining marks and zero-width characters: drawn on the previous column. */
static const unsigned zero[][2] = {
	{ 0x0300, 0x036f }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff }, { 0x200b, 0x200f },
	{ 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
};

size_t table_cp_width(unsigned cp)
{
	for (size_t i = 0; i < ARRAY_SIZE(zero); i++)
		if (cp >= zero[i][0] && cp <= zero[i][1])
			return 0;
	for (size_t i = 0; i < ARRAY_SIZE(wide); i++)
		if (cp >= wide[i][0] && cp <= wide[i][1])
			return 2;
	return 1;
}

/* The code point of a valid UTF-8 sequence of @n bytes (2..4). */
static unsigned decode(const unsigned char *p, size_t n)
{
	unsigned cp = p[0] & (0x7f >> n);

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

/* One character as written: its text in @out, its length, bytes used and columns. */
static size_t step(const char *s, size_t left, enum table_text how, char out[KEYTEXT_STEP_MAX],
		   size_t *used, size_t *cols)
{
	size_t n;

	if (how == TABLE_TEXT && s[0] == '\\') {
		/* dsck's own text: a backslash is a backslash, not a byte to escape. */
		out[0] = '\\';
		*used = *cols = 1;
		return 1;
	}
	n = keytext_step(s, left, out, used);
	if (n == 1 || out[0] == '\\')
		*cols = n;
	else
		*cols = table_cp_width(decode((const unsigned char *)out, n));
	return n;
}

size_t table_text_width(const char *s, size_t len, enum table_text how)
{
	size_t w = 0;

	for (size_t i = 0; i < len;) {
		char out[KEYTEXT_STEP_MAX];
		size_t used, cols;

		step(s + i, len - i, how, out, &used, &cols);
		w += cols;
		i += used;
	}
	return w;
}

size_t table_put(FILE *out, const char *s, size_t len, size_t max, enum table_text how)
{
	size_t ell_cols = 0, w = 0, room = max;
	/* Into a pipe every value is whole: no need to measure it first. */
	bool cut = max != TABLE_UNLIMITED && table_text_width(s, len, how) > max;
	const char *ell = cut ? table_ellipsis(&ell_cols) : "";

	if (cut) {
		if (max < ell_cols)
			return 0;
		room = max - ell_cols;
	}
	for (size_t i = 0; i < len;) {
		char text[KEYTEXT_STEP_MAX];
		size_t used, cols, n = step(s + i, len - i, how, text, &used, &cols);

		if (w + cols > room)
			break;
		fwrite(text, 1, n, out);
		w += cols;
		i += used;
	}
	if (cut) {
		fputs(ell, out);
		w += ell_cols;
	}
	return w;
}

size_t table_put_at(FILE *out, const char *s, size_t len, size_t at, size_t max,
		    enum table_text how)
{
	size_t ell_cols, start = at;
	const char *ell = table_ellipsis(&ell_cols);

	if (at > len)
		at = start = len;
	if (table_text_width(s, len, how) <= max || max < 2 * ell_cols + 8 ||
	    table_text_width(s, at, how) + 8 <= max - ell_cols)
		return table_put(out, s, len, max, how);
	/* A third of the room for what comes before @at, starting on a character. */
	for (size_t back = 0; start > 0 && back < (max - ell_cols) / 3; back++)
		while (start > 0 && ((unsigned char)s[--start] & 0xc0) == 0x80)
			;
	fputs(ell, out);
	return ell_cols + table_put(out, s + start, len - start, max - ell_cols, how);
}

void table_wrap(FILE *out, const char *text, size_t len, size_t width)
{
	size_t col = 0, i = 0;

	if (width == TABLE_UNLIMITED) {
		fwrite(text, 1, len, out);
		return;
	}
	while (i < len) {
		size_t start, w;

		if (text[i] == ' ' || text[i] == '\n') {
			/* A blank line ends a paragraph. */
			if (text[i] == '\n' && i + 1 < len && text[i + 1] == '\n') {
				fputs(col ? "\n\n" : "\n", out);
				col = 0;
				i += 2;
				continue;
			}
			i++;
			continue;
		}
		for (start = i; i < len && text[i] != ' ' && text[i] != '\n'; i++)
			;
		w = table_text_width(text + start, i - start, TABLE_TEXT);
		if (col && col + 1 + w > width) {
			fputc('\n', out);
			col = 0;
		} else if (col) {
			fputc(' ', out);
			col++;
		}
		fwrite(text + start, 1, i - start, out);
		col += w;
	}
	if (col)
		fputc('\n', out);
}

void table_init(struct table *t, const struct table_col *cols, size_t ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols < TABLE_COLS_MAX ? ncols : TABLE_COLS_MAX;
	t->width = table_width();
}

void table_release(struct table *t)
{
	for (size_t r = 0; r < t->n; r++) {
		for (size_t c = 0; c < t->ncols; c++)
			free(t->rows[r].cell[c]);
		free(t->rows[r].note);
	}
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

enum dsck_err table_add(struct table *t, const char *const *cells)
{
	struct table_row *row;

	if (t->n == t->alloc) {
		size_t na = t->alloc ? t->alloc * 2 : 8;
		struct table_row *v = realloc(t->rows, na * sizeof(*v));

		if (!v)
			return DSCK_ERR_NOMEM;
		t->rows = v;
		t->alloc = na;
	}
	row = &t->rows[t->n];
	memset(row, 0, sizeof(*row));
	t->n++;
	for (size_t c = 0; c < t->ncols; c++)
		if (cells[c] && !(row->cell[c] = strdup(cells[c])))
			return DSCK_ERR_NOMEM;
	return DSCK_OK;
}

void table_paint(struct table *t, size_t col, const char *on, const char *off)
{
	if (!t->n || col >= t->ncols)
		return;
	t->rows[t->n - 1].paint[col] = on;
	t->rows[t->n - 1].unpaint[col] = off;
}

enum dsck_err table_note(struct table *t, const char *text)
{
	struct table_row *row;

	if (!t->n)
		return DSCK_OK;
	row = &t->rows[t->n - 1];
	free(row->note);
	row->note = strdup(text);
	return row->note ? DSCK_OK : DSCK_ERR_NOMEM;
}

static const char *cell_text(const struct table_row *row, size_t c)
{
	return row->cell[c] ? row->cell[c] : "-";
}

static size_t text_cols(const char *s)
{
	return table_text_width(s, strlen(s), TABLE_TEXT);
}

static void put_cell(FILE *out, const struct table_row *row, size_t c, const char *s, size_t max)
{
	bool paint = row && row->paint[c] && *row->paint[c];

	if (paint)
		fputs(row->paint[c], out);
	table_put(out, s, strlen(s), max, TABLE_TEXT);
	if (paint)
		fputs(row->unpaint[c] ? row->unpaint[c] : "", out);
}

static void pad(FILE *out, size_t n)
{
	while (n--)
		fputc(' ', out);
}

static void print_note(const struct table *t, const struct table_row *row, FILE *out)
{
	if (!row->note)
		return;
	pad(out, (size_t)t->indent + 2);
	table_put(out, row->note, strlen(row->note), table_room(t->width, (size_t)t->indent + 2),
		  TABLE_TEXT);
	fputc('\n', out);
}

static void print_line(const struct table *t, const struct table_row *row, const size_t *w,
		       size_t gap, FILE *out)
{
	pad(out, (size_t)t->indent);
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = row ? cell_text(row, c) : t->cols[c].head;
		size_t sw = text_cols(s), shown = sw < w[c] ? sw : w[c];
		bool last = c + 1 == t->ncols;

		if (c)
			pad(out, gap);
		if (t->cols[c].flags & TABLE_RIGHT)
			pad(out, w[c] - shown);
		put_cell(out, row, c, s, w[c]);
		if (!(t->cols[c].flags & TABLE_RIGHT) && !last)
			pad(out, w[c] - shown);
	}
	fputc('\n', out);
	if (row)
		print_note(t, row, out);
}

/* One "HEADER  value" line per cell: the layout of a table too wide for columns. */
static void print_blocks(const struct table *t, FILE *out)
{
	size_t label = 0;

	for (size_t c = 0; c < t->ncols; c++)
		if (text_cols(t->cols[c].head) > label)
			label = text_cols(t->cols[c].head);
	for (size_t r = 0; r < t->n; r++) {
		const struct table_row *row = &t->rows[r];

		if (r)
			fputc('\n', out);
		for (size_t c = 0; c < t->ncols; c++) {
			bool shrink = t->cols[c].flags & TABLE_SHRINK;

			pad(out, (size_t)t->indent);
			fputs(t->cols[c].head, out);
			pad(out, label - text_cols(t->cols[c].head) + 2);
			put_cell(out, row, c, cell_text(row, c),
				 shrink ? table_room(t->width, (size_t)t->indent + label + 2)
					: TABLE_UNLIMITED);
			fputc('\n', out);
		}
		print_note(t, row, out);
	}
}

static size_t total(const struct table *t, const size_t *w, size_t gap)
{
	size_t sum = (size_t)t->indent + gap * (t->ncols - 1);

	for (size_t c = 0; c < t->ncols; c++)
		sum += w[c];
	return sum;
}

/* Columns a shrinkable column of natural width @w and floor @f takes under @cap. */
static size_t capped(size_t w, size_t f, size_t cap)
{
	size_t v = w < cap ? w : cap;

	return v > f ? v : f;
}

/*
 * Shorten the TABLE_SHRINK columns to fit the width with gaps of @gap: the
 * widest are cut first, none below its floor. False when even the floors
 * do not fit.
 */
static bool shrink(const struct table *t, size_t *w, size_t gap)
{
	size_t floor[TABLE_COLS_MAX], keep = (size_t)t->indent + gap * (t->ncols - 1);
	size_t lo = 0, hi = 0;

	for (size_t c = 0; c < t->ncols; c++) {
		size_t head = text_cols(t->cols[c].head), f = head > TABLE_SHRINK_MIN ? head
							     : TABLE_SHRINK_MIN;

		floor[c] = t->cols[c].flags & TABLE_SHRINK && w[c] > f ? f : w[c];
		hi = w[c] > hi ? w[c] : hi;
		keep += floor[c];
	}
	if (keep > t->width)
		return false;
	/* The largest cap under which the columns still fit. */
	while (lo < hi) {
		size_t cap = lo + (hi - lo + 1) / 2, sum = keep;

		for (size_t c = 0; c < t->ncols; c++)
			sum += capped(w[c], floor[c], cap) - floor[c];
		if (sum <= t->width)
			lo = cap;
		else
			hi = cap - 1;
	}
	for (size_t c = 0; c < t->ncols; c++)
		w[c] = capped(w[c], floor[c], lo);
	return true;
}

void table_print(const struct table *t, FILE *out)
{
	size_t w[TABLE_COLS_MAX], gap = 2;

	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = text_cols(t->cols[c].head);
		for (size_t r = 0; r < t->n; r++) {
			size_t cw = text_cols(cell_text(&t->rows[r], c));

			w[c] = cw > w[c] ? cw : w[c];
		}
	}
	/* Whole cells with two spaces, then one space, then shortened values. */
	if (total(t, w, gap) > t->width)
		gap = 1;
	if (total(t, w, gap) > t->width && !shrink(t, w, gap)) {
		print_blocks(t, out);
		return;
	}
	print_line(t, NULL, w, gap, out);
	for (size_t r = 0; r < t->n; r++)
		print_line(t, &t->rows[r], w, gap, out);
}
