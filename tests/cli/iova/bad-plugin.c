// SPDX-License-Identifier: MIT
/*
 * Plug-ins the loader must refuse, one per build flag: BAD_NOSYM exports
 * no phyr_iova_plugin_init, BAD_ABI refuses every ABI version,
 * BAD_INCOMPLETE returns an ops table without 'remove'.
 */
#include <errno.h>

#include <phyr/iova-plugin.h>

static int nop_init(void *priv, const struct phyr_iova_policy_env *env)
{
	(void)priv;
	(void)env;
	return 0;
}

static void nop_finish(void *priv)
{
	(void)priv;
}

static int nop_alloc(void *priv, uint64_t size, uint64_t limit_pfn, bool aligned, uint64_t *pfn)
{
	(void)priv;
	(void)size;
	(void)limit_pfn;
	(void)aligned;
	(void)pfn;
	return -ENOSPC;
}

static int nop_find(void *priv, uint64_t pfn, uint64_t *lo, uint64_t *hi)
{
	(void)priv;
	(void)pfn;
	(void)lo;
	(void)hi;
	return -ENOENT;
}

static int nop_reserve(void *priv, uint64_t lo, uint64_t hi, uint64_t *rlo, uint64_t *rhi)
{
	(void)priv;
	(void)lo;
	(void)hi;
	(void)rlo;
	(void)rhi;
	return -EINVAL;
}

static int nop_walk(void *priv, int (*cb)(void *ctx, uint64_t lo, uint64_t hi), void *ctx)
{
	(void)priv;
	(void)cb;
	(void)ctx;
	return 0;
}

static const struct phyr_iova_policy_ops incomplete_ops = {
	.name = "incomplete",
	.init = nop_init,
	.finish = nop_finish,
	.alloc = nop_alloc,
	.find = nop_find,
	.reserve = nop_reserve,
	.walk = nop_walk,
};

#if defined(BAD_NOSYM)
PHYR_IOVA_PLUGIN_EXPORT const struct phyr_iova_policy_ops *not_the_entry_point(void);
const struct phyr_iova_policy_ops *not_the_entry_point(void)
{
	return &incomplete_ops;
}
#else
const struct phyr_iova_policy_ops *phyr_iova_plugin_init(unsigned int abi_version)
{
#if defined(BAD_ABI)
	/* no version this loader will ever pass */
	return abi_version == 0xffffffffu ? &incomplete_ops : NULL;
#else
	return abi_version == PHYR_IOVA_PLUGIN_ABI ? &incomplete_ops : NULL;
#endif
}
#endif
