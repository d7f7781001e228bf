// SPDX-License-Identifier: MIT
/* The loader of IOVA policy plug-ins (see iova-plugin.h). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <phyr/iova-plugin.h>

#include "cli.h"
#include "cli-opts.h"
#include "iova-plugin.h"
#include "opt.h"

struct iova_plugin {
	void *dl;
	const struct phyr_iova_policy_ops *ops;
};

/* The first mandatory member @ops leaves unset, or NULL. */
static const char *missing_member(const struct phyr_iova_policy_ops *ops)
{
	if (!ops->name || !ops->name[0])
		return "name";
	if (!ops->init)
		return "init";
	if (!ops->finish)
		return "finish";
	if (!ops->alloc)
		return "alloc";
	if (!ops->remove)
		return "remove";
	if (!ops->find)
		return "find";
	if (!ops->reserve)
		return "reserve";
	if (!ops->walk)
		return "walk";
	return NULL;
}

int iova_plugin_open(const char *path, struct iova_plugin **out, char *err, size_t errlen)
{
	phyr_iova_plugin_init_fn init;
	struct iova_plugin *p;
	const char *what;
	char *full = NULL;
	struct stat st;
	void *sym;

	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return -1;
	}
	p = calloc(1, sizeof(*p));
	if (!strchr(path, '/'))
		full = malloc(strlen(path) + 3);
	if (!p || (!strchr(path, '/') && !full)) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto err_free;
	}
	if (full) {
		memcpy(full, "./", 2);
		strcpy(full + 2, path);
	}
	p->dl = dlopen(full ? full : path, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl) {
		snprintf(err, errlen, "%s: not a loadable shared object (%s)", path, dlerror());
		goto err_free;
	}
	dlerror();
	sym = dlsym(p->dl, PHYR_IOVA_PLUGIN_INIT_SYMBOL);
	if (!sym) {
		snprintf(err, errlen, "%s: no %s() entry point: not an IOVA policy plug-in", path,
			 PHYR_IOVA_PLUGIN_INIT_SYMBOL);
		goto err_close;
	}
	/* POSIX dlsym: a function pointer travels as void * */
	memcpy(&init, &sym, sizeof(init));
	p->ops = init(PHYR_IOVA_PLUGIN_ABI);
	if (!p->ops) {
		snprintf(err, errlen, "%s: the plug-in refused ABI version %d (%s() returned NULL)",
			 path, PHYR_IOVA_PLUGIN_ABI, PHYR_IOVA_PLUGIN_INIT_SYMBOL);
		goto err_close;
	}
	what = missing_member(p->ops);
	if (what) {
		snprintf(err, errlen, "%s: incomplete policy ops: no '%s'", path, what);
		goto err_close;
	}
	free(full);
	*out = p;
	return 0;
err_close:
	dlclose(p->dl);
err_free:
	free(full);
	free(p);
	return -1;
}

const struct phyr_iova_policy_ops *iova_plugin_ops(const struct iova_plugin *p)
{
	return p ? p->ops : NULL;
}

void iova_plugin_close(struct iova_plugin *p)
{
	if (!p)
		return;
	dlclose(p->dl);
	free(p);
}

int iova_policy_select(const struct cli_cmd *c, const char *name, const char *plugin,
		       const struct phyr_iova_policy_ops **ops, struct iova_plugin **pl)
{
	char err[1024];

	*pl = NULL;
	if (name && plugin) {
		cli_record_error(NULL, 0, "--policy and --policy-plugin exclude each other");
		return cli_usage_error(c, "--policy and --policy-plugin exclude each other");
	}
	if (plugin) {
		if (iova_plugin_open(plugin, pl, err, sizeof(err))) {
			cli_record_error(NULL, 0, "--policy-plugin %s", err);
			fprintf(stderr, "phyr-sim %s: --policy-plugin %s\n", c->name, err);
			return CLI_EXIT_USAGE;
		}
		*ops = iova_plugin_ops(*pl);
		return 0;
	}
	if (cli_opt_policy(name ? name : "linux", ops)) {
		cli_record_error(NULL, 0, "bad --policy '%s' (expected linux, augmented or buddy)",
				 name);
		return cli_bad_value(c, "policy", name, "linux, augmented or buddy");
	}
	return 0;
}
