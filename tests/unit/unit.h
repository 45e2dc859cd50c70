/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host unit tests: UNIT_TEST(name) { ... } registers a test; CHECK* record failures without
 * stopping the test. The runner (tests/unit/main.c) prints one line per test and ends with
 * "N passed, N failed".
 */
#ifndef TCELAB_UNIT_H
#define TCELAB_UNIT_H

#include <stdio.h>
#include <string.h>

struct unit_test {
	const char *name;
	void (*fn)(int *failures);
	struct unit_test *next;
};

void unit_register(struct unit_test *t);

#define UNIT_TEST(name)								\
	static void unit_##name(int *unit_failures);				\
	static struct unit_test unit_desc_##name = { #name, unit_##name, NULL };\
	__attribute__((constructor)) static void unit_reg_##name(void)		\
	{									\
		unit_register(&unit_desc_##name);				\
	}									\
	static void unit_##name(int *unit_failures)

#define CHECK(cond) do {							\
	if (!(cond)) {								\
		printf("#   %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);\
		(*unit_failures)++;						\
	}									\
} while (0)

#define CHECK_EQ(got, want) do {						\
	long long _g = (long long)(got), _w = (long long)(want);		\
	if (_g != _w) {								\
		printf("#   %s:%d: %s = %lld, expected %lld\n", __FILE__, __LINE__,\
		       #got, _g, _w);						\
		(*unit_failures)++;						\
	}									\
} while (0)

#define CHECK_STR(got, want) do {						\
	const char *_g = (got), *_w = (want);					\
	if (!_g || strcmp(_g, _w)) {						\
		printf("#   %s:%d: %s = \"%s\", expected \"%s\"\n", __FILE__,	\
		       __LINE__, #got, _g ? _g : "(null)", _w);			\
		(*unit_failures)++;						\
	}									\
} while (0)

#endif /* TCELAB_UNIT_H */
