#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, struct cli *cli, const char *what)
{
	p->enabled = !cli->quiet && (cli->set[OPT_PROGRESS] ||
				     (isatty(STDERR_FILENO) && cli->format != OUT_JSON));
	p->start = p->last = now_seconds();
	p->what = what;
	p->total = 0;
}

static void progress_print(struct progress *p, size_t keys, uint64_t bytes, double t, bool final)
{
	double el = t - p->start, rate = el > 0 ? (double)keys / el : 0.0;

	/* Erase the previous line first: a shorter line must not keep its tail. */
	fputs(isatty(STDERR_FILENO) ? "\r\033[K" : "\r", stderr);
	fprintf(stderr, "%s: %zu %s", p->what, keys, keys == 1 ? "key" : "keys");
	if (p->total)
		fprintf(stderr, " of %zu", p->total);
	if (bytes)
		fprintf(stderr, ", %.1f MB", (double)bytes / 1e6);
	fprintf(stderr, ", %.0f keys/s", rate);
	if (p->total > keys && rate > 0 && !final)
		fprintf(stderr, ", ETA %.0f s ", (double)(p->total - keys) / rate);
	fputs(final ? "\n" : "   ", stderr);
}

void progress_update(struct progress *p, size_t keys, uint64_t bytes)
{
	double t;

	if (!p->enabled || (keys & 1023))
		return;
	t = now_seconds();
	/* Only for work longer than about a second, at most 4 updates a second. */
	if (t - p->start < 1.0 || t - p->last < 0.25)
		return;
	p->last = t;
	progress_print(p, keys, bytes, t, false);
}

void progress_done(struct progress *p, size_t keys, uint64_t bytes)
{
	double t = now_seconds();

	if (p->enabled && t - p->start >= 1.0)
		progress_print(p, keys, bytes, t, true);
}
