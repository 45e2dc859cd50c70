// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab bench (make bench, README "Benchmarks"): tcelab's own cost and speed, every figure
 * measured side by side with its peer in one measurement, so that the drift of a shared host
 * cancels: the probes' overhead (the same trace replayed with and without them, interleaved in
 * one boot), tcelab.ko against the upstream VFIO stack (one boot, both backends), the importer
 * against `wc -l` on the same log, and the absolute figures (replay throughput, make run and its
 * phases, boot to probes attached, the histograms' percentile error), each over --runs repeats:
 * the median and the range. The figures go to OUT/bench.json after every step (complete: false
 * until the last), the table to stdout, a line to OUT/history.jsonl; the runs stay under
 * OUT/runs/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <tcelab/exit_codes.h>
#include <tcelab/schema.h>

#include "bench.h"
#include "bench_doc.h"
#include "subprocess.h"
#include "lib/json.h"
#include "lib/trace.h"
#include "lib/util.h"

#define MAX_RUNS	9
/* The QEMU log import_vs_wc reads: a recorded log repeated to more than 30 MB. */
#define IMPORT_LOG	"traces/testdata/recorded/pseries-e1000-nvme-noddw.log"
#define IMPORT_REPEAT	120
/* The bench suite's traces as the build made them (traces/suites/bench.suite). */
#define BENCH_TRACES	"build/traces/traces/bench"

struct bench {
	const char *out, *only, *label;
	int runs;
	char *json;
	struct bench_doc doc;
	int failed_steps;
};

enum step { STEP_X86, STEP_PPC, STEP_VFIO, STEP_IMPORT, STEP_MAKE_RUN, NR_STEPS };

/* The figures, one table: name, unit, goal, what the goal judges, the step that measures it. */
static const struct figure_def {
	const char *name, *unit, *goal, *goal_on;
	enum step step;
} figure_defs[] = {
	{ "probe_overhead_fentry.net", "hcalls/s", ">= 0.95", "ratio", STEP_X86 },
	{ "probe_overhead_fentry.storage512", "hcalls/s", ">= 0.95", "ratio", STEP_X86 },
	{ "probe_overhead_fentry.net.leak_roles", "hcalls/s", ">= 0.95", "ratio", STEP_X86 },
	{ "probe_floor_fentry.net", "hcalls/s", "", "ratio", STEP_X86 },
	{ "probe_floor_fentry.storage512", "hcalls/s", "", "ratio", STEP_X86 },
	{ "replay_entries_per_s", "entries/s", ">= 1000000", "value", STEP_X86 },
	{ "probe_bucket_error.x86_64", "", "<= 0.05", "value", STEP_X86 },
	{ "probe_cost_per_run.x86_64", "ns", "", "ratio", STEP_X86 },
	{ "probe_overhead_kprobe.net", "hcalls/s", ">= 0.85", "ratio", STEP_PPC },
	{ "probe_overhead_kprobe.net.leak_roles", "hcalls/s", ">= 0.85", "ratio", STEP_PPC },
	{ "probe_floor_kprobe.net", "hcalls/s", "", "ratio", STEP_PPC },
	{ "probe_bucket_error.powernv9", "", "<= 0.05", "value", STEP_PPC },
	{ "probe_cost_per_run.powernv9", "ns", "", "ratio", STEP_PPC },
	{ "kmod_vs_vfio_map", "insns/TCE", "<= 1.0", "ratio", STEP_VFIO },
	{ "import_vs_wc", "s", "<= 15", "ratio", STEP_IMPORT },
	{ "make_run_s", "s", "<= 30", "value", STEP_MAKE_RUN },
	{ "make_run_s.boot", "s", "", "ratio", STEP_MAKE_RUN },
	{ "make_run_s.smoke", "s", "", "ratio", STEP_MAKE_RUN },
	{ "make_run_s.suite", "s", "", "ratio", STEP_MAKE_RUN },
	{ "make_run_s.teardown", "s", "", "ratio", STEP_MAKE_RUN },
	{ "make_run_s.host", "s", "", "ratio", STEP_MAKE_RUN },
	{ "make_run_s.x86_64", "s", "", "value", STEP_MAKE_RUN },
	{ "boot_to_probe_s.x86_64", "s", "<= 3", "value", STEP_MAKE_RUN },
	{ "boot_to_probe_s.powernv9", "s", "<= 6", "value", STEP_MAKE_RUN },
};

#define NR_FIGURE_DEFS (sizeof(figure_defs) / sizeof(figure_defs[0]))

struct series {
	double v[MAX_RUNS];
	int n;
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: tcelab bench [--only NAME[,NAME...]] [--runs N] [--out DIR] [--label TEXT]\n"
		"\n"
		"Measures tcelab's own cost and speed, each figure side by side with its peer in one\n"
		"measurement (interleaved repeats: median and range), and writes DIR/bench.json\n"
		"(after every step), a table on stdout and a line to DIR/history.jsonl. Timing only:\n"
		"a missed goal is reported, not failed (README \"Benchmarks\").\n"
		"\n"
		"  --only NAME  the figures whose names start with NAME (comma-separated)\n"
		"  --runs N     repeats of every measurement, 3 to %d (default 3)\n"
		"  --out DIR    default build/bench; the runs go to DIR/runs/\n"
		"  --label TEXT the history line's label (e.g. 'before: clear walks every level')\n"
		"\n"
		"figures (goal):\n", MAX_RUNS);
	for (i = 0; i < NR_FIGURE_DEFS; i++)
		fprintf(f, "  %-34s %s %s\n", figure_defs[i].name, figure_defs[i].goal_on,
			figure_defs[i].goal[0] ? figure_defs[i].goal : "(reported)");
	fprintf(f, "\nexit status: 0 every figure measured, 2 a measurement failed or a usage error\n");
}

