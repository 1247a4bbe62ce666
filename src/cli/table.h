/*
 * table: text for people that fits the terminal (docs/conventions.md,
 * "Tables"). On a terminal, lines are kept within its width by shortening
 * values and messages with an ellipsis; keys, ids, codes and numbers are
 * never shortened. Output that is not a terminal is never shortened.
 */
#ifndef DSCK_TABLE_H
#define DSCK_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "base/err.h"

/* No width limit: standard output is a pipe or a file. */
#define TABLE_UNLIMITED ((size_t)-1)

/*
 * The columns a line may use: COLUMNS, or the terminal's width, when
 * standard output is a terminal; TABLE_UNLIMITED when it is not.
 */
size_t table_width(void);

/* Columns left of @width after @used: 0 when none, TABLE_UNLIMITED stays so. */
size_t table_room(size_t width, size_t used);

/* "…" when the locale is UTF-8, "..." otherwise; *cols is its width. */
const char *table_ellipsis(size_t *cols);

/* Columns @cp takes on a terminal: 0 (combining), 1, or 2 (wide). */
size_t table_cp_width(unsigned cp);

/*
 * How text is written: TABLE_TEXT is text dsck made (only control bytes and
 * bytes that are not UTF-8 are escaped); TABLE_BYTES is a key or value from
 * a store, escaped as every key is (base/keytext.h).
 */
enum table_text { TABLE_TEXT, TABLE_BYTES };

/* Display columns of @s as table_put would write it whole. */
size_t table_text_width(const char *s, size_t len, enum table_text how);

/*
 * Write @s in at most @max columns: whole when it fits, otherwise cut
 * between characters (never inside a UTF-8 sequence or an escape) and ended
 * with the ellipsis. Returns the columns written.
 */
size_t table_put(FILE *out, const char *s, size_t len, size_t max, enum table_text how);

/*
 * As table_put, but when @s does not fit, show the part around byte @at
 * (where two values start to differ): "…" + the text from a little before
 * @at, cut at the end if needed.
 */
size_t table_put_at(FILE *out, const char *s, size_t len, size_t at, size_t max,
		    enum table_text how);

/*
 * Prose for people: paragraphs (separated by a blank line) written with
 * their lines joined and broken again at spaces to fit @width; a word is
 * never cut. With TABLE_UNLIMITED the text is written as it is.
 */
void table_wrap(FILE *out, const char *text, size_t len, size_t width);

/* Column flags. */
enum {
	TABLE_LEFT = 0,
	TABLE_RIGHT = 1 << 0,    /* numbers */
	TABLE_SHRINK = 1 << 1,   /* a value or message that may be shortened */
};

struct table_col {
	const char *head;
	unsigned flags;
};

#define TABLE_COLS_MAX 12

struct table_row {
	char *cell[TABLE_COLS_MAX];
	const char *paint[TABLE_COLS_MAX], *unpaint[TABLE_COLS_MAX];
	char *note;                       /* a line of its own under the row */
};

/*
 * A table is filled row by row and printed at once, so that column widths
 * come from the widest cell. It prints in columns when they fit the width
 * (shortening TABLE_SHRINK columns if needed), and otherwise one
 * "HEADER  value" line per cell, a block per row.
 */
struct table {
	const struct table_col *cols;
	size_t ncols;
	struct table_row *rows;
	size_t n, alloc;
	size_t width;                     /* table_width() unless set otherwise */
	int indent;
};

void table_init(struct table *t, const struct table_col *cols, size_t ncols);
void table_release(struct table *t);
/* Add a row of ncols cells (NULL shows as "-"). */
enum dsck_err table_add(struct table *t, const char *const *cells);
/* Colour one cell of the last row: @on before it, @off after it. */
void table_paint(struct table *t, size_t col, const char *on, const char *off);
/* A line under the last row (an error message), shortened like a value. */
enum dsck_err table_note(struct table *t, const char *text);
void table_print(const struct table *t, FILE *out);

#endif
