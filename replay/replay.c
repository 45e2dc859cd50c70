// SPDX-License-Identifier: GPL-2.0
/*
 * tcelab-replay: replays a .tce trace (traces/FORMAT.md) in the guest through a backend
 * (replay/backend.h), times every call in user space, checks every return code against the
 * trace's and verifies at the end that pins and locked_vm came back to where they were.
 *
 * Guest RAM is one mmap'd region that up to 8 memory slots share: guest physical [0, ram) is
 * RAM / 8 bytes of user memory seen 8 times (backend.h), so that a trace of a 2G guest replays
 * in a 2G guest and only a quarter of a GiB is preregistered (pinned). Nothing reads the DMA
 * data, so the aliasing changes no result. H_PUT_TCE_INDIRECT lists are written into it, at
 * the record's list= address or in scratch pages at the top of RAM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <time.h>
#include <unistd.h>

#include <tcelab/schema.h>

#include "lib/effects.h"
#include "lib/hist.h"
#include "lib/json.h"
#include "lib/phase_mark.h"
#include "lib/probe_doc.h"
#include "lib/sha256.h"
#include "lib/trace.h"
#include "backend.h"
#include "replay_json.h"
#include "replay_logic.h"
#include "spawn.h"
#include "suite.h"
#include "timeline.h"

#define MAX_THREADS		16
#define MAX_TIDS		256
#define QLEN			16
#define SCRATCH_SLOTS		64		/* indirect lists per batch and worker */
#define SCRATCH_SLOT		(TRACE_MAX_LIST * 8)
#define MAX_EXPECT_RETS		16
/* Set for the replay that --probe runs under tcelab-probe: where it writes its document. */
#define UNDER_PROBE_ENV		"TCELAB_REPLAY_UNDER_PROBE"
#define TIMELINE_FIRST_WINDOW	16		/* calls: enough for p50 and max to differ */
#define TIMELINE_MAX_POINTS	256

struct pending {
	unsigned long line;
	enum trace_op op;
	unsigned int flags;
	int64_t want;
	uint64_t want_tce;
};

struct worker {
	unsigned int idx;
	struct replay_stats st;
	struct tcelab_hcall *calls;
	struct pending *pend;
	unsigned int n;
	uint64_t scratch_gpa;
	unsigned int scratch_used, nr_lists;
	struct { uint64_t gpa, len; } lists[SCRATCH_SLOTS * 2];
	/* --effects: when each call to the backend ran (lib/effects.h). */
	struct effect_call *effect_calls;
	size_t nr_effect_calls, effect_calls_cap;
	/* Records handed over by the reader (--threads). */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct trace_record *ring[QLEN];
	unsigned int head, count;
	int done;
};

static struct {
	const char *backend, *json, *name, *trace;
	FILE *raw;				/* --raw-latencies */
	unsigned int threads, batch;
	int probe, quiet, effects;
	uint64_t ram_backing;
	long expect_mismatches;
	unsigned int nr_expect_rets;
	struct replay_ret_count expect_rets[MAX_EXPECT_RETS];
} opt = { .backend = "kmod", .threads = 1, .batch = 1 };

static struct backend be;
static struct guest_ram ram;
static struct worker workers[MAX_THREADS];
static volatile sig_atomic_t stop;
/* One timeline for all threads: their calls in the order they complete (traces/README.md). */
static struct timeline timeline;
static pthread_mutex_t timeline_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t replay_start_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tcelab-replay [--backend NAME] [--threads N] [--batch N] [--probe]\n"
		"                     [--json FILE] [--name NAME] [--ram-backing SIZE]\n"
		"                     [--expect-mismatches N] [--expect-ret CODE=N ...]\n"
		"                     [--release-without-group] [--raw-latencies FILE]\n"
		"                     [--effects] [-q] TRACE.tce\n"
		"       tcelab-replay --suite FILE --traces DIR --out DIR [--backends NAME,...]\n"
		"                     [--differences FILE [--undeclare ID]]\n"
		"       tcelab-replay --list-backends\n"
		"Replays a .tce trace (traces/FORMAT.md) through a backend, checks every return\n"
		"code, times every call and checks that pins and locked_vm come back to baseline.\n"
		"  --backend NAME      kmod (tcelab.ko's hypercalls, default) or another backend\n"
		"  --threads N         one replay thread per recorded tid (tids share N threads);\n"
		"                      records of one tid keep their order (default 1: trace order)\n"
		"  --batch N           up to N hypercalls per backend call (default 1: every call\n"
		"                      timed alone; above 1 the latency is the batch's per call)\n"
		"  --probe             run under tcelab-probe and add its results to the JSON\n"
		"  --effects           with --probe: what each call did to which TCE entry, from\n"
		"                      the probes' exchanges, into the JSON (\"effects\")\n"
		"  --json FILE         results (traces/README.md, 'Replay results')\n"
		"  --name NAME         the scenario's name in the results (default: the file's)\n"
		"  --ram-backing SIZE  user memory behind guest RAM (default and minimum: RAM / %d,\n"
		"                      in multiples of the largest TCE page, at least 16M;\n"
		"                      memory slots alias it, see traces/README.md)\n"
		"  --expect-mismatches N  the run passes with exactly N mismatches (default 0)\n"
		"  --expect-ret CODE=N    exactly N calls return CODE (H_PARAMETER=12, -4=12)\n"
		"  --release-without-group  detach every container's group before closing it, so\n"
		"                      that its release frees windows, TCEs and preregistered\n"
		"                      memory with no group attached\n"
		"  --raw-latencies FILE  every hypercall's latency in ns, one a line, in the order\n"
		"                      they complete: the exact values behind the histograms\n"
		"                      (tcelab bench's probe_bucket_error)\n"
		"  -q                  no progress on stderr\n"
		"  --suite FILE        every scenario of a suite (traces/suites/README.md), trace\n"
		"                      --traces DIR/NAME.tce, on each backend of --backends (default\n"
		"                      kmod), each under the probes; results in --out DIR:\n"
		"                      suite/NAME.json (NAME@BACKEND.json off kmod) and suite.json;\n"
		"                      with kmod and another backend, each scenario's effects on the\n"
		"                      other are compared with its kmod run's, entry by entry\n"
		"  --differences FILE  kmod/DIFFERENCES.md: the effect differences it declares\n"
		"  --undeclare ID      its row ID taken out: its differences must fail the suite\n"
		"  --list-backends     a line a backend: name, needs devices bound to vfio-pci\n"
		"                      (yes/no), the stack its probes attach to, description\n",
		TCELAB_MAX_MEMSLOTS);
}

