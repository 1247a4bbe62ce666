#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "cli.h"
#include "store/etcd3.h"
#include "dsck_config.h"

struct opt_def {
	const char *name;
	char short_name;
	bool has_arg;
	enum setting_id setting;   /* SET__COUNT when not a connection setting */
	const char *metavar;
	const char *help;
};

static const struct opt_def opt_defs[OPT__COUNT] = {
	[OPT_HELP] = { "help", 'h', false, SET__COUNT, NULL, "show this help" },
	[OPT_OUTPUT] = { "output", 'o', true, SET__COUNT, "table|json",
			 "output format (default table; json is stable for scripts)" },
	[OPT_DEBUG] = { "debug", 0, false, SET__COUNT, NULL,
			"wire-level detail on stderr (never secrets)" },
	[OPT_QUIET] = { "quiet", 'q', false, SET__COUNT, NULL, "no progress or notes on stderr" },
	[OPT_ENDPOINTS] = { "endpoints", 0, true, SET_ENDPOINTS, "URL[,URL...]",
			    "etcd client URLs (default http://127.0.0.1:2379)" },
	[OPT_CACERT] = { "cacert", 0, true, SET_CACERT, "FILE", "CA bundle to verify etcd (PEM)" },
	[OPT_CERT] = { "cert", 0, true, SET_CERT, "FILE", "client certificate (PEM)" },
	[OPT_KEY] = { "key", 0, true, SET_KEY, "FILE", "client key (PEM)" },
	[OPT_USER] = { "user", 0, true, SET_USER, "NAME[:PASS]",
		       "etcd user (prefer --password-file or the prompt to :PASS)" },
	[OPT_PASSWORD_FILE] = { "password-file", 0, true, SET_PASSWORD_FILE, "FILE",
				"read the password from the first line of FILE" },
	[OPT_DIAL_TIMEOUT] = { "dial-timeout", 0, true, SET_DIAL_TIMEOUT, "DURATION",
			       "connection timeout (default 2s)" },
	[OPT_COMMAND_TIMEOUT] = { "command-timeout", 0, true, SET_COMMAND_TIMEOUT, "DURATION",
				  "timeout of each request (default 30s)" },
	[OPT_INSECURE] = { "insecure-skip-tls-verify", 0, false, SET_INSECURE_SKIP_TLS_VERIFY,
			   NULL, "do not verify the server's certificate (v2, v3 and Kubernetes; dangerous)" },
	[OPT_CONFIG] = { "config", 0, true, SET_CONFIG, "FILE",
			 "calicoctl config file (kind: calicoApiConfig)" },
	[OPT_KUBECONFIG] = { "kubeconfig", 0, true, SET_KUBECONFIG, "FILE",
			     "kubeconfig for the Kubernetes API" },
	[OPT_K8S_API_ENDPOINT] = { "k8s-api-endpoint", 0, true, SET_K8S_API_ENDPOINT, "URL",
				   "Kubernetes API server URL" },
	[OPT_K8S_TOKEN] = { "k8s-token", 0, true, SET_K8S_TOKEN, "TOKEN",
			    "Kubernetes bearer token (prefer the environment)" },
	[OPT_K8S_CACERT] = { "k8s-cacert", 0, true, SET_K8S_CA, "FILE",
			     "CA bundle to verify the Kubernetes API (PEM)" },
	[OPT_MAX_RESPONSE_BYTES] = { "max-response-bytes", 0, true, SET_MAX_RESPONSE_BYTES, "N",
				     "cap on one HTTP response body (default 2 GiB)" },
	[OPT_API] = { "api", 0, true, SET__COUNT, "v2|v3", "which etcd API and store to read" },
	[OPT_PAGE_SIZE] = { "page-size", 0, true, SET__COUNT, "N",
			    "v3 keys per Range page (default: pages of about 8 MiB)" },
	[OPT_SERIALIZABLE] = { "serializable", 0, false, SET__COUNT, NULL,
			       "read from the member's local store (v2 without quorum, "
			       "v3 serializable)" },
	[OPT_PREFIX] = { "prefix", 0, true, SET__COUNT, "PREFIX",
			 "subtree to work on (default /calico)" },
	[OPT_INCLUDE_EPHEMERAL] = { "include-ephemeral", 0, false, SET__COUNT, NULL,
				    "include Felix status keys (excluded by default)" },
	[OPT_IGNORE] = { "ignore", 0, true, SET__COUNT, "GLOB",
			 "skip keys matching GLOB (repeatable; * matches across '/')" },
	[OPT_VALUES] = { "values", 0, false, SET__COUNT, NULL, "show both values of changed keys" },
	[OPT_PROGRESS] = { "progress", 0, false, SET__COUNT, NULL,
			   "progress on stderr even when it is not a terminal" },
	[OPT_TO] = { "to", 0, true, SET__COUNT, "v2|v3",
		     "target store (default: the snapshot's API)" },
	[OPT_DRY_RUN] = { "dry-run", 0, false, SET__COUNT, NULL, "print the plan, write nothing" },
	[OPT_ON_CONFLICT] = { "on-conflict", 0, true, SET__COUNT, "fail|skip|overwrite",
			      "keys that exist with another value (default fail: write nothing)" },
	[OPT_PRUNE] = { "prune", 0, false, SET__COUNT, NULL,
			"delete keys under the prefix that the source does not have (asks, or --yes)" },
	[OPT_YES] = { "yes", 'y', false, SET__COUNT, NULL, "do not ask before pruning" },
	[OPT_MAX_TXN_OPS] = { "max-txn-ops", 0, true, SET__COUNT, "N",
			      "operations per v3 Txn (default 128, etcd's limit)" },
	[OPT_MAX_REQUEST_BYTES] = { "max-request-bytes", 0, true, SET__COUNT, "N",
				    "bytes per v3 request (default 1572864, etcd's limit)" },
	[OPT_BEFORE] = { "before", 0, true, SET__COUNT, "FILE",
			 "v2 snapshot taken before the migration: the v2 data must be unchanged" },
	[OPT_FROM_DIR] = { "from-dir", 0, true, SET__COUNT, "DIR",
			   "read `kubectl get ... -o json` dumps from DIR instead of the API "
			   "(file names: fixtures/k8s/README.md)" },
	[OPT_JUNIT] = { "junit", 0, true, SET__COUNT, "FILE",
			"also write a JUnit XML report (one testcase per check)" },
	[OPT_TO_VERSION] = { "to-version", 0, true, SET__COUNT, "VERSION",
			     "the Calico version the upgrade goes to (default: the calico-node "
			     "DaemonSet's image when its pods run another)" },
	[OPT_DATASTORE_TYPE] = { "datastore-type", 0, true, SET_DATASTORE_TYPE,
				 "etcdv2|kubernetes",
				 "Calico's datastore (default: DATASTORE_TYPE, the config file, etcdv2)" },
	[OPT_PHASE] = { "phase", 0, true, SET__COUNT, "auto|before|after",
			"what to judge (default auto: after when v3 holds v3 resources)" },
	[OPT_V1_SNAPSHOT] = { "v1-snapshot", 0, true, SET__COUNT, "FILE",
			      "read the v1 data from this v2 snapshot instead of the v2 store" },
	[OPT_V3_SNAPSHOT] = { "v3-snapshot", 0, true, SET__COUNT, "FILE",
			      "read the v3 data from this v3 snapshot instead of the v3 store" },
	[OPT_FORCE] = { "force", 0, false, SET__COUNT, NULL,
			"replace an existing FILE (says so when the new snapshot is smaller)" },
	[OPT_PRINT_VALUE_ONLY] = { "print-value-only", 0, false, SET__COUNT, NULL,
				   "print only the value, unescaped, as etcdctl does" },
};

