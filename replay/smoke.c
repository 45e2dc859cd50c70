// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-smoke: the minimal guest scenario. A v1 container (SET_IOMMU, ATTACH_GROUP 0, ENABLE)
 * maps N user pages with one 4K TCE each (each map pins one page), checks the module's
 * pinned-page counter, unmaps them, tears down and writes what it did as JSON (SCHEMA_SMOKE).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <tcelab/guest.h>
#include <tcelab/schema.h>
#include <uapi/tcelab.h>

#include "lib/json.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab-smoke [--pages N] [--expect-pinned N] [--keep-open SEC] [--json FILE]\n"
		"Maps N pages (one TCE each) in a v1 container on " TCELAB_DEVICE ", checks the\n"
		"module's pinned counter equals the expected count (default N), unmaps them and\n"
		"writes a results JSON.\n"
		"--keep-open SEC  sleep SEC seconds with the pages still pinned before unpinning\n");
}

#define SMOKE_IOMMU_PAGE	4096UL

/* A v1 container on group 0, enabled. */
static int container_setup(int fd)
{
	struct tcelab_group group = { .argsz = sizeof(group), .group = 0 };

	if (ioctl(fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU)) {
		perror("tcelab-smoke: TCELAB_SET_IOMMU");
		return -1;
	}
	if (ioctl(fd, TCELAB_ATTACH_GROUP, &group)) {
		perror("tcelab-smoke: TCELAB_ATTACH_GROUP");
		return -1;
	}
	if (ioctl(fd, TCELAB_ENABLE)) {
		perror("tcelab-smoke: TCELAB_ENABLE");
		return -1;
	}
	return 0;
}

/* Page i of the buffer goes to bus address i * 4K, as one TCE. */
static int map_page(int fd, char *addr, long i)
{
	struct tcelab_dma_map map = {
		.argsz = sizeof(map),
		.flags = TCELAB_DMA_MAP_FLAG_READ | TCELAB_DMA_MAP_FLAG_WRITE,
		.vaddr = (unsigned long)addr,
		.iova = i * SMOKE_IOMMU_PAGE,
		.size = SMOKE_IOMMU_PAGE,
	};

	return ioctl(fd, TCELAB_MAP_DMA, &map);
}

static int unmap_page(int fd, long i)
{
	struct tcelab_dma_unmap unmap = {
		.argsz = sizeof(unmap),
		.iova = i * SMOKE_IOMMU_PAGE,
		.size = SMOKE_IOMMU_PAGE,
	};

	return ioctl(fd, TCELAB_UNMAP_DMA, &unmap);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pages", required_argument, NULL, 'n' },
		{ "expect-pinned", required_argument, NULL, 'e' },
		{ "keep-open", required_argument, NULL, 'k' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	long pages = 8, expect = -1, keep_open = 0, pinned_before, pinned_during, pinned_after;
	long page_size = sysconf(_SC_PAGESIZE), pinned = 0, unpinned = 0, i;
	const char *json = NULL;
	char *buf;
	int fd, c, ok, setup_ok;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': pages = strtol(optarg, NULL, 0); break;
		case 'e': expect = strtol(optarg, NULL, 0); break;
		case 'k': keep_open = strtol(optarg, NULL, 0); break;
		case 'j': json = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (pages < 1 || pages > 65536) {
		fprintf(stderr, "tcelab-smoke: --pages must be 1..65536\n");
		return 2;
	}
	if (expect < 0)
		expect = pages;

	fd = open(TCELAB_DEVICE, O_RDWR);
	if (fd < 0) {
		fprintf(stderr, "tcelab-smoke: open %s: %s (is tcelab.ko loaded?)\n",
			TCELAB_DEVICE, strerror(errno));
		return 1;
	}
	buf = mmap(NULL, pages * page_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED) {
		perror("tcelab-smoke: mmap");
		return 1;
	}
	pinned_before = tcelab_debugfs_read("pinned");
	setup_ok = container_setup(fd) == 0;
	for (i = 0; setup_ok && i < pages; i++) {
		buf[i * page_size] = (char)i;
		if (map_page(fd, buf + i * page_size, i)) {
			fprintf(stderr, "tcelab-smoke: TCELAB_MAP_DMA: %s\n", strerror(errno));
			break;
		}
		pinned++;
	}
	pinned_during = tcelab_debugfs_read("pinned") - pinned_before;
	if (keep_open)
		sleep(keep_open);
	for (i = 0; i < pinned; i++) {
		if (unmap_page(fd, i))
			fprintf(stderr, "tcelab-smoke: TCELAB_UNMAP_DMA: %s\n", strerror(errno));
		else
			unpinned++;
	}
	close(fd);
	pinned_after = tcelab_debugfs_read("pinned") - pinned_before;

	ok = pinned == pages && pinned_during == expect && unpinned == pinned && pinned_after == 0;
	printf("tcelab-smoke: pinned %ld of %ld pages, module counted %ld (expected %ld), %ld left after unpin: %s\n",
	       pinned, pages, pinned_during, expect, pinned_after, ok ? "ok" : "FAILED");
	if (json) {
		struct json_writer *w = jw_open(json);

		if (w) {
			jw_obj_begin(w, NULL);
			jw_str(w, "schema", SCHEMA_SMOKE);
			jw_str(w, "scenario", "smoke");
			jw_s64(w, "pages", pages);
			jw_s64(w, "pins", pinned);
			jw_s64(w, "unpins", unpinned);
			jw_s64(w, "module_pinned_during", pinned_during);
			jw_s64(w, "expected_pinned", expect);
			jw_s64(w, "module_pinned_after", pinned_after);
			jw_bool(w, "ok", ok);
			jw_obj_end(w);
		}
		if (!w || jw_close(w)) {
			fprintf(stderr, "tcelab-smoke: %s: %s\n", json, strerror(errno));
			return 1;
		}
	}
	return ok ? 0 : 1;
}
