// SPDX-License-Identifier: GPL-2.0
/* Reading a run directory into the normalized report document (model.h). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <tcelab/phase.h>
#include <tcelab/schema.h>

#include "model.h"
#include "lib/json.h"
#include "lib/probe_doc.h"
#include "lib/util.h"

double jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

const char *jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void add_num(cJSON *o, const char *key, double v)
{
	if (isnan(v))
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddNumberToObject(o, key, v);
}

static void add_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

void rhist_from_json(const cJSON *lat, struct rhist *h)
{
	const cJSON *b, *bs = cJSON_GetObjectItem(lat, "buckets");

	rhist_init(h);
	cJSON_ArrayForEach(b, bs) {
		const cJSON *lo = cJSON_GetArrayItem(b, 0), *hi = cJSON_GetArrayItem(b, 1);
		const cJSON *n = cJSON_GetArrayItem(b, 2);

		if (cJSON_IsNumber(lo) && cJSON_IsNumber(hi) && cJSON_IsNumber(n))
			rhist_add(h, lo->valuedouble, hi->valuedouble, n->valuedouble);
	}
	h->count = 0;
	for (size_t i = 0; i < h->n; i++)
		h->count += h->b[i].count;
	h->sum = jnum(lat, "sum");
	h->min = jnum(lat, "min");
	h->max = jnum(lat, "max");
	if (isnan(h->sum))
		h->sum = 0;
	if (isnan(h->min) || isnan(h->max) || h->max < h->min) {
		/* Not trustworthy: bracket with the buckets instead. */
		h->min = h->n ? h->b[0].lo : 0;
		h->max = h->n ? (h->b[h->n - 1].hi > 0 ? h->b[h->n - 1].hi - 1 : h->b[h->n - 1].lo) : 0;
	}
}

/* Percentile row of one latency histogram, recomputed from its buckets, in the histogram's unit. */
static cJSON *latency_row(const cJSON *lat, double count)
{
	cJSON *row = cJSON_CreateObject();
	struct rhist h;

	rhist_from_json(lat, &h);
	cJSON_AddStringToObject(row, "unit", jstr(lat, "unit") ?: "ns");
	add_num(row, "count", isnan(count) ? h.count : count);
	add_num(row, "p50", h.count ? rhist_percentile(&h, 0.50) : NAN);
	add_num(row, "p90", h.count ? rhist_percentile(&h, 0.90) : NAN);
	add_num(row, "p99", h.count ? rhist_percentile(&h, 0.99) : NAN);
	add_num(row, "p99_9", h.count ? rhist_percentile(&h, 0.999) : NAN);
	add_num(row, "max", h.count ? h.max : NAN);
	add_num(row, "mean", h.count && h.sum > 0 ? rhist_mean(&h) : NAN);
	rhist_free(&h);
	return row;
}

/*
 * A role's phases (probe/SCHEMA.md, roles.ROLE.phases) beside its totals: the summary's row
 * gets phases.PHASE rows, the detail's role phases.PHASE.latency histograms.
 */
static void add_phases(cJSON *srole, cJSON *drole, const cJSON *phases)
{
	cJSON *sph, *dph;
	const cJSON *p, *lat;

	if (!cJSON_IsObject(phases) || !phases->child)
		return;
	sph = cJSON_AddObjectToObject(srole, "phases");
	dph = cJSON_AddObjectToObject(drole, "phases");
	cJSON_ArrayForEach(p, phases) {
		lat = cJSON_GetObjectItem(p, "latency");
		if (!cJSON_IsObject(lat))
			continue;
		cJSON_AddItemToObject(sph, p->string, latency_row(lat, jnum(p, "count")));
		cJSON_AddItemToObject(cJSON_AddObjectToObject(dph, p->string), "latency",
				      cJSON_Duplicate(lat, 1));
	}
}

