/*
 * exit: the one mapping from library errors to exit codes
 * (docs/exit-codes.md), and the error document that -o json prints when a
 * run fails before printing its own (docs/json.md).
 */
#ifndef DSCK_CLI_EXIT_H
#define DSCK_CLI_EXIT_H

#include <stdarg.h>

#include "base/err.h"
#include "base/macro.h"

struct cli;
struct json_t;

enum exit_code {
	EXIT_OK = 0,
	EXIT_DIFFERENT = 1,
	EXIT_USAGE = 2,
	EXIT_CONNECT = 3,
	EXIT_AUTH = 4,
	EXIT_REFUSED = 5,
	EXIT_IO = 6,
	EXIT_PIPE = 141,   /* standard output closed early: 128 + SIGPIPE, as shells report it */
};

int exit_code_for(enum dsck_err code);
/* What to try next after @code; NULL when the message says it all. */
const char *cli_hint_for(enum dsck_err code);

/*
 * -o json prints one document in every case (docs/json.md): main calls
 * begin with argv (before options are parsed), names the command once it is
 * known (with the parsed cli, or NULL), and passes its exit code through
 * end, which prints the error document when nothing was printed. Commands
 * that stream JSON themselves call cli_json_printed.
 */
void cli_errdoc_begin(int argc, char **argv);
void cli_errdoc_command(const char *command, const struct cli *cli);
void cli_json_printed(void);
int cli_errdoc_end(int rc);
/* The command named by cli_errdoc_command, or NULL. */
const char *cli_errdoc_command_name(void);
/*
 * Describe the run's error in the document: the first one counts, later
 * ones are cleanup. @code is a dsck_err_name() or "usage", NULL to derive
 * it from the exit code; @hint is copied (NULL for none).
 */
void cli_errdoc_error(const char *code, const char *hint, const char *fmt, va_list ap)
	_printf_(3, 0);

/* {"code","exit","message","hint"}: the error object of every document. */
struct json_t *cli_error_json(const struct dsck_error *err);

#endif
