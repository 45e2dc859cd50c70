// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-replay on tcelab.ko: every scenario of the full suite (generated and recorded
 * traces, traces/suites/full.suite) replays with zero mismatches, its expected return
 * codes and pins and locked_vm back to baseline, and a timeline that holds every call; a trace
 * with corrupted expectations fails with each mismatch reported at its line; under the probes,
 * each role's calls split exactly by the replay's phase.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <tcelab/schema.h>

#include "lib/json.h"
#include "tap.h"

#define DIR		"/tmp/replay-test"
#define SUITE		DIR "/suites/full.suite"
#define TRACES		DIR "/traces/full"
#define MAX_SCEN	64
#define MAX_POINTS	256	/* tcelab-replay's TIMELINE_MAX_POINTS */

struct scenario {
	char name[64];
	char opts[512];
};

static struct scenario scen[MAX_SCEN];
static int nscen;

static char *slurp(const char *path)
{
	static char buf[1 << 20];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return buf;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static int run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void read_suite(void)
{
	char line[1024], *p, *bar;
	FILE *f = fopen(SUITE, "r");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && nscen < MAX_SCEN) {
		if ((p = strchr(line, '#')))
			*p = 0;
		line[strcspn(line, "\n")] = 0;
		if (sscanf(line, "%63s", scen[nscen].name) != 1)
			continue;
		bar = strchr(line, '|');
		snprintf(scen[nscen].opts, sizeof(scen[nscen].opts), "%s", bar ? bar + 1 : "");
		nscen++;
	}
	fclose(f);
}

/* The replay document at @path, or NULL with the reason as a diagnostic. */
static cJSON *load_results(const char *path)
{
	char err[512];
	cJSON *doc = json_load(path, SCHEMA_REPLAY, err, sizeof(err));

	if (!doc)
		tap_diag("%s", err);
	return doc;
}

/*
 * The timeline (traces/README.md) of @doc: its windows' calls add up to latency_ns.all's,
 * the last ends on the last call, and there are at most MAX_POINTS. 0, or -1 and why.
 */
static int check_timeline(const cJSON *doc, char *why, size_t len)
{
	const cJSON *timeline = json_at(doc, "timeline"), *p;
	double all = json_num(doc, "latency_ns.all.count", -1), calls = 0, sum = 0;
	int points = 0;

	if (all < 0 || !cJSON_IsArray(timeline)) {
		snprintf(why, len, "no latency_ns.all or no timeline");
		return -1;
	}
	cJSON_ArrayForEach(p, timeline) {
		if (json_num(p, "calls", -1) < 0 || json_num(p, "elapsed_ns", -1) < 0 ||
		    json_num(p, "count", -1) < 0) {
			snprintf(why, len, "point %d has no calls, elapsed_ns or count", points);
			return -1;
		}
		calls = json_num(p, "calls", 0);
		sum += json_num(p, "count", 0);
		points++;
	}
	if (sum != all || calls != all || points > MAX_POINTS) {
		snprintf(why, len, "%d points, %.0f calls in windows, last ends at %.0f; %.0f calls",
			 points, sum, calls, all);
		return -1;
	}
	return 0;
}

static void replay_scenario(const struct scenario *s)
{
	char cmd[2048], path[256], why[128];
	cJSON *doc;
	int st;

	snprintf(cmd, sizeof(cmd), "tcelab-replay -q --name %s --json " DIR "/%s.json %s "
		 TRACES "/%s.tce >" DIR "/%s.out 2>&1", s->name, s->name, s->opts, s->name, s->name);
	st = run(cmd);
	if (st) {
		snprintf(path, sizeof(path), DIR "/%s.out", s->name);
		tap_diag("%s", slurp(path));
	}
	tap_eq(st, 0, "%s: replays and passes", s->name);
	snprintf(path, sizeof(path), DIR "/%s.json", s->name);
	doc = load_results(path);
	tap_check(json_num(doc, "mismatches", -1) == 0, "%s: no mismatch", s->name);
	tap_check(cJSON_IsTrue(json_at(doc, "balance.ok")),
		  "%s: pins, locked_vm, valid TCEs back to baseline", s->name);
	tap_check(cJSON_IsTrue(json_at(doc, "expectations_met")) && json_num(doc, "records", 0) > 0,
		  "%s: records replayed, return codes as the suite expects", s->name);
	st = check_timeline(doc, why, sizeof(why));
	if (st)
		tap_diag("%s: timeline: %s", s->name, why);
	tap_eq(st, 0, "%s: the timeline holds every call", s->name);
	cJSON_Delete(doc);
}

