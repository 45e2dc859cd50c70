// SPDX-License-Identifier: GPL-2.0
/*
 * The fail_nth sweep (as iommufd's selftest iommufd_fail_nth.c): every ioctl and hypercall path
 * of tcelab.ko is run with knob fail_nth = 1, 2, ... until it completes without reaching the
 * injection. After each step:
 *
 * - the operation returned the error its path gives (-ENOMEM, H_TOO_HARD), or success when no
 *   failure was injected; a guest table level that cannot be allocated is the one injection
 *   that succeeds, and the guest's TCE is lost (as upstream's kvmppc_tce_put() loses it);
 * - once the step's containers are closed, pins, locked_vm (module and VmLck), valid TCEs,
 *   double releases and the module's live objects are exactly back to the baseline;
 * - the kernel logged nothing at warning level or worse.
 *
 * Each operation also names the failures it must inject, per site (debugfs knobs/fail_sites),
 * and the last test checks that every site of the module was hit at least once.
 */
#include <endian.h>
#include <limits.h>

#include "harness.h"
#include "kmod_util.h"

#define NPAGES		4		/* system pages of the buffer each operation uses */
#define NTH_MAX		500		/* steps before an operation is declared endless */
#define MAX_SITES	32
#define IOVA_V1		(1ULL << 30)	/* v1 mappings: a DMA32 table range of their own */
#define DDW_SIZE	(1ULL << 34)	/* a 3-level window of 4K pages at TCELAB_DDW_START */
#define GBASE		0x10000000ULL	/* guest physical address of the buffer */
#define GLIST		0x20000000ULL	/* and of the INDIRECT list page */
#define LIOBN		0x80000001

static int nr_sites;
static char site_names[MAX_SITES][32];
static long site_start[MAX_SITES];	/* knobs/fail_sites when the program started */
static long site_total[MAX_SITES];	/* failures the sweeps injected per site */
static long steps_total;

/* Failures injected so far per site, from knobs/fail_sites; the number of sites, or -1. */
static int read_sites(long hits[MAX_SITES])
{
	FILE *f = fopen(TCELAB_DEBUGFS "/knobs/fail_sites", "r");
	char name[32];
	long n;
	int i = 0;

	if (!f)
		return -1;
	while (i < MAX_SITES && fscanf(f, "%31s %ld", name, &n) == 2) {
		snprintf(site_names[i], sizeof(site_names[i]), "%s", name);
		hits[i++] = n;
	}
	fclose(f);
	return i;
}

static int site_index(const char *name)
{
	int i;

	for (i = 0; i < nr_sites; i++)
		if (!strcmp(site_names[i], name))
			return i;
	return -1;
}

/* "site=N ..." for each site with failures, in the module's order. */
static void format_hits(const long hits[MAX_SITES], char *buf, size_t len)
{
	size_t used = 0;
	int i;

	buf[0] = 0;
	for (i = 0; i < nr_sites && used < len; i++)
		if (hits[i])
			used += snprintf(buf + used, len - used, "%s%s=%ld", used ? " " : "",
					 site_names[i], hits[i]);
}

FIXTURE(fail_nth) {
	int fd;
	int kmsg;		/* /dev/kmsg, read from where the test began */
	char *buf;		/* NPAGES pages: the memory every operation maps */
	char *list;		/* one page: an H_PUT_TCE_INDIRECT list */
	long n;			/* this step arms fail_nth with n */
	long before[MAX_SITES];	/* knobs/fail_sites when it was armed */
	int armed;
	int site;		/* where this step's failure was injected, -1 for nowhere */
	long ret;		/* the operation's result: 0, -errno or a PAPR return code */
	char expect[256];	/* the failures the sweep must inject: "pin=4 pin_track=4" */
};

FIXTURE_SETUP(fail_nth)
{
	tl_init();
	self->fd = -1;
	self->buf = tl_buf(NPAGES);
	self->list = tl_buf(1);
	self->kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, self->kmsg);
	lseek(self->kmsg, 0, SEEK_END);
}