/* Probe roles and op types of one probe document into summary and detail. */
static void add_probe(cJSON *sroles, cJSON *droles, const cJSON *probe)
{
	const cJSON *r, *lat;
	cJSON *srole, *drole;

	cJSON_ArrayForEach(r, cJSON_GetObjectItem(probe, "roles")) {
		lat = cJSON_GetObjectItem(r, "latency");
		if (!cJSON_IsObject(lat) || cJSON_IsFalse(cJSON_GetObjectItem(r, "resolved")))
			continue;
		srole = latency_row(lat, jnum(r, "count"));
		cJSON_AddItemToObject(sroles, r->string, srole);
		drole = cJSON_AddObjectToObject(droles, r->string);
		cJSON_AddItemToObject(drole, "latency", cJSON_Duplicate(lat, 1));
		add_phases(srole, drole, cJSON_GetObjectItem(r, "phases"));
	}
	cJSON_ArrayForEach(r, cJSON_GetObjectItem(probe, "op_types")) {
		char *name = xasprintf("op:%s", r->string);

		if (cJSON_IsObject(r)) {
			cJSON_AddItemToObject(sroles, name, latency_row(r, jnum(r, "count")));
			cJSON_AddItemToObject(cJSON_AddObjectToObject(droles, name), "latency",
					      cJSON_Duplicate(r, 1));
		}
		free(name);
	}
}

/* A replay document of any version this reader knows (fixtures keep tcelab-replay/1). */
static int is_replay_doc(const cJSON *j)
{
	const char *s = jstr(j, "schema");

	return s && (!strcmp(s, SCHEMA_REPLAY) || !strcmp(s, "tcelab-replay/1"));
}

/* Counts by name: the replay's {"map": 3, ...} (ops) and {"H_SUCCESS": 40, ...} (rets). */
static cJSON *count_map(const cJSON *src)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *e;

	cJSON_ArrayForEach(e, src)
		if (cJSON_IsNumber(e))
			cJSON_AddNumberToObject(out, e->string, e->valuedouble);
	return out;
}

/*
 * The figures of @src (one latency histogram: count, p50, ...) into a new object @key of @dst;
 * not its layout (sub_buckets) nor its buckets.
 */
static void copy_numbers(cJSON *dst, const char *key, const cJSON *src)
{
	cJSON *out = cJSON_AddObjectToObject(dst, key);
	const cJSON *e;

	cJSON_ArrayForEach(e, src)
		if (cJSON_IsNumber(e) && strcmp(e->string, "sub_buckets"))
			cJSON_AddNumberToObject(out, e->string, e->valuedouble);
}

/*
 * The replay's timeline (tcelab-replay/2, traces/README.md): per window of calls, what the
 * dashboard charts. A point without all of these numbers is left out.
 */
static cJSON *timeline_points(const cJSON *timeline)
{
	static const char *const keys[] = { "calls", "elapsed_ns", "count", "p50", "p99", "max" };
	const size_t nr_keys = sizeof(keys) / sizeof(keys[0]);
	cJSON *out = cJSON_CreateArray();
	const cJSON *p;

	cJSON_ArrayForEach(p, timeline) {
		cJSON *point = cJSON_CreateObject();
		size_t i;

		for (i = 0; i < nr_keys && !isnan(jnum(p, keys[i])); i++)
			cJSON_AddNumberToObject(point, keys[i], jnum(p, keys[i]));
		if (i == nr_keys)
			cJSON_AddItemToArray(out, point);
		else
			cJSON_Delete(point);
	}
	return out;
}