/* Does @doc's mismatch_list have one at @line, of @op and @expected when given? */
static int has_mismatch(const cJSON *doc, int line, const char *op, const char *expected)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, json_at(doc, "mismatch_list"))
		if (json_num(m, "line", 0) == line &&
		    (!op || (json_str_at(m, "op") && !strcmp(json_str_at(m, "op"), op))) &&
		    (!expected || (json_str_at(m, "expected") &&
				   !strcmp(json_str_at(m, "expected"), expected))))
			return 1;
	return 0;
}

/* Replace the first @from after line @after with @to; returns the line it was on, or 0. */
static int corrupt(char *text, int after, const char *from, const char *to, char *out,
		   size_t outlen)
{
	char *p = text, *hit;
	int line = 1;

	for (; *p && line <= after; p++)
		if (*p == '\n')
			line++;
	hit = strstr(p, from);
	if (!hit)
		return 0;
	for (; p < hit; p++)
		if (*p == '\n')
			line++;
	snprintf(out, outlen, "%.*s%s%s", (int)(hit - text), text, to, hit + strlen(from));
	return line;
}

static void corrupted(void)
{
	static char a[1 << 20], b[1 << 20];
	char want1[128], want2[128];
	const char *err;
	cJSON *doc;
	int l1, l2, st;
	FILE *f;

	snprintf(a, sizeof(a), "%s", slurp(TRACES "/adversarial.tce"));
	/* A call that must fail now claims success; a read-back claims another TCE. */
	l1 = corrupt(a, 0, "ret=H_PARAMETER", "ret=H_SUCCESS", b, sizeof(b));
	l2 = corrupt(b, l1, "tce=0x0 ret=H_SUCCESS", "tce=0x1000 ret=H_SUCCESS", a, sizeof(a));
	f = fopen(DIR "/corrupt.tce", "w");
	if (f) {
		fputs(a, f);
		fclose(f);
	}
	tap_check(l1 > 0 && l2 > l1, "corrupted two expectations (lines %d and %d)", l1, l2);
	st = run("tcelab-replay -q --json " DIR "/corrupt.json " DIR "/corrupt.tce >" DIR
		 "/corrupt.out 2>&1");
	tap_eq(st, 1, "a corrupted expectation fails the replay");
	doc = load_results(DIR "/corrupt.json");
	tap_check(json_num(doc, "mismatches", -1) == 2, "exactly the two mismatches");
	tap_check(has_mismatch(doc, l1, NULL, NULL) && has_mismatch(doc, l2, "get", "tce=0x1000"),
		  "the results name both lines");
	err = slurp(DIR "/corrupt.out");
	snprintf(want1, sizeof(want1), "corrupt.tce:%d: mismatch: ", l1);
	snprintf(want2, sizeof(want2), "corrupt.tce:%d: mismatch: get expected tce=0x1000", l2);
	if (!strstr(err, want1) || !strstr(err, want2))
		tap_diag("%s", err);
	tap_check(strstr(err, want1) && strstr(err, want2), "stderr reports file:line of each");
	tap_check(cJSON_IsTrue(json_at(doc, "balance.ok")), "and it still balances");
	cJSON_Delete(doc);
}

/*
 * Under the probes, every role split by the replay's phase (include/tcelab/phase.h), on a
 * trace small enough to count by hand: a 1M window of 4K pages; 3 H_PUT_TCE, an H_STUFF_TCE of
 * 4 pages and an H_GET_TCE. Each hypercall but the get is one op with one exchange and one
 * kill per entry (book3s_64_vio.c); the teardown's release clears the window's whole table, as
 * tce_iommu_clear() clears a one-level table (upstream skips only missing indirect levels):
 * it_size entries, whose table is at least one kernel page of TCEs (8192 on powernv's 64K
 * pages, 512 on x86_64's 4K) though the window has 256. Preregistration pins in the set-up,
 * and its release unpins in the teardown.
 */
static const char phases_trace[] =
	"tcetrace 1\n"
	"guest ram=64M iommu_page_shift=12\n"
	"window liobn=0x80000000 offset=0x0 size=1M page_shift=12\n"
	"put liobn=0x80000000 ioba=0x1000 tce=0x100003 ret=H_SUCCESS\n"
	"put liobn=0x80000000 ioba=0x2000 tce=0x101003 ret=H_SUCCESS\n"
	"put liobn=0x80000000 ioba=0x1000 tce=0x0 ret=H_SUCCESS\n"
	"stuff liobn=0x80000000 ioba=0x0 value=0x0 npages=4 ret=H_SUCCESS\n"
	"get liobn=0x80000000 ioba=0x2000 tce=0x0 ret=H_SUCCESS\n";

