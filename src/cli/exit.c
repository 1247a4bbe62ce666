#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int exit_code_for(enum dsck_err code)
{
	switch (code) {
	case DSCK_OK:
		return EXIT_OK;
	case DSCK_ERR_FINDINGS:
	case DSCK_ERR_NOT_FOUND:
	case DSCK_ERR_CONFLICT:
		return EXIT_DIFFERENT;
	case DSCK_ERR_USAGE:
	case DSCK_ERR_INPUT:
		return EXIT_USAGE;
	case DSCK_ERR_CONNECT:
		return EXIT_CONNECT;
	case DSCK_ERR_TLS:
	case DSCK_ERR_AUTH:
		return EXIT_AUTH;
	case DSCK_ERR_SERVER:
	case DSCK_ERR_V2_DISABLED:
	case DSCK_ERR_COMPACTED:
	case DSCK_ERR_PROTOCOL:
	case DSCK_ERR_TOO_LARGE:
		return EXIT_REFUSED;
	case DSCK_ERR_IO:
	case DSCK_ERR_NOMEM:
	case DSCK_ERR_INTERRUPTED:
		return EXIT_IO;
	}
	return EXIT_IO;
}

const char *cli_hint_for(enum dsck_err code)
{
	switch (code) {
	case DSCK_ERR_CONNECT:
		return "check --endpoints (client URLs) and that etcd runs; 'dsck config' shows the "
		       "settings in effect";
	case DSCK_ERR_TLS:
		return "check --cacert, --cert and --key against the server's certificate";
	case DSCK_ERR_AUTH:
		return "check --user and --password-file (or the client certificate's user)";
	case DSCK_ERR_V2_DISABLED:
		return "start etcd with --enable-v2=true, or use --api v3";
	case DSCK_ERR_COMPACTED:
		return "run again: the revision read was compacted during the scan";
	case DSCK_ERR_TOO_LARGE:
		return "raise the cap named in the message (--max-response-bytes)";
	default:
		return NULL;
	}
}

/*
 * With -o json every run prints exactly one document on stdout; a run that
 * fails before printing its own prints the error document (docs/json.md).
 */
static struct {
	bool json, printed, have;
	const char *command;
	const char *code;          /* dsck_err_name() or "usage"; NULL: from the exit code */
	char hint[256];
	char message[DSCK_ERROR_MSG_MAX];
} errdoc;

/* -o json, --output json, -ojson, -o=json, --output=json; the last one counts. */
void cli_errdoc_begin(int argc, char **argv)
{
	memset(&errdoc, 0, sizeof(errdoc));
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *a = argv[i], *v = NULL;

		if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
			v = i + 1 < argc ? argv[++i] : "";
		else if (strncmp(a, "--output=", 9) == 0)
			v = a + 9;
		else if (strncmp(a, "-o", 2) == 0)
			v = a + 2 + (a[2] == '=');
		if (v)
			errdoc.json = strcmp(v, "json") == 0;
	}
}

void cli_errdoc_command(const char *command, const struct cli *cli)
{
	errdoc.command = command;
	if (cli)
		errdoc.json = cli->format == OUT_JSON;
}

const char *cli_errdoc_command_name(void)
{
	return errdoc.command;
}

void cli_json_printed(void)
{
	errdoc.printed = true;
}

void cli_errdoc_error(const char *code, const char *hint, const char *fmt, va_list ap)
{
	if (errdoc.have)
		return;
	errdoc.have = true;
	errdoc.code = code;
	snprintf(errdoc.hint, sizeof(errdoc.hint), "%s", hint ? hint : "");
	vsnprintf(errdoc.message, sizeof(errdoc.message), fmt, ap);
}

json_t *cli_error_json(const struct dsck_error *err)
{
	return json_pack("{s:s, s:i, s:s, s:o}", "code", dsck_err_name(err->code), "exit",
			 exit_code_for(err->code), "message",
			 err->msg[0] ? err->msg : dsck_err_name(err->code), "hint",
			 cli_json_text(cli_hint_for(err->code)));
}

static const char *code_for_exit(int rc)
{
	static const char *const names[] = { "ok", "different", "usage", "connect", "auth",
					     "refused", "io" };

	return rc >= 0 && rc < (int)ARRAY_SIZE(names) ? names[rc] : "io";
}

int cli_errdoc_end(int rc)
{
	json_t *doc, *e;

	if (!errdoc.json || errdoc.printed || rc == EXIT_OK)
		return rc;
	if (!errdoc.command && !errdoc.hint[0])
		snprintf(errdoc.hint, sizeof(errdoc.hint), "run 'dsck --help' for the list of commands");
	e = json_pack("{s:s, s:i, s:s, s:o}", "code", errdoc.code ? errdoc.code
			: code_for_exit(rc), "exit", rc, "message",
			errdoc.have ? errdoc.message : "failed: see the messages on stderr", "hint",
			cli_json_text(errdoc.hint));
	doc = json_pack("{s:o, s:b, s:o}", "command", cli_json_text(errdoc.command), "ok", 0,
			"error", e);
	if (cli_print_json(doc) || fflush(stdout) != 0)
		return EXIT_IO;
	return rc;
}
