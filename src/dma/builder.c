// SPDX-License-Identifier: MIT
/*
 * Machine builder (see include/phyr/builder.h, docs/machine-desc.md): one
 * pass over the description, line by line. Machine, PCI, BAR, swiotlb and
 * device lines are built at once, in order, so a reference always names
 * an object of an earlier line and PCI bus numbers follow the order of
 * the bridges, as enumeration does. IOMMU groups are recorded and given
 * their DMA domains after the last line, once their members are known
 * (build_attach_group). Any error destroys what was built so far.
 *
 * It models no Linux code itself: it composes the public calls, so what it
 * builds behaves exactly as the hand-written set-up it replaces.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "phyr/builder.h"
#include "phyr/device.h"
#include "phyr/dma-debug.h"
#include "phyr/dma-iommu.h"
#include "phyr/dma-mapping.h"
#include "phyr/iommu.h"
#include "phyr/iova.h"
#include "phyr/machine.h"
#include "phyr/swiotlb.h"

#define LABEL_MAX 32     /* labels: 1..31 characters */
#define PCI_NAME_MAX 16  /* "DDDD:BB:SS.F" */
#define LINE_MAX_LEN 1024
#define MAX_TOKENS 64
#define MAX_DMA_RANGES 16
#define MAX_RESV 16

enum obj_kind { OBJ_HOST, OBJ_PCI, OBJ_GROUP, OBJ_DEVICE };

struct sys_obj {
	enum obj_kind kind;
	int line;
	char label[LABEL_MAX];
	char pci_name[PCI_NAME_MAX];
	/* OBJ_HOST: the bridge and its 00.0 function (may be NULL) */
	struct phyr_pci_host_bridge *host;
	/* OBJ_HOST (00.0) and OBJ_PCI */
	struct phyr_pci_dev *pci;
	enum phyr_pci_type type;
	bool has_device; /* OBJ_PCI: a DMA device sits on the function */
	/* OBJ_GROUP */
	struct phyr_iommu_domain_opts dom;
	struct phyr_iova_config iova;
	struct phyr_iommu_dma_config dc;
	struct phyr_iommu_dma_resv resv[MAX_RESV];
	size_t ndevs;
	struct phyr_iommu_dma_cookie *cookie; /* a DMA or DMA-FQ group's domain */
	struct phyr_iommu_domain *blocked;    /* a blocked group's domain */
	/* OBJ_DEVICE */
	struct phyr_device *dev;
	struct sys_obj *fn; /* the PCI function it sits on */
	struct sys_obj *group;
	bool use_swiotlb;
	bool bound; /* attached to its group's domain */
};

enum debug_mode { DEBUG_OFF, DEBUG_ON, DEBUG_STRICT };

struct phyr_system {
	struct phyr_allocator alloc;
	struct phyr_system_opts opts;
	struct phyr_machine *m;
	struct phyr_machine_config mcfg;
	unsigned int ncpus;
	struct phyr_swiotlb *pool;
	struct phyr_swiotlb_memory pool_mem;
	struct phyr_dma_debug *debug;
	enum debug_mode debug_mode;
	int debug_line;
	struct phyr_dma_debug_config debug_cfg;
	struct sys_obj **objs;
	size_t nobjs, capobjs;
	struct sys_obj **devs; /* OBJ_DEVICE entries of objs, in order */
	size_t ndevs, capdevs;
};

/* ------------------------------------------------------------------ */
/* Parse state                                                         */

struct kv {
	const char *key;
	const char *val;
	bool used;
};

struct line {
	const char *file;
	int lineno;
	const char *keyword;
	const char *label; /* NULL: none given */
	struct kv kv[MAX_TOKENS];
	int nkv;
};

struct bld {
	struct phyr_system *s;
	const char *file;
	int lineno;
	char *err;
	size_t errlen;
	bool seen_object; /* a line other than machine was built */
	bool seen_machine;
};

static int fail(struct bld *b, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct bld *b, int ret, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!b->err || !b->errlen)
		return ret;
	n = snprintf(b->err, b->errlen, "%s:%d: ", b->file, b->lineno);
	if (n < 0 || (size_t)n >= b->errlen)
		return ret;
	va_start(ap, fmt);
	vsnprintf(b->err + n, b->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return ret;
}

/* -ENOMEM keeps its code; other errors of a build call become -EINVAL. */
static int fail_call(struct bld *b, int ret, const char *what)
{
	if (ret == -ENOMEM)
		return fail(b, -ENOMEM, "out of memory");
	return fail(b, -EINVAL, "%s: %s", what, strerror(-ret));
}

/* ------------------------------------------------------------------ */
/* Values                                                              */

/* Decimal or 0x hex, optional binary suffix K/M/G/T/P/E when @suffix. */
static int parse_u64(const char *s, bool suffix, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, shift = 0;
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return -EINVAL;
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	if (*p && suffix && !p[1]) {
		const char *units = "KMGTPE";
		const char *u = strchr(units, *p >= 'a' ? *p - 'a' + 'A' : *p);

		if (u && *u) {
			shift = 10u * (unsigned)(u - units + 1);
			p++;
		}
	}
	if (*p)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = v << shift;
	return 0;
}

static int bad_value(struct bld *b, int ret, const char *key, const char *val)
{
	if (ret == -ERANGE)
		return fail(b, -EINVAL, "number out of range: %s=%s", key, val);
	return fail(b, -EINVAL, "bad number: %s=%s", key, val);
}

static struct kv *find_kv(struct line *l, const char *key)
{
	for (int i = 0; i < l->nkv; i++)
		if (!strcmp(l->kv[i].key, key))
			return &l->kv[i];
	return NULL;
}

/* Number @key into @out (left alone when absent); @max bounds it. */
static int get_num(struct bld *b, struct line *l, const char *key, bool required, bool suffix,
		   uint64_t max, uint64_t *out)
{
	struct kv *kv = find_kv(l, key);
	uint64_t v;
	int ret;

	if (!kv) {
		if (required)
			return fail(b, -EINVAL, "%s: missing required key '%s'", l->keyword, key);
		return 0;
	}
	ret = parse_u64(kv->val, suffix, &v);
	if (ret)
		return bad_value(b, ret, key, kv->val);
	if (v > max)
		return fail(b, -EINVAL, "number out of range: %s=%s (at most %llu)", key, kv->val,
			    (unsigned long long)max);
	*out = v;
	return 0;
}

