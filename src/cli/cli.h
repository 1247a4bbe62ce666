/*
 * cli: what every command of the dsck tool shares: the parsed command line,
 * the command table entry, messages, output format and the single mapping
 * from library errors to exit codes (docs/exit-codes.md).
 *
 * How to add a command: write cmd_<name>.c with an `int cmd_<name>(struct
 * cli *)` that computes a result with the library and then renders it; add
 * one row to the table in main.c (name, function, usage, options accepted,
 * examples); add tests under tests/.
 */
#ifndef DSCK_CLI_H
#define DSCK_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "net/conn.h"
#include "base/err.h"
#include "base/macro.h"
#include "net/settings.h"

/* Exit codes (docs/exit-codes.md). */
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

enum opt_id {
	OPT_HELP,
	OPT_OUTPUT,
	OPT_DEBUG,
	OPT_QUIET,
	/* connection (map to settings) */
	OPT_ENDPOINTS,
	OPT_CACERT,
	OPT_CERT,
	OPT_KEY,
	OPT_USER,
	OPT_PASSWORD_FILE,
	OPT_DIAL_TIMEOUT,
	OPT_COMMAND_TIMEOUT,
	OPT_INSECURE,
	OPT_CONFIG,
	OPT_KUBECONFIG,
	OPT_K8S_API_ENDPOINT,
	OPT_K8S_TOKEN,
	OPT_K8S_CACERT,
	OPT_MAX_RESPONSE_BYTES,
	/* command options */
	OPT_API,
	OPT_PAGE_SIZE,
	OPT_SERIALIZABLE,
	OPT_PREFIX,
	OPT_INCLUDE_EPHEMERAL,
	OPT_IGNORE,
	OPT_VALUES,
	OPT_PROGRESS,
	OPT_TO,
	OPT_DRY_RUN,
	OPT_ON_CONFLICT,
	OPT_PRUNE,
	OPT_YES,
	OPT_MAX_TXN_OPS,
	OPT_MAX_REQUEST_BYTES,
	OPT_BEFORE,
	OPT_FROM_DIR,
	OPT_JUNIT,
	OPT_TO_VERSION,
	OPT_DATASTORE_TYPE,
	OPT_PHASE,
	OPT_V1_SNAPSHOT,
	OPT_V3_SNAPSHOT,
	OPT_FORCE,
	OPT_PRINT_VALUE_ONLY,
	OPT__COUNT
};

enum out_format { OUT_TABLE, OUT_JSON };

struct cli;

struct cli_cmd {
	const char *name;          /* "ls", "snapshot save" */
	int (*fn)(struct cli *cli);
	const char *args;          /* positional arguments for the usage line */
	const char *summary;
	const int *opts;           /* command options, OPT__COUNT-terminated */
	bool conn;                 /* accepts the connection options */
	const char *examples;
};

#define CLI_MAX_POS 8

struct cli {
	const struct cli_cmd *cmd;
	struct dsck_settings settings;
	enum out_format format;
	bool debug, quiet;
	const char *val[OPT__COUNT];   /* option values (borrowed from argv) */
	bool set[OPT__COUNT];
	const char *pos[CLI_MAX_POS];
	int npos;
	const char *ignore[32];        /* repeated --ignore GLOB */
	int n_ignore;
};

/* Messages: "dsck: error: ..." on stderr; no trailing newline in formats. */
void errorf(const char *fmt, ...) _printf_(1, 2);
void warnf(const char *fmt, ...) _printf_(1, 2);
void notef(struct cli *cli, const char *fmt, ...) _printf_(2, 3);

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
/* {"code","exit","message","hint"}: the error object of every document. */
struct json_t *cli_error_json(const struct dsck_error *err);

/* Report a library failure and return its exit code. */
int cli_fail(const struct dsck_error *err);
/* Report a usage error (with a hint to --help) and return EXIT_USAGE. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...) _printf_(2, 3);

/*
 * Finish the settings (environment, config file, password file, prompt)
 * and resolve them into a conn. Returns an exit code (0 on success).
 */
int cli_connect_settings(struct cli *cli, struct dsck_conn *conn);

/* --api v2|v3 (required for commands that take it). */
int cli_api(struct cli *cli, int *api);

/* Print a jansson document (sorted keys, format_version added) to stdout. */
struct json_t;
int cli_print_json(struct json_t *doc);

