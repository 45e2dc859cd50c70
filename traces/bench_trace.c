// SPDX-License-Identifier: GPL-2.0
/*
 * Parser throughput: generates a mix trace of about SIZE MB (default 256) into memory once,
 * then times trace_next() over it, best of three. Usage: trace-bench [SIZE_MB]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gen.h"
#include "lib/trace.h"

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static struct trace_parser parser;
	static struct trace_record rec;
	size_t want = (argc > 1 ? strtoul(argv[1], NULL, 0) : 256) << 20, len;
	struct gen_opts o = { .kind = "mix", .seed = 1, .ops = 1 };
	double best = 0, t;
	unsigned long records = 0;
	char *text = NULL, err[256];
	FILE *f;
	int run, ret;

	/* About 340 bytes a record in a mix. */
	o.ops = want / 340;
	f = open_memstream(&text, &len);
	if (!f || gen_trace(f, &o, err, sizeof(err)) || fclose(f)) {
		fprintf(stderr, "trace-bench: cannot generate the trace: %s\n", err);
		return 1;
	}
	for (run = 0; run < 3; run++) {
		trace_parser_init_mem(&parser, "bench.tce", text, len);
		t = seconds();
		for (records = 0; (ret = trace_next(&parser, &rec)) > 0; records++)
			;
		t = seconds() - t;
		if (ret < 0) {
			fprintf(stderr, "trace-bench: %s\n", parser.error);
			return 1;
		}
		if (!run || t < best)
			best = t;
	}
	printf("parsed %.1f MB, %lu records in %.3f s: %.0f MB/s, %.1f M records/s\n",
	       len / 1e6, records, best, len / 1e6 / best, records / 1e6 / best);
	return 0;
}