static int get_bool(struct bld *b, struct line *l, const char *key, bool *out)
{
	static const char *const yes[] = { "yes", "on", "true", "1" };
	static const char *const no[] = { "no", "off", "false", "0" };
	struct kv *kv = find_kv(l, key);

	if (!kv)
		return 0;
	for (size_t i = 0; i < 4; i++) {
		if (!strcmp(kv->val, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(kv->val, no[i])) {
			*out = false;
			return 0;
		}
	}
	return fail(b, -EINVAL, "bad boolean: %s=%s (yes or no)", key, kv->val);
}

/* A mask: "NNbit" (DMA_BIT_MASK(NN), 1..64) or a number. */
static int get_mask(struct bld *b, struct line *l, const char *key, uint64_t *out)
{
	struct kv *kv = find_kv(l, key);
	size_t n;

	if (!kv)
		return 0;
	n = strlen(kv->val);
	if (n > 3 && !strcmp(kv->val + n - 3, "bit")) {
		char num[8];
		uint64_t bits;

		if (n - 3 >= sizeof(num))
			return fail(b, -EINVAL, "bad mask: %s=%s", key, kv->val);
		memcpy(num, kv->val, n - 3);
		num[n - 3] = 0;
		if (parse_u64(num, false, &bits) || bits < 1 || bits > 64)
			return fail(b, -EINVAL, "bad mask: %s=%s (1bit .. 64bit)", key, kv->val);
		*out = PHYR_DMA_BIT_MASK(bits);
		return 0;
	}
	if (parse_u64(kv->val, false, out))
		return fail(b, -EINVAL, "bad mask: %s=%s", key, kv->val);
	return 0;
}

/* "A-B" (two numbers, sizes allowed) into @lo, @hi. */
static int parse_range(struct bld *b, const char *key, const char *val, uint64_t *lo,
		       uint64_t *hi)
{
	char buf[64];
	char *dash;

	if (strlen(val) >= sizeof(buf))
		return fail(b, -EINVAL, "bad range: %s=%s", key, val);
	strcpy(buf, val);
	dash = strchr(buf, '-');
	if (!dash)
		return fail(b, -EINVAL, "bad range: %s=%s (START-END)", key, val);
	*dash = 0;
	if (parse_u64(buf, true, lo) || parse_u64(dash + 1, true, hi))
		return fail(b, -EINVAL, "bad range: %s=%s", key, val);
	if (*hi < *lo)
		return fail(b, -EINVAL, "bad range: %s=%s (end below start)", key, val);
	return 0;
}

/* "SS.F": slot 0..1f and function 0..7, hex. */
static int get_devfn(struct bld *b, struct line *l, uint8_t *out)
{
	struct kv *kv = find_kv(l, "devfn");
	unsigned long slot, fn;
	const char *p;
	char *end;

	if (!kv)
		return fail(b, -EINVAL, "%s: missing required key 'devfn'", l->keyword);
	p = kv->val;
	if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F')))
		goto bad;
	slot = strtoul(p, &end, 16);
	if (*end != '.' || end - p > 2 || slot > 0x1f)
		goto bad;
	p = end + 1;
	if (*p < '0' || *p > '7' || p[1])
		goto bad;
	fn = (unsigned long)(*p - '0');
	*out = PHYR_PCI_DEVFN(slot, fn);
	return 0;
bad:
	return fail(b, -EINVAL, "bad devfn: devfn=%s (SS.F, slot 00-1f, function 0-7)", kv->val);
}

/* "VVVV:DDDD", hex. */
static int get_id(struct bld *b, struct line *l, bool required, uint16_t *vendor,
		  uint16_t *device, bool *given)
{
	struct kv *kv = find_kv(l, "id");
	unsigned long v, d;
	char *end;
	const char *p;

	if (given)
		*given = kv != NULL;
	if (!kv) {
		if (required)
			return fail(b, -EINVAL, "%s: missing required key 'id'", l->keyword);
		return 0;
	}
	p = kv->val;
	if (!*p || *p == '-' || *p == '+' || *p == ' ')
		goto bad;
	v = strtoul(p, &end, 16);
	if (*end != ':' || end - p > 4 || end == p)
		goto bad;
	p = end + 1;
	if (!*p || *p == '-' || *p == '+' || *p == ' ')
		goto bad;
	d = strtoul(p, &end, 16);
	if (*end || end - p > 4)
		goto bad;
	*vendor = (uint16_t)v;
	*device = (uint16_t)d;
	return 0;
bad:
	return fail(b, -EINVAL, "bad id: id=%s (VVVV:DDDD, hex)", kv->val);
}

/* ACS control: "none", a list of sv,tb,rr,cr,uf,ec,dt, or a number. */
static int get_acs(struct bld *b, struct line *l, bool *has, uint16_t *ctrl)
{
	static const struct { const char *name; uint16_t bit; } flags[] = {
		{ "sv", PHYR_PCI_ACS_SV }, { "tb", PHYR_PCI_ACS_TB }, { "rr", PHYR_PCI_ACS_RR },
		{ "cr", PHYR_PCI_ACS_CR }, { "uf", PHYR_PCI_ACS_UF }, { "ec", PHYR_PCI_ACS_EC },
		{ "dt", PHYR_PCI_ACS_DT },
	};
	struct kv *kv = find_kv(l, "acs");
	uint64_t v;
	const char *p;

	*has = false;
	*ctrl = 0;
	if (!kv)
		return 0;
	*has = true;
	if (!strcmp(kv->val, "none"))
		return 0;
	if (kv->val[0] >= '0' && kv->val[0] <= '9') {
		if (parse_u64(kv->val, false, &v) || v > 0xffff)
			return fail(b, -EINVAL, "bad acs: acs=%s", kv->val);
		*ctrl = (uint16_t)v;
		return 0;
	}
	for (p = kv->val; *p;) {
		size_t n = strcspn(p, ",");
		size_t i;

		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (n == 2 && !strncmp(p, flags[i].name, 2))
				break;
		if (i == sizeof(flags) / sizeof(flags[0]))
			return fail(b, -EINVAL, "bad acs: acs=%s (none, or flags sv,tb,rr,cr,uf,ec,dt)",
				    kv->val);
		*ctrl |= flags[i].bit;
		p += n;
		if (*p == ',') {
			p++;
			if (!*p)
				return fail(b, -EINVAL, "bad acs: acs=%s", kv->val);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Objects and names                                                   */

static int push_ptr(struct phyr_system *s, struct sys_obj ***arr, size_t *n, size_t *cap,
		    struct sys_obj *o)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct sys_obj **na = alloc_mem(&s->alloc, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		if (*n)
			memcpy(na, *arr, *n * sizeof(*na));
		alloc_free(&s->alloc, *arr, *cap * sizeof(*na));
		*arr = na;
		*cap = ncap;
	}
	(*arr)[(*n)++] = o;
	return 0;
}

static struct sys_obj *find_obj(const struct phyr_system *s, const char *name)
{
	for (size_t i = 0; i < s->nobjs; i++) {
		struct sys_obj *o = s->objs[i];

		if ((o->label[0] && !strcmp(o->label, name)) ||
		    (o->pci_name[0] && !strcmp(o->pci_name, name)))
			return o;
	}
	return NULL;
}

static struct sys_obj *find_dev(const struct phyr_system *s, const char *name)
{
	for (size_t i = 0; i < s->ndevs; i++) {
		struct sys_obj *o = s->devs[i];

		if (!strcmp(o->label, name) || !strcmp(o->pci_name, name) ||
		    !strcmp(o->fn->label, name))
			return o;
	}
	return NULL;
}

/* A new object of @kind for the current line, its label checked and kept. */
static int new_obj(struct bld *b, struct line *l, enum obj_kind kind, struct sys_obj **out)
{
	struct phyr_system *s = b->s;
	struct sys_obj *o;
	int ret;

	if (l->label && find_obj(s, l->label))
		return fail(b, -EINVAL, "duplicate name '%s' (line %d)", l->label,
			    find_obj(s, l->label)->line);
	o = alloc_zeroed(&s->alloc, sizeof(*o));
	if (!o)
		return fail(b, -ENOMEM, "out of memory");
	o->kind = kind;
	o->line = b->lineno;
	if (l->label)
		strcpy(o->label, l->label);
	ret = push_ptr(s, &s->objs, &s->nobjs, &s->capobjs, o);
	if (ret) {
		alloc_free(&s->alloc, o, sizeof(*o));
		return fail(b, ret, "out of memory");
	}
	*out = o;
	return 0;
}

/* Label syntax: a letter or '_' first, then letters, digits, '_', '-', '.'. */
static bool valid_label(const char *t)
{
	size_t n = strlen(t);

	if (!n || n >= LABEL_MAX)
		return false;
	if (!((t[0] >= 'a' && t[0] <= 'z') || (t[0] >= 'A' && t[0] <= 'Z') || t[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = t[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.'))
			return false;
	}
	return true;
}

/* The machine exists from the first object line on (defaults without a machine line). */
static int ensure_machine(struct bld *b)
{
	struct phyr_system *s = b->s;
	int ret;

	if (s->m)
		return 0;
	ret = phyr_machine_create(&s->mcfg, &s->alloc, &s->m);
	if (ret == -EINVAL)
		return fail(b, -EINVAL, "impossible machine: cc-guest needs mem-encrypt-mask");
	if (ret)
		return fail_call(b, ret, "machine");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Line handlers                                                       */

static int do_machine(struct bld *b, struct line *l)
{
	struct phyr_system *s = b->s;
	uint64_t v;
	int ret;

	if (b->seen_machine)
		return fail(b, -EINVAL, "duplicate 'machine' line");
	if (b->seen_object)
		return fail(b, -EINVAL, "'machine' must come before every other object");
	b->seen_machine = true;
	v = 0;
	if ((ret = get_num(b, l, "cpus", false, false, 4096, &v)))
		return ret;
	if (find_kv(l, "cpus") && v == 0)
		return fail(b, -EINVAL, "number out of range: cpus=0");
	s->ncpus = (unsigned)v;
	if ((ret = get_bool(b, l, "amd-zen", &s->mcfg.cpu_amd_zen)) ||
	    (ret = get_num(b, l, "mem-encrypt-mask", false, false, UINT64_MAX,
			   &s->mcfg.mem_encrypt_mask)) ||
	    (ret = get_bool(b, l, "cc-guest", &s->mcfg.cc_guest)) ||
	    (ret = get_bool(b, l, "swiotlb-force", &s->mcfg.swiotlb_force)))
		return ret;
	v = 0;
	if ((ret = get_num(b, l, "zone-dma-bits", false, false, 64, &v)))
		return ret;
	s->mcfg.zone_dma_bits = (unsigned)v;
	return ensure_machine(b);
}

static int do_ram(struct bld *b, struct line *l)
{
	uint64_t start = 0, size = 0;
	int ret;

	if ((ret = get_num(b, l, "start", true, true, UINT64_MAX, &start)) ||
	    (ret = get_num(b, l, "size", true, true, UINT64_MAX, &size)))
		return ret;
	ret = phyr_machine_add_ram(b->s->m, start, size);
	if (ret == -EEXIST)
		return fail(b, -EINVAL, "RAM range overlaps RAM or a BAR already in the memory map");
	if (ret == -EINVAL)
		return fail(b, -EINVAL,
			    "bad RAM range: start and size must be page aligned, size > 0, no wrap");
	return ret ? fail_call(b, ret, "ram") : 0;
}

static int do_decrypted(struct bld *b, struct line *l)
{
	uint64_t start = 0, size = 0;
	int ret;

	if ((ret = get_num(b, l, "start", true, true, UINT64_MAX, &start)) ||
	    (ret = get_num(b, l, "size", true, true, UINT64_MAX, &size)))
		return ret;
	ret = phyr_machine_set_decrypted(b->s->m, start, size);
	if (ret == -EINVAL)
		return fail(b, -EINVAL,
			    "bad decrypted range: start and size must be page aligned, size > 0, no wrap");
	return ret ? fail_call(b, ret, "decrypted") : 0;
}

static int pci_name_of(struct sys_obj *o)
{
	phyr_pci_dev_name(o->pci, o->pci_name, sizeof(o->pci_name));
	return 0;
}

static int do_host(struct bld *b, struct line *l)
{
	struct phyr_system *s = b->s;
	struct phyr_pci_dev_config c;
	struct sys_obj *o;
	uint64_t domain = 0, bus = 0;
	bool has_id;
	int ret;

	memset(&c, 0, sizeof(c));
	if ((ret = get_num(b, l, "domain", false, false, 0xffff, &domain)) ||
	    (ret = get_num(b, l, "bus", false, false, 0xff, &bus)) ||
	    (ret = get_id(b, l, false, &c.vendor, &c.device, &has_id)))
		return ret;
	if ((ret = new_obj(b, l, OBJ_HOST, &o)))
		return ret;
	ret = phyr_pci_host_bridge_add(s->m, (uint16_t)domain, (uint8_t)bus, &o->host);
	if (ret == -EEXIST)
		return fail(b, -EINVAL, "duplicate host bridge %04llx:%02llx",
			    (unsigned long long)domain, (unsigned long long)bus);
	if (ret)
		return fail_call(b, ret, "host-bridge");
	if (!has_id)
		return 0;
	c.host = o->host;
	c.devfn = PHYR_PCI_DEVFN(0, 0);
	c.type = PHYR_PCI_HOST_DEVICE;
	ret = phyr_pci_dev_add(s->m, &c, &o->pci);
	if (ret)
		return fail_call(b, ret, "host-bridge 00.0");
	o->type = PHYR_PCI_HOST_DEVICE;
	return pci_name_of(o);
}

/* Where a function of @type may sit: on a host's root bus, or below bridge @p. */
static int check_parent(struct bld *b, enum phyr_pci_type type, const char *ref,
			const struct sys_obj *p)
{
	bool below_up = p->kind == OBJ_PCI && p->type == PHYR_PCI_SWITCH_UPSTREAM;

	if (p->kind != OBJ_HOST && p->kind != OBJ_PCI)
		return fail(b, -EINVAL, "'%s' is not a host bridge or a PCI bridge", ref);
	if (p->kind == OBJ_PCI &&
	    (p->type == PHYR_PCI_ENDPOINT || p->type == PHYR_PCI_HOST_DEVICE))
		return fail(b, -EINVAL, "'%s' is not a bridge", ref);
	if (type == PHYR_PCI_ROOT_PORT && p->kind != OBJ_HOST)
		return fail(b, -EINVAL, "impossible: a root port sits on a host bridge's root bus");
	if (type == PHYR_PCI_SWITCH_DOWNSTREAM && !below_up)
		return fail(b, -EINVAL,
			    "impossible: a switch downstream port sits below a switch upstream port");
	if (type != PHYR_PCI_SWITCH_DOWNSTREAM && below_up)
		return fail(b, -EINVAL,
			    "impossible: only switch downstream ports sit below a switch upstream port");
	return 0;
}

static int do_pci(struct bld *b, struct line *l, enum phyr_pci_type type)
{
	struct phyr_system *s = b->s;
	struct phyr_pci_dev_config c;
	struct sys_obj *o, *p;
	struct kv *pkv = find_kv(l, "parent");
	int ret;

	memset(&c, 0, sizeof(c));
	if (!pkv)
		return fail(b, -EINVAL, "%s: missing required key 'parent'", l->keyword);
	p = find_obj(s, pkv->val);
	if (!p)
		return fail(b, -EINVAL, "unknown reference: parent=%s", pkv->val);
	if ((ret = check_parent(b, type, pkv->val, p)) || (ret = get_devfn(b, l, &c.devfn)) ||
	    (ret = get_id(b, l, true, &c.vendor, &c.device, NULL)) ||
	    (ret = get_acs(b, l, &c.has_acs, &c.acs_ctrl)))
		return ret;
	if (p->kind == OBJ_HOST)
		c.host = p->host;
	else
		c.parent = p->pci;
	c.type = type;
	if ((ret = new_obj(b, l, OBJ_PCI, &o)))
		return ret;
	o->type = type;
	ret = phyr_pci_dev_add(s->m, &c, &o->pci);
	if (ret == -EEXIST)
		return fail(b, -EINVAL, "duplicate devfn %s below '%s'", find_kv(l, "devfn")->val,
			    pkv->val);
	if (ret == -EINVAL)
		return fail(b, -EINVAL, "cannot add the function (bus numbers exhausted?)");
	if (ret)
		return fail_call(b, ret, l->keyword);
	return pci_name_of(o);
}

static int do_root_port(struct bld *b, struct line *l)
{
	return do_pci(b, l, PHYR_PCI_ROOT_PORT);
}

static int do_switch_up(struct bld *b, struct line *l)
{
	return do_pci(b, l, PHYR_PCI_SWITCH_UPSTREAM);
}

static int do_switch_down(struct bld *b, struct line *l)
{
	return do_pci(b, l, PHYR_PCI_SWITCH_DOWNSTREAM);
}

static int do_pci_bridge(struct bld *b, struct line *l)
{
	return do_pci(b, l, PHYR_PCI_BRIDGE);
}

static int do_endpoint(struct bld *b, struct line *l)
{
	return do_pci(b, l, PHYR_PCI_ENDPOINT);
}

/* A PCI function named by key @key, required. */
static int get_pci_ref(struct bld *b, struct line *l, const char *key, struct sys_obj **out)
{
	struct kv *kv = find_kv(l, key);
	struct sys_obj *o;

	if (!kv)
		return fail(b, -EINVAL, "%s: missing required key '%s'", l->keyword, key);
	o = find_obj(b->s, kv->val);
	if (!o)
		return fail(b, -EINVAL, "unknown reference: %s=%s", key, kv->val);
	if ((o->kind != OBJ_PCI && o->kind != OBJ_HOST) || !o->pci)
		return fail(b, -EINVAL, "'%s' is not a PCI function", kv->val);
	*out = o;
	return 0;
}

static int do_bar(struct bld *b, struct line *l)
{
	struct sys_obj *o;
	uint64_t idx = 0, cpu = 0, size = 0, bus, off = 0, psize = 0;
	bool p2p = true;
	int ret;

	if ((ret = get_pci_ref(b, l, "dev", &o)) ||
	    (ret = get_num(b, l, "index", false, false, 5, &idx)) ||
	    (ret = get_num(b, l, "cpu", true, true, UINT64_MAX, &cpu)) ||
	    (ret = get_num(b, l, "size", true, true, UINT64_MAX, &size)))
		return ret;
	bus = cpu;
	if ((ret = get_num(b, l, "bus", false, true, UINT64_MAX, &bus)) ||
	    (ret = get_bool(b, l, "p2pdma", &p2p)) ||
	    (ret = get_num(b, l, "p2p-offset", false, true, UINT64_MAX, &off)) ||
	    (ret = get_num(b, l, "p2p-size", false, true, UINT64_MAX, &psize)))
		return ret;
	if (!p2p && (find_kv(l, "p2p-offset") || find_kv(l, "p2p-size")))
		return fail(b, -EINVAL, "impossible: p2p-offset/p2p-size with p2pdma=no");
	ret = phyr_pci_dev_set_bar(o->pci, (int)idx, cpu, size, bus);
	if (ret == -EEXIST)
		return fail(b, -EINVAL, "BAR %llu of %s is already set or overlaps RAM or another BAR",
			    (unsigned long long)idx, o->pci_name);
	if (ret == -EINVAL)
		return fail(b, -EINVAL, "bad BAR: cpu and size must be page aligned, size > 0, no wrap");
	if (ret)
		return fail_call(b, ret, "bar");
	if (!p2p)
		return 0;
	ret = phyr_p2pdma_add_resource(o->pci, (int)idx, psize, off, NULL);
	if (ret == -EINVAL)
		return fail(b, -EINVAL,
			    "bad P2P resource: p2p-offset/p2p-size outside the BAR or not page aligned");
	if (ret == -EEXIST)
		return fail(b, -EINVAL, "P2P resource overlaps another P2P resource");
	return ret ? fail_call(b, ret, "bar p2pdma") : 0;
}

static int do_swiotlb(struct bld *b, struct line *l)
{
	struct phyr_system *s = b->s;
	struct phyr_swiotlb_config c;
	bool copy = true;
	int ret;

	if (s->pool)
		return fail(b, -EINVAL, "duplicate 'swiotlb' line");
	memset(&c, 0, sizeof(c));
	c.nslabs = PHYR_SWIOTLB_DEFAULT_NSLABS;
	c.nareas = 1;
	if ((ret = get_num(b, l, "start", true, true, UINT64_MAX, &c.start)) ||
	    (ret = get_num(b, l, "nslabs", false, true, UINT64_MAX, &c.nslabs)) ||
	    (ret = get_num(b, l, "nareas", false, false, 1u << 16, &c.nareas)) ||
	    (ret = get_bool(b, l, "force", &c.force_bounce)) || (ret = get_bool(b, l, "copy", &copy)))
		return ret;
	if (copy) {
		phyr_dma_swiotlb_memory(s->m, &s->pool_mem);
		c.memory = &s->pool_mem;
	}
	ret = phyr_swiotlb_create(&c, &s->alloc, &s->pool);
	if (ret == -EINVAL)
		return fail(b, -EINVAL, "bad swiotlb pool: start must be slot aligned, nslabs and nareas > 0");
	return ret ? fail_call(b, ret, "swiotlb") : 0;
}

static int do_group(struct bld *b, struct line *l)
{
	static const struct { const char *name; enum phyr_iommu_domain_type t; } types[] = {
		{ "dma", PHYR_IOMMU_DOMAIN_DMA }, { "dma-fq", PHYR_IOMMU_DOMAIN_DMA_FQ },
		{ "identity", PHYR_IOMMU_DOMAIN_IDENTITY }, { "blocked", PHYR_IOMMU_DOMAIN_BLOCKED },
	};
	struct sys_obj *o;
	struct kv *kv;
	uint64_t v;
	size_t i;
	int ret;

	if (!l->label)
		return fail(b, -EINVAL, "iommu-group: missing label (iommu-group NAME ...)");
	if ((ret = new_obj(b, l, OBJ_GROUP, &o)))
		return ret;
	o->dom.type = PHYR_IOMMU_DOMAIN_DMA;
	o->dom.fmt = PHYR_IOMMU_FMT_ARM_LPAE_S1_4K;
	if ((kv = find_kv(l, "type"))) {
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (!strcmp(kv->val, types[i].name))
				break;
		if (i == sizeof(types) / sizeof(types[0]))
			return fail(b, -EINVAL,
				    "bad domain type: type=%s (dma, dma-fq, identity, blocked)", kv->val);
		o->dom.type = types[i].t;
	}
	if ((kv = find_kv(l, "format")) && phyr_iommu_fmt_from_name(kv->val, &o->dom.fmt))
		return fail(b, -EINVAL, "unknown page-table format: format=%s", kv->val);
	v = 0;
	if ((ret = get_num(b, l, "ias", false, false, 64, &v)))
		return ret;
	o->dom.ias = (unsigned)v;
	v = 0;
	if ((ret = get_num(b, l, "oas", false, false, 64, &v)))
		return ret;
	o->dom.oas = (unsigned)v;
	v = 0;
	if ((ret = get_num(b, l, "iotlb-entries", false, false, 1u << 20, &v)))
		return ret;
	o->dom.iotlb_entries = (unsigned)v;
	v = 0;
	if ((ret = get_num(b, l, "iotlb-ways", false, false, 1u << 20, &v)))
		return ret;
	o->dom.iotlb_ways = (unsigned)v;
	v = 0;
	if ((ret = get_num(b, l, "fq-size", false, false, 1u << 20, &v)))
		return ret;
	o->dom.fq_size = (unsigned)v;
	if (o->dom.fq_size && o->dom.type != PHYR_IOMMU_DOMAIN_DMA_FQ)
		return fail(b, -EINVAL, "impossible: fq-size on a domain of type other than dma-fq");
	if ((kv = find_kv(l, "aperture"))) {
		if ((ret = parse_range(b, "aperture", kv->val, &o->dc.aperture_start,
				       &o->dc.aperture_end)))
			return ret;
	}
	if ((ret = get_bool(b, l, "force-aperture", &o->dc.force_aperture)) ||
	    (ret = get_bool(b, l, "forcedac", &o->dc.forcedac)))
		return ret;
	if (o->dc.force_aperture && !find_kv(l, "aperture"))
		return fail(b, -EINVAL, "impossible: force-aperture=yes without aperture=");
	for (int k = 0; k < l->nkv; k++) {
		if (strcmp(l->kv[k].key, "reserve"))
			continue;
		if (o->dc.nresv == MAX_RESV)
			return fail(b, -EINVAL, "too many reserve= ranges (at most %d)", MAX_RESV);
		if ((ret = parse_range(b, "reserve", l->kv[k].val, &o->resv[o->dc.nresv].start,
				       &o->resv[o->dc.nresv].end)))
			return ret;
		o->dc.nresv++;
	}
	if (o->dom.type == PHYR_IOMMU_DOMAIN_IDENTITY || o->dom.type == PHYR_IOMMU_DOMAIN_BLOCKED) {
		static const char *const paging[] = { "format", "ias", "oas", "aperture",
						       "force-aperture", "forcedac", "reserve" };

		for (i = 0; i < sizeof(paging) / sizeof(paging[0]); i++)
			if (find_kv(l, paging[i]))
				return fail(b, -EINVAL,
					    "impossible: %s= on a %s domain (no page table, no IOVA space)",
					    paging[i], o->dom.type == PHYR_IOMMU_DOMAIN_IDENTITY ?
							       "identity" : "blocked");
	}
	return 0;
}

static int get_dma_ranges(struct bld *b, struct line *l, struct phyr_bus_dma_region *r,
			  size_t *n)
{
	*n = 0;
	for (int k = 0; k < l->nkv; k++) {
		char buf[96];
		char *p1, *p2;

		if (strcmp(l->kv[k].key, "dma-range"))
			continue;
		if (*n == MAX_DMA_RANGES)
			return fail(b, -EINVAL, "too many dma-range= regions (at most %d)",
				    MAX_DMA_RANGES);
		if (strlen(l->kv[k].val) >= sizeof(buf))
			goto bad;
		strcpy(buf, l->kv[k].val);
		p1 = strchr(buf, ':');
		p2 = p1 ? strchr(p1 + 1, ':') : NULL;
		if (!p2)
			goto bad;
		*p1 = *p2 = 0;
		if (parse_u64(buf, true, &r[*n].cpu_start) ||
		    parse_u64(p1 + 1, true, &r[*n].dma_start) || parse_u64(p2 + 1, true, &r[*n].size) ||
		    !r[*n].size)
			goto bad;
		(*n)++;
		continue;
bad:
		return fail(b, -EINVAL, "bad dma-range: dma-range=%s (CPU:DMA:SIZE, size > 0)",
			    l->kv[k].val);
	}
	return 0;
}

static int do_device(struct bld *b, struct line *l)
{
	struct phyr_system *s = b->s;
	struct phyr_bus_dma_region ranges[MAX_DMA_RANGES];
	struct phyr_device_config c;
	struct sys_obj *p, *o, *g = NULL;
	struct kv *kv;
	uint64_t v;
	bool quirk = false, swiotlb = s->pool != NULL;
	int ret;

	if ((ret = get_pci_ref(b, l, "pci", &p)))
		return ret;
	if (p->type != PHYR_PCI_ENDPOINT && p->type != PHYR_PCI_HOST_DEVICE)
		return fail(b, -EINVAL, "'%s' is a bridge, not an endpoint function", p->pci_name);
	if (p->has_device)
		return fail(b, -EINVAL, "duplicate device on %s", p->pci_name);
	phyr_device_config_init_pci(&c, p->pci);
	if ((ret = get_mask(b, l, "dma-mask", &c.dma_mask)))
		return ret;
	c.coherent_dma_mask = c.dma_mask;
	if ((ret = get_mask(b, l, "coherent-mask", &c.coherent_dma_mask)) ||
	    (ret = get_mask(b, l, "bus-limit", &c.bus_dma_limit)))
		return ret;
	v = c.max_segment_size;
	if ((ret = get_num(b, l, "max-seg", false, true, UINT32_MAX, &v)))
		return ret;
	c.max_segment_size = (uint32_t)v;
	if ((ret = get_mask(b, l, "seg-boundary", &c.seg_boundary_mask)))
		return ret;
	if (c.seg_boundary_mask & (c.seg_boundary_mask + 1))
		return fail(b, -EINVAL, "bad seg-boundary: %s (must be 2^n - 1)",
			    find_kv(l, "seg-boundary")->val);
	v = 0;
	if ((ret = get_num(b, l, "min-align", false, false, UINT32_MAX, &v)))
		return ret;
	c.min_align_mask = (uint32_t)v;
	if ((ret = get_bool(b, l, "untrusted", &c.untrusted)) ||
	    (ret = get_bool(b, l, "coherent", &c.coherent)) ||
	    (ret = get_bool(b, l, "v616-p2p", &quirk)) || (ret = get_bool(b, l, "swiotlb", &swiotlb)))
		return ret;
	c.quirks = quirk ? PHYR_DMA_QUIRK_V616_P2P : 0;
	if (swiotlb && !s->pool)
		return fail(b, -EINVAL, "impossible: swiotlb=yes but no 'swiotlb' line before");
	if ((ret = get_dma_ranges(b, l, ranges, &c.ndma_ranges)))
		return ret;
	c.dma_range_map = c.ndma_ranges ? ranges : NULL;
	if ((kv = find_kv(l, "group"))) {
		g = find_obj(s, kv->val);
		if (!g)
			return fail(b, -EINVAL, "unknown reference: group=%s", kv->val);
		if (g->kind != OBJ_GROUP)
			return fail(b, -EINVAL, "'%s' is not an iommu-group", kv->val);
	}
	if (l->label && find_obj(s, l->label))
		return fail(b, -EINVAL, "duplicate name '%s' (line %d)", l->label,
			    find_obj(s, l->label)->line);
	if ((ret = new_obj(b, l, OBJ_DEVICE, &o)))
		return ret;
	strcpy(o->pci_name, p->pci_name);
	o->fn = p;
	o->group = g;
	o->use_swiotlb = swiotlb;
	c.name = l->label; /* NULL: the PCI name */
	ret = push_ptr(s, &s->devs, &s->ndevs, &s->capdevs, o);
	if (ret)
		return fail(b, ret, "out of memory");
	ret = phyr_device_create(s->m, &c, &s->alloc, &o->dev);
	if (ret == -EINVAL)
		return fail(b, -EINVAL, "impossible device: a dma-range region wraps");
	if (ret)
		return fail_call(b, ret, "device");
	p->has_device = true;
	if (g)
		g->ndevs++;
	/* dma-iommu devices get the pool through their DMA domain (build_attach_group) */
	if (swiotlb && (!g || g->dom.type == PHYR_IOMMU_DOMAIN_IDENTITY)) {
		ret = phyr_device_use_swiotlb(o->dev, s->pool);
		if (ret)
			return fail_call(b, ret, "device swiotlb");
	}
	return 0;
}

static int do_debug(struct bld *b, struct line *l)
{
	struct phyr_system *s = b->s;
	struct kv *kv = find_kv(l, "mode");
	uint64_t v = 0;
	int ret;

	if (s->debug_line)
		return fail(b, -EINVAL, "duplicate 'dma-debug' line (line %d)", s->debug_line);
	if (!kv)
		return fail(b, -EINVAL, "dma-debug: missing required key 'mode'");
	if (!strcmp(kv->val, "off"))
		s->debug_mode = DEBUG_OFF;
	else if (!strcmp(kv->val, "on"))
		s->debug_mode = DEBUG_ON;
	else if (!strcmp(kv->val, "strict"))
		s->debug_mode = DEBUG_STRICT;
	else
		return fail(b, -EINVAL, "bad dma-debug mode: mode=%s (off, on, strict)", kv->val);
	s->debug_line = b->lineno;
	s->debug_cfg.strict = s->debug_mode == DEBUG_STRICT;
	if ((ret = get_bool(b, l, "linux-exact", &s->debug_cfg.linux_exact)) ||
	    (ret = get_num(b, l, "max-reports", false, false, SIZE_MAX, &v)))
		return ret;
	s->debug_cfg.max_reports = (size_t)v;
	return 0;
}

/* ------------------------------------------------------------------ */
/* DMA domains: the one place that creates them and attaches devices   */

/*
 * Give IOMMU group @g its domain and attach its member devices, as Linux's
 * iommu_setup_dma_ops does for each device of a group: a DMA or DMA-FQ
 * group gets one cookie that every member attaches to; an identity group
 * leaves its members on dma-direct; a blocked group's members have their
 * data path behind a blocked domain and no DMA API path.
 */
static int build_attach_group(struct bld *b, struct sys_obj *g)
{
	struct phyr_system *s = b->s;
	bool swiotlb = false;
	int ret;

	g->dom.alloc = &s->alloc;
	g->dc.domain = &g->dom;
	if (s->opts.lazy && g->dom.type == PHYR_IOMMU_DOMAIN_DMA)
		g->dom.type = PHYR_IOMMU_DOMAIN_DMA_FQ;
	if (s->ncpus || s->opts.iova_policy || s->opts.mag_size || s->opts.rcache_classes ||
	    s->opts.no_rcache) {
		/* without a cpus= the modules keep their own defaults */
		phyr_iova_config_init(&g->iova);
		if (s->ncpus) {
			g->dom.ncpus = s->ncpus;
			g->iova.ncpus = s->ncpus;
		}
		g->iova.policy = s->opts.iova_policy;
		if (s->opts.mag_size)
			g->iova.mag_size = s->opts.mag_size;
		if (s->opts.rcache_classes)
			g->iova.rcache_classes = s->opts.rcache_classes;
		g->iova.no_rcache = s->opts.no_rcache;
		g->dc.iova = &g->iova;
	}
	g->dc.resv = g->resv;
	for (size_t i = 0; i < s->ndevs; i++)
		swiotlb |= s->devs[i]->group == g && s->devs[i]->use_swiotlb;
	g->dc.swiotlb = swiotlb ? s->pool : NULL;
	b->lineno = g->line;
	if (g->dom.type == PHYR_IOMMU_DOMAIN_IDENTITY)
		return 0;
	if (g->dom.type == PHYR_IOMMU_DOMAIN_BLOCKED)
		ret = phyr_iommu_domain_create(&g->dom, &g->blocked);
	else
		ret = phyr_iommu_dma_cookie_create(&g->dc, &s->alloc, &g->cookie);
	if (ret == -EINVAL)
		return fail(b, -EINVAL, "impossible IOMMU domain of group '%s'", g->label);
	if (ret)
		return fail_call(b, ret, "iommu-group");
	for (size_t i = 0; i < s->ndevs; i++) {
		struct sys_obj *d = s->devs[i];

		if (d->group != g)
			continue;
		b->lineno = d->line;
		ret = g->cookie ? phyr_iommu_setup_dma_ops(d->dev, g->cookie)
				: phyr_device_attach_iommu_domain(d->dev, g->blocked);
		if (ret)
			return fail_call(b, ret, "iommu-group attach");
		d->bound = true;
	}
	return 0;
}

/* Undo build_attach_group for device @d (its group's domain goes later). */
static void teardown_attach(struct sys_obj *d)
{
	if (d->bound) {
		phyr_iommu_teardown_dma_ops(d->dev);
		phyr_device_attach_iommu(d->dev, NULL, NULL);
	}
	d->bound = false;
}

/* ------------------------------------------------------------------ */
/* Driver                                                              */

struct keyword {
	const char *name;
	const char *const *keys; /* NULL-terminated; repeatable keys end with '*' */
	bool label;
	int (*fn)(struct bld *b, struct line *l);
};

static const char *const keys_machine[] = { "cpus", "amd-zen", "mem-encrypt-mask", "cc-guest",
					    "swiotlb-force", "zone-dma-bits", NULL };
static const char *const keys_range[] = { "start", "size", NULL };
static const char *const keys_host[] = { "domain", "bus", "id", NULL };
static const char *const keys_pci[] = { "parent", "devfn", "id", "acs", NULL };
static const char *const keys_bar[] = { "dev", "index", "cpu", "size", "bus", "p2pdma",
					"p2p-offset", "p2p-size", NULL };
static const char *const keys_swiotlb[] = { "start", "nslabs", "nareas", "force", "copy", NULL };
static const char *const keys_group[] = { "type", "format", "ias", "oas", "iotlb-entries",
					  "iotlb-ways", "fq-size", "aperture", "force-aperture",
					  "forcedac", "reserve*", NULL };
static const char *const keys_device[] = { "pci", "dma-mask", "coherent-mask", "bus-limit",
					   "max-seg", "seg-boundary", "min-align", "untrusted",
					   "coherent", "v616-p2p", "swiotlb", "dma-range*",
					   "group", NULL };
static const char *const keys_debug[] = { "mode", "linux-exact", "max-reports", NULL };

static const struct keyword keywords[] = {
	{ "machine", keys_machine, false, do_machine },
	{ "ram", keys_range, false, do_ram },
	{ "decrypted", keys_range, false, do_decrypted },
	{ "host-bridge", keys_host, true, do_host },
	{ "root-port", keys_pci, true, do_root_port },
	{ "switch-upstream", keys_pci, true, do_switch_up },
	{ "switch-downstream", keys_pci, true, do_switch_down },
	{ "pci-bridge", keys_pci, true, do_pci_bridge },
	{ "endpoint", keys_pci, true, do_endpoint },
	{ "bar", keys_bar, false, do_bar },
	{ "swiotlb", keys_swiotlb, false, do_swiotlb },
	{ "iommu-group", keys_group, true, do_group },
	{ "device", keys_device, true, do_device },
	{ "dma-debug", keys_debug, false, do_debug },
};

/* Every key known to the keyword, none repeated unless repeatable. */
static int check_keys(struct bld *b, const struct keyword *kw, struct line *l)
{
	for (int i = 0; i < l->nkv; i++) {
		const char *const *k;
		bool rep = false;

		for (k = kw->keys; *k; k++) {
			size_t n = strlen(*k);

			rep = (*k)[n - 1] == '*';
			if (rep)
				n--;
			if (strlen(l->kv[i].key) == n && !strncmp(*k, l->kv[i].key, n))
				break;
		}
		if (!*k)
			return fail(b, -EINVAL, "unknown key '%s' for '%s'", l->kv[i].key, kw->name);
		if (rep)
			continue;
		for (int j = 0; j < i; j++)
			if (!strcmp(l->kv[j].key, l->kv[i].key))
				return fail(b, -EINVAL, "duplicate key '%s'", l->kv[i].key);
	}
	return 0;
}

/* Split @buf (one line, comment removed) into @l; 0 tokens leaves keyword NULL. */
static int tokenize(struct bld *b, char *buf, struct line *l)
{
	char *tok[MAX_TOKENS + 1];
	int n = 0;

	for (char *p = buf; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\r')
			*p++ = 0;
		if (!*p)
			break;
		if (n == MAX_TOKENS + 1)
			return fail(b, -EINVAL, "too many tokens (at most %d)", MAX_TOKENS);
		tok[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
	}
	l->keyword = NULL;
	l->label = NULL;
	l->nkv = 0;
	if (!n)
		return 0;
	l->keyword = tok[0];
	for (int i = 1; i < n; i++) {
		char *eq = strchr(tok[i], '=');

		if (!eq) {
			if (i != 1)
				return fail(b, -EINVAL, "expected key=value, got '%s'", tok[i]);
			l->label = tok[i];
			continue;
		}
		if (eq == tok[i])
			return fail(b, -EINVAL, "expected key=value, got '%s'", tok[i]);
		if (!eq[1])
			return fail(b, -EINVAL, "empty value for '%.*s'", (int)(eq - tok[i]), tok[i]);
		*eq = 0;
		l->kv[l->nkv].key = tok[i];
		l->kv[l->nkv].val = eq + 1;
		l->nkv++;
	}
	return 0;
}

static int do_line(struct bld *b, char *buf)
{
	struct line l;
	const struct keyword *kw = NULL;
	char *hash = strchr(buf, '#');
	int ret;

	if (hash)
		*hash = 0;
	l.file = b->file;
	l.lineno = b->lineno;
	if ((ret = tokenize(b, buf, &l)))
		return ret;
	if (!l.keyword)
		return 0;
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
		if (!strcmp(keywords[i].name, l.keyword))
			kw = &keywords[i];
	if (!kw)
		return fail(b, -EINVAL, "unknown keyword '%s'", l.keyword);
	if (l.label && !kw->label)
		return fail(b, -EINVAL, "'%s' takes no label, got '%s'", kw->name, l.label);
	if (l.label && !valid_label(l.label))
		return fail(b, -EINVAL,
			    "bad label '%s' (a letter or '_', then letters, digits, '_', '-', '.'; at most %d)",
			    l.label, LABEL_MAX - 1);
	if ((ret = check_keys(b, kw, &l)))
		return ret;
	if (kw->fn != do_machine && kw->fn != do_debug) {
		if ((ret = ensure_machine(b)))
			return ret;
		b->seen_object = true;
	}
	return kw->fn(b, &l);
}

/* dma-debug names a device of the system by its device name (never a pointer). */
static const char *debug_dev_name(void *ctx, const void *dev)
{
	const struct phyr_system *s = ctx;

	for (size_t i = 0; i < s->ndevs; i++)
		if ((const void *)s->devs[i]->dev == dev)
			return phyr_device_name(s->devs[i]->dev);
	return NULL;
}

/* After the last line: the checker, then the DMA domains of every group. */
static int finish(struct bld *b)
{
	struct phyr_system *s = b->s;
	int ret;

	if ((ret = ensure_machine(b)))
		return ret;
	if (s->debug_mode != DEBUG_OFF) {
		b->lineno = s->debug_line;
		s->debug_cfg.dev_name = debug_dev_name;
		s->debug_cfg.dev_name_ctx = s;
		ret = phyr_dma_debug_create(&s->debug_cfg, &s->alloc, &s->debug);
		if (ret)
			return fail_call(b, ret, "dma-debug");
		/* CONFIG_DMA_API_DEBUG checks every device, on every path */
		for (size_t i = 0; i < s->ndevs; i++)
			phyr_device_set_dma_debug(s->devs[i]->dev, s->debug);
	}
	for (size_t i = 0; i < s->nobjs; i++)
		if (s->objs[i]->kind == OBJ_GROUP && (ret = build_attach_group(b, s->objs[i])))
			return ret;
	return 0;
}

void phyr_system_destroy(struct phyr_system *s)
{
	struct phyr_allocator a;

	if (!s)
		return;
	a = s->alloc;
	for (size_t i = 0; i < s->ndevs; i++)
		teardown_attach(s->devs[i]);
	for (size_t i = 0; i < s->nobjs; i++) {
		phyr_iommu_dma_cookie_destroy(s->objs[i]->cookie);
		phyr_iommu_domain_destroy(s->objs[i]->blocked);
	}
	for (size_t i = 0; i < s->ndevs; i++)
		phyr_device_destroy(s->devs[i]->dev);
	phyr_swiotlb_destroy(s->pool);
	phyr_dma_debug_destroy(s->debug);
	phyr_machine_destroy(s->m);
	for (size_t i = 0; i < s->nobjs; i++)
		alloc_free(&a, s->objs[i], sizeof(*s->objs[i]));
	alloc_free(&a, s->objs, s->capobjs * sizeof(*s->objs));
	alloc_free(&a, s->devs, s->capdevs * sizeof(*s->devs));
	alloc_free(&a, s, sizeof(*s));
}

int phyr_system_build_string(const char *text, const char *name, const struct phyr_allocator *a,
			     struct phyr_system **out, char *err, size_t errlen)
{
	return phyr_system_build_string_opts(text, name, NULL, a, out, err, errlen);
}

int phyr_system_build_string_opts(const char *text, const char *name,
				  const struct phyr_system_opts *opts,
				  const struct phyr_allocator *a, struct phyr_system **out,
				  char *err, size_t errlen)
{
	struct bld b = { 0 };
	struct phyr_system *s;
	const char *p;
	int ret = 0;

	if (!name)
		name = "<string>";
	b.file = name;
	b.err = err;
	b.errlen = errlen;
	if (!text || !out)
		return fail(&b, -EINVAL, "no description");
	a = alloc_or_default(a);
	s = alloc_zeroed(a, sizeof(*s));
	if (!s)
		return fail(&b, -ENOMEM, "out of memory");
	s->alloc = *a;
	if (opts)
		s->opts = *opts;
	if (s->opts.ncpus > 4096) {
		phyr_system_destroy(s);
		return fail(&b, -EINVAL, "impossible option: ncpus=%u (1 to 4096)", opts->ncpus);
	}
	b.s = s;
	for (p = text; *p && !ret;) {
		size_t n = strcspn(p, "\n");
		char buf[LINE_MAX_LEN];

		b.lineno++;
		if (n >= sizeof(buf)) {
			ret = fail(&b, -EINVAL, "line too long (at most %d characters)",
				   LINE_MAX_LEN - 1);
			break;
		}
		memcpy(buf, p, n);
		buf[n] = 0;
		ret = do_line(&b, buf);
		p += n;
		if (*p == '\n')
			p++;
	}
	if (!ret) {
		b.lineno = b.lineno ? b.lineno : 1;
		if (s->opts.ncpus)
			s->ncpus = s->opts.ncpus; /* the option overrides the text's cpus= */
		ret = finish(&b);
	}
	if (ret) {
		phyr_system_destroy(s);
		return ret;
	}
	*out = s;
	return 0;
}

int phyr_system_build_file(const char *path, const struct phyr_allocator *a,
			   struct phyr_system **out, char *err, size_t errlen)
{
	struct bld b = { .file = path ? path : "<file>", .lineno = 0, .err = err, .errlen = errlen };
	const struct phyr_allocator *al = alloc_or_default(a);
	size_t len = 0, cap = 4096;
	char *buf;
	FILE *f;
	int ret;

	if (!path || !out)
		return fail(&b, -EINVAL, "no file");
	f = fopen(path, "r");
	if (!f) {
		ret = errno == ENOENT ? -ENOENT : -EIO;
		if (b.err && b.errlen)
			snprintf(b.err, b.errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	buf = alloc_mem(al, cap);
	if (!buf) {
		fclose(f);
		return fail(&b, -ENOMEM, "out of memory");
	}
	for (;;) {
		size_t got;

		if (len + 1 == cap) {
			char *nb = alloc_mem(al, cap * 2);

			if (!nb) {
				alloc_free(al, buf, cap);
				fclose(f);
				return fail(&b, -ENOMEM, "out of memory");
			}
			memcpy(nb, buf, len);
			alloc_free(al, buf, cap);
			buf = nb;
			cap *= 2;
		}
		got = fread(buf + len, 1, cap - 1 - len, f);
		len += got;
		if (got == 0)
			break;
	}
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	buf[len] = 0;
	if (!ret && strlen(buf) != len)
		ret = -EIO;
	if (ret) {
		if (b.err && b.errlen)
			snprintf(b.err, b.errlen, "%s: %s", path,
				 strlen(buf) != len ? "contains a NUL byte" : strerror(EIO));
		alloc_free(al, buf, cap);
		return ret;
	}
	ret = phyr_system_build_string(buf, path, a, out, err, errlen);
	alloc_free(al, buf, cap);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Getters                                                             */

struct phyr_machine *phyr_system_machine(const struct phyr_system *s)
{
	return s ? s->m : NULL;
}

struct phyr_physmem *phyr_system_physmem(const struct phyr_system *s)
{
	return s ? phyr_machine_physmem(s->m) : NULL;
}

struct phyr_swiotlb *phyr_system_swiotlb(const struct phyr_system *s)
{
	return s ? s->pool : NULL;
}

struct phyr_dma_debug *phyr_system_dma_debug(const struct phyr_system *s)
{
	return s ? s->debug : NULL;
}

unsigned int phyr_system_ncpus(const struct phyr_system *s)
{
	return s ? s->ncpus : 0;
}

struct phyr_device *phyr_system_device(const struct phyr_system *s, const char *name)
{
	struct sys_obj *o = s && name ? find_dev(s, name) : NULL;

	return o ? o->dev : NULL;
}

struct phyr_pci_dev *phyr_system_pci_dev(const struct phyr_system *s, const char *name)
{
	if (!s || !name)
		return NULL;
	for (size_t i = 0; i < s->nobjs; i++) {
		struct sys_obj *o = s->objs[i];

		if ((o->kind == OBJ_PCI || o->kind == OBJ_HOST) && o->pci &&
		    (!strcmp(o->label, name) || !strcmp(o->pci_name, name)))
			return o->pci;
	}
	return NULL;
}

size_t phyr_system_ndevices(const struct phyr_system *s)
{
	return s ? s->ndevs : 0;
}

struct phyr_device *phyr_system_device_at(const struct phyr_system *s, size_t i)
{
	return s && i < s->ndevs ? s->devs[i]->dev : NULL;
}

struct phyr_iommu_dma_cookie *phyr_system_group_cookie(const struct phyr_system *s,
						       const char *group)
{
	if (!s || !group)
		return NULL;
	for (size_t i = 0; i < s->nobjs; i++) {
		struct sys_obj *g = s->objs[i];

		if (g->kind == OBJ_GROUP && !strcmp(g->label, group))
			return g->cookie;
	}
	return NULL;
}
