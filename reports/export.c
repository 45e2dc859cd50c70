// SPDX-License-Identifier: GPL-2.0
/* summary.json, metrics.prom and the summary table (export.h). */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <tcelab/timing.h>

#include "export.h"
#include "model.h"
#include "lib/util.h"

char *fmt_latency(double ns, const char *unit, char *buf, size_t len)
{
	if (isnan(ns))
		snprintf(buf, len, "-");
	else if (unit && !strcmp(unit, "insns"))
		snprintf(buf, len, ns < 1e4 ? "%.0f insns" : ns < 1e7 ? "%.0fk insns" : "%.0fM insns",
			 ns < 1e4 ? ns : ns < 1e7 ? ns / 1e3 : ns / 1e6);
	else if (ns < 1e3)
		snprintf(buf, len, "%.0f ns", ns);
	else if (ns < 1e6)
		snprintf(buf, len, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		snprintf(buf, len, "%.2f ms", ns / 1e6);
	else
		snprintf(buf, len, "%.2f s", ns / 1e9);
	return buf;
}

/* --- a growable string ---------------------------------------------------------------------- */
struct sbuf {
	char *s;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (b->s && (size_t)n < b->cap - b->len) {
			b->len += n;
			return;
		}
		b->cap = (b->cap + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s)
			abort();
		if (b->len == 0)
			b->s[0] = 0;
	}
}

static void sb_label_value(struct sbuf *b, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			sb_printf(b, "\\%c", *v);
		else if (*v == '\n')
			sb_printf(b, "\\n");
		else
			sb_printf(b, "%c", *v);
	}
}

/* Label set {target="...",scenario="...",role="..."} without the closing brace. */
static void sb_labels(struct sbuf *b, const char *target, const char *scenario, const char *role)
{
	sb_printf(b, "{target=\"");
	sb_label_value(b, target ?: "unknown");
	sb_printf(b, "\"");
	if (scenario) {
		sb_printf(b, ",scenario=\"");
		sb_label_value(b, scenario);
		sb_printf(b, "\"");
	}
	if (role) {
		sb_printf(b, ",role=\"");
		sb_label_value(b, role);
		sb_printf(b, "\"");
	}
}

static void family(struct sbuf *b, const char *name, const char *type, const char *unit,
		   const char *help)
{
	sb_printf(b, "# TYPE %s %s\n", name, type);
	if (unit)
		sb_printf(b, "# UNIT %s %s\n", name, unit);
	sb_printf(b, "# HELP %s %s\n", name, help);
}

static void gauge_sample(struct sbuf *b, const char *name, const char *target, double v)
{
	if (isnan(v))
		return;
	sb_printf(b, "%s", name);
	sb_labels(b, target, NULL, NULL);
	sb_printf(b, "} %.17g\n", v);
}

/* The latency samples of one scenario's rows (report_latency_rows()), in one family. */
struct latency_samples {
	struct sbuf *b;
	const cJSON *doc;
	const char *target, *scenario, *family;
	double scale;
};

/* Row @role's histogram: cumulative buckets, +Inf, count and sum. */
static void latency_histogram(void *arg, const char *role, const cJSON *row)
{
	const struct latency_samples *l = arg;
	const cJSON *lat = report_role_latency(l->doc, l->scenario, role);
	struct sbuf *b = l->b;
	struct rhist h;
	double cum = 0;
	size_t i;

	(void)row;
	if (!lat)
		return;
	rhist_from_json(lat, &h);
	for (i = 0; i < h.n; i++) {
		cum += h.b[i].count;
		if (h.b[i].hi <= h.b[i].lo)
			continue;	/* open-ended: only in +Inf */
		sb_printf(b, "%s_bucket", l->family);
		sb_labels(b, l->target, l->scenario, role);
		sb_printf(b, ",le=\"%.9g\"} %.17g\n", h.b[i].hi * l->scale, cum);
	}
	sb_printf(b, "%s_bucket", l->family);
	sb_labels(b, l->target, l->scenario, role);
	sb_printf(b, ",le=\"+Inf\"} %.17g\n", h.count);
	sb_printf(b, "%s_count", l->family);
	sb_labels(b, l->target, l->scenario, role);
	sb_printf(b, "} %.17g\n", h.count);
	sb_printf(b, "%s_sum", l->family);
	sb_labels(b, l->target, l->scenario, role);
	sb_printf(b, "} %.17g\n", h.sum > 0 ? h.sum * l->scale : 0);
	rhist_free(&h);
}