/* --- results ------------------------------------------------------------------------------ */

static void count_ret(struct replay_stats *st, int64_t code)
{
	unsigned int i;

	for (i = 0; i < st->nr_rets; i++)
		if (st->rets[i].code == code)
			break;
	if (i == st->nr_rets) {
		if (i == REPLAY_MAX_RETS)
			return;
		st->rets[st->nr_rets++] = (struct replay_ret_count){ code, 0 };
	}
	st->rets[i].n++;
}

static void add_mismatch(struct replay_stats *st, const struct replay_mismatch *m)
{
	st->mismatches++;
	if (st->nr_list < REPLAY_MAX_MISMATCHES)
		st->list[st->nr_list++] = *m;
}

static void set_error(struct replay_stats *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_error(struct replay_stats *st, const char *fmt, ...)
{
	va_list ap;

	st->errors++;
	if (st->error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(st->error, sizeof(st->error), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tcelab-replay: %s\n", st->error);
}

/* --- guest RAM ---------------------------------------------------------------------------- */

/* The size of a transparent huge page (PMD), or 0 when the kernel has none. */
static uint64_t thp_size(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size", "r");
	unsigned long long v = 0;

	if (f) {
		if (fscanf(f, "%llu", &v) != 1)
			v = 0;
		fclose(f);
	}
	return v;
}

static int ram_setup(const struct trace_header *h, char *err, size_t errlen)
{
	uint64_t align = 16ULL << 20, thp = thp_size(), off;
	uint8_t *base;
	unsigned int i;

	ram.page_size = sysconf(_SC_PAGESIZE);
	ram.size = (h->ram_size + ram.page_size - 1) & ~(uint64_t)(ram.page_size - 1);
	/* A 16M DDW page (or a bigger window page) must not straddle two memory slots. */
	for (i = 0; i < h->nr_windows; i++)
		if (h->windows[i].page_shift < 63 && (1ULL << h->windows[i].page_shift) > align)
			align = 1ULL << h->windows[i].page_shift;
	ram.backing = replay_backing_size(ram.size, opt.ram_backing, align, ram.page_size,
					  TCELAB_MAX_MEMSLOTS);
	/*
	 * Backed by huge pages where the kernel has them, as QEMU backs guest RAM: aligned to the
	 * huge page and advised. Left to where ASLR puts it, the part of RAM below the first
	 * huge-page boundary has small pages in some runs and not others, and pinning one costs
	 * another path: identical runs measured pin +4 % apart.
	 */
	if (thp < (uint64_t)ram.page_size)
		thp = 0;
	base = replay_map_aligned(ram.backing, thp ?: (uint64_t)ram.page_size);
	if (base == MAP_FAILED) {
		snprintf(err, errlen, "guest RAM: %" PRIu64 " bytes: %s", ram.backing,
			 strerror(errno));
		return -1;
	}
	if (thp && madvise(base, ram.backing, MADV_HUGEPAGE))
		fprintf(stderr, "tcelab-replay: guest RAM: madvise(MADV_HUGEPAGE): %s\n",
			strerror(errno));
	/*
	 * Populated up front, as a running guest's RAM is: a pin that first has to fault its page
	 * in measures the page allocator (a per-CPU list refill, or not, run to run), not the pin.
	 */
	for (off = 0; off < ram.backing; off += ram.page_size)
		base[off] = 0;
	ram.base = base;
	return 0;
}

/* --- replaying ---------------------------------------------------------------------------- */

/* --effects: a call to the backend ran from @t0 to @t1 (lib/effects.h). */
static void effect_call_add(struct worker *w, uint64_t t0, uint64_t t1, unsigned long line,
			    enum trace_op op)
{
	struct effect_call *c;

	if (!opt.effects)
		return;
	if (w->nr_effect_calls == w->effect_calls_cap) {
		size_t cap = w->effect_calls_cap ? 2 * w->effect_calls_cap : 1024;

		c = realloc(w->effect_calls, cap * sizeof(*c));
		if (!c) {
			set_error(&w->st, "--effects: out of memory");
			return;
		}
		w->effect_calls = c;
		w->effect_calls_cap = cap;
	}
	w->effect_calls[w->nr_effect_calls++] = (struct effect_call){ t0, t1, line, op };
}

static void flush(struct worker *w)
{
	uint64_t t0, dt, per;
	unsigned int i;
	int ret;

	if (!w->n)
		return;
	t0 = now_ns();
	ret = be.ops->hcall(&be, w->calls, w->n);
	dt = now_ns() - t0;
	effect_call_add(w, t0, t0 + dt, w->pend[0].line, w->pend[0].op);
	per = dt / w->n;
	w->st.batches++;
	hist_record(&w->st.batch_lat, dt);
	for (i = 0; i < w->n; i++) {
		struct pending *p = &w->pend[i];
		struct tcelab_hcall *c = &w->calls[i];

		if (ret) {
			set_error(&w->st, "%s:%lu: %s: the %s backend failed: %s", opt.trace, p->line,
				  trace_op_name(p->op), be.info->name, strerror(-ret));
			continue;
		}
		hist_record(&w->st.lat[p->op], per);
		hist_record(&w->st.all, per);
		count_ret(&w->st, c->ret);
		if (!(p->flags & TRACE_HAS_RET)) {
			w->st.unchecked++;
		} else if (c->ret != p->want) {
			struct replay_mismatch m = { p->line, p->op, 0, p->want, c->ret, 0, 0 };

			add_mismatch(&w->st, &m);
		} else if (p->op == TRACE_GET && (p->flags & TRACE_HAS_TCE) &&
			   c->ret == H_SUCCESS && c->retval != p->want_tce) {
			struct replay_mismatch m = { p->line, p->op, 1, p->want, c->ret,
						     p->want_tce, c->retval };

			add_mismatch(&w->st, &m);
		}
	}
	if (!ret) {
		pthread_mutex_lock(&timeline_mu);
		for (i = 0; i < w->n; i++) {
			timeline_add(&timeline, per, t0 + dt - replay_start_ns);
			if (opt.raw)
				fprintf(opt.raw, "%" PRIu64 "\n", per);
		}
		pthread_mutex_unlock(&timeline_mu);
	}
	w->n = 0;
	w->scratch_used = 0;
	w->nr_lists = 0;
}

/* Guest physical [gpa, gpa + len) overlaps a list of this batch (RAM pages alias). */
static int list_conflict(struct worker *w, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < w->nr_lists; i++)
		if (replay_alias_overlap(gpa, len, w->lists[i].gpa, w->lists[i].len, ram.backing))
			return 1;
	return 0;
}

static void write_list(struct worker *w, const struct trace_record *r, uint64_t gpa)
{
	uint64_t len = r->npages * 8, i;

	if (gpa >= ram.size)
		return;			/* outside guest RAM: the call must fail before reading */
	if (len > ram.size - gpa)
		len = (ram.size - gpa) & ~7ULL;
	/* Big-endian, as PAPR lists are; byte by byte, since RAM wraps every backing bytes. */
	for (i = 0; i < len; i++)
		ram.base[(gpa + i) % ram.backing] = r->tces[i / 8] >> (56 - 8 * (i % 8));
	if (w->nr_lists < sizeof(w->lists) / sizeof(w->lists[0])) {
		w->lists[w->nr_lists].gpa = gpa;
		w->lists[w->nr_lists].len = len;
		w->nr_lists++;
	}
}

static void add_hcall(struct worker *w, const struct trace_record *r)
{
	struct tcelab_hcall *c;
	uint64_t gpa = 0;

	if (r->op == TRACE_INDIRECT) {
		if (r->flags & TRACE_HAS_LIST) {
			gpa = r->list_gpa;
		} else {
			if (w->scratch_used == SCRATCH_SLOTS)
				flush(w);
			gpa = w->scratch_gpa + (uint64_t)w->scratch_used * SCRATCH_SLOT;
		}
		if (list_conflict(w, gpa, r->npages * 8) ||
		    w->nr_lists == sizeof(w->lists) / sizeof(w->lists[0]))
			flush(w);
		if (!(r->flags & TRACE_HAS_LIST))
			w->scratch_used++;
		write_list(w, r, gpa);
	}
	c = &w->calls[w->n];
	memset(c, 0, sizeof(*c));
	c->args[0] = r->liobn;
	c->args[1] = r->ioba;
	switch (r->op) {
	case TRACE_PUT:
		c->opcode = TCELAB_H_PUT_TCE;
		c->args[2] = r->tce;
		break;
	case TRACE_INDIRECT:
		c->opcode = TCELAB_H_PUT_TCE_INDIRECT;
		c->args[2] = gpa;
		c->args[3] = r->npages;
		break;
	case TRACE_STUFF:
		c->opcode = TCELAB_H_STUFF_TCE;
		c->args[2] = r->tce;
		c->args[3] = r->npages;
		break;
	default:
		c->opcode = TCELAB_H_GET_TCE;
		break;
	}
	w->pend[w->n] = (struct pending){ r->line, r->op, r->flags, r->ret, r->tce };
	if (++w->n == opt.batch)
		flush(w);
}

static void window_op(struct worker *w, const struct trace_record *r)
{
	char err[256] = "";
	uint64_t t0, dt;
	int ret;

	flush(w);
	t0 = now_ns();
	if (r->op == TRACE_DDW_CREATE)
		ret = be.ops->window_create(&be, &r->window, err, sizeof(err));
	else
		ret = be.ops->window_remove(&be, r->liobn, err, sizeof(err));
	dt = now_ns() - t0;
	effect_call_add(w, t0, t0 + dt, r->line, r->op);
	hist_record(&w->st.lat[r->op], dt);
	if (ret)
		set_error(&w->st, "%s:%lu: %s: %s", opt.trace, r->line, trace_op_name(r->op), err);
}

static void process(struct worker *w, const struct trace_record *r)
{
	w->st.records++;
	w->st.ops[r->op]++;
	if (r->op == TRACE_DDW_CREATE || r->op == TRACE_DDW_REMOVE)
		window_op(w, r);
	else
		add_hcall(w, r);
}

/* --threads: a worker replays the records the reader hands it, in order. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct trace_record *r;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->count && !w->done) {
			if (w->n) {		/* nothing queued: do not sit on a partial batch */
				pthread_mutex_unlock(&w->mu);
				flush(w);
				pthread_mutex_lock(&w->mu);
				continue;
			}
			pthread_cond_wait(&w->cv, &w->mu);
		}
		if (!w->count && w->done) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		r = w->ring[w->head];
		pthread_mutex_unlock(&w->mu);
		process(w, r);
		pthread_mutex_lock(&w->mu);
		w->head = (w->head + 1) % QLEN;
		w->count--;
		pthread_cond_broadcast(&w->cv);
		pthread_mutex_unlock(&w->mu);
	}
	flush(w);
	return NULL;
}