/* --- figures -------------------------------------------------------------------------------- */

static int selected(const struct bench *b, const char *name)
{
	char *list, *tok, *save;
	int hit = 0;

	if (!b->only)
		return 1;
	list = strdup(b->only);
	for (tok = strtok_r(list, ",", &save); tok && !hit; tok = strtok_r(NULL, ",", &save))
		hit = !strncmp(name, tok, strlen(tok));
	free(list);
	return hit;
}

static int step_selected(const struct bench *b, enum step s)
{
	size_t i;

	for (i = 0; i < NR_FIGURE_DEFS; i++)
		if (figure_defs[i].step == s && selected(b, figure_defs[i].name))
			return 1;
	return 0;
}

/* The figure @name of the document, new and not measured yet; NULL when --only leaves it out. */
static struct bench_figure *figure(struct bench *b, const char *name, const char *timing,
				   const char *peer, const char *note)
{
	const struct figure_def *def = NULL;
	struct bench_figure *f;
	size_t i;

	for (i = 0; i < NR_FIGURE_DEFS; i++)
		if (!strcmp(figure_defs[i].name, name))
			def = &figure_defs[i];
	if (!def)
		die("bench: no figure '%s' in the table (a bug)", name);
	if (!selected(b, name))
		return NULL;
	f = &b->doc.figures[b->doc.nfigures++];
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->unit, sizeof(f->unit), "%s", def->unit);
	snprintf(f->goal, sizeof(f->goal), "%s", def->goal);
	snprintf(f->goal_on, sizeof(f->goal_on), "%s", def->goal_on);
	snprintf(f->timing, sizeof(f->timing), "%s", timing ?: "");
	snprintf(f->peer, sizeof(f->peer), "%s", peer ?: "");
	snprintf(f->note, sizeof(f->note), "%s", note ?: "");
	f->value = f->peer_value = f->ratio = f->min = f->max = NAN;
	f->goal_met = -1;
	return f;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(const struct series *s)
{
	double v[MAX_RUNS];

	if (!s->n)
		return NAN;
	memcpy(v, s->v, s->n * sizeof(v[0]));
	qsort(v, s->n, sizeof(v[0]), by_value);
	return s->n % 2 ? v[s->n / 2] : (v[s->n / 2 - 1] + v[s->n / 2]) / 2;
}

static void range(const struct series *s, double *min, double *max)
{
	int i;

	*min = *max = NAN;
	for (i = 0; i < s->n; i++) {
		if (!i || s->v[i] < *min)
			*min = s->v[i];
		if (!i || s->v[i] > *max)
			*max = s->v[i];
	}
}

static void push(struct series *s, double v)
{
	if (s->n < MAX_RUNS && isfinite(v))
		s->v[s->n++] = v;
}

/* An absolute figure: the median of @v and its range. */
static void set_values(struct bench_figure *f, const struct series *v)
{
	if (!f)
		return;
	f->value = median(v);
	range(v, &f->min, &f->max);
	f->runs = v->n;
	bench_judge(f);
}

/*
 * A figure against its peer, run i of @v beside run i of @peer: the medians, and the median
 * and range of the per-pair ratios (a pair shares the host's load of its moment).
 */
static void set_pairs(struct bench_figure *f, const struct series *v, const struct series *peer)
{
	struct series r = { .n = 0 };
	int i;

	if (!f)
		return;
	for (i = 0; i < v->n && i < peer->n; i++)
		push(&r, peer->v[i] ? v->v[i] / peer->v[i] : NAN);
	f->value = median(v);
	f->peer_value = median(peer);
	f->ratio = median(&r);
	f->runs = r.n;
	if (!strcmp(f->goal_on, "ratio"))
		range(&r, &f->min, &f->max);
	else
		range(v, &f->min, &f->max);
	bench_judge(f);
}

static void save(struct bench *b)
{
	if (bench_doc_write(b->json, &b->doc))
		die("bench: cannot write %s: %s", b->json, strerror(errno));
}

