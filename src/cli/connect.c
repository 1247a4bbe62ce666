#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "prompt.h"

static void trace_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "dsck: debug: %s\n", line);
}

int cli_connect_settings(struct cli *cli, struct dsck_conn *conn)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct dsck_settings *s = &cli->settings;

	if (settings_load_env(s, &err) || settings_load_config(s, &err) ||
	    settings_read_password_file(s, &err))
		return cli_fail(&err);
	if (settings_is_set(s, SET_USER) && !settings_get(s, SET_PASSWORD) &&
	    isatty(STDIN_FILENO)) {
		char *pw = cli_prompt_password(settings_get(s, SET_USER));

		if (pw) {
			settings_set(s, SET_PASSWORD, pw, SRC_FLAG, "prompt");
			explicit_bzero(pw, strlen(pw));
			free(pw);
		}
	}
	if (conn_init(conn, s, &err))
		return cli_fail(&err);
	conn->debug = cli->debug;
	if (cli->debug)
		conn->trace = trace_line;
	if (conn->insecure_skip_tls_verify)
		warnf("TLS certificate verification is DISABLED (--insecure-skip-tls-verify): "
		      "anyone on the network path can impersonate etcd");
	return EXIT_OK;
}
