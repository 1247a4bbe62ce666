#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	progress_break();   /* a message never continues a progress line */
	fprintf(stderr, "dsck: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Every error message may be the one the JSON error document describes. */
static void verror(const char *code, const char *hint, const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	cli_errdoc_error(code, hint, fmt, copy);
	va_end(copy);
	vmsg("error: ", fmt, ap);
}

void errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(NULL, NULL, fmt, ap);
	va_end(ap);
}

void warnf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void notef(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	if (cli->quiet)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

static void fail_msg(const struct dsck_error *err, const char *fmt, ...) _printf_(2, 3);

static void fail_msg(const struct dsck_error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror(dsck_err_name(err->code), cli_hint_for(err->code), fmt, ap);
	va_end(ap);
}

int cli_fail(const struct dsck_error *err)
{
	if (err->code == DSCK_ERR_IO && cli_stdout_closed())
		return EXIT_PIPE;   /* the reader left: no message (docs/conventions.md) */
	fail_msg(err, "%s", err->msg[0] ? err->msg : dsck_err_name(err->code));
	return exit_code_for(err->code);
}

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	const char *name = cli->cmd ? cli->cmd->name : "";
	char hint[160];
	va_list ap;

	snprintf(hint, sizeof(hint), "run 'dsck %s --help' for usage", name);
	va_start(ap, fmt);
	verror("usage", hint, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Run 'dsck %s --help' for usage.\n", name);
	return EXIT_USAGE;
}