const char *cli_opt_name(enum opt_id id)
{
	return opt_defs[id].name;
}

static const int conn_opts[] = {
	OPT_ENDPOINTS, OPT_CACERT, OPT_CERT, OPT_KEY, OPT_USER, OPT_PASSWORD_FILE,
	OPT_DIAL_TIMEOUT, OPT_COMMAND_TIMEOUT, OPT_INSECURE, OPT_CONFIG, OPT_KUBECONFIG,
	OPT_K8S_API_ENDPOINT, OPT_K8S_TOKEN, OPT_K8S_CACERT, OPT_MAX_RESPONSE_BYTES, OPT__COUNT
};
static const int no_opts[] = { OPT__COUNT };
/* Accepted by every command, listed by the top-level help. */
static const int global_opts[] = { OPT_OUTPUT, OPT_QUIET, OPT_DEBUG, OPT_HELP, OPT__COUNT };
static const int ls_opts[] = { OPT_API, OPT_PAGE_SIZE, OPT_SERIALIZABLE, OPT__COUNT };
static const int get_opts[] = { OPT_API, OPT_SERIALIZABLE, OPT_PRINT_VALUE_ONLY, OPT__COUNT };
static const int save_opts[] = { OPT_FORCE, OPT_API, OPT_PREFIX, OPT_INCLUDE_EPHEMERAL, OPT_IGNORE,
				 OPT_PAGE_SIZE, OPT_SERIALIZABLE, OPT_PROGRESS, OPT__COUNT };
