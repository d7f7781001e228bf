/* SPDX-License-Identifier: MIT */
/* phyr-sim iova bench: the baseline workloads and the scenarios. */
#ifndef PHYR_SIM_IOVA_BENCH_H
#define PHYR_SIM_IOVA_BENCH_H

/* argv[0] = "bench". Returns the exit status. */
int iova_bench_main(int argc, char **argv);

#endif /* PHYR_SIM_IOVA_BENCH_H */
