// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "util.h"

static void __attribute__((noreturn)) vdie(enum tcelab_exit status, const char *fmt, va_list ap)
{
	fprintf(stderr, "tcelab: error: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	exit(status);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(TCELAB_EXIT_ERROR, fmt, ap);
}

void die_status(enum tcelab_exit status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdie(status, fmt, ap);
}

void usage_exit(void (*usage)(FILE *f), int c)
{
	usage(c == 'h' ? stdout : stderr);
	exit(c == 'h' ? TCELAB_EXIT_PASS : TCELAB_EXIT_ERROR);
}

void no_operands(int argc, char **argv, const char *command)
{
	if (optind < argc)
		die("unexpected argument '%s' (see 'tcelab %s --help')", argv[optind], command);
}

void progress(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "==> ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
}

char *xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	return s;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 4096, n = 0, got;
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (cap - n - 1 == 0)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (!buf)
		die("out of memory");
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

int write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(data, f) < 0 ? -1 : 0;
	if (fclose(f))
		ret = -1;
	return ret;
}

int replace_file(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ret = -1, err;

	if (f) {
		ret = fwrite(data, 1, len, f) == len ? 0 : -1;
		ret |= fclose(f) ? -1 : 0;
		if (!ret)
			ret = rename(tmp, path) ? -1 : 0;
	}
	if (ret) {
		err = errno;
		unlink(tmp);
		errno = err;
	}
	free(tmp);
	return ret;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;	/* nftw()'s callback type */
	return remove(path);
}

void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int mkdir_p(const char *path)
{
	char buf[PATH_MAX], *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return errno = ENAMETOOLONG, -1;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -1;
	return 0;
}

int path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

int dir_is_empty(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int empty = 1;

	if (!d)
		return errno == ENOENT;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int spawn_logged(const char *path, char *const *argv, const char *log, double *cpu)
{
	pid_t pid = fork();
	struct rusage ru;
	int status, fd;

	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(path, argv);
		fprintf(stderr, "exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) < 0)
		die("wait4: %s", strerror(errno));
	if (cpu)
		*cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
		       ru.ru_stime.tv_usec / 1e6;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

const char *tcelab_top(void)
{
	static char top[PATH_MAX];
	const char *env = getenv("TCELAB_TOP");
	char exe[PATH_MAX];
	ssize_t n;

	if (top[0])
		return top;
	if (env && *env) {
		snprintf(top, sizeof(top), "%s", env);
		return top;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		die("cannot find this program's path (/proc/self/exe): %s", strerror(errno));
	exe[n] = 0;
	/* build/host/tcelab -> the checkout */
	snprintf(top, sizeof(top), "%s", dirname(dirname(dirname(exe))));
	return top;
}

cJSON *read_json(const char *path)
{
	char err[256];

	return json_load(path, NULL, err, sizeof(err));
}

cJSON *read_env_file(const char *path)
{
	char *text = read_file(path, NULL), *line, *save, *eq;
	cJSON *obj = cJSON_CreateObject();

	if (!text)
		return obj;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		eq = strchr(line, '=');
		if (!eq || line[0] == '#')
			continue;
		*eq = 0;
		cJSON_AddStringToObject(obj, line, eq + 1);
	}
	free(text);
	return obj;
}

const char *tail_lines(const char *text, int lines)
{
	const char *p = text + strlen(text);

	if (p > text && p[-1] == '\n')
		p--;
	while (p > text) {
		if (p[-1] == '\n' && --lines == 0)
			break;
		p--;
	}
	return p;
}