static void hand_over(struct worker *w, const struct trace_record *r)
{
	size_t len = offsetof(struct trace_record, tces);

	if (r->op == TRACE_INDIRECT)
		len += r->npages * sizeof(r->tces[0]);
	pthread_mutex_lock(&w->mu);
	while (w->count == QLEN)
		pthread_cond_wait(&w->cv, &w->mu);
	memcpy(w->ring[(w->head + w->count) % QLEN], r, len);
	w->count++;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static struct worker *worker_for(const struct trace_record *r)
{
	static uint32_t tids[MAX_TIDS];
	static unsigned int nr_tids;
	unsigned int i;

	if (opt.threads == 1 || !(r->flags & TRACE_HAS_TID))
		return &workers[0];
	for (i = 0; i < nr_tids; i++)
		if (tids[i] == r->tid)
			return &workers[i % opt.threads];
	if (nr_tids < MAX_TIDS)
		tids[nr_tids++] = r->tid;
	return &workers[i % opt.threads];
}

static int worker_init(struct worker *w, unsigned int idx)
{
	unsigned int i;

	w->idx = idx;
	w->calls = calloc(opt.batch, sizeof(*w->calls));
	w->pend = calloc(opt.batch, sizeof(*w->pend));
	/* Scratch lists at the top of guest RAM, a range per worker. */
	w->scratch_gpa = ram.size - (uint64_t)(idx + 1) * SCRATCH_SLOTS * SCRATCH_SLOT;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (!w->calls || !w->pend)
		return -1;
	if (opt.threads > 1)
		for (i = 0; i < QLEN; i++)
			if (!(w->ring[i] = malloc(sizeof(struct trace_record))))
				return -1;
	return 0;
}

static void merge(struct replay_stats *dst, const struct replay_stats *src)
{
	unsigned int i, j;

	dst->records += src->records;
	for (i = 0; i < REPLAY_NR_OPS; i++) {
		dst->ops[i] += src->ops[i];
		hist_merge(&dst->lat[i], &src->lat[i]);
	}
	hist_merge(&dst->all, &src->all);
	hist_merge(&dst->batch_lat, &src->batch_lat);
	dst->unchecked += src->unchecked;
	dst->batches += src->batches;
	dst->errors += src->errors;
	if (!dst->error[0])
		memcpy(dst->error, src->error, sizeof(dst->error));
	for (i = 0; i < src->nr_rets; i++)
		for (j = 0; j < src->rets[i].n; j++)
			count_ret(dst, src->rets[i].code);
	for (i = 0; i < src->nr_list; i++)
		add_mismatch(dst, &src->list[i]);
	dst->mismatches += src->mismatches - src->nr_list;
}

/* --- verdict ------------------------------------------------------------------------------ */

static int expectations_met(const struct replay_stats *st, char *why, size_t len)
{
	unsigned int i, j;
	uint64_t n;

	if ((long)st->mismatches != opt.expect_mismatches) {
		snprintf(why, len, "%" PRIu64 " mismatches, expected %ld", st->mismatches,
			 opt.expect_mismatches);
		return 0;
	}
	for (i = 0; i < opt.nr_expect_rets; i++) {
		char name[32];

		for (n = 0, j = 0; j < st->nr_rets; j++)
			if (st->rets[j].code == opt.expect_rets[i].code)
				n = st->rets[j].n;
		if (n != opt.expect_rets[i].n) {
			replay_ret_str(name, sizeof(name), opt.expect_rets[i].code);
			snprintf(why, len, "%" PRIu64 " calls returned %s, expected %" PRIu64, n, name,
				 opt.expect_rets[i].n);
			return 0;
		}
	}
	return 1;
}

/* --- instructions of the replay phase --------------------------------------------------- */

/*
 * A counter of the instructions this process (and the threads it starts) retires, user and
 * kernel: what the probes' handlers cost the replay shows there, and unlike the guest's clock
 * (host time under TCG) it does not move with the host's load. -1 without a PMU.
 */
static int insns_open(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE, .size = sizeof(a), .config = PERF_COUNT_HW_INSTRUCTIONS,
		.exclude_hv = 1, .inherit = 1,
		.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING,
	};

	return syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
}

