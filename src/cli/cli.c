#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "base/b64.h"
#include "base/buf.h"
#include "base/keytext.h"
#include "base/utf8.h"
#include "base/keyfilter.h"
#include "store/snapshot.h"

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

/*
 * With -o json every run prints exactly one document on stdout; a run that
 * fails before printing its own prints the error document (docs/json.md).
 * The first error reported is the one described: later ones are cleanup.
 */
static struct {
	bool json, printed, have;
	const char *command;
	const char *code;          /* dsck_err_name() or "usage" */
	const char *hint;
	char message[DSCK_ERROR_MSG_MAX];
	char usage_hint[160];
} errdoc;

static void errdoc_record(const char *code, const char *hint, const char *fmt, va_list ap)
{
	if (errdoc.have)
		return;
	errdoc.have = true;
	errdoc.code = code;
	errdoc.hint = hint;
	vsnprintf(errdoc.message, sizeof(errdoc.message), fmt, ap);
}

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	va_list copy;

	va_copy(copy, ap);
	if (strcmp(prefix, "error: ") == 0)
		errdoc_record(NULL, NULL, fmt, copy);
	va_end(copy);
	fprintf(stderr, "dsck: %s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

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

void cli_json_printed(void)
{
	errdoc.printed = true;
}

/* What to try next, per error; NULL when the message says it all. */
static const char *hint_for(enum dsck_err code)
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

json_t *cli_error_json(const struct dsck_error *err)
{
	return json_pack("{s:s, s:i, s:s, s:o}", "code", dsck_err_name(err->code), "exit",
			 exit_code_for(err->code), "message",
			 err->msg[0] ? err->msg : dsck_err_name(err->code), "hint",
			 cli_json_text(hint_for(err->code)));
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
	if (!errdoc.command && !errdoc.hint)
		errdoc.hint = "run 'dsck --help' for the list of commands";
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

void errorf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
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

int cli_fail(const struct dsck_error *err)
{
	if (err->code == DSCK_ERR_IO && cli_stdout_closed())
		return EXIT_PIPE;   /* the reader left: no message (docs/conventions.md) */
	bool first = !errdoc.have;

	errorf("%s", err->msg[0] ? err->msg : dsck_err_name(err->code));
	if (first) {
		errdoc.code = dsck_err_name(err->code);
		errdoc.hint = hint_for(err->code);
	}
	return exit_code_for(err->code);
}

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	bool first = !errdoc.have;

	va_start(ap, fmt);
	vmsg("error: ", fmt, ap);
	va_end(ap);
	if (first) {
		errdoc.code = "usage";
		snprintf(errdoc.usage_hint, sizeof(errdoc.usage_hint), "run 'dsck %s --help' for usage",
			 cli->cmd ? cli->cmd->name : "");
		errdoc.hint = errdoc.usage_hint;
	}
	fprintf(stderr, "Run 'dsck %s --help' for usage.\n", cli->cmd ? cli->cmd->name : "");
	return EXIT_USAGE;
}

static void trace_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "dsck: debug: %s\n", line);
}

