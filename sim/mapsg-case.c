// SPDX-License-Identifier: MIT
/*
 * map_sg cases (see mapsg-case.h). The modelled machine of
 * formats/mapsg.md: a trusted, DMA-coherent PCI device (32-bit-first rule
 * armed, min_align_mask 0, no bus limit), a fresh strict DMA domain with
 * 4K|2M|1G pages whose record-only page table maps nothing and accepts
 * everything, an IOVA domain with granule 4 KiB and start_pfn 1, nothing
 * reserved, no aperture clamp; iommu_dma_map_sg(..., BIDIRECTIONAL, 0).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <phyr/device.h>
#include <phyr/dma-iommu.h>
#include <phyr/machine.h>

#include "cli.h"
#include "mapsg-case.h"

#define PAGE 4096u

/* a token quoted in a message: at most CLI_CLIP_CHARS characters */
#define CLIP(s) cli_clip((s), (char[CLI_CLIP_BUF]){ 0 }, CLI_CLIP_BUF)


/* Parses "0x..." hex (the format writes these in hex); a bare "0" is 0. */
static int parse_hex(const char *s, uint64_t *v)
{
	if (strcmp(s, "0") == 0) {
		*v = 0;
		return 0;
	}
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return -1;
	return cli_u64(s, v);
}

/* Parses a decimal number (no 0x). */
static int parse_dec(const char *s, uint64_t *v)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return -1;
	return cli_u64(s, v);
}

/* One entry: 0xPHYS+OFF:LEN[/bus=0xBUSOFF] */
static int parse_ent(char *t, struct mapsg_ent *e, char *err, size_t errlen)
{
	char *plus = strchr(t, '+'), *colon, *slash;
	uint64_t v;

	memset(e, 0, sizeof(*e));
	if (!plus)
		return cli_fail(err, errlen, "bad entry '%s' (0xPHYS+OFF:LEN[/bus=0xOFF])", CLIP(t));
	*plus = '\0';
	colon = strchr(plus + 1, ':');
	if (!colon)
		return cli_fail(err, errlen, "bad entry '%s' (0xPHYS+OFF:LEN[/bus=0xOFF])", CLIP(t));
	*colon = '\0';
	slash = strchr(colon + 1, '/');
	if (slash)
		*slash = '\0';
	if (parse_hex(t, &e->phys))
		return cli_fail(err, errlen, "bad PHYS '%s' (hex with 0x)", CLIP(t));
	if (e->phys & (PAGE - 1))
		return cli_fail(err, errlen, "PHYS '%s' is not page aligned", CLIP(t));
	if (parse_dec(plus + 1, &v) || v > UINT32_MAX)
		return cli_fail(err, errlen, "bad OFF '%s' (decimal, 32-bit)", CLIP(plus + 1));
	e->off = (uint32_t)v;
	if (parse_dec(colon + 1, &v) || v > UINT32_MAX)
		return cli_fail(err, errlen, "bad LEN '%s' (decimal, 32-bit)", CLIP(colon + 1));
	e->len = (uint32_t)v;
	if (slash) {
		if (strncmp(slash + 1, "bus=", 4) != 0 || parse_hex(slash + 5, &e->busoff))
			return cli_fail(err, errlen, "bad P2P marker '/%s' (/bus=0xOFFSET)", CLIP(slash + 1));
		e->bus = true;
	}
	return 0;
}

static int parse_ents(char *v, struct mapsg_case *c, char *err, size_t errlen)
{
	size_t n = 1, i = 0;
	char *save = NULL;

	for (const char *p = v; *p; p++)
		n += *p == ',';
	c->ents = calloc(n, sizeof(*c->ents));
	if (!c->ents)
		return cli_fail(err, errlen, "%s", "out of memory");
	if (!*v || v[0] == ',' || v[strlen(v) - 1] == ',' || strstr(v, ",,"))
		return cli_fail(err, errlen, "empty entry in ents='%s'", CLIP(v));
	for (char *t = strtok_r(v, ",", &save); t; t = strtok_r(NULL, ",", &save))
		if (parse_ent(t, &c->ents[i++], err, errlen))
			return -1;
	c->nents = i;
	return 0;
}

