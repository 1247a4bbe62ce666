/*
 * dsck status: per endpoint health, identity and API availability, then
 * where the Calico data lives (v2 store, v3 store, v3 data model) and how
 * much of it there is (calico/locate.h).
 */
#include <jansson.h>
#include <string.h>

#include "cli.h"
#include "table.h"
#include "calico/calico.h"
#include "base/findings.h"
#include "base/keyfilter.h"
#include "calico/locate.h"
#include "calico/v2trap.h"
#include "store/etcd2.h"
#include "store/etcd3.h"

struct endpoint_status {
	const char *endpoint;
	bool reachable;
	char error[DSCK_ERROR_MSG_MAX];
	int exit_code;
	char version[64];
	uint64_t cluster_id, member_id, leader;
	int64_t revision, db_size;
	bool v3_ok;
	bool peer;                /* the endpoint is a member's peer URL */
	int v2_enabled;           /* 1 yes, 0 no, -1 unknown */
};


/* Two URLs name the same listener ("http://h:2380" and "http://h:2380/"). */
static bool same_url(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la && a[la - 1] == '/')
		la--;
	while (lb && b[lb - 1] == '/')
		lb--;
	return la == lb && strncmp(a, b, la) == 0;
}

/*
 * The peer port answers some gRPC calls too, but serves no v2 API: a member
 * whose peer URL is the endpoint says so (the member list names both).
 */
static void detect_peer_url(struct etcd3_client *c3, struct endpoint_status *st)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct etcd3_member_info ml[CONN_MAX_ENDPOINTS];
	size_t n = 0;

	if (etcd3_members(c3, ml, CONN_MAX_ENDPOINTS, &n, &err) != DSCK_OK)
		return;
	for (size_t m = 0; m < n && !st->peer; m++) {
		const struct etcd3_member_info *mb = &ml[m];

		for (size_t u = 0; u < mb->n_peer_urls && !st->peer; u++) {
			if (!same_url(st->endpoint, mb->peer_urls[u]))
				continue;
			st->peer = true;
			snprintf(st->error, sizeof(st->error), "%s is the peer URL of member %s, not "
				 "a client URL: use %s", st->endpoint, mb->name[0] ? mb->name : "?",
				 mb->n_client_urls ? mb->client_urls[0] : "its client URL (port 2379)");
		}
	}
}

static void probe_endpoint(const struct dsck_conn *all, size_t i, struct endpoint_status *st)
{
	struct dsck_error err = DSCK_ERROR_INIT, err2 = DSCK_ERROR_INIT;
	struct dsck_conn conn;
	struct etcd3_client c3;
	struct etcd2_client c2;
	struct etcd2_listing l;
	struct etcd3_member_status sr;
	enum dsck_err rc;

	memset(st, 0, sizeof(*st));
	st->endpoint = all->endpoints[i];
	st->v2_enabled = -1;
	if (conn_init_member(&conn, all, i, &err)) {
		snprintf(st->error, sizeof(st->error), "%s", err.msg);
		return;
	}
	if (etcd3_client_init(&c3, &conn, &err) == DSCK_OK &&
	    etcd3_member_status(&c3, &sr, &err) == DSCK_OK) {
		st->reachable = st->v3_ok = true;
		snprintf(st->version, sizeof(st->version), "%s", sr.version);
		st->cluster_id = sr.cluster_id;
		st->member_id = sr.member_id;
		st->revision = sr.revision;
		st->leader = sr.leader;
		st->db_size = sr.db_size;
		detect_peer_url(&c3, st);
	} else {
		snprintf(st->error, sizeof(st->error), "%s", err.msg);
		st->exit_code = exit_code_for(err.code);
	}
	etcd3_client_release(&c3);

	if (etcd2_client_init(&c2, &conn, &err2) == DSCK_OK) {
		rc = etcd2_get(&c2, "/", 0, &l, &err2);
		if (rc == DSCK_OK || rc == DSCK_ERR_NOT_FOUND || rc == DSCK_ERR_AUTH) {
			st->v2_enabled = 1;
			st->reachable = true;
		} else if (rc == DSCK_ERR_V2_DISABLED) {
			st->v2_enabled = 0;
			st->reachable = true;
		}
		if (rc == DSCK_OK)
			etcd2_listing_release(&l);
		if (!st->v3_ok && st->reachable && !st->version[0]) {
			char v[64];
			struct dsck_error e3 = DSCK_ERROR_INIT;

			if (etcd2_version(&c2, v, sizeof(v), &e3) == DSCK_OK)
				snprintf(st->version, sizeof(st->version), "%s", v);
		}
		etcd2_client_release(&c2);
	}
	if (st->reachable && !st->v3_ok && !st->error[0])
		snprintf(st->error, sizeof(st->error), "%s", err.msg);
	/* Neither protocol answered: the v2 error may say why (a TLS port spoken to in plain HTTP). */
	if (!st->reachable && err2.msg[0] && strstr(err2.msg, "use https://"))
		snprintf(st->error, sizeof(st->error), "%.500s; over HTTP: %.480s", err.msg, err2.msg);
	conn_release(&conn);
}

