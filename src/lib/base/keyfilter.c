#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "base/keyfilter.h"

void keyfilter_init(struct keyfilter *f, const char *prefix, bool include_ephemeral)
{
	memset(f, 0, sizeof(*f));
	f->prefix = prefix;
	f->prefix_len = strlen(prefix);
	/* "/calico/" and "/calico" mean the same subtree. */
	while (f->prefix_len > 1 && prefix[f->prefix_len - 1] == '/')
		f->prefix_len--;
	f->include_ephemeral = include_ephemeral;
}

bool keyfilter_add_ignore(struct keyfilter *f, const char *glob)
{
	if (f->n_ignore == KEYFILTER_MAX_IGNORE)
		return false;
	f->ignore[f->n_ignore++] = glob;
	return true;
}

bool keyfilter_under_prefix(const struct keyfilter *f, const char *key, size_t len)
{
	if (f->prefix_len == 0 || (f->prefix_len == 1 && f->prefix[0] == '/'))
		return true;
	if (len < f->prefix_len || memcmp(key, f->prefix, f->prefix_len) != 0)
		return false;
	return len == f->prefix_len || key[f->prefix_len] == '/';
}

#define FELIX_HOST "/calico/felix/v1/host/"

bool calico_key_is_ephemeral(const char *key, size_t len)
{
	size_t n = sizeof(FELIX_HOST) - 1;
	const char *host, *slash, *rest;
	size_t rest_len;

	if (len <= n || memcmp(key, FELIX_HOST, n) != 0)
		return false;
	host = key + n;
	slash = memchr(host, '/', len - n);
	if (!slash || slash == host)
		return false;
	rest = slash + 1;
	rest_len = (size_t)(key + len - rest);
	if ((rest_len == 6 && !memcmp(rest, "status", 6)) ||
	    (rest_len == 20 && !memcmp(rest, "last_reported_status", 20)))
		return true;
	/* Endpoint status: the workload/ and endpoint/ subtrees (and their dirs). */
	if ((rest_len >= 8 && !memcmp(rest, "workload", 8) && (rest_len == 8 || rest[8] == '/')) ||
	    (rest_len >= 8 && !memcmp(rest, "endpoint", 8) && (rest_len == 8 || rest[8] == '/')))
		return true;
	return false;
}

bool keyfilter_leaves_out_ephemeral(const struct keyfilter *f, const char *key, size_t len)
{
	return !f->include_ephemeral && keyfilter_under_prefix(f, key, len) &&
	       calico_key_is_ephemeral(key, len);
}

bool keyfilter_wants(const struct keyfilter *f, const char *key, size_t len)
{
	if (!keyfilter_under_prefix(f, key, len))
		return false;
	if (!f->include_ephemeral && calico_key_is_ephemeral(key, len))
		return false;
	if (f->n_ignore) {
		char small[512], *copy = len < sizeof(small) ? small : malloc(len + 1);
		bool hit = false;

		if (!copy)
			return true;
		memcpy(copy, key, len);
		copy[len] = '\0';
		for (size_t i = 0; i < f->n_ignore && !hit; i++)
			hit = fnmatch(f->ignore[i], copy, 0) == 0;
		if (copy != small)
			free(copy);
		if (hit)
			return false;
	}
	return true;
}
