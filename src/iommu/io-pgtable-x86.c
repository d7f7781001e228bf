// SPDX-License-Identifier: MIT
/*
 * x86-64 style 4- and 5-level I/O page tables, after Intel VT-d's
 * second-level format (not a Linux io-pgtable; a model with the same walk
 * rules as the LPAE engine so the two can be compared).
 *
 * Descriptor layout (64 bits), as in the VT-d second-level entries:
 *   bit 0  R     read allowed (tables: always set)
 *   bit 1  W     write allowed (tables: always set)
 *   bit 7  PS    page size: set in a 2 MiB (level 2) or 1 GiB (level 1) leaf
 *   bit 11 SNP   snoop, set for PHYR_IOMMU_CACHE
 *   bits 51:12   output address (leaf) or table address (table)
 * A 4 KiB leaf is any non-zero level-3 entry; write-only mappings are
 * expressible (W without R). Levels are numbered as for LPAE, by the size
 * a leaf would have: level 3 = 4 KiB, 2 = 2 MiB, 1 = 1 GiB, 0 = 512 GiB
 * (table only), and the 5-level root is level -1.
 *
 * Configuration: IAS is clamped to 48 (4-level) or 57 (5-level); OAS to 52
 * and must then be at least 32, else the table is refused (-ENOMEM). The
 * pgsize_bitmap is 4K|2M|1G. Every edge behaviour (one call never crosses
 * a table, block over table frees the table, partial block unmap returns 0,
 * unmap of an empty entry returns 0) is the radix engine's, as for LPAE.
 */
#include "io-pgtable.h"

#define X86_R (UINT64_C(1) << 0)
#define X86_W (UINT64_C(1) << 1)
#define X86_PS (UINT64_C(1) << 7)
#define X86_SNP (UINT64_C(1) << 11)
#define X86_ADDR_MASK UINT64_C(0x000ffffffffff000)

static uint64_t x86_prot(int prot)
{
	uint64_t pte = 0;

	if (prot & PHYR_IOMMU_READ)
		pte |= X86_R;
	if (prot & PHYR_IOMMU_WRITE)
		pte |= X86_W;
	if (prot & PHYR_IOMMU_CACHE)
		pte |= X86_SNP;
	return pte;
}

int pgtable_x86_init(struct phyr_io_pgtable *pt, unsigned ias, unsigned oas)
{
	bool five = pt->fmt == PHYR_IOMMU_FMT_X86_64_5L;
	unsigned max_ias = five ? 57 : 48;

	if (pt->fmt != PHYR_IOMMU_FMT_X86_64_4L && !five)
		return -EINVAL;
	if (ias > max_ias)
		ias = max_ias;
	if (oas > 52)
		oas = 52;
	if (oas < 32)
		return -ENOMEM;
	pt->ias = ias;
	pt->oas = oas;
	pt->gshift = 12;
	pt->bpl = 9;
	pt->start_level = five ? -1 : 0;
	pt->pgd_bits = 9;
	pt->pgsize_bitmap = (UINT64_C(1) << 12) | (UINT64_C(1) << 21) | (UINT64_C(1) << 30);
	for (int l = -1; l < 4; l++) {
		pt->c.leaf_mask[l + 1] = l == 3 ? 0 : X86_PS;
		pt->c.leaf_val[l + 1] = l == 3 ? 0 : X86_PS;
		pt->c.leaf_type[l + 1] = l == 3 ? 0 : X86_PS;
	}
	pt->c.table_bits = X86_R | X86_W;
	pt->c.table_addr_mask = X86_ADDR_MASK;
	pt->c.oa_mask = X86_ADDR_MASK;
	pt->c.read_bit = X86_R;
	pt->c.write_bit = X86_W;
	pt->prot_to_pte = x86_prot;
	return pgtable_radix_setup(pt);
}
