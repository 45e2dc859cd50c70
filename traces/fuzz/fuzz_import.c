// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the QEMU importer on any log must write a trace that parses, or fail with a
 * message, never crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "traces/import_qemu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trace_parser parser;
	static struct trace_record rec;
	struct import_input in = { "fuzz.log", (const char *)data, size };
	struct import_opts o = { 0 };
	char *text = NULL, err[1024];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int ret;

	if (!out)
		return 0;
	ret = import_qemu(&in, 1, &o, out, NULL, err, sizeof(err));
	fclose(out);
	if (!ret) {
		trace_parser_init_mem(&parser, "imported.tce", text, len);
		while ((ret = trace_next(&parser, &rec)) > 0)
			;
		/* What the importer writes, the parser reads. */
		if (ret < 0) {
			fprintf(stderr, "%s\n", parser.error);
			abort();
		}
	} else if (!err[0]) {
		abort();
	}
	free(text);
	return 0;
}
