/* SPDX-License-Identifier: GPL-2.0 */
/*
 * LAVA's job log (vm/lavalog.c): a line per entry, {"dt", "lvl", "msg"}, as lava-run prints
 * it, or "- {...}" as a server's raw log keeps it (lavacli jobs logs --raw).
 */
#ifndef TCELAB_LAVALOG_H
#define TCELAB_LAVALOG_H

#include <stddef.h>
#include <cjson/cJSON.h>

struct lava_log {
	char *console;		/* the "target" and "feedback" lines: the guest console */
	size_t console_len;
	const char *qemu_command, *version, *result, *error;
	double boot_start, boot_end;
	cJSON *images;		/* [{label, sha256}] of what LAVA downloaded and booted */
	cJSON *lines;		/* the parsed lines: own the strings above */
};

/*
 * Parse log @text (modified) into @l: 0, or -1 when it holds no result of the whole job (a
 * job still running, or a log cut short). lava_log_free() frees what @l holds.
 */
int lava_log_parse(char *text, struct lava_log *l);
void lava_log_free(struct lava_log *l);

#endif /* TCELAB_LAVALOG_H */