/* --- runs ----------------------------------------------------------------------------------- */

/*
 * `tcelab run ARGS... --out OUT/runs/NAME`, its wall seconds in *@wall; the run directory, or
 * NULL (said why) when the run did not pass: a measurement of a failed run is no figure.
 */
static char *guest_run(struct bench *b, const char *name, double *wall, char **args)
{
	char *dir = xasprintf("%s/runs/%s", b->out, name), *log = xasprintf("%s.log", dir);
	char *argv[24] = { "tcelab", "run" };
	double t0;
	int n = 2, status;

	while (*args && n < 20)
		argv[n++] = *args++;
	argv[n++] = "--out";
	argv[n++] = dir;
	argv[n] = NULL;
	rm_rf(dir);
	t0 = now_seconds();
	status = spawn_self(argv, log);
	if (wall)
		*wall = now_seconds() - t0;
	progress("bench: run %s: exit %d, %.1f s", name, status, now_seconds() - t0);
	if (status) {
		fprintf(stderr, "tcelab: bench: run %s failed (exit %d): see %s\n", name, status, log);
		b->failed_steps++;
		free(dir), free(log);
		return NULL;
	}
	free(log);
	return dir;
}

static cJSON *load_replay(const char *dir, const char *name)
{
	char err[512], *path = xasprintf("%s/guest/%s", dir, name);
	cJSON *d = json_load(path, SCHEMA_REPLAY, err, sizeof(err));

	if (!d)
		fprintf(stderr, "tcelab: bench: %s\n", err);
	free(path);
	return d;
}

/*
 * Hypercalls per second of one replay's replay phase (set-up and teardown excluded), or with
 * @insns per billion instructions the replay process retired in it (kernel and probe handlers
 * included; NAN where the guest has no PMU for it).
 */
static double replay_rate(const char *dir, const char *scenario, const char *side, int run,
			  int insns)
{
	char *name = xasprintf("bench/%s-%s-%d.json", scenario, side, run);
	cJSON *d = load_replay(dir, name);
	double v = NAN;

	if (d && insns)
		v = json_num(d, "records", NAN) / json_num(d, "replay_insns", NAN) * 1e9;
	else if (d)
		v = json_num(d, "ops_per_s", NAN);
	cJSON_Delete(d);
	free(name);
	return v;
}

/*
 * With the probes (@side "probe"; "leaks": only the leak roles' probes; "floor": every probe
 * attached, returning at once) over without. Where
 * the guest's PMU counted every replay's instructions (powernv), in instructions: the guest's
 * clock is host time there, which a loaded host stretches by any factor between one run and
 * the next.
 */
static void overhead_figure(struct bench *b, const char *fig, const char *dir,
			    const char *scenario, const char *side, const char *timing)
{
	struct series plain = { .n = 0 }, probe = { .n = 0 };
	struct bench_figure *f;
	int i, insns = 1;
	char *note;

	for (i = 1; i <= b->runs; i++)
		insns &= isfinite(replay_rate(dir, scenario, "plain", i, 1)) &&
			 isfinite(replay_rate(dir, scenario, side, i, 1));
	note = xasprintf("hypercalls per %s of the %s trace's replay phase (tcelab-replay's "
			 "records / %s), with the probes%s (value) / without (peer), interleaved "
			 "in one boot, the order reversed run to run",
			 insns ? "billion instructions" : "second", scenario,
			 !strcmp(side, "floor") ? " attached but returning at once (tcelab-probe "
			 "--attach-only: what any probe on these calls costs at least)" :
			 !strcmp(side, "leaks") ? " of the leak roles only (--roles "
			 "pin,unpin,locked_vm: what a CI leaves on to catch leaks)" : "",
			 insns ? "replay_insns, the replay process's instructions from the guest's "
			 "PMU, probe handlers included" : "seconds.replay");
	f = figure(b, fig, insns ? "insns" : timing, "the same replay without the probes", note);
	for (i = 1; f && i <= b->runs; i++) {
		push(&plain, replay_rate(dir, scenario, "plain", i, insns));
		push(&probe, replay_rate(dir, scenario, side, i, insns));
	}
	if (f && insns)
		snprintf(f->unit, sizeof(f->unit), "hcalls/Ginsn");
	set_pairs(f, &probe, &plain);
	free(note);
}

/*
 * The observer effect: the probes' own run time per program run (bpf_stats; a call's entry and
 * return are two runs, and a latency includes about one run's worth: the end of the entry
 * program and the start of the return one), beside the command's wall time per probed call.
 */
