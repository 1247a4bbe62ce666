/*
 * Fuzz the kubeconfig parser (kubeconfig_parse, from memory): the current
 * context, its cluster and user, base64 -data fields, relative file names.
 * It never reads the files it names, so no file system is involved.
 */
#include <string.h>

#include "net/kubeconfig.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kubeconfig kc;
	struct dsck_error err = DSCK_ERROR_INIT;

	if (kubeconfig_parse(&kc, "/fuzz/kube/config", (const char *)data, size, &err) ==
	    DSCK_OK) {
		FUZZ_ASSERT(kc.server != NULL);
		/* A scheme and a host after it. */
		FUZZ_ASSERT(!strncmp(kc.server, "https://", 8) || !strncmp(kc.server, "http://", 7));
		FUZZ_ASSERT(strstr(kc.server, "://")[3] != '\0');
		FUZZ_ASSERT(!kc.ca.file || !kc.ca.data);
		FUZZ_ASSERT(!(kc.cert.file || kc.cert.data) == !(kc.key.file || kc.key.data));
		FUZZ_ASSERT(!kc.token_file || kc.token_file[0] == '/');
		kubeconfig_release(&kc);
	} else {
		FUZZ_ASSERT(err.code != DSCK_OK && err.msg[0] != '\0');
		/* A failed parse leaves nothing to release. */
		FUZZ_ASSERT(kc.server == NULL && kc.token == NULL && kc.ca.data == NULL);
	}
	return 0;
}
