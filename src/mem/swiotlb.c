// SPDX-License-Identifier: MIT
/*
 * swiotlb bounce-slot pool: the slot allocator and bounce copies of Linux
 * v6.17 kernel/dma/swiotlb.c (non-dynamic build), re-implemented from the
 * behaviour described in spec/kernel.md section 6 and
 * formats/swiotlb-trace.md. Integer widths follow the kernel's where they
 * change results (32-bit masks, 64-bit wrapping sizes).
 */
#include <string.h>

#include "alloc.h"
#include "swiotlb.h"

#define SLOT_SHIFT PHYR_SWIOTLB_SLOT_SHIFT
#define SLOT_SIZE PHYR_SWIOTLB_SLOT_SIZE
#define SLOT_MASK (SLOT_SIZE - 1)
#define SEGSIZE PHYR_SWIOTLB_SEGSIZE
#define PAGE_MASK_LOW (PHYR_PAGE_SIZE - 1)

/* Device parameters with the kernel's defaults filled in. */
struct dev_params {
	uint32_t min_align_mask;
	uint64_t boundary_mask;
	uint64_t dma_offset;
};

static void counter_add(atomic_uint_least64_t *c, uint64_t v)
{
	atomic_fetch_add_explicit(c, v, memory_order_relaxed);
}

