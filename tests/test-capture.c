// SPDX-License-Identifier: MIT
/*
 * Tests of the capture reader (src/capture/ftrace.c) and of the exact
 * replay (phyr/capture.h) on small captures written here: CRs, a
 * truncated last line, task names with blanks and dashes, LOST EVENTS,
 * header facts, fields by name, malformed payloads (FILE:LINE), unknown
 * events counted by name, and the IOVA step operations the replay uses.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ftrace.h"
#include "iova.h"
#include "phyr/capture.h"

static FILE *mem(const char *s)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");

	assert_non_null(f);
	return f;
}

static bool str_is(struct ftrace_str s, const char *lit)
{
	return s.len == strlen(lit) && memcmp(s.p, lit, s.len) == 0;
}

static void test_reader_event_line(void **state)
{
	static const char text[] =
		"# kernel: Linux version 6.12.95+deb12-amd64 (debian) #1 SMP\r\n"
		"# entries-in-buffer/entries-written: 20329/20500   #P:2\r\n"
		"  my worker-2 x-77       [001] d.h1.    12.744965: rb_remove: (remove_iova+0x0/0xa0) iovad=0xffff8f1305cdfa08 pfn_lo=0xfff40 pfn_hi=fff6d\r\n"
		"CPU:1 [LOST 42 EVENTS]\n"
		"\n"
		"    kworker/u8:2-37      [000] ...1.     9.722157: iova_alloc: (iommu_dma_alloc_iova+0xe7/0x120 <- alloc_iova_fast) iovad=0xffff8b2e89d50e00 size=12 pfn=0xfffbe\n"
		"      <idle>-0       [001] ..s1.     3.5: map: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 paddr=0x000000001c57f000 size=4096\n"
		"          dd-293     [000] d.h2.    12.867235: rb_free_iova: (free_iova+0x4/0xa0) iovad=0xffff pf";
	struct ftrace_reader *r;
	struct ftrace_line l;
	struct ftrace_fields fs;
	uint64_t v, a, b;
	char err[128];
	FILE *f = mem(text);

	assert_int_equal(ftrace_reader_open("t.log", f, &r, err, sizeof(err)), 0);
	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_int_equal(l.kind, FTRACE_COMMENT);
	assert_string_equal(ftrace_reader_kernel(r), "6.12.95+deb12-amd64");
	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_int_equal(ftrace_reader_ncpus(r), 2);
	ftrace_reader_entries(r, &a, &b);
	assert_int_equal(a, 20329);
	assert_int_equal(b, 20500);

	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_int_equal(l.kind, FTRACE_EVENT);
	assert_int_equal(l.lineno, 3);
	assert_true(str_is(l.task, "my worker-2 x"));
	assert_int_equal(l.pid, 77);
	assert_int_equal(l.cpu, 1);
	assert_true(str_is(l.flags, "d.h1."));
	assert_int_equal(l.ts_ns, UINT64_C(12744965000));
	assert_true(str_is(l.event, "rb_remove"));
	assert_true(str_is(l.site, "remove_iova+0x0/0xa0"));
	assert_false(l.retprobe);
	/* the CR is gone */
	assert_int_equal(l.text.p[l.text.len - 1], 'd');
	ftrace_fields(l.args, &fs);
	assert_int_equal(fs.n, 3);
	assert_int_equal(ftrace_field_hex(&fs, "iovad", &v), 0);
	assert_int_equal(v, UINT64_C(0xffff8f1305cdfa08));
	assert_int_equal(ftrace_field_hex(&fs, "pfn_hi", &v), 0); /* hex without 0x */
	assert_int_equal(v, 0xfff6d);
	assert_int_equal(ftrace_field_dec(&fs, "pfn_hi", &v), -EINVAL);
	assert_int_equal(ftrace_field_hex(&fs, "size", &v), -ENOENT);

	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_int_equal(l.kind, FTRACE_LOST);
	assert_int_equal(l.cpu, 1);
	assert_int_equal(l.lost, 42);
	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_int_equal(l.kind, FTRACE_BLANK);

	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_true(str_is(l.task, "kworker/u8:2"));
	assert_int_equal(l.pid, 37);
	assert_true(l.retprobe);
	assert_true(str_is(l.site, "iommu_dma_alloc_iova+0xe7/0x120 <- alloc_iova_fast"));
	ftrace_fields(l.args, &fs);
	assert_int_equal(ftrace_field_u64(&fs, "size", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(ftrace_field_u64(&fs, "pfn", &v), 0);
	assert_int_equal(v, 0xfffbe);

	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_true(str_is(l.task, "<idle>"));
	assert_int_equal(l.pid, 0);
	assert_int_equal(l.ts_ns, UINT64_C(3500000000));
	assert_true(str_is(l.event, "map"));
	assert_int_equal(l.site.len, 0);
	ftrace_fields(l.args, &fs);
	assert_int_equal(ftrace_field_hex(&fs, "iova", &v), 0);
	assert_int_equal(v, 0xfffff000);
	assert_int_equal(ftrace_field_dec(&fs, "size", &v), 0);
	assert_int_equal(v, 4096);

	/* the last line has no newline: not delivered, reported */
	assert_int_equal(ftrace_reader_next(r, &l), 0);
	assert_int_equal(ftrace_reader_truncated(r), 8);
	assert_int_equal(ftrace_reader_nlines(r), 8);
	ftrace_reader_lost(r, &a, &b);
	assert_int_equal(a, 1);
	assert_int_equal(b, 42);
	ftrace_reader_close(r);
	fclose(f);
}

static void test_reader_bad_line(void **state)
{
	static const char text[] = "# tracer: nop\nhello world\n";
	struct ftrace_reader *r;
	struct ftrace_line l;
	char err[128];
	FILE *f = mem(text);

	assert_int_equal(ftrace_reader_open("bad.log", f, &r, err, sizeof(err)), 0);
	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_int_equal(ftrace_reader_next(r, &l), -EBADMSG);
	assert_string_equal(err,
		"bad.log:2: not an ftrace line (TASK-PID [CPU] FLAGS TIMESTAMP: EVENT: ...)");
	ftrace_reader_close(r);
	fclose(f);
}

/* Without ftrace's irq-info option the FLAGS column is absent. */
static void test_reader_no_flags(void **state)
{
	static const char text[] = "   dd-93    [001]    7.250000: iova_free: (free_iova_fast+0x4/0x1c0) iovad=0x10 pfn=0x5 size=1\n";
	struct ftrace_reader *r;
	struct ftrace_line l;
	char err[128];
	FILE *f = mem(text);

	assert_int_equal(ftrace_reader_open("n.log", f, &r, err, sizeof(err)), 0);
	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_int_equal(l.kind, FTRACE_EVENT);
	assert_int_equal(l.pid, 93);
	assert_int_equal(l.cpu, 1);
	assert_int_equal(l.flags.len, 0);
	assert_int_equal(l.ts_ns, UINT64_C(7250000000));
	assert_true(str_is(l.event, "iova_free"));
	assert_int_equal(ftrace_reader_next(r, &l), 0);
	assert_int_equal(ftrace_reader_truncated(r), 0);
	ftrace_reader_close(r);
	fclose(f);
}

static void test_reader_nul_byte(void **state)
{
	static const char text[] = "# x\n   dd-9 [000] ..... 1.0: ma\0p: IOMMU: iova=0x1000\n";
	struct ftrace_reader *r;
	struct ftrace_line l;
	char err[128];
	FILE *f = fmemopen((void *)text, sizeof(text) - 1, "r");

	assert_non_null(f);
	assert_int_equal(ftrace_reader_open("z.log", f, &r, err, sizeof(err)), 0);
	assert_int_equal(ftrace_reader_next(r, &l), 1);
	assert_int_equal(ftrace_reader_next(r, &l), -EBADMSG);
	assert_string_equal(err, "z.log:2: NUL byte in the line");
	ftrace_reader_close(r);
	fclose(f);
}

static void test_reader_fields_quoted(void **state)
{
	static const char args[] = "dev=0xffff devname=\"0000:00:01.0 x\" dma_addrs={0x1, 0x2} attrs= nents=4/4 ok=1";
	struct ftrace_fields fs;
	const struct ftrace_str *v;
	uint64_t n;

	ftrace_fields((struct ftrace_str){ args, strlen(args) }, &fs);
	assert_int_equal(fs.n, 6);
	v = ftrace_field_find(&fs, "devname");
	assert_non_null(v);
	assert_true(str_is(*v, "\"0000:00:01.0 x\""));
	v = ftrace_field_find(&fs, "dma_addrs");
	assert_true(str_is(*v, "{0x1, 0x2}"));
	v = ftrace_field_find(&fs, "attrs");
	assert_int_equal(v->len, 0);
	assert_int_equal(ftrace_field_dec(&fs, "ok", &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ftrace_field_dec(&fs, "nents", &n), -EINVAL);
}

/* ---- replay ---- */

#define D "0xffff888100001000"
#define HDR "# tracer: nop\n# entries-in-buffer/entries-written: 9/9   #P:1\n"
#define INIT "        swapper/0-1     [000] .....     1.000001: init_iova_domain: (init_iova_domain+0x4/0x90) iovad=" D " granule=4096 start_pfn=0x1\n"

struct seen {
	unsigned int n;
	struct phyr_capture_alloc a[8];
};

static void on_alloc(void *ctx, const struct phyr_capture_alloc *a)
{
	struct seen *s = ctx;

	if (s->n < 8)
		s->a[s->n] = *a;
	s->n++;
}

static int replay(const char *text, struct seen *s, struct phyr_capture **out, char *err)
{
	struct phyr_capture_config cfg = { 0 };
	FILE *f = mem(text);
	int ret;

	cfg.on_alloc = on_alloc;
	cfg.ctx = s;
	assert_int_equal(phyr_capture_create(&cfg, out), 0);
	ret = phyr_capture_run(*out, "c.log", f, err, 256);
	fclose(f);
	return ret;
}

static void test_replay_fprobe_and_unknown_events(void **state)
{
	static const char text[] = HDR INIT
		"   dd-9 [000] .....  2.000001: tracing_mark_write: QTPHASE net\n"
		"   dd-9 [000] .....  2.000002: iova_alloc_entry: (alloc_iova_fast+0x4/0x3e0)\n"
		"   dd-9 [000] .....  2.000003: iova_slow: (alloc_iova_fast+0x1c6/0x3e0 <- alloc_iova) iovad=" D " size=4 limit_pfn=0xfffff size_aligned=1 pfn_lo=0xffffc pfn_hi=0xfffff\n"
		"   dd-9 [000] .....  2.000004: iova_alloc: (iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=" D " size=3 limit_pfn=0xfffff flush_rcache=0 pfn=0xffffc\n"
		"   dd-9 [000] .....  2.000005: dma_map_page: 0000:00:01.0 dir=FROM_DEVICE dma_addr=ffffc000 size=12288 phys_addr=9f31000 attrs=\n"
		"   dd-9 [000] .....  2.000006: dma_map_page: 0000:00:01.0 dir=FROM_DEVICE dma_addr=ffffc000 size=12288 phys_addr=9f31000 attrs=\n"
		"   dd-9 [000] .....  2.000007: iova_free: (free_iova_fast+0x4/0x1c0) iovad=" D " pfn=0xffffc size=3\n"
		"   dd-9 [000] .....  2.000008: iova_alloc_entry: (alloc_iova_fast+0x4/0x3e0)\n"
		"   dd-9 [000] .....  2.000009: iova_alloc: (iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=" D " size=4 limit_pfn=0xfffff flush_rcache=0 pfn=0xffffc\n";
	struct phyr_capture_summary sum;
	struct phyr_capture_domain_info di;
	struct phyr_capture_event ev;
	struct phyr_capture *c;
	struct seen s = { 0 };
	char err[256];

	assert_int_equal(replay(text, &s, &c, err), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.a[0].line, 7);
	assert_int_equal(s.a[0].iovad, UINT64_C(0xffff888100001000));
	assert_int_equal(s.a[0].size, 3);
	assert_int_equal(s.a[0].linux_pfn, 0xffffc);
	assert_true(s.a[0].model_ok);
	assert_int_equal(s.a[0].model_pfn, 0xffffc);
	/* size 3 was cached as 4: the next size-4 allocation hits it */
	assert_int_equal(s.a[1].line, 12);
	assert_int_equal(s.a[1].model_pfn, 0xffffc);
	assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
	assert_int_equal(sum.nallocs, 2);
	assert_int_equal(sum.nmatched, 2);
	assert_int_equal(sum.first_divergence, 0);
	assert_int_equal(sum.ncpus, 1);
	assert_int_equal(sum.nevents, 10);
	assert_int_equal(sum.nskipped, 3);
	assert_false(sum.kprobe_form);
	assert_int_equal(phyr_capture_get_domain(c, 0, &di), 0);
	assert_int_equal(di.nallocs, 2);
	assert_int_equal(di.nfrees, 1);
	assert_true(di.boot);
	assert_int_equal(phyr_capture_get_domain(c, 1, &di), -ENOENT);
	/* unknown events: counted by name, in order of first appearance */
	assert_int_equal(phyr_capture_get_event(c, 1, &ev), 0);
	assert_string_equal(ev.name, "tracing_mark_write");
	assert_int_equal(ev.count, 1);
	assert_false(ev.used);
	assert_int_equal(phyr_capture_get_event(c, 5, &ev), 0);
	assert_string_equal(ev.name, "dma_map_page");
	assert_int_equal(ev.count, 2);
	assert_false(ev.used);
	assert_int_equal(phyr_capture_get_event(c, 0, &ev), 0);
	assert_string_equal(ev.name, "init_iova_domain");
	assert_true(ev.used);
	assert_int_equal(phyr_capture_get_event(c, 7, &ev), -ENOENT);
	phyr_capture_destroy(c);
}

/* alloc_iova_fast's flush-and-retry: a failed slow path, the CPU's caches
 * flushed (12 iova_mag_free lines, rb_remove for the pfns), the retry. */
#define E4 "0xffff888100004000"
#define A(n, pfn) \
	"   dd-9 [000] .....  2.00000" #n ": iova_alloc_entry: (alloc_iova_fast+0x4/0x3e0)\n" \
	"   dd-9 [000] .....  2.00000" #n ": iova_slow: (alloc_iova_fast+0x1c6/0x3e0 <- alloc_iova) iovad=" E4 " size=1 limit_pfn=0xfffff size_aligned=1 pfn_lo=" pfn " pfn_hi=" pfn "\n" \
	"   dd-9 [000] .....  2.00000" #n ": iova_alloc: (iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=" E4 " size=1 limit_pfn=0xfffff flush_rcache=1 pfn=" pfn "\n"
#define F(pfn) "   dd-9 [000] .....  3.0: iova_free: (free_iova_fast+0x4/0x1c0) iovad=" E4 " pfn=" pfn " size=1\n"
#define MF(n) "   dd-9 [000] d....  4.0: iova_mag_free: (iova_magazine_free_pfns+0x4/0x90) mag=0xffff1 iovad=" E4 " mag_size=" #n "\n"
#define RM(pfn) "   dd-9 [000] d....  4.0: rb_remove: (remove_iova+0x0/0xa0) iovad=" E4 " pfn_lo=" pfn " pfn_hi=" pfn "\n"

static void test_replay_flush_retry(void **state)
{
	/* pieces under C's 4095-character string limit, joined below */
	static const char *const parts[] = { HDR
		"        swapper/0-1     [000] .....     1.000001: init_iova_domain: (init_iova_domain+0x4/0x90) iovad=" E4 " granule=4096 start_pfn=0xffffc\n"
		A(1, "0xfffff") A(2, "0xffffe"), A(3, "0xffffd") A(4, "0xffffc"),
		F("0xfffff") F("0xffffe") F("0xffffd") F("0xffffc")
		"   dd-9 [000] .....  3.5: iova_alloc_entry: (alloc_iova_fast+0x4/0x3e0)\n"
		"   dd-9 [000] .....  3.5: iova_slow: (alloc_iova_fast+0x1c6/0x3e0 <- alloc_iova) iovad=" E4 " size=2 limit_pfn=0xfffff size_aligned=1 pfn_lo=(fault) pfn_hi=(fault)\n"
		"   dd-9 [000] .....  3.6: free_cpu_cached_iovas: (free_cpu_cached_iovas+0x4/0x100) cpu=0 iovad=" E4 "\n"
		MF(4) RM("0xfffff") RM("0xffffe") RM("0xffffd") RM("0xffffc"),
		MF(0) MF(0) MF(0) MF(0) MF(0) MF(0) MF(0) MF(0) MF(0) MF(0) MF(0)
		"   dd-9 [000] .....  3.7: iova_slow: (alloc_iova_fast+0x1c6/0x3e0 <- alloc_iova) iovad=" E4 " size=2 limit_pfn=0xfffff size_aligned=1 pfn_lo=0xffffe pfn_hi=0xfffff\n"
		"   dd-9 [000] .....  3.8: iova_alloc: (iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=" E4 " size=2 limit_pfn=0xfffff flush_rcache=1 pfn=0xffffe\n",
		/* the flushed cache hands out nothing: the tree's next pfn */
		A(9, "0xffffd") };
	static char text[8192];
	struct phyr_capture_summary sum;
	struct phyr_capture *c;
	struct seen s = { 0 };
	char err[256];

	text[0] = '\0';
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		strcat(text, parts[i]);
	assert_int_equal(replay(text, &s, &c, err), 0);
	assert_int_equal(s.n, 6);
	assert_int_equal(s.a[3].model_pfn, 0xffffc);
	assert_int_equal(s.a[4].size, 2);
	assert_int_equal(s.a[4].linux_pfn, 0xffffe);
	assert_true(s.a[4].model_ok);
	assert_int_equal(s.a[4].model_pfn, 0xffffe);
	assert_int_equal(s.a[5].model_pfn, 0xffffd);
	assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
	assert_int_equal(sum.nmatched, 6);
	phyr_capture_destroy(c);
}

static void test_replay_malformed_payload(void **state)
{
	static const char text[] = HDR INIT
		"   dd-9 [000] .....  2.000001: iova_alloc_entry: (alloc_iova_fast+0x4/0x3e0)\n"
		"   dd-9 [000] .....  2.000002: iova_alloc: (iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=" D " size=x1 limit_pfn=0xfffff flush_rcache=0 pfn=0xffffc\n";
	struct phyr_capture *c;
	struct seen s = { 0 };
	char err[256];

	assert_int_equal(replay(text, &s, &c, err), -EINVAL);
	assert_string_equal(err, "c.log:5: iova_alloc: field size= is not a number");
	assert_int_equal(s.n, 0);
	phyr_capture_destroy(c);
}

static void test_replay_truncated_and_lost(void **state)
{
	static const char text[] = HDR INIT
		"   dd-9 [000] .....  1.500001: iova_alloc_entry: (alloc_iova_fast+0x4/0x3e0)\n"
		"   dd-9 [000] .....  1.500002: iova_alloc: (iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=" D " size=1 limit_pfn=0xfffff flush_rcache=0 pfn=0xfffff\n"
		"CPU:0 [LOST 7 EVENTS]\n"
		"   dd-9 [000] .....  2.000001: iova_alloc_entry: (alloc_iova_fast+0x4/0x3e0)\n"
		"   dd-9 [000] .....  2.000002: iova_alloc: (iommu_dma_alloc_iova+0xd4/0x120 <- alloc_iova_fast) iovad=" D " size=1 limit_pfn=0xfffff flush_rc";
	struct phyr_capture_summary sum;
	struct phyr_capture *c;
	struct seen s = { 0 };
	char err[256];

	assert_int_equal(replay(text, &s, &c, err), 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.a[0].line, 5);
	assert_int_equal(s.a[0].model_pfn, 0xfffff);
	assert_int_equal(phyr_capture_get_summary(c, &sum), 0);
	assert_int_equal(sum.truncated_line, 8);
	assert_int_equal(sum.nlost_lines, 1);
	assert_int_equal(sum.nlost_events, 7);
	assert_int_equal(sum.nunpaired, 1); /* the entry never returned */
	phyr_capture_destroy(c);
}

static void test_replay_exact_needs_probes(void **state)
{
	static const char text[] = HDR
		"   dd-9 [000] .....  2.000001: map: IOMMU: iova=0x00000000fffff000 - 0x0000000100000000 paddr=0x000000001c57f000 size=4096\n";
	struct phyr_capture_config cfg = { .mode = PHYR_CAPTURE_EXACT };
	struct phyr_capture *c;
	char err[256];
	FILE *f = mem(text);

	assert_int_equal(phyr_capture_create(&cfg, &c), 0);
	assert_int_equal(phyr_capture_run(c, "m.log", f, err, sizeof(err)), -ENOTSUP);
	assert_string_equal(err, "m.log:3: no allocator probes (qt/iova_alloc): exact replay impossible");
	/* once per object */
	assert_int_equal(phyr_capture_run(c, "m.log", f, err, sizeof(err)), -EINVAL);
	fclose(f);
	phyr_capture_destroy(c);
}

static void test_create_rejects(void **state)
{
	struct phyr_capture_config cfg = { .kernel = "six" };
	struct phyr_capture *c = (void *)1;

	assert_int_equal(phyr_capture_create(&cfg, &c), -EINVAL);
	assert_null(c);
	cfg.kernel = "6.1";
	cfg.ncpus = PHYR_IOVA_MAX_CPUS + 1;
	assert_int_equal(phyr_capture_create(&cfg, &c), -EINVAL);
	assert_int_equal(phyr_capture_create(NULL, NULL), -EINVAL);
	assert_int_equal(phyr_capture_create(NULL, &c), 0);
	phyr_capture_destroy(c);
}

/* ---- IOVA step operations ---- */

static void test_step_fixed_depot_overflow(void **state)
{
	struct phyr_iova_config cfg;
	struct phyr_iova_domain *d;
	uint64_t pfn = 0, lo;
	bool dropped;
	unsigned int ndropped = 0;

	phyr_iova_config_init(&cfg);
	cfg.ncpus = 1;
	cfg.mag_size = 2;
	assert_int_equal(phyr_iova_domain_create(4096, 1, &cfg, NULL, &d), 0);
	iova_set_depot_max(d, 1);
	/* 2 in loaded, 2 in prev, then a depot of one magazine, then overflow */
	for (uint64_t i = 0; i < 8; i++) {
		assert_int_equal(iova_step_tree_alloc(d, 1, 0xfffff, &pfn), 0);
		assert_int_equal(pfn, 0xfffff - i);
	}
	for (uint64_t i = 0; i < 8; i++) {
		assert_int_equal(iova_step_insert(d, 0, 0xfffff - i, 1, false, &dropped), 0);
		ndropped += dropped;
	}
	/* pushes at the 5th and 7th insert; the second meets the full depot */
	assert_int_equal(ndropped, 1);
	/* the tree still holds all 8 (the dropped ones until their rb_remove) */
	assert_int_equal(phyr_iova_find(d, 0xffffb, &lo, NULL), 0);
	/* lookups: loaded [p6 p7] from the top, then prev [p0 p1] (swapped in),
	 * then the depot's [p2 p3]; the dropped [p4 p5] (0xffffb, 0xffffa)
	 * never come back, as they would with an unbounded depot */
	static const uint64_t want[] = { 0xffff8, 0xffff9, 0xffffe, 0xfffff, 0xffffc };

	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(iova_step_lookup(d, 0, 1, 0xfffff, &pfn), 0);
		assert_int_equal(pfn, want[i]);
	}
	assert_int_equal(iova_step_cpu_drop(d, 0, false), 0);
	assert_int_equal(iova_step_lookup(d, 0, 1, 0xfffff, &pfn), -ENOENT);
	assert_int_equal(iova_step_lookup(d, 0, 64, 0xfffff, &pfn), -ENOENT);
	phyr_iova_domain_destroy(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_event_line),
		cmocka_unit_test(test_reader_bad_line),
		cmocka_unit_test(test_reader_no_flags),
		cmocka_unit_test(test_reader_nul_byte),
		cmocka_unit_test(test_reader_fields_quoted),
		cmocka_unit_test(test_replay_fprobe_and_unknown_events),
		cmocka_unit_test(test_replay_flush_retry),
		cmocka_unit_test(test_replay_malformed_payload),
		cmocka_unit_test(test_replay_truncated_and_lost),
		cmocka_unit_test(test_replay_exact_needs_probes),
		cmocka_unit_test(test_create_rejects),
		cmocka_unit_test(test_step_fixed_depot_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
