// SPDX-License-Identifier: GPL-2.0
/* Running this program's subcommands as children (subprocess.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <tcelab/schema.h>

#include "subprocess.h"
#include "lib/json.h"
#include "lib/util.h"

int spawn_self(char **argv, const char *log)
{
	char *dir;

	/*
	 * The running binary itself, even if a rebuild replaced its file meanwhile: one
	 * measurement, one build. It finds the tree through TCELAB_TOP, not its own path.
	 */
	setenv("TCELAB_TOP", tcelab_top(), 1);
	dir = strdup(log);
	*strrchr(dir, '/') = 0;
	if (*dir && mkdir_p(dir))
		die("cannot create %s: %s", dir, strerror(errno));
	free(dir);
	argv[0] = "tcelab";
	return spawn_logged("/proc/self/exe", argv, log, NULL);
}

char *run_list_add(char *list, const char *dir)
{
	char *l = list && *list ? xasprintf("%s,%s", list, dir) : strdup(dir);

	free(list);
	return l;
}

cJSON *spawn_compare(const char *base, const char *cur, const char *threshold, const char *html,
		     bool vary_kernel, const char *json, const char *log, int *status, char *err,
		     size_t errlen)
{
	char *argv[12] = { "tcelab", "compare", "--json", (char *)json };
	int n = 4;

	if (vary_kernel)
		argv[n++] = "--vary-kernel";
	if (threshold) {
		argv[n++] = "--threshold";
		argv[n++] = (char *)threshold;
	}
	if (html) {
		argv[n++] = "--html";
		argv[n++] = (char *)html;
	}
	argv[n++] = (char *)base;
	argv[n++] = (char *)cur;
	*status = spawn_self(argv, log);
	return json_load(json, SCHEMA_COMPARE, err, errlen);
}
