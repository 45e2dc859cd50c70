// SPDX-License-Identifier: GPL-2.0
#include "lib/sha256.h"
#include "unit.h"

static void digest(const char *data, size_t len, size_t chunk, char hex[65])
{
	struct sha256 s;
	size_t off;

	sha256_init(&s);
	for (off = 0; off < len; off += chunk)
		sha256_update(&s, data + off, len - off < chunk ? len - off : chunk);
	sha256_final_hex(&s, hex);
}

/* FIPS 180-4's examples, fed whole and in pieces that straddle the 64-byte blocks. */
UNIT_TEST(sha256_known_digests)
{
	static char million[1000000];
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[65];

	digest("", 0, 1, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	digest("abc", 3, 3, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	digest(two, strlen(two), 7, hex);
	CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	memset(million, 'a', sizeof(million));
	digest(million, sizeof(million), 4096, hex);
	CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