static void probe_cost_figure(struct bench *b, const char *fig, const char *dir,
			      const char *scenario, const char *timing)
{
	struct series cost = { .n = 0 }, wall = { .n = 0 };
	struct bench_figure *f = figure(b, fig, timing,
		"the replay's wall time per program run",
		"bpf_stats run_time_ns / run_cnt of every probe program during the replay under "
		"the probes (value); ratio: the probes' run time / the command's wall time");
	char *name;
	cJSON *d;
	int i;

	for (i = 1; f && i <= b->runs; i++) {
		name = xasprintf("bench/%s-probe-%d.json", scenario, i);
		d = load_replay(dir, name);
		push(&cost, json_num(d, "probe.overhead.ns_per_run", NAN));
		push(&wall, json_num(d, "probe.overhead.command_wall_ns", NAN) /
			    json_num(d, "probe.overhead.run_cnt", NAN));
		cJSON_Delete(d);
		free(name);
	}
	set_pairs(f, &cost, &wall);
}

static int by_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return (x > y) - (x < y);
}

/*
 * The worst relative error of the replay histogram's p50, p99 and p99.9 (lib/hist.c, the
 * probes' layout and percentile code) against the exact percentiles of the same calls (the
 * raw latencies, sorted; rank ceil(q * n)); the worst quantile in @worst.
 */
static double bucket_error(const char *dir, const char *scenario, int run, const char **worst)
{
	static const struct { double q; const char *key; } qs[] = {
		{ 0.5, "p50" }, { 0.99, "p99" }, { 0.999, "p99_9" },
	};
	char *raw = xasprintf("%s/guest/bench/%s-raw-%d.txt", dir, scenario, run);
	char *name = xasprintf("bench/%s-raw-%d.json", scenario, run);
	unsigned long long *v = NULL, x;
	size_t n = 0, cap = 0, rank, i;
	cJSON *d = load_replay(dir, name);
	double err = NAN, e, exact, hist;
	FILE *f = fopen(raw, "r");

	while (f && fscanf(f, "%llu", &x) == 1) {
		if (n == cap && !(v = realloc(v, (cap = cap ? cap * 2 : 4096) * sizeof(*v))))
			die("out of memory");
		v[n++] = x;
	}
	if (f)
		fclose(f);
	if (d && n) {
		qsort(v, n, sizeof(*v), by_u64);
		for (i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
			rank = (size_t)ceil(qs[i].q * n - 1e-9);
			exact = v[(rank ? rank : 1) - 1];
			hist = json_num(json_at(d, "latency_ns.all"), qs[i].key, NAN);
			e = exact ? fabs(hist / exact - 1) : NAN;
			if (isnan(err) || e > err) {
				err = e;
				*worst = qs[i].key;
			}
		}
	}
	cJSON_Delete(d);
	free(v), free(raw), free(name);
	return err;
}

static void bucket_figure(struct bench *b, const char *fig, const char *dir,
			  const char *scenario, const char *timing)
{
	struct series s = { .n = 0 };
	const char *worst = "p50";
	char *note;
	struct bench_figure *f;
	int i;

	for (i = 1; i <= b->runs; i++)
		push(&s, bucket_error(dir, scenario, i, &worst));
	note = xasprintf("worst |histogram / exact - 1| of p50, p99, p99.9 over every call of the "
			 "%s trace (replay latencies in the probes' histogram layout, against the "
			 "same calls' raw latencies sorted); the last run's worst: %s", scenario,
			 worst);
	f = figure(b, fig, timing, "exact percentiles of the same calls", note);
	set_values(f, &s);
	free(note);
}

/* TCE entries the bench trace @name maps through H_PUT_TCE_INDIRECT. */
static double indirect_entries(const char *name)
{
	static struct trace_parser parser;
	static struct trace_record rec;
	char *path = xasprintf("%s/%s/%s.tce", tcelab_top(), BENCH_TRACES, name);
	int fd = open(path, O_RDONLY), ret;
	double n = 0;

	if (fd < 0)
		die("bench: %s: %s (make build makes it)", path, strerror(errno));
	trace_parser_init_fd(&parser, path, fd);
	while ((ret = trace_next(&parser, &rec)) > 0)
		if (rec.op == TRACE_INDIRECT)
			n += rec.npages;
	if (ret < 0)
		die("bench: %s", parser.error);
	close(fd);
	free(path);
	return n;
}

