/*
 * calico: the Calico data model (reference/calico-data.md §1-2): which kind
 * of object a key holds and the names it carries, and value parsing per kind.
 * (Being written; see issue 5.)
 */
#ifndef DSCK_CALICO_H
#define DSCK_CALICO_H

#endif