FIXTURE_TEARDOWN(fail_nth)
{
	if (self->fd >= 0)
		close(self->fd);
	munmap(self->buf, NPAGES * page_size);
	munmap(self->list, page_size);
	close(self->kmsg);
}

/* The next tcelab.ko step fails: the operation under test comes right after this. */
static void nth_arm(FIXTURE_DATA(fail_nth) *self)
{
	read_sites(self->before);
	tl_knob("fail_nth", self->n);
	self->armed = 1;
}

/* Disarm; where the failure was injected (self->site), -1 when the operation never got there. */
static int nth_done(FIXTURE_DATA(fail_nth) *self)
{
	long after[MAX_SITES], left;
	int i;

	if (!self->armed)
		return self->site;
	left = tl_counter("knobs/fail_nth");
	tl_knob("fail_nth", 0);
	self->armed = 0;
	read_sites(after);
	self->site = -1;
	for (i = 0; i < nr_sites; i++)
		if (after[i] != self->before[i])
			self->site = i;
	/* fail_nth used up without a site counting the failure, or the other way round */
	if ((self->site >= 0) != !left)
		self->site = -2;
	return self->site;
}

/*
 * Kernel messages at warning level or worse since the last call: how many, and the first
 * (but a WARN's "cut here" line) in @msg.
 */
static int kmsg_warning(int fd, char *msg, size_t len)
{
	char rec[8192], *text;
	ssize_t n;
	int found = 0;

	while ((n = read(fd, rec, sizeof(rec) - 1)) != 0) {
		if (n < 0) {
			if (errno == EPIPE)	/* overwritten records: read on */
				continue;
			break;
		}
		rec[n] = 0;
		if ((strtol(rec, NULL, 10) & 7) > 4)
			continue;
		text = strchr(rec, ';') ? strchr(rec, ';') + 1 : rec;
		text[strcspn(text, "\n")] = 0;
		/* The host stalled a vCPU (hrtimer_interrupt()'s warning): nothing of the module's. */
		if (strstr(text, "hrtimer: interrupt took"))
			continue;
		if (!strstr(text, "[ cut here ]") && !found++)
			snprintf(msg, len, "%.700s", text);
	}
	return found;
}

/*
 * Run @op with fail_nth = 1, 2, ... until it completes without an injected failure, checking
 * each step (see the top of the file); @err is what an injected failure must return.
 */
static void sweep(struct __test_metadata *_metadata, FIXTURE_DATA(fail_nth) *self,
		  void (*op)(struct __test_metadata *, FIXTURE_DATA(fail_nth) *), long err)
{
	struct tl_baseline base = tl_baseline();
	long hits[MAX_SITES] = { 0 }, want;
	char why[768], got[256];
	const char *where;

	for (self->n = 1; self->n <= NTH_MAX; self->n++) {
		self->site = -1;
		self->ret = LONG_MIN;
		op(_metadata, self);
		nth_done(self);
		ASSERT_NE(-2, self->site);
		if (!_metadata->passed) {
			TH_LOG("step %ld: the operation's set-up failed", self->n);
			return;
		}
		steps_total++;
		where = self->site < 0 ? "nowhere" : site_names[self->site];
		want = self->site < 0 || !strcmp(where, "guest_level") ? 0 : err;
		if (self->ret != want) {
			TH_LOG("step %ld (failure injected %s%s): returned %ld, expected %ld",
			       self->n, self->site < 0 ? "" : "at ", where, self->ret, want);
			_metadata->passed = 0;
		}
		if (self->fd >= 0)
			close(self->fd);
		self->fd = -1;
		if (tl_unbalanced(&base, why, sizeof(why))) {
			TH_LOG("step %ld (failure injected %s%s): not back to baseline: %s",
			       self->n, self->site < 0 ? "" : "at ", where, why);
			_metadata->passed = 0;
		}
		if (kmsg_warning(self->kmsg, why, sizeof(why))) {
			TH_LOG("step %ld: the kernel warned: %s", self->n, why);
			_metadata->passed = 0;
		}
		if (self->site < 0)
			break;
		hits[self->site]++;
		site_total[self->site]++;
		if (!_metadata->passed)
			return;
	}
	ASSERT_LE(self->n, NTH_MAX);
	format_hits(hits, got, sizeof(got));
	EXPECT_STREQ(self->expect, got);
	TH_LOG("%s: %ld failure%s injected (%s), clean at fail_nth=%ld", _metadata->name,
	       self->n - 1, self->n == 2 ? "" : "s", got[0] ? got : "no site on its path", self->n);
}