static int render_json(const struct endpoint_status *st, size_t n, const struct locate *cs,
		       const struct findings *f, bool ok)
{
	json_t *doc = json_object(), *eps = json_array(), *cal = json_object();
	char hex[24];

	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object();

		json_object_set_new(e, "endpoint", json_string(st[i].endpoint));
		json_object_set_new(e, "reachable", json_boolean(st[i].reachable));
		json_object_set_new(e, "error", st[i].error[0] ? json_string(st[i].error) : json_null());
		json_object_set_new(e, "etcd_version", cli_json_text(st[i].version));
		if (st[i].v3_ok) {
			snprintf(hex, sizeof(hex), "%llx", (unsigned long long)st[i].cluster_id);
			json_object_set_new(e, "cluster_id", json_string(hex));
			snprintf(hex, sizeof(hex), "%llx", (unsigned long long)st[i].member_id);
			json_object_set_new(e, "member_id", json_string(hex));
			json_object_set_new(e, "is_leader", json_boolean(st[i].leader == st[i].member_id));
			json_object_set_new(e, "revision", json_integer(st[i].revision));
			json_object_set_new(e, "db_size", json_integer(st[i].db_size));
		}
		json_object_set_new(e, "v2_enabled",
				    st[i].v2_enabled < 0 ? json_null() : json_boolean(st[i].v2_enabled));
		json_array_append_new(eps, e);
	}
	/* The counts of docs/json.md, "Counts". */
	json_object_set_new(cal, "v2_keys", cli_count_json(cs->v2_counted, cs->v2.keys));
	json_object_set_new(cal, "v2_ephemeral", cli_count_json(cs->v2_counted, cs->v2.ephemeral));
	json_object_set_new(cal, "v2_dirs", cli_count_json(cs->v2_counted, cs->v2.dirs));
	json_object_set_new(cal, "v3_keys", cli_count_json(cs->v3_counted, cs->v3.keys));
	json_object_set_new(cal, "v3_ephemeral", cli_count_json(cs->v3_counted, cs->v3.ephemeral));
	json_object_set_new(cal, "v3_model_keys", cli_count_json(cs->v3_counted, cs->v3.model_keys));
	/* A boolean as everywhere; the raw value beside it (docs/json.md). */
	json_object_set_new(cal, "ready", cs->ready[0] ? json_boolean(strcmp(cs->ready, "true") == 0)
						       : json_null());
	json_object_set_new(cal, "ready_value", cli_json_text(cs->ready));
	json_object_set_new(cal, "ready_v3", cs->ready_v3[0] ?
			    json_boolean(strcmp(cs->ready_v3, "true") == 0) : json_null());
	json_object_set_new(cal, "ready_v3_value", cli_json_text(cs->ready_v3));
	json_object_set_new(cal, "calico_version", cli_json_text(cs->calico_version));
	json_object_set_new(cal, "cluster_guid", cli_json_text(cs->cluster_guid));
	json_object_set_new(cal, "error", cs->err.code ? json_string(cs->err.msg) : json_null());
	json_object_set_new(doc, "endpoints", eps);
	json_object_set_new(doc, "calico", cal);
	json_object_set_new(doc, "findings", cli_findings_json(f));
	json_object_set_new(doc, "ok", json_boolean(ok));
	return cli_print_json(doc);
}

static void print_count(const char *label, bool known, size_t n)
{
	if (!known)
		printf("  %-24s unknown\n", label);
	else
		printf("  %-24s %zu\n", label, n);
}

