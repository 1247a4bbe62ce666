#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/macro.h"
#include "base/findings.h"
#include "base/keytext.h"
#include "base/utf8.h"

const char *severity_name(enum severity s)
{
	static const char *const names[] = {
		[SEV_INFO] = "info", [SEV_WARNING] = "warning", [SEV_ERROR] = "error"
	};

	return ENUM_NAME(names, s);
}

void findings_init(struct findings *f, size_t cap_per_code)
{
	memset(f, 0, sizeof(*f));
	f->cap_per_code = cap_per_code ? cap_per_code : 1000;
}

void findings_release(struct findings *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].member);
		free(f->v[i].key);
		free(f->v[i].detail);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static struct finding_code_count *code_slot(struct findings *f, const char *code)
{
	for (size_t i = 0; i < f->n_codes; i++)
		if (strcmp(f->codes[i].code, code) == 0)
			return &f->codes[i];
	if (f->n_codes == FINDINGS_MAX_CODES)
		return NULL;
	f->codes[f->n_codes].code = code;
	f->codes[f->n_codes].n = 0;
	return &f->codes[f->n_codes++];
}

enum dsck_err findings_add(struct findings *f, enum severity sev, const char *code,
			   const char *member, const char *key, size_t key_len,
			   const char *fmt, ...)
{
	struct finding_code_count *slot = code_slot(f, code);
	struct finding *x;
	va_list ap;
	int n;

	f->by_sev[sev]++;
	if (slot)
		slot->n++;
	if (!slot || slot->n > f->cap_per_code) {
		f->dropped++;
		return DSCK_OK;
	}
	if (f->n == f->alloc) {
		size_t na = f->alloc ? f->alloc * 2 : 32;
		struct finding *v = realloc(f->v, na * sizeof(*v));

		if (!v)
			return DSCK_ERR_NOMEM;
		f->v = v;
		f->alloc = na;
	}
	x = &f->v[f->n];
	memset(x, 0, sizeof(*x));
	x->code = code;
	x->sev = sev;
	if (member && !(x->member = strdup(member)))
		return DSCK_ERR_NOMEM;
	if (key && !(x->key = keytext_dup(key, key_len))) {
		free(x->member);
		return DSCK_ERR_NOMEM;
	}
	va_start(ap, fmt);
	n = vasprintf(&x->detail, fmt, ap);
	va_end(ap);
	if (n < 0) {
		free(x->member);
		free(x->key);
		return DSCK_ERR_NOMEM;
	}
	f->n++;
	return DSCK_OK;
}

enum dsck_err findings_append(struct findings *dst, const struct findings *src)
{
	for (size_t i = 0; i < src->n; i++) {
		const struct finding *x = &src->v[i];

		if (findings_add(dst, x->sev, x->code, x->member, x->key, x->key ? strlen(x->key) : 0,
				 "%s", x->detail ? x->detail : ""))
			return DSCK_ERR_NOMEM;
	}
	return DSCK_OK;
}

size_t findings_count(const struct findings *f, const char *code)
{
	for (size_t i = 0; i < f->n_codes; i++)
		if (strcmp(f->codes[i].code, code) == 0)
			return f->codes[i].n;
	return 0;
}

bool findings_ok(const struct findings *f)
{
	return f->by_sev[SEV_ERROR] == 0;
}
