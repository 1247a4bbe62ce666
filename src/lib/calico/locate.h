/*
 * locate: where the Calico data lives (docs/calico-model.md, "Which versions
 * read which store"): is the v2 store served and what does it hold under the
 * prefix, does the v3 store hold anything at all and anything under the
 * prefix. `status` asks with counts and the Ready / CalicoVersion /
 * ClusterGUID values; `preflight` asks only where the data is, to choose its
 * checks. Counts follow the one definition of calico/counts.h.
 *
 * A store that cannot be read is not an error of locate_run(): the answer
 * says "unknown" for it and l->err keeps the first such failure, so the
 * caller decides whether that stops it.
 */
#ifndef DSCK_LOCATE_H
#define DSCK_LOCATE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/err.h"
#include "base/keyfilter.h"
#include "calico/counts.h"
#include "net/conn.h"
#include "store/etcd3.h"

enum locate_flags {
	LOCATE_V2 = 1 << 0,        /* look at the v2 store */
	LOCATE_V3 = 1 << 1,        /* look at the v3 store */
	LOCATE_COUNT = 1 << 2,     /* count keys and read Ready, CalicoVersion, ClusterGUID */
};

struct locate {
	int v2_served;             /* 1 yes, 0 disabled, -1 not asked or no answer */
	bool v2_counted, v3_counted;
	struct counts v2, v3;      /* LOCATE_COUNT: valid when *_counted */
	int64_t v3_total;          /* keys in the whole v3 keyspace; -1 unknown */
	bool v3_calico;            /* v3 holds keys under the prefix */
	/* LOCATE_COUNT: the raw values ("" when absent); v2 first, then v3. */
	char ready[16], calico_version[64], cluster_guid[80];
	char ready_v3[16];         /* v3's own Ready: a restore cut short leaves it false there */
	struct dsck_error err;     /* the first store that could not be read */
};

/*
 * Look at the stores @flags name through @conn, under @f's prefix (its
 * --ignore globs and ephemeral choice are not used: every key is counted,
 * the ephemeral ones on their own). Fails only with DSCK_ERR_NOMEM.
 */
enum dsck_err locate_run(struct locate *l, const struct dsck_conn *conn,
			 const struct keyfilter *f, unsigned flags, struct dsck_error *err);

/*
 * The keys under @f's prefix in the v3 store of @c, counted by the server
 * (the ephemeral ones are listed to be told apart): keys, ephemeral and
 * model_keys of @out.
 */
enum dsck_err locate_count_v3(struct etcd3_client *c, const struct keyfilter *f,
			      bool serializable, struct counts *out, struct dsck_error *err);

#endif
