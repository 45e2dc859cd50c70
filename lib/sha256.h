/* SPDX-License-Identifier: GPL-2.0 */
/* SHA-256 (FIPS 180-4), host and guest: what names a trace in results, whatever its path. */
#ifndef TCELAB_LIB_SHA256_H
#define TCELAB_LIB_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* The digest as 64 hex digits and a NUL in @hex. */
void sha256_hex(struct sha256 *s, char hex[65]);
/* The file's digest in @hex; 0, or -1 with errno. */
int sha256_file(const char *path, char hex[65]);

#endif /* TCELAB_LIB_SHA256_H */
