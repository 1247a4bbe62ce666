/*
 * cli: what every command of the dsck tool shares: the parsed command line,
 * the command table entry and the option values that need parsing
 * (opt.c, connect.c). Each concern has its own file beside this one and is
 * included here, so a command includes "cli.h" only:
 *   exit.h      exit codes, the error-to-exit mapping, the JSON error document
 *   msg.h       errors, warnings and notes on stderr; usage errors
 *   output.h    JSON documents, escaping, plurals, colour, end of stdout
 *   progress.h  the progress line on stderr
 *   signals.h   interrupt handling
 *
 * How to add a command: write cmd_<name>.c with an `int cmd_<name>(struct
 * cli *)` that computes a result with the library and then renders it; add
 * one row to the table in main.c (name, function, usage, options accepted,
 * examples); add tests under tests/.
 */
#ifndef DSCK_CLI_H
#define DSCK_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/err.h"
#include "base/macro.h"
#include "net/conn.h"
#include "net/settings.h"

#include "exit.h"
#include "msg.h"
#include "output.h"
#include "progress.h"
#include "signals.h"

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
	int variant;               /* which command of a family one function serves */
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

/*
 * Commands. One function serves each family below; cli_cmd.variant in the
 * command table (main.c) says which command of it runs.
 */
enum cmd_ls_variant { LS_LIST, LS_GET };
enum cmd_etcd_check { CHECK_VERIFY_MIGRATE, CHECK_PRE_MIGRATE, CHECK_V2_CONTENT };
enum cmd_k8s_check { CHECK_K8S_CRD, CHECK_POLICY_SEMANTICS, CHECK_NODE_ROLL };

int cmd_version(struct cli *cli);
int cmd_config(struct cli *cli);
int cmd_ls(struct cli *cli);          /* ls and get */
int cmd_status(struct cli *cli);
int cmd_snapshot_save(struct cli *cli);
int cmd_snapshot_verify(struct cli *cli);
/* snapshot verify of an etcd backend file (cmd_physnap.c). */
int cmd_snapshot_verify_physical(struct cli *cli, const char *path);
int cmd_diff(struct cli *cli);
int cmd_inspect(struct cli *cli);
int cmd_snapshot_restore(struct cli *cli);
int cmd_migrate_v2_to_v3(struct cli *cli);
int cmd_check_etcd(struct cli *cli);  /* verify-migrate, check pre-migrate, check v2-content */
int cmd_check_k8s(struct cli *cli);   /* check k8s-crd-migration, policy-semantics, node-roll */
int cmd_check_calico_upgrade(struct cli *cli);
int cmd_preflight(struct cli *cli);
int cmd_explain(struct cli *cli);

/* Render findings (report.c): JSON objects, or a table grouped by severity. */
struct findings;
struct json_t *cli_findings_json(const struct findings *f);
void cli_findings_table(const struct findings *f);
/* Add @f's counts by severity (errors, warnings, info) to @summary (NULL: a new object). */
struct json_t *cli_findings_summary(struct json_t *summary, const struct findings *f);
/* A check's JSON document: "check", "ok" and, when @f is given, "findings". */
struct json_t *cli_check_json(const char *check, bool ok, const struct findings *f);
/* Render counts (docs/json.md, "Counts"): JSON fields, or table lines. */
struct counts;
struct json_t *cli_counts_json(const struct counts *c, bool kinds);
/* One count, or null when it was not read. */
struct json_t *cli_count_json(bool known, size_t n);
void cli_counts_table(const struct counts *c, bool kinds);

/*
 * Option values that need parsing (connect.c, opt.c). Each returns an exit
 * code: EXIT_OK, or that of the error it reported.
 *
 * cli_connect_settings finishes the settings (environment, config file,
 * password file, prompt) and resolves them into a conn.
 */
int cli_connect_settings(struct cli *cli, struct dsck_conn *conn);
/* --api v2|v3 (or ETCDCTL_API; required for commands that take it). */
int cli_api(struct cli *cli, int *api);
/*
 * A whole-number option in @min..@max (UINT64_MAX: no upper limit); @out
 * keeps its default when the option is absent. Empty values, signs,
 * trailing text and overflow are usage errors naming option, value, range.
 */
int cli_opt_u64(struct cli *cli, enum opt_id id, uint64_t min, uint64_t max, uint64_t *out);
/* The option's long name without dashes ("page-size"), from main.c's table. */
const char *cli_opt_name(enum opt_id id);
/* --page-size N; 0 when absent (pages sized by bytes). */
int cli_page_size(struct cli *cli, int64_t *out);
/* The key filter of --prefix, --include-ephemeral and --ignore. */
struct keyfilter;
int cli_keyfilter(struct cli *cli, struct keyfilter *f, const char *default_prefix);

#endif
