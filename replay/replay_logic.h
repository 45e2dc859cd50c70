/* SPDX-License-Identifier: GPL-2.0 */
/* tcelab-replay's logic apart from the replay (replay/replay_logic.c), unit-tested on the host. */
#ifndef TCELAB_REPLAY_LOGIC_H
#define TCELAB_REPLAY_LOGIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/probe_doc.h"

/* "H_PARAMETER", "-4" or "9999" to a return code: 0, or -1 when it is neither. */
int replay_parse_ret(const char *s, int64_t *code);
/* A return code's name ("H_PARAMETER"), or its number when it has none. */
void replay_ret_str(char *buf, size_t len, int64_t code);

/*
 * User memory behind @ram bytes of guest RAM when at most @max_slots memory slots may share
 * it: @requested (0: as little as possible), at least @ram / @max_slots, rounded up to a
 * multiple of @align (a power of two, at least the page size: the largest TCE page, which must
 * not straddle two slots), at most @ram rounded up to a page.
 */
uint64_t replay_backing_size(uint64_t ram, uint64_t requested, uint64_t align,
			     long page_size, unsigned int max_slots);

/*
 * @size bytes of anonymous memory, readable and writable, at an address aligned to @align (a
 * power of two, at least the page size), as QEMU maps guest RAM; MAP_FAILED and errno when not.
 */
uint8_t *replay_map_aligned(uint64_t size, uint64_t align);

/* Do guest physical [a, a + alen) and [b, b + blen) share memory when RAM aliases every
 * @backing bytes? Lengths must be below @backing. */
int replay_alias_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen, uint64_t backing);

/* The probes' verdict on a replay: as many pages unpinned as pinned, none left in the ledger. */
bool replay_probe_balanced(const struct probe_totals *t);

/*
 * A line of a suite file (traces/suites/README.md): `NAME SOURCE... | OPTIONS`, `#` to the end
 * of the line a comment. Cuts @line in place: 1 with @name and @opts (the replay options, ""
 * when none) pointing into it, or 0 for a line without a scenario.
 */
int replay_suite_line(char *line, char **name, char **opts);

#endif /* TCELAB_REPLAY_LOGIC_H */
