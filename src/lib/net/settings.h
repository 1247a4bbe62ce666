/*
 * settings: the effective connection settings and where each came from.
 *
 * Precedence: command-line flag > environment > calicoctl config file >
 * default (docs/settings.md). Every value remembers its source and origin (the flag,
 * the variable, or "FILE:LINE"), so `dsck config` can explain itself. Secret
 * values (password, token) are stored but never rendered by this module.
 */
#ifndef DSCK_SETTINGS_H
#define DSCK_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "base/err.h"

enum settings_source {
	SRC_DEFAULT = 0,
	SRC_CONFIG,
	SRC_ENV,
	SRC_FLAG,
};

enum setting_id {
	SET_ENDPOINTS,
	SET_CACERT,
	SET_CERT,
	SET_KEY,
	SET_USER,
	SET_PASSWORD,
	SET_PASSWORD_FILE,
	SET_DIAL_TIMEOUT,
	SET_COMMAND_TIMEOUT,
	SET_INSECURE_SKIP_TLS_VERIFY,
	SET_CONFIG,
	SET_DATASTORE_TYPE,
	SET_KUBECONFIG,
	SET_K8S_API_ENDPOINT,
	SET_K8S_USER,             /* only from the endpoint URL's user info */
	SET_K8S_PASSWORD,
	SET_K8S_TOKEN,
	SET_K8S_CA,
	SET_MAX_RESPONSE_BYTES,
	SET__COUNT
};

struct setting {
	char *value;             /* NULL when unset */
	enum settings_source source;
	char origin[256];
};

struct dsck_settings {
	struct setting v[SET__COUNT];
};

struct setting_def {
	const char *name;        /* as shown by `dsck config` */
	const char *flag;        /* command-line flag, or NULL */
	bool secret;
	const char *dflt;
	const char *env[4];      /* first found wins */
	const char *config_key;  /* key under spec: in a calicoctl config */
};

const struct setting_def *settings_def(enum setting_id id);
const char *settings_source_name(enum settings_source src);

void settings_init(struct dsck_settings *s);
void settings_release(struct dsck_settings *s);

/*
 * Set @id unless a value from a higher-precedence source is already there.
 * USER values of the form NAME:PASS also set the password.
 */
enum dsck_err settings_set(struct dsck_settings *s, enum setting_id id,
			   const char *value, enum settings_source src,
			   const char *origin);
const char *settings_get(const struct dsck_settings *s, enum setting_id id);
bool settings_is_set(const struct dsck_settings *s, enum setting_id id);

/* Read the environment (docs/settings.md: variables, in-cluster service account). */
enum dsck_err settings_load_env(struct dsck_settings *s, struct dsck_error *err);

/* Load the calicoctl config file named by SET_CONFIG, if any. */
enum dsck_err settings_load_config(struct dsck_settings *s, struct dsck_error *err);

/* Read SET_PASSWORD_FILE into SET_PASSWORD (first line, no newline). */
enum dsck_err settings_read_password_file(struct dsck_settings *s,
					  struct dsck_error *err);

/*
 * Parse a Go duration ("2s", "500ms", "1m30s", "1.5h"; units ns us ms s m
 * h) into milliseconds, as etcdctl reads --dial-timeout. A bare number other
 * than "0" is refused: "30" could mean seconds or nanoseconds.
 */
bool settings_parse_duration(const char *text, long *ms);
/* True for a bare number such as "30": the message then asks for a unit. */
bool settings_duration_lacks_unit(const char *text);

/* The flag, variable or FILE:LINE a setting came from. */
const char *settings_origin(const struct dsck_settings *s, enum setting_id id);

#endif
