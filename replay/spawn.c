// SPDX-License-Identifier: GPL-2.0
/* tcelab-replay's child processes (replay/spawn.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn.h"

const char *replay_self(void)
{
	static char self[PATH_MAX];
	ssize_t len;

	if (self[0])
		return self;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return NULL;
	self[len] = 0;
	return self;
}

int replay_spawn(char *const *argv, bool null_stdin)
{
	int status, fd;
	pid_t pid;

	fflush(NULL);		/* or the child repeats what is buffered */
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (null_stdin && (fd = open("/dev/null", O_RDONLY)) >= 0)
			dup2(fd, STDIN_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "tcelab-replay: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