/* Row @role's percentiles. */
static void latency_quantiles(void *arg, const char *role, const cJSON *row)
{
	static const struct { const char *key; const char *q; } qs[] = {
		{ "p50", "p50" }, { "p90", "p90" }, { "p99", "p99" }, { "p99_9", "p99.9" },
	};
	const struct latency_samples *l = arg;
	size_t i;

	for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double v = jnum(row, qs[i].key);

		if (isnan(v))
			continue;
		sb_printf(l->b, "%s", l->family);
		sb_labels(l->b, l->target, l->scenario, role);
		sb_printf(l->b, ",percentile=\"%s\"} %.17g\n", qs[i].q, v * l->scale);
	}
}

char *openmetrics_format(const cJSON *doc)
{
	const cJSON *sum = cJSON_GetObjectItem(doc, "summary"), *sc;
	const cJSON *env = cJSON_GetObjectItem(sum, "environment");
	const cJSON *pins = cJSON_GetObjectItem(sum, "pins"), *ov = cJSON_GetObjectItem(sum, "overhead");
	const char *target = jstr(sum, "target") ?: jstr(env, "target");
	/* A run's latencies are in one unit, its timing mode's (environment.timing). */
	int mode = tcelab_timing_find(jstr(env, "timing")), insns = mode == TCELAB_TIMING_INSNS;
	const char *lat_unit = insns ? "instructions" : "seconds";
	const char *lat_family = insns ? "tcelab_latency_instructions" : "tcelab_latency_seconds";
	const char *quant_family = insns ? "tcelab_latency_quantile_instructions" :
				   "tcelab_latency_quantile_seconds";
	struct sbuf b = {};
	struct latency_samples lat = { &b, doc, target, NULL, NULL, insns ? 1 : 1e-9 };
	char help[320];

	if (mode < 0)
		mode = TCELAB_TIMING_HOST;
	family(&b, "tcelab_run_info", "gauge", NULL,
	       "The run this exposition describes (value always 1).");
	sb_printf(&b, "tcelab_run_info");
	sb_labels(&b, target, NULL, NULL);
	sb_printf(&b, ",run_id=\"");
	sb_label_value(&b, jstr(sum, "run_id") ?: "");
	sb_printf(&b, "\",commit=\"");
	sb_label_value(&b, jstr(sum, "commit") ?: "");
	sb_printf(&b, "\",kernel=\"");
	sb_label_value(&b, jstr(env, "kernel") ?: "");
	sb_printf(&b, "\",attach_mode=\"");
	sb_label_value(&b, jstr(env, "attach_mode") ?: "");
	sb_printf(&b, "\",timing=\"");
	sb_label_value(&b, tcelab_timings[mode].name);
	sb_printf(&b, "\",verdict=\"");
	sb_label_value(&b, jstr(sum, "verdict") ?: "");
	sb_printf(&b, "\"} 1\n");

	snprintf(help, sizeof(help), "Latency of the probed sPAPR TCE functions per scenario and "
		 "role (op:TYPE: one operation type; ROLE/PHASE: a role's calls in one phase of the "
		 "replay); timing %s: %s.", tcelab_timings[mode].name,
		 tcelab_timings[mode].what);
	family(&b, lat_family, "histogram", lat_unit, help);
	lat.family = lat_family;
	cJSON_ArrayForEach(sc, cJSON_GetObjectItem(sum, "scenarios")) {
		lat.scenario = sc->string;
		report_latency_rows(sc, true, latency_histogram, &lat);
	}
	family(&b, quant_family, "gauge", lat_unit,
	       "Latency percentiles per scenario and role, from the probes' histograms.");
	lat.family = quant_family;
	cJSON_ArrayForEach(sc, cJSON_GetObjectItem(sum, "scenarios")) {
		lat.scenario = sc->string;
		report_latency_rows(sc, true, latency_quantiles, &lat);
	}
	family(&b, "tcelab_leaked_pages", "gauge", NULL,
	       "Pages the pin ledger still held pinned when the workload ended.");
	gauge_sample(&b, "tcelab_leaked_pages", target, jnum(pins, "leaked_pages"));
	family(&b, "tcelab_leaked_pins", "gauge", NULL, "Pins held by leaked pages.");
	gauge_sample(&b, "tcelab_leaked_pins", target, jnum(pins, "leaked_pins"));
	family(&b, "tcelab_pinned_after_pages", "gauge", NULL,
	       "Pages tcelab.ko still held after the job (before unload).");
	gauge_sample(&b, "tcelab_pinned_after_pages", target, jnum(pins, "pinned_after"));
	family(&b, "tcelab_double_releases", "gauge", NULL,
	       "Unpins of pages the ledger did not hold.");
	gauge_sample(&b, "tcelab_double_releases", target, jnum(pins, "double_releases"));
	family(&b, "tcelab_locked_vm_drift_pages", "gauge", NULL,
	       "locked_vm charged minus returned over the run.");
	gauge_sample(&b, "tcelab_locked_vm_drift_pages", target, jnum(pins, "locked_vm_drift"));
	family(&b, "tcelab_probe_cost_per_run_seconds", "gauge", "seconds",
	       "The probes' own run time per BPF program run (bpf_stats).");
	gauge_sample(&b, "tcelab_probe_cost_per_run_seconds", target, jnum(ov, "ns_per_run") / 1e9);
	family(&b, "tcelab_guest_seconds", "gauge", "seconds", "Guest wall time of the run.");
	gauge_sample(&b, "tcelab_guest_seconds", target, jnum(sum, "guest_seconds"));
	family(&b, "tcelab_run_passed", "gauge", NULL, "1 when the run passed, 0 when it failed.");
	gauge_sample(&b, "tcelab_run_passed", target,
		     jstr(sum, "verdict") ? !strcmp(jstr(sum, "verdict"), "pass") : NAN);
	sb_printf(&b, "# EOF\n");
	return b.s;
}