/*
 * One operation of the sweep: its set-up (asserted, never armed), nth_arm(), the operation
 * into self->ret; what it leaves open in self->fd is closed after each step. @err is what a
 * failure injected on its path must return.
 */
#define TEST_FAIL_NTH(name, err)						\
	static void nth_##name(struct __test_metadata *_metadata,		\
			       FIXTURE_DATA(fail_nth) *self);			\
	TEST_F(fail_nth, name)							\
	{									\
		sweep(_metadata, self, nth_##name, err);			\
	}									\
	static void nth_##name(struct __test_metadata *_metadata TH_UNUSED,	\
			       FIXTURE_DATA(fail_nth) *self)

/* Pages of 4K (IOMMU pages) in a system page. */
static long tces_per_page(void)
{
	return page_size / SZ_4K;
}

static void expect(FIXTURE_DATA(fail_nth) *self, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(self->expect, sizeof(self->expect), fmt, ap);
	va_end(ap);
}

/* An enabled v1 container on group 0 whose DMA32 level at IOVA_V1 exists (kept by the PHB). */
static void v1_enabled(struct __test_metadata *_metadata, FIXTURE_DATA(fail_nth) *self)
{
	self->fd = tl_v1(0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tl_map(self->fd, self->buf, IOVA_V1, SZ_4K, RW));
	ASSERT_EQ(0, tl_unmap(self->fd, IOVA_V1, SZ_4K));
}

static void v1_mapped(struct __test_metadata *_metadata, FIXTURE_DATA(fail_nth) *self)
{
	v1_enabled(_metadata, self);
	ASSERT_EQ(0, tl_map(self->fd, self->buf, IOVA_V1, NPAGES * page_size, RW));
}

/* A v2 container on group 0 with the buffer preregistered. */
static void v2_registered(struct __test_metadata *_metadata, FIXTURE_DATA(fail_nth) *self)
{
	self->fd = tl_v2(0);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, tl_register(self->fd, TCELAB_REGISTER_MEMORY, self->buf, NPAGES * page_size));
}

/* And the default window and a 3-level one at TCELAB_DDW_START. */
static void v2_windows(struct __test_metadata *_metadata, FIXTURE_DATA(fail_nth) *self)
{
	uint64_t start;

	v2_registered(_metadata, self);
	ASSERT_EQ(0, tl_create(self->fd, 12, DDW_SIZE, 3, &start));
	ASSERT_EQ(TCELAB_DDW_START, start);
}

/* And the buffer and the list page in memslots, and a LIOBN over the 3-level window. */
static void v2_hcall(struct __test_metadata *_metadata, FIXTURE_DATA(fail_nth) *self)
{
	v2_windows(_metadata, self);
	ASSERT_EQ(0, tl_memslot(self->fd, GBASE, self->buf, NPAGES * page_size));
	ASSERT_EQ(0, tl_memslot(self->fd, GLIST, self->list, page_size));
	ASSERT_EQ(0, tl_liobn(self->fd, LIOBN, 12, TCELAB_DDW_START, 1ULL << 30));
}

static uint64_t tce_rw(uint64_t gpa)
{
	return gpa | TCELAB_TCE_PCI_READ | TCELAB_TCE_PCI_WRITE;
}

/* And H_PUT_TCE of NPAGES 4K pages at the window's start. */
static void v2_hcall_mapped(struct __test_metadata *_metadata, FIXTURE_DATA(fail_nth) *self)
{
	int i;

	v2_hcall(_metadata, self);
	for (i = 0; i < NPAGES; i++)
		ASSERT_EQ(TCELAB_H_SUCCESS, tl_hcall(self->fd, TCELAB_H_PUT_TCE, LIOBN,
						     TCELAB_DDW_START + i * SZ_4K,
						     tce_rw(GBASE + i * SZ_4K), 0, NULL));
}

