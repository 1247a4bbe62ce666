/*
 * check_calico_upgrade: before and after `calico-upgrade` (Calico v2.6 on
 * etcd v2 -> Calico v3 on etcd v3), docs/calico-upgrade.md.
 *
 * The v1 data is converted with calico/upgrade.h, exactly as calico-upgrade
 * would, into a table of expected v3 keys (each with the canonical form of
 * its value); the v3 store is then read once and compared with it.
 *
 *  - before: would calico-upgrade start? CalicoVersion, v1 Ready, an empty
 *    v3 store, every v1 object converting, no two objects on one v3 name.
 *  - after: is every converted object in v3 with the same meaning, and what
 *    does the lock (v1 Ready, v3 datastoreReady) say about the run?
 *  - auto: after when the v3 store holds v3 resources, else before.
 *
 * Memory: the table holds one entry per converted object (its keys and the
 * canonical JSON of its value); the v3 side streams.
 */
#ifndef DSCK_CHECK_CALICO_UPGRADE_H
#define DSCK_CHECK_CALICO_UPGRADE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/findings.h"
#include "store/source.h"

enum check_calico_upgrade_phase {
	CHECK_CALICO_UPGRADE_AUTO,
	CHECK_CALICO_UPGRADE_BEFORE,
	CHECK_CALICO_UPGRADE_AFTER,
};

/* One converted object: where it comes from and where calico-upgrade puts it. */
struct check_calico_upgrade_entry {
	char *v1_key;
	char *v3_key;
	char *want;                /* canonical JSON of the expected value */
	const char *kind;          /* static */
	bool ipam, presence_only, seen, differs;
};

struct check_calico_upgrade {
	enum check_calico_upgrade_phase phase;     /* the phase that ran (never AUTO) */
	bool phase_auto;                           /* chosen from the data */
	char phase_reason[256];
	/* v1 side */
	int v1_ready;                              /* 1 true, 0 other text, -1 absent */
	char *calico_version;                      /* NULL when absent */
	size_t v1_keys;
	/* v3 side */
	int v3_ready;                              /* datastoreReady: 1, 0, -1 unknown */
	size_t v3_keys, v3_resources, v3_ipam, v3_v1_copies;
	/* counts */
	size_t converted, skipped, conversion_errors, clashes, missing, mismatched, extra;
	struct findings findings;
	struct check_calico_upgrade_entry *entries;   /* in conversion order */
	size_t n_entries, alloc;
	/* private */
	json_t *index;                             /* v3 key -> entry number */
	struct findings after_only;                /* mismatch/extra, kept for the after phase */
	size_t v3_prefix[5];                       /* v3 keys per prefix (see .c) */
};

/*
 * Read @v1 (the v2 store or a v2 snapshot) and @v3 (the v3 store or a v3
 * snapshot) and judge @phase. Fails (nothing judged) when a source fails,
 * when @v1 holds no Calico v1 data (DSCK_ERR_INPUT: cannot check), or out of
 * memory. Call check_calico_upgrade_release() in every case.
 */
enum dsck_err check_calico_upgrade_run(struct check_calico_upgrade *c, struct source *v1,
				       struct source *v3, enum check_calico_upgrade_phase phase,
				       struct dsck_error *err);
void check_calico_upgrade_release(struct check_calico_upgrade *c);

const char *check_calico_upgrade_phase_name(enum check_calico_upgrade_phase phase);

#endif