/* Its count, or -1 when it has none or shared the PMU (multiplexed: a scaled guess). */
static int64_t insns_read(int fd)
{
	struct { uint64_t value, enabled, running; } v;

	if (fd < 0 || read(fd, &v, sizeof(v)) != sizeof(v) || !v.enabled || v.running != v.enabled)
		return -1;
	return v.value;
}

/* --- each call's effects (--effects) --------------------------------------------------------- */

/*
 * The replay under the probes tells the one that started it when each call ran and which host
 * page stands behind each page of guest RAM, in PATH.calls beside its document: lines
 * "page_size N", "pages PFN OFFSET N" and "call T0 T1 LINE OP" (lib/effects.h).
 */
#define EFFECT_CALLS_SUFFIX	".calls"

static struct effect_pages *ram_pages;
static size_t nr_ram_pages;

/* Guest RAM's host frames, from /proc/self/pagemap (root), while the backend holds it pinned. */
static void effect_pages_read(void)
{
	uint64_t off, pfn, entry;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	struct effect_pages *p;

	for (off = 0; fd >= 0 && off < ram.backing; off += ram.page_size) {
		if (pread(fd, &entry, sizeof(entry), ((uintptr_t)ram.base + off) / ram.page_size *
			  sizeof(entry)) != sizeof(entry) || !(entry & (1ULL << 63)))
			continue;
		pfn = entry & ((1ULL << 55) - 1);	/* bits 0-54: the frame; 63: present */
		p = nr_ram_pages ? &ram_pages[nr_ram_pages - 1] : NULL;
		if (p && p->pfn + p->n == pfn && p->offset + p->n * ram.page_size == off) {
			p->n++;
			continue;
		}
		p = realloc(ram_pages, (nr_ram_pages + 1) * sizeof(*p));
		if (!p)
			break;
		ram_pages = p;
		ram_pages[nr_ram_pages++] = (struct effect_pages){ pfn, off, 1 };
	}
	if (fd >= 0)
		close(fd);
}

