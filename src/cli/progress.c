#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/*
 * One progress line at a time on stderr, whichever struct progress drew
 * it: the library's hook may run on its worker threads, hence the lock.
 */
static pthread_mutex_t line_lock = PTHREAD_MUTEX_INITIALIZER;
static bool line_open;             /* a line without its newline is on stderr */
static size_t line_len;            /* its width, to blank it where \033[K is not used */

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, struct cli *cli, const char *what)
{
	/* For the test suite only: a shorter delay and interval (docs/dsck.1). */
	const char *ms = getenv("DSCK_TEST_PROGRESS_MS");

	memset(p, 0, sizeof(*p));
	p->enabled = !cli->quiet && (cli->set[OPT_PROGRESS] ||
				     (isatty(STDERR_FILENO) && cli->format != OUT_JSON));
	p->start = p->last = now_seconds();
	/* Only for work longer than about a second, at most 4 lines a second. */
	p->delay = 1.0;
	p->interval = 0.25;
	if (ms && *ms)
		p->delay = p->interval = atof(ms) / 1000.0;
	p->what = what;
	p->bytes_verb = "received";
	/* Reads count records (v2 directories too); writes set "key" (docs/conventions.md). */
	p->unit = "record";
}

static void print_line(const struct progress *p, double t, bool final)
{
	double el = t - p->start, rate = el > 0 ? (double)p->keys / el : 0.0;
	double brate = el > 0 ? (double)p->bytes / el : 0.0, eta = -1;
	char line[256];
	size_t n = 0;

#define ADD(...) (void)(n < sizeof(line) && \
			(n += (size_t)snprintf(line + n, sizeof(line) - n, __VA_ARGS__)))
	ADD("%s: %zu", p->what, p->keys);
	if (p->total)
		ADD(" of %zu", p->total);
	ADD(" %s%s", p->unit, (p->total ? p->total : p->keys) == 1 ? "" : "s");
	if (p->bytes || p->total_bytes) {
		ADD(", %.1f", (double)p->bytes / 1e6);
		if (p->total_bytes)
			ADD(" of %.1f", (double)p->total_bytes / 1e6);
		ADD(" MB %s", p->bytes_verb);
	}
	if (p->keys)
		ADD(", %.0f %ss/s", rate, p->unit);
	else if (p->bytes)
		ADD(", %.1f MB/s", brate / 1e6);
	/* The ETA follows bytes when the total is known in bytes (values vary in size). */
	if (p->total_bytes > p->bytes && p->bytes && brate > 0)
		eta = (double)(p->total_bytes - p->bytes) / brate;
	else if (p->total > p->keys && rate > 0)
		eta = (double)(p->total - p->keys) / rate;
	if (final)
		ADD(" in %.1f s", el);
	else if (eta >= 0)
		ADD(", ETA %.0f s", eta);
#undef ADD
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	/*
	 * Each line replaces the previous one whole: on a terminal \033[K erases
	 * it; elsewhere (a log file) spaces cover a longer previous line.
	 */
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K%s", line);
	else
		fprintf(stderr, "\r%s%*s", line, line_len > n ? (int)(line_len - n) : 0, "");
	if (n > line_len)
		line_len = n;   /* what is on the screen, padding included */
	line_open = !final;
	if (final) {
		fputc('\n', stderr);
		line_len = 0;
	}
	fflush(stderr);
}

/* With line_lock held. */
static void maybe_print(struct progress *p)
{
	double t = now_seconds();

	if (t - p->start < p->delay || t - p->last < p->interval)
		return;
	p->last = t;
	print_line(p, t, false);
}

void progress_update(struct progress *p, size_t keys, uint64_t bytes)
{
	if (!p->enabled)
		return;
	pthread_mutex_lock(&line_lock);
	p->keys = keys;
	p->bytes = bytes;
	maybe_print(p);
	pthread_mutex_unlock(&line_lock);
}

void progress_hook(void *ctx, uint64_t records, uint64_t bytes)
{
	struct progress *p = ctx;

	if (!p->enabled)
		return;
	pthread_mutex_lock(&line_lock);
	p->keys += (size_t)records;
	p->bytes += bytes;
	maybe_print(p);
	pthread_mutex_unlock(&line_lock);
}

void progress_watch(struct progress *p, struct dsck_conn *conn)
{
	conn->progress = progress_hook;
	conn->progress_ctx = p;
}

void progress_done(struct progress *p, size_t keys, uint64_t bytes)
{
	double t = now_seconds();

	if (!p->enabled)
		return;
	pthread_mutex_lock(&line_lock);
	p->keys = keys;
	p->bytes = bytes;
	if (line_open || t - p->start >= p->delay)
		print_line(p, t, true);
	pthread_mutex_unlock(&line_lock);
}

void progress_finish(struct progress *p)
{
	progress_done(p, p->keys, p->bytes);
}

void progress_break(void)
{
	pthread_mutex_lock(&line_lock);
	if (line_open) {
		fputs(isatty(STDERR_FILENO) ? "\r\033[K" : "\n", stderr);
		line_open = false;
		line_len = 0;
	}
	pthread_mutex_unlock(&line_lock);
}
