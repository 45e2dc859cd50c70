// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab run --trace: the user's own traces, replayed instead of a built-in suite and never
 * copied into the repository. Everything is checked here, on the host, before any boot: a
 * trace that does not parse is an error naming its file and line, and nothing is left behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "traces.h"
#include "lib/trace.h"
#include "lib/util.h"

/* "dir/net-run.tce" -> "net-run": the scenario's name, which must be a plain file name. */
static int scenario_name(const char *file, char *name, size_t len, char *err, size_t errlen)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	size_t n = strcspn(base, ".");

	if (!n || n >= len || base[strspn(base, "abcdefghijklmnopqrstuvwxyz"
						 "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] != base[n]) {
		snprintf(err, errlen, "%s: the scenario is named after the file, so its name "
			 "(up to the first '.') must be letters, digits, '_' or '-'", file);
		return -1;
	}
	memcpy(name, base, n);
	name[n] = 0;
	return 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* A .tce trace, parsed whole, copied to @out. */
static int stage_tce(const char *file, FILE *out, char *err, size_t errlen)
{
	static struct trace_parser p;
	static struct trace_record r;
	int fd = open(file, O_RDONLY), ret;
	char buf[65536];
	ssize_t n;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	trace_parser_init_fd(&p, file, fd);
	while ((ret = trace_next(&p, &r)) == 1)
		;
	if (ret < 0) {
		snprintf(err, errlen, "%s", p.error);
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, n, out);
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	return 0;
}

static int stage_one(const struct user_traces *u, const char *file, const char *path,
		     char *err, size_t errlen)
{
	struct import_input in = { .name = file };
	FILE *out = fopen(path, "w");
	int ret;

	if (!out) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (ends_with(file, ".tce")) {
		ret = stage_tce(file, out, err, errlen);
	} else {
		progress("import %s (QEMU log) as a .tce trace", file);
		ret = import_qemu(&in, 1, &u->import, out, stderr, err, errlen);
	}
	if (fclose(out) && !ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		ret = -1;
	}
	return ret;
}

/* Nothing half-staged stays: the traces made so far, the suite file, the directory. */
static void remove_staged(const char *dir, char names[][64], unsigned int nr)
{
	unsigned int i;
	char *path;

	for (i = 0; i <= nr && i < USER_TRACES_MAX; i++) {
		path = xasprintf("%s/%s.tce", dir, names[i]);
		unlink(path);
		free(path);
	}
	path = xasprintf("%s/%s", dir, USER_TRACES_SUITE);
	unlink(path);
	free(path);
	rmdir(dir);
}

int user_traces_stage(const struct user_traces *u, const char *dir, char *err, size_t errlen)
{
	char names[USER_TRACES_MAX][64] = {};
	FILE *suite = NULL;
	unsigned int i = 0, j;
	char *path;

	if (mkdir_p(dir)) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	path = xasprintf("%s/%s", dir, USER_TRACES_SUITE);
	suite = fopen(path, "w");
	free(path);
	if (!suite) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto fail;
	}
	fprintf(suite, "# tcelab run --trace: the user's traces, one scenario each\n");
	for (i = 0; i < u->nr; i++) {
		if (scenario_name(u->files[i], names[i], sizeof(names[i]), err, errlen))
			goto fail;
		for (j = 0; j < i; j++)
			if (!strcmp(names[i], names[j])) {
				snprintf(err, errlen, "%s and %s would both be scenario '%s': rename one",
					 u->files[j], u->files[i], names[i]);
				goto fail;
			}
		path = xasprintf("%s/%s.tce", dir, names[i]);
		if (stage_one(u, u->files[i], path, err, errlen)) {
			free(path);
			goto fail;
		}
		free(path);
		fprintf(suite, "%s trace	# %s\n", names[i], u->files[i]);
	}
	if (fclose(suite) == 0)
		return 0;
	suite = NULL;
	snprintf(err, errlen, "%s: %s", dir, strerror(errno));
fail:
	if (suite)
		fclose(suite);
	remove_staged(dir, names, i);
	return -1;
}
