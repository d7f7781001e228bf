/* SPDX-License-Identifier: MIT */
/*
 * libphyr mock IOMMU: I/O page tables, IOMMU domains, IOTLB, flush queue.
 *
 * Models Linux v6.17 (drivers/iommu/io-pgtable-arm.c, iommu.c, dma-iommu.c's
 * flush queue). What is reproduced exactly:
 *  - ARM LPAE stage-1 tables (4K/16K/64K granules): geometry, IAS/OAS
 *    clamping, pgsize_bitmap restriction, the leaf descriptor bits, and every
 *    edge of map_pages/unmap_pages/iova_to_phys (one call never crosses a
 *    table, a block map over a table frees the table, a partial block unmap
 *    returns 0, an unmap meeting an empty entry returns 0 as with the stable
 *    fix 374e7af67d9d, empty tables survive page unmaps).
 *  - The core: iommu_pgsize's page-size choice, iommu_map with rollback,
 *    iommu_unmap's loop, iommu_map_sg's runs, the IOTLB gather rules.
 * What is modelled (not Linux code): an x86-64 4/5-level table after Intel's
 * second-level format, the IOTLB, the flush queue's timing on a simulated
 * clock, IO page faults, and a cost model. See docs/iommu.md.
 *
 * Threads (the one locking contract of libphyr's DMA stack, Linux's): a
 * domain locks itself. Concurrent phyr_iommu_map/_map_sg/_unmap/_dma_unmap
 * of disjoint IOVA ranges from several threads is legal, as are
 * translate, the IOTLB and flush-queue calls and get_stats at the same
 * time; every call on a domain is serialised by its spinlock, which also
 * covers the counters (Linux locks finer: lock-free PTE updates, per-CPU
 * flush-queue locks). Mapping or unmapping the SAME range from two threads
 * at once is a caller bug, as in Linux. Not covered: phyr_iommu_iova_to_phys
 * is lockless like Linux's and is safe only for a range the caller mapped
 * and has not unmapped; phyr_iommu_domain_set_pgtable and destroy need
 * the domain idle; phyr_io_pgtable_* calls on a domain's table (or on a
 * standalone table) take no lock: one thread at a time. The release and
 * map-event hooks run with the domain's lock held: they must not call
 * back into the same domain. The flush queue's "current CPU" is a
 * parameter; each CPU id is used by one thread at a time.
 */
#ifndef PHYR_IOMMU_H
#define PHYR_IOMMU_H

/*
 * NULL objects: with a NULL domain or page table, every function returning
 * int gives -EINVAL; unmap, unmap_fast, iova_to_phys, pgsize_bitmap and the
 * page table's unmap_pages return 0; phyr_iommu_domain_type(NULL) is
 * PHYR_IOMMU_DOMAIN_BLOCKED; phyr_iommu_domain_pgtable and phyr_iommu_faults
 * return NULL; get_stats zeroes *@st; the geometry getters give 0 (start
 * level 4 for a NULL table); the void maintenance calls (iotlb_sync,
 * gather_add_page with a NULL gather, flush_iotlb_all, iotlb_invalidate,
 * fq_flush, advance) and destroy do nothing. A NULL gather or cost structure
 * makes phyr_iommu_iotlb_gather_init and phyr_iommu_costs_default no-ops.
 */

#include <stdio.h>

#include <phyr/common.h>
#include <phyr/scatterlist.h>

