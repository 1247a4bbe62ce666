/*
 * dsck ls / dsck get: raw keys with their metadata, from either store.
 * JSON records are exactly the snapshot records (docs/snapshot-format.md), streamed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table.h"
#include "store/etcd2.h"
#include "store/etcd3.h"
#include "base/jsonw.h"
#include "base/keyfilter.h"
#include "store/source.h"

struct lister {
	struct cli *cli;
	int api;
	bool single;                   /* get: the whole value, or only the value */
	size_t cut;                    /* keys with PREFIX's bytes outside its subtree */
	char cut_example[256];
	size_t n;
	size_t width;                  /* table_width(): values shortened to fit */
	struct buf line;
};

static void table_header(int api)
{
	if (api == 2)
		printf("%-8s %-8s %-6s %s\n", "CREATED", "MODIFIED", "TTL", "KEY = VALUE");
	else
		printf("%-8s %-8s %-4s %-6s %s\n", "CREATE", "MOD", "VER", "LEASE", "KEY = VALUE");
}

static bool value_only(const struct lister *l)
{
	return l->single && l->cli->set[OPT_PRINT_VALUE_ONLY];
}

static enum dsck_err emit(struct lister *l, const struct dsck_record *r, struct dsck_error *err)
{
	enum dsck_err rc;

	/* Stop reading once nobody reads our output (`dsck ls | head`). */
	if (ferror(stdout))
		return dsck_fail(err, DSCK_ERR_IO, "cannot write to standard output");
	if (value_only(l)) {
		/* As etcdctl: the raw value and a newline, nothing else. */
		if (!r->dir)
			fwrite(r->value, 1, r->value_len, stdout);
		putchar('\n');
	} else if (l->cli->format == OUT_JSON) {
		buf_reset(&l->line);
		if ((l->n && (rc = buf_appendc(&l->line, ','))) ||
		    (rc = record_json_append(&l->line, (enum dsck_api)l->api, r)))
			return dsck_fail(err, rc, "record '%.*s' is too large", (int)r->key_len, r->key);
		fwrite(l->line.data, 1, l->line.len, stdout);
	} else {
		char ttl[24] = "-";
		int used;

		if (l->api == 2) {
			if (r->has_ttl)
				snprintf(ttl, sizeof(ttl), "%lld", (long long)r->ttl);
			used = printf("%-8lld %-8lld %-6s ", (long long)r->created_index,
				      (long long)r->modified_index, ttl);
		} else {
			used = printf("%-8lld %-8lld %-4lld %-6lld ", (long long)r->create_revision,
				      (long long)r->mod_revision, (long long)r->version,
				      (long long)r->lease);
		}
		/* The key is never cut: the value gets what is left of the line. */
		used = used < 0 ? 0 : used;
		used += (int)table_put(stdout, r->key, r->key_len, TABLE_UNLIMITED, TABLE_BYTES);
		if (r->dir)
			fputs("/ (dir)", stdout);
		else {
			fputs(" = ", stdout);
			/* get never shortens; ls tables do on a terminal, -o json never does. */
			size_t room = table_room(l->width, (size_t)used + 3);

			/* Past a key wider than the line, a value still shows that it is there. */
			table_put(stdout, r->value, r->value_len,
				  l->single ? TABLE_UNLIMITED : room < 3 ? 3 : room, TABLE_BYTES);
		}
		putchar('\n');
	}
	l->n++;
	return DSCK_OK;
}

static void json_open(const struct lister *l, const char *index_name, int64_t index)
{
	cli_json_printed();
	printf("{\"api\":\"v%d\",\"command\":\"%s\",\"format_version\":1,\"%s\":%lld,"
	       "\"records\":[", l->api, l->cli->cmd->name, index_name, (long long)index);
}

/* PREFIX is a subtree for both APIs and every source (docs/conventions.md). */
static bool wants(struct lister *l, const char *key, size_t klen, const struct dsck_record *r)
{
	struct keyfilter under;

	if (l->single)
		return r->key_len == klen && memcmp(r->key, key, klen) == 0;
	keyfilter_init(&under, key, true);
	if (keyfilter_under_prefix(&under, r->key, r->key_len))
		return true;
	/* "/calico/v1/ho" and "/calico/v1/host/...": the prefix cut a path segment. */
	if (r->key_len > under.prefix_len && memcmp(r->key, key, under.prefix_len) == 0 &&
	    !l->cut++)
		snprintf(l->cut_example, sizeof(l->cut_example), "%.*s",
			 (int)(r->key_len < 200 ? r->key_len : 200), r->key);
	return false;
}

