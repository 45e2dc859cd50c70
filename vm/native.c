// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "native.h"
#include "lib/util.h"

const char *native_arch(void)
{
	static struct utsname u;

	uname(&u);
	return u.machine;
}

const char *native_unsupported_reason(void)
{
	const char *arch = native_arch();
	char *disabled, *build;
	struct utsname u;

	if (strcmp(arch, "ppc64le") && strcmp(arch, "x86_64"))
		return xasprintf("tcelab builds for ppc64le and x86_64, not %s", arch);
	if (!path_exists("/proc/modules"))
		return "its kernel has no loadable-module support (/proc/modules is missing)";
	disabled = read_file("/proc/sys/kernel/modules_disabled", NULL);
	if (disabled && atoi(disabled) == 1)
		return "module loading is disabled (kernel.modules_disabled = 1)";
	if (geteuid())
		return "loading a module needs root";
	uname(&u);
	build = xasprintf("/lib/modules/%s/build", u.release);
	if (!path_exists(build))
		return xasprintf("there is no build tree for its kernel (%s): install linux-headers-%s",
				 build, u.release);
	return NULL;
}
