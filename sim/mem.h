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

#include <phyr/phyr.h>

/* Knobs shared by every workload of one run. */
struct mem_params {
	uint64_t seed;
	uint64_t size;      /* scaled workloads; 0 = their default */
	uint32_t frag;      /* PHYR_PAGES_FRAG_DEFAULT = each workload's own */
	uint32_t chunk;     /* packed chunk bytes */
};

struct mem_workload {
	const char *name;
	const char *desc;
	enum phyr_pages_pattern pattern; /* the main page source */
	uint32_t frag;                   /* its fragmentation knob */
	uint64_t default_bytes;
	bool scalable;                   /* --size applies */
	int (*feed)(const struct mem_workload *w, const struct mem_params *p, uint64_t bytes,
		    struct phyr_ledger *g);
};

extern const struct mem_workload mem_workloads[];
extern const unsigned mem_nworkloads;

/* One workload's measured result. */
struct mem_result {
	const struct mem_workload *w;
	uint64_t bytes;
	uint32_t frag;
	struct phyr_ledger_totals t;
	struct phyr_mem_cost cost[PHYR_REPR_COUNT];
};

/* Runs workload @w into @r. Returns 0 or a negative errno. */
int mem_run(const struct mem_workload *w, const struct mem_params *p, struct mem_result *r);

/* Report printers. @backend is the heap backend's name or NULL. */
void mem_print_table(FILE *f, const struct mem_params *p, const struct mem_result *r, unsigned n,
		     const char *backend);
void mem_print_json(FILE *f, const struct mem_params *p, const struct mem_result *r, unsigned n,
		    const char *backend);
void mem_print_csv(FILE *f, const struct mem_result *r, unsigned n, const char *backend);
/* Renders a bar chart of bytes per 4 KiB page through gnuplot. Returns 0,
 * or -1 after printing why it could not. */
int mem_plot(const char *path, const struct mem_result *r, unsigned n);

/* "512 B", "4.1 KiB", "200.0 MiB": IEC units, one decimal. */

/* Installs the jemalloc backend when phyr-sim was built with it; writes
 * its name ("jemalloc 5.3.0") to @name and returns true, else false. */
bool mem_jemalloc_install(char *name, size_t len);

#endif /* PHYR_SIM_MEM_H */
