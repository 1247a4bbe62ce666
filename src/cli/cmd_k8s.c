/* dsck check k8s-crd-migration / check policy-semantics (being written; issue 9). */
#include "cli.h"

int cmd_check_k8s_crd_migration(struct cli *cli)
{
	return cli_usage_error(cli, "not implemented yet");
}

int cmd_check_policy_semantics(struct cli *cli)
{
	return cli_usage_error(cli, "not implemented yet");
}