/* One scenario (a smoke scenario.json, or a replay runner's per-scenario results). */
static void add_scenario(cJSON *ssc, cJSON *dsc, const char *name, const cJSON *sj, const cJSON *probe)
{
	cJSON *s = cJSON_AddObjectToObject(ssc, name), *d = cJSON_AddObjectToObject(dsc, name);
	cJSON *sroles = cJSON_CreateObject(), *droles = cJSON_AddObjectToObject(d, "roles");
	const cJSON *v, *e;

	add_num(s, "pins", jnum(sj, "pins"));
	add_num(s, "unpins", jnum(sj, "unpins"));
	if (jstr(sj, "trace_sha256"))
		add_str(s, "trace_sha256", jstr(sj, "trace_sha256"));
	v = cJSON_GetObjectItem(sj, "ok");
	if (cJSON_IsBool(v))
		cJSON_AddBoolToObject(s, "ok", cJSON_IsTrue(v));
	v = cJSON_GetObjectItem(sj, "ops");
	if (v)
		cJSON_AddItemToObject(s, "ops", count_map(v));
	v = cJSON_GetObjectItem(sj, "rets");
	if (v)
		cJSON_AddItemToObject(s, "return_codes", count_map(v));
	v = cJSON_GetObjectItem(sj, "mismatches");
	if (cJSON_IsNumber(v))
		cJSON_AddNumberToObject(s, "mismatches", v->valuedouble);
	/* tcelab-replay/2 (as /1): latency_ns {all: {count, p50, ...}, put: {...}, ...} */
	v = cJSON_GetObjectItem(sj, "latency_ns");
	if (cJSON_IsObject(cJSON_GetObjectItem(v, "all"))) {
		cJSON *byop;

		copy_numbers(s, "user_latency", cJSON_GetObjectItem(v, "all"));
		byop = cJSON_AddObjectToObject(s, "user_latency_by_op");
		cJSON_ArrayForEach(e, v)
			if (cJSON_IsObject(e) && strcmp(e->string, "all"))
				copy_numbers(byop, e->string, e);
	}
	v = cJSON_GetObjectItem(sj, "timeline");
	if (cJSON_IsArray(v))
		cJSON_AddItemToObject(d, "timeline", timeline_points(v));
	if (sj)
		cJSON_AddItemToObject(d, "raw", cJSON_Duplicate(sj, 1));
	if (probe)
		add_probe(sroles, droles, probe);
	cJSON_AddItemToObject(s, "roles", sroles);
	cJSON_AddBoolToObject(s, "probed", probe != NULL);
}

/* Replay results: JSON objects under guest/ (depth 2) that name a scenario. */
static int collect_replay(const char *dir, int depth, cJSON *found)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *path;
		struct stat st;
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < 2) {
			n += collect_replay(path, depth + 1, found);
		} else if (len > 5 && !strcmp(e->d_name + len - 5, ".json") &&
			   strcmp(e->d_name, "probe.json") && strcmp(e->d_name, "scenario.json")) {
			cJSON *j = read_json(path);

			if (is_replay_doc(j)) {
				cJSON_AddStringToObject(j, "_file", path);
				cJSON_AddItemToArray(found, j);
				n++;
			} else {
				cJSON_Delete(j);
			}
		}
		free(path);
	}
	closedir(d);
	return n;
}

static const char *scenario_name(const cJSON *sj, const char *fallback)
{
	return jstr(sj, "scenario") ?: jstr(sj, "name") ?: jstr(sj, "trace") ?: fallback;
}