/* x86_64, one boot: the probes' overhead (fentry), the replay's throughput, bucket errors. */
static void step_x86(struct bench *b)
{
	char *append = xasprintf("tcelab.bench.runs=%d", b->runs);
	char *args[] = { "--target", "x86_64", "--job", "bench", "--append", append,
			 "--no-history", NULL };
	char *dir = guest_run(b, "x86_64-bench", NULL, args);
	double entries = indirect_entries("storage512"), secs;
	struct series rate = { .n = 0 };
	struct bench_figure *f;
	cJSON *d;
	char *name;
	int i;

	if (dir) {
		overhead_figure(b, "probe_overhead_fentry.net", dir, "net", "probe", "icount");
		overhead_figure(b, "probe_overhead_fentry.storage512", dir, "storage512", "probe",
				"icount");
		overhead_figure(b, "probe_overhead_fentry.net.leak_roles", dir, "net", "leaks",
				"icount");
		overhead_figure(b, "probe_floor_fentry.net", dir, "net", "floor", "icount");
		overhead_figure(b, "probe_floor_fentry.storage512", dir, "storage512", "floor",
				"icount");
		for (i = 1; i <= b->runs; i++) {
			name = xasprintf("bench/storage512-plain-%d.json", i);
			d = load_replay(dir, name);
			/* Time in the INDIRECT calls themselves: count x mean of their latencies. */
			secs = json_num(d, "latency_ns.indirect.count", NAN) *
			       json_num(d, "latency_ns.indirect.mean", NAN) / 1e9;
			push(&rate, entries / secs);
			cJSON_Delete(d);
			free(name);
		}
		f = figure(b, "replay_entries_per_s", "icount", NULL,
			   "TCE entries mapped by the storage512 trace's H_PUT_TCE_INDIRECT calls "
			   "(512 a call) / the time in those calls (count x mean latency), probes "
			   "off; icount: 1 ns a guest instruction");
		set_values(f, &rate);
		bucket_figure(b, "probe_bucket_error.x86_64", dir, "net", "icount");
		probe_cost_figure(b, "probe_cost_per_run.x86_64", dir, "net", "icount");
	}
	free(append), free(dir);
}

/* powernv9, one boot: the probes' overhead through kprobes, bucket error. */
static void step_ppc(struct bench *b)
{
	char *append = xasprintf("tcelab.bench.runs=%d tcelab.bench.scenarios=net", b->runs);
	char *args[] = { "--target", "powernv9", "--job", "bench", "--append", append,
			 "--no-history", NULL };
	char *dir = guest_run(b, "powernv9-bench", NULL, args);

	/* powernv's timing mode counts the probes' latencies in instructions; a replay's own
	 * clock is still the guest's, host time under TCG. */
	if (dir) {
		overhead_figure(b, "probe_overhead_kprobe.net", dir, "net", "probe", "host");
		overhead_figure(b, "probe_overhead_kprobe.net.leak_roles", dir, "net", "leaks",
				"host");
		overhead_figure(b, "probe_floor_kprobe.net", dir, "net", "floor", "host");
		bucket_figure(b, "probe_bucket_error.powernv9", dir, "net", "host");
		probe_cost_figure(b, "probe_cost_per_run.powernv9", dir, "net", "host");
	}
	free(append), free(dir);
}

/* An operation type's mean from a scenario's probe document; NAN when absent. */
static double op_mean(const char *dir, const char *file, const char *op)
{
	cJSON *d = load_replay(dir, file);
	char *key = xasprintf("probe.op_types.%s.mean", op);
	double v = d ? json_num(d, key, NAN) : NAN;

	cJSON_Delete(d);
	free(key);
	return v;
}

/* powernv9-vfio, a boot a run: the net trace on tcelab.ko, then on the upstream VFIO stack. */
static void step_vfio(struct bench *b)
{
	char *trace = xasprintf("%s/%s/net.tce", tcelab_top(), BENCH_TRACES);
	char *args[] = { "--target", "powernv9-vfio", "--job", "suite", "--backends", "kmod,vfio",
			 "--trace", trace, "--no-history", NULL };
	struct series kmod = { .n = 0 }, vfio = { .n = 0 };
	struct bench_figure *f;
	char name[32], *dir;
	int i;

	for (i = 1; i <= b->runs; i++) {
		snprintf(name, sizeof(name), "powernv9-vfio-%d", i);
		dir = guest_run(b, name, NULL, args);
		if (!dir)
			continue;
		push(&kmod, op_mean(dir, "suite/net.json", "put"));
		push(&vfio, op_mean(dir, "suite/net@vfio.json", "map"));
		free(dir);
	}
	f = figure(b, "kmod_vs_vfio_map", "insns", "upstream VFIO_IOMMU_MAP_DMA (op:map mean)",
		   "in-kernel instructions per TCE mapped, from the probes' op role: tcelab.ko's "
		   "H_PUT_TCE (op:put mean, one TCE a call) / upstream's MAP_DMA of one page "
		   "(op:map mean), the net trace on both backends in one powernv9-vfio boot");
	set_pairs(f, &kmod, &vfio);
	free(trace);
}

/* The import's input: the recorded log repeated past 30 MB (made once, kept in OUT/). */
static char *import_log(struct bench *b)
{
	char *path = xasprintf("%s/qemu-30M.log", b->out), *tmp = xasprintf("%s.tmp", path);
	char *src = xasprintf("%s/%s", tcelab_top(), IMPORT_LOG), *text;
	size_t len;
	FILE *f;
	int i;

	if (path_exists(path))
		goto out;
	text = read_file(src, &len);
	if (!text)
		die("bench: %s: %s", src, strerror(errno));
	f = fopen(tmp, "w");
	for (i = 0; f && i < IMPORT_REPEAT; i++)
		fwrite(text, 1, len, f);
	if (!f || fclose(f) || rename(tmp, path))
		die("bench: cannot write %s: %s", path, strerror(errno));
	free(text);
out:
	free(tmp), free(src);
	return path;
}