#ifdef __cplusplus
extern "C" {
#endif

struct phyr_io_pgtable;
struct phyr_iommu_domain;

/** IOMMU protection bits (Linux IOMMU_READ ... IOMMU_PRIV). */
#define PHYR_IOMMU_READ (1 << 0)
#define PHYR_IOMMU_WRITE (1 << 1)
#define PHYR_IOMMU_CACHE (1 << 2)
#define PHYR_IOMMU_NOEXEC (1 << 3)
#define PHYR_IOMMU_MMIO (1 << 4)
#define PHYR_IOMMU_PRIV (1 << 5)

/** Page-table formats. */
enum phyr_iommu_fmt {
	PHYR_IOMMU_FMT_ARM_LPAE_S1_4K,  /**< "arm-lpae-s1-4k": 4K|2M|1G */
	PHYR_IOMMU_FMT_ARM_LPAE_S1_16K, /**< "arm-lpae-s1-16k": 16K|32M */
	PHYR_IOMMU_FMT_ARM_LPAE_S1_64K, /**< "arm-lpae-s1-64k": 64K|512M */
	PHYR_IOMMU_FMT_X86_64_4L,       /**< "x86-64-4l": 4 levels, 4K|2M|1G */
	PHYR_IOMMU_FMT_X86_64_5L,       /**< "x86-64-5l": 5 levels, 4K|2M|1G */
	PHYR_IOMMU_FMT_RECORD,          /**< "record": maps nothing, no limits */
	PHYR_IOMMU_FMT_COUNT
};

/**
 * phyr_iommu_fmt_from_name() - parse a format name ("arm-lpae-s1-4k", ...).
 * @name: in. @out: out, the format.
 * Returns 0, or -EINVAL for an unknown name.
 */
PHYR_EXPORT int phyr_iommu_fmt_from_name(const char *name, enum phyr_iommu_fmt *out);

/** phyr_iommu_fmt_name() - the name of @fmt, or NULL when out of range. */
PHYR_EXPORT const char *phyr_iommu_fmt_name(enum phyr_iommu_fmt fmt);

/**
 * struct phyr_iommu_iotlb_gather - pending IOTLB invalidation (Linux's
 * struct iommu_iotlb_gather). @start/@end (inclusive) bound the gathered
 * range, @pgsize the page size gathered so far, @queued says a flush queue
 * will invalidate later (io-pgtable then adds no pages), @nfreed counts
 * table pages released while gathering.
 */
struct phyr_iommu_iotlb_gather {
	uint64_t start;
	uint64_t end;
	uint64_t pgsize;
	uint64_t nfreed;
	bool queued;
};

/** Initialises @g as iommu_iotlb_gather_init() does (start = ~0, end = 0). */
PHYR_EXPORT void phyr_iommu_iotlb_gather_init(struct phyr_iommu_iotlb_gather *g);

/**
 * struct phyr_io_pgtable_stats - counters and memory of one page table.
 * @ntables: table pages held now, the top-level table included.
 * @ntables_level: table pages held per absolute level (index level + 1, so
 *   the x86 5-level root, level -1, is index 0).
 * @nleaves: valid leaf entries per absolute level 0..3.
 * @nbytes: bytes the kernel would hold for them (each allocation rounded up
 *   to whole CPU pages, as iommu_alloc_pages_node_sz does).
 * @ntable_allocs: table pages allocated since creation (pgd included).
 * @ntable_frees: table pages freed since creation.
 * @npte_writes: descriptor stores (leaf installs, table installs, clears).
 * @nmap_calls, @nunmap_calls: map_pages/unmap_pages calls.
 * @max_bytes: the memory budget: @nbytes never exceeds it.
 * @nbudget_refusals: table allocations and map requests refused by it.
 */
struct phyr_io_pgtable_stats {
	uint64_t ntables;
	uint64_t ntables_level[5];
	uint64_t nleaves[4];
	uint64_t nbytes;
	uint64_t ntable_allocs;
	uint64_t ntable_frees;
	uint64_t npte_writes;
	uint64_t nmap_calls;
	uint64_t nunmap_calls;
	uint64_t max_bytes;
	uint64_t nbudget_refusals;
};

/*
 * Memory budget of a simulated page table: @nbytes of the stats (what the
 * kernel would hold) never passes it. A table allocation that would pass it
 * fails with -ENOMEM; iommu_map refuses up front (-ENOMEM, nothing changed)
 * a request whose tables alone would pass it. The default keeps every
 * table far inside a 2 GB process; UINT64_MAX means no budget.
 */
#define PHYR_IOMMU_DEFAULT_MAX_TABLE_BYTES (UINT64_C(256) << 20)

/**
 * phyr_io_pgtable_set_max_bytes() - sets the memory budget of @pt (0 = the
 * default). A budget below what is held now lets nothing more be allocated.
 * Returns 0 or -EINVAL (@pt NULL).
 */
PHYR_EXPORT int phyr_io_pgtable_set_max_bytes(struct phyr_io_pgtable *pt, uint64_t max_bytes);

/**
 * phyr_io_pgtable_create() - alloc_io_pgtable_ops() for @fmt.
 * @fmt: the format. @ias, @oas: input and output address sizes in bits
 *   (clamped and checked as the format requires; see docs/iommu.md).
 * @alloc: allocator for the object and its table pages; NULL = malloc.
 * @out: out, the new table (empty: only the top-level table).
 * Returns 0; -ENOMEM when the format refuses the configuration (as
 * arm-smmu-v3 reports it) or memory runs out; -EINVAL for a bad @fmt.
 */
PHYR_EXPORT int phyr_io_pgtable_create(enum phyr_iommu_fmt fmt, unsigned ias, unsigned oas,
				       const struct phyr_allocator *alloc,
				       struct phyr_io_pgtable **out);

/** phyr_io_pgtable_destroy() - frees @pt and every table page. NULL: no-op. */
PHYR_EXPORT void phyr_io_pgtable_destroy(struct phyr_io_pgtable *pt);

/** The pgsize_bitmap after the format's restriction. */
PHYR_EXPORT uint64_t phyr_io_pgtable_pgsize_bitmap(const struct phyr_io_pgtable *pt);

/** The IAS and OAS after clamping. */
PHYR_EXPORT void phyr_io_pgtable_geometry(const struct phyr_io_pgtable *pt, unsigned *ias,
					  unsigned *oas, int *start_level, unsigned *pgd_entries);

/**
 * phyr_io_pgtable_map_pages() - the io-pgtable map_pages op.
 * Maps up to @pgcount pages of @pgsize from @iova to @paddr, never past the
 * end of one table. @mapped (in/out) is increased by the bytes mapped.
 * Returns 0; -EINVAL (size not in the bitmap, no READ/WRITE in @prot, no
 * level for @pgsize); -ERANGE (@iova beyond IAS or @paddr beyond OAS);
 * -EEXIST (a leaf is in the way); -ENOMEM.
 */
PHYR_EXPORT int phyr_io_pgtable_map_pages(struct phyr_io_pgtable *pt, uint64_t iova,
					  uint64_t paddr, uint64_t pgsize, uint64_t pgcount,
					  int prot, uint64_t *mapped);

/**
 * phyr_io_pgtable_unmap_pages() - the io-pgtable unmap_pages op.
 * @gather: may be NULL; unless @gather->queued each cleared leaf is added
 * to it. Returns the bytes unmapped (0 for an empty entry, a partial block,
 * a bad size or an IOVA beyond IAS).
 */
PHYR_EXPORT uint64_t phyr_io_pgtable_unmap_pages(struct phyr_io_pgtable *pt, uint64_t iova,
						 uint64_t pgsize, uint64_t pgcount,
						 struct phyr_iommu_iotlb_gather *gather);

/** The io-pgtable iova_to_phys op: 0 when not mapped. */
PHYR_EXPORT uint64_t phyr_io_pgtable_iova_to_phys(struct phyr_io_pgtable *pt, uint64_t iova);

/**
 * phyr_io_pgtable_leaf() - the leaf descriptor that translates @iova.
 * @pte, @level: out (absolute level, 3 = smallest page). Either may be NULL.
 * Returns 0, -ENOENT when the walk meets an empty entry, -EINVAL for a NULL @pt.
 */
PHYR_EXPORT int phyr_io_pgtable_leaf(struct phyr_io_pgtable *pt, uint64_t iova, uint64_t *pte,
				     int *level);

/** Fills @st by walking the live table and reading the counters. */
PHYR_EXPORT void phyr_io_pgtable_get_stats(struct phyr_io_pgtable *pt,
					   struct phyr_io_pgtable_stats *st);

/**
 * phyr_io_pgtable_dump() - prints the tree to @f, one line per valid entry,
 * indented by level: "L<level>[<index>] 0x<iova> table #<n>" or
 * "... 0x<pte> -> 0x<paddr> <size>". Returns 0 or -EIO.
 */
PHYR_EXPORT int phyr_io_pgtable_dump(struct phyr_io_pgtable *pt, FILE *f);

/* ------------------------------------------------------------------ */
/* Domains                                                             */

/** Domain types (Linux IOMMU_DOMAIN_*). */
enum phyr_iommu_domain_type {
	PHYR_IOMMU_DOMAIN_DMA = 0,  /**< translated, strict invalidation (the zero value: Linux's default domain) */
	PHYR_IOMMU_DOMAIN_DMA_FQ,   /**< translated, lazy: flush queue */
	PHYR_IOMMU_DOMAIN_IDENTITY, /**< passthrough: DMA address = physical */
	PHYR_IOMMU_DOMAIN_BLOCKED,  /**< all DMA faults (only when asked for) */
};

/** Access type of a device DMA. */
enum phyr_iommu_access {
	PHYR_IOMMU_ACCESS_READ,  /**< device reads memory */
	PHYR_IOMMU_ACCESS_WRITE, /**< device writes memory */
};

/** Why an IO page fault happened. */
enum phyr_iommu_fault_reason {
	PHYR_IOMMU_FAULT_UNMAPPED,   /**< no translation */
	PHYR_IOMMU_FAULT_PERMISSION, /**< write to a read-only mapping, ... */
	PHYR_IOMMU_FAULT_BLOCKED,    /**< the domain blocks all DMA */
};

/**
 * struct phyr_iommu_fault - one IO page fault record (the facts of the
 * kernel's io_page_fault event): @iova, @access, @reason, and @seq, the
 * 0-based number of the translate call that faulted.
 */
struct phyr_iommu_fault {
	uint64_t iova;
	enum phyr_iommu_access access;
	enum phyr_iommu_fault_reason reason;
	uint64_t seq;
};

/**
 * struct phyr_iommu_costs - the time model, in nanoseconds per event.
 * Defaults (phyr_iommu_costs_default): see docs/iommu.md.
 */
struct phyr_iommu_costs {
	double map_call;     /**< per iommu_map/unmap core call */
	double pte_write;    /**< per descriptor store */
	double table_alloc;  /**< per table page allocated and zeroed */
	double walk_level;   /**< per level read by a hardware walk */
	double iotlb_hit;    /**< per IOTLB hit */
	double iotlb_miss;   /**< per IOTLB miss (before the walk) */
	double inv_cmd;      /**< per invalidation command incl. its sync */
};

/** Fills @c with the documented defaults. */
PHYR_EXPORT void phyr_iommu_costs_default(struct phyr_iommu_costs *c);

/**
 * Release callback of the flush queue: @iova/@size (bytes) may be reused;
 * @ntables table pages freed by that unmap are released with it.
 */
typedef void (*phyr_iommu_release_fn)(void *ctx, uint64_t iova, uint64_t size,
				      uint64_t ntables);

/** Map-event hook (Linux's map tracepoint): one call per successful map. */
typedef void (*phyr_iommu_map_event_fn)(void *ctx, uint64_t iova, uint64_t paddr, uint64_t size);

/**
 * struct phyr_iommu_domain_opts - domain configuration; zero = defaults.
 * @type: domain type (0 = a strict DMA domain, Linux's default).
 * @fmt, @ias, @oas: page table created with the domain (paging types);
 *   @ias/@oas 0 mean 48.
 * @record_pgsize_bitmap: pgsize_bitmap of the "record" format (0 =
 *   4K|2M|1G).
 * @iotlb_entries, @iotlb_ways: IOTLB geometry (0 = 64 entries, 4 ways);
 *   entries must be a multiple of ways.
 * @ncpus: flush-queue rings (0 = 1). @fq_size: slots per ring (0 = 256,
 *   power of two). @fq_timeout_ns: 0 = 10 ms.
 * @costs: NULL = defaults. @release/@release_ctx: flush-queue release
 *   callback (NULL = nothing to release).
 * @map_event/@map_event_ctx: optional map tracepoint hook.
 * @alloc: NULL = malloc.
 * @no_pgtable: create a paging domain without a table (as after a failed
 *   alloc_io_pgtable_ops); phyr_iommu_domain_set_pgtable adds one.
 * @max_table_bytes: memory budget of the page table (0 =
 *   PHYR_IOMMU_DEFAULT_MAX_TABLE_BYTES, UINT64_MAX = none); see
 *   phyr_io_pgtable_set_max_bytes().
 */
struct phyr_iommu_domain_opts {
	enum phyr_iommu_domain_type type;
	bool no_pgtable;
	enum phyr_iommu_fmt fmt;
	unsigned ias;
	unsigned oas;
	uint64_t record_pgsize_bitmap;
	unsigned iotlb_entries;
	unsigned iotlb_ways;
	unsigned ncpus;
	unsigned fq_size;
	uint64_t fq_timeout_ns;
	const struct phyr_iommu_costs *costs;
	phyr_iommu_release_fn release;
	void *release_ctx;
	phyr_iommu_map_event_fn map_event;
	void *map_event_ctx;
	const struct phyr_allocator *alloc;
	uint64_t max_table_bytes;
};

/**
 * struct phyr_iommu_stats - counters of a domain (all exact; @sim_ns is the
 * modelled time of everything counted here).
 */
struct phyr_iommu_stats {
	uint64_t nmaps;          /**< iommu_map calls */
	uint64_t nmap_errors;    /**< of which failed */
	uint64_t nunmaps;        /**< iommu_unmap(_fast) calls */
	uint64_t nbytes_mapped;  /**< bytes the table installed for successful maps */
	uint64_t nbytes_unmapped;/**< bytes unmapped */
	uint64_t niotlb_syncs;   /**< iotlb_sync calls that invalidated */
	uint64_t ninv_range;     /**< range invalidation commands */
	uint64_t ninv_all;       /**< full invalidations */
	uint64_t ntranslates;    /**< phyr_iommu_translate calls */
	uint64_t niotlb_hits;    /**< of which hit the IOTLB */
	uint64_t niotlb_misses;  /**< of which missed */
	uint64_t nwalks;         /**< hardware walks */
	uint64_t nwalk_levels;   /**< table levels read by walks */
	uint64_t nstale_hits;    /**< hits on an entry whose mapping is gone */
	uint64_t nfaults;        /**< IO page faults */
	uint64_t niotlb_evictions; /**< LRU evictions */
	uint64_t niotlb_invalidated; /**< entries dropped by invalidations */
	uint64_t nfq_queued;     /**< flush-queue entries queued */
	uint64_t nfq_released;   /**< entries released after a flush */
	uint64_t nfq_full_flushes; /**< flushes because a ring was full */
	uint64_t nfq_timer_flushes; /**< flushes by the timeout */
	uint64_t nfq_pending;    /**< entries waiting now */
	uint64_t now_ns;         /**< simulated clock */
	double sim_ns;           /**< modelled time of all counted work */
};

/**
 * phyr_iommu_domain_create() - a domain, with its page table for paging
 * types. @o: in (NULL = a strict DMA domain, ARM LPAE 4K, IAS=OAS=48).
 * @out: out. Returns 0, -EINVAL (bad option), -ENOMEM.
 */
PHYR_EXPORT int phyr_iommu_domain_create(const struct phyr_iommu_domain_opts *o,
					 struct phyr_iommu_domain **out);

/** Frees @d (pending flush-queue entries are released first). NULL: no-op. */
PHYR_EXPORT void phyr_iommu_domain_destroy(struct phyr_iommu_domain *d);

/**
 * phyr_iommu_domain_set_pgtable() - replace the page table (the old one is
 * freed, the IOTLB invalidated). On failure no table is left and the
 * pgsize_bitmap is 0, as a domain whose alloc_io_pgtable_ops failed.
 * Returns 0, -ENOMEM (configuration refused or out of memory), -EINVAL.
 */
PHYR_EXPORT int phyr_iommu_domain_set_pgtable(struct phyr_iommu_domain *d,
					      enum phyr_iommu_fmt fmt, unsigned ias,
					      unsigned oas);

/** The domain's page table (NULL if none); owned by the domain. */
PHYR_EXPORT struct phyr_io_pgtable *phyr_iommu_domain_pgtable(struct phyr_iommu_domain *d);

PHYR_EXPORT enum phyr_iommu_domain_type phyr_iommu_domain_type(const struct phyr_iommu_domain *d);
PHYR_EXPORT uint64_t phyr_iommu_domain_pgsize_bitmap(const struct phyr_iommu_domain *d);

/**
 * phyr_iommu_pgsize() - iommu_pgsize(): the page size for the next chunk
 * at @iova/@paddr with @size bytes left, under @pgsize_bitmap. @count: out.
 * Returns the page size, or 0 when no size fits (Linux: BUG_ON).
 */
PHYR_EXPORT uint64_t phyr_iommu_pgsize(uint64_t pgsize_bitmap, uint64_t iova, uint64_t paddr,
				       uint64_t size, uint64_t *count);

/**
 * phyr_iommu_map() - iommu_map(): maps [@iova, +@size) to @paddr.
 * Returns 0; -EINVAL (not a paging domain, misaligned, bad prot);
 * -ENODEV (no page table); -ERANGE, -EEXIST, -ENOMEM from the table (what
 * was mapped by this call is unmapped again first).
 * As in Linux, a size that runs past the end of the address space may
 * return 0 having mapped only a prefix: the page count of the largest page
 * size is truncated to an int by the table, and a negative one wraps the
 * byte count to exactly what is left (iova 0x1000, size 2^64 - 0x1000 on
 * ARM LPAE 4K maps [0x1000, 0x40000000) and returns 0). nbytes_mapped
 * counts only the bytes installed.
 */
PHYR_EXPORT int phyr_iommu_map(struct phyr_iommu_domain *d, uint64_t iova, uint64_t paddr,
			       uint64_t size, int prot);

/** iommu_map_nosync(): as phyr_iommu_map() without iotlb_sync_map. */
PHYR_EXPORT int phyr_iommu_map_nosync(struct phyr_iommu_domain *d, uint64_t iova,
				      uint64_t paddr, uint64_t size, int prot);

/**
 * phyr_iommu_unmap() - iommu_unmap(): unmaps and invalidates.
 * Returns the bytes unmapped (0 when misaligned, not paging, or the first
 * page is not mapped); stops at the first hole.
 */
PHYR_EXPORT uint64_t phyr_iommu_unmap(struct phyr_iommu_domain *d, uint64_t iova,
				      uint64_t size);

/**
 * phyr_iommu_unmap_fast() - iommu_unmap_fast(): unmaps, gathering the
 * invalidation into @g (the caller then calls phyr_iommu_iotlb_sync or
 * queues the range). Returns the bytes unmapped.
 */
PHYR_EXPORT uint64_t phyr_iommu_unmap_fast(struct phyr_iommu_domain *d, uint64_t iova,
					   uint64_t size, struct phyr_iommu_iotlb_gather *g);

/**
 * iommu_iotlb_sync(): invalidates what @g gathered, then re-inits @g.
 * A NULL @d (a standalone table) only re-inits @g.
 */
PHYR_EXPORT void phyr_iommu_iotlb_sync(struct phyr_iommu_domain *d,
				       struct phyr_iommu_iotlb_gather *g);

/**
 * iommu_iotlb_gather_add_page(): adds a page, syncing first if the page size
 * changes or the page is disjoint from the gathered range. @d may be NULL.
 */
PHYR_EXPORT void phyr_iommu_iotlb_gather_add_page(struct phyr_iommu_domain *d,
						  struct phyr_iommu_iotlb_gather *g,
						  uint64_t iova, uint64_t size);

/** Invalidates the whole IOTLB (flush_iotlb_all). */
PHYR_EXPORT void phyr_iommu_flush_iotlb_all(struct phyr_iommu_domain *d);

/**
 * phyr_iommu_iotlb_invalidate() - one range invalidation command: drops
 * every IOTLB entry overlapping [@iova, @iova + @size) (a page when @size
 * is the page size). @size 0 does nothing.
 */
PHYR_EXPORT void phyr_iommu_iotlb_invalidate(struct phyr_iommu_domain *d, uint64_t iova,
					     uint64_t size);

/**
 * phyr_iommu_map_sg() - iommu_map_sg(): maps the first @nents entries of
 * the list at @sgl (layout @L; each entry's length already a granule
 * multiple) back to back from @iova, one iommu_map_nosync call per run of
 * physically contiguous entries; entries flagged as P2P bus addresses are
 * skipped (and end a run). @mapped: out, bytes mapped. Returns 0 or the
 * first map's error (everything mapped by this call is unmapped again).
 */
PHYR_EXPORT int phyr_iommu_map_sg(struct phyr_iommu_domain *d, uint64_t iova,
				  const struct phyr_sg_layout *L, struct phyr_scatterlist *sgl,
				  size_t nents, int prot, uint64_t *mapped);

/**
 * phyr_iommu_iova_to_phys() - iommu_iova_to_phys(): identity -> @iova,
 * blocked -> 0, else the table's answer (0 when not mapped). Never touches
 * the IOTLB.
 */
PHYR_EXPORT uint64_t phyr_iommu_iova_to_phys(struct phyr_iommu_domain *d, uint64_t iova);

/**
 * phyr_iommu_translate() - a device DMA access at @iova, as the IOMMU
 * hardware sees it: IOTLB lookup, table walk on a miss, permission check.
 * @paddr: out, the physical address. Returns 0, or -EFAULT after recording
 * an IO page fault (no mapping, permission, blocked domain).
 */
PHYR_EXPORT int phyr_iommu_translate(struct phyr_iommu_domain *d, uint64_t iova,
				     enum phyr_iommu_access access, uint64_t *paddr);

/**
 * phyr_iommu_faults() - the fault records so far (at most the last 1024).
 * @n: out, how many. Returns a pointer valid until the next call on @d.
 */
PHYR_EXPORT const struct phyr_iommu_fault *phyr_iommu_faults(const struct phyr_iommu_domain *d,
							     size_t *n);

/**
 * phyr_iommu_dma_unmap() - what dma-iommu does to unmap @size bytes at
 * @iova on @cpu: strict domains unmap, invalidate and release at once; a
 * DMA-FQ domain unmaps without invalidating and queues the range on @cpu's
 * ring (released through opts.release after a later full flush).
 * @unmapped: out (may be NULL). Returns 0 or -EINVAL (bad @cpu).
 */
PHYR_EXPORT int phyr_iommu_dma_unmap(struct phyr_iommu_domain *d, unsigned cpu, uint64_t iova,
				     uint64_t size, uint64_t *unmapped);

/**
 * phyr_iommu_fq_flush() - flush the IOTLB and reap every ring now (what
 * the flush-queue timer does). Also works on strict domains (just the
 * invalidation).
 */
PHYR_EXPORT void phyr_iommu_fq_flush(struct phyr_iommu_domain *d);

/**
 * phyr_iommu_advance() - advance the simulated clock by @ns; fires the
 * flush-queue timer if it expires.
 */
PHYR_EXPORT void phyr_iommu_advance(struct phyr_iommu_domain *d, uint64_t ns);

/** Reads the counters of @d into @st. */
PHYR_EXPORT void phyr_iommu_get_stats(const struct phyr_iommu_domain *d,
				      struct phyr_iommu_stats *st);

/** IOTLB geometry in use (entries, ways). */
PHYR_EXPORT void phyr_iommu_iotlb_geometry(const struct phyr_iommu_domain *d, unsigned *entries,
					   unsigned *ways);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_IOMMU_H */