static void add_environment(cJSON *sum, const cJSON *res, const cJSON *probe)
{
	cJSON *env = cJSON_AddObjectToObject(sum, "environment");
	const cJSON *ver = cJSON_GetObjectItem(res, "versions");
	const char *arch = jstr(res, "arch") ?: jstr(probe, "arch");
	const char *qemu = arch && !strcmp(arch, "x86_64") ? jstr(ver, "QEMU_X86_VERSION") :
			   jstr(ver, "QEMU_VERSION");
	const char *cs = jstr(probe, "clocksource");

	add_str(env, "target", jstr(res, "target"));
	add_str(env, "arch", arch);
	add_str(env, "kernel", jstr(probe, "kernel") ?:
			       jstr(cJSON_GetObjectItem(res, "guest"), "kernel"));
	add_str(env, "attach_mode", jstr(probe, "attach_mode"));
	add_str(env, "stack", jstr(probe, "stack"));
	add_str(env, "clocksource", cs);
	/* Runs recorded before --timing measured host time. */
	add_str(env, "timing", jstr(cJSON_GetObjectItem(res, "timing"), "mode") ?:
			       jstr(probe, "timing") ?: "host");
	cJSON_AddBoolToObject(env, "tick_quantized",
			      cs && (!strcmp(cs, "jiffies") || !strcmp(cs, "refined-jiffies")));
	add_str(env, "qemu_version", qemu);
	/* The kernel under test: which, its git describe and config hash, the patches (vm/kernel.c). */
	if (cJSON_IsObject(cJSON_GetObjectItem(res, "kernel")))
		cJSON_AddItemToObject(env, "kernel_under_test",
				      cJSON_Duplicate(cJSON_GetObjectItem(res, "kernel"), 1));
	add_str(env, "qemu_command", jstr(cJSON_GetObjectItem(res, "qemu"), "command"));
	cJSON_AddItemToObject(env, "versions", ver ? cJSON_Duplicate(ver, 1) : cJSON_CreateObject());
}

static void add_pins(cJSON *sum, cJSON *detail, const cJSON *res, const cJSON *probe)
{
	cJSON *p = cJSON_AddObjectToObject(sum, "pins");
	const cJSON *ledger = cJSON_GetObjectItem(probe, "ledger");
	const cJSON *leaks = cJSON_GetObjectItem(ledger, "leaks");
	const cJSON *dr = cJSON_GetObjectItem(ledger, "double_releases");
	const cJSON *lvm = cJSON_GetObjectItem(probe, "locked_vm");
	double v;

	/* The guest writes -1 when tcelab.ko was not loaded (the vfio jobs): not measured. */
	v = jnum(cJSON_GetObjectItem(res, "guest"), "pinned_after");
	add_num(p, "pinned_after", v < 0 ? NAN : v);
	add_num(p, "pages_tracked", jnum(ledger, "pages_tracked"));
	add_num(p, "leaked_pages", jnum(leaks, "pages"));
	add_num(p, "leaked_pins", jnum(leaks, "pins"));
	add_num(p, "double_releases", jnum(dr, "count"));
	add_num(p, "locked_vm_drift", jnum(lvm, "drift"));
	if (ledger)
		cJSON_AddItemToObject(detail, "ledger", cJSON_Duplicate(ledger, 1));
	if (lvm)
		cJSON_AddItemToObject(detail, "locked_vm", cJSON_Duplicate(lvm, 1));
}

static void add_overhead(cJSON *sum, cJSON *detail, const cJSON *probe)
{
	const cJSON *o = cJSON_GetObjectItem(probe, "overhead");
	cJSON *s = cJSON_AddObjectToObject(sum, "overhead");
	double run, wall;

	add_num(s, "ns_per_run", jnum(o, "ns_per_run"));
	add_num(s, "run_count", jnum(o, "run_cnt"));
	run = jnum(o, "run_time_ns");
	wall = jnum(o, "command_wall_ns");
	add_num(s, "run_time_ns", run);
	add_num(s, "command_wall_ns", wall);
	add_num(s, "fraction", wall > 0 ? run / wall : NAN);
	if (o)
		cJSON_AddItemToObject(detail, "overhead", cJSON_Duplicate(o, 1));
	if (cJSON_GetObjectItem(probe, "lost"))
		cJSON_AddItemToObject(detail, "lost", cJSON_Duplicate(cJSON_GetObjectItem(probe, "lost"), 1));
}

/* @path is there but @doc could not be read from it (@why): the run directory is damaged. */
static int damaged(const char *path, const cJSON *doc, const char *why, const char **err)
{
	static char msg[768];

	if (doc || !path_exists(path))
		return 0;
	/* @why names @path already. */
	snprintf(msg, sizeof(msg), "%s (a damaged run directory: truncated or overwritten?)", why);
	*err = msg;
	return 1;
}

