/*
 * Fuzz the Kubernetes JSON handling: the first byte picks a dump file of
 * --from-dir (namespaces.json, pods.json, ...), the rest is its content; the
 * other files hold a small cluster; then every Kubernetes check runs over
 * that directory. Whatever the JSON holds
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

/*
 * A small, complete cluster for every resource but the fuzzed one, so the
 * checks get past "cannot check" (a needed dump missing) into their judging.
 */
static const char *base_dump(enum k8s_res r)
{
	switch (r) {
	case K8S_DAEMONSETS:
		return "{\"items\":[{\"metadata\":{\"name\":\"calico-node\",\"generation\":2},"
		       "\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\"},\"template\":{\"spec\":"
		       "{\"containers\":[{\"name\":\"calico-node\",\"image\":\"calico/node:v2.6.2\"}]}}}}]}";
	case K8S_PODS:
		return "{\"items\":[{\"metadata\":{\"name\":\"calico-node-a\",\"labels\":"
		       "{\"pod-template-generation\":\"1\"},\"ownerReferences\":[{\"kind\":"
		       "\"DaemonSet\",\"name\":\"calico-node\"}]},\"spec\":{\"nodeName\":\"n1\","
		       "\"containers\":[{\"name\":\"calico-node\",\"image\":\"calico/node:v2.2.1\"}]},"
		       "\"status\":{\"phase\":\"Pending\"}}]}";
	case K8S_NODES:
		return "{\"items\":[{\"metadata\":{\"name\":\"n1\"}},{\"metadata\":{\"name\":\"n2\"}}]}";
	case K8S_VERSION:
		return "{\"gitVersion\":\"v1.8.4\"}";
	default:
		return "{\"items\":[]}";
	}
}

static void put(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
}

static void write_dump(const char *dir, enum k8s_res fuzzed, const uint8_t *data, size_t size)
{
	char path[512];

	for (int r = 0; r < K8S_RES__COUNT; r++) {
		const char *base = base_dump((enum k8s_res)r);

		snprintf(path, sizeof(path), "%s/%s", dir, k8s_resource((enum k8s_res)r)->file);
		if ((enum k8s_res)r == fuzzed)
			put(path, data, size);
		else
			put(path, base, strlen(base));
	}
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
	write_dump(src.dir, (enum k8s_res)(data[0] % K8S_RES__COUNT), data + 1, size - 1);

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
