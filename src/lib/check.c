/* check: what the migration checks share. */
#include <string.h>

#include "dsck/check.h"

void check_result_init(struct check_result *r, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->name = name;
	findings_init(&r->findings, 1000);
}

void check_result_release(struct check_result *r)
{
	findings_release(&r->findings);
}
