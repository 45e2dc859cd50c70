// SPDX-License-Identifier: GPL-2.0
/* Running this program's subcommands as children (subprocess.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "subprocess.h"
#include "lib/util.h"

int spawn_self(char **argv, const char *log)
{
	char *dir;
	int status, fd;
	pid_t pid;

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
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0)
			_exit(126);
		dup2(fd, 1);
		dup2(fd, 2);
		argv[0] = "tcelab";
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