static const int verify_opts[] = { OPT__COUNT };
static const int restore_opts[] = { OPT_TO, OPT_PREFIX, OPT_DRY_RUN, OPT_ON_CONFLICT, OPT_PRUNE,
				    OPT_YES, OPT_INCLUDE_EPHEMERAL, OPT_IGNORE, OPT_MAX_TXN_OPS,
				    OPT_MAX_REQUEST_BYTES, OPT_PAGE_SIZE, OPT_PROGRESS, OPT__COUNT };
static const int migrate_opts[] = { OPT_PREFIX, OPT_DRY_RUN, OPT_ON_CONFLICT, OPT_PRUNE, OPT_YES,
				    OPT_INCLUDE_EPHEMERAL, OPT_IGNORE, OPT_MAX_TXN_OPS,
				    OPT_MAX_REQUEST_BYTES, OPT_PAGE_SIZE, OPT_PROGRESS, OPT__COUNT };
static const int verify_migrate_opts[] = { OPT_BEFORE, OPT_PREFIX, OPT_IGNORE, OPT_PAGE_SIZE,
					   OPT_PROGRESS, OPT__COUNT };
static const int premigrate_opts[] = { OPT_PREFIX, OPT_PROGRESS, OPT__COUNT };
static const int k8s_opts[] = { OPT_FROM_DIR, OPT__COUNT };
static const int policy_opts[] = { OPT_FROM_DIR, OPT_TO_VERSION, OPT__COUNT };
static const int preflight_opts[] = { OPT_JUNIT, OPT_PREFIX, OPT_DATASTORE_TYPE, OPT_TO_VERSION,
				      OPT__COUNT };
static const int calico_upgrade_opts[] = { OPT_PHASE, OPT_V1_SNAPSHOT, OPT_V3_SNAPSHOT,
					   OPT_PAGE_SIZE, OPT__COUNT };
static const int inspect_opts[] = { OPT_API, OPT_PREFIX, OPT_INCLUDE_EPHEMERAL, OPT_IGNORE,
				    OPT_PAGE_SIZE, OPT_SERIALIZABLE, OPT_PROGRESS, OPT__COUNT };
static const int diff_opts[] = { OPT_PREFIX, OPT_INCLUDE_EPHEMERAL, OPT_IGNORE, OPT_VALUES,
				 OPT_PAGE_SIZE, OPT_SERIALIZABLE, OPT_PROGRESS, OPT__COUNT };

