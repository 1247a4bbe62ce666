/*
 * source: one sorted stream of records, whatever it comes from: a snapshot
 * file, the live v2 store, or the live v3 store (paginated at one pinned
 * revision). The key filter is applied here, so diff, restore and the checks
 * see the same keys. Records are valid until the next call.
 */
#ifndef DSCK_SOURCE_H
#define DSCK_SOURCE_H

#include "net/conn.h"
#include "store/etcd2.h"
#include "store/etcd3.h"
#include "base/keyfilter.h"
#include "store/physnap.h"
#include "store/snapshot.h"

enum source_kind { SOURCE_SNAPSHOT, SOURCE_V2, SOURCE_V3, SOURCE_PHYSICAL };

struct source {
	enum source_kind kind;
	enum dsck_api api;
	const struct keyfilter *filter;
	char name[600];               /* file name, or "v2 (endpoint)" */
	/* Where the data came from, for snapshot headers and reports. */
	char endpoint[512];
	char cluster_id[40], member_id[24], etcd_version[32];
	int64_t revision;             /* v3: pinned revision (after the first record) */
	int64_t etcd_index;           /* v2 */
	size_t seen;                  /* records returned */
	/* Told of each record returned; taken from the conn, set by hand for files. */
	conn_progress_fn progress;
	void *progress_ctx;
	size_t ephemeral_left_out;    /* ephemeral leaf keys the filter left out */

	/* A physical file fills snap.hdr as a v3 snapshot of /calico would be. */
	struct snapshot_reader snap;
	struct snapshot_seal *seal;   /* borrowed: a verified file held open, or NULL */
	struct physnap phys;
	struct etcd2_client c2;
	struct etcd2_listing l2;
	size_t i2;
	struct etcd3_client c3;
	struct etcd3_scan scan;
	int64_t page_size;
	bool serializable;
	bool identified;              /* revision and ids known (v3) */
	bool open;
};

/*
 * A file: a dsck snapshot, or an etcd v3 backend file (`etcdctl snapshot
 * save`, member/snap/db), told apart by content (docs/physical-snapshots.md).
 */
enum dsck_err source_open_snapshot(struct source *s, const char *path,
				   const struct keyfilter *f, struct dsck_error *err);
/* The records of a sealed snapshot: exactly the bytes that were verified. */
enum dsck_err source_open_sealed(struct source *s, struct snapshot_seal *seal,
				 const struct keyfilter *f, struct dsck_error *err);
/* @quorum: linearizable v2 read; otherwise the member's local store. */
enum dsck_err source_open_v2(struct source *s, const struct dsck_conn *conn,
			     const struct keyfilter *f, bool quorum, struct dsck_error *err);
/*
 * As source_open_v2, for records that only go to snapshot_writer_add: values
 * may come as their JSON text (ETCD2_ESCAPED_VALUES), which the writer copies.
 */
enum dsck_err source_open_v2_to_write(struct source *s, const struct dsck_conn *conn,
				      const struct keyfilter *f, bool quorum,
				      struct dsck_error *err);
/* @serializable: v3 read from the member's local store. */
enum dsck_err source_open_v3(struct source *s, const struct dsck_conn *conn,
			     const struct keyfilter *f, int64_t page_size, bool serializable,
			     struct dsck_error *err);
/* The same, reading at @revision (0: the current one). */
enum dsck_err source_open_v3_at(struct source *s, const struct dsck_conn *conn,
				const struct keyfilter *f, int64_t page_size, bool serializable,
				int64_t revision, struct dsck_error *err);
/*
 * Start again from the first record: a snapshot is reopened, a v2 listing is
 * walked again (no new read), a v3 scan restarts at its pinned revision.
 */
enum dsck_err source_rewind(struct source *s, struct dsck_error *err);
enum dsck_err source_next(struct source *s, struct dsck_record *rec, bool *done,
			  struct dsck_error *err);
void source_close(struct source *s);

#endif