cJSON *report_load(const char *dir, const char **err)
{
	char *rpath = xasprintf("%s/results.json", dir), *ppath = xasprintf("%s/guest/probe.json", dir);
	char *spath = xasprintf("%s/guest/scenario.json", dir), *gdir = xasprintf("%s/guest", dir);
	char why[512];
	cJSON *res = json_load(rpath, SCHEMA_RUN, why, sizeof(why));
	cJSON *probe_file = NULL, *scen_file = NULL, *replay;
	cJSON *doc, *sum, *detail, *ssc, *dsc, *f;
	const cJSON *probe, *scen, *v;
	const char *id;
	char *base;
	int nrep;

	if (damaged(rpath, res, why, err)) {
		free(rpath), free(ppath), free(spath), free(gdir);
		return NULL;
	}
	probe = cJSON_GetObjectItem(res, "probe");
	if (!cJSON_IsObject(probe))
		probe = probe_file = probe_doc_load(ppath, why, sizeof(why));
	if (!cJSON_IsObject(cJSON_GetObjectItem(res, "probe")) && damaged(ppath, probe, why, err)) {
		free(rpath), free(ppath), free(spath), free(gdir);
		return NULL;
	}
	scen = cJSON_GetObjectItem(res, "scenario");
	if (!cJSON_IsObject(scen))
		scen = scen_file = json_load(spath, SCHEMA_SMOKE, why, sizeof(why));
	if (!res && !probe) {
		*err = "no results.json and no guest/probe.json";
		free(rpath), free(ppath), free(spath), free(gdir);
		cJSON_Delete(scen_file);
		return NULL;
	}
	doc = cJSON_CreateObject();
	sum = cJSON_AddObjectToObject(doc, "summary");
	detail = cJSON_AddObjectToObject(doc, "detail");
	cJSON_AddStringToObject(sum, "schema", SCHEMA_SUMMARY);
	base = strdup(dir);
	while (strlen(base) > 1 && base[strlen(base) - 1] == '/')
		base[strlen(base) - 1] = 0;
	id = jstr(res, "run_id") ?: (strrchr(base, '/') ? strrchr(base, '/') + 1 : base);
	cJSON_AddStringToObject(sum, "run_id", id);
	add_str(sum, "target", jstr(res, "target"));
	add_str(sum, "job", jstr(res, "job"));
	add_str(sum, "commit", jstr(cJSON_GetObjectItem(res, "versions"), "TCELAB_COMMIT"));
	add_str(sum, "verdict", jstr(res, "verdict"));
	add_num(sum, "guest_seconds", jnum(res, "guest_seconds"));
	{
		cJSON *fl = cJSON_AddArrayToObject(sum, "failures");

		cJSON_ArrayForEach(v, cJSON_GetObjectItem(res, "failures")) {
			cJSON *o = cJSON_CreateObject();

			add_str(o, "kind", jstr(v, "kind"));
			add_str(o, "message", jstr(v, "message"));
			cJSON_AddItemToArray(fl, o);
		}
		if (cJSON_GetObjectItem(res, "failures"))
			cJSON_AddItemToObject(detail, "failures",
					      cJSON_Duplicate(cJSON_GetObjectItem(res, "failures"), 1));
	}
	v = cJSON_GetObjectItem(res, "tests");
	if (cJSON_IsObject(v)) {
		cJSON *t = cJSON_AddObjectToObject(sum, "tests");

		add_num(t, "passed", jnum(v, "passed"));
		add_num(t, "failed", jnum(v, "failed"));
		add_num(t, "skipped", jnum(v, "skipped"));
		/* Each program's results, for the CI formats (ci_formats.c). */
		if (cJSON_IsObject(cJSON_GetObjectItem(v, "programs")))
			cJSON_AddItemToObject(cJSON_AddObjectToObject(detail, "tests"), "programs",
					      cJSON_Duplicate(cJSON_GetObjectItem(v, "programs"), 1));
	}
	replay = cJSON_CreateArray();
	nrep = collect_replay(gdir, 0, replay);
	/* A suite-only run has no probe.json: its first replay's probes say how they attached. */
	add_environment(sum, res, probe ?: cJSON_GetObjectItem(cJSON_GetArrayItem(replay, 0),
								"probe"));
	add_pins(sum, detail, res, probe);
	add_overhead(sum, detail, probe);

	ssc = cJSON_AddObjectToObject(sum, "scenarios");
	dsc = cJSON_AddObjectToObject(detail, "scenarios");
	if (scen || (probe && !nrep))
		add_scenario(ssc, dsc, scenario_name(scen, jstr(res, "job") ?: "run"), scen, probe);
	cJSON_ArrayForEach(f, replay) {
		const cJSON *p = cJSON_GetObjectItem(f, "probe");
		const char *name = scenario_name(f, "replay");

		if (cJSON_GetObjectItem(ssc, name))
			continue;
		if (!jstr(p, "schema") || strcmp(jstr(p, "schema"), SCHEMA_PROBE))
			p = (!scen && nrep == 1) ? probe : NULL;
		add_scenario(ssc, dsc, name, f, p);
	}
	cJSON_Delete(replay);
	cJSON_Delete(probe_file);
	cJSON_Delete(scen_file);
	cJSON_Delete(res);
	free(base), free(rpath), free(ppath), free(spath), free(gdir);
	return doc;
}

