// SPDX-License-Identifier: MIT
/*
 * The "record" page-table backend: maps nothing, has no input or output
 * address limit, and reports every page as mapped or unmapped. It is what
 * the map_sg conformance model uses as its driver: combined with the
 * domain's map-event hook it records the iommu_map_nosync calls a DMA layer
 * makes. Its pgsize_bitmap is the domain's record_pgsize_bitmap (default
 * 4K|2M|1G).
 */
#include "io-pgtable.h"

static int record_map_pages(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t paddr,
			    uint64_t pgsize, uint64_t pgcount, int prot, uint64_t *mapped)
{
	(void)iova;
	(void)paddr;
	pt->nmap_calls++;
	if (!pgsize || (pgsize & pt->pgsize_bitmap) != pgsize)
		return -EINVAL;
	if (!(prot & (PHYR_IOMMU_READ | PHYR_IOMMU_WRITE)))
		return -EINVAL;
	*mapped += pgsize * pgcount;
	return 0;
}

static uint64_t record_unmap_pages(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t pgsize,
				   uint64_t pgcount, struct phyr_iommu_iotlb_gather *g)
{
	(void)iova;
	(void)g;
	pt->nunmap_calls++;
	if (!pgsize || (pgsize & pt->pgsize_bitmap) != pgsize)
		return 0;
	return pgsize * pgcount;
}

static uint64_t record_iova_to_phys(struct phyr_io_pgtable *pt, uint64_t iova)
{
	(void)pt;
	(void)iova;
	return 0;
}

static int record_leaf(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t *pte, int *level,
		       unsigned *nlevels)
{
	(void)pt;
	(void)iova;
	(void)pte;
	(void)level;
	if (nlevels)
		*nlevels = 0;
	return -ENOENT;
}

static void record_stats(struct phyr_io_pgtable *pt, struct phyr_io_pgtable_stats *st)
{
	(void)pt;
	(void)st;
}

static int record_dump(struct phyr_io_pgtable *pt, FILE *f)
{
	if (fprintf(f, "record pgsize_bitmap=0x%llx\n", (unsigned long long)pt->pgsize_bitmap) < 0)
		return -EIO;
	return 0;
}

const struct pgtable_fmt_ops pgtable_record_ops = {
	.name = "record",
	.map_pages = record_map_pages,
	.unmap_pages = record_unmap_pages,
	.iova_to_phys = record_iova_to_phys,
	.leaf = record_leaf,
	.stats = record_stats,
	.dump = record_dump,
	.finish = NULL,
};

int pgtable_record_init(struct phyr_io_pgtable *pt, unsigned ias, unsigned oas)
{
	(void)ias;
	(void)oas;
	if (!pt->pgsize_bitmap)
		pt->pgsize_bitmap = (UINT64_C(1) << 12) | (UINT64_C(1) << 21) | (UINT64_C(1) << 30);
	pt->ias = 64;
	pt->oas = 64;
	pt->start_level = 4;
	pt->ops = &pgtable_record_ops;
	return 0;
}
