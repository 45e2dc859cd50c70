// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>

#include "vm/modfiles.h"
#include "lib/util.h"
#include "unit.h"

UNIT_TEST(diff_touched_files_git_and_plain)
{
	const char *diff =
		"vfio: leak a page\n\n"
		"diff --git a/drivers/vfio/vfio_iommu_spapr_tce.c b/drivers/vfio/vfio_iommu_spapr_tce.c\n"
		"--- a/drivers/vfio/vfio_iommu_spapr_tce.c\n"
		"+++ b/drivers/vfio/vfio_iommu_spapr_tce.c\n"
		"@@ -1 +1 @@\n-x\n+y\n"
		"--- linux-6.1.orig/drivers/vfio/vfio.h\t2024-01-01 00:00:00\n"
		"+++ linux-6.1/drivers/vfio/vfio.h\t2024-01-01 00:00:00\n"
		"@@ -1 +1 @@\n-x\n+y\n"
		"--- a/drivers/vfio/gone.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n"
		"--- /dev/null\n+++ b/drivers/vfio/new.c\n@@ -0,0 +1 @@\n+x\n"
		"--- a/drivers/vfio/vfio_iommu_spapr_tce.c\n"
		"+++ b/drivers/vfio/vfio_iommu_spapr_tce.c\n";
	char *files[8];
	int n = diff_touched_files(diff, files, 8);

	CHECK_EQ(n, 4);
	CHECK_STR(files[0], "drivers/vfio/vfio_iommu_spapr_tce.c");
	CHECK_STR(files[1], "drivers/vfio/vfio.h");
	CHECK_STR(files[2], "drivers/vfio/gone.c");
	CHECK_STR(files[3], "drivers/vfio/new.c");
	CHECK_EQ(diff_touched_files("no diff here\n--- not\n", files, 8), 0);
	CHECK_EQ(diff_touched_files(diff, files, 2), -1);
}

/* An archive written here is read back, after another one, as the kernel reads initramfs. */
UNIT_TEST(cpio_members_across_appended_archives)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cpio_add(f, 1, "./init", "#!/bin/sh\n", 10);
	cpio_add(f, 2, "lib/modules/vfio.ko", "ELF", 3);
	cpio_end(f);
	fwrite("\0\0\0\0\0\0\0\0", 1, 8, f);	/* the padding cpio(1) leaves */
	cpio_add(f, 3, "etc/tcelab/patched", "vfio 00\n", 8);
	cpio_end(f);
	fclose(f);
	CHECK_EQ(len % 4, 0);
	CHECK_EQ(cpio_has(buf, len, "init"), 1);
	CHECK_EQ(cpio_has(buf, len, "lib/modules/vfio.ko"), 1);
	CHECK_EQ(cpio_has(buf, len, "etc/tcelab/patched"), 1);
	CHECK_EQ(cpio_has(buf, len, "lib/modules/kvm.ko"), 0);
	CHECK_EQ(cpio_has("not an archive", 14, "init"), -1);
	free(buf);
}

/* A module as kbuild makes it (tcelab.ko, from make build): its .modinfo and build id. */
UNIT_TEST(ko_modinfo_and_build_id)
{
	char *path = xasprintf("%s/build/x86_64/kmod/tcelab.ko", tcelab_top()), *ko, *v;
	size_t len;

	ko = read_file(path, &len);
	CHECK(ko != NULL);
	if (!ko)
		return;
	v = ko_modinfo(ko, len, "vermagic");
	CHECK(v && strstr(v, "SMP"));
	free(v);
	v = ko_modinfo(ko, len, "name");
	CHECK_STR(v, "tcelab");
	free(v);
	CHECK(ko_modinfo(ko, len, "no_such_key") == NULL);
	v = ko_build_id(ko, len);
	CHECK(v && strlen(v) == 2 * 20);	/* ld's default, sha1 */
	free(v);
	CHECK(ko_modinfo("short", 5, "name") == NULL);
	free(ko);
	free(path);
}
