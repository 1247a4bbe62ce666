#include <stdio.h>
#include <string.h>

#include "base/err.h"

const char *dsck_err_name(enum dsck_err code)
{
	switch (code) {
	case DSCK_OK: return "ok";
	case DSCK_ERR_USAGE: return "usage";
	case DSCK_ERR_INPUT: return "input";
	case DSCK_ERR_CONNECT: return "connect";
	case DSCK_ERR_TLS: return "tls";
	case DSCK_ERR_AUTH: return "auth";
	case DSCK_ERR_SERVER: return "server";
	case DSCK_ERR_V2_DISABLED: return "v2-disabled";
	case DSCK_ERR_COMPACTED: return "compacted";
	case DSCK_ERR_NOT_FOUND: return "not-found";
	case DSCK_ERR_CONFLICT: return "conflict";
	case DSCK_ERR_PROTOCOL: return "protocol";
	case DSCK_ERR_TOO_LARGE: return "too-large";
	case DSCK_ERR_IO: return "io";
	case DSCK_ERR_NOMEM: return "nomem";
	case DSCK_ERR_INTERRUPTED: return "interrupted";
	case DSCK_ERR_FINDINGS: return "findings";
	}
	return "unknown";
}

enum dsck_err dsck_vfail(struct dsck_error *err, enum dsck_err code,
			 const char *fmt, va_list ap)
{
	if (!err || err->code != DSCK_OK)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

enum dsck_err dsck_fail(struct dsck_error *err, enum dsck_err code,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	dsck_vfail(err, code, fmt, ap);
	va_end(ap);
	return code;
}

void dsck_error_clear(struct dsck_error *err)
{
	if (!err)
		return;
	err->code = DSCK_OK;
	err->msg[0] = '\0';
}

enum dsck_err dsck_oom(struct dsck_error *err)
{
	return dsck_fail(err, DSCK_ERR_NOMEM, "out of memory");
}
