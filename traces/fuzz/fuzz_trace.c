// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: any bytes must parse to records or to one file:line error, and errors must say so. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trace_parser parser;
	static struct trace_record rec;
	int ret;

	trace_parser_init_mem(&parser, "fuzz.tce", (const char *)data, size);
	while ((ret = trace_next(&parser, &rec)) > 0)
		if (rec.op == TRACE_INDIRECT && rec.npages > TRACE_MAX_LIST)
			abort();
	if (ret < 0 && strncmp(parser.error, "fuzz.tce:", 9))
		abort();
	return 0;
}