/* --- OpenMetrics checker -------------------------------------------------------------------- */
struct fam {
	char name[128], type[16];
	int has_type, has_unit, has_help, samples;
};

static int om_err(char *err, size_t len, int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int om_err(char *err, size_t len, int line, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(err, len, "line %d: ", line);

	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < len)
		vsnprintf(err + n, len - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int valid_name(const char *s, size_t n, int label)
{
	size_t i;

	if (!n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!(isalpha((unsigned char)c) || c == '_' || (!label && c == ':') ||
		      (i && isdigit((unsigned char)c))))
			return 0;
	}
	return 1;
}

static int parse_value(const char *s, double *v)
{
	char *end;

	if (!strcmp(s, "+Inf") || !strcmp(s, "Inf")) {
		*v = INFINITY;
		return 0;
	}
	if (!strcmp(s, "-Inf")) {
		*v = -INFINITY;
		return 0;
	}
	if (!strcmp(s, "NaN")) {
		*v = NAN;
		return 0;
	}
	if (!*s || !(isdigit((unsigned char)*s) || *s == '-' || *s == '+' || *s == '.'))
		return -1;
	*v = strtod(s, &end);
	return *end ? -1 : 0;
}

static const char *suffix_of(const char *name, const char *type, const char *fam)
{
	static const char *const hs[] = { "_bucket", "_count", "_sum", "_created", NULL };
	static const char *const cs[] = { "_total", "_created", NULL };
	const char *const *s = !strcmp(type, "histogram") ? hs : !strcmp(type, "counter") ? cs : NULL;
	size_t fl = strlen(fam);

	if (strncmp(name, fam, fl))
		return NULL;
	if (!s)
		return name[fl] ? NULL : "";
	for (; *s; s++)
		if (!strcmp(name + fl, *s))
			return *s;
	return NULL;
}

int openmetrics_check(const char *text, char *err, size_t errlen)
{
	struct fam fams[256];
	int nf = 0, cur = -1, line = 0, eof = 0, in_hist = 0, i;
	char series[1024] = "", prev_le_series[1024] = "";
	double prev_le = -INFINITY, prev_cum = 0, inf_count = NAN;
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		char buf[4096], *s;
		size_t len;

		line++;
		if (!nl)
			return om_err(err, errlen, line, "no newline at the end of the line");
		len = nl - p;
		if (len >= sizeof(buf))
			return om_err(err, errlen, line, "line too long");
		memcpy(buf, p, len);
		buf[len] = 0;
		p = nl + 1;
		if (eof)
			return om_err(err, errlen, line, "text after # EOF");
		if (!strcmp(buf, "# EOF")) {
			eof = 1;
			continue;
		}
		if (!len)
			return om_err(err, errlen, line, "empty line");
		if (buf[0] == '#') {
			char kw[8], name[128], rest[4096] = "";
			int n = sscanf(buf, "# %7s %127s %4095[^\n]", kw, name, rest);

			if (n < 2 || (strcmp(kw, "TYPE") && strcmp(kw, "UNIT") && strcmp(kw, "HELP")))
				return om_err(err, errlen, line, "unknown comment line '%s'", buf);
			if (!valid_name(name, strlen(name), 0))
				return om_err(err, errlen, line, "bad metric family name '%s'", name);
			if (cur < 0 || strcmp(fams[cur].name, name)) {
				for (i = 0; i < nf; i++)
					if (!strcmp(fams[i].name, name))
						return om_err(err, errlen, line,
							      "family %s appears twice (interleaved)", name);
				if (nf == 256)
					return om_err(err, errlen, line, "too many families");
				cur = nf++;
				memset(&fams[cur], 0, sizeof(fams[cur]));
				snprintf(fams[cur].name, sizeof(fams[cur].name), "%s", name);
				strcpy(fams[cur].type, "unknown");
			}
			if (fams[cur].samples)
				return om_err(err, errlen, line, "%s metadata after its samples", kw);
			if (!strcmp(kw, "TYPE")) {
				static const char *const types[] = { "counter", "gauge", "histogram",
					"gaugehistogram", "stateset", "info", "summary", "unknown", NULL };
				const char *const *t;

				if (fams[cur].has_type++)
					return om_err(err, errlen, line, "second TYPE for %s", name);
				for (t = types; *t && strcmp(*t, rest); t++)
					;
				if (!*t)
					return om_err(err, errlen, line, "unknown type '%s'", rest);
				snprintf(fams[cur].type, sizeof(fams[cur].type), "%s", rest);
			} else if (!strcmp(kw, "UNIT")) {
				size_t nl2 = strlen(name), ul = strlen(rest);

				if (fams[cur].has_unit++)
					return om_err(err, errlen, line, "second UNIT for %s", name);
				if (ul && (nl2 <= ul + 1 || strcmp(name + nl2 - ul, rest) ||
					   name[nl2 - ul - 1] != '_'))
					return om_err(err, errlen, line,
						      "family %s does not end in its unit _%s", name, rest);
			} else if (fams[cur].has_help++) {
				return om_err(err, errlen, line, "second HELP for %s", name);
			}
			continue;
		}
		/* A sample: name[{labels}] value [timestamp] */
		{
			size_t nlen = strcspn(buf, "{ ");
			char name[128], le[256] = "";
			const char *suffix;
			double v;

			if (nlen >= sizeof(name) || !valid_name(buf, nlen, 0))
				return om_err(err, errlen, line, "bad metric name");
			memcpy(name, buf, nlen);
			name[nlen] = 0;
			if (cur < 0 || !(suffix = suffix_of(name, fams[cur].type, fams[cur].name)))
				return om_err(err, errlen, line,
					      "sample %s does not belong to the current family %s", name,
					      cur < 0 ? "(none)" : fams[cur].name);
			fams[cur].samples++;
			s = buf + nlen;
			if (*s == '{') {
				char *lstart = s + 1;

				s++;
				while (*s != '}') {
					size_t ln = strcspn(s, "=");
					char lname[64];

					if (!valid_name(s, ln, 1) || s[ln] != '=' || s[ln + 1] != '"' ||
					    ln >= sizeof(lname))
						return om_err(err, errlen, line, "bad label near '%s'", s);
					memcpy(lname, s, ln);
					lname[ln] = 0;
					s += ln + 2;
					{
						char val[256];
						size_t vl = 0;

						while (*s && *s != '"') {
							if (*s == '\\') {
								s++;
								if (*s != '\\' && *s != '"' && *s != 'n')
									return om_err(err, errlen, line,
										      "bad escape in label %s", lname);
							}
							if (vl + 1 < sizeof(val))
								val[vl++] = *s;
							s++;
						}
						val[vl] = 0;
						if (*s != '"')
							return om_err(err, errlen, line, "unterminated label value");
						s++;
						if (!strcmp(lname, "le"))
							snprintf(le, sizeof(le), "%s", val);
					}
					if (*s == ',')
						s++;
					else if (*s != '}')
						return om_err(err, errlen, line, "expected , or } after a label");
				}
				/* The series is the label set without le. */
				snprintf(series, sizeof(series), "%.*s", (int)(s - lstart), lstart);
				{
					char *l = !strncmp(series, "le=\"", 4) ? series : strstr(series, ",le=\"");

					if (l)
						*l = 0;
				}
				s++;
			} else {
				series[0] = 0;
			}
			if (*s != ' ')
				return om_err(err, errlen, line, "expected one space before the value");
			s++;
			{
				char vbuf[64];

				if (sscanf(s, "%63s", vbuf) != 1 || parse_value(vbuf, &v))
					return om_err(err, errlen, line, "bad value '%s'", s);
			}
			if (!strcmp(fams[cur].type, "histogram")) {
				if (!strcmp(suffix, "_bucket")) {
					double lev;

					if (!*le || parse_value(le, &lev))
						return om_err(err, errlen, line, "bucket without a valid le");
					if (!in_hist || strcmp(series, prev_le_series)) {
						if (in_hist && !(isinf(prev_le) && prev_le > 0))
							return om_err(err, errlen, line,
								      "previous histogram has no +Inf bucket");
						in_hist = 1;
						snprintf(prev_le_series, sizeof(prev_le_series), "%s", series);
						prev_le = -INFINITY;
						prev_cum = 0;
					}
					if (lev <= prev_le)
						return om_err(err, errlen, line, "le %s not increasing", le);
					if (v < prev_cum)
						return om_err(err, errlen, line, "bucket counts not cumulative");
					if (v < 0 || v != floor(v))
						return om_err(err, errlen, line, "bucket count not a non-negative integer");
					prev_le = lev;
					prev_cum = v;
					if (isinf(lev))
						inf_count = v;
				} else if (!strcmp(suffix, "_count")) {
					if (!isinf(prev_le) || strcmp(series, prev_le_series))
						return om_err(err, errlen, line, "_count before the +Inf bucket");
					if (v != inf_count)
						return om_err(err, errlen, line, "_count %g differs from +Inf bucket %g",
							      v, inf_count);
				} else if (!strcmp(suffix, "_sum") && v < 0) {
					return om_err(err, errlen, line, "negative _sum");
				}
			}
		}
	}
	if (!eof)
		return om_err(err, errlen, line, "missing # EOF");
	if (in_hist && !(isinf(prev_le) && prev_le > 0))
		return om_err(err, errlen, line, "last histogram has no +Inf bucket");
	return 0;
}

