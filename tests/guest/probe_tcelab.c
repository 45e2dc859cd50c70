// SPDX-License-Identifier: GPL-2.0
/*
 * The BPF probes (tcelab-probe) against tcelab.ko's own counters, and the leak detector
 * against the module's fault knobs.
 *
 * Each case runs this same program as the workload ("probe_tcelab workload NAME") under
 * tcelab-probe, reads the probe's JSON and compares it with the deltas of
 * /sys/kernel/debug/tcelab/{exchanges,kills,pinned,double_releases,locked_pages}:
 * - knobs off: exact agreement of exchanges, kills and pins, nothing leaked, no double release,
 *   no locked_vm drift, and the latency histograms are consistent;
 * - each leaking knob: the ledger reports the module's leaked pages with a stack naming the
 *   function that pinned them; locked_vm_leak shows as locked_vm drift; nonatomic_xchg's double
 *   releases match the module's count. Every knob run ends with knobs/reap.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <tcelab/guest.h>
#include <uapi/tcelab.h>

#include "lib/json.h"
#include "lib/probe_doc.h"
#include "tap.h"

#define PROBE		"/bin/tcelab-probe"
#define JSON_OUT	"/tmp/probe_tcelab.json"
#define IOP		4096UL	/* IOMMU page of the default window */

static const char *self;
static size_t sps;		/* system page size: 64K on ppc64le, 4K on x86_64 */

/* --- debugfs ------------------------------------------------------------------------------ */

struct kcounters {
	long long exchanges, kills, pinned, double_releases, locked_pages, dirtied;
};

static void kcounters(struct kcounters *k)
{
	k->exchanges = tcelab_debugfs_read("exchanges");
	k->kills = tcelab_debugfs_read("kills");
	k->pinned = tcelab_debugfs_read("pinned");
	k->double_releases = tcelab_debugfs_read("double_releases");
	k->locked_pages = tcelab_debugfs_read("locked_pages");
	k->dirtied = tcelab_debugfs_read("dirtied");
}

/* The probe's document of the last run_probe(), or NULL. */
static cJSON *doc;

/* Does a leak stack name @func? "" asks only for the ledger's stacks (no leak expected). */
static bool leak_stack_names(const char *func)
{
	if (!*func)
		return json_at(doc, "ledger.leaks.by_stack") != NULL;
	return probe_doc_stack_has(doc, "leaks", func);
}

static long long doc_num(const char *path)
{
	return probe_doc_num(doc, path);
}

static bool doc_str_is(const char *path, const char *want)
{
	const char *s = json_str_at(doc, path);

	return s && !strcmp(s, want);
}

/* --- running the workload under the probe -------------------------------------------------- */

