// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "vm/guestlog.h"
#include "unit.h"

static const char warn_log[] =
	"[    1.000000] tcelab: loading\n"
	"[    2.000000] ------------[ cut here ]------------\n"
	"[    2.000001] tcelab: WARN requested through debugfs (test switch)\n"
	"[    2.000002] WARNING: CPU: 0 PID: 71 at debugfs.c:27 warn_set+0x20/0x30 [tcelab]\n"
	"[    2.000003] Call Trace:\n"
	"[    2.000004] ---[ end trace 0000000000000000 ]---\n"
	"[    3.000000] after the report\n";

UNIT_TEST(guestlog_clean_log_has_no_report)
{
	struct guestlog_hit hit;

	CHECK_EQ(guestlog_scan("[ 0.1] Linux version 6.1\n[ 0.2] nvram: Failed to load\n", &hit),
		 GUESTLOG_NONE);
	CHECK_EQ(guestlog_count("plain\nlines\n"), 0);
}

UNIT_TEST(guestlog_warn_excerpt_spans_cut_here_to_end_trace)
{
	struct guestlog_hit hit;

	CHECK_EQ(guestlog_scan(warn_log, &hit), GUESTLOG_WARN);
	CHECK_EQ(hit.line, 2);
	CHECK(hit.excerpt && !strncmp(hit.excerpt, "[    2.000000] ------------[ cut here ]", 39));
	CHECK(hit.excerpt && strstr(hit.excerpt, "---[ end trace"));
	CHECK(hit.excerpt && !strstr(hit.excerpt, "after the report"));
	CHECK_EQ(guestlog_count(warn_log), 1);
	free(hit.excerpt);
}

UNIT_TEST(guestlog_kinds)
{
	struct guestlog_hit hit;

	CHECK_EQ(guestlog_scan("[1] BUG: Bad page state in process x\n", &hit), GUESTLOG_BUG);
	free(hit.excerpt);
	CHECK_EQ(guestlog_scan("[1] kernel BUG at mm/gup.c:100!\n", &hit), GUESTLOG_BUG);
	free(hit.excerpt);
	CHECK_EQ(guestlog_scan("[1] Oops: Kernel access of bad area, sig: 11 [#1]\n", &hit),
		 GUESTLOG_OOPS);
	free(hit.excerpt);
	CHECK_EQ(guestlog_scan("[1] Unable to handle kernel paging request\n", &hit), GUESTLOG_OOPS);
	free(hit.excerpt);
	CHECK_EQ(guestlog_scan("[1] Kernel panic - not syncing: Fatal exception\n", &hit),
		 GUESTLOG_PANIC);
	free(hit.excerpt);
	CHECK_EQ(guestlog_scan("[1] INFO: task x:1 blocked for more than 120 seconds.\n", &hit),
		 GUESTLOG_HANG);
	CHECK_EQ(hit.line, 1);
	free(hit.excerpt);
}

UNIT_TEST(guestlog_excerpt_is_bounded)
{
	char log[8192] = "[1] BUG: unable to handle page fault\n";
	struct guestlog_hit hit;
	int i, lines = 0;
	char *p;

	for (i = 0; i < 100; i++)
		strcat(log, "[1] frame\n");
	CHECK_EQ(guestlog_scan(log, &hit), GUESTLOG_BUG);
	for (p = hit.excerpt; p && *p; p++)
		lines += *p == '\n';
	CHECK_EQ(lines, 40);
	free(hit.excerpt);
}