static const struct cli_cmd commands[] = {
	{ "preflight", cmd_preflight, "",
	  "run every check that applies and print one go/no-go report", preflight_opts, true,
	  "dsck preflight\n"
	  "dsck preflight --endpoints http://m1:2379,http://m2:2379,http://m3:2379 --junit dsck.xml\n"
	  "dsck preflight --kubeconfig ~/.kube/config -o json" },
	{ "version", cmd_version, "", "print the dsck version and the linked library versions",
	  no_opts, false, "dsck version\ndsck version -o json" },
	{ "config", cmd_config, "", "print the effective connection settings and their sources",
	  no_opts, true,
	  "dsck config\nETCDCTL_ENDPOINTS=https://10.0.0.1:2379 dsck config -o json\n"
	  "dsck config --config /etc/calico/calicoctl.cfg" },
	{ "status", cmd_status, "",
	  "per endpoint: health, version, ids, leader, revision, v2 API; then where the Calico "
	  "data lives", no_opts, true,
	  "dsck status --endpoints http://127.0.0.1:2379\n"
	  "dsck status --endpoints https://a:2379,https://b:2379 --cacert ca.pem -o json" },
	{ "ls", cmd_ls, "[PREFIX [FILE]]",
	  "list raw keys with metadata under PREFIX (default /calico), live or from a snapshot "
	  "or etcd backend FILE", ls_opts, true,
	  "dsck ls /calico/v1/config --api v2\n"
	  "dsck ls /calico/ backup.db   (a file from etcdctl snapshot save)\n"
	  "dsck ls /calico/ --api v3 -o json\n"
	  "dsck ls --api v3 --serializable --endpoints http://10.0.0.2:2379", LS_LIST },
	{ "get", cmd_ls, "KEY [FILE]",
	  "print one raw key with metadata and its whole value (exit 1 when missing), live or "
	  "from FILE", get_opts, true,
	  "dsck get /calico/v1/Ready --api v2\ndsck get /calico/v1/Ready --api v3 -o json\n"
	  "dsck get /calico/v1/Ready --api=v3 --print-value-only", LS_GET },
	{ "inspect", cmd_inspect, "[FILE]",
	  "Calico-aware summary: counts per kind, Ready, version, data model, findings",
	  inspect_opts, true,
	  "dsck inspect --api v2\ndsck inspect --api v3 -o json\ndsck inspect before.snap\n"
	  "dsck inspect backup.db   (a file from etcdctl snapshot save)" },
	{ "snapshot save", cmd_snapshot_save, "FILE [FROM]",
	  "write a logical snapshot of the Calico keys (FILE.tmp, fsync, rename; mode 0600), "
	  "from the live store or converted from the snapshot or etcd backend file FROM",
	  save_opts, true,
	  "dsck snapshot save calico-v2.snap --api v2\n"
	  "dsck snapshot save calico-v3.snap --api v3 --prefix /calico --include-ephemeral\n"
	  "dsck snapshot save calico-v3.snap.gz --api v3   (gzip, by the .gz name)\n"
	  "dsck snapshot save - --api v3 | gzip > calico-pipe.snap.gz\n"
	  "dsck snapshot save calico.snap backup.db   (convert an etcdctl snapshot save file)\n"
	  "dsck snapshot save calico-v2.snap --api v2 --force   (replace an existing file)" },
	{ "snapshot verify", cmd_snapshot_verify, "FILE",
	  "check a snapshot or etcd backend file offline (format, order, checksum, bbolt pages) "
	  "and print its header and counts", verify_opts, false,
	  "dsck snapshot verify calico-v2.snap\ndsck snapshot verify calico.snap -o json\n"
	  "dsck snapshot verify calico-v3.snap.gz   (gzip is read transparently)\n"
	  "gunzip -c calico-pipe.snap.gz | dsck snapshot verify -\n"
	  "dsck snapshot verify backup.db   (from etcdctl snapshot save, or member/snap/db)" },
	{ "snapshot restore", cmd_snapshot_restore, "FILE",
	  "restore a verified snapshot: plan (create/same/update/conflict), then guarded writes",
	  restore_opts, true,
	  "dsck snapshot restore calico.snap --dry-run\n"
	  "dsck snapshot restore calico.snap --on-conflict overwrite\n"
	  "dsck snapshot restore calico-v2.snap --to v3 --prune --yes\n"
	  "dsck snapshot restore backup.db --to v3 --prefix /calico   (only /calico of an etcd "
	  "backup)" },
	{ "migrate v2-to-v3", cmd_migrate_v2_to_v3, "",
	  "copy /calico from the live v2 store into v3 (as etcdctl migrate maps it), online, "
	  "re-runnable, then verify", migrate_opts, true,
	  "dsck migrate v2-to-v3 --dry-run\ndsck migrate v2-to-v3\n"
	  "dsck migrate v2-to-v3 --on-conflict overwrite -o json" },
	{ "verify-migrate", cmd_check_etcd, "",
	  "after etcdctl migrate: v2 still served and untouched, every leaf copied to v3, on "
	  "every member", verify_migrate_opts, true,
	  "dsck verify-migrate --before before.snap\n"
	  "dsck verify-migrate --endpoints http://m1:2379,http://m2:2379,http://m3:2379 -o json",
	  CHECK_VERIFY_MIGRATE },
	{ "check pre-migrate", cmd_check_etcd, "",
	  "before etcdctl migrate: v3 empty, v2 served with the data, TTL keys, members healthy",
	  premigrate_opts, true, "dsck check pre-migrate\ndsck check pre-migrate -o json",
	  CHECK_PRE_MIGRATE },
	{ "check v2-content", cmd_check_etcd, "",
	  "before etcd 3.6: what each member still keeps in its v2 store", verify_opts, true,
	  "dsck check v2-content\ndsck check v2-content -o json", CHECK_V2_CONTENT },
	{ "check calico-upgrade", cmd_check_calico_upgrade, "",
	  "Calico v2.6 -> v3 on etcd: would calico-upgrade start (before), and is its v3 "
	  "result complete and faithful (after)?", calico_upgrade_opts, true,
	  "dsck check calico-upgrade\n"
	  "dsck check calico-upgrade --phase before -o json | jq '.converted'\n"
	  "dsck check calico-upgrade --phase after --v1-snapshot before-upgrade.snap" },
	{ "check k8s-crd-migration", cmd_check_k8s, "",
	  "Kubernetes datastore, Calico v2.5: is the TPR -> CRD migration complete?", k8s_opts, true,
	  "dsck check k8s-crd-migration --kubeconfig ~/.kube/config\n"
	  "K8S_API_TOKEN=... dsck check k8s-crd-migration --k8s-api-endpoint https://10.0.0.1:6443 "
	  "--k8s-cacert ca.crt -o json\n"
	  "dsck check k8s-crd-migration --from-dir ./dumps   (crds.json, tprs.json, tpr-*.json, "
	  "crd-*.json, daemonsets.json, clusterroles.json, clusterrolebindings.json, version.json)",
	  CHECK_K8S_CRD },
	{ "check policy-semantics", cmd_check_k8s, "",
	  "per namespace: DefaultDeny annotation, policies, and what to do before the "
	  "NetworkPolicy semantics change", policy_opts, true,
	  "dsck check policy-semantics --kubeconfig ~/.kube/config\n"
	  "dsck check policy-semantics --to-version v2.6.2\n"
	  "dsck check policy-semantics --from-dir ./dumps -o json   (namespaces.json: kubectl get "
	  "namespaces -o json; networkpolicies.json: kubectl get networkpolicies --all-namespaces "
	  "-o json)", CHECK_POLICY_SEMANTICS },
	{ "check node-roll", cmd_check_k8s, "",
	  "the upgrade guide's calico-node roll: policy controller Recreate with one replica, no "
	  "pre-2.0 ReplicaSet, image per node, cordons, ConfigMap applied", k8s_opts, true,
	  "dsck check node-roll --kubeconfig ~/.kube/config\n"
	  "dsck check node-roll -o json | jq '.summary.images'\n"
	  "dsck check node-roll --from-dir ./dumps   (daemonsets.json, deployments.json, "
	  "replicasets.json, pods.json, configmaps.json: kubectl get ... -n kube-system -o json; "
	  "nodes.json: kubectl get nodes -o json)", CHECK_NODE_ROLL },
	{ "explain", cmd_explain, "[CODE]",
	  "print what a finding code means, what was read and what to do (docs/findings.md)",
	  no_opts, false,
	  "dsck explain ttl-will-persist\ndsck explain   (lists the codes)\n"
	  "dsck explain v3-missing -o json" },
	{ "diff", cmd_diff, "A B",
	  "compare two key sets; A and B are snapshot or etcd backend files, 'v2' or 'v3' (the "
	  "live stores)",
	  diff_opts, true,
	  "dsck diff before.snap v2\n"
	  "dsck diff v2 v3 --values\n"
	  "dsck diff before.snap after.snap -o json\n"
	  "gunzip -c calico-v3.snap.gz | dsck diff - v3   (- reads a snapshot from stdin)\n"
	  "dsck diff backup.db v3   (a file from etcdctl snapshot save)" },
};