TEST_FAIL_NTH(open, -ENOMEM)
{
	expect(self, "container=1");
	nth_arm(self);
	self->fd = open(TCELAB_DEVICE, O_RDWR);
	self->ret = self->fd < 0 ? -errno : 0;
}

TEST_FAIL_NTH(set_iommu, 0)
{
	expect(self, "");
	self->fd = tl_open();
	ASSERT_LE(0, self->fd);
	nth_arm(self);
	self->ret = ERR(ioctl(self->fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_v2_IOMMU));
}

TEST_FAIL_NTH(attach_v1, -ENOMEM)
{
	expect(self, "group_attach=1");
	self->fd = tl_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ERR(ioctl(self->fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU)));
	nth_arm(self);
	self->ret = tl_attach(self->fd, 0);
}

TEST_FAIL_NTH(attach_v2, -ENOMEM)
{
	expect(self, "group_attach=1");
	self->fd = tl_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ERR(ioctl(self->fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_v2_IOMMU)));
	nth_arm(self);
	self->ret = tl_attach(self->fd, 0);
}

TEST_FAIL_NTH(get_info, 0)
{
	struct tcelab_spapr_tce_info info = { .argsz = sizeof(info) };

	expect(self, "");
	v2_registered(_metadata, self);
	nth_arm(self);
	self->ret = ERR(ioctl(self->fd, TCELAB_SPAPR_TCE_GET_INFO, &info));
}

TEST_FAIL_NTH(enable, 0)
{
	expect(self, "");
	self->fd = tl_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ERR(ioctl(self->fd, TCELAB_SET_IOMMU, TCELAB_SPAPR_TCE_IOMMU)));
	ASSERT_EQ(0, tl_attach(self->fd, 0));
	nth_arm(self);
	self->ret = ERR(ioctl(self->fd, TCELAB_ENABLE));
}

TEST_FAIL_NTH(map_v1, -ENOMEM)
{
	/* Each 4K IOMMU page is pinned; each system page is recorded when first pinned. */
	expect(self, "pin=%ld pin_track=%d", NPAGES * tces_per_page(), NPAGES);
	v1_enabled(_metadata, self);
	nth_arm(self);
	self->ret = tl_map(self->fd, self->buf, IOVA_V1, NPAGES * page_size, RW);
}

TEST_FAIL_NTH(device_dma, -ENOMEM)
{
	char out[64];

	expect(self, "dma_bounce=1");
	v1_mapped(_metadata, self);
	nth_arm(self);
	self->ret = tl_dma(self->fd, 0, IOVA_V1 + 8, out, sizeof(out), 0);
}

TEST_FAIL_NTH(unmap_v1, 0)
{
	expect(self, "");
	v1_mapped(_metadata, self);
	nth_arm(self);
	self->ret = tl_unmap(self->fd, IOVA_V1, NPAGES * page_size);
}

TEST_FAIL_NTH(disable, 0)
{
	expect(self, "");
	v1_mapped(_metadata, self);
	nth_arm(self);
	self->ret = ERR(ioctl(self->fd, TCELAB_DISABLE));
}

TEST_FAIL_NTH(detach_v1, 0)
{
	expect(self, "");
	v1_mapped(_metadata, self);
	nth_arm(self);
	self->ret = tl_detach(self->fd, 0);
}

TEST_FAIL_NTH(release_v1, 0)
{
	expect(self, "");
	v1_mapped(_metadata, self);
	nth_arm(self);
	self->ret = ERR(close(self->fd));
	self->fd = -1;
}

