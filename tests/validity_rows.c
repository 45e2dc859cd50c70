// SPDX-License-Identifier: GPL-2.0
/* The validity tables' shared parts (tests/validity_rows.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/util.h"
#include "validity_rows.h"

#define MAX_KINDS	64

static int kind_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join_sorted(char **kinds, int n)
{
	char *out = strdup(""), *s;
	int i;

	qsort(kinds, n, sizeof(*kinds), kind_cmp);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(kinds[i], kinds[i - 1]))
			continue;
		s = xasprintf("%s%s%s", out, *out ? "," : "", kinds[i]);
		free(out);
		out = s;
	}
	return out;
}

char *validity_sorted_kinds(const char *list)
{
	char *copy = strdup(strcmp(list, "-") ? list : ""), *kinds[MAX_KINDS], *save = NULL, *k;
	int n = 0;

	for (k = strtok_r(copy, ",", &save); k && n < MAX_KINDS; k = strtok_r(NULL, ",", &save))
		kinds[n++] = k;
	k = join_sorted(kinds, n);
	free(copy);
	return k;
}

int validity_run_logged(char **argv, const char *log)
{
	int status, fd;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

char *validity_reported_kinds(const cJSON *results)
{
	char *kinds[MAX_KINDS];
	const cJSON *f;
	int n = 0;

	cJSON_ArrayForEach(f, cJSON_GetObjectItem(results, "failures"))
		if (n < MAX_KINDS && cJSON_GetStringValue(cJSON_GetObjectItem(f, "kind")))
			kinds[n++] = cJSON_GetStringValue(cJSON_GetObjectItem(f, "kind"));
	return join_sorted(kinds, n);
}

void validity_jw_kinds(struct json_writer *w, const char *key, const char *list)
{
	char *copy = strdup(list), *save = NULL, *k;

	jw_arr_begin(w, key);
	for (k = strtok_r(copy, ",", &save); k; k = strtok_r(NULL, ",", &save))
		jw_str(w, NULL, k);
	jw_arr_end(w);
	free(copy);
}
