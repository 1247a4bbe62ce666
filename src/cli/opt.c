#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/keyfilter.h"
#include "base/num.h"

int cli_api(struct cli *cli, int *api)
{
	const char *v = cli->val[OPT_API], *env = getenv("ETCDCTL_API");

	/* As in etcdctl, ETCDCTL_API=2|3 picks the API when --api is not given. */
	if (!v && env && *env) {
		if (strcmp(env, "2") != 0 && strcmp(env, "3") != 0)
			return cli_usage_error(cli, "invalid ETCDCTL_API '%s' (expected 2 or 3)", env);
		v = env;
	}
	if (!v)
		return cli_usage_error(cli, "missing --api v2|v3 (or ETCDCTL_API=2|3)");
	if (strcmp(v, "v2") == 0 || strcmp(v, "2") == 0)
		*api = 2;
	else if (strcmp(v, "v3") == 0 || strcmp(v, "3") == 0)
		*api = 3;
	else
		return cli_usage_error(cli, "invalid --api '%s' (expected v2 or v3)", v);
	return EXIT_OK;
}

int cli_keyfilter(struct cli *cli, struct keyfilter *f, const char *default_prefix)
{
	const char *prefix = cli->val[OPT_PREFIX] ? cli->val[OPT_PREFIX] : default_prefix;

	if (prefix[0] != '/')
		return cli_usage_error(cli, "--prefix must start with '/': '%s'", prefix);
	keyfilter_init(f, prefix, cli->set[OPT_INCLUDE_EPHEMERAL]);
	for (int i = 0; i < cli->n_ignore; i++)
		keyfilter_add_ignore(f, cli->ignore[i]);
	return EXIT_OK;
}

int cli_opt_u64(struct cli *cli, enum opt_id id, uint64_t min, uint64_t max, uint64_t *out)
{
	struct dsck_error err = DSCK_ERROR_INIT;
	char name[64];

	if (!cli->val[id])
		return EXIT_OK;
	snprintf(name, sizeof(name), "--%s", cli_opt_name(id));
	if (num_parse_u64(name, cli->val[id], min, max, out, &err))
		return cli_usage_error(cli, "%s", err.msg);
	return EXIT_OK;
}

int cli_page_size(struct cli *cli, int64_t *out)
{
	uint64_t v = 0;   /* adaptive: pages sized by bytes */
	int rc = cli_opt_u64(cli, OPT_PAGE_SIZE, 1, 1000000, &v);

	*out = (int64_t)v;
	return rc;
}
