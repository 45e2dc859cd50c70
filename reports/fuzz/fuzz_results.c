// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer on the run loader: any bytes as a run's results.json must load into a report (and
 * print, export and compare) or give one error naming the file, never crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reports/compare.h"
#include "reports/export.h"
#include "reports/model.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64], path[96];
	static FILE *devnull;
	struct compare_opts o;
	const char *err = NULL;
	cJSON *doc, *c, *docs[1];
	FILE *f;

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/tcelab-fuzz-results-%d", getpid());
		mkdir_p(dir);
		snprintf(path, sizeof(path), "%s/results.json", dir);
		devnull = fopen("/dev/null", "w");
	}
	f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	doc = report_load(dir, &err);
	if (!doc) {
		if (!err || !strstr(err, "results.json"))
			abort();
		return 0;
	}
	report_print_table(cJSON_GetObjectItem(doc, "summary"), devnull);
	free(openmetrics_format(doc));
	compare_opts_default(&o);
	docs[0] = doc;
	c = compare_docs(docs, 1, docs, 1, &o);
	cJSON_Delete(c);
	cJSON_Delete(doc);
	return 0;
}
