/*
 * progress: one line on stderr for long work (records read or keys written,
 * bytes, rate, ETA),
 * shown on a terminal or with --progress, never with -q or into JSON
 * stdout; each line replaces the previous one completely, and the last one
 * ends with a newline (docs/conventions.md).
 */
#ifndef DSCK_CLI_PROGRESS_H
#define DSCK_CLI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cli;
struct dsck_conn;

struct progress {
	bool enabled;
	double start, last;
	double delay, interval;        /* seconds before the first line, between lines */
	const char *what;              /* "diff", "restore", ... */
	const char *bytes_verb;        /* "received" (default) or "written" */
	const char *unit;              /* "record" read (default) or "key" written */
	size_t total;                  /* keys expected, 0 when unknown (no ETA) */
	uint64_t total_bytes;          /* bytes expected, 0 when unknown */
	size_t keys;                   /* so far (progress_hook adds to them) */
	uint64_t bytes;
};

void progress_init(struct progress *p, struct cli *cli, const char *what);
/* The counts so far (absolute); prints at most every interval. */
void progress_update(struct progress *p, size_t keys, uint64_t bytes);
/* The final line, when the work took long enough to show progress. */
void progress_done(struct progress *p, size_t keys, uint64_t bytes);
/* progress_done with the counts the hook gathered. */
void progress_finish(struct progress *p);
/* Let the library report into @p: bytes received and records read (@ctx: @p). */
void progress_hook(void *ctx, uint64_t records, uint64_t bytes);
void progress_watch(struct progress *p, struct dsck_conn *conn);
/* End a line that is being updated, so that a message starts on its own line. */
void progress_break(void);
/* Monotonic seconds. */
double now_seconds(void);

#endif