static const struct cli_cmd *find_command(int argc, char **argv, int *used)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *name = commands[i].name, *sp = strchr(name, ' ');

		if (!sp && strcmp(argv[0], name) == 0) {
			*used = 1;
			return &commands[i];
		}
		if (sp && argc > 1 && strncmp(argv[0], name, (size_t)(sp - name)) == 0 &&
		    argv[0][sp - name] == '\0' && strcmp(argv[1], sp + 1) == 0) {
			*used = 2;
			return &commands[i];
		}
	}
	return NULL;
}

/*
 * "dsck check", "dsck check --help", "dsck check bogus": the subcommands of
 * a group word, on stdout when they were asked for. False when @word is no group.
 */
static bool list_subcommands(FILE *f, const char *word, const char *bad)
{
	size_t n = strlen(word), found = 0;

	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		const char *name = commands[i].name;

		if (strncmp(name, word, n) != 0 || name[n] != ' ')
			continue;
		if (found++ == 0 && bad)
			fprintf(f, "dsck: error: unknown %s '%s'; the %s commands are:\n",
				strcmp(word, "check") == 0 ? "check" : "subcommand", bad, word);
		else if (found == 1 && f == stderr)
			fprintf(f, "dsck: error: '%s' needs a subcommand:\n", word);
		else if (found == 1)
			fprintf(f, "Usage: dsck %s SUBCOMMAND [options]\n\n", word);
		fprintf(f, "  dsck %-25s %s\n", name, commands[i].summary);
	}
	if (found && f == stdout)
		fprintf(f, "\nRun 'dsck %s SUBCOMMAND --help' for the options of one.\n", word);
	return found > 0;
}