/*
 * The importer against `wc -l`, on the same log, in the page cache, interleaved; in CPU time
 * (this very binary imports: one measurement, one build).
 */
static void step_import(struct bench *b)
{
	char *log = import_log(b), *tce = xasprintf("%s/runs/import.tce", b->out);
	char *out = xasprintf("%s/runs/import.log", b->out);
	char *wc_out = xasprintf("%s/runs/wc.log", b->out), *runs = xasprintf("%s/runs", b->out);
	char *imp[] = { "tcelab", "import", "qemu", "--ram", "2G", "-o", tce, log, NULL };
	char *wc[] = { "wc", "-l", log, NULL };
	struct series ti = { .n = 0 }, tw = { .n = 0 };
	struct bench_figure *f;
	double cpu;
	int i, k, status;

	if (mkdir_p(runs))
		die("cannot create %s: %s", runs, strerror(errno));
	setenv("TCELAB_TOP", tcelab_top(), 1);
	/* Once untimed: the log in the page cache for both. */
	spawn_logged("wc", wc, wc_out, &cpu);
	for (i = 0; i < b->runs; i++)
		for (k = 0; k < 2; k++) {
			int wc_turn = (k + i) % 2;

			status = wc_turn ? spawn_logged("wc", wc, wc_out, &cpu) :
				 spawn_logged("/proc/self/exe", imp, out, &cpu);
			if (status) {
				fprintf(stderr, "tcelab: bench: %s failed (exit %d): see %s\n",
					wc_turn ? "wc -l" : "tcelab import", status,
					wc_turn ? wc_out : out);
				b->failed_steps++;
				return;
			}
			push(wc_turn ? &tw : &ti, cpu);
		}
	f = figure(b, "import_vs_wc", "", "wc -l on the same log",
		   "CPU seconds (user + system) of `tcelab import qemu --ram 2G` / of `wc -l` on "
		   "the same 31.7 MB QEMU log (a recorded log repeated 120 times), each a process, "
		   "interleaved");
	set_pairs(f, &ti, &tw);
	progress("bench: import %.2f s, wc -l %.3f s of CPU (%.1f MB/s)", median(&ti),
		 median(&tw), 31.7 / median(&ti));
	free(log), free(tce), free(out), free(wc_out), free(runs);
}

/* The kernel log's timestamp of the first line containing @mark, or NAN. */
static double mark_time(const char *dmesg, const char *mark)
{
	const char *p = dmesg ? strstr(dmesg, mark) : NULL;
	double t;

	if (!p)
		return NAN;
	while (p > dmesg && p[-1] != '\n')
		p--;
	return sscanf(p, "[ %lf]", &t) == 1 ? t : NAN;
}

struct run_phases {
	double wall, boot, smoke, suite, teardown, host, to_probe;
};

/*
 * A `tcelab run`'s phases, from the guest's kernel log marks (vm/guest/init, jobs/run,
 * tcelab-probe) and results.json's guest_seconds (QEMU's life): boot is QEMU's start to the
 * job (firmware, kernel, init), smoke and suite the job's two parts, teardown the guest's
 * finish, host what the host did before and after (checks, verdict, reports). The kernel's
 * clock starts after the firmware: what QEMU lived beyond the finish's mark (the firmware,
 * and the power-off after it) counts as boot.
 */
static int run_phases(const char *dir, double wall, struct run_phases *p)
{
	char *path = xasprintf("%s/guest/dmesg.txt", dir), *dmesg = read_file(path, NULL);
	char *res = xasprintf("%s/results.json", dir);
	cJSON *r = read_json(res);
	double g = json_num(r, "guest_seconds", NAN), start = mark_time(dmesg, "tcelab: job run start");
	double done = mark_time(dmesg, "tcelab: finish done"), pre = g - done;

	p->wall = wall;
	p->boot = pre + start;
	p->to_probe = pre + mark_time(dmesg, "tcelab-probe: attached");
	p->smoke = mark_time(dmesg, "tcelab: phase suite") - start;
	p->suite = mark_time(dmesg, "tcelab: job run end") - mark_time(dmesg, "tcelab: phase suite");
	p->teardown = done - mark_time(dmesg, "tcelab: job run end");
	p->host = wall - g;
	cJSON_Delete(r);
	free(path), free(dmesg), free(res);
	return isfinite(p->boot + p->to_probe + p->smoke + p->suite + p->teardown + p->host) ? 0 : -1;
}

static void phase_figure(struct bench *b, const char *name, const struct series *phase,
			 const struct series *wall, const char *what)
{
	set_pairs(figure(b, name, "host", "make_run_s (the whole run)", what), phase, wall);
}

