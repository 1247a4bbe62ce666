/*
 * dsck snapshot save / verify: logical snapshots of the Calico keys
 * (docs/snapshot-format.md), written as they are read and verified as they are streamed.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "calico/calico.h"
#include "calico/counts.h"
#include "base/keyfilter.h"
#include "store/source.h"
#include "base/utf8.h"
#include "dsck_config.h"

static void rfc3339_now(char *out, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void fill_header(struct snapshot_header *h, const struct source *src,
			const struct keyfilter *f)
{
	memset(h, 0, sizeof(*h));
	h->version = SNAPSHOT_VERSION;
	rfc3339_now(h->created, sizeof(h->created));
	snprintf(h->tool, sizeof(h->tool), "dsck %s", DSCK_VERSION);
	h->api = src->api;
	snprintf(h->prefix, sizeof(h->prefix), "%.*s", (int)f->prefix_len, f->prefix);
	snprintf(h->endpoint, sizeof(h->endpoint), "%s", src->endpoint);
	snprintf(h->cluster_id, sizeof(h->cluster_id), "%s", src->cluster_id);
	snprintf(h->member_id, sizeof(h->member_id), "%s", src->member_id);
	snprintf(h->etcd_version, sizeof(h->etcd_version), "%s", src->etcd_version);
	h->revision = src->revision;
	h->etcd_index = src->etcd_index;
	h->ephemeral_included = f->include_ephemeral;
}

/* --force replaced a file: always say so, and loudly when the new one is smaller. */
static void note_replaced(struct cli *cli, const char *path, const struct stat *old)
{
	struct stat now;

	if (stat(path, &now) != 0)
		now.st_size = 0;
	if (now.st_size >= old->st_size)
		notef(cli, "replaced the existing '%s' (%lld bytes before, %lld now)", path,
		      (long long)old->st_size, (long long)now.st_size);
	else
		warnf("replaced the existing '%s' with a SMALLER snapshot (%lld bytes before, %lld "
		      "now): the old file is gone", path, (long long)old->st_size,
		      (long long)now.st_size);
}