static void print_opt(FILE *f, int id)
{
	const struct opt_def *d = &opt_defs[id];
	char left[64];

	if (d->short_name)
		snprintf(left, sizeof(left), "-%c, --%s%s%s", d->short_name, d->name,
			 d->metavar ? " " : "", d->metavar ? d->metavar : "");
	else
		snprintf(left, sizeof(left), "    --%s%s%s", d->name, d->metavar ? " " : "",
			 d->metavar ? d->metavar : "");
	fprintf(f, "  %-36s %s\n", left, d->help);
}

static void command_help(const struct cli_cmd *cmd)
{
	const char *ex;

	printf("Usage: dsck %s%s%s [options]\n\n%s\n\nOptions:\n", cmd->name,
	       *cmd->args ? " " : "", cmd->args, cmd->summary);
	for (const int *o = cmd->opts; *o != OPT__COUNT; o++)
		print_opt(stdout, *o);
	print_opt(stdout, OPT_OUTPUT);
	print_opt(stdout, OPT_QUIET);
	print_opt(stdout, OPT_DEBUG);
	print_opt(stdout, OPT_HELP);
	if (cmd->conn) {
		printf("\nConnection options (flag > environment > config file > default; see "
		       "'dsck config'):\n");
		for (const int *o = conn_opts; *o != OPT__COUNT; o++)
			print_opt(stdout, *o);
	}
	printf("\nExamples:\n");
	for (ex = cmd->examples; *ex;) {
		size_t n = strcspn(ex, "\n");

		printf("  %.*s\n", (int)n, ex);
		ex += n + (ex[n] == '\n');
	}
	printf("\nTable output is for people; use -o json in scripts.\n");
}

static void main_help(FILE *f)
{
	fprintf(f, "Usage: dsck [global options] COMMAND [options]\n\n"
		   "Check, snapshot and verify Calico's etcd datastore around upgrades.\n\n"
		   "Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-25s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nGlobal options (before or after the command; --opt=value works too):\n");
	for (const int *o = global_opts; *o != OPT__COUNT; o++)
		print_opt(f, *o);
	fprintf(f, "\nConnection options (commands that talk to etcd or Kubernetes):\n");
	for (const int *o = conn_opts; *o != OPT__COUNT; o++)
		print_opt(f, *o);
	fprintf(f, "\nRun 'dsck help COMMAND' or 'dsck COMMAND --help' for the options and examples "
		   "of a command.\n"
		   "Durations are Go durations (500ms, 2s, 1m30s); endpoints without a scheme are "
		   "http://.\n"
		   "Exit codes: 0 ok, 1 differences/findings, 2 usage or invalid input, 3 cannot "
		   "connect,\n4 TLS/auth failure, 5 server refused, 6 local I/O failure, 141 standard "
		   "output closed early.\n");
}

