/* SPDX-License-Identifier: GPL-2.0 */
/* summary.json, metrics.prom (OpenMetrics text) and the terminal summary table. */
#ifndef TCELAB_REPORT_EXPORT_H
#define TCELAB_REPORT_EXPORT_H

#include <stdio.h>
#include <cjson/cJSON.h>

/*
 * "1.9 us" or "5880 insns": latency @v in @unit ("ns", "insns": include/tcelab/timing.h; NULL
 * is "ns") made readable; "-" for NAN. Returns @buf.
 */
char *fmt_latency(double v, const char *unit, char *buf, size_t len);
/* OpenMetrics text exposition of a loaded report (model.h), ending with "# EOF\n". */
char *openmetrics_format(const cJSON *doc);
/*
 * Check @text against the OpenMetrics text format rules this exporter relies on: metric and
 * label names, TYPE/UNIT/HELP before a family's samples and once each, no interleaved families,
 * known sample suffixes per type, label syntax and escaping, float values, histogram buckets with
 * increasing le ending in +Inf, cumulative counts, _count equal to the +Inf bucket, a final
 * "# EOF". Returns 0, or -1 with a message naming the line in @err.
 */
int openmetrics_check(const char *text, char *err, size_t errlen);
/* The per-scenario, per-role percentile table and the pin line. */
void report_print_table(const cJSON *summary, FILE *f);
/* Write summary.json and metrics.prom into @dir. 0 on success. */
int report_write_exports(const cJSON *doc, const char *dir);

#endif /* TCELAB_REPORT_EXPORT_H */
