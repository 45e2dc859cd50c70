/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-256 (FIPS 180-4), for content hashes: the patches a run applies, cache keys. */
#ifndef TCELAB_SHA256_H
#define TCELAB_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;		/* bytes hashed so far */
	uint8_t buf[64];
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest as 64 lowercase hex digits and a NUL, in @hex. */
void sha256_final_hex(struct sha256 *s, char hex[65]);

#endif /* TCELAB_SHA256_H */
