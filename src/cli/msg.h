/*
 * msg: what dsck says on stderr ("dsck: error: ...", warnings, notes) and
 * the two ways a command reports failure: a library error or a usage error.
 * Formats carry no trailing newline.
 */
#ifndef DSCK_CLI_MSG_H
#define DSCK_CLI_MSG_H

#include "base/err.h"
#include "base/macro.h"

struct cli;

void errorf(const char *fmt, ...) _printf_(1, 2);
void warnf(const char *fmt, ...) _printf_(1, 2);
/* A note for people; silent with -q. */
void notef(struct cli *cli, const char *fmt, ...) _printf_(2, 3);

/* Report a library failure and return its exit code. */
int cli_fail(const struct dsck_error *err);
/* Report a usage error (with a hint to --help) and return EXIT_USAGE. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...) _printf_(2, 3);

#endif
