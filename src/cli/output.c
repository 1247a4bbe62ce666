#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/b64.h"
#include "base/buf.h"
#include "base/keytext.h"
#include "base/utf8.h"

int cli_print_json(json_t *doc)
{
	const char *command = cli_errdoc_command_name();

	json_object_set_new(doc, "format_version", json_integer(1));
	/* Every document names the command that ran (docs/json.md). */
	if (!json_object_get(doc, "command") && command)
		json_object_set_new(doc, "command", json_string(command));
	cli_json_printed();
	if (json_dumpf(doc, stdout, JSON_SORT_KEYS | JSON_COMPACT) < 0) {
		json_decref(doc);
		return EXIT_IO;
	}
	fputc('\n', stdout);
	json_decref(doc);
	return EXIT_OK;
}

void cli_json_set_snake(json_t *obj, const char *key, json_t *value)
{
	char name[64];
	size_t i;

	for (i = 0; key[i] && i + 1 < sizeof(name); i++)
		name[i] = key[i] == '-' ? '_' : key[i];
	name[i] = '\0';
	json_object_set_new(obj, name, value);
}

/* "name":"text", or "name_b64":"base64" for bytes that are not UTF-8, as in snapshots. */
void cli_json_set_bytes(json_t *obj, const char *name, const char *p, size_t n)
{
	struct buf b = BUF_INIT(n / 3 * 4 + 8);
	char b64name[32];

	if (utf8_valid((const unsigned char *)p, n)) {
		json_object_set_new(obj, name, json_stringn(p, n));
		return;
	}
	snprintf(b64name, sizeof(b64name), "%s_b64", name);
	if (b64_encode(&b, p, n) == DSCK_OK)
		json_object_set_new(obj, b64name, json_stringn(b.data, b.len));
	buf_release(&b);
}

/* An added or removed key: its text, or {"key_b64": ...}. */
json_t *cli_json_key(const char *p, size_t n)
{
	json_t *o;

	if (utf8_valid((const unsigned char *)p, n))
		return json_stringn(p, n);
	o = json_object();
	cli_json_set_bytes(o, "key", p, n);
	return o;
}

json_t *cli_json_text(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static bool color_on;

void cli_color_init(const struct cli *cli)
{
	const char *no = getenv("NO_COLOR");

	color_on = cli->format == OUT_TABLE && isatty(STDOUT_FILENO) && !(no && *no);
}

const char *cli_color(enum cli_color c)
{
	static const char *const esc[] = { "\033[0m", "\033[31m", "\033[32m", "\033[33m",
					   "\033[1m" };

	return color_on ? esc[c] : "";
}

const char *cli_plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

void cli_print_escaped(const char *s, size_t len, size_t max)
{
	/* The one escaping rule of base/keytext, so a key looks the same everywhere. */
	for (size_t i = 0; i < len;) {
		char step[KEYTEXT_STEP_MAX];
		size_t used, n;

		if (i >= max) {
			fputs("...", stdout);
			return;
		}
		n = keytext_step(s + i, len - i, step, &used);
		fwrite(step, 1, n, stdout);
		i += used;
	}
}

bool cli_stdout_closed(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	/* A pipe or socket whose reader went away polls as an error or hang-up. */
	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

int cli_finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		/* `dsck ls | head`: a reader that stopped early is a quiet end (docs/conventions.md). */
		if (errno == EPIPE || cli_stdout_closed())
			return EXIT_PIPE;
		errorf("cannot write to standard output: %s", strerror(errno));
		return EXIT_IO;
	}
	return rc;
}