TEST_FAIL_NTH(register, -ENOMEM)
{
	expect(self, "region=1 region_pages=1 pin=%d pin_track=%d", NPAGES, NPAGES);
	self->fd = tl_v2(0);
	ASSERT_LE(0, self->fd);
	nth_arm(self);
	self->ret = tl_register(self->fd, TCELAB_REGISTER_MEMORY, self->buf, NPAGES * page_size);
	/* A pin failing after the first: the pages pinned, as mm_iommu_do_alloc() returns. */
	if (self->ret > 0 && self->ret < NPAGES)
		self->ret = -ENOMEM;
}

TEST_FAIL_NTH(unregister, 0)
{
	expect(self, "");
	v2_registered(_metadata, self);
	nth_arm(self);
	self->ret = tl_register(self->fd, TCELAB_UNREGISTER_MEMORY, self->buf,
				NPAGES * page_size);
}

/* TCE_CREATE makes the pending default window first: two tables, each with its mirror. */
TEST_FAIL_NTH(tce_create, -ENOMEM)
{
	uint64_t start;

	expect(self, "table=2 table_top=4");
	v2_registered(_metadata, self);
	nth_arm(self);
	self->ret = tl_create(self->fd, 12, DDW_SIZE, 3, &start);
}

TEST_FAIL_NTH(tce_remove, 0)
{
	expect(self, "");
	v2_windows(_metadata, self);
	nth_arm(self);
	self->ret = tl_remove(self->fd, TCELAB_DDW_START);
}

/* The first MAP makes the pending default window: one level, with its mirror. */
TEST_FAIL_NTH(map_v2_default_window, -ENOMEM)
{
	expect(self, "table=1 table_top=2");
	v2_registered(_metadata, self);
	nth_arm(self);
	self->ret = tl_map(self->fd, self->buf, 0, NPAGES * page_size, RW);
}

/* The first entry of a 3-level window needs two levels of TCEs and two of the mirror. */
TEST_FAIL_NTH(map_v2, -ENOMEM)
{
	expect(self, "table_level=2 ua_level=2");
	v2_windows(_metadata, self);
	nth_arm(self);
	self->ret = tl_map(self->fd, self->buf, TCELAB_DDW_START, NPAGES * page_size, RW);
}

TEST_FAIL_NTH(unmap_v2, 0)
{
	expect(self, "");
	v2_windows(_metadata, self);
	ASSERT_EQ(0, tl_map(self->fd, self->buf, TCELAB_DDW_START, NPAGES * page_size, RW));
	nth_arm(self);
	self->ret = tl_unmap(self->fd, TCELAB_DDW_START, NPAGES * page_size);
}

TEST_FAIL_NTH(detach_v2, 0)
{
	expect(self, "");
	v2_windows(_metadata, self);
	ASSERT_EQ(0, tl_map(self->fd, self->buf, TCELAB_DDW_START, NPAGES * page_size, RW));
	nth_arm(self);
	self->ret = tl_detach(self->fd, 0);
}

TEST_FAIL_NTH(set_memslot, 0)
{
	expect(self, "");
	self->fd = tl_v2(0);
	ASSERT_LE(0, self->fd);
	nth_arm(self);
	self->ret = tl_memslot(self->fd, GBASE, self->buf, NPAGES * page_size);
}

TEST_FAIL_NTH(set_liobn, -ENOMEM)
{
	expect(self, "table=1 table_top=1 liobn=1");
	self->fd = tl_v2(0);
	ASSERT_LE(0, self->fd);
	nth_arm(self);
	self->ret = tl_liobn(self->fd, LIOBN, 12, TCELAB_DDW_START, 1ULL << 30);
}

/*
 * H_PUT_TCE into the 3-level window: its levels and the mirror's fail the hypercall; the guest
 * table's level does not, and the TCE the guest wrote is lost (H_GET_TCE reads 0).
 */
TEST_FAIL_NTH(h_put_tce, TCELAB_H_TOO_HARD)
{
	uint64_t tce = tce_rw(GBASE), got = ~0ULL;
	int lost;

	expect(self, "table_level=2 ua_level=2 guest_level=1");
	v2_hcall(_metadata, self);
	nth_arm(self);
	self->ret = tl_hcall(self->fd, TCELAB_H_PUT_TCE, LIOBN, TCELAB_DDW_START, tce, 0, NULL);
	lost = nth_done(self) == site_index("guest_level");
	if (self->ret != TCELAB_H_SUCCESS)
		return;
	ASSERT_EQ(TCELAB_H_SUCCESS, tl_hcall(self->fd, TCELAB_H_GET_TCE, LIOBN, TCELAB_DDW_START,
					     0, 0, &got));
	EXPECT_EQ(lost ? 0 : tce, got);
}

