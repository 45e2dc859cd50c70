// SPDX-License-Identifier: GPL-2.0
/* tcelab run --trace: the user's traces checked and staged on the host (traces/user.c). */
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"
#include "lib/util.h"
#include "traces/traces.h"

static char *staging_dir(void)
{
	return xasprintf("/tmp/tcelab-unit-%d-input", getpid());
}

/* A .tce and a QEMU log become NAME.tce each and one suite line each. */
UNIT_TEST(user_traces_stage_tce_and_log)
{
	struct user_traces u = { .files = { "traces/testdata/qemu-e1000.tce",
					    "traces/testdata/qemu-e1000.log" }, .nr = 2 };
	char *dir = staging_dir(), err[1024], *suite, *path;

	chdir(tcelab_top());
	CHECK_EQ(user_traces_stage(&u, dir, err, sizeof(err)), -1);	/* both named qemu-e1000 */
	CHECK(strstr(err, "would both be scenario 'qemu-e1000'") != NULL);
	CHECK_EQ(access(dir, F_OK), -1);
	u.nr = 1;
	CHECK_EQ(user_traces_stage(&u, dir, err, sizeof(err)), 0);
	path = xasprintf("%s/%s", dir, USER_TRACES_SUITE);
	suite = read_file(path, NULL);
	CHECK(suite && strstr(suite, "\nqemu-e1000 trace\t# traces/testdata/qemu-e1000.tce\n"));
	free(suite);
	unlink(path);
	free(path);
	path = xasprintf("%s/qemu-e1000.tce", dir);
	CHECK_EQ(access(path, R_OK), 0);
	unlink(path);
	free(path);
	rmdir(dir);
	free(dir);
}

/* A trace that does not parse: its file and line, and nothing left behind. */
UNIT_TEST(user_traces_refuse_a_bad_trace)
{
	struct user_traces u = { .files = { "traces/testdata/qemu-bad.log" }, .nr = 1 };
	char *dir = staging_dir(), err[1024];

	chdir(tcelab_top());
	CHECK_EQ(user_traces_stage(&u, dir, err, sizeof(err)), -1);
	CHECK(strstr(err, "traces/testdata/qemu-bad.log:2: ") != NULL);
	CHECK_EQ(access(dir, F_OK), -1);
	u.files[0] = "no/such/dir/x y.tce";
	CHECK_EQ(user_traces_stage(&u, dir, err, sizeof(err)), -1);
	CHECK(strstr(err, "must be letters, digits") != NULL);
	CHECK_EQ(access(dir, F_OK), -1);
	free(dir);
}
