/* dsck inspect: Calico-aware summary of a store (SPEC §7a). */
#include "cli.h"

int cmd_inspect(struct cli *cli)
{
	return cli_usage_error(cli, "inspect is not implemented yet");
}