static bool accepts(const struct cli_cmd *cmd, int id)
{
	if (id == OPT_HELP || id == OPT_OUTPUT || id == OPT_DEBUG || id == OPT_QUIET)
		return true;
	for (const int *o = cmd->opts; *o != OPT__COUNT; o++)
		if (*o == id)
			return true;
	if (cmd->conn)
		for (const int *o = conn_opts; *o != OPT__COUNT; o++)
			if (*o == id)
				return true;
	return false;
}

static int find_opt(const struct cli_cmd *cmd, const char *name, size_t len, char short_name)
{
	for (int i = 0; i < OPT__COUNT; i++) {
		const struct opt_def *d = &opt_defs[i];

		if (!accepts(cmd, i))
			continue;
		if (short_name ? d->short_name == short_name
			       : strlen(d->name) == len && strncmp(d->name, name, len) == 0)
			return i;
	}
	return -1;
}

static int store_opt(struct cli *cli, int id, const char *value)
{
	const struct opt_def *d = &opt_defs[id];
	char origin[64];

	cli->set[id] = true;
	cli->val[id] = value;
	if (id == OPT_IGNORE) {
		if (cli->n_ignore == (int)ARRAY_SIZE(cli->ignore))
			return cli_usage_error(cli, "too many --ignore options");
		cli->ignore[cli->n_ignore++] = value;
	}
	if (d->setting != SET__COUNT) {
		snprintf(origin, sizeof(origin), "--%s", d->name);
		if (settings_set(&cli->settings, d->setting, d->has_arg ? value : "true", SRC_FLAG,
				 origin))
			return cli_usage_error(cli, "out of memory");
	}
	return EXIT_OK;
}

static int parse_args(struct cli *cli, int argc, char **argv)
{
	bool only_pos = false;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *value = NULL, *eq;
		int id;

		if (only_pos || a[0] != '-' || strcmp(a, "-") == 0) {
			if (cli->npos == CLI_MAX_POS)
				return cli_usage_error(cli, "too many arguments");
			cli->pos[cli->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (a[1] == '-') {
			eq = strchr(a + 2, '=');
			id = find_opt(cli->cmd, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2), 0);
			if (eq)
				value = eq + 1;
		} else {
			if (a[2])
				value = a + 2 + (a[2] == '=');   /* -ojson, -o=json */
			id = find_opt(cli->cmd, NULL, 0, a[1]);
		}
		if (id < 0)
			return cli_usage_error(cli, "unknown option '%s' for 'dsck %s'", a,
					       cli->cmd->name);
		if (opt_defs[id].has_arg && !value) {
			if (i + 1 >= argc)
				return cli_usage_error(cli, "option '%s' needs a value (%s)", a,
						       opt_defs[id].metavar);
			value = argv[++i];
		} else if (!opt_defs[id].has_arg && value) {
			return cli_usage_error(cli, "option '%s' takes no value", a);
		}
		if (store_opt(cli, id, value))
			return EXIT_USAGE;
	}
	if (cli->val[OPT_OUTPUT]) {
		if (strcmp(cli->val[OPT_OUTPUT], "json") == 0)
			cli->format = OUT_JSON;
		else if (strcmp(cli->val[OPT_OUTPUT], "table") == 0)
			cli->format = OUT_TABLE;
		else
			return cli_usage_error(cli, "invalid output format '%s' (table or json)",
					       cli->val[OPT_OUTPUT]);
	}
	cli->debug = cli->set[OPT_DEBUG];
	cli->quiet = cli->set[OPT_QUIET];
	return EXIT_OK;
}

/* Any option by name, for the global options written before the command. */
static const struct opt_def *any_opt(const char *a)
{
	size_t len = strcspn(a + 2, "=");

	for (int i = 0; i < OPT__COUNT; i++) {
		const struct opt_def *d = &opt_defs[i];

		if (a[1] == '-' ? strlen(d->name) == len && strncmp(d->name, a + 2, len) == 0
				: d->short_name == a[1])
			return d;
	}
	return NULL;
}

/*
 * etcdctl habit: options may come before the command ("dsck --endpoints X
 * status"). They are moved behind the command words, so the command's own
 * parser checks them like any other option. Returns the index of the
 * command word in argv, or -1 after printing a usage error.
 */
