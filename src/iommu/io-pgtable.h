/* SPDX-License-Identifier: MIT */
/*
 * Private interface of the I/O page-table formats.
 *
 * Every format is a struct pgtable_fmt_ops (Linux's io_pgtable_ops plus a
 * constructor): pgtable.c dispatches the public phyr_io_pgtable_* calls
 * through it. The radix formats (ARM LPAE in pgtable-arm.c, x86-64 in
 * pgtable-x86.c) share one table walker, pgtable.c's radix engine, which is
 * parameterised by a struct pgtable_codec (how a descriptor encodes a leaf,
 * a table and an output address) so the hot loops make no indirect calls.
 *
 * To add a format: write src/pgtable-<name>.c with an init function that
 * fills the geometry and codec of a radix table and calls
 * pgtable_radix_setup (or sets its own ops table, as pgtable-record.c
 * does), add an enum value and name to include/phyr/iommu.h and a case to
 * pgtable.c's fmt_init().
 */
#ifndef PHYR_SRC_PGTABLE_H
#define PHYR_SRC_PGTABLE_H

#include "phyr/iommu.h"

struct phyr_io_pgtable;

/* Callbacks into the owner (the domain) for TLB maintenance. */
struct pgtable_tlb_ops {
	/* A table was removed under [iova, +size): flush walk caches. */
	void (*flush_walk)(void *cookie, uint64_t iova, uint64_t size);
	/* A leaf was cleared: add it to the gather (may sync). */
	void (*add_page)(void *cookie, struct phyr_iommu_iotlb_gather *g, uint64_t iova,
			 uint64_t size);
};

struct pgtable_fmt_ops {
	const char *name;
	int (*map_pages)(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t paddr,
			 uint64_t pgsize, uint64_t pgcount, int prot, uint64_t *mapped);
	uint64_t (*unmap_pages)(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t pgsize,
				uint64_t pgcount, struct phyr_iommu_iotlb_gather *g);
	uint64_t (*iova_to_phys)(struct phyr_io_pgtable *pt, uint64_t iova);
	/* Leaf lookup: 0 with the leaf descriptor and level, or -ENOENT; the levels read go to nlevels. */
	int (*leaf)(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t *pte, int *level,
		    unsigned *nlevels);
	void (*stats)(struct phyr_io_pgtable *pt, struct phyr_io_pgtable_stats *st);
	int (*dump)(struct phyr_io_pgtable *pt, FILE *f);
	void (*finish)(struct phyr_io_pgtable *pt);
};

/* Descriptor encoding of a radix format. */
struct pgtable_codec {
	/* Indexed by level + 1 (the x86 5-level root is level -1). */
	uint64_t leaf_mask[5];  /* leaf at level l: pte && (pte & mask) == val */
	uint64_t leaf_val[5];
	uint64_t leaf_type[5];  /* type bits ORed into a new leaf at level l */
	uint64_t table_bits;    /* ORed into a table descriptor */
	uint64_t table_addr_mask; /* address field of a table descriptor */
	uint64_t oa_mask;       /* address field of a leaf */
	bool fold_high;         /* LPAE: PA bits 51:48 folded into 15:12 */
	bool unfold_64k;        /* LPAE 64K: unfold them on the way back */
	bool ro_is_ap2;         /* leaf is read-only when bit 7 is set (LPAE) */
	uint64_t read_bit, write_bit; /* x86: explicit permission bits */
};

/* Bits of the descriptor of a read-only / writeable leaf. */
typedef uint64_t (*pgtable_prot_fn)(int prot);

struct phyr_io_pgtable {
	const struct pgtable_fmt_ops *ops;
	enum phyr_iommu_fmt fmt;
	const struct phyr_allocator *alloc;
	unsigned ias, oas;
	uint64_t pgsize_bitmap;
	/* radix geometry */
	unsigned gshift;       /* granule shift */
	unsigned bpl;          /* bits per level */
	int start_level;       /* absolute level of the pgd; 4 = no level */
	int pgd_bits;
	unsigned pgd_alloc_entries; /* storage of the pgd (>= a granule's) */
	uint64_t pgd_kbytes;   /* what the kernel allocates for the pgd */
	uint64_t *pgd;
	struct pgtable_codec c;
	pgtable_prot_fn prot_to_pte;
	/* table pool: descriptors name tables by id, never by host address */
	uint64_t **tab;
	uint32_t ntab;         /* ids in use or free, 1..ntab-1 */
	uint32_t tab_cap;
	uint32_t *free_ids;
	uint32_t nfree;
	/* owner hooks */
	const struct pgtable_tlb_ops *tlb;
	void *tlb_cookie;
	/* counters */
	uint64_t ntables;
	uint64_t ntables_level[5];
	uint64_t ntable_allocs, ntable_frees, npte_writes, nmap_calls, nunmap_calls;
	/* memory budget: table bytes held now (the stats' nbytes measure) and
	 * the limit; a table that would pass it is not allocated (-ENOMEM) */
	uint64_t nbytes, max_bytes;
	uint64_t budget_fits; /* requests up to this size never pass max_bytes */
	uint64_t nbudget_refusals;
	/* record format */
	void *priv;
};

/* Creates a table; the domain passes its TLB hooks. */
int pgtable_create(enum phyr_iommu_fmt fmt, unsigned ias, unsigned oas,
		   uint64_t record_bitmap, uint64_t max_bytes, const struct phyr_allocator *alloc,
		   const struct pgtable_tlb_ops *tlb, void *cookie, struct phyr_io_pgtable **out);

/*
 * The up-front half of the budget: -ENOMEM when mapping @size bytes from
 * @iova to @paddr needs more table bytes than the whole budget, whatever
 * is mapped already (a lower bound: the tables of the level of the largest
 * page size the alignment of @iova - @paddr allows). 0 otherwise.
 */
int pgtable_budget_check(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t paddr,
			 uint64_t size);

/* The radix engine, used by the radix formats' ops tables. */
extern const struct pgtable_fmt_ops pgtable_radix_ops;
int pgtable_radix_setup(struct phyr_io_pgtable *pt);

/* Leaf permissions (PHYR_IOMMU_READ/WRITE) of a radix leaf descriptor. */
int pgtable_leaf_prot(const struct phyr_io_pgtable *pt, uint64_t pte);

/* Output address of a radix leaf, and the page shift of a level. */
uint64_t pgtable_leaf_oa(const struct phyr_io_pgtable *pt, uint64_t pte);
unsigned pgtable_level_shift(const struct phyr_io_pgtable *pt, int lvl);
void pgtable_set_tlb(struct phyr_io_pgtable *pt, const struct pgtable_tlb_ops *tlb, void *cookie);

/*
 * Format constructors (pgtable-arm.c, pgtable-x86.c, pgtable-record.c):
 * fill geometry and codec (radix) or ops; -ENOMEM when the configuration is
 * refused.
 */
int pgtable_arm_init(struct phyr_io_pgtable *pt, unsigned ias, unsigned oas);
int pgtable_x86_init(struct phyr_io_pgtable *pt, unsigned ias, unsigned oas);
int pgtable_record_init(struct phyr_io_pgtable *pt, unsigned ias, unsigned oas);
extern const struct pgtable_fmt_ops pgtable_record_ops;

#endif /* PHYR_SRC_PGTABLE_H */
