// SPDX-License-Identifier: GPL-2.0
/* SHA-256 (lib/sha256.c) against FIPS 180-4's examples, and a file against coreutils. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "lib/sha256.h"

static const char *digest(const char *msg, size_t repeat)
{
	static char hex[65];
	struct sha256 s;

	sha256_init(&s);
	while (repeat--)
		sha256_update(&s, msg, strlen(msg));
	sha256_hex(&s, hex);
	return hex;
}

UNIT_TEST(sha256_fips_examples)
{
	CHECK_STR(digest("abc", 1),
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	CHECK_STR(digest("", 1),
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK_STR(digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1),
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	CHECK_STR(digest("a", 1000000),
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

UNIT_TEST(sha256_file_matches_sha256sum)
{
	const char *path = "traces/testdata/qemu-e1000.tce";
	char hex[65], cmd[128], want[65] = "";
	FILE *p;

	CHECK_EQ(sha256_file(path, hex), 0);
	snprintf(cmd, sizeof(cmd), "sha256sum %s", path);
	p = popen(cmd, "r");
	CHECK(p && fscanf(p, "%64s", want) == 1);
	if (p)
		pclose(p);
	CHECK_STR(hex, want);
	CHECK_EQ(sha256_file("traces/testdata/no-such.tce", hex), -1);
}