static uint64_t counter_get(const atomic_uint_least64_t *c)
{
	return atomic_load_explicit((atomic_uint_least64_t *)c, memory_order_relaxed);
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t roundup_pow2(uint64_t v)
{
	uint64_t r = 1;

	while (r < v)
		r <<= 1;
	return r;
}

/* Slots needed for @bytes (nr_slots). */
static uint64_t nr_slots(uint64_t bytes)
{
	return (bytes >> SLOT_SHIFT) + ((bytes & SLOT_MASK) != 0);
}

/* Position of slot @i inside its 128-slot segment. */
static uint64_t seg_offset(uint64_t i)
{
	return i & (SEGSIZE - 1);
}

static struct dev_params dev_params_of(const struct phyr_swiotlb_dev *dev)
{
	struct dev_params p = { 0, UINT64_MAX, 0 };

	if (dev) {
		p.min_align_mask = dev->min_align_mask;
		if (dev->seg_boundary_mask)
			p.boundary_mask = dev->seg_boundary_mask;
		p.dma_offset = dev->dma_offset;
	}
	return p;
}

int phyr_swiotlb_geometry(uint64_t nslabs, uint64_t nareas, uint64_t *out_nslabs,
			  uint32_t *out_nareas)
{
	uint64_t n, a;

	if (!out_nslabs || !out_nareas)
		return -EINVAL;
	if (nslabs > PHYR_SWIOTLB_MAX_NSLABS || nareas > PHYR_SWIOTLB_MAX_NSLABS / SEGSIZE)
		return -EINVAL;
	/* swiotlb=NSLABS: whole segments only. */
	n = (nslabs + SEGSIZE - 1) & ~(uint64_t)(SEGSIZE - 1);
	/* swiotlb=,NAREAS: a power of two, 0 read as 1. */
	a = nareas ? roundup_pow2(nareas) : 1;
	/* Every area holds at least one segment; otherwise a power of two. */
	if (n < SEGSIZE * a)
		n = SEGSIZE * a;
	else if (!is_pow2(n))
		n = roundup_pow2(n);
	if (n > PHYR_SWIOTLB_MAX_NSLABS)
		return -EINVAL;
	*out_nslabs = n;
	*out_nareas = (uint32_t)a;
	return 0;
}

static void slot_reset(struct swiotlb_slot *s)
{
	s->orig_addr = SWIOTLB_INVALID_PHYS;
	s->alloc_size = 0;
	s->pad_slots = 0;
	s->nalloc = 0;
	s->data_start = false;
}

/*
 * Allocates and initialises a pool of @nslabs slots in @nareas areas at
 * @start, the geometry already final: every slot free, every cursor at 0,
 * free counts to the end of each 128-slot segment (swiotlb_init_io_tlb_pool).
 */
static int pool_create(uint64_t start, uint64_t nslabs, uint32_t nareas, bool force_bounce,
		       const struct phyr_swiotlb_memory *memory,
		       const struct phyr_allocator *alloc, struct phyr_swiotlb **out)
{
	struct phyr_swiotlb *p;
	uint32_t i;

	alloc = alloc_or_default(alloc);
	p = alloc_zeroed(alloc, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->alloc = alloc;
	p->areas = alloc_zeroed(alloc, sizeof(*p->areas) * nareas);
	if (!p->areas)
		goto err_free_pool;
	p->slots = alloc_mem(alloc, sizeof(*p->slots) * nslabs);
	if (!p->slots)
		goto err_free_areas;

	p->start = start;
	p->end = start + (nslabs << SLOT_SHIFT);
	p->nslabs = nslabs;
	p->nareas = nareas;
	p->area_nslabs = (uint32_t)(nslabs / nareas);
	p->force_bounce = force_bounce;
	phyr_swiotlb_set_memory(p, memory);
	for (i = 0; i < nareas; i++)
		pthread_mutex_init(&p->areas[i].lock, NULL);
	for (uint64_t s = 0; s < nslabs; s++) {
		uint64_t to_seg_end = SEGSIZE - seg_offset(s);

		slot_reset(&p->slots[s]);
		p->slots[s].list = (uint16_t)(to_seg_end < nslabs - s ? to_seg_end : nslabs - s);
	}
	*out = p;
	return 0;

err_free_areas:
	alloc_free(alloc, p->areas, sizeof(*p->areas) * nareas);
err_free_pool:
	alloc_free(alloc, p, sizeof(*p));
	return -ENOMEM;
}

int phyr_swiotlb_create(const struct phyr_swiotlb_config *cfg,
			const struct phyr_allocator *alloc, struct phyr_swiotlb **out)
{
	uint64_t nslabs;
	uint32_t nareas;
	int ret;

	if (!cfg || !out || (cfg->start & PAGE_MASK_LOW))
		return -EINVAL;
	ret = phyr_swiotlb_geometry(cfg->nslabs, cfg->nareas, &nslabs, &nareas);
	if (ret)
		return ret;
	if (cfg->start > UINT64_MAX - (nslabs << SLOT_SHIFT))
		return -EINVAL;
	return pool_create(cfg->start, nslabs, nareas, cfg->force_bounce, cfg->memory, alloc, out);
}

int swiotlb_create_exact(uint64_t start, uint64_t nslabs, uint32_t nareas, bool force_bounce,
			 const struct phyr_allocator *alloc, struct phyr_swiotlb **out)
{
	if (!out || !nslabs || nslabs > PHYR_SWIOTLB_MAX_NSLABS || !is_pow2(nareas) ||
	    nslabs % nareas || start > UINT64_MAX - (nslabs << SLOT_SHIFT))
		return -EINVAL;
	return pool_create(start, nslabs, nareas, force_bounce, NULL, alloc, out);
}

void phyr_swiotlb_destroy(struct phyr_swiotlb *p)
{
	const struct phyr_allocator *alloc;

	if (!p)
		return;
	alloc = p->alloc;
	for (uint32_t i = 0; i < p->nareas; i++)
		pthread_mutex_destroy(&p->areas[i].lock);
	alloc_free(alloc, p->slots, sizeof(*p->slots) * p->nslabs);
	alloc_free(alloc, p->areas, sizeof(*p->areas) * p->nareas);
	alloc_free(alloc, p, sizeof(*p));
}

void phyr_swiotlb_set_memory(struct phyr_swiotlb *p, const struct phyr_swiotlb_memory *memory)
{
	if (!p)
		return;
	if (memory && memory->read && memory->write) {
		p->memory = *memory;
		p->has_memory = true;
	} else {
		memset(&p->memory, 0, sizeof(p->memory));
		p->has_memory = false;
	}
}

/* Copies @len bytes between two physical ranges through the memory hook. */
static int phys_copy(struct phyr_swiotlb *p, uint64_t dst, uint64_t src, uint64_t len)
{
	unsigned char buf[4096];
	int ret;

	if (!p->has_memory)
		return 0;
	while (len) {
		size_t n = len < sizeof(buf) ? (size_t)len : sizeof(buf);

		ret = p->memory.read(p->memory.ctx, src, buf, n);
		if (ret)
			return ret < 0 ? ret : -EFAULT;
		ret = p->memory.write(p->memory.ctx, dst, buf, n);
		if (ret)
			return ret < 0 ? ret : -EFAULT;
		src += n;
		dst += n;
		len -= n;
	}
	return 0;
}

/*
 * swiotlb_bounce: copy between the bounce buffer at @tlb_addr and the
 * original it stands for. The slot remembers the original address of its
 * first byte (shifted by the min_align offset) and the bytes left to the end
 * of the allocation; a copy longer than that is clamped, as Linux does after
 * its "Buffer overflow detected" warning.
 */
static int bounce(struct phyr_swiotlb *p, const struct dev_params *dp, uint64_t tlb_addr,
		  uint64_t size, bool to_device)
{
	const struct swiotlb_slot *s = &p->slots[(tlb_addr - p->start) >> SLOT_SHIFT];
	uint64_t orig = s->orig_addr;
	uint64_t avail = s->alloc_size;
	int64_t delta;
	int ret;

	if (orig == SWIOTLB_INVALID_PHYS)
		return 0;
	delta = (int64_t)(tlb_addr & SLOT_MASK) - (int64_t)(orig & dp->min_align_mask & SLOT_MASK);
	orig += (uint64_t)delta;
	avail -= (uint64_t)delta;
	if (size > avail) {
		counter_add(&p->noverflows, 1);
		size = avail;
	}
	if (to_device)
		ret = phys_copy(p, tlb_addr, orig, size);
	else
		ret = phys_copy(p, orig, tlb_addr, size);
	if (ret)
		return ret;
	counter_add(to_device ? &p->nbytes_to_device : &p->nbytes_from_device, size);
	return 0;
}

/*
 * Backs the original buffer before the device may write, so that the
 * copy-back at unmap or sync_for_cpu cannot fail for lack of memory: Linux's
 * unmap cannot fail, so the bytes must arrive. The hook has no reserve call,
 * so the original's bytes are written back onto themselves, which makes a
 * memory that allocates on first write (the simulated physical memory)
 * allocate now, when a failure can still fail the map cleanly. Only the
 * mapping's own bytes are rewritten: the CPU owns them until unmap, while
 * neighbouring bytes of the same page may be in use elsewhere.
 */
static int back_original(struct phyr_swiotlb *p, uint64_t orig, uint64_t size)
{
	if (!p->has_memory)
		return 0;
	return phys_copy(p, orig, orig, size);
}

static uint32_t wrap_index(const struct phyr_swiotlb *p, uint64_t index)
{
	return index >= p->area_nslabs ? 0 : (uint32_t)index;
}

/* iommu_is_span_boundary: would [index, index + nr) cross a boundary? */
static bool spans_boundary(uint64_t index, uint64_t nr, uint64_t shift, uint64_t boundary_size)
{
	uint64_t pos = (shift + index) & (boundary_size - 1);

	return pos + nr > boundary_size;
}

static void update_hiwater(struct phyr_swiotlb *p, uint64_t used)
{
	uint64_t old = counter_get(&p->nused_hiwater);

	while (used > old &&
	       !atomic_compare_exchange_weak_explicit(&p->nused_hiwater, &old, used,
						      memory_order_relaxed, memory_order_relaxed))
		;
}

/*
 * swiotlb_search_pool_area: next-fit search of one area for @alloc_size
 * bytes (padding included). Returns the first slot (padding included) or -1.
 */
static int64_t search_area(struct phyr_swiotlb *p, const struct dev_params *dp,
			   uint32_t area_index, uint64_t orig, uint64_t alloc_size,
			   uint32_t alloc_align_mask, uint32_t *old_cursor)
{
	struct swiotlb_area *area = &p->areas[area_index];
	uint64_t tbl_dma = (p->start + dp->dma_offset) & dp->boundary_mask;
	uint64_t max_slots = (dp->boundary_mask >> SLOT_SHIFT) + 1;
	uint64_t tbl_shift = nr_slots(tbl_dma);
	uint32_t iotlb_align_mask = dp->min_align_mask;
	uint64_t nslots = nr_slots(alloc_size);
	uint64_t offset = orig & dp->min_align_mask & SLOT_MASK;
	uint64_t index, checked, stride, slot_base, slot = 0, count = 0, i;
	bool found = false;

	/* Streaming maps without masks keep the historical page alignment. */
	if (!alloc_align_mask && !iotlb_align_mask && alloc_size >= PHYR_PAGE_SIZE)
		alloc_align_mask = (uint32_t)PAGE_MASK_LOW;
	/* At least slot aligned; min_align bits below that come from the offset. */
	alloc_align_mask |= (uint32_t)SLOT_MASK;
	iotlb_align_mask &= ~alloc_align_mask;
	stride = ((uint64_t)(alloc_align_mask > iotlb_align_mask ? alloc_align_mask
								  : iotlb_align_mask) >> SLOT_SHIFT) + 1;

	counter_add(&p->nareas_searched, 1);
	pthread_mutex_lock(&area->lock);
	if (nslots > p->area_nslabs - area->used)
		goto out_unlock;

	slot_base = (uint64_t)area_index * p->area_nslabs;
	index = area->index;
	for (checked = 0; checked < p->area_nslabs;) {
		uint64_t addr;

		slot = slot_base + index;
		addr = tbl_dma + (slot << SLOT_SHIFT);
		if ((addr & alloc_align_mask) ||
		    (orig && (addr & iotlb_align_mask) != (orig & iotlb_align_mask))) {
			index = wrap_index(p, index + 1);
			checked++;
			continue;
		}
		if (!spans_boundary(slot, nslots, tbl_shift, max_slots) &&
		    p->slots[slot].list >= nslots) {
			found = true;
			break;
		}
		index = wrap_index(p, index + stride);
		checked += stride;
	}
	counter_add(&p->nslots_checked, checked);
	if (!found)
		goto out_unlock;

	for (i = 0; i < nslots; i++) {
		p->slots[slot + i].list = 0;
		p->slots[slot + i].alloc_size = alloc_size - (offset + (i << SLOT_SHIFT));
	}
	/* Free slots before the run now end at it: renumber to the segment start. */
	for (i = slot - 1; seg_offset(i) != SEGSIZE - 1 && p->slots[i].list; i--)
		p->slots[i].list = (uint16_t)++count;
	p->slots[slot].nalloc = (uint16_t)nslots;
	*old_cursor = area->index;
	area->index = wrap_index(p, index + nslots);
	area->used += nslots;
	pthread_mutex_unlock(&area->lock);
	update_hiwater(p, atomic_fetch_add_explicit(&p->total_used, nslots,
						    memory_order_relaxed) + nslots);
	return (int64_t)slot;

out_unlock:
	pthread_mutex_unlock(&area->lock);
	return -1;
}

/* swiotlb_find_slots (non-dynamic): areas from cpu & (nareas - 1) on. */
static int64_t find_slots(struct phyr_swiotlb *p, const struct dev_params *dp, unsigned int cpu,
			  uint64_t orig, uint64_t alloc_size, uint32_t alloc_align_mask,
			  uint32_t *old_cursor)
{
	uint32_t start = cpu & (p->nareas - 1), i = start;

	do {
		int64_t index = search_area(p, dp, i, orig, alloc_size, alloc_align_mask,
					    old_cursor);

		if (index >= 0)
			return index;
		if (++i >= p->nareas)
			i = 0;
	} while (i != start);
	return -1;
}

/* swiotlb_release_slots; the caller has checked that @tlb_addr is live. */
static void release_slots(struct phyr_swiotlb *p, uint64_t first, uint64_t nslots)
{
	struct swiotlb_area *area = &p->areas[first / p->area_nslabs];
	uint64_t seg_end = (first + SEGSIZE) & ~(uint64_t)(SEGSIZE - 1);
	uint64_t count, i;

	pthread_mutex_lock(&area->lock);
	count = first + nslots < seg_end ? p->slots[first + nslots].list : 0;
	/* Freed slots join the free run after them... */
	for (i = first + nslots; i-- > first;) {
		slot_reset(&p->slots[i]);
		p->slots[i].list = (uint16_t)++count;
	}
	/* ...and the free slots before them, within the segment, join too. */
	for (i = first - 1; seg_offset(i) != SEGSIZE - 1 && p->slots[i].list; i--)
		p->slots[i].list = (uint16_t)++count;
	area->used -= nslots;
	pthread_mutex_unlock(&area->lock);
	atomic_fetch_sub_explicit(&p->total_used, nslots, memory_order_relaxed);
}

/*
 * Undoes a map whose bounce copy failed: the slots are released and the
 * area's cursor goes back to where it was, unless another map has moved it
 * since, so a failed map leaves the pool as it found it. Linux has no such
 * path: its bounce copy cannot fail.
 */
static void unwind_map(struct phyr_swiotlb *p, uint64_t first, uint64_t nslots,
		       uint32_t old_cursor)
{
	struct swiotlb_area *area = &p->areas[first / p->area_nslabs];

	release_slots(p, first, nslots);
	pthread_mutex_lock(&area->lock);
	if (area->index == wrap_index(p, first % p->area_nslabs + nslots))
		area->index = old_cursor;
	pthread_mutex_unlock(&area->lock);
}

int phyr_swiotlb_tbl_map_single(struct phyr_swiotlb *p, const struct phyr_swiotlb_dev *dev,
				unsigned int cpu, uint64_t orig, uint64_t mapping_size,
				uint32_t alloc_align_mask, int dir,
				unsigned long attrs, uint64_t *tlb_addr)
{
	struct dev_params dp = dev_params_of(dev);
	uint64_t offset, size, align, pad_slots, data, nslots, addr;
	uint32_t old_cursor = 0;
	int64_t index;
	int ret;

	(void)attrs;
	if (!p || !tlb_addr || dir < 0 || dir > PHYR_SWIOTLB_DIR_NONE ||
	    (mapping_size && orig > UINT64_MAX - (mapping_size - 1)) ||
	    !is_pow2((dp.boundary_mask >> SLOT_SHIFT) + 1))
		return -EINVAL;
	if (alloc_align_mask > PAGE_MASK_LOW)
		counter_add(&p->nalign_warnings, 1);

	/* Low bits the bounce address must share with the original. */
	offset = orig & dp.min_align_mask & (alloc_align_mask | SLOT_MASK);
	if (mapping_size > UINT64_MAX - offset - (uint64_t)alloc_align_mask)
		return -EINVAL;
	/* The 32-bit "mask + 1" of Linux: 0 for an all-ones mask. */
	align = (uint32_t)(alloc_align_mask + 1u);
	if (!align)
		return -EINVAL;
	size = (mapping_size + offset + align - 1) & ~(align - 1);
	nslots = nr_slots(size);
	/* Size 0 is legal while the in-slot offset needs a slot; with no
	 * slot at all Linux's search stops at BUG_ON(!nslots). */
	if (!nslots)
		return -EINVAL;
	/*
	 * A direction that copies back reserves what the copy-back needs, before
	 * the search, so that a failure leaves the pool as it was (cursors too).
	 */
	if (dir == PHYR_SWIOTLB_FROM_DEVICE || dir == PHYR_SWIOTLB_BIDIRECTIONAL) {
		ret = back_original(p, orig, mapping_size);
		if (ret)
			return ret;
	}
	if (nslots > SEGSIZE) {
		/* No free count exceeds a segment: every area search fails. */
		for (uint32_t i = 0; i < p->nareas; i++)
			counter_add(&p->nareas_searched, 1);
		index = -1;
	} else {
		index = find_slots(p, &dp, cpu, orig, size, alloc_align_mask, &old_cursor);
	}
	if (index < 0) {
		counter_add(&p->nmap_failures, 1);
		return -ENOSPC;
	}

	pad_slots = offset >> SLOT_SHIFT;
	data = (uint64_t)index + pad_slots;
	p->slots[data].pad_slots = (uint16_t)pad_slots;
	p->slots[data].data_start = true;
	for (uint64_t i = 0; i < nslots - pad_slots; i++)
		p->slots[data + i].orig_addr = orig + (i << SLOT_SHIFT);
	addr = p->start + (data << SLOT_SHIFT) + (offset & SLOT_MASK);

	/* Always original -> bounce, so a partial device write leaks nothing. */
	ret = bounce(p, &dp, addr, mapping_size, true);
	if (ret) {
		unwind_map(p, (uint64_t)index, nslots, old_cursor);
		return ret;
	}
	counter_add(&p->nmaps, 1);
	counter_add(&p->nslots_allocated, nslots);
	*tlb_addr = addr;
	return 0;
}

/*
 * Finds the allocation a bounce address names, as swiotlb_release_slots
 * does, and checks that it is a live mapping's returned address range.
 */
static int find_mapping(struct phyr_swiotlb *p, const struct dev_params *dp, uint64_t tlb_addr,
			uint64_t *first, uint64_t *nslots)
{
	uint64_t offset = tlb_addr & dp->min_align_mask & SLOT_MASK;
	uint64_t data = (tlb_addr - offset - p->start) >> SLOT_SHIFT;
	const struct swiotlb_slot *d = &p->slots[data];
	uint64_t f, n;

	if (!d->data_start || d->pad_slots > data)
		return -EINVAL;
	f = data - d->pad_slots;
	n = nr_slots(p->slots[f].alloc_size + offset);
	if (p->slots[f].nalloc == 0 || p->slots[f].nalloc != n)
		return -EINVAL;
	*first = f;
	*nslots = n;
	return 0;
}

int phyr_swiotlb_tbl_unmap_single(struct phyr_swiotlb *p, const struct phyr_swiotlb_dev *dev,
				  uint64_t tlb_addr, uint64_t size,
				  int dir, unsigned long attrs)
{
	struct dev_params dp = dev_params_of(dev);
	uint64_t first, nslots;
	int ret;

	if (!p || dir < 0 || dir > PHYR_SWIOTLB_DIR_NONE)
		return -EINVAL;
	if (!phyr_swiotlb_contains(p, tlb_addr))
		return -ENOENT;
	ret = find_mapping(p, &dp, tlb_addr, &first, &nslots);
	if (ret)
		return ret;
	if (!(attrs & PHYR_SWIOTLB_ATTR_SKIP_CPU_SYNC) &&
	    (dir == PHYR_SWIOTLB_FROM_DEVICE || dir == PHYR_SWIOTLB_BIDIRECTIONAL)) {
		ret = bounce(p, &dp, tlb_addr, size, false);
		if (ret)
			return ret;
	}
	release_slots(p, first, nslots);
	counter_add(&p->nunmaps, 1);
	return 0;
}

int phyr_swiotlb_sync_single_for_device(struct phyr_swiotlb *p,
					const struct phyr_swiotlb_dev *dev, uint64_t tlb_addr,
					uint64_t size, int dir)
{
	struct dev_params dp = dev_params_of(dev);

	if (!p || dir < 0 || dir > PHYR_SWIOTLB_FROM_DEVICE)
		return -EINVAL;
	if (!phyr_swiotlb_contains(p, tlb_addr))
		return -ENOENT;
	counter_add(&p->nsyncs_for_device, 1);
	if (dir == PHYR_SWIOTLB_TO_DEVICE || dir == PHYR_SWIOTLB_BIDIRECTIONAL)
		return bounce(p, &dp, tlb_addr, size, true);
	return 0;
}

int phyr_swiotlb_sync_single_for_cpu(struct phyr_swiotlb *p, const struct phyr_swiotlb_dev *dev,
				     uint64_t tlb_addr, uint64_t size,
				     int dir)
{
	struct dev_params dp = dev_params_of(dev);

	if (!p || dir < 0 || dir > PHYR_SWIOTLB_FROM_DEVICE)
		return -EINVAL;
	if (!phyr_swiotlb_contains(p, tlb_addr))
		return -ENOENT;
	counter_add(&p->nsyncs_for_cpu, 1);
	if (dir == PHYR_SWIOTLB_FROM_DEVICE || dir == PHYR_SWIOTLB_BIDIRECTIONAL)
		return bounce(p, &dp, tlb_addr, size, false);
	return 0;
}

bool phyr_swiotlb_contains(const struct phyr_swiotlb *p, uint64_t phys)
{
	return p && phys >= p->start && phys < p->end;
}

uint64_t phyr_swiotlb_max_mapping_size(uint32_t min_align_mask)
{
	/* Linux does this in int: reproduce its wrap for masks >= 2^31. */
	int64_t mask = (int32_t)min_align_mask;
	int64_t min_align = 0;

	if (mask) {
		int64_t sum = (int32_t)(uint32_t)(min_align_mask + (uint32_t)(SLOT_SIZE - 1));

		min_align = sum / (int64_t)SLOT_SIZE * (int64_t)SLOT_SIZE;
	}
	return SLOT_SIZE * SEGSIZE - (uint64_t)min_align;
}

uint64_t phyr_swiotlb_used(struct phyr_swiotlb *p)
{
	uint64_t used = 0;

	if (!p)
		return 0;
	for (uint32_t i = 0; i < p->nareas; i++) {
		pthread_mutex_lock(&p->areas[i].lock);
		used += p->areas[i].used;
		pthread_mutex_unlock(&p->areas[i].lock);
	}
	return used;
}

void phyr_swiotlb_get_info(const struct phyr_swiotlb *p, struct phyr_swiotlb_info *info)
{
	if (!info)
		return;
	if (!p) {
		memset(info, 0, sizeof(*info));
		return;
	}
	info->start = p->start;
	info->end = p->end;
	info->nslabs = p->nslabs;
	info->nareas = p->nareas;
	info->area_nslabs = p->area_nslabs;
	info->force_bounce = p->force_bounce;
}

int phyr_swiotlb_get_slot(struct phyr_swiotlb *p, uint64_t index, struct phyr_swiotlb_slot *slot)
{
	const struct swiotlb_slot *s;

	if (!p || !slot || index >= p->nslabs)
		return -EINVAL;
	s = &p->slots[index];
	slot->orig_addr = s->orig_addr;
	slot->alloc_size = s->alloc_size;
	slot->list = s->list;
	slot->pad_slots = s->pad_slots;
	return 0;
}

int phyr_swiotlb_get_area(struct phyr_swiotlb *p, uint32_t area, uint32_t *index, uint64_t *used)
{
	if (!p || area >= p->nareas)
		return -EINVAL;
	pthread_mutex_lock(&p->areas[area].lock);
	if (index)
		*index = p->areas[area].index;
	if (used)
		*used = p->areas[area].used;
	pthread_mutex_unlock(&p->areas[area].lock);
	return 0;
}

void phyr_swiotlb_get_stats(const struct phyr_swiotlb *p, struct phyr_swiotlb_stats *st)
{
	if (!st)
		return;
	if (!p) {
		memset(st, 0, sizeof(*st));
		return;
	}
	st->nmaps = counter_get(&p->nmaps);
	st->nmap_failures = counter_get(&p->nmap_failures);
	st->nunmaps = counter_get(&p->nunmaps);
	st->nsyncs_for_device = counter_get(&p->nsyncs_for_device);
	st->nsyncs_for_cpu = counter_get(&p->nsyncs_for_cpu);
	st->nareas_searched = counter_get(&p->nareas_searched);
	st->nslots_checked = counter_get(&p->nslots_checked);
	st->nslots_allocated = counter_get(&p->nslots_allocated);
	st->nbytes_to_device = counter_get(&p->nbytes_to_device);
	st->nbytes_from_device = counter_get(&p->nbytes_from_device);
	st->noverflows = counter_get(&p->noverflows);
	st->nalign_warnings = counter_get(&p->nalign_warnings);
	st->nused_hiwater = counter_get(&p->nused_hiwater);
}

void phyr_swiotlb_reset_stats(struct phyr_swiotlb *p)
{
	if (!p)
		return;
	atomic_uint_least64_t *c[] = {
		&p->nmaps, &p->nmap_failures, &p->nunmaps, &p->nsyncs_for_device,
		&p->nsyncs_for_cpu, &p->nareas_searched, &p->nslots_checked,
		&p->nslots_allocated, &p->nbytes_to_device, &p->nbytes_from_device,
		&p->noverflows, &p->nalign_warnings,
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		atomic_store_explicit(c[i], 0, memory_order_relaxed);
	atomic_store_explicit(&p->nused_hiwater, counter_get(&p->total_used),
			      memory_order_relaxed);
}
