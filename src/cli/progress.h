/*
 * progress: one line on stderr for long work (keys, bytes, rate, ETA),
 * shown on a terminal or with --progress, never with -q or into JSON
 * stdout; the last line is erased or ended (docs/conventions.md).
 */
#ifndef DSCK_CLI_PROGRESS_H
#define DSCK_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cli;

struct progress {
	bool enabled;
	double start, last;
	const char *what;
	size_t total;                  /* keys expected, 0 when unknown (no ETA) */
};

void progress_init(struct progress *p, struct cli *cli, const char *what);
void progress_update(struct progress *p, size_t keys, uint64_t bytes);
void progress_done(struct progress *p, size_t keys, uint64_t bytes);
/* Monotonic seconds. */
double now_seconds(void);

#endif
