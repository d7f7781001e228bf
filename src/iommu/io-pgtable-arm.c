// SPDX-License-Identifier: MIT
/*
 * ARM LPAE stage-1 page tables (Linux v6.17 io-pgtable-arm.c, format
 * ARM_64_LPAE_S1, no quirks, coherent walk).
 *
 * Reproduced exactly: arm_lpae_restrict_pgsizes (granule choice against the
 * 4 KiB CPU page, block sizes of that granule, IAS/OAS clamped to 48, or 52
 * for 64K), the geometry of arm_lpae_alloc_pgtable (bits per level, levels
 * = DIV_ROUND_UP(IAS - granule shift, bits per level), pgd bits), the OAS
 * values the stage-1 TCR accepts (32/36/40/42/44/48/52, else the allocation
 * fails), and the stage-1 leaf descriptor of arm_lpae_prot_to_pte: nG, AP[1]
 * unless PRIV, AP[2] for read-only, AttrIndx 2 (MMIO) or 1 (CACHE), SH inner
 * (CACHE) or outer, XN for NOEXEC, AF; type 11 at level 3, 01 above. Output
 * addresses are packed as paddr_to_iopte does (bits 51:48 folded into
 * 15:12). The table walk itself is pgtable.c's radix engine.
 */
#include "io-pgtable.h"

#define LPAE_NG (UINT64_C(1) << 11)
#define LPAE_AF (UINT64_C(1) << 10)
#define LPAE_SH_OS (UINT64_C(2) << 8)
#define LPAE_SH_IS (UINT64_C(3) << 8)
#define LPAE_AP_RDONLY (UINT64_C(1) << 7)
#define LPAE_AP_UNPRIV (UINT64_C(1) << 6)
#define LPAE_ATTR_CACHE (UINT64_C(1) << 2)
#define LPAE_ATTR_DEV (UINT64_C(2) << 2)
#define LPAE_XN (UINT64_C(3) << 53)
#define LPAE_ADDR_MASK UINT64_C(0x0000fffffffff000)

#define SZ_4K (UINT64_C(1) << 12)
#define SZ_16K (UINT64_C(1) << 14)
#define SZ_64K (UINT64_C(1) << 16)
#define SZ_2M (UINT64_C(1) << 21)
#define SZ_32M (UINT64_C(1) << 25)
#define SZ_512M (UINT64_C(1) << 29)
#define SZ_1G (UINT64_C(1) << 30)

static uint64_t lpae_s1_prot(int prot)
{
	uint64_t pte = LPAE_NG | LPAE_AF;

	if (!(prot & PHYR_IOMMU_WRITE) && (prot & PHYR_IOMMU_READ))
		pte |= LPAE_AP_RDONLY;
	if (!(prot & PHYR_IOMMU_PRIV))
		pte |= LPAE_AP_UNPRIV;
	if (prot & PHYR_IOMMU_MMIO)
		pte |= LPAE_ATTR_DEV;
	else if (prot & PHYR_IOMMU_CACHE)
		pte |= LPAE_ATTR_CACHE;
	pte |= (prot & PHYR_IOMMU_CACHE) ? LPAE_SH_IS : LPAE_SH_OS;
	if (prot & PHYR_IOMMU_NOEXEC)
		pte |= LPAE_XN;
	return pte;
}

static unsigned ffs64(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

int pgtable_arm_init(struct phyr_io_pgtable *pt, unsigned ias, unsigned oas)
{
	uint64_t bitmap, granule, page_sizes;
	unsigned max_addr_bits = 48;
	int va_bits, levels, pg_shift;

	switch (pt->fmt) {
	case PHYR_IOMMU_FMT_ARM_LPAE_S1_4K:
		bitmap = SZ_4K | SZ_2M | SZ_1G;
		break;
	case PHYR_IOMMU_FMT_ARM_LPAE_S1_16K:
		bitmap = SZ_16K | SZ_32M;
		break;
	case PHYR_IOMMU_FMT_ARM_LPAE_S1_64K:
		bitmap = SZ_64K | SZ_512M;
		break;
	default:
		return -EINVAL;
	}
	/* arm_lpae_restrict_pgsizes with a 4 KiB CPU page */
	if (bitmap & PHYR_PAGE_SIZE)
		granule = PHYR_PAGE_SIZE;
	else if (bitmap & (PHYR_PAGE_SIZE - 1))
		granule = UINT64_C(1) << (63 - __builtin_clzll(bitmap & (PHYR_PAGE_SIZE - 1)));
	else
		granule = UINT64_C(1) << ffs64(bitmap & ~(PHYR_PAGE_SIZE - 1));
	if (granule == SZ_4K) {
		page_sizes = SZ_4K | SZ_2M | SZ_1G;
	} else if (granule == SZ_16K) {
		page_sizes = SZ_16K | SZ_32M;
	} else {
		max_addr_bits = 52;
		page_sizes = SZ_64K | SZ_512M;
		if (oas > 48)
			page_sizes |= UINT64_C(1) << 42;
	}
	bitmap &= page_sizes;
	if (ias > max_addr_bits)
		ias = max_addr_bits;
	if (oas > max_addr_bits)
		oas = max_addr_bits;
	if (!(bitmap & (SZ_4K | SZ_16K | SZ_64K)))
		return -ENOMEM;

	pg_shift = (int)ffs64(bitmap);
	pt->gshift = (unsigned)pg_shift;
	pt->bpl = (unsigned)pg_shift - 3;
	va_bits = (int)ias - pg_shift;
	levels = (va_bits + (int)pt->bpl - 1) / (int)pt->bpl; /* C truncation, as DIV_ROUND_UP */
	pt->start_level = 4 - levels;
	pt->pgd_bits = va_bits - (int)pt->bpl * (levels - 1);

	switch (oas) {
	case 32: case 36: case 40: case 42: case 44: case 48: case 52:
		break;
	default:
		return -ENOMEM; /* the stage-1 TCR has no IPS for it */
	}
	pt->ias = ias;
	pt->oas = oas;
	pt->pgsize_bitmap = bitmap;
	for (int l = 0; l < 4; l++) {
		pt->c.leaf_mask[l + 1] = 3;
		pt->c.leaf_val[l + 1] = l == 3 ? 3 : 1;
		pt->c.leaf_type[l + 1] = l == 3 ? 3 : 1;
	}
	pt->c.table_bits = 3;
	pt->c.table_addr_mask = LPAE_ADDR_MASK;
	pt->c.oa_mask = LPAE_ADDR_MASK;
	pt->c.fold_high = true;
	pt->c.unfold_64k = pg_shift == 16;
	pt->c.ro_is_ap2 = true;
	pt->prot_to_pte = lpae_s1_prot;
	return pgtable_radix_setup(pt);
}
