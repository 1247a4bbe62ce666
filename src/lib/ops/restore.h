/*
 * restore: write a sorted record source (a snapshot, or the live v2 store for
 * `migrate v2-to-v3`) into a live etcd store, safely (docs/restore-safety.md).
 *
 * Plan first: a streaming merge of the source with the target under the
 * prefix classifies every key as create, same, update or conflict (and
 * delete with prune). Apply second: the same merge is walked again (v3 at
 * the plan's revision, v2 over the same listing), and every write is guarded
 * (v3: create_revision == 0 / mod_revision == planned inside a Txn; v2:
 * prevExist=false / prevIndex), so a concurrent writer makes a batch fail
 * loudly instead of being overwritten. With /calico/v1/Ready in the source,
 * Ready is set to false first and to its final value last; a failure after
 * that puts the previous value back. Re-running an interrupted restore
 * converges: what was written is "same" the next time. The whole contract
 * is in docs/restore-safety.md.
 */
#ifndef DSCK_RESTORE_H
#define DSCK_RESTORE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "calico/calico.h"
#include "base/buf.h"
#include "store/etcd2.h"
#include "store/etcd3.h"
#include "store/source.h"


enum restore_conflict { RESTORE_FAIL, RESTORE_SKIP, RESTORE_OVERWRITE };

enum restore_action {
	RA_CREATE,
	RA_UPDATE,
	RA_SAME,
	RA_CONFLICT,   /* differs, --on-conflict fail */
	RA_SKIP,       /* differs, --on-conflict skip */
	RA_DELETE,     /* only in the target, --prune */
	RA_OMIT,       /* not restorable to this target (v2 directory to v3, TTL key) */
};

const char *restore_action_name(enum restore_action a);

struct restore_opts {
	enum dsck_api to;
	enum restore_conflict on_conflict;
	bool prune;
	bool include_ephemeral;      /* also TTL keys (with their remaining TTL) */
	int max_txn_ops;
	size_t max_request_bytes;
	int64_t page_size;
	int in_flight;               /* Txn batches in flight, 1..RESTORE_IN_FLIGHT_MAX; 0: 16 */
};

#define RESTORE_IN_FLIGHT_MAX 64

struct restore_counts {
	size_t create, update, same, conflict, skip, del, omit;
	size_t written, deleted;     /* by apply */
	/* Key and value bytes: planned to write (create, update), and written so far. */
	uint64_t plan_bytes, written_bytes;
};

/* Called for each planned key (not for RA_SAME); records are transient. */
typedef void (*restore_plan_fn)(void *ctx, enum restore_action a,
				const struct dsck_record *src, const struct dsck_record *live);
/* After writes: keys written or deleted so far, and the key and value bytes written. */
typedef void (*restore_progress_fn)(void *ctx, size_t done, uint64_t bytes);

struct restore {
	const struct restore_opts *opts;
	const struct dsck_conn *conn;
	const struct keyfilter *filter;
	struct source *from;          /* caller-owned, rewindable */
	struct source live;
	bool live_open;
	int64_t plan_revision;        /* v3 target: the plan was made at this revision */
	struct restore_counts counts;

	/* The Calico lock. */
	bool ready_in_source;
	enum restore_action ready_action;
	struct buf ready_value;       /* final value */
	bool ready_live;              /* Ready exists in the target */
	int64_t ready_guard;          /* its mod_revision / modifiedIndex */
	struct buf ready_prev;        /* its value in the target, put back on failure */
	bool ready_paused;            /* the target's Ready is "false" and the source's is not */
	bool locked;                  /* apply set Ready=false while writing */
	bool lock_released;           /* a failure after locking put the previous Ready back */

	struct etcd2_client c2;
	struct etcd3_client c3;
	bool clients_open;
	struct restore_pipe *pipe;    /* v3 batches, some in flight */
	struct restore_batch *batch;  /* the one being collected */
	char pending_dir[4096];       /* v2: directory to create unless a child follows */
	int64_t pending_dir_len;
	struct buf dir_keys;          /* v2 prune: directories to delete once emptied */
	struct buf dir_ends;          /* their end offsets in dir_keys (size_t each) */

	/* Set (by a signal handler) to stop apply at the next key, releasing the lock. */
	volatile sig_atomic_t *stop;

	restore_plan_fn on_plan;
	restore_progress_fn on_progress;
	void *ctx;
};

/* Plan: merge @from with the target; counts and callbacks. Writes nothing. */
enum dsck_err restore_plan(struct restore *r, struct source *from,
			   const struct restore_opts *opts, const struct dsck_conn *conn,
			   const struct keyfilter *filter, struct dsck_error *err);
/*
 * The pure part of restore_plan: merge @from with @live, any sorted source
 * of the target's records under the prefix (a snapshot file in the unit
 * tests), and classify every key. Reads the two sources, nothing else.
 */
enum dsck_err restore_plan_sources(struct restore *r, struct source *from, struct source *live,
				   const struct restore_opts *opts, struct dsck_error *err);
/* The plan creates, updates or deletes something. */
bool restore_has_writes(const struct restore *r);
/* Apply sets Ready to false first: the source holds Ready and there is a write. */
bool restore_takes_lock(const struct restore *r);
/*
 * The prefix a restore may touch (docs/restore-safety.md): the user's,
 * narrowed to the snapshot's @file_prefix when that is inside it. False when
 * neither holds the other (the snapshot is of another part of the keyspace).
 */
bool restore_bound_prefix(const char *user, const char *file_prefix, char *out, size_t len);
/* Apply the plan (refuses when it has conflicts). */
enum dsck_err restore_apply(struct restore *r, struct dsck_error *err);
void restore_release(struct restore *r);

#endif