int mapsg_case_parse(char *line, struct mapsg_case *c, char *err, size_t errlen)
{
	char *tok[8];
	int n = cli_split(line, tok, 8);
	bool seen[4] = { false };
	static const char *const keys[4] = { "mask=", "max_seg=", "boundary=", "ents=" };

	memset(c, 0, sizeof(*c));
	if (n < 1 || strcmp(tok[0], "mapsg") != 0)
		return cli_fail(err, errlen, "unknown operation '%s' (mapsg)", CLIP(n >= 1 ? tok[0] : ""));
	if (n != 5)
		return cli_fail(err, errlen, "%s",
			    "expected: mapsg mask=BITS max_seg=BYTES boundary=0xMASK ents=...");
	for (int i = 1; i < 5; i++) {
		int k;
		char *v;
		uint64_t x;

		for (k = 0; k < 4; k++)
			if (strncmp(tok[i], keys[k], strlen(keys[k])) == 0)
				break;
		if (k == 4)
			return cli_fail(err, errlen, "unknown field '%s'", CLIP(tok[i]));
		if (seen[k])
			return cli_fail(err, errlen, "field '%s' given twice", keys[k]);
		seen[k] = true;
		v = tok[i] + strlen(keys[k]);
		switch (k) {
		case 0:
			if (parse_dec(v, &x) || x < 1 || x > 64)
				return cli_fail(err, errlen, "bad mask '%s' (bits, 1 to 64)", CLIP(v));
			c->mask_bits = (unsigned int)x;
			break;
		case 1:
			if (parse_dec(v, &x) || x > UINT32_MAX)
				return cli_fail(err, errlen, "bad max_seg '%s' (decimal, 32-bit)", CLIP(v));
			c->max_seg = (uint32_t)x;
			break;
		case 2:
			/* Linux takes any mask (dma_set_seg_boundary checks none). */
			if (parse_hex(v, &x))
				return cli_fail(err, errlen, "bad boundary '%s' (hex with 0x)", CLIP(v));
			c->boundary = x;
			break;
		default:
			if (parse_ents(v, c, err, errlen))
				return -1;
			break;
		}
	}
	return 0;
}

void mapsg_case_free(struct mapsg_case *c)
{
	free(c->ents);
	c->ents = NULL;
	c->nents = 0;
}

/* --- replay ----------------------------------------------------------- */

struct run {
	const struct mapsg_case *c;
	uint64_t pgmap_off[PHYR_SG_PGMAP_MAX + 1]; /* bus offset of each provider */
	unsigned int npgmaps;
	struct mapsg_map *maps;
	size_t nmaps, capmaps;
	bool nomem;
};

static void on_map(void *ctx, uint64_t iova, uint64_t paddr, uint64_t size)
{
	struct run *r = ctx;

	if (r->nmaps == r->capmaps) {
		size_t cap = r->capmaps ? 2 * r->capmaps : 16;
		struct mapsg_map *m = realloc(r->maps, cap * sizeof(*m));

		if (!m) {
			r->nomem = true;
			return;
		}
		r->maps = m;
		r->capmaps = cap;
	}
	r->maps[r->nmaps++] = (struct mapsg_map){ iova, paddr, size };
}

/* Pages of a provider (pgmap >= 1) are BUS_ADDR for this client. */
static int p2p_state(void *ctx, uint64_t pfn, unsigned int pgmap, uint64_t *bus_offset)
{
	struct run *r = ctx;

	(void)pfn;
	if (!pgmap)
		return PHYR_IOMMU_DMA_P2P_NONE;
	*bus_offset = r->pgmap_off[pgmap];
	return PHYR_IOMMU_DMA_P2P_BUS_ADDR;
}

/* Entries with the same bus offset share one provider pagemap. */
static int pgmap_of(struct run *r, uint64_t busoff, unsigned int *id)
{
	for (unsigned int i = 1; i <= r->npgmaps; i++) {
		if (r->pgmap_off[i] == busoff) {
			*id = i;
			return 0;
		}
	}
	if (r->npgmaps == PHYR_SG_PGMAP_MAX)
		return -1;
	r->pgmap_off[++r->npgmaps] = busoff;
	*id = r->npgmaps;
	return 0;
}

void mapsg_result_print(const struct mapsg_result *res, FILE *out)
{
	if (res->ret < 0) {
		fprintf(out, "ret=%d\n", res->ret);
		return;
	}
	fprintf(out, "ret=%d iova=0x%" PRIx64 " len=%" PRIu64 " segs=", res->ret, res->iova,
		res->iova_len);
	for (int i = 0; i < res->ret; i++)
		fprintf(out, "%s0x%" PRIx64 ":%" PRIu32 "%s", i ? "," : "", res->segs[i].dma,
			res->segs[i].len, res->segs[i].bus ? "/bus" : "");
	fputs(" maps=", out);
	for (size_t i = 0; i < res->nmaps; i++)
		fprintf(out, "%s0x%" PRIx64 ">0x%" PRIx64 ":%" PRIu64, i ? "," : "",
			res->maps[i].iova, res->maps[i].paddr, res->maps[i].size);
	fputc('\n', out);
}

void mapsg_result_free(struct mapsg_result *res)
{
	free(res->segs);
	free(res->maps);
	memset(res, 0, sizeof(*res));
}

/* The DMA segments of a successful map_sg, @n of them, into @res. */
static int collect_segs(struct mapsg_result *res, const struct phyr_sg_layout *L,
			struct phyr_scatterlist *sgl, int n)
{
	struct phyr_scatterlist *s = sgl;

	res->segs = calloc(n > 0 ? (size_t)n : 1, sizeof(*res->segs));
	if (!res->segs)
		return -1;
	for (int i = 0; i < n; i++, s = phyr_sg_next(L, s)) {
		res->segs[i].dma = phyr_sg_dma_address(L, s);
		res->segs[i].len = phyr_sg_dma_len(L, s);
		res->segs[i].bus = phyr_sg_dma_is_bus_address(L, s);
	}
	return 0;
}