TEST_FAIL_NTH(h_put_tce_clear, 0)
{
	expect(self, "");
	v2_hcall_mapped(_metadata, self);
	nth_arm(self);
	self->ret = tl_hcall(self->fd, TCELAB_H_PUT_TCE, LIOBN, TCELAB_DDW_START, 0, 0, NULL);
}

/* The list page is pinned while it is read, then as H_PUT_TCE for each entry. */
TEST_FAIL_NTH(h_put_tce_indirect, TCELAB_H_TOO_HARD)
{
	uint64_t *tces = (uint64_t *)self->list;
	int i;

	expect(self, "table_level=2 ua_level=2 guest_level=1 pin=1 pin_track=1");
	v2_hcall(_metadata, self);
	for (i = 0; i < NPAGES; i++)
		tces[i] = htobe64(tce_rw(GBASE + i * SZ_4K));
	nth_arm(self);
	self->ret = tl_hcall(self->fd, TCELAB_H_PUT_TCE_INDIRECT, LIOBN, TCELAB_DDW_START, GLIST,
			     NPAGES, NULL);
}

TEST_FAIL_NTH(h_stuff_tce, 0)
{
	expect(self, "");
	v2_hcall_mapped(_metadata, self);
	nth_arm(self);
	self->ret = tl_hcall(self->fd, TCELAB_H_STUFF_TCE, LIOBN, TCELAB_DDW_START, 0, NPAGES,
			     NULL);
}

TEST_FAIL_NTH(h_get_tce, 0)
{
	uint64_t got;

	expect(self, "");
	v2_hcall_mapped(_metadata, self);
	nth_arm(self);
	self->ret = tl_hcall(self->fd, TCELAB_H_GET_TCE, LIOBN, TCELAB_DDW_START, 0, 0, &got);
}

TEST_FAIL_NTH(page_refs_and_stats, 0)
{
	struct tcelab_stats st = { .argsz = sizeof(st) };
	struct tcelab_page_refs r = { .argsz = sizeof(r), .vaddr = (uintptr_t)self->buf };

	expect(self, "");
	v2_hcall_mapped(_metadata, self);
	nth_arm(self);
	self->ret = ERR(ioctl(self->fd, TCELAB_PAGE_REFS, &r)) ?:
		    ERR(ioctl(self->fd, TCELAB_GET_STATS, &st));
}

TEST_FAIL_NTH(release_v2, 0)
{
	expect(self, "");
	v2_hcall_mapped(_metadata, self);
	ASSERT_EQ(0, tl_map(self->fd, self->buf, 0, NPAGES * page_size, RW));
	nth_arm(self);
	self->ret = ERR(close(self->fd));
	self->fd = -1;
}

/* Every site of the module failed at least once, exactly as often as the sweeps counted. */
TEST_F(fail_nth, every_site_hit)
{
	long now[MAX_SITES];
	int i, hit = 0;

	ASSERT_EQ(nr_sites, read_sites(now));
	for (i = 0; i < nr_sites; i++) {
		if (site_total[i])
			hit++;
		else
			TH_LOG("site %s was never hit", site_names[i]);
		EXPECT_EQ(site_total[i], now[i] - site_start[i]);
	}
	TH_LOG("%d of %d sites hit in %ld steps", hit, nr_sites, steps_total);
	EXPECT_EQ(nr_sites, hit);
}

int main(void)
{
	nr_sites = read_sites(site_start);
	if (nr_sites <= 0) {
		tap_plan(0);
		tap_diag("no " TCELAB_DEBUGFS "/knobs/fail_sites: is tcelab.ko loaded?");
		return 1;
	}
	return test_harness_run();
}
