/*
 * counts: the one definition of "how much data" that every command reports
 * (docs/json.md, "Counts"):
 *
 *  - keys: leaf keys, not the ephemeral Felix status keys;
 *  - ephemeral: the ephemeral leaf keys, on their own (unknown when the
 *    source is a snapshot saved without them);
 *  - dirs: v2 directories, never part of keys (those inside the ephemeral
 *    subtrees come and go with Felix and are not counted);
 *  - objects per Calico kind, with the keys of each kind beside them: one
 *    profile is one object although it is three v1 keys, one host (or its
 *    BGP settings) one object however many keys it has.
 *
 * Records must come in key order, as every source gives them: the keys of
 * one object are then adjacent among the keys of their kind. Nothing is
 * allocated; counts_init() is all the setup there is.
 *
 * Typical use:
 *	struct counts c;
 *	counts_init(&c);
 *	while (...source_next(src, &r, ...)...)
 *		counts_add(&c, &r, NULL);
 *	counts_finish(&c, src);
 */
#ifndef DSCK_COUNTS_H
#define DSCK_COUNTS_H

#include <stdbool.h>
#include <stddef.h>

#include "calico/calico.h"
#include "store/record.h"
#include "store/source.h"

#define COUNTS_V3_MODEL_PREFIX "/calico/resources/v3/"

struct counts {
	size_t keys;                        /* leaf keys, ephemeral ones not included */
	size_t ephemeral;                   /* ephemeral leaf keys */
	bool ephemeral_unknown;             /* the source did not hold them (see above) */
	size_t dirs;                        /* v2 directories */
	size_t ttl;                         /* leaf keys with a TTL, ephemeral or not */
	size_t model_keys;                  /* of keys: under COUNTS_V3_MODEL_PREFIX */
	size_t objects[CALICO_KIND__COUNT]; /* objects per kind (directory: dirs) */
	size_t kind_keys[CALICO_KIND__COUNT]; /* leaf keys per kind, ephemeral ones too */
	/* The object the last key of a multi-key kind belonged to. */
	enum calico_kind last_kind;
	size_t last_len;
	char last[CALICO_KEY_MAX];
};

void counts_init(struct counts *c);
/* Count one record; @k is its classification when the caller has it, else NULL. */
void counts_add(struct counts *c, const struct dsck_record *r, const struct calico_key *k);
/* Count only whether @r is a key, an ephemeral key or a directory (no kinds). */
void counts_add_plain(struct counts *c, const struct dsck_record *r);
/*
 * After the last record of @src: the ephemeral keys its filter left out are
 * counted too, and a snapshot saved without them leaves the number unknown.
 */
void counts_finish(struct counts *c, const struct source *src);
/* Objects of every kind but directories. */
size_t counts_objects(const struct counts *c);

#endif