/* --- the summary table ---------------------------------------------------------------------- */
/* A latency row's member @key, in the row's unit. */
#define LAT(row, key, buf) fmt_latency(jnum(row, key), jstr(row, "unit"), buf, sizeof(buf))

struct table_row_printer {
	FILE *f;
	const char *scenario;
};

/* One line of the table: @row's calls and percentiles (report_latency_rows()). */
static void print_row(void *arg, const char *role, const cJSON *row)
{
	const struct table_row_printer *p = arg;
	double n = jnum(row, "count");
	char a[5][32];

	fprintf(p->f, "  %-10s %-14s %8.0f %11s %11s %11s %11s %11s\n", p->scenario, role,
		isnan(n) ? 0 : n, LAT(row, "p50", a[0]), LAT(row, "p90", a[1]),
		LAT(row, "p99", a[2]), LAT(row, "p99_9", a[3]), LAT(row, "max", a[4]));
}

void report_print_table(const cJSON *sum, FILE *f)
{
	const cJSON *env = cJSON_GetObjectItem(sum, "environment"), *sc, *pins, *ov;
	char a[5][32];

	fprintf(f, "tcelab report %s: %s (%s, kernel %s, %s probes, timing %s%s)\n",
		jstr(sum, "run_id") ?: "?", jstr(sum, "verdict") ?: "no verdict",
		jstr(env, "target") ?: "?", jstr(env, "kernel") ?: "?",
		jstr(env, "attach_mode") ?: "no", jstr(env, "timing") ?: "?",
		cJSON_IsTrue(cJSON_GetObjectItem(env, "tick_quantized")) ?
		", tick-quantized clock: latencies are not meaningful" : "");
	fprintf(f, "  %-10s %-14s %8s %11s %11s %11s %11s %11s\n", "scenario", "role", "calls", "p50",
		"p90", "p99", "p99.9", "max");
	cJSON_ArrayForEach(sc, cJSON_GetObjectItem(sum, "scenarios")) {
		struct table_row_printer p = { f, sc->string };
		const cJSON *roles = cJSON_GetObjectItem(sc, "roles");

		/* The workload's own calls first (set-up and teardown apart), then the totals. */
		report_latency_rows(sc, false, print_row, &p);
		if (!roles || !roles->child)
			fprintf(f, "  %-10s (no probe latencies)\n", sc->string);
	}
	pins = cJSON_GetObjectItem(sum, "pins");
	ov = cJSON_GetObjectItem(sum, "overhead");
	fprintf(f, "  pins      %.0f leaked pages (%.0f pins), %.0f double releases, locked_vm drift %.0f, ",
		isnan(jnum(pins, "leaked_pages")) ? 0 : jnum(pins, "leaked_pages"),
		isnan(jnum(pins, "leaked_pins")) ? 0 : jnum(pins, "leaked_pins"),
		isnan(jnum(pins, "double_releases")) ? 0 : jnum(pins, "double_releases"),
		isnan(jnum(pins, "locked_vm_drift")) ? 0 : jnum(pins, "locked_vm_drift"));
	if (isnan(jnum(pins, "pinned_after")))
		fprintf(f, "tcelab.ko not loaded after the job\n");
	else
		fprintf(f, "%.0f left pinned after the job\n", jnum(pins, "pinned_after"));
	if (!isnan(jnum(ov, "ns_per_run")))
		fprintf(f, "  probes    cost %s per program run, %.1f %% of the workload's wall time\n",
			fmt_latency(jnum(ov, "ns_per_run"), "ns", a[0], 32),
			isnan(jnum(ov, "fraction")) ? 0 : 100 * jnum(ov, "fraction"));
}

int report_write_exports(const cJSON *doc, const char *dir)
{
	char *json = cJSON_Print(cJSON_GetObjectItem(doc, "summary"));
	char *om = openmetrics_format(doc), *path, *body;
	int ret;

	path = xasprintf("%s/summary.json", dir);
	body = xasprintf("%s\n", json);
	ret = replace_file(path, body, strlen(body));
	free(path);
	free(body);
	path = xasprintf("%s/metrics.prom", dir);
	ret |= replace_file(path, om, strlen(om));
	free(path);
	free(json);
	free(om);
	return ret;
}
