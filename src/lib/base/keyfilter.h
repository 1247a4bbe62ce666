/*
 * keyfilter: which keys a scan, snapshot, diff or check looks at: those
 * under the prefix, minus Calico's ephemeral keys (Felix status, unless
 * asked for) and minus the user's --ignore globs.
 *
 * "Under the prefix" means the key equals the prefix or continues it at a
 * '/' boundary, so "/calico" covers "/calico/v1/Ready" but not "/calicoX".
 */
#ifndef DSCK_KEYFILTER_H
#define DSCK_KEYFILTER_H

#include <stdbool.h>
#include <stddef.h>

#define KEYFILTER_MAX_IGNORE 32

struct keyfilter {
	const char *prefix;           /* borrowed */
	size_t prefix_len;
	bool include_ephemeral;
	const char *ignore[KEYFILTER_MAX_IGNORE];  /* fnmatch globs on the whole key */
	size_t n_ignore;
};

void keyfilter_init(struct keyfilter *f, const char *prefix, bool include_ephemeral);
bool keyfilter_add_ignore(struct keyfilter *f, const char *glob);
bool keyfilter_under_prefix(const struct keyfilter *f, const char *key, size_t len);
/* True when the key is in scope: under the prefix, not ephemeral, not ignored. */
bool keyfilter_wants(const struct keyfilter *f, const char *key, size_t len);

/* True when the key is under the prefix but left out for being ephemeral. */
bool keyfilter_leaves_out_ephemeral(const struct keyfilter *f, const char *key, size_t len);

/* Ephemeral keys (docs/snapshot-format.md): Felix status and endpoint status. */
bool calico_key_is_ephemeral(const char *key, size_t len);

#endif