/* An empty listing because the prefix cut a path segment says so. */
static void note_cut_segment(struct lister *l, const char *prefix)
{
	if (l->n || !l->cut)
		return;
	notef(l->cli, "no key under %s, but %zu key%s start%s with those bytes (e.g. '%s'): a "
	      "PREFIX is a whole path, like a directory (docs/conventions.md)", prefix, l->cut,
	      l->cut == 1 ? "" : "s", l->cut == 1 ? "s" : "", l->cut_example);
}

/*
 * v2 has no byte-prefix read: for an absent PREFIX, the entries of its parent
 * directory that start with its last segment's bytes tell that it cut one.
 */
static void count_v2_siblings(struct lister *l, struct etcd2_client *c, const char *key,
			      unsigned quorum)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct etcd2_listing lst;
	const char *slash = strrchr(key, '/');
	char parent[1024];

	if (!slash || slash[1] == '\0' || (size_t)(slash - key) >= sizeof(parent))
		return;
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - key), key);
	if (etcd2_get(c, parent[0] ? parent : "/", quorum, &lst, &err))
		return;   /* only a hint: a failed look is no error */
	for (size_t i = 0; i < lst.n; i++) {
		struct dsck_record r;

		etcd2_listing_at(&lst, i, &r);
		(void)wants(l, key, strlen(key), &r);
	}
	etcd2_listing_release(&lst);
}

static int list_v2(struct lister *l, const struct dsck_conn *conn, const char *key,
		   bool recursive, bool single)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct etcd2_client c;
	struct etcd2_listing lst;
	enum dsck_err rc;
	unsigned flags = (recursive ? ETCD2_RECURSIVE : 0) |
			 (l->cli->set[OPT_SERIALIZABLE] ? 0 : ETCD2_QUORUM);

	if (etcd2_client_init(&c, conn, &err))
		return cli_fail(&err);
	rc = etcd2_get(&c, key, flags, &lst, &err);
	if (rc == DSCK_ERR_NOT_FOUND && !single) {
		/* An absent prefix is an empty listing, as in v3. */
		memset(&lst, 0, sizeof(lst));
		dsck_error_clear(&err);
		rc = DSCK_OK;
		count_v2_siblings(l, &c, key, flags & ETCD2_QUORUM);
	}
	etcd2_client_release(&c);
	if (rc)
		return cli_fail(&err);
	if (l->cli->format == OUT_JSON && !value_only(l))
		json_open(l, "etcd_index", lst.etcd_index);
	else if (!value_only(l))
		table_header(2);
	for (size_t i = 0; i < (single ? (lst.n ? 1 : 0) : lst.n) && !rc; i++) {
		struct dsck_record r;

		etcd2_listing_at(&lst, i, &r);
		rc = emit(l, &r, &err);
	}
	if (l->cli->format == OUT_JSON && !value_only(l))
		printf("],\"ok\":%s}\n", rc ? "false" : "true");
	if (!rc)
		note_cut_segment(l, key);
	etcd2_listing_release(&lst);
	return rc ? cli_fail(&err) : EXIT_OK;
}

static int list_v3(struct lister *l, const struct dsck_conn *conn, const char *key,
		   bool single)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct etcd3_client c;
	struct etcd3_scan s;
	struct dsck_record r;
	bool done = false, opened = false;
	int64_t page;
	enum dsck_err rc;
	int code;

	if ((code = cli_page_size(l->cli, &page)))
		return code;
	if (etcd3_client_init(&c, conn, &err))
		return cli_fail(&err);
	rc = etcd3_scan_begin(&s, &c, key, strlen(key), 0, single ? 1 : page,
			      l->cli->set[OPT_SERIALIZABLE], &err);
	if (!rc && single) {
		/* One key: the range [key, key+"\0"). */
		s.end_len = strlen(key) + 1;
		memcpy(s.end, key, s.end_len);
	}
	while (!rc) {
		rc = etcd3_scan_next(&s, &r, &done, &err);
		if (rc)
			break;
		if (!opened) {
			if (single && done) {
				rc = dsck_fail(&err, DSCK_ERR_NOT_FOUND, "key '%s' not found (v3, %s)",
					       key, etcd3_endpoint(&c));
				break;
			}
			if (l->cli->format == OUT_JSON && !value_only(l))
				json_open(l, "revision", s.revision);
			else if (!value_only(l))
				table_header(3);
			opened = true;
		}
		if (done)
			break;
		if (wants(l, key, strlen(key), &r))
			rc = emit(l, &r, &err);
	}
	if (opened && l->cli->format == OUT_JSON && !value_only(l))
		printf("],\"ok\":%s}\n", rc ? "false" : "true");
	if (!rc)
		note_cut_segment(l, key);
	etcd3_scan_release(&s);
	etcd3_client_release(&c);
	if (rc && err.code == DSCK_OK)   /* a failure that came without a message */
		dsck_fail(&err, rc, "%s", dsck_err_name(rc));
	return rc ? cli_fail(&err) : EXIT_OK;
}

