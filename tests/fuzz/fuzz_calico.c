/*
 * Fuzz the Calico data model: calico_key_parse() on a key and
 * calico_value_parse() on a value, then every accessor a cross-check uses on
 * a well-formed value. The input is "KEY\nVALUE": the seeds carry one real
 * key of each format, so mutations of the value reach every kind's checks,
 * and mutations of the key move between kinds. A first byte of 'D' before
 * the key marks a v2 directory.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "calico/calico.h"
#include "fuzz.h"

static void use_value(const struct calico_key *k, const struct calico_value *v)
{
	struct calico_cluster_info info;
	struct calico_cidr c;
	struct calico_version ver;
	const char *s;
	size_t attr, n;

	(void)calico_endpoint_profiles(v);
	(void)calico_handle_blocks(v);
	(void)calico_block_host(v);
	n = calico_block_size(v);
	for (size_t i = 0; i < n && i < 4096; i++)
		(void)calico_block_handle(v, i, &attr);
	if ((s = calico_pool_cidr(k, v)) && calico_cidr_parse(s, &c))
		FUZZ_ASSERT(c.family == 4 || c.family == 6);
	if (calico_cluster_info(k, v, &info) && info.calico_version)
		(void)calico_version_parse(info.calico_version, &ver);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nl = memchr(data, '\n', size);
	bool dir = size && data[0] == 'D';
	const char *key = (const char *)data + dir;
	size_t key_len = nl ? (size_t)(nl - key) : size - dir;
	char *value = nl ? fuzz_copy((const uint8_t *)nl + 1, size - key_len - dir - 1) : NULL;
	size_t value_len = nl ? size - key_len - dir - 1 : 0;
	struct calico_key *k = malloc(sizeof(*k));
	struct calico_value v;
	struct dsck_error err = DSCK_ERROR_INIT;

	if (!k)
		abort();
	calico_key_parse(k, key, key_len, dir);
	FUZZ_ASSERT(k->kind < CALICO_KIND__COUNT && k->format < CALICO_FMT__COUNT);
	FUZZ_ASSERT(calico_kind_name(k->kind) != NULL);
	FUZZ_ASSERT(calico_value_parse(&v, k, value, value_len, &err) == DSCK_OK);
	FUZZ_ASSERT(strnlen(v.problem, sizeof(v.problem)) < sizeof(v.problem));
	if (!v.problem[0])
		use_value(k, &v);
	else
		FUZZ_ASSERT(v.doc == NULL);
	calico_value_release(&v);
	free(k);
	free(value);
	return 0;
}
