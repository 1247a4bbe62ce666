/*
 * Fuzz the calicoctl config parser: settings_load_config() reads the file
 * named by SET_CONFIG, here a memfd holding the input. Whatever it accepts
 * is then read back the way `dsck config` and the clients read it, and no
 * endpoint URL kept holds credentials (docs/restore-safety.md).
 */
#include <stdlib.h>
#include <string.h>

#include "net/settings.h"
#include "fuzz.h"

/* Does any URL of the list carry "user@" in its authority? */
static bool has_userinfo(const char *list)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		const char *scheme = strstr(p, "://");
		const char *host = scheme && (size_t)(scheme - p) < n ? scheme + 3 : p;
		size_t alen = strcspn(host, ",/?#");

		if (memchr(host, '@', alen))
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dsck_settings s;
	struct dsck_error err = DSCK_ERROR_INIT;
	long ms;

	settings_init(&s);
	if (settings_set(&s, SET_CONFIG, fuzz_file(data, size), SRC_FLAG, "--config"))
		abort();
	if (settings_load_config(&s, &err) == DSCK_OK) {
		for (int i = 0; i < SET__COUNT; i++) {
			const char *v = settings_get(&s, (enum setting_id)i);

			/* Set means non-empty ("etcdUsername: root:" sets an empty password). */
			FUZZ_ASSERT(v || !settings_is_set(&s, (enum setting_id)i));
			FUZZ_ASSERT(settings_source_name(s.v[i].source) != NULL);
		}
		FUZZ_ASSERT(!settings_get(&s, SET_ENDPOINTS) ||
			    !has_userinfo(settings_get(&s, SET_ENDPOINTS)));
		if (settings_get(&s, SET_DIAL_TIMEOUT))
			(void)settings_parse_duration(settings_get(&s, SET_DIAL_TIMEOUT), &ms);
		if (settings_get(&s, SET_COMMAND_TIMEOUT))
			(void)settings_parse_duration(settings_get(&s, SET_COMMAND_TIMEOUT), &ms);
	} else {
		FUZZ_ASSERT(err.code != DSCK_OK && err.msg[0] != '\0');
	}
	settings_release(&s);
	return 0;
}
