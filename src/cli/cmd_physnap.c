/*
 * dsck snapshot verify FILE, when FILE is an etcd backend file (`etcdctl
 * snapshot save`, or a copy of member/snap/db): the library checks the whole
 * file when it opens it (docs/physical-snapshots.md); this file counts and
 * renders. Exit 2 on damage, with the page or offset.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "calico/calico.h"
#include "calico/counts.h"
#include "calico/v2trap.h"
#include "base/findings.h"
#include "base/keyfilter.h"
#include "store/physnap.h"

#define PREFIXES_MAX 16
#define PREFIX_LEN_MAX 64

struct prefix_count {
	char name[PREFIX_LEN_MAX + 1];
	size_t n;
};

struct phys_counts {
	struct counts calico;          /* under /calico/ (docs/json.md, "Counts") */
	struct prefix_count prefixes[PREFIXES_MAX];
	size_t n_prefixes, other;
};

/* The first path element: "/calico" of "/calico/v1/Ready", "foo" of "foo". */
static void count_prefix(struct phys_counts *c, const char *key, size_t len)
{
	const char *slash = len > 1 ? memchr(key + 1, '/', len - 1) : NULL;
	size_t n = slash ? (size_t)(slash - key) : len;

	if (n > PREFIX_LEN_MAX)
		n = PREFIX_LEN_MAX;
	for (size_t i = 0; i < c->n_prefixes; i++)
		if (strlen(c->prefixes[i].name) == n && !memcmp(c->prefixes[i].name, key, n)) {
			c->prefixes[i].n++;
			return;
		}
	if (c->n_prefixes == PREFIXES_MAX || memchr(key, '\0', n)) {
		c->other++;
		return;
	}
	memcpy(c->prefixes[c->n_prefixes].name, key, n);
	c->prefixes[c->n_prefixes].name[n] = '\0';
	c->prefixes[c->n_prefixes++].n = 1;
}

static void count(struct physnap *p, struct phys_counts *c)
{
	struct dsck_record rec;
	bool done;

	memset(c, 0, sizeof(*c));
	counts_init(&c->calico);
	for (physnap_rewind(p), physnap_next(p, &rec, &done); !done; physnap_next(p, &rec, &done)) {
		count_prefix(c, rec.key, rec.key_len);
		if (rec.key_len < strlen(V2TRAP_PREFIX) ||
		    memcmp(rec.key, V2TRAP_PREFIX, strlen(V2TRAP_PREFIX)) != 0)
			continue;
		counts_add(&c->calico, &rec, NULL);
	}
}

static const char *trailer_text(const struct physnap *p)
{
	return p->trailer == PHYSNAP_TRAILER_OK ? "SHA-256 trailer verified (etcdctl snapshot save)"
						 : "none (a copy of member/snap/db?): structure and "
						   "records checked, content not checksummed";
}

static int render_json(const char *path, const struct physnap *p, const struct phys_counts *c,
		       const struct findings *f)
{
	json_t *doc = json_object(), *cnt = cli_counts_json(&c->calico, true);
	json_t *prefixes = json_object();

	for (size_t i = 0; i < c->n_prefixes; i++)
		json_object_set_new(prefixes, c->prefixes[i].name,
				    json_integer((json_int_t)c->prefixes[i].n));
	json_object_set_new(doc, "file", json_string(path));
	json_object_set_new(doc, "format", json_string("etcd-backend"));
	json_object_set_new(doc, "ok", json_true());
	json_object_set_new(doc, "trailer", json_string(p->trailer == PHYSNAP_TRAILER_OK
							? "sha256-verified" : "none"));
	json_object_set_new(doc, "bbolt",
			    json_pack("{s:I,s:I,s:I,s:I,s:I}", "page_size", (json_int_t)p->db.page_size,
				      "pages", (json_int_t)p->db.npages, "pages_reached",
				      (json_int_t)p->db.pages_reached, "txid", (json_int_t)p->db.txid,
				      "buckets", (json_int_t)p->buckets));
	json_object_set_new(doc, "revision", json_integer(p->revision));
	json_object_set_new(doc, "compact_revision", json_integer(p->compact_revision));
	json_object_set_new(doc, "scheduled_compact_revision",
			    json_integer(p->scheduled_compact_revision));
	json_object_set_new(doc, "consistent_index", json_integer((json_int_t)p->consistent_index));
	json_object_set_new(doc, "auth_enabled", json_boolean(p->auth_enabled));
	/* The Calico counts as everywhere; the whole file's keys beside them. */
	json_object_update_new(cnt, json_pack("{s:I,s:I,s:I,s:o,s:I}", "all_keys",
					      (json_int_t)p->n, "revisions",
					      (json_int_t)p->revisions, "tombstones",
					      (json_int_t)p->tombstones, "prefixes", prefixes,
					      "other_prefixes", (json_int_t)c->other));
	json_object_set_new(doc, "counts", cnt);
	json_object_set_new(doc, "findings", cli_findings_json(f));
	return cli_print_json(doc);
}

