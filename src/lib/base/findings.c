#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/array.h"
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

static void finding_release(void *elem)
{
	struct finding *x = elem;

	free(x->member);
	free(x->key);
	free(x->detail);
}

void findings_release(struct findings *f)
{
	array_free(f->v, f->n, sizeof(*f->v), finding_release);
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

	f->by_sev[sev]++;
	if (slot)
		slot->n++;
	if (!slot || slot->n > f->cap_per_code) {
		f->dropped++;
		return DSCK_OK;
	}
	if (!array_grow(&f->v, &f->alloc, f->n, sizeof(*f->v)))
		return DSCK_ERR_NOMEM;
	x = &f->v[f->n];
	memset(x, 0, sizeof(*x));
	x->code = code;
	x->sev = sev;
	x->member = member ? strdup(member) : NULL;
	x->key = key ? keytext_dup(key, key_len) : NULL;
	va_start(ap, fmt);
	if (vasprintf(&x->detail, fmt, ap) < 0)
		x->detail = NULL;           /* undefined after a failure */
	va_end(ap);
	if ((member && !x->member) || (key && !x->key) || !x->detail) {
		finding_release(x);
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
