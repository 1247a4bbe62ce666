/*
 * findings: what a check found, as data (docs/findings.md: code, severity, key,
 * member, detail). Checks add findings; the CLI renders them. Memory is
 * bounded: past a cap per code, findings are only counted.
 */
#ifndef DSCK_FINDINGS_H
#define DSCK_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

enum severity { SEV_INFO, SEV_WARNING, SEV_ERROR };

const char *severity_name(enum severity s);

struct finding {
	const char *code;        /* static string */
	enum severity sev;
	char *member;            /* NULL when cluster-wide */
	char *key;               /* NULL when not about one key */
	char *detail;
};

struct finding_code_count {
	const char *code;
	size_t n;
};

#define FINDINGS_MAX_CODES 64

struct findings {
	struct finding *v;
	size_t n, alloc;
	size_t cap_per_code;
	size_t by_sev[3];                       /* including dropped ones */
	size_t dropped;
	struct finding_code_count codes[FINDINGS_MAX_CODES];
	size_t n_codes;
};

void findings_init(struct findings *f, size_t cap_per_code);
void findings_release(struct findings *f);

/* Add a finding; @key may be binary (shown escaped), @member and @key may be NULL. */
enum dsck_err findings_add(struct findings *f, enum severity sev, const char *code,
			   const char *member, const char *key, size_t key_len,
			   const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Add copies of every finding @src kept (preflight gathers the checks' findings). */
enum dsck_err findings_append(struct findings *dst, const struct findings *src);

/* Occurrences of @code, including dropped ones. */
size_t findings_count(const struct findings *f, const char *code);
bool findings_ok(const struct findings *f);

#endif
