// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-replay's logic apart from the replay itself: return code names, guest RAM backing and
 * its mapping, list aliasing, the probes' verdict, suite lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "replay_logic.h"
#include "lib/trace.h"

int replay_parse_ret(const char *s, int64_t *code)
{
	int64_t v;
	char *end;

	if (!*s)
		return -1;
	for (v = -100; v <= 10000; v++) {
		const char *n = trace_ret_name(v);

		if (n && !strcmp(n, s)) {
			*code = v;
			return 0;
		}
	}
	v = strtoll(s, &end, 10);
	if (*end)
		return -1;
	*code = v;
	return 0;
}

void replay_ret_str(char *buf, size_t len, int64_t code)
{
	const char *name = trace_ret_name(code);

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "%" PRId64, code);
}

uint64_t replay_backing_size(uint64_t ram, uint64_t requested, uint64_t align,
			     long page_size, unsigned int max_slots)
{
	uint64_t pmask = (uint64_t)page_size - 1, amask, backing;

	if (align < (uint64_t)page_size)
		align = page_size;
	amask = align - 1;
	ram = (ram + pmask) & ~pmask;
	backing = (ram + max_slots - 1) / max_slots;
	if (requested > backing)
		backing = requested;
	backing = (backing + amask) & ~amask;
	return backing > ram ? ram : backing;
}

static int overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

/* The aligned part of a larger reservation, the rest unmapped, as qemu_ram_mmap() does. */
uint8_t *replay_map_aligned(uint64_t size, uint64_t align)
{
	uint8_t *res, *base;
	uint64_t head;

	res = mmap(NULL, size + align, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (res == MAP_FAILED)
		return MAP_FAILED;
	head = -(uintptr_t)res & (align - 1);
	base = mmap(res + head, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (base == MAP_FAILED) {
		munmap(res, size + align);
		return MAP_FAILED;
	}
	if (head)
		munmap(res, head);
	munmap(base + size, align - head);
	return base;
}

int replay_alias_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen, uint64_t backing)
{
	a %= backing;
	b %= backing;
	return overlap(a, alen, b, blen) || overlap(a + backing, alen, b, blen) ||
	       overlap(a, alen, b + backing, blen);
}

bool replay_probe_balanced(const struct probe_totals *t)
{
	return t->pin_pages >= 0 && t->pin_pages == t->unpin_pages && t->leaked_pages == 0 &&
	       t->not_dirtied <= 0;
}

int replay_suite_line(char *line, char **name, char **opts)
{
	static const char space[] = " \t\r\n";
	char *bar;

	line[strcspn(line, "#")] = 0;
	bar = strchr(line, '|');
	if (bar)
		*bar = 0;
	*opts = bar ? bar + 1 : line + strlen(line);
	line += strspn(line, space);
	if (!*line)
		return 0;
	line[strcspn(line, space)] = 0;
	*name = line;
	return 1;
}
