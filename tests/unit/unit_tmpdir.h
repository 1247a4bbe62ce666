/*
 * A temporary directory for the files of one unit test program: made by
 * the group setup, removed with everything in it by the group teardown
 * (cmocka_run_group_tests(tests, setup, teardown)).
 */
#ifndef DSCK_UNIT_TMPDIR_H
#define DSCK_UNIT_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir[] = "/tmp/dsck-unit-XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* @name inside the directory (valid until the next call). */
static const char *path_of(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

#endif