static int call_t0_cmp(const void *a, const void *b)
{
	const struct effect_call *x = a, *y = b;

	return x->t0 < y->t0 ? -1 : x->t0 > y->t0;
}

static int pages_pfn_cmp(const void *a, const void *b)
{
	const struct effect_pages *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

static int effect_calls_write(const char *json)
{
	char path[PATH_MAX];
	unsigned int i;
	size_t k;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", json, EFFECT_CALLS_SUFFIX);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "page_size %ld\n", ram.page_size);
	for (k = 0; k < nr_ram_pages; k++)
		fprintf(f, "pages %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", ram_pages[k].pfn,
			ram_pages[k].offset, ram_pages[k].n);
	for (i = 0; i < opt.threads; i++)
		for (k = 0; k < workers[i].nr_effect_calls; k++) {
			const struct effect_call *c = &workers[i].effect_calls[k];

			fprintf(f, "call %" PRIu64 " %" PRIu64 " %lu %d\n", c->t0, c->t1, c->line,
				c->op);
		}
	return fclose(f);
}

/* What the replay under the probes did to the entries, from its calls and the probes'. */
struct effects_work {
	struct effect_call *calls;
	struct effect_pages *pages;
	struct effect_xchg *x;
	struct effect *net;
};

static int effect_calls_read(const char *json, struct effects_work *ej, size_t *ncalls,
			     size_t *npages, uint64_t *page_size, char *err, size_t errlen)
{
	char path[PATH_MAX + 32], *line = NULL;
	unsigned long long a, b, c;
	size_t cap = 0, ccap = 0, pcap = 0;
	unsigned long l;
	int op, ret = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", json, EFFECT_CALLS_SUFFIX);
	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
		return -1;
	}
	while (!ret && getline(&line, &cap, f) > 0) {
		if (sscanf(line, "page_size %llu", &a) == 1) {
			*page_size = a;
		} else if (sscanf(line, "pages %llu %llu %llu", &a, &b, &c) == 3) {
			if (*npages == pcap && !(ej->pages = realloc(ej->pages,
					(pcap = 2 * pcap + 64) * sizeof(*ej->pages))))
				ret = -1;
			else
				ej->pages[(*npages)++] = (struct effect_pages){ a, b, c };
		} else if (sscanf(line, "call %llu %llu %lu %d", &a, &b, &l, &op) == 4) {
			if (*ncalls == ccap && !(ej->calls = realloc(ej->calls,
					(ccap = 2 * ccap + 1024) * sizeof(*ej->calls))))
				ret = -1;
			else
				ej->calls[(*ncalls)++] = (struct effect_call){ a, b, l, op };
		}
	}
	free(line);
	fclose(f);
	unlink(path);
	if (ret)
		snprintf(err, errlen, "%.400s: out of memory", path);
	else if (!*page_size)
		snprintf(err, errlen, "%.400s: no page_size", path);
	return ret || !*page_size ? -1 : 0;
}

/*
 * --effects: the exchanges of @probe attributed to the calls the replay under it wrote beside
 * @json, into @ej->net: how many, or -1 with why in @err.
 */
static long effects_attribute(cJSON *probe, const char *json, struct effects_work *ej,
			      struct replay_probe_join *j, char *err, size_t errlen)
{
	size_t ncalls = 0, npages = 0, nx = 0;
	uint64_t page_size = 0;
	long n;

	if (effect_calls_read(json, ej, &ncalls, &npages, &page_size, err, errlen) ||
	    probe_doc_effects(probe, &ej->x, &nx, err, errlen))
		return -1;
	if (opt.threads > 1) {
		snprintf(err, errlen, "not attributed: the calls of %u threads overlap in time",
			 opt.threads);
		return -1;
	}
	ej->net = calloc(nx + 1, sizeof(*ej->net));
	qsort(ej->calls, ncalls, sizeof(*ej->calls), call_t0_cmp);
	qsort(ej->pages, npages, sizeof(*ej->pages), pages_pfn_cmp);
	n = ej->net ? effects_net(ej->x, nx, ej->calls, ncalls, ej->pages, npages, page_size,
				  ej->net, &j->effect_counts) : -1;
	if (n < 0)
		snprintf(err, errlen, "out of memory");
	return n;
}

