/* SPDX-License-Identifier: MIT */
/*
 * phyr-sim mem: built-in workloads, the report printers and the optional
 * jemalloc accounting backend. Public libphyr API only.
 */
#ifndef PHYR_SIM_MEM_H
#define PHYR_SIM_MEM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include <phyr/phyr.h>

/*
 * Called while a workload is fed: @done of @total bytes (@total 0: not
 * known before the end). Called with @done 0 first, then each time the
 * whole percentage grows.
 */
typedef void mem_progress_fn(void *ctx, uint64_t done, uint64_t total);

/* Knobs shared by every workload of one run. */
struct mem_params {
	uint64_t seed;
	uint64_t size;      /* scaled workloads; 0 = their default */
	uint32_t frag;      /* PHYR_PAGES_FRAG_DEFAULT = each workload's own */
	uint32_t chunk;     /* packed chunk bytes */
	bool no_measure;    /* DMA side: computed only */
	mem_progress_fn *progress; /* NULL: none */
	void *progress_ctx;
};

struct mem_sink;

struct mem_workload {
	const char *name;
	const char *desc;
	enum phyr_pages_pattern pattern; /* the main page source */
	uint32_t frag;                   /* its fragmentation knob */
	uint64_t default_bytes;
	bool scalable;                   /* --size applies */
	uint32_t cpu_us_per_gib;         /* measured CPU time per GiB (docs/mem.md) */
	uint32_t kib_per_gib;            /* measured memory growth per GiB */
	int (*feed)(const struct mem_workload *w, const struct mem_params *p, uint64_t bytes,
		    struct mem_sink *s);
};

extern const struct mem_workload mem_workloads[];
extern const unsigned mem_nworkloads;

/* ---- DMA side (mem-dma.c) ---- */

/* The modes the DMA side is reported in. */
enum mem_mode {
	MEM_MODE_PASSTHROUGH = 0, /* no IOMMU / identity domain, DMA address = physical */
	MEM_MODE_IOMMU,           /* DMA domain: one linear IOVA */
	MEM_MODE_BUS_OFFSET,      /* no IOMMU, dma_range_map offset: one DMA range per run */
	MEM_MODE_SWIOTLB,         /* confidential guest: every piece bounced */
	MEM_MODE_COUNT
};

/* The representations of the mapped state. */
enum mem_drep {
	MEM_DREP_SG24 = 0,
	MEM_DREP_SG32,
	MEM_DREP_SG40,
	MEM_DREP_PHYR,
	MEM_DREP_PACKED,
	MEM_DREP_TWO_STEP_PHYR,
	MEM_DREP_TWO_STEP_PACKED,
	MEM_DREP_COUNT
};

extern const char *const mem_mode_names[MEM_MODE_COUNT];
extern const char *const mem_drep_names[MEM_DREP_COUNT];

#define MEM_DMA_GRANULE UINT64_C(4096)
/* bus-offset mode: RAM at dma = phys + 1 TiB; the GPU BAR's bus address is
 * its CPU address - 2 TiB */
#define MEM_DMA_RAM_OFFSET (UINT64_C(1) << 40)
#define MEM_DMA_BAR_BUS_OFFSET ((uint64_t)0 - (UINT64_C(2) << 40))
/* swiotlb mode: the bounce pool's physical (= DMA) address */
#define MEM_DMA_SWIOTLB_BASE (UINT64_C(1) << 44)
/* IOMMU mode: 48-bit forced aperture */
#define MEM_DMA_IOVA_BITS 48
/* swiotlb mode: scatterlist entries of at most swiotlb_max_mapping_size */
#define MEM_DMA_SW_SG_PAGES 64
/* workloads up to this size are also mapped through the library */
#define MEM_DMA_MEASURE_MAX (UINT64_C(16) << 20)

/* One coalesced run of a workload (P2P: a BAR page of the GPU). */
struct mem_run {
	uint64_t addr;
	uint64_t len;
	bool p2p;
};

/*
 * The figures of one mode, computed or measured (compared field by field).
 * @err: the list cannot be mapped in this mode (negative errno), else 0.
 * @ndma: DMA ranges of phyr_dma_map_phyr (passthrough: the CPU runs).
 * @nbus: of which P2P bus-address ranges.
 * @iova, @iova_len: IOMMU mode: the IOVA of the list.
 * @dma_packed_bytes: the DMA ranges in a packed list (layout bytes).
 * @nslots: swiotlb: slots held. @sg_segs: swiotlb: scatterlist entries
 *	of at most swiotlb_max_mapping_size.
 * @nstates: IOMMU mode: dma_iova_state objects the two-step API needs.
 */
struct mem_dma_raw {
	int err;
	uint64_t ndma;
	uint64_t nbus;
	uint64_t iova;
	uint64_t iova_len;
	uint64_t dma_packed_bytes;
	uint64_t nslots;
	uint64_t sg_segs;
	uint64_t nstates;
	/* measured only (IOMMU mode, lists without P2P; not compared): */
	uint64_t sg32_segs;      /* DMA segments map_sg wrote into the 32-byte table */
	uint64_t sg24_clobbered; /* CPU lengths map_sg overwrote in the 24-byte table */
	uint64_t sg24_nents;     /* entries of that table (0: not measured) */
};

/* One cell of the DMA-side table: NULL @na = available. */
struct mem_dma_cell {
	const char *na;
	uint64_t entries;   /* DMA-side entries (sg: the table entries holding both) */
	uint64_t cpu_bytes; /* the CPU list's layout bytes */
	uint64_t dma_bytes; /* extra bytes the DMA side takes */
};