static void render_table(const char *path, const struct physnap *p, const struct phys_counts *c,
			 const struct findings *f)
{
	printf("file:       %s\n", path);
	printf("format:     etcd backend file (bbolt, %llu pages of %u bytes, %zu reached, txid "
	       "%llu)\n", (unsigned long long)p->db.npages, p->db.page_size, p->db.pages_reached,
	       (unsigned long long)p->db.txid);
	printf("trailer:    %s\n", trailer_text(p));
	printf("revision:   %lld (compacted at %lld, consistent index %llu)\n",
	       (long long)p->revision, (long long)p->compact_revision,
	       (unsigned long long)p->consistent_index);
	/* The member stopped or was copied while compacting; etcd resumes it on start. */
	if (p->scheduled_compact_revision > p->compact_revision)
		printf("compaction: to %lld scheduled, not finished\n",
		       (long long)p->scheduled_compact_revision);
	printf("all keys:   %zu live (%zu revisions in the history, %zu deletions; auth %s)\n", p->n,
	       p->revisions, p->tombstones, p->auth_enabled ? "enabled" : "disabled");
	printf("prefixes:  ");
	for (size_t i = 0; i < c->n_prefixes; i++) {
		putchar(' ');
		cli_print_escaped(c->prefixes[i].name, strlen(c->prefixes[i].name), PREFIX_LEN_MAX);
		printf(" %zu", c->prefixes[i].n);
	}
	if (c->other)
		printf(" (others) %zu", c->other);
	printf("\n\nCalico data (/calico/):\n");
	cli_counts_table(&c->calico, true);
	if (f->n) {
		printf("\n");
		cli_findings_table(f);
	}
	printf("result:     %sOK (bbolt structure, revisions%s verified)%s\n",
	       cli_color(COLOR_GREEN), p->trailer == PHYSNAP_TRAILER_OK ? ", SHA-256" : "",
	       cli_color(COLOR_RESET));
}

int cmd_snapshot_verify_physical(struct cli *cli, const char *path)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct physnap p;
	struct phys_counts c;
	struct findings f;
	int rc = EXIT_OK;

	findings_init(&f, 100);
	if (physnap_open(&p, path, &err)) {
		if (cli->format == OUT_JSON)
			cli_print_json(json_pack("{s:s,s:s,s:b,s:o}", "file", path, "format",
						 "etcd-backend", "ok", 0, "error", cli_error_json(&err)));
		rc = cli_fail(&err);
		goto out;
	}
	count(&p, &c);
	if (!c.calico.keys && !c.calico.ephemeral && v2trap_add_offline(&f, path)) {
		dsck_oom(&err);
		rc = cli_fail(&err);
		goto out;
	}
	if (cli->format == OUT_JSON)
		rc = render_json(path, &p, &c, &f);
	else
		render_table(path, &p, &c, &f);
out:
	physnap_close(&p);
	findings_release(&f);
	return rc;
}
