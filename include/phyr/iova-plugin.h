/* SPDX-License-Identifier: MIT */
/*
 * libphyr IOVA policy plug-ins: a placement policy (struct
 * phyr_iova_policy_ops, <phyr/iova.h>) built as a shared object that a
 * program loads at run time (`phyr-sim iova replay --policy-plugin
 * FILE.so`). docs/iova.md ("Plug-in policies") describes the contract;
 * examples/iova-policy-firstfit.c is a complete plug-in.
 *
 * The plug-in exports one function, PHYR_IOVA_PLUGIN_INIT_SYMBOL:
 *
 *	const struct phyr_iova_policy_ops *phyr_iova_plugin_init(unsigned int abi_version);
 *
 * The loader passes the ABI version it was built with
 * (PHYR_IOVA_PLUGIN_ABI). The plug-in returns its ops table when it was
 * written for that version, NULL otherwise (the loader then refuses it).
 * The table must stay valid, unchanged, until the object is unloaded; the
 * loader checks that every mandatory member (name, init, finish, alloc,
 * remove, find, reserve, walk) is set.
 *
 * What the ABI version covers: the layouts of struct phyr_iova_policy_ops,
 * struct phyr_iova_policy_env, struct phyr_iova_stats and struct
 * phyr_allocator, and the meaning of each member as <phyr/iova.h>
 * documents it. Any change to one of them increments it.
 */
#ifndef PHYR_IOVA_PLUGIN_H
#define PHYR_IOVA_PLUGIN_H

#include "phyr/iova.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The plug-in ABI version of this header. */
#define PHYR_IOVA_PLUGIN_ABI 1

/** The name of the function a plug-in exports (for dlsym). */
#define PHYR_IOVA_PLUGIN_INIT_SYMBOL "phyr_iova_plugin_init"

/** Marks the entry point exported even under -fvisibility=hidden. */
#if defined(__GNUC__)
#define PHYR_IOVA_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define PHYR_IOVA_PLUGIN_EXPORT
#endif

/** The type of the entry point, for the loader's dlsym() result. */
typedef const struct phyr_iova_policy_ops *(*phyr_iova_plugin_init_fn)(unsigned int abi_version);

/**
 * phyr_iova_plugin_init() - defined by the plug-in, not by libphyr.
 * @abi_version: the loader's PHYR_IOVA_PLUGIN_ABI.
 * Called once, right after the object is loaded, from the loading thread.
 * Return: the policy's ops table (static storage of the plug-in), or NULL
 * when the plug-in does not support @abi_version.
 */
PHYR_IOVA_PLUGIN_EXPORT const struct phyr_iova_policy_ops *phyr_iova_plugin_init(unsigned int abi_version);

#ifdef __cplusplus
}
#endif

#endif /* PHYR_IOVA_PLUGIN_H */