/* Warm `tcelab run` (what make run runs) on powernv9, beside x86_64's, interleaved. */
static void step_make_run(struct bench *b)
{
	char *hist = xasprintf("%s/runs/history.sqlite", b->out);
	char *ppc[] = { "--target", "powernv9", NULL };
	/* Host time: under icount the guest's clock, hence its log's, is instructions. */
	char *x86[] = { "--target", "x86_64", "--timing", "host", NULL };
	struct series wall = { .n = 0 }, boot = { .n = 0 }, smoke = { .n = 0 }, suite = { .n = 0 };
	struct series td = { .n = 0 }, host = { .n = 0 }, probe_ppc = { .n = 0 };
	struct series wall_x86 = { .n = 0 }, probe_x86 = { .n = 0 };
	struct run_phases p;
	char name[48], *dir;
	double w;
	int i, k;

	/* As make run records its run, into a history of the measurement's own. */
	setenv("TCELAB_HISTORY", hist, 1);
	for (i = 1; i <= b->runs; i++)
		for (k = 0; k < 2; k++) {
			int is_x86 = (k + i) % 2 == 0;

			snprintf(name, sizeof(name), "make-run-%s-%d", is_x86 ? "x86_64" : "powernv9",
				 i);
			dir = guest_run(b, name, &w, is_x86 ? x86 : ppc);
			if (!dir)
				continue;
			if (run_phases(dir, w, &p)) {
				fprintf(stderr, "tcelab: bench: %s: its kernel log lacks the phase "
					"marks\n", dir);
				b->failed_steps++;
			} else if (is_x86) {
				push(&wall_x86, p.wall);
				push(&probe_x86, p.to_probe);
			} else {
				push(&wall, p.wall);
				push(&boot, p.boot);
				push(&smoke, p.smoke);
				push(&suite, p.suite);
				push(&td, p.teardown);
				push(&host, p.host);
				push(&probe_ppc, p.to_probe);
			}
			free(dir);
		}
	unsetenv("TCELAB_HISTORY");
	set_values(figure(b, "make_run_s", "host", NULL,
			  "wall seconds of a warm `tcelab run --target powernv9` (make run's "
			  "command; make itself adds its up-to-date checks), default job and suite"),
		   &wall);
	phase_figure(b, "make_run_s.boot", &boot, &wall,
		     "QEMU start to the job: firmware, kernel, init (ratio: share of the run)");
	phase_figure(b, "make_run_s.smoke", &smoke, &wall,
		     "the smoke scenario under the probes (probe load and attach included)");
	phase_figure(b, "make_run_s.suite", &suite, &wall,
		     "the default suite, each scenario under the probes");
	phase_figure(b, "make_run_s.teardown", &td, &wall,
		     "the guest's finish: tcelab.ko's state, rmmod, dmesg, power off");
	phase_figure(b, "make_run_s.host", &host, &wall,
		     "the host before QEMU (checks, initramfs) and after (verdict, reports, "
		     "history)");
	set_values(figure(b, "make_run_s.x86_64", "host", NULL,
			  "the same on x86_64 with --timing host"), &wall_x86);
	set_values(figure(b, "boot_to_probe_s.x86_64", "host", NULL,
			  "QEMU start to the first probes attached (tcelab-probe's kernel log "
			  "mark), x86_64 run job"), &probe_x86);
	set_values(figure(b, "boot_to_probe_s.powernv9", "host", NULL,
			  "QEMU start to the first probes attached, powernv9 run job"), &probe_ppc);
	free(hist);
}

static const struct step_def {
	const char *name;
	void (*fn)(struct bench *b);
} steps[NR_STEPS] = {
	[STEP_X86] = { "x86_64: replay with and without the probes, one boot", step_x86 },
	[STEP_PPC] = { "powernv9: replay with and without the probes, one boot", step_ppc },
	[STEP_VFIO] = { "powernv9-vfio: tcelab.ko beside upstream VFIO", step_vfio },
	[STEP_IMPORT] = { "import qemu beside wc -l", step_import },
	[STEP_MAKE_RUN] = { "warm tcelab run on powernv9 and x86_64", step_make_run },
};

/* --- environment and table ------------------------------------------------------------------ */

static char *command_line(const char *cmd)
{
	char buf[256] = "";
	FILE *p = popen(cmd, "r");

	if (p) {
		if (!fgets(buf, sizeof(buf), p))
			buf[0] = 0;
		pclose(p);
	}
	buf[strcspn(buf, "\n")] = 0;
	return strdup(buf);
}

