/*
 * v2trap: the finding for the backup trap of Calico v2.x clusters: Calico
 * keeps its data in the etcd v2 store, and `etcdctl snapshot save` copies
 * only the v3 store (docs/physical-snapshots.md, "The v2 trap"). One code,
 * said offline (a backend file without /calico keys) and online (Calico data
 * found in a live v2 store).
 */
#ifndef DSCK_V2TRAP_H
#define DSCK_V2TRAP_H

#include "base/findings.h"

#define V2TRAP_CODE "v2-data-not-in-etcd-snapshot"
/* Where a v2.x cluster's data lives: a backend file without it is the trap. */
#define V2TRAP_PREFIX "/calico/"

/* @file holds no key under V2TRAP_PREFIX. */
enum dsck_err v2trap_add_offline(struct findings *f, const char *file);
/* The live v2 store holds @keys Calico keys. */
enum dsck_err v2trap_add_online(struct findings *f, size_t keys);

#endif
