/* SPDX-License-Identifier: GPL-2.0 */
/* The static, offline dashboard page: data, uPlot and reports/assets/ inlined into one file. */
#ifndef TCELAB_REPORT_HTML_H
#define TCELAB_REPORT_HTML_H

#include <cjson/cJSON.h>

/* Where uPlot was installed by vm/setup.sh (npm, under .cache/npm). */
const char *uplot_dir(void);
/*
 * Write @path: a page whose script renders @data ({"kind":"run"|"compare", ...}). Adds
 * generated_at, uplot_version. 0, or -1 with *err set (a static or allocated message).
 */
int html_write(const char *path, const char *title, cJSON *data, char **err);

#endif /* TCELAB_REPORT_HTML_H */
