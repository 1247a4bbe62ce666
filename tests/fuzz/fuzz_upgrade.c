/*
 * Fuzz the calico-upgrade converter (calico/upgrade.h) and the comparison:
 * the input is a list of records, one per line, "KEY\tVALUE" (a line with
 * no tab is a v2 directory). Records go in in input order, sorted or not,
 * so mutations reach every converter and the multi-key assembly (profiles,
 * nodes, configuration). Every object that comes out must reduce to a
 * canonical form that equals itself and only differs from the object in
 * ways upgrade_diff can name.
 */
#include <stdlib.h>
#include <string.h>

#include "calico/upgrade.h"
#include "fuzz.h"

static enum dsck_err on_object(void *ctx, const struct upgrade_object *o, struct dsck_error *err)
{
	json_t *c = upgrade_canonical(o->doc, o->ipam), *again;
	char diff[512];

	(void)ctx;
	(void)err;
	FUZZ_ASSERT(o->v1_key && o->v3_key && o->kind);
	FUZZ_ASSERT(strncmp(o->v3_key, "/calico/", 8) == 0);
	FUZZ_ASSERT(c != NULL);
	again = upgrade_canonical(c, o->ipam);
	FUZZ_ASSERT(upgrade_diff(c, c, diff, sizeof(diff)) == 0 && diff[0] == '\0');
	(void)upgrade_diff(o->doc, c, diff, sizeof(diff));
	FUZZ_ASSERT(strlen(diff) < sizeof(diff));
	json_decref(again);
	json_decref(c);
	return DSCK_OK;
}

static enum dsck_err on_note(void *ctx, enum upgrade_note_kind kind, const char *v1_key,
			     const char *detail, struct dsck_error *err)
{
	(void)ctx;
	(void)err;
	FUZZ_ASSERT(kind <= UPGRADE_NOTE_SEMANTICS && v1_key && detail);
	return DSCK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_copy(data, size);
	struct upgrade_sink sink = { on_object, on_note, NULL };
	struct dsck_error err = DSCK_ERROR_INIT;
	struct upgrade u;
	size_t at = 0;

	upgrade_init(&u, &sink);
	while (at < size) {
		char *line = text + at, *nl = memchr(line, '\n', size - at);
		size_t len = nl ? (size_t)(nl - line) : size - at;
		char *tab = memchr(line, '\t', len);
		struct dsck_record r = { .key = line, .key_len = tab ? (size_t)(tab - line) : len,
					 .value = tab ? tab + 1 : NULL,
					 .value_len = tab ? len - (size_t)(tab - line) - 1 : 0,
					 .dir = !tab };

		FUZZ_ASSERT(upgrade_add(&u, &r, &err) == DSCK_OK);
		at += len + 1;
	}
	FUZZ_ASSERT(upgrade_finish(&u, &err) == DSCK_OK);
	upgrade_release(&u);
	free(text);
	return 0;
}
