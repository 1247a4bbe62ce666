/*
 * err: the one error enum of the dsck library, and the error detail that
 * travels with it.
 *
 * Library functions return an enum dsck_err (DSCK_OK is 0) and, on failure,
 * fill a caller-provided struct dsck_error with a one-line message that says
 * what failed and where. The first failure recorded wins, so the root cause is
 * kept when cleanup code fails again on the way out. The CLI maps the enum to
 * exit codes in exactly one place (src/cli/exitcode.c).
 */
#ifndef DSCK_ERR_H
#define DSCK_ERR_H

#include <stdarg.h>

/* Numbers never move: scripts and tests see them through the exit codes. */
enum dsck_err {
	DSCK_OK = 0,
	DSCK_ERR_USAGE = 1,        /* bad flags or arguments */
	DSCK_ERR_INPUT = 2,        /* invalid input file: snapshot, config, fixture */
	DSCK_ERR_CONNECT = 3,      /* refused, DNS, timeout */
	DSCK_ERR_TLS = 4,          /* TLS handshake or certificate problem */
	DSCK_ERR_AUTH = 5,         /* authentication or permission failure */
	DSCK_ERR_SERVER = 6,       /* the server refused the request */
	DSCK_ERR_V2_DISABLED = 7,  /* the member does not serve the v2 API */
	DSCK_ERR_COMPACTED = 8,    /* revision compacted during a scan */
	DSCK_ERR_NOT_FOUND = 9,    /* key not found */
	DSCK_ERR_CONFLICT = 10,    /* compare failed, key exists, concurrent writer */
	DSCK_ERR_PROTOCOL = 11,    /* malformed or unexpected reply from a server */
	DSCK_ERR_TOO_LARGE = 12,   /* a size cap was hit */
	DSCK_ERR_IO = 13,          /* local I/O failure */
	DSCK_ERR_NOMEM = 14,       /* out of memory */
	DSCK_ERR_INTERRUPTED = 15, /* SIGINT/SIGTERM */
	DSCK_ERR_FINDINGS = 16,    /* a check or diff found problems (not a failure) */
};

#define DSCK_ERROR_MSG_MAX 1024

struct dsck_error {
	enum dsck_err code;
	char msg[DSCK_ERROR_MSG_MAX];
};

#define DSCK_ERROR_INIT { DSCK_OK, { 0 } }

/* Short name of a code, e.g. "connect" (for JSON and debug output). */
const char *dsck_err_name(enum dsck_err code);

/*
 * Record a failure in @err unless one is already recorded; returns @code so
 * callers can write "return dsck_fail(err, DSCK_ERR_IO, ...)". @err may be
 * NULL. The message has no trailing newline.
 */
enum dsck_err dsck_fail(struct dsck_error *err, enum dsck_err code,
			const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
enum dsck_err dsck_vfail(struct dsck_error *err, enum dsck_err code,
			 const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* The one out-of-memory failure: DSCK_ERR_NOMEM with its message. */
enum dsck_err dsck_oom(struct dsck_error *err);
/* Forget a recorded failure (used when a caller recovers, e.g. failover). */
void dsck_error_clear(struct dsck_error *err);

#endif