static void render_table(const struct endpoint_status *st, size_t n, const struct locate *cs)
{
	static const struct table_col cols[] = {
		{ "ENDPOINT", TABLE_LEFT }, { "REACHABLE", TABLE_LEFT }, { "VERSION", TABLE_LEFT },
		{ "CLUSTER ID", TABLE_LEFT }, { "MEMBER ID", TABLE_LEFT }, { "LEADER", TABLE_LEFT },
		{ "REVISION", TABLE_RIGHT }, { "DB SIZE", TABLE_RIGHT }, { "V2 API", TABLE_LEFT },
	};
	struct table t;

	table_init(&t, cols, ARRAY_SIZE(cols));
	for (size_t i = 0; i < n; i++) {
		const struct endpoint_status *e = &st[i];
		const char *v2 = e->v2_enabled < 0 ? "unknown" : e->v2_enabled ? "enabled" : "DISABLED";
		char cluster[24], member[24], rev[24], size[24];

		if (!e->v3_ok) {
			table_add(&t, (const char *const[]){ e->endpoint, e->reachable ? "yes" : "NO",
				  e->version[0] ? e->version : "-", "-", "-", "-", "-", "-", v2 });
		} else {
			snprintf(cluster, sizeof(cluster), "%llx", (unsigned long long)e->cluster_id);
			snprintf(member, sizeof(member), "%llx", (unsigned long long)e->member_id);
			snprintf(rev, sizeof(rev), "%lld", (long long)e->revision);
			snprintf(size, sizeof(size), "%lld", (long long)e->db_size);
			table_add(&t, (const char *const[]){ e->endpoint, "yes", e->version, cluster,
				  member, e->leader == e->member_id ? "yes" : "no", rev, size, v2 });
		}
		if (e->error[0])
			table_note(&t, e->error);
	}
	table_print(&t, stdout);
	table_release(&t);
	printf("\nCalico data:\n");
	print_count("v2 keys", cs->v2_counted, cs->v2.keys);
	print_count("v2 ephemeral keys", cs->v2_counted, cs->v2.ephemeral);
	print_count("v2 directories", cs->v2_counted, cs->v2.dirs);
	print_count("v3 keys", cs->v3_counted, cs->v3.keys);
	print_count("v3 ephemeral keys", cs->v3_counted, cs->v3.ephemeral);
	print_count("v3-model keys", cs->v3_counted, cs->v3.model_keys);
	printf("  %-24s %s\n", "Ready", cs->ready[0] ? cs->ready : "-");
	printf("  %-24s %s\n", "Ready in v3", cs->ready_v3[0] ? cs->ready_v3 : "-");
	printf("  %-24s %s\n", "CalicoVersion", cs->calico_version[0] ? cs->calico_version : "-");
	printf("  %-24s %s\n", "ClusterGUID", cs->cluster_guid[0] ? cs->cluster_guid : "-");
	if (cs->err.code)
		printf("  could not read: %s\n", cs->err.msg);
}

/* What to do about a store that could not be read. */
static const char *read_hint(const struct locate *cs, const struct endpoint_status *st,
			     size_t n)
{
	bool v2_off = n > 0;

	for (size_t i = 0; i < n; i++)
		v2_off &= st[i].v2_enabled == 0;
	if (cs->err.code == DSCK_ERR_AUTH)
		return "etcd has authentication enabled";
	if (cs->err.code == DSCK_ERR_TLS)
		return "check --cacert, --cert and --key";
	if (v2_off)
		return "is this an etcd client URL (usually port 2379), not the peer port (2380)?";
	return "check the endpoint and the member's health";
}

int cmd_status(struct cli *cli)
{
	struct endpoint_status st[CONN_MAX_ENDPOINTS];
	struct locate cs;
	struct dsck_error err = DSCK_ERROR_INIT;
	struct keyfilter calico;
	struct dsck_conn conn;
	struct findings f;
	bool any_v2 = false, any_v3 = false;
	int rc, worst = EXIT_OK;

	if (cli->npos)
		return cli_usage_error(cli, "unexpected argument '%s'", cli->pos[0]);
	if ((rc = cli_connect_settings(cli, &conn)))
		return rc;
	for (size_t i = 0; i < conn.n_endpoints; i++) {
		probe_endpoint(&conn, i, &st[i]);
		any_v2 |= st[i].v2_enabled == 1;
		any_v3 |= st[i].v3_ok;
		if (st[i].peer)
			worst = EXIT_USAGE;
		else if (!st[i].reachable)
			worst = st[i].exit_code == EXIT_AUTH ? EXIT_AUTH : EXIT_CONNECT;
		else if (!st[i].v3_ok && worst == EXIT_OK)
			worst = st[i].exit_code ? st[i].exit_code : EXIT_REFUSED;
	}
	keyfilter_init(&calico, "/calico", true);
	if (locate_run(&cs, &conn, &calico, (any_v2 ? LOCATE_V2 : 0) | (any_v3 ? LOCATE_V3 : 0) |
		       LOCATE_COUNT, &err)) {
		conn_release(&conn);
		return cli_fail(&err);
	}
	/* A store that could not be read is not "unknown, exit 0". */
	if (cs.err.code) {
		errorf("could not read the Calico data: %s (%s)", cs.err.msg,
		       read_hint(&cs, st, conn.n_endpoints));
		if (worst == EXIT_OK)
			worst = exit_code_for(cs.err.code);
	}
	findings_init(&f, 10);
	/* Calico data in v2 is what `etcdctl snapshot save` silently leaves out. */
	if (cs.v2_counted && cs.v2.keys && v2trap_add_online(&f, cs.v2.keys))
		rc = EXIT_IO;
	else if (cli->format == OUT_JSON)
		rc = render_json(st, conn.n_endpoints, &cs, &f, worst == EXIT_OK);
	else
		render_table(st, conn.n_endpoints, &cs);
	if (!rc && cli->format != OUT_JSON && f.n) {
		printf("\n");
		cli_findings_table(&f);
	}
	findings_release(&f);
	conn_release(&conn);
	return rc ? rc : worst;
}
