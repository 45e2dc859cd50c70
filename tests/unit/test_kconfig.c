// SPDX-License-Identifier: GPL-2.0
/* The kernel-config preflight and fragment (vm/kconfig.c). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tcelab/timing.h>

#include "unit.h"
#include "vm/vm.h"
#include "lib/util.h"

/* The configuration @target needs (its own fragment), with @drop removed and @add appended. */
static char *config_file(const char *target, int timing, const char *drop, const char *add)
{
	char *path = xasprintf("/tmp/tcelab-unit-%d-config", getpid()), *text = NULL, *p;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	kconfig_fragment(f, target, timing);
	fclose(f);
	if (drop && (p = strstr(text, drop)))
		memmove(p, p + strlen(drop), strlen(p + strlen(drop)) + 1);
	f = fopen(path, "w");
	fprintf(f, "%s%s", text, add ?: "");
	fclose(f);
	free(text);
	return path;
}

/* A kernel built from the fragment has everything; one without 9p over virtio is refused. */
UNIT_TEST(kconfig_refuses_a_kernel_without_an_option)
{
	char *notes, *missing;

	missing = kconfig_missing(config_file("powernv9", TCELAB_TIMING_INSNS, NULL, NULL),
				  "powernv9", TCELAB_TIMING_INSNS, &notes);
	CHECK(!missing);
	CHECK(!notes);
	missing = kconfig_missing(config_file("powernv9", TCELAB_TIMING_INSNS,
					      "CONFIG_NET_9P_VIRTIO=m\n", NULL),
				  "powernv9", TCELAB_TIMING_INSNS, &notes);
	CHECK(missing && strstr(missing, "CONFIG_NET_9P_VIRTIO=m (not set): results travel"));
	CHECK(missing && !strchr(strchr(missing, '\n') + 1, '\n'));	/* that one line only */
	free(missing);
}

/* =m does not stand in for =y; the PMU counter only matters to --timing insns. */
UNIT_TEST(kconfig_module_and_timing_rules)
{
	char *notes, *missing;
	char *path = config_file("powernv9", TCELAB_TIMING_INSNS, "CONFIG_DEBUG_FS=y\n",
				 "CONFIG_DEBUG_FS=m\n");

	missing = kconfig_missing(path, "powernv9", TCELAB_TIMING_INSNS, &notes);
	CHECK(missing && strstr(missing, "CONFIG_DEBUG_FS=y (it is m)"));
	free(missing);
	path = config_file("powernv9", TCELAB_TIMING_INSNS, "CONFIG_PPC_PERF_CTRS=y\n", NULL);
	missing = kconfig_missing(path, "powernv9", TCELAB_TIMING_INSNS, &notes);
	CHECK(missing && strstr(missing, "CONFIG_PPC_PERF_CTRS"));
	free(missing);
	CHECK(!kconfig_missing(path, "powernv9", TCELAB_TIMING_HOST, &notes));
}

/* Without BTF x86_64 still runs, on kprobes: a note, not a refusal. */
UNIT_TEST(kconfig_btf_is_a_note)
{
	char *notes, *missing;
	char *path = config_file("x86_64", TCELAB_TIMING_ICOUNT, "CONFIG_DEBUG_INFO_BTF=y\n", NULL);

	missing = kconfig_missing(path, "x86_64", TCELAB_TIMING_ICOUNT, &notes);
	CHECK(!missing);
	CHECK(notes && strstr(notes, "CONFIG_DEBUG_INFO_BTF=y (not set)") &&
	      strstr(notes, "without it the probes attach with kprobes"));
	unlink(path);
}
