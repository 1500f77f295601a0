// SPDX-License-Identifier: GPL-2.0
/*
 * vxpu: PRIME import. Export is the stock drm_gem_prime_export(). Import
 * accepts only dma-bufs exported by this very DRM device: those resolve to
 * the exporting GEM object itself (a new handle, no attachment), so our
 * platform device never gets a DMA mapping. Anything else is refused.
 */
#include <linux/dma-buf.h>

#include <drm/drm_prime.h>

#include "vxpu_drv.h"

struct drm_gem_object *vxpu_gem_prime_import(struct drm_device *drm,
					     struct dma_buf *dma_buf)
{
	struct drm_gem_object *obj;

	/* Every dma-buf of drm_gem_prime_export() has this release op. */
	if (dma_buf->ops->release != drm_gem_dmabuf_release)
		return ERR_PTR(-EOPNOTSUPP);

	obj = dma_buf->priv;
	if (!obj || !vxpu_is_vxpu_bo(drm, obj))
		return ERR_PTR(-EOPNOTSUPP);

	drm_gem_object_get(obj);
	return obj;
}
