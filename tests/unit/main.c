// SPDX-License-Identifier: GPL-2.0
/* Host unit-test runner: runs every registered test (or those named on the command line). */
#include <stdio.h>
#include <string.h>

#include "unit.h"

static struct unit_test *tests, **tail = &tests;

/* Constructors run in link order; keep registration order stable for readable output. */
void unit_register(struct unit_test *t)
{
	*tail = t;
	tail = &t->next;
}

static int selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return 1;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct unit_test *t;
	int passed = 0, failed = 0;

	for (t = tests; t; t = t->next) {
		int failures = 0;

		if (!selected(t->name, argc, argv))
			continue;
		t->fn(&failures);
		printf("%s %s\n", failures ? "FAIL" : "ok  ", t->name);
		if (failures)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
