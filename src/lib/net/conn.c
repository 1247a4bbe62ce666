#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/conn.h"
#include "base/num.h"

bool conn_is_tls(const char *endpoint)
{
	return strncmp(endpoint, "https://", 8) == 0;
}

static enum dsck_err add_endpoint(struct dsck_conn *c, const char *p, size_t n,
				  struct dsck_error *err)
{
	char *ep;

	while (n && (p[n - 1] == '/' || p[n - 1] == ' '))
		n--;
	while (n && *p == ' ') {
		p++;
		n--;
	}
	if (!n)
		return DSCK_OK;
	if (c->n_endpoints == CONN_MAX_ENDPOINTS)
		return dsck_fail(err, DSCK_ERR_USAGE, "too many endpoints (at most %d)",
				 CONN_MAX_ENDPOINTS);
	if (memmem(p, n, "://", 3)) {
		if (!(n > 7 && strncmp(p, "http://", 7) == 0) && !(n > 8 && conn_is_tls(p)))
			return dsck_fail(err, DSCK_ERR_USAGE,
					 "endpoint '%.*s' must start with http:// or https://",
					 (int)n, p);
		ep = strndup(p, n);
	} else if (asprintf(&ep, "http://%.*s", (int)n, p) < 0) {
		/* "host:2379" means http://host:2379, as in etcdctl (docs/conventions.md). */
		ep = NULL;
	}
	if (!ep)
		return dsck_oom(err);
	c->endpoints[c->n_endpoints++] = ep;
	return DSCK_OK;
}

/* A timeout in Go form; the message names where the value came from. */
static enum dsck_err duration(const struct dsck_settings *s, enum setting_id id, long *ms,
			      struct dsck_error *err)
{
	const char *v = settings_get(s, id);

	if (v && settings_parse_duration(v, ms) && *ms > 0)
		return DSCK_OK;
	if (v && settings_duration_lacks_unit(v))
		return dsck_fail(err, DSCK_ERR_USAGE,
				 "invalid %s '%s' (from %s): add a unit, e.g. '%ss' or '%sms'",
				 settings_def(id)->flag, v, settings_origin(s, id), v, v);
	return dsck_fail(err, DSCK_ERR_USAGE,
			 "invalid %s '%s' (from %s): expected a positive duration such as 2s, "
			 "500ms or 1m30s", settings_def(id)->flag, v ? v : "", settings_origin(s, id));
}

enum dsck_err conn_init(struct dsck_conn *c, const struct dsck_settings *s,
			struct dsck_error *err)
{
	const char *eps = settings_get(s, SET_ENDPOINTS), *p;
	const char *ins = settings_get(s, SET_INSECURE_SKIP_TLS_VERIFY);
	const char *max = settings_get(s, SET_MAX_RESPONSE_BYTES);
	struct dsck_error numerr = DSCK_ERROR_INIT;
	enum dsck_err rc;
	uint64_t maxv;

	memset(c, 0, sizeof(*c));
	for (p = eps ? eps : ""; *p;) {
		size_t n = strcspn(p, ",");

		if ((rc = add_endpoint(c, p, n, err)))
			goto out;
		p += n;
		if (*p == ',')
			p++;
	}
	if (!c->n_endpoints) {
		rc = dsck_fail(err, DSCK_ERR_USAGE, "no etcd endpoint configured");
		goto out;
	}
	if ((rc = duration(s, SET_DIAL_TIMEOUT, &c->dial_timeout_ms, err)) ||
	    (rc = duration(s, SET_COMMAND_TIMEOUT, &c->command_timeout_ms, err)))
		goto out;
	if (num_parse_u64("--max-response-bytes", max ? max : "", 4096, SIZE_MAX, &maxv, &numerr)) {
		/* As for durations: say where the value came from (docs/conventions.md). */
		rc = dsck_fail(err, numerr.code, "%s, from %s", numerr.msg,
			       settings_origin(s, SET_MAX_RESPONSE_BYTES));
		goto out;
	}
	c->max_response_bytes = (size_t)maxv;
	c->insecure_skip_tls_verify = ins && (strcmp(ins, "true") == 0 || strcmp(ins, "1") == 0);
	c->cacert = settings_get(s, SET_CACERT);
	c->cert = settings_get(s, SET_CERT);
	c->key = settings_get(s, SET_KEY);
	c->user = settings_get(s, SET_USER);
	c->password = settings_get(s, SET_PASSWORD);
	if (c->user && !*c->user)
		c->user = NULL;
	return DSCK_OK;
out:
	conn_release(c);
	return rc;
}

enum dsck_err conn_init_member(struct dsck_conn *member, const struct dsck_conn *c,
			       size_t i, struct dsck_error *err)
{
	*member = *c;
	memset(member->endpoints, 0, sizeof(member->endpoints));
	member->endpoints[0] = strdup(c->endpoints[i]);
	member->n_endpoints = 1;
	if (!member->endpoints[0])
		return dsck_oom(err);
	return DSCK_OK;
}

void conn_release(struct dsck_conn *c)
{
	for (size_t i = 0; i < c->n_endpoints; i++)
		free(c->endpoints[i]);
	c->n_endpoints = 0;
}
