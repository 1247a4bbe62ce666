/*
 * inspect: the Calico-aware summary of one store or snapshot (docs/calico-model.md):
 * keys counted per kind, Ready / CalicoVersion / ClusterGUID, which data
 * model the keys follow, and findings.
 *
 * Records stream through one at a time and no value is kept. What the
 * cross-checks need is remembered in compact form: pool CIDRs, profile names
 * and the profiles endpoints name (each name once), IPAM blocks (CIDR, key,
 * affinity host) and, per block and handle, a hashed address count. Findings
 * are capped per code by the findings module, so memory follows the number of
 * profiles, blocks and allocated addresses, not the size of the values.
 *
 * Two checks rely on the key order every source guarantees: blocks
 * (/calico/ipam/v2/assignment/...) are seen before handles (.../handle/...)
 * and affinities (.../host/...). A cross-check runs only when the scope's
 * prefix covers both sides of it (a scan of /calico/v1/host cannot know
 * which profiles exist); --ignore globs are the user's choice and are not
 * second-guessed.
 *
 * Typical use:
 *	struct inspect in;
 *	rc = inspect_run(&in, &src, NULL, NULL, &err);
 *	if (!rc) ...render in.counts, in.ready, in.findings...
 *	inspect_release(&in);
 */
#ifndef DSCK_INSPECT_H
#define DSCK_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "calico/calico.h"
#include "calico/counts.h"
#include "base/findings.h"
#include "base/keyfilter.h"
#include "store/record.h"
#include "store/source.h"

enum inspect_model { INSPECT_MODEL_EMPTY, INSPECT_MODEL_V1, INSPECT_MODEL_V3, INSPECT_MODEL_MIXED };

enum inspect_ready { INSPECT_READY_UNKNOWN, INSPECT_READY_TRUE, INSPECT_READY_FALSE };

struct inspect_xref;

/* The v3 resource plurals inspect counts one by one (reference: docs/calico-upgrade.md);
 * anything else under /calico/resources/v3/ is counted as "other". */
#define INSPECT_V3_PLURALS 14
/* v3 IPAM affinity values: {"state": confirmed|pending|pendingDeletion}; "none" for a
 * value without a state (the v1 marker, calico-upgrade's copy), "other" for the rest. */
enum inspect_affinity_state {
	INSPECT_AFFINITY_CONFIRMED,
	INSPECT_AFFINITY_PENDING,
	INSPECT_AFFINITY_PENDING_DELETION,
	INSPECT_AFFINITY_NONE,
	INSPECT_AFFINITY_OTHER,
	INSPECT_AFFINITY__COUNT
};

struct inspect {
	size_t records;                     /* records seen */
	uint64_t bytes;                     /* their key and value bytes */
	struct counts counts;               /* keys, objects per kind (calico/counts.h) */
	size_t v3_kinds[INSPECT_V3_PLURALS];   /* v3 resources per plural (inspect_v3_plural()) */
	size_t affinity_states[INSPECT_AFFINITY__COUNT];
	/* From /calico/v1/Ready and /calico/v1/config, else from the v3 ClusterInformation. */
	enum inspect_ready ready;
	char *calico_version;               /* display text (\xNN escapes); NULL when unknown */
	char *cluster_guid;                 /* likewise */
	struct findings findings;           /* finding codes, in the order found */
	const struct keyfilter *scope;      /* borrowed; NULL: the whole keyspace */
	struct inspect_xref *xref;          /* cross-check state (private) */
};

/* Called after each record with the running totals. */
typedef void (*inspect_progress_fn)(void *ctx, size_t records, uint64_t bytes);

/*
 * inspect_init + every record of @src + inspect_finish, scoped by @src's key
 * filter. @progress may be NULL. Errors are the source's or DSCK_ERR_NOMEM;
 * call inspect_release() afterwards in every case.
 */
enum dsck_err inspect_run(struct inspect *in, struct source *src, inspect_progress_fn progress,
			  void *ctx, struct dsck_error *err);

/* The three steps of inspect_run, for callers that feed records themselves. */
enum dsck_err inspect_init(struct inspect *in, const struct keyfilter *scope,
			   struct dsck_error *err);
/* Records must come in key order (as sources give them). */
enum dsck_err inspect_add(struct inspect *in, const struct dsck_record *r, struct dsck_error *err);
enum dsck_err inspect_finish(struct inspect *in, struct dsck_error *err);
/* Free everything; @in may then be initialized again. */
void inspect_release(struct inspect *in);

/* The plural counted at @i of v3_kinds ("other" for the last), and an affinity state's name. */
const char *inspect_v3_plural(size_t i);
const char *inspect_affinity_state_name(enum inspect_affinity_state s);

enum inspect_model inspect_model(const struct inspect *in);
const char *inspect_model_name(enum inspect_model model);

#endif