struct mem_dma_mode {
	struct mem_dma_raw raw;
	bool measured;        /* mapped through the library and equal to the computed */
	uint64_t bounce_bytes; /* swiotlb: slot bytes held by the mapping */
	bool over_pool;       /* swiotlb: more than the default 64 MiB pool */
	struct mem_dma_cell cell[MEM_DREP_COUNT];
};

struct mem_dma_calc;
int mem_dma_calc_create(uint32_t chunk, struct mem_dma_calc **out);
void mem_dma_calc_destroy(struct mem_dma_calc *c);
int mem_dma_calc_add(struct mem_dma_calc *c, uint64_t addr, uint64_t len, bool p2p);
int mem_dma_calc_finish(struct mem_dma_calc *c, struct mem_dma_raw raw[MEM_MODE_COUNT]);
/* Maps @runs through the library on one simulated machine per mode. */
int mem_dma_measure(const struct mem_run *runs, size_t n, uint64_t bar_size, uint32_t chunk,
		    struct mem_dma_raw raw[MEM_MODE_COUNT]);
bool mem_dma_raw_equal(const struct mem_dma_raw *a, const struct mem_dma_raw *b);

/* What a workload feeds: ranges in buffer order (@p2p: GPU BAR memory). */
int mem_sink_add(struct mem_sink *s, uint64_t addr, uint64_t len, bool p2p);

/* One workload's measured result. */
struct mem_result {
	const struct mem_workload *w;
	uint64_t bytes;
	uint64_t nranges;                       /* ranges the page model fed */
	uint32_t frag;
	struct phyr_ledger_totals t;
	struct phyr_mem_cost cost[PHYR_REPR_COUNT];
	uint64_t bar_size;                      /* gpu-dmabuf's BAR aperture */
	bool dma_measured;                      /* the DMA side was also measured */
	struct mem_dma_mode dma[MEM_MODE_COUNT];
};

/* Fills the cells of mode @mode from d->raw and the CPU-side costs. */
void mem_dma_fill(const struct mem_result *r, struct mem_dma_mode *d, enum mem_mode mode);

/* Runs workload @w into @r. Returns 0 or a negative errno. */
int mem_run(const struct mem_workload *w, const struct mem_params *p, struct mem_result *r);

/* ---- the command's configuration (cmd-mem.c) ---- */

enum mem_output { MEM_OUT_TABLE = 0, MEM_OUT_JSON, MEM_OUT_CSV };

/* What the --plot-side values select (bits). */
#define MEM_PLOT_CPU 1u
#define MEM_PLOT_DMA 2u

/* Every effective setting of one `phyr-sim mem` run. */
struct mem_config {
	struct mem_params p;
	const char *workload;     /* a workload's name or "all" */
	const char *size_text;    /* --size as given, NULL: not given */
	unsigned modes;           /* bit m: mode m's DMA-side column */
	enum mem_output out;
	bool no_heap;
	bool stats;
	bool force;               /* runs over the MEM_LIMIT_* predictions allowed */
	int progress;             /* 1 --progress, 0 --no-progress, -1 auto */
	const char *plot;         /* --plot FILE or NULL */
	int plot_format;          /* enum cli_plot_format of @plot */
	const char *plot_data;    /* --plot-data DIR or NULL */
	unsigned plot_side;       /* MEM_PLOT_* bits */
};

/* Whether workload @w is selected by @cfg. */
bool mem_selected(const struct mem_config *cfg, const struct mem_workload *w);

/* ---- limits (mem-workloads.c) ---- */

/* A run predicted to take more CPU time or memory needs --force
 * (docs/mem.md, "Limits"). */
#define MEM_LIMIT_US UINT64_C(20000000)
#define MEM_LIMIT_BYTES (UINT64_C(1) << 30)
/* stderr on a terminal: progress when the run is predicted to take longer. */
#define MEM_PROGRESS_AUTO_US UINT64_C(2000000)

/* The predicted CPU time (microseconds) and memory growth (bytes) of the
 * run, from each selected workload's bytes and measured rates. */
void mem_predict(const struct mem_config *cfg, uint64_t *us, uint64_t *bytes);

/* ---- report printers (mem-report.c) ---- */

/* @backend is the heap backend's name or NULL. */
void mem_print_table(FILE *f, const struct mem_params *p, const struct mem_result *r, unsigned n,
		     const char *backend, unsigned modes);
void mem_print_csv(FILE *f, const struct mem_result *r, unsigned n, const char *backend,
		   unsigned modes);
/* The --json document (out.h): command, version, config, heap_backend,
 * workloads, stats. The caller prints and frees it. */
json_object *mem_json(const struct mem_config *cfg, const struct mem_result *r, unsigned n,
		      const char *backend);
/* The run's counters: the JSON "stats" object and the --stats lines. */
json_object *mem_stats(const struct mem_result *r, unsigned n);

/* ---- plots (mem-plot.c) ---- */

/*
 * Writes the plot data and the gnuplot script (into cfg->plot_data, or a
 * temporary directory removed afterwards) and, with cfg->plot, runs
 * gnuplot on them. Returns 0, or -1 after printing why not (no gnuplot,
 * a write error, gnuplot failed).
 */
int mem_plot(const struct mem_config *cfg, const struct mem_result *r, unsigned n);

/* Installs the jemalloc backend when phyr-sim was built with it; writes
 * its name ("jemalloc 5.3.0") to @name and returns true, else false. */
bool mem_jemalloc_install(char *name, size_t len);

#endif /* PHYR_SIM_MEM_H */