static int hoist_globals(int argc, char **argv, char **out, int *nout)
{
	int i = 1;

	*nout = 0;
	while (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "--") != 0) {
		const struct opt_def *d = any_opt(argv[i]);
		bool joined = argv[i][1] == '-' ? strchr(argv[i], '=') != NULL : argv[i][2] != '\0';

		if (!d) {
			errorf("unknown option '%s'", argv[i]);
			fprintf(stderr, "Run 'dsck --help' for the list of commands and options.\n");
			return -1;
		}
		out[(*nout)++] = argv[i++];
		if (d->has_arg && !joined && i < argc)
			out[(*nout)++] = argv[i++];
	}
	return i;
}

static int run(int argc, char **argv)
{
	struct cli cli;
	int used = 0, rc, first, nglob;
	_cleanup_free_ char **args = calloc((size_t)argc + 1, sizeof(char *));

	memset(&cli, 0, sizeof(cli));
	if (!args)
		return EXIT_IO;
	if (argc > 1 && strcmp(argv[1], "--version") == 0)
		argv[1] = (char *)"version";
	first = hoist_globals(argc, argv, args, &nglob);
	if (first < 0)
		return EXIT_USAGE;
	if (first >= argc) {
		/* Only options: --help and --version stand for commands. */
		for (int i = 0; i < nglob; i++) {
			if (strcmp(args[i], "-h") == 0 || strcmp(args[i], "--help") == 0) {
				main_help(stdout);
				return cli_finish_stdout(EXIT_OK);
			}
		}
		main_help(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[first], "help") == 0) {
		/* "dsck help", "dsck help ls", "dsck help snapshot save", "dsck help check". */
		if (first + 1 >= argc) {
			main_help(stdout);
			return cli_finish_stdout(EXIT_OK);
		}
		cli.cmd = find_command(argc - first - 1, argv + first + 1, &used);
		if (cli.cmd) {
			command_help(cli.cmd);
			return cli_finish_stdout(EXIT_OK);
		}
		if (list_subcommands(stdout, argv[first + 1], NULL))
			return cli_finish_stdout(EXIT_OK);
		errorf("unknown command '%s'", argv[first + 1]);
		fprintf(stderr, "Run 'dsck --help' for the list of commands.\n");
		return EXIT_USAGE;
	}
	cli.cmd = find_command(argc - first, argv + first, &used);
	if (!cli.cmd) {
		const char *next = first + 1 < argc ? argv[first + 1] : NULL;
		bool want_help = next && (strcmp(next, "--help") == 0 || strcmp(next, "-h") == 0);
		bool bad = next && next[0] != '-';

		if (list_subcommands(want_help ? stdout : stderr, argv[first],
				     want_help || !bad ? NULL : next))
			return want_help ? cli_finish_stdout(EXIT_OK) : EXIT_USAGE;
		errorf("unknown command '%s'", argv[first]);
		fprintf(stderr, "Run 'dsck --help' for the list of commands.\n");
		return EXIT_USAGE;
	}
	/* The global options first, then what followed the command words. */
	for (int i = first + used; i < argc; i++)
		args[nglob++] = argv[i];
	signal(SIGPIPE, SIG_IGN);
	settings_init(&cli.settings);
	rc = parse_args(&cli, nglob, args);
	cli_errdoc_command(cli.cmd->name, rc == EXIT_OK ? &cli : NULL);
	if (rc == EXIT_OK && cli.set[OPT_HELP]) {
		command_help(cli.cmd);
		rc = cli_finish_stdout(EXIT_OK);
	} else if (rc == EXIT_OK) {
		cli_install_signal_cleanup();
		cli_color_init(&cli);
		curl_global_init(CURL_GLOBAL_DEFAULT);
		etcd3_global_init(cli.debug);
		rc = cli.cmd->fn(&cli);
		progress_break();   /* no half line left on stderr, whatever the command did */
		rc = cli_finish_stdout(rc);
		etcd3_global_shutdown();
		curl_global_cleanup();
	}
	settings_release(&cli.settings);
	return rc;
}

/* -o json: one document on stdout in every case, errors included (cli.h). */
int main(int argc, char **argv)
{
	cli_errdoc_begin(argc, argv);
	return cli_errdoc_end(run(argc, argv));
}
