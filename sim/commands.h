/* SPDX-License-Identifier: MIT */
/* The phyr-sim subcommands; each lives in its own sim/cmd-*.c. */
#ifndef PHYR_SIM_COMMANDS_H
#define PHYR_SIM_COMMANDS_H

/* Each takes argv with argv[0] = the subcommand name; returns the exit code. */
int cmd_mem(int argc, char **argv);
int cmd_sg_build(int argc, char **argv);
int cmd_iova(int argc, char **argv);
int cmd_iommu(int argc, char **argv);
int cmd_swiotlb(int argc, char **argv);
int cmd_mapsg(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_dma(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_capture(int argc, char **argv);

#endif /* PHYR_SIM_COMMANDS_H */