/* The phases' @key ("count", "pages") of @role add up to the role's: 0, or -1 and why. */
static int phases_add_up(const cJSON *role, const char *key, char *why, size_t len)
{
	const cJSON *p;
	double sum = 0;

	cJSON_ArrayForEach(p, json_at(role, "phases"))
		sum += json_num(p, key, 0);
	if (sum == json_num(role, key, -1))
		return 0;
	snprintf(why, len, "%s: phases' %s add up to %.0f, the role's is %.0f", role->string, key,
		 sum, json_num(role, key, -1));
	return -1;
}

static void phases(void)
{
	long table = sysconf(_SC_PAGESIZE) / 8 > 256 ? sysconf(_SC_PAGESIZE) / 8 : 256;
	const cJSON *roles, *r;
	char why[256] = "";
	cJSON *doc;
	int st, bad = 0;
	FILE *f = fopen(DIR "/phases.tce", "w");

	if (f) {
		fputs(phases_trace, f);
		fclose(f);
	}
	st = run("tcelab-replay -q --probe --json " DIR "/phases.json " DIR "/phases.tce >"
		 DIR "/phases.out 2>&1");
	if (st)
		tap_diag("%s", slurp(DIR "/phases.out"));
	tap_eq(st, 0, "phases: the trace replays under the probes and passes");
	doc = load_results(DIR "/phases.json");
	roles = json_at(doc, "probe.roles");
	cJSON_ArrayForEach(r, roles)
		bad |= phases_add_up(r, "count", why, sizeof(why)) ||
		       phases_add_up(r, "nested", why, sizeof(why)) ||
		       (json_at(r, "pages") && phases_add_up(r, "pages", why, sizeof(why)));
	if (bad || !roles)
		tap_diag("%s", roles ? why : "no probe.roles");
	tap_check(roles && !bad, "phases: each role's phases add up to its calls and pages");
	tap_diag("xchg: %.0f workload, %.0f teardown; kill %.0f, %.0f; op %.0f",
		 json_num(roles, "xchg.phases.workload.count", -1),
		 json_num(roles, "xchg.phases.teardown.count", -1),
		 json_num(roles, "kill.phases.workload.count", -1),
		 json_num(roles, "kill.phases.teardown.count", -1),
		 json_num(roles, "op.phases.workload.count", -1));
	tap_check(json_num(roles, "xchg.phases.workload.count", -1) == 7 &&
		  json_num(roles, "kill.phases.workload.count", -1) == 7 &&
		  json_num(roles, "op.phases.workload.count", -1) == 5 &&
		  json_num(roles, "op.count", -1) == 5,
		  "phases: the workload's 5 hypercalls: 7 exchanges, 7 kills");
	tap_check(json_num(roles, "xchg.phases.teardown.count", -1) == table &&
		  json_num(roles, "kill.phases.teardown.count", -1) == 1 &&
		  !json_at(roles, "xchg.phases.setup"),
		  "phases: the teardown clears the window's table whole (%ld entries), once killed",
		  table);
	tap_check(json_num(roles, "pin.pages", -1) > 0 &&
		  json_num(roles, "pin.phases.setup.pages", -1) == json_num(roles, "pin.pages", -2) &&
		  json_num(roles, "unpin.phases.teardown.pages", -1) ==
		  json_num(roles, "unpin.pages", -2),
		  "phases: preregistration pins in the set-up, unpins in the teardown (%.0f pages)",
		  json_num(roles, "pin.pages", -1));
	cJSON_Delete(doc);
}

/* Without a device bound to vfio-pci, the vfio backend says so and fails. */
static void vfio_without_group(void)
{
	const char *err;
	int st;

	if (run("ls /dev/vfio 2>/dev/null | grep -q '^[0-9]'") == 0) {
		tap_skip("the vfio backend without a VFIO group", "a VFIO group exists here");
		return;
	}
	st = run("tcelab-replay -q --backend vfio " TRACES "/ddw.tce >" DIR "/vfio.out 2>&1");
	err = slurp(DIR "/vfio.out");
	if (!strstr(err, "vfio backend: no VFIO group"))
		tap_diag("%s", err);
	tap_check(st == 1 && strstr(err, "vfio backend: no VFIO group"),
		  "the vfio backend without a VFIO group fails and says why");
}

int main(void)
{
	int i, ok;

	ok = run("rm -rf " DIR " && tcelab-traces " DIR) == 0;
	read_suite();
	tap_plan(2 + 5 * nscen + 6 + 5 + 1);
	tap_check(ok, "the packed traces extract");
	tap_check(nscen >= 8, "the full suite lists %d scenarios", nscen);
	for (i = 0; i < nscen; i++)
		replay_scenario(&scen[i]);
	corrupted();
	phases();
	vfio_without_group();
	run("rm -rf " DIR);
	return tap_finish();
}
