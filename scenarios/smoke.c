// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-smoke: the minimal guest scenario. Pins N user pages through /dev/tcelab, checks the
 * module's pinned-page counter, unpins them and writes what it did as JSON.
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
#include <uapi/tcelab.h>

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab-smoke [--pages N] [--expect-pinned N] [--keep-open SEC] [--json FILE]\n"
		"Pins N pages through " TCELAB_DEVICE ", checks the module's pinned counter equals\n"
		"the expected count (default N), unpins them and writes a results JSON.\n"
		"--keep-open SEC  sleep SEC seconds with the pages still pinned before unpinning\n");
}

static long read_counter(const char *name)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TCELAB_DEBUGFS "/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtol(buf, NULL, 10);
}

static int pin_ioctl(int fd, unsigned long cmd, void *addr)
{
	struct tcelab_pin_page arg = {
		.argsz = sizeof(arg),
		.vaddr = (unsigned long)addr,
	};

	return ioctl(fd, cmd, &arg);
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
	FILE *out;
	int fd, c, ok;

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
	pinned_before = read_counter("pinned");
	for (i = 0; i < pages; i++) {
		buf[i * page_size] = (char)i;
		if (pin_ioctl(fd, TCELAB_PIN_PAGE, buf + i * page_size)) {
			fprintf(stderr, "tcelab-smoke: TCELAB_PIN_PAGE: %s\n", strerror(errno));
			break;
		}
		pinned++;
	}
	pinned_during = read_counter("pinned") - pinned_before;
	if (keep_open)
		sleep(keep_open);
	for (i = 0; i < pinned; i++) {
		if (pin_ioctl(fd, TCELAB_UNPIN_PAGE, buf + i * page_size))
			fprintf(stderr, "tcelab-smoke: TCELAB_UNPIN_PAGE: %s\n", strerror(errno));
		else
			unpinned++;
	}
	pinned_after = read_counter("pinned") - pinned_before;
	close(fd);

	ok = pinned == pages && pinned_during == expect && unpinned == pinned && pinned_after == 0;
	printf("tcelab-smoke: pinned %ld of %ld pages, module counted %ld (expected %ld), %ld left after unpin: %s\n",
	       pinned, pages, pinned_during, expect, pinned_after, ok ? "ok" : "FAILED");
	if (json) {
		out = fopen(json, "w");
		if (!out) {
			fprintf(stderr, "tcelab-smoke: %s: %s\n", json, strerror(errno));
			return 1;
		}
		fprintf(out,
			"{\"scenario\":\"smoke\",\"pages\":%ld,\"pins\":%ld,\"unpins\":%ld,"
			"\"module_pinned_during\":%ld,\"expected_pinned\":%ld,"
			"\"module_pinned_after\":%ld,\"ok\":%s}\n",
			pages, pinned, unpinned, pinned_during, expect, pinned_after,
			ok ? "true" : "false");
		fclose(out);
	}
	return ok ? 0 : 1;
}
