/* SPDX-License-Identifier: MIT */
/*
 * The loader of IOVA policy plug-ins (<phyr/iova-plugin.h>): dlopen, the
 * entry point, the ABI handshake and a completeness check of the ops
 * table, each failure with its own message.
 */
#ifndef PHYR_SIM_IOVA_PLUGIN_H
#define PHYR_SIM_IOVA_PLUGIN_H

#include <stddef.h>

#include <phyr/iova.h>

struct iova_plugin;

/*
 * Loads the plug-in at @path (a name without '/' is taken relative to the
 * current directory, never searched in the library path). Returns 0 with
 * *@out set, or -1 with a message in @err ("FILE: ..."): the file is
 * missing or unreadable, not a loadable shared object, has no
 * phyr_iova_plugin_init, refused this ABI version, or returned an
 * incomplete ops table.
 */
int iova_plugin_open(const char *path, struct iova_plugin **out, char *err, size_t errlen);

/* The plug-in's policy; valid until iova_plugin_close(). */
const struct phyr_iova_policy_ops *iova_plugin_ops(const struct iova_plugin *p);

/* Unloads it (every domain using the policy must be gone). NULL: no-op. */
void iova_plugin_close(struct iova_plugin *p);

/*
 * The policy of a command's --policy NAME / --policy-plugin FILE options
 * (at most one of them; neither = linux). On success returns 0 with
 * *@ops set and *@pl the loaded plug-in (NULL for a built-in policy; the
 * caller closes it). Otherwise prints the message ("phyr-sim CMD: ..."),
 * records it for the JSON error document, and returns CLI_EXIT_USAGE.
 */
struct cli_cmd;
int iova_policy_select(const struct cli_cmd *c, const char *name, const char *plugin,
		       const struct phyr_iova_policy_ops **ops, struct iova_plugin **pl);

#endif /* PHYR_SIM_IOVA_PLUGIN_H */
