// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "vm/lavalog.h"
#include "unit.h"

/*
 * Lines as lava-dispatcher 2023.01 writes them: a download's result with the '!' tag LAVA puts
 * before its size, console lines with YAML escapes, the prompt matched, the job's result.
 */
static const char finished_log[] =
	"{\"dt\": \"2026-12-03T06:33:34.966073\", \"lvl\": \"info\", \"msg\": \"lava-dispatcher, installed at version: 2023.01\"}\n"
	"{\"dt\": \"2026-12-03T06:33:35.561924\", \"lvl\": \"results\", \"msg\": {\"case\": \"file-download\", \"extra\": {\"label\": \"kernel\", \"sha256sum\": \"c371\", \"size\": ! \"65906612\"}, \"result\": \"pass\"}}\n"
	"{\"dt\": \"2026-12-03T06:33:35.691862\", \"lvl\": \"info\", \"msg\": \"Boot command: /usr/bin/qemu-system-x86_64 -nographic -append \\\"console=ttyS0\\\"\"}\n"
	"- {\"dt\": \"2026-12-03T06:33:36.831506\", \"lvl\": \"target\", \"msg\": \"\\e[0mLinux version 6.1 \\x07bell\"}\n"
	"this line is not an entry\n"
	"{\"dt\": \"2026-12-03T06:34:24.980874\", \"lvl\": \"debug\", \"msg\": \"Matched prompt #10: tcelab-init\"}\n"
	"{\"dt\": \"2026-12-03T06:34:25.013469\", \"lvl\": \"feedback\", \"msg\": \"tcelab-init: job run exited 0\", \"ns\": \"common\"}\n"
	"{\"dt\": \"2026-12-03T06:34:25.276634\", \"lvl\": \"results\", \"msg\": {\"case\": \"job\", \"definition\": \"lava\", \"error_msg\": \"auto-login-action timed out after 2 seconds\", \"error_type\": \"Job\", \"result\": \"fail\"}}\n";

UNIT_TEST(lavalog_reads_a_finished_job)
{
	char *text = strdup(finished_log);
	struct lava_log l;

	CHECK_EQ(lava_log_parse(text, &l), 0);
	CHECK_STR(l.version, "2023.01");
	CHECK_STR(l.result, "fail");
	CHECK_STR(l.error, "auto-login-action timed out after 2 seconds");
	CHECK_STR(l.qemu_command, "/usr/bin/qemu-system-x86_64 -nographic -append \"console=ttyS0\"");
	CHECK_STR(l.console, "\x1b[0mLinux version 6.1 \x07" "bell\ntcelab-init: job run exited 0\n");
	/* From the boot command to the console's last line: 49.321607 s. */
	CHECK_EQ((long)((l.boot_end - l.boot_start) * 1e6 + 0.5), 49321607);
	CHECK_EQ(cJSON_GetArraySize(l.images), 1);
	CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetArrayItem(l.images, 0),
							   "sha256")), "c371");
	lava_log_free(&l);
	free(text);
}

UNIT_TEST(lavalog_refuses_a_log_without_the_jobs_result)
{
	char *text = strdup(finished_log);
	struct lava_log l;

	/* Cut before the last line, the job's result: a job still running. */
	*strstr(text, "{\"dt\": \"2026-12-03T06:34:25.276634\"") = 0;
	CHECK_EQ(lava_log_parse(text, &l), -1);
	CHECK_STR(l.version, "2023.01");
	lava_log_free(&l);
	free(text);
}
