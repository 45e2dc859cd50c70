// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: /sys/kernel/debug/tcelab/{pins,unpins,pinned} counters, and the test-only
 * `warn` switch that makes the module WARN so the harness can prove a WARN fails a run.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>

#include "tcelab.h"

static struct dentry *tcelab_dir;

static int counter_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(counter_fops, counter_get, NULL, "%llu\n");

static int warn_set(void *data, u64 val)
{
	WARN(val, "tcelab: WARN requested through debugfs (test switch)\n");
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(warn_fops, NULL, warn_set, "%llu\n");

int tcelab_debugfs_init(void)
{
	tcelab_dir = debugfs_create_dir("tcelab", NULL);
	debugfs_create_file_unsafe("pins", 0444, tcelab_dir, &tcelab_stats.pins, &counter_fops);
	debugfs_create_file_unsafe("unpins", 0444, tcelab_dir, &tcelab_stats.unpins,
				   &counter_fops);
	debugfs_create_file_unsafe("pinned", 0444, tcelab_dir, &tcelab_stats.pinned,
				   &counter_fops);
	debugfs_create_file_unsafe("warn", 0200, tcelab_dir, NULL, &warn_fops);
	return 0;
}

void tcelab_debugfs_exit(void)
{
	debugfs_remove_recursive(tcelab_dir);
}