/* The effects into @j, and the probes' stream out of @probe: the net effects say it all. */
static void effects_join(cJSON *probe, const char *json, struct effects_work *ej,
			 struct replay_probe_join *j, char *err, size_t errlen)
{
	long n = effects_attribute(probe, json, ej, j, err, errlen);

	cJSON_DeleteItemFromObject(cJSON_GetObjectItem(probe, "effects"), "stream");
	j->effects = n < 0 ? NULL : ej->net;
	j->nr_effects = n < 0 ? 0 : n;
	j->effects_error = n < 0 ? err : NULL;
}

static void effects_join_free(struct effects_work *ej)
{
	free(ej->calls);
	free(ej->pages);
	free(ej->x);
	free(ej->net);
}

/* --- under the probes ----------------------------------------------------------------------- */

/* The probes split every role by the replay's phase (include/tcelab/phase.h): tell them. */
static void enter_phase(enum tcelab_phase phase)
{
	int err = phase_mark(phase);

	if (err)
		fprintf(stderr, "tcelab-replay: marking the %s phase for the probes: %s\n",
			tcelab_phase_name(phase), strerror(-err));
}

/*
 * The document of the replay under the probes (@replay_json) joined with theirs into
 * opt.json, through the writer: the replay's results, the probes' counts and verdict, and
 * their whole document.
 */
static int join_probe(const char *replay_json, const struct replay_probe_join *j)
{
	char err[600];
	cJSON *replay = json_load(replay_json, SCHEMA_REPLAY, err, sizeof(err));
	int ret = 0;

	if (!replay) {
		fprintf(stderr, "tcelab-replay: the replay under the probes wrote no results: %s\n",
			err);
		return -1;
	}
	if (replay_json_write_probed(opt.json, replay, j)) {
		fprintf(stderr, "tcelab-replay: %s: %s\n", opt.json, strerror(errno));
		ret = -1;
	}
	cJSON_Delete(replay);
	return ret;
}

/*
 * --probe: run this same command under tcelab-probe, then join the two documents; the probes
 * must have seen as many pages unpinned as pinned and none left in their ledger.
 */
static int run_under_probe(int argc, char **argv)
{
	char base[PATH_MAX], probe_json[PATH_MAX + 16], replay_json[PATH_MAX + 16], err[600];
	char effects_err[600];
	struct replay_probe_join j = { .error = err };
	struct effects_work ej = { 0 };
	cJSON *probe;
	char **args;
	int i, n = 0, status;

	args = calloc(argc + 8, sizeof(*args));
	if (!args || !replay_self()) {
		perror("tcelab-replay");
		return 1;
	}
	snprintf(base, sizeof(base), "%s", opt.json ? opt.json : "/tmp/tcelab-replay");
	snprintf(probe_json, sizeof(probe_json), "%s.probe.json", base);
	snprintf(replay_json, sizeof(replay_json), "%s.replay.json", base);
	args[n++] = "tcelab-probe";
	args[n++] = "--json";
	args[n++] = probe_json;
	/* tcelab.ko may be loaded beside the upstream stack a vfio-pci backend drives. */
	args[n++] = "--stack";
	args[n++] = (char *)be.info->probe_stack;
	if (opt.effects)
		args[n++] = "--effects";
	args[n++] = "--";
	args[n++] = (char *)replay_self();
	for (i = 1; i < argc; i++)
		args[n++] = argv[i];
	setenv(UNDER_PROBE_ENV, replay_json, 1);
	status = replay_spawn(args, false);
	free(args);
	if (status < 0) {
		perror("tcelab-replay: tcelab-probe");
		return 1;
	}
	probe = probe_doc_load(probe_json, err, sizeof(err));
	j.probe = probe;
	probe_doc_totals(probe, &j.totals);
	j.ok = probe && replay_probe_balanced(&j.totals);
	if (probe && opt.effects)
		effects_join(probe, replay_json, &ej, &j, effects_err, sizeof(effects_err));
	if (probe)
		fprintf(stderr, "tcelab-replay: probes: %lld pins, %lld unpins, %lld pages leaked: %s\n",
			j.totals.pin_pages, j.totals.unpin_pages, j.totals.leaked_pages,
			j.ok ? "balanced" : "NOT balanced");
	else
		fprintf(stderr, "tcelab-replay: probes: %s\n", err);
	if (opt.json && join_probe(replay_json, &j))
		j.ok = false;
	effects_join_free(&ej);
	cJSON_Delete(probe);
	unlink(probe_json);
	unlink(replay_json);
	return status ? status : j.ok ? 0 : 1;
}

/* --- main --------------------------------------------------------------------------------- */