int cmd_snapshot_save(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct keyfilter f;
	struct dsck_conn conn;
	struct source src;
	struct snapshot_writer w;
	struct snapshot_header h;
	struct dsck_record rec;
	struct progress prog;
	bool done = false, writing = false, have_conn = false, had_old;
	struct stat old;
	const char *path, *from;
	int64_t page = 0;
	int api = 3, rc;
	enum dsck_err e = DSCK_OK;

	memset(&src, 0, sizeof(src));
	/* FILE, then optionally a snapshot file to convert instead of a live store. */
	if (cli->npos != 1 && cli->npos != 2)
		return cli_usage_error(cli, "expected the snapshot FILE (or - for stdout), then "
				       "optionally the snapshot file to read instead of the live store");
	from = cli->npos == 2 ? cli->pos[1] : NULL;
	if (from && (cli->set[OPT_API] || cli->set[OPT_SERIALIZABLE] || cli->set[OPT_PAGE_SIZE]))
		return cli_usage_error(cli, "--api, --serializable and --page-size are for live "
				       "stores; %s carries its own", from);
	if (!from && ((rc = cli_api(cli, &api)) || (rc = cli_page_size(cli, &page))))
		return rc;
	path = cli->pos[0];
	/* A backup is never replaced by accident (docs/conventions.md). */
	if (strcmp(path, "-") != 0 && lstat(path, &old) == 0 && !cli->set[OPT_FORCE]) {
		errorf("'%s' exists: it is kept; choose another name or add --force to replace it",
		       path);
		return EXIT_IO;
	}
	had_old = strcmp(path, "-") != 0 && lstat(path, &old) == 0;
	progress_init(&prog, cli, "snapshot");
	if (from) {
		if ((e = source_open_snapshot(&src, from, &f, &err)))
			return cli_fail(&err);
		src.progress = progress_hook;   /* a file: records, no bytes received */
		src.progress_ctx = &prog;
	}
	if ((rc = cli_keyfilter(cli, &f, from ? src.snap.hdr.prefix : "/calico")))
		goto out;
	/* The header holds the prefix as a JSON string of < sizeof(h.prefix) bytes:
	 * one cut short or dropped would make restore --prune work on another subtree. */
	if (f.prefix_len >= sizeof(h.prefix) ||
	    !utf8_valid((const unsigned char *)f.prefix, f.prefix_len)) {
		rc = cli_usage_error(cli, "a snapshot --prefix must be valid UTF-8 of at most %zu "
				     "bytes", sizeof(h.prefix) - 1);
		goto out;
	}
	if (!from) {
		if ((rc = cli_connect_settings(cli, &conn)))
			return rc;
		have_conn = true;
		/* The v2 answer is one body: its bytes are the progress until it is in. */
		progress_watch(&prog, &conn);
		if (api == 2)
			e = source_open_v2_to_write(&src, &conn, &f, !cli->set[OPT_SERIALIZABLE],
						    &err);
		else
			e = source_open_v3(&src, &conn, &f, page, cli->set[OPT_SERIALIZABLE], &err);
		if (e) {
			conn_release(&conn);
			return cli_fail(&err);
		}
	}
	/* The first record pins the v3 revision that goes into the header. */
	e = source_next(&src, &rec, &done, &err);
	if (!e) {
		if (src.kind == SOURCE_V3)
			prog.total = (size_t)src.scan.count;   /* known from the first page */
		fill_header(&h, &src, &f);
		e = snapshot_writer_open(&w, path, &h, &err);
		writing = !e;
		w.replace = cli->set[OPT_FORCE];
	}
	while (!e && !done) {
		e = snapshot_writer_add(&w, &rec, &err);
		if (!e)
			e = source_next(&src, &rec, &done, &err);
	}
	if (!e) {
		progress_finish(&prog);
		size_t records = w.records;

		/* An empty backup is almost always the wrong --api or --prefix. */
		if (!records && from)
			warnf("no keys under %.*s in %s: the snapshot is empty", (int)f.prefix_len,
			      f.prefix, from);
		else if (!records)
			warnf("no keys under %.*s in the %s store: the snapshot is empty (%sis the "
			      "data in the other API? try --api %s)", (int)f.prefix_len, f.prefix,
			      dsck_api_name(h.api),
			      cli->set[OPT_PREFIX] ? "a PREFIX is a whole path: does it cut a key "
						     "segment short? " : "",
			      h.api == DSCK_API_V3 ? "v2" : "v3");
		e = snapshot_writer_commit(&w, &err);
		writing = false;
		if (!e && had_old)
			note_replaced(cli, path, &old);
		if (!e && cli->format == OUT_JSON && strcmp(path, "-") != 0) {
			json_t *doc = json_object();

			json_object_set_new(doc, "file", json_string(path));
			json_object_set_new(doc, "api", json_string(dsck_api_name(h.api)));
			json_object_set_new(doc, "records", json_integer((json_int_t)records));
			json_object_set_new(doc, h.api == DSCK_API_V3 ? "revision" : "etcd_index",
					    json_integer(h.api == DSCK_API_V3 ? h.revision : h.etcd_index));
			json_object_set_new(doc, "endpoint", json_string(h.endpoint));
			json_object_set_new(doc, "ok", json_true());
			rc = cli_print_json(doc);
		} else if (!e) {
			FILE *out = strcmp(path, "-") == 0 ? stderr : stdout;

			if (!cli->quiet || out == stdout)
				fprintf(out, "snapshot saved: %s (%zu records, api %s, %s %lld, from %s)\n",
					path, records, dsck_api_name(h.api),
					h.api == DSCK_API_V3 ? "revision" : "etcd index",
					(long long)(h.api == DSCK_API_V3 ? h.revision : h.etcd_index),
					h.endpoint);
		}
	}
	if (writing)
		snapshot_writer_abort(&w);
out:
	source_close(&src);
	if (have_conn)
		conn_release(&conn);
	return e ? cli_fail(&err) : rc;
}

