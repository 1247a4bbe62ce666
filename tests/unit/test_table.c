/*
 * Unit tests: tables for people (src/cli/table.c): display width of UTF-8,
 * cuts between characters with an ellipsis, column layouts that fit a width,
 * and the block layout when columns cannot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

/* What @fn wrote, in memory the caller frees. */
#define CAPTURE(out, call)                                          \
	do {                                                        \
		size_t len_;                                        \
		FILE *f_ = open_memstream(&(out), &len_);           \
		assert_non_null(f_);                                \
		call;                                               \
		fclose(f_);                                         \
	} while (0)

static size_t widest(const char *text)
{
	size_t w = 0;

	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		size_t cols = table_text_width(line, n, TABLE_TEXT);

		w = cols > w ? cols : w;
		line += n + (nl != NULL);
	}
	return w;
}

static void test_width(void **state)
{
	(void)state;
	assert_int_equal(table_text_width("abc", 3, TABLE_TEXT), 3);
	assert_int_equal(table_text_width("Gr\xc3\xbc\xc3\x9f" "e", 7, TABLE_TEXT), 5);
	assert_int_equal(table_text_width("\xe4\xb8\xad", 3, TABLE_TEXT), 2);      /* 中 */
	assert_int_equal(table_text_width("e\xcc\x81", 3, TABLE_TEXT), 1);         /* e + acute */
	/* Bytes from a store are escaped as keys are: \x0a takes 4 columns. */
	assert_int_equal(table_text_width("a\nb", 3, TABLE_BYTES), 6);
	assert_int_equal(table_text_width("a\\b", 3, TABLE_TEXT), 3);
	assert_int_equal(table_text_width("a\\b", 3, TABLE_BYTES), 6);
}

static void test_put(void **state)
{
	char *out = NULL;
	const char *wide = "\xe4\xb8\xad\xe4\xb8\xad\xe4\xb8\xad";   /* 6 columns */

	(void)state;
	setenv("LC_ALL", "C.UTF-8", 1);
	CAPTURE(out, assert_int_equal(table_put(f_, "abcdef", 6, 6, TABLE_TEXT), 6));
	assert_string_equal(out, "abcdef");
	free(out);
	CAPTURE(out, assert_int_equal(table_put(f_, "abcdef", 6, 4, TABLE_TEXT), 4));
	assert_string_equal(out, "abc\xe2\x80\xa6");
	free(out);
	/* A wide character that does not fit whole is left out, not split. */
	CAPTURE(out, assert_int_equal(table_put(f_, wide, 9, 4, TABLE_TEXT), 3));
	assert_string_equal(out, "\xe4\xb8\xad\xe2\x80\xa6");
	free(out);
	/* Unlimited means whole. */
	CAPTURE(out, table_put(f_, wide, 9, TABLE_UNLIMITED, TABLE_TEXT));
	assert_string_equal(out, wide);
	free(out);
	setenv("LC_ALL", "C", 1);
	CAPTURE(out, table_put(f_, "abcdef", 6, 5, TABLE_TEXT));
	assert_string_equal(out, "ab...");
	free(out);
	/* Too little room even for the ellipsis: nothing. */
	CAPTURE(out, assert_int_equal(table_put(f_, "abcdef", 6, 2, TABLE_TEXT), 0));
	assert_string_equal(out, "");
	free(out);
	unsetenv("LC_ALL");
}

static void test_put_at(void **state)
{
	char *out = NULL;
	const char *v = "{\"a\":\"0123456789012345678901234567890123456789\",\"end\":\"TAIL\"}";

	(void)state;
	setenv("LC_ALL", "C.UTF-8", 1);
	CAPTURE(out, table_put_at(f_, v, strlen(v), strstr(v, "TAIL") - v, 30, TABLE_BYTES));
	assert_non_null(strstr(out, "TAIL"));
	assert_true(table_text_width(out, strlen(out), TABLE_TEXT) <= 30);
	assert_memory_equal(out, "\xe2\x80\xa6", 3);
	free(out);
	unsetenv("LC_ALL");
}

static void test_wrap(void **state)
{
	char *out = NULL;
	const char *text = "Means: one two three\nfour five.\n\nDo: a-very-long-word-that-stays-whole x";

	(void)state;
	CAPTURE(out, table_wrap(f_, text, strlen(text), 15));
	assert_string_equal(out, "Means: one two\nthree four\nfive.\n\nDo:\n"
				 "a-very-long-word-that-stays-whole\nx\n");
	free(out);
	CAPTURE(out, table_wrap(f_, text, strlen(text), TABLE_UNLIMITED));
	assert_string_equal(out, text);
	free(out);
}

static const struct table_col cols[] = {
	{ "KEY", TABLE_LEFT }, { "N", TABLE_RIGHT }, { "VALUE", TABLE_SHRINK },
};

static void fill(struct table *t, size_t width)
{
	table_init(t, cols, 3);
	t->width = width;
	assert_int_equal(table_add(t, (const char *const[]){ "/calico/v1/Ready", "1", "true" }), 0);
	assert_int_equal(table_add(t, (const char *const[]){ "/calico/v1/config/LogSeverity", "22",
		"a long value that goes on and on past any reasonable width" }), 0);
	assert_int_equal(table_add(t, (const char *const[]){ "/calico/v1/x", NULL, "v" }), 0);
	assert_int_equal(table_note(t, "a note under the last row that is long as well"), 0);
}

static void test_table_fits(void **state)
{
	struct table t;
	char *out = NULL;

	(void)state;
	setenv("LC_ALL", "C.UTF-8", 1);
	fill(&t, 50);
	CAPTURE(out, table_print(&t, f_));
	assert_true(widest(out) <= 50);
	assert_non_null(strstr(out, "/calico/v1/config/LogSeverity"));
	assert_non_null(strstr(out, "\xe2\x80\xa6"));
	assert_non_null(strstr(out, " - v\n"));   /* NULL is "-"; one space when narrow */
	free(out);
	table_release(&t);

	/* Unlimited: every cell whole, two spaces between columns. */
	fill(&t, TABLE_UNLIMITED);
	CAPTURE(out, table_print(&t, f_));
	assert_non_null(strstr(out, "past any reasonable width\n"));
	assert_non_null(strstr(out, " N  VALUE\n"));   /* two spaces: it fits */
	assert_null(strstr(out, "\xe2\x80\xa6"));
	free(out);
	table_release(&t);
	unsetenv("LC_ALL");
}

static void test_table_blocks(void **state)
{
	struct table t;
	char *out = NULL;

	(void)state;
	/* The key column leaves too little room for columns: one line per cell. */
	fill(&t, 40);
	CAPTURE(out, table_print(&t, f_));
	assert_true(widest(out) <= 40);
	assert_non_null(strstr(out, "KEY    /calico/v1/config/LogSeverity\n"));
	assert_non_null(strstr(out, "N      22\n"));
	free(out);
	table_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_put_at),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_table_fits),
		cmocka_unit_test(test_table_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