const cJSON *report_role(const cJSON *roles, const char *role)
{
	const char *slash = strchr(role, '/');
	char *name;
	const cJSON *r;

	if (!slash)
		return cJSON_GetObjectItem(roles, role);
	name = xasprintf("%.*s", (int)(slash - role), role);
	r = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(roles, name), "phases"),
				slash + 1);
	free(name);
	return r;
}

void report_latency_rows(const cJSON *scenario, bool other_phases,
			 void (*fn)(void *arg, const char *role, const cJSON *row), void *arg)
{
	const char *workload = tcelab_phase_name(TCELAB_PHASE_WORKLOAD);
	const cJSON *role, *ph;
	char *name;
	int pass;

	/* 0: each role's workload phase; 1: the roles; 2: the other phases. */
	for (pass = 0; pass < (other_phases ? 3 : 2); pass++)
		cJSON_ArrayForEach(role, cJSON_GetObjectItem(scenario, "roles")) {
			if (pass == 1) {
				fn(arg, role->string, role);
				continue;
			}
			cJSON_ArrayForEach(ph, cJSON_GetObjectItem(role, "phases")) {
				if (!strcmp(ph->string, workload) != (pass == 0))
					continue;
				name = xasprintf("%s/%s", role->string, ph->string);
				fn(arg, name, ph);
				free(name);
			}
		}
}

const cJSON *report_role_latency(const cJSON *doc, const char *scenario, const char *role)
{
	const cJSON *d = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "detail"), "scenarios");

	d = report_role(cJSON_GetObjectItem(cJSON_GetObjectItem(d, scenario), "roles"), role);
	return cJSON_GetObjectItem(d, "latency");
}

char *report_env_line(const cJSON *summary, bool with_kernel)
{
	const cJSON *env = cJSON_GetObjectItem(summary, "environment");

	return xasprintf("target=%s kernel=%s attach=%s stack=%s clock=%s timing=%s qemu=%s",
			 jstr(env, "target") ?: "?",
			 with_kernel ? jstr(env, "kernel") ?: "?" : "(under test)",
			 jstr(env, "attach_mode") ?: "?", jstr(env, "stack") ?: "?",
			 jstr(env, "clocksource") ?: "?", jstr(env, "timing") ?: "?",
			 jstr(env, "qemu_version") ?: "?");
}