/* The JSON head or the table header. */
static void file_open_output(struct lister *l, const struct source *src)
{
	if (value_only(l))
		return;
	if (l->cli->format == OUT_JSON)
		json_open(l, l->api == 2 ? "etcd_index" : "revision",
			  l->api == 2 ? src->etcd_index : src->revision);
	else
		table_header(l->api);
}

/* KEY or PREFIX from a snapshot file (dsck or etcd backend), shown as the live store shows it. */
static int list_file(struct lister *l, const char *key, const char *path, bool single)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct keyfilter all;
	struct source src;
	struct dsck_record r;
	size_t klen = strlen(key);
	bool done = false, opened = false;
	enum dsck_err rc;

	keyfilter_init(&all, "", true);
	if (source_open_snapshot(&src, path, &all, &err))
		return cli_fail(&err);
	l->api = src.api;
	while (!(rc = source_next(&src, &r, &done, &err)) && !done) {
		if (!wants(l, key, klen, &r))
			continue;
		if (!opened)
			file_open_output(l, &src);
		opened = true;
		if ((rc = emit(l, &r, &err)))
			break;
	}
	/* A missing KEY prints no header, as the live get does. */
	if (!rc && !opened && single) {
		rc = dsck_fail(&err, DSCK_ERR_NOT_FOUND, "key '%s' not found (%s)", key, path);
	} else if (!rc && !opened) {
		file_open_output(l, &src);
		opened = true;
	}
	if (opened && l->cli->format == OUT_JSON && !value_only(l))
		printf("],\"ok\":%s}\n", rc ? "false" : "true");
	if (!rc)
		note_cut_segment(l, key);
	source_close(&src);
	if (rc && err.code == DSCK_OK)   /* a failure that came without a message */
		dsck_fail(&err, rc, "%s", dsck_err_name(rc));
	return rc ? cli_fail(&err) : EXIT_OK;
}

int cmd_ls(struct cli *cli)
{
	bool single = cli->cmd->variant == LS_GET;
	struct lister l = { .cli = cli, .single = single,
			    .width = table_width(), .line = BUF_INIT((size_t)1 << 30) };
	struct dsck_conn conn;
	const char *key;
	int rc;

	if (cli->npos == 2) {
		/* KEY or PREFIX, then a snapshot file to read instead of the live store. */
		if (cli->set[OPT_API] || cli->set[OPT_SERIALIZABLE] || cli->set[OPT_PAGE_SIZE])
			return cli_usage_error(cli, "--api, --serializable and --page-size are for live "
					       "stores; %s carries its own", cli->pos[1]);
		rc = list_file(&l, cli->pos[0], cli->pos[1], single);
		buf_release(&l.line);
		return rc;
	}
	if ((rc = cli_api(cli, &l.api)))
		return rc;
	if (single && cli->npos != 1)
		return cli_usage_error(cli, "expected exactly one KEY (then optionally a FILE)");
	if (!single && cli->npos > 1)
		return cli_usage_error(cli, "expected at most one PREFIX (then optionally a FILE)");
	key = cli->npos ? cli->pos[0] : (l.api == 2 ? "/calico" : "/calico/");
	if (l.api == 2 && key[0] != '/')
		return cli_usage_error(cli, "v2 keys start with '/': '%s'", key);
	if ((rc = cli_connect_settings(cli, &conn)))
		return rc;
	rc = l.api == 2 ? list_v2(&l, &conn, key, !single, single)
			: list_v3(&l, &conn, key, single);
	buf_release(&l.line);
	conn_release(&conn);
	return rc;
}
