// SPDX-License-Identifier: GPL-2.0
/* Running this program's subcommands as children (spawn.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"
#include "lib/util.h"

int spawn_self(char **argv, const char *log)
{
	char *exe = realpath("/proc/self/exe", NULL), *dir;
	int status, fd;
	pid_t pid;

	if (!exe)
		die_status(2, "cannot find this program (/proc/self/exe): %s", strerror(errno));
	dir = strdup(log);
	*strrchr(dir, '/') = 0;
	if (*dir && mkdir_p(dir))
		die_status(2, "cannot create %s: %s", dir, strerror(errno));
	free(dir);
	pid = fork();
	if (pid < 0)
		die_status(2, "fork: %s", strerror(errno));
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		argv[0] = exe;
		execv(exe, argv);
		_exit(127);
	}
	free(exe);
	if (waitpid(pid, &status, 0) < 0)
		die_status(2, "waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