/* Run "tcelab-probe [opts] -- self workload NAME"; returns the probe's exit status. */
static int run_probe(const char *workload, const char *opt1, const char *opt2)
{
	char *argv[16], err[256];
	int n = 0, status;
	pid_t pid;

	argv[n++] = PROBE;
	argv[n++] = "--json";
	argv[n++] = JSON_OUT;
	if (opt1)
		argv[n++] = (char *)opt1;
	if (opt2)
		argv[n++] = (char *)opt2;
	argv[n++] = "--";
	argv[n++] = (char *)self;
	argv[n++] = "workload";
	argv[n++] = (char *)workload;
	argv[n] = NULL;
	cJSON_Delete(doc);
	doc = NULL;
	unlink(JSON_OUT);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		/* The probe's summary goes to stderr: keep it in the TAP output as diagnostics. */
		dup2(1, 2);
		execv(PROBE, argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	doc = probe_doc_load(JSON_OUT, err, sizeof(err));
	if (!doc) {
		tap_diag("%s", err);
		return -1;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* --- workloads ------------------------------------------------------------------------------ */

#define ARG(s) (s).argsz = sizeof(s)

static int xioctl(int fd, unsigned long cmd, void *arg, const char *what)
{
	int r = ioctl(fd, cmd, arg);

	if (r < 0)
		fprintf(stderr, "workload: %s: %m\n", what);
	return r;
}

static int container(int type)
{
	struct tcelab_group g = { .group = 0 };
	int fd = open(TCELAB_DEVICE, O_RDWR);

	ARG(g);
	if (fd < 0 || ioctl(fd, TCELAB_SET_IOMMU, type) || xioctl(fd, TCELAB_ATTACH_GROUP, &g,
								  "attach"))
		return -1;
	if (type == TCELAB_SPAPR_TCE_IOMMU && xioctl(fd, TCELAB_ENABLE, NULL, "enable"))
		return -1;
	return fd;
}

/* Map @bytes at @iova. */
static int map(int fd, void *va, uint64_t iova, size_t bytes)
{
	struct tcelab_dma_map m = { .flags = TCELAB_DMA_MAP_FLAG_READ | TCELAB_DMA_MAP_FLAG_WRITE,
				    .vaddr = (uintptr_t)va, .iova = iova, .size = bytes };

	ARG(m);
	return ioctl(fd, TCELAB_MAP_DMA, &m);
}

/* Map one IOMMU page per system page: IOMMU page i at iova + i * IOP <- system page i. */
static int map_pages(int fd, char *buf, uint64_t iova, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (map(fd, buf + i * sps, iova + i * IOP, IOP))
			return -1;
	return 0;
}

static int unmap(int fd, uint64_t iova, size_t iopages)
{
	struct tcelab_dma_unmap u = { .iova = iova, .size = iopages * IOP };

	ARG(u);
	return xioctl(fd, TCELAB_UNMAP_DMA, &u, "unmap");
}

static int reg(int fd, void *va, size_t pages, bool on)
{
	struct tcelab_register_memory r = { .vaddr = (uintptr_t)va, .size = pages * sps };

	ARG(r);
	return xioctl(fd, on ? TCELAB_REGISTER_MEMORY : TCELAB_UNREGISTER_MEMORY, &r,
		      on ? "register" : "unregister");
}

/* v1: map 8 pages, map 4 over them (releases 4), unmap all. 12 pins, 12 unpins. */
static int wl_v1(void)
{
	char *buf = tcelab_touched_pages(12);
	int fd = container(TCELAB_SPAPR_TCE_IOMMU);

	if (fd < 0 || !buf || map_pages(fd, buf, 0, 8) || map_pages(fd, buf + 8 * sps, 0, 4) ||
	    unmap(fd, 0, 8))
		return 1;
	close(fd);
	return 0;
}

/* Hypercall set-up: guest memory = the registered region at gpa 0, liobn 1 over the window. */
static int hcall_setup(int fd, char *buf, size_t pages)
{
	struct tcelab_memslot s = { .gpa = 0, .vaddr = (uintptr_t)buf, .size = pages * sps };
	struct tcelab_liobn l = { .liobn = 1, .page_shift = 12, .offset = 0, .size = 1 << 20 };

	ARG(s);
	ARG(l);
	return xioctl(fd, TCELAB_SET_MEMSLOT, &s, "memslot") ||
	       xioctl(fd, TCELAB_SET_LIOBN, &l, "liobn");
}

static int hcalls(int fd, struct tcelab_hcall *h, unsigned int n)
{
	struct tcelab_hcall_batch b = { .count = n, .calls = (uintptr_t)h };

	ARG(b);
	return xioctl(fd, TCELAB_HCALL, &b, "hcall");
}

/*
 * v2: register 16 pages (16 pins), map 8 through the registration, H_PUT_TCE 2 entries,
 * H_PUT_TCE_INDIRECT 4 (the list page is pinned and released: 1 pin), H_STUFF_TCE to clear
 * them, unmap, unregister (16 unpins).
 */
static int wl_v2(void)
{
	char *buf = tcelab_touched_pages(16);
	int fd = container(TCELAB_SPAPR_TCE_v2_IOMMU), i;
	struct tcelab_hcall h[2];
	uint64_t *list;

	if (fd < 0 || !buf || reg(fd, buf, 16, true) || map_pages(fd, buf, 0, 8) ||
	    hcall_setup(fd, buf, 16))
		return 1;
	/* The TCE list lives in guest memory (gpa = offset in buf): its last page. */
	list = (uint64_t *)(buf + 15 * sps);
	for (i = 0; i < 4; i++)
		list[i] = __builtin_bswap64((uint64_t)(8 + i) * sps | 3);
	memset(h, 0, sizeof(h));
	h[0] = (struct tcelab_hcall){ .opcode = TCELAB_H_PUT_TCE,
				      .args = { 1, 16 * IOP, 8 * sps | 3 } };
	h[1] = (struct tcelab_hcall){ .opcode = TCELAB_H_PUT_TCE,
				      .args = { 1, 17 * IOP, 9 * sps | 3 } };
	if (hcalls(fd, h, 2) || h[0].ret || h[1].ret)
		return 1;
	h[0] = (struct tcelab_hcall){ .opcode = TCELAB_H_PUT_TCE_INDIRECT,
				      .args = { 1, 20 * IOP, 15 * sps, 4 } };
	if (hcalls(fd, h, 1) || h[0].ret)
		return 1;
	h[0] = (struct tcelab_hcall){ .opcode = TCELAB_H_STUFF_TCE,
				      .args = { 1, 16 * IOP, 0, 8 } };
	if (hcalls(fd, h, 1) || h[0].ret)
		return 1;
	if (unmap(fd, 0, 8) || reg(fd, buf, 16, false))
		return 1;
	close(fd);
	return 0;
}

/* map_leak: one v1 map over 6 system pages whose 6th is inaccessible fails after 5. */
static int wl_map_fail(void)
{
	char *buf = tcelab_touched_pages(6);
	int fd = container(TCELAB_SPAPR_TCE_IOMMU);

	if (fd < 0 || !buf || mprotect(buf + 5 * sps, sps, PROT_NONE))
		return 1;
	if (!map(fd, buf, 0, 6 * sps))
		return 1;	/* must fail */
	close(fd);
	return 0;
}

/* release_leak: close a v1 container with 6 pages mapped. */
static int wl_close_mapped(void)
{
	char *buf = tcelab_touched_pages(6);
	int fd = container(TCELAB_SPAPR_TCE_IOMMU);

	if (fd < 0 || !buf || map_pages(fd, buf, 0, 6))
		return 1;
	close(fd);
	return 0;
}

/* indirect_leak: an H_PUT_TCE_INDIRECT list holding an invalid TCE (outside guest memory). */
static int wl_bad_indirect(void)
{
	char *buf = tcelab_touched_pages(16);
	int fd = container(TCELAB_SPAPR_TCE_v2_IOMMU);
	struct tcelab_hcall h;
	uint64_t *list;

	if (fd < 0 || !buf || reg(fd, buf, 16, true) || map_pages(fd, buf, 0, 1) ||
	    hcall_setup(fd, buf, 16))
		return 1;
	list = (uint64_t *)(buf + 15 * sps);
	list[0] = __builtin_bswap64(8 * sps | 3);
	list[1] = __builtin_bswap64((1ULL << 40) | 3);	/* no memslot there */
	h = (struct tcelab_hcall){ .opcode = TCELAB_H_PUT_TCE_INDIRECT,
				   .args = { 1, 16 * IOP, 15 * sps, 2 } };
	if (hcalls(fd, &h, 1) || !h.ret)
		return 1;	/* must fail */
	if (unmap(fd, 0, 1) || reg(fd, buf, 16, false))
		return 1;
	close(fd);
	return 0;
}

/* remove_no_clear: map 4 pages in a DDW window, remove it, unregister fails, close. */
static int wl_remove_window(void)
{
	struct tcelab_spapr_tce_create c = { .page_shift = 12, .window_size = 1 << 24,
					     .levels = 1 };
	struct tcelab_spapr_tce_remove r = { 0 };
	char *buf = tcelab_touched_pages(8);
	int fd = container(TCELAB_SPAPR_TCE_v2_IOMMU);

	ARG(c);
	ARG(r);
	if (fd < 0 || !buf || reg(fd, buf, 8, true) ||
	    xioctl(fd, TCELAB_TCE_CREATE, &c, "create") || map_pages(fd, buf, c.start_addr, 4))
		return 1;
	r.start_addr = c.start_addr;
	if (xioctl(fd, TCELAB_TCE_REMOVE, &r, "remove"))
		return 1;
	close(fd);
	return 0;
}

/* locked_vm_leak: register and unregister 8 pages. */
static int wl_reg_unreg(void)
{
	char *buf = tcelab_touched_pages(8);
	int fd = container(TCELAB_SPAPR_TCE_v2_IOMMU);

	if (fd < 0 || !buf || reg(fd, buf, 8, true) || reg(fd, buf, 8, false))
		return 1;
	close(fd);
	return 0;
}

/*
 * nonatomic_xchg: threads keep mapping over the same 4 entries, each call a page never mapped
 * before. A page pinned once cannot be released by a stale exchange while it is being pinned
 * again, a window in which the module (counting inside the pin) and the probe (at its return)
 * would legitimately disagree on which release was the double one.
 */
#define STORM_THREADS	4
#define STORM_MAPS	150

static int storm_fd;
static char *storm_buf;

static void *storm(void *arg)
{
	long t = (long)arg;
	int i;

	for (i = 0; i < STORM_MAPS; i++)
		map(storm_fd, storm_buf + (t * STORM_MAPS + i) * sps, (i % 4) * IOP, IOP);
	return NULL;
}

static int wl_storm(void)
{
	pthread_t th[STORM_THREADS];
	long t;

	storm_buf = tcelab_touched_pages(STORM_THREADS * STORM_MAPS);
	storm_fd = container(TCELAB_SPAPR_TCE_IOMMU);
	if (storm_fd < 0 || !storm_buf)
		return 1;
	for (t = 0; t < STORM_THREADS; t++)
		pthread_create(&th[t], NULL, storm, (void *)t);
	for (t = 0; t < STORM_THREADS; t++)
		pthread_join(th[t], NULL);
	unmap(storm_fd, 0, 4);
	close(storm_fd);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} workloads[] = {
	{ "v1", wl_v1 }, { "v2", wl_v2 }, { "map_fail", wl_map_fail },
	{ "close_mapped", wl_close_mapped }, { "bad_indirect", wl_bad_indirect },
	{ "remove_window", wl_remove_window }, { "reg_unreg", wl_reg_unreg },
	{ "storm", wl_storm },
};

static int workload(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (!strcmp(workloads[i].name, name))
			return workloads[i].fn();
	fprintf(stderr, "workload: unknown %s\n", name);
	return 2;
}

/* --- the checks ------------------------------------------------------------------------------ */

static void diag_ledger(void)
{
	char *ledger = cJSON_PrintUnformatted(json_at(doc, "ledger"));

	if (ledger)
		tap_diag("ledger: %.1500s", ledger);
	free(ledger);
}

/* Knobs off: the probe agrees exactly with the module, and finds nothing wrong. */
static void check_clean(const char *wl, const char *mode, long long pins, long long unpins)
{
	struct kcounters a, b;
	int st;

	kcounters(&a);
	st = run_probe(wl, mode ? "--mode" : NULL, mode);
	kcounters(&b);
	if (!tap_check(st == 0 && doc, "%s (%s): probe and workload succeed", wl,
		       mode ? mode : "auto")) {
		tap_diag("exit status %d, error %s", st,
			 !doc ? "no json" : json_str_at(doc, "error") ?: "null");
		for (int i = 0; i < 7; i++)
			tap_check(0, "%s: skipped", wl);
		return;
	}
	tap_diag("%s: attach mode %s, stack %s", wl, json_str_at(doc, "attach_mode") ?: "?",
		 json_str_at(doc, "stack") ?: "?");
	tap_eq(doc_num("roles.xchg.count"), b.exchanges - a.exchanges,
	       "%s: exchanges equal the module's count", wl);
	tap_eq(doc_num("roles.kill.count"), b.kills - a.kills, "%s: kills equal the module's", wl);
	tap_eq(doc_num("roles.pin.ok"), pins, "%s: %lld pins", wl, pins);
	tap_eq(doc_num("roles.unpin.count"), unpins, "%s: %lld unpins", wl, unpins);
	tap_check(doc_num("ledger.leaks.pages") == 0 && b.pinned == a.pinned &&
		  doc_num("ledger.double_releases.count") == 0 &&
		  b.double_releases == a.double_releases,
		  "%s: no leak and no double release (probe and module agree)", wl);
	if (doc_num("ledger.leaks.pages") || doc_num("ledger.double_releases.count"))
		diag_ledger();
	tap_eq(doc_num("locked_vm.drift"), 0, "%s: no locked_vm drift", wl);
	tap_check(doc_num("lost.total") == 0 &&
		  doc_num("roles.xchg.latency.count") == doc_num("roles.xchg.count") &&
		  doc_num("roles.xchg.latency.p50") <= doc_num("roles.xchg.latency.p99") &&
		  doc_num("roles.xchg.latency.p99") <= doc_num("roles.xchg.latency.max"),
		  "%s: no lost events, xchg histogram consistent (p50 %lld p99 %lld max %lld ns)",
		  wl, doc_num("roles.xchg.latency.p50"), doc_num("roles.xchg.latency.p99"),
		  doc_num("roles.xchg.latency.max"));
}

/*
 * A leaking knob: the ledger reports exactly the module's leaked pins, on the expected
 * number of pages, with a stack naming @guilty; then reap.
 */
static void check_leak(const char *knob, const char *wl, long long pages, const char *guilty)
{
	struct kcounters a, b;
	char path[64];
	int st;

	snprintf(path, sizeof(path), "knobs/%s", knob);
	kcounters(&a);
	if (!tap_check(!tcelab_debugfs_write(path, 1), "%s: knob set", knob)) {
		for (int i = 0; i < 3; i++)
			tap_check(0, "%s: skipped", knob);
		return;
	}
	st = run_probe(wl, "--roles", "pin,unpin,locked_vm");
	tcelab_debugfs_write(path, 0);
	kcounters(&b);
	tap_check(st == 0 && doc, "%s: workload %s under the probe (status %d)", knob, wl, st);
	tap_check(doc_num("ledger.leaks.pins") == b.pinned - a.pinned &&
		  doc_num("ledger.leaks.pages") == pages,
		  "%s: ledger reports %lld leaked page(s) (module: %lld pins held)", knob,
		  doc_num("ledger.leaks.pages"), b.pinned - a.pinned);
	tap_check(leak_stack_names(guilty), "%s: leak stack names %s", knob, guilty);
	if (!leak_stack_names(guilty) || doc_num("ledger.leaks.pages") != pages)
		diag_ledger();
	tcelab_debugfs_write("knobs/reap", 1);
}

static void check_locked_vm_leak(void)
{
	struct kcounters a, b;
	int st;

	kcounters(&a);
	tcelab_debugfs_write("knobs/locked_vm_leak", 1);
	st = run_probe("reg_unreg", "--roles", "pin,unpin,locked_vm");
	tcelab_debugfs_write("knobs/locked_vm_leak", 0);
	kcounters(&b);
	tap_check(st == 0 && doc, "locked_vm_leak: workload under the probe");
	tap_check(doc_num("locked_vm.drift") == 8 && b.locked_pages - a.locked_pages == 8,
		  "locked_vm_leak: drift of %lld pages (module: %lld)", doc_num("locked_vm.drift"),
		  b.locked_pages - a.locked_pages);
	tap_check(doc_num("ledger.leaks.pages") == 0, "locked_vm_leak: no page leak");
	tcelab_debugfs_write("knobs/reap", 1);
}

static void check_nonatomic(void)
{
	struct kcounters a, b;
	int st;

	kcounters(&a);
	tcelab_debugfs_write("knobs/nonatomic_xchg", 1);
	st = run_probe("storm", "--roles", "pin,unpin");
	tcelab_debugfs_write("knobs/nonatomic_xchg", 0);
	kcounters(&b);
	tap_check(st == 0 && doc, "nonatomic_xchg: storm under the probe");
	tap_check(doc_num("ledger.double_releases.count") == b.double_releases - a.double_releases &&
		  b.double_releases > a.double_releases,
		  "nonatomic_xchg: %lld double release(s), module counted %lld",
		  doc_num("ledger.double_releases.count"), b.double_releases - a.double_releases);
	tap_check(doc_num("ledger.leaks.pins") == b.pinned - a.pinned,
		  "nonatomic_xchg: %lld leaked pin(s), module holds %lld",
		  doc_num("ledger.leaks.pins"), b.pinned - a.pinned);
	tcelab_debugfs_write("knobs/reap", 1);
}

/*
 * The dirty check: the v1 workload releases 12 pages mapped READ|WRITE (DMA_BIDIRECTIONAL), 4
 * overwritten and 8 unmapped. Each must be dirty when its exchange returns, as the module's
 * `dirtied` counts them; with knob no_dirty none is, and the probes count all 12 left clean.
 */
static void check_dirty(void)
{
	struct kcounters a, b;
	int knob, st;

	for (knob = 0; knob <= 1; knob++) {
		kcounters(&a);
		tcelab_debugfs_write("knobs/no_dirty", knob);
		st = run_probe("v1", "--roles", "xchg,pin,unpin");
		tcelab_debugfs_write("knobs/no_dirty", 0);
		kcounters(&b);
		tap_check(st == 0 && doc && cJSON_IsTrue(json_at(doc, "dirty.available")),
			  "no_dirty=%d: v1 under the probes, dirty check available (vmemmap %s)", knob,
			  json_str_at(doc, "dirty.vmemmap") ?: "none");
		tap_eq(doc_num("dirty.checked"), 12, "no_dirty=%d: 12 device-writable releases checked",
		       knob);
		tap_eq(b.dirtied - a.dirtied, knob ? 0 : 12, "no_dirty=%d: the module dirtied %s",
		       knob, knob ? "none" : "all 12");
		tap_eq(doc_num("dirty.not_dirtied"), knob ? 12 : 0,
		       "no_dirty=%d: the probes found %s left clean", knob, knob ? "all 12" : "none");
	}
}

/*
 * The upstream stack: every role resolves on powerpc (op once vfio_iommu_spapr_tce/kvm are
 * loaded), and x86_64 reports the powerpc-only ones as unresolved rather than skipping them.
 * tcelab.ko pins through pin_user_pages_fast() and unpin_user_page(), so the upstream pin
 * probes see the v1 workload's pages too and must balance them.
 */
static void check_upstream(void)
{
	static const char *const roles[] = { "xchg", "kill", "op", "pin", "unpin", "locked_vm" };
	bool ppc = false;
	char line[256], out[4096] = "";
	unsigned int i;
	FILE *f;
	int st;

#ifdef __powerpc64__
	ppc = true;
#endif
	f = popen(PROBE " --stack upstream --list 2>&1", "r");
	while (f && fgets(line, sizeof(line), f))
		if (strlen(out) + strlen(line) < sizeof(out))
			strcat(out, line);
	st = f ? pclose(f) : -1;
	tap_check(st == 0, "upstream: --list works");
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		char want[64];
		bool powerpc_only = i < 3;

		snprintf(want, sizeof(want), "\n%-10s %s", roles[i],
			 ppc || !powerpc_only ? "resolved" : "UNRESOLVED");
		if (!tap_check(strstr(out, want) != NULL, "upstream: role %s %s", roles[i], ppc || !powerpc_only ?
			       "resolves" : "reported unresolved (powerpc only)"))
			tap_diag("%s", out);
	}
	st = run_probe("v1", "--stack", "upstream");
	tap_check(st == 0 && doc && doc_str_is("stack", "upstream"),
		  "upstream: v1 workload under the upstream probes");
	tap_check(doc_num("roles.pin.pages") >= 12 &&
		  doc_num("roles.pin.pages") == doc_num("roles.unpin.pages") &&
		  doc_num("ledger.leaks.pages") == 0 && doc_num("ledger.double_releases.count") == 0,
		  "upstream: pin_user_pages_fast/unpin_user_page balance (%lld pinned, %lld released)",
		  doc_num("roles.pin.pages"), doc_num("roles.unpin.pages"));
}

/*
 * --attach-only: the same programs run as often as in a measured run of the same workload
 * (they are attached), and measure nothing: what tcelab bench's probe_floor figures rest on.
 */
static void check_attach_only(void)
{
	long long runs;
	int st;

	st = run_probe("v1", NULL, NULL);
	runs = st == 0 && doc ? doc_num("overhead.run_cnt") : -1;
	st = run_probe("v1", "--attach-only", NULL);
	tap_check(st == 0 && doc && cJSON_IsTrue(json_at(doc, "attach_only")) &&
		  cJSON_IsFalse(json_at(doc, "measured")),
		  "attach-only: the workload runs, the document says attach_only and not measured");
	tap_eq(doc_num("overhead.run_cnt"), runs,
	       "attach-only: as many program runs as a measured v1 run (%lld)", runs);
	tap_check(cJSON_IsNull(json_at(doc, "roles.xchg.count")) &&
		  cJSON_IsNull(json_at(doc, "ledger")),
		  "attach-only: no count and no ledger (null)");
}

int main(int argc, char **argv)
{
	self = argv[0];
	sps = sysconf(_SC_PAGESIZE);
	if (argc == 3 && !strcmp(argv[1], "workload"))
		return workload(argv[2]);

	tap_plan(8 * 3 + 4 * 5 + 3 + 3 + 2 * 4 + 9 + 3);
	check_clean("v1", NULL, 12, 12);
	check_clean("v2", NULL, 17, 17);
	check_clean("v1", "kprobe", 12, 12);
	/* Leak knobs: pages and the function whose pins were never released. */
	check_leak("map_leak", "map_fail", 5, "tcelab_map_dma");
	check_leak("release_leak", "close_mapped", 6, "tcelab_map_dma");
	check_leak("indirect_leak", "bad_indirect", 1, "tcelab_hcall_batch");
	check_leak("remove_no_clear", "remove_window", 8, "tcelab_register_memory");
	check_leak("map_leak", "close_mapped", 0, "");
	check_locked_vm_leak();
	check_nonatomic();
	check_dirty();
	check_upstream();
	check_attach_only();
	return tap_finish();
}
