/*
 * output: what every command writes on stdout: JSON documents and their
 * value conventions (docs/json.md), bytes escaped for people, plurals,
 * colour, and the end of output (a closed pipe is a quiet end,
 * docs/conventions.md).
 */
#ifndef DSCK_CLI_OUTPUT_H
#define DSCK_CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>

struct cli;
struct json_t;

/* Print a jansson document (sorted keys, format_version added) to stdout. */
int cli_print_json(struct json_t *doc);

/* Set @key with '-' written as '_': no kebab-case keys in JSON (docs/json.md). */
void cli_json_set_snake(struct json_t *obj, const char *key, struct json_t *value);
/* "name":"text", or "name_b64":"base64" for bytes that are not UTF-8 (docs/json.md). */
void cli_json_set_bytes(struct json_t *obj, const char *name, const char *p, size_t n);
/* A key as a JSON string, or {"key_b64": ...} when it is not UTF-8. */
struct json_t *cli_json_key(const char *p, size_t n);
/* A JSON string, or null when @s is NULL or empty (unknown values). */
struct json_t *cli_json_text(const char *s);

/* Colour for people: only on a terminal, never with NO_COLOR or -o json. */
enum cli_color { COLOR_RESET, COLOR_RED, COLOR_GREEN, COLOR_YELLOW, COLOR_BOLD };
void cli_color_init(const struct cli *cli);
const char *cli_color(enum cli_color c);

/* "key" or "keys": counts for people agree in number ("1 key", "2 keys"). */
const char *cli_plural(size_t n, const char *one, const char *many);

/* Print bytes for people: newlines and control bytes escaped, cut after @max. */
void cli_print_escaped(const char *s, size_t len, size_t max);

/*
 * Flush stdout and report a write failure (disk full) as EXIT_IO; a reader
 * that closed the pipe early ends quietly with EXIT_PIPE.
 */
int cli_finish_stdout(int rc);
/* True when stdout is a pipe or socket nobody reads any more. */
bool cli_stdout_closed(void);

#endif