static int parse_expect_ret(const char *s)
{
	const char *eq = strchr(s, '=');
	char code[32];
	int64_t v;
	size_t i, len;

	if (!eq || eq == s || opt.nr_expect_rets == MAX_EXPECT_RETS)
		return -1;
	len = eq - s < (long)sizeof(code) - 1 ? (size_t)(eq - s) : sizeof(code) - 1;
	memcpy(code, s, len);
	code[len] = 0;
	if (replay_parse_ret(code, &v))
		return -1;
	for (i = 0; eq[1 + i]; i++)
		if (eq[1 + i] < '0' || eq[1 + i] > '9')
			return -1;
	opt.expect_rets[opt.nr_expect_rets].code = v;
	opt.expect_rets[opt.nr_expect_rets++].n = strtoull(eq + 1, NULL, 10);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "backend", required_argument, NULL, 'b' },
		{ "threads", required_argument, NULL, 't' },
		{ "batch", required_argument, NULL, 'B' },
		{ "probe", no_argument, NULL, 'p' },
		{ "effects", no_argument, NULL, 'E' },
		{ "differences", required_argument, NULL, 'D' },
		{ "undeclare", required_argument, NULL, 'U' },
		{ "json", required_argument, NULL, 'j' },
		{ "name", required_argument, NULL, 'n' },
		{ "ram-backing", required_argument, NULL, 'r' },
		{ "expect-mismatches", required_argument, NULL, 'm' },
		{ "expect-ret", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "release-without-group", no_argument, NULL, 'g' },
		{ "raw-latencies", required_argument, NULL, 'R' },
		{ "suite", required_argument, NULL, 'S' },
		{ "traces", required_argument, NULL, 'T' },
		{ "out", required_argument, NULL, 'o' },
		{ "backends", required_argument, NULL, 'L' },
		{ "list-backends", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct suite_options suite = { .backends = "kmod" };
	const struct backend_entry *backend;
	const char *under_probe = getenv(UNDER_PROBE_ENV);
	static struct trace_parser parser;
	static struct trace_record rec;
	static struct replay_stats total;
	struct balance_report bal = { 0 };
	struct replay_times times = { 0 };
	uint64_t t0, t_last, n_last = 0, t;
	int64_t insns0, insns1;
	int insns_fd;
	char err[600] = "", why[256] = "";
	unsigned int i;
	int c, fd, ret, ok, expect_ok;
	char *base;

	while ((c = getopt_long(argc, argv, "hq", lopts, NULL)) != -1) {
		switch (c) {
		case 'b': opt.backend = optarg; break;
		case 't': opt.threads = strtoul(optarg, NULL, 0); break;
		case 'B': opt.batch = strtoul(optarg, NULL, 0); break;
		case 'p': opt.probe = 1; break;
		case 'E': opt.effects = 1; break;
		case 'D': suite.differences = optarg; break;
		case 'U': suite.undeclare = optarg; break;
		case 'j': opt.json = optarg; break;
		case 'n': opt.name = optarg; break;
		case 'r':
			if (trace_parse_size(optarg, &opt.ram_backing)) {
				fprintf(stderr, "tcelab-replay: --ram-backing: not a size: %s\n", optarg);
				return 2;
			}
			break;
		case 'm': opt.expect_mismatches = strtol(optarg, NULL, 0); break;
		case 'e':
			if (parse_expect_ret(optarg)) {
				fprintf(stderr, "tcelab-replay: --expect-ret takes CODE=N: %s\n", optarg);
				return 2;
			}
			break;
		case 'q': opt.quiet = 1; break;
		case 'g': be.release_without_group = 1; break;
		case 'R':
			opt.raw = fopen(optarg, "w");
			if (!opt.raw) {
				fprintf(stderr, "tcelab-replay: %s: %s\n", optarg, strerror(errno));
				return 2;
			}
			break;
		case 'S': suite.file = optarg; break;
		case 'T': suite.traces = optarg; break;
		case 'o': suite.out = optarg; break;
		case 'L': suite.backends = optarg; break;
		case 'l': backend_list(stdout); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (suite.file || suite.traces || suite.out) {
		if (!suite.file || !suite.traces || !suite.out || optind != argc) {
			usage(stderr);
			return 2;
		}
		return replay_suite(&suite);
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	opt.trace = argv[optind];
	if (opt.threads < 1 || opt.threads > MAX_THREADS || opt.batch < 1 ||
	    opt.batch > TCELAB_HCALL_MAX_BATCH) {
		fprintf(stderr, "tcelab-replay: --threads must be 1..%d, --batch 1..%d\n",
			MAX_THREADS, TCELAB_HCALL_MAX_BATCH);
		return 2;
	}
	backend = backend_find(opt.backend);
	if (!backend) {
		fprintf(stderr, "tcelab-replay: unknown backend '%s' (%s)\n", opt.backend,
			backend_names());
		return 2;
	}
	be.ops = backend->ops;
	be.info = &backend->info;
	if (!opt.name) {
		base = strrchr(opt.trace, '/');
		base = strdup(base ? base + 1 : opt.trace);
		if (strrchr(base, '.'))
			*strrchr(base, '.') = 0;
		opt.name = base;
	}
	if (under_probe)
		opt.json = under_probe;
	else if (opt.probe)
		return run_under_probe(argc, argv);

	fd = open(opt.trace, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "tcelab-replay: %s: %s\n", opt.trace, strerror(errno));
		return 1;
	}
	trace_parser_init_fd(&parser, opt.trace, fd);
	if (trace_read_header(&parser)) {
		fprintf(stderr, "tcelab-replay: %s\n", parser.error);
		return 1;
	}
	if (ram_setup(&parser.header, err, sizeof(err))) {
		fprintf(stderr, "tcelab-replay: %s\n", err);
		return 1;
	}
	if ((uint64_t)opt.threads * SCRATCH_SLOTS * SCRATCH_SLOT > ram.size / 2) {
		fprintf(stderr, "tcelab-replay: guest RAM too small for %u threads\n", opt.threads);
		return 2;
	}
	for (i = 0; i < opt.threads; i++)
		if (worker_init(&workers[i], i)) {
			fprintf(stderr, "tcelab-replay: out of memory\n");
			return 1;
		}
	ret = timeline_init(&timeline, TIMELINE_FIRST_WINDOW, TIMELINE_MAX_POINTS);
	if (ret) {
		fprintf(stderr, "tcelab-replay: timeline: %s\n", strerror(-ret));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	if (be.ops->counters(&be, &bal.before))
		memset(&bal.before, 0, sizeof(bal.before));
	enter_phase(TCELAB_PHASE_SETUP);
	t0 = now_ns();
	if (be.ops->setup(&be, &parser.header, &ram, err, sizeof(err))) {
		fprintf(stderr, "tcelab-replay: %s backend: %s\n", be.info->name, err);
		enter_phase(TCELAB_PHASE_TEARDOWN);
		be.ops->teardown(&be);
		return 1;
	}
	times.setup = (now_ns() - t0) / 1e9;
	if (opt.effects && under_probe)
		effect_pages_read();
	if (!opt.quiet)
		fprintf(stderr, "tcelab-replay: %s: %s backend ready in %.2f s (guest RAM %" PRIu64
			" MiB, backing %" PRIu64 " MiB, %u window%s)\n", opt.name, be.info->name,
			times.setup, ram.size >> 20, ram.backing >> 20, parser.header.nr_windows,
			parser.header.nr_windows == 1 ? "" : "s");
	insns_fd = insns_open();
	enter_phase(TCELAB_PHASE_WORKLOAD);
	insns0 = insns_read(insns_fd);
	t0 = t_last = replay_start_ns = now_ns();
	if (opt.threads > 1)
		for (i = 0; i < opt.threads; i++)
			pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
	while (!stop && (ret = trace_next(&parser, &rec)) == 1) {
		total.records++;
		if (opt.threads == 1)
			process(&workers[0], &rec);
		else
			hand_over(worker_for(&rec), &rec);
		if (!(total.records & 1023) && !opt.quiet && (t = now_ns()) - t_last > 2000000000ULL) {
			fprintf(stderr, "tcelab-replay: %s: %" PRIu64 " records (line %lu), %.0f/s\n",
				opt.name, total.records, rec.line,
				(total.records - n_last) * 1e9 / (t - t_last));
			t_last = t;
			n_last = total.records;
		}
	}
	if (stop)
		ret = -1, snprintf(parser.error, sizeof(parser.error), "interrupted");
	if (opt.threads == 1) {
		flush(&workers[0]);
	} else {
		for (i = 0; i < opt.threads; i++) {
			pthread_mutex_lock(&workers[i].mu);
			workers[i].done = 1;
			pthread_cond_broadcast(&workers[i].cv);
			pthread_mutex_unlock(&workers[i].mu);
		}
		for (i = 0; i < opt.threads; i++)
			pthread_join(workers[i].thread, NULL);
	}
	times.replay = (now_ns() - t0) / 1e9;
	insns1 = insns_read(insns_fd);
	times.replay_insns = insns0 < 0 || insns1 < 0 ? -1 : insns1 - insns0;
	if (insns_fd >= 0)
		close(insns_fd);
	if (opt.raw && fclose(opt.raw))
		set_error(&workers[0].st, "--raw-latencies: %s", strerror(errno));
	memset(&total, 0, sizeof(total));
	for (i = 0; i < opt.threads; i++)
		merge(&total, &workers[i].st);
	if (ret < 0)
		set_error(&total, "%s", parser.error);
	be.ops->counters(&be, &bal.peak);

	enter_phase(TCELAB_PHASE_TEARDOWN);
	t0 = now_ns();
	be.ops->teardown(&be);
	be.ops->balance(&be, &ram, &bal);
	times.teardown = (now_ns() - t0) / 1e9;

	expect_ok = expectations_met(&total, why, sizeof(why));
	ok = expect_ok && !total.errors && bal.ok;
	if (!bal.ok)
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%sunbalanced",
			 why[0] ? "; " : "");
	for (i = 0; i < total.nr_list && i < 20; i++) {
		const struct replay_mismatch *m = &total.list[i];
		char want[32], got[32];

		replay_mismatch_values(m, want, got, sizeof(want));
		fprintf(stderr, "%s:%lu: mismatch: %s expected %s, got %s\n", opt.trace, m->line,
			trace_op_name(m->op), want, got);
	}
	printf("tcelab-replay: %s: %" PRIu64 " records in %.2f s (%.0f/s), %" PRIu64
	       " mismatches, p50 %llu ns p99 %llu ns, balance %s: %s\n", opt.name, total.records,
	       times.replay, times.replay > 0 ? total.records / times.replay : 0.0,
	       total.mismatches, (unsigned long long)hist_percentile(&total.all, 0.5),
	       (unsigned long long)hist_percentile(&total.all, 0.99),
	       bal.ok ? "ok" : "BROKEN", ok ? "ok" : "FAILED");
	if (!ok && why[0])
		printf("tcelab-replay: %s: %s\n", opt.name, why);
	if (opt.effects && under_probe && effect_calls_write(opt.json))
		fprintf(stderr, "tcelab-replay: %s%s: %s\n", opt.json, EFFECT_CALLS_SUFFIX,
			strerror(errno));
	if (opt.json) {
		char sha[65] = "";
		const struct replay_result result = {
			.scenario = opt.name, .trace = opt.trace, .trace_sha256 = sha, .be = &be,
			.threads = opt.threads, .batch = opt.batch,
			.header = &parser.header, .ram = &ram, .st = &total, .timeline = &timeline,
			.balance = &bal, .seconds = &times,
			.expectations_met = expect_ok, .expectation = why, .ok = ok,
		};

		/* What names the trace wherever it came from (a reproduce block cites it). */
		if (sha256_file(opt.trace, sha))
			sha[0] = 0;
		if (replay_json_write(opt.json, &result)) {
			fprintf(stderr, "tcelab-replay: %s: %s\n", opt.json, strerror(errno));
			return 1;
		}
	}
	return ok ? 0 : 1;
}
