// SPDX-License-Identifier: MIT
/*
 * Glue between the device's IOMMU slot and the mock IOMMU of
 * <phyr/iommu.h>: a device DMA access is translated the way the hardware
 * does it (phyr_iommu_translate: IOTLB, walk, permission check, fault
 * record).
 */
#include "direct.h"
#include "phyr/iommu.h"

static int iommu_translate(void *domain, struct phyr_device *dev, uint64_t iova, bool is_write,
			   uint64_t *phys)
{
	(void)dev;
	return phyr_iommu_translate(domain, iova,
				    is_write ? PHYR_IOMMU_ACCESS_WRITE : PHYR_IOMMU_ACCESS_READ,
				    phys);
}

int phyr_device_attach_iommu_domain(struct phyr_device *dev, struct phyr_iommu_domain *domain)
{
	enum phyr_iommu_domain_type t = phyr_iommu_domain_type(domain);
	int ret = phyr_device_attach_iommu(dev, domain, domain ? iommu_translate : NULL);

	if (!ret)
		dev->iommu_passthrough = domain && (t == PHYR_IOMMU_DOMAIN_IDENTITY ||
						    t == PHYR_IOMMU_DOMAIN_BLOCKED);
	return ret;
}
