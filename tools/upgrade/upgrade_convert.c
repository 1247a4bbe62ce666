/*
 * dsck-upgrade-convert: a v2 snapshot of Calico v1 data in, a v3 snapshot of
 * what calico-upgrade writes out (the converter of src/lib/calico/upgrade.h),
 * so tests can load a correct conversion with `dsck snapshot restore --to v3`
 * and then break it on purpose.
 *
 *	dsck-upgrade-convert V2.snap OUT.snap [--ready true|false]
 *
 * --ready sets ClusterInformation's datastoreReady (default false, as
 * calico-upgrade writes it; true as after `calico-upgrade complete`).
 * Conversion errors are printed on stderr and make the exit code 1; the
 * objects that did convert are still written. Exit 2 on usage or input errors.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calico/upgrade.h"
#include "store/source.h"

struct out {
	json_t *objects;      /* v3 key -> value */
	bool ready;
	size_t errors;
};

static enum dsck_err on_object(void *ctx, const struct upgrade_object *o, struct dsck_error *err)
{
	struct out *out = ctx;
	json_t *doc = json_deep_copy(o->doc);

	if (!o->ipam && strcmp(o->kind, "ClusterInformation") == 0)
		json_object_set_new(json_object_get(doc, "spec"), "datastoreReady",
				    json_boolean(out->ready));
	if (!doc || json_object_set_new(out->objects, o->v3_key, doc))
		return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
	return DSCK_OK;
}

static enum dsck_err on_note(void *ctx, enum upgrade_note_kind kind, const char *v1_key,
			     const char *detail, struct dsck_error *err)
{
	struct out *out = ctx;

	if (kind == UPGRADE_NOTE_ERROR) {
		fprintf(stderr, "dsck-upgrade-convert: %s: %s\n", v1_key, detail);
		out->errors++;
	}
	return DSCK_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int write_sorted(const char *path, json_t *objects, struct dsck_error *err)
{
	struct snapshot_header hdr = { .version = SNAPSHOT_VERSION, .api = DSCK_API_V3 };
	struct snapshot_writer w;
	size_t n = json_object_size(objects), i = 0;
	const char **keys = calloc(n ? n : 1, sizeof(*keys));
	const char *key;
	json_t *v;
	time_t now = time(NULL);
	int rc = 0;

	if (!keys)
		return 1;
	json_object_foreach(objects, key, v)
		keys[i++] = key;
	qsort(keys, n, sizeof(*keys), cmp_str);
	strftime(hdr.created, sizeof(hdr.created), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	snprintf(hdr.tool, sizeof(hdr.tool), "dsck-upgrade-convert");
	snprintf(hdr.prefix, sizeof(hdr.prefix), "/calico");
	if (snapshot_writer_open(&w, path, &hdr, err)) {
		free(keys);
		return 1;
	}
	for (i = 0; i < n && !rc; i++) {
		char *text = json_dumps(json_object_get(objects, keys[i]),
					JSON_COMPACT | JSON_SORT_KEYS);
		struct dsck_record r = { .key = keys[i], .key_len = strlen(keys[i]), .value = text,
					 .value_len = text ? strlen(text) : 0, .version = 1 };

		rc = !text || snapshot_writer_add(&w, &r, err);
		free(text);
	}
	free(keys);
	if (rc) {
		snapshot_writer_abort(&w);
		return 1;
	}
	return snapshot_writer_commit(&w, err) ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	struct out out = { json_object(), false, 0 };
	struct upgrade_sink sink = { on_object, on_note, &out };
	struct keyfilter f;
	struct source src;
	struct upgrade u;
	struct dsck_record r;
	bool done = false;
	enum dsck_err rc;

	if (argc == 5 && strcmp(argv[3], "--ready") == 0)
		out.ready = strcmp(argv[4], "true") == 0;
	else if (argc != 3) {
		fprintf(stderr, "usage: dsck-upgrade-convert V2.snap OUT.snap [--ready true|false]\n");
		return 2;
	}
	keyfilter_init(&f, "/calico", false);
	if (source_open_snapshot(&src, argv[1], &f, &err)) {
		fprintf(stderr, "dsck-upgrade-convert: %s\n", err.msg);
		return 2;
	}
	upgrade_init(&u, &sink);
	while (!(rc = source_next(&src, &r, &done, &err)) && !done)
		if ((rc = upgrade_add(&u, &r, &err)))
			break;
	if (!rc)
		rc = upgrade_finish(&u, &err);
	upgrade_release(&u);
	source_close(&src);
	if (rc || write_sorted(argv[2], out.objects, &err)) {
		fprintf(stderr, "dsck-upgrade-convert: %s\n", err.msg);
		json_decref(out.objects);
		return 2;
	}
	json_decref(out.objects);
	return out.errors ? 1 : 0;
}