/* Colour for people: only on a terminal, never with NO_COLOR or -o json. */
enum cli_color { COLOR_RESET, COLOR_RED, COLOR_GREEN, COLOR_YELLOW, COLOR_BOLD };
void cli_color_init(const struct cli *cli);
const char *cli_color(enum cli_color c);

/* "key" or "keys": counts for people agree in number ("1 key", "2 keys"). */
const char *cli_plural(size_t n, const char *one, const char *many);

/* Print bytes for people: newlines and control bytes escaped, cut after @max. */
void cli_print_escaped(const char *s, size_t len, size_t max);

/* Set @key with '-' written as '_': no kebab-case keys in JSON (docs/json.md). */
void cli_json_set_snake(struct json_t *obj, const char *key, struct json_t *value);

/* "name":"text", or "name_b64":"base64" for bytes that are not UTF-8 (docs/json.md). */
void cli_json_set_bytes(struct json_t *obj, const char *name, const char *p, size_t n);
/* A key as a JSON string, or {"key_b64": ...} when it is not UTF-8. */
struct json_t *cli_json_key(const char *p, size_t n);

/* A JSON string, or null when @s is NULL or empty (unknown values). */
struct json_t *cli_json_text(const char *s);

/*
 * Flush stdout and report a write failure (disk full) as EXIT_IO; a reader
 * that closed the pipe early ends quietly with EXIT_PIPE.
 */
int cli_finish_stdout(int rc);
/* True when stdout is a pipe or socket nobody reads any more. */
bool cli_stdout_closed(void);

/* Commands. */
int cmd_version(struct cli *cli);
int cmd_config(struct cli *cli);
int cmd_ls(struct cli *cli);
int cmd_get(struct cli *cli);
int cmd_status(struct cli *cli);
int cmd_snapshot_save(struct cli *cli);
int cmd_snapshot_verify(struct cli *cli);
/* snapshot verify of an etcd backend file (cmd_physnap.c). */
int cmd_snapshot_verify_physical(struct cli *cli, const char *path);
int cmd_diff(struct cli *cli);
int cmd_inspect(struct cli *cli);
int cmd_snapshot_restore(struct cli *cli);
int cmd_migrate_v2_to_v3(struct cli *cli);
int cmd_verify_migrate(struct cli *cli);
int cmd_check_pre_migrate(struct cli *cli);
int cmd_check_v2_content(struct cli *cli);
int cmd_check_k8s_crd_migration(struct cli *cli);
int cmd_check_policy_semantics(struct cli *cli);
int cmd_check_node_roll(struct cli *cli);
int cmd_check_calico_upgrade(struct cli *cli);
int cmd_preflight(struct cli *cli);
int cmd_explain(struct cli *cli);


/* Render findings: JSON objects, or a table grouped by severity. */
struct findings;
struct json_t *cli_findings_json(const struct findings *f);
void cli_findings_table(const struct findings *f);
/* Render counts (docs/json.md, "Counts"): JSON fields, or table lines. */
struct counts;
struct json_t *cli_counts_json(const struct counts *c, bool kinds);
/* One count, or null when it was not read. */
struct json_t *cli_count_json(bool known, size_t n);
void cli_counts_table(const struct counts *c, bool kinds);

/* Parse a --page-size value (default 1000). */
int cli_page_size(struct cli *cli, int64_t *out);

/* Progress on stderr: only on a TTY (or --progress), never with -q. */
struct progress {
	bool enabled;
	double start, last;
	const char *what;
	size_t total;                  /* keys expected, 0 when unknown (no ETA) */
};

void progress_init(struct progress *p, struct cli *cli, const char *what);
void progress_update(struct progress *p, size_t keys, uint64_t bytes);
void progress_done(struct progress *p, size_t keys, uint64_t bytes);
double now_seconds(void);

/* Install SIGINT/SIGTERM handlers that remove a snapshot temp file. */
void cli_install_signal_cleanup(void);
/*
 * While on, SIGINT/SIGTERM/SIGHUP only set cli_stop_signal (for work that
 * must stop at a safe point); turning it off delivers a signal that came.
 */
extern volatile sig_atomic_t cli_stop_signal;
void cli_defer_signals(bool on);

/* The key filter of --prefix, --include-ephemeral and --ignore. */
struct keyfilter;
int cli_keyfilter(struct cli *cli, struct keyfilter *f, const char *default_prefix);

#endif
