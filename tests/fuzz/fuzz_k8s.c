/*
 * Fuzz the Kubernetes JSON handling: the first byte picks a dump file of
 * --from-dir (namespaces.json, pods.json, ...), the rest is its content; then
 * every Kubernetes check runs over that directory. Whatever the JSON holds
 * (wrong types, missing names, huge numbers), the checks must end with a
 * result or an error, never a crash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/k8scheck.h"
#include "fuzz.h"

static const char *scratch_dir(void)
{
	static char dir[] = "/tmp/dsck-fuzz-k8s-XXXXXX";
	static bool made;

	if (!made) {
		if (!mkdtemp(dir))
			abort();
		made = true;
	}
	return dir;
}

static void write_dump(const char *dir, const char *file, const uint8_t *data, size_t size)
{
	char path[512];
	FILE *f;

	/* Only this one file exists: every other resource reads as "not served". */
	for (int r = 0; r < K8S_RES__COUNT; r++) {
		snprintf(path, sizeof(path), "%s/%s", dir, k8s_resource((enum k8s_res)r)->file);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "wb");
	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k8s_source src = { .dir = scratch_dir(), .max_bytes = 1 << 20 };
	struct dsck_error err = DSCK_ERROR_INIT;
	struct crd_migration crd;
	struct policy_semantics pol;
	struct node_roll roll;

	if (!size)
		return 0;
	write_dump(src.dir, k8s_resource((enum k8s_res)(data[0] % K8S_RES__COUNT))->file,
		   data + 1, size - 1);

	crd_migration_init(&crd);
	if (check_k8s_crd_migration(&src, &crd, &err))
		FUZZ_ASSERT(err.msg[0] != '\0');
	crd_migration_release(&crd);

	dsck_error_clear(&err);
	policy_semantics_init(&pol);
	if (check_policy_semantics(&src, &pol, &err) == DSCK_OK)
		for (size_t i = 0; i < pol.n; i++)
			FUZZ_ASSERT(pol.ns[i].name != NULL &&
				    (pol.ns[i].verdict != VERDICT_ACTION || pol.ns[i].action));
	else
		FUZZ_ASSERT(err.msg[0] != '\0');
	policy_semantics_release(&pol);

	dsck_error_clear(&err);
	node_roll_init(&roll);
	if (check_node_roll(&src, &roll, &err))
		FUZZ_ASSERT(err.msg[0] != '\0');
	node_roll_release(&roll);
	return 0;
}