static cJSON *environment(const struct bench *b, char **commit)
{
	cJSON *env = cJSON_CreateObject(), *host = cJSON_CreateObject();
	char *cmd = xasprintf("git -C '%s' rev-parse --short HEAD 2>/dev/null", tcelab_top());
	char *load = read_file("/proc/loadavg", NULL);
	struct utsname u;

	*commit = command_line(cmd);
	cJSON_AddItemToObject(env, "versions",
			      read_env_file(xasprintf("%s/.cache/versions.env", tcelab_top())));
	cJSON_AddStringToObject(cJSON_GetObjectItem(env, "versions"), "TCELAB_COMMIT", *commit);
	uname(&u);
	cJSON_AddStringToObject(host, "kernel", u.release);
	cJSON_AddStringToObject(host, "machine", u.machine);
	cJSON_AddNumberToObject(host, "cpus", sysconf(_SC_NPROCESSORS_ONLN));
	if (load) {
		load[strcspn(load, "\n")] = 0;
		cJSON_AddStringToObject(host, "loadavg_at_start", load);
	}
	cJSON_AddItemToObject(env, "host", host);
	cJSON_AddNumberToObject(env, "runs", b->runs);
	cJSON_AddItemToObject(env, "only", b->only ? cJSON_CreateString(b->only) :
			      cJSON_CreateNull());
	free(cmd), free(load);
	return env;
}

static void print_table(const char *path)
{
	struct bench_doc d;
	char err[512], value[24], peer[24], ratio[24], rng[40], goal[40];
	int i;

	if (bench_doc_load(path, &d, err, sizeof(err)))
		die("bench: %s", err);
	printf("%-34s %14s %-10s %14s %8s %19s %-16s %-4s %s\n", "figure", "value", "unit", "peer",
	       "ratio", "range", "goal", "met", "runs");
	for (i = 0; i < d.nfigures; i++) {
		const struct bench_figure *f = &d.figures[i];

		snprintf(value, sizeof(value), isnan(f->value) ? "-" : "%.6g", f->value);
		snprintf(peer, sizeof(peer), isnan(f->peer_value) ? "-" : "%.6g", f->peer_value);
		snprintf(ratio, sizeof(ratio), isnan(f->ratio) ? "-" : "%.3f", f->ratio);
		snprintf(rng, sizeof(rng), isnan(f->min) ? "-" : "%.4g..%.4g", f->min, f->max);
		snprintf(goal, sizeof(goal), f->goal[0] ? "%s %s" : "-", f->goal_on, f->goal);
		printf("%-34s %14s %-10s %14s %8s %19s %-16s %-4s %d\n", f->name, value,
		       f->unit, peer, ratio, rng, goal,
		       f->goal_met < 0 ? "-" : f->goal_met ? "yes" : "NO", f->runs);
	}
	printf("ratio = value / peer, the median of the pairs' ratios; range: of what the goal "
	       "judges\n%s%s\n", d.complete ? "" : "INCOMPLETE: ", path);
	bench_doc_free(&d);
}

int cmd_bench(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "only", required_argument, NULL, 'O' },
		{ "runs", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "label", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct bench b = { .out = NULL, .runs = 3 };
	char *commit, *end, *history, *load;
	double t0 = now_seconds();
	size_t i;
	int c, s;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'O': b.only = optarg; break;
		case 'r':
			b.runs = strtol(optarg, &end, 10);
			if (*end || b.runs < 3 || b.runs > MAX_RUNS)
				die("--runs takes 3 to %d (a median needs 3), not '%s'", MAX_RUNS,
				    optarg);
			break;
		case 'o': b.out = optarg; break;
		case 'l': b.label = optarg; break;
		default: usage_exit(usage, c);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return TCELAB_EXIT_ERROR;
	}
	for (i = 0; b.only && i < NR_FIGURE_DEFS && !selected(&b, figure_defs[i].name); i++)
		;
	if (b.only && i == NR_FIGURE_DEFS)
		die("--only %s names no figure ('tcelab bench --help' lists them)", b.only);
	if (!b.out)
		b.out = xasprintf("%s/build/bench", tcelab_top());
	if (mkdir_p(b.out))
		die("cannot create %s: %s", b.out, strerror(errno));
	b.json = xasprintf("%s/bench.json", b.out);
	b.doc.environment = environment(&b, &commit);
	for (s = 0; s < NR_STEPS; s++) {
		if (!step_selected(&b, s))
			continue;
		progress("bench: %s (%d runs)", steps[s].name, b.runs);
		steps[s].fn(&b);
		save(&b);
	}
	b.doc.complete = !b.failed_steps;
	load = read_file("/proc/loadavg", NULL);
	if (load) {
		load[strcspn(load, "\n")] = 0;
		cJSON_AddStringToObject(cJSON_GetObjectItem(b.doc.environment, "host"),
					"loadavg_at_end", load);
		free(load);
	}
	save(&b);
	history = xasprintf("%s/history.jsonl", b.out);
	if (bench_history_append(history, &b.doc, b.label, commit))
		die("bench: cannot append to %s: %s", history, strerror(errno));
	progress("bench: %.0f s in all; history %s", now_seconds() - t0, history);
	print_table(b.json);
	bench_doc_free(&b.doc);
	return b.failed_steps ? TCELAB_EXIT_ERROR : TCELAB_EXIT_PASS;
}