/*
 * The case's device on a machine of its own: a PCI endpoint under a host
 * bridge (so the 32-bit-first rule is armed), coherent, trusted, with the
 * case's mask, segment boundary and maximum segment size.
 */
static int case_device(const struct mapsg_case *c, struct phyr_machine **m,
		       struct phyr_device **dev)
{
	struct phyr_pci_host_bridge *h;
	struct phyr_pci_dev_config pc;
	struct phyr_device_config dc;
	struct phyr_pci_dev *pci;

	if (phyr_machine_create(NULL, NULL, m) || phyr_pci_host_bridge_add(*m, 0, 0, &h))
		return -1;
	memset(&pc, 0, sizeof(pc));
	pc.host = h;
	pc.devfn = PHYR_PCI_DEVFN(1, 0);
	pc.type = PHYR_PCI_ENDPOINT;
	pc.vendor = 0x1af4;
	pc.device = 0x1000;
	if (phyr_pci_dev_add(*m, &pc, &pci))
		return -1;
	phyr_device_config_init_pci(&dc, pci);
	dc.dma_mask = c->mask_bits >= 64 ? UINT64_MAX : (UINT64_C(1) << c->mask_bits) - 1;
	dc.coherent_dma_mask = dc.dma_mask;
	dc.seg_boundary_mask = c->boundary;
	dc.max_segment_size = (uint32_t)c->max_seg;
	dc.coherent = true;
	return phyr_device_create(*m, &dc, NULL, dev) ? -1 : 0;
}

int mapsg_case_eval(const struct mapsg_case *c, struct mapsg_result *res, char *err,
		    size_t errlen)
{
	const struct phyr_sg_layout *L = phyr_sg_layout_get(PHYR_SG_LAYOUT_DEFAULT);
	struct run r = { .c = c };
	struct phyr_iommu_domain_opts o = {
		.type = PHYR_IOMMU_DOMAIN_DMA,
		.fmt = PHYR_IOMMU_FMT_RECORD,
		.map_event = on_map,
		.map_event_ctx = &r,
	};
	struct phyr_iommu_dma_config cfg = {
		.domain = &o,
		.p2p = p2p_state,
		.p2p_ctx = &r,
	};
	struct phyr_iommu_dma_cookie *cookie = NULL;
	struct phyr_iommu_dma_stats st;
	struct phyr_machine *m = NULL;
	struct phyr_device *dev = NULL;
	struct phyr_scatterlist *sgl = NULL;
	int ret = -1, mret, count = 0;

	memset(res, 0, sizeof(*res));
	if (c->nents > (size_t)INT32_MAX) {
		snprintf(err, errlen, "too many entries");
		return -1;
	}
	if (case_device(c, &m, &dev) || phyr_iommu_dma_cookie_create(&cfg, NULL, &cookie) ||
	    phyr_iommu_setup_dma_ops(dev, cookie)) {
		snprintf(err, errlen, "cannot create the device and its DMA domain");
		goto out;
	}
	sgl = calloc(c->nents, L->size);
	if (!sgl || phyr_sg_init_table(L, sgl, (unsigned int)c->nents)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->nents; i++) {
		const struct mapsg_ent *e = &c->ents[i];
		unsigned int pgmap = 0;

		if (e->bus && pgmap_of(&r, e->busoff, &pgmap)) {
			snprintf(err, errlen, "more than %u P2P providers", PHYR_SG_PGMAP_MAX);
			goto out;
		}
		if (phyr_sg_set_page(L, phyr_sg_entry(L, sgl, (unsigned int)i), e->phys / PAGE,
				     pgmap, e->len, e->off)) {
			snprintf(err, errlen, "entry %zu: page out of range", i + 1);
			goto out;
		}
	}
	mret = phyr_iommu_dma_map_sg(dev, L, sgl, (int)c->nents, PHYR_DMA_BIDIRECTIONAL, 0, &count);
	if (r.nomem) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	phyr_iommu_dma_get_stats(cookie, &st);
	res->ret = mret ? mret : count;
	if (res->ret >= 0) {
		res->iova = st.last_iova;
		res->iova_len = st.last_iova_len;
		if (collect_segs(res, L, sgl, res->ret)) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
	}
	res->maps = r.maps;
	res->nmaps = r.nmaps;
	r.maps = NULL;
	ret = 0;
out:
	free(sgl);
	free(r.maps);
	phyr_iommu_dma_cookie_destroy(cookie);
	phyr_device_destroy(dev);
	phyr_machine_destroy(m);
	return ret;
}

int mapsg_case_run(const struct mapsg_case *c, FILE *out, char *err, size_t errlen)
{
	struct mapsg_result res;
	int ret = mapsg_case_eval(c, &res, err, errlen);

	if (!ret)
		mapsg_result_print(&res, out);
	mapsg_result_free(&res);
	return ret;
}
