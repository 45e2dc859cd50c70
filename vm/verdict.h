/* SPDX-License-Identifier: GPL-2.0 */
/* What the verdict and the summary both read of the results (vm/verdict.c). */
#ifndef TCELAB_VERDICT_H
#define TCELAB_VERDICT_H

#include <cjson/cJSON.h>

/* The number at @obj.a[.b[.c]], or -1. */
long json_count(const cJSON *obj, const char *a, const char *b, const char *c);
/* The kmod run of suite scenario @name@BACKEND (the name without its "@BACKEND"), or NULL. */
const cJSON *kmod_twin(const cJSON *suite, const char *name);
/* Two runs of one trace gave every call the same return code. */
int rets_agree(const cJSON *a, const cJSON *b);

#endif /* TCELAB_VERDICT_H */