/* Read a password from the terminal without echo; NULL when there is none. */
static char *prompt_password(const char *user)
{
	struct termios old, quiet;
	char line[512];
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	FILE *tty;
	char *pw = NULL;

	if (fd < 0)
		return NULL;
	tty = fdopen(fd, "r+");
	if (!tty) {
		close(fd);
		return NULL;
	}
	fprintf(tty, "Password for etcd user '%s': ", user);
	fflush(tty);
	if (tcgetattr(fd, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	if (fgets(line, sizeof(line), tty)) {
		line[strcspn(line, "\r\n")] = '\0';
		pw = strdup(line);
	}
	tcsetattr(fd, TCSAFLUSH, &old);
	fputc('\n', tty);
	explicit_bzero(line, sizeof(line));
	fclose(tty);
	return pw;
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
		char *pw = prompt_password(settings_get(s, SET_USER));

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

int cli_api(struct cli *cli, int *api)
{
	const char *v = cli->val[OPT_API], *env = getenv("ETCDCTL_API");

	/* As in etcdctl, ETCDCTL_API=2|3 picks the API when --api is not given. */
	if (!v && env && *env) {
		if (strcmp(env, "2") != 0 && strcmp(env, "3") != 0)
			return cli_usage_error(cli, "invalid ETCDCTL_API '%s' (expected 2 or 3)", env);
		v = env;
	}
	if (!v)
		return cli_usage_error(cli, "missing --api v2|v3 (or ETCDCTL_API=2|3)");
	if (strcmp(v, "v2") == 0 || strcmp(v, "2") == 0)
		*api = 2;
	else if (strcmp(v, "v3") == 0 || strcmp(v, "3") == 0)
		*api = 3;
	else
		return cli_usage_error(cli, "invalid --api '%s' (expected v2 or v3)", v);
	return EXIT_OK;
}

int cli_print_json(json_t *doc)
{
	json_object_set_new(doc, "format_version", json_integer(1));
	/* Every document names the command that ran (docs/json.md). */
	if (!json_object_get(doc, "command") && errdoc.command)
		json_object_set_new(doc, "command", json_string(errdoc.command));
	errdoc.printed = true;
	if (json_dumpf(doc, stdout, JSON_SORT_KEYS | JSON_COMPACT) < 0) {
		json_decref(doc);
		return EXIT_IO;
	}
	fputc('\n', stdout);
	json_decref(doc);
	return EXIT_OK;
}

void cli_json_set_snake(json_t *obj, const char *key, json_t *value)
{
	char name[64];
	size_t i;

	for (i = 0; key[i] && i + 1 < sizeof(name); i++)
		name[i] = key[i] == '-' ? '_' : key[i];
	name[i] = '\0';
	json_object_set_new(obj, name, value);
}

/* "name":"text", or "name_b64":"base64" for bytes that are not UTF-8, as in snapshots. */
void cli_json_set_bytes(json_t *obj, const char *name, const char *p, size_t n)
{
	struct buf b = BUF_INIT(n / 3 * 4 + 8);
	char b64name[32];

	if (utf8_valid((const unsigned char *)p, n)) {
		json_object_set_new(obj, name, json_stringn(p, n));
		return;
	}
	snprintf(b64name, sizeof(b64name), "%s_b64", name);
	if (b64_encode(&b, p, n) == DSCK_OK)
		json_object_set_new(obj, b64name, json_stringn(b.data, b.len));
	buf_release(&b);
}

/* An added or removed key: its text, or {"key_b64": ...}. */
json_t *cli_json_key(const char *p, size_t n)
{
	json_t *o;

	if (utf8_valid((const unsigned char *)p, n))
		return json_stringn(p, n);
	o = json_object();
	cli_json_set_bytes(o, "key", p, n);
	return o;
}

json_t *cli_json_text(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

bool cli_stdout_closed(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	/* A pipe or socket whose reader went away polls as an error or hang-up. */
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

int cli_finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* `dsck ls | head`: a reader that stopped early is a quiet end (docs/conventions.md). */
		if (errno == EPIPE || cli_stdout_closed())
			return EXIT_PIPE;
		errorf("cannot write to standard output: %s", strerror(errno));
		return EXIT_IO;
	}
	return rc;
}

volatile sig_atomic_t cli_stop_signal;
static volatile sig_atomic_t defer_signals;

static void on_signal(int sig)
{
	/* While restore holds the Calico lock it stops at the next key and unlocks. */
	if (defer_signals) {
		cli_stop_signal = sig;
		return;
	}
	snapshot_writer_signal_cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void cli_defer_signals(bool on)
{
	defer_signals = on;
	if (!on && cli_stop_signal) {
		signal(cli_stop_signal, SIG_DFL);
		raise(cli_stop_signal);
	}
}

void cli_install_signal_cleanup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int cli_keyfilter(struct cli *cli, struct keyfilter *f, const char *default_prefix)
{
	const char *prefix = cli->val[OPT_PREFIX] ? cli->val[OPT_PREFIX] : default_prefix;

	if (prefix[0] != '/')
		return cli_usage_error(cli, "--prefix must start with '/': '%s'", prefix);
	keyfilter_init(f, prefix, cli->set[OPT_INCLUDE_EPHEMERAL]);
	for (int i = 0; i < cli->n_ignore; i++)
		keyfilter_add_ignore(f, cli->ignore[i]);
	return EXIT_OK;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, struct cli *cli, const char *what)
{
	p->enabled = !cli->quiet && (cli->set[OPT_PROGRESS] ||
				     (isatty(STDERR_FILENO) && cli->format != OUT_JSON));
	p->start = p->last = now_seconds();
	p->what = what;
	p->total = 0;
}

static void progress_print(struct progress *p, size_t keys, uint64_t bytes, double t, bool final)
{
	double el = t - p->start, rate = el > 0 ? (double)keys / el : 0.0;

	/* Erase the previous line first: a shorter line must not keep its tail. */
	fputs(isatty(STDERR_FILENO) ? "\r\033[K" : "\r", stderr);
	fprintf(stderr, "%s: %zu %s", p->what, keys, keys == 1 ? "key" : "keys");
	if (p->total)
		fprintf(stderr, " of %zu", p->total);
	if (bytes)
		fprintf(stderr, ", %.1f MB", (double)bytes / 1e6);
	fprintf(stderr, ", %.0f keys/s", rate);
	if (p->total > keys && rate > 0 && !final)
		fprintf(stderr, ", ETA %.0f s ", (double)(p->total - keys) / rate);
	fputs(final ? "\n" : "   ", stderr);
}

void progress_update(struct progress *p, size_t keys, uint64_t bytes)
{
	double t;

	if (!p->enabled || (keys & 1023))
		return;
	t = now_seconds();
	/* Only for work longer than about a second, at most 4 updates a second. */
	if (t - p->start < 1.0 || t - p->last < 0.25)
		return;
	p->last = t;
	progress_print(p, keys, bytes, t, false);
}

void progress_done(struct progress *p, size_t keys, uint64_t bytes)
{
	double t = now_seconds();

	if (p->enabled && t - p->start >= 1.0)
		progress_print(p, keys, bytes, t, true);
}

const char *cli_plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void cli_print_escaped(const char *s, size_t len, size_t max)
{
	/* The one escaping rule of base/keytext, so a key looks the same everywhere. */
	for (size_t i = 0; i < len;) {
		char step[KEYTEXT_STEP_MAX];
		size_t used, n;

		if (i >= max) {
			fputs("...", stdout);
			return;
		}
		n = keytext_step(s + i, len - i, step, &used);
		fwrite(step, 1, n, stdout);
		i += used;
	}
}

static bool color_on;

void cli_color_init(const struct cli *cli)
{
	const char *no = getenv("NO_COLOR");

	color_on = cli->format == OUT_TABLE && isatty(STDOUT_FILENO) && !(no && *no);
}

const char *cli_color(enum cli_color c)
{
	static const char *const esc[] = { "\033[0m", "\033[31m", "\033[32m", "\033[33m",
					   "\033[1m" };

	return color_on ? esc[c] : "";
}

int cli_page_size(struct cli *cli, int64_t *out)
{
	char *end;
	long long v;

	*out = 0;   /* adaptive: pages sized by bytes */
	if (!cli->val[OPT_PAGE_SIZE])
		return EXIT_OK;
	errno = 0;
	v = strtoll(cli->val[OPT_PAGE_SIZE], &end, 10);
	if (errno || *end || v < 1 || v > 1000000)
		return cli_usage_error(cli, "invalid --page-size '%s' (1..1000000)",
				       cli->val[OPT_PAGE_SIZE]);
	*out = v;
	return EXIT_OK;
}