int cmd_snapshot_verify(struct cli *cli)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct snapshot_reader r;
	struct counts n;
	size_t records = 0;
	struct dsck_record rec;
	bool done = false;
	enum dsck_err e;

	if (cli->npos != 1)
		return cli_usage_error(cli, "expected the snapshot FILE");
	if (physnap_detect(cli->pos[0]))
		return cmd_snapshot_verify_physical(cli, cli->pos[0]);
	if ((e = snapshot_reader_open(&r, cli->pos[0], &err)))
		return cli_fail(&err);
	counts_init(&n);
	while (!(e = snapshot_reader_next(&r, &rec, &done, &err)) && !done) {
		records++;
		counts_add(&n, &rec, NULL);
	}
	/* A snapshot saved without ephemeral keys cannot tell how many there were. */
	n.ephemeral_unknown = !r.hdr.ephemeral_included;
	if (cli->format == OUT_JSON) {
		json_t *doc = json_object(), *hdr = json_object(), *cnt = cli_counts_json(&n, true);

		json_object_set_new(doc, "file", json_string(cli->pos[0]));
		json_object_set_new(doc, "ok", json_boolean(!e));
		if (e)
			json_object_set_new(doc, "error", cli_error_json(&err));
		json_object_set_new(hdr, "api", json_string(dsck_api_name(r.hdr.api)));
		json_object_set_new(hdr, "created", json_string(r.hdr.created));
		json_object_set_new(hdr, "tool", json_string(r.hdr.tool));
		json_object_set_new(hdr, "prefix", json_string(r.hdr.prefix));
		json_object_set_new(hdr, "endpoint", json_string(r.hdr.endpoint));
		json_object_set_new(hdr, "cluster_id", json_string(r.hdr.cluster_id));
		json_object_set_new(hdr, "ephemeral",
				    json_string(r.hdr.ephemeral_included ? "included" : "excluded"));
		json_object_set_new(hdr, r.hdr.api == DSCK_API_V3 ? "revision" : "etcd_index",
				    json_integer(r.hdr.api == DSCK_API_V3 ? r.hdr.revision
									  : r.hdr.etcd_index));
		json_object_set_new(cnt, "records", json_integer((json_int_t)records));
		json_object_set_new(cnt, "ttl", json_integer((json_int_t)n.ttl));
		json_object_set_new(doc, "header", hdr);
		json_object_set_new(doc, "counts", cnt);
		cli_print_json(doc);
	} else {
		printf("file:       %s\n", cli->pos[0]);
		printf("api:        %s (prefix %s, ephemeral keys %s)\n", dsck_api_name(r.hdr.api),
		       r.hdr.prefix, r.hdr.ephemeral_included ? "included" : "excluded");
		printf("created:    %s by %s\n", r.hdr.created, r.hdr.tool);
		printf("source:     %s (cluster %s, %s %lld)\n", r.hdr.endpoint,
		       r.hdr.cluster_id[0] ? r.hdr.cluster_id : "?",
		       r.hdr.api == DSCK_API_V3 ? "revision" : "etcd index",
		       (long long)(r.hdr.api == DSCK_API_V3 ? r.hdr.revision : r.hdr.etcd_index));
		printf("records:    %zu (%zu with TTL)\n\n", records, n.ttl);
		cli_counts_table(&n, true);
		printf("\nresult:     %s%s%s\n", cli_color(e ? COLOR_RED : COLOR_GREEN),
		       e ? "INVALID" : "OK (order, format and sha256 verified)", cli_color(COLOR_RESET));
	}
	snapshot_reader_close(&r);
	return e ? cli_fail(&err) : EXIT_OK;
}
